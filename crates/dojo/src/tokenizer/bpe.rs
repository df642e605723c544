//! Byte-level BPE (Sennrich et al. 2016 on bytes, as in GPT-2): every text is a byte string;
//! the vocabulary starts with the 256 bytes, and each *merge* (a, b) → ab, learned in order of
//! frequency, adds one token. Encoding replays the merges on each pre-tokenized piece, always
//! applying the earliest-learned (lowest-rank) merge present, until none applies. Any UTF-8
//! text (emoji, CJK, code) encodes, because every byte is a token; decoding concatenates the
//! tokens' bytes, so `decode(encode(x)) == x`.
//!
//! Special tokens (`<|im_start|>`, `<|endoftext|>`, ...) are matched as whole strings before
//! BPE runs, so a chat template's markers never get split into `<`, `|`, `im`, ...

use super::pretokenize::PreTokenizer;
use crate::models::gguf::Gguf;
use crate::{Error, Result};
use std::collections::HashMap;

/// Token ids.
pub type TokenId = u32;

/// Stands for a byte the vocabulary has no token for. SmolLM2's vocabulary lacks 21 bytes: the
/// 13 that never occur in UTF-8 (0xC0, 0xC1, 0xF5–0xFF) and 8 rare ASCII control characters
/// (0x04, 0x06, 0x13, 0x14, 0x16, 0x1D, ...). Such a byte never merges and is dropped from the
/// output, as llama.cpp does, so text containing those control characters does not round-trip.
const NO_TOKEN: TokenId = TokenId::MAX;

/// A byte-level BPE tokenizer.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    /// Bytes of each token, by id.
    tokens: Vec<Vec<u8>>,
    /// Merge (left, right) → (rank, merged id).
    merges: HashMap<(TokenId, TokenId), (u32, TokenId)>,
    /// The id of each single byte, or [`NO_TOKEN`].
    byte_ids: Vec<TokenId>,
    /// Special tokens, longest text first (so a longer marker wins over its prefix).
    specials: Vec<(String, TokenId)>,
    pre: PreTokenizer,
    eos: Option<TokenId>,
}

/// GPT-2's printable stand-in for each byte, so that token strings in the vocabulary are
/// readable text: printable Latin-1 bytes stand for themselves, the other 68 (control
/// characters, space, ...) are shifted to U+0100 and up, in order. Space becomes `Ġ`, newline `Ċ`.
pub fn byte_to_char() -> [char; 256] {
    let keep = |b: u8| matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    let mut out = ['\0'; 256];
    let mut shifted = 0u32;
    for b in 0..=255u8 {
        out[b as usize] = if keep(b) {
            b as char
        } else {
            shifted += 1;
            char::from_u32(255 + shifted).expect("U+0100.. are chars")
        };
    }
    out
}

impl Tokenizer {
    /// Builds a tokenizer from byte-string tokens, merges in rank order (each pair's merged
    /// bytes must be a token), and special tokens.
    pub fn from_parts(
        tokens: Vec<Vec<u8>>,
        merges: &[(TokenId, TokenId)],
        specials: Vec<(String, TokenId)>,
        pre: PreTokenizer,
        eos: Option<TokenId>,
    ) -> Result<Self> {
        let special_ids: std::collections::HashSet<TokenId> = specials.iter().map(|s| s.1).collect();
        let mut by_bytes: HashMap<&[u8], TokenId> = HashMap::new();
        for (id, t) in tokens.iter().enumerate() {
            if !special_ids.contains(&(id as TokenId)) {
                by_bytes.entry(t.as_slice()).or_insert(id as TokenId);
            }
        }
        let byte_ids: Vec<TokenId> =
            (0..=255u8).map(|b| by_bytes.get([b].as_slice()).copied().unwrap_or(NO_TOKEN)).collect();
        let mut merge_map = HashMap::with_capacity(merges.len());
        for (rank, &(a, b)) in merges.iter().enumerate() {
            let joined = [tokens[a as usize].as_slice(), tokens[b as usize].as_slice()].concat();
            let id = *by_bytes.get(joined.as_slice()).ok_or_else(|| {
                Error::Model(format!("tokenizer: merge {rank} makes {joined:?}, which is not in the vocabulary"))
            })?;
            merge_map.entry((a, b)).or_insert((rank as u32, id));
        }
        let mut specials = specials;
        specials.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        Ok(Self { tokens, merges: merge_map, byte_ids, specials, pre, eos })
    }

