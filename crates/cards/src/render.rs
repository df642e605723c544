//! Markdown → text for a terminal: wrapped paragraphs, marked headings, indented code, bullets.
//!
//! Enough Markdown for our lessons and cards: headings, paragraphs, emphasis, inline code,
//! fenced code, lists (nested), block quotes, links (shown as `text <url>`), and tables (cells
//! joined by ` | `). With `color` on, headings are bold and code is dimmed with ANSI escapes.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// Renders `markdown` wrapped at `width` columns.
pub fn render(markdown: &str, width: usize, color: bool) -> String {
    let mut r = Renderer { out: String::new(), line: String::new(), width: width.max(20), color, ..Default::default() };
    for ev in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        r.event(ev);
    }
    r.flush_para();
    r.out.trim_end().to_string() + "\n"
}

#[derive(Default)]
struct Renderer {
    out: String,
    /// Inline text of the current block, before wrapping.
    line: String,
    width: usize,
    color: bool,
    /// Open lists: `None` bulleted, `Some(n)` numbered with the next number.
    lists: Vec<Option<u64>>,
    quote: usize,
    in_code: bool,
    heading: Option<HeadingLevel>,
    link: Vec<String>,
    table_row: Vec<String>,
}

impl Renderer {
    /// A list item's marker sits one level left of its nested lists.
    fn indent(&self) -> String {
        "  ".repeat(self.lists.len().saturating_sub(1)) + &"│ ".repeat(self.quote)
    }

    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Wraps the pending inline text into the output.
    fn flush_para(&mut self) {
        let text = std::mem::take(&mut self.line);
        if text.trim().is_empty() {
            return;
        }
        let indent = self.indent();
        let (first, rest) = match text.find('\u{0}') {
            // A list item: the marker goes on the first line, the rest aligns under its text.
            Some(i) => (text[..i].to_string(), text[i + 1..].to_string()),
            None => (String::new(), text),
        };
        let hang = " ".repeat(first.chars().count());
        let room = self.width.saturating_sub(indent.chars().count() + hang.chars().count()).max(10);
        for (i, l) in wrap(&rest, room).iter().enumerate() {
            let lead = if i == 0 { &first } else { &hang };
            self.out += &format!("{indent}{lead}{l}\n");
        }
    }

    fn style(&mut self, s: &str) {
        if self.color {
            self.line += s;
        }
    }

