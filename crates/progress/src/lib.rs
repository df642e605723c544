//! The learner's progress store: one SQLite file, `$DOJO_HOME/progress.sqlite`.
//!
//! It holds what a learner has done and must not lose: every card review (the log) and each
//! card's current scheduling state (stability, difficulty, due time); every drill check, hint
//! and give-up, and each drill's state (see [`drills`]); and a few settings (`meta`). Lab runs
//! will live here too when labs record them.
//!
//! Durability rules, each tested below:
//! 1. Every write is one transaction (WAL journal, `synchronous = FULL`): once
//!    [`Store::record_review`] returns, the review survives a kill of the process.
//! 2. A file that is not ours is never overwritten. Opening checks the SQLite header, the
//!    database's `application_id` (ours is `0x646f6a6f`, "dojo") and its integrity; a foreign,
//!    corrupted or newer-version file is reported with its path and left as it is.
//!
//! Times are Unix seconds passed in by the caller, so the store never reads a clock itself.

use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};

/// `PRAGMA application_id` of a llm-dojo store: the bytes "dojo".
pub const APPLICATION_ID: i32 = 0x646f_6a6f;
/// The schema version this code writes (`PRAGMA user_version`). Version 1 had the cards only;
/// opening a version-1 file adds the drill tables ([`MIGRATE_1_TO_2`]) in one transaction.
pub const SCHEMA_VERSION: i32 = 2;

const SCHEMA: &str = "
CREATE TABLE card_state (
    card_id     TEXT PRIMARY KEY,
    stability   REAL NOT NULL,    -- FSRS stability S, days
    difficulty  REAL NOT NULL,    -- FSRS difficulty D, 1..10
    due         INTEGER NOT NULL, -- Unix seconds
    last_review INTEGER NOT NULL, -- Unix seconds
    reps        INTEGER NOT NULL, -- reviews so far
    lapses      INTEGER NOT NULL  -- times rated Again after the first review
);
CREATE TABLE review_log (
    id          INTEGER PRIMARY KEY,
    card_id     TEXT NOT NULL,
    topic       TEXT NOT NULL,
    rating      INTEGER NOT NULL, -- 1 Again, 2 Hard, 3 Good, 4 Easy
    reviewed_at INTEGER NOT NULL,
    elapsed_days INTEGER NOT NULL, -- whole days since the previous review (0 for a new card)
    stability   REAL NOT NULL,    -- state after this review
    difficulty  REAL NOT NULL,
    due         INTEGER NOT NULL,
    source      TEXT NOT NULL     -- 'review' or 'interview'
);
CREATE INDEX review_log_card ON review_log (card_id);
";

/// The tables schema version 2 added: drills and settings.
pub const MIGRATE_1_TO_2: &str = "
CREATE TABLE drill_state (
    drill       TEXT PRIMARY KEY,
    topic       TEXT NOT NULL,
    checks      INTEGER NOT NULL, -- checks run
    last_passed INTEGER NOT NULL, -- 1 if the latest check passed
    passes      INTEGER NOT NULL, -- spaced passes since the last give-up (see drills.rs)
    first_passed_at INTEGER,      -- Unix seconds, NULL until the first pass
    last_checked_at INTEGER,      -- Unix seconds, NULL before the first check
    due         INTEGER,          -- re-practice due, Unix seconds; NULL until passed
    hints_seen  INTEGER NOT NULL, -- the highest hint level shown
    gave_up     INTEGER NOT NULL  -- 1 once the solution was shown with --give-up
);
CREATE TABLE drill_log (
    id          INTEGER PRIMARY KEY,
    drill       TEXT NOT NULL,
    topic       TEXT NOT NULL,
    at          INTEGER NOT NULL, -- Unix seconds
    event       TEXT NOT NULL,    -- 'check', 'hint' or 'give_up'
    passed      INTEGER,          -- checks: 1 if every test passed
    tests_passed INTEGER,         -- checks: how many hidden tests passed
    tests_total INTEGER,          -- checks: of how many (0 if it did not compile)
    hint_level  INTEGER           -- hints: the level shown
);
CREATE TABLE meta (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);
";

