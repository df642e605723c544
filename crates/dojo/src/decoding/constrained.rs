//! Constrained decoding: force the output into a shape (one of a list of answers, a date, a
//! JSON object) by masking, at every step, every token that would make the text impossible to
//! complete; the model still chooses among what is left.
//!
//! One mechanism covers every constraint: compile it to a regular expression, build the
//! regex's automaton (a lazily built DFA), and keep the automaton's state after the text so
//! far. A token is allowed if feeding its bytes from that state does not reach the dead state;
//! a stop token is allowed only in a matching state. A list of choices is the regex
//! `(?:choice1|choice2|...)`; a flat JSON object is a regex over its fields
//! ([`json_object_regex`]). Outlines (Willard & Louf 2023) precomputes the same masks per DFA
//! state; we recompute them each step, ~49k tokens × a few bytes, a few milliseconds.

use super::generate::{GenerateConfig, Generation, StopReason, Stream};
use super::sampling::sample;
use crate::models::llama::{Llama, Logits};
use crate::nn::Rng;
use crate::tokenizer::{TokenId, Tokenizer};
use crate::{Error, Result};
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::{Anchored, Input};
use std::time::Instant;

/// A regular-language constraint on the generated text.
pub struct Constraint {
    dfa: DFA,
    cache: Cache,
}

impl std::fmt::Debug for Constraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Constraint")
    }
}

/// Field types for [`json_object_regex`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    /// A string without quotes or backslashes inside, up to 40 characters.
    String,
    /// An integer.
    Integer,
    /// `true` or `false`.
    Boolean,
}

