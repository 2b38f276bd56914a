//! The workspace symbol index: per file, the definitions and references that
//! `queries/<lang>/tags.scm` finds, with enough context (module path, `impl` type, imports,
//! receiver bindings, enclosing function, test code) to resolve a reference to the definition
//! it means. Files are indexed in parallel and kept as symbol tables, not trees; an edited file
//! is indexed again on its own.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, RwLock};

use dashmap::DashMap;
use rayon::prelude::*;
use serde::Serialize;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, Query, QueryCursor, Tree};

use crate::analysis;
use crate::catalog::Severity;
use crate::language::{self, Language};

static TAGS: LazyLock<Query> = LazyLock::new(|| {
    let lang = language::by_name("rust").expect("rust is built in");
    Query::new(&lang.grammar, include_str!("../../queries/rust/tags.scm"))
        .unwrap_or_else(|e| panic!("bundled query queries/rust/tags.scm is invalid: {e}"))
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DefKind {
    Function,
    Method,
    Struct,
    Enum,
    Trait,
    Type,
    Const,
    Static,
    Macro,
    Module,
}

/// What makes a function an entry point of the program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Entry {
    Main,
    HttpHandler,
    PublicApi,
}

#[derive(Debug, Clone)]
pub struct Def {
    pub name: String,
    pub kind: DefKind,
    /// Module path inside the crate (`["deploy", "aws"]`).
    pub module: Vec<String>,
    /// For methods: the `impl` type's simple name.
    pub impl_type: Option<String>,
    pub start: usize,
    pub end: usize,
    pub name_start: usize,
    pub line: usize,
    pub is_pub: bool,
    pub is_test: bool,
    pub entry: Option<Entry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Call,
    Method,
    Macro,
    Type,
    Value,
}

#[derive(Debug, Clone)]
pub struct Ref {
    pub name: String,
    pub kind: RefKind,
    /// The path before the name (`deploy::purge` → `["deploy"]`).
    pub qualifier: Vec<String>,
    /// For method calls: the receiver's type when the code says it (`self`, a typed binding).
    pub receiver_type: Option<String>,
    pub start: usize,
    pub end: usize,
    pub line: usize,
    /// Byte column of `start` in its line.
    pub col: usize,
    /// Index in `defs` of the innermost function around the reference.
    pub enclosing: Option<usize>,
    pub in_test: bool,
    /// The name is a local binding (a closure, a parameter) where it is used.
    pub shadowed: bool,
}

/// A risky operation inside a function, for risk reachable through calls.
#[derive(Debug, Clone, Serialize)]
pub struct RiskyCall {
    pub rule: String,
    pub severity: Severity,
    pub line: usize,
    pub col: usize,
    pub enclosing: Option<usize>,
}

/// One file's symbol table.
#[derive(Debug, Clone, Default)]
pub struct FileSymbols {
    pub path: PathBuf,
    pub crate_id: usize,
    /// The file's module path inside its crate.
    pub module: Vec<String>,
    pub is_test_file: bool,
    pub defs: Vec<Def>,
    pub refs: Vec<Ref>,
    /// local name → full path segments (`use a::b::c as d` → d → [a, b, c]).
    pub imports: HashMap<String, Vec<String>>,
    /// `use a::b::*` prefixes.
    pub globs: Vec<Vec<String>>,
    pub risky: Vec<RiskyCall>,
}

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
    defs_by_name: DashMap<String, Vec<DefId>>,
    refs_by_name: DashMap<String, Vec<RefId>>,
    crates: RwLock<Vec<CrateInfo>>,
    generation: std::sync::atomic::AtomicU64,
}

pub struct IndexStats {
    pub files: usize,
    pub bytes: u64,
    pub defs: usize,
    pub refs: usize,
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

    pub fn file(&self, id: usize) -> Option<Arc<FileSymbols>> {
        self.files.get(&id).map(|f| f.clone())
    }

