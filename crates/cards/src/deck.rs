//! Card decks: the schema of `content/cards/NN_slug.toml` and the rules every deck follows.
//!
//! A deck is one topic's interview questions. Each card has a stable `id` (the scheduler's key:
//! renaming one loses its history), a `kind`, a `difficulty`, `tags`, a `front` (the question), a
//! `back` (a worked answer) and `see` links to what shows it in the repository.
//!
//! This file depends only on `serde`, `toml` and `std` so that `xtask` can include it with
//! `#[path]` and check the same schema without building the rest.

use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// At least this many cards per topic.
pub const MIN_CARDS: usize = 30;
/// At least this many cards of each [`Kind`] per topic.
pub const MIN_PER_KIND: usize = 3;

/// One topic's deck, as parsed from its TOML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deck {
    /// The topic slug, e.g. `"transformers"`.
    pub topic: String,
    /// The cards, in file order.
    #[serde(rename = "card")]
    pub cards: Vec<Card>,
}

/// One interview question with its worked answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    /// Stable, unique across all decks, kebab-case, starting with the topic slug,
    /// e.g. `"transformers-why-sqrt-d"`.
    pub id: String,
    /// What kind of question it is.
    pub kind: Kind,
    /// How hard it is for someone who has read the lesson.
    pub difficulty: Difficulty,
    /// Free tags, e.g. `["attention", "scaling"]`.
    pub tags: Vec<String>,
    /// The question (Markdown).
    pub front: String,
    /// The worked answer (Markdown).
    pub back: String,
    /// Links: `code:PATH`, `lab:NAME`, `note:SLUG` or `card:ID` (see [`Link`]).
    pub see: Vec<String>,
}

/// The kinds of card a deck mixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// What is it, why does it work.
    Concept,
    /// X against Y: when each wins and what each costs.
    Compare,
    /// A short derivation.
    Derive,
    /// A computation with the arithmetic shown.
    Numeric,
    /// What is wrong in this snippet.
    Code,
}

impl Kind {
    /// Every kind, in the order they are reported.
    pub const ALL: [Kind; 5] = [Kind::Concept, Kind::Compare, Kind::Derive, Kind::Numeric, Kind::Code];

    /// The name used in the TOML files.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Concept => "concept",
            Kind::Compare => "compare",
            Kind::Derive => "derive",
            Kind::Numeric => "numeric",
            Kind::Code => "code",
        }
    }
}

/// A card's difficulty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    /// Recall of a definition.
    Easy,
    /// Needs the reasoning.
    Medium,
    /// Needs a derivation or several steps.
    Hard,
}

impl Difficulty {
    /// The name used in the TOML files.
    pub fn name(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }
}

