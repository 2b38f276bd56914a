//! A text document as the editor sees it: a rope for cheap edits and position conversion, and the
//! tree-sitter tree kept up to date incrementally.

use ropey::Rope;
use tree_sitter::{InputEdit, Point, Tree};

use crate::parse::{Bounded, Parser};

use crate::language::Language;

/// How the client counts the `character` of a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PositionEncoding {
    Utf8,
    #[default]
    Utf16,
}

/// A zero-based line and character offset, counted in the negotiated encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct LineCol {
    pub line: u32,
    pub character: u32,
}

/// One text edit after conversion to byte offsets: `[start, old_end)` was replaced by text of
/// length `new_end - start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteEdit {
    pub start: usize,
    pub old_end: usize,
    pub new_end: usize,
}

impl ByteEdit {
    pub fn inserted_len(&self) -> usize {
        self.new_end - self.start
    }
}

/// Files above this size are tracked (regions still move with edits) but not parsed: a 50 MB
/// generated file would make every keystroke slow and holds no hand-reviewable code.
pub const MAX_ANALYSED_BYTES: usize = 8 * 1024 * 1024;

/// Bytes of a line [`Positions::position_of`] counts through before it asks the rope's index
/// (a minified file's one line).
const SCAN_LIMIT: usize = 4096;

/// Position conversion for one version of a text: a rope (cloning it is cheap: its nodes are
/// shared), so that a read request can convert positions from a snapshot without the document.
#[derive(Clone)]
pub struct Positions {
    rope: Rope,
    encoding: PositionEncoding,
}

pub struct Document {
    pos: Positions,
    text: String,
    pub version: i32,
    language: Option<&'static Language>,
    parser: Option<Parser>,
    /// The last complete parse, edited to match the text since (so it is stale when `stale`).
    tree: Option<Tree>,
    /// A later parse than `tree` (from the background), edited to match the text: where the next
    /// parse starts from.
    head_start: Option<Tree>,
    /// The text changed since `tree` was parsed and the parse that would catch up went over its
    /// budget: the tree is not to be analysed until [`Document::install`] brings it up to date.
    stale: bool,
    /// Edits counted, and those made while stale (to replay on a tree parsed in the background).
    seq: u64,
    log: Vec<(u64, InputEdit)>,
    /// The edit count when the document last went stale: a job from before it is of an
    /// earlier stale stretch, whose edits the log no longer holds.
    stale_since: u64,
    /// Parser steps the last two keystrokes' parses took, inline or in the background: the
    /// larger is the forecast of the next one's. A keystroke after one that needed more than its
    /// budget goes to the background at once instead of spending the budget first (Python's
    /// error recovery: a bounded parse that fails costs milliseconds, for nothing). Two, not
    /// one: typing that breaks and mends the text in turn (a character typed at a line's start
    /// and deleted) alternates dear and cheap parses, and a cheap one is no forecast of the
    /// dear one that comes next.
    forecast: [usize; 2],
}

/// The text and tree of one version, to parse on another thread when the parse of an edit went
/// over its budget ([`Document::reparse_bounded`]).
pub struct ParseJob {
    language: &'static Language,
    text: String,
    old: Option<Tree>,
    seq: u64,
}

/// A finished [`ParseJob`], to give back to [`Document::install`].
pub struct Parsed {
    tree: Option<Tree>,
    seq: u64,
    steps: usize,
}

impl ParseJob {
    /// The full parse, unbounded: minutes of error recovery never happen, but tens of
    /// milliseconds do, which is why it is not done on a keystroke.
    pub fn run(self) -> Parsed {
        let bounded =
            Parser::new().parse_bounded(self.language, &self.text, self.old.as_ref(), usize::MAX);
        let (tree, steps) = match bounded {
            Bounded::Parsed { tree, steps } => (Some(tree), steps),
            Bounded::OverBudget | Bounded::NoGrammar => (None, 0),
        };
        Parsed {
            tree,
            seq: self.seq,
            steps,
        }
    }
}

