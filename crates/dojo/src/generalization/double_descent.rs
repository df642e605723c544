//! Model-wise double descent with random-features regression (Belkin et al. 2019, "Reconciling
//! modern machine-learning practice and the classical bias–variance trade-off"; Mei & Montanari
//! 2019 for the exact curves).
//!
//! Inputs x ∈ ℝᵈ with x ~ N(0, I), targets y = β·x + ε with ‖β‖ = 1 and label noise
//! ε ~ N(0, σ²). A model of width P is a fixed random first layer and a fitted second one:
//!
//!   φ(x) = ReLU(W x) / √P,  W ∈ ℝ^{P×d} with N(0, 1/d) entries;   f(x) = φ(x)·θ.
//!
//! θ is fitted on N samples (Φ is the N×P feature matrix) by ridge regression,
//!
//!   θ = argmin ‖Φθ − y‖² + λ‖θ‖²   = (ΦᵀΦ + λI)⁻¹ Φᵀy  = Φᵀ(ΦΦᵀ + λI)⁻¹ y,
//!
//! and λ → 0 gives the minimum-norm least-squares fit Φ⁺y: the least-squares fit while P < N,
//! the interpolating fit of least norm once P ≥ N. The test error rises as P approaches N
//! (the interpolation threshold: exactly one θ fits the data, and it must bend to fit the
//! noise, so its norm blows up), peaks at P ≈ N, and falls again as P grows past it (many θ
//! interpolate and the minimum-norm one is smooth). Ridge with a well-chosen λ removes the peak.

use crate::nn::Rng;
use crate::{Error, Result};

/// One double-descent experiment.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    /// Input dimension d, e.g. 20.
    pub dim: usize,
    /// Training samples N, e.g. 50.
    pub samples: usize,
    /// Test samples, e.g. 1000.
    pub test_samples: usize,
    /// Label-noise standard deviation σ, e.g. 0.5 (0: noiseless).
    pub noise: f64,
    /// Ridge λ (0: minimum-norm least squares).
    pub ridge: f64,
}

/// λ used in place of 0 so the solve stays defined at the threshold, far below any signal.
const JITTER: f64 = 1e-10;

