//! Grouped-query attention (GQA): n_q query heads share n_kv key/value heads.
//!
//! Decoding is bound by reading the KV cache, which stores n_kv heads per token; GQA (Ainslie et
//! al. 2023) keeps n_q query heads but only n_kv = n_q / g key/value heads. Query heads come in
//! n_kv consecutive groups of g = n_q / n_kv; query head i uses kv head i / g (integer division):
//!   out_i = softmax(Q_i K_{i/g}ᵀ / √d + causal mask) V_{i/g}.
//! n_kv = 1 is multi-query attention (MQA, every head shares one K and V); n_kv = n_q is MHA.
//!
//! Contract: t = 1, n_q = 4, n_kv = 2, d = 2, v = [[[10, 11]], [[20, 21]]] → the output heads
//! are [10, 11], [10, 11], [20, 21], [20, 21] (one key, weight 1; heads 0, 1 share kv head 0).
//! Causal: position i sees positions 0..=i. n_q must be a multiple of n_kv.

/// Causal grouped-query attention.
///
/// Shapes: q: [n_q, t, d], k: [n_kv, t, d], v: [n_kv, t, d], flat row-major → [n_q, t, d].
pub fn grouped_query_attention(
    q: &[f64],
    k: &[f64],
    v: &[f64],
    t: usize,
    n_q: usize,
    n_kv: usize,
    d: usize,
) -> Vec<f64> {
    // TODO: for each query head i, pick its kv head, attend causally, and append the [t, d] result.
    todo!()
}

/// Head g of a flat [heads, t, d] tensor, as t rows of d. Given.
pub fn head_rows(x: &[f64], g: usize, t: usize, d: usize) -> Vec<Vec<f64>> {
    x[g * t * d..(g + 1) * t * d].chunks(d).map(|r| r.to_vec()).collect()
}

/// softmax(q kᵀ / √d + mask) v (the earlier drill), given. q: [tq, d], k: [tk, d], v: [tk, dv],
/// mask: [tq, tk] additive → [tq, dv]; a fully masked query gets a zero row.
pub fn scaled_dot_product_attention(
    q: &[Vec<f64>],
    k: &[Vec<f64>],
    v: &[Vec<f64>],
    mask: Option<&[Vec<f64>]>,
) -> Vec<Vec<f64>> {
    let scale = 1.0 / (q.first().map_or(0, Vec::len) as f64).sqrt();
    let dv = v.first().map_or(0, Vec::len);
    q.iter()
        .enumerate()
        .map(|(i, qi)| {
            let scores: Vec<f64> = k
                .iter()
                .enumerate()
                .map(|(j, kj)| {
                    let dot: f64 = qi.iter().zip(kj).map(|(a, b)| a * b).sum();
                    dot * scale + mask.map_or(0.0, |m| m[i][j])
                })
                .collect();
            let w = softmax(&scores);
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

/// Stable softmax, given: all zeros for an all -inf row.
pub fn softmax(x: &[f64]) -> Vec<f64> {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return vec![0.0; x.len()];
    }
    let e: Vec<f64> = x.iter().map(|&v| (v - m).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.into_iter().map(|v| v / sum).collect()
}
