//! Every bad input gets a clear answer and the server keeps serving: never a panic or a hang.

mod common;

use common::*;
use serde_json::{json, Value};

const SRC: &str = "use aws_sdk_ec2 as ec2;\nasync fn f(c: &ec2::Client) {\n    c.terminate_instances().send().await;\n}\n";

fn alive(c: &mut Client) {
    let r = c.request(
        "aigis/regions",
        json!({ "textDocument": { "uri": "file:///nowhere.rs" } }),
    );
    assert!(
        r["error"]["message"].as_str().unwrap().contains("not open"),
        "{r}"
    );
}

#[test]
fn malformed_json_rpc_is_answered_and_the_server_keeps_serving() {
    let fx = Fixture::new(&[]);
    let mut c = Client::start(&fx.root());
    let error = |code: i64| move |m: &Value| m["error"]["code"] == code;
    // Each malformed frame gets a parse error that says what was wrong, then the server serves.
    for (frame, says) in [
        (&b"Content-Length: 8\r\n\r\n{\"jsonrp"[..], "Parse error"),
        (
            &b"Content-Length: 4\r\n\r\n\xff\xfe\x00\x01"[..],
            "not UTF-8",
        ),
        (&b"Content-Type: x\r\n\r\n"[..], "missing Content-Length"),
    ] {
        c.send_raw(frame);
        let e = c.wait_msg(error(-32700));
        assert!(
            e["error"]["message"].as_str().unwrap().contains(says),
            "{e}"
        );
        alive(&mut c);
    }
    c.send(&json!({ "jsonrpc": "2.0", "id": 99, "params": {} }));
    let e = c.wait_msg(error(-32600));
    assert_eq!(e["id"], 99);
    c.send(&json!([1, 2]));
    c.wait_msg(error(-32600));
    alive(&mut c);
    let r = c.request("no/suchMethod", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    c.notify("no/suchNotification", json!({}));
    let r = c.request("aigis/regions", json!({ "wrong": true }));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = c.request(
        "workspace/executeCommand",
        json!({ "command": "aigis.approve", "arguments": [] }),
    );
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("one object argument"),
        "{r}"
    );
    let r = c.request(
        "workspace/executeCommand",
        json!({ "command": "aigis.nope", "arguments": [{}] }),
    );
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown command"),
        "{r}"
    );
    let r = c.request(
        "workspace/executeCommand",
        json!({ "command": "aigis.markAi", "arguments": [{ "uri": 3 }] }),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");
    alive(&mut c);
    assert!(c.shutdown().success());
}

#[test]
fn positions_past_the_end_are_clamped() {
    let fx = Fixture::new(&[("a.rs", SRC)]);
    let uri = fx.uri("a.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, SRC);
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": range(1, 999, 4000, 7), "tool": "t" }),
    );
    let diags = c.diagnostics(&uri);
    assert!(
        codes(&diags).contains(&"risky/aws.ec2.terminate-instances".into()),
        "{diags:?}"
    );
    assert_eq!(c.regions(&uri)[0]["range"], range(1, 29, 4, 0));
    // An edit past the end appends.
    c.change(
        &uri,
        2,
        json!([{ "range": range(99, 99, 120, 0), "text": "// tail\n" }]),
    );
    let hover = c.result(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": pos(9999, 9999) }),
    );
    assert!(hover.is_null());
    let actions = c.result("textDocument/codeAction", json!({ "textDocument": { "uri": uri }, "range": range(500, 0, 400, 0), "context": { "diagnostics": [] } }));
    assert!(actions.is_array());
    // markAiEdit for a version the document is not at is ignored, not misapplied.
    c.notify("aigis/markAiEdit", json!({ "textDocument": { "uri": uri, "version": 1 }, "range": range(0, 0, 1, 0), "tool": "late" }));
    let log = c.wait_for("window/logMessage", |p| {
        p["message"].as_str().unwrap_or("").contains("ignored")
    });
    assert!(log["message"].as_str().unwrap().contains("version 1"));
    assert_eq!(c.regions(&uri).len(), 1);
    alive(&mut c);
}