/// What a bounded re-parse came to.
pub enum Reparsed {
    /// The byte ranges whose syntax changed.
    Done(Vec<std::ops::Range<usize>>),
    /// Over budget: the document is stale until a [`ParseJob`] is installed.
    Deferred,
}

/// Parser steps (a hundred operations each) a keystroke's re-parse may take before it is left
/// to the background; once the parse is recovering from an error, only a twelfth of them more
/// (`Parser::parse_bounded`). In the 5,000-line files of the `edit_latency` bench, typing in
/// Rust and TypeScript stays under it, valid or not; Python's parses run 30 to 650 steps, error
/// recovery at up to 170 µs a step, so most of its typing through broken indentation goes to
/// the background; and a keystroke after one that went there goes straight after it
/// (`Document::forecast`).
pub const KEYSTROKE_PARSE_STEPS: usize = 60;

impl Document {
    pub fn new(
        text: &str,
        version: i32,
        encoding: PositionEncoding,
        language: Option<&'static Language>,
    ) -> Self {
        let parser = language.map(|_| Parser::new());
        let mut doc = Document {
            pos: Positions {
                rope: Rope::from_str(text),
                encoding,
            },
            text: text.to_owned(),
            version,
            language,
            parser,
            tree: None,
            head_start: None,
            stale: false,
            seq: 0,
            log: Vec::new(),
            stale_since: 0,
            forecast: [0; 2],
        };
        doc.reparse();
        doc
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The tree: the last complete parse, edited to match the text. While [`Document::is_stale`]
    /// its nodes near the edits do not describe the text: analyse [`Document::fresh_tree`].
    pub fn tree(&self) -> Option<&Tree> {
        self.tree.as_ref()
    }

    /// The tree when it describes the text as it is now.
    pub fn fresh_tree(&self) -> Option<&Tree> {
        self.tree.as_ref().filter(|_| !self.stale)
    }

    /// True while a parse is owed (see [`Document::reparse_bounded`]).
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// How many edits the document has taken: work done for one text is for that count only.
    pub fn edit_count(&self) -> u64 {
        self.seq
    }

    pub fn language(&self) -> Option<&'static Language> {
        self.language
    }

    pub fn len_bytes(&self) -> usize {
        self.text.len()
    }

    /// True when the document is too large to be analysed on every keystroke.
    pub fn too_large(&self) -> bool {
        self.text.len() > MAX_ANALYSED_BYTES
    }

    /// Replaces the text in `range` (or the whole document when `None`). Positions past the end
    /// of a line or of the document are clamped, as the LSP specification asks.
    pub fn apply_change(&mut self, range: Option<(LineCol, LineCol)>, new_text: &str) -> ByteEdit {
        let (start, old_end) = match range {
            Some((a, b)) => {
                let a = self.offset_of(a);
                let b = self.offset_of(b);
                (a.min(b), a.max(b))
            }
            None => (0, self.text.len()),
        };
        let start_point = self.point_of(start);
        let old_end_point = self.point_of(old_end);
        let start_char = self.pos.rope.byte_to_char(start);
        let old_end_char = self.pos.rope.byte_to_char(old_end);
        self.pos.rope.remove(start_char..old_end_char);
        self.pos.rope.insert(start_char, new_text);
        self.text.replace_range(start..old_end, new_text);
        let new_end = start + new_text.len();
        let new_end_point = self.point_of(new_end);
        let input = InputEdit {
            start_byte: start,
            old_end_byte: old_end,
            new_end_byte: new_end,
            start_position: start_point,
            old_end_position: old_end_point,
            new_end_position: new_end_point,
        };
        for tree in [self.tree.as_mut(), self.head_start.as_mut()]
            .into_iter()
            .flatten()
        {
            tree.edit(&input);
        }
        self.seq += 1;
        if self.stale {
            self.log.push((self.seq, input));
        }
        ByteEdit {
            start,
            old_end,
            new_end,
        }
    }

