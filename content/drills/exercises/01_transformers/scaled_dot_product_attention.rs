//! Scaled dot-product attention.
//!
//! Attention(Q, K, V) = softmax(Q Kᵀ / √d + M) V, the softmax taken over each row (one query
//! against every key). Dividing by √d keeps the scores at unit scale: for unit-variance entries
//! q·k has variance d, and unscaled scores saturate the softmax as d grows. M is an additive
//! mask or bias (0 = visible, -inf = hidden, any finite value = a bias), added after the scaling.
//!
//! Contract: q = [[2, 0, 0, 0]], k = [[1, 0, 0, 0], [0, 0, 0, 0]], v = [[1, 0], [0, 1]], no mask
//! → [[0.7311, 0.2689]] (scores 2/√4 = 1 and 0, weights e/(1+e) and 1/(1+e)).
//! Conventions: a query whose keys are all masked gets an all-zero output row (the softmax below
//! returns zero weights for an all -inf row, as FlashAttention does; PyTorch would give NaN).
//! With a single key (tk = 1) every query's output is that key's value row.

/// softmax(q kᵀ / √d + mask) v, one output row per query.
///
/// Shapes: q: [tq, d], k: [tk, d], v: [tk, dv], mask: [tq, tk] (None = nothing masked)
/// → [tq, dv].
pub fn scaled_dot_product_attention(
    q: &[Vec<f64>],
    k: &[Vec<f64>],
    v: &[Vec<f64>],
    mask: Option<&[Vec<f64>]>,
) -> Vec<Vec<f64>> {
    // TODO: for each query row: scores against every key, scale, add the mask row,
    // softmax, then the weighted sum of the value rows.
    todo!()
}

/// Stable softmax (the previous drill), given: all zeros for an all -inf row.
pub fn softmax(x: &[f64]) -> Vec<f64> {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return vec![0.0; x.len()];
    }
    let e: Vec<f64> = x.iter().map(|&v| (v - m).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.into_iter().map(|v| v / sum).collect()
}
