//! `aigis record` and `aigis guard`: what an agent wrote becomes AI regions in the ledger; what
//! it is about to write or run is checked against policy first.

use std::path::{Path, PathBuf};

use crate::agents::{self, Agent, Change, HookPayload};
use crate::analysis::{self, Finding};
use crate::catalog::Severity;
use crate::identity::Identity;
use crate::language;
use crate::ledger::{now_rfc3339, FileState, LedgerError, Placed};
use crate::regions::{new_region_id, Provenance, Region, RegionSet, Source};
use crate::shell;
use crate::workspace::Workspace;

#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error(transparent)]
    Payload(#[from] agents::PayloadError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("{0}")]
    Config(String),
}

/// What `record` did, for its one line of output.
#[derive(Debug, Default)]
pub struct Recorded {
    /// (workspace-relative file, 1-based first and last line) of each new region.
    pub regions: Vec<(String, usize, usize)>,
    /// Changes that could not be placed (ambiguous or missing text): reported, not guessed.
    pub skipped: Vec<String>,
    /// For the agent, where it takes context after an edit: each risky operation the edit
    /// wrote, with its blast radius and the review it needs. Empty when it wrote nothing risky.
    pub context: Vec<String>,
}

/// The folder the agent works in: the payload's `cwd`, else the hook's own.
fn base_dir(p: &HookPayload, cwd: &Path) -> PathBuf {
    p.cwd
        .as_deref()
        .map(PathBuf::from)
        .unwrap_or_else(|| cwd.to_path_buf())
}

fn resolve(p: &HookPayload, path: &str, cwd: &Path) -> PathBuf {
    let path = base_dir(p, cwd).join(path);
    path.canonicalize().unwrap_or(path)
}

/// The workspace the agent works in (found from its working folder, not from the edited file,
/// which the payload names and so may place anywhere).
fn agent_workspace(p: &HookPayload, cwd: &Path) -> PathBuf {
    let base = base_dir(p, cwd);
    let root = crate::workspace::workspace_root(&base);
    root.canonicalize().unwrap_or(root)
}

