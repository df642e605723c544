use crate::grade::*;
use crate::learner::{q4_0_dequantize, q4_0_quantize};

pub const TESTS: &[Test] = &[
    Test { name: "contract_block_by_hand", checks: "d = max / -8 with max's sign, codes ⌊x/d + 8.5⌋ and (q - 8)·d on a block worked by hand", run: contract_block_by_hand },
    Test { name: "ggml_rounding_rule", checks: "with d = 1, ties round half up (2.5 → 3, -2.5 → -2, -0.5 → 0), and x/d > 7.5 is capped at code 15", run: ggml_rounding_rule },
    Test { name: "max_round_trips_exactly", checks: "the max-magnitude element gets code 0 and dequantizes to exactly itself, whatever its sign", run: max_round_trips_exactly },
    Test { name: "magnitude_ties", checks: "among equal |x| the first is max; the opposite-sign one is capped at code 15, i.e. 7·d", run: magnitude_ties },
    Test { name: "error_within_half_step", checks: "every code is in 0..=15 and, except the capped top, |dequantized - x| ≤ |d|/2", run: error_within_half_step },
    Test { name: "zeros_block", checks: "an all-zero block: d = 0, every code 8, dequantized to zeros (no NaN from 1/0)", run: zeros_block },
];

fn block(head: &[f64]) -> Vec<f64> {
    let mut x = head.to_vec();
    x.resize(32, 0.0);
    x
}

fn random_block(seed: f64, scale: f64) -> Vec<f64> {
    (0..32)
        .map(|j| {
            let t = (j as f64 * 12.9898 + seed * 78.233).sin() * 43758.5453;
            (2.0 * (t - t.floor()) - 1.0) * scale
        })
        .collect()
}

fn codes_f64(q: &[u8]) -> Vec<f64> {
    q.iter().map(|&c| c as f64).collect()
}

fn contract_block_by_hand() -> Outcome {
    // max = 4.0 → d = -0.5, 1/d = -2:
    //   4.0 → ⌊-8 + 8.5⌋ = 0;  -1.0 → ⌊2 + 8.5⌋ = 10;  1.25 → ⌊-2.5 + 8.5⌋ = 6;
    //   0.3 → ⌊-0.6 + 8.5⌋ = 7;  0 → 8. Back: (q - 8)·(-0.5) = 4, -1, 1, 0.5, 0.
    let x = block(&[4.0, -1.0, 1.25, 0.3]);
    let c = Case::new().input("x", &x, &[32]);
    let (d, q) = q4_0_quantize(&x);
    c.scalar("d", d, -0.5, 0.0)?;
    let mut want = vec![8.0; 32];
    want[..4].copy_from_slice(&[0.0, 10.0, 6.0, 7.0]);
    c.close("codes", &codes_f64(&q), &want, &[32], 0.0)?;
    c.close("dequantized", &q4_0_dequantize(d, &q), &block(&[4.0, -1.0, 1.0, 0.5]), &[32], 0.0)
}

fn ggml_rounding_rule() -> Outcome {
    // max = -8 → d = 1, 1/d = 1, so the code is ⌊x + 8.5⌋ capped at 15:
    //   -8 → 0;  2.5 → 11;  -2.5 → 6;  0.5 → 9;  -0.5 → 8;  7.5 → 16 → 15;  6.7 → 15;  -7.6 → 0.
    let x = block(&[-8.0, 2.5, -2.5, 0.5, -0.5, 7.5, 6.7, -7.6]);
    let c = Case::new().input("x", &x, &[32]);
    let (d, q) = q4_0_quantize(&x);
    c.scalar("d", d, 1.0, 0.0)?;
    let mut want = vec![8.0; 32];
    want[..8].copy_from_slice(&[0.0, 11.0, 6.0, 9.0, 8.0, 15.0, 15.0, 0.0]);
    c.close("codes", &codes_f64(&q), &want, &[32], 0.0)?;
    let back: Vec<f64> = want.iter().map(|w| w - 8.0).collect();
    c.close("dequantized", &q4_0_dequantize(d, &q), &back, &[32], 0.0)
}

