//! A mock interview: a timed mix of cards to answer aloud, then a score and what to revisit.
//!
//! 1. Pick `minutes · 60 / SECONDS_PER_CARD` cards: reviewed cards that are due first, then
//!    new ones, then the rest (earliest due first); shuffled by the seed within each group.
//! 2. Without a topic, interleave topics (round robin) so one interview touches many of them,
//!    as a real one does.
//! 3. The learner answers aloud, reveals the worked answer and rates it; each rating is a
//!    scheduler review like any other (source `"interview"`).
//! 4. Score = (Good + Easy + ½·Hard) / answered; every card rated Again or Hard is listed to
//!    revisit.

use crate::deck::Deck;
use crate::queue::{self, Item};
use crate::schedule::Rating;
use dojo::nn::Rng;
use dojo_progress::CardState;
use std::collections::HashMap;

/// The time budgeted for one card (answering aloud, then reading the answer): 3 minutes.
pub const SECONDS_PER_CARD: u64 = 180;

/// The cards of an interview of `minutes`, in the order to ask them.
pub fn plan<'a>(
    decks: &'a [Deck],
    states: &HashMap<String, CardState>,
    now: i64,
    topic: Option<&str>,
    minutes: u64,
    seed: u64,
) -> Vec<Item<'a>> {
    let n = ((minutes * 60) / SECONDS_PER_CARD).max(1) as usize;
    let mut rng = Rng::new(seed);
    // 1) Group: 0 due, 1 new, 2 not yet due; shuffle, then order by group (and due time in 2).
    let mut per_topic: Vec<Vec<(u8, i64, Item<'a>)>> = Vec::new();
    for d in queue::in_scope(decks, topic) {
        let mut items: Vec<(u8, i64, Item<'a>)> = queue::items(d, states)
            .into_iter()
            .map(|item| match item.state {
                Some(s) if s.due <= now => (0, 0, item),
                None => (1, 0, item),
                Some(s) => (2, s.due, item),
            })
            .collect();
        rng.shuffle(&mut items);
        items.sort_by_key(|(g, k, _)| (*g, *k));
        per_topic.push(items);
    }
    // 2) Round robin over topics, best group first: take each topic's head in turn, starting
    //    with the topics whose head is in the best group.
    let mut heads: Vec<std::collections::VecDeque<(u8, i64, Item<'a>)>> =
        per_topic.into_iter().map(Into::into).collect();
    rng.shuffle(&mut heads);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let Some(best) = heads.iter().filter_map(|h| h.front().map(|x| x.0)).min() else { break };
        for h in heads.iter_mut() {
            if out.len() == n {
                break;
            }
            if h.front().is_some_and(|x| x.0 == best) {
                out.push(h.pop_front().expect("checked").2);
            }
        }
    }
    out
}

/// The result of an interview.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Cards answered.
    pub answered: usize,
    /// (Good + Easy + ½·Hard) / answered, in percent; 0 when nothing was answered.
    pub score: f64,
    /// Ids of the cards rated Again or Hard, in the order asked.
    pub revisit: Vec<String>,
}

/// Scores the ratings of an interview.
pub fn summarize(ratings: &[(String, Rating)]) -> Summary {
    let points: f64 = ratings
        .iter()
        .map(|(_, r)| match r {
            Rating::Again => 0.0,
            Rating::Hard => 0.5,
            Rating::Good | Rating::Easy => 1.0,
        })
        .sum();
    let answered = ratings.len();
    Summary {
        answered,
        score: if answered == 0 { 0.0 } else { 100.0 * points / answered as f64 },
        revisit: ratings
            .iter()
            .filter(|(_, r)| matches!(r, Rating::Again | Rating::Hard))
            .map(|(id, _)| id.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::deck::test_deck as deck;

    #[test]
    fn an_interview_mixes_topics_and_asks_due_cards_first() {
        let decks = [deck("a", 10), deck("b", 10), deck("c", 10)];
        let st = |due| CardState { stability: 1.0, difficulty: 5.0, due, last_review: 0, reps: 1, lapses: 0 };
        let states: HashMap<String, CardState> = [("b-3".to_string(), st(5)), ("c-7".to_string(), st(500))].into();
        let p = plan(&decks, &states, 100, None, 30, 1); // 30 min / 3 min = 10 cards
        let ids: Vec<&str> = p.iter().map(|i| i.card.id.as_str()).collect();
        assert_eq!(ids.len(), 10);
        assert_eq!(ids[0], "b-3", "the one due card comes first: {ids:?}");
        assert!(!ids.contains(&"c-7"), "a card not yet due waits while new ones remain: {ids:?}");
        for t in ["a", "b", "c"] {
            assert!(ids.iter().filter(|i| i.starts_with(t)).count() >= 3, "{ids:?}");
        }
        // Same seed, same interview; another seed, another order.
        let again: Vec<&str> = plan(&decks, &states, 100, None, 30, 1).iter().map(|i| i.card.id.as_str()).collect();
        assert_eq!(ids, again);
        let other: Vec<&str> = plan(&decks, &states, 100, None, 30, 2).iter().map(|i| i.card.id.as_str()).collect();
        assert_ne!(ids, other);
        assert_eq!(plan(&decks, &states, 100, Some("a"), 600, 1).len(), 10, "no more cards than the topic has");
    }

    #[test]
    fn the_score_gives_half_credit_for_hard() {
        let r = |id: &str, r| (id.to_string(), r);
        let s = summarize(&[r("x", Rating::Good), r("y", Rating::Hard), r("z", Rating::Again), r("w", Rating::Easy)]);
        // (1 + 0.5 + 0 + 1) / 4 = 62.5%
        assert_eq!(s, Summary { answered: 4, score: 62.5, revisit: vec!["y".into(), "z".into()] });
        assert_eq!(summarize(&[]).score, 0.0);
    }
}
