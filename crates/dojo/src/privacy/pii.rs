//! A PII detector for scrubbing a training corpus: e-mail addresses, phone numbers, payment card
//! numbers and secret keys, found by patterns and checksums, measured by precision and recall.
//!
//! Scrubbing is the cheapest leakage defence: text that is not in the corpus cannot be memorized.
//! It is also leaky in both directions, and the numbers say how:
//! - **recall** misses PII written in a form the patterns do not know ("ana at example dot com",
//!   a phone number spelled out), and any secret that has no format at all (a password in prose);
//! - **precision** suffers from strings that look like PII and are not: a version number or a date
//!   looks like digits in groups, and a git commit hash looks like a hex key.
//!
//! Two tricks make patterns usable. A **checksum**: card numbers carry a Luhn check digit, so a
//! random 16-digit number passes only one time in ten. **Context and shape**: a key is a long run
//! of mixed letters and digits with a known prefix (`sk-`, `AKIA`, `ghp_`), or a long hex string
//! right after a word like "key" or "token".
//!
//! [`synthetic_corpus`] builds a labelled set with each of these cases, so [`evaluate`] reports
//! precision and recall per kind on text whose truth is known.

use crate::nn::Rng;
use crate::{Error, Result};
use regex::Regex;

/// What a span of PII is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// An e-mail address.
    Email,
    /// A phone number (North American or international format).
    Phone,
    /// A payment card number passing the Luhn check.
    Card,
    /// An API key, access token or other secret credential.
    Key,
}

impl Kind {
    /// Every kind, in a fixed order.
    pub const ALL: [Kind; 4] = [Kind::Email, Kind::Phone, Kind::Card, Kind::Key];

    /// The placeholder [`Detector::scrub`] writes in place of a span.
    pub fn placeholder(self) -> &'static str {
        match self {
            Kind::Email => "[EMAIL]",
            Kind::Phone => "[PHONE]",
            Kind::Card => "[CARD]",
            Kind::Key => "[KEY]",
        }
    }
}

/// A detected (or labelled) span: bytes `start..end` of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// What it is.
    pub kind: Kind,
}

/// The detector: compiled patterns, one set per kind.
#[derive(Debug, Clone)]
pub struct Detector {
    email: Regex,
    phone: Regex,
    card: Regex,
    key_prefixed: Regex,
    key_after_word: Regex,
}

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

impl Detector {
    /// Compiles the patterns.
    pub fn new() -> Self {
        let re = |p: &str| Regex::new(p).expect("the PII patterns are valid");
        Self {
            // local@domain.tld: the local part allows . _ % + -, the domain needs a dot and a 2+ letter TLD.
            email: re(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
            // +CC then 6–12 digits in groups, or NANP: optional +1, (415) or 415, then 555-0100 with - . or space.
            phone: re(concat!(
                r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)\s?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b",
                r"|\+\d{2,3}(?:[ .-]\d{2,4}){2,4}\b"
            )),
            // 13–19 digits, optionally in groups of 4 split by spaces or dashes.
            card: re(r"\b(?:\d{4}[ -]){3}\d{1,7}\b|\b\d{13,19}\b"),
            // Known credential shapes: OpenAI-style sk-, AWS access key ids, GitHub tokens.
            key_prefixed: re(r"\b(?:sk-[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36})\b"),
            // A long hex or base64-ish token right after a word that names a secret.
            key_after_word: re(r"(?i)\b(?:key|token|secret|password|apikey)\b\s*[:=]?\s*([A-Za-z0-9+/_-]{24,})"),
        }
    }

    /// Every PII span in `text`, sorted by start, non-overlapping (a key wins over a card or a
    /// phone inside it).
    pub fn detect(&self, text: &str) -> Vec<Span> {
        let mut found: Vec<Span> = Vec::new();
        let mut push = |start: usize, end: usize, kind: Kind| found.push(Span { start, end, kind });
        for m in self.key_prefixed.find_iter(text) {
            push(m.start(), m.end(), Kind::Key);
        }
        for c in self.key_after_word.captures_iter(text) {
            let m = c.get(1).expect("group 1");
            push(m.start(), m.end(), Kind::Key);
        }
        for m in self.email.find_iter(text) {
            push(m.start(), m.end(), Kind::Email);
        }
        for m in self.card.find_iter(text) {
            if luhn_valid(m.as_str()) {
                push(m.start(), m.end(), Kind::Card);
            }
        }
        for m in self.phone.find_iter(text) {
            push(m.start(), m.end(), Kind::Phone);
        }
        // Keep the first-found of overlapping spans: keys, then e-mails, cards, phones.
        let mut kept: Vec<Span> = Vec::new();
        for s in found {
            if kept.iter().all(|k| s.end <= k.start || s.start >= k.end) {
                kept.push(s);
            }
        }
        kept.sort();
        kept
    }

