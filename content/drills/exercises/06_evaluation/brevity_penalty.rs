//! BLEU's brevity penalty, as sacreBLEU computes it.
//!
//! Clipped precision alone rewards saying little ("the" scores 1/1). BLEU multiplies by
//! BP = 1 if c >= r, else exp(1 - r / c), with c the hypothesis length and r the reference
//! length. With several references, r is the reference length CLOSEST to c. For a corpus, c and
//! r are summed over all segments first and BP is computed once: corpus BLEU is not an average of
//! sentence scores.
//!
//! Contract: `brevity_penalty(5, 7)` → `exp(1 - 7/5)` = `0.670320`; `closest_ref_len(3, &[4, 2])`
//! → `2`. Conventions (sacreBLEU's and the library's): a tie in closeness goes to the SHORTER
//! reference, whatever the order of `ref_lens` (it is never empty); c >= r gives exactly 1 (never
//! above 1); c = 0 with r > 0 gives 0 (not NaN); c = r = 0 gives 1. In the corpus version each
//! segment picks its own closest reference, then the sums go into `brevity_penalty`.

/// The reference length closest to `hyp_len`; ties go to the shorter one.
pub fn closest_ref_len(hyp_len: usize, ref_lens: &[usize]) -> usize {
    // TODO: minimise |r - c|, breaking ties by the smaller r.
    todo!()
}

/// BP = 1 if c >= r, else exp(1 - r / c); 0 when c = 0 < r.
pub fn brevity_penalty(c: usize, r: usize) -> f64 {
    // TODO
    todo!()
}

/// Corpus BP: c = Σ hyp_lens[i], r = Σ closest_ref_len(hyp_lens[i], &ref_lens[i]).
pub fn corpus_brevity_penalty(hyp_lens: &[usize], ref_lens: &[Vec<usize>]) -> f64 {
    // TODO: sum the lengths first, then one brevity_penalty.
    todo!()
}
