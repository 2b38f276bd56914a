//! Paths as a file writes them (`super::ops`, `./infra/ops`, `from ..ops import`) resolved to a
//! (project, module path) of the workspace, through the file's imports.

use super::*;

/// A path as written in file `f` → (crate, module segments), when it is in the workspace.
pub(super) fn resolve_path(
    f: &FileSymbols,
    segs: &[String],
    crates: &[CrateInfo],
) -> Option<(usize, Vec<String>)> {
    resolve_path_from(f, segs, crates, false)
}

/// As [`resolve_path`]; `rooted`: `segs` start at the project's root.
pub(super) fn resolve_path_from(
    f: &FileSymbols,
    segs: &[String],
    crates: &[CrateInfo],
    rooted: bool,
) -> Option<(usize, Vec<String>)> {
    let conv = language::for_path(&f.path)?.conventions;
    resolve_path_at(f, conv, segs, crates, 0, rooted)
}

/// As [`resolve_path`]; `rooted`: `segs` start at the project's root.
fn resolve_path_at(
    f: &FileSymbols,
    conv: &dyn Conventions,
    segs: &[String],
    crates: &[CrateInfo],
    depth: usize,
    rooted: bool,
) -> Option<(usize, Vec<String>)> {
    // Imports that name each other (`use a::b; use b::a;`) must not loop.
    if depth > 8 {
        return None;
    }
    let (first, rest) = if rooted {
        (None, segs)
    } else {
        let (first, rest) = segs.split_first()?;
        (Some(first), rest)
    };
    let mut base: (usize, Vec<String>) = match first.map(|s| (s, conv.path_root(s))) {
        None | Some((_, Some(PathRoot::Project))) => (f.crate_id, Vec::new()),
        Some((_, Some(PathRoot::Current))) => (f.crate_id, f.module.clone()),
        Some((_, Some(PathRoot::Parent))) => {
            // `./x` in `infra/index.ts` (module `infra`) is `infra/x`; in `infra/ops.ts` too.
            let own_folder = conv.relative_to_folder()
                && f.path.file_stem().and_then(|s| s.to_str())
                    != f.module.last().map(String::as_str);
            let keep = if own_folder {
                f.module.len()
            } else {
                f.module.len().saturating_sub(1)
            };
            (f.crate_id, f.module[..keep].to_vec())
        }
        Some((_, Some(PathRoot::SelfType))) => return None,
        Some((name, None)) => {
            if let Some(full) = f.imports.get(name) {
                if full.first() == Some(name) && full.len() == 1 {
                    // Another project of the workspace by its name, else a top-level module of
                    // this one (`import pkg` in Python).
                    return match crates.iter().position(|c| c.name == *name) {
                        Some(c) => Some((c, rest.to_vec())),
                        None => resolve_path_at(f, conv, segs, crates, depth + 1, true),
                    };
                }
                let mut p = full.clone();
                p.extend(rest.iter().cloned());
                // Imports are written from the project root or relative to a module.
                return resolve_path_at(f, conv, &p, crates, depth + 1, false)
                    .or_else(|| resolve_path_at(f, conv, &p, crates, depth + 1, true));
            }
            if let Some(c) = crates
                .iter()
                .position(|c| !c.name.is_empty() && c.name == *name)
            {
                (c, Vec::new())
            } else if !name.chars().all(|ch| ch.is_alphanumeric() || ch == '_') {
                // Not an identifier (`example.com` of a Go import path): never a module in
                // scope, so the path starts at the project's root.
                return resolve_path_at(f, conv, segs, crates, depth + 1, true);
            } else {
                // A child module of the current one (`mod deploy;` then `deploy::purge()`).
                let mut m = f.module.clone();
                m.push(name.to_string());
                (f.crate_id, m)
            }
        }
    };
    for s in rest {
        match conv.path_root(s) {
            Some(PathRoot::Parent) => {
                base.1.pop();
            }
            Some(PathRoot::Current) => {}
            _ => base.1.push(s.clone()),
        }
    }
    Some(base)
}
