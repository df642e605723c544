//! The training loop every lab that trains shares: accumulate, clip, step, evaluate, save.
//!
//! Builds on [`super::adamw`], [`super::schedule`] and [`super::checkpoint`]. One optimizer
//! step s (0-based) does:
//!
//! 1. for each micro-batch j < A: loss_j = objective.loss(s, j); backward; add ∂loss_j/∂θ / A
//!    to the step's gradient (so the step sees the mean over micro-batches);
//! 2. clip by global norm: ‖g‖ = √(Σ over all parameters of Σ g²); if ‖g‖ > c, scale every
//!    gradient by c / (‖g‖ + 1e-6) (as `torch.nn.utils.clip_grad_norm_`);
//! 3. AdamW with η = schedule.at(s);
//! 4. every `eval_every` steps, `objective.evaluate()`; every `ckpt_every` steps and at the
//!    end, an atomic checkpoint.
//!
//! subtle: accumulation equals one big batch only if each micro-batch loss is a mean over the
//! same number of tokens. With variable-length (masked) batches, a mean of per-micro-batch
//! means over-weights short micro-batches; sum the token losses and divide by the step's total
//! token count instead.
//!
//! Resume gives the same numbers as an uninterrupted run because nothing here has hidden
//! state: the data of step s comes from s (the [`Objective`] contract), the rate from s, and
//! the checkpoint holds θ, m, v, t and s.

use super::adamw::{AdamW, AdamWConfig};
use super::checkpoint;
use super::schedule::Schedule;
use crate::nn::Params;
use crate::{Error, Result};
use candle_core::Tensor;
use std::path::PathBuf;

/// How to train. `Default` is a small CPU run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Optimizer steps n, e.g. 300.
    pub steps: usize,
    /// Micro-batches per step A (gradient accumulation), e.g. 1.
    pub accum: usize,
    /// Learning-rate schedule (its `total` is usually `steps`).
    pub schedule: Schedule,
    /// AdamW's β₁, β₂, ε, λ.
    pub adamw: AdamWConfig,
    /// Maximum global gradient norm c, e.g. Some(1.0); None = no clipping.
    pub clip: Option<f64>,
    /// Evaluate every this many steps (and after the last); 0 = only after the last.
    pub eval_every: usize,
    /// Checkpoint every this many steps (and after the last) when a path is set; 0 = only at the end.
    pub ckpt_every: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            steps: 100,
            accum: 1,
            schedule: Schedule::default(),
            adamw: AdamWConfig::default(),
            clip: Some(1.0),
            eval_every: 0,
            ckpt_every: 0,
        }
    }
}

/// What is being trained: a loss per micro-batch and, optionally, evaluation metrics.
pub trait Objective {
    /// The loss (a scalar tensor) of micro-batch `micro` of step `step`: a mean over its
    /// examples. Contract: the batch depends only on (`step`, `micro`) and the seed the
    /// objective was built with, never on how many times it was called, so a resumed run
    /// sees the same data.
    fn loss(&mut self, step: usize, micro: usize) -> Result<Tensor>;

    /// Metrics after `step` steps, e.g. `[("val_loss", 2.1)]`; none by default.
    fn evaluate(&mut self, step: usize) -> Result<Vec<(String, f64)>> {
        let _ = step;
        Ok(Vec::new())
    }
}

/// What one optimizer step did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepStats {
    /// The step's index s (0-based).
    pub step: usize,
    /// Mean micro-batch loss.
    pub loss: f64,
    /// Learning rate used.
    pub lr: f64,
    /// Global gradient norm before clipping.
    pub grad_norm: f64,
    /// Whether clipping scaled the gradient.
    pub clipped: bool,
}

/// What the loop reports as it runs (the library never prints; the caller decides).
#[derive(Debug)]
pub enum Event<'a> {
    /// Training resumed from a checkpoint at this step.
    Resumed(usize),
    /// A step finished.
    Step(StepStats),
    /// Evaluation after `step` steps.
    Eval(usize, &'a [(String, f64)]),
    /// A checkpoint was written after `step` steps.
    Saved(usize),
}

/// The loop's state: the optimizer (which holds the parameters) and the next step.
pub struct Trainer {
    cfg: TrainConfig,
    opt: AdamW,
    next: usize,
    ckpt: Option<PathBuf>,
}

