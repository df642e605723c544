//! Test-time training (TTT-Linear): a layer whose hidden state is the weight matrix W of a
//! small linear model, trained while the layer reads — one gradient step of a self-supervised
//! loss per token. Computed two equal ways: the primal loop and the dual mini-batch form.
//!
//! Paper: Sun, Li, Dalal, et al. 2024,
//! "Learning to (Learn at Test Time): RNNs with Expressive Hidden States", arXiv:2407.04620,
//! sections 2.1–2.5.
//!
//! Each token x_t gives three views through learned projections: a training input k_t = θ_K x_t,
//! a label v_t = θ_V x_t and a test input q_t = θ_Q x_t (all width d). The inner loss asks W
//! to reconstruct the label from the training view,
//!
//!   ℓ(W; t) = ½ ‖W k_t − v_t‖²,      ∇_W ℓ = (W k_t − v_t) k_tᵀ       (d × d)
//!
//! (the paper writes it without ½, which only rescales η). The update rule is gradient descent
//! with rate η, and the output reads the updated model at the test view: z_t = W_t q_t.
//!
//! **Mini-batch TTT**: inside a mini-batch of b tokens, every gradient is taken at W₀, the
//! state at the end of the previous mini-batch (b = 1 is plain online gradient descent):
//!
//!   primal:  W_t = W₀ − η Σ_(s ≤ t) (W₀ k_s − v_s) k_sᵀ,   z_t = W_t q_t      (b matrices d × d)
//!   dual:    E = K W₀ᵀ − V  (b × d),   Z = Q W₀ᵀ − η · tril(Q Kᵀ) · E,   W_b = W₀ − η Eᵀ K
//!
//! The dual never builds the per-token W_t: z_t = W₀ q_t − η Σ_(s ≤ t) e_s (k_s · q_t) is a
//! causal-masked matmul, which is what makes TTT fast on accelerators. With W₀ = 0 and b = T
//! the dual is exactly causal linear attention without a normalizer, z_t = η Σ_(s≤t) (q_t·k_s) v_s:
//! TTT generalizes linear attention, whose state Σ k vᵀ is one gradient step from zero.
//!
//! Left out: the paper's layer norm and residual inside f (f(k) = k + LN(W k)), the learned
//! per-token η and the TTT-MLP variant; each changes the inner model, not the primal = dual
//! identity for a linear one.

use super::{dot, mat_mul, randn, vec_mat, Mat};
use crate::nn::Rng;
use crate::{Error, Result};

/// W k for W (d × d) stored by rows: (W k)_i = Σ_j W_ij k_j.
fn apply(w: &Mat, k: &[f64]) -> Vec<f64> {
    w.iter().map(|row| dot(row, k)).collect()
}

/// The inner loss ½ ‖W k − v‖².
pub fn inner_loss(w: &Mat, k: &[f64], v: &[f64]) -> f64 {
    apply(w, k).iter().zip(v).map(|(a, b)| 0.5 * (a - b).powi(2)).sum()
}

/// W ← W − η (W₀ k − v) kᵀ: one inner gradient step, with the gradient taken at `at` (= W for
/// online TTT, the mini-batch's W₀ otherwise).
pub fn inner_step(w: &mut Mat, at: &Mat, eta: f64, k: &[f64], v: &[f64]) {
    let err: Vec<f64> = apply(at, k).iter().zip(v).map(|(a, b)| a - b).collect();
    for (row, e) in w.iter_mut().zip(&err) {
        row.iter_mut().zip(k).for_each(|(wij, kj)| *wij -= eta * e * kj);
    }
}

fn check(k: &Mat, v: &Mat, q: &Mat, w0: &Mat, batch: usize) -> Result<()> {
    let d = w0.len();
    let ok = k.len() == v.len()
        && v.len() == q.len()
        && k.iter().chain(v).chain(q).chain(w0).all(|r| r.len() == d)
        && batch > 0;
    if ok {
        Ok(())
    } else {
        Err(Error::Config("TTT: k, v, q need T rows of d, W₀ is d × d, and the mini-batch is ≥ 1".into()))
    }
}

