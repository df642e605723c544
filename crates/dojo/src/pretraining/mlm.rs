//! Masked-language-model corruption: BERT's 80/10/10 rule.
//!
//! Paper: Devlin et al. 2019, "BERT", arXiv:1810.04805, section 3.1 and appendix C.2. Each
//! non-special token is selected with probability p (0.15); a selected token becomes
//!
//! - `[MASK]` with probability 0.8,
//! - a uniformly random token with probability 0.1,
//! - itself (unchanged) with probability 0.1,
//!
//! and the loss is the cross-entropy at the selected positions only:
//!
//!   L = −(1/|S|) Σ_{i ∈ S} log p(xᵢ | corrupted x)
//!
//! Why not always `[MASK]`: `[MASK]` never appears at fine-tuning time, so a model trained only
//! on it would learn that unmasked tokens need no representation of their own. The random 10%
//! forces it to check every token; the unchanged 10% biases it toward the observed word.
//! Left out on purpose: whole-word masking, span masking (SpanBERT, T5).
//!
//! [`MaskedLm`] trains a [`Gpt`] this way through [`Gpt::encode`] (the same weights without the
//! causal mask), so MLM and next-token training can be compared at one budget.
//!
//! subtle: only the selected ~15% of positions give a loss, against every position for
//! next-token prediction: per token seen, MLM gets about a seventh of the training signal (the
//! cost ELECTRA, Clark et al. 2020, was designed to remove).

use super::ntp::Windows;
use super::trainer::Objective;
use crate::nn::{masked_cross_entropy, Rng};
use crate::transformers::gpt::Gpt;
use crate::Result;
use candle_core::{Device, Tensor};

/// The masking rule.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskConfig {
    /// Selection probability p, e.g. 0.15.
    pub prob: f64,
    /// Id of `[MASK]`.
    pub mask_id: u32,
    /// Random replacements are drawn from 0..vocab (excluding `special`).
    pub vocab: u32,
    /// Ids never selected nor drawn: padding, `[CLS]`, `[SEP]`, `[MASK]`.
    pub special: Vec<u32>,
}

/// One corrupted sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Masked {
    /// What the model sees.
    pub inputs: Vec<u32>,
    /// The original tokens (the targets).
    pub targets: Vec<u32>,
    /// 1 at selected positions (where the loss counts), else 0.
    pub loss_mask: Vec<f32>,
}

/// Applies the 80/10/10 rule to `ids`.
pub fn corrupt(ids: &[u32], cfg: &MaskConfig, rng: &mut Rng) -> Masked {
    let mut inputs = ids.to_vec();
    let mut loss_mask = vec![0.0; ids.len()];
    for (i, &id) in ids.iter().enumerate() {
        if cfg.special.contains(&id) || rng.uniform() >= cfg.prob {
            continue; // 1) not selected
        }
        loss_mask[i] = 1.0;
        let r = rng.uniform(); // 2) how to corrupt it
        if r < 0.8 {
            inputs[i] = cfg.mask_id;
        } else if r < 0.9 {
            inputs[i] = loop {
                let t = rng.below(cfg.vocab as usize) as u32;
                if !cfg.special.contains(&t) {
                    break t;
                }
            };
        } // else: unchanged
    }
    Masked { inputs, targets: ids.to_vec(), loss_mask }
}

/// `batch` random windows of `windows` (batch `key`, as [`Windows::batch`]), each corrupted by
/// `cfg` with an rng forked from (`seed`, `key`).
///
/// # Shapes
/// → (inputs (B, T) u32, targets (B, T) u32, loss mask (B, T) f32)
pub fn batch(
    windows: &Windows,
    key: u64,
    batch: usize,
    cfg: &MaskConfig,
    seed: u64,
    dev: &Device,
) -> Result<(Tensor, Tensor, Tensor)> {
    let (x, _) = windows.batch(key, batch, dev)?; // the inputs of next-token windows: T tokens each
    let mut rng = Rng::new(seed).fork(key);
    let (mut inputs, mut targets, mut mask) = (Vec::new(), Vec::new(), Vec::new());
    for row in x.to_vec2::<u32>()? {
        let m = corrupt(&row, cfg, &mut rng);
        inputs.extend(m.inputs);
        targets.extend(m.targets);
        mask.extend(m.loss_mask);
    }
    let t = windows.seq_len;
    Ok((
        Tensor::from_vec(inputs, (batch, t), dev)?,
        Tensor::from_vec(targets, (batch, t), dev)?,
        Tensor::from_vec(mask, (batch, t), dev)?,
    ))
}

/// The MLM loss of `gpt` run as an encoder: cross-entropy at the selected positions only.
///
/// # Shapes
/// inputs, targets: (B, T) u32, mask: (B, T) f32 → scalar
pub fn loss(gpt: &Gpt, inputs: &Tensor, targets: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let logits = gpt.logits(&gpt.encode(inputs)?)?; // (B, T, V), every position sees both sides
    masked_cross_entropy(&logits, targets, mask)
}

