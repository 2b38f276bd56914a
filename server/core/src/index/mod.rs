//! The workspace symbol index: every file's symbol table (`symbols::extract`), kept as tables,
//! not trees, and the resolution of a reference to the definition it means across files and
//! crates. Files are read in parallel and their symbols built when a question needs them
//! ([`lazy`]); an edited file is indexed again on its own.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use dashmap::DashMap;
use rayon::prelude::*;
use serde::Serialize;

use crate::conventions::{Conventions, PathRoot};
use crate::language::{self, Language};
pub use crate::symbols::*;

/// A crate of the workspace: its root folder and name (as `use` writes it).
#[derive(Debug, Clone)]
pub struct CrateInfo {
    pub dir: PathBuf,
    pub name: String,
    pub is_lib: bool,
}

pub type DefId = (usize, usize);
pub type RefId = (usize, usize);

/// How sure a dependency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Certainty {
    /// Many definitions share the name and nothing tells which: reported, not counted.
    Ambiguous,
    /// Only the name matches (one candidate).
    Name,
    /// The path, import or receiver type resolves to it.
    Exact,
}

#[derive(Default)]
pub struct WorkspaceIndex {
    pub files: DashMap<usize, Arc<FileSymbols>>,
    ids: DashMap<PathBuf, usize>,
    next_id: std::sync::atomic::AtomicUsize,
    defs_by_name: Names<Vec<DefId>>,
    refs_by_name: Names<Vec<RefId>>,
    /// Shared, replaced on write: a resolution takes the list without copying it.
    crates: RwLock<Arc<Vec<CrateInfo>>>,
    /// A project's folder → its place in `crates` (a 22,000-file tree has thousands of
    /// projects: a search of the list per file was half of a warm start).
    crate_ids: DashMap<PathBuf, usize>,
    generation: std::sync::atomic::AtomicU64,
    /// (crate, module path) → the files that make that module (to follow re-exports).
    modules: DashMap<(usize, Vec<String>), Vec<usize>>,
    /// Files whose symbols are owed, and the files that hold each word, by the word's hash
    /// ([`lazy`]).
    pending: DashMap<usize, Arc<lazy::Pending>>,
    words: DashMap<u64, Vec<usize>, foldhash::fast::RandomState>,
    /// Hashes a word for `words`: seeded per index, so that which words share a hash cannot be
    /// known ahead (two that do only make a question parse a file it did not need).
    word_hash: foldhash::fast::RandomState,
    /// Files indexed from an editor's text or a watcher since the start: their tables may not
    /// be what the disk holds under the stamp a bulk run took, so the cache leaves them out.
    updated: DashMap<usize, ()>,
}

