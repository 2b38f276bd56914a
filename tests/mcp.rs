//! `aigis mcp` as agents meet it: the real binary over stdio with an MCP client written here
//! (newline-delimited JSON-RPC), both lifecycles (the `initialize` handshake and the stateless
//! 2026-07-28 one with `_meta`), every tool on a fixture workspace, bad arguments, paths outside
//! the workspace, a broken config, stdout that carries only protocol, and memory over many calls.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};

use common::*;
use serde_json::{json, Value};

struct Mcp {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    next: i64,
    /// `_meta` sent on every request (the stateless lifecycle), or none after `initialize`.
    meta: Option<Value>,
}

impl Mcp {
    fn spawn(dir: &std::path::Path, args: &[&str]) -> Mcp {
        let mut child = Command::new(BIN)
            .arg("mcp")
            .args(args)
            .current_dir(dir)
            .env(
                "AIGIS_CACHE_DIR",
                std::env::temp_dir().join("aigis-test-cache"),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Mcp {
            child,
            stdin,
            lines,
            next: 1,
            meta: None,
        }
    }

    /// Started with the 2025-06-18 `initialize` handshake, as Gemini CLI does.
    fn initialized(dir: &std::path::Path) -> Mcp {
        let mut m = Mcp::spawn(dir, &[]);
        let r = m.request("initialize", json!({ "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": { "name": "test-agent", "version": "1.0" } }));
        assert_eq!(r["result"]["protocolVersion"], "2025-06-18", "{r}");
        assert_eq!(r["result"]["serverInfo"]["name"], "aigis");
        m.send(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
        m
    }

    /// Started statelessly (2026-07-28: `server/discover`, `_meta` on every request), as
    /// current Claude Code does.
    fn stateless(dir: &std::path::Path) -> Mcp {
        let mut m = Mcp::spawn(dir, &[]);
        m.meta = Some(json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": { "name": "claude-code", "version": "2.1" },
            "io.modelcontextprotocol/clientCapabilities": {}
        }));
        let r = m.request("server/discover", json!({}));
        let versions = r["result"]["supportedVersions"]
            .as_array()
            .unwrap_or_else(|| panic!("{r}"));
        assert!(
            versions.contains(&json!("2024-11-05")) && versions.contains(&json!("2026-07-28")),
            "{r}"
        );
        m
    }

    fn send(&mut self, msg: &Value) {
        self.send_raw(&format!("{msg}\n"));
    }

    fn send_raw(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// The next line of stdout, which must be JSON.
    fn recv(&mut self) -> Value {
        let line = self
            .lines
            .recv_timeout(*TIMEOUT)
            .expect("the server answers");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {line}"))
    }

    fn request(&mut self, method: &str, mut params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        if let Some(meta) = &self.meta {
            params["_meta"] = meta.clone();
        }
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let v = self.recv();
            if v["id"] == json!(id) {
                return v;
            }
        }
    }

    /// A tool's result (`isError` or not).
    fn call(&mut self, name: &str, args: Value) -> Value {
        let r = self.request("tools/call", json!({ "name": name, "arguments": args }));
        r.get("result")
            .cloned()
            .unwrap_or_else(|| panic!("{name}: {r}"))
    }

    /// A tool's result that must not be an error: (text, structuredContent).
    fn ok(&mut self, name: &str, args: Value) -> (String, Value) {
        let r = self.call(name, args.clone());
        assert_ne!(r["isError"], true, "{name} {args}: {r}");
        (
            r["content"][0]["text"].as_str().unwrap_or("").to_string(),
            r["structuredContent"].clone(),
        )
    }

    /// A tool's error text.
    fn err(&mut self, name: &str, args: Value) -> String {
        let r = self.call(name, args.clone());
        assert_eq!(r["isError"], true, "{name} {args} should fail: {r}");
        r["content"][0]["text"].as_str().unwrap().to_string()
    }

    fn rss_kb(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }

    /// Closes stdin; the server exits 0.
    fn close(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "exit {status}");
    }
}

