//! Topic 10, architectures beyond Transformers: layers with a fixed-size state, each computed
//! in two equal forms, recurrent for generation and parallel for training, and tests that
//! prove the forms equal.
//!
//! - [`s4d`]: a diagonal state-space layer (zero-order hold; recurrence = convolution with the
//!   SSM kernel).
//! - [`linear_attention`]: causal kernelized attention (parallel form = prefix-sum recurrence).

pub mod linear_attention;
pub mod s4d;
