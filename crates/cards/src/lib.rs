//! llm-dojo's study content and its scheduler.
//!
//! - [`deck`]: the card schema (`content/cards/NN_slug.toml`) and its rules;
//! - [`content`]: the twelve decks and twelve lessons, compiled in;
//! - [`schedule`]: FSRS scheduling of a rating (Again / Hard / Good / Easy);
//! - [`queue`]: what is due now, and per-topic statistics;
//! - [`interview`]: a timed mock interview mixing topics;
//! - [`anki`]: export as a text file Anki imports;
//! - [`render`]: Markdown for a terminal.
//!
//! Reviews are stored by `dojo-progress`, one transaction each. The terminal sessions live in
//! the `dojo` binary; everything they decide is here, so it is tested without a terminal.

pub mod anki;
pub mod content;
pub mod deck;
pub mod interview;
pub mod queue;
pub mod render;
pub mod schedule;

/// Why a cards operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A built-in deck does not parse.
    #[error("{0}")]
    Content(String),
    /// The FSRS scheduler refused its input.
    #[error("FSRS: {0}")]
    Fsrs(String),
    /// The progress store failed.
    #[error(transparent)]
    Progress(#[from] dojo_progress::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
