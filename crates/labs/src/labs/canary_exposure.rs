//! Lab `canary-exposure`: a language model memorizes a secret it saw a few times; DP-SGD protects
//! the rare secrets and not the often repeated ones.
//!
//! Canaries such as "The code of Zed is 4719." are inserted into a story corpus
//! ([`dojo::data::stories`]), each a different number of times (0 for a control, then more).
//! A character-level language model (the last k characters, one-hot, into the two-layer
//! classifier of [`dojo::privacy::mlp`], predicting the next character) is trained on the text
//! with plain SGD and with DP-SGD. Then every one of the 10⁴ possible codes is scored by the
//! model's log-likelihood after the canary's prefix, and the true code's rank gives its exposure
//! in bits ([`dojo::privacy::exposure`]).
//!
//! Code under test: [`dojo::privacy::exposure`], [`dojo::privacy::dp_sgd`], [`dojo::privacy::rdp`].

use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use candle_core::{Device, Tensor, D};
use dojo::data::stories::{stories, Difficulty};
use dojo::nn::Rng;
use dojo::privacy::dp_sgd::DpSgd;
use dojo::privacy::exposure::{exposure, rank};
use dojo::privacy::mlp::Mlp;
use dojo::privacy::rdp::dp_sgd_epsilon;
use serde::{Deserialize, Serialize};

/// Configuration of `canary-exposure`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryConfig {
    /// Seed of the corpus, the codes, the weights and the training noise.
    pub seed: u64,
    /// Stories in the corpus, e.g. 300.
    pub stories: usize,
    /// Characters of context k, e.g. 8.
    pub context: usize,
    /// Hidden width H, e.g. 128.
    pub hidden: usize,
    /// Insertions of each canary, one canary per entry, e.g. [0, 1, 4, 16] (0 is the control).
    pub repetitions: Vec<usize>,
    /// Batch size (expected batch qN for DP-SGD), e.g. 64.
    pub batch: usize,
    /// Training steps, e.g. 4000.
    pub steps: usize,
    /// Learning rate η, e.g. 0.5.
    pub lr: f64,
    /// Clipping norm C of the DP runs, e.g. 1.0.
    pub clip: f64,
    /// Noise multipliers σ of the DP runs, e.g. [1.0].
    pub sigmas: Vec<f64>,
    /// δ of the (ε, δ) guarantee, e.g. 1e-5.
    pub delta: f64,
}

impl LabConfig for CanaryConfig {
    fn tiny() -> Self {
        Self {
            seed: 0,
            stories: 300,
            context: 8,
            hidden: 128,
            repetitions: vec![0, 1, 4, 16],
            batch: 64,
            steps: 4000,
            lr: 0.5,
            clip: 1.0,
            sigmas: vec![1.0],
            delta: 1e-5,
        }
    }

    fn full() -> Self {
        Self {
            stories: 1000,
            steps: 12_000,
            repetitions: vec![0, 1, 2, 4, 8, 16, 32],
            sigmas: vec![0.6, 1.0, 2.0],
            ..Self::tiny()
        }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        if self.stories == 0 || self.context == 0 || self.hidden == 0 || self.steps == 0 || self.batch == 0 {
            return Err("stories, context, hidden, steps and batch must be ≥ 1".into());
        }
        if self.repetitions.is_empty() || self.repetitions.len() > NAMES.len() {
            return Err(format!("repetitions: 1 to {} canaries, got {}", NAMES.len(), self.repetitions.len()));
        }
        if !(self.lr > 0.0 && self.clip > 0.0 && self.clip.is_finite()) {
            return Err("lr and clip must be > 0 (clip finite)".into());
        }
        if self.sigmas.iter().any(|&s| !(s > 0.0 && s.is_finite())) {
            return Err(format!("sigmas must be positive, got {:?}", self.sigmas));
        }
        if !(self.delta > 0.0 && self.delta < 1.0) {
            return Err(format!("delta must be in (0, 1), got {}", self.delta));
        }
        Ok(())
    }
}

/// Owners of the canaries: names that are not in the story grammar, so no story shares a prefix.
const NAMES: [&str; 8] = ["Zed", "Quin", "Ivo", "Xan", "Uma", "Yul", "Oki", "Vex"];

/// Candidate secrets: every 4-digit code.
const CODES: usize = 10_000;

/// The `canary-exposure` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct CanaryExposure;

/// One canary: its prefix, its secret code and how often it was inserted.
struct Canary {
    prefix: String,
    code: String,
    repetitions: usize,
}

