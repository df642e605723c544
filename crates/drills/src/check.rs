//! Grading a learner's file.
//!
//! The scratch crate is one folder with four files:
//!
//! ```text
//! main.rs    #[path = "<the learner's file>"] mod learner; mod grade; mod hidden; fn main()
//! grade.rs   the grading kit (scratch/grade.rs)
//! hidden.rs  the drill's hidden tests
//! drill      the binary rustc builds from them
//! ```
//!
//! The learner's file is compiled where it lies, so compiler errors and panics name its real
//! path and line. The binary runs under a time limit and is killed when it passes it; it reports
//! each test on stdout (protocol in `grade::run`), so a test that hangs or crashes is named,
//! the tests before it keep their results, and whatever the learner printed is shown.

use crate::catalog::{Drill, GRADE_RS};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One hidden test's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed: what it checks, the inputs, expected vs got; empty when it passed.
    pub message: String,
}

/// The outcome of grading one file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The drill.
    pub name: String,
    /// True when it compiled and every test passed.
    pub passed: bool,
    /// Every hidden test, in order (empty when it did not compile).
    pub tests: Vec<TestResult>,
    /// rustc's errors, when the file did not compile.
    pub compile_error: Option<String>,
    /// Set when the run was stopped or crashed: what happened.
    pub aborted: Option<String>,
    /// What the learner's code printed (cut at 4 KiB).
    pub printed: String,
}

/// Compiles `learner` (a copy of the drill's stub the learner edited) with the hidden tests in
/// the scratch folder `scratch`, runs them under `limit` and reports each test.
///
/// # Errors
/// [`Error::NoRustc`] if the compiler cannot be started, [`Error::Io`] if the scratch folder
/// cannot be written. A file that does not compile, fails, hangs or crashes is a [`Report`].
pub fn check(drill: &Drill, learner: &Path, scratch: &Path, limit: Duration) -> Result<Report> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| Error::Io(p, e)
    };
    let learner = std::fs::canonicalize(learner).map_err(io(learner))?;
    std::fs::create_dir_all(scratch).map_err(io(scratch))?;
    let main = format!(
        "// Written by `dojo drill check`; rewritten on every check.\n\
         #![allow(warnings)]\n\
         #[path = {:?}]\nmod learner;\nmod grade;\nmod hidden;\n\n\
         fn main() {{\n    grade::run(hidden::TESTS);\n}}\n",
        learner.display().to_string()
    );
    for (name, text) in [("main.rs", main.as_str()), ("grade.rs", GRADE_RS), ("hidden.rs", drill.hidden.as_str())] {
        let p = scratch.join(name);
        std::fs::write(&p, text).map_err(io(&p))?;
    }
    let bin = scratch.join(if cfg!(windows) { "drill.exe" } else { "drill" });
    let _ = std::fs::remove_file(&bin);

    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .args(["--edition", "2021", "--crate-name", "drill", "--color", "never", "-C", "debuginfo=0"])
        .arg(scratch.join("main.rs"))
        .arg("-o")
        .arg(&bin)
        .output()
        .map_err(|e| Error::NoRustc(rustc.clone(), e))?;
    if !out.status.success() {
        let mut msg = String::from_utf8_lossy(&out.stderr).into_owned();
        if msg.contains("hidden.rs") {
            msg.push_str(
                "\nnote: an error in hidden.rs usually means a signature changed: the grader calls your \
                 functions exactly as the stub declares them.\n",
            );
        }
        return Ok(Report {
            name: drill.name.clone(),
            passed: false,
            tests: Vec::new(),
            compile_error: Some(msg),
            aborted: None,
            printed: String::new(),
        });
    }
    run(drill, &bin, limit)
}