const OPS: &str = "use aws_sdk_cloudformation::Client;\n\npub async fn recreate(c: &Client) {\n    c.delete_stack().stack_name(\"prod\").send().await.unwrap();\n}\n\npub fn helper() -> u32 {\n    1\n}\n";
const MAIN: &str = "mod ops;\n\nasync fn main() {\n    let c = make();\n    ops::recreate(&c).await;\n    rotate();\n}\n\nfn rotate() {\n    let _ = ops::helper();\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {\n        let _ = crate::ops::helper();\n    }\n}\n";
const POLICY: &str = "[review]\nsenior = [\"alice@example.com\"]\npeer = [\"*\"]\n";

fn workspace() -> Fixture {
    let fx = Fixture::new(&[
        (
            "Cargo.toml",
            "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/ops.rs", OPS),
        ("src/main.rs", MAIN),
        ("aigis.toml", POLICY),
    ]);
    fx.commit_as(("Bob Builder", "bob@example.com"), "init");
    fx
}

#[test]
fn tools_list_answers_at_once_with_a_schema_for_each_tool() {
    let fx = workspace();
    let mut m = Mcp::initialized(&fx.root());
    let r = m.request("tools/list", json!({}));
    let tools = r["result"]["tools"].as_array().unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "blast_radius",
            "check_change",
            "check_command",
            "explain_rule",
            "request_review",
            "review_status",
            "scan_changes",
            "who_wrote"
        ]
    );
    for t in tools {
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
        assert!(t["description"].as_str().unwrap().len() > 40, "{t}");
        let read_only = t["annotations"]["readOnlyHint"] == true;
        assert_eq!(read_only, t["name"] != "request_review", "{t}");
    }
    // Every revision with the `initialize` handshake is served as asked.
    for version in ["2024-11-05", "2025-03-26", "2025-11-25"] {
        let mut old = Mcp::spawn(&fx.root(), &[]);
        let r = old.request("initialize", json!({ "protocolVersion": version, "capabilities": {}, "clientInfo": { "name": "old-agent", "version": "0" } }));
        assert_eq!(r["result"]["protocolVersion"], version, "{r}");
        assert!(r["result"]["instructions"]
            .as_str()
            .unwrap()
            .starts_with("aigis knows"));
        old.send(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
        let r = old.request("tools/list", json!({}));
        assert_eq!(
            r["result"]["tools"].as_array().unwrap().len(),
            8,
            "{version}: {r}"
        );
        old.close();
    }
    let blast = tools.iter().find(|t| t["name"] == "blast_radius").unwrap();
    assert_eq!(blast["inputSchema"]["required"], json!(["file"]));
    // No tool approves: an agent never approves its own change.
    assert!(!names.iter().any(|n| n.contains("approve")));
    m.close();
}

#[test]
fn blast_radius_from_a_subfolder_in_the_stateless_lifecycle() {
    let fx = workspace();
    // Claude Code starts the server in the folder it was launched from.
    let mut m = Mcp::stateless(&fx.path("src"));
    let (text, data) = m.ok("blast_radius", json!({ "file": "src/ops.rs", "line": 4 }));
    assert_eq!(data["target"]["kind"], "symbol", "{data}");
    assert_eq!(data["target"]["name"], "recreate");
    assert_eq!(data["dependents"][0]["file"], "src/main.rs", "{data}");
    assert_eq!(data["dependents"][0]["line"], 5);
    assert_eq!(data["dependents"][0]["caller"], "main");
    assert_eq!(data["dependents"][0]["confidence"], "exact");
    assert_eq!(
        data["risky_in_target"][0]["rule"],
        "aws.cloudformation.delete-stack"
    );
    assert_eq!(data["tier"], "senior");
    assert_eq!(data["reviewers"], json!(["alice@example.com"]));
    assert_eq!(data["index"]["complete"], true);
    assert!(text.contains("src/main.rs:5 in main"), "{text}");
    // By symbol; the test caller is listed apart and the chain reaches `main`.
    let (_, data) = m.ok(
        "blast_radius",
        json!({ "file": "src/ops.rs", "symbol": "helper" }),
    );
    assert_eq!(data["direct"], 1, "{data}");
    assert_eq!(data["tests"].as_array().unwrap().len(), 1, "{data}");
    assert!(
        data["entry_points"][0].as_str().unwrap().contains("main"),
        "{data}"
    );
    m.close();
}

