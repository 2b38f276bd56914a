//! The JSON shapes of SPEC.md, shared by `aigis/regions` and `aigis scan --format json` so the
//! editor and CI always agree.

use serde_json::{json, Value};

use crate::document::LineCol;
use crate::scan::ScanReport;
use crate::workspace::Assessment;

pub fn range_json(r: [LineCol; 2]) -> Value {
    json!({
        "start": { "line": r[0].line, "character": r[0].character },
        "end": { "line": r[1].line, "character": r[1].character },
    })
}

/// A region as SPEC.md's `aigis/regions` describes it. `position` turns byte offsets into
/// positions in the caller's encoding.
pub fn region_json(
    a: &Assessment,
    position: &dyn Fn(usize) -> LineCol,
    root: Option<&std::path::Path>,
) -> Value {
    let r = &a.region;
    json!({
        "id": r.id,
        "range": range_json([position(r.start), position(r.end)]),
        "tool": r.provenance.tool,
        "model": r.provenance.model,
        "session": r.provenance.session,
        "source": r.source.as_str(),
        "confidence": r.source.confidence().as_str(),
        "modified": r.modified,
        "createdAt": r.created_at,
        "author": a.author.as_ref().map(|i| i.to_string()),
        "hash": a.hash,
        "risk": {
            "tier": a.risk.tier.as_str(),
            "score": a.risk.score,
            "reasons": a.risk.reasons,
            "findings": a.findings.iter().map(|f| json!({
                "rule": f.rule,
                "range": range_json([position(f.start), position(f.end)]),
                "severity": f.severity.as_str(),
                "category": f.category,
                "message": f.message,
                "notes": f.notes,
            })).collect::<Vec<_>>(),
        },
        "blast": blast_json(a.blast.as_ref(), root),
        "review": {
            "state": a.review.state.as_str(),
            "by": a.review.by,
            "at": a.review.at,
            "stale": a.review.stale,
            "reviewers": a.review.reviewers,
            "approvals": a.review.approvals,
            "needed": a.review.needed,
        },
    })
}

/// The blast radius summary (SPEC.md `blast`) with the sites behind it. Paths are relative to
/// `root` when given.
pub fn blast_json(b: Option<&crate::blast::BlastRadius>, root: Option<&std::path::Path>) -> Value {
    let Some(b) = b else {
        return json!({ "dependents": 0, "transitive": 0, "files": 0 });
    };
    let path = |p: &std::path::Path| {
        root.and_then(|r| p.strip_prefix(r).ok())
            .map(|r| r.display().to_string())
            .unwrap_or_else(|| p.display().to_string())
    };
    let site = |d: &crate::blast::Dependent| json!({ "file": path(&d.file), "line": d.line + 1, "caller": d.caller, "uses": d.uses, "certainty": d.certainty, "depth": d.depth });
    json!({
        "dependents": b.direct,
        "transitive": b.transitive,
        "files": b.files,
        "symbols": b.symbols.iter().map(|s| &s.name).collect::<Vec<_>>(),
        "entryPoints": b.entry_points,
        "sites": b.dependents.iter().take(200).map(site).collect::<Vec<_>>(),
        "tests": b.tests.iter().take(50).map(site).collect::<Vec<_>>(),
        "ambiguous": b.ambiguous.iter().take(50).map(site).collect::<Vec<_>>(),
        "riskyCallees": b.risky_callees.iter().map(|c| json!({
            "rule": c.rule, "severity": c.severity.as_str(), "file": path(&c.file), "line": c.line + 1, "via": c.via, "indirect": true,
        })).collect::<Vec<_>>(),
    })
}

/// `aigis scan --format json`.
pub fn scan_json(report: &ScanReport) -> Value {
    let regions: Vec<Value> = report
        .regions
        .iter()
        .map(|fr| {
            let mut v = fr.json.clone();
            v["file"] = json!(fr.file);
            v["lines"] = json!(fr.lines);
            v
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
