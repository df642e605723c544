//! Symmetric (absmax) int8 quantization, one scale per row.
//!
//! Each row r gets scale_r = max_j |x_rj| / 127; then q_rj = round(x_rj / scale_r), clamped to
//! [-127, 127] (the range is symmetric: -128 is never used), and x ≈ scale_r · q_rj. The largest
//! entry of a row maps to ±127 and every entry comes back within scale_r / 2 of where it was.
//!
//! Contract: `absmax_quantize(&[vec![0.5, -1.27, 0.3]])` → `(vec![0.01], vec![vec![50, -127, 30]])`,
//! and dequantizing that gives back `[[0.5, -1.27, 0.3]]` (up to float rounding).
//! Conventions: rounding is half away from zero, as `f64::round` does (2.5 → 3, -2.5 → -3). A row
//! of zeros has scale 0 and quantizes to zeros, and dequantizes to zeros (no NaN from 0 / 0).
//! An empty row has scale 0. The result has one scale per row and q the shape of x.

/// Per-row absmax int8: `(scales [rows], q [rows, cols])`.
pub fn absmax_quantize(x: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<i8>>) {
    // TODO: per row, find max |x|, divide by 127, round each x / scale, clamp to ±127.
    todo!()
}

/// Back to reals: `scales[r] * q[r][j]`.
pub fn absmax_dequantize(scales: &[f64], q: &[Vec<i8>]) -> Vec<Vec<f64>> {
    // TODO
    todo!()
}
