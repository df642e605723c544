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

/// The place value of each token of [`render`]`(a, b, n, reversed)`: 1 for a units digit,
/// 2 for tens, …, n + 1 for the answer's leading digit, and 0 for `+` and `=`.
///
/// What an Abacus embedding (McLeish et al. 2024) indexes: it tells every digit which column
/// it belongs to, so the model can line up digits of the same place by content instead of by
/// counting positions, a rule that does not depend on n.
pub fn places(n: usize, reversed: bool) -> Vec<u32> {
    let operand = (1..=n as u32).rev(); // most significant first
    let mut answer: Vec<u32> = (1..=n as u32 + 1).rev().collect();
    if reversed {
        answer.reverse();
    }
    operand.clone().chain([0]).chain(operand).chain([0]).chain(answer).collect()
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
    check_digits(n)?;
    let max = 10u64.pow(n as u32);
    let problems: Vec<(u64, u64)> = (0..count).map(|_| (rng.next_u64() % max, rng.next_u64() % max)).collect();
    batch_of(&problems, n, reversed, device)
}

fn check_digits(n: usize) -> Result<()> {
    if n == 0 || n > 18 {
        return Err(Error::Config(format!("operands of 1 to 18 digits, got {n}")));
    }
    Ok(())
}

/// The batch of the given problems (a, b), each operand below 10ⁿ.
///
/// # Errors
/// [`Error::Config`] for n outside 1 … 18 or an operand with more than n digits.
pub fn batch_of(problems: &[(u64, u64)], n: usize, reversed: bool, device: &Device) -> Result<Batch> {
    check_digits(n)?;
    let max = 10u64.pow(n as u32);
    let seq = 3 * n + 3;
    let count = problems.len();
    let (mut x, mut y) = (Vec::with_capacity(count * (seq - 1)), Vec::with_capacity(count * (seq - 1)));
    for &(a, b) in problems {
        if a >= max || b >= max {
            return Err(Error::Config(format!("{a} + {b} has an operand longer than {n} digits")));
        }
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

/// The longest distance a carry travels in a + b: a run of digit positions that each send a
/// carry to the next, the lowest one generating it (aᵢ + bᵢ ≥ 10) and the rest passing it on
/// (aᵢ + bᵢ = 9). 0 when nothing carries; 999 + 1 has 3.
///
/// Writing the answer most significant digit first, the model must know the carry into a
/// digit before writing it, and a run of k positions makes that depend on a digit k places
/// further down. In random problems each position passes a carry on with probability 1/10, so
/// long runs are rare in training: a test made of them is a shift in distribution at the same
/// length.
pub fn carry_chain(a: u64, b: u64) -> usize {
    let (mut a, mut b) = (a, b);
    let (mut run, mut best) = (0, 0); // run: positions the current carry has come through
    while a > 0 || b > 0 {
        run = match a % 10 + b % 10 {
            s if s >= 10 => 1,       // generates a carry of its own: the lower digits no longer matter
            9 if run > 0 => run + 1, // passes the incoming carry on
            _ => 0,                  // absorbs it, or there was none
        };
        best = best.max(run);
        a /= 10;
        b /= 10;
    }
    best
}

/// A problem with n-digit operands whose longest carry run ([`carry_chain`]) is exactly k,
/// drawn by rejection: the run is planted at a random place, the other digits are uniform.
///
/// # Errors
/// [`Error::Config`] for n outside 1 … 18 or k > n.
pub fn with_carry_chain(n: usize, k: usize, rng: &mut Rng) -> Result<(u64, u64)> {
    check_digits(n)?;
    if k > n {
        return Err(Error::Config(format!("a carry run of {k} does not fit in {n} digits")));
    }
    loop {
        let (mut a, mut b): (Vec<u64>, Vec<u64>) = (0..n).map(|_| (rng.next_u64() % 10, rng.next_u64() % 10)).unzip();
        if k > 0 {
            let start = (rng.next_u64() % (n - k + 1) as u64) as usize; // index from the least significant digit
            a[start] = 1 + rng.next_u64() % 9; // generate: a + b ≥ 10
            b[start] = 10 - a[start] + rng.next_u64() % a[start];
            for i in start + 1..start + k {
                a[i] = rng.next_u64() % 10; // propagate: a + b = 9
                b[i] = 9 - a[i];
            }
        }
        let value = |d: &[u64]| d.iter().rev().fold(0, |v, &x| v * 10 + x);
        let (a, b) = (value(&a), value(&b));
        if carry_chain(a, b) == k {
            return Ok((a, b));
        }
    }
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
    fn places_are_the_column_of_each_digit() {
        assert_eq!(places(2, false), [2, 1, 0, 2, 1, 0, 3, 2, 1]);
        assert_eq!(places(2, true), [2, 1, 0, 2, 1, 0, 1, 2, 3]);
        // the digit at place p of the answer is the sum's p-th digit from the right
        let (t, p) = (render(907, 95, 3, true), places(3, true));
        let sum: u32 = t[8..].iter().zip(&p[8..]).map(|(d, &pl)| d * 10u32.pow(pl - 1)).sum();
        assert_eq!(sum, 1002);
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
        assert!(batch_of(&[(100, 1)], 2, false, &Device::Cpu).is_err());
    }

    #[test]
    fn carry_chains_count_the_digits_a_carry_crosses() {
        assert_eq!(carry_chain(123, 456), 0);
        assert_eq!(carry_chain(999, 1), 3);
        assert_eq!(carry_chain(15, 5), 1); // 5 + 5 carries; 1 + 0 + 1 = 2 does not
        assert_eq!(carry_chain(95, 5), 2);
        assert_eq!(carry_chain(9595, 5005), 2); // a run of two, a break, a run of one
        assert_eq!(carry_chain(5959, 5151), 1); // every position generates: no carry depends on a lower one
        assert_eq!(carry_chain(909, 1), 1); // the 9 in the hundreds gets no carry to pass on
        let mut rng = Rng::new(7);
        for k in 0..=5 {
            for _ in 0..20 {
                let (a, b) = with_carry_chain(5, k, &mut rng).unwrap();
                assert!(a < 100_000 && b < 100_000);
                assert_eq!(carry_chain(a, b), k, "{a} + {b}");
            }
        }
        assert!(with_carry_chain(3, 4, &mut rng).is_err());
    }
}
