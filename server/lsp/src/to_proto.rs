//! Core values as LSP values: ranges, locations, region JSON, attribution lines.

use super::*;

pub(crate) fn range_of(pos: &Positions, start: usize, end: usize) -> Range {
    let (a, b) = pos.range_of(start, end);
    range(a, b)
}

/// Two positions in the negotiated encoding as an LSP range.
pub(crate) fn range(a: LineCol, b: LineCol) -> Range {
    Range::new(
        Position::new(a.line, a.character),
        Position::new(b.line, b.character),
    )
}

/// The region's first line: where its review diagnostic and code action sit.
pub(crate) fn head_range(pos: &Positions, r: &Region) -> Range {
    let line_end = pos.first_line_end(r.start, r.end);
    range_of(pos, r.start, line_end.max(r.start))
}

pub(crate) fn region_json(pos: &Positions, a: &Assessment) -> Value {
    aigis_core::report::region_json(a, &|off| pos.position_of(off), None)
}

pub(crate) fn location(file: &Path, line: usize, col: usize) -> Option<Location> {
    let uri = Uri::from_file_path(file)?;
    let pos = Position::new(line as u32, col as u32);
    Some(Location::new(uri, Range::new(pos, pos)))
}
