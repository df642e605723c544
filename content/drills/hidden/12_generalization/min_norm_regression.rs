use crate::grade::*;
use crate::learner::{ridge_fit, solve};

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "1×1: θ = φy/(φ² + λ); N = 1 < P = 2 and N = 2 > P = 1 worked by hand, λ on the diagonal", run: contract_by_hand },
    Test { name: "solve_spd_systems", checks: "solve: 1×1, 2×2 and 3×3 systems with known solutions, and a random 7×7 SPD system solved to a residual below 1e-10", run: solve_spd_systems },
    Test { name: "below_threshold_least_squares", checks: "P ≤ N, λ = 1e-10: the residual Φθ − y is orthogonal to every column of Φ (the normal equations), i.e. θ is the least-squares fit", run: below_threshold_least_squares },
    Test { name: "above_threshold_min_norm", checks: "P > N, λ = 1e-10: θ interpolates (Φθ = y), is orthogonal to the null space of Φ, and equals the minimum-norm solution Φᵀ(ΦΦᵀ)⁻¹y", run: above_threshold_min_norm },
    Test { name: "both_forms_agree", checks: "λ = 0.5 around P ≈ N (and N = 1 or P = 1): θ equals both (ΦᵀΦ + λI)⁻¹Φᵀy and Φᵀ(ΦΦᵀ + λI)⁻¹y, each computed here", run: both_forms_agree },
    Test { name: "ridge_shrinks_theta", checks: "a larger λ gives a strictly smaller ‖θ‖, and for a huge λ, θ ≈ Φᵀy / λ", run: ridge_shrinks_theta },
];

