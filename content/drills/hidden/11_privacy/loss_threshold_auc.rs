use crate::grade::*;
use crate::learner::{advantage_at, attack_auc};

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "AUC counts member-below-non-member pairs (ties ½) over all pairs, and the advantage is TPR − FPR, on the contract's numbers", run: contract_by_hand },
    Test { name: "direction_of_the_score", checks: "members with LOWER loss make the attack strong (AUC 1); higher member losses give AUC 0, not 1 (the score is −loss)", run: direction_of_the_score },
    Test { name: "ties_count_half", checks: "a tied pair counts ½, not 0 or 1: all losses equal give AUC exactly 0.5", run: ties_count_half },
    Test { name: "identical_distributions", checks: "members and non-members with the same losses (in any order) give AUC 0.5: the attack learns nothing", run: identical_distributions },
    Test { name: "mixed_by_hand", checks: "a small case with ties and an AUC below 0.5, divided by #members · #non-members", run: mixed_by_hand },
    Test { name: "strict_threshold", checks: "\"member\" means loss < t strictly, so a loss equal to t is predicted non-member; the advantage keeps its sign", run: strict_threshold },
    Test { name: "matches_pair_count", checks: "on random losses with many ties, agrees with counting every pair and with averaging TPR over the non-member losses", run: matches_pair_count },
];

fn auc_case(members: &[f64], nonmembers: &[f64]) -> Case {
    Case::new().input("member_losses", members, &[members.len()]).input("nonmember_losses", nonmembers, &[nonmembers.len()])
}

fn check_auc(members: &[f64], nonmembers: &[f64], want: f64) -> Outcome {
    auc_case(members, nonmembers).scalar("attack_auc", attack_auc(members, nonmembers), want, 1e-12)
}

fn check_advantage(members: &[f64], nonmembers: &[f64], t: f64, want: f64) -> Outcome {
    let c = auc_case(members, nonmembers).input_debug("threshold", &t);
    c.scalar("advantage_at (TPR − FPR)", advantage_at(members, nonmembers, t), want, 1e-12)
}

fn contract_by_hand() -> Outcome {
    // 0.1 < 0.3, 0.5, 0.9: 3. 0.5 vs 0.3: 0, vs 0.5: ½, vs 0.9: 1 → 1.5. AUC = 4.5 / (2·3) = 0.75.
    let m = [0.1, 0.5];
    let n = [0.3, 0.5, 0.9];
    check_auc(&m, &n, 0.75)?;
    // t = 0.5: members below: 0.1 → 1/2; non-members below: 0.3 → 1/3. 1/2 − 1/3 = 1/6.
    check_advantage(&m, &n, 0.5, 1.0 / 6.0)
}

fn direction_of_the_score() -> Outcome {
    // Every member loss (0.1, 0.2) is below every non-member loss (1, 2, 3): 6 of 6 pairs → 1.
    check_auc(&[0.1, 0.2], &[1.0, 2.0, 3.0], 1.0)?;
    // Swapped roles: no member is below any non-member → 0 (an inverted score would say 1).
    check_auc(&[1.0, 2.0, 3.0], &[0.1, 0.2], 0.0)?;
    // Threshold between the groups: TPR 2/2, FPR 0/3 → advantage 1; swapped roles → 0 − 1 = −1.
    check_advantage(&[0.1, 0.2], &[1.0, 2.0, 3.0], 0.5, 1.0)?;
    check_advantage(&[1.0, 2.0, 3.0], &[0.1, 0.2], 0.5, -1.0)
}

fn ties_count_half() -> Outcome {
    // Six tied pairs, ½ each: 3 / 6 = 0.5 (ties as 0 give 0, ties as 1 give 1).
    check_auc(&[1.0, 1.0], &[1.0, 1.0, 1.0], 0.5)?;
    // members [0.5, 0.7], non-members [0.7]: 0.5 < 0.7 → 1, 0.7 = 0.7 → ½. 1.5 / 2 = 0.75
    // (ties as 0: 0.5, ties as 1: 1).
    check_auc(&[0.5, 0.7], &[0.7], 0.75)
}

