//! Cards, notes and mock interviews as a learner drives them: scripted keyboard input, the
//! stored schedule checked against the `fsrs` crate, a kill in mid-review, and every error path.

use assert_cmd::Command;
use dojo_progress::Store;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

const T0: i64 = 1_800_000_000; // a fixed "now", Unix seconds
const DAY: i64 = 86_400;

fn dojo(dir: &Path, now: i64) -> Command {
    let mut c = Command::cargo_bin("dojo").unwrap();
    c.env("DOJO_HOME", dir.join("home")).env("DOJO_NOW", now.to_string()).current_dir(dir);
    c
}

fn text(out: &[u8]) -> String {
    String::from_utf8(out.to_vec()).unwrap()
}

/// Runs `dojo ARGS` at time `now` with `input` on stdin; its stdout, after asserting success.
fn session(dir: &Path, now: i64, args: &[&str], input: &str) -> String {
    text(&dojo(dir, now).args(args).write_stdin(input).assert().success().get_output().stdout)
}

fn store(dir: &Path) -> Store {
    Store::open(&dir.join("home/progress.sqlite")).unwrap()
}

fn fsrs() -> fsrs::FSRS {
    fsrs::FSRS::new(&fsrs::DEFAULT_PARAMETERS).unwrap()
}

fn close(a: f64, b: f32) -> bool {
    (a - f64::from(b)).abs() < 1e-4
}

#[test]
fn a_review_session_schedules_each_rating_as_fsrs_says() {
    let dir = tempfile::tempdir().unwrap();
    // Day 0: three new cards rated Good, Again, Easy; the Again card comes back and is rated Good.
    let out = session(
        dir.path(),
        T0,
        &["cards", "review", "--topic", "transformers", "--limit", "3"],
        "\n3\n\n1\n\n4\n\n3\n",
    );
    assert!(out.contains("3 card(s) for topic transformers: 0 due for review, 3 new"), "{out}");
    assert!(out.contains("Session done: 4 rating(s) saved."), "{out}");
    let s = store(dir.path());
    let log = s.reviews().unwrap();
    assert_eq!(log.iter().map(|r| r.rating).collect::<Vec<_>>(), [3, 1, 4, 3]);
    let (good, again, easy) = (&log[0].card_id, &log[1].card_id, &log[2].card_id);
    assert_eq!(&log[3].card_id, again, "the card rated Again came back in the session");

    let f = fsrs();
    let first = f.next_states(None, 0.9, 0).unwrap();
    let g = s.card_state(good).unwrap().unwrap();
    assert!(
        close(g.stability, first.good.memory.stability) && close(g.difficulty, first.good.memory.difficulty),
        "{g:?}"
    );
    assert_eq!(g.due, T0 + (first.good.interval.round() as i64).max(1) * DAY);
    let e = s.card_state(easy).unwrap().unwrap();
    assert!(close(e.stability, first.easy.memory.stability), "{e:?}");
    // Again then Good on the same day: FSRS's state after Again, reviewed again 0 days later.
    let after_again = f.next_states(Some(first.again.memory), 0.9, 0).unwrap().good;
    let a = s.card_state(again).unwrap().unwrap();
    assert!(close(a.stability, after_again.memory.stability), "{a:?} vs {after_again:?}");
    assert_eq!((a.reps, a.lapses), (2, 0));

    // Day 2: both cards rated Good are due (the relearned one first: its interval is shorter);
    // rate the first Hard. FSRS computes from the stored state and the 2 elapsed days.
    let day2 = g.due;
    let before = s.card_states().unwrap();
    let out = session(dir.path(), day2, &["cards", "review", "--topic", "transformers", "--limit", "5"], "\n2\n");
    assert!(out.contains("5 card(s) for topic transformers: 2 due for review, 3 new"), "{out}");
    let s = store(dir.path());
    let log = s.reviews().unwrap();
    assert_eq!(log.len(), 5);
    let id = &log[4].card_id;
    assert_eq!(id, again, "most overdue first");
    let prev = before.iter().find(|(k, _)| k == id).unwrap().1;
    let elapsed = ((day2 - prev.last_review) / DAY) as u32;
    assert_eq!(elapsed, 2);
    let memory = fsrs::MemoryState { stability: prev.stability as f32, difficulty: prev.difficulty as f32 };
    let want = f.next_states(Some(memory), 0.9, elapsed).unwrap().hard;
    let now = s.card_state(id).unwrap().unwrap();
    assert!(
        close(now.stability, want.memory.stability) && close(now.difficulty, want.memory.difficulty),
        "{now:?} vs {want:?}"
    );
    assert_eq!(now.due, day2 + (want.interval.round() as i64).max(1) * DAY);
    assert_eq!((now.reps, now.lapses), (3, 0));
}

