//! `dojo drill list|next|check|watch|hint|solution|reset`: the practice loop over `dojo-drills`
//! (catalog, grading) and `dojo-progress` (one transaction per check, hint or give-up).
//!
//! The learner's files live in a workspace, `$DOJO_HOME/drills` unless `dojo drill next --dir`
//! chose another (remembered); each drill is `<NN_topic>/<name>.rs` there. The drill opened last
//! is the current one, which `check`, `watch`, `hint` and `solution` use when no name is given.

use crate::cards::{now, progress_path, topic_slug};
use crate::home::dojo_home;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use dojo::curriculum::Curriculum;
use dojo_drills::{Catalog, Drill, Report};
use dojo_progress::{DrillCheck, DrillState, DrillStatus, Store};
use serde::Serialize;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

const CURRENT: &str = "drill.current";
const WORKSPACE: &str = "drill.workspace";

/// `dojo drill …`.
#[derive(Debug, Subcommand)]
pub enum DrillCommand {
    /// The drills in order, with topic, difficulty and status (new, failing, passed, due).
    List {
        /// Only this topic (slug or number).
        #[arg(long)]
        topic: Option<String>,
        /// Print `{"workspace", "drills": [{"name", "topic", "title", "difficulty", "status",
        /// "file"}]}`.
        #[arg(long)]
        json: bool,
    },
    /// Open the next unsolved drill (or one due for re-practice): writes its stub into the
    /// workspace and says what it asks.
    Next {
        /// Only this topic's drills (slug or number).
        #[arg(long)]
        topic: Option<String>,
        /// Use this folder as the drill workspace from now on.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Grade a drill: compile your file with the hidden tests and run them. Exits 1 unless all
    /// pass.
    Check {
        /// The drill (default: the current one).
        name: Option<String>,
        /// Print `{"name", "passed", "tests": [{"name", "passed", "message"}], "compile_error",
        /// "aborted", "printed"}`.
        #[arg(long)]
        json: bool,
        /// Stop the tests after this many seconds (default: the drill's limit, usually 10).
        #[arg(long)]
        time_limit: Option<u64>,
    },
    /// Re-check the current drill on every save; on a pass, open the next one. `q` + Enter quits.
    Watch {
        /// The drill (default: the current one).
        name: Option<String>,
        /// Stop each run of the tests after this many seconds.
        #[arg(long)]
        time_limit: Option<u64>,
    },
    /// Show the next hint (hints go from a nudge to nearly the answer).
    Hint {
        /// The drill (default: the current one).
        name: Option<String>,
        /// Show this level (1-based) instead of the next one.
        #[arg(long)]
        level: Option<usize>,
    },
    /// Show the reference solution: once you have passed, or with --give-up (recorded).
    Solution {
        /// The drill (default: the current one).
        name: Option<String>,
        /// Show it unsolved; this is recorded and restarts the drill's re-practice spacing.
        #[arg(long)]
        give_up: bool,
    },
    /// Put the fresh stub back; your file is kept beside it as `<name>.rs.<time>.bak`.
    Reset {
        /// The drill.
        name: String,
    },
}

/// Runs a `dojo drill` command.
pub fn run(cmd: DrillCommand) -> Result<ExitCode> {
    let catalog = Catalog::builtin()?;
    let mut store = Store::open(&progress_path()?)?;
    match cmd {
        DrillCommand::List { topic, json } => list(&catalog, &store, topic, json),
        DrillCommand::Next { topic, dir } => {
            let topic = topic.map(|t| topic_slug(&Curriculum::builtin()?, &t)).transpose()?;
            if let Some(dir) = dir {
                let dir = absolute(&dir)?;
                store.set_meta(WORKSPACE, &dir.to_string_lossy())?;
            }
            next(&catalog, &mut store, topic.as_deref()).map(|_| ExitCode::SUCCESS)
        }
        DrillCommand::Check { name, json, time_limit } => {
            let d = pick(&catalog, &store, name.as_deref())?;
            let r = check(d, &mut store, time_limit)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print_report(&catalog, &store, d, &r)?;
            }
            Ok(if r.passed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        DrillCommand::Watch { name, time_limit } => watch(&catalog, &mut store, name.as_deref(), time_limit),
        DrillCommand::Hint { name, level } => hint(pick(&catalog, &store, name.as_deref())?, &mut store, level),
        DrillCommand::Solution { name, give_up } => {
            solution(pick(&catalog, &store, name.as_deref())?, &mut store, give_up)
        }
        DrillCommand::Reset { name } => {
            let d = catalog.get(&name)?;
            let file = d.file_in(&workspace(&store)?);
            match keep_aside(&file, &d.stub)? {
                Some(bak) => println!("{}: fresh stub written; your file is kept as {}", d.name, bak.display()),
                None => println!("{}: fresh stub written to {}", d.name, file.display()),
            }
            write_stub(d, &file)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The workspace folder: the one `--dir` chose, else `$DOJO_HOME/drills`.
fn workspace(store: &Store) -> Result<PathBuf> {
    Ok(match store.meta(WORKSPACE)? {
        Some(dir) => PathBuf::from(dir),
        None => dojo_home()?.join("drills"),
    })
}

fn absolute(p: &Path) -> Result<PathBuf> {
    Ok(if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir()?.join(p) })
}

/// The named drill, or the current one.
fn pick<'a>(catalog: &'a Catalog, store: &Store, name: Option<&str>) -> Result<&'a Drill> {
    match name {
        Some(n) => Ok(catalog.get(n)?),
        None => match store.meta(CURRENT)? {
            Some(n) => Ok(catalog.get(&n)?),
            None => bail!("no current drill: run `dojo drill next` to open one, or name a drill (`dojo drill list`)"),
        },
    }
}

fn states(store: &Store) -> Result<HashMap<String, DrillState>> {
    Ok(store.drill_states()?.into_iter().collect())
}

fn status(states: &HashMap<String, DrillState>, name: &str, now: i64) -> DrillStatus {
    states.get(name).map_or(DrillStatus::New, |s| s.status(now))
}

fn stars(d: &Drill) -> String {
    "★".repeat(d.difficulty as usize)
}

#[derive(Serialize)]
struct ListJson<'a> {
    workspace: String,
    drills: Vec<DrillJson<'a>>,
}

#[derive(Serialize)]
struct DrillJson<'a> {
    name: &'a str,
    topic: &'a str,
    title: &'a str,
    difficulty: u8,
    status: &'static str,
    file: String,
}

