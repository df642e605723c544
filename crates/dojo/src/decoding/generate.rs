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
use crate::models::llama::{Llama, LlamaCache, Logits};
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
    /// Prompt tokens the prefill ran: P, less a prefix that came cached.
    pub prompt_tokens: usize,
    /// Seconds spent on the prompt's forward pass (including the first token's logits).
    pub prefill_secs: f64,
    /// Seconds spent after the prompt: the decode steps plus sampling.
    pub decode_secs: f64,
    /// Forward passes in `decode_secs` (one per token, or one per round when speculative).
    pub decode_steps: usize,
}

impl Generation {
    /// Prompt tokens per second.
    pub fn prefill_tokens_per_s(&self) -> f64 {
        self.prompt_tokens as f64 / self.prefill_secs.max(1e-9)
    }

    /// Generated tokens per second after the prompt (what a user sees streaming).
    pub fn decode_tokens_per_s(&self) -> f64 {
        self.tokens.len() as f64 / self.decode_secs.max(1e-9)
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

/// The output side of every decoding loop: collects tokens, applies the stopping criteria,
/// and streams text as it becomes final. Shared by [`generate`] and speculative decoding.
pub struct Stream<'a> {
    tok: &'a Tokenizer,
    cfg: &'a GenerateConfig,
    on_text: &'a mut dyn FnMut(&str),
    /// Generated tokens so far.
    pub tokens: Vec<TokenId>,
    text: String,
    streamed: usize, // bytes of `text` already passed to on_text
}

impl<'a> Stream<'a> {
    /// An empty output.
    pub fn new(tok: &'a Tokenizer, cfg: &'a GenerateConfig, on_text: &'a mut dyn FnMut(&str)) -> Self {
        Self { tok, cfg, on_text, tokens: Vec::new(), text: String::new(), streamed: 0 }
    }

    /// Adds one generated token; returns why generation must stop, if it must.
    pub fn push(&mut self, next: TokenId) -> Option<StopReason> {
        if self.tokens.len() >= self.cfg.max_tokens {
            return Some(StopReason::MaxTokens);
        }
        if self.cfg.stop_tokens.contains(&next) {
            return Some(StopReason::StopToken);
        }
        self.tokens.push(next);
        // A token may end inside a multi-byte character: keep only the valid UTF-8 prefix.
        let bytes = self.tok.decode_bytes(&self.tokens);
        let valid = match std::str::from_utf8(&bytes) {
            Ok(s) => s,
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).expect("valid prefix"),
        };
        self.text = valid.to_string();
        let stops = &self.cfg.stop_strings;
        if let Some(at) = stops.iter().filter_map(|s| self.text.find(s.as_str())).min() {
            self.text.truncate(at);
            self.flush();
            return Some(StopReason::StopString);
        }
        let safe = self.text.len() - held_back(&self.text, stops);
        if safe > self.streamed {
            (self.on_text)(&self.text[self.streamed..safe]);
            self.streamed = safe;
        }
        (self.tokens.len() >= self.cfg.max_tokens).then_some(StopReason::MaxTokens)
    }

    fn flush(&mut self) {
        if self.text.len() > self.streamed {
            (self.on_text)(&self.text[self.streamed..]);
            self.streamed = self.text.len();
        }
    }

    /// Streams what was held back and wraps up: `prompt_tokens` and `prefill_secs` describe the
    /// prompt pass, `decode_start` is when decoding began, `decode_steps` counts its passes.
    pub fn finish(
        mut self,
        stop: StopReason,
        prompt_tokens: usize,
        prefill_secs: f64,
        decode_start: Instant,
        decode_steps: usize,
    ) -> Generation {
        self.flush();
        Generation {
            tokens: self.tokens,
            text: self.text,
            stop,
            prompt_tokens,
            prefill_secs,
            decode_secs: decode_start.elapsed().as_secs_f64(),
            decode_steps,
        }
    }
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
    generate_from(model, tok, prompt, model.new_cache(), cfg, &mut |_| {}, on_text)
}

/// [`generate`] from `cache`, which already holds the first `cache.len()` tokens of `prompt`
/// (fewer than all of them: the last prompt token is always run, for its logits).
/// `after_prefill` sees the cache once it holds the whole prompt, before any generated token.
pub fn generate_from(
    model: &Llama,
    tok: &Tokenizer,
    prompt: &[TokenId],
    mut cache: LlamaCache,
    cfg: &GenerateConfig,
    after_prefill: &mut dyn FnMut(&LlamaCache),
    on_text: &mut dyn FnMut(&str),
) -> Result<Generation> {
    let cached = cache.len();
    if cached >= prompt.len() {
        return Err(crate::Error::Config(format!(
            "generate: the cache holds {cached} tokens of a {}-token prompt; at least the last must be run",
            prompt.len()
        )));
    }
    let mut rng = Rng::new(cfg.seed);
    let context = model.config().context;
    let start = Instant::now();
    let mut logits = model.forward(&prompt[cached..], &mut cache, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
    after_prefill(&cache);
    let prefill_secs = start.elapsed().as_secs_f64();
    let decode_start = Instant::now();
    let mut history: Vec<TokenId> = prompt.to_vec();
    let mut out = Stream::new(tok, cfg, on_text);
    let mut decode_steps = 0;
    let stop = loop {
        if cfg.max_tokens == 0 {
            break StopReason::MaxTokens;
        }
        let next = sample(&logits, &history, &cfg.sampler, &mut rng);
        if let Some(stop) = out.push(next) {
            break stop;
        }
        history.push(next);
        if history.len() >= context {
            break StopReason::Context;
        }
        logits = model.forward(&[next], &mut cache, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
        decode_steps += 1;
    };
    Ok(out.finish(stop, prompt.len() - cached, prefill_secs, decode_start, decode_steps))
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
