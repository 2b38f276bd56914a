//! Infrastructure as code as a user meets it: `scan --plan` on a Terraform plan (replacements and
//! deletions placed on their blocks through module sources, bad plans refused with exit 2), a
//! replacement found without a plan (an AI edit to a ForceNew argument, against the committed
//! text), `guard` on an agent's Terraform edit and on the outage's own AWS CLI command, and the
//! editor's diagnostics in a Terraform file.

mod common;

use common::*;
use serde_json::{json, Value};

const MAIN_TF: &str = r#"resource "aws_db_instance" "main" {
  identifier = "orders"
  engine     = "postgres"
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_instance" "web" {
  ami = "ami-1"
}

module "cache" {
  source = "./modules/cache"
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
"#;

const CACHE_TF: &str = r#"resource "aws_elasticache_cluster" "this" {
  cluster_id = "sessions"
  engine     = "redis"
}
"#;

fn workspace() -> Fixture {
    let fx = Fixture::new(&[
        ("infra/main.tf", MAIN_TF),
        ("infra/modules/cache/main.tf", CACHE_TF),
        (
            "aigis.toml",
            "[review]\nsenior = [\"alice@example.com\"]\npeer = [\"*\"]\n",
        ),
    ]);
    fx.commit_as(("Bob Builder", "bob@example.com"), "init");
    fx
}

