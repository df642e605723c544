//! Causal multi-head self-attention, composed from the pieces of the earlier drills.
//!
//! With the row convention (y = x W, x: [t, m], W: [m, n]; PyTorch's nn.Linear stores Wᵀ):
//!   Q = x W_Q, K = x W_K, V = x W_V   each [t, h·d], split into h heads of [t, d]
//!   head_g = softmax(Q_g K_gᵀ / √d + causal mask) V_g,   out = concat(head_0 … head_{h-1}) W_O.
//! Head g owns columns g·d .. (g+1)·d, and d is the head width (columns of W_Q / h), not m:
//! each head scales by √d of its own slice.
//!
//! Contract: x = [[1, 0], [0, 2]], W_Q = W_K = W_V = W_O = I₂, 2 heads (d = 1) →
//! [[1, 0], [0.5, 1.9640]] (head 0 at t = 1 scores [0, 0]: mean of 1 and 0; head 1 at t = 1
//! scores [0, 4]: 2·e⁴/(1 + e⁴)). Causal: token i attends to tokens 0..=i. With t = 1 the output
//! is x W_V W_O (a single key gets weight 1).

/// Causal multi-head self-attention.
///
/// Shapes: x: [t, m], wq, wk, wv: [m, h·d], wo: [h·d, m] (row convention, y = x W) → [t, m],
/// with h = n_heads and d = wq[0].len() / n_heads.
pub fn multi_head_attention(
    x: &[Vec<f64>],
    wq: &[Vec<f64>],
    wk: &[Vec<f64>],
    wv: &[Vec<f64>],
    wo: &[Vec<f64>],
    n_heads: usize,
) -> Vec<Vec<f64>> {
    // TODO: project, split the columns into heads, attend per head with a causal mask,
    // concatenate the heads back to [t, h·d] and project with wo.
    todo!()
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
