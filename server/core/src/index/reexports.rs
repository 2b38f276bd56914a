//! Names a module passes on from another: `export { recreate } from "./ops"` and
//! `export * from "./ops"` in an `index.ts`, `from .ops import recreate` in a package's
//! `__init__.py`, `pub use ops::recreate` in Rust. A reference that resolves to such a module
//! means the definition it re-exports.

use super::*;

impl WorkspaceIndex {
    /// The definitions named `name` that the module `module` of crate `crate_id` re-exports,
    /// followed through at most `depth` modules.
    pub(super) fn through_reexports(
        &self,
        crate_id: usize,
        module: &[String],
        name: &str,
        candidates: &[DefId],
        crates: &[CrateInfo],
        depth: usize,
    ) -> Vec<DefId> {
        if depth == 0 {
            return Vec::new();
        }
        let files = self
            .modules
            .get(&(crate_id, module.to_vec()))
            .map(|v| v.clone())
            .unwrap_or_default();
        for id in files {
            let Some(f) = self.file(id) else { continue };
            // Where the name comes from: an import of it by name, or a glob it passes on.
            let mut targets: Vec<(usize, Vec<String>)> = Vec::new();
            if let Some(p) = f.imports.get(name) {
                for rooted in [false, true] {
                    let head = &p[..p.len().saturating_sub(1)];
                    if let (Some((c, mut segs)), Some(last)) =
                        (resolve_path_from(&f, head, crates, rooted), p.last())
                    {
                        segs.push(last.clone());
                        targets.push((c, segs));
                    }
                }
            }
            for g in &f.globs {
                if let Some((c, mut segs)) = resolve_path(&f, g, crates) {
                    segs.push(name.to_string());
                    targets.push((c, segs));
                }
            }
            for (c, segs) in targets {
                let Some((last, qual)) = segs.split_last() else {
                    continue;
                };
                if c == crate_id && qual == module && last == name {
                    continue; // the module itself
                }
                let hits: Vec<DefId> = candidates
                    .iter()
                    .filter(|id| {
                        self.def(**id).is_some_and(|(file, d)| {
                            file.crate_id == c && &d.name == last && d.module == qual
                        })
                    })
                    .copied()
                    .collect();
                if !hits.is_empty() {
                    return hits;
                }
                let deeper = self.through_reexports(c, qual, last, candidates, crates, depth - 1);
                if !deeper.is_empty() {
                    return deeper;
                }
            }
        }
        Vec::new()
    }
}
