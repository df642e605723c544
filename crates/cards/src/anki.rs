//! Export to Anki: a tab-separated text file that Anki's File → Import reads as Basic notes.
//!
//! Format (Anki manual, "Importing text files"): header lines `#separator:tab`, `#html:true`,
//! `#notetype:Basic`, `#tags column:3`, then one note per line: front, back, tags. Fields are
//! HTML (our Markdown rendered), so a field must hold no tab and no newline: newlines inside
//! `<pre>` blocks become `<br>`, the others a space.

use crate::deck::Deck;
use pulldown_cmark::{html, Parser};

/// The whole export file for `decks`.
pub fn export(decks: &[Deck]) -> String {
    let mut out = String::from("#separator:tab\n#html:true\n#notetype:Basic\n#tags column:3\n");
    for d in decks {
        for c in &d.cards {
            let mut tags =
                vec!["llm-dojo".to_string(), format!("llm-dojo::{}", d.topic), format!("kind::{}", c.kind.name())];
            tags.extend(c.tags.iter().map(|t| t.replace(char::is_whitespace, "_")));
            out += &format!("{}\t{}\t{}\n", field(&c.front), field(&c.back), tags.join(" "));
        }
    }
    out
}

/// Markdown → one-line HTML.
fn field(markdown: &str) -> String {
    let mut h = String::new();
    html::push_html(&mut h, Parser::new(markdown.trim()));
    let mut out = String::with_capacity(h.len());
    let mut in_pre = false;
    let mut rest = h.as_str();
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("<pre") {
            in_pre = true;
        } else if rest.starts_with("</pre>") {
            in_pre = false;
        }
        match c {
            '\n' if in_pre => out += "<br>",
            '\n' | '\t' => out.push(' '),
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_card_is_one_line_of_three_tab_separated_fields() {
        let toml = "topic = \"a\"\n[[card]]\nid = \"a-x\"\nkind = \"code\"\ndifficulty = \"hard\"\ntags = [\"kv cache\"]\n\
                    front = \"What is wrong?\\n\\n```\\nlet x = 1;\\nlet y = x<2;\\n```\"\nback = \"Use `y`\\tnow.\\n\\nSecond & last.\"\nsee = [\"note:a\"]\n";
        let d = Deck::parse(toml, "t").unwrap();
        let out = export(&[d]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[..4], ["#separator:tab", "#html:true", "#notetype:Basic", "#tags column:3"]);
        assert_eq!(lines.len(), 5);
        let f: Vec<&str> = lines[4].split('\t').collect();
        assert_eq!(f.len(), 3, "{f:?}");
        assert_eq!(f[0], "<p>What is wrong?</p> <pre><code>let x = 1;<br>let y = x&lt;2;<br></code></pre>");
        assert_eq!(f[1], "<p>Use <code>y</code> now.</p> <p>Second &amp; last.</p>");
        assert_eq!(f[2], "llm-dojo llm-dojo::a kind::code kv_cache");
    }
}
