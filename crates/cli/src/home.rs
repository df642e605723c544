//! `$DOJO_HOME`: where the model cache and the learner's progress live.

use anyhow::Result;
use std::path::PathBuf;

/// `$DOJO_HOME` if set, else `<platform data dir>/llm-dojo` (see [`dojo::models::home`]).
pub fn dojo_home() -> Result<PathBuf> {
    Ok(dojo::models::home()?)
}
