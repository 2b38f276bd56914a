//! Keeping a file's findings and blast radius up to date with its text: re-parsing (within a
//! keystroke's budget, or owed to the background), analysing the items an edit touched.

use std::collections::HashSet;
use std::path::Path;

use super::TrackedFile;
use crate::analysis;
use crate::document::{Parsed, Reparsed};
use crate::workspace::Workspace;

/// Bytes of items a keystroke's analysis reads under the document's lock (a few
/// milliseconds); more is analysed in the background ([`TrackedFile::analyze_within`]).
pub const KEYSTROKE_ANALYSIS_BYTES: usize = 16 * 1024;

impl TrackedFile {
    /// Re-parses after edits; parts whose syntax changed are analysed again.
    pub fn reparse(&mut self) {
        let changed = self.doc.reparse();
        self.dirty.extend(changed);
    }

    /// As [`TrackedFile::reparse`], within a budget of parser steps (a keystroke's:
    /// [`crate::document::KEYSTROKE_PARSE_STEPS`]). When the parse
    /// needs more (error recovery that runs through the rest of the file), the file is left
    /// stale: its findings are those of the last analysis, moved with the edits, until a
    /// [`crate::document::ParseJob`] run elsewhere is given to [`TrackedFile::install_parse`].
    /// True when stale.
    pub fn reparse_bounded(&mut self, steps: usize) -> bool {
        match self.doc.reparse_bounded(steps) {
            Reparsed::Done(changed) => {
                self.dirty.extend(changed);
                false
            }
            Reparsed::Deferred => true,
        }
    }

    /// Takes a background parse in (see [`TrackedFile::reparse_bounded`]); true while the file
    /// is still stale (the text moved on further than a keystroke's parse can catch up).
    pub fn install_parse(&mut self, parsed: Parsed, steps: usize) -> bool {
        if let Some(changed) = self.doc.install(parsed, steps) {
            self.dirty.extend(changed);
        }
        self.doc.is_stale()
    }

    /// Brings the findings up to date: the items edited since the last analysis, or the whole
    /// file when an edit touched imports or nothing was analysed yet. With no AI region and
    /// audit mode off there is nothing to report, so nothing is analysed.
    pub fn analyze(&mut self, ws: Option<&Workspace>, audit: bool, path: Option<&Path>) {
        self.analyze_within(ws, audit, path, usize::MAX);
    }

    /// As [`TrackedFile::analyze`], unless the analysis would read more than `budget` bytes of
    /// items (a keystroke whose error recovery re-parsed the rest of a file, or one that needs
    /// the whole file analysed again): then nothing is done and true is returned. The findings
    /// stay those of the last analysis, moved with the edits, until an [`AnalysisJob`] run
    /// elsewhere is given to [`TrackedFile::install_analysis`].
    pub fn analyze_within(
        &mut self,
        ws: Option<&Workspace>,
        audit: bool,
        path: Option<&Path>,
        budget: usize,
    ) -> bool {
        if self.regions.is_empty() && !audit {
            self.findings.clear();
            self.analysed = false;
            self.dirty.clear();
            return false;
        }
        if self.doc.is_stale() {
            // The findings moved with the edits; the parse that is owed analyses them.
            return false;
        }
        let (Some(lang), Some(tree)) = (self.doc.language(), self.doc.fresh_tree()) else {
            self.findings.clear();
            self.dirty.clear();
            return false;
        };
        let text = self.doc.text();
        // A large file with a syntax error: the file-level reads below (imports, module-level
        // bindings) walk whatever the error recovery left loose, up to the whole file (36 ms
        // in a 5,000-line Python file); the analysis is owed whole, and they run with it.
        let pending = !self.analysed || self.context_dirty || !self.dirty.is_empty();
        if pending && text.len() > budget && lang.model.is_none() && tree.root_node().has_error() {
            self.owe_whole();
            return true;
        }
        // The whole file is owed already and is larger than a keystroke's analysis: nothing
        // below is needed until the job has run, and most of it reads the whole file (the
        // imports, the file's items for every range edited since: 5 ms a keystroke typing on
        // in a 4,600-line `impl`).
        if self.context_dirty && text.len() > budget && lang.model.is_none() {
            self.owe_whole();
            return true;
        }
        // Read again only when an edit touched a line holding one (three Aho-Corasick passes
        // over the whole text on every keystroke otherwise).
        let (gates, counts) = if self.words_known {
            (self.gates.clone(), self.counts)
        } else {
            let gates = analysis::file_gates(lang, text);
            let counts = analysis::counts(lang, text, &gates);
            (gates, counts)
        };
        // An edit can change the imports without touching a `use` of the new tree: text that
        // becomes a string or a comment swallows one.
        let imports = analysis::file_imports(lang, tree, text);
        let incremental = self.analysed
            && !self.context_dirty
            && gates == self.gates
            && imports == self.imports
            && !analysis::touches_file_context_in(lang, tree, &self.dirty, Some(text));
        self.gates = gates;
        self.counts = counts;
        self.words_known = true;
        self.imports = imports;
        self.context_dirty = false;
        // The items to analyse again (found once: their size decides whether it is done here).
        let items = (incremental && lang.model.is_none())
            .then(|| analysis::covering_items(tree, &self.dirty));
        if lang.model.is_none() {
            let size = items
                .as_ref()
                .map_or(text.len(), |items| items.iter().map(|r| r.len()).sum());
            if size > budget {
                // Owed, as the whole file (`context_dirty` tells the job): the keystrokes that
                // follow until it has run add to it without looking (see above). Items this
                // large are most of a file.
                self.owe_whole();
                return true;
            }
        }
        // A document (Terraform, YAML) is read whole, and compared with its committed text.
        let found = if let Some(items) = items {
            if self.dirty.is_empty() {
                return false;
            }
            self.findings
                .retain(|f| !items.iter().any(|r| f.start < r.end && r.start <= f.start));
            analysis::analyze_items(lang, tree, text, path, &items, &self.gates, self.counts)
        } else {
            self.findings.clear();
            let committed = self.committed.doc(ws, self.rel.as_deref(), lang);
            match lang.model {
                Some(_) => crate::models::findings_against(lang, tree, text, committed),
                None => analysis::analyze(lang, tree, text, path),
            }
        };
        let found = match ws {
            Some(ws) => ws.enabled(found),
            None => found,
        };
        self.take_findings(found);
        false
    }

