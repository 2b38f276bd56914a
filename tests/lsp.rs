//! The language server as editors meet it: the real binary over stdio.

mod common;

use std::sync::Mutex;

use common::*;
use proptest::prelude::*;
use serde_json::{json, Value};

const DEPLOY: &str = r#"use aws_sdk_ec2 as ec2;
use std::collections::HashMap;

pub async fn purge(client: &ec2::Client, ids: Vec<String>) {
    client.terminate_instances().set_instance_ids(Some(ids)).send().await.unwrap();
}

pub async fn tidy(map: &mut HashMap<String, u32>, http: &reqwest::Client) {
    map.remove("k");
    http.delete("https://example.com/x").send().await.unwrap();
}
"#;

const POLICY: &str = "[review]\nsenior = [\"alice@example.com\"]\npeer = [\"*\"]\n";

fn mark(c: &mut Client, uri: &str, r: Value) -> Vec<Value> {
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": r, "tool": "copilot", "model": "gpt-5" }),
    );
    c.diagnostics(uri)
}

#[test]
fn marked_terminate_instances_is_an_error_and_unmarked_code_is_quiet() {
    let fx = Fixture::new(&[("src/deploy.rs", DEPLOY), ("aigis.toml", POLICY)]);
    let uri = fx.uri("src/deploy.rs");
    let mut c = Client::start(&fx.root());
    assert!(
        c.open(&uri, DEPLOY).is_empty(),
        "no AI region yet: no diagnostics"
    );

    let diags = mark(&mut c, &uri, range(3, 0, 5, 1));
    let risky: Vec<&Value> = diags
        .iter()
        .filter(|d| d["code"] == "risky/aws.ec2.terminate-instances")
        .collect();
    assert_eq!(risky.len(), 1, "{diags:#?}");
    assert_eq!(risky[0]["severity"], 1, "critical is an Error");
    assert_eq!(risky[0]["source"], "aigis");
    assert_eq!(risky[0]["range"]["start"], pos(4, 11));
    let msg = risky[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("destroys instances") && msg.contains("copilot") && msg.contains("senior"),
        "{msg}"
    );
    assert_eq!(
        codes(&diags),
        [
            "review/senior-required",
            "risky/aws.ec2.terminate-instances"
        ]
    );

    // HashMap::remove and reqwest's HTTP DELETE inside an AI region are not findings.
    let diags = mark(&mut c, &uri, range(7, 0, 10, 1));
    assert_eq!(
        codes(&diags),
        [
            "review/senior-required",
            "risky/aws.ec2.terminate-instances"
        ]
    );
    let regions = c.regions(&uri);
    assert_eq!(regions.len(), 2);
    assert_eq!(regions[1]["risk"]["tier"], "none");
    assert_eq!(regions[1]["source"], "editor");
    assert_eq!(regions[1]["confidence"], "exact");
    assert_eq!(regions[1]["model"], "gpt-5");
    c.shutdown();
}

/// A region of many risky calls: its review diagnostic names each rule once, with a count, and
/// links the first five (each call has its own diagnostic); nothing is sent 25 times over.
#[test]
fn a_region_of_many_risky_calls_is_summed_up_not_listed() {
    let mut src = String::from("use std::fs;\n\n");
    for i in 0..25 {
        src += &format!("pub fn wipe{i}() {{\n    fs::remove_dir_all(\"/tmp/x{i}\").ok();\n}}\n\n");
    }
    let fx = Fixture::new(&[("src/lib.rs", &src)]);
    let uri = fx.uri("src/lib.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, &src);
    let lines = src.lines().count() as u32;
    let diags = mark(&mut c, &uri, range(2, 0, lines, 0));
    let risky = diags
        .iter()
        .filter(|d| d["code"] == "risky/rust.std.fs.remove-dir-all")
        .count();
    assert_eq!(risky, 25, "{diags:#?}");
    let review = diags
        .iter()
        .find(|d| d["code"] == "review/peer-required")
        .unwrap_or_else(|| panic!("{diags:#?}"));
    let msg = review["message"].as_str().unwrap();
    assert!(
        msg.contains("rust.std.fs.remove-dir-all (") && msg.contains("×25"),
        "{msg}"
    );
    assert_eq!(msg.matches("remove-dir-all").count(), 1, "{msg}");
    assert_eq!(review["relatedInformation"].as_array().unwrap().len(), 5);
    // The same summary where the region's risk is read as data.
    let reasons = c.regions(&uri)[0]["risk"]["reasons"].clone();
    assert_eq!(reasons.as_array().unwrap().len(), 1, "{reasons}");
    c.shutdown();
}

#[test]
fn regions_move_with_edits_above_inside_and_across() {
    let fx = Fixture::new(&[("src/deploy.rs", DEPLOY)]);
    let uri = fx.uri("src/deploy.rs");
    let mut c = Client::start_with(
        &fx.root(),
        json!({}),
        json!({ "heuristic": { "enabled": false } }),
    );
    c.open(&uri, DEPLOY);
    mark(&mut c, &uri, range(3, 0, 5, 1));
    // Two lines inserted above: the region moves down with its finding.
    let diags = c.change(
        &uri,
        2,
        json!([{ "range": range(0, 0, 0, 0), "text": "// a\n// b\n" }]),
    );
    let risky = diags
        .iter()
        .find(|d| d["code"] == "risky/aws.ec2.terminate-instances")
        .unwrap();
    assert_eq!(risky["range"]["start"], pos(6, 11));
    assert_eq!(c.regions(&uri)[0]["range"], range(5, 0, 7, 1));
    // An edit inside an AI line keeps it AI, marked as modified by a human.
    c.change(
        &uri,
        3,
        json!([{ "range": range(6, 4, 6, 4), "text": "let _ = 1; " }]),
    );
    let r = &c.regions(&uri)[0];
    assert_eq!(r["range"], range(5, 0, 7, 1));
    assert_eq!(r["modified"], true);
    // A whole line a person typed inside it is the person's: the region splits around it.
    c.change(
        &uri,
        4,
        json!([{ "range": range(6, 0, 6, 0), "text": "    let _guard = 1;\n" }]),
    );
    let rs = c.regions(&uri);
    let ranges: Vec<&Value> = rs.iter().map(|r| &r["range"]).collect();
    assert_eq!(ranges, [&range(5, 0, 6, 0), &range(7, 0, 8, 1)]);
    assert!(rs.iter().all(|r| r["modified"] == true));
    // An edit across its start keeps only what survives.
    c.change(&uri, 5, json!([{ "range": range(4, 0, 6, 0), "text": "" }]));
    let rs = c.regions(&uri);
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0]["range"]["start"], pos(5, 0));
    // Deleting all of its text removes it.
    let end = c.regions(&uri)[0]["range"]["end"].clone();
    let diags = c.change(
        &uri,
        6,
        json!([{ "range": { "start": pos(5, 0), "end": end }, "text": "" }]),
    );
    assert!(c.regions(&uri).is_empty());
    assert!(diags.is_empty(), "{diags:#?}");
    // A stale version is ignored.
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 6 }, "contentChanges": [{ "range": range(0, 0, 0, 0), "text": "zzz" }] }),
    );
    let text_probe = c.result("aigis/regions", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(text_probe, json!([]));
}

