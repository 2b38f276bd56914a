//! The ledger in `.aigis/`: which regions of which files an AI wrote, and the review requests and
//! approvals about them. Text (JSON lines), one log per source file so that no file is rewritten
//! by every change, merged by git's `union` driver, written atomically under a lock so that an
//! editor and several agents' hooks can write at once without losing or tearing a record.
//!
//! ```text
//! .aigis/regions/<path>.jsonl   region snapshots of <path>; the newest wins
//! .aigis/reviews/<path>.jsonl   review requests and approvals for regions of <path>
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::identity::Identity;
use crate::regions::{Provenance, Region, Source};

pub const DIR: &str = ".aigis";
const FORMAT: u32 = 1;
/// A region log is compacted (the newest snapshot kept) once it has this many lines.
const COMPACT_AFTER_LINES: usize = 64;

/// Where one region sits in a saved file, and how to find it again if the file changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionRecord {
    pub id: String,
    /// Zero-based line and byte column of the start and end: `[line, col, line, col]`.
    pub range: [usize; 4],
    /// Length in bytes and hash of the region's text.
    pub len: usize,
    pub hash: String,
    /// The region's first line (at most 200 bytes), to find it again after lines moved.
    pub head: String,
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub v: u32,
    pub kind: String,
    pub file: String,
    pub at: String,
    pub regions: Vec<RegionRecord>,
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
    root: PathBuf,
}

impl Ledger {
    pub fn new(workspace_root: &Path) -> Ledger {
        Ledger {
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
        let (records, warnings) = read_log::<Snapshot>(&path)?;
        let newest = records
            .into_iter()
            .filter(|s| s.kind == "regions")
            .max_by(|a, b| a.at.cmp(&b.at));
        Ok((newest, warnings))
    }

    pub fn reviews(
        &self,
        file: &str,
    ) -> Result<(Vec<ReviewEvent>, Vec<LedgerWarning>), LedgerError> {
        let path = self.log_path("reviews", file)?;
        read_log::<ReviewEvent>(&path)
    }

    /// Records the regions of `file` as they are in `text`.
    pub fn write_snapshot(
        &self,
        file: &str,
        text: &str,
        regions: &[Region],
        authors: &dyn Fn(&Region) -> Option<Identity>,
    ) -> Result<(), LedgerError> {
        let snapshot = Snapshot {
            v: FORMAT,
            kind: "regions".into(),
            file: file.to_string(),
            at: now_rfc3339(),
            regions: regions
                .iter()
                .map(|r| record_of(r, text, authors(r)))
                .collect(),
        };
        let line = serde_json::to_string(&snapshot).expect("snapshots serialize");
        let path = self.log_path("regions", file)?;
        self.append(&path, &line, true)
    }

    pub fn append_review(&self, event: &ReviewEvent) -> Result<(), LedgerError> {
        let file = match event {
            ReviewEvent::ReviewRequest { file, .. } | ReviewEvent::Approval { file, .. } => file,
        };
        let line = serde_json::to_string(event).expect("review events serialize");
        let path = self.log_path("reviews", file)?;
        self.append(&path, &line, false)
    }

    /// Workspace-relative paths of every file the ledger has regions for.
    pub fn tracked_files(&self) -> Vec<String> {
        let base = self.root.join("regions");
        let mut out = Vec::new();
        let mut stack = vec![base.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
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

    /// Appends one line under the ledger lock. A line left unterminated by a writer that died is
    /// closed first, so the new record never fuses with it.
    fn append(&self, path: &Path, line: &str, compact: bool) -> Result<(), LedgerError> {
        let _lock = self.lock()?;
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(io_err(path))?;
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
        f.write_all(buf.as_bytes()).map_err(io_err(path))?;
        drop(f);
        if compact {
            self.compact(path)?;
        }
        Ok(())
    }

    /// Keeps a region log short: the newest snapshot and every line that could not be read
    /// (never drop what we do not understand). Called with the lock held.
    fn compact(&self, path: &Path) -> Result<(), LedgerError> {
        let text = fs::read_to_string(path).map_err(io_err(path))?;
        if text.lines().count() < COMPACT_AFTER_LINES {
            return Ok(());
        }
        let mut newest: Option<(String, &str)> = None;
        let mut kept: Vec<&str> = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Snapshot>(line) {
                Ok(s) => {
                    if newest.as_ref().is_none_or(|(at, _)| s.at >= *at) {
                        newest = Some((s.at, line));
                    }
                }
                Err(_) => kept.push(line),
            }
        }
        if let Some((_, line)) = newest {
            kept.push(line);
        }
        let tmp = path.with_extension(format!("jsonl.tmp{}", std::process::id()));
        let mut out = kept.join("\n");
        out.push('\n');
        let mut f = File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(out.as_bytes()).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
        fs::rename(&tmp, path).map_err(io_err(path))
    }

    /// An exclusive lock on `.aigis/.lock`, shared by every aigis process on this checkout.
    fn lock(&self) -> Result<File, LedgerError> {
        fs::create_dir_all(&self.root).map_err(io_err(&self.root))?;
        self.write_repo_files();
        let path = self.root.join(".lock");
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
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
            let p = self.root.join(name);
            if !p.exists() {
                let _ = fs::write(p, content);
            }
        }
    }
}

/// Reads a JSON-lines log. A missing file is empty; unreadable lines become warnings. A last line
/// without its newline may be a write in progress and is left for the next read.
fn read_log<T: for<'de> Deserialize<'de>>(
    path: &Path,
) -> Result<(Vec<T>, Vec<LedgerWarning>), LedgerError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
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

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col = offset - before.rfind('\n').map_or(0, |i| i + 1);
    (line, col)
}

