//! The grokking model: a one-layer transformer for the three tokens `a b =`, written out.
//!
//! It is Nanda et al.'s (2023) architecture: token and position embeddings, one attention layer
//! (H heads), one ReLU MLP, an unembedding, no LayerNorm, embeddings not tied. Only the answer
//! at the last position is ever read, so only the last position is computed past the keys and
//! values: its query attends to all three positions (causal attention from the last token is
//! full attention), then the MLP and the unembedding act on that one residual vector. That is
//! the same function a full causal pass computes at position 3, at a third of the MLP cost.
//!
//! ```text
//! x   = W_E[ids] + W_pos                        (N, 3, C)
//! q   = x₃ W_Q,  k = x W_K,  v = x W_V          (N, H, D), then (N, 3, H, D) twice
//! att = softmax(q·k / √D) · v, heads joined     (N, C) → W_O
//! r   = x₃ + att W_O
//! r   = r + ReLU(r W_in + b_in) W_out + b_out   (N, C)
//! out = r W_U                                   (N, p)
//! ```

use crate::{Error, Result};
use candle_core::Tensor;
use candle_nn::{Init, VarBuilder};

/// The weights. Names under the builder: `embed`, `pos`, `attn.{q,k,v,o}`, `mlp.{w_in,b_in,
/// w_out,b_out}`, `unembed`.
#[derive(Debug, Clone)]
pub struct OneLayer {
    embed: Tensor,   // (p + 1, C): the numbers and `=`
    pos: Tensor,     // (3, C)
    wq: Tensor,      // (C, C)
    wk: Tensor,      // (C, C)
    wv: Tensor,      // (C, C)
    wo: Tensor,      // (C, C)
    w_in: Tensor,    // (C, 4C)
    b_in: Tensor,    // (4C,)
    w_out: Tensor,   // (4C, C)
    b_out: Tensor,   // (C,)
    unembed: Tensor, // (C, p)
    heads: usize,
}

impl OneLayer {
    /// Creates the weights for modulus `p`, width `c` and `heads` heads. Initialization: every
    /// matrix N(0, 1/fan_in), embeddings N(0, 1/C), biases 0.
    ///
    /// # Errors
    /// [`Error::Config`] unless `heads` divides `c`.
    pub fn new(p: usize, c: usize, heads: usize, vb: VarBuilder) -> Result<Self> {
        if heads == 0 || c % heads != 0 {
            return Err(Error::Config(format!("width {c} must be a multiple of heads {heads}")));
        }
        let n = |fan_in: usize| Init::Randn { mean: 0.0, stdev: (1.0 / fan_in as f64).sqrt() };
        let h = 4 * c;
        Ok(Self {
            embed: vb.get_with_hints((p + 1, c), "embed", n(c))?,
            pos: vb.get_with_hints((3, c), "pos", n(c))?,
            wq: vb.get_with_hints((c, c), "attn.q", n(c))?,
            wk: vb.get_with_hints((c, c), "attn.k", n(c))?,
            wv: vb.get_with_hints((c, c), "attn.v", n(c))?,
            wo: vb.get_with_hints((c, c), "attn.o", n(c))?,
            w_in: vb.get_with_hints((c, h), "mlp.w_in", n(c))?,
            b_in: vb.get_with_hints(h, "mlp.b_in", Init::Const(0.0))?,
            w_out: vb.get_with_hints((h, c), "mlp.w_out", n(h))?,
            b_out: vb.get_with_hints(c, "mlp.b_out", Init::Const(0.0))?,
            unembed: vb.get_with_hints((c, p), "unembed", n(c))?,
            heads,
        })
    }

    /// Logits of the answer.
    ///
    /// # Shapes
    /// ids (N, 3) u32 → (N, p)
    pub fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let (n, t) = ids.dims2()?;
        if t != 3 {
            return Err(Error::Config(format!("the model reads `a b =`, 3 tokens; got {t}")));
        }
        let c = self.pos.dim(1)?;
        let (h, d) = (self.heads, c / self.heads);
        let x = self.embed.embedding(&ids.flatten_all()?)?.reshape((n, 3, c))?.broadcast_add(&self.pos)?; // (N, 3, C)
        let last = x.narrow(1, 2, 1)?.squeeze(1)?; // (N, C): the `=` position

