//! `dojo drill` as a new learner drives it: open a drill, fail it readably, fix it, pass, see
//! the next one; and every hard case: an infinite loop, a file that does not compile, hints,
//! solutions, resets, another workspace, and the watch loop.

use assert_cmd::Command;
use dojo_drills::Catalog;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const T0: i64 = 1_800_000_000;

fn dojo(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("dojo").unwrap();
    c.env("DOJO_HOME", dir.join("home")).env("DOJO_NOW", T0.to_string()).current_dir(dir);
    c
}

/// Runs `dojo ARGS`; (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = dojo(dir).args(args).output().unwrap();
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

fn catalog() -> Catalog {
    Catalog::builtin().unwrap()
}

fn file(dir: &Path, name: &str) -> PathBuf {
    catalog().get(name).unwrap().file_in(&dir.join("home/drills"))
}

/// The first drill with a wrong answer: the textbook softmax, which overflows.
const NAIVE_SOFTMAX: &str = "pub fn softmax(x: &[f64]) -> Vec<f64> {\n    \
    let z: f64 = x.iter().map(|v| v.exp()).sum();\n    x.iter().map(|v| v.exp() / z).collect()\n}\n";

#[test]
fn a_new_learner_opens_fails_fixes_passes_and_sees_the_next_drill() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cat = catalog();
    let first = &cat.drills[0];
    assert_eq!(first.name, "stable_softmax", "this test drives the first drill");

    let (code, out, _) = run(d, &["drill", "next"]);
    assert_eq!(code, 0);
    assert!(out.contains(&format!("Drill 1 of {}", cat.drills.len())) && out.contains(&first.asks), "{out}");
    let f = file(d, "stable_softmax");
    assert!(out.contains(&f.display().to_string()), "{out}");
    assert_eq!(std::fs::read_to_string(&f).unwrap(), first.stub);

    // The untouched stub: every test fails, saying the work is not done and where.
    let (code, out, _) = run(d, &["drill", "check"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("✗ stable_softmax: 0 of") && out.contains("not implemented yet: todo!()"), "{out}");
    assert!(out.contains("(failed the same way)"), "repeated failures are shown once: {out}");

    // A wrong answer: the failing case with its inputs and expected vs got.
    std::fs::write(&f, NAIVE_SOFTMAX).unwrap();
    let (code, out, _) = run(d, &["drill", "check"]);
    assert_eq!(code, 1);
    for part in ["✓ small_row", "✗ large_logits", "checks: logits near 1000", "x: [3] = [1000, 1001, 999]", "got NaN"]
    {
        assert!(out.contains(part), "{part:?} missing:\n{out}");
    }
    let (_, list, _) = run(d, &["drill", "list"]);
    assert!(list.lines().any(|l| l.contains("stable_softmax") && l.ends_with("failing")), "{list}");

    // Fixed: it passes, and the next drill is named.
    std::fs::write(&f, &first.solution).unwrap();
    let (code, out, _) = run(d, &["drill", "check"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("✓ stable_softmax: 6 of 6 test(s) pass"), "{out}");
    let second = &cat.drills[1];
    assert!(out.contains(&format!("Next: dojo drill next    ({}", second.name)), "{out}");
    let (_, out, _) = run(d, &["drill", "next"]);
    assert!(out.contains(&format!("Drill 2 of {}", cat.drills.len())) && out.contains(&second.title), "{out}");
    assert!(file(d, &second.name).exists());

    // Stored: the first is passed, due for re-practice in a day.
    let (_, json, _) = run(d, &["drill", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["drills"][0]["status"], "passed");
    assert_eq!(v["drills"][1]["status"], "new");
    let later = dojo(d).env("DOJO_NOW", (T0 + 86_400).to_string()).args(["drill", "list", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&later.stdout).unwrap();
    assert_eq!(v["drills"][0]["status"], "due");
}

#[test]
fn check_json_lists_every_test_with_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, &["drill", "next"]);
    std::fs::write(file(d, "stable_softmax"), NAIVE_SOFTMAX).unwrap();
    let (code, out, _) = run(d, &["drill", "check", "stable_softmax", "--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["name"].as_str(), v["passed"].as_bool()), (Some("stable_softmax"), Some(false)));
    let tests = v["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 6);
    assert_eq!((tests[0]["name"].as_str(), tests[0]["passed"].as_bool()), (Some("small_row"), Some(true)));
    assert!(tests[1]["message"].as_str().unwrap().contains("expected 0.244728, got NaN"));
}

#[test]
fn an_infinite_loop_is_stopped_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, &["drill", "next"]);
    std::fs::write(file(d, "stable_softmax"), "pub fn softmax(x: &[f64]) -> Vec<f64> { loop {} }\n").unwrap();
    let t = Instant::now();
    let (code, out, _) = run(d, &["drill", "check", "--time-limit", "2"]);
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    assert_eq!(code, 1);
    assert!(out.contains("stopped after 2 s: test small_row did not finish (an infinite loop"), "{out}");
}

#[test]
fn a_file_that_does_not_compile_shows_the_compiler_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, &["drill", "next"]);
    let f = file(d, "stable_softmax");
    std::fs::write(&f, "pub fn softmax(x: &[f64]) -> Vec<f64> { x.iter().map(|v| v.exp()) }\n").unwrap();
    let (code, out, _) = run(d, &["drill", "check"]);
    assert_eq!(code, 1);
    assert!(out.contains("✗ stable_softmax does not compile") && out.contains("mismatched types"), "{out}");
    assert!(out.contains(&f.display().to_string()), "the error names the learner's file: {out}");
    let (_, json, _) = run(d, &["drill", "check", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["compile_error"].as_str().unwrap().contains("error[E0308]"));
}

#[test]
fn hints_come_in_levels_and_solutions_wait_for_a_pass_or_a_give_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let drill = catalog().get("stable_softmax").unwrap().clone();
    let (code, _, err) = run(d, &["drill", "hint"]);
    assert!(code != 0 && err.contains("no current drill"), "{err}");
    run(d, &["drill", "next"]);
    let (_, h1, _) = run(d, &["drill", "hint"]);
    assert!(h1.contains("Hint 1 of 2") && h1.contains(&drill.hints[0]), "{h1}");
    let (_, h2, _) = run(d, &["drill", "hint"]);
    assert!(h2.contains("Hint 2 of 2") && h2.contains("last hint"), "{h2}");
    let (_, h, _) = run(d, &["drill", "hint", "--level", "1"]);
    assert!(h.contains("Hint 1 of 2"), "{h}");
    let (code, _, err) = run(d, &["drill", "hint", "--level", "9"]);
    assert!(code != 0 && err.contains("hints 1 to 2, not 9"), "{err}");

    let (code, out, err) = run(d, &["drill", "solution"]);
    assert!(code != 0 && out.is_empty() && err.contains("not solved yet"), "{err}");
    let (code, out, _) = run(d, &["drill", "solution", "--give-up"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim_end(), drill.solution.trim_end());
    let store = dojo_progress::Store::open(&d.join("home/progress.sqlite")).unwrap();
    let st = store.drill_state("stable_softmax").unwrap().unwrap();
    assert!(st.gave_up && st.hints_seen == 2, "{st:?}");
}

#[test]
fn reset_keeps_the_learners_file_and_an_unknown_drill_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(d, &["drill", "next"]);
    let f = file(d, "stable_softmax");
    std::fs::write(&f, NAIVE_SOFTMAX).unwrap();
    let (code, out, _) = run(d, &["drill", "reset", "stable_softmax"]);
    assert_eq!(code, 0);
    let bak = PathBuf::from(format!("{}.{T0}.bak", f.display()));
    assert!(out.contains(&bak.display().to_string()), "{out}");
    assert_eq!(std::fs::read_to_string(&bak).unwrap(), NAIVE_SOFTMAX);
    assert_eq!(std::fs::read_to_string(&f).unwrap(), catalog().get("stable_softmax").unwrap().stub);
    let (code, _, err) = run(d, &["drill", "check", "no_such_drill"]);
    assert!(code != 0 && err.contains("no drill \"no_such_drill\""), "{err}");
    let (code, _, err) = run(d, &["drill", "list", "--topic", "nonsense"]);
    assert!(code != 0 && err.contains("no topic"), "{err}");
}

