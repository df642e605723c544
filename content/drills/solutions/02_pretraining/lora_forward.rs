//! LoRA forward pass and merge, with x as rows: y = x W + (α/r)·(x A) B.

/// Matrix product of `a: [n, k]` and `b: [k, m]`, as rows.
pub fn matmul(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let m = b.first().map_or(0, Vec::len);
    a.iter()
        .map(|row| {
            let mut out = vec![0.0; m];
            for (k, &x) in row.iter().enumerate() {
                for (o, &y) in out.iter_mut().zip(&b[k]) {
                    *o += x * y;
                }
            }
            out
        })
        .collect()
}

/// y = x W + (α/r)·(x A) B. `x: [n, in]`, `w: [in, out]`, `a: [in, r]`, `b: [r, out]` → `[n, out]`.
pub fn lora_forward(x: &[Vec<f64>], w: &[Vec<f64>], a: &[Vec<f64>], b: &[Vec<f64>], alpha: f64) -> Vec<Vec<f64>> {
    let scale = alpha / b.len() as f64; // α / r
    let base = matmul(x, w);
    // (x A) B costs n·r·(in + out); forming A B first would cost in·r·out.
    let low_rank = matmul(&matmul(x, a), b);
    base.iter()
        .zip(&low_rank)
        .map(|(yb, yl)| yb.iter().zip(yl).map(|(p, q)| p + scale * q).collect())
        .collect()
}

/// W' = W + (α/r)·A B, `[in, out]`.
pub fn lora_merge(w: &[Vec<f64>], a: &[Vec<f64>], b: &[Vec<f64>], alpha: f64) -> Vec<Vec<f64>> {
    let scale = alpha / b.len() as f64;
    let delta = matmul(a, b);
    w.iter()
        .zip(&delta)
        .map(|(wr, dr)| wr.iter().zip(dr).map(|(p, q)| p + scale * q).collect())
        .collect()
}