        // One query against three keys per head: broadcast products and sums, not N·H tiny matmuls.
        let q = last.matmul(&self.wq)?.reshape((n, 1, h, d))?; // (N, 1, H, D)
        let heads = |w: &Tensor| -> Result<Tensor> { Ok(x.reshape((n * 3, c))?.matmul(w)?.reshape((n, 3, h, d))?) }; // (N, 3, H, D)
        let (k, v) = (heads(&self.wk)?, heads(&self.wv)?);
        let scores = (q.broadcast_mul(&k)?.sum(3)? / (d as f64).sqrt())?; // (N, 3, H): q·k per key and head
        let weights = crate::nn::softmax(&scores, 1)?; // over the 3 keys
        let att = weights.unsqueeze(3)?.broadcast_mul(&v)?.sum(1)?; // (N, H, D): Σ_t w_t v_t
        let att = att.reshape((n, c))?.matmul(&self.wo)?; // heads joined: (N, C)
        let r = (last + att)?;
        let hidden = r.matmul(&self.w_in)?.broadcast_add(&self.b_in)?.relu()?; // (N, 4C)
        let r = (&r + hidden.matmul(&self.w_out)?.broadcast_add(&self.b_out)?)?; // (N, C)
        Ok(r.matmul(&self.unembed)?) // (N, p)
    }

    /// The embeddings of the numbers 0…p−1 (not `=`), `[p][C]`, for the Fourier view.
    pub fn number_embeddings(&self) -> Result<Vec<Vec<f64>>> {
        let p = self.embed.dim(0)? - 1;
        Ok(self.embed.narrow(0, 0, p)?.to_dtype(candle_core::DType::F64)?.to_vec2()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Params;
    use candle_core::Device;

    /// The last-position shortcut equals a full causal pass read at position 3: recompute the
    /// answer by explicit loops over one example.
    #[test]
    fn the_forward_matches_a_loop_over_one_example() {
        let dev = Device::Cpu;
        let params = Params::new(4);
        let m = OneLayer::new(5, 8, 2, params.var_builder(&dev)).unwrap();
        let ids = Tensor::new(&[[1u32, 3, 5]], &dev).unwrap();
        let got = m.forward(&ids).unwrap().to_vec2::<f32>().unwrap()[0].clone();

        let mat = |name: &str| params.var(name).unwrap().as_tensor().to_vec2::<f32>().unwrap();
        let vecv = |name: &str| params.var(name).unwrap().as_tensor().to_vec1::<f32>().unwrap();
        let (e, pos) = (mat("embed"), mat("pos"));
        let x: Vec<Vec<f32>> = (0..3).map(|t| (0..8).map(|j| e[[1, 3, 5][t]][j] + pos[t][j]).collect()).collect();
        let mul = |v: &[f32], w: &[Vec<f32>]| -> Vec<f32> {
            (0..w[0].len()).map(|j| v.iter().zip(w).map(|(a, row)| a * row[j]).sum()).collect()
        };
        let (wq, wk, wv, wo) = (mat("attn.q"), mat("attn.k"), mat("attn.v"), mat("attn.o"));
        let q = mul(&x[2], &wq);
        let ks: Vec<Vec<f32>> = x.iter().map(|xt| mul(xt, &wk)).collect();
        let vs: Vec<Vec<f32>> = x.iter().map(|xt| mul(xt, &wv)).collect();
        let mut att = vec![0f32; 8];
        for head in 0..2 {
            let r = head * 4..head * 4 + 4;
            let s: Vec<f32> = ks.iter().map(|k| r.clone().map(|i| q[i] * k[i]).sum::<f32>() / 2.0).collect();
            let mx = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let z: f32 = s.iter().map(|v| (v - mx).exp()).sum();
            for (t, vt) in vs.iter().enumerate() {
                for i in r.clone() {
                    att[i] += (s[t] - mx).exp() / z * vt[i];
                }
            }
        }
        let o = mul(&att, &wo);
        let r1: Vec<f32> = (0..8).map(|i| x[2][i] + o[i]).collect();
        let b_in = vecv("mlp.b_in");
        let hid: Vec<f32> = mul(&r1, &mat("mlp.w_in")).iter().zip(&b_in).map(|(a, b)| (a + b).max(0.0)).collect();
        let b_out = vecv("mlp.b_out");
        let r2: Vec<f32> =
            mul(&hid, &mat("mlp.w_out")).iter().zip(&b_out).zip(&r1).map(|((a, b), r)| a + b + r).collect();
        let want = mul(&r2, &mat("unembed"));
        assert_eq!(got.len(), 5);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-4, "{got:?} vs {want:?}");
        }
    }
}
