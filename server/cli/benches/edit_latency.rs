//! Latency from `didChange` to the server's answer for that version, on a 5,000-line file with
//! an AI region holding risky calls, over the real binary's stdio: the `publishDiagnostics` of
//! it, or, when the set is the one the editor already has (not sent again), the
//! `aigis/analyzed` notice that says so; the answers that sent a set are counted and timed
//! apart. Prints p50/p99, with the latency of a request that does no analysis (`aigis/regions`
//! on a closed file) as the baseline of the transport in the same run.

#[path = "../../../tests/common/mod.rs"]
mod common;
#[path = "common/corpus.rs"]
mod corpus;

use std::time::{Duration, Instant};

use aigis_core::document::{Document, LineCol, PositionEncoding, Reparsed, KEYSTROKE_PARSE_STEPS};
use common::*;
use serde_json::json;

fn lc(line: u32, character: u32) -> LineCol {
    LineCol { line, character }
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

fn main() {
    let mut src = String::from("use aws_sdk_ec2 as ec2;\nuse std::process::Command;\n\n");
    let mut i = 0;
    while src.lines().count() < 5000 {
        src += &format!(
            "pub async fn step{i}(client: &ec2::Client, ids: Vec<String>) -> usize {{\n    let mut total = 0;\n    for id in &ids {{\n        total += id.len() * {i};\n    }}\n    if total > 10 {{\n        client.stop_instances().set_instance_ids(Some(ids.clone())).send().await.ok();\n    }}\n    Command::new(\"kubectl\").args([\"get\", \"pods\"]).status().ok();\n    total\n}}\n\n"
        );
        i += 1;
    }
    // The same shape in Python: a boto3 client, a subprocess, on every function.
    let mut py =
        String::from("import subprocess\n\nimport boto3\n\nec2 = boto3.client(\"ec2\")\n\n");
    let mut i = 0;
    while py.lines().count() < 5000 {
        py += &format!(
            "def step{i}(ids):\n    total = 0\n    for instance_id in ids:\n        total += len(instance_id) * {i}\n    if total > 10:\n        ec2.stop_instances(InstanceIds=ids)\n    subprocess.run([\"kubectl\", \"get\", \"pods\"])\n    return total\n\n\n"
        );
        i += 1;
    }
    // And in TypeScript: an AWS SDK v3 command and a child process on every function.
    let mut ts = String::from("import { EC2Client, StopInstancesCommand } from \"@aws-sdk/client-ec2\";\nimport { execFileSync } from \"node:child_process\";\n\nconst ec2 = new EC2Client({});\n\n");
    let mut i = 0;
    while ts.lines().count() < 5000 {
        ts += &format!(
            "export async function step{i}(ids: string[]): Promise<number> {{\n  let total = 0;\n  for (const id of ids) {{\n    total += id.length * {i};\n  }}\n  if (total > 10) {{\n    await ec2.send(new StopInstancesCommand({{ InstanceIds: ids }}));\n  }}\n  execFileSync(\"kubectl\", [\"get\", \"pods\"]);\n  return total;\n}}\n\n"
        );
        i += 1;
    }
    // As `cc`'s lib.rs: 84 functions, then the rest of them as methods of one
    // 4,000-line `impl` (every keystroke in its second quarter is in an item larger than a
    // keystroke's analysis).
    let one_impl = src.replacen(
        "\npub async fn step84(",
        "\npub struct Steps;\n\nimpl Steps {\npub async fn step84(",
        1,
    ) + "}\n";
    // `AIGIS_BENCH_ONLY=python` (rust, rust-impl, typescript, indexing) runs one part.
    let only = std::env::var("AIGIS_BENCH_ONLY").unwrap_or_default();
    let run = |part: &str| only.is_empty() || only == part;
    for (part, name, file, text, regions) in [
        ("rust", "Rust", "src/big.rs", &src, &[false, true][..]),
        (
            "rust-impl",
            "Rust, one impl",
            "src/big.rs",
            &one_impl,
            &[true][..],
        ),
        ("python", "Python", "app/big.py", &py, &[false, true][..]),
        (
            "typescript",
            "TypeScript",
            "src/big.ts",
            &ts,
            &[false, true][..],
        ),
    ] {
        if run(part) {
            // The AI wrote the middle third; then the whole file (a 5,000-line region).
            for &whole in regions {
                println!("== {name}");
                // In the `impl`, valid typing is spread too: a space at the start of lines
                // all over it (each keystroke in the one item too large to analyse at once).
                typing(file, text, whole, part == "rust-impl");
            }
        }
    }
    if run("indexing") {
        while_indexing(&src);
    }
}

/// Typing in the middle of an AI region of a 5,000-line file: latency from `didChange` to the
/// diagnostics of that version, with and without syntax errors on the way.
fn typing(file: &str, src: &str, whole: bool, spread_valid: bool) {
    let lines = src.lines().count() as u32;
    let fx = Fixture::new(&[(file, src)]);
    let uri = fx.uri(file);
    // Default settings (the burst heuristic on: a typed character is no burst).
    let mut c = Client::start_with(&fx.root(), json!({}), json!({}));
    c.open(&uri, src);
    let region = if whole {
        (0, lines)
    } else {
        (lines / 3, 2 * lines / 3)
    };
    c.notify("aigis/markAiEdit", json!({ "textDocument": { "uri": uri }, "range": range(region.0, 0, region.1, 0), "tool": "bench" }));
    // The diagnostics of the region (a publish for the open may come first, still empty).
    let first = c.diagnostics_until(&uri, |d| !d.is_empty());
    assert!(!first.is_empty());

    let edits = 300;
    let mut latency = Vec::with_capacity(edits);
    let mut latency_sent = Vec::new();
    let mut baseline = Vec::with_capacity(edits);
    let line = lines / 2;
    // The valid edit number `k`: an `x` in the middle of a word on one line, or (spread) a
    // space at the start of a line of the region's second quarter.
    let valid_edit = |k: usize| -> ((u32, u32, u32, u32), &'static str) {
        if spread_valid {
            let l = region.0
                + (region.1 - region.0) / 4
                + (k as u32 * 37) % ((region.1 - region.0) / 4);
            ((l, 0, l, 0), " ")
        } else {
            ((line, 4, line, 4), "x")
        }
    };
    for k in 0..edits {
        let version = k as i32 + 2;
        let (r, text) = valid_edit(k);
        let t = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "range": range(r.0, r.1, r.2, r.3), "text": text }] }),
        );
        let sent = c.analyzed(&uri, version);
        let took = t.elapsed();
        latency.push(took);
        if sent {
            latency_sent.push(took);
        }
        // What was received is dropped once the time is taken (older answers' notices too).
        c.take_published(&uri, i64::from(version) - 1);
        let t = Instant::now();
        let _ = c.request(
            "aigis/regions",
            json!({ "textDocument": { "uri": "file:///not-open.rs" } }),
        );
        baseline.push(t.elapsed());
    }
    // Typing through syntax errors: a character typed at the start of lines spread over the
    // region (`xlet`, `}x`, `x    if total > 10:`), then deleted again, as a person types and
    // corrects. A keystroke whose parse goes over its budget (error recovery that runs through
    // the rest of the file) is answered at once with the last findings moved with the edit, and
    // again when the parse owed has run in the background: the bench keeps its own copy of the
    // document, parsed the same way, to know which edits those are, and times both answers
    // (an analysis larger than a keystroke's budget may still follow the second one).
    // The copy goes through the same edits, parsed the same way: a tree's shape (and so what a
    // parse of it costs) depends on its history.
    let lang = aigis_core::language::for_path(std::path::Path::new(file));
    let mut mirror = Document::new(src, 0, PositionEncoding::Utf16, lang);
    let mirror_edit = |mirror: &mut Document, r: (u32, u32, u32, u32), text: &str| {
        mirror.apply_change(Some((lc(r.0, r.1), lc(r.2, r.3))), text);
        let deferred = matches!(
            mirror.reparse_bounded(KEYSTROKE_PARSE_STEPS),
            Reparsed::Deferred
        );
        while mirror.is_stale() {
            let job = mirror.parse_job().unwrap();
            mirror.install(job.run(), KEYSTROKE_PARSE_STEPS);
        }
        deferred
    };
    let mut deferred_edits = 0;
    let valid_deferred: usize = (0..edits)
        .map(|k| {
            let (r, text) = valid_edit(k);
            mirror_edit(&mut mirror, r, text) as usize
        })
        .sum();
    let mut broken = Vec::with_capacity(edits);
    let mut broken_sent = Vec::new();
    let mut settled = Vec::new();
    let mut answered_deferred = Vec::new();
    let mut version = edits as i32 + 2;
    for k in 0..edits / 2 {
        let l = region.0 + ((k as u32 * 37) % (region.1 - region.0));
        for (r, text) in [((l, 0, l, 0), "x"), ((l, 0, l, 1), "")] {
            version += 1;
            let deferred = mirror_edit(&mut mirror, r, text);
            // The copy's old trees are freed on a thread of the bench's own: before the
            // keystroke is timed, not while (they took a core from the server for milliseconds
            // at a time on a 2-core machine: whole-file Python p99 +1.3-2.2 ms).
            aigis_core::parse::wait_retired();
            deferred_edits += deferred as usize;
            let t = Instant::now();
            c.notify(
                "textDocument/didChange",
                json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "range": range(r.0, r.1, r.2, r.3), "text": text }] }),
            );
            let sent = c.analyzed(&uri, version);
            let took = t.elapsed();
            broken.push(took);
            if sent {
                broken_sent.push(took);
            }
            if deferred {
                answered_deferred.push(took);
                c.analyzed(&uri, version);
            }
            settled.push(t.elapsed());
            c.take_published(&uri, i64::from(version));
        }
    }
    println!(
        "file: {lines} lines, {:.0} KB, AI region of {} lines ({} diagnostics, {:.0} KB published a keystroke); {edits} single-character edits inside it",
        src.len() as f64 / 1e3,
        region.1 - region.0,
        first.len(),
        serde_json::to_string(&first).map_or(0, |s| s.len()) as f64 / 1e3
    );
    println!(
        "typing through syntax errors at line starts spread over the region: answered p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; after the background parse p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({deferred_edits} of {} parsed in the background)",
        pct(&mut broken, 0.5),
        pct(&mut broken, 0.99),
        pct(&mut broken, 1.0),
        pct(&mut settled, 0.5),
        pct(&mut settled, 0.99),
        pct(&mut settled, 1.0),
        settled.len()
    );
    if !answered_deferred.is_empty() {
        println!(
            "  of which parsed in the background: answered p50 {:.2} ms, p99 {:.2} ms",
            pct(&mut answered_deferred, 0.5),
            pct(&mut answered_deferred, 0.99)
        );
    }
    sent_line(&mut broken_sent, broken.len());
    println!(
        "typing that keeps the code valid ({}): answered p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({valid_deferred} of {edits} parsed in the background)",
        if spread_valid { "a space at line starts spread over the region" } else { "on one line" },
        pct(&mut latency, 0.5),
        pct(&mut latency, 0.99),
        pct(&mut latency, 1.0)
    );
    sent_line(&mut latency_sent, latency.len());
    println!(
        "transport baseline (a request with no analysis): p50 {:.2} ms, p99 {:.2} ms",
        pct(&mut baseline, 0.5),
        pct(&mut baseline, 0.99)
    );
    c.shutdown();
}

