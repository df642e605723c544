//! Shared foundations every topic builds on.
//!
//! - [`assert_close`]: the one tensor comparison all tests use; on failure it prints the first
//!   mismatches and the largest difference.
//! - [`Rng`]: a small seeded generator; the same seed gives the same numbers on every machine.
//! - [`expect_shape`]: checks a tensor's shape and says what to fix.
//! - [`softmax`]: a numerically stable softmax from plain ops, which (unlike candle's fused
//!   `softmax_last_dim`) carries gradients.
//! - [`LayerNorm`], [`RmsNorm`]: norms from plain ops, for the same reason.
//! - [`fused`]: GELU, LayerNorm and softmax as single-pass kernels with hand-written backward
//!   passes, equal to the plain versions and what the models run.
//! - [`masked_cross_entropy`], [`masked_accuracy`]: the LM loss over the positions that count.
//! - [`Params`]: candle's `VarBuilder` over seeded variables; a weight's initial value depends
//!   only on the seed and its name.

mod close;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod fused;
mod loss;
mod norm;
mod ops;
mod params;
mod rng;
mod shape;

pub use close::{assert_close, check_close, Tolerance};
pub use loss::{masked_accuracy, masked_cross_entropy};
pub use norm::{LayerNorm, RmsNorm};
pub use ops::{softmax, softmax_last};
pub use params::Params;
pub use rng::Rng;
pub use shape::{expect_shape, Dim};
