//! The inner step of a test-time-training layer, TTT-Linear (Sun et al. 2024, "Learning to
//! (Learn at Test Time)", §2).
//!
//! The layer's hidden state is the weight matrix W of a linear model. Each token brings a
//! training view k, a label v and a test view q; the state takes one gradient step on the
//! self-supervised reconstruction loss and then answers the query with the updated model:
//!   ℓ(W) = ½ ‖W k − v‖²,   ∇_W ℓ = (W k − v) kᵀ,   W ← W − η (W k − v) kᵀ,   z = W q.
//! Over a sequence the state keeps learning: if every v is the same linear function of its k,
//! W converges to that function, and later tokens are predicted before they are seen.
//!
//! Contract: W = [[0, 0]] (Dv = 1, Dk = 2), η = 0.5, k = [1, 2], v = [3], q = [1, 1]:
//! W k − v = −3, gradient [[−3, −6]], W ← [[1.5, 3]], z = 1.5 + 3 = 4.5.
//! Conventions: W is Dv rows of Dk ((W k)_i = Σ_j W[i][j] k[j]); k and q have Dk entries, v has
//! Dv; the step updates W in place and z reads the *updated* W; `ttt_online` starts from a copy
//! of W₀ and returns one z per token (T rows of Dv), T = 0 giving [].

/// One online TTT step: W ← W − η (W k − v) kᵀ; returns z = W q with the new W.
pub fn ttt_step(w: &mut [Vec<f64>], eta: f64, k: &[f64], v: &[f64], q: &[f64]) -> Vec<f64> {
    // TODO: the error e = W k − v (Dv), then W[i][j] −= η e[i] k[j], then z = W q.
    todo!()
}

/// The layer over a sequence: one `ttt_step` per token from W₀, T rows of Dv.
pub fn ttt_online(w0: &[Vec<f64>], eta: f64, k: &[Vec<f64>], v: &[Vec<f64>], q: &[Vec<f64>]) -> Vec<Vec<f64>> {
    // TODO: copy W₀, then step through the tokens in order.
    todo!()
}
