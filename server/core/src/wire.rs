//! The JSON contract of SPEC.md as typed values: a region as `aigis/regions` and
//! `aigis scan --format json` describe it, its findings, blast radius and review, and the scan
//! report. Every front end (the editor, the CLI, CI, agents) serialises these; the engine's own
//! types are converted here, in one place, so the shapes cannot drift apart.

use std::path::Path;

use serde::Serialize;

use crate::blast::{BlastRadius, Dependent};
use crate::document::LineCol;
use crate::workspace::Assessment;

/// A position, zero-based, in the caller's encoding (UTF-16 unless the client chose UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

impl Range {
    pub fn new(r: [LineCol; 2]) -> Range {
        let p = |lc: LineCol| Position {
            line: lc.line,
            character: lc.character,
        };
        Range {
            start: p(r[0]),
            end: p(r[1]),
        }
    }
}

/// An AI region with its risk, blast radius and review state.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub id: String,
    pub range: Range,
    pub tool: String,
    pub model: Option<String>,
    pub session: Option<String>,
    pub source: &'static str,
    pub confidence: &'static str,
    pub modified: bool,
    pub created_at: String,
    pub author: Option<String>,
    pub hash: String,
    pub risk: Risk,
    pub blast: Blast,
    pub review: Review,
    /// In a scan: the file, relative to the workspace root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// In a scan: the first and last line, one-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<[usize; 2]>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Risk {
    pub tier: &'static str,
    pub score: u32,
    pub reasons: Vec<String>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: String,
    pub range: Range,
    pub severity: &'static str,
    pub category: String,
    pub message: String,
    pub notes: Vec<String>,
}

/// The blast radius summary with the sites behind it (capped: 200 sites, 50 tests, 50 ambiguous).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Blast {
    pub dependents: usize,
    pub transitive: usize,
    pub files: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbols: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_points: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sites: Option<Vec<Site>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tests: Option<Vec<Site>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ambiguous: Option<Vec<Site>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risky_callees: Option<Vec<RiskyCallee>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Site {
    pub file: String,
    /// One-based.
    pub line: usize,
    pub caller: Option<String>,
    /// How the site uses the symbol (`call`, `method`, `type`...).
    pub uses: String,
    pub certainty: crate::index::Certainty,
    pub depth: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RiskyCallee {
    pub rule: String,
    pub severity: &'static str,
    pub file: String,
    pub line: usize,
    pub via: Vec<String>,
    pub indirect: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub state: &'static str,
    pub by: Option<String>,
    pub at: Option<String>,
    pub stale: bool,
    pub reviewers: Vec<String>,
    /// Who approved, when more than one approval is needed.
    pub approvals: Vec<String>,
    pub needed: usize,
}

impl Region {
    /// `position` turns byte offsets into positions in the caller's encoding; site paths are
    /// relative to `root` when given.
    pub fn new(a: &Assessment, position: &dyn Fn(usize) -> LineCol, root: Option<&Path>) -> Region {
        let r = &a.region;
        let range = |s: usize, e: usize| Range::new([position(s), position(e)]);
        Region {
            id: r.id.clone(),
            range: range(r.start, r.end),
            tool: r.provenance.tool.clone(),
            model: r.provenance.model.clone(),
            session: r.provenance.session.clone(),
            source: r.source.as_str(),
            confidence: r.source.confidence().as_str(),
            modified: r.modified,
            created_at: r.created_at.clone(),
            author: a.author.as_ref().map(|i| i.to_string()),
            hash: a.hash.clone(),
            risk: Risk {
                tier: a.risk.tier.as_str(),
                score: a.risk.score,
                reasons: a.risk.reasons.clone(),
                findings: a
                    .findings
                    .iter()
                    .map(|f| Finding {
                        rule: f.rule.to_string(),
                        range: range(f.start, f.end),
                        severity: f.severity.as_str(),
                        category: f.category.to_string(),
                        message: f.message.to_string(),
                        notes: f.notes.clone(),
                    })
                    .collect(),
            },
            blast: Blast::new(a.blast.as_deref(), root),
            review: Review {
                state: a.review.state.as_str(),
                by: a.review.by.clone(),
                at: a.review.at.clone(),
                stale: a.review.stale,
                reviewers: a.review.reviewers.clone(),
                approvals: a.review.approvals.clone(),
                needed: a.review.needed,
            },
            file: None,
            lines: None,
        }
    }
}

impl Blast {
    pub fn new(b: Option<&BlastRadius>, root: Option<&Path>) -> Blast {
        let Some(b) = b else {
            return Blast {
                dependents: 0,
                transitive: 0,
                files: 0,
                symbols: None,
                entry_points: None,
                sites: None,
                tests: None,
                ambiguous: None,
                risky_callees: None,
            };
        };
        let path = |p: &Path| {
            root.and_then(|r| p.strip_prefix(r).ok())
                .map(|r| r.display().to_string())
                .unwrap_or_else(|| p.display().to_string())
        };
        let sites = |list: &[Dependent], most: usize| -> Vec<Site> {
            list.iter()
                .take(most)
                .map(|d| Site {
                    file: path(&d.file),
                    line: d.line + 1,
                    caller: d.caller.clone(),
                    uses: d.uses.clone(),
                    certainty: d.certainty,
                    depth: d.depth,
                })
                .collect()
        };
        Blast {
            dependents: b.direct,
            transitive: b.transitive,
            files: b.files,
            symbols: Some(b.symbols.iter().map(|s| s.name.clone()).collect()),
            entry_points: Some(b.entry_points.clone()),
            sites: Some(sites(&b.dependents, 200)),
            tests: Some(sites(&b.tests, 50)),
            ambiguous: Some(sites(&b.ambiguous, 50)),
            risky_callees: Some(
                b.risky_callees
                    .iter()
                    .map(|c| RiskyCallee {
                        rule: c.rule.clone(),
                        severity: c.severity.as_str(),
                        file: path(&c.file),
                        line: c.line + 1,
                        via: c.via.clone(),
                        indirect: true,
                    })
                    .collect(),
            ),
        }
    }
}
