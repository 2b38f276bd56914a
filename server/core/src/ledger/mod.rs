//! The ledger in `.aigis/`: which regions of which files an AI wrote, and the review requests and
//! approvals about them. Text (JSON lines), one log per source file so that no file is rewritten
//! by every change, merged by git's `union` driver, written atomically under a lock so that an
//! editor and several agents' hooks can write at once without losing or tearing a record.
//!
//! ```text
//! .aigis/regions/<path>.jsonl   region snapshots of <path>, merged in the order of the log
//! .aigis/reviews/<path>.jsonl   review requests and approvals for regions of <path>
//! ```
//!
//! A region log is read as a merge, never as "the newest snapshot wins": two branches that both
//! recorded regions in the same file and were merged by `union` keep both branches' regions.
//! Snapshots are applied in the order their lines stand in the log (a writer appends after
//! reading all of it), never by their `at` time, which another machine's clock or a hand edit
//! sets. Each snapshot upserts its regions by id and lists the ids it `retired`; a retired id
//! stays retired. A snapshot written before `retired` existed replaces what came before it.
//!
//! Nothing below the workspace root is read or written through a symbolic link (`safe_fs`).

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::identity::Identity;
use crate::regions::{Provenance, Region, Source};
use crate::safe_fs;

pub const DIR: &str = ".aigis";
const FORMAT: u32 = 1;
/// A region log is compacted (the newest snapshot kept) once it has this many lines.
const COMPACT_AFTER_LINES: usize = 64;

/// Where a span of text sits in a saved file, and how to find it again after the file changed:
/// its hash, its first line, and a short hash of every line it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// Zero-based line and byte column of the start and end: `[line, col, line, col]`.
    pub range: [usize; 4],
    /// Length in bytes and hash of the text.
    pub len: usize,
    pub hash: String,
    /// The first line (at most 200 bytes), to find the text again after lines moved.
    pub head: String,
    /// FNV-1a hashes (8 hex digits) of the whole lines the span covers, to map it through edits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
}

/// One AI region in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionRecord {
    pub id: String,
    #[serde(flatten)]
    pub anchor: Anchor,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub source: Source,
    #[serde(default)]
    pub modified: bool,
    #[serde(default)]
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Identity>,
}

/// Text a person typed in an editor and saved: later attribution from history never claims it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HumanRecord {
    #[serde(flatten)]
    pub anchor: Anchor,
    #[serde(default)]
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Identity>,
}

/// A region placed in a text, with who accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub region: Region,
    pub author: Option<Identity>,
}

/// The ledger's state of one file, placed in a given text.
#[derive(Debug, Clone, Default)]
pub struct FileState {
    pub regions: Vec<Placed>,
    /// Byte ranges of known-human text.
    pub human: Vec<(usize, usize)>,
    /// Ids of recorded regions whose text is gone.
    pub retired: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub v: u32,
    pub kind: String,
    pub file: String,
    pub at: String,
    pub regions: Vec<RegionRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub human: Vec<HumanRecord>,
    /// Ids of regions this writer dropped (their text gone, or marked human). `None` in
    /// snapshots written before merging existed: those replace what came before them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ReviewEvent {
    ReviewRequest {
        v: u32,
        file: String,
        region: String,
        hash: String,
        tier: String,
        requester: Identity,
        at: String,
        #[serde(default)]
        reasons: Vec<String>,
        #[serde(default)]
        reviewers: Vec<String>,
        /// One-based first and last line of the region when it was requested.
        #[serde(default)]
        lines: [usize; 2],
        /// What the requester asks the reviewer to look at.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// The agent that asked (through `aigis mcp`), on behalf of `requester`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
    },
    Approval {
        v: u32,
        file: String,
        region: String,
        hash: String,
        tier: String,
        by: Identity,
        at: String,
    },
}

impl ReviewEvent {
    pub fn region(&self) -> &str {
        match self {
            ReviewEvent::ReviewRequest { region, .. } | ReviewEvent::Approval { region, .. } => {
                region
            }
        }
    }
}

