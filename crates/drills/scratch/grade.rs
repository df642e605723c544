//! The grading kit. Every hidden test is written with it; the runner compiles it into the
//! scratch crate beside the learner's file and the drill's hidden tests:
//!
//! ```text
//! scratch/main.rs     mod learner (the learner's file), mod grade (this file), mod hidden
//! ```
//!
//! A hidden test is a plain `fn() -> Outcome`. It feeds every input in (weights too, so nothing
//! depends on the learner's creation order or RNG), checks shapes before values, and on a
//! mismatch returns a message that shows the inputs, what was expected, what came back and where
//! they differ most. [`run`] runs the tests one by one, catches panics (a `todo!()` included)
//! and reports each result to the runner as one line on stdout.
//!
//! Only `std`: a drill compiles in about a second.

use std::fmt::Write as _;
use std::sync::Mutex;

/// What a test returns: `Err` holds the readable failure.
pub type Outcome = Result<(), String>;

/// One hidden test.
pub struct Test {
    /// A short snake_case name, e.g. `"rows_sum_to_one"`.
    pub name: &'static str,
    /// One line: what it checks and why it matters, shown with a failure.
    pub checks: &'static str,
    /// The test.
    pub run: fn() -> Outcome,
}

/// A case under test: the inputs are recorded first, so any failure can show them.
#[derive(Default)]
pub struct Case {
    inputs: String,
}

impl Case {
    /// A case with no inputs recorded yet.
    pub fn new() -> Case {
        Case::default()
    }

    /// Records a tensor input: flat row-major `values` of `shape`.
    pub fn input(mut self, name: &str, values: &[f64], shape: &[usize]) -> Case {
        let _ = writeln!(self.inputs, "  {name}: {} = {}", shape_str(shape), preview(values, shape));
        self
    }

    /// Records a matrix input given as rows.
    pub fn input_rows(self, name: &str, rows: &[Vec<f64>]) -> Case {
        let flat: Vec<f64> = rows.iter().flatten().copied().collect();
        let shape = [rows.len(), rows.first().map_or(0, Vec::len)];
        self.input(name, &flat, &shape)
    }

    /// Records any other input by its `Debug` form (long ones are cut).
    pub fn input_debug(mut self, name: &str, value: &impl std::fmt::Debug) -> Case {
        let _ = writeln!(self.inputs, "  {name}: {}", cut(&format!("{value:?}"), 300));
        self
    }

    /// `got` must have `shape` and match `want` within `tol` (absolute, and relative to |want|);
    /// an expected `±inf` or `NaN` must come back exactly (a masked `-inf` stays `-inf`).
    pub fn close(&self, what: &str, got: &[f64], want: &[f64], shape: &[usize], tol: f64) -> Outcome {
        let n: usize = shape.iter().product();
        assert_eq!(want.len(), n, "grader bug: expected values do not fill the shape");
        if got.len() != n {
            return self.fail(&format!(
                "{what}: wrong shape: expected {} = {n} value(s), got {} value(s)",
                shape_str(shape),
                got.len()
            ));
        }
        let mut worst: Option<(usize, f64)> = None;
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            // An expected ±inf or NaN must come back exactly; a finite one within the tolerance.
            let bad = if w.is_finite() { !((g - w).abs() <= tol * (1.0 + w.abs())) } else { !(g == w || g.is_nan() && w.is_nan()) };
            let diff = if bad { (g - w).abs() } else { 0.0 };
            if bad && worst.is_none_or(|(_, d)| !d.is_nan() && (diff.is_nan() || diff > d)) {
                worst = Some((i, diff));
            }
        }
        let Some((i, diff)) = worst else { return Ok(()) };
        let (w, g) = distinct(want[i], got[i]);
        self.fail(&format!(
            "{what}: at {}: expected {w}, got {g} (largest difference {}, tolerance {tol:e})\n  \
             expected: {}\n  got:      {}",
            index_str(i, shape),
            num(diff),
            preview(want, shape),
            preview(got, shape),
        ))
    }

    /// Like [`Case::close`] for a matrix given as rows; the shape is checked row by row.
    pub fn close_rows(&self, what: &str, got: &[Vec<f64>], want: &[Vec<f64>], tol: f64) -> Outcome {
        let cols = want.first().map_or(0, Vec::len);
        if got.len() != want.len() {
            return self.fail(&format!(
                "{what}: wrong shape: expected {} row(s), got {}",
                want.len(),
                got.len()
            ));
        }
        if let Some((r, row)) = got.iter().enumerate().find(|(_, row)| row.len() != cols) {
            return self.fail(&format!(
                "{what}: wrong shape: expected [{}, {cols}], but row {r} has {} value(s)",
                want.len(),
                row.len()
            ));
        }
        let flat = |m: &[Vec<f64>]| m.iter().flatten().copied().collect::<Vec<f64>>();
        self.close(what, &flat(got), &flat(want), &[want.len(), cols], tol)
    }

    /// A scalar within `tol` (absolute, and relative to |want|).
    pub fn scalar(&self, what: &str, got: f64, want: f64, tol: f64) -> Outcome {
        self.close(what, &[got], &[want], &[], tol)
    }

    /// Exact equality, for integers, token ids, strings and the like.
    pub fn equal<T: PartialEq + std::fmt::Debug>(&self, what: &str, got: &T, want: &T) -> Outcome {
        if got == want {
            return Ok(());
        }
        self.fail(&format!(
            "{what}:\n  expected: {}\n  got:      {}",
            cut(&format!("{want:?}"), 400),
            cut(&format!("{got:?}"), 400)
        ))
    }

    /// A property that must hold; `why` says what it means when it does not.
    pub fn holds(&self, ok: bool, why: &str) -> Outcome {
        if ok { Ok(()) } else { self.fail(why) }
    }

    /// A failure message with the recorded inputs.
    pub fn fail(&self, msg: &str) -> Outcome {
        if self.inputs.is_empty() {
            Err(msg.to_string())
        } else {
            Err(format!("{msg}\n  inputs:\n{}", self.inputs.trim_end_matches('\n')))
        }
    }
}

