use crate::grade::*;
use crate::learner::multi_head_attention as mha;

pub const TESTS: &[Test] = &[
    Test { name: "two_heads_by_hand", checks: "the contract's case: identity weights, 2 heads of width 1, worked out by hand", run: two_heads_by_hand },
    Test { name: "matches_reference", checks: "m = 5, 2 heads of d = 3: each head scales by √d (its own width, not √m) and uses its own column block", run: matches_reference },
    Test { name: "four_heads", checks: "m = 8, 4 heads of d = 2, against an independent per-head formulation", run: four_heads },
    Test { name: "causal", checks: "changing the last token leaves every earlier output row unchanged; row 0 is x₀ W_V W_O", run: causal },
    Test { name: "single_token", checks: "t = 1: softmax over one key is 1, so the output is x W_V W_O whatever W_Q and W_K are", run: single_token },
];

/// Deterministic test numbers in [-1, 1].
fn fill(rows: usize, cols: usize, seed: f64) -> Vec<Vec<f64>> {
    (0..rows).map(|i| (0..cols).map(|j| (seed + 1.7 * i as f64 + 0.9 * j as f64).sin()).collect()).collect()
}

/// x · W[:, cols] for a block of columns, by explicit loops.
fn project(x: &[Vec<f64>], w: &[Vec<f64>], cols: std::ops::Range<usize>) -> Vec<Vec<f64>> {
    x.iter()
        .map(|xr| cols.clone().map(|c| (0..xr.len()).map(|a| xr[a] * w[a][c]).sum()).collect())
        .collect()
}

/// An independent formulation: head g projects with its own column block of W_Q, W_K, W_V,
/// attends over the prefix 0..=i with the direct formula Σ exp(s) v / Σ exp(s), and adds its
/// contribution head_g · W_O[g·d..(g+1)·d, :] to the output (concat then W_O, written as a sum).
fn reference(x: &[Vec<f64>], wq: &[Vec<f64>], wk: &[Vec<f64>], wv: &[Vec<f64>], wo: &[Vec<f64>], h: usize) -> Vec<Vec<f64>> {
    let (t, m) = (x.len(), wo[0].len());
    let d = wq[0].len() / h;
    let mut out = vec![vec![0.0; m]; t];
    for g in 0..h {
        let cols = g * d..(g + 1) * d;
        let (q, k, v) = (project(x, wq, cols.clone()), project(x, wk, cols.clone()), project(x, wv, cols));
        for i in 0..t {
            let e: Vec<f64> = (0..=i)
                .map(|j| ((0..d).map(|c| q[i][c] * k[j][c]).sum::<f64>() / (d as f64).sqrt()).exp())
                .collect();
            let z: f64 = e.iter().sum();
            for c in 0..d {
                let head_ic: f64 = (0..=i).map(|j| e[j] * v[j][c]).sum::<f64>() / z;
                for (o, w) in out[i].iter_mut().zip(&wo[g * d + c]) {
                    *o += head_ic * w;
                }
            }
        }
    }
    out
}

struct Weights {
    wq: Vec<Vec<f64>>,
    wk: Vec<Vec<f64>>,
    wv: Vec<Vec<f64>>,
    wo: Vec<Vec<f64>>,
}

fn weights(m: usize, hd: usize, seed: f64) -> Weights {
    Weights { wq: fill(m, hd, seed), wk: fill(m, hd, seed + 1.0), wv: fill(m, hd, seed + 2.0), wo: fill(hd, m, seed + 3.0) }
}

fn case(x: &[Vec<f64>], w: &Weights, h: usize) -> Case {
    Case::new()
        .input_rows("x", x)
        .input_rows("wq", &w.wq)
        .input_rows("wk", &w.wk)
        .input_rows("wv", &w.wv)
        .input_rows("wo", &w.wo)
        .input_debug("n_heads", &h)
}

fn run(x: &[Vec<f64>], w: &Weights, h: usize) -> Vec<Vec<f64>> {
    mha(x, &w.wq, &w.wk, &w.wv, &w.wo, h)
}

fn two_heads_by_hand() -> Outcome {
    let eye = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
    let w = Weights { wq: eye.clone(), wk: eye.clone(), wv: eye.clone(), wo: eye };
    let x = vec![vec![1.0, 0.0], vec![0.0, 2.0]];
    let c = case(&x, &w, 2);
    // Head 0 reads column 0 = [1, 0]: row 0 sees only itself → 1; row 1 has q = 0, scores [0, 0]
    // → mean of v = (1 + 0)/2. Head 1 reads column 1 = [0, 2]: row 0 → 0; row 1 has q = 2,
    // scores [2·0, 2·2]/√1 = [0, 4] → (0·1 + 2·e⁴)/(1 + e⁴).
    let e4 = 4f64.exp();
    let want = vec![vec![1.0, 0.0], vec![0.5, 2.0 * e4 / (1.0 + e4)]];
    c.close_rows("multi_head_attention", &run(&x, &w, 2), &want, 1e-12)
}

fn matches_reference() -> Outcome {
    let (t, m, h, d) = (4, 5, 2, 3);
    let x = fill(t, m, 0.4);
    let w = weights(m, h * d, 2.0);
    let c = case(&x, &w, h);
    c.close_rows("multi_head_attention", &run(&x, &w, h), &reference(&x, &w.wq, &w.wk, &w.wv, &w.wo, h), 1e-9)
}

fn four_heads() -> Outcome {
    let (t, m, h) = (5, 8, 4);
    let x = fill(t, m, -1.0);
    let w = weights(m, m, 5.0);
    let c = case(&x, &w, h);
    c.close_rows("multi_head_attention", &run(&x, &w, h), &reference(&x, &w.wq, &w.wk, &w.wv, &w.wo, h), 1e-9)
}

fn causal() -> Outcome {
    let (t, m, h) = (4, 4, 2);
    let x = fill(t, m, 0.8);
    let w = weights(m, m, 7.0);
    let mut x2 = x.clone();
    x2[t - 1] = vec![3.0, -2.0, 1.0, 0.5];
    let (a, b) = (run(&x, &w, h), run(&x2, &w, h));
    let c = case(&x2, &w, h);
    if a.len() != t || b.len() != t {
        return c.fail(&format!("wrong shape: expected {t} output rows, got {} and {}", a.len(), b.len()));
    }
    c.close_rows("rows 0..3 after changing x[3] (must equal the rows before the change)", &b[..t - 1], &a[..t - 1], 1e-12)?;
    // Row 0 attends only to itself: x₀ W_V W_O.
    let row0 = project(&project(&x2[..1], &w.wv, 0..m), &w.wo, 0..m);
    c.close_rows("output row 0", &b[..1], &row0, 1e-9)
}

fn single_token() -> Outcome {
    let (m, h) = (6, 3);
    let x = fill(1, m, 0.1);
    let w = weights(m, m, 3.0);
    let c = case(&x, &w, h);
    let want = project(&project(&x, &w.wv, 0..m), &w.wo, 0..m);
    c.close_rows("multi_head_attention with t = 1", &run(&x, &w, h), &want, 1e-9)
}
