//! Grouped-query attention: query head i reads kv head i / (n_q / n_kv).

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
    assert!(n_kv > 0 && n_q % n_kv == 0, "n_q must be a multiple of n_kv");
    let group = n_q / n_kv; // query heads per kv head
    let mask: Vec<Vec<f64>> =
        (0..t).map(|i| (0..t).map(|j| if j <= i { 0.0 } else { f64::NEG_INFINITY }).collect()).collect();
    let mut out = Vec::with_capacity(n_q * t * d);
    for i in 0..n_q {
        let g = i / group; // consecutive query heads share a kv head
        let o = scaled_dot_product_attention(
            &head_rows(q, i, t, d),
            &head_rows(k, g, t, d),
            &head_rows(v, g, t, d),
            Some(&mask),
        );
        out.extend(o.into_iter().flatten());
    }
    out
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
