//! Topic 9, prompting and decoding: how a model's next-token distributions become text.
//!
//! - [`sampling`]: temperature, top-k, top-p, min-p, typical; repetition, frequency and
//!   presence penalties; the draw;
//! - [`adaptive`]: entropy-based dynamic temperature;
//! - [`mod@generate`]: the prefill/decode loop with streaming and stopping criteria;
//! - [`prompt_cache`]: reuse of a shared prompt prefix's KV state (prompt caching);
//! - [`beam`]: beam search with a length penalty;
//! - [`speculative`]: draft-and-verify decoding that keeps the target's distribution;
//! - [`constrained`]: token masks from a regex automaton (choices, JSON shapes);
//! - [`prompts`]: zero-shot, few-shot and chain-of-thought prompts, likelihood scoring, and
//!   PromptBreeder-style prompt search.

pub mod adaptive;
pub mod beam;
pub mod constrained;
pub mod generate;
pub mod prompt_cache;
pub mod prompts;
pub mod sampling;
pub mod speculative;

pub use beam::{beam_search, BeamConfig, Hypothesis};
pub use constrained::{constrained_generate, json_object_regex, Constraint, JsonType};
pub use generate::{generate, generate_from, GenerateConfig, Generation, StopReason};
pub use prompt_cache::PromptCache;
pub use sampling::SamplerConfig;
pub use speculative::{speculative_generate, SpeculativeConfig, SpeculativeStats};
