//! The blast radius of an AI region: the symbols it defines or changes, every place that depends
//! on them (directly, and transitively through the functions those places are in), the entry
//! points reached, and the risky operations the region reaches through its calls.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;

use serde::Serialize;

use crate::catalog::Severity;
use crate::index::{Certainty, DefId, DefKind, Entry, Resolver, WorkspaceIndex};

mod quick;
pub use quick::blast_of_text;

/// One place that depends on the region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dependent {
    pub file: PathBuf,
    /// Zero-based line and byte column; byte range in the file.
    pub line: usize,
    pub col: usize,
    pub start: usize,
    pub end: usize,
    /// The function the reference is in, `Type::name` for methods.
    pub caller: Option<String>,
    /// The symbol it uses.
    pub uses: String,
    pub certainty: Certainty,
    /// 1 for direct dependents, 2.. through callers.
    pub depth: usize,
}

/// A risky operation the region reaches through the functions it calls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskyCallee {
    pub rule: String,
    pub severity: Severity,
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    /// The calls from the region to it (`helper` → `purge`).
    pub via: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Symbol {
    pub name: String,
    pub kind: DefKind,
    pub line: usize,
    /// The region holds the whole definition (else it changes part of it).
    pub defined: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BlastRadius {
    pub symbols: Vec<Symbol>,
    /// Counted dependents (not tests, not ambiguous), nearest first.
    pub dependents: Vec<Dependent>,
    /// Dependents in test code: listed, not counted.
    pub tests: Vec<Dependent>,
    /// References whose name matches but that could mean several definitions.
    pub ambiguous: Vec<Dependent>,
    /// Reference sites using the region's symbols directly.
    pub direct: usize,
    /// All counted dependents, direct and through callers.
    pub transitive: usize,
    /// Files holding direct dependents.
    pub files: usize,
    /// Files holding any counted dependent.
    pub transitive_files: usize,
    /// Entry points reached, with the caller chain (`main via ops::rotate`).
    pub entry_points: Vec<String>,
    pub risky_callees: Vec<RiskyCallee>,
}

impl BlastRadius {
    /// One line for every surface (diagnostic, hover, scan text, report, incident): what the
    /// region defines or changes, how many sites use it, what it reaches.
    pub fn summary(&self) -> String {
        let names: Vec<String> = self
            .symbols
            .iter()
            .map(|s| format!("`{}`", s.name))
            .collect();
        let verb = if self.symbols.iter().all(|s| s.defined) {
            "defines"
        } else {
            "changes"
        };
        let mut msg = if self.direct == 0 {
            format!("{verb} {}, used nowhere else", names.join(", "))
        } else {
            format!(
                "{verb} {}, used at {} site{} in {} file{}",
                names.join(", "),
                self.direct,
                if self.direct == 1 { "" } else { "s" },
                self.files,
                if self.files == 1 { "" } else { "s" }
            )
        };
        if self.transitive > self.direct {
            msg += &format!(" ({} dependents through callers)", self.transitive);
        }
        if let Some(e) = self.entry_points.first() {
            msg += &format!(", reaches {e}");
            if self.entry_points.len() > 1 {
                msg += &format!(" and {} more entry point(s)", self.entry_points.len() - 1);
            }
        }
        if !self.tests.is_empty() {
            msg += &format!("; {} test caller(s) not counted", self.tests.len());
        }
        if !self.ambiguous.is_empty() {
            msg += &format!(
                "; {} reference(s) by name alone are ambiguous, not counted",
                self.ambiguous.len()
            );
        }
        for c in self.risky_callees.iter().take(3) {
            msg += &format!(
                "; reaches {} ({}) via {} (indirect)",
                c.rule,
                c.severity.as_str(),
                c.via.join(" → ")
            );
        }
        msg
    }
}

/// A definition as its language writes a qualified name (`deploy::purge`, `app.ops.recreate`).
fn display_name(index: &WorkspaceIndex, id: DefId) -> String {
    match index.def(id) {
        Some((file, d)) => {
            let sep = crate::language::for_path(&file.path).map_or("::", |l| l.path_separator);
            match &d.impl_type {
                Some(t) => format!("{t}{sep}{}", d.name),
                None if d.module.is_empty() => d.name.clone(),
                None => format!("{}{sep}{}", d.module.join(sep), d.name),
            }
        }
        None => "?".into(),
    }
}

/// The definitions a region stands for: those it overlaps (not whole modules, and not an outer
/// function when it only touches one nested inside). What its blast radius starts from, and
/// while they are the same (and the index is), the radius is too.
pub fn region_roots(
    file: &crate::index::FileSymbols,
    file_id: usize,
    start: usize,
    end: usize,
) -> Vec<DefId> {
    let overlapping: Vec<usize> = file
        .defs
        .iter()
        .enumerate()
        .filter(|(_, d)| d.kind != DefKind::Module && d.start < end && start < d.end)
        .map(|(i, _)| i)
        .collect();
    // Skip a definition that merely contains a nested one the region sits in. Only the
    // definitions that hold the whole region can be such a nested one, and those are a chain
    // (the nesting depth), so this stays linear in a region of thousands of definitions.
    let holders: Vec<usize> = overlapping
        .iter()
        .copied()
        .filter(|&j| file.defs[j].start <= start && end <= file.defs[j].end)
        .collect();
    overlapping
        .iter()
        .filter(|&&i| {
            let d = &file.defs[i];
            !holders.iter().any(|&j| {
                let n = &file.defs[j];
                j != i && d.start <= n.start && n.end <= d.end
            })
        })
        .map(|&i| (file_id, i))
        .collect()
}

/// Computes the blast radius of the byte range `[start, end)` of file `file_id`.
pub fn blast_radius(
    index: &WorkspaceIndex,
    file_id: usize,
    start: usize,
    end: usize,
    depth: usize,
) -> BlastRadius {
    let mut out = BlastRadius::default();
    let Some(file) = index.file(file_id) else {
        return out;
    };
    let roots = region_roots(&file, file_id, start, end);
    for &(_, i) in &roots {
        let d = &file.defs[i];
        out.symbols.push(Symbol {
            name: display_name(index, (file_id, i)),
            kind: d.kind,
            line: d.line,
            defined: start <= d.start && d.end <= end,
        });
    }
    // Each reference resolved once for the whole radius (many roots share a name).
    let mut resolver = Resolver::new(index);
    let mut visited: HashSet<DefId> = roots.iter().copied().collect();
    let mut seen_sites: HashSet<(usize, usize)> = HashSet::new();
    let mut files: HashSet<usize> = HashSet::new();
    let mut all_files: HashSet<usize> = HashSet::new();
    // Breadth first, with the chain that led to each definition (for "reaches main via ...").
    let mut queue: VecDeque<(DefId, usize, Vec<String>)> =
        roots.iter().map(|&id| (id, 1, Vec::new())).collect();
    for &id in &roots {
        note_entry(index, id, &[], &mut out.entry_points);
    }
    while let Some((def, d, chain)) = queue.pop_front() {
        if d > depth {
            continue;
        }
        let used = display_name(index, def);
        for (rid, certainty) in resolver.references_to(def) {
            let Some(f) = index.file(rid.0) else { continue };
            let r = &f.refs[rid.1];
            // A reference inside the region itself is not a dependent.
            if rid.0 == file_id && start <= r.start && r.start < end {
                continue;
            }
            if !seen_sites.insert(rid) {
                continue;
            }
            let caller = r.enclosing.map(|e| display_name(index, (rid.0, e)));
            let dep = Dependent {
                file: f.path.clone(),
                line: r.line,
                col: r.col,
                start: r.start,
                end: r.end,
                caller: caller.clone(),
                uses: used.clone(),
                certainty,
                depth: d,
            };
            let caller_is_test = r.enclosing.is_some_and(|e| f.defs[e].is_test);
            if r.in_test || caller_is_test {
                out.tests.push(dep);
                continue;
            }
            if certainty == Certainty::Ambiguous {
                out.ambiguous.push(dep);
                continue;
            }
            all_files.insert(rid.0);
            if d == 1 {
                out.direct += 1;
                files.insert(rid.0);
            }
            out.dependents.push(dep);
            if let Some(e) = r.enclosing {
                let next = (rid.0, e);
                let mut next_chain = chain.clone();
                next_chain.push(display_name(index, next));
                note_entry(index, next, &chain, &mut out.entry_points);
                if visited.insert(next) {
                    queue.push_back((next, d + 1, next_chain));
                }
            }
        }
    }
    out.transitive = out.dependents.len();
    out.files = files.len();
    out.transitive_files = all_files.len();
    out.entry_points.sort();
    out.entry_points.dedup();
    out.risky_callees = risky_callees(index, file_id, start, end, depth);
    out
}

fn note_entry(index: &WorkspaceIndex, id: DefId, chain: &[String], out: &mut Vec<String>) {
    let Some((f, d)) = index.def(id) else { return };
    let via = if chain.is_empty() {
        String::new()
    } else {
        format!(" via {}", chain.join(" → "))
    };
    let name = display_name(index, id);
    match &d.entry {
        Some(Entry::Main) => out.push(format!("`{name}` (main){via}")),
        Some(Entry::HttpHandler) => out.push(format!("`{name}` (HTTP handler){via}")),
        // A language that says so itself (a Terraform module's outputs).
        Some(Entry::PublicApi) => out.push(format!("`{name}` (public interface){via}")),
        None => {
            let crates = index.crates();
            let is_lib = crates
                .get(f.crate_id)
                .is_some_and(|c| c.is_lib && f.path.starts_with(c.dir.join("src")));
            if d.is_pub
                && is_lib
                && matches!(d.kind, DefKind::Function | DefKind::Method)
                && !f.path.ends_with("main.rs")
            {
                out.push(format!("`{name}` (public API){via}"));
            }
        }
    }
}

/// Risky operations in the functions the region calls, and in what they call, up to `depth`.
fn risky_callees(
    index: &WorkspaceIndex,
    file_id: usize,
    start: usize,
    end: usize,
    depth: usize,
) -> Vec<RiskyCallee> {
    let Some(file) = index.file(file_id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut visited: HashSet<DefId> = HashSet::new();
    let mut queue: VecDeque<(DefId, usize, Vec<String>)> = VecDeque::new();
    for r in file
        .refs
        .iter()
        .filter(|r| start <= r.start && r.start < end)
    {
        let (certainty, defs) = index.resolve(&file, r);
        if certainty == Certainty::Ambiguous {
            continue;
        }
        for d in defs {
            // Calls into the region itself are not reached *through* anything.
            if d.0 == file_id
                && index
                    .def(d)
                    .is_some_and(|(_, def)| start <= def.start && def.end <= end)
            {
                continue;
            }
            if visited.insert(d) {
                queue.push_back((d, 1, vec![display_name(index, d)]));
            }
        }
    }
    while let Some((def, d, via)) = queue.pop_front() {
        let Some((f, _)) = index.def(def) else {
            continue;
        };
        for risky in f.risky.iter().filter(|x| x.enclosing == Some(def.1)) {
            out.push(RiskyCallee {
                rule: risky.rule.clone(),
                severity: risky.severity,
                file: f.path.clone(),
                line: risky.line,
                col: risky.col,
                via: via.clone(),
            });
        }
        if d >= depth {
            continue;
        }
        let Some((_, def_info)) = index.def(def) else {
            continue;
        };
        for r in f
            .refs
            .iter()
            .filter(|r| def_info.start <= r.start && r.start < def_info.end)
        {
            let (certainty, defs) = index.resolve(&f, r);
            if certainty == Certainty::Ambiguous {
                continue;
            }
            for next in defs {
                if visited.insert(next) {
                    let mut v = via.clone();
                    v.push(display_name(index, next));
                    queue.push_back((next, d + 1, v));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
