//! Adaptive decoding: let the temperature follow the model's own uncertainty.
//!
//! Entropy-based dynamic temperature (EDT; Zhang et al. 2024): at each step compute the
//! entropy H of the next-token distribution and sample at
//!
//! ```text
//!   τ = τ₀ · N^(θ / H)        (N = 0.8)
//! ```
//!
//! When the model is sure (H → 0) the exponent grows and τ → 0: it decodes greedily where a
//! random pick could only hurt (the digit of an answer, the closing bracket). When it is unsure
//! (large H) τ → τ₀: it keeps the diversity of sampling where many continuations are fine.
//! It helps open-ended generation that must stay correct in places (reasoning chains, code);
//! it changes little when every step is confident or every step is open.

/// EDT's base N.
pub const EDT_BASE: f32 = 0.8;

/// Entropy (nats) of softmax(z / τ₀).
pub fn entropy(z: &[f32], base_temperature: f32) -> f32 {
    let t = base_temperature.max(1e-6);
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = z.iter().map(|x| ((x - m) / t).exp()).collect();
    let s: f32 = e.iter().sum();
    e.iter().filter(|&&v| v > 0.0).map(|&v| -(v / s) * (v / s).ln()).sum()
}

/// EDT's temperature for logits `z`: τ₀ · N^(θ / H).
pub fn edt_temperature(z: &[f32], base_temperature: f32, theta: f32) -> f32 {
    let h = entropy(z, base_temperature).max(1e-6);
    base_temperature * EDT_BASE.powf(theta / h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confident_steps_cool_down_and_uncertain_ones_stay_warm() {
        let sure = [10.0f32, 0.0, 0.0, 0.0];
        let unsure = [0.0f32; 4]; // H = ln 4
        assert!(edt_temperature(&sure, 1.0, 1.0) < 0.01);
        let t = edt_temperature(&unsure, 1.0, 1.0);
        assert!((t - 0.8f32.powf(1.0 / 4f32.ln())).abs() < 1e-5, "{t}");
        assert!((entropy(&unsure, 1.0) - 4f32.ln()).abs() < 1e-6);
    }
}
