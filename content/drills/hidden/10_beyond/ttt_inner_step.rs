use crate::grade::*;
use crate::learner::{ttt_online, ttt_step};

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "the contract: W = [[0, 0]], η = 0.5, k = [1, 2], v = [3] gives W = [[1.5, 3]] and z = 4.5 from the updated W", run: contract_by_hand },
    Test { name: "step_is_the_gradient", checks: "(W − W_new)/η equals a finite-difference gradient of ½‖W k − v‖² (the sign and the ½: descent, not ascent, and no factor 2)", run: step_is_the_gradient },
    Test { name: "rectangular_state", checks: "W with Dv = 3 rows of Dk = 2: the error has Dv entries, the update is e kᵀ (not k eᵀ) and z has Dv entries", run: rectangular_state },
    Test { name: "online_learns_a_fixed_rule", checks: "when every v = M k, W → M over 400 tokens and the last outputs predict M q", run: online_learns_a_fixed_rule },
    Test { name: "online_is_the_loop_and_empty", checks: "ttt_online equals the steps taken in token order from W₀, with z read after each update; T = 0 gives []", run: online_is_the_loop_and_empty },
];

/// Deterministic pseudo-random values in [-1, 1].
fn rows(seed: u64, t: usize, d: usize) -> Vec<Vec<f64>> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..t)
        .map(|_| {
            (0..d)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
                })
                .collect()
        })
        .collect()
}

fn apply(w: &[Vec<f64>], x: &[f64]) -> Vec<f64> {
    w.iter().map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum()).collect()
}

fn loss(w: &[Vec<f64>], k: &[f64], v: &[f64]) -> f64 {
    apply(w, k).iter().zip(v).map(|(a, b)| 0.5 * (a - b).powi(2)).sum()
}

fn contract_by_hand() -> Outcome {
    let mut w = vec![vec![0.0, 0.0]];
    let c = Case::new().input_rows("W", &w).input_debug("eta", &0.5).input_debug("k", &[1.0, 2.0]).input_debug("v", &[3.0]).input_debug("q", &[1.0, 1.0]);
    let z = ttt_step(&mut w, 0.5, &[1.0, 2.0], &[3.0], &[1.0, 1.0]);
    c.close_rows("W after the step", &w, &[vec![1.5, 3.0]], 1e-12)?;
    c.close("z", &z, &[4.5], &[1], 1e-12)
}

fn step_is_the_gradient() -> Outcome {
    let w0 = vec![vec![0.3, -0.2, 0.5], vec![0.1, 0.4, -0.6]];
    let (k, v, q) = ([0.7, -1.1, 0.4], [0.2, 0.9], [1.0, 0.0, 0.0]);
    let c = Case::new().input_rows("W", &w0).input_debug("k", &k).input_debug("v", &v).input_debug("eta", &1e-3);
    let mut w = w0.clone();
    ttt_step(&mut w, 1e-3, &k, &v, &q);
    let h = 1e-6;
    let mut got = Vec::new();
    let mut want = Vec::new();
    for i in 0..2 {
        for j in 0..3 {
            got.push((w0[i][j] - w[i][j]) / 1e-3);
            let (mut up, mut down) = (w0.clone(), w0.clone());
            up[i][j] += h;
            down[i][j] -= h;
            want.push((loss(&up, &k, &v) - loss(&down, &k, &v)) / (2.0 * h));
        }
    }
    c.close("(W − W_new)/η vs ∇ℓ", &got, &want, &[2, 3], 1e-6)
}

fn rectangular_state() -> Outcome {
    // W = 0 (3 × 2), η = 1, k = [1, 2], v = [1, 0, −1]: W ← v kᵀ = [[1, 2], [0, 0], [−1, −2]];
    // q = [1, 1] → z = [3, 0, −3].
    let mut w = vec![vec![0.0; 2]; 3];
    let c = Case::new().input_rows("W", &w).input_debug("eta", &1.0).input_debug("k", &[1.0, 2.0]).input_debug("v", &[1.0, 0.0, -1.0]).input_debug("q", &[1.0, 1.0]);
    let z = ttt_step(&mut w, 1.0, &[1.0, 2.0], &[1.0, 0.0, -1.0], &[1.0, 1.0]);
    c.close_rows("W after the step", &w, &[vec![1.0, 2.0], vec![0.0, 0.0], vec![-1.0, -2.0]], 1e-12)?;
    c.close("z", &z, &[3.0, 0.0, -3.0], &[3], 1e-12)
}

fn online_learns_a_fixed_rule() -> Outcome {
    let m = vec![vec![0.5, -1.0, 0.25], vec![2.0, 0.0, -0.5]];
    let (k, q) = (rows(11, 400, 3), rows(12, 400, 3));
    let v: Vec<Vec<f64>> = k.iter().map(|kt| apply(&m, kt)).collect();
    let w0 = vec![vec![0.0; 3]; 2];
    let c = Case::new().input_rows("M (v = M k)", &m).input_debug("eta", &0.5).input_debug("tokens", &"400 random k, q in [-1, 1]³");
    let z = ttt_online(&w0, 0.5, &k, &v, &q);
    c.holds(z.len() == 400, "expected 400 outputs")?;
    let want: Vec<Vec<f64>> = q[390..].iter().map(|qt| apply(&m, qt)).collect();
    c.close_rows("the last 10 outputs vs M q", &z[390..], &want, 1e-3)
}

fn online_is_the_loop_and_empty() -> Outcome {
    let (k, v, q) = (rows(1, 7, 2), rows(2, 7, 3), rows(3, 7, 2));
    let w0 = rows(4, 3, 2);
    let c = Case::new().input_rows("W0", &w0).input_rows("k", &k).input_rows("v", &v).input_rows("q", &q).input_debug("eta", &0.3);
    // An independent loop: e = W k − v, W −= η e kᵀ, z = W q.
    let mut w = w0.clone();
    let want: Vec<Vec<f64>> = (0..7)
        .map(|t| {
            let e: Vec<f64> = apply(&w, &k[t]).iter().zip(&v[t]).map(|(a, b)| a - b).collect();
            for (row, ei) in w.iter_mut().zip(&e) {
                row.iter_mut().zip(&k[t]).for_each(|(wij, kj)| *wij -= 0.3 * ei * kj);
            }
            apply(&w, &q[t])
        })
        .collect();
    c.close_rows("z", &ttt_online(&w0, 0.3, &k, &v, &q), &want, 1e-12)?;
    c.holds(ttt_online(&w0, 0.3, &[], &[], &[]).is_empty(), "T = 0 must give an empty result")
}