#[test]
fn list_and_next_filter_by_topic_and_next_dir_moves_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cat = catalog();
    let (_, out, _) = run(d, &["drill", "list", "--topic", "1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = v["drills"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    let want: Vec<&str> = cat.drills.iter().filter(|x| x.topic == "transformers").map(|x| x.name.as_str()).collect();
    assert_eq!(names, want);
    let first_decoding = cat.drills.iter().find(|x| x.topic == "decoding").unwrap();
    let (code, out, _) = run(d, &["drill", "next", "--topic", "decoding"]);
    assert_eq!(code, 0);
    assert!(out.contains(&first_decoding.title) && out.contains("· decoding ·"), "{out}");
    let (code, out, _) = run(d, &["drill", "next", "--dir", "practice"]);
    assert_eq!(code, 0);
    let f = d.join("practice/01_transformers/stable_softmax.rs");
    assert!(f.exists() && out.contains(&f.display().to_string()), "{out}");
    std::fs::write(&f, &cat.drills[0].solution).unwrap();
    let (code, _, _) = run(d, &["drill", "check"]);
    assert_eq!(code, 0, "check finds the file in the remembered workspace");
}

#[test]
fn watch_rechecks_on_save_and_opens_the_next_drill_on_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cat = catalog();
    run(d, &["drill", "next"]);
    let bin = assert_cmd::cargo::cargo_bin("dojo");
    let mut child = std::process::Command::new(bin)
        .args(["drill", "watch"])
        .env("DOJO_HOME", d.join("home"))
        .env("DOJO_NOW", T0.to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut wait_for = |want: &str| {
        let mut seen = String::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            seen.push_str(&line);
            seen.push('\n');
            if line.contains(want) {
                return seen;
            }
        }
        panic!("{want:?} never came:\n{seen}");
    };
    wait_for("watching");
    std::thread::sleep(Duration::from_millis(50)); // a later modification time than the stub's
    std::fs::write(file(d, "stable_softmax"), &cat.drills[0].solution).unwrap();
    let out = wait_for("watching");
    assert!(out.contains("✓ stable_softmax: 6 of 6"), "{out}");
    assert!(out.contains(&format!("Drill 2 of {}", cat.drills.len())), "the next drill opens: {out}");
    assert!(out.contains(&format!("✗ {}", cat.drills[1].name)), "and is checked: {out}");
    writeln!(child.stdin.as_mut().unwrap(), "q").unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
}
