//! Background tasks: history attribution of opened files, indexing the workspace, re-indexing
//! an edited file when typing pauses, watching the ledger for other writers.

use super::*;

impl AigisServer {
    /// Lays the AI regions that git history knows (trailers, git-ai notes, Agent Trace) under
    /// an open document's exact regions. `git blame` runs off the handler threads; if the
    /// document changed meanwhile, the result is dropped (the next open computes it again).
    pub(crate) async fn load_history(&self, uri: Uri, version: i32) {
        let Some(ws) = self.doc_workspace(uri.as_str()) else {
            return;
        };
        let (rel, human) = match self.docs.get(uri.as_str()) {
            Some(d) => match &d.file.rel {
                Some(rel) => (
                    rel.clone(),
                    d.file
                        .human
                        .iter()
                        .map(|h| (h.start, h.end))
                        .collect::<Vec<_>>(),
                ),
                None => return,
            },
            None => return,
        };
        let root = ws.root.clone();
        let rel2 = rel.clone();
        let Ok(lines) =
            tokio::task::spawn_blocking(move || aigis_core::history::attribute(&root, &rel2)).await
        else {
            return;
        };
        if lines.iter().all(|l| l.ai.is_none()) {
            return;
        }
        let result = self.with_doc(&uri, |open, _| {
            if open.file.doc.version != version {
                return Ok(false);
            }
            let regions = aigis_core::history::regions_of(open.file.doc.text(), &lines, &human);
            open.file.set_history(regions);
            Ok(true)
        });
        if let Ok((true, p)) = result {
            self.publish(p).await;
        }
    }

