//! `textDocument/didSave`: the ledger catches up with the saved text.

use super::*;

impl AigisServer {
    pub(crate) async fn handle_did_save(&self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        let mut error = None;
        let mut warnings = Vec::new();
        let result = self.with_doc(&uri, |open, ws| {
            if let Some(ws) = ws {
                // What the user typed since the last save is known-human from now on.
                if let Err(e) = open.file.persist_with(ws, true) {
                    error = Some(e.to_string());
                }
                open.file.reload_reviews(ws, &mut warnings);
            }
            Ok(())
        });
        if let Some(e) = error {
            self.client
                .show_message(
                    MessageType::ERROR,
                    format!("aigis: could not record regions: {e}"),
                )
                .await;
        }
        self.warn(warnings).await;
        if let Ok((_, p)) = result {
            self.publish(p).await;
        }
    }
}
