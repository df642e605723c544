//! Absolute positions: a vector per position added to the token embedding (sinusoidal or
//! learned), and NoPE, adding nothing.
//!
//! Papers: Vaswani et al. 2017, section 3.5 (sinusoidal); Radford et al. 2018/2019 (GPT's
//! learned table); Kazemnejad et al. 2023, "The Impact of Positional Encoding on Length
//! Generalization", arXiv:2305.19466 (NoPE: a causal mask alone already lets a decoder infer
//! positions). The relative alternatives are [`super::rope`] and [`super::alibi`].
//! Left out on purpose: dropout.

use crate::{Error, Result};
use candle_core::{Device, Module, Tensor};
use candle_nn::{Embedding, VarBuilder};

/// The sinusoidal table for positions `offset..offset+T`:
///
/// PE(p, 2i) = sin(p / 10000^(2i/C)),  PE(p, 2i+1) = cos(p / 10000^(2i/C))
///
/// Each pair of channels is a sine/cosine at one frequency, from 1 radian per token down to
/// 1/10000, so PE(p + k) is a fixed rotation of PE(p): relative offsets are linear functions of
/// the encoding. Nothing is learned, and it is defined for any p (but models rarely extrapolate
/// with it in practice: see the `position-extrapolation` lab's question).
///
/// # Shapes
/// → (T, C), broadcasts against (B, T, C)
pub fn sinusoidal(t: usize, c: usize, offset: usize, device: &Device) -> Result<Tensor> {
    if c % 2 != 0 {
        return Err(Error::Config(format!("sinusoidal positions need an even width, got {c}")));
    }
    let mut v = Vec::with_capacity(t * c);
    for p in offset..offset + t {
        for i in 0..c / 2 {
            let angle = p as f64 / 10_000f64.powf(2.0 * i as f64 / c as f64);
            v.extend([angle.sin() as f32, angle.cos() as f32]);
        }
    }
    Ok(Tensor::from_vec(v, (t, c), device)?)
}

/// A learned table of `max_len` position vectors (GPT-2, BERT): flexible, but position
/// `max_len` and beyond simply do not exist.
#[derive(Debug, Clone)]
pub struct LearnedPositions {
    table: Embedding,
    max_len: usize,
}

impl LearnedPositions {
    /// A (max_len, C) table under `vb` (`weight`), initialised N(0, 0.02²) as in GPT-2.
    pub fn new(max_len: usize, c: usize, vb: VarBuilder) -> Result<Self> {
        let w = vb.get_with_hints((max_len, c), "weight", candle_nn::Init::Randn { mean: 0.0, stdev: 0.02 })?;
        Ok(Self { table: Embedding::new(w, c), max_len })
    }

    /// The vectors for positions `offset..offset+T`.
    ///
    /// # Shapes
    /// → (T, C)
    pub fn forward(&self, t: usize, offset: usize, device: &Device) -> Result<Tensor> {
        if offset + t > self.max_len {
            return Err(Error::Config(format!(
                "learned positions exist for 0..{}, asked for {}..{}: a learned table cannot extrapolate",
                self.max_len,
                offset,
                offset + t
            )));
        }
        let ids = Tensor::arange(offset as u32, (offset + t) as u32, device)?;
        Ok(self.table.forward(&ids)?) // (T) -> (T, C)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Params, Tolerance};

    #[test]
    fn sinusoidal_hand_computed() {
        // C = 4: frequencies 1 and 1/100. Position 0 is [0, 1, 0, 1]; position 1 is
        // [sin 1, cos 1, sin 0.01, cos 0.01].
        let pe = sinusoidal(2, 4, 0, &Device::Cpu).unwrap();
        let want =
            Tensor::new(&[[0f32, 1.0, 0.0, 1.0], [1f32.sin(), 1f32.cos(), 0.01f32.sin(), 0.01f32.cos()]], &Device::Cpu)
                .unwrap();
        assert_close(&pe, &want, Tolerance::F32);
        // An offset gives the later rows.
        assert_close(&sinusoidal(1, 4, 1, &Device::Cpu).unwrap(), &want.narrow(0, 1, 1).unwrap(), Tolerance::F32);
    }

    #[test]
    fn sinusoidal_matches_the_pytorch_reference_table() {
        let f = crate::nn::fixtures::Fixture::load("transformers/sinusoidal");
        f.assert_close(&sinusoidal(10, 16, 0, &Device::Cpu).unwrap(), "pe", Tolerance::F32);
    }

    #[test]
    fn learned_positions_refuse_to_extrapolate() {
        let p = Params::new(0);
        let lp = LearnedPositions::new(8, 4, p.var_builder(&Device::Cpu)).unwrap();
        assert_eq!(lp.forward(8, 0, &Device::Cpu).unwrap().dims(), [8, 4]);
        let e = lp.forward(2, 7, &Device::Cpu).unwrap_err().to_string();
        assert!(e.contains("cannot extrapolate"), "{e}");
    }
}
