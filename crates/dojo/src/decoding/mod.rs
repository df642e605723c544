//! Topic 9, prompting and decoding: how a model's next-token distributions become text.
//!
//! - [`sampling`]: temperature, top-k, top-p, min-p, typical; repetition, frequency and
//!   presence penalties; the draw;
//! - [`mod@generate`]: the prefill/decode loop with streaming and stopping criteria.

pub mod generate;
pub mod sampling;

pub use generate::{generate, GenerateConfig, Generation, StopReason};
pub use sampling::SamplerConfig;
