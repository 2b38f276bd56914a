//! AI regions of one document and how they follow edits.
//!
//! A region is a byte range plus its provenance. Regions never overlap: a newer attribution over
//! an older one takes the overlapped text. The edit rules are the ones SPEC.md promises users:
//! text inserted before a region moves it, an edit inside keeps it AI (marked as modified by a
//! human), and deleting all of its text removes it.

use serde::{Deserialize, Serialize};

use crate::document::ByteEdit;

/// Where an attribution came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    Editor,
    AgentHook,
    Heuristic,
    GitAi,
    AgentTrace,
    Trailer,
    User,
}

impl Source {
    /// Attributions derived from git history are computed again each time, not stored.
    pub fn is_derived(self) -> bool {
        matches!(self, Source::GitAi | Source::AgentTrace | Source::Trailer)
    }

    /// How sure the attribution is, as SPEC.md names it.
    pub fn confidence(self) -> Confidence {
        match self {
            Source::Editor | Source::AgentHook | Source::User => Confidence::Exact,
            Source::Heuristic => Confidence::Low,
            Source::GitAi | Source::AgentTrace => Confidence::Line,
            Source::Trailer => Confidence::Commit,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Editor => "editor",
            Source::AgentHook => "agent-hook",
            Source::Heuristic => "heuristic",
            Source::GitAi => "git-ai",
            Source::AgentTrace => "agent-trace",
            Source::Trailer => "trailer",
            Source::User => "user",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Exact,
    Line,
    Commit,
    Low,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Exact => "exact",
            Confidence::Line => "line",
            Confidence::Commit => "commit",
            Confidence::Low => "low",
        }
    }
}

/// Who or what wrote a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Provenance {
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub id: String,
    pub start: usize,
    pub end: usize,
    pub provenance: Provenance,
    pub source: Source,
    /// A human edited text inside the region after the AI wrote it.
    pub modified: bool,
    /// RFC 3339 time the region was first attributed.
    pub created_at: String,
}

impl Region {
    pub fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }

    pub fn overlaps(&self, start: usize, end: usize) -> bool {
        self.start < end && start < self.end
    }
}

/// A fresh region id: short, unique across processes and time, stable once written.
pub fn new_region_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    let mut x = nanos
        ^ (u64::from(std::process::id()) << 40)
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // splitmix64 finaliser: spreads the bits so ids do not share long prefixes.
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    format!("r-{:012x}", x & 0xFFFF_FFFF_FFFF)
}

