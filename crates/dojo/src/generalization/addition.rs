//! Multi-digit addition as a sequence task, the workhorse of length-generalization and
//! emergence experiments.
//!
//! A problem with n-digit operands is the token sequence
//!
//! ```text
//! a₁ … aₙ  +  b₁ … bₙ  =  c₀ c₁ … cₙ        (most significant digit first, zero-padded)
//! ```
//!
//! with tokens 0–9 for digits, [`PLUS`] and [`EQUALS`]; the answer c = a + b has n + 1 digits.
//! With `reversed` the answer is written least significant digit first (cₙ … c₀), the order in
//! which a carry is computed, which makes each answer digit depend only on digits already seen
//! (Lee et al. 2023, "Teaching arithmetic to small transformers"). The model is trained to
//! predict the answer tokens only; [`Batch::mask`] marks the positions whose next token is an
//! answer digit.

use crate::nn::Rng;
use crate::{Error, Result};
use candle_core::{Device, Tensor};

/// The `+` token.
pub const PLUS: u32 = 10;
/// The `=` token.
pub const EQUALS: u32 = 11;
/// Vocabulary size: ten digits, `+`, `=`.
pub const VOCAB: usize = 12;

/// Digits of `x`, most significant first, zero-padded to `width`.
fn digits(mut x: u64, width: usize) -> Vec<u32> {
    let mut d = vec![0; width];
    for slot in d.iter_mut().rev() {
        *slot = (x % 10) as u32;
        x /= 10;
    }
    d
}

/// The tokens of `a + b = c` for n-digit operands (see the module doc).
pub fn render(a: u64, b: u64, n: usize, reversed: bool) -> Vec<u32> {
    let mut t = digits(a, n);
    t.push(PLUS);
    t.extend(digits(b, n));
    t.push(EQUALS);
    let mut c = digits(a + b, n + 1);
    if reversed {
        c.reverse();
    }
    t.extend(c);
    t
}

/// A batch of problems: inputs, next-token targets and the answer mask.
#[derive(Debug)]
pub struct Batch {
    /// Tokens 0…T−1, (B, T) u32 with T = 3n + 2.
    pub input: Tensor,
    /// Tokens 1…T, (B, T) u32.
    pub target: Tensor,
    /// 1.0 where the target is an answer digit, (B, T) f32: the last n + 1 positions.
    pub mask: Tensor,
    /// Answer digits per problem, n + 1.
    pub answer_len: usize,
}

/// `count` random problems with n-digit operands (each operand uniform in 0 … 10ⁿ − 1).
///
/// # Errors
/// [`Error::Config`] for n = 0 or n > 18.
pub fn batch(count: usize, n: usize, reversed: bool, rng: &mut Rng, device: &Device) -> Result<Batch> {
    if n == 0 || n > 18 {
        return Err(Error::Config(format!("operands of 1 to 18 digits, got {n}")));
    }
    let max = 10u64.pow(n as u32);
    let seq = 3 * n + 3;
    let (mut x, mut y) = (Vec::with_capacity(count * (seq - 1)), Vec::with_capacity(count * (seq - 1)));
    for _ in 0..count {
        let (a, b) = (rng.next_u64() % max, rng.next_u64() % max);
        let t = render(a, b, n, reversed);
        x.extend_from_slice(&t[..seq - 1]);
        y.extend_from_slice(&t[1..]);
    }
    let m: Vec<f32> = (0..count).flat_map(|_| (0..seq - 1).map(|i| if i > 2 * n { 1.0 } else { 0.0 })).collect();
    Ok(Batch {
        input: Tensor::from_vec(x, (count, seq - 1), device)?,
        target: Tensor::from_vec(y, (count, seq - 1), device)?,
        mask: Tensor::from_vec(m, (count, seq - 1), device)?,
        answer_len: n + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_render_with_a_padded_answer_in_either_order() {
        assert_eq!(render(57, 68, 2, false), [5, 7, PLUS, 6, 8, EQUALS, 1, 2, 5]);
        assert_eq!(render(57, 68, 2, true), [5, 7, PLUS, 6, 8, EQUALS, 5, 2, 1]);
        assert_eq!(render(3, 4, 2, false), [0, 3, PLUS, 0, 4, EQUALS, 0, 0, 7]);
    }

    #[test]
    fn a_batch_masks_exactly_the_answer_positions() {
        let b = batch(4, 3, false, &mut Rng::new(0), &Device::Cpu).unwrap();
        assert_eq!(b.input.dims(), [4, 11]);
        let mask = b.mask.to_vec2::<f32>().unwrap();
        assert_eq!(mask[0].iter().filter(|&&m| m == 1.0).count(), 4);
        let (x, y) = (b.input.to_vec2::<u32>().unwrap(), b.target.to_vec2::<u32>().unwrap());
        for (xi, yi) in x.iter().zip(&y) {
            assert_eq!(xi[3], PLUS);
            assert_eq!(yi[6], EQUALS); // position 6 predicts `=`
            assert_eq!(&xi[1..], &yi[..10], "targets are the inputs shifted by one");
            let a = xi[0] * 100 + xi[1] * 10 + xi[2];
            let bb = xi[4] * 100 + xi[5] * 10 + xi[6];
            let c = yi[7] * 1000 + yi[8] * 100 + yi[9] * 10 + yi[10];
            assert_eq!(a + bb, c);
        }
        assert!(batch(1, 0, false, &mut Rng::new(0), &Device::Cpu).is_err());
    }
}
