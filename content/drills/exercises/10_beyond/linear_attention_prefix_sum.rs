//! Causal linear attention as a recurrence (Katharopoulos et al. 2020, "Transformers are RNNs").
//!
//! Replace softmax's exp(q·k) by φ(q)·φ(k) with the positive feature map φ(x) = elu(x) + 1
//! (x + 1 for x > 0, eˣ otherwise, applied per coordinate). Causal attention for one head,
//!   y_t = Σ_{s ≤ t} (φ(q_t)·φ(k_s)) v_s / Σ_{s ≤ t} φ(q_t)·φ(k_s),
//! lets φ(q_t) come out of both sums, so two running prefix sums are all the state needed:
//!   S_t = S_{t−1} + φ(k_t) v_tᵀ   (D × Dv),     z_t = z_{t−1} + φ(k_t)   (D),
//!   y_t = (φ(q_t)ᵀ S_t) / (φ(q_t) · z_t).
//! That is O(T·D·Dv) time and a fixed-size state, instead of O(T²·D).
//!
//! Contract: q = [[0], [0]], k = [[0], [1]], v = [[2], [4]] (D = Dv = 1): φ(k) = [1, 2];
//! t = 0: S = 2, z = 1, y = 2; t = 1: S = 2 + 2·4 = 10, z = 3, y = 10/3. → [[2], [3.333…]].
//! Conventions: q and k are T rows of D, v is T rows of Dv (Dv may differ from D); the result is
//! T rows of Dv. Token t attends to itself and everything before it (s ≤ t, inclusive). T = 0
//! gives an empty result.

/// Causal linear attention with φ = elu + 1, computed with running sums: (T, Dv).
pub fn causal_linear_attention(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>]) -> Vec<Vec<f64>> {
    // TODO: S = 0 (D × Dv), z = 0 (D); for each t: add φ(k_t) v_tᵀ to S and φ(k_t) to z,
    // then y_t = φ(q_t)ᵀ S / (φ(q_t) · z).
    todo!()
}
