//! The session: the server's state (open documents, workspace folders, settings, the index), the
//! document lock every handler goes through (`with_doc`) and ordered publication of diagnostics.

use super::*;

pub const SOURCE: &str = "aigis";
pub(crate) const COMMANDS: [&str; 5] = [
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
pub(crate) struct ClientSettings {
    pub(crate) audit_mode: Option<bool>,
    pub(crate) heuristic: Option<HeuristicSettings>,
    /// The client reports accepted AI edits itself (`aigis/markAiEdit`): the burst heuristic is
    /// then off unless the user turns it on.
    pub(crate) ai_edit_reporting: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HeuristicSettings {
    pub(crate) enabled: Option<bool>,
    pub(crate) min_lines: Option<usize>,
}

pub(crate) struct OpenFile {
    pub(crate) file: TrackedFile,
    pub(crate) path: Option<PathBuf>,
    pub(crate) burst: BurstDetector,
    /// The workspace folder that holds the file (the innermost one), if any.
    pub(crate) ws: Option<Arc<Workspace>>,
    /// What read requests see, built by the first read after a change ([`AigisServer::snapshot`])
    /// and dropped by the next change: typing assesses only what its diagnostics need.
    pub(crate) snapshot: Option<Arc<Snapshot>>,
    /// A parse owed by a keystroke runs in the background (one at a time).
    pub(crate) parsing: bool,
    /// So does an analysis too large for a keystroke (`TrackedFile::analyze_within`).
    pub(crate) analysing: bool,
    /// Blast radii owed after the index changed are computed in the background (one job at a
    /// time); until then the last ones are shown.
    pub(crate) blasting: bool,
    /// When the document was last edited: an owed analysis waits for typing to pause.
    pub(crate) typing: Arc<Typing>,
    /// Its findings' diagnostics, serialized once.
    pub(crate) texts: FindingTexts,
}

/// How long typing must pause before an owed analysis runs: keystrokes that come faster than
/// that would each make the last one's analysis stale before it is in (a whole 5,000-line
/// file takes 40-60 ms), and it would only take the core their answers need.
pub(crate) const TYPING_PAUSE: std::time::Duration = std::time::Duration::from_millis(40);

/// A document's last edit, read by its background work without the document's lock.
#[derive(Default)]
pub(crate) struct Typing {
    /// The document's edit count after its last edit.
    edits: std::sync::atomic::AtomicU64,
    /// Microseconds since the server started, at its last edit.
    at: std::sync::atomic::AtomicU64,
}

fn micros() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_micros() as u64
}

impl Typing {
    /// The document's edit count after its last edit.
    pub(crate) fn edits(&self) -> u64 {
        self.edits.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn note(&self, edits: u64) {
        self.at
            .store(micros(), std::sync::atomic::Ordering::Release);
        self.edits
            .store(edits, std::sync::atomic::Ordering::Release);
    }

    /// Waits until no edit has come for `pause`; true if the document is still at `edits`
    /// (false at once when it has moved on).
    pub(crate) fn paused_at(&self, edits: u64, pause: std::time::Duration) -> bool {
        loop {
            if self.edits.load(std::sync::atomic::Ordering::Acquire) != edits {
                return false;
            }
            let since = micros().saturating_sub(self.at.load(std::sync::atomic::Ordering::Acquire));
            let Some(left) = (pause.as_micros() as u64)
                .checked_sub(since)
                .filter(|l| *l > 0)
            else {
                return true;
            };
            std::thread::sleep(std::time::Duration::from_micros(left));
        }
    }
}

/// One assessed version of a document, for read requests (hover, code lens, `aigis/regions`):
/// its regions' assessments, computed by the first read of that version, and position
/// conversion for it. Later readers hold the document's lock only to clone the `Arc`.
pub(crate) struct Snapshot {
    pub(crate) pos: Positions,
    pub(crate) assessments: Vec<Assessment>,
    pub(crate) rel: Option<String>,
    pub(crate) ws: Option<Arc<Workspace>>,
}

impl Snapshot {
    /// The document as it is now.
    fn of(open: &OpenFile) -> Arc<Snapshot> {
        Arc::new(Snapshot {
            pos: open.file.doc.positions().clone(),
            assessments: open.file.assessments(open.ws.as_deref()),
            rel: open.file.rel.clone(),
            ws: open.ws.clone(),
        })
    }
}

impl AigisServer {
    /// The snapshot of an open document as it is now: built once per change, by the first
    /// read that asks (under the document's lock, as a change would have).
    pub(crate) fn snapshot(&self, uri: &str) -> Option<Arc<Snapshot>> {
        let mut open = self.docs.get_mut(uri)?;
        let open = open.value_mut();
        let snap = match &open.snapshot {
            Some(s) => s.clone(),
            None => {
                let s = Snapshot::of(open);
                open.snapshot = Some(s.clone());
                s
            }
        };
        Some(snap)
    }
}

/// The server; cheap to clone, so background tasks (history, the ledger watch) share its state.
#[derive(Clone)]
pub struct AigisServer {
    pub(crate) inner: Arc<ServerState>,
}

pub struct ServerState {
    pub(crate) client: Client,
    pub(crate) docs: DashMap<String, OpenFile>,
    /// Every workspace folder the client opened, each with its own policy, ledger, owners and
    /// history; a file belongs to the innermost one that holds it.
    pub(crate) workspaces: RwLock<Vec<Arc<Workspace>>>,
    pub(crate) encoding: RwLock<PositionEncoding>,
    pub(crate) settings: RwLock<ClientSettings>,
    /// Modification times of the ledger logs of open files, to see other writers' records.
    pub(crate) ledger_seen: DashMap<String, std::time::SystemTime>,
    /// The workspace symbol index, for blast radius; `indexed` once the first pass is done.
    pub(crate) index: Arc<aigis_core::index::WorkspaceIndex>,
    pub(crate) indexed: std::sync::atomic::AtomicBool,
    /// What the client said it supports.
    pub(crate) caps: RwLock<ClientCaps>,
    /// When the client last asked for code actions on a document: the edit a chosen action
    /// makes (implement members, a snippet, a fix) is a tool's insert, not an AI burst.
    pub(crate) code_actions_at: DashMap<String, std::time::Instant>,
    /// Orders diagnostics: taken under the document's lock when they are computed.
    pub(crate) publish_seq: std::sync::atomic::AtomicU64,
    /// What was last sent per document. Held only to compare, send and update, never across
    /// an `.await`, so a handler's own publication is handed to the client at once.
    pub(crate) published: DashMap<String, Sent>,
    /// The output thread's queue: diagnostics are serialized straight to it (see
    /// [`AigisServer::publish`]).
    pub(crate) out: crate::transport::Output,
    /// Set by `shutdown`: nothing more is published after it.
    pub(crate) shut_down: std::sync::atomic::AtomicBool,
}

/// How long after a code-action request an insert is taken for that action's edit.
pub(crate) const CODE_ACTION_WINDOW: std::time::Duration = std::time::Duration::from_secs(15);

#[derive(Default, Clone)]
pub(crate) struct ClientCaps {
    /// `experimental.aigisAnalyzedNotification`: told when a set is the same as the last.
    pub(crate) analyzed_notification: bool,
    pub(crate) work_done_progress: bool,
    pub(crate) watch_files_dynamic: bool,
    pub(crate) code_lens_refresh: bool,
}

impl std::ops::Deref for AigisServer {
    type Target = ServerState;
    fn deref(&self) -> &ServerState {
        &self.inner
    }
}

/// Runs a request's work so that a bug answers with an internal error instead of taking the
/// server down (rust-analyzer runs every request this way).
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(Error::internal_error()))
}

