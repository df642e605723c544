//! The labs, one file each.

pub mod adapter_fusion;
pub mod architectures;
pub mod attention_cost;
pub mod curriculum;
pub mod decoding_strategies;
pub mod double_descent;
pub mod dp_sgd;
pub mod emergence_metrics;
pub mod federated;
pub mod grokking;
pub mod grokking_ablation;
pub mod grokking_fourier;
pub mod length_generalization;
pub mod lora_vs_full;
pub mod membership_inference;
pub mod mlm_vs_ntp;
pub mod moe_routing;
pub mod multi_token_prediction;
pub mod position_extrapolation;
pub mod pretrain_gpt;
pub mod prompting;
pub mod sft_instructions;
pub mod smollm2_lora;
pub mod speculative_decoding;
pub mod tiny_lm;
pub mod transformer_xl;
