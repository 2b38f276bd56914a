//! The benchmarks' corpus: `AIGIS_BENCH_CORPUS`, else the crates under `$CARGO_HOME/registry/src`.

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
    let mut out: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .require_git(false)
        .build()
        .flatten()
        .filter(|e| {
            e.file_type().is_some_and(|t| t.is_file())
                && e.path().extension().is_some_and(|x| x == "rs")
        })
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}