/// Scales `grads` in place so their global L2 norm is at most `max`; returns the norm before.
pub fn clip_global_norm(grads: &mut [Option<Vec<f32>>], max: f64) -> f64 {
    let sq: f64 = grads.iter().flatten().flat_map(|g| g.iter()).map(|&x| f64::from(x) * f64::from(x)).sum();
    let norm = sq.sqrt();
    let scale = (max / (norm + 1e-6)).min(1.0) as f32;
    if scale < 1.0 {
        grads.iter_mut().flatten().for_each(|g| g.iter_mut().for_each(|x| *x *= scale));
    }
    norm
}

impl Trainer {
    /// A trainer over every parameter of `params`, starting at step 0.
    pub fn new(params: &Params, cfg: TrainConfig) -> Result<Self> {
        if cfg.accum == 0 {
            return Err(Error::Config("accum must be ≥ 1 micro-batch per step".into()));
        }
        if cfg.clip.is_some_and(|c| c <= 0.0) {
            return Err(Error::Config(format!("clip must be > 0, got {:?}", cfg.clip)));
        }
        if params.named_vars().is_empty() {
            // Variables are created when the model is built: a trainer made first sees none.
            return Err(Error::Config(
                "the trainer got no parameters\n---> HINT: build the model from these Params before the Trainer".into(),
            ));
        }
        Ok(Self { opt: AdamW::new(params.named_vars(), cfg.adamw)?, cfg, next: 0, ckpt: None })
    }

