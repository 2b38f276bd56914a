//! The denominator of the AI share: lines in scope (changed since a revision, or every line of the\n//! workspace's source and tracked files).

use super::*;

/// Lines in scope for a report: changed since `base`, or every line of the workspace's files.
pub fn lines_in_scope(ws: &Workspace, base: Option<&str>) -> usize {
    if let Some(rev) = base {
        if let Ok(changed) = changed_lines(&ws.root, rev) {
            return changed
                .iter()
                .map(|(f, set)| match set {
                    Some(s) => s.len(),
                    None => {
                        std::fs::read_to_string(ws.root.join(f)).map_or(0, |t| t.lines().count())
                    }
                })
                .sum();
        }
    }
    // Source files, and every other text file with AI regions (so that the share's numerator
    // and denominator count the same files).
    let tracked: HashSet<String> = ws.ledger.tracked_files().into_iter().collect();
    crate::walk::WalkRules::new(&ws.config.index)
        .files(&ws.root, &ws.root)
        .into_iter()
        .filter(|p| {
            language::for_path(p).is_some() || ws.relative(p).is_some_and(|r| tracked.contains(&r))
        })
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|t| t.lines().count())
        .sum()
}
