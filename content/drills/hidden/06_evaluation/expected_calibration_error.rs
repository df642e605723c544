use crate::grade::*;
use crate::learner::{ece_bin, expected_calibration_error};

pub const TESTS: &[Test] = &[
    Test { name: "hand_checked", checks: "ECE = Σ (n_b/N)·|acc − conf| on two small cases worked by hand, edge values included", run: hand_checked },
    Test { name: "bin_edges", checks: "bin b is (b/M, (b+1)/M]: an edge goes to the lower bin, 0 to bin 0, 1 to bin M − 1 (not floor(c·M))", run: bin_edges },
    Test { name: "weighted_by_bin_size", checks: "each bin's gap is weighted by n_b/N, not averaged over bins", run: weighted_by_bin_size },
    Test { name: "extremes", checks: "calibrated data gives 0, confidently wrong data 1, and M = 1 gives |accuracy − mean confidence|", run: extremes },
    Test { name: "empty_inputs_and_bins", checks: "empty bins add nothing and no input at all gives 0.0, not NaN", run: empty_inputs_and_bins },
    Test { name: "matches_per_bin_sums", checks: "on random data, agrees with Σ_b |Σ_{i∈b} (correct_i − c_i)| / N using explicit interval tests", run: matches_per_bin_sums },
];

fn check(conf: &[f64], correct: &[bool], bins: usize, want: f64) -> Outcome {
    let c = Case::new().input("confidence", conf, &[conf.len()]).input_debug("correct", &correct).input_debug("bins", &bins);
    c.scalar("expected_calibration_error", expected_calibration_error(conf, correct, bins), want, 1e-12)
}

fn hand_checked() -> Outcome {
    // The contract: bins (0, .5] = {0.2 ✓, 0.4 ✗}, (.5, 1] = {0.9 ✓, 0.9 ✓}.
    check(&[0.2, 0.4, 0.9, 0.9], &[true, false, true, true], 2, 0.15)?;
    // M = 4. Bin 0 (0, .25] ∪ {0}: 0.25 ✓, 0.0 ✗ → |0.5 − 0.125| = 0.375;
    // bin 1 (.25, .5]: 0.5 ✗, 0.3 ✓ → |0.5 − 0.4| = 0.1; bin 2 (.5, .75]: 0.75 ✓, 0.6 ✗ →
    // |0.5 − 0.675| = 0.175; bin 3 (.75, 1]: 1.0 ✓ → 0. ECE = 2·(0.375 + 0.1 + 0.175) / 7 = 1.3 / 7.
    let conf = [0.25, 0.5, 0.75, 1.0, 0.0, 0.6, 0.3];
    let correct = [true, false, true, true, false, false, true];
    check(&conf, &correct, 4, 1.3 / 7.0)
}

fn bin(c: f64, m: usize, want: usize) -> Outcome {
    let case = Case::new().input_debug("confidence", &c).input_debug("bins", &m);
    case.equal("ece_bin(confidence, bins)", &ece_bin(c, m), &want)
}

fn bin_edges() -> Outcome {
    for (c, want) in [(0.0, 0), (0.1, 0), (0.25, 0), (0.2500001, 1), (0.5, 1), (0.75, 2), (0.76, 3), (1.0, 3)] {
        bin(c, 4, want)?;
    }
    for c in [0.0, 0.4, 1.0] {
        bin(c, 1, 0)?;
    }
    for (c, want) in [(0.05, 0), (0.55, 5), (0.95, 9), (1.0, 9)] {
        bin(c, 10, want)?;
    }
    Ok(())
}

fn weighted_by_bin_size() -> Outcome {
    // M = 2. Bin 1: eight at 0.75, six right → acc 0.75, gap 0. Bin 0: two at 0.25, both right →
    // gap 0.75. Weighted: 2/10 · 0.75 = 0.15 (the plain mean over bins would be 0.375).
    let mut conf = vec![0.75; 8];
    let mut correct = vec![true, true, true, false, true, true, false, true];
    conf.extend([0.25, 0.25]);
    correct.extend([true, true]);
    check(&conf, &correct, 2, 0.15)
}

fn extremes() -> Outcome {
    // Calibrated: bin (0.75, 1] holds five at 0.8 with four right.
    check(&[0.8; 5], &[true, true, false, true, true], 4, 0.0)?;
    check(&[1.0; 3], &[true; 3], 10, 0.0)?;
    check(&[1.0; 3], &[false; 3], 10, 1.0)?;
    // One bin: |2/3 − (0.2 + 0.6 + 0.9)/3| = |20/30 − 17/30| = 0.1.
    check(&[0.2, 0.6, 0.9], &[true, true, false], 1, 0.1)
}

fn empty_inputs_and_bins() -> Outcome {
    check(&[], &[], 10, 0.0)?;
    // Fifteen bins, all the data in bin 9 ((0.6, 0.6667]): |0.5 − 0.65| = 0.15.
    check(&[0.65, 0.65], &[true, false], 15, 0.15)
}

/// Independent formulation: n_b/N · |acc − conf| = |Σ_{i∈b} (correct_i − c_i)| / N, with bin
/// membership by explicit interval tests.
fn by_intervals(conf: &[f64], correct: &[bool], m: usize) -> f64 {
    let mut total = 0.0;
    for b in 0..m {
        let (lo, hi) = (b as f64 / m as f64, (b + 1) as f64 / m as f64);
        let gap: f64 = conf
            .iter()
            .zip(correct)
            .filter(|(&c, _)| (c > lo && c <= hi) || (c == 0.0 && b == 0))
            .map(|(&c, &ok)| if ok { 1.0 - c } else { -c })
            .sum();
        total += gap.abs();
    }
    total / conf.len() as f64
}

fn matches_per_bin_sums() -> Outcome {
    let mut s: u64 = 4242;
    let mut next = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    for m in [3usize, 5, 10, 15] {
        for len in [1usize, 7, 40] {
            let mut conf = Vec::new();
            let mut correct = Vec::new();
            while conf.len() < len {
                let c = next();
                // Stay clear of bin edges, where rounding in c·M could legitimately differ.
                if (c * m as f64 - (c * m as f64).round()).abs() < 1e-9 {
                    continue;
                }
                conf.push(c);
                // Right with probability about c², so the model is overconfident.
                correct.push(next() < c * c);
            }
            check(&conf, &correct, m, by_intervals(&conf, &correct, m))?;
        }
    }
    Ok(())
}
