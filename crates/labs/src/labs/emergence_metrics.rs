//! Lab `emergence-metrics`: a smooth improvement that a discontinuous metric makes look
//! sudden (Schaeffer et al. 2023).
//!
//! One small GPT learns n-digit addition ([`dojo::generalization::addition`]); its checkpoints
//! at log-spaced steps are the family of models, so "scale" here is training compute. Each is
//! scored on the same held-out problems ([`dojo::generalization::emergence`]) by per-token
//! accuracy, by the mean log-probability of the answer digits, and by exact match of the whole
//! answer. The report plots the three against steps on a log axis, beside p^L (per-token
//! accuracy to the power of the answer length), and measures how much of the log-steps axis
//! each metric takes to go from 10% to 90% of its rise.

use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use candle_core::Device;
use dojo::generalization::addition::{self, VOCAB};
use dojo::generalization::emergence::{score, Scores};
use dojo::nn::masked_cross_entropy;
use dojo::nn::{Params, Rng};
use dojo::pretraining::{AdamWConfig, Objective, Schedule, TrainConfig, Trainer};
use dojo::transformers::gpt::{Gpt, GptConfig};
use serde::{Deserialize, Serialize};

/// Configuration of `emergence-metrics`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergenceConfig {
    /// Seed of weights, batches and the test set.
    pub seed: u64,
    /// Digits per operand n (the answer has n + 1).
    pub digits: usize,
    /// Answer written least significant digit first.
    pub reversed: bool,
    /// Model width.
    pub width: usize,
    /// Layers.
    pub layers: usize,
    /// Heads.
    pub heads: usize,
    /// Problems per step.
    pub batch: usize,
    /// Training steps.
    pub steps: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Checkpoints scored, log-spaced over the run.
    pub checkpoints: usize,
    /// Held-out problems.
    pub test_problems: usize,
}

impl LabConfig for EmergenceConfig {
    fn tiny() -> Self {
        Self {
            seed: 0,
            digits: 4,
            reversed: true,
            width: 64,
            layers: 2,
            heads: 4,
            batch: 64,
            steps: 1000,
            lr: 3e-3,
            checkpoints: 30,
            test_problems: 1000,
        }
    }

    fn full() -> Self {
        Self { digits: 8, width: 128, layers: 4, steps: 8000, checkpoints: 30, ..Self::tiny() }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        if !(1..=9).contains(&self.digits) {
            return Err("digits in 1..=9".into());
        }
        if self.heads == 0 || self.width % self.heads != 0 || self.layers == 0 {
            return Err("width must split into heads; layers ≥ 1".into());
        }
        if self.batch == 0 || self.steps < 10 || self.checkpoints < 4 || self.test_problems == 0 {
            return Err("batch ≥ 1, steps ≥ 10, checkpoints ≥ 4, test_problems ≥ 1".into());
        }
        Ok(())
    }
}

struct Addition<'a> {
    gpt: &'a Gpt,
    cfg: &'a EmergenceConfig,
}

impl Objective for Addition<'_> {
    fn loss(&mut self, step: usize, micro: usize) -> dojo::Result<candle_core::Tensor> {
        let mut rng = Rng::new(self.cfg.seed).fork(1 + ((step as u64) << 8 | micro as u64));
        let b = addition::batch(self.cfg.batch, self.cfg.digits, self.cfg.reversed, &mut rng, &self.gpt.device())?;
        masked_cross_entropy(&self.gpt.forward(&b.input, None)?, &b.target, &b.mask)
    }
}

/// Steps 1 … n at about `k` log-spaced points (always including n).
fn log_steps(n: usize, k: usize) -> Vec<usize> {
    let mut v: Vec<usize> =
        (0..k).map(|i| ((n as f64).powf(i as f64 / (k - 1) as f64)).round() as usize).map(|s| s.clamp(1, n)).collect();
    v.dedup();
    v
}

