//! Cross-entropy over a mask of positions, and the matching accuracy.
//!
//! L = − Σₜ mₜ · log softmax(zₜ)[yₜ] / Σₜ mₜ
//!
//! where zₜ are the logits at position t, yₜ the target token and mₜ ∈ {0, 1} says whether the
//! position counts (prompt tokens in SFT, the random prefix of a synthetic task, padding).

use crate::{Error, Result};
use candle_core::{DType, Tensor, D};

/// Mean negative log-likelihood of `targets` over the positions where `mask` is 1.
///
/// # Shapes
/// logits: (B, T, V), targets: (B, T) u32, mask: (B, T) f32 → scalar
pub fn masked_cross_entropy(logits: &Tensor, targets: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let logp = candle_nn::ops::log_softmax(logits, D::Minus1)?; // (B, T, V), plain ops: differentiable
    let picked = logp.gather(&targets.unsqueeze(D::Minus1)?, D::Minus1)?.squeeze(D::Minus1)?; // (B, T) log p(yₜ)
    let count = mask.sum_all()?.to_scalar::<f32>()?;
    if count == 0.0 {
        return Err(Error::Config("masked_cross_entropy: the mask selects no positions".into()));
    }
    Ok(((picked * mask)?.sum_all()? / (-count as f64))?)
}

/// Fraction of masked positions where the arg-max logit is the target.
///
/// # Shapes
/// logits: (B, T, V), targets: (B, T) u32, mask: (B, T) f32 → f64
pub fn masked_accuracy(logits: &Tensor, targets: &Tensor, mask: &Tensor) -> Result<f64> {
    let pred = logits.argmax(D::Minus1)?; // (B, T) u32
    let hit = pred.eq(targets)?.to_dtype(DType::F32)?; // (B, T) 1.0 where right
    let count = mask.sum_all()?.to_scalar::<f32>()? as f64;
    Ok((hit * mask)?.sum_all()?.to_scalar::<f32>()? as f64 / count.max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn hand_computed_masked_loss_and_accuracy() {
        // Two positions, V = 2. Position 0: logits [0, ln 3] → p(target 1) = 3/4;
        // position 1 is masked out, so the loss is −ln(3/4) and accuracy 1.
        let dev = Device::Cpu;
        let logits = Tensor::new(&[[[0f32, 3f32.ln()], [5.0, 0.0]]], &dev).unwrap();
        let targets = Tensor::new(&[[1u32, 1]], &dev).unwrap();
        let mask = Tensor::new(&[[1f32, 0.0]], &dev).unwrap();
        let l = masked_cross_entropy(&logits, &targets, &mask).unwrap().to_scalar::<f32>().unwrap();
        assert!((l - (-(0.75f32).ln())).abs() < 1e-6, "{l}");
        assert_eq!(masked_accuracy(&logits, &targets, &mask).unwrap(), 1.0);
        let all = Tensor::new(&[[1f32, 1.0]], &dev).unwrap();
        assert_eq!(masked_accuracy(&logits, &targets, &all).unwrap(), 0.5);
        assert!(masked_cross_entropy(&logits, &targets, &(all * 0.0).unwrap()).is_err());
    }

    #[test]
    fn equals_candles_cross_entropy_with_a_full_mask() {
        let dev = Device::Cpu;
        let logits = crate::nn::Rng::new(0).randn((2, 3, 5), 1.0, &dev).unwrap();
        let targets = Tensor::new(&[[0u32, 4, 2], [1, 1, 3]], &dev).unwrap();
        let mask = Tensor::ones((2, 3), DType::F32, &dev).unwrap();
        let ours = masked_cross_entropy(&logits, &targets, &mask).unwrap().to_scalar::<f32>().unwrap();
        let theirs =
            candle_nn::loss::cross_entropy(&logits.reshape((6, 5)).unwrap(), &targets.flatten_all().unwrap()).unwrap();
        assert!((ours - theirs.to_scalar::<f32>().unwrap()).abs() < 1e-6);
    }
}
