//! What a lab is: a typed experiment ([`Experiment`]) and the uniform face the registry and the
//! CLI use ([`Lab`]).
//!
//! A lab author writes a plain config struct (implementing [`LabConfig`]: `tiny` and `full`
//! presets, a seed, validation) and an [`Experiment`] whose `run` returns a [`Report`]. The
//! blanket `impl Lab for E` turns it into something the registry can list, configure from
//! presets, files and `--set`, and run.

use crate::config::{self, ConfigError, Overrides, Source};
use crate::context::RunContext;
use crate::report::Report;
use serde::{de::DeserializeOwned, Serialize};

/// What a listing shows about a lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabInfo {
    /// Command-line name, e.g. `"attention-cost"`.
    pub name: &'static str,
    /// Slug of its topic in `topics.toml`, e.g. `"transformers"`.
    pub topic: &'static str,
    /// Title of its report, e.g. `"The cost of naive attention"`.
    pub title: &'static str,
    /// One line on what it shows.
    pub summary: &'static str,
}

/// A lab's configuration: a plain struct, documented field by field.
///
/// `tiny` is the default and must run in about a minute or less on a 2-core laptop; `full` is the
/// real experiment. Every config has a `seed` field; the same seed gives the same numbers.
pub trait LabConfig: Serialize + DeserializeOwned {
    /// The laptop preset (also the base a config file is overlaid on).
    fn tiny() -> Self;
    /// The full-size preset.
    fn full() -> Self;
    /// The seed all of the run's randomness comes from.
    fn seed(&self) -> u64;
    /// Checks the values; the message says what to change.
    fn validate(&self) -> Result<(), String>;
}

/// A lab as its author writes it.
pub trait Experiment: Send + Sync + 'static {
    /// Its configuration.
    type Config: LabConfig;
    /// Its name, topic and title.
    const INFO: LabInfo;
    /// Runs the experiment, reporting progress and logging records through `ctx`.
    fn run(&self, config: &Self::Config, ctx: &mut RunContext<'_>) -> Result<Report, LabError>;
}

/// A configuration after presets, files and overrides, checked by the lab.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The full config as TOML, every key present (written to the run's `config.toml`).
    pub table: toml::Table,
    /// Its seed.
    pub seed: u64,
}

/// The registry's view of a lab (object safe).
pub trait Lab: Send + Sync {
    /// Name, topic and title.
    fn info(&self) -> LabInfo;
    /// The preset names, the default first.
    fn presets(&self) -> &'static [&'static str] {
        &["tiny", "full"]
    }
    /// Resolves a preset or file plus overrides into a checked config.
    fn resolve(&self, source: Source<'_>, overrides: &Overrides) -> Result<Resolved, ConfigError>;
    /// Runs with a resolved config.
    fn run(&self, config: &Resolved, ctx: &mut RunContext<'_>) -> Result<Report, LabError>;
}

/// In tests: resolves `lab`'s tiny preset with no overrides, runs it and returns the report.
#[cfg(test)]
pub(crate) fn run_tiny(lab: &dyn Lab) -> Report {
    let cfg = lab.resolve(Source::Preset("tiny"), &Overrides::default()).expect("the tiny preset resolves");
    lab.run(&cfg, &mut RunContext::new()).expect("the tiny preset runs")
}

impl<E: Experiment> Lab for E {
    fn info(&self) -> LabInfo {
        E::INFO
    }

    fn resolve(&self, source: Source<'_>, overrides: &Overrides) -> Result<Resolved, ConfigError> {
        let (preset, file) = match source {
            Source::Preset("tiny") => (E::Config::tiny(), None),
            Source::Preset("full") => (E::Config::full(), None),
            Source::Preset(other) => {
                return Err(ConfigError::UnknownPreset {
                    name: other.into(),
                    known: self.presets().iter().map(|s| s.to_string()).collect(),
                })
            }
            Source::File(path) => (E::Config::tiny(), Some(path)),
        };
        let base = toml::Table::try_from(&preset).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let table = config::resolve(base, file, overrides)?;
        let typed: E::Config =
            table.clone().try_into().map_err(|e: toml::de::Error| ConfigError::Invalid(e.message().to_string()))?;
        typed.validate().map_err(ConfigError::Invalid)?;
        // Serialize back so the recorded config is exactly what the run sees.
        let table = toml::Table::try_from(&typed).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        Ok(Resolved { table, seed: typed.seed() })
    }

    fn run(&self, config: &Resolved, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let typed: E::Config = config
            .table
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| LabError::Config(ConfigError::Invalid(e.message().to_string())))?;
        Experiment::run(self, &typed, ctx)
    }
}

/// Why a lab could not run or report.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The configuration is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The library failed.
    #[error(transparent)]
    Dojo(#[from] dojo::Error),
    /// A tensor operation failed.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
    /// A report file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A plot could not be drawn.
    #[error("cannot draw plot {name}: {message}")]
    Plot {
        /// The plot's file stem.
        name: String,
        /// What went wrong.
        message: String,
    },
}
