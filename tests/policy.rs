//! The guardrails that followed the outage, as policy, on scripted repositories with several
//! authors: author levels and senior sign-off, the two-person rule for critical operations,
//! protected paths, staged rollout (in ci_gate.rs) and incident attribution.

mod common;

use common::*;
use serde_json::{json, Value};

const TEAM: &str = r#"[team]
senior = ["alice@example.com", "@org/seniors"]
mid    = ["carol@example.com"]
junior = ["bob@example.com"]
default = "mid"
members = { "@org/seniors" = ["dave@example.com"] }

[policy]
senior_signoff = ["junior", "mid"]
critical_approvals = 2
"#;

const HARMLESS: &str = "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n";
const CRITICAL: &str = "use aws_sdk_ec2 as ec2;\n\npub async fn purge(c: &ec2::Client) {\n    c.terminate_instances().send().await.unwrap();\n}\n";

fn ci(fx: &Fixture, args: &[&str]) -> (i32, String, String) {
    fx.aigis_with(args, "", &[("CI", "true")])
}

/// main: the policy; `pr`: `author` (name, email) commits `text` in src/x.rs, written by an agent.
fn change_by(author: (&str, &str), text: &str, policy: &str) -> Fixture {
    let fx = Fixture::new(&[("aigis.toml", policy), ("src/keep.rs", "fn k() {}\n")]);
    fx.commit_as(("Alice", "alice@example.com"), "policy");
    fx.git(&["checkout", "-q", "-b", "pr"]);
    fx.write("src/x.rs", text);
    fx.set_identity(author.0, author.1);
    let lines = text.lines().count();
    let payload = json!({ "tool": "claude-code", "cwd": fx.root(), "files": [ { "path": "src/x.rs", "lines": [[1, lines]] } ] });
    let (code, _, err) =
        fx.aigis_with(&["record", "--agent", "generic"], &payload.to_string(), &[]);
    assert_eq!(code, 0, "{err}");
    fx.commit_as(author, "an agent's change");
    fx
}

fn approve_as(fx: &Fixture, who: (&str, &str), line: &str) -> (i32, String, String) {
    fx.set_identity(who.0, who.1);
    let out = fx.aigis(&["review", "approve", &format!("src/x.rs:{line}")]);
    if out.0 == 0 {
        fx.commit_as(who, "approve");
    }
    out
}

#[test]
fn a_juniors_harmless_ai_region_needs_a_senior() {
    let fx = change_by(("Bob", "bob@example.com"), HARMLESS, TEAM);
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tier senior  review required"), "{out}");
    let (_, json_out, _) = ci(&fx, &["scan", "--base", "main", "--format", "json"]);
    let report: Value = serde_json::from_str(&json_out).unwrap();
    let reasons = report["regions"][0]["risk"]["reasons"].to_string();
    assert!(
        reasons.contains("authored by a junior engineer (Bob <bob@example.com>)"),
        "{reasons}"
    );
    // A mid-level engineer cannot give the senior's sign-off; a senior can.
    let (code, _, err) = approve_as(&fx, ("Carol", "carol@example.com"), "2");
    assert_eq!(code, 1);
    assert!(err.contains("mid-level engineer"), "{err}");
    let (code, _, err) = approve_as(&fx, ("Alice", "alice@example.com"), "2");
    assert_eq!(code, 0, "{err}");
    assert_eq!(ci(&fx, &["scan", "--base", "main"]).0, 0);

    // A senior's own harmless AI region needs nothing.
    let fx = change_by(("Alice", "alice@example.com"), HARMLESS, TEAM);
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("tier none"), "{out}");

    // Without [team], today's behaviour: risk alone decides.
    let fx = change_by(
        ("Bob", "bob@example.com"),
        HARMLESS,
        "[review]\nsenior = [\"alice@example.com\"]\n",
    );
    assert_eq!(ci(&fx, &["scan", "--base", "main"]).0, 0);
}