    /// Reads the vocabulary, merges and special tokens that a GGUF file stores under
    /// `tokenizer.ggml.*`. Supports `model = "gpt2"` (byte-level BPE) with the GPT-2 family
    /// of pre-tokenizers.
    pub fn from_gguf(g: &Gguf) -> Result<Self> {
        let model = g.str("tokenizer.ggml.model")?;
        if model != "gpt2" {
            return Err(Error::Model(format!(
                "tokenizer model `{model}` is not supported (only byte-level BPE, `gpt2`)"
            )));
        }
        let pre_name = if g.has("tokenizer.ggml.pre") { g.str("tokenizer.ggml.pre")? } else { "gpt2" };
        let pre = match pre_name {
            "smollm" | "starcoder" | "refact" | "command-r" | "codeshell" | "exaone" | "minerva" => PreTokenizer::new(),
            "gpt2" | "mpt" | "olmo" | "jais" => PreTokenizer::without_digit_split(),
            other => {
                return Err(Error::Model(format!(
                    "pre-tokenizer `{other}` is not supported (smollm, starcoder and gpt2 families are)"
                )))
            }
        };
        let byte_of: HashMap<char, u8> = byte_to_char().iter().enumerate().map(|(b, c)| (*c, b as u8)).collect();
        let texts = g.strings("tokenizer.ggml.tokens")?;
        let types = g.ints("tokenizer.ggml.token_type")?;
        let mut tokens = Vec::with_capacity(texts.len());
        let mut specials = Vec::new();
        for (id, (text, ty)) in texts.iter().zip(&types).enumerate() {
            // Token types (llama.cpp): 1 normal, 2 unknown, 3 control, 4 user-defined, 6 byte.
            if *ty == 3 || *ty == 4 {
                specials.push((text.to_string(), id as TokenId));
                tokens.push(text.as_bytes().to_vec());
            } else {
                let bytes: Option<Vec<u8>> = text.chars().map(|c| byte_of.get(&c).copied()).collect();
                tokens.push(bytes.ok_or_else(|| Error::Model(format!("token {id} {text:?} is not byte-level")))?);
            }
        }
        let index: HashMap<&str, TokenId> = texts.iter().enumerate().map(|(i, t)| (*t, i as TokenId)).collect();
        let merges = g
            .strings("tokenizer.ggml.merges")?
            .iter()
            .map(|m| {
                let (a, b) = m.split_once(' ').ok_or_else(|| Error::Model(format!("merge {m:?} has no space")))?;
                match (index.get(a), index.get(b)) {
                    (Some(&a), Some(&b)) => Ok((a, b)),
                    _ => Err(Error::Model(format!("merge {m:?} names a token not in the vocabulary"))),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let eos = if g.has("tokenizer.ggml.eos_token_id") {
            Some(g.usize("tokenizer.ggml.eos_token_id")? as TokenId)
        } else {
            None
        };
        Self::from_parts(tokens, &merges, specials, pre, eos)
    }

    /// Vocabulary size V.
    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    /// The end-of-sequence token, if the model names one.
    pub fn eos(&self) -> Option<TokenId> {
        self.eos
    }

    /// The id of a special token such as `<|im_end|>`.
    pub fn special(&self, text: &str) -> Option<TokenId> {
        self.specials.iter().find(|s| s.0 == text).map(|s| s.1)
    }

    /// Whether `id` is a special (control) token.
    pub fn is_special(&self, id: TokenId) -> bool {
        self.specials.iter().any(|s| s.1 == id)
    }

    /// A token's bytes.
    pub fn token_bytes(&self, id: TokenId) -> &[u8] {
        &self.tokens[id as usize]
    }

    /// Encodes text; special-token strings become their ids when `parse_special` is set,
    /// otherwise they are ordinary text.
    pub fn encode(&self, text: &str, parse_special: bool) -> Vec<TokenId> {
        let mut ids = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let next = if parse_special { self.next_special(rest) } else { None };
            let (plain, special) = match next {
                Some((at, len, id)) => (&rest[..at], Some((len, id))),
                None => (rest, None),
            };
            for piece in self.pre.split(plain) {
                self.encode_piece(piece.as_bytes(), &mut ids);
            }
            match special {
                Some((len, id)) => {
                    ids.push(id);
                    rest = &rest[plain.len() + len..];
                }
                None => rest = "",
            }
        }
        ids
    }

    /// The earliest special token in `text`: (byte offset, length, id); longest wins a tie.
    fn next_special(&self, text: &str) -> Option<(usize, usize, TokenId)> {
        let mut best: Option<(usize, usize, TokenId)> = None;
        for (s, id) in &self.specials {
            if let Some(at) = text.find(s.as_str()) {
                if best.is_none_or(|(b, len, _)| at < b || (at == b && s.len() > len)) {
                    best = Some((at, s.len(), *id));
                }
            }
        }
        best
    }

    /// BPE on one piece: start from bytes, apply the lowest-rank merge present until none is.
    fn encode_piece(&self, piece: &[u8], out: &mut Vec<TokenId>) {
        let mut syms: Vec<TokenId> = piece.iter().map(|&b| self.byte_ids[b as usize]).collect();
        loop {
            let best = syms
                .windows(2)
                .filter_map(|w| self.merges.get(&(w[0], w[1])).map(|&(rank, id)| (rank, w[0], w[1], id)))
                .min();
            let Some((_, a, b, id)) = best else { break };
            syms = merge_pair(&syms, (a, b), id);
        }
        out.extend(syms.into_iter().filter(|&s| s != NO_TOKEN));
    }

    /// Whether every byte of `text` has a token (then `decode(encode(text)) == text`).
    pub fn covers(&self, text: &str) -> bool {
        text.bytes().all(|b| self.byte_ids[b as usize] != NO_TOKEN)
    }

    /// The bytes of `ids`, concatenated (a prefix of a generation may end mid-character).
    pub fn decode_bytes(&self, ids: &[TokenId]) -> Vec<u8> {
        ids.iter().flat_map(|&id| self.tokens.get(id as usize).map_or(&[][..], Vec::as_slice)).copied().collect()
    }

    /// Decodes ids to text; invalid UTF-8 (a cut multi-byte character) becomes U+FFFD.
    pub fn decode(&self, ids: &[TokenId]) -> String {
        String::from_utf8_lossy(&self.decode_bytes(ids)).into_owned()
    }
}

/// Replaces every non-overlapping occurrence of `pair`, left to right, with `id`.
pub(crate) fn merge_pair(w: &[TokenId], pair: (TokenId, TokenId), id: TokenId) -> Vec<TokenId> {
    let mut out = Vec::with_capacity(w.len());
    let mut i = 0;
    while i < w.len() {
        if i + 1 < w.len() && (w[i], w[i + 1]) == pair {
            out.push(id);
            i += 2;
        } else {
            out.push(w[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_alphabet_is_a_bijection_with_gpt2_landmarks() {
        let m = byte_to_char();
        assert_eq!(m[b' ' as usize], 'Ġ');
        assert_eq!(m[b'\n' as usize], 'Ċ');
        assert_eq!(m[b'A' as usize], 'A');
        let set: std::collections::HashSet<char> = m.iter().copied().collect();
        assert_eq!(set.len(), 256);
    }

    /// A hand-made vocabulary: bytes, then "ab" (merge 0), "abc" (merge 1), "bc" (merge 2).
    fn toy() -> Tokenizer {
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        tokens.extend([b"ab".to_vec(), b"abc".to_vec(), b"bc".to_vec(), b"<s>".to_vec()]);
        let (a, b, c) = (b'a' as u32, b'b' as u32, b'c' as u32);
        let merges = [(a, b), (256, c), (b, c)];
        Tokenizer::from_parts(tokens, &merges, vec![("<s>".into(), 259)], PreTokenizer::new(), None).unwrap()
    }

    #[test]
    fn lowest_rank_merge_applies_first() {
        let t = toy();
        // "abc": (a,b) has rank 0 < (b,c) rank 2, so a+b first, then ab+c → one token.
        assert_eq!(t.encode("abc", false), [257]);
        // "bcab": (b,c) and (a,b) both present; (a,b) first → [b c ab] → (b,c) → [bc, ab].
        assert_eq!(t.encode("bcab", false), [258, 256]);
    }

    #[test]
    fn specials_only_when_asked() {
        let t = toy();
        assert_eq!(t.encode("a<s>b", true), [b'a' as u32, 259, b'b' as u32]);
        assert_eq!(t.encode("<s>", false).len(), 3);
        assert_eq!(t.decode(&t.encode("x<s>abc", true)), "x<s>abc");
    }
}
