//! Running a lab into a report folder.
//!
//! `reports/<lab>/<run-id>/` receives, in this order:
//! 1) `config.toml`, the resolved config (seed included), before the lab starts;
//! 2) `metrics.jsonl`, one JSON object per logged record, appended as the lab runs, then a
//!    last line `{"final": {...headline metrics}}`;
//! 3) the plots as `<name>.svg`, `report.md` and the self-contained `report.html`.
//!
//! Files are written to a temporary name and renamed, so a killed run leaves whole files: the
//! config and every record logged so far, never half a report.

use crate::context::RunContext;
use crate::lab::{Lab, LabError, Resolved};
use crate::report::{to_html, to_markdown, RunHeader};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// What a finished run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The run folder.
    pub run_dir: PathBuf,
    /// Wall-clock seconds of the lab itself.
    pub seconds: f64,
    /// The seed.
    pub seed: u64,
    /// The headline metrics.
    pub metrics: BTreeMap<String, f64>,
}

/// Runs `lab` with `config`, writing the report under `out_root` (usually `reports/`).
///
/// `topic` is the label printed in the report header (e.g. `"1 · Transformer architecture and
/// variants"`); the caller reads it from the curriculum.
pub fn run_to_dir(
    lab: &dyn Lab,
    config: &Resolved,
    topic: &str,
    out_root: &Path,
    ctx: RunContext<'_>,
) -> Result<Outcome, LabError> {
    let info = lab.info();
    let (stamp, started) = utc_now();
    let run_dir = claim_dir(&out_root.join(info.name), &format!("{stamp}-s{}", config.seed))?;
    let config_toml = toml::to_string(&config.table).map_err(|e| io_err(&run_dir, std::io::Error::other(e)))?;
    write_atomic(&run_dir.join("config.toml"), config_toml.as_bytes())?;

    let mut ctx = ctx.with_log_file(&run_dir.join("metrics.jsonl"))?;
    let t0 = Instant::now();
    let report = lab.run(config, &mut ctx)?;
    let seconds = t0.elapsed().as_secs_f64();
    ctx.log(serde_json::json!({ "final": report.metrics }))?;

    let mut svgs = Vec::new();
    for p in report.plots() {
        let svg = p.to_svg().map_err(|message| LabError::Plot { name: p.name.clone(), message })?;
        write_atomic(&run_dir.join(format!("{}.svg", p.name)), svg.as_bytes())?;
        svgs.push(svg);
    }
    let header = RunHeader {
        lab: info.name.to_string(),
        title: info.title.to_string(),
        topic: topic.to_string(),
        run_id: run_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        seed: config.seed,
        started,
        seconds,
        versions: versions(),
        config_toml,
    };
    write_atomic(&run_dir.join("report.md"), to_markdown(&report, &header).as_bytes())?;
    write_atomic(&run_dir.join("report.html"), to_html(&report, &header, &svgs).as_bytes())?;
    Ok(Outcome { run_dir, seconds, seed: config.seed, metrics: report.metrics })
}

/// What computed the numbers: recorded in every report.
pub fn versions() -> Vec<(String, String)> {
    vec![
        ("dojo".into(), env!("CARGO_PKG_VERSION").into()),
        ("candle-core".into(), env!("DOJO_CANDLE_VERSION").into()),
        ("threads".into(), candle_core::utils::get_num_threads().to_string()),
        (
            "cpu".into(),
            format!(
                "{} {}{}",
                std::env::consts::ARCH,
                std::env::consts::OS,
                if candle_core::utils::with_avx() { ", avx" } else { "" }
            ),
        ),
    ]
}

/// Creates `parent/name`, or `parent/name-2`, `-3`, … if taken; `create_dir` fails when the
/// folder exists, so two runs started in the same second never share one.
fn claim_dir(parent: &Path, name: &str) -> Result<PathBuf, LabError> {
    std::fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
    for n in 1.. {
        let dir = if n == 1 { parent.join(name) } else { parent.join(format!("{name}-{n}")) };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_err(&dir, e)),
        }
    }
    unreachable!("1.. is unbounded")
}

/// Writes `path` whole or not at all: a temporary file in the same folder, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LabError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| io_err(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}

fn io_err(path: &Path, source: std::io::Error) -> LabError {
    LabError::Io { path: path.display().to_string(), source }
}

/// The current UTC time as (`YYYYMMDD-HHMMSS`, `YYYY-MM-DDTHH:MM:SSZ`).
fn utc_now() -> (String, String) {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
    let (h, mi, s) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    (format!("{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}"), format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"))
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`: count in 400-year eras of 146 097 days, years from March).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468; // shift the epoch to 0000-03-01
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of era, 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year from March 1, 0..=365
    let mp = (5 * doy + 2) / 153; // month from March, 0..=11
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_are_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29)); // a leap day in a year divisible by 400
        assert_eq!(civil_from_days(20_785), (2026, 11, 28));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn claimed_dirs_never_collide() {
        let root = tempfile::tempdir().unwrap();
        let a = claim_dir(root.path(), "run").unwrap();
        let b = claim_dir(root.path(), "run").unwrap();
        assert_ne!(a, b);
        assert!(b.ends_with("run-2"));
    }
}
