//! Temperature: one knob that sharpens or flattens the next-token distribution.
//!
//! p_i = softmax(z / T)_i = exp(z_i / T) / Σ_j exp(z_j / T). T = 1 is the model's own
//! distribution; T < 1 sharpens it (p_i ∝ p_i^(1/T)), T > 1 flattens it towards uniform (the
//! entropy grows with T). As T → 0 all the mass goes to the argmax: greedy decoding.
//!
//! Contract: `temperature_probs(&[1.0, 2.0, 3.0], 2.0)` → `[0.1863, 0.3072, 0.5065]`, and with
//! `t = 0.0` → `[0.0, 0.0, 1.0]`. Conventions: T == 0.0 is handled explicitly as the limit, a
//! one-hot vector on the argmax (lowest index on ties); for small T > 0 (say 1e-3) z / T is huge,
//! so shift by the maximum before exp(); `-inf` logits (masked tokens) get probability 0.
//! T < 0 is not a temperature and is never passed; at least one logit is finite.

/// The next-token probabilities softmax(logits / t), or one-hot on the argmax when `t == 0.0`.
pub fn temperature_probs(logits: &[f64], t: f64) -> Vec<f64> {
    // TODO: the t == 0.0 case first; otherwise divide by t, subtract the max, exp, normalise.
    todo!()
}
