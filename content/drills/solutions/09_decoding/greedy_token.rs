//! Greedy decoding: the index of the largest logit, the first one on ties.

/// Index of the largest logit in `logits`, the lowest such index on ties.
pub fn greedy_token(logits: &[f64]) -> usize {
    let mut best = 0;
    for (i, &z) in logits.iter().enumerate().skip(1) {
        // Strictly larger: an equal value later on does not take the place of an earlier one.
        if z > logits[best] {
            best = i;
        }
    }
    best
}
