//! Finds risky operations in a parsed file: one pass of the language's candidate query, then the
//! catalog's rules decide which candidates are findings. Pure: text and tree in, findings out.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Serialize;
use tree_sitter::{Node, Tree};

use crate::catalog::{CodeMatcher, CodeRule, RuleInfo, Severity};
use crate::conventions::{Conventions, ImportScope, Imports, Receiver};
use crate::language::Language;
use crate::{shell, sql};

mod clients;
mod matchers;
use matchers::*;
pub mod stop;

/// One risky operation found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: std::sync::Arc<str>,
    pub category: std::sync::Arc<str>,
    pub severity: Severity,
    /// Byte range of the operation in the file.
    pub start: usize,
    pub end: usize,
    /// What the code does and why it is dangerous.
    pub message: std::sync::Arc<str>,
    /// What raised or lowered the severity.
    pub notes: Vec<String>,
}

/// Cheap check before parsing: can any rule of the language match this text at all?
pub fn may_have_findings(lang: &Language, text: &str) -> bool {
    if lang.model.is_some() {
        return true; // a document is read whole: its model is what finds the places to look
    }
    counting_trigger(lang, text).is_some()
}

/// `Some` when a trigger word that counts occurs in `text`, with the gating crates the file
/// uses when a gated word had to be checked (scanned for once, then passed on).
fn counting_trigger(lang: &Language, text: &str) -> Option<Option<HashSet<String>>> {
    let mut gates: Option<HashSet<String>> = None;
    let found = holds_counting_trigger(lang, text, |g| {
        gates
            .get_or_insert_with(|| crates_used(lang, text))
            .contains(g)
    });
    found.then_some(gates)
}

/// Whether `text` holds a trigger word that counts: one that needs no gating crate, or one
/// whose gate `present` says the file names (asked only for words that need one).
fn holds_counting_trigger(
    lang: &Language,
    text: &str,
    mut present: impl FnMut(&str) -> bool,
) -> bool {
    // Overlapping: `delete` (gated on kube) must not hide `delete_vpc` (gated on the EC2 SDK).
    lang.triggers().find_overlapping_iter(text).any(|m| {
        let needs = &lang.trigger_gates[m.pattern().as_usize()];
        needs.is_empty() || needs.iter().any(|g| present(g))
    })
}

/// Where the trigger words that count in this file occur, and the gating crates it uses when
/// a word needed them (found once, on the first such word).
fn trigger_hits(
    lang: &Language,
    text: &str,
) -> (Vec<std::ops::Range<usize>>, Option<HashSet<String>>) {
    let mut present: Option<HashSet<String>> = None;
    let hits = lang
        .triggers()
        .find_overlapping_iter(text)
        .filter(|m| {
            let needs = &lang.trigger_gates[m.pattern().as_usize()];
            needs.is_empty() || {
                let present = present.get_or_insert_with(|| crates_used(lang, text));
                needs.iter().any(|g| present.contains(g))
            }
        })
        .map(|m| m.start()..m.end())
        .collect();
    (hits, present)
}

struct MethodCall<'t> {
    node: Node<'t>,
    recv: Node<'t>,
    name: &'t str,
    args: Node<'t>,
}

struct PathCall<'t> {
    node: Node<'t>,
    path: String,
    args: Node<'t>,
}

/// What a file imports and which gating crates it uses.
struct FileContext {
    /// `use` at file or module level: local name → full path.
    imports: HashMap<String, String>,
    /// `use` inside an item (a function body), by the item's start byte.
    item_imports: HashMap<usize, HashMap<String, String>>,
    wildcards: Vec<String>,
    crates: HashSet<String>,
    test_file: bool,
}

impl FileContext {
    /// Adds imports, their paths joined with the language's separator.
    fn add(&mut self, imports: &Imports, sep: &str) {
        for (local, path) in &imports.names {
            self.imports.insert(local.clone(), path.join(sep));
        }
        self.wildcards
            .extend(imports.globs.iter().map(|g| g.join(sep)));
    }

    fn empty() -> FileContext {
        FileContext {
            imports: HashMap::new(),
            item_imports: HashMap::new(),
            wildcards: Vec::new(),
            crates: HashSet::new(),
            test_file: false,
        }
    }
}

/// The child of `root` that contains `n` (`n` itself when it is the root or one of its
/// children). One step down from the root: a node's parent is found by walking down from the
/// root too, so climbing parent by parent cost the depth squared.
fn top_item<'t>(root: Node<'t>, n: Node<'t>) -> Node<'t> {
    if n == root {
        return n;
    }
    root.child_with_descendant(n).unwrap_or(n)
}

