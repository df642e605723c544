use crate::grade::*;
use crate::learner::layer_norm;

pub const TESTS: &[Test] = &[
    Test { name: "worked_example", checks: "[1, 2, 3, 4]: μ = 2.5, biased σ² = 1.25 (divide by n, not n - 1), y = (x - 2.5)/√1.25", run: worked_example },
    Test { name: "gamma_and_beta_per_feature", checks: "γ multiplies and β adds feature by feature, after normalising", run: gamma_and_beta_per_feature },
    Test { name: "eps_inside_the_sqrt", checks: "x = [0, 2], ε = 3: σ² = 1, so y = (x - 1)/√(1 + 3) = [-0.5, 0.5] (ε inside the root)", run: eps_inside_the_sqrt },
    Test { name: "constant_row", checks: "σ² = 0: a constant row (and a one-feature row) gives exactly β, not NaN", run: constant_row },
    Test { name: "rows_are_independent", checks: "several rows at different scales: each is normalised over its own features (the last axis)", run: rows_are_independent },
    Test { name: "large_offset", checks: "adding 1e6 to a row changes nothing: a two-pass variance, not E[x²] - μ² (which cancels)", run: large_offset },
];

fn case(x: &[Vec<f64>], gamma: &[f64], beta: &[f64], eps: f64) -> Case {
    let n = gamma.len();
    Case::new().input_rows("x", x).input("gamma", gamma, &[n]).input("beta", beta, &[n]).input_debug("eps", &eps)
}

fn worked_example() -> Outcome {
    let x = vec![vec![1.0, 2.0, 3.0, 4.0]];
    let (g, b) = ([1.0; 4], [0.0; 4]);
    let c = case(&x, &g, &b, 0.0);
    // deviations -1.5, -0.5, 0.5, 1.5; σ² = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
    let s = 1.25f64.sqrt();
    let want = vec![vec![-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]];
    c.close_rows("layer_norm", &layer_norm(&x, &g, &b, 0.0), &want, 1e-12)
}

fn gamma_and_beta_per_feature() -> Outcome {
    let x = vec![vec![1.0, 2.0, 3.0, 4.0]];
    let (g, b) = ([2.0, -1.0, 0.5, 0.0], [0.5, 0.0, -0.5, 1.0]);
    let c = case(&x, &g, &b, 0.0);
    let s = 1.25f64.sqrt();
    let z = [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s];
    let want = vec![(0..4).map(|i| z[i] * g[i] + b[i]).collect()];
    c.close_rows("layer_norm", &layer_norm(&x, &g, &b, 0.0), &want, 1e-12)
}

fn eps_inside_the_sqrt() -> Outcome {
    let x = vec![vec![0.0, 2.0]];
    let (g, b) = ([1.0; 2], [0.0; 2]);
    let c = case(&x, &g, &b, 3.0);
    // √(σ² + ε) = 2; with ε outside, (x - μ)/(σ + ε) would give ±0.25.
    c.close_rows("layer_norm", &layer_norm(&x, &g, &b, 3.0), &[vec![-0.5, 0.5]], 1e-12)
}

fn constant_row() -> Outcome {
    let x = vec![vec![5.0; 3]];
    let (g, b) = ([2.0, 3.0, 4.0], [0.1, -0.2, 0.3]);
    let c = case(&x, &g, &b, 1e-5);
    c.close_rows("layer_norm of a constant row", &layer_norm(&x, &g, &b, 1e-5), &[b.to_vec()], 1e-12)?;
    let x = vec![vec![7.0]];
    let c = case(&x, &[3.0], &[0.25], 1e-5);
    c.close_rows("layer_norm of a one-feature row", &layer_norm(&x, &[3.0], &[0.25], 1e-5), &[vec![0.25]], 1e-12)
}

/// Per row, with the moments written as E[x] and E[x²] − E[x]² (fine for these small values).
fn reference(x: &[Vec<f64>], g: &[f64], b: &[f64], eps: f64) -> Vec<Vec<f64>> {
    x.iter()
        .map(|r| {
            let n = r.len() as f64;
            let m1 = r.iter().sum::<f64>() / n;
            let m2 = r.iter().map(|v| v * v).sum::<f64>() / n;
            let sd = (m2 - m1 * m1 + eps).sqrt();
            (0..r.len()).map(|i| g[i] * (r[i] - m1) / sd + b[i]).collect()
        })
        .collect()
}

fn rows_are_independent() -> Outcome {
    let x = vec![
        vec![0.5, -1.0, 2.0, 0.0, 1.5],
        vec![10.0, 30.0, 20.0, 50.0, 40.0],
        vec![-0.01, 0.02, 0.0, -0.03, 0.01],
    ];
    let (g, b) = ([1.0, 0.5, 2.0, -1.0, 1.5], [0.0, 0.1, -0.1, 0.2, 0.0]);
    let c = case(&x, &g, &b, 1e-5);
    c.close_rows("layer_norm", &layer_norm(&x, &g, &b, 1e-5), &reference(&x, &g, &b, 1e-5), 1e-9)
}

fn large_offset() -> Outcome {
    let base = vec![vec![0.3, -1.2, 0.8, 2.0, -0.4]];
    let shifted = vec![base[0].iter().map(|v| v + 1e6).collect::<Vec<f64>>()];
    let (g, b) = ([1.0; 5], [0.0; 5]);
    let c = case(&shifted, &g, &b, 1e-5);
    c.close_rows("layer_norm(x + 1e6) (must equal layer_norm(x))", &layer_norm(&shifted, &g, &b, 1e-5), &reference(&base, &g, &b, 1e-5), 1e-6)
}
