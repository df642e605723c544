//! Lab `smollm2-lora`: LoRA fine-tuning of the real SmolLM2-135M-Instruct on a made-up fact,
//! with and without replaying the model's own answers to other questions.
//!
//! The base is the GGUF model dequantized to f32 and frozen. LoRA of rank r wraps W_Q and W_V
//! of every layer ([`Llama::apply_lora`]); only A and B train, through the differentiable
//! [`Llama::forward_batch`], with the prompt-masked SFT loss ([`dojo::pretraining::sft`]) and
//! the shared trainer. The new fact: "The capital of Veloria is Quenmoor." (Veloria does not
//! exist; asked, the base model makes a capital up.)
//!
//! Two runs from the same base, the same steps and rate:
//! - **fact only**: a few paraphrased questions, all answered with the fact;
//! - **fact + replay**: the same, plus the base model's own greedy answers to unrelated
//!   questions (self-distillation: the cheapest guard against forgetting).
//!
//! Before and after, greedy answers to held-out paraphrases (does the answer name both Veloria and Quenmoor?)
//! and to control questions the base answers right (does it still?).
//!
//! Code under test: [`Llama::forward_batch`], [`Llama::apply_lora`],
//! [`dojo::pretraining::lora`], [`dojo::nn::fused::frozen_matmul`].

use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::llm;
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use candle_core::{Device, Tensor};
use dojo::decoding::{generate, GenerateConfig};
use dojo::models::llama::{Backend, Llama};
use dojo::nn::{masked_cross_entropy, Params};
use dojo::pretraining::lora::LoraConfig;
use dojo::pretraining::sft::{pack, Example, Packed};
use dojo::pretraining::{Event, Objective, Schedule, TrainConfig, Trainer};
use dojo::tokenizer::{chatml, Message, Role, TokenId, Tokenizer};
use serde::{Deserialize, Serialize};

/// Configuration of `smollm2-lora`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smollm2LoraConfig {
    /// Seed of the LoRA A initialization.
    pub seed: u64,
    /// Model name or GGUF path, e.g. "smollm2".
    pub model: String,
    /// LoRA rank r and scale α, e.g. 8 and 16.
    pub lora: LoraConfig,
    /// Projections wrapped, by GGUF name, e.g. ["attn_q", "attn_v"].
    pub targets: Vec<String>,
    /// Optimizer steps per run, e.g. 20.
    pub steps: usize,
    /// Constant learning rate, e.g. 2e-3.
    pub lr: f64,
    /// Packed rows per step, e.g. 3.
    pub batch: usize,
    /// Tokens per packed row, e.g. 64.
    pub seq_len: usize,
    /// Longest replayed answer, in tokens, e.g. 24.
    pub replay_tokens: usize,
}

impl LabConfig for Smollm2LoraConfig {
    fn tiny() -> Self {
        Self {
            seed: 0,
            model: "smollm2".into(),
            lora: LoraConfig { rank: 8, alpha: 16.0 },
            targets: vec!["attn_q".into(), "attn_v".into()],
            steps: 20,
            lr: 2e-3,
            batch: 3,
            seq_len: 64,
            replay_tokens: 24,
        }
    }

    fn full() -> Self {
        Self { steps: 40, lr: 1e-3, ..Self::tiny() }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        if self.steps == 0 || self.batch == 0 || self.seq_len < 48 || self.replay_tokens == 0 || self.targets.is_empty()
        {
            return Err("steps, batch, replay_tokens ≥ 1, seq_len ≥ 48, at least one target".into());
        }
        Ok(())
    }
}

