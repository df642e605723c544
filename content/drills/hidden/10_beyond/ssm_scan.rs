use crate::grade::*;
use crate::learner::{ssm_conv, ssm_scan};

pub const TESTS: &[Test] = &[
    Test { name: "impulse_response_by_hand", checks: "an impulse returns the kernel K_k = Σ_i C_i Ā_i^k B̄_i (two states, worked by hand), from both functions", run: impulse_response_by_hand },
    Test { name: "step_input_by_hand", checks: "x = [1, 1, 1] accumulates: h = [1, 1.5, 1.75], y = 2h, from both functions (h updated before the read-out)", run: step_input_by_hand },
    Test { name: "scan_equals_conv", checks: "recurrence and convolution agree with a brute-force double sum Σ_s Σ_i C_i Ā_i^(t-s) B̄_i x_s", run: scan_equals_conv },
    Test { name: "causal", checks: "changing x at t = 5 leaves y_0..y_4 unchanged in both functions", run: causal },
    Test { name: "short_and_empty", checks: "T = 1 gives y_0 = (C·B̄) x_0; T = 0 gives []; n = 0 gives zeros", run: short_and_empty },
];

fn case(a: &[f64], b: &[f64], c: &[f64], x: &[f64]) -> Case {
    Case::new()
        .input("a_bar", a, &[a.len()])
        .input("b_bar", b, &[b.len()])
        .input("c", c, &[c.len()])
        .input("x", x, &[x.len()])
}

/// y_t = Σ_{s ≤ t} Σ_i C_i Ā_i^(t-s) B̄_i x_s, with the powers from powi.
fn brute(a: &[f64], b: &[f64], c: &[f64], x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|t| {
            let mut y = 0.0;
            for s in 0..=t {
                for i in 0..a.len() {
                    y += c[i] * a[i].powi((t - s) as i32) * b[i] * x[s];
                }
            }
            y
        })
        .collect()
}

fn both(cs: &Case, a: &[f64], b: &[f64], c: &[f64], x: &[f64], want: &[f64], tol: f64) -> Outcome {
    cs.close("ssm_scan y", &ssm_scan(a, b, c, x), want, &[want.len()], tol)?;
    cs.close("ssm_conv y", &ssm_conv(a, b, c, x), want, &[want.len()], tol)
}

fn impulse_response_by_hand() -> Outcome {
    // K_k = 1·0.5^k·1 + (-1)·0.25^k·2: k = 0: 1 - 2 = -1; k = 1: 0.5 - 0.5 = 0;
    // k = 2: 0.25 - 0.125 = 0.125; k = 3: 0.125 - 0.03125 = 0.09375.
    let (a, b, c) = ([0.5, 0.25], [1.0, 2.0], [1.0, -1.0]);
    let x = [1.0, 0.0, 0.0, 0.0];
    let cs = case(&a, &b, &c, &x);
    both(&cs, &a, &b, &c, &x, &[-1.0, 0.0, 0.125, 0.09375], 1e-12)
}

fn step_input_by_hand() -> Outcome {
    // h_0 = 1, h_1 = 0.5·1 + 1 = 1.5, h_2 = 0.5·1.5 + 1 = 1.75; y = 2h.
    let (a, b, c) = ([0.5], [1.0], [2.0]);
    let x = [1.0, 1.0, 1.0];
    let cs = case(&a, &b, &c, &x);
    both(&cs, &a, &b, &c, &x, &[2.0, 3.0, 3.5], 1e-12)
}

fn scan_equals_conv() -> Outcome {
    let (a, b, c) = ([0.9, 0.3, 0.99, 0.6], [0.5, -1.2, 0.1, 2.0], [1.5, 0.7, -2.0, 0.25]);
    let x: Vec<f64> = (0..12).map(|t| (t as f64 * 1.7).sin() + 0.3 * (t as f64 * 0.45).cos()).collect();
    let cs = case(&a, &b, &c, &x);
    let want = brute(&a, &b, &c, &x);
    both(&cs, &a, &b, &c, &x, &want, 1e-9)?;
    cs.close("ssm_scan vs ssm_conv", &ssm_scan(&a, &b, &c, &x), &ssm_conv(&a, &b, &c, &x), &[12], 1e-9)
}

fn causal() -> Outcome {
    let (a, b, c) = ([0.8, 0.4], [1.0, -0.5], [0.3, 2.0]);
    let x: Vec<f64> = (0..8).map(|t| 0.5 + 0.1 * t as f64).collect();
    let mut x2 = x.clone();
    x2[5] += 10.0;
    for (name, f) in [("ssm_scan", ssm_scan as fn(&[f64], &[f64], &[f64], &[f64]) -> Vec<f64>), ("ssm_conv", ssm_conv)] {
        let (y, y2) = (f(&a, &b, &c, &x), f(&a, &b, &c, &x2));
        let cs = case(&a, &b, &c, &x2);
        cs.holds(y.len() == 8 && y2.len() == 8, &format!("{name}: y must have T = 8 entries"))?;
        cs.close(&format!("{name} y[0..5] after changing x[5]"), &y2[..5], &y[..5], &[5], 0.0)?;
    }
    Ok(())
}

fn short_and_empty() -> Outcome {
    // T = 1: y_0 = Σ C_i B̄_i x_0 = (2·3 + (-1)·0.5)·2 = 11.
    let (a, b, c) = ([0.5, 0.9], [3.0, 0.5], [2.0, -1.0]);
    let cs = case(&a, &b, &c, &[2.0]);
    both(&cs, &a, &b, &c, &[2.0], &[11.0], 1e-12)?;
    let cs = case(&a, &b, &c, &[]);
    both(&cs, &a, &b, &c, &[], &[], 0.0)?;
    let cs = case(&[], &[], &[], &[1.0, -2.0]);
    both(&cs, &[], &[], &[], &[1.0, -2.0], &[0.0, 0.0], 0.0)
}
