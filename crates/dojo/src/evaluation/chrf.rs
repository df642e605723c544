//! chrF and chrF++: an F-score over character n-grams (and, for ++, word n-grams), computed
//! exactly as sacreBLEU does.
//!
//! Papers: Popović 2015, "chrF: character n-gram F-score for automatic MT evaluation";
//! Popović 2017, "chrF++: words helping character n-grams". Builds on nothing else here: no
//! tokenizer is needed, which is chrF's appeal for morphologically rich languages.
//!
//! For each order n (characters 1…6 with whitespace removed; words 1…2 for chrF++), count
//! hypothesis n-grams, reference n-grams and clipped matches, summed over the corpus. Then
//! average precision P and recall R over the orders where both sides have n-grams, and
//!
//!   chrF_β = (1 + β²) · P · R / (β² · P + R),   β = 2 (recall counts β = 2 times as much as precision, in van Rijsbergen's sense: β² weights 1/R in the harmonic mean)
//!
//! With several references, each segment keeps the statistics of the reference with the best
//! segment-level score.

use super::python_space;
use std::collections::HashMap;

/// Options matching sacreBLEU's `CHRF(...)` arguments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChrfConfig {
    /// Character n-gram orders, e.g. 6.
    pub char_order: usize,
    /// Word n-gram orders: 0 for chrF, 2 for chrF++.
    pub word_order: usize,
    /// β, e.g. 2.
    pub beta: f64,
    /// Lowercase everything first.
    pub lowercase: bool,
}

impl ChrfConfig {
    /// chrF (sacreBLEU's default).
    pub const CHRF: ChrfConfig = ChrfConfig { char_order: 6, word_order: 0, beta: 2.0, lowercase: false };
    /// chrF++.
    pub const CHRF_PLUS_PLUS: ChrfConfig = ChrfConfig { word_order: 2, ..ChrfConfig::CHRF };
}

/// (hypothesis n-grams, reference n-grams, matches) per order.
type Stats = Vec<[usize; 3]>;

fn count<T: std::hash::Hash + Eq>(items: impl Iterator<Item = T>) -> HashMap<T, usize> {
    let mut m = HashMap::new();
    for x in items {
        *m.entry(x).or_insert(0) += 1;
    }
    m
}

/// Words with one leading or trailing ASCII punctuation mark split off (sacreBLEU's rule).
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in s.split(python_space).filter(|w| !w.is_empty()) {
        let chars: Vec<char> = w.chars().collect();
        if chars.len() == 1 {
            out.push(w.to_string());
        } else if chars[chars.len() - 1].is_ascii_punctuation() {
            out.push(chars[..chars.len() - 1].iter().collect());
            out.push(chars[chars.len() - 1].to_string());
        } else if chars[0].is_ascii_punctuation() {
            out.push(chars[0].to_string());
            out.push(chars[1..].iter().collect());
        } else {
            out.push(w.to_string());
        }
    }
    out
}

/// Every order's n-gram counts for one text: characters first, then words.
fn ngrams(s: &str, cfg: &ChrfConfig) -> Vec<HashMap<String, usize>> {
    let chars: Vec<char> = s.chars().filter(|&c| !python_space(c)).collect();
    let mut all: Vec<HashMap<String, usize>> =
        (1..=cfg.char_order).map(|n| count(chars.windows(n).map(|w| w.iter().collect::<String>()))).collect();
    let ws = words(s);
    for n in 1..=cfg.word_order {
        all.push(count(ws.windows(n).map(|w| w.join(" "))));
    }
    all
}

fn match_stats(hyp: &[HashMap<String, usize>], rf: &[HashMap<String, usize>]) -> Stats {
    hyp.iter()
        .zip(rf)
        .map(|(h, r)| {
            let hyp_count: usize = h.values().sum();
            let matches: usize = h.iter().map(|(g, c)| (*c).min(r.get(g).copied().unwrap_or(0))).sum();
            // an order with no reference n-grams counts no hypothesis n-grams either
            [if r.is_empty() { 0 } else { hyp_count }, r.values().sum(), matches]
        })
        .collect()
}