fn case(phi: &[Vec<f64>], y: &[f64], lambda: f64) -> Case {
    Case::new().input_rows("phi", phi).input("y", y, &[y.len()]).input_debug("lambda", &lambda)
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

fn vector(n: usize, seed: u64) -> Vec<f64> {
    noise(1, n, seed).remove(0)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// Φ v (length N).
fn apply(phi: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
    phi.iter().map(|row| dot(row, v)).collect()
}

/// Φᵀ u (length P).
fn apply_t(phi: &[Vec<f64>], u: &[f64]) -> Vec<f64> {
    let p = phi[0].len();
    let mut out = vec![0.0; p];
    for (row, ui) in phi.iter().zip(u) {
        for j in 0..p {
            out[j] += row[j] * ui;
        }
    }
    out
}

/// Reference SPD solve by Cholesky, A = L Lᵀ (the grader's own, independent of the learner's).
fn cholesky_solve(a: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            l[i][j] = if i == j { s.sqrt() } else { s / l[j][j] };
        }
    }
    let mut z = vec![0.0; n];
    for i in 0..n {
        z[i] = (b[i] - (0..i).map(|k| l[i][k] * z[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (z[i] - (i + 1..n).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    x
}

/// ΦᵀΦ + λI (P×P).
fn gram(phi: &[Vec<f64>], lambda: f64) -> Vec<Vec<f64>> {
    let p = phi[0].len();
    let cols: Vec<Vec<f64>> = (0..p).map(|j| phi.iter().map(|r| r[j]).collect()).collect();
    (0..p).map(|i| (0..p).map(|j| dot(&cols[i], &cols[j]) + if i == j { lambda } else { 0.0 }).collect()).collect()
}

/// ΦΦᵀ + λI (N×N).
fn kernel(phi: &[Vec<f64>], lambda: f64) -> Vec<Vec<f64>> {
    let n = phi.len();
    (0..n).map(|i| (0..n).map(|j| dot(&phi[i], &phi[j]) + if i == j { lambda } else { 0.0 }).collect()).collect()
}

fn contract_by_hand() -> Outcome {
    // 1×1: (φ² + λ)θ = φy → θ = 2·3 / (4 + 0.5) = 4/3.
    let (phi, y) = (vec![vec![2.0]], vec![3.0]);
    let c = case(&phi, &y, 0.5);
    c.close("theta", &ridge_fit(&phi, &y, 0.5), &[4.0 / 3.0], &[1], 1e-12)?;
    // N = 1, P = 2: ΦΦᵀ + λ = 9 + 16 + 1 = 26, α = 10/26, θ = Φᵀα = [30, 40]/26.
    // Check in the primal form: [[10, 12], [12, 17]]·[15, 20]/13 = [390, 520]/13 = [30, 40] = Φᵀy.
    let (phi, y) = (vec![vec![3.0, 4.0]], vec![10.0]);
    let c = case(&phi, &y, 1.0);
    c.close("theta", &ridge_fit(&phi, &y, 1.0), &[15.0 / 13.0, 20.0 / 13.0], &[2], 1e-12)?;
    // N = 2, P = 1: θ = (1·3 + 2·4) / (1 + 4 + 1) = 11/6.
    let (phi, y) = (vec![vec![1.0], vec![2.0]], vec![3.0, 4.0]);
    let c = case(&phi, &y, 1.0);
    c.close("theta", &ridge_fit(&phi, &y, 1.0), &[11.0 / 6.0], &[1], 1e-12)
}

fn solve_spd_systems() -> Outcome {
    let cases: [(Vec<Vec<f64>>, Vec<f64>, Vec<f64>); 3] = [
        (vec![vec![2.0]], vec![3.0], vec![1.5]),
        // [[4, 2], [2, 3]]·[1, −1] = [2, −1].
        (vec![vec![4.0, 2.0], vec![2.0, 3.0]], vec![2.0, -1.0], vec![1.0, -1.0]),
        // [[4, 2, 0], [2, 5, 2], [0, 2, 5]]·[1, 0, −1] = [4, 0, −5].
        (vec![vec![4.0, 2.0, 0.0], vec![2.0, 5.0, 2.0], vec![0.0, 2.0, 5.0]], vec![4.0, 0.0, -5.0], vec![1.0, 0.0, -1.0]),
    ];
    for (a, b, want) in &cases {
        let c = Case::new().input_rows("a", a).input("b", b, &[b.len()]);
        c.close("x", &solve(a, b), want, &[want.len()], 1e-12)?;
    }
    // A = BᵀB + 0.1 I is SPD; the residual A x − b must vanish.
    let bmat = noise(9, 7, 21);
    let a = gram(&bmat, 0.1);
    let b = vector(7, 22);
    let c = Case::new().input_rows("a", &a).input("b", &b, &[7]);
    let x = solve(&a, &b);
    c.equal("length of x", &x.len(), &7)?;
    let resid: Vec<f64> = a.iter().zip(&b).map(|(row, bi)| dot(row, &x) - bi).collect();
    c.close("a·x − b", &resid, &[0.0; 7], &[7], 1e-10)
}

fn below_threshold_least_squares() -> Outcome {
    for (n, p, seed) in [(12usize, 4usize, 31u64), (9, 8, 32), (6, 6, 33)] {
        let (phi, y, lambda) = (noise(n, p, seed), vector(n, seed + 100), 1e-10);
        let c = case(&phi, &y, lambda);
        let theta = ridge_fit(&phi, &y, lambda);
        c.equal("length of theta (P)", &theta.len(), &p)?;
        // Exactly, Φᵀ(Φθ − y) = −λθ, about 1e-10 here.
        let resid: Vec<f64> = apply(&phi, &theta).iter().zip(&y).map(|(f, yi)| f - yi).collect();
        c.close(
            "Φᵀ(Φθ − y), the residual against each column (solving the N×N form when P ≤ N is nearly singular and loses this)",
            &apply_t(&phi, &resid),
            &vec![0.0; p],
            &[p],
            1e-8,
        )?;
    }
    Ok(())
}

fn above_threshold_min_norm() -> Outcome {
    for (n, p, seed) in [(5usize, 9usize, 41u64), (3, 20, 42), (7, 8, 43)] {
        let (phi, y, lambda) = (noise(n, p, seed), vector(n, seed + 100), 1e-10);
        let c = case(&phi, &y, lambda);
        let theta = ridge_fit(&phi, &y, lambda);
        c.equal("length of theta (P)", &theta.len(), &p)?;
        c.close("Φθ (it must interpolate y)", &apply(&phi, &theta), &y, &[n], 1e-8)?;
        // The minimum-norm interpolant, λ = 0 exactly: θ⁺ = Φᵀ(ΦΦᵀ)⁻¹y. It differs from the
        // λ = 1e-10 fit by about λ‖(ΦΦᵀ)⁻²‖‖y‖, far below the tolerance.
        let k = kernel(&phi, 0.0);
        let want = apply_t(&phi, &cholesky_solve(&k, &y));
        c.close(
            "theta (vs the minimum-norm Φᵀ(ΦΦᵀ)⁻¹y; solving the P×P form when P > N is nearly singular and adds a null-space error)",
            &theta,
            &want,
            &[p],
            1e-8,
        )?;
        // Null-space directions: v minus its projection Φᵀ(ΦΦᵀ)⁻¹Φv on the row space.
        for s in 0..3 {
            let v = vector(p, seed + 200 + s);
            let row_part = apply_t(&phi, &cholesky_solve(&k, &apply(&phi, &v)));
            let null: Vec<f64> = v.iter().zip(&row_part).map(|(a, b)| a - b).collect();
            let cos = dot(&theta, &null) / (norm(&theta) * norm(&null));
            c.holds(
                cos.abs() < 1e-8,
                &format!(
                    "θ must be orthogonal to the null space of Φ (then no other interpolant is shorter), \
                     but cos(θ, null direction {s}) = {cos:e}"
                ),
            )?;
        }
    }
    Ok(())
}

fn both_forms_agree() -> Outcome {
    let lambda = 0.5;
    for (n, p, seed) in [(6usize, 7usize, 51u64), (7, 6, 52), (6, 6, 53), (1, 4, 54), (4, 1, 55)] {
        let (phi, y) = (noise(n, p, seed), vector(n, seed + 100));
        let primal = cholesky_solve(&gram(&phi, lambda), &apply_t(&phi, &y));
        let dual = apply_t(&phi, &cholesky_solve(&kernel(&phi, lambda), &y));
        let gap = primal.iter().zip(&dual).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(gap < 1e-10, "grader bug: the two forms differ by {gap}");
        let c = case(&phi, &y, lambda);
        let theta = ridge_fit(&phi, &y, lambda);
        c.close("theta (both forms: (ΦᵀΦ + λI)⁻¹Φᵀy = Φᵀ(ΦΦᵀ + λI)⁻¹y)", &theta, &primal, &[p], 1e-10)?;
    }
    Ok(())
}

fn ridge_shrinks_theta() -> Outcome {
    for (n, p, seed) in [(6usize, 6usize, 61u64), (4, 8, 62), (8, 3, 63)] {
        let (phi, y) = (noise(n, p, seed), vector(n, seed + 100));
        let mut last = f64::INFINITY;
        for lambda in [1e-3, 0.1, 1.0, 10.0] {
            let c = case(&phi, &y, lambda);
            let size = norm(&ridge_fit(&phi, &y, lambda));
            c.holds(
                size < last,
                &format!("‖θ‖ = {size} at λ = {lambda} is not below {last}, its value at the previous, smaller λ"),
            )?;
            last = size;
        }
        // λ = 1e8: θ = (ΦᵀΦ + λI)⁻¹Φᵀy = Φᵀy/λ · (1 + O(‖Φ‖²/λ)).
        let lambda = 1e8;
        let c = case(&phi, &y, lambda);
        let scaled: Vec<f64> = ridge_fit(&phi, &y, lambda).iter().map(|t| t * lambda).collect();
        c.close("λ·θ for a huge λ (≈ Φᵀy)", &scaled, &apply_t(&phi, &y), &[p], 1e-6)?;
    }
    Ok(())
}
