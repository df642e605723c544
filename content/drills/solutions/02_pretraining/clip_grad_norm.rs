//! Gradient clipping by global norm.

/// Scales `grads` in place so their global L2 norm is at most `max_norm`; returns the norm
/// before clipping.
pub fn clip_grad_norm(grads: &mut [Vec<f64>], max_norm: f64) -> f64 {
    // One norm over every entry of every vector: clipping per vector would change the direction.
    let norm = grads.iter().flatten().map(|g| g * g).sum::<f64>().sqrt();
    if norm > max_norm {
        let scale = max_norm / (norm + 1e-6); // the 1e-6 guards a division by a zero norm
        for g in grads.iter_mut().flatten() {
            *g *= scale;
        }
    }
    norm
}
