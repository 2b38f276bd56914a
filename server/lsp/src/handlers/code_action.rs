//! `textDocument/codeAction`: request senior review, approve, mark AI or human.

use super::*;

impl AigisServer {
    pub(crate) async fn handle_code_action(
        &self,
        params: CodeActionParams,
    ) -> Result<Option<CodeActionResponse>> {
        self.code_actions_at.insert(
            params.text_document.uri.as_str().to_string(),
            std::time::Instant::now(),
        );
        guarded(|| {
            let uri = params.text_document.uri;
            let Some(entry) = self.docs.get(uri.as_str()) else {
                return Ok(None);
            };
            let file = &entry.file;
            let (s, e) = (
                file.doc.offset_of(lc(params.range.start)),
                file.doc.offset_of(lc(params.range.end)),
            );
            let ws = entry.ws.clone();
            let mut actions = Vec::new();
            for a in file.assessments(ws.as_deref()) {
                let r = &a.region;
                if !(r.overlaps(s, e.max(s + 1)) || (s == e && r.start <= s && s <= r.end)) {
                    continue;
                }
                let arg = json!({ "uri": uri.as_str(), "regionId": r.id });
                let related: Vec<Diagnostic> = params
                    .context
                    .diagnostics
                    .iter()
                    .filter(|d| match d.data.as_ref().and_then(|v| v.get("regionId")) {
                        Some(id) => id.as_str() == Some(r.id.as_str()),
                        // A finding's diagnostic carries no region: it is the region's where
                        // the region holds it.
                        None => is_finding(d) && r.contains(file.doc.offset_of(lc(d.range.start))),
                    })
                    .cloned()
                    .collect();
                let mut push = |title: String, command: &str, preferred: bool| {
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: title.clone(),
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(related.clone()).filter(|d: &Vec<_>| !d.is_empty()),
                        command: Some(Command::new(title, command.into(), Some(vec![arg.clone()]))),
                        is_preferred: Some(preferred),
                        ..Default::default()
                    }));
                };
                match (a.risk.tier, a.review.state) {
                    (Tier::Senior, ReviewState::Required) => push(
                        format!(
                            "Request senior review of this AI region ({} risky operation{})",
                            a.findings.len(),
                            if a.findings.len() == 1 { "" } else { "s" }
                        ),
                        "aigis.requestSeniorReview",
                        true,
                    ),
                    (Tier::Peer, ReviewState::Required) => push(
                        "Request peer review of this AI region".into(),
                        "aigis.requestSeniorReview",
                        true,
                    ),
                    (_, ReviewState::Requested) => push(
                        if a.review.needed > 1 {
                            format!(
                                "Approve this AI region ({} review, {} of {} approvals given)",
                                a.risk.tier.as_str(),
                                a.review.approvals.len(),
                                a.review.needed
                            )
                        } else {
                            format!("Approve this AI region ({} review)", a.risk.tier.as_str())
                        },
                        "aigis.approve",
                        false,
                    ),
                    _ => {}
                }
                let human = json!({ "uri": uri.as_str(), "range": range_of(file.doc.positions(), r.start, r.end) });
                if r.source == Source::Heuristic {
                    let ai = json!({ "uri": uri.as_str(), "range": range_of(file.doc.positions(), r.start, r.end), "tool": "unknown" });
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: "Mark as AI-written (confirm the guess)".into(),
                        kind: Some(CodeActionKind::QUICKFIX),
                        command: Some(Command::new(
                            "Mark as AI-written (confirm the guess)".into(),
                            "aigis.markAi".into(),
                            Some(vec![ai]),
                        )),
                        is_preferred: Some(true),
                        ..Default::default()
                    }));
                }
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: "Mark this region as human-written".into(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    command: Some(Command::new(
                        "Mark this region as human-written".into(),
                        "aigis.markHuman".into(),
                        Some(vec![human]),
                    )),
                    ..Default::default()
                }));
            }
            Ok(Some(actions))
        })
    }
}