    /// Save checkpoints to `path` (and resume from it with [`Trainer::resume`]).
    pub fn with_checkpoint(mut self, path: impl Into<PathBuf>) -> Self {
        self.ckpt = Some(path.into());
        self
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    /// The next step to run (= steps done).
    pub fn next_step(&self) -> usize {
        self.next
    }

    /// The optimizer (parameter names, state size).
    pub fn optimizer(&self) -> &AdamW {
        &self.opt
    }

    /// Restores parameters, optimizer and step from the checkpoint if the file exists;
    /// returns the step it resumed at, or `None` for a fresh start.
    pub fn resume(&mut self) -> Result<Option<usize>> {
        let Some(path) = self.ckpt.clone().filter(|p| p.exists()) else { return Ok(None) };
        self.next = checkpoint::load(&path, &mut self.opt)?;
        Ok(Some(self.next))
    }

    /// Writes a checkpoint now (if a path is set).
    pub fn save(&self) -> Result<()> {
        match &self.ckpt {
            Some(p) => checkpoint::save(p, &self.opt, self.next),
            None => Ok(()),
        }
    }

    /// One optimizer step (accumulate, clip, update).
    pub fn step(&mut self, obj: &mut dyn Objective) -> Result<StepStats> {
        let s = self.next;
        let a = self.cfg.accum;
        // 1) accumulate the mean gradient over the micro-batches, on the host
        let mut grads: Vec<Option<Vec<f32>>> = vec![None; self.opt.vars().count()];
        let mut loss_sum = 0.0;
        for j in 0..a {
            let loss = obj.loss(s, j)?;
            loss_sum += loss.to_scalar::<f32>()? as f64;
            let store = loss.backward()?;
            for (acc, var) in grads.iter_mut().zip(self.opt.vars()) {
                if let Some(g) = store.get(var) {
                    let g = g.flatten_all()?.to_vec1::<f32>()?;
                    let acc = acc.get_or_insert_with(|| vec![0.0; g.len()]);
                    for (x, y) in acc.iter_mut().zip(&g) {
                        *x += y / a as f32;
                    }
                }
            }
        }
        // 2) clip, 3) update
        let grad_norm = clip_global_norm(&mut grads, self.cfg.clip.unwrap_or(f64::INFINITY)); // ∞: measure only
        let lr = self.cfg.schedule.at(s);
        self.opt.step(&grads, lr)?;
        self.next += 1;
        let clipped = self.cfg.clip.is_some_and(|c| grad_norm > c);
        Ok(StepStats { step: s, loss: loss_sum / a as f64, lr, grad_norm, clipped })
    }

    /// Runs from the next step to `cfg.steps`, evaluating and checkpointing on schedule.
    /// Call [`Trainer::resume`] first to continue an interrupted run.
    pub fn run(&mut self, obj: &mut dyn Objective, on: &mut dyn FnMut(Event)) -> Result<()> {
        if self.next > 0 {
            on(Event::Resumed(self.next));
        }
        let every = |k: usize, done: usize| k > 0 && done % k == 0;
        while self.next < self.cfg.steps {
            let stats = self.step(obj)?;
            on(Event::Step(stats));
            let done = self.next;
            let last = done == self.cfg.steps;
            if every(self.cfg.eval_every, done) || last {
                let m = obj.evaluate(done)?;
                on(Event::Eval(done, &m));
            }
            if self.ckpt.is_some() && (every(self.cfg.ckpt_every, done) || last) {
                self.save()?;
                on(Event::Saved(done));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Rng;
    use candle_core::{Device, Module};

    /// Linear regression y = W·x + b on examples drawn by index: example i comes from
    /// `Rng::new(seed).fork(i)`, and step s, micro-batch j of A covers examples
    /// [s·B + j·B/A, s·B + (j+1)·B/A).
    struct Regression {
        model: candle_nn::Linear,
        batch: usize,
        accum: usize,
        seed: u64,
    }

    impl Regression {
        fn new(params: &Params, batch: usize, accum: usize) -> Self {
            let model = candle_nn::linear(4, 2, params.var_builder(&Device::Cpu).pp("lin")).unwrap();
            Self { model, batch, accum, seed: 9 }
        }
    }

    impl Objective for Regression {
        fn loss(&mut self, step: usize, micro: usize) -> Result<Tensor> {
            let per = self.batch / self.accum;
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
            for i in step * self.batch + micro * per..step * self.batch + (micro + 1) * per {
                let mut r = Rng::new(self.seed).fork(i as u64);
                let x: Vec<f32> = (0..4).map(|_| r.normal() as f32).collect();
                ys.extend([x[0] - 2.0 * x[1] + 0.5, 3.0 * x[2] + x[3] - 1.0]);
                xs.extend(x);
            }
            let x = Tensor::from_vec(xs, (per, 4), &Device::Cpu)?;
            let y = Tensor::from_vec(ys, (per, 2), &Device::Cpu)?;
            Ok((self.model.forward(&x)? - y)?.sqr()?.mean_all()?)
        }

        fn evaluate(&mut self, _step: usize) -> Result<Vec<(String, f64)>> {
            Ok(vec![("w00".into(), self.model.weight().get(0)?.get(0)?.to_scalar::<f32>()? as f64)])
        }
    }

    fn cfg(steps: usize, accum: usize) -> TrainConfig {
        TrainConfig {
            steps,
            accum,
            schedule: Schedule { peak: 0.05, floor: 0.005, warmup: 3, total: steps },
            clip: Some(1.0),
            ckpt_every: 5,
            ..Default::default()
        }
    }

    fn weights(p: &Params) -> Vec<Vec<f32>> {
        p.named_vars().iter().map(|(_, v)| v.as_tensor().flatten_all().unwrap().to_vec1().unwrap()).collect()
    }

    #[test]
    fn training_reduces_the_loss_and_reports_each_step() {
        let p = Params::new(1);
        let mut obj = Regression::new(&p, 16, 1);
        let mut t = Trainer::new(
            &p,
            TrainConfig { schedule: Schedule { peak: 0.1, floor: 0.01, warmup: 3, total: 100 }, ..cfg(100, 1) },
        )
        .unwrap();
        let mut losses = Vec::new();
        let mut evals = 0;
        t.run(&mut obj, &mut |e| match e {
            Event::Step(s) => losses.push(s.loss),
            Event::Eval(..) => evals += 1,
            _ => {}
        })
        .unwrap();
        assert_eq!((losses.len(), evals), (100, 1));
        assert!(losses[99] < 0.01 * losses[0], "{} → {}", losses[0], losses[99]);
        assert!(Trainer::new(&Params::new(0), cfg(1, 1)).err().unwrap().to_string().contains("build the model"));
    }

    #[test]
    fn a_resumed_run_ends_with_the_same_numbers_as_an_uninterrupted_one() {
        let dir = tempfile::tempdir().unwrap();
        // A: 12 steps straight through.
        let pa = Params::new(1);
        let mut obj = Regression::new(&pa, 8, 2);
        let start = weights(&pa);
        let mut ta = Trainer::new(&pa, cfg(12, 2)).unwrap();
        ta.run(&mut obj, &mut |_| {}).unwrap();
        assert_ne!(weights(&pa), start);
        // B: killed after step 7 (checkpoints at 5; steps 6 and 7 are lost with the process).
        let path = dir.path().join("run/ckpt.safetensors");
        let pb = Params::new(1);
        let mut obj = Regression::new(&pb, 8, 2);
        let mut tb = Trainer::new(&pb, cfg(12, 2)).unwrap().with_checkpoint(&path);
        for _ in 0..7 {
            tb.step(&mut obj).unwrap();
            if tb.next_step() % 5 == 0 {
                tb.save().unwrap();
            }
        }
        drop((tb, obj, pb));
        // A new process: even a different initialization is overwritten by the checkpoint.
        let pc = Params::new(12345);
        let mut obj = Regression::new(&pc, 8, 2);
        let mut tc = Trainer::new(&pc, cfg(12, 2)).unwrap().with_checkpoint(&path);
        assert_eq!(tc.resume().unwrap(), Some(5));
        let mut resumed = None;
        tc.run(&mut obj, &mut |e| {
            if let Event::Resumed(s) = e {
                resumed = Some(s);
            }
        })
        .unwrap();
        assert_eq!(resumed, Some(5));
        assert_eq!(weights(&pc), weights(&pa), "bit-identical parameters at step 12");
        assert!(!dir.path().join("run/ckpt.safetensors.tmp").exists());
    }

    #[test]
    fn two_micro_batches_equal_one_batch_of_twice_the_size() {
        let (p1, p2) = (Params::new(3), Params::new(3));
        let (mut o1, mut o2) = (Regression::new(&p1, 8, 1), Regression::new(&p2, 8, 2));
        let mut t1 = Trainer::new(&p1, cfg(5, 1)).unwrap();
        let mut t2 = Trainer::new(&p2, cfg(5, 2)).unwrap();
        for _ in 0..5 {
            let (a, b) = (t1.step(&mut o1).unwrap(), t2.step(&mut o2).unwrap());
            assert!((a.loss - b.loss).abs() < 1e-5 && (a.grad_norm - b.grad_norm).abs() < 1e-4, "{a:?} {b:?}");
        }
        for (a, b) in weights(&p1).iter().flatten().zip(weights(&p2).iter().flatten()) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn clipping_scales_the_global_norm_down_to_the_limit() {
        // ‖(3, 4, 0)‖ = 5 over two tensors; to norm 1: (0.6, 0.8, 0).
        let mut g = vec![Some(vec![3.0, 4.0]), None, Some(vec![0.0])];
        assert_eq!(clip_global_norm(&mut g, 1.0), 5.0);
        let v = g[0].as_ref().unwrap();
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        let mut small = vec![Some(vec![0.3, 0.4])];
        clip_global_norm(&mut small, 1.0);
        assert_eq!(small[0], Some(vec![0.3, 0.4]), "under the limit nothing changes");
    }

    #[test]
    fn a_checkpoint_of_another_model_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.safetensors");
        let p = Params::new(1);
        let _ = Regression::new(&p, 4, 1);
        Trainer::new(&p, cfg(3, 1)).unwrap().with_checkpoint(&path).save().unwrap();
        let q = Params::new(1);
        let _ = candle_nn::linear(4, 3, q.var_builder(&Device::Cpu).pp("lin")).unwrap(); // 3 outputs, not 2
        let e = Trainer::new(&q, cfg(3, 1)).unwrap().with_checkpoint(&path).resume().unwrap_err().to_string();
        assert!(e.contains("lin.bias is [2] there, [3] here"), "{e}");
        std::fs::write(&path, b"junk").unwrap();
        assert!(Trainer::new(&p, cfg(3, 1)).unwrap().with_checkpoint(&path).resume().is_err());
    }

    #[test]
    fn clip_schedule_and_adamw_match_pytorch() {
        // refs/pretraining.py: torch's clip_grad_norm_, AdamW (two groups) and LambdaLR.
        let f = crate::nn::fixtures::Fixture::load("pretraining/adamw");
        let names = ["b", "e", "w"]; // sorted, as Params would give them
        let vars: Vec<(String, candle_core::Var)> =
            names.iter().map(|n| (n.to_string(), f.var(&format!("{n}0")))).collect();
        let mut opt =
            AdamW::new(vars.clone(), AdamWConfig { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1 }).unwrap();
        assert_eq!(opt.decay_split(), (12 + 15, 4));
        let sched = Schedule { peak: 0.01, floor: 0.001, warmup: 2, total: 6 };
        let scalar = |key: &str| f64::from(f.get(key).to_vec1::<f32>().unwrap()[0]);
        for s in 0..6 {
            let mut grads: Vec<Option<Vec<f32>>> = names
                .iter()
                .map(|n| Some(f.get(&format!("g{s}.{n}")).flatten_all().unwrap().to_vec1().unwrap()))
                .collect();
            let norm = clip_global_norm(&mut grads, 1.0);
            assert!((norm / scalar(&format!("norm{s}")) - 1.0).abs() < 1e-5, "step {s}: norm {norm}");
            let lr = sched.at(s);
            assert!((lr / scalar(&format!("lr{s}")) - 1.0).abs() < 1e-6, "step {s}: lr {lr}");
            opt.step(&grads, lr).unwrap();
            for (n, v) in &vars {
                f.assert_close(v.as_tensor(), &format!("p{s}.{n}"), crate::nn::Tolerance::F32);
            }
        }
    }
}
