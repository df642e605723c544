//! Privacy accounting with Rényi DP (Mironov, 2017): how much privacy do T noisy releases spend?
//!
//! The Gaussian mechanism releases f(D) + σ z with z ~ N(0, 1) for a query f of sensitivity 1
//! (one person moves f by at most 1). Its Rényi divergence of order α > 1 between neighbouring
//! datasets is exactly RDP(α) = α / (2σ²). Rényi DP composes by addition at each fixed order, so
//! T releases (each with fresh noise, no subsampling) cost RDP_T(α) = T · α / (2σ²).
//! An (α, RDP) guarantee becomes an (ε, δ) one through the classic conversion
//!   ε(α) = RDP_T(α) + ln(1/δ) / (α − 1),
//! which holds for every order, so the accountant tries a list of orders and keeps the smallest ε.
//! Small α makes ln(1/δ)/(α − 1) blow up, large α makes the RDP term grow: the best is in between.
//!
//! Contract: σ = 1, T = 2, δ = e⁻⁴, orders [2, 3, 5] → RDP_T(α) = α, ε(2) = 2 + 4/1 = 6,
//! ε(3) = 3 + 4/2 = 5, ε(5) = 5 + 4/4 = 6 → (5.0, 3.0).
//! Conventions: σ > 0, T ≥ 1, 0 < δ < 1; `orders` is non-empty, every order is > 1, and they
//! may come in any order. The logarithm is the natural one. Returns (ε, the order that gave it);
//! on a tie the order that comes first in the list wins.

/// The (ε, δ) guarantee of `steps` Gaussian releases with noise multiplier `sigma`: the smallest
/// `steps·α/(2σ²) + ln(1/δ)/(α − 1)` over `orders`, and that α.
pub fn rdp_epsilon(sigma: f64, steps: u64, delta: f64, orders: &[f64]) -> (f64, f64) {
    // TODO: for every order α compute T·α/(2σ²) + ln(1/δ)/(α − 1); keep the smallest and its α.
    todo!()
}