#[test]
fn a_line_typed_in_a_region_and_deleted_again_leaves_it_one_region() {
    // Two functions that each terminate instances (a review each when they are apart).
    let text = DEPLOY.replace(
        "map.remove(\"k\");",
        "client.terminate_instances().send().await.unwrap();",
    );
    let fx = Fixture::new(&[("src/deploy.rs", &text), ("aigis.toml", POLICY)]);
    let uri = fx.uri("src/deploy.rs");
    let mut c = Client::start_with(
        &fx.root(),
        json!({}),
        json!({ "heuristic": { "enabled": false } }),
    );
    c.open(&uri, &text);
    // Both functions, with the blank line 6 between them.
    mark(&mut c, &uri, range(3, 0, 10, 1));
    let id = c.regions(&uri)[0]["id"].clone();
    let reviews = |d: &[Value]| {
        d.iter()
            .filter(|d| d["code"].as_str().is_some_and(|c| c.starts_with("review/")))
            .count()
    };
    // A character typed on the blank line: that line is the person's, the region splits.
    let typed = c.change(
        &uri,
        2,
        json!([{ "range": range(6, 0, 6, 0), "text": "x" }]),
    );
    let rs = c.regions(&uri);
    let ranges: Vec<&Value> = rs.iter().map(|r| &r["range"]).collect();
    assert_eq!(ranges, [&range(3, 0, 6, 0), &range(7, 0, 10, 1)]);
    assert_eq!(reviews(&typed), 2, "{typed:#?}");
    // Deleted again: one region under its id, one review, as before.
    let deleted = c.change(&uri, 3, json!([{ "range": range(6, 0, 6, 1), "text": "" }]));
    let rs = c.regions(&uri);
    assert_eq!(rs.len(), 1, "{rs:#?}");
    assert_eq!(rs[0]["range"], range(3, 0, 10, 1));
    assert_eq!(rs[0]["id"], id);
    assert_eq!(reviews(&deleted), 1, "{deleted:#?}");
    // A typed line with text left in it keeps the pieces apart.
    c.change(
        &uri,
        4,
        json!([{ "range": range(6, 0, 6, 0), "text": "xy" }]),
    );
    c.change(&uri, 5, json!([{ "range": range(6, 0, 6, 1), "text": "" }]));
    assert_eq!(c.regions(&uri).len(), 2);
    c.change(&uri, 6, json!([{ "range": range(6, 0, 6, 1), "text": "" }]));
    assert_eq!(c.regions(&uri).len(), 1);

    // Two regions, written apart, are never joined across a blank line.
    let other = fx.uri("src/other.rs");
    c.open(&other, &text);
    mark(&mut c, &other, range(3, 0, 5, 1));
    mark(&mut c, &other, range(7, 0, 10, 1));
    c.change(
        &other,
        2,
        json!([{ "range": range(6, 0, 6, 0), "text": "x" }]),
    );
    c.change(
        &other,
        3,
        json!([{ "range": range(6, 0, 6, 1), "text": "" }]),
    );
    assert_eq!(c.regions(&other).len(), 2);
}