    /// The whole file's analysis is owed (`context_dirty` tells the job): which ranges were
    /// edited no longer matters.
    fn owe_whole(&mut self) {
        self.context_dirty = true;
        self.dirty.clear();
    }

    fn take_findings(&mut self, found: Vec<analysis::Finding>) {
        self.findings.extend(found);
        self.findings.sort_by_key(|f| (f.start, f.rule.clone()));
        self.findings
            .dedup_by(|a, b| a.start == b.start && a.rule == b.rule);
        self.analysed = true;
        self.dirty.clear();
    }

    /// The analysis [`TrackedFile::analyze_within`] owes, to run on another thread: the items
    /// edited since the last analysis, or the whole file.
    pub fn analysis_job(&self, path: Option<&Path>) -> Option<AnalysisJob> {
        let lang = self.doc.language().filter(|l| l.model.is_none())?;
        let tree = self.doc.fresh_tree()?.clone();
        let whole = !self.analysed || self.context_dirty;
        let items = (!whole).then(|| analysis::covering_items(&tree, &self.dirty));
        Some(AnalysisJob {
            lang,
            tree,
            text: self.doc.text().to_string(),
            path: path.map(Path::to_path_buf),
            items,
            edits: self.doc.edit_count(),
        })
    }

    /// Takes a finished [`AnalysisJob`] in, unless the text changed since it was made (then
    /// the analysis is still owed). True when taken.
    pub fn install_analysis(&mut self, done: AnalysisDone, ws: Option<&Workspace>) -> bool {
        if done.edits != self.doc.edit_count() || self.doc.is_stale() {
            return false;
        }
        match &done.items {
            Some(items) => self
                .findings
                .retain(|f| !items.iter().any(|r| f.start < r.end && r.start <= f.start)),
            None => self.findings.clear(),
        }
        let found = match ws {
            Some(ws) => ws.enabled(done.found),
            None => done.found,
        };
        if let Some((gates, imports)) = done.context {
            self.gates = gates;
            self.imports = imports;
        }
        self.context_dirty = false;
        self.take_findings(found);
        true
    }
}

/// An analysis owed by a keystroke ([`TrackedFile::analyze_within`]): the text and tree of one
/// version, and what of it to analyse.
pub struct AnalysisJob {
    lang: &'static crate::language::Language,
    tree: crate::parse::Tree,
    text: String,
    path: Option<std::path::PathBuf>,
    /// The items to analyse again; `None`: the whole file.
    items: Option<Vec<std::ops::Range<usize>>>,
    edits: u64,
}

/// A finished [`AnalysisJob`], for [`TrackedFile::install_analysis`].
pub struct AnalysisDone {
    found: Vec<analysis::Finding>,
    /// Of a whole-file analysis: the gating crates and file-level imports it read.
    context: Option<(Vec<String>, Vec<String>)>,
    items: Option<Vec<std::ops::Range<usize>>>,
    edits: u64,
}

impl AnalysisJob {
    /// The document's edit count this job is of.
    pub fn edits(&self) -> u64 {
        self.edits
    }

    /// As [`AnalysisJob::run`], told to stop (and giving nothing) as soon as `stop` says so.
    pub fn run_unless(self, stop: impl Fn() -> bool + 'static) -> Option<AnalysisDone> {
        analysis::stop::unless(stop, || self.run())
    }

