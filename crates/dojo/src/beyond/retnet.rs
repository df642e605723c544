//! RetNet's retention: attention without the softmax and with an exponential decay, which gives
//! one computation three equal forms — parallel (training), recurrent (O(1) per token
//! generation) and chunkwise (long sequences: parallel inside a chunk, recurrent across).
//!
//! Paper: Sun, Dong, Huang, Ma, Xia, Xue, Wang, Wei 2023, "Retentive Network: A Successor to
//! Transformer for Large Language Models", arXiv:2307.08621, section 2.
//!
//! One head with decay γ ∈ (0, 1), queries and keys (T × D), values (T × Dv):
//!
//! ```text
//! parallel:    O = (Q Kᵀ ⊙ Dγ) V,   Dγ[n][m] = γ^(n−m) for n ≥ m, else 0          O(T²)
//! recurrent:   S_n = γ S_(n−1) + k_nᵀ v_n   (D × Dv),   o_n = q_n S_n              O(T)
//! chunkwise:   for a chunk of b positions starting after state R (= S before it),
//!              o_j = (inside the chunk, parallel) + γ^(j+1) q_j R      (j = 0 … b−1)
//!              R ← γ^b R + Σ_j γ^(b−1−j) k_jᵀ v_j
//! ```
//!
//! Causal linear attention ([`super::linear_attention`]) is the case γ = 1 with a feature map
//! and a normalizer; retention drops both and forgets instead: a token's weight falls by γ per
//! step. **Multi-scale** retention gives every head its own γ_h = 1 − 2^(−5−h), so head 0
//! remembers about 1/(1 − γ) = 32 tokens and head 3 about 256.
//!
//! With no softmax the output's scale is free, so each head's output is normalized per token
//! (**group norm**, one group per head), then gated: MSR(X) = (swish(X W_G) ⊙ GroupNorm(O)) W_O.
//! Group norm is invariant to a head's scale, which is why the paper may rescale Q Kᵀ ⊙ Dγ for
//! numerical range without changing the result.
//!
//! Left out: the xPos-style rotation of q and k (a relative-position rotation applied before
//! retention; it changes q and k, not the equality of the forms) and group norm's learned gain.

use super::{dot, mat_mul, randn, silu, Mat};
use crate::nn::Rng;
use crate::{Error, Result};

/// Each head's decay, γ_h = 1 − 2^(−5−h).
pub fn gammas(heads: usize) -> Vec<f64> {
    (0..heads).map(|h| 1.0 - 2f64.powi(-5 - h as i32)).collect()
}

fn check(q: &Mat, k: &Mat, v: &Mat, gamma: f64) -> Result<()> {
    let d = q.first().map_or(0, Vec::len);
    let dv = v.first().map_or(0, Vec::len);
    let shapes = q.len() == k.len()
        && k.len() == v.len()
        && q.iter().chain(k).all(|r| r.len() == d)
        && v.iter().all(|r| r.len() == dv);
    if !shapes {
        return Err(Error::Config("retention: q, k need T rows of D, v T rows of Dv".into()));
    }
    if !(gamma > 0.0 && gamma <= 1.0) {
        return Err(Error::Config(format!("retention: the decay γ must be in (0, 1], got {gamma}")));
    }
    Ok(())
}

/// The parallel form: o_n = Σ_(m ≤ n) γ^(n−m) (q_n · k_m) v_m, every pair at once.
pub fn parallel(q: &Mat, k: &Mat, v: &Mat, gamma: f64) -> Result<Mat> {
    check(q, k, v, gamma)?;
    Ok((0..q.len()).map(|n| row(&q[n], &k[..=n], &v[..=n], gamma)).collect())
}

/// One row of the parallel form: query q_n against the n + 1 keys and values so far (the last
/// being token n's own), O(n·D). Decoding this way is what a KV cache does: the past grows.
pub fn row(q: &[f64], k: &[Vec<f64>], v: &[Vec<f64>], gamma: f64) -> Vec<f64> {
    let mut o = vec![0.0; v.first().map_or(0, Vec::len)];
    let mut decay = 1.0; // γ^(n−m), walking m from n down to 0
    for (km, vm) in k.iter().zip(v).rev() {
        let w = decay * dot(q, km);
        o.iter_mut().zip(vm).for_each(|(o, x)| *o += w * x);
        decay *= gamma;
    }
    o
}

/// One recurrent step: S ← γ S + kᵀ v (D × Dv), returns o = q S.
pub fn step(s: &mut Mat, gamma: f64, q: &[f64], k: &[f64], v: &[f64]) -> Vec<f64> {
    for (row, &ki) in s.iter_mut().zip(k) {
        row.iter_mut().zip(v).for_each(|(sij, &vj)| *sij = gamma * *sij + ki * vj);
    }
    super::vec_mat(q, s)
}

