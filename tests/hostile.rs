//! A hostile repository and a forged ledger (issue "Hardening", D1-D16): each test drives the
//! real binary the way an attacker or a messy real world would, and names the defect it guards.

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::*;
use serde_json::{json, Value};

const OPS: &str = "use aws_sdk_ec2 as ec2;\n\npub async fn purge(c: &ec2::Client) {\n    c.terminate_instances().send().await.unwrap();\n}\n";
const POLICY: &str = "[review]\nsenior = [\"alice@example.com\"]\n";

fn commit(fx: &Fixture, who: (&str, &str), message: &str) {
    fx.commit_as(who, message);
}

fn record(fx: &Fixture, payload: Value) -> (i32, String, String) {
    fx.aigis_with(&["record", "--agent", "generic"], &payload.to_string(), &[])
}

fn record_lines(fx: &Fixture, file: &str, lines: [usize; 2]) {
    let (code, out, err) = record(
        fx,
        json!({ "tool": "claude-code", "cwd": fx.root(), "files": [ { "path": file, "lines": [lines] } ] }),
    );
    assert_eq!(code, 0, "{out}{err}");
}

fn ci(fx: &Fixture, args: &[&str]) -> (i32, String, String) {
    fx.aigis_with(args, "", &[("CI", "true")])
}