#[test]
fn check_change_judges_each_form_of_edit_and_writes_nothing() {
    let fx = workspace();
    let mut m = Mcp::initialized(&fx.root());
    let risky = "pub async fn helper2(c: &Client) {\n    c.delete_stack().stack_name(\"other\").send().await.unwrap();\n}";
    let old = "pub fn helper() -> u32 {\n    1\n}";
    let (text, data) = m.ok(
        "check_change",
        json!({ "file": "src/ops.rs", "old_string": old, "new_string": risky }),
    );
    assert_eq!(data["verdict"], "blocked", "{data}");
    assert_eq!(data["added"][0]["rule"], "aws.cloudformation.delete-stack");
    assert_eq!(data["added"][0]["line"], 8);
    assert_eq!(data["tier"], "senior");
    assert_eq!(data["reviewers"], json!(["alice@example.com"]));
    assert_eq!(data["guard"]["would_block"], true);
    assert!(data["guard"]["allow_hint"]
        .as_str()
        .unwrap()
        .contains("aws.cloudformation.delete-stack"));
    assert!(
        data["blast"]["summary"]
            .as_str()
            .unwrap()
            .contains("helper"),
        "{data}"
    );
    assert!(
        text.starts_with("Verdict: blocked") && text.contains("Safer:"),
        "{text}"
    );
    assert_eq!(fx.read("src/ops.rs"), OPS, "check_change writes nothing");
    // The whole new text, and a unified diff, give the same answer.
    let content = OPS.replace(old, risky);
    let (_, by_content) = m.ok(
        "check_change",
        json!({ "file": "src/ops.rs", "content": content }),
    );
    assert_eq!(by_content["added"], data["added"]);
    let patch = "--- a/src/ops.rs\n+++ b/src/ops.rs\n@@ -7,3 +7,3 @@\n-pub fn helper() -> u32 {\n-    1\n+pub async fn helper2(c: &Client) {\n+    c.delete_stack().stack_name(\"other\").send().await.unwrap();\n }\n";
    let (_, by_patch) = m.ok(
        "check_change",
        json!({ "file": "src/ops.rs", "patch": patch }),
    );
    assert_eq!(by_patch["added"], data["added"], "{by_patch}");
    // Removing the call is no risk added; reindenting keeps it; a harmless edit is allowed.
    let (_, removed) = m.ok("check_change", json!({ "file": "src/ops.rs", "old_string": "    c.delete_stack().stack_name(\"prod\").send().await.unwrap();\n", "new_string": "" }));
    assert_eq!(
        removed["removed"][0]["rule"], "aws.cloudformation.delete-stack",
        "{removed}"
    );
    assert!(removed["added"].as_array().unwrap().is_empty());
    assert_ne!(removed["verdict"], "blocked");
    let (_, kept) = m.ok("check_change", json!({ "file": "src/ops.rs", "old_string": "    c.delete_stack()", "new_string": "        c.delete_stack()" }));
    assert!(kept["added"].as_array().unwrap().is_empty(), "{kept}");
    assert_eq!(
        kept["unchanged_touched"][0]["rule"],
        "aws.cloudformation.delete-stack"
    );
    let (_, fine) = m.ok(
        "check_change",
        json!({ "file": "src/ops.rs", "old_string": "    1\n", "new_string": "    2\n" }),
    );
    assert_eq!(fine["verdict"], "allow", "{fine}");
    // A new file.
    let (_, new_file) = m.ok("check_change", json!({ "file": "src/new.rs", "content": "use aws_sdk_cloudformation::Client;\nasync fn f(c: &Client) { c.delete_stack().send().await; }\n" }));
    assert_eq!(new_file["verdict"], "blocked");
    assert!(!fx.path("src/new.rs").exists());
    m.close();
}

