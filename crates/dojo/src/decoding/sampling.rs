//! Turning a next-token distribution into one token: penalties, temperature, truncation
//! filters, then a draw.
//!
//! The order: penalties change logits; temperature rescales them; top-k, typical, top-p and
//! min-p (in that order) each *remove* tokens (set their logit to −∞); the draw is from the
//! softmax of what is left. Every filter keeps at least one token. Temperature first is
//! Hugging Face's choice too (its typical filter runs after top-p and min-p, not before).
//!
//! subtle: the order matters. Top-k does not depend on τ, but top-p, min-p and typical do:
//! after a τ < 1 sharpening, fewer tokens reach the nucleus mass. llama.cpp's default sampler
//! chain applies temperature *after* its filters, so the same settings can keep a different
//! set of tokens there.
//!
//! - **Temperature** τ: p ∝ exp(z / τ). τ → 0 is greedy, τ = 1 the model, τ > 1 flatter.
//! - **Top-k**: keep the k most likely tokens.
//! - **Top-p (nucleus)**, Holtzman et al. 2019: keep the smallest most-likely set whose
//!   probability reaches p.
//! - **Min-p**, Nguyen et al. 2024: keep tokens with p ≥ min_p · p_max, so the cut-off adapts
//!   to the model's confidence.
//! - **Typical**, Meister et al. 2022: keep the tokens whose surprisal −log p is closest to the
//!   entropy H, smallest set reaching mass `typical`.
//! - **Repetition penalty** (CTRL, Keskar et al. 2019): a seen token's logit z becomes z / r if
//!   z > 0, z · r otherwise. **Frequency / presence** (OpenAI): z − count · f − 𝟙(count > 0) · p.

use crate::nn::Rng;
use crate::tokenizer::TokenId;

/// Every knob of the sampler. `Default` is plain sampling at temperature 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SamplerConfig {
    /// τ; 0 means greedy (argmax).
    pub temperature: f32,
    /// Keep the k most likely (0 = off).
    pub top_k: usize,
    /// Nucleus mass (1 = off).
    pub top_p: f32,
    /// Relative floor (0 = off).
    pub min_p: f32,
    /// Typical-set mass (1 = off).
    pub typical: f32,
    /// CTRL repetition penalty (1 = off).
    pub repetition_penalty: f32,
    /// Subtracted once per earlier occurrence (0 = off).
    pub frequency_penalty: f32,
    /// Subtracted once if the token occurred (0 = off).
    pub presence_penalty: f32,
    /// θ of entropy-based dynamic temperature (0 = off): τ becomes τ · 0.8^(θ/H)
    /// ([`super::adaptive`]).
    pub edt_theta: f32,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        Self {
            temperature: 1.0,
            top_k: 0,
            top_p: 1.0,
            min_p: 0.0,
            typical: 1.0,
            repetition_penalty: 1.0,
            frequency_penalty: 0.0,
            presence_penalty: 0.0,
            edt_theta: 0.0,
        }
    }
}

impl SamplerConfig {
    /// Greedy decoding.
    pub fn greedy() -> Self {
        Self { temperature: 0.0, ..Self::default() }
    }
}

/// Index of the largest value (the first one on ties).
pub fn argmax(xs: &[f32]) -> usize {
    xs.iter().enumerate().fold(0, |best, (i, &x)| if x > xs[best] { i } else { best })
}

/// softmax(z), ignoring −∞ entries (they get probability 0).
pub fn softmax(z: &[f32]) -> Vec<f32> {
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = z.iter().map(|&x| if x == f32::NEG_INFINITY { 0.0 } else { (x - m).exp() }).collect();
    let s: f32 = e.iter().sum();
    e.into_iter().map(|x| x / s).collect()
}

/// Applies the repetition, frequency and presence penalties for the tokens in `history`.
pub fn apply_penalties(logits: &mut [f32], history: &[TokenId], cfg: &SamplerConfig) {
    if cfg.repetition_penalty == 1.0 && cfg.frequency_penalty == 0.0 && cfg.presence_penalty == 0.0 {
        return;
    }
    let mut counts = std::collections::HashMap::<TokenId, f32>::new();
    for &t in history {
        *counts.entry(t).or_default() += 1.0;
    }
    for (&t, &n) in &counts {
        let Some(z) = logits.get_mut(t as usize) else { continue };
        *z = if *z > 0.0 { *z / cfg.repetition_penalty } else { *z * cfg.repetition_penalty };
        *z -= n * cfg.frequency_penalty + cfg.presence_penalty;
    }
}

