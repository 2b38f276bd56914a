//! Python as a user meets it on every surface: the editor's diagnostics, `scan` (text, JSON,
//! SARIF), `guard` on an agent's edit, `blame`, the blast radius through Python's imports (with
//! entry points and tests apart), and bad input (syntax errors, CRLF, invalid UTF-8, a huge file).

mod common;

use common::*;
use serde_json::{json, Value};

const OPS: &str = "import boto3\n\n\ndef recreate(stack):\n    cf = boto3.client(\"cloudformation\")\n    cf.delete_stack(StackName=stack)\n\n\ndef tidy(cache, d):\n    cache.delete(\"k\")\n    d.pop(\"x\")\n";
const POLICY: &str = "[review]\nsenior = [\"alice@example.com\"]\npeer = [\"*\"]\n";

fn workspace() -> Fixture {
    let fx = Fixture::new(&[
        ("pyproject.toml", "[project]\nname = \"app\"\n"),
        ("app/__init__.py", ""),
        ("app/ops.py", OPS),
        ("app/cli.py", "from .ops import recreate\n\n\ndef rotate(stack):\n    recreate(stack)\n"),
        ("app/main.py", "import app.cli\n\n\ndef main():\n    app.cli.rotate(\"prod\")\n\n\nif __name__ == \"__main__\":\n    main()\n"),
        ("tests/test_ops.py", "from app.ops import recreate\n\n\ndef test_recreate():\n    recreate(\"x\")\n"),
        ("aigis.toml", POLICY),
    ]);
    fx.commit_as(("Bob Builder", "bob@example.com"), "init");
    fx
}

