//! Who wrote each line of a file (`aigis blame`, `who_wrote`): human or which AI, the source and
//! confidence of that attribution, the commit and the review.

use serde::Serialize;

use super::OpenedFile;
use crate::workspace::Workspace;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlameRow {
    pub line: usize,
    pub ai: bool,
    pub tool: Option<String>,
    pub model: Option<String>,
    pub session: Option<String>,
    pub source: Option<&'static str>,
    pub confidence: Option<&'static str>,
    pub region_id: Option<String>,
    pub commit: Option<String>,
    pub author: Option<String>,
    pub review: Option<serde_json::Value>,
    pub context: Vec<String>,
    pub text: String,
}

/// One row per line of `lines` (one-based, inclusive; all lines when `None`). A line past the
/// end is an error.
pub fn blame_rows(
    ws: &Workspace,
    opened: &OpenedFile,
    lines: Option<(usize, usize)>,
) -> Result<Vec<BlameRow>, String> {
    let tracked = &opened.file;
    let assessments = tracked.assessments(Some(ws));
    let text = tracked.doc.text();
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&s| s < text.len())
        .collect();
    if let Some((first, last)) = lines {
        if first == 0 {
            return Err("lines start at 1".into());
        }
        if last < first {
            return Err(format!("end line {last} is before line {first}"));
        }
        if first > starts.len() {
            return Err(format!(
                "{} has {} lines; there is no line {first}",
                opened.rel,
                starts.len()
            ));
        }
    }
    let mut rows = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let line = i + 1;
        if lines.is_some_and(|(a, b)| line < a || line > b) {
            continue;
        }
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        let code = text[s..e].trim_end_matches(['\n', '\r']);
        let origin = opened.history.get(i);
        let a = assessments
            .iter()
            .find(|a| a.region.overlaps(s, e.max(s + 1)));
        let mut context: Vec<String> = origin.map(|o| o.context.clone()).unwrap_or_default();
        if let (Some(a), Some(h)) = (a, origin.and_then(|o| o.ai.as_ref())) {
            if a.region.source != h.source {
                context.push(format!("{}: {}", h.source.as_str(), h.tool));
            }
        }
        let commit = origin
            .map(|o| o.commit.clone())
            .filter(|c| c != crate::history::UNCOMMITTED);
        rows.push(BlameRow {
            line,
            ai: a.is_some(),
            tool: a.map(|a| a.region.provenance.tool.clone()),
            model: a.and_then(|a| a.region.provenance.model.clone()),
            session: a.and_then(|a| a.region.provenance.session.clone()),
            source: a.map(|a| a.region.source.as_str()),
            confidence: a.map(|a| a.region.source.confidence().as_str()),
            region_id: a.map(|a| a.region.id.clone()),
            commit,
            author: origin.map(|o| o.author.clone()),
            review: a.map(|a| serde_json::json!({ "state": a.review.state.as_str(), "by": a.review.by, "at": a.review.at, "tier": a.risk.tier.as_str() })),
            context,
            text: code.to_string(),
        });
    }
    Ok(rows)
}
