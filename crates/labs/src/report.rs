//! A lab's report: headline metrics, then prose, tables and plots, rendered to Markdown and to
//! a self-contained HTML page (plots inlined as SVG, so it opens offline).

use crate::plot::Plot;
use std::collections::BTreeMap;

/// What a lab returns: its findings, ready to render.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// One paragraph (Markdown) saying what this run shows, with its numbers.
    pub summary: String,
    /// Headline numbers, e.g. `time_slope`; the CLI's `--json` prints these.
    pub metrics: BTreeMap<String, f64>,
    /// The body, in order.
    pub blocks: Vec<Block>,
}

/// One piece of a report body.
#[derive(Debug, Clone)]
pub enum Block {
    /// Markdown text (tables included).
    Markdown(String),
    /// A chart, written as `<name>.svg` and inlined in the HTML.
    Plot(Plot),
}

impl Report {
    /// An empty report with this summary.
    pub fn new(summary: impl Into<String>) -> Self {
        Self { summary: summary.into(), ..Self::default() }
    }

    /// Sets a headline metric.
    pub fn metric(&mut self, name: &str, value: f64) {
        self.metrics.insert(name.to_string(), value);
    }

    /// Appends Markdown.
    pub fn text(&mut self, markdown: impl Into<String>) {
        self.blocks.push(Block::Markdown(markdown.into()));
    }

    /// Appends a table.
    pub fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) {
        self.text(markdown_table(headers, rows));
    }

    /// Appends a plot.
    pub fn plot(&mut self, plot: Plot) {
        self.blocks.push(Block::Plot(plot));
    }

    /// The plots, in order.
    pub fn plots(&self) -> impl Iterator<Item = &Plot> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Plot(p) => Some(p),
            Block::Markdown(_) => None,
        })
    }
}

/// A GitHub-flavoured Markdown table; `|` in cells is escaped.
pub fn markdown_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let esc = |s: &str| s.replace('|', "\\|");
    let mut out = format!(
        "| {} |\n|{}\n",
        headers.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | "),
        "---|".repeat(headers.len())
    );
    for r in rows {
        out += &format!("| {} |\n", r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | "));
    }
    out
}

/// Facts about the run that head every report.
#[derive(Debug, Clone)]
pub struct RunHeader {
    /// Lab name.
    pub lab: String,
    /// Report title.
    pub title: String,
    /// Topic, e.g. `"1 · Transformer architecture and variants"`.
    pub topic: String,
    /// The run folder's name.
    pub run_id: String,
    /// The seed.
    pub seed: u64,
    /// Start time, UTC, ISO 8601.
    pub started: String,
    /// Wall-clock seconds of the run.
    pub seconds: f64,
    /// (name, version) of what produced the numbers: dojo, candle, threads, CPU features.
    pub versions: Vec<(String, String)>,
    /// The resolved config as TOML.
    pub config_toml: String,
}

/// A metric value for a table: 4 significant digits, scientific when very small or large.
pub fn fmt_num(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 || !v.is_finite() {
        format!("{v}")
    } else if !(1e-3..1e6).contains(&a) {
        format!("{v:.3e}")
    } else {
        let digits = (3 - a.log10().floor() as i32).max(0) as usize;
        format!("{v:.digits$}")
    }
}

/// The report as Markdown; plots are referenced as `<name>.svg` beside it.
pub fn to_markdown(report: &Report, h: &RunHeader) -> String {
    let mut md = format!("# {}\n\n", h.title);
    md += &format!(
        "Lab `{}` · topic {} · run `{}` · seed {} · {} · {:.1} s\n\n",
        h.lab, h.topic, h.run_id, h.seed, h.started, h.seconds
    );
    md += &format!("{}\n\n", report.summary.trim());
    if !report.metrics.is_empty() {
        md += "## Metrics\n\n";
        let rows: Vec<Vec<String>> = report.metrics.iter().map(|(k, v)| vec![format!("`{k}`"), fmt_num(*v)]).collect();
        md += &markdown_table(&["metric", "value"], &rows);
        md += "\n";
    }
    for b in &report.blocks {
        match b {
            Block::Markdown(t) => md += &format!("{}\n\n", t.trim_end()),
            Block::Plot(p) => md += &format!("![{}]({}.svg)\n\n", p.title, p.name),
        }
    }
    md += "## Reproduce\n\n";
    md += &format!("```sh\ndojo lab run {} --config config.toml\n```\n\n", h.lab);
    let versions: Vec<Vec<String>> = h.versions.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
    md += &markdown_table(&["component", "version"], &versions);
    md += &format!("\nResolved config (`config.toml`):\n\n```toml\n{}```\n", h.config_toml);
    md
}