pub mod drills;
pub use drills::{DrillCheck, DrillState, DrillStatus};

/// Why the store could not be used. Each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file exists but is not an SQLite database at all.
    #[error("{0} is not a llm-dojo progress file (not an SQLite database); it was left untouched\n---> HINT: move it away or set DOJO_HOME to another folder")]
    NotSqlite(PathBuf),
    /// An SQLite database that belongs to another program.
    #[error("{0} is an SQLite database of another program (application_id {1:#x}); it was left untouched\n---> HINT: move it away or set DOJO_HOME to another folder")]
    Foreign(PathBuf, i32),
    /// Written by a newer llm-dojo.
    #[error("{0} has schema version {1}, newer than this dojo's {SCHEMA_VERSION}: upgrade dojo")]
    Newer(PathBuf, i32),
    /// Integrity check failed or SQLite reported the file malformed.
    #[error("{0} is corrupted ({1}); it was left untouched\n---> HINT: restore it from a backup, or move it away to start fresh")]
    Corrupt(PathBuf, String),
    /// Any other SQLite failure.
    #[error("progress store {0}: {1}")]
    Sqlite(PathBuf, rusqlite::Error),
    /// The folder could not be created.
    #[error("creating {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// One card's scheduling state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardState {
    /// FSRS stability S in days: the interval at which recall probability falls to 90%.
    pub stability: f64,
    /// FSRS difficulty D in [1, 10].
    pub difficulty: f64,
    /// When the card is next due, Unix seconds.
    pub due: i64,
    /// When it was last reviewed, Unix seconds.
    pub last_review: i64,
    /// Number of reviews so far.
    pub reps: u32,
    /// Number of Again ratings after the first review.
    pub lapses: u32,
}

/// One review to record: the rating and the state it produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// The card's stable id, e.g. `"transformers-why-sqrt-d"`.
    pub card_id: String,
    /// Its topic slug, e.g. `"transformers"`.
    pub topic: String,
    /// 1 Again, 2 Hard, 3 Good, 4 Easy.
    pub rating: u8,
    /// When, Unix seconds.
    pub reviewed_at: i64,
    /// Whole days since the previous review (0 for a new card).
    pub elapsed_days: u32,
    /// Where it was rated: `"review"` or `"interview"`.
    pub source: &'static str,
    /// The state after the review.
    pub state: CardState,
}

/// One row of the review log, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedReview {
    /// The card's id.
    pub card_id: String,
    /// Its topic slug.
    pub topic: String,
    /// 1..4.
    pub rating: u8,
    /// Unix seconds.
    pub reviewed_at: i64,
    /// Whole days since the previous review.
    pub elapsed_days: u32,
}

