//! Lab `double-descent`: test error against model width across the interpolation threshold.
//!
//! Random-features regression ([`dojo::generalization::double_descent`]): N training samples, a
//! fixed random ReLU layer of width P, and a fitted linear read-out. Swept over P, the
//! minimum-norm fit's test error first falls (more features, less bias), then rises to a peak
//! at P = N, where exactly one fit passes through every training point and it must contort to
//! fit the noise, then falls again as P grows (among many interpolating fits the smallest is
//! smooth). The peak is there with label noise and without it: the ReLU features cannot
//! represent the linear target exactly, and that misfit acts as noise the interpolating fit must
//! absorb. Noise shows most past the threshold, where the interpolating fit carries it to the
//! test points. Ridge regression with a suitable λ removes the peak.
//!
//! Code under test: [`dojo::generalization::double_descent`].

use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use dojo::generalization::double_descent::{test_error, Setting};
use serde::{Deserialize, Serialize};

/// Configuration of `double-descent`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoubleDescentConfig {
    /// Seed of data, noise and features.
    pub seed: u64,
    /// Input dimension d.
    pub dim: usize,
    /// Training samples N (the threshold is at width P = N).
    pub samples: usize,
    /// Test samples.
    pub test_samples: usize,
    /// Label-noise σ of the noisy runs.
    pub noise: f64,
    /// λ of the ridge run.
    pub ridge: f64,
    /// Widths P to sweep.
    pub widths: Vec<usize>,
    /// Draws averaged per point.
    pub trials: usize,
}

impl LabConfig for DoubleDescentConfig {
    fn tiny() -> Self {
        Self {
            seed: 0,
            dim: 20,
            samples: 50,
            test_samples: 1000,
            noise: 0.5,
            ridge: 0.1,
            widths: vec![5, 10, 20, 30, 40, 45, 48, 50, 52, 55, 60, 70, 85, 100, 150, 200, 300, 500, 1000],
            trials: 20,
        }
    }

    fn full() -> Self {
        let mut widths: Vec<usize> = (1..=40).map(|k| 5 * k).collect();
        widths.extend([250, 300, 400, 500, 750, 1000, 1500, 2000]);
        Self { samples: 100, dim: 40, widths, trials: 50, ..Self::tiny() }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        if self.dim == 0 || self.samples < 2 || self.test_samples == 0 || self.trials == 0 {
            return Err("dim ≥ 1, samples ≥ 2, test_samples ≥ 1, trials ≥ 1".into());
        }
        if self.widths.is_empty() || self.widths.contains(&0) {
            return Err("widths: a non-empty list of positive widths".into());
        }
        if self.noise < 0.0 || self.ridge <= 0.0 {
            return Err("noise ≥ 0 and ridge > 0".into());
        }
        Ok(())
    }
}

/// The `double-descent` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct DoubleDescent;

impl Experiment for DoubleDescent {
    type Config = DoubleDescentConfig;

    const INFO: LabInfo = LabInfo {
        name: "double-descent",
        topic: "generalization",
        title: "Model-wise double descent",
        summary: "Random-features regression: test error peaks where width equals the number of samples, and falls again past it.",
    };