    pub fn run(self) -> AnalysisDone {
        let path = self.path.as_deref();
        let (found, context) = match &self.items {
            Some(items) => (
                analysis::analyze_ranges(self.lang, &self.tree, &self.text, path, Some(items)),
                None,
            ),
            None => {
                let found = analysis::analyze(self.lang, &self.tree, &self.text, path);
                // The file-level reads walk what a syntax error left loose (tens of ms in a
                // large file): not when the job is told to stop.
                let context = (!analysis::stop::asked()).then(|| {
                    (
                        analysis::file_gates(self.lang, &self.text),
                        analysis::file_imports(self.lang, &self.tree, &self.text),
                    )
                });
                (found, context)
            }
        };
        AnalysisDone {
            found,
            context,
            items: self.items,
            edits: self.edits,
        }
    }
}

impl TrackedFile {
    /// The regions whose blast radius is out of date (the index changed, or the definitions a
    /// region stands for did), to compute away from the document: in a large workspace a
    /// region of thousands of definitions takes a good part of a second. Regions gone are
    /// dropped here; a region being typed in keeps its radius (same index, same definitions).
    pub fn blast_requests(
        &mut self,
        index: &crate::index::WorkspaceIndex,
        path: Option<&Path>,
    ) -> Option<BlastRequest> {
        // The file's table as the index has it, not parsed here (this runs under the
        // document's lock): a file the index owes its symbols is asked of in the background.
        let Some((id, file)) = path
            .and_then(|p| index.file_id(p))
            .map(|id| (id, index.table(id)))
            .filter(|(id, file)| file.is_some() || index.owes(*id))
        else {
            self.blast.clear();
            return None;
        };
        let generation = index.generation();
        let ids: HashSet<String> = self.regions.iter().map(|r| r.id.clone()).collect();
        self.blast.retain(|k, _| ids.contains(k));
        let regions: Vec<_> = self
            .regions
            .iter()
            .filter_map(|r| {
                let Some(file) = &file else {
                    return Some((r.id.clone(), r.start, r.end, None));
                };
                let roots = crate::blast::region_roots(file, id, r.start, r.end);
                let fresh = self
                    .blast
                    .get(&r.id)
                    .is_some_and(|(g, was, _)| *g == generation && *was == roots);
                (!fresh).then(|| (r.id.clone(), r.start, r.end, Some(roots)))
            })
            .collect();
        (!regions.is_empty()).then_some(BlastRequest {
            file_id: id,
            generation,
            regions,
        })
    }

    /// Takes computed blast radii in (those of regions that still exist); true when one of them
    /// differs from what the region had (else there is nothing new to show).
    pub fn install_blast(&mut self, done: BlastDone) -> bool {
        let mut changed = false;
        for (region, roots, b) in done.0 {
            if self.regions.iter().any(|r| r.id == region) {
                changed |= self.blast.get(&region).is_none_or(|(_, _, old)| **old != b);
                self.blast
                    .insert(region, (done.1, roots, std::sync::Arc::new(b)));
            }
        }
        changed
    }

    pub fn blast_of(&self, region_id: &str) -> Option<&crate::blast::BlastRadius> {
        self.blast.get(region_id).map(|(_, _, b)| &**b)
    }
}

/// The blast radii a file owes ([`TrackedFile::blast_requests`]).
pub struct BlastRequest {
    file_id: usize,
    generation: u64,
    /// Each region's id and bytes, and the definitions it stood for when asked (unknown while
    /// the index owed the file its table).
    regions: Vec<(String, usize, usize, Option<Vec<crate::index::DefId>>)>,
}

/// Computed blast radii, for [`TrackedFile::install_blast`].
pub struct BlastDone(
    Vec<(String, Vec<crate::index::DefId>, crate::blast::BlastRadius)>,
    u64,
);

impl BlastRequest {
    /// What to install when the computation failed: no radius, until the index changes (so a
    /// failure is not retried on every keystroke).
    pub fn failed(&self) -> BlastDone {
        let none = self
            .regions
            .iter()
            .map(|(region, _, _, roots)| {
                (
                    region.clone(),
                    roots.clone().unwrap_or_default(),
                    Default::default(),
                )
            })
            .collect();
        BlastDone(none, self.generation)
    }

    /// The radii, with the definitions each region stands for (from the file's table as the
    /// index has it now: parsed here if it was owed).
    pub fn compute(self, index: &crate::index::WorkspaceIndex, depth: usize) -> BlastDone {
        let file = index.file(self.file_id);
        let radii = self
            .regions
            .into_iter()
            .map(|(region, start, end, _)| {
                let roots = file.as_ref().map_or_else(Vec::new, |f| {
                    crate::blast::region_roots(f, self.file_id, start, end)
                });
                let b = crate::blast::blast_radius(index, self.file_id, start, end, depth);
                (region, roots, b)
            })
            .collect();
        BlastDone(radii, self.generation)
    }
}
