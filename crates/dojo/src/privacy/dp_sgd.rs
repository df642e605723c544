//! DP-SGD (Abadi et al. 2016): SGD whose every update has bounded sensitivity to any one example,
//! plus enough Gaussian noise to hide it.
//!
//! One step, for a dataset of N examples, sampling rate q, clipping norm C, noise multiplier σ:
//!
//! 1. **Poisson sampling**: each example joins the batch independently with probability q (the
//!    batch size varies; an empty batch still takes a noisy step). The accountant's ε assumes
//!    exactly this sampling.
//! 2. **Per-example gradients** `gᵢ`, exact: one gradient per example, not the batch mean.
//! 3. **Clipping**: `ḡᵢ = gᵢ · min(1, C / ‖gᵢ‖)`, the L2 norm over *all* parameters at once. Now
//!    adding or removing one example moves the sum by at most C: the sensitivity is C.
//! 4. **Noise**: `g̃ = (Σᵢ ḡᵢ + N(0, σ²C²·I)) / (qN)`, divided by the *expected* batch size (the
//!    real one would leak whether a given example was sampled).
//! 5. **Update**: `θ ← θ − η·g̃`.
//!
//! The privacy cost of T such steps is accounted in [`super::rdp`]. What it costs in accuracy:
//! clipping biases the gradient (large per-example gradients, often the hard or rare examples,
//! are shrunk most), and the noise's norm, σC·√P for P parameters, swamps the signal unless the
//! batch is large: the signal grows with qN, the noise does not.
//!
//! The model is the two-layer classifier of [`super::mlp`]. Its per-example gradients are never
//! materialized here: the norms come from the ghost-norm identity ‖xᵢᵀδᵢ‖ = ‖xᵢ‖·‖δᵢ‖ and the
//! clipped sum from one backward pass with each example's δᵢ scaled by its clipping factor
//! ("ghost clipping", Goodfellow 2015; Li et al. 2022). Both are exact, and a step costs about two
//! ordinary backward passes instead of B separate gradients; the tests compare them with the
//! materialized per-example gradients.

use super::mlp::Mlp;
use crate::nn::Rng;
use crate::{Error, Result};
use candle_core::Tensor;

/// DP-SGD's hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DpSgd {
    /// Sampling rate q: each example joins a batch with this probability.
    pub q: f64,
    /// Clipping norm C; `f64::INFINITY` turns clipping off.
    pub clip: f64,
    /// Noise multiplier σ (noise std σC); 0 turns noise off.
    pub sigma: f64,
    /// Learning rate η.
    pub lr: f64,
}

/// What one step did, for plots of the gradient norms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepStats {
    /// Examples sampled into this batch.
    pub batch: usize,
    /// Mean per-example gradient norm before clipping (NaN for an empty batch).
    pub mean_norm: f64,
    /// Fraction of the batch whose gradient was clipped (NaN for an empty batch).
    pub clipped: f64,
    /// ‖Σ ḡᵢ‖: the clipped signal.
    pub signal_norm: f64,
    /// ‖noise‖, σC·√P in expectation.
    pub noise_norm: f64,
}

impl DpSgd {
    /// Checks the ranges: q in (0, 1], C > 0, σ ≥ 0, η > 0, and C finite when σ > 0.
    pub fn validate(&self) -> Result<()> {
        let ok = self.q > 0.0 && self.q <= 1.0 && self.clip > 0.0 && self.sigma >= 0.0 && self.lr > 0.0;
        if ok && (self.sigma == 0.0 || self.clip.is_finite()) {
            Ok(())
        } else {
            Err(Error::Config(format!("DP-SGD needs q in (0, 1], C > 0, σ ≥ 0, η > 0; got {self:?}")))
        }
    }

