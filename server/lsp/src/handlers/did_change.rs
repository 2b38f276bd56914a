//! `textDocument/didChange`: edits applied before any `.await`; regions move, bursts become regions.

use super::*;

impl AigisServer {
    pub(crate) async fn handle_did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let began = std::time::Instant::now();
        let mut stale = None;
        let mut parse_owed = false;
        let result = self.with_doc_within(&uri, KEYSTROKE_ANALYSIS_BYTES, |open, ws| {
            if version <= open.file.doc.version {
                stale = Some(open.file.doc.version);
                return Ok(());
            }
            let (heuristic_on, min_lines) = self.heuristic(ws);
            for change in &params.content_changes {
                let range = change.range.map(|r| (lc(r.start), lc(r.end)));
                let (s, e) = match range {
                    Some((a, b)) => {
                        let (a, b) = (open.file.doc.offset_of(a), open.file.doc.offset_of(b));
                        (a.min(b), a.max(b))
                    }
                    None => (0, open.file.doc.len_bytes()),
                };
                let acted = self
                    .code_actions_at
                    .get(uri.as_str())
                    .is_some_and(|t| t.elapsed() < CODE_ACTION_WINDOW);
                let burst = heuristic_on
                    && !acted
                    && change.range.is_some()
                    && open
                        .burst
                        .is_burst(&open.file.doc.text()[s..e], &change.text, min_lines);
                let edit = open.file.apply_change(range, &change.text);
                if !burst && change.range.is_some() && !open.file.restored_ai_text() {
                    open.file.note_typed(edit.start, edit.new_end);
                }
                if burst {
                    // Leading and trailing blank lines are layout, not code.
                    let inserted = &change.text;
                    let lead = inserted.len() - inserted.trim_start().len();
                    let trail = inserted.len() - inserted.trim_end().len();
                    let (a, b) = (edit.start + lead, edit.new_end - trail);
                    let inside_exact = open
                        .file
                        .regions
                        .at(a)
                        .is_some_and(|r| r.source != Source::Heuristic);
                    if a < b && !inside_exact {
                        open.file.regions.add(Region {
                            id: new_region_id(),
                            start: a,
                            end: b,
                            provenance: Provenance {
                                tool: "unknown".into(),
                                model: None,
                                session: None,
                            },
                            source: Source::Heuristic,
                            modified: false,
                            created_at: now_rfc3339(),
                        });
                    }
                }
            }
            open.file.doc.version = version;
            open.typing.note(open.file.doc.edit_count());
            // A whole new text (a reload after `git checkout`, `git stash pop`): the regions the
            // ledger on disk holds for it (the other branch's) come in too.
            if params.content_changes.iter().any(|c| c.range.is_none()) {
                if let Some(ws) = ws {
                    open.file.refresh_from_ledger(ws);
                }
            }
            // A keystroke's parse is bounded; a whole new text is not typing, and is parsed whole.
            if params.content_changes.iter().any(|c| c.range.is_none()) {
                open.file.reparse();
            } else {
                parse_owed = open.file.reparse_bounded(KEYSTROKE_PARSE_STEPS);
            }
            Ok(())
        });
        if let Some(current) = stale {
            self.client
                .log_message(
                    MessageType::WARNING,
                    format!("aigis: ignored didChange version {version} of {}: already at version {current}", uri.as_str()),
                )
                .await;
            return;
        }
        match result {
            Ok((_, p)) => {
                let assessed = began.elapsed();
                self.publish(p).await;
                tracing::debug!(
                    "didChange {version}: assessed in {} µs, published in {} µs",
                    assessed.as_micros(),
                    (began.elapsed() - assessed).as_micros()
                );
                if parse_owed {
                    self.parse_in_background(uri);
                } else {
                    self.reindex_soon(uri, version);
                }
            }
            Err(e) => {
                self.client
                    .log_message(
                        MessageType::ERROR,
                        format!("aigis: didChange: {}", e.message),
                    )
                    .await
            }
        }
    }
}
