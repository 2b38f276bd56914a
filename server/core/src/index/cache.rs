//! The index kept between starts: every file's symbol table, stored under the user's cache
//! folder (`$XDG_CACHE_HOME/aigis/index/<workspace>/`, never inside the repository), keyed by
//! the workspace, the aigis version and each file's size, modification time and content hash.
//! At start a file whose size and time are unchanged is taken as it was (no read, no parse);
//! one whose time changed but whose content hashes the same is taken too; any other is read by
//! its words (its symbols owed, [`super::lazy`]). The cache is written once the owed files are
//! parsed ([`IndexCache::complete`]), with every table the index then holds.
//! A cache that cannot be read, or was written by another version, is discarded with a note,
//! never trusted. `AIGIS_CACHE_DIR` moves the cache; `AIGIS_CACHE_DIR=off` turns it off.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::*;

/// Bumped when the stored shape changes, or what a table holds for the same file (3: imports
/// found wherever a `use` is); with the aigis version, it names the cache file.
const FORMAT: u32 = 3;

#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    aigis: String,
    root: PathBuf,
}

/// Where a file's table came from at this start.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The cache, by its size and time.
    Unchanged,
    /// The cache, by its content hash (its time changed).
    SameContent,
    /// Read again: its symbols are owed.
    Read,
}

/// A file's size, modification time and content hash.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size: u64,
    mtime: u128,
    hash: u64,
}

/// One file as it is written: its stamp and a borrowed table (read back as [`Stored`]).
#[derive(Serialize)]
struct StoredRef<'a> {
    size: u64,
    mtime: u128,
    hash: u64,
    symbols: &'a FileSymbols,
}

/// One file as it was indexed.
#[derive(Serialize, Deserialize)]
struct Stored {
    size: u64,
    /// Modification time, nanoseconds since the epoch.
    mtime: u128,
    /// FNV-1a of the content.
    hash: u64,
    symbols: FileSymbols,
}

/// What a start made of the cache.
#[derive(Debug, Clone, Default)]
pub struct CacheUse {
    /// Files taken from the cache, and files read anew (their symbols owed).
    pub reused: usize,
    pub read: usize,
    /// Some file was parsed or read again (the cache is written anew).
    pub changed: bool,
    /// Why the cache was not used, or could not be written (for the log).
    pub note: Option<String>,
}

pub struct IndexCache {
    file: Option<PathBuf>,
    root: PathBuf,
    /// What the last start stored; a file's entry is taken out as it is indexed.
    entries: DashMap<PathBuf, Stored>,
    /// What this start indexed (size, time, hash), to write back with its table.
    fresh: DashMap<PathBuf, Stamp>,
    /// Some file was read anew, or a stored one is gone: the cache is written again.
    changed: bool,
    pub note: Option<String>,
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn stamp(meta: &std::fs::Metadata) -> (u64, u128) {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    (meta.len(), mtime)
}

/// What `aigis doctor` says of a workspace's cache.
#[derive(Debug, Clone)]
pub enum CacheState {
    Off,
    Missing(PathBuf),
    Usable {
        path: PathBuf,
        files: usize,
        bytes: u64,
    },
    Unusable {
        path: PathBuf,
        why: String,
    },
}

impl IndexCache {
    /// The state of `root`'s cache, read but not changed.
    pub fn state(root: &Path) -> CacheState {
        let Some(path) = Self::location(root) else {
            return CacheState::Off;
        };
        match Self::read(&path, root) {
            Ok(entries) => CacheState::Usable {
                bytes: std::fs::metadata(&path).map_or(0, |m| m.len()),
                files: entries.len(),
                path,
            },
            Err(None) => CacheState::Missing(path),
            Err(Some(why)) => CacheState::Unusable { path, why },
        }
    }

