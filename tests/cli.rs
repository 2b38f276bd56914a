//! The command line: `aigis scan` and `aigis review`, as CI and users run them.

mod common;

use common::*;
use serde_json::Value;

const OPS: &str = r#"use aws_sdk_cloudformation as cfn;

pub async fn recreate(client: &cfn::Client) {
    client.delete_stack().stack_name("prod").send().await.unwrap();
}

pub fn cleanup() {
    std::fs::remove_dir_all("/var/lib/app").unwrap();
}
"#;

fn example() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/incident")
}

#[test]
fn scan_of_the_bundled_example_finds_the_incident() {
    let out = std::process::Command::new(BIN)
        .args(["scan", "--format", "json"])
        .arg(example())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a senior review is missing");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["version"], 1);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "aws.cloudformation.delete-stack",
            "aws.ec2.terminate-instances",
            "aws.rds.delete-db-instance"
        ]
    );
    let f = &report["findings"][1];
    assert_eq!(
        (f["file"].as_str(), f["line"].as_u64(), f["column"].as_u64()),
        (Some("src/ops.rs"), Some(23), Some(9))
    );
    assert_eq!(f["ai"], true);
    let region = &report["regions"][0];
    assert_eq!(region["file"], "src/ops.rs");
    assert_eq!(region["tool"], "claude-code");
    assert_eq!(region["source"], "agent-hook");
    assert_eq!(region["confidence"], "exact");
    assert_eq!(region["risk"]["tier"], "senior");
    assert_eq!(region["review"]["state"], "required");
    assert_eq!(report["summary"]["needsReview"], 1);
    // The human cache module's HashMap::remove is not a finding, even in audit mode.
    let all = std::process::Command::new(BIN)
        .args(["scan", "--all", "--format", "json"])
        .arg(example())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&all.stdout).unwrap();
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["file"] == "src/ops.rs"));
}

#[test]
fn audit_mode_reports_unmarked_code_as_not_ai() {
    let fx = Fixture::new(&[("src/ops.rs", OPS)]);
    let (code, out, _) = fx.aigis(&["scan", "--format", "json"]);
    assert_eq!(code, 0, "no AI region, nothing to review");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(report["findings"].as_array().unwrap().is_empty());
    let (code, out, _) = fx.aigis(&["scan", "--all", "--format", "json"]);
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    let f = report["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    assert!(f
        .iter()
        .all(|f| f["ai"] == false && f.get("regionId").is_none()));
}

