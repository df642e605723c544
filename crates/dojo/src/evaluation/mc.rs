//! Multiple-choice evaluation of a language model, scored by likelihood (as lm-evaluation-
//! harness scores MMLU, ARC or HellaSwag on base models).
//!
//! Two ways to ask, which can give very different accuracies for the same model:
//! - **Letter**: show the options as A–D and compare log p(" A") … log p(" D") after "Answer:".
//!   The model must map letters to options, a skill small models lack (they often prefer one
//!   letter whatever the question), so it tests format-following as much as knowledge.
//! - **Continuation**: show only the question and compare log p(" option text") for each option.
//!   Longer options collect more negative log-probability just by being longer, so the sum is
//!   biased to short answers; normalizing by the option's token count or byte count ("acc_norm")
//!   removes most of that bias.

use crate::decoding::prompts::score_choices;
use crate::models::llama::Llama;
use crate::tokenizer::Tokenizer;
use crate::{Error, Result};
use serde::Deserialize;

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct McQuestion {
    /// Identifier.
    pub id: String,
    /// Category, for per-category accuracy.
    pub category: String,
    /// The question.
    pub question: String,
    /// The options (2 to 26).
    pub choices: Vec<String>,
    /// Index of the right option.
    pub answer: usize,
}

/// The built-in set: 120 questions written for this project, 20 in each of six categories.
pub const GENERAL: &str = include_str!("../../data/mc/general.jsonl");

/// Parses JSON lines of [`McQuestion`]; errors name the line.
pub fn parse_jsonl(text: &str) -> Result<Vec<McQuestion>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let q: McQuestion =
            serde_json::from_str(line).map_err(|e| Error::Config(format!("line {}: not a question: {e}", i + 1)))?;
        if !(2..=26).contains(&q.choices.len()) || q.answer >= q.choices.len() {
            return Err(Error::Config(format!(
                "line {}: needs 2–26 choices and an answer index below their count (question {})",
                i + 1,
                q.id
            )));
        }
        out.push(q);
    }
    Ok(out)
}

/// How to ask and how to compare options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McFormat {
    /// Options labelled A, B, …; score the letter.
    Letter,
    /// Question only; score each option's text, summed (no normalization).
    Continuation,
    /// Question only; score each option's text per token.
    PerToken,
    /// Question only; score each option's text per byte (lm-eval-harness's acc_norm).
    PerByte,
}

/// Letter of option `i`.
fn letter(i: usize) -> char {
    (b'A' + i as u8) as char
}

/// The prompt for `q` in `format`.
pub fn prompt(q: &McQuestion, format: McFormat) -> String {
    match format {
        McFormat::Letter => {
            let opts: Vec<String> = q.choices.iter().enumerate().map(|(i, c)| format!("{}. {c}", letter(i))).collect();
            format!("Question: {}\n{}\nAnswer:", q.question, opts.join("\n"))
        }
        _ => format!("Question: {}\nAnswer:", q.question),
    }
}

/// The strings scored after the prompt.
fn continuations(q: &McQuestion, format: McFormat) -> Vec<String> {
    match format {
        McFormat::Letter => (0..q.choices.len()).map(|i| format!(" {}", letter(i))).collect(),
        _ => q.choices.iter().map(|c| format!(" {c}")).collect(),
    }
}

/// One question's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct McResult {
    /// The question's id.
    pub id: String,
    /// Its category.
    pub category: String,
    /// Each option's (normalized) score.
    pub scores: Vec<f64>,
    /// argmax of `scores`.
    pub predicted: usize,
    /// Whether that is the answer.
    pub correct: bool,
}

/// Scores one question with the model.
pub fn score_question(model: &Llama, tok: &Tokenizer, q: &McQuestion, format: McFormat) -> Result<McResult> {
    let query = tok.encode(&prompt(q, format), false);
    let conts = continuations(q, format);
    let ids: Vec<Vec<u32>> = conts.iter().map(|c| tok.encode(c, false)).collect();
    let raw = score_choices(model, &model.new_cache(), &query, &ids)?;
    let scores: Vec<f64> = raw
        .iter()
        .zip(&ids)
        .zip(&conts)
        .map(|((&lp, t), c)| match format {
            McFormat::PerToken => lp / t.len() as f64,
            McFormat::PerByte => lp / c.len() as f64,
            McFormat::Letter | McFormat::Continuation => lp,
        })
        .collect();
    let predicted = argmax(&scores);
    Ok(McResult { id: q.id.clone(), category: q.category.clone(), scores, predicted, correct: predicted == q.answer })
}

fn argmax(xs: &[f64]) -> usize {
    xs.iter().enumerate().fold(0, |b, (i, &x)| if x > xs[b] { i } else { b })
}

/// Accuracy overall and per category (sorted by name), from results.
pub fn accuracy(results: &[McResult]) -> (f64, Vec<(String, f64, usize)>) {
    let mut cats: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for r in results {
        let e = cats.entry(&r.category).or_default();
        e.0 += usize::from(r.correct);
        e.1 += 1;
    }
    let overall = results.iter().filter(|r| r.correct).count() as f64 / results.len().max(1) as f64;
    (overall, cats.into_iter().map(|(c, (k, n))| (c.to_string(), k as f64 / n as f64, n)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_set_is_balanced_and_valid() {
        let qs = parse_jsonl(GENERAL).unwrap();
        assert_eq!(qs.len(), 120);
        let mut by_answer = [0; 4];
        for q in &qs {
            assert_eq!(q.choices.len(), 4, "{}", q.id);
            by_answer[q.answer] += 1;
        }
        assert_eq!(by_answer, [30; 4], "a model that always says A must score 25%");
        let (_, cats) = accuracy(
            &qs.iter()
                .map(|q| McResult {
                    id: q.id.clone(),
                    category: q.category.clone(),
                    scores: vec![],
                    predicted: 0,
                    correct: false,
                })
                .collect::<Vec<_>>(),
        );
        assert_eq!(cats.len(), 6);
        assert!(cats.iter().all(|c| c.2 == 20));
    }

    #[test]
    fn prompts_and_errors() {
        let q = McQuestion {
            id: "x".into(),
            category: "math".into(),
            question: "2 + 2?".into(),
            choices: vec!["3".into(), "4".into()],
            answer: 1,
        };
        assert_eq!(prompt(&q, McFormat::Letter), "Question: 2 + 2?\nA. 3\nB. 4\nAnswer:");
        assert_eq!(prompt(&q, McFormat::PerByte), "Question: 2 + 2?\nAnswer:");
        assert_eq!(continuations(&q, McFormat::Letter), [" A", " B"]);
        let e = parse_jsonl("{\"id\":\"a\",\"category\":\"c\",\"question\":\"q\",\"choices\":[\"x\"],\"answer\":0}")
            .unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        assert!(parse_jsonl("not json").is_err());
    }
}
