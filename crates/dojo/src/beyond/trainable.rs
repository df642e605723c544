//! Trainable S4D and Mamba layers: the computations of [`super::s4d`] and [`super::mamba`] as
//! candle tensors (f32, batched, with gradients), tested equal to those f64 references.
//!
//! - [`S4dLayer`] runs as a convolution: the kernel K̄ (E channels × T lags) is built from the
//!   parameters, laid out as a causal Toeplitz matrix per channel, and multiplied with the
//!   input — the training form, parallel over positions, O(T²·E) where an FFT would be
//!   O(T log T·E) (fine at the labs' lengths). The layer is time-invariant.
//! - [`MambaLayer`] is the Mamba block: Δ, B, C come from the input, so there is no kernel; the
//!   selective scan runs sequentially, fused into one operation with a hand-written backward
//!   pass ([`super::fused_scan`]); the associative and chunked forms give the same numbers
//!   (see [`super::mamba`]).
//!
//! Parameterization, as in the papers: Re(A) = −exp(·) keeps every state decaying; Δ = exp(log Δ)
//! (S4D) or softplus(·) (Mamba) keeps the step positive. S4D keeps Im(A) at S4D-Lin's πn
//! (not trained) and B = 1; C, Δ, Re(A) and D train.

use crate::transformers::proj::linear as apply;
use crate::{Error, Result};
use candle_core::{DType, IndexOp, Tensor};
use candle_nn::init::Init;
use candle_nn::{Linear, VarBuilder};

/// softplus(x) = ln(1 + eˣ), as relu(x) + ln(1 + e^(−|x|)) so large x cannot overflow.
pub fn softplus(x: &Tensor) -> Result<Tensor> {
    Ok((x.relu()? + (x.abs()?.neg()?.exp()? + 1.0)?.log()?)?)
}

/// eˣ − 1 without cancellation for small x: 2·tanh(x/2) / (1 − tanh(x/2)), an identity.
fn exp_m1(x: &Tensor) -> Result<Tensor> {
    let t = (x * 0.5)?.tanh()?;
    Ok(((&t * 2.0)? / (t.neg()? + 1.0)?)?)
}

/// One S4D layer over E channels, N complex states each (each standing for a conjugate pair).
#[derive(Debug, Clone)]
pub struct S4dLayer {
    /// log Δ per channel, (E).
    pub log_dt: Tensor,
    /// log(−Re A), (E, N).
    pub log_neg_re_a: Tensor,
    /// Im A = πn, fixed, (E, N).
    pub im_a: Tensor,
    /// C's real and imaginary parts, (E, N) each.
    pub c_re: Tensor,
    /// See `c_re`.
    pub c_im: Tensor,
    /// The skip D, (E).
    pub d: Tensor,
}

impl S4dLayer {
    /// S4D-Lin: Re A = −½, Im A = πn, C ~ N(0, ½) per part, log Δ uniform in [ln 0.001, ln 0.1].
    pub fn new(channels: usize, states: usize, vb: VarBuilder) -> Result<Self> {
        let dev = vb.device().clone();
        let im: Vec<f32> = (0..channels).flat_map(|_| (0..states).map(|n| std::f32::consts::PI * n as f32)).collect();
        let half = 0.5f64.sqrt();
        Ok(Self {
            log_dt: vb.get_with_hints(channels, "log_dt", Init::Uniform { lo: 0.001f64.ln(), up: 0.1f64.ln() })?,
            log_neg_re_a: vb.get_with_hints((channels, states), "log_neg_re_a", Init::Const(0.5f64.ln()))?,
            im_a: Tensor::from_vec(im, (channels, states), &dev)?,
            c_re: vb.get_with_hints((channels, states), "c_re", Init::Randn { mean: 0.0, stdev: half })?,
            c_im: vb.get_with_hints((channels, states), "c_im", Init::Randn { mean: 0.0, stdev: half })?,
            d: vb.get_with_hints(channels, "d", Init::Const(1.0))?,
        })
    }

