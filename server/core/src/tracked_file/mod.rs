//! One file as aigis tracks it: its text and tree, its AI regions with their authors, its review
//! events, and the findings of the last analysis. The language server keeps one per open
//! document; `scan` and `review` build one per file from disk.

mod committed;
mod findings;
mod judged;
pub use findings::{AnalysisDone, AnalysisJob, BlastDone, BlastRequest, KEYSTROKE_ANALYSIS_BYTES};
pub use judged::{Judged, Span};

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use crate::analysis::{self, Finding};
use crate::document::{ByteEdit, Document, LineCol, PositionEncoding};
use crate::identity::Identity;
use crate::language::Language;
use crate::ledger::{self, LedgerWarning, ReviewEvent};
use crate::linemap;
use crate::regions::{Region, RegionSet};
use crate::workspace::{Assessment, Workspace};

pub struct TrackedFile {
    pub doc: Document,
    /// Workspace-relative path; `None` for files outside the workspace (kept in memory only).
    pub rel: Option<String>,
    pub regions: RegionSet,
    pub authors: HashMap<String, Identity>,
    pub events: Vec<ReviewEvent>,
    pub findings: Vec<Finding>,
    /// Text the user typed (not an AI), kept as spans that follow edits like regions do.
    pub human: RegionSet,
    /// Every region id this file has seen: a region in the ledger with another id was written
    /// by someone else (an agent's hook) and is merged in, never overwritten.
    known_ids: HashSet<String>,
    /// What the regions looked like when last written to the ledger.
    persisted: Option<Vec<(String, usize, usize, bool)>>,
    /// `findings` cover the whole file as it is, except `dirty` (byte ranges edited since).
    analysed: bool,
    dirty: Vec<Range<usize>>,
    /// An edit touched imports or modules: the next analysis covers the whole file.
    context_dirty: bool,
    /// The gating crates the file named at the last analysis.
    gates: Vec<String>,
    /// Whether a rule's trigger word that counts (its gate named) is in the file.
    counts: bool,
    /// `gates` and `counts` are those of the text as it is: no edit since they were read
    /// touched a line holding a gate's name or a trigger word, before or after it.
    words_known: bool,
    /// The file-level imports the last analysis saw (`analysis::file_imports`).
    imports: Vec<String>,
    /// Blast radius per region id, with the index generation and region range it was for.
    /// Each region's blast radius, with the index generation and the definitions it was
    /// computed from: typing inside a region changes neither, so it is not computed again.
    blast: HashMap<
        String,
        (
            u64,
            Vec<crate::index::DefId>,
            std::sync::Arc<crate::blast::BlastRadius>,
        ),
    >,
    /// AI text recently deleted, with its regions (offsets into that text): when the same text
    /// comes back in one insert (undo, or cut and paste), so do its regions.
    deleted: std::collections::VecDeque<(String, Vec<Region>)>,
    /// The last edit was not text a person typed: it brought deleted AI text back (an undo) or
    /// was mapped line by line (a reload, a formatter).
    restored: bool,
    /// The committed text, for the comparison findings of files with a model (Terraform).
    committed: committed::Committed,
    /// Verdicts, hashes and positions a keystroke reuses (`judged`).
    judgements: judged::Judgements,
}

/// How many deletions of AI text are remembered for undo.
const REMEMBER_DELETED: usize = 16;

