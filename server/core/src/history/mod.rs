//! Attribution from committed history: git-ai notes (`refs/notes/ai`, `authorship/3.0.0`),
//! Agent Trace records (`.agent-trace/traces.jsonl`), and commit trailers and identities, mapped
//! to the lines of a file with `git blame`. git runs with arguments passed directly, never
//! through a shell.
//!
//! Each source sets its own `source` and `confidence`; where they disagree on a line the more
//! exact one wins and the others are kept as context.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::regions::{Provenance, Region, Source};

mod sources;
use sources::*;
mod weekly;
pub use weekly::{first_week, week_start, weekly_share, Week, WEEK};

/// Who wrote one line, according to history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineOrigin {
    pub commit: String,
    pub author: String,
    /// `None`: a person (or nothing says otherwise).
    pub ai: Option<AiOrigin>,
    /// What less exact sources said about the line, when they disagree.
    pub context: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AiOrigin {
    pub source: Source,
    pub tool: String,
    pub model: Option<String>,
    pub session: Option<String>,
    /// The line's number in the commit that wrote it (stable while later edits move it).
    #[serde(skip)]
    pub orig_line: usize,
}

pub const UNCOMMITTED: &str = "0000000000000000000000000000000000000000";

fn git(root: &Path, args: &[&str]) -> Option<String> {
    crate::git::text(root, args)
}

/// One line of `git blame --porcelain`.
struct Blamed {
    commit: String,
    orig_line: usize,
    orig_path: String,
}

fn blame(root: &Path, rel: &str) -> Option<Vec<Blamed>> {
    let out = git(root, &["blame", "--porcelain", "--", rel])?;
    let mut lines = Vec::new();
    let mut paths: HashMap<String, String> = HashMap::new();
    let mut current: Option<(String, usize)> = None;
    for l in out.lines() {
        if let Some(content) = l.strip_prefix('\t') {
            let _ = content;
            if let Some((commit, orig_line)) = current.take() {
                let orig_path = paths
                    .get(&commit)
                    .cloned()
                    .unwrap_or_else(|| rel.to_string());
                lines.push(Blamed {
                    commit,
                    orig_line,
                    orig_path,
                });
            }
            continue;
        }
        let mut parts = l.split(' ');
        let first = parts.next().unwrap_or("");
        if first.len() == 40 && first.bytes().all(|b| b.is_ascii_hexdigit()) {
            let orig: usize = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            current = Some((first.to_string(), orig));
        } else if let Some(name) = l.strip_prefix("filename ") {
            if let Some((commit, _)) = &current {
                paths.insert(commit.clone(), crate::git::unquote(name));
            }
        }
    }
    Some(lines)
}

/// What a commit says about AI involvement: trailers, identities, and its git-ai note.
#[derive(Debug, Clone, Default)]
pub struct CommitInfo {
    pub author: String,
    pub parents: Vec<String>,
    /// From trailers or the author/committer identity: (tool, model).
    pub trailer_ai: Option<(String, Option<String>)>,
    pub note: Option<GitAiNote>,
}

