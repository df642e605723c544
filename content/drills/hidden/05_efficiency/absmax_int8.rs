use crate::grade::*;
use crate::learner::{absmax_dequantize, absmax_quantize};

pub const TESTS: &[Test] = &[
    Test { name: "small_row_by_hand", checks: "scale = max|x|/127 and q = round(x/scale) on the contract's row", run: small_row_by_hand },
    Test { name: "rounding_half_away_from_zero", checks: "with scale exactly 1, ties ±2.5 and ±0.5 round away from zero (f64::round), not to even", run: rounding_half_away_from_zero },
    Test { name: "one_scale_per_row", checks: "each row has its own scale (rows of very different size), and the max-|x| entry maps to ±127 keeping its sign", run: one_scale_per_row },
    Test { name: "round_trip_error", checks: "every q is the nearest integer to x/scale, so |dequantize(q) - x| ≤ scale/2", run: round_trip_error },
    Test { name: "zero_row", checks: "an all-zero row gives scale 0, q = 0 and dequantizes to exact zeros, not NaN", run: zero_row },
];

fn small_row_by_hand() -> Outcome {
    // max|x| = 1.27, scale = 0.01; 0.5 / 0.01 = 50, -1.27 / 0.01 = -127, 0.3 / 0.01 = 30.
    let x = vec![vec![0.5, -1.27, 0.3]];
    let c = Case::new().input_rows("x", &x);
    let (s, q) = absmax_quantize(&x);
    c.close("scales", &s, &[0.01], &[1], 1e-12)?;
    c.equal("q", &q, &vec![vec![50i8, -127, 30]])?;
    c.close_rows("dequantize(scales, q)", &absmax_dequantize(&s, &q), &x, 1e-12)
}

fn rounding_half_away_from_zero() -> Outcome {
    // max|x| = 127 gives scale exactly 1, so x/scale = x and the ties are exact.
    // Half away from zero: 2.5 → 3, -2.5 → -3, 0.5 → 1, -0.5 → -1, -126.5 → -127.
    let x = vec![vec![127.0, 2.5, -2.5, 0.5, -0.5, -126.5, 3.2]];
    let c = Case::new().input_rows("x", &x);
    let (s, q) = absmax_quantize(&x);
    c.close("scales", &s, &[1.0], &[1], 0.0)?;
    c.equal("q", &q, &vec![vec![127i8, 3, -3, 1, -1, -127, 3]])
}

fn one_scale_per_row() -> Outcome {
    // Row 0: scale 1000/127; 250 → 31.75 → 32, -3 → -0.381 → 0.
    // Row 1: scale 0.04/127; 0.03 → 95.25 → 95, 0.01 → 31.75 → 32.
    // Row 2: scale 6.35/127 = 0.05; 1 → 20, 6 → 120, and the max -6.35 → -127 (sign kept).
    let x = vec![vec![1000.0, -3.0, 250.0], vec![0.03, -0.04, 0.01], vec![-6.35, 1.0, 6.0]];
    let c = Case::new().input_rows("x", &x);
    let (s, q) = absmax_quantize(&x);
    c.close("scales", &s, &[1000.0 / 127.0, 0.04 / 127.0, 0.05], &[3], 1e-12)?;
    c.equal("q", &q, &vec![vec![127i8, 0, 32], vec![95, -127, 32], vec![-127, 20, 120]])
}

fn round_trip_error() -> Outcome {
    let x: Vec<Vec<f64>> = (0..4)
        .map(|r| {
            (0..9)
                .map(|j| {
                    let t = ((r * 9 + j) as f64 * 12.9898 + 3.0).sin() * 43758.5453;
                    (2.0 * (t - t.floor()) - 1.0) * (1.0 + 10.0 * r as f64)
                })
                .collect()
        })
        .collect();
    let c = Case::new().input_rows("x", &x);
    let (s, q) = absmax_quantize(&x);
    let back = absmax_dequantize(&s, &q);
    c.holds(s.len() == 4, &format!("expected 4 scales (one per row), got {}", s.len()))?;
    c.holds(
        back.len() == 4 && back.iter().all(|r| r.len() == 9),
        "dequantize(quantize(x)) must have the shape of x, [4, 9]",
    )?;
    for r in 0..4 {
        let amax = x[r].iter().fold(0.0f64, |a, v| a.max(v.abs()));
        c.scalar(&format!("scales[{r}]"), s[r], amax / 127.0, 1e-12)?;
        for j in 0..9 {
            let err = (back[r][j] - x[r][j]).abs();
            c.holds(
                q[r][j] != -128 && err <= s[r] / 2.0 * (1.0 + 1e-9),
                &format!(
                    "x[{r}][{j}] = {}: q = {}, dequantized to {}, off by {err:e}; must be within scale/2 = {:e} with q in [-127, 127]",
                    x[r][j], q[r][j], back[r][j], s[r] / 2.0
                ),
            )?;
        }
    }
    Ok(())
}

fn zero_row() -> Outcome {
    let x = vec![vec![0.0, 0.0, 0.0], vec![1.0, -0.4, 0.0]];
    let c = Case::new().input_rows("x", &x);
    let (s, q) = absmax_quantize(&x);
    c.close("scales", &s, &[0.0, 1.0 / 127.0], &[2], 1e-12)?;
    c.equal("q", &q, &vec![vec![0i8, 0, 0], vec![127, -51, 0]])?;
    c.close_rows("dequantize(scales, q)", &absmax_dequantize(&s, &q), &[vec![0.0; 3], vec![1.0, -51.0 / 127.0, 0.0]], 1e-12)
}
