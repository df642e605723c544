//! Causal multi-head self-attention: project, split into heads, attend, merge, project.

/// Causal multi-head self-attention.
///
/// Shapes: x: [t, m], wq, wk, wv: [m, h·d], wo: [h·d, m] (row convention, y = x W) → [t, m].
pub fn multi_head_attention(
    x: &[Vec<f64>],
    wq: &[Vec<f64>],
    wk: &[Vec<f64>],
    wv: &[Vec<f64>],
    wo: &[Vec<f64>],
    n_heads: usize,
) -> Vec<Vec<f64>> {
    let t = x.len();
    let hd = wq[0].len();
    assert_eq!(hd % n_heads, 0, "the projection width must split evenly into heads");
    let d = hd / n_heads;
    let (q, k, v) = (matmul(x, wq), matmul(x, wk), matmul(x, wv)); // each [t, h·d]
    // 0 where key j <= query i, -inf for the future
    let mask: Vec<Vec<f64>> =
        (0..t).map(|i| (0..t).map(|j| if j <= i { 0.0 } else { f64::NEG_INFINITY }).collect()).collect();
    // columns g·d .. (g+1)·d of every row: head g as [t, d]
    let head = |m: &[Vec<f64>], g: usize| -> Vec<Vec<f64>> { m.iter().map(|r| r[g * d..(g + 1) * d].to_vec()).collect() };
    let mut concat = vec![Vec::with_capacity(hd); t];
    for g in 0..n_heads {
        let out = scaled_dot_product_attention(&head(&q, g), &head(&k, g), &head(&v, g), Some(&mask));
        for (row, o) in concat.iter_mut().zip(out) {
            row.extend(o); // head g's columns go back where they came from
        }
    }
    matmul(&concat, wo)
}

/// a @ b for matrices given as rows: [n, k] @ [k, m] → [n, m]. Given.
pub fn matmul(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let m = b.first().map_or(0, Vec::len);
    a.iter()
        .map(|row| {
            let mut out = vec![0.0; m];
            for (x, brow) in row.iter().zip(b) {
                for (o, y) in out.iter_mut().zip(brow) {
                    *o += x * y;
                }
            }
            out
        })
        .collect()
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
