//! `check_change` and `check_command`: what a proposed edit or command line would do, judged
//! before it happens. Nothing is written.

use serde::Serialize;

use super::{capped, Engine, IndexInfo, INDEX_WAIT};
use crate::agent_hooks::{self, Decision};
use crate::analysis::Finding;
use crate::blast::BlastRadius;
use crate::catalog::Severity;
use crate::policy::{self, Tier, TierInputs};

/// The edit, in one of the shapes agents produce.
#[derive(Debug, Clone)]
pub enum ProposedEdit {
    /// The whole new text of the file.
    Content(String),
    /// Claude-style replacement: `old` (once, unless `all`) becomes `new`.
    Replace { old: String, new: String, all: bool },
    /// A unified diff or a Codex `*** Begin Patch` envelope.
    Patch(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct OpOut {
    pub rule: String,
    pub severity: &'static str,
    pub line: usize,
    pub message: String,
    /// What the operation destroys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destroys: Option<String>,
    pub safer: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GuardOut {
    /// `guard` would stop the agent's edit (deny).
    pub would_block: bool,
    /// `guard` would ask the person to confirm first.
    pub would_ask: bool,
    pub reasons: Vec<String>,
    /// How a team approves such operations for agents, if it decides to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_hint: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlastBrief {
    pub summary: String,
    pub symbols: Vec<String>,
    pub direct: usize,
    pub transitive: usize,
    pub entry_points: Vec<String>,
    pub dependents: Vec<super::blast::SiteOut>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeAnswer {
    pub summary: String,
    pub file: String,
    /// `allow`, `needs_review` or `blocked`.
    pub verdict: &'static str,
    pub tier: &'static str,
    pub reasons: Vec<String>,
    /// Who may approve it, and how many distinct approvals it needs.
    pub reviewers: Vec<String>,
    pub approvals_needed: usize,
    pub added: Vec<OpOut>,
    pub removed: Vec<OpOut>,
    /// Risky operations inside the edited lines that were already there.
    pub unchanged_touched: Vec<OpOut>,
    /// One-based line ranges of the new text that the edit writes.
    pub changed_lines: Vec<[usize; 2]>,
    pub blast: Option<BlastBrief>,
    pub guard: GuardOut,
    pub index: IndexInfo,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommandOp {
    pub rule: String,
    pub severity: &'static str,
    /// The part of the command line that matched.
    pub command: String,
    pub decision: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommandAnswer {
    pub summary: String,
    /// What `guard` would answer: `allow`, `ask` or `deny`.
    pub decision: &'static str,
    pub findings: Vec<CommandOp>,
    pub touches_ledger: bool,
}

fn decision_str(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "allow",
        Decision::Ask => "ask",
        Decision::Deny => "deny",
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// The section of a (possibly multi-file) unified diff that changes `rel`, and the other files
/// it changes.
fn diff_section(patch: &str, rel: &str) -> (Option<String>, Vec<String>) {
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut cur = String::new();
    let mut name: Option<String> = None;
    let mut lines = patch.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let starts_file =
            line.starts_with("--- ") && lines.peek().is_some_and(|n| n.starts_with("+++ "));
        if line.starts_with("diff --git ") || starts_file {
            if let Some(n) = name.take() {
                sections.push((n, std::mem::take(&mut cur)));
            } else {
                cur.clear();
            }
        }
        if let Some(p) = line.strip_prefix("+++ ") {
            let p = p.trim_end().split('\t').next().unwrap_or("").trim();
            let p = p.strip_prefix("b/").unwrap_or(p);
            name = Some(p.to_string());
        }
        if !line.starts_with("diff --git ") && !line.starts_with("index ") {
            cur.push_str(line);
        }
    }
    if let Some(n) = name {
        sections.push((n, cur));
    }
    let others = sections
        .iter()
        .filter(|(n, _)| n != rel)
        .map(|(n, _)| n.clone())
        .collect();
    (
        sections.into_iter().find(|(n, _)| n == rel).map(|(_, s)| s),
        others,
    )
}

impl Engine {
    fn op(&self, f: &Finding, starts: &[usize]) -> OpOut {
        let details = crate::catalog::rule_details();
        let d = details.get(&*f.rule);
        OpOut {
            rule: f.rule.to_string(),
            severity: f.severity.as_str(),
            line: starts.partition_point(|&s| s <= f.start),
            message: f.message.to_string(),
            destroys: d.and_then(|d| d.target.clone()),
            safer: d.map(|d| d.safer.clone()).unwrap_or_default(),
        }
    }

    fn apply(
        &self,
        rel: &str,
        current: &str,
        edit: &ProposedEdit,
        notes: &mut Vec<String>,
    ) -> Result<String, String> {
        match edit {
            ProposedEdit::Content(c) => Ok(c.clone()),
            ProposedEdit::Replace { old, new, all } => {
                if old.is_empty() {
                    return Err("`old_string` is empty: give the exact text to replace (or `content` for the whole file)".into());
                }
                match current.matches(old.as_str()).count() {
                    0 => Err(format!("`old_string` is not in {rel}: read the file again (it may have changed) and copy the text exactly, whitespace included")),
                    n if n > 1 && !all => Err(format!("`old_string` occurs {n} times in {rel}: add surrounding lines to make it unique, or set `replace_all`")),
                    _ if *all => Ok(current.replace(old.as_str(), new)),
                    _ => Ok(current.replacen(old.as_str(), new, 1)),
                }
            }
            ProposedEdit::Patch(p) if p.trim_start().starts_with("*** Begin Patch") => {
                let files = crate::agents::parse_apply_patch(p);
                let ours = files.iter().find(|f| {
                    let path = f.path.trim_start_matches("./");
                    path == rel || self.ws.root.join(path) == self.ws.root.join(rel)
                });
                let others: Vec<&str> = files
                    .iter()
                    .map(|f| f.path.as_str())
                    .filter(|p| p.trim_start_matches("./") != rel)
                    .collect();
                if !others.is_empty() {
                    notes.push(format!(
                        "the patch also changes {}: check each with its own call",
                        others.join(", ")
                    ));
                }
                let Some(fc) = ours else {
                    return Err(format!(
                        "the patch does not change {rel} (it changes {})",
                        if others.is_empty() {
                            "nothing".into()
                        } else {
                            others.join(", ")
                        }
                    ));
                };
                let mut text = current.to_string();
                for c in &fc.changes {
                    match c {
                        crate::agents::Change::Hunk { before, .. }
                            if !before.is_empty() && !text.contains(before.as_str()) =>
                        {
                            return Err(format!("a hunk of the patch does not apply to {rel}: its context is not in the file (read it again)"));
                        }
                        _ => {}
                    }
                    if let Some((t, _)) = agent_hooks::proposed(&text, c) {
                        text = t;
                    }
                }
                Ok(text)
            }
            ProposedEdit::Patch(p) => {
                let (section, others) = diff_section(p, rel);
                if !others.is_empty() {
                    notes.push(format!(
                        "the patch also changes {}: check each with its own call",
                        others.join(", ")
                    ));
                }
                let section = section.ok_or_else(|| {
                    format!("the patch does not change {rel}: it needs `--- a/{rel}` and `+++ b/{rel}` headers{}", if others.is_empty() { String::new() } else { format!(" (it changes {})", others.join(", ")) })
                })?;
                let patch = diffy::Patch::from_str(&section)
                    .map_err(|e| format!("the patch is not a unified diff diffy can read: {e}"))?;
                diffy::apply(current, &patch).map_err(|e| format!("the patch does not apply to {rel} as it is on disk ({e}): read the file again"))
            }
        }
    }

    /// What `edit` to `file` would change: risky operations added and removed, the review it
    /// needs and from whom, the blast radius of the code it touches, and `guard`'s answer.
    pub fn check_change(
        &self,
        file: &str,
        edit: &ProposedEdit,
        agent: Option<&str>,
        limit: usize,
    ) -> Result<ChangeAnswer, String> {
        let at = self.locate(file, true)?;
        let before = if at.exists {
            Some(self.parsed(&at.abs)?)
        } else {
            if matches!(edit, ProposedEdit::Replace { .. }) {
                return Err(format!(
                    "{} does not exist: use `content` for a new file",
                    at.rel
                ));
            }
            None
        };
        let current: &str = before.as_ref().map_or("", |p| p.text.as_str());
        let mut notes = Vec::new();
        let proposed = self.apply(&at.rel, current, edit, &mut notes)?;
        let lang = crate::language::for_text(&at.abs, &proposed);
        if proposed.len() > crate::document::MAX_ANALYSED_BYTES {
            notes.push(format!(
                "the new text is over {} bytes: not analysed",
                crate::document::MAX_ANALYSED_BYTES
            ));
        }
        let lang = lang.filter(|_| proposed.len() <= crate::document::MAX_ANALYSED_BYTES);
        // The old tree from the cache; the new one re-parsed from it where the edit differs.
        let trees = lang.and_then(|l| {
            let old_tree = match before.as_ref().and_then(|p| p.tree.clone()) {
                Some(t) => t,
                None => crate::parse::parse(l, current)?,
            };
            let new_tree = crate::parse::reparse_changed(l, current, &old_tree, &proposed)?;
            Some((l, old_tree, new_tree))
        });
        let compared = crate::change::compare_trees(
            trees.as_ref().map(|(l, a, b)| (*l, a, b)),
            &at.abs,
            current,
            &proposed,
            Some(&self.ws),
        );
        // The blast radius of what the edit replaces, from the index of the file as it is.
        let mut index = IndexInfo::default();
        let mut blast: Option<BlastRadius> = None;
        if at.exists && lang.is_some_and(|l| l.has_symbols()) {
            index = self.wait_for_index(INDEX_WAIT);
            self.refresh_file(&at.abs);
            if let Some(id) = self.index.file_id(&at.abs) {
                let depth = self.ws.config.policy.blast_depth;
                for &(s, e) in &compared.old_changed {
                    let b = crate::blast::blast_radius(&self.index, id, s, e.max(s), depth);
                    blast = Some(match blast.take() {
                        None => b,
                        Some(acc) => merge(acc, b),
                    });
                }
            }
        }
        let touched: Vec<Finding> = compared
            .added
            .iter()
            .chain(&compared.kept)
            .cloned()
            .collect();
        let who = self.identity();
        let team = self.ws.config.team.as_ref();
        let risk = policy::risk(&TierInputs {
            findings: &touched,
            critical_path: self.ws.is_critical_path(&at.rel),
            transitive_dependents: blast.as_ref().map_or(0, |b| b.transitive),
            indirect: blast.as_ref().map_or(&[][..], |b| &b.risky_callees[..]),
            senior_dependents: self.ws.config.policy.senior_dependents,
            peer_dependents: self.ws.config.policy.peer_dependents,
            author_level: team
                .filter(|_| who.is_known())
                .map(|t| (t.level_of(who), who.to_string())),
            senior_signoff: if team.is_some() {
                &self.ws.config.policy.senior_signoff
            } else {
                &[]
            },
        });
        let reviewers = self.ws.reviewers_for(&at.rel, risk.tier);
        let critical = touched.iter().any(|f| f.severity == Severity::Critical);
        let approvals_needed = match risk.tier {
            Tier::None => 0,
            Tier::Senior if critical => self.ws.config.policy.critical_approvals.max(1),
            _ => 1,
        };
        // What `guard` would say of this edit by an agent.
        let mut guard = GuardOut {
            would_block: false,
            would_ask: false,
            reasons: Vec::new(),
            allow_hint: None,
        };
        if let Some(why) = agent_hooks::protected(&self.ws, &at.rel, agent.unwrap_or("")) {
            guard.would_block = true;
            guard.reasons.push(why);
        }
        if at.rel.split('/').any(|c| c == crate::ledger::DIR) {
            guard.would_block = true;
            guard.reasons.push(format!(
                "{} is aigis's review ledger: agents may not edit it",
                at.rel
            ));
        }
        for f in &compared.added {
            match self.ws.config.guard.decide(&f.rule, f.severity) {
                Decision::Allow => {}
                d => {
                    if d == Decision::Deny {
                        guard.would_block = true;
                        guard.allow_hint = Some(format!("a person may approve this rule for agents in aigis.toml: [guard] allow = [\"{}\"]", f.rule));
                    } else {
                        guard.would_ask = true;
                    }
                    guard.reasons.push(agent_hooks::describe_finding(
                        &self.ws,
                        &at.rel,
                        &proposed,
                        f,
                        "would add",
                        blast.as_ref(),
                    ));
                }
            }
        }
        let verdict = if guard.would_block {
            "blocked"
        } else if risk.tier != Tier::None || guard.would_ask {
            "needs_review"
        } else {
            "allow"
        };
        let (old_starts, new_starts) = (line_starts(current), line_starts(&proposed));
        let ops = |v: &[Finding], starts: &[usize]| {
            v.iter().map(|f| self.op(f, starts)).collect::<Vec<_>>()
        };
        let added = ops(&compared.added, &new_starts);
        let removed = ops(&compared.removed, &old_starts);
        let kept = ops(&compared.kept, &new_starts);
        let changed_lines: Vec<[usize; 2]> = compared
            .new_changed
            .iter()
            .map(|&(s, e)| {
                [
                    new_starts.partition_point(|&x| x <= s),
                    new_starts.partition_point(|&x| x < e).max(1),
                ]
            })
            .collect();
        let blast = blast.filter(|b| !b.symbols.is_empty()).map(|b| BlastBrief {
            summary: b.summary(),
            symbols: b.symbols.iter().map(|s| s.name.clone()).collect(),
            direct: b.direct,
            transitive: b.transitive,
            entry_points: b.entry_points.clone(),
            dependents: b
                .dependents
                .iter()
                .filter(|d| d.depth == 1)
                .take(limit)
                .map(|d| self.site(d))
                .collect(),
        });
        let mut summary = format!(
            "{}: {}",
            at.rel,
            match verdict {
                "blocked" => "BLOCKED: guard would stop this edit",
                "needs_review" => "allowed, but it needs a review",
                _ => "allowed; no review needed",
            }
        );
        for a in &added {
            summary += &format!("; adds {} at line {} ({})", a.rule, a.line, a.severity);
        }
        for r in &removed {
            summary += &format!("; removes {} ({})", r.rule, r.severity);
        }
        if risk.tier != Tier::None {
            summary += &format!(
                "; {} review ({} approval{}{})",
                risk.tier.as_str(),
                approvals_needed,
                if approvals_needed == 1 { "" } else { "s" },
                if reviewers.is_empty() {
                    String::new()
                } else {
                    format!(" from {}", reviewers.join(", "))
                }
            );
        }
        if let Some(b) = &blast {
            summary += &format!("; touches code that {}", b.summary);
        }
        summary.push('.');
        Ok(ChangeAnswer {
            summary,
            file: at.rel,
            verdict,
            tier: risk.tier.as_str(),
            reasons: risk.reasons,
            reviewers,
            approvals_needed,
            added: capped(added, limit, "added operations", &mut notes),
            removed: capped(removed, limit, "removed operations", &mut notes),
            unchanged_touched: capped(kept, limit, "unchanged operations", &mut notes),
            changed_lines: capped(changed_lines, limit, "changed line ranges", &mut notes),
            blast,
            guard,
            index,
            notes,
        })
    }

    /// What `guard` would say of a shell command line an agent is about to run.
    pub fn check_command(&self, command: &str) -> CommandAnswer {
        let mut findings: Vec<CommandOp> = Vec::new();
        let scanned = crate::shell::scan_command_line(command);
        for ((d, reason), f) in agent_hooks::command_reasons(&self.ws.config.guard, command)
            .into_iter()
            .zip(scanned)
        {
            findings.push(CommandOp {
                rule: f.info.id.clone(),
                severity: f.severity.as_str(),
                command: f.command.clone(),
                decision: decision_str(d),
                reason,
            });
        }
        let touches_ledger = agent_hooks::command_touches_ledger(command);
        let decision = if touches_ledger || findings.iter().any(|f| f.decision == "deny") {
            "deny"
        } else if findings.iter().any(|f| f.decision == "ask") {
            "ask"
        } else {
            "allow"
        };
        let summary = if findings.is_empty() && !touches_ledger {
            "no destructive operation found in this command; guard would let it run".to_string()
        } else {
            let mut parts: Vec<String> = findings
                .iter()
                .map(|f| {
                    format!(
                        "`{}`: {} ({}), guard would {}",
                        f.command, f.rule, f.severity, f.decision
                    )
                })
                .collect();
            if touches_ledger {
                parts.push("it touches aigis's review ledger (.aigis/), which agents may not change: guard would deny".into());
            }
            parts.join("; ")
        };
        CommandAnswer {
            summary,
            decision,
            findings,
            touches_ledger,
        }
    }
}

/// Two blast radii as one (an edit in several places).
fn merge(mut a: BlastRadius, b: BlastRadius) -> BlastRadius {
    let seen: std::collections::HashSet<(std::path::PathBuf, usize)> = a
        .dependents
        .iter()
        .map(|d| (d.file.clone(), d.start))
        .collect();
    for s in b.symbols {
        if !a.symbols.iter().any(|x| x.name == s.name) {
            a.symbols.push(s);
        }
    }
    for d in b.dependents {
        if !seen.contains(&(d.file.clone(), d.start)) {
            a.dependents.push(d);
        }
    }
    a.tests.extend(b.tests);
    a.ambiguous.extend(b.ambiguous);
    for e in b.entry_points {
        if !a.entry_points.contains(&e) {
            a.entry_points.push(e);
        }
    }
    for c in b.risky_callees {
        if !a
            .risky_callees
            .iter()
            .any(|x| x.rule == c.rule && x.file == c.file && x.line == c.line)
        {
            a.risky_callees.push(c);
        }
    }
    a.direct = a.dependents.iter().filter(|d| d.depth == 1).count();
    a.transitive = a.dependents.len();
    a.files = a
        .dependents
        .iter()
        .filter(|d| d.depth == 1)
        .map(|d| &d.file)
        .collect::<std::collections::HashSet<_>>()
        .len();
    a
}
