//! Lab `retnet-forms`: one retention head computed in its three forms — parallel, recurrent and
//! chunkwise — gives the same numbers at a different cost, for training and for generation.
//!
//! For a whole sequence of T tokens (training), the parallel form costs O(T²·D) (every query
//! against every earlier key), the recurrent form O(T·D²) (one D × D state update per token)
//! and the chunkwise form O(T·B·D + T·D²) (the parallel form inside chunks of B, the state
//! across them). For generating token n, the parallel form must read all n cached keys and
//! values, O(n·D), like a Transformer's KV cache; the recurrent form does one O(D²) step from a
//! fixed-size state, whatever n is. The lab times all of it across lengths, fits log-log
//! slopes and checks that the three forms agree.
//!
//! Code under test: [`dojo::beyond::retnet`].

use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use crate::stats::loglog_slope;
use dojo::beyond::retnet::{chunkwise, parallel, recurrent, row, step};
use dojo::beyond::Mat;
use dojo::nn::Rng;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Configuration of `retnet-forms`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetnetFormsConfig {
    /// Seed for the random queries, keys and values.
    pub seed: u64,
    /// Key and value width D of the head, e.g. 64.
    pub head_dim: usize,
    /// The head's decay γ, e.g. 0.96875 (RetNet's first head, 1 − 2⁻⁵).
    pub gamma: f64,
    /// The chunkwise form's chunk size B, e.g. 64.
    pub chunk: usize,
    /// Sequence lengths T, e.g. [128, 256, 512, 1024, 2048].
    pub lengths: Vec<usize>,
    /// Timed calls per measurement, at least; the fastest is reported, e.g. 3.
    pub repeats: usize,
    /// Keep timing a measurement until this many milliseconds have passed, e.g. 40.
    pub min_time_ms: f64,
}

impl LabConfig for RetnetFormsConfig {
    fn tiny() -> Self {
        Self {
            seed: 0,
            head_dim: 64,
            gamma: 1.0 - 1.0 / 32.0,
            chunk: 64,
            lengths: vec![128, 256, 512, 1024, 2048],
            repeats: 3,
            min_time_ms: 40.0,
        }
    }

    fn full() -> Self {
        Self { lengths: vec![128, 256, 512, 1024, 2048, 4096, 8192], repeats: 5, min_time_ms: 100.0, ..Self::tiny() }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        if self.head_dim == 0 || self.chunk == 0 || self.repeats == 0 {
            return Err("head_dim, chunk and repeats must all be at least 1".into());
        }
        if !(self.gamma > 0.0 && self.gamma <= 1.0) {
            return Err(format!("gamma must be in (0, 1], got {}", self.gamma));
        }
        if !(0.0..=60_000.0).contains(&self.min_time_ms) {
            return Err(format!("min_time_ms must be between 0 and 60000, got {}", self.min_time_ms));
        }
        let mut distinct = self.lengths.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 2 || distinct[0] == 0 {
            return Err(format!(
                "lengths {:?} must hold at least two different values ≥ 1 to fit a slope",
                self.lengths
            ));
        }
        if distinct[distinct.len() - 1] > 65_536 {
            return Err("lengths above 65536 would take hours in the O(T²) parallel form".into());
        }
        Ok(())
    }
}

/// The `retnet-forms` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetnetForms;

/// The fastest of at least `repeats` calls and `min_time_ms` of calling, in milliseconds.
fn fastest(cfg: &RetnetFormsConfig, mut call: impl FnMut()) -> f64 {
    let (mut best, mut calls) = (f64::INFINITY, 0);
    let start = Instant::now();
    while calls < cfg.repeats || start.elapsed().as_secs_f64() * 1e3 < cfg.min_time_ms {
        let t0 = Instant::now();
        call();
        best = best.min(t0.elapsed().as_secs_f64() * 1e3);
        calls += 1;
    }
    best
}

