//! `aigis scan --base` on a real code base in a git repository: time against the number of files
//! a change touches, with `git diff` of the same change as the baseline in the same run.
//!
//! Corpus: `AIGIS_BENCH_REPO` (a folder of Rust code), else the largest crate under
//! `$CARGO_HOME/registry/src`, copied into a fresh git repository.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn largest_crate() -> PathBuf {
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo")
        });
    let mut best = (0usize, PathBuf::new());
    for index in std::fs::read_dir(home.join("registry/src"))
        .into_iter()
        .flatten()
        .flatten()
    {
        for krate in std::fs::read_dir(index.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let n = ignore::Walk::new(krate.path())
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
                .count();
            if n > best.0 {
                best = (n, krate.path());
            }
        }
    }
    best.1
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "git {args:?}");
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut v: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let src = std::env::var("AIGIS_BENCH_REPO")
        .map(PathBuf::from)
        .unwrap_or_else(|_| largest_crate());
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    assert!(Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&repo)
        .status()
        .unwrap()
        .success());
    git(&repo, &["init", "-q"]);
    git(&repo, &["config", "user.name", "Bench"]);
    git(&repo, &["config", "user.email", "bench@example.com"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    let files: Vec<PathBuf> = ignore::Walk::new(&repo)
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| e.into_path())
        .collect();
    println!(
        "repository: {} ({} .rs files), median of 3 runs",
        src.display(),
        files.len()
    );
    let bin = env!("CARGO_BIN_EXE_aigis");
    let mut touched = 0;
    for n in [1usize, 10, 100, files.len().min(1000)] {
        // Touch n files (cumulative): an AI-written function at the end of each, recorded.
        while touched < n.min(files.len()) {
            let f = &files[touched];
            let mut text = std::fs::read_to_string(f).unwrap_or_default();
            let start = text.len();
            text += &format!("\npub fn ai_added_{touched}() -> usize {{\n    std::fs::remove_dir_all(\"/tmp/x\").ok();\n    {touched}\n}}\n");
            std::fs::write(f, &text).unwrap();
            let rel = f
                .strip_prefix(&repo)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let region = aigis_core::regions::Region {
                id: format!("r-bench-{touched}"),
                start: start + 1,
                end: text.len(),
                provenance: aigis_core::regions::Provenance {
                    tool: "bench".into(),
                    model: None,
                    session: None,
                },
                source: aigis_core::regions::Source::AgentHook,
                modified: false,
                created_at: String::new(),
            };
            aigis_core::ledger::Ledger::new(&repo)
                .write_snapshot(&rel, &text, &[region], &|_| None)
                .unwrap();
            touched += 1;
        }
        let scan = time(3, || {
            let out = Command::new(bin)
                .args([
                    "scan",
                    "--base",
                    "HEAD",
                    "--format",
                    "json",
                    "--fail-on",
                    "never",
                ])
                .current_dir(&repo)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        });
        let diff = time(3, || {
            Command::new("git")
                .args(["diff", "--unified=0", "HEAD"])
                .current_dir(&repo)
                .output()
                .unwrap();
        });
        println!(
            "{n:>5} files changed: aigis scan --base {:>8.1} ms   git diff {:>6.1} ms   ratio {:.1}x",
            scan.as_secs_f64() * 1e3,
            diff.as_secs_f64() * 1e3,
            scan.as_secs_f64() / diff.as_secs_f64()
        );
    }
}
