//! TypeScript and JavaScript as a user meets them: `scan` finds AWS SDK v3 commands, `fs` and
//! `child_process` operations and not their look-alikes, `guard` stops an agent's TypeScript
//! edit that deletes a stack, and the blast radius follows relative imports to an exported
//! Lambda handler, with tests apart.

mod common;

use common::*;
use serde_json::{json, Value};

const OPS: &str = "import { CloudFormationClient, DeleteStackCommand } from \"@aws-sdk/client-cloudformation\";\n\nconst cfn = new CloudFormationClient({});\n\nexport async function recreate(name: string) {\n  await cfn.send(new DeleteStackCommand({ StackName: name }));\n}\n";
const HANDLER: &str = "import { recreate } from \"./infra/ops\";\n\nexport const handler = async (event: { name: string }) => {\n  await recreate(event.name);\n};\n";

fn workspace() -> Fixture {
    let fx = Fixture::new(&[
        ("package.json", "{ \"name\": \"app\" }\n"),
        ("src/infra/ops.ts", OPS),
        ("src/handler.ts", HANDLER),
        ("src/__tests__/ops.test.ts", "import { recreate } from \"../infra/ops\";\n\ntest(\"recreate\", async () => {\n  await recreate(\"x\");\n});\n"),
        ("web/app.js", "const m = new Map();\nm.delete(\"k\");\nfetch(\"/x\", { method: \"DELETE\" });\nlocalStorage.removeItem(\"k\");\n"),
        ("aigis.toml", "[review]\nsenior = [\"alice@example.com\"]\npeer = [\"*\"]\n"),
    ]);
    fx.commit_as(("Bob Builder", "bob@example.com"), "init");
    fx
}

#[test]
fn scan_finds_the_command_and_the_blast_radius_reaches_the_handler() {
    let fx = workspace();
    let (code, out, err) = fx.aigis(&["scan", "--all", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                format!(
                    "{}:{}",
                    f["file"].as_str().unwrap(),
                    f["rule"].as_str().unwrap()
                ),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [(
            "src/infra/ops.ts:aws.cloudformation.delete-stack".to_string(),
            6
        )],
        "Map.delete, fetch DELETE and localStorage are not findings"
    );
    let payload = json!({ "tool": "claude-code", "cwd": fx.root(), "files": [ { "path": "src/infra/ops.ts", "lines": [[5, 7]] } ] });
    let (code, _, err) =
        fx.aigis_with(&["record", "--agent", "generic"], &payload.to_string(), &[]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = fx.aigis(&["scan", "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let region = report["regions"][0].to_string();
    assert!(
        region.contains("src/handler.ts") && region.contains("handler"),
        "{region}"
    );
    assert_eq!(
        report["regions"][0]["blast"]["tests"][0]["file"], "src/__tests__/ops.test.ts",
        "the test is listed apart: {region}"
    );
    assert_eq!(report["regions"][0]["blast"]["dependents"], 1, "{region}");
}

/// The region's dependents as `file` → certainty.
fn dependents(fx: &Fixture, file: &str, lines: [usize; 2]) -> Vec<(String, String)> {
    let payload = json!({ "tool": "claude-code", "cwd": fx.root(), "files": [ { "path": file, "lines": [lines] } ] });
    let (code, _, err) =
        fx.aigis_with(&["record", "--agent", "generic"], &payload.to_string(), &[]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = fx.aigis(&["scan", "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let mut deps: Vec<(String, String)> = report["regions"][0]["blast"]["sites"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or_default().to_string(),
                d["certainty"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    deps.sort();
    deps
}

/// Re-exports pass a name on: `export { f } from`, `export *` and `export * as ns`, through an
/// `index.ts`, as exact dependents.
#[test]
fn the_blast_radius_follows_re_exports() {
    let fx = Fixture::new(&[
        ("package.json", "{ \"name\": \"app\" }\n"),
        ("src/infra/ops.ts", OPS),
        ("src/infra/index.ts", "export { recreate } from \"./ops\";\n"),
        ("src/lib/index.ts", "export * from \"../infra/ops\";\n"),
        ("src/all.ts", "export * as infra from \"./infra\";\n"),
        ("src/handler.ts", "import { recreate } from \"./infra\";\n\nexport const handler = async () => {\n  await recreate(\"prod\");\n};\n"),
        ("src/cron.ts", "import * as lib from \"./lib\";\n\nexport async function nightly() {\n  await lib.recreate(\"x\");\n}\n"),
        ("src/other.ts", "import { recreate } from \"./elsewhere\";\n\nexport async function other() {\n  await recreate(\"y\");\n}\n"),
    ]);
    fx.commit_as(("Bob Builder", "bob@example.com"), "init");
    let deps = dependents(&fx, "src/infra/ops.ts", [5, 7]);
    let files: Vec<&str> = deps.iter().map(|d| d.0.as_str()).collect();
    assert!(
        files.contains(&"src/handler.ts") && files.contains(&"src/cron.ts"),
        "{deps:?}"
    );
    assert!(
        deps.iter()
            .filter(|d| d.0 == "src/handler.ts" || d.0 == "src/cron.ts")
            .all(|d| d.1 == "exact"),
        "{deps:?}"
    );
    assert!(
        !files.contains(&"src/other.ts"),
        "an import from another module is not a dependent: {deps:?}"
    );
}

#[test]
fn guard_stops_an_agents_typescript_edit_that_deletes_a_stack() {
    let fx = workspace();
    let edit = |new: &str| {
        json!({ "hook_event_name": "PreToolUse", "tool_name": "Edit", "cwd": fx.root(),
                "tool_input": { "file_path": fx.path("src/handler.ts"), "old_string": "  await recreate(event.name);\n", "new_string": new } })
        .to_string()
    };
    let (decision, _) = claude_guard(
        &fx,
        &edit("  await recreate(event.name);\n  console.log(\"done\");\n"),
    );
    assert_eq!(decision, "allow");
    fx.write(
        "src/handler.ts",
        &format!("import {{ execSync }} from \"node:child_process\";\n{HANDLER}"),
    );
    let (decision, why) = claude_guard(
        &fx,
        &edit("  execSync(\"terraform destroy -auto-approve\");\n"),
    );
    assert_eq!(decision, "deny", "{why}");
    assert!(why.contains("shell.terraform-destroy"), "{why}");
}

#[test]
fn a_minified_bundle_is_scanned_without_stalling_and_without_false_findings() {
    let fx = workspace();
    // One line of 1.5 MB, thousands of functions, calls whose names rules know (`query`,
    // `delete`, `rmSync`): the work must stay linear in the file (it once walked the line back
    // for every name it met, and up the tree from the root for every call).
    let mut bundle = String::from("const fs=require(\"fs\");");
    let mut i = 0;
    while bundle.len() < 1_500_000 {
        bundle += &format!("function f{i}(a,b){{var c=a.query(\"SELECT 1\");b.delete(\"k\");return fs.rmSync(a,{{force:!0}})+c}}");
        i += 1;
    }
    fx.write("web/bundle.min.js", &bundle);
    let (code, out, err) = fx.aigis(&["scan", "--all", "--format", "json", "web"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        0,
        "no recursive rmSync, no destructive SQL: {out:.300}"
    );
}
