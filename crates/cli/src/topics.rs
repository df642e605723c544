//! The topic map (`dojo` with no arguments) and `dojo topics`.

use crate::home::dojo_home;
use anyhow::Result;
use dojo::curriculum::{Curriculum, Topic};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

/// What exists for one topic, counted from the real registries.
#[derive(Debug, Serialize)]
struct Counts {
    concepts: usize,
    implemented: usize,
    labs: usize,
    /// Drills of the topic.
    drills: usize,
    /// Cards in the topic's deck.
    cards: usize,
    /// Of them, reviewed cards due now (0 before the first review).
    due: usize,
}

fn counts(t: &Topic, cards: &HashMap<String, (usize, usize)>, drills: &HashMap<String, usize>) -> Counts {
    let (cards, due) = cards.get(&t.slug).copied().unwrap_or((0, 0));
    Counts {
        concepts: t.concepts.len(),
        implemented: t.implemented(),
        labs: labs_of(&t.slug).count(),
        drills: drills.get(&t.slug).copied().unwrap_or(0),
        cards,
        due,
    }
}

fn labs_of(slug: &str) -> impl Iterator<Item = &'static dyn dojo_labs::Lab> + '_ {
    dojo_labs::LABS.iter().copied().filter(move |l| l.info().topic == slug)
}

/// `dojo`: the twelve topics with what each has, where `$DOJO_HOME` is, and what to do next.
pub fn map() -> Result<ExitCode> {
    let c = Curriculum::builtin()?;
    let home = dojo_home()?;
    let cards = crate::cards::due_by_topic()?;
    let drills = crate::drill::count_by_topic()?;
    println!("llm-dojo: a workbench for ML and LLM interviews\n");
    println!(" #  {:<42} {:>9} {:>5} {:>7} {:>6} {:>4}", "topic", "concepts", "labs", "drills", "cards", "due");
    for (i, t) in c.topics.iter().enumerate() {
        let n = counts(t, &cards, &drills);
        println!(
            "{:>2}  {:<42} {:>9} {:>5} {:>7} {:>6} {:>4}",
            i + 1,
            t.title,
            format!("{}/{}", n.implemented, n.concepts),
            n.labs,
            n.drills,
            n.cards,
            n.due
        );
    }
    let due: usize = cards.values().map(|(_, d)| d).sum();
    if due > 0 {
        println!("\n{due} card(s) due: dojo cards review");
    }
    let state = if home.exists() { "" } else { " (not created yet)" };
    println!("\nhome: {}{state}   (set DOJO_HOME to move it; models and progress live there)", home.display());
    println!("\nNext: {}", next_step(&c));
    println!("More: dojo topics · dojo lab list · dojo drill next · dojo cards review · dojo notes · dojo interview · dojo --help");
    Ok(ExitCode::SUCCESS)
}

/// The first lab, in curriculum order, that has no report under `./reports` yet.
fn next_step(c: &Curriculum) -> String {
    for (i, t) in c.topics.iter().enumerate() {
        for lab in labs_of(&t.slug) {
            let info = lab.info();
            if !Path::new("reports").join(info.name).exists() {
                return format!(
                    "topic {} ({}): run the `{}` lab, which {}\n      dojo lab run {}",
                    i + 1,
                    t.slug,
                    info.name,
                    lowercase_first(info.summary),
                    info.name
                );
            }
        }
    }
    "every lab has a report under ./reports; open one, or rerun a lab with --config full".into()
}

fn lowercase_first(s: &str) -> String {
    let mut cs = s.chars();
    cs.next().map(|f| f.to_lowercase().chain(cs).collect()).unwrap_or_default()
}

#[derive(Serialize)]
struct TopicJson<'a> {
    number: usize,
    slug: &'a str,
    title: &'a str,
    summary: &'a str,
    counts: Counts,
    concepts: Vec<ConceptJson<'a>>,
    labs: Vec<&'static str>,
}

#[derive(Serialize)]
struct ConceptJson<'a> {
    id: &'a str,
    name: &'a str,
    path: Option<&'a str>,
}

/// `dojo topics [--json]`.
pub fn list(json: bool) -> Result<ExitCode> {
    let c = Curriculum::builtin()?;
    let cards = crate::cards::due_by_topic()?;
    let drills = crate::drill::count_by_topic()?;
    if json {
        let topics: Vec<TopicJson> = c
            .topics
            .iter()
            .enumerate()
            .map(|(i, t)| TopicJson {
                number: i + 1,
                slug: &t.slug,
                title: &t.title,
                summary: &t.summary,
                counts: counts(t, &cards, &drills),
                concepts: t
                    .concepts
                    .iter()
                    .map(|k| ConceptJson { id: &k.id, name: &k.name, path: k.path.as_deref() })
                    .collect(),
                labs: labs_of(&t.slug).map(|l| l.info().name).collect(),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&topics)?);
        return Ok(ExitCode::SUCCESS);
    }
    for (i, t) in c.topics.iter().enumerate() {
        println!("{:>2}. {} ({})\n    {}", i + 1, t.title, t.slug, t.summary);
        for k in &t.concepts {
            let mark = if k.path.is_some() { "✓" } else { "·" };
            println!("      {mark} {}", k.name);
        }
        let labs: Vec<_> = labs_of(&t.slug).map(|l| l.info().name).collect();
        if !labs.is_empty() {
            println!("    labs: {}", labs.join(", "));
        }
        println!();
    }
    println!("✓ implemented   · planned");
    Ok(ExitCode::SUCCESS)
}
