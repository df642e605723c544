//! ROUGE-N, ROUGE-L and ROUGE-Lsum, computed exactly as Google's `rouge-score` package does.
//!
//! Paper: Lin 2004, "ROUGE: A Package for Automatic Evaluation of Summaries", sections 2–3.
//! Left out for now: the Porter stemmer (`use_stemmer=True`), bootstrap aggregation.
//!
//! With T the reference (target) and P the prediction, both tokenized (lowercase, every run of
//! characters outside a–z 0–9 becomes a separator):
//! - ROUGE-N: overlap = Σ_g min(count_T(g), count_P(g)) over n-grams g;
//!   precision = overlap / #P n-grams, recall = overlap / #T n-grams;
//! - ROUGE-L: the same with overlap = |LCS(T, P)|, the longest common subsequence (in order,
//!   gaps allowed): it rewards word order without requiring contiguity;
//! - ROUGE-Lsum: split both on newlines into sentences; for every reference sentence take the
//!   union of its LCS positions with each predicted sentence, and count each token at most as
//!   often as it occurs on both sides;
//! - F = 2PR / (P + R).
//!
//! Pitfalls: ROUGE is recall-oriented in origin (summaries are judged on what they cover), so
//! report all three numbers; the tokenizer drops every non-ASCII letter, so ROUGE as packaged
//! is only meaningful for English; ROUGE-L and ROUGE-Lsum differ only when texts have newlines.

use std::collections::HashMap;

/// Precision, recall and F-measure, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RougeScore {
    /// Overlap / prediction size.
    pub precision: f64,
    /// Overlap / reference size.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f: f64,
}

impl RougeScore {
    fn new(precision: f64, recall: f64) -> Self {
        let f = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        Self { precision, recall, f }
    }
}

/// rouge-score's default tokenizer (no stemmer): lowercase, keep runs of `[a-z0-9]`.
pub fn tokenize(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn ngram_counts(tokens: &[String], n: usize) -> HashMap<&[String], usize> {
    let mut m = HashMap::new();
    for g in tokens.windows(n) {
        *m.entry(g).or_insert(0) += 1;
    }
    m
}

/// ROUGE-N between a reference and a prediction.
pub fn rouge_n(target: &str, prediction: &str, n: usize) -> RougeScore {
    let (t, p) = (tokenize(target), tokenize(prediction));
    let (ct, cp) = (ngram_counts(&t, n), ngram_counts(&p, n));
    let overlap: usize = ct.iter().map(|(g, c)| (*c).min(cp.get(g).copied().unwrap_or(0))).sum();
    let (nt, np) = (ct.values().sum::<usize>(), cp.values().sum::<usize>());
    RougeScore::new(overlap as f64 / np.max(1) as f64, overlap as f64 / nt.max(1) as f64)
}

/// The LCS dynamic-programming table: `t[i][j]` = |LCS(a[..i], b[..j])|.
fn lcs_table(a: &[String], b: &[String]) -> Vec<Vec<usize>> {
    let mut t = vec![vec![0; b.len() + 1]; a.len() + 1];
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            t[i][j] = if a[i - 1] == b[j - 1] { t[i - 1][j - 1] + 1 } else { t[i - 1][j].max(t[i][j - 1]) };
        }
    }
    t
}

/// ROUGE-L between a reference and a prediction.
pub fn rouge_l(target: &str, prediction: &str) -> RougeScore {
    let (t, p) = (tokenize(target), tokenize(prediction));
    if t.is_empty() || p.is_empty() {
        return RougeScore::default();
    }
    let lcs = lcs_table(&t, &p)[t.len()][p.len()] as f64;
    RougeScore::new(lcs / p.len() as f64, lcs / t.len() as f64)
}

/// Positions in `a` of one longest common subsequence with `b`, read back from the table.
///
/// subtle: when both moves keep the length, rouge-score steps back in `a` (not `b`); a
/// different tie rule picks a different LCS and changes ROUGE-Lsum's union.
fn lcs_positions(a: &[String], b: &[String]) -> Vec<usize> {
    let t = lcs_table(a, b);
    let (mut i, mut j) = (a.len(), b.len());
    let mut out = Vec::new();
    while i > 0 && j > 0 {
        if a[i - 1] == b[j - 1] {
            out.push(i - 1);
            i -= 1;
            j -= 1;
        } else if t[i][j - 1] > t[i - 1][j] {
            j -= 1;
        } else {
            i -= 1;
        }
    }
    out.reverse();
    out
}