fn offset_of(text: &str, line: usize, col: usize) -> Option<usize> {
    let mut start = 0;
    for _ in 0..line {
        start += text[start..].find('\n')? + 1;
    }
    let off = start + col;
    (off <= text.len() && text.is_char_boundary(off)).then_some(off)
}

fn record_of(r: &Region, text: &str, author: Option<Identity>) -> RegionRecord {
    let end = r.end.min(text.len());
    let start = r.start.min(end);
    let body = &text[start..end];
    let (l1, c1) = line_col(text, start);
    let (l2, c2) = line_col(text, end);
    let mut head: String = body.lines().next().unwrap_or("").to_string();
    if head.len() > 200 {
        let mut cut = 200;
        while !head.is_char_boundary(cut) {
            cut -= 1;
        }
        head.truncate(cut);
    }
    RegionRecord {
        id: r.id.clone(),
        range: [l1, c1, l2, c2],
        len: body.len(),
        hash: content_hash(body),
        head,
        provenance: r.provenance.clone(),
        source: r.source,
        modified: r.modified,
        created_at: r.created_at.clone(),
        author,
    }
}

/// Finds each recorded region in the file's current text: where it was, or (when lines were
/// inserted or removed around it) wherever its first line and hash match again, nearest to
/// where it was. Regions whose text is gone are returned separately, retired.
pub fn anchor(
    records: &[RegionRecord],
    text: &str,
) -> (Vec<(Region, Option<Identity>)>, Vec<String>) {
    let mut placed = Vec::new();
    let mut retired = Vec::new();
    for rec in records {
        let matches_at = |start: usize| {
            let end = start + rec.len;
            end <= text.len()
                && text.is_char_boundary(start)
                && text.is_char_boundary(end)
                && content_hash(&text[start..end]) == rec.hash
        };
        let recorded = offset_of(text, rec.range[0], rec.range[1]).filter(|&s| matches_at(s));
        let found = recorded.or_else(|| {
            if rec.head.is_empty() {
                return None;
            }
            let mut best: Option<(usize, usize)> = None;
            for (at, _) in text.match_indices(rec.head.as_str()) {
                if matches_at(at) {
                    let line = text[..at].matches('\n').count();
                    let dist = line.abs_diff(rec.range[0]);
                    if best.is_none_or(|(_, d)| dist < d) {
                        best = Some((at, dist));
                    }
                }
            }
            best.map(|(at, _)| at)
        });
        match found {
            Some(start) => placed.push((
                Region {
                    id: rec.id.clone(),
                    start,
                    end: start + rec.len,
                    provenance: rec.provenance.clone(),
                    source: rec.source,
                    modified: rec.modified,
                    created_at: rec.created_at.clone(),
                },
                rec.author.clone(),
            )),
            None => retired.push(rec.id.clone()),
        }
    }
    (placed, retired)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(id: &str, start: usize, end: usize) -> Region {
        Region {
            id: id.into(),
            start,
            end,
            provenance: Provenance {
                tool: "claude-code".into(),
                model: Some("m".into()),
                session: None,
            },
            source: Source::AgentHook,
            modified: false,
            created_at: "t".into(),
        }
    }

    #[test]
    fn snapshot_roundtrip_and_reanchor_after_lines_inserted_above() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(dir.path());
        let text = "fn a() {}\nfn ai() {\n    danger();\n}\n";
        let start = text.find("fn ai").unwrap();
        ledger
            .write_snapshot(
                "src/lib.rs",
                text,
                &[region("r1", start, text.len())],
                &|_| None,
            )
            .unwrap();
        let (snap, warnings) = ledger.snapshot("src/lib.rs").unwrap();
        assert!(warnings.is_empty());
        let snap = snap.unwrap();
        let (placed, retired) = anchor(&snap.regions, text);
        assert_eq!((placed[0].0.start, placed[0].0.end), (start, text.len()));
        assert!(retired.is_empty());

        let moved = format!("// new header\nuse x;\n{text}");
        let (placed, _) = anchor(&snap.regions, &moved);
        assert_eq!(&moved[placed[0].0.start..placed[0].0.end], &text[start..]);

        let rewritten = text.replace("danger", "safe");
        let (placed, retired) = anchor(&snap.regions, &rewritten);
        assert!(placed.is_empty());
        assert_eq!(retired, ["r1"]);
    }

    #[test]
    fn corrupt_lines_warn_and_are_kept_through_compaction() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(dir.path());
        let path = ledger.log_path("regions", "a.rs").unwrap();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "{not json\n\u{0}\u{1}garbage").unwrap();
        for _ in 0..COMPACT_AFTER_LINES {
            ledger
                .write_snapshot("a.rs", "x", &[region("r", 0, 1)], &|_| None)
                .unwrap();
        }
        let (snap, warnings) = ledger.snapshot("a.rs").unwrap();
        assert!(snap.is_some());
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("{not json"),
            "unreadable lines are never dropped"
        );
        assert!(
            text.lines().count() < 10,
            "compacted: {}",
            text.lines().count()
        );
    }

    #[test]
    fn paths_outside_the_workspace_are_refused() {
        let ledger = Ledger::new(Path::new("/w"));
        assert!(ledger.log_path("regions", "../etc/passwd").is_err());
        assert!(ledger.log_path("regions", "/etc/passwd").is_err());
        assert!(ledger.log_path("regions", "").is_err());
    }
}