    fn event(&mut self, ev: Event<'_>) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                self.flush_para();
                self.blank();
                self.heading = Some(level);
                self.style(BOLD);
                if level == HeadingLevel::H1 {
                    self.line += "═ ";
                } else if level == HeadingLevel::H2 {
                    self.line += "── ";
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                self.style(RESET);
                self.heading = None;
                self.flush_para();
                self.out.push('\n');
            }
            // A loose list item's first paragraph continues the marker's line.
            Event::Start(Tag::Paragraph) if !self.line.ends_with('\u{0}') => {
                self.flush_para();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            Event::End(TagEnd::Paragraph) => self.flush_para(),
            Event::Start(Tag::List(start)) => {
                self.flush_para();
                if self.lists.is_empty() {
                    self.blank();
                }
                self.lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                self.flush_para();
                self.lists.pop();
            }
            Event::Start(Tag::Item) => {
                self.flush_para();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "• ".into(),
                };
                // `\0` separates the marker from the text: wrapped lines hang under the text.
                self.line = format!("{marker}\u{0}");
            }
            Event::End(TagEnd::Item) => self.flush_para(),
            Event::Start(Tag::BlockQuote(_)) => {
                self.flush_para();
                self.quote += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.flush_para();
                self.quote -= 1;
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                self.flush_para();
                self.blank();
                self.in_code = true;
                if let CodeBlockKind::Fenced(lang) = kind {
                    if !lang.is_empty() && self.color {
                        self.out += &format!("{}    {DIM}[{lang}]{RESET}\n", self.indent());
                    }
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                self.in_code = false;
                self.out.push('\n');
            }
            Event::Text(t) if self.in_code => {
                let indent = self.indent();
                for l in t.lines() {
                    if self.color {
                        self.out += &format!("{indent}    {DIM}{l}{RESET}\n");
                    } else {
                        self.out += &format!("{indent}    {l}\n");
                    }
                }
            }
            Event::Text(t) => {
                if let Some(cell) = self.table_row.last_mut() {
                    *cell += &t;
                } else {
                    self.line += &t;
                }
            }
            Event::Code(t) => {
                let s = format!("`{t}`");
                if let Some(cell) = self.table_row.last_mut() {
                    *cell += &s;
                } else {
                    self.line += &s;
                }
            }
            Event::SoftBreak => self.line.push(' '),
            Event::HardBreak => {
                self.flush_para();
            }
            Event::Start(Tag::Emphasis | Tag::Strong) if self.heading.is_none() => self.style(BOLD),
            Event::End(TagEnd::Emphasis | TagEnd::Strong) if self.heading.is_none() => self.style(RESET),
            Event::Start(Tag::Link { dest_url, .. }) => self.link.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = self.link.pop() {
                    if !url.starts_with('#') {
                        self.line += &format!(" <{url}>");
                    }
                }
            }
            Event::Start(Tag::Table(_)) => {
                self.flush_para();
                self.blank();
            }
            Event::End(TagEnd::Table) => self.out.push('\n'),
            Event::Start(Tag::TableHead | Tag::TableRow) => self.table_row.clear(),
            Event::Start(Tag::TableCell) => self.table_row.push(String::new()),
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                let row = std::mem::take(&mut self.table_row).iter().map(|c| c.trim().to_string()).collect::<Vec<_>>();
                self.out += &format!("{}  {}\n", self.indent(), row.join(" | "));
            }
            Event::Rule => {
                self.flush_para();
                self.blank();
                self.out += &format!("{}\n", "─".repeat(self.width.min(40)));
            }
            Event::Html(h) | Event::InlineHtml(h) => self.line += &h,
            _ => {}
        }
    }
}

/// Greedy word wrap to `width` characters; a longer word gets a line of its own.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let visible = |s: &str| s.chars().filter(|c| !c.is_control()).count() - ansi_len(s);
        if !cur.is_empty() && visible(&cur) + 1 + visible(word) > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur += word;
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Characters taken by ANSI escape parameters (`[1m` etc.; the ESC itself is a control char).
fn ansi_len(s: &str) -> usize {
    let mut n = 0;
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\x1b' {
            for d in it.by_ref() {
                n += 1;
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_headings_paragraphs_lists_and_code() {
        let md = "# Title\n\nSome *text* with `code` and a [link](../x.rs).\n\n- one\n- two\n  - nested\n\n1. first\n2. second\n\n```rust\nlet x = 1;\n```\n";
        let out = render(md, 80, false);
        assert_eq!(
            out,
            "═ Title\n\nSome text with `code` and a link <../x.rs>.\n\n• one\n• two\n  • nested\n\n1. first\n2. second\n\n    let x = 1;\n"
        );
    }

    #[test]
    fn long_paragraphs_wrap_and_list_items_hang() {
        let out = render("- alpha beta gamma delta epsilon zeta eta theta", 22, false);
        assert_eq!(out, "• alpha beta gamma\n  delta epsilon zeta\n  eta theta\n");
        assert_eq!(wrap("aaaa bbbb cccc", 9), ["aaaa bbbb", "cccc"]);
    }

    #[test]
    fn tables_render_as_rows() {
        let out = render("| a | b |\n|---|---|\n| 1 | 2 |\n", 80, false);
        assert_eq!(out, "  a | b\n  1 | 2\n");
    }

    #[test]
    fn color_adds_escapes_that_do_not_count_toward_the_width() {
        let out = render("**bold words here** and more words", 20, true);
        assert!(out.contains(BOLD) && out.contains(RESET));
        assert_eq!(out.lines().count(), 2, "{out:?}");
    }
}
