//! The `13a` tokenizer: mteval-v13a's rules, as sacreBLEU applies them before BLEU.
//!
//! Source: sacreBLEU (Post 2018, "A Call for Clarity in Reporting BLEU Scores",
//! arXiv:1804.08771), tokenizer `13a`, itself the WMT mteval-v13a.pl script.
//! 1) drop `<skipped>`, join `-\n` line breaks, turn other newlines into spaces, unescape
//!    `&quot; &amp; &lt; &gt;`;
//! 2) put spaces around ASCII punctuation and symbols except `'` `,` `-` `.`;
//! 3) split `.` and `,` off a word unless a digit is on *both* sides (rules 3a, 3b);
//! 4) split `-` after a digit;
//! 5) collapse whitespace.
//!
//! subtle: each rule is a left-to-right, non-overlapping regex substitution in the original;
//! the scans below reproduce exactly that (a character consumed by one match is not seen as the
//! start of the next). In `a..b`, 3a splits only the first `.`: the second one's left
//! neighbour was already consumed by the `a.` match. Rule 3b then splits the second: `a . . b`.

/// Tokenizes `line` exactly as sacreBLEU's `13a` tokenizer does.
pub fn tokenize_13a(line: &str) -> String {
    // 1) language-independent clean-up
    let mut s = line.replace("<skipped>", "").replace("-\n", "").replace('\n', " ");
    if s.contains('&') {
        s = s.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    }
    let s: Vec<char> = format!(" {s} ").chars().collect();
    // 2) space around symbols: { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
    let symbol = |c: char| matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/');
    let mut out = Vec::with_capacity(s.len() * 2);
    for c in s {
        if symbol(c) {
            out.extend([' ', c, ' ']);
        } else {
            out.push(c);
        }
    }
    let digit = |c: char| c.is_ascii_digit();
    let period_comma = |c: char| c == '.' || c == ',';
    // 3a) ([^0-9])([.,]) → "\1 \2 "
    let out = scan(&out, |a, b| !digit(a) && period_comma(b), |a, b| vec![a, ' ', b, ' ']);
    // 3b) ([.,])([^0-9]) → " \1 \2"
    let out = scan(&out, |a, b| period_comma(a) && !digit(b), |a, b| vec![' ', a, ' ', b]);
    // 4) ([0-9])(-) → "\1 \2 "
    let out = scan(&out, |a, b| digit(a) && b == '-', |a, b| vec![a, ' ', b, ' ']);
    // 5) single spaces, trimmed (Python's str.split() whitespace)
    let joined: String = out.into_iter().collect();
    joined.split(super::python_space).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// One pass of a two-character regex substitution: where `hit(a, b)` holds, emit `rep(a, b)`
/// and continue after `b`; otherwise copy `a` and move one character on.
fn scan(s: &[char], hit: impl Fn(char, char) -> bool, rep: impl Fn(char, char) -> Vec<char>) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len() + s.len() / 2);
    let mut i = 0;
    while i < s.len() {
        if i + 1 < s.len() && hit(s[i], s[i + 1]) {
            out.extend(rep(s[i], s[i + 1]));
            i += 2;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked_cases() {
        assert_eq!(tokenize_13a("Hello, world!"), "Hello , world !");
        assert_eq!(tokenize_13a("It costs $3.50, or 3,000 yen."), "It costs $ 3.50 , or 3,000 yen .");
        assert_eq!(tokenize_13a("e-mail 2-3 don't"), "e-mail 2 - 3 don't");
        assert_eq!(tokenize_13a("a..b"), "a . . b");
        assert_eq!(tokenize_13a("&quot;x&quot; &amp; y<skipped>"), "\" x \" & y");
        assert_eq!(tokenize_13a("  spaced\tout \n"), "spaced out");
    }
}
