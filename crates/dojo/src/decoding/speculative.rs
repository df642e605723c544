//! Speculative decoding (Leviathan et al. 2023; Chen et al. 2023): a cheap draft model
//! proposes γ tokens one by one, the target model checks all of them in *one* forward pass,
//! and a rejection rule keeps exactly the target's distribution.
//!
//! For each drafted token x (drawn from the draft's q), accept with probability
//! min(1, p(x) / q(x)); at the first rejection draw instead from the residual
//! norm(max(0, p − q)) and stop; if all γ are accepted, draw one bonus token from the target's
//! next distribution. Then P(output = y) = q(y)·min(1, p(y)/q(y)) + (1 − Σ min(p, q))·residual(y)
//! = min(p, q)(y) + max(0, p − q)(y) = p(y): the output is distributed as the target alone
//! would sample it. Greedy (both distributions one-hot) reduces to "accept while the argmaxes
//! agree", so the output equals greedy decoding token for token.
//!
//! Each round costs γ draft steps + one target pass over γ + 1 tokens, and yields between 1
//! and γ + 1 tokens. It pays when the target's pass is memory-bound (reading all weights for
//! one token costs about as much as for a few) and the draft agrees often.
//!
//! The draft here is a subset of the model's own layers followed by its final norm and output
//! head (self-speculative: early exit as in LayerSkip, Elhoushi et al. 2024, or skipping middle
//! layers as in Draft & Verify, Zhang et al. 2023): no second model to load.

use super::generate::{GenerateConfig, Generation, StopReason, Stream};
use super::sampling::{distribution, draw};
use crate::models::llama::{Llama, Logits};
use crate::nn::Rng;
use crate::tokenizer::{TokenId, Tokenizer};
use crate::Result;
use std::time::Instant;

/// How to draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeculativeConfig {
    /// The model's layers the draft runs, increasing (SmolLM2 has 30: 0..30).
    pub draft_layers: Vec<usize>,
    /// γ, tokens drafted per round.
    pub lookahead: usize,
}

impl SpeculativeConfig {
    /// Draft with the first `n` layers (early exit).
    pub fn first_layers(n: usize, lookahead: usize) -> Self {
        Self { draft_layers: (0..n).collect(), lookahead }
    }

    /// Draft with the first `head` and last `tail` layers of an `l`-layer model, skipping the
    /// middle (the layers that change the hidden state least, cf. Draft & Verify, Zhang et
    /// al. 2023): the last layers turn the state into something the output head can read.
    pub fn skip_middle(l: usize, head: usize, tail: usize, lookahead: usize) -> Self {
        let tail = tail.min(l.saturating_sub(head));
        Self { draft_layers: (0..head.min(l)).chain(l - tail..l).collect(), lookahead }
    }
}

impl Default for SpeculativeConfig {
    fn default() -> Self {
        Self::skip_middle(30, 8, 6, 4)
    }
}

/// Counts that explain the speed-up.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SpeculativeStats {
    /// Tokens the draft proposed.
    pub drafted: usize,
    /// Drafted tokens the target accepted.
    pub accepted: usize,
    /// Target forward passes after the prompt.
    pub target_passes: usize,
}

impl SpeculativeStats {
    /// accepted / drafted.
    pub fn acceptance_rate(&self) -> f64 {
        self.accepted as f64 / self.drafted.max(1) as f64
    }
}

/// The verification rule. `p` holds the target's distribution at each drafted position plus
/// one more (γ + 1 rows), `q` the draft's (γ rows), `drafts` the γ drafted tokens. Returns the
/// tokens to append: the accepted drafts, then one token from the residual or the bonus row.
pub fn verify(p: &[Vec<f32>], q: &[Vec<f32>], drafts: &[TokenId], rng: &mut Rng) -> Vec<TokenId> {
    let mut out = Vec::with_capacity(drafts.len() + 1);
    for (i, &x) in drafts.iter().enumerate() {
        let (px, qx) = (p[i][x as usize], q[i][x as usize]);
        if qx > 0.0 && (rng.uniform() as f32) < (px / qx).min(1.0) {
            out.push(x);
            continue;
        }
        let residual: Vec<f32> = p[i].iter().zip(&q[i]).map(|(a, b)| (a - b).max(0.0)).collect();
        let mass: f32 = residual.iter().sum();
        // mass is 0 only if p == q, where every draft is accepted; guard rounding anyway.
        let y = if mass > 0.0 {
            draw(&residual.iter().map(|r| r / mass).collect::<Vec<_>>(), rng)
        } else {
            draw(&p[i], rng)
        };
        out.push(y as TokenId);
        return out;
    }
    out.push(draw(&p[drafts.len()], rng) as TokenId);
    out
}

