//! Diagnostics: what an AI region, its findings, its blast radius and its review state look like
//! in the editor.

use super::*;

/// The findings a review diagnostic links to as related information.
const RELATED_FINDINGS: usize = 20;

/// "changes `purge`, used at 3 sites in 2 files, reaches `main` via ops::rotate".
pub(crate) fn attribution(a: &Assessment) -> String {
    let r = &a.region;
    let model = r
        .provenance
        .model
        .as_deref()
        .map(|m| format!(" ({m})"))
        .unwrap_or_default();
    format!(
        "written by {}{model}; attribution: {}, confidence {}",
        r.provenance.tool,
        r.source.as_str(),
        r.source.confidence().as_str()
    )
}

pub(crate) fn diagnostics(
    file: &TrackedFile,
    assessments: &[Assessment],
    audit: bool,
    uri: &Uri,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for a in assessments {
        let data = json!({ "regionId": a.region.id });
        if a.region.source == Source::Heuristic {
            let (l1, l2) = (
                file.doc.line_of(a.region.start) + 1,
                file.doc.line_of(a.region.end.saturating_sub(1)) + 1,
            );
            let holds = if a.findings.is_empty() {
                String::new()
            } else {
                format!(
                    "; it holds {}",
                    a.findings
                        .iter()
                        .map(|f| f.rule.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            out.push(Diagnostic {
                range: head_range(file.doc.positions(), &a.region),
                severity: Some(DiagnosticSeverity::HINT),
                code: Some(NumberOrString::String("ai/possible".into())),
                source: Some(SOURCE.into()),
                message: format!(
                    "Possibly AI-written: lines {l1}-{l2} arrived in one change the editor did not report (low confidence){holds}. Mark as AI to track and review it, or as human."
                ),
                data: Some(data),
                ..Default::default()
            });
            continue;
        }
        let need = match a.risk.tier {
            Tier::Senior => "a senior must review it before it ships",
            Tier::Peer => "a peer must review it before it ships",
            Tier::None => "",
        };
        // Said once per region, not once per finding (a region of 500 calls republishes them
        // all on every keystroke).
        let who = attribution(a);
        out.reserve(a.findings.len());
        for f in &a.findings {
            let notes = if f.notes.is_empty() {
                String::new()
            } else {
                format!(" [{}]", f.notes.join("; "))
            };
            out.push(Diagnostic {
                data: Some(data.clone()),
                ..risky(
                    file,
                    f,
                    format!(
                        "AI-written {} operation: {}{notes} ({who}; {need})",
                        f.severity.as_str(),
                        f.message,
                    ),
                )
            });
        }
        if let Some(b) = a
            .blast
            .as_ref()
            .filter(|b| b.direct > 0 || !b.risky_callees.is_empty())
        {
            let mut related: Vec<DiagnosticRelatedInformation> = b
                .dependents
                .iter()
                .take(50)
                .filter_map(|d| {
                    Some(DiagnosticRelatedInformation {
                        location: location(&d.file, d.line, d.col)?,
                        message: format!(
                            "{}uses `{}` ({:?})",
                            d.caller
                                .as_deref()
                                .map(|c| format!("`{c}` "))
                                .unwrap_or_default(),
                            d.uses,
                            d.certainty
                        )
                        .to_lowercase(),
                    })
                })
                .collect();
            related.extend(b.risky_callees.iter().take(20).filter_map(|c| {
                Some(DiagnosticRelatedInformation {
                    location: location(&c.file, c.line, c.col)?,
                    message: format!(
                        "{} ({}), reached via {}",
                        c.rule,
                        c.severity.as_str(),
                        c.via.join(" → ")
                    ),
                })
            }));
            let severe = a
                .risk
                .reasons
                .iter()
                .any(|r| r.contains("dependents") || r.contains("indirect"));
            out.push(Diagnostic {
                range: head_range(file.doc.positions(), &a.region),
                severity: Some(if severe {
                    DiagnosticSeverity::WARNING
                } else {
                    DiagnosticSeverity::INFORMATION
                }),
                code: Some(NumberOrString::String("blast-radius".into())),
                source: Some(SOURCE.into()),
                message: format!("AI region {}", b.summary()),
                related_information: Some(related).filter(|r: &Vec<_>| !r.is_empty()),
                data: Some(json!({ "regionId": a.region.id })),
                ..Default::default()
            });
        }
        let (code, sev, message) = match (a.review.state, a.risk.tier) {
            (ReviewState::None, _) => continue,
            (ReviewState::Required, Tier::Senior) => (
                "review/senior-required",
                DiagnosticSeverity::WARNING,
                format!(
                    "AI region needs senior review: {}",
                    a.risk.reasons.join(", ")
                ),
            ),
            (ReviewState::Required, _) => (
                "review/peer-required",
                DiagnosticSeverity::INFORMATION,
                format!("AI region needs peer review: {}", a.risk.reasons.join(", ")),
            ),
            (ReviewState::Requested, tier) => (
                "review/requested",
                DiagnosticSeverity::INFORMATION,
                format!(
                    "{} review requested by {} at {}; waiting for {}",
                    tier.as_str(),
                    a.review.by.as_deref().unwrap_or("?"),
                    a.review.at.as_deref().unwrap_or("?"),
                    if a.review.reviewers.is_empty() {
                        "an owner".to_string()
                    } else {
                        a.review.reviewers.join(", ")
                    }
                ),
            ),
            (ReviewState::Approved, tier) => (
                "review/approved",
                DiagnosticSeverity::HINT,
                format!(
                    "{} review approved by {} at {}",
                    tier.as_str(),
                    a.review.by.as_deref().unwrap_or("?"),
                    a.review.at.as_deref().unwrap_or("?")
                ),
            ),
        };
        let stale = if a.review.stale {
            " (an earlier approval is stale: the code changed after it)"
        } else {
            ""
        };
        out.push(Diagnostic {
            range: head_range(file.doc.positions(), &a.region),
            severity: Some(sev),
            code: Some(NumberOrString::String(code.into())),
            source: Some(SOURCE.into()),
            message: format!("{message}{stale} — {}", attribution(a)),
            // Each finding has a diagnostic of its own: the first few are linked here (a
            // region of hundreds would send every location again on every keystroke).
            related_information: Some(
                a.findings
                    .iter()
                    .take(RELATED_FINDINGS)
                    .map(|f| DiagnosticRelatedInformation {
                        location: Location::new(
                            uri.clone(),
                            range_of(file.doc.positions(), f.start, f.end),
                        ),
                        message: format!("risky/{}", f.rule),
                    })
                    .collect(),
            )
            .filter(|v: &Vec<_>| !v.is_empty()),
            data: Some(json!({ "regionId": a.region.id })),
            ..Default::default()
        });
    }
    if audit {
        for f in &file.findings {
            if file.regions.at(f.start).is_some() {
                continue;
            }
            out.push(risky(
                file,
                f,
                format!(
                    "{} operation (audit mode; not in an AI region): {}",
                    f.severity.as_str(),
                    f.message
                ),
            ));
        }
    }
    out
}

/// A `risky/<rule>` diagnostic on a finding.
fn risky(file: &TrackedFile, f: &aigis_core::analysis::Finding, message: String) -> Diagnostic {
    Diagnostic {
        range: range_of(file.doc.positions(), f.start, f.end),
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(format!("risky/{}", f.rule))),
        source: Some(SOURCE.into()),
        message,
        ..Default::default()
    }
}
