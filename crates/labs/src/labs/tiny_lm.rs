//! What the fine-tuning labs share: a small byte-level GPT pretrained on stories, a training run
//! on a token stream with the shared training stack, and the facts quiz.
//!
//! Not a lab. `lora-vs-full` and `adapter-fusion` pretrain one base model here, then fine-tune
//! copies of it on the facts corpus ([`dojo::data::facts`]) in different ways.

use crate::context::RunContext;
use crate::lab::LabError;
use candle_core::{Device, Tensor};
use dojo::data::facts::Fact;
use dojo::data::stories::{bytes, stories, Difficulty};
use dojo::nn::{Params, Rng};
use dojo::pretraining::ntp::{batch_loss, continuation_logprobs, NextToken, Windows};
use dojo::pretraining::{AdamWConfig, Event, Objective, Schedule, TrainConfig, Trainer};
use dojo::transformers::gpt::{Gpt, GptConfig};
use serde::{Deserialize, Serialize};

/// The base model and its pretraining.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseConfig {
    /// Width C, e.g. 64.
    pub width: usize,
    /// Heads H, e.g. 4.
    pub heads: usize,
    /// Layers L, e.g. 2.
    pub layers: usize,
    /// Context T in bytes, e.g. 48.
    pub seq_len: usize,
    /// Windows per batch B, e.g. 16.
    pub batch: usize,
    /// Story difficulty level 1..=5 of the pretraining text, e.g. 2.
    pub story_level: usize,
    /// Stories to pretrain on, e.g. 2000.
    pub stories: usize,
    /// Pretraining steps, e.g. 300.
    pub steps: usize,
    /// Pretraining peak learning rate, e.g. 3e-3.
    pub lr: f64,
}

impl BaseConfig {
    /// Checks the values.
    pub fn validate(&self) -> Result<(), String> {
        if self.heads == 0 || self.width % self.heads != 0 || self.layers == 0 {
            return Err("base: width must split into heads; layers ≥ 1".into());
        }
        if self.seq_len < 8 || self.batch == 0 || self.steps < 10 || self.stories < 20 {
            return Err("base: seq_len ≥ 8, batch ≥ 1, steps ≥ 10, stories ≥ 20".into());
        }
        Difficulty::level(self.story_level).map(|_| ()).map_err(|e| e.to_string())
    }

    /// The model's shape (V = 256 bytes, learned positions, GELU MLP of 4C).
    pub fn gpt(&self) -> GptConfig {
        GptConfig::bytes(self.width, self.heads, self.layers, self.seq_len)
    }
}

/// The pretrained base: its weights and the story windows it was trained on.
pub struct Base {
    /// The pretrained weights.
    pub params: Params,
    /// The model's shape.
    pub gpt: GptConfig,
    /// Held-out stories (the "old domain"), as a fixed validation batch.
    pub stories_val: (Tensor, Tensor),
    /// Pretraining loss per step.
    pub curve: Vec<(f64, f64)>,
}

/// The labs' training recipe: `steps` AdamW steps (λ = 0.1 on matrices), 10% linear warmup to
/// `lr`, cosine to `lr`/10, clipping at norm 1, evaluation every `eval_every` steps.
pub fn train_config(steps: usize, lr: f64, eval_every: usize) -> TrainConfig {
    TrainConfig {
        steps,
        accum: 1,
        schedule: Schedule { peak: lr, floor: lr / 10.0, warmup: (steps / 10).max(1), total: steps },
        adamw: AdamWConfig { weight_decay: 0.1, ..Default::default() },
        clip: Some(1.0),
        eval_every,
        ckpt_every: 0,
    }
}

/// What a training run recorded.
pub struct Run {
    /// Training loss per step.
    pub curve: Vec<(f64, f64)>,
    /// (steps done, loss on each evaluation batch), at step 0 and every `eval_every` steps.
    pub evals: Vec<(usize, Vec<f64>)>,
    /// Mean milliseconds per optimizer step, evaluation excluded.
    pub ms_per_step: f64,
}

/// Trains `gpt` (whose trainable weights are `params`) on `windows` for `steps` steps of
/// warmup (10%) + cosine from `lr`, measuring the loss on each of `evals` every `eval_every`
/// steps (0 = only before and after).
#[allow(clippy::too_many_arguments)]
pub fn train(
    gpt: &Gpt,
    params: &Params,
    windows: Windows,
    batch: usize,
    steps: usize,
    lr: f64,
    evals: &[&(Tensor, Tensor)],
    eval_every: usize,
    ctx: &mut RunContext<'_>,
    label: &str,
) -> Result<Run, LabError> {
    let mut trainer = Trainer::new(params, train_config(steps, lr, eval_every))?;
    let mut obj = Evaluated { inner: NextToken { gpt, train: windows, batch, val: None }, evals };
    let mut run = Run { curve: Vec::with_capacity(steps), evals: Vec::new(), ms_per_step: 0.0 };
    run.evals.push((0, obj.losses()?));
    let (mut secs, mut last) = (0.0, std::time::Instant::now());
    trainer.run(&mut obj, &mut |e| match e {
        Event::Step(s) => {
            secs += last.elapsed().as_secs_f64();
            run.curve.push((s.step as f64 + 1.0, s.loss));
            ctx.progress(s.step as u64 + 1, steps as u64, label);
            last = std::time::Instant::now();
        }
        Event::Eval(step, m) => {
            run.evals.push((step, m.iter().map(|(_, v)| *v).collect()));
            last = std::time::Instant::now(); // evaluation is not training time
        }
        _ => {}
    })?;
    run.ms_per_step = secs * 1e3 / steps as f64;
    Ok(run)
}

