//! Lab `ttt-layer`: a test-time-training layer's state learns the sequence it reads, and
//! relearns when the sequence changes; linear attention's state only accumulates.
//!
//! A long synthetic sequence of (key, value) tokens, values a fixed linear function of the keys
//! plus a little noise, v_t = M k_t + ε, where M is redrawn every `segment` tokens. Each layer
//! predicts v_t from k_t *before* it sees v_t, then takes the token in; the loss ½‖v̂_t − v_t‖² at
//! each position measures how well its state knows the current rule.
//!
//! - TTT-Linear, online (b = 1): W ← W − η (W k − v) kᵀ, the delta rule, which corrects what W
//!   gets wrong and so overwrites the old rule.
//! - TTT-Linear with mini-batches of b tokens: the gradients of a mini-batch are all taken at its
//!   start (what the dual form computes in matrix products).
//! - Linear attention: S = Σ v kᵀ, read as (d / n)·S k after n tokens (keys are unit vectors, so
//!   E[k kᵀ] = I/d and (d/n)·S estimates M). By the TTT paper's theorem 1 this is one batch
//!   gradient step from W₀ = 0 over everything seen: it never forgets, so after a change its
//!   estimate is an average of the old rules and the new one.
//!
//! The layers here have no trained outer projections (θ_K, θ_V, θ_Q are the identity): the lab
//! shows the inner learners, which is where TTT and linear attention differ.
//!
//! Code under test: [`dojo::beyond::ttt`].

use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use dojo::beyond::ttt::{inner_loss, inner_step};
use dojo::beyond::Mat;
use dojo::nn::Rng;
use serde::{Deserialize, Serialize};

/// Configuration of `ttt-layer`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TttLayerConfig {
    /// Seed for the keys, rules and noise.
    pub seed: u64,
    /// Key and value width d, e.g. 16.
    pub dim: usize,
    /// Tokens per rule, e.g. 1024.
    pub segment: usize,
    /// Rules (segments) in the sequence, e.g. 4.
    pub segments: usize,
    /// Noise standard deviation per value coordinate, e.g. 0.05.
    pub noise: f64,
    /// The inner learning rate η, e.g. 0.5 (η‖k‖² < 2 keeps the delta rule stable).
    pub eta: f64,
    /// TTT mini-batch size b, e.g. 16.
    pub batch: usize,
    /// Tokens per point of the plotted moving average, e.g. 64.
    pub window: usize,
}

impl LabConfig for TttLayerConfig {
    fn tiny() -> Self {
        Self { seed: 0, dim: 16, segment: 1024, segments: 4, noise: 0.05, eta: 0.5, batch: 16, window: 64 }
    }

    fn full() -> Self {
        Self { dim: 64, segment: 4096, segments: 6, ..Self::tiny() }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        if self.dim == 0 || self.segment == 0 || self.segments == 0 || self.batch == 0 || self.window == 0 {
            return Err("dim, segment, segments, batch and window must all be at least 1".into());
        }
        if !(self.eta > 0.0 && self.eta < 2.0) {
            return Err(format!(
                "eta must be in (0, 2) for the delta rule to be stable on unit keys, got {}",
                self.eta
            ));
        }
        if self.noise.is_nan() || self.noise < 0.0 {
            return Err(format!("noise must be ≥ 0, got {}", self.noise));
        }
        if self.window > self.segment {
            return Err(format!("window {} must not exceed segment {}", self.window, self.segment));
        }
        Ok(())
    }
}

/// The `ttt-layer` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct TttLayer;

/// The sequence: unit keys, values from the segment's rule plus noise.
fn sequence(cfg: &TttLayerConfig, rng: &mut Rng) -> (Mat, Mat) {
    let d = cfg.dim;
    let (mut keys, mut values) = (Vec::new(), Vec::new());
    for _ in 0..cfg.segments {
        let rule: Mat = (0..d).map(|_| (0..d).map(|_| rng.normal() / (d as f64).sqrt()).collect()).collect();
        for _ in 0..cfg.segment {
            let mut k: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
            let norm = k.iter().map(|x| x * x).sum::<f64>().sqrt();
            k.iter_mut().for_each(|x| *x /= norm);
            let v = rule
                .iter()
                .map(|row| row.iter().zip(&k).map(|(m, k)| m * k).sum::<f64>() + cfg.noise * rng.normal())
                .collect();
            keys.push(k);
            values.push(v);
        }
    }
    (keys, values)
}

