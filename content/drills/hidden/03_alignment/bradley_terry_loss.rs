use crate::grade::*;
use crate::learner::bradley_terry_loss;

pub const TESTS: &[Test] = &[
    Test { name: "equal_rewards_give_ln2", checks: "r_c = r_r means P(chosen ≻ rejected) = ½, so the loss is ln 2", run: equal_rewards_give_ln2 },
    Test { name: "hand_worked", checks: "margins +1 and −2: (ln(1 + e⁻¹) + 2 + ln(1 + e⁻²)) / 2, a mean over pairs", run: hand_worked },
    Test { name: "matches_naive_formula", checks: "on moderate margins the result equals −mean ln(1 / (1 + e^(−m)))", run: matches_naive_formula },
    Test { name: "huge_margins_stay_finite", checks: "margins of +1000 and −1000 give losses ≈ 0 and 1000, not NaN or inf", run: huge_margins_stay_finite },
    Test { name: "only_the_margin_matters", checks: "adding the same constant to both rewards of a pair leaves the loss unchanged", run: only_the_margin_matters },
    Test { name: "swap_identity", checks: "L(c, r) − L(r, c) = −mean(r_c − r_r), since softplus(−m) − softplus(m) = −m: the sign of the margin is right", run: swap_identity },
];

fn case(rc: &[f64], rr: &[f64]) -> Case {
    Case::new().input("r_chosen", rc, &[rc.len()]).input("r_rejected", rr, &[rr.len()])
}

/// −ln σ(m) straight from the definition: fine while |m| is moderate.
fn naive(rc: &[f64], rr: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..rc.len() {
        let sigma = 1.0 / (1.0 + (-(rc[i] - rr[i])).exp());
        s -= sigma.ln();
    }
    s / rc.len() as f64
}

fn equal_rewards_give_ln2() -> Outcome {
    let (rc, rr) = ([0.7, -3.0, 12.0], [0.7, -3.0, 12.0]);
    case(&rc, &rr).scalar("loss", bradley_terry_loss(&rc, &rr), std::f64::consts::LN_2, 1e-12)
}

fn hand_worked() -> Outcome {
    let (rc, rr) = ([2.0, -1.0], [1.0, 1.0]);
    // m = +1: ln(1 + e⁻¹) = 0.313262; m = −2: ln(1 + e²) = 2 + ln(1 + e⁻²) = 2.126928.
    let want = ((1.0 + (-1.0f64).exp()).ln() + 2.0 + (1.0 + (-2.0f64).exp()).ln()) / 2.0;
    case(&rc, &rr).scalar("loss", bradley_terry_loss(&rc, &rr), want, 1e-12)
}

fn matches_naive_formula() -> Outcome {
    let rc = [0.5, -1.25, 3.0, 0.0, 7.5];
    let rr = [-0.5, 0.75, 2.9, 4.0, -2.5];
    case(&rc, &rr).scalar("loss", bradley_terry_loss(&rc, &rr), naive(&rc, &rr), 1e-10)
}

fn huge_margins_stay_finite() -> Outcome {
    // m = +1000: ln(1 + e⁻¹⁰⁰⁰) ≈ 0.  m = −1000: 1000 + ln(1 + e⁻¹⁰⁰⁰) = 1000.
    let (rc, rr) = ([1000.0], [0.0]);
    case(&rc, &rr).scalar("loss", bradley_terry_loss(&rc, &rr), 0.0, 1e-12)?;
    let (rc, rr) = ([-500.0], [500.0]);
    case(&rc, &rr).scalar("loss", bradley_terry_loss(&rc, &rr), 1000.0, 1e-12)?;
    let (rc, rr) = ([1000.0, 0.0, -800.0], [0.0, 1000.0, 0.0]);
    case(&rc, &rr).scalar("loss", bradley_terry_loss(&rc, &rr), (0.0 + 1000.0 + 800.0) / 3.0, 1e-12)
}

fn only_the_margin_matters() -> Outcome {
    let rc = [0.3, 1.0, -2.0];
    let rr = [-0.2, 1.5, -2.25];
    let rc_shift: Vec<f64> = rc.iter().map(|r| r + 1e4).collect();
    let rr_shift: Vec<f64> = rr.iter().map(|r| r + 1e4).collect();
    case(&rc_shift, &rr_shift).scalar("loss with both rewards + 1e4", bradley_terry_loss(&rc_shift, &rr_shift), naive(&rc, &rr), 1e-9)
}

fn swap_identity() -> Outcome {
    let rc = [1.5, -0.5, 4.0, 0.25];
    let rr = [0.5, 1.0, -1.0, 0.25];
    let mean_margin = (1.0 - 1.5 + 5.0 + 0.0) / 4.0;
    let c = case(&rc, &rr);
    let diff = bradley_terry_loss(&rc, &rr) - bradley_terry_loss(&rr, &rc);
    c.scalar("loss(chosen, rejected) − loss(rejected, chosen)", diff, -mean_margin, 1e-12)
}
