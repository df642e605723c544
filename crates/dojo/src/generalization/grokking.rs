//! Grokking: a small transformer trained on part of a modular-arithmetic table first memorizes
//! its training equations (train accuracy → 1 while validation accuracy stays near chance),
//! and much later, with no change to the data, generalizes (validation accuracy → 1).
//!
//! The setting follows Power et al. (2022) and Nanda et al. (2023, "Progress measures for
//! grokking via mechanistic interpretability"): a one-layer transformer ([`super::model`]), full-batch AdamW with
//! strong weight decay (λ = 1), a constant learning rate after a short warmup. Weight decay is
//! what moves the model from the memorizing solution, which needs large weights, to the
//! general one, which is cheaper in weight norm; [`Point::weight_norm`] tracks it.
//!
//! [`train`] runs it and records train/validation loss and accuracy at each evaluation, the
//! memorization step (train accuracy ≥ 0.99) and the generalization step (validation accuracy
//! ≥ 0.95), and the number embeddings at initialization, at memorization and at the end (for
//! [`super::fourier`]).

use super::model::OneLayer;
use super::modular::{self, Equation, Op};
use crate::nn::{Params, Rng};
use crate::pretraining::{AdamWConfig, Event, Objective, Schedule, TrainConfig, Trainer};
use crate::{Error, Result};
use candle_core::{DType, Device, Tensor, D};

/// Train accuracy that counts as memorized.
pub const MEMORIZED: f64 = 0.99;
/// Validation accuracy that counts as generalized.
pub const GENERALIZED: f64 = 0.95;

/// One grokking run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrokConfig {
    /// The modulus p (prime for division), e.g. 53.
    pub p: usize,
    /// The operation.
    pub op: Op,
    /// Fraction of the table used for training, e.g. 0.4.
    pub train_frac: f64,
    /// Model width C, e.g. 128.
    pub width: usize,
    /// Attention heads, e.g. 4.
    pub heads: usize,
    /// Full-batch steps, e.g. 3000.
    pub steps: usize,
    /// Learning rate after warmup, e.g. 1e-3.
    pub lr: f64,
    /// AdamW's decoupled weight decay λ, e.g. 1.0 (0 turns it off).
    pub weight_decay: f64,
    /// Evaluate every this many steps, e.g. 20.
    pub eval_every: usize,
}

impl GrokConfig {
    /// Checks the ranges.
    ///
    /// # Errors
    /// [`Error::Config`] naming the bad field.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Config(m.into()));
        if self.p < 3 {
            return bad("p must be ≥ 3");
        }
        if !(self.train_frac > 0.0 && self.train_frac < 1.0) {
            return bad("train_frac must be in (0, 1)");
        }
        if self.width == 0 || self.heads == 0 || self.width % self.heads != 0 {
            return bad("width must be a positive multiple of heads");
        }
        if self.steps == 0 || self.eval_every == 0 || self.lr <= 0.0 || self.weight_decay < 0.0 {
            return bad("steps, eval_every and lr must be > 0; weight_decay ≥ 0");
        }
        Ok(())
    }
}

/// The measurements at one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Point {
    /// Steps done.
    pub step: usize,
    /// Cross-entropy on the training equations (nats).
    pub train_loss: f64,
    /// Accuracy on them.
    pub train_acc: f64,
    /// Cross-entropy on the held-out equations.
    pub val_loss: f64,
    /// Accuracy on them.
    pub val_acc: f64,
    /// The L2 norm of all weights, √Σw².
    pub weight_norm: f64,
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct GrokRun {
    /// One point per evaluation, the first at step 0.
    pub curve: Vec<Point>,
    /// The first evaluated step with train accuracy ≥ [`MEMORIZED`].
    pub memorized: Option<usize>,
    /// The first evaluated step with validation accuracy ≥ [`GENERALIZED`].
    pub generalized: Option<usize>,
    /// Embeddings of the tokens 0…p−1 at initialization, `[p][C]`.
    pub embedding_init: Vec<Vec<f64>>,
    /// The same at the memorization step (when it came).
    pub embedding_memorized: Option<Vec<Vec<f64>>>,
    /// The same after training.
    pub embedding_final: Vec<Vec<f64>>,
    /// Training and validation set sizes.
    pub sizes: (usize, usize),
}

/// (cross-entropy, accuracy) of the answers.
fn measure(model: &OneLayer, set: &(Tensor, Tensor)) -> Result<(f64, f64)> {
    let logits = model.forward(&set.0)?; // (N, p)
    let loss = candle_nn::loss::cross_entropy(&logits, &set.1)?.to_scalar::<f32>()?;
    let hit = logits.argmax(D::Minus1)?.eq(&set.1)?.to_dtype(DType::F32)?.mean_all()?.to_scalar::<f32>()?;
    Ok((f64::from(loss), f64::from(hit)))
}

