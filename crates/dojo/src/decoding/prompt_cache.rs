//! Prompt caching: prompts that begin alike share the KV state of their common prefix, so a
//! new prompt prefills only what differs (what hosted LLM APIs sell as prompt caching, and what
//! vLLM's automatic prefix caching does with blocks of the KV cache).
//!
//! Prefill is compute-bound, and a long prompt costs more to prefill than a short answer costs
//! to decode: on 2 cores SmolLM2 prefills ~100 tokens/s and decodes ~50, so a 250-token prompt
//! (2.5 s) outweighs a 20-token answer (0.4 s). The `prompt-injection` lab asks dozens of
//! questions about one system prompt and one document; with this cache 72% of its prompt
//! tokens are never prefilled again. Reuse is exact, not approximate: a position's keys and
//! values depend only on the tokens up to it, and the model computes them the same in a batch
//! or one at a time (`tests/smollm2.rs` checks that the logits are bit-identical).
//!
//! This cache keeps whole prompts, least recently used first out, and serves the longest common
//! prefix of any of them. A serving system would store fixed-size blocks in a radix tree
//! (SGLang's RadixAttention) to share memory as well as compute.

use super::generate::{generate_from, GenerateConfig, Generation};
use crate::models::llama::{Llama, LlamaCache};
use crate::tokenizer::{TokenId, Tokenizer};
use crate::Result;

/// The KV states of recent prompts, for one model.
#[derive(Debug, Clone)]
pub struct PromptCache {
    entries: Vec<(Vec<TokenId>, LlamaCache)>, // least recently used first
    capacity: usize,
    /// Prompt tokens served from the cache so far.
    pub reused_tokens: usize,
    /// Prompt tokens that had to be prefilled so far.
    pub prefilled_tokens: usize,
}

/// Length of the common prefix of `a` and `b`.
fn common_prefix(a: &[TokenId], b: &[TokenId]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl PromptCache {
    /// A cache of at most `capacity` prompts (each costs 2·layers·P·kv_width floats).
    pub fn new(capacity: usize) -> Self {
        Self { entries: Vec::new(), capacity: capacity.max(1), reused_tokens: 0, prefilled_tokens: 0 }
    }

    /// The KV state of the longest cached prefix of `prompt`, short of its last token (which
    /// must run for its logits); an empty cache of `model` when nothing matches.
    pub fn lookup(&mut self, model: &Llama, prompt: &[TokenId]) -> LlamaCache {
        let best = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, (ids, _))| (common_prefix(ids, prompt).min(prompt.len().saturating_sub(1)), i))
            .max();
        match best {
            Some((n, i)) if n > 0 => {
                let entry = self.entries.remove(i);
                let mut cache = entry.1.clone();
                cache.truncate(n);
                self.entries.push(entry);
                cache
            }
            _ => model.new_cache(),
        }
    }

    /// Remembers the KV state of `prompt` (all of it), evicting the least recently used.
    pub fn insert(&mut self, prompt: &[TokenId], cache: &LlamaCache) {
        self.entries.retain(|(ids, _)| ids != prompt);
        if self.entries.len() == self.capacity {
            self.entries.remove(0);
        }
        self.entries.push((prompt.to_vec(), cache.clone()));
    }

    /// [`generate`](super::generate()) with the prefix served from here, and the prompt's KV
    /// state remembered for the next call. Same tokens as `generate`, bit for bit.
    pub fn generate(
        &mut self,
        model: &Llama,
        tok: &Tokenizer,
        prompt: &[TokenId],
        cfg: &GenerateConfig,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Generation> {
        let start = self.lookup(model, prompt);
        let reused = start.len();
        let mut full = None;
        let g = generate_from(model, tok, prompt, start, cfg, &mut |c| full = Some(c.clone()), on_text)?;
        if let Some(c) = full {
            self.insert(prompt, &c);
        }
        self.reused_tokens += reused;
        self.prefilled_tokens += prompt.len() - reused;
        Ok(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefix_counts_equal_leading_tokens() {
        assert_eq!(common_prefix(&[1, 2, 3], &[1, 2, 4, 5]), 2);
        assert_eq!(common_prefix(&[1, 2], &[1, 2, 3]), 2);
        assert_eq!(common_prefix(&[], &[1]), 0);
        assert_eq!(common_prefix(&[7], &[1]), 0);
    }
}
