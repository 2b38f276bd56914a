//! `aigis report`: the page a team lead or an incident review opens. For a range of commits (or
//! the whole workspace): how much of the code an AI wrote, by tool and model; regions by tier;
//! open and approved reviews; the riskiest regions with their blast radius. Self-contained HTML
//! (no scripts, no external files) or Markdown.

use std::collections::BTreeMap;
use std::fmt::Write;

use aigis_core::policy::{ReviewState, Tier};
use aigis_core::scan::{FileRegion, ScanReport};
use aigis_core::team::TeamFigures;

mod html;
pub use html::html;

pub struct Summary<'a> {
    pub title: String,
    pub root: std::path::PathBuf,
    pub total_lines: usize,
    pub ai_lines: usize,
    /// (tool, model) → lines
    pub by_tool: BTreeMap<(String, String), usize>,
    pub tiers: [usize; 3],
    pub open: Vec<&'a FileRegion>,
    pub approved: Vec<&'a FileRegion>,
    pub riskiest: Vec<&'a FileRegion>,
    /// The commit that wrote each riskiest region's first line: (sha, author), by region id.
    pub commits: BTreeMap<String, (String, String)>,
    /// Weekly history, review times, share by directory and owner.
    pub figures: TeamFigures,
}

pub fn summarize<'a>(
    report: &'a ScanReport,
    title: String,
    total_lines: usize,
    figures: TeamFigures,
) -> Summary<'a> {
    let mut by_tool = BTreeMap::new();
    let mut ai_lines = 0;
    let mut tiers = [0; 3];
    for r in &report.regions {
        let n = r.lines[1] + 1 - r.lines[0];
        ai_lines += n;
        let p = &r.assessment.region.provenance;
        *by_tool
            .entry((
                p.tool.clone(),
                p.model.clone().unwrap_or_else(|| "-".into()),
            ))
            .or_insert(0) += n;
        tiers[match r.assessment.risk.tier {
            Tier::None => 0,
            Tier::Peer => 1,
            Tier::Senior => 2,
        }] += 1;
    }
    let open = report
        .regions
        .iter()
        .filter(|r| r.assessment.review.state.needs_review())
        .collect();
    let approved = report
        .regions
        .iter()
        .filter(|r| r.assessment.review.state == ReviewState::Approved)
        .collect();
    let mut riskiest: Vec<&FileRegion> = report
        .regions
        .iter()
        .filter(|r| r.assessment.risk.score > 0)
        .collect();
    riskiest.sort_by_key(|r| std::cmp::Reverse(r.assessment.risk.score));
    riskiest.truncate(10);
    let mut commits = BTreeMap::new();
    let mut blamed = BTreeMap::new();
    for r in &riskiest {
        let lines = blamed
            .entry(r.file.clone())
            .or_insert_with(|| aigis_core::approvals::line_authors(&report.root, &r.file));
        if let Some((sha, who)) = lines
            .get(&r.lines[0])
            .filter(|(sha, _)| !sha.chars().all(|c| c == '0'))
        {
            commits.insert(
                r.assessment.region.id.clone(),
                (sha.clone(), who.to_string()),
            );
        }
    }
    Summary {
        title,
        root: report.root.clone(),
        total_lines: total_lines.max(ai_lines),
        ai_lines,
        by_tool,
        tiers,
        open,
        approved,
        riskiest,
        commits,
        figures,
    }
}

pub(crate) fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}

pub(crate) fn blast_line(r: &FileRegion) -> String {
    r.assessment
        .blast
        .as_ref()
        .map_or_else(|| "no dependents found".into(), |b| b.summary())
}

