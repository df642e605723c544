//! SQuAD-style exact match and token F1, with the official answer normalisation.
//!
//! Source: Rajpurkar et al. 2016, "SQuAD", arXiv:1606.05250, section 5, and its official v1.1
//! evaluation script, whose rules this file follows:
//! normalise(s) = collapse whitespace( drop articles( drop ASCII punctuation( lowercase(s) ) ) )
//!
//! - EM = 1 if normalise(prediction) == normalise(answer), for the best of the gold answers;
//! - F1 on the normalised tokens: overlap = Σ_w min(count_pred(w), count_gold(w)),
//!   P = overlap / |pred|, R = overlap / |gold|, F1 = 2PR / (P + R), best over gold answers;
//! - a corpus score is the mean over questions, × 100.
//!
//! Pitfalls: punctuation is deleted, not replaced by a space ("e-mail" → "email"); articles are
//! removed only as whole words; an empty prediction scores F1 = 0 even against an empty answer
//! (v1.1; SQuAD 2.0's script scores that 1 for unanswerable questions).

use super::python_space;
use std::collections::HashMap;

/// The official normalisation.
pub fn normalize_answer(s: &str) -> String {
    // 1) lowercase, 2) delete ASCII punctuation (Python's string.punctuation)
    let s: String = s.to_lowercase().chars().filter(|c| !c.is_ascii_punctuation()).collect();
    // 3) articles: a maximal run of word characters equal to a / an / the becomes a space
    //    (the script's regex \b(a|an|the)\b; word characters are Unicode letters, digits, _)
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if word(chars[i]) {
            let start = i;
            while i < chars.len() && word(chars[i]) {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            out.push_str(if matches!(run.as_str(), "a" | "an" | "the") { " " } else { &run });
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    // 4) single spaces
    out.split(python_space).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// 1.0 if the normalised strings are equal, else 0.0.
pub fn exact_match(prediction: &str, gold: &str) -> f64 {
    f64::from(u8::from(normalize_answer(prediction) == normalize_answer(gold)))
}

/// Token-overlap F1 between the normalised strings.
pub fn token_f1(prediction: &str, gold: &str) -> f64 {
    let (p, g) = (normalize_answer(prediction), normalize_answer(gold));
    let (pt, gt): (Vec<&str>, Vec<&str>) =
        (p.split(' ').filter(|w| !w.is_empty()).collect(), g.split(' ').filter(|w| !w.is_empty()).collect());
    let mut counts: HashMap<&str, usize> = HashMap::new();
    gt.iter().for_each(|w| *counts.entry(w).or_insert(0) += 1);
    let mut overlap = 0;
    for w in &pt {
        if let Some(c) = counts.get_mut(w) {
            if *c > 0 {
                *c -= 1;
                overlap += 1;
            }
        }
    }
    if overlap == 0 {
        return 0.0;
    }
    let (precision, recall) = (overlap as f64 / pt.len() as f64, overlap as f64 / gt.len() as f64);
    2.0 * precision * recall / (precision + recall)
}

/// Corpus EM and F1 (each × 100): every question scores its best gold answer.
///
/// Returns `None` when the lengths differ or a question has no gold answer.
pub fn squad_scores(predictions: &[&str], golds: &[Vec<&str>]) -> Option<(f64, f64)> {
    if predictions.len() != golds.len() || golds.iter().any(Vec::is_empty) {
        return None;
    }
    let n = predictions.len().max(1) as f64;
    let best = |f: fn(&str, &str) -> f64, p: &str, g: &[&str]| g.iter().map(|a| f(p, a)).fold(0.0, f64::max);
    let em: f64 = predictions.iter().zip(golds).map(|(p, g)| best(exact_match, p, g)).sum();
    let f1: f64 = predictions.iter().zip(golds).map(|(p, g)| best(token_f1, p, g)).sum();
    Some((100.0 * em / n, 100.0 * f1 / n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_hand_checked() {
        assert_eq!(normalize_answer("The  Eiffel-Tower!"), "eiffeltower");
        assert_eq!(normalize_answer("an apple a day, the end"), "apple day end");
        assert_eq!(normalize_answer("theater and anthem"), "theater and anthem", "articles only as whole words");
    }

    #[test]
    fn f1_hand_computed() {
        // pred "the cat sat" → [cat, sat]; gold "a cat sat down" → [cat, sat, down]:
        // overlap 2, P = 1, R = 2/3, F1 = 0.8.
        assert!((token_f1("the cat sat", "a cat sat down") - 0.8).abs() < 1e-12);
        assert_eq!(token_f1("", ""), 0.0, "v1.1: an empty prediction never scores");
        let (em, f1) = squad_scores(&["Paris", "blue"], &[vec!["paris", "Paris, France"], vec!["red"]]).unwrap();
        assert_eq!((em, f1), (50.0, 50.0));
    }

    #[test]
    fn matches_the_official_script_on_the_fixture() {
        #[derive(serde::Deserialize)]
        struct Case {
            prediction: String,
            golds: Vec<String>,
            normalized: String,
            em: f64,
            f1: f64,
        }
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/evaluation/squad.json");
        let cases: Vec<Case> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for c in &cases {
            assert_eq!(normalize_answer(&c.prediction), c.normalized, "{:?}", c.prediction);
            let g: Vec<&str> = c.golds.iter().map(String::as_str).collect();
            let (em, f1) = squad_scores(&[&c.prediction], &[g]).unwrap();
            assert!(
                (em - c.em).abs() < 1e-9 && (f1 - c.f1).abs() < 1e-9,
                "{:?}: {em} {f1} vs {} {}",
                c.prediction,
                c.em,
                c.f1
            );
        }
    }
}
