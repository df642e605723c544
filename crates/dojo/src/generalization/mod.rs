//! Topic 12 — Grokking and generalization: the data, models and analyses behind the labs.
//!
//! - [`modular`]: modular-arithmetic tables (a ∘ b mod p) and their train/validation split;
//! - [`model`]: the one-layer transformer of Nanda et al. (2023), for `a b =`;
//! - [`grokking`]: that model trained full-batch with strong weight decay, with the
//!   memorization and generalization steps measured;
//! - [`addition`]: multi-digit addition as a token sequence, answer in either digit order;
//! - [`emergence`]: per-token accuracy vs exact match of the same predictions;
//! - [`double_descent`]: random-features regression across the interpolation threshold;
//! - [`fourier`]: the discrete Fourier transform of the learned number embeddings, where a
//!   grokked model concentrates its energy in a few frequencies.

pub mod addition;
pub mod double_descent;
pub mod emergence;
pub mod fourier;
pub mod grokking;
pub mod model;
pub mod modular;