/// Next-token training that measures the loss on fixed batches at each evaluation.
struct Evaluated<'a, 'e> {
    inner: NextToken<'a>,
    evals: &'e [&'e (Tensor, Tensor)],
}

impl Evaluated<'_, '_> {
    fn losses(&self) -> dojo::Result<Vec<f64>> {
        self.evals.iter().map(|b| batch_loss(self.inner.gpt, b)).collect()
    }
}

impl Objective for Evaluated<'_, '_> {
    fn loss(&mut self, step: usize, micro: usize) -> dojo::Result<Tensor> {
        self.inner.loss(step, micro)
    }

    fn evaluate(&mut self, _step: usize) -> dojo::Result<Vec<(String, f64)>> {
        Ok(self.losses()?.into_iter().enumerate().map(|(i, l)| (format!("loss{i}"), l)).collect())
    }
}

/// Pretrains the base model on `cfg.stories` stories (90% train, 10% validation).
pub fn pretrain(cfg: &BaseConfig, seed: u64, ctx: &mut RunContext<'_>) -> Result<Base, LabError> {
    pretrain_as(cfg, cfg.gpt(), seed, ctx)
}

/// [`pretrain`] with another model shape `gcfg`, e.g. a vocabulary with tokens beyond the 256
/// bytes, which the stories never contain.
pub fn pretrain_as(cfg: &BaseConfig, gcfg: GptConfig, seed: u64, ctx: &mut RunContext<'_>) -> Result<Base, LabError> {
    let dev = Device::Cpu;
    let s = stories(cfg.stories, Difficulty::level(cfg.story_level)?, &mut Rng::new(seed).fork(1))?;
    let cut = s.len() * 9 / 10;
    let train_ids = bytes(&(s[..cut].join("\n") + "\n"));
    let val_ids = bytes(&(s[cut..].join("\n") + "\n"));
    let params = Params::new(seed);
    let gpt = Gpt::new(gcfg, params.var_builder(&dev))?;
    let windows = Windows::new(train_ids, cfg.seq_len, seed)?;
    let stories_val = Windows::new(val_ids, cfg.seq_len, seed)?.sequential(32, &dev)?;
    let run = train(&gpt, &params, windows, cfg.batch, cfg.steps, cfg.lr, &[], 0, ctx, "pretraining on stories")?;
    Ok(Base { params, gpt: gcfg, stories_val, curve: run.curve })
}

impl Base {
    /// A trainable copy of the base: new variables holding the pretrained values.
    pub fn trainable_copy(&self) -> Result<(Params, Gpt), LabError> {
        let p = Params::new(0);
        let gpt = Gpt::new(self.gpt, p.var_builder(&Device::Cpu))?;
        for (name, v) in self.params.named_vars() {
            p.set(&name, v.as_tensor())?;
        }
        Ok((p, gpt))
    }

    /// A frozen copy of the base (constants: no gradient is tracked for them), to wrap.
    pub fn frozen_copy(&self) -> Result<Gpt, LabError> {
        Ok(Gpt::new(self.gpt, self.params.frozen(&Device::Cpu)?)?)
    }
}

/// Loss on the held-out stories, nats per byte.
pub fn stories_loss(gpt: &Gpt, base: &Base) -> Result<f64, LabError> {
    Ok(batch_loss(gpt, &base.stories_val)?)
}

/// Windows over `text` for training, and a fixed batch of it to measure the loss on.
pub fn stream(text: &str, seq_len: usize, seed: u64) -> Result<Windows, LabError> {
    Ok(Windows::new(bytes(text), seq_len, seed)?)
}

/// The fraction of `facts` the model answers: for each, the most likely of the attribute's
/// eight values after the prompt ("Vorlak lives in") is the true one. Chance is 1/8.
pub fn quiz(gpt: &Gpt, facts: &[Fact]) -> Result<f64, LabError> {
    let mut right = 0;
    for f in facts {
        let choices: Vec<Vec<u32>> = f.choices().iter().map(|c| bytes(c)).collect();
        let lp = continuation_logprobs(gpt, &bytes(&format!("\n{}", f.prompt())), &choices)?; // a line starts after a newline
        let best = lp.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
        right += usize::from(best == f.answer());
    }
    Ok(right as f64 / facts.len().max(1) as f64)
}
