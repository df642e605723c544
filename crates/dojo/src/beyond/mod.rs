//! Topic 10, architectures beyond Transformers: layers with a fixed-size state, each computed
//! in two or more equal forms, recurrent for generation and parallel for training, and tests
//! that prove the forms equal.
//!
//! - [`s4d`]: a diagonal state-space layer (zero-order hold; recurrence = convolution with the
//!   SSM kernel).
//! - [`linear_attention`]: causal kernelized attention (parallel form = prefix-sum recurrence).
//! - [`mamba`]: the selective scan (sequential = associative = chunked) and the Mamba block,
//!   whose step-by-step generation equals its full forward pass.
//! - [`retnet`]: multi-scale retention (parallel = recurrent = chunkwise), with a decay per head
//!   and gated group norm.
//! - [`ttt`]: a test-time-training layer (TTT-Linear) whose state is a linear model trained by
//!   one gradient step per token; the dual mini-batch form equals the primal loop.
//!
//! - [`trainable`]: S4D and Mamba as candle layers with gradients, tested equal to the above;
//!   [`fused_scan`] is Mamba's scan as one operation with a hand-written, recomputing backward.
//! - [`hybrid`]: a model stacking any pattern of attention, S4D and Mamba layers (a hybrid when
//!   the pattern mixes them), for the labs that train them.
//! - [`tasks`]: selective copying and associative recall, the synthetic tasks that tell those
//!   mixers apart.
//!
//! Everything else here is f64 reference code over plain row-major `Vec<Vec<f64>>` matrices: it is
//! written to be read and to pin down the equalities, not to be fast.

pub mod fused_scan;
pub mod hybrid;
pub mod linear_attention;
pub mod mamba;
pub mod retnet;
pub mod s4d;
pub mod tasks;
pub mod trainable;
pub mod ttt;

use crate::nn::Rng;

/// A row-major matrix: `m[i][j]` is row i, column j.
pub type Mat = Vec<Vec<f64>>;

/// a · b.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The row vector x (n) times W (n × m): (m).
pub(crate) fn vec_mat(x: &[f64], w: &Mat) -> Vec<f64> {
    let mut out = vec![0.0; w.first().map_or(0, Vec::len)];
    for (xi, row) in x.iter().zip(w) {
        out.iter_mut().zip(row).for_each(|(o, wij)| *o += xi * wij);
    }
    out
}

/// Every row of x (T × n) times W (n × m): (T × m).
pub(crate) fn mat_mul(x: &Mat, w: &Mat) -> Mat {
    x.iter().map(|row| vec_mat(row, w)).collect()
}

/// An (n × m) matrix of N(0, std²) entries.
pub(crate) fn randn(rng: &mut Rng, n: usize, m: usize, std: f64) -> Mat {
    (0..n).map(|_| (0..m).map(|_| std * rng.normal()).collect()).collect()
}

/// x·σ(x), the SiLU (swish) activation.
pub(crate) fn silu(x: f64) -> f64 {
    x / (1.0 + (-x).exp())
}

/// ln(1 + eˣ), computed without overflow for large x.
pub(crate) fn softplus(x: f64) -> f64 {
    if x > 30.0 {
        x
    } else {
        x.exp().ln_1p()
    }
}

/// The largest |a − b| over two equally shaped matrices (∞ if the shapes differ).
pub fn max_abs_diff(a: &Mat, b: &Mat) -> f64 {
    if a.len() != b.len() || a.iter().zip(b).any(|(x, y)| x.len() != y.len()) {
        return f64::INFINITY;
    }
    a.iter().flatten().zip(b.iter().flatten()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}