    /// Where the cache of `root` lives, unless turned off.
    pub fn location(root: &Path) -> Option<PathBuf> {
        let base = match std::env::var_os("AIGIS_CACHE_DIR") {
            Some(v) if v == "off" => return None,
            Some(v) if !v.is_empty() => PathBuf::from(v),
            _ => std::env::var_os("XDG_CACHE_HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME")
                        .filter(|h| !h.is_empty())
                        .map(|h| PathBuf::from(h).join(".cache"))
                })?
                .join("aigis"),
        };
        let key = fnv(root.as_os_str().as_encoded_bytes());
        let name = root
            .file_name()
            .map(|n| {
                n.to_string_lossy()
                    .replace(|c: char| !c.is_alphanumeric(), "_")
            })
            .unwrap_or_default();
        Some(
            base.join("index")
                .join(format!("{name}-{key:016x}"))
                .join(format!("v{}-f{FORMAT}.jsonl", env!("CARGO_PKG_VERSION"))),
        )
    }

    /// The cache of `root` as the last start left it (empty when there is none, or when it
    /// cannot be trusted: then `note` says why).
    pub fn load(root: &Path) -> IndexCache {
        let mut cache = IndexCache {
            file: Self::location(root),
            root: root.to_path_buf(),
            entries: DashMap::new(),
            fresh: DashMap::new(),
            changed: false,
            note: None,
        };
        let Some(file) = cache.file.clone() else {
            return cache;
        };
        match Self::read(&file, root) {
            Ok(entries) => cache.entries = entries,
            Err(Some(why)) => {
                cache.note = Some(format!("index cache {} discarded: {why}", file.display()))
            }
            Err(None) => {}
        }
        cache
    }

    /// `Err(None)`: no cache yet; `Err(Some(why))`: one that cannot be used.
    fn read(file: &Path, root: &Path) -> Result<DashMap<PathBuf, Stored>, Option<String>> {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(None),
            Err(e) => return Err(Some(e.to_string())),
        };
        // A JSON header line (readable by a person), then the tables in postcard.
        let (line, rest) = bytes
            .iter()
            .position(|b| *b == b'\n')
            .map(|i| (&bytes[..i], &bytes[i + 1..]))
            .ok_or_else(|| Some("no header: not an aigis index cache".to_string()))?;
        let header: Header = serde_json::from_slice(line)
            .map_err(|_| Some("no header: not an aigis index cache".to_string()))?;
        if header.format != FORMAT || header.aigis != env!("CARGO_PKG_VERSION") {
            return Err(Some(format!(
                "written by aigis {} (format {}), this is {} (format {FORMAT})",
                header.aigis,
                header.format,
                env!("CARGO_PKG_VERSION")
            )));
        }
        if header.root != root {
            return Err(Some(format!(
                "it is the cache of {}",
                header.root.display()
            )));
        }
        let stored: Vec<Stored> = postcard::from_bytes(rest)
            .map_err(|e| Some(format!("its tables cannot be read ({e})")))?;
        Ok(stored
            .into_iter()
            .map(|s| (s.symbols.path.clone(), s))
            .collect())
    }

    /// Parses what the index still owes (at a lower priority), then writes the cache for the
    /// next start; `Some(why)` when it could not be written.
    pub fn complete(self, index: &WorkspaceIndex) -> Option<String> {
        index.fill();
        self.save(index)
            .err()
            .map(|e| format!("index cache not written: {e}"))
    }

    /// Writes what this start indexed, with the tables `index` holds (atomically: a reader
    /// never sees half a cache; a file still owed its table is left out). Nothing is written
    /// when nothing changed.
    fn save(&self, index: &WorkspaceIndex) -> std::io::Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        if !self.changed && self.note.is_none() && file.exists() {
            return Ok(());
        }
        let dir = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            std::process::id(),
            fnv(file.as_os_str().as_encoded_bytes())
        ));
        {
            let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            let header = Header {
                format: FORMAT,
                aigis: env!("CARGO_PKG_VERSION").to_string(),
                root: self.root.clone(),
            };
            serde_json::to_writer(&mut w, &header)?;
            w.write_all(b"\n")?;
            let tables: Vec<(Stamp, std::sync::Arc<FileSymbols>)> = self
                .fresh
                .iter()
                .filter_map(|e| {
                    let id = index
                        .file_id(e.key())
                        .filter(|id| !index.updated.contains_key(id))?;
                    let table = index.files.get(&id)?.clone();
                    Some((*e.value(), table))
                })
                .collect();
            let entries: Vec<StoredRef> = tables
                .iter()
                .map(|(st, table)| StoredRef {
                    size: st.size,
                    mtime: st.mtime,
                    hash: st.hash,
                    symbols: table,
                })
                .collect();
            let bytes = postcard::to_stdvec(&entries).map_err(std::io::Error::other)?;
            w.write_all(&bytes)?;
            w.flush()?;
        }
        std::fs::rename(&tmp, file)
    }
}