/// Recognises AI tools in trailers and identities (case-insensitive).
pub fn ai_of_commit(
    author_name: &str,
    author_email: &str,
    committer_name: &str,
    committer_email: &str,
    message: &str,
) -> Option<(String, Option<String>)> {
    let known = |who: &str| -> Option<(String, Option<String>)> {
        let w = who.to_ascii_lowercase();
        let tool = if w.contains("anthropic.com") || w.starts_with("claude") {
            "claude-code"
        } else if w.contains("noreply@openai.com")
            || w.contains("codex@openai.com")
            || w.starts_with("codex")
        {
            "codex"
        } else if w.contains("copilot") {
            "copilot"
        } else if w.contains("cursoragent@cursor.com")
            || w.starts_with("cursor ")
            || w.starts_with("cursor <")
        {
            "cursor"
        } else if w.contains("aider") {
            "aider"
        } else if w.contains("devin-ai-integration") || w.starts_with("devin") {
            "devin"
        } else if w.contains("factory-droid") {
            "factory-droid"
        } else if w.contains("windsurf.com") || w.contains("codeium.com") {
            "windsurf"
        } else if w.contains("gemini") {
            "gemini"
        } else {
            return None;
        };
        // `Claude Opus 4.5 <...>` or `aider (model) <...>`: the model is in the name.
        let name = who.split('<').next().unwrap_or("").trim();
        let model = if let Some(open) = name.find('(') {
            Some(name[open + 1..].trim_end_matches(')').to_string())
        } else if name.split_whitespace().count() > 1 && tool == "claude-code" {
            Some(name.to_string())
        } else {
            None
        };
        Some((tool.to_string(), model.filter(|m| !m.is_empty())))
    };
    for line in message.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        match key.as_str() {
            "co-authored-by" => {
                if let Some(ai) = known(value) {
                    return Some(ai);
                }
            }
            "assisted-by" | "generated-by" | "co-authored-by-ai" | "ai-assisted-by"
            | "ai-agent" => {
                if value.is_empty() {
                    continue;
                }
                // Kernel style `Claude:claude-3-opus tool`; OpenLiberty `Tool (Model)`.
                let first = value.split_whitespace().next().unwrap_or(value);
                let (tool, model) = match first.split_once(':') {
                    Some((t, m)) => (t.to_string(), Some(m.to_string())),
                    None => match known(value) {
                        Some(k) => return Some(k),
                        None => (
                            first.to_string(),
                            value
                                .find('(')
                                .map(|i| value[i + 1..].trim_end_matches(')').to_string()),
                        ),
                    },
                };
                return Some((tool.to_ascii_lowercase(), model));
            }
            _ => {}
        }
    }
    let author = format!("{author_name} <{author_email}>");
    let committer = format!("{committer_name} <{committer_email}>");
    if author_name.ends_with("(aider)") {
        return Some(("aider".into(), None));
    }
    for who in [&author, &committer] {
        let w = who.to_ascii_lowercase();
        if w.contains("cursoragent@cursor.com")
            || w.contains("codex@openai.com")
            || w.contains("+copilot@users.noreply.github.com")
            || w.contains("devin-ai-integration[bot]")
            || w.contains("factory-droid[bot]")
        {
            return known(who);
        }
    }
    None
}

/// Who wrote each line of `rel` (index 0 is line 1), per history. Empty outside a git
/// repository or for a file git does not track.
pub fn attribute(root: &Path, rel: &str) -> Vec<LineOrigin> {
    let Some(blamed) = blame(root, rel) else {
        return Vec::new();
    };
    let commits: Vec<String> = blamed
        .iter()
        .map(|b| b.commit.clone())
        .filter(|c| c != UNCOMMITTED)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let infos = commit_infos(root, &commits);
    let traces = agent_traces(root);
    let head = git(root, &["rev-parse", "HEAD"]).map(|s| s.trim().to_string());
    blamed
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let info = infos.get(&b.commit);
            let mut context = Vec::new();
            let mut ai: Option<AiOrigin> = None;
            let mut human_by_line_source = false;
            // git-ai note (line level).
            if let Some(note) = info.and_then(|c| c.note.as_ref()) {
                match note_line(note, &b.orig_path, b.orig_line) {
                    Some(Some((tool, model, session))) => {
                        ai = Some(AiOrigin {
                            source: Source::GitAi,
                            tool,
                            model,
                            session: Some(session),
                            orig_line: b.orig_line,
                        })
                    }
                    Some(None) => human_by_line_source = true,
                    None => {}
                }
            }
            // Agent Trace (line level): ranges are at the revision the edit was made on, so they
            // match the lines of its child commit (or of the working tree while uncommitted).
            let parents: &[String] = info.map(|c| c.parents.as_slice()).unwrap_or(&[]);
            let (line_no, uncommitted) = if b.commit == UNCOMMITTED {
                (i + 1, true)
            } else {
                (b.orig_line, false)
            };
            for t in traces
                .iter()
                .filter(|t| t.file == rel || t.file == b.orig_path)
            {
                let at_revision = match &t.revision {
                    Some(r) if uncommitted => head.as_deref() == Some(r.as_str()),
                    Some(r) => parents.iter().any(|p| p == r) || &b.commit == r,
                    None => uncommitted,
                };
                if !at_revision || line_no < t.first || line_no > t.last {
                    continue;
                }
                if !t.ai {
                    human_by_line_source = true;
                    continue;
                }
                let origin = AiOrigin {
                    source: Source::AgentTrace,
                    tool: t.tool.clone(),
                    model: t.model.clone(),
                    session: t.session.clone(),
                    orig_line: b.orig_line,
                };
                match &ai {
                    None => ai = Some(origin),
                    Some(existing) => context.push(format!(
                        "agent-trace: {} (git-ai says {})",
                        origin.tool, existing.tool
                    )),
                }
                break;
            }
            // Trailers and identities (commit level).
            if let Some((tool, model)) = info.and_then(|c| c.trailer_ai.clone()) {
                if ai.is_some() || human_by_line_source {
                    context.push(format!("commit trailer names {tool}"));
                } else {
                    ai = Some(AiOrigin {
                        source: Source::Trailer,
                        tool,
                        model,
                        session: None,
                        orig_line: b.orig_line,
                    });
                }
            }
            LineOrigin {
                commit: b.commit.clone(),
                author: info
                    .map(|c| c.author.clone())
                    .unwrap_or_else(|| "not committed".into()),
                ai,
                context,
            }
        })
        .collect()
}