pub fn markdown(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", s.title);
    let _ = writeln!(
        o,
        "AI-written: **{} of {} lines ({:.1}%)**, {} regions: {} senior, {} peer, {} none.\n",
        s.ai_lines,
        s.total_lines,
        pct(s.ai_lines, s.total_lines),
        s.tiers.iter().sum::<usize>(),
        s.tiers[2],
        s.tiers[1],
        s.tiers[0]
    );
    let _ = writeln!(
        o,
        "## AI share by tool and model\n\n| tool | model | lines | share |\n|---|---|---:|---:|"
    );
    for ((tool, model), n) in &s.by_tool {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {:.1}% |",
            md(tool),
            md(model),
            n,
            pct(*n, s.total_lines)
        );
    }
    figures_markdown(&mut o, &s.figures);
    let _ = writeln!(o, "\n## Reviews\n\n{} open, {} approved.\n\n| region | where | tier | state | by |\n|---|---|---|---|---|", s.open.len(), s.approved.len());
    for r in s.open.iter().chain(s.approved.iter()) {
        let a = &r.assessment;
        let _ = writeln!(
            o,
            "| `{}` | {}:{}-{} | {} | {} | {} |",
            a.region.id,
            md(&r.file),
            r.lines[0],
            r.lines[1],
            a.risk.tier.as_str(),
            a.review.state.as_str(),
            md(a.review.by.as_deref().unwrap_or(""))
        );
    }
    let _ = writeln!(o, "\n## Riskiest regions\n");
    for r in &s.riskiest {
        let a = &r.assessment;
        let _ = writeln!(
            o,
            "### {}:{}-{} (score {}, {})\n",
            md(&r.file),
            r.lines[0],
            r.lines[1],
            a.risk.score,
            a.risk.tier.as_str()
        );
        let _ = writeln!(
            o,
            "- written by {} ({}, {} confidence)",
            md(&a.region.provenance.tool),
            a.region.source.as_str(),
            a.region.source.confidence().as_str()
        );
        let _ = writeln!(
            o,
            "- review: {}{}",
            a.review.state.as_str(),
            a.review
                .by
                .as_deref()
                .map(|b| format!(" by {}", md(b)))
                .unwrap_or_default()
        );
        let _ = writeln!(o, "- blast radius: {}", md(&blast_line(r)));
        for f in &a.findings {
            let _ = writeln!(
                o,
                "- `{}` ({}): {}",
                f.rule,
                f.severity.as_str(),
                md(&f.message)
            );
        }
        for p in &r.approval_problems {
            let _ = writeln!(o, "- **{}**", md(p));
        }
        o.push('\n');
    }
    o
}

/// The charts' figures as tables, for a pull request comment.
fn figures_markdown(o: &mut String, f: &TeamFigures) {
    let _ = writeln!(
        o,
        "\n## AI share of added lines per week\n\n| week of | added | AI | share | by tool |\n|---|---:|---:|---:|---|"
    );
    for w in &f.weeks {
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(w.start.max(0) as u64);
        let tools: Vec<String> = w.ai.iter().map(|(t, n)| format!("{} {n}", md(t))).collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {:.0}% | {} |",
            &humantime::format_rfc3339(time).to_string()[..10],
            w.lines,
            w.ai_lines(),
            pct(w.ai_lines(), w.lines),
            tools.join(", ")
        );
    }
    let approved: Vec<f64> = f.reviews.iter().filter_map(|r| r.hours).collect();
    let mut sorted = approved.clone();
    sorted.sort_by(f64::total_cmp);
    let _ = writeln!(
        o,
        "\nReview requests: {}, approved {} (median {}), waiting {}.",
        f.reviews.len(),
        approved.len(),
        sorted
            .get(sorted.len() / 2)
            .map_or("none yet".into(), |h| format!("{h:.1} h")),
        f.reviews.len() - approved.len()
    );
    for (title, rows) in [
        ("directory", &f.by_directory),
        ("CODEOWNERS owner", &f.by_owner),
    ] {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "\n## AI share by {title}\n\n| {title} | AI lines | lines | share |\n|---|---:|---:|---:|"
        );
        for r in rows.iter() {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {:.1}% |",
                md(&r.name),
                r.ai,
                r.total,
                pct(r.ai, r.total)
            );
        }
    }
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
