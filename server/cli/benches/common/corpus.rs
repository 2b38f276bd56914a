//! The benchmarks' corpus: `AIGIS_BENCH_CORPUS`, else the crates under `$CARGO_HOME/registry/src`.
#![allow(dead_code)] // each benchmark uses part of it

use std::path::{Path, PathBuf};

pub fn corpus() -> PathBuf {
    if let Ok(p) = std::env::var("AIGIS_BENCH_CORPUS") {
        return PathBuf::from(p);
    }
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo")
        });
    home.join("registry").join("src")
}

/// Every `.rs` file under `root` that `.gitignore` does not exclude, sorted.
pub fn rust_files(root: &Path) -> Vec<PathBuf> {
    files_where(root, |p| p.extension().is_some_and(|x| x == "rs"))
}

/// Every file under `root` in a language aigis analyses (Rust, Python...), sorted.
pub fn source_files(root: &Path) -> Vec<PathBuf> {
    files_where(root, |p| aigis_core::language::for_path(p).is_some())
}

fn files_where(root: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .require_git(false)
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()) && keep(e.path()))
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}

/// The floor every whole-workspace analysis stands on: reading and tree-sitter-parsing `files`
/// (each with its language's grammar) in parallel (all cores), once. Files over the analysis
/// size limit are skipped, as aigis does.
pub fn read_and_parse(files: &[PathBuf]) -> std::time::Duration {
    use rayon::prelude::*;
    let t = std::time::Instant::now();
    let n: usize = files
        .par_iter()
        .map_init(aigis_core::parse::Parser::new, |p, f| {
            let Ok(text) = std::fs::read_to_string(f) else {
                return 0;
            };
            if text.len() > aigis_core::document::MAX_ANALYSED_BYTES {
                return 0;
            }
            let Some(lang) = aigis_core::language::for_path(f) else {
                return 0;
            };
            p.parse(lang, &text, None)
                .map_or(0, |t| t.root_node().child_count() as usize)
        })
        .sum();
    std::hint::black_box(n);
    t.elapsed()
}
