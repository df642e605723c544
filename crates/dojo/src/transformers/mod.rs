//! Topic 1 — Transformer architecture and variants.
//!
//! Attention is a soft dictionary lookup: every query scores every key, the scores become
//! weights through a softmax, and the output is the weighted mean of the values. Everything else
//! in this topic (heads, masks, caches, positions, efficient variants, experts) is a change to
//! one of those three steps.
//!
//! - [`attention`]: scaled dot-product attention with causal and padding masks.
//! - [`mha`]: multi-head attention; [`gqa`]: grouped-query and multi-query attention.
//! - [`kv_cache`]: incremental decoding without recomputation.
//! - [`mlp`]: the feed-forward network, GELU or SwiGLU.
//! - [`proj`]: the linear projection fine-tuning methods (LoRA, adapters) wrap.
//! - Positions: [`positions`] (sinusoidal, learned, NoPE), [`rope`] (both pairings),
//!   [`alibi`] (linear distance biases).
//! - Models: [`block`] (pre-/post-LN, cross-attention), [`gpt`] (decoder-only), [`bert`]
//!   (encoder-only with an MLM head), [`encoder_decoder`].
//! - [`moe`]: mixture of experts with capacity, balancing loss, z-loss and shared experts.
//! - [`transformer_xl`]: segment-level recurrence with relative positions.
//! - [`mtp`]: multi-token prediction heads, and self-speculative decoding with them.
//! - Efficient attention behind one [`attention::AttentionKernel`] trait: [`linformer`],
//!   [`performer`], [`sliding_window`], [`block_sparse`].
//!
//! Labs: `attention-cost` (time and memory against T for every kernel),
//! `position-extrapolation` (which position schemes work past the training length),
//! `moe-routing` (the balancing loss), `architectures` (the three model shapes on one budget),
//! `transformer-xl` (segment memory), `multi-token-prediction` (k heads as a draft).

pub mod alibi;
pub mod attention;
pub mod bert;
pub mod block;
pub mod block_sparse;
pub mod encoder_decoder;
pub mod gpt;
pub mod gqa;
pub mod kv_cache;
pub mod linformer;
pub mod mha;
pub mod mlp;
pub mod moe;
pub mod mtp;
pub mod performer;
pub mod positions;
pub mod proj;
pub mod rope;
pub mod sliding_window;
pub mod transformer_xl;
