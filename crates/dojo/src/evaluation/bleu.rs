//! BLEU: clipped n-gram precision with a brevity penalty, computed exactly as sacreBLEU does.
//!
//! Papers: Papineni et al. 2002, "BLEU"; Chen & Cherry 2014, "A Systematic Comparison of
//! Smoothing Techniques for Sentence-Level BLEU" (smoothing methods); Post 2018, sacreBLEU.
//! Builds on [`super::tokenize_13a`]. Left out for now: the `intl` tokenizer. chrF is its own file, [`super::chrf`].
//!
//! BLEU = BP · exp( (1/N) Σₙ log pₙ ),  N = 4
//!
//! where:
//! - pₙ = Σ_segments Σ_ngrams min(count_hyp, max_ref count_ref) / Σ_segments (hyp n-grams):
//!   *clipped* precision, so repeating a correct word earns it once per reference occurrence;
//! - BP = 1 if c ≥ r, else exp(1 − r/c), with c the hypothesis length and r, per segment, the
//!   reference length closest to the hypothesis length (ties: the shorter), summed over the corpus.
//!
//! Pitfalls: corpus BLEU is *not* the mean of sentence BLEUs (statistics are summed first);
//! scores depend on the tokenizer, so only compare numbers computed the same way; a sentence
//! with no 4-gram match scores 0 without smoothing.

use super::tokenize_13a;

/// How zero n-gram counts are smoothed (Chen & Cherry 2014).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Smooth {
    /// No smoothing: any pₙ = 0 makes BLEU 0.
    None,
    /// Method 1: a zero count becomes `value` (sacreBLEU default 0.1).
    Floor(f64),
    /// Method 2: add `value` to the counts and totals of n ≥ 2 (default 1).
    AddK(f64),
    /// Method 3 (mteval's): the k-th zero precision becomes 1 / (2ᵏ · total).
    Exp,
}

/// Options matching sacreBLEU's `BLEU(...)` arguments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BleuConfig {
    /// Lowercase hypotheses and references first.
    pub lowercase: bool,
    /// Apply the 13a tokenizer (`false` = split on whitespace only, sacreBLEU's `none`).
    pub tokenize: bool,
    /// The smoothing method.
    pub smooth: Smooth,
    /// Stop at the highest n with any hypothesis n-grams (for short sentences).
    pub effective_order: bool,
}

impl BleuConfig {
    /// `sacrebleu.corpus_bleu` defaults: 13a, exp smoothing, no effective order.
    pub const CORPUS: BleuConfig =
        BleuConfig { lowercase: false, tokenize: true, smooth: Smooth::Exp, effective_order: false };
    /// `sacrebleu.sentence_bleu` defaults: the same with effective order.
    pub const SENTENCE: BleuConfig = BleuConfig { effective_order: true, ..BleuConfig::CORPUS };
}

/// A BLEU score with the numbers it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct BleuScore {
    /// BLEU × 100.
    pub score: f64,
    /// pₙ × 100 for n = 1 … 4 (after smoothing).
    pub precisions: [f64; 4],
    /// The brevity penalty.
    pub bp: f64,
    /// Total hypothesis length c.
    pub sys_len: usize,
    /// Total closest-reference length r.
    pub ref_len: usize,
}

/// Sufficient statistics of a corpus: lengths and matched/total n-gram counts.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Stats {
    sys_len: usize,
    ref_len: usize,
    correct: [usize; 4],
    total: [usize; 4],
}

fn prepare(s: &str, cfg: &BleuConfig) -> Vec<String> {
    let s = if cfg.lowercase { s.to_lowercase() } else { s.to_string() };
    let s = s.trim_end(); // sacreBLEU strips trailing whitespace before tokenizing
    let toks = if cfg.tokenize { tokenize_13a(s) } else { s.to_string() };
    toks.split_whitespace().map(str::to_string).collect()
}

/// Counts of every n-gram, n = 1 … 4.
fn ngrams(tokens: &[String]) -> std::collections::HashMap<&[String], usize> {
    let mut m = std::collections::HashMap::new();
    for n in 1..=4 {
        for w in tokens.windows(n) {
            *m.entry(w).or_insert(0) += 1;
        }
    }
    m
}

