//! What a document's diagnostics are sent as, and when: a set goes out only when it differs
//! from the last one sent (or what the editor plugins draw of its regions does).

use super::*;

/// Diagnostics ready to publish, computed while the document was locked.
pub(crate) struct Publish {
    pub(crate) uri: Uri,
    pub(crate) diagnostics: Vec<Entry>,
    /// What the editor plugins draw of the regions: a change of it is sent too.
    pub(crate) drawn: Vec<Drawn>,
    pub(crate) version: Option<i32>,
    /// When they were computed (`ServerState::publish_seq`): an older set is never sent after
    /// a newer one, even when a background task computed it first and sends it last.
    pub(crate) seq: u64,
}

/// What the editor plugins draw of a region: its lines, who wrote it, its tier and review. They
/// fetch `aigis/regions` again when a document's diagnostics come, so a set is sent when this
/// changed even if its diagnostics did not (a risk-free region marked, a region split).
#[derive(PartialEq)]
pub(crate) struct Drawn {
    id: String,
    /// First and last line, and whether it ends at a line's start (drawn to the line before).
    lines: (usize, usize, bool),
    tool: String,
    source: Source,
    modified: bool,
    tier: Tier,
    review: ReviewState,
}

impl Drawn {
    pub(crate) fn of(
        a: &aigis_core::tracked_file::Judged,
        doc: &aigis_core::document::Document,
    ) -> Self {
        let end = doc.position_of(a.region.end);
        Drawn {
            id: a.region.id.clone(),
            lines: (
                doc.line_of(a.region.start),
                end.line as usize,
                end.character == 0,
            ),
            tool: a.region.provenance.tool.clone(),
            source: a.region.source,
            modified: a.region.modified,
            tier: a.verdict.risk.tier,
            review: a.verdict.review.state,
        }
    }
}

/// The diagnostics last sent for a document.
#[derive(Default)]
pub(crate) struct Sent {
    /// The newest `seq` sent: a set computed before it is not sent.
    pub(crate) seq: u64,
    /// The set sent (`None`: none since the document was opened).
    pub(crate) diagnostics: Option<Vec<Entry>>,
    /// The regions as they were drawn when it was sent.
    pub(crate) drawn: Vec<Drawn>,
}

impl AigisServer {
    /// Sends a document's diagnostics unless a newer set went out first, or the same set was
    /// the last one sent (an editor keeps what it was sent: a keystroke on a line with no
    /// finding, or a background parse that found what the keystroke's answer said, sends
    /// nothing, as rust-analyzer does). They are serialized straight into a frame for the
    /// output thread, findings' from the text serialized when each was first published
    /// ([`FindingTexts`]): tower-lsp's client would build a `serde_json::Value` of them first,
    /// then serialize that, and a region of 500 risky calls is 200 KB of diagnostics.
    ///
    /// A client that asks for it (`experimental.aigisAnalyzedNotification`) is told after each
    /// set, sent or not: `aigis/analyzed { uri, version, changed }`.
    pub(crate) async fn publish(&self, p: Publish) {
        if self.shut_down.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        let told = self.caps.read().is_ok_and(|c| c.analyzed_notification);
        // Compared, sent and recorded under the document's entry: two tasks publishing at once
        // send in the order of their sets, and the record is of what went out last.
        let mut sent = self
            .published
            .entry(p.uri.as_str().to_string())
            .or_default();
        if p.seq < sent.seq {
            return;
        }
        sent.seq = p.seq;
        // Compared as built (a finding's text is shared, so mostly a pointer each), serialized
        // only when it is to be sent.
        let changed = sent.diagnostics.as_ref() != Some(&p.diagnostics) || sent.drawn != p.drawn;
        let changed = changed
            && match publish_frame(&p) {
                Ok(frame) => {
                    let _ = self.out.send(frame);
                    sent.diagnostics = Some(p.diagnostics);
                    sent.drawn = p.drawn;
                    true
                }
                Err(e) => {
                    tracing::error!("diagnostics not serialized: {e}");
                    false
                }
            };
        if told {
            let body = json!({
                "jsonrpc": "2.0",
                "method": "aigis/analyzed",
                "params": { "uri": p.uri, "version": p.version, "changed": changed },
            });
            let _ = self
                .out
                .send(crate::transport::encode(body.to_string().as_bytes()));
        }
    }

    /// The next set of `uri`'s diagnostics is sent whatever the last one was (a document
    /// opened again: the editor may have dropped what it was sent when it was closed).
    pub(crate) fn resend_diagnostics(&self, uri: &str) {
        if let Some(mut sent) = self.published.get_mut(uri) {
            sent.diagnostics = None;
        }
    }
}

/// The `publishDiagnostics` frame of a set, written by hand around the findings' texts.
fn publish_frame(p: &Publish) -> serde_json::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(256 + 512 * p.diagnostics.len());
    body.extend_from_slice(
        br#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"#,
    );
    serde_json::to_writer(&mut body, &p.uri)?;
    // No `version` (it is optional): a set is not sent again when it has not changed, and
    // Helix drops a set whose version is not the document's when it arrives, so a set it
    // dropped would stay unshown. Sets go out in the order they were computed, so the last
    // one an editor takes is the newest.
    body.extend_from_slice(br#","diagnostics":["#);
    for (i, d) in p.diagnostics.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        d.write(&mut body)?;
    }
    body.extend_from_slice(b"]}}");
    Ok(crate::transport::encode(&body))
}
