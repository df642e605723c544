//! BLEU's brevity penalty with sacreBLEU's closest-reference rule and corpus-level sums.

/// The reference length closest to `hyp_len`; ties go to the shorter one.
pub fn closest_ref_len(hyp_len: usize, ref_lens: &[usize]) -> usize {
    // Minimising the pair (distance, length) breaks distance ties towards the shorter reference.
    ref_lens.iter().copied().min_by_key(|&r| (r.abs_diff(hyp_len), r)).unwrap_or(0)
}

/// BP = 1 if c >= r, else exp(1 - r / c); 0 when c = 0 < r.
pub fn brevity_penalty(c: usize, r: usize) -> f64 {
    if c >= r {
        1.0
    } else if c == 0 {
        0.0 // the limit of exp(1 - r / c) as c → 0
    } else {
        (1.0 - r as f64 / c as f64).exp()
    }
}

/// Corpus BP: c = Σ hyp_lens[i], r = Σ closest_ref_len(hyp_lens[i], &ref_lens[i]).
pub fn corpus_brevity_penalty(hyp_lens: &[usize], ref_lens: &[Vec<usize>]) -> f64 {
    let c: usize = hyp_lens.iter().sum();
    let r: usize = hyp_lens.iter().zip(ref_lens).map(|(&h, refs)| closest_ref_len(h, refs)).sum();
    brevity_penalty(c, r)
}
