//! The review side for an agent: `scan_changes` (the `scan --base` result in brief),
//! `review_status` (AI regions, their tier and review state), `request_review` (the agent asks
//! for a person's review; it never approves) and `who_wrote` (`aigis blame`).

use serde::Serialize;

use super::{capped, Engine, IndexInfo, INDEX_WAIT};
use crate::policy::{ReviewState, Tier};
use crate::review::{self, RegionAt};
use crate::scan::{ScanOptions, ScanReport};

#[derive(Debug, Clone, Serialize)]
pub struct RegionRow {
    pub file: String,
    pub lines: [usize; 2],
    pub id: String,
    pub tool: String,
    pub model: Option<String>,
    pub source: &'static str,
    pub confidence: &'static str,
    pub tier: &'static str,
    pub review: &'static str,
    pub reviewed_by: Option<String>,
    pub reviewers: Vec<String>,
    pub reasons: Vec<String>,
    pub risky: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub regions: usize,
    pub senior: usize,
    pub peer: usize,
    pub needs_review: usize,
    pub requested: usize,
    pub approved: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusAnswer {
    pub summary: String,
    pub counts: Counts,
    pub regions: Vec<RegionRow>,
    pub index: IndexInfo,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingRow {
    pub rule: String,
    pub severity: &'static str,
    pub file: String,
    pub line: usize,
    pub ai: bool,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScanAnswer {
    pub summary: String,
    pub base: String,
    pub counts: Counts,
    pub regions: Vec<RegionRow>,
    pub findings: Vec<FindingRow>,
    /// What a deploy pipeline should do with the change: `hold`, `canary` or `standard`.
    pub rollout: Option<String>,
    pub rollout_reasons: Vec<String>,
    pub index: IndexInfo,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestAnswer {
    pub summary: String,
    /// A new request was recorded now.
    pub requested: bool,
    pub region: String,
    pub file: String,
    pub lines: [usize; 2],
    pub tier: &'static str,
    pub review: &'static str,
    pub reviewers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinesOwner {
    /// One-based first and last line written by the same hand.
    pub lines: [usize; 2],
    pub ai: bool,
    pub tool: Option<String>,
    pub model: Option<String>,
    pub session: Option<String>,
    pub source: Option<&'static str>,
    pub confidence: Option<&'static str>,
    pub commit: Option<String>,
    pub author: Option<String>,
    pub review: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WhoWroteAnswer {
    pub summary: String,
    pub file: String,
    pub ranges: Vec<LinesOwner>,
    pub notes: Vec<String>,
}

fn counts(rows: &[RegionRow]) -> Counts {
    Counts {
        regions: rows.len(),
        senior: rows.iter().filter(|r| r.tier == "senior").count(),
        peer: rows.iter().filter(|r| r.tier == "peer").count(),
        needs_review: rows
            .iter()
            .filter(|r| r.review == "required" || r.review == "requested")
            .count(),
        requested: rows.iter().filter(|r| r.review == "requested").count(),
        approved: rows.iter().filter(|r| r.review == "approved").count(),
    }
}

impl Engine {
    fn scan(
        &self,
        paths: Vec<std::path::PathBuf>,
        base: Option<&str>,
    ) -> Result<(ScanReport, IndexInfo), String> {
        let index = self.wait_for_index(INDEX_WAIT);
        let opts = ScanOptions {
            plan: None,
            paths,
            all: false,
            base: base.map(str::to_string),
            verify_approvals: false,
        };
        let report = crate::scan::scan_with(&self.ws, &opts, index.complete.then_some(&self.index))
            .map_err(|e| e.to_string())?;
        Ok((report, index))
    }

    fn rows(&self, report: &ScanReport) -> Vec<RegionRow> {
        let mut rows: Vec<RegionRow> = report
            .regions
            .iter()
            .map(|r| {
                let a = &r.assessment;
                RegionRow {
                    file: r.file.clone(),
                    lines: r.lines,
                    id: a.region.id.clone(),
                    tool: a.region.provenance.tool.clone(),
                    model: a.region.provenance.model.clone(),
                    source: a.region.source.as_str(),
                    confidence: a.region.source.confidence().as_str(),
                    tier: a.risk.tier.as_str(),
                    review: a.review.state.as_str(),
                    reviewed_by: a.review.by.clone(),
                    reviewers: a.review.reviewers.clone(),
                    reasons: a.risk.reasons.clone(),
                    risky: a
                        .findings
                        .iter()
                        .map(|f| format!("{} ({})", f.rule, f.severity.as_str()))
                        .collect(),
                }
            })
            .collect();
        // What needs a person first: senior before peer, unreviewed before approved.
        rows.sort_by_key(|r| {
            (
                r.review == "approved" || r.review == "none",
                r.tier != "senior",
                r.tier != "peer",
                r.file.clone(),
                r.lines[0],
            )
        });
        rows
    }

    /// AI regions of `file` (or of the workspace) with their tier and review state.
    pub fn review_status(&self, file: Option<&str>, limit: usize) -> Result<StatusAnswer, String> {
        let paths = match file {
            Some(f) => vec![self.locate(f, false)?.abs],
            None => Vec::new(),
        };
        let (report, index) = self.scan(paths, None)?;
        let rows = self.rows(&report);
        let c = counts(&rows);
        let mut notes: Vec<String> = report
            .warnings
            .iter()
            .map(|w| format!("ledger: {w}"))
            .collect();
        let summary = format!(
            "{} AI region{} in {}: {} need{} a review ({} senior, {} peer; {} requested), {} approved.",
            c.regions,
            if c.regions == 1 { "" } else { "s" },
            file.unwrap_or("the workspace"),
            c.needs_review,
            if c.needs_review == 1 { "s" } else { "" },
            c.senior,
            c.peer,
            c.requested,
            c.approved
        );
        Ok(StatusAnswer {
            summary,
            counts: c,
            regions: capped(rows, limit, "regions", &mut notes),
            index,
            notes,
        })
    }

    /// `scan --base BASE` in brief (default base: `HEAD`, the uncommitted work).
    pub fn scan_changes(&self, base: Option<&str>, limit: usize) -> Result<ScanAnswer, String> {
        let base = base.filter(|b| !b.trim().is_empty()).unwrap_or("HEAD");
        if base.starts_with('-') {
            return Err(format!("`{base}` is not a git revision"));
        }
        let (report, index) = self.scan(Vec::new(), Some(base))?;
        let rows = self.rows(&report);
        let c = counts(&rows);
        let findings: Vec<FindingRow> = report
            .findings
            .iter()
            .map(|f| FindingRow {
                rule: f.finding.rule.to_string(),
                severity: f.finding.severity.as_str(),
                file: f.file.clone(),
                line: f.range[0].line as usize + 1,
                ai: f.region_id.is_some(),
                message: f.finding.message.to_string(),
            })
            .collect();
        let mut notes: Vec<String> = report
            .warnings
            .iter()
            .map(|w| format!("ledger: {w}"))
            .collect();
        let (rollout, rollout_reasons) = match &report.rollout {
            Some(r) => (Some(r.strategy.as_str().to_string()), r.reasons.clone()),
            None => (None, Vec::new()),
        };
        let summary = format!(
            "since {base}: {} AI region{} changed, {} need{} a review ({} senior, {} peer); {} risky operation{}{}.",
            c.regions,
            if c.regions == 1 { "" } else { "s" },
            c.needs_review,
            if c.needs_review == 1 { "s" } else { "" },
            c.senior,
            c.peer,
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            rollout.as_deref().map(|r| format!("; rollout: {r}")).unwrap_or_default()
        );
        Ok(ScanAnswer {
            summary,
            base: base.to_string(),
            counts: c,
            regions: capped(rows, limit, "regions", &mut notes),
            findings: capped(findings, limit, "findings", &mut notes),
            rollout,
            rollout_reasons,
            index,
            notes,
        })
    }

    /// Records a request for a person's review of the AI region at `file:line`, made by
    /// `agent` on behalf of the workspace's git identity. Never an approval.
    pub fn request_review(
        &self,
        file: &str,
        line: usize,
        note: Option<&str>,
        agent: &str,
    ) -> Result<RequestAnswer, String> {
        let at = self.locate(file, false)?;
        if line == 0 {
            return Err("lines start at 1".into());
        }
        let opened = super::open_file(&self.ws, &at.abs)?;
        let lines_in = opened.file.doc.text().lines().count();
        if line > lines_in.max(1) {
            return Err(format!(
                "{} has {lines_in} lines; there is no line {line}",
                at.rel
            ));
        }
        let (a, lines) =
            review::find(&opened.file, &self.ws, RegionAt::Line(line)).ok_or_else(|| {
                format!(
                    "no AI region at {}:{line}: review_status lists the AI regions and their lines",
                    at.rel
                )
            })?;
        let who = crate::identity::Identity::of_workspace(&self.ws.root);
        let by = review::By {
            agent: Some(agent.to_string()),
            note: note.map(str::to_string).filter(|n| !n.trim().is_empty()),
        };
        let reviewers = self.ws.reviewers_for(&at.rel, a.risk.tier);
        let answer = |requested: bool, review: ReviewState, summary: String| RequestAnswer {
            summary,
            requested,
            region: a.region.id.clone(),
            file: at.rel.clone(),
            lines,
            tier: a.risk.tier.as_str(),
            review: review.as_str(),
            reviewers: reviewers.clone(),
        };
        match review::request_from(&self.ws, &at.rel, &a, lines, &who, by) {
            Ok(_) => Ok(answer(true, ReviewState::Requested, format!(
                "requested a {} review of {} ({}:{}-{}) from {}; a person approves it with `aigis review approve {}:{}`",
                a.risk.tier.as_str(), a.region.id, at.rel, lines[0], lines[1],
                if reviewers.is_empty() { "the code owners (none listed: add [review] to aigis.toml)".into() } else { reviewers.join(", ") },
                at.rel, lines[0]
            ))),
            Err(review::ReviewError::AlreadyRequested(by)) => Ok(answer(false, ReviewState::Requested, format!("a review of {} was already requested by {by}; nothing recorded", a.region.id))),
            Err(review::ReviewError::AlreadyApproved(by)) => Ok(answer(false, ReviewState::Approved, format!("{} is already approved by {by}", a.region.id))),
            Err(review::ReviewError::NothingToReview) if a.risk.tier == Tier::None => Ok(answer(false, ReviewState::None, format!("{} needs no review: no risky operation and few dependents", a.region.id))),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Who wrote `file` (lines `line..=end_line`, or the whole file), in runs of lines by the
    /// same hand.
    pub fn who_wrote(
        &self,
        file: &str,
        line: Option<usize>,
        end_line: Option<usize>,
        limit: usize,
    ) -> Result<WhoWroteAnswer, String> {
        let at = self.locate(file, false)?;
        let opened = super::open_file(&self.ws, &at.abs)?;
        let range = match (line, end_line) {
            (None, None) => None,
            (Some(l), None) => Some((l, l)),
            (None, Some(e)) => Some((1, e)),
            (Some(l), Some(e)) => Some((l, e)),
        };
        let rows = super::blame_rows(&self.ws, &opened, range)?;
        let mut ranges: Vec<LinesOwner> = Vec::new();
        for r in rows {
            let same = ranges.last().is_some_and(|o| {
                o.lines[1] + 1 == r.line
                    && o.ai == r.ai
                    && o.tool == r.tool
                    && o.model == r.model
                    && o.session == r.session
                    && o.source == r.source
                    && o.commit == r.commit
                    && o.review == r.review
            });
            if same {
                if let Some(o) = ranges.last_mut() {
                    o.lines[1] = r.line;
                }
                continue;
            }
            ranges.push(LinesOwner {
                lines: [r.line, r.line],
                ai: r.ai,
                tool: r.tool,
                model: r.model,
                session: r.session,
                source: r.source,
                confidence: r.confidence,
                commit: r.commit,
                author: r.author,
                review: r.review,
            });
        }
        let ai_lines: usize = ranges
            .iter()
            .filter(|o| o.ai)
            .map(|o| o.lines[1] + 1 - o.lines[0])
            .sum();
        let all_lines: usize = ranges.iter().map(|o| o.lines[1] + 1 - o.lines[0]).sum();
        let tools: std::collections::BTreeSet<String> =
            ranges.iter().filter_map(|o| o.tool.clone()).collect();
        let mut notes: Vec<String> = opened
            .warnings
            .iter()
            .map(|w| format!("ledger: {w}"))
            .collect();
        let summary = format!(
            "{}: {ai_lines} of {all_lines} line{} written by AI{}",
            at.rel,
            if all_lines == 1 { "" } else { "s" },
            if tools.is_empty() {
                String::new()
            } else {
                format!(" ({})", tools.into_iter().collect::<Vec<_>>().join(", "))
            }
        );
        Ok(WhoWroteAnswer {
            summary,
            file: at.rel,
            ranges: capped(ranges, limit, "line ranges", &mut notes),
            notes,
        })
    }
}