/// Files that commits with AI attribution touched (trailers, identities, git-ai notes) and files
/// Agent Trace names: the only ones worth blaming. `since` limits the commits (`REV..HEAD`).
pub fn files_touched_by_ai(root: &Path, since: Option<&str>) -> HashSet<String> {
    let mut files: HashSet<String> = agent_traces(root).into_iter().map(|t| t.file).collect();
    let range = since.map(|s| format!("{s}..HEAD"));
    let mut args = vec![
        "log",
        "--notes=ai",
        "--name-only",
        "--no-renames",
        "--format=%x1e%an%x1f%ae%x1f%cn%x1f%ce%x1f%B%x1f%N%x1f",
    ];
    if let Some(r) = &range {
        args.push(r);
    }
    let Some(out) = git(root, &args) else {
        return files;
    };
    for rec in out.split('\x1e').filter(|r| !r.is_empty()) {
        let f: Vec<&str> = rec.split('\x1f').collect();
        if f.len() < 7 {
            continue;
        }
        let ai = ai_of_commit(f[0], f[1], f[2], f[3], f[4]).is_some()
            || parse_git_ai_note(f[5]).is_some();
        if ai {
            // One name a line, C-quoted by git when it holds a quote, backslash or control
            // character (non-ASCII is printed as is: core.quotePath is off).
            files.extend(
                f[6].lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(crate::git::unquote),
            );
        }
    }
    files
}

/// History's AI lines as regions: runs of consecutive lines with the same origin. Their ids are
/// stable while the lines move (commit and line number in that commit), so reviews stick.
pub fn regions_of(text: &str, lines: &[LineOrigin], known_human: &[(usize, usize)]) -> Vec<Region> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let mut out: Vec<Region> = Vec::new();
    let mut prev: Option<(usize, &LineOrigin)> = None;
    for (i, origin) in lines.iter().enumerate() {
        let (Some(&s), Some(ai)) = (starts.get(i), origin.ai.as_ref()) else {
            prev = None;
            continue;
        };
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        if known_human.iter().any(|(a, b)| *a < e && s < *b) {
            prev = None;
            continue;
        }
        let same = prev.is_some_and(|(pi, p)| {
            pi + 1 == i
                && p.commit == origin.commit
                && p.ai.as_ref().is_some_and(|pa| {
                    pa.source == ai.source && pa.tool == ai.tool && pa.session == ai.session
                })
        });
        if same {
            if let Some(last) = out.last_mut() {
                last.end = e;
            }
        } else {
            out.push(Region {
                id: format!(
                    "{}-{}-{}",
                    ai.source.as_str(),
                    &origin.commit[..12.min(origin.commit.len())],
                    ai.orig_line
                ),
                start: s,
                end: e,
                provenance: Provenance {
                    tool: ai.tool.clone(),
                    model: ai.model.clone(),
                    session: ai.session.clone(),
                },
                source: ai.source,
                modified: false,
                created_at: String::new(),
            });
        }
        prev = Some((i, origin));
    }
    // Blank lines at either end of a run are layout, not AI-written code: a commit that added
    // a function with a blank line before it does not stamp the blank line.
    for r in &mut out {
        let body = &text[r.start..r.end];
        let lead = body.len() - body.trim_start().len();
        let lead = body[..lead].rfind('\n').map_or(0, |i| i + 1);
        let trimmed = body.trim_end();
        let end = if trimmed.is_empty() {
            r.start
        } else {
            let last = r.start + trimmed.len();
            text[last..]
                .find('\n')
                .map_or(text.len(), |i| last + i + 1)
                .min(r.end)
        };
        r.start += lead.min(end.saturating_sub(r.start));
        r.end = end.max(r.start);
    }
    out.retain(|r| r.start < r.end);
    out
}

#[cfg(test)]
mod tests;
