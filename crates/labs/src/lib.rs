//! # llm-dojo labs
//!
//! Runnable experiments, the workbench's notebooks: each trains or runs a small model on a laptop
//! CPU in about a minute and writes a report with plots and numbers.
//!
//! A lab is a plain config struct with `tiny` and `full` presets ([`LabConfig`]) and a `run` that
//! returns a [`Report`] ([`Experiment`]). [`LABS`] lists them; [`run_to_dir`] runs one into
//! `reports/<lab>/<run-id>/` (`report.md`, `report.html`, `metrics.jsonl`, `config.toml`, SVG
//! plots). Configs resolve from a preset or TOML file plus `--set key=value` ([`config`]).
//!
//! | lab | topic | what it shows |
//! |---|---|---|
//! | [`attention-cost`](labs::attention_cost) | transformers | naive attention's time and memory grow as T² |
//! | [`position-extrapolation`](labs::position_extrapolation) | transformers | which position schemes work past the training length |
//! | [`moe-routing`](labs::moe_routing) | transformers | what the load-balancing loss does to expert load |
//! | [`architectures`](labs::architectures) | transformers | decoder-only vs encoder-only vs encoder–decoder |
//! | [`transformer-xl`](labs::transformer_xl) | transformers | segment memory reaches into the previous segment |
//! | [`multi-token-prediction`](labs::multi_token_prediction) | transformers | k-token heads, and the heads as a draft |
//! | [`decoding-strategies`](labs::decoding_strategies) | decoding | diversity, repetition and likelihood of every sampler on SmolLM2 |
//! | [`speculative-decoding`](labs::speculative_decoding) | decoding | acceptance and speed-up vs early-exit draft depth |
//! | [`prompting`](labs::prompting) | decoding | zero-shot vs few-shot vs chain-of-thought vs an evolved prompt |
//! | [`pretrain-gpt`](labs::pretrain_gpt) | pretraining | a small GPT pretrained with the shared training stack |
//! | [`mlm-vs-ntp`](labs::mlm_vs_ntp) | pretraining | masked-LM vs next-token on one transformer: cloze from both sides vs generation |
//! | [`curriculum`](labs::curriculum) | pretraining | easy-to-hard ordering vs a shuffled mix of story levels |
//! | [`lora-vs-full`](labs::lora_vs_full) | pretraining | full fine-tuning vs LoRA ranks vs adapters: cost, learning, forgetting |
//! | [`sft-instructions`](labs::sft_instructions) | pretraining | SFT of a story-pretrained GPT on five chat tasks, with and without the prompt mask |
//! | [`smollm2-lora`](labs::smollm2_lora) | pretraining | LoRA teaches SmolLM2 a made-up fact; replay keeps what it knew |
//! | [`adapter-fusion`](labs::adapter_fusion) | pretraining | two task adapters composed by a learned fusion |
//! | [`grokking`](labs::grokking) | generalization | memorization first, generalization much later |
//! | [`grokking-ablation`](labs::grokking_ablation) | generalization | without weight decay or with less data, no grokking |
//! | [`grokking-fourier`](labs::grokking_fourier) | generalization | the grokked embeddings are a few Fourier frequencies |
//! | [`double-descent`](labs::double_descent) | generalization | test error peaks where width equals the number of samples |
//! | [`emergence-metrics`](labs::emergence_metrics) | generalization | exact match looks sudden where per-token accuracy is smooth |
//! | [`length-generalization`](labs::length_generalization) | generalization | addition past the trained length: positions, answer order, Abacus |
//! | [`retnet-forms`](labs::retnet_forms) | beyond | retention's parallel, recurrent and chunkwise forms: equal outputs, T² vs T |
//! | [`selective-copying`](labs::mixer_tasks) | beyond | Mamba learns to pick out scattered tokens far faster than the time-invariant S4D |
//! | [`associative-recall`](labs::mixer_tasks) | beyond | lookup by content: attention, S4D, Mamba and a hybrid |
//! | [`ttt-layer`](labs::ttt_layer) | beyond | a TTT state learns and relearns a changing rule; linear attention only averages |
//! | [`dp-sgd`](labs::dp_sgd) | privacy | per-example clipping and noise: test accuracy against ε from the RDP accountant |
//! | [`federated`](labs::federated) | privacy | FedAvg converges with IID clients and drifts with label-skewed ones |
//! | [`membership-inference`](labs::membership_inference) | privacy | loss-threshold and shadow-model attacks: AUC against ε, under the DP bound |
//! | [`canary-exposure`](labs::canary_exposure) | privacy | secrets repeated in the corpus are extracted from a character LM; DP-SGD protects only the rare ones |
//! | [`prompt-injection`](labs::prompt_injection) | privacy | direct and indirect injection on SmolLM2: success rate per attack and defence |

