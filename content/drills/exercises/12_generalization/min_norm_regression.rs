//! The fit behind double descent (Belkin et al., 2019): a linear model on P features, fitted to N
//! samples by ridge regression, θ = argmin ‖Φθ − y‖² + λ‖θ‖² = (ΦᵀΦ + λI_P)⁻¹ Φᵀy, Φ: [N][P].
//! The same θ is Φᵀα with (ΦΦᵀ + λI_N) α = y, an N×N system (push-through identity:
//! (ΦᵀΦ + λI)Φᵀ = Φᵀ(ΦΦᵀ + λI)). As λ → 0 this is least squares while P < N, and for P > N the
//! interpolating θ of least norm (θ = Φᵀα lies in the row space of Φ, orthogonal to its null
//! space): the fit whose test error peaks at P ≈ N and falls again beyond. Solve the SMALLER
//! system: for tiny λ the larger one is nearly singular (|P − N| of its eigenvalues equal λ).
//!
//! Contract: `ridge_fit(&[vec![3.0, 4.0]], &[10.0], 1.0)` → [15/13, 20/13] ≈ [1.153846, 1.538462]
//! (N = 1 < P = 2: ΦΦᵀ + λ = 25 + 1, α = 10/26, θ = Φᵀα);
//! `solve(&[vec![4.0, 2.0], vec![2.0, 3.0]], &[2.0, -1.0])` → [1, −1].
//! Conventions: λ > 0; N, P ≥ 1; y has N entries, θ has P. Use the P×P system when P ≤ N and the
//! N×N one when P > N. `solve` is only given symmetric positive definite matrices (both systems
//! are, for λ > 0), so Cholesky or Gaussian elimination without pivoting both work.

/// Solves a x = b for a symmetric positive definite `a: [n][n]`, `b: [n]`.
pub fn solve(a: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    // TODO: Gaussian elimination (eliminate below each pivot, then back-substitute) or Cholesky.
    todo!()
}

/// The ridge fit θ: [P] of `y: [N]` on the features `phi: [N][P]`, for `lambda` > 0.
pub fn ridge_fit(phi: &[Vec<f64>], y: &[f64], lambda: f64) -> Vec<f64> {
    // TODO: P ≤ N: solve (ΦᵀΦ + λI)θ = Φᵀy. P > N: solve (ΦΦᵀ + λI)α = y, return Φᵀα.
    todo!()
}