#[test]
fn bad_arguments_are_tool_errors_and_the_server_keeps_serving() {
    let fx = workspace();
    std::fs::write(
        fx.dir.path().parent().unwrap().join("aigis-outside.rs"),
        "fn x() {}\n",
    )
    .ok();
    std::os::unix::fs::symlink("/etc/passwd", fx.path("src/link.rs")).unwrap();
    let mut m = Mcp::initialized(&fx.root());
    let cases = [
        (
            "blast_radius",
            json!({ "file": "src/link.rs" }),
            "outside the workspace",
        ),
        (
            "check_change",
            json!({ "file": "src/link.rs", "content": "x" }),
            "outside the workspace",
        ),
        ("blast_radius", json!({ "file": "src/nope.rs" }), "no file"),
        (
            "blast_radius",
            json!({ "file": "../aigis-outside.rs" }),
            "outside the workspace",
        ),
        (
            "blast_radius",
            json!({ "file": "/etc/passwd" }),
            "outside the workspace",
        ),
        (
            "blast_radius",
            json!({ "file": "src/ops.rs", "line": 999 }),
            "there is no line 999",
        ),
        (
            "blast_radius",
            json!({ "file": "src/ops.rs", "symbol": "nothing_here" }),
            "defined there: recreate",
        ),
        (
            "blast_radius",
            json!({ "file": "aigis.toml" }),
            "no symbol index",
        ),
        ("blast_radius", json!({}), "file"),
        (
            "blast_radius",
            json!({ "file": "src/ops.rs", "line": "four" }),
            "invalid type: string \"four\"",
        ),
        (
            "check_change",
            json!({ "file": "src/ops.rs" }),
            "give the edit",
        ),
        (
            "check_change",
            json!({ "file": "src/ops.rs", "content": "x", "patch": "y" }),
            "exactly one",
        ),
        (
            "check_change",
            json!({ "file": "src/ops.rs", "old_string": "not in the file", "new_string": "x" }),
            "is not in src/ops.rs",
        ),
        (
            "check_change",
            json!({ "file": "src/ops.rs", "old_string": "    ", "new_string": "\t" }),
            "occurs",
        ),
        (
            "check_change",
            json!({ "file": "src/ops.rs", "patch": "--- a/src/ops.rs\n+++ b/src/ops.rs\n@@ -1,1 +1,1 @@\n-no such line\n+x\n" }),
            "does not apply",
        ),
        (
            "check_change",
            json!({ "file": "src/ops.rs", "patch": "garbage" }),
            "does not change src/ops.rs",
        ),
        (
            "check_change",
            json!({ "file": "../../etc/cron.d/x", "content": "x" }),
            "outside the workspace",
        ),
        (
            "request_review",
            json!({ "file": "src/ops.rs", "line": 4 }),
            "no AI region at src/ops.rs:4",
        ),
        (
            "who_wrote",
            json!({ "file": "src/ops.rs", "line": 50 }),
            "there is no line 50",
        ),
        (
            "explain_rule",
            json!({ "rule": "aws.cloudformation.delete" }),
            "did you mean: aws.cloudformation.delete-stack",
        ),
        (
            "scan_changes",
            json!({ "base": "--output=/tmp/x" }),
            "not a git revision",
        ),
    ];
    for (tool, args, expect) in cases {
        let why = m.err(tool, args.clone());
        assert!(why.contains(expect), "{tool} {args}: {why}");
    }
    // Protocol-level errors get JSON-RPC answers; garbage is dropped; it still serves.
    let r = m.request(
        "tools/call",
        json!({ "name": "no_such_tool", "arguments": {} }),
    );
    assert!(r["error"]["code"].is_i64(), "{r}");
    m.send_raw("this is not json\n");
    m.send_raw("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"tools/call\",\"params\":7}\n");
    let v = m.recv();
    assert!(v["error"].is_object(), "{v}");
    m.send_raw("\u{feff}\u{0}\u{7f}\n");
    let (_, data) = m.ok(
        "explain_rule",
        json!({ "rule": "aws.ec2.terminate-instances" }),
    );
    assert_eq!(data["severity"], "critical");
    assert!(data["safer"].as_str().unwrap().contains("DryRun"), "{data}");
    m.close();
}