fn list(catalog: &Catalog, store: &Store, topic: Option<String>, json: bool) -> Result<ExitCode> {
    let topic = topic.map(|t| topic_slug(&Curriculum::builtin()?, &t)).transpose()?;
    let (st, now, ws) = (states(store)?, now()?, workspace(store)?);
    let shown: Vec<&Drill> = catalog.drills.iter().filter(|d| topic.as_ref().is_none_or(|t| *t == d.topic)).collect();
    if json {
        let drills = shown
            .iter()
            .map(|d| DrillJson {
                name: &d.name,
                topic: &d.topic,
                title: &d.title,
                difficulty: d.difficulty,
                status: status(&st, &d.name, now).as_str(),
                file: d.file_in(&ws).display().to_string(),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&ListJson { workspace: ws.display().to_string(), drills })?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut count: HashMap<&str, usize> = HashMap::new();
    println!(" #  {:<32} {:<16} {:<10} status", "drill", "topic", "difficulty");
    for d in &shown {
        let i = catalog.position(&d.name).expect("from the catalog") + 1;
        let s = status(&st, &d.name, now).as_str();
        *count.entry(s).or_default() += 1;
        println!("{i:>2}  {:<32} {:<16} {:<10} {s}", d.name, d.topic, stars(d));
    }
    let summary: Vec<String> =
        ["passed", "due", "failing", "new"].iter().filter_map(|s| count.get(s).map(|n| format!("{n} {s}"))).collect();
    println!("\n{} drill(s): {}. Workspace: {}", shown.len(), summary.join(", "), ws.display());
    println!("Next: dojo drill next");
    Ok(ExitCode::SUCCESS)
}

/// The drill to practise next (of `topic`, if given): the first new or failing one in order,
/// else the first due.
fn next_drill<'a>(catalog: &'a Catalog, store: &Store, topic: Option<&str>) -> Result<Option<&'a Drill>> {
    let (st, now) = (states(store)?, now()?);
    let open = |want: &[DrillStatus]| {
        catalog
            .drills
            .iter()
            .filter(|d| topic.is_none_or(|t| t == d.topic))
            .find(|d| want.contains(&status(&st, &d.name, now)))
    };
    Ok(open(&[DrillStatus::New, DrillStatus::Failing]).or_else(|| open(&[DrillStatus::Due])))
}

