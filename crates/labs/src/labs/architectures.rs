//! Lab `architectures`: decoder-only vs encoder-only vs encoder–decoder on the same budget.
//!
//! All three get each task as (source, target) pairs and about the same number of parameters:
//! - decoder-only (GPT): reads `source SEP target` left to right, predicts each target token
//!   from everything before it, and generates greedily;
//! - encoder–decoder: the encoder reads the source, the decoder writes the target;
//! - encoder-only (BERT): reads `source SEP MASK … MASK` and fills every mask at once.
//!
//! Tasks: reversing a sequence (every output token is a function of the source alone) and
//! continuing text from a bigram language (each output token depends on the previous output).
//!
//! Code under test: [`dojo::transformers::gpt`], [`dojo::transformers::bert`],
//! [`dojo::transformers::encoder_decoder`].

use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use candle_core::{Device, IndexOp, Tensor, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use dojo::data::languages::Languages;
use dojo::nn::{Params, Rng};
use dojo::transformers::bert::{Bert, BertConfig};
use dojo::transformers::block::NormKind;
use dojo::transformers::encoder_decoder::{EncoderDecoder, EncoderDecoderConfig};
use dojo::transformers::gpt::{Gpt, GptConfig, PositionKind};
use dojo::transformers::mlp::MlpKind;
use serde::{Deserialize, Serialize};

/// Configuration of `architectures`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchitecturesConfig {
    /// Seed for data and weights.
    pub seed: u64,
    /// Source (and target) length n, e.g. 8.
    pub length: usize,
    /// Distinct symbols in the reversal task, e.g. 10.
    pub symbols: usize,
    /// Model width C (all three), e.g. 64.
    pub width: usize,
    /// Heads, e.g. 4.
    pub heads: usize,
    /// Layers of the decoder-only and encoder-only models, e.g. 2 (the encoder–decoder gets one
    /// encoder and one decoder layer, so the budgets match).
    pub layers: usize,
    /// Training steps per model and task, e.g. 150.
    pub steps: usize,
    /// Pairs per batch, e.g. 32.
    pub batch: usize,
    /// AdamW learning rate, e.g. 3e-3.
    pub lr: f64,
    /// Held-out pairs for evaluation, e.g. 128.
    pub eval_pairs: usize,
}

impl LabConfig for ArchitecturesConfig {
    fn tiny() -> Self {
        Self {
            seed: 0,
            length: 8,
            symbols: 10,
            width: 64,
            heads: 4,
            layers: 2,
            steps: 150,
            batch: 32,
            lr: 3e-3,
            eval_pairs: 128,
        }
    }

    fn full() -> Self {
        Self { length: 12, steps: 1000, ..Self::tiny() }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        if self.length < 2 || self.symbols < 2 || self.steps == 0 || self.batch == 0 || self.eval_pairs == 0 {
            return Err("length ≥ 2, symbols ≥ 2, and steps, batch, eval_pairs ≥ 1".into());
        }
        if self.heads == 0 || self.width % self.heads != 0 || self.width % 2 != 0 || self.layers < 2 {
            return Err("width must be even and split into heads; layers ≥ 2 (the encoder–decoder splits them)".into());
        }
        Ok(())
    }
}

/// The three model shapes behind one interface.
enum Model {
    DecoderOnly(Gpt),
    EncoderOnly(Bert),
    EncoderDecoder(EncoderDecoder),
}

/// Special tokens after the task's own vocabulary.
#[derive(Clone, Copy)]
struct Specials {
    sep: u32,
    mask: u32,
    vocab: usize,
}

