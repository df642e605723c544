//! The drill runner: coding exercises graded by hidden tests.
//!
//! - [`catalog`]: the drills (`content/drills/info.toml` and each drill's stub, hidden tests and
//!   solution), compiled into the binary or read from a folder;
//! - [`mod@check`]: grading a learner's file: it is compiled with `rustc` in a scratch crate together
//!   with the hidden tests and the grading kit (`scratch/grade.rs`), run under a time limit, and
//!   every test's result comes back with a readable message.
//!
//! Drills use only `std`, so one compiles in about a second and needs nothing but the Rust
//! toolchain that built `dojo`. Recording progress (status, hints seen, re-practice dates) is
//! the progress store's job; the `dojo drill` commands join the two.

pub mod catalog;
pub mod check;

pub use catalog::{Catalog, Drill};
pub use check::{check, Report, TestResult};

/// Why a drill operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The drill content does not follow its schema.
    #[error("drill content: {0}")]
    Content(String),
    /// No drill by that name.
    #[error("no drill {0:?}; `dojo drill list` shows them all")]
    Unknown(String),
    /// `rustc` could not be started.
    #[error("could not run {0:?} to compile the drill ({1}); drills need the Rust compiler on PATH (https://rustup.rs), or RUSTC set to it")]
    NoRustc(String, std::io::Error),
    /// A file or folder could not be read or written.
    #[error("{0}: {1}")]
    Io(std::path::PathBuf, std::io::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
