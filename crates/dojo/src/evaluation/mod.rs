//! Topic 6 — Evaluation metrics and benchmarks.
//!
//! A metric that disagrees with the tool everyone reports numbers from is worse than none, so
//! each metric here is checked for exact agreement with its reference implementation.
//!
//! - [`tokenize_13a`]: the mteval-v13a tokenization sacreBLEU applies by default.
//! - [`bleu`]: corpus and sentence BLEU with sacreBLEU's smoothing methods.
//! - [`chrf`]: chrF and chrF++ as sacreBLEU computes them.
//! - [`rouge`]: ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum as the `rouge-score` package computes
//!   them (no stemmer yet).
//! - [`squad`]: exact match and token F1 with the official SQuAD answer normalisation.
//! - [`classification`]: accuracy, macro/micro precision, recall and F1, and calibration (ECE).
//! - [`perplexity`]: perplexity, the sliding-window method, bits per byte.
//! - [`mc`]: multiple-choice questions answered by a language model, scored by likelihood.

pub mod bleu;
pub mod chrf;
pub mod classification;
pub mod mc;
pub mod perplexity;
pub mod rouge;
pub mod squad;
mod tokenize_13a;

pub use tokenize_13a::tokenize_13a;

/// Python's `str.isspace`, which `str.split()` uses: Unicode whitespace plus the ASCII
/// separators U+001C–U+001F (Rust's `char::is_whitespace` lacks those four).
pub(crate) fn python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}
