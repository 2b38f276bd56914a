//! Byte offsets as lines and UTF-16 columns, for reports that editors and SARIF viewers read.

use crate::document::LineCol;

/// Byte offset → line and UTF-16 column, for reports that editors and SARIF viewers read.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn line(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    pub fn position(&self, text: &str, offset: usize) -> LineCol {
        let offset = crate::document::not_inside_crlf(text.as_bytes(), offset.min(text.len()));
        let line = self.line(offset);
        let start = self.starts[line];
        let character = text
            .get(start..offset)
            .map_or(0, |s| s.encode_utf16().count());
        LineCol {
            line: line as u32,
            character: character as u32,
        }
    }
}
