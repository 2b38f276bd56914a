//! What a keystroke reuses of a file's assessment: each region's verdict (its tier and review,
//! as [`Workspace::judge`] gives them) while what it was judged from is unchanged, the hash of
//! a region's text until an edit touches it, and each finding's position in the client's
//! encoding, moved with the edits. A keystroke in a region of 500 findings then hashes,
//! clones and converts nothing it did not change ([`TrackedFile::judged`]); `assessments`
//! (scan, review, a read request) still builds everything afresh.

use std::collections::HashMap;
use std::sync::Arc;

use super::TrackedFile;
use crate::analysis::Finding;
use crate::blast::BlastRadius;
use crate::catalog::Severity;
use crate::document::{ByteEdit, LineCol};
use crate::identity::Identity;
use crate::ledger::{content_hash, ReviewEvent};
use crate::regions::Region;
use crate::workspace::{Verdict, Workspace};

/// A region as [`TrackedFile::judged`] gives it: borrowed from the file, nothing copied.
pub struct Judged<'a> {
    pub region: &'a Region,
    /// The findings inside it, in order.
    pub findings: &'a [Finding],
    /// Where each of `findings` is.
    pub spans: &'a [Span],
    pub verdict: &'a Verdict,
    pub author: Option<&'a Identity>,
    pub blast: Option<&'a Arc<BlastRadius>>,
}

/// A finding's range as line and character in the document's position encoding, for the
/// byte range it was computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: LineCol,
    pub to: LineCol,
    start: usize,
    end: usize,
}

/// What the verdicts, hashes and positions are kept in (see the module's comment).
#[derive(Default)]
pub(super) struct Judgements {
    /// One per region, in the regions' order (ids are not trusted to be unique: a ledger is
    /// hand-edited, and two regions that share one are judged each on its own).
    verdicts: Vec<(String, Judgement)>,
    /// Aligned with the file's findings once [`TrackedFile::judge`] has run; a span is taken
    /// only for the byte range it was computed for, so a finding added or dropped by a path
    /// that did not say so costs a conversion, never a wrong position.
    spans: Vec<Span>,
    /// Each region's text hash with the range it was computed for: an edit that touches
    /// the range drops it, one before it moves it.
    hashes: HashMap<String, (usize, usize, String)>,
}

/// A verdict and everything it was judged from, compared in full before it is reused.
struct Judgement {
    ws: u64,
    rel: Option<String>,
    heuristic: bool,
    /// The rule and severity of each finding inside (holding the rule keeps its address
    /// from being reused while it is compared by address).
    rules: Vec<(Arc<str>, Severity)>,
    author: Option<Identity>,
    events: Vec<ReviewEvent>,
    blast: Option<Arc<BlastRadius>>,
    /// The hash an approval was checked against (none without an approval).
    hash: Option<String>,
    verdict: Verdict,
}

impl Judgements {
    /// The text was replaced wholesale: no position or hash is known.
    pub(super) fn forget_text(&mut self) {
        self.spans.clear();
        self.hashes.clear();
    }

    /// Moves what is kept with one edit (`lines`: the line of the edit's old end before it,
    /// and of its new end after it), and drops what the edit touched.
    pub(super) fn follow_edit(&mut self, edit: &ByteEdit, lines: (usize, usize)) {
        let delta = edit.new_end as isize - edit.old_end as isize;
        let shift = |x: usize| (x as isize + delta) as usize;
        let line_delta = lines.1 as i64 - lines.0 as i64;
        self.spans.retain_mut(|s| {
            if s.end < edit.start {
                true
            } else if s.start > edit.old_end && s.from.line as usize > lines.0 {
                // On a later line than the edit's end: only its line moves.
                s.start = shift(s.start);
                s.end = shift(s.end);
                s.from.line = (s.from.line as i64 + line_delta) as u32;
                s.to.line = (s.to.line as i64 + line_delta) as u32;
                true
            } else {
                false
            }
        });
        self.hashes.retain(|_, (s, e, _)| {
            if *e < edit.start {
                true
            } else if *s > edit.old_end {
                *s = shift(*s);
                *e = shift(*e);
                true
            } else {
                false
            }
        });
    }
}

impl Judgement {
    #[allow(clippy::too_many_arguments)] // what a verdict is judged from
    fn holds_for(
        &self,
        ws: u64,
        rel: Option<&str>,
        region: &Region,
        inside: &[Finding],
        author: Option<&Identity>,
        events: &[ReviewEvent],
        blast: Option<&Arc<BlastRadius>>,
    ) -> bool {
        let mine = events.iter().filter(|e| e.region() == region.id);
        self.ws == ws
            && self.rel.as_deref() == rel
            && self.heuristic == (region.source == crate::regions::Source::Heuristic)
            && self.rules.len() == inside.len()
            && self
                .rules
                .iter()
                .zip(inside)
                .all(|((rule, sev), f)| *sev == f.severity && Arc::ptr_eq(rule, &f.rule))
            && self.author.as_ref() == author
            && match (&self.blast, blast) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
            && self.events.len() == mine.clone().count()
            && self.events.iter().zip(mine).all(|(a, b)| a == b)
    }
}

