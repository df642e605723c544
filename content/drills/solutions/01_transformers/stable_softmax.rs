//! Numerically stable softmax: shift by the maximum, exponentiate, normalise.

/// Softmax of `x`; all zeros when every entry is `-inf`.
pub fn softmax(x: &[f64]) -> Vec<f64> {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return vec![0.0; x.len()];
    }
    // Every exponent is ≤ 0 now, so exp() lies in (0, 1] and the sum is at least 1.
    let e: Vec<f64> = x.iter().map(|&v| (v - m).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.into_iter().map(|v| v / sum).collect()
}
