//! What a proposed change does to a file's risky operations: the findings it adds, removes and
//! keeps, told apart by comparing the text before and after (a rewrite that keeps an existing
//! `delete_stack` unchanged adds nothing; the same call with new arguments is new). `guard` and
//! `aigis mcp`'s `check_change` both ask this, so they always agree.

use std::collections::HashMap;
use std::path::Path;

use crate::analysis::{self, Finding};
use crate::language::Language;
use crate::workspace::Workspace;

/// Before and after, compared.
#[derive(Debug, Default, Clone)]
pub struct Compared {
    /// In the new text, inside what the change wrote, with no identical one before.
    pub added: Vec<Finding>,
    /// In the old text, inside what the change replaced, gone after.
    pub removed: Vec<Finding>,
    /// In the new text, inside what the change wrote, identical to one that was there before.
    pub kept: Vec<Finding>,
    /// Byte ranges of the old text that the change replaced (empty where it only inserts).
    pub old_changed: Vec<(usize, usize)>,
    /// Byte ranges of the new text that the change wrote.
    pub new_changed: Vec<(usize, usize)>,
}

/// Byte ranges of a text.
pub type Spans = Vec<(usize, usize)>;

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// The byte range of lines `[first, first + n)` (zero-based) of a text with these line starts.
fn line_span(starts: &[usize], len: usize, first: usize, n: usize) -> (usize, usize) {
    let at = |l: usize| starts.get(l).copied().unwrap_or(len).min(len);
    (at(first), at(first + n))
}

/// The changed line ranges of `old` and `new`, as byte ranges of each.
pub fn changed_ranges(old: &str, new: &str) -> (Spans, Spans) {
    let diff = similar::TextDiff::configure()
        .timeout(std::time::Duration::from_millis(200))
        .diff_lines(old, new);
    let (os, ns) = (line_starts(old), line_starts(new));
    let mut olds = Vec::new();
    let mut news = Vec::new();
    for op in diff.ops() {
        if matches!(op, similar::DiffOp::Equal { .. }) {
            continue;
        }
        let (o, n) = (op.old_range(), op.new_range());
        olds.push(line_span(&os, old.len(), o.start, o.len()));
        let span = line_span(&ns, new.len(), n.start, n.len());
        if span.0 < span.1 {
            news.push(span);
        }
    }
    (olds, news)
}

/// What identifies a finding across the two texts: its rule and its code, whitespace aside.
fn key(f: &Finding, text: &str) -> (String, String) {
    let code = text.get(f.start..f.end).unwrap_or("");
    (
        f.rule.to_string(),
        code.split_whitespace().collect::<Vec<_>>().join(" "),
    )
}

fn inside(f: &Finding, ranges: &[(usize, usize)]) -> bool {
    ranges
        .iter()
        .any(|&(s, e)| f.start < e.max(s + 1) && s < f.end)
}

/// Compares `old` and `new` (the whole file before and after) for a file of language `lang`.
pub fn compare(
    lang: Option<&'static Language>,
    path: &Path,
    old: &str,
    new: &str,
    ws: Option<&Workspace>,
) -> Compared {
    let trees = lang.and_then(|l| {
        let old_tree = crate::parse::parse(l, old)?;
        let new_tree = crate::parse::reparse_changed(l, old, &old_tree, new)?;
        Some((l, old_tree, new_tree))
    });
    match &trees {
        Some((l, a, b)) => compare_trees(Some((*l, a, b)), path, old, new, ws),
        None => compare_trees(None, path, old, new, ws),
    }
}

