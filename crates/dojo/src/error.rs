//! The library's error type.

/// Everything that can go wrong in the library. Messages name the operation and the shapes.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A tensor operation failed inside candle.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
    /// A tensor had the wrong shape for an operation.
    #[error("{op}: expected {expected}, got {got}")]
    Shape {
        /// The operation that checked, e.g. `"attention q"`.
        op: String,
        /// What it expected, in the shape legend, e.g. `"(B, H, T, D) = (1, 8, 4, 64)"`.
        expected: String,
        /// What it got, e.g. `"[1, 8, 4, 32]"`.
        got: String,
    },
    /// A configuration value is out of range.
    #[error("invalid config: {0}")]
    Config(String),
    /// A model or tokenizer file is unreadable, truncated, or of a kind we do not support.
    #[error("{0}")]
    Model(String),
}

/// `Result` with the library's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