/// Characters as ids 0..V (sorted bytes): those of the corpus and of every canary, digits always
/// included (a control canary is scored but never in the corpus).
struct CharVocab {
    chars: Vec<u8>,
}

impl CharVocab {
    fn new(texts: &[&str]) -> Self {
        let mut chars: Vec<u8> = texts.iter().flat_map(|t| t.bytes()).chain(b'0'..=b'9').collect();
        chars.sort();
        chars.dedup();
        Self { chars }
    }
    fn len(&self) -> usize {
        self.chars.len()
    }
    fn id(&self, c: u8) -> usize {
        self.chars.binary_search(&c).expect("character of the corpus")
    }
    /// One-hot of the k characters before position `end` of `ids`, flattened: k·V values.
    fn window(&self, ids: &[usize], end: usize, k: usize, out: &mut Vec<f32>) {
        for &c in &ids[end - k..end] {
            out.extend((0..self.len()).map(|v| if v == c { 1.0 } else { 0.0 }));
        }
    }
}

/// Σ log p(code characters | canary prefix) for every candidate code (10⁴ values).
fn code_log_likelihoods(
    model: &Mlp,
    vocab: &CharVocab,
    canary: &Canary,
    k: usize,
    dev: &Device,
) -> Result<Vec<f64>, LabError> {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for code in 0..CODES {
        let text = format!("{}{code:04}", canary.prefix);
        let ids: Vec<usize> = text.bytes().map(|c| vocab.id(c)).collect();
        for end in ids.len() - 4..ids.len() {
            vocab.window(&ids, end, k, &mut xs);
            ys.push(ids[end] as u32);
        }
    }
    let x = Tensor::from_vec(xs, (CODES * 4, k * vocab.len()), dev)?;
    let y = Tensor::from_vec(ys, CODES * 4, dev)?;
    let logp = model.losses(&x, &y)?.neg()?.reshape((CODES, 4))?.sum(D::Minus1)?; // (10⁴)
    Ok(logp.to_vec1::<f32>()?.into_iter().map(f64::from).collect())
}

/// One trained model's exposures, one per canary.
struct Run {
    label: String,
    /// None for plain SGD.
    sigma: Option<f64>,
    epsilon: f64,
    exposures: Vec<f64>,
    ranks: Vec<usize>,
    loss: f64,
}

impl Experiment for CanaryExposure {
    type Config = CanaryConfig;

    const INFO: LabInfo = LabInfo {
        name: "canary-exposure",
        topic: "privacy",
        title: "Canary exposure: memorized secrets, with and without DP-SGD",
        summary: "Secret codes inserted 0–16 times into a corpus: their exposure (rank among all 10⁴ codes) in a character LM trained with plain SGD and with DP-SGD.",
    };

