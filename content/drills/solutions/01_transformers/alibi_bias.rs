//! ALiBi slopes and the causal linear bias -m_h·(i - j).

/// The ALiBi slope of each of `n_heads` heads, in head order (n_heads >= 1).
pub fn alibi_slopes(n_heads: usize) -> Vec<f64> {
    // n a power of two: 2^(-8h/n), h = 1..n
    let pow2 = |n: usize| -> Vec<f64> { (1..=n).map(|h| 2f64.powf(-8.0 * h as f64 / n as f64)).collect() };
    if n_heads.is_power_of_two() {
        return pow2(n_heads);
    }
    let p = 1 << n_heads.ilog2(); // the largest power of two below n_heads
    let mut slopes = pow2(p);
    // the 1st, 3rd, 5th, … slopes of the 2p-head sequence fall between those of the p-head one
    slopes.extend(pow2(2 * p).into_iter().step_by(2).take(n_heads - p));
    slopes
}

/// The causal ALiBi bias, flat [n_heads, t, t]: -m_h·(i - j) for j <= i, -inf for j > i.
pub fn alibi_bias(n_heads: usize, t: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n_heads * t * t);
    for m in alibi_slopes(n_heads) {
        for i in 0..t {
            out.extend((0..t).map(|j| if j <= i { -m * (i - j) as f64 } else { f64::NEG_INFINITY }));
        }
    }
    out
}
