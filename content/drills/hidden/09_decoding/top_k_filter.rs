use crate::grade::*;
use crate::learner::top_k_filter;

pub const TESTS: &[Test] = &[
    Test { name: "keeps_the_k_largest", checks: "the k largest logits survive unchanged, the rest become -inf", run: keeps_the_k_largest },
    Test { name: "ties_at_the_boundary", checks: "exactly k survive: a tie at the cut keeps the lower indices (a threshold 'z >= k-th largest' keeps too many)", run: ties_at_the_boundary },
    Test { name: "k_one_is_greedy", checks: "k = 1 leaves only the argmax (the first one on ties)", run: k_one_is_greedy },
    Test { name: "large_k_and_zero_keep_all", checks: "k >= vocabulary size and k = 0 (filter off) return the logits unchanged", run: large_k_and_zero_keep_all },
    Test { name: "matches_ranking_by_counting", checks: "on many rows with repeats, token i survives iff fewer than k tokens rank above it", run: matches_ranking_by_counting },
];

const NEG: f64 = f64::NEG_INFINITY;

fn check(z: &[f64], k: usize, want: &[f64]) -> Outcome {
    let c = Case::new().input("logits", z, &[z.len()]).input_debug("k", &k);
    // Exact comparison: survivors are returned unchanged and the rest are exactly -inf.
    c.equal(&format!("top_k_filter(logits, {k})"), &top_k_filter(z, k), &want.to_vec())
}

fn keeps_the_k_largest() -> Outcome {
    check(&[1.0, 3.0, -2.0, 2.0, 0.5], 2, &[NEG, 3.0, NEG, 2.0, NEG])?;
    check(&[1.0, 3.0, -2.0, 2.0, 0.5], 3, &[1.0, 3.0, NEG, 2.0, NEG])?;
    // All negative: the survivors are the least negative.
    check(&[-4.0, -1.0, -3.0, -2.0], 2, &[NEG, -1.0, NEG, -2.0])
}

fn ties_at_the_boundary() -> Outcome {
    // Three logits tie at 2.0 for two places: indices 0 and 2 win, index 3 is cut.
    check(&[2.0, 1.0, 2.0, 2.0, 0.0], 2, &[2.0, NEG, 2.0, NEG, NEG])?;
    // 5.0 is certain; 1.0 ties four ways for the last two places.
    check(&[1.0, 5.0, 1.0, 1.0, 1.0], 3, &[1.0, 5.0, 1.0, NEG, NEG])?;
    check(&[0.0; 4], 1, &[0.0, NEG, NEG, NEG])
}

fn k_one_is_greedy() -> Outcome {
    check(&[0.3, -1.0, 0.9, 0.9], 1, &[NEG, NEG, 0.9, NEG])?;
    check(&[-2.0, -5.0], 1, &[-2.0, NEG])
}

fn large_k_and_zero_keep_all() -> Outcome {
    let z = [0.5, -1.5, 2.0, NEG];
    check(&z, 4, &z)?;
    check(&z, 10, &z)?;
    check(&z, 0, &z)
}

/// Independent formulation: token i ranks behind every j with z_j > z_i, or z_j == z_i and j < i;
/// it survives iff fewer than k tokens rank ahead of it.
fn by_counting(z: &[f64], k: usize) -> Vec<f64> {
    (0..z.len())
        .map(|i| {
            let ahead = (0..z.len()).filter(|&j| z[j] > z[i] || (z[j] == z[i] && j < i)).count();
            if ahead < k { z[i] } else { NEG }
        })
        .collect()
}

fn matches_ranking_by_counting() -> Outcome {
    let mut s: u64 = 99;
    for len in 1..=10 {
        for k in 1..=len {
            let z: Vec<f64> = (0..len)
                .map(|_| {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((s >> 33) % 6) as f64 * 0.5 - 1.0
                })
                .collect();
            check(&z, k, &by_counting(&z, k))?;
            let kept = top_k_filter(&z, k).iter().filter(|x| **x > NEG).count();
            let c = Case::new().input("logits", &z, &[len]).input_debug("k", &k);
            c.equal("number of finite logits left", &kept, &k)?;
        }
    }
    Ok(())
}
