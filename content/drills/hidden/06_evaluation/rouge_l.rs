use crate::grade::*;
use crate::learner::{lcs_len, rouge_l};

pub const TESTS: &[Test] = &[
    Test { name: "lin_examples", checks: "Lin's examples: 'police kill the gunman' scores 3/4 and 'the gunman kill police' 2/4 against 'police killed the gunman'", run: lin_examples },
    Test { name: "gaps_are_allowed", checks: "the LCS is a subsequence with gaps, not a contiguous substring (CLRS: ABCBDAB vs BDCABA has LCS 4)", run: gaps_are_allowed },
    Test { name: "precision_recall_f1", checks: "P divides by the hypothesis length, R by the reference length, F1 = 2PR/(P+R)", run: precision_recall_f1 },
    Test { name: "empty_and_disjoint", checks: "an empty side or no shared token gives (0, 0, 0), not NaN", run: empty_and_disjoint },
    Test { name: "matches_brute_force_lcs", checks: "lcs_len equals the longest subsequence found by enumerating all subsequences, on every short a/b/c pair sampled", run: matches_brute_force_lcs },
];

fn toks(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

fn check_lcs(a: &str, b: &str, want: usize) -> Outcome {
    let (x, y) = (toks(a), toks(b));
    let c = Case::new().input_debug("a", &x).input_debug("b", &y);
    c.equal("lcs_len(a, b)", &lcs_len(&x, &y), &want)
}

fn check_rouge(hyp: &str, reference: &str, want: (f64, f64, f64)) -> Outcome {
    let (h, r) = (toks(hyp), toks(reference));
    let c = Case::new().input_debug("hyp", &h).input_debug("reference", &r);
    let (p, rc, f) = rouge_l(&h, &r);
    c.close("(precision, recall, F1)", &[p, rc, f], &[want.0, want.1, want.2], &[3], 1e-12)
}

fn lin_examples() -> Outcome {
    let s1 = "police killed the gunman";
    check_lcs(s1, "police kill the gunman", 3)?; // police … the gunman
    check_rouge("police kill the gunman", s1, (0.75, 0.75, 0.75))?;
    check_lcs(s1, "the gunman kill police", 2)?; // the gunman
    check_rouge("the gunman kill police", s1, (0.5, 0.5, 0.5))
}

fn gaps_are_allowed() -> Outcome {
    check_lcs("a b c d", "a x c y d", 3)?; // a c d; the longest common substring is only 1
    check_lcs("A B C B D A B", "B D C A B A", 4)?; // e.g. B C B A
    check_lcs("the cat sat on the mat", "the cat on the mat sat", 5)
}

fn precision_recall_f1() -> Outcome {
    // LCS 'the cat' = 2: P = 2/2, R = 2/4, F1 = 2·1·0.5 / 1.5 = 2/3.
    check_rouge("the cat", "the black cat sat", (1.0, 0.5, 2.0 / 3.0))?;
    // The other way round: P and R swap, F1 is symmetric.
    check_rouge("the black cat sat", "the cat", (0.5, 1.0, 2.0 / 3.0))?;
    // LCS 'a c' = 2 of hyp length 5 and reference length 3: P = 0.4, R = 2/3, F1 = 0.5.
    check_rouge("a x c y z", "a b c", (0.4, 2.0 / 3.0, 0.5))
}

fn empty_and_disjoint() -> Outcome {
    check_lcs("", "a b", 0)?;
    check_lcs("a b", "", 0)?;
    check_rouge("", "a b", (0.0, 0.0, 0.0))?;
    check_rouge("a b", "", (0.0, 0.0, 0.0))?;
    check_rouge("", "", (0.0, 0.0, 0.0))?;
    check_rouge("x y z", "a b", (0.0, 0.0, 0.0))
}

/// Brute force: try every subset of positions of `a` (longest first) and test whether that
/// subsequence occurs in `b` by a greedy scan.
fn brute_lcs(a: &[&str], b: &[&str]) -> usize {
    let mut best = 0;
    for mask in 0u32..(1 << a.len()) {
        let sub: Vec<&str> = (0..a.len()).filter(|&i| mask >> i & 1 == 1).map(|i| a[i]).collect();
        if sub.len() <= best {
            continue;
        }
        let mut it = b.iter();
        if sub.iter().all(|w| it.any(|x| x == w)) {
            best = sub.len();
        }
    }
    best
}

fn matches_brute_force_lcs() -> Outcome {
    let mut s: u64 = 77;
    let mut word = |s: &mut u64| {
        *s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*s >> 33) as usize
    };
    for _ in 0..300 {
        let la = word(&mut s) % 8;
        let lb = word(&mut s) % 8;
        let a: Vec<&str> = (0..la).map(|_| ["a", "b", "c"][word(&mut s) % 3]).collect();
        let b: Vec<&str> = (0..lb).map(|_| ["a", "b", "c"][word(&mut s) % 3]).collect();
        let want = brute_lcs(&a, &b);
        let c = Case::new().input_debug("a", &a).input_debug("b", &b);
        c.equal("lcs_len(a, b)", &lcs_len(&a, &b), &want)?;
        c.equal("lcs_len(b, a)", &lcs_len(&b, &a), &want)?;
        if want > 0 {
            let (p, r) = (want as f64 / la as f64, want as f64 / lb as f64);
            let (gp, gr, gf) = rouge_l(&a, &b);
            let c = Case::new().input_debug("hyp", &a).input_debug("reference", &b);
            c.close("(precision, recall, F1)", &[gp, gr, gf], &[p, r, 2.0 * p * r / (p + r)], &[3], 1e-12)?;
        }
    }
    Ok(())
}