/// ROUGE-Lsum: summary-level LCS over newline-separated sentences.
pub fn rouge_lsum(target: &str, prediction: &str) -> RougeScore {
    let sents = |s: &str| -> Vec<Vec<String>> { s.split('\n').filter(|x| !x.is_empty()).map(tokenize).collect() };
    let (ts, ps) = (sents(target), sents(prediction));
    let (m, n) = (ts.iter().map(Vec::len).sum::<usize>(), ps.iter().map(Vec::len).sum::<usize>());
    if ts.is_empty() || ps.is_empty() || m == 0 || n == 0 {
        return RougeScore::default();
    }
    let mut count_t: HashMap<&str, usize> = HashMap::new();
    let mut count_p: HashMap<&str, usize> = HashMap::new();
    ts.iter().flatten().for_each(|w| *count_t.entry(w).or_insert(0) += 1);
    ps.iter().flatten().for_each(|w| *count_p.entry(w).or_insert(0) += 1);
    let mut hits = 0;
    for r in &ts {
        // the union of this reference sentence's LCS positions with every predicted sentence
        let mut union: Vec<usize> = ps.iter().flat_map(|p| lcs_positions(r, p)).collect();
        union.sort_unstable();
        union.dedup();
        for i in union {
            let w = r[i].as_str();
            let (ct, cp) = (count_t.get_mut(w).expect("token of t"), count_p.get_mut(w));
            if let Some(cp) = cp {
                if *ct > 0 && *cp > 0 {
                    hits += 1;
                    *ct -= 1;
                    *cp -= 1;
                }
            }
        }
    }
    RougeScore::new(hits as f64 / n as f64, hits as f64 / m as f64)
}

/// ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum of one prediction against one reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RougeScores {
    /// ROUGE-1.
    pub rouge1: RougeScore,
    /// ROUGE-2.
    pub rouge2: RougeScore,
    /// ROUGE-L.
    pub rouge_l: RougeScore,
    /// ROUGE-Lsum.
    pub rouge_lsum: RougeScore,
}

/// All four scores, as `RougeScorer(['rouge1', 'rouge2', 'rougeL', 'rougeLsum']).score`.
pub fn rouge(target: &str, prediction: &str) -> RougeScores {
    RougeScores {
        rouge1: rouge_n(target, prediction, 1),
        rouge2: rouge_n(target, prediction, 2),
        rouge_l: rouge_l(target, prediction),
        rouge_lsum: rouge_lsum(target, prediction),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_scores() {
        // T = "the cat sat on the mat" (6), P = "the cat on the mat today" (6).
        // ROUGE-1 overlap: the×2, cat, on, mat = 5 → P = R = 5/6.
        // ROUGE-2: T has the-cat, cat-sat, sat-on, on-the, the-mat; P shares the-cat, on-the,
        // the-mat → 3/5 each. LCS = "the cat on the mat" = 5 → P = R = 5/6.
        let t = "The cat sat on the mat.";
        let p = "the cat, on the mat today";
        let s = rouge(t, p);
        assert!((s.rouge1.f - 5.0 / 6.0).abs() < 1e-12);
        assert!((s.rouge2.precision - 0.6).abs() < 1e-12 && (s.rouge2.recall - 0.6).abs() < 1e-12);
        assert!((s.rouge_l.f - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(s.rouge_lsum, s.rouge_l, "one sentence each: Lsum equals L");
    }

    #[test]
    fn tokenizer_keeps_only_ascii_alphanumerics() {
        assert_eq!(tokenize("Café, naïve 3.5-kg BOX!"), ["caf", "na", "ve", "3", "5", "kg", "box"]);
    }

    #[test]
    fn matches_rouge_score_on_the_fixture_corpus() {
        #[derive(serde::Deserialize)]
        struct Case {
            target: String,
            prediction: String,
            scores: HashMap<String, [f64; 3]>,
        }
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/evaluation/rouge.json");
        let cases: Vec<Case> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(cases.len(), 18, "refs/evaluation.py writes 18 pairs");
        for c in &cases {
            let s = rouge(&c.target, &c.prediction);
            for (name, got) in
                [("rouge1", s.rouge1), ("rouge2", s.rouge2), ("rougeL", s.rouge_l), ("rougeLsum", s.rouge_lsum)]
            {
                let want = c.scores[name];
                let ok = [got.precision, got.recall, got.f].iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12);
                assert!(ok, "{name} on {:?} / {:?}: {got:?} vs rouge-score {want:?}", c.target, c.prediction);
            }
        }
    }
}
