//! What to review now, and how a learner stands: the review queue and the statistics.
//!
//! The queue holds, in this order:
//! 1. reviewed cards whose due time has come, most overdue first;
//! 2. new cards (never reviewed), in deck order, topic by topic;
//!
//! cut to the session's limit. Cards rated Again come back 10 minutes later
//! ([`crate::schedule::RELEARN_SECS`]); a session re-queues them itself.

use crate::deck::{Card, Deck};
use dojo_progress::{CardState, LoggedReview};
use serde::Serialize;
use std::collections::HashMap;

/// One card to show, with where it comes from.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    /// The card.
    pub card: &'a Card,
    /// Its topic slug.
    pub topic: &'a str,
    /// Its state, or `None` for a new card.
    pub state: Option<CardState>,
}

/// The decks of `topic`, or every deck when `topic` is `None`.
pub fn in_scope<'a>(decks: &'a [Deck], topic: Option<&str>) -> Vec<&'a Deck> {
    decks.iter().filter(|d| topic.is_none_or(|t| t == d.topic)).collect()
}

/// Every card of `deck` with its stored state (`None` for a card never reviewed).
pub fn items<'a>(deck: &'a Deck, states: &HashMap<String, CardState>) -> Vec<Item<'a>> {
    deck.cards.iter().map(|card| Item { card, topic: &deck.topic, state: states.get(&card.id).copied() }).collect()
}

/// The cards to review at `now`: due ones first (most overdue first), then new ones, at most
/// `limit` in all; only topic `topic` if given.
pub fn due<'a>(
    decks: &'a [Deck],
    states: &HashMap<String, CardState>,
    now: i64,
    topic: Option<&str>,
    limit: usize,
) -> Vec<Item<'a>> {
    let mut old = Vec::new();
    let mut new = Vec::new();
    for item in in_scope(decks, topic).into_iter().flat_map(|d| items(d, states)) {
        match item.state {
            Some(s) if s.due <= now => old.push(item),
            Some(_) => {}
            None => new.push(item),
        }
    }
    old.sort_by_key(|i| i.state.map(|s| s.due));
    old.into_iter().chain(new).take(limit).collect()
}

/// One topic's standing.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TopicStats {
    /// The topic slug.
    pub topic: String,
    /// Cards in its deck.
    pub cards: usize,
    /// Never reviewed.
    pub new: usize,
    /// Reviewed at least once.
    pub learned: usize,
    /// Reviewed and due now.
    pub due_now: usize,
    /// Reviewed and due within the next 24 hours (includes `due_now`).
    pub due_today: usize,
    /// Spaced reviews (at least a day after the previous one) so far.
    pub spaced_reviews: usize,
    /// Share of spaced reviews not rated Again: measured recall; `None` before any.
    pub retention: Option<f64>,
}

/// Per-topic statistics, in deck order. Reviews of cards no longer in a deck are ignored.
pub fn stats(decks: &[Deck], states: &HashMap<String, CardState>, log: &[LoggedReview], now: i64) -> Vec<TopicStats> {
    decks
        .iter()
        .map(|d| {
            let ids: std::collections::HashSet<&str> = d.cards.iter().map(|c| c.id.as_str()).collect();
            let mine: Vec<&CardState> = d.cards.iter().filter_map(|c| states.get(&c.id)).collect();
            let spaced: Vec<&LoggedReview> =
                log.iter().filter(|r| r.elapsed_days >= 1 && ids.contains(r.card_id.as_str())).collect();
            let recalled = spaced.iter().filter(|r| r.rating > 1).count();
            TopicStats {
                topic: d.topic.clone(),
                cards: d.cards.len(),
                new: d.cards.len() - mine.len(),
                learned: mine.len(),
                due_now: mine.iter().filter(|s| s.due <= now).count(),
                due_today: mine.iter().filter(|s| s.due <= now + crate::schedule::DAY).count(),
                spaced_reviews: spaced.len(),
                retention: (!spaced.is_empty()).then(|| recalled as f64 / spaced.len() as f64),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::deck::test_deck as deck;

    fn state(due: i64) -> CardState {
        CardState { stability: 2.0, difficulty: 5.0, due, last_review: 0, reps: 1, lapses: 0 }
    }

    #[test]
    fn due_cards_come_first_most_overdue_first_then_new_ones() {
        let decks = [deck("a", 4), deck("b", 2)];
        let states: HashMap<String, CardState> = [("a-0", 50), ("a-1", 10), ("a-2", 500), ("b-1", 30)]
            .into_iter()
            .map(|(k, d)| (k.to_string(), state(d)))
            .collect();
        let ids = |q: Vec<Item>| q.iter().map(|i| i.card.id.clone()).collect::<Vec<_>>();
        // now = 100: a-1 (due 10), b-1 (30), a-0 (50) are due; a-2 is not; a-3, b-0 are new.
        assert_eq!(ids(due(&decks, &states, 100, None, 10)), ["a-1", "b-1", "a-0", "a-3", "b-0"]);
        assert_eq!(ids(due(&decks, &states, 100, None, 2)), ["a-1", "b-1"]);
        assert_eq!(ids(due(&decks, &states, 100, Some("b"), 10)), ["b-1", "b-0"]);
    }

    #[test]
    fn retention_counts_only_spaced_reviews() {
        let decks = [deck("a", 3)];
        let states: HashMap<String, CardState> =
            [("a-0".to_string(), state(10)), ("a-1".to_string(), state(10 * 86_400))].into();
        let r = |id: &str, rating, elapsed_days| LoggedReview {
            card_id: id.into(),
            topic: "a".into(),
            rating,
            reviewed_at: 0,
            elapsed_days,
        };
        // First reviews (elapsed 0) do not count; of the three spaced reviews one was Again: 2/3.
        let log = [r("a-0", 1, 0), r("a-0", 3, 2), r("a-1", 1, 3), r("a-1", 4, 1), r("gone-card", 1, 5)];
        let s = &stats(&decks, &states, &log, 100)[0];
        assert_eq!((s.cards, s.new, s.learned, s.due_now, s.due_today, s.spaced_reviews), (3, 1, 2, 1, 1, 3));
        assert!((s.retention.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    }
}