/// The recurrent form: one [`step`] per token from S = 0; the state is D × Dv numbers.
pub fn recurrent(q: &Mat, k: &Mat, v: &Mat, gamma: f64) -> Result<Mat> {
    check(q, k, v, gamma)?;
    let mut s = vec![vec![0.0; v.first().map_or(0, Vec::len)]; q.first().map_or(0, Vec::len)];
    Ok(q.iter().zip(k).zip(v).map(|((q, k), v)| step(&mut s, gamma, q, k, v)).collect())
}

/// The chunkwise form: the parallel form inside each chunk of `chunk` positions, plus the
/// state R carried from the chunks before, decayed to each position.
pub fn chunkwise(q: &Mat, k: &Mat, v: &Mat, gamma: f64, chunk: usize) -> Result<Mat> {
    check(q, k, v, gamma)?;
    if chunk == 0 {
        return Err(Error::Config("retention: the chunk size must be at least 1".into()));
    }
    let (d, dv) = (q.first().map_or(0, Vec::len), v.first().map_or(0, Vec::len));
    let mut r = vec![vec![0.0; dv]; d];
    let mut out = Vec::with_capacity(q.len());
    for start in (0..q.len()).step_by(chunk) {
        let end = (start + chunk).min(q.len());
        let (qc, kc, vc) = (q[start..end].to_vec(), k[start..end].to_vec(), v[start..end].to_vec());
        let inner = parallel(&qc, &kc, &vc, gamma)?;
        for (j, (o, qj)) in inner.into_iter().zip(&qc).enumerate() {
            let cross = super::vec_mat(qj, &r);
            let decay = gamma.powi(j as i32 + 1);
            out.push(o.iter().zip(&cross).map(|(o, c)| o + decay * c).collect());
        }
        let b = end - start;
        for row in r.iter_mut() {
            row.iter_mut().for_each(|x| *x *= gamma.powi(b as i32));
        }
        for (j, (kj, vj)) in kc.iter().zip(&vc).enumerate() {
            let w = gamma.powi((b - 1 - j) as i32);
            for (row, &ki) in r.iter_mut().zip(kj) {
                row.iter_mut().zip(vj).for_each(|(x, &vv)| *x += w * ki * vv);
            }
        }
    }
    Ok(out)
}

/// Which form of retention to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Form {
    /// O(T²), every pair at once.
    Parallel,
    /// O(T), one token at a time.
    Recurrent,
    /// Parallel inside chunks of the given size, recurrent across them.
    Chunkwise(usize),
}

/// One head's retention in the chosen form.
pub fn retention(q: &Mat, k: &Mat, v: &Mat, gamma: f64, form: Form) -> Result<Mat> {
    match form {
        Form::Parallel => parallel(q, k, v, gamma),
        Form::Recurrent => recurrent(q, k, v, gamma),
        Form::Chunkwise(c) => chunkwise(q, k, v, gamma, c),
    }
}

/// Normalizes x to zero mean and unit variance: (x − μ) / √(σ² + ε).
pub fn group_norm(x: &[f64], eps: f64) -> Vec<f64> {
    let n = x.len().max(1) as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    x.iter().map(|v| (v - mean) / (var + eps).sqrt()).collect()
}

/// A multi-scale retention layer: H heads of width Dh = M / H, each with its own decay.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiScaleRetention {
    /// Queries, keys, values and gate, each (M × M): head h uses columns h·Dh … (h+1)·Dh.
    pub w_q: Mat,
    /// See `w_q`.
    pub w_k: Mat,
    /// See `w_q`.
    pub w_v: Mat,
    /// See `w_q`.
    pub w_g: Mat,
    /// The out-projection, (M × M).
    pub w_o: Mat,
    /// γ_h per head.
    pub gammas: Vec<f64>,
}

/// Group norm's ε.
const EPS: f64 = 1e-6;

impl MultiScaleRetention {
    /// Width `d_model` split into `heads` heads, with the paper's decays.
    pub fn new(d_model: usize, heads: usize, rng: &mut Rng) -> Result<Self> {
        if heads == 0 || d_model % heads != 0 {
            return Err(Error::Config(format!("retention: {heads} heads do not divide width {d_model}")));
        }
        let std = 1.0 / (d_model as f64).sqrt();
        let mut w = || randn(rng, d_model, d_model, std);
        Ok(Self { w_q: w(), w_k: w(), w_v: w(), w_g: w(), w_o: w(), gammas: gammas(heads) })
    }

