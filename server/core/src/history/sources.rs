//! The attribution sources read from the repository: git-ai notes (`refs/notes/ai`) and Agent\n//! Trace records, with the commit metadata they are checked against.

use super::*;

/// A git-ai authorship note: per file, which line ranges each session (or human) wrote.
#[derive(Debug, Clone, Default)]
pub struct GitAiNote {
    /// file → [(key, first line, last line)]
    pub files: HashMap<String, Vec<(String, usize, usize)>>,
    /// session or prompt key → (tool, model)
    pub agents: HashMap<String, (String, Option<String>)>,
}

/// Parses a note of schema `authorship/3.0.0`: attestation lines, `---`, metadata JSON.
pub fn parse_git_ai_note(note: &str) -> Option<GitAiNote> {
    let (attestation, metadata) = note
        .split_once("\n---\n")
        .or_else(|| note.strip_prefix("---\n").map(|m| ("", m)))?;
    let meta: Value = serde_json::from_str(metadata.trim()).ok()?;
    let schema = meta
        .get("schema_version")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !schema.starts_with("authorship/") {
        return None;
    }
    let mut out = GitAiNote::default();
    let mut file: Option<String> = None;
    for line in attestation.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            file = Some(line.trim().trim_matches('"').to_string());
            continue;
        }
        let Some(f) = &file else { continue };
        let mut parts = line.split_whitespace();
        let (Some(key), Some(ranges)) = (parts.next(), parts.next()) else {
            continue;
        };
        for r in ranges.split(',') {
            let (a, b) = match r.split_once('-') {
                Some((a, b)) => (a.parse().ok(), b.parse().ok()),
                None => (r.parse().ok(), r.parse().ok()),
            };
            if let (Some(a), Some(b)) = (a, b) {
                out.files
                    .entry(f.clone())
                    .or_default()
                    .push((key.to_string(), a, b));
            }
        }
    }
    let agent = |v: &Value| {
        let a = v.get("agent_id")?;
        Some((
            a.get("tool")?.as_str()?.to_string(),
            a.get("model").and_then(Value::as_str).map(str::to_string),
        ))
    };
    for table in ["sessions", "prompts"] {
        if let Some(m) = meta.get(table).and_then(Value::as_object) {
            for (k, v) in m {
                if let Some(a) = agent(v) {
                    out.agents.insert(k.clone(), a);
                }
            }
        }
    }
    Some(out)
}

/// What the git-ai note says about line `line` of `file`: `Some(None)` human, `Some(Some(..))` AI.
pub(super) fn note_line(
    note: &GitAiNote,
    file: &str,
    line: usize,
) -> Option<Option<(String, Option<String>, String)>> {
    let entries = note.files.get(file)?;
    let (key, _, _) = entries.iter().find(|(_, a, b)| *a <= line && line <= *b)?;
    if key.starts_with("h_") {
        return Some(None);
    }
    let session = key.split("::").next().unwrap_or(key).to_string();
    let (tool, model) = note
        .agents
        .get(&session)
        .or_else(|| note.agents.get(key))
        .cloned()
        .unwrap_or_else(|| ("unknown".into(), None));
    Some(Some((tool, model, session)))
}

/// Commit facts for a set of commits, in one `git show` call.
pub(super) fn commit_infos(root: &Path, commits: &[String]) -> HashMap<String, CommitInfo> {
    let mut out = HashMap::new();
    for chunk in commits.chunks(400) {
        let mut args = vec![
            "show",
            "-s",
            "--notes=ai",
            "--format=%H%x1f%P%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%B%x1f%N%x1e",
        ];
        args.extend(chunk.iter().map(String::as_str));
        let Some(text) = git(root, &args) else {
            continue;
        };
        for rec in text.split('\x1e') {
            let f: Vec<&str> = rec.trim_start_matches('\n').split('\x1f').collect();
            if f.len() < 8 {
                continue;
            }
            out.insert(
                f[0].to_string(),
                CommitInfo {
                    author: format!("{} <{}>", f[2], f[3]),
                    parents: f[1].split_whitespace().map(str::to_string).collect(),
                    trailer_ai: ai_of_commit(f[2], f[3], f[4], f[5], f[6]),
                    note: parse_git_ai_note(f[7]),
                },
            );
        }
    }
    out
}

/// One Agent Trace range: lines of a file at a revision, by an AI.
#[derive(Debug, Clone)]
pub(super) struct TraceRange {
    pub(super) revision: Option<String>,
    pub(super) file: String,
    pub(super) first: usize,
    pub(super) last: usize,
    pub(super) ai: bool,
    pub(super) tool: String,
    pub(super) model: Option<String>,
    pub(super) session: Option<String>,
}

pub(super) fn agent_traces(root: &Path) -> Vec<TraceRange> {
    let Ok(text) = std::fs::read_to_string(root.join(".agent-trace/traces.jsonl")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in text.lines() {
        let Ok(rec) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let revision = rec
            .pointer("/vcs/revision")
            .and_then(Value::as_str)
            .map(str::to_string);
        let tool = rec
            .pointer("/tool/name")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        for f in rec
            .get("files")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(path) = f.get("path").and_then(Value::as_str) else {
                continue;
            };
            for c in f
                .get("conversations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let conv_type = c
                    .pointer("/contributor/type")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown");
                let conv_model = c.pointer("/contributor/model_id").and_then(Value::as_str);
                for r in c
                    .get("ranges")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let kind = r
                        .pointer("/contributor/type")
                        .and_then(Value::as_str)
                        .unwrap_or(conv_type);
                    let model = r
                        .pointer("/contributor/model_id")
                        .and_then(Value::as_str)
                        .or(conv_model);
                    let (Some(a), Some(b)) = (
                        r.get("start_line").and_then(Value::as_u64),
                        r.get("end_line").and_then(Value::as_u64),
                    ) else {
                        continue;
                    };
                    out.push(TraceRange {
                        revision: revision.clone(),
                        file: path.trim_start_matches("./").to_string(),
                        first: a as usize,
                        last: b as usize,
                        ai: matches!(kind, "ai" | "mixed"),
                        tool: tool.clone(),
                        model: model.map(str::to_string),
                        session: c.get("url").and_then(Value::as_str).map(str::to_string),
                    });
                }
            }
        }
    }
    out
}
