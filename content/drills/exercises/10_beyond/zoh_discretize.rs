//! Zero-order-hold discretization of a diagonal state-space model (S4D, Mamba).
//!
//! The continuous system dx/dt = a x + b u is diagonal: each state coordinate i evolves alone.
//! Holding the input u constant over a step of length Δ and solving exactly gives
//! x(t + Δ) = Ā x(t) + B̄ u with Ā = exp(Δ a) and B̄ = (exp(Δ a) - 1) / a · b = (∫₀^Δ e^{a s} ds) · b,
//! elementwise. As a → 0 the integral tends to Δ, so B̄ → Δ b. (Mamba's code often shortcuts
//! B̄ ≈ Δ b; this drill asks for the exact ZOH.)
//!
//! Contract: `zoh(&[-1.0, 0.0], &[2.0, 3.0], 2f64.ln())` → Ā = [0.5, 1.0], B̄ = [1.0, 3 ln 2] = [1.0, 2.079442].
//! Conventions: a ≤ 0 (a < 0 is a stable, decaying mode; a = 0 is the exact limit B̄ = Δ b).
//! For tiny |a| the difference exp(Δ a) - 1 cancels catastrophically (at Δ a = -1e-12, about
//! 4 of 16 digits survive): compute it with `f64::exp_m1`, which is accurate there. a and b
//! have the same length n (the state size); n = 0 gives two empty vectors.

/// ZOH of the diagonal SSM over a step `delta`: `(a_bar, b_bar)`, each of length n.
pub fn zoh(a: &[f64], b: &[f64], delta: f64) -> (Vec<f64>, Vec<f64>) {
    // TODO: Ā = exp(Δa); B̄ = expm1(Δa)/a · b, or Δ b when a = 0.
    todo!()
}