/// The share of the log-steps axis (of the whole run) a metric takes to go from 10% to 90% of
/// its rise from the first checkpoint to its best; 1 when it never rises.
fn transition_width(pts: &[(f64, f64)]) -> f64 {
    let (first, best) = (pts[0].1, pts.iter().map(|p| p.1).fold(f64::MIN, f64::max));
    if best <= first {
        return 1.0;
    }
    let reach = |frac: f64| pts.iter().find(|p| p.1 >= first + frac * (best - first)).map(|p| p.0.ln());
    let span = pts.last().expect("points").0.ln() - pts[0].0.ln();
    match (reach(0.1), reach(0.9)) {
        (Some(a), Some(b)) => (b - a) / span,
        _ => 1.0,
    }
}

/// The `emergence-metrics` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmergenceMetrics;

impl Experiment for EmergenceMetrics {
    type Config = EmergenceConfig;

    const INFO: LabInfo = LabInfo {
        name: "emergence-metrics",
        topic: "generalization",
        title: "Emergence is in the metric",
        summary: "Checkpoints of a GPT learning addition: per-token accuracy rises smoothly, exact match looks sudden.",
    };

    fn run(&self, cfg: &EmergenceConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let dev = Device::Cpu;
        let params = Params::new(cfg.seed);
        let gcfg = GptConfig {
            vocab: VOCAB,
            width: cfg.width,
            heads: cfg.heads,
            layers: cfg.layers,
            hidden: 4 * cfg.width,
            max_len: 3 * cfg.digits + 2,
            ..GptConfig::tiny(VOCAB)
        };
        let gpt = Gpt::new(gcfg, params.var_builder(&dev))?;
        let test = addition::batch(cfg.test_problems, cfg.digits, cfg.reversed, &mut Rng::new(cfg.seed).fork(0), &dev)?;
        let tcfg = TrainConfig {
            steps: cfg.steps,
            accum: 1,
            schedule: Schedule {
                peak: cfg.lr,
                floor: cfg.lr / 10.0,
                warmup: (cfg.steps / 20).max(1),
                total: cfg.steps,
            },
            adamw: AdamWConfig { weight_decay: 0.1, ..Default::default() },
            clip: Some(1.0),
            eval_every: 0,
            ckpt_every: 0,
        };
        let mut trainer = Trainer::new(&params, tcfg)?;
        let marks = log_steps(cfg.steps, cfg.checkpoints);
        let mut points: Vec<(usize, Scores)> = Vec::new();
        let mut obj = Addition { gpt: &gpt, cfg };
        // Train step by step; score each checkpoint on the held-out problems.
        for step in 1..=cfg.steps {
            trainer.step(&mut obj)?;
            ctx.progress(step as u64, cfg.steps as u64, "training");
            if marks.contains(&step) {
                let s = score(&gpt.forward(&test.input, None)?, &test)?;
                ctx.log(serde_json::json!({"step": step, "scores": s}))?;
                points.push((step, s));
            }
        }

        let l = cfg.digits as i32 + 1;
        let series = |f: &dyn Fn(&Scores) -> f64| points.iter().map(|(s, sc)| (*s as f64, f(sc))).collect::<Vec<_>>();
        let token = series(&|s| s.token_accuracy);
        let em = series(&|s| s.exact_match);
        let predicted = series(&|s| s.token_accuracy.powi(l));
        let logprob = series(&|s| s.logprob.exp()); // geometric-mean probability of a right digit
        let mut r = Report::default();
        let last = points.last().expect("checkpoints").1;
        r.metric("final_token_accuracy", last.token_accuracy);
        r.metric("final_exact_match", last.exact_match);
        r.metric("token_transition_width", transition_width(&token));
        r.metric("exact_match_transition_width", transition_width(&em));
        r.metric("prob_transition_width", transition_width(&logprob));
        // Where exact match is still small, per-token accuracy has already come a long way.
        let first_em =
            |thr: f64| points.iter().find(|(_, s)| s.exact_match >= thr).map(|(st, s)| (*st, s.token_accuracy));
        if let Some((st, tok)) = first_em(0.1) {
            r.metric("token_accuracy_when_em_reaches_0.1", tok);
            r.metric("step_em_reaches_0.1", st as f64);
        }
        let gap = points.iter().map(|(_, s)| (s.exact_match - s.token_accuracy.powi(l)).abs()).fold(0.0, f64::max);
        r.metric("max_gap_em_vs_p_to_the_l", gap);
        let g = |k: &str| r.metrics.get(k).copied().unwrap_or(f64::NAN);
        r.summary = format!(
            "{}-digit addition ({} answer digits), {} checkpoints of one GPT. Per-token accuracy takes **{}** of the \
             log-steps axis to go from 10% to 90% of its rise; exact match takes **{}**. When exact match first \
             reaches 0.1, per-token accuracy is already {}. Exact match stays within {} of p^{l} (per-token accuracy \
             to the {l}th power) at every checkpoint. Final: per-token {}, exact match {}.",
            cfg.digits,
            l,
            points.len(),
            fmt_num(g("token_transition_width")),
            fmt_num(g("exact_match_transition_width")),
            r.metrics.get("token_accuracy_when_em_reaches_0.1").map_or("—".into(), |v| fmt_num(*v)),
            fmt_num(gap),
            fmt_num(last.token_accuracy),
            fmt_num(last.exact_match),
        );
        let mut p = Plot::new("metrics", "Three scores of the same checkpoints", "training step (log)", "score");
        p.x_log = true;
        p = p
            .with(Series::new("per-token accuracy", token))
            .with(Series::new("exact match", em))
            .with(Series::reference(format!("(per-token accuracy)^{l}"), predicted))
            .with(Series::new("exp(mean log-prob of a digit)", logprob));
        r.plot(p);
        r.text(format!(
            "## What to look for\n\n\
             - Per-token accuracy and the digit probability climb over a wide stretch of training. Exact match \
             sits near zero for most of it and then rises steeply: it needs all {l} digits right at once.\n\
             - The dashed curve p^{l} tracks exact match: if digits were independent, exact match would be exactly \
             p^{l}, so the sharp shape follows from the metric alone (Schaeffer et al. 2023). Gaps show where errors \
             are correlated (a wrong carry tends to spoil the next digit too).\n\
             - The family here is one model's checkpoints, so scale is training compute; Schaeffer et al. make the \
             same argument across model sizes (and show that on the BIG-bench tasks called emergent, switching to \
             a continuous metric removes the jump). It does not say no ability is ever abrupt: a metric change \
             only removes the jumps that the metric created."
        ));
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_steps_cover_the_run_and_transition_widths_measure_sharpness() {
        let s = log_steps(1000, 4);
        assert_eq!(s, [1, 10, 100, 1000]);
        let step = [(1.0, 0.0), (10.0, 0.0), (100.0, 1.0), (1000.0, 1.0)];
        let ramp = [(1.0, 0.0), (10.0, 0.33), (100.0, 0.67), (1000.0, 1.0)];
        assert!((transition_width(&step) - 0.0).abs() < 1e-12);
        assert!((transition_width(&ramp) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(transition_width(&[(1.0, 0.5), (10.0, 0.5)]), 1.0);
    }

    #[test]
    fn exact_match_rises_more_sharply_than_per_token_accuracy() {
        let report = crate::lab::run_tiny(&EmergenceMetrics);
        let m = &report.metrics;
        assert!(m["final_exact_match"] > 0.5, "the model learns the task: {m:?}");
        assert!(m["exact_match_transition_width"] < 0.7 * m["token_transition_width"], "{m:?}");
        assert!(m["token_accuracy_when_em_reaches_0.1"] > 0.5, "{m:?}");
    }
}