fn change(address: &str, module: Option<&str>, ty: &str, name: &str, actions: &[&str]) -> Value {
    let mut c = json!({
        "address": address, "mode": "managed", "type": ty, "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": { "actions": actions, "before": {"id": "x"}, "after": null,
                    "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {} },
    });
    if let Some(m) = module {
        c["module_address"] = json!(m);
    }
    c
}

fn plan() -> Value {
    let mut db = change(
        "aws_db_instance.main",
        None,
        "aws_db_instance",
        "main",
        &["delete", "create"],
    );
    db["change"]["replace_paths"] = json!([["engine"]]);
    db["action_reason"] = json!("replace_because_cannot_update");
    json!({
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": { "root_module": {} },
        "resource_changes": [
            db,
            change("aws_instance.web", None, "aws_instance", "web", &["create", "delete"]),
            change("module.cache.aws_elasticache_cluster.this[0]", Some("module.cache"), "aws_elasticache_cluster", "this", &["delete"]),
            change("module.vpc.aws_vpc.this[0]", Some("module.vpc"), "aws_vpc", "this", &["delete", "create"]),
            change("aws_s3_bucket.old", None, "aws_s3_bucket", "old", &["delete"]),
            change("aws_iam_role.ci", None, "aws_iam_role", "ci", &["update"]),
            change("data.aws_ami.x", None, "aws_ami", "x", &["read"]),
        ],
    })
}

#[test]
fn a_plan_s_replacements_and_deletions_land_on_their_blocks() {
    let fx = workspace();
    fx.write("plan.json", &plan().to_string());
    let (code, out, err) = fx.aigis(&["scan", "--plan", "plan.json", "--format", "json"]);
    assert!(code == 0 || code == 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(String, String, u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |rule: &str, file: &str, line: u64, sev: &str| {
        found.contains(&(rule.into(), file.into(), line, sev.into()))
    };
    assert!(
        has("tf.plan.replace", "infra/main.tf", 1, "critical"),
        "a stateful database: {found:?}"
    );
    assert!(
        has("tf.plan.replace", "infra/main.tf", 9, "high"),
        "an instance: {found:?}"
    );
    assert!(
        has(
            "tf.plan.delete",
            "infra/modules/cache/main.tf",
            1,
            "critical"
        ),
        "through the local module source: {found:?}"
    );
    assert!(
        has("tf.plan.replace", "infra/main.tf", 17, "critical"),
        "a registry module's resource lands on the module call: {found:?}"
    );
    assert_eq!(
        found.len(),
        4,
        "updates and reads are not findings: {found:?}"
    );
    let msg = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["line"] == 1 && f["file"] == "infra/main.tf")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("engine") && msg.contains("replace_because_cannot_update"),
        "{msg}"
    );
    assert_eq!(report["plan"]["unplaced"], json!(["aws_s3_bucket.old"]));
    assert_eq!(report["plan"]["replaced"], 3);
    assert_eq!(report["plan"]["deleted"], 2);
    // Text names the address whose block is gone.
    let (_, text, _) = fx.aigis(&["scan", "--plan", "plan.json"]);
    assert!(text.contains("aws_s3_bucket.old"), "{text}");
    // A deleted resource whose block was removed from a file that stays: on that file too.
    fx.write(
        "infra/old.tf",
        "resource \"aws_s3_bucket\" \"old\" {\n  bucket = \"old\"\n}\n",
    );
    fx.commit_as(("Bob Builder", "bob@example.com"), "old bucket");
    fx.write("infra/old.tf", "# the old bucket is gone\n");
    let (_, out, _) = fx.aigis(&["scan", "--plan", "plan.json", "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let gone = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "infra/old.tf")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        (gone["rule"].as_str(), gone["line"].as_u64()),
        (Some("tf.plan.delete"), Some(1))
    );
    assert!(
        gone["message"].as_str().unwrap().contains("is gone"),
        "{gone}"
    );
    assert_eq!(report["plan"]["unplaced"], json!(["aws_s3_bucket.old"]));
    // Without a plan there are no plan findings.
    let (_, out, _) = fx.aigis(&["scan", "--format", "json"]);
    assert!(!out.contains("tf.plan."), "{out}");
}

#[test]
fn what_is_not_a_plan_is_refused_with_a_reason() {
    let fx = workspace();
    for (body, says) in [
        ("not json at all", "is not JSON"),
        ("{\"values\": {}}", "not a Terraform plan"),
        (
            "{\"format_version\": \"2.0\", \"resource_changes\": []}",
            "format 2.0 is not supported",
        ),
        (
            "{\"format_version\": \"1.0\", \"values\": {}}",
            "without planned changes",
        ),
        ("[1, 2", "is not JSON"),
    ] {
        fx.write("bad.json", body);
        let (code, out, err) = fx.aigis(&["scan", "--plan", "bad.json"]);
        assert_eq!(code, 2, "{body}: {out}{err}");
        assert!(err.contains(says), "{body}: {err}");
    }
    let (code, _, err) = fx.aigis(&["scan", "--plan", "missing.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("missing.json"), "{err}");
}

#[test]
fn a_plan_of_five_thousand_changes_is_read_in_under_a_second() {
    let fx = workspace();
    let mut body = String::from("resource \"aws_instance\" \"seed\" {}\n");
    let mut changes = Vec::new();
    for i in 0..5000 {
        body.push_str(&format!(
            "resource \"aws_instance\" \"w{i}\" {{\n  ami = \"a\"\n}}\n"
        ));
        let mut c = change(
            &format!("aws_instance.w{i}"),
            None,
            "aws_instance",
            &format!("w{i}"),
            &["delete", "create"],
        );
        // Realistic weight: a before and after of a few dozen attributes each.
        let attrs: serde_json::Map<String, Value> = (0..40)
            .map(|k| (format!("attr_{k}"), json!(format!("value-{i}-{k}"))))
            .collect();
        c["change"]["before"] = Value::Object(attrs.clone());
        c["change"]["after"] = Value::Object(attrs);
        changes.push(c);
    }
    fx.write("infra/many.tf", &body);
    let plan =
        json!({ "format_version": "1.2", "resource_changes": changes, "planned_values": {} });
    let text = plan.to_string();
    fx.write("big.json", &text);
    let start = std::time::Instant::now();
    let (found, summary) = aigis_core::plan::findings(
        &aigis_core::workspace::Workspace::open(&fx.root()).unwrap(),
        &fx.path("big.json"),
    )
    .unwrap();
    let took = start.elapsed();
    eprintln!(
        "plan: {} changes, {:.1} MB, read and placed in {:.0} ms",
        5000,
        text.len() as f64 / 1e6,
        took.as_secs_f64() * 1e3
    );
    assert_eq!(summary.replaced, 5000);
    assert_eq!(found.values().map(Vec::len).sum::<usize>(), 5000);
    assert!(took.as_secs_f64() < 5.0, "far too slow: {took:?}");
}

#[test]
fn an_edit_that_replaces_a_database_is_found_without_a_plan() {
    let fx = workspace();
    // The agent changes the engine and drops the lifecycle guard.
    let edited = MAIN_TF
        .replace("\"postgres\"", "\"mysql\"")
        .replace("  lifecycle {\n    prevent_destroy = true\n  }\n", "");
    let payload = json!({ "hook_event_name": "PreToolUse", "tool_name": "Write", "cwd": fx.root(),
        "tool_input": { "file_path": fx.path("infra/main.tf"), "content": edited } })
    .to_string();
    let (decision, why) = claude_guard(&fx, &payload);
    assert_ne!(decision, "allow", "{why}");
    assert!(why.contains("tf.force-new.aws_db_instance"), "{why}");
    // Recorded as the agent's and scanned: both findings, against the committed text.
    fx.write("infra/main.tf", &edited);
    let (code, _, err) = fx.aigis_with(
        &["record", "--agent", "claude"],
        &json!({ "hook_event_name": "PostToolUse", "tool_name": "Write", "cwd": fx.root(),
                 "tool_input": { "file_path": fx.path("infra/main.tf"), "content": edited } })
        .to_string(),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let (_, out, err) = fx.aigis(&["scan", "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"tf.force-new.aws_db_instance")
            && rules.contains(&"tf.lifecycle.prevent-destroy-removed"),
        "{rules:?}"
    );
    // Changing a setting that updates in place is not a replacement.
    let (decision, why) = claude_guard(
        &fx,
        &json!({ "hook_event_name": "PreToolUse", "tool_name": "Edit", "cwd": fx.root(),
            "tool_input": { "file_path": fx.path("infra/modules/cache/main.tf"),
                            "old_string": "engine     = \"redis\"", "new_string": "engine     = \"redis\"\n  port = 6380" } })
        .to_string(),
    );
    assert_eq!(decision, "allow", "{why}");
}

#[test]
fn guard_stops_the_outage_s_own_command() {
    let fx = workspace();
    let bash = |cmd: &str| {
        json!({ "hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": fx.root(),
                "tool_input": { "command": cmd } })
        .to_string()
    };
    let (decision, why) = claude_guard(
        &fx,
        &bash("aws cloudformation delete-stack --stack-name prod --region us-east-1"),
    );
    assert_eq!(decision, "deny", "critical by default: {why}");
    assert!(why.contains("aws.cloudformation.delete-stack"), "{why}");
    for hidden in [
        "echo `terraform destroy -auto-approve`",
        "sudo -E env AWS_PROFILE=prod /usr/local/bin/aws cloudformation delete-stack --stack-name prod",
        "bash -c \"cd infra && terraform destroy -auto-approve\"",
        "python3 -c \"import boto3; boto3.client('cloudformation').delete_stack(StackName='prod')\"",
    ] {
        let (decision, why) = claude_guard(&fx, &bash(hidden));
        assert_eq!(decision, "deny", "{hidden}: {why}");
    }
    for data in [
        "echo 'aws cloudformation delete-stack --stack-name prod' >> NOTES.md",
        "cat > runbook.sh <<'EOF'\nterraform destroy -auto-approve\nEOF",
        "aws cloudformation describe-stacks --stack-name prod",
    ] {
        let (decision, why) = claude_guard(&fx, &bash(data));
        assert_eq!(decision, "allow", "{data}: {why}");
    }
}

#[test]
fn a_terraform_file_gets_diagnostics_in_the_editor() {
    let fx = workspace();
    let uri = fx.uri("infra/main.tf");
    let text = MAIN_TF.replace(
        "  engine     = \"postgres\"\n",
        "  engine     = \"postgres\"\n  skip_final_snapshot = true\n",
    );
    let mut c = Client::start(&fx.root());
    c.open(&uri, &text);
    c.notify(
        "aigis/markAiEdit",
        json!({ "textDocument": { "uri": uri }, "range": range(0, 0, 7, 0), "tool": "claude-code" }),
    );
    let diags = c.diagnostics_until(&uri, |d| {
        d.iter()
            .any(|x| x["code"] == "risky/tf.skip-final-snapshot")
    });
    let risky = diags
        .iter()
        .find(|d| d["code"] == "risky/tf.skip-final-snapshot")
        .unwrap();
    assert_eq!(risky["range"]["start"], pos(3, 2), "{diags:#?}");
    // Changing the engine replaces the database: the editor says so, against the committed text.
    let replaced = text.replace("\"postgres\"", "\"mysql\"");
    c.change(&uri, 2, json!([{ "text": replaced }]));
    let diags = c.diagnostics_until(&uri, |d| {
        d.iter()
            .any(|x| x["code"] == "risky/tf.force-new.aws_db_instance")
    });
    let d = diags
        .iter()
        .find(|d| d["code"] == "risky/tf.force-new.aws_db_instance")
        .unwrap();
    assert_eq!(d["range"]["start"], pos(2, 2), "{diags:#?}");
    assert!(
        d["message"].as_str().unwrap().contains("postgres"),
        "the committed value: {d:#}"
    );
}

#[test]
fn large_and_odd_documents_keep_exact_positions() {
    let fx = workspace();
    // A 10,000-line CloudFormation template: the finding at its end is on the right line, fast.
    let mut cfn = String::from("AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n");
    for i in 0..2000 {
        cfn.push_str(&format!(
            "  Queue{i}:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: q{i}\n      DelaySeconds: 0\n"
        ));
    }
    cfn.push_str("  Orders:\n    Type: AWS::RDS::DBInstance\n    DeletionPolicy: Delete\n");
    let line = cfn.lines().count();
    fx.write("stack.yaml", &cfn);
    // YAML with anchors, aliases and several documents; a Makefile with tabs and continuations;
    // HCL with a syntax error and a heredoc; CRLF line ends; multi-byte text before a finding.
    fx.write(
        "k8s.yaml",
        "base: &b\r\n  privileged: true\r\n---\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: \"żółw\"\r\nspec:\r\n  hostPID: true\r\n  x: *b\r\n",
    );
    fx.write(
        "infra/broken.tf",
        "resource \"aws_s3_bucket\" \"a\" {\n  tags = { name = \"żółw\" }\n  force_destroy = true\n  policy = <<EOT\n{\"Effect\": \"Allow\"}\nEOT\n}\nresource \"x\" {\n",
    );
    fx.write(
        "Makefile",
        "all:\n\techo a \\\n\t  b && \\\n\t  git reset --hard\n",
    );
    let start = std::time::Instant::now();
    let (code, out, err) = fx.aigis(&["scan", "--all", "--format", "json"]);
    let took = start.elapsed();
    assert!(code == 0 || code == 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let at = |file: &str, rule: &str| -> Vec<(u64, u64)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["file"] == file && f["rule"] == rule)
            .map(|f| (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap()))
            .collect()
    };
    assert_eq!(
        at("stack.yaml", "cfn.deletion-policy-delete"),
        [(line as u64, 5)]
    );
    assert_eq!(
        at("k8s.yaml", "k8s.privileged-container"),
        [(9, 3)],
        "{out}"
    );
    assert_eq!(
        at("infra/broken.tf", "tf.s3.force-destroy"),
        [(3, 3)],
        "{out}"
    );
    assert_eq!(
        at("Makefile", "shell.git-reset-hard"),
        [(4, 4)],
        "the command on its own continuation line: {out}"
    );
    eprintln!("scan --all of a 10,000-line template and odd files: {took:?}");
}

#[test]
fn a_fifty_megabyte_plan_is_read_without_a_hang() {
    let fx = workspace();
    let mut db = change(
        "aws_db_instance.main",
        None,
        "aws_db_instance",
        "main",
        &["delete"],
    );
    // 50 MB of before/after values: what a large plan mostly is.
    let blob = "x".repeat(1 << 20);
    let attrs: serde_json::Map<String, Value> = (0..50)
        .map(|k| (format!("attr_{k}"), json!(blob)))
        .collect();
    db["change"]["before"] = Value::Object(attrs);
    let plan = json!({ "format_version": "1.2", "resource_changes": [db], "planned_values": {} });
    fx.write("plan.json", &plan.to_string());
    let (code, out, err) = fx.aigis(&["scan", "--plan", "plan.json", "--format", "json"]);
    assert!(code == 0 || code == 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["plan"]["deleted"], 1);
    assert!(out.contains("tf.plan.delete"));
    // Truncated mid-way: a clear error, exit 2.
    let text = plan.to_string();
    fx.write("cut.json", &text[..text.len() / 2]);
    let (code, _, err) = fx.aigis(&["scan", "--plan", "cut.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not JSON"), "{err}");
}

#[test]
fn a_terraform_region_s_blast_radius_follows_references() {
    let fx = workspace();
    fx.write(
        "infra/net.tf",
        "locals {\n  db_host = aws_db_instance.main.address\n}\n\noutput \"db\" {\n  value = local.db_host\n}\n\nresource \"aws_route53_record\" \"db\" {\n  records = [aws_db_instance.main.address]\n  name    = \"${var.zone}-db\"\n}\n",
    );
    // The agent wrote the database block.
    let (code, _, err) = fx.aigis_with(
        &["record", "--agent", "generic"],
        &json!({ "tool": "codex", "cwd": fx.root(), "files": [{ "path": "infra/main.tf", "lines": [[1, 7]] }] })
            .to_string(),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let (_, out, err) = fx.aigis(&["scan", "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
    let blast = &report["regions"][0]["blast"];
    assert_eq!(
        blast["symbols"],
        json!(["aws_db_instance.main"]),
        "{blast:#}"
    );
    let callers: Vec<&str> = blast["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["caller"].as_str().unwrap())
        .collect();
    assert!(
        callers.contains(&"local.db_host") && callers.contains(&"aws_route53_record.db"),
        "{callers:?}"
    );
    // Through the local to the output: the module's interface.
    let entries = blast["entryPoints"].to_string();
    assert!(entries.contains("output.db"), "{blast:#}");
}

#[test]
fn deeply_nested_documents_are_read_without_exhausting_the_stack() {
    let fx = workspace();
    let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    fx.write("deep.json", &deep);
    fx.write("deep.yaml", &format!("a: {deep}\n"));
    fx.write(
        "infra/deep.tf",
        &format!("locals {{\n  x = {deep}\n}}\nresource \"aws_s3_bucket\" \"b\" {{\n  force_destroy = true\n}}\n"),
    );
    let (code, out, err) = fx.aigis(&["scan", "--all", "--format", "json"]);
    assert!(code == 0 || code == 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["file"] == "infra/deep.tf" && f["rule"] == "tf.s3.force-destroy"),
        "the rest of the file is still read: {out}"
    );
}

#[test]
fn a_script_without_an_extension_is_read_by_its_shebang() {
    let fx = workspace();
    fx.write(
        "bin/teardown",
        "#!/usr/bin/env bash\nset -e\nterraform destroy -auto-approve\n",
    );
    fx.write(
        "bin/notes",
        "terraform destroy -auto-approve is what we never run\n",
    );
    let (_, out, err) = fx.aigis(&["scan", "--all", "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "shell.terraform-destroy")
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["bin/teardown"], "{out}");
}
