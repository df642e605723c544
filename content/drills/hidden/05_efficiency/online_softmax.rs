use crate::grade::*;
use crate::learner::{online_softmax, online_update};

pub const TESTS: &[Test] = &[
    Test { name: "update_rescales_old_sum", checks: "one update: m' = max(m, max c), l' = l·exp(m - m') + Σ exp(c - m'), by hand", run: update_rescales_old_sum },
    Test { name: "update_from_empty_and_masked", checks: "the empty state (-inf, 0) and all -inf chunks update without NaN", run: update_from_empty_and_masked },
    Test { name: "every_chunk_size", checks: "chunk sizes 1, 2, 3 (odd, not dividing), the row length and larger all give the two-pass softmax and log-sum-exp", run: every_chunk_size },
    Test { name: "large_logits", checks: "logits near 1000, max arriving in a late chunk: no overflow, the rescaling keeps it exact", run: large_logits },
    Test { name: "masked_entries_and_row", checks: "-inf entries (even a whole first chunk) get probability 0; an all -inf row gives zeros and lse -inf", run: masked_entries_and_row },
    Test { name: "single_and_empty", checks: "one entry gives ([1], x); an empty row gives ([], -inf)", run: single_and_empty },
];

const NEG: f64 = f64::NEG_INFINITY;

/// Two-pass reference, safe here because the grader only feeds it small logits.
fn direct(x: &[f64]) -> (Vec<f64>, f64) {
    let z: f64 = x.iter().map(|v| v.exp()).sum();
    (x.iter().map(|v| v.exp() / z).collect(), z.ln())
}

fn update_rescales_old_sum() -> Outcome {
    // State (5, 2) then chunk [1, 7]: m' = 7, l' = 2·e^(5-7) + e^(1-7) + e^(7-7).
    let c = Case::new().input_debug("(m, l)", &(5.0, 2.0)).input("chunk", &[1.0, 7.0], &[2]);
    let (m, l) = online_update(5.0, 2.0, &[1.0, 7.0]);
    c.scalar("m'", m, 7.0, 1e-12)?;
    c.scalar("l'", l, 2.0 * (-2.0f64).exp() + (-6.0f64).exp() + 1.0, 1e-12)?;
    // State (3, 1.5) then chunk [0, 2]: the max does not move, so l is not rescaled.
    let c = Case::new().input_debug("(m, l)", &(3.0, 1.5)).input("chunk", &[0.0, 2.0], &[2]);
    let (m, l) = online_update(3.0, 1.5, &[0.0, 2.0]);
    c.scalar("m'", m, 3.0, 1e-12)?;
    c.scalar("l'", l, 1.5 + (-3.0f64).exp() + (-1.0f64).exp(), 1e-12)
}

fn update_from_empty_and_masked() -> Outcome {
    // From nothing: chunk [0, ln 3] has max ln 3 and l = e^(-ln 3) + 1 = 4/3.
    let x = [0.0, 3.0f64.ln()];
    let c = Case::new().input_debug("(m, l)", &(NEG, 0.0)).input("chunk", &x, &[2]);
    let (m, l) = online_update(NEG, 0.0, &x);
    c.scalar("m'", m, 3.0f64.ln(), 1e-12)?;
    c.scalar("l'", l, 4.0 / 3.0, 1e-12)?;
    // Nothing finite anywhere: the state stays empty.
    let c = Case::new().input_debug("(m, l)", &(NEG, 0.0)).input("chunk", &[NEG, NEG], &[2]);
    let (m, l) = online_update(NEG, 0.0, &[NEG, NEG]);
    c.holds(m == NEG && l == 0.0, &format!("expected the state to stay (-inf, 0), got ({m}, {l})"))?;
    // A masked chunk after real data changes nothing.
    let c = Case::new().input_debug("(m, l)", &(2.0, 1.0)).input("chunk", &[NEG], &[1]);
    let (m, l) = online_update(2.0, 1.0, &[NEG]);
    c.scalar("m'", m, 2.0, 0.0)?;
    c.scalar("l'", l, 1.0, 1e-12)
}

fn every_chunk_size() -> Outcome {
    let x = [0.3, -1.2, 2.5, 0.0, 0.7, 3.1, -0.4];
    let (want_p, want_lse) = direct(&x);
    for b in [1, 2, 3, 7, 10] {
        let c = Case::new().input("x", &x, &[7]).input_debug("b", &b);
        let (p, lse) = online_softmax(&x, b);
        c.close("probabilities", &p, &want_p, &[7], 1e-9)?;
        c.scalar("log-sum-exp", lse, want_lse, 1e-9)?;
    }
    Ok(())
}

fn large_logits() -> Outcome {
    // Rising then falling, so the max moves in several chunks; shift-invariance gives the answer.
    let base = [-2.0, -1.0, 0.5, 1.0, 2.0, 0.0, -3.0];
    let x: Vec<f64> = base.iter().map(|v| v + 1000.0).collect();
    let (want_p, want_lse) = direct(&base);
    for b in [1, 2, 4] {
        let c = Case::new().input("x", &x, &[7]).input_debug("b", &b);
        let (p, lse) = online_softmax(&x, b);
        c.close("probabilities", &p, &want_p, &[7], 1e-9)?;
        c.scalar("log-sum-exp", lse, 1000.0 + want_lse, 1e-12)?;
    }
    Ok(())
}

fn masked_entries_and_row() -> Outcome {
    let x = [NEG, NEG, 1.0, NEG, 2.0];
    let (d, lse) = direct(&[1.0, 2.0]);
    for b in [1, 2] {
        let c = Case::new().input("x", &x, &[5]).input_debug("b", &b);
        let (p, got_lse) = online_softmax(&x, b);
        c.close("probabilities", &p, &[0.0, 0.0, d[0], 0.0, d[1]], &[5], 1e-9)?;
        c.scalar("log-sum-exp", got_lse, lse, 1e-9)?;
    }
    let x = [NEG; 5];
    let c = Case::new().input("x", &x, &[5]).input_debug("b", &2);
    let (p, lse) = online_softmax(&x, 2);
    c.close("probabilities", &p, &[0.0; 5], &[5], 0.0)?;
    c.holds(lse == NEG, &format!("log-sum-exp of an all -inf row: expected -inf, got {lse}"))
}

fn single_and_empty() -> Outcome {
    let c = Case::new().input("x", &[-7.0], &[1]).input_debug("b", &3);
    let (p, lse) = online_softmax(&[-7.0], 3);
    c.close("probabilities", &p, &[1.0], &[1], 1e-12)?;
    c.scalar("log-sum-exp", lse, -7.0, 1e-12)?;
    let c = Case::new().input("x", &[], &[0]).input_debug("b", &2);
    let (p, lse) = online_softmax(&[], 2);
    c.close("probabilities", &p, &[], &[0], 0.0)?;
    c.holds(lse == NEG, &format!("log-sum-exp of an empty row: expected -inf, got {lse}"))
}
