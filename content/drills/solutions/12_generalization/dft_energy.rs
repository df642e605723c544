//! Energy per Fourier frequency of an embedding matrix, and the share held by the top waves.

use std::f64::consts::PI;

/// Energy per frequency S(k), k = 0 … ⌊p/2⌋, of the embedding `e: [p][C]`.
pub fn dft_energy(e: &[Vec<f64>]) -> Vec<f64> {
    let p = e.len();
    let cols = e.first().map_or(0, Vec::len);
    // Σ_d |F[k][d]|² with F[k][d] = Σ_a e[a][d] (cos θ − i sin θ), θ = 2π·k·a/p.
    let power = |k: usize| -> f64 {
        let mut total = 0.0;
        for d in 0..cols {
            let (mut re, mut im) = (0.0, 0.0);
            for (a, row) in e.iter().enumerate() {
                // k·a mod p keeps the angle in [0, 2π), so it stays accurate for large k·a.
                let theta = 2.0 * PI * ((k * a) % p) as f64 / p as f64;
                re += row[d] * theta.cos();
                im -= row[d] * theta.sin();
            }
            total += re * re + im * im;
        }
        total
    };
    (0..=p / 2)
        .map(|k| {
            // k = 0 and k = p/2 (even p) are their own mirror image: count them once.
            if k == 0 || 2 * k == p { power(k) } else { power(k) + power(p - k) }
        })
        .collect()
}

/// The share of the non-constant energy (k ≥ 1) in the `n` largest entries of `s[1..]`.
pub fn top_fraction(s: &[f64], n: usize) -> f64 {
    let mut waves: Vec<f64> = s.iter().skip(1).copied().collect();
    let total: f64 = waves.iter().sum();
    if total <= 0.0 {
        return 0.0; // no wave at all: a constant embedding, or p = 1
    }
    waves.sort_by(|a, b| b.total_cmp(a));
    waves.iter().take(n).sum::<f64>() / total
}