/// Runs the built grader and collects its protocol lines until it exits or `limit` passes.
fn run(drill: &Drill, bin: &Path, limit: Duration) -> Result<Report> {
    let mut child = Command::new(bin)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Io(bin.to_path_buf(), e))?;
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stderr = child.stderr.take().expect("piped");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = BufReader::new(stderr).take(1 << 16).read_to_string(&mut s);
        s
    });

    let start = Instant::now();
    let mut tests = Vec::new();
    let mut running: Option<String> = None;
    let mut names: Vec<String> = Vec::new();
    let mut printed = String::new();
    let mut status = None;
    let mut timed_out = false;
    loop {
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(line) => {
                if let Some(list) = line.strip_prefix("\u{1}tests ") {
                    names = list.split('\t').filter(|n| !n.is_empty()).map(str::to_string).collect();
                } else if let Some(name) = line.strip_prefix("\u{1}start ") {
                    running = Some(name.to_string());
                } else if let Some(json) = line.strip_prefix("\u{1}result ") {
                    if let Ok(t) = serde_json::from_str::<TestResult>(json) {
                        tests.push(t);
                    }
                    running = None;
                } else if printed.len() < 4096 {
                    printed.push_str(&line);
                    printed.push('\n');
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                status = Some(child.wait().map_err(|e| Error::Io(bin.to_path_buf(), e))?);
                break;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            timed_out = true;
            break;
        }
    }
    let _ = reader.join();
    let stderr = err_reader.join().unwrap_or_default();

    let aborted = if timed_out {
        Some(format!(
            "stopped after {:.0} s: {} did not finish (an infinite loop, or a loop whose exit condition never becomes true?)",
            limit.as_secs_f64(),
            running.as_deref().map_or("the tests".to_string(), |n| format!("test {n}"))
        ))
    } else if let Some(name) = &running {
        let how = status.map_or("unknown".into(), |s| s.to_string());
        let tail: String =
            stderr.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        Some(format!(
            "the program crashed during test {name} ({how}; a stack overflow from unbounded recursion?)\n{tail}"
        ))
    } else {
        None
    };
    // Every test the grader has is listed: those that never ran fail with the reason.
    let reason = if aborted.is_some() { "did not run: the tests stopped before it" } else { "did not run" };
    for name in names {
        if !tests.iter().any(|t| t.name == name) {
            let message = match (&running, &aborted) {
                (Some(r), Some(a)) if *r == name => a.clone(),
                _ => reason.to_string(),
            };
            tests.push(TestResult { name, passed: false, message });
        }
    }
    let passed = aborted.is_none() && !tests.is_empty() && tests.iter().all(|t| t.passed);
    Ok(Report { name: drill.name.clone(), passed, tests, compile_error: None, aborted, printed })
}

/// A scratch folder for `drill` under `root` (one per drill, so checks of different drills do
/// not overwrite each other).
pub fn scratch_dir(root: &Path, drill: &Drill) -> PathBuf {
    root.join(".scratch").join(&drill.name)
}

