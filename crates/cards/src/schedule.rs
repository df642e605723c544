//! Spaced repetition with FSRS: what a rating does to a card's next due time.
//!
//! Algorithm: FSRS-6 (Ye et al., "A Stochastic Shortest Path Algorithm for Optimizing Spaced
//! Repetition Scheduling", KDD 2022, and the FSRS wiki), computed by the `fsrs` crate (the
//! scheduler inside Anki) with its default parameters. A card's memory is two numbers:
//! - stability S (days): the interval after which recall probability R falls to 90%;
//! - difficulty D ∈ [1, 10]: how much S grows on a successful review.
//!
//! Recall decays as R(t) = (1 + f·t/S)^(−w₂₀), f chosen so that R(S) = 0.9. After a review with
//! rating g ∈ {Again, Hard, Good, Easy} FSRS gives the new (S, D) and the interval at which R
//! falls to the desired retention (0.9 here, so the interval equals the new S).
//!
//! Our scheduling rule on top of FSRS:
//! 1. elapsed = whole days since the last review (0 for a new card);
//! 2. (S, D, interval) = FSRS's next state for the rating;
//! 3. due = now + 10 minutes for Again (the card comes back in this session: a relearning step),
//!    else now + max(1, round(interval)) days.
//!
//! Left out on purpose: parameter optimization from the learner's own log (FSRS can fit its 21
//! weights to a review history; with a few hundred reviews the defaults are better), fuzzing
//! of intervals, and FSRS's same-day short-term stability model.

use crate::{Error, Result};
use dojo_progress::CardState;
use fsrs::{MemoryState, FSRS};

/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// How soon a card rated Again comes back, seconds.
pub const RELEARN_SECS: i64 = 600;

/// A self-rating after seeing the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    /// Forgot it.
    Again = 1,
    /// Recalled with serious effort.
    Hard = 2,
    /// Recalled.
    Good = 3,
    /// Recalled at once.
    Easy = 4,
}

impl Rating {
    /// From the number a learner types (1..=4).
    pub fn from_number(n: u8) -> Option<Rating> {
        match n {
            1 => Some(Rating::Again),
            2 => Some(Rating::Hard),
            3 => Some(Rating::Good),
            4 => Some(Rating::Easy),
            _ => None,
        }
    }
}

/// FSRS with the default parameters and a desired retention.
pub struct Scheduler {
    fsrs: FSRS,
    /// Target recall probability at the due time, e.g. 0.9.
    pub desired_retention: f32,
}

/// The outcome of one review.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// The card's new state.
    pub state: CardState,
    /// Whole days since the previous review (0 for a new card).
    pub elapsed_days: u32,
    /// FSRS's interval in days, before rounding.
    pub interval_days: f64,
}

impl Scheduler {
    /// FSRS-6 default parameters, desired retention 0.9.
    pub fn new() -> Result<Scheduler> {
        let fsrs = FSRS::new(&fsrs::DEFAULT_PARAMETERS).map_err(|e| Error::Fsrs(format!("{e:?}")))?;
        Ok(Scheduler { fsrs, desired_retention: 0.9 })
    }

