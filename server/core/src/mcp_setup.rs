//! Registers `aigis mcp` in an agent's project-level MCP configuration (what `aigis hooks
//! install AGENT` writes beside the hooks): the agent's own file and shape, merged so that the
//! user's other servers and settings stay as they are; idempotent. Committed files name
//! `aigis` on the PATH, never an absolute path.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::agents::Agent;

/// The shape of one MCP configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McpFile {
    /// `.mcp.json` (Claude Code, Copilot CLI): `mcpServers`, `"type": "stdio"`.
    Portable,
    /// `.vscode/mcp.json`: `servers`, the folder passed as `--root`.
    VsCode,
    /// `.cursor/mcp.json`: `mcpServers`, the folder passed as `--root`.
    Cursor,
    /// `.gemini/settings.json`: `mcpServers` beside the hooks, with a timeout.
    Gemini,
    /// `.kiro/settings/mcp.json`: `mcpServers`, the read-only tools approved.
    Kiro,
    /// `.codex/config.toml`: `[mcp_servers.aigis]`.
    Codex,
    /// `.claude/settings.json`: `enabledMcpjsonServers` lists `aigis` (the project's own
    /// `.mcp.json` server; Claude Code still asks the user to trust the folder).
    ClaudeApproval,
}

/// The tools that only read: agents may run these without asking.
pub const READ_ONLY_TOOLS: &[&str] = &[
    "blast_radius",
    "check_change",
    "scan_changes",
    "review_status",
    "check_command",
    "who_wrote",
    "explain_rule",
];

/// The files that register `aigis mcp` for `agent` in the project at `root`.
pub fn files(agent: Agent, root: &Path) -> Vec<(PathBuf, McpFile)> {
    match agent {
        Agent::ClaudeCode => vec![
            (root.join(".mcp.json"), McpFile::Portable),
            (root.join(".claude/settings.json"), McpFile::ClaudeApproval),
        ],
        Agent::Copilot => vec![
            (root.join(".mcp.json"), McpFile::Portable),
            (root.join(".vscode/mcp.json"), McpFile::VsCode),
        ],
        Agent::Cursor => vec![(root.join(".cursor/mcp.json"), McpFile::Cursor)],
        Agent::Gemini => vec![(root.join(".gemini/settings.json"), McpFile::Gemini)],
        Agent::Kiro => vec![(root.join(".kiro/settings/mcp.json"), McpFile::Kiro)],
        Agent::Codex => vec![(root.join(".codex/config.toml"), McpFile::Codex)],
        Agent::Generic => Vec::new(),
    }
}

fn entry(kind: McpFile) -> Value {
    match kind {
        McpFile::Portable => {
            json!({ "type": "stdio", "command": "aigis", "args": ["mcp"], "env": {} })
        }
        McpFile::VsCode => {
            json!({ "type": "stdio", "command": "aigis", "args": ["mcp", "--root", "${workspaceFolder}"] })
        }
        McpFile::Cursor => {
            json!({ "type": "stdio", "command": "aigis", "args": ["mcp", "--root", "${workspaceFolder}"] })
        }
        McpFile::Gemini => json!({ "command": "aigis", "args": ["mcp"], "timeout": 30000 }),
        McpFile::Kiro => {
            json!({ "command": "aigis", "args": ["mcp"], "env": {}, "disabled": false, "autoApprove": READ_ONLY_TOOLS })
        }
        McpFile::Codex | McpFile::ClaudeApproval => Value::Null,
    }
}

