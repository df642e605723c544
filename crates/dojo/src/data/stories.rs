//! A story corpus from a small grammar, with a difficulty knob: text to pretrain on without
//! downloads, whose structure a tiny model can learn in a minute.
//!
//! A story introduces two characters and an object, then tells events about them, then ends:
//!
//! ```text
//! Mia had a red ball. Mia went to the park because Tom was sad. Tom found the ball. They were happy.
//! ```
//!
//! [`Difficulty`] controls three things a curriculum can order by:
//! - `vocabulary`: how many names, nouns, places, verbs and adjectives are in play (more words
//!   to learn, less repetition);
//! - `clauses`: clauses per sentence, joined by "and", "but", "so" (longer sentences);
//! - `nesting`: depth of subordinate clauses ("because …", "when … , …") inside a clause
//!   (longer dependencies: a pronoun's referent is further back).
//!
//! Pronouns agree with the character (he/she), the object stays the same through a story, and
//! a story always ends in one of a few endings, so a model can reduce its loss by tracking who
//! and what the story is about, not only by local word statistics.

use crate::nn::Rng;
use crate::{Error, Result};
use std::collections::{BTreeSet, HashMap};

const NAMES: [(&str, &str); 16] = [
    ("Mia", "she"),
    ("Tom", "he"),
    ("Lily", "she"),
    ("Ben", "he"),
    ("Anna", "she"),
    ("Sam", "he"),
    ("Zoe", "she"),
    ("Max", "he"),
    ("Ella", "she"),
    ("Leo", "he"),
    ("Ruby", "she"),
    ("Jack", "he"),
    ("Nora", "she"),
    ("Finn", "he"),
    ("Ivy", "she"),
    ("Owen", "he"),
];
const NOUNS: [&str; 16] = [
    "ball", "kite", "book", "cat", "dog", "box", "cake", "hat", "boat", "drum", "key", "map", "shell", "lamp", "bird",
    "coin",
];
const PLACES: [&str; 12] =
    ["park", "garden", "school", "beach", "forest", "kitchen", "river", "market", "hill", "farm", "library", "lake"];
const ADJS: [&str; 12] =
    ["red", "small", "big", "old", "shiny", "soft", "blue", "funny", "new", "green", "quiet", "bright"];
const FEELINGS: [&str; 8] = ["happy", "sad", "tired", "brave", "hungry", "scared", "proud", "cold"];
const JOINS: [&str; 3] = ["and", "but", "so"];
const ENDINGS: [&str; 4] = ["They were happy.", "The day was over.", "They went home.", "It was a good day."];

/// How hard the text is. [`Difficulty::level`] gives five presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Difficulty {
    /// Words in play per class, as twelfths of each word list: 2..=12 (12 = every word), e.g. 4.
    pub vocabulary: usize,
    /// Clauses per sentence, ≥ 1, e.g. 2.
    pub clauses: usize,
    /// Depth of subordinate clauses, e.g. 1.
    pub nesting: usize,
    /// Event sentences per story, ≥ 1, e.g. 3.
    pub sentences: usize,
}

impl Difficulty {
    /// Level 1 (easiest) to 5: vocabulary 2, 4, 6, 9, 12; clauses 1, 1, 2, 2, 3; nesting 0, 0, 1, 1, 2.
    pub fn level(k: usize) -> Result<Self> {
        let i = k
            .checked_sub(1)
            .filter(|&i| i < 5)
            .ok_or_else(|| Error::Config(format!("difficulty level must be 1..=5, got {k}")))?;
        Ok(Self {
            vocabulary: [2, 4, 6, 9, 12][i],
            clauses: [1, 1, 2, 2, 3][i],
            nesting: [0, 0, 1, 1, 2][i],
            sentences: [2, 3, 3, 4, 4][i],
        })
    }

    fn validate(&self) -> Result<()> {
        if !(2..=12).contains(&self.vocabulary) || self.clauses == 0 || self.sentences == 0 || self.nesting > 4 {
            return Err(Error::Config(format!(
                "difficulty needs vocabulary 2..=12, clauses ≥ 1, sentences ≥ 1, nesting ≤ 4; got {self:?}"
            )));
        }
        Ok(())
    }
}