/// Token ids sorted by logit, largest first.
fn order(z: &[f32]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..z.len()).collect();
    idx.sort_by(|&a, &b| z[b].total_cmp(&z[a]).then(a.cmp(&b)));
    idx
}

/// Removes all but the `k` largest logits.
pub fn top_k(z: &mut [f32], k: usize) {
    if k == 0 || k >= z.len() {
        return;
    }
    for &i in &order(z)[k..] {
        z[i] = f32::NEG_INFINITY;
    }
}

/// Keeps the smallest set of most likely tokens whose total probability is ≥ `p`.
pub fn top_p(z: &mut [f32], p: f32) {
    if p >= 1.0 {
        return;
    }
    let probs = softmax(z);
    let mut mass = 0.0;
    let idx = order(z);
    for (rank, &i) in idx.iter().enumerate() {
        mass += probs[i];
        if mass >= p {
            for &j in &idx[rank + 1..] {
                z[j] = f32::NEG_INFINITY;
            }
            return;
        }
    }
}

/// Keeps tokens with probability ≥ `min_p` × the largest probability.
pub fn min_p(z: &mut [f32], min_p: f32) {
    if min_p <= 0.0 {
        return;
    }
    // p_i / p_max = exp(z_i − z_max), so compare in log space.
    let zmax = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let floor = zmax + min_p.ln();
    for x in z.iter_mut() {
        if *x < floor {
            *x = f32::NEG_INFINITY;
        }
    }
}

/// Locally typical sampling: keep tokens whose surprisal is closest to the entropy, in that
/// order, until their mass reaches `mass`.
pub fn typical(z: &mut [f32], mass: f32) {
    if mass >= 1.0 {
        return;
    }
    let p = softmax(z);
    let entropy: f32 = p.iter().filter(|&&q| q > 0.0).map(|&q| -q * q.ln()).sum();
    let mut idx: Vec<usize> = (0..z.len()).filter(|&i| p[i] > 0.0).collect();
    let dist = |i: usize| (-p[i].ln() - entropy).abs();
    idx.sort_by(|&a, &b| dist(a).total_cmp(&dist(b)).then(a.cmp(&b)));
    let mut acc = 0.0;
    let mut keep = vec![false; z.len()];
    for &i in &idx {
        keep[i] = true;
        acc += p[i];
        if acc >= mass {
            break;
        }
    }
    for (x, k) in z.iter_mut().zip(keep) {
        if !k {
            *x = f32::NEG_INFINITY;
        }
    }
}

/// The final distribution: penalties, temperature, then the filters. For τ = 0 it is one-hot
/// on the argmax (after penalties).
pub fn distribution(logits: &[f32], history: &[TokenId], cfg: &SamplerConfig) -> Vec<f32> {
    let mut z = logits.to_vec();
    apply_penalties(&mut z, history, cfg);
    if cfg.temperature <= 0.0 {
        let mut p = vec![0.0; z.len()];
        p[argmax(&z)] = 1.0;
        return p;
    }
    let tau = if cfg.edt_theta > 0.0 {
        super::adaptive::edt_temperature(&z, cfg.temperature, cfg.edt_theta).max(1e-4)
    } else {
        cfg.temperature
    };
    for x in z.iter_mut() {
        *x /= tau;
    }
    top_k(&mut z, cfg.top_k);
    typical(&mut z, cfg.typical);
    top_p(&mut z, cfg.top_p);
    min_p(&mut z, cfg.min_p);
    softmax(&z)
}

/// Draws an index from probabilities `p` (summing to 1).
pub fn draw(p: &[f32], rng: &mut Rng) -> usize {
    let u = rng.uniform() as f32;
    let mut acc = 0.0;
    for (i, &q) in p.iter().enumerate() {
        acc += q;
        if u < acc {
            return i;
        }
    }
    // Rounding left the sum a hair under 1: return the last token with mass.
    p.iter().rposition(|&q| q > 0.0).unwrap_or(0)
}

/// Pearson's χ² statistic of observed `counts` against expected probabilities `p` (categories
/// with p = 0 are left out): how sampling tests check that draws follow a distribution.
pub fn chi_square(counts: &[usize], p: &[f32]) -> f64 {
    let n = counts.iter().sum::<usize>() as f64;
    counts
        .iter()
        .zip(p)
        .filter(|(_, &q)| q > 0.0)
        .map(|(&c, &q)| (c as f64 - n * q as f64).powi(2) / (n * q as f64))
        .sum()
}