/// Runs the hidden tests and reports to the runner. Protocol: one line per event on stdout,
/// starting with the byte `\u{1}` so it is told apart from anything the learner prints:
/// `\u{1}tests <name>\t<name>…` first (every test, so the runner can list those a hang or crash
/// kept from running), `\u{1}start <name>` before a test, `\u{1}result {"name","passed","message"}`
/// after it.
pub fn run(tests: &[Test]) {
    let names: Vec<&str> = tests.iter().map(|t| t.name).collect();
    println!("\u{1}tests {}", names.join("\t"));
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        *PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{msg}{at}"));
    }));
    for t in tests {
        println!("\u{1}start {}", t.name);
        let outcome = match std::panic::catch_unwind(t.run) {
            Ok(o) => o,
            Err(_) => {
                let p = PANIC.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default();
                Err(if p.starts_with("not yet implemented") {
                    format!("not implemented yet: todo!(){}", p.trim_start_matches("not yet implemented"))
                } else {
                    format!("your code panicked: {p}")
                })
            }
        };
        let (passed, message) = match outcome {
            Ok(()) => (true, String::new()),
            Err(m) => (false, format!("checks: {}\n{m}", t.checks)),
        };
        println!(
            "\u{1}result {{\"name\":{},\"passed\":{passed},\"message\":{}}}",
            json(t.name),
            json(&message)
        );
    }
}

static PANIC: Mutex<Option<String>> = Mutex::new(None);

fn json(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn num(x: f64) -> String {
    if x.is_finite() && x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e6) {
        format!("{x:.4e}")
    } else if x.is_finite() {
        let s = format!("{x:.6}");
        let s = s.trim_end_matches('0');
        s.trim_end_matches('.').to_string()
    } else {
        format!("{x}")
    }
}

/// `a` and `b` printed with as many digits as it takes to tell them apart (up to 17).
fn distinct(a: f64, b: f64) -> (String, String) {
    let (sa, sb) = (num(a), num(b));
    if sa != sb || !a.is_finite() || !b.is_finite() {
        return (sa, sb);
    }
    (7..=17).map(|p| (format!("{a:.p$e}"), format!("{b:.p$e}"))).find(|(x, y)| x != y).unwrap_or((sa, sb))
}

fn shape_str(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(", "))
}

/// Flat index → `[i, j, …]` in `shape`.
fn index_str(mut i: usize, shape: &[usize]) -> String {
    if shape.is_empty() {
        return "the value".into();
    }
    let mut idx = vec![0; shape.len()];
    for (k, &d) in shape.iter().enumerate().rev() {
        idx[k] = i % d.max(1);
        i /= d.max(1);
    }
    shape_str(&idx)
}

/// At most 4 rows of at most 6 values, the last axis as rows.
fn preview(values: &[f64], shape: &[usize]) -> String {
    let cols = shape.last().copied().unwrap_or(1).max(1);
    if shape.len() <= 1 {
        return row(values);
    }
    let rows: Vec<String> = values.chunks(cols).take(4).map(row).collect();
    let more = values.len().div_ceil(cols).saturating_sub(4);
    let tail = if more > 0 { format!(", … {more} more row(s)") } else { String::new() };
    format!("[{}{tail}]", rows.join(", "))
}

fn row(values: &[f64]) -> String {
    let shown: Vec<String> = values.iter().take(6).map(|&v| num(v)).collect();
    let more = if values.len() > 6 { format!(", … ({} values)", values.len()) } else { String::new() };
    format!("[{}{more}]", shown.join(", "))
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}
