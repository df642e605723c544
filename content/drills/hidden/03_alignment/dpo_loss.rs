use crate::grade::*;
use crate::learner::{dpo_loss, Dpo};

pub const TESTS: &[Test] = &[
    Test { name: "policy_equals_reference", checks: "before any training (policy = reference) every implicit reward is 0 and the loss is ln 2", run: policy_equals_reference },
    Test { name: "hand_worked", checks: "β = 0.1; pair 0 has log-ratios +2, −1 (rewards 0.2, −0.1, loss softplus(−0.3)), pair 1 has −2, +2; the loss is the mean of the two", run: hand_worked },
    Test { name: "matches_naive_formula", checks: "a batch of 4 against −mean ln σ(β((p_c − q_c) − (p_r − q_r))) written from the definition", run: matches_naive_formula },
    Test { name: "the_reference_matters", checks: "the same policy log-probs give a different loss against a different reference: the reward is a log-ratio", run: the_reference_matters },
    Test { name: "long_responses_stay_finite", checks: "sequence log-probs in the thousands give losses ≈ 2000 and ≈ 0, not inf or NaN", run: long_responses_stay_finite },
];

fn case(pc: &[f64], pr: &[f64], qc: &[f64], qr: &[f64], beta: f64) -> Case {
    let n = pc.len();
    Case::new()
        .input("policy_chosen", pc, &[n])
        .input("policy_rejected", pr, &[n])
        .input("ref_chosen", qc, &[n])
        .input("ref_rejected", qr, &[n])
        .input_debug("beta", &beta)
}

fn check(c: &Case, got: &Dpo, loss: f64, chosen: &[f64], rejected: &[f64], tol: f64) -> Outcome {
    c.close("chosen_rewards", &got.chosen_rewards, chosen, &[chosen.len()], 1e-12)?;
    c.close("rejected_rewards", &got.rejected_rewards, rejected, &[rejected.len()], 1e-12)?;
    c.scalar("loss", got.loss, loss, tol)
}

fn policy_equals_reference() -> Outcome {
    let chosen = [-12.5, -40.0, -3.0];
    let rejected = [-20.0, -8.0, -3.5];
    let c = case(&chosen, &rejected, &chosen, &rejected, 0.1);
    let got = dpo_loss(&chosen, &rejected, &chosen, &rejected, 0.1);
    check(&c, &got, std::f64::consts::LN_2, &[0.0; 3], &[0.0; 3], 1e-12)
}

fn hand_worked() -> Outcome {
    // Pair 0: log p − log q = −10 − (−12) = 2 (chosen), −15 − (−14) = −1 (rejected).
    //   ρ_c = 0.2, ρ_r = −0.1, loss = −ln σ(0.3) = ln(1 + e^−0.3) = 0.554355.
    // Pair 1: chosen −5 − (−3) = −2, rejected −6 − (−8) = 2: ρ_c = −0.2, ρ_r = 0.2,
    //   loss = ln(1 + e^0.4).
    let (pc, pr, qc, qr) = ([-10.0, -5.0], [-15.0, -6.0], [-12.0, -3.0], [-14.0, -8.0]);
    let c = case(&pc, &pr, &qc, &qr, 0.1);
    let want = ((1.0 + (-0.3f64).exp()).ln() + (1.0 + 0.4f64.exp()).ln()) / 2.0;
    check(&c, &dpo_loss(&pc, &pr, &qc, &qr, 0.1), want, &[0.2, -0.2], &[-0.1, 0.2], 1e-12)
}

fn matches_naive_formula() -> Outcome {
    let pc = [-31.0, -12.4, -55.5, -7.0];
    let pr = [-35.0, -11.0, -52.0, -9.5];
    let qc = [-33.0, -12.0, -50.0, -7.5];
    let qr = [-34.0, -12.5, -51.0, -9.0];
    let beta: f64 = 0.5;
    let mut sum = 0.0;
    let mut chosen = vec![];
    let mut rejected = vec![];
    for i in 0..4 {
        let z = beta * ((pc[i] - qc[i]) - (pr[i] - qr[i]));
        sum += -(1.0 / (1.0 + (-z).exp())).ln();
        chosen.push(beta * (pc[i] - qc[i]));
        rejected.push(beta * (pr[i] - qr[i]));
    }
    let c = case(&pc, &pr, &qc, &qr, beta);
    check(&c, &dpo_loss(&pc, &pr, &qc, &qr, beta), sum / 4.0, &chosen, &rejected, 1e-10)
}

fn the_reference_matters() -> Outcome {
    // The policy still gives the rejected response more probability (−20 > −25), but less so
    // than the reference did: relative to it, the chosen one gained 10 and the rejected lost 1,
    // so the loss is already below ln 2. Ignoring the reference would give softplus(0.5) > ln 2.
    let (pc, pr, qc, qr) = ([-25.0], [-20.0], [-35.0], [-19.0]);
    // β = 0.1: z = 0.1·(10 − (−1)) = 1.1, loss = ln(1 + e^−1.1).
    let c = case(&pc, &pr, &qc, &qr, 0.1);
    check(&c, &dpo_loss(&pc, &pr, &qc, &qr, 0.1), (1.0 + (-1.1f64).exp()).ln(), &[1.0], &[-0.1], 1e-12)
}

fn long_responses_stay_finite() -> Outcome {
    // β = 1. Pair 0: chosen log-ratio −3000 − (−1000) = −2000, rejected 0: z = −2000 → 2000.
    // Pair 1: chosen 0, rejected −2000: z = 2000 → ln(1 + e^−2000) ≈ 0. Mean 1000.
    let (pc, pr, qc, qr) = ([-3000.0, -1500.0], [-1000.0, -3500.0], [-1000.0, -1500.0], [-1000.0, -1500.0]);
    let c = case(&pc, &pr, &qc, &qr, 1.0);
    check(&c, &dpo_loss(&pc, &pr, &qc, &qr, 1.0), 1000.0, &[-2000.0, 0.0], &[0.0, -2000.0], 1e-12)
}
