//! `textDocument/didClose`.

use super::*;

impl AigisServer {
    pub(crate) async fn handle_did_close(&self, params: DidCloseTextDocumentParams) {
        self.docs.remove(params.text_document.uri.as_str());
        self.ledger_seen.remove(params.text_document.uri.as_str());
        let seq = self
            .publish_seq
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.publish(Publish {
            uri: params.text_document.uri,
            diagnostics: Vec::new(),
            drawn: Vec::new(),
            version: None,
            seq,
        })
        .await;
    }
}
