//! Agent hooks: `aigis record`, `aigis guard` and `aigis hooks install`, fed real-shaped payloads.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;
use serde_json::{json, Value};

/// Runs `aigis ARGS` in the workspace with `stdin`; returns (exit code, stdout, stderr).
fn hook(fx: &Fixture, args: &[&str], stdin: &str) -> (i32, String, String) {
    fx.aigis_with(args, stdin, &[])
}

/// The regions the ledger holds for `file`: (first line, last line, tool, source), 1-based.
fn recorded(fx: &Fixture, file: &str) -> Vec<(usize, usize, String)> {
    let (code, out, err) = fx.aigis(&["scan", "--format", "json", "--fail-on", "never", file]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["source"], "agent-hook");
            assert_eq!(r["confidence"], "exact");
            (
                r["lines"][0].as_u64().unwrap() as usize,
                r["lines"][1].as_u64().unwrap() as usize,
                r["tool"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const LIB: &str = "fn one() {}\nfn two() {}\nfn three() {}\nfn four() {}\n";

#[test]
fn claude_edit_replace_all_multiedit_write_and_structured_patch() {
    let fx = Fixture::new(&[("src/lib.rs", LIB)]);
    let path = fx.path("src/lib.rs");
    // Edit with replace_all: every occurrence of the new text, located after the edit.
    fx.write(
        "src/lib.rs",
        "fn one() { x(); }\nfn two() {}\nfn three() { x(); }\nfn four() {}\n",
    );
    let payload = json!({
        "session_id": "sess-1", "transcript_path": "/t.jsonl", "cwd": fx.root(), "hook_event_name": "PostToolUse",
        "tool_name": "Edit", "tool_input": { "file_path": path, "old_string": "{}", "new_string": "{ x(); }", "replace_all": true },
    });
    let (code, _, err) = hook(
        &fx,
        &["record", "--agent", "claude-code"],
        &payload.to_string(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        recorded(&fx, "src/lib.rs"),
        [(1, 1, "claude-code".into()), (3, 3, "claude-code".into())]
    );

    // MultiEdit: each edit's new text.
    let fx = Fixture::new(&[(
        "src/lib.rs",
        "fn a() { alpha(); }\nfn b() {}\nfn c() { gamma(); }\n",
    )]);
    let payload = json!({ "session_id": "s", "tool_name": "MultiEdit", "tool_input": { "file_path": fx.path("src/lib.rs"),
        "edits": [ { "old_string": "a", "new_string": "alpha();" }, { "old_string": "c", "new_string": "gamma();" } ] } });
    assert_eq!(
        hook(
            &fx,
            &["record", "--agent", "claude-code"],
            &payload.to_string()
        )
        .0,
        0
    );
    assert_eq!(
        recorded(&fx, "src/lib.rs"),
        [(1, 1, "claude-code".into()), (3, 3, "claude-code".into())]
    );

    // Write that creates a file: the whole file.
    let fx = Fixture::new(&[]);
    fx.write("src/new.rs", "fn created() {}\nfn also() {}\n");
    let payload = json!({ "tool_name": "Write", "cwd": fx.root(), "tool_input": { "file_path": "src/new.rs", "content": "fn created() {}\nfn also() {}\n" },
        "tool_response": { "type": "create", "filePath": "src/new.rs" } });
    assert_eq!(
        hook(
            &fx,
            &["record", "--agent", "claude-code"],
            &payload.to_string()
        )
        .0,
        0
    );
    assert_eq!(recorded(&fx, "src/new.rs"), [(1, 2, "claude-code".into())]);

    // structuredPatch gives the lines exactly, even when the new text also occurs elsewhere.
    let fx = Fixture::new(&[(
        "src/lib.rs",
        "fn one() {}\nlet x = 1;\nfn three() {}\nlet x = 1;\n",
    )]);
    let payload = json!({ "tool_name": "Edit", "tool_input": { "file_path": fx.path("src/lib.rs"), "old_string": "fn four() {}", "new_string": "let x = 1;" },
        "tool_response": { "structuredPatch": [ { "oldStart": 3, "oldLines": 2, "newStart": 3, "newLines": 2, "lines": [" fn three() {}", "-fn four() {}", "+let x = 1;"] } ] } });
    assert_eq!(
        hook(
            &fx,
            &["record", "--agent", "claude-code"],
            &payload.to_string()
        )
        .0,
        0
    );
    assert_eq!(recorded(&fx, "src/lib.rs"), [(4, 4, "claude-code".into())]);
    // Without it, an ambiguous new text is reported and not guessed.
    let fx = Fixture::new(&[("src/lib.rs", "let x = 1;\nlet x = 1;\n")]);
    let payload = json!({ "tool_name": "Edit", "tool_input": { "file_path": fx.path("src/lib.rs"), "old_string": "y", "new_string": "let x = 1;" } });
    let (code, _, err) = hook(
        &fx,
        &["record", "--agent", "claude-code"],
        &payload.to_string(),
    );
    assert_eq!(code, 0);
    assert!(err.contains("occurs 2 times"), "{err}");
    assert!(recorded(&fx, "src/lib.rs").is_empty());
}

#[test]
fn cursor_codex_gemini_copilot_kiro_generic() {
    let fx = Fixture::new(&[
        ("src/lib.rs", LIB),
        ("src/other.rs", "fn keep() {}\nfn old() {}\nfn tail() {}\n"),
    ]);
    let lib = fx.path("src/lib.rs");
    // Cursor afterFileEdit: {file_path, edits:[{old_string,new_string}]}.
    fx.write(
        "src/lib.rs",
        "fn one() {}\nfn two() { cursor(); }\nfn three() {}\nfn four() {}\n",
    );
    let p = json!({ "conversation_id": "c1", "generation_id": "g", "model": "gpt-5", "hook_event_name": "afterFileEdit",
        "workspace_roots": [fx.root()], "file_path": lib, "edits": [ { "old_string": "fn two() {}", "new_string": "fn two() { cursor(); }" } ] });
    assert_eq!(
        hook(&fx, &["record", "--agent", "cursor"], &p.to_string()).0,
        0
    );
    // Cursor afterTabFileEdit with a range.
    let p = json!({ "hook_event_name": "afterTabFileEdit", "file_path": lib, "edits": [ { "old_string": "", "new_string": "fn four() {}",
        "range": { "start_line_number": 4, "start_column": 1, "end_line_number": 4, "end_column": 1 } } ] });
    assert_eq!(
        hook(&fx, &["record", "--agent", "cursor"], &p.to_string()).0,
        0
    );
    assert_eq!(
        recorded(&fx, "src/lib.rs"),
        [(2, 2, "cursor".into()), (4, 4, "cursor".into())]
    );

    // Codex apply_patch touching two files.
    fx.write(
        "src/other.rs",
        "fn keep() {}\nfn new_a() {}\nfn new_b() {}\nfn tail() {}\n",
    );
    fx.write("src/added.rs", "fn added() {}\n");
    let patch = "*** Begin Patch\n*** Update File: src/other.rs\n@@\n fn keep() {}\n-fn old() {}\n+fn new_a() {}\n+fn new_b() {}\n fn tail() {}\n*** Add File: src/added.rs\n+fn added() {}\n*** End Patch\n";
    let p = json!({ "session_id": "x1", "cwd": fx.root(), "hook_event_name": "PostToolUse", "tool_name": "apply_patch", "model": "gpt-5-codex",
        "tool_input": { "command": ["apply_patch", patch] } });
    let (code, _, err) = hook(&fx, &["record", "--agent", "codex"], &p.to_string());
    assert_eq!(code, 0, "{err}");
    assert_eq!(recorded(&fx, "src/other.rs"), [(2, 3, "codex".into())]);
    assert_eq!(recorded(&fx, "src/added.rs"), [(1, 1, "codex".into())]);

    // Gemini AfterTool write_file and replace.
    let fx = Fixture::new(&[("a.rs", "fn a() { gemini(); }\nfn b() {}\n")]);
    let p = json!({ "session_id": "g", "cwd": fx.root(), "hook_event_name": "AfterTool", "tool_name": "replace",
        "tool_input": { "file_path": "a.rs", "old_string": "fn a() {}", "new_string": "fn a() { gemini(); }" } });
    assert_eq!(
        hook(&fx, &["record", "--agent", "gemini"], &p.to_string()).0,
        0
    );
    assert_eq!(recorded(&fx, "a.rs"), [(1, 1, "gemini".into())]);

    // Copilot (VS Code) insert_edit_into_file with existing-code markers, and the CLI's str_replace.
    let fx = Fixture::new(&[(
        "a.rs",
        "fn a() {}\nfn inserted() {}\nfn b() {}\nfn replaced() {}\n",
    )]);
    let p = json!({ "tool_name": "insert_edit_into_file", "cwd": fx.root(),
        "tool_input": { "filePath": fx.path("a.rs"), "code": "// ...existing code...\nfn inserted() {}\n// ...existing code..." } });
    assert_eq!(
        hook(&fx, &["record", "--agent", "copilot"], &p.to_string()).0,
        0
    );
    let p = json!({ "toolName": "str_replace", "cwd": fx.root(), "toolArgs": "{\"path\":\"a.rs\",\"old_str\":\"x\",\"new_str\":\"fn replaced() {}\"}" });
    assert_eq!(
        hook(&fx, &["record", "--agent", "copilot"], &p.to_string()).0,
        0
    );
    assert_eq!(
        recorded(&fx, "a.rs"),
        [(2, 2, "copilot".into()), (4, 4, "copilot".into())]
    );

    // Kiro postToolUse fs_write create.
    let fx = Fixture::new(&[("k.rs", "fn kiro() {}\n")]);
    let p = json!({ "hook_event_name": "postToolUse", "cwd": fx.root(), "tool_name": "fs_write",
        "tool_input": { "command": "create", "path": "k.rs", "file_text": "fn kiro() {}\n" }, "tool_response": { "success": true } });
    assert_eq!(
        hook(&fx, &["record", "--agent", "kiro"], &p.to_string()).0,
        0
    );
    assert_eq!(recorded(&fx, "k.rs"), [(1, 1, "kiro".into())]);

    // The documented generic shape.
    let fx = Fixture::new(&[("g.rs", LIB)]);
    let p = json!({ "tool": "my-agent", "model": "m1", "session": "s9", "cwd": fx.root(), "files": [ { "path": "g.rs", "lines": [[2, 3]] } ] });
    assert_eq!(
        hook(&fx, &["record", "--agent", "generic"], &p.to_string()).0,
        0
    );
    assert_eq!(recorded(&fx, "g.rs"), [(2, 3, "my-agent".into())]);
}

#[test]
fn unknown_tools_are_ignored_and_bad_payloads_leave_the_ledger_intact() {
    let fx = Fixture::new(&[("g.rs", LIB)]);
    let p = json!({ "tool": "t", "cwd": fx.root(), "files": [ { "path": "g.rs", "lines": [[1, 1]] } ] });
    assert_eq!(
        hook(&fx, &["record", "--agent", "generic"], &p.to_string()).0,
        0
    );
    let before = fx.read(".aigis/regions/g.rs.jsonl");
    for (agent, payload) in [
        (
            "claude-code",
            r#"{"tool_name":"Read","tool_input":{"file_path":"g.rs"}}"#,
        ),
        (
            "claude-code",
            r#"{"tool_name":"Bash","tool_input":{"command":"ls"}}"#,
        ),
        ("codex", r#"{"tool_name":"web_search","tool_input":{}}"#),
    ] {
        let (code, _, err) = hook(&fx, &["record", "--agent", agent], payload);
        assert_eq!(code, 0, "{agent} {payload}: {err}");
    }
    for (agent, payload, want) in [
        ("claude-code", "{\"tool_name\": \"Write\", ", "not JSON"),
        ("claude-code", "[]", "not a JSON object"),
        (
            "claude-code",
            r#"{"tool_name":"Edit","tool_input":{"old_string":"a","new_string":"b"}}"#,
            "no file path",
        ),
        ("generic", r#"{"files":[]}"#, "\"tool\" is required"),
        (
            "generic",
            r#"{"tool":"t","files":[{"path":"g.rs","lines":[[3,1]]}]}"#,
            "start <= end",
        ),
        ("nope", "{}", "unknown agent"),
        ("generic", "", "no hook payload"),
    ] {
        let (code, _, err) = hook(&fx, &["record", "--agent", agent], payload);
        assert_eq!(code, 2, "{payload}");
        assert!(
            err.contains(want) && err.trim().lines().count() == 1,
            "{payload}: {err}"
        );
    }
    assert_eq!(
        fx.read(".aigis/regions/g.rs.jsonl"),
        before,
        "a bad payload never touches the ledger"
    );
}

#[test]
fn eight_processes_recording_fifty_payloads_each_lose_nothing() {
    let lines: String = (1..=400).map(|i| format!("fn f{i}() {{}}\n")).collect();
    let fx = Fixture::new(&[("many.rs", &lines)]);
    let root = fx.root();
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let root = root.clone();
            std::thread::spawn(move || {
                for k in 0..50 {
                    let line = w * 50 + k + 1;
                    let p = json!({ "tool": format!("agent-{w}"), "cwd": root, "files": [ { "path": "many.rs", "lines": [[line, line]] } ] });
                    let mut child = Command::new(BIN).args(["record", "--agent", "generic"]).current_dir(&root)
                        .stdin(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
                    child.stdin.take().unwrap().write_all(p.to_string().as_bytes()).unwrap();
                    let out = child.wait_with_output().unwrap();
                    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let regions = recorded(&fx, "many.rs");
    assert_eq!(
        regions.len(),
        400,
        "every payload's region is in the ledger"
    );
    for (i, (a, b, tool)) in regions.iter().enumerate() {
        assert_eq!((*a, *b), (i + 1, i + 1));
        assert_eq!(tool, &format!("agent-{}", i / 50));
    }
}

#[test]
fn guard_blocks_critical_operations_and_lets_ordinary_work_through() {
    let fx = Fixture::new(&[(
        "src/ops.rs",
        "use aws_sdk_ec2 as ec2;\nuse std::collections::HashMap;\n\nfn f() {}\n",
    )]);
    let ops = fx.path("src/ops.rs");
    let bash = |cmd: &str| {
        json!({ "session_id": "s", "cwd": fx.root(), "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": { "command": cmd } }).to_string()
    };
    for cmd in [
        "terraform destroy -auto-approve",
        "kubectl delete ns payments",
        "aws s3 rb s3://logs --force",
        "rm -rf /",
        "cd infra && terraform apply -destroy",
    ] {
        let (decision, why) = claude_guard(&fx, &bash(cmd));
        assert_eq!(decision, "deny", "{cmd} should be blocked");
        assert!(why.contains("blocked") && why.contains("senior"), "{why}");
    }
    for cmd in [
        "ls -la",
        "cargo test",
        "rm -rf /tmp/build-1",
        "terraform plan",
        "kubectl get pods",
        "rm -rf target",
        "git push origin main",
    ] {
        let (decision, why) = claude_guard(&fx, &bash(cmd));
        assert_eq!(decision, "allow", "{cmd} must not be blocked: {why}");
    }
    let edit = |new: &str| {
        json!({ "tool_name": "Edit", "cwd": fx.root(), "tool_input": { "file_path": ops, "old_string": "fn f() {}", "new_string": new } }).to_string()
    };
    let (decision, why) = claude_guard(
        &fx,
        &edit("async fn f(c: &ec2::Client) { c.terminate_instances().send().await; }"),
    );
    assert_eq!(decision, "deny");
    assert!(why.contains("aws.ec2.terminate-instances"), "{why}");
    // The reason names what it destroys, the review and a safer way.
    assert!(
        why.contains("a senior review is required") && why.contains("safer:"),
        "{why}"
    );
    let (decision, _) = claude_guard(
        &fx,
        &edit("fn f(m: &mut HashMap<u8, u8>) { m.remove(&1); }"),
    );
    assert_eq!(decision, "allow", "HashMap::remove is an ordinary edit");
    // Codex's patch, Gemini's shell tool and Cursor's shell hook go through the same policy.
    let patch = "*** Begin Patch\n*** Update File: src/ops.rs\n@@\n-fn f() {}\n+fn f() { std::process::Command::new(\"terraform\").arg(\"destroy\").status(); }\n*** End Patch\n";
    let p =
        json!({ "cwd": fx.root(), "tool_name": "apply_patch", "tool_input": { "input": patch } });
    assert_eq!(
        hook(&fx, &["guard", "--agent", "codex"], &p.to_string()).0,
        2
    );
    let p = json!({ "cwd": fx.root(), "tool_name": "run_shell_command", "tool_input": { "command": "gcloud projects delete prod" } });
    assert_eq!(
        hook(&fx, &["guard", "--agent", "gemini"], &p.to_string()).0,
        2
    );
    let p = json!({ "hook_event_name": "beforeShellExecution", "command": "git push --force origin main", "cwd": fx.root() });
    let (code, out, _) = hook(&fx, &["guard", "--agent", "cursor"], &p.to_string());
    assert_eq!(code, 2);
    // Cursor reads its permission answer as JSON.
    let answer: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(answer["permission"], "deny", "{answer}");
    assert!(
        answer["agentMessage"]
            .as_str()
            .unwrap()
            .contains("git push --force"),
        "{answer}"
    );
    // Policy can allow a rule, or lower the bar.
    fx.write("aigis.toml", "[guard]\nallow = [\"shell.terraform-*\"]\n");
    assert_eq!(claude_guard(&fx, &bash("terraform destroy")).0, "allow");
    fx.write("aigis.toml", "[guard]\nblock = \"high\"\n");
    assert_eq!(claude_guard(&fx, &bash("rm -rf target")).0, "deny");
    // `ask` lets the person confirm in Claude Code's own prompt; agents without one are stopped.
    fx.write("aigis.toml", "[guard]\nask = \"high\"\n");
    let (decision, why) = claude_guard(&fx, &bash("rm -rf target"));
    assert_eq!(decision, "ask", "{why}");
    assert!(why.contains("confirm"), "{why}");
    let p = json!({ "cwd": fx.root(), "tool_name": "run_shell_command", "tool_input": { "command": "rm -rf target" } });
    assert_eq!(
        hook(&fx, &["guard", "--agent", "gemini"], &p.to_string()).0,
        2
    );
    fx.write("aigis.toml", "[guard]\nblock = \"sometimes\"\n");
    let (code, _, err) = claude_guard_exit(&fx, &bash("ls"));
    assert_eq!(code, 2);
    assert!(err.contains("guard.block"), "{err}");
}

#[test]
fn hooks_install_keeps_other_hooks_and_is_idempotent() {
    let settings = r#"{
  "permissions": { "allow": ["Bash(cargo test)"] },
  "hooks": {
    "PostToolUse": [ { "matcher": "Write", "hooks": [ { "type": "command", "command": "./format.sh" } ] } ]
  }
}
"#;
    let fx = Fixture::new(&[(".claude/settings.json", settings)]);
    let (code, out, _) = fx.aigis(&["hooks", "install", "claude-code", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("+") && out.contains("aigis record --agent claude-code"),
        "{out}"
    );
    assert_eq!(
        fx.read(".claude/settings.json"),
        settings,
        "dry run writes nothing"
    );

    let (code, out, err) = fx.aigis(&["hooks", "install", "claude-code"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("backed up"), "{out}");
    assert_eq!(fx.read(".claude/settings.json.aigis-backup"), settings);
    let after = fx.read(".claude/settings.json");
    let v: Value = serde_json::from_str(&after).unwrap();
    assert_eq!(v["permissions"]["allow"][0], "Bash(cargo test)");
    assert_eq!(
        v["hooks"]["PostToolUse"][0]["hooks"][0]["command"],
        "./format.sh"
    );
    assert_eq!(
        v["hooks"]["PostToolUse"][1]["hooks"][0]["command"],
        "aigis record --agent claude-code"
    );
    assert_eq!(
        v["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
        "aigis guard --agent claude-code"
    );

    let (code, out, _) = fx.aigis(&["hooks", "install", "claude-code"]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing changed"), "{out}");
    assert_eq!(fx.read(".claude/settings.json"), after);

    for agent in ["cursor", "codex", "gemini", "copilot", "kiro"] {
        let (code, _, err) = fx.aigis(&["hooks", "install", agent]);
        assert_eq!(code, 0, "{agent}: {err}");
        let (_, out, _) = fx.aigis(&["hooks", "install", agent]);
        assert!(out.contains("nothing changed"), "{agent}: {out}");
    }
    fx.write(".cursor/hooks.json", "{ not json");
    let (code, _, err) = fx.aigis(&["hooks", "install", "cursor"]);
    assert_eq!(code, 2);
    assert!(err.contains("not valid JSON"), "{err}");
    assert_eq!(fx.read(".cursor/hooks.json"), "{ not json");
}

#[test]
fn hooks_install_registers_the_mcp_server_for_each_agent_keeping_the_users_servers() {
    // Real-shaped files, each with a server of the user's own.
    let fx = Fixture::new(&[
        (".mcp.json", "{\n  \"mcpServers\": {\n    \"github\": { \"type\": \"stdio\", \"command\": \"github-mcp\", \"args\": [] }\n  }\n}\n"),
        (".vscode/mcp.json", "{\n  \"servers\": { \"db\": { \"type\": \"stdio\", \"command\": \"db-mcp\" } },\n  \"inputs\": [ { \"id\": \"token\", \"type\": \"promptString\" } ]\n}\n"),
        (".cursor/mcp.json", "{ \"mcpServers\": { \"linear\": { \"url\": \"https://mcp.linear.app/sse\" } } }\n"),
        (".gemini/settings.json", "{ \"theme\": \"GitHub\", \"mcpServers\": { \"fs\": { \"command\": \"fs-mcp\" } } }\n"),
        (".kiro/settings/mcp.json", "{ \"mcpServers\": { \"docs\": { \"command\": \"docs-mcp\", \"disabled\": true } } }\n"),
        (".codex/config.toml", "# the team's Codex settings\nmodel = \"gpt-5-codex\"\n\n[mcp_servers.docs]\ncommand = \"docs-mcp\"\nargs = [\"--stdio\"]\n"),
    ]);
    let files = [
        ("claude-code", vec![".mcp.json", ".claude/settings.json"]),
        ("copilot", vec![".mcp.json", ".vscode/mcp.json"]),
        ("cursor", vec![".cursor/mcp.json"]),
        ("gemini", vec![".gemini/settings.json"]),
        ("kiro", vec![".kiro/settings/mcp.json"]),
        ("codex", vec![".codex/config.toml"]),
    ];
    for (agent, paths) in &files {
        let before: Vec<String> = paths.iter().map(|p| fx.read(p)).collect();
        let (code, out, err) = fx.aigis(&["hooks", "install", agent, "--dry-run"]);
        assert_eq!(code, 0, "{agent}: {err}");
        assert!(
            out.contains("\"mcp\"")
                || out.contains("[mcp_servers.aigis]")
                || out.contains("enabledMcpjsonServers"),
            "{agent}: {out}"
        );
        let after: Vec<String> = paths.iter().map(|p| fx.read(p)).collect();
        assert_eq!(before, after, "{agent}: a dry run writes nothing");
        let (code, _, err) = fx.aigis(&["hooks", "install", agent]);
        assert_eq!(code, 0, "{agent}: {err}");
        let once: Vec<String> = paths.iter().map(|p| fx.read(p)).collect();
        let (code, out, _) = fx.aigis(&["hooks", "install", agent]);
        assert_eq!(code, 0);
        let twice: Vec<String> = paths.iter().map(|p| fx.read(p)).collect();
        assert_eq!(once, twice, "{agent}: a second run changes nothing ({out})");
    }
    let json = |p: &str| -> Value { serde_json::from_str(&fx.read(p)).unwrap() };
    let mcp = json(".mcp.json");
    assert_eq!(mcp["mcpServers"]["github"]["command"], "github-mcp");
    assert_eq!(
        mcp["mcpServers"]["aigis"],
        json!({ "type": "stdio", "command": "aigis", "args": ["mcp"], "env": {} })
    );
    assert_eq!(
        json(".claude/settings.json")["enabledMcpjsonServers"],
        json!(["aigis"])
    );
    let vscode = json(".vscode/mcp.json");
    assert_eq!(vscode["servers"]["db"]["command"], "db-mcp");
    assert_eq!(vscode["inputs"][0]["id"], "token");
    assert_eq!(
        vscode["servers"]["aigis"]["args"],
        json!(["mcp", "--root", "${workspaceFolder}"])
    );
    assert_eq!(
        json(".cursor/mcp.json")["mcpServers"]["linear"]["url"],
        "https://mcp.linear.app/sse"
    );
    let gemini = json(".gemini/settings.json");
    assert_eq!(gemini["theme"], "GitHub");
    assert_eq!(gemini["mcpServers"]["fs"]["command"], "fs-mcp");
    assert_eq!(gemini["mcpServers"]["aigis"]["command"], "aigis");
    assert!(
        gemini["hooks"]["BeforeTool"].is_array(),
        "the hooks and the server share the file: {gemini}"
    );
    let kiro = json(".kiro/settings/mcp.json");
    assert_eq!(kiro["mcpServers"]["docs"]["disabled"], true);
    assert!(kiro["mcpServers"]["aigis"]["autoApprove"]
        .as_array()
        .unwrap()
        .contains(&json!("blast_radius")));
    assert!(!kiro["mcpServers"]["aigis"]["autoApprove"]
        .as_array()
        .unwrap()
        .contains(&json!("request_review")));
    let codex = fx.read(".codex/config.toml");
    assert!(
        codex.starts_with("# the team's Codex settings\nmodel = \"gpt-5-codex\""),
        "{codex}"
    );
    assert!(
        codex.contains("[mcp_servers.docs]") && codex.contains("[mcp_servers.aigis]"),
        "{codex}"
    );
    let parsed: toml::Value = toml::from_str(&codex).unwrap();
    assert_eq!(
        parsed["mcp_servers"]["aigis"]["command"].as_str(),
        Some("aigis")
    );
    // A broken file is left alone, with a clear error.
    fx.write(".cursor/mcp.json", "{ broken");
    let (code, _, err) = fx.aigis(&["hooks", "install", "cursor"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(".cursor/mcp.json") && err.contains("not valid JSON"),
        "{err}"
    );
    assert_eq!(fx.read(".cursor/mcp.json"), "{ broken");
}
