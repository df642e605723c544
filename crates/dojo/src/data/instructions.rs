//! Instruction tasks with checkable answers, rendered in the chat template: the data for SFT.
//!
//! Five tasks over short strings of lowercase letters or small numbers:
//!
//! | task | prompt | answer |
//! |---|---|---|
//! | copy | `copy: kqz` | `kqz` |
//! | reverse | `reverse: kqz` | `zqk` |
//! | sort | `sort: dbca` | `abcd` |
//! | count | `count a: abaca` | `3` |
//! | add | `add: 23+58` | `81` |
//!
//! Each example is a user turn and an assistant turn in ChatML
//! (`<|im_start|>user\n…<|im_end|>\n<|im_start|>assistant\n…<|im_end|>\n`, see
//! [`crate::tokenizer::chat`]), without the system turn so that an example fits a tiny
//! model's context. The prompt part ends where the answer starts, which is where SFT's loss
//! mask switches on ([`crate::pretraining::sft`]).
//!
//! For the small byte-level models [`tokens`] maps the text to ids: bytes are 0–255 and the two
//! markers are single control tokens, 256 and 257 (V = 258), as a real tokenizer treats them.

use crate::nn::Rng;
use crate::tokenizer::chat::{END_OF_TURN, START_OF_TURN};

/// The tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Repeat the letters.
    Copy,
    /// Letters in reverse order.
    Reverse,
    /// Letters in alphabetical order.
    Sort,
    /// How many times a letter occurs.
    Count,
    /// The sum of two 1–2 digit numbers.
    Add,
}

impl Task {
    /// Every task.
    pub const ALL: [Task; 5] = [Task::Copy, Task::Reverse, Task::Sort, Task::Count, Task::Add];

    /// Its name, e.g. `"reverse"`.
    pub fn name(self) -> &'static str {
        match self {
            Task::Copy => "copy",
            Task::Reverse => "reverse",
            Task::Sort => "sort",
            Task::Count => "count",
            Task::Add => "add",
        }
    }
}

/// One instruction and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Which task.
    pub task: Task,
    /// The user's text, e.g. `"reverse: kqz"`.
    pub prompt: String,
    /// The correct answer, e.g. `"zqk"`.
    pub answer: String,
}

/// A random instance of `task` over strings of 2..=`max_len` letters from the first 8 of the
/// alphabet (so counts are interesting).
pub fn instance(task: Task, max_len: usize, rng: &mut Rng) -> Instruction {
    let len = 2 + rng.below(max_len.max(2) - 1);
    let letters: String = (0..len).map(|_| (b'a' + rng.below(8) as u8) as char).collect();
    let (prompt, answer) = match task {
        Task::Copy => (format!("copy: {letters}"), letters.clone()),
        Task::Reverse => (format!("reverse: {letters}"), letters.chars().rev().collect()),
        Task::Sort => {
            let mut v: Vec<char> = letters.chars().collect();
            v.sort_unstable();
            (format!("sort: {letters}"), v.into_iter().collect())
        }
        Task::Count => {
            let c = letters.as_bytes()[rng.below(len)] as char;
            (format!("count {c}: {letters}"), letters.chars().filter(|&x| x == c).count().to_string())
        }
        Task::Add => {
            let (a, b) = (rng.below(100), rng.below(100));
            (format!("add: {a}+{b}"), (a + b).to_string())
        }
    };
    Instruction { task, prompt, answer }
}

impl Instruction {
    /// The chat-formatted prompt, up to where the assistant's answer starts.
    pub fn chat_prompt(&self) -> String {
        format!("{START_OF_TURN}user\n{}{END_OF_TURN}\n{START_OF_TURN}assistant\n", self.prompt)
    }

    /// The chat-formatted response: the answer and the end of the turn.
    pub fn chat_response(&self) -> String {
        format!("{}{END_OF_TURN}\n", self.answer)
    }
}

/// Id of `<|im_start|>` in [`tokens`].
pub const START_ID: u32 = 256;
/// Id of `<|im_end|>` in [`tokens`].
pub const END_ID: u32 = 257;
/// Vocabulary of [`tokens`]: 256 bytes and the two markers.
pub const VOCAB: usize = 258;

/// Byte ids, with each `<|im_start|>` / `<|im_end|>` as one control token.
pub fn tokens(text: &str) -> Vec<u32> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix(START_OF_TURN) {
            out.push(START_ID);
            rest = r;
        } else if let Some(r) = rest.strip_prefix(END_OF_TURN) {
            out.push(END_ID);
            rest = r;
        } else {
            let c = rest.chars().next().expect("not empty");
            let mut buf = [0u8; 4];
            out.extend(c.encode_utf8(&mut buf).bytes().map(u32::from));
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_correct_and_rendered_in_chatml() {
        let mut rng = Rng::new(3);
        for task in Task::ALL {
            for _ in 0..50 {
                let i = instance(task, 6, &mut rng);
                let input = i.prompt.rsplit(' ').next().unwrap();
                match task {
                    Task::Copy => assert_eq!(i.answer, input),
                    Task::Reverse => assert_eq!(i.answer, input.chars().rev().collect::<String>()),
                    Task::Sort => {
                        assert!(i.answer.as_bytes().windows(2).all(|w| w[0] <= w[1]) && i.answer.len() == input.len())
                    }
                    Task::Count => {
                        let c = i.prompt.as_bytes()[6] as char; // "count c: …"
                        assert_eq!(i.answer, input.matches(c).count().to_string());
                        assert!(i.answer != "0");
                    }
                    Task::Add => {
                        let (a, b) = input.split_once('+').unwrap();
                        assert_eq!(
                            i.answer.parse::<usize>().unwrap(),
                            a.parse::<usize>().unwrap() + b.parse::<usize>().unwrap()
                        );
                    }
                }
            }
        }
        let i = Instruction { task: Task::Reverse, prompt: "reverse: ab".into(), answer: "ba".into() };
        assert_eq!(
            i.chat_prompt() + &i.chat_response(),
            "<|im_start|>user\nreverse: ab<|im_end|>\n<|im_start|>assistant\nba<|im_end|>\n"
        );
    }
}
