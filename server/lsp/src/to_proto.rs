//! Core values as LSP values: ranges, locations, region JSON, attribution lines.

use super::*;

pub(crate) fn range_of(file: &TrackedFile, start: usize, end: usize) -> Range {
    let a = file.doc.position_of(start);
    let b = file.doc.position_of(end);
    Range::new(
        Position::new(a.line, a.character),
        Position::new(b.line, b.character),
    )
}

/// The region's first line: where its review diagnostic and code action sit.
pub(crate) fn head_range(file: &TrackedFile, r: &Region) -> Range {
    let text = file.doc.text();
    let line_end = text[r.start..r.end]
        .find('\n')
        .map_or(r.end, |i| r.start + i);
    range_of(file, r.start, line_end.max(r.start))
}

pub(crate) fn region_json(file: &TrackedFile, a: &Assessment) -> Value {
    aigis_core::report::region_json(a, &|off| file.doc.position_of(off), None)
}

pub(crate) fn location(file: &Path, line: usize, col: usize) -> Option<Location> {
    let uri = Uri::from_file_path(file)?;
    let pos = Position::new(line as u32, col as u32);
    Some(Location::new(uri, Range::new(pos, pos)))
}
