//! Where each line of a new text came from in an old one, for changes too large to follow edit
//! by edit: a whole document replaced (a reload, `git checkout`, `:%!rustfmt`, a full-sync
//! client) or a formatter's multi-line edit. Lines are compared by their text without whitespace
//! (so re-indented or re-spaced lines are the same line, reformatted), aligned with a patience
//! diff, then lines a diff cannot align are matched as moved blocks (same text elsewhere), as
//! joins and splits (a formatter folding `f(\n a,\n b)` into `f(a, b)` or back), and by
//! similarity (a line partly edited). A line matched to nothing is new text.
//!
//! AI regions follow the lines that carry their text: a region keeps exactly those, reformatted
//! or edited ones marked modified; new lines never join it, and it splits where they cut it.

use similar::{capture_diff_slices, Algorithm, DiffOp};

use crate::regions::Region;

/// How a new line relates to the old text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The same text (moved or not).
    Same(usize),
    /// The same text but for whitespace, or several old lines joined, or one split.
    Reformatted(Vec<usize>),
    /// Most of an old line's text, edited.
    Edited(usize),
    /// Text the old one did not have.
    New,
}

impl Origin {
    fn old_lines(&self) -> &[usize] {
        match self {
            Origin::Same(l) | Origin::Edited(l) => std::slice::from_ref(l),
            Origin::Reformatted(v) => v,
            Origin::New => &[],
        }
    }
}

/// Byte ranges of the lines of `text` (without their line break), and where each line starts.
pub struct Lines<'a> {
    text: &'a str,
    pub starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn text(&self, i: usize) -> &'a str {
        let s = self.starts[i];
        let e = self.starts.get(i + 1).map_or(self.text.len(), |n| n - 1);
        self.text[s..e.max(s)].trim_end_matches('\r')
    }

    /// Start of line `i` and the start of the next (the end of the text for the last).
    pub fn span(&self, i: usize) -> (usize, usize) {
        (
            self.starts[i],
            self.starts.get(i + 1).copied().unwrap_or(self.text.len()),
        )
    }

    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A line's text as formatters leave its meaning: no whitespace, no `,` or `;` (trailing commas
/// and semicolons come and go), one kind of quote.
fn loose(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ',' | ';'))
        .map(|c| if c == '\'' || c == '`' { '"' } else { c })
        .collect()
}

/// A line with this little text (`}`, `)`, blank) matches anywhere; it never carries a region
/// across a move on its own.
fn trivial(key: &str) -> bool {
    key.chars().count() <= 2
}

/// Similarity pairing is quadratic in a hunk: above this many pairs it is skipped.
const MAX_SIMILARITY_PAIRS: usize = 40_000;
const SIMILAR: f32 = 0.6;

