//! Layer normalisation over the last axis, biased variance, ε inside the square root.

/// LayerNorm of every row of x: [t, n], with gamma, beta: [n] and eps >= 0 → [t, n].
pub fn layer_norm(x: &[Vec<f64>], gamma: &[f64], beta: &[f64], eps: f64) -> Vec<Vec<f64>> {
    x.iter()
        .map(|row| {
            let n = row.len() as f64;
            let mean = row.iter().sum::<f64>() / n;
            // biased variance, from the centred values (second pass)
            let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
            let inv_std = 1.0 / (var + eps).sqrt();
            row.iter().zip(gamma.iter().zip(beta)).map(|(v, (g, b))| (v - mean) * inv_std * g + b).collect()
        })
        .collect()
}
