//! BLEU's modified (clipped) n-gram precision, Papineni et al. 2002.
//!
//! For one hypothesis and several references: matches = Σ_g min(count_hyp(g),
//! max_r count_r(g)) over the distinct n-grams g of the hypothesis, total = the number of
//! n-grams in the hypothesis (len - n + 1), precision p_n = matches / total. The clip stops
//! "the the the the" from scoring well: a word earns credit at most as often as it appears in
//! some single reference.
//!
//! Contract: hyp `the the the the the the the`, refs `the cat is on the mat` and `there is a
//! cat on the mat`, n = 1 → `(2, 7)`. Conventions: the clip for each n-gram is the MAX count in
//! any single reference (not the sum over references), taken n-gram by n-gram (different
//! n-grams may take their clip from different references); n-grams are contiguous and ordered;
//! a hypothesis shorter than n (empty included) gives `(0, 0)`; with no references nothing
//! matches. n >= 1. Corpus BLEU later sums matches and totals over sentences, which is why both
//! numbers are returned rather than their ratio.

/// (clipped matches, total hypothesis n-grams) for n-grams of length `n`.
pub fn clipped_ngram_precision(hyp: &[&str], refs: &[Vec<&str>], n: usize) -> (usize, usize) {
    // TODO: count the hypothesis n-grams, find each one's max count over the references, clip, sum.
    todo!()
}
