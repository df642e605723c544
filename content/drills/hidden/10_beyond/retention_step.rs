use crate::grade::*;
use crate::learner::{retention_recurrent, retention_step};

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "the contract's two tokens with γ = 0.5: S = 4 then 0.5·4 + 2·1 = 4, o = [[4], [4]]", run: contract_by_hand },
    Test { name: "one_step_decays_before_adding", checks: "retention_step on a given S: the old state is multiplied by γ, the new kᵀv is added undecayed, and o = q S reads the updated state", run: one_step_decays_before_adding },
    Test { name: "equals_the_parallel_form", checks: "equals (QKᵀ ⊙ D)V with D[n][m] = γ^(n−m) for m ≤ n, for γ = 0.9 and γ = 1, with Dv ≠ D", run: equals_the_parallel_form },
    Test { name: "a_lone_token_fades_by_gamma", checks: "a single key–value pair at n = 0 read by q = 1 later gives γⁿ: one factor of γ per step, not per token twice", run: a_lone_token_fades_by_gamma },
    Test { name: "shapes_and_empty", checks: "T rows of Dv = 3 with D = 2; T = 0 gives an empty result", run: shapes_and_empty },
];

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

fn parallel(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>], gamma: f64) -> Vec<Vec<f64>> {
    (0..q.len())
        .map(|n| {
            (0..v[0].len())
                .map(|j| {
                    (0..=n)
                        .map(|m| gamma.powi((n - m) as i32) * q[n].iter().zip(&k[m]).map(|(a, b)| a * b).sum::<f64>() * v[m][j])
                        .sum()
                })
                .collect()
        })
        .collect()
}

fn case(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>], gamma: f64) -> Case {
    Case::new().input_rows("q", q).input_rows("k", k).input_rows("v", v).input_debug("gamma", &gamma)
}

fn contract_by_hand() -> Outcome {
    let (q, k, v) = (vec![vec![1.0], vec![1.0]], vec![vec![1.0], vec![2.0]], vec![vec![4.0], vec![1.0]]);
    let c = case(&q, &k, &v, 0.5);
    c.close_rows("o", &retention_recurrent(&q, &k, &v, 0.5), &[vec![4.0], vec![4.0]], 1e-12)
}

fn one_step_decays_before_adding() -> Outcome {
    // S = [[1, 2], [3, 4]], γ = 0.5, k = [1, 0], v = [10, 20]:
    // S ← [[0.5 + 10, 1 + 20], [1.5, 2]] = [[10.5, 21], [1.5, 2]]; q = [1, 1]: o = [12, 23].
    let mut s = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
    let c = Case::new()
        .input_rows("S", &s)
        .input_debug("gamma", &0.5)
        .input_debug("q", &[1.0, 1.0])
        .input_debug("k", &[1.0, 0.0])
        .input_debug("v", &[10.0, 20.0]);
    let o = retention_step(&mut s, 0.5, &[1.0, 1.0], &[1.0, 0.0], &[10.0, 20.0]);
    c.close_rows("S after the step", &s, &[vec![10.5, 21.0], vec![1.5, 2.0]], 1e-12)?;
    c.close("o", &o, &[12.0, 23.0], &[2], 1e-12)
}

fn equals_the_parallel_form() -> Outcome {
    let (q, k, v) = (rows(1, 10, 3), rows(2, 10, 3), rows(3, 10, 2));
    for gamma in [0.9, 1.0] {
        let c = case(&q, &k, &v, gamma);
        c.close_rows("o", &retention_recurrent(&q, &k, &v, gamma), &parallel(&q, &k, &v, gamma), 1e-10)?;
    }
    Ok(())
}

fn a_lone_token_fades_by_gamma() -> Outcome {
    let t = 6;
    let q = vec![vec![1.0]; t];
    let mut k = vec![vec![0.0]; t];
    let mut v = vec![vec![0.0]; t];
    (k[0][0], v[0][0]) = (1.0, 1.0);
    let c = case(&q, &k, &v, 0.8);
    let want: Vec<Vec<f64>> = (0..t).map(|n| vec![0.8f64.powi(n as i32)]).collect();
    c.close_rows("o", &retention_recurrent(&q, &k, &v, 0.8), &want, 1e-12)
}

fn shapes_and_empty() -> Outcome {
    let (q, k, v) = (rows(4, 4, 2), rows(5, 4, 2), rows(6, 4, 3));
    let c = case(&q, &k, &v, 0.95);
    let o = retention_recurrent(&q, &k, &v, 0.95);
    c.holds(o.len() == 4 && o.iter().all(|r| r.len() == 3), "expected 4 rows of Dv = 3 values")?;
    let c = Case::new().input_debug("q, k, v", &"empty (T = 0)");
    c.holds(retention_recurrent(&[], &[], &[], 0.9).is_empty(), "T = 0 must give an empty result")
}
