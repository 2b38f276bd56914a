//! The engine every front end calls. `open_file` loads a file from disk with its regions from
//! the ledger and history (git-ai notes, Agent Trace, trailers), analysed as `scan` sees it
//! (`aigis review`, `aigis blame`). `Engine` is the long-lived form (`aigis mcp`): one workspace,
//! its symbol index built in the background and kept fresh, and one method per question an agent
//! asks (blast radius, a proposed change, a command, review state, who wrote a line, a rule).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use crate::index::WorkspaceIndex;

mod blame;
mod blast;
mod cache;
mod change;
mod rules;
mod status;
pub use blame::{blame_rows, BlameRow};
pub use blast::{BlastAnswer, BlastTarget};
pub use cache::Parsed;
pub use change::{ChangeAnswer, CommandAnswer, ProposedEdit};
pub use rules::RuleAnswer;
pub use status::{
    RegionRow as RegionRowRef, RequestAnswer, ScanAnswer, StatusAnswer, WhoWroteAnswer,
};

use crate::document::PositionEncoding;
use crate::history::{self, LineOrigin};
use crate::language;
use crate::tracked_file::TrackedFile;
use crate::workspace::Workspace;

/// A file as the engine assessed it.
pub struct OpenedFile {
    pub file: TrackedFile,
    /// Relative to the workspace root.
    pub rel: String,
    /// Who wrote each line per history (index 0 is line 1).
    pub history: Vec<LineOrigin>,
    /// What the ledger could not read (hand edits, bad merges), to show the user.
    pub warnings: Vec<String>,
}

/// Loads `path` (inside `ws`) with its regions from the ledger and history, analysed.
pub fn open_file(ws: &Workspace, path: &Path) -> Result<OpenedFile, String> {
    open_file_with(ws, path, true)
}

/// `open_file`, with or without the regions git history attributes (reading history runs git;
/// a question asked on every edit can do without it).
pub fn open_file_with(
    ws: &Workspace,
    path: &Path,
    with_history: bool,
) -> Result<OpenedFile, String> {
    let abs = path
        .canonicalize()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let rel = ws.relative(&abs).ok_or_else(|| {
        format!(
            "{} is outside the workspace {}",
            path.display(),
            ws.root.display()
        )
    })?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut warnings = Vec::new();
    let mut file = TrackedFile::load(
        Some(ws),
        Some(rel.clone()),
        &text,
        0,
        PositionEncoding::Utf16,
        language::for_path(path),
        &mut warnings,
    );
    // Regions history attributes are reviewed like the ledger's: `scan` shows them.
    let history = if with_history {
        history::attribute(&ws.root, &rel)
    } else {
        Vec::new()
    };
    if with_history {
        let human: Vec<(usize, usize)> = file.human.iter().map(|h| (h.start, h.end)).collect();
        file.set_history(history::regions_of(&text, &history, &human));
    }
    file.analyze(Some(ws), false, Some(Path::new(&rel)));
    Ok(OpenedFile {
        file,
        rel,
        history,
        warnings: warnings.iter().map(|w| w.to_string()).collect(),
    })
}

/// How far the symbol index has come; every answer that uses it says so (silence would read as
/// "complete").
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexInfo {
    /// Files the index reads (those with a symbol query).
    pub files: usize,
    /// Of those, indexed so far.
    pub indexed: usize,
    pub complete: bool,
    /// Milliseconds since the index last checked the workspace for changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_ms_ago: Option<u64>,
}

#[derive(Default)]
struct Progress {
    started: bool,
    total: usize,
    done: usize,
    complete: bool,
    checked: Option<Instant>,
}

type Stamp = (Option<SystemTime>, u64);

/// One workspace, its symbol index and its policy, for a long-lived front end.
pub struct Engine {
    pub ws: Workspace,
    index: WorkspaceIndex,
    progress: Mutex<Progress>,
    ready: Condvar,
    stamps: Mutex<HashMap<PathBuf, Stamp>>,
    refreshing: AtomicBool,
    cache: cache::ParseCache,
    identity: std::sync::OnceLock<crate::identity::Identity>,
}

/// A file an agent named, checked to be inside the workspace.
#[derive(Debug, Clone)]
pub struct Located {
    pub abs: PathBuf,
    pub rel: String,
    pub exists: bool,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok(), m.len()))
}

