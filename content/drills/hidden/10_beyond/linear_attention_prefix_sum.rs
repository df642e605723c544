use crate::grade::*;
use crate::learner::causal_linear_attention;

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "the contract's two tokens: φ(k) = [1, 2], y = [2, 10/3]", run: contract_by_hand },
    Test { name: "first_token_returns_its_value", checks: "token 0 attends only to itself (s ≤ t inclusive), so y_0 = v_0 whatever q and k are", run: first_token_returns_its_value },
    Test { name: "equals_the_quadratic_form", checks: "equals Σ_{s≤t} φ(q_t)·φ(k_s) v_s / Σ_{s≤t} φ(q_t)·φ(k_s) computed directly, with negative inputs (φ(x) = eˣ there) and Dv ≠ D", run: equals_the_quadratic_form },
    Test { name: "causal", checks: "changing the last token's q, k and v leaves every earlier output unchanged", run: causal },
    Test { name: "shapes_and_empty", checks: "T rows of Dv come back (Dv = 3 with D = 2); T = 0 gives an empty result", run: shapes_and_empty },
];

fn phi(x: f64) -> f64 {
    if x > 0.0 {
        x + 1.0
    } else {
        x.exp()
    }
}

/// Direct O(T²) evaluation of causal linear attention.
fn quadratic(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>]) -> Vec<Vec<f64>> {
    (0..q.len())
        .map(|t| {
            let w: Vec<f64> =
                (0..=t).map(|s| q[t].iter().zip(&k[s]).map(|(a, b)| phi(*a) * phi(*b)).sum()).collect();
            let total: f64 = w.iter().sum();
            (0..v[0].len()).map(|j| (0..=t).map(|s| w[s] * v[s][j]).sum::<f64>() / total).collect()
        })
        .collect()
}

/// Deterministic pseudo-random values in [-2, 2].
fn rows(seed: u64, t: usize, d: usize) -> Vec<Vec<f64>> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..t)
        .map(|_| {
            (0..d)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((x >> 11) as f64 / (1u64 << 53) as f64) * 4.0 - 2.0
                })
                .collect()
        })
        .collect()
}

fn case(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>]) -> Case {
    Case::new().input_rows("q", q).input_rows("k", k).input_rows("v", v)
}

fn contract_by_hand() -> Outcome {
    let (q, k, v) = (vec![vec![0.0], vec![0.0]], vec![vec![0.0], vec![1.0]], vec![vec![2.0], vec![4.0]]);
    let c = case(&q, &k, &v);
    c.close_rows("y", &causal_linear_attention(&q, &k, &v), &[vec![2.0], vec![10.0 / 3.0]], 1e-12)
}

fn first_token_returns_its_value() -> Outcome {
    let (q, k) = (rows(1, 3, 4), rows(2, 3, 4));
    let v = vec![vec![5.0, -1.0], vec![0.0, 0.0], vec![1.0, 1.0]];
    let c = case(&q, &k, &v);
    let y = causal_linear_attention(&q, &k, &v);
    c.holds(y.len() == 3, "expected T = 3 output rows")?;
    c.close("y_0", &y[0], &v[0], &[2], 1e-12)
}

fn equals_the_quadratic_form() -> Outcome {
    let (q, k, v) = (rows(3, 12, 4), rows(4, 12, 4), rows(5, 12, 3));
    let c = case(&q, &k, &v);
    c.close_rows("y", &causal_linear_attention(&q, &k, &v), &quadratic(&q, &k, &v), 1e-10)
}

fn causal() -> Outcome {
    let (q, k, mut v) = (rows(6, 6, 2), rows(7, 6, 2), rows(8, 6, 2));
    let before = causal_linear_attention(&q, &k, &v);
    let (mut q2, mut k2) = (q.clone(), k.clone());
    q2[5] = vec![1.5, -1.5];
    k2[5] = vec![-0.5, 2.0];
    v[5] = vec![100.0, -100.0];
    let c = case(&q2, &k2, &v);
    let after = causal_linear_attention(&q2, &k2, &v);
    c.holds(after.len() == 6 && before.len() == 6, "expected T = 6 output rows")?;
    c.close_rows("outputs 0..5 after changing token 5", &after[..5], &before[..5], 1e-12)
}

fn shapes_and_empty() -> Outcome {
    let (q, k, v) = (rows(9, 4, 2), rows(10, 4, 2), rows(11, 4, 3));
    let c = case(&q, &k, &v);
    let y = causal_linear_attention(&q, &k, &v);
    c.holds(y.len() == 4 && y.iter().all(|r| r.len() == 3), "expected 4 rows of Dv = 3 values")?;
    let c = Case::new().input_debug("q, k, v", &"empty (T = 0)");
    c.holds(causal_linear_attention(&[], &[], &[]).is_empty(), "T = 0 must give an empty result")
}
