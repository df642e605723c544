//! `dojo lab list` and `dojo lab run`.

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use dojo::curriculum::Curriculum;
use dojo_labs::config::{Overrides, Source};
use dojo_labs::{fmt_num, run_to_dir, RunContext, LABS};
use dojo_meter::CountingAlloc;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// List the labs with their topics.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Run a lab and write its report to `OUT/<lab>/<run-id>/`.
    Run {
        /// The lab's name (see `dojo lab list`).
        lab: String,
        /// A preset (`tiny`: about a minute on a laptop; `full`: the real experiment) or a TOML
        /// file overlaid on `tiny`.
        #[arg(long, default_value = "tiny", value_name = "tiny|full|FILE")]
        config: String,
        /// Override one config value, e.g. `--set repeats=5` or `--set lengths=[128,256]`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// The seed all randomness comes from (the same as `--set seed=N`).
        #[arg(long)]
        seed: Option<u64>,
        /// Folder the report goes under.
        #[arg(long, default_value = "reports", value_name = "DIR")]
        out: PathBuf,
        /// Print one JSON object on stdout: {"lab", "run_dir", "seconds", "seed", "metrics"}.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: LabCommand, meter: &'static CountingAlloc) -> Result<ExitCode> {
    match cmd {
        LabCommand::List { json } => list(json),
        LabCommand::Run { lab, config, sets, seed, out, json } => run_lab(&lab, &config, sets, seed, &out, json, meter),
    }
}

fn list(json: bool) -> Result<ExitCode> {
    let c = Curriculum::builtin()?;
    if json {
        let labs: Vec<_> = LABS
            .iter()
            .map(|l| {
                let i = l.info();
                serde_json::json!({
                    "name": i.name, "topic": i.topic, "topic_number": c.number(i.topic),
                    "title": i.title, "summary": i.summary, "presets": l.presets(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&labs)?);
        return Ok(ExitCode::SUCCESS);
    }
    for l in LABS {
        let i = l.info();
        let n = c.number(i.topic).map_or("?".into(), |n| n.to_string());
        println!("{:<22} topic {n:>2} ({})  {}", i.name, i.topic, i.summary);
    }
    println!("\nRun one: dojo lab run NAME [--config tiny|full|FILE] [--set key=value] [--seed N]");
    Ok(ExitCode::SUCCESS)
}

fn run_lab(
    name: &str,
    config: &str,
    sets: Vec<String>,
    seed: Option<u64>,
    out: &Path,
    json: bool,
    meter: &'static CountingAlloc,
) -> Result<ExitCode> {
    let lab = dojo_labs::find(name)?;
    let info = lab.info();
    let source = Source::parse(config, lab.presets());
    if let Source::File(path) = source {
        if !path.exists() {
            bail!(
                "no preset or config file named {config:?}\n---> HINT: presets are {}; a file must exist",
                lab.presets().join(", ")
            );
        }
    }
    let resolved = lab.resolve(source, &Overrides { sets, seed }).with_context(|| format!("lab {name}"))?;
    let c = Curriculum::builtin()?;
    let topic = match (c.number(info.topic), c.topic(info.topic)) {
        (Some(n), Some(t)) => format!("{n} · {}", t.title),
        _ => info.topic.to_string(),
    };

    let bar = (!json && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:32}] {pos}/{len} {msg} ({elapsed})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(info.name);
        bar
    });
    let ctx = RunContext::new().with_meter(meter).with_progress(|p| {
        if let Some(b) = &bar {
            b.set_length(p.total);
            b.set_position(p.done);
            b.set_message(p.message.to_string());
        }
    });
    let outcome = run_to_dir(lab, &resolved, &topic, out, ctx).with_context(|| format!("lab {name} failed"))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    if json {
        let obj = serde_json::json!({
            "lab": info.name,
            "run_dir": outcome.run_dir,
            "seconds": outcome.seconds,
            "seed": outcome.seed,
            "metrics": outcome.metrics,
        });
        println!("{obj}");
    } else {
        println!("{} ({:.1} s, seed {})", info.title, outcome.seconds, outcome.seed);
        for (k, v) in &outcome.metrics {
            println!("  {k:<34} {}", fmt_num(*v));
        }
        println!("report: {}", outcome.run_dir.join("report.html").display());
    }
    Ok(ExitCode::SUCCESS)
}
