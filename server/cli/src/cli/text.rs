//! `aigis scan`'s text output, in colour on a terminal.

use super::*;

/// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
pub(super) fn color_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub(super) fn scan_text(report: &ScanReport, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let mut files: Vec<&str> = report.regions.iter().map(|r| r.file.as_str()).collect();
    files.extend(report.findings.iter().map(|f| f.file.as_str()));
    files.sort();
    files.dedup();
    for file in files {
        out += &format!("{}\n", paint("1", file));
        for r in report.regions.iter().filter(|r| r.file == file) {
            let a = &r.assessment;
            let reg = &a.region;
            out += &format!(
                "  lines {}-{}  AI region {}  {}{} ({}, confidence {})  tier {}  review {}{}\n",
                r.lines[0],
                r.lines[1],
                reg.id,
                reg.provenance.tool,
                reg.provenance
                    .model
                    .as_deref()
                    .map(|m| format!("/{m}"))
                    .unwrap_or_default(),
                reg.source.as_str(),
                reg.source.confidence().as_str(),
                paint(
                    if a.risk.tier == Tier::Senior {
                        "1;31"
                    } else {
                        "33"
                    },
                    a.risk.tier.as_str()
                ),
                a.review.state.as_str(),
                a.review.by_suffix(),
            );
            if let Some(b) = a
                .blast
                .as_ref()
                .filter(|b| b.direct > 0 || !b.risky_callees.is_empty())
            {
                out += &format!("    blast radius: {}\n", b.summary());
            }
            for p in &r.approval_problems {
                out += &format!("    {}\n", paint("1;31", p));
            }
        }
        for f in report.findings.iter().filter(|f| f.file == file) {
            out += &format!(
                "    {}:{}  {:<8} {}  {}{}{}\n",
                f.range[0].line + 1,
                f.range[0].character + 1,
                f.finding.severity.as_str(),
                f.finding.rule,
                f.finding.message,
                if f.finding.notes.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", f.finding.notes.join("; "))
                },
                if f.region_id.is_none() {
                    "  (not in an AI region)"
                } else {
                    ""
                }
            );
        }
    }
    for s in &report.skipped {
        out += &format!("skipped {}: {}\n", s.file, s.reason);
    }
    if let Some(r) = &report.rollout {
        out += &format!(
            "rollout: {} ({})\n",
            r.strategy.as_str(),
            r.reasons.join("; ")
        );
    }
    // Said wherever an approval was counted or refused: what it had to prove.
    if report.regions.iter().any(|r| {
        r.assessment.review.state == aigis_core::policy::ReviewState::Approved
            || !r.approval_problems.is_empty()
    }) {
        out += &format!("note: {}\n", report.approvals.note());
    }
    let needs = report
        .regions
        .iter()
        .filter(|r| r.assessment.review.state.needs_review())
        .count();
    if let Some(p) = &report.plan {
        out += &format!(
            "plan {} (format {}): {} replaced, {} deleted\n",
            p.file, p.format_version, p.replaced, p.deleted
        );
        for a in &p.unplaced {
            out += &format!("  {a}: deleted or replaced by the plan; its block is not in the workspace (gone, or in a module it does not hold)\n");
        }
    }
    out += &format!(
        "aigis: {} files ({:.1} MB), {} AI regions ({} senior, {} peer), {} findings, {} regions need a review they do not have, {} skipped\n",
        report.files,
        report.bytes as f64 / 1e6,
        report.regions.len(),
        report.regions.iter().filter(|r| r.assessment.risk.tier == Tier::Senior).count(),
        report.regions.iter().filter(|r| r.assessment.risk.tier == Tier::Peer).count(),
        report.findings.len(),
        needs,
        report.skipped.len()
    );
    out
}
