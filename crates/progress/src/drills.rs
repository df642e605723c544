//! Drill progress: each check, hint and give-up is one transaction; each drill's state says
//! whether it is new, failing, passed, or due for re-practice.
//!
//! Re-practice is spaced like the cards, more simply: a *counted* pass (one made when the drill
//! was new, failing or due, not a re-check of a file that already passes) schedules the next
//! practice 3^(k−1) days later, k being the passes counted since the last give-up: 1, 3, 9, 27,
//! 81 days, then no longer than 180. Giving up (seeing the solution unsolved) starts k again.

use crate::{classify, Result, Store};
use rusqlite::{params, OptionalExtension};

const DAY: i64 = 86_400;
const MAX_INTERVAL_DAYS: i64 = 180;

/// Where a learner stands with a drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrillStatus {
    /// Never checked.
    New,
    /// The latest check failed (or did not compile).
    Failing,
    /// Passed, and not yet due for re-practice.
    Passed,
    /// Passed before; its re-practice date has come.
    Due,
}

impl DrillStatus {
    /// `"new"`, `"failing"`, `"passed"` or `"due"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DrillStatus::New => "new",
            DrillStatus::Failing => "failing",
            DrillStatus::Passed => "passed",
            DrillStatus::Due => "due",
        }
    }
}

/// One drill's stored state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DrillState {
    /// Checks run.
    pub checks: u32,
    /// Whether the latest check passed.
    pub last_passed: bool,
    /// Counted passes since the last give-up.
    pub passes: u32,
    /// The first pass, Unix seconds.
    pub first_passed_at: Option<i64>,
    /// The latest check, Unix seconds.
    pub last_checked_at: Option<i64>,
    /// When re-practice is due, Unix seconds (set by a counted pass).
    pub due: Option<i64>,
    /// The highest hint level shown (0: none).
    pub hints_seen: u32,
    /// Whether the solution was ever shown with `--give-up`.
    pub gave_up: bool,
}

impl DrillState {
    /// The status at time `now` (Unix seconds).
    pub fn status(&self, now: i64) -> DrillStatus {
        match (self.checks, self.last_passed, self.due) {
            (0, _, _) => DrillStatus::New,
            (_, false, _) => DrillStatus::Failing,
            (_, true, Some(due)) if due <= now => DrillStatus::Due,
            _ => DrillStatus::Passed,
        }
    }
}

/// One check to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillCheck {
    /// The drill's name.
    pub drill: String,
    /// Its topic slug.
    pub topic: String,
    /// When, Unix seconds.
    pub at: i64,
    /// Hidden tests passed.
    pub tests_passed: u32,
    /// Hidden tests in all (0 when the file did not compile).
    pub tests_total: u32,
    /// Whether it compiled and every test passed.
    pub passed: bool,
}

impl Store {
    /// One drill's state, or `None` if nothing was ever recorded for it.
    pub fn drill_state(&self, drill: &str) -> Result<Option<DrillState>> {
        self.conn
            .query_row(&format!("SELECT {COLUMNS} FROM drill_state WHERE drill = ?1"), [drill], |r| row_state(r, 0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every drill with a recorded state, keyed by name.
    pub fn drill_states(&self) -> Result<Vec<(String, DrillState)>> {
        let mut stmt =
            self.conn.prepare(&format!("SELECT drill, {COLUMNS} FROM drill_state")).map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, row_state(r, 1)?))).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>().map_err(|e| self.err(e))
    }

    /// Records a check: appends it to the log and updates the drill's state (a counted pass
    /// schedules re-practice), in one transaction. Returns the new state.
    pub fn record_drill_check(&mut self, c: &DrillCheck) -> Result<DrillState> {
        let mut s = self.drill_state(&c.drill)?.unwrap_or_default();
        let counted = c.passed && s.status(c.at) != DrillStatus::Passed;
        s.checks += 1;
        s.last_passed = c.passed;
        s.last_checked_at = Some(c.at);
        if c.passed {
            s.first_passed_at.get_or_insert(c.at);
        }
        if counted {
            s.passes += 1;
            let days = 3_i64.saturating_pow(s.passes - 1).min(MAX_INTERVAL_DAYS);
            s.due = Some(c.at + days * DAY);
        }
        self.write(&c.drill, &c.topic, &s, |tx| {
            tx.execute(
                "INSERT INTO drill_log (drill, topic, at, event, passed, tests_passed, tests_total)
                 VALUES (?1, ?2, ?3, 'check', ?4, ?5, ?6)",
                params![c.drill, c.topic, c.at, c.passed, c.tests_passed, c.tests_total],
            )
        })?;
        Ok(s)
    }

    /// Records that hint `level` (1-based) of a drill was shown.
    pub fn record_drill_hint(&mut self, drill: &str, topic: &str, level: u32, at: i64) -> Result<DrillState> {
        let mut s = self.drill_state(drill)?.unwrap_or_default();
        s.hints_seen = s.hints_seen.max(level);
        self.write(drill, topic, &s, |tx| {
            tx.execute(
                "INSERT INTO drill_log (drill, topic, at, event, hint_level) VALUES (?1, ?2, ?3, 'hint', ?4)",
                params![drill, topic, at, level],
            )
        })?;
        Ok(s)
    }

    /// Records that a drill's solution was shown before it was solved: the spaced passes start
    /// again.
    pub fn record_drill_give_up(&mut self, drill: &str, topic: &str, at: i64) -> Result<DrillState> {
        let mut s = self.drill_state(drill)?.unwrap_or_default();
        s.gave_up = true;
        s.passes = 0;
        self.write(drill, topic, &s, |tx| {
            tx.execute(
                "INSERT INTO drill_log (drill, topic, at, event) VALUES (?1, ?2, ?3, 'give_up')",
                params![drill, topic, at],
            )
        })?;
        Ok(s)
    }

