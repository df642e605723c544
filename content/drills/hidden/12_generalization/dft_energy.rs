use crate::grade::*;
use crate::learner::{dft_energy, top_fraction};
use std::f64::consts::PI;

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "p = 4, e = [1, 2, 3, 4]: F = [10, −2+2i, −2, −2−2i] gives S = [100, 8 + 8, 4]; top_fraction skips S(0): 16 / 20", run: contract_by_hand },
    Test { name: "odd_p_by_hand", checks: "odd p has no Nyquist term: p = 3 gives ⌊3/2⌋ + 1 = 2 entries, worked by hand; p = 1 gives only S(0)", run: odd_p_by_hand },
    Test { name: "pure_wave_at_its_frequency", checks: "columns that are waves at frequency k (any phase, any amplitude) put all their energy p·Σe² at S(k) and none elsewhere", run: pure_wave_at_its_frequency },
    Test { name: "nyquist_counted_once", checks: "even p: F[p/2] is its own mirror, so S(p/2) = Σ_d |F[p/2][d]|² once, not twice", run: nyquist_counted_once },
    Test { name: "parseval_and_shift", checks: "Σ_k S(k) = p·Σ e² (Parseval), and relabelling a → a + 3 mod p leaves every S(k) unchanged (shift theorem)", run: parseval_and_shift },
    Test { name: "matches_autocorrelation", checks: "random embeddings, odd and even p: S(k) equals the Wiener–Khinchin form |F[k]|² = Σ_m r[m] cos(2πkm/p), r the circular autocorrelation", run: matches_autocorrelation },
    Test { name: "top_fraction_rules", checks: "top_fraction ignores s[0], sorts the waves by energy, gives 0 (not NaN) when there is no wave energy, 1 when n covers every wave", run: top_fraction_rules },
];

fn case(e: &[Vec<f64>]) -> Case {
    Case::new().input_rows("e", e)
}

/// Deterministic values in [-1, 1).
fn noise(rows: usize, cols: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..rows)
        .map(|_| {
            (0..cols)
                .map(|_| {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
                })
                .collect()
        })
        .collect()
}

fn energy(e: &[Vec<f64>]) -> f64 {
    e.iter().flatten().map(|x| x * x).sum()
}

fn contract_by_hand() -> Outcome {
    // exp(−2πi·a/4) = (−i)^a = 1, −i, −1, i.  F[0] = 10, F[1] = 1 − 2i − 3 + 4i = −2 + 2i,
    // F[2] = 1 − 2 + 3 − 4 = −2, F[3] = conj(F[1]) = −2 − 2i.
    // S(0) = 100, S(1) = |F1|² + |F3|² = 8 + 8 = 16, S(2) = |F2|² = 4 (once). Σ = 120 = 4 · 30.
    let e = vec![vec![1.0], vec![2.0], vec![3.0], vec![4.0]];
    let c = case(&e);
    c.close("S", &dft_energy(&e), &[100.0, 16.0, 4.0], &[3], 1e-9)?;
    let s = [100.0, 16.0, 4.0];
    let c = Case::new().input("s", &s, &[3]).input_debug("n", &1);
    c.scalar("top_fraction(s, 1) (the constant S(0) is not a wave)", top_fraction(&s, 1), 0.8, 1e-12)?;
    let c = Case::new().input("s", &s, &[3]).input_debug("n", &2);
    c.scalar("top_fraction(s, 2)", top_fraction(&s, 2), 1.0, 1e-12)
}

fn odd_p_by_hand() -> Outcome {
    // p = 3, ω = exp(−2πi/3), ω + ω² = −1. Column 0 = 2cos(2πa/3) = [2, −1, −1]:
    // F[0] = 0, F[1] = 2 − ω − ω² = 3, F[2] = 2 − ω² − ω⁴ = 3, so S(1) = 9 + 9 = 18.
    // Column 1 = [1, 1, 1]: F[0] = 3, F[1] = F[2] = 0, so S(0) = 9. Σ = 27 = 3 · (6 + 3).
    let e = vec![vec![2.0, 1.0], vec![-1.0, 1.0], vec![-1.0, 1.0]];
    let c = case(&e);
    c.close("S", &dft_energy(&e), &[9.0, 18.0], &[2], 1e-9)?;
    // p = 1: only k = 0, and F[0] is the row itself: S(0) = 3² + 4² = 25.
    let e = vec![vec![3.0, -4.0]];
    let c = case(&e);
    c.close("S", &dft_energy(&e), &[25.0], &[1], 1e-9)
}

fn pure_wave_at_its_frequency() -> Outcome {
    for (p, k) in [(11usize, 3usize), (12, 5), (12, 1), (7, 3)] {
        // Column 0 = cos(2πka/p + 0.7), column 1 = 2 sin(2πka/p). For 0 < k < p/2,
        // Σ_a cos² = Σ_a sin² = p/2, so the energy is p · (p/2 + 4 · p/2) = 2.5 p², all at k.
        let e: Vec<Vec<f64>> = (0..p)
            .map(|a| {
                let t = 2.0 * PI * (k * a) as f64 / p as f64;
                vec![(t + 0.7).cos(), 2.0 * t.sin()]
            })
            .collect();
        let mut want = vec![0.0; p / 2 + 1];
        want[k] = 2.5 * (p * p) as f64;
        let c = case(&e).input_debug("(p, frequency)", &(p, k));
        let s = dft_energy(&e);
        c.close("S", &s, &want, &[p / 2 + 1], 1e-9)?;
        c.scalar("top_fraction(S, 1)", top_fraction(&s, 1), 1.0, 1e-9)?;
    }
    Ok(())
}

