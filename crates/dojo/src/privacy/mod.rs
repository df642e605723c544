//! Topic 11, security and privacy: what a model can leak about its training data, and the
//! mechanisms that bound it.
//!
//! - [`dp_sgd`]: DP-SGD's step (Poisson sampling, exact per-example gradients, clipping, noise)
//!   on a small classifier.
//! - [`rdp`]: the privacy accountant of DP-SGD (Rényi DP of the subsampled Gaussian mechanism,
//!   composed over steps, converted to (ε, δ)), in agreement with Google's dp-accounting.

pub mod dp_sgd;
pub mod rdp;