/// A line of the ledger that could not be read; it is kept as it is and reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerWarning {
    pub path: PathBuf,
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for LedgerWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: ignored a ledger line that cannot be read ({}); it is kept as it is",
            self.path.display(),
            self.line,
            self.reason
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{0} is not a path inside the workspace")]
    BadPath(String),
    #[error("ledger {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> LedgerError + '_ {
    move |source| LedgerError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[derive(Debug, Clone)]
pub struct Ledger {
    /// The workspace root: no path below it is followed through a link.
    workspace: PathBuf,
    root: PathBuf,
}

impl Ledger {
    pub fn new(workspace_root: &Path) -> Ledger {
        Ledger {
            workspace: workspace_root.to_path_buf(),
            root: workspace_root.join(DIR),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.root
    }

    fn log_path(&self, kind: &str, file: &str) -> Result<PathBuf, LedgerError> {
        let rel = Path::new(file);
        let clean = !file.is_empty() && rel.components().all(|c| matches!(c, Component::Normal(_)));
        if !clean {
            return Err(LedgerError::BadPath(file.to_string()));
        }
        let mut p = self.root.join(kind).join(rel);
        let name = format!(
            "{}.jsonl",
            p.file_name().unwrap_or_default().to_string_lossy()
        );
        p.set_file_name(name);
        Ok(p)
    }

    /// The newest region snapshot of `file`, and any unreadable lines.
    pub fn snapshot(
        &self,
        file: &str,
    ) -> Result<(Option<Snapshot>, Vec<LedgerWarning>), LedgerError> {
        let path = self.log_path("regions", file)?;
        let (records, warnings) = read_log::<Snapshot>(&self.workspace, &path)?;
        Ok((merge(file, records), warnings))
    }

    /// Review events with the (one-based) line each stands on in its log, for blame.
    pub fn reviews_with_lines(
        &self,
        file: &str,
    ) -> Result<(PathBuf, Vec<(usize, ReviewEvent)>), LedgerError> {
        let path = self.log_path("reviews", file)?;
        let text = match safe_fs::read(&self.workspace, &path) {
            Ok(Some(t)) => String::from_utf8_lossy(&t).into_owned(),
            Ok(None) => return Ok((path, Vec::new())),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let events = text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                serde_json::from_str::<ReviewEvent>(l)
                    .ok()
                    .map(|e| (i + 1, e))
            })
            .collect();
        Ok((path, events))
    }

    pub fn reviews(
        &self,
        file: &str,
    ) -> Result<(Vec<ReviewEvent>, Vec<LedgerWarning>), LedgerError> {
        let path = self.log_path("reviews", file)?;
        read_log::<ReviewEvent>(&self.workspace, &path)
    }

    /// The ledger's regions and known-human spans of `file`, placed in `text`.
    pub fn state(
        &self,
        file: &str,
        text: &str,
    ) -> Result<(FileState, Vec<LedgerWarning>), LedgerError> {
        let (snapshot, warnings) = self.snapshot(file)?;
        Ok((
            snapshot.map(|s| place(&s, text)).unwrap_or_default(),
            warnings,
        ))
    }

