//! Coding agents' hook payloads: what a tool call wrote (for `aigis record`) or is about to
//! write or run (for `aigis guard`), read from the JSON each agent sends its hooks.
//!
//! Shapes follow each agent's documented hook input (see the README's "Agent hooks" section).
//! Tools that neither write files nor run commands are ignored; a payload that is not JSON, or an
//! edit tool without a file path, is an error.

use serde_json::Value;

mod patch;
pub use patch::parse_apply_patch;
use patch::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    ClaudeCode,
    Cursor,
    Codex,
    Gemini,
    Copilot,
    Kiro,
    Generic,
}

impl Agent {
    pub const NAMES: [&'static str; 7] = [
        "claude-code",
        "cursor",
        "codex",
        "gemini",
        "copilot",
        "kiro",
        "generic",
    ];

    pub fn parse(name: &str) -> Option<Agent> {
        Some(match name {
            "claude-code" | "claude" => Agent::ClaudeCode,
            "cursor" => Agent::Cursor,
            "codex" => Agent::Codex,
            "gemini" => Agent::Gemini,
            "copilot" => Agent::Copilot,
            "kiro" => Agent::Kiro,
            "generic" => Agent::Generic,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "claude-code",
            Agent::Cursor => "cursor",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::Copilot => "copilot",
            Agent::Kiro => "kiro",
            Agent::Generic => "generic",
        }
    }
}

/// One change a tool made (or will make) to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The file's whole content is (or will be) this.
    Whole { content: Option<String> },
    /// `old` replaced by `new`, once or everywhere.
    Replace { old: String, new: String, all: bool },
    /// Exact lines (1-based, inclusive) of the file after the edit.
    Lines(Vec<(usize, usize)>),
    /// A patch hunk: the block before and after, and which lines of `after` are new.
    Hunk {
        before: String,
        after: String,
        added: Vec<usize>,
    },
    /// Text that now stands somewhere in the file.
    Insert { text: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// As the agent gave it: absolute, or relative to `cwd`.
    pub path: String,
    pub changes: Vec<Change>,
}

/// What one hook payload says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookPayload {
    pub tool: String,
    pub tool_name: String,
    pub model: Option<String>,
    pub session: Option<String>,
    pub cwd: Option<String>,
    pub files: Vec<FileChange>,
    pub commands: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PayloadError {
    #[error("the hook payload is not JSON: {0}")]
    NotJson(String),
    #[error("the hook payload is not a JSON object")]
    NotObject,
    #[error("{tool}: no file path in the payload ({expected})")]
    NoPath {
        tool: String,
        expected: &'static str,
    },
    #[error("{0}")]
    Invalid(String),
}

fn s(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .map(str::to_string)
}

/// `tool_input` is an object, or (some agents) a JSON string holding one.
fn object_field(v: &Value, key: &str) -> Value {
    match v.get(key) {
        Some(Value::String(text)) => {
            serde_json::from_str(text).unwrap_or(Value::String(text.clone()))
        }
        Some(other) => other.clone(),
        None => Value::Null,
    }
}

fn path_of(input: &Value, tool: &str) -> Result<String, PayloadError> {
    s(
        input,
        &[
            "file_path",
            "filePath",
            "path",
            "target_file",
            "notebook_path",
        ],
    )
    .ok_or(PayloadError::NoPath {
        tool: tool.to_string(),
        expected: "file_path, filePath or path",
    })
}

fn command_of(input: &Value) -> Option<String> {
    match input.get("command").or_else(|| input.get("cmd")) {
        Some(Value::String(c)) => Some(c.clone()),
        Some(Value::Array(parts)) => Some(
            parts
                .iter()
                .filter_map(Value::as_str)
                .map(shell_quote)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    }
}

fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Parses a payload from `agent`'s hooks.
pub fn parse(agent: Agent, input: &str) -> Result<HookPayload, PayloadError> {
    let v: Value = serde_json::from_str(input).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    if !v.is_object() {
        return Err(PayloadError::NotObject);
    }
    let mut p = HookPayload {
        tool: agent.name().to_string(),
        model: s(&v, &["model", "model_id"]),
        session: s(
            &v,
            &["session_id", "conversation_id", "sessionId", "session"],
        ),
        cwd: s(&v, &["cwd"]).or_else(|| {
            v.get("workspace_roots")
                .and_then(|r| r.get(0))
                .and_then(Value::as_str)
                .map(str::to_string)
        }),
        ..Default::default()
    };
    match agent {
        Agent::ClaudeCode => claude(&v, &mut p)?,
        Agent::Cursor => cursor(&v, &mut p)?,
        Agent::Codex => codex(&v, &mut p)?,
        Agent::Gemini => gemini(&v, &mut p)?,
        Agent::Copilot => copilot(&v, &mut p)?,
        Agent::Kiro => kiro(&v, &mut p)?,
        Agent::Generic => generic(&v, &mut p)?,
    }
    Ok(p)
}

fn claude(v: &Value, p: &mut HookPayload) -> Result<(), PayloadError> {
    p.tool_name = s(v, &["tool_name"]).unwrap_or_default();
    let input = object_field(v, "tool_input");
    let response = object_field(v, "tool_response");
    match p.tool_name.as_str() {
        "Write" | "Edit" | "MultiEdit" => {
            let path = path_of(&input, &p.tool_name)?;
            // structuredPatch gives the new line numbers exactly.
            if let Some(hunks) = response.get("structuredPatch").and_then(Value::as_array) {
                let lines = added_lines_of_structured_patch(hunks);
                if !lines.is_empty() || !hunks.is_empty() {
                    p.files.push(FileChange {
                        path,
                        changes: vec![Change::Lines(lines)],
                    });
                    return Ok(());
                }
            }
            let changes = match p.tool_name.as_str() {
                "Write" => vec![Change::Whole {
                    content: s(&input, &["content"]),
                }],
                "Edit" => vec![replace_of(&input)?],
                _ => input
                    .get("edits")
                    .and_then(Value::as_array)
                    .ok_or_else(|| {
                        PayloadError::Invalid("MultiEdit: tool_input.edits is missing".into())
                    })?
                    .iter()
                    .map(replace_of)
                    .collect::<Result<_, _>>()?,
            };
            p.files.push(FileChange { path, changes });
        }
        "Bash" => p.commands.extend(command_of(&input)),
        _ => {}
    }
    Ok(())
}

fn replace_of(e: &Value) -> Result<Change, PayloadError> {
    let new = s(e, &["new_string", "newString", "new_str"])
        .ok_or_else(|| PayloadError::Invalid("an edit without new_string".into()))?;
    Ok(Change::Replace {
        old: s(e, &["old_string", "oldString", "old_str"]).unwrap_or_default(),
        new,
        all: e
            .get("replace_all")
            .or_else(|| e.get("replaceAll"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// Lines a unified-diff-like structured patch adds, as inclusive 1-based runs in the new file.
fn added_lines_of_structured_patch(hunks: &[Value]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for h in hunks {
        let mut line = h.get("newStart").and_then(Value::as_u64).unwrap_or(1) as usize;
        for l in h
            .get("lines")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let l = l.as_str().unwrap_or("");
            match l.chars().next() {
                Some('+') => {
                    match runs.last_mut() {
                        Some(last) if last.1 + 1 == line => last.1 = line,
                        _ => runs.push((line, line)),
                    }
                    line += 1;
                }
                Some('-') | Some('\\') => {}
                _ => line += 1,
            }
        }
    }
    runs
}

fn cursor(v: &Value, p: &mut HookPayload) -> Result<(), PayloadError> {
    let event = s(v, &["hook_event_name"]).unwrap_or_default();
    p.tool_name = event.clone();
    match event.as_str() {
        "afterFileEdit" | "afterTabFileEdit" => {
            let path = path_of(v, &event)?;
            let mut changes = Vec::new();
            for e in v
                .get("edits")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let new = s(e, &["new_string"]).unwrap_or_default();
                match e
                    .get("range")
                    .and_then(|r| r.get("start_line_number"))
                    .and_then(Value::as_u64)
                {
                    Some(start) if event == "afterTabFileEdit" => {
                        let n = new.trim_end_matches('\n').matches('\n').count();
                        changes.push(Change::Lines(vec![(start as usize, start as usize + n)]));
                    }
                    _ => changes.push(Change::Replace {
                        old: s(e, &["old_string"]).unwrap_or_default(),
                        new,
                        all: false,
                    }),
                }
            }
            p.files.push(FileChange { path, changes });
        }
        "beforeShellExecution" | "afterShellExecution" => p.commands.extend(command_of(v)),
        "preToolUse" | "postToolUse" => {
            p.tool_name = s(v, &["tool_name"]).unwrap_or_default();
            let input = object_field(v, "tool_input");
            match p.tool_name.as_str() {
                "Write" => p.files.push(FileChange {
                    path: path_of(&input, "Write")?,
                    changes: vec![Change::Whole {
                        content: s(&input, &["contents", "content"]),
                    }],
                }),
                "StrReplace" | "Edit" => p.files.push(FileChange {
                    path: path_of(&input, &p.tool_name)?,
                    changes: vec![replace_of(&input)?],
                }),
                "Shell" => p.commands.extend(command_of(&input)),
                _ => {}
            }
        }
        _ => {}
    }
    Ok(())
}

fn codex(v: &Value, p: &mut HookPayload) -> Result<(), PayloadError> {
    p.tool_name = s(v, &["tool_name"]).unwrap_or_default();
    let input = object_field(v, "tool_input");
    match p.tool_name.as_str() {
        "apply_patch" => {
            let patch = patch_text(&input).ok_or_else(|| {
                PayloadError::Invalid("apply_patch: no patch text in tool_input".into())
            })?;
            p.files.extend(parse_apply_patch(&patch));
        }
        "Bash" | "exec_command" | "shell" | "shell_command" | "local_shell" => {
            // A shell call may also be `apply_patch` run through the shell.
            match command_of(&input) {
                Some(c) if c.contains("*** Begin Patch") => p.files.extend(parse_apply_patch(&c)),
                Some(c) => p.commands.push(c),
                None => {}
            }
        }
        _ => {}
    }
    Ok(())
}

fn gemini(v: &Value, p: &mut HookPayload) -> Result<(), PayloadError> {
    p.tool_name = s(v, &["tool_name"]).unwrap_or_default();
    let input = object_field(v, "tool_input");
    match p.tool_name.as_str() {
        "write_file" | "WriteFile" => p.files.push(FileChange {
            path: path_of(&input, &p.tool_name)?,
            changes: vec![Change::Whole {
                content: s(&input, &["content"]),
            }],
        }),
        "replace" | "Edit" => p.files.push(FileChange {
            path: path_of(&input, &p.tool_name)?,
            changes: vec![replace_of(&input)?],
        }),
        "run_shell_command" | "shell" => p.commands.extend(command_of(&input)),
        _ => {}
    }
    Ok(())
}

fn copilot(v: &Value, p: &mut HookPayload) -> Result<(), PayloadError> {
    p.tool_name = s(v, &["tool_name", "toolName"]).unwrap_or_default();
    let input = {
        let i = object_field(v, "tool_input");
        if i.is_null() {
            object_field(v, "toolArgs")
        } else {
            i
        }
    };
    match p.tool_name.as_str() {
        "create_file" | "create" => p.files.push(FileChange {
            path: path_of(&input, &p.tool_name)?,
            changes: vec![Change::Whole {
                content: s(&input, &["content", "file_text"]),
            }],
        }),
        "replace_string_in_file" | "str_replace" | "edit" => p.files.push(FileChange {
            path: path_of(&input, &p.tool_name)?,
            changes: vec![replace_of(&input)?],
        }),
        "insert_edit_into_file" => {
            let path = path_of(&input, &p.tool_name)?;
            // The code holds `...existing code...` markers between the pieces it adds.
            let code = s(&input, &["code"]).unwrap_or_default();
            let changes = code
                .split('\n')
                .collect::<Vec<_>>()
                .split(|l| l.contains("...existing code..."))
                .map(|chunk| chunk.join("\n"))
                .filter(|t| !t.trim().is_empty())
                .map(|text| Change::Insert { text })
                .collect();
            p.files.push(FileChange { path, changes });
        }
        "apply_patch" => {
            let patch = patch_text(&input).ok_or_else(|| {
                PayloadError::Invalid("apply_patch: no patch text in tool_input".into())
            })?;
            p.files.extend(parse_apply_patch(&patch));
        }
        "bash" | "run_in_terminal" => p.commands.extend(command_of(&input)),
        _ => {}
    }
    Ok(())
}

fn kiro(v: &Value, p: &mut HookPayload) -> Result<(), PayloadError> {
    p.tool_name = s(v, &["tool_name"]).unwrap_or_default();
    let input = object_field(v, "tool_input");
    match p.tool_name.as_str() {
        "fs_write" | "str_replace" => {
            let path = path_of(&input, &p.tool_name)?;
            let command = s(&input, &["command"]).unwrap_or_else(|| p.tool_name.clone());
            let change = match command.as_str() {
                "create" => Change::Whole {
                    content: s(&input, &["file_text", "content"]),
                },
                "str_replace" => replace_of(&input)?,
                _ => Change::Insert {
                    text: s(&input, &["new_str", "file_text", "content"]).ok_or_else(|| {
                        PayloadError::Invalid(format!("fs_write {command}: no text"))
                    })?,
                },
            };
            p.files.push(FileChange {
                path,
                changes: vec![change],
            });
        }
        "execute_bash" | "execute_cmd" => p.commands.extend(command_of(&input)),
        _ => {}
    }
    Ok(())
}

/// The documented generic shape, for any other agent:
/// `{ "tool": "name", "model"?, "session"?, "cwd"?, "files": [ { "path", "lines"?: [[start, end], ...],
///   "text"?: "...", "content"?: "..." } ], "command"?: "..." }`.
fn generic(v: &Value, p: &mut HookPayload) -> Result<(), PayloadError> {
    p.tool = s(v, &["tool", "agent"])
        .ok_or_else(|| PayloadError::Invalid("generic payload: \"tool\" is required".into()))?;
    p.tool_name = "generic".into();
    for f in v
        .get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let path = path_of(f, "generic")?;
        let mut changes = Vec::new();
        if let Some(lines) = f.get("lines").and_then(Value::as_array) {
            let runs: Vec<(usize, usize)> = lines
                .iter()
                .filter_map(|r| Some((r.get(0)?.as_u64()? as usize, r.get(1)?.as_u64()? as usize)))
                .filter(|(a, b)| *a >= 1 && a <= b)
                .collect();
            if runs.len() != lines.len() {
                return Err(PayloadError::Invalid(format!(
                    "{path}: \"lines\" must be [[start, end], ...], 1-based, start <= end"
                )));
            }
            changes.push(Change::Lines(runs));
        }
        if let Some(text) = s(f, &["text"]) {
            changes.push(Change::Insert { text });
        }
        if let Some(content) = s(f, &["content"]) {
            changes.push(Change::Whole {
                content: Some(content),
            });
        }
        if changes.is_empty() {
            changes.push(Change::Whole { content: None });
        }
        p.files.push(FileChange { path, changes });
    }
    p.commands.extend(command_of(v));
    Ok(())
}

#[cfg(test)]
mod tests;