fn nyquist_counted_once() -> Outcome {
    // p = 6, e[a] = 2·(−1)^a: exp(−2πi·3a/6) = (−1)^a, so F[3] = Σ 2 = 12 and S(3) = 144 = 6 · 24.
    // Every other F[k] is 0 (the sequence is the Nyquist wave alone).
    let e: Vec<Vec<f64>> = (0..6).map(|a| vec![if a % 2 == 0 { 2.0 } else { -2.0 }]).collect();
    let c = case(&e);
    c.close("S (adding F[p−k] for k = p/2 would count F[3] twice: 288)", &dft_energy(&e), &[0.0, 0.0, 0.0, 144.0], &[4], 1e-9)?;
    // p = 2: F[0] = 1 + 3 = 4, F[1] = 1 − 3 = −2: S = [16, 4], Σ = 20 = 2 · 10.
    let e = vec![vec![1.0], vec![3.0]];
    let c = case(&e);
    c.close("S", &dft_energy(&e), &[16.0, 4.0], &[2], 1e-9)
}

fn parseval_and_shift() -> Outcome {
    for (p, cols, seed) in [(10usize, 4usize, 1u64), (9, 3, 2), (16, 2, 3)] {
        let e = noise(p, cols, seed);
        let c = case(&e);
        let s = dft_energy(&e);
        c.equal("number of frequencies ⌊p/2⌋ + 1", &s.len(), &(p / 2 + 1))?;
        c.scalar("Σ_k S(k) (Parseval: p · Σ e²)", s.iter().sum(), p as f64 * energy(&e), 1e-9)?;
        // Relabel the numbers: row a of the shifted matrix is row a + 3 mod p. F picks up a phase
        // exp(2πi·3k/p) only, so no energy moves.
        let shifted: Vec<Vec<f64>> = (0..p).map(|a| e[(a + 3) % p].clone()).collect();
        let c = case(&shifted);
        c.close("S of the rows shifted by 3", &dft_energy(&shifted), &s, &[p / 2 + 1], 1e-9)?;
    }
    Ok(())
}

/// |F[k]|² summed over columns, via the circular autocorrelation r[m] = Σ_a e[a] e[(a+m) mod p].
fn power_by_autocorrelation(e: &[Vec<f64>], k: usize) -> f64 {
    let p = e.len();
    let mut total = 0.0;
    for d in 0..e[0].len() {
        for m in 0..p {
            let r: f64 = (0..p).map(|a| e[a][d] * e[(a + m) % p][d]).sum();
            total += r * (2.0 * PI * (k * m % p) as f64 / p as f64).cos();
        }
    }
    total
}

fn matches_autocorrelation() -> Outcome {
    for (p, cols, seed) in [(9usize, 3usize, 11u64), (10, 3, 12), (13, 5, 13), (8, 1, 14)] {
        let e = noise(p, cols, seed);
        let want: Vec<f64> = (0..=p / 2)
            .map(|k| {
                let mirror = p - k;
                if k == 0 || mirror == k {
                    power_by_autocorrelation(&e, k)
                } else {
                    power_by_autocorrelation(&e, k) + power_by_autocorrelation(&e, mirror)
                }
            })
            .collect();
        let c = case(&e);
        c.close("S", &dft_energy(&e), &want, &[p / 2 + 1], 1e-9)?;
    }
    Ok(())
}

fn top_fraction_rules() -> Outcome {
    // Waves 1, 4, 3, 2 (total 10); S(0) = 50 is the constant part and never counts.
    let s = [50.0, 1.0, 4.0, 3.0, 2.0];
    for (n, want) in [(1usize, 0.4), (2, 0.7), (3, 0.9), (0, 0.0), (4, 1.0), (10, 1.0)] {
        let c = Case::new().input("s", &s, &[5]).input_debug("n", &n);
        c.scalar(&format!("top_fraction(s, {n})"), top_fraction(&s, n), want, 1e-12)?;
    }
    // No wave energy: 0, not 0/0 = NaN.
    for s in [vec![9.0, 0.0, 0.0], vec![7.0], vec![0.0, 0.0]] {
        let c = Case::new().input("s", &s, &[s.len()]).input_debug("n", &2);
        c.scalar("top_fraction(s, 2) with no wave energy", top_fraction(&s, 2), 0.0, 0.0)?;
    }
    // A constant embedding is all S(0): p = 6, rows [1.5, −2], F[0] = 6 · row, S(0) = 36 · 6.25.
    let e: Vec<Vec<f64>> = (0..6).map(|_| vec![1.5, -2.0]).collect();
    let c = case(&e);
    c.close("S of a constant embedding", &dft_energy(&e), &[225.0, 0.0, 0.0, 0.0], &[4], 1e-9)
}