    /// Read-modify-write of a file's regions under the ledger lock: `update` gets what the
    /// ledger holds now (placed in `text`) and returns what it should hold. Concurrent writers
    /// (an editor, several agents' hooks) therefore merge rather than overwrite each other.
    pub fn update(
        &self,
        file: &str,
        text: &str,
        update: impl FnOnce(FileState) -> FileState,
    ) -> Result<FileState, LedgerError> {
        let path = self.log_path("regions", file)?;
        let _lock = self.lock()?;
        let (records, _) = read_log::<Snapshot>(&self.workspace, &path)?;
        let merged = merge(file, records);
        let mut retired: Vec<String> = merged
            .as_ref()
            .and_then(|m| m.retired.clone())
            .unwrap_or_default();
        let current = merged.as_ref().map(|s| place(s, text)).unwrap_or_default();
        let before: Vec<String> = current
            .regions
            .iter()
            .map(|p| p.region.id.clone())
            .chain(current.retired.iter().cloned())
            .collect();
        let mut next = update(current);
        let mut gone: std::collections::HashSet<String> = retired.iter().cloned().collect();
        // A retired id stays retired: a region written again under one gets a new id (and so
        // needs its review again), rather than being silently dropped by the next reader.
        for p in &mut next.regions {
            if gone.contains(&p.region.id) {
                p.region.id = crate::regions::new_region_id();
            }
        }
        let kept: std::collections::HashSet<&str> =
            next.regions.iter().map(|p| p.region.id.as_str()).collect();
        for id in before {
            if !kept.contains(id.as_str()) && gone.insert(id.clone()) {
                retired.push(id);
            }
        }
        let lines = LineHashes::new(text);
        let snapshot = Snapshot {
            v: FORMAT,
            kind: "regions".into(),
            file: file.to_string(),
            at: now_rfc3339(),
            regions: next
                .regions
                .iter()
                .filter(|p| p.region.start < p.region.end && p.region.end <= text.len())
                .map(|p| RegionRecord {
                    id: p.region.id.clone(),
                    anchor: anchor_of(text, &lines, p.region.start, p.region.end),
                    provenance: p.region.provenance.clone(),
                    source: p.region.source,
                    modified: p.region.modified,
                    created_at: p.region.created_at.clone(),
                    author: p.author.clone(),
                })
                .collect(),
            human: next
                .human
                .iter()
                .filter(|(s, e)| s < e && *e <= text.len())
                .map(|&(s, e)| HumanRecord {
                    anchor: anchor_of(text, &lines, s, e),
                    at: now_rfc3339(),
                    author: None,
                })
                .collect(),
            retired: Some(retired),
        };
        let line = serde_json::to_string(&snapshot).expect("snapshots serialize");
        self.append_locked(&path, &line)?;
        self.compact(&path, file, &snapshot)?;
        Ok(next)
    }

    /// Records exactly these regions for `file` (replacing what the ledger held).
    pub fn write_snapshot(
        &self,
        file: &str,
        text: &str,
        regions: &[Region],
        authors: &dyn Fn(&Region) -> Option<Identity>,
    ) -> Result<(), LedgerError> {
        self.update(file, text, |_| FileState {
            regions: regions
                .iter()
                .map(|r| Placed {
                    region: r.clone(),
                    author: authors(r),
                })
                .collect(),
            ..Default::default()
        })
        .map(|_| ())
    }

    pub fn append_review(&self, event: &ReviewEvent) -> Result<(), LedgerError> {
        let file = match event {
            ReviewEvent::ReviewRequest { file, .. } | ReviewEvent::Approval { file, .. } => file,
        };
        let line = serde_json::to_string(event).expect("review events serialize");
        let path = self.log_path("reviews", file)?;
        self.append(&path, &line)
    }

    /// Workspace-relative paths of every file the ledger has regions for.
    pub fn tracked_files(&self) -> Vec<String> {
        self.logged_files("regions")
    }

    /// Workspace-relative paths of every file the ledger has reviews for.
    pub fn reviewed_files(&self) -> Vec<String> {
        self.logged_files("reviews")
    }

