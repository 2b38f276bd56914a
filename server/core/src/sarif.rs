//! `aigis scan --format sarif`: SARIF 2.1.0 shaped for GitHub code scanning. One rule per
//! catalog entry (with its help text), levels from severity, fingerprints that survive unrelated
//! edits (they hash the code, not its line number), AI provenance and tier in `properties`, and
//! the region's dependents as `relatedLocations`.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::catalog::Severity;
use crate::policy::{ReviewState, Tier};
use crate::scan::ScanReport;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "error",
        Severity::High => "warning",
        Severity::Medium => "note",
    }
}

fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

const REVIEW_RULES: [(&str, &str, &str); 4] = [
    ("ledger/tampered", "The record of an AI region was removed while its code is still there", "The base revision's ledger (.aigis/regions) recorded this code as AI-written; this change removed, truncated or retired that record while the code itself is unchanged. An agent can do this with ordinary file tools, so a senior must approve it like a critical operation."),
    ("review/senior-required", "AI-written code that needs a senior's review", "The region contains a critical operation, a high one on a critical path, reaches one through its calls, or has many dependents. A reviewer listed for the senior tier (aigis.toml [review] senior, or CODEOWNERS) must approve it: `aigis review request FILE:LINE`, then `aigis review approve FILE:LINE` as the reviewer, committed by them."),
    ("review/peer-required", "AI-written code that needs a peer's review", "The region contains a risky operation or has several dependents. Anyone listed for the peer tier other than its author must approve it."),
    ("review/invalid-approval", "An approval that does not count", "The approval record was committed by someone other than a listed reviewer (forged), is not committed, is not signed when signatures are required, or approves text that has changed since (stale)."),
];

