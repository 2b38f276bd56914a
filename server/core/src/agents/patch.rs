//! Patches as agents send them: Codex/OpenAI `apply_patch` envelopes and structured hunks.

use super::*;

/// Codex `apply_patch` text: `*** Begin Patch`, `*** Add File: p`, `*** Update File: p`, hunks
/// of ` `/`-`/`+` lines after `@@`, `*** Delete File: p`, `*** End Patch`.
pub fn parse_apply_patch(patch: &str) -> Vec<FileChange> {
    let mut files: Vec<FileChange> = Vec::new();
    let mut adding = false;
    let mut add_content = String::new();
    let mut before = String::new();
    let mut after = String::new();
    let mut added: Vec<usize> = Vec::new();
    let flush_hunk = |files: &mut Vec<FileChange>,
                      before: &mut String,
                      after: &mut String,
                      added: &mut Vec<usize>| {
        if !added.is_empty() {
            if let Some(f) = files.last_mut() {
                f.changes.push(Change::Hunk {
                    before: std::mem::take(before),
                    after: std::mem::take(after),
                    added: std::mem::take(added),
                });
            }
        }
        before.clear();
        after.clear();
        added.clear();
    };
    for line in patch.lines() {
        if let Some(rest) = line.strip_prefix("*** ") {
            flush_hunk(&mut files, &mut before, &mut after, &mut added);
            if adding {
                if let Some(f) = files.last_mut() {
                    f.changes.push(Change::Whole {
                        content: Some(std::mem::take(&mut add_content)),
                    });
                }
                adding = false;
            }
            if let Some(path) = rest.strip_prefix("Add File: ") {
                files.push(FileChange {
                    path: path.trim().to_string(),
                    changes: Vec::new(),
                });
                adding = true;
            } else if let Some(path) = rest.strip_prefix("Update File: ") {
                files.push(FileChange {
                    path: path.trim().to_string(),
                    changes: Vec::new(),
                });
            } else if let Some(to) = rest.strip_prefix("Move to: ") {
                if let Some(f) = files.last_mut() {
                    f.path = to.trim().to_string();
                }
            }
            continue;
        }
        if adding {
            if let Some(text) = line.strip_prefix('+') {
                add_content.push_str(text);
                add_content.push('\n');
            }
            continue;
        }
        if line.starts_with("@@") {
            flush_hunk(&mut files, &mut before, &mut after, &mut added);
            continue;
        }
        match line.chars().next() {
            Some('+') => {
                added.push(after.matches('\n').count());
                after.push_str(&line[1..]);
                after.push('\n');
            }
            Some('-') => {
                before.push_str(&line[1..]);
                before.push('\n');
            }
            Some(' ') => {
                before.push_str(&line[1..]);
                before.push('\n');
                after.push_str(&line[1..]);
                after.push('\n');
            }
            _ => {}
        }
    }
    flush_hunk(&mut files, &mut before, &mut after, &mut added);
    if adding {
        if let Some(f) = files.last_mut() {
            f.changes.push(Change::Whole {
                content: Some(add_content),
            });
        }
    }
    files.retain(|f| !f.changes.is_empty());
    files
}

pub(super) fn patch_text(input: &Value) -> Option<String> {
    match input {
        Value::String(s) => Some(s.clone()),
        Value::Object(_) => s(input, &["input", "patch"]).or_else(|| {
            input
                .get("command")
                .and_then(Value::as_array)
                .and_then(|parts| {
                    parts
                        .iter()
                        .filter_map(Value::as_str)
                        .find(|p| p.contains("*** Begin Patch"))
                        .map(str::to_string)
                })
        }),
        _ => None,
    }
}
