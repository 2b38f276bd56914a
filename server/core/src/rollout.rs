//! What a deploy pipeline should do with a change (`scan --base REV`): `hold` while an AI region
//! lacks the review it needs; `canary` when the change carries approved AI regions of a tier at
//! or above `[rollout] canary_from`, or AI findings whose region reaches an entry point; else
//! `standard`. AI-generated code never goes straight to production.

use serde::Serialize;

use crate::policy::{ReviewState, Tier};
use crate::scan::ScanReport;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    Standard,
    Canary,
    Hold,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Standard => "standard",
            Strategy::Canary => "canary",
            Strategy::Hold => "hold",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RolloutRegion {
    pub file: String,
    pub lines: [usize; 2],
    pub id: String,
    pub tier: Tier,
    pub review: ReviewState,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rollout {
    pub strategy: Strategy,
    pub reasons: Vec<String>,
    pub max_tier: Tier,
    pub regions: Vec<RolloutRegion>,
    #[serde(rename = "needsReview")]
    pub needs_review: usize,
}

fn tier_named(s: &str) -> Tier {
    match s {
        "peer" => Tier::Peer,
        "none" => Tier::None,
        _ => Tier::Senior,
    }
}

/// The rollout a change calls for.
pub fn rollout(report: &ScanReport, canary_from: &str) -> Rollout {
    let canary_from = tier_named(canary_from);
    let mut reasons = Vec::new();
    let mut hold = false;
    let mut canary = false;
    for r in &report.regions {
        let a = &r.assessment;
        let at = format!("{}:{}-{}", r.file, r.lines[0], r.lines[1]);
        if a.review.state.needs_review() {
            hold = true;
            reasons.push(format!(
                "{at}: AI region needs a {} review it does not have ({})",
                a.risk.tier.as_str(),
                a.review.state.as_str()
            ));
        } else if a.review.state == ReviewState::Approved
            && a.risk.tier >= canary_from
            && a.risk.tier != Tier::None
        {
            canary = true;
            reasons.push(format!(
                "{at}: approved {}-tier AI region",
                a.risk.tier.as_str()
            ));
        }
        let entry = a.blast.as_ref().filter(|b| !b.entry_points.is_empty());
        if let (false, Some(b)) = (a.findings.is_empty(), entry) {
            canary = true;
            reasons.push(format!(
                "{at}: AI code with {} risky operation(s) reaches {}",
                a.findings.len(),
                b.entry_points.join(", ")
            ));
        }
    }
    let strategy = if hold {
        Strategy::Hold
    } else if canary {
        Strategy::Canary
    } else {
        reasons.push(if report.regions.is_empty() {
            "no AI regions in this change".into()
        } else {
            "AI regions with no risky operation or review requirement".into()
        });
        Strategy::Standard
    };
    Rollout {
        strategy,
        reasons,
        max_tier: report
            .regions
            .iter()
            .map(|r| r.assessment.risk.tier)
            .max()
            .unwrap_or(Tier::None),
        needs_review: report
            .regions
            .iter()
            .filter(|r| r.assessment.review.state.needs_review())
            .count(),
        regions: report
            .regions
            .iter()
            .map(|r| RolloutRegion {
                file: r.file.clone(),
                lines: r.lines,
                id: r.assessment.region.id.clone(),
                tier: r.assessment.risk.tier,
                review: r.assessment.review.state,
            })
            .collect(),
    }
}

/// Lines for `$GITHUB_OUTPUT` (`name=value`).
pub fn github_output(r: &Rollout) -> String {
    format!(
        "rollout={}\nmax_tier={}\nai_regions={}\nneeds_review={}\n",
        r.strategy.as_str(),
        r.max_tier.as_str(),
        r.regions.len(),
        r.needs_review
    )
}

/// A Markdown summary for `$GITHUB_STEP_SUMMARY`.
pub fn step_summary(r: &Rollout) -> String {
    let mut md = format!(
        "### aigis: rollout `{}`\n\n{} AI region(s), highest tier `{}`, {} needing review.\n\n",
        r.strategy.as_str(),
        r.regions.len(),
        r.max_tier.as_str(),
        r.needs_review
    );
    for reason in &r.reasons {
        md += &format!("- {}\n", reason.replace('|', "\\|"));
    }
    if !r.regions.is_empty() {
        md += "\n| region | lines | tier | review |\n|---|---|---|---|\n";
        for g in &r.regions {
            md += &format!(
                "| `{}` {} | {}-{} | {} | {} |\n",
                g.id,
                g.file.replace('|', "\\|"),
                g.lines[0],
                g.lines[1],
                g.tier.as_str(),
                g.review.as_str()
            );
        }
    }
    md
}
