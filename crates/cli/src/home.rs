//! `$DOJO_HOME`: where the model cache and the learner's progress live.

use anyhow::{bail, Result};
use std::path::PathBuf;

/// `$DOJO_HOME` if set, else the platform's data directory joined with `llm-dojo`
/// (`~/.local/share/llm-dojo` on Linux).
pub fn dojo_home() -> Result<PathBuf> {
    if let Some(h) = std::env::var_os("DOJO_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(h));
    }
    match dirs::data_dir() {
        Some(d) => Ok(d.join("llm-dojo")),
        None => bail!("cannot find a data directory for this platform\n---> HINT: set DOJO_HOME to a writable folder"),
    }
}