    /// The SSM kernel K̄\[e\]\[j\] = 2·Re(Σ_n C_n Ā_n^j B̄_n), B = 1, j = 0 … len−1.
    ///
    /// # Shapes
    /// → (E, len)
    pub fn kernel(&self, len: usize) -> Result<Tensor> {
        let dt = self.log_dt.exp()?.unsqueeze(1)?; // (E, 1)
        let (ar, ai) = (self.log_neg_re_a.exp()?.neg()?, &self.im_a); // (E, N)
        let (zr, zi) = (ar.broadcast_mul(&dt)?, ai.broadcast_mul(&dt)?); // Δ·A
                                                                         // exp(ΔA) − 1 = expm1(zr)·cos(zi) − 2 sin²(zi/2)  +  i·e^zr sin(zi)
        let half_sin = (&zi * 0.5)?.sin()?;
        let num_re = ((exp_m1(&zr)? * zi.cos()?)? - (half_sin.sqr()? * 2.0)?)?;
        let num_im = (zr.exp()? * zi.sin()?)?;
        // B̄ = (exp(ΔA) − 1) / A, complex division
        let norm = (ar.sqr()? + ai.sqr()?)?;
        let b_re = ((&num_re * &ar)? + (&num_im * ai)?)?.div(&norm)?;
        let b_im = ((&num_im * &ar)? - (&num_re * ai)?)?.div(&norm)?;
        let cb_re = ((&self.c_re * &b_re)? - (&self.c_im * &b_im)?)?; // C·B̄, (E, N)
        let cb_im = ((&self.c_re * &b_im)? + (&self.c_im * &b_re)?)?;
        // Ā^j = e^(j·zr) (cos(j·zi) + i sin(j·zi)), (E, N, len)
        let j = Tensor::arange(0u32, len as u32, zr.device())?.to_dtype(DType::F32)?.reshape((1, 1, len))?;
        let mag = zr.unsqueeze(2)?.broadcast_mul(&j)?.exp()?;
        let ang = zi.unsqueeze(2)?.broadcast_mul(&j)?;
        let re = (mag.mul(&ang.cos()?)?.broadcast_mul(&cb_re.unsqueeze(2)?)?
            - mag.mul(&ang.sin()?)?.broadcast_mul(&cb_im.unsqueeze(2)?)?)?;
        Ok((re.sum(1)? * 2.0)?)
    }

    /// y = K̄ ∗ u + D·u per channel, as one causal Toeplitz matmul per channel.
    ///
    /// # Shapes
    /// u: (B, T, E) → (B, T, E)
    pub fn forward(&self, u: &Tensor) -> Result<Tensor> {
        let (_, t, e) = u.dims3()?;
        let k = self.kernel(t)?; // (E, T)
        let dev = u.device();
        let idx: Vec<u32> = (0..t).flat_map(|i| (0..t).map(move |s| i.saturating_sub(s) as u32)).collect();
        let mask: Vec<f32> = (0..t).flat_map(|i| (0..t).map(move |s| if s <= i { 1.0 } else { 0.0 })).collect();
        let toeplitz = k
            .index_select(&Tensor::from_vec(idx, t * t, dev)?, 1)?
            .reshape((e, t, t))?
            .broadcast_mul(&Tensor::from_vec(mask, (1, t, t), dev)?)?; // (E, T, T): K̄[i − s] for s ≤ i
        let y = toeplitz.matmul(&u.permute((2, 1, 0))?.contiguous()?)?; // (E, T, B)
        Ok((y.permute((2, 1, 0))? + u.broadcast_mul(&self.d)?)?)
    }

    /// The channel `e` as the f64 reference ([`super::s4d::S4d`]), for tests and reading.
    pub fn to_reference(&self, e: usize) -> Result<super::s4d::S4d> {
        use super::s4d::C64;
        let row = |t: &Tensor| -> Result<Vec<f64>> { Ok(t.i(e)?.to_dtype(DType::F64)?.to_vec1::<f64>()?) };
        let (re, im, cr, ci) = (row(&self.log_neg_re_a)?, row(&self.im_a)?, row(&self.c_re)?, row(&self.c_im)?);
        Ok(super::s4d::S4d {
            a: re.iter().zip(&im).map(|(r, i)| C64::new(-r.exp(), *i)).collect(),
            b: vec![C64::new(1.0, 0.0); re.len()],
            c: cr.iter().zip(&ci).map(|(r, i)| C64::new(*r, *i)).collect(),
            dt: f64::from(self.log_dt.i(e)?.to_scalar::<f32>()?).exp(),
            d: f64::from(self.d.i(e)?.to_scalar::<f32>()?),
        })
    }
}