/// Who a story is about.
struct Cast {
    a: (&'static str, &'static str),
    b: (&'static str, &'static str),
    thing: &'static str,
}

struct Writer<'r> {
    d: Difficulty,
    rng: &'r mut Rng,
}

impl Writer<'_> {
    /// A word from the first `vocabulary / 12` of the list (at least 2).
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        let n = (self.d.vocabulary * xs.len() / 12).clamp(2, xs.len());
        xs[self.rng.below(n)]
    }

    /// A name or, half the time after the first mention, its pronoun.
    fn subject(&mut self, who: (&str, &'static str), capital: bool) -> String {
        if self.rng.uniform() < 0.5 {
            who.0.to_string()
        } else if capital {
            let mut p = who.1.to_string();
            p[..1].make_ascii_uppercase();
            p
        } else {
            who.1.to_string()
        }
    }

    /// One clause, with up to `depth` nested subordinate clauses.
    fn clause(&mut self, c: &Cast, depth: usize, capital: bool) -> String {
        let (who, other) = if self.rng.uniform() < 0.5 { (c.a, c.b) } else { (c.b, c.a) };
        let s = self.subject(who, capital);
        let core = match self.rng.below(5) {
            0 => format!("{s} went to the {}", self.pick(&PLACES)),
            1 => format!("{s} found the {}", c.thing),
            2 => format!("{s} gave the {} to {}", c.thing, other.0),
            3 => format!("{s} was {}", self.pick(&FEELINGS)),
            _ => format!("{s} saw a {} {}", self.pick(&ADJS), self.pick(&NOUNS)),
        };
        if depth == 0 || self.rng.uniform() < 0.4 {
            return core;
        }
        let inner = self.clause(c, depth - 1, false);
        if self.rng.uniform() < 0.5 {
            format!("{core} because {inner}")
        } else {
            format!("{core} when {inner}")
        }
    }

    fn sentence(&mut self, c: &Cast) -> String {
        let n = 1 + self.rng.below(self.d.clauses);
        let mut s = self.clause(c, self.d.nesting, true);
        for _ in 1..n {
            let j = self.pick(&JOINS);
            s = format!("{s} {j} {}", self.clause(c, self.d.nesting, false));
        }
        s + "."
    }

    fn story(&mut self) -> String {
        let a = self.pick(&NAMES);
        let b = loop {
            let b = self.pick(&NAMES);
            if b != a {
                break b;
            }
        };
        let cast = Cast { a, b, thing: self.pick(&NOUNS) };
        let mut out = format!("{} had a {} {}.", a.0, self.pick(&ADJS), cast.thing);
        for _ in 0..self.d.sentences {
            out += " ";
            out += &self.sentence(&cast);
        }
        out + " " + self.pick(&ENDINGS)
    }
}

/// `n` stories at difficulty `d`, one per line.
pub fn stories(n: usize, d: Difficulty, rng: &mut Rng) -> Result<Vec<String>> {
    d.validate()?;
    let mut w = Writer { d, rng };
    Ok((0..n).map(|_| w.story()).collect())
}

/// Bytes of `text` as token ids (the byte-level "tokenizer" of the small labs: V = 256).
pub fn bytes(text: &str) -> Vec<u32> {
    text.bytes().map(u32::from).collect()
}

/// A word-level vocabulary of the corpus: `[MASK]` (id 0), `¶` (id 1, the start of a story),
/// then every word and "." seen, in sorted order. The grammar's vocabulary is closed, so a
/// vocabulary built from enough stories never meets an unknown word; a masked token is then a
/// whole word, which is what a cloze question needs.
#[derive(Debug, Clone)]
pub struct WordVocab {
    words: Vec<String>,
    index: HashMap<String, u32>,
}

impl WordVocab {
    /// The masked-LM placeholder and the blank of a cloze question.
    pub const MASK: u32 = 0;
    /// The start of a story, and the separator between stories in a training stream.
    pub const START: u32 = 1;