/// Masked-LM training of a GPT's weights (bidirectional, through [`Gpt::encode`]) on random
/// windows of a stream, corrupted afresh at every step.
pub struct MaskedLm<'a> {
    /// The model being trained.
    pub gpt: &'a Gpt,
    /// Where training windows come from.
    pub train: Windows,
    /// Windows per micro-batch B, e.g. 16.
    pub batch: usize,
    /// The corruption rule.
    pub mask: MaskConfig,
    /// Seed of the corruption draws.
    pub seed: u64,
}

impl Objective for MaskedLm<'_> {
    fn loss(&mut self, step: usize, micro: usize) -> Result<Tensor> {
        let dev = self.gpt.device();
        let (x, y, m) = batch(&self.train, (step as u64) << 8 | micro as u64, self.batch, &self.mask, self.seed, &dev)?;
        loss(self.gpt, &x, &y, &m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_fifteen_percent_and_splits_them_80_10_10() {
        let cfg = MaskConfig { prob: 0.15, mask_id: 0, vocab: 1000, special: vec![0, 1] };
        let ids: Vec<u32> = (0..200_000).map(|i| 2 + (i % 998) as u32).collect();
        let m = corrupt(&ids, &cfg, &mut Rng::new(1));
        let selected: Vec<usize> = (0..ids.len()).filter(|&i| m.loss_mask[i] == 1.0).collect();
        let n = selected.len() as f64;
        // Binomial(200000, 0.15): mean 30000, sd ≈ 160; allow ±1%.
        assert!((n / ids.len() as f64 - 0.15).abs() < 0.01, "{n}");
        let masked = selected.iter().filter(|&&i| m.inputs[i] == 0).count() as f64 / n;
        let kept = selected.iter().filter(|&&i| m.inputs[i] == ids[i]).count() as f64 / n;
        // A random draw equals the original 1 time in 998: "kept" is 0.1 + 0.1/998.
        assert!((masked - 0.8).abs() < 0.01 && (kept - 0.1).abs() < 0.01, "{masked} {kept}");
        assert!(
            (0..ids.len()).all(|i| m.loss_mask[i] == 1.0 || m.inputs[i] == ids[i]),
            "unselected tokens are untouched"
        );
        assert!(m.inputs.iter().all(|&t| t != 1), "special tokens are never drawn");
        assert_eq!(m.targets, ids);
    }

    #[test]
    fn a_batch_is_a_function_of_its_key_and_the_loss_counts_only_selected_positions() {
        use crate::nn::Params;
        use crate::transformers::gpt::GptConfig;
        let dev = Device::Cpu;
        let windows = Windows::new((0..500).map(|i| 1 + i % 19).collect(), 16, 3).unwrap();
        let cfg = MaskConfig { prob: 0.15, mask_id: 0, vocab: 20, special: vec![0] };
        let a = batch(&windows, 7, 4, &cfg, 1, &dev).unwrap();
        let b = batch(&windows, 7, 4, &cfg, 1, &dev).unwrap();
        assert_eq!(a.0.to_vec2::<u32>().unwrap(), b.0.to_vec2::<u32>().unwrap());
        let p = Params::new(2);
        let g = Gpt::new(GptConfig { width: 32, hidden: 64, max_len: 16, ..GptConfig::tiny(20) }, p.var_builder(&dev))
            .unwrap();
        let l = loss(&g, &a.0, &a.1, &a.2).unwrap().to_scalar::<f32>().unwrap();
        // Changing a target where the mask is 0 must not move the loss.
        let (mut y, m) = (a.1.to_vec2::<u32>().unwrap(), a.2.to_vec2::<f32>().unwrap());
        let (r, c) = (0..4).flat_map(|r| (0..16).map(move |c| (r, c))).find(|&(r, c)| m[r][c] == 0.0).unwrap();
        y[r][c] = (y[r][c] % 19) + 1;
        let y = Tensor::new(y, &dev).unwrap();
        let l2 = loss(&g, &a.0, &y, &a.2).unwrap().to_scalar::<f32>().unwrap();
        assert_eq!(l, l2);
        assert!(l > 2.0 && l < 4.0, "near ln 20 at init: {l}");
    }

    #[test]
    fn special_tokens_are_never_selected() {
        let cfg = MaskConfig { prob: 1.0, mask_id: 9, vocab: 10, special: vec![0, 9] };
        let m = corrupt(&[0, 3, 0, 4], &cfg, &mut Rng::new(2));
        assert_eq!(m.loss_mask, [0.0, 1.0, 0.0, 1.0]);
        assert_eq!((m.inputs[0], m.inputs[2]), (0, 0));
    }
}
