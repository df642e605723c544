//! What a running lab can reach: progress reporting, the memory meter, and the metrics log.
//!
//! The library never prints. A lab reports progress through [`RunContext::progress`], which the
//! CLI turns into a progress bar, and logs records (one JSON object per measurement or step)
//! through [`RunContext::log`], which appends them to the run's `metrics.jsonl` as they happen,
//! so a run killed halfway keeps what it measured.

use crate::lab::LabError;
use dojo_meter::CountingAlloc;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One progress update: `done` of `total` units, with a short message.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'m> {
    /// Units finished.
    pub done: u64,
    /// Units in all.
    pub total: u64,
    /// What is happening now, e.g. `"T=1024"`.
    pub message: &'m str,
}

/// The handle a lab's `run` receives.
pub struct RunContext<'a> {
    meter: Option<&'a CountingAlloc>,
    on_progress: Box<dyn FnMut(Progress<'_>) + 'a>,
    records: Vec<serde_json::Value>,
    log_file: Option<(PathBuf, File)>,
}

impl Default for RunContext<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> RunContext<'a> {
    /// A context with no meter, no progress display and an in-memory log.
    pub fn new() -> Self {
        Self { meter: None, on_progress: Box::new(|_| {}), records: Vec::new(), log_file: None }
    }

    /// Measures memory with `meter` (the binary's global allocator).
    pub fn with_meter(mut self, meter: &'a CountingAlloc) -> Self {
        self.meter = Some(meter);
        self
    }

    /// Sends progress updates to `f`.
    pub fn with_progress(mut self, f: impl FnMut(Progress<'_>) + 'a) -> Self {
        self.on_progress = Box::new(f);
        self
    }

    /// Appends every logged record to `path` (created or truncated now), one JSON object a line.
    pub fn with_log_file(mut self, path: &Path) -> Result<Self, LabError> {
        let file = File::create(path).map_err(|source| LabError::Io { path: path.display().to_string(), source })?;
        self.log_file = Some((path.to_path_buf(), file));
        Ok(self)
    }

    /// Reports progress.
    pub fn progress(&mut self, done: u64, total: u64, message: &str) {
        (self.on_progress)(Progress { done, total, message });
    }

    /// The memory meter, when the binary installed one.
    pub fn meter(&self) -> Option<&'a CountingAlloc> {
        self.meter
    }

    /// Records one measurement; written through to `metrics.jsonl` immediately.
    pub fn log(&mut self, record: serde_json::Value) -> Result<(), LabError> {
        if let Some((path, file)) = &mut self.log_file {
            writeln!(file, "{record}")
                .and_then(|_| file.flush())
                .map_err(|source| LabError::Io { path: path.display().to_string(), source })?;
        }
        self.records.push(record);
        Ok(())
    }

    /// Everything logged so far.
    pub fn records(&self) -> &[serde_json::Value] {
        &self.records
    }
}
