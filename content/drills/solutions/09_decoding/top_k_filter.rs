//! Top-k filtering: mask all but the k largest logits, ties kept by lower index.

/// `logits` with all but the `k` largest set to `f64::NEG_INFINITY`; k = 0 or k >= len keeps all.
pub fn top_k_filter(logits: &[f64], k: usize) -> Vec<f64> {
    let mut out = logits.to_vec();
    if k == 0 || k >= logits.len() {
        return out;
    }
    // Indices by logit, largest first; a stable tie-break on the index keeps lower ones first.
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    for &i in &order[k..] {
        out[i] = f64::NEG_INFINITY;
    }
    out
}
