//! `assert_close`: compare two tensors elementwise within a tolerance.
//!
//! An element passes when `|actual − expected| ≤ atol + rtol · |expected|` (NumPy's `allclose`
//! rule). NaN matches only NaN, and ±∞ only the same infinity. On failure the message shows the
//! shapes, the first mismatches with their multi-index, and the largest difference, which is what
//! you need to tell a sign error from a summation-order wobble.

use candle_core::{DType, Tensor};
use std::fmt;

/// How close two numbers must be: `|a − e| ≤ atol + rtol · |e|`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Absolute part, e.g. `1e-5` for f32 forward passes.
    pub atol: f64,
    /// Relative part, e.g. `1e-4`.
    pub rtol: f64,
}

impl Tolerance {
    /// The default for f32 references (DESIGN: absolute 1e-5 plus relative 1e-4).
    pub const F32: Tolerance = Tolerance { atol: 1e-5, rtol: 1e-4 };

    /// A tolerance with both parts given.
    pub fn new(atol: f64, rtol: f64) -> Self {
        Self { atol, rtol }
    }

    fn accepts(&self, a: f64, e: f64) -> bool {
        if a.is_nan() || e.is_nan() {
            return a.is_nan() && e.is_nan();
        }
        if a.is_infinite() || e.is_infinite() {
            return a == e;
        }
        (a - e).abs() <= self.atol + self.rtol * e.abs()
    }
}

/// Why two tensors are not close; its `Display` is the test failure message.
#[derive(Debug, Clone)]
pub struct Mismatch(String);

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Compares `actual` with `expected`; `Err` describes the first mismatches and the largest one.
pub fn check_close(actual: &Tensor, expected: &Tensor, tol: Tolerance) -> Result<(), Mismatch> {
    let (sa, se) = (actual.dims().to_vec(), expected.dims().to_vec());
    if sa != se {
        return Err(Mismatch(format!("shape mismatch: actual {sa:?}, expected {se:?}")));
    }
    let flat = |t: &Tensor| -> Result<Vec<f64>, Mismatch> {
        t.to_dtype(DType::F64)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f64>())
            .map_err(|e| Mismatch(format!("cannot read tensor: {e}")))
    };
    let (a, e) = (flat(actual)?, flat(expected)?);

    const SHOW: usize = 5;
    let mut bad = 0usize;
    let mut lines = Vec::new();
    // (index, |difference|) of the largest finite difference among the failures.
    let mut worst: Option<(usize, f64)> = None;
    for (i, (&x, &y)) in a.iter().zip(&e).enumerate() {
        if tol.accepts(x, y) {
            continue;
        }
        bad += 1;
        if lines.len() < SHOW {
            lines.push(format!("  at {:?}: actual {x:.8e}, expected {y:.8e}", unravel(i, &sa)));
        }
        let d = (x - y).abs();
        if worst.is_none_or(|(_, w)| d > w || w.is_nan()) {
            worst = Some((i, d));
        }
    }
    if bad == 0 {
        return Ok(());
    }
    let (wi, wd) = worst.expect("a failure was counted");
    Err(Mismatch(format!(
        "tensors differ (atol {:e}, rtol {:e}): {bad} of {} elements out of tolerance, shape {sa:?}\n\
         first mismatches:\n{}\n\
         largest difference {wd:.3e} at {:?}: actual {:.8e}, expected {:.8e}",
        tol.atol,
        tol.rtol,
        a.len(),
        lines.join("\n"),
        unravel(wi, &sa),
        a[wi],
        e[wi],
    )))
}

/// Panics with [`check_close`]'s message unless `actual` is close to `expected`.
#[track_caller]
pub fn assert_close(actual: &Tensor, expected: &Tensor, tol: Tolerance) {
    if let Err(m) = check_close(actual, expected, tol) {
        panic!("{m}");
    }
}

/// The multi-index of flat position `i` in a row-major tensor of shape `dims`.
fn unravel(mut i: usize, dims: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; dims.len()];
    for (k, &d) in dims.iter().enumerate().rev() {
        idx[k] = i % d.max(1);
        i /= d.max(1);
    }
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn t(v: &[f32], shape: &[usize]) -> Tensor {
        Tensor::from_slice(v, shape, &Device::Cpu).unwrap()
    }

    #[test]
    fn accepts_within_tolerance() {
        // |1.00001 − 1| = 1e-5 ≤ 1e-5 + 1e-4·1
        let a = t(&[1.00001, 2.0], &[2]);
        let e = t(&[1.0, 2.0], &[2]);
        assert!(check_close(&a, &e, Tolerance::F32).is_ok());
    }

    #[test]
    fn reports_first_mismatch_index_and_largest_difference() {
        let a = t(&[0.0, 1.0, 2.5, 3.0, 9.0, 5.0], &[2, 3]);
        let e = t(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]);
        let m = check_close(&a, &e, Tolerance::F32).unwrap_err().to_string();
        assert!(m.contains("2 of 6 elements"), "{m}");
        assert!(m.contains("at [0, 2]: actual 2.5"), "{m}");
        assert!(m.contains("largest difference 5.000e0 at [1, 1]"), "{m}");
    }

    #[test]
    fn shape_mismatch_is_reported_before_values() {
        let m = check_close(&t(&[1.0, 2.0], &[2]), &t(&[1.0, 2.0], &[1, 2]), Tolerance::F32).unwrap_err().to_string();
        assert!(m.contains("shape mismatch: actual [2], expected [1, 2]"), "{m}");
    }

    #[test]
    fn nan_matches_only_nan_and_infinity_only_itself() {
        let tol = Tolerance::F32;
        assert!(check_close(&t(&[f32::NAN], &[1]), &t(&[f32::NAN], &[1]), tol).is_ok());
        assert!(check_close(&t(&[f32::NAN], &[1]), &t(&[0.0], &[1]), tol).is_err());
        assert!(check_close(&t(&[f32::INFINITY], &[1]), &t(&[f32::INFINITY], &[1]), tol).is_ok());
        assert!(check_close(&t(&[f32::INFINITY], &[1]), &t(&[f32::NEG_INFINITY], &[1]), tol).is_err());
    }

    #[test]
    #[should_panic(expected = "largest difference")]
    fn assert_close_panics_with_the_report() {
        assert_close(&t(&[1.0], &[1]), &t(&[2.0], &[1]), Tolerance::F32);
    }
}