/// The findings of `text` inside `ranges` only (the items holding them), unless the edit
/// touches what the whole file depends on (its imports): then all of them.
fn findings_in_ranges(
    lang: &'static Language,
    tree: &crate::parse::Tree,
    text: &str,
    path: &Path,
    ranges: &[(usize, usize)],
    ws: Option<&Workspace>,
) -> Vec<Finding> {
    let ranges: Vec<std::ops::Range<usize>> = ranges.iter().map(|&(s, e)| s..e.max(s)).collect();
    let found = if analysis::touches_file_context(lang, tree, &ranges) {
        analysis::analyze(lang, tree, text, Some(path))
    } else {
        let items = analysis::covering_items(tree, &ranges);
        analysis::analyze_ranges(lang, tree, text, Some(path), Some(&items))
    };
    match ws {
        Some(ws) => ws.enabled(found),
        None => found,
    }
}

/// `compare`, with both texts already parsed (`(language, old tree, new tree)`).
pub fn compare_trees(
    parsed: Option<(&'static Language, &crate::parse::Tree, &crate::parse::Tree)>,
    path: &Path,
    old: &str,
    new: &str,
    ws: Option<&Workspace>,
) -> Compared {
    let (old_changed, new_changed) = changed_ranges(old, new);
    let mut out = Compared {
        old_changed,
        new_changed,
        ..Default::default()
    };
    let Some((lang, old_tree, new_tree)) = parsed else {
        return out;
    };
    let before: Vec<Finding> = findings_in_ranges(lang, old_tree, old, path, &out.old_changed, ws)
        .into_iter()
        .filter(|f| inside(f, &out.old_changed))
        .collect();
    let after: Vec<Finding> = findings_in_ranges(lang, new_tree, new, path, &out.new_changed, ws)
        .into_iter()
        .filter(|f| inside(f, &out.new_changed))
        .collect();
    let mut was: HashMap<(String, String), usize> = HashMap::new();
    for f in &before {
        *was.entry(key(f, old)).or_default() += 1;
    }
    let mut now: HashMap<(String, String), usize> = HashMap::new();
    for f in &after {
        *now.entry(key(f, new)).or_default() += 1;
    }
    for f in after {
        match was.get_mut(&key(&f, new)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                out.kept.push(f);
            }
            _ => out.added.push(f),
        }
    }
    for f in before {
        match now.get_mut(&key(&f, old)) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.removed.push(f),
        }
    }
    // What only the comparison shows: a Terraform argument whose change replaces the resource.
    let compared = crate::models::compared_findings(lang, (old_tree, old), (new_tree, new));
    let compared = match ws {
        Some(ws) => ws.enabled(compared),
        None => compared,
    };
    out.added.extend(compared);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust() -> Option<&'static Language> {
        crate::language::by_name("rust")
    }

    const OLD: &str = "use aws_sdk_cloudformation::Client;\nasync fn a(c: &Client) {\n    c.delete_stack().stack_name(\"x\").send().await;\n}\n";

    #[test]
    fn a_new_call_is_added_and_an_untouched_one_is_not() {
        let new = format!("{OLD}async fn b(c: &Client) {{\n    c.delete_stack().stack_name(\"y\").send().await;\n}}\n");
        let c = compare(rust(), Path::new("x.rs"), OLD, &new, None);
        assert_eq!(c.added.len(), 1, "{c:?}");
        assert!(c.removed.is_empty() && c.kept.is_empty(), "{c:?}");
    }

    #[test]
    fn reindenting_a_call_keeps_it_and_deleting_it_removes_it() {
        let new = OLD.replace("    c.delete", "        c.delete");
        let c = compare(rust(), Path::new("x.rs"), OLD, &new, None);
        assert!(c.added.is_empty(), "{c:?}");
        assert_eq!(c.kept.len(), 1);
        let gone = OLD.replace("    c.delete_stack().stack_name(\"x\").send().await;\n", "");
        let c = compare(rust(), Path::new("x.rs"), OLD, &gone, None);
        assert_eq!((c.added.len(), c.removed.len()), (0, 1), "{c:?}");
    }

    #[test]
    fn new_arguments_make_a_new_call() {
        let new = OLD.replace("\"x\"", "\"prod\"");
        let c = compare(rust(), Path::new("x.rs"), OLD, &new, None);
        assert_eq!((c.added.len(), c.removed.len()), (1, 1), "{c:?}");
    }
}