#[test]
fn review_requests_are_the_agents_and_never_approvals() {
    let fx = workspace();
    // The agent's edit recorded by its hook: an AI region with a critical operation.
    let payload = json!({ "session_id": "s1", "cwd": fx.root(), "hook_event_name": "PostToolUse", "tool_name": "Write",
        "tool_input": { "file_path": fx.path("src/ops.rs"), "content": OPS } });
    let (code, out, err) = fx.aigis_with(
        &["record", "--agent", "claude-code"],
        &payload.to_string(),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    // Claude Code is told what the edit added, its blast radius and the review it needs.
    let ctx: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    let context = ctx["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap();
    assert!(
        context.contains("src/ops.rs:4 added")
            && context.contains("aws.cloudformation.delete-stack")
            && context.contains("senior review is required (alice@example.com)")
            && context.contains("main"),
        "{context}"
    );

    // A harmless edit: the hook says nothing.
    fx.write("src/plain.rs", "pub fn two() -> u32 {\n    2\n}\n");
    let harmless = json!({ "session_id": "s1", "cwd": fx.root(), "hook_event_name": "PostToolUse", "tool_name": "Write",
        "tool_input": { "file_path": fx.path("src/plain.rs"), "content": "pub fn two() -> u32 {\n    2\n}\n" } });
    let (code, out, err) = fx.aigis_with(
        &["record", "--agent", "claude-code"],
        &harmless.to_string(),
        &[],
    );
    assert_eq!((code, out.as_str()), (0, ""), "{err}");

    let mut m = Mcp::stateless(&fx.root());
    let (_, status) = m.ok("review_status", json!({ "file": "src/ops.rs" }));
    assert_eq!(status["counts"]["regions"], 1, "{status}");
    assert_eq!(status["regions"][0]["tier"], "senior");
    assert_eq!(status["regions"][0]["review"], "required");
    let (_, who) = m.ok(
        "who_wrote",
        json!({ "file": "src/ops.rs", "line": 1, "end_line": 4 }),
    );
    assert_eq!(who["ranges"][0]["ai"], true, "{who}");
    assert_eq!(who["ranges"][0]["source"], "agent-hook");
    let (text, req) = m.ok(
        "request_review",
        json!({ "file": "src/ops.rs", "line": 4, "note": "deletes the prod stack on purpose" }),
    );
    assert_eq!(req["requested"], true, "{req}");
    assert!(text.contains("alice@example.com"), "{text}");
    let (_, again) = m.ok("request_review", json!({ "file": "src/ops.rs", "line": 4 }));
    assert_eq!(again["requested"], false, "{again}");
    let (_, status) = m.ok("review_status", json!({ "file": "src/ops.rs" }));
    assert_eq!(status["regions"][0]["review"], "requested");
    // The ledger says the agent asked, with its note, on the developer's behalf.
    let log = std::fs::read_dir(fx.path(".aigis")).unwrap().count();
    assert!(log > 0);
    let (_, out, _) = fx.aigis(&["review", "status"]);
    assert!(out.contains("requested"), "{out}");
    let all = walk_text(&fx.path(".aigis"));
    assert!(
        all.contains("\"agent\":\"claude-code 2.1\"")
            && all.contains("deletes the prod stack on purpose"),
        "{all}"
    );
    assert!(!all.contains("\"kind\":\"approval\""));
    let (_, scan) = m.ok("scan_changes", json!({ "base": "HEAD" }));
    assert!(
        scan["summary"].as_str().unwrap().starts_with("since HEAD"),
        "{scan}"
    );
    m.close();
}

fn walk_text(dir: &std::path::Path) -> String {
    let mut out = String::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out += &walk_text(&p);
        } else {
            out += &std::fs::read_to_string(&p).unwrap_or_default();
        }
    }
    out
}

#[test]
fn check_command_says_what_guard_would() {
    let fx = workspace();
    let mut m = Mcp::initialized(&fx.root());
    let (text, data) = m.ok(
        "check_command",
        json!({ "command": "cd infra && terraform destroy -auto-approve" }),
    );
    assert_eq!(data["decision"], "deny", "{data}");
    assert_eq!(data["findings"][0]["rule"], "shell.terraform-destroy");
    assert!(text.contains("Safer"), "{text}");
    let (_, data) = m.ok("check_command", json!({ "command": "cargo test && ls" }));
    assert_eq!(data["decision"], "allow");
    let (_, data) = m.ok("check_command", json!({ "command": "rm -rf .aigis" }));
    assert_eq!(data["decision"], "deny");
    assert_eq!(data["touches_ledger"], true);
    m.close();
}