#[test]
fn review_request_persists_across_restart_and_only_a_listed_senior_approves() {
    let fx = Fixture::new(&[("src/deploy.rs", DEPLOY), ("aigis.toml", POLICY)]);
    let uri = fx.uri("src/deploy.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, DEPLOY);
    let diags = mark(&mut c, &uri, range(3, 0, 5, 1));
    let region_id = c.regions(&uri)[0]["id"].as_str().unwrap().to_string();

    let actions = c.result(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": range(4, 12, 4, 12), "context": { "diagnostics": diags } }),
    );
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Request senior review")
        })
        .unwrap_or_else(|| panic!("no quickfix in {actions:#}"))
        .clone();
    assert_eq!(action["kind"], "quickfix");
    // It fixes the region's diagnostics: its review's, and its finding's (found by where it
    // is: a finding's diagnostic carries no region id).
    assert_eq!(
        codes(action["diagnostics"].as_array().unwrap()),
        [
            "review/senior-required",
            "risky/aws.ec2.terminate-instances"
        ]
    );
    assert_eq!(action["command"]["command"], "aigis.requestSeniorReview");
    let args = action["command"]["arguments"].clone();
    assert_eq!(args[0]["regionId"], region_id.as_str());
    let result = c.result(
        "workspace/executeCommand",
        json!({ "command": "aigis.requestSeniorReview", "arguments": args }),
    );
    assert_eq!(result["kind"], "review-request");
    let diags = c.diagnostics(&uri);
    assert_eq!(
        codes(&diags),
        ["review/requested", "risky/aws.ec2.terminate-instances"]
    );
    let ledger = fx.read(".aigis/reviews/src/deploy.rs.jsonl");
    let record: Value = serde_json::from_str(ledger.lines().next().unwrap()).unwrap();
    assert_eq!(record["region"], region_id.as_str());
    assert_eq!(record["requester"]["email"], "bob@example.com");
    assert_eq!(record["reviewers"], json!(["alice@example.com"]));
    assert!(record["hash"].as_str().unwrap().starts_with("sha256:"));
    assert!(record["reasons"][0]
        .as_str()
        .unwrap()
        .starts_with("aws.ec2.terminate-instances"));
    // No second request for the same region: the action is gone.
    let actions = c.result("textDocument/codeAction", json!({ "textDocument": { "uri": uri }, "range": range(4, 12, 4, 12), "context": { "diagnostics": [] } }));
    assert!(!actions.to_string().contains("Request senior review"));
    c.shutdown();

    // After a restart the region and its requested state are back.
    let mut c = Client::start(&fx.root());
    let diags = c.open(&uri, DEPLOY);
    assert_eq!(
        codes(&diags),
        ["review/requested", "risky/aws.ec2.terminate-instances"]
    );
    let regions = c.regions(&uri);
    assert_eq!(regions[0]["id"], region_id.as_str());
    assert_eq!(regions[0]["review"]["state"], "requested");

    // Bob wrote it with the AI and cannot approve; Carol is not a listed senior.
    let approve =
        json!({ "command": "aigis.approve", "arguments": [{ "uri": uri, "regionId": region_id }] });
    let resp = c.request("workspace/executeCommand", approve.clone());
    assert!(
        resp["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot approve"),
        "{resp}"
    );
    fx.set_identity("Carol", "carol@example.com");
    let resp = c.request("workspace/executeCommand", approve.clone());
    assert!(
        resp["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a senior reviewer"),
        "{resp}"
    );
    fx.set_identity("Alice", "alice@example.com");
    let result = c.result("workspace/executeCommand", approve);
    assert_eq!(result["kind"], "approval");
    let diags = c.diagnostics(&uri);
    let approved = diags
        .iter()
        .find(|d| d["code"] == "review/approved")
        .unwrap();
    assert_eq!(approved["severity"], 4, "approved is a hint");
    assert_eq!(
        c.regions(&uri)[0]["review"]["by"],
        "Alice <alice@example.com>"
    );
    c.shutdown();
}