/// The content rule for one drill: its stub compiles and fails the hidden tests, and its
/// solution compiles and passes them. Returns what is wrong, empty when it holds; `scratch` is a
/// folder it may fill.
///
/// # Errors
/// As [`check`].
pub fn prove(drill: &Drill, scratch: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    std::fs::create_dir_all(scratch).map_err(|e| Error::Io(scratch.to_path_buf(), e))?;
    for (kind, code, want_pass) in [("stub", &drill.stub, false), ("solution", &drill.solution, true)] {
        let file = scratch.join(format!("{kind}.rs"));
        std::fs::write(&file, code).map_err(|e| Error::Io(file.clone(), e))?;
        let r = check(drill, &file, &scratch.join(kind), drill.time_limit)?;
        if let Some(e) = &r.compile_error {
            problems.push(format!("{}: the {kind} does not compile:\n{e}", drill.name));
        } else if r.passed != want_pass {
            let failing: Vec<String> =
                r.tests.iter().filter(|t| !t.passed).map(|t| format!("{}: {}", t.name, t.message)).collect();
            problems.push(if want_pass {
                format!("{}: the solution fails:\n{}{}", drill.name, failing.join("\n"), r.aborted.unwrap_or_default())
            } else {
                format!("{}: the stub passes its hidden tests", drill.name)
            });
        } else if r.tests.is_empty() {
            problems.push(format!("{}: the hidden file has no tests", drill.name));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;

    /// Grades `code` as the learner's answer to `stable_softmax`.
    fn grade(code: &str, limit: Duration) -> Report {
        let dir = tempfile::tempdir().unwrap();
        let drill = drill();
        let file = dir.path().join("stable_softmax.rs");
        std::fs::write(&file, code).unwrap();
        check(&drill, &file, &dir.path().join("scratch"), limit).unwrap()
    }

    fn drill() -> Drill {
        Catalog::builtin().unwrap().get("stable_softmax").unwrap().clone()
    }

    #[test]
    fn the_stub_fails_every_test_as_not_implemented_and_the_solution_passes() {
        let d = drill();
        let stub = grade(&d.stub, DEFAULT);
        assert!(!stub.passed && stub.compile_error.is_none() && stub.aborted.is_none(), "{stub:?}");
        assert_eq!(stub.tests.len(), 6, "every test of the hidden file is reported");
        assert!(stub.tests.iter().all(|t| !t.passed && t.message.contains("not implemented yet")), "{stub:?}");
        let sol = grade(&d.solution, DEFAULT);
        assert!(sol.passed, "{sol:?}");
        assert!(sol.tests.iter().all(|t| t.passed && t.message.is_empty()));
    }

    const DEFAULT: Duration = Duration::from_secs(20);

    #[test]
    fn a_wrong_answer_shows_what_was_checked_the_inputs_and_expected_vs_got() {
        // The naive formula: right on small rows, NaN on large logits.
        let naive = "pub fn softmax(x: &[f64]) -> Vec<f64> {\n    let z: f64 = x.iter().map(|v| v.exp()).sum();\n    \
                     x.iter().map(|v| v.exp() / z).collect()\n}\n";
        let r = grade(naive, DEFAULT);
        assert!(!r.passed);
        let t = |n: &str| r.tests.iter().find(|t| t.name == n).unwrap().clone();
        assert!(t("small_row").passed);
        let large = t("large_logits");
        assert!(!large.passed);
        for part in ["checks: logits near 1000", "x: [3] = [1000, 1001, 999]", "at [0]: expected 0.244728, got NaN"] {
            assert!(large.message.contains(part), "{part:?} missing from:\n{}", large.message);
        }
    }

    #[test]
    fn a_wrong_shape_is_reported_before_values() {
        let r = grade("pub fn softmax(x: &[f64]) -> Vec<f64> { vec![1.0] }", DEFAULT);
        let m = &r.tests.iter().find(|t| t.name == "small_row").unwrap().message;
        assert!(m.contains("wrong shape: expected [4] = 4 value(s), got 1 value(s)"), "{m}");
    }

    #[test]
    fn a_compile_error_is_returned_naming_the_learners_file() {
        let r = grade("pub fn softmax(x: &[f64]) -> Vec<f64> { x.iter().map(|v| v.exp()) }", DEFAULT);
        let e = r.compile_error.expect("does not compile");
        assert!(!r.passed && r.tests.is_empty());
        assert!(e.contains("stable_softmax.rs") && e.contains("mismatched types"), "{e}");
    }

    #[test]
    fn a_changed_signature_points_at_the_stub() {
        let r = grade("pub fn softmax(x: Vec<f32>) -> Vec<f32> { x }", DEFAULT);
        let e = r.compile_error.unwrap();
        assert!(e.contains("the grader calls your functions exactly as the stub declares them"), "{e}");
    }

    #[test]
    fn an_infinite_loop_is_stopped_with_a_message_and_earlier_results_are_kept() {
        let code = "pub fn softmax(x: &[f64]) -> Vec<f64> {\n    if x.len() == 3 { loop {} }\n    \
                    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);\n    \
                    let e: Vec<f64> = x.iter().map(|v| (v - m).exp()).collect();\n    \
                    let s: f64 = e.iter().sum();\n    e.iter().map(|v| v / s).collect()\n}\n";
        let t0 = Instant::now();
        let r = grade(code, Duration::from_secs(2));
        assert!(t0.elapsed() < Duration::from_secs(15), "the runner waited {:?}", t0.elapsed());
        assert!(!r.passed);
        let a = r.aborted.clone().expect("stopped");
        assert!(a.contains("stopped after 2 s") && a.contains("large_logits"), "{a}");
        assert!(r.tests[0].passed, "small_row ran before the loop: {:?}", r.tests[0]);
        assert_eq!(r.tests.len(), 6, "the tests after the hang are listed as not run");
        assert!(r.tests[2..].iter().all(|t| t.message.contains("did not run")), "{:?}", r.tests);
    }

    #[test]
    fn a_crash_is_reported_with_the_test_it_happened_in() {
        let code = "fn deep(n: u64) -> u64 { if n == 0 { 0 } else { 1 + deep(n + 1) } }\n\
                    pub fn softmax(x: &[f64]) -> Vec<f64> { vec![deep(1) as f64; x.len()] }\n";
        let r = grade(code, DEFAULT);
        let a = r.aborted.expect("crashed");
        assert!(a.contains("crashed during test small_row"), "{a}");
    }

    #[test]
    fn a_panic_and_printed_output_are_shown() {
        let r = grade("pub fn softmax(x: &[f64]) -> Vec<f64> { println!(\"len {}\", x.len()); vec![x[9]] }", DEFAULT);
        let m = &r.tests[0].message;
        assert!(m.contains("your code panicked: index out of bounds") && m.contains("stable_softmax.rs:1"), "{m}");
        assert!(r.printed.contains("len 4"), "{:?}", r.printed);
    }

    /// The grading kit itself: a hidden file whose tests compare known values with `close`.
    #[test]
    fn the_kit_demands_exact_infinities_and_reports_the_first_nan() {
        let mut d = drill();
        d.hidden = r#"use crate::grade::*;
pub const TESTS: &[Test] = &[
    Test { name: "inf_vs_zero", checks: "a masked -inf must stay -inf", run: inf_vs_zero },
    Test { name: "inf_vs_inf", checks: "-inf equals -inf", run: inf_vs_inf },
    Test { name: "within_tol", checks: "1e-10 off passes at tol 1e-9", run: within_tol },
    Test { name: "nan_first", checks: "the first NaN is the one shown", run: nan_first },
    Test { name: "digits", checks: "close values are printed so that they differ", run: digits },
];
const NEG: f64 = f64::NEG_INFINITY;
fn inf_vs_zero() -> Outcome { Case::new().close("m", &[0.0, 0.0], &[0.0, NEG], &[2], 1e-9) }
fn inf_vs_inf() -> Outcome { Case::new().close("m", &[NEG, 1.0], &[NEG, 1.0], &[2], 0.0) }
fn within_tol() -> Outcome { Case::new().close("m", &[1.0 + 1e-10], &[1.0], &[1], 1e-9) }
fn digits() -> Outcome { Case::new().close("m", &[0.95 + 1e-8], &[0.95], &[1], 1e-12) }
fn nan_first() -> Outcome { Case::new().close("m", &[1.0, f64::NAN, f64::NAN], &[1.0, 2.0, 3.0], &[1, 3], 1e-9) }
"#
        .to_string();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("learner.rs");
        std::fs::write(&file, "").unwrap();
        let r = check(&d, &file, &dir.path().join("scratch"), DEFAULT).unwrap();
        let res: Vec<(bool, &str)> = r.tests.iter().map(|t| (t.passed, t.message.as_str())).collect();
        assert!(!res[0].0 && res[0].1.contains("at [1]: expected -inf, got 0"), "{res:?}");
        assert!(res[1].0 && res[2].0, "{res:?}");
        assert!(!res[3].0 && res[3].1.contains("at [0, 1]: expected 2, got NaN"), "{res:?}");
        assert!(res[4].1.contains("expected 9.5000000e-1, got 9.5000001e-1"), "{res:?}");
    }
}