struct FullBatch<'a> {
    model: &'a OneLayer,
    params: &'a Params,
    train: (Tensor, Tensor),
    val: (Tensor, Tensor),
}

impl Objective for FullBatch<'_> {
    fn loss(&mut self, _step: usize, _micro: usize) -> Result<Tensor> {
        let logits = self.model.forward(&self.train.0)?; // (N, p)
        Ok(candle_nn::loss::cross_entropy(&logits, &self.train.1)?)
    }

    fn evaluate(&mut self, _step: usize) -> Result<Vec<(String, f64)>> {
        let (tl, ta) = measure(self.model, &self.train)?;
        let (vl, va) = measure(self.model, &self.val)?;
        let norm = weight_norm(self.params)?;
        Ok(vec![
            ("train_loss".into(), tl),
            ("train_acc".into(), ta),
            ("val_loss".into(), vl),
            ("val_acc".into(), va),
            ("weight_norm".into(), norm),
        ])
    }
}

/// √(Σ w²) over every parameter.
pub fn weight_norm(params: &Params) -> Result<f64> {
    let mut s = 0.0;
    for v in params.vars() {
        s += f64::from(v.as_tensor().sqr()?.sum_all()?.to_scalar::<f32>()?);
    }
    Ok(s.sqrt())
}

/// Trains one run from `seed` (the split and the initial weights); `on_step(done, total)`
/// after each step, `on_eval(point)` at each evaluation.
///
/// # Errors
/// [`Error::Config`] for a bad configuration; tensor errors.
pub fn train(
    cfg: &GrokConfig,
    seed: u64,
    on_step: &mut dyn FnMut(usize, usize),
    on_eval: &mut dyn FnMut(&Point),
) -> Result<GrokRun> {
    cfg.validate()?;
    let dev = Device::Cpu;
    let eqs: Vec<Equation> = modular::table(cfg.p, cfg.op)?;
    let (train, val) = modular::split(&eqs, cfg.train_frac, &mut Rng::new(seed).fork(1))?;
    if train.is_empty() || val.is_empty() {
        return Err(Error::Config(format!("p = {} and train_frac = {} leave an empty split", cfg.p, cfg.train_frac)));
    }
    let params = Params::new(seed);
    let model = OneLayer::new(cfg.p, cfg.width, cfg.heads, params.var_builder(&dev))?;
    let embedding_init = model.number_embeddings()?;
    let tcfg = TrainConfig {
        steps: cfg.steps,
        accum: 1,
        // 10 warmup steps, then constant (floor = peak): grokking needs the rate to stay up.
        schedule: Schedule { peak: cfg.lr, floor: cfg.lr, warmup: 10.min(cfg.steps), total: cfg.steps },
        adamw: AdamWConfig { beta1: 0.9, beta2: 0.98, eps: 1e-8, weight_decay: cfg.weight_decay },
        clip: None,
        eval_every: cfg.eval_every,
        ckpt_every: 0,
    };
    let mut trainer = Trainer::new(&params, tcfg)?;
    let sizes = (train.len(), val.len());
    let mut obj = FullBatch {
        model: &model,
        params: &params,
        train: modular::tensors(&train, cfg.p, &dev)?,
        val: modular::tensors(&val, cfg.p, &dev)?,
    };
    let point = |step: usize, m: &[(String, f64)]| {
        let g = |k: &str| m.iter().find(|(n, _)| n == k).map_or(f64::NAN, |(_, v)| *v);
        Point {
            step,
            train_loss: g("train_loss"),
            train_acc: g("train_acc"),
            val_loss: g("val_loss"),
            val_acc: g("val_acc"),
            weight_norm: g("weight_norm"),
        }
    };
    let mut curve = vec![point(0, &obj.evaluate(0)?)];
    on_eval(&curve[0]);
    let mut embedding_memorized = None;
    let mut snapshot_error = None;
    trainer.run(&mut obj, &mut |e| match e {
        Event::Step(s) => on_step(s.step + 1, cfg.steps),
        Event::Eval(step, m) => {
            let pt = point(step, m);
            if pt.train_acc >= MEMORIZED && embedding_memorized.is_none() {
                match model.number_embeddings() {
                    Ok(e) => embedding_memorized = Some(e),
                    Err(e) => snapshot_error = Some(e),
                }
            }
            on_eval(&pt);
            curve.push(pt);
        }
        _ => {}
    })?;
    if let Some(e) = snapshot_error {
        return Err(e);
    }
    let first = |f: &dyn Fn(&Point) -> bool| curve.iter().find(|p| f(p)).map(|p| p.step);
    Ok(GrokRun {
        memorized: first(&|p| p.train_acc >= MEMORIZED),
        generalized: first(&|p| p.val_acc >= GENERALIZED),
        embedding_init,
        embedding_memorized,
        embedding_final: model.number_embeddings()?,
        curve,
        sizes,
    })
}
