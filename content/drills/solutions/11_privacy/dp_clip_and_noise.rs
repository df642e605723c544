//! DP-SGD aggregation: per-example clipping to norm C, sum, Gaussian noise σC, divide by L.

/// DP-SGD aggregate: `(Σ_i clip_C(g_i) + sigma * clip * z) / expected_batch`, length z.len().
pub fn dp_aggregate(grads: &[Vec<f64>], clip: f64, sigma: f64, z: &[f64], expected_batch: f64) -> Vec<f64> {
    let mut sum = vec![0.0; z.len()];
    for g in grads {
        let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
        // min(1, C/‖g‖) written so that ‖g‖ = 0 gives factor 1, never 0/0.
        let factor = if norm > clip { clip / norm } else { 1.0 };
        for (s, v) in sum.iter_mut().zip(g) {
            *s += factor * v;
        }
    }
    sum.iter().zip(z).map(|(s, zi)| (s + sigma * clip * zi) / expected_batch).collect()
}
