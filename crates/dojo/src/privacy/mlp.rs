//! The small classifier the privacy labs train, with exact per-example gradients.
//!
//! `logits = relu(x W₁ + b₁) W₂ + b₂`, cross-entropy loss, and a hand-written backward pass
//! (tested equal to candle's autograd run on one example at a time). DP-SGD ([`super::dp_sgd`])
//! needs one gradient per example; federated averaging ([`super::federated`]) and the attacks need
//! plain SGD steps and per-example losses.
//!
//! # Per-example gradients of a linear layer
//! For `y = x W + b` and upstream gradient `δ = ∂ℓ/∂y`, example i's gradients are the outer
//! product `∂ℓᵢ/∂W = xᵢᵀ δᵢ` and `∂ℓᵢ/∂b = δᵢ`; a batched matmul of (B, I, 1) by (B, 1, O) gives
//! all of them at once. Their norms need not even be formed: `‖xᵢᵀ δᵢ‖_F = ‖xᵢ‖·‖δᵢ‖` (the
//! "ghost norm" used by fast DP libraries); [`Mlp::per_example_norms`] checks it against the
//! materialized gradients in its test. The mean gradient of a batch is the same sum without the
//! batch axis: `∂L/∂W = xᵀ δ / B` ([`Mlp::sgd_step`]).

use crate::nn::Rng;
use crate::Result;
use candle_core::{DType, Device, Tensor, D};

/// A two-layer classifier: `logits = relu(x W₁ + b₁) W₂ + b₂`.
#[derive(Debug, Clone)]
pub struct Mlp {
    /// (I, H)
    pub w1: Tensor,
    /// (H)
    pub b1: Tensor,
    /// (H, K)
    pub w2: Tensor,
    /// (K)
    pub b2: Tensor,
}

/// One gradient per example for every parameter of an [`Mlp`]: a leading batch axis B.
#[derive(Debug, Clone)]
pub struct PerExample {
    /// (B, I, H)
    pub w1: Tensor,
    /// (B, H)
    pub b1: Tensor,
    /// (B, H, K)
    pub w2: Tensor,
    /// (B, K)
    pub b2: Tensor,
}

impl Mlp {
    /// He-initialised weights (std √(2/fan-in)), zero biases.
    pub fn new(inputs: usize, hidden: usize, classes: usize, rng: &mut Rng, dev: &Device) -> Result<Self> {
        Ok(Self {
            w1: rng.randn((inputs, hidden), (2.0 / inputs as f64).sqrt(), dev)?,
            b1: Tensor::zeros(hidden, DType::F32, dev)?,
            w2: rng.randn((hidden, classes), (2.0 / hidden as f64).sqrt(), dev)?,
            b2: Tensor::zeros(classes, DType::F32, dev)?,
        })
    }

    /// Parameter count P.
    pub fn params(&self) -> usize {
        [&self.w1, &self.b1, &self.w2, &self.b2].iter().map(|t| t.elem_count()).sum()
    }

    /// Pre-activations and activations of the hidden layer, then the logits.
    fn forward(&self, x: &Tensor) -> Result<(Tensor, Tensor, Tensor)> {
        let pre = x.matmul(&self.w1)?.broadcast_add(&self.b1)?; // (B, H)
        let h = pre.relu()?; // (B, H)
        let logits = h.matmul(&self.w2)?.broadcast_add(&self.b2)?; // (B, K)
        Ok((pre, h, logits))
    }

