//! # llm-dojo: the library
//!
//! Every concept of the curriculum, written from tensor ops so that each file can be read the
//! night before an interview. The topics, in the order of `topics.toml` ([`curriculum`]):
//!
//! | # | module | topic |
//! |---|---|---|
//! | 1 | [`transformers`] | Transformer architecture and variants |
//! | 2 | [`pretraining`] (started) | Pretraining and fine-tuning |
//! | 3 | `alignment` (planned) | RLHF and alignment |
//! | 4 | `multimodal` (planned) | Multimodal models |
//! | 5 | `efficiency` (planned) | Efficient training and inference |
//! | 6 | [`evaluation`] (started) | Evaluation metrics and benchmarks |
//! | 7 | `grounding` (planned) | Hallucination and bias mitigation |
//! | 8 | `agents` (planned) | Agentic LLMs and tool use |
//! | 9 | [`decoding`] (started) | Prompting and decoding |
//! | 10 | [`beyond`] (started) | Architectures beyond Transformers |
//! | 11 | [`privacy`] (started) | Security and privacy |
//! | 12 | [`generalization`] (started) | Grokking and generalization |
//!
//! Shared foundations live in [`nn`] (`assert_close`, the seeded [`nn::Rng`] and
//! [`nn::Params`], shape checks, differentiable softmax and norms, masked cross-entropy);
//! synthetic tasks for the labs in [`data`].
//!
//! ## Shape legend
//! Every line that changes a shape carries a trailing comment in this notation:
//!
//! | symbol | meaning |
//! |---|---|
//! | `B` | batch |
//! | `T` | query length (tokens being processed) |
//! | `S` | key length (tokens attended to; `S = T` without a cache) |
//! | `C` | model width |
//! | `H` | attention heads |
//! | `G` | key/value heads (grouped-query attention) |
//! | `D` | head dimension (`C = H * D`) |
//! | `V` | vocabulary size |
//! | `L` | layers |
//! | `E` | experts |
//! | `K` | top-k |
//! | `N` | state size |
//! | `R` | LoRA rank |
//!
//! ## Conventions
//! The library never prints and has no global state; randomness comes from an explicit seed
//! through [`nn::Rng`]. Errors are [`Error`], whose messages name the operation and the shapes.

pub mod beyond;
pub mod curriculum;
pub mod data;
pub mod decoding;
mod error;
pub mod evaluation;
pub mod generalization;
pub mod models;
pub mod nn;
pub mod pretraining;
pub mod privacy;
pub mod tokenizer;
pub mod transformers;

pub use error::{Error, Result};
