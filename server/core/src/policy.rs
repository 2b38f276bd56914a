//! Review policy: how risky a region is (its tier), who may approve it, and where its review
//! stands. Defaults follow SPEC.md; `aigis.toml` changes them.

use serde::Serialize;

use crate::analysis::Finding;
use crate::catalog::Severity;
use crate::identity::Identity;
use crate::ledger::ReviewEvent;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    None,
    Peer,
    Senior,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::None => "none",
            Tier::Peer => "peer",
            Tier::Senior => "senior",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewState {
    None,
    Required,
    Requested,
    Approved,
}

impl ReviewState {
    /// Required or requested: the region does not have the review it needs yet.
    pub fn needs_review(self) -> bool {
        matches!(self, ReviewState::Required | ReviewState::Requested)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::None => "none",
            ReviewState::Required => "required",
            ReviewState::Requested => "requested",
            ReviewState::Approved => "approved",
        }
    }
}

/// Where a region's review stands, with who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewStatus {
    pub state: ReviewState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// An approval exists but for other text: the region changed after it was approved.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// Who the policy lists as reviewers for this tier.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reviewers: Vec<String>,
    /// The approvals that count (distinct people, never the author), and how many are needed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<String>,
    pub needed: usize,
}

impl ReviewStatus {
    /// " by Alice <alice@example.com>", or nothing: for one-line summaries.
    pub fn by_suffix(&self) -> String {
        if self.needed > 1 {
            let given = if self.approvals.is_empty() {
                String::new()
            } else {
                format!(": {}", self.approvals.join(", "))
            };
            return format!(
                " ({} of {} approvals{given})",
                self.approvals.len(),
                self.needed
            );
        }
        self.by
            .as_deref()
            .map(|b| format!(" by {b}"))
            .unwrap_or_default()
    }
}

/// A region's risk: its tier, a score for ordering, and the reasons in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub tier: Tier,
    pub score: u32,
    pub reasons: Vec<String>,
}

pub struct TierInputs<'a> {
    pub findings: &'a [Finding],
    pub critical_path: bool,
    pub transitive_dependents: usize,
    /// Risky operations the region reaches through the functions it calls.
    pub indirect: &'a [crate::blast::RiskyCallee],
    pub senior_dependents: usize,
    pub peer_dependents: usize,
    /// The region's author and their level, when `[team]` says.
    pub author_level: Option<(crate::config::Level, String)>,
    /// Levels whose AI regions need a senior's sign-off whatever the risk.
    pub senior_signoff: &'a [crate::config::Level],
}

pub fn risk(inputs: &TierInputs) -> Risk {
    let mut tier = Tier::None;
    let mut score = 0;
    // Each finding's reason is its rule and why: counted before any text is made (a region of
    // 500 risky calls is assessed on every keystroke).
    let mut counts: Vec<((&str, &str), usize)> = Vec::new();
    let mut at: std::collections::HashMap<(&str, &str), usize> = std::collections::HashMap::new();
    for f in inputs.findings {
        score += match f.severity {
            Severity::Critical => 50,
            Severity::High => 20,
            Severity::Medium => 5,
        };
        let t = match f.severity {
            Severity::Critical => Tier::Senior,
            Severity::High if inputs.critical_path => Tier::Senior,
            _ => Tier::Peer,
        };
        let why = match (t, f.severity) {
            (Tier::Senior, Severity::Critical) => "critical",
            (Tier::Senior, _) => "high, on a critical path",
            (_, s) => s.as_str(),
        };
        let key = (&*f.rule, why);
        match at.get(&key) {
            Some(&i) => counts[i].1 += 1,
            None => {
                at.insert(key, counts.len());
                counts.push((key, 1));
            }
        }
        tier = tier.max(t);
    }
    let mut reasons: Vec<(String, usize)> = counts
        .into_iter()
        .map(|((rule, why), n)| (format!("{rule} ({why})"), n))
        .collect();
    for c in inputs.indirect {
        // Reaching a critical operation through a helper is as serious as calling it.
        let t = if c.severity == Severity::Critical {
            Tier::Senior
        } else {
            Tier::Peer
        };
        score += match c.severity {
            Severity::Critical => 30,
            Severity::High => 10,
            Severity::Medium => 2,
        };
        reasons.push((
            format!(
                "reaches {} ({}) via {} (indirect)",
                c.rule,
                c.severity.as_str(),
                c.via.join(" → ")
            ),
            1,
        ));
        tier = tier.max(t);
    }
    if let Some((level, who)) = &inputs.author_level {
        if inputs.senior_signoff.contains(level) {
            tier = Tier::Senior;
            reasons.push((
                format!("authored by a {} engineer ({who})", level.as_str()),
                1,
            ));
        }
    }
    let deps = inputs.transitive_dependents;
    score += deps.min(100) as u32;
    if deps >= inputs.senior_dependents {
        tier = Tier::Senior;
        reasons.push((format!("{deps} transitive dependents"), 1));
    } else if deps >= inputs.peer_dependents {
        tier = tier.max(Tier::Peer);
        reasons.push((format!("{deps} dependents"), 1));
    }
    Risk {
        tier,
        score,
        reasons: counted(reasons),
    }
}

