//! Zero-order hold: Ā = exp(Δa), B̄ = (exp(Δa) - 1)/a · b, with the a → 0 limit Δ b.

/// ZOH of the diagonal SSM over a step `delta`: `(a_bar, b_bar)`, each of length n.
pub fn zoh(a: &[f64], b: &[f64], delta: f64) -> (Vec<f64>, Vec<f64>) {
    a.iter()
        .zip(b)
        .map(|(&ai, &bi)| {
            let a_bar = (delta * ai).exp();
            // ∫₀^Δ e^{a s} ds; exp_m1 keeps the digits that exp(Δa) - 1 would cancel away.
            let integral = if ai == 0.0 { delta } else { (delta * ai).exp_m1() / ai };
            (a_bar, integral * bi)
        })
        .unzip()
}