/// The origin of each line of `new` in `old`.
pub fn map_lines(old: &str, new: &str) -> Vec<Origin> {
    let (ol, nl) = (Lines::new(old), Lines::new(new));
    let ok: Vec<String> = (0..ol.len()).map(|i| loose(ol.text(i))).collect();
    let nk: Vec<String> = (0..nl.len()).map(|i| loose(nl.text(i))).collect();
    let mut out = vec![Origin::New; nl.len()];
    let mut old_used = vec![false; ol.len()];
    let same_or_reformatted = |o: usize, n: usize| {
        if ol.text(o) == nl.text(n) {
            Origin::Same(o)
        } else {
            Origin::Reformatted(vec![o])
        }
    };
    let mut hunks: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> = Vec::new();
    for op in capture_diff_slices(Algorithm::Patience, &ok, &nk) {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for k in 0..len {
                    out[new_index + k] = same_or_reformatted(old_index + k, new_index + k);
                    old_used[old_index + k] = true;
                }
            }
            DiffOp::Delete {
                old_index,
                old_len,
                new_index,
            } => hunks.push((old_index..old_index + old_len, new_index..new_index)),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => hunks.push((old_index..old_index, new_index..new_index + new_len)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => hunks.push((
                old_index..old_index + old_len,
                new_index..new_index + new_len,
            )),
        }
    }
    // A hunk whose lines say the same thing, wrapped differently (a formatter re-wrapping a
    // call or a struct): each new line comes from the old lines its text overlaps.
    let mut rewrapped = vec![false; hunks.len()];
    for (h, (o, n)) in hunks.iter().enumerate() {
        if o.is_empty() || n.is_empty() {
            continue;
        }
        let old_all: String = ok[o.clone()].concat();
        if old_all.is_empty() || old_all != nk[n.clone()].concat() {
            continue;
        }
        rewrapped[h] = true;
        // Character offsets of each old line's text in the concatenation.
        let mut bounds = Vec::with_capacity(o.len());
        let mut at = 0;
        for i in o.clone() {
            bounds.push((i, at, at + ok[i].len()));
            at += ok[i].len();
        }
        let mut at = 0;
        for j in n.clone() {
            let (s, e) = (at, at + nk[j].len());
            at = e;
            if s == e {
                continue;
            }
            let from: Vec<usize> = bounds
                .iter()
                .filter(|(_, a, b)| *a < e && s < *b)
                .map(|(i, _, _)| *i)
                .collect();
            out[j] = if from.len() == 1 && ol.text(from[0]) == nl.text(j) {
                Origin::Same(from[0])
            } else {
                Origin::Reformatted(from)
            };
        }
        for i in o.clone() {
            old_used[i] = true;
        }
    }
    // Joins and splits inside other hunks, greedily from the top.
    for (o, n) in hunks
        .iter()
        .zip(&rewrapped)
        .filter(|(_, r)| !**r)
        .map(|(h, _)| h)
    {
        let (mut i, mut j) = (o.start, n.start);
        while i < o.end && j < n.end {
            if ok[i].is_empty() {
                i += 1;
                continue;
            }
            if nk[j].is_empty() {
                j += 1;
                continue;
            }
            if ok[i] == nk[j] {
                out[j] = same_or_reformatted(i, j);
                old_used[i] = true;
                i += 1;
                j += 1;
                continue;
            }
            // Several old lines joined into one new line.
            if nk[j].starts_with(ok[i].as_str()) {
                let mut acc = ok[i].clone();
                let mut k = i + 1;
                while k < o.end && acc.len() < nk[j].len() && nk[j].starts_with(acc.as_str()) {
                    acc.push_str(&ok[k]);
                    k += 1;
                }
                if acc == nk[j] {
                    out[j] = Origin::Reformatted((i..k).collect());
                    old_used[i..k].iter_mut().for_each(|u| *u = true);
                    i = k;
                    j += 1;
                    continue;
                }
            }
            // One old line split into several new lines.
            if ok[i].starts_with(nk[j].as_str()) {
                let mut acc = nk[j].clone();
                let mut k = j + 1;
                while k < n.end && acc.len() < ok[i].len() && ok[i].starts_with(acc.as_str()) {
                    acc.push_str(&nk[k]);
                    k += 1;
                }
                if acc == ok[i] {
                    for (m, slot) in out.iter_mut().enumerate().take(k).skip(j) {
                        if !nk[m].is_empty() {
                            *slot = Origin::Reformatted(vec![i]);
                        }
                    }
                    old_used[i] = true;
                    i += 1;
                    j = k;
                    continue;
                }
            }
            break;
        }
    }
    // Moved blocks: a line the diff could not align whose text stands, unused, elsewhere.
    let mut unused_by_key: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, k) in ok.iter().enumerate() {
        if !old_used[i] && !trivial(k) {
            unused_by_key.entry(k.as_str()).or_default().push(i);
        }
    }
    for j in 0..nl.len() {
        if out[j] != Origin::New || trivial(&nk[j]) {
            continue;
        }
        if let Some(cands) = unused_by_key.get_mut(nk[j].as_str()) {
            if let Some(pos) = cands.iter().position(|&i| !old_used[i]) {
                let i = cands.remove(pos);
                old_used[i] = true;
                out[j] = same_or_reformatted(i, j);
            }
        }
    }
    // Edited lines: the most similar unused old line of the same hunk.
    for (o, n) in &hunks {
        if o.len() * n.len() > MAX_SIMILARITY_PAIRS {
            continue;
        }
        for j in n.clone() {
            if out[j] != Origin::New || trivial(&nk[j]) {
                continue;
            }
            let best = o
                .clone()
                .filter(|&i| !old_used[i] && !trivial(&ok[i]))
                .map(|i| {
                    (
                        i,
                        similar::TextDiff::from_chars(ok[i].as_str(), nk[j].as_str()).ratio(),
                    )
                })
                .filter(|(_, r)| *r >= SIMILAR)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((i, _)) = best {
                old_used[i] = true;
                out[j] = Origin::Edited(i);
            }
        }
    }
    // Trivial lines (`}`, blank) the diff left unaligned belong to nothing; aligned ones keep
    // their origin (they hold regions together).
    out
}