fn next(catalog: &Catalog, store: &mut Store, topic: Option<&str>) -> Result<Option<PathBuf>> {
    let Some(d) = next_drill(catalog, store, topic)? else {
        let st = states(store)?;
        let soonest = st.values().filter_map(|s| s.due).min();
        let which = topic.map_or("Every drill".to_string(), |t| format!("Every {t} drill"));
        println!("{which} is passed and none is due for re-practice.");
        if let Some(due) = soonest {
            let days = (due - now()?) as f64 / 86_400.0;
            println!("The next one comes due in {days:.1} day(s). Meanwhile: dojo cards review");
        }
        return Ok(None);
    };
    let file = d.file_in(&workspace(store)?);
    let re_practice = status(&states(store)?, &d.name, now()?) == DrillStatus::Due;
    if re_practice {
        if let Some(bak) = keep_aside(&file, &d.stub)? {
            println!("(re-practice: your earlier answer is kept as {})", bak.display());
        }
        write_stub(d, &file)?;
    } else if !file.exists() {
        write_stub(d, &file)?;
    }
    store.set_meta(CURRENT, &d.name)?;
    let i = catalog.position(&d.name).expect("from the catalog") + 1;
    let what = if re_practice { "due for re-practice" } else { "next" };
    println!("Drill {i} of {} ({what}) · {} · {} · {}", catalog.drills.len(), d.topic, stars(d), d.title);
    println!("\n  {}\n", d.asks);
    println!("Your file: {}", file.display());
    println!("Edit it, then: dojo drill check    (or `dojo drill watch` to re-check on every save)");
    println!("Stuck? dojo drill hint");
    Ok(Some(file))
}

fn write_stub(d: &Drill, file: &Path) -> Result<()> {
    let dir = file.parent().expect("a file in a topic folder");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(file, &d.stub).with_context(|| format!("writing {}", file.display()))
}

/// Moves `file` to `<file>.<unix time>.bak` if it holds anything but the stub; returns where.
fn keep_aside(file: &Path, stub: &str) -> Result<Option<PathBuf>> {
    match std::fs::read_to_string(file) {
        Ok(text) if text != stub => {
            let bak = PathBuf::from(format!("{}.{}.bak", file.display(), now()?));
            std::fs::rename(file, &bak).with_context(|| format!("moving {} aside", file.display()))?;
            Ok(Some(bak))
        }
        _ => Ok(None),
    }
}

/// Grades the learner's file for `d` and records the result.
fn check(d: &Drill, store: &mut Store, time_limit: Option<u64>) -> Result<Report> {
    let file = d.file_in(&workspace(store)?);
    if !file.exists() {
        bail!(
            "no file {}: `dojo drill next` opens the next drill, `dojo drill reset {}` writes this one's stub",
            file.display(),
            d.name
        );
    }
    let scratch = dojo_drills::check::scratch_dir(&dojo_home()?.join("drills"), d);
    let limit = time_limit.map_or(d.time_limit, Duration::from_secs);
    let spinner = indicatif::ProgressBar::new_spinner().with_message(format!("compiling and testing {}", d.name));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let r = dojo_drills::check(d, &file, &scratch, limit);
    spinner.finish_and_clear();
    let r = r?;
    let passed = r.tests.iter().filter(|t| t.passed).count() as u32;
    store.record_drill_check(&DrillCheck {
        drill: d.name.clone(),
        topic: d.topic.clone(),
        at: now()?,
        tests_passed: passed,
        tests_total: r.tests.len() as u32,
        passed: r.passed,
    })?;
    Ok(r)
}

