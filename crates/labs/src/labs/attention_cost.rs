//! Lab `attention-cost`: naive attention's time and memory grow as T².
//!
//! Naive causal attention builds the whole (B, H, T, T) score matrix: T² dot products of length
//! D for QKᵀ, T² more multiply-adds per D for the weighted sum of values, and several T²-sized
//! temporaries (mask, scores, exponentials, weights). So doubling the sequence length should
//! quadruple both the time and the extra memory. This lab measures both for a range of T, fits
//! the power-law exponent on log-log axes, and compares the peak memory with the size of one
//! score matrix. Later topics add the efficient variants (Linformer, Performer, sliding window,
//! FlashAttention) to the same plots.
//!
//! Code under test: [`dojo::transformers::attention`].

use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use crate::stats::{loglog_slope, median};
use candle_core::Device;
use dojo::nn::Rng;
use dojo::transformers::attention::{causal_mask, scaled_dot_product_attention};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Configuration of `attention-cost`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttentionCostConfig {
    /// Seed for the random queries, keys and values.
    pub seed: u64,
    /// Batch size B, e.g. 1.
    pub batch: usize,
    /// Attention heads H, e.g. 8.
    pub heads: usize,
    /// Head dimension D, e.g. 64.
    pub head_dim: usize,
    /// Sequence lengths T to measure, e.g. [128, 256, 512, 1024, 2048].
    pub lengths: Vec<usize>,
    /// Timed calls per length; the median is reported, e.g. 3.
    pub repeats: usize,
    /// Refuse lengths whose score matrices would need more than this, in GiB, e.g. 12.
    pub max_memory_gib: f64,
}

/// How many (B, H, T, T) f32 matrices naive attention may hold at once, for the memory guard.
/// (Mask, scores, scaled scores, exponentials and weights can overlap; the lab measures it.)
const SCORE_COPIES_BOUND: f64 = 6.0;

impl AttentionCostConfig {
    /// Bytes of one (B, H, T, T) f32 score matrix.
    fn score_bytes(&self, t: usize) -> f64 {
        (self.batch * self.heads * t * t * 4) as f64
    }
}

impl LabConfig for AttentionCostConfig {
    fn tiny() -> Self {
        Self {
            seed: 0,
            batch: 1,
            heads: 8,
            head_dim: 64,
            lengths: vec![128, 256, 512, 1024, 2048],
            repeats: 3,
            max_memory_gib: 12.0,
        }
    }

    fn full() -> Self {
        Self { lengths: vec![128, 256, 512, 1024, 2048, 4096], repeats: 5, ..Self::tiny() }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        if self.batch == 0 || self.heads == 0 || self.head_dim == 0 || self.repeats == 0 {
            return Err("batch, heads, head_dim and repeats must all be at least 1".into());
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
        let t_max = *distinct.last().expect("two values");
        let need = SCORE_COPIES_BOUND * self.score_bytes(t_max) / (1u64 << 30) as f64;
        if need > self.max_memory_gib {
            return Err(format!(
                "T={t_max} needs about {need:.1} GiB for naive attention's score matrices, more than \
                 max_memory_gib = {}\n---> HINT: lower the largest length or the heads, or raise \
                 max_memory_gib if the machine has the memory",
                self.max_memory_gib
            ));
        }
        Ok(())
    }
}

/// The `attention-cost` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct AttentionCost;

/// One measured length.
struct Row {
    t: usize,
    ms: f64,
    /// Peak bytes allocated beyond the inputs during one call, when a meter is installed.
    extra: Option<f64>,
}

impl Experiment for AttentionCost {
    type Config = AttentionCostConfig;

    const INFO: LabInfo = LabInfo {
        name: "attention-cost",
        topic: "transformers",
        title: "The cost of naive attention: time and memory against sequence length",
        summary: "Times naive causal attention for growing T and measures the memory it allocates: both grow as T².",
    };

