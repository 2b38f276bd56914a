//! The CI gate on a scripted repository: a pull-request-like branch, approvals committed by the
//! right and the wrong people, stale approvals, SARIF valid against the official schema, and the
//! ready-made pipelines' script.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;
use serde_json::{json, Value};

const OPS: &str = "use aws_sdk_cloudformation as cfn;\n\npub fn keep() {}\n";
const OPS_PR: &str = "use aws_sdk_cloudformation as cfn;\n\npub fn keep() {}\n\npub async fn recreate(client: &cfn::Client) {\n    client.delete_stack().stack_name(\"prod\").send().await.unwrap();\n    client.create_stack().stack_name(\"prod\").send().await.unwrap();\n}\n";
const POLICY: &str = "[review]\nsenior = [\"alice@example.com\"]\n";

fn commit(fx: &Fixture, who: (&str, &str), message: &str) {
    fx.commit_as(who, message);
}

/// `aigis ARGS` as CI runs it (CI=true).
fn ci(fx: &Fixture, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(fx.root())
        .env("CI", "true")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// main with the base code; branch `pr` where an agent added `recreate` (lines 5-8).
fn pull_request() -> Fixture {
    let fx = Fixture::new(&[("src/ops.rs", OPS), ("aigis.toml", POLICY)]);
    commit(&fx, ("Bob Builder", "bob@example.com"), "base");
    fx.git(&["checkout", "-q", "-b", "pr"]);
    fx.write("src/ops.rs", OPS_PR);
    let payload = json!({ "tool": "claude-code", "model": "claude-opus-4-5", "cwd": fx.root(), "files": [ { "path": "src/ops.rs", "lines": [[5, 8]] } ] });
    let mut child = Command::new(BIN)
        .args(["record", "--agent", "generic"])
        .current_dir(fx.root())
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(payload.to_string().as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    commit(
        &fx,
        ("Bob Builder", "bob@example.com"),
        "recreate the stack\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    );
    fx
}

#[test]
fn missing_review_then_a_listed_senior_approval_passes() {
    let fx = pull_request();
    let (code, out, err) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("tier senior  review required")
            && out.contains("aws.cloudformation.delete-stack"),
        "{out}"
    );
    // Alice approves from her checkout and commits the approval.
    fx.set_identity("Alice", "alice@example.com");
    let (code, _, err) = fx.aigis(&["review", "approve", "src/ops.rs:6"]);
    assert_eq!(code, 0, "{err}");
    // Not committed yet: CI does not count it.
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 1);
    assert!(out.contains("not committed"), "{out}");
    commit(&fx, ("Alice", "alice@example.com"), "approve recreate");
    let (code, out, err) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("review approved by Alice <alice@example.com>"),
        "{out}"
    );

    // Changing approved code re-opens the review.
    let edited = fx.read("src/ops.rs").replace(
        "stack_name(\"prod\").send().await.unwrap();\n    client.create",
        "stack_name(\"prod-2\").send().await.unwrap();\n    client.create",
    );
    fx.write("src/ops.rs", &edited);
    commit(&fx, ("Bob Builder", "bob@example.com"), "rename the stack");
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("stale approval"), "{out}");
}

#[test]
fn an_approval_committed_by_someone_else_is_forged() {
    let fx = pull_request();
    // Bob writes an approval record naming Alice and commits it himself.
    fx.set_identity("Alice", "alice@example.com");
    assert_eq!(fx.aigis(&["review", "approve", "src/ops.rs:6"]).0, 0);
    commit(&fx, ("Bob Builder", "bob@example.com"), "approved (honest)");
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("forged approval") && out.contains("Bob Builder <bob@example.com>"),
        "{out}"
    );
    // Outside CI the ledger is trusted as it is (the editor shows it approved).
    let out = Command::new(BIN)
        .args(["scan", "--base", "main"])
        .current_dir(fx.root())
        .env_remove("CI")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // SARIF names the problem too.
    let (_, out, _) = ci(&fx, &["scan", "--base", "main", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"review/invalid-approval") && rules.contains(&"review/senior-required"),
        "{rules:?}"
    );
}

fn validate(sarif: &Value) {
    let schema_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(errors.is_empty(), "SARIF is not valid 2.1.0: {errors:#?}");
}