#[test]
fn a_mid_level_approval_written_by_hand_does_not_count() {
    let fx = change_by(("Bob", "bob@example.com"), HARMLESS, TEAM);
    let (_, json_out, _) = ci(&fx, &["scan", "--base", "main", "--format", "json"]);
    let r: Value = serde_json::from_str::<Value>(&json_out).unwrap()["regions"][0].clone();
    let event = json!({ "kind": "approval", "v": 1, "file": "src/x.rs", "region": r["id"], "hash": r["hash"],
        "tier": "senior", "by": { "name": "Carol", "email": "carol@example.com" }, "at": "2026-11-29T00:00:00Z" });
    fx.write(".aigis/reviews/src/x.rs.jsonl", &format!("{event}\n"));
    fx.commit_as(("Carol", "carol@example.com"), "approve");
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn a_critical_region_needs_two_distinct_seniors() {
    let fx = change_by(("Carol", "carol@example.com"), CRITICAL, TEAM);
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 1);
    assert!(out.contains("(0 of 2 approvals)"), "{out}");
    let (code, _, err) = approve_as(&fx, ("Alice", "alice@example.com"), "4");
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 1, "one of two: {out}");
    assert!(
        out.contains("(1 of 2 approvals: Alice <alice@example.com>)"),
        "{out}"
    );
    let (_, json_out, _) = ci(&fx, &["scan", "--base", "main", "--format", "json"]);
    let report: Value = serde_json::from_str(&json_out).unwrap();
    assert!(report["regions"][0]["risk"]["reasons"]
        .to_string()
        .contains("critical operation: 2 senior approvals, 1 given"));
    assert_eq!(report["regions"][0]["review"]["needed"], 2);
    let (_, sarif, _) = ci(&fx, &["scan", "--base", "main", "--format", "sarif"]);
    assert!(sarif.contains("\"approvalsNeeded\": 2"), "{sarif}");
    // The same person twice counts once: refused locally.
    let (code, _, err) = approve_as(&fx, ("Alice", "alice@example.com"), "4");
    assert_eq!(code, 1);
    assert!(err.contains("already approved"), "{err}");
    // Dave, a senior through the @org/seniors team, gives the second.
    let (code, _, err) = approve_as(&fx, ("Dave", "dave@example.com"), "4");
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn protected_paths_refuse_agent_edits() {
    let policy = "[guard]\nprotect = [\"infra/prod/**\", \"deploy/**\"]\nallow_agents = { \"deploy/**\" = [\"claude-code\"] }\n\n[review]\nsenior = [\"alice@example.com\"]\n";
    let fx = Fixture::new(&[
        ("aigis.toml", policy),
        ("infra/prod/main.tf", "# prod\n"),
        ("deploy/run.sh", "echo\n"),
    ]);
    let edit = |agent: &str, file: &str| {
        let payload = json!({ "hook_event_name": "PreToolUse", "tool_name": "Write", "cwd": fx.root(),
            "tool_input": { "file_path": fx.path(file), "content": "# harmless\n" } });
        let generic = json!({ "tool": agent, "cwd": fx.root(), "files": [ { "path": file, "content": "# harmless\n" } ] });
        match agent {
            "claude-code" => claude_guard_exit(&fx, &payload.to_string()),
            _ => fx.aigis_with(&["guard", "--agent", "generic"], &generic.to_string(), &[]),
        }
    };
    let (code, _, err) = edit("claude-code", "infra/prod/main.tf");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("protected path")
            && err.contains("infra/prod/**")
            && err.contains("alice@example.com"),
        "{err}"
    );
    // A new file there is refused too.
    let (code, _, _) = edit("claude-code", "infra/prod/new.tf");
    assert_eq!(code, 2);
    // deploy/** is open to Claude Code, not to others.
    assert_eq!(edit("claude-code", "deploy/run.sh").0, 0);
    assert_eq!(edit("other-agent", "deploy/run.sh").0, 2);
    // A generic hook names its agent in `tool`: Claude Code through it is allowed there too.
    let generic = json!({ "tool": "claude-code", "cwd": fx.root(), "files": [ { "path": "deploy/run.sh", "content": "# x\n" } ] });
    assert_eq!(
        fx.aigis_with(&["guard", "--agent", "generic"], &generic.to_string(), &[])
            .0,
        0
    );
    // Elsewhere, ordinary work goes through.
    assert_eq!(edit("claude-code", "src/lib.rs").0, 0);

    // The editor's hover says so on an AI region there.
    let uri = fx.uri("infra/prod/main.tf");
    let mut c = Client::start(&fx.root());
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "terraform", "version": 1, "text": "# prod\nresource \"x\" \"y\" {}\n" } }),
    );
    c.diagnostics(&uri);
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": range(1, 0, 2, 0), "tool": "t" }),
    );
    c.diagnostics(&uri);
    let hover = c.result(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": pos(1, 2) }),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("Protected path"),
        "{hover}"
    );
}