    /// Logits (B, K) for inputs x (B, I).
    pub fn logits(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward(x)?.2)
    }

    /// Per-example cross-entropy losses (B) against labels y (B, u32).
    pub fn losses(&self, x: &Tensor, y: &Tensor) -> Result<Tensor> {
        let logp = candle_nn::ops::log_softmax(&self.logits(x)?, D::Minus1)?; // (B, K)
        Ok(logp.gather(&y.unsqueeze(1)?, 1)?.squeeze(1)?.neg()?) // (B)
    }

    /// Fraction of x classified as y.
    pub fn accuracy(&self, x: &Tensor, y: &Tensor) -> Result<f64> {
        let pred = self.logits(x)?.argmax(D::Minus1)?; // (B)
        let right = pred.eq(y)?.to_dtype(DType::F32)?.mean_all()?.to_scalar::<f32>()?;
        Ok(f64::from(right))
    }

    /// The backward pass written out, per example: the hidden activations h (B, H) and the
    /// upstream gradients δ₁ = ∂ℓᵢ/∂pre (B, H) and δ₂ = ∂ℓᵢ/∂logits (B, K).
    fn deltas(&self, x: &Tensor, y: &Tensor) -> Result<(Tensor, Tensor, Tensor)> {
        let (pre, h, logits) = self.forward(x)?;
        // ∂ℓᵢ/∂logits = softmax − onehot, example by example (no 1/B: these are not averaged).
        let onehot = candle_nn::encoding::one_hot(y.clone(), logits.dim(1)?, 1f32, 0f32)?; // (B, K)
        let d2 = (candle_nn::ops::softmax_last_dim(&logits)? - onehot)?; // (B, K)
        let relu_pass = pre.gt(0f32)?.to_dtype(DType::F32)?; // (B, H): 1 where pre > 0
        let d1 = (d2.matmul(&self.w2.t()?)? * relu_pass)?; // (B, H)
        Ok((h, d1, d2))
    }

    /// Exact per-example gradients of the cross-entropy losses.
    pub fn per_example_grads(&self, x: &Tensor, y: &Tensor) -> Result<PerExample> {
        let (h, d1, d2) = self.deltas(x, y)?;
        let outer = |a: &Tensor, b: &Tensor| a.unsqueeze(2)?.matmul(&b.unsqueeze(1)?); // (B, M, 1)·(B, 1, O)
        Ok(PerExample { w1: outer(x, &d1)?, b1: d1, w2: outer(&h, &d2)?, b2: d2 })
    }

    /// ‖gᵢ‖ over all parameters (B), by the ghost norm: `‖xᵢ‖²‖δᵢ‖²` per weight, `‖δᵢ‖²` per bias,
    /// without forming the (B, I, H) and (B, H, K) gradients.
    pub fn per_example_norms(&self, x: &Tensor, y: &Tensor) -> Result<Tensor> {
        let (h, d1, d2) = self.deltas(x, y)?;
        let sq = |t: &Tensor| t.sqr()?.sum(1); // (B)
        let (d1, d2) = (sq(&d1)?, sq(&d2)?);
        let total = ((((sq(x)? * &d1)? + &d1)? + (sq(&h)? * &d2)?)? + &d2)?; // W₁, b₁, W₂, b₂
        Ok(total.sqrt()?)
    }

    /// The weighted sum of per-example gradients `Σᵢ wᵢ ∂ℓᵢ/∂θ` for weights w (B), as
    /// [W₁, b₁, W₂, b₂], without forming any per-example gradient: scaling each example's δ by wᵢ
    /// before the backward matmul gives `xᵀ (w ⊙ δ) = Σᵢ wᵢ xᵢᵀ δᵢ`. With w = 1/B this is the mean
    /// gradient; with wᵢ = min(1, C/‖gᵢ‖) it is DP-SGD's clipped sum ("ghost clipping": the norms
    /// from [`Mlp::per_example_norms`], then one ordinary backward pass).
    pub fn weighted_grad_sum(&self, x: &Tensor, y: &Tensor, w: &Tensor) -> Result<[Tensor; 4]> {
        let (h, d1, d2) = self.deltas(x, y)?;
        let w = w.unsqueeze(1)?; // (B, 1)
        let (d1, d2) = (d1.broadcast_mul(&w)?, d2.broadcast_mul(&w)?); // (B, H), (B, K)
        Ok([x.t()?.matmul(&d1)?, d1.sum(0)?, h.t()?.matmul(&d2)?, d2.sum(0)?]) // (I, H), (H), (H, K), (K)
    }

    /// Subtracts `scale · g` from each parameter, g in the order [W₁, b₁, W₂, b₂].
    pub fn update(&mut self, g: &[Tensor; 4], scale: f64) -> Result<()> {
        for (p, gi) in [&mut self.w1, &mut self.b1, &mut self.w2, &mut self.b2].into_iter().zip(g) {
            *p = (&*p - (gi * scale)?)?;
        }
        Ok(())
    }

    /// One plain SGD step on the mean loss of the batch (x: (B, I), y: (B) u32), in place:
    /// `θ ← θ − η · (1/B) Σᵢ ∂ℓᵢ/∂θ`.
    pub fn sgd_step(&mut self, x: &Tensor, y: &Tensor, lr: f64) -> Result<()> {
        let b = x.dim(0)?;
        let g = self.weighted_grad_sum(x, y, &Tensor::ones(b, DType::F32, x.device())?)?;
        self.update(&g, lr / b as f64)
    }
}