    fn run(&self, cfg: &CanaryConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let dev = Device::Cpu;
        let mut rng = Rng::new(cfg.seed);
        let canaries: Vec<Canary> = cfg
            .repetitions
            .iter()
            .zip(NAMES)
            .map(|(&repetitions, name)| Canary {
                prefix: format!("The code of {name} is "),
                code: format!("{:04}", rng.below(CODES)),
                repetitions,
            })
            .collect();
        // Sentences: the stories, then each canary as often as it is inserted, shuffled together.
        let mut pieces = stories(cfg.stories, Difficulty::level(1)?, &mut rng)?;
        for c in &canaries {
            pieces.extend(std::iter::repeat_n(format!("{}{}.", c.prefix, c.code), c.repetitions));
        }
        rng.shuffle(&mut pieces);
        let text = pieces.join(" ");
        let prefixes: Vec<&str> = canaries.iter().map(|c| c.prefix.as_str()).collect();
        let vocab = CharVocab::new(&[&[text.as_str()], prefixes.as_slice()].concat());
        let ids: Vec<usize> = text.bytes().map(|c| vocab.id(c)).collect();
        let (k, n) = (cfg.context, ids.len() - cfg.context);
        let mut xs = Vec::with_capacity(n * k * vocab.len());
        for end in k..ids.len() {
            vocab.window(&ids, end, k, &mut xs);
        }
        let x = Tensor::from_vec(xs, (n, k * vocab.len()), &dev)?;
        let y = Tensor::from_vec(ids[k..].iter().map(|&c| c as u32).collect::<Vec<_>>(), n, &dev)?;
        let q = cfg.batch as f64 / n as f64;

        let mut settings = vec![("plain SGD".to_string(), None)];
        settings.extend(cfg.sigmas.iter().map(|&s| (format!("DP-SGD σ = {s}"), Some(s))));
        let total = (settings.len() * cfg.steps) as u64;
        let mut runs = Vec::new();
        for (i, (label, sigma)) in settings.into_iter().enumerate() {
            let mut model = Mlp::new(k * vocab.len(), cfg.hidden, vocab.len(), &mut Rng::new(cfg.seed).fork(1), &dev)?;
            let mut train_rng = Rng::new(cfg.seed).fork(2);
            let dp = sigma.map(|sigma| DpSgd { q, clip: cfg.clip, sigma, lr: cfg.lr });
            for step in 0..cfg.steps {
                match &dp {
                    Some(dp) => {
                        dp.step(&mut model, &x, &y, &mut train_rng)?;
                    }
                    None => {
                        let idx: Vec<u32> = (0..cfg.batch).map(|_| train_rng.below(n) as u32).collect();
                        let idx = Tensor::new(idx.as_slice(), &dev)?;
                        model.sgd_step(&x.index_select(&idx, 0)?, &y.index_select(&idx, 0)?, cfg.lr)?;
                    }
                }
                if step % 100 == 0 || step + 1 == cfg.steps {
                    ctx.progress((i * cfg.steps + step + 1) as u64, total, &label);
                }
            }
            let loss = f64::from(model.losses(&x, &y)?.mean_all()?.to_scalar::<f32>()?);
            let mut exposures = Vec::new();
            let mut ranks = Vec::new();
            for c in &canaries {
                let scores = code_log_likelihoods(&model, &vocab, c, k, &dev)?;
                let truth = scores[c.code.parse::<usize>().expect("4 digits")];
                exposures.push(exposure(truth, &scores)?);
                ranks.push(rank(truth, &scores)?);
            }
            let epsilon = match sigma {
                Some(s) => dp_sgd_epsilon(q, s, cfg.steps as u64, cfg.delta)?.epsilon,
                None => f64::INFINITY,
            };
            ctx.log(serde_json::json!({
                "run": label, "epsilon": epsilon.is_finite().then_some(epsilon), "train_loss": loss,
                "exposures": exposures, "ranks": ranks,
            }))?;
            runs.push(Run { label, sigma, epsilon, exposures, ranks, loss });
        }
        Ok(report(cfg, n, q, &canaries, &runs))
    }
}

