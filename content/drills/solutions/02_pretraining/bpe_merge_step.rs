//! One step of BPE training: count weighted adjacent pairs, merge the most frequent one.

use std::collections::BTreeMap;

/// The most frequent adjacent pair and its weighted count, or `None` if no word has two symbols.
pub fn most_frequent_pair(words: &[(Vec<String>, usize)]) -> Option<((String, String), usize)> {
    // A BTreeMap iterates pairs in increasing (left, right) order, so keeping the first pair with
    // the largest count breaks ties toward the smallest pair.
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (symbols, freq) in words {
        for w in symbols.windows(2) {
            *counts.entry((w[0].as_str(), w[1].as_str())).or_default() += freq;
        }
    }
    let mut best: Option<((&str, &str), usize)> = None;
    for (pair, n) in counts {
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((pair, n));
        }
    }
    best.map(|((a, b), n)| ((a.to_string(), b.to_string()), n))
}

/// `symbols` with every occurrence of `pair`, scanned left to right, replaced by one symbol.
pub fn merge_pair(symbols: &[String], pair: &(String, String)) -> Vec<String> {
    let mut out = Vec::with_capacity(symbols.len());
    let mut i = 0;
    while i < symbols.len() {
        if i + 1 < symbols.len() && symbols[i] == pair.0 && symbols[i + 1] == pair.1 {
            out.push(format!("{}{}", pair.0, pair.1));
            i += 2; // both symbols are used up: "a a a" → "aa a"
        } else {
            out.push(symbols[i].clone());
            i += 1;
        }
    }
    out
}

/// One training step: the chosen pair and the corpus with it merged in every word.
pub fn bpe_merge_step(words: &[(Vec<String>, usize)]) -> Option<((String, String), Vec<(Vec<String>, usize)>)> {
    let (pair, _) = most_frequent_pair(words)?;
    let merged = words.iter().map(|(s, f)| (merge_pair(s, &pair), *f)).collect();
    Some((pair, merged))
}