    /// `text` with every detected span replaced by its kind's placeholder.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for s in self.detect(text) {
            out.push_str(&text[at..s.start]);
            out.push_str(s.kind.placeholder());
            at = s.end;
        }
        out.push_str(&text[at..]);
        out
    }
}

/// The Luhn checksum of the digits in `s` (other characters ignored): from the right, double every
/// second digit, subtract 9 from doubles above 9, and the total must be divisible by 10.
pub fn luhn_valid(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() < 13 {
        return false;
    }
    let total: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    total % 10 == 0
}

/// A labelled document: its text and the true PII spans in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    /// The text.
    pub text: String,
    /// The true spans, sorted.
    pub spans: Vec<Span>,
}

/// Precision and recall of one kind, counted over exact span matches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// The kind scored.
    pub kind: Kind,
    /// Detected spans that are true spans.
    pub true_positives: usize,
    /// Detected spans that are not.
    pub false_positives: usize,
    /// True spans not detected.
    pub false_negatives: usize,
}

impl Score {
    /// TP / (TP + FP), 1 when nothing was detected.
    pub fn precision(&self) -> f64 {
        let d = self.true_positives + self.false_positives;
        if d == 0 {
            1.0
        } else {
            self.true_positives as f64 / d as f64
        }
    }

    /// TP / (TP + FN), 1 when there was nothing to find.
    pub fn recall(&self) -> f64 {
        let d = self.true_positives + self.false_negatives;
        if d == 0 {
            1.0
        } else {
            self.true_positives as f64 / d as f64
        }
    }
}

/// Precision and recall per kind of `detector` on `docs` (a detection counts only if its span and
/// kind are exactly a labelled one).
pub fn evaluate(detector: &Detector, docs: &[Labelled]) -> Vec<Score> {
    Kind::ALL
        .iter()
        .map(|&kind| {
            let mut s = Score { kind, true_positives: 0, false_positives: 0, false_negatives: 0 };
            for doc in docs {
                let truth: Vec<&Span> = doc.spans.iter().filter(|t| t.kind == kind).collect();
                let found: Vec<Span> = detector.detect(&doc.text).into_iter().filter(|f| f.kind == kind).collect();
                let hits = found.iter().filter(|f| truth.contains(f)).count();
                s.true_positives += hits;
                s.false_positives += found.len() - hits;
                s.false_negatives += truth.len() - hits;
            }
            s
        })
        .collect()
}