impl TrackedFile {
    /// Opens a file and attaches the regions and reviews the ledger has for it.
    pub fn load(
        ws: Option<&Workspace>,
        rel: Option<String>,
        text: &str,
        version: i32,
        encoding: PositionEncoding,
        language: Option<&'static Language>,
        warnings: &mut Vec<LedgerWarning>,
    ) -> TrackedFile {
        let mut file = TrackedFile {
            doc: Document::new(text, version, encoding, language),
            rel,
            regions: RegionSet::default(),
            authors: HashMap::new(),
            events: Vec::new(),
            findings: Vec::new(),
            human: RegionSet::default(),
            known_ids: HashSet::new(),
            persisted: None,
            analysed: false,
            dirty: Vec::new(),
            context_dirty: false,
            gates: Vec::new(),
            counts: false,
            words_known: false,
            imports: Vec::new(),
            blast: HashMap::new(),
            deleted: Default::default(),
            restored: false,
            committed: Default::default(),
            judgements: Default::default(),
        };
        if let (Some(ws), Some(rel)) = (ws, file.rel.clone()) {
            match ws.ledger.state(&rel, text) {
                Ok((state, w)) => {
                    warnings.extend(w);
                    file.merge_ledger(state);
                    file.persisted = Some(file.signature());
                }
                Err(e) => warnings.push(LedgerWarning {
                    path: ws.ledger.dir().to_path_buf(),
                    line: 0,
                    reason: e.to_string(),
                }),
            }
            file.reload_reviews(ws, warnings);
        }
        file
    }

    /// Takes in what the ledger holds that this file has not seen (regions written by others);
    /// true when something was added.
    pub fn merge_ledger(&mut self, state: ledger::FileState) -> bool {
        let mut added = false;
        for p in state.regions {
            if self.known_ids.insert(p.region.id.clone()) {
                if let Some(a) = p.author {
                    self.authors.insert(p.region.id.clone(), a);
                }
                self.regions.add(p.region);
                added = true;
            }
        }
        for (s, e) in state.human {
            if self.human.iter().all(|h| !h.overlaps(s, e)) {
                self.human.add(human_span(s, e));
            }
        }
        if added {
            self.analysed = false;
        }
        added
    }

    /// Reads the ledger again (an agent may have recorded regions); true when regions changed.
    pub fn refresh_from_ledger(&mut self, ws: &Workspace) -> bool {
        let Some(rel) = self.rel.clone() else {
            return false;
        };
        match ws.ledger.state(&rel, self.doc.text()) {
            Ok((state, _)) => self.merge_ledger(state),
            Err(_) => false,
        }
    }

    /// Lays history's AI regions beneath the exact ones; replaces earlier history regions.
    pub fn set_history(&mut self, regions: Vec<Region>) {
        let old: Vec<String> = self
            .regions
            .iter()
            .filter(|r| r.source.is_derived())
            .map(|r| r.id.clone())
            .collect();
        for id in old {
            self.regions.remove(&id);
        }
        for r in regions {
            self.regions.add_beneath(r);
        }
        self.analysed = false;
    }

    /// Records text the user typed as known-human (inside AI regions too: that is how a line a
    /// person retyped is told apart from one they touched), and takes out of AI regions each line
    /// the edit touched whose text is now all typed by a person (the region splits if needed).
    /// A line partly edited stays in its region, marked modified.
    pub fn note_typed(&mut self, start: usize, end: usize) {
        self.note_human(start, end);
        if self.regions.is_empty() {
            return;
        }
        let text = self.doc.text();
        let line_start = |l: usize| {
            self.doc.offset_of(LineCol {
                line: l as u32,
                character: 0,
            })
        };
        let mut carve = Vec::new();
        for line in self.doc.line_of(start)..=self.doc.line_of(end) {
            let (ls, le) = (line_start(line), line_start(line + 1));
            if ls >= le || !self.regions.iter().any(|r| r.overlaps(ls, le)) {
                continue;
            }
            let mut any = false;
            let all_typed = text[ls..le]
                .char_indices()
                .filter(|(_, c)| !c.is_whitespace())
                .all(|(i, _)| {
                    any = true;
                    self.human.at(ls + i).is_some()
                });
            if any && all_typed {
                carve.push((ls, le));
            }
        }
        // Findings cover the whole file whoever wrote it; which region holds them is decided
        // when they are assessed, so carving needs no new analysis.
        for (s, e) in carve {
            self.regions.clear_range(s, e);
        }
        // A carved line deleted again (or emptied) leaves its region one piece again.
        let (from, to) = (
            line_start(self.doc.line_of(start)),
            line_start(self.doc.line_of(end) + 1),
        );
        self.regions.rejoin(text, from, to);
    }