#[test]
fn incident_traces_of_each_kind_map_to_who_wrote_the_line() {
    let py = "import boto3\n\ndef purge(ids):\n    ec2 = boto3.client(\"ec2\")\n    ec2.terminate_instances(InstanceIds=ids)\n";
    let go = "package main\n\nfunc purge() {\n\tpanic(\"boom\")\n}\n";
    let ts = "export function teardown() {\n  throw new Error(\"boom\");\n}\n";
    let java = "package com.example.ops;\n\npublic class Purge {\n  void run() { throw new IllegalStateException(); }\n}\n";
    let fx = Fixture::new(&[
        ("aigis.toml", "[review]\nsenior = [\"alice@example.com\"]\n"),
        ("ops/cleanup.py", "import boto3\n"),
        ("src/ops.rs", "use aws_sdk_ec2 as ec2;\n"),
        ("cmd/purge/main.go", go),
        ("src/teardown.ts", ts),
        ("src/main/java/com/example/ops/Purge.java", java),
    ]);
    fx.commit_as(("Bob", "bob@example.com"), "human base");
    // An agent writes the Python and Rust functions; Bob commits.
    fx.write("ops/cleanup.py", py);
    fx.write("src/ops.rs", CRITICAL);
    for (file, lines) in [("ops/cleanup.py", [3, 5]), ("src/ops.rs", [3, 5])] {
        let payload = json!({ "tool": "claude-code", "model": "claude-sonnet-4-5", "session": "s-1", "cwd": fx.root(), "files": [ { "path": file, "lines": [lines] } ] });
        assert_eq!(
            fx.aigis_with(&["record", "--agent", "generic"], &payload.to_string(), &[])
                .0,
            0
        );
    }
    fx.commit_as(("Bob", "bob@example.com"), "agent change");
    let trace = "Traceback (most recent call last):\n  File \"/srv/deploy-7f3a/ops/cleanup.py\", line 5, in purge\n    ec2.terminate_instances(InstanceIds=ids)\n  File \"/usr/lib/python3.12/site-packages/botocore/client.py\", line 569, in _api_call\n\n\
thread 'main' panicked at src/ops.rs:4:5:\nboom\n\
goroutine 1 [running]:\nmain.purge()\n\t/go/src/app/cmd/purge/main.go:4 +0x1d\n\
Error: boom\n    at teardown (/app/src/teardown.ts:2:9)\n\
java.lang.IllegalStateException\n\tat com.example.ops.Purge.run(Purge.java:4)\n";
    std::fs::write(fx.path("trace.txt"), trace).unwrap();
    let (code, out, err) = fx.aigis(&["incident", "--trace", "trace.txt", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let frames = report["frames"].as_array().unwrap();
    let got: Vec<(String, u64, bool)> = frames
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["ai"] == true,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("ops/cleanup.py".to_string(), 5, true),
            (
                "/usr/lib/python3.12/site-packages/botocore/client.py".to_string(),
                569,
                false
            ),
            ("src/ops.rs".to_string(), 4, true),
            ("cmd/purge/main.go".to_string(), 4, false),
            ("src/teardown.ts".to_string(), 2, false),
            (
                "src/main/java/com/example/ops/Purge.java".to_string(),
                4,
                false
            ),
        ]
    );
    let py_frame = &frames[0];
    assert_eq!(py_frame["function"], "purge");
    assert_eq!(py_frame["region"]["tool"], "claude-code");
    assert_eq!(py_frame["region"]["model"], "claude-sonnet-4-5");
    assert_eq!(py_frame["region"]["session"], "s-1");
    assert_eq!(py_frame["region"]["confidence"], "exact");
    assert!(py_frame["commit"]["author"]
        .as_str()
        .unwrap()
        .contains("bob@example.com"));
    assert_eq!(frames[1]["library"], true);
    assert_eq!(frames[2]["region"]["tier"], "senior");
    assert_eq!(frames[2]["review"]["state"], "required");
    assert_eq!(report["summary"]["ai"], 2);
    // The same from stdin, as text.
    let (code, out, _) = fx.aigis_with(&["incident", "--trace", "-"], trace, &[]);
    assert_eq!(code, 0);
    assert!(out.contains("#0 ops/cleanup.py:5 in purge  AI: claude-code/claude-sonnet-4-5 (agent-hook, confidence exact)"), "{out}");
    assert!(out.contains("library (outside the workspace)"), "{out}");
    assert!(out.contains("AI-written code is in this trace"), "{out}");
    // A trace aigis cannot read is a clear error.
    let (code, _, err) =
        fx.aigis_with(&["incident", "--trace", "-"], "something went wrong\n", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no stack frame"), "{err}");
    // Without a trace: the AI regions since the base, riskiest first.
    let (code, out, _) = fx.aigis(&["incident", "--since", "HEAD~1", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let since: Value = serde_json::from_str(&out).unwrap();
    let files: Vec<&str> = since["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    // Both regions hold a critical operation (the Rust one, and boto3's in the Python script):
    // both senior, ahead of anything less.
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(sorted, ["ops/cleanup.py", "src/ops.rs"], "{since:#}");
    assert!(
        since["regions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["tier"] == "senior"),
        "{since:#}"
    );
}