/// The workspace that records `path`: the innermost one holding it, which must lie inside the
/// agent's workspace. A path outside it (`../x`, absolute, or a link that leads out) is `Err`.
fn confined_root(agent_root: &Path, path: &Path) -> Result<PathBuf, String> {
    let inside = |p: &Path| {
        p.starts_with(agent_root)
            && p != agent_root
            && !p
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
    };
    if !path.is_absolute() || !inside(path) {
        return Err(format!(
            "{}: outside the agent's workspace {}; not recorded",
            path.display(),
            agent_root.display()
        ));
    }
    let root = crate::workspace::workspace_root(path);
    if root.starts_with(agent_root) {
        Ok(root)
    } else {
        Ok(agent_root.to_path_buf())
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// Byte ranges of `text` that a change (already applied) wrote.
fn spans_after(text: &str, change: &Change) -> Result<Vec<(usize, usize)>, String> {
    let starts = line_starts(text);
    let line_span = |first: usize, last: usize| -> Option<(usize, usize)> {
        let s = *starts.get(first.checked_sub(1)?)?;
        let e = starts.get(last).copied().unwrap_or(text.len());
        (s < e).then_some((s, e))
    };
    let unique = |needle: &str| -> Result<Vec<(usize, usize)>, String> {
        if needle.trim().is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<usize> = text.match_indices(needle).map(|(i, _)| i).collect();
        match found.len() {
            1 => Ok(vec![(found[0], found[0] + needle.len())]),
            0 => Err("its new text is not in the file (changed since?)".into()),
            n => Err(format!(
                "its new text occurs {n} times in the file; not guessing which"
            )),
        }
    };
    match change {
        Change::Whole { .. } => Ok(if text.trim().is_empty() {
            Vec::new()
        } else {
            vec![(0, text.len())]
        }),
        Change::Lines(runs) => Ok(runs.iter().filter_map(|&(a, b)| line_span(a, b)).collect()),
        Change::Replace { new, all: true, .. } => Ok(text
            .match_indices(new.as_str())
            .filter(|_| !new.trim().is_empty())
            .map(|(i, _)| (i, i + new.len()))
            .collect()),
        Change::Replace { new, .. } | Change::Insert { text: new } => unique(new),
        Change::Hunk { after, added, .. } => {
            let (at, _) = unique(after)?.first().copied().ok_or("empty hunk")?;
            let first_line = starts.partition_point(|&s| s <= at);
            let mut runs: Vec<(usize, usize)> = Vec::new();
            for &i in added {
                let l = first_line + i;
                match runs.last_mut() {
                    Some(r) if r.1 + 1 == l => r.1 = l,
                    _ => runs.push((l, l)),
                }
            }
            Ok(runs.iter().filter_map(|&(a, b)| line_span(a, b)).collect())
        }
    }
}

/// `aigis record`: records the regions a tool call wrote.
pub fn record(agent: Agent, input: &str, cwd: &Path) -> Result<Recorded, HookError> {
    let payload = agents::parse(agent, input)?;
    let mut out = Recorded::default();
    let agent_root = agent_workspace(&payload, cwd);
    for fc in &payload.files {
        let path = resolve(&payload, &fc.path, cwd);
        let root = match confined_root(&agent_root, &path) {
            Ok(r) => r,
            Err(why) => {
                out.skipped.push(why);
                continue;
            }
        };
        let ws = Workspace::with_config(&root, Default::default());
        let Some(rel) = ws.relative(&path) else {
            out.skipped
                .push(format!("{}: outside any workspace", path.display()));
            continue;
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                out.skipped.push(format!("{rel}: {e}"));
                continue;
            }
        };
        let mut spans = Vec::new();
        for change in &fc.changes {
            match spans_after(&text, change) {
                Ok(s) => spans.extend(s),
                Err(why) => out
                    .skipped
                    .push(format!("{rel}: an edit not recorded: {why}")),
            }
        }
        if spans.is_empty() {
            continue;
        }
        let author = Some(Identity::of_workspace(&root)).filter(Identity::is_known);
        let now = now_rfc3339();
        let provenance = Provenance {
            tool: payload.tool.clone(),
            model: payload.model.clone(),
            session: payload.session.clone(),
        };
        let new: Vec<Region> = spans
            .iter()
            .map(|&(start, end)| Region {
                id: new_region_id(),
                start,
                end,
                provenance: provenance.clone(),
                source: Source::AgentHook,
                modified: false,
                created_at: now.clone(),
            })
            .collect();
        ws.ledger.update(&rel, &text, |current| {
            // The agent's newest write takes over any older attribution of the same text.
            let mut set = RegionSet::default();
            let mut authors = std::collections::HashMap::new();
            for p in current.regions {
                authors.insert(p.region.id.clone(), p.author);
                set.add(p.region);
            }
            for r in &new {
                authors.insert(r.id.clone(), author.clone());
                set.add(r.clone());
            }
            FileState {
                regions: set
                    .iter()
                    .map(|r| Placed {
                        region: r.clone(),
                        author: authors.get(&r.id).cloned().flatten(),
                    })
                    .collect(),
                // What the agent rewrote is no longer what a person typed.
                human: current
                    .human
                    .into_iter()
                    .filter(|&(s, e)| !new.iter().any(|r| r.overlaps(s, e)))
                    .collect(),
                retired: Vec::new(),
            }
        })?;
        if let Some(lang) = language::for_text(&path, &text) {
            let found = findings_in(lang, &text, &spans, &path);
            if !found.is_empty() {
                let policy_ws = Workspace::open(&root).unwrap_or(ws);
                let blast_of = |f: &Finding| {
                    crate::blast::blast_of_text(&policy_ws, &path, &text, f.start, f.end)
                };
                for f in &found {
                    out.context.push(describe_finding(
                        &policy_ws,
                        &rel,
                        &text,
                        f,
                        "added",
                        blast_of(f).as_ref(),
                    ));
                }
            }
        }
        let starts = line_starts(&text);
        for (s, e) in spans {
            let first = starts.partition_point(|&x| x <= s);
            let last = starts.partition_point(|&x| x < e);
            out.regions.push((rel.clone(), first, last.max(first)));
        }
    }
    Ok(out)
}

/// What `guard` decides about a tool call: empty lets it run.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Policy forbids it: the agent must not run it.
    pub deny: Vec<String>,
    /// A person confirms it first, in the agent's own prompt where it has one.
    pub ask: Vec<String>,
}

