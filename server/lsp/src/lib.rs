//! The language server: the only module that speaks LSP. It converts between LSP types and the
//! core, keeps one `TrackedFile` per open document, and applies every edit synchronously before
//! any `.await` so that concurrent handlers never see half an edit or edits out of order.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use dashmap::DashMap;
use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

mod transport;

use aigis_core::catalog::Severity;
use aigis_core::document::{LineCol, PositionEncoding};
use aigis_core::heuristic::BurstDetector;
use aigis_core::identity::Identity;
use aigis_core::language;
use aigis_core::ledger::{now_rfc3339, LedgerWarning};
use aigis_core::policy::{ReviewState, Tier};
use aigis_core::regions::{new_region_id, Provenance, Region, Source};
use aigis_core::review;
use aigis_core::tracked_file::TrackedFile;
use aigis_core::workspace::{Assessment, Workspace};

pub const SOURCE: &str = "aigis";
const COMMANDS: [&str; 5] = [
    "aigis.requestSeniorReview",
    "aigis.approve",
    "aigis.markAi",
    "aigis.markHuman",
    "aigis.showBlastRadius",
];

/// Settings the client can change (`initializationOptions`, `workspace/didChangeConfiguration`
/// under `aigis`); unset ones fall back to `aigis.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientSettings {
    audit_mode: Option<bool>,
    heuristic: Option<HeuristicSettings>,
    /// The client reports accepted AI edits itself (`aigis/markAiEdit`): the burst heuristic is
    /// then off unless the user turns it on.
    ai_edit_reporting: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HeuristicSettings {
    enabled: Option<bool>,
    min_lines: Option<usize>,
}

struct OpenFile {
    file: TrackedFile,
    path: Option<PathBuf>,
    burst: BurstDetector,
    /// The workspace folder that holds the file (the innermost one), if any.
    ws: Option<Arc<Workspace>>,
}

/// The server; cheap to clone, so background tasks (history, the ledger watch) share its state.
#[derive(Clone)]
pub struct AigisServer {
    inner: Arc<ServerState>,
}

pub struct ServerState {
    client: Client,
    docs: DashMap<String, OpenFile>,
    /// Every workspace folder the client opened, each with its own policy, ledger, owners and
    /// history; a file belongs to the innermost one that holds it.
    workspaces: RwLock<Vec<Arc<Workspace>>>,
    encoding: RwLock<PositionEncoding>,
    settings: RwLock<ClientSettings>,
    /// Modification times of the ledger logs of open files, to see other writers' records.
    ledger_seen: DashMap<String, std::time::SystemTime>,
    /// The workspace symbol index, for blast radius; `indexed` once the first pass is done.
    index: Arc<aigis_core::index::WorkspaceIndex>,
    indexed: std::sync::atomic::AtomicBool,
    /// What the client said it supports.
    caps: RwLock<ClientCaps>,
    /// When the client last asked for code actions on a document: the edit a chosen action
    /// makes (implement members, a snippet, a fix) is a tool's insert, not an AI burst.
    code_actions_at: DashMap<String, std::time::Instant>,
    /// Orders diagnostics: taken under the document's lock when they are computed.
    publish_seq: std::sync::atomic::AtomicU64,
    /// The newest `seq` sent per document. An async lock, held only while one publication is
    /// handed to the client, so that checking and sending are one step.
    published: tokio::sync::Mutex<std::collections::HashMap<String, u64>>,
}

/// How long after a code-action request an insert is taken for that action's edit.
const CODE_ACTION_WINDOW: std::time::Duration = std::time::Duration::from_secs(15);

#[derive(Default, Clone)]
struct ClientCaps {
    work_done_progress: bool,
    watch_files_dynamic: bool,
    code_lens_refresh: bool,
}

impl std::ops::Deref for AigisServer {
    type Target = ServerState;
    fn deref(&self) -> &ServerState {
        &self.inner
    }
}

/// Diagnostics ready to publish, computed while the document was locked.
struct Publish {
    uri: Uri,
    diagnostics: Vec<Diagnostic>,
    version: Option<i32>,
    /// When they were computed (`ServerState::publish_seq`): an older set is never sent after
    /// a newer one, even when a background task computed it first and sends it last.
    seq: u64,
}

/// Runs a request's work so that a bug answers with an internal error instead of taking the
/// server down (rust-analyzer runs every request this way).
fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(Error::internal_error()))
}

fn invalid_params(msg: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InvalidParams,
        message: msg.into().into(),
        data: None,
    }
}

fn request_failed(msg: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::ServerError(-32803),
        message: msg.into().into(),
        data: None,
    }
}

