//! `workspace/executeCommand`: the commands the code actions and lenses run.

use super::*;

impl AigisServer {
    pub(crate) async fn handle_execute_command(
        &self,
        params: ExecuteCommandParams,
    ) -> Result<Option<Value>> {
        let arg = params.arguments.into_iter().next().ok_or_else(|| {
            invalid_params(format!("{} takes one object argument", params.command))
        })?;
        match params.command.as_str() {
            "aigis.requestSeniorReview" | "aigis.approve" => {
                let cmd: RegionCommand =
                    serde_json::from_value(arg).map_err(|e| invalid_params(e.to_string()))?;
                let approve = params.command == "aigis.approve";
                let ws = self
                    .doc_workspace(cmd.uri.as_str())
                    .ok_or_else(|| request_failed("the file is in no workspace folder"))?;
                let (event, publish) = self.with_doc(&cmd.uri, |open, _| {
                    let rel = open
                        .file
                        .rel
                        .clone()
                        .ok_or_else(|| request_failed("the file is outside the workspace"))?;
                    let mut warnings = Vec::new();
                    open.file.reload_reviews(&ws, &mut warnings);
                    let (a, lines) =
                        review::find(&open.file, &ws, review::RegionAt::Id(&cmd.region_id))
                            .ok_or_else(|| {
                                invalid_params(format!(
                                    "no AI region {} in this document",
                                    cmd.region_id
                                ))
                            })?;
                    // The reviewed text must be what is on disk: record the regions first.
                    open.file
                        .persist(&ws)
                        .map_err(|e| request_failed(e.to_string()))?;
                    let action = if approve {
                        review::Action::Approve
                    } else {
                        review::Action::Request
                    };
                    let (event, _) = review::act(&ws, &rel, &a, lines, action)
                        .map_err(|e| request_failed(e.to_string()))?;
                    open.file.events.push(event.clone());
                    Ok(event)
                })?;
                self.publish(publish).await;
                Ok(Some(serde_json::to_value(event).unwrap_or(Value::Null)))
            }
            "aigis.markAi" => {
                let cmd: MarkCommand =
                    serde_json::from_value(arg).map_err(|e| invalid_params(e.to_string()))?;
                let provenance = Provenance {
                    tool: cmd.tool.unwrap_or_else(|| "unknown".into()),
                    model: None,
                    session: None,
                };
                let p = self.add_region(&cmd.uri, cmd.range, provenance, Source::User)?;
                self.publish(p).await;
                Ok(None)
            }
            "aigis.markHuman" => {
                let cmd: MarkCommand =
                    serde_json::from_value(arg).map_err(|e| invalid_params(e.to_string()))?;
                let (_, p) = self.with_doc(&cmd.uri, |open, ws| {
                    let doc = &open.file.doc;
                    let (a, b) = (
                        doc.offset_of(lc(cmd.range.start)),
                        doc.offset_of(lc(cmd.range.end)),
                    );
                    // A selection made backwards (anchor after cursor) is the same span.
                    let (s, e) = (a.min(b), a.max(b));
                    open.file.regions.clear_range(s, e);
                    persist(&mut open.file, ws)
                })?;
                self.publish(p).await;
                Ok(None)
            }
            "aigis.showBlastRadius" => {
                let cmd: PositionCommand =
                    serde_json::from_value(arg).map_err(|e| invalid_params(e.to_string()))?;
                let b = self.blast_at(&cmd.uri, cmd.position).await?;
                let locations: Vec<Location> = b
                    .as_ref()
                    .map(|(_, b)| {
                        b.dependents
                            .iter()
                            .filter_map(|d| location(&d.file, d.line, d.col))
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(Some(serde_json::to_value(locations).unwrap_or(Value::Null)))
            }
            other => Err(invalid_params(format!("unknown command {other}"))),
        }
    }
}