/// The region a piece was cut from: a carved piece's id is `<id>.<offset>`.
fn root_id(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

/// The regions of one document, sorted by start and never overlapping.
#[derive(Debug, Clone, Default)]
pub struct RegionSet {
    regions: Vec<Region>,
}

impl RegionSet {
    pub fn iter(&self) -> impl Iterator<Item = &Region> {
        self.regions.iter()
    }

    pub fn len(&self) -> usize {
        self.regions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.id == id)
    }

    pub fn at(&self, offset: usize) -> Option<&Region> {
        self.regions.iter().find(|r| r.contains(offset))
    }

    /// Adds a region; it takes over any text that older regions held in its range.
    pub fn add(&mut self, region: Region) {
        if region.start >= region.end {
            return;
        }
        self.clear_range(region.start, region.end);
        let at = self.regions.partition_point(|r| r.start < region.start);
        self.regions.insert(at, region);
    }

    /// Adds a region only where no region is yet: a less exact attribution never overrides a
    /// more exact one (history beneath what an editor or agent hook recorded).
    pub fn add_beneath(&mut self, region: Region) {
        let mut gaps = vec![(region.start, region.end)];
        for r in &self.regions {
            gaps = gaps
                .into_iter()
                .flat_map(|(s, e)| {
                    if !r.overlaps(s, e) {
                        return vec![(s, e)];
                    }
                    let mut pieces = Vec::new();
                    if s < r.start {
                        pieces.push((s, r.start));
                    }
                    if r.end < e {
                        pieces.push((r.end, e));
                    }
                    pieces
                })
                .collect();
        }
        for (i, (s, e)) in gaps.into_iter().enumerate() {
            let id = if i == 0 {
                region.id.clone()
            } else {
                format!("{}.{}", region.id, s)
            };
            self.add(Region {
                id,
                start: s,
                end: e,
                ..region.clone()
            });
        }
    }

    /// Removes `[start, end)` from every region (a "this is human" correction), splitting a
    /// region that the range cuts in two.
    pub fn clear_range(&mut self, start: usize, end: usize) {
        let (start, end) = (start.min(end), start.max(end));
        let mut out = Vec::with_capacity(self.regions.len() + 1);
        for r in self.regions.drain(..) {
            if !r.overlaps(start, end) {
                out.push(r);
                continue;
            }
            if r.start < start {
                out.push(Region {
                    end: start,
                    ..r.clone()
                });
            }
            if end < r.end {
                let id = if r.start < start {
                    format!("{}.{}", r.id, end)
                } else {
                    r.id.clone()
                };
                out.push(Region {
                    id,
                    start: end,
                    ..r
                });
            }
        }
        self.regions = out;
    }

    /// Joins again the pieces of one region (split where a person's line was carved out of
    /// it) whose gap an edit in `[from, to]` left holding only whitespace: the line the person
    /// typed was deleted again, and the AI text is one piece, one review, as before. The piece
    /// that comes first keeps its id.
    pub fn rejoin(&mut self, text: &str, from: usize, to: usize) {
        // The last piece to end before the edit may still end its gap after the edit's start.
        let mut i = self
            .regions
            .partition_point(|r| r.end < from)
            .saturating_sub(1);
        while i + 1 < self.regions.len() && self.regions[i].end <= to {
            let (a, b) = (&self.regions[i], &self.regions[i + 1]);
            let joins = from <= b.start
                && root_id(&a.id) == root_id(&b.id)
                && a.provenance == b.provenance
                && a.source == b.source
                && text
                    .get(a.end..b.start)
                    .is_some_and(|gap| gap.chars().all(char::is_whitespace));
            if joins {
                let b = self.regions.remove(i + 1);
                let a = &mut self.regions[i];
                a.end = b.end;
                a.modified |= b.modified;
            } else {
                i += 1;
            }
        }
    }

    /// Removes the region with this id; true if it existed.
    pub fn remove(&mut self, id: &str) -> bool {
        let before = self.regions.len();
        self.regions.retain(|r| r.id != id);
        before != self.regions.len()
    }

    /// Moves every region through one edit.
    pub fn apply_edit(&mut self, edit: &ByteEdit) {
        let (s, e, n) = (edit.start, edit.old_end, edit.inserted_len());
        let shift = |x: usize| x + n - (e - s);
        // A replacement across the seam of two adjacent pieces of the same AI text (a region
        // split where a human line was carved out, that line since deleted) is an edit inside
        // that text, as it would be in one region: the piece before the seam keeps the new text.
        let seams: Vec<usize> = if s < e {
            self.regions
                .iter()
                .filter(|a| a.start <= s && s < a.end && a.end < e)
                .filter(|a| {
                    self.regions
                        .iter()
                        .any(|b| b.start == a.end && e <= b.end && root_id(&b.id) == root_id(&a.id))
                })
                .map(|a| a.start)
                .collect()
        } else {
            Vec::new()
        };
        self.regions.retain_mut(|r| {
            let (a, b) = (r.start, r.end);
            if s == e {
                // Pure insertion: at or before the start moves the region; strictly inside grows
                // it; at or after the end leaves it alone.
                if s <= a {
                    r.start += n;
                    r.end += n;
                } else if s < b {
                    r.end += n;
                    r.modified = true;
                }
                return true;
            }
            if e <= a {
                r.start = shift(a);
                r.end = shift(b);
                true
            } else if s >= b {
                true
            } else if s <= a && e >= b {
                // All of its text is gone (deleted, or replaced by someone else's text).
                false
            } else if s >= a && e <= b {
                r.end = shift(b);
                r.modified = true;
                true
            } else if s < a {
                // The edit eats the region's head: what survives starts after the new text.
                r.start = s + n;
                r.end = shift(b);
                r.modified = true;
                true
            } else {
                // The edit eats the region's tail (and keeps the new text across a seam).
                r.end = if seams.contains(&a) { s + n } else { s };
                r.modified = true;
                true
            }
        });
        self.regions.retain(|r| r.start < r.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn region(id: &str, start: usize, end: usize) -> Region {
        Region {
            id: id.into(),
            start,
            end,
            provenance: Provenance {
                tool: "t".into(),
                ..Default::default()
            },
            source: Source::Editor,
            modified: false,
            created_at: String::new(),
        }
    }

    fn edit(start: usize, old_end: usize, new_len: usize) -> ByteEdit {
        ByteEdit {
            start,
            old_end,
            new_end: start + new_len,
        }
    }

    fn spans(set: &RegionSet) -> Vec<(String, usize, usize)> {
        set.iter().map(|r| (r.id.clone(), r.start, r.end)).collect()
    }

    #[test]
    fn insert_above_moves_inside_grows_all_deleted_removes() {
        let mut set = RegionSet::default();
        set.add(region("a", 10, 20));
        set.apply_edit(&edit(0, 0, 5));
        assert_eq!(spans(&set), vec![("a".into(), 15, 25)]);
        set.apply_edit(&edit(17, 18, 3));
        assert_eq!(spans(&set), vec![("a".into(), 15, 27)]);
        assert!(set.get("a").unwrap().modified);
        set.apply_edit(&edit(15, 27, 0));
        assert!(set.is_empty());
    }

    #[test]
    fn human_correction_splits_a_region() {
        let mut set = RegionSet::default();
        set.add(region("a", 0, 30));
        set.clear_range(10, 20);
        assert_eq!(
            spans(&set),
            vec![("a".into(), 0, 10), ("a.20".into(), 20, 30)]
        );
    }

    #[test]
    fn pieces_rejoin_only_across_whitespace_the_edit_touched() {
        //          0         1         2         3
        let text = "aaaaaaaaa\n  \t\nbbbbbbbbb\nx\ncccccccc\n";
        let split = || {
            let mut set = RegionSet::default();
            set.add(region("a", 0, 36));
            set.clear_range(10, 14);
            set.clear_range(24, 26);
            set.add(region("z", 34, 36));
            set
        };
        // An edit on the whitespace line between `a` and `a.14`: joined under the first id.
        let mut set = split();
        set.rejoin(text, 10, 14);
        assert_eq!(
            spans(&set),
            vec![
                ("a".into(), 0, 24),
                ("a.14.26".into(), 26, 34),
                ("z".into(), 34, 36)
            ]
        );
        // An edit elsewhere leaves the gap alone; a gap holding text is never joined.
        let mut set = split();
        set.rejoin(text, 0, 9);
        set.rejoin(text, 16, 30);
        assert_eq!(set.len(), 4);
        // The touched gap joins; the untouched one before it and a region of another id right
        // after it stay apart.
        let mut set = split();
        set.rejoin("aaaaaaaaa\n  \t\nbbbbbbbbb\n \ncccccccc\n", 16, 36);
        assert_eq!(
            spans(&set),
            vec![
                ("a".into(), 0, 10),
                ("a.14".into(), 14, 34),
                ("z".into(), 34, 36)
            ]
        );
    }

    /// The reference model: every byte knows which region (if any) it belongs to; an edit removes
    /// bytes and inserts new ones labelled with the region the edit falls strictly inside.
    fn model_apply(labels: &mut Vec<Option<u8>>, s: usize, e: usize, n: usize) {
        let inside = labels
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.map(|l| (i, l)))
            .fold(
                std::collections::BTreeMap::<u8, (usize, usize)>::new(),
                |mut m, (i, l)| {
                    let span = m.entry(l).or_insert((i, i + 1));
                    span.0 = span.0.min(i);
                    span.1 = span.1.max(i + 1);
                    m
                },
            )
            .into_iter()
            .find(|(_, (a, b))| {
                if s == e {
                    *a < s && s < *b
                } else {
                    s >= *a && e <= *b && !(s == *a && e == *b)
                }
            })
            .map(|(l, _)| l);
        labels.splice(s..e, std::iter::repeat_n(inside, n));
    }

    fn model_spans(labels: &[Option<u8>]) -> Vec<(usize, usize)> {
        let mut out: Vec<(u8, usize, usize)> = Vec::new();
        for (i, l) in labels.iter().enumerate() {
            if let Some(l) = l {
                match out.iter_mut().find(|(x, _, _)| x == l) {
                    Some(span) => span.2 = i + 1,
                    None => out.push((*l, i, i + 1)),
                }
            }
        }
        out.sort_by_key(|s| s.1);
        out.into_iter().map(|(_, a, b)| (a, b)).collect()
    }

    proptest! {
        #[test]
        fn regions_follow_random_edits_like_the_reference_model(
            len in 20usize..80,
            cuts in proptest::collection::btree_set(0usize..80, 2..6),
            edits in proptest::collection::vec((0usize..100, 0usize..10, 0usize..12), 1..25),
        ) {
            let cuts: Vec<usize> = cuts.into_iter().filter(|c| *c <= len).collect();
            let mut set = RegionSet::default();
            let mut labels: Vec<Option<u8>> = vec![None; len];
            for (i, w) in cuts.windows(2).enumerate().step_by(2) {
                set.add(region(&i.to_string(), w[0], w[1]));
                for l in &mut labels[w[0]..w[1]] { *l = Some(i as u8); }
            }
            for (start, del, ins) in edits {
                let doc_len = labels.len();
                let s = start.min(doc_len);
                let e = (s + del).min(doc_len);
                set.apply_edit(&edit(s, e, ins));
                model_apply(&mut labels, s, e, ins);
                let ours: Vec<(usize, usize)> = set.iter().map(|r| (r.start, r.end)).collect();
                prop_assert_eq!(ours, model_spans(&labels));
            }
        }
    }
}