impl Verdict {
    pub fn allows(&self) -> bool {
        self.deny.is_empty() && self.ask.is_empty()
    }
}

/// What policy does with a finding of this rule and severity from an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Ask,
    Deny,
}

/// The text a change would leave in the file, and the byte ranges it would write.
pub(crate) fn proposed(current: &str, change: &Change) -> Option<(String, Vec<(usize, usize)>)> {
    let appended = |text: &str| {
        let base = format!("{current}\n");
        let start = base.len();
        (format!("{base}{text}"), vec![(start, start + text.len())])
    };
    match change {
        Change::Whole { content: Some(c) } => Some((c.clone(), vec![(0, c.len())])),
        Change::Whole { content: None } | Change::Lines(_) => None,
        Change::Replace { old, new, all } => {
            if old.is_empty() || !current.contains(old.as_str()) {
                return Some(appended(new));
            }
            let n = if *all { usize::MAX } else { 1 };
            let mut out = String::with_capacity(current.len() + new.len());
            let mut ranges = Vec::new();
            let mut last = 0;
            for (i, (at, _)) in current.match_indices(old.as_str()).enumerate() {
                if i >= n {
                    break;
                }
                out.push_str(&current[last..at]);
                ranges.push((out.len(), out.len() + new.len()));
                out.push_str(new);
                last = at + old.len();
            }
            out.push_str(&current[last..]);
            Some((out, ranges))
        }
        Change::Hunk { before, after, .. } => match current.find(before.as_str()) {
            Some(at) if !before.is_empty() => {
                let out = format!(
                    "{}{}{}",
                    &current[..at],
                    after,
                    &current[at + before.len()..]
                );
                Some((out, vec![(at, at + after.len())]))
            }
            _ => Some(appended(after)),
        },
        Change::Insert { text } => Some(appended(text)),
    }
}

/// One finding as an agent is told of it: where, the rule, what it destroys, the blast radius
/// in one line, the review it needs and the safer way (`verb`: "would add", "added").
/// `blast` is the blast radius of the code around it, when the caller knows it.
pub fn describe_finding(
    ws: &Workspace,
    rel: &str,
    text: &str,
    f: &Finding,
    verb: &str,
    blast: Option<&crate::blast::BlastRadius>,
) -> String {
    let line = text[..f.start.min(text.len())].matches('\n').count() + 1;
    let risk = crate::policy::risk(&crate::policy::TierInputs {
        findings: std::slice::from_ref(f),
        critical_path: ws.is_critical_path(rel),
        transitive_dependents: blast.as_ref().map_or(0, |b| b.transitive),
        indirect: &[],
        senior_dependents: ws.config.policy.senior_dependents,
        peer_dependents: ws.config.policy.peer_dependents,
        author_level: None,
        senior_signoff: &[],
    });
    let reviewers = ws.reviewers_for(rel, risk.tier);
    let details = crate::catalog::rule_details();
    let d = details.get(&*f.rule);
    let mut out = format!(
        "{rel}:{line} {verb} {} ({}, {})",
        f.message,
        f.rule,
        f.severity.as_str()
    );
    if let Some(t) = d.and_then(|d| d.target.as_deref()) {
        out += &format!("; it destroys: {t}");
    }
    if let Some(b) = blast.filter(|b| !b.symbols.is_empty()) {
        out += &format!("; blast radius: {}", b.summary());
    }
    if risk.tier != crate::policy::Tier::None {
        let count = if f.severity == Severity::Critical && risk.tier == crate::policy::Tier::Senior
        {
            ws.config.policy.critical_approvals.max(1)
        } else {
            1
        };
        out += &format!(
            "; a {} review is required{}{}",
            risk.tier.as_str(),
            if count > 1 {
                format!(" ({count} approvals)")
            } else {
                String::new()
            },
            if reviewers.is_empty() {
                String::new()
            } else {
                format!(" ({})", reviewers.join(", "))
            }
        );
    }
    if let Some(d) = d {
        out += &format!("; safer: {}", d.safer);
    }
    out
}

