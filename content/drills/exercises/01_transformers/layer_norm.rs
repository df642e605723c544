//! Layer normalisation (Ba et al. 2016), as in every transformer block.
//!
//! Each row (one token's features) is normalised on its own, over the last axis of n features:
//!   μ = (1/n) Σ xᵢ,   σ² = (1/n) Σ (xᵢ − μ)²,   yᵢ = (xᵢ − μ) / √(σ² + ε) · γᵢ + βᵢ.
//! The variance is the biased one (divide by n, as torch.nn.LayerNorm), ε sits inside the square
//! root, and γ, β are per-feature (n values each), shared by all rows.
//!
//! Contract: `layer_norm(&[vec![1., 2., 3., 4.]], &[1.; 4], &[0.; 4], 0.0)` →
//! `[[-1.3416, -0.4472, 0.4472, 1.3416]]` (μ = 2.5, σ² = 1.25). A constant row has σ² = 0 and
//! gives exactly β (ε > 0 keeps it finite). Compute σ² as the mean of (xᵢ − μ)² (two passes), not
//! E[x²] − μ², which cancels catastrophically when |μ| ≫ σ.

/// LayerNorm of every row of x: [t, n], with gamma, beta: [n] and eps >= 0 → [t, n].
pub fn layer_norm(x: &[Vec<f64>], gamma: &[f64], beta: &[f64], eps: f64) -> Vec<Vec<f64>> {
    // TODO: per row: mean, biased variance, normalise, scale by gamma, shift by beta.
    todo!()
}