fn print_report(catalog: &Catalog, store: &Store, d: &Drill, r: &Report) -> Result<()> {
    let file = d.file_in(&workspace(store)?);
    if let Some(e) = &r.compile_error {
        println!("✗ {} does not compile ({}):\n\n{}", d.name, file.display(), e.trim_end());
        return Ok(());
    }
    let passed = r.tests.iter().filter(|t| t.passed).count();
    let mark = if r.passed { "✓" } else { "✗" };
    println!("{mark} {}: {passed} of {} test(s) pass", d.name, r.tests.len());
    // The first line of a message says what the test checks; the rest is the failure, shown
    // once when several tests fail the same way (a todo!(), say).
    let mut last_failure = "";
    for t in &r.tests {
        if t.passed {
            println!("  ✓ {}", t.name);
            continue;
        }
        let (checks, failure) = t.message.split_once('\n').unwrap_or((&t.message, ""));
        if failure == last_failure {
            println!("  ✗ {}\n      {checks}\n      (failed the same way)", t.name);
        } else {
            println!("  ✗ {}\n{}", t.name, indent(&t.message, "      "));
            last_failure = failure;
        }
    }
    if let Some(a) = &r.aborted {
        println!("\n{a}");
    }
    if !r.printed.is_empty() {
        println!("\nyour code printed:\n{}", indent(r.printed.trim_end(), "  | "));
    }
    if r.passed {
        let state = store.drill_state(&d.name)?.unwrap_or_default();
        if let Some(due) = state.due {
            let days = ((due - now()?) as f64 / 86_400.0).max(0.0);
            println!("\nPassed. Re-practice comes due in {days:.0} day(s).");
        }
        match next_drill(catalog, store, None)? {
            Some(n) => println!("Next: dojo drill next    ({}: {})", n.name, n.title),
            None => println!("That was the last open drill."),
        }
    } else {
        println!("\nEdit {} and check again; `dojo drill hint` gives a nudge.", file.display());
    }
    Ok(())
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}")).collect::<Vec<_>>().join("\n")
}

fn modified(file: &Path) -> Option<SystemTime> {
    std::fs::metadata(file).and_then(|m| m.modified()).ok()
}

/// Checks, then waits for the file to change and checks again; on a pass opens the next drill.
fn watch(catalog: &Catalog, store: &mut Store, name: Option<&str>, limit: Option<u64>) -> Result<ExitCode> {
    let mut d = pick(catalog, store, name)?;
    let (tx, quit) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            if line.map_or(true, |l| l.trim() == "q") {
                let _ = tx.send(());
                return;
            }
        }
    });
    loop {
        let file = d.file_in(&workspace(store)?);
        let r = check(d, store, limit)?;
        print_report(catalog, store, d, &r)?;
        if r.passed {
            println!();
            if next(catalog, store, None)?.is_none() {
                return Ok(ExitCode::SUCCESS);
            }
            d = pick(catalog, store, None)?;
            continue;
        }
        println!("\nwatching {} for changes (q + Enter quits)…", file.display());
        let seen = modified(&file);
        loop {
            if quit.recv_timeout(Duration::from_millis(300)).is_ok() {
                return Ok(ExitCode::SUCCESS);
            }
            if modified(&file) != seen {
                // Let the editor finish writing before compiling.
                std::thread::sleep(Duration::from_millis(100));
                break;
            }
        }
    }
}

fn hint(d: &Drill, store: &mut Store, level: Option<usize>) -> Result<ExitCode> {
    let seen = store.drill_state(&d.name)?.unwrap_or_default().hints_seen as usize;
    let n = d.hints.len();
    let level = match level {
        Some(l) if l == 0 || l > n => bail!("{} has hints 1 to {n}, not {l}", d.name),
        Some(l) => l,
        None => (seen + 1).min(n),
    };
    println!("Hint {level} of {n} for {}:\n\n  {}\n", d.name, d.hints[level - 1]);
    if level < n {
        println!("Another: dojo drill hint");
    } else {
        println!("That is the last hint. Still stuck? dojo drill solution --give-up");
    }
    store.record_drill_hint(&d.name, &d.topic, level as u32, now()?)?;
    Ok(ExitCode::SUCCESS)
}

fn solution(d: &Drill, store: &mut Store, give_up: bool) -> Result<ExitCode> {
    let state = store.drill_state(&d.name)?.unwrap_or_default();
    if state.first_passed_at.is_none() {
        if !give_up {
            bail!(
                "{} is not solved yet: pass `dojo drill check {}` first, or add --give-up to see the \
                 solution now (recorded; the drill's re-practice spacing starts again)",
                d.name,
                d.name
            );
        }
        store.record_drill_give_up(&d.name, &d.topic, now()?)?;
    }
    println!("{}", d.solution.trim_end());
    Ok(ExitCode::SUCCESS)
}

/// Drills per topic slug, for the topic map.
pub fn count_by_topic() -> Result<HashMap<String, usize>> {
    let mut n = HashMap::new();
    for d in Catalog::builtin()?.drills {
        *n.entry(d.topic).or_default() += 1;
    }
    Ok(n)
}