    /// Records text the user typed as known-human.
    pub fn note_human(&mut self, start: usize, end: usize) {
        if start >= end {
            return;
        }
        // Merge with a span it touches, so typing a word does not make a span per letter.
        let touching: Vec<(usize, usize)> = self
            .human
            .iter()
            .filter(|h| h.start <= end && start <= h.end)
            .map(|h| (h.start, h.end))
            .collect();
        let (s, e) = touching
            .iter()
            .fold((start, end), |(s, e), (a, b)| (s.min(*a), e.max(*b)));
        self.human.clear_range(s, e);
        self.human.add(human_span(s, e));
    }

    pub fn reload_reviews(&mut self, ws: &Workspace, warnings: &mut Vec<LedgerWarning>) {
        if let Some(rel) = &self.rel {
            if let Ok((events, w)) = ws.ledger.reviews(rel) {
                self.events = events;
                warnings.extend(w);
            }
        }
    }

    /// Applies one client edit to the text, the regions and the last findings (which move with
    /// the text, except those the edit touched: their item is analysed again).
    pub fn apply_change(&mut self, range: Option<(LineCol, LineCol)>, text: &str) -> ByteEdit {
        if let (Some(lang), Some(tree)) = (self.doc.language(), self.doc.tree()) {
            let (s, e) = match range {
                Some((a, b)) => (self.doc.offset_of(a), self.doc.offset_of(b)),
                None => (0, self.doc.len_bytes()),
            };
            if analysis::touches_file_context_in(
                lang,
                tree,
                std::slice::from_ref(&(s.min(e)..s.max(e))),
                Some(self.doc.text()),
            ) {
                self.context_dirty = true;
            }
        }
        // The whole text replaced (a reload, a checkout, a formatter, a full-sync client), or a
        // multi-line replacement across AI text (a formatter's edit): regions follow the lines
        // that carry their text (`linemap`), instead of being dropped or stretched.
        let span = range.map(|(a, b)| {
            let (a, b) = (self.doc.offset_of(a), self.doc.offset_of(b));
            (a.min(b), a.max(b))
        });
        let large = match span {
            None => !self.regions.is_empty() || !self.human.is_empty(),
            Some((s, e)) => {
                is_line_block_rewrite(self.doc.text(), s, e, text)
                    && self.regions.iter().any(|r| r.overlaps(s, e))
            }
        };
        if large {
            self.words_known = false;
            let old = self.doc.text().to_string();
            let edit = self.doc.apply_change(range, text);
            let bounds = span.map(|_| (edit.start, edit.old_end, edit.new_end));
            let new = self.doc.text();
            let moved = linemap::remap(
                &old,
                new,
                bounds,
                &self.regions.iter().cloned().collect::<Vec<_>>(),
            );
            // Known-human spans survive only where their text is unchanged: a span widened to a
            // reformatted line could later make an AI line look typed by a person.
            let before: Vec<Region> = self.human.iter().cloned().collect();
            let human: Vec<Region> = linemap::remap(&old, new, bounds, &before)
                .into_iter()
                .filter(|h| {
                    before
                        .iter()
                        .any(|b| b.id == h.id && old.get(b.start..b.end) == new.get(h.start..h.end))
                })
                .collect();
            self.regions = RegionSet::default();
            for r in moved {
                self.regions.add(r);
            }
            self.human = RegionSet::default();
            for h in human {
                self.human.add(h);
            }
            self.findings.clear();
            self.judgements.forget_text();
            self.analysed = false;
            self.restored = true;
            return edit;
        }
        // AI text this edit deletes is remembered with its regions, for an undo.
        if let Some((s, e)) = span.filter(|(s, e)| s < e) {
            let gone: Vec<Region> = self
                .regions
                .iter()
                .filter(|r| {
                    s <= r.start && r.end <= e && r.source != crate::regions::Source::Heuristic
                })
                .map(|r| Region {
                    start: r.start - s,
                    end: r.end - s,
                    ..r.clone()
                })
                .collect();
            if !gone.is_empty() {
                self.deleted
                    .push_back((self.doc.text()[s..e].to_string(), gone));
                if self.deleted.len() > REMEMBER_DELETED {
                    self.deleted.pop_front();
                }
            }
        }
        // The gates and trigger words are whole words on one line (a line comment before one
        // on its line hides a gate): an edit can change what the file names only on the lines
        // it touches, before and after.
        let words_before = span.is_none_or(|(s, e)| self.lines_name_a_word(s, e));
        let old_end_line = span.map(|(_, e)| self.doc.line_of(e));
        let edit = self.doc.apply_change(range, text);
        match old_end_line {
            Some(line) => self
                .judgements
                .follow_edit(&edit, (line, self.doc.line_of(edit.new_end))),
            None => self.judgements.forget_text(),
        }
        if words_before || self.lines_name_a_word(edit.start, edit.new_end) {
            self.words_known = false;
        }
        self.regions.apply_edit(&edit);
        self.human.apply_edit(&edit);
        // The same text inserted again at once (undo, or a cut pasted elsewhere): its regions
        // come back with it, under their ids.
        self.restored = false;
        if !text.is_empty() {
            if let Some(i) = self.deleted.iter().rposition(|(t, _)| t == text) {
                let (_, back) = self.deleted.remove(i).expect("found");
                self.restored = true;
                for r in back {
                    if self.regions.get(&r.id).is_none() {
                        self.regions.add(Region {
                            start: edit.start + r.start,
                            end: edit.start + r.end,
                            ..r
                        });
                    }
                }
            }
        }
        let delta = edit.new_end as isize - edit.old_end as isize;
        let shift = |x: usize| (x as isize + delta) as usize;
        self.findings.retain_mut(|f| {
            if f.end < edit.start {
                true
            } else if f.start > edit.old_end {
                f.start = shift(f.start);
                f.end = shift(f.end);
                true
            } else {
                false
            }
        });
        for r in &mut self.dirty {
            if r.start > edit.old_end {
                *r = shift(r.start)..shift(r.end);
            } else if r.end >= edit.start {
                *r = r.start.min(edit.start)..shift(r.end.max(edit.old_end));
            }
        }
        self.dirty.push(edit.start..edit.new_end);
        edit
    }