    fn crate_of(&self, path: &Path) -> usize {
        let mut crates = self.crates.write().unwrap_or_else(|e| e.into_inner());
        let dir = path
            .ancestors()
            .skip(1)
            .find(|d| d.join("Cargo.toml").is_file())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| path.parent().unwrap_or(path).to_path_buf());
        if let Some(i) = crates.iter().position(|c| c.dir == dir) {
            return i;
        }
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        let name = manifest
            .parse::<toml::Table>()
            .ok()
            .and_then(|t| {
                t.get("package")?
                    .get("name")?
                    .as_str()
                    .map(|s| s.replace('-', "_"))
            })
            .unwrap_or_default();
        crates.push(CrateInfo {
            is_lib: dir.join("src/lib.rs").is_file(),
            dir,
            name,
        });
        crates.len() - 1
    }

    /// Indexes every Rust file under `root` (what `.gitignore` ignores is skipped), in parallel.
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
        let files: Vec<PathBuf> = rules
            .files(root, root)
            .into_iter()
            .filter(|p| language::for_path(p).is_some_and(|l| l.name == "rust"))
            // Too large to analyse: not read at all.
            .filter(|p| {
                std::fs::metadata(p)
                    .is_ok_and(|m| m.len() <= crate::document::MAX_ANALYSED_BYTES as u64)
            })
            .collect();
        // Every core, at a lower priority than the threads that answer the editor.
        let pool = rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("aigis-index-{i}"))
            .start_handler(|_| lower_priority())
            .build();
        match pool {
            Ok(pool) => pool.install(|| self.index_files(files, progress)),
            Err(_) => self.index_files(files, progress),
        }
    }

    fn index_files(
        &self,
        files: Vec<PathBuf>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> IndexStats {
        let total = files.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let bytes = std::sync::atomic::AtomicU64::new(0);
        files
            .par_iter()
            .for_each_init(tree_sitter::Parser::new, |parser, path| {
                if let Ok(text) = std::fs::read_to_string(path) {
                    if text.len() <= crate::document::MAX_ANALYSED_BYTES {
                        bytes.fetch_add(text.len() as u64, std::sync::atomic::Ordering::Relaxed);
                        let lang = language::by_name("rust").expect("rust");
                        if parser.set_language(&lang.grammar).is_ok() {
                            if let Some(tree) = parser.parse(&text, None) {
                                self.update_file(path, &tree, &text);
                            }
                        }
                    }
                }
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if n.is_multiple_of(64) || n == total {
                    progress(n, total);
                }
            });
        IndexStats {
            files: total,
            bytes: bytes.into_inner(),
            defs: self.files.iter().map(|f| f.defs.len()).sum(),
            refs: self.files.iter().map(|f| f.refs.len()).sum(),
        }
    }

    /// (Re)indexes one file from its current tree and text.
    pub fn update_file(&self, path: &Path, tree: &Tree, text: &str) {
        let crate_id = self.crate_of(path);
        let module = {
            let crates = self.crates.read().unwrap_or_else(|e| e.into_inner());
            module_path(&crates[crate_id].dir, path)
        };
        let lang = language::by_name("rust").expect("rust");
        let mut symbols = extract(lang, tree, text, path, module);
        symbols.crate_id = crate_id;
        let id = *self.ids.entry(path.to_path_buf()).or_insert_with(|| {
            self.next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        });
        self.remove_names(id);
        for (i, d) in symbols.defs.iter().enumerate() {
            self.defs_by_name
                .entry(d.name.clone())
                .or_default()
                .push((id, i));
        }
        for (i, r) in symbols.refs.iter().enumerate() {
            self.refs_by_name
                .entry(r.name.clone())
                .or_default()
                .push((id, i));
            // `use a::purge as wipe; wipe()` is a reference to `purge` too.
            if let Some(target) = alias_target(&symbols, r) {
                self.refs_by_name
                    .entry(target.to_string())
                    .or_default()
                    .push((id, i));
            }
        }
        self.files.insert(id, Arc::new(symbols));
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// A deleted file leaves the index.
    pub fn remove_file(&self, path: &Path) {
        if let Some((_, id)) = self.ids.remove(path) {
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

    /// Every definition that reference `r` of file `f` may mean, and how sure that is.
    pub fn resolve(&self, f: &FileSymbols, r: &Ref) -> (Certainty, Vec<DefId>) {
        if r.shadowed {
            return (Certainty::Exact, Vec::new());
        }
        let lookup = alias_target(f, r).unwrap_or(&r.name);
        let candidates: Vec<DefId> = self
            .defs_by_name
            .get(lookup)
            .map(|v| v.clone())
            .unwrap_or_default()
            .into_iter()
            .filter(|id| {
                self.def(*id).is_some_and(|(_, d)| match r.kind {
                    RefKind::Method => d.kind == DefKind::Method,
                    RefKind::Call | RefKind::Value => matches!(
                        d.kind,
                        DefKind::Function
                            | DefKind::Method
                            | DefKind::Const
                            | DefKind::Static
                            | DefKind::Struct
                            | DefKind::Enum
                    ),
                    RefKind::Macro => d.kind == DefKind::Macro,
                    RefKind::Type => matches!(
                        d.kind,
                        DefKind::Struct | DefKind::Enum | DefKind::Trait | DefKind::Type
                    ),
                })
            })
            .collect();
        if candidates.is_empty() {
            return (Certainty::Exact, Vec::new());
        }
        let crates = self
            .crates
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let target = |id: &DefId| self.def(*id).map(|(file, d)| (file.crate_id, d));
        // Methods: by the receiver's type when the code says it.
        if r.kind == RefKind::Method {
            if let Some(ty) = &r.receiver_type {
                let hits: Vec<DefId> = candidates
                    .iter()
                    .filter(|id| {
                        target(id).is_some_and(|(_, d)| d.impl_type.as_deref() == Some(ty.as_str()))
                    })
                    .copied()
                    .collect();
                return (Certainty::Exact, hits);
            }
            return by_count(candidates);
        }
        // A qualified path, or a name brought in by `use`: resolve it to a module path.
        let full: Option<(usize, Vec<String>)> = if !r.qualifier.is_empty() {
            resolve_path(f, &r.qualifier, &crates)
        } else {
            f.imports.get(&r.name).and_then(|p| {
                let (c, mut segs) = resolve_path(f, &p[..p.len().saturating_sub(1)], &crates)?;
                segs.push(p.last()?.clone());
                Some((c, segs))
            })
        };
        if let Some((crate_id, segs)) = full {
            // `Type::method` or `module::function`.
            let (qual, name) = if r.qualifier.is_empty() {
                (
                    segs[..segs.len().saturating_sub(1)].to_vec(),
                    segs.last().cloned().unwrap_or_default(),
                )
            } else {
                (segs, r.name.clone())
            };
            let hits: Vec<DefId> = candidates
                .iter()
                .filter(|id| {
                    target(id).is_some_and(|(c, d)| {
                        d.name == name
                            && c == crate_id
                            && (d.module == qual
                                || (d.impl_type.is_some()
                                    && qual.last() == d.impl_type.as_ref()
                                    && d.module == qual[..qual.len() - 1]))
                    })
                })
                .copied()
                .collect();
            if !hits.is_empty() {
                return (Certainty::Exact, hits);
            }
            // A type's associated function where the type lives in another module than its impl.
            if let Some(ty) = qual.last() {
                let hits: Vec<DefId> = candidates
                    .iter()
                    .filter(|id| {
                        target(id)
                            .is_some_and(|(c, d)| c == crate_id && d.impl_type.as_ref() == Some(ty))
                    })
                    .copied()
                    .collect();
                if !hits.is_empty() {
                    return (Certainty::Exact, hits);
                }
            }
            return (Certainty::Exact, Vec::new());
        }
        if !r.qualifier.is_empty() {
            // `Self::f` / an unresolvable qualifier (another crate, std): a type by its name.
            let ty = r.qualifier.last().cloned().unwrap_or_default();
            let hits: Vec<DefId> = candidates
                .iter()
                .filter(|id| target(id).is_some_and(|(_, d)| d.impl_type.as_ref() == Some(&ty)))
                .copied()
                .collect();
            return if hits.is_empty() {
                (Certainty::Exact, hits)
            } else {
                by_count(hits)
            };
        }
        // A bare name: this module's own definition, then glob imports, then the name alone.
        let here: Vec<DefId> = candidates
            .iter()
            .filter(|id| {
                target(id).is_some_and(|(c, d)| {
                    c == f.crate_id && d.module == f.module && d.impl_type.is_none()
                })
            })
            .copied()
            .collect();
        if !here.is_empty() {
            return (Certainty::Exact, here);
        }
        for g in &f.globs {
            if let Some((c, segs)) = resolve_path(f, g, &crates) {
                let hits: Vec<DefId> = candidates
                    .iter()
                    .filter(|id| {
                        target(id).is_some_and(|(tc, d)| {
                            tc == c && d.module == segs && d.impl_type.is_none()
                        })
                    })
                    .copied()
                    .collect();
                if !hits.is_empty() {
                    return (Certainty::Exact, hits);
                }
            }
        }
        let free: Vec<DefId> = candidates
            .into_iter()
            .filter(|id| target(id).is_some_and(|(_, d)| d.impl_type.is_none()))
            .collect();
        by_count(free)
    }

    /// References whose name is `def`'s, resolved: those that mean it.
    pub fn references_to(&self, def: DefId) -> Vec<(RefId, Certainty)> {
        let Some((_, d)) = self.def(def) else {
            return Vec::new();
        };
        let refs = self
            .refs_by_name
            .get(&d.name)
            .map(|v| v.clone())
            .unwrap_or_default();
        refs.into_iter()
            .filter_map(|rid| {
                let f = self.file(rid.0)?;
                let r = f.refs.get(rid.1)?;
                let (certainty, defs) = self.resolve(&f, r);
                defs.contains(&def).then_some((rid, certainty))
            })
            .collect()
    }

    pub fn crates(&self) -> Vec<CrateInfo> {
        self.crates
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Lowers the calling thread's scheduling priority (Linux gives each thread its own nice value).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on the calling thread's id only changes its own nice value.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
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

fn by_count(c: Vec<DefId>) -> (Certainty, Vec<DefId>) {
    match c.len() {
        0 => (Certainty::Exact, c),
        1 => (Certainty::Name, c),
        _ => (Certainty::Ambiguous, c),
    }
}

/// A path as written in file `f` → (crate, module segments), when it is in the workspace.
fn resolve_path(
    f: &FileSymbols,
    segs: &[String],
    crates: &[CrateInfo],
) -> Option<(usize, Vec<String>)> {
    resolve_path_at(f, segs, crates, 0)
}

fn resolve_path_at(
    f: &FileSymbols,
    segs: &[String],
    crates: &[CrateInfo],
    depth: usize,
) -> Option<(usize, Vec<String>)> {
    // Imports that name each other (`use a::b; use b::a;`) must not loop.
    if depth > 8 {
        return None;
    }
    let (first, rest) = segs.split_first()?;
    let mut base: (usize, Vec<String>) = match first.as_str() {
        "crate" => (f.crate_id, Vec::new()),
        "self" => (f.crate_id, f.module.clone()),
        "super" => (
            f.crate_id,
            f.module[..f.module.len().saturating_sub(1)].to_vec(),
        ),
        "Self" => return None,
        name => {
            if let Some(full) = f.imports.get(name) {
                if full.first().map(String::as_str) == Some(name) && full.len() == 1 {
                    return crates
                        .iter()
                        .position(|c| c.name == *name)
                        .map(|c| (c, rest.to_vec()));
                }
                let mut p = full.clone();
                p.extend(rest.iter().cloned());
                // Imports are written from the crate root (2018 paths) or with crate/self/super.
                return resolve_path_at(f, &p, crates, depth + 1).or_else(|| {
                    let mut rooted = vec!["crate".to_string()];
                    rooted.extend(p);
                    resolve_path_at(f, &rooted, crates, depth + 1)
                });
            }
            if let Some(c) = crates
                .iter()
                .position(|c| !c.name.is_empty() && c.name == *name)
            {
                (c, Vec::new())
            } else {
                // A child module of the current one (`mod deploy;` then `deploy::purge()`).
                let mut m = f.module.clone();
                m.push(name.to_string());
                (f.crate_id, m)
            }
        }
    };
    for s in rest {
        match s.as_str() {
            "super" => {
                base.1.pop();
            }
            "self" => {}
            _ => base.1.push(s.clone()),
        }
    }
    Some(base)
}

/// A file's module path inside its crate: `src/lib.rs` → `[]`, `src/a/b.rs` → `[a, b]`,
/// `src/a/mod.rs` → `[a]`; binaries, tests, examples and benches are crate roots of their own.
pub fn module_path(crate_dir: &Path, path: &Path) -> Vec<String> {
    let Ok(rel) = path.strip_prefix(crate_dir.join("src")) else {
        return Vec::new();
    };
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if parts.first().map(String::as_str) == Some("bin") {
        return Vec::new();
    }
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if !(parts.is_empty() && (stem == "lib" || stem == "main")) && stem != "mod" {
            parts.push(stem);
        }
    }
    parts
}

fn text_of<'a>(n: Node, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

/// The attributes written right before byte `start` (`#[test]`, `#[tokio::main]`), read from the
/// text: cheaper than walking siblings in the tree.
fn attrs_before(text: &str, start: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut end = start;
    for line in text[..start].rsplit('\n').skip(1).take(12) {
        let begin = end.saturating_sub(line.len() + 1);
        let trimmed = line.trim();
        if trimmed.starts_with("#[") || trimmed.starts_with("#![") {
            out.push(trimmed);
        } else if !(trimmed.is_empty() || trimmed.starts_with("//")) {
            break;
        }
        end = begin;
    }
    // An attribute on the item's own line (`#[test] fn t() {}`).
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let own = text[line_start..start].trim();
    if own.starts_with("#[") {
        out.push(own);
    }
    out
}

const HTTP_ATTRS: [&str; 9] = [
    "get",
    "post",
    "put",
    "delete",
    "patch",
    "head",
    "route",
    "handler",
    "debug_handler",
];

/// Extracts a file's symbols with one pass of the tags query.
pub fn extract(
    lang: &Language,
    tree: &Tree,
    text: &str,
    path: &Path,
    module: Vec<String>,
) -> FileSymbols {
    let src = text.as_bytes();
    let q = &*TAGS;
    let names = q.capture_names();
    let mut out = FileSymbols {
        path: path.to_path_buf(),
        module: module.clone(),
        is_test_file: path
            .components()
            .any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "benches"))),
        ..Default::default()
    };
    collect_uses(tree.root_node(), src, &mut out);
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(q, tree.root_node(), src);
    let mut pending_refs: Vec<(Node, Ref, Receiver)> = Vec::new();
    let mut def_nodes: HashSet<usize> = HashSet::new();
    // (position, name, declared or constructed type) of every local binding.
    let mut locals: Vec<(usize, String, Option<String>)> = Vec::new();
    // (body start, body end, is a module, name): inline modules, impl blocks and traits.
    let mut scopes: Vec<(usize, usize, bool, String)> = Vec::new();
    while let Some(m) = matches.next() {
        let mut item = None;
        let mut def: Option<(Node, &str)> = None;
        let mut reference: Option<(Node, &str)> = None;
        let mut path_node = None;
        let mut recv = None;
        let mut local = None;
        let mut binding = None;
        let mut scope: Option<(Node, &str)> = None;
        let mut scope_body = None;
        for c in m.captures() {
            let name = names[c.index as usize];
            match name {
                "scope.body" => scope_body = Some(c.node),
                n if n.starts_with("scope.") => scope = Some((c.node, &n[6..])),
                "item" => item = Some(c.node),
                "ref.path" => path_node = Some(c.node),
                "recv" => recv = Some(c.node),
                "local" => local = Some(c.node),
                "let" | "param" => binding = Some(c.node),
                n if n.starts_with("def.") => def = Some((c.node, &n[4..])),
                n if n.starts_with("ref.") => reference = Some((c.node, &n[4..])),
                _ => {}
            }
        }
        if let (Some((name_node, kind)), Some(body)) = (scope, scope_body) {
            let name = match kind {
                "impl" => simple_type(text_of(name_node, src)),
                _ => text_of(name_node, src).to_string(),
            };
            scopes.push((body.start_byte(), body.end_byte(), kind == "mod", name));
            continue;
        }
        if let Some(l) = local {
            let ty = binding.and_then(|b| match b.kind() {
                "let_declaration" => type_of_let(b, src),
                _ => b
                    .child_by_field_name("type")
                    .map(|t| simple_type(text_of(t, src))),
            });
            locals.push((l.start_byte(), text_of(l, src).to_string(), ty));
            continue;
        }
        if let (Some((name_node, kind)), Some(item)) = (def, item) {
            def_nodes.insert(name_node.id());
            let (mods, impl_type) = (Vec::new(), None::<String>);
            let mut full_mod = module.clone();
            full_mod.extend(mods);
            let kind = match kind {
                "function" if impl_type.is_some() => DefKind::Method,
                "function" => DefKind::Function,
                "struct" => DefKind::Struct,
                "enum" => DefKind::Enum,
                "trait" => DefKind::Trait,
                "type" => DefKind::Type,
                "const" => DefKind::Const,
                "static" => DefKind::Static,
                "macro" => DefKind::Macro,
                _ => DefKind::Module,
            };
            let name = text_of(name_node, src).to_string();
            let attrs = attrs_before(text, item.start_byte());
            let is_pub = {
                let mut c = item.walk();
                let found = item
                    .children(&mut c)
                    .any(|ch| ch.kind() == "visibility_modifier");
                found
            };
            let is_test = out.is_test_file || attrs.iter().any(|a| a.contains("test"));
            let entry = if kind == DefKind::Function && name == "main"
                || attrs
                    .iter()
                    .any(|a| a.contains("::main]") || a.contains("::main("))
            {
                Some(Entry::Main)
            } else if attrs.iter().any(|a| {
                let inner = a
                    .trim_start_matches("#[")
                    .split(['(', ']'])
                    .next()
                    .unwrap_or("");
                HTTP_ATTRS.contains(&inner.rsplit("::").next().unwrap_or(inner))
            }) {
                Some(Entry::HttpHandler)
            } else {
                None
            };
            out.defs.push(Def {
                name,
                kind,
                module: full_mod,
                impl_type,
                start: item.start_byte(),
                end: item.end_byte(),
                name_start: name_node.start_byte(),
                line: name_node.start_position().row,
                is_pub,
                is_test,
                entry,
            });
        } else if let Some((name_node, kind)) = reference {
            let kind = match kind {
                "call" => RefKind::Call,
                "method" => RefKind::Method,
                "macro" => RefKind::Macro,
                "type" => RefKind::Type,
                _ => RefKind::Value,
            };
            let name = text_of(name_node, src).to_string();
            let qualifier: Vec<String> = path_node
                .and_then(|p| p.child_by_field_name("path"))
                .map(|q| {
                    let mut t = String::new();
                    let mut depth = 0;
                    for ch in text_of(q, src).chars() {
                        match ch {
                            '<' => depth += 1,
                            '>' => depth -= 1,
                            c if depth == 0 && !c.is_whitespace() => t.push(c),
                            _ => {}
                        }
                    }
                    t.split("::")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            // Receivers named by a binding are typed after the pass, from the bindings found.
            let receiver = match recv.map(|r| {
                if r.kind() == "reference_expression" {
                    r.child_by_field_name("value").unwrap_or(r)
                } else {
                    r
                }
            }) {
                Some(r) if r.kind() == "self" => Receiver::SelfValue,
                Some(r) if r.kind() == "identifier" => {
                    Receiver::Binding(text_of(r, src).to_string())
                }
                Some(r) => Receiver::Known(receiver_type(r, src)),
                None => Receiver::Known(None),
            };
            let shadowed = false;
            let start_node = path_node.unwrap_or(name_node);
            let start = start_node.start_byte();
            let col = start_node.start_position().column;
            pending_refs.push((
                name_node,
                Ref {
                    name,
                    kind,
                    qualifier,
                    receiver_type: None,
                    start,
                    end: name_node.end_byte(),
                    line: start_node.start_position().row,
                    col,
                    enclosing: None,
                    in_test: out.is_test_file,
                    shadowed,
                },
                receiver,
            ));
        }
    }
    // Scopes by byte range: the inline modules around a definition and its impl or trait.
    scopes.sort_by_key(|s| s.0);
    for d in &mut out.defs {
        let around = scopes
            .iter()
            .filter(|(s, e, _, _)| *s <= d.start && d.start < *e);
        let mut impl_type = None;
        for (_, _, is_mod, name) in around {
            if *is_mod {
                d.module.push(name.clone());
                impl_type = None;
            } else {
                impl_type = Some(name.clone());
            }
        }
        if d.kind == DefKind::Function && impl_type.is_some() {
            d.kind = DefKind::Method;
        }
        d.impl_type = if matches!(d.kind, DefKind::Method) {
            impl_type
        } else {
            None
        };
    }
    // Test code: inside a module or function marked as a test.
    let test_ranges: Vec<(usize, usize)> = out
        .defs
        .iter()
        .filter(|d| {
            d.is_test
                && matches!(
                    d.kind,
                    DefKind::Module | DefKind::Function | DefKind::Method
                )
        })
        .map(|d| (d.start, d.end))
        .collect();
    let in_test_range = |pos: usize| test_ranges.iter().any(|(s, e)| *s <= pos && pos < *e);
    for d in &mut out.defs {
        if !d.is_test && in_test_range(d.start) {
            d.is_test = true;
        }
    }
    // Enclosing functions: the innermost function definition whose item holds the reference.
    let mut fn_defs: Vec<(usize, usize, usize)> = out
        .defs
        .iter()
        .enumerate()
        .filter(|(_, d)| matches!(d.kind, DefKind::Function | DefKind::Method))
        .map(|(i, d)| (d.start, d.end, i))
        .collect();
    fn_defs.sort();
    // The innermost function holding `pos` is the latest-starting one that still contains it.
    let enclosing = |pos: usize| -> Option<usize> {
        let upto = fn_defs.partition_point(|(s, _, _)| *s <= pos);
        fn_defs[..upto]
            .iter()
            .rev()
            .find(|(_, e, _)| pos < *e)
            .map(|(_, _, i)| *i)
    };
    // Local bindings by enclosing function: name → type (when the code says it).
    let mut local_types: HashMap<(Option<usize>, &str), Option<&str>> = HashMap::new();
    for (pos, name, ty) in &locals {
        local_types.insert((enclosing(*pos), name.as_str()), ty.as_deref());
    }
    for (node, mut r, receiver) in pending_refs {
        if def_nodes.contains(&node.id()) {
            continue;
        }
        r.enclosing = enclosing(r.start);
        r.in_test = r.in_test
            || match r.enclosing {
                Some(e) => out.defs[e].is_test,
                None => in_test_range(r.start),
            };
        r.shadowed = matches!(r.kind, RefKind::Call | RefKind::Value)
            && r.qualifier.is_empty()
            && local_types.contains_key(&(r.enclosing, r.name.as_str()));
        r.receiver_type = match receiver {
            Receiver::SelfValue => r.enclosing.and_then(|e| out.defs[e].impl_type.clone()),
            Receiver::Binding(name) => local_types
                .get(&(r.enclosing, name.as_str()))
                .copied()
                .flatten()
                .map(str::to_string),
            Receiver::Known(t) => t,
        };
        out.refs.push(r);
    }
    out.refs.sort_by_key(|r| r.start);
    out.refs
        .dedup_by(|a, b| a.start == b.start && a.name == b.name);
    // Risky operations, by enclosing function.
    for f in analysis::analyze(lang, tree, text, Some(path)) {
        let line = text[..f.start].matches('\n').count();
        let col = f.start - text[..f.start].rfind('\n').map_or(0, |i| i + 1);
        out.risky.push(RiskyCall {
            rule: f.rule,
            severity: f.severity,
            line,
            col,
            enclosing: enclosing(f.start),
        });
    }
    out
}

/// What a method call's receiver is, before bindings are known.
enum Receiver {
    SelfValue,
    Binding(String),
    Known(Option<String>),
}

/// `&mut deploy::Env<'a, T>` → `Env`.
fn simple_type(t: &str) -> String {
    let t = t
        .trim()
        .trim_start_matches('&')
        .trim_start_matches("mut ")
        .trim();
    let t = t.split('<').next().unwrap_or(t);
    t.rsplit("::").next().unwrap_or(t).trim().to_string()
}

/// The type a receiver expression names by itself: `Env::new().purge()` (bindings and `self`
/// are typed after the query pass, from the bindings it found).
fn receiver_type(recv: Node, src: &[u8]) -> Option<String> {
    if recv.kind() != "call_expression" {
        return None;
    }
    let f = recv.child_by_field_name("function")?;
    if f.kind() != "scoped_identifier" {
        return None;
    }
    f.child_by_field_name("path")
        .map(|p| simple_type(text_of(p, src)))
}

fn type_of_let(decl: Node, src: &[u8]) -> Option<String> {
    if let Some(t) = decl.child_by_field_name("type") {
        return Some(simple_type(text_of(t, src)));
    }
    let v = decl.child_by_field_name("value")?;
    let v = if matches!(v.kind(), "try_expression" | "await_expression") {
        v.named_child(0)?
    } else {
        v
    };
    match v.kind() {
        "struct_expression" => v
            .child_by_field_name("name")
            .map(|n| simple_type(text_of(n, src))),
        "call_expression" => {
            let f = v.child_by_field_name("function")?;
            if f.kind() == "scoped_identifier" {
                let path = f.child_by_field_name("path")?;
                let ty = simple_type(text_of(path, src));
                // `Env::new()` names a type; `deploy::make()` names a module.
                ty.chars().next().filter(|c| c.is_uppercase()).map(|_| ty)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// `use` declarations anywhere in the file (most are at the top; scoping inside functions is
/// not modelled).
fn collect_uses(root: Node, src: &[u8], out: &mut FileSymbols) {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "use_declaration" {
            if let Some(arg) = n.child_by_field_name("argument") {
                use_tree(arg, &[], src, out);
            }
            continue;
        }
        if matches!(
            n.kind(),
            "source_file" | "declaration_list" | "mod_item" | "function_item" | "block"
        ) {
            let mut c = n.walk();
            stack.extend(n.named_children(&mut c));
        }
    }
}

fn use_tree(n: Node, prefix: &[String], src: &[u8], out: &mut FileSymbols) {
    let path_of = |t: &str| -> Vec<String> {
        let mut p = prefix.to_vec();
        p.extend(
            t.split("::")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        );
        p
    };
    match n.kind() {
        "identifier" | "scoped_identifier" | "crate" | "self" | "super" => {
            let p = path_of(text_of(n, src));
            if p.last().map(String::as_str) == Some("self") {
                let p = p[..p.len() - 1].to_vec();
                if let Some(last) = p.last() {
                    out.imports.insert(last.clone(), p.clone());
                }
            } else if let Some(last) = p.last() {
                out.imports.insert(last.clone(), p.clone());
            }
        }
        "use_as_clause" => {
            if let (Some(path), Some(alias)) = (
                n.child_by_field_name("path"),
                n.child_by_field_name("alias"),
            ) {
                out.imports
                    .insert(text_of(alias, src).to_string(), path_of(text_of(path, src)));
            }
        }
        "use_wildcard" => {
            let t = text_of(n, src).trim_end_matches('*').trim_end_matches("::");
            out.globs.push(path_of(t));
        }
        "scoped_use_list" => {
            let base = n
                .child_by_field_name("path")
                .map(|p| path_of(text_of(p, src)))
                .unwrap_or_else(|| prefix.to_vec());
            if let Some(list) = n.child_by_field_name("list") {
                use_tree(list, &base, src, out);
            }
        }
        "use_list" => {
            let mut c = n.walk();
            for child in n.named_children(&mut c) {
                use_tree(child, prefix, src, out);
            }
        }
        _ => {}
    }
}
