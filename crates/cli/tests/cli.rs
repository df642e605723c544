//! The `dojo` command as a user meets it: listings, JSON output, and every error path.

use assert_cmd::Command;
use predicates::prelude::*;

/// `dojo` with a private `DOJO_HOME` and working directory.
fn dojo(dir: &tempfile::TempDir) -> Command {
    let mut c = Command::cargo_bin("dojo").unwrap();
    c.env("DOJO_HOME", dir.path().join("home")).current_dir(dir.path());
    c
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

#[test]
fn no_arguments_shows_the_topic_map_home_and_next_step() {
    let dir = tempfile::tempdir().unwrap();
    let out = dojo(&dir).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(" 1  Transformer architecture and variants"), "{text}");
    assert!(text.contains("12  Grokking and generalization"), "{text}");
    assert!(text.contains(&format!("home: {}", dir.path().join("home").display())), "{text}");
    assert!(text.contains("dojo lab run attention-cost"), "{text}");
}

#[test]
fn topics_json_lists_twelve_topics_with_counts_from_the_registries() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(&dojo(&dir).args(["topics", "--json"]).assert().success().get_output().stdout);
    let topics = v.as_array().unwrap();
    assert_eq!(topics.len(), 12);
    assert_eq!(topics[0]["slug"], "transformers");
    assert_eq!(topics[0]["number"], 1);
    let labs = topics[0]["labs"].as_array().unwrap();
    assert!(labs.contains(&serde_json::json!("attention-cost")), "{labs:?}");
    assert!(topics[0]["counts"]["implemented"].as_u64().unwrap() >= 1);
    assert_eq!(topics[11]["slug"], "generalization");
}

#[test]
fn topics_table_marks_implemented_concepts() {
    let dir = tempfile::tempdir().unwrap();
    dojo(&dir)
        .arg("topics")
        .assert()
        .success()
        .stdout(predicate::str::contains("✓ Scaled dot-product attention"))
        .stdout(predicate::str::contains("✓ Rotary position embedding (RoPE)"))
        .stdout(predicate::str::contains("✓ Next-token prediction objective"))
        .stdout(predicate::str::contains("✓ Instruction tuning"))
        .stdout(predicate::str::contains("· Constitutional AI"));
}

#[test]
fn lab_list_json_has_attention_cost() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(&dojo(&dir).args(["lab", "list", "--json"]).assert().success().get_output().stdout);
    let lab = v.as_array().unwrap().iter().find(|l| l["name"] == "attention-cost").expect("listed");
    assert_eq!(lab["topic"], "transformers");
    assert_eq!(lab["presets"], serde_json::json!(["tiny", "full"]));
}

