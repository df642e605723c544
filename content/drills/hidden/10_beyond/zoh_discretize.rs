use crate::grade::*;
use crate::learner::zoh;

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "Ā = exp(Δa), B̄ = (exp(Δa) - 1)/a · b with Δ = ln 2 (Ā = 1/2 exactly), and a = 0 giving Δ b", run: contract_by_hand },
    Test { name: "zero_a_limit", checks: "a = 0 (and -0.0) gives Ā = 1 and the limit B̄ = Δ b, not 0/0 = NaN; n = 0 gives empty vectors", run: zero_a_limit },
    Test { name: "tiny_a_no_cancellation", checks: "for |a| down to 1e-12, B̄ matches the Taylor series Δ b (1 + Δa/2 + (Δa)²/6) to 1e-12: no cancellation in exp(Δa) - 1", run: tiny_a_no_cancellation },
    Test { name: "matches_fine_euler", checks: "Ā x0 + B̄ u equals a fine Euler integration of dx/dt = a x + b u over Δ with u held constant", run: matches_fine_euler },
    Test { name: "two_half_steps_make_one", checks: "ZOH is exact, so two steps of Δ/2 compose to one of Δ: Ā(Δ) = Ā(Δ/2)², B̄(Δ) = Ā(Δ/2) B̄(Δ/2) + B̄(Δ/2)", run: two_half_steps_make_one },
];

fn case(a: &[f64], b: &[f64], delta: f64) -> Case {
    Case::new().input("a", a, &[a.len()]).input("b", b, &[b.len()]).input_debug("delta", &delta)
}

fn contract_by_hand() -> Outcome {
    // Δ = ln 2, a = -1: Ā = e^{-ln 2} = 1/2, B̄ = (1/2 - 1)/(-1) · 2 = 1.
    // a = 0: Ā = 1, B̄ = Δ · 3 = 3 ln 2.  a = -2: Ā = 1/4, B̄ = (1/4 - 1)/(-2) · (-1) = -3/8.
    let (a, b, dt) = ([-1.0, 0.0, -2.0], [2.0, 3.0, -1.0], 2f64.ln());
    let c = case(&a, &b, dt);
    let (ab, bb) = zoh(&a, &b, dt);
    c.close("a_bar", &ab, &[0.5, 1.0, 0.25], &[3], 1e-12)?;
    c.close("b_bar", &bb, &[1.0, 3.0 * 2f64.ln(), -0.375], &[3], 1e-12)
}

fn zero_a_limit() -> Outcome {
    let (a, b, dt) = ([0.0, -0.0], [1.5, -2.0], 0.25);
    let c = case(&a, &b, dt);
    let (ab, bb) = zoh(&a, &b, dt);
    c.close("a_bar", &ab, &[1.0, 1.0], &[2], 0.0)?;
    c.close("b_bar", &bb, &[0.375, -0.5], &[2], 1e-15)?;
    let c = case(&[], &[], dt);
    let (ab, bb) = zoh(&[], &[], dt);
    c.close("a_bar", &ab, &[], &[0], 0.0)?;
    c.close("b_bar", &bb, &[], &[0], 0.0)
}

fn tiny_a_no_cancellation() -> Outcome {
    let (a, b, dt) = ([-1e-12, -1e-9, -3e-7, -1e-5], [1.0, -2.0, 0.5, 4.0], 0.5);
    // (e^x - 1)/x = 1 + x/2 + x²/6 + x³/24 + …; with x = Δa ≥ -5e-6 the x³ term is below 1e-17.
    let want: Vec<f64> = a
        .iter()
        .zip(&b)
        .map(|(&ai, &bi)| {
            let x = dt * ai;
            dt * bi * (1.0 + x / 2.0 + x * x / 6.0)
        })
        .collect();
    let c = case(&a, &b, dt);
    let (ab, bb) = zoh(&a, &b, dt);
    c.close("a_bar", &ab, &a.iter().map(|ai| (dt * ai).exp()).collect::<Vec<_>>(), &[4], 1e-15)?;
    c.close("b_bar", &bb, &want, &[4], 1e-12)
}

fn matches_fine_euler() -> Outcome {
    let (a, b, dt) = ([-0.5, -2.0, -10.0, 0.0], [1.0, -0.5, 3.0, 2.0], 0.3);
    let (x0, u) = ([0.7, -1.2, 0.4, 0.1], 1.5);
    // Forward Euler with a million steps: its global error is O(h), about 5e-8 here.
    let steps = 1_000_000;
    let h = dt / steps as f64;
    let mut x = x0;
    for _ in 0..steps {
        for i in 0..4 {
            x[i] += h * (a[i] * x[i] + b[i] * u);
        }
    }
    let c = case(&a, &b, dt).input("x0", &x0, &[4]).input_debug("u", &u);
    let (ab, bb) = zoh(&a, &b, dt);
    c.holds(ab.len() == 4 && bb.len() == 4, "a_bar and b_bar must have n = 4 entries")?;
    let got: Vec<f64> = (0..4).map(|i| ab[i] * x0[i] + bb[i] * u).collect();
    c.close("a_bar · x0 + b_bar · u", &got, &x, &[4], 1e-6)
}

fn two_half_steps_make_one() -> Outcome {
    let (a, b, dt) = ([-0.3, -1.7, -4.0, -1e-10], [2.0, 0.5, -1.0, 3.0], 0.8);
    let c = case(&a, &b, dt);
    let (ab, bb) = zoh(&a, &b, dt);
    let (ah, bh) = zoh(&a, &b, dt / 2.0);
    c.holds(ah.len() == 4 && bh.len() == 4, "a_bar and b_bar must have n = 4 entries")?;
    let a2: Vec<f64> = ah.iter().map(|x| x * x).collect();
    let b2: Vec<f64> = (0..4).map(|i| ah[i] * bh[i] + bh[i]).collect();
    c.close("a_bar(Δ) vs a_bar(Δ/2)²", &ab, &a2, &[4], 1e-12)?;
    c.close("b_bar(Δ) vs a_bar(Δ/2)·b_bar(Δ/2) + b_bar(Δ/2)", &bb, &b2, &[4], 1e-12)
}
