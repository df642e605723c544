//! Lab `grokking-fourier`: what the grokked network computes with.
//!
//! Nanda et al. (2023) reverse-engineered the one-layer transformer that groks a + b mod p: it
//! embeds each number a as waves cos(2πka/p), sin(2πka/p) for a handful of key frequencies k and
//! combines them with trigonometric identities (cos(w(a+b)) = cos wa cos wb − sin wa sin wb),
//! reading the answer off as the c that maximizes cos(w(a+b−c)). The trace of that mechanism is
//! in the embedding matrix: seen as a function of a, it becomes sparse in frequency.
//!
//! This lab trains the `grokking` run and takes the discrete Fourier transform of the number
//! embeddings ([`dojo::generalization::fourier`]) at initialization, at the memorization step
//! and after grokking: the spectra are plotted, and the share of energy in the top frequencies
//! is reported for each.

use super::grokking::{full_run, run_logged, tiny_run};
use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use dojo::generalization::fourier::{key_frequencies, spectrum, top_fraction};
use dojo::generalization::grokking::GrokConfig;
use dojo::generalization::modular::Op;
use serde::{Deserialize, Serialize};

/// Configuration of `grokking-fourier`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FourierConfig {
    /// Seed of the split and the initial weights.
    pub seed: u64,
    /// The run (the `grokking` lab's preset; the mechanism is that of addition).
    pub run: GrokConfig,
    /// How many top frequencies the energy share counts, e.g. 5.
    pub top: usize,
}

impl LabConfig for FourierConfig {
    fn tiny() -> Self {
        Self { seed: 0, run: tiny_run(), top: 5 }
    }

    fn full() -> Self {
        Self { seed: 0, run: full_run(), top: 5 }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        self.run.validate().map_err(|e| e.to_string())?;
        if self.top == 0 || self.top >= self.run.p / 2 {
            return Err(format!("top must be in 1..{} (the number of waves is ⌊p/2⌋)", self.run.p / 2));
        }
        Ok(())
    }
}

/// The `grokking-fourier` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrokkingFourier;

impl Experiment for GrokkingFourier {
    type Config = FourierConfig;

    const INFO: LabInfo = LabInfo {
        name: "grokking-fourier",
        topic: "generalization",
        title: "Grokking in the frequency domain",
        summary: "After grokking, the number embeddings are made of a few Fourier frequencies; before, of all of them.",
    };

    fn run(&self, cfg: &FourierConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let run = run_logged(&cfg.run, cfg.seed, "grokking", ctx)?;
        let mut stages = vec![("init", "initialization", &run.embedding_init)];
        if let Some(e) = &run.embedding_memorized {
            stages.push(("memorized", "memorization", e));
        }
        stages.push(("final", "end of training", &run.embedding_final));
        let waves = cfg.run.p / 2;
        let mut r = Report::default();
        let mut plot = Plot::new(
            "spectrum",
            "Energy of the number embeddings per frequency",
            "frequency k",
            "share of non-constant energy",
        );
        let mut rows = Vec::new();
        for (key, label, e) in &stages {
            let s = spectrum(e);
            let total: f64 = s.iter().skip(1).sum();
            plot = plot.with(Series::new(*label, (1..s.len()).map(|k| (k as f64, s[k] / total)).collect()));
            let f = top_fraction(&s, cfg.top);
            r.metric(&format!("{key}_top_fraction"), f);
            let ks = key_frequencies(&s, cfg.top);
            rows.push(vec![
                label.to_string(),
                fmt_num(f),
                ks.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", "),
            ]);
        }
        let last = run.curve.last().expect("the final evaluation");
        r.metric("final_val_acc", last.val_acc);
        r.metric("uniform_share", cfg.top as f64 / waves as f64);
        let g = |k: &str| r.metrics.get(k).copied().unwrap_or(f64::NAN);
        r.summary = format!(
            "{} of the {waves} frequencies hold {} of the embeddings' non-constant energy at initialization \
             (an even spread would give {}), {} at memorization and **{}** after training (validation accuracy {}).",
            cfg.top,
            fmt_num(g("init_top_fraction")),
            fmt_num(g("uniform_share")),
            r.metrics.get("memorized_top_fraction").map_or("—".into(), |v| fmt_num(*v)),
            fmt_num(g("final_top_fraction")),
            fmt_num(last.val_acc),
        );
        r.table(&["embeddings at", &format!("energy in top {}", cfg.top), "strongest frequencies"], &rows);
        r.plot(plot);
        let op_note = if cfg.run.op == Op::Add {
            ""
        } else {
            " (this run is not addition: the clean Fourier mechanism is addition's; other operations need other features)"
        };
        r.text(format!(
            "## What to look for\n\n\
             - At initialization the embedding is random, so every frequency carries about the same share{op_note}.\n\
             - At memorization the spectrum is still broad: the network fits the training table mostly with a \
             lookup, not with waves. Compare the strongest frequencies in the table, though: the ones that win \
             are often already rising then. The circuit forms gradually during the plateau, while validation \
             accuracy still looks flat (Nanda et al.'s \"circuit formation\" phase, before \"cleanup\").\n\
             - After grokking a few frequencies dominate. Which ones is an accident of the seed; that there are \
             few is the mechanism: each key frequency k gives the model cos(2πka/p) and sin(2πka/p), and the MLP \
             multiplies those of a and b to get cos(2πk(a+b)/p). Weight decay then prunes the frequencies the \
             answer does not need, which is why the sparse solution wins slowly.\n\
             - Nanda et al. also find the same frequencies in the MLP neurons and the unembedding; excluding them \
             (\"restricted loss\") shows the circuit forms gradually during the apparent plateau."
        ));
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_grokking_a_few_frequencies_hold_most_of_the_energy() {
        let report = crate::lab::run_tiny(&GrokkingFourier);
        let m = &report.metrics;
        assert!(m["final_val_acc"] >= 0.95, "the run grokked: {m:?}");
        assert!(m["init_top_fraction"] < 2.0 * m["uniform_share"], "random embeddings are spread out: {m:?}");
        assert!(m["final_top_fraction"] > 0.6, "{m:?}");
        assert!(m["final_top_fraction"] > 2.5 * m["init_top_fraction"], "{m:?}");
        assert!(
            m["final_top_fraction"] > m["memorized_top_fraction"] + 0.1,
            "the waves form after memorization: {m:?}"
        );
    }
}
