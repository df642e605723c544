//! `dojo eval …`: score files with the library's metrics.

use anyhow::{bail, Context, Result};
use clap::{Subcommand, ValueEnum};
use dojo::evaluation::bleu::{corpus_bleu, BleuConfig, BleuScore, Smooth};
use dojo::evaluation::rouge::{rouge, RougeScore};
use dojo::evaluation::squad::squad_scores;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// BLEU, identical to sacreBLEU: one segment per line in each file.
    Bleu {
        /// Hypotheses, one per line.
        #[arg(long, value_name = "FILE")]
        hyp: PathBuf,
        /// A reference file, one per line; repeat for several references.
        #[arg(long = "ref", value_name = "FILE", required = true)]
        refs: Vec<PathBuf>,
        /// Tokenizer applied before counting n-grams.
        #[arg(long, value_enum, default_value = "13a")]
        tokenize: Tokenize,
        /// Smoothing of zero n-gram counts.
        #[arg(long, value_enum, default_value = "exp")]
        smooth: SmoothArg,
        /// The value for floor (default 0.1) or add-k (default 1).
        #[arg(long)]
        smooth_value: Option<f64>,
        /// Lowercase everything first.
        #[arg(long)]
        lowercase: bool,
        /// Score every line on its own (sentence BLEU, effective order).
        #[arg(long)]
        sentence: bool,
        /// Print JSON: {"score", "precisions", "bp", "sys_len", "ref_len"} (a list with --sentence).
        #[arg(long)]
        json: bool,
    },
    /// ROUGE-1/2/L/Lsum, identical to Google's rouge-score (no stemmer): per-line scores,
    /// averaged. A literal `\n` in a line separates sentences for ROUGE-Lsum.
    Rouge {
        /// Predictions, one per line.
        #[arg(long, value_name = "FILE")]
        hyp: PathBuf,
        /// References, one per line.
        #[arg(long = "ref", value_name = "FILE")]
        reference: PathBuf,
        /// Print JSON: {"rouge1": {"p", "r", "f"}, "rouge2": …, "rougeL": …, "rougeLsum": …}.
        #[arg(long)]
        json: bool,
    },
    /// SQuAD exact match and token F1 with the official normalisation.
    Squad {
        /// Predicted answers, one per line.
        #[arg(long, value_name = "FILE")]
        hyp: PathBuf,
        /// Gold answers, one per line; repeat for alternative answers (the best one counts).
        #[arg(long = "ref", value_name = "FILE", required = true)]
        refs: Vec<PathBuf>,
        /// Print JSON: {"exact_match", "f1"}.
        #[arg(long)]
        json: bool,
    },
    /// Multiple-choice questions answered by the LLM, scored by likelihood (built-in set of 120
    /// questions unless --file is given).
    Mc(crate::eval_mc::McArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Tokenize {
    /// mteval-v13a, sacreBLEU's default.
    #[value(name = "13a")]
    T13a,
    /// Split on whitespace only.
    None,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SmoothArg {
    /// The k-th zero precision becomes 1/(2^k · total) (mteval).
    Exp,
    /// A zero count becomes the smoothing value.
    Floor,
    /// Add the smoothing value to counts of n ≥ 2.
    #[value(name = "add-k")]
    AddK,
    /// No smoothing.
    None,
}

pub fn run(cmd: EvalCommand) -> Result<ExitCode> {
    match cmd {
        EvalCommand::Mc(args) => crate::eval_mc::run(&args),
        EvalCommand::Bleu { hyp, refs, tokenize, smooth, smooth_value, lowercase, sentence, json } => {
            let smooth = match smooth {
                SmoothArg::Exp => Smooth::Exp,
                SmoothArg::Floor => Smooth::Floor(smooth_value.unwrap_or(0.1)),
                SmoothArg::AddK => Smooth::AddK(smooth_value.unwrap_or(1.0)),
                SmoothArg::None => Smooth::None,
            };
            let cfg = BleuConfig {
                lowercase,
                tokenize: matches!(tokenize, Tokenize::T13a),
                smooth,
                effective_order: sentence,
            };
            let (hyps, streams) = read_aligned(&hyp, &refs)?;
            let refs_of = |range: std::ops::Range<usize>| -> Vec<Vec<&str>> {
                streams.iter().map(|s| s[range.clone()].iter().map(String::as_str).collect()).collect()
            };
            let scores: Vec<BleuScore> = if sentence {
                (0..hyps.len())
                    .map(|i| corpus_bleu(&[hyps[i].as_str()], &refs_of(i..i + 1), &cfg).expect("lengths checked"))
                    .collect()
            } else {
                let h: Vec<&str> = hyps.iter().map(String::as_str).collect();
                vec![corpus_bleu(&h, &refs_of(0..hyps.len()), &cfg).expect("lengths checked")]
            };
            let to_json = |s: &BleuScore| serde_json::json!({ "score": s.score, "precisions": s.precisions, "bp": s.bp, "sys_len": s.sys_len, "ref_len": s.ref_len });
            if json {
                let v = if sentence {
                    serde_json::Value::Array(scores.iter().map(to_json).collect())
                } else {
                    to_json(&scores[0])
                };
                println!("{v}");
            } else {
                for s in &scores {
                    let p: Vec<String> = s.precisions.iter().map(|p| format!("{p:.1}")).collect();
                    println!(
                        "BLEU = {:.2} {} (BP = {:.3} ratio = {:.3} hyp_len = {} ref_len = {})",
                        s.score,
                        p.join("/"),
                        s.bp,
                        s.sys_len as f64 / s.ref_len.max(1) as f64,
                        s.sys_len,
                        s.ref_len
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        EvalCommand::Rouge { hyp, reference, json } => {
            let (hyps, refs) = read_aligned(&hyp, std::slice::from_ref(&reference))?;
            let n = hyps.len().max(1) as f64;
            let mut sums = [[0f64; 3]; 4]; // rouge1, rouge2, rougeL, rougeLsum × (p, r, f)
            for (h, r) in hyps.iter().zip(&refs[0]) {
                let s = rouge(&r.replace("\\n", "\n"), &h.replace("\\n", "\n"));
                for (acc, x) in sums.iter_mut().zip([s.rouge1, s.rouge2, s.rouge_l, s.rouge_lsum]) {
                    acc[0] += x.precision;
                    acc[1] += x.recall;
                    acc[2] += x.f;
                }
            }
            let names = ["rouge1", "rouge2", "rougeL", "rougeLsum"];
            let mean: Vec<RougeScore> =
                sums.iter().map(|a| RougeScore { precision: a[0] / n, recall: a[1] / n, f: a[2] / n }).collect();
            if json {
                let obj: serde_json::Map<String, serde_json::Value> = names
                    .iter()
                    .zip(&mean)
                    .map(|(k, s)| (k.to_string(), serde_json::json!({ "p": s.precision, "r": s.recall, "f": s.f })))
                    .collect();
                println!("{}", serde_json::Value::Object(obj));
            } else {
                for (k, s) in names.iter().zip(&mean) {
                    println!("{k:<10} P {:.4}  R {:.4}  F {:.4}", s.precision, s.recall, s.f);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        EvalCommand::Squad { hyp, refs, json } => {
            let (hyps, streams) = read_aligned(&hyp, &refs)?;
            let preds: Vec<&str> = hyps.iter().map(String::as_str).collect();
            let golds: Vec<Vec<&str>> =
                (0..hyps.len()).map(|i| streams.iter().map(|s| s[i].as_str()).collect()).collect();
            let (em, f1) = squad_scores(&preds, &golds).expect("aligned and non-empty");
            if json {
                println!("{}", serde_json::json!({ "exact_match": em, "f1": f1 }));
            } else {
                println!("exact match {em:.2}  F1 {f1:.2}  ({} questions)", hyps.len());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The hypothesis lines and each reference file's lines, which must be as many.
fn read_aligned(hyp: &Path, refs: &[PathBuf]) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let hyps = read_lines(hyp)?;
    let streams = refs.iter().map(|r| read_lines(r)).collect::<Result<Vec<_>>>()?;
    for (path, s) in refs.iter().zip(&streams) {
        if s.len() != hyps.len() {
            bail!(
                "{} has {} lines but {} has {}: every reference file needs one line per hypothesis",
                path.display(),
                s.len(),
                hyp.display(),
                hyps.len()
            );
        }
    }
    Ok((hyps, streams))
}

/// The lines of a UTF-8 file (a final newline does not make an extra empty line).
fn read_lines(path: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not valid UTF-8 (first bad byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(text.lines().map(str::to_string).collect())
}
