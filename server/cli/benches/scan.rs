//! `aigis scan --all` against the floor: reading and tree-sitter-parsing the same files with the
//! same number of threads, in the same run.
//!
//! Corpus: `AIGIS_BENCH_CORPUS` (a folder), else the crates under `$CARGO_HOME/registry/src`
//! (filled by `cargo fetch`). Prints files, MB, times, and ratios.

use std::process::Command;
use std::time::{Duration, Instant};

use rayon::prelude::*;

#[path = "common/corpus.rs"]
mod corpus;
use corpus::{corpus, read_and_parse, source_files};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let root = corpus();
    let files = source_files(&root);
    if files.is_empty() {
        eprintln!(
            "no source files under {}: run `cargo fetch` or set AIGIS_BENCH_CORPUS",
            root.display()
        );
        std::process::exit(2);
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runs = 5;
    // Skip files the scan would skip (over 8 MB, binary, not UTF-8) so both sides see the same set.
    type Lang = &'static aigis_core::language::Language;
    let texts: Vec<(Lang, String)> = files
        .par_iter()
        .filter_map(|p| Some((aigis_core::language::for_path(p)?, std::fs::read(p).ok()?)))
        .filter(|(_, b)| {
            b.len() as u64 <= aigis_core::scan::MAX_FILE_BYTES
                && !b.iter().take(8192).any(|c| *c == 0)
        })
        .filter_map(|(l, b)| Some((l, String::from_utf8(b).ok()?)))
        .collect();
    let mut by_lang: std::collections::BTreeMap<&str, usize> = Default::default();
    for (l, _) in &texts {
        *by_lang.entry(l.name).or_default() += 1;
    }
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    println!(
        "corpus: {} ({} files: {:?}, {:.1} MB, {threads} threads, median of {runs} runs)",
        root.display(),
        texts.len(),
        by_lang,
        bytes as f64 / 1e6
    );

    let floor = median((0..runs).map(|_| read_and_parse(&files)).collect());

    let triggered = texts
        .iter()
        .filter(|(l, t)| aigis_core::analysis::may_have_findings(l, t))
        .count();
    let bin = env!("CARGO_BIN_EXE_aigis");
    let out = std::env::temp_dir().join(format!("aigis-bench-{}.json", std::process::id()));
    let mut scan = Vec::new();
    let mut findings = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let status = Command::new(bin)
            .args([
                "scan",
                "--all",
                "--fail-on",
                "never",
                "--format",
                "json",
                "--output",
            ])
            .arg(&out)
            .arg(&root)
            .status()
            .expect("run aigis scan");
        scan.push(t.elapsed());
        assert!(status.success(), "aigis scan failed: {status}");
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        findings = report["findings"].as_array().map_or(0, |f| f.len());
    }
    let _ = std::fs::remove_file(&out);
    let scan = median(scan);
    println!(
        "read + tree-sitter parse (floor): {:>8.1} ms",
        floor.as_secs_f64() * 1e3
    );
    println!(
        "aigis scan --all (process):      {:>8.1} ms  ratio {:.2}x the floor",
        scan.as_secs_f64() * 1e3,
        scan.as_secs_f64() / floor.as_secs_f64()
    );
    println!("files parsed by the scan: {triggered} of {} (the rest hold no trigger word of any rule); findings: {findings}", texts.len());

    // The analysis itself, on the files that have trigger words: parse alone vs parse + analysis.
    let hot: Vec<&(Lang, String)> = texts
        .iter()
        .filter(|(l, t)| aigis_core::analysis::may_have_findings(l, t))
        .collect();
    let run = |analyse: bool| {
        let t = Instant::now();
        let n: usize = hot
            .par_iter()
            .map_init(aigis_core::parse::Parser::new, |parser, (lang, text)| {
                let tree = parser.parse(lang, text.as_str(), None).unwrap();
                if analyse {
                    aigis_core::analysis::analyze(lang, &tree, text, None).len()
                } else {
                    tree.root_node().child_count() as usize
                }
            })
            .sum();
        std::hint::black_box(n);
        t.elapsed()
    };
    let parse_hot = median((0..runs).map(|_| run(false)).collect());
    let analyse_hot = median((0..runs).map(|_| run(true)).collect());
    println!(
        "on those {} files, in memory: parse {:.1} ms, parse + analysis {:.1} ms, ratio {:.2}x",
        hot.len(),
        parse_hot.as_secs_f64() * 1e3,
        analyse_hot.as_secs_f64() * 1e3,
        analyse_hot.as_secs_f64() / parse_hot.as_secs_f64()
    );
}