fn max_round_trips_exactly() -> Outcome {
    for (seed, scale, at, big) in [(1.0, 0.7, 5usize, 1.9), (2.0, 3.0, 17, -4.3), (3.0, 0.01, 31, -0.0337)] {
        let mut x = random_block(seed, scale);
        x[at] = big;
        let c = Case::new().input("x", &x, &[32]);
        let (d, q) = q4_0_quantize(&x);
        c.scalar("d", d, big / -8.0, 0.0)?;
        c.holds(q.len() == 32, &format!("expected 32 codes, got {}", q.len()))?;
        c.holds(q[at] == 0, &format!("the max-magnitude element x[{at}] = {big} must get code 0, got {}", q[at]))?;
        let back = q4_0_dequantize(d, &q);
        c.holds(back.len() == 32, &format!("expected 32 dequantized values, got {}", back.len()))?;
        c.scalar(&format!("dequantized x[{at}]"), back[at], big, 0.0)?;
    }
    Ok(())
}

fn magnitude_ties() -> Outcome {
    // -4 comes first: max = -4, d = 0.5, 1/d = 2. +4 → ⌊8 + 8.5⌋ = 16 → 15 → 7·0.5 = 3.5.
    let x = block(&[1.0, -4.0, 4.0, -4.0]);
    let c = Case::new().input("x", &x, &[32]);
    let (d, q) = q4_0_quantize(&x);
    c.scalar("d", d, 0.5, 0.0)?;
    let mut want = vec![8.0; 32];
    want[..4].copy_from_slice(&[10.0, 0.0, 15.0, 0.0]);
    c.close("codes", &codes_f64(&q), &want, &[32], 0.0)?;
    c.close("dequantized", &q4_0_dequantize(d, &q), &block(&[1.0, -4.0, 3.5, -4.0]), &[32], 0.0)?;
    // +4 first: max = 4, d = -0.5; now -4 is the capped one: 7·(-0.5) = -3.5.
    let x = block(&[0.0, 4.0, -4.0]);
    let c = Case::new().input("x", &x, &[32]);
    let (d, q) = q4_0_quantize(&x);
    c.scalar("d", d, -0.5, 0.0)?;
    c.close("dequantized", &q4_0_dequantize(d, &q), &block(&[0.0, 4.0, -3.5]), &[32], 0.0)
}

fn error_within_half_step() -> Outcome {
    for (seed, scale) in [(4.0, 1.0), (5.0, 250.0)] {
        let x = random_block(seed, scale);
        let c = Case::new().input("x", &x, &[32]);
        let (d, q) = q4_0_quantize(&x);
        let back = q4_0_dequantize(d, &q);
        c.holds(q.len() == 32 && back.len() == 32, "expected 32 codes and 32 dequantized values")?;
        // Independent: the signed max-magnitude value, and d from it.
        let max = x.iter().copied().fold(0.0f64, |m, v| if v.abs() > m.abs() { v } else { m });
        c.scalar("d", d, max / -8.0, 1e-15)?;
        for j in 0..32 {
            c.holds(q[j] <= 15, &format!("code {j} is {}, outside 0..=15", q[j]))?;
            if x[j] / d <= 7.5 {
                let err = (back[j] - x[j]).abs();
                c.holds(
                    err <= d.abs() / 2.0 * (1.0 + 1e-12),
                    &format!("x[{j}] = {}: code {}, back {}, off by {err:e} > |d|/2 = {:e}", x[j], q[j], back[j], d.abs() / 2.0),
                )?;
            }
        }
    }
    Ok(())
}

fn zeros_block() -> Outcome {
    let x = vec![0.0; 32];
    let c = Case::new().input("x", &x, &[32]);
    let (d, q) = q4_0_quantize(&x);
    c.scalar("d", d, 0.0, 0.0)?;
    c.close("codes", &codes_f64(&q), &[8.0; 32], &[32], 0.0)?;
    c.close("dequantized", &q4_0_dequantize(d, &q), &[0.0; 32], &[32], 0.0)
}
