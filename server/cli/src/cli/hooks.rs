//! `aigis hooks install AGENT`: writes the agent's hook configuration (project or user level) and
//! registers `aigis mcp` in the project's MCP configuration; and the answers `guard` and `record`
//! give each agent in its own format.

use super::*;

use aigis_core::agent_hooks::{Recorded, Verdict};
use aigis_core::agents::Agent;
use serde_json::json;

/// `guard`'s answer. Claude Code reads a `permissionDecision` (deny, or ask: the person confirms
/// in its prompt); Cursor a `permission`; the others stop on exit code 2 and show stderr, and
/// having no prompt of their own, an `ask` stops them too.
pub(super) fn guard_output(agent: Agent, input: &str, verdict: &Verdict) -> ExitCode {
    if verdict.allows() {
        return ExitCode::SUCCESS;
    }
    let deny = !verdict.deny.is_empty();
    let reasons = if deny { &verdict.deny } else { &verdict.ask };
    let list = reasons
        .iter()
        .map(|r| format!("- {r}"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = if deny {
        format!("aigis guard: blocked by the project's review policy (aigis.toml [guard]):\n{list}\nThis needs a senior's review before it runs. Do not work around it; tell the user.")
    } else {
        format!("aigis guard: the project's policy asks a person to confirm this first (aigis.toml [guard] ask):\n{list}")
    };
    let event = serde_json::from_str::<serde_json::Value>(input)
        .ok()
        .and_then(|v| {
            v.get("hook_event_name")
                .and_then(|e| e.as_str())
                .map(str::to_string)
        });
    match agent {
        Agent::ClaudeCode => {
            let out = json!({ "hookSpecificOutput": {
                "hookEventName": event.as_deref().unwrap_or("PreToolUse"),
                "permissionDecision": if deny { "deny" } else { "ask" },
                "permissionDecisionReason": text,
            }});
            println!("{out}");
            ExitCode::SUCCESS
        }
        Agent::Cursor => {
            let out = json!({
                "permission": if deny { "deny" } else { "ask" },
                "continue": !deny,
                "userMessage": text,
                "agentMessage": text,
            });
            println!("{out}");
            // A Cursor that predates the JSON answer still stops on exit code 2.
            if deny {
                eprintln!("{text}");
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            eprintln!("{text}");
            ExitCode::from(2)
        }
    }
}

/// `record`'s answer where the agent takes context after an edit (Claude Code's
/// `additionalContext`); nothing when the edit wrote nothing risky.
pub(super) fn record_output(agent: Agent, out: &Recorded) -> Option<String> {
    if out.context.is_empty() || agent != Agent::ClaudeCode {
        return None;
    }
    let text = format!(
        "aigis: {}. Tell the user; do not approve it yourself (aigis review request FILE:LINE asks a reviewer).",
        out.context.join("; and ")
    );
    Some(
        json!({ "hookSpecificOutput": { "hookEventName": "PostToolUse", "additionalContext": text } })
            .to_string(),
    )
}

use aigis_core::hook_setup::SetupEdit as Edit;

pub(super) fn hooks_install(agent: &str, user: bool, dry_run: bool) -> Result<ExitCode, CliError> {
    let agent = parse_agent(agent)?;
    let cwd = std::env::current_dir()?;
    let root = workspace_root(&cwd);
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.clone());
    let confined = |p: &Path| -> Result<(), CliError> {
        if user {
            return Ok(());
        }
        aigis_core::safe_fs::check(&root, p).map_err(|e| CliError(e.to_string()))
    };
    let mut edits = aigis_core::hook_setup::plan(agent, &root, &home, user).map_err(CliError)?;
    edits.retain(|e| {
        let same = e.next == e.current;
        if same {
            println!(
                "{}: aigis already installed; nothing changed",
                e.path.display()
            );
        }
        !same
    });
    if dry_run {
        for e in &edits {
            print!(
                "{}",
                aigis_core::hook_setup::diff(&e.path, &e.current, &e.next)
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    for e in &edits {
        write_settings(&root, user, e, &confined)?;
    }
    if !edits.is_empty() {
        println!(
            "installed aigis for {} (record/guard hooks{})",
            agent.name(),
            if user {
                ""
            } else {
                " and the `aigis mcp` server"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes one settings file atomically, keeping a backup of what was there.
fn write_settings(
    root: &Path,
    user: bool,
    e: &Edit,
    confined: &dyn Fn(&Path) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let path = &e.path;
    if let Some(dir) = path.parent() {
        if user {
            std::fs::create_dir_all(dir)
        } else {
            aigis_core::safe_fs::create_dir_all(root, dir)
        }
        .map_err(|err| CliError(format!("{}: {err}", dir.display())))?;
    }
    let ext = path
        .extension()
        .map(|x| x.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !e.current.is_empty() {
        let backup = path.with_extension(format!("{ext}.aigis-backup"));
        confined(&backup)?;
        let _ = std::fs::remove_file(&backup);
        std::fs::write(&backup, &e.current)
            .map_err(|err| CliError(format!("{}: {err}", backup.display())))?;
        println!("backed up {} to {}", path.display(), backup.display());
    }
    let tmp = path.with_extension(format!("{ext}.aigis-tmp"));
    confined(&tmp)?;
    let _ = std::fs::remove_file(&tmp);
    std::fs::write(&tmp, &e.next)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|err| CliError(format!("{}: {err}", path.display())))?;
    println!("wrote {}", path.display());
    Ok(())
}
