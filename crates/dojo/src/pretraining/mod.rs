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
//! Planned in this topic (see `topics.toml` and the lesson `content/notes/02_pretraining.md`):
//! the objectives (next-token, masked-LM 80/10/10, prompt-masked SFT with packing), synthetic
//! corpora, curriculum learning, LoRA, adapters and AdapterFusion, and their labs.

pub mod adamw;
pub mod checkpoint;
pub mod schedule;
pub mod trainer;

pub use adamw::{AdamW, AdamWConfig};
pub use schedule::Schedule;
pub use trainer::{Event, Objective, StepStats, TrainConfig, Trainer};