/// The same reason said once, with how many times it holds (`aws.ec2.stop-instances (medium)
/// ×167`, not the rule 167 times), in the order first met; each reason comes with its count.
fn counted(reasons: Vec<(String, usize)>) -> Vec<String> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (r, n) in reasons {
        match at.get(&r) {
            Some(&i) => seen[i].1 += n,
            None => {
                at.insert(r.clone(), seen.len());
                seen.push((r, n));
            }
        }
    }
    seen.into_iter()
        .map(|(r, n)| if n > 1 { format!("{r} ×{n}") } else { r })
        .collect()
}

/// What a region's review must gather.
pub struct Needs<'a> {
    pub tier: Tier,
    pub reviewers: &'a [String],
    /// Distinct approvals needed (two-person rule for critical operations).
    pub count: usize,
    /// Who wrote it: their approval never counts.
    pub author: Option<&'a Identity>,
    /// With `[team]`, a senior-tier approval counts only from a senior.
    pub team: Option<&'a crate::config::TeamConfig>,
}

/// The review state of a region from the ledger's events: approved once enough distinct people
/// the policy lists for its tier (never its author; with `[team]`, seniors for the senior tier)
/// approved its current text.
pub fn review_status(
    events: &[ReviewEvent],
    region_id: &str,
    current_hash: &str,
    needs: &Needs,
) -> ReviewStatus {
    let (tier, reviewers) = (needs.tier, needs.reviewers);
    let mut status = ReviewStatus {
        state: if tier == Tier::None {
            ReviewState::None
        } else {
            ReviewState::Required
        },
        by: None,
        at: None,
        stale: false,
        reviewers: reviewers.to_vec(),
        approvals: Vec::new(),
        needed: if tier == Tier::None {
            0
        } else {
            needs.count.max(1)
        },
    };
    let mut counted: Vec<&Identity> = Vec::new();
    for e in events.iter().filter(|e| e.region() == region_id) {
        match e {
            ReviewEvent::ReviewRequest { requester, at, .. } => {
                if status.state != ReviewState::Approved {
                    status.state = ReviewState::Requested;
                    status.by = Some(requester.to_string());
                    status.at = Some(at.clone());
                }
            }
            ReviewEvent::Approval { hash, by, at, .. } => {
                let senior_enough = tier != Tier::Senior
                    || needs
                        .team
                        .is_none_or(|t| t.level_of(by) == crate::config::Level::Senior);
                if hash != current_hash {
                    status.stale = true;
                } else if reviewers.iter().any(|r| by.matches(r))
                    && senior_enough
                    && !needs.author.is_some_and(|a| a.same_person(by))
                    && !counted.iter().any(|c| c.same_person(by))
                {
                    counted.push(by);
                    status.approvals.push(by.to_string());
                    status.stale = false;
                    status.by = Some(by.to_string());
                    status.at = Some(at.clone());
                    if status.approvals.len() >= status.needed {
                        status.state = ReviewState::Approved;
                    }
                }
            }
        }
    }
    status
}

/// Why an approval is refused.
pub fn approval_refusal(
    approver: &Identity,
    authors: &[Identity],
    tier: Tier,
    reviewers: &[String],
) -> Option<String> {
    if !approver.is_known() {
        return Some("no git identity: set user.name and user.email".into());
    }
    if authors.iter().any(|a| a.same_person(approver)) {
        return Some(format!(
            "{approver} wrote this region with the AI and cannot approve it: ask {}",
            describe(reviewers)
        ));
    }
    if !reviewers.iter().any(|r| approver.matches(r)) {
        return Some(format!(
            "{approver} is not a {} reviewer for this file: ask {}",
            tier.as_str(),
            describe(reviewers)
        ));
    }
    None
}

fn describe(reviewers: &[String]) -> String {
    if reviewers.is_empty() {
        "an owner (no reviewers are listed: add [review] senior = [...] to aigis.toml or a CODEOWNERS file)".into()
    } else {
        reviewers.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::counted;

    #[test]
    fn a_reason_said_many_times_is_said_once_with_its_count() {
        let r = |s: &str| s.to_string();
        assert_eq!(
            counted(vec![
                (r("a (medium)"), 1),
                (r("b (critical)"), 1),
                (r("a (medium)"), 2),
                (r("c (high)"), 1)
            ]),
            [r("a (medium) ×3"), r("b (critical)"), r("c (high)")]
        );
        assert!(counted(Vec::new()).is_empty());
    }
}
