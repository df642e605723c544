//! The drill catalog: `content/drills/info.toml` plus three files per drill.
//!
//! ```text
//! info.toml                        [[drill]] name, topic, title, difficulty, asks, hints
//! exercises/<topic>/<name>.rs      the stub: signatures, todo!(), a one-line contract
//! hidden/<topic>/<name>.rs         the grader: `pub const TESTS: &[Test]`
//! solutions/<topic>/<name>.rs      a reference solution
//! ```
//!
//! `<topic>` is the topic's folder name, `NN_slug` (its number and slug in `topics.toml`).
//! [`Catalog::builtin`] reads the copy compiled into the binary; [`Catalog::load`] reads a
//! folder (the content checks, and authors trying a drill before a rebuild).

use crate::{Error, Result};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

include!(concat!(env!("OUT_DIR"), "/drill_files.rs"));

/// The grading kit compiled into every scratch crate.
pub const GRADE_RS: &str = include_str!("../scratch/grade.rs");

/// How long a drill's tests may run, unless its entry says otherwise.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(10);

/// One drill.
#[derive(Debug, Clone)]
pub struct Drill {
    /// Unique snake_case name, e.g. `"stable_softmax"`.
    pub name: String,
    /// The topic folder, `NN_slug`, e.g. `"01_transformers"`.
    pub topic_dir: String,
    /// The topic slug, e.g. `"transformers"`.
    pub topic: String,
    /// A short title.
    pub title: String,
    /// 1 (warm-up) to 3 (interview-hard).
    pub difficulty: u8,
    /// One sentence: what the learner writes.
    pub asks: String,
    /// Hints, from a nudge to nearly the answer.
    pub hints: Vec<String>,
    /// How long the hidden tests may run.
    pub time_limit: Duration,
    /// The stub the learner starts from.
    pub stub: String,
    /// The hidden tests.
    pub hidden: String,
    /// The reference solution.
    pub solution: String,
}

impl Drill {
    /// Where the learner's copy lives inside a workspace: `<NN_topic>/<name>.rs`.
    pub fn file_in(&self, workspace: &Path) -> std::path::PathBuf {
        workspace.join(&self.topic_dir).join(format!("{}.rs", self.name))
    }
}

/// Every drill, in the order they are offered.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The drills, in `info.toml` order.
    pub drills: Vec<Drill>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Info {
    drill: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    topic: String,
    title: String,
    difficulty: u8,
    asks: String,
    hints: Vec<String>,
    time_limit_s: Option<u64>,
}

impl Catalog {
    /// The drills compiled into this binary.
    ///
    /// # Errors
    /// [`Error::Content`] if the content is malformed (the content checks prevent it).
    pub fn builtin() -> Result<Catalog> {
        Catalog::parse(|rel| DRILL_FILES.iter().find(|(p, _)| *p == rel).map(|(_, t)| t.to_string()))
    }

    /// The drills in folder `dir` (laid out like `content/drills/`).
    ///
    /// # Errors
    /// [`Error::Content`] for a missing file or a malformed entry.
    pub fn load(dir: &Path) -> Result<Catalog> {
        Catalog::parse(|rel| std::fs::read_to_string(dir.join(rel)).ok())
    }