pub mod config;
mod context;
mod lab;
pub mod labs;
mod llm;
mod plot;
mod report;
mod runner;
pub mod stats;

pub use context::{Progress, RunContext};
pub use lab::{Experiment, Lab, LabConfig, LabError, LabInfo, Resolved};
pub use plot::{Plot, Series};
pub use report::{fmt_num, markdown_table, Block, Report};
pub use runner::{run_to_dir, versions, write_atomic, Outcome};

/// Every lab, in curriculum order.
pub static LABS: &[&dyn Lab] = &[
    &labs::attention_cost::AttentionCost,
    &labs::position_extrapolation::PositionExtrapolation,
    &labs::moe_routing::MoeRouting,
    &labs::architectures::Architectures,
    &labs::transformer_xl::TransformerXlLab,
    &labs::multi_token_prediction::MultiTokenPrediction,
    &labs::decoding_strategies::DecodingStrategies,
    &labs::speculative_decoding::SpeculativeDecoding,
    &labs::prompting::Prompting,
    &labs::pretrain_gpt::PretrainGpt,
    &labs::mlm_vs_ntp::MlmVsNtp,
    &labs::curriculum::Curriculum,
    &labs::lora_vs_full::LoraVsFull,
    &labs::sft_instructions::SftInstructions,
    &labs::smollm2_lora::Smollm2Lora,
    &labs::adapter_fusion::AdapterFusionLab,
    &labs::grokking::Grokking,
    &labs::grokking_ablation::GrokkingAblation,
    &labs::grokking_fourier::GrokkingFourier,
    &labs::double_descent::DoubleDescent,
    &labs::emergence_metrics::EmergenceMetrics,
    &labs::length_generalization::LengthGeneralization,
    &labs::retnet_forms::RetnetForms,
    &labs::mixer_tasks::SelectiveCopyingLab,
    &labs::mixer_tasks::AssociativeRecallLab,
    &labs::ttt_layer::TttLayer,
    &labs::dp_sgd::DpSgdLab,
    &labs::federated::FederatedLab,
    &labs::membership_inference::MembershipInference,
    &labs::canary_exposure::CanaryExposure,
    &labs::prompt_injection::PromptInjection,
];

/// The lab called `name`; the error lists the known ones.
pub fn find(name: &str) -> Result<&'static dyn Lab, UnknownLab> {
    LABS.iter().copied().find(|l| l.info().name == name).ok_or_else(|| UnknownLab {
        name: name.to_string(),
        known: LABS.iter().map(|l| l.info().name.to_string()).collect(),
    })
}