/// The answers that carried a new set of diagnostics (the others said it was the same as the
/// last one, which the editor already shows).
fn sent_line(sent: &mut [Duration], of: usize) {
    if sent.is_empty() {
        println!("  no answer sent a new set of diagnostics (of {of})");
    } else {
        println!(
            "  {} of {of} sent a new set of diagnostics: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            sent.len(),
            pct(sent, 0.5),
            pct(sent, 0.99),
            pct(sent, 1.0)
        );
    }
}

/// Typing while the server builds its index of a large workspace (the big file plus 3,000 files
/// of the corpus): edits must not wait for indexing (it runs on every core at a lower priority).
fn while_indexing(src: &str) {
    let files = corpus::rust_files(&corpus::corpus());
    let fx = Fixture::new(&[("src/big.rs", src)]);
    let mut copied = 0;
    for (i, f) in files.iter().take(3000).enumerate() {
        if std::fs::copy(f, fx.path(&format!("crates/c{i}.rs"))).is_ok() || {
            std::fs::create_dir_all(fx.path("crates")).ok();
            std::fs::copy(f, fx.path(&format!("crates/c{i}.rs"))).is_ok()
        } {
            copied += 1;
        }
    }
    let uri = fx.uri("src/big.rs");
    let mut c = Client::start_with(
        &fx.root(),
        json!({ "window": { "workDoneProgress": true } }),
        json!({}),
    );
    let lines = src.lines().count() as u32;
    c.open(&uri, src);
    c.notify("aigis/markAiEdit", json!({ "textDocument": { "uri": uri }, "range": range(lines / 3, 0, 2 * lines / 3, 0), "tool": "bench" }));
    c.diagnostics(&uri);
    let mut during = Vec::new();
    let mut version = 1;
    let started = Instant::now();
    let indexing_done = |c: &mut Client| {
        c.pending_count(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end")
            > 0
    };
    while !indexing_done(&mut c) && started.elapsed() < Duration::from_secs(120) {
        version += 1;
        let l = lines / 3 + (version as u32 * 37) % (lines / 3);
        let t = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "range": range(l, 4, l, 4), "text": "x" }] }),
        );
        c.analyzed(&uri, version);
        during.push(t.elapsed());
        c.take_published(&uri, i64::from(version) - 1);
    }
    let n = during.len();
    if n == 0 {
        println!("while indexing: the index of {copied} files finished before the first edit");
    } else {
        println!(
            "while indexing {copied} more files ({:.1} s): {n} edits, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            started.elapsed().as_secs_f64(),
            pct(&mut during, 0.5),
            pct(&mut during, 0.99),
            pct(&mut during, 1.0)
        );
    }
    c.shutdown();
}