/// The report as one self-contained HTML page: the Markdown rendered, each plot inlined.
///
/// `svgs` holds the rendered SVG of each plot, in the order of [`Report::plots`].
pub fn to_html(report: &Report, h: &RunHeader, svgs: &[String]) -> String {
    // Render the Markdown once, with a placeholder paragraph where each plot goes, then swap in
    // the SVGs: one Markdown pass keeps headings, tables and code blocks consistent.
    let md = to_markdown(report, h);
    let mut plots = report.plots().zip(svgs);
    let mut with_marks = String::new();
    for line in md.lines() {
        match report.plots().find(|p| line == format!("![{}]({}.svg)", p.title, p.name)) {
            Some(p) => with_marks += &format!("PLOT-{}\n", p.name),
            None => with_marks += line,
        }
        with_marks.push('\n');
    }
    let mut opts = pulldown_cmark::Options::empty();
    opts.insert(pulldown_cmark::Options::ENABLE_TABLES);
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, pulldown_cmark::Parser::new_ext(&with_marks, opts));
    for (p, svg) in plots.by_ref() {
        let figure = format!("<figure>{}<figcaption>{}</figcaption></figure>", svg, escape(&p.title));
        body = body.replacen(&format!("<p>PLOT-{}</p>", p.name), &figure, 1);
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{}</style></head>\n<body><main>\n{}</main></body></html>\n",
        escape(&h.title),
        CSS,
        body
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;color:#222;background:#fafafa;margin:0}\
main{max-width:860px;margin:0 auto;padding:24px;background:#fff}\
table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #ddd;padding:4px 10px;text-align:left}\
th{background:#f2f2f2}code{background:#f2f2f2;padding:1px 4px;border-radius:3px}\
pre{background:#f6f6f6;padding:12px;overflow-x:auto}pre code{background:none;padding:0}\
figure{margin:16px 0}figure svg{max-width:100%;height:auto}figcaption{color:#666;font-size:14px}";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::Series;

    fn header() -> RunHeader {
        RunHeader {
            lab: "demo".into(),
            title: "A demo <lab>".into(),
            topic: "1 · Transformers".into(),
            run_id: "20261128-120000-s7".into(),
            seed: 7,
            started: "2026-11-28T12:00:00Z".into(),
            seconds: 1.5,
            versions: vec![("dojo".into(), "0.1.0".into())],
            config_toml: "seed = 7\n".into(),
        }
    }

    fn report() -> Report {
        let mut r = Report::new("It works: slope **2.0**.");
        r.metric("slope", 2.0);
        r.table(&["T", "ms"], &[vec!["128".into(), "1.0".into()]]);
        r.plot(Plot::new("time", "Time vs T", "T", "ms").with(Series::new("a", vec![(1.0, 1.0), (2.0, 4.0)])));
        r.text("After the plot.");
        r
    }

    #[test]
    fn markdown_has_header_metrics_table_plot_link_and_config() {
        let md = to_markdown(&report(), &header());
        assert!(md.starts_with("# A demo <lab>\n"));
        assert!(md.contains("seed 7"));
        assert!(md.contains("| `slope` | 2.000 |"));
        assert!(md.contains("| 128 | 1.0 |"));
        assert!(md.contains("![Time vs T](time.svg)"));
        assert!(md.contains("```toml\nseed = 7\n```"));
    }

    #[test]
    fn html_inlines_the_svg_where_the_plot_was_and_escapes_the_title() {
        let svg = report().plots().next().unwrap().to_svg().unwrap();
        let html = to_html(&report(), &header(), std::slice::from_ref(&svg));
        assert!(html.contains("<title>A demo &lt;lab&gt;</title>"));
        assert!(html.contains("<table>"));
        assert!(!html.contains("PLOT-time") && !html.contains("time.svg\""));
        let fig = html.find("<figure><svg").expect("plot inlined");
        assert!(html.find("<td>128</td>").unwrap() < fig && fig < html.find("After the plot.").unwrap());
    }

    #[test]
    fn numbers_are_formatted_to_four_significant_digits() {
        assert_eq!(fmt_num(1.98765), "1.988");
        assert_eq!(fmt_num(123.456), "123.5");
        assert_eq!(fmt_num(12345.6), "12346");
        assert_eq!(fmt_num(2.5e-5), "2.500e-5");
        assert_eq!(fmt_num(0.0), "0");
    }
}
