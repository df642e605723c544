//! ALiBi: no position embeddings at all; instead each head adds a linear penalty for distance
//! to its attention scores.
//!
//! Paper: Press et al. 2022, "Train Short, Test Long", arXiv:2108.12409, section 3.
//! Builds on [`super::attention`]: the bias is just another additive mask.
//! Left out on purpose: the symmetric (|i − j|) variant for bidirectional encoders.
//!
//! score(i, j) = qᵢ·kⱼ / √D − m_h · (i − j),  for key j ≤ query i
//!
//! where m_h is head h's slope: a geometric sequence, so some heads look far back (small m) and
//! some only nearby (large m). Because the penalty only depends on i − j and keeps growing past
//! the training length, models trained with it extrapolate to longer inputs.

use crate::{Error, Result};
use candle_core::{Device, Tensor};

/// The head slopes m₁ … m_H.
///
/// For H a power of two: mₕ = 2^(−8h/H), h = 1 … H (H = 8 gives 1/2, 1/4, …, 1/256).
/// Otherwise, with n the largest power of two below H: the n slopes for n heads, then every
/// other slope of the 2n-head sequence (the odd-indexed 2^(−8(2k−1)/(2n))) until H are taken,
/// the paper's rule for keeping the slopes spread evenly.
pub fn alibi_slopes(heads: usize) -> Vec<f64> {
    fn power_of_two(n: usize) -> Vec<f64> {
        (1..=n).map(|h| 2f64.powf(-8.0 * h as f64 / n as f64)).collect()
    }
    if heads == 0 {
        return Vec::new();
    }
    if heads.is_power_of_two() {
        return power_of_two(heads);
    }
    let n = 1 << heads.ilog2(); // the largest power of two below `heads`
    let mut s = power_of_two(n);
    s.extend(alibi_slopes(2 * n).into_iter().step_by(2).take(heads - n));
    s
}

/// The additive ALiBi bias for T queries at positions `offset..offset+T` over S keys
/// (positions 0..S), combined with the causal mask: −mₕ·(i − j) where j ≤ i, −∞ where j > i.
///
/// # Shapes
/// → (1, H, T, S), broadcasts against the (B, H, T, S) scores.
pub fn alibi_bias(heads: usize, t: usize, s: usize, device: &Device) -> Result<Tensor> {
    if s < t {
        return Err(Error::Config(format!("alibi_bias: key length S={s} is shorter than query length T={t}")));
    }
    let offset = s - t; // queries are the last T of S positions
    let mut v = Vec::with_capacity(heads * t * s);
    for m in alibi_slopes(heads) {
        for i in offset..offset + t {
            v.extend((0..s).map(|j| if j <= i { -(m * (i - j) as f64) as f32 } else { f32::NEG_INFINITY }));
        }
    }
    Ok(Tensor::from_vec(v, (1, heads, t, s), device)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slopes_for_eight_heads_are_halvings() {
        let want: Vec<f64> = (1..=8).map(|h| 0.5f64.powi(h)).collect();
        assert_eq!(alibi_slopes(8), want);
    }

    #[test]
    fn slopes_for_twelve_heads_follow_the_papers_rule() {
        // n = 8: 2^-1 … 2^-8, then from the 16-head sequence 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5.
        let mut want: Vec<f64> = (1..=8).map(|h| 0.5f64.powi(h)).collect();
        want.extend([0.5, 1.5, 2.5, 3.5].iter().map(|e| 2f64.powf(-e)));
        let got = alibi_slopes(12);
        assert_eq!(got.len(), 12);
        assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-15), "{got:?}");
        assert_eq!(alibi_slopes(1), [2f64.powi(-8)]);
    }

    #[test]
    fn matches_the_papers_get_slopes_for_power_and_non_power_of_two_heads() {
        let f = crate::nn::fixtures::Fixture::load("transformers/alibi");
        for h in [8, 12] {
            let slopes =
                Tensor::new(alibi_slopes(h).iter().map(|&s| s as f32).collect::<Vec<_>>(), &Device::Cpu).unwrap();
            f.assert_close(&slopes, &format!("slopes_h{h}"), crate::nn::Tolerance::F32);
            f.assert_close(
                &alibi_bias(h, 6, 6, &Device::Cpu).unwrap(),
                &format!("bias_h{h}"),
                crate::nn::Tolerance::F32,
            );
        }
    }

    #[test]
    fn bias_is_distance_times_slope_and_causal() {
        // One head of 2 has slope 2^-4 = 1/16: row i = 2 over S = 3 keys is [−2/16, −1/16, 0].
        let b = alibi_bias(2, 3, 3, &Device::Cpu).unwrap();
        assert_eq!(b.dims(), [1, 2, 3, 3]);
        let rows = b.squeeze(0).unwrap().to_vec3::<f32>().unwrap();
        assert_eq!(rows[0][2], vec![-2.0 / 16.0, -1.0 / 16.0, 0.0]);
        assert_eq!(rows[0][0][1], f32::NEG_INFINITY);
        // With a cache (T = 1 query at position 2 over S = 3), it is the last row.
        let last = alibi_bias(2, 1, 3, &Device::Cpu).unwrap().squeeze(0).unwrap().to_vec3::<f32>().unwrap();
        assert_eq!(last[1][0], rows[1][2]);
    }
}