/// The project of each folder met in one bulk index, by language: the manifests above a folder
/// (`Cargo.toml`, `go.mod`, `package.json`) are looked for and read once per folder, not once
/// per file. Kept for one run: a manifest added later counts from the next run, or the next
/// time the file itself is indexed.
pub(crate) type FolderProjects = DashMap<(&'static str, PathBuf), usize>;

/// A table by name (a definition's, a reference's), hashed with foldhash, seeded per table: as
/// hard to predict as the standard library's SipHash, and faster on short names.
type Names<V> = DashMap<String, V, foldhash::fast::RandomState>;

/// What a bulk run read (the symbols come later: [`WorkspaceIndex::counts`]).
pub struct IndexStats {
    pub files: usize,
    pub bytes: u64,
}

impl WorkspaceIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes whenever any file's symbols change: cached blast radii older than this are stale.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    pub fn file_id(&self, path: &Path) -> Option<usize> {
        self.ids.get(path).map(|v| *v)
    }

    /// File `id`'s symbol table if it has one now (none while it is owed).
    pub fn table(&self, id: usize) -> Option<Arc<FileSymbols>> {
        self.files.get(&id).map(|f| f.clone())
    }

    /// Whether file `id`'s symbols are owed (built when a question needs them).
    pub fn owes(&self, id: usize) -> bool {
        self.pending.contains_key(&id)
    }

    /// File `id`'s symbol table (parsed now if it was owed).
    pub fn file(&self, id: usize) -> Option<Arc<FileSymbols>> {
        if let Some(f) = self.files.get(&id) {
            return Some(f.clone());
        }
        self.ensure_file(id);
        self.files.get(&id).map(|f| f.clone())
    }

    /// The project (a Cargo crate for Rust) that holds `path`, as the language defines it;
    /// during a bulk index, looked up once per folder (`folders`).
    fn crate_of(&self, lang: &Language, path: &Path, folders: Option<&FolderProjects>) -> usize {
        let Some((folders, dir)) = folders.zip(path.parent()) else {
            return self.crate_of_uncached(lang, path);
        };
        let key = (lang.name, dir.to_path_buf());
        if let Some(id) = folders.get(&key) {
            return *id;
        }
        let id = self.crate_of_uncached(lang, path);
        folders.insert(key, id);
        id
    }

    fn crate_of_uncached(&self, lang: &Language, path: &Path) -> usize {
        let project = lang.conventions.project_of(path);
        if let Some(i) = self.crate_ids.get(&project.dir) {
            return *i;
        }
        let mut guard = self.crates.write().unwrap_or_else(|e| e.into_inner());
        // Another thread may have added it meanwhile (ids are added under this lock).
        if let Some(i) = self.crate_ids.get(&project.dir) {
            return *i;
        }
        let crates = Arc::make_mut(&mut guard);
        crates.push(CrateInfo {
            is_lib: project.is_lib,
            dir: project.dir.clone(),
            name: project.name,
        });
        self.crate_ids.insert(project.dir, crates.len() - 1);
        crates.len() - 1
    }

    /// Indexes every file of a language with a symbol query under `root` (what `.gitignore` ignores is skipped), in parallel.
    /// `progress(done, total)` is called as files finish.
    pub fn index_workspace(
        &self,
        root: &Path,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> IndexStats {
        self.index_workspace_with(root, &crate::walk::WalkRules::default(), progress)
    }

    /// Indexes the files `rules` admit (generated folders and `[index] exclude` left out), on all
    /// cores at a lower priority, so that the editor's edits are answered while a large tree is
    /// indexed.
    pub fn index_workspace_with(
        &self,
        root: &Path,
        rules: &crate::walk::WalkRules,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> IndexStats {
        self.index_paths(Self::indexable(root, rules), progress)
    }

    /// The files under `root` the index reads: those `rules` admit, in a language with a symbol
    /// query, small enough to analyse.
    pub fn indexable(root: &Path, rules: &crate::walk::WalkRules) -> Vec<PathBuf> {
        rules.files_where(root, root, &|e| {
            language::for_path(e.path()).is_some_and(|l| l.has_symbols())
                // Too large to analyse: not read at all.
                && e.metadata()
                    .is_ok_and(|m| m.len() <= crate::document::MAX_ANALYSED_BYTES as u64)
        })
    }

    /// Indexes these files (as `index_workspace_with` does its walk).
    pub fn index_paths(
        &self,
        files: Vec<PathBuf>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> IndexStats {
        in_background(|| self.index_files(files, progress))
    }

    /// (Re)indexes one file from its current tree and text.
    pub fn update_file(&self, path: &Path, tree: &crate::parse::Tree, text: &str) {
        self.updated.insert(self.id_of(path), ());
        self.update_file_in(path, tree, text, None);
    }

    /// As [`WorkspaceIndex::update_file`], within a bulk run's folder lookups.
    fn update_file_in(
        &self,
        path: &Path,
        tree: &crate::parse::Tree,
        text: &str,
        folders: Option<&FolderProjects>,
    ) {
        if let Some(symbols) = self.symbols_of(path, tree, text, folders) {
            self.insert(path, symbols);
        }
    }

    /// The project and module path `path` has now.
    fn place(
        &self,
        lang: &Language,
        path: &Path,
        folders: Option<&FolderProjects>,
    ) -> (usize, Vec<String>) {
        let crate_id = self.crate_of(lang, path, folders);
        let crates = self.crates.read().unwrap_or_else(|e| e.into_inner());
        (
            crate_id,
            lang.conventions.module_path(&crates[crate_id].dir, path),
        )
    }

    /// A file's symbol table from its tree, placed in its project.
    fn symbols_of(
        &self,
        path: &Path,
        tree: &crate::parse::Tree,
        text: &str,
        folders: Option<&FolderProjects>,
    ) -> Option<FileSymbols> {
        let lang = language::for_path(path).filter(|l| l.has_symbols())?;
        let (crate_id, module) = self.place(lang, path, folders);
        let mut symbols = extract(lang, tree, text, path, module);
        symbols.crate_id = crate_id;
        Some(symbols)
    }

    /// The id of `path`, given now if it has none.
    fn id_of(&self, path: &Path) -> usize {
        if let Some(id) = self.ids.get(path) {
            return *id;
        }
        *self.ids.entry(path.to_path_buf()).or_insert_with(|| {
            self.next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        })
    }

    fn add_to_module(&self, id: usize, crate_id: usize, module: &[String]) {
        let mut files = self.modules.entry((crate_id, module.to_vec())).or_default();
        if !files.contains(&id) {
            files.push(id);
        }
    }

    /// Puts a file's symbol table in the index, replacing what it had (symbols it was owed
    /// are settled by this table).
    fn insert(&self, path: &Path, symbols: FileSymbols) {
        let id = self.id_of(path);
        self.settle_by_hand(id);
        self.put(id, symbols, true);
    }

    /// Puts file `id`'s table in the index; `changed`: the index's content changes with it
    /// (else the table is one the file was owed).
    fn put(&self, id: usize, symbols: FileSymbols, changed: bool) {
        self.remove_names(id);
        self.add_to_module(id, symbols.crate_id, &symbols.module);
        let defs = symbols.defs.iter().enumerate();
        add_by_name(
            &self.defs_by_name,
            defs.map(|(i, d)| (d.name.as_str(), (id, i))),
        );
        let refs = symbols.refs.iter().enumerate().flat_map(|(i, r)| {
            // `use a::purge as wipe; wipe()` is a reference to `purge` too.
            let alias = alias_target(&symbols, r).map(|t| (t.as_str(), (id, i)));
            std::iter::once((r.name.as_str(), (id, i))).chain(alias)
        });
        add_by_name(&self.refs_by_name, refs);
        self.files.insert(id, Arc::new(symbols));
        if changed {
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::Release);
        }
    }

    /// A deleted file leaves the index.
    pub fn remove_file(&self, path: &Path) {
        if let Some((_, id)) = self.ids.remove(path) {
            self.settle_by_hand(id);
            self.remove_names(id);
            self.files.remove(&id);
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::Release);
        }
    }

    fn remove_names(&self, id: usize) {
        let Some(old) = self.files.get(&id).map(|f| f.clone()) else {
            return;
        };
        if let Some(mut v) = self.modules.get_mut(&(old.crate_id, old.module.clone())) {
            v.retain(|f| *f != id);
        }
        let names: HashSet<&String> = old.defs.iter().map(|d| &d.name).collect();
        for n in names {
            if let Some(mut v) = self.defs_by_name.get_mut(n) {
                v.retain(|(f, _)| *f != id);
            }
        }
        let names: HashSet<&String> = old
            .refs
            .iter()
            .flat_map(|r| std::iter::once(&r.name).chain(alias_target(&old, r)))
            .collect();
        for n in names {
            if let Some(mut v) = self.refs_by_name.get_mut(n) {
                v.retain(|(f, _)| *f != id);
            }
        }
    }

    pub fn def(&self, id: DefId) -> Option<(Arc<FileSymbols>, Def)> {
        let f = self.file(id.0)?;
        let d = f.defs.get(id.1)?.clone();
        Some((f, d))
    }

    pub fn crates(&self) -> Arc<Vec<CrateInfo>> {
        self.crates
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Adds a file's entries to a by-name table.
fn add_by_name<'a, T>(map: &Names<Vec<T>>, entries: impl Iterator<Item = (&'a str, T)>) {
    // Each entry straight into its list: grouping a file's entries by name first cost a list
    // per name, more than the lookups it saved.
    for (name, entry) in entries {
        match map.get_mut(name) {
            Some(mut v) => v.push(entry),
            None => map.entry(name.to_string()).or_default().push(entry),
        }
    }
}

/// For a bare name imported under an alias, the name it stands for.
fn alias_target<'a>(f: &'a FileSymbols, r: &Ref) -> Option<&'a String> {
    if !r.qualifier.is_empty() || r.kind == RefKind::Method {
        return None;
    }
    f.imports
        .get(&r.name)
        .and_then(|p| p.last())
        .filter(|t| **t != r.name)
}

use crate::priority::{for_question, in_background};

mod cache;
mod lazy;
mod paths;
pub use cache::{CacheState, CacheUse, IndexCache};
use paths::{resolve_path, resolve_path_from};
mod reexports;
mod resolve;
pub use resolve::Resolver;
#[cfg(test)]
mod tests;
