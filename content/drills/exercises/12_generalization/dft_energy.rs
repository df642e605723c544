//! The Fourier view of grokking (Nanda et al., 2023): a network that has grokked a + b mod p
//! writes each number a as waves cos(2πka/p), sin(2πka/p) at a few key frequencies k. Read as a
//! function of a, its embedding matrix then keeps almost all its energy in those few frequencies,
//! while a random (or memorising) embedding spreads it over all of them.
//!
//! For e of shape [p][C] (row a = the embedding of number a), take the DFT along a, per column d:
//! F[k][d] = Σ_a e[a][d] · exp(−2πi·k·a/p), k = 0 … p−1. Since e is real, |F[p−k]| = |F[k]|: k and
//! p−k together make one real wave. Energy per frequency, k = 0 … ⌊p/2⌋:
//!   S(0) = Σ_d |F[0][d]|²  (the constant part),
//!   S(k) = Σ_d (|F[k][d]|² + |F[p−k][d]|²)  for 0 < k < p/2,
//!   S(p/2) = Σ_d |F[p/2][d]|²  for even p, counted once (p − p/2 is the same index).
//! Parseval: Σ_k S(k) = p · Σ_a Σ_d e[a][d]². `top_fraction(s, n)` is the share of the
//! non-constant energy Σ_{k≥1} S(k) held by the n largest S(k) with k ≥ 1.
//!
//! Contract: `dft_energy(&[vec![1.0], vec![2.0], vec![3.0], vec![4.0]])` → [100, 16, 4]
//! (F = [10, −2+2i, −2, −2−2i]), and `top_fraction(&[100.0, 16.0, 4.0], 1)` → 16 / 20 = 0.8.
//! Conventions: p ≥ 1 rows, all of length C ≥ 1; the result has ⌊p/2⌋ + 1 entries (p = 1 gives
//! just [S(0)]). `top_fraction` never looks at s[0]; it returns 0.0 when the non-constant energy
//! is zero (e.g. s = [9, 0, 0], or s of length 1), never NaN; n = 0 gives 0.0, and n at least the
//! number of waves gives 1.0.

/// Energy per frequency S(k), k = 0 … ⌊p/2⌋, of the embedding `e: [p][C]`.
pub fn dft_energy(e: &[Vec<f64>]) -> Vec<f64> {
    // TODO: for each k compute Σ_d |F[k][d]|² (real part Σ e·cos, imaginary part −Σ e·sin);
    // pair k with p − k, except k = 0 and the Nyquist k = p/2 of an even p.
    todo!()
}

/// The share of the non-constant energy (k ≥ 1) in the `n` largest entries of `s[1..]`.
pub fn top_fraction(s: &[f64], n: usize) -> f64 {
    // TODO: drop s[0], sort the rest in decreasing order, sum the first n, divide by their total.
    todo!()
}