fn report(cfg: &CanaryConfig, n: usize, q: f64, canaries: &[Canary], runs: &[Run]) -> Report {
    let mut r = Report::default();
    let max_bits = (CODES as f64).log2();
    for run in runs {
        let tag = run.sigma.map_or("plain".to_string(), |s| format!("dp_sigma_{s}"));
        for (c, e) in canaries.iter().zip(&run.exposures) {
            r.metric(&format!("{tag}_exposure_{}x", c.repetitions), *e);
        }
        r.metric(&format!("{tag}_train_loss"), run.loss);
        if run.epsilon.is_finite() {
            r.metric(&format!("{tag}_epsilon"), run.epsilon);
        }
    }
    let plain = &runs[0];
    let describe = |run: &Run| -> String {
        canaries
            .iter()
            .zip(run.exposures.iter().zip(&run.ranks))
            .map(|(c, (e, rk))| format!("{}× → {:.1} bits (rank {rk})", c.repetitions, e))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let dp_text: Vec<String> =
        runs[1..].iter().map(|run| format!("DP-SGD at ε = {}: {}", fmt_num(run.epsilon), describe(run))).collect();
    let per_canary = describe(plain);
    r.summary = format!(
        "{} characters of stories ({} training windows of {} characters), {} steps of (expected) batch {} \
         (q = {}). Exposure is \
         out of log₂ 10⁴ = {:.1} bits; a code the model never saw averages about 1.4. Plain SGD: {}. {}.",
        n + cfg.context,
        n,
        cfg.context,
        cfg.steps,
        cfg.batch,
        fmt_num(q),
        max_bits,
        per_canary,
        dp_text.join(". "),
    );

    let mut p =
        Plot::new("exposure", "Exposure of each canary by insertions", "insertions of the canary", "exposure (bits)");
    for run in runs {
        let label = if run.epsilon.is_finite() {
            format!("{} (ε = {})", run.label, fmt_num(run.epsilon))
        } else {
            run.label.clone()
        };
        p = p.with(Series::new(
            label,
            canaries.iter().zip(&run.exposures).map(|(c, &e)| (c.repetitions as f64, e)).collect(),
        ));
    }
    let last = canaries.iter().map(|c| c.repetitions).max().unwrap_or(1) as f64;
    p = p.with(Series::reference("log₂ 10⁴: extracted", vec![(0.0, max_bits), (last, max_bits)])).with(
        Series::reference(
            "never seen (≈ log₂ e)",
            vec![(0.0, std::f64::consts::LOG2_E), (last, std::f64::consts::LOG2_E)],
        ),
    );
    r.plot(p);

    let mut header = vec!["canary".to_string(), "insertions".to_string()];
    header.extend(runs.iter().map(|run| format!("{}: bits (rank)", run.label)));
    let rows: Vec<Vec<String>> = canaries
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let mut row = vec![format!("{}{}", c.prefix, c.code), c.repetitions.to_string()];
            row.extend(runs.iter().map(|run| format!("{:.1} ({})", run.exposures[j], run.ranks[j])));
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    r.table(&header, &rows);
    let dp_line = match runs.get(1) {
        Some(dp) => {
            let most = (0..canaries.len()).max_by_key(|&j| canaries[j].repetitions).unwrap_or(0);
            let rare: Vec<String> = (0..canaries.len())
                .filter(|&j| canaries[j].repetitions > 0 && canaries[j].repetitions < canaries[most].repetitions)
                .map(|j| {
                    format!("{}×: {:.1} → {:.1} bits", canaries[j].repetitions, plain.exposures[j], dp.exposures[j])
                })
                .collect();
            let few_text = format!("Exposure without and with DP, canary inserted {}", rare.join("; "));
            format!(
                "- **DP-SGD (ε = {} per window) protects what is rare.** {}, and the DP model still learns the \
                 language (training loss {:.3} against {:.3}). But the canary inserted {}× keeps {:.1} bits: \
                 DP's guarantee is per training example, here one window of {} characters. A secret repeated r \
                 times sits in at least 4r windows (those predicting its digits), and group privacy only promises about \
                 4r·ε for all of them together. Repeated data is a group, not an individual: deduplicate the \
                 corpus, or account at the level of the user or document that holds the secret.\n",
                fmt_num(dp.epsilon),
                few_text,
                dp.loss,
                plain.loss,
                canaries[most].repetitions,
                dp.exposures[most],
                cfg.context,
            )
        }
        None => String::new(),
    };
    r.text(format!(
        "## What to look for\n\n\
         - **Memorization grows with repetition.** A secret seen once is barely more likely than any \
         other code; one repeated a few times becomes the model's first guess, and enumerating the codes \
         in order of likelihood extracts it. The training loss ({:.3} nats per character for plain SGD) \
         says nothing about this: the canaries are a vanishing share of the text.\n\
         {dp_line}\
         - **Exposure is a lower bound on leakage**: it measures one attack (ranking by likelihood) on \
         planted secrets of a known format. Carlini et al. (2019) used it to compare training choices and \
         found that memorization of canaries appears early in training, well before the usual signs of \
         overfitting.",
        plain.loss,
    ));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_canaries_are_extracted_and_dp_protects_the_rare_ones_only() {
        let report = crate::lab::run_tiny(&CanaryExposure);
        let m = &report.metrics;
        // Without DP the canaries inserted 4 and 16 times are near the top of 10⁴ candidates
        // (exposure above 10 bits: rank ≤ 10), the once-inserted one less, the control not at all.
        assert!(m["plain_exposure_4x"] > 10.0 && m["plain_exposure_16x"] > 10.0, "{m:?}");
        assert!(m["plain_exposure_1x"] < m["plain_exposure_4x"] - 3.0, "{m:?}");
        assert!(m["plain_exposure_0x"] < 6.0 && m["dp_sigma_1_exposure_0x"] < 6.0, "{m:?}");
        // DP-SGD at ε ≈ 1 removes the exposure of the 4× canary while still learning the text...
        assert!(m["dp_sigma_1_epsilon"] < 2.0, "{m:?}");
        assert!(
            m["dp_sigma_1_exposure_4x"] < 5.0 && m["dp_sigma_1_exposure_4x"] < m["plain_exposure_4x"] - 6.0,
            "{m:?}"
        );
        assert!(m["dp_sigma_1_train_loss"] < 1.0, "{m:?}");
        // ...but not of the 16× one: a repeated secret is a group, and the per-example ε does not cover it.
        assert!(m["dp_sigma_1_exposure_16x"] > m["dp_sigma_1_exposure_4x"] + 3.0, "{m:?}");
    }
}