/// `aigis guard`: checks a tool call before it runs.
pub fn guard(agent: Agent, input: &str, cwd: &Path) -> Result<Verdict, HookError> {
    let payload = agents::parse(agent, input)?;
    let base = payload
        .cwd
        .as_deref()
        .map(PathBuf::from)
        .unwrap_or_else(|| cwd.to_path_buf());
    let root = crate::workspace::workspace_root(&base);
    let ws = Workspace::open(&root).map_err(|e| HookError::Config(e.to_string()))?;
    let policy = &ws.config.guard;
    let mut out = Verdict::default();
    let mut decide = |d: Decision, reason: String| match d {
        Decision::Deny => out.deny.push(reason),
        Decision::Ask => out.ask.push(reason),
        Decision::Allow => {}
    };
    // Production paths are off limits to agents, risky or not. (A generic hook names its agent
    // in the payload's `tool`.)
    let agent_name = match agent {
        Agent::Generic => payload.tool.as_str(),
        other => other.name(),
    };
    for fc in &payload.files {
        let path = resolve(&payload, &fc.path, cwd);
        let rel = ws.relative(&path).or_else(|| {
            // A file that does not exist yet: its path as the agent gave it, under the root.
            let p = root.join(&fc.path);
            ws.relative(&p)
        });
        if let Some(why) = rel.as_deref().and_then(|r| protected(&ws, r, agent_name)) {
            decide(Decision::Deny, why);
        }
    }
    // The ledger is written by `aigis record` only: an agent that edits or deletes it could
    // remove the record of its own risky regions.
    for fc in &payload.files {
        if touches_ledger(&resolve(&payload, &fc.path, cwd)) {
            decide(Decision::Deny, format!(
                "{} is aigis's review ledger: agents may not edit it (aigis records their edits itself; a person changes it with `aigis review`)",
                fc.path
            ));
        }
    }
    for command in &payload.commands {
        if command_touches_ledger(command) {
            decide(
                Decision::Deny,
                format!(
                    "`{}` touches aigis's review ledger (.aigis/): agents may not change it",
                    command.trim()
                ),
            );
        }
        for (decision, why) in command_reasons(policy, command) {
            decide(decision, why);
        }
    }
    for fc in &payload.files {
        let path = resolve(&payload, &fc.path, cwd);
        let Some(lang) = language::for_path(&path) else {
            continue;
        };
        let before = std::fs::read_to_string(&path).unwrap_or_default();
        let mut after = before.clone();
        let mut changed = false;
        for change in &fc.changes {
            if let Some((text, _)) = proposed(&after, change) {
                after = text;
                changed = true;
            }
        }
        if !changed {
            continue;
        }
        let rel = ws.relative(&path).unwrap_or_else(|| fc.path.clone());
        let compared = crate::change::compare(Some(lang), &path, &before, &after, Some(&ws));
        for f in compared.added {
            let d = policy.decide(&f.rule, f.severity);
            if d != Decision::Allow {
                decide(
                    d,
                    describe_finding(
                        &ws,
                        &rel,
                        &after,
                        &f,
                        "would add",
                        crate::blast::blast_of_text(&ws, &path, &after, f.start, f.end).as_ref(),
                    ),
                );
            }
        }
    }
    Ok(out)
}

