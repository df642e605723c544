use crate::grade::*;
use crate::learner::greedy_token;

pub const TESTS: &[Test] = &[
    Test { name: "picks_the_largest", checks: "the answer is the index of the largest logit", run: picks_the_largest },
    Test { name: "largest_at_either_end", checks: "the first and the last position can win (no off-by-one in the scan)", run: largest_at_either_end },
    Test { name: "all_negative", checks: "negative logits work: the running best must start from the first logit, not from 0.0", run: all_negative },
    Test { name: "ties_go_to_lowest_index", checks: "on ties the lowest index wins (Rust's max_by returns the LAST maximum)", run: ties_go_to_lowest_index },
    Test { name: "masked_logits", checks: "-inf (masked) logits never win unless everything is masked, then index 0", run: masked_logits },
    Test { name: "matches_a_brute_force", checks: "agrees with 'the first i such that no logit is larger' on many rows with repeats", run: matches_a_brute_force },
];

fn check(z: &[f64], want: usize) -> Outcome {
    let c = Case::new().input("logits", z, &[z.len()]);
    c.equal("greedy_token(logits)", &greedy_token(z), &want)
}

fn picks_the_largest() -> Outcome {
    check(&[0.1, 2.5, -1.0, 0.7], 1)?;
    check(&[3.0, 1.0, 4.0, 1.5, 2.0], 2)
}

fn largest_at_either_end() -> Outcome {
    check(&[9.0, 1.0, 4.0], 0)?;
    check(&[1.0, 4.0, 9.0], 2)?;
    check(&[-2.0], 0)
}

fn all_negative() -> Outcome {
    check(&[-3.0, -1.0, -2.0], 1)?;
    check(&[-10.0, -20.0, -0.5], 2)
}

fn ties_go_to_lowest_index() -> Outcome {
    check(&[1.0, 3.0, 3.0, 0.0, 3.0], 1)?;
    check(&[0.25; 6], 0)?;
    check(&[-1.0, 2.0, -1.0, 2.0], 1)
}

fn masked_logits() -> Outcome {
    let inf = f64::NEG_INFINITY;
    check(&[inf, inf, -5.0, inf], 2)?;
    check(&[inf, inf, inf], 0)
}

/// Brute force: the first i such that no logit is strictly larger than z_i.
fn brute(z: &[f64]) -> usize {
    (0..z.len()).find(|&i| z.iter().all(|&x| x <= z[i])).unwrap()
}

fn matches_a_brute_force() -> Outcome {
    let mut s: u64 = 12345;
    for len in 1..=12 {
        for _ in 0..5 {
            // Values drawn from a handful of levels so that ties are common.
            let z: Vec<f64> = (0..len)
                .map(|_| {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((s >> 33) % 5) as f64 - 3.0
                })
                .collect();
            check(&z, brute(&z))?;
        }
    }
    Ok(())
}
