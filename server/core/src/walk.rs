//! Which files of a workspace aigis reads: what git does not ignore, without the ledger, without
//! generated and vendored folders (`node_modules`, `vendor`, `dist`, `target`, `.venv`, ...)
//! unless `[index] include` names them, and without what `[index] exclude` names. Shared by
//! `scan`, the symbol index and the language server, so that a monorepo is walked one way.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::IndexConfig;

/// Folders that hold generated or third-party code, or tools' caches: never walked unless
/// included. Other hidden files and folders are walked (`.env`, `.github/workflows`).
pub const GENERATED: [&str; 16] = [
    "node_modules",
    "vendor",
    "dist",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    "build",
    ".terraform",
    ".mypy_cache",
    ".pytest_cache",
    ".tox",
    ".next",
    ".gradle",
    ".idea",
    ".cache",
];

#[derive(Clone, Default)]
pub struct WalkRules {
    include: Vec<String>,
    include_set: Option<GlobSet>,
    exclude_set: Option<GlobSet>,
}

fn globs(list: &[String]) -> Option<GlobSet> {
    if list.is_empty() {
        return None;
    }
    let mut b = GlobSetBuilder::new();
    for g in list {
        if let Ok(glob) = Glob::new(g) {
            b.add(glob);
        }
    }
    b.build().ok()
}

impl WalkRules {
    pub fn new(cfg: &IndexConfig) -> WalkRules {
        WalkRules {
            include: cfg.include.clone(),
            include_set: globs(&cfg.include),
            exclude_set: globs(&cfg.exclude),
        }
    }

    /// A generated folder is walked when an include glob names it or something below it.
    fn included(&self, rel: &str) -> bool {
        self.include_set.as_ref().is_some_and(|s| s.is_match(rel))
            || self.include.iter().any(|g| {
                let literal: String = g.chars().take_while(|c| !"*?[{".contains(*c)).collect();
                literal.starts_with(&format!("{rel}/")) || literal == rel
            })
    }

    fn wanted(&self, root: &Path, path: &Path, is_dir: bool) -> bool {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return true;
        };
        // Git's own folder and the ledger are never content.
        if name == crate::ledger::DIR || (is_dir && name == ".git") {
            return false;
        }
        let rel = path
            .strip_prefix(root)
            .ok()
            .and_then(|r| r.to_str())
            .map(|r| r.replace('\\', "/"))
            .unwrap_or_default();
        if rel.is_empty() {
            return true;
        }
        if self.exclude_set.as_ref().is_some_and(|s| s.is_match(&rel)) && !self.included(&rel) {
            return false;
        }
        // Inside a generated folder only what `include` names (or leads to) is walked.
        let folders: Vec<&str> = rel.split('/').collect();
        let folders = if is_dir {
            &folders[..]
        } else {
            &folders[..folders.len() - 1]
        };
        if folders.iter().any(|c| GENERATED.contains(c)) {
            return if is_dir {
                self.included(&rel)
            } else {
                self.include_set.as_ref().is_some_and(|s| s.is_match(&rel))
            };
        }
        true
    }

    /// The files below `top` (a folder or file inside the workspace `root`), sorted.
    pub fn files(&self, root: &Path, top: &Path) -> Vec<PathBuf> {
        self.files_where(root, top, &|_| true)
    }

    /// The files below `top` that `keep` admits, sorted. Folders are read on every core (a
    /// large tree's walk, a stat and a glob test a file, took a twentieth of its index).
    pub fn files_where(
        &self,
        root: &Path,
        top: &Path,
        keep: &(dyn Fn(&ignore::DirEntry) -> bool + Sync),
    ) -> Vec<PathBuf> {
        let rules = self.clone();
        let root = root.to_path_buf();
        let found = std::sync::Mutex::new(Vec::new());
        ignore::WalkBuilder::new(top)
            .hidden(false)
            .git_ignore(true)
            .require_git(false)
            .filter_entry(move |e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                rules.wanted(&root, e.path(), is_dir)
            })
            .build_parallel()
            .run(|| {
                let found = &found;
                Box::new(move |entry| {
                    if let Ok(e) = entry {
                        if e.file_type().is_some_and(|t| t.is_file()) && keep(&e) {
                            let mut list = found.lock().unwrap_or_else(|p| p.into_inner());
                            list.push(e.into_path());
                        }
                    }
                    ignore::WalkState::Continue
                })
            });
        let mut files = found.into_inner().unwrap_or_else(|p| p.into_inner());
        files.sort();
        files
    }
}

/// The first line of a file (at most 256 bytes): a script without an extension says its
/// language in its `#!` line.
pub(crate) fn first_line(p: &Path) -> String {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(p)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    String::from_utf8_lossy(&head[..n])
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_folders_are_skipped_unless_included() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "src/a.rs",
            "node_modules/x/index.js",
            "vendor/ours/lib.go",
            "vendor/theirs/lib.go",
            "target/debug/build.rs",
            "third_party/big.rs",
            ".aigis/regions/src/a.rs.jsonl",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let rules = WalkRules::new(&IndexConfig {
            include: vec!["vendor/ours/**".into()],
            exclude: vec!["third_party/**".into()],
        });
        let mut got: Vec<String> = rules
            .files(dir.path(), dir.path())
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        got.sort();
        assert_eq!(got, ["src/a.rs", "vendor/ours/lib.go"]);
    }
}
