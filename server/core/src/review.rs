//! The review workflow: a request for review and an approval, as ledger records. The editor's
//! code actions and `aigis review` both call these.

use crate::document::LineCol;
use crate::identity::Identity;
use crate::ledger::{now_rfc3339, LedgerError, ReviewEvent};
use crate::policy::{approval_refusal, ReviewState, Tier};
use crate::tracked_file::TrackedFile;
use crate::workspace::{Assessment, Workspace};

/// What to do about a region's review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Request,
    Approve,
}

/// Which region: by id (the editor's code action), or a one-based line inside it (the CLI).
#[derive(Debug, Clone, Copy)]
pub enum RegionAt<'a> {
    Id(&'a str),
    Line(usize),
}

/// The assessed region of `file` at `at`, with its one-based first and last lines.
pub fn find(file: &TrackedFile, ws: &Workspace, at: RegionAt) -> Option<(Assessment, [usize; 2])> {
    let a = match at {
        RegionAt::Id(id) => file
            .assessments(Some(ws))
            .into_iter()
            .find(|a| a.region.id == id)?,
        RegionAt::Line(line) => {
            let offset = file.doc.offset_of(LineCol {
                line: line.saturating_sub(1) as u32,
                character: 0,
            });
            let line_end = file.doc.text()[offset..]
                .find('\n')
                .map_or(file.doc.len_bytes(), |i| offset + i);
            file.assessments(Some(ws))
                .into_iter()
                .find(|a| a.region.overlaps(offset, line_end.max(offset + 1)))?
        }
    };
    let lines = [
        file.doc.line_of(a.region.start) + 1,
        file.doc.line_of(a.region.end.saturating_sub(1)) + 1,
    ];
    Some((a, lines))
}

/// Requests a review of, or approves, an assessed region as the workspace's identity. The
/// reviewed text must be what is on disk: an editor records its regions first.
pub fn act(
    ws: &Workspace,
    rel: &str,
    a: &Assessment,
    lines: [usize; 2],
    action: Action,
) -> Result<(ReviewEvent, Identity), ReviewError> {
    let who = Identity::of_workspace(&ws.root);
    let event = match action {
        Action::Request => request(ws, rel, a, lines, &who)?,
        Action::Approve => approve(ws, rel, a, lines, &who)?,
    };
    Ok((event, who))
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("approval refused: {0}")]
    Refused(String),
    #[error("this region needs no review: it has no risky operation and few dependents")]
    NothingToReview,
    #[error("a review of this region was already requested by {0}")]
    AlreadyRequested(String),
    #[error("this region is already approved by {0}")]
    AlreadyApproved(String),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Records a request for review of an assessed region.
pub fn request(
    ws: &Workspace,
    rel: &str,
    a: &Assessment,
    lines: [usize; 2],
    requester: &Identity,
) -> Result<ReviewEvent, ReviewError> {
    request_from(ws, rel, a, lines, requester, By::default())
}

/// Who else stands behind a request: an agent asking through `aigis mcp`, with its note.
#[derive(Debug, Clone, Default)]
pub struct By {
    pub agent: Option<String>,
    pub note: Option<String>,
}

/// Records a request for review, made by `requester` (the workspace's identity) or by an agent
/// on their behalf.
pub fn request_from(
    ws: &Workspace,
    rel: &str,
    a: &Assessment,
    lines: [usize; 2],
    requester: &Identity,
    by: By,
) -> Result<ReviewEvent, ReviewError> {
    match a.review.state {
        ReviewState::None => return Err(ReviewError::NothingToReview),
        ReviewState::Requested => {
            return Err(ReviewError::AlreadyRequested(
                a.review.by.clone().unwrap_or_default(),
            ))
        }
        ReviewState::Approved => {
            return Err(ReviewError::AlreadyApproved(
                a.review.by.clone().unwrap_or_default(),
            ))
        }
        ReviewState::Required => {}
    }
    let event = ReviewEvent::ReviewRequest {
        v: 1,
        file: rel.to_string(),
        region: a.region.id.clone(),
        hash: a.hash.clone(),
        tier: a.risk.tier.as_str().to_string(),
        requester: requester.clone(),
        at: now_rfc3339(),
        reasons: a
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.rule, f.message))
            .chain(
                a.risk
                    .reasons
                    .iter()
                    .filter(|r| r.contains("dependents"))
                    .cloned(),
            )
            .collect(),
        reviewers: ws.reviewers_for(rel, a.risk.tier),
        lines,
        note: by.note,
        agent: by.agent,
    };
    ws.ledger.append_review(&event)?;
    Ok(event)
}

/// Records an approval of the region's current text (one-based `lines`), if policy lets
/// `approver` give it. The region's authors are those history names for its lines, plus the one
/// the ledger recorded; a region whose lines are not committed and whose author was not recorded
/// cannot be approved yet (nothing says the approver did not write it).
pub fn approve(
    ws: &Workspace,
    rel: &str,
    a: &Assessment,
    lines: [usize; 2],
    approver: &Identity,
) -> Result<ReviewEvent, ReviewError> {
    if a.risk.tier == Tier::None {
        return Err(ReviewError::NothingToReview);
    }
    if a.review.state == ReviewState::Approved {
        return Err(ReviewError::AlreadyApproved(
            a.review.by.clone().unwrap_or_default(),
        ));
    }
    if a.review
        .approvals
        .iter()
        .any(|g| *g == approver.to_string())
    {
        return Err(ReviewError::Refused(format!(
            "{approver} already approved this region; it needs {} more approval(s) from other reviewers",
            a.review.needed.saturating_sub(a.review.approvals.len())
        )));
    }
    if let Some(team) = ws
        .config
        .team
        .as_ref()
        .filter(|_| a.risk.tier == Tier::Senior)
    {
        let level = team.level_of(approver);
        if level != crate::config::Level::Senior {
            return Err(ReviewError::Refused(format!(
                "{approver} is a {} engineer: this region needs a senior's approval",
                level.as_str()
            )));
        }
    }
    let reviewers = ws.reviewers_for(rel, a.risk.tier);
    let history = crate::approvals::region_authors(&ws.root, rel, lines);
    let authors: Vec<Identity> = a.author.iter().cloned().chain(history.committed).collect();
    if let Some(why) = approval_refusal(approver, &authors, a.risk.tier, &reviewers) {
        return Err(ReviewError::Refused(why));
    }
    if history.uncommitted && a.author.is_none() {
        return Err(ReviewError::Refused(format!(
            "who wrote region {} is not recorded and some of its lines are not committed: commit them, then approve (history then names the author)",
            a.region.id
        )));
    }
    let event = ReviewEvent::Approval {
        v: 1,
        file: rel.to_string(),
        region: a.region.id.clone(),
        hash: a.hash.clone(),
        tier: a.risk.tier.as_str().to_string(),
        by: approver.clone(),
        at: now_rfc3339(),
    };
    ws.ledger.append_review(&event)?;
    Ok(event)
}