#[test]
fn killing_the_process_mid_review_keeps_every_rating_already_given() {
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("dojo");
    let mut child = std::process::Command::new(bin)
        .args(["cards", "review", "--limit", "5"])
        .env("DOJO_HOME", dir.path().join("home"))
        .env("DOJO_NOW", T0.to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Rate two cards, then wait until the third is on screen, and kill.
    stdin.write_all(b"\n3\n\n4\n").unwrap();
    stdin.flush().unwrap();
    let mut seen = 0;
    for line in lines.by_ref() {
        if line.unwrap().starts_with("[2 done") {
            seen += 1;
            break;
        }
    }
    assert_eq!(seen, 1, "the session never reached the third card");
    child.kill().unwrap();
    child.wait().unwrap();
    let v: serde_json::Value = serde_json::from_slice(
        &dojo(dir.path(), T0).args(["cards", "stats", "--json"]).assert().success().get_output().stdout,
    )
    .unwrap();
    assert_eq!(v["total"]["learned"], 2, "{v}");
    assert_eq!(store(dir.path()).reviews().unwrap().len(), 2);
}

#[test]
fn stats_before_any_review_show_every_card_new_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dojo(dir.path(), T0).args(["cards", "stats", "--json"]).assert().success().get_output().stdout.clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let topics = v["topics"].as_array().unwrap();
    assert_eq!(topics.len(), 12);
    for t in topics {
        assert!(t["cards"].as_u64().unwrap() >= 30, "{t}");
        assert_eq!(t["new"], t["cards"]);
        assert_eq!(t["retention"], serde_json::Value::Null);
    }
    assert!(!dir.path().join("home/progress.sqlite").exists());
    let table = text(&dojo(dir.path(), T0).args(["cards", "stats"]).assert().success().get_output().stdout);
    assert!(table.contains("transformers") && table.contains("generalization"), "{table}");
}

#[test]
fn a_foreign_progress_file_is_reported_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    let path = dir.path().join("home/progress.sqlite");
    std::fs::write(&path, "not a database").unwrap();
    let out =
        dojo(dir.path(), T0).args(["cards", "review"]).write_stdin("\n3\n").assert().failure().get_output().clone();
    assert!(text(&out.stderr).contains("is not a llm-dojo progress file"), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a database");
}

#[test]
fn bad_topics_and_bad_clock_values_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let e =
        text(&dojo(dir.path(), T0).args(["cards", "review", "--topic", "nope"]).assert().failure().get_output().stderr);
    assert!(e.contains("no topic \"nope\"") && e.contains("transformers"), "{e}");
    let e = text(&dojo(dir.path(), T0).args(["notes", "13"]).assert().failure().get_output().stderr);
    assert!(e.contains("no topic \"13\""), "{e}");
    let e = text(
        &dojo(dir.path(), T0).env("DOJO_NOW", "soon").args(["cards", "stats"]).assert().failure().get_output().stderr,
    );
    assert!(e.contains("DOJO_NOW"), "{e}");
    let e = text(&dojo(dir.path(), T0).args(["interview", "--minutes", "0"]).assert().failure().get_output().stderr);
    assert!(e.contains("--minutes"), "{e}");
}