pub fn analyze(lang: &Language, tree: &Tree, text: &str, path: Option<&Path>) -> Vec<Finding> {
    if let Some(model) = lang.model {
        return crate::models::findings(lang, &model.build(tree.root_node(), text), text);
    }
    // Every rule needs one of the language's trigger words inside the call it matches, so only
    // the top-level items holding one are queried: most of a file is never visited.
    let (hits, crates) = trigger_hits(lang, text);
    if hits.is_empty() {
        return Vec::new();
    }
    let items = covering_items(tree, &hits);
    let crates = crates.unwrap_or_else(|| crates_used(lang, text));
    analyze_checked(lang, tree, text, path, &items, crates)
}

/// The top-level items (functions, impls, modules...) that cover `ranges`: the unit of
/// re-analysis after an edit.
pub fn covering_items(
    tree: &Tree,
    ranges: &[std::ops::Range<usize>],
) -> Vec<std::ops::Range<usize>> {
    let root = tree.root_node();
    let mut c = root.walk();
    let items: Vec<(usize, usize)> = root
        .children(&mut c)
        .map(|n| (n.start_byte(), n.end_byte()))
        .collect();
    let mut out: Vec<std::ops::Range<usize>> = ranges
        .iter()
        .map(|r| {
            // Items are in order and do not overlap: the first that ends at or after the range's
            // start, through the last that starts at or before its end.
            let first = items.partition_point(|&(_, end)| end < r.start);
            let last = items.partition_point(|&(start, _)| start <= r.end);
            let (mut lo, mut hi) = (r.start, r.end);
            if first < last {
                lo = lo.min(items[first].0);
                hi = hi.max(items[last - 1].1);
            }
            lo..hi
        })
        .collect();
    out.sort_by_key(|r| r.start);
    let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
    for r in out {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// True when an edit in `ranges` can change how the rest of the file resolves (imports,
/// modules): then the whole file is analysed again.
pub fn touches_file_context(
    lang: &Language,
    tree: &Tree,
    ranges: &[std::ops::Range<usize>],
) -> bool {
    touches_file_context_in(lang, tree, ranges, None)
}

/// As [`touches_file_context`]; with the text, a top-level syntax error counts only when it
/// holds an import (`use`, `mod`, `extern crate`): typing through a broken line inside a
/// function (`xlet`, `}x`) leaves the file's imports as they were, so it stays incremental.
pub fn touches_file_context_in(
    lang: &Language,
    tree: &Tree,
    ranges: &[std::ops::Range<usize>],
    text: Option<&str>,
) -> bool {
    // Only the top-level items each range touches (ends included) are looked at: a keystroke
    // in a file of 500 functions asked each of them.
    let root = tree.root_node();
    let mut c = root.walk();
    ranges.iter().any(|r| {
        c.reset(root);
        let first = match r.start.checked_sub(1) {
            // The first item that ends at or after the range's start.
            Some(before) => c.goto_first_child_for_byte(before).is_some(),
            None => c.goto_first_child(),
        };
        if !first {
            return false;
        }
        loop {
            let item = c.node();
            if item.start_byte() > r.end {
                return false;
            }
            if r.start <= item.end_byte() && lang.conventions.is_context_item(item, text) {
                return true;
            }
            if !c.goto_next_sibling() {
                return false;
            }
        }
    })
}

/// Whether `text` holds a gating crate's name or a rule's trigger word (whole words or not):
/// when neither the lines an edit removed nor those it wrote do, [`file_gates`] and
/// [`counts`] give what they gave before it.
pub fn names_a_word(lang: &Language, text: &str) -> bool {
    lang.gates.is_match(text) || lang.triggers().is_match(text)
}

/// Whether the file holds a trigger word that counts, given its gates ([`file_gates`]).
pub fn counts(lang: &Language, text: &str, gates: &[String]) -> bool {
    holds_counting_trigger(lang, text, |g| gates.iter().any(|have| have == g))
}

/// As [`analyze_ranges`] over the `items` of a file whose gates and trigger words are known
/// ([`file_gates`], [`counts`]): the text is not scanned for them again.
pub fn analyze_items(
    lang: &Language,
    tree: &Tree,
    text: &str,
    path: Option<&Path>,
    items: &[std::ops::Range<usize>],
    gates: &[String],
    counts: bool,
) -> Vec<Finding> {
    if lang.model.is_some() {
        return analyze_ranges(lang, tree, text, path, Some(items));
    }
    if !counts {
        return Vec::new();
    }
    analyze_checked(
        lang,
        tree,
        text,
        path,
        items,
        gates.iter().cloned().collect(),
    )
}

/// Like [`analyze`], limited to calls that intersect `ranges` (all of the file when `None`).
/// Imports at file and module level always count; a `use` inside an item counts for that item.
pub fn analyze_ranges(
    lang: &Language,
    tree: &Tree,
    text: &str,
    path: Option<&Path>,
    ranges: Option<&[std::ops::Range<usize>]>,
) -> Vec<Finding> {
    if let Some(model) = lang.model {
        let all = crate::models::findings(lang, &model.build(tree.root_node(), text), text);
        return match ranges {
            None => all,
            Some(r) => all
                .into_iter()
                .filter(|f| r.iter().any(|r| f.start <= r.end && r.start <= f.end))
                .collect(),
        };
    }
    let Some(crates) = counting_trigger(lang, text) else {
        return Vec::new();
    };
    #[allow(clippy::single_range_in_vec_init)] // one range: the whole text
    let whole = [0..text.len()];
    let crates = crates.unwrap_or_else(|| crates_used(lang, text));
    analyze_checked(lang, tree, text, path, ranges.unwrap_or(&whole), crates)
}

/// [`analyze_ranges`] for a file known to hold a trigger word that counts, using `crates`.
fn analyze_checked(
    lang: &Language,
    tree: &Tree,
    text: &str,
    path: Option<&Path>,
    ranges: &[std::ops::Range<usize>],
    crates: HashSet<String>,
) -> Vec<Finding> {
    let src = text.as_bytes();
    let conv = lang.conventions;
    let node_text = |n: Node| n.utf8_text(src).unwrap_or("");
    let cap = |name: &str| lang.capture(name);
    let (c_method_call, c_recv, c_method, c_args, c_path_call, c_path, c_macro_call, c_use) = (
        cap("method_call"),
        cap("recv"),
        cap("method"),
        cap("args"),
        cap("path_call"),
        cap("path"),
        cap("macro_call"),
        cap("use"),
    );

    let mut methods: Vec<MethodCall> = Vec::new();
    let mut paths: Vec<PathCall> = Vec::new();
    let mut macros: Vec<PathCall> = Vec::new();
    let mut ctx = FileContext {
        imports: HashMap::new(),
        item_imports: HashMap::new(),
        wildcards: Vec::new(),
        crates,
        test_file: path.is_some_and(|p| conv.is_test_path(p)),
    };
    let file_imports = conv.imports(tree.root_node(), src, ImportScope::FileLevel);
    ctx.add(&file_imports, lang.path_separator);

    let query = lang.query();
    for range in ranges {
        if stop::asked() {
            break;
        }
        query.for_each_match_in(tree.root_node(), src, range.clone(), &mut |m| {
            let get = |idx: Option<u32>| {
                idx.and_then(|i| m.captures.iter().find(|c| c.0 == i).map(|c| c.1))
            };
            if let Some(node) = get(c_method_call) {
                if let (Some(recv), Some(name), Some(args)) =
                    (get(c_recv), get(c_method), get(c_args))
                {
                    methods.push(MethodCall {
                        node,
                        recv,
                        name: node_text(name),
                        args,
                    });
                }
            } else if let Some(node) = get(c_path_call) {
                if let (Some(p), Some(args)) = (get(c_path), get(c_args)) {
                    paths.push(PathCall {
                        node,
                        path: conv.clean_path(node_text(p)),
                        args,
                    });
                }
            } else if let Some(node) = get(c_macro_call) {
                if let (Some(p), Some(args)) = (get(c_path), get(c_args)) {
                    macros.push(PathCall {
                        node,
                        path: conv.clean_path(node_text(p)),
                        args,
                    });
                }
            } else if let Some(u) = get(c_use) {
                let (imports, top_level) = conv.import_capture(u, src);
                if !top_level {
                    let item = top_item(tree.root_node(), u);
                    // An import inside a function or block: it counts for that item only.
                    let mut local = FileContext::empty();
                    local.add(&imports, lang.path_separator);
                    ctx.item_imports
                        .entry(item.start_byte())
                        .or_default()
                        .extend(local.imports);
                }
            }
        });
    }
    methods.sort_by_key(|m| m.node.start_byte());
    methods.dedup_by_key(|m| m.node.id());
    paths.sort_by_key(|p| p.node.start_byte());
    paths.dedup_by_key(|p| p.node.id());
    macros.sort_by_key(|p| p.node.start_byte());
    macros.dedup_by_key(|p| p.node.id());
    for crate_root in ctx
        .imports
        .values()
        .filter_map(|p| p.split(lang.path_separator).next())
    {
        if lang.gate_names.iter().any(|g| g == crate_root) {
            ctx.crates.insert(crate_root.to_string());
        }
    }

    let method_at: HashMap<usize, usize> = methods
        .iter()
        .enumerate()
        .map(|(i, m)| (m.node.id(), i))
        .collect();
    let mut found = Vec::new();
    let a = Analyzer {
        lang,
        root: tree.root_node(),
        src,
        ctx: &ctx,
        methods: &methods,
        method_at: &method_at,
        file_bindings: Default::default(),
    };

    for m in &methods {
        if m.name == conv.send_method() {
            a.sdk_chain(m, &mut found);
        }
        for &ri in lang.by_method.get(m.name).into_iter().flatten() {
            a.method_rule(&lang.rules[ri], m, &mut found);
        }
    }
    for p in &paths {
        let canonical = a.resolve(&p.path, p.node);
        for &ri in lang.by_path.get(&canonical).into_iter().flatten() {
            a.path_rule(&lang.rules[ri], p, &mut found);
        }
    }
    for p in &macros {
        let canonical = a.resolve(&p.path, p.node);
        for &ri in lang.by_path.get(&canonical).into_iter().flatten() {
            let rule = &lang.rules[ri];
            if let CodeMatcher::SqlMacro { .. } = rule.matcher {
                let first = a.strings_in(p.args).into_iter().next();
                if let Some(sql_text) = first {
                    a.sql_findings(&sql_text, p.node, &format!("{}!", p.path), &mut found);
                }
            }
        }
    }

    // A more specific rule on the same call replaces the general one.
    let superseded: HashSet<(usize, String)> = found
        .iter()
        .flat_map(|f: &Finding| {
            supersedes_of(lang, &f.rule)
                .into_iter()
                .map(move |s| (f.start, s))
        })
        .collect();
    found.retain(|f| !superseded.contains(&(f.start, f.rule.to_string())));
    found.sort_by_key(|f| (f.start, f.rule.clone()));
    found.dedup_by(|a, b| a.start == b.start && a.rule == b.rule);
    found
}

fn supersedes_of(lang: &Language, id: &str) -> Vec<String> {
    if let Some(r) = lang.rules.iter().find(|r| r.info.id == id) {
        return r.info.supersedes.clone();
    }
    crate::catalog::SHELL_RULES
        .iter()
        .find(|r| r.info.id == id)
        .map(|r| r.info.supersedes.clone())
        .unwrap_or_default()
}

/// What the file brings into scope at file level (imports, glob imports), as one value: when it
/// changes, every item may resolve differently. Cheap: only top-level items are read.
pub fn file_imports(lang: &Language, tree: &Tree, text: &str) -> Vec<String> {
    let imports =
        lang.conventions
            .imports(tree.root_node(), text.as_bytes(), ImportScope::FileLevel);
    let mut out: Vec<String> = imports
        .names
        .iter()
        .map(|(local, path)| format!("{local}={}", path.join(lang.path_separator)))
        .chain(
            imports
                .globs
                .iter()
                .map(|g| format!("*={}", g.join(lang.path_separator))),
        )
        .chain(
            lang.conventions
                .file_bindings(tree.root_node(), text.as_bytes())
                .into_iter()
                .map(|b| format!("binding {b}")),
        )
        .collect();
    out.sort();
    out
}

/// The gating crates a file names, sorted: when this changes, every item may read differently.
pub fn file_gates(lang: &Language, text: &str) -> Vec<String> {
    let mut v: Vec<String> = crates_used(lang, text).into_iter().collect();
    v.sort();
    v
}

/// Which gating crates the file names as a whole word outside line comments.
fn crates_used(lang: &Language, text: &str) -> HashSet<String> {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let marker = lang.conventions.line_comment();
    // Overlapping: a short name inside a longer one (`ecr` in `secretsmanager`) must not hide it.
    let mut found: Vec<(usize, usize)> = lang
        .gates
        .find_overlapping_iter(text)
        .filter(|m| {
            (m.start() == 0 || !is_ident(bytes[m.start() - 1]))
                && (m.end() == bytes.len() || !is_ident(bytes[m.end()]))
        })
        .map(|m| (m.start(), m.pattern().as_usize()))
        .collect();
    found.sort_unstable();
    // One forward pass over the text: where the current line starts and whether a line comment
    // opened on it before the match (a minified file is one long line: never scan it again).
    let mut out = HashSet::new();
    let (mut scanned, mut line_start, mut comment) = (0usize, 0usize, false);
    for (start, pattern) in found {
        if start > scanned {
            let slice = &text[scanned..start];
            let from = match slice.rfind('\n') {
                Some(i) => {
                    line_start = scanned + i + 1;
                    comment = false;
                    line_start
                }
                None => scanned
                    .saturating_sub(marker.len().saturating_sub(1))
                    .max(line_start),
            };
            let m = marker.as_bytes();
            comment = comment || bytes[from..start].windows(m.len()).any(|w| w == m);
            scanned = start;
        }
        if !comment {
            out.insert(lang.gate_names[pattern].clone());
        }
    }
    out
}

#[cfg(test)]
mod tests;
