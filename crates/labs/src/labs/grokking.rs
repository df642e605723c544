//! Lab `grokking`: memorization first, generalization much later.
//!
//! A one-layer transformer is trained full-batch on a random part of the table of
//! a ∘ b mod p (see [`dojo::generalization::grokking`]). Train accuracy reaches 1 early, while
//! validation accuracy stays near chance (1/p); long after, with nothing changed but more
//! steps of AdamW with strong weight decay, validation accuracy climbs to 1. The report plots
//! both accuracies and losses against steps on a log axis, the weight norm beside them, and
//! gives the memorization step, the generalization step and their ratio.
//!
//! Code under test: [`dojo::generalization`].

use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use dojo::generalization::grokking::{self, GrokConfig, GrokRun, Point};
use dojo::generalization::modular::Op;
use serde::{Deserialize, Serialize};

/// Configuration of `grokking`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrokkingConfig {
    /// Seed of the split and the initial weights.
    pub seed: u64,
    /// The run (`--set run.p=97`, `--set run.weight_decay=0`, …).
    pub run: GrokConfig,
}

/// The tiny run: it groks in about a minute on 2 cores.
pub(crate) fn tiny_run() -> GrokConfig {
    GrokConfig {
        p: 53,
        op: Op::Add,
        train_frac: 0.4,
        width: 64,
        heads: 4,
        steps: 3000,
        lr: 3e-3,
        weight_decay: 1.0,
        eval_every: 25,
    }
}

/// Nanda et al. (2023): p = 113, 30% of the table, width 128, lr 1e-3: ~10k steps to grok.
pub(crate) fn full_run() -> GrokConfig {
    GrokConfig { p: 113, train_frac: 0.3, width: 128, lr: 1e-3, steps: 20_000, eval_every: 100, ..tiny_run() }
}

impl LabConfig for GrokkingConfig {
    fn tiny() -> Self {
        Self { seed: 0, run: tiny_run() }
    }

    fn full() -> Self {
        Self { seed: 0, run: full_run() }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        self.run.validate().map_err(|e| e.to_string())
    }
}

/// Trains `cfg` with progress under `label`, logging every evaluation.
pub(crate) fn run_logged(
    cfg: &GrokConfig,
    seed: u64,
    label: &str,
    ctx: &mut RunContext<'_>,
) -> Result<GrokRun, LabError> {
    let mut points = Vec::new();
    let run = {
        let mut on_step = |done: usize, total: usize| ctx.progress(done as u64, total as u64, label);
        grokking::train(cfg, seed, &mut on_step, &mut |p: &Point| points.push(*p))?
    };
    for p in &points {
        ctx.log(serde_json::json!({"run": label, "point": p}))?;
    }
    Ok(run)
}

/// Accuracy (train and validation) against steps, one pair of series per run.
pub(crate) fn accuracy_plot(name: &str, title: &str, runs: &[(&str, &GrokRun)]) -> Plot {
    let mut p = Plot::new(name, title, "step", "accuracy");
    p.x_log = true;
    for (label, r) in runs {
        let pts = |f: fn(&Point) -> f64| r.curve.iter().map(|q| (q.step.max(1) as f64, f(q))).collect();
        p = p.with(Series::new(format!("{label} train"), pts(|q| q.train_acc)));
        p = p.with(Series::new(format!("{label} validation"), pts(|q| q.val_acc)));
    }
    p
}

/// The weight norm against steps.
pub(crate) fn norm_plot(name: &str, runs: &[(&str, &GrokRun)]) -> Plot {
    let mut p = Plot::new(name, "Weight norm √Σw²", "step", "L2 norm of all weights");
    p.x_log = true;
    for (label, r) in runs {
        p = p.with(Series::new(*label, r.curve.iter().map(|q| (q.step.max(1) as f64, q.weight_norm)).collect()));
    }
    p
}

/// "step 1200" or "not within N steps".
pub(crate) fn step_text(s: Option<usize>, budget: usize) -> String {
    s.map_or(format!("not within {budget} steps"), |s| format!("step {s}"))
}

/// The `grokking` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct Grokking;

impl Experiment for Grokking {
    type Config = GrokkingConfig;

    const INFO: LabInfo = LabInfo {
        name: "grokking",
        topic: "generalization",
        title: "Grokking: memorize first, generalize much later",
        summary:
            "A one-layer transformer on a ∘ b mod p: train accuracy reaches 1 long before validation accuracy does.",
    };

    fn run(&self, lab: &GrokkingConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let cfg = &lab.run;
        let run = run_logged(cfg, lab.seed, "grokking", ctx)?;
        let mut r = Report::default();
        let last = *run.curve.last().expect("the final evaluation");
        r.metric("train_size", run.sizes.0 as f64);
        r.metric("val_size", run.sizes.1 as f64);
        r.metric("final_train_acc", last.train_acc);
        r.metric("final_val_acc", last.val_acc);
        r.metric("chance", 1.0 / cfg.p as f64);
        if let Some(m) = run.memorized {
            r.metric("memorization_step", m as f64);
        }
        if let Some(g) = run.generalized {
            r.metric("generalization_step", g as f64);
        }
        if let (Some(m), Some(g)) = (run.memorized, run.generalized) {
            r.metric("ratio", g as f64 / m.max(1) as f64);
        }
        let at_memorized = run.memorized.and_then(|m| run.curve.iter().find(|q| q.step == m)).map(|q| q.val_acc);
        r.summary = format!(
            "a {} b mod {} with {} of the {} equations for training ({:.0}%). Train accuracy reached {} at **{}**, \
             when validation accuracy was {} (chance {}); validation reached {} at **{}**{}. Final: train {}, \
             validation {}.",
            cfg.op.symbol(),
            cfg.p,
            run.sizes.0,
            run.sizes.0 + run.sizes.1,
            100.0 * cfg.train_frac,
            grokking::MEMORIZED,
            step_text(run.memorized, cfg.steps),
            at_memorized.map_or("—".into(), fmt_num),
            fmt_num(1.0 / cfg.p as f64),
            grokking::GENERALIZED,
            step_text(run.generalized, cfg.steps),
            r.metrics.get("ratio").map_or(String::new(), |x| format!(", {}× later", fmt_num(*x))),
            fmt_num(last.train_acc),
            fmt_num(last.val_acc),
        );
        r.plot(accuracy_plot("accuracy", "Accuracy against steps (log axis)", &[("", &run)]));
        let mut loss = Plot::new("loss", "Cross-entropy against steps", "step", "loss (nats)");
        loss.x_log = true;
        loss.y_log = true;
        let pts = |f: fn(&Point) -> f64| run.curve.iter().map(|q| (q.step.max(1) as f64, f(q).max(1e-6))).collect();
        loss =
            loss.with(Series::new("train", pts(|q| q.train_loss))).with(Series::new("validation", pts(|q| q.val_loss)));
        r.plot(loss);
        r.plot(norm_plot("weight-norm", &[("weights", &run)]));
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_accuracy_arrives_at_least_five_times_later_than_train_accuracy() {
        let report = crate::lab::run_tiny(&Grokking);
        let m = &report.metrics;
        let (mem, gen) = (m["memorization_step"], m["generalization_step"]);
        assert!(gen >= 5.0 * mem, "memorized at {mem}, generalized at {gen}: {m:?}");
        assert!(m["final_val_acc"] >= 0.95 && m["final_train_acc"] >= 0.99, "{m:?}");
    }
}