#[test]
fn export_writes_one_anki_note_per_card() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deck.txt");
    let out = dojo(dir.path(), T0)
        .args(["cards", "export", "--anki"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(
        &dojo(dir.path(), T0).args(["cards", "stats", "--json"]).assert().success().get_output().stdout,
    )
    .unwrap();
    let n = v["total"]["cards"].as_u64().unwrap() as usize;
    let body = std::fs::read_to_string(&file).unwrap();
    assert_eq!(body.lines().count(), 4 + n, "{}", text(&out));
    assert!(body.lines().skip(4).all(|l| l.split('\t').count() == 3));
}

#[test]
fn notes_list_and_render_every_lesson() {
    let dir = tempfile::tempdir().unwrap();
    let list = text(&dojo(dir.path(), T0).arg("notes").assert().success().get_output().stdout);
    assert_eq!(list.lines().filter(|l| l.contains(" words)")).count(), 12, "{list}");
    for topic in ["transformers", "7", "generalization"] {
        let out = text(&dojo(dir.path(), T0).args(["notes", topic]).assert().success().get_output().stdout);
        assert!(out.starts_with("═ Topic "), "{topic}: {}", &out[..out.len().min(200)]);
        assert!(!out.contains("\x1b["), "no color when not on a terminal");
        assert!(
            out.lines().all(|l| l.chars().count() <= 88 || l.starts_with("    ") || !l.contains(' ')),
            "{topic}: a line is too wide"
        );
    }
}

#[test]
fn an_interview_scores_the_ratings_and_feeds_the_scheduler() {
    let dir = tempfile::tempdir().unwrap();
    // 6 minutes = 2 questions: Good, then Again.
    let out = session(dir.path(), T0, &["interview", "--minutes", "6", "--seed", "7"], "\n3\n\n1\n");
    assert!(out.contains("Mock interview: 2 question(s), 6 min, seed 7"), "{out}");
    assert!(out.contains("Score: 50% over 2 answered"), "{out}");
    let log = store(dir.path()).reviews().unwrap();
    assert_eq!(log.len(), 2);
    assert_ne!(log[0].topic, log[1].topic, "an interview mixes topics");
    assert!(
        out.contains(&format!("  - {} ({})", log[1].card_id, log[1].topic)),
        "the Again card is listed to revisit: {out}"
    );
    // The same seed asks the same questions.
    let dir2 = tempfile::tempdir().unwrap();
    dojo(dir2.path(), T0)
        .args(["interview", "--minutes", "6", "--seed", "7"])
        .write_stdin("\n3\n\n1\n")
        .assert()
        .success();
    let again: Vec<String> = store(dir2.path()).reviews().unwrap().into_iter().map(|r| r.card_id).collect();
    assert_eq!(again, log.iter().map(|r| r.card_id.clone()).collect::<Vec<_>>());
}

#[test]
fn the_topic_map_shows_cards_due_per_topic() {
    let dir = tempfile::tempdir().unwrap();
    dojo(dir.path(), T0)
        .args(["cards", "review", "--topic", "alignment", "--limit", "1"])
        .write_stdin("\n3\n")
        .assert()
        .success();
    let now = text(&dojo(dir.path(), T0).assert().success().get_output().stdout);
    assert!(!now.contains("card(s) due"), "nothing is due right after the review: {now}");
    let later = text(&dojo(dir.path(), T0 + 30 * DAY).assert().success().get_output().stdout);
    assert!(later.contains("1 card(s) due: dojo cards review"), "{later}");
    let row = later.lines().find(|l| l.contains("RLHF and alignment")).unwrap();
    assert!(row.trim_end().ends_with(" 1"), "{row}");
}

#[test]
fn every_lab_a_card_or_a_lesson_names_is_registered() {
    let labs: Vec<&str> = dojo_labs::LABS.iter().map(|l| l.info().name).collect();
    let mut problems = Vec::new();
    for d in dojo_cards::content::decks().unwrap() {
        for c in &d.cards {
            for s in &c.see {
                if let Ok(dojo_cards::deck::Link::Lab(name)) = dojo_cards::deck::Link::parse(s) {
                    if !labs.contains(&name) {
                        problems.push(format!("card {} links to lab {name:?}", c.id));
                    }
                }
            }
        }
        let note = dojo_cards::content::note(&d.topic).unwrap();
        for part in note.split("dojo lab run ").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            if !labs.contains(&name.as_str()) {
                problems.push(format!("the {} lesson runs lab {name:?}", d.topic));
            }
        }
    }
    assert!(problems.is_empty(), "not registered labs:\n{}", problems.join("\n"));
}
