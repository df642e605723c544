//! The selective scan as one fused operation with a hand-written backward pass, as Mamba's
//! hardware-aware kernel does it: the forward pass keeps no per-step state, and the backward
//! pass recomputes the states h_t instead of reading them back from memory.
//!
//! Gu & Dao 2023 (arXiv:2312.00752, §3.3.2): the expanded states are N times larger than the
//! layer's input and output, so the kernel keeps them in fast on-chip memory, writes only y, and
//! recomputes h in the backward pass. On a CPU the same structure pays for a different reason:
//! written as tensor operations, the scan is T small steps whose autograd graph holds every
//! intermediate; fused, it is one pass over flat arrays each way.
//!
//! Per batch b, channel e and state n, with a_t = exp(Δ_t·A) and x_t = Δ_t·u_t·B_t:
//!
//! ```text
//! forward:   h_t = a_t h_(t−1) + x_t,   y_t[e] = Σ_n C_t[n] h_t[e][n]
//! backward:  ĝ_t = ∂L/∂y_t[e]·C_t[n] + a_(t+1)·ĝ_(t+1)        (ĝ_t = ∂L/∂h_t, from t = T−1 down)
//!            ∂L/∂C_t[n] += ∂L/∂y_t[e]·h_t        ∂L/∂a_t = ĝ_t·h_(t−1)
//!            ∂L/∂Δ_t += ∂L/∂a_t·a_t·A + ĝ_t·u_t·B_t      ∂L/∂A += ∂L/∂a_t·a_t·Δ_t
//!            ∂L/∂u_t += ĝ_t·Δ_t·B_t      ∂L/∂B_t += ĝ_t·Δ_t·u_t
//! ```
//!
//! [`scan_reference`] computes the same forward with ordinary tensor operations (autograd
//! differentiates it); the tests check the fused forward and backward against it.

use crate::nn::fused::f32s;
use crate::Result;
use candle_core::{CpuStorage, CustomOp3, DType, IndexOp, Layout, Shape, Tensor, D};

/// The fused scan. Inputs: `dtu` (B, T, 2E) = [Δ | u], `bc` (B, T, 2N) = [B | C], `a` (E, N).
/// Output: y (B, T, E), without the skip D·u.
pub fn selective_scan(dt: &Tensor, u: &Tensor, b: &Tensor, c: &Tensor, a: &Tensor) -> Result<Tensor> {
    let dtu = Tensor::cat(&[dt, u], D::Minus1)?.contiguous()?;
    let bc = Tensor::cat(&[b, c], D::Minus1)?.contiguous()?;
    Ok(dtu.apply_op3(&bc, &a.contiguous()?, SelectiveScan)?)
}

/// The scan written as tensor operations, one step per position (what autograd sees).
///
/// # Shapes
/// dt, u: (B, T, E); b, c: (B, T, N); a: (E, N) → (B, T, E)
pub fn scan_reference(dt: &Tensor, u: &Tensor, b: &Tensor, c: &Tensor, a: &Tensor) -> Result<Tensor> {
    let (bs, t, e) = dt.dims3()?;
    let n = a.dim(1)?;
    let du = (dt * u)?;
    let mut h = Tensor::zeros((bs, e, n), dt.dtype(), dt.device())?;
    let mut ys = Vec::with_capacity(t);
    for s in 0..t {
        let decay = dt.i((.., s))?.unsqueeze(2)?.broadcast_mul(a)?.exp()?; // (B, E, N)
        let input = du.i((.., s))?.unsqueeze(2)?.broadcast_mul(&b.i((.., s))?.unsqueeze(1)?)?;
        h = ((decay * h)? + input)?;
        ys.push(h.broadcast_mul(&c.i((.., s))?.unsqueeze(1)?)?.sum(D::Minus1)?);
    }
    Ok(Tensor::stack(&ys, 1)?)
}

struct SelectiveScan;

/// Sizes and flat views of the three inputs.
struct Lanes<'a> {
    t: usize,
    e: usize,
    n: usize,
    dtu: &'a [f32],
    bc: &'a [f32],
    a: &'a [f32],
}

impl Lanes<'_> {
    /// Every state h_t[e][n] and decay a_t[e][n] of batch row `b`, each (T, E, N) flat, in the
    /// order the memory holds them (t, then e, then n), so the inner loop runs over n.
    fn states(&self, b: usize) -> (Vec<f32>, Vec<f32>) {
        let (t, e, n) = (self.t, self.e, self.n);
        let (mut hs, mut decays) = (vec![0f32; t * e * n], vec![0f32; t * e * n]);
        for ti in 0..t {
            let (row, bc) = ((b * t + ti) * 2 * e, (b * t + ti) * 2 * n);
            for ei in 0..e {
                let (dt, u) = (self.dtu[row + ei], self.dtu[row + e + ei]);
                let at = (ti * e + ei) * n;
                for ni in 0..n {
                    let decay = (dt * self.a[ei * n + ni]).exp();
                    let prev = if ti > 0 { hs[at - e * n + ni] } else { 0.0 };
                    hs[at + ni] = decay * prev + dt * u * self.bc[bc + ni];
                    decays[at + ni] = decay;
                }
            }
        }
        (hs, decays)
    }
}

