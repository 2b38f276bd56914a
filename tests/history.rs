//! Attribution from committed history, and regions that survive edits outside the editor.

mod common;

use common::*;
use serde_json::{json, Value};

fn commit(fx: &Fixture, message: &str) -> String {
    fx.git(&["add", "-A"]);
    fx.git(&["commit", "-q", "-m", message]);
    fx.git(&["rev-parse", "HEAD"]).trim().to_string()
}

fn blame(fx: &Fixture, file: &str) -> Vec<Value> {
    let (code, out, err) = fx.aigis(&["blame", file, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    v["lines"].as_array().unwrap().clone()
}

fn source_of(line: &Value) -> String {
    if line["ai"] == true {
        format!(
            "{}:{}",
            line["source"].as_str().unwrap(),
            line["tool"].as_str().unwrap()
        )
    } else {
        "human".into()
    }
}

/// A repository where a human, Claude (by trailer), a git-ai note and an Agent Trace record each
/// wrote lines of one file, and a later human commit rewrote one of Claude's lines.
fn repo() -> Fixture {
    let fx = Fixture::new(&[("src/a.rs", "fn h1() {}\nfn h2() {}\n")]);
    commit(&fx, "human start");
    fx.write(
        "src/a.rs",
        "fn h1() {}\nfn h2() {}\nfn c1() {}\nfn c2() {}\nfn c3() {}\n",
    );
    commit(
        &fx,
        "add c fns\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    );
    fx.write(
        "src/a.rs",
        "fn h1() {}\nfn h2() {}\nfn c1() {}\nfn c2() {}\nfn c3() {}\nfn g1() {}\nfn g2() {}\n",
    );
    let note_commit = commit(&fx, "more");
    let note = "src/a.rs\n  s_0123456789abcd::t_00000000000001 6-7\n---\n{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\"sessions\":{\"s_0123456789abcd\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"conv-1\",\"model\":\"gpt-5\"}}}}\n";
    fx.git(&["notes", "--ref=ai", "add", "-m", note, &note_commit]);
    // Agent Trace: lines 8-9 written on top of `note_commit`, then committed.
    fx.write("src/a.rs", "fn h1() {}\nfn h2() {}\nfn c1() {}\nfn c2() {}\nfn c3() {}\nfn g1() {}\nfn g2() {}\nfn t1() {}\nfn t2() {}\n");
    let trace = json!({ "version": "0.1.0", "id": "3f8e0c1a-0000-4000-8000-000000000001", "timestamp": "2026-11-27T10:00:00Z",
        "vcs": { "type": "git", "revision": note_commit }, "tool": { "name": "amp", "version": "1.0" },
        "files": [ { "path": "src/a.rs", "conversations": [ { "url": "file:///t.jsonl", "contributor": { "type": "ai", "model_id": "anthropic/claude-opus-4-5" },
            "ranges": [ { "start_line": 8, "end_line": 9 } ] } ] } ] });
    fx.write(".agent-trace/traces.jsonl", &format!("{trace}\n"));
    commit(&fx, "t fns");
    // A human rewrites one of Claude's lines.
    fx.write("src/a.rs", "fn h1() {}\nfn h2() {}\nfn c1() {}\nfn c2_by_hand() {}\nfn c3() {}\nfn g1() {}\nfn g2() {}\nfn t1() {}\nfn t2() {}\n");
    commit(&fx, "rename by hand");
    fx
}

#[test]
fn blame_reports_trailers_git_ai_notes_and_agent_trace_with_their_sources() {
    let fx = repo();
    let lines = blame(&fx, "src/a.rs");
    let got: Vec<String> = lines.iter().map(source_of).collect();
    assert_eq!(
        got,
        [
            "human",
            "human",
            "trailer:claude-code",
            "human",
            "trailer:claude-code",
            "git-ai:cursor",
            "git-ai:cursor",
            "agent-trace:amp",
            "agent-trace:amp",
        ]
    );
    assert_eq!(lines[2]["confidence"], "commit");
    assert_eq!(lines[5]["confidence"], "line");
    assert_eq!(lines[5]["model"], "gpt-5");
    assert_eq!(lines[5]["session"], "s_0123456789abcd");
    assert_eq!(lines[7]["model"], "anthropic/claude-opus-4-5");
    assert!(lines[3]["author"].as_str().unwrap().contains("Bob Builder"));
    assert_eq!(lines[3]["text"], "fn c2_by_hand() {}");
    // One line, as text.
    let (code, out, _) = fx.aigis(&["blame", "src/a.rs:6"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("AI     cursor/gpt-5 (git-ai, line) session s_0123456789abcd")
            && out.trim().lines().count() == 1,
        "{out}"
    );
    let (code, _, err) = fx.aigis(&["blame", "src/a.rs:99"]);
    assert_eq!(code, 2);
    assert!(err.contains("no line 99"), "{err}");
}

#[test]
fn history_regions_reach_the_editor_and_scan() {
    let fx = repo();
    let uri = fx.uri("src/a.rs");
    let text = fx.read("src/a.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, &text);
    let deadline = std::time::Instant::now() + *TIMEOUT;
    let regions = loop {
        let r = c.regions(&uri);
        if r.len() >= 4 || std::time::Instant::now() > deadline {
            break r;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let got: Vec<(String, u64, u64)> = regions
        .iter()
        .map(|r| {
            (
                r["source"].as_str().unwrap().to_string(),
                r["range"]["start"]["line"].as_u64().unwrap(),
                r["range"]["end"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("trailer".into(), 2, 3),
            ("trailer".into(), 4, 5),
            ("git-ai".into(), 5, 7),
            ("agent-trace".into(), 7, 9)
        ]
    );
    assert_eq!(regions[0]["confidence"], "commit");
    // scan sees the same regions.
    let (_, out, _) = fx.aigis(&["scan", "--format", "json", "--fail-on", "never"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let sources: Vec<&str> = report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["trailer", "trailer", "git-ai", "agent-trace"]);
}

#[test]
fn a_region_recorded_by_an_agent_appears_in_the_open_editor() {
    let src = "use std::fs;\nfn a() {}\nfn b() { fs::remove_dir_all(\"/srv\").unwrap(); }\n";
    let fx = Fixture::new(&[("src/a.rs", src)]);
    let uri = fx.uri("src/a.rs");
    let mut c = Client::start(&fx.root());
    assert!(c.open(&uri, src).is_empty());
    // An agent in a terminal records line 3.
    let (code, _, err) = fx.aigis(&["record", "--agent", "generic"]);
    assert_eq!(code, 2, "no payload: {err}");
    let payload = json!({ "tool": "claude-code", "cwd": fx.root(), "files": [ { "path": "src/a.rs", "lines": [[3, 3]] } ] });
    let mut child = std::process::Command::new(BIN)
        .args(["record", "--agent", "generic"])
        .current_dir(fx.root())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        payload.to_string().as_bytes(),
    )
    .unwrap();
    assert!(child.wait().unwrap().success());
    let start = std::time::Instant::now();
    let diags = c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri && !p["diagnostics"].as_array().unwrap().is_empty()
    });
    // The watch polls every 400 ms; the bound is loose so that a loaded machine does not
    // fail it, and tight enough that only the watch (not a reopen) can have delivered it.
    assert!(
        start.elapsed() < std::time::Duration::from_secs(15),
        "took {:?}",
        start.elapsed()
    );
    assert!(codes(diags["diagnostics"].as_array().unwrap())
        .contains(&"risky/rust.std.fs.remove-dir-all".into()));
    assert_eq!(c.regions(&uri)[0]["source"], "agent-hook");
}

#[test]
fn regions_follow_a_file_changed_on_disk_and_reloaded_by_the_editor() {
    let src = "fn a() {}\nfn ai() {\n    work();\n}\n";
    let fx = Fixture::new(&[("src/a.rs", src)]);
    let uri = fx.uri("src/a.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, src);
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": range(1, 0, 4, 0), "tool": "codex" }),
    );
    c.diagnostics(&uri);
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri } }),
    );
    c.diagnostics(&uri);
    // Another process inserts lines above the region; the editor reloads the whole text.
    let changed = format!("// header\n// more\n{src}");
    fx.write("src/a.rs", &changed);
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [ { "uri": uri, "type": 2 } ] }),
    );
    c.change(&uri, 2, json!([{ "text": changed }]));
    let r = &c.regions(&uri)[0];
    assert_eq!(r["range"], range(3, 0, 6, 0));
    assert_eq!(r["tool"], "codex");
    // On disk, without the editor: `aigis blame` finds it at its new place through the ledger.
    c.shutdown();
    let lines = blame(&fx, "src/a.rs");
    let ai: Vec<u64> = lines
        .iter()
        .filter(|l| l["ai"] == true)
        .map(|l| l["line"].as_u64().unwrap())
        .collect();
    assert_eq!(ai, [4, 5, 6]);
}

#[test]
fn saved_human_typing_is_known_human_and_history_never_claims_it() {
    let fx = Fixture::new(&[("src/a.rs", "fn a() {}\n")]);
    commit(&fx, "start");
    let uri = fx.uri("src/a.rs");
    let mut c = Client::start_with(
        &fx.root(),
        json!({}),
        json!({ "heuristic": { "enabled": false } }),
    );
    c.open(&uri, "fn a() {}\n");
    c.change(
        &uri,
        2,
        json!([{ "range": range(1, 0, 1, 0), "text": "fn typed() {}\n" }]),
    );
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri } }),
    );
    c.diagnostics(&uri);
    let log = fx.read(".aigis/regions/src/a.rs.jsonl");
    let snap: Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(snap["human"][0]["range"], json!([1, 0, 2, 0]), "{snap}");
    c.shutdown();
    // The commit carries an AI trailer, but the typed line stays human.
    fx.write("src/a.rs", "fn a() {}\nfn typed() {}\n");
    commit(&fx, "wip\n\nCo-authored-by: Copilot <copilot@github.com>");
    let got: Vec<String> = blame(&fx, "src/a.rs").iter().map(source_of).collect();
    assert_eq!(got, ["human", "human"]);
}