    /// Whether the lines holding `[s, e)` name a gating crate or hold a rule's trigger word.
    fn lines_name_a_word(&self, s: usize, e: usize) -> bool {
        let Some(lang) = self.doc.language() else {
            return false;
        };
        let text = self.doc.text();
        let from = text[..s].rfind('\n').map_or(0, |i| i + 1);
        let to = text[e..].find('\n').map_or(text.len(), |i| e + i + 1);
        analysis::names_a_word(lang, &text[from..to])
    }

    /// True when the last edit was not typed by a person: it brought back deleted AI text with
    /// its regions (an undo), or its lines were mapped through a diff (a reload, a formatter).
    pub fn restored_ai_text(&self) -> bool {
        self.restored
    }

    pub fn assessments(&self, ws: Option<&Workspace>) -> Vec<Assessment> {
        let regions: Vec<Region> = self.regions.iter().cloned().collect();
        let blast: HashMap<String, std::sync::Arc<crate::blast::BlastRadius>> = self
            .blast
            .iter()
            .map(|(k, (_, _, b))| (k.clone(), b.clone()))
            .collect();
        match ws {
            Some(ws) => ws.assess(
                self.rel.as_deref(),
                self.doc.text(),
                &self.findings,
                &regions,
                &self.authors,
                &self.events,
                &blast,
            ),
            None => {
                let ws = Workspace::detached();
                ws.assess(
                    None,
                    self.doc.text(),
                    &self.findings,
                    &regions,
                    &self.authors,
                    &[],
                    &blast,
                )
            }
        }
    }