/// The regex of a one-line JSON object with exactly these fields in this order, e.g.
/// `{"name": "Ada", "age": 36}`.
pub fn json_object_regex(fields: &[(&str, JsonType)]) -> String {
    let value = |t: JsonType| match t {
        JsonType::String => r#""[^"\\\n]{0,40}""#,
        JsonType::Integer => r"-?(?:0|[1-9][0-9]{0,8})",
        JsonType::Boolean => r"(?:true|false)",
    };
    let body: Vec<String> =
        fields.iter().map(|(k, t)| format!(r#""{}": ?{}"#, regex_syntax::escape(k), value(*t))).collect();
    format!(r"\{{ ?{} ?\}}", body.join(", ?"))
}

impl Constraint {
    /// Text must match `pattern` exactly (anchored at both ends).
    pub fn regex(pattern: &str) -> Result<Self> {
        // Searches start anchored; `\z` anchors the end, so a byte after a complete match
        // leads to the dead state instead of to "matched, then more text".
        let anchored = format!(r"(?:{pattern})\z");
        let dfa = DFA::new(&anchored).map_err(|e| Error::Config(format!("bad constraint regex {pattern:?}: {e}")))?;
        let cache = dfa.create_cache();
        Ok(Self { dfa, cache })
    }

    /// Text must be one of `choices`.
    pub fn choice(choices: &[&str]) -> Result<Self> {
        if choices.is_empty() {
            return Err(Error::Config("constrained decoding needs at least one choice".into()));
        }
        let alts: Vec<String> = choices.iter().map(|c| regex_syntax::escape(c)).collect();
        Self::regex(&format!("(?:{})", alts.join("|")))
    }

    fn err(e: impl std::fmt::Display) -> Error {
        Error::Config(format!("constraint automaton: {e}"))
    }

    /// The automaton's state after `bytes`, or `None` if no completion can match.
    fn state(&mut self, from: LazyStateID, bytes: &[u8]) -> Result<Option<LazyStateID>> {
        let mut s = from;
        for &b in bytes {
            s = self.dfa.next_state(&mut self.cache, s, b).map_err(Self::err)?;
            if s.is_dead() {
                return Ok(None);
            }
        }
        Ok(Some(s))
    }

    fn start(&mut self) -> Result<LazyStateID> {
        self.dfa.start_state_forward(&mut self.cache, &Input::new("").anchored(Anchored::Yes)).map_err(Self::err)
    }

    /// Whether `text` is a complete match.
    pub fn is_complete(&mut self, text: &[u8]) -> Result<bool> {
        let start = self.start()?;
        match self.state(start, text)? {
            // Matches are reported one transition late: feed the end of input.
            Some(s) => Ok(self.dfa.next_eoi_state(&mut self.cache, s).map_err(Self::err)?.is_match()),
            None => Ok(false),
        }
    }

    /// For every token: may it come next after `text`? Special tokens are never allowed,
    /// except `stop_tokens` when `text` is already a complete match.
    pub fn mask(&mut self, tok: &Tokenizer, text: &[u8], stop_tokens: &[TokenId]) -> Result<Vec<bool>> {
        let start = self.start()?;
        let Some(here) = self.state(start, text)? else { return Ok(vec![false; tok.vocab_size()]) };
        let complete = self.dfa.next_eoi_state(&mut self.cache, here).map_err(Self::err)?.is_match();
        (0..tok.vocab_size() as TokenId)
            .map(|id| {
                if stop_tokens.contains(&id) {
                    Ok(complete)
                } else if tok.is_special(id) || tok.token_bytes(id).is_empty() {
                    Ok(false)
                } else {
                    Ok(self.state(here, tok.token_bytes(id))?.is_some())
                }
            })
            .collect()
    }
}

/// Generates text that matches `constraint`: each step's logits are masked to the allowed
/// tokens before sampling. Ends at a stop token (allowed only on a complete match), when the
/// match is complete and cannot be extended, or at `max_tokens` (then the text may be
/// incomplete, and `stop` says `MaxTokens`).
pub fn constrained_generate(
    model: &Llama,
    tok: &Tokenizer,
    prompt: &[TokenId],
    cfg: &GenerateConfig,
    constraint: &mut Constraint,
) -> Result<Generation> {
    let mut rng = Rng::new(cfg.seed);
    let mut cache = model.new_cache();
    let start = Instant::now();
    let mut logits = model.forward(prompt, &mut cache, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
    let prefill_secs = start.elapsed().as_secs_f64();
    let decode_start = Instant::now();
    let mut history = prompt.to_vec();
    let mut noop = |_: &str| {};
    let mut out = Stream::new(tok, cfg, &mut noop);
    let mut steps = 0;
    let stop = loop {
        let text = tok.decode_bytes(&out.tokens);
        let mask = constraint.mask(tok, &text, &cfg.stop_tokens)?;
        if !mask.iter().any(|&m| m) {
            // Nothing may follow: either the match is complete or the constraint is stuck.
            break StopReason::StopToken;
        }
        for (z, ok) in logits.iter_mut().zip(&mask) {
            if !ok {
                *z = f32::NEG_INFINITY;
            }
        }
        let next = sample(&logits, &history, &cfg.sampler, &mut rng);
        if let Some(stop) = out.push(next) {
            break stop;
        }
        history.push(next);
        logits = model.forward(&[next], &mut cache, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
        steps += 1;
    };
    Ok(out.finish(stop, prompt.len(), prefill_secs, decode_start, steps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_regex_accepts_the_shape_and_nothing_else() {
        let re =
            json_object_regex(&[("name", JsonType::String), ("age", JsonType::Integer), ("ok", JsonType::Boolean)]);
        let mut c = Constraint::regex(&re).unwrap();
        assert!(c.is_complete(br#"{"name": "Ada", "age": 36, "ok": true}"#).unwrap());
        assert!(c.is_complete(br#"{"name":"Ada","age":-3,"ok":false}"#).unwrap());
        assert!(!c.is_complete(br#"{"name": "Ada", "age": "36", "ok": true}"#).unwrap());
        assert!(!c.is_complete(br#"{"name": "Ada", "age": 36}"#).unwrap());
    }

    #[test]
    fn choices_allow_prefixes_and_complete_only_on_a_choice() {
        let mut c = Constraint::choice(&["positive", "negative", "neutral"]).unwrap();
        let start = c.start().unwrap();
        assert!(c.state(start, b"neg").unwrap().is_some());
        assert!(c.state(start, b"nex").unwrap().is_none());
        assert!(!c.is_complete(b"neg").unwrap());
        assert!(c.is_complete(b"neutral").unwrap());
        assert!(c.state(start, b"neutral\n").unwrap().is_none(), "nothing may follow a complete choice");
        assert!(Constraint::choice(&[]).is_err());
        assert!(Constraint::regex("(").is_err());
    }
}
