//! A workspace: its root, policy, ledger and owners, and the one place where a file's findings,
//! regions and review events become assessed regions. `scan`, `review` and the language server
//! all go through here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::analysis::Finding;
use crate::blast::BlastRadius;
use crate::codeowners::CodeOwners;
use crate::config::{Config, ConfigError};
use crate::identity::Identity;
use crate::ledger::{content_hash, Ledger, ReviewEvent};
use crate::policy::{self, ReviewStatus, Risk, Tier, TierInputs};
use crate::regions::Region;

pub struct Workspace {
    id: u64,
    pub root: PathBuf,
    pub config: Config,
    pub ledger: Ledger,
    codeowners: Option<CodeOwners>,
    critical: GlobSet,
}

/// One AI region with everything known about it.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    #[serde(skip)]
    pub region: Region,
    pub hash: String,
    pub findings: Vec<Finding>,
    pub risk: Risk,
    pub review: ReviewStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<Identity>,
    /// Shared with the file that computed it: assessing a region on a keystroke copies no
    /// radius (one of thousands of definitions is a large value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blast: Option<std::sync::Arc<BlastRadius>>,
}

impl Workspace {
    /// Opens a workspace; a broken `aigis.toml` is an error.
    pub fn open(root: &Path) -> Result<Workspace, ConfigError> {
        Ok(Self::with_config(root, Config::load(root)?))
    }