/// Generates like [`super::generate()`] (same sampler, same stopping), drafting with the model's
/// first `spec.draft_layers` layers.
pub fn speculative_generate(
    model: &Llama,
    tok: &Tokenizer,
    prompt: &[TokenId],
    cfg: &GenerateConfig,
    spec: &SpeculativeConfig,
    on_text: &mut dyn FnMut(&str),
) -> Result<(Generation, SpeculativeStats)> {
    let mut rng = Rng::new(cfg.seed);
    let (mut target, mut draft) = (model.new_cache(), model.new_cache_for_layers(&spec.draft_layers)?);
    let gamma = spec.lookahead.max(1);
    let context = model.config().context;
    let mut seq: Vec<TokenId> = prompt.to_vec();
    let mut stats = SpeculativeStats::default();
    // Invariant: the target cache holds seq[..len − 1]; the last token is fed with the drafts.
    let start = Instant::now();
    if seq.len() > 1 {
        model.forward(&seq[..seq.len() - 1], &mut target, Logits::Last)?;
    }
    let prefill_secs = start.elapsed().as_secs_f64();
    let decode_start = Instant::now();
    let mut out = Stream::new(tok, cfg, on_text);
    let stop = 'outer: loop {
        if cfg.max_tokens == 0 {
            break StopReason::MaxTokens;
        }
        if seq.len() + gamma + 1 > context {
            break StopReason::Context;
        }
        // 1. Draft γ tokens; the draft first catches up on whatever it has not seen.
        let (mut drafts, mut q) = (Vec::with_capacity(gamma), Vec::with_capacity(gamma));
        let mut feed: Vec<TokenId> = seq[draft.len()..].to_vec();
        for _ in 0..gamma {
            let logits = model.forward(&feed, &mut draft, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
            let history: Vec<TokenId> = seq.iter().chain(&drafts).copied().collect();
            let dist = distribution(&logits, &history, &cfg.sampler);
            let x = draw(&dist, &mut rng) as TokenId;
            drafts.push(x);
            q.push(dist);
            feed = vec![x];
        }
        // 2. One target pass over the last accepted token and the γ drafts: γ + 1 rows.
        let before = target.len();
        let input: Vec<TokenId> =
            std::iter::once(*seq.last().expect("non-empty")).chain(drafts.iter().copied()).collect();
        let rows = model.forward(&input, &mut target, Logits::All)?.to_vec2::<f32>()?;
        let p: Vec<Vec<f32>> = rows
            .iter()
            .enumerate()
            .map(|(i, z)| {
                let history: Vec<TokenId> = seq.iter().chain(&drafts[..i]).copied().collect();
                distribution(z, &history, &cfg.sampler)
            })
            .collect();
        // 3. Accept or correct.
        let new = verify(&p, &q, &drafts, &mut rng);
        let accepted = new.len() - 1;
        stats.drafted += gamma;
        stats.accepted += accepted;
        stats.target_passes += 1;
        // Roll both caches back to the accepted prefix (the newest token stays pending).
        target.truncate(before + 1 + accepted);
        draft.truncate((before + 1 + accepted).min(draft.len()));
        for &t in &new {
            seq.push(t);
            if let Some(stop) = out.push(t) {
                break 'outer stop;
            }
        }
    };
    let generation = out.finish(stop, prompt.len(), prefill_secs, decode_start, stats.target_passes);
    Ok((generation, stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decoding::sampling::chi_square;

    #[test]
    fn output_is_distributed_as_the_target_not_the_draft() {
        let p = vec![0.5f32, 0.3, 0.15, 0.05];
        let q = vec![0.1f32, 0.2, 0.3, 0.4]; // a bad draft: it prefers what the target does not
        let mut rng = Rng::new(9);
        let mut counts = [0usize; 4];
        let mut accepted = 0;
        let n = 40_000;
        for _ in 0..n {
            let x = draw(&q, &mut rng) as TokenId;
            let out = verify(&[p.clone(), p.clone()], std::slice::from_ref(&q), &[x], &mut rng);
            counts[out[0] as usize] += 1;
            accepted += usize::from(out.len() == 2);
        }
        // 3 degrees of freedom; 16.27 is the 0.1% critical value.
        let chi = chi_square(&counts, &p);
        assert!(chi < 16.27, "χ² {chi:.1}: counts {counts:?} vs p {p:?}");
        // Acceptance probability is Σ min(p, q) = 0.1 + 0.2 + 0.15 + 0.05 = 0.5.
        let rate = accepted as f64 / n as f64;
        assert!((rate - 0.5).abs() < 0.01, "{rate}");
    }

    #[test]
    fn greedy_accepts_while_argmaxes_agree() {
        let one_hot = |i: usize| {
            let mut v = vec![0f32; 5];
            v[i] = 1.0;
            v
        };
        let mut rng = Rng::new(0);
        // Target wants 1, 2, 3, then bonus 4; draft proposed 1, 2, 0.
        let p = vec![one_hot(1), one_hot(2), one_hot(3), one_hot(4)];
        let q = vec![one_hot(1), one_hot(2), one_hot(0)];
        assert_eq!(verify(&p, &q, &[1, 2, 0], &mut rng), [1, 2, 3]);
        let q = vec![one_hot(1), one_hot(2), one_hot(3)];
        assert_eq!(verify(&p, &q, &[1, 2, 3], &mut rng), [1, 2, 3, 4]);
    }
}