/// The open progress store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens the store at `path`, creating the file (and its folder) if it does not exist.
    ///
    /// # Errors
    /// [`Error::NotSqlite`], [`Error::Foreign`], [`Error::Corrupt`] or [`Error::Newer`] for a
    /// file that is not a usable llm-dojo store; such a file is never modified.
    pub fn open(path: &Path) -> Result<Store> {
        let p = path.to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.to_path_buf(), e))?;
        }
        // 1) Look at the bytes before SQLite does: a non-empty file must start with its header.
        if let Ok(bytes) = std::fs::read(path) {
            if !bytes.is_empty() && !bytes.starts_with(b"SQLite format 3\0") {
                return Err(Error::NotSqlite(p));
            }
        }
        let conn = Connection::open(path).map_err(|e| classify(&p, e))?;
        // 2) Whose database is it? Read before any write.
        let app_id: i32 = pragma(&conn, &p, "application_id")?;
        let version: i32 = pragma(&conn, &p, "user_version")?;
        let tables: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).map_err(|e| classify(&p, e))?;
        if app_id != APPLICATION_ID && (app_id != 0 || tables > 0) {
            return Err(Error::Foreign(p, app_id));
        }
        if version > SCHEMA_VERSION {
            return Err(Error::Newer(p, version));
        }
        // 3) Is it whole?
        let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| classify(&p, e))?;
        if check != "ok" {
            return Err(Error::Corrupt(p, check));
        }
        // 4) Durable commits, then the schema for a new file.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| classify(&p, e))?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(|e| classify(&p, e))?;
        if tables == 0 {
            let sql = format!(
                "BEGIN; {SCHEMA} {MIGRATE_1_TO_2} PRAGMA application_id = {APPLICATION_ID}; \
                 PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            );
            conn.execute_batch(&sql).map_err(|e| classify(&p, e))?;
        } else if version == 1 {
            let sql = format!("BEGIN; {MIGRATE_1_TO_2} PRAGMA user_version = 2; COMMIT;");
            conn.execute_batch(&sql).map_err(|e| classify(&p, e))?;
        }
        Ok(Store { conn, path: p })
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state of one card, or `None` if it was never reviewed.
    pub fn card_state(&self, card_id: &str) -> Result<Option<CardState>> {
        self.conn
            .query_row(
                "SELECT stability, difficulty, due, last_review, reps, lapses FROM card_state WHERE card_id = ?1",
                [card_id],
                row_state,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every reviewed card's state, keyed by id.
    pub fn card_states(&self) -> Result<Vec<(String, CardState)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT card_id, stability, difficulty, due, last_review, reps, lapses FROM card_state")
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, row_state_at(r, 1)?))).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>().map_err(|e| self.err(e))
    }

    /// Records one review: appends it to the log and sets the card's state, in one transaction.
    pub fn record_review(&mut self, r: &Review) -> Result<()> {
        let s = r.state;
        let tx = self.conn.transaction().map_err(|e| classify(&self.path, e))?;
        tx.execute(
            "INSERT INTO review_log (card_id, topic, rating, reviewed_at, elapsed_days, stability, difficulty, due, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![r.card_id, r.topic, r.rating, r.reviewed_at, r.elapsed_days, s.stability, s.difficulty, s.due, r.source],
        )
        .map_err(|e| classify(&self.path, e))?;
        tx.execute(
            "INSERT INTO card_state (card_id, stability, difficulty, due, last_review, reps, lapses)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (card_id) DO UPDATE SET stability = ?2, difficulty = ?3, due = ?4,
                 last_review = ?5, reps = ?6, lapses = ?7",
            params![r.card_id, s.stability, s.difficulty, s.due, s.last_review, s.reps, s.lapses],
        )
        .map_err(|e| classify(&self.path, e))?;
        tx.commit().map_err(|e| classify(&self.path, e))
    }

    /// The whole review log, oldest first.
    pub fn reviews(&self) -> Result<Vec<LoggedReview>> {
        let mut stmt = self
            .conn
            .prepare("SELECT card_id, topic, rating, reviewed_at, elapsed_days FROM review_log ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(LoggedReview {
                    card_id: r.get(0)?,
                    topic: r.get(1)?,
                    rating: r.get(2)?,
                    reviewed_at: r.get(3)?,
                    elapsed_days: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>().map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        classify(&self.path, e)
    }
}

fn pragma(conn: &Connection, p: &Path, name: &str) -> Result<i32> {
    conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).map_err(|e| classify(p, e))
}

fn row_state(r: &rusqlite::Row<'_>) -> rusqlite::Result<CardState> {
    row_state_at(r, 0)
}

fn row_state_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<CardState> {
    Ok(CardState {
        stability: r.get(i)?,
        difficulty: r.get(i + 1)?,
        due: r.get(i + 2)?,
        last_review: r.get(i + 3)?,
        reps: r.get(i + 4)?,
        lapses: r.get(i + 5)?,
    })
}

