//! One step of BPE training (Sennrich et al. 2016).
//!
//! The corpus is a list of distinct words, each a sequence of symbols with its frequency.
//! Count every adjacent pair of symbols, weighted by the word's frequency; the most frequent
//! pair (a, b) becomes a new symbol "ab", and every occurrence of a followed by b is rewritten,
//! scanning each word left to right. Repeating this step learns the merge list of a tokenizer.
//!
//! Contract: [("a a b", 2), ("a b", 1)] (symbols split on spaces) → pairs (a,a): 2, (a,b): 3 →
//! merge ("a", "b") with count 3 → [(["a", "ab"], 2), (["ab"], 1)].
//! Conventions: every adjacent position counts, so "a a a" holds the pair (a, a) twice (as in
//! the reference implementation); ties in count go to the smallest pair, comparing the left
//! symbols as strings first and the right ones only if the left are equal; merging scans left
//! to right and does not reuse a merged symbol, so "a a a" with (a, a) → "aa a". A pair is two
//! whole symbols: ["a", "bc"] does not contain ("ab", "c"). No pair at all → `None`.

/// The most frequent adjacent pair and its weighted count, or `None` if no word has two symbols.
/// `words`: (symbols, frequency) per distinct word.
pub fn most_frequent_pair(words: &[(Vec<String>, usize)]) -> Option<((String, String), usize)> {
    // TODO: count pairs weighted by frequency; pick the largest count, the smallest pair on ties.
    todo!()
}

/// `symbols` with every occurrence of `pair`, scanned left to right, replaced by one symbol.
pub fn merge_pair(symbols: &[String], pair: &(String, String)) -> Vec<String> {
    // TODO: walk the symbols; when (symbols[i], symbols[i + 1]) is the pair, emit the joined
    // symbol and skip both.
    todo!()
}

/// One training step: the chosen pair and the corpus with it merged in every word (same order,
/// same frequencies); `None` if there is no pair to merge.
pub fn bpe_merge_step(words: &[(Vec<String>, usize)]) -> Option<((String, String), Vec<(Vec<String>, usize)>)> {
    // TODO: most_frequent_pair, then merge_pair on every word.
    todo!()
}