fn identical_distributions() -> Outcome {
    // Same multiset on both sides: pair (i, j) and pair (j, i) score 1 together ([a < b] + [b < a]
    // or ½ + ½), and the diagonal scores ½ each, so the total is k²/2 and AUC = 0.5.
    let losses = [0.2, 0.7, 0.7, 1.5];
    check_auc(&losses, &losses, 0.5)?;
    check_auc(&losses, &[1.5, 0.7, 0.2, 0.7], 0.5)?;
    // One number each: a single tie → ½.
    check_auc(&[3.0], &[3.0], 0.5)
}

fn mixed_by_hand() -> Outcome {
    // members [0.2, 0.4, 0.4, 1.0], non-members [0.4, 0.6, 0.1]:
    // 0.2: beats 0.4 and 0.6, not 0.1 → 2. Each 0.4: ties 0.4 (½), beats 0.6 (1) → 1.5, twice → 3.
    // 1.0: beats none → 0. Total 5 over 4·3 = 12 pairs → 5/12 (inverted score: 7/12).
    check_auc(&[0.2, 0.4, 0.4, 1.0], &[0.4, 0.6, 0.1], 5.0 / 12.0)?;
    // Unequal sizes: members [1, 3], non-members [2]: 1 < 2 → 1, 3 < 2 → 0. 1 / (2·1) = 0.5.
    check_auc(&[1.0, 3.0], &[2.0], 0.5)
}

fn strict_threshold() -> Outcome {
    let m = [0.1, 0.3, 0.3];
    let n = [0.3, 0.8];
    // t = 0.3: members below: only 0.1 → 1/3; non-members below: none → 0. Advantage 1/3.
    // With ≤ it would be 3/3 − 1/2 = 1/2.
    check_advantage(&m, &n, 0.3, 1.0 / 3.0)?;
    // t = 0.31: 3/3 − 1/2 = 1/2.
    check_advantage(&m, &n, 0.31, 0.5)?;
    // Below everything and above everything: 0 − 0 = 0 and 1 − 1 = 0.
    check_advantage(&m, &n, 0.0, 0.0)?;
    check_advantage(&m, &n, 100.0, 0.0)?;
    // Members [0.5, 0.9], non-members [0.2, 0.6], t = 0.3: TPR 0/2, FPR 1/2 → −0.5 (not 0.5).
    check_advantage(&[0.5, 0.9], &[0.2, 0.6], 0.3, -0.5)
}

/// A small deterministic generator (an LCG), so the cases are the same on every run.
fn next(s: &mut u64) -> u64 {
    *s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *s >> 33
}

fn matches_pair_count() -> Outcome {
    let mut s: u64 = 99;
    for round in 0..60 {
        let km = 1 + round % 7;
        let kn = 1 + (round / 7) % 5;
        // Losses on a grid of tenths, so ties are common and exact.
        let m: Vec<f64> = (0..km).map(|_| (next(&mut s) % 8) as f64 / 10.0).collect();
        let n: Vec<f64> = (0..kn).map(|_| (next(&mut s) % 8) as f64 / 10.0).collect();
        // Pair counting straight from the definition.
        let mut wins = 0.0;
        for &a in &m {
            for &b in &n {
                wins += if a < b { 1.0 } else if a == b { 0.5 } else { 0.0 };
            }
        }
        let want = wins / (km * kn) as f64;
        let c = auc_case(&m, &n);
        let got = attack_auc(&m, &n);
        c.scalar("attack_auc", got, want, 1e-12)?;
        // The same AUC as the average over non-member losses b of TPR at b, with ties split:
        // TPR(loss < b) + ½·(fraction of members with loss = b).
        let avg = n
            .iter()
            .map(|&b| {
                let below = m.iter().filter(|&&a| a < b).count() as f64;
                let equal = m.iter().filter(|&&a| a == b).count() as f64;
                (below + 0.5 * equal) / km as f64
            })
            .sum::<f64>()
            / kn as f64;
        c.scalar("attack_auc against the mean over non-members of TPR at their loss", got, avg, 1e-12)?;
    }
    Ok(())
}
