//! Pre-tokenization: cut text into pieces before BPE, so merges never cross a word boundary
//! (no token spans "dog." or "the cat"), which keeps the vocabulary spent on reusable pieces.
//!
//! SmolLM2 (llama.cpp's `smollm` pre-tokenizer) applies two splits in turn:
//! 1. every digit on its own (`\p{N}`), so numbers are read digit by digit (arithmetic works
//!    on a fixed alphabet of 10 symbols instead of thousands of arbitrary number chunks);
//! 2. GPT-2's pattern on each remaining piece:
//!    `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
//!    — English contractions, then a word/number/punctuation run with at most one leading
//!    space, then whitespace. `\s+(?!\S)` leaves the *last* space of a run before a word, so
//!    that space attaches to the word (" world" is one token, not " " + "world").
//!
//! The `regex` crate has no look-ahead, so the whitespace rule is applied by hand: match `\s+`,
//! and if more text follows and the run is longer than one character, give its last character
//! back.

use regex::Regex;

/// The smollm/GPT-2 pre-tokenizer.
#[derive(Debug, Clone)]
pub struct PreTokenizer {
    digit: Option<Regex>,
    gpt2: Regex,
}

impl Default for PreTokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl PreTokenizer {
    /// The smollm pre-tokenizer: digits split, then GPT-2's pattern.
    pub fn new() -> Self {
        Self { digit: Some(Regex::new(r"\p{N}").expect("valid regex")), ..Self::without_digit_split() }
    }

    /// GPT-2's pattern alone (numbers stay in runs: ` ?\p{N}+`).
    pub fn without_digit_split() -> Self {
        let gpt2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+";
        Self { digit: None, gpt2: Regex::new(gpt2).expect("valid regex") }
    }

    /// Splits `text` into pieces whose concatenation is `text`.
    pub fn split<'a>(&self, text: &'a str) -> Vec<&'a str> {
        let mut out = Vec::new();
        let mut start = 0;
        let Some(digit) = &self.digit else {
            self.split_gpt2(text, &mut out);
            return out;
        };
        for m in digit.find_iter(text) {
            self.split_gpt2(&text[start..m.start()], &mut out);
            out.push(m.as_str());
            start = m.end();
        }
        self.split_gpt2(&text[start..], &mut out);
        out
    }

    fn split_gpt2<'a>(&self, text: &'a str, out: &mut Vec<&'a str>) {
        let mut pos = 0;
        while pos < text.len() {
            // Every character matches some alternative, so the match starts at `pos`.
            let m = self.gpt2.find_at(text, pos).expect("the pattern matches any character");
            let mut end = m.end();
            let piece = m.as_str();
            if end < text.len() && piece.chars().all(char::is_whitespace) {
                // \s+(?!\S): leave the run's last character for the word that follows.
                let last = piece.chars().next_back().map_or(0, char::len_utf8);
                if piece.len() > last {
                    end -= last;
                }
            }
            out.push(&text[pos..end]);
            pos = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_digits_punctuation_and_spaces() {
        let p = PreTokenizer::new();
        assert_eq!(p.split("Hello world"), ["Hello", " world"]);
        assert_eq!(p.split("I'm 42!"), ["I", "'m", " ", "4", "2", "!"]);
        assert_eq!(p.split("a   b"), ["a", "  ", " b"]);
        assert_eq!(p.split("x\n\ny"), ["x", "\n", "\n", "y"]); // the run gives its last char back
        assert_eq!(p.split("end  "), ["end", "  "]);
        assert_eq!(p.split("fn(x) {}"), ["fn", "(", "x", ")", " {}"]);
        assert_eq!(p.split("日本語 テキスト"), ["日本語", " テキスト"]);
    }

    #[test]
    fn pieces_concatenate_to_the_input() {
        for s in ["", " ", "  leading", "tab\there", "emoji 🎉🎉 ok", "3.14159", "a\r\n b", "ÆØÅ ñ"] {
            assert_eq!(PreTokenizer::new().split(s).concat(), s);
        }
    }
}