    /// Re-parses after a batch of edits, reusing the old tree so only changed parts are parsed.
    /// Returns the byte ranges whose syntax changed (error recovery can reach beyond an edit).
    pub fn reparse(&mut self) -> Vec<std::ops::Range<usize>> {
        // A whole new text is no forecast of what a keystroke costs.
        self.forecast = [0; 2];
        match self.parse_within(usize::MAX) {
            Reparsed::Done(changed) => changed,
            Reparsed::Deferred => unreachable!("an unbounded parse is never deferred"),
        }
    }

    /// As [`Document::reparse`], giving up after `steps` parser steps (counted, not timed: the
    /// same edit of the same text always takes the same way). Then the document is stale: the
    /// caller runs [`Document::parse_job`] elsewhere and gives its result to
    /// [`Document::install`]. When the last keystroke's parse needed more than `steps`, this
    /// one is deferred without trying (the forecast is the same for the same edits of the same
    /// text: counted, not timed).
    pub fn reparse_bounded(&mut self, steps: usize) -> Reparsed {
        if self.forecast.iter().any(|&f| f > steps) && self.parse_job_possible() {
            self.go_stale();
            return Reparsed::Deferred;
        }
        self.parse_within(steps)
    }

    /// A parse job could catch this document up (a grammar, not over the size limit).
    fn parse_job_possible(&self) -> bool {
        self.parser.is_some() && self.language.is_some() && !self.too_large()
    }

    fn go_stale(&mut self) {
        if !self.stale {
            self.stale = true;
            self.stale_since = self.seq;
        }
    }

    /// A parse of the edits since the last one, giving up after `steps`.
    fn parse_within(&mut self, steps: usize) -> Reparsed {
        if self.too_large() {
            self.tree = None;
            self.head_start = None;
            self.stale = false;
            self.log.clear();
            return Reparsed::Done(Vec::new());
        }
        let (Some(parser), Some(lang)) = (self.parser.as_mut(), self.language) else {
            return Reparsed::Done(Vec::new());
        };
        let old = self.head_start.as_ref().or(self.tree.as_ref());
        match parser.parse_bounded(lang, &self.text, old, steps) {
            Bounded::Parsed { tree, steps: taken } => {
                // A keystroke's (bounded) parse; a whole text's says nothing of the next one.
                if steps != usize::MAX {
                    self.forecast = [self.forecast[1], taken];
                }
                Reparsed::Done(self.complete(Some(tree)))
            }
            Bounded::NoGrammar => Reparsed::Done(self.complete(None)),
            Bounded::OverBudget => {
                self.go_stale();
                Reparsed::Deferred
            }
        }
    }

    /// The work of catching a stale document up, to run on another thread.
    pub fn parse_job(&self) -> Option<ParseJob> {
        Some(ParseJob {
            language: self.language.filter(|_| self.stale)?,
            text: self.text.clone(),
            old: self.head_start.clone().or_else(|| self.tree.clone()),
            seq: self.seq,
        })
    }

    /// Takes a background parse in. `Some(changed)` when the document is up to date again (the
    /// parse was of this text, or the edits made since it were re-parsed within `steps`);
    /// `None` when it is still stale (start another job) or was not stale any more.
    pub fn install(&mut self, parsed: Parsed, steps: usize) -> Option<Vec<std::ops::Range<usize>>> {
        if !self.stale || parsed.seq > self.seq || parsed.seq < self.stale_since {
            return None;
        }
        // What the keystroke's parse cost, now known.
        self.forecast = [self.forecast[1], parsed.steps];
        if parsed.seq == self.seq {
            return Some(self.complete(parsed.tree));
        }
        // The text moved on while it was parsed: the edits since are replayed on the new tree,
        // which becomes where the next parse starts.
        let Some(mut tree) = parsed.tree else {
            return Some(self.complete(None));
        };
        for (_, edit) in self.log.iter().filter(|(seq, _)| *seq > parsed.seq) {
            tree.edit(edit);
        }
        self.log.retain(|(seq, _)| *seq > parsed.seq);
        if let Some(old) = self.head_start.replace(tree) {
            crate::parse::retire(old);
        }
        match self.parse_within(steps) {
            Reparsed::Done(changed) => Some(changed),
            Reparsed::Deferred => None,
        }
    }