    fn signature(&self) -> Vec<(String, usize, usize, bool)> {
        self.regions
            .iter()
            .filter(|r| is_recorded(r))
            .map(|r| (r.id.clone(), r.start, r.end, r.modified))
            .collect()
    }

    /// Writes the regions to the ledger if they changed since the last write.
    pub fn persist(&mut self, ws: &Workspace) -> Result<(), ledger::LedgerError> {
        self.persist_with(ws, false)
    }

    /// Writes regions and known-human spans (on save, `with_human`) to the ledger, merging with
    /// what others recorded meanwhile.
    pub fn persist_with(
        &mut self,
        ws: &Workspace,
        with_human: bool,
    ) -> Result<(), ledger::LedgerError> {
        let Some(rel) = self.rel.clone() else {
            return Ok(());
        };
        let sig = self.signature();
        let unchanged = match &self.persisted {
            Some(p) => *p == sig,
            None => sig.is_empty(),
        };
        if unchanged && (!with_human || self.human.is_empty()) {
            return Ok(());
        }
        for r in self.regions.iter() {
            self.known_ids.insert(r.id.clone());
        }
        let mine: Vec<ledger::Placed> = self
            .regions
            .iter()
            .filter(|r| is_recorded(r))
            .map(|r| ledger::Placed {
                region: r.clone(),
                author: self.authors.get(&r.id).cloned(),
            })
            .collect();
        let human: Vec<(usize, usize)> = self.human.iter().map(|h| (h.start, h.end)).collect();
        let known = &self.known_ids;
        let result = ws.ledger.update(&rel, self.doc.text(), |current| {
            let mut regions = mine;
            for p in current.regions {
                if !known.contains(&p.region.id)
                    && !regions
                        .iter()
                        .any(|m| m.region.overlaps(p.region.start, p.region.end))
                {
                    regions.push(p);
                }
            }
            let mut all_human = if with_human { human } else { Vec::new() };
            for h in current.human {
                if !all_human.iter().any(|(s, e)| *s < h.1 && h.0 < *e) {
                    all_human.push(h);
                }
            }
            ledger::FileState {
                regions,
                human: all_human,
                retired: Vec::new(),
            }
        })?;
        self.merge_ledger(result);
        self.persisted = Some(self.signature());
        Ok(())
    }
}

/// Regions the ledger records: not history's (computed again each time) and not the burst
/// heuristic's guesses (hints until a person confirms them).
fn is_recorded(r: &Region) -> bool {
    !r.source.is_derived() && r.source != crate::regions::Source::Heuristic
}

/// An edit that replaces whole lines (two or more) with whole lines (two or more): what Neovim
/// sends for `:%!rustfmt` or a reload, and formatters for a block. Its lines are mapped through
/// `linemap`; smaller edits follow the per-character rules.
pub fn is_line_block_rewrite(text: &str, start: usize, end: usize, inserted: &str) -> bool {
    let at_line_start = |o: usize| o == 0 || text.as_bytes().get(o - 1) == Some(&b'\n');
    at_line_start(start)
        && (at_line_start(end) || end == text.len())
        && text[start..end].matches('\n').count() >= 2
        && inserted.matches('\n').count() >= 2
        && (inserted.ends_with('\n') || end == text.len())
}

fn human_span(start: usize, end: usize) -> Region {
    Region {
        id: format!("h-{start}"),
        start,
        end,
        provenance: Default::default(),
        source: crate::regions::Source::User,
        modified: false,
        created_at: String::new(),
    }
}

#[cfg(test)]
mod tests;
