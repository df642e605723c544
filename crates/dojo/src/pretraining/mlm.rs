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

use crate::nn::Rng;

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
    fn special_tokens_are_never_selected() {
        let cfg = MaskConfig { prob: 1.0, mask_id: 9, vocab: 10, special: vec![0, 9] };
        let m = corrupt(&[0, 3, 0, 4], &cfg, &mut Rng::new(2));
        assert_eq!(m.loss_mask, [0.0, 1.0, 0.0, 1.0]);
        assert_eq!((m.inputs[0], m.inputs[2]), (0, 0));
    }
}