    /// For files outside any workspace: default policy, no CODEOWNERS, nothing read from disk
    /// (it is built once and reused, not on every keystroke).
    pub fn detached() -> &'static Workspace {
        static DETACHED: std::sync::LazyLock<Workspace> = std::sync::LazyLock::new(|| Workspace {
            id: next_id(),
            root: PathBuf::new(),
            config: Config::default(),
            ledger: Ledger::new(Path::new("")),
            codeowners: None,
            critical: GlobSet::empty(),
        });
        &DETACHED
    }

    pub fn with_config(root: &Path, config: Config) -> Workspace {
        let mut b = GlobSetBuilder::new();
        for g in &config.policy.critical_paths {
            if let Ok(glob) = Glob::new(g) {
                b.add(glob);
            }
        }
        Workspace {
            id: next_id(),
            root: root.to_path_buf(),
            critical: b.build().unwrap_or_else(|_| GlobSet::empty()),
            ledger: Ledger::new(root),
            codeowners: CodeOwners::load(root),
            config,
        }
    }

    /// The workspace-relative, `/`-separated path of a file inside the workspace.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.root).ok()?;
        let s = rel.to_str()?.replace(std::path::MAIN_SEPARATOR, "/");
        (!s.is_empty()).then_some(s)
    }

    /// Who may approve a region of `rel` at `tier`: `[review]` in `aigis.toml`, else the path's
    /// CODEOWNERS for a senior, anyone but the author for a peer.
    pub fn reviewers_for(&self, rel: &str, tier: Tier) -> Vec<String> {
        match (&self.config.review, tier) {
            (Some(r), Tier::Senior) if !r.senior.is_empty() => r.senior.clone(),
            (_, Tier::Senior)
                if self
                    .config
                    .team
                    .as_ref()
                    .is_some_and(|t| !t.senior.is_empty()) =>
            {
                let t = self.config.team.as_ref().expect("checked");
                t.expand(&t.senior)
            }
            (Some(r), Tier::Peer) => r.peer.clone(),
            (_, Tier::Senior) => self
                .codeowners
                .as_ref()
                .map(|c| c.owners_of(rel))
                .unwrap_or_default(),
            (None, Tier::Peer) => vec!["*".into()],
            (_, Tier::None) => Vec::new(),
        }
    }

    /// True when a CODEOWNERS file names the seniors (for paths `aigis.toml` does not cover).
    pub fn codeowners_present(&self) -> bool {
        self.codeowners.is_some()
    }

    pub fn is_critical_path(&self, rel: &str) -> bool {
        self.critical.is_match(rel)
    }

    /// Findings the policy reports (rules switched off in `aigis.toml` removed).
    pub fn enabled(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| self.config.analysis.rule_enabled(&f.rule))
            .collect()
    }

    /// Assesses each region of a file: its findings, tier and review state.
    #[allow(clippy::too_many_arguments)] // the facts of one file, each from its own source
    pub fn assess(
        &self,
        rel: Option<&str>,
        text: &str,
        findings: &[Finding],
        regions: &[Region],
        authors: &HashMap<String, Identity>,
        events: &[ReviewEvent],
        blast: &HashMap<String, std::sync::Arc<BlastRadius>>,
    ) -> Vec<Assessment> {
        regions
            .iter()
            .map(|region| {
                let inside: Vec<Finding> = findings
                    .iter()
                    .filter(|f| region.contains(f.start))
                    .cloned()
                    .collect();
                let radius = blast.get(&region.id);
                let hash = content_hash(text.get(region.start..region.end).unwrap_or(""));
                let author = authors.get(&region.id);
                let Verdict { risk, review } = self.judge(
                    rel,
                    region,
                    &inside,
                    author,
                    events,
                    radius.map(|b| &**b),
                    || hash.clone(),
                );
                Assessment {
                    region: region.clone(),
                    hash,
                    findings: inside,
                    risk,
                    review,
                    author: author.cloned(),
                    blast: radius.cloned(),
                }
            })
            .collect()
    }

    /// A region's tier and review state, from the findings inside it (only their rules and
    /// severities count), its author, the file's review events, its blast radius, and the hash
    /// of its text, asked for only when an approval of the region is to be checked against it.
    #[allow(clippy::too_many_arguments)] // the facts of one region, each from its own source
    pub fn judge(
        &self,
        rel: Option<&str>,
        region: &Region,
        inside: &[Finding],
        author: Option<&Identity>,
        events: &[ReviewEvent],
        radius: Option<&BlastRadius>,
        hash: impl FnOnce() -> String,
    ) -> Verdict {
        // A guess (the burst heuristic) is a hint, never a verdict: it raises no review until a
        // person confirms it ("Mark as AI").
        let risk = if region.source == crate::regions::Source::Heuristic {
            Risk {
                tier: Tier::None,
                score: 0,
                reasons: vec!["possibly AI-written (a burst of new lines the editor did not report); not counted until a person confirms it".into()],
            }
        } else {
            policy::risk(&TierInputs {
                findings: inside,
                critical_path: rel.is_some_and(|r| self.is_critical_path(r)),
                transitive_dependents: radius.map_or(0, |b| b.transitive),
                indirect: radius.map_or(&[][..], |b| &b.risky_callees[..]),
                senior_dependents: self.config.policy.senior_dependents,
                peer_dependents: self.config.policy.peer_dependents,
                author_level: self
                    .config
                    .team
                    .as_ref()
                    .zip(author)
                    .map(|(t, a)| (t.level_of(a), a.to_string())),
                senior_signoff: if self.config.team.is_some() {
                    &self.config.policy.senior_signoff
                } else {
                    &[]
                },
            })
        };
        let reviewers = rel
            .map(|r| self.reviewers_for(r, risk.tier))
            .unwrap_or_default();
        let critical = inside
            .iter()
            .any(|f| f.severity == crate::catalog::Severity::Critical);
        let needs = policy::Needs {
            tier: risk.tier,
            reviewers: &reviewers,
            count: if critical && risk.tier == Tier::Senior {
                self.config.policy.critical_approvals
            } else {
                1
            },
            author,
            team: self.config.team.as_ref(),
        };
        // The text is hashed only for an approval to compare it with: typing in a region no
        // one approved hashes nothing.
        let approved = events
            .iter()
            .any(|e| e.region() == region.id && matches!(e, ReviewEvent::Approval { .. }));
        let hash = if approved { hash() } else { String::new() };
        let review = policy::review_status(events, &region.id, &hash, &needs);
        let mut risk = risk;
        if review.needed > 1 {
            risk.reasons.push(format!(
                "critical operation: {} senior approvals, {} given",
                review.needed,
                review.approvals.len()
            ));
        }
        Verdict { risk, review }
    }

    /// Tells this workspace from any other, and from an earlier one at the same root (one
    /// built again after `aigis.toml` changed): what was judged under one is not reused
    /// under another.
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// A region's tier and review state ([`Workspace::judge`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub risk: Risk,
    pub review: ReviewStatus,
}

fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The workspace around `start`: the nearest folder with `aigis.toml`, `.aigis` or `.git`.
pub fn workspace_root(start: &Path) -> PathBuf {
    let start = if start.is_file() {
        start.parent().unwrap_or(start)
    } else {
        start
    };
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    start
        .ancestors()
        .find(|d| {
            ["aigis.toml", ".aigis", ".git"]
                .iter()
                .any(|m| d.join(m).exists())
        })
        .map(|d| d.to_path_buf())
        .unwrap_or(start)
}