impl TrackedFile {
    /// Brings each region's verdict and each finding's position up to date (see the module's
    /// comment); [`TrackedFile::judged`] then reads them.
    pub fn judge(&mut self, ws: Option<&Workspace>) {
        // Outside a workspace no review is on record (as `assessments` reads it).
        let events: &[ReviewEvent] = if ws.is_some() { &self.events } else { &[] };
        let ws = ws.unwrap_or_else(|| Workspace::detached());
        if !self.findings.is_sorted_by_key(|f| f.start) {
            self.findings.sort_by_key(|f| (f.start, f.rule.clone()));
        }
        let j = &mut self.judgements;
        j.spans.resize(
            self.findings.len(),
            Span {
                from: LineCol::default(),
                to: LineCol::default(),
                start: usize::MAX,
                end: usize::MAX,
            },
        );
        for (f, s) in self.findings.iter().zip(j.spans.iter_mut()) {
            if (s.start, s.end) != (f.start, f.end) {
                let (from, to) = self.doc.positions().range_of(f.start, f.end);
                *s = Span {
                    from,
                    to,
                    start: f.start,
                    end: f.end,
                };
            }
        }
        let rel = self.rel.as_deref();
        let mut before: HashMap<String, Judgement> =
            std::mem::take(&mut j.verdicts).into_iter().collect();
        let mut verdicts = Vec::with_capacity(self.regions.len());
        for region in self.regions.iter() {
            let inside = inside(&self.findings, region);
            let author = self.authors.get(&region.id);
            let blast = self.blast.get(&region.id).map(|(_, _, b)| b);
            let kept = before.remove(&region.id).filter(|k| {
                k.holds_for(ws.id(), rel, region, inside, author, events, blast)
                    && k.hash
                        .as_ref()
                        .is_none_or(|h| *h == region_hash(&mut j.hashes, self.doc.text(), region))
            });
            let judgement = match kept {
                Some(k) => k,
                None => {
                    let mut hashed = None;
                    let verdict = ws.judge(
                        rel,
                        region,
                        inside,
                        author,
                        events,
                        blast.map(|b| &**b),
                        || {
                            let h = region_hash(&mut j.hashes, self.doc.text(), region);
                            hashed = Some(h.clone());
                            h
                        },
                    );
                    Judgement {
                        ws: ws.id(),
                        rel: rel.map(str::to_string),
                        heuristic: region.source == crate::regions::Source::Heuristic,
                        rules: inside
                            .iter()
                            .map(|f| (f.rule.clone(), f.severity))
                            .collect(),
                        author: author.cloned(),
                        events: events
                            .iter()
                            .filter(|e| e.region() == region.id)
                            .cloned()
                            .collect(),
                        blast: blast.cloned(),
                        hash: hashed,
                        verdict,
                    }
                }
            };
            verdicts.push((region.id.clone(), judgement));
        }
        j.verdicts = verdicts;
        j.hashes.retain(|id, _| self.regions.get(id).is_some());
    }

    /// Each region with its findings, their positions and its verdict, as the last
    /// [`TrackedFile::judge`] left them (a region it has not judged is left out).
    pub fn judged(&self) -> Vec<Judged<'_>> {
        let j = &self.judgements;
        self.regions
            .iter()
            .zip(&j.verdicts)
            .filter_map(|(region, (id, judgement))| {
                if *id != region.id {
                    return None;
                }
                let verdict = &judgement.verdict;
                let (lo, hi) = bounds(&self.findings, region);
                Some(Judged {
                    region,
                    findings: &self.findings[lo..hi],
                    spans: j.spans.get(lo..hi)?,
                    verdict,
                    author: self.authors.get(&region.id),
                    blast: self.blast.get(&region.id).map(|(_, _, b)| b),
                })
            })
            .collect()
    }

    /// Every finding's position, aligned with `findings`, as the last [`TrackedFile::judge`]
    /// left them (empty if the findings changed since).
    pub fn finding_spans(&self) -> &[Span] {
        let s = &self.judgements.spans;
        if s.len() == self.findings.len() {
            s
        } else {
            &[]
        }
    }
}

/// The findings inside a region: those that start in it (the findings are in order).
fn inside<'a>(findings: &'a [Finding], region: &Region) -> &'a [Finding] {
    let (lo, hi) = bounds(findings, region);
    &findings[lo..hi]
}

fn bounds(findings: &[Finding], region: &Region) -> (usize, usize) {
    let lo = findings.partition_point(|f| f.start < region.start);
    let hi = lo + findings[lo..].partition_point(|f| f.start < region.end);
    (lo, hi)
}

/// The hash of a region's text, kept until an edit touches the region.
fn region_hash(
    hashes: &mut HashMap<String, (usize, usize, String)>,
    text: &str,
    region: &Region,
) -> String {
    if let Some((s, e, h)) = hashes.get(&region.id) {
        if (*s, *e) == (region.start, region.end) {
            return h.clone();
        }
    }
    let h = content_hash(text.get(region.start..region.end).unwrap_or(""));
    hashes.insert(region.id.clone(), (region.start, region.end, h.clone()));
    h
}