/// The Mamba block over width M, inner width E = 2M, N states per channel, convolution width K.
#[derive(Debug, Clone)]
pub struct MambaLayer {
    /// x → (u, z), weight (2E, M).
    pub in_proj: Linear,
    /// Depthwise causal convolution, (E, K): tap j multiplies u_(t−K+1+j).
    pub conv_w: Tensor,
    /// Its bias, (E).
    pub conv_b: Tensor,
    /// u → (Δ's rank-R input, B, C), weight (R + 2N, E).
    pub x_proj: Linear,
    /// Δ's rank-R input → E, weight (E, R).
    pub dt_proj: Tensor,
    /// Δ's bias, (E): softplus of it starts Δ near [0.001, 0.1].
    pub dt_bias: Tensor,
    /// log(−A), (E, N), S4D-Real: A\[e\]\[n\] = −(n + 1).
    pub a_log: Tensor,
    /// The skip D, (E).
    pub d: Tensor,
    /// (E → M), weight (M, E).
    pub out_proj: Linear,
}

impl MambaLayer {
    /// A block of width `width` with `states` per channel and convolution width `conv`.
    pub fn new(width: usize, states: usize, conv: usize, vb: VarBuilder) -> Result<Self> {
        if width == 0 || states == 0 || conv == 0 {
            return Err(Error::Config("Mamba layer: width, states and conv must be at least 1".into()));
        }
        let (e, rank) = (2 * width, width.div_ceil(16));
        let dev = vb.device().clone();
        let a: Vec<f32> = (0..e).flat_map(|_| (1..=states).map(|n| (n as f32).ln())).collect();
        let a_log = vb.get_with_hints((e, states), "a_log", Init::Const(0.0))?;
        let a_log = (a_log + Tensor::from_vec(a, (e, states), &dev)?)?; // trainable offset from S4D-Real
        let std_in = |n: usize| Init::Randn { mean: 0.0, stdev: 1.0 / (n as f64).sqrt() };
        Ok(Self {
            in_proj: Linear::new(vb.get_with_hints((2 * e, width), "in_proj", std_in(width))?, None),
            conv_w: vb.get_with_hints((e, conv), "conv_w", std_in(conv))?,
            conv_b: vb.get_with_hints(e, "conv_b", Init::Const(0.0))?,
            x_proj: Linear::new(vb.get_with_hints((rank + 2 * states, e), "x_proj", std_in(e))?, None),
            dt_proj: vb.get_with_hints((e, rank), "dt_proj", std_in(rank))?,
            // softplus⁻¹(0.001) ≈ −6.9, softplus⁻¹(0.1) ≈ −2.25; softplus(x) ≈ eˣ there, so
            // uniform biases give Δ close to log-uniform, as the paper initializes it.
            dt_bias: vb.get_with_hints(e, "dt_bias", Init::Uniform { lo: -6.9, up: -2.25 })?,
            a_log,
            d: vb.get_with_hints(e, "d", Init::Const(1.0))?,
            out_proj: Linear::new(vb.get_with_hints((width, e), "out_proj", std_in(e))?, None),
        })
    }

    fn dims(&self) -> Result<(usize, usize, usize, usize)> {
        let (e, n) = self.a_log.dims2()?;
        let (_, k) = self.conv_w.dims2()?;
        let (_, rank) = self.dt_proj.dims2()?;
        Ok((e, n, k, rank))
    }