    fn run(&self, cfg: &AttentionCostConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let dev = Device::Cpu;
        let mut rng = Rng::new(cfg.seed);
        let (b, h, d) = (cfg.batch, cfg.heads, cfg.head_dim);
        let mut lengths = cfg.lengths.clone();
        lengths.sort_unstable();
        lengths.dedup();
        let total = (lengths.len() * (cfg.repeats + 2)) as u64;
        let mut done = 0;
        let mut rows = Vec::new();

        for &t in &lengths {
            let q = rng.randn((b, h, t, d), 1.0, &dev)?; // (B, H, T, D)
            let k = rng.randn((b, h, t, d), 1.0, &dev)?; // (B, H, T, D)
            let v = rng.randn((b, h, t, d), 1.0, &dev)?; // (B, H, T, D)
                                                         // One naive call: the (T, T) mask is part of the cost, so it is built inside.
            let call = || -> Result<_, LabError> {
                let mask = causal_mask(t, t, &dev)?; // (T, T)
                Ok(scaled_dot_product_attention(&q, &k, &v, Some(&mask))?) // (B, H, T, D)
            };
            let msg = format!("T={t}");
            // 1) warm-up: first-call costs (thread pool, page faults) are not attention's
            drop(call()?);
            done += 1;
            ctx.progress(done, total, &msg);
            // 2) memory: the high-water mark of one call, above what was live before it
            let extra = match ctx.meter() {
                Some(m) => {
                    let (out, bytes) = m.measure(call);
                    drop(out?);
                    Some(bytes as f64)
                }
                None => None,
            };
            done += 1;
            ctx.progress(done, total, &msg);
            // 3) time: the median of the repeats
            let mut times = Vec::new();
            for _ in 0..cfg.repeats {
                let t0 = Instant::now();
                drop(call()?);
                times.push(t0.elapsed().as_secs_f64() * 1e3);
                done += 1;
                ctx.progress(done, total, &msg);
            }
            let row = Row { t, ms: median(&times), extra };
            ctx.log(serde_json::json!({
                "T": t,
                "time_ms": row.ms,
                "time_ms_all": times,
                "extra_bytes": row.extra,
                "score_matrix_bytes": cfg.score_bytes(t),
            }))?;
            rows.push(row);
        }
        Ok(report(cfg, &rows))
    }
}

fn report(cfg: &AttentionCostConfig, rows: &[Row]) -> Report {
    let pts = |f: &dyn Fn(&Row) -> Option<f64>| -> Vec<(f64, f64)> {
        rows.iter().filter_map(|r| f(r).map(|y| (r.t as f64, y))).collect()
    };
    let time = pts(&|r| Some(r.ms));
    let mem_mib = pts(&|r| r.extra.map(|x| x / MIB));
    let score_mib = pts(&|r| Some(cfg.score_bytes(r.t) / MIB));
    let time_slope = loglog_slope(&time);
    let (first, last) = (&rows[0], &rows[rows.len() - 1]);

    let mut summary = format!(
        "Naive causal attention (B={}, H={}, D={}) took {} ms at T={} and {} ms at T={}: \
         {:.0}× the length cost {:.0}× the time. On log-log axes the fitted slope is **{:.2}** \
         (quadratic is 2).",
        cfg.batch,
        cfg.heads,
        cfg.head_dim,
        fmt_num(first.ms),
        first.t,
        fmt_num(last.ms),
        last.t,
        last.t as f64 / first.t as f64,
        last.ms / first.ms,
        time_slope,
    );
    let mut r = Report::default();
    r.metric("time_slope", time_slope);
    r.metric("time_ms_at_max_t", last.ms);
    let memory_slope = (!mem_mib.is_empty()).then(|| loglog_slope(&mem_mib));
    if let (Some(slope), Some(extra)) = (memory_slope, last.extra) {
        let copies = extra / cfg.score_bytes(last.t);
        summary += &format!(
            " At T={} one call held {} MiB beyond its inputs at its peak, {:.1} times the size of \
             one (B, H, T, T) f32 score matrix; the memory slope is **{slope:.2}**.",
            last.t,
            fmt_num(extra / MIB),
            copies
        );
        r.metric("memory_slope", slope);
        r.metric("extra_mib_at_max_t", extra / MIB);
        r.metric("score_matrices_at_peak", copies);
    } else {
        summary += " Memory was not measured: this binary installs no counting allocator.";
    }
    r.summary = summary;

    let rows_md: Vec<Vec<String>> = rows
        .iter()
        .map(|x| {
            vec![
                x.t.to_string(),
                fmt_num(x.ms),
                x.extra.map_or("—".into(), |e| fmt_num(e / MIB)),
                fmt_num(cfg.score_bytes(x.t) / MIB),
            ]
        })
        .collect();
    r.table(&["T", "time (ms, median)", "extra memory (MiB)", "one score matrix (MiB)"], &rows_md);

    let t2 = |pts: &[(f64, f64)]| -> Vec<(f64, f64)> {
        let (tm, ym) = pts[pts.len() - 1];
        pts.iter().map(|&(t, _)| (t, ym * (t / tm).powi(2))).collect()
    };
    let ticks: Vec<f64> = rows.iter().map(|x| x.t as f64).collect();
    r.plot(
        Plot::new("time", "Naive attention: time per call", "sequence length T", "time (ms)")
            .log_log()
            .x_ticks(ticks.clone())
            .with(Series::new("naive (measured)", time.clone()))
            .with(Series::reference("∝ T² (through the last point)", t2(&time))),
    );
    if !mem_mib.is_empty() {
        r.plot(
            Plot::new("memory", "Naive attention: peak extra memory per call", "sequence length T", "memory (MiB)")
                .log_log()
                .x_ticks(ticks)
                .with(Series::new("naive (measured)", mem_mib.clone()))
                .with(Series::reference("one (B, H, T, T) f32 score matrix", score_mib)),
        );
    }
    let local: Vec<String> = time.windows(2).map(|w| format!("{:.2}", loglog_slope(w))).collect();
    r.text(format!(
        "## Reading the plots\n\n\
         Every term of naive attention grows as T²: QKᵀ is T² dot products of length D, the \
         softmax reads and writes T² scores several times, and the weighted sum of values is \
         another T²·D multiply-adds. Two things pull a measured slope away from 2: fixed costs per \
         call (allocation, thread hand-off) weigh most at small T and flatten the curve there, and \
         at large T the score matrices no longer fit in the CPU caches, so the softmax passes run \
         at memory bandwidth. The slopes between consecutive lengths in this run were {}.\n\n\
         The peak memory is several score matrices, not one: the raw scores, the scaled \
         scores, the masked scores, the max-shifted scores, their exponentials and the \
         normalised weights are each a separate (B, H, T, T) tensor (the causal mask adds one (T, T) matrix), and some of them are alive \
         at the same time. This is the cost FlashAttention removes: it computes the same output \
         tile by tile with a running max and normaliser (the online softmax), so it never stores a \
         T×T matrix and its extra memory grows as T, not T².",
        local.join(", ")
    ));
    r
}

const MIB: f64 = (1u64 << 20) as f64;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, Source};
    use crate::lab::Lab;

    #[test]
    fn presets_validate_and_tiny_stays_under_2048() {
        assert!(AttentionCostConfig::tiny().validate().is_ok());
        assert!(AttentionCostConfig::full().validate().is_ok());
        assert_eq!(AttentionCostConfig::tiny().lengths.last(), Some(&2048));
        assert_eq!(AttentionCostConfig::full().lengths.last(), Some(&4096));
    }

    #[test]
    fn oversized_lengths_are_refused_with_a_hint() {
        let o = Overrides { sets: vec!["lengths=[128, 65536]".into()], seed: None };
        let e = AttentionCost.resolve(Source::Preset("tiny"), &o).unwrap_err().to_string();
        assert!(e.contains("T=65536 needs about") && e.contains("HINT"), "{e}");
        let o = Overrides { sets: vec!["lengths=[128]".into()], seed: None };
        assert!(AttentionCost.resolve(Source::Preset("tiny"), &o).is_err());
    }

    #[test]
    fn small_run_logs_one_record_per_length_and_reports_slopes() {
        let o = Overrides { sets: vec!["lengths=[16, 32, 64]".into(), "repeats=1".into()], seed: Some(3) };
        let cfg = AttentionCost.resolve(Source::Preset("tiny"), &o).unwrap();
        assert_eq!(cfg.seed, 3);
        let mut ctx = RunContext::new();
        let report = Lab::run(&AttentionCost, &cfg, &mut ctx).unwrap();
        assert_eq!(ctx.records().len(), 3);
        assert_eq!(ctx.records()[2]["T"], 64);
        assert!(report.metrics["time_slope"].is_finite());
        assert!(!report.metrics.contains_key("memory_slope"), "no meter, no memory metric");
        assert_eq!(report.plots().count(), 1);
    }
}
