//! Token cross-entropy with an ignore index, via a max-shifted logsumexp.

/// ln Σ exp(z_j), shifted by the max so no exp() exceeds 1.
fn logsumexp(z: &[f64]) -> f64 {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    m + z.iter().map(|&v| (v - m).exp()).sum::<f64>().ln()
}

/// Mean of logsumexp(row) − row[target] over the rows whose target ≠ `ignore_index`;
/// `None` when there are no such rows.
pub fn cross_entropy(logits: &[Vec<f64>], targets: &[i64], ignore_index: i64) -> Option<f64> {
    let mut total = 0.0;
    let mut counted = 0usize;
    for (row, &t) in logits.iter().zip(targets) {
        if t == ignore_index {
            continue;
        }
        // −log softmax(z)_y = logsumexp(z) − z_y
        total += logsumexp(row) - row[t as usize];
        counted += 1;
    }
    // Divide by the rows that count, not by n: ignored rows must not dilute the mean.
    (counted > 0).then(|| total / counted as f64)
}