#[test]
fn hover_shows_provenance_findings_and_review_state() {
    let fx = Fixture::new(&[("src/deploy.rs", DEPLOY), ("aigis.toml", POLICY)]);
    let uri = fx.uri("src/deploy.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, DEPLOY);
    mark(&mut c, &uri, range(3, 0, 5, 1));
    let hover = c.result(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": pos(4, 20) }),
    );
    let md = hover["contents"]["value"].as_str().unwrap();
    for want in [
        "tool: `copilot`",
        "model: `gpt-5`",
        "`editor`",
        "confidence `exact`",
        "aws.ec2.terminate-instances",
        "tier **senior**",
        "review: **required**",
    ] {
        assert!(md.contains(want), "hover lacks {want:?}: {md}");
    }
    let outside = c.result(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": pos(0, 0) }),
    );
    assert!(outside.is_null());
}

#[test]
fn burst_heuristic_marks_with_low_confidence_but_not_pastes_or_formatting() {
    let fx = Fixture::new(&[("src/lib.rs", "")]);
    let uri = fx.uri("src/lib.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, "fn main() {}\n");
    let block = "fn wipe() {\n    std::fs::remove_dir_all(\"/srv/data\").unwrap();\n    println!(\"done\");\n    let x = 1;\n}\n";
    let diags = c.change(
        &uri,
        2,
        json!([{ "range": range(1, 0, 1, 0), "text": block }]),
    );
    // A guess is a hint: no review, no risky-operation warning, one "possibly AI" hint.
    assert_eq!(codes(&diags), ["ai/possible"]);
    let hint = &diags[0];
    assert_eq!(hint["severity"], 4);
    assert!(
        hint["message"]
            .as_str()
            .unwrap()
            .contains("rust.std.fs.remove-dir-all"),
        "{hint}"
    );
    let r = &c.regions(&uri)[0];
    assert_eq!(
        (r["source"].as_str(), r["confidence"].as_str()),
        (Some("heuristic"), Some("low"))
    );
    assert_eq!(r["risk"]["tier"], "none");
    // It is not written to the ledger, so scan and CI never see it.
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri } }),
    );
    c.diagnostics(&uri);
    assert!(!fx
        .read(".aigis/regions/src/lib.rs.jsonl")
        .contains("heuristic"));
    // One click confirms it: then it is an AI region like any other.
    let actions = c.result(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": range(2, 0, 2, 0), "context": { "diagnostics": [] } }),
    );
    let confirm = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Mark as AI-written")
        })
        .unwrap_or_else(|| panic!("{actions:#}"))
        .clone();
    c.result("workspace/executeCommand", confirm["command"].clone());
    let confirmed = c.diagnostics(&uri);
    assert_eq!(
        codes(&confirmed),
        ["review/peer-required", "risky/rust.std.fs.remove-dir-all"]
    );
    assert_eq!(c.regions(&uri)[0]["source"], "user");
    c.result(
        "workspace/executeCommand",
        json!({ "command": "aigis.markHuman", "arguments": [{ "uri": uri, "range": range(1, 0, 6, 0) }] }),
    );
    c.diagnostics(&uri);
    // A block inserted right after the client asked for code actions is that action's edit.
    c.change(&uri, 3, json!([{ "range": range(1, 0, 6, 0), "text": "" }]));
    c.result(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": range(0, 0, 0, 0), "context": { "diagnostics": [] } }),
    );
    let implemented = block.replace("wipe", "implemented");
    c.change(
        &uri,
        4,
        json!([{ "range": range(1, 0, 1, 0), "text": implemented }]),
    );
    assert!(c.regions(&uri).is_empty(), "{:#?}", c.regions(&uri));
    c.change(&uri, 5, json!([{ "range": range(1, 0, 6, 0), "text": "" }]));
    c.shutdown();
    let mut c = Client::start(&fx.root());
    c.open(&uri, "fn main() {}\n");
    let diags = c.change(
        &uri,
        2,
        json!([{ "range": range(1, 0, 1, 0), "text": block }]),
    );
    assert_eq!(codes(&diags), ["ai/possible"]);

    // The user says the block was pasted: the guess goes away.
    c.notify(
        "aigis/didPaste",
        json!({ "textDocument": { "uri": uri }, "range": range(1, 0, 6, 0) }),
    );
    c.diagnostics_until(&uri, |d| d.is_empty());
    // A paste reported before the change never becomes a region.
    let block2 = block.replace("wipe", "wipe2");
    c.notify(
        "aigis/didPaste",
        json!({ "textDocument": { "uri": uri }, "text": block2 }),
    );
    c.diagnostics(&uri);
    c.change(
        &uri,
        3,
        json!([{ "range": range(6, 0, 6, 0), "text": block2 }]),
    );
    assert!(c.regions(&uri).is_empty());
    // Re-indenting the whole file is formatting, not new code.
    let text = format!("fn main() {{}}\n{block}{block2}");
    c.change(
        &uri,
        4,
        json!([{ "range": range(0, 0, 11, 0), "text": text.replace("    ", "  ") }]),
    );
    assert!(c.regions(&uri).is_empty());
}

#[test]
fn utf8_positions_when_the_client_offers_them() {
    let src = "// héllo wörld\nuse aws_sdk_ec2 as ec2;\nasync fn f(client: &ec2::Client) { client.terminate_instances().send().await; }\n";
    let fx = Fixture::new(&[("src/a.rs", src)]);
    let uri = fx.uri("src/a.rs");
    let mut c = Client::start_with(
        &fx.root(),
        json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } }),
        json!({}),
    );
    c.open(&uri, src);
    // "é" and "ö" are two bytes each: line 0 is 16 bytes but 14 UTF-16 units.
    // Byte 6 of line 0 is the "l" after "é"; byte 5 is inside "é" and rounds down to its start.
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": range(0, 5, 2, 200), "tool": "t" }),
    );
    let diags = c.diagnostics(&uri);
    assert!(codes(&diags).contains(&"risky/aws.ec2.terminate-instances".to_string()));
    let r = c.regions(&uri)[0]["range"].clone();
    assert_eq!(r["start"], pos(0, 4), "inside a character rounds down");
    let line2 = src.lines().nth(2).unwrap().len() as u32;
    assert_eq!(r["end"], pos(2, line2), "clamped to the line end");
    let risky = diags
        .iter()
        .find(|d| d["code"] == "risky/aws.ec2.terminate-instances")
        .unwrap();
    assert_eq!(risky["range"]["start"], pos(2, 42), "columns are bytes");
}