    fn run(&self, cfg: &DoubleDescentConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let base = Setting {
            dim: cfg.dim,
            samples: cfg.samples,
            test_samples: cfg.test_samples,
            noise: cfg.noise,
            ridge: 0.0,
        };
        let runs = [
            ("noisy", format!("σ = {}, minimum norm", cfg.noise), base),
            ("clean", "σ = 0, minimum norm".to_string(), Setting { noise: 0.0, ..base }),
            ("ridge", format!("σ = {}, ridge λ = {}", cfg.noise, cfg.ridge), Setting { ridge: cfg.ridge, ..base }),
        ];
        let total = (runs.len() * cfg.widths.len()) as u64;
        let mut curves = Vec::new();
        for (i, (key, label, s)) in runs.iter().enumerate() {
            let mut pts = Vec::new();
            for (j, &w) in cfg.widths.iter().enumerate() {
                let e = test_error(s, w, cfg.trials, cfg.seed)?;
                ctx.log(serde_json::json!({"run": key, "width": w, "test_mse": e}))?;
                ctx.progress((i * cfg.widths.len() + j + 1) as u64, total, key);
                pts.push((w as f64, e));
            }
            curves.push((*key, label.clone(), pts));
        }
        let mut r = Report::default();
        let at = |pts: &[(f64, f64)], w: f64| pts.iter().find(|(x, _)| *x == w).map(|(_, e)| *e);
        for (key, _, pts) in &curves {
            let (pw, pe) = pts.iter().copied().fold((0.0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
            r.metric(&format!("{key}_peak_width"), pw);
            r.metric(&format!("{key}_peak_error"), pe);
            r.metric(&format!("{key}_widest_error"), pts.last().expect("widths").1);
            r.metric(&format!("{key}_narrowest_error"), pts[0].1);
            if let Some(e) = at(pts, cfg.samples as f64) {
                r.metric(&format!("{key}_error_at_n"), e);
            }
        }
        r.metric("samples", cfg.samples as f64);
        let g = |k: &str| r.metrics.get(k).copied().unwrap_or(f64::NAN);
        r.summary = format!(
            "N = {} samples in d = {}. With label noise σ = {} the minimum-norm fit's test error peaks at width \
             **P = {}** (error {}), against {} at P = {} and {} at P = {}. Without label noise the peak is \
             still at P = {} ({}; the features' misfit to the target acts as noise), and the widest model \
             reaches {}. Ridge λ = {} gives {} at P = N: the peak is gone.",
            cfg.samples,
            cfg.dim,
            cfg.noise,
            g("noisy_peak_width"),
            fmt_num(g("noisy_peak_error")),
            fmt_num(g("noisy_narrowest_error")),
            cfg.widths[0],
            fmt_num(g("noisy_widest_error")),
            cfg.widths.last().expect("widths"),
            g("clean_peak_width"),
            fmt_num(g("clean_peak_error")),
            fmt_num(g("clean_widest_error")),
            cfg.ridge,
            fmt_num(g("ridge_error_at_n")),
        );
        let mut p = Plot::new("test-error", "Test error against width (log axes)", "width P (features)", "test MSE");
        p.x_log = true;
        p.y_log = true;
        for (_, label, pts) in &curves {
            p = p.with(Series::new(label.clone(), pts.clone()));
        }
        let (lo, hi) = curves
            .iter()
            .flat_map(|(_, _, pts)| pts.iter().map(|q| q.1))
            .fold((f64::MAX, 0.0f64), |a, e| (a.0.min(e), a.1.max(e)));
        p = p.with(Series::reference(
            format!("P = N = {}", cfg.samples),
            vec![(cfg.samples as f64, lo), (cfg.samples as f64, hi)],
        ));
        r.plot(p);
        r.text(
            "## What to look for\n\n\
             - **Left of the threshold** (P < N) the fit is ordinary least squares with P features: error first \
             falls as features are added, then rises as P nears N, the classical U of the bias–variance trade-off.\n\
             - **At P = N** the feature matrix is square: exactly one read-out fits every training point, noise \
             included. Its norm explodes because Φ has a tiny singular value there, and the test error with it.\n\
             - **Right of it** (P > N) infinitely many read-outs interpolate; the minimum-norm one (what gradient \
             descent from zero finds) gets smoother as P grows, and the error descends a second time, here below \
             the best narrow model.\n\
             - **Ridge** trades a little bias for stability at the threshold; tuned λ makes the curve monotone \
             (Nakkiran et al. 2021, \"Optimal regularization can mitigate double descent\").\n\
             - The same peak shows in epochs and in data size, and in deep nets it is where training error first \
             reaches zero. Grokking is sometimes read the same way: the generalizing solution appears only once the \
             memorizing one is no longer the cheapest (Davies et al. 2023).",
        );
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_sits_at_the_threshold_and_ridge_removes_it() {
        let report = crate::lab::run_tiny(&DoubleDescent);
        let m = &report.metrics;
        let n = m["samples"];
        assert!((0.8 * n..=1.25 * n).contains(&m["noisy_peak_width"]), "{m:?}");
        assert!(m["noisy_peak_error"] > 5.0 * m["noisy_widest_error"], "second descent: {m:?}");
        assert!(m["noisy_peak_error"] > 5.0 * m["noisy_narrowest_error"], "a peak, not a wall: {m:?}");
        assert!((0.8 * n..=1.25 * n).contains(&m["clean_peak_width"]), "the peak without noise: {m:?}");
        assert!(m["clean_peak_error"] > 5.0 * m["clean_widest_error"], "{m:?}");
        assert!(m["noisy_widest_error"] > m["clean_widest_error"], "interpolated noise costs past the peak: {m:?}");
        assert!(m["ridge_error_at_n"] < 0.2 * m["noisy_error_at_n"], "ridge removes it: {m:?}");
        assert!(m["ridge_peak_error"] < 2.0 * m["ridge_narrowest_error"], "{m:?}");
    }
}