/// One segment's statistics against its references.
fn segment_stats(hyp: &[String], refs: &[Vec<String>]) -> Stats {
    // Reference counts: for each n-gram, the most any single reference has (the clip).
    let mut max_ref: std::collections::HashMap<&[String], usize> = std::collections::HashMap::new();
    for r in refs {
        for (g, c) in ngrams(r) {
            let e = max_ref.entry(g).or_insert(0);
            *e = (*e).max(c);
        }
    }
    // The reference length closest to the hypothesis length; ties go to the shorter one.
    let c = hyp.len();
    let ref_len = refs.iter().map(Vec::len).min_by_key(|&r| (r.abs_diff(c), r)).unwrap_or(0);
    let mut st = Stats { sys_len: c, ref_len, ..Stats::default() };
    for (g, count) in ngrams(hyp) {
        let n = g.len() - 1;
        st.total[n] += count;
        st.correct[n] += count.min(max_ref.get(g).copied().unwrap_or(0));
    }
    st
}

/// BLEU from summed statistics (sacreBLEU's `compute_bleu`).
fn score(st: Stats, cfg: &BleuConfig) -> BleuScore {
    // 1) brevity penalty
    let bp = if st.sys_len < st.ref_len {
        if st.sys_len > 0 {
            (1.0 - st.ref_len as f64 / st.sys_len as f64).exp()
        } else {
            0.0
        }
    } else {
        1.0
    };
    let mut out = BleuScore { score: 0.0, precisions: [0.0; 4], bp, sys_len: st.sys_len, ref_len: st.ref_len };
    if st.correct.iter().all(|&c| c == 0) {
        return out; // no match at all: 0, whatever the smoothing
    }
    // 2) precisions, smoothed
    let (mut correct, mut total) = (st.correct.map(|c| c as f64), st.total.map(|t| t as f64));
    let mut exp_factor = 1.0;
    let mut order = 4;
    for n in 0..4 {
        if let Smooth::AddK(k) = cfg.smooth {
            if n > 0 {
                correct[n] += k;
                total[n] += k;
            }
        }
        if total[n] == 0.0 {
            break; // the hypothesis has no n-grams this long
        }
        if cfg.effective_order {
            order = n + 1;
        }
        out.precisions[n] = if correct[n] == 0.0 {
            match cfg.smooth {
                Smooth::Exp => {
                    exp_factor *= 2.0;
                    100.0 / (exp_factor * total[n])
                }
                Smooth::Floor(v) => 100.0 * v / total[n],
                Smooth::None | Smooth::AddK(_) => 0.0,
            }
        } else {
            100.0 * correct[n] / total[n]
        };
    }
    // 3) geometric mean over the first `order` precisions; log 0 is floored as sacreBLEU does
    let log = |p: f64| if p == 0.0 { -9_999_999_999.0 } else { p.ln() };
    out.score = bp * (out.precisions[..order].iter().map(|&p| log(p)).sum::<f64>() / order as f64).exp();
    out
}

/// Corpus BLEU: `refs[k][i]` is reference stream k's segment for hypothesis i (sacreBLEU's
/// layout). Returns `None` if a reference stream's length differs from the hypotheses'.
pub fn corpus_bleu(hyps: &[&str], refs: &[Vec<&str>], cfg: &BleuConfig) -> Option<BleuScore> {
    if refs.is_empty() || refs.iter().any(|r| r.len() != hyps.len()) {
        return None;
    }
    let mut total = Stats::default();
    for (i, h) in hyps.iter().enumerate() {
        let rs: Vec<Vec<String>> = refs.iter().map(|r| prepare(r[i], cfg)).collect();
        let s = segment_stats(&prepare(h, cfg), &rs);
        total.sys_len += s.sys_len;
        total.ref_len += s.ref_len;
        for n in 0..4 {
            total.correct[n] += s.correct[n];
            total.total[n] += s.total[n];
        }
    }
    Some(score(total, cfg))
}