/// A package's `__init__.py` that passes a name on (`from .ops import recreate`): callers that
/// import it from the package are the region's exact dependents.
#[test]
fn the_blast_radius_follows_a_packages_re_exports() {
    let fx = Fixture::new(&[
        ("pyproject.toml", "[project]\nname = \"app\"\n"),
        ("app/__init__.py", "from .ops import recreate\n"),
        ("app/ops.py", OPS),
        (
            "jobs/nightly.py",
            "from app import recreate\n\n\ndef run():\n    recreate(\"prod\")\n",
        ),
        (
            "jobs/other.py",
            "from tools import recreate\n\n\ndef run():\n    recreate(\"x\")\n",
        ),
    ]);
    fx.commit_as(("Bob Builder", "bob@example.com"), "init");
    let payload = json!({ "tool": "claude-code", "cwd": fx.root(), "files": [ { "path": "app/ops.py", "lines": [[4, 6]] } ] });
    let (code, _, err) =
        fx.aigis_with(&["record", "--agent", "generic"], &payload.to_string(), &[]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = fx.aigis(&["scan", "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let sites = &report["regions"][0]["blast"]["sites"];
    let files: Vec<(&str, &str)> = sites
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["file"].as_str().unwrap(),
                s["certainty"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(files.contains(&("jobs/nightly.py", "exact")), "{files:?}");
    assert!(!files.iter().any(|f| f.0 == "jobs/other.py"), "{files:?}");
}

#[test]
fn an_ai_region_in_python_gets_diagnostics_with_its_blast_radius() {
    let fx = workspace();
    let uri = fx.uri("app/ops.py");
    let mut c = Client::start(&fx.root());
    assert!(c.open(&uri, OPS).is_empty(), "no AI region yet: quiet");
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": range(3, 0, 11, 0), "tool": "claude-code" }),
    );
    let diags = c.diagnostics_until(&uri, |d| {
        d.iter()
            .any(|x| x["message"].as_str().is_some_and(|m| m.contains("main")))
    });
    assert_eq!(
        codes(&diags),
        [
            "blast-radius",
            "review/senior-required",
            "risky/aws.cloudformation.delete-stack"
        ],
        "{diags:#?}"
    );
    let risky = diags
        .iter()
        .find(|d| d["code"] == "risky/aws.cloudformation.delete-stack")
        .unwrap();
    assert_eq!(risky["range"]["start"], pos(5, 7));
    let all: String = diags
        .iter()
        .map(|d| d["message"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        all.contains("app.ops.recreate") && all.contains("main"),
        "{all}"
    );
    let hover = c.result(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": pos(5, 10) }),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("claude-code"),
        "{hover}"
    );
    c.shutdown();
}

/// A character typed at the start of a line inside a function ends Python's block: tree-sitter's
/// recovery can run to the end of the file, a parse longer than a keystroke may take. The edit
/// is answered at once, the parse finishes in the background, and then the file is analysed:
/// the findings of the rest of the file stay (they used to vanish while the text was broken, a
/// whole file's warnings flickering on one keystroke), and what the edit wrote is found.
#[test]
fn typing_through_a_broken_python_block_keeps_the_files_findings() {
    let mut py = String::from("import boto3\n\nec2 = boto3.client(\"ec2\")\n\n");
    for i in 0..400 {
        py += &format!("def step{i}(ids):\n    total = {i}\n    if total > 10:\n        ec2.stop_instances(InstanceIds=ids)\n    return total\n\n\n");
    }
    let lines = py.lines().count() as u32;
    let fx = Fixture::new(&[("app/big.py", &py)]);
    let uri = fx.uri("app/big.py");
    let mut c = Client::start_with(
        &fx.root(),
        json!({}),
        json!({ "heuristic": { "enabled": false } }),
    );
    c.open(&uri, &py);
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": range(0, 0, lines, 0), "tool": "t" }),
    );
    let count = |d: &[Value], code: &str| d.iter().filter(|x| x["code"] == code).count();
    let stop = "risky/aws.ec2.stop-instances";
    c.diagnostics_until(&uri, |d| count(d, stop) == 400);
    // `x    if total > 10:` in the 101st function, then a call written into the 201st.
    let line = 4 + 100 * 7 + 2;
    let call = "    ec2.terminate_instances(InstanceIds=ids)\n";
    let call_line = 4 + 200 * 7 + 4;
    let edits = [
        (range(line, 0, line, 0), "x"),
        (range(call_line, 0, call_line, 0), call),
    ];
    for (v, (r, text)) in edits.iter().enumerate() {
        c.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": v + 2 }, "contentChanges": [{ "range": r, "text": text }] }),
        );
    }
    let terminate = "risky/aws.ec2.terminate-instances";
    // Typed by a person; an agent's, as its hook would say.
    c.notify("aigis/markAiEdit", json!({ "textDocument": { "uri": uri }, "range": range(call_line, 0, call_line + 1, 0), "tool": "t" }));
    let done = c.diagnostics_until(&uri, |d| count(d, terminate) == 1);
    assert_eq!(
        count(&done, stop),
        400,
        "the rest of the file keeps its findings"
    );
    // Both undone: the file as it was, whatever the order the parses finish in.
    let undo = [
        (range(call_line, 0, call_line + 1, 0), ""),
        (range(line, 0, line, 1), ""),
    ];
    for (v, (r, text)) in undo.iter().enumerate() {
        c.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": v + 4 }, "contentChanges": [{ "range": r, "text": text }] }),
        );
    }
    let back = c.diagnostics_until(&uri, |d| count(d, terminate) == 0);
    assert_eq!(count(&back, stop), 400);
    c.shutdown();
}

#[test]
fn scan_json_and_sarif_cover_python_and_precision_holds() {
    let fx = workspace();
    let (code, out, err) = fx.aigis(&["scan", "--all", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<(&str, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        rules,
        [("aws.cloudformation.delete-stack", 6)],
        "cache.delete and dict.pop are not findings"
    );
    let (code, out, _) = fx.aigis(&["scan", "--all", "--format", "sarif"]);
    assert_eq!(code, 0);
    let sarif: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"],
        "aws.cloudformation.delete-stack"
    );
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "app/ops.py"
    );
}

#[test]
fn guard_stops_an_agents_python_edit_that_deletes_a_stack() {
    let fx = workspace();
    let edit = |new: &str| {
        json!({ "hook_event_name": "PreToolUse", "tool_name": "Edit", "cwd": fx.root(),
                "tool_input": { "file_path": fx.path("app/ops.py"), "old_string": "    cache.delete(\"k\")\n", "new_string": new } })
        .to_string()
    };
    let (decision, why) = claude_guard(
        &fx,
        &edit("    boto3.client(\"cloudformation\").delete_stack(StackName=\"prod\")\n"),
    );
    assert_eq!(decision, "deny", "{why}");
    assert!(
        why.contains("aws.cloudformation.delete-stack") && why.contains("app/ops.py:10"),
        "{why}"
    );
    let (decision, why) = claude_guard(&fx, &edit("    cache.delete(\"other\")\n"));
    assert_eq!(decision, "allow", "{why}");
    // An agent's shell command through Python is checked too.
    let (decision, _) = claude_guard(
        &fx,
        &edit("    import os\n    os.system(\"terraform destroy -auto-approve\")\n"),
    );
    assert_eq!(decision, "deny");
}

#[test]
fn record_then_blame_and_report_name_the_agent_on_python_lines() {
    let fx = workspace();
    fx.write(
        "app/ops.py",
        &format!("{OPS}\n\ndef drop(name):\n    boto3.client(\"s3\").delete_bucket(Bucket=name)\n"),
    );
    let payload = json!({ "session_id": "s", "cwd": fx.root(), "hook_event_name": "PostToolUse", "tool_name": "Edit",
        "tool_input": { "file_path": fx.path("app/ops.py"), "old_string": "x", "new_string": "def drop(name):\n    boto3.client(\"s3\").delete_bucket(Bucket=name)\n" } });
    let (code, out, err) = fx.aigis_with(
        &["record", "--agent", "claude-code"],
        &payload.to_string(),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("aws.s3.delete-bucket"),
        "the agent is told: {out}"
    );
    let (_, out, _) = fx.aigis(&["blame", "app/ops.py:15", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["lines"][0]["ai"], true, "{v}");
    assert_eq!(v["lines"][0]["tool"], "claude-code");
    let (code, out, _) = fx.aigis(&["scan", "--format", "json"]);
    assert_eq!(
        code, 1,
        "a critical AI region without review fails the scan"
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["regions"][0]["file"], "app/ops.py");
    assert_eq!(report["findings"][0]["rule"], "aws.s3.delete-bucket");
    let (code, out, _) = fx.aigis(&["report", "--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(out.contains("app/ops.py"), "{out}");
}

#[test]
fn bad_python_input_gets_a_clear_result() {
    let fx = workspace();
    // Half-typed code, CRLF, tabs, a stub file, invalid UTF-8, a huge minified-like file.
    fx.write(
        "app/broken.py",
        "def f(:\n    boto3.client(\"ec2\").terminate_instances(\n\tx = [\n",
    );
    fx.write("app/crlf.py", "import boto3\r\n\r\ndef f():\r\n    boto3.client(\"ec2\").terminate_instances(InstanceIds=[])\r\n");
    fx.write("app/types.pyi", "def recreate(stack: str) -> None: ...\n");
    std::fs::write(
        fx.path("app/latin1.py"),
        b"# caf\xe9\nimport shutil\nshutil.rmtree('/srv')\n",
    )
    .unwrap();
    let huge = "x = 1\n".repeat(1_600_000);
    fx.write("app/generated.py", &huge);
    let (code, out, err) = fx.aigis(&["scan", "--all", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["file"].as_str().unwrap(),
                f["rule"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        found.contains(&"app/crlf.py:aws.ec2.terminate-instances".to_string()),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|f| f.starts_with("app/latin1.py")),
        "not UTF-8: skipped, {found:?}"
    );
    // Half-typed code is analysed as far as it parses, and never stops the scan.
    assert!(
        !found.iter().any(|f| f.starts_with("app/types.pyi")),
        "{found:?}"
    );
    let skipped = report["summary"].to_string() + &err;
    assert!(
        skipped.contains("generated.py")
            || !found.iter().any(|f| f.starts_with("app/generated.py")),
        "{skipped}"
    );
    // The editor gets the same broken file and keeps answering.
    let uri = fx.uri("app/broken.py");
    let mut c = Client::start(&fx.root());
    c.open(
        &uri,
        "def f(:\n    boto3.client(\"ec2\").terminate_instances(\n",
    );
    c.change(
        &uri,
        2,
        json!([{ "range": range(0, 6, 0, 6), "text": "x" }]),
    );
    assert!(c.is_running());
    c.shutdown();
}
