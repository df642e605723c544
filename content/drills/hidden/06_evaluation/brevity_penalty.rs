use crate::grade::*;
use crate::learner::{brevity_penalty, closest_ref_len, corpus_brevity_penalty};

pub const TESTS: &[Test] = &[
    Test { name: "hand_checked_penalty", checks: "BP = exp(1 - r/c) for hypotheses shorter than the reference", run: hand_checked_penalty },
    Test { name: "no_penalty_when_long_enough", checks: "c >= r gives exactly 1: a longer hypothesis is not rewarded (exp(1 - r/c) > 1 there)", run: no_penalty_when_long_enough },
    Test { name: "zero_length_hypothesis", checks: "c = 0 < r gives 0 and c = r = 0 gives 1, with no NaN or panic", run: zero_length_hypothesis },
    Test { name: "closest_reference", checks: "r is the closest reference length (not the shortest, not the first); ties go to the shorter in any order", run: closest_reference },
    Test { name: "corpus_sums_first", checks: "corpus BP sums c and per-segment closest r before one penalty; it is not the mean of sentence BPs", run: corpus_sums_first },
];

fn bp(c: usize, r: usize, want: f64) -> Outcome {
    let case = Case::new().input_debug("c", &c).input_debug("r", &r);
    case.scalar("brevity_penalty(c, r)", brevity_penalty(c, r), want, 1e-12)
}

fn hand_checked_penalty() -> Outcome {
    bp(5, 7, (-0.4f64).exp())?; // 1 - 7/5 = -0.4 → 0.670320
    bp(9, 12, (-1.0f64 / 3.0).exp())?; // 1 - 12/9 = -1/3 → 0.716531
    bp(1, 4, (-3.0f64).exp()) // 1 - 4 = -3 → 0.049787
}

fn no_penalty_when_long_enough() -> Outcome {
    bp(7, 7, 1.0)?;
    bp(12, 10, 1.0)?; // the formula alone would give exp(1/6) = 1.18
    bp(1, 0, 1.0)
}

fn zero_length_hypothesis() -> Outcome {
    bp(0, 5, 0.0)?;
    bp(0, 0, 1.0)
}

fn closest(c: usize, refs: &[usize], want: usize) -> Outcome {
    let case = Case::new().input_debug("hyp_len", &c).input_debug("ref_lens", &refs);
    case.equal("closest_ref_len(hyp_len, ref_lens)", &closest_ref_len(c, refs), &want)
}

fn closest_reference() -> Outcome {
    closest(6, &[3, 7, 10], 7)?;
    closest(10, &[4, 6], 6)?; // both shorter: the closer, not the shortest
    closest(5, &[9, 5, 1], 5)?;
    closest(3, &[2, 4], 2)?; // tie at distance 1: shorter
    closest(3, &[4, 2], 2)?; // same tie in the other order
    closest(8, &[11, 5, 13, 10], 10)?; // 5 and 11 tie at 3, but 10 is closer still
    closest(4, &[9], 9)
}

fn corpus_sums_first() -> Outcome {
    let case = |h: &[usize], r: &[Vec<usize>]| Case::new().input_debug("hyp_lens", &h.to_vec()).input_debug("ref_lens", &r.to_vec());
    // Sentence BPs 1 and exp(1 - 4/2) = e^-1 average to 0.684; the corpus BP uses c = 12,
    // r = 14: exp(1 - 14/12) = exp(-1/6) = 0.846482.
    let (h, r) = ([10, 2], vec![vec![10], vec![4]]);
    case(&h, &r).scalar("corpus_brevity_penalty", corpus_brevity_penalty(&h, &r), (-1.0f64 / 6.0).exp(), 1e-12)?;
    // Segment 1 (c = 3) ties between 2 and 4 → 2; segment 2 (c = 4) has only 7.
    // c = 7, r = 9: exp(1 - 9/7) = exp(-2/7) = 0.751477.
    let (h, r) = ([3, 4], vec![vec![4, 2], vec![7]]);
    case(&h, &r).scalar("corpus_brevity_penalty", corpus_brevity_penalty(&h, &r), (-2.0f64 / 7.0).exp(), 1e-12)?;
    // Each segment picks its own closest length: 5 (for 6) and 3 (for 3), r = 8 ≤ c = 9 → 1.
    let (h, r) = ([6, 3], vec![vec![5, 9], vec![1, 3, 8]]);
    case(&h, &r).scalar("corpus_brevity_penalty", corpus_brevity_penalty(&h, &r), 1.0, 1e-12)
}