/// One sampling step: the distribution, then a draw (argmax when greedy).
pub fn sample(logits: &[f32], history: &[TokenId], cfg: &SamplerConfig, rng: &mut Rng) -> TokenId {
    let p = distribution(logits, history, cfg);
    if cfg.temperature <= 0.0 {
        return argmax(&p) as TokenId;
    }
    draw(&p, rng) as TokenId
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(z: &[f32]) -> Vec<usize> {
        (0..z.len()).filter(|&i| z[i] > f32::NEG_INFINITY).collect()
    }

    /// Logits of probabilities [0.5, 0.25, 0.125, 0.0625, 0.0625].
    fn five() -> Vec<f32> {
        [0.5f32, 0.25, 0.125, 0.0625, 0.0625].iter().map(|p| p.ln()).collect()
    }

    #[test]
    fn filters_hand_checked() {
        let mut z = five();
        top_k(&mut z, 2);
        assert_eq!(kept(&z), [0, 1]);
        let mut z = five();
        top_p(&mut z, 0.7); // 0.5 < 0.7 ≤ 0.75
        assert_eq!(kept(&z), [0, 1]);
        let mut z = five();
        top_p(&mut z, 0.8); // needs the third token: 0.75 < 0.8 ≤ 0.875
        assert_eq!(kept(&z), [0, 1, 2]);
        let mut z = five();
        min_p(&mut z, 0.2); // floor 0.1: keeps 0.5, 0.25, 0.125
        assert_eq!(kept(&z), [0, 1, 2]);
        // Entropy H = 0.5·1 + 0.25·2 + 0.125·3 + 2·0.0625·4 = 1.875 bits = 1.2997 nats. Surprisal
        // (bits): 1, 2, 3, 4, 4 → distances 0.875, 0.125, 1.125, 2.125, 2.125: order 1, 0, 2.
        let mut z = five();
        typical(&mut z, 0.7); // 0.25 + 0.5 = 0.75 ≥ 0.7
        assert_eq!(kept(&z), [0, 1]);
        let mut z = five();
        typical(&mut z, 0.2);
        assert_eq!(kept(&z), [1]);
    }

    #[test]
    fn penalties_hand_checked() {
        let cfg = SamplerConfig { repetition_penalty: 2.0, ..SamplerConfig::default() };
        let mut z = vec![2.0, -2.0, 1.0];
        apply_penalties(&mut z, &[0, 1, 1], &cfg);
        assert_eq!(z, [1.0, -4.0, 1.0]); // positive divided, negative multiplied, once each
        let cfg = SamplerConfig { frequency_penalty: 0.5, presence_penalty: 0.25, ..SamplerConfig::default() };
        let mut z = vec![0.0, 0.0, 0.0];
        apply_penalties(&mut z, &[1, 1, 2], &cfg);
        assert_eq!(z, [0.0, -1.25, -0.75]);
    }

    #[test]
    fn temperature_zero_is_argmax_and_one_is_the_model() {
        let z = five();
        let p = distribution(&z, &[], &SamplerConfig::greedy());
        assert_eq!(p, [1.0, 0.0, 0.0, 0.0, 0.0]);
        let p = distribution(&z, &[], &SamplerConfig::default());
        assert!((p[2] - 0.125).abs() < 1e-6);
    }

    #[test]
    fn draws_follow_the_filtered_distribution() {
        let z = five();
        let cfg = SamplerConfig { temperature: 0.8, top_k: 4, top_p: 0.95, ..SamplerConfig::default() };
        let p = distribution(&z, &[], &cfg);
        assert_eq!(p[4], 0.0);
        let mut rng = Rng::new(3);
        let mut counts = [0usize; 5];
        for _ in 0..20_000 {
            counts[sample(&z, &[], &cfg, &mut rng) as usize] += 1;
        }
        assert_eq!(counts[4], 0, "a filtered token was drawn");
        // 4 categories with mass → 3 degrees of freedom; 16.27 is the 0.1% critical value.
        let chi = chi_square(&counts, &p);
        assert!(chi < 16.27, "χ² = {chi:.2}, counts {counts:?}, p {p:?}");
    }
}
