//! `textDocument/hover`: provenance, findings, blast radius and review state of a region.

use super::*;

impl AigisServer {
    pub(crate) async fn handle_hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        guarded(|| {
            let pos = params.text_document_position_params;
            let Some(snap) = self.snapshot(pos.text_document.uri.as_str()) else {
                return Ok(None);
            };
            let offset = snap.pos.offset_of(lc(pos.position));
            let Some(a) = snap.assessments.iter().find(|a| a.region.contains(offset)) else {
                return Ok(None);
            };
            let mut md = hover_markdown(&snap.pos, a);
            let protected = snap
                .ws
                .as_deref()
                .zip(snap.rel.as_deref())
                .and_then(|(w, rel)| w.config.guard.protecting(rel, None));
            if let Some(glob) = protected {
                md += &format!("\n\n**Protected path** (`{glob}` in aigis.toml `[guard] protect`): agents may not edit this file; `aigis guard` refuses their edits here.");
            }
            Ok(Some(Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: md,
                }),
                range: Some(range_of(&snap.pos, a.region.start, a.region.end)),
            }))
        })
    }
}

pub(crate) fn hover_markdown(pos: &Positions, a: &Assessment) -> String {
    let r = &a.region;
    let (l1, l2) = (
        pos.line_of(r.start) + 1,
        pos.line_of(r.end.saturating_sub(1)) + 1,
    );
    let mut md = if r.source == Source::Heuristic {
        format!("**Possibly AI-written** (lines {l1}–{l2}; a guess, not counted until you confirm it: *Mark as AI-written* or *as human-written*)\n\n")
    } else {
        format!("**AI-written region** (lines {l1}–{l2})\n\n")
    };
    md += &format!("- tool: `{}`", r.provenance.tool);
    if let Some(m) = &r.provenance.model {
        md += &format!(", model: `{m}`");
    }
    if let Some(s) = &r.provenance.session {
        md += &format!(", session: `{s}`");
    }
    md += &format!(
        "\n- attribution: `{}`, confidence `{}`{}\n",
        r.source.as_str(),
        r.source.confidence().as_str(),
        if r.modified {
            ", since modified by a human"
        } else {
            ""
        }
    );
    if let Some(author) = &a.author {
        md += &format!("- accepted by: {author}\n");
    }
    md += &format!(
        "- risk: tier **{}**, score {}\n",
        a.risk.tier.as_str(),
        a.risk.score
    );
    for f in &a.findings {
        md += &format!(
            "  - `{}` ({}): {}\n",
            f.rule,
            f.severity.as_str(),
            f.message
        );
    }
    md += &format!("- review: **{}**", a.review.state.as_str());
    if a.review.needed > 1 {
        md += &format!(
            " ({} of {} approvals{})",
            a.review.approvals.len(),
            a.review.needed,
            if a.review.approvals.is_empty() {
                String::new()
            } else {
                format!(": {}", a.review.approvals.join(", "))
            }
        );
    }
    if let Some(by) = &a.review.by {
        md += &format!(" by {by}");
    }
    if let Some(at) = &a.review.at {
        md += &format!(" at {at}");
    }
    if a.review.stale {
        md += " (an earlier approval is stale)";
    }
    if !a.review.reviewers.is_empty() && a.review.state != ReviewState::None {
        md += &format!("\n- reviewers: {}", a.review.reviewers.join(", "));
    }
    if let Some(b) = &a.blast {
        md += &format!("\n\n**Blast radius**: {}\n", b.summary());
        for d in b.dependents.iter().take(15) {
            md += &format!(
                "\n{}- ← `{}` — {}:{}",
                "  ".repeat(d.depth.saturating_sub(1)),
                d.caller.as_deref().unwrap_or("(top level)"),
                d.file
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                d.line + 1
            );
        }
        if b.dependents.len() > 15 {
            md += &format!("\n- … {} more", b.dependents.len() - 15);
        }
        for t in b.tests.iter().take(5) {
            md += &format!("\n- test: `{}`", t.caller.as_deref().unwrap_or("?"));
        }
    }
    md
}