/// `n` labelled sentences, each with one piece of PII or one look-alike that is not PII. The
/// templates include forms the detector is known to miss (obfuscated e-mails, phone numbers in
/// words, a password in prose) and look-alikes it is known to flag (a content hash called a
/// "cache key"), so its measured precision and recall are honest, not 1.
pub fn synthetic_corpus(n: usize, rng: &mut Rng) -> Result<Vec<Labelled>> {
    if n == 0 {
        return Err(Error::Config("a PII corpus needs at least one document".into()));
    }
    const NAMES: [&str; 6] = ["ana", "bo", "chen", "dara", "eli", "femi"];
    const DOMAINS: [&str; 4] = ["example.com", "mail.example.org", "corp.example.net", "uni.example.edu"];
    let digits =
        |rng: &mut Rng, k: usize| -> String { (0..k).map(|_| char::from(b'0' + rng.below(10) as u8)).collect() };
    let alnum = |rng: &mut Rng, k: usize| -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..k).map(|_| char::from(A[rng.below(A.len())])).collect()
    };
    let hex = |rng: &mut Rng, k: usize| -> String {
        (0..k).map(|_| char::from(b"0123456789abcdef"[rng.below(16)])).collect()
    };
    let card = |rng: &mut Rng| -> String {
        // 15 random digits after a 4, then the Luhn check digit.
        let mut d = format!("4{}", digits(rng, 14));
        let check = (0..10).find(|c| luhn_valid(&format!("{d}{c}"))).expect("one check digit works");
        d.push_str(&check.to_string());
        format!("{} {} {} {}", &d[0..4], &d[4..8], &d[8..12], &d[12..16])
    };
    let mut docs = Vec::with_capacity(n);
    for _ in 0..n {
        let name = NAMES[rng.below(NAMES.len())];
        let domain = DOMAINS[rng.below(DOMAINS.len())];
        // (before, pii, after, kind or None for a look-alike / undetectable secret)
        let (before, piece, after, kind): (String, String, String, Option<Kind>) = match rng.below(14) {
            0 => (
                format!("Write to {name} at "),
                format!("{name}.{}@{domain}", digits(rng, 2)),
                " for access.".into(),
                Some(Kind::Email),
            ),
            1 => ("Contact: ".into(), format!("{name}+news@{domain}"), ".".into(), Some(Kind::Email)),
            2 => (
                "Call ".into(),
                format!("({}) {}-{}", digits(rng, 3), digits(rng, 3), digits(rng, 4)),
                " after 5pm.".into(),
                Some(Kind::Phone),
            ),
            3 => (
                "Phone ".into(),
                format!("+44 {} {} {}", digits(rng, 2), digits(rng, 4), digits(rng, 4)),
                " (office).".into(),
                Some(Kind::Phone),
            ),
            4 => (
                "Or text ".into(),
                format!("{}.{}.{}", digits(rng, 3), digits(rng, 3), digits(rng, 4)),
                " any time.".into(),
                Some(Kind::Phone),
            ),
            5 => ("Paid with card ".into(), card(rng), " yesterday.".into(), Some(Kind::Card)),
            6 => ("export OPENAI_API_KEY=".into(), format!("sk-{}", alnum(rng, 32)), "".into(), Some(Kind::Key)),
            7 => (
                "aws id ".into(),
                format!("AKIA{}", alnum(rng, 16).to_uppercase()),
                " in the config".into(),
                Some(Kind::Key),
            ),
            8 => ("token: ".into(), alnum(rng, 40), " (rotate monthly)".into(), Some(Kind::Key)),
            // Undetectable: obfuscated e-mail, a password in prose. Labelled, so they count as misses.
            9 => (
                "Reach me: ".into(),
                format!("{name} at {} dot com", domain.split('.').next().unwrap_or("example")),
                " please.".into(),
                Some(Kind::Email),
            ),
            10 => (
                "The wifi password is ".into(),
                format!("{}{}", NAMES[rng.below(NAMES.len())], digits(rng, 4)),
                ".".into(),
                Some(Kind::Key),
            ),
            // Look-alikes that are not PII: a version, a date, a content hash named "key".
            11 => (
                "Upgrade to version ".into(),
                format!("{}.{}.{}", rng.below(20), rng.below(30), rng.below(100)),
                " today.".into(),
                None,
            ),
            12 => (
                "Released on ".into(),
                format!("2024-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
                ".".into(),
                None,
            ),
            _ => ("The cache key = ".into(), hex(rng, 40), " (a SHA-1 of the page).".into(), None),
        };
        let text = format!("{before}{piece}{after}");
        let spans = kind
            .map(|kind| vec![Span { start: before.len(), end: before.len() + piece.len(), kind }])
            .unwrap_or_default();
        docs.push(Labelled { text, spans });
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_valid_card_numbers_and_rejects_one_digit_changed() {
        assert!(luhn_valid("4111 1111 1111 1111"));
        assert!(!luhn_valid("79927398713"), "a valid checksum, but 11 digits are too few for a card");
        assert!(!luhn_valid("4111 1111 1111 1112"));
        assert!(luhn_valid("5555-5555-5555-4444") && !luhn_valid("5555-5555-5555-4445"));
    }

    #[test]
    fn each_kind_is_found_and_scrubbed() {
        let d = Detector::new();
        let text = "Mail ana.b@example.com or call (415) 555-0100; card 4111 1111 1111 1111; key sk-abcdefghijklmnopqrstuvwx12.";
        let kinds: Vec<Kind> = d.detect(text).iter().map(|s| s.kind).collect();
        assert_eq!(kinds, vec![Kind::Email, Kind::Phone, Kind::Card, Kind::Key]);
        assert_eq!(d.scrub(text), "Mail [EMAIL] or call [PHONE]; card [CARD]; key [KEY].");
        assert_eq!(d.scrub("Version 1.2.3 shipped on 2024-05-01."), "Version 1.2.3 shipped on 2024-05-01.");
        assert!(d.detect("order 4111 1111 1111 1112").is_empty(), "fails Luhn: not a card");
    }

    #[test]
    fn precision_and_recall_are_high_but_the_known_failures_show() {
        let docs = synthetic_corpus(700, &mut Rng::new(0)).unwrap();
        let scores = evaluate(&Detector::new(), &docs);
        let get = |k: Kind| *scores.iter().find(|s| s.kind == k).unwrap();
        // Phones and cards: every templated form is found and nothing else is called one.
        for k in [Kind::Phone, Kind::Card] {
            assert!(get(k).recall() == 1.0 && get(k).precision() == 1.0, "{:?}", get(k));
        }
        // E-mails: the obfuscated form ("ana at example dot com") is missed, so recall is below 1
        // and near the 2/3 share of e-mails in a format the pattern knows; precision is perfect.
        let e = get(Kind::Email);
        assert!(e.precision() == 1.0 && e.recall() > 0.55 && e.recall() < 0.8, "{e:?}");
        // Keys: the prose password is missed, and the cache key (a hash) is a false positive.
        let k = get(Kind::Key);
        assert!(k.false_negatives > 0 && k.false_positives > 0, "{k:?}");
        assert!(k.recall() > 0.6 && k.precision() > 0.6, "{k:?}");
        assert!(synthetic_corpus(0, &mut Rng::new(0)).is_err());
    }
}
