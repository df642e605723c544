//! Gradient clipping by global norm (`torch.nn.utils.clip_grad_norm_`).
//!
//! The global norm treats all parameters' gradients as one long vector:
//!   ‖g‖ = √(Σ over every gradient vector of Σ_j g_j²)
//! If ‖g‖ > max_norm, every gradient is multiplied by the same factor max_norm / (‖g‖ + 1e-6),
//! so the direction of the update is kept and only its length shrinks to (just under) max_norm.
//!
//! Contract: grads = [[3.0], [4.0]], max_norm = 1.0 → returns 5.0 (the norm before clipping)
//! and grads become [[3/5.000001], [4/5.000001]] ≈ [[0.6], [0.8]]. If ‖g‖ ≤ max_norm the
//! gradients are left exactly as they are. No gradients (or only empty ones) has norm 0.

/// Scales `grads` in place so their global L2 norm is at most `max_norm`; returns the norm
/// before clipping. `grads`: one vector per parameter, of any lengths.
pub fn clip_grad_norm(grads: &mut [Vec<f64>], max_norm: f64) -> f64 {
    // TODO: one norm over all vectors, then one shared scale.
    todo!()
}