    /// x (T × M) → (T × M), with every head's retention in the chosen form.
    pub fn forward(&self, x: &Mat, form: Form) -> Result<Mat> {
        let m = self.w_q.len();
        if x.iter().any(|r| r.len() != m) {
            return Err(Error::Config(format!("retention: every token needs {m} features")));
        }
        let dh = m / self.gammas.len();
        let scale = 1.0 / (dh as f64).sqrt();
        let (q, k, v, g) = (mat_mul(x, &self.w_q), mat_mul(x, &self.w_k), mat_mul(x, &self.w_v), mat_mul(x, &self.w_g));
        let cols = |a: &Mat, h: usize, s: f64| -> Mat {
            a.iter().map(|r| r[h * dh..(h + 1) * dh].iter().map(|x| x * s).collect()).collect()
        };
        let mut y = vec![Vec::with_capacity(m); x.len()];
        for (h, &gamma) in self.gammas.iter().enumerate() {
            let o = retention(&cols(&q, h, 1.0), &cols(&k, h, scale), &cols(&v, h, 1.0), gamma, form)?;
            for (yt, ot) in y.iter_mut().zip(&o) {
                yt.extend(group_norm(ot, EPS));
            }
        }
        let gated: Mat = y.iter().zip(&g).map(|(y, g)| y.iter().zip(g).map(|(y, g)| silu(*g) * y).collect()).collect();
        Ok(mat_mul(&gated, &self.w_o))
    }
}

#[cfg(test)]
mod tests {
    use super::super::max_abs_diff;
    use super::*;

    #[test]
    fn the_three_forms_are_equal() {
        let mut rng = Rng::new(6);
        for (t, d, dv) in [(1, 1, 1), (9, 4, 3), (50, 8, 8)] {
            let (q, k, v) = (randn(&mut rng, t, d, 1.0), randn(&mut rng, t, d, 1.0), randn(&mut rng, t, dv, 1.0));
            for gamma in [1.0, 0.97, 0.5] {
                let p = parallel(&q, &k, &v, gamma).unwrap();
                assert!(max_abs_diff(&p, &recurrent(&q, &k, &v, gamma).unwrap()) < 1e-11, "T {t} γ {gamma}");
                for chunk in [1, 4, 7, 64] {
                    let c = chunkwise(&q, &k, &v, gamma, chunk).unwrap();
                    assert!(max_abs_diff(&p, &c) < 1e-11, "T {t} γ {gamma} chunk {chunk}");
                }
            }
        }
    }

    #[test]
    fn a_token_s_weight_decays_by_gamma_per_step() {
        // One key-value pair at position 0, then zeros: o_n = γ^n (q_n · k_0) v_0.
        let t = 40;
        let mut k = vec![vec![0.0]; t];
        let mut v = vec![vec![0.0]; t];
        (k[0][0], v[0][0]) = (1.0, 1.0);
        let q = vec![vec![1.0]; t];
        let o = recurrent(&q, &k, &v, 0.9).unwrap();
        for (n, on) in o.iter().enumerate() {
            assert!((on[0] - 0.9f64.powi(n as i32)).abs() < 1e-14);
        }
        let g = gammas(4);
        assert_eq!(g, vec![1.0 - 1.0 / 32.0, 1.0 - 1.0 / 64.0, 1.0 - 1.0 / 128.0, 1.0 - 1.0 / 256.0]);
    }

    #[test]
    fn the_layer_gives_one_output_in_every_form() {
        let mut rng = Rng::new(12);
        let layer = MultiScaleRetention::new(8, 2, &mut rng).unwrap();
        let x = randn(&mut rng, 21, 8, 1.0);
        let p = layer.forward(&x, Form::Parallel).unwrap();
        assert!(max_abs_diff(&p, &layer.forward(&x, Form::Recurrent).unwrap()) < 1e-9);
        assert!(max_abs_diff(&p, &layer.forward(&x, Form::Chunkwise(5)).unwrap()) < 1e-9);
        assert!(MultiScaleRetention::new(8, 3, &mut rng).is_err());
        assert!(chunkwise(&x, &x, &x, 0.9, 0).is_err() && parallel(&x, &x, &x, 1.5).is_err());
    }

    #[test]
    fn group_norm_makes_the_layer_blind_to_a_head_s_scale() {
        let mut rng = Rng::new(1);
        let layer = MultiScaleRetention::new(8, 2, &mut rng).unwrap();
        let x = randn(&mut rng, 12, 8, 1.0);
        let mut louder = layer.clone();
        louder.w_v.iter_mut().flatten().for_each(|w| *w *= 10.0); // every head's output × 10
        let (a, b) = (layer.forward(&x, Form::Parallel).unwrap(), louder.forward(&x, Form::Parallel).unwrap());
        assert!(max_abs_diff(&a, &b) < 1e-4, "{}", max_abs_diff(&a, &b));
        let n = group_norm(&[1.0, 2.0, 3.0, 6.0], 0.0);
        assert!(
            n.iter().sum::<f64>().abs() < 1e-12 && (n.iter().map(|v| v * v).sum::<f64>() / 4.0 - 1.0).abs() < 1e-12
        );
    }
}
