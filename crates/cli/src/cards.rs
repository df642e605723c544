//! `dojo cards review|stats|export`, `dojo notes` and `dojo interview`: thin terminal loops over
//! `dojo-cards` (what is due, FSRS, scoring) and `dojo-progress` (one transaction per rating).
//!
//! The loops read whole lines, so a script can drive them as a person does (Enter to reveal,
//! 1–4 to rate, q to quit); end of input ends the session, and every rating already given is
//! stored.

use crate::home::dojo_home;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use dojo::curriculum::Curriculum;
use dojo_cards::deck::{Card, Deck, Link};
use dojo_cards::queue::{self, Item};
use dojo_cards::schedule::{Rating, Scheduler, DAY};
use dojo_cards::{anki, content, interview, render};
use dojo_progress::{CardState, Review, Store};
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// `dojo cards …`.
#[derive(Debug, Subcommand)]
pub enum CardsCommand {
    /// Review the cards due now (then new ones): see the question, answer, reveal, rate.
    Review {
        /// Only this topic (slug or number).
        #[arg(long)]
        topic: Option<String>,
        /// At most this many cards (cards rated Again come back within the session).
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// What is due, learned, and recalled, per topic.
    Stats {
        /// Print JSON: `{"topics": [{"topic", "cards", "new", "learned", "due_now", "due_today",
        /// "spaced_reviews", "retention"}], "total": {...}}`.
        #[arg(long)]
        json: bool,
    },
    /// Write every card to a text file Anki imports (File → Import).
    Export {
        /// The output file, e.g. `llm-dojo.txt`.
        #[arg(long)]
        anki: PathBuf,
    },
}

/// The progress file inside `$DOJO_HOME`.
pub fn progress_path() -> Result<PathBuf> {
    Ok(dojo_home()?.join("progress.sqlite"))
}

/// Now, in Unix seconds; `DOJO_NOW` overrides it (tests, and trying a schedule days ahead).
pub fn now() -> Result<i64> {
    if let Some(v) = std::env::var_os("DOJO_NOW") {
        let s = v.to_string_lossy();
        return s.parse().with_context(|| format!("DOJO_NOW={s:?} is not a number of Unix seconds"));
    }
    Ok(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64)
}

/// A topic given as a slug or a number (1–12) → its slug.
pub fn topic_slug(c: &Curriculum, arg: &str) -> Result<String> {
    if let Ok(n) = arg.parse::<usize>() {
        if let Some(t) = n.checked_sub(1).and_then(|i| c.topics.get(i)) {
            return Ok(t.slug.clone());
        }
    }
    if let Some(t) = c.topics.iter().find(|t| t.slug == arg) {
        return Ok(t.slug.clone());
    }
    let slugs: Vec<&str> = c.topics.iter().map(|t| t.slug.as_str()).collect();
    bail!("no topic {arg:?}; topics are 1–12 or one of: {}", slugs.join(", "))
}

fn states(store: &Store) -> Result<HashMap<String, CardState>> {
    Ok(store.card_states()?.into_iter().collect())
}

/// Terminal settings: color only on a terminal without `NO_COLOR`; width from `COLUMNS`.
fn style() -> (bool, usize) {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let width = std::env::var("COLUMNS").ok().and_then(|w| w.parse().ok()).unwrap_or(88).min(100);
    (color, width)
}

pub fn run(cmd: CardsCommand) -> Result<ExitCode> {
    let decks = content::decks()?;
    match cmd {
        CardsCommand::Review { topic, limit } => {
            let topic = topic.map(|t| topic_slug(&Curriculum::builtin()?, &t)).transpose()?;
            let mut store = Store::open(&progress_path()?)?;
            let stdin = std::io::stdin();
            review(&decks, &mut store, topic.as_deref(), limit, &mut stdin.lock(), &mut std::io::stdout())?;
        }
        CardsCommand::Stats { json } => stats(&decks, json)?,
        CardsCommand::Export { anki: path } => {
            let text = anki::export(&decks);
            dojo_labs::write_atomic(&path, text.as_bytes())?;
            let n: usize = decks.iter().map(|d| d.cards.len()).sum();
            println!("wrote {n} cards to {} (Anki: File → Import, type Basic)", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line of input, trimmed; `None` at end of input.
fn read_line(input: &mut dyn BufRead) -> Result<Option<String>> {
    let mut s = String::new();
    Ok((input.read_line(&mut s)? > 0).then(|| s.trim().to_string()))
}

enum Answer {
    Rated(Rating),
    Quit,
}

/// Shows one card: front, wait for Enter, back, ask for a rating.
fn ask(item: &Item, header: &str, input: &mut dyn BufRead, out: &mut dyn Write) -> Result<Answer> {
    let (color, width) = style();
    let c: &Card = item.card;
    writeln!(out, "\n{header}  {} · {} · {}", item.topic, c.kind.name(), c.difficulty.name())?;
    write!(out, "{}", render::render(&c.front, width, color))?;
    writeln!(out, "  [Enter] show the answer   [q] quit")?;
    out.flush()?;
    match read_line(input)? {
        None => return Ok(Answer::Quit),
        Some(s) if s == "q" => return Ok(Answer::Quit),
        Some(_) => {}
    }
    writeln!(out, "{}", "─".repeat(width.min(60)))?;
    write!(out, "{}", render::render(&c.back, width, color))?;
    let see: Vec<String> = c.see.iter().filter_map(|s| Link::parse(s).ok()).map(|l| link_text(&l)).collect();
    writeln!(out, "  see: {}", see.join(" · "))?;
    loop {
        writeln!(out, "  rate: [1] again  [2] hard  [3] good  [4] easy   [q] quit")?;
        out.flush()?;
        match read_line(input)?.as_deref() {
            None | Some("q") => return Ok(Answer::Quit),
            Some(s) => match s.parse().ok().and_then(Rating::from_number) {
                Some(r) => return Ok(Answer::Rated(r)),
                None => writeln!(out, "  type 1, 2, 3 or 4 (or q)")?,
            },
        }
    }
}

fn link_text(l: &Link) -> String {
    match l {
        Link::Code(p) => p.to_string(),
        Link::Lab(n) => format!("dojo lab run {n}"),
        Link::Note(s) => format!("dojo notes {s}"),
        Link::Card(id) => format!("card {id}"),
    }
}

/// Rates `item` in the scheduler and stores it (one transaction); returns the new state.
fn record(
    store: &mut Store,
    sched: &Scheduler,
    item: &Item,
    rating: Rating,
    now: i64,
    source: &'static str,
) -> Result<CardState> {
    let o = sched.review(item.state, rating, now)?;
    store.record_review(&Review {
        card_id: item.card.id.clone(),
        topic: item.topic.to_string(),
        rating: rating as u8,
        reviewed_at: now,
        elapsed_days: o.elapsed_days,
        source,
        state: o.state,
    })?;
    Ok(o.state)
}

fn when(due: i64, now: i64) -> String {
    let secs = due - now;
    if secs < DAY {
        format!("in {} min", secs / 60)
    } else {
        format!("in {} day(s)", secs / DAY)
    }
}

/// The review loop.
pub fn review(
    decks: &[Deck],
    store: &mut Store,
    topic: Option<&str>,
    limit: usize,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<()> {
    let sched = Scheduler::new()?;
    let start = now()?;
    let st = states(store)?;
    let mut q: std::collections::VecDeque<Item> = queue::due(decks, &st, start, topic, limit).into();
    let due = q.iter().filter(|i| i.state.is_some()).count();
    let scope = topic.map_or("all topics".to_string(), |t| format!("topic {t}"));
    if q.is_empty() {
        let next = st.values().map(|s| s.due).min();
        let next = next.map_or(String::new(), |d| format!("; the next is due {}", when(d, start)));
        writeln!(out, "Nothing due in {scope}{next}.")?;
        return Ok(());
    }
    writeln!(
        out,
        "{} card(s) for {scope}: {due} due for review, {} new. Progress: {}",
        q.len(),
        q.len() - due,
        store.path().display()
    )?;
    let mut done = 0;
    while let Some(mut item) = q.pop_front() {
        let header = format!("[{} done · {} left]", done, q.len() + 1);
        let Answer::Rated(rating) = ask(&item, &header, input, out)? else {
            writeln!(out, "\nStopped. {done} rating(s) saved.")?;
            return Ok(());
        };
        let t = now()?;
        let state = record(store, &sched, &item, rating, t, "review")?;
        done += 1;
        writeln!(out, "  → {rating:?}: next {} (stability {:.1} days)", when(state.due, t), state.stability)?;
        if rating == Rating::Again {
            // Relearning: it comes back at the end of this session.
            item.state = Some(state);
            q.push_back(item);
        }
    }
    writeln!(out, "\nSession done: {done} rating(s) saved.")?;
    Ok(())
}

fn stats(decks: &[Deck], json: bool) -> Result<()> {
    let path = progress_path()?;
    let t = now()?;
    // Reading stats never creates the store: before the first review everything is new.
    let (st, log) = if path.exists() {
        let s = Store::open(&path)?;
        (states(&s)?, s.reviews()?)
    } else {
        (HashMap::new(), Vec::new())
    };
    let rows = queue::stats(decks, &st, &log, t);
    let sum = |f: fn(&queue::TopicStats) -> usize| rows.iter().map(f).sum::<usize>();
    let spaced = sum(|r| r.spaced_reviews);
    let recalled: f64 = rows.iter().filter_map(|r| r.retention.map(|x| x * r.spaced_reviews as f64)).sum();
    let total = serde_json::json!({
        "cards": sum(|r| r.cards), "new": sum(|r| r.new), "learned": sum(|r| r.learned),
        "due_now": sum(|r| r.due_now), "due_today": sum(|r| r.due_today), "spaced_reviews": spaced,
        "retention": (spaced > 0).then(|| recalled / spaced as f64),
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "topics": rows, "total": total }))?);
        return Ok(());
    }
    println!(
        "{:<16} {:>5} {:>5} {:>8} {:>8} {:>10} {:>10}",
        "topic", "cards", "new", "learned", "due now", "due 24 h", "retention"
    );
    for r in &rows {
        let ret = r.retention.map_or("–".to_string(), |x| format!("{:.0}% of {}", 100.0 * x, r.spaced_reviews));
        println!(
            "{:<16} {:>5} {:>5} {:>8} {:>8} {:>10} {:>10}",
            r.topic, r.cards, r.new, r.learned, r.due_now, r.due_today, ret
        );
    }
    println!(
        "{:<16} {:>5} {:>5} {:>8} {:>8} {:>10}",
        "all", total["cards"], total["new"], total["learned"], total["due_now"], total["due_today"]
    );
    println!("\nretention = spaced reviews (a day or more apart) not rated Again. Review: dojo cards review");
    Ok(())
}

/// Due cards per topic slug, for the topic map; empty before the first review.
pub fn due_by_topic() -> Result<HashMap<String, (usize, usize)>> {
    let decks = content::decks()?;
    let path = progress_path()?;
    let st = if path.exists() { states(&Store::open(&path)?)? } else { HashMap::new() };
    let t = now()?;
    Ok(queue::stats(&decks, &st, &[], t).into_iter().map(|r| (r.topic, (r.cards, r.due_now))).collect())
}

/// `dojo notes [TOPIC]`.
pub fn notes(topic: Option<String>) -> Result<ExitCode> {
    let c = Curriculum::builtin()?;
    let Some(topic) = topic else {
        println!("Lessons (dojo notes SLUG or NUMBER):\n");
        for (i, t) in c.topics.iter().enumerate() {
            let words = content::note(&t.slug).map_or(0, |n| n.split_whitespace().count());
            println!("{:>2}  {:<16} {} ({words} words)", i + 1, t.slug, t.title);
        }
        return Ok(ExitCode::SUCCESS);
    };
    let slug = topic_slug(&c, &topic)?;
    let md = content::note(&slug).context("every topic has a note")?;
    let (color, width) = style();
    let text = render::render(md, width, color);
    if std::io::stdout().is_terminal() {
        // Paged, as `git log` is: $PAGER, else `less -R`; print directly if neither runs.
        let pager = std::env::var("PAGER").unwrap_or_else(|_| "less -R".into());
        let mut parts = pager.split_whitespace();
        if let Some(prog) = parts.next() {
            let child = std::process::Command::new(prog).args(parts).stdin(std::process::Stdio::piped()).spawn();
            if let Ok(mut child) = child {
                if let Some(mut stdin) = child.stdin.take() {
                    let _ = stdin.write_all(text.as_bytes()); // the reader may quit early
                }
                child.wait()?;
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// `dojo interview`.
pub fn interview_cmd(minutes: u64, topic: Option<String>, seed: Option<u64>) -> Result<ExitCode> {
    if minutes == 0 {
        bail!("--minutes must be at least 1");
    }
    let decks = content::decks()?;
    let topic = topic.map(|t| topic_slug(&Curriculum::builtin()?, &t)).transpose()?;
    let mut store = Store::open(&progress_path()?)?;
    let stdin = std::io::stdin();
    interview_loop(&decks, &mut store, topic.as_deref(), minutes, seed, &mut stdin.lock(), &mut std::io::stdout())?;
    Ok(ExitCode::SUCCESS)
}

fn interview_loop(
    decks: &[Deck],
    store: &mut Store,
    topic: Option<&str>,
    minutes: u64,
    seed: Option<u64>,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<()> {
    let sched = Scheduler::new()?;
    let start = now()?;
    let seed = seed.unwrap_or(start as u64);
    let plan = interview::plan(decks, &states(store)?, start, topic, minutes, seed);
    let wall = std::time::Instant::now();
    let budget = minutes * 60;
    writeln!(
        out,
        "Mock interview: {} question(s), {minutes} min, seed {seed}. Answer each aloud before revealing.",
        plan.len()
    )?;
    writeln!(out, "(Drills are not part of it yet: the drill system is not built.)")?;
    let mut ratings = Vec::new();
    for (i, item) in plan.iter().enumerate() {
        let used = wall.elapsed().as_secs();
        if used >= budget {
            writeln!(out, "\nTime is up.")?;
            break;
        }
        let left = budget - used;
        let header = format!("[{}/{} · {}:{:02} left]", i + 1, plan.len(), left / 60, left % 60);
        match ask(item, &header, input, out)? {
            Answer::Quit => break,
            Answer::Rated(r) => {
                record(store, &sched, item, r, now()?, "interview")?;
                ratings.push((item.card.id.clone(), r));
            }
        }
    }
    let s = interview::summarize(&ratings);
    writeln!(out, "\nScore: {:.0}% over {} answered (Good/Easy 1, Hard ½, Again 0).", s.score, s.answered)?;
    if !s.revisit.is_empty() {
        writeln!(out, "Revisit:")?;
        for id in &s.revisit {
            if let Some(item) = plan.iter().find(|i| &i.card.id == id) {
                let first = item.card.front.lines().next().unwrap_or("");
                writeln!(out, "  - {} ({}): {first}", id, item.topic)?;
            }
        }
    }
    writeln!(out, "Ratings are in the scheduler: they come back in `dojo cards review` when due.")?;
    Ok(())
}
