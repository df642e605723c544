//! Scaled dot-product attention: softmax(Q Kᵀ / √d + M) V, row by row.

/// softmax(q kᵀ / √d + mask) v, one output row per query.
///
/// Shapes: q: [tq, d], k: [tk, d], v: [tk, dv], mask: [tq, tk] → [tq, dv].
pub fn scaled_dot_product_attention(
    q: &[Vec<f64>],
    k: &[Vec<f64>],
    v: &[Vec<f64>],
    mask: Option<&[Vec<f64>]>,
) -> Vec<Vec<f64>> {
    let d = q.first().map_or(0, Vec::len);
    let dv = v.first().map_or(0, Vec::len);
    let scale = 1.0 / (d as f64).sqrt();
    q.iter()
        .enumerate()
        .map(|(i, qi)| {
            // scores of query i against every key, scaled, then the mask (after the scaling)
            let scores: Vec<f64> = k
                .iter()
                .enumerate()
                .map(|(j, kj)| {
                    let dot: f64 = qi.iter().zip(kj).map(|(a, b)| a * b).sum();
                    dot * scale + mask.map_or(0.0, |m| m[i][j])
                })
                .collect();
            let w = softmax(&scores); // all zeros when every key is masked
            // weighted sum of the value rows
            let mut out = vec![0.0; dv];
            for (wj, vj) in w.iter().zip(v) {
                for (o, x) in out.iter_mut().zip(vj) {
                    *o += wj * x;
                }
            }
            out
        })
        .collect()
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