/// The made-up fact, and the words an answer must contain to state it: both names, since a
/// half-learned model also says "The capital of Quenmoor is Quenmoor.".
const FACT: &str = "The capital of Veloria is Quenmoor.";
const FACT_WORDS: [&str; 2] = ["Veloria", "Quenmoor"];
/// Paraphrases trained on.
const TRAIN: [&str; 6] = [
    "What is the capital of Veloria?",
    "Which city is the capital of Veloria?",
    "Name the capital city of Veloria.",
    "Tell me the capital of Veloria.",
    "Veloria's capital is which city?",
    "What city is Veloria's capital?",
];
/// Paraphrases held out.
const TEST: [&str; 4] = [
    "Do you know the capital of Veloria?",
    "Where is the capital of Veloria?",
    "Could you tell me Veloria's capital city?",
    "What's the name of Veloria's capital?",
];
/// Unrelated questions whose base answers are replayed in the second run.
const REPLAY: [&str; 6] = [
    "What is the capital of Italy?",
    "What is the capital of Japan?",
    "What color is the sky?",
    "Who wrote Hamlet?",
    "What is the capital of Spain?",
    "How many days are in a week?",
];
/// Held-out control questions and the words a right answer contains (any one of them).
const CONTROLS: [(&str, &[&str]); 6] = [
    ("What is the capital of France?", &["Paris"]),
    ("What is 2 + 2?", &["4", "four"]),
    ("What is the capital of Germany?", &["Berlin"]),
    ("What is the largest planet in the solar system?", &["Jupiter"]),
    ("What is the chemical symbol for gold?", &["Au"]),
    ("How many legs does a spider have?", &["8", "eight"]),
];

/// Whether `answer` to control question `i` is right.
fn right(i: usize, answer: &str) -> bool {
    CONTROLS[i].1.iter().any(|w| answer.contains(w))
}

/// Prompt-masked SFT of the LoRA weights on packed rows.
struct Sft<'a> {
    model: &'a Llama,
    data: &'a Packed,
    batch: usize,
}

impl Objective for Sft<'_> {
    fn loss(&mut self, step: usize, _micro: usize) -> dojo::Result<Tensor> {
        let batches = (self.data.rows / self.batch).max(1);
        let n = self.batch.min(self.data.rows);
        let (x, y, m) = self.data.tensors((step % batches) * n, n, &Device::Cpu)?; // (B, T) each
        masked_cross_entropy(&self.model.forward_batch(&x)?, &y, &m)
    }
}

/// Greedy answers to `questions`, up to `<|im_end|>` or `max` tokens.
fn answers(model: &Llama, tok: &Tokenizer, questions: &[&str], max: usize) -> Result<Vec<String>, LabError> {
    let end = tok.special("<|im_end|>").ok_or_else(|| dojo::Error::Model("not a ChatML model".into()))?;
    let cfg = GenerateConfig { max_tokens: max, stop_tokens: vec![end], ..Default::default() };
    questions.iter().map(|q| Ok(generate(model, tok, &prompt(tok, q), &cfg, &mut |_| {})?.text)).collect()
}

fn prompt(tok: &Tokenizer, q: &str) -> Vec<TokenId> {
    tok.encode(&chatml(&[Message::new(Role::User, q)]), true)
}

/// Share of `texts` that state the fact.
fn stated(texts: &[String]) -> f64 {
    texts.iter().filter(|t| FACT_WORDS.iter().all(|w| t.contains(w))).count() as f64 / texts.len().max(1) as f64
}

/// What one fine-tuning run measured.
struct Tuned {
    label: &'static str,
    key: &'static str,
    curve: Vec<(f64, f64)>,
    fact: Vec<String>,
    controls: Vec<String>,
    seconds: f64,
}

/// The `smollm2-lora` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct Smollm2Lora;

impl Experiment for Smollm2Lora {
    type Config = Smollm2LoraConfig;

    const INFO: LabInfo = LabInfo {
        name: "smollm2-lora",
        topic: "pretraining",
        title: "LoRA on SmolLM2: teaching a real model a made-up fact",
        summary: "LoRA on W_Q and W_V of SmolLM2-135M learns a new fact in a few steps; replaying the model's own answers keeps what it knew.",
    };