impl CustomOp3 for SelectiveScan {
    fn name(&self) -> &'static str {
        "selective-scan"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (b, t, e2) = l1.shape().dims3()?;
        let (e, n) = l3.shape().dims2()?;
        if e2 != 2 * e || l2.shape().dims3()? != (b, t, 2 * n) {
            return Err(candle_core::Error::Msg("selective scan: expected (B,T,2E), (B,T,2N), (E,N)".into()));
        }
        let (dtu, bc, a) = (f32s(s1, l1, self.name())?, f32s(s2, l2, self.name())?, f32s(s3, l3, self.name())?);
        let lanes = Lanes { t, e, n, dtu, bc, a };
        let mut y = vec![0f32; b * t * e];
        for bi in 0..b {
            let (hs, _) = lanes.states(bi);
            for ti in 0..t {
                let c = &lanes.bc[(bi * t + ti) * 2 * n + n..][..n];
                for ei in 0..e {
                    let h = &hs[(ti * e + ei) * n..][..n];
                    y[(bi * t + ti) * e + ei] = h.iter().zip(c).map(|(h, c)| h * c).sum();
                }
            }
        }
        Ok((CpuStorage::F32(y), Shape::from((b, t, e))))
    }

    fn bwd(
        &self,
        dtu: &Tensor,
        bc: &Tensor,
        a: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (b, t, e2) = dtu.dims3()?;
        let (e, n) = a.dims2()?;
        let flat = |x: &Tensor| -> candle_core::Result<Vec<f32>> { x.to_dtype(DType::F32)?.flatten_all()?.to_vec1() };
        let (dtu_v, bc_v, a_v, gy) = (flat(dtu)?, flat(bc)?, flat(a)?, flat(grad)?);
        let lanes = Lanes { t, e, n, dtu: &dtu_v, bc: &bc_v, a: &a_v };
        let (mut g_dtu, mut g_bc, mut g_a) = (vec![0f32; b * t * e2], vec![0f32; b * t * 2 * n], vec![0f32; e * n]);
        let mut carry = vec![0f32; e * n]; // a_(t+1)·ĝ_(t+1) per (e, n)
        for bi in 0..b {
            let (hs, decays) = lanes.states(bi); // recomputed, not stored by the forward pass
            carry.iter_mut().for_each(|c| *c = 0.0);
            for ti in (0..t).rev() {
                let (row, bcr) = ((bi * t + ti) * e2, (bi * t + ti) * 2 * n);
                for ei in 0..e {
                    let gyt = gy[(bi * t + ti) * e + ei];
                    let (dt, u) = (dtu_v[row + ei], dtu_v[row + e + ei]);
                    let at = (ti * e + ei) * n;
                    let (mut g_dt, mut g_u) = (0.0, 0.0);
                    for ni in 0..n {
                        let (bm, cm) = (bc_v[bcr + ni], bc_v[bcr + n + ni]);
                        let g_h = gyt * cm + carry[ei * n + ni];
                        let h_prev = if ti > 0 { hs[at - e * n + ni] } else { 0.0 };
                        let g_decay = g_h * h_prev * decays[at + ni]; // ∂L/∂a_t · a_t
                        g_dt += g_decay * a_v[ei * n + ni] + g_h * u * bm;
                        g_u += g_h * dt * bm;
                        g_a[ei * n + ni] += g_decay * dt;
                        g_bc[bcr + ni] += g_h * dt * u;
                        g_bc[bcr + n + ni] += gyt * hs[at + ni];
                        carry[ei * n + ni] = decays[at + ni] * g_h;
                    }
                    g_dtu[row + ei] += g_dt;
                    g_dtu[row + e + ei] += g_u;
                }
            }
        }
        let dev = dtu.device();
        Ok((
            Some(Tensor::from_vec(g_dtu, (b, t, e2), dev)?),
            Some(Tensor::from_vec(g_bc, (b, t, 2 * n), dev)?),
            Some(Tensor::from_vec(g_a, (e, n), dev)?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Rng;
    use candle_core::{Device, Var};

    fn max_rel(a: &Tensor, b: &Tensor) -> f32 {
        let scale = b.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap().max(1e-6);
        (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap() / scale
    }

    #[test]
    fn the_fused_scan_matches_autograd_through_the_loop() {
        let dev = Device::Cpu;
        let mut rng = Rng::new(3);
        let (bs, t, e, n) = (2, 9, 5, 3);
        let dt = Var::from_tensor(&(rng.rand((bs, t, e), 0.01, 0.5, &dev).unwrap())).unwrap();
        let u = Var::from_tensor(&rng.randn((bs, t, e), 1.0, &dev).unwrap()).unwrap();
        let b = Var::from_tensor(&rng.randn((bs, t, n), 1.0, &dev).unwrap()).unwrap();
        let c = Var::from_tensor(&rng.randn((bs, t, n), 1.0, &dev).unwrap()).unwrap();
        let a = Var::from_tensor(&rng.rand((e, n), -3.0, -0.5, &dev).unwrap()).unwrap();
        let w = rng.randn((bs, t, e), 1.0, &dev).unwrap(); // a random linear loss L = Σ w ⊙ y
        let fused = selective_scan(&dt, &u, &b, &c, &a).unwrap();
        let reference = scan_reference(&dt, &u, &b, &c, &a).unwrap();
        assert!(max_rel(&fused, &reference) < 1e-5, "forward {}", max_rel(&fused, &reference));
        let gf = (&fused * &w).unwrap().sum_all().unwrap().backward().unwrap();
        let gr = (&reference * &w).unwrap().sum_all().unwrap().backward().unwrap();
        for (name, var) in [("dt", &dt), ("u", &u), ("B", &b), ("C", &c), ("A", &a)] {
            let (x, y) = (gf.get(var.as_tensor()).unwrap(), gr.get(var.as_tensor()).unwrap());
            assert!(max_rel(x, y) < 1e-4, "∂L/∂{name}: {}", max_rel(x, y));
        }
    }
}
