//! Noise calibration: the accountant run backwards. Given a privacy budget (ε, δ) and a number of
//! releases T, how much Gaussian noise σ (sensitivity 1) is needed?
//!
//! T Gaussian releases with noise multiplier σ have Rényi DP T·α/(2σ²) at every order α > 1.
//! Write ρ = T/(2σ²) and L = ln(1/δ); the conversion to (ε, δ) gives ε(α) = α ρ + L/(α − 1).
//! Letting α range over all reals > 1 (not a fixed list), put β = α − 1:
//!   ε(β) = ρ + β ρ + L/β, smallest at β = √(L/ρ), where ε = ρ + 2√(ρ L) = (√ρ + √L)² − L.
//! That is increasing in ρ, so the smallest σ meeting the budget solves ρ + 2√(ρ L) = ε:
//!   √ρ = √(L + ε) − √L,   σ = √(T / (2ρ)).
//! Because ρ depends only on (ε, δ), σ grows exactly as √T under this bound.
//!
//! Contract: ε = 7, δ = e⁻⁹, T = 8 → L = 9, √ρ = √16 − √9 = 1, ρ = 1, σ = √(8 / 2) = 2.0.
//! Conventions: ε > 0, 0 < δ < 1, T ≥ 1; natural logarithm. This is NOT the one-shot Gaussian
//! mechanism's σ = √(2 ln(1.25/δ))/ε: the answer must account for all T releases together.

/// The smallest noise multiplier σ with `min over α > 1 of α·T/(2σ²) + ln(1/δ)/(α − 1) ≤ epsilon`.
pub fn calibrate_sigma(epsilon: f64, delta: f64, steps: u64) -> f64 {
    // TODO: with L = ln(1/δ), solve ρ + 2√(ρL) = ε for ρ, then invert ρ = T/(2σ²).
    todo!()
}