/// SQLite's "not a database" and "malformed" become [`Error::Corrupt`]; the rest stay SQLite errors.
fn classify(p: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match e.sqlite_error_code() {
        Some(NotADatabase | DatabaseCorrupt) => Error::Corrupt(p.to_path_buf(), e.to_string()),
        _ => Error::Sqlite(p.to_path_buf(), e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(id: &str, rating: u8, at: i64) -> Review {
        Review {
            card_id: id.into(),
            topic: "transformers".into(),
            rating,
            reviewed_at: at,
            elapsed_days: 0,
            source: "review",
            state: CardState { stability: 2.3, difficulty: 5.0, due: at + 86_400, last_review: at, reps: 1, lapses: 0 },
        }
    }

    #[test]
    fn a_recorded_review_is_there_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/progress.sqlite");
        {
            let mut s = Store::open(&path).unwrap();
            s.record_review(&review("a", 3, 100)).unwrap();
            let mut r = review("a", 1, 200);
            r.state.reps = 2;
            r.state.lapses = 1;
            s.record_review(&r).unwrap();
        } // dropped without any explicit close or flush
        let s = Store::open(&path).unwrap();
        let st = s.card_state("a").unwrap().unwrap();
        assert_eq!((st.reps, st.lapses, st.last_review), (2, 1, 200));
        assert_eq!(s.reviews().unwrap().iter().map(|r| r.rating).collect::<Vec<_>>(), vec![3, 1]);
        assert_eq!(s.card_state("b").unwrap(), None);
        assert_eq!(s.card_states().unwrap().len(), 1);
    }

    #[test]
    fn a_text_file_is_reported_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.sqlite");
        std::fs::write(&path, "my notes, not a database\n").unwrap();
        let e = Store::open(&path).err().unwrap();
        assert!(matches!(e, Error::NotSqlite(_)), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "my notes, not a database\n");
    }

    #[test]
    fn another_programs_database_is_reported_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.sqlite");
        let c = Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE photos (id INTEGER); INSERT INTO photos VALUES (7);").unwrap();
        drop(c);
        let before = std::fs::read(&path).unwrap();
        let e = Store::open(&path).err().unwrap();
        assert!(matches!(e, Error::Foreign(_, 0)), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[test]
    fn a_corrupted_store_is_reported_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.sqlite");
        {
            let mut s = Store::open(&path).unwrap();
            for i in 0..200 {
                s.record_review(&review(&format!("card-{i}"), 3, i)).unwrap();
            }
            // Fold the WAL into the main file so the damage below hits real pages.
            s.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;").unwrap();
        }
        let mut bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 8192, "want several pages, got {} bytes", bytes.len());
        for b in &mut bytes[4096..8192] {
            *b = 0xA5; // overwrite the second page with garbage
        }
        std::fs::write(&path, &bytes).unwrap();
        let e = Store::open(&path).err().unwrap();
        assert!(matches!(e, Error::Corrupt(..)), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.sqlite");
        drop(Store::open(&path).unwrap());
        Connection::open(&path).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        assert!(matches!(Store::open(&path).err().unwrap(), Error::Newer(_, 3)));
    }

    #[test]
    fn a_version_1_store_gains_the_drill_tables_and_keeps_its_reviews() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.sqlite");
        {
            // A version-1 file exactly as the previous release wrote it.
            let c = Connection::open(&path).unwrap();
            c.execute_batch(&format!(
                "BEGIN; {SCHEMA} PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1; COMMIT;"
            ))
            .unwrap();
            c.execute(
                "INSERT INTO review_log (card_id, topic, rating, reviewed_at, elapsed_days, stability, difficulty, due, source)
                 VALUES ('a', 'transformers', 3, 5, 0, 1.0, 5.0, 10, 'review')",
                [],
            )
            .unwrap();
        }
        let mut s = Store::open(&path).unwrap();
        assert_eq!(pragma(&s.conn, &path, "user_version").unwrap(), 2);
        assert_eq!(s.reviews().unwrap().len(), 1);
        s.set_meta("drill.current", "stable_softmax").unwrap();
        drop(s);
        let s = Store::open(&path).unwrap();
        assert_eq!(s.meta("drill.current").unwrap().as_deref(), Some("stable_softmax"));
    }
}
