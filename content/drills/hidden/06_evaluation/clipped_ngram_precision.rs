use crate::grade::*;
use crate::learner::clipped_ngram_precision;

pub const TESTS: &[Test] = &[
    Test { name: "papineni_example", checks: "seven 'the' against two references score 2/7: counts are clipped", run: papineni_example },
    Test { name: "hand_checked_orders", checks: "n = 1…4 on a one-reference sentence pair worked by hand", run: hand_checked_orders },
    Test { name: "clip_is_max_over_single_references", checks: "the clip is the max count in any ONE reference (not the sum), chosen separately for each n-gram", run: clip_is_max_over_single_references },
    Test { name: "order_matters", checks: "n-grams are contiguous and ordered: 'cat the' does not match 'the cat'", run: order_matters },
    Test { name: "short_and_empty", checks: "empty or shorter-than-n hypotheses give (0, 0); no references means no matches", run: short_and_empty },
    Test { name: "matches_occurrence_counting", checks: "on random sentences, agrees with 'the k-th occurrence of an n-gram matches iff some reference has it k times'", run: matches_occurrence_counting },
];

fn toks(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

fn check(hyp: &str, refs: &[&str], n: usize, want: (usize, usize)) -> Outcome {
    let h = toks(hyp);
    let r: Vec<Vec<&str>> = refs.iter().map(|x| toks(x)).collect();
    let c = Case::new().input_debug("hyp", &h).input_debug("refs", &r).input_debug("n", &n);
    c.equal("(matches, total)", &clipped_ngram_precision(&h, &r, n), &want)
}

fn papineni_example() -> Outcome {
    let refs = ["the cat is on the mat", "there is a cat on the mat"];
    let hyp = "the the the the the the the";
    // 'the' × 7 in the hypothesis; reference 1 has it twice, reference 2 once → clip 2.
    check(hyp, &refs, 1, (2, 7))?;
    // The bigram 'the the' is in neither reference: 0 of 6.
    check(hyp, &refs, 2, (0, 6))
}

fn hand_checked_orders() -> Outcome {
    let (h, r) = ("the cat sat on the mat", ["the cat is on the mat"]);
    check(h, &r, 1, (5, 6))?; // the×2, cat, on, mat match; sat does not
    check(h, &r, 2, (3, 5))?; // the cat, on the, the mat
    check(h, &r, 3, (1, 4))?; // on the mat
    check(h, &r, 4, (0, 3))
}

fn clip_is_max_over_single_references() -> Outcome {
    // 'a' once in each reference: the clip is 1, not 1 + 1.
    check("a a a", &["a b", "a c"], 1, (1, 3))?;
    // One reference with 'a' twice is enough for two matches.
    check("a a a", &["a a b", "a"], 1, (2, 3))?;
    // 'a' takes its clip (2) from the first reference, 'b' its clip (2) from the second.
    check("a b a b", &["a a", "b b"], 1, (4, 4))?;
    // Bigrams: 'x y' twice in the hypothesis, once in reference 1, twice in reference 2.
    check("x y x y", &["x y z", "x y w x y"], 2, (2, 3))
}

fn order_matters() -> Outcome {
    check("cat the mat", &["the cat mat"], 1, (3, 3))?;
    check("cat the mat", &["the cat mat"], 2, (0, 2))
}

fn short_and_empty() -> Outcome {
    for n in 1..=4 {
        check("", &["the cat"], n, (0, 0))?;
    }
    check("the cat", &["the cat sat"], 3, (0, 0))?;
    check("the cat sat", &["the cat sat"], 3, (1, 1))?;
    check("the cat sat", &[], 1, (0, 3))?;
    check("the cat sat", &["the cat"], 3, (0, 1))
}

/// Independent formulation: walk the hypothesis; the n-gram at position i is its k-th
/// occurrence so far, and it matches iff some reference contains it at least k times.
fn by_occurrence(h: &[&str], refs: &[Vec<&str>], n: usize) -> (usize, usize) {
    if h.len() < n {
        return (0, 0);
    }
    let occurrences = |s: &[&str], g: &[&str]| (0..(s.len() + 1).saturating_sub(n)).filter(|&j| &s[j..j + n] == g).count();
    let total = h.len() - n + 1;
    let mut matches = 0;
    for i in 0..total {
        let g = &h[i..i + n];
        let k = occurrences(&h[..i + n], g);
        if refs.iter().any(|r| occurrences(r, g) >= k) {
            matches += 1;
        }
    }
    (matches, total)
}

/// A small deterministic generator (an LCG), so the cases are the same on every run.
fn rand(s: &mut u64) -> usize {
    *s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (*s >> 33) as usize
}

/// Up to `max` words, mostly a, b, c (so n-grams repeat), sometimes d.
fn sentence(s: &mut u64, max: usize) -> Vec<&'static str> {
    let len = rand(s) % (max + 1);
    (0..len).map(|_| if rand(s) % 5 == 0 { "d" } else { ["a", "b", "c"][rand(s) % 3] }).collect()
}

fn matches_occurrence_counting() -> Outcome {
    let mut s: u64 = 5;
    for _ in 0..150 {
        let h = sentence(&mut s, 9);
        let nrefs = rand(&mut s) % 4;
        let refs: Vec<Vec<&str>> = (0..nrefs).map(|_| sentence(&mut s, 9)).collect();
        let n = 1 + rand(&mut s) % 4;
        let c = Case::new().input_debug("hyp", &h).input_debug("refs", &refs).input_debug("n", &n);
        c.equal("(matches, total)", &clipped_ngram_precision(&h, &refs, n), &by_occurrence(&h, &refs, n))?;
    }
    Ok(())
}