    /// A parse of the current text is in: what changed since the last complete one.
    fn complete(&mut self, new: Option<Tree>) -> Vec<std::ops::Range<usize>> {
        let changed = match (&self.tree, &new) {
            (Some(old), Some(new)) => old
                .changed_ranges(new)
                .map(|r| r.start_byte..r.end_byte)
                .collect(),
            _ => std::iter::once(0..self.text.len()).collect(),
        };
        let old = [
            std::mem::replace(&mut self.tree, new),
            self.head_start.take(),
        ];
        old.into_iter().flatten().for_each(crate::parse::retire);
        self.stale = false;
        self.log.clear();
        changed
    }

    /// Byte offset of a position; clamped to the line's end and the document's end.
    pub fn offset_of(&self, pos: LineCol) -> usize {
        self.pos.offset_of(pos)
    }

    /// Position of a byte offset (clamped to the document).
    pub fn position_of(&self, offset: usize) -> LineCol {
        self.pos.position_of(offset)
    }

    /// Zero-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.pos.line_of(offset)
    }

    /// Position conversion for this version, to keep after the document changes.
    pub fn positions(&self) -> &Positions {
        &self.pos
    }

    fn point_of(&self, offset: usize) -> Point {
        let line = self.pos.rope.byte_to_line(offset);
        Point::new(line, offset - self.pos.rope.line_to_byte(line))
    }
}

impl Positions {
    /// Byte offset of a position; clamped to the line's end and the document's end.
    pub fn offset_of(&self, pos: LineCol) -> usize {
        let line = pos.line as usize;
        if line >= self.rope.len_lines() {
            return self.rope.len_bytes();
        }
        let line_start = self.rope.line_to_byte(line);
        let line_end = line_end_byte(&self.rope, line);
        match self.encoding {
            PositionEncoding::Utf8 => {
                let b = (line_start + pos.character as usize).min(line_end);
                // A byte offset inside a multi-byte character rounds down to its start.
                self.rope.char_to_byte(self.rope.byte_to_char(b))
            }
            PositionEncoding::Utf16 => {
                let start_char = self.rope.byte_to_char(line_start);
                let end_char = self.rope.byte_to_char(line_end);
                let base = self.rope.char_to_utf16_cu(start_char);
                let max = self.rope.char_to_utf16_cu(end_char);
                let cu = (base + pos.character as usize).min(max);
                self.rope.char_to_byte(self.rope.utf16_cu_to_char(cu))
            }
        }
    }

