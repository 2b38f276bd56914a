//! The denominator of the AI share: lines in scope (changed since a revision, or every line of the\n//! workspace's source and tracked files).

use super::*;
use std::collections::BTreeMap;

/// Lines in scope for a report per workspace-relative file: changed since `base`, or every line
/// of the workspace's files (their sum is the share's denominator; by file, the share by
/// directory and by owner).
pub fn lines_by_file(ws: &Workspace, base: Option<&str>) -> BTreeMap<String, usize> {
    let count = |p: &Path| std::fs::read_to_string(p).map_or(0, |t| t.lines().count());
    if let Some(rev) = base {
        if let Ok(changed) = changed_lines(&ws.root, rev) {
            return changed
                .into_iter()
                .map(|(f, set)| {
                    let n = match set {
                        Some(s) => s.len(),
                        None => count(&ws.root.join(&f)),
                    };
                    (f, n)
                })
                .collect();
        }
    }
    // Source files, and every other text file with AI regions (so that the share's numerator
    // and denominator count the same files).
    let tracked: HashSet<String> = ws.ledger.tracked_files().into_iter().collect();
    crate::walk::WalkRules::new(&ws.config.index)
        .files(&ws.root, &ws.root)
        .into_iter()
        .filter_map(|p| {
            let rel = ws.relative(&p)?;
            (language::for_path(&p).is_some() || tracked.contains(&rel)).then(|| {
                let n = count(&p);
                (rel, n)
            })
        })
        .collect()
}
