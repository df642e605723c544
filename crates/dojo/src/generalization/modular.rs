//! Modular arithmetic, the task grokking was found on (Power et al. 2022, "Grokking:
//! Generalization beyond overfitting on small algorithmic datasets").
//!
//! The whole table of a binary operation a ∘ b mod p, for a, b ∈ {0, …, p−1}, is the dataset:
//! p² equations (p(p−1) for division, which skips b = 0). A fraction of them, chosen at random,
//! is the training set and the rest is the validation set, so the only way to do well on
//! validation is to learn the operation itself, not the table.
//!
//! Each equation is the three tokens `a b =` (token p is `=`); the model predicts c at the
//! last position. Example: p = 7, (3 + 5) mod 7 = 1 is the input `[3, 5, 7]` with target 1.

use crate::{Error, Result};
use candle_core::{Device, Tensor};

/// The operation a ∘ b mod p.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// a + b.
    Add,
    /// a − b.
    Sub,
    /// a² + ab + b²: no longer a group operation, and harder to learn.
    Quadratic,
    /// a · b⁻¹ (b ≠ 0; p must be prime so every b has an inverse).
    Div,
}

impl Op {
    /// c = a ∘ b mod p, or `None` where it is undefined (division by 0).
    pub fn apply(self, a: usize, b: usize, p: usize) -> Option<usize> {
        match self {
            Op::Add => Some((a + b) % p),
            Op::Sub => Some((a + p - b) % p),
            Op::Quadratic => Some((a * a + a * b + b * b) % p),
            Op::Div => (b != 0).then(|| a * pow_mod(b, p - 2, p) % p), // Fermat: b⁻¹ = b^(p−2)
        }
    }

    /// The symbol, for reports: `+`, `−`, `a²+ab+b²`, `/`.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "−",
            Op::Quadratic => "a²+ab+b²",
            Op::Div => "/",
        }
    }
}

/// b^e mod p by repeated squaring.
fn pow_mod(mut b: usize, mut e: usize, p: usize) -> usize {
    let mut r = 1 % p;
    b %= p;
    while e > 0 {
        if e & 1 == 1 {
            r = r * b % p;
        }
        b = b * b % p;
        e >>= 1;
    }
    r
}

fn is_prime(p: usize) -> bool {
    p >= 2 && (2..).take_while(|d| d * d <= p).all(|d| p % d != 0)
}

/// One equation a ∘ b = c.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Equation {
    /// Left operand.
    pub a: usize,
    /// Right operand.
    pub b: usize,
    /// The answer.
    pub c: usize,
}

/// Every equation of the table, in the order a·p + b.
///
/// # Errors
/// [`Error::Config`] for p < 2, or a composite p with division.
pub fn table(p: usize, op: Op) -> Result<Vec<Equation>> {
    if p < 2 || (op == Op::Div && !is_prime(p)) {
        return Err(Error::Config(format!(
            "modular {op:?} needs p ≥ 2{}, got {p}",
            if op == Op::Div { " prime" } else { "" }
        )));
    }
    Ok((0..p).flat_map(|a| (0..p).filter_map(move |b| op.apply(a, b, p).map(|c| Equation { a, b, c }))).collect())
}

/// Splits the table into (train, validation): a random `frac` of the equations (rounded down)
/// for training, the rest for validation, both in table order.
///
/// # Errors
/// [`Error::Config`] unless 0 < frac < 1.
pub fn split(eqs: &[Equation], frac: f64, rng: &mut crate::nn::Rng) -> Result<(Vec<Equation>, Vec<Equation>)> {
    if !(frac > 0.0 && frac < 1.0) {
        return Err(Error::Config(format!("training fraction must be in (0, 1), got {frac}")));
    }
    let mut idx: Vec<usize> = (0..eqs.len()).collect();
    rng.shuffle(&mut idx);
    let n_train = (frac * eqs.len() as f64).floor() as usize;
    let mut train_mask = vec![false; eqs.len()];
    for &i in &idx[..n_train] {
        train_mask[i] = true;
    }
    let pick = |want: bool| eqs.iter().zip(&train_mask).filter(|(_, &m)| m == want).map(|(e, _)| *e).collect();
    Ok((pick(true), pick(false)))
}

/// The model's inputs and targets: ids `[a, b, p]` (token p is `=`) and the answers c.
///
/// # Shapes
/// → ids (N, 3) u32, targets (N,) u32
pub fn tensors(eqs: &[Equation], p: usize, device: &Device) -> Result<(Tensor, Tensor)> {
    let ids: Vec<u32> = eqs.iter().flat_map(|e| [e.a as u32, e.b as u32, p as u32]).collect();
    let targets: Vec<u32> = eqs.iter().map(|e| e.c as u32).collect();
    Ok((Tensor::from_vec(ids, (eqs.len(), 3), device)?, Tensor::from_vec(targets, eqs.len(), device)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Rng;

    #[test]
    fn the_operations_match_their_definitions() {
        let p = 7;
        assert_eq!(Op::Add.apply(3, 5, p), Some(1));
        assert_eq!(Op::Sub.apply(3, 5, p), Some(5)); // 3 − 5 = −2 ≡ 5
        assert_eq!(Op::Quadratic.apply(3, 5, p), Some((9 + 15 + 25) % 7));
        assert_eq!(Op::Div.apply(3, 0, p), None);
        for a in 0..p {
            for b in 1..p {
                let c = Op::Div.apply(a, b, p).unwrap();
                assert_eq!(c * b % p, a, "{a}/{b} = {c}");
            }
        }
    }

    #[test]
    fn the_table_and_split_cover_every_equation_once() {
        let eqs = table(11, Op::Add).unwrap();
        assert_eq!(eqs.len(), 121);
        assert_eq!(eqs[12], Equation { a: 1, b: 1, c: 2 });
        assert_eq!(table(11, Op::Div).unwrap().len(), 110);
        assert!(table(12, Op::Div).is_err() && table(1, Op::Add).is_err());
        let (tr, va) = split(&eqs, 0.3, &mut Rng::new(0)).unwrap();
        assert_eq!((tr.len(), va.len()), (36, 85)); // ⌊0.3 · 121⌋ = 36
        let mut all: Vec<_> = tr.iter().chain(&va).map(|e| e.a * 11 + e.b).collect();
        all.sort_unstable();
        assert_eq!(all, (0..121).collect::<Vec<_>>());
        assert_ne!(split(&eqs, 0.3, &mut Rng::new(1)).unwrap().0, tr, "the seed picks the split");
        assert!(split(&eqs, 1.0, &mut Rng::new(0)).is_err());
    }

    #[test]
    fn tensors_put_the_equals_token_last() {
        let (ids, y) = tensors(&[Equation { a: 3, b: 5, c: 1 }], 7, &Device::Cpu).unwrap();
        assert_eq!(ids.to_vec2::<u32>().unwrap(), [[3, 5, 7]]);
        assert_eq!(y.to_vec1::<u32>().unwrap(), [1]);
    }
}