impl Model {
    fn name(&self) -> &'static str {
        match self {
            Model::DecoderOnly(_) => "decoder-only",
            Model::EncoderOnly(_) => "encoder-only",
            Model::EncoderDecoder(_) => "encoder-decoder",
        }
    }

    /// Target logits, teacher-forced for the decoders, one-shot for the encoder.
    ///
    /// # Shapes
    /// src: (B, n), tgt: (B, n) → (B, n, V)
    fn target_logits(&self, src: &Tensor, tgt: &Tensor, sp: Specials) -> Result<Tensor, LabError> {
        let (b, n) = src.dims2()?;
        let dev = src.device();
        let sep = Tensor::full(sp.sep, (b, 1), dev)?;
        Ok(match self {
            Model::DecoderOnly(m) => {
                let input = Tensor::cat(&[src, &sep, &tgt.narrow(1, 0, n - 1)?], 1)?; // (B, 2n)
                m.forward(&input, None)?.narrow(1, n, n)? // logits at SEP … predict tgt
            }
            Model::EncoderDecoder(m) => {
                let dec_in = Tensor::cat(&[&sep, &tgt.narrow(1, 0, n - 1)?], 1)?; // SEP as BOS
                m.forward(src, &dec_in)?
            }
            Model::EncoderOnly(m) => {
                let masks = Tensor::full(sp.mask, (b, n), dev)?;
                let input = Tensor::cat(&[src, &sep, &masks], 1)?; // (B, 2n + 1)
                m.mlm_logits(&m.forward(&input, None)?)?.narrow(1, n + 1, n)?
            }
        })
    }

    /// Predicted targets: greedy generation for the decoders (each output feeds the next step),
    /// one-shot arg-max for the encoder.
    fn predict(&self, src: &Tensor, sp: Specials) -> Result<Tensor, LabError> {
        let (b, n) = src.dims2()?;
        let dev = src.device();
        let sep = Tensor::full(sp.sep, (b, 1), dev)?;
        let argmax_last = |logits: &Tensor| -> Result<Tensor, LabError> {
            let t = logits.dim(1)?;
            Ok(logits.i((.., t - 1..t))?.argmax(D::Minus1)?) // (B, 1)
        };
        Ok(match self {
            Model::EncoderOnly(_) => {
                let zeros = Tensor::zeros((b, n), candle_core::DType::U32, dev)?;
                self.target_logits(src, &zeros, sp)?.argmax(D::Minus1)?
            }
            Model::DecoderOnly(m) => {
                let mut caches = m.new_caches();
                let mut next = argmax_last(&m.forward(&Tensor::cat(&[src, &sep], 1)?, Some(&mut caches))?)?;
                let mut out = vec![next.clone()];
                for _ in 1..n {
                    next = argmax_last(&m.forward(&next, Some(&mut caches))?)?;
                    out.push(next.clone());
                }
                Tensor::cat(&out, 1)?
            }
            Model::EncoderDecoder(m) => {
                let memory = m.encode(src, None)?;
                let mut caches = m.new_caches();
                let mut next = sep;
                let mut out = Vec::new();
                for _ in 0..n {
                    next = argmax_last(&m.decode(&next, &memory, None, Some(&mut caches))?)?;
                    out.push(next.clone());
                }
                Tensor::cat(&out, 1)?
            }
        })
    }
}

/// The encoder–decoder's MLP width that pays for its cross-attention, so the three models have
/// about the same number of parameters: each decoder layer's cross-attention adds 4C² + 4C
/// weights and a 2C-parameter norm; each unit of MLP width costs 2C + 1 in every layer.
fn encdec_hidden(cfg: &ArchitecturesConfig) -> usize {
    let c = cfg.width;
    let dec = cfg.layers - cfg.layers / 2;
    let extra = dec * (4 * c * c + 6 * c);
    let per_unit = cfg.layers * (2 * c + 1);
    (4 * c).saturating_sub((extra + per_unit / 2) / per_unit).max(1)
}

/// A task: pairs of (source, target) token rows.
#[derive(Clone, Copy, PartialEq)]
enum Task {
    Reverse,
    Continue,
}

/// The `architectures` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct Architectures;

struct Outcome {
    arch: &'static str,
    task: &'static str,
    params: usize,
    losses: Vec<(f64, f64)>,
    token_acc: f64,
    exact: f64,
}

fn pairs(
    task: Task,
    langs: &Languages,
    cfg: &ArchitecturesConfig,
    rng: &mut Rng,
    b: usize,
    dev: &Device,
) -> Result<(Tensor, Tensor), LabError> {
    let n = cfg.length;
    Ok(match task {
        Task::Reverse => {
            let src: Vec<u32> = (0..b * n).map(|_| rng.below(cfg.symbols) as u32).collect();
            let tgt: Vec<u32> = src.chunks(n).flat_map(|r| r.iter().rev().copied().collect::<Vec<_>>()).collect();
            (Tensor::from_vec(src, (b, n), dev)?, Tensor::from_vec(tgt, (b, n), dev)?)
        }
        Task::Continue => {
            let (x, _) = langs.batch(rng, b, 2 * n, dev)?; // (B, 2n): first half source, second target
            (x.narrow(1, 0, n)?.contiguous()?, x.narrow(1, n, n)?.contiguous()?)
        }
    })
}

impl Experiment for Architectures {
    type Config = ArchitecturesConfig;