#[test]
fn unknown_lab_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    dojo(&dir)
        .args(["lab", "run", "attention-cots"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("unknown lab \"attention-cots\"; known labs: attention-cost"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn unknown_set_key_lists_the_valid_keys() {
    let dir = tempfile::tempdir().unwrap();
    dojo(&dir)
        .args(["lab", "run", "attention-cost", "--set", "repeat=5"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("unknown config key \"repeat\""))
        .stderr(predicate::str::contains(
            "valid keys: batch, block, global, head_dim, heads, kernels, lengths, linformer_k, max_memory_gib, \
             min_time_ms, performer_features, repeats, seed, summary, window",
        ));
}

#[test]
fn wrongly_typed_set_value_says_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    dojo(&dir)
        .args(["lab", "run", "attention-cost", "--set", "repeats=many"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("expected an integer like 3, got string \"many\""));
}

#[test]
fn malformed_config_file_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("my.toml");
    std::fs::write(&f, "repeats = 2\nlengths = [128, 256\n").unwrap();
    dojo(&dir)
        .args(["lab", "run", "attention-cost", "--config", "my.toml"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("config file my.toml is not valid TOML"))
        .stderr(predicate::str::contains("line 2"));
    std::fs::write(&f, "repeats = 2\n\nhedas = 4\n").unwrap();
    dojo(&dir)
        .args(["lab", "run", "attention-cost", "--config", "my.toml"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("unknown config key \"hedas\" (my.toml:3)"));
}

#[test]
fn unknown_preset_or_missing_file_names_the_presets() {
    let dir = tempfile::tempdir().unwrap();
    dojo(&dir)
        .args(["lab", "run", "attention-cost", "--config", "huge"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no preset or config file named \"huge\""))
        .stderr(predicate::str::contains("presets are tiny, full"));
}

#[test]
fn invalid_config_value_is_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    dojo(&dir)
        .args(["lab", "run", "attention-cost", "--set", "lengths=[128, 65536]"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("T=65536 needs about"));
    assert!(!dir.path().join("reports").exists(), "nothing written for a refused config");
}

#[test]
fn config_file_and_overrides_reach_the_recorded_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small.toml"), "lengths = [32, 64]\nrepeats = 2\n").unwrap();
    let out = dojo(&dir)
        .args(["lab", "run", "attention-cost", "--config", "small.toml", "--set", "heads=2", "--seed", "11", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["seed"], 11);
    let run_dir = std::path::Path::new(v["run_dir"].as_str().unwrap());
    let config: toml::Table =
        std::fs::read_to_string(dir.path().join(run_dir).join("config.toml")).unwrap().parse().unwrap();
    assert_eq!(config["heads"].as_integer(), Some(2));
    assert_eq!(config["repeats"].as_integer(), Some(2));
    assert_eq!(config["seed"].as_integer(), Some(11));
    assert_eq!(config["head_dim"].as_integer(), Some(64), "omitted keys keep the tiny preset");
}

/// The first two-reference corpus case of the sacreBLEU fixture, written to files and scored by
/// the CLI, must give sacreBLEU's numbers.
#[test]
fn eval_bleu_reproduces_sacrebleu_from_files() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../dojo/fixtures/evaluation/bleu.json");
    let cases: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    let case = cases.iter().find(|c| c["name"] == "corpus 2 refs exp-13a-cased").expect("fixture case");
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, lines: &serde_json::Value| {
        let text: Vec<&str> = lines.as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        std::fs::write(dir.path().join(name), text.join("\n") + "\n").unwrap();
    };
    write("hyp.txt", &case["hyps"]);
    write("r1.txt", &case["refs"][0]);
    write("r2.txt", &case["refs"][1]);
    let out = dojo(&dir)
        .args(["eval", "bleu", "--hyp", "hyp.txt", "--ref", "r1.txt", "--ref", "r2.txt", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    let (got, want) = (v["score"].as_f64().unwrap(), case["score"].as_f64().unwrap());
    assert!((got - want).abs() < 1e-9, "cli {got} vs sacrebleu {want}");
    assert_eq!(v["sys_len"], case["sys_len"]);
    assert_eq!(v["ref_len"], case["ref_len"]);
}

#[test]
fn eval_bleu_rejects_mismatched_line_counts_and_bad_utf8() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("h.txt"), "a b\nc d\n").unwrap();
    std::fs::write(dir.path().join("r.txt"), "a b\n").unwrap();
    std::fs::write(dir.path().join("bad.txt"), b"\xff\xfe\n").unwrap();
    dojo(&dir)
        .args(["eval", "bleu", "--hyp", "h.txt", "--ref", "r.txt"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("r.txt has 1 lines but h.txt has 2"));
    dojo(&dir)
        .args(["eval", "bleu", "--hyp", "bad.txt", "--ref", "r.txt"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.txt is not valid UTF-8"));
}

/// rouge-score's per-pair values (fixture), averaged, must come out of `dojo eval rouge`.
#[test]
fn eval_rouge_averages_rouge_score_values() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../dojo/fixtures/evaluation/rouge.json");
    let cases: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    let one_line: Vec<&serde_json::Value> = cases
        .iter()
        .filter(|c| !c["target"].as_str().unwrap().contains('\n') && !c["prediction"].as_str().unwrap().contains('\n'))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let col = |k: &str| one_line.iter().map(|c| c[k].as_str().unwrap()).collect::<Vec<_>>().join("\n") + "\n";
    std::fs::write(dir.path().join("h.txt"), col("prediction")).unwrap();
    std::fs::write(dir.path().join("r.txt"), col("target")).unwrap();
    let v = json(
        &dojo(&dir)
            .args(["eval", "rouge", "--hyp", "h.txt", "--ref", "r.txt", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    for (k, i, field) in [("rouge1", 2, "f"), ("rouge2", 0, "p"), ("rougeL", 1, "r")] {
        let want = one_line.iter().map(|c| c["scores"][k][i].as_f64().unwrap()).sum::<f64>() / one_line.len() as f64;
        let got = v[k][field].as_f64().unwrap();
        assert!((got - want).abs() < 1e-12, "{k}.{field}: {got} vs {want}");
    }
}

#[test]
fn eval_squad_uses_the_best_gold_answer() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.txt"), "The Eiffel Tower\nblue\n").unwrap();
    std::fs::write(dir.path().join("g1.txt"), "Eiffel tower.\nred\n").unwrap();
    std::fs::write(dir.path().join("g2.txt"), "tower\ndark blue\n").unwrap();
    let v = json(
        &dojo(&dir)
            .args(["eval", "squad", "--hyp", "p.txt", "--ref", "g1.txt", "--ref", "g2.txt", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    // Q1: exact after normalisation (EM 1, F1 1). Q2: vs "dark blue": P 1, R 1/2, F1 2/3; EM 0.
    assert_eq!(v["exact_match"], 50.0);
    assert!((v["f1"].as_f64().unwrap() - 100.0 * (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-9);
}

#[test]
fn bench_train_reports_ours_against_candles_adamw_on_the_same_model() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(
        &dojo(&dir)
            .args(["bench", "train", "--steps", "1", "--threads", "1", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(v["threads"], 1);
    assert_eq!(v["params"], 842_496, "V 256, L 4, C 128, context 128, tied embeddings: {v}");
    for k in ["tokens_per_s", "step_ms", "speedup"] {
        assert!(v[k].as_f64().unwrap() > 0.0, "{k}: {v}");
    }
    assert_eq!(v["baseline"]["name"], "candle AdamW");
    dojo(&dir).args(["bench", "train", "--steps", "0"]).assert().failure().stderr(predicate::str::contains("--steps"));
}

#[test]
fn privacy_scrub_replaces_pii_and_reports_spans() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "Mail ana@example.com, call (415) 555-0100, version 1.2.3.\n").unwrap();
    let out = dojo(&dir).args(["privacy", "scrub", "--file"]).arg(&file).assert().success().get_output().stdout.clone();
    assert_eq!(String::from_utf8(out).unwrap(), "Mail [EMAIL], call [PHONE], version 1.2.3.\n");
    let v = json(
        &dojo(&dir).args(["privacy", "scrub", "--json", "--file"]).arg(&file).assert().success().get_output().stdout,
    );
    let kinds: Vec<&str> = v["spans"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["email", "phone"]);
    assert_eq!(v["spans"][0]["text"], "ana@example.com");
    dojo(&dir).args(["privacy", "scrub", "--file", "missing.txt"]).assert().failure();
}

#[test]
fn privacy_epsilon_reproduces_dp_accounting_and_sigma_inverts_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../dojo/fixtures/privacy/rdp.json");
    let fixture: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // q = 0.01, σ = 1.0, 100 steps, δ = 1e-8 in the dp-accounting grid.
    let case = fixture["epsilons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["q"] == 0.01 && c["sigma"] == 1.0 && c["steps"] == 100 && c["delta"] == 1e-8)
        .unwrap();
    let args = ["privacy", "epsilon", "--q", "0.01", "--sigma", "1.0", "--steps", "100", "--delta", "1e-8", "--json"];
    let v = json(&dojo(&dir).args(args).assert().success().get_output().stdout);
    let (ours, theirs) = (v["epsilon"].as_f64().unwrap(), case["epsilon"].as_f64().unwrap());
    assert!((ours - theirs).abs() < 1e-9 * theirs, "ours {ours}, dp-accounting {theirs}");
    assert_eq!(v["order"], case["order"]);

    let args = [
        "privacy",
        "sigma",
        "--q",
        "0.01",
        "--steps",
        "100",
        "--delta",
        "1e-8",
        "--epsilon",
        &ours.to_string(),
        "--json",
    ];
    let v = json(&dojo(&dir).args(args).assert().success().get_output().stdout);
    let sigma = v["sigma"].as_f64().unwrap();
    assert!((sigma - 1.0).abs() < 1e-3, "the σ that spends ε({ours}) is 1, got {sigma}");

    // Out-of-range inputs are clear errors with a non-zero exit; no noise is an infinite ε.
    let args = ["privacy", "epsilon", "--q", "2", "--sigma", "1", "--steps", "10", "--delta", "1e-5"];
    dojo(&dir).args(args).assert().failure().stderr(predicate::str::contains("sampling rate q must be in [0, 1]"));
    let args = ["privacy", "epsilon", "--q", "0.1", "--sigma", "1", "--steps", "10", "--delta", "0"];
    dojo(&dir).args(args).assert().failure().stderr(predicate::str::contains("δ must be in (0, 1)"));
    let args = ["privacy", "epsilon", "--q", "0.1", "--sigma", "0", "--steps", "10", "--delta", "1e-5", "--json"];
    let v = json(&dojo(&dir).args(args).assert().success().get_output().stdout);
    assert!(v["epsilon"].is_null(), "{v}");
}
