//! A text document as the editor sees it: a rope for cheap edits and position conversion, and the
//! tree-sitter tree kept up to date incrementally.

use ropey::Rope;
use tree_sitter::{InputEdit, Point, Tree};

use crate::parse::Parser;

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
    tree: Option<Tree>,
}

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
        };
        doc.reparse();
        doc
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn tree(&self) -> Option<&Tree> {
        self.tree.as_ref()
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
        if let Some(tree) = self.tree.as_mut() {
            tree.edit(&InputEdit {
                start_byte: start,
                old_end_byte: old_end,
                new_end_byte: new_end,
                start_position: start_point,
                old_end_position: old_end_point,
                new_end_position: new_end_point,
            });
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
        if self.too_large() {
            self.tree = None;
            return Vec::new();
        }
        let (Some(parser), Some(lang)) = (self.parser.as_mut(), self.language) else {
            return Vec::new();
        };
        let new = parser.parse(lang, &self.text, self.tree.as_ref());
        let changed = match (&self.tree, &new) {
            (Some(old), Some(new)) => old
                .changed_ranges(new)
                .map(|r| r.start_byte..r.end_byte)
                .collect(),
            _ => std::iter::once(0..self.text.len()).collect(),
        };
        self.tree = new;
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

    /// Position of a byte offset (clamped to the document).
    pub fn position_of(&self, offset: usize) -> LineCol {
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
mod tests {
    use super::*;

    fn lc(line: u32, character: u32) -> LineCol {
        LineCol { line, character }
    }

    #[test]
    fn utf16_positions_count_surrogate_pairs() {
        let doc = Document::new("a😀b\nxy\n", 0, PositionEncoding::Utf16, None);
        assert_eq!(doc.offset_of(lc(0, 3)), 5); // after the emoji (2 code units, 4 bytes)
        assert_eq!(doc.position_of(5), lc(0, 3));
        assert_eq!(
            doc.offset_of(lc(0, 99)),
            6,
            "past the end of a line clamps to it"
        );
        assert_eq!(
            doc.offset_of(lc(42, 0)),
            doc.len_bytes(),
            "past the end of the file"
        );
    }

    #[test]
    fn utf8_positions_are_bytes() {
        let doc = Document::new("é=1\r\nz", 0, PositionEncoding::Utf8, None);
        assert_eq!(doc.offset_of(lc(0, 1)), 0, "inside a character rounds down");
        assert_eq!(doc.offset_of(lc(0, 9)), 4, "clamps before CRLF");
        assert_eq!(doc.position_of(6), lc(1, 0));
    }

    #[test]
    fn edits_keep_rope_text_and_tree_in_step() {
        let lang = crate::language::by_name("rust");
        let mut doc = Document::new("fn a() {}\n", 0, PositionEncoding::Utf16, lang);
        doc.apply_change(Some((lc(0, 3), lc(0, 4))), "bbb");
        doc.apply_change(Some((lc(1, 0), lc(1, 0))), "fn c() {}\n");
        doc.reparse();
        assert_eq!(doc.text(), "fn bbb() {}\nfn c() {}\n");
        let root = doc.tree().unwrap().root_node();
        assert_eq!(root.named_child_count(), 2);
        assert!(!root.has_error());
    }
}
