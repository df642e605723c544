//! Top-p (nucleus) filtering: keep the shortest most-likely prefix whose mass reaches p.

/// `logits` with every token outside the top-p nucleus set to `f64::NEG_INFINITY`.
pub fn top_p_filter(logits: &[f64], p: f64) -> Vec<f64> {
    let mut out = logits.to_vec();
    if p >= 1.0 {
        return out; // filter off
    }
    // Stable softmax: shift by the max; -inf logits give exp(-inf) = 0.
    let m = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = logits.iter().map(|&z| (z - m).exp()).collect();
    let sum: f64 = e.iter().sum();
    // Most likely first; equal logits in index order.
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    let mut mass = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        mass += e[i] / sum;
        if mass >= p {
            // Token i crossed p: it stays, everything ranked after it goes.
            for &j in &order[rank + 1..] {
                out[j] = f64::NEG_INFINITY;
            }
            break;
        }
    }
    out
}