    /// Reads `info.toml` and each drill's files through `read(relative path)`, and checks the
    /// rules every drill follows: a unique name, a `NN_slug` topic, difficulty 1–3, at least one
    /// hint, all three files present, and a stub that states its contract and leaves the work to
    /// do (`// TODO` and `todo!()`).
    fn parse(read: impl Fn(&str) -> Option<String>) -> Result<Catalog> {
        let info = read("info.toml").ok_or_else(|| Error::Content("info.toml is missing".into()))?;
        let info: Info = toml::from_str(&info).map_err(|e| Error::Content(format!("info.toml: {e}")))?;
        let mut seen = HashSet::new();
        let mut drills = Vec::new();
        for e in info.drill {
            let bad = |why: &str| Error::Content(format!("drill {:?}: {why}", e.name));
            if !seen.insert(e.name.clone()) {
                return Err(bad("the name is used twice"));
            }
            if e.name.is_empty() || !e.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                return Err(bad("names are snake_case: a-z, 0-9 and _"));
            }
            let slug = match e.topic.split_once('_') {
                Some((nn, slug)) if nn.len() == 2 && nn.chars().all(|c| c.is_ascii_digit()) && !slug.is_empty() => slug,
                _ => return Err(bad("topic must be a topic folder NN_slug, e.g. 01_transformers")),
            };
            if !(1..=3).contains(&e.difficulty) {
                return Err(bad("difficulty is 1, 2 or 3"));
            }
            if e.hints.is_empty() || e.hints.iter().any(|h| h.trim().is_empty()) {
                return Err(bad("needs at least one hint, none empty"));
            }
            let file = |kind: &str| {
                let rel = format!("{kind}/{}/{}.rs", e.topic, e.name);
                read(&rel).ok_or_else(|| bad(&format!("{rel} is missing")))
            };
            let (stub, hidden, solution) = (file("exercises")?, file("hidden")?, file("solutions")?);
            if !stub.contains("todo!(") || !stub.contains("// TODO") {
                return Err(bad("the stub must leave the work to the learner: `// TODO: …` and todo!()"));
            }
            if !stub.contains("Contract:") {
                return Err(bad("the stub must state its contract (`Contract:` with an input → output example)"));
            }
            if !hidden.contains("pub const TESTS") {
                return Err(bad("the hidden file must define `pub const TESTS: &[Test]`"));
            }
            drills.push(Drill {
                topic: slug.to_string(),
                topic_dir: e.topic,
                name: e.name,
                title: e.title,
                difficulty: e.difficulty,
                asks: e.asks,
                hints: e.hints,
                time_limit: e.time_limit_s.map_or(DEFAULT_TIME_LIMIT, Duration::from_secs),
                stub,
                hidden,
                solution,
            });
        }
        Ok(Catalog { drills })
    }

    /// The drill called `name`.
    ///
    /// # Errors
    /// [`Error::Unknown`] if there is none.
    pub fn get(&self, name: &str) -> Result<&Drill> {
        self.drills.iter().find(|d| d.name == name).ok_or_else(|| Error::Unknown(name.to_string()))
    }

    /// The position of `name` in the order (0-based).
    pub fn position(&self, name: &str) -> Option<usize> {
        self.drills.iter().position(|d| d.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalog_parses_and_matches_the_folder() {
        let built = Catalog::builtin().unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/drills");
        let disk = Catalog::load(&dir).unwrap();
        assert!(!built.drills.is_empty());
        let names = |c: &Catalog| c.drills.iter().map(|d| d.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&built), names(&disk), "rebuild after changing content/drills");
    }

    fn files(info: &str) -> impl Fn(&str) -> Option<String> + '_ {
        move |rel: &str| match rel {
            "info.toml" => Some(info.to_string()),
            r if r.starts_with("exercises/") => {
                Some("//! Contract: f() → ().\npub fn f() {\n    // TODO\n    todo!()\n}".into())
            }
            r if r.starts_with("hidden/") => Some("pub const TESTS: &[Test] = &[];".into()),
            _ => Some(String::new()),
        }
    }

    const ENTRY: &str = "[[drill]]\nname = \"a\"\ntopic = \"01_transformers\"\ntitle = \"A\"\n\
                         difficulty = 1\nasks = \"x\"\nhints = [\"h\"]\n";

    #[test]
    fn a_well_formed_entry_parses() {
        let c = Catalog::parse(files(ENTRY)).unwrap();
        assert_eq!(c.drills[0].topic, "transformers");
        assert_eq!(c.drills[0].time_limit, DEFAULT_TIME_LIMIT);
        assert!(matches!(c.get("b"), Err(Error::Unknown(_))));
    }

    #[test]
    fn malformed_entries_are_refused_with_the_reason() {
        let twice = format!("{ENTRY}{ENTRY}");
        let cases = [
            (twice, "used twice"),
            (ENTRY.replace("hints = [\"h\"]", "hints = []"), "hint"),
            (ENTRY.replace("difficulty = 1", "difficulty = 4"), "difficulty"),
            (ENTRY.replace("01_transformers", "transformers"), "NN_slug"),
            (ENTRY.replace("name = \"a\"", "name = \"A b\""), "snake_case"),
        ];
        for (info, why) in cases {
            let e = Catalog::parse(files(&info)).unwrap_err().to_string();
            assert!(e.contains(why), "{e}");
        }
        let no_todo =
            |rel: &str| if rel.starts_with("exercises/") { Some("pub fn f() {}".into()) } else { files(ENTRY)(rel) };
        assert!(Catalog::parse(no_todo).unwrap_err().to_string().contains("todo!()"));
    }
}
