//! The text of each answer: what a model reads in one glance (the full data is in
//! `structuredContent`).

use aigis_core::engine::{
    BlastAnswer, ChangeAnswer, CommandAnswer, ScanAnswer, StatusAnswer, WhoWroteAnswer,
};

/// How many items of a list the text shows.
const SHOWN: usize = 10;

fn more(total: usize) -> String {
    if total > SHOWN {
        format!("  … and {} more (see structuredContent)\n", total - SHOWN)
    } else {
        String::new()
    }
}

fn notes(out: &mut String, notes: &[String]) {
    for n in notes {
        out.push_str(&format!("Note: {n}\n"));
    }
}

pub fn blast(b: &BlastAnswer) -> String {
    let mut out = format!("{}\n", b.summary);
    if let Some(r) = &b.region {
        out += &format!(
            "Written by AI: {}{} ({}, {}); review {}{}.\n",
            r.tool,
            r.model
                .as_deref()
                .map(|m| format!("/{m}"))
                .unwrap_or_default(),
            r.source,
            r.confidence,
            r.review,
            r.reviewed_by
                .as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default()
        );
    }
    let through = b.transitive.saturating_sub(b.direct);
    for (title, list, total) in [
        ("Direct dependents", &b.dependents, b.direct),
        ("Through callers", &b.transitive_dependents, through),
    ] {
        if !list.is_empty() {
            out += &format!("{title} ({total}):\n");
            for s in list.iter().take(SHOWN) {
                out += &format!(
                    "  {}:{} in {} (uses {}, {})\n",
                    s.file,
                    s.line,
                    s.caller.as_deref().unwrap_or("top level"),
                    s.uses,
                    s.confidence
                );
            }
            out += &more(total.max(list.len()));
        }
    }
    if !b.entry_points.is_empty() {
        out += &format!("Entry points reached: {}\n", b.entry_points.join("; "));
    }
    if !b.tests.is_empty() {
        out += &format!("Tests that call it (not counted): {}\n", b.tests.len());
    }
    for r in &b.risky_in_target {
        out += &format!(
            "Risky here: {} ({}) at line {}\n",
            r.rule, r.severity, r.line
        );
    }
    for r in b.risky_reachable.iter().take(SHOWN) {
        out += &format!(
            "Reaches: {} ({}) at {}:{} via {}\n",
            r.rule,
            r.severity,
            r.file,
            r.line,
            r.via.join(" → ")
        );
    }
    if !b.reasons.is_empty() {
        out += &format!("Why {}: {}\n", b.tier, b.reasons.join("; "));
    }
    notes(&mut out, &b.notes);
    out
}

pub fn change(c: &ChangeAnswer) -> String {
    let mut out = format!("Verdict: {}. {}\n", c.verdict, c.summary);
    for a in &c.added {
        out += &format!(
            "Adds {} ({}) at line {}: {}{}\n  Safer: {}\n",
            a.rule,
            a.severity,
            a.line,
            a.message,
            a.destroys
                .as_deref()
                .map(|d| format!(" It destroys: {d}."))
                .unwrap_or_default(),
            a.safer
        );
    }
    for r in &c.removed {
        out += &format!(
            "Removes {} ({}) that was at line {}\n",
            r.rule, r.severity, r.line
        );
    }
    if c.guard.would_block || c.guard.would_ask {
        out += &format!(
            "aigis guard would {} this edit:\n",
            if c.guard.would_block {
                "BLOCK"
            } else {
                "ask the user about"
            }
        );
        for r in &c.guard.reasons {
            out += &format!("  - {r}\n");
        }
        if c.guard.would_block {
            out += "Do not apply it or work around it: tell the user it needs a senior's review.\n";
        }
    }
    if !c.reasons.is_empty() {
        out += &format!("Why {}: {}\n", c.tier, c.reasons.join("; "));
    }
    notes(&mut out, &c.notes);
    out
}

pub fn command(c: &CommandAnswer) -> String {
    let mut out = format!("Guard would {} this command. {}\n", c.decision, c.summary);
    for f in &c.findings {
        out += &format!("  - {}\n", f.reason);
    }
    out
}

fn rows(out: &mut String, rows: &[aigis_core::engine::RegionRowRef]) {
    for r in rows.iter().take(SHOWN) {
        *out += &format!(
            "  {}:{}-{} {} tier {} review {}{}{}\n",
            r.file,
            r.lines[0],
            r.lines[1],
            r.tool,
            r.tier,
            r.review,
            r.reviewed_by
                .as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default(),
            if r.risky.is_empty() {
                String::new()
            } else {
                format!(" [{}]", r.risky.join(", "))
            }
        );
    }
    *out += &more(rows.len());
}

pub fn status(s: &StatusAnswer) -> String {
    let mut out = format!("{}\n", s.summary);
    rows(&mut out, &s.regions);
    notes(&mut out, &s.notes);
    out
}

pub fn scan(s: &ScanAnswer) -> String {
    let mut out = format!("{}\n", s.summary);
    rows(&mut out, &s.regions);
    for f in s.findings.iter().take(SHOWN) {
        out += &format!(
            "  {} ({}) at {}:{}{}\n",
            f.rule,
            f.severity,
            f.file,
            f.line,
            if f.ai { " in AI code" } else { "" }
        );
    }
    out += &more(s.findings.len());
    if !s.rollout_reasons.is_empty() {
        out += &format!("Rollout: {}\n", s.rollout_reasons.join("; "));
    }
    notes(&mut out, &s.notes);
    out
}

pub fn who(w: &WhoWroteAnswer) -> String {
    let mut out = format!("{}\n", w.summary);
    for r in w.ranges.iter().take(SHOWN * 2) {
        let who = if r.ai {
            format!(
                "AI {}{} ({}, {})",
                r.tool.as_deref().unwrap_or("?"),
                r.model
                    .as_deref()
                    .map(|m| format!("/{m}"))
                    .unwrap_or_default(),
                r.source.unwrap_or("?"),
                r.confidence.unwrap_or("?")
            )
        } else {
            "human".to_string()
        };
        out += &format!(
            "  {}-{}: {who}{}\n",
            r.lines[0],
            r.lines[1],
            r.commit
                .as_deref()
                .map(|c| format!(", commit {}", &c[..8.min(c.len())]))
                .unwrap_or_else(|| ", uncommitted".into())
        );
    }
    if w.ranges.len() > SHOWN * 2 {
        out += &format!("  … and {} more ranges\n", w.ranges.len() - SHOWN * 2);
    }
    notes(&mut out, &w.notes);
    out
}
