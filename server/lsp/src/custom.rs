//! The `aigis/*` methods: `markAiEdit`, `didPaste`, `regions`, `blastRadius`, and their params.

use super::*;

impl AigisServer {
    /// Adds a region over `range` of an open document and records it in the ledger.
    pub(crate) fn add_region(
        &self,
        uri: &Uri,
        range: Range,
        provenance: Provenance,
        source: Source,
    ) -> Result<Publish> {
        let (_, publish) = self.with_doc(uri, |open, ws| {
            let doc = &open.file.doc;
            // A selection made backwards (anchor after cursor) is the same span.
            let (a, b) = (doc.offset_of(lc(range.start)), doc.offset_of(lc(range.end)));
            let (start, end) = (a.min(b), a.max(b));
            if start >= end {
                return Err(invalid_params("the range is empty"));
            }
            let id = new_region_id();
            if let Some(ws) = ws {
                let who = Identity::of_workspace(&ws.root);
                if who.is_known() {
                    open.file.authors.insert(id.clone(), who);
                }
            }
            open.file.human.clear_range(start, end);
            open.file.regions.add(Region {
                id,
                start,
                end,
                provenance,
                source,
                modified: false,
                created_at: now_rfc3339(),
            });
            persist(&mut open.file, ws)
        })?;
        Ok(publish)
    }

    /// `aigis/markAiEdit`: an editor plugin reports an accepted AI suggestion.
    pub(crate) async fn mark_ai_edit(&self, params: MarkAiEditParams) {
        let uri = params.text_document.uri.clone();
        if let Some(v) = params.text_document.version {
            let current = self.docs.get(uri.as_str()).map(|d| d.file.doc.version);
            if current.is_some_and(|c| c != v) {
                self.client
                    .log_message(
                        MessageType::WARNING,
                        format!("aigis/markAiEdit for version {v} of {} ignored: the document is at version {}", uri.as_str(), current.unwrap_or_default()),
                    )
                    .await;
                return;
            }
        }
        let provenance = Provenance {
            tool: params.tool,
            model: params.model,
            session: params.session,
        };
        match self.add_region(&uri, params.range, provenance, Source::Editor) {
            Ok(p) => self.publish(p).await,
            Err(e) => {
                self.client
                    .log_message(
                        MessageType::WARNING,
                        format!("aigis/markAiEdit: {}", e.message),
                    )
                    .await
            }
        }
    }

    /// `aigis/didPaste`: the client pasted text; it is the user's, not an AI's.
    pub(crate) async fn did_paste(&self, params: DidPasteParams) {
        let uri = params.text_document.uri.clone();
        let result = self.with_doc(&uri, |open, _| {
            if let Some(text) = params.text {
                open.burst.note_paste(text);
            }
            if let Some(range) = params.range {
                let doc = &open.file.doc;
                let (s, e) = (doc.offset_of(lc(range.start)), doc.offset_of(lc(range.end)));
                let guesses: Vec<String> = open
                    .file
                    .regions
                    .iter()
                    .filter(|r| r.source == Source::Heuristic && r.overlaps(s, e.max(s + 1)))
                    .map(|r| r.id.clone())
                    .collect();
                for id in guesses {
                    open.file.regions.remove(&id);
                }
            }
            Ok(())
        });
        if let Ok((_, p)) = result {
            self.publish(p).await;
        }
    }

