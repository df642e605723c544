//! Topic 6 — Evaluation metrics and benchmarks.
//!
//! A metric that disagrees with the tool everyone reports numbers from is worse than none, so
//! each metric here is checked for exact agreement with its reference implementation.
//!
//! - [`tokenize_13a`]: the mteval-v13a tokenization sacreBLEU applies by default.
//! - [`bleu`]: corpus and sentence BLEU with sacreBLEU's smoothing methods.
//! - [`rouge`]: ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum as the `rouge-score` package computes
//!   them (no stemmer yet).

pub mod bleu;
pub mod rouge;
mod tokenize_13a;

pub use tokenize_13a::tokenize_13a;
