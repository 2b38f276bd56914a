//! The operations front ends share on a file read from disk: load it with its regions from the
//! ledger and from history (git-ai notes, Agent Trace, trailers), and analyse it, as `scan`
//! sees it. `aigis review`, `aigis blame` (and the MCP tools to come) call this, not their own
//! copies.

use std::path::Path;

use crate::document::PositionEncoding;
use crate::history::{self, LineOrigin};
use crate::language;
use crate::tracked_file::TrackedFile;
use crate::workspace::Workspace;

/// A file as the engine assessed it.
pub struct OpenedFile {
    pub file: TrackedFile,
    /// Relative to the workspace root.
    pub rel: String,
    /// Who wrote each line per history (index 0 is line 1).
    pub history: Vec<LineOrigin>,
    /// What the ledger could not read (hand edits, bad merges), to show the user.
    pub warnings: Vec<String>,
}

/// Loads `path` (inside `ws`) with its regions from the ledger and history, analysed.
pub fn open_file(ws: &Workspace, path: &Path) -> Result<OpenedFile, String> {
    let abs = path
        .canonicalize()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let rel = ws.relative(&abs).ok_or_else(|| {
        format!(
            "{} is outside the workspace {}",
            path.display(),
            ws.root.display()
        )
    })?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut warnings = Vec::new();
    let mut file = TrackedFile::load(
        Some(ws),
        Some(rel.clone()),
        &text,
        0,
        PositionEncoding::Utf16,
        language::for_path(path),
        &mut warnings,
    );
    // Regions history attributes are reviewed like the ledger's: `scan` shows them.
    let history = history::attribute(&ws.root, &rel);
    let human: Vec<(usize, usize)> = file.human.iter().map(|h| (h.start, h.end)).collect();
    file.set_history(history::regions_of(&text, &history, &human));
    file.analyze(Some(ws), false, Some(Path::new(&rel)));
    Ok(OpenedFile {
        file,
        rel,
        history,
        warnings: warnings.iter().map(|w| w.to_string()).collect(),
    })
}
