//! The files an engine has parsed, kept while they are unchanged on disk: a question asked on
//! every edit (`check_change`, `blast_radius`) re-parses only what the edit changes, and a
//! file's findings are computed once per version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::{stamp, Engine, Stamp};
use crate::analysis::Finding;
use crate::language::Language;
use crate::parse::Tree;

/// One version of a file, parsed.
pub struct Parsed {
    stamp: Option<Stamp>,
    pub text: String,
    pub lang: Option<&'static Language>,
    /// `None` without a grammar, or over the analysis size limit.
    pub tree: Option<Tree>,
    findings: OnceLock<Vec<Finding>>,
}

/// How many parsed files an engine keeps.
const KEPT: usize = 32;

#[derive(Default)]
pub(super) struct ParseCache {
    files: Mutex<HashMap<PathBuf, Arc<Parsed>>>,
}

impl Parsed {
    /// Every enabled finding of the file.
    pub fn findings(&self, engine: &Engine, path: &Path) -> &[Finding] {
        self.findings.get_or_init(|| match (self.lang, &self.tree) {
            (Some(l), Some(t)) => {
                engine
                    .ws
                    .enabled(crate::analysis::analyze(l, t, &self.text, Some(path)))
            }
            _ => Vec::new(),
        })
    }
}

impl Engine {
    /// `abs` as it is on disk now, parsed (from the cache when it has not changed). A file that
    /// is not UTF-8 text is an error.
    pub fn parsed(&self, abs: &Path) -> Result<Arc<Parsed>, String> {
        let now = stamp(abs);
        {
            let files = self.cache.files.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(p) = files
                .get(abs)
                .filter(|p| p.stamp.is_some() && p.stamp == now)
            {
                return Ok(Arc::clone(p));
            }
        }
        let rel = self
            .ws
            .relative(abs)
            .unwrap_or_else(|| abs.display().to_string());
        let bytes = std::fs::read(abs).map_err(|e| format!("{rel}: {e}"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("{rel} is not UTF-8 text: aigis checks text files"))?;
        let lang = crate::language::for_text(abs, &text);
        let tree = lang
            .filter(|_| text.len() <= crate::document::MAX_ANALYSED_BYTES)
            .and_then(|l| crate::parse::parse(l, &text));
        let parsed = Arc::new(Parsed {
            stamp: now,
            text,
            lang,
            tree,
            findings: OnceLock::new(),
        });
        let mut files = self.cache.files.lock().unwrap_or_else(|e| e.into_inner());
        if files.len() >= KEPT {
            files.clear();
        }
        files.insert(abs.to_path_buf(), Arc::clone(&parsed));
        Ok(parsed)
    }
}
