//! The Fourier view of a grokked model (Nanda et al. 2023): to compute a + b mod p the network
//! represents each number a by waves cos(2πka/p), sin(2πka/p) for a few key frequencies k and
//! adds angles with trigonometric identities. So after grokking the token embeddings, seen as
//! functions of the number a, are made of a few frequencies; at initialization (random) every
//! frequency carries about the same energy.
//!
//! For an embedding matrix E of shape `[p][C]` (row a = the embedding of number a), the discrete
//! Fourier transform along the numbers, per embedding dimension d, is
//!
//! ```text
//! F[k][d] = Σₐ E[a][d] · e^(−2πi·k·a/p),   k = 0 … p−1
//! ```
//!
//! E is real, so |F\[k\]| = |F\[p−k\]|: frequencies k and p−k are one wave. [`spectrum`] returns
//! the energy of each wave,
//!
//! ```text
//! S(0) = Σ_d |F[0][d]|²                              (the constant part)
//! S(k) = Σ_d |F[k][d]|² + |F[p−k][d]|²,  1 ≤ k < p/2
//! S(p/2) = Σ_d |F[p/2][d]|²                          (even p: counted once)
//! ```
//!
//! and by Parseval Σₖ S(k) = p · Σₐ Σ_d E²: all the energy is accounted for. [`top_fraction`]
//! is the share of the non-constant energy in the n strongest waves.

/// Energy per frequency, index k = 0 … ⌊p/2⌋ (see the module doc). `e` is `[p][C]`.
pub fn spectrum(e: &[Vec<f64>]) -> Vec<f64> {
    let p = e.len();
    let c = e.first().map_or(0, Vec::len);
    let power = |k: usize| -> f64 {
        let mut s = 0.0;
        for d in 0..c {
            let (mut re, mut im) = (0.0, 0.0);
            for (a, row) in e.iter().enumerate() {
                let angle = -2.0 * std::f64::consts::PI * ((k * a) % p) as f64 / p as f64;
                re += row[d] * angle.cos();
                im += row[d] * angle.sin();
            }
            s += re * re + im * im; // |F[k][d]|²
        }
        s
    };
    (0..=p / 2).map(|k| if k == 0 || 2 * k == p { power(k) } else { 2.0 * power(k) }).collect()
}

/// The share of non-constant energy (k ≥ 1) in the `n` largest waves; 0 if there is none.
pub fn top_fraction(spectrum: &[f64], n: usize) -> f64 {
    let mut waves: Vec<f64> = spectrum.iter().skip(1).copied().collect();
    let total: f64 = waves.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    waves.sort_by(|a, b| b.total_cmp(a));
    waves.iter().take(n).sum::<f64>() / total
}

/// The `n` frequencies with the most energy (k ≥ 1), strongest first.
pub fn key_frequencies(spectrum: &[f64], n: usize) -> Vec<usize> {
    let mut ks: Vec<usize> = (1..spectrum.len()).collect();
    ks.sort_by(|&a, &b| spectrum[b].total_cmp(&spectrum[a]));
    ks.truncate(n);
    ks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Rng;
    use std::f64::consts::PI;

    #[test]
    fn a_pure_wave_has_all_its_energy_at_its_frequency() {
        let p = 13;
        // Two dimensions: cos and sin of frequency 3, plus a constant offset in the first.
        let e: Vec<Vec<f64>> = (0..p)
            .map(|a| {
                vec![1.5 + (2.0 * PI * 3.0 * a as f64 / p as f64).cos(), (2.0 * PI * 3.0 * a as f64 / p as f64).sin()]
            })
            .collect();
        let s = spectrum(&e);
        assert_eq!(s.len(), 7);
        // F[0] of the constant 1.5 over 13 numbers is 19.5; the wave puts p²/4 into k and p−k for each of 2 dims.
        assert!((s[0] - 19.5f64.powi(2)).abs() < 1e-9, "{s:?}");
        assert!((s[3] - p as f64 * p as f64).abs() < 1e-9, "{s:?}");
        for k in [1, 2, 4, 5, 6] {
            assert!(s[k] < 1e-9, "{k}: {s:?}");
        }
        assert!((top_fraction(&s, 1) - 1.0).abs() < 1e-12);
        assert_eq!(key_frequencies(&s, 1), [3]);
    }

    #[test]
    fn parseval_holds_and_random_embeddings_spread_their_energy() {
        let p = 31;
        let mut rng = Rng::new(3);
        let e: Vec<Vec<f64>> = (0..p).map(|_| (0..16).map(|_| rng.normal()).collect()).collect();
        let s = spectrum(&e);
        let energy: f64 = e.iter().flatten().map(|x| x * x).sum();
        assert!((s.iter().sum::<f64>() - p as f64 * energy).abs() < 1e-8 * energy * p as f64);
        // 15 waves: the top 3 of random ones hold far less than all of it (~3/15 plus noise).
        let f = top_fraction(&s, 3);
        assert!(f > 0.15 && f < 0.45, "{f}");
    }

    #[test]
    fn an_even_p_counts_the_nyquist_wave_once() {
        // p = 4: the alternating sequence is frequency 2 alone, F[2] = 4.
        let s = spectrum(&[vec![1.0], vec![-1.0], vec![1.0], vec![-1.0]]);
        assert_eq!(s.len(), 3);
        assert!((s[2] - 16.0).abs() < 1e-12 && s[1].abs() < 1e-12, "{s:?}");
    }
}