// ---- property test: regions over random edits, against a per-character reference model ----

static SHARED: Mutex<Option<Client>> = Mutex::new(None);
static FIXTURE: Mutex<Option<Fixture>> = Mutex::new(None);

fn line_col(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col = offset - before.rfind('\n').map_or(0, |i| i + 1);
    pos(line as u32, col as u32)
}

/// Reference: every character carries the id of its region or none, and whether a person typed
/// it; inserted text joins a region only when it lands strictly inside it, and a line the edit
/// touched whose every visible character was typed by a person leaves its region.
fn model_edit(
    text: &str,
    labels: &mut Vec<Option<u8>>,
    typed: &mut Vec<bool>,
    s: usize,
    e: usize,
    n: usize,
) {
    model_apply(labels, s, e, n);
    typed.splice(s..e, std::iter::repeat_n(true, n));
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    let next_line = |at: usize| text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    let mut ls = line_start(s);
    loop {
        let le = next_line(ls);
        let visible: Vec<usize> = (ls..le)
            .filter(|&i| !text.as_bytes()[i].is_ascii_whitespace())
            .collect();
        if labels[ls..le].iter().any(Option::is_some)
            && !visible.is_empty()
            && visible.iter().all(|&i| typed[i])
        {
            labels[ls..le].iter_mut().for_each(|l| *l = None);
        }
        if le >= text.len() || le > s + n {
            break;
        }
        ls = le;
    }
    // Two pieces of one region whose gap, touched by the edit's lines, holds only whitespace
    // are one again (a carved line deleted).
    let (from, to) = (line_start(s), next_line(s + n));
    while let Some((k, g0, g1)) = spans_of(labels).windows(2).find_map(|w| {
        let ((k, _, g0), (j, g1, _)) = (w[0], w[1]);
        (k == j
            && g0 <= to
            && from <= g1
            && text.as_bytes()[g0..g1].iter().all(u8::is_ascii_whitespace))
        .then_some((k, g0, g1))
    }) {
        labels[g0..g1].fill(Some(k));
    }
}

fn model_apply(labels: &mut Vec<Option<u8>>, s: usize, e: usize, n: usize) {
    let spans = spans_of(labels);
    let inside = spans
        .iter()
        .find(|(_, a, b)| {
            if s == e {
                *a < s && s < *b
            } else {
                s >= *a && e <= *b && !(s == *a && e == *b)
            }
        })
        .map(|(l, _, _)| *l);
    labels.splice(s..e, std::iter::repeat_n(inside, n));
}