    const INFO: LabInfo = LabInfo {
        name: "architectures",
        topic: "transformers",
        title: "Decoder-only, encoder-only and encoder–decoder on the same budget",
        summary: "Trains GPT, BERT and an encoder–decoder of equal size on sequence reversal and on text continuation.",
    };

    fn run(&self, cfg: &ArchitecturesConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let dev = Device::Cpu;
        let langs = Languages::new(2, cfg.symbols.max(4), 2, &mut Rng::new(cfg.seed).fork(9))?;
        let task_vocab = cfg.symbols.max(langs.vocab());
        let sp = Specials { sep: task_vocab as u32, mask: task_vocab as u32 + 1, vocab: task_vocab + 2 };
        let n = cfg.length;
        let mut outcomes = Vec::new();
        let total = (6 * cfg.steps) as u64;
        let mut done = 0;
        for (task, task_name) in [(Task::Reverse, "reverse"), (Task::Continue, "continue")] {
            for arch in 0..3 {
                let params = Params::new(cfg.seed);
                let vb = params.var_builder(&dev);
                let model = match arch {
                    0 => Model::DecoderOnly(Gpt::new(
                        GptConfig {
                            vocab: sp.vocab,
                            width: cfg.width,
                            heads: cfg.heads,
                            layers: cfg.layers,
                            hidden: 4 * cfg.width,
                            max_len: 2 * n + 1,
                            positions: PositionKind::Learned,
                            mlp: MlpKind::Gelu,
                            norm: NormKind::Layer,
                            rope_base: 10_000.0,
                        },
                        vb,
                    )?),
                    1 => Model::EncoderOnly(Bert::new(
                        BertConfig {
                            vocab: sp.vocab,
                            width: cfg.width,
                            heads: cfg.heads,
                            layers: cfg.layers,
                            hidden: 4 * cfg.width,
                            max_len: 2 * n + 1,
                        },
                        vb,
                    )?),
                    _ => Model::EncoderDecoder(EncoderDecoder::new(
                        EncoderDecoderConfig {
                            vocab: sp.vocab,
                            width: cfg.width,
                            heads: cfg.heads,
                            encoder_layers: cfg.layers / 2,
                            decoder_layers: cfg.layers - cfg.layers / 2,
                            hidden: encdec_hidden(cfg),
                        },
                        vb,
                    )?),
                };
                let mut opt =
                    AdamW::new(params.vars(), ParamsAdamW { lr: cfg.lr, weight_decay: 0.01, ..Default::default() })?;
                let mut rng = Rng::new(cfg.seed).fork(1);
                let mut losses = Vec::new();
                for step in 0..cfg.steps {
                    let (src, tgt) = pairs(task, &langs, cfg, &mut rng, cfg.batch, &dev)?;
                    let logits = model.target_logits(&src, &tgt, sp)?; // (B, n, V)
                    let loss = candle_nn::loss::cross_entropy(
                        &logits.reshape((cfg.batch * n, sp.vocab))?,
                        &tgt.flatten_all()?,
                    )?;
                    opt.backward_step(&loss)?;
                    let l = loss.to_scalar::<f32>()? as f64;
                    losses.push((step as f64 + 1.0, l));
                    if step % 20 == 0 || step + 1 == cfg.steps {
                        ctx.log(
                            serde_json::json!({ "task": task_name, "arch": model.name(), "step": step + 1, "loss": l }),
                        )?;
                    }
                    done += 1;
                    ctx.progress(done, total, &format!("{task_name} {}", model.name()));
                }
                let (src, tgt) = pairs(task, &langs, cfg, &mut Rng::new(cfg.seed).fork(2), cfg.eval_pairs, &dev)?;
                let pred = model.predict(&src, sp)?;
                let hits = pred.eq(&tgt)?.to_dtype(candle_core::DType::F32)?; // (B, n)
                let token_acc = hits.mean_all()?.to_scalar::<f32>()? as f64;
                let exact = hits.min(1)?.mean_all()?.to_scalar::<f32>()? as f64;
                ctx.log(serde_json::json!({ "task": task_name, "arch": model.name(), "token_accuracy": token_acc, "exact_match": exact, "params": params.count() }))?;
                outcomes.push(Outcome {
                    arch: model.name(),
                    task: task_name,
                    params: params.count(),
                    losses,
                    token_acc,
                    exact,
                });
            }
        }
        Ok(report(cfg, &langs, &outcomes))
    }
}

fn key(arch: &str) -> String {
    arch.replace('-', "_")
}