/// The origin of each line of `new`, diffing only the lines between an unchanged head of
/// `head` lines and an unchanged tail of `tail` lines.
fn windowed(ol: &Lines, nl: &Lines, old: &str, new: &str, head: usize, tail: usize) -> Vec<Origin> {
    let (o_end, n_end) = (ol.len() - tail, nl.len() - tail);
    let slice = |l: &Lines, text: &str, a: usize, b: usize| -> String {
        let s = l.starts.get(a).copied().unwrap_or(text.len());
        let e = if b < l.len() { l.starts[b] } else { text.len() };
        text[s..e.max(s)].to_string()
    };
    let mut out: Vec<Origin> = (0..head).map(Origin::Same).collect();
    if head < n_end || head < o_end {
        let inner = map_lines(&slice(ol, old, head, o_end), &slice(nl, new, head, n_end));
        // A window that ends at the end of the text has no line after its last break.
        for o in inner.into_iter().take(n_end - head) {
            out.push(match o {
                Origin::Same(i) => Origin::Same(i + head),
                Origin::Edited(i) => Origin::Edited(i + head),
                Origin::Reformatted(v) => {
                    Origin::Reformatted(v.into_iter().map(|i| i + head).collect())
                }
                Origin::New => Origin::New,
            });
        }
    }
    out.resize(n_end, Origin::New);
    out.extend((0..tail).map(|k| Origin::Same(o_end + k)));
    out
}

