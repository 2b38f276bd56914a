//! One file as aigis tracks it: its text and tree, its AI regions with their authors, its review
//! events, and the findings of the last analysis. The language server keeps one per open
//! document; `scan` and `review` build one per file from disk.

use std::collections::HashMap;
use std::path::Path;

use crate::analysis::{self, Finding};
use crate::document::{Document, PositionEncoding};
use crate::identity::Identity;
use crate::language::Language;
use crate::ledger::{self, LedgerWarning, ReviewEvent};
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
    /// What the regions looked like when last written to the ledger.
    persisted: Option<Vec<(String, usize, usize, bool)>>,
}

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
            persisted: None,
        };
        if let (Some(ws), Some(rel)) = (ws, file.rel.clone()) {
            if let Ok((Some(snapshot), w)) = ws.ledger.snapshot(&rel) {
                warnings.extend(w);
                let (placed, _retired) = ledger::anchor(&snapshot.regions, text);
                for (region, author) in placed {
                    if let Some(a) = author {
                        file.authors.insert(region.id.clone(), a);
                    }
                    file.regions.add(region);
                }
                file.persisted = Some(file.signature());
            }
            file.reload_reviews(ws, warnings);
        }
        file
    }

    pub fn reload_reviews(&mut self, ws: &Workspace, warnings: &mut Vec<LedgerWarning>) {
        if let Some(rel) = &self.rel {
            if let Ok((events, w)) = ws.ledger.reviews(rel) {
                self.events = events;
                warnings.extend(w);
            }
        }
    }

    /// Re-runs the risky-operation analysis. With no AI region and audit mode off there is
    /// nothing to report, so the query pass is skipped.
    pub fn analyze(&mut self, ws: Option<&Workspace>, audit: bool, path: Option<&Path>) {
        self.findings.clear();
        if self.regions.is_empty() && !audit {
            return;
        }
        let (Some(lang), Some(tree)) = (self.doc.language(), self.doc.tree()) else {
            return;
        };
        let found = analysis::analyze(lang, tree, self.doc.text(), path);
        self.findings = match ws {
            Some(ws) => ws.enabled(found),
            None => found,
        };
    }

    pub fn assessments(&self, ws: Option<&Workspace>) -> Vec<Assessment> {
        let regions: Vec<Region> = self.regions.iter().cloned().collect();
        match ws {
            Some(ws) => ws.assess(
                self.rel.as_deref(),
                self.doc.text(),
                &self.findings,
                &regions,
                &self.authors,
                &self.events,
            ),
            None => {
                let ws = Workspace::with_config(Path::new("/"), Default::default());
                ws.assess(
                    None,
                    self.doc.text(),
                    &self.findings,
                    &regions,
                    &self.authors,
                    &[],
                )
            }
        }
    }

    fn signature(&self) -> Vec<(String, usize, usize, bool)> {
        self.regions
            .iter()
            .map(|r| (r.id.clone(), r.start, r.end, r.modified))
            .collect()
    }

    /// Writes the regions to the ledger if they changed since the last write.
    pub fn persist(&mut self, ws: &Workspace) -> Result<(), ledger::LedgerError> {
        let Some(rel) = &self.rel else { return Ok(()) };
        let sig = self.signature();
        let unchanged = match &self.persisted {
            Some(p) => *p == sig,
            None => sig.is_empty(),
        };
        if unchanged {
            return Ok(());
        }
        let regions: Vec<Region> = self.regions.iter().cloned().collect();
        let authors = &self.authors;
        ws.ledger
            .write_snapshot(rel, self.doc.text(), &regions, &|r| {
                authors.get(&r.id).cloned()
            })?;
        self.persisted = Some(sig);
        Ok(())
    }
}