/// A lab name that is not in [`LABS`].
#[derive(Debug, thiserror::Error)]
#[error("unknown lab {name:?}; known labs: {}", .known.join(", "))]
pub struct UnknownLab {
    /// The name asked for.
    pub name: String,
    /// The labs that exist.
    pub known: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, Source};
    use dojo::curriculum::Curriculum;
    use std::collections::HashSet;

    #[test]
    fn every_lab_has_a_known_topic_a_unique_name_and_valid_presets() {
        let c = Curriculum::builtin().unwrap();
        let mut names = HashSet::new();
        for lab in LABS {
            let info = lab.info();
            assert!(c.topic(info.topic).is_some(), "lab {} names unknown topic {}", info.name, info.topic);
            assert!(names.insert(info.name), "lab name {} appears twice", info.name);
            for preset in lab.presets() {
                let r = lab.resolve(Source::Preset(preset), &Overrides::default());
                let r = r.unwrap_or_else(|e| panic!("{} preset {preset}: {e}", info.name));
                assert!(r.table.contains_key("seed"), "{} has no seed key", info.name);
            }
        }
    }

    #[test]
    fn unknown_lab_lists_the_known_ones() {
        let e = find("attention-cots").err().unwrap().to_string();
        assert!(e.starts_with("unknown lab \"attention-cots\"; known labs: ") && e.contains("attention-cost"), "{e}");
        assert!(find("attention-cost").is_ok());
    }

    /// A lab small enough to test the report writer with.
    struct Demo;

    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct DemoConfig {
        seed: u64,
        points: usize,
    }

    impl LabConfig for DemoConfig {
        fn tiny() -> Self {
            Self { seed: 1, points: 4 }
        }
        fn full() -> Self {
            Self { seed: 1, points: 8 }
        }
        fn seed(&self) -> u64 {
            self.seed
        }
        fn validate(&self) -> Result<(), String> {
            if self.points < 2 {
                return Err("points must be at least 2".into());
            }
            Ok(())
        }
    }

    impl Experiment for Demo {
        type Config = DemoConfig;
        const INFO: LabInfo = LabInfo { name: "demo", topic: "transformers", title: "Demo", summary: "A test lab." };
        fn run(&self, cfg: &DemoConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
            let mut pts = Vec::new();
            for i in 1..=cfg.points {
                let x = i as f64;
                ctx.log(serde_json::json!({ "x": x, "y": x * x }))?;
                ctx.progress(i as u64, cfg.points as u64, "step");
                pts.push((x, x * x));
            }
            let mut r = Report::new("Squares grow quadratically.");
            r.metric("slope", stats::loglog_slope(&pts));
            r.plot(Plot::new("squares", "Squares", "x", "y").log_log().with(Series::new("x²", pts)));
            Ok(r)
        }
    }

    #[test]
    fn report_writer_creates_every_file_with_parseable_content() {
        let root = tempfile::tempdir().unwrap();
        let cfg = Demo.resolve(Source::Preset("full"), &Overrides { sets: vec![], seed: Some(9) }).unwrap();
        let mut seen = Vec::new();
        let ctx = RunContext::new().with_progress(|p| seen.push((p.done, p.total)));
        let out = run_to_dir(&Demo, &cfg, "1 · Transformers", root.path(), ctx).unwrap();
        assert_eq!(seen.last(), Some(&(8, 8)), "progress reached the end");
        assert!(out.run_dir.starts_with(root.path().join("demo")));
        assert!(out.run_dir.file_name().unwrap().to_string_lossy().ends_with("-s9"));
        assert!((out.metrics["slope"] - 2.0).abs() < 1e-9);

        let read = |f: &str| std::fs::read_to_string(out.run_dir.join(f)).unwrap();
        let config: toml::Table = read("config.toml").parse().unwrap();
        assert_eq!(config["seed"].as_integer(), Some(9));
        assert_eq!(config["points"].as_integer(), Some(8));
        let lines: Vec<serde_json::Value> =
            read("metrics.jsonl").lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 9, "8 records and the final line");
        assert_eq!(lines[7]["y"], 64.0);
        assert!((lines[8]["final"]["slope"].as_f64().unwrap() - 2.0).abs() < 1e-9);
        assert!(read("squares.svg").starts_with("<svg"));
        let md = read("report.md");
        assert!(md.contains("![Squares](squares.svg)") && md.contains("seed 9"));
        let html = read("report.html");
        assert!(html.contains("<figure><svg") && html.contains("Squares grow quadratically."));
        assert!(!html.contains("src=\""), "the page loads nothing from outside");
        let leftovers: Vec<_> = std::fs::read_dir(&out.run_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }

    #[test]
    fn a_failing_lab_keeps_its_config_and_the_records_logged_so_far() {
        struct Failing;
        impl Experiment for Failing {
            type Config = DemoConfig;
            const INFO: LabInfo = LabInfo { name: "failing", topic: "transformers", title: "F", summary: "s" };
            fn run(&self, _: &DemoConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
                ctx.log(serde_json::json!({ "step": 1 }))?;
                Err(LabError::Plot { name: "x".into(), message: "simulated crash".into() })
            }
        }
        let root = tempfile::tempdir().unwrap();
        let cfg = Failing.resolve(Source::Preset("tiny"), &Overrides::default()).unwrap();
        assert!(run_to_dir(&Failing, &cfg, "t", root.path(), RunContext::new()).is_err());
        let dir = std::fs::read_dir(root.path().join("failing")).unwrap().next().unwrap().unwrap().path();
        assert!(dir.join("config.toml").exists());
        assert_eq!(std::fs::read_to_string(dir.join("metrics.jsonl")).unwrap(), "{\"step\":1}\n");
        assert!(!dir.join("report.md").exists());
    }
}