#[test]
fn skipped_files_are_reported_with_a_reason_and_gitignore_is_respected() {
    let fx = Fixture::new(&[
        ("src/ok.rs", "fn main() {}\n"),
        (".gitignore", "/generated/\n"),
        ("generated/x.rs", OPS),
    ]);
    std::fs::write(fx.path("src/bin.rs"), b"fn main() {}\0\x01\x02").unwrap();
    std::fs::write(fx.path("src/latin1.rs"), b"// caf\xe9\nfn f() {}\n").unwrap();
    let big = "// padding\n".repeat(9 * 1024 * 1024 / 11 + 10);
    std::fs::write(fx.path("src/huge.rs"), big).unwrap();
    let (code, out, err) = fx.aigis(&["scan", "--all"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("skipped src/bin.rs: binary"), "{out}");
    assert!(out.contains("skipped src/latin1.rs: not UTF-8"), "{out}");
    assert!(
        out.contains("skipped src/huge.rs: larger than 8 MB"),
        "{out}"
    );
    assert!(
        !out.contains("generated/x.rs"),
        "ignored by .gitignore: {out}"
    );
}

#[test]
fn broken_config_and_bad_arguments_exit_2_with_one_line() {
    let fx = Fixture::new(&[("aigis.toml", "[policy]\ncritical_paths = 7\n")]);
    let (code, _, err) = fx.aigis(&["scan"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("aigis: ") && err.contains("aigis.toml") && err.trim().lines().count() == 1,
        "{err}"
    );
    let (code, _, err) = fx.aigis(&["review", "approve", "nofile.rs:x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a line number"));
    let (code, _, _) = fx.aigis(&["scan", "--format", "yaml"]);
    assert_eq!(code, 2);
    let (code, _, err) = fx.aigis(&["scan", "does/not/exist"]);
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");
}

/// A file with `n` AI regions, each with a critical finding, recorded in the ledger.
fn many_regions(n: usize) -> Fixture {
    let mut src = String::from("use aws_sdk_ec2 as ec2;\n");
    for i in 0..n {
        src += &format!(
            "async fn f{i}(c: &ec2::Client) {{\n    c.terminate_instances().send().await;\n}}\n"
        );
    }
    let fx = Fixture::new(&[
        ("src/ops.rs", &src),
        ("aigis.toml", "[review]\nsenior = [\"alice@example.com\"]\n"),
    ]);
    let mut regions = Vec::new();
    let mut offset = src.find("async fn").unwrap();
    for i in 0..n {
        let len = src[offset..].find("}\n").unwrap() + 1;
        regions.push(aigis_core::regions::Region {
            id: format!("r-{i:04}"),
            start: offset,
            end: offset + len,
            provenance: aigis_core::regions::Provenance {
                tool: "codex".into(),
                model: None,
                session: None,
            },
            source: aigis_core::regions::Source::AgentHook,
            modified: false,
            created_at: "2026-11-28T00:00:00Z".into(),
        });
        offset += len + 1;
    }
    aigis_core::ledger::Ledger::new(&fx.root())
        .write_snapshot("src/ops.rs", &src, &regions, &|_| None)
        .unwrap();
    fx
}

#[test]
fn concurrent_writers_lose_nothing() {
    let n = 24;
    let fx = many_regions(n);
    // Every region's review is requested by its own process, all at once.
    let children: Vec<_> = (0..n)
        .map(|i| {
            std::process::Command::new(BIN)
                .args(["review", "request", &format!("src/ops.rs:{}", 3 + 3 * i)])
                .current_dir(fx.root())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let log = fx.read(".aigis/reviews/src/ops.rs.jsonl");
    let mut ids: Vec<String> = log
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("every line is a whole record")["region"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    let want: Vec<String> = (0..n).map(|i| format!("r-{i:04}")).collect();
    assert_eq!(ids, want);
}

#[test]
fn review_from_the_command_line() {
    let fx = many_regions(2);
    // Reviewers approve committed code: history then names who wrote it (the fixture's ledger
    // records no author).
    fx.git(&["add", "-A"]);
    fx.git(&["commit", "-qm", "ai regions"]);
    let (code, out, err) = fx.aigis(&["review", "request", "src/ops.rs:3"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("requested senior review of r-0000") && out.contains("alice@example.com"),
        "{out}"
    );
    let (code, _, err) = fx.aigis(&["review", "request", "src/ops.rs:3"]);
    assert_eq!(code, 2);
    assert!(err.contains("already requested"), "{err}");
    let (code, _, err) = fx.aigis(&["review", "request", "src/ops.rs:1"]);
    assert_eq!(code, 2);
    assert!(err.contains("no AI region at src/ops.rs:1"), "{err}");

    fx.set_identity("Mallory", "mallory@example.com");
    let (code, _, err) = fx.aigis(&["review", "approve", "src/ops.rs:3"]);
    assert_eq!(code, 1, "refused: {err}");
    assert!(err.contains("not a senior reviewer"), "{err}");
    fx.set_identity("Alice", "alice@example.com");
    let (code, out, err) = fx.aigis(&["review", "approve", "src/ops.rs:3"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("approved r-0000"), "{out}");

    let (_, out, _) = fx.aigis(&["review", "status"]);
    assert!(
        out.contains("r-0000  tier senior  review approved by Alice <alice@example.com>"),
        "{out}"
    );
    assert!(
        out.contains("r-0001  tier senior  review required"),
        "{out}"
    );
    // One region still lacks its review: the scan fails; --fail-on never does not.
    assert_eq!(fx.aigis(&["scan"]).0, 1);
    assert_eq!(fx.aigis(&["scan", "--fail-on", "never"]).0, 0);
}

#[test]
fn version_completions_and_man_page() {
    let fx = Fixture::new(&[]);
    let (code, out, _) = fx.aigis(&["--version"]);
    assert_eq!(code, 0);
    // `aigis 0.1.0 (<commit>)`: the version and the commit it was built from.
    assert!(
        out.starts_with(&format!("aigis {} (", env!("CARGO_PKG_VERSION")))
            && out.trim_end().ends_with(')'),
        "{out}"
    );
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, err) = fx.aigis(&["completions", shell]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("incident") && out.contains("review"),
            "{shell}: {out}"
        );
    }
    let (code, out, _) = fx.aigis(&["completions", "tcsh-not-a-shell"]);
    assert_eq!(code, 2, "{out}");
    let (code, out, _) = fx.aigis(&["man"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(".TH aigis 1") && out.contains("incident"),
        "{out}"
    );
}

#[test]
fn every_text_file_is_tracked_with_or_without_a_language() {
    // An agent writes a Python script, a Markdown runbook and an `.env` file: their regions are in
    // the ledger, the scan, blame and the report, whether a grammar reads the file or not.
    let fx = Fixture::new(&[
        (
            "deploy.py",
            "import boto3\nec2 = boto3.client('ec2')\nec2.terminate_instances(InstanceIds=ids)\n",
        ),
        (
            "RUNBOOK.md",
            "# Runbook\n\nRun `terraform destroy` in prod.\n",
        ),
        (".env", "AWS_REGION=us-east-1\n"),
        ("src/lib.rs", "pub fn f() {}\n"),
    ]);
    let payload = serde_json::json!({ "tool": "claude-code", "cwd": fx.root(), "files": [
        { "path": "deploy.py", "lines": [[2, 3]] },
        { "path": "RUNBOOK.md", "lines": [[3, 3]] },
        { "path": ".env", "lines": [[1, 1]] },
    ] });
    let (code, out, err) =
        fx.aigis_with(&["record", "--agent", "generic"], &payload.to_string(), &[]);
    assert_eq!(code, 0, "{out}{err}");
    let (_, out, err) = fx.aigis(&["scan", "--format", "json", "--fail-on", "never"]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let mut files: Vec<&str> = report["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, [".env", "RUNBOOK.md", "deploy.py"], "{report:#}");
    // Python is analysed; no language reads the runbook or `.env`, so nothing is invented there
    // (the runbook's `terraform destroy` is prose).
    assert_eq!(report["summary"]["findings"], 1, "{report:#}");
    assert_eq!(report["findings"][0]["file"], "deploy.py", "{report:#}");
    let (code, out, err) = fx.aigis(&["blame", "deploy.py:3"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("claude-code"), "{out}");
    let (code, out, err) = fx.aigis(&["report", "--format", "markdown"]);
    assert_eq!(code, 0, "{err}");
    // 2 + 1 + 1 AI lines of 3 + 3 + 1 + 1: files without a language count on both sides.
    assert!(out.contains("4 of 8 lines"), "{out}");
}
