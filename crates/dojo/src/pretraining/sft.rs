//! Supervised fine-tuning data: prompt-masked loss with sequence packing.
//!
//! Ouyang et al. 2022 ("InstructGPT", arXiv:2203.02155) fine-tune on (prompt, response)
//! demonstrations; the loss counts only the response:
//!
//!   L = −(1/|R|) Σ_{t ∈ R} log p(x_t | x_<t),   R = positions whose target is a response token
//!
//! The model still *reads* the prompt (it is in the context of every response token); it just
//! is not trained to *write* it. Without the mask, most of the gradient goes to predicting
//! prompts, which are often longer than the answers and are not what the model should produce.
//!
//! Packing: instead of padding each example to the longest, examples are laid end to end in
//! rows of T positions; an example that does not fit in what is left of a row starts the next
//! one, and the tail is padding with mask 0. Each example of n tokens gives n − 1 (input,
//! target) pairs.
//!
//! subtle: in a packed row, later examples can attend to earlier ones (no block-diagonal
//! mask here). With short, independent examples that is a small leak of context; production
//! trainers either mask across documents or accept it, as GPT-3's packed pretraining did.

use crate::{Error, Result};
use candle_core::{Device, Tensor};

/// One demonstration, already tokenized (chat template included).
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Everything up to where the answer starts, e.g. `<|im_start|>user\n…<|im_start|>assistant\n`.
    pub prompt: Vec<u32>,
    /// The answer, ending with its end-of-turn token.
    pub response: Vec<u32>,
}

/// Packed rows: inputs, targets and loss mask, each rows × T.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    /// Rows.
    pub rows: usize,
    /// T: positions per row.
    pub seq_len: usize,
    /// Inputs, row-major.
    pub inputs: Vec<u32>,
    /// Targets (next tokens), row-major.
    pub targets: Vec<u32>,
    /// 1 where the loss counts.
    pub loss_mask: Vec<f32>,
    /// How many positions are padding.
    pub padding: usize,
}

/// Packs `examples` greedily into rows of `seq_len` positions, padding with `pad`. With
/// `mask_prompt` only response targets count; without it every real target does.
pub fn pack(examples: &[Example], seq_len: usize, pad: u32, mask_prompt: bool) -> Result<Packed> {
    let mut p = Packed { rows: 0, seq_len, inputs: Vec::new(), targets: Vec::new(), loss_mask: Vec::new(), padding: 0 };
    let mut used = seq_len; // positions used in the current row (full: start a row first)
    for (k, ex) in examples.iter().enumerate() {
        let seq: Vec<u32> = ex.prompt.iter().chain(&ex.response).copied().collect();
        let pairs = seq.len().saturating_sub(1); // n tokens → n − 1 predictions
        if ex.response.is_empty() || pairs > seq_len {
            return Err(Error::Config(format!(
                "SFT example {k}: {} prompt + {} response tokens do not fit a row of {seq_len} predictions (or the response is empty)",
                ex.prompt.len(),
                ex.response.len()
            )));
        }
        // 1) start a new row when this example does not fit in what is left
        if used + pairs > seq_len {
            pad_row(&mut p, used, pad);
            p.rows += 1;
            used = 0;
        }
        // 2) its (input, target, mask) triples: target j + 1 is a response token iff j + 1 ≥ |prompt|
        for j in 0..pairs {
            p.inputs.push(seq[j]);
            p.targets.push(seq[j + 1]);
            p.loss_mask.push(if !mask_prompt || j + 1 >= ex.prompt.len() { 1.0 } else { 0.0 });
        }
        used += pairs;
    }
    pad_row(&mut p, used, pad);
    Ok(p)
}

fn pad_row(p: &mut Packed, used: usize, pad: u32) {
    if p.rows == 0 {
        return; // nothing started yet
    }
    p.padding += p.seq_len - used;
    for _ in used..p.seq_len {
        p.inputs.push(pad);
        p.targets.push(pad);
        p.loss_mask.push(0.0);
    }
}

impl Packed {
    /// Rows `start .. start + n` as tensors: inputs (n, T) u32, targets (n, T) u32, mask (n, T) f32.
    pub fn tensors(&self, start: usize, n: usize, dev: &Device) -> Result<(Tensor, Tensor, Tensor)> {
        let t = self.seq_len;
        let (a, b) = (start * t, (start + n) * t);
        if start + n > self.rows {
            return Err(Error::Config(format!("rows {start}..{} of {}", start + n, self.rows)));
        }
        Ok((
            Tensor::from_slice(&self.inputs[a..b], (n, t), dev)?,
            Tensor::from_slice(&self.targets[a..b], (n, t), dev)?,
            Tensor::from_slice(&self.loss_mask[a..b], (n, t), dev)?,
        ))
    }

    /// Share of positions that are real (not padding).
    pub fn fill(&self) -> f64 {
        1.0 - self.padding as f64 / self.inputs.len().max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(prompt: &[u32], response: &[u32]) -> Example {
        Example { prompt: prompt.to_vec(), response: response.to_vec() }
    }

    #[test]
    fn packs_end_to_end_and_masks_the_prompt() {
        // [1 2 | 3 4] → (1→2 prompt), (2→3), (3→4); [5 | 6 7] → (5→6), (6→7); pad 0 to T = 8.
        let p = pack(&[ex(&[1, 2], &[3, 4]), ex(&[5], &[6, 7])], 8, 0, true).unwrap();
        assert_eq!(p.rows, 1);
        assert_eq!(p.inputs, [1, 2, 3, 5, 6, 0, 0, 0]);
        assert_eq!(p.targets, [2, 3, 4, 6, 7, 0, 0, 0]);
        assert_eq!(p.loss_mask, [0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
        let all = pack(&[ex(&[1, 2], &[3, 4]), ex(&[5], &[6, 7])], 8, 0, false).unwrap();
        assert_eq!(all.loss_mask, [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn an_example_that_does_not_fit_starts_a_new_row() {
        let p = pack(&[ex(&[1, 2, 3], &[4]), ex(&[5, 6], &[7, 8])], 4, 9, true).unwrap();
        assert_eq!(p.rows, 2);
        assert_eq!(p.inputs, [1, 2, 3, 9, 5, 6, 7, 9]);
        assert_eq!(p.loss_mask, [0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
        assert!((p.fill() - 0.75).abs() < 1e-12);
        let (x, _, m) = p.tensors(1, 1, &Device::Cpu).unwrap();
        assert_eq!(x.to_vec2::<u32>().unwrap(), [[5, 6, 7, 9]]);
        assert_eq!(m.dims(), [1, 4]);
        assert!(pack(&[ex(&[1; 6], &[2])], 4, 0, true).unwrap_err().to_string().contains("do not fit"));
    }
}
