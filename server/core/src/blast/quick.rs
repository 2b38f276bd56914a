//! A blast radius without a prebuilt index, for one-shot commands (`guard`, `record`): only the
//! files that mention the changed symbols' names are indexed, level by level up to the policy's
//! depth. What a long-lived server's index says in full, this says for the names in question.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{blast_radius, BlastRadius};
use crate::index::WorkspaceIndex;
use crate::workspace::Workspace;

/// The blast radius of bytes `[start, end)` of `text`, the (proposed) content of `abs` in `ws`.
/// `None` when the file has no language with a symbol query or no symbol there.
pub fn blast_of_text(
    ws: &Workspace,
    abs: &Path,
    text: &str,
    start: usize,
    end: usize,
) -> Option<BlastRadius> {
    let lang = crate::language::for_path(abs).filter(|l| l.has_symbols())?;
    let tree = crate::parse::parse(lang, text)?;
    let index = WorkspaceIndex::new();
    index.update_file(abs, &tree, text);
    let id = index.file_id(abs)?;
    let depth = ws.config.policy.blast_depth.max(1);
    let rules = crate::walk::WalkRules::new(&ws.config.index);
    let files: Vec<PathBuf> = WorkspaceIndex::indexable(&ws.root, &rules)
        .into_iter()
        .filter(|p| p != abs)
        .collect();
    let mut names: Vec<String> = index
        .file(id)?
        .defs
        .iter()
        .filter(|d| d.start < end.max(start + 1) && start < d.end)
        .map(|d| d.name.clone())
        .collect();
    if names.is_empty() {
        return None;
    }
    let mut read: std::collections::HashSet<PathBuf> = Default::default();
    let mut radius = BlastRadius::default();
    for _ in 0..depth {
        let Ok(needles) = aho_corasick::AhoCorasick::new(&names) else {
            break;
        };
        let found: Vec<PathBuf> = files
            .par_iter()
            .filter(|p| !read.contains(*p))
            .filter(|p| std::fs::read(p).is_ok_and(|bytes| needles.is_match(&bytes)))
            .cloned()
            .collect();
        if found.is_empty() {
            break;
        }
        read.extend(found.iter().cloned());
        index.index_files(found, &|_, _| {});
        radius = blast_radius(&index, id, start, end, depth);
        // The next level: the functions the dependents are in.
        names = radius
            .dependents
            .iter()
            .filter_map(|d| d.caller.as_deref())
            .map(|c| c.rsplit("::").next().unwrap_or(c).to_string())
            .filter(|n| !n.is_empty())
            .collect();
        names.sort();
        names.dedup();
        if names.is_empty() {
            break;
        }
    }
    if radius.symbols.is_empty() {
        radius = blast_radius(&index, id, start, end, depth);
    }
    Some(radius)
}
