//! `aigis scan --format json` and `aigis/regions` as JSON, built from the typed shapes of
//! `wire` so that the editor and CI always agree.

use serde_json::{json, Value};

use crate::document::LineCol;
use crate::scan::ScanReport;
use crate::wire;
use crate::workspace::Assessment;

/// A region as SPEC.md's `aigis/regions` describes it (see `wire::Region`).
pub fn region_json(
    a: &Assessment,
    position: &dyn Fn(usize) -> LineCol,
    root: Option<&std::path::Path>,
) -> Value {
    serde_json::to_value(wire::Region::new(a, position, root)).unwrap_or(Value::Null)
}

/// `aigis scan --format json`.
pub fn scan_json(report: &ScanReport) -> Value {
    let regions: Vec<Value> = report
        .regions
        .iter()
        .map(|fr| {
            let mut region = fr.wire.clone();
            region.file = Some(fr.file.clone());
            region.lines = Some(fr.lines);
            serde_json::to_value(region).unwrap_or(Value::Null)
        })
        .collect();
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|ff| {
            let mut v = json!({
                "rule": ff.finding.rule,
                "file": ff.file,
                "line": ff.range[0].line + 1,
                "column": ff.range[0].character + 1,
                "endLine": ff.range[1].line + 1,
                "endColumn": ff.range[1].character + 1,
                "severity": ff.finding.severity.as_str(),
                "category": ff.finding.category,
                "message": ff.finding.message,
                "ai": ff.region_id.is_some(),
            });
            if let Some(id) = &ff.region_id {
                v["regionId"] = json!(id);
            }
            v
        })
        .collect();
    let mut out = json!({
        "version": 1,
        "regions": regions,
        "findings": findings,
        "summary": summary_json(report),
    });
    if let Some(r) = &report.rollout {
        out["rollout"] = serde_json::to_value(r).unwrap_or(Value::Null);
    }
    if let Some(p) = &report.plan {
        out["plan"] = serde_json::to_value(p).unwrap_or(Value::Null);
    }
    out
}

pub fn summary_json(report: &ScanReport) -> Value {
    use crate::policy::{ReviewState, Tier};
    let count = |f: &dyn Fn(&crate::scan::FileRegion) -> bool| {
        report.regions.iter().filter(|r| f(r)).count()
    };
    json!({
        "files": report.files,
        "bytes": report.bytes,
        "regions": report.regions.len(),
        "senior": count(&|r| r.assessment.risk.tier == Tier::Senior),
        "peer": count(&|r| r.assessment.risk.tier == Tier::Peer),
        "needsReview": count(&|r| r.assessment.review.state.needs_review()),
        "approved": count(&|r| r.assessment.review.state == ReviewState::Approved),
        "findings": report.findings.len(),
        "aiFindings": report.findings.iter().filter(|f| f.region_id.is_some()).count(),
        "approvals": { "verified": report.approvals.as_str(), "note": report.approvals.note() },
        "skipped": report.skipped.iter().map(|s| json!({ "file": s.file, "reason": s.reason })).collect::<Vec<_>>(),
        "warnings": report.warnings,
    })
}