pub fn sarif(report: &ScanReport) -> Value {
    let catalog = crate::language::all_rules();
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    let mut rules: Vec<Value> = Vec::new();
    let mut ids: Vec<&String> = catalog.keys().collect();
    ids.sort();
    for id in ids {
        let r = &catalog[id];
        used.insert(id.clone(), rules.len());
        rules.push(json!({
            "id": id,
            "name": id.replace(['.', '-', '/'], "_"),
            "shortDescription": { "text": format!("{} ({})", r.target.as_deref().unwrap_or(id), r.category) },
            "fullDescription": { "text": r.why },
            "help": {
                "text": format!("{} Inside AI-written code this needs the review its severity calls for; outside it (audit mode) it is reported for awareness.", r.why),
                "markdown": format!("**{}**: {}\n\nSeverity `{}`, category `{}`. In an AI-written region aigis asks for a review matched to the risk (`aigis review request`).", id, r.why, r.severity.as_str(), r.category),
            },
            "defaultConfiguration": { "level": level(r.severity) },
            "properties": { "category": r.category, "severity": r.severity.as_str(), "tags": ["ai-code", r.category.clone()] },
        }));
    }
    for (id, short, help) in REVIEW_RULES {
        used.insert(id.to_string(), rules.len());
        rules.push(json!({
            "id": id,
            "name": id.replace(['/', '-'], "_"),
            "shortDescription": { "text": short },
            "fullDescription": { "text": help },
            "help": { "text": help },
            "defaultConfiguration": { "level": "error" },
            "properties": { "tags": ["ai-code", "review"] },
        }));
    }
    let location = |file: &str, sl: u32, sc: u32, el: u32, ec: u32| {
        json!({ "physicalLocation": {
            "artifactLocation": { "uri": file, "uriBaseId": "%SRCROOT%" },
            "region": { "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec.max(1) },
        } })
    };
    let mut results: Vec<Value> = Vec::new();
    for f in &report.findings {
        let region = f.region_id.as_ref().and_then(|id| {
            report
                .regions
                .iter()
                .find(|r| &r.assessment.region.id == id)
        });
        let mut props = json!({ "ai": f.region_id.is_some(), "severity": f.finding.severity.as_str(), "category": f.finding.category });
        if let Some(r) = region {
            let reg = &r.assessment.region;
            props["regionId"] = json!(reg.id);
            props["tool"] = json!(reg.provenance.tool);
            props["model"] = json!(reg.provenance.model);
            props["source"] = json!(reg.source.as_str());
            props["confidence"] = json!(reg.source.confidence().as_str());
            props["tier"] = json!(r.assessment.risk.tier.as_str());
            props["review"] = json!(r.assessment.review.state.as_str());
        }
        let index = used.get(&*f.finding.rule).copied().unwrap_or(0);
        let mut result = json!({
            "ruleId": f.finding.rule,
            "ruleIndex": index,
            "level": level(f.finding.severity),
            "message": { "text": format!("{}{}", f.finding.message, if f.region_id.is_some() { " (in AI-written code)" } else { "" }) },
            "locations": [ location(&f.file, f.range[0].line + 1, f.range[0].character + 1, f.range[1].line + 1, f.range[1].character + 1) ],
            "partialFingerprints": { "aigis/v1": fingerprint(&[&f.finding.rule, &f.file, &f.snippet]) },
            "properties": props,
        });
        if let Some(b) = region.and_then(|r| r.assessment.blast.as_ref()) {
            result["relatedLocations"] = related(b, &report.root);
        }
        results.push(result);
    }
    for r in &report.regions {
        let a = &r.assessment;
        let rule = match (a.risk.tier, a.review.state) {
            (_, ReviewState::Approved | ReviewState::None) => None,
            (Tier::Senior, _) => Some("review/senior-required"),
            (_, _) => Some("review/peer-required"),
        };
        let mut rule_results: Vec<(&str, String)> = Vec::new();
        if let Some(rule) = rule {
            let state = if a.review.state == ReviewState::Requested {
                "requested, not yet approved"
            } else {
                "not requested"
            };
            rule_results.push((
                rule,
                format!(
                    "AI region ({} via {}, {} confidence) needs {} review ({state}): {}",
                    a.region.provenance.tool,
                    a.region.source.as_str(),
                    a.region.source.confidence().as_str(),
                    a.risk.tier.as_str(),
                    a.risk.reasons.join("; ")
                ),
            ));
        }
        for problem in &r.approval_problems {
            rule_results.push(("review/invalid-approval", problem.clone()));
        }
        for (rule, text) in rule_results {
            let mut result = json!({
                "ruleId": rule,
                "ruleIndex": used[rule],
                "level": "error",
                "message": { "text": text },
                "locations": [ location(&r.file, r.lines[0] as u32, 1, r.lines[0] as u32, 1) ],
                "partialFingerprints": { "aigis/v1": fingerprint(&[rule, &r.file, &a.hash]) },
                "properties": {
                    "ai": true, "regionId": a.region.id, "tool": a.region.provenance.tool, "model": a.region.provenance.model,
                    "source": a.region.source.as_str(), "confidence": a.region.source.confidence().as_str(),
                    "tier": a.risk.tier.as_str(), "review": a.review.state.as_str(), "approvals": a.review.approvals, "approvalsNeeded": a.review.needed, "score": a.risk.score,
                },
            });
            if let Some(b) = &a.blast {
                result["relatedLocations"] = related(b, &report.root);
            }
            results.push(result);
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "aigis",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            } },
            "columnKind": "utf16CodeUnits",
            "originalUriBaseIds": { "%SRCROOT%": { "uri": format!("file://{}/", report.root.display()) } },
            "results": results,
            "properties": {
                "approvals": report.approvals.as_str(),
                "approvalsNote": report.approvals.note(),
                "rollout": report.rollout.as_ref().map(|r| json!({ "strategy": r.strategy.as_str(), "maxTier": r.max_tier.as_str(), "reasons": r.reasons, "needsReview": r.needs_review })),
            },
        }],
    })
}

fn related(b: &crate::blast::BlastRadius, root: &std::path::Path) -> Value {
    Value::Array(
        b.dependents
            .iter()
            .take(25)
            .enumerate()
            .map(|(i, d)| {
                json!({
                    "id": i + 1,
                    "physicalLocation": {
                        "artifactLocation": match d.file.strip_prefix(root) {
                            Ok(rel) => json!({ "uri": rel.display().to_string(), "uriBaseId": "%SRCROOT%" }),
                            Err(_) => json!({ "uri": format!("file://{}", d.file.display()) }),
                        },
                        "region": { "startLine": d.line + 1, "startColumn": d.col + 1 },
                    },
                    "message": { "text": format!("dependent: {} uses {}", d.caller.as_deref().unwrap_or("top level"), d.uses) },
                })
            })
            .collect(),
    )
}