    /// Indexes the workspace in the background, reporting `$/progress`, then refreshes what the
    /// editor shows (blast radius needs the index).
    pub(crate) fn index_in_background(&self) {
        let server = self.clone();
        tokio::spawn(async move {
            let roots: Vec<(PathBuf, aigis_core::walk::WalkRules)> = server
                .all_workspaces()
                .iter()
                .map(|w| {
                    (
                        w.root.clone(),
                        aigis_core::walk::WalkRules::new(&w.config.index),
                    )
                })
                .collect();
            if roots.is_empty() {
                return;
            }
            let caps = server.caps.read().map(|c| c.clone()).unwrap_or_default();
            let token = NumberOrString::String("aigis-index".into());
            let progress = if caps.work_done_progress {
                let created = server
                    .client
                    .send_request::<request::WorkDoneProgressCreate>(WorkDoneProgressCreateParams {
                        token: token.clone(),
                    })
                    .await;
                match created {
                    Ok(()) => Some(
                        server
                            .client
                            .progress(token, "aigis: indexing")
                            .with_percentage(0)
                            .begin()
                            .await,
                    ),
                    Err(_) => None,
                }
            } else {
                None
            };
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, usize)>();
            let index = server.index.clone();
            let job = tokio::task::spawn_blocking(move || {
                let mut last = None;
                let mut passes = Vec::new();
                for (root, rules) in roots {
                    // From the cache of the last start, for the files that have not changed.
                    let (stats, used, cache) =
                        index.index_workspace_cached(&root, &rules, &|done, total| {
                            let _ = tx.send((done, total));
                        });
                    passes.push((root, used, cache));
                    last = Some(stats);
                }
                last.map(|s| (s, passes))
            });
            while let Some((done, total)) = rx.recv().await {
                if let Some(p) = &progress {
                    let pct = (done * 100 / total.max(1)) as u32;
                    p.report_with_message(format!("{done}/{total} files"), pct)
                        .await;
                }
            }
            let (stats, passes) = match job.await.ok().flatten() {
                Some((s, p)) => (Some(s), p),
                None => (None, Vec::new()),
            };
            server
                .indexed
                .store(true, std::sync::atomic::Ordering::Release);
            if let Some(p) = progress {
                let msg = stats
                    .map(|s| format!("{} files", s.files))
                    .unwrap_or_default();
                p.finish_with_message(msg).await;
            }
            server.republish_blast().await;
            // The files read anew are parsed now, at a lower priority (a question parses what
            // it needs at once), and the cache written for the next start.
            let index = server.index.clone();
            let notes = tokio::task::spawn_blocking(move || {
                passes
                    .into_iter()
                    .map(|(root, used, cache)| {
                        let note = cache.complete(&index).or(used.note);
                        format!(
                            "aigis: indexed {}: {} files from the index cache, {} read{}",
                            root.display(),
                            used.reused,
                            used.read,
                            note.map(|n| format!(" ({n})")).unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .unwrap_or_default();
            for n in notes {
                server.client.log_message(MessageType::INFO, n).await;
            }
        });
    }

    /// Recomputes and publishes diagnostics of every open document (the policy changed).
    pub(crate) async fn republish_all(&self) {
        self.republish(false).await;
    }

    /// The index changed: only documents with AI regions show anything that depends on it
    /// (blast radius), so only those are published again.
    pub(crate) async fn republish_blast(&self) {
        self.republish(true).await;
    }

    pub(crate) async fn republish(&self, only_with_regions: bool) {
        let uris: Vec<Uri> = self
            .docs
            .iter()
            .filter(|d| !only_with_regions || !d.file.regions.is_empty())
            .filter_map(|d| d.key().parse::<Uri>().ok())
            .collect();
        for uri in uris {
            if let Ok((_, p)) = self.with_doc_within(&uri, KEYSTROKE_ANALYSIS_BYTES, |_, _| Ok(()))
            {
                self.publish(p).await;
            }
        }
        let refresh = self
            .caps
            .read()
            .map(|c| c.code_lens_refresh)
            .unwrap_or(false);
        if refresh {
            let _ = self.client.code_lens_refresh().await;
        }
    }

    /// Re-indexes one open document once typing pauses, so every keystroke does not pay for it.
    pub(crate) fn reindex_soon(&self, uri: Uri, version: i32) {
        let server = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            let snapshot = server.docs.get(uri.as_str()).and_then(|d| {
                if d.file.doc.version != version {
                    return None;
                }
                Some((
                    d.path.clone()?,
                    d.file.doc.fresh_tree()?.clone(),
                    d.file.doc.text().to_string(),
                ))
            });
            let Some((path, tree, text)) = snapshot else {
                return;
            };
            server.index.update_file(&path, &tree, &text);
            server.republish_blast().await;
        });
    }

    /// Catches up a document whose keystroke parse went over its budget (error recovery that
    /// runs through the rest of a file): the parse runs on a thread of its own at a lower
    /// priority, then the file is analysed and its diagnostics published again. One job a
    /// document at a time; a job that finds the text moved on replays the edits made since,
    /// and runs again if still behind.
    pub(crate) fn parse_in_background(&self, uri: Uri) {
        let job = self.docs.get_mut(uri.as_str()).and_then(|mut d| {
            if d.parsing {
                return None;
            }
            let job = d.file.doc.parse_job()?;
            d.parsing = true;
            Some(job)
        });
        let Some(mut job) = job else {
            return;
        };
        let server = self.clone();
        tokio::spawn(async move {
            loop {
                // At a lower priority: the answer to the next keystroke comes first.
                let (tx, rx) = tokio::sync::oneshot::channel();
                aigis_core::priority::spawn("aigis-parse", move || {
                    let _ = tx.send(job.run());
                });
                // A job that never ran (no thread could be made), or the document closed
                // meanwhile, or its analysis failed: the next keystroke may start one again.
                let stop = || {
                    if let Some(mut d) = server.docs.get_mut(uri.as_str()) {
                        d.parsing = false;
                    }
                };
                let Ok(parsed) = rx.await else {
                    return stop();
                };
                let result = server.with_doc_within(&uri, KEYSTROKE_ANALYSIS_BYTES, |open, _| {
                    let next = match open.file.install_parse(parsed, KEYSTROKE_PARSE_STEPS) {
                        true => open.file.doc.parse_job(),
                        false => None,
                    };
                    open.parsing = next.is_some();
                    Ok(next)
                });
                let Ok((next, publish)) = result else {
                    return stop();
                };
                match next {
                    Some(again) => job = again,
                    None => {
                        let version = publish.version.unwrap_or_default();
                        server.publish(publish).await;
                        server.reindex_soon(uri, version);
                        return;
                    }
                }
            }
        });
    }

    /// Runs an analysis a keystroke owes (`with_doc_within`) away from the document's lock,
    /// once typing pauses ([`TYPING_PAUSE`]), then takes it in and publishes; when the text
    /// moves on, it is not run or is stopped between items, and the next pass under the lock
    /// finds the analysis still owed and starts another.
    pub(crate) fn analyse_in_background(&self, uri: Uri, job: AnalysisJob, typing: Arc<Typing>) {
        let server = self.clone();
        tokio::spawn(async move {
            let (tx, rx) = tokio::sync::oneshot::channel();
            aigis_core::priority::spawn("aigis-analyse", move || {
                let edits = job.edits();
                let done = if typing.paused_at(edits, TYPING_PAUSE) {
                    // A keystroke meanwhile stops it: its answer would not be taken.
                    let typed = typing.clone();
                    job.run_unless(move || typed.edits() != edits)
                } else {
                    None
                };
                let _ = tx.send(done);
            });
            let done = rx.await;
            // Refused (the text moved on; the keystrokes since published what they had): nothing
            // new to say or assess, only the next job to start if the analysis is still owed.
            server
                .finish_job(&uri, "analysis", |server, open, ws| {
                    open.analysing = false;
                    // No thread could run it: the next keystroke tries again.
                    let Ok(done) = done else {
                        return false;
                    };
                    let taken = done.is_some_and(|done| open.file.install_analysis(done, ws));
                    if !taken {
                        let audit = server.audit(ws);
                        server.analyze_or_owe(&uri, open, ws, audit, KEYSTROKE_ANALYSIS_BYTES);
                    }
                    taken
                })
                .await;
        });
    }

    /// Takes a background job's result in under the document's lock (`take`: true when it
    /// changed what the document shows; when not, it starts the next job owed, if any), then
    /// publishes. A panic inside is reported, not spread.
    async fn finish_job(
        &self,
        uri: &Uri,
        what: &str,
        take: impl FnOnce(&Self, &mut OpenFile, Option<&Workspace>) -> bool,
    ) {
        let taken = self.docs.get_mut(uri.as_str()).map(|mut entry| {
            let open = entry.value_mut();
            let ws = open.ws.clone();
            std::panic::catch_unwind(AssertUnwindSafe(|| take(self, open, ws.as_deref())))
                .unwrap_or_else(|_| {
                    tracing::error!("{what} of {} failed", uri.as_str());
                    false
                })
        });
        if taken == Some(true) {
            if let Ok(((), publish)) =
                self.with_doc_within(uri, KEYSTROKE_ANALYSIS_BYTES, |_, _| Ok(()))
            {
                self.publish(publish).await;
            }
        }
    }

    /// Computes the blast radii a document owes (the index changed under it) on a blocking
    /// thread, away from its lock, then publishes it again: in a large workspace a region of
    /// thousands of definitions takes a good part of a second, which no keystroke should wait
    /// for.
    pub(crate) fn blast_in_background(
        &self,
        uri: Uri,
        request: aigis_core::tracked_file::BlastRequest,
        depth: usize,
    ) {
        let server = self.clone();
        tokio::spawn(async move {
            let index = server.index.clone();
            let failed = request.failed();
            let done = tokio::task::spawn_blocking(move || request.compute(&index, depth)).await;
            // The same radii again (the region's definitions moved, its dependents did not):
            // the diagnostics published last still hold; only a radius owed since is started.
            server
                .finish_job(&uri, "blast radius", |server, open, ws| {
                    open.blasting = false;
                    let changed = open.file.install_blast(done.unwrap_or(failed));
                    if !changed {
                        server.blast_if_owed(&uri, open, ws);
                    }
                    changed
                })
                .await;
        });
    }

    /// Watches the ledger logs of open documents: a region an agent recorded from a terminal
    /// shows up in the editor within a second (it looks every 400 ms).
    pub(crate) fn watch_ledger(&self) {
        let server = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(400));
            loop {
                tick.tick().await;
                let open: Vec<(String, String, Arc<Workspace>)> = server
                    .docs
                    .iter()
                    .filter_map(|d| Some((d.key().clone(), d.file.rel.clone()?, d.ws.clone()?)))
                    .collect();
                for (uri, rel, ws) in open {
                    let log = ws.ledger.dir().join("regions").join(format!("{rel}.jsonl"));
                    let Ok(modified) = std::fs::metadata(&log).and_then(|m| m.modified()) else {
                        continue;
                    };
                    let seen = server.ledger_seen.insert(uri.clone(), modified);
                    if seen.is_none_or(|s| s == modified) {
                        continue;
                    }
                    let Ok(uri) = uri.parse::<Uri>() else {
                        continue;
                    };
                    let result = server.with_doc(&uri, |open, ws| {
                        Ok(ws.is_some_and(|ws| open.file.refresh_from_ledger(ws)))
                    });
                    if let Ok((true, p)) = result {
                        server.publish(p).await;
                    }
                }
            }
        });
    }
}