/// TTT-Linear's loss before each token, with mini-batches of `batch` (1 = online).
fn ttt_losses(keys: &Mat, values: &Mat, d: usize, eta: f64, batch: usize) -> Vec<f64> {
    let mut start = vec![vec![0.0; d]; d];
    let mut losses = Vec::with_capacity(keys.len());
    for (kb, vb) in keys.chunks(batch).zip(values.chunks(batch)) {
        let mut w = start.clone();
        for (k, v) in kb.iter().zip(vb) {
            losses.push(inner_loss(&w, k, v)); // W_(t−1): the batch's start plus its earlier gradients
            inner_step(&mut w, &start, eta, k, v); // the gradient taken at the batch's start
        }
        start = w;
    }
    losses
}

/// Linear attention's loss before each token: (d / n)·(Σ v kᵀ) k after n tokens.
fn linear_attention_losses(keys: &Mat, values: &Mat, d: usize) -> Vec<f64> {
    let mut s = vec![vec![0.0; d]; d]; // Σ v kᵀ, row i = value coordinate
    keys.iter()
        .zip(values)
        .enumerate()
        .map(|(n, (k, v))| {
            let scale = if n == 0 { 0.0 } else { d as f64 / n as f64 };
            let est: Mat = s.iter().map(|row| row.iter().map(|x| x * scale).collect()).collect();
            let loss = inner_loss(&est, k, v);
            for (row, vi) in s.iter_mut().zip(v) {
                row.iter_mut().zip(k).for_each(|(x, kj)| *x += vi * kj);
            }
            loss
        })
        .collect()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

impl Experiment for TttLayer {
    type Config = TttLayerConfig;

    const INFO: LabInfo = LabInfo {
        name: "ttt-layer",
        topic: "beyond",
        title: "Test-time training: a state that learns, and relearns",
        summary: "TTT-Linear (online and mini-batch) against linear attention on a long sequence whose key→value rule changes.",
    };

    fn run(&self, cfg: &TttLayerConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let (keys, values) = sequence(cfg, &mut Rng::new(cfg.seed));
        let d = cfg.dim;
        let methods: Vec<(String, Vec<f64>)> = vec![
            ("TTT-Linear, online (b = 1)".into(), ttt_losses(&keys, &values, d, cfg.eta, 1)),
            (format!("TTT-Linear, mini-batch b = {}", cfg.batch), ttt_losses(&keys, &values, d, cfg.eta, cfg.batch)),
            ("linear attention".into(), linear_attention_losses(&keys, &values, d)),
        ];
        ctx.progress(1, 1, "done");
        let tail = cfg.window;
        let mut r = Report::default();
        let mut rows = Vec::new();
        let mut plot = Plot::new("loss", "Loss before each token (moving average)", "position", "½‖v̂ − v‖²");
        for (mi, (name, losses)) in methods.iter().enumerate() {
            let per_segment: Vec<f64> = losses.chunks(cfg.segment).map(|seg| mean(&seg[seg.len() - tail..])).collect();
            for (si, l) in per_segment.iter().enumerate() {
                ctx.log(serde_json::json!({ "method": name, "segment": si, "final_loss": l }))?;
            }
            let key = ["ttt_online", "ttt_batch", "linear_attention"][mi];
            r.metric(&format!("{key}_first_segment_loss"), per_segment[0]);
            r.metric(&format!("{key}_last_segment_loss"), per_segment[per_segment.len() - 1]);
            r.metric(&format!("{key}_mean_loss"), mean(losses));
            let points: Vec<(f64, f64)> =
                losses.chunks(cfg.window).enumerate().map(|(i, c)| (((i + 1) * cfg.window) as f64, mean(c))).collect();
            plot = plot.with(Series::new(name.clone(), points));
            let mut row = vec![name.clone(), fmt_num(mean(losses))];
            row.extend(per_segment.iter().map(|l| fmt_num(*l)));
            rows.push(row);
        }
        // What a zero state scores: ½‖v‖², over the first rule.
        let initial =
            mean(&values[..cfg.segment].iter().map(|v| 0.5 * v.iter().map(|x| x * x).sum::<f64>()).collect::<Vec<_>>());
        let floor = 0.5 * d as f64 * cfg.noise * cfg.noise;
        r.metric("initial_loss", initial);
        r.metric("noise_floor", floor);
        let m = &r.metrics;
        r.summary = format!(
            "A sequence of {} (key, value) tokens of width {d}, values a linear rule of the keys plus \
             noise, the rule redrawn every {} tokens. The loss before each token, averaged over the last \
             {tail} tokens of each rule: TTT-Linear online fell from {} (what a zero state scores) to {} by \
             the end of the first rule and was {} at the end of the last one (the noise floor is {}); with \
             mini-batches of {} it reached {} and {}; linear attention reached {} on the first rule and \
             {} on the last, because it averages every rule it has seen.",
            keys.len(),
            cfg.segment,
            fmt_num(initial),
            fmt_num(m["ttt_online_first_segment_loss"]),
            fmt_num(m["ttt_online_last_segment_loss"]),
            fmt_num(floor),
            cfg.batch,
            fmt_num(m["ttt_batch_first_segment_loss"]),
            fmt_num(m["ttt_batch_last_segment_loss"]),
            fmt_num(m["linear_attention_first_segment_loss"]),
            fmt_num(m["linear_attention_last_segment_loss"]),
        );
        r.plot(plot);
        let mut headers = vec!["method".to_string(), "mean loss".to_string()];
        headers.extend((1..=cfg.segments).map(|s| format!("end of rule {s}")));
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        r.table(&headers, &rows);
        r.text(format!(
            "## Reading the numbers\n\n\
             Both states are d × d matrices, and both are trained by gradient steps on the same \
             reconstruction loss ½‖W k − v‖²; they differ in the optimizer. Linear attention's state \
             is one batch step from zero over every token so far: it only adds outer products, so \
             after the rule changes its estimate is the average of all rules seen, weighted by how \
             long each lasted, and the error stays. TTT's online step takes the gradient at the \
             current W, so it subtracts what W predicts wrongly (the delta rule) and converges to \
             the new rule at a rate set by η/d per token. Mini-batches of {} take every gradient \
             at the batch's start: the same information per token, in steps the dual form turns \
             into matrix products, at the cost of slower adaptation.\n\n\
             What this leaves out: the real layer learns θ_K, θ_V, θ_Q and η in an outer loop and \
             uses the output z = W q for language modelling (Sun et al. 2024); here the projections \
             are the identity, so the lab isolates the inner learner.",
            cfg.batch
        ));
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttt_learns_each_rule_and_linear_attention_cannot_forget() {
        let report = crate::lab::run_tiny(&TttLayer);
        let m = &report.metrics;
        // Online TTT learns the first rule down to near the noise floor, and the last one too.
        assert!(m["initial_loss"] > 10.0 * m["noise_floor"], "{m:?}");
        assert!(m["ttt_online_first_segment_loss"] < 2.0 * m["noise_floor"], "{m:?}");
        assert!(m["ttt_online_last_segment_loss"] < 2.0 * m["noise_floor"], "{m:?}");
        // Linear attention learns a single rule, but not a changed one.
        assert!(m["linear_attention_first_segment_loss"] < 2.0 * m["noise_floor"], "{m:?}");
        assert!(m["linear_attention_last_segment_loss"] > 5.0 * m["ttt_online_last_segment_loss"], "{m:?}");
        assert!(m["ttt_batch_last_segment_loss"] < 0.2 * m["linear_attention_last_segment_loss"], "{m:?}");
    }

    #[test]
    fn bad_configs_are_refused() {
        assert!(TttLayerConfig::tiny().validate().is_ok() && TttLayerConfig::full().validate().is_ok());
        let c = TttLayerConfig { eta: 2.5, ..TttLayerConfig::tiny() };
        assert!(c.validate().unwrap_err().contains("eta"));
    }
}