/// How long a question waits for the first index before it answers with what there is.
pub const INDEX_WAIT: Duration = Duration::from_secs(8);

impl Engine {
    /// Opens the workspace at `root` (its `aigis.toml` must parse). The index is not built yet:
    /// call `start_indexing`.
    pub fn open(root: &Path) -> Result<Engine, String> {
        let root = root
            .canonicalize()
            .map_err(|e| format!("{}: {e}", root.display()))?;
        let ws = Workspace::open(&root).map_err(|e| e.to_string())?;
        Ok(Engine {
            ws,
            index: WorkspaceIndex::new(),
            progress: Mutex::new(Progress::default()),
            ready: Condvar::new(),
            stamps: Mutex::new(HashMap::new()),
            refreshing: AtomicBool::new(false),
            cache: Default::default(),
            identity: Default::default(),
        })
    }

    fn rules(&self) -> crate::walk::WalkRules {
        crate::walk::WalkRules::new(&self.ws.config.index)
    }

    fn lock_progress(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Builds the symbol index on a background thread (once); questions asked meanwhile wait
    /// up to `INDEX_WAIT` and then answer with what is indexed, saying so.
    pub fn start_indexing(self: &Arc<Self>) {
        {
            let mut p = self.lock_progress();
            if p.started {
                return;
            }
            p.started = true;
        }
        let engine = Arc::clone(self);
        std::thread::Builder::new()
            .name("aigis-index".into())
            .spawn(move || engine.build_index())
            .ok();
    }

    /// Builds the index on this thread.
    pub fn build_index(&self) {
        let files = WorkspaceIndex::indexable(&self.ws.root, &self.rules());
        // Stamped before reading, so that a file changed while it is indexed is read again.
        let stamps: HashMap<PathBuf, Stamp> = files
            .iter()
            .filter_map(|p| Some((p.clone(), stamp(p)?)))
            .collect();
        *self.stamps.lock().unwrap_or_else(|e| e.into_inner()) = stamps;
        {
            let mut p = self.lock_progress();
            p.started = true;
            p.total = files.len();
        }
        // From the cache of the last start (the language server's too), for unchanged files.
        let (_, used, cache) = self
            .index
            .index_paths_cached(&self.ws.root, files, &|done, _| {
                self.lock_progress().done = done;
            });
        if let Some(note) = used.note {
            eprintln!("aigis mcp: {note}");
        }
        {
            let mut p = self.lock_progress();
            p.done = p.total;
            p.complete = true;
            p.checked = Some(Instant::now());
            self.ready.notify_all();
        }
        // The files read anew are parsed in the background (a question parses what it needs
        // at once) and the cache written for the next start.
        if let Some(note) = cache.complete(&self.index) {
            eprintln!("aigis mcp: {note}");
        }
    }

    /// Waits up to `wait` for the first index; says how far it is.
    pub fn wait_for_index(&self, wait: Duration) -> IndexInfo {
        let deadline = Instant::now() + wait;
        let mut p = self.lock_progress();
        while p.started && !p.complete {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            p = self
                .ready
                .wait_timeout(p, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        IndexInfo {
            files: p.total,
            indexed: p.done,
            complete: p.complete,
            checked_ms_ago: p.checked.map(|c| c.elapsed().as_millis() as u64),
        }
    }

    /// The developer the agent works for: the workspace's git identity (read once).
    pub fn identity(&self) -> &crate::identity::Identity {
        self.identity
            .get_or_init(|| crate::identity::Identity::of_workspace(&self.ws.root))
    }

    pub fn index(&self) -> &WorkspaceIndex {
        &self.index
    }

    /// Reads `abs` into the index again if it changed on disk since it was indexed.
    pub fn refresh_file(&self, abs: &Path) {
        let Some(now) = stamp(abs) else {
            self.index.remove_file(abs);
            return;
        };
        let mut stamps = self.stamps.lock().unwrap_or_else(|e| e.into_inner());
        if stamps.get(abs) == Some(&now) {
            return;
        }
        stamps.insert(abs.to_path_buf(), now);
        drop(stamps);
        self.reindex(abs);
    }

    fn reindex(&self, abs: &Path) {
        let Some(lang) = crate::language::for_path(abs).filter(|l| l.has_symbols()) else {
            return;
        };
        match std::fs::read_to_string(abs) {
            Ok(text) if text.len() <= crate::document::MAX_ANALYSED_BYTES => {
                if let Some(tree) = crate::parse::parse(lang, &text) {
                    self.index.update_file(abs, &tree, &text);
                }
            }
            _ => self.index.remove_file(abs),
        }
    }

    /// Brings the whole index up to date with the disk: changed, new and deleted files.
    pub fn refresh(&self) {
        if !self.lock_progress().complete {
            return;
        }
        let files = WorkspaceIndex::indexable(&self.ws.root, &self.rules());
        let mut changed = Vec::new();
        {
            let mut stamps = self.stamps.lock().unwrap_or_else(|e| e.into_inner());
            let mut seen: HashMap<PathBuf, Stamp> = HashMap::with_capacity(files.len());
            for p in files {
                let Some(now) = stamp(&p) else { continue };
                if stamps.get(&p) != Some(&now) {
                    changed.push(p.clone());
                }
                seen.insert(p, now);
            }
            for gone in stamps.keys().filter(|p| !seen.contains_key(*p)) {
                self.index.remove_file(gone);
            }
            *stamps = seen;
        }
        for p in changed {
            self.reindex(&p);
        }
        self.lock_progress().checked = Some(Instant::now());
    }

    /// Starts a refresh on a background thread unless one is running or one ran within the
    /// last second; the next question sees its result.
    pub fn refresh_soon(self: &Arc<Self>) {
        let recent = self
            .lock_progress()
            .checked
            .is_some_and(|c| c.elapsed() < Duration::from_secs(1));
        if recent || self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let engine = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("aigis-refresh".into())
            .spawn(move || {
                engine.refresh();
                engine.refreshing.store(false, Ordering::Release);
            });
        if spawned.is_err() {
            self.refreshing.store(false, Ordering::Release);
        }
    }

    /// The file an agent names (relative to the workspace root, or absolute inside it), which
    /// must exist unless `may_be_new`. Paths that lead outside, through `..` or a link, are
    /// refused.
    pub fn locate(&self, file: &str, may_be_new: bool) -> Result<Located, String> {
        let root = &self.ws.root;
        if file.trim().is_empty() {
            return Err("`file` is empty: give a path relative to the workspace root".into());
        }
        if file.contains('\0') {
            return Err("`file` contains a NUL byte".into());
        }
        let given = Path::new(file);
        let joined = if given.is_absolute() {
            given.to_path_buf()
        } else {
            root.join(given)
        };
        let outside = || {
            format!(
                "{file} is outside the workspace {}: paths are relative to its root",
                root.display()
            )
        };
        match joined.canonicalize() {
            Ok(abs) => {
                if !abs.starts_with(root) {
                    return Err(outside());
                }
                if !abs.is_file() {
                    return Err(format!("{file} is not a file"));
                }
                let rel = self.ws.relative(&abs).ok_or_else(outside)?;
                Ok(Located {
                    abs,
                    rel,
                    exists: true,
                })
            }
            Err(_) if may_be_new => {
                // A file to be created: every existing ancestor must be inside the workspace,
                // and no `..` may climb out.
                let mut clean = PathBuf::new();
                for c in joined.components() {
                    match c {
                        Component::ParentDir => {
                            if !clean.pop() {
                                return Err(outside());
                            }
                        }
                        Component::CurDir => {}
                        other => clean.push(other),
                    }
                }
                let existing = clean
                    .ancestors()
                    .find(|a| a.exists())
                    .and_then(|a| a.canonicalize().ok())
                    .ok_or_else(outside)?;
                if !existing.starts_with(root) || !clean.starts_with(root) {
                    return Err(outside());
                }
                let rel = self.ws.relative(&clean).ok_or_else(outside)?;
                Ok(Located {
                    abs: clean,
                    rel,
                    exists: false,
                })
            }
            Err(_) => Err(format!(
                "no file {file} in the workspace {} (paths are relative to its root)",
                root.display()
            )),
        }
    }
}

/// Caps a list at `limit`, saying how many were left out.
pub(crate) fn capped<T>(
    mut v: Vec<T>,
    limit: usize,
    what: &str,
    notes: &mut Vec<String>,
) -> Vec<T> {
    if v.len() > limit {
        notes.push(format!(
            "showing {limit} of {} {what}; pass a larger `limit` to see more",
            v.len()
        ));
        v.truncate(limit);
    }
    v
}
