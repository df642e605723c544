//! ε of T Gaussian releases via Rényi DP: min over orders of T·α/(2σ²) + ln(1/δ)/(α − 1).

/// The (ε, δ) guarantee of `steps` Gaussian releases with noise multiplier `sigma`: the smallest
/// `steps·α/(2σ²) + ln(1/δ)/(α − 1)` over `orders`, and that α.
pub fn rdp_epsilon(sigma: f64, steps: u64, delta: f64, orders: &[f64]) -> (f64, f64) {
    let log_inv_delta = (1.0 / delta).ln();
    let mut best = (f64::INFINITY, f64::NAN);
    for &alpha in orders {
        let rdp = steps as f64 * alpha / (2.0 * sigma * sigma);
        let eps = rdp + log_inv_delta / (alpha - 1.0);
        // Strictly smaller: on a tie the earlier order stays.
        if eps < best.0 {
            best = (eps, alpha);
        }
    }
    best
}