fn file_path(uri: &Uri) -> Option<PathBuf> {
    if !uri.as_str().starts_with("file:") {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

fn lc(p: Position) -> LineCol {
    LineCol {
        line: p.line,
        character: p.character,
    }
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Critical => DiagnosticSeverity::ERROR,
        Severity::High => DiagnosticSeverity::WARNING,
        Severity::Medium => DiagnosticSeverity::INFORMATION,
    }
}

impl AigisServer {
    fn new(client: Client) -> Self {
        AigisServer {
            inner: Arc::new(ServerState {
                client,
                docs: DashMap::new(),
                workspaces: RwLock::new(Vec::new()),
                encoding: RwLock::new(PositionEncoding::Utf16),
                settings: RwLock::new(ClientSettings::default()),
                ledger_seen: DashMap::new(),
                index: Arc::new(aigis_core::index::WorkspaceIndex::new()),
                indexed: std::sync::atomic::AtomicBool::new(false),
                caps: RwLock::new(ClientCaps::default()),
                code_actions_at: DashMap::new(),
                publish_seq: std::sync::atomic::AtomicU64::new(1),
                published: tokio::sync::Mutex::new(std::collections::HashMap::new()),
            }),
        }
    }

    /// Lays the AI regions that git history knows (trailers, git-ai notes, Agent Trace) under
    /// an open document's exact regions. `git blame` runs off the handler threads; if the
    /// document changed meanwhile, the result is dropped (the next open computes it again).
    async fn load_history(&self, uri: Uri, version: i32) {
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
    fn index_in_background(&self) {
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
                for (root, rules) in roots {
                    last = Some(index.index_workspace_with(&root, &rules, &|done, total| {
                        let _ = tx.send((done, total));
                    }));
                }
                last
            });
            while let Some((done, total)) = rx.recv().await {
                if let Some(p) = &progress {
                    let pct = (done * 100 / total.max(1)) as u32;
                    p.report_with_message(format!("{done}/{total} files"), pct)
                        .await;
                }
            }
            let stats = job.await.ok().flatten();
            server
                .indexed
                .store(true, std::sync::atomic::Ordering::Release);
            if let Some(p) = progress {
                let msg = stats
                    .map(|s| format!("{} files, {} symbols", s.files, s.defs))
                    .unwrap_or_default();
                p.finish_with_message(msg).await;
            }
            server.republish_blast().await;
        });
    }

    /// Recomputes and publishes diagnostics of every open document (the policy changed).
    async fn republish_all(&self) {
        self.republish(false).await;
    }

    /// The index changed: only documents with AI regions show anything that depends on it
    /// (blast radius), so only those are published again.
    async fn republish_blast(&self) {
        self.republish(true).await;
    }

    async fn republish(&self, only_with_regions: bool) {
        let uris: Vec<Uri> = self
            .docs
            .iter()
            .filter(|d| !only_with_regions || !d.file.regions.is_empty())
            .filter_map(|d| d.key().parse::<Uri>().ok())
            .collect();
        for uri in uris {
            if let Ok((_, p)) = self.with_doc(&uri, |_, _| Ok(())) {
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
    fn reindex_soon(&self, uri: Uri, version: i32) {
        let server = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            let snapshot = server.docs.get(uri.as_str()).and_then(|d| {
                if d.file.doc.version != version {
                    return None;
                }
                Some((
                    d.path.clone()?,
                    d.file.doc.tree()?.clone(),
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

    /// Watches the ledger logs of open documents: a region an agent recorded from a terminal
    /// shows up in the editor within a second (it looks every 400 ms).
    fn watch_ledger(&self) {
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

    /// The innermost workspace folder holding `path`.
    fn workspace_for(&self, path: Option<&Path>) -> Option<Arc<Workspace>> {
        let path = path?;
        self.workspaces
            .read()
            .ok()?
            .iter()
            .filter(|w| path.starts_with(&w.root))
            .max_by_key(|w| w.root.components().count())
            .cloned()
    }

    fn all_workspaces(&self) -> Vec<Arc<Workspace>> {
        self.workspaces
            .read()
            .map(|w| w.clone())
            .unwrap_or_default()
    }

    /// The workspace of an open document.
    fn doc_workspace(&self, uri: &str) -> Option<Arc<Workspace>> {
        self.docs.get(uri).and_then(|d| d.ws.clone())
    }

    /// Opens a workspace folder (a broken `aigis.toml` is reported and the defaults apply).
    fn open_folder(root: &Path) -> (Workspace, Option<String>) {
        match Workspace::open(root) {
            Ok(ws) => (ws, None),
            Err(e) => (
                Workspace::with_config(root, Default::default()),
                Some(e.to_string()),
            ),
        }
    }

    fn audit(&self, ws: Option<&Workspace>) -> bool {
        let setting = self.settings.read().ok().and_then(|s| s.audit_mode);
        setting.unwrap_or_else(|| ws.is_some_and(|w| w.config.analysis.audit))
    }

    fn heuristic(&self, ws: Option<&Workspace>) -> (bool, usize) {
        let s = self
            .settings
            .read()
            .ok()
            .and_then(|s| s.heuristic.clone())
            .unwrap_or_default();
        let reports = self
            .settings
            .read()
            .ok()
            .and_then(|s| s.ai_edit_reporting)
            .unwrap_or(false);
        let cfg = ws.map(|w| w.config.heuristic.clone()).unwrap_or_default();
        (
            s.enabled.unwrap_or(cfg.enabled && !reports),
            s.min_lines.unwrap_or(cfg.min_lines),
        )
    }

    fn rel_path(&self, ws: Option<&Workspace>, path: Option<&Path>) -> Option<String> {
        ws.zip(path).and_then(|(ws, p)| ws.relative(p))
    }

    /// Runs `f` on an open document and computes its diagnostics, all without awaiting. A panic
    /// inside the core is caught and reported: one bad file must not take the server down.
    fn with_doc<T>(
        &self,
        uri: &Uri,
        f: impl FnOnce(&mut OpenFile, Option<&Workspace>) -> Result<T>,
    ) -> Result<(T, Publish)> {
        let mut entry = self
            .docs
            .get_mut(uri.as_str())
            .ok_or_else(|| invalid_params(format!("{} is not open", uri.as_str())))?;
        let open = entry.value_mut();
        let ws = open.ws.clone();
        let audit = self.audit(ws.as_deref());
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let value = f(open, ws.as_deref())?;
            open.file
                .analyze(ws.as_deref(), audit, open.path.as_deref());
            if self.indexed.load(std::sync::atomic::Ordering::Acquire) {
                let depth = ws.as_deref().map_or(3, |w| w.config.policy.blast_depth);
                open.file
                    .update_blast(&self.index, open.path.as_deref(), depth);
            }
            let diagnostics = diagnostics(&open.file, ws.as_deref(), audit, uri);
            Ok((value, diagnostics))
        }));
        match result {
            Ok(Ok((value, diagnostics))) => Ok((
                value,
                Publish {
                    uri: uri.clone(),
                    diagnostics,
                    version: Some(open.file.doc.version),
                    seq: self
                        .publish_seq
                        .fetch_add(1, std::sync::atomic::Ordering::AcqRel),
                },
            )),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::internal_error()),
        }
    }

    async fn publish(&self, p: Publish) {
        let mut published = self.published.lock().await;
        let last = published.entry(p.uri.as_str().to_string()).or_insert(0);
        if p.seq < *last {
            return;
        }
        *last = p.seq;
        self.client
            .publish_diagnostics(p.uri, p.diagnostics, p.version)
            .await;
    }

    async fn warn(&self, warnings: Vec<LedgerWarning>) {
        for w in warnings {
            self.client
                .show_message(MessageType::WARNING, w.to_string())
                .await;
        }
    }

    /// Adds a region over `range` of an open document and records it in the ledger.
    fn add_region(
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
            if let Some(ws) = ws {
                open.file
                    .persist(ws)
                    .map_err(|e| request_failed(e.to_string()))?;
            }
            Ok(())
        })?;
        Ok(publish)
    }

    /// `aigis/markAiEdit`: an editor plugin reports an accepted AI suggestion.
    async fn mark_ai_edit(&self, params: MarkAiEditParams) {
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
    async fn did_paste(&self, params: DidPasteParams) {
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
    /// around it. `None` when neither is there.
    fn blast_at(
        &self,
        uri: &Uri,
        position: Position,
    ) -> Result<Option<(Option<String>, aigis_core::blast::BlastRadius)>> {
        let entry = self
            .docs
            .get(uri.as_str())
            .ok_or_else(|| invalid_params("the document is not open"))?;
        let file = &entry.file;
        let offset = file.doc.offset_of(lc(position));
        let depth = entry.ws.as_ref().map_or(3, |w| w.config.policy.blast_depth);
        let Some(id) = entry.path.as_deref().and_then(|p| self.index.file_id(p)) else {
            return Ok(None);
        };
        if let Some(r) = file.regions.at(offset) {
            let b = file.blast_of(&r.id).cloned().unwrap_or_else(|| {
                aigis_core::blast::blast_radius(&self.index, id, r.start, r.end, depth)
            });
            return Ok(Some((Some(r.id.clone()), b)));
        }
        let Some(symbols) = self.index.file(id) else {
            return Ok(None);
        };
        let def = symbols
            .defs
            .iter()
            .filter(|d| {
                d.start <= offset && offset < d.end && d.kind != aigis_core::index::DefKind::Module
            })
            .min_by_key(|d| d.end - d.start);
        Ok(def.map(|d| {
            (
                None,
                aigis_core::blast::blast_radius(&self.index, id, d.start, d.end, depth),
            )
        }))
    }

    /// `aigis/blastRadius` (SPEC.md).
    async fn blast_radius(&self, params: BlastRadiusParams) -> Result<Value> {
        let Some((region, b)) =
            guarded(|| self.blast_at(&params.text_document.uri, params.position))?
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
    async fn regions(&self, params: RegionsParams) -> Result<Vec<Value>> {
        guarded(|| {
            let entry = self
                .docs
                .get(params.text_document.uri.as_str())
                .ok_or_else(|| invalid_params("the document is not open"))?;
            let ws = entry.ws.clone();
            let file = &entry.file;
            Ok(file
                .assessments(ws.as_deref())
                .iter()
                .map(|a| region_json(file, a))
                .collect())
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionedDoc {
    uri: Uri,
    version: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MarkAiEditParams {
    text_document: VersionedDoc,
    range: Range,
    tool: String,
    model: Option<String>,
    session: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DidPasteParams {
    text_document: TextDocumentIdentifier,
    range: Option<Range>,
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegionsParams {
    text_document: TextDocumentIdentifier,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegionCommand {
    uri: Uri,
    region_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PositionCommand {
    uri: Uri,
    position: Position,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BlastRadiusParams {
    text_document: TextDocumentIdentifier,
    position: Position,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MarkCommand {
    uri: Uri,
    range: Range,
    tool: Option<String>,
}

fn range_of(file: &TrackedFile, start: usize, end: usize) -> Range {
    let a = file.doc.position_of(start);
    let b = file.doc.position_of(end);
    Range::new(
        Position::new(a.line, a.character),
        Position::new(b.line, b.character),
    )
}

/// The region's first line: where its review diagnostic and code action sit.
fn head_range(file: &TrackedFile, r: &Region) -> Range {
    let text = file.doc.text();
    let line_end = text[r.start..r.end]
        .find('\n')
        .map_or(r.end, |i| r.start + i);
    range_of(file, r.start, line_end.max(r.start))
}

fn region_json(file: &TrackedFile, a: &Assessment) -> Value {
    aigis_core::report::region_json(a, &|off| file.doc.position_of(off), None)
}

fn location(file: &Path, line: usize, col: usize) -> Option<Location> {
    let uri = Uri::from_file_path(file)?;
    let pos = Position::new(line as u32, col as u32);
    Some(Location::new(uri, Range::new(pos, pos)))
}

/// "changes `purge`, used at 3 sites in 2 files, reaches `main` via ops::rotate".
fn blast_message(b: &aigis_core::blast::BlastRadius) -> String {
    let names: Vec<String> = b.symbols.iter().map(|s| format!("`{}`", s.name)).collect();
    let mut msg = format!(
        "{} {}, used at {} site{} in {} file{}",
        if b.symbols.iter().all(|s| s.defined) {
            "defines"
        } else {
            "changes"
        },
        names.join(", "),
        b.direct,
        if b.direct == 1 { "" } else { "s" },
        b.files,
        if b.files == 1 { "" } else { "s" }
    );
    if b.transitive > b.direct {
        msg += &format!(" ({} dependents through callers)", b.transitive);
    }
    if let Some(e) = b.entry_points.first() {
        msg += &format!(", reaches {e}");
        if b.entry_points.len() > 1 {
            msg += &format!(" and {} more entry point(s)", b.entry_points.len() - 1);
        }
    }
    if !b.tests.is_empty() {
        msg += &format!("; {} test caller(s) not counted", b.tests.len());
    }
    if !b.ambiguous.is_empty() {
        msg += &format!(
            "; {} reference(s) by name alone are ambiguous, not counted",
            b.ambiguous.len()
        );
    }
    for c in b.risky_callees.iter().take(3) {
        msg += &format!(
            "; reaches {} ({}) via {} (indirect)",
            c.rule,
            c.severity.as_str(),
            c.via.join(" → ")
        );
    }
    msg
}

fn attribution(a: &Assessment) -> String {
    let r = &a.region;
    let model = r
        .provenance
        .model
        .as_deref()
        .map(|m| format!(" ({m})"))
        .unwrap_or_default();
    format!(
        "written by {}{model}; attribution: {}, confidence {}",
        r.provenance.tool,
        r.source.as_str(),
        r.source.confidence().as_str()
    )
}

fn diagnostics(
    file: &TrackedFile,
    ws: Option<&Workspace>,
    audit: bool,
    uri: &Uri,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let assessments = file.assessments(ws);
    for a in &assessments {
        let data = json!({ "regionId": a.region.id });
        if a.region.source == Source::Heuristic {
            let (l1, l2) = (
                file.doc.line_of(a.region.start) + 1,
                file.doc.line_of(a.region.end.saturating_sub(1)) + 1,
            );
            let holds = if a.findings.is_empty() {
                String::new()
            } else {
                format!(
                    "; it holds {}",
                    a.findings
                        .iter()
                        .map(|f| f.rule.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            out.push(Diagnostic {
                range: head_range(file, &a.region),
                severity: Some(DiagnosticSeverity::HINT),
                code: Some(NumberOrString::String("ai/possible".into())),
                source: Some(SOURCE.into()),
                message: format!(
                    "Possibly AI-written: lines {l1}-{l2} arrived in one change the editor did not report (low confidence){holds}. Mark as AI to track and review it, or as human."
                ),
                data: Some(data),
                ..Default::default()
            });
            continue;
        }
        let need = match a.risk.tier {
            Tier::Senior => "a senior must review it before it ships",
            Tier::Peer => "a peer must review it before it ships",
            Tier::None => "",
        };
        for f in &a.findings {
            let notes = if f.notes.is_empty() {
                String::new()
            } else {
                format!(" [{}]", f.notes.join("; "))
            };
            out.push(Diagnostic {
                range: range_of(file, f.start, f.end),
                severity: Some(severity(f.severity)),
                code: Some(NumberOrString::String(format!("risky/{}", f.rule))),
                source: Some(SOURCE.into()),
                message: format!(
                    "AI-written {} operation: {}{notes} ({}; {need})",
                    f.severity.as_str(),
                    f.message,
                    attribution(a)
                ),
                data: Some(data.clone()),
                ..Default::default()
            });
        }
        if let Some(b) = a
            .blast
            .as_ref()
            .filter(|b| b.direct > 0 || !b.risky_callees.is_empty())
        {
            let mut related: Vec<DiagnosticRelatedInformation> = b
                .dependents
                .iter()
                .take(50)
                .filter_map(|d| {
                    Some(DiagnosticRelatedInformation {
                        location: location(&d.file, d.line, d.col)?,
                        message: format!(
                            "{}uses `{}` ({:?})",
                            d.caller
                                .as_deref()
                                .map(|c| format!("`{c}` "))
                                .unwrap_or_default(),
                            d.uses,
                            d.certainty
                        )
                        .to_lowercase(),
                    })
                })
                .collect();
            related.extend(b.risky_callees.iter().take(20).filter_map(|c| {
                Some(DiagnosticRelatedInformation {
                    location: location(&c.file, c.line, c.col)?,
                    message: format!(
                        "{} ({}), reached via {}",
                        c.rule,
                        c.severity.as_str(),
                        c.via.join(" → ")
                    ),
                })
            }));
            let severe = a
                .risk
                .reasons
                .iter()
                .any(|r| r.contains("dependents") || r.contains("indirect"));
            out.push(Diagnostic {
                range: head_range(file, &a.region),
                severity: Some(if severe {
                    DiagnosticSeverity::WARNING
                } else {
                    DiagnosticSeverity::INFORMATION
                }),
                code: Some(NumberOrString::String("blast-radius".into())),
                source: Some(SOURCE.into()),
                message: format!("AI region {}", blast_message(b)),
                related_information: Some(related).filter(|r: &Vec<_>| !r.is_empty()),
                data: Some(json!({ "regionId": a.region.id })),
                ..Default::default()
            });
        }
        let (code, sev, message) = match (a.review.state, a.risk.tier) {
            (ReviewState::None, _) => continue,
            (ReviewState::Required, Tier::Senior) => (
                "review/senior-required",
                DiagnosticSeverity::WARNING,
                format!(
                    "AI region needs senior review: {}",
                    a.risk.reasons.join(", ")
                ),
            ),
            (ReviewState::Required, _) => (
                "review/peer-required",
                DiagnosticSeverity::INFORMATION,
                format!("AI region needs peer review: {}", a.risk.reasons.join(", ")),
            ),
            (ReviewState::Requested, tier) => (
                "review/requested",
                DiagnosticSeverity::INFORMATION,
                format!(
                    "{} review requested by {} at {}; waiting for {}",
                    tier.as_str(),
                    a.review.by.as_deref().unwrap_or("?"),
                    a.review.at.as_deref().unwrap_or("?"),
                    if a.review.reviewers.is_empty() {
                        "an owner".to_string()
                    } else {
                        a.review.reviewers.join(", ")
                    }
                ),
            ),
            (ReviewState::Approved, tier) => (
                "review/approved",
                DiagnosticSeverity::HINT,
                format!(
                    "{} review approved by {} at {}",
                    tier.as_str(),
                    a.review.by.as_deref().unwrap_or("?"),
                    a.review.at.as_deref().unwrap_or("?")
                ),
            ),
        };
        let stale = if a.review.stale {
            " (an earlier approval is stale: the code changed after it)"
        } else {
            ""
        };
        out.push(Diagnostic {
            range: head_range(file, &a.region),
            severity: Some(sev),
            code: Some(NumberOrString::String(code.into())),
            source: Some(SOURCE.into()),
            message: format!("{message}{stale} — {}", attribution(a)),
            related_information: Some(
                a.findings
                    .iter()
                    .map(|f| DiagnosticRelatedInformation {
                        location: Location::new(uri.clone(), range_of(file, f.start, f.end)),
                        message: format!("risky/{}", f.rule),
                    })
                    .collect(),
            )
            .filter(|v: &Vec<_>| !v.is_empty()),
            data: Some(json!({ "regionId": a.region.id })),
            ..Default::default()
        });
    }
    if audit {
        for f in &file.findings {
            if file.regions.at(f.start).is_some() {
                continue;
            }
            out.push(Diagnostic {
                range: range_of(file, f.start, f.end),
                severity: Some(severity(f.severity)),
                code: Some(NumberOrString::String(format!("risky/{}", f.rule))),
                source: Some(SOURCE.into()),
                message: format!(
                    "{} operation (audit mode; not in an AI region): {}",
                    f.severity.as_str(),
                    f.message
                ),
                ..Default::default()
            });
        }
    }
    out
}

fn hover_markdown(file: &TrackedFile, a: &Assessment) -> String {
    let r = &a.region;
    let (l1, l2) = (
        file.doc.line_of(r.start) + 1,
        file.doc.line_of(r.end.saturating_sub(1)) + 1,
    );
    let mut md = if r.source == Source::Heuristic {
        format!("**Possibly AI-written** (lines {l1}–{l2}; a guess, not counted until you confirm it: *Mark as AI-written* or *as human-written*)\n\n")
    } else {
        format!("**AI-written region** (lines {l1}–{l2})\n\n")
    };
    md += &format!("- tool: `{}`", r.provenance.tool);
    if let Some(m) = &r.provenance.model {
        md += &format!(", model: `{m}`");
    }
    if let Some(s) = &r.provenance.session {
        md += &format!(", session: `{s}`");
    }
    md += &format!(
        "\n- attribution: `{}`, confidence `{}`{}\n",
        r.source.as_str(),
        r.source.confidence().as_str(),
        if r.modified {
            ", since modified by a human"
        } else {
            ""
        }
    );
    if let Some(author) = &a.author {
        md += &format!("- accepted by: {author}\n");
    }
    md += &format!(
        "- risk: tier **{}**, score {}\n",
        a.risk.tier.as_str(),
        a.risk.score
    );
    for f in &a.findings {
        md += &format!(
            "  - `{}` ({}): {}\n",
            f.rule,
            f.severity.as_str(),
            f.message
        );
    }
    md += &format!("- review: **{}**", a.review.state.as_str());
    if a.review.needed > 1 {
        md += &format!(
            " ({} of {} approvals{})",
            a.review.approvals.len(),
            a.review.needed,
            if a.review.approvals.is_empty() {
                String::new()
            } else {
                format!(": {}", a.review.approvals.join(", "))
            }
        );
    }
    if let Some(by) = &a.review.by {
        md += &format!(" by {by}");
    }
    if let Some(at) = &a.review.at {
        md += &format!(" at {at}");
    }
    if a.review.stale {
        md += " (an earlier approval is stale)";
    }
    if !a.review.reviewers.is_empty() && a.review.state != ReviewState::None {
        md += &format!("\n- reviewers: {}", a.review.reviewers.join(", "));
    }
    if let Some(b) = &a.blast {
        md += &format!("\n\n**Blast radius**: {}\n", blast_message(b));
        for d in b.dependents.iter().take(15) {
            md += &format!(
                "\n{}- ← `{}` — {}:{}",
                "  ".repeat(d.depth.saturating_sub(1)),
                d.caller.as_deref().unwrap_or("(top level)"),
                d.file
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                d.line + 1
            );
        }
        if b.dependents.len() > 15 {
            md += &format!("\n- … {} more", b.dependents.len() - 15);
        }
        for t in b.tests.iter().take(5) {
            md += &format!("\n- test: `{}`", t.caller.as_deref().unwrap_or("?"));
        }
    }
    md
}

impl LanguageServer for AigisServer {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
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

    async fn initialized(&self, _: InitializedParams) {
        self.watch_ledger();
        self.index_in_background();
        let dynamic = self
            .caps
            .read()
            .map(|c| c.watch_files_dynamic)
            .unwrap_or(false);
        if dynamic {
            let options = DidChangeWatchedFilesRegistrationOptions {
                watchers: vec![FileSystemWatcher {
                    glob_pattern: GlobPattern::String("**/*.rs".into()),
                    kind: None,
                }],
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

    /// Folders added or removed at run time: each added one is a workspace of its own (indexed
    /// in the background); open documents move to the innermost folder that now holds them.
    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
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
            if let Some(mut d) = self.docs.get_mut(&uri) {
                let ws = self.workspace_for(d.path.as_deref());
                let rel = ws
                    .as_deref()
                    .zip(d.path.as_deref())
                    .and_then(|(w, p)| w.relative(p));
                if d.ws.as_ref().map(|w| &w.root) != ws.as_ref().map(|w| &w.root) {
                    d.ws = ws;
                    d.file.rel = rel;
                }
            }
        }
        if !added.is_empty() {
            self.index_in_background();
        }
        self.republish_all().await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
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

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
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
                ws: ws.clone(),
                file,
                path,
                burst: BurstDetector::default(),
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

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let mut stale = None;
        let result = self.with_doc(&uri, |open, ws| {
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
            // A whole new text (a reload after `git checkout`, `git stash pop`): the regions the
            // ledger on disk holds for it (the other branch's) come in too.
            if params.content_changes.iter().any(|c| c.range.is_none()) {
                if let Some(ws) = ws {
                    open.file.refresh_from_ledger(ws);
                }
            }
            open.file.reparse();
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
                self.publish(p).await;
                self.reindex_soon(uri, version);
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

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
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

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.docs.remove(params.text_document.uri.as_str());
        self.ledger_seen.remove(params.text_document.uri.as_str());
        let seq = self
            .publish_seq
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.publish(Publish {
            uri: params.text_document.uri,
            diagnostics: Vec::new(),
            version: None,
            seq,
        })
        .await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
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

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        guarded(|| {
            let pos = params.text_document_position_params;
            let Some(entry) = self.docs.get(pos.text_document.uri.as_str()) else {
                return Ok(None);
            };
            let file = &entry.file;
            let offset = file.doc.offset_of(lc(pos.position));
            let Some(region) = file.regions.at(offset).cloned() else {
                return Ok(None);
            };
            let ws = entry.ws.clone();
            let assessment = file
                .assessments(ws.as_deref())
                .into_iter()
                .find(|a| a.region.id == region.id);
            Ok(assessment.map(|a| Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: {
                        let mut md = hover_markdown(file, &a);
                        let protected = ws.as_deref().zip(file.rel.as_deref()).and_then(|(w, rel)| w.config.guard.protecting(rel, None));
                        if let Some(glob) = protected {
                            md += &format!("\n\n**Protected path** (`{glob}` in aigis.toml `[guard] protect`): agents may not edit this file; `aigis guard` refuses their edits here.");
                        }
                        md
                    },
                }),
                range: Some(range_of(file, region.start, region.end)),
            }))
        })
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.code_actions_at.insert(
            params.text_document.uri.as_str().to_string(),
            std::time::Instant::now(),
        );
        guarded(|| {
            let uri = params.text_document.uri;
            let Some(entry) = self.docs.get(uri.as_str()) else {
                return Ok(None);
            };
            let file = &entry.file;
            let (s, e) = (
                file.doc.offset_of(lc(params.range.start)),
                file.doc.offset_of(lc(params.range.end)),
            );
            let ws = entry.ws.clone();
            let mut actions = Vec::new();
            for a in file.assessments(ws.as_deref()) {
                let r = &a.region;
                if !(r.overlaps(s, e.max(s + 1)) || (s == e && r.start <= s && s <= r.end)) {
                    continue;
                }
                let arg = json!({ "uri": uri.as_str(), "regionId": r.id });
                let related: Vec<Diagnostic> = params
                    .context
                    .diagnostics
                    .iter()
                    .filter(|d| {
                        d.data
                            .as_ref()
                            .and_then(|v| v.get("regionId"))
                            .and_then(|v| v.as_str())
                            == Some(r.id.as_str())
                    })
                    .cloned()
                    .collect();
                let mut push = |title: String, command: &str, preferred: bool| {
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: title.clone(),
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(related.clone()).filter(|d: &Vec<_>| !d.is_empty()),
                        command: Some(Command::new(title, command.into(), Some(vec![arg.clone()]))),
                        is_preferred: Some(preferred),
                        ..Default::default()
                    }));
                };
                match (a.risk.tier, a.review.state) {
                    (Tier::Senior, ReviewState::Required) => push(
                        format!(
                            "Request senior review of this AI region ({} risky operation{})",
                            a.findings.len(),
                            if a.findings.len() == 1 { "" } else { "s" }
                        ),
                        "aigis.requestSeniorReview",
                        true,
                    ),
                    (Tier::Peer, ReviewState::Required) => push(
                        "Request peer review of this AI region".into(),
                        "aigis.requestSeniorReview",
                        true,
                    ),
                    (_, ReviewState::Requested) => push(
                        if a.review.needed > 1 {
                            format!(
                                "Approve this AI region ({} review, {} of {} approvals given)",
                                a.risk.tier.as_str(),
                                a.review.approvals.len(),
                                a.review.needed
                            )
                        } else {
                            format!("Approve this AI region ({} review)", a.risk.tier.as_str())
                        },
                        "aigis.approve",
                        false,
                    ),
                    _ => {}
                }
                let human = json!({ "uri": uri.as_str(), "range": range_of(file, r.start, r.end) });
                if r.source == Source::Heuristic {
                    let ai = json!({ "uri": uri.as_str(), "range": range_of(file, r.start, r.end), "tool": "unknown" });
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: "Mark as AI-written (confirm the guess)".into(),
                        kind: Some(CodeActionKind::QUICKFIX),
                        command: Some(Command::new(
                            "Mark as AI-written (confirm the guess)".into(),
                            "aigis.markAi".into(),
                            Some(vec![ai]),
                        )),
                        is_preferred: Some(true),
                        ..Default::default()
                    }));
                }
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: "Mark this region as human-written".into(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    command: Some(Command::new(
                        "Mark this region as human-written".into(),
                        "aigis.markHuman".into(),
                        Some(vec![human]),
                    )),
                    ..Default::default()
                }));
            }
            Ok(Some(actions))
        })
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        guarded(|| {
            let uri = params.text_document.uri;
            let Some(entry) = self.docs.get(uri.as_str()) else {
                return Ok(None);
            };
            let ws = entry.ws.clone();
            let file = &entry.file;
            let lenses = file
                .assessments(ws.as_deref())
                .iter()
                .map(|a| {
                    let range = head_range(file, &a.region);
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

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
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
                    let a = open
                        .file
                        .assessments(Some(&ws))
                        .into_iter()
                        .find(|a| a.region.id == cmd.region_id)
                        .ok_or_else(|| {
                            invalid_params(format!(
                                "no AI region {} in this document",
                                cmd.region_id
                            ))
                        })?;
                    let who = Identity::of_workspace(&ws.root);
                    // The reviewed text must be what is on disk: record the regions first.
                    open.file
                        .persist(&ws)
                        .map_err(|e| request_failed(e.to_string()))?;
                    let lines = [
                        open.file.doc.line_of(a.region.start) + 1,
                        open.file.doc.line_of(a.region.end.saturating_sub(1)) + 1,
                    ];
                    let event = if approve {
                        review::approve(&ws, &rel, &a, lines, &who)
                    } else {
                        review::request(&ws, &rel, &a, lines, &who)
                    }
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
                    if let Some(ws) = ws {
                        open.file
                            .persist(ws)
                            .map_err(|e| request_failed(e.to_string()))?;
                    }
                    Ok(())
                })?;
                self.publish(p).await;
                Ok(None)
            }
            "aigis.showBlastRadius" => {
                let cmd: PositionCommand =
                    serde_json::from_value(arg).map_err(|e| invalid_params(e.to_string()))?;
                let b = self.blast_at(&cmd.uri, cmd.position)?;
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

/// Exits when the editor that started the server is gone (LSP `initialize.processId`: "if the
/// parent process is not alive then the server should exit"). Without this, an editor that
/// crashed while its pipe stayed open elsewhere (a shell, a wrapper, a grandchild holding the
/// descriptor) leaves one orphan server per crash.
fn watch_parent(pid: u32) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return;
        };
        if pid <= 0 {
            return;
        }
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            // Signal 0 checks that the process exists; EPERM means it exists as another user.
            // SAFETY: kill with signal 0 sends nothing; it only checks the pid.
            let gone = unsafe { libc::kill(pid, 0) } != 0
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
            if gone {
                tracing::warn!("the editor (process {pid}) is gone; exiting");
                std::process::exit(1);
            }
        }
    });
    #[cfg(not(unix))]
    let _ = pid;
}

/// Serves the language server on stdin/stdout until the client says `exit`.
/// Serves the editor on stdin/stdout until it exits; builds the runtime (`aigis lsp`).
pub fn run_stdio() -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(serve_stdio());
    // stdin may still be open (Helix, pytest-lsp keep it): do not wait for its reader.
    rt.shutdown_background();
    Ok(())
}

pub async fn serve_stdio() {
    let (service, socket) = LspService::build(AigisServer::new)
        .custom_method("aigis/markAiEdit", AigisServer::mark_ai_edit)
        .custom_method("aigis/didPaste", AigisServer::did_paste)
        .custom_method("aigis/regions", AigisServer::regions)
        .custom_method("aigis/blastRadius", AigisServer::blast_radius)
        .finish();
    transport::guard(tokio::io::stdin(), tokio::io::stdout(), |input, output| {
        Server::new(input, output, socket).serve(service)
    })
    .await;
}