/// One measured length.
struct Row {
    t: usize,
    parallel_ms: f64,
    recurrent_ms: f64,
    chunkwise_ms: f64,
    /// Generating the last token: the parallel form's row over all T cached keys, and one
    /// recurrent step, in microseconds.
    row_us: f64,
    step_us: f64,
    /// The largest difference of the recurrent and chunkwise outputs from the parallel one,
    /// relative to the largest |output|.
    diff: f64,
}

fn rel_diff(a: &Mat, b: &Mat) -> f64 {
    let scale = a.iter().flatten().fold(0.0f64, |m, x| m.max(x.abs())).max(f64::MIN_POSITIVE);
    dojo::beyond::max_abs_diff(a, b) / scale
}

impl Experiment for RetnetForms {
    type Config = RetnetFormsConfig;

    const INFO: LabInfo = LabInfo {
        name: "retnet-forms",
        topic: "beyond",
        title: "RetNet's three forms: one answer, three costs",
        summary: "Times retention's parallel, recurrent and chunkwise forms for training and generation across lengths, and checks they agree.",
    };

    fn run(&self, cfg: &RetnetFormsConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let mut rng = Rng::new(cfg.seed);
        let d = cfg.head_dim;
        let mut lengths = cfg.lengths.clone();
        lengths.sort_unstable();
        lengths.dedup();
        let total = lengths.len() as u64;
        let mut rows = Vec::new();
        for (i, &t) in lengths.iter().enumerate() {
            ctx.progress(i as u64, total, &format!("T={t}"));
            // Queries scaled by 1/√D, as RetNet scales its keys, so the outputs stay O(1).
            let q: Mat = (0..t).map(|_| (0..d).map(|_| rng.normal() / (d as f64).sqrt()).collect()).collect();
            let k: Mat = (0..t).map(|_| (0..d).map(|_| rng.normal()).collect()).collect();
            let v: Mat = (0..t).map(|_| (0..d).map(|_| rng.normal()).collect()).collect();
            let (p, r, c) = (
                parallel(&q, &k, &v, cfg.gamma)?,
                recurrent(&q, &k, &v, cfg.gamma)?,
                chunkwise(&q, &k, &v, cfg.gamma, cfg.chunk)?,
            );
            let diff = rel_diff(&p, &r).max(rel_diff(&p, &c));
            let parallel_ms = fastest(cfg, || drop(parallel(&q, &k, &v, cfg.gamma)));
            let recurrent_ms = fastest(cfg, || drop(recurrent(&q, &k, &v, cfg.gamma)));
            let chunkwise_ms = fastest(cfg, || drop(chunkwise(&q, &k, &v, cfg.gamma, cfg.chunk)));
            // Generation of token T−1: read all T cached keys and values, or step the state.
            let last = t - 1;
            let row_ms = fastest(cfg, || drop(row(&q[last], &k, &v, cfg.gamma)));
            let mut state = vec![vec![0.0; d]; d];
            for n in 0..last {
                step(&mut state, cfg.gamma, &q[n], &k[n], &v[n]);
            }
            let check = step(&mut state.clone(), cfg.gamma, &q[last], &k[last], &v[last]);
            let diff = diff.max(rel_diff(&vec![p[last].clone()], &vec![check]));
            // Repeated steps on one state cost the same as the real next step (the state's size
            // is fixed); 64 per timed call, so a few-µs step is not lost in the clock's resolution.
            let step_ms = fastest(cfg, || {
                for _ in 0..64 {
                    drop(step(&mut state, cfg.gamma, &q[last], &k[last], &v[last]));
                }
            }) / 64.0;
            let rec =
                Row { t, parallel_ms, recurrent_ms, chunkwise_ms, row_us: row_ms * 1e3, step_us: step_ms * 1e3, diff };
            ctx.log(serde_json::json!({
                "T": t,
                "parallel_ms": rec.parallel_ms,
                "recurrent_ms": rec.recurrent_ms,
                "chunkwise_ms": rec.chunkwise_ms,
                "decode_parallel_row_us": rec.row_us,
                "decode_recurrent_step_us": rec.step_us,
                "max_rel_diff": rec.diff,
            }))?;
            rows.push(rec);
        }
        ctx.progress(total, total, "done");
        Ok(report(cfg, &rows))
    }
}

