//! Noise calibration under the continuous-order RDP bound ε = ρ + 2√(ρL), ρ = T/(2σ²).

/// The smallest noise multiplier σ with `min over α > 1 of α·T/(2σ²) + ln(1/δ)/(α − 1) ≤ epsilon`.
pub fn calibrate_sigma(epsilon: f64, delta: f64, steps: u64) -> f64 {
    let l = (1.0 / delta).ln();
    // √(L + ε) − √L, written as ε / (√(L + ε) + √L) so a small ε does not cancel digits away.
    let sqrt_rho = epsilon / ((l + epsilon).sqrt() + l.sqrt());
    let rho = sqrt_rho * sqrt_rho;
    (steps as f64 / (2.0 * rho)).sqrt()
}
