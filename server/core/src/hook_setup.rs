//! `aigis hooks install AGENT`: merges aigis's `record` and `guard` hooks into an agent's
//! settings, keeping every other hook and setting; idempotent, with a backup and a dry run.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::agents::Agent;

/// Where an agent keeps its hook settings, for this project (`root`) or the user (`home`).
pub fn settings_path(agent: Agent, root: &Path, home: &Path, user: bool) -> Option<PathBuf> {
    let base = if user { home } else { root };
    Some(match (agent, user) {
        (Agent::ClaudeCode, _) => base.join(".claude/settings.json"),
        (Agent::Cursor, _) => base.join(".cursor/hooks.json"),
        (Agent::Codex, _) => base.join(".codex/hooks.json"),
        (Agent::Gemini, _) => base.join(".gemini/settings.json"),
        (Agent::Copilot, false) => base.join(".github/hooks/aigis.json"),
        (Agent::Copilot, true) => base.join(".copilot/hooks/aigis.json"),
        (Agent::Kiro, _) => base.join(".kiro/hooks/aigis.json"),
        (Agent::Generic, _) => return None,
    })
}

fn command(kind: &str, agent: Agent) -> String {
    format!("aigis {kind} --agent {}", agent.name())
}

fn is_ours(v: &Value) -> bool {
    let text = v.to_string();
    text.contains("aigis record --agent") || text.contains("aigis guard --agent")
}

/// Claude-shaped hooks (Claude Code, Codex, Gemini): `hooks.<Event>: [{matcher, hooks: [{type, command}]}]`.
fn merge_matcher_hooks(settings: &mut Map<String, Value>, entries: &[(&str, &str, String)]) {
    let hooks = settings.entry("hooks").or_insert_with(|| json!({}));
    if !hooks.is_object() {
        *hooks = json!({});
    }
    let hooks = hooks.as_object_mut().expect("an object");
    for (event, matcher, cmd) in entries {
        let list = hooks.entry(event.to_string()).or_insert_with(|| json!([]));
        if !list.is_array() {
            *list = json!([]);
        }
        let list = list.as_array_mut().expect("an array");
        list.retain(|e| !is_ours(e));
        list.push(json!({ "matcher": matcher, "hooks": [{ "type": "command", "command": cmd, "timeout": 10 }] }));
    }
}

/// The settings file after adding aigis's hooks to `current` (which may be empty).
pub fn merged(agent: Agent, current: &str) -> Result<String, String> {
    let mut root: Value = if current.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(current).map_err(|e| {
            format!("the settings file is not valid JSON ({e}); fix it first, nothing was changed")
        })?
    };
    let settings = root
        .as_object_mut()
        .ok_or("the settings file is not a JSON object; nothing was changed")?;
    let record = command("record", agent);
    let guard = command("guard", agent);
    match agent {
        Agent::ClaudeCode => merge_matcher_hooks(
            settings,
            &[
                ("PreToolUse", "Write|Edit|MultiEdit|Bash", guard),
                ("PostToolUse", "Write|Edit|MultiEdit", record),
            ],
        ),
        Agent::Codex => merge_matcher_hooks(
            settings,
            &[("PreToolUse", "apply_patch|Bash|shell|exec_command", guard), ("PostToolUse", "apply_patch", record)],
        ),
        Agent::Gemini => merge_matcher_hooks(
            settings,
            &[
                ("BeforeTool", "write_file|replace|run_shell_command", guard),
                ("AfterTool", "write_file|replace", record),
            ],
        ),
        Agent::Cursor => {
            settings.entry("version").or_insert(json!(1));
            let hooks = settings.entry("hooks").or_insert_with(|| json!({}));
            if !hooks.is_object() {
                *hooks = json!({});
            }
            let hooks = hooks.as_object_mut().expect("an object");
            for (event, cmd) in [
                ("afterFileEdit", &record),
                ("afterTabFileEdit", &record),
                ("beforeShellExecution", &guard),
            ] {
                let list = hooks.entry(event).or_insert_with(|| json!([]));
                if !list.is_array() {
                    *list = json!([]);
                }
                let list = list.as_array_mut().expect("an array");
                list.retain(|e| !is_ours(e));
                list.push(json!({ "command": cmd }));
            }
        }
        Agent::Copilot => {
            let hooks = settings.entry("hooks").or_insert_with(|| json!({}));
            if !hooks.is_object() {
                *hooks = json!({});
            }
            let hooks = hooks.as_object_mut().expect("an object");
            for (event, cmd) in [("PreToolUse", &guard), ("PostToolUse", &record)] {
                let list = hooks.entry(event).or_insert_with(|| json!([]));
                if !list.is_array() {
                    *list = json!([]);
                }
                let list = list.as_array_mut().expect("an array");
                list.retain(|e| !is_ours(e));
                list.push(json!({ "type": "command", "command": cmd, "timeout": 10 }));
            }
        }
        Agent::Kiro => {
            settings.entry("version").or_insert(json!("v1"));
            let hooks = settings.entry("hooks").or_insert_with(|| json!([]));
            if !hooks.is_array() {
                *hooks = json!([]);
            }
            let list = hooks.as_array_mut().expect("an array");
            list.retain(|e| !is_ours(e));
            list.push(json!({ "name": "aigis-guard", "trigger": "PreToolUse", "matcher": "fs_write|str_replace|execute_bash", "action": { "type": "command", "command": guard } }));
            list.push(json!({ "name": "aigis-record", "trigger": "PostToolUse", "matcher": "fs_write|str_replace", "action": { "type": "command", "command": record } }));
        }
        Agent::Generic => return Err("the generic agent has no settings file: run `aigis record --agent generic` from your agent's own hook".into()),
    }
    let mut out = serde_json::to_string_pretty(&root).expect("settings serialize");
    out.push('\n');
    Ok(out)
}