#[test]
fn a_broken_config_is_said_by_every_tool_and_the_server_still_starts() {
    let fx = workspace();
    fx.write("aigis.toml", "[guard]\nblock = \"sometimes\"\n");
    let mut m = Mcp::initialized(&fx.root());
    let why = m.err("blast_radius", json!({ "file": "src/ops.rs", "line": 4 }));
    assert!(
        why.contains("guard.block") && why.contains("aigis.toml"),
        "{why}"
    );
    m.close();
}

#[test]
fn long_lists_are_capped_with_a_note_and_memory_stays_flat_over_many_calls() {
    let mut files: Vec<(String, String)> = vec![
        ("src/ops.rs".into(), OPS.into()),
        (
            "Cargo.toml".into(),
            "[package]\nname = \"big\"\nversion = \"0.1.0\"\n".into(),
        ),
    ];
    let mut main = String::from("mod ops;\n");
    for i in 0..120 {
        main += &format!("mod m{i};\n");
        files.push((
            format!("src/m{i}.rs"),
            format!("pub fn f{i}() {{\n    let _ = crate::ops::helper();\n}}\n"),
        ));
    }
    files.push(("src/main.rs".into(), main + "fn main() {}\n"));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let fx = Fixture::new(&refs);
    let mut m = Mcp::initialized(&fx.root());
    let (text, data) = m.ok(
        "blast_radius",
        json!({ "file": "src/ops.rs", "symbol": "helper", "limit": 20 }),
    );
    assert_eq!(data["direct"], 120, "{data}");
    assert_eq!(data["dependents"].as_array().unwrap().len(), 20);
    assert!(
        data["notes"][0]
            .as_str()
            .unwrap()
            .contains("showing 20 of 120"),
        "{data}"
    );
    assert!(text.contains("and 110 more"), "{text}");
    // 200 calls in a row: the server's memory stays flat.
    for _ in 0..20 {
        m.ok(
            "check_change",
            json!({ "file": "src/ops.rs", "old_string": "    1\n", "new_string": "    2\n" }),
        );
    }
    let before = m.rss_kb();
    for i in 0..200 {
        match i % 4 {
            0 => {
                m.ok(
                    "blast_radius",
                    json!({ "file": "src/ops.rs", "symbol": "helper" }),
                );
            }
            1 => {
                m.ok("check_change", json!({ "file": "src/ops.rs", "old_string": "    1\n", "new_string": "    2\n" }));
            }
            2 => {
                m.ok(
                    "check_command",
                    json!({ "command": "kubectl delete ns payments" }),
                );
            }
            _ => {
                m.err("blast_radius", json!({ "file": "../x" }));
            }
        }
    }
    let after = m.rss_kb();
    assert!(
        after < before + 20 * 1024,
        "memory grew from {before} kB to {after} kB over 200 calls"
    );
    m.close();
}

#[test]
fn the_index_follows_edits_on_disk() {
    let fx = workspace();
    let mut m = Mcp::initialized(&fx.root());
    let (_, data) = m.ok(
        "blast_radius",
        json!({ "file": "src/ops.rs", "symbol": "recreate" }),
    );
    assert_eq!(data["direct"], 1);
    // A new caller appears on disk (the agent wrote it): the next answers see it.
    fx.write(
        "src/extra.rs",
        "pub async fn again(c: &Client) {\n    crate::ops::recreate(c).await;\n}\n",
    );
    fx.write("src/main.rs", &format!("mod extra;\n{MAIN}"));
    let deadline = std::time::Instant::now() + *TIMEOUT;
    loop {
        let (_, data) = m.ok(
            "blast_radius",
            json!({ "file": "src/ops.rs", "symbol": "recreate" }),
        );
        if data["direct"] == 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the index never saw src/extra.rs: {data}"
        );
    }
    m.close();
}