/// Why `rel` is off limits to `agent`, if it is.
pub fn protected(ws: &Workspace, rel: &str, agent: &str) -> Option<String> {
    let glob = ws.config.guard.protecting(rel, Some(agent))?;
    let owners = ws.reviewers_for(rel, crate::policy::Tier::Senior);
    Some(format!(
        "{rel} is a protected path (`{glob}` in aigis.toml [guard] protect): agents may not edit it. A person makes this change{}; or [guard] allow_agents opens `{glob}` to named agents",
        if owners.is_empty() { String::new() } else { format!(" (owners: {})", owners.join(", ")) }
    ))
}

/// What policy says of each risky part of a shell command line, with the reason.
pub fn command_reasons(
    policy: &crate::config::GuardConfig,
    command: &str,
) -> Vec<(Decision, String)> {
    let details = crate::catalog::rule_details();
    shell::scan_command_line(command)
        .into_iter()
        .map(|f| {
            let d = details.get(&f.info.id);
            (
                policy.decide(&f.info.id, f.severity),
                format!(
                    "`{}` ({}, {}): {}{}{}",
                    f.command,
                    f.info.id,
                    f.severity.as_str(),
                    f.info.why,
                    f.info
                        .target
                        .as_deref()
                        .map(|t| format!(" It destroys: {t}."))
                        .unwrap_or_default(),
                    d.map(|d| format!(" Safer: {}", d.safer))
                        .unwrap_or_default()
                ),
            )
        })
        .collect()
}

/// A path inside a `.aigis` folder.
fn touches_ledger(path: &Path) -> bool {
    path.components()
        .any(|c| c.as_os_str() == std::ffi::OsStr::new(crate::ledger::DIR))
}

/// A shell command naming a path in `.aigis` (other than running `aigis` itself, whose
/// commands write the ledger as policy allows).
pub(crate) fn command_touches_ledger(command: &str) -> bool {
    command
        .split(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    ';' | '&' | '|' | '(' | ')' | '<' | '>' | '`' | '"' | '\''
                )
        })
        .any(|word| {
            let word = word.trim_start_matches("./");
            word == crate::ledger::DIR
                || word.starts_with(".aigis/")
                || word.contains("/.aigis/")
                || word.ends_with("/.aigis")
        })
}

pub(crate) fn findings_in(
    lang: &'static language::Language,
    text: &str,
    ranges: &[(usize, usize)],
    path: &Path,
) -> Vec<Finding> {
    let Some(tree) = crate::parse::parse(lang, text) else {
        return Vec::new();
    };
    analysis::analyze(lang, &tree, text, Some(path))
        .into_iter()
        .filter(|f| ranges.iter().any(|&(s, e)| f.start < e && s < f.end))
        .collect()
}

impl crate::config::GuardConfig {
    /// True when policy stops a finding of this rule and severity without approval.
    pub fn blocks(&self, rule: &str, severity: Severity) -> bool {
        self.decide(rule, severity) == Decision::Deny
    }

    /// Deny at `block` and above, ask at `ask` and above, unless `allow` approves the rule.
    pub fn decide(&self, rule: &str, severity: Severity) -> Decision {
        let allowed = self.allow.iter().any(|a| match a.strip_suffix('*') {
            Some(prefix) => rule.starts_with(prefix),
            None => a == rule,
        });
        if allowed {
            Decision::Allow
        } else if self.block.is_some_and(|min| severity >= min) {
            Decision::Deny
        } else if self.ask.is_some_and(|min| severity >= min) {
            Decision::Ask
        } else {
            Decision::Allow
        }
    }
}