impl WorkspaceIndex {
    /// As [`WorkspaceIndex::index_workspace_with`], taking from the cache every file that has
    /// not changed since it was stored; the cache returned stores this start's tables for the
    /// next when it is completed.
    pub fn index_workspace_cached(
        &self,
        root: &Path,
        rules: &crate::walk::WalkRules,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> (IndexStats, CacheUse, IndexCache) {
        self.index_paths_cached(root, Self::indexable(root, rules), progress)
    }

    /// As [`WorkspaceIndex::index_paths`] for these files of `root`, with `root`'s cache.
    pub fn index_paths_cached(
        &self,
        root: &Path,
        files: Vec<PathBuf>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> (IndexStats, CacheUse, IndexCache) {
        let mut cache = IndexCache::load(root);
        let (stats, mut used) = in_background(|| self.index_files_cached(files, &cache, progress));
        used.note = cache.note.clone();
        // Files read anew, or stored ones that are gone, make a new cache.
        cache.changed = used.changed || !cache.entries.is_empty();
        (stats, used, cache)
    }

    fn index_files_cached(
        &self,
        files: Vec<PathBuf>,
        cache: &IndexCache,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> (IndexStats, CacheUse) {
        let total = files.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let reused = std::sync::atomic::AtomicUsize::new(0);
        let restamped = std::sync::atomic::AtomicUsize::new(0);
        let bytes = std::sync::atomic::AtomicU64::new(0);
        let folders = FolderProjects::default();
        files.par_iter().for_each(|path| {
            if let Some((stamp, origin)) = self.index_one(path, cache, &folders) {
                bytes.fetch_add(stamp.size, std::sync::atomic::Ordering::Relaxed);
                if origin != Origin::Read {
                    reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                if origin != Origin::Unchanged {
                    restamped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                cache.fresh.insert(path.clone(), stamp);
            }
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n.is_multiple_of(64) || n == total {
                progress(n, total);
            }
        });
        let reused = reused.into_inner();
        (
            IndexStats {
                files: total,
                bytes: bytes.into_inner(),
            },
            CacheUse {
                reused,
                read: total - reused,
                changed: restamped.into_inner() > 0,
                note: None,
            },
        )
    }

    /// Indexes one file, from the cache when it is unchanged; returns its stamp and where its
    /// table came from.
    fn index_one(
        &self,
        path: &Path,
        cache: &IndexCache,
        folders: &FolderProjects,
    ) -> Option<(Stamp, Origin)> {
        let lang = language::for_path(path).filter(|l| l.has_symbols())?;
        // An editor's text came first: it stays, and is not stored (it may be unsaved).
        if self.holds(path) {
            return None;
        }
        let meta = std::fs::metadata(path).ok()?;
        let (size, mtime) = stamp(&meta);
        let cached = cache.entries.remove(path).map(|(_, s)| s);
        // The file's place (its project, its module) may have changed without it: a moved
        // Cargo.toml or package.json. The stored table is used only where it still holds.
        let take = |stored: Stored| -> bool {
            let (crate_id, module) = self.place(lang, path, Some(folders));
            if module != stored.symbols.module {
                return false;
            }
            let mut symbols = stored.symbols;
            symbols.crate_id = crate_id;
            self.insert(path, symbols);
            true
        };
        let cached = match cached {
            Some(c) if c.size == size && c.mtime == mtime => {
                let hash = c.hash;
                if take(c) {
                    return Some((Stamp { size, mtime, hash }, Origin::Unchanged));
                }
                None
            }
            other => other,
        };
        let text = std::fs::read_to_string(path).ok()?;
        if text.len() > crate::document::MAX_ANALYSED_BYTES {
            return None;
        }
        let hash = fnv(text.as_bytes());
        if let Some(c) = cached.filter(|c| c.hash == hash) {
            if take(c) {
                return Some((Stamp { size, mtime, hash }, Origin::SameContent));
            }
        }
        self.register(path, &text, Some(folders));
        Some((Stamp { size, mtime, hash }, Origin::Read))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file an editor gave the index while the owed files were parsed holds text the disk
    /// may not: the cache leaves it out rather than store it under the disk's stamp.
    #[test]
    fn an_editors_text_is_not_stored_under_the_disks_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"w\"\n").unwrap();
        std::fs::write(root.join("src/lib.rs"), "pub mod a;\npub fn kept() {}\n").unwrap();
        std::fs::write(root.join("src/a.rs"), "pub fn on_disk() {}\n").unwrap();
        let store = tempfile::tempdir().unwrap();
        let file = store.path().join("cache.jsonl");
        let cache = IndexCache {
            file: Some(file.clone()),
            root: root.clone(),
            entries: DashMap::new(),
            fresh: DashMap::new(),
            changed: true,
            note: None,
        };
        let index = WorkspaceIndex::new();
        let files = WorkspaceIndex::indexable(&root, &crate::walk::WalkRules::default());
        let (stats, used) = index.index_files_cached(files, &cache, &|_, _| {});
        assert_eq!((stats.files, used.read, index.owed()), (2, 2, 2));
        let a = root.join("src/a.rs");
        let text = "pub fn unsaved() {}\n";
        let lang = language::for_path(&a).unwrap();
        let tree = crate::parse::Parser::new().parse(lang, text, None).unwrap();
        index.update_file(&a, &tree, text);
        assert_eq!(cache.complete(&index), None);
        let stored = IndexCache::read(&file, &root)
            .map_err(|e| e.unwrap())
            .unwrap();
        let mut names: Vec<String> = stored
            .iter()
            .flat_map(|e| {
                e.symbols
                    .defs
                    .iter()
                    .map(|d| d.name.clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        names.sort();
        assert_eq!(names, ["a", "kept"], "lib.rs stored, a.rs left out");
    }
}
