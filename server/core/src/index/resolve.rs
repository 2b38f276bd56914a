//! Resolution: the definitions a reference may mean, and how sure that is. A question that
//! follows many definitions (a blast radius) asks through a [`Resolver`], which resolves each
//! reference once and gathers each name's candidates once: the radius of ten definitions of
//! `new` read every `new` reference of the workspace ten times, and looked each candidate's
//! file up again for every reference and every reading of it.

use super::*;

/// A definition a reference may mean, with its file's table.
type Candidate = (DefId, Arc<FileSymbols>);

/// Whether a reference of `kind` can mean definition `d` at all.
fn admits(kind: RefKind, d: &Def) -> bool {
    match kind {
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
    }
}

/// The name a reference is looked up by: its own, or the one an import aliases.
fn lookup_name<'a>(f: &'a FileSymbols, r: &'a Ref) -> &'a str {
    alias_target(f, r).unwrap_or(&r.name)
}

impl WorkspaceIndex {
    /// Every definition that reference `r` of file `f` may mean, and how sure that is.
    pub fn resolve(&self, f: &FileSymbols, r: &Ref) -> (Certainty, Vec<DefId>) {
        self.resolve_with(f, r, |name, kind| Arc::new(self.candidates(name, kind)))
    }

    /// As [`Self::resolve`], with the candidates of a name and kind from `candidates` (a
    /// [`Resolver`] keeps them for its question).
    fn resolve_with(
        &self,
        f: &FileSymbols,
        r: &Ref,
        candidates: impl FnOnce(&str, RefKind) -> Arc<Vec<Candidate>>,
    ) -> (Certainty, Vec<DefId>) {
        if r.shadowed {
            return (Certainty::Exact, Vec::new());
        }
        let candidates = candidates(lookup_name(f, r), r.kind);
        self.resolve_among(f, r, &candidates)
    }

    /// References whose name is `def`'s, resolved: those that mean it.
    pub fn references_to(&self, def: DefId) -> Vec<(RefId, Certainty)> {
        Resolver::new(self).references_to(def)
    }

    /// The definitions named `name` that a reference of `kind` may mean (their files parsed
    /// now if they were owed).
    fn candidates(&self, name: &str, kind: RefKind) -> Vec<Candidate> {
        self.ensure_name(name);
        let ids = self
            .defs_by_name
            .get(name)
            .map(|v| v.clone())
            .unwrap_or_default();
        ids.into_iter()
            .filter_map(|id| {
                let table = self.file(id.0)?;
                let fits = table.defs.get(id.1).is_some_and(|d| admits(kind, d));
                fits.then_some((id, table))
            })
            .collect()
    }

