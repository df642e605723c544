//! Lab `transformer-xl`: segment-level recurrence lets a model use what it read in the previous
//! segment.
//!
//! Each stream is a random segment A followed by A again. The model reads it one segment at a
//! time, as Transformer-XL does with long text. Predicting the second segment means looking one
//! segment back: possible when the previous segment's hidden states are cached (memory), and
//! impossible without. The same model is trained both ways from the same start.
//!
//! Code under test: [`dojo::transformers::transformer_xl`].

use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use dojo::nn::{masked_accuracy, masked_cross_entropy, Params, Rng};
use dojo::transformers::transformer_xl::{TransformerXl, XlConfig};
use serde::{Deserialize, Serialize};

/// Configuration of `transformer-xl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerXlConfig {
    /// Seed for data and weights.
    pub seed: u64,
    /// Vocabulary size, e.g. 16 (chance is 1/16).
    pub vocab: usize,
    /// Segment length L, e.g. 16.
    pub segment: usize,
    /// Width, e.g. 64.
    pub width: usize,
    /// Heads, e.g. 4.
    pub heads: usize,
    /// Layers, e.g. 2.
    pub layers: usize,
    /// Training steps per run, e.g. 150.
    pub steps: usize,
    /// Streams per batch, e.g. 16.
    pub batch: usize,
    /// AdamW learning rate, e.g. 3e-3.
    pub lr: f64,
    /// Held-out streams, e.g. 64.
    pub eval_streams: usize,
}

impl LabConfig for TransformerXlConfig {
    fn tiny() -> Self {
        Self {
            seed: 0,
            vocab: 16,
            segment: 16,
            width: 64,
            heads: 4,
            layers: 2,
            steps: 150,
            batch: 16,
            lr: 3e-3,
            eval_streams: 64,
        }
    }

    fn full() -> Self {
        Self { segment: 64, steps: 600, ..Self::tiny() }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        if self.vocab < 2 || self.segment < 2 || self.steps == 0 || self.batch == 0 || self.eval_streams == 0 {
            return Err("vocab ≥ 2, segment ≥ 2, and steps, batch, eval_streams ≥ 1".into());
        }
        if self.heads == 0 || self.width % self.heads != 0 || self.width % 2 != 0 || self.layers == 0 {
            return Err("width must be even and split into heads; layers ≥ 1".into());
        }
        Ok(())
    }
}

/// `batch` streams A ++ A ++ A[0]: (segment-1 inputs, segment-2 inputs, segment-2 targets).
fn streams(
    rng: &mut Rng,
    batch: usize,
    cfg: &TransformerXlConfig,
    dev: &Device,
) -> Result<(Tensor, Tensor, Tensor), LabError> {
    let l = cfg.segment;
    let (mut s1, mut s2, mut y2) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..batch {
        let a: Vec<u32> = (0..l).map(|_| rng.below(cfg.vocab) as u32).collect();
        let s: Vec<u32> = a.iter().chain(&a).chain(&a[..1]).copied().collect(); // 2L + 1 tokens
        s1.extend_from_slice(&s[..l]);
        s2.extend_from_slice(&s[l..2 * l]);
        y2.extend_from_slice(&s[l + 1..]); // every target is a copy of a token one segment back
    }
    Ok((
        Tensor::from_vec(s1, (batch, l), dev)?,
        Tensor::from_vec(s2, (batch, l), dev)?,
        Tensor::from_vec(y2, (batch, l), dev)?,
    ))
}

/// The `transformer-xl` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct TransformerXlLab;

impl Experiment for TransformerXlLab {
    type Config = TransformerXlConfig;

    const INFO: LabInfo = LabInfo {
        name: "transformer-xl",
        topic: "transformers",
        title: "Transformer-XL: segment memory reaches into the previous segment",
        summary: "Trains a relative-position transformer with and without segment memory on streams whose answer lies one segment back.",
    };

