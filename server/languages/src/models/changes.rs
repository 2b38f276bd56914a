//! What only a comparison shows: a Terraform edit that makes a stateful resource be destroyed and
//! created again (`tf.force-new.<type>`: an argument the provider marks ForceNew changed), or that
//! takes away the `prevent_destroy` that kept it (`tf.lifecycle.prevent-destroy-removed`). Pure:
//! the committed text's document and the new one in, findings on the new text out.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::{Doc, Map, Value};
use crate::analysis::Finding;
use crate::catalog::{RuleInfo, Severity};

#[derive(Debug, Deserialize)]
struct StatefulFile {
    resource: Vec<Stateful>,
}

/// A stateful resource type and the arguments whose change replaces it.
#[derive(Debug, Clone, Deserialize)]
pub struct Stateful {
    #[serde(rename = "type")]
    pub type_: String,
    pub force_new: Vec<String>,
    /// Holds data of its own (false for an instance).
    #[serde(default = "yes")]
    pub stateful: bool,
}

fn yes() -> bool {
    true
}

static STATEFUL: LazyLock<Vec<Stateful>> = LazyLock::new(|| {
    let text = crate::bundle::bundled("terraform/stateful.toml");
    toml::from_str::<StatefulFile>(text)
        .unwrap_or_else(|e| panic!("bundled queries/terraform/stateful.toml is invalid: {e}"))
        .resource
});

/// The stateful resource types (`queries/terraform/stateful.toml`).
pub fn stateful() -> &'static [Stateful] {
    &STATEFUL
}

pub fn is_stateful(resource_type: &str) -> bool {
    STATEFUL
        .iter()
        .any(|s| s.type_ == resource_type && s.stateful)
}

/// The rules only a comparison (or a plan) finds: one `tf.force-new.<type>` per stateful type,
/// and the plan's replace and delete.
pub fn rules() -> &'static [RuleInfo] {
    static RULES: LazyLock<Vec<RuleInfo>> = LazyLock::new(|| {
        let info = |id: String, severity, why: &str, target: String| RuleInfo {
            id,
            category: "iac".into(),
            severity,
            why: why.into(),
            target: Some(target),
            supersedes: Vec::new(),
        };
        let mut out: Vec<RuleInfo> = STATEFUL
            .iter()
            .filter(|s| !s.force_new.is_empty())
            .map(|s| {
                info(
                    format!("tf.force-new.{}", s.type_),
                    if s.stateful {
                        Severity::Critical
                    } else {
                        Severity::High
                    },
                    "Changing an argument the provider marks ForceNew makes Terraform destroy the resource and create a new one: its data goes with it.",
                    format!("the {} and its data", s.type_),
                )
            })
            .collect();
        out.push(info(
            "tf.plan.replace".into(),
            Severity::High,
            "The plan destroys the resource and creates it again (critical for stateful resources: their data is lost unless restored).",
            "the replaced resource".into(),
        ));
        out.push(info(
            "tf.plan.delete".into(),
            Severity::High,
            "The plan destroys the resource (critical for stateful resources).",
            "the deleted resource".into(),
        ));
        out
    });
    &RULES
}

fn rule(id: &str) -> Option<&'static RuleInfo> {
    rules().iter().find(|r| r.id == id)
}

/// Resource blocks by address (`aws_db_instance.main`).
fn resources(doc: &Doc) -> HashMap<String, &Map> {
    let mut out = HashMap::new();
    for root in &doc.roots {
        let Value::Map(body) = root else { continue };
        for e in &body.entries {
            if let (true, Value::Map(b)) = (e.key == "resource", &e.value) {
                if let (Some(t), Some(n)) = (b.text("@label"), b.text("@name")) {
                    out.insert(format!("{t}.{n}"), b);
                }
            }
        }
    }
    out
}

/// A value as text for comparison: scalars by their text, lists and maps by their parts.
fn shape(v: &Value) -> String {
    match v {
        Value::Scalar(s) => s.text.clone(),
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(shape).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(m) => format!(
            "{{{}}}",
            m.entries
                .iter()
                .filter(|e| !e.key.starts_with('@'))
                .map(|e| format!("{} = {}", e.key, shape(&e.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn prevents_destroy(block: &Map) -> bool {
    matches!(
        block.get("lifecycle"),
        Some(Value::Map(l)) if l.text("prevent_destroy").is_some_and(|v| v.eq_ignore_ascii_case("true"))
    )
}

/// The findings of `new` that only its difference from `old` (the committed text) shows.
pub fn findings(old: &Doc, new: &Doc) -> Vec<Finding> {
    let (before, after) = (resources(old), resources(new));
    let mut out = Vec::new();
    let mut addresses: Vec<&String> = after.keys().collect();
    addresses.sort();
    for address in addresses {
        let now = after[address];
        let Some(then) = before.get(address) else {
            continue;
        };
        let ty = now.text("@label").unwrap_or("");
        if prevents_destroy(then) && !prevents_destroy(now) {
            let explicit_false = matches!(now.get("lifecycle"), Some(Value::Map(l)) if l.get("prevent_destroy").is_some());
            let info = crate::language::by_name("terraform").and_then(|l| {
                crate::language::static_rule_info(l, "tf.lifecycle.prevent-destroy-removed")
            });
            if let (false, Some(info)) = (explicit_false, info) {
                out.push(Finding {
                    rule: info.id.as_str().into(),
                    category: info.category.as_str().into(),
                    severity: info.severity,
                    start: now.start,
                    end: now.start,
                    message: format!(
                        "the committed {address} had `lifecycle {{ prevent_destroy = true }}`; this edit removes it, so a plan may now destroy it"
                    ).into(),
                    notes: Vec::new(),
                });
            }
        }
        let Some(kind) = STATEFUL.iter().find(|s| s.type_ == ty) else {
            continue;
        };
        let Some(info) = rule(&format!("tf.force-new.{ty}")) else {
            continue;
        };
        for arg in &kind.force_new {
            let (was, is) = (then.get(arg), now.get(arg));
            let (was_s, is_s) = (was.map(shape), is.map(shape));
            if was_s == is_s {
                continue;
            }
            let entry = now.entries.iter().find(|e| &e.key == arg);
            let (start, end) = match (entry, is) {
                (Some(e), Some(v)) => (e.key_start, v.end().max(e.key_start)),
                _ => (now.start, now.start),
            };
            let committed = was_s.as_deref().unwrap_or("(not set)");
            let change = match &is_s {
                Some(v) => format!("changes `{arg}` from {committed} to {v}"),
                None => format!("removes `{arg}` (committed: {committed})"),
            };
            out.push(Finding {
                rule: info.id.as_str().into(),
                category: info.category.as_str().into(),
                severity: info.severity,
                start,
                end,
                message: format!(
                    "this edit {change} on {address}: the provider replaces the resource when `{arg}` changes (destroy, then create), and its data goes with it"
                ).into(),
                notes: vec![format!("committed value of `{arg}`: {committed}")],
            });
        }
    }
    out
}
