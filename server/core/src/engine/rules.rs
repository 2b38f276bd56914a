//! `explain_rule`: what a rule's operation destroys, why it is risky, what raises or lowers its
//! severity, and the safer way to do the same job.

use serde::Serialize;

use super::Engine;
use crate::catalog::RuleDetails;

#[derive(Debug, Clone, Serialize)]
pub struct RuleAnswer {
    pub summary: String,
    #[serde(flatten)]
    pub rule: RuleDetails,
    /// What `guard` does with it from an agent under this workspace's policy.
    pub guard: &'static str,
}

impl Engine {
    pub fn explain_rule(&self, id: &str) -> Result<RuleAnswer, String> {
        let all = crate::catalog::rule_details();
        let id = id.trim();
        let Some(d) = all.get(id) else {
            let needle = id.to_ascii_lowercase();
            let words: Vec<&str> = needle
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| w.len() > 2)
                .collect();
            let mut near: Vec<&str> = all
                .keys()
                .filter(|k| !words.is_empty() && words.iter().all(|w| k.contains(w)))
                .map(String::as_str)
                .collect();
            if near.is_empty() {
                near = all
                    .keys()
                    .filter(|k| words.iter().any(|w| k.contains(w)))
                    .map(String::as_str)
                    .collect();
            }
            near.truncate(10);
            return Err(format!(
                "no rule `{id}`{}",
                if near.is_empty() {
                    format!(
                        "; rule ids look like `aws.ec2.terminate-instances` (aigis knows {} rules)",
                        all.len()
                    )
                } else {
                    format!("; did you mean: {}", near.join(", "))
                }
            ));
        };
        let guard = match self.ws.config.guard.decide(&d.id, d.severity) {
            crate::agent_hooks::Decision::Allow => "allow",
            crate::agent_hooks::Decision::Ask => "ask",
            crate::agent_hooks::Decision::Deny => "deny",
        };
        let mut summary = format!(
            "{} ({}, {}): {}",
            d.id,
            d.category,
            d.severity.as_str(),
            d.why
        );
        if let Some(t) = &d.target {
            summary += &format!(" It destroys: {t}.");
        }
        if !d.escalators.is_empty() {
            summary += &format!(" Worse with: {}.", d.escalators.join(", "));
        }
        if !d.mitigators.is_empty() {
            summary += &format!(" Safer with: {}.", d.mitigators.join(", "));
        }
        summary += &format!(" Safer way: {} Guard here: {guard}.", d.safer);
        Ok(RuleAnswer {
            summary,
            rule: d.clone(),
            guard,
        })
    }
}