/// Runs of characters with the same region (a region split in two is two runs).
fn spans_of(labels: &[Option<u8>]) -> Vec<(u8, usize, usize)> {
    let mut out: Vec<(u8, usize, usize)> = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        if let Some(l) = l {
            match out.last_mut() {
                Some(s) if s.0 == *l && s.2 == i => s.2 = i + 1,
                _ => out.push((*l, i, i + 1)),
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn regions_follow_random_edits_over_stdio(
        marks in proptest::collection::btree_set(0usize..120, 4),
        edits in proptest::collection::vec((0usize..140, 0usize..12, "[a-z\n]{0,8}"), 1..12),
    ) {
        let mut guard = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        let mut fx_guard = FIXTURE.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            let fx = Fixture::new(&[]);
            *guard = Some(Client::start_with(&fx.root(), json!({}), json!({ "heuristic": { "enabled": false } })));
            *fx_guard = Some(fx);
        }
        let c = guard.as_mut().unwrap();
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let uri = format!("file:///prop/{}.rs", N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let mut text: String = (0..120).map(|i| if i % 17 == 16 { '\n' } else { (b'a' + (i % 26) as u8) as char }).collect();
        c.open(&uri, &text);
        let mut labels: Vec<Option<u8>> = vec![None; text.len()];
        let mut typed: Vec<bool> = vec![false; text.len()];
        let mut deleted_ai: Vec<String> = Vec::new();
        let m: Vec<usize> = marks.into_iter().collect();
        for (k, w) in [(m[0], m[1]), (m[2], m[3])].into_iter().enumerate() {
            c.notify("aigis/markAiEdit", json!({ "textDocument": { "uri": uri }, "range": { "start": line_col(&text, w.0), "end": line_col(&text, w.1) }, "tool": "t" }));
            c.diagnostics(&uri);
            for l in &mut labels[w.0..w.1] { *l = Some(k as u8); }
        }
        for (version, (start, del, ins)) in edits.into_iter().enumerate() {
            let s = start.min(text.len());
            let e = (s + del).min(text.len());
            // Whole-line block rewrites are mapped line by line (`linemap`), not per character:
            // the trust test set covers them.
            if aigis_core::tracked_file::is_line_block_rewrite(&text, s, e, &ins) {
                continue;
            }
            // Re-inserting deleted AI text brings its region back (undo): the trust test set
            // covers that; the per-character model here does not.
            if !ins.is_empty() && deleted_ai.contains(&ins) {
                continue;
            }
            if spans_of(&labels).iter().any(|(_, a, b)| s <= *a && *b <= e) {
                deleted_ai.push(text[s..e].to_string());
            }
            c.notify("textDocument/didChange", json!({
                "textDocument": { "uri": uri, "version": version as i32 + 2 },
                "contentChanges": [{ "range": { "start": line_col(&text, s), "end": line_col(&text, e) }, "text": ins }],
            }));
            c.diagnostics(&uri);
            text.replace_range(s..e, &ins);
            model_edit(&text, &mut labels, &mut typed, s, e, ins.len());
            // Pieces of one region that a carved line separated and a deletion joined again are
            // adjacent regions: the same AI text, compared as one run.
            let mut ours: Vec<Value> = Vec::new();
            for r in c.regions(&uri) {
                match ours.last_mut() {
                    Some(prev) if prev["end"] == r["range"]["start"] => prev["end"] = r["range"]["end"].clone(),
                    _ => ours.push(r["range"].clone()),
                }
            }
            // Two regions that an edit made adjacent are compared as one run too.
            let mut want: Vec<Value> = Vec::new();
            for (_, a, b) in spans_of(&labels) {
                let (start, end) = (line_col(&text, a), line_col(&text, b));
                match want.last_mut() {
                    Some(prev) if prev["end"] == start => prev["end"] = end,
                    _ => want.push(json!({ "start": start, "end": end })),
                }
            }
            prop_assert_eq!(ours, want);
        }
        c.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    }
}

// ---- fuzz: the edit path with CRLF, lone CR, multi-byte text and positions past the ends ----

static FUZZ: Mutex<Option<(Client, Fixture)>> = Mutex::new(None);

/// Lines as LSP counts them: broken by `\r\n`, `\r` or `\n`; each with its UTF-16 length and
/// its byte range without the break.
fn lsp_lines(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                out.push((start, i));
                i += 2;
                start = i;
            }
            b'\r' | b'\n' => {
                out.push((start, i));
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push((start, b.len()));
    out
}

/// The byte offset a client means by (line, UTF-16 character), clamped as LSP says: past the
/// line's end is its end, past the last line is the end of the text; inside a surrogate pair
/// rounds down.
fn offset_at(text: &str, line: usize, ch: usize) -> usize {
    let lines = lsp_lines(text);
    let Some(&(s, e)) = lines.get(line) else {
        return text.len();
    };
    let mut units = 0;
    for (i, c) in text[s..e].char_indices() {
        if units + c.len_utf16() > ch {
            return s + i;
        }
        units += c.len_utf16();
    }
    e
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("AIGIS_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]
    /// Random edits anywhere (positions past a line's end or the last line, inside characters)
    /// inserting CRLF, lone CR, accents, emoji: the server keeps serving, and every region it
    /// reports lies inside the text as the client holds it.
    #[test]
    fn the_edit_path_survives_crlf_multibyte_and_positions_past_the_end(
        edits in proptest::collection::vec(
            (0usize..12, 0usize..40, 0usize..12, 0usize..40,
             proptest::collection::vec(prop_oneof![Just("\r\n"), Just("\r"), Just("\n"), Just("é"), Just("😀"), Just("x"), Just("c.delete_stack()")], 0..6)),
            1..14),
        mark in (0usize..8, 0usize..30, 0usize..8, 0usize..30),
    ) {
        let mut guard = FUZZ.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            let fx = Fixture::new(&[]);
            let c = Client::start(&fx.root());
            *guard = Some((c, fx));
        }
        let (c, _) = guard.as_mut().unwrap();
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let uri = format!("file:///fuzz/{}.rs", N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let mut text = String::from("use aws_sdk_cloudformation as cfn;\r\nfn é() {\r\n    c.delete_stack();\r\n}\r\n😀 // ü\rfn b() {}\n");
        c.open(&uri, &text);
        c.notify("aigis/markAiEdit", json!({ "textDocument": { "uri": uri }, "range": range(mark.0 as u32, mark.1 as u32, mark.2 as u32, mark.3 as u32), "tool": "t" }));
        // An empty range marks nothing and publishes nothing: a request orders after it.
        c.regions(&uri);
        for (version, (l1, c1, l2, c2, ins)) in edits.into_iter().enumerate() {
            let ins: String = ins.concat();
            let (a, b) = (offset_at(&text, l1, c1), offset_at(&text, l2, c2));
            c.notify("textDocument/didChange", json!({
                "textDocument": { "uri": uri, "version": version as i32 + 2 },
                "contentChanges": [{ "range": range(l1 as u32, c1 as u32, l2 as u32, c2 as u32), "text": ins }],
            }));
            c.diagnostics(&uri);
            text.replace_range(a.min(b)..a.max(b), &ins);
            let lines = lsp_lines(&text);
            for r in c.regions(&uri) {
                for end in ["start", "end"] {
                    let p = &r["range"][end];
                    let line = p["line"].as_u64().unwrap() as usize;
                    prop_assert!(line < lines.len(), "{p} past the last line of {text:?}");
                    let (s, e) = lines[line];
                    let len = text[s..e].encode_utf16().count();
                    prop_assert!(p["character"].as_u64().unwrap() as usize <= len, "{p} past the end of line {line} of {text:?}");
                }
            }
        }
        c.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
        prop_assert!(c.is_running());
    }
}

#[test]
fn audit_mode_reports_risky_code_outside_ai_regions_and_can_be_switched() {
    let fx = Fixture::new(&[("src/deploy.rs", DEPLOY)]);
    let uri = fx.uri("src/deploy.rs");
    let mut c = Client::start_with(&fx.root(), json!({}), json!({ "auditMode": true }));
    let diags = c.open(&uri, DEPLOY);
    let risky = diags
        .iter()
        .find(|d| d["code"] == "risky/aws.ec2.terminate-instances")
        .unwrap_or_else(|| panic!("{diags:#?}"));
    assert!(risky["message"]
        .as_str()
        .unwrap()
        .contains("audit mode; not in an AI region"));
    assert!(c.regions(&uri).is_empty(), "audit mode stamps no AI region");
    // Switched off from the client's settings: the diagnostics go.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "aigis": { "auditMode": false } } }),
    );
    assert!(c.diagnostics(&uri).is_empty());
}

#[test]
fn a_client_that_reports_ai_edits_itself_gets_no_guesses_unless_it_asks() {
    let fx = Fixture::new(&[("src/lib.rs", "")]);
    let uri = fx.uri("src/lib.rs");
    let block = "fn wipe() {\n    std::fs::remove_dir_all(\"/srv/data\").unwrap();\n    println!(\"done\");\n    let x = 1;\n}\n";
    for (options, guessed) in [
        (json!({ "aiEditReporting": true }), false),
        (
            json!({ "aiEditReporting": true, "heuristic": { "enabled": true } }),
            true,
        ),
        (json!({}), true),
    ] {
        let mut c = Client::start_with(&fx.root(), json!({}), options.clone());
        c.open(&uri, "fn main() {}\n");
        c.change(
            &uri,
            2,
            json!([{ "range": range(1, 0, 1, 0), "text": block }]),
        );
        assert_eq!(!c.regions(&uri).is_empty(), guessed, "{options}");
        c.shutdown();
    }
}

#[test]
fn a_branch_switch_brings_the_other_branchs_regions() {
    let main_text = "fn human() {}\n";
    let branch_text = "fn human() {}\n\nfn ai_purge() {\n    purge_all();\n}\n";
    let fx = Fixture::new(&[("src/a.rs", main_text)]);
    fx.git(&["add", "-A"]);
    fx.git(&["commit", "-qm", "base"]);
    fx.git(&["checkout", "-q", "-b", "feature"]);
    fx.write("src/a.rs", branch_text);
    let payload = json!({ "tool": "codex", "cwd": fx.root(), "files": [ { "path": "src/a.rs", "lines": [[3, 5]] } ] });
    let (code, _, err) =
        fx.aigis_with(&["record", "--agent", "generic"], &payload.to_string(), &[]);
    assert_eq!(code, 0, "{err}");
    fx.git(&["add", "-A"]);
    fx.git(&["commit", "-qm", "feature"]);
    fx.git(&["checkout", "-q", "main"]);
    let uri = fx.uri("src/a.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, main_text);
    assert!(c.regions(&uri).is_empty());
    // `git checkout feature` while the file is open: the editor reloads it as a whole.
    fx.git(&["checkout", "-q", "feature"]);
    c.change(&uri, 2, json!([{ "text": branch_text }]));
    let regions = c.regions(&uri);
    assert_eq!(regions.len(), 1, "{regions:#?}");
    assert_eq!(regions[0]["range"], range(2, 0, 5, 0));
    assert_eq!(regions[0]["tool"], "codex");
}

#[test]
fn every_workspace_folder_has_its_own_policy_and_ledger() {
    let ops = "use aws_sdk_ec2 as ec2;\n\npub async fn purge(c: &ec2::Client) {\n    c.terminate_instances().send().await.unwrap();\n}\n";
    let a = Fixture::new(&[
        ("src/a.rs", ops),
        ("aigis.toml", "[review]\nsenior = [\"alice@example.com\"]\n"),
    ]);
    let b = Fixture::new(&[
        ("src/b.rs", ops),
        ("aigis.toml", "[review]\nsenior = [\"zoe@example.com\"]\n"),
    ]);
    // The agent recorded a region in the second folder only.
    let payload = json!({ "tool": "codex", "cwd": b.root(), "files": [ { "path": "src/b.rs", "lines": [[3, 5]] } ] });
    assert_eq!(
        b.aigis_with(&["record", "--agent", "generic"], &payload.to_string(), &[])
            .0,
        0
    );
    // A folder nested in the first is a workspace of its own.
    a.write(
        "nested/aigis.toml",
        "[review]\nsenior = [\"nina@example.com\"]\n",
    );
    a.write("nested/src/n.rs", ops);
    let folder = |p: &std::path::Path, name: &str| json!({ "uri": format!("file://{}", p.display()), "name": name });
    let mut c = Client::start_with(&a.root(), json!({}), json!({}));
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [folder(&b.root(), "b"), folder(&a.root().join("nested"), "nested")], "removed": [] } }),
    );
    let uri_b = b.uri("src/b.rs");
    let diags = c.open(&uri_b, ops);
    assert!(
        codes(&diags).contains(&"review/senior-required".to_string()),
        "{diags:#?}"
    );
    let region = &c.regions(&uri_b)[0];
    assert_eq!(region["tool"], "codex");
    assert_eq!(region["review"]["reviewers"], json!(["zoe@example.com"]));
    // A review request goes to that folder's ledger.
    let id = region["id"].as_str().unwrap().to_string();
    c.result(
        "workspace/executeCommand",
        json!({ "command": "aigis.requestSeniorReview", "arguments": [{ "uri": uri_b, "regionId": id }] }),
    );
    assert!(b
        .read(".aigis/reviews/src/b.rs.jsonl")
        .contains("zoe@example.com"));
    assert!(!a.path(".aigis/reviews/src/b.rs.jsonl").exists());
    // Marks lines 3-5 of a file as AI and returns who may approve them.
    let mark_and_reviewers = |c: &mut Client, uri: &str| {
        c.open(uri, ops);
        c.notify(
            "aigis/markAiEdit",
            json!({ "textDocument": { "uri": uri }, "range": range(2, 0, 5, 0), "tool": "t" }),
        );
        c.diagnostics(uri);
        c.regions(uri)[0]["review"]["reviewers"].clone()
    };
    // The nested folder: its own policy and ledger.
    let uri_n = a.uri("nested/src/n.rs");
    assert_eq!(
        mark_and_reviewers(&mut c, &uri_n),
        json!(["nina@example.com"])
    );
    assert!(a.path("nested/.aigis/regions/src/n.rs.jsonl").exists());
    assert!(!a.path(".aigis/regions/nested/src/n.rs.jsonl").exists());
    // The first folder still has its own.
    let uri_a = a.uri("src/a.rs");
    assert_eq!(
        mark_and_reviewers(&mut c, &uri_a),
        json!(["alice@example.com"])
    );
    // Removing the second folder: its file is outside every workspace now.
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [], "removed": [folder(&b.root(), "b")] } }),
    );
    let r = c.regions(&uri_b);
    assert!(
        r.is_empty() || r[0]["review"]["reviewers"] != json!(["zoe@example.com"]),
        "{r:#?}"
    );
}

