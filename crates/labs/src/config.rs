//! Resolving a lab's configuration: a preset, then a TOML file, then `--set` overrides, then
//! `--seed`.
//!
//! Every lab config is a plain serde struct whose `tiny` preset names every key. Resolution works
//! on its TOML form, so one mechanism serves every lab:
//! 1) start from the preset (`tiny` or `full`), serialized to a table;
//! 2) overlay a TOML file if given: only keys the preset has, with values of the same kind;
//!    errors name the file and line;
//! 3) apply each `--set key=value` (dotted keys reach nested tables; the value is TOML, and a
//!    bare word is taken as a string); an unknown key lists the valid ones;
//! 4) `--seed N` is `--set seed=N`;
//! 5) deserialize into the lab's struct and run its `validate`.

use std::fmt;
use std::path::Path;
use toml::{Table, Value};

/// Why a configuration could not be resolved. Each message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--config NAME` named no preset and no file.
    #[error("unknown preset {name:?}: use one of {known:?}, or a path to a TOML file")]
    UnknownPreset {
        /// What was asked for.
        name: String,
        /// The presets the lab has.
        known: Vec<String>,
    },
    /// The config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The config file is not valid TOML; the message names the line.
    #[error("config file {path} is not valid TOML: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A key the lab does not have.
    #[error("unknown config key {key:?} ({origin}); valid keys: {}", .valid.join(", "))]
    UnknownKey {
        /// The dotted key.
        key: String,
        /// Where it came from: `--set` or `FILE:LINE`.
        origin: String,
        /// Every valid dotted key.
        valid: Vec<String>,
    },
    /// A value of the wrong kind, or a malformed `--set`.
    #[error("bad value for {key:?} ({origin}): {message}")]
    BadValue {
        /// The dotted key.
        key: String,
        /// Where it came from.
        origin: String,
        /// What was wrong.
        message: String,
    },
    /// The resolved config breaks one of the lab's rules.
    #[error("invalid config: {0}")]
    Invalid(String),
}

/// Where the starting point of a configuration comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A named preset: `tiny` (the default, seconds on a laptop) or `full`.
    Preset(&'a str),
    /// A TOML file overlaid on the `tiny` preset.
    File(&'a Path),
}

impl<'a> Source<'a> {
    /// Reads a `--config` argument: a preset name when the lab has it, otherwise a file path.
    pub fn parse(arg: &'a str, presets: &[&str]) -> Self {
        if presets.contains(&arg) {
            Source::Preset(arg)
        } else {
            Source::File(Path::new(arg))
        }
    }
}

/// The overrides given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `key=value` strings, applied in order.
    pub sets: Vec<String>,
    /// `--seed N`.
    pub seed: Option<u64>,
}

/// Overlays `file`, then `overrides`, onto `base` (steps 2–4 of the module doc).
pub fn resolve(mut base: Table, file: Option<&Path>, overrides: &Overrides) -> Result<Table, ConfigError> {
    let valid = leaf_keys(&base);
    if let Some(path) = file {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: shown.clone(), source })?;
        let table: Table = text.parse().map_err(|e: toml::de::Error| ConfigError::Parse {
            path: shown.clone(),
            message: e.to_string().trim().to_string(),
        })?;
        for (key, value) in flatten(&table) {
            let origin = match line_of(&text, &key) {
                Some(n) => format!("{shown}:{n}"),
                None => shown.clone(),
            };
            set(&mut base, &key, value, &origin, &valid)?;
        }
    }
    for s in &overrides.sets {
        let Some((key, raw)) = s.split_once('=') else {
            return Err(ConfigError::BadValue {
                key: s.clone(),
                origin: "--set".into(),
                message: "expected key=value, e.g. --set repeats=5".into(),
            });
        };
        set(&mut base, key.trim(), parse_value(raw.trim()), "--set", &valid)?;
    }
    if let Some(seed) = overrides.seed {
        set(&mut base, "seed", Value::Integer(seed as i64), "--seed", &valid)?;
    }
    Ok(base)
}

/// A command-line value read as TOML (`5`, `0.1`, `true`, `[128, 256]`, `"x"`); anything that is
/// not TOML is taken as a bare string, so `--set name=foo` works without quotes.
fn parse_value(raw: &str) -> Value {
    format!("v = {raw}")
        .parse::<Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| Value::String(raw.to_string()))
}

/// Sets dotted `key` in `table`, which must already hold a value of the same kind there.
fn set(table: &mut Table, key: &str, value: Value, origin: &str, valid: &[String]) -> Result<(), ConfigError> {
    let unknown = || ConfigError::UnknownKey { key: key.into(), origin: origin.into(), valid: valid.to_vec() };
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().ok_or_else(unknown)?;
    let mut t = table;
    for p in parts {
        t = t.get_mut(p).and_then(Value::as_table_mut).ok_or_else(unknown)?;
    }
    let slot = t.get_mut(last).ok_or_else(unknown)?;
    if slot.is_table() {
        return Err(unknown());
    }
    *slot = coerce(slot, value).map_err(|message| ConfigError::BadValue {
        key: key.into(),
        origin: origin.into(),
        message,
    })?;
    Ok(())
}