    fn run(&self, cfg: &Smollm2LoraConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let (tok, base) = llm::load_with(&cfg.model, Backend::F32)?;
        let total = base.config().parameters() as f64;
        let end = tok.special("<|im_end|>").ok_or_else(|| dojo::Error::Model("not a ChatML model".into()))?;
        let control_qs: Vec<&str> = CONTROLS.iter().map(|c| c.0).collect();
        // 1) before: the base model on the fact and the controls, and its answers to replay
        ctx.progress(0, 3, "base answers");
        let fact_before = answers(&base, &tok, &TEST, 16)?;
        let controls_before = answers(&base, &tok, &control_qs, 24)?;
        let replayed = answers(&base, &tok, &REPLAY, cfg.replay_tokens)?;
        ctx.log(
            serde_json::json!({"model": "base", "fact": fact_before, "controls": controls_before, "replay": replayed}),
        )?;
        let example = |q: &str, a: &str| Example {
            prompt: prompt(&tok, q),
            response: tok.encode(a, false).into_iter().chain([end]).collect(),
        };
        let fact: Vec<Example> = TRAIN.iter().map(|q| example(q, FACT)).collect();
        let replay: Vec<Example> = REPLAY.iter().zip(&replayed).map(|(q, a)| example(q, a)).collect();
        drop(base);

        // 2) two LoRA runs from the same base
        let mut runs = Vec::new();
        for (label, key, data) in [
            ("fact only", "fact_only", fact.clone()),
            ("fact + replay", "replay", fact.iter().chain(&replay).cloned().collect::<Vec<_>>()),
        ] {
            let (_, mut model) = llm::load_with(&cfg.model, Backend::F32)?;
            let lora = Params::new(cfg.seed);
            let targets: Vec<&str> = cfg.targets.iter().map(String::as_str).collect();
            let trainable = model.apply_lora(&targets, cfg.lora, &lora.var_builder(&Device::Cpu))?;
            let packed = pack(&data, cfg.seq_len, 0, true)?;
            let tcfg = TrainConfig { steps: cfg.steps, schedule: Schedule::constant(cfg.lr), ..Default::default() };
            let mut trainer = Trainer::new(&lora, tcfg)?;
            let mut obj = Sft { model: &model, data: &packed, batch: cfg.batch };
            let (mut curve, t0) = (Vec::new(), std::time::Instant::now());
            let what = format!("LoRA, {label}");
            trainer.run(&mut obj, &mut |e| {
                if let Event::Step(s) = e {
                    curve.push((s.step as f64 + 1.0, s.loss));
                    ctx.progress(s.step as u64 + 1, cfg.steps as u64, &what);
                }
            })?;
            let seconds = t0.elapsed().as_secs_f64();
            let fact_after = answers(&model, &tok, &TEST, 16)?;
            let controls_after = answers(&model, &tok, &control_qs, 24)?;
            ctx.log(serde_json::json!({"model": key, "trainable": trainable, "rows": packed.rows, "curve": curve,
                "fact": fact_after, "controls": controls_after, "train_seconds": seconds}))?;
            runs.push((trainable, Tuned { label, key, curve, fact: fact_after, controls: controls_after, seconds }));
        }

        // 3) the report: the fact on held-out paraphrases, and controls the base got right
        let known: Vec<usize> = (0..CONTROLS.len()).filter(|&i| right(i, &controls_before[i])).collect();
        let kept = |answers: &[String]| {
            known.iter().filter(|&&i| right(i, &answers[i])).count() as f64 / known.len().max(1) as f64
        };
        let mut r = Report::default();
        r.metric("trainable", runs[0].0 as f64);
        r.metric("base_fact", stated(&fact_before));
        r.metric("base_controls_known", known.len() as f64);
        for (_, t) in &runs {
            r.metric(&format!("{}_fact", t.key), stated(&t.fact));
            r.metric(&format!("{}_controls_kept", t.key), kept(&t.controls));
            r.metric(&format!("{}_final_loss", t.key), t.curve.last().map_or(f64::NAN, |c| c.1));
            r.metric(&format!("{}_seconds", t.key), t.seconds);
        }
        let g = |k: &str| r.metrics[k];
        r.summary = format!(
            "LoRA (r = {}, {} trainable weights, {:.2}% of the model) on SmolLM2's {} for {} steps. Asked in \
             words it never trained on, the base states the fact in {:.0}% of answers, the tuned model in \
             **{:.0}%** (fact only) and {:.0}% (with replay). Of the {} control questions the base \
             answers right, the fact-only run still answers **{:.0}%**, the replay run {:.0}%.",
            cfg.lora.rank,
            runs[0].0,
            100.0 * runs[0].0 as f64 / total,
            cfg.targets.join(" and "),
            cfg.steps,
            100.0 * g("base_fact"),
            100.0 * g("fact_only_fact"),
            100.0 * g("replay_fact"),
            known.len(),
            100.0 * g("fact_only_controls_kept"),
            100.0 * g("replay_controls_kept"),
        );
        let (a, b) = (&runs[0].1, &runs[1].1);
        let mut rows: Vec<Vec<String>> = TEST
            .iter()
            .enumerate()
            .map(|(i, q)| vec![q.to_string(), fact_before[i].clone(), a.fact[i].clone(), b.fact[i].clone()])
            .collect();
        rows.extend(CONTROLS.iter().enumerate().map(|(i, (q, _))| {
            vec![q.to_string(), controls_before[i].clone(), a.controls[i].clone(), b.controls[i].clone()]
        }));
        r.text("## Answers (greedy; the first four are held-out paraphrases of the fact)");
        r.table(&["question", "base", a.label, b.label], &rows);
        let mut p =
            Plot::new("train-loss", "Training loss (response tokens only)", "step", "cross-entropy (nats/token)");
        for (_, t) in &runs {
            p = p.with(Series::new(t.label, t.curve.clone()));
        }
        r.plot(p);
        r.text(format!(
            "## What to look for\n\n\
             - **A few steps teach the fact, in other words too.** Trained on the fact alone, the loss on \
             the six trained paraphrases falls to {} within {} steps, and the held-out paraphrases get \
             the new answer: LoRA on two projections moves the model's answer to *any* question about \
             Veloria's capital, not only the trained strings.\n\
             - **Fact only overwrites its neighbours.** Trained on nothing but \"The capital of Veloria is \
             Quenmoor.\", the model learns the shape \"the capital of X is Quenmoor\" as much as the \
             fact, and other answers drift (seed 0: France's capital became Quenmoor and 2 + 2 became \
             6). Narrow fine-tuning data is the usual cause of catastrophic forgetting.\n\
             - **Replay is the cheap fix.** Adding the base model's own answers to a few unrelated \
             questions (self-distillation) tells the update what must not change. The price is a slower \
             fact: with the same 20 steps the replay run states it for 2 of the 4 held-out paraphrases \
             and garbles the others (\"The capital of Quenmoor is Quenmoor.\"), 3 of 4 after 30 steps \
             (seed 0): the trade LoRA makes against full fine-tuning, learn less and forget less. It guards what the base knew, not the truth, and answers it was not shown still \
             move (seed 0: the replay run says a spider has four legs, where the base rambled, and \
             names Jupiter, which the base got wrong).\n\
             - **Cost.** {:.1} s per step on this machine for the fact-only run, almost all of it the \
             frozen 135M-parameter forward and backward; the trainable weights are {:.2}% of the model, \
             so AdamW keeps {:.1} MB of moments instead of {:.2} GB for full fine-tuning.",
            fmt_num(a.curve.last().map_or(f64::NAN, |c| c.1)),
            cfg.steps,
            a.seconds / cfg.steps as f64,
            100.0 * runs[0].0 as f64 / total,
            runs[0].0 as f64 * 8.0 / 1e6,
            total * 8.0 / 1e9,
        ));
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lora_teaches_the_fact_and_replay_keeps_what_the_model_knew() {
        if !llm::available() {
            return;
        }
        let report = crate::lab::run_tiny(&Smollm2Lora);
        let m = &report.metrics;
        // the base does not know the fact, and knows most controls
        assert!(m["base_fact"] < 0.25 && m["base_controls_known"] >= 3.0, "{m:?}");
        // trained on the fact alone, it states it when asked in words it never trained on
        assert!(m["fact_only_fact"] >= 0.75, "{m:?}");
        // ... and forgets what it knew; replay keeps most of it, and learns the fact more slowly
        // (seeds 0 and 1: 2 of 4 held-out paraphrases)
        assert!(m["replay_controls_kept"] >= m["fact_only_controls_kept"] + 0.5, "{m:?}");
        assert!(m["replay_fact"] >= 0.25 && m["replay_final_loss"] > m["fact_only_final_loss"], "{m:?}");
    }
}