    /// Position of a byte offset (clamped to the document): its line, and the code units of
    /// the characters before it on that line, counted in the rope's chunks (a keystroke in a
    /// region of 500 findings converts them all). On a line longer than [`SCAN_LIMIT`] the
    /// count is looked up in the rope's index instead.
    pub fn position_of(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.rope.len_bytes());
        let line = self.rope.byte_to_line(offset);
        let line_start = self.rope.line_to_byte(line);
        if offset - line_start > SCAN_LIMIT {
            return self.position_by_index(offset);
        }
        // A line break met before `offset` is the CR of a CRLF that `offset` splits: the
        // position is the CR's, the line's end.
        let (units, _) = self.units_between(line_start, offset);
        LineCol {
            line: line as u32,
            character: units as u32,
        }
    }

    /// Code units of the characters in `[from, to)` that end by `to` (a character `to` splits
    /// is not counted), up to the first line break: the count, and whether one came first.
    fn units_between(&self, from: usize, to: usize) -> (usize, bool) {
        // Chunk by chunk, each looked up on its own (the rope's chunk iterator allocates).
        let mut units = 0;
        let mut at = from;
        while at < to {
            let (chunk, chunk_start, _, _) = self.rope.chunk_at_byte(at);
            let mut skip = at - chunk_start;
            // `from` inside a character: count from its start, as the position of `from` does.
            while !chunk.is_char_boundary(skip) {
                skip -= 1;
            }
            let bytes = &chunk.as_bytes()[skip..(to - chunk_start).min(chunk.len())];
            let brk = bytes.iter().position(|&b| b == b'\n' || b == b'\r');
            if bytes.is_ascii() {
                units += brk.unwrap_or(bytes.len());
            } else {
                // A chunk is whole characters: count those that end within the bytes.
                let end = skip + brk.unwrap_or(bytes.len());
                for (i, c) in chunk[skip..].char_indices() {
                    if skip + i + c.len_utf8() > end {
                        break;
                    }
                    units += match self.encoding {
                        PositionEncoding::Utf8 => c.len_utf8(),
                        PositionEncoding::Utf16 => c.len_utf16(),
                    };
                }
            }
            if brk.is_some() {
                return (units, true);
            }
            at = chunk_start + chunk.len();
        }
        (units, false)
    }

    /// [`Positions::position_of`] from the rope's index alone: a few tree descents, whatever
    /// the line's length.
    fn position_by_index(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.rope.len_bytes());
        let offset = if offset > 0
            && offset < self.rope.len_bytes()
            && self.rope.byte(offset - 1) == b'\r'
            && self.rope.byte(offset) == b'\n'
        {
            offset - 1
        } else {
            offset
        };
        let char_idx = self.rope.byte_to_char(offset);
        let line = self.rope.char_to_line(char_idx);
        let line_start_char = self.rope.line_to_char(line);
        let character = match self.encoding {
            PositionEncoding::Utf8 => {
                self.rope.char_to_byte(char_idx) - self.rope.line_to_byte(line)
            }
            PositionEncoding::Utf16 => {
                self.rope.char_to_utf16_cu(char_idx) - self.rope.char_to_utf16_cu(line_start_char)
            }
        };
        LineCol {
            line: line as u32,
            character: character as u32,
        }
    }

    /// Positions of `start` and `end`, as [`Positions::position_of`] gives each: a range that
    /// stays on its line (a finding, mostly) has its end counted on from its start, not looked
    /// up again.
    pub fn range_of(&self, start: usize, end: usize) -> (LineCol, LineCol) {
        let a = self.position_of(start);
        let len = self.rope.len_bytes();
        if start > end || end > len || end - start > SCAN_LIMIT {
            return (a, self.position_of(end));
        }
        match self.units_between(start, end) {
            (units, false) => (
                a,
                LineCol {
                    line: a.line,
                    character: a.character + units as u32,
                },
            ),
            (_, true) => (a, self.position_of(end)),
        }
    }

    /// Zero-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.rope.byte_to_line(offset.min(self.rope.len_bytes()))
    }

    /// The first line break in `[start, end)`, or `end`: where a range's first line ends.
    pub fn first_line_end(&self, start: usize, end: usize) -> usize {
        let end = end.min(self.rope.len_bytes());
        let start = start.min(end);
        self.rope
            .byte_slice(start..end)
            .bytes()
            .position(|b| b == b'\n')
            .map_or(end, |i| start + i)
    }
}

/// An offset between the CR and the LF of a line break stands for the end of that line (the
/// CR's position): a position past the line's last character does not exist for the client.
pub fn not_inside_crlf(text: &[u8], offset: usize) -> usize {
    if offset > 0 && text.get(offset - 1) == Some(&b'\r') && text.get(offset) == Some(&b'\n') {
        offset - 1
    } else {
        offset
    }
}

/// Byte offset of the end of `line`, before its line break.
fn line_end_byte(rope: &Rope, line: usize) -> usize {
    let slice = rope.line(line);
    let len = slice.len_bytes();
    let mut end = rope.line_to_byte(line) + len;
    let last = (len >= 1).then(|| slice.byte(len - 1));
    let before = (len >= 2).then(|| slice.byte(len - 2));
    match (before, last) {
        (Some(b'\r'), Some(b'\n')) => end -= 2,
        (_, Some(b'\n' | b'\r')) => end -= 1,
        _ => {}
    }
    end
}

#[cfg(test)]
mod tests;
