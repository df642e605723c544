//! # Topic 2: Pretraining and fine-tuning
//!
//! The training stack every lab that trains shares, written so each piece can be read alone:
//!
//! - [`adamw`]: AdamW with decoupled weight decay (none on biases and norm gains), one fused
//!   host pass per parameter, equal to `torch.optim.AdamW`;
//! - [`schedule`]: linear warmup then cosine decay;
//! - [`trainer`]: gradient accumulation, clipping by global norm, periodic evaluation, and
//!   checkpoints ([`checkpoint`], atomic) that resume to the same numbers.
//!
//! The objectives: [`ntp`] (next-token windows of a stream), [`mlm`] (BERT's 80/10/10
//! corruption), [`sft`] (prompt-masked loss with sequence packing). Fine-tuning: [`lora`],
//! [`adapter`] (Houlsby bottleneck adapters) and [`adapter_fusion`].
//!
//! Fine-tuning methods wrap a model's projections by name ([`crate::transformers::proj`]);
//! the labs `lora-vs-full` and `adapter-fusion` compare them, `curriculum` orders the data,
//! `sft-instructions` teaches a tiny GPT chat tasks, `mlm-vs-ntp` trains one GPT's weights
//! with either objective ([`mlm::MaskedLm`] through [`crate::transformers::gpt::Gpt::encode`]),
//! and `smollm2-lora` puts LoRA on the real model
//! ([`crate::models::llama::Llama::apply_lora`]). The lesson is `content/notes/02_pretraining.md`.

pub mod adamw;
pub mod adapter;
pub mod adapter_fusion;
pub mod checkpoint;
pub mod lora;
pub mod mlm;
pub mod ntp;
pub mod schedule;
pub mod sft;
pub mod trainer;

pub use adamw::{AdamW, AdamWConfig};
pub use schedule::Schedule;
pub use trainer::{Event, Objective, StepStats, TrainConfig, Trainer};