/// The primal form: walk the tokens, keep the running W_t of each mini-batch, read z_t = W_t q_t.
/// Returns (Z (T × d), the final W).
pub fn primal(k: &Mat, v: &Mat, q: &Mat, w0: &Mat, eta: f64, batch: usize) -> Result<(Mat, Mat)> {
    check(k, v, q, w0, batch)?;
    let mut start = w0.clone();
    let mut z = Vec::with_capacity(k.len());
    for ((kb, vb), qb) in k.chunks(batch).zip(v.chunks(batch)).zip(q.chunks(batch)) {
        let mut w = start.clone();
        for ((kt, vt), qt) in kb.iter().zip(vb).zip(qb) {
            inner_step(&mut w, &start, eta, kt, vt);
            z.push(apply(&w, qt));
        }
        start = w;
    }
    Ok((z, start))
}

/// The dual form: per mini-batch, E = K W₀ᵀ − V, Z = Q W₀ᵀ − η tril(Q Kᵀ) E, W ← W₀ − η Eᵀ K.
pub fn dual(k: &Mat, v: &Mat, q: &Mat, w0: &Mat, eta: f64, batch: usize) -> Result<(Mat, Mat)> {
    check(k, v, q, w0, batch)?;
    let mut w = w0.clone();
    let mut z = Vec::with_capacity(k.len());
    for ((kb, vb), qb) in k.chunks(batch).zip(v.chunks(batch)).zip(q.chunks(batch)) {
        let wt: Mat = (0..w.len()).map(|j| w.iter().map(|row| row[j]).collect()).collect(); // W₀ᵀ
        let e: Mat = mat_mul(&kb.to_vec(), &wt)
            .iter()
            .zip(vb)
            .map(|(a, b)| a.iter().zip(b).map(|(a, b)| a - b).collect())
            .collect();
        let base = mat_mul(&qb.to_vec(), &wt);
        for (t, (qt, bt)) in qb.iter().zip(base).enumerate() {
            let mask: Vec<f64> = (0..=t).map(|s| dot(qt, &kb[s])).collect(); // row t of tril(Q Kᵀ)
            let correction = vec_mat(&mask, &e[..=t].to_vec());
            z.push(bt.iter().zip(&correction).map(|(b, c)| b - eta * c).collect());
        }
        // W ← W₀ − η Eᵀ K: entry (i, j) falls by η Σ_s e_s[i] k_s[j].
        for (s, es) in e.iter().enumerate() {
            for (row, ei) in w.iter_mut().zip(es) {
                row.iter_mut().zip(&kb[s]).for_each(|(wij, kj)| *wij -= eta * ei * kj);
            }
        }
    }
    Ok((z, w))
}

/// A TTT-Linear layer: the three views' projections (M × d) and the initial state W₀ (d × d).
#[derive(Debug, Clone, PartialEq)]
pub struct TttLinear {
    /// θ_K, the training view.
    pub theta_k: Mat,
    /// θ_V, the label view.
    pub theta_v: Mat,
    /// θ_Q, the test view.
    pub theta_q: Mat,
    /// The state before the first token.
    pub w0: Mat,
    /// The inner learning rate η.
    pub eta: f64,
    /// Tokens per mini-batch b.
    pub batch: usize,
}

impl TttLinear {
    /// Random projections M → d, W₀ = 0.
    pub fn new(d_model: usize, d: usize, eta: f64, batch: usize, rng: &mut Rng) -> Self {
        let std = 1.0 / (d_model as f64).sqrt();
        Self {
            theta_k: randn(rng, d_model, d, std),
            theta_v: randn(rng, d_model, d, std),
            theta_q: randn(rng, d_model, d, std),
            w0: vec![vec![0.0; d]; d],
            eta,
            batch,
        }
    }

    /// The three views of x (T × M): (K, V, Q), each (T × d).
    pub fn views(&self, x: &Mat) -> (Mat, Mat, Mat) {
        (mat_mul(x, &self.theta_k), mat_mul(x, &self.theta_v), mat_mul(x, &self.theta_q))
    }

    /// x (T × M) → Z (T × d) by the dual form (the primal gives the same numbers).
    pub fn forward(&self, x: &Mat) -> Result<Mat> {
        let (k, v, q) = self.views(x);
        Ok(dual(&k, &v, &q, &self.w0, self.eta, self.batch)?.0)
    }

