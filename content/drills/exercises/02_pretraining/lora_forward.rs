//! LoRA (Hu et al. 2021): a frozen weight plus a trainable low-rank update.
//!
//! With x a row vector (the layout of `x @ W` in code), W: [in, out] frozen, A: [in, r] and
//! B: [r, out] trainable, rank r ≪ min(in, out), and a fixed scale α:
//!   y = x W + (α / r) · (x A) B          (B starts at 0, so training starts at the base model)
//! Merging folds the update into one matrix for inference: W' = W + (α / r) · A B, and then
//! x W' equals the unmerged y. (Papers write W: [out, in] and y = W x + (α/r)·B A x: the same.)
//!
//! Contract: x = [[1, 2]], W = [[1, 0, 2], [0, 1, −1]], A = [[1], [1]], B = [[0.5, 0, −1]],
//! α = 2 (r = 1, scale 2) → y = [[1, 2, 0] + 2·3·[0.5, 0, −1]] = [[4, 2, −6]];
//! merge → W' = [[2, 0, 0], [1, 1, −3]]. r is the number of columns of A (rows of B), r ≥ 1.

/// Matrix product of `a: [n, k]` and `b: [k, m]`, as rows (given, for you to use).
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
    // TODO: the frozen path plus the scaled low-rank path.
    todo!()
}

/// W' = W + (α/r)·A B, `[in, out]`.
pub fn lora_merge(w: &[Vec<f64>], a: &[Vec<f64>], b: &[Vec<f64>], alpha: f64) -> Vec<Vec<f64>> {
    // TODO: add the scaled product A B to W.
    todo!()
}