/// The file after registering aigis in `current` (which may be empty).
pub fn merged(kind: McpFile, current: &str) -> Result<String, String> {
    if kind == McpFile::Codex {
        return merged_toml(current);
    }
    let mut root: Value = if current.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(current)
            .map_err(|e| format!("not valid JSON ({e}); fix it first, nothing was changed"))?
    };
    let obj = root
        .as_object_mut()
        .ok_or("not a JSON object; nothing was changed")?;
    if kind == McpFile::ClaudeApproval {
        let list = obj
            .entry("enabledMcpjsonServers")
            .or_insert_with(|| json!([]));
        let list = list
            .as_array_mut()
            .ok_or("`enabledMcpjsonServers` is not a list; nothing was changed")?;
        if !list.iter().any(|v| v == "aigis") {
            list.push(json!("aigis"));
        }
    } else {
        let key = if kind == McpFile::VsCode {
            "servers"
        } else {
            "mcpServers"
        };
        let servers = obj.entry(key).or_insert_with(|| json!({}));
        let servers = servers
            .as_object_mut()
            .ok_or_else(|| format!("`{key}` is not an object; nothing was changed"))?;
        // The user's own settings of our entry (env, timeouts, tool lists) are theirs to keep.
        match servers.get_mut("aigis").and_then(Value::as_object_mut) {
            Some(existing) => {
                for (k, v) in entry(kind).as_object().into_iter().flatten() {
                    if matches!(k.as_str(), "command" | "args" | "type")
                        || !existing.contains_key(k)
                    {
                        existing.insert(k.clone(), v.clone());
                    }
                }
            }
            None => {
                servers.insert("aigis".into(), entry(kind));
            }
        }
        if kind == McpFile::VsCode {
            obj.entry("inputs").or_insert_with(|| json!([]));
        }
    }
    let mut out = serde_json::to_string_pretty(&root).expect("settings serialize");
    out.push('\n');
    Ok(out)
}

/// Codex's `config.toml`, edited in place (comments and the user's other tables kept).
fn merged_toml(current: &str) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = current
        .parse()
        .map_err(|e| format!("not valid TOML ({e}); fix it first, nothing was changed"))?;
    let servers = doc
        .entry("mcp_servers")
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_like_mut()
        .ok_or("`mcp_servers` is not a table; nothing was changed")?;
    let aigis = servers
        .entry("aigis")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or("`mcp_servers.aigis` is not a table; nothing was changed")?;
    aigis.insert("command", toml_edit::value("aigis"));
    let mut args = toml_edit::Array::new();
    args.push("mcp");
    aigis.insert("args", toml_edit::value(args));
    // The first index of a large tree must not count against the handshake.
    if aigis.get("startup_timeout_sec").is_none() {
        aigis.insert("startup_timeout_sec", toml_edit::value(20));
    }
    let mut out = doc.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_servers_stay_and_a_second_run_changes_nothing() {
        let current = r#"{ "mcpServers": { "github": { "command": "gh-mcp" } }, "other": 1 }"#;
        let once = merged(McpFile::Portable, current).unwrap();
        let v: Value = serde_json::from_str(&once).unwrap();
        assert_eq!(v["mcpServers"]["github"]["command"], "gh-mcp");
        assert_eq!(v["mcpServers"]["aigis"]["args"], json!(["mcp"]));
        assert_eq!(v["other"], 1);
        assert_eq!(merged(McpFile::Portable, &once).unwrap(), once);
    }

    #[test]
    fn codex_toml_keeps_comments_and_tables() {
        let current = "# mine\nmodel = \"o5\"\n\n[mcp_servers.docs]\ncommand = \"docs-mcp\"\n";
        let once = merged(McpFile::Codex, current).unwrap();
        assert!(
            once.contains("# mine") && once.contains("[mcp_servers.docs]"),
            "{once}"
        );
        assert!(once.contains("[mcp_servers.aigis]"), "{once}");
        assert_eq!(merged(McpFile::Codex, &once).unwrap(), once);
        let parsed: toml::Value = toml::from_str(&once).unwrap();
        assert_eq!(
            parsed["mcp_servers"]["aigis"]["args"][0].as_str(),
            Some("mcp")
        );
    }

    #[test]
    fn a_broken_file_is_left_alone() {
        assert!(merged(McpFile::Cursor, "{ not json").is_err());
        assert!(merged(McpFile::Codex, "[[[").is_err());
        assert!(merged(McpFile::VsCode, r#"{"servers": []}"#).is_err());
    }
}
