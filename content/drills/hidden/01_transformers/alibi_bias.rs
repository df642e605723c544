use crate::grade::*;
use crate::learner::{alibi_bias, alibi_slopes};

pub const TESTS: &[Test] = &[
    Test { name: "power_of_two_slopes", checks: "n a power of two: m_h = 2^(-8h/n) for h = 1..n (h starts at 1: no head has slope 1)", run: power_of_two_slopes },
    Test { name: "non_power_of_two_slopes", checks: "n = 3, 6, 12: the p slopes of the largest power of two p < n, then the odd-numbered slopes of the 2p sequence, in that order", run: non_power_of_two_slopes },
    Test { name: "matches_the_papers_recursion", checks: "n = 24 against the paper's get_slopes (a geometric sequence start·ratio^i, recursing on 2p)", run: matches_the_papers_recursion },
    Test { name: "bias_by_hand", checks: "2 heads, t = 3: -slope·(i - j) below the diagonal (a penalty, so negative), 0 on it, -inf above", run: bias_by_hand },
    Test { name: "bias_every_entry", checks: "3 heads, t = 5, flat [h, t, t]: every entry is -m_h·(i - j) or -inf, with the non-power-of-two slopes", run: bias_every_entry },
    Test { name: "one_token", checks: "t = 1: one query, one key at distance 0: the bias is 0 for every head", run: one_token },
];

fn p2(e: f64) -> f64 {
    2f64.powf(e)
}

fn power_of_two_slopes() -> Outcome {
    let want8: Vec<f64> = (1..=8).map(|h| 0.5f64.powi(h)).collect();
    for (n, want) in [(1, vec![p2(-8.0)]), (2, vec![p2(-4.0), p2(-8.0)]), (4, vec![p2(-2.0), p2(-4.0), p2(-6.0), p2(-8.0)]), (8, want8)] {
        let c = Case::new().input_debug("n_heads", &n);
        c.close("alibi_slopes", &alibi_slopes(n), &want, &[n], 1e-12)?;
    }
    Ok(())
}

fn non_power_of_two_slopes() -> Outcome {
    // 3: p = 2 gives 2^-4, 2^-8; the 4-head sequence is 2^-2, 2^-4, 2^-6, 2^-8, its 1st is 2^-2.
    // 6: p = 4 gives 2^-2 … 2^-8; the 8-head sequence's 1st and 3rd are 2^-1, 2^-3.
    // 12: p = 8 gives 2^-1 … 2^-8; the 16-head sequence 2^(-h/2) gives h = 1, 3, 5, 7.
    let mut want12: Vec<f64> = (1..=8).map(|h| p2(-(h as f64))).collect();
    want12.extend([-0.5, -1.5, -2.5, -3.5].map(p2));
    let cases = [
        (3, vec![p2(-4.0), p2(-8.0), p2(-2.0)]),
        (6, vec![p2(-2.0), p2(-4.0), p2(-6.0), p2(-8.0), p2(-1.0), p2(-3.0)]),
        (12, want12),
    ];
    for (n, want) in cases {
        let c = Case::new().input_debug("n_heads", &n);
        c.close("alibi_slopes", &alibi_slopes(n), &want, &[n], 1e-12)?;
    }
    Ok(())
}

/// The reference code of the ALiBi paper, translated:
/// start = 2^(-2^-(log2 n - 3)), slopes start·ratio^i with ratio = start; for other n,
/// get_slopes(p) + get_slopes(2p)[0::2][:n - p].
fn paper_get_slopes(n: usize) -> Vec<f64> {
    let log2 = (n as f64).log2();
    if log2.fract() == 0.0 {
        let start = 2f64.powf(-(2f64.powf(-(log2 - 3.0))));
        return (0..n).map(|i| start * start.powi(i as i32)).collect();
    }
    let p = 2usize.pow(log2.floor() as u32);
    let mut s = paper_get_slopes(p);
    s.extend(paper_get_slopes(2 * p).into_iter().step_by(2).take(n - p));
    s
}

fn matches_the_papers_recursion() -> Outcome {
    let c = Case::new().input_debug("n_heads", &24);
    c.close("alibi_slopes", &alibi_slopes(24), &paper_get_slopes(24), &[24], 1e-12)
}

fn bias_by_hand() -> Outcome {
    let n = f64::NEG_INFINITY;
    let (a, b) = (1.0 / 16.0, 1.0 / 256.0); // the slopes of 2 heads
    #[rustfmt::skip]
    let want = [
        0.0, n, n,   -a, 0.0, n,   -2.0 * a, -a, 0.0,
        0.0, n, n,   -b, 0.0, n,   -2.0 * b, -b, 0.0,
    ];
    let c = Case::new().input_debug("(n_heads, t)", &(2, 3));
    c.close("alibi_bias", &alibi_bias(2, 3), &want, &[2, 3, 3], 1e-12)
}

fn bias_every_entry() -> Outcome {
    let (h, t) = (3, 5);
    let slopes = [p2(-4.0), p2(-8.0), p2(-2.0)]; // worked out in non_power_of_two_slopes
    let mut want = vec![f64::NEG_INFINITY; h * t * t];
    for (hh, m) in slopes.iter().enumerate() {
        for i in 0..t {
            for j in 0..=i {
                want[hh * t * t + i * t + j] = m * (j as f64 - i as f64); // -m·(i - j), +0 on the diagonal
            }
        }
    }
    let c = Case::new().input_debug("(n_heads, t)", &(h, t));
    c.close("alibi_bias", &alibi_bias(h, t), &want, &[h, t, t], 1e-12)
}

fn one_token() -> Outcome {
    let c = Case::new().input_debug("(n_heads, t)", &(4, 1));
    c.close("alibi_bias", &alibi_bias(4, 1), &[0.0; 4], &[4, 1, 1], 1e-12)
}
