//! `dojo privacy …`: the DP-SGD accountant and the PII scrubber on the command line.

use anyhow::{Context, Result};
use clap::Subcommand;
use dojo::privacy::pii::Detector;
use dojo::privacy::rdp::{dp_sgd_epsilon, noise_for_epsilon};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// ε of DP-SGD (Poisson sampling rate q, noise multiplier σ, a number of steps) at δ, by the
    /// RDP accountant; agrees with Google's dp-accounting.
    Epsilon {
        /// Sampling rate q: the expected batch size over the dataset size, in [0, 1].
        #[arg(long)]
        q: f64,
        /// Noise multiplier σ: the noise std over the clipping norm, ≥ 0.
        #[arg(long)]
        sigma: f64,
        /// Training steps.
        #[arg(long)]
        steps: u64,
        /// δ in (0, 1), usually below 1 / dataset size.
        #[arg(long)]
        delta: f64,
        /// Print `{"epsilon", "delta", "order", "q", "sigma", "steps"}` (ε is null when infinite).
        #[arg(long)]
        json: bool,
    },
    /// The smallest noise multiplier σ that keeps DP-SGD within a target ε at δ.
    Sigma {
        /// Sampling rate q, in [0, 1].
        #[arg(long)]
        q: f64,
        /// Training steps.
        #[arg(long)]
        steps: u64,
        /// δ in (0, 1).
        #[arg(long)]
        delta: f64,
        /// The privacy budget ε, > 0.
        #[arg(long)]
        epsilon: f64,
        /// Print `{"sigma", "epsilon", "delta", "q", "steps"}`.
        #[arg(long)]
        json: bool,
    },
    /// Replaces the e-mails, phone numbers, card numbers and keys found in a text file by
    /// [EMAIL], [PHONE], [CARD], [KEY] and prints the result.
    Scrub {
        /// The UTF-8 text file to scrub.
        #[arg(long)]
        file: PathBuf,
        /// Print `{"spans": [{"start", "end", "kind", "text"}], "scrubbed"}` instead (byte offsets).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: PrivacyCommand) -> Result<()> {
    match command {
        PrivacyCommand::Epsilon { q, sigma, steps, delta, json } => {
            let g = dp_sgd_epsilon(q, sigma, steps, delta)?;
            if json {
                let eps = g.epsilon.is_finite().then_some(g.epsilon);
                let v = serde_json::json!({
                    "epsilon": eps, "delta": delta, "order": g.order, "q": q, "sigma": sigma, "steps": steps,
                });
                println!("{v}");
            } else {
                println!("ε = {:.4} at δ = {delta:e} (best Rényi order {})", g.epsilon, g.order);
            }
        }
        PrivacyCommand::Sigma { q, steps, delta, epsilon, json } => {
            let sigma = noise_for_epsilon(q, steps, delta, epsilon)?;
            let reached = dp_sgd_epsilon(q, sigma, steps, delta)?.epsilon;
            if json {
                let v = serde_json::json!({
                    "sigma": sigma, "epsilon": reached, "delta": delta, "q": q, "steps": steps,
                });
                println!("{v}");
            } else {
                println!("σ = {sigma:.4} gives ε = {reached:.4} at δ = {delta:e}");
            }
        }
        PrivacyCommand::Scrub { file, json } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let detector = Detector::new();
            if json {
                let spans: Vec<serde_json::Value> = detector
                    .detect(&text)
                    .iter()
                    .map(|s| {
                        serde_json::json!({
                            "start": s.start, "end": s.end, "kind": format!("{:?}", s.kind).to_lowercase(),
                            "text": &text[s.start..s.end],
                        })
                    })
                    .collect();
                println!("{}", serde_json::json!({ "spans": spans, "scrubbed": detector.scrub(&text) }));
            } else {
                print!("{}", detector.scrub(&text));
            }
        }
    }
    Ok(())
}