/// The F-score of summed statistics (× 100).
fn f_score(stats: &Stats, beta: f64) -> f64 {
    let factor = beta * beta;
    let (mut p, mut r, mut orders) = (0.0, 0.0, 0);
    for &[h, rf, m] in stats {
        if h > 0 && rf > 0 {
            p += m as f64 / h as f64;
            r += m as f64 / rf as f64;
            orders += 1;
        }
    }
    if orders == 0 {
        return 0.0;
    }
    let (p, r) = (p / orders as f64, r / orders as f64);
    if p + r == 0.0 {
        0.0
    } else {
        100.0 * (1.0 + factor) * p * r / (factor * p + r)
    }
}

/// Corpus chrF: `refs[k][i]` is reference stream k's segment for hypothesis i. `None` if a
/// stream's length differs from the hypotheses'.
pub fn corpus_chrf(hyps: &[&str], refs: &[Vec<&str>], cfg: &ChrfConfig) -> Option<f64> {
    if refs.is_empty() || refs.iter().any(|r| r.len() != hyps.len()) {
        return None;
    }
    let prep = |s: &str| if cfg.lowercase { s.to_lowercase() } else { s.to_string() };
    let mut total: Stats = vec![[0; 3]; cfg.char_order + cfg.word_order];
    for (i, h) in hyps.iter().enumerate() {
        let hn = ngrams(&prep(h), cfg);
        // the reference whose own segment score is best (the first one on ties)
        let mut best: Option<(f64, Stats)> = None;
        for stream in refs {
            let st = match_stats(&hn, &ngrams(&prep(stream[i]), cfg));
            let f = f_score(&st, cfg.beta);
            if best.as_ref().is_none_or(|(bf, _)| f > *bf) {
                best = Some((f, st));
            }
        }
        for (t, s) in total.iter_mut().zip(best.expect("at least one reference").1) {
            for k in 0..3 {
                t[k] += s[k];
            }
        }
    }
    Some(f_score(&total, cfg.beta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_text_scores_100_and_disjoint_text_0() {
        assert!((corpus_chrf(&["abc def"], &[vec!["abc def"]], &ChrfConfig::CHRF).unwrap() - 100.0).abs() < 1e-9);
        assert_eq!(corpus_chrf(&["xyz"], &[vec!["abc"]], &ChrfConfig::CHRF).unwrap(), 0.0);
    }

    #[test]
    fn hand_computed_unigram_and_bigram_case() {
        // char_order 2, β = 1. hyp "ab", ref "abc" (whitespace-free already).
        // 1-grams: hyp {a, b} 2, ref {a, b, c} 3, matches 2 → P 1, R 2/3.
        // 2-grams: hyp {ab} 1, ref {ab, bc} 2, matches 1 → P 1, R 1/2.
        // Averages P = 1, R = 7/12; F1 = 2·(7/12)/(1 + 7/12) = 14/19.
        let cfg = ChrfConfig { char_order: 2, word_order: 0, beta: 1.0, lowercase: false };
        let f = corpus_chrf(&["ab"], &[vec!["abc"]], &cfg).unwrap();
        assert!((f - 100.0 * 14.0 / 19.0).abs() < 1e-9, "{f}");
    }

    #[test]
    fn words_split_one_edge_punctuation_mark() {
        // The last character is checked first: "(world)" loses only its ")".
        assert_eq!(words("Hello, (world) ! x."), ["Hello", ",", "(world", ")", "!", "x", "."]);
    }

    #[test]
    fn matches_sacrebleu_on_the_fixture_corpus() {
        #[derive(serde::Deserialize)]
        struct Case {
            name: String,
            hyps: Vec<String>,
            refs: Vec<Vec<String>>,
            word_order: usize,
            lowercase: bool,
            score: f64,
        }
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/evaluation/chrf.json");
        let cases: Vec<Case> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for c in &cases {
            let cfg = ChrfConfig { word_order: c.word_order, lowercase: c.lowercase, ..ChrfConfig::CHRF };
            let hyps: Vec<&str> = c.hyps.iter().map(String::as_str).collect();
            let refs: Vec<Vec<&str>> = c.refs.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
            let got = corpus_chrf(&hyps, &refs, &cfg).unwrap();
            assert!((got - c.score).abs() < 1e-9, "{}: {got} vs sacrebleu {}", c.name, c.score);
        }
    }
}