/// A parsed `see` link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link<'a> {
    /// A file in the repository, relative to its root (an optional `#fragment` is ignored).
    Code(&'a str),
    /// A lab, by its registered name.
    Lab(&'a str),
    /// A topic's lesson, by slug.
    Note(&'a str),
    /// Another card, by id.
    Card(&'a str),
}

impl<'a> Link<'a> {
    /// Parses `kind:value`.
    pub fn parse(s: &'a str) -> Result<Link<'a>, String> {
        let (k, v) = s.split_once(':').ok_or_else(|| format!("link {s:?} has no `kind:` prefix"))?;
        if v.is_empty() {
            return Err(format!("link {s:?} is empty after its prefix"));
        }
        match k {
            "code" => Ok(Link::Code(v.split('#').next().unwrap_or(v))),
            "lab" => Ok(Link::Lab(v)),
            "note" => Ok(Link::Note(v)),
            "card" => Ok(Link::Card(v)),
            _ => Err(format!("link {s:?}: the kind must be code, lab, note or card")),
        }
    }
}

impl Deck {
    /// Parses a deck file; `name` (e.g. `"01_transformers.toml"`) goes into the error message.
    pub fn parse(text: &str, name: &str) -> Result<Deck, String> {
        toml::from_str(text).map_err(|e| format!("{name} does not parse: {e}"))
    }
}

/// Checks the rules that need no file system or registry, over all decks at once:
/// each deck names an expected topic and has at least [`MIN_CARDS`] cards and
/// [`MIN_PER_KIND`] of every kind; ids are kebab-case, start with the topic slug and are unique
/// across decks; every card has a front, a back and at least one well-formed link, and every
/// `card:` and `note:` link resolves. Returns one message per problem.
pub fn check(decks: &[Deck], slugs: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut owner: HashMap<&str, &str> = HashMap::new();
    for d in decks {
        if !slugs.contains(&d.topic.as_str()) {
            problems.push(format!("deck for unknown topic {:?}", d.topic));
        }
        if d.cards.len() < MIN_CARDS {
            problems.push(format!("{}: {} cards, at least {MIN_CARDS} wanted", d.topic, d.cards.len()));
        }
        for k in Kind::ALL {
            let n = d.cards.iter().filter(|c| c.kind == k).count();
            if n < MIN_PER_KIND {
                problems.push(format!(
                    "{}: kind {} has {n} card(s), at least {MIN_PER_KIND} wanted",
                    d.topic,
                    k.name()
                ));
            }
        }
        for c in &d.cards {
            let kebab = !c.id.is_empty()
                && c.id
                    .split('-')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
            if !kebab || !c.id.starts_with(&format!("{}-", d.topic)) {
                problems.push(format!("{}: id {:?} must be kebab-case and start with \"{}-\"", d.topic, c.id, d.topic));
            }
            if let Some(other) = owner.insert(&c.id, &d.topic) {
                problems.push(format!("{}: id {:?} is also used in {other}", d.topic, c.id));
            }
            if c.front.trim().is_empty() || c.back.trim().is_empty() {
                problems.push(format!("{}: card {} needs a front and a back", d.topic, c.id));
            }
            if c.see.is_empty() {
                problems.push(format!("{}: card {} has no `see` link", d.topic, c.id));
            }
        }
    }
    let ids: HashSet<&str> = owner.keys().copied().collect();
    for d in decks {
        for c in &d.cards {
            for s in &c.see {
                match Link::parse(s) {
                    Err(e) => problems.push(format!("{}: card {}: {e}", d.topic, c.id)),
                    Ok(Link::Card(id)) if !ids.contains(id) => {
                        problems.push(format!("{}: card {} links to card {id:?}, which does not exist", d.topic, c.id))
                    }
                    Ok(Link::Note(slug)) if !slugs.contains(&slug) => {
                        problems.push(format!("{}: card {} links to the note of unknown topic {slug:?}", d.topic, c.id))
                    }
                    Ok(_) => {}
                }
            }
        }
    }
    problems
}

/// A deck of `n` plain concept cards `TOPIC-0`, `TOPIC-1`, … for tests.
#[cfg(test)]
pub(crate) fn test_deck(topic: &str, n: usize) -> Deck {
    let mut s = format!("topic = \"{topic}\"\n");
    for i in 0..n {
        s += &format!(
            "[[card]]\nid = \"{topic}-{i}\"\nkind = \"concept\"\ndifficulty = \"easy\"\ntags = []\nfront = \"q\"\nback = \"a\"\nsee = [\"note:{topic}\"]\n"
        );
    }
    Deck::parse(&s, "t").unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn card_toml(id: &str, kind: &str, see: &str) -> String {
        format!(
            "[[card]]\nid = \"{id}\"\nkind = \"{kind}\"\ndifficulty = \"easy\"\ntags = []\n\
             front = \"Q?\"\nback = \"A.\"\nsee = [{see}]\n"
        )
    }

    fn deck(topic: &str, n: usize) -> String {
        let mut s = format!("topic = \"{topic}\"\n");
        for i in 0..n {
            s += &card_toml(&format!("{topic}-q{i}"), Kind::ALL[i % 5].name(), "\"note:a\"");
        }
        s
    }

    #[test]
    fn a_good_deck_has_no_problems() {
        let d = Deck::parse(&deck("a", 30), "01_a.toml").unwrap();
        assert_eq!(check(&[d], &["a"]), Vec::<String>::new());
    }

    #[test]
    fn each_broken_rule_is_reported() {
        let mut text = deck("a", 29); // 29 cards: too few; kinds 6,6,6,6,5
        text += &card_toml("a-q0", "code", "\"card:a-nope\", \"lab\", \"note:zzz\""); // dup id, 3 bad links
        text += &card_toml("A_bad", "code", "");
        let d = Deck::parse(&text, "01_a.toml").unwrap();
        let p = check(&[d], &["a"]).join("\n");
        for want in
            ["also used", "does not exist", "no `kind:` prefix", "unknown topic \"zzz\"", "kebab-case", "no `see` link"]
        {
            assert!(p.contains(want), "missing {want:?} in:\n{p}");
        }
        let few = Deck::parse(&deck("a", 8), "x").unwrap(); // 2 of kinds 4 and 5... and 8 < 30
        let p = check(&[few], &["a"]).join("\n");
        assert!(p.contains("8 cards, at least 30") && p.contains("kind code has 1 card(s)"), "{p}");
    }

    #[test]
    fn unknown_keys_and_kinds_do_not_parse() {
        let bad_kind = format!("topic = \"a\"\n{}", card_toml("a-x", "trivia", "\"note:a\""));
        assert!(Deck::parse(&bad_kind, "01_a.toml").unwrap_err().contains("01_a.toml"));
        let extra = format!("topic = \"a\"\nauthor = \"me\"\n{}", card_toml("a-x", "code", "\"note:a\""));
        assert!(Deck::parse(&extra, "f").is_err());
    }

    #[test]
    fn links_parse_by_prefix() {
        assert_eq!(Link::parse("code:crates/x.rs#L3"), Ok(Link::Code("crates/x.rs")));
        assert_eq!(Link::parse("lab:attention-cost"), Ok(Link::Lab("attention-cost")));
        assert!(Link::parse("url:http").is_err());
        assert!(Link::parse("note:").is_err());
    }
}
