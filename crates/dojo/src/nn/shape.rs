//! Shape checks that say what to fix.
//!
//! `expect_shape(&q, "attention q", &[Dim::Any("B"), Dim::Any("H"), Dim::Any("T"), Dim::Is("D", 64)])`
//! returns the dims, or an [`Error::Shape`] reading
//! `attention q: expected (B, H, T, D=64), got [1, 8, 4, 32]`.

use crate::{Error, Result};
use candle_core::Tensor;

/// One expected dimension, named in the shape legend of the crate doc.
#[derive(Debug, Clone, Copy)]
pub enum Dim {
    /// Any size; the name documents it (e.g. `"B"`).
    Any(&'static str),
    /// Exactly this size (e.g. `Dim::Is("D", 64)`).
    Is(&'static str, usize),
}

/// Checks that `t` has one dimension per entry of `want`, each matching; returns the dims.
pub fn expect_shape(t: &Tensor, op: &str, want: &[Dim]) -> Result<Vec<usize>> {
    let got = t.dims();
    let ok = got.len() == want.len()
        && want.iter().zip(got).all(|(w, &g)| match *w {
            Dim::Any(_) => true,
            Dim::Is(_, n) => n == g,
        });
    if ok {
        return Ok(got.to_vec());
    }
    let names: Vec<String> = want
        .iter()
        .map(|w| match *w {
            Dim::Any(name) => name.to_string(),
            Dim::Is(name, n) => format!("{name}={n}"),
        })
        .collect();
    Err(Error::Shape { op: op.to_string(), expected: format!("({})", names.join(", ")), got: format!("{got:?}") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    #[test]
    fn returns_dims_when_they_match() {
        let t = Tensor::zeros((2, 3, 4), DType::F32, &Device::Cpu).unwrap();
        let dims = expect_shape(&t, "x", &[Dim::Any("B"), Dim::Is("T", 3), Dim::Any("C")]).unwrap();
        assert_eq!(dims, [2, 3, 4]);
    }

    #[test]
    fn message_names_the_op_the_legend_and_the_actual_shape() {
        let t = Tensor::zeros((1, 8, 4, 32), DType::F32, &Device::Cpu).unwrap();
        let want = [Dim::Any("B"), Dim::Any("H"), Dim::Any("T"), Dim::Is("D", 64)];
        let e = expect_shape(&t, "attention q", &want).unwrap_err().to_string();
        assert_eq!(e, "attention q: expected (B, H, T, D=64), got [1, 8, 4, 32]");
        let e = expect_shape(&t, "x", &want[..3]).unwrap_err().to_string();
        assert!(e.contains("expected (B, H, T)"), "wrong rank is reported too: {e}");
    }
}
