//! Blast radius in the editor: the real server indexing a fixture workspace.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

const MAIN: &str = "mod deploy;\nmod ops;\n\nfn main() {\n    ops::rotate();\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn purges() {\n        crate::deploy::purge_environment();\n    }\n}\n";
const DEPLOY: &str = "use aws_sdk_ec2 as ec2;\n\npub fn purge_environment() {\n    helper();\n}\n\nasync fn helper(client: &ec2::Client) {\n    client.terminate_instances().send().await.unwrap();\n}\n\npub fn other() {\n    purge_environment();\n}\n";
const OPS: &str = "use crate::deploy::purge_environment;\nuse crate::deploy::purge_environment as wipe;\n\npub fn rotate() {\n    purge_environment();\n}\n\npub fn nightly() {\n    wipe();\n}\n";

fn fixture() -> Fixture {
    Fixture::new(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
        ),
        ("src/main.rs", MAIN),
        ("src/deploy.rs", DEPLOY),
        ("src/ops.rs", OPS),
    ])
}

/// Waits until the region's blast radius satisfies `pred` (the index builds in the background).
fn wait_blast(c: &mut Client, uri: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + *TIMEOUT;
    loop {
        let r = c.regions(uri);
        if let Some(b) = r.first().map(|r| r["blast"].clone()) {
            if pred(&b) {
                return r[0].clone();
            }
        }
        assert!(
            Instant::now() < deadline,
            "blast radius never matched: {r:#?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn blast_radius_in_diagnostics_requests_commands_and_after_edits() {
    let fx = fixture();
    let deploy = fx.uri("src/deploy.rs");
    let caps = json!({ "window": { "workDoneProgress": true }, "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let mut c = Client::start_with(
        &fx.root(),
        caps,
        json!({ "heuristic": { "enabled": false } }),
    );
    // Indexing reports $/progress from begin to end.
    let create = c.wait_msg(|m| m["method"] == "window/workDoneProgress/create");
    let token = create["params"]["token"].clone();
    c.wait_for("$/progress", |p| {
        p["token"] == token && p["value"]["kind"] == "begin"
    });
    c.wait_for("$/progress", |p| {
        p["token"] == token && p["value"]["kind"] == "end"
    });
    let reg = c.wait_msg(|m| m["method"] == "client/registerCapability");
    assert_eq!(
        reg["params"]["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );

    c.open(&deploy, DEPLOY);
    c.notify("aigis/markAiEdit", json!({ "textDocument": { "uri": deploy }, "range": range(2, 0, 4, 1), "tool": "claude-code" }));
    let region = wait_blast(&mut c, &deploy, |b| b["dependents"] == 3);
    assert_eq!(region["blast"]["files"], 2);
    assert_eq!(
        region["blast"]["transitive"].as_u64(),
        Some(4),
        "main's call of ops::rotate too"
    );
    assert_eq!(region["blast"]["tests"].as_array().unwrap().len(), 1);
    assert_eq!(
        region["blast"]["riskyCallees"][0]["rule"],
        "aws.ec2.terminate-instances"
    );
    assert_eq!(
        region["risk"]["tier"], "senior",
        "it reaches a critical operation through `helper`"
    );

    let diags = c.diagnostics(&deploy);
    let blast = diags
        .iter()
        .find(|d| d["code"] == "blast-radius")
        .unwrap_or_else(|| panic!("{diags:#?}"));
    let msg = blast["message"].as_str().unwrap();
    assert!(
        msg.contains("`deploy::purge_environment`, used at 3 sites in 2 files"),
        "{msg}"
    );
    assert!(
        msg.contains("reaches `main` (main) via ops::rotate"),
        "{msg}"
    );
    assert!(
        msg.contains("aws.ec2.terminate-instances (critical) via deploy::helper (indirect)"),
        "{msg}"
    );
    assert_eq!(
        blast["relatedInformation"].as_array().unwrap().len(),
        4 + 1,
        "four dependents and the risky call"
    );

    let r = c.result(
        "aigis/blastRadius",
        json!({ "textDocument": { "uri": deploy }, "position": pos(3, 4) }),
    );
    assert_eq!(r["dependents"].as_array().unwrap().len(), 3);
    assert_eq!(r["transitive"].as_array().unwrap().len(), 1);
    assert!(r["region"].is_string());
    let locs = c.result("workspace/executeCommand", json!({ "command": "aigis.showBlastRadius", "arguments": [{ "uri": deploy, "position": pos(3, 4) }] }));
    let mut lines: Vec<(String, u64)> = locs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["uri"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                l["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            ("deploy.rs".into(), 11),
            ("main.rs".into(), 4),
            ("ops.rs".into(), 4),
            ("ops.rs".into(), 8)
        ]
    );
    let lenses = c.result(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": deploy } }),
    );
    let title = lenses[0]["command"]["title"].as_str().unwrap();
    assert!(
        title.contains("3 dependents in 2 files") && title.contains("senior review required"),
        "{title}"
    );
    let hover = c.result(
        "textDocument/hover",
        json!({ "textDocument": { "uri": deploy }, "position": pos(3, 4) }),
    );
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("**Blast radius**"));

    // Editing a caller updates the count without indexing the workspace again.
    let ops = fx.uri("src/ops.rs");
    c.open(&ops, OPS);
    c.change(&ops, 2, json!([{ "range": range(8, 0, 9, 0), "text": "" }]));
    wait_blast(&mut c, &deploy, |b| b["dependents"] == 2);
    let again =
        c.pending_count(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin");
    assert_eq!(again, 0, "no second indexing pass");
    // A file deleted on disk leaves the index.
    std::fs::remove_file(fx.path("src/main.rs")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [ { "uri": fx.uri("src/main.rs"), "type": 3 } ] }),
    );
    wait_blast(&mut c, &deploy, |b| b["transitive"] == 2);
}

/// The index is kept between starts (under the cache folder, never in the repository) and
/// revalidated file by file: unchanged files are taken from it, a changed one is parsed, one
/// touched without a change is taken by its hash; a corrupt or foreign cache is discarded with
/// the reason in the log.
#[test]
fn the_index_is_kept_between_starts_and_revalidated_file_by_file() {
    let fx = fixture();
    let deploy = fx.uri("src/deploy.rs");
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().to_str().unwrap().to_string();
    let start = || {
        Client::start_env(
            &fx.root(),
            json!({}),
            json!({ "heuristic": { "enabled": false } }),
            &[("AIGIS_CACHE_DIR", dir.as_str())],
        )
    };
    let indexed = |c: &mut Client| {
        c.wait_for("window/logMessage", |p| {
            p["message"]
                .as_str()
                .is_some_and(|m| m.contains("from the index cache"))
        })["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // A start that only says how it indexed.
    let start_and_log = || {
        let mut c = start();
        let m = indexed(&mut c);
        c.shutdown();
        m
    };
    let cache_files = || {
        let mut found = Vec::new();
        let mut stack = vec![cache.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                } else {
                    found.push(e.path());
                }
            }
        }
        found
    };

    let mut c = start();
    let m = indexed(&mut c);
    assert!(m.contains(": 0 files from the index cache, 3 read"), "{m}");
    c.shutdown();
    let stored = cache_files();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let mut in_repo: Vec<String> = std::fs::read_dir(fx.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    in_repo.sort();
    assert_eq!(
        in_repo,
        [".git", "Cargo.toml", "src"],
        "nothing written in the repository"
    );

    // A second start: every file from the cache (which it leaves as it is), and the blast
    // radius is whole.
    let written = std::fs::metadata(&stored[0]).unwrap().modified().unwrap();
    let mut c = start();
    let m = indexed(&mut c);
    assert!(m.contains(": 3 files from the index cache, 0 read"), "{m}");
    assert_eq!(
        std::fs::metadata(&stored[0]).unwrap().modified().unwrap(),
        written,
        "an unchanged tree does not rewrite the cache"
    );
    c.open(&deploy, DEPLOY);
    c.notify("aigis/markAiEdit", json!({ "textDocument": { "uri": deploy }, "range": range(2, 0, 4, 1), "tool": "claude-code" }));
    wait_blast(&mut c, &deploy, |b| b["dependents"] == 3);
    c.shutdown();

    // One file changed (a new caller), one rewritten with the same text.
    fx.write(
        "src/ops.rs",
        &format!("{OPS}\npub fn weekly() {{\n    purge_environment();\n}}\n"),
    );
    fx.write("src/main.rs", MAIN);
    let mut c = start();
    let m = indexed(&mut c);
    assert!(m.contains(": 2 files from the index cache, 1 read"), "{m}");
    c.open(&deploy, DEPLOY);
    c.notify("aigis/markAiEdit", json!({ "textDocument": { "uri": deploy }, "range": range(2, 0, 4, 1), "tool": "claude-code" }));
    wait_blast(&mut c, &deploy, |b| b["dependents"] == 4);
    c.shutdown();

    // A corrupt cache is discarded, with the reason, and written anew.
    std::fs::write(&stored[0], "{\"format\": 1, \"aigis\"\n garbage\n").unwrap();
    let m = start_and_log();
    assert!(
        m.contains(": 0 files from the index cache, 3 read") && m.contains("discarded"),
        "{m}"
    );
    // One cut short (a full disk, a crash while another process wrote it): discarded too.
    let whole = std::fs::read(&stored[0]).unwrap();
    std::fs::write(&stored[0], &whole[..whole.len() / 2]).unwrap();
    let m = start_and_log();
    assert!(
        m.contains(": 0 files from the index cache, 3 read") && m.contains("cannot be read"),
        "{m}"
    );
    // One written by another version is not trusted either.
    let bytes = std::fs::read(&stored[0]).unwrap();
    let header_end = bytes.iter().position(|b| *b == b'\n').unwrap();
    let header = String::from_utf8(bytes[..header_end].to_vec()).unwrap();
    let version = format!("\"aigis\":\"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(header.contains(&version), "{header}");
    let mut forged = header
        .replacen(&version, "\"aigis\":\"0.0.1\"", 1)
        .into_bytes();
    forged.extend_from_slice(&bytes[header_end..]);
    std::fs::write(&stored[0], forged).unwrap();
    let m = start_and_log();
    assert!(
        m.contains(": 0 files from the index cache, 3 read")
            && m.contains("written by aigis 0.0.1"),
        "{m}"
    );
}
