use crate::grade::*;
use crate::learner::{lora_forward, lora_merge};

pub const TESTS: &[Test] = &[
    Test { name: "hand_worked", checks: "y = x W + (α/r)(x A) B and W' = W + (α/r) A B on a 1×2 input, r = 1, α = 2", run: hand_worked },
    Test { name: "zero_b_is_the_base_model", checks: "B = 0 (LoRA's initialisation) gives exactly y = x W: fine-tuning starts at the base model", run: zero_b_is_the_base_model },
    Test { name: "scale_is_alpha_over_r", checks: "with r = 2 and α = 4 the low-rank path is scaled by α/r = 2 (not α), against explicit index sums", run: scale_is_alpha_over_r },
    Test { name: "merge_matches_index_sums", checks: "W'[i][j] = W[i][j] + (α/r) Σ_q A[i][q] B[q][j], shape [in, out]", run: merge_matches_index_sums },
    Test { name: "merged_equals_unmerged", checks: "x W' equals the unmerged forward pass, so a merged adapter costs nothing at inference", run: merged_equals_unmerged },
];

fn case(x: &[Vec<f64>], w: &[Vec<f64>], a: &[Vec<f64>], b: &[Vec<f64>], alpha: f64) -> Case {
    Case::new().input_rows("x", x).input_rows("w", w).input_rows("a", a).input_rows("b", b).input_debug("alpha", &alpha)
}

/// y[i][j] = Σ_k x[i][k] W[k][j] + (α/r) Σ_k Σ_q x[i][k] A[k][q] B[q][j], written as index sums.
fn by_index(x: &[Vec<f64>], w: &[Vec<f64>], a: &[Vec<f64>], b: &[Vec<f64>], alpha: f64) -> Vec<Vec<f64>> {
    let (n, d_in, d_out, r) = (x.len(), w.len(), w[0].len(), b.len());
    let s = alpha / r as f64;
    let mut y = vec![vec![0.0; d_out]; n];
    for i in 0..n {
        for j in 0..d_out {
            for k in 0..d_in {
                y[i][j] += x[i][k] * w[k][j];
                for q in 0..r {
                    y[i][j] += s * x[i][k] * a[k][q] * b[q][j];
                }
            }
        }
    }
    y
}

/// x W as index sums.
fn plain(x: &[Vec<f64>], w: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut y = vec![vec![0.0; w[0].len()]; x.len()];
    for i in 0..x.len() {
        for j in 0..w[0].len() {
            for k in 0..w.len() {
                y[i][j] += x[i][k] * w[k][j];
            }
        }
    }
    y
}

fn hand_worked() -> Outcome {
    let x = vec![vec![1.0, 2.0]];
    let w = vec![vec![1.0, 0.0, 2.0], vec![0.0, 1.0, -1.0]];
    let a = vec![vec![1.0], vec![1.0]];
    let b = vec![vec![0.5, 0.0, -1.0]];
    let c = case(&x, &w, &a, &b, 2.0);
    // x W = [1, 2, 0]; x A = [3]; (x A) B = [1.5, 0, −3]; α/r = 2 → y = [4, 2, −6].
    c.close_rows("y", &lora_forward(&x, &w, &a, &b, 2.0), &[vec![4.0, 2.0, -6.0]], 1e-12)?;
    // A B = [[0.5, 0, −1], [0.5, 0, −1]], times 2, plus W.
    c.close_rows("merged W'", &lora_merge(&w, &a, &b, 2.0), &[vec![2.0, 0.0, 0.0], vec![1.0, 1.0, -3.0]], 1e-12)
}

fn zero_b_is_the_base_model() -> Outcome {
    let x = vec![vec![0.5, -1.0, 2.0], vec![1.5, 0.25, -0.75]];
    let w = vec![vec![0.2, -0.4], vec![1.0, 0.3], vec![-0.6, 0.8]];
    let a = vec![vec![0.9, -0.3], vec![0.4, 0.7], vec![-1.1, 0.2]];
    let b = vec![vec![0.0, 0.0], vec![0.0, 0.0]];
    let c = case(&x, &w, &a, &b, 16.0);
    let base = plain(&x, &w);
    c.close_rows("y with B = 0", &lora_forward(&x, &w, &a, &b, 16.0), &base, 1e-12)?;
    c.close_rows("merged W' with B = 0", &lora_merge(&w, &a, &b, 16.0), &w, 0.0)
}

fn scale_is_alpha_over_r() -> Outcome {
    // n = 2, in = 3, out = 4, r = 2: every dimension differs, so a transposed product cannot fit.
    let x = vec![vec![1.0, -0.5, 0.25], vec![0.0, 2.0, -1.0]];
    let w = vec![vec![0.1, 0.2, -0.3, 0.4], vec![-0.5, 0.6, 0.7, -0.8], vec![0.9, -1.0, 0.0, 0.5]];
    let a = vec![vec![0.3, -0.2], vec![0.5, 0.1], vec![-0.4, 0.6]];
    let b = vec![vec![1.0, 0.0, -0.5, 0.25], vec![0.2, -0.7, 0.3, 0.9]];
    let c = case(&x, &w, &a, &b, 4.0);
    c.close_rows("y", &lora_forward(&x, &w, &a, &b, 4.0), &by_index(&x, &w, &a, &b, 4.0), 1e-12)
}

fn merge_matches_index_sums() -> Outcome {
    let w = vec![vec![0.1, 0.2, -0.3], vec![-0.5, 0.6, 0.7], vec![0.9, -1.0, 0.0], vec![0.3, 0.3, 0.3]];
    let a = vec![vec![0.3, -0.2, 1.0], vec![0.5, 0.1, 0.0], vec![-0.4, 0.6, 0.2], vec![0.0, 1.0, -1.0]];
    let b = vec![vec![1.0, 0.0, -0.5], vec![0.2, -0.7, 0.3], vec![0.4, 0.4, -0.1]];
    let alpha = 1.5; // r = 3: α/r = 0.5
    let c = Case::new().input_rows("w", &w).input_rows("a", &a).input_rows("b", &b).input_debug("alpha", &alpha);
    let mut want = w.clone();
    for i in 0..4 {
        for j in 0..3 {
            for q in 0..3 {
                want[i][j] += 0.5 * a[i][q] * b[q][j];
            }
        }
    }
    c.close_rows("merged W'", &lora_merge(&w, &a, &b, alpha), &want, 1e-12)
}

fn merged_equals_unmerged() -> Outcome {
    let x = vec![vec![0.7, -1.2, 0.4, 2.0, -0.3], vec![1.0, 1.0, -1.0, 0.5, 0.0], vec![-0.2, 0.3, 0.9, -1.5, 1.1]];
    let w: Vec<Vec<f64>> = (0..5).map(|i| (0..2).map(|j| ((i * 2 + j) as f64 * 0.37).sin()).collect()).collect();
    let a: Vec<Vec<f64>> = (0..5).map(|i| (0..2).map(|j| ((i + 3 * j) as f64 * 0.61).cos()).collect()).collect();
    let b = vec![vec![0.8, -0.6], vec![-0.3, 1.2]];
    let alpha = 8.0;
    let c = case(&x, &w, &a, &b, alpha);
    let merged = lora_merge(&w, &a, &b, alpha);
    let want = plain(&x, &merged); // x W' alone
    c.close_rows("unmerged y vs x W'", &lora_forward(&x, &w, &a, &b, alpha), &want, 1e-12)
}