/// Solves A x = b for a symmetric positive definite A (n×n, row-major rows) by Cholesky,
/// A = L Lᵀ, then the two triangular solves.
///
/// # Errors
/// [`Error::Config`] if A is not positive definite (a non-positive pivot).
pub fn solve_spd(a: &[Vec<f64>], b: &[f64]) -> Result<Vec<f64>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if s <= 0.0 {
                    return Err(Error::Config(format!("matrix not positive definite (pivot {i} = {s:e})")));
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    let mut z = vec![0.0; n]; // L z = b
    for i in 0..n {
        z[i] = (b[i] - (0..i).map(|k| l[i][k] * z[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = vec![0.0; n]; // Lᵀ x = z
    for i in (0..n).rev() {
        x[i] = (z[i] - (i + 1..n).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    Ok(x)
}

/// The ridge fit θ of `y` on features `phi` (N rows of P), by whichever of the two equal forms
/// solves the smaller system: (ΦᵀΦ + λI)θ = Φᵀy when P ≤ N, θ = Φᵀα with (ΦΦᵀ + λI)α = y
/// otherwise. λ = 0 is taken as a 1e-10 jitter (the minimum-norm fit, to that precision).
///
/// # Errors
/// As [`solve_spd`].
pub fn ridge_fit(phi: &[Vec<f64>], y: &[f64], ridge: f64) -> Result<Vec<f64>> {
    let (n, p) = (phi.len(), phi.first().map_or(0, Vec::len));
    let lambda = ridge.max(JITTER);
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    if p <= n {
        let mut g = vec![vec![0.0; p]; p]; // ΦᵀΦ + λI
        for (i, gi) in g.iter_mut().enumerate() {
            for (j, gij) in gi.iter_mut().enumerate() {
                *gij = phi.iter().map(|r| r[i] * r[j]).sum::<f64>() + if i == j { lambda } else { 0.0 };
            }
        }
        let rhs: Vec<f64> = (0..p).map(|j| phi.iter().zip(y).map(|(r, yi)| r[j] * yi).sum()).collect();
        solve_spd(&g, &rhs)
    } else {
        let k: Vec<Vec<f64>> = (0..n)
            .map(|i| (0..n).map(|j| dot(&phi[i], &phi[j]) + if i == j { lambda } else { 0.0 }).collect())
            .collect();
        let alpha = solve_spd(&k, y)?;
        Ok((0..p).map(|j| phi.iter().zip(&alpha).map(|(r, a)| r[j] * a).sum()).collect())
    }
}

/// Random ReLU features of each row of `x`: ReLU(W x)/√P for the first `width` rows of `w`.
pub fn features(x: &[Vec<f64>], w: &[Vec<f64>], width: usize) -> Vec<Vec<f64>> {
    let scale = 1.0 / (width as f64).sqrt();
    x.iter()
        .map(|xi| {
            w[..width].iter().map(|wr| wr.iter().zip(xi).map(|(a, b)| a * b).sum::<f64>().max(0.0) * scale).collect()
        })
        .collect()
}

/// Mean test error (MSE against the noiseless target) of width `width`, averaged over `trials`
/// draws of data, noise and features.
///
/// # Errors
/// [`Error::Config`] for an empty setting; solver errors.
pub fn test_error(s: &Setting, width: usize, trials: usize, seed: u64) -> Result<f64> {
    if s.dim == 0 || s.samples == 0 || s.test_samples == 0 || width == 0 || trials == 0 {
        return Err(Error::Config("dim, samples, test_samples, width and trials must be ≥ 1".into()));
    }
    let mut total = 0.0;
    for t in 0..trials {
        // The same data and first layer for every width of a trial: only P changes.
        let mut rng = Rng::new(seed).fork(t as u64);
        let beta: Vec<f64> = {
            let b: Vec<f64> = (0..s.dim).map(|_| rng.normal()).collect();
            let norm = b.iter().map(|v| v * v).sum::<f64>().sqrt();
            b.into_iter().map(|v| v / norm).collect()
        };
        let draw = |n: usize, rng: &mut Rng| -> Vec<Vec<f64>> {
            (0..n).map(|_| (0..s.dim).map(|_| rng.normal()).collect()).collect()
        };
        let x = draw(s.samples, &mut rng);
        let x_test = draw(s.test_samples, &mut rng);
        let target = |xi: &Vec<f64>| xi.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>();
        let mut noise_rng = Rng::new(seed).fork(1 << 32 | t as u64);
        let y: Vec<f64> = x.iter().map(|xi| target(xi) + s.noise * noise_rng.normal()).collect();
        let mut w_rng = Rng::new(seed).fork(2 << 32 | t as u64);
        let std = 1.0 / (s.dim as f64).sqrt();
        let w: Vec<Vec<f64>> = (0..width).map(|_| (0..s.dim).map(|_| std * w_rng.normal()).collect()).collect();
        let theta = ridge_fit(&features(&x, &w, width), &y, s.ridge)?;
        let phi_test = features(&x_test, &w, width);
        let mse = phi_test
            .iter()
            .zip(&x_test)
            .map(|(f, xi)| (f.iter().zip(&theta).map(|(a, b)| a * b).sum::<f64>() - target(xi)).powi(2))
            .sum::<f64>()
            / s.test_samples as f64;
        total += mse;
    }
    Ok(total / trials as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_known_system() {
        // A = [[4, 2], [2, 3]], x = [1, -1] → b = [2, -1].
        let x = solve_spd(&[vec![4.0, 2.0], vec![2.0, 3.0]], &[2.0, -1.0]).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] + 1.0).abs() < 1e-12, "{x:?}");
        assert!(solve_spd(&[vec![1.0, 2.0], vec![2.0, 1.0]], &[1.0, 1.0]).is_err());
    }

    fn random(rows: usize, cols: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut r = Rng::new(seed);
        (0..rows).map(|_| (0..cols).map(|_| r.normal()).collect()).collect()
    }

    #[test]
    fn below_the_threshold_the_fit_is_least_squares() {
        // P < N: the residual is orthogonal to every feature column (the normal equations).
        let (phi, y) = (random(12, 4, 1), random(1, 12, 2).remove(0));
        let theta = ridge_fit(&phi, &y, 0.0).unwrap();
        let resid: Vec<f64> =
            phi.iter().zip(&y).map(|(r, yi)| r.iter().zip(&theta).map(|(a, b)| a * b).sum::<f64>() - yi).collect();
        for j in 0..4 {
            let g: f64 = phi.iter().zip(&resid).map(|(r, e)| r[j] * e).sum();
            assert!(g.abs() < 1e-8, "column {j}: {g}");
        }
    }

    #[test]
    fn above_the_threshold_the_fit_interpolates_with_the_least_norm() {
        let (phi, y) = (random(5, 9, 3), random(1, 5, 4).remove(0));
        let theta = ridge_fit(&phi, &y, 0.0).unwrap();
        for (r, yi) in phi.iter().zip(&y) {
            assert!((r.iter().zip(&theta).map(|(a, b)| a * b).sum::<f64>() - yi).abs() < 1e-6);
        }
        // θ lies in the row space of Φ, so adding any null-space vector only adds norm: check
        // that θ is orthogonal to a null-space direction built by projecting a random vector.
        let v = random(1, 9, 5).remove(0);
        let coef =
            ridge_fit(&phi, &phi.iter().map(|r| r.iter().zip(&v).map(|(a, b)| a * b).sum()).collect::<Vec<f64>>(), 0.0)
                .unwrap();
        let null: Vec<f64> = v.iter().zip(&coef).map(|(a, b)| a - b).collect(); // v minus its row-space part
        let cross: f64 = theta.iter().zip(&null).map(|(a, b)| a * b).sum();
        assert!(cross.abs() < 1e-6, "θ·null = {cross}");
    }

    #[test]
    fn ridge_shrinks_the_fit() {
        let (phi, y) = (random(6, 6, 7), random(1, 6, 8).remove(0));
        let norm = |t: &[f64]| t.iter().map(|v| v * v).sum::<f64>();
        assert!(norm(&ridge_fit(&phi, &y, 1.0).unwrap()) < norm(&ridge_fit(&phi, &y, 0.0).unwrap()));
    }
}
