use crate::grade::*;
use crate::learner::scaled_dot_product_attention as sdpa;

pub const TESTS: &[Test] = &[
    Test { name: "worked_example", checks: "the contract's case: scores 2/√4 = 1 and 0, so the output is [e/(1+e), 1/(1+e)] (scale by √d, not d, and not forgotten)", run: worked_example },
    Test { name: "matches_reference", checks: "tq ≠ tk and dv ≠ d, no mask: equals Σⱼ exp(sⱼ) vⱼ / Σⱼ exp(sⱼ) with sⱼ = q·kⱼ/√d", run: matches_reference },
    Test { name: "causal_mask", checks: "with a causal mask, query i equals attention over keys 0..=i only, and query 0 returns v[0]", run: causal_mask },
    Test { name: "bias_added_after_scaling", checks: "a finite mask entry is a bias added to q·k/√d; it is not divided by √d", run: bias_added_after_scaling },
    Test { name: "fully_masked_row_is_zero", checks: "a query whose keys are all -inf gets an all-zero row (not NaN); the other rows are unaffected", run: fully_masked_row_is_zero },
    Test { name: "single_key", checks: "tk = 1: the only weight is 1, so every query returns that value row; tq = tk = 1 too", run: single_key },
];

/// Deterministic test numbers in [-1, 1].
fn fill(rows: usize, cols: usize, seed: f64) -> Vec<Vec<f64>> {
    (0..rows).map(|i| (0..cols).map(|j| (seed + 1.3 * i as f64 + 0.7 * j as f64).sin()).collect()).collect()
}

/// The textbook formula with a different shape of code: Σⱼ exp(sⱼ) vⱼ / Σⱼ exp(sⱼ) for each query,
/// no max shift (the grader's scores are small), masked keys skipped, no visible key → zeros.
fn reference(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>], mask: Option<&[Vec<f64>]>) -> Vec<Vec<f64>> {
    let d = q[0].len() as f64;
    let dv = v[0].len();
    let mut out = vec![vec![0.0; dv]; q.len()];
    for i in 0..q.len() {
        let mut num = vec![0.0; dv];
        let mut den = 0.0;
        for j in 0..k.len() {
            let m = mask.map_or(0.0, |m| m[i][j]);
            if m == f64::NEG_INFINITY {
                continue;
            }
            let mut s = 0.0;
            for c in 0..q[i].len() {
                s += q[i][c] * k[j][c];
            }
            let e = (s / d.sqrt() + m).exp();
            den += e;
            for c in 0..dv {
                num[c] += e * v[j][c];
            }
        }
        if den > 0.0 {
            for c in 0..dv {
                out[i][c] = num[c] / den;
            }
        }
    }
    out
}

fn case(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>]) -> Case {
    Case::new().input_rows("q", q).input_rows("k", k).input_rows("v", v)
}

fn worked_example() -> Outcome {
    let q = vec![vec![2.0, 0.0, 0.0, 0.0]];
    let k = vec![vec![1.0, 0.0, 0.0, 0.0], vec![0.0; 4]];
    let v = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
    let c = case(&q, &k, &v);
    // scores: 2·1/√4 = 1 and 0 → weights e/(1+e) = 0.731059, 1/(1+e) = 0.268941.
    let e = 1f64.exp();
    c.close_rows("attention", &sdpa(&q, &k, &v, None), &[vec![e / (1.0 + e), 1.0 / (1.0 + e)]], 1e-12)
}

fn matches_reference() -> Outcome {
    let (q, k, v) = (fill(3, 4, 0.1), fill(5, 4, 2.0), fill(5, 2, 4.5));
    let c = case(&q, &k, &v);
    c.close_rows("attention", &sdpa(&q, &k, &v, None), &reference(&q, &k, &v, None), 1e-9)
}

fn causal_mask() -> Outcome {
    let t = 4;
    let (q, k, v) = (fill(t, 3, 0.3), fill(t, 3, 1.1), fill(t, 3, 2.9));
    let mask: Vec<Vec<f64>> =
        (0..t).map(|i| (0..t).map(|j| if j <= i { 0.0 } else { f64::NEG_INFINITY }).collect()).collect();
    let c = case(&q, &k, &v).input_rows("mask", &mask);
    let got = sdpa(&q, &k, &v, Some(&mask));
    // Query i unmasked over the prefix k[..=i], v[..=i]: no mask involved.
    let want: Vec<Vec<f64>> =
        (0..t).map(|i| reference(&q[i..=i], &k[..=i], &v[..=i], None).remove(0)).collect();
    c.close_rows("attention with a causal mask", &got, &want, 1e-9)?;
    c.close("output row 0 (it sees only key 0)", &got[0], &v[0], &[3], 1e-12)
}

fn bias_added_after_scaling() -> Outcome {
    // d = 4; q·k = 2 for key 0 and 0 for key 1, so scaled scores 1 and 0; bias [0, 1] ties them.
    let q = vec![vec![1.0, 1.0, 0.0, 0.0]];
    let k = vec![vec![1.0, 1.0, 0.0, 0.0], vec![0.0, 0.0, 3.0, -3.0]];
    let v = vec![vec![4.0], vec![8.0]];
    let bias = vec![vec![0.0, 1.0]];
    let c = case(&q, &k, &v).input_rows("mask", &bias);
    // Scores 2/2 + 0 = 1 and 0/2 + 1 = 1: equal weights, output (4 + 8) / 2 = 6.
    // Dividing the bias by √d too would give scores 1 and 0.5 instead.
    c.close_rows("attention with a bias", &sdpa(&q, &k, &v, Some(&bias)), &[vec![6.0]], 1e-12)
}

fn fully_masked_row_is_zero() -> Outcome {
    let (q, k, v) = (fill(3, 2, 0.5), fill(3, 2, 1.5), fill(3, 2, 3.5));
    let n = f64::NEG_INFINITY;
    // Left padding: key 0 is a pad, so causal query 0 sees nothing.
    let mask = vec![vec![n, n, n], vec![n, 0.0, n], vec![n, 0.0, 0.0]];
    let c = case(&q, &k, &v).input_rows("mask", &mask);
    let got = sdpa(&q, &k, &v, Some(&mask));
    let mut want = reference(&q, &k, &v, Some(&mask));
    want[0] = vec![0.0, 0.0];
    c.close_rows("attention with a fully masked row 0", &got, &want, 1e-9)
}

fn single_key() -> Outcome {
    let (q, k, v) = (fill(3, 4, 0.2), fill(1, 4, 7.0), vec![vec![0.5, -2.0, 3.0]]);
    let c = case(&q, &k, &v);
    c.close_rows("attention over one key", &sdpa(&q, &k, &v, None), &vec![v[0].clone(); 3], 1e-12)?;
    let q1 = vec![q[0].clone()];
    let c = case(&q1, &k, &v);
    c.close_rows("attention, tq = tk = 1", &sdpa(&q1, &k, &v, None), &v, 1e-12)
}
