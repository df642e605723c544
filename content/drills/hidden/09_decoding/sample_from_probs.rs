use crate::grade::*;
use crate::learner::sample_from_probs;

pub const TESTS: &[Test] = &[
    Test { name: "hand_checked", checks: "returns the first index whose cumulative probability exceeds u", run: hand_checked },
    Test { name: "boundaries_are_strict", checks: "u equal to a cumulative sum C_i belongs to the next token (C_i > u, not >=), on exact dyadic sums", run: boundaries_are_strict },
    Test { name: "grid_counts_match_probs", checks: "over a fine uniform grid of u each token is chosen about N·p_i times, and the index never decreases as u grows", run: grid_counts_match_probs },
    Test { name: "zero_probability_never_chosen", checks: "tokens with p = 0 are never returned, not even for u = 0 or u just below 1", run: zero_probability_never_chosen },
    Test { name: "rounding_fall_through", checks: "if the probabilities sum to a hair under u, the last token with mass is returned (no panic, no zero-mass token)", run: rounding_fall_through },
];

fn check(p: &[f64], u: f64, want: usize) -> Outcome {
    let c = Case::new().input("probs", p, &[p.len()]).input_debug("u", &u);
    c.equal("sample_from_probs(probs, u)", &sample_from_probs(p, u), &want)
}

fn hand_checked() -> Outcome {
    // C = 0.2, 0.7, 1.0.
    let p = [0.2, 0.5, 0.3];
    for (u, want) in [(0.0, 0), (0.1, 0), (0.6, 1), (0.75, 2), (0.999, 2)] {
        check(&p, u, want)?;
    }
    check(&[1.0], 0.0, 0)?;
    check(&[1.0], 0.9, 0)
}

fn boundaries_are_strict() -> Outcome {
    // C = 0.25, 0.75, 1.0, all exact in binary.
    let p = [0.25, 0.5, 0.25];
    for (u, want) in [(0.2499, 0), (0.25, 1), (0.7499, 1), (0.75, 2)] {
        check(&p, u, want)?;
    }
    Ok(())
}

fn grid_counts_match_probs() -> Outcome {
    let p = [0.1, 0.35, 0.05, 0.3, 0.2];
    let n = 1000;
    let mut counts = vec![0usize; p.len()];
    let mut prev = 0;
    for j in 0..n {
        let u = (j as f64 + 0.5) / n as f64;
        let i = sample_from_probs(&p, u);
        let c = Case::new().input("probs", &p, &[p.len()]).input_debug("u", &u);
        c.holds(i < p.len(), &format!("index {i} is out of range"))?;
        c.holds(i >= prev, &format!("index {i} at u = {u} is below {prev} at a smaller u: the CDF cannot go down"))?;
        prev = i;
        counts[i] += 1;
    }
    // Midpoints of N equal cells: an interval of length p_i holds N·p_i of them, give or take one.
    let want: Vec<f64> = p.iter().map(|q| q * n as f64).collect();
    let worst = counts.iter().zip(&want).map(|(&k, w)| (k as f64 - w).abs()).fold(0.0, f64::max);
    let c = Case::new().input("probs", &p, &[p.len()]).input_debug("u", &"(j + 0.5) / 1000 for j in 0..1000");
    c.holds(worst <= 1.0, &format!("token counts {counts:?} differ from N·p = {want:?} by up to {worst} (allowed: 1)"))
}

fn zero_probability_never_chosen() -> Outcome {
    let p = [0.0, 0.5, 0.0, 0.0, 0.5, 0.0];
    check(&p, 0.0, 1)?;
    check(&p, 0.5, 4)?;
    check(&p, 1.0 - f64::EPSILON / 2.0, 4)?;
    for j in 0..200 {
        let u = j as f64 / 200.0;
        let i = sample_from_probs(&p, u);
        let c = Case::new().input("probs", &p, &[p.len()]).input_debug("u", &u);
        c.holds(i < p.len() && p[i] > 0.0, &format!("returned token {i}, which has probability 0"))?;
    }
    Ok(())
}

fn rounding_fall_through() -> Outcome {
    // Ten times 0.1 adds up to 0.9999999999999999 = 1 - 2^-53, the largest u below 1: no C_i > u.
    let u = 1.0 - f64::EPSILON / 2.0;
    let mut p = vec![0.1; 10];
    check(&p, u, 9)?;
    p.push(0.0);
    check(&p, u, 9)
}