/// Moves regions from `old` to `new` line by line: each keeps the new lines whose origin is one
/// of its old lines (blank lines between two of them included), split where new text cuts it;
/// pieces after the first get derived ids. Lines reformatted or edited mark it modified; an
/// unchanged first or last line keeps the region's exact column. `edit` (byte start, old end,
/// new end) bounds the lines to compare; without it the unchanged head and tail are found.
pub fn remap(
    old: &str,
    new: &str,
    edit: Option<(usize, usize, usize)>,
    regions: &[Region],
) -> Vec<Region> {
    if regions.is_empty() {
        return Vec::new();
    }
    let (ol, nl) = (Lines::new(old), Lines::new(new));
    let (head, tail) = match edit {
        Some((start, old_end, _)) => {
            let head = ol.line_of(start);
            let tail = ol.len() - 1 - ol.line_of(old_end);
            (head, tail.min(nl.len() - head - 1))
        }
        None => {
            let max = ol.len().min(nl.len());
            let head = (0..max).take_while(|&i| ol.text(i) == nl.text(i)).count();
            let tail = (0..max - head)
                .take_while(|&k| ol.text(ol.len() - 1 - k) == nl.text(nl.len() - 1 - k))
                .count();
            (
                head.min(max.saturating_sub(1)),
                tail.min(max - head.min(max.saturating_sub(1)) - 1),
            )
        }
    };
    // Lines like `}` or blank ones at the edge of the unchanged head and tail belong to
    // whichever block the diff aligns them with, not necessarily to the one beside them.
    let (mut head, mut tail) = (head, tail);
    while head > 0 && trivial(&squash(ol.text(head - 1))) {
        head -= 1;
    }
    while tail > 0 && trivial(&squash(ol.text(ol.len() - tail))) {
        tail -= 1;
    }
    let origins = windowed(&ol, &nl, old, new, head, tail);
    let mut out = Vec::new();
    let mut held = vec![false; ol.len()];
    for r in regions {
        if r.start >= r.end || r.end > old.len() {
            continue;
        }
        // Old lines the region holds text of (not just the line break before the next).
        let first = ol.line_of(r.start);
        let last = ol.line_of(r.end - 1);
        held.iter_mut().for_each(|h| *h = false);
        let mut any = false;
        for (i, h) in held.iter_mut().enumerate().take(last + 1).skip(first) {
            let (s, e) = ol.span(i);
            let (s, e) = (s.max(r.start), e.min(r.end));
            *h = s < e && old[s..e].chars().any(|c| !c.is_whitespace());
            any |= *h;
        }
        if !any {
            continue;
        }
        let mine = |j: usize| origins[j].old_lines().iter().any(|&i| held[i]);
        // Runs of new lines that are the region's, bridging blank lines between two of them.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for j in (0..nl.len()).filter(|&j| mine(j)) {
            match runs.last_mut() {
                Some(run) if (run.1 + 1..j).all(|m| nl.text(m).trim().is_empty()) => run.1 = j,
                _ => runs.push((j, j)),
            }
        }
        for (k, &(a, b)) in runs.iter().enumerate() {
            let modified = r.modified
                || runs.len() > 1
                || (a..=b).any(|j| {
                    !matches!(origins[j], Origin::Same(_)) && !nl.text(j).trim().is_empty()
                });
            // Keep the exact columns where the first or last line is unchanged.
            let start = match &origins[a] {
                Origin::Same(i) if *i == first => nl.starts[a] + (r.start - ol.starts[first]),
                _ => nl.starts[a],
            };
            let (_, line_end) = nl.span(b);
            let end = match &origins[b] {
                Origin::Same(i) if *i == last && r.end < ol.span(last).1 => {
                    nl.starts[b] + (r.end - ol.starts[last])
                }
                _ => line_end,
            };
            if start < end && new.is_char_boundary(start) && new.is_char_boundary(end) {
                out.push(Region {
                    id: if k == 0 {
                        r.id.clone()
                    } else {
                        format!("{}.{}", r.id, end)
                    },
                    start,
                    end,
                    modified,
                    ..r.clone()
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regions::{Provenance, Source};

    fn region(text: &str, first: usize, last: usize) -> Region {
        let l = Lines::new(text);
        Region {
            id: "r".into(),
            start: l.starts[first],
            end: l.span(last).1,
            provenance: Provenance::default(),
            source: Source::AgentHook,
            modified: false,
            created_at: String::new(),
        }
    }

    fn lines_of(text: &str, rs: &[Region]) -> Vec<(usize, usize)> {
        let l = Lines::new(text);
        rs.iter()
            .map(|r| (l.line_of(r.start), l.line_of(r.end - 1)))
            .collect()
    }

    const OLD: &str = "fn human() {\n    one();\n}\n\nfn ai() {\n    let x = call(a, b);\n    danger(x);\n}\n\nfn after() {\n    two();\n}\n";

    #[test]
    fn reindented_text_keeps_its_region_exactly() {
        let r = region(OLD, 4, 7);
        let new = OLD.replace("    ", "  ");
        let got = remap(OLD, &new, None, &[r]);
        assert_eq!(lines_of(&new, &got), [(4, 7)]);
        assert!(got[0].modified);
    }

    #[test]
    fn a_formatter_joining_and_splitting_lines_keeps_the_region() {
        let r = region(OLD, 4, 7);
        let joined = OLD.replace(
            "fn ai() {\n    let x = call(a, b);",
            "fn ai() {\n    let x = call(\n        a,\n        b,\n    );",
        );
        let got = remap(OLD, &joined, None, std::slice::from_ref(&r));
        let l = Lines::new(&joined);
        assert_eq!(
            lines_of(&joined, &got),
            [(4, 10)],
            "{:?}",
            (0..l.len()).map(|i| l.text(i)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn new_lines_never_join_and_moved_blocks_follow() {
        let r = region(OLD, 4, 7);
        // The AI function moved below `after`, and a human function added above it.
        let moved = "fn human() {\n    one();\n}\n\nfn after() {\n    two();\n}\n\nfn mine() {\n    three();\n}\nfn ai() {\n    let x = call(a, b);\n    danger(x);\n}\n";
        let got = remap(OLD, moved, None, &[r]);
        assert_eq!(lines_of(moved, &got), [(11, 14)]);
    }

    #[test]
    fn a_duplicated_and_edited_copy_is_not_ai() {
        let r = region(OLD, 4, 7);
        let copy = format!("{OLD}fn ai_copy() {{\n    let x = call(a, c);\n    danger(x);\n}}\n");
        let got = remap(OLD, &copy, None, &[r]);
        assert_eq!(lines_of(&copy, &got), [(4, 7)]);
    }

    #[test]
    fn a_block_edit_of_the_region_maps_its_lines() {
        let old = "fn h() {}\n\npub fn purge(c: &Client, ids: Vec<String>) {\n    c.terminate().ids(Some(ids)).dry_run(false).send();\n}\n\nfn after() {}\n";
        let block = "pub fn purge(c: &Client, ids: Vec<String>) {\n    c.terminate()\n        .ids(Some(ids))\n        .dry_run(false)\n        .send();\n}\n";
        let s = old.find("pub fn").unwrap();
        let e = old.find("\nfn after").unwrap();
        let new = format!("{}{}{}", &old[..s], block, &old[e..]);
        let r = Region {
            start: s,
            end: e,
            ..region(old, 0, 0)
        };
        let got = remap(old, &new, Some((s, e, s + block.len())), &[r]);
        assert_eq!(lines_of(&new, &got), [(2, 7)]);
    }

    #[test]
    fn a_line_replaced_by_new_text_splits_the_region() {
        let r = region(OLD, 4, 7);
        let new = OLD.replace(
            "    let x = call(a, b);\n",
            "    println!(\"completely different\");\n",
        );
        let got = remap(OLD, &new, None, &[r]);
        assert_eq!(lines_of(&new, &got), [(4, 4), (6, 7)]);
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            /// A whole-text replacement that re-indents, deletes and inserts lines: every
            /// surviving line keeps exactly its attribution (AI or not), and no inserted line is
            /// AI. Lines are distinct, as code lines mostly are.
            #[test]
            fn whole_text_replacements_keep_each_lines_attribution(
                n in 3usize..40,
                regions in proptest::collection::vec((0usize..40, 1usize..8), 1..4),
                ops in proptest::collection::vec((0usize..50, 0u8..4), 0..20),
            ) {
                let old_lines: Vec<String> = (0..n).map(|i| format!("call_{i}(arg_{i});")).collect();
                let old: String = old_lines.iter().map(|l| format!("{l}\n")).collect();
                let lines = Lines::new(&old);
                let mut ai = vec![false; n];
                let mut rs = Vec::new();
                for (k, (at, len)) in regions.iter().enumerate() {
                    let (a, b) = (*at % n, (*at % n + len).min(n));
                    if ai[a..b].iter().any(|x| *x) {
                        continue;
                    }
                    ai[a..b].iter_mut().for_each(|x| *x = true);
                    rs.push(Region { id: format!("r{k}"), start: lines.starts[a], end: lines.span(b - 1).1, ..region(&old, 0, 0) });
                }
                // (text, Some(old line) or None for an inserted line)
                let mut new: Vec<(String, Option<usize>)> = old_lines.iter().cloned().enumerate().map(|(i, l)| (l, Some(i))).collect();
                for (k, (at, op)) in ops.iter().enumerate() {
                    if new.is_empty() { break; }
                    let at = at % new.len();
                    match op {
                        0 => new[at].0 = format!("    {}", new[at].0),
                        1 => { new.remove(at); }
                        _ => new.insert(at, (format!("typed_{k}(x, y, z);"), None)),
                    }
                }
                let text: String = new.iter().map(|(l, _)| format!("{l}\n")).collect();
                let got = remap(&old, &text, None, &rs);
                let nl = Lines::new(&text);
                let mut stamped = vec![false; new.len()];
                for r in &got {
                    for (j, st) in stamped.iter_mut().enumerate() {
                        let (s, e) = nl.span(j);
                        *st |= r.start < e && s < r.end;
                    }
                }
                for (j, (l, from)) in new.iter().enumerate() {
                    let want = from.is_some_and(|i| ai[i]);
                    prop_assert_eq!(stamped[j], want, "line {} {:?} of {:?}", j, l, text);
                }
            }
        }
    }
}
