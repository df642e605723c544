use crate::grade::*;
use crate::learner::{ppo_clip_loss, Ppo};

pub const TESTS: &[Test] = &[
    Test { name: "unchanged_policy", checks: "π_new = π_old: r = 1, so the loss is −mean(A) and nothing is clipped", run: unchanged_policy },
    Test { name: "positive_advantage_both_sides", checks: "A = +2: r = 1.5 is capped at (1 + ε)·A = 2.4; r = 0.5 counts in full, 0.5·A = 1 (the min keeps it)", run: positive_advantage_both_sides },
    Test { name: "negative_advantage_both_sides", checks: "A = −2: r = 1.5 counts in full, 1.5·A = −3 (the min keeps it); r = 0.5 is capped at (1 − ε)·A = −1.6", run: negative_advantage_both_sides },
    Test { name: "inside_the_range", checks: "ratios inside [1 − ε, 1 + ε] give the plain r·A and a clip fraction of 0", run: inside_the_range },
    Test { name: "clip_fraction_counts_outside_ratios", checks: "clip_fraction = share of tokens with |r − 1| > ε, whatever the sign of A (here 3 of 5)", run: clip_fraction_counts_outside_ratios },
    Test { name: "matches_casewise_form", checks: "a batch against the objective written by cases: A ≥ 0 → min(r, 1 + ε)·A, A < 0 → max(r, 1 − ε)·A", run: matches_casewise_form },
    Test { name: "ratio_from_log_difference", checks: "log-probs near −1000 still give r = exp(Δ) (exp(new)/exp(old) is 0/0 = NaN)", run: ratio_from_log_difference },
];

fn case(new: &[f64], old: &[f64], adv: &[f64], eps: f64) -> Case {
    let n = adv.len();
    Case::new()
        .input("logp_new", new, &[n])
        .input("logp_old", old, &[n])
        .input("advantages", adv, &[n])
        .input_debug("clip_eps", &eps)
}

fn check(c: &Case, got: &Ppo, loss: f64, frac: f64) -> Outcome {
    c.scalar("loss", got.loss, loss, 1e-12)?;
    c.scalar("clip_fraction", got.clip_fraction, frac, 1e-12)
}

/// One token whose ratio is `r`: log π_old = −2, log π_new = −2 + ln r.
fn token(r: f64, a: f64) -> ([f64; 1], [f64; 1], [f64; 1]) {
    ([-2.0 + r.ln()], [-2.0], [a])
}

fn unchanged_policy() -> Outcome {
    let lp = [-1.5, -0.2, -3.0, -0.7];
    let adv = [1.0, -2.0, 0.5, 4.0];
    let c = case(&lp, &lp, &adv, 0.2);
    check(&c, &ppo_clip_loss(&lp, &lp, &adv, 0.2), -(1.0 - 2.0 + 0.5 + 4.0) / 4.0, 0.0)
}

fn positive_advantage_both_sides() -> Outcome {
    let (new, old, adv) = token(1.5, 2.0);
    let c = case(&new, &old, &adv, 0.2);
    // min(1.5·2, 1.2·2) = 2.4 → loss −2.4.
    check(&c, &ppo_clip_loss(&new, &old, &adv, 0.2), -2.4, 1.0)?;
    let (new, old, adv) = token(0.5, 2.0);
    let c = case(&new, &old, &adv, 0.2);
    // min(0.5·2, 0.8·2) = 1 → loss −1.
    check(&c, &ppo_clip_loss(&new, &old, &adv, 0.2), -1.0, 1.0)
}

fn negative_advantage_both_sides() -> Outcome {
    let (new, old, adv) = token(1.5, -2.0);
    let c = case(&new, &old, &adv, 0.2);
    // min(1.5·(−2), 1.2·(−2)) = min(−3, −2.4) = −3 → loss 3.
    check(&c, &ppo_clip_loss(&new, &old, &adv, 0.2), 3.0, 1.0)?;
    let (new, old, adv) = token(0.5, -2.0);
    let c = case(&new, &old, &adv, 0.2);
    // min(0.5·(−2), 0.8·(−2)) = min(−1, −1.6) = −1.6 → loss 1.6.
    check(&c, &ppo_clip_loss(&new, &old, &adv, 0.2), 1.6, 1.0)
}

fn inside_the_range() -> Outcome {
    let r = [1.1, 0.9, 1.19, 0.85];
    let adv = [3.0, -1.0, -2.0, 0.5];
    let old = [-1.0, -2.0, -3.0, -4.0];
    let new: Vec<f64> = old.iter().zip(&r).map(|(o, r): (&f64, &f64)| o + r.ln()).collect();
    let c = case(&new, &old, &adv, 0.2);
    // Inside the range clip(r) = r, so both terms are r·A.
    let want = -(1.1 * 3.0 - 0.9 * 1.0 - 1.19 * 2.0 + 0.85 * 0.5) / 4.0;
    check(&c, &ppo_clip_loss(&new, &old, &adv, 0.2), want, 0.0)
}

fn clip_fraction_counts_outside_ratios() -> Outcome {
    // ε = 0.1. r: 1.3 (out), 0.95 (in), 0.7 (out), 1.05 (in), 1.25 (out, with A < 0: unclipped
    // in the objective, still outside the range).
    let r = [1.3, 0.95, 0.7, 1.05, 1.25];
    let adv = [1.0, 1.0, -1.0, 2.0, -0.5];
    let old = [-0.5; 5];
    let new: Vec<f64> = r.iter().map(|r: &f64| -0.5 + r.ln()).collect();
    let c = case(&new, &old, &adv, 0.1);
    // Objectives: min(1.3, 1.1) = 1.1; 0.95; min(−0.7, −0.9) = −0.9; 2.1; min(−0.625, −0.55) = −0.625.
    let want = -(1.1 + 0.95 - 0.9 + 2.1 - 0.625) / 5.0;
    check(&c, &ppo_clip_loss(&new, &old, &adv, 0.1), want, 3.0 / 5.0)
}

fn matches_casewise_form() -> Outcome {
    let new: [f64; 6] = [-0.3, -2.0, -1.1, -0.05, -4.0, -0.9];
    let old: [f64; 6] = [-0.9, -1.2, -1.0, -0.6, -3.1, -0.9];
    let adv = [0.8, -1.3, 2.2, -0.4, 1.7, -3.0];
    let eps = 0.25;
    let mut obj = 0.0;
    let mut outside = 0.0;
    for i in 0..6 {
        let r = (new[i] - old[i]).exp();
        obj += if adv[i] >= 0.0 { r.min(1.0 + eps) * adv[i] } else { r.max(1.0 - eps) * adv[i] };
        if r > 1.0 + eps || r < 1.0 - eps {
            outside += 1.0;
        }
    }
    let c = case(&new, &old, &adv, eps);
    check(&c, &ppo_clip_loss(&new, &old, &adv, eps), -obj / 6.0, outside / 6.0)
}

fn ratio_from_log_difference() -> Outcome {
    let new: [f64; 2] = [-999.9, -1200.5];
    let old: [f64; 2] = [-1000.0, -1200.0];
    let adv = [1.0, 1.0];
    // Δ ≈ 0.1 → r = e^0.1 ≈ 1.105 (inside ε = 0.2); Δ = −0.5 → r = e^−0.5 ≈ 0.607 (outside, A > 0:
    // unclipped r·A).
    let r0 = (new[0] - old[0]).exp();
    let r1 = (-0.5f64).exp();
    let c = case(&new, &old, &adv, 0.2);
    check(&c, &ppo_clip_loss(&new, &old, &adv, 0.2), -(r0 + r1) / 2.0, 0.5)
}