/// Sentence BLEU of one hypothesis against its references.
pub fn sentence_bleu(hyp: &str, refs: &[&str], cfg: &BleuConfig) -> BleuScore {
    let rs: Vec<Vec<&str>> = refs.iter().map(|r| vec![*r]).collect();
    corpus_bleu(&[hyp], &rs, cfg).expect("one segment per reference stream")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_score() {
        // hyp "the cat sat on the mat" vs ref "the cat is on the mat", no tokenizer effects:
        // 1-grams: the×2, cat, sat, on, mat → 5 of 6 match (sat does not);
        // 2-grams: the cat, cat sat, sat on, on the, the mat → 3 of 5;
        // 3-grams: the cat sat, cat sat on, sat on the, on the mat → 1 of 4;
        // 4-grams: 0 of 3 → exp smoothing: 1/(2·3). Equal lengths: BP = 1.
        // BLEU = (5/6 · 3/5 · 1/4 · 1/6)^(1/4) = (1/48)^(1/4) = 0.379918...
        let b = sentence_bleu("the cat sat on the mat", &["the cat is on the mat"], &BleuConfig::CORPUS);
        assert!((b.score - 100.0 * (1.0f64 / 48.0).powf(0.25)).abs() < 1e-9, "{b:?}");
        assert_eq!(b.bp, 1.0);
    }

    #[test]
    fn clipping_counts_a_repeated_word_once_per_reference_occurrence() {
        // "the the the" vs "the cat": p₁ = 1/3 (clipped), not 3/3.
        let b =
            sentence_bleu("the the the", &["the cat"], &BleuConfig { smooth: Smooth::None, ..BleuConfig::SENTENCE });
        assert!((b.precisions[0] - 100.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn closest_reference_length_prefers_the_shorter_on_ties() {
        // hyp length 3, refs of length 2 and 4: both 1 away → r = 2, no brevity penalty.
        let b = sentence_bleu("a b c", &["a b", "a b c d"], &BleuConfig::SENTENCE);
        assert_eq!((b.sys_len, b.ref_len, b.bp), (3, 2, 1.0));
    }

    #[test]
    fn matches_sacrebleu_on_the_fixture_corpus() {
        #[derive(serde::Deserialize)]
        struct Case {
            name: String,
            hyps: Vec<String>,
            refs: Vec<Vec<String>>,
            lowercase: bool,
            tokenize: String,
            smooth: String,
            smooth_value: Option<f64>,
            sentence: bool,
            score: f64,
            precisions: [f64; 4],
            bp: f64,
            sys_len: usize,
            ref_len: usize,
        }
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/evaluation/bleu.json");
        let cases: Vec<Case> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(cases.len() >= 20);
        for c in cases {
            let smooth = match (c.smooth.as_str(), c.smooth_value) {
                ("none", _) => Smooth::None,
                ("floor", v) => Smooth::Floor(v.unwrap_or(0.1)),
                ("add-k", v) => Smooth::AddK(v.unwrap_or(1.0)),
                ("exp", _) => Smooth::Exp,
                (s, _) => panic!("unknown smoothing {s}"),
            };
            let cfg = BleuConfig {
                lowercase: c.lowercase,
                tokenize: c.tokenize == "13a",
                smooth,
                effective_order: c.sentence,
            };
            let hyps: Vec<&str> = c.hyps.iter().map(String::as_str).collect();
            let refs: Vec<Vec<&str>> = c.refs.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
            let got = corpus_bleu(&hyps, &refs, &cfg).unwrap();
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
            assert!(close(got.score, c.score), "{}: score {} vs sacrebleu {}", c.name, got.score, c.score);
            assert!(close(got.bp, c.bp), "{}: bp {} vs {}", c.name, got.bp, c.bp);
            assert_eq!((got.sys_len, got.ref_len), (c.sys_len, c.ref_len), "{}", c.name);
            for n in 0..4 {
                assert!(
                    close(got.precisions[n], c.precisions[n]),
                    "{}: p{} {} vs {}",
                    c.name,
                    n + 1,
                    got.precisions[n],
                    c.precisions[n]
                );
            }
        }
    }
}