#[test]
fn a_50_mb_file_is_tracked_without_analysis_and_the_server_stays_responsive() {
    let fx = Fixture::new(&[]);
    let uri = fx.uri("big.rs");
    let mut c = Client::start(&fx.root());
    let line = "    c.terminate_instances().send().await; // padding padding padding padding\n";
    let big = format!(
        "use aws_sdk_ec2 as ec2;\nfn f() {{\n{}}}\n",
        line.repeat(50 * 1024 * 1024 / line.len())
    );
    assert!(big.len() > 50_000_000);
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 1, "text": big } }),
    );
    let log = c.wait_for("window/logMessage", |p| {
        p["message"].as_str().unwrap_or("").contains("not analysed")
    });
    assert!(log["message"].as_str().unwrap().contains("larger than"));
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": range(2, 0, 10, 0), "tool": "t" }),
    );
    let diags = c.diagnostics(&uri);
    assert!(
        diags.is_empty(),
        "a file too large to analyse has no findings: {diags:?}"
    );
    let diags = c.change(
        &uri,
        2,
        json!([{ "range": range(0, 0, 0, 0), "text": "// x\n" }]),
    );
    assert!(diags.is_empty());
    assert_eq!(c.regions(&uri)[0]["range"]["start"], pos(3, 0));
    alive(&mut c);
}

#[test]
fn corrupt_ledger_lines_warn_and_the_rest_still_loads() {
    let fx = Fixture::new(&[("a.rs", SRC)]);
    let uri = fx.uri("a.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, SRC);
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": range(1, 0, 3, 1), "tool": "t" }),
    );
    c.diagnostics(&uri);
    c.shutdown();
    let log = fx.path(".aigis/regions/a.rs.jsonl");
    let good = std::fs::read_to_string(&log).unwrap();
    std::fs::write(
        &log,
        format!("{{\"v\":1,\"kind\":\"regions\",\"file\":broken\n{good}\u{7f}garbage\n"),
    )
    .unwrap();
    std::fs::write(fx.path(".aigis/reviews/a.rs.jsonl"), "not json at all\n").unwrap_or_else(
        |_| {
            std::fs::create_dir_all(fx.path(".aigis/reviews")).unwrap();
            std::fs::write(fx.path(".aigis/reviews/a.rs.jsonl"), "not json at all\n").unwrap();
        },
    );

    let mut c = Client::start(&fx.root());
    let diags = c.open(&uri, SRC);
    assert!(codes(&diags).contains(&"risky/aws.ec2.terminate-instances".into()));
    let warn = c.wait_for("window/showMessage", |p| {
        p["message"].as_str().unwrap_or("").contains("a.rs.jsonl:1")
    });
    assert_eq!(warn["type"], 2, "a warning");
    assert!(warn["message"].as_str().unwrap().contains("kept as it is"));
    // Unreadable lines survive later writes.
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": range(0, 0, 0, 5), "tool": "t" }),
    );
    c.diagnostics(&uri);
    let after = std::fs::read_to_string(&log).unwrap();
    assert!(after.contains("\"file\":broken") && after.contains("garbage"));
}

#[test]
fn a_broken_aigis_toml_is_reported_and_defaults_apply() {
    let fx = Fixture::new(&[("a.rs", SRC), ("aigis.toml", "[review\nsenior = 3\n")]);
    let uri = fx.uri("a.rs");
    let mut c = Client::start(&fx.root());
    let msg = c.wait_for("window/showMessage", |p| {
        p["message"].as_str().unwrap_or("").contains("aigis.toml")
    });
    assert_eq!(msg["type"], 1, "an error");
    assert!(msg["message"].as_str().unwrap().contains("default policy"));
    c.open(&uri, SRC);
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": range(1, 0, 3, 1), "tool": "t" }),
    );
    assert!(codes(&c.diagnostics(&uri)).contains(&"review/senior-required".into()));
}

#[test]
fn exit_without_shutdown_ends_the_process_with_an_error_code() {
    let fx = Fixture::new(&[]);
    let mut c = Client::start(&fx.root());
    c.notify("exit", Value::Null);
    let deadline = std::time::Instant::now() + *TIMEOUT;
    while c.is_running() {
        assert!(std::time::Instant::now() < deadline, "no exit");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
