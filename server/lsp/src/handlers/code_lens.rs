//! `textDocument/codeLens`: a lens above each AI region.

use super::*;

impl AigisServer {
    pub(crate) async fn handle_code_lens(
        &self,
        params: CodeLensParams,
    ) -> Result<Option<Vec<CodeLens>>> {
        guarded(|| {
            let uri = params.text_document.uri;
            let Some(snap) = self.snapshot(uri.as_str()) else {
                return Ok(None);
            };
            let lenses = snap
                .assessments
                .iter()
                .map(|a| {
                    let range = head_range(&snap.pos, &a.region);
                    let blast = a
                        .blast
                        .as_ref()
                        .map(|b| {
                            format!(
                                " · {} dependent{} in {} file{}",
                                b.direct,
                                if b.direct == 1 { "" } else { "s" },
                                b.files,
                                if b.files == 1 { "" } else { "s" }
                            )
                        })
                        .unwrap_or_default();
                    let review = match a.review.state {
                        ReviewState::None => String::new(),
                        s => format!(" · {} review {}", a.risk.tier.as_str(), s.as_str()),
                    };
                    let title = format!(
                        "AI: {} ({}){blast}{review}",
                        a.region.provenance.tool,
                        a.region.source.as_str()
                    );
                    CodeLens {
                        range,
                        command: Some(Command::new(
                            title,
                            "aigis.showBlastRadius".into(),
                            Some(vec![
                                json!({ "uri": uri.as_str(), "position": range.start }),
                            ]),
                        )),
                        data: None,
                    }
                })
                .collect();
            Ok(Some(lenses))
        })
    }
}