fn report(cfg: &RetnetFormsConfig, rows: &[Row]) -> Report {
    let series = |f: &dyn Fn(&Row) -> f64| -> Vec<(f64, f64)> { rows.iter().map(|r| (r.t as f64, f(r))).collect() };
    let (par, rec, chk) = (series(&|r| r.parallel_ms), series(&|r| r.recurrent_ms), series(&|r| r.chunkwise_ms));
    let (dec_row, dec_step) = (series(&|r| r.row_us), series(&|r| r.step_us));
    let slopes = [par.as_slice(), &rec, &chk, &dec_row, &dec_step].map(loglog_slope);
    let max_diff = rows.iter().map(|r| r.diff).fold(0.0, f64::max);
    let (first, last) = (&rows[0], &rows[rows.len() - 1]);
    let d = cfg.head_dim;
    // Where the parallel form's T²·D multiply-adds (QKᵀ and the weighted values, each T²·D/2)
    // overtake the recurrence's 2·T·D² (update and read-out): T = 2D.
    let flop_crossover = 2 * d;
    let ratio_first = first.parallel_ms / first.recurrent_ms;
    let cpu = if rows.iter().all(|x| x.parallel_ms > x.recurrent_ms) {
        format!(
            "This code is scalar f64 on one CPU core, and the recurrent form was faster at every \
             length measured, {}× already at T = {}: the parallel form's work is T²/2 short dot \
             products and additions of length D, the recurrent one's two contiguous D × D sweeps \
             per token, which a CPU runs faster per operation.",
            fmt_num(ratio_first),
            first.t
        )
    } else {
        format!(
            "This code is scalar f64 on one CPU core, where operation count sets the time: at T = {} \
             the parallel form took {}× the recurrent form's time, and {}× at T = {}.",
            first.t,
            fmt_num(ratio_first),
            fmt_num(last.parallel_ms / last.recurrent_ms),
            last.t
        )
    };
    let mut r = Report::default();
    for (name, s) in ["parallel_slope", "recurrent_slope", "chunkwise_slope", "decode_row_slope", "decode_step_slope"]
        .iter()
        .zip(slopes)
    {
        r.metric(name, s);
    }
    r.metric("max_rel_diff", max_diff);
    r.metric("parallel_over_recurrent_at_max_t", last.parallel_ms / last.recurrent_ms);
    r.metric("chunkwise_over_recurrent_at_max_t", last.chunkwise_ms / last.recurrent_ms);
    r.metric("row_over_step_at_max_t", last.row_us / last.step_us);
    r.summary = format!(
        "One retention head (D = {d}, γ = {}) in three forms. They agree: the largest difference from \
         the parallel form, relative to the largest output, was {:.1e}. For a whole sequence the \
         parallel form's time grew with slope **{:.2}** in T (quadratic is 2), the recurrent form's \
         **{:.2}** and the chunkwise form's (B = {}) **{:.2}**; at T = {} the parallel form took {}× the \
         recurrent one's time. Generating token T: reading all T cached keys grew with slope {:.2}, \
         one recurrent step {:.2} — {} µs at T = {} and {} µs at T = {}, against {} and {} µs for the \
         cache read.",
        cfg.gamma,
        max_diff,
        slopes[0],
        slopes[1],
        cfg.chunk,
        slopes[2],
        last.t,
        fmt_num(last.parallel_ms / last.recurrent_ms),
        slopes[3],
        slopes[4],
        fmt_num(first.step_us),
        first.t,
        fmt_num(last.step_us),
        last.t,
        fmt_num(first.row_us),
        fmt_num(last.row_us),
    );
    let ticks: Vec<f64> = rows.iter().map(|r| r.t as f64).collect();
    r.plot(
        Plot::new("train", "A whole sequence (training): time per form", "sequence length T", "time (ms)")
            .log_log()
            .x_ticks(ticks.clone())
            .with(Series::new("parallel", par))
            .with(Series::new("recurrent", rec))
            .with(Series::new(format!("chunkwise (B = {})", cfg.chunk), chk)),
    );
    r.plot(
        Plot::new("decode", "Generating token T: time per token", "position T", "time (µs)")
            .log_log()
            .x_ticks(ticks)
            .with(Series::new("parallel row over the cached keys", dec_row))
            .with(Series::new("recurrent step", dec_step)),
    );
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|x| {
            vec![
                x.t.to_string(),
                fmt_num(x.parallel_ms),
                fmt_num(x.recurrent_ms),
                fmt_num(x.chunkwise_ms),
                fmt_num(x.row_us),
                fmt_num(x.step_us),
                format!("{:.1e}", x.diff),
                (2 * x.t * d).to_string(),
            ]
        })
        .collect();
    r.table(
        &[
            "T",
            "parallel (ms)",
            "recurrent (ms)",
            "chunkwise (ms)",
            "decode: cache row (µs)",
            "decode: step (µs)",
            "max rel. diff",
            "cache numbers at T",
        ],
        &table,
    );
    r.text(format!(
        "## Reading the numbers\n\n\
         The forms are one function: unrolling S_n = γ S_(n−1) + k_nᵀ v_n gives \
         o_n = Σ_(m≤n) γ^(n−m) (q_n·k_m) v_m, which is row n of (QKᵀ ⊙ D)V; the chunkwise form \
         splits that sum into this chunk and the chunks before, carried in the state. Their \
         differences here are rounding, not approximation.\n\n\
         By multiply-adds, the parallel form (T²·D) passes the recurrent one (2·T·D²) at \
         T = 2D = {flop_crossover}. {cpu} On a GPU the comparison turns: \
         the parallel form is a few large matrix products that run at full throughput, while the \
         recurrence is T small dependent steps that leave the device idle. That is why RetNet \
         trains with the parallel form (or, for long sequences, the chunkwise one, linear in T \
         with matrix products of size B inside) and generates with the recurrent one.\n\n\
         For generation the difference is memory as much as time: decoding with the parallel form \
         keeps every past key and value (2·T·D numbers at position T, the last column), while the \
         recurrent state is D² = {} numbers at any position. That fixed state is what retention \
         shares with Mamba and linear attention, and its price is that the past is compressed, \
         not stored (see the `beyond` note).",
        d * d
    ));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_agree_and_cost_what_the_algebra_says() {
        let report = crate::lab::run_tiny(&RetnetForms);
        let m = &report.metrics;
        assert!(m["max_rel_diff"] < 1e-9, "{m:?}");
        // Training a whole sequence: quadratic against linear.
        assert!(m["parallel_slope"] > 1.6, "{m:?}");
        assert!(m["recurrent_slope"] < 1.3 && m["chunkwise_slope"] < 1.4, "{m:?}");
        assert!(m["parallel_over_recurrent_at_max_t"] > 4.0, "{m:?}");
        // Generation: the cache read grows with the position, the recurrent step does not.
        assert!(m["decode_row_slope"] > 0.7 && m["decode_step_slope"] < 0.3, "{m:?}");
        assert!(m["row_over_step_at_max_t"] > 4.0, "{m:?}");
    }

    #[test]
    fn bad_configs_are_refused() {
        let mut c = RetnetFormsConfig::tiny();
        assert!(c.validate().is_ok() && RetnetFormsConfig::full().validate().is_ok());
        c.gamma = 1.5;
        assert!(c.validate().unwrap_err().contains("gamma"));
        let c = RetnetFormsConfig { lengths: vec![64, 64], ..RetnetFormsConfig::tiny() };
        assert!(c.validate().unwrap_err().contains("two different"));
    }
}
