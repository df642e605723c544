//! The curriculum: the twelve topics and their concepts, read from `topics.toml`.
//!
//! `topics.toml` at the repository root is the single source of the topic list (DESIGN.md). It
//! is compiled into the library, so the `dojo` binary needs no files beside it, and parsed and
//! validated on load. Labs, drills and cards name their topic by `slug`; they are listed by
//! their own registries, not here, so each fact has one home.
//!
//! This file depends only on `serde`, `toml` and `std` so that `xtask` can include it with
//! `#[path]` and check the same schema without building candle.

use serde::Deserialize;
use std::collections::HashSet;
use std::fmt;

/// The text of `topics.toml`, compiled in.
pub const TOPICS_TOML: &str = include_str!("../../../topics.toml");

/// The whole curriculum, in teaching order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Curriculum {
    /// The topics, in order; the first is topic 1.
    #[serde(rename = "topic")]
    pub topics: Vec<Topic>,
}

/// One topic, e.g. `transformers`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// Short identifier used everywhere else (`dojo notes transformers`), e.g. `"transformers"`.
    pub slug: String,
    /// Human title, e.g. `"Transformer architecture and variants"`.
    pub title: String,
    /// One line on what the topic covers.
    pub summary: String,
    /// The concepts the topic teaches.
    pub concepts: Vec<Concept>,
}

/// One concept of a topic, e.g. RoPE.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concept {
    /// Identifier, unique across the curriculum, e.g. `"rope"`.
    pub id: String,
    /// Human name, e.g. `"Rotary position embedding (RoPE)"`.
    pub name: String,
    /// The library file implementing it, relative to the repository root; `None` while planned.
    pub path: Option<String>,
}

impl Topic {
    /// How many of this topic's concepts have an implementation.
    pub fn implemented(&self) -> usize {
        self.concepts.iter().filter(|c| c.path.is_some()).count()
    }
}

/// Why `topics.toml` could not be used.
#[derive(Debug)]
pub enum CurriculumError {
    /// The TOML itself is malformed or has unknown keys; the message names the line.
    Parse(String),
    /// The TOML parsed but breaks a rule (duplicate slug, empty title, ...).
    Invalid(String),
}

impl fmt::Display for CurriculumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse(m) => write!(f, "topics.toml does not parse: {m}"),
            Self::Invalid(m) => write!(f, "topics.toml is invalid: {m}"),
        }
    }
}

impl std::error::Error for CurriculumError {}

impl Curriculum {
    /// The curriculum compiled into this build.
    pub fn builtin() -> Result<Self, CurriculumError> {
        Self::parse(TOPICS_TOML)
    }

    /// Parses and validates the text of a `topics.toml`.
    pub fn parse(text: &str) -> Result<Self, CurriculumError> {
        let c: Curriculum = toml::from_str(text).map_err(|e| CurriculumError::Parse(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    /// The topic with this slug.
    pub fn topic(&self, slug: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.slug == slug)
    }

    /// The 1-based number of the topic with this slug (`transformers` is 1).
    pub fn number(&self, slug: &str) -> Option<usize> {
        self.topics.iter().position(|t| t.slug == slug).map(|i| i + 1)
    }

    /// Checks the rules a well-formed curriculum obeys.
    fn validate(&self) -> Result<(), CurriculumError> {
        let bad = |m: String| Err(CurriculumError::Invalid(m));
        if self.topics.is_empty() {
            return bad("no [[topic]] tables".into());
        }
        let mut slugs = HashSet::new();
        let mut ids = HashSet::new();
        for t in &self.topics {
            let ok_slug =
                !t.slug.is_empty() && t.slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok_slug {
                return bad(format!("slug {:?} must be non-empty lowercase ascii, digits or '-'", t.slug));
            }
            if !slugs.insert(t.slug.as_str()) {
                return bad(format!("slug {:?} appears twice", t.slug));
            }
            if t.title.trim().is_empty() || t.summary.trim().is_empty() {
                return bad(format!("topic {:?} needs a title and a summary", t.slug));
            }
            if t.concepts.is_empty() {
                return bad(format!("topic {:?} lists no concepts", t.slug));
            }
            for c in &t.concepts {
                if !ids.insert(c.id.as_str()) {
                    return bad(format!("concept id {:?} appears twice (ids are unique across topics)", c.id));
                }
                if c.name.trim().is_empty() {
                    return bad(format!("concept {:?} has an empty name", c.id));
                }
                if c.path.as_deref().is_some_and(|p| p.trim().is_empty()) {
                    return bad(format!("concept {:?} has an empty path; omit `path` while it is planned", c.id));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_curriculum_has_the_twelve_topics_in_order() {
        let c = Curriculum::builtin().unwrap();
        let slugs: Vec<_> = c.topics.iter().map(|t| t.slug.as_str()).collect();
        assert_eq!(
            slugs,
            [
                "transformers",
                "pretraining",
                "alignment",
                "multimodal",
                "efficiency",
                "evaluation",
                "grounding",
                "agents",
                "decoding",
                "beyond",
                "privacy",
                "generalization"
            ]
        );
        assert_eq!(c.number("transformers"), Some(1));
        assert_eq!(c.number("generalization"), Some(12));
        assert_eq!(c.number("nope"), None);
    }

    #[test]
    fn duplicate_slug_is_rejected() {
        let t = r#"
[[topic]]
slug = "a"
title = "A"
summary = "s"
concepts = [{ id = "x", name = "X" }]
[[topic]]
slug = "a"
title = "B"
summary = "s"
concepts = [{ id = "y", name = "Y" }]
"#;
        let e = Curriculum::parse(t).unwrap_err().to_string();
        assert!(e.contains("slug \"a\" appears twice"), "{e}");
    }

    #[test]
    fn duplicate_concept_id_across_topics_is_rejected() {
        let t = r#"
[[topic]]
slug = "a"
title = "A"
summary = "s"
concepts = [{ id = "x", name = "X" }]
[[topic]]
slug = "b"
title = "B"
summary = "s"
concepts = [{ id = "x", name = "Y" }]
"#;
        let e = Curriculum::parse(t).unwrap_err().to_string();
        assert!(e.contains("concept id \"x\" appears twice"), "{e}");
    }

    #[test]
    fn unknown_key_is_a_parse_error_naming_the_line() {
        let t = "[[topic]]\nslug = \"a\"\ntitel = \"A\"\n";
        let e = Curriculum::parse(t).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("titel"), "{e}");
    }
}