pub(crate) fn invalid_params(msg: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InvalidParams,
        message: msg.into().into(),
        data: None,
    }
}

pub(crate) fn request_failed(msg: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::ServerError(-32803),
        message: msg.into().into(),
        data: None,
    }
}

pub(crate) fn file_path(uri: &Uri) -> Option<PathBuf> {
    if !uri.as_str().starts_with("file:") {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

pub(crate) fn lc(p: Position) -> LineCol {
    LineCol {
        line: p.line,
        character: p.character,
    }
}

pub(crate) fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Critical => DiagnosticSeverity::ERROR,
        Severity::High => DiagnosticSeverity::WARNING,
        Severity::Medium => DiagnosticSeverity::INFORMATION,
    }
}

impl AigisServer {
    pub(crate) fn new(client: Client, out: crate::transport::Output) -> Self {
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
                published: DashMap::new(),
                out,
                shut_down: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    /// The innermost workspace folder holding `path`.
    pub(crate) fn workspace_for(&self, path: Option<&Path>) -> Option<Arc<Workspace>> {
        let path = path?;
        self.workspaces
            .read()
            .ok()?
            .iter()
            .filter(|w| path.starts_with(&w.root))
            .max_by_key(|w| w.root.components().count())
            .cloned()
    }

    pub(crate) fn all_workspaces(&self) -> Vec<Arc<Workspace>> {
        self.workspaces
            .read()
            .map(|w| w.clone())
            .unwrap_or_default()
    }

    /// The workspace of an open document.
    pub(crate) fn doc_workspace(&self, uri: &str) -> Option<Arc<Workspace>> {
        self.docs.get(uri).and_then(|d| d.ws.clone())
    }

    /// Opens a workspace folder (a broken `aigis.toml` is reported and the defaults apply).
    pub(crate) fn open_folder(root: &Path) -> (Workspace, Option<String>) {
        match Workspace::open(root) {
            Ok(ws) => (ws, None),
            Err(e) => (
                Workspace::with_config(root, Default::default()),
                Some(e.to_string()),
            ),
        }
    }

    pub(crate) fn audit(&self, ws: Option<&Workspace>) -> bool {
        let setting = self.settings.read().ok().and_then(|s| s.audit_mode);
        setting.unwrap_or_else(|| ws.is_some_and(|w| w.config.analysis.audit))
    }

    pub(crate) fn heuristic(&self, ws: Option<&Workspace>) -> (bool, usize) {
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

    pub(crate) fn rel_path(&self, ws: Option<&Workspace>, path: Option<&Path>) -> Option<String> {
        ws.zip(path).and_then(|(ws, p)| ws.relative(p))
    }

    /// Runs `f` on an open document and computes its diagnostics, all without awaiting. A panic
    /// inside the core is caught and reported: one bad file must not take the server down.
    pub(crate) fn with_doc<T>(
        &self,
        uri: &Uri,
        f: impl FnOnce(&mut OpenFile, Option<&Workspace>) -> Result<T>,
    ) -> Result<(T, Publish)> {
        self.with_doc_within(uri, usize::MAX, f)
    }

    /// Analyses a document's edits, or starts the job for an analysis over `budget` (one at a
    /// time: a job that comes back refused starts the next).
    pub(crate) fn analyze_or_owe(
        &self,
        uri: &Uri,
        open: &mut OpenFile,
        ws: Option<&Workspace>,
        audit: bool,
        budget: usize,
    ) {
        let owed = open
            .file
            .analyze_within(ws, audit, open.path.as_deref(), budget);
        if owed && !open.analysing {
            // The job waits for typing to pause at the document's own count of edits (noted by
            // each didChange; noted here too, should a change have failed half way).
            let edits = open.file.doc.edit_count();
            if open.typing.edits() != edits {
                open.typing.note(edits);
            }
            if let Some(job) = open.file.analysis_job(open.path.as_deref()) {
                open.analysing = true;
                self.analyse_in_background(uri.clone(), job, open.typing.clone());
            }
        }
    }

    /// Starts the job for the blast radii a document owes, once the first index is done (one
    /// at a time: the job's end looks again).
    pub(crate) fn blast_if_owed(&self, uri: &Uri, open: &mut OpenFile, ws: Option<&Workspace>) {
        if self.indexed.load(std::sync::atomic::Ordering::Acquire) && !open.blasting {
            let depth = ws.map_or(3, |w| w.config.policy.blast_depth);
            if let Some(request) = open.file.blast_requests(&self.index, open.path.as_deref()) {
                open.blasting = true;
                self.blast_in_background(uri.clone(), request, depth);
            }
        }
    }

    /// As [`AigisServer::with_doc`], analysing at most `budget` bytes of items under the lock:
    /// a larger analysis (a keystroke whose error recovery re-parsed the rest of the file) runs
    /// in the background, and its findings are published when they are in.
    pub(crate) fn with_doc_within<T>(
        &self,
        uri: &Uri,
        budget: usize,
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
            self.analyze_or_owe(uri, open, ws.as_deref(), audit, budget);
            self.blast_if_owed(uri, open, ws.as_deref());
            open.file.judge(ws.as_deref());
            let judged = open.file.judged();
            let diagnostics = diagnostics(&open.file, &judged, audit, uri, &mut open.texts);
            let drawn = judged
                .iter()
                .map(|a| Drawn::of(a, &open.file.doc))
                .collect();
            open.snapshot = None;
            Ok((value, diagnostics, drawn))
        }));
        match result {
            Ok(Ok((value, diagnostics, drawn))) => Ok((
                value,
                Publish {
                    uri: uri.clone(),
                    diagnostics,
                    drawn,
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

    pub(crate) async fn warn(&self, warnings: Vec<LedgerWarning>) {
        for w in warnings {
            self.client
                .show_message(MessageType::WARNING, w.to_string())
                .await;
        }
    }
}

/// Records a document's regions in its workspace's ledger (nothing outside a workspace).
pub(crate) fn persist(file: &mut TrackedFile, ws: Option<&Workspace>) -> Result<()> {
    if let Some(ws) = ws {
        file.persist(ws)
            .map_err(|e| request_failed(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owed_analysis_waits_for_a_pause_and_not_for_a_document_that_moved_on() {
        let typing = Typing::default();
        typing.note(3);
        let noted = std::time::Instant::now();
        let pause = std::time::Duration::from_millis(20);
        assert!(typing.paused_at(3, pause));
        assert!(noted.elapsed() >= pause, "it waited for the pause");
        // Another edit came: the job of edit 3 is not run, and says so at once.
        typing.note(4);
        let asked = std::time::Instant::now();
        assert!(!typing.paused_at(3, std::time::Duration::from_secs(60)));
        assert!(asked.elapsed() < std::time::Duration::from_secs(60));
        // Edits while it waits (one every few ms, as fast typing): it gives up when it next
        // looks, within a pause.
        let typing = Arc::new(Typing::default());
        typing.note(1);
        let typist = typing.clone();
        let waiter = std::thread::spawn(move || typist.paused_at(1, pause));
        let mut edits = 1;
        while !waiter.is_finished() {
            edits += 1;
            typing.note(edits);
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert!(!waiter.join().unwrap());
    }
}