    /// Events in a drill's log, oldest first: `(event, at, passed)`.
    pub fn drill_log(&self, drill: &str) -> Result<Vec<(String, i64, Option<bool>)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT event, at, passed FROM drill_log WHERE drill = ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([drill], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>().map_err(|e| self.err(e))
    }

    /// Sets a setting (e.g. `drill.current`), in one transaction.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// A setting, if set.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Writes the log row (`log`) and the state in one transaction.
    fn write(
        &mut self,
        drill: &str,
        topic: &str,
        s: &DrillState,
        log: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<usize>,
    ) -> Result<()> {
        let tx = self.conn.transaction().map_err(|e| classify(&self.path, e))?;
        log(&tx).map_err(|e| classify(&self.path, e))?;
        tx.execute(
            "INSERT INTO drill_state (drill, topic, checks, last_passed, passes, first_passed_at, last_checked_at, due, hints_seen, gave_up)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (drill) DO UPDATE SET topic = ?2, checks = ?3, last_passed = ?4, passes = ?5,
                 first_passed_at = ?6, last_checked_at = ?7, due = ?8, hints_seen = ?9, gave_up = ?10",
            params![
                drill,
                topic,
                s.checks,
                s.last_passed,
                s.passes,
                s.first_passed_at,
                s.last_checked_at,
                s.due,
                s.hints_seen,
                s.gave_up
            ],
        )
        .map_err(|e| classify(&self.path, e))?;
        tx.commit().map_err(|e| classify(&self.path, e))
    }
}

const COLUMNS: &str = "checks, last_passed, passes, first_passed_at, last_checked_at, due, hints_seen, gave_up";

fn row_state(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<DrillState> {
    Ok(DrillState {
        checks: r.get(i)?,
        last_passed: r.get(i + 1)?,
        passes: r.get(i + 2)?,
        first_passed_at: r.get(i + 3)?,
        last_checked_at: r.get(i + 4)?,
        due: r.get(i + 5)?,
        hints_seen: r.get(i + 6)?,
        gave_up: r.get(i + 7)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(at: i64, passed: bool) -> DrillCheck {
        DrillCheck { drill: "sdpa".into(), topic: "transformers".into(), at, tests_passed: 3, tests_total: 5, passed }
    }

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("progress.sqlite")).unwrap();
        (dir, s)
    }

    #[test]
    fn statuses_follow_checks_and_counted_passes_space_the_re_practice() {
        let (_d, mut s) = open();
        assert_eq!(s.drill_state("sdpa").unwrap(), None);
        let t0 = 1_000_000;
        assert_eq!(s.record_drill_check(&check(t0, false)).unwrap().status(t0), DrillStatus::Failing);
        let st = s.record_drill_check(&check(t0 + 60, true)).unwrap();
        assert_eq!((st.passes, st.due, st.first_passed_at), (1, Some(t0 + 60 + DAY), Some(t0 + 60)));
        assert_eq!(st.status(t0 + 120), DrillStatus::Passed);
        // Re-checking a passing file before it is due counts nothing.
        let st = s.record_drill_check(&check(t0 + 120, true)).unwrap();
        assert_eq!((st.passes, st.due), (1, Some(t0 + 60 + DAY)));
        assert_eq!(st.status(t0 + 60 + DAY), DrillStatus::Due);
        // Practised again when due: the next interval is 3 days, then 9.
        let at = t0 + 2 * DAY;
        let st = s.record_drill_check(&check(at, true)).unwrap();
        assert_eq!((st.passes, st.due), (2, Some(at + 3 * DAY)));
        let at = at + 3 * DAY;
        assert_eq!(s.record_drill_check(&check(at, true)).unwrap().due, Some(at + 9 * DAY));
        assert_eq!(s.drill_state("sdpa").unwrap().unwrap().checks, 5);
    }

    #[test]
    fn the_interval_is_capped() {
        let (_d, mut s) = open();
        let mut at = 0;
        for _ in 0..12 {
            let st = s.record_drill_check(&check(at, true)).unwrap();
            at = st.due.unwrap();
        }
        let st = s.drill_state("sdpa").unwrap().unwrap();
        assert_eq!(st.passes, 12);
        assert_eq!(st.due.unwrap() - st.last_checked_at.unwrap(), MAX_INTERVAL_DAYS * DAY);
    }

    #[test]
    fn hints_and_giving_up_are_recorded_and_a_give_up_restarts_the_spacing() {
        let (dir, mut s) = open();
        assert_eq!(s.record_drill_hint("sdpa", "transformers", 1, 5).unwrap().status(5), DrillStatus::New);
        s.record_drill_hint("sdpa", "transformers", 2, 6).unwrap();
        s.record_drill_check(&check(10, true)).unwrap();
        s.record_drill_check(&check(10 + DAY, true)).unwrap();
        let st = s.record_drill_give_up("sdpa", "transformers", 20 + DAY).unwrap();
        assert!(st.gave_up && st.passes == 0 && st.hints_seen == 2);
        drop(s);
        let mut s = Store::open(&dir.path().join("progress.sqlite")).unwrap();
        let log: Vec<String> = s.drill_log("sdpa").unwrap().into_iter().map(|(e, _, _)| e).collect();
        assert_eq!(log, ["hint", "hint", "check", "check", "give_up"]);
        // Reset to a fresh stub, failed, then passed: the first interval again.
        let at = 30 + 4 * DAY;
        s.record_drill_check(&check(at, false)).unwrap();
        assert_eq!(s.record_drill_check(&check(at + 1, true)).unwrap().due, Some(at + 1 + DAY));
    }
}