    /// The state after rating a card at time `now` (Unix seconds); `prev` is `None` for a new card.
    pub fn review(&self, prev: Option<CardState>, rating: Rating, now: i64) -> Result<Outcome> {
        // 1) Whole days since the last review.
        let elapsed_days = prev.map_or(0, |s| ((now - s.last_review).max(0) / DAY) as u32);
        // 2) FSRS's four possible next states; keep the one for this rating.
        let memory = prev.map(|s| MemoryState { stability: s.stability as f32, difficulty: s.difficulty as f32 });
        let next = self
            .fsrs
            .next_states(memory, self.desired_retention, elapsed_days)
            .map_err(|e| Error::Fsrs(format!("{e:?}")))?;
        let item = match rating {
            Rating::Again => next.again,
            Rating::Hard => next.hard,
            Rating::Good => next.good,
            Rating::Easy => next.easy,
        };
        // 3) When it is due again.
        let interval_days = f64::from(item.interval);
        let due = match rating {
            Rating::Again => now + RELEARN_SECS,
            _ => now + (interval_days.round() as i64).max(1) * DAY,
        };
        let (reps, lapses) = prev.map_or((0, 0), |s| (s.reps, s.lapses));
        let lapsed = rating == Rating::Again && prev.is_some();
        let state = CardState {
            stability: f64::from(item.memory.stability),
            difficulty: f64::from(item.memory.difficulty),
            due,
            last_review: now,
            reps: reps + 1,
            lapses: lapses + u32::from(lapsed),
        };
        Ok(Outcome { state, elapsed_days, interval_days })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_cards_stability_is_the_initial_weight_of_its_rating() {
        // FSRS's first four weights are the initial stabilities for Again/Hard/Good/Easy, and at
        // retention 0.9 the interval equals the stability: w₂ = 2.3065 days → due in 2 days.
        let s = Scheduler::new().unwrap();
        let w = fsrs::DEFAULT_PARAMETERS;
        for (rating, w_i) in [(Rating::Again, w[0]), (Rating::Hard, w[1]), (Rating::Good, w[2]), (Rating::Easy, w[3])] {
            let o = s.review(None, rating, 1_000_000).unwrap();
            assert!((o.state.stability - f64::from(w_i)).abs() < 1e-5, "{rating:?}: {} vs {w_i}", o.state.stability);
            assert!((o.interval_days - o.state.stability).abs() < 1e-3, "{rating:?}: interval {}", o.interval_days);
            assert_eq!((o.state.reps, o.state.lapses, o.elapsed_days), (1, 0, 0));
        }
        assert!((w[2] - 2.3065).abs() < 1e-4, "FSRS-6 default w2 changed: {}", w[2]);
        let good = s.review(None, Rating::Good, 1_000_000).unwrap();
        assert_eq!(good.state.due, 1_000_000 + 2 * DAY);
        let again = s.review(None, Rating::Again, 1_000_000).unwrap();
        assert_eq!(again.state.due, 1_000_000 + RELEARN_SECS);
    }

    #[test]
    fn good_reviews_grow_the_interval_and_again_shrinks_it() {
        let s = Scheduler::new().unwrap();
        let mut t = 0;
        let mut st = s.review(None, Rating::Good, t).unwrap().state;
        let mut last = st.stability;
        for _ in 0..4 {
            t = st.due; // review exactly when due
            st = s.review(Some(st), Rating::Good, t).unwrap().state;
            assert!(st.stability > 1.5 * last, "{} after {last}", st.stability);
            last = st.stability;
        }
        let lapse = s.review(Some(st), Rating::Again, st.due).unwrap();
        assert!(lapse.state.stability < st.stability / 2.0);
        assert_eq!((lapse.state.reps, lapse.state.lapses), (6, 1));
    }

    #[test]
    fn schedules_equal_py_fsrs_on_recorded_sequences() {
        // refs/fsrs_schedule.py: py-fsrs 6.3.2, an independent FSRS-6 implementation, with
        // no learning steps and no fuzzing, reviews whole days apart.
        let fx: serde_json::Value = serde_json::from_str(include_str!("../fixtures/fsrs.json")).unwrap();
        let params: Vec<f64> = fx["parameters"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(params.len(), fsrs::DEFAULT_PARAMETERS.len());
        for (a, b) in params.iter().zip(fsrs::DEFAULT_PARAMETERS) {
            assert!((a - f64::from(b)).abs() < 1e-6, "default parameters differ: {a} vs {b}");
        }
        let s = Scheduler::new().unwrap();
        for (k, seq) in fx["sequences"].as_array().unwrap().iter().enumerate() {
            let (mut t, mut state) = (1_800_000_000i64, None);
            for (j, step) in seq.as_array().unwrap().iter().enumerate() {
                let f = |key: &str| step[key].as_f64().unwrap();
                t += step["days"].as_i64().unwrap() * DAY;
                let rating = Rating::from_number(step["rating"].as_u64().unwrap() as u8).unwrap();
                let o = s.review(state, rating, t).unwrap();
                let at = format!("sequence {k} review {j} ({rating:?} after {} days)", f("days"));
                assert!(
                    (o.state.stability / f("stability") - 1.0).abs() < 1e-3,
                    "{at}: S {} vs {}",
                    o.state.stability,
                    f("stability")
                );
                assert!(
                    (o.state.difficulty - f("difficulty")).abs() < 1e-3,
                    "{at}: D {} vs {}",
                    o.state.difficulty,
                    f("difficulty")
                );
                assert_eq!((o.interval_days.round()).max(1.0), f("interval_days"), "{at}: interval");
                state = Some(o.state);
            }
        }
    }
}