    fn logged_files(&self, kind: &str) -> Vec<String> {
        let base = self.root.join(kind);
        let mut out = Vec::new();
        if safe_fs::check(&self.workspace, &base).is_err() {
            return out;
        }
        let mut stack = vec![base.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                // `file_type` does not follow links: a linked folder is not walked (a link to
                // `/` would walk the whole filesystem) and a linked log is not a tracked file.
                let Ok(kind) = e.file_type() else { continue };
                if kind.is_symlink() {
                    continue;
                }
                if kind.is_dir() {
                    stack.push(p);
                } else if let Some(rel) = p
                    .strip_prefix(&base)
                    .ok()
                    .and_then(|r| r.to_str())
                    .and_then(|r| r.strip_suffix(".jsonl"))
                {
                    out.push(rel.replace(std::path::MAIN_SEPARATOR, "/"));
                }
            }
        }
        out.sort();
        out
    }

    /// Appends one line under the ledger lock.
    fn append(&self, path: &Path, line: &str) -> Result<(), LedgerError> {
        let _lock = self.lock()?;
        self.append_locked(path, line)
    }

    /// Appends one line; the caller holds the lock. A line left unterminated by a writer that
    /// died is closed first, so the new record never fuses with it.
    fn append_locked(&self, path: &Path, line: &str) -> Result<(), LedgerError> {
        let mut f = safe_fs::open_append(&self.workspace, path).map_err(io_err(path))?;
        let len = f.metadata().map_err(io_err(path))?.len();
        let mut buf = String::with_capacity(line.len() + 2);
        if len > 0 {
            let mut last = [0u8; 1];
            f.seek(SeekFrom::Start(len - 1)).map_err(io_err(path))?;
            f.read_exact(&mut last).map_err(io_err(path))?;
            if last[0] != b'\n' {
                buf.push('\n');
            }
        }
        buf.push_str(line);
        buf.push('\n');
        f.write_all(buf.as_bytes()).map_err(io_err(path))
    }

    /// Keeps a region log short: the merged state just written (with every retired id) and every
    /// line that could not be read (never drop what we do not understand). Called with the lock
    /// held, right after `written` was appended.
    fn compact(&self, path: &Path, file: &str, written: &Snapshot) -> Result<(), LedgerError> {
        let bytes = safe_fs::read(&self.workspace, path)
            .map_err(io_err(path))?
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        if text.lines().count() < COMPACT_AFTER_LINES {
            return Ok(());
        }
        let mut kept: Vec<String> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter(|l| serde_json::from_str::<Snapshot>(l).is_err())
            .map(str::to_string)
            .collect();
        let whole = Snapshot {
            file: file.to_string(),
            ..written.clone()
        };
        kept.push(serde_json::to_string(&whole).expect("snapshots serialize"));
        let mut out = kept.join("\n");
        out.push('\n');
        safe_fs::replace(&self.workspace, path, out.as_bytes()).map_err(io_err(path))
    }

    /// An exclusive lock on `.aigis/.lock`, shared by every aigis process on this checkout.
    fn lock(&self) -> Result<File, LedgerError> {
        safe_fs::create_dir_all(&self.workspace, &self.root).map_err(io_err(&self.root))?;
        self.write_repo_files();
        let path = self.root.join(".lock");
        let f = safe_fs::open_lock(&self.workspace, &path).map_err(io_err(&path))?;
        f.lock().map_err(io_err(&path))?;
        Ok(f)
    }

    /// `.gitattributes` makes git merge the logs by union; `.gitignore` keeps the lock out.
    fn write_repo_files(&self) {
        let files = [
            (".gitattributes", "*.jsonl merge=union\n"),
            (".gitignore", ".lock\n*.tmp*\n"),
        ];
        for (name, content) in files {
            // Created only where nothing is, not even a dangling link.
            let _ = safe_fs::write_new(&self.workspace, &self.root.join(name), content.as_bytes());
        }
    }
}

/// Reads a JSON-lines log. A missing file is empty; unreadable lines become warnings. A last line
/// without its newline may be a write in progress and is left for the next read.
fn read_log<T: for<'de> Deserialize<'de>>(
    workspace: &Path,
    path: &Path,
) -> Result<(Vec<T>, Vec<LedgerWarning>), LedgerError> {
    let bytes = match safe_fs::read(workspace, path) {
        Ok(Some(b)) => b,
        Ok(None) => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(io_err(path)(e)),
    };
    let complete = bytes.ends_with(b"\n");
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let count = lines.len();
    for (i, raw) in lines.into_iter().enumerate() {
        let last = i + 1 == count;
        if raw.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let parsed = std::str::from_utf8(raw)
            .map_err(|_| "not UTF-8".to_string())
            .and_then(|s| serde_json::from_str::<T>(s).map_err(|e| e.to_string()));
        match parsed {
            Ok(r) => records.push(r),
            Err(_) if last && !complete => {}
            Err(reason) => warnings.push(LedgerWarning {
                path: path.to_path_buf(),
                line: i + 1,
                reason,
            }),
        }
    }
    Ok((records, warnings))
}

pub fn content_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

mod anchor;
mod merge;
use anchor::anchor_of;
pub use anchor::{locate, place, LineHashes};
pub use merge::merge;

#[cfg(test)]
mod tests;