    /// The full forward pass: in-projection, causal conv + SiLU, selective scan, gate, out.
    ///
    /// # Shapes
    /// x: (B, T, M) → (B, T, M)
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t, _) = x.dims3()?;
        let (e, n, k, rank) = self.dims()?;
        let xz = apply(&self.in_proj, x)?; // (B, T, 2E)
        let (u, z) = (xz.narrow(2, 0, e)?, xz.narrow(2, e, e)?);
        // Causal depthwise conv: pad K − 1 zeros on the left, sum the K shifted copies.
        let padded = Tensor::cat(&[Tensor::zeros((b, k - 1, e), u.dtype(), u.device())?, u], 1)?;
        let mut conv = self.conv_b.reshape((1, 1, e))?.broadcast_as((b, t, e))?.contiguous()?;
        for j in 0..k {
            conv = (conv + padded.narrow(1, j, t)?.broadcast_mul(&self.conv_w.narrow(1, j, 1)?.squeeze(1)?)?)?;
        }
        let u = candle_nn::ops::silu(&conv)?; // (B, T, E)
        let proj = apply(&self.x_proj, &u)?; // (B, T, R + 2N)
        let dt_in = proj.narrow(2, 0, rank)?;
        let (bm, cm) = (proj.narrow(2, rank, n)?, proj.narrow(2, rank + n, n)?); // (B, T, N)
        let dt = softplus(&dt_in.broadcast_matmul(&self.dt_proj.t()?)?.broadcast_add(&self.dt_bias)?)?; // (B, T, E)
        let a = self.a_log.exp()?.neg()?; // (E, N)
                                          // h ← exp(Δ·A) h + Δ·B·u, y = C·h: one fused pass (see fused_scan.rs)
        let y = (super::fused_scan::selective_scan(&dt, &u, &bm, &cm, &a)? + u.broadcast_mul(&self.d)?)?; // (B, T, E)
        Ok(apply(&self.out_proj, &(y * candle_nn::ops::silu(&z)?)?)?)
    }

    /// The same block as the f64 reference ([`super::mamba::MambaBlock`]), for tests and reading.
    pub fn to_reference(&self) -> Result<super::mamba::MambaBlock> {
        let mat = |t: &Tensor| -> Result<super::Mat> { Ok(t.to_dtype(DType::F64)?.to_vec2::<f64>()?) };
        let vec = |t: &Tensor| -> Result<Vec<f64>> { Ok(t.to_dtype(DType::F64)?.to_vec1::<f64>()?) };
        Ok(super::mamba::MambaBlock {
            w_in: mat(&self.in_proj.weight().t()?)?,
            conv: mat(&self.conv_w)?,
            conv_b: vec(&self.conv_b)?,
            ssm: super::mamba::SelectiveSsm {
                a_log: mat(&self.a_log)?,
                d: vec(&self.d)?,
                w_x: mat(&self.x_proj.weight().t()?)?,
                w_dt: mat(&self.dt_proj.t()?)?,
                b_dt: vec(&self.dt_bias)?,
            },
            w_out: mat(&self.out_proj.weight().t()?)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::mamba::Scan;
    use super::*;
    use crate::nn::{Params, Rng};
    use candle_core::Device;

    fn rows(x: &Tensor, b: usize) -> super::super::Mat {
        x.i(b).unwrap().to_dtype(DType::F64).unwrap().to_vec2::<f64>().unwrap()
    }

    #[test]
    fn s4d_layer_equals_the_f64_recurrence() {
        let dev = Device::Cpu;
        let params = Params::new(4);
        let layer = S4dLayer::new(3, 4, params.var_builder(&dev).pp("s4d")).unwrap();
        let u = Rng::new(1).randn((2, 25, 3), 1.0, &dev).unwrap();
        let y = layer.forward(&u).unwrap();
        for b in 0..2 {
            let (ub, yb) = (rows(&u, b), rows(&y, b));
            for e in 0..3 {
                let ssm = layer.to_reference(e).unwrap();
                let series: Vec<f64> = ub.iter().map(|r| r[e]).collect();
                let want = ssm.recur(&series);
                let diff = yb.iter().zip(&want).map(|(r, w)| (r[e] - w).abs()).fold(0.0, f64::max);
                assert!(diff < 1e-4, "batch {b} channel {e}: {diff}");
            }
        }
    }

    #[test]
    fn mamba_layer_equals_the_f64_block() {
        let dev = Device::Cpu;
        let params = Params::new(7);
        let layer = MambaLayer::new(8, 4, 3, params.var_builder(&dev).pp("mamba")).unwrap();
        let x = Rng::new(2).randn((2, 15, 8), 1.0, &dev).unwrap();
        let y = layer.forward(&x).unwrap();
        let block = layer.to_reference().unwrap();
        for b in 0..2 {
            let want = block.forward(&rows(&x, b), Scan::Associative).unwrap();
            let diff = super::super::max_abs_diff(&rows(&y, b), &want);
            assert!(diff < 1e-4, "batch {b}: {diff}");
        }
    }

    #[test]
    fn gradients_reach_every_mamba_parameter() {
        let dev = Device::Cpu;
        let params = Params::new(3);
        let layer = MambaLayer::new(4, 2, 2, params.var_builder(&dev)).unwrap();
        let x = Rng::new(5).randn((1, 6, 4), 1.0, &dev).unwrap();
        let grads = layer.forward(&x).unwrap().sqr().unwrap().sum_all().unwrap().backward().unwrap();
        for (name, var) in params.named_vars() {
            let g = grads.get(var.as_tensor()).unwrap_or_else(|| panic!("no gradient for {name}"));
            assert!(g.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap() > 0.0, "{name}");
        }
        assert_eq!(params.named_vars().len(), 9);
        let s = softplus(&Tensor::new(&[-50f32, 0.0, 50.0], &dev).unwrap()).unwrap().to_vec1::<f32>().unwrap();
        assert!((s[1] - 2f32.ln()).abs() < 1e-6 && s[2] == 50.0 && s[0] >= 0.0);
    }
}
