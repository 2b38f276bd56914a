//! Anchors: where a span of saved text is, and how to find it again after the file changed
//! (its hash, its first line, a hash per line mapped through a diff).

use super::{content_hash, Anchor, FileState, Placed, Snapshot};
use crate::regions::Region;

/// 32-bit FNV-1a of each line (without its line break), as 8 hex digits, and line starts.
pub struct LineHashes {
    pub starts: Vec<usize>,
    pub hashes: Vec<u32>,
}

impl LineHashes {
    pub fn new(text: &str) -> LineHashes {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let hashes = (0..starts.len())
            .map(|i| fnv1a(line_text(text, &starts, i).as_bytes()))
            .collect();
        LineHashes { starts, hashes }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }
}

fn line_text<'a>(text: &'a str, starts: &[usize], i: usize) -> &'a str {
    let s = starts[i];
    let e = starts.get(i + 1).map_or(text.len(), |n| n - 1);
    text[s..e.max(s)].trim_end_matches('\r')
}

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

pub(super) fn anchor_of(text: &str, lines: &LineHashes, start: usize, end: usize) -> Anchor {
    let body = &text[start..end];
    let (l1, l2) = (lines.line_of(start), lines.line_of(end));
    // The last covered line is the one holding the last byte (an end at a line start is the
    // previous line's end).
    let last = if end > start {
        lines.line_of(end - 1)
    } else {
        l1
    };
    let mut head: String = body.lines().next().unwrap_or("").to_string();
    if head.len() > 200 {
        let mut cut = 200;
        while !head.is_char_boundary(cut) {
            cut -= 1;
        }
        head.truncate(cut);
    }
    Anchor {
        range: [l1, start - lines.starts[l1], l2, end - lines.starts[l2]],
        len: body.len(),
        hash: content_hash(body),
        head,
        lines: lines.hashes[l1..=last]
            .iter()
            .map(|h| format!("{h:08x}"))
            .collect(),
    }
}

/// Where an anchored span is in `text`: at its recorded place, wherever its first line and hash
/// match again (nearest first), or mapped line by line through a diff when at least half of its
/// lines survive (then it is marked modified). `None` when its text is gone.
pub fn locate(a: &Anchor, text: &str, lines: &LineHashes) -> Option<(usize, usize, bool)> {
    let matches_at = |start: usize| {
        let end = start.saturating_add(a.len);
        end <= text.len()
            && text.is_char_boundary(start)
            && text.is_char_boundary(end)
            && content_hash(&text[start..end]) == a.hash
    };
    if let Some(&ls) = lines.starts.get(a.range[0]) {
        let s = ls.saturating_add(a.range[1]);
        if matches_at(s) {
            return Some((s, s + a.len, false));
        }
    }
    if !a.head.is_empty() {
        let mut best: Option<(usize, usize)> = None;
        for (at, _) in text.match_indices(a.head.as_str()) {
            if matches_at(at) {
                let dist = lines.line_of(at).abs_diff(a.range[0]);
                if best.is_none_or(|(_, d)| dist < d) {
                    best = Some((at, dist));
                }
            }
        }
        if let Some((at, _)) = best {
            return Some((at, at + a.len, false));
        }
    }
    let old: Vec<u32> = a
        .lines
        .iter()
        .filter_map(|h| u32::from_str_radix(h, 16).ok())
        .collect();
    if old.is_empty() {
        return None;
    }
    // Diff the region's lines against a window of the file around where it was.
    let margin = 2000 + old.len();
    // A file that shrank below the recorded line still has a window: its end.
    let hi = (a.range[0].saturating_add(old.len()).saturating_add(margin)).min(lines.hashes.len());
    let lo = a.range[0].saturating_sub(margin).min(hi);
    let window = &lines.hashes[lo..hi];
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, window) {
        if let similar::DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            pairs.extend((0..len).map(|k| (old_index + k, lo + new_index + k)));
        }
    }
    // Blank lines and braces match anywhere; they do not carry a region on their own.
    let substantive = pairs
        .iter()
        .filter(|(_, n)| line_text(text, &lines.starts, *n).trim().len() > 1)
        .count();
    if pairs.is_empty() || pairs.len() * 2 < old.len() || substantive == 0 {
        return None;
    }
    let (first_old, first_new) = pairs[0];
    let (last_old, last_new) = pairs[pairs.len() - 1];
    let start = if first_old == 0 {
        // The recorded column, if it still falls on a character of that line (a hand-edited
        // ledger may put it inside a multi-byte character: then the line's start).
        let line = line_text(text, &lines.starts, first_new);
        let at = lines.starts[first_new] + a.range[1].min(line.len());
        if text.is_char_boundary(at) {
            at
        } else {
            lines.starts[first_new]
        }
    } else {
        lines.starts[first_new]
    };
    let line_end = lines.starts[last_new] + line_text(text, &lines.starts, last_new).len();
    let end = if last_old == old.len() - 1 && a.range[2] > a.range[0].saturating_add(last_old) {
        // The region ended at the start of the line after its last line.
        lines
            .starts
            .get(last_new + 1)
            .copied()
            .unwrap_or(text.len())
            .min(text.len())
    } else if last_old == old.len() - 1 {
        lines.starts[last_new]
            .saturating_add(a.range[3])
            .min(line_end)
    } else {
        line_end
    };
    let end = if text.is_char_boundary(end) {
        end
    } else {
        line_end
    };
    (start < end).then_some((start, end, true))
}

/// Places a snapshot's regions and known-human spans in `text`.
pub fn place(snapshot: &Snapshot, text: &str) -> FileState {
    let lines = LineHashes::new(text);
    let mut state = FileState::default();
    for rec in &snapshot.regions {
        match locate(&rec.anchor, text, &lines) {
            Some((start, end, moved)) => state.regions.push(Placed {
                region: Region {
                    id: rec.id.clone(),
                    start,
                    end,
                    provenance: rec.provenance.clone(),
                    source: rec.source,
                    modified: rec.modified || moved,
                    created_at: rec.created_at.clone(),
                },
                author: rec.author.clone(),
            }),
            None => state.retired.push(rec.id.clone()),
        }
    }
    for h in &snapshot.human {
        if let Some((s, e, _)) = locate(&h.anchor, text, &lines) {
            state.human.push((s, e));
        }
    }
    state
}