impl PerExample {
    /// ‖gᵢ‖ over all parameters together (B).
    pub fn norms(&self) -> Result<Tensor> {
        let sq = |t: &Tensor| t.sqr()?.flatten_from(1)?.sum(1); // (B)
        Ok((((sq(&self.w1)? + sq(&self.b1)?)? + sq(&self.w2)?)? + sq(&self.b2)?)?.sqrt()?)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::nn::{assert_close, Tolerance};
    use candle_core::Var;

    /// A small model with non-zero biases, b random inputs and labels cycling over 3 classes.
    pub(crate) fn setup(b: usize) -> (Mlp, Tensor, Tensor) {
        let dev = Device::Cpu;
        let mut rng = Rng::new(5);
        let mut m = Mlp::new(6, 7, 3, &mut rng, &dev).unwrap();
        m.b1 = rng.randn(7, 0.3, &dev).unwrap(); // non-zero biases so every path is exercised
        m.b2 = rng.randn(3, 0.3, &dev).unwrap();
        let x = rng.randn((b, 6), 1.0, &dev).unwrap();
        let y = Tensor::new((0..b as u32).map(|i| i % 3).collect::<Vec<_>>().as_slice(), &dev).unwrap();
        (m, x, y)
    }

    #[test]
    fn per_example_grads_equal_autograd_one_example_at_a_time() {
        let (m, x, y) = setup(5);
        let g = m.per_example_grads(&x, &y).unwrap();
        for i in 0..5 {
            let vars = [&m.w1, &m.b1, &m.w2, &m.b2].map(|t| Var::from_tensor(t).unwrap());
            let mi = Mlp {
                w1: vars[0].as_tensor().clone(),
                b1: vars[1].as_tensor().clone(),
                w2: vars[2].as_tensor().clone(),
                b2: vars[3].as_tensor().clone(),
            };
            let (xi, yi) = (x.narrow(0, i, 1).unwrap(), y.narrow(0, i, 1).unwrap());
            let grads = mi.losses(&xi, &yi).unwrap().sum_all().unwrap().backward().unwrap();
            for (v, ours) in vars.iter().zip([&g.w1, &g.b1, &g.w2, &g.b2]) {
                let want = grads.get(v.as_tensor()).unwrap();
                assert_close(&ours.get(i).unwrap(), want, Tolerance::new(1e-6, 1e-5));
            }
        }
    }

    #[test]
    fn ghost_norms_equal_the_materialized_norms() {
        let (m, x, y) = setup(9);
        let full = m.per_example_grads(&x, &y).unwrap().norms().unwrap();
        assert_close(&m.per_example_norms(&x, &y).unwrap(), &full, Tolerance::new(1e-5, 1e-5));
    }

    #[test]
    fn weighted_grad_sum_equals_the_weighted_per_example_gradients() {
        let (m, x, y) = setup(6);
        let w = Tensor::new(&[0.5f32, 1.0, 0.0, 2.0, 0.25, 1.0], &Device::Cpu).unwrap();
        let got = m.weighted_grad_sum(&x, &y, &w).unwrap();
        let g = m.per_example_grads(&x, &y).unwrap();
        for (sum, per) in got.iter().zip([&g.w1, &g.b1, &g.w2, &g.b2]) {
            let shape: Vec<usize> = std::iter::once(6).chain(std::iter::repeat_n(1, per.rank() - 1)).collect();
            let want = per.broadcast_mul(&w.reshape(shape).unwrap()).unwrap().sum(0).unwrap();
            assert_close(sum, &want, Tolerance::new(1e-5, 1e-5));
        }
    }

    #[test]
    fn sgd_step_follows_autograd_on_the_mean_loss() {
        let (m, x, y) = setup(8);
        let mut stepped = m.clone();
        stepped.sgd_step(&x, &y, 0.1).unwrap();
        let vars = [&m.w1, &m.b1, &m.w2, &m.b2].map(|t| Var::from_tensor(t).unwrap());
        let mv = Mlp {
            w1: vars[0].as_tensor().clone(),
            b1: vars[1].as_tensor().clone(),
            w2: vars[2].as_tensor().clone(),
            b2: vars[3].as_tensor().clone(),
        };
        let grads = mv.losses(&x, &y).unwrap().mean_all().unwrap().backward().unwrap();
        for (v, new) in vars.iter().zip([&stepped.w1, &stepped.b1, &stepped.w2, &stepped.b2]) {
            let want = (v.as_tensor() - (grads.get(v.as_tensor()).unwrap() * 0.1).unwrap()).unwrap();
            assert_close(new, &want, Tolerance::new(1e-6, 1e-5));
        }
    }
}
