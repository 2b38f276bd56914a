//! What a change since a revision (`scan --base REV`) touched: its changed lines, and the region
//! records it dropped from the ledger while their code stayed (`ledger/tampered`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::{ChangedLines, ScanError};
use crate::workspace::Workspace;

/// A region the base revision's ledger recorded, whose record this change dropped.
pub struct TamperedRegion {
    pub id: String,
    pub anchor: crate::ledger::Anchor,
    pub provenance: crate::regions::Provenance,
    pub source: crate::regions::Source,
}

/// For every region log that differs from `rev` (changed, truncated or deleted): the regions
/// that log recorded at `rev` which the ledger now lacks (removed or retired) or covers only in
/// part, while their text is still in the file. Keyed by the source file.
pub(super) fn tampered_regions(ws: &Workspace, rev: &str) -> HashMap<String, Vec<TamperedRegion>> {
    let mut out: HashMap<String, Vec<TamperedRegion>> = HashMap::new();
    if rev.starts_with('-') {
        return out;
    }
    let logs = format!("{}/regions", crate::ledger::DIR);
    let Ok(names) = crate::git::run(
        &ws.root,
        &[
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--relative",
            rev,
            "--",
            &logs,
        ],
    ) else {
        return out;
    };
    for log in crate::git::split_z(&names) {
        let Some(rel) = log
            .strip_prefix(&format!("{logs}/"))
            .and_then(|r| r.strip_suffix(".jsonl"))
        else {
            continue;
        };
        let Ok(base) = crate::git::run(&ws.root, &["show", &format!("{rev}:./{log}")]) else {
            continue;
        };
        let records: Vec<crate::ledger::Snapshot> = String::from_utf8_lossy(&base)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let Some(then) = crate::ledger::merge(rel, records) else {
            continue;
        };
        let Some(text) = ws
            .root
            .join(rel)
            .canonicalize()
            .ok()
            .filter(|p| p.starts_with(&ws.root))
            .and_then(|p| std::fs::read_to_string(p).ok())
        else {
            continue;
        };
        // What the ledger holds now (an unreadable or linked log holds nothing).
        let now = ws
            .ledger
            .state(rel, &text)
            .map(|(s, _)| s.regions)
            .unwrap_or_default();
        let hashes = crate::ledger::LineHashes::new(&text);
        for rec in then.regions {
            let Some((start, end, _)) = crate::ledger::locate(&rec.anchor, &text, &hashes) else {
                continue; // its code is gone: nothing to protect
            };
            let covered = |at: usize| {
                now.iter()
                    .any(|p| p.region.start <= at && at < p.region.end)
            };
            let uncovered = text[start..end]
                .char_indices()
                .any(|(i, c)| !c.is_whitespace() && !covered(start + i));
            if uncovered {
                out.entry(rel.to_string())
                    .or_default()
                    .push(TamperedRegion {
                        id: rec.id,
                        anchor: rec.anchor,
                        provenance: rec.provenance,
                        source: rec.source,
                    });
            }
        }
    }
    out
}

/// `git diff --unified=0 REV` plus untracked files, as changed line sets. Paths are read as git
/// quotes them (`git::patch_path`) and untracked ones NUL-separated, so no file name, however
/// odd, falls out of the check.
pub(super) fn changed_lines(root: &Path, rev: &str) -> Result<ChangedLines, ScanError> {
    let git_err = |message: String| ScanError::Git {
        rev: rev.to_string(),
        message,
    };
    if rev.starts_with('-') {
        return Err(git_err("not a revision".into()));
    }
    let run = |args: &[&str]| crate::git::run(root, args).map_err(git_err);
    let diff = run(&[
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-renames",
        "--relative",
        rev,
        "--",
    ])?;
    let diff = String::from_utf8_lossy(&diff);
    let mut out: ChangedLines = HashMap::new();
    let mut current: Option<String> = None;
    for line in diff.split('\n') {
        if let Some(header) = line.strip_prefix("+++ ") {
            current = crate::git::patch_path(header);
            if let Some(p) = &current {
                out.entry(p.clone()).or_insert_with(|| Some(HashSet::new()));
            }
        } else if let Some(hunk) = line.strip_prefix("@@ ") {
            let Some(file) = &current else { continue };
            // @@ -a,b +c,d @@
            let plus = hunk
                .split_whitespace()
                .find(|p| p.starts_with('+'))
                .unwrap_or("+0");
            let mut parts = plus[1..].split(',');
            let start: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let count: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(1);
            if let Some(Some(set)) = out.get_mut(file) {
                set.extend(start..start + count);
            }
        }
    }
    let untracked = run(&["ls-files", "-z", "--others", "--exclude-standard"])?;
    for f in crate::git::split_z(&untracked) {
        out.insert(f, None);
    }
    Ok(out)
}

/// The document of a file's text at `rev` (the committed text, or the base), for what only a
/// comparison shows: a Terraform edit that replaces a stateful resource or removes its
/// `prevent_destroy`. `None` for a language without a model or a file new since `rev`.
pub(super) fn committed_doc(
    ws: &Workspace,
    rev: &str,
    parser: &mut crate::parse::Parser,
    lang: &'static crate::language::Language,
    rel: &str,
) -> Option<crate::models::Doc> {
    lang.model?;
    let old = crate::git::show_file(&ws.root, rev, rel)?;
    let tree = parser.parse(lang, &old, None)?;
    crate::models::document(lang, &tree, &old)
}
