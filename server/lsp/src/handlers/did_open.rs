//! `textDocument/didOpen`: a document starts being tracked, with its regions from the ledger.

use super::*;

impl AigisServer {
    pub(crate) async fn handle_did_open(&self, params: DidOpenTextDocumentParams) {
        let td = params.text_document;
        let path = file_path(&td.uri);
        let ws = self.workspace_for(path.as_deref());
        let rel = self.rel_path(ws.as_deref(), path.as_deref());
        let lang = path
            .as_deref()
            .and_then(|p| language::for_document(&td.language_id, p))
            .or_else(|| language::by_name(&td.language_id));
        let encoding = self.encoding.read().map(|e| *e).unwrap_or_default();
        let mut warnings = Vec::new();
        let file = TrackedFile::load(
            ws.as_deref(),
            rel,
            &td.text,
            td.version,
            encoding,
            lang,
            &mut warnings,
        );
        let too_large = file.doc.too_large();
        self.docs.insert(
            td.uri.as_str().to_string(),
            OpenFile {
                snapshot: None,
                ws: ws.clone(),
                file,
                path,
                burst: BurstDetector::default(),
                parsing: false,
                analysing: false,
                blasting: false,
                typing: Default::default(),
                texts: Default::default(),
            },
        );
        let published = self.with_doc(&td.uri, |_, _| Ok(()));
        self.warn(warnings).await;
        if too_large {
            self.client
                .log_message(
                    MessageType::INFO,
                    format!("aigis: {} is larger than {} MB; regions are tracked but the file is not analysed", td.uri.as_str(), aigis_core::document::MAX_ANALYSED_BYTES >> 20),
                )
                .await;
        }
        if let Ok((_, p)) = published {
            self.resend_diagnostics(td.uri.as_str());
            self.publish(p).await;
        }
        if let Some(ws) = self.doc_workspace(td.uri.as_str()) {
            if let Some(rel) = self
                .docs
                .get(td.uri.as_str())
                .and_then(|d| d.file.rel.clone())
            {
                let log = ws.ledger.dir().join("regions").join(format!("{rel}.jsonl"));
                // No log yet counts as seen at the epoch: its creation is a change.
                let m = std::fs::metadata(&log)
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                self.ledger_seen.insert(td.uri.as_str().to_string(), m);
            }
        }
        self.load_history(td.uri.clone(), td.version).await;
    }
}
