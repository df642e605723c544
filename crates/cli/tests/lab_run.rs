//! `dojo lab run attention-cost --config tiny --json`, end to end. In its own test binary so
//! nothing else runs while it times attention.

use assert_cmd::Command;

#[test]
fn attention_cost_tiny_writes_a_report_showing_quadratic_time_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("dojo")
        .unwrap()
        .env("DOJO_HOME", dir.path().join("home"))
        .current_dir(dir.path())
        .args(["lab", "run", "attention-cost", "--config", "tiny", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.trim().lines().count(), 1, "exactly one JSON object: {stdout}");
    assert!(out.stderr.is_empty(), "no progress bar with --json: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for key in ["lab", "run_dir", "seconds", "seed", "metrics"] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["lab"], "attention-cost");
    assert_eq!(v["seed"], 0);

    let run_dir = dir.path().join(v["run_dir"].as_str().unwrap());
    for f in ["report.md", "report.html", "metrics.jsonl", "config.toml", "time.svg", "memory.svg"] {
        assert!(run_dir.join(f).is_file(), "{f} missing in {}", run_dir.display());
    }
    let records: Vec<serde_json::Value> = std::fs::read_to_string(run_dir.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 5 * 5 + 1, "one record per kernel and length (128..2048), then the final line");
    let html = std::fs::read_to_string(run_dir.join("report.html")).unwrap();
    assert_eq!(html.matches("<figure><svg").count(), 2, "both plots inlined");

    // The effect the lab teaches: both slopes near 2 for naive attention.
    let m = &v["metrics"];
    let time_slope = m["time_slope"].as_f64().unwrap();
    let memory_slope = m["memory_slope"].as_f64().unwrap();
    assert!((1.5..=2.5).contains(&time_slope), "time slope {time_slope}");
    assert!((1.5..=2.5).contains(&memory_slope), "memory slope {memory_slope}");
    // And the peak holds several score matrices, at least the one it must.
    assert!(m["score_matrices_at_peak"].as_f64().unwrap() >= 1.0);
    // The linear-cost kernels grow about linearly.
    for k in ["linformer", "performer", "sliding_window"] {
        let s = m[format!("{k}_time_slope")].as_f64().unwrap();
        assert!((0.5..=1.5).contains(&s), "{k} time slope {s}");
    }
}
