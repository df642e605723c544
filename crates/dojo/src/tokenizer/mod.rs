//! Tokenization: text ↔ token ids, the model's only interface to text.
//!
//! - [`pretokenize`]: cut text into pieces (words, single digits, punctuation runs, spaces);
//! - [`bpe`]: byte-level BPE encode/decode, loaded from a GGUF file's vocabulary and merges;
//! - [`train`]: learning the merges from a corpus;
//! - [`chat`]: the ChatML template that turns a conversation into one prompt.
//!
//! Checked against llama.cpp's tokenizer for SmolLM2 in `tests` below (`refs/llama.py`).

pub mod bpe;
pub mod chat;
pub mod pretokenize;
pub mod train;

pub use bpe::{byte_to_char, TokenId, Tokenizer};
pub use chat::{chatml, chatml_ids, Message, Role};
pub use pretokenize::PreTokenizer;
pub use train::train_bpe;
