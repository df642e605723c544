//! Beam search: keep the `B` most probable partial sequences instead of one, so a token that
//! looks worse now but leads to a better sequence is not thrown away (greedy is B = 1).
//!
//! Each step expands every live beam by its most likely next tokens, scores each candidate by
//! its total log-probability, and keeps the best B. A candidate ending in a stop token becomes
//! a finished hypothesis, scored with a length penalty (Wu et al. 2016, as in Hugging Face):
//!
//! ```text
//!   score = Σ log p / Lᵅ      (L = generated tokens, stop token included)
//! ```
//!
//! Summed log-probabilities only fall as sequences grow, so without it (α = 0) beam search
//! prefers short outputs; α = 1 is the mean log-probability; α > 1 favours longer ones.
//!
//! Stopping: with `early_stopping`, as soon as B hypotheses are finished; otherwise once the
//! best live beam, scored as if it ended now, no longer beats the worst of the B finished ones
//! (Hugging Face's heuristic). Known weakness: on open-ended text the most probable beams are
//! generic and repetitive, which is why chat models sample instead.

use super::sampling::argmax;
use crate::models::llama::{Llama, LlamaCache, Logits};
use crate::tokenizer::TokenId;
use crate::Result;

/// Beam search settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BeamConfig {
    /// B, the beam width.
    pub beams: usize,
    /// α of the length penalty.
    pub length_penalty: f32,
    /// Stop once B hypotheses are finished.
    pub early_stopping: bool,
    /// Longest generation.
    pub max_tokens: usize,
    /// Tokens that finish a hypothesis.
    pub stop_tokens: Vec<TokenId>,
}

impl Default for BeamConfig {
    fn default() -> Self {
        Self { beams: 4, length_penalty: 1.0, early_stopping: true, max_tokens: 64, stop_tokens: vec![] }
    }
}

/// A finished (or cut-off) sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Hypothesis {
    /// Generated tokens (the stop token not included).
    pub tokens: Vec<TokenId>,
    /// Σ log p of the generated tokens (stop token included if it ended).
    pub logprob: f64,
    /// logprob / Lᵅ.
    pub score: f64,
}

/// A live beam.
struct Beam {
    tokens: Vec<TokenId>,
    logprob: f64,
    cache: LlamaCache,
    logprobs: Vec<f32>, // log-distribution of the next token
}

fn log_softmax(z: &[f32]) -> Vec<f32> {
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let lse = m + z.iter().map(|x| (x - m).exp()).sum::<f32>().ln();
    z.iter().map(|x| x - lse).collect()
}

fn penalized(logprob: f64, len: usize, alpha: f32) -> f64 {
    logprob / (len.max(1) as f64).powf(alpha as f64)
}

/// The `k` largest entries of `xs` as (index, value), best first.
fn top(xs: &[f32], k: usize) -> Vec<(usize, f32)> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    let k = k.min(xs.len());
    idx.select_nth_unstable_by(k.saturating_sub(1), |&a, &b| xs[b].total_cmp(&xs[a]));
    let mut best: Vec<(usize, f32)> = idx[..k].iter().map(|&i| (i, xs[i])).collect();
    best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    best
}

/// Runs beam search from `prompt`; returns the finished hypotheses, best score first.
pub fn beam_search(model: &Llama, prompt: &[TokenId], cfg: &BeamConfig) -> Result<Vec<Hypothesis>> {
    let width = cfg.beams.max(1);
    let mut cache = model.new_cache();
    let logits = model.forward(prompt, &mut cache, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
    let mut live = vec![Beam { tokens: vec![], logprob: 0.0, cache, logprobs: log_softmax(&logits) }];
    let mut done: Vec<Hypothesis> = Vec::new();
    for step in 0..cfg.max_tokens {
        // Every (beam, token) candidate among each beam's 2B best tokens (enough to refill B
        // beams even if B of them are stop tokens).
        let mut cands: Vec<(f64, usize, TokenId)> = Vec::new();
        for (bi, b) in live.iter().enumerate() {
            for (tok, lp) in top(&b.logprobs, 2 * width) {
                cands.push((b.logprob + lp as f64, bi, tok as TokenId));
            }
        }
        cands.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut next: Vec<(usize, TokenId, f64)> = Vec::new();
        for (lp, bi, tok) in cands {
            if cfg.stop_tokens.contains(&tok) {
                let tokens = live[bi].tokens.clone();
                done.push(Hypothesis {
                    score: penalized(lp, tokens.len() + 1, cfg.length_penalty),
                    tokens,
                    logprob: lp,
                });
            } else if next.len() < width {
                next.push((bi, tok, lp));
            }
            if next.len() == width {
                break;
            }
        }
        done.sort_by(|a, b| b.score.total_cmp(&a.score));
        done.truncate(width);
        let finished = if cfg.early_stopping {
            done.len() >= width
        } else {
            // The best live beam, scored now, cannot beat the worst kept hypothesis.
            let best_live = next.first().map_or(f64::NEG_INFINITY, |n| penalized(n.2, step + 1, cfg.length_penalty));
            done.len() >= width && done.last().is_some_and(|w| w.score >= best_live)
        };
        if finished || next.is_empty() {
            live.clear();
            break;
        }
        // Extend the surviving beams by one token each (fork a cache when a beam branches).
        let mut new_live = Vec::with_capacity(next.len());
        for (k, &(bi, tok, lp)) in next.iter().enumerate() {
            // The last candidate from a beam takes its cache; earlier ones get copies.
            let later_user = next[k + 1..].iter().any(|n| n.0 == bi);
            let mut cache = if later_user {
                live[bi].cache.clone()
            } else {
                std::mem::replace(&mut live[bi].cache, model.new_cache())
            };
            let logits = model.forward(&[tok], &mut cache, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
            let mut tokens = live[bi].tokens.clone();
            tokens.push(tok);
            new_live.push(Beam { tokens, logprob: lp, cache, logprobs: log_softmax(&logits) });
        }
        live = new_live;
    }
    // Beams cut off by the token budget compete with the finished ones.
    for b in live {
        done.push(Hypothesis {
            score: penalized(b.logprob, b.tokens.len(), cfg.length_penalty),
            tokens: b.tokens,
            logprob: b.logprob,
        });
    }
    done.sort_by(|a, b| b.score.total_cmp(&a.score));
    done.truncate(width);
    Ok(done)
}

/// Greedy decoding written as beam search's B = 1 special case (used to check it).
pub fn greedy_tokens(model: &Llama, prompt: &[TokenId], max_tokens: usize) -> Result<Vec<TokenId>> {
    let mut cache = model.new_cache();
    let mut out = Vec::new();
    let mut logits = model.forward(prompt, &mut cache, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
    for _ in 0..max_tokens {
        let t = argmax(&logits) as TokenId;
        out.push(t);
        logits = model.forward(&[t], &mut cache, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_penalty_normalizes_by_length() {
        // Two hypotheses: short (−2 over 2 tokens), long (−3 over 6 tokens).
        assert!(penalized(-2.0, 2, 0.0) > penalized(-3.0, 6, 0.0)); // α = 0: short wins
        assert!(penalized(-2.0, 2, 1.0) < penalized(-3.0, 6, 1.0)); // α = 1: −1 vs −0.5, long wins
    }

    #[test]
    fn top_returns_best_first() {
        assert_eq!(top(&[0.1, 0.5, -1.0, 0.3], 2), [(1, 0.5), (3, 0.3)]);
        let lp = log_softmax(&[0.0, 0.0]);
        assert!((lp[0] - 0.5f32.ln()).abs() < 1e-6);
    }
}
