use crate::grade::*;
use crate::learner::repetition_penalty;

pub const TESTS: &[Test] = &[
    Test { name: "hand_checked", checks: "positive seen logits are divided by r, negative ones multiplied by r", run: hand_checked },
    Test { name: "repeats_penalised_once", checks: "a token that occurred several times is penalised once, not once per occurrence", run: repeats_penalised_once },
    Test { name: "unseen_tokens_untouched", checks: "tokens never generated keep their logits exactly; empty history and r = 1 change nothing", run: unseen_tokens_untouched },
    Test { name: "seen_tokens_become_less_likely", checks: "with r > 1 every seen token's logit goes down or stays (0 stays 0), so its probability cannot rise alone", run: seen_tokens_become_less_likely },
    Test { name: "matches_per_token_rule", checks: "on longer rows with repeated history, each logit follows the rule for 'seen at least once'", run: matches_per_token_rule },
];

fn check(z: &[f64], hist: &[usize], r: f64, want: &[f64]) -> Outcome {
    let c = Case::new().input("logits", z, &[z.len()]).input_debug("generated", &hist).input_debug("penalty", &r);
    c.close("repetition_penalty(logits, generated, penalty)", &repetition_penalty(z, hist, r), want, &[z.len()], 1e-12)
}

fn hand_checked() -> Outcome {
    // 2 / 2 = 1; -2 · 2 = -4; token 2 is unseen.
    check(&[2.0, -2.0, 1.0], &[0, 1, 1], 2.0, &[1.0, -4.0, 1.0])?;
    // r = 1.25: 5 / 1.25 = 4; -0.8 · 1.25 = -1; 3 unseen.
    check(&[5.0, 3.0, -0.8], &[2, 0], 1.25, &[4.0, 3.0, -1.0])
}

fn repeats_penalised_once() -> Outcome {
    // Three occurrences, still one division: 3 / 1.5 = 2 (not 3 / 1.5³ = 0.889).
    check(&[3.0, 1.0], &[0, 0, 0], 1.5, &[2.0, 1.0])?;
    // -1 · 3 = -3 (not -27).
    check(&[0.5, -1.0], &[1, 1, 1, 1], 3.0, &[0.5, -3.0])
}

fn unseen_tokens_untouched() -> Outcome {
    let z = [0.7, -0.3, 2.2, 0.0, -5.0];
    check(&z, &[], 1.8, &z)?;
    check(&z, &[0, 1, 2, 3, 4, 2], 1.0, &z)?;
    check(&z, &[4], 2.0, &[0.7, -0.3, 2.2, 0.0, -10.0])
}

fn seen_tokens_become_less_likely() -> Outcome {
    let z = [1.5, -0.5, 0.0, 4.0, -3.0, 0.25];
    let hist = [0, 1, 2, 4];
    let got = repetition_penalty(&z, &hist, 1.3);
    let c = Case::new().input("logits", &z, &[6]).input_debug("generated", &hist).input_debug("penalty", &1.3);
    c.close("length of the result", &[got.len() as f64], &[6.0], &[1], 0.0)?;
    for &t in &hist {
        c.holds(
            got[t] <= z[t],
            &format!("token {t}: logit went up from {} to {} (a negative logit must be multiplied, not divided)", z[t], got[t]),
        )?;
    }
    c.close("the zero logit of token 2", &[got[2]], &[0.0], &[1], 0.0)
}

fn matches_per_token_rule() -> Outcome {
    let mut s: u64 = 2024;
    let mut next = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        s >> 33
    };
    for len in [1usize, 4, 9, 16] {
        let z: Vec<f64> = (0..len).map(|_| (next() % 2001) as f64 / 250.0 - 4.0).collect();
        let hist: Vec<usize> = (0..2 * len).map(|_| next() as usize % len).collect();
        let r = 1.1 + (next() % 10) as f64 / 10.0;
        // Independent formulation: for each token, search the history for it.
        let want: Vec<f64> = (0..len)
            .map(|i| match (hist.contains(&i), z[i] > 0.0) {
                (false, _) => z[i],
                (true, true) => z[i] / r,
                (true, false) => z[i] * r,
            })
            .collect();
        check(&z, &hist, r, &want)?;
    }
    Ok(())
}