#[test]
fn a_set_of_diagnostics_is_sent_again_only_when_it_changed() {
    // This client asks to be told (`experimental.aigisAnalyzedNotification`, as the test
    // client does unless told not to); the other is an editor that does not.
    for told in [true, false] {
        let fx = Fixture::new(&[("src/deploy.rs", DEPLOY), ("aigis.toml", POLICY)]);
        let uri = fx.uri("src/deploy.rs");
        let is_set = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        let mut c = Client::start_with(
            &fx.root(),
            json!({ "experimental": { "aigisAnalyzedNotification": told } }),
            json!({}),
        );
        c.open(&uri, DEPLOY);
        // A region with nothing risky in it has no diagnostic, but the editor plugins draw the
        // regions when a set comes: one is sent.
        c.notify("aigis/markAiEdit", json!({ "textDocument": { "uri": uri }, "range": range(1, 0, 2, 0), "tool": "copilot" }));
        let drawn = c.wait_msg(is_set);
        assert_eq!(drawn["params"]["diagnostics"], json!([]), "{drawn}");
        let before = mark(&mut c, &uri, range(3, 0, 5, 1));
        assert!(codes(&before).contains(&"risky/aws.ec2.terminate-instances".to_string()));
        let edit = |line: u32, ch: u32, text: &str| json!([{ "range": range(line, ch, line, ch), "text": text }]);
        // A comment typed at the end of a line above the regions moves nothing: nothing is sent
        // (what the server sent for the edit has arrived by the time it answers a request).
        c.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": edit(0, 23, " // sdk") }));
        if told {
            assert!(!c.analyzed(&uri, 2), "told the set is the same");
        }
        c.request("aigis/test/barrier", json!({}));
        assert_eq!(c.pending_count(is_set), 0, "no set sent (told: {told})");
        assert_eq!(
            c.diagnostics(&uri),
            before,
            "what the editor shows is still right"
        );
        // Spaces typed before the risky call move it: the new set is sent, with no version
        // (an editor that drops sets of another version than its own would miss one).
        c.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": edit(4, 0, "  ") }));
        if told {
            assert!(c.analyzed(&uri, 3), "told the set changed");
        }
        let sent = c.wait_msg(is_set);
        assert_ne!(sent["params"]["diagnostics"].as_array().unwrap(), &before);
        assert!(sent["params"].get("version").is_none(), "{sent}");
        // Opened again, a document's set is sent again even when it is the same as the last.
        c.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        );
        c.diagnostics_until(&uri, |d| d.is_empty());
        c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 1, "text": "fn main() {}\n" } }));
        let reopened = c.wait_msg(is_set);
        assert_eq!(reopened["params"]["diagnostics"], json!([]));
        if !told {
            c.request("aigis/test/barrier", json!({}));
            let told = c.pending_count(|m| m["method"] == "aigis/analyzed");
            assert_eq!(told, 0, "only a client that asks is told");
        }
        c.shutdown();
    }
}
