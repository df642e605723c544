//! Temperature scaling: softmax(z / T), with T = 0 as the one-hot limit on the argmax.

/// The next-token probabilities softmax(logits / t), or one-hot on the argmax when `t == 0.0`.
pub fn temperature_probs(logits: &[f64], t: f64) -> Vec<f64> {
    if t == 0.0 {
        // The limit T → 0: all mass on the first largest logit.
        let mut best = 0;
        for (i, &z) in logits.iter().enumerate() {
            if z > logits[best] {
                best = i;
            }
        }
        let mut p = vec![0.0; logits.len()];
        p[best] = 1.0;
        return p;
    }
    let scaled: Vec<f64> = logits.iter().map(|&z| z / t).collect();
    // Shift by the max so every exponent is ≤ 0: no overflow even when t is tiny.
    let m = scaled.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = scaled.iter().map(|&s| (s - m).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.into_iter().map(|x| x / sum).collect()
}
