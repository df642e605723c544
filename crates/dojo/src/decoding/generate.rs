//! The generation loop: prefill the prompt once, then decode one token at a time from the KV
//! cache, streaming text as it becomes complete, until a stopping criterion fires.
//!
//! Prefill runs all P prompt tokens in one forward pass (matrix–matrix products: compute
//! bound); each decode step runs one token (matrix–vector products: every weight is read for
//! one token, so it is memory-bandwidth bound). That is why the two speeds are reported apart.
//!
//! Stopping criteria: a stop token (EOS, `<|im_end|>`), a stop string (checked on the decoded
//! text; text that might be the start of a stop string is held back, not streamed), or the
//! token budget.

use super::sampling::{sample, SamplerConfig};
use crate::models::llama::{Llama, Logits};
use crate::nn::Rng;
use crate::tokenizer::{TokenId, Tokenizer};
use crate::Result;
use std::time::Instant;

/// What to generate and when to stop.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateConfig {
    /// Token budget.
    pub max_tokens: usize,
    /// Tokens that end generation (not included in the output).
    pub stop_tokens: Vec<TokenId>,
    /// Strings that end generation (cut from the output).
    pub stop_strings: Vec<String>,
    /// The sampler.
    pub sampler: SamplerConfig,
    /// Seed of the draws.
    pub seed: u64,
}

impl Default for GenerateConfig {
    fn default() -> Self {
        Self { max_tokens: 128, stop_tokens: vec![], stop_strings: vec![], sampler: SamplerConfig::greedy(), seed: 0 }
    }
}

/// Why generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// A stop token was produced.
    StopToken,
    /// A stop string appeared.
    StopString,
    /// `max_tokens` were generated.
    MaxTokens,
    /// The context window is full.
    Context,
}

/// A finished generation with its timings.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// Generated token ids (without the stop token).
    pub tokens: Vec<TokenId>,
    /// Generated text (cut before a stop string).
    pub text: String,
    /// Why it ended.
    pub stop: StopReason,
    /// Prompt length P.
    pub prompt_tokens: usize,
    /// Seconds spent on the prompt's forward pass (including the first token's logits).
    pub prefill_secs: f64,
    /// Seconds spent after the prompt: the decode steps plus sampling.
    pub decode_secs: f64,
    /// Single-token forward passes in `decode_secs`.
    pub decode_steps: usize,
}

impl Generation {
    /// Prompt tokens per second.
    pub fn prefill_tokens_per_s(&self) -> f64 {
        self.prompt_tokens as f64 / self.prefill_secs.max(1e-9)
    }

    /// Generated tokens per second over the decode steps.
    pub fn decode_tokens_per_s(&self) -> f64 {
        self.decode_steps as f64 / self.decode_secs.max(1e-9)
    }
}

/// Length of the longest suffix of `text` that is a proper prefix of some stop string: text
/// that must not be streamed yet.
fn held_back(text: &str, stops: &[String]) -> usize {
    stops
        .iter()
        .flat_map(|s| (1..s.len()).filter(|&n| s.is_char_boundary(n) && text.ends_with(&s[..n])))
        .max()
        .unwrap_or(0)
}

/// Generates from `prompt` (token ids), calling `on_text` with each newly complete piece of
/// text as it is produced.
pub fn generate(
    model: &Llama,
    tok: &Tokenizer,
    prompt: &[TokenId],
    cfg: &GenerateConfig,
    on_text: &mut dyn FnMut(&str),
) -> Result<Generation> {
    let mut rng = Rng::new(cfg.seed);
    let mut cache = model.new_cache();
    let context = model.config().context;
    let start = Instant::now();
    let mut logits = model.forward(prompt, &mut cache, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
    let prefill_secs = start.elapsed().as_secs_f64();
    let decode_start = Instant::now();
    let mut history: Vec<TokenId> = prompt.to_vec();
    let mut out: Vec<TokenId> = Vec::new();
    let mut streamed = 0; // bytes of text already passed to on_text
    let mut text = String::new();
    let mut decode_steps = 0;
    let stop = loop {
        if out.len() >= cfg.max_tokens {
            break StopReason::MaxTokens;
        }
        let next = sample(&logits, &history, &cfg.sampler, &mut rng);
        if cfg.stop_tokens.contains(&next) {
            break StopReason::StopToken;
        }
        out.push(next);
        history.push(next);
        // Text so far; a token may end inside a multi-byte character, so stream only the
        // valid UTF-8 prefix.
        let bytes = tok.decode_bytes(&out);
        let valid = match std::str::from_utf8(&bytes) {
            Ok(s) => s,
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).expect("valid prefix"),
        };
        text = valid.to_string();
        if let Some((at, _)) = cfg.stop_strings.iter().filter_map(|s| text.find(s.as_str()).map(|i| (i, s))).min() {
            text.truncate(at);
            if at > streamed {
                on_text(&text[streamed..]);
            }
            break StopReason::StopString;
        }
        let safe = text.len() - held_back(&text, &cfg.stop_strings);
        if safe > streamed {
            on_text(&text[streamed..safe]);
            streamed = safe;
        }
        if history.len() >= context {
            break StopReason::Context;
        }
        if out.len() < cfg.max_tokens {
            logits = model.forward(&[next], &mut cache, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
            decode_steps += 1;
        }
    };
    if stop != StopReason::StopString && text.len() > streamed {
        on_text(&text[streamed..]);
    }
    Ok(Generation {
        tokens: out,
        text,
        stop,
        prompt_tokens: prompt.len(),
        prefill_secs,
        decode_secs: decode_start.elapsed().as_secs_f64(),
        decode_steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_back_possible_stop_string_prefixes() {
        let stops = vec!["\nUser:".to_string()];
        assert_eq!(held_back("Hello\nUs", &stops), 3);
        assert_eq!(held_back("Hello", &stops), 0);
        assert_eq!(held_back("Hello\n", &stops), 1);
    }
}
