//! Go as a user meets it: `scan` finds the AWS SDK v2, os and exec operations and not their
//! look-alikes, `guard` stops an agent's Go edit that terminates instances, and the blast radius
//! of an AI region follows packages through go.mod, with HTTP handlers and tests apart.

mod common;

use common::*;
use serde_json::{json, Value};

const OPS: &str = "package ops\n\nimport (\n\t\"context\"\n\n\t\"github.com/aws/aws-sdk-go-v2/service/cloudformation\"\n)\n\nfunc Recreate(ctx context.Context, c *cloudformation.Client, name string) error {\n\t_, err := c.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: &name})\n\treturn err\n}\n";
const MAIN: &str = "package main\n\nimport (\n\t\"context\"\n\t\"net/http\"\n\n\t\"example.com/app/internal/ops\"\n)\n\nfunc handle(w http.ResponseWriter, r *http.Request) {\n\tops.Recreate(context.Background(), nil, \"prod\")\n}\n\nfunc main() {\n\thttp.HandleFunc(\"/rotate\", handle)\n}\n";

fn workspace() -> Fixture {
    let fx = Fixture::new(&[
        ("go.mod", "module example.com/app\n\ngo 1.22\n"),
        ("internal/ops/ops.go", OPS),
        ("internal/ops/ops_test.go", "package ops\n\nimport \"testing\"\n\nfunc TestRecreate(t *testing.T) { _ = Recreate(nil, nil, \"x\") }\n"),
        ("cmd/server/main.go", MAIN),
        ("aigis.toml", "[review]\nsenior = [\"alice@example.com\"]\npeer = [\"*\"]\n"),
    ]);
    fx.commit_as(("Bob Builder", "bob@example.com"), "init");
    fx
}

#[test]
fn scan_finds_go_operations_and_the_blast_radius_crosses_packages() {
    let fx = workspace();
    let payload = json!({ "tool": "codex", "cwd": fx.root(), "files": [ { "path": "internal/ops/ops.go", "lines": [[9, 12]] } ] });
    let (code, _, err) =
        fx.aigis_with(&["record", "--agent", "generic"], &payload.to_string(), &[]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = fx.aigis(&["scan", "--format", "json"]);
    assert_eq!(
        code, 1,
        "an unreviewed critical AI region fails the scan: {err}"
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        report["findings"][0]["rule"], "aws.cloudformation.delete-stack",
        "{report:#}"
    );
    assert_eq!(report["findings"][0]["line"], 10);
    let region = report["regions"][0].to_string();
    assert!(
        region.contains("cmd/server/main.go"),
        "the dependent in another package: {region}"
    );
    assert!(
        region.contains("HTTP handler"),
        "the handler it reaches: {region}"
    );
}

#[test]
fn guard_stops_an_agents_go_edit_and_lets_a_harmless_one_through() {
    let fx = workspace();
    let edit = |new: &str| {
        json!({ "hook_event_name": "PreToolUse", "tool_name": "Edit", "cwd": fx.root(),
                "tool_input": { "file_path": fx.path("cmd/server/main.go"), "old_string": "func main() {\n", "new_string": new } })
        .to_string()
    };
    let (decision, why) = claude_guard(
        &fx,
        &edit(
            "func main() {\n\texec.Command(\"terraform\", \"destroy\", \"-auto-approve\").Run()\n",
        ),
    );
    assert_eq!(
        decision, "allow",
        "exec is not imported in this file: not os/exec's Command ({why})"
    );
    let with_import = MAIN.replace("\"net/http\"\n", "\"net/http\"\n\t\"os/exec\"\n");
    fx.write("cmd/server/main.go", &with_import);
    let (decision, why) = claude_guard(
        &fx,
        &edit(
            "func main() {\n\texec.Command(\"terraform\", \"destroy\", \"-auto-approve\").Run()\n",
        ),
    );
    assert_eq!(decision, "deny", "{why}");
    assert!(why.contains("shell.terraform-destroy"), "{why}");
    let (decision, _) = claude_guard(
        &fx,
        &edit("func main() {\n\texec.Command(\"terraform\", \"plan\").Run()\n"),
    );
    assert_eq!(decision, "allow");
}
