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

#[cfg(test)]
mod tests {
    use super::*;

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
