use crate::grade::*;
use crate::learner::{bpe_merge_step, merge_pair, most_frequent_pair};

pub const TESTS: &[Test] = &[
    Test { name: "sennrich_example", checks: "on the low/lower/newest/widest corpus the first merge is (e, s) with count 9 (tied with (s, t), smaller pair wins)", run: sennrich_example },
    Test { name: "counts_weighted_by_frequency", checks: "a pair counts once per occurrence times the word's frequency, not once per distinct word", run: counts_weighted_by_frequency },
    Test { name: "overlapping_positions_count", checks: "\"a a a\" holds the pair (a, a) at two positions, so it counts 2 per occurrence of the word", run: overlapping_positions_count },
    Test { name: "ties_go_to_the_smallest_pair", checks: "equal counts go to the smallest (left, right), left compared first, whatever the corpus order", run: ties_go_to_the_smallest_pair },
    Test { name: "merge_left_to_right", checks: "\"a a a\" with (a, a) → \"aa a\" and \"a a a a\" → \"aa aa\": a merged symbol is not merged again in the same pass", run: merge_left_to_right },
    Test { name: "merge_respects_symbol_boundaries", checks: "a pair is two whole adjacent symbols: [\"a\", \"bc\"] does not contain (\"ab\", \"c\")", run: merge_respects_symbol_boundaries },
    Test { name: "nothing_to_merge", checks: "words of one symbol, or no words at all, give None from both the pair search and the step", run: nothing_to_merge },
];

fn w(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn corpus(words: &[(&str, usize)]) -> Vec<(Vec<String>, usize)> {
    words.iter().map(|&(s, f)| (w(s), f)).collect()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

fn sennrich_example() -> Outcome {
    let c0 = corpus(&[("l o w", 5), ("l o w e r", 2), ("n e w e s t", 6), ("w i d e s t", 3)]);
    let c = Case::new().input_debug("words", &c0);
    // (l,o) 5+2 = 7, (o,w) 7, (w,e) 2+6 = 8, (e,r) 2, (n,e) 6, (e,w) 6, (e,s) 6+3 = 9,
    // (s,t) 6+3 = 9, (w,i) 3, (i,d) 3, (d,e) 3. Best count 9: (e,s) < (s,t).
    c.equal("most_frequent_pair", &most_frequent_pair(&c0), &Some((pair("e", "s"), 9)))?;
    let want = corpus(&[("l o w", 5), ("l o w e r", 2), ("n e w es t", 6), ("w i d es t", 3)]);
    c.equal("bpe_merge_step", &bpe_merge_step(&c0), &Some((pair("e", "s"), want)))
}

fn counts_weighted_by_frequency() -> Outcome {
    // (a,b): 1 + 3 = 4 (in two words); (c,d): 5 (in one word, frequency 5); (b,x): 3.
    let c0 = corpus(&[("a b", 1), ("c d", 5), ("a b x", 3)]);
    let c = Case::new().input_debug("words", &c0);
    c.equal("most_frequent_pair", &most_frequent_pair(&c0), &Some((pair("c", "d"), 5)))?;
    let c1 = corpus(&[("a b", 1), ("c d", 5), ("a b x", 3), ("a b", 2)]);
    // Now (a,b): 1 + 3 + 2 = 6 (a word may repeat; its frequencies add up).
    let c = Case::new().input_debug("words", &c1);
    c.equal("most_frequent_pair", &most_frequent_pair(&c1), &Some((pair("a", "b"), 6)))
}

fn overlapping_positions_count() -> Outcome {
    // (a,a) at positions 0–1 and 1–2 of "a a a": 2 × 2 = 4; (b,c): 3.
    let c0 = corpus(&[("b c", 3), ("a a a", 2)]);
    let c = Case::new().input_debug("words", &c0);
    c.equal("most_frequent_pair", &most_frequent_pair(&c0), &Some((pair("a", "a"), 4)))?;
    let want = corpus(&[("b c", 3), ("aa a", 2)]);
    c.equal("bpe_merge_step", &bpe_merge_step(&c0), &Some((pair("a", "a"), want)))
}

fn ties_go_to_the_smallest_pair() -> Outcome {
    // (y,z), (b,c), (b,a) all 3: (b,a) is smallest; the corpus lists it last.
    let c0 = corpus(&[("y z", 3), ("b c", 3), ("b a", 3)]);
    let c = Case::new().input_debug("words", &c0);
    c.equal("most_frequent_pair", &most_frequent_pair(&c0), &Some((pair("b", "a"), 3)))?;
    // Left symbols first: "a" < "ab", so ("a", "bcd") beats ("ab", "c") though "abc" < "abcd".
    let c1 = vec![(vec!["ab".to_string(), "c".to_string()], 2), (vec!["a".to_string(), "bcd".to_string()], 2)];
    let c = Case::new().input_debug("words", &c1);
    c.equal("most_frequent_pair", &most_frequent_pair(&c1), &Some((pair("a", "bcd"), 2)))
}

fn merge_left_to_right() -> Outcome {
    let aa = pair("a", "a");
    for (word, want) in [("a a a", "aa a"), ("a a a a", "aa aa"), ("b a a a b", "b aa a b"), ("a a", "aa"), ("a", "a")] {
        let c = Case::new().input_debug("symbols", &w(word)).input_debug("pair", &aa);
        c.equal("merge_pair", &merge_pair(&w(word), &aa), &w(want))?;
    }
    let ab = pair("a", "b");
    let c = Case::new().input_debug("symbols", &w("a b c a b a")).input_debug("pair", &ab);
    c.equal("merge_pair", &merge_pair(&w("a b c a b a"), &ab), &w("ab c ab a"))
}

fn merge_respects_symbol_boundaries() -> Outcome {
    let abc = pair("ab", "c");
    let cases = [
        (vec!["a", "bc"], vec!["a", "bc"]),
        (vec!["x", "ab", "c"], vec!["x", "abc"]),
        (vec!["a", "b", "c"], vec!["a", "b", "c"]),
        (vec!["ab", "cab", "c"], vec!["ab", "cab", "c"]),
    ];
    for (word, want) in cases {
        let word: Vec<String> = word.into_iter().map(String::from).collect();
        let want: Vec<String> = want.into_iter().map(String::from).collect();
        let c = Case::new().input_debug("symbols", &word).input_debug("pair", &abc);
        c.equal("merge_pair", &merge_pair(&word, &abc), &want)?;
    }
    Ok(())
}

fn nothing_to_merge() -> Outcome {
    let c0 = corpus(&[("a", 4), ("bc", 2)]);
    let c = Case::new().input_debug("words", &c0);
    c.equal("most_frequent_pair", &most_frequent_pair(&c0), &None)?;
    c.equal("bpe_merge_step", &bpe_merge_step(&c0), &None)?;
    let empty: Vec<(Vec<String>, usize)> = vec![];
    let c = Case::new().input_debug("words", &empty);
    c.equal("most_frequent_pair", &most_frequent_pair(&empty), &None)?;
    c.equal("bpe_merge_step", &bpe_merge_step(&empty), &None)
}
