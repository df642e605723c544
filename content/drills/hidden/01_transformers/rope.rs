use crate::grade::*;
use crate::learner::rope;

pub const TESTS: &[Test] = &[
    Test { name: "one_pair_by_hand", checks: "d = 2 (θ₀ = 1): position p rotates (a, b) by p radians counter-clockwise; position 0 is the identity", run: one_pair_by_hand },
    Test { name: "pairs_and_frequencies_by_hand", checks: "d = 4: pairs are (0, 1) and (2, 3) (interleaved, not rotate-half) with θ = 1 and 10000^(-2/4) = 0.01", run: pairs_and_frequencies_by_hand },
    Test { name: "matches_complex_form", checks: "d = 8, p0 = 5: equals multiplying z = x₂ᵢ + i·x₂ᵢ₊₁ by e^(i·p·θᵢ), θᵢ = exp(-(2i/d)·ln 10000)", run: matches_complex_form },
    Test { name: "relative_position", checks: "⟨rope(q, m), rope(k, n)⟩ depends only on m - n: the same for (3, 7), (20, 24), (0, 4), different for (3, 9)", run: relative_position },
    Test { name: "offset_and_norm", checks: "row r is at position p0 + r (what a KV cache needs), and the rotation keeps every row's length", run: offset_and_norm },
];

fn case(x: &[Vec<f64>], p0: usize) -> Case {
    Case::new().input_rows("x", x).input_debug("p0", &p0)
}

fn one_pair_by_hand() -> Outcome {
    let x = vec![vec![1.0, 0.0]];
    let c = case(&x, 1);
    // (1, 0) turned by 1 radian is (cos 1, sin 1).
    c.close_rows("rope", &rope(&x, 1), &[vec![1f64.cos(), 1f64.sin()]], 1e-12)?;
    let x = vec![vec![0.0, 1.0]];
    let c = case(&x, 2);
    // (0, 1) turned by 2 radians is (-sin 2, cos 2).
    c.close_rows("rope", &rope(&x, 2), &[vec![-(2f64.sin()), 2f64.cos()]], 1e-12)?;
    let x = vec![vec![0.3, -1.7, 2.0, 5.0]];
    let c = case(&x, 0);
    c.close_rows("rope at position 0", &rope(&x, 0), &x, 1e-15)
}

fn pairs_and_frequencies_by_hand() -> Outcome {
    let x = vec![vec![1.0, 0.0, 1.0, 0.0]];
    let c = case(&x, 1);
    // The contract: angles 1·1 and 1·0.01.
    let want = vec![vec![1f64.cos(), 1f64.sin(), 0.01f64.cos(), 0.01f64.sin()]];
    c.close_rows("rope", &rope(&x, 1), &want, 1e-12)?;
    // x = [1, 2, 3, 4] at position 3: pair (1, 2) turns by 3, pair (3, 4) by 0.03.
    let x = vec![vec![1.0, 2.0, 3.0, 4.0]];
    let c = case(&x, 3);
    let (s3, c3, s03, c03) = (3f64.sin(), 3f64.cos(), 0.03f64.sin(), 0.03f64.cos());
    let want = vec![vec![c3 - 2.0 * s3, s3 + 2.0 * c3, 3.0 * c03 - 4.0 * s03, 3.0 * s03 + 4.0 * c03]];
    c.close_rows("rope", &rope(&x, 3), &want, 1e-12)
}

fn fill(rows: usize, cols: usize, seed: f64) -> Vec<Vec<f64>> {
    (0..rows).map(|i| (0..cols).map(|j| (seed + 1.1 * i as f64 + 0.6 * j as f64).sin()).collect()).collect()
}

fn matches_complex_form() -> Outcome {
    let (t, d, p0) = (3, 8, 5);
    let x = fill(t, d, 0.2);
    let c = case(&x, p0);
    let want: Vec<Vec<f64>> = x
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let p = (p0 + r) as f64;
            row.chunks(2)
                .enumerate()
                .flat_map(|(i, z)| {
                    let theta = (-(2.0 * i as f64 / d as f64) * 10000f64.ln()).exp();
                    let (re, im) = ((p * theta).cos(), (p * theta).sin());
                    // (z0 + i z1)(re + i im) = (z0 re − z1 im) + i (z0 im + z1 re)
                    [z[0] * re - z[1] * im, z[0] * im + z[1] * re]
                })
                .collect()
        })
        .collect();
    c.close_rows("rope", &rope(&x, p0), &want, 1e-9)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn relative_position() -> Outcome {
    let d = 8;
    let q = fill(1, d, 0.7);
    let k = fill(1, d, 2.4);
    let c = Case::new().input_rows("q", &q).input_rows("k", &k);
    let score = |m: usize, n: usize| dot(&rope(&q, m)[0], &rope(&k, n)[0]);
    let base = score(3, 7);
    c.scalar("⟨rope(q, 20), rope(k, 24)⟩ (must equal the (3, 7) score)", score(20, 24), base, 1e-9)?;
    c.scalar("⟨rope(q, 0), rope(k, 4)⟩ (must equal the (3, 7) score)", score(0, 4), base, 1e-9)?;
    let other = score(3, 9);
    c.holds(
        (other - base).abs() > 1e-3,
        &format!("⟨rope(q, 3), rope(k, 9)⟩ = {other} equals the (3, 7) score {base}: a different distance must change it (is the position used at all?)"),
    )
}

fn offset_and_norm() -> Outcome {
    let (t, d, p0) = (3, 6, 4);
    let long = fill(p0 + t, d, 1.3);
    let tail = long[p0..].to_vec();
    let c = case(&tail, p0);
    let got = rope(&tail, p0);
    // Rows 4, 5, 6 of the whole sequence rotated from position 0.
    c.close_rows("rope(x, 4) (must equal rows 4.. of rope(whole sequence, 0))", &got, &rope(&long, 0)[p0..], 1e-12)?;
    let norms = |m: &[Vec<f64>]| -> Vec<f64> { m.iter().map(|r| dot(r, r).sqrt()).collect() };
    c.close("row norms after rope", &norms(&got), &norms(&tail), &[t], 1e-12)
}