    /// The blast radius at a position: of the AI region there, else of the innermost definition
    /// around it. `None` when neither is there. Computed away from the document's lock and off
    /// the runtime's threads: the first question about a name parses the files that hold it.
    pub(crate) async fn blast_at(
        &self,
        uri: &Uri,
        position: Position,
    ) -> Result<Option<(Option<String>, aigis_core::blast::BlastRadius)>> {
        let (offset, depth, id, region, known) = guarded(|| {
            let entry = self
                .docs
                .get(uri.as_str())
                .ok_or_else(|| invalid_params("the document is not open"))?;
            let file = &entry.file;
            let offset = file.doc.offset_of(lc(position));
            let depth = entry.ws.as_ref().map_or(3, |w| w.config.policy.blast_depth);
            let id = entry.path.as_deref().and_then(|p| self.index.file_id(p));
            let region = file
                .regions
                .at(offset)
                .map(|r| (r.id.clone(), r.start, r.end));
            let known = region
                .as_ref()
                .and_then(|(rid, _, _)| file.blast_of(rid).cloned());
            Ok((offset, depth, id, region, known))
        })?;
        let Some(id) = id else {
            return Ok(None);
        };
        if let (Some((rid, _, _)), Some(b)) = (&region, known) {
            return Ok(Some((Some(rid.clone()), b)));
        }
        let index = self.index.clone();
        let work = move || {
            if let Some((rid, start, end)) = region {
                let b = aigis_core::blast::blast_radius(&index, id, start, end, depth);
                return Some((Some(rid), b));
            }
            let symbols = index.file(id)?;
            let def = symbols
                .defs
                .iter()
                .filter(|d| {
                    d.start <= offset
                        && offset < d.end
                        && d.kind != aigis_core::index::DefKind::Module
                })
                .min_by_key(|d| d.end - d.start)?;
            Some((
                None,
                aigis_core::blast::blast_radius(&index, id, def.start, def.end, depth),
            ))
        };
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| Error::internal_error())
    }

    /// `aigis/blastRadius` (SPEC.md).
    pub(crate) async fn blast_radius(&self, params: BlastRadiusParams) -> Result<Value> {
        let Some((region, b)) = self
            .blast_at(&params.text_document.uri, params.position)
            .await?
        else {
            return Ok(
                json!({ "symbols": [], "dependents": [], "transitive": [], "riskyCallees": [] }),
            );
        };
        let locs = |depth1: bool| -> Vec<Location> {
            b.dependents
                .iter()
                .filter(|d| (d.depth == 1) == depth1)
                .filter_map(|d| location(&d.file, d.line, d.col))
                .collect()
        };
        Ok(json!({
            "region": region,
            "symbols": b.symbols,
            "dependents": locs(true),
            "transitive": locs(false),
            "files": b.files,
            "entryPoints": b.entry_points,
            "tests": b.tests.iter().filter_map(|d| location(&d.file, d.line, d.col)).collect::<Vec<_>>(),
            "ambiguous": b.ambiguous.iter().filter_map(|d| location(&d.file, d.line, d.col)).collect::<Vec<_>>(),
            "riskyCallees": b.risky_callees.iter().map(|c| json!({
                "rule": c.rule, "severity": c.severity.as_str(), "via": c.via, "indirect": true,
                "location": location(&c.file, c.line, c.col),
            })).collect::<Vec<_>>(),
        }))
    }

    /// `aigis/regions`: every AI region of a document with its risk and review state.
    pub(crate) async fn regions(&self, params: RegionsParams) -> Result<Vec<Value>> {
        guarded(|| {
            let snap = self
                .snapshot(params.text_document.uri.as_str())
                .ok_or_else(|| invalid_params("the document is not open"))?;
            Ok(snap
                .assessments
                .iter()
                .map(|a| region_json(&snap.pos, a))
                .collect())
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VersionedDoc {
    pub(crate) uri: Uri,
    pub(crate) version: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MarkAiEditParams {
    pub(crate) text_document: VersionedDoc,
    pub(crate) range: Range,
    pub(crate) tool: String,
    pub(crate) model: Option<String>,
    pub(crate) session: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DidPasteParams {
    pub(crate) text_document: TextDocumentIdentifier,
    pub(crate) range: Option<Range>,
    pub(crate) text: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegionsParams {
    pub(crate) text_document: TextDocumentIdentifier,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegionCommand {
    pub(crate) uri: Uri,
    pub(crate) region_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PositionCommand {
    pub(crate) uri: Uri,
    pub(crate) position: Position,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BlastRadiusParams {
    pub(crate) text_document: TextDocumentIdentifier,
    pub(crate) position: Position,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MarkCommand {
    pub(crate) uri: Uri,
    pub(crate) range: Range,
    pub(crate) tool: Option<String>,
}
