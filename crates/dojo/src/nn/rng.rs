//! A seeded random number generator: xoshiro256** seeded through SplitMix64.
//!
//! Source: Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2021
//! (xoshiro256**), and Steele et al. 2014 (SplitMix64, used to expand a `u64` seed into the
//! 256-bit state). Written out here so that every lab's numbers depend only on its seed, not on
//! a library version or a thread-local generator.
//! Left out on purpose: jump-ahead; [`Rng::fork`] derives independent streams instead.

use candle_core::{Device, Shape, Tensor};

/// A small, fast, seeded generator. The same seed gives the same numbers on every machine.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

/// One step of SplitMix64: advances `state` and returns a well-mixed output.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator whose whole stream is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        Self { s: [0; 4].map(|_| splitmix64(&mut sm)) }
    }

    /// An independent generator for a named sub-stream (e.g. one per layer), leaving `self`
    /// unchanged: `Rng::new(seed).fork(1)` and `.fork(2)` never share numbers in practice.
    pub fn fork(&self, stream: u64) -> Self {
        let mut sm = self.s[0] ^ self.s[3].rotate_left(17) ^ stream.wrapping_mul(0xA076_1D64_78BD_642F);
        Self { s: [0; 4].map(|_| splitmix64(&mut sm)) }
    }

    /// The next 64 random bits (xoshiro256**).
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)`, using the top 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..n` (Lemire's multiply-shift; bias below 2⁻⁶⁴·n, irrelevant here).
    ///
    /// # Panics
    /// If `n == 0`.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below(0): the range 0..0 is empty");
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Standard normal N(0, 1) by the Box–Muller transform:
    /// z = √(−2 ln u₁) · cos(2π u₂), with u₁ ∈ (0, 1].
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1], so ln is finite
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Shuffles `xs` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            xs.swap(i, self.below(i + 1));
        }
    }

    /// An f32 tensor of i.i.d. N(0, std²) entries.
    pub fn randn(&mut self, shape: impl Into<Shape>, std: f64, device: &Device) -> candle_core::Result<Tensor> {
        let shape = shape.into();
        let v: Vec<f32> = (0..shape.elem_count()).map(|_| (self.normal() * std) as f32).collect();
        Tensor::from_vec(v, shape, device)
    }

    /// An f32 tensor of i.i.d. uniform entries in `[lo, hi)`.
    pub fn rand(&mut self, shape: impl Into<Shape>, lo: f64, hi: f64, device: &Device) -> candle_core::Result<Tensor> {
        let shape = shape.into();
        let v: Vec<f32> = (0..shape.elem_count()).map(|_| (lo + (hi - lo) * self.uniform()) as f32).collect();
        Tensor::from_vec(v, shape, device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_published_first_output() {
        // SplitMix64 from state 0: the widely quoted first output 0xe220a8397b1dcdaf.
        let mut s = 0;
        assert_eq!(splitmix64(&mut s), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn xoshiro_matches_the_python_reference() {
        // Values from refs/rng.py (an independent transcription of the same algorithms).
        let mut r = Rng::new(42);
        assert_eq!(
            [r.next_u64(), r.next_u64(), r.next_u64()],
            [0x1578_0b2e_0c2e_c716, 0x6104_d986_6d11_3a7e, 0xae17_5332_39e4_99a1]
        );
    }

    #[test]
    fn same_seed_same_stream_and_forks_differ() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
        let base = Rng::new(7);
        let (mut f1, mut f2) = (base.fork(1), base.fork(2));
        assert!((0..100).any(|_| f1.next_u64() != f2.next_u64()));
    }

    #[test]
    fn moments_of_uniform_and_normal_are_right() {
        let mut r = Rng::new(1);
        let n = 200_000;
        let u: f64 = (0..n).map(|_| r.uniform()).sum::<f64>() / n as f64;
        assert!((u - 0.5).abs() < 0.005, "uniform mean {u}");
        let z: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = z.iter().sum::<f64>() / n as f64;
        let var = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // Standard error of the mean is 1/√n ≈ 0.0022; of the variance ≈ √(2/n) ≈ 0.0032.
        assert!(mean.abs() < 0.01 && (var - 1.0).abs() < 0.015, "mean {mean}, var {var}");
    }

    #[test]
    fn below_covers_the_range_evenly() {
        let mut r = Rng::new(3);
        let mut counts = [0usize; 6];
        for _ in 0..60_000 {
            counts[r.below(6)] += 1;
        }
        // Each count is ~Binomial(60000, 1/6): mean 10000, sd ≈ 91.
        assert!(counts.iter().all(|&c| (9_600..10_400).contains(&c)), "{counts:?}");
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut xs: Vec<usize> = (0..50).collect();
        Rng::new(5).shuffle(&mut xs);
        assert_ne!(xs, (0..50).collect::<Vec<_>>());
        xs.sort();
        assert_eq!(xs, (0..50).collect::<Vec<_>>());
    }
}
