//! A facts corpus: made-up people with attributes, stated in sentences a model can memorize and
//! be quizzed on. Knowledge a pretrained model cannot already have, so what a fine-tuned model
//! knows afterwards was learned from this text.
//!
//! Each entity has a made-up name (two syllables, e.g. "Vorlak") and one value for each of four
//! attributes, stated by one sentence template each:
//!
//! ```text
//! Vorlak lives in Dunmere. Vorlak works as a potter. Vorlak keeps a heron. Vorlak likes amber.
//! ```
//!
//! A fact is quizzed by its prefix ("Vorlak lives in") and the model's choice among the
//! attribute's eight values (see [`Fact::choices`]): chance is 1/8. The corpus is the
//! statements in a fresh random order per pass, so a model must tie each value to the name,
//! not to a position in the text.

use crate::nn::Rng;
use crate::{Error, Result};

/// What is known about an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attribute {
    /// Where the entity lives.
    City,
    /// Its job.
    Job,
    /// Its animal.
    Pet,
    /// Its favourite colour.
    Color,
}

impl Attribute {
    /// All four, in the order facts are generated.
    pub const ALL: [Attribute; 4] = [Attribute::City, Attribute::Job, Attribute::Pet, Attribute::Color];

    /// The eight values this attribute can take.
    pub fn values(self) -> [&'static str; 8] {
        match self {
            Attribute::City => ["Dunmere", "Kessaly", "Orvane", "Plimtor", "Salvik", "Tarrow", "Wenlow", "Zarith"],
            Attribute::Job => ["potter", "sailor", "baker", "miner", "weaver", "painter", "farmer", "singer"],
            Attribute::Pet => ["heron", "ferret", "goat", "owl", "lizard", "rabbit", "crow", "turtle"],
            Attribute::Color => ["amber", "violet", "teal", "crimson", "ivory", "olive", "indigo", "silver"],
        }
    }

    /// The words before the value: "lives in", "works as a", "keeps a", "likes".
    fn verb(self) -> &'static str {
        match self {
            Attribute::City => "lives in",
            Attribute::Job => "works as a",
            Attribute::Pet => "keeps a",
            Attribute::Color => "likes",
        }
    }
}

/// One fact: `name`'s `attribute` is `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The entity, e.g. "Vorlak".
    pub name: String,
    /// Which attribute.
    pub attribute: Attribute,
    /// Its value, e.g. "Dunmere".
    pub value: &'static str,
}

impl Fact {
    /// The words a quiz shows: "Vorlak lives in".
    pub fn prompt(&self) -> String {
        format!("{} {}", self.name, self.attribute.verb())
    }

    /// The full sentence: "Vorlak lives in Dunmere."
    pub fn sentence(&self) -> String {
        format!("{} {}.", self.prompt(), self.value)
    }

    /// The continuations a quiz scores, each with its leading space and full stop
    /// (" Dunmere.", " Kessaly.", …); the right one is at [`Fact::answer`].
    pub fn choices(&self) -> Vec<String> {
        self.attribute.values().iter().map(|v| format!(" {v}.")).collect()
    }

    /// The index of the true value in [`Fact::choices`].
    pub fn answer(&self) -> usize {
        self.attribute.values().iter().position(|&v| v == self.value).expect("values come from the list")
    }
}

const ONSETS: [&str; 16] = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "th"];
const VOWELS: [&str; 5] = ["a", "e", "i", "o", "u"];
const CODAS: [&str; 8] = ["l", "n", "r", "s", "k", "m", "th", "x"];

/// `n` distinct made-up names of two syllables, e.g. "Vorlak", from `rng`.
fn names(n: usize, rng: &mut Rng) -> Result<Vec<String>> {
    let space = (ONSETS.len() * VOWELS.len() * CODAS.len()).pow(2);
    if n > space / 4 {
        return Err(Error::Config(format!("at most {} entities, got {n}", space / 4)));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let syl = |r: &mut Rng| {
            format!("{}{}{}", ONSETS[r.below(ONSETS.len())], VOWELS[r.below(VOWELS.len())], CODAS[r.below(CODAS.len())])
        };
        let raw = syl(rng) + &syl(rng);
        let name = raw[..1].to_uppercase() + &raw[1..];
        if seen.insert(name.clone()) {
            out.push(name);
        }
    }
    Ok(out)
}

/// Facts about `n` entities, four each (one per [`Attribute`]), values drawn uniformly.
pub fn facts(n: usize, rng: &mut Rng) -> Result<Vec<Fact>> {
    let mut out = Vec::with_capacity(4 * n);
    for name in names(n, rng)? {
        for attribute in Attribute::ALL {
            let values = attribute.values();
            out.push(Fact { name: name.clone(), attribute, value: values[rng.below(values.len())] });
        }
    }
    Ok(out)
}

/// Training text: every fact's sentence, `passes` times, each pass in a fresh random order,
/// one sentence per line.
pub fn corpus(facts: &[Fact], passes: usize, rng: &mut Rng) -> String {
    let mut text = String::new();
    for _ in 0..passes {
        let mut order: Vec<usize> = (0..facts.len()).collect();
        rng.shuffle(&mut order);
        for i in order {
            text.push_str(&facts[i].sentence());
            text.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_are_deterministic_distinct_and_stated_plainly() {
        let a = facts(50, &mut Rng::new(7)).unwrap();
        assert_eq!(a, facts(50, &mut Rng::new(7)).unwrap());
        assert_eq!(a.len(), 200);
        let names: std::collections::HashSet<&str> = a.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names.len(), 50);
        let f = &a[0];
        assert_eq!(f.sentence(), format!("{} lives in {}.", f.name, f.value));
        assert_eq!(f.choices()[f.answer()], format!(" {}.", f.value));
        assert!(facts(200_000, &mut Rng::new(0)).is_err());
    }

    #[test]
    fn the_corpus_states_every_fact_once_per_pass_in_new_orders() {
        let fs = facts(10, &mut Rng::new(1)).unwrap();
        let text = corpus(&fs, 3, &mut Rng::new(2));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 120);
        for f in &fs {
            assert_eq!(lines.iter().filter(|l| **l == f.sentence()).count(), 3);
        }
        assert_ne!(lines[..40], lines[40..80], "each pass is reshuffled");
    }
}
