//! The figures of the team report beyond one scan: the AI share of each week's commits, AI
//! regions created and approved per week, how long reviews take from request to approval, and
//! the AI share by directory and by CODEOWNERS owner. `aigis report` draws them.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::codeowners::CodeOwners;
use crate::history::{first_week, weekly_share, Week, WEEK};
use crate::ledger::ReviewEvent;
use crate::policy::Tier;
use crate::scan::ScanReport;
use crate::workspace::Workspace;

/// Regions created in one week, by tier, and the approvals given that week.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegionWeek {
    pub start: i64,
    /// none, peer, senior
    pub created: [usize; 3],
    pub approved: usize,
}

/// One review from its first request to its first approval after it (`hours` is `None` while it
/// waits; then `waiting` is how long so far).
#[derive(Debug, Clone, Serialize)]
pub struct ReviewTime {
    pub file: String,
    pub region: String,
    pub tier: String,
    pub hours: Option<f64>,
    pub waiting: f64,
}

/// AI lines against all lines in scope, for a directory or an owner.
#[derive(Debug, Clone, Serialize)]
pub struct Share {
    pub name: String,
    pub ai: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamFigures {
    pub weeks: Vec<Week>,
    pub region_weeks: Vec<RegionWeek>,
    pub reviews: Vec<ReviewTime>,
    pub by_directory: Vec<Share>,
    pub by_owner: Vec<Share>,
}

fn seconds(rfc3339: &str) -> Option<i64> {
    let t = humantime::parse_rfc3339_weak(rfc3339.trim()).ok()?;
    Some(t.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64)
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The figures for `report` (a scan of `ws`), over the last `weeks` weeks up to `now`.
pub fn figures(
    ws: &Workspace,
    report: &ScanReport,
    lines_by_file: &BTreeMap<String, usize>,
    weeks: usize,
    now: i64,
) -> TeamFigures {
    // Every file's review log, read once for both charts that use it.
    let reviews: Vec<(String, Vec<ReviewEvent>)> = ws
        .ledger
        .reviewed_files()
        .into_iter()
        .filter_map(|f| {
            let (events, _) = ws.ledger.reviews(&f).ok()?;
            Some((f, events))
        })
        .collect();
    TeamFigures {
        weeks: weekly_share(&ws.root, weeks, now),
        region_weeks: region_weeks(&reviews, report, weeks, now),
        reviews: review_times(&reviews, now),
        by_directory: by_directory(report, lines_by_file),
        by_owner: by_owner(ws, report, lines_by_file),
    }
}

fn region_weeks(
    reviews: &[(String, Vec<ReviewEvent>)],
    report: &ScanReport,
    weeks: usize,
    now: i64,
) -> Vec<RegionWeek> {
    let first = first_week(now, weeks);
    let mut out: Vec<RegionWeek> = (0..weeks)
        .map(|i| RegionWeek {
            start: first + i as i64 * WEEK,
            ..RegionWeek::default()
        })
        .collect();
    let index = |t: i64| -> Option<usize> {
        (t >= first)
            .then(|| ((t - first) / WEEK) as usize)
            .filter(|i| *i < weeks)
    };
    for r in &report.regions {
        let Some(i) = seconds(&r.assessment.region.created_at).and_then(index) else {
            continue;
        };
        out[i].created[match r.assessment.risk.tier {
            Tier::None => 0,
            Tier::Peer => 1,
            Tier::Senior => 2,
        }] += 1;
    }
    for (_, events) in reviews {
        for e in events {
            if let ReviewEvent::Approval { at, .. } = e {
                if let Some(i) = seconds(at).and_then(index) {
                    out[i].approved += 1;
                }
            }
        }
    }
    out
}

fn review_times(reviews: &[(String, Vec<ReviewEvent>)], now: i64) -> Vec<ReviewTime> {
    let mut out = Vec::new();
    for (file, events) in reviews {
        // region → (tier, first request, first approval after it)
        let mut by_region: BTreeMap<String, (String, Option<i64>, Option<i64>)> = BTreeMap::new();
        for e in events {
            match e {
                ReviewEvent::ReviewRequest {
                    region, tier, at, ..
                } => {
                    let entry = by_region.entry(region.clone()).or_default();
                    entry.0 = tier.clone();
                    if entry.1.is_none() {
                        entry.1 = seconds(at);
                    }
                }
                ReviewEvent::Approval { region, at, .. } => {
                    let entry = by_region.entry(region.clone()).or_default();
                    if let (Some(asked), None, Some(t)) = (entry.1, entry.2, seconds(at)) {
                        if t >= asked {
                            entry.2 = Some(t);
                        }
                    }
                }
            }
        }
        for (region, (tier, asked, approved)) in by_region {
            let Some(asked) = asked else { continue };
            out.push(ReviewTime {
                file: file.clone(),
                region,
                tier,
                hours: approved.map(|t| (t - asked) as f64 / 3600.0),
                waiting: (approved.unwrap_or(now) - asked).max(0) as f64 / 3600.0,
            });
        }
    }
    out
}

fn ai_lines_by_file(report: &ScanReport) -> BTreeMap<&str, usize> {
    let mut out = BTreeMap::new();
    for r in &report.regions {
        *out.entry(r.file.as_str()).or_insert(0) += r.lines[1] + 1 - r.lines[0];
    }
    out
}

/// The top-level directory of a path (`.` for files at the root).
fn top_dir(file: &str) -> &str {
    file.split_once('/').map_or(".", |(d, _)| d)
}

fn by_directory(report: &ScanReport, lines: &BTreeMap<String, usize>) -> Vec<Share> {
    let ai = ai_lines_by_file(report);
    let mut dirs: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (file, n) in lines {
        dirs.entry(top_dir(file)).or_default().1 += n;
    }
    for (file, n) in &ai {
        let d = dirs.entry(top_dir(file)).or_default();
        d.0 += n;
        d.1 = d.1.max(d.0);
    }
    sorted(dirs.into_iter().map(|(name, (ai, total))| Share {
        name: name.to_string(),
        ai,
        total,
    }))
}

fn by_owner(ws: &Workspace, report: &ScanReport, lines: &BTreeMap<String, usize>) -> Vec<Share> {
    let Some(owners) = CodeOwners::load(&ws.root) else {
        return Vec::new();
    };
    let ai = ai_lines_by_file(report);
    let mut teams: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut add = |file: &str, ai_n: usize, total: usize| {
        let mut names = owners.owners_of(file);
        if names.is_empty() {
            names.push("(no owner)".into());
        }
        for o in names {
            let t = teams.entry(o).or_default();
            t.0 += ai_n;
            t.1 += total;
        }
    };
    for (file, n) in lines {
        add(file, ai.get(file.as_str()).copied().unwrap_or(0), *n);
    }
    for (file, n) in &ai {
        if !lines.contains_key(*file) {
            add(file, *n, *n);
        }
    }
    sorted(teams.into_iter().map(|(name, (ai, total))| Share {
        name,
        ai,
        total: total.max(ai),
    }))
}

/// Most AI lines first; at most 12, the rest summed as "other".
fn sorted(shares: impl Iterator<Item = Share>) -> Vec<Share> {
    let mut v: Vec<Share> = shares.filter(|s| s.total > 0).collect();
    v.sort_by(|a, b| {
        b.ai.cmp(&a.ai)
            .then(b.total.cmp(&a.total))
            .then(a.name.cmp(&b.name))
    });
    if v.len() > 12 {
        let rest = v.split_off(11);
        v.push(Share {
            name: format!("{} others", rest.len()),
            ai: rest.iter().map(|s| s.ai).sum(),
            total: rest.iter().map(|s| s.total).sum(),
        });
    }
    v
}
