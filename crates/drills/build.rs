//! Embeds `content/drills/` in the binary: every file under it becomes one
//! `(relative path, include_str!(…))` entry of `DRILL_FILES`, so `dojo` needs nothing beside it.
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/drills");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut out = String::from("/// Every file under `content/drills/`: (path relative to it, contents).\n");
    out.push_str("pub(crate) const DRILL_FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        let rel = f.strip_prefix(&root).expect("under root").to_string_lossy().replace('\\', "/");
        out.push_str(&format!("    ({rel:?}, include_str!({:?})),\n", f.display().to_string()));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("drill_files.rs");
    std::fs::write(dest, out).expect("write drill_files.rs");
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, files);
        } else if p.extension().is_some_and(|x| x == "rs" || x == "toml") {
            println!("cargo:rerun-if-changed={}", p.display());
            files.push(p);
        }
    }
}