/// One settings file to write: where, what it holds now (empty when absent), and what it will
/// hold with aigis installed.
#[derive(Debug, Clone)]
pub struct SetupEdit {
    pub path: PathBuf,
    pub current: String,
    pub next: String,
}

impl SetupEdit {
    /// True when the file already holds what `hooks install` would write.
    pub fn is_current(&self) -> bool {
        self.current == self.next
    }

    /// True when the file holds something of aigis's already (current or not).
    pub fn mentions_aigis(&self) -> bool {
        self.current.contains("aigis")
    }
}

/// Every file `aigis hooks install AGENT` would write (the hook settings, and for a project the
/// MCP registrations), each with its current and next text. Project files are read only inside
/// the workspace (a committed `.claude -> ~/.claude` must not redirect anything); the user's own
/// dotfiles may be links.
pub fn plan(agent: Agent, root: &Path, home: &Path, user: bool) -> Result<Vec<SetupEdit>, String> {
    let path = settings_path(agent, root, home, user).ok_or(
        "the generic agent has no settings file: call `aigis record --agent generic` from its hooks",
    )?;
    let read = |p: &Path| -> Result<String, String> {
        if !user {
            crate::safe_fs::check(root, p).map_err(|e| e.to_string())?;
        }
        match std::fs::read_to_string(p) {
            Ok(t) => Ok(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(format!("{}: {e}", p.display())),
        }
    };
    let current = read(&path)?;
    let next = merged(agent, &current).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut edits = vec![SetupEdit {
        path,
        current,
        next,
    }];
    // MCP servers are registered per project: the user's own files are theirs.
    if !user {
        for (path, kind) in crate::mcp_setup::files(agent, root) {
            let at = edits.iter().position(|e| e.path == path);
            let base = match at {
                Some(i) => edits[i].next.clone(),
                None => read(&path)?,
            };
            let next = crate::mcp_setup::merged(kind, &base)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            match at {
                Some(i) => edits[i].next = next,
                None => edits.push(SetupEdit {
                    path,
                    current: base,
                    next,
                }),
            }
        }
    }
    Ok(edits)
}

/// A unified diff of two texts, for `--dry-run`.
pub fn diff(path: &Path, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .header(
            &format!("{} (current)", path.display()),
            &format!("{} (with aigis hooks)", path.display()),
        )
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_other_hooks_and_is_idempotent() {
        let current = r#"{"model":"opus","hooks":{"PostToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"./lint.sh"}]}],"Stop":[{"hooks":[{"type":"command","command":"notify"}]}]}}"#;
        let once = merged(Agent::ClaudeCode, current).unwrap();
        let twice = merged(Agent::ClaudeCode, &once).unwrap();
        assert_eq!(once, twice);
        let v: Value = serde_json::from_str(&once).unwrap();
        assert_eq!(v["model"], "opus");
        assert_eq!(v["hooks"]["Stop"][0]["hooks"][0]["command"], "notify");
        let post = v["hooks"]["PostToolUse"].as_array().unwrap();
        assert_eq!(post.len(), 2);
        assert_eq!(post[0]["hooks"][0]["command"], "./lint.sh");
        assert_eq!(
            post[1]["hooks"][0]["command"],
            "aigis record --agent claude-code"
        );
        assert_eq!(
            v["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
            "aigis guard --agent claude-code"
        );
        assert!(merged(Agent::ClaudeCode, "{broken").is_err());
    }
}