    /// Which of `candidates` (the definitions `r`'s name and kind admit) `r` means.
    fn resolve_among(
        &self,
        f: &FileSymbols,
        r: &Ref,
        candidates: &[Candidate],
    ) -> (Certainty, Vec<DefId>) {
        if candidates.is_empty() {
            return (Certainty::Exact, Vec::new());
        }
        let crates = self.crates();
        // A candidate's project and definition, read in place (no copy of the definition).
        let target = |k: &&Candidate, pred: &dyn Fn(usize, &Def) -> bool| {
            let (id, table) = k;
            table
                .defs
                .get(id.1)
                .is_some_and(|d| pred(table.crate_id, d))
        };
        // Methods: by the receiver's type when the code says it.
        if r.kind == RefKind::Method {
            if let Some(ty) = &r.receiver_type {
                let hits: Vec<DefId> = candidates
                    .iter()
                    .filter(|k| target(k, &|_, d| d.impl_type.as_deref() == Some(ty.as_str())))
                    .map(|k| k.0)
                    .collect();
                return (Certainty::Exact, hits);
            }
            return by_count(candidates.iter().map(|k| k.0).collect());
        }
        // A qualified path, or a name brought in by `use`: resolve it to a module path.
        // Relative to the module first, then from the project's root (`from app.ops import x`
        // in Python): the first reading that names a definition wins.
        let readings: Vec<(usize, Vec<String>)> = if !r.qualifier.is_empty() {
            [false, true]
                .iter()
                .filter_map(|&rooted| resolve_path_from(f, &r.qualifier, &crates, rooted))
                .collect()
        } else {
            f.imports
                .get(&r.name)
                .map(|p| {
                    [false, true]
                        .iter()
                        .filter_map(|&rooted| {
                            let head = &p[..p.len().saturating_sub(1)];
                            let (c, mut segs) = resolve_path_from(f, head, &crates, rooted)?;
                            segs.push(p.last()?.clone());
                            Some((c, segs))
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let resolved = !readings.is_empty();
        for (crate_id, segs) in readings {
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
                .filter(|k| {
                    target(k, &|c, d| {
                        d.name == name
                            && c == crate_id
                            && (d.module == qual
                                || (d.impl_type.is_some()
                                    && qual.last() == d.impl_type.as_ref()
                                    && d.module == qual[..qual.len() - 1]))
                    })
                })
                .map(|k| k.0)
                .collect();
            if !hits.is_empty() {
                return (Certainty::Exact, hits);
            }
            // A module that passes the name on (`export { f } from "./ops"`, `from .ops import f`
            // in a package's `__init__.py`, `pub use`).
            let ids: Vec<DefId> = candidates.iter().map(|k| k.0).collect();
            let hits = self.through_reexports(crate_id, &qual, &name, &ids, &crates, 3);
            if !hits.is_empty() {
                return (Certainty::Exact, hits);
            }
            // A type's associated function where the type lives in another module than its impl.
            if let Some(ty) = qual.last() {
                let hits: Vec<DefId> = candidates
                    .iter()
                    .filter(|k| {
                        target(k, &|c, d| c == crate_id && d.impl_type.as_ref() == Some(ty))
                    })
                    .map(|k| k.0)
                    .collect();
                if !hits.is_empty() {
                    return (Certainty::Exact, hits);
                }
            }
        }
        if resolved {
            return (Certainty::Exact, Vec::new());
        }
        if !r.qualifier.is_empty() {
            // `Self::f` / an unresolvable qualifier (another crate, std): a type by its name.
            let ty = r.qualifier.last().cloned().unwrap_or_default();
            let hits: Vec<DefId> = candidates
                .iter()
                .filter(|k| target(k, &|_, d| d.impl_type.as_ref() == Some(&ty)))
                .map(|k| k.0)
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
            .filter(|k| {
                target(k, &|c, d| {
                    c == f.crate_id && d.module == f.module && d.impl_type.is_none()
                })
            })
            .map(|k| k.0)
            .collect();
        if !here.is_empty() {
            return (Certainty::Exact, here);
        }
        for g in &f.globs {
            if let Some((c, segs)) = resolve_path(f, g, &crates) {
                let hits: Vec<DefId> = candidates
                    .iter()
                    .filter(|k| {
                        target(k, &|tc, d| {
                            tc == c && d.module == segs && d.impl_type.is_none()
                        })
                    })
                    .map(|k| k.0)
                    .collect();
                if !hits.is_empty() {
                    return (Certainty::Exact, hits);
                }
            }
        }
        let free: Vec<DefId> = candidates
            .iter()
            .filter(|k| target(k, &|_, d| d.impl_type.is_none()))
            .map(|k| k.0)
            .collect();
        by_count(free)
    }
}

/// One question's resolutions: every reference resolved at most once, every name's candidates
/// gathered at most once. It holds what the index said when it was asked; a question is short,
/// and an edit meanwhile is the next question's.
pub struct Resolver<'a> {
    index: &'a WorkspaceIndex,
    candidates: HashMap<(String, RefKind), Arc<Vec<Candidate>>>,
    resolved: HashMap<RefId, (Certainty, Vec<DefId>)>,
}

impl<'a> Resolver<'a> {
    pub fn new(index: &'a WorkspaceIndex) -> Self {
        Resolver {
            index,
            candidates: HashMap::new(),
            resolved: HashMap::new(),
        }
    }

    /// As [`WorkspaceIndex::resolve`] for reference `rid` (which is `r` of file `f`).
    pub fn resolve(&mut self, rid: RefId, f: &FileSymbols, r: &Ref) -> &(Certainty, Vec<DefId>) {
        if !self.resolved.contains_key(&rid) {
            let index = self.index;
            let kept = &mut self.candidates;
            let answer = index.resolve_with(f, r, |name, kind| {
                kept.entry((name.to_string(), kind))
                    .or_insert_with(|| Arc::new(index.candidates(name, kind)))
                    .clone()
            });
            self.resolved.insert(rid, answer);
        }
        &self.resolved[&rid]
    }

    /// As [`WorkspaceIndex::references_to`].
    pub fn references_to(&mut self, def: DefId) -> Vec<(RefId, Certainty)> {
        let Some((_, d)) = self.index.def(def) else {
            return Vec::new();
        };
        self.index.ensure_name(&d.name);
        let refs = self
            .index
            .refs_by_name
            .get(&d.name)
            .map(|v| v.clone())
            .unwrap_or_default();
        refs.into_iter()
            .filter_map(|rid| {
                let f = self.index.file(rid.0)?;
                let r = f.refs.get(rid.1)?;
                let (certainty, defs) = self.resolve(rid, &f, r);
                defs.contains(&def).then_some((rid, *certainty))
            })
            .collect()
    }
}

fn by_count(c: Vec<DefId>) -> (Certainty, Vec<DefId>) {
    match c.len() {
        0 => (Certainty::Exact, c),
        1 => (Certainty::Name, c),
        _ => (Certainty::Ambiguous, c),
    }
}
