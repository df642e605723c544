//! `dojo eval mc`: multiple-choice accuracy of the LLM, per category.

use crate::llm::{Loaded, ModelArg};
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use dojo::evaluation::mc::{accuracy, parse_jsonl, score_question, McFormat, GENERAL};
use dojo::models::llama::Backend;
use indicatif::ProgressBar;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Args)]
pub struct McArgs {
    /// Questions as JSON lines {"id", "category", "question", "choices", "answer"} (default: the
    /// built-in 120).
    #[arg(long)]
    file: Option<PathBuf>,
    /// How to ask and compare the options.
    #[arg(long, value_enum, default_value = "per-byte")]
    format: FormatArg,
    /// Score only the first N questions.
    #[arg(long)]
    limit: Option<usize>,
    /// Print JSON: {"accuracy", "categories": {name: accuracy}, "questions": n, "results": [...]}.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    model: ModelArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    /// Options labelled A–D; compare log p of the letters.
    Letter,
    /// Compare the summed log p of each option's text.
    Continuation,
    /// … divided by its token count.
    PerToken,
    /// … divided by its byte count (lm-eval-harness acc_norm).
    PerByte,
}

pub fn run(a: &McArgs) -> Result<ExitCode> {
    let text = match &a.file {
        Some(f) => std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
        None => GENERAL.to_string(),
    };
    let mut qs = parse_jsonl(&text)?;
    if let Some(n) = a.limit {
        qs.truncate(n);
    }
    if qs.is_empty() {
        bail!("no questions to score");
    }
    let format = match a.format {
        FormatArg::Letter => McFormat::Letter,
        FormatArg::Continuation => McFormat::Continuation,
        FormatArg::PerToken => McFormat::PerToken,
        FormatArg::PerByte => McFormat::PerByte,
    };
    let Loaded { tok, model } = a.model.load(Backend::Quantized)?;
    let bar = if a.json { ProgressBar::hidden() } else { ProgressBar::new(qs.len() as u64) };
    let mut results = Vec::with_capacity(qs.len());
    for q in &qs {
        results.push(score_question(&model, &tok, q, format)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let (overall, cats) = accuracy(&results);
    if a.json {
        let categories: serde_json::Map<String, serde_json::Value> =
            cats.iter().map(|(c, acc, _)| (c.clone(), serde_json::json!(acc))).collect();
        let per: Vec<_> = results
            .iter()
            .map(
                |r| serde_json::json!({"id": r.id, "predicted": r.predicted, "correct": r.correct, "scores": r.scores}),
            )
            .collect();
        println!(
            "{}",
            serde_json::json!({"accuracy": overall, "questions": results.len(), "categories": categories, "results": per})
        );
    } else {
        for (c, acc, n) in &cats {
            println!("{c:<14} {:>5.1}%  ({n} questions)", 100.0 * acc);
        }
        println!("{:<14} {:>5.1}%  ({} questions, format {:?})", "all", 100.0 * overall, results.len(), format);
    }
    Ok(ExitCode::SUCCESS)
}