/// Accepts `new` where `old` is, if they are the same kind; an integer may stand for a float.
fn coerce(old: &Value, new: Value) -> Result<Value, String> {
    match (old, new) {
        (Value::Float(_), Value::Integer(i)) => Ok(Value::Float(i as f64)),
        (o, n) if o.type_str() == n.type_str() => Ok(n),
        (o, n) => Err(format!("expected {} like {}, got {} {}", article(o.type_str()), o, n.type_str(), n)),
    }
}

fn article(kind: &str) -> String {
    match kind {
        "integer" | "array" => format!("an {kind}"),
        k => format!("a {k}"),
    }
}

/// Every dotted key that holds a value (not a table), sorted.
pub fn leaf_keys(table: &Table) -> Vec<String> {
    let mut keys: Vec<String> = flatten(table).into_iter().map(|(k, _)| k).collect();
    keys.sort();
    keys
}

/// (dotted key, value) for every non-table value.
fn flatten(table: &Table) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, v) in table {
        match v {
            Value::Table(inner) => out.extend(flatten(inner).into_iter().map(|(ik, iv)| (format!("{k}.{ik}"), iv))),
            v => out.push((k.clone(), v.clone())),
        }
    }
    out
}

/// The 1-based line in `text` where the last segment of `key` is assigned, if it can be found.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let name = key.rsplit('.').next()?;
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(name).is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

impl fmt::Display for Source<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Preset(p) => write!(f, "preset {p}"),
            Source::File(p) => write!(f, "file {}", p.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Table {
        r#"
seed = 0
repeats = 3
rate = 0.5
name = "naive"
lengths = [128, 256]
[model]
width = 64
"#
        .parse()
        .unwrap()
    }

    fn sets(s: &[&str]) -> Overrides {
        Overrides { sets: s.iter().map(|x| x.to_string()).collect(), seed: None }
    }

    #[test]
    fn set_overrides_values_including_nested_and_arrays() {
        let t =
            resolve(base(), None, &sets(&["repeats=5", "model.width=32", "lengths=[1, 2, 3]", "name=flash"])).unwrap();
        assert_eq!(t["repeats"].as_integer(), Some(5));
        assert_eq!(t["model"]["width"].as_integer(), Some(32));
        assert_eq!(t["lengths"].as_array().unwrap().len(), 3);
        assert_eq!(t["name"].as_str(), Some("flash"));
    }

    #[test]
    fn integer_is_accepted_for_a_float_but_not_the_reverse() {
        let t = resolve(base(), None, &sets(&["rate=1"])).unwrap();
        assert_eq!(t["rate"].as_float(), Some(1.0));
        let e = resolve(base(), None, &sets(&["repeats=2.5"])).unwrap_err().to_string();
        assert!(e.contains("\"repeats\"") && e.contains("expected an integer like 3, got float 2.5"), "{e}");
    }

    #[test]
    fn unknown_key_lists_the_valid_keys() {
        let e = resolve(base(), None, &sets(&["repeat=5"])).unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown config key \"repeat\" (--set); valid keys: lengths, model.width, name, rate, repeats, seed"
        );
        // A table is not a settable leaf.
        assert!(matches!(resolve(base(), None, &sets(&["model=1"])), Err(ConfigError::UnknownKey { .. })));
    }

    #[test]
    fn malformed_set_says_the_expected_form() {
        let e = resolve(base(), None, &sets(&["repeats"])).unwrap_err().to_string();
        assert!(e.contains("expected key=value"), "{e}");
    }

    #[test]
    fn seed_flag_sets_the_seed() {
        let o = Overrides { sets: vec![], seed: Some(42) };
        assert_eq!(resolve(base(), None, &o).unwrap()["seed"].as_integer(), Some(42));
    }

    #[test]
    fn file_overlays_the_preset_and_errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.toml");
        std::fs::write(&good, "repeats = 7\n[model]\nwidth = 16\n").unwrap();
        let t = resolve(base(), Some(&good), &sets(&["repeats=9"])).unwrap();
        assert_eq!(t["repeats"].as_integer(), Some(9), "--set applies after the file");
        assert_eq!(t["model"]["width"].as_integer(), Some(16));
        assert_eq!(t["rate"].as_float(), Some(0.5), "keys the file omits keep the preset's value");

        let unknown = dir.path().join("unknown.toml");
        std::fs::write(&unknown, "repeats = 7\n\nwidht = 16\n").unwrap();
        let e = resolve(base(), Some(&unknown), &Overrides::default()).unwrap_err().to_string();
        assert!(e.contains("\"widht\"") && e.contains("unknown.toml:3"), "{e}");

        let malformed = dir.path().join("bad.toml");
        std::fs::write(&malformed, "repeats = 7\nrate = = 2\n").unwrap();
        let e = resolve(base(), Some(&malformed), &Overrides::default()).unwrap_err().to_string();
        assert!(e.contains("bad.toml") && e.contains("line 2"), "{e}");

        let wrong_kind = dir.path().join("kind.toml");
        std::fs::write(&wrong_kind, "repeats = \"many\"\n").unwrap();
        let e = resolve(base(), Some(&wrong_kind), &Overrides::default()).unwrap_err().to_string();
        assert!(e.contains("kind.toml:1") && e.contains("expected an integer"), "{e}");

        let missing = dir.path().join("missing.toml");
        let e = resolve(base(), Some(&missing), &Overrides::default()).unwrap_err().to_string();
        assert!(e.contains("cannot read config file") && e.contains("missing.toml"), "{e}");
    }
}