#[test]
fn sarif_of_the_bundled_example_is_valid_and_shaped_for_code_scanning() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/incident");
    let out = Command::new(BIN)
        .args(["scan", "--format", "sarif"])
        .arg(&example)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    validate(&sarif);
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() > 150, "one rule per catalog entry");
    let rule = rules
        .iter()
        .find(|r| r["id"] == "aws.ec2.terminate-instances")
        .unwrap();
    assert!(rule["help"]["text"]
        .as_str()
        .unwrap()
        .contains("destroys instances"));
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    let results = run["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "aws.ec2.terminate-instances")
        .unwrap();
    assert_eq!(r["level"], "error");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/ops.rs"
    );
    assert_eq!(r["properties"]["tool"], "claude-code");
    assert_eq!(r["properties"]["tier"], "senior");
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "review/senior-required"));
    // Fingerprints survive unrelated edits: lines added above move the result, not its print.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("incident");
    let status = Command::new("cp")
        .arg("-r")
        .arg(&example)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    let ops = copy.join("src/ops.rs");
    let text = std::fs::read_to_string(&ops).unwrap();
    std::fs::write(&ops, format!("// a comment\n// another\n{text}")).unwrap();
    let out = Command::new(BIN)
        .args(["scan", "--format", "sarif"])
        .arg(&copy)
        .output()
        .unwrap();
    let moved: Value = serde_json::from_slice(&out.stdout).unwrap();
    validate(&moved);
    let fp = |s: &Value| -> Vec<(String, String)> {
        s["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().into(),
                    r["partialFingerprints"]["aigis/v1"]
                        .as_str()
                        .unwrap()
                        .into(),
                )
            })
            .collect()
    };
    assert_eq!(fp(&sarif), fp(&moved));
    let line = |s: &Value| {
        s["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "aws.ec2.terminate-instances")
            .unwrap()["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(line(&moved), line(&sarif) + 2);
}

/// Copies `docs/ci/<script>` into the fixture; returns a PATH that finds the built `aigis`.
fn with_ci_script(fx: &Fixture, script: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::create_dir_all(fx.path("docs/ci")).unwrap();
    std::fs::copy(
        root.join("docs/ci").join(script),
        fx.path("docs/ci").join(script),
    )
    .unwrap();
    let bin_dir = std::path::Path::new(BIN).parent().unwrap();
    format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn the_pipelines_run_the_same_commands_as_this_test() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let gh = std::fs::read_to_string(root.join("docs/ci/github-actions.yml")).unwrap();
    let gl = std::fs::read_to_string(root.join("docs/ci/gitlab-ci.yml")).unwrap();
    assert!(
        gh.contains("sh docs/ci/aigis-ci.sh")
            && gh.contains("upload-sarif")
            && gh.contains("fetch-depth: 0")
    );
    assert!(gl.contains("sh docs/ci/aigis-ci.sh") && gl.contains("merge_request_event"));
    let fx = pull_request();
    let path = with_ci_script(&fx, "aigis-ci.sh");
    let run = |fx: &Fixture| {
        Command::new("sh")
            .args(["docs/ci/aigis-ci.sh", "main", "out.sarif"])
            .current_dir(fx.root())
            .env("PATH", &path)
            .env("CI", "true")
            .output()
            .unwrap()
    };
    let out = run(&fx);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let sarif: Value = serde_json::from_str(&fx.read("out.sarif")).unwrap();
    validate(&sarif);
    fx.set_identity("Alice", "alice@example.com");
    assert_eq!(fx.aigis(&["review", "approve", "src/ops.rs:6"]).0, 0);
    commit(&fx, ("Alice", "alice@example.com"), "approve");
    assert_eq!(run(&fx).status.code(), Some(0));
}

#[test]
fn report_for_a_range_of_commits_in_html_and_markdown() {
    let fx = pull_request();
    let (code, md, err) = fx.aigis(&["report", "--base", "main", "--format", "markdown"]);
    assert_eq!(code, 0, "{err}");
    assert!(md.contains("| claude-code | claude-opus-4-5 | 4 |"), "{md}");
    assert!(md.contains("1 senior"), "{md}");
    assert!(md.contains("1 open, 0 approved"), "{md}");
    assert!(
        md.contains("`aws.cloudformation.delete-stack` (critical)"),
        "{md}"
    );
    let (code, _, err) = fx.aigis(&["report", "--base", "main", "--output", "report.html"]);
    assert_eq!(code, 0, "{err}");
    let html = fx.read("report.html");
    assert!(html.starts_with("<!doctype html>") && html.contains("<h2>Riskiest regions</h2>"));
    assert!(
        !html.contains("<script") && !html.contains("src=\"http"),
        "self-contained"
    );
    assert!(html.contains("src/ops.rs:5-8"), "{html}");
    // Each region links to its commit and its review record.
    assert!(
        html.contains("<li>commit: <code>")
            && html.contains("href=\".aigis/reviews/src/ops.rs.jsonl\""),
        "{html}"
    );
}

#[test]
fn with_require_signed_an_unsigned_approval_does_not_count() {
    let fx = pull_request();
    fx.write(
        "aigis.toml",
        "[review]\nsenior = [\"alice@example.com\"]\nrequire_signed = true\n",
    );
    commit(
        &fx,
        ("Bob Builder", "bob@example.com"),
        "require signatures",
    );
    fx.set_identity("Alice", "alice@example.com");
    assert_eq!(fx.aigis(&["review", "approve", "src/ops.rs:6"]).0, 0);
    commit(&fx, ("Alice", "alice@example.com"), "approve (unsigned)");
    let (code, out, _) = ci(&fx, &["scan", "--base", "main"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("unsigned approval") && out.contains("require_signed"),
        "{out}"
    );
}

#[test]
fn the_deploy_pipeline_reads_the_rollout_outputs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let wf = std::fs::read_to_string(root.join("docs/ci/github-deploy.yml")).unwrap();
    assert!(
        wf.contains("sh docs/ci/aigis-rollout.sh")
            && wf.contains("steps.aigis.outputs.rollout == 'canary'")
            && wf.contains("steps.aigis.outputs.rollout == 'standard'")
    );
    let fx = pull_request();
    let path = with_ci_script(&fx, "aigis-rollout.sh");
    let run = |fx: &Fixture, out: &str| {
        let summary = fx.path("summary.md");
        let o = Command::new("sh")
            .args(["docs/ci/aigis-rollout.sh", "main"])
            .current_dir(fx.root())
            .env("PATH", &path)
            .env("CI", "true")
            .env("GITHUB_OUTPUT", fx.path(out))
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            fx.read(out),
        )
    };
    // The senior-tier region has no review: hold.
    let (code, out, vars) = run(&fx, "gh1.env");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("deploy strategy: hold"), "{out}");
    assert_eq!(
        vars,
        "rollout=hold\nmax_tier=senior\nai_regions=1\nneeds_review=1\n"
    );
    assert!(fx.read("summary.md").contains("rollout `hold`"));
    // Approved by the senior: it ships, to a canary first.
    fx.set_identity("Alice", "alice@example.com");
    assert_eq!(fx.aigis(&["review", "approve", "src/ops.rs:6"]).0, 0);
    commit(&fx, ("Alice", "alice@example.com"), "approve");
    let (code, out, vars) = run(&fx, "gh2.env");
    assert_eq!(code, Some(0), "{out}");
    assert!(vars.starts_with("rollout=canary\n"), "{vars}");
    // The JSON and text say the same.
    let (_, json_out, _) = ci(&fx, &["scan", "--base", "main", "--format", "json"]);
    let report: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(report["rollout"]["strategy"], "canary");
    assert_eq!(report["rollout"]["regions"][0]["tier"], "senior");
    let (_, text, _) = ci(&fx, &["scan", "--base", "main"]);
    assert!(
        text.contains("rollout: canary (src/ops.rs:5-8: approved senior-tier AI region"),
        "{text}"
    );
    // No AI code changed: standard.
    let fx = Fixture::new(&[("src/a.rs", "fn a() {}\n")]);
    commit(&fx, ("Bob", "bob@example.com"), "base");
    fx.write("src/a.rs", "fn a() {}\nfn b() {}\n");
    commit(&fx, ("Bob", "bob@example.com"), "human change");
    let out = fx.path("gh3.env");
    let (code, _, err) = fx.aigis(&[
        "scan",
        "--base",
        "HEAD~1",
        "--github-output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(fx.read("gh3.env").starts_with("rollout=standard\n"));
}
