//! Causal linear attention: softmax's exp(q·k) replaced by a kernel φ(q)·φ(k), which turns
//! attention into a recurrence with a fixed-size state, equal to its parallel form.
//!
//! Paper: Katharopoulos, Vyas, Pappas, Fleuret 2020, "Transformers are RNNs: Fast
//! Autoregressive Transformers with Linear Attention", arXiv:2006.16236, sections 3.1–3.4.
//!
//! With a feature map φ (here elu(x) + 1, positive so the normalizer is too), causal attention
//! for one head is
//!
//!   parallel:   y_t = Σ_(s ≤ t) φ(q_t)·φ(k_s) v_s  /  Σ_(s ≤ t) φ(q_t)·φ(k_s)      O(T²·D)
//!
//! and because φ(q_t) factors out of both sums,
//!
//!   recurrent:  S_t = S_(t−1) + φ(k_t) v_tᵀ   (D × Dv),   z_t = z_(t−1) + φ(k_t)   (D)
//!               y_t = Sᵀ_t φ(q_t) / (z_t · φ(q_t))                                  O(T·D·Dv)
//!
//! The state (S, z) has the same size at every step: a prefix sum of outer products. That is
//! the whole gain, and the whole loss: softmax attention can retrieve one exact key among T
//! because exp sharpens its weights; a D × Dv state holds at most D linearly independent keys,
//! so recall of exact key → value associations degrades once more than about D are stored
//! (Schlag et al. 2021 read S as fast weights written by each token). Topic 1's Performer uses
//! the same trick, without the causal mask.

use super::dot;
use crate::{Error, Result};

/// elu(x) + 1: x + 1 for x > 0, eˣ otherwise. Positive everywhere, smooth, identity-like.
pub fn elu_plus_one(x: f64) -> f64 {
    if x > 0.0 {
        x + 1.0
    } else {
        x.exp()
    }
}

fn phi(x: &[f64]) -> Vec<f64> {
    x.iter().map(|&v| elu_plus_one(v)).collect()
}

fn check(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>]) -> Result<()> {
    let d = q.first().map_or(0, Vec::len);
    let dv = v.first().map_or(0, Vec::len);
    let ok = q.len() == k.len()
        && k.len() == v.len()
        && q.iter().chain(k).all(|r| r.len() == d)
        && v.iter().all(|r| r.len() == dv);
    if ok {
        Ok(())
    } else {
        Err(Error::Config("linear attention: q, k need T rows of D, v T rows of Dv".into()))
    }
}

/// The parallel form: every query against every earlier key, O(T²). q, k: (T, D); v: (T, Dv).
pub fn parallel(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
    check(q, k, v)?;
    let (fq, fk): (Vec<_>, Vec<_>) = (q.iter().map(|r| phi(r)).collect(), k.iter().map(|r| phi(r)).collect());
    let dv = v.first().map_or(0, Vec::len);
    Ok((0..q.len())
        .map(|t| {
            let w: Vec<f64> = (0..=t).map(|s| dot(&fq[t], &fk[s])).collect(); // unnormalized weights
            let norm: f64 = w.iter().sum();
            (0..dv).map(|j| (0..=t).map(|s| w[s] * v[s][j]).sum::<f64>() / norm).collect()
        })
        .collect())
}

/// The recurrent state: S = Σ φ(k_s) v_sᵀ, (D, Dv) row-major, and z = Σ φ(k_s), (D).
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Σ φ(k) vᵀ.
    pub s: Vec<Vec<f64>>,
    /// Σ φ(k).
    pub z: Vec<f64>,
}

impl State {
    /// The empty prefix, for key width `d` and value width `dv`.
    pub fn new(d: usize, dv: usize) -> Self {
        Self { s: vec![vec![0.0; dv]; d], z: vec![0.0; d] }
    }

    /// Adds token (q, k, v) to the prefix sums and returns its output y = Sᵀφ(q) / z·φ(q).
    pub fn step(&mut self, q: &[f64], k: &[f64], v: &[f64]) -> Vec<f64> {
        let (fq, fk) = (phi(q), phi(k));
        for (i, &fki) in fk.iter().enumerate() {
            self.z[i] += fki;
            self.s[i].iter_mut().zip(v).for_each(|(sij, &vj)| *sij += fki * vj);
        }
        let norm = dot(&self.z, &fq);
        (0..v.len()).map(|j| (0..fq.len()).map(|i| self.s[i][j] * fq[i]).sum::<f64>() / norm).collect()
    }
}

/// The recurrent form: one step per token with a (D × Dv + D)-number state, O(T).
pub fn recurrent(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
    check(q, k, v)?;
    let mut state = State::new(q.first().map_or(0, Vec::len), v.first().map_or(0, Vec::len));
    Ok(q.iter().zip(k).zip(v).map(|((q, k), v)| state.step(q, k, v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Rng;

    fn rows(rng: &mut Rng, t: usize, d: usize) -> Vec<Vec<f64>> {
        (0..t).map(|_| (0..d).map(|_| rng.normal()).collect()).collect()
    }

    #[test]
    fn recurrent_form_equals_parallel_form() {
        let mut rng = Rng::new(5);
        for (t, d, dv) in [(1, 1, 1), (7, 4, 3), (64, 16, 8)] {
            let (q, k, v) = (rows(&mut rng, t, d), rows(&mut rng, t, d), rows(&mut rng, t, dv));
            let (p, r) = (parallel(&q, &k, &v).unwrap(), recurrent(&q, &k, &v).unwrap());
            let diff = p.iter().flatten().zip(r.iter().flatten()).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            assert!(diff < 1e-12, "T {t}: {diff}");
        }
    }

    #[test]
    fn outputs_are_convex_combinations_of_the_values_so_far() {
        let mut rng = Rng::new(2);
        let (q, k) = (rows(&mut rng, 20, 4), rows(&mut rng, 20, 4));
        let v: Vec<Vec<f64>> = (0..20).map(|t| vec![t as f64]).collect();
        let y = recurrent(&q, &k, &v).unwrap();
        // Positive weights summing to 1 over s ≤ t: y_t lies in [0, t], and y_0 = v_0.
        assert_eq!(y[0][0], 0.0);
        for (t, yt) in y.iter().enumerate() {
            assert!(yt[0] >= -1e-12 && yt[0] <= t as f64 + 1e-12, "{t}: {}", yt[0]);
        }
        assert_eq!(elu_plus_one(-1.0), (-1.0f64).exp());
        assert_eq!(elu_plus_one(2.0), 3.0);
    }

    #[test]
    fn ragged_inputs_are_errors() {
        let e = parallel(&[vec![1.0]], &[vec![1.0, 2.0]], &[vec![1.0]]).unwrap_err();
        assert!(e.to_string().contains("T rows of D"));
        assert!(recurrent(&[vec![1.0]], &[], &[]).is_err());
    }
}