    fn run(&self, cfg: &TransformerXlConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let dev = Device::Cpu;
        let mut runs = Vec::new();
        for (ri, (label, mem_len)) in [("with memory", cfg.segment), ("without memory", 0)].into_iter().enumerate() {
            let params = Params::new(cfg.seed);
            let xl = XlConfig { vocab: cfg.vocab, width: cfg.width, heads: cfg.heads, layers: cfg.layers, mem_len };
            let model = TransformerXl::new(xl, params.var_builder(&dev))?;
            let mut opt =
                AdamW::new(params.vars(), ParamsAdamW { lr: cfg.lr, weight_decay: 0.01, ..Default::default() })?;
            let mut rng = Rng::new(cfg.seed).fork(1);
            let ones = Tensor::ones((cfg.batch, cfg.segment), candle_core::DType::F32, &dev)?;
            let mut losses = Vec::new();
            for step in 0..cfg.steps {
                let (s1, s2, y2) = streams(&mut rng, cfg.batch, cfg, &dev)?;
                let (_, mems) = model.forward(&s1, &[])?; // segment 1: nothing to predict yet
                let (logits, _) = model.forward(&s2, &mems)?; // segment 2 reads segment 1's memory
                let loss = masked_cross_entropy(&logits, &y2, &ones)?;
                opt.backward_step(&loss)?;
                let l = loss.to_scalar::<f32>()? as f64;
                losses.push((step as f64 + 1.0, l));
                if step % 10 == 0 || step + 1 == cfg.steps {
                    ctx.log(serde_json::json!({ "run": label, "step": step + 1, "loss": l }))?;
                }
                ctx.progress((ri * cfg.steps + step + 1) as u64, (2 * cfg.steps) as u64, label);
            }
            let (s1, s2, y2) = streams(&mut Rng::new(cfg.seed).fork(2), cfg.eval_streams, cfg, &dev)?;
            let (_, mems) = model.forward(&s1, &[])?;
            let (logits, _) = model.forward(&s2, &mems)?;
            let all = Tensor::ones((cfg.eval_streams, cfg.segment), candle_core::DType::F32, &dev)?;
            let acc = masked_accuracy(&logits, &y2, &all)?;
            ctx.log(serde_json::json!({ "run": label, "eval_accuracy": acc }))?;
            runs.push((label, losses, acc));
        }
        Ok(report(cfg, &runs))
    }
}

/// One training run: its label, (step, loss) curve and held-out accuracy.
type Run<'a> = (&'a str, Vec<(f64, f64)>, f64);

fn report(cfg: &TransformerXlConfig, runs: &[Run<'_>]) -> Report {
    let mut r = Report::default();
    let (with, without) = (&runs[0], &runs[1]);
    r.metric("with_memory_acc", with.2);
    r.metric("without_memory_acc", without.2);
    r.metric("with_memory_loss", with.1.last().map_or(f64::NAN, |p| p.1));
    r.metric("without_memory_loss", without.1.last().map_or(f64::NAN, |p| p.1));
    r.summary = format!(
        "A {}-layer relative-position transformer read streams of two {}-token segments, the \
         second a copy of the first, one segment at a time. On held-out streams it predicted the \
         second segment with **{:.1}%** accuracy when the first segment's hidden states were kept \
         as memory, and **{:.1}%** without memory (chance is {:.1}%). Final training loss {} vs {} \
         nats (ln {} = {} is guessing).",
        cfg.layers,
        cfg.segment,
        100.0 * with.2,
        100.0 * without.2,
        100.0 / cfg.vocab as f64,
        fmt_num(r.metrics["with_memory_loss"]),
        fmt_num(r.metrics["without_memory_loss"]),
        cfg.vocab,
        fmt_num((cfg.vocab as f64).ln()),
    );
    let mut p = Plot::new("loss", "Training loss on the second segment", "step", "cross-entropy (nats)");
    for (label, losses, _) in runs {
        p = p.with(Series::new(*label, losses.clone()));
    }
    r.plot(p);
    r.text(
        "## What to look for\n\n\
         A vanilla transformer trained on fixed-length chunks cannot see across a chunk boundary: \
         its context is exactly one segment, so the copy is invisible and it can only guess. \
         Transformer-XL caches each layer's states for the previous segment and lets the new \
         segment attend to them, so the effective context grows to about layers × memory length \
         at no extra training cost per step (the memory is not backpropagated into). This needs \
         relative positions: with absolute ones, position 0 of the memory and position 0 of the \
         new segment would look the same. The same caching is what makes evaluation fast: each \
         new segment reuses the previous computation instead of recomputing a sliding window.",
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The effect the lab teaches, on the tiny preset.
    #[test]
    fn memory_lets_the_model_copy_across_segments() {
        let report = crate::lab::run_tiny(&TransformerXlLab);
        let m = &report.metrics;
        assert!(m["with_memory_acc"] > 0.9, "{m:?}");
        assert!(m["without_memory_acc"] < 0.15, "{m:?}");
    }

    #[test]
    fn streams_copy_the_first_segment() {
        let cfg = TransformerXlConfig::tiny();
        let (s1, s2, y2) = streams(&mut Rng::new(0), 2, &cfg, &Device::Cpu).unwrap();
        assert_eq!(s1.to_vec2::<u32>().unwrap(), s2.to_vec2::<u32>().unwrap());
        let (a, y) = (s1.to_vec2::<u32>().unwrap(), y2.to_vec2::<u32>().unwrap());
        assert_eq!(&y[0][..15], &a[0][1..]);
        assert_eq!(y[0][15], a[0][0]);
    }
}
