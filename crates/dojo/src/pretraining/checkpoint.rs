//! Checkpoints: everything a training run needs to continue as if it had never stopped.
//!
//! A checkpoint holds the parameters, AdamW's moments m and v and its step count t, and the
//! trainer's step, in one safetensors file:
//!
//! | tensor | what |
//! |---|---|
//! | `param.NAME` | the parameter `NAME` |
//! | `adam_m.NAME`, `adam_v.NAME` | its first and second moments (f32, flat) |
//! | `meta` | UTF-8 JSON bytes: `{"format": 1, "step": s, "adam_t": t}` |
//!
//! Resuming to the *same numbers* needs all of it: parameters alone would restart Adam's
//! moments at zero (a different trajectory: the bias correction would treat step s+1 as step
//! 1), and the step sets both the learning rate and which batches come next (the data of a
//! step is a function of its index, see [`super::trainer::Objective`]).
//!
//! Written atomically: to `PATH.tmp`, flushed to disk, then renamed over `PATH`. A rename
//! within one folder is atomic on POSIX file systems, so a kill at any moment leaves either the
//! previous checkpoint or the new one, never a torn file.

use super::adamw::AdamW;
use crate::{Error, Result};
use candle_core::{DType, Device, Tensor};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Checkpoint format version written into `meta`.
pub const FORMAT: u64 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct Meta {
    format: u64,
    step: usize,
    adam_t: u64,
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".tmp");
    PathBuf::from(s)
}

fn io(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::Model(format!("checkpoint {}: {what}: {e}", path.display()))
}

/// Writes the state of `opt` (its parameters and moments) at trainer step `step` to `path`.
pub fn save(path: &Path, opt: &AdamW, step: usize) -> Result<()> {
    let dev = Device::Cpu;
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    for (i, (name, var)) in opt.names().zip(opt.vars()).enumerate() {
        let (m, v) = opt.moments(i);
        tensors.insert(format!("param.{name}"), var.as_tensor().to_device(&dev)?);
        tensors.insert(format!("adam_m.{name}"), Tensor::from_slice(m, m.len(), &dev)?);
        tensors.insert(format!("adam_v.{name}"), Tensor::from_slice(v, v.len(), &dev)?);
    }
    let meta = serde_json::to_vec(&Meta { format: FORMAT, step, adam_t: opt.t() }).expect("plain struct");
    tensors.insert("meta".into(), Tensor::from_vec(meta.clone(), meta.len(), &dev)?);
    // 1) write the temp file, 2) flush it to disk, 3) rename over the old checkpoint.
    let tmp = tmp_path(path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io(path, "creating its folder", e))?;
    }
    candle_core::safetensors::save(&tensors, &tmp)?;
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| io(&tmp, "flushing", e))?;
    std::fs::rename(&tmp, path).map_err(|e| io(path, "renaming the temp file over it", e))?;
    Ok(())
}

/// Restores `opt`'s parameters and moments from `path`; returns the trainer step to continue
/// from. The checkpoint must hold exactly the same parameter names and shapes.
pub fn load(path: &Path, opt: &mut AdamW) -> Result<usize> {
    let t = candle_core::safetensors::load(path, &Device::Cpu).map_err(|e| io(path, "reading", e))?;
    let meta = t.get("meta").ok_or_else(|| io(path, "reading", "no `meta` tensor: not a dojo checkpoint"))?;
    if meta.dtype() != DType::U8 {
        return Err(io(path, "reading", "`meta` is not bytes"));
    }
    let meta: Meta = serde_json::from_slice(&meta.to_vec1::<u8>()?).map_err(|e| io(path, "parsing meta", e))?;
    if meta.format != FORMAT {
        return Err(io(path, "reading", format!("format {} (this dojo reads {FORMAT})", meta.format)));
    }
    let names: Vec<String> = opt.names().map(str::to_string).collect();
    let saved = t.keys().filter(|k| k.starts_with("param.")).count();
    if saved != names.len() {
        return Err(io(path, "matching the model", format!("it has {saved} parameters, the model {}", names.len())));
    }
    let mut moments = Vec::with_capacity(names.len());
    for (name, var) in names.iter().zip(opt.vars()) {
        let get = |prefix: &str| {
            t.get(&format!("{prefix}.{name}"))
                .ok_or_else(|| io(path, "matching the model", format!("no {prefix}.{name}")))
        };
        let p = get("param")?;
        if p.dims() != var.dims() {
            return Err(io(
                path,
                "matching the model",
                format!("{name} is {:?} there, {:?} here", p.dims(), var.dims()),
            ));
        }
        var.set(&p.to_device(var.device())?)?;
        moments.push((get("adam_m")?.to_vec1::<f32>()?, get("adam_v")?.to_vec1::<f32>()?));
    }
    opt.restore(meta.adam_t, moments)?;
    Ok(meta.step)
}