    /// The words of `texts`.
    pub fn new<'a>(texts: impl IntoIterator<Item = &'a String>) -> Self {
        let set: BTreeSet<String> = texts.into_iter().flat_map(|t| words(t)).collect();
        let words: Vec<String> = ["[MASK]".to_string(), "¶".to_string()].into_iter().chain(set).collect();
        let index = words.iter().enumerate().map(|(i, w)| (w.clone(), i as u32)).collect();
        Self { words, index }
    }

    /// `¶` and the story's word ids; a word not in the vocabulary is an error.
    pub fn encode(&self, story: &str) -> Result<Vec<u32>> {
        let mut ids = vec![Self::START];
        for w in words(story) {
            let id = self.index.get(&w).ok_or_else(|| Error::Config(format!("word {w:?} is not in the vocabulary")))?;
            ids.push(*id);
        }
        Ok(ids)
    }

    /// The id of `word`, if it is in the vocabulary.
    pub fn id(&self, word: &str) -> Option<u32> {
        self.index.get(word).copied()
    }

    /// The words of `ids`, joined by spaces ("¶ Mia had a ball .").
    pub fn decode(&self, ids: &[u32]) -> String {
        ids.iter().map(|&i| self.words[i as usize].as_str()).collect::<Vec<_>>().join(" ")
    }

    /// Number of ids, `[MASK]` and `¶` included.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Never true: `[MASK]` and `¶` are always there.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Words and full stops: "Mia had a ball." → ["Mia", "had", "a", "ball", "."].
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in text.split_whitespace() {
        match w.strip_suffix('.') {
            Some(stem) => out.extend([stem.to_string(), ".".to_string()]),
            None => out.push(w.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_vocab_round_trips_a_story_and_refuses_unknown_words() {
        let s = stories(200, Difficulty::level(2).unwrap(), &mut Rng::new(3)).unwrap();
        let v = WordVocab::new(&s);
        assert_eq!(v.decode(&[WordVocab::MASK, WordVocab::START]), "[MASK] ¶");
        let ids = v.encode(&s[0]).unwrap();
        assert_eq!(ids[0], WordVocab::START);
        assert_eq!(ids.len(), 1 + words(&s[0]).len());
        assert_eq!(v.decode(&ids[1..]), words(&s[0]).join(" "));
        assert!(ids[1..].iter().all(|&i| i > WordVocab::START && (i as usize) < v.len()));
        assert_eq!(words("Mia had a ball. Tom ran."), ["Mia", "had", "a", "ball", ".", "Tom", "ran", "."]);
        assert_eq!(v.id("."), Some(ids[ids.len() - 1]));
        assert!(v.encode("Mia had a zeppelin.").unwrap_err().to_string().contains("zeppelin"));
    }

    #[test]
    fn stories_are_deterministic_and_harder_levels_are_longer_and_more_varied() {
        let mut stats = Vec::new();
        for k in 1..=5 {
            let d = Difficulty::level(k).unwrap();
            let s = stories(300, d, &mut Rng::new(7)).unwrap();
            assert_eq!(s, stories(300, d, &mut Rng::new(7)).unwrap());
            let words: std::collections::HashSet<&str> = s.iter().flat_map(|x| x.split_whitespace()).collect();
            let mean_len = s.iter().map(String::len).sum::<usize>() as f64 / s.len() as f64;
            stats.push((words.len(), mean_len));
            assert!(s.iter().all(|x| x.ends_with('.') && x.is_ascii() && !x.contains('\n')));
        }
        for w in stats.windows(2) {
            assert!(w[1].0 > w[0].0 && w[1].1 > w[0].1, "{stats:?}");
        }
        assert!(Difficulty::level(0).is_err() && Difficulty::level(6).is_err());
    }

    #[test]
    fn a_story_keeps_its_object_and_pronouns_agree() {
        let s = stories(50, Difficulty::level(3).unwrap(), &mut Rng::new(1)).unwrap();
        for story in &s {
            let first = story.split('.').next().unwrap(); // "Mia had a red ball"
            let thing = first.rsplit(' ').next().unwrap();
            for gave in story.match_indices("gave the ") {
                assert!(story[gave.0 + 9..].starts_with(thing), "{story}");
            }
        }
        assert!(s.iter().any(|x| x.contains(" because ") || x.contains(" when ")));
    }
}