    /// The inner loss of every token *before* its own update, ℓ(W_(t−1); t) with online steps
    /// (b = 1): how well the state, trained on the tokens so far, predicts this one.
    pub fn online_losses(&self, x: &Mat) -> Vec<f64> {
        let (k, v, _) = self.views(x);
        let mut w = self.w0.clone();
        k.iter()
            .zip(&v)
            .map(|(kt, vt)| {
                let loss = inner_loss(&w, kt, vt);
                let at = w.clone();
                inner_step(&mut w, &at, self.eta, kt, vt);
                loss
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::max_abs_diff;
    use super::*;

    #[test]
    fn the_dual_form_equals_the_primal_loop() {
        let mut rng = Rng::new(9);
        for (t, d, batch) in [(1, 1, 1), (37, 4, 1), (37, 4, 8), (64, 6, 16), (20, 3, 64)] {
            let (k, v, q) = (randn(&mut rng, t, d, 1.0), randn(&mut rng, t, d, 1.0), randn(&mut rng, t, d, 1.0));
            let w0 = randn(&mut rng, d, d, 0.3);
            let (zp, wp) = primal(&k, &v, &q, &w0, 0.1, batch).unwrap();
            let (zd, wd) = dual(&k, &v, &q, &w0, 0.1, batch).unwrap();
            assert!(max_abs_diff(&zp, &zd) < 1e-12, "T {t} b {batch}: Z");
            assert!(max_abs_diff(&wp, &wd) < 1e-12, "T {t} b {batch}: W");
        }
        assert!(primal(&vec![vec![1.0]], &vec![], &vec![], &vec![vec![0.0]], 0.1, 1).is_err());
    }

    #[test]
    fn one_step_is_gradient_descent_on_the_reconstruction_loss() {
        // W = 0, k = [1, 2], v = [3, −1]: gradient (0 − v) kᵀ, so W ← η v kᵀ.
        let (mut w, at) = (vec![vec![0.0; 2]; 2], vec![vec![0.0; 2]; 2]);
        inner_step(&mut w, &at, 0.5, &[1.0, 2.0], &[3.0, -1.0]);
        assert_eq!(w, vec![vec![1.5, 3.0], vec![-0.5, -1.0]]);
        // The loss falls after a step when η‖k‖² < 2 (here 0.1 · 5 = 0.5).
        let (k, v) = ([1.0, 2.0], [3.0, -1.0]);
        let (mut w, at) = (vec![vec![0.0; 2]; 2], vec![vec![0.0; 2]; 2]);
        let before = inner_loss(&w, &k, &v);
        inner_step(&mut w, &at, 0.1, &k, &v);
        assert!(inner_loss(&w, &k, &v) < before);
    }

    #[test]
    fn with_zero_state_and_one_batch_it_is_unnormalized_linear_attention() {
        let mut rng = Rng::new(3);
        let (k, v, q) = (randn(&mut rng, 10, 3, 1.0), randn(&mut rng, 10, 3, 1.0), randn(&mut rng, 10, 3, 1.0));
        let (z, _) = dual(&k, &v, &q, &vec![vec![0.0; 3]; 3], 0.2, 10).unwrap();
        let la: Mat = (0..10)
            .map(|t| (0..3).map(|j| 0.2 * (0..=t).map(|s| dot(&q[t], &k[s]) * v[s][j]).sum::<f64>()).collect())
            .collect();
        assert!(max_abs_diff(&z, &la) < 1e-12);
    }

    #[test]
    fn the_state_learns_the_sequence_s_rule_as_it_reads() {
        // Tokens whose label view is a fixed linear function of the training view: the online
        // loss of a new token falls as W learns that function from the tokens before it.
        let mut rng = Rng::new(5);
        let mut layer = TttLinear::new(4, 4, 0.1, 1, &mut rng);
        let map = randn(&mut rng, 4, 4, 0.5);
        layer.theta_v = mat_mul(&layer.theta_k, &map); // v = x θ_K map = k · map: one fixed rule
        let x = randn(&mut rng, 300, 4, 1.0);
        let losses = layer.online_losses(&x);
        let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
        let (early, late) = (mean(&losses[..20]), mean(&losses[280..]));
        assert!(late < 0.05 * early, "early {early} late {late}");
        assert_eq!(layer.forward(&x).unwrap().len(), 300);
    }
}
