//! The study content compiled into the binary: twelve card decks and twelve lessons.
//!
//! The files live in `content/` at the repository root (`cards/NN_slug.toml`,
//! `notes/NN_slug.md`, NN = the topic's number in `topics.toml`); `include_str!` puts them in
//! the binary so `dojo` needs nothing beside it. `cargo xtask check` proves the files follow
//! [`crate::deck::check`] and that every link resolves.

use crate::deck::Deck;
use crate::{Error, Result};

/// One topic's content files: (file stem `NN_slug`, deck TOML, lesson Markdown).
type Files = (&'static str, &'static str, &'static str);

macro_rules! topic_files {
    ($($stem:literal),* $(,)?) => {
        [$(($stem,
            include_str!(concat!("../../../content/cards/", $stem, ".toml")),
            include_str!(concat!("../../../content/notes/", $stem, ".md")))),*]
    };
}

/// In curriculum order; a test checks the stems against `topics.toml`.
const FILES: [Files; 12] = topic_files!(
    "01_transformers",
    "02_pretraining",
    "03_alignment",
    "04_multimodal",
    "05_efficiency",
    "06_evaluation",
    "07_grounding",
    "08_agents",
    "09_decoding",
    "10_beyond",
    "11_privacy",
    "12_generalization",
);

/// Every built-in deck, in curriculum order.
///
/// # Errors
/// [`Error::Content`] if a deck does not parse (the xtask check and the tests prevent it).
pub fn decks() -> Result<Vec<Deck>> {
    FILES
        .iter()
        .map(|(stem, toml, _)| Deck::parse(toml, &format!("content/cards/{stem}.toml")).map_err(Error::Content))
        .collect()
}

/// The lesson of a topic, by slug.
pub fn note(slug: &str) -> Option<&'static str> {
    FILES.iter().find(|(stem, _, _)| stem.get(3..) == Some(slug)).map(|(_, _, md)| *md)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deck::check;
    use dojo::curriculum::Curriculum;

    #[test]
    fn the_files_follow_the_curriculum_order() {
        let c = Curriculum::builtin().unwrap();
        let stems: Vec<String> = c.topics.iter().enumerate().map(|(i, t)| format!("{:02}_{}", i + 1, t.slug)).collect();
        assert_eq!(FILES.iter().map(|f| f.0).collect::<Vec<_>>(), stems);
    }

    #[test]
    fn every_builtin_deck_passes_the_deck_rules() {
        let c = Curriculum::builtin().unwrap();
        let slugs: Vec<&str> = c.topics.iter().map(|t| t.slug.as_str()).collect();
        let decks = decks().unwrap();
        assert_eq!(check(&decks, &slugs), Vec::<String>::new());
        for (d, slug) in decks.iter().zip(&slugs) {
            assert_eq!(&d.topic, slug);
            assert!(note(slug).unwrap().starts_with("# "), "{slug}'s note needs a title");
        }
    }
}
