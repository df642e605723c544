//! One DP-SGD aggregation step (Abadi et al., 2016): bound each example's influence, then hide it
//! in Gaussian noise.
//!
//! Each per-example gradient g_i is clipped to L2 norm at most C: ḡ_i = g_i · min(1, C / ‖g_i‖).
//! The clipped gradients are summed, Gaussian noise of standard deviation σ C is added to every
//! coordinate, and the result is divided by the expected batch size L:
//! g̃ = (Σ_i ḡ_i + σ C z) / L with z ~ N(0, I). Because one example moves the sum by at most C,
//! noise σ C gives the privacy guarantee (the accountant turns σ, q and steps into ε).
//!
//! Contract: grads = [[3, 4], [0.3, 0.4]], C = 1, σ = 0.5, z = [1, -2], L = 2 → clipped
//! [0.6, 0.8] and [0.3, 0.4] (already inside), sum [0.9, 1.2], plus noise [0.5, -1.0], over 2
//! → [0.7, 0.1].
//! Conventions: the standard-normal draws z are passed in, one per coordinate; z.len() is the
//! dimension d and every gradient has d entries. L is the EXPECTED batch size of Poisson
//! sampling (q · N), passed in; it need not equal grads.len(), and grads may even be empty (then
//! the result is pure noise σ C z / L). A zero gradient stays zero (no 0/0 = NaN).

/// DP-SGD aggregate: `(Σ_i clip_C(g_i) + sigma * clip * z) / expected_batch`, length z.len().
pub fn dp_aggregate(grads: &[Vec<f64>], clip: f64, sigma: f64, z: &[f64], expected_batch: f64) -> Vec<f64> {
    // TODO: clip each g_i by its own norm, sum, add sigma * clip * z, divide by expected_batch.
    todo!()
}
