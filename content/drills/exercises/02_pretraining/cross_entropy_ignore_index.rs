//! Token cross-entropy with an ignore index.
//!
//! For logits z (one row of `vocab` scores per token) and target class y, the loss of a row is
//! −log softmax(z)_y = logsumexp(z) − z_y, with logsumexp(z) = m + ln Σ_j exp(z_j − m), m = max z.
//! The batch loss is the mean over the rows whose target is not `ignore_index` (padding, prompt
//! tokens in SFT); PyTorch's `F.cross_entropy(..., ignore_index=-100)` does the same.
//!
//! Contract: `cross_entropy(&[vec![1.0, 2.0, 3.0], vec![0.0, 0.0, 0.0]], &[2, -100], -100)` →
//! `Some(0.4076)` (= ln(1 + e⁻¹ + e⁻²); the second row is ignored, so the mean is over 1 row).
//! When no row counts (every target ignored, or no rows at all) the mean is over zero terms:
//! PyTorch returns NaN there; return `None` instead. Logits may be huge (±1000) or `-inf` for
//! a banned class; a row's target logit is always finite. Every other target is in 0..vocab.

/// Mean of logsumexp(row) − row[target] over the rows whose target ≠ `ignore_index`;
/// `None` when there are no such rows. `logits: [n, vocab]`, `targets: [n]`.
pub fn cross_entropy(logits: &[Vec<f64>], targets: &[i64], ignore_index: i64) -> Option<f64> {
    // TODO: skip ignored rows, compute a stable logsumexp per row, average over the rest.
    todo!()
}
