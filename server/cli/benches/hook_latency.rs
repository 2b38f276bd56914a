//! How long one `aigis record` takes, as an agent's hook pays it: the whole process, on a file
//! whose ledger already holds regions. Baseline in the same run: `aigis --version` (process start).

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

fn main() {
    let src: String = (1..=2000)
        .map(|i| format!("fn f{i}() {{ body({i}); }}\n"))
        .collect();
    let fx = Fixture::new(&[("src/lib.rs", &src)]);
    let runs = 100;
    let mut record = Vec::new();
    let mut baseline = Vec::new();
    for k in 0..runs {
        // A Claude Code Edit with its structuredPatch, one new region each time.
        let line = 1 + k * 15;
        let p = json!({ "session_id": "bench", "cwd": fx.root(), "hook_event_name": "PostToolUse", "tool_name": "Edit",
            "tool_input": { "file_path": fx.path("src/lib.rs"), "old_string": "x", "new_string": "y" },
            "tool_response": { "structuredPatch": [ { "oldStart": line, "oldLines": 1, "newStart": line, "newLines": 1,
                "lines": [format!("+fn f{line}() {{ body({line}); }}")] } ] } })
        .to_string();
        let t = Instant::now();
        let mut child = Command::new(BIN)
            .args(["record", "--agent", "claude-code"])
            .current_dir(fx.root())
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(p.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success());
        record.push(t.elapsed());
        let t = Instant::now();
        Command::new(BIN)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .unwrap();
        baseline.push(t.elapsed());
    }
    println!("aigis record (claude-code Edit, 2,000-line file, ledger growing to {runs} regions): p50 {:.2} ms, p99 {:.2} ms", pct(&mut record, 0.5), pct(&mut record, 0.99));
    println!(
        "baseline, process start (aigis --version): p50 {:.2} ms, p99 {:.2} ms",
        pct(&mut baseline, 0.5),
        pct(&mut baseline, 0.99)
    );
}