fn json_scan(fx: &Fixture, args: &[&str]) -> Value {
    let mut all = vec!["scan", "--format", "json", "--fail-on", "never"];
    all.extend_from_slice(args);
    let (code, out, err) = ci(fx, &all);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn wait_exit(child: &mut std::process::Child, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + *TIMEOUT;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what}: still running");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn d1_links_inside_the_ledger_are_never_followed() {
    let outside = tempfile::tempdir().unwrap();
    let bashrc = outside.path().join("bashrc");
    let original = "export PATH=/usr/bin\n".repeat(70);
    std::fs::write(&bashrc, &original).unwrap();

    // A committed region log that links to the user's shell profile.
    let fx = Fixture::new(&[("src/x.rs", OPS)]);
    std::fs::create_dir_all(fx.path(".aigis/regions/src")).unwrap();
    symlink(&bashrc, fx.path(".aigis/regions/src/x.rs.jsonl")).unwrap();
    for _ in 0..3 {
        let (code, _, err) = record(
            &fx,
            json!({ "tool": "t", "cwd": fx.root(), "files": [ { "path": "src/x.rs", "text": "c.terminate_instances().send().await.unwrap();" } ] }),
        );
        assert_eq!(code, 2, "refused, loudly: {err}");
        assert!(err.contains("symbolic link"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&bashrc).unwrap(), original);
    // scan reads nothing through it either.
    let report = json_scan(&fx, &[]);
    assert!(
        report["summary"]["warnings"]
            .to_string()
            .contains("symbolic link"),
        "{report}"
    );

    // `.aigis` itself, and the reviews folder, linked outside.
    for link in [".aigis", ".aigis/reviews"] {
        let fx = Fixture::new(&[("src/x.rs", OPS), ("aigis.toml", POLICY)]);
        let target = tempfile::tempdir().unwrap();
        if link == ".aigis/reviews" {
            record_lines(&fx, "src/x.rs", [3, 5]);
        }
        symlink(target.path(), fx.path(link)).unwrap();
        if link == ".aigis" {
            let (code, _, _) = record(
                &fx,
                json!({ "tool": "t", "cwd": fx.root(), "files": [ { "path": "src/x.rs", "lines": [[3, 5]] } ] }),
            );
            assert_eq!(code, 2);
        } else {
            let (code, _, err) = fx.aigis(&["review", "request", "src/x.rs:4"]);
            assert_ne!(code, 0, "{err}");
        }
        let written: Vec<_> = std::fs::read_dir(target.path()).unwrap().collect();
        assert!(written.is_empty(), "{link}: wrote {written:?}");
    }

    // A dangling `.gitattributes` link: not created through.
    let fx = Fixture::new(&[("src/x.rs", OPS)]);
    std::fs::create_dir_all(fx.path(".aigis")).unwrap();
    let planted = outside.path().join("planted");
    symlink(&planted, fx.path(".aigis/.gitattributes")).unwrap();
    record_lines(&fx, "src/x.rs", [3, 5]);
    assert!(!planted.exists());

    // The language server's `aigis/markAiEdit` through a linked `.aigis`.
    let fx = Fixture::new(&[("src/x.rs", OPS)]);
    let target = tempfile::tempdir().unwrap();
    symlink(target.path(), fx.path(".aigis")).unwrap();
    let uri = fx.uri("src/x.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, OPS);
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": range(2, 0, 4, 1), "tool": "t" }),
    );
    // A request answered after the mark shows it was handled (the ledger write was refused).
    c.regions(&uri);
    assert!(c.is_running());
    assert!(std::fs::read_dir(target.path()).unwrap().next().is_none());
}

/// A named pipe in a ledger log's place: refused at once, never waited on.
#[test]
fn d1_a_named_pipe_in_the_ledger_is_refused_not_waited_on() {
    let fx = Fixture::new(&[("src/x.rs", OPS)]);
    std::fs::create_dir_all(fx.path(".aigis/regions/src")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(fx.path(".aigis/regions/src/x.rs.jsonl"))
        .status()
        .unwrap();
    assert!(made.success());
    let (code, _, err) = record(
        &fx,
        json!({ "tool": "t", "cwd": fx.root(), "files": [ { "path": "src/x.rs", "text": "c.terminate_instances().send().await.unwrap();" } ] }),
    );
    assert_eq!(code, 2, "refused: {err}");
    let report = json_scan(&fx, &[]);
    assert!(
        report["summary"]["warnings"]
            .to_string()
            .contains("x.rs.jsonl"),
        "{report}"
    );
}

#[test]
fn d2_record_never_writes_outside_the_agents_workspace() {
    let outside = tempfile::tempdir().unwrap();
    let out_file = outside.path().join("outside.rs");
    std::fs::write(&out_file, OPS).unwrap();
    let fx = Fixture::new(&[("src/x.rs", OPS)]);
    symlink(&out_file, fx.path("src/linked.rs")).unwrap();
    let rel_up = format!(
        "../{}/outside.rs",
        outside.path().file_name().unwrap().to_string_lossy()
    );
    // The fixture's parent holds both temporary folders, so `../<outside>` reaches it.
    let sibling = fx
        .root()
        .parent()
        .unwrap()
        .join(outside.path().file_name().unwrap());
    let _ = std::fs::create_dir_all(&sibling);
    let _ = std::fs::write(sibling.join("outside.rs"), OPS);
    for path in [rel_up.as_str(), out_file.to_str().unwrap(), "src/linked.rs"] {
        let (code, out, err) = record(
            &fx,
            json!({ "tool": "t", "cwd": fx.root(), "files": [ { "path": path } ] }),
        );
        assert_eq!(code, 0, "{err}");
        assert!(
            format!("{out}{err}").contains("outside the agent's workspace"),
            "{path}: {out}{err}"
        );
    }
    assert!(!outside.path().join(".aigis").exists());
    assert!(!sibling.join(".aigis").exists());
    assert!(!fx.path(".aigis/regions/src/linked.rs.jsonl").exists());
    let _ = std::fs::remove_dir_all(&sibling);

    // `hooks install` through a committed `.claude -> elsewhere` link.
    let fx = Fixture::new(&[]);
    let target = tempfile::tempdir().unwrap();
    symlink(target.path(), fx.path(".claude")).unwrap();
    let (code, _, err) = fx.aigis(&["hooks", "install", "claude-code"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert!(std::fs::read_dir(target.path()).unwrap().next().is_none());
}

#[test]
fn d3_a_ledger_folder_linked_to_the_root_is_not_walked() {
    let fx = Fixture::new(&[("src/x.rs", OPS)]);
    std::fs::create_dir_all(fx.path(".aigis/regions")).unwrap();
    symlink("/", fx.path(".aigis/regions/x")).unwrap();
    let mut child = Command::new(BIN)
        .args(["scan", "--fail-on", "never"])
        .current_dir(fx.root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(wait_exit(&mut child, "scan").success());
}

#[test]
fn d4_file_names_git_quotes_are_still_checked_by_scan_base() {
    let names = [
        "café.rs",
        "quo\"te.rs",
        "back\\slash.rs",
        "tab\tname.rs",
        "with space.rs",
        "new\nline.rs",
    ];
    let fx = Fixture::new(&[("aigis.toml", POLICY), ("src/keep.rs", "fn k() {}\n")]);
    commit(&fx, ("Bob", "bob@example.com"), "base");
    fx.git(&["checkout", "-q", "-b", "pr"]);
    for n in &names {
        fx.write(&format!("src/{n}"), OPS);
        record_lines(&fx, &format!("src/{n}"), [3, 5]);
    }
    commit(&fx, ("Bob", "bob@example.com"), "purge");
    let (code, out, err) = ci(&fx, &["scan", "--base", "main", "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let files: Vec<&str> = report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    for n in &names {
        assert!(
            files.contains(&format!("src/{n}").as_str()),
            "{n:?} missed: {files:?}"
        );
    }

    // History alone (a trailer, no ledger) finds the same files.
    let fx = Fixture::new(&[("aigis.toml", POLICY), ("src/keep.rs", "fn k() {}\n")]);
    commit(&fx, ("Bob", "bob@example.com"), "base");
    fx.git(&["checkout", "-q", "-b", "pr"]);
    for n in &names {
        fx.write(&format!("src/{n}"), OPS);
    }
    commit(
        &fx,
        ("Bob", "bob@example.com"),
        "purge\n\nCo-authored-by: Claude <noreply@anthropic.com>",
    );
    let (code, out, _) = ci(&fx, &["scan", "--base", "main", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        report["regions"].as_array().unwrap().len(),
        names.len(),
        "{report:#}"
    );
}

#[test]
fn d5_regions_recorded_on_two_merged_branches_both_survive() {
    let text: String = (0..30)
        .map(|i| format!("fn f{i}() {{ x({i}); }}\n"))
        .collect();
    let fx = Fixture::new(&[("src/a.rs", &text)]);
    record_lines(&fx, "src/a.rs", [1, 2]);
    commit(&fx, ("Bob", "bob@example.com"), "base");
    fx.git(&["checkout", "-q", "-b", "one"]);
    record_lines(&fx, "src/a.rs", [5, 6]);
    commit(&fx, ("Bob", "bob@example.com"), "one");
    fx.git(&["checkout", "-q", "main"]);
    fx.git(&["checkout", "-q", "-b", "two"]);
    record_lines(&fx, "src/a.rs", [20, 22]);
    commit(&fx, ("Carol", "carol@example.com"), "two");
    fx.git(&["merge", "-q", "--no-edit", "one"]);
    assert!(
        fx.read(".aigis/.gitattributes").contains("merge=union"),
        "the ledger merges by union"
    );
    let report = json_scan(&fx, &[]);
    let mut lines: Vec<Value> = report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["lines"].clone())
        .collect();
    lines.sort_by_key(|l| l[0].as_u64());
    assert_eq!(lines, [json!([1, 2]), json!([5, 6]), json!([20, 22])]);

    // A snapshot from a clock far ahead hides nothing that is written after it.
    let log = fx.path(".aigis/regions/src/a.rs.jsonl");
    let mut ahead: Value = serde_json::from_str(
        fx.read(".aigis/regions/src/a.rs.jsonl")
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    ahead["at"] = json!("2999-01-01T00:00:00.000Z");
    let mut all = fx.read(".aigis/regions/src/a.rs.jsonl");
    all += &format!("{ahead}\n");
    std::fs::write(&log, all).unwrap();
    record_lines(&fx, "src/a.rs", [25, 26]);
    let report = json_scan(&fx, &[]);
    assert_eq!(report["regions"].as_array().unwrap().len(), 4, "{report:#}");
}

#[test]
fn d6_a_file_that_shrank_below_its_region_is_still_served() {
    let long: String = (0..5000).map(|i| format!("fn f{i}() {{}}\n")).collect();
    let fx = Fixture::new(&[("src/a.rs", &long)]);
    record_lines(&fx, "src/a.rs", [4990, 4995]);
    fx.write("src/a.rs", "fn only() {}\n");
    let (code, _, err) = fx.aigis(&["scan", "--fail-on", "never"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = fx.aigis(&["blame", "src/a.rs"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = record(
        &fx,
        json!({ "tool": "t", "cwd": fx.root(), "files": [ { "path": "src/a.rs" } ] }),
    );
    assert_eq!(code, 0, "{err}");
    let uri = fx.uri("src/a.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, "fn only() {}\n");
    assert_eq!(c.regions(&uri).len(), 1);
}

/// main: the base; `pr`: Bob's agent adds `purge` (lines 3-5 of src/x.rs), committed.
fn pr(policy: &str) -> Fixture {
    let fx = Fixture::new(&[
        ("src/x.rs", "use aws_sdk_ec2 as ec2;\n"),
        ("aigis.toml", policy),
    ]);
    commit(&fx, ("Bob", "bob@example.com"), "base");
    fx.git(&["checkout", "-q", "-b", "pr"]);
    fx.write("src/x.rs", OPS);
    fx.set_identity("Bob", "bob@example.com");
    record_lines(&fx, "src/x.rs", [3, 5]);
    commit(&fx, ("Bob", "bob@example.com"), "purge");
    fx
}

/// An approval record written by hand, as anyone can.
fn forge_approval(fx: &Fixture, by: (&str, &str), tier: &str) {
    let report = json_scan(fx, &[]);
    let r = &report["regions"][0];
    let event = json!({ "kind": "approval", "v": 1, "file": "src/x.rs", "region": r["id"], "hash": r["hash"],
        "tier": tier, "by": { "name": by.0, "email": by.1 }, "at": "2026-11-29T00:00:00Z" });
    let path = fx.path(".aigis/reviews/src/x.rs.jsonl");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut text = fx.read(".aigis/reviews/src/x.rs.jsonl");
    text += &format!("{event}\n");
    std::fs::write(path, text).unwrap();
}

#[test]
fn d7_self_approval_and_a_forged_tier_do_not_count() {
    // Bob is a senior too, but wrote the region: removing `author` from the ledger does not let
    // him approve it (history says who committed its lines).
    let fx = pr("[review]\nsenior = [\"alice@example.com\", \"bob@example.com\"]\npeer = [\"carol@example.com\"]\n");
    let log = fx.path(".aigis/regions/src/x.rs.jsonl");
    let stripped: String = fx
        .read(".aigis/regions/src/x.rs.jsonl")
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            for r in v["regions"].as_array_mut().unwrap() {
                r.as_object_mut().unwrap().remove("author");
            }
            format!("{v}\n")
        })
        .collect();
    std::fs::write(&log, stripped).unwrap();
    commit(&fx, ("Bob", "bob@example.com"), "drop author");
    let (code, _, err) = fx.aigis(&["review", "approve", "src/x.rs:4"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot approve"), "{err}");
    // He writes the approval by hand and commits it: CI does not count it.
    forge_approval(&fx, ("Bob", "bob@example.com"), "senior");
    commit(&fx, ("Bob", "bob@example.com"), "approve");
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("self-approval"), "{out}");

    // Carol, a peer, approves with the record claiming tier "peer": the region is senior.
    let fx = pr("[review]\nsenior = [\"alice@example.com\"]\npeer = [\"carol@example.com\"]\n");
    forge_approval(&fx, ("Carol", "carol@example.com"), "peer");
    commit(&fx, ("Carol", "carol@example.com"), "approve as peer");
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not a listed senior reviewer"), "{out}");
    assert!(
        out.contains("not signed (review.require_signed = false)"),
        "{out}"
    );
}

fn ssh_key(dir: &Path, name: &str) -> std::path::PathBuf {
    let key = dir.join(name);
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    key
}

#[test]
fn d7_a_signature_counts_only_with_the_approvers_own_key() {
    if Command::new("ssh-keygen").arg("-?").output().is_err() {
        eprintln!("skipped: ssh-keygen is not installed (.ci/run installs it)");
        return;
    }
    let fx = pr("[review]\nsenior = [\"alice@example.com\"]\nrequire_signed = true\n");
    let keys = tempfile::tempdir().unwrap();
    let alice = ssh_key(keys.path(), "alice");
    let mallory = ssh_key(keys.path(), "mallory");
    let pub_of = |k: &Path| std::fs::read_to_string(k.with_extension("pub")).unwrap();
    let signers = keys.path().join("allowed_signers");
    std::fs::write(
        &signers,
        format!(
            "alice@example.com {}mallory@example.com {}",
            pub_of(&alice),
            pub_of(&mallory)
        ),
    )
    .unwrap();
    fx.git(&["config", "gpg.format", "ssh"]);
    fx.git(&[
        "config",
        "gpg.ssh.allowedSignersFile",
        signers.to_str().unwrap(),
    ]);

    // Authored as Alice, signed with Mallory's key.
    fx.set_identity("Alice", "alice@example.com");
    assert_eq!(fx.aigis(&["review", "approve", "src/x.rs:4"]).0, 0);
    fx.git(&["config", "user.signingkey", mallory.to_str().unwrap()]);
    fx.git(&["add", "-A"]);
    fx.git(&["commit", "-q", "-S", "-m", "approve"]);
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("signed by mallory@example.com"), "{out}");

    // Signed with her own key: it counts.
    fx.git(&["config", "user.signingkey", alice.to_str().unwrap()]);
    fx.git(&["commit", "-q", "--amend", "--no-edit", "-S"]);
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("review approved by Alice"), "{out}");
}

#[test]
fn d8_dropping_a_region_record_in_a_branch_is_caught() {
    for how in ["empty snapshot", "deleted log", "truncated log"] {
        let fx = Fixture::new(&[("src/x.rs", OPS), ("aigis.toml", POLICY)]);
        record_lines(&fx, "src/x.rs", [3, 5]);
        commit(&fx, ("Bob", "bob@example.com"), "base with an AI region");
        fx.git(&["checkout", "-q", "-b", "pr"]);
        let log = fx.path(".aigis/regions/src/x.rs.jsonl");
        match how {
            "empty snapshot" => {
                let mut t = fx.read(".aigis/regions/src/x.rs.jsonl");
                t += "{\"v\":1,\"kind\":\"regions\",\"file\":\"src/x.rs\",\"at\":\"2999-01-01T00:00:00Z\",\"regions\":[]}\n";
                std::fs::write(&log, t).unwrap();
            }
            "deleted log" => std::fs::remove_file(&log).unwrap(),
            _ => std::fs::write(&log, "").unwrap(),
        }
        commit(&fx, ("Bob", "bob@example.com"), "tidy");
        let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
        assert_eq!(code, 1, "{how}: {out}");
        assert!(out.contains("ledger/tampered"), "{how}: {out}");
        assert!(out.contains("tier senior"), "{how}: {out}");
        // The way out when the record was dropped on purpose: a senior approves the change as
        // CI sees it, and commits the approval.
        if how == "deleted log" {
            fx.set_identity("Bob", "bob@example.com");
            let (code, _, err) = fx.aigis(&["review", "approve", "src/x.rs:4", "--base", "main"]);
            assert_eq!(code, 1, "the author cannot: {err}");
            fx.set_identity("Alice", "alice@example.com");
            let (code, out, err) = fx.aigis(&["review", "approve", "src/x.rs:4", "--base", "main"]);
            assert_eq!(code, 0, "{out}{err}");
            commit(
                &fx,
                ("Alice", "alice@example.com"),
                "approve dropping the record",
            );
            let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
            assert_eq!(code, 0, "{out}");
        }
    }

    // An agent cannot edit the ledger through its file or shell tools.
    let fx = Fixture::new(&[("src/x.rs", OPS)]);
    for payload in [
        json!({ "hook_event_name": "PreToolUse", "tool_name": "Write", "cwd": fx.root(),
                "tool_input": { "file_path": fx.path(".aigis/regions/src/x.rs.jsonl"), "content": "" } }),
        json!({ "hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": fx.root(),
                "tool_input": { "command": "rm -rf .aigis" } }),
    ] {
        let (code, _, err) = claude_guard_exit(&fx, &payload.to_string());
        assert_eq!(code, 2, "{payload}: {err}");
        assert!(err.contains("ledger"), "{err}");
    }
    // Its ordinary work is not stopped.
    let ok = json!({ "hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": fx.root(),
                     "tool_input": { "command": "cargo test && ls src/aigis_notes" } });
    assert_eq!(claude_guard_exit(&fx, &ok.to_string()).0, 0);
}

#[test]
fn d10_regions_from_history_are_reviewed_from_the_command_line() {
    let fx = Fixture::new(&[
        ("src/x.rs", "use aws_sdk_ec2 as ec2;\n"),
        ("aigis.toml", POLICY),
    ]);
    commit(&fx, ("Bob", "bob@example.com"), "base");
    fx.write("src/x.rs", OPS);
    commit(
        &fx,
        ("Bob", "bob@example.com"),
        "purge\n\nCo-authored-by: Claude <noreply@anthropic.com>",
    );
    let (code, out, err) = fx.aigis(&["review", "request", "src/x.rs:4"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("requested senior review"), "{out}");
    fx.set_identity("Alice", "alice@example.com");
    let (code, out, err) = fx.aigis(&["review", "approve", "src/x.rs:4"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn d11_two_records_with_one_id_are_both_reviewed() {
    let two = format!("{OPS}\npub async fn again(c: &ec2::Client) {{\n    c.terminate_instances().send().await.unwrap();\n}}\n");
    let fx = Fixture::new(&[("src/x.rs", &two), ("aigis.toml", POLICY)]);
    record_lines(&fx, "src/x.rs", [3, 5]);
    record_lines(&fx, "src/x.rs", [7, 9]);
    // A hand edit (or a merge) gives both the same id.
    fx.edit_last_record(".aigis/regions/src/x.rs.jsonl", |v| {
        let id = v["regions"][0]["id"].clone();
        v["regions"][1]["id"] = id;
    });
    let (code, out, _) = fx.aigis(&["scan"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("2 AI regions (2 senior"), "{out}");
    // The server shows both, and its save keeps both.
    let uri = fx.uri("src/x.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, &two);
    assert_eq!(c.regions(&uri).len(), 2);
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri } }),
    );
    c.shutdown();
    let (_, out, _) = fx.aigis(&["scan"]);
    assert!(out.contains("2 AI regions (2 senior"), "{out}");
}

#[test]
fn d12_mark_human_with_a_backwards_selection_clears_the_region() {
    let fx = Fixture::new(&[("src/x.rs", OPS)]);
    let uri = fx.uri("src/x.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, OPS);
    c.result(
        "workspace/executeCommand",
        json!({ "command": "aigis.markAi", "arguments": [{ "uri": uri, "range": range(4, 1, 2, 0) }] }),
    );
    assert_eq!(
        c.regions(&uri).len(),
        1,
        "a backwards selection marks the same span"
    );
    c.result(
        "workspace/executeCommand",
        json!({ "command": "aigis.markHuman", "arguments": [{ "uri": uri, "range": range(5, 0, 2, 0) }] }),
    );
    assert!(c.regions(&uri).is_empty());
    let report = json_scan(&fx, &[]);
    assert!(
        report["regions"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
}

#[test]
fn d13_a_ledger_column_inside_a_character_does_not_stop_record() {
    let text = "fn é() {\n    é();\n    ü();\n}\nfn b() {}\n";
    let fx = Fixture::new(&[("src/x.rs", text)]);
    record_lines(&fx, "src/x.rs", [1, 4]);
    // Hand-edit the column into the middle of `é`, then change the text so the diff path runs.
    fx.edit_last_record(".aigis/regions/src/x.rs.jsonl", |v| {
        v["regions"][0]["range"][1] = json!(4);
        v["regions"][0]["hash"] = json!("sha256:00");
    });
    fx.write("src/x.rs", &text.replace("ü();", "üü();"));
    for _ in 0..2 {
        let (code, _, err) = record(
            &fx,
            json!({ "tool": "t", "cwd": fx.root(), "files": [ { "path": "src/x.rs", "lines": [[5, 5]] } ] }),
        );
        assert_eq!(code, 0, "{err}");
    }
    let (code, _, err) = fx.aigis(&["scan", "--fail-on", "never"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn d14_a_region_ending_between_cr_and_lf_is_shown_inside_the_line() {
    let text = "fn a() {\r\n    x();\r\n}\r\nfn b() {}\r\n";
    let fx = Fixture::new(&[("src/x.rs", text)]);
    let (code, _, err) = record(
        &fx,
        json!({ "tool": "t", "cwd": fx.root(), "files": [ { "path": "src/x.rs", "text": "fn a() {\r\n    x();\r" } ] }),
    );
    assert_eq!(code, 0, "{err}");
    let uri = fx.uri("src/x.rs");
    let mut c = Client::start(&fx.root());
    c.open(&uri, text);
    let regions = c.regions(&uri);
    assert_eq!(regions.len(), 1);
    let end = &regions[0]["range"]["end"];
    let line = end["line"].as_u64().unwrap() as usize;
    let len = text.split("\r\n").nth(line).unwrap().encode_utf16().count();
    assert!(
        end["character"].as_u64().unwrap() as usize <= len,
        "{end} past the end of line {line} ({len})"
    );
    let report = json_scan(&fx, &[]);
    let r = &report["regions"][0]["range"]["end"];
    let line = r["line"].as_u64().unwrap() as usize;
    let len = text.split("\r\n").nth(line).unwrap().encode_utf16().count();
    assert!(r["character"].as_u64().unwrap() as usize <= len, "{r}");
}

fn frame(v: &Value) -> Vec<u8> {
    let body = v.to_string();
    let mut f = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    f.extend(body.as_bytes());
    f
}

#[test]
fn d15_the_server_exits_when_its_editor_is_gone() {
    use std::io::Write;
    let fx = Fixture::new(&[("src/x.rs", OPS)]);
    // The "editor": a process whose pid the server is given; it dies without a word, while the
    // server's stdin stays open (held here, as a wrapper or a grandchild would hold it).
    let mut editor = Command::new("sleep").arg("600").spawn().unwrap();
    let start_server = || {
        Command::new(BIN)
            .args(["lsp", "--stdio"])
            .current_dir(fx.root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut server = start_server();
    let mut stdin = server.stdin.take().unwrap();
    let root = format!("file://{}", fx.root().display());
    stdin
        .write_all(&frame(&json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": editor.id(), "rootUri": root,
            "capabilities": { "window": { "workDoneProgress": true },
                              "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } } } })))
        .unwrap();
    stdin
        .write_all(&frame(
            &json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
        ))
        .unwrap();
    stdin.flush().unwrap();
    editor.kill().unwrap();
    editor.wait().unwrap();
    wait_exit(&mut server, "server after its editor died");
    drop(stdin);

    // The editor closes the server's output and sends one more request: nobody hears the
    // answer, so the server stops.
    let mut server = start_server();
    let mut stdin = server.stdin.take().unwrap();
    drop(server.stdout.take());
    for id in 1..=3 {
        let _ = stdin.write_all(&frame(
            &json!({ "jsonrpc": "2.0", "id": id, "method": "initialize",
            "params": { "processId": null, "rootUri": root, "capabilities": {} } }),
        ));
        let _ = stdin.flush();
    }
    wait_exit(&mut server, "server with its output closed");
}

#[test]
fn d16_an_object_id_is_answered_with_a_null_id() {
    let fx = Fixture::new(&[]);
    let mut c = Client::start(&fx.root());
    c.send(&json!({ "jsonrpc": "2.0", "id": { "evil": [1, 2, 3] }, "method": "shutdown" }));
    let reply = c.wait_msg(|m| m.get("error").is_some());
    assert_eq!(reply["id"], Value::Null, "{reply}");
    assert_eq!(reply["error"]["code"], -32600);
    assert!(c.is_running());
}
