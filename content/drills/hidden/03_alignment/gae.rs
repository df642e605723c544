use crate::grade::*;
use crate::learner::gae;

pub const TESTS: &[Test] = &[
    Test { name: "hand_worked", checks: "two steps: δ = [0.95, 0.5], A = [0.95 + γλ·0.5, 0.5] = [1.31, 0.5], returns = A + V", run: hand_worked },
    Test { name: "lambda_zero_is_td_error", checks: "λ = 0: A_t = r_t + γV_{t+1} − V_t, the one-step TD error", run: lambda_zero_is_td_error },
    Test { name: "lambda_one_is_monte_carlo", checks: "λ = 1: A_t = Σ_k γ^k r_{t+k} + γ^(T−t)·V_T − V_t, and the returns are those discounted returns", run: lambda_one_is_monte_carlo },
    Test { name: "matches_weighted_sum_of_td_errors", checks: "any λ: A_t = Σ_l (γλ)^l δ_{t+l}, computed as an explicit double sum", run: matches_weighted_sum_of_td_errors },
    Test { name: "single_step", checks: "T = 1: A_0 = r_0 + γV_1 − V_0 whatever λ", run: single_step },
    Test { name: "empty_trajectory", checks: "T = 0 (values holds only the bootstrap) gives empty advantages and returns", run: empty_trajectory },
];

fn case(r: &[f64], v: &[f64], gamma: f64, lambda: f64) -> Case {
    Case::new()
        .input("rewards", r, &[r.len()])
        .input("values", v, &[v.len()])
        .input_debug("gamma", &gamma)
        .input_debug("lambda", &lambda)
}

fn check(r: &[f64], v: &[f64], gamma: f64, lambda: f64, want_a: &[f64], want_ret: &[f64]) -> Outcome {
    let c = case(r, v, gamma, lambda);
    let (a, ret) = gae(r, v, gamma, lambda);
    c.close("advantages", &a, want_a, &[r.len()], 1e-12)?;
    c.close("returns", &ret, want_ret, &[r.len()], 1e-12)
}

fn deltas(r: &[f64], v: &[f64], gamma: f64) -> Vec<f64> {
    (0..r.len()).map(|t| r[t] + gamma * v[t + 1] - v[t]).collect()
}

fn plus(a: &[f64], v: &[f64]) -> Vec<f64> {
    a.iter().zip(v).map(|(a, v)| a + v).collect()
}

fn hand_worked() -> Outcome {
    // δ_1 = 1 + 0.9·0 − 0.5 = 0.5; δ_0 = 1 + 0.9·0.5 − 0.5 = 0.95; γλ = 0.72.
    // A_1 = 0.5; A_0 = 0.95 + 0.72·0.5 = 1.31; returns = [1.31 + 0.5, 0.5 + 0.5].
    check(&[1.0, 1.0], &[0.5, 0.5, 0.0], 0.9, 0.8, &[1.31, 0.5], &[1.81, 1.0])
}

fn lambda_zero_is_td_error() -> Outcome {
    let r = [0.5, -1.0, 2.0, 0.0, 1.5];
    let v = [1.0, 0.8, -0.2, 1.1, 0.4, 0.9];
    let d = deltas(&r, &v, 0.95);
    check(&r, &v, 0.95, 0.0, &d, &plus(&d, &v))
}

fn lambda_one_is_monte_carlo() -> Outcome {
    let r = [0.5, -1.0, 2.0, 0.0, 1.5];
    let v = [1.0, 0.8, -0.2, 1.1, 0.4, 3.0]; // cut off: bootstrap V_T = 3
    let gamma: f64 = 0.9;
    let t_len = r.len();
    let mut mc = vec![0.0; t_len];
    for t in 0..t_len {
        for k in t..t_len {
            mc[t] += gamma.powi((k - t) as i32) * r[k];
        }
        mc[t] += gamma.powi((t_len - t) as i32) * v[t_len];
    }
    let a: Vec<f64> = mc.iter().zip(&v).map(|(g, v)| g - v).collect();
    check(&r, &v, gamma, 1.0, &a, &mc)
}

fn matches_weighted_sum_of_td_errors() -> Outcome {
    let r = [1.0, 0.0, -0.5, 2.0, 0.25, -1.0];
    let v = [0.3, 0.9, -0.4, 1.2, 0.0, 0.7, 0.5];
    let (gamma, lambda): (f64, f64) = (0.99, 0.95);
    let d = deltas(&r, &v, gamma);
    let mut a = vec![0.0; r.len()];
    for t in 0..r.len() {
        for l in 0..r.len() - t {
            a[t] += (gamma * lambda).powi(l as i32) * d[t + l];
        }
    }
    check(&r, &v, gamma, lambda, &a, &plus(&a, &v))
}

fn single_step() -> Outcome {
    // 2 + 0.5·4 − 1 = 3 for any λ.
    check(&[2.0], &[1.0, 4.0], 0.5, 0.7, &[3.0], &[4.0])?;
    check(&[2.0], &[1.0, 4.0], 0.5, 1.0, &[3.0], &[4.0])
}

fn empty_trajectory() -> Outcome {
    check(&[], &[5.0], 0.99, 0.95, &[], &[])
}
