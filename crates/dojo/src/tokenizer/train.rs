//! Learning BPE merges from a corpus (the GPT-2 recipe, as in Karpathy's minbpe exercise).
//!
//! Start with the 256 byte tokens. Pre-tokenize the corpus into pieces and count each distinct
//! piece once with its frequency. Then repeat until the vocabulary is full: count every
//! adjacent pair of tokens inside pieces (weighted by piece frequency), make the most frequent
//! pair a new token, and rewrite every piece with it. The order of merges *is* the tokenizer:
//! encoding replays them by rank.
//!
//! Ties are broken by the smaller pair of ids, so training is deterministic.

use super::bpe::{merge_pair, TokenId, Tokenizer};
use super::pretokenize::PreTokenizer;
use crate::{Error, Result};
use std::collections::HashMap;

/// Trains a byte-level BPE tokenizer with `vocab_size` tokens (≥ 256) on `text`.
/// Stops early if no pair is left to merge. Returns the tokenizer and the merge count of each
/// step (how many occurrences it rewrote), which shows the frequency decay.
pub fn train_bpe(text: &str, vocab_size: usize, pre: PreTokenizer) -> Result<(Tokenizer, Vec<usize>)> {
    if vocab_size < 256 {
        return Err(Error::Config(format!("BPE vocabulary must hold the 256 bytes, asked for {vocab_size}")));
    }
    let mut freq: HashMap<&str, usize> = HashMap::new();
    for piece in pre.split(text) {
        *freq.entry(piece).or_default() += 1;
    }
    let mut words: Vec<(Vec<TokenId>, usize)> =
        freq.into_iter().map(|(p, n)| (p.bytes().map(TokenId::from).collect(), n)).collect();
    words.sort(); // HashMap order is random; the result must not be

    let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    let mut merges = Vec::new();
    let mut counts = Vec::new();
    while tokens.len() < vocab_size {
        let mut pairs: HashMap<(TokenId, TokenId), usize> = HashMap::new();
        for (w, n) in &words {
            for p in w.windows(2) {
                *pairs.entry((p[0], p[1])).or_default() += n;
            }
        }
        // Most frequent pair; ties go to the smaller pair.
        let Some((&pair, &count)) = pairs.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) else { break };
        let id = tokens.len() as TokenId;
        tokens.push([tokens[pair.0 as usize].as_slice(), tokens[pair.1 as usize].as_slice()].concat());
        merges.push(pair);
        counts.push(count);
        for (w, _) in &mut words {
            *w = merge_pair(w, pair, id);
        }
    }
    Ok((Tokenizer::from_parts(tokens, &merges, Vec::new(), pre, None)?, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_merges_are_the_most_frequent_pairs() {
        // "aaab" pieces: pair (a,a) occurs 2× per piece, (a,b) 1×.
        let (tok, counts) = train_bpe("aaab aaab aaab", 258, PreTokenizer::new()).unwrap();
        assert_eq!(tok.token_bytes(256), b"aa");
        // After "aa": pieces are [aa a b] and [Ġ aa a b]; (aa, a) and (a, b) tie at 3 — the
        // smaller pair (a=97, b=98) < (aa=256, a=97) wins.
        assert_eq!(tok.token_bytes(257), b"ab");
        assert_eq!(counts, [6, 3]);
    }

    #[test]
    fn trained_tokenizer_compresses_and_round_trips() {
        let text = "the cat sat on the mat. the cat ate the rat. ".repeat(20);
        let (tok, counts) = train_bpe(&text, 300, PreTokenizer::new()).unwrap();
        let ids = tok.encode(&text, false);
        // 44 merges are enough to make every distinct piece ("the", " cat", ".", ...) one token.
        assert_eq!(ids.len(), PreTokenizer::new().split(&text).len(), "{} tokens for {} bytes", ids.len(), text.len());
        assert_eq!(tok.decode(&ids), text);
        // A merge only removes pairs or creates pairs no more frequent than itself.
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
        // Unseen text still encodes (falls back to bytes).
        assert_eq!(tok.decode(&tok.encode("zebra 🦓", false)), "zebra 🦓");
    }
}
