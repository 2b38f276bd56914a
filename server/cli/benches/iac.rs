//! Infrastructure as code as a user meets it, the whole process each time:
//! - `aigis scan --plan plan.json` on a plan of 5,000 replacements (12 MB) over a workspace of
//!   500 Terraform files, against `aigis scan` of the same workspace without the plan (baseline);
//! - `aigis guard` on an agent's shell command, against `aigis --version` (process start).

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

fn run(fx: &Fixture, args: &[&str], stdin: Option<&str>) -> Duration {
    let t = Instant::now();
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(fx.root())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("aigis runs");
    if let Some(s) = stdin {
        let _ = child.stdin.take().unwrap().write_all(s.as_bytes());
    } else {
        drop(child.stdin.take());
    }
    child.wait().expect("aigis ends");
    t.elapsed()
}

fn main() {
    let fx = Fixture::new(&[("aigis.toml", "")]);
    let mut changes = Vec::new();
    for f in 0..500 {
        let mut body = String::new();
        for r in 0..10 {
            let n = f * 10 + r;
            body.push_str(&format!(
                "resource \"aws_db_instance\" \"db{n}\" {{\n  identifier = \"db{n}\"\n  engine     = \"postgres\"\n  skip_final_snapshot = {}\n  tags = {{ team = \"t{f}\" }}\n}}\n\n",
                n % 7 == 0
            ));
            let attrs: serde_json::Map<String, Value> = (0..40)
                .map(|k| (format!("attr_{k}"), json!(format!("value-{n}-{k}"))))
                .collect();
            changes.push(json!({
                "address": format!("aws_db_instance.db{n}"), "mode": "managed",
                "type": "aws_db_instance", "name": format!("db{n}"),
                "change": { "actions": ["delete", "create"], "before": attrs, "after": attrs,
                            "replace_paths": [["engine"]] },
                "action_reason": "replace_because_cannot_update",
            }));
        }
        fx.write(&format!("infra/m{}/main{f}.tf", f % 25), &body);
    }
    let plan =
        json!({ "format_version": "1.2", "resource_changes": changes, "planned_values": {} })
            .to_string();
    fx.write("plan.json", &plan);
    fx.commit_as(("Bench", "bench@example.com"), "init");

    let rounds = 5;
    let (mut with_plan, mut without) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        without.push(run(&fx, &["scan", "--all", "--format", "json"], None));
        with_plan.push(run(
            &fx,
            &["scan", "--all", "--format", "json", "--plan", "plan.json"],
            None,
        ));
    }
    let (p50_with, p50_without) = (pct(&mut with_plan, 0.5), pct(&mut without, 0.5));
    println!(
        "scan --plan: 5,000 replacements ({:.1} MB plan), 500 .tf files: p50 {p50_with:.0} ms; scan --all without the plan {p50_without:.0} ms; the plan adds {:.0} ms ({:.2}x)",
        plan.len() as f64 / 1e6,
        p50_with - p50_without,
        p50_with / p50_without
    );

    let runs = 60;
    let (mut guard, mut baseline) = (Vec::new(), Vec::new());
    let commands = [
        "aws cloudformation delete-stack --stack-name prod",
        "echo $(git status) && ls -la | grep x",
        "bash -c \"cd infra && terraform plan -out tf.plan\"",
        "python3 -c \"import shutil; shutil.rmtree('/srv')\"",
    ];
    for k in 0..runs {
        let payload =
            json!({ "hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": fx.root(),
            "tool_input": { "command": commands[k % commands.len()] } })
            .to_string();
        guard.push(run(
            &fx,
            &["guard", "--agent", "claude-code"],
            Some(&payload),
        ));
        baseline.push(run(&fx, &["--version"], None));
    }
    let (g50, g99) = (pct(&mut guard, 0.5), pct(&mut guard, 0.99));
    let b50 = pct(&mut baseline, 0.5);
    println!(
        "guard on a shell command: p50 {g50:.1} ms, p99 {g99:.1} ms; process start (`aigis --version`) p50 {b50:.1} ms; guard's own work p50 {:.1} ms",
        g50 - b50
    );
}
