//! BLEU's clipped n-gram precision: counts capped by the most any single reference has.

use std::collections::HashMap;

/// Counts of every contiguous n-gram of `tokens`.
fn ngram_counts<'a>(tokens: &[&'a str], n: usize) -> HashMap<Vec<&'a str>, usize> {
    let mut counts = HashMap::new();
    if n == 0 {
        return counts;
    }
    for w in tokens.windows(n) {
        *counts.entry(w.to_vec()).or_insert(0) += 1;
    }
    counts
}

/// (clipped matches, total hypothesis n-grams) for n-grams of length `n`.
pub fn clipped_ngram_precision(hyp: &[&str], refs: &[Vec<&str>], n: usize) -> (usize, usize) {
    let hyp_counts = ngram_counts(hyp, n);
    let total: usize = hyp_counts.values().sum();
    // The clip: for each n-gram, the largest count in any one reference.
    let mut max_ref: HashMap<Vec<&str>, usize> = HashMap::new();
    for r in refs {
        for (g, c) in ngram_counts(r, n) {
            let e = max_ref.entry(g).or_insert(0);
            *e = (*e).max(c);
        }
    }
    let matches = hyp_counts.iter().map(|(g, &c)| c.min(max_ref.get(g).copied().unwrap_or(0))).sum();
    (matches, total)
}
