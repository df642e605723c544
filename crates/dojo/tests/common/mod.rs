//! What the model tests share: finding the pulled model.
#![allow(clippy::print_stderr, dead_code)]

use std::path::PathBuf;

/// The pulled SmolLM2 file. Without it a test prints why and passes, except under CI (`CI`
/// set), where `.ci/run` pulls the model first and a missing one is a failure.
pub fn model_path() -> Option<PathBuf> {
    match dojo::models::resolve(&dojo::models::home().expect("home"), "smollm2") {
        Ok(p) => Some(p),
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: {e}");
            None
        }
        Err(e) => panic!("{e}"),
    }
}
