//! Ridge regression through the smaller of its two equal linear systems.

/// Solves a x = b for a symmetric positive definite `a: [n][n]`, `b: [n]`.
pub fn solve(a: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = b.len();
    let mut m = a.to_vec();
    let mut x = b.to_vec();
    // Forward elimination. For an SPD matrix every pivot m[i][i] stays positive: no row swaps.
    for i in 0..n {
        let pivot = m[i].clone();
        for r in i + 1..n {
            let f = m[r][i] / pivot[i];
            for c in i..n {
                m[r][c] -= f * pivot[c];
            }
            x[r] -= f * x[i];
        }
    }
    // Back substitution on the upper-triangular system.
    for i in (0..n).rev() {
        let known: f64 = (i + 1..n).map(|c| m[i][c] * x[c]).sum();
        x[i] = (x[i] - known) / m[i][i];
    }
    x
}

/// The ridge fit θ: [P] of `y: [N]` on the features `phi: [N][P]`, for `lambda` > 0.
pub fn ridge_fit(phi: &[Vec<f64>], y: &[f64], lambda: f64) -> Vec<f64> {
    let (n, p) = (phi.len(), phi[0].len());
    let ridge = |i: usize, j: usize| if i == j { lambda } else { 0.0 };
    if p <= n {
        // Primal, P×P: (ΦᵀΦ + λI) θ = Φᵀy.
        let gram: Vec<Vec<f64>> = (0..p)
            .map(|i| (0..p).map(|j| phi.iter().map(|row| row[i] * row[j]).sum::<f64>() + ridge(i, j)).collect())
            .collect();
        let rhs: Vec<f64> = (0..p).map(|j| phi.iter().zip(y).map(|(row, yi)| row[j] * yi).sum()).collect();
        solve(&gram, &rhs)
    } else {
        // Dual, N×N: (ΦΦᵀ + λI) α = y, then θ = Φᵀα, a combination of the rows of Φ.
        let kernel: Vec<Vec<f64>> = (0..n)
            .map(|i| (0..n).map(|j| phi[i].iter().zip(&phi[j]).map(|(a, b)| a * b).sum::<f64>() + ridge(i, j)).collect())
            .collect();
        let alpha = solve(&kernel, y);
        (0..p).map(|j| phi.iter().zip(&alpha).map(|(row, a)| row[j] * a).sum()).collect()
    }
}