fn report(cfg: &ArchitecturesConfig, langs: &Languages, outcomes: &[Outcome]) -> Report {
    let mut r = Report::default();
    let mut rows = Vec::new();
    for o in outcomes {
        let tail = &o.losses[o.losses.len() - (o.losses.len() / 5).max(1)..];
        let final_loss = tail.iter().map(|p| p.1).sum::<f64>() / tail.len() as f64;
        r.metric(&format!("{}_{}_token_acc", o.task, key(o.arch)), o.token_acc);
        r.metric(&format!("{}_{}_exact", o.task, key(o.arch)), o.exact);
        r.metric(&format!("{}_{}_loss", o.task, key(o.arch)), final_loss);
        rows.push(vec![
            o.task.to_string(),
            o.arch.to_string(),
            o.params.to_string(),
            fmt_num(final_loss),
            format!("{:.1}%", 100.0 * o.token_acc),
            format!("{:.1}%", 100.0 * o.exact),
        ]);
    }
    let m = &r.metrics;
    r.summary = format!(
        "Three models of about the same size ({} to {} parameters; the encoder–decoder's MLPs are \
         narrower to pay for its cross-attention) were trained for {} steps on \
         each task, with length-{} sources and targets. Reversal: token accuracy {:.0}% \
         (decoder-only), {:.0}% (encoder-only), {:.0}% (encoder–decoder). Continuing a bigram \
         language (best possible loss ln 2 = {}): final training loss {} / {} / {} nats in the \
         same order — the encoder-only model must guess every continuation token at once, without \
         seeing the ones before it.",
        outcomes.iter().map(|o| o.params).min().unwrap_or(0),
        outcomes.iter().map(|o| o.params).max().unwrap_or(0),
        cfg.steps,
        cfg.length,
        100.0 * m["reverse_decoder_only_token_acc"],
        100.0 * m["reverse_encoder_only_token_acc"],
        100.0 * m["reverse_encoder_decoder_token_acc"],
        fmt_num(langs.entropy()),
        fmt_num(m["continue_decoder_only_loss"]),
        fmt_num(m["continue_encoder_only_loss"]),
        fmt_num(m["continue_encoder_decoder_loss"]),
    );
    r.table(&["task", "model", "parameters", "final train loss", "token accuracy", "exact match"], &rows);
    for task in ["reverse", "continue"] {
        let mut p = Plot::new(format!("loss_{task}"), format!("Training loss: {task}"), "step", "cross-entropy (nats)");
        for o in outcomes.iter().filter(|o| o.task == task) {
            p = p.with(Series::new(o.arch, o.losses.clone()));
        }
        r.plot(p);
    }
    r.text(
        "## What to look for\n\n\
         Reversal needs the whole source before the first output token, and every output token is \
         a function of the source alone, so all three shapes can learn it; the encoder–decoder's \
         bidirectional encoder and cross-attention are built for exactly this mapping. \
         Continuation is different: the best prediction of each token depends on the token before \
         it, which for the target is itself an output. The decoders condition on it (teacher \
         forcing in training, their own outputs when generating); the encoder-only model fills all \
         masks in one pass and can only predict each position's marginal distribution, so its \
         loss stays above the others'. That is why generation is done with decoders, and why BERT \
         is used for understanding tasks (classification, retrieval, tagging) rather than writing.\n\n\
         Token accuracy on continuation is low for every model, and that is expected: the \
         language branches two ways at every step, so even a perfect model's greedy guess matches \
         the held-out continuation only half the time at the first token, and once it has taken \
         the other branch the rest of its text differs too. Loss is the fair measure there.",
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The effect the lab teaches, on the tiny preset.
    #[test]
    fn decoders_beat_the_encoder_at_continuation_and_all_learn_reversal() {
        let report = crate::lab::run_tiny(&Architectures);
        let m = &report.metrics;
        let enc = m["continue_encoder_only_loss"];
        assert!(m["continue_decoder_only_loss"] < enc - 0.1 && m["continue_encoder_decoder_loss"] < enc - 0.1, "{m:?}");
        for a in ["decoder_only", "encoder_only", "encoder_decoder"] {
            assert!(m[&format!("reverse_{a}_token_acc")] > 0.5, "{a} did not learn reversal: {m:?}");
        }
    }

    #[test]
    fn presets_validate() {
        assert!(ArchitecturesConfig::tiny().validate().is_ok());
        assert!(ArchitecturesConfig::full().validate().is_ok());
    }
}
