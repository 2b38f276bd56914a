//! `initialize`, `initialized`, `shutdown`, workspace folders, watched files and configuration.

use super::*;

impl AigisServer {
    pub(crate) async fn handle_initialize(
        &self,
        params: InitializeParams,
    ) -> Result<InitializeResult> {
        if let Some(pid) = params.process_id {
            watch_parent(pid);
        }
        let utf8 = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        if let Ok(mut e) = self.encoding.write() {
            *e = if utf8 {
                PositionEncoding::Utf8
            } else {
                PositionEncoding::Utf16
            };
        }
        if let Ok(mut caps) = self.caps.write() {
            caps.work_done_progress = params
                .capabilities
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false);
            caps.analyzed_notification = params
                .capabilities
                .experimental
                .as_ref()
                .and_then(|e| e.get("aigisAnalyzedNotification"))
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false);
            let ws_caps = params.capabilities.workspace.as_ref();
            caps.watch_files_dynamic = ws_caps
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false);
            caps.code_lens_refresh = ws_caps
                .and_then(|w| w.code_lens.as_ref())
                .and_then(|c| c.refresh_support)
                .unwrap_or(false);
        }
        if let Some(opts) = params.initialization_options.clone() {
            if let Ok(s) = serde_json::from_value::<ClientSettings>(opts) {
                if let Ok(mut cur) = self.settings.write() {
                    *cur = s;
                }
            }
        }
        // Every folder the client opened is a workspace of its own; without folders, the root
        // URI or the current directory is the one.
        #[allow(deprecated)]
        let roots: Vec<PathBuf> = match params.workspace_folders.as_ref().filter(|f| !f.is_empty())
        {
            Some(folders) => folders.iter().filter_map(|f| file_path(&f.uri)).collect(),
            None => params
                .root_uri
                .as_ref()
                .and_then(file_path)
                .or_else(|| std::env::current_dir().ok())
                .into_iter()
                .collect(),
        };
        let mut config_error = None;
        let mut opened = Vec::new();
        for root in roots {
            let (ws, error) = Self::open_folder(&root);
            config_error = config_error.or(error);
            opened.push(Arc::new(ws));
        }
        if let Ok(mut w) = self.workspaces.write() {
            *w = opened;
        }
        if let Some(e) = config_error {
            // Shown once the client is ready to display it; the defaults apply meanwhile.
            let client = self.client.clone();
            tokio::spawn(async move {
                client
                    .show_message(
                        MessageType::ERROR,
                        format!("aigis: {e}; using the default policy"),
                    )
                    .await;
            });
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                position_encoding: Some(if utf8 {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(false),
                        })),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..Default::default()
                    },
                )),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: COMMANDS.iter().map(|c| c.to_string()).collect(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "aigis".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    pub(crate) async fn handle_initialized(&self, _params: InitializedParams) {
        self.watch_ledger();
        self.index_in_background();
        let dynamic = self
            .caps
            .read()
            .map(|c| c.watch_files_dynamic)
            .unwrap_or(false);
        if dynamic {
            let options = DidChangeWatchedFilesRegistrationOptions {
                // The files the symbol index reads: every extension of a language.
                watchers: language::extensions()
                    .into_iter()
                    .map(|ext| FileSystemWatcher {
                        glob_pattern: GlobPattern::String(format!("**/*.{ext}")),
                        kind: None,
                    })
                    .collect(),
            };
            let registration = Registration {
                id: "aigis-watch-rs".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            };
            if let Err(e) = self.client.register_capability(vec![registration]).await {
                self.client
                    .log_message(
                        MessageType::WARNING,
                        format!("aigis: could not watch files: {}", e.message),
                    )
                    .await;
            }
        }
    }

    pub(crate) async fn handle_shutdown(&self) -> Result<()> {
        self.shut_down
            .store(true, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Folders added or removed at run time: each added one is a workspace of its own (indexed
    /// in the background); open documents move to the innermost folder that now holds them.
    pub(crate) async fn handle_did_change_workspace_folders(
        &self,
        params: DidChangeWorkspaceFoldersParams,
    ) {
        let removed: Vec<PathBuf> = params
            .event
            .removed
            .iter()
            .filter_map(|f| file_path(&f.uri))
            .collect();
        let added: Vec<PathBuf> = params
            .event
            .added
            .iter()
            .filter_map(|f| file_path(&f.uri))
            .collect();
        let mut errors = Vec::new();
        if let Ok(mut w) = self.workspaces.write() {
            w.retain(|ws| !removed.contains(&ws.root));
            for root in &added {
                if w.iter().any(|ws| &ws.root == root) {
                    continue;
                }
                let (ws, error) = Self::open_folder(root);
                errors.extend(error);
                w.push(Arc::new(ws));
            }
        }
        for e in errors {
            self.client
                .show_message(
                    MessageType::ERROR,
                    format!("aigis: {e}; using the default policy"),
                )
                .await;
        }
        let uris: Vec<String> = self.docs.iter().map(|d| d.key().clone()).collect();
        for uri in uris {
            let moved = match self.docs.get_mut(&uri) {
                Some(mut d) => {
                    let ws = self.workspace_for(d.path.as_deref());
                    let rel = ws
                        .as_deref()
                        .zip(d.path.as_deref())
                        .and_then(|(w, p)| w.relative(p));
                    let moved = d.ws.as_ref().map(|w| &w.root) != ws.as_ref().map(|w| &w.root);
                    if moved {
                        d.ws = ws;
                        d.file.rel = rel;
                    }
                    moved
                }
                None => false,
            };
            // Assessed again before any `.await`: a read request must not see the old folder.
            if let (true, Ok(uri)) = (moved, uri.parse::<Uri>()) {
                let _ = self.with_doc(&uri, |_, _| Ok(()));
            }
        }
        if !added.is_empty() {
            self.index_in_background();
        }
        self.republish_all().await;
    }

    pub(crate) async fn handle_did_change_watched_files(
        &self,
        params: DidChangeWatchedFilesParams,
    ) {
        let mut changed = false;
        for event in params.changes {
            let Some(path) = file_path(&event.uri) else {
                continue;
            };
            if language::for_path(&path).is_none() {
                continue;
            }
            if event.typ == FileChangeType::DELETED {
                self.index.remove_file(&path);
                changed = true;
                continue;
            }
            // An open document is indexed from its buffer, not from disk.
            if self.docs.contains_key(event.uri.as_str()) {
                continue;
            }
            let index = self.index.clone();
            let done = tokio::task::spawn_blocking(move || {
                let text = std::fs::read_to_string(&path).ok()?;
                let lang = language::for_path(&path)?;
                let tree = aigis_core::parse::parse(lang, &text)?;
                index.update_file(&path, &tree, &text);
                Some(())
            })
            .await;
            changed |= matches!(done, Ok(Some(())));
        }
        if changed {
            self.republish_blast().await;
        }
    }

    pub(crate) async fn handle_did_change_configuration(
        &self,
        params: DidChangeConfigurationParams,
    ) {
        let value = params
            .settings
            .get("aigis")
            .cloned()
            .unwrap_or(params.settings);
        if let Ok(s) = serde_json::from_value::<ClientSettings>(value) {
            if let Ok(mut cur) = self.settings.write() {
                *cur = s;
            }
        }
        let uris: Vec<Uri> = self
            .docs
            .iter()
            .filter_map(|d| d.key().parse::<Uri>().ok())
            .collect();
        for uri in uris {
            if let Ok((_, p)) = self.with_doc(&uri, |_, _| Ok(())) {
                self.publish(p).await;
            }
        }
    }
}