    /// One DP-SGD step on `model` over the dataset (x: (N, I), y: (N) u32), in place.
    pub fn step(&self, model: &mut Mlp, x: &Tensor, y: &Tensor, rng: &mut Rng) -> Result<StepStats> {
        self.validate()?;
        let n = x.dim(0)?;
        let dev = x.device();
        // 1) Poisson sampling
        let picked: Vec<u32> = (0..n as u32).filter(|_| rng.uniform() < self.q).collect();
        let (mut mean_norm, mut clipped) = (f64::NAN, f64::NAN);
        let sums = if picked.is_empty() {
            [&model.w1, &model.b1, &model.w2, &model.b2]
                .map(|p| p.zeros_like())
                .into_iter()
                .collect::<candle_core::Result<Vec<_>>>()?
        } else {
            let idx = Tensor::new(picked.as_slice(), dev)?;
            let (xb, yb) = (x.index_select(&idx, 0)?, y.index_select(&idx, 0)?); // (B, I), (B)

            // 2) the per-example gradient norms ‖gᵢ‖ (B), exact, by the ghost norm
            let norms = model.per_example_norms(&xb, &yb)?;
            let norms_v = norms.to_vec1::<f32>()?;
            mean_norm = norms_v.iter().map(|&v| f64::from(v)).sum::<f64>() / norms_v.len() as f64;
            clipped = norms_v.iter().filter(|&&v| f64::from(v) > self.clip).count() as f64 / norms_v.len() as f64;

            // 3) clip: Σᵢ min(1, C/‖gᵢ‖)·gᵢ, one backward pass with the examples reweighted
            let scale = (norms.recip()? * self.clip)?.clamp(0f32, 1f32)?; // (B)
            model.weighted_grad_sum(&xb, &yb, &scale)?.into()
        };
        let signal_sq =
            sums.iter().map(|s| Ok(f64::from(s.sqr()?.sum_all()?.to_scalar::<f32>()?))).sum::<Result<f64>>()?;

        // 4) Gaussian noise of std σC on every coordinate, then divide by the expected batch size
        let mut noise_sq = 0.0;
        let mut noisy = Vec::with_capacity(4);
        for s in sums {
            noisy.push(if self.sigma > 0.0 {
                let z = rng.randn(s.shape(), self.sigma * self.clip, dev)?;
                noise_sq += f64::from(z.sqr()?.sum_all()?.to_scalar::<f32>()?);
                (s + z)?
            } else {
                s
            });
        }
        // 5) the SGD update
        let noisy: [Tensor; 4] = noisy.try_into().expect("four parameters");
        model.update(&noisy, self.lr / (self.q * n as f64))?;
        Ok(StepStats {
            batch: picked.len(),
            mean_norm,
            clipped,
            signal_norm: signal_sq.sqrt(),
            noise_norm: noise_sq.sqrt(),
        })
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Tolerance};
    use crate::privacy::mlp::tests::setup;

    #[test]
    fn without_clipping_or_noise_a_full_batch_step_is_plain_sgd() {
        let (m, x, y) = setup(8);
        let mut dp = m.clone();
        let cfg = DpSgd { q: 1.0, clip: f64::INFINITY, sigma: 0.0, lr: 0.1 };
        let s = cfg.step(&mut dp, &x, &y, &mut Rng::new(1)).unwrap();
        assert_eq!((s.batch, s.clipped, s.noise_norm), (8, 0.0, 0.0));
        let mut plain = m.clone();
        plain.sgd_step(&x, &y, 0.1).unwrap(); // itself tested against autograd
        for (got, want) in [(&dp.w1, &plain.w1), (&dp.b1, &plain.b1), (&dp.w2, &plain.w2), (&dp.b2, &plain.b2)] {
            assert_close(got, want, Tolerance::new(1e-6, 1e-5));
        }
    }

    #[test]
    fn clipping_bounds_each_example_and_noise_has_std_sigma_c() {
        let (m, x, y) = setup(64);
        let cfg = DpSgd { q: 1.0, clip: 0.05, sigma: 0.0, lr: 0.1 };
        let s = cfg.step(&mut m.clone(), &x, &y, &mut Rng::new(2)).unwrap();
        assert_eq!(s.clipped, 1.0, "every norm is above C = 0.05: {s:?}");
        // All clipped to C: the sum has norm at most B·C, with equality only if all align.
        assert!(s.signal_norm <= 64.0 * 0.05 + 1e-6 && s.signal_norm > 0.0, "{s:?}");
        let noisy = DpSgd { sigma: 2.0, ..cfg };
        let s = noisy.step(&mut m.clone(), &x, &y, &mut Rng::new(3)).unwrap();
        let expected = 2.0 * 0.05 * (m.params() as f64).sqrt(); // E‖z‖ ≈ σC√P
        assert!((s.noise_norm / expected - 1.0).abs() < 0.1, "{} vs {expected}", s.noise_norm);
    }

    #[test]
    fn poisson_sampling_takes_about_qn_and_bad_settings_are_errors() {
        let (m, x, y) = setup(200);
        let cfg = DpSgd { q: 0.25, clip: 1.0, sigma: 1.0, lr: 0.1 };
        let mut rng = Rng::new(4);
        let sizes: Vec<usize> = (0..40).map(|_| cfg.step(&mut m.clone(), &x, &y, &mut rng).unwrap().batch).collect();
        let mean = sizes.iter().sum::<usize>() as f64 / 40.0;
        assert!((mean - 50.0).abs() < 5.0, "mean batch {mean}");
        assert!(sizes.iter().any(|&s| s != sizes[0]), "Poisson batches vary in size");
        for bad in [DpSgd { q: 0.0, ..cfg }, DpSgd { clip: 0.0, ..cfg }, DpSgd { sigma: -1.0, ..cfg }] {
            assert!(bad.step(&mut m.clone(), &x, &y, &mut rng).is_err());
        }
    }
}
