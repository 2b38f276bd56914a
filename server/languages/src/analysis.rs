//! Finds risky operations in a parsed file: one pass of the language's candidate query, then the
//! catalog's rules decide which candidates are findings. Pure: text and tree in, findings out.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Serialize;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, QueryCursor, Tree};

use crate::catalog::{CodeMatcher, CodeRule, RuleInfo, Severity};
use crate::conventions::{Conventions, ImportScope, Imports, Receiver};
use crate::language::Language;
use crate::{shell, sql};

/// One risky operation found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub category: String,
    pub severity: Severity,
    /// Byte range of the operation in the file.
    pub start: usize,
    pub end: usize,
    /// What the code does and why it is dangerous.
    pub message: String,
    /// What raised or lowered the severity.
    pub notes: Vec<String>,
}

/// Cheap check before parsing: can any rule of the language match this text at all?
pub fn may_have_findings(lang: &Language, text: &str) -> bool {
    let mut gates: Option<HashSet<String>> = None;
    // Overlapping: `delete` (gated on kube) must not hide `delete_vpc` (gated on the EC2 SDK).
    lang.triggers.find_overlapping_iter(text).any(|m| {
        let needs = &lang.trigger_gates[m.pattern().as_usize()];
        needs.is_empty() || {
            let present = gates.get_or_insert_with(|| crates_used(lang, text));
            needs.iter().any(|g| present.contains(g))
        }
    })
}

/// Where the trigger words that count in this file occur.
fn trigger_hits(lang: &Language, text: &str) -> Vec<std::ops::Range<usize>> {
    let present = crates_used(lang, text);
    lang.triggers
        .find_overlapping_iter(text)
        .filter(|m| {
            let needs = &lang.trigger_gates[m.pattern().as_usize()];
            needs.is_empty() || needs.iter().any(|g| present.contains(g))
        })
        .map(|m| m.start()..m.end())
        .collect()
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

/// The child of the root that contains `n`.
fn top_item(n: Node) -> Node {
    let mut cur = n;
    while let Some(p) = cur.parent() {
        if p.parent().is_none() {
            return cur;
        }
        cur = p;
    }
    cur
}

pub fn analyze(lang: &Language, tree: &Tree, text: &str, path: Option<&Path>) -> Vec<Finding> {
    // Every rule needs one of the language's trigger words inside the call it matches, so only
    // the top-level items holding one are queried: most of a file is never visited.
    let hits = trigger_hits(lang, text);
    if hits.is_empty() {
        return Vec::new();
    }
    let items = covering_items(tree, &hits);
    analyze_ranges(lang, tree, text, path, Some(&items))
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
    let root = tree.root_node();
    let mut c = root.walk();
    let found = root.children(&mut c).any(|item| {
        lang.conventions.is_context_item(item, text)
            && ranges
                .iter()
                .any(|r| item.start_byte() <= r.end && r.start <= item.end_byte())
    });
    found || root.is_error()
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
    if !may_have_findings(lang, text) {
        return Vec::new();
    }
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
        crates: crates_used(lang, text),
        test_file: path.is_some_and(|p| conv.is_test_path(p)),
    };
    let file_imports = conv.imports(tree.root_node(), src, ImportScope::FileLevel);
    ctx.add(&file_imports, lang.path_separator);

    #[allow(clippy::single_range_in_vec_init)] // one range: the whole text
    let whole = [0..text.len()];
    let mut cursor = QueryCursor::new();
    for range in ranges.unwrap_or(&whole) {
        cursor.set_byte_range(range.clone());
        let mut matches = cursor.matches(&lang.query, tree.root_node(), src);
        while let Some(m) = matches.next() {
            let get = |idx: Option<u32>| {
                idx.and_then(|i| m.captures().iter().find(|c| c.index == i).map(|c| c.node))
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
                    let item = top_item(u);
                    // An import inside a function or block: it counts for that item only.
                    let mut local = FileContext::empty();
                    local.add(&imports, lang.path_separator);
                    ctx.item_imports
                        .entry(item.start_byte())
                        .or_default()
                        .extend(local.imports);
                }
            }
        }
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
        src,
        ctx: &ctx,
        methods: &methods,
        method_at: &method_at,
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
    found.retain(|f| !superseded.contains(&(f.start, f.rule.clone())));
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

struct Analyzer<'a, 't> {
    lang: &'a Language,
    src: &'t [u8],
    ctx: &'a FileContext,
    methods: &'a [MethodCall<'t>],
    method_at: &'a HashMap<usize, usize>,
}

impl<'a, 't> Analyzer<'a, 't> {
    fn conv(&self) -> &'static dyn Conventions {
        self.lang.conventions
    }

    /// The root of a method chain, through wrappers (`x.await`, `x?`, `(x)`, `&x`).
    fn chain_root(&self, mut n: Node<'t>) -> Node<'t> {
        loop {
            if let Some(&i) = self.method_at.get(&n.id()) {
                n = self.methods[i].recv;
                continue;
            }
            match self.conv().unwrap_expression(n) {
                Some(inner) => n = inner,
                None => return n,
            }
        }
    }

    fn text(&self, n: Node) -> &'t str {
        n.utf8_text(self.src).unwrap_or("")
    }

    fn gated(&self, crates: &[String]) -> bool {
        crates.is_empty() || crates.iter().any(|c| self.ctx.crates.contains(c))
    }

    /// `client.op().setter(..)...send()`: walks down from `.send()` to the operation.
    fn sdk_chain(&self, send: &MethodCall<'t>, found: &mut Vec<Finding>) {
        let mut chain: Vec<&MethodCall> = Vec::new();
        let mut cur = send.recv;
        while let Some(&i) = self.method_at.get(&cur.id()) {
            chain.push(&self.methods[i]);
            cur = self.methods[i].recv;
        }
        // `chain` runs from the last setter down to the operation; the root receiver is `cur`.
        let Some(op_pos) = chain.iter().rposition(|m| {
            self.lang.by_method.get(m.name).is_some_and(|rs| {
                rs.iter()
                    .any(|&ri| matches!(self.lang.rules[ri].matcher, CodeMatcher::SdkChain { .. }))
            })
        }) else {
            return;
        };
        let op = chain[op_pos];
        let setters = &chain[..op_pos];
        if !self.receiver_may_be_client(cur) {
            return;
        }
        for &ri in &self.lang.by_method[op.name] {
            let rule = &self.lang.rules[ri];
            let CodeMatcher::SdkChain {
                crates,
                escalators,
                mitigators,
                ..
            } = &rule.matcher
            else {
                continue;
            };
            if !self.gated(crates) {
                continue;
            }
            let mut severity = rule.info.severity;
            let mut notes = Vec::new();
            for s in setters {
                let arg = self.first_arg(s.args).map(|n| self.text(n)).unwrap_or("");
                if arg == "false" {
                    continue;
                }
                if escalators.iter().any(|e| e == s.name) {
                    severity = severity.raised();
                    notes.push(format!("raised by `{}({arg})`", s.name));
                }
                if mitigators.iter().any(|e| e == s.name) {
                    severity = severity.lowered();
                    notes.push(format!("lowered by `{}({arg})`", s.name));
                }
            }
            let what = rule.info.target.as_deref().unwrap_or(op.name);
            let message = format!("`{}()` ({what}): {}", op.name, rule.info.why);
            let start = self.conv().method_name_start(op.node);
            self.push(
                found,
                &rule.info,
                severity,
                notes,
                start,
                send.node.end_byte(),
                send.node,
                message,
            );
        }
    }

    /// A chain's root that is bound to something other than a client (a `HashMap`, a cache)
    /// makes a same-named method an ordinary one. Unknown bindings are given the benefit of the
    /// doubt: the file already uses the SDK crate.
    fn receiver_may_be_client(&self, root: Node) -> bool {
        let evidence = match self.conv().receiver(root, self.src) {
            Receiver::Binding(name) => self.conv().binding_text(root, &name, self.src),
            Receiver::SelfValue | Receiver::Field => return true,
            Receiver::Other(_) => Some(self.text(root).to_string()),
        };
        match evidence {
            None => true,
            Some(t) => {
                let lower = t.to_ascii_lowercase();
                lower.contains("client")
                    || lower.contains("sdk")
                    || self.ctx.imports.iter().any(|(local, full)| {
                        let root = full.split(self.lang.path_separator).next().unwrap_or("");
                        self.ctx.crates.contains(root) && contains_word(&t, local)
                    })
            }
        }
    }

    fn method_rule(&self, rule: &CodeRule, m: &MethodCall<'t>, found: &mut Vec<Finding>) {
        let CodeMatcher::MethodCall {
            crates,
            arg_contains,
            arg_literal,
            arg_string_prefix,
            receiver_contains,
            sql_arg,
            ..
        } = &rule.matcher
        else {
            return;
        };
        if !self.gated(crates) {
            return;
        }
        let args_text = self.text(m.args);
        if !arg_contains.is_empty() && !arg_contains.iter().any(|c| args_text.contains(c.as_str()))
        {
            return;
        }
        if let Some(lit) = arg_literal {
            if self.first_arg(m.args).map(|n| self.text(n)) != Some(lit.as_str()) {
                return;
            }
        }
        if let Some(prefix) = arg_string_prefix {
            if !self
                .strings_in(m.args)
                .iter()
                .any(|s| s.starts_with(prefix.as_str()))
            {
                return;
            }
        }
        if !receiver_contains.is_empty() {
            let root = self.chain_root(m.recv);
            let evidence = match self.conv().receiver(root, self.src) {
                Receiver::Binding(name) => self
                    .conv()
                    .binding_text(root, &name, self.src)
                    .unwrap_or_default(),
                _ => self.text(root).to_string(),
            };
            if !receiver_contains
                .iter()
                .any(|c| evidence.contains(c.as_str()))
            {
                return;
            }
        }
        if *sql_arg {
            if let Some(s) = self.first_arg(m.args).and_then(|n| self.string_value(n)) {
                self.sql_findings(&s, m.node, &format!(".{}()", m.name), found);
            }
            return;
        }
        let what = rule.info.target.as_deref().unwrap_or(m.name);
        let message = format!("`.{}()` ({what}): {}", m.name, rule.info.why);
        let start = self.conv().method_name_start(m.node);
        self.push(
            found,
            &rule.info,
            rule.info.severity,
            Vec::new(),
            start,
            m.node.end_byte(),
            m.node,
            message,
        );
    }

    fn path_rule(&self, rule: &CodeRule, p: &PathCall<'t>, found: &mut Vec<Finding>) {
        match &rule.matcher {
            CodeMatcher::PathCall {
                arg_shape, sql_arg, ..
            } => {
                if *sql_arg {
                    if let Some(s) = self.first_arg(p.args).and_then(|n| self.string_value(n)) {
                        self.sql_findings(&s, p.node, &p.path, found);
                    }
                    return;
                }
                if arg_shape.as_deref() == Some("bare") {
                    let bare = self
                        .first_arg(p.args)
                        .is_some_and(|n| self.conv().is_bare_path(n));
                    if !bare {
                        return;
                    }
                }
                let what = rule.info.target.as_deref().unwrap_or(&p.path);
                let message = format!("`{}` ({what}): {}", p.path, rule.info.why);
                self.push(
                    found,
                    &rule.info,
                    rule.info.severity,
                    Vec::new(),
                    p.node.start_byte(),
                    p.node.end_byte(),
                    p.node,
                    message,
                );
            }
            CodeMatcher::Command { .. } => {
                let argv = self.command_argv(p);
                if argv.is_empty() {
                    return;
                }
                for cf in shell::scan_argv(&argv) {
                    let what = cf.rule.info.target.as_deref().unwrap_or("");
                    let message = format!("runs `{}` ({what}): {}", cf.command, cf.rule.info.why);
                    self.push(
                        found,
                        &cf.rule.info,
                        cf.severity,
                        Vec::new(),
                        p.node.start_byte(),
                        p.node.end_byte(),
                        p.node,
                        message,
                    );
                }
            }
            _ => {}
        }
    }

    /// The argv a `Command::new(prog)` builds: the program, then the literal `.arg`/`.args` in
    /// the same chain or on the variable it is bound to (`let mut cmd = ...; cmd.arg(..)`).
    fn command_argv(&self, p: &PathCall<'t>) -> Vec<String> {
        let Some(program) = self.first_arg(p.args).and_then(|n| self.string_value(n)) else {
            return Vec::new();
        };
        let mut argv = vec![program];
        let mut calls: Vec<&MethodCall> = Vec::new();
        // Calls chained directly on the constructor.
        let mut cur = p.node;
        while let Some(call) = self
            .conv()
            .call_on(cur)
            .and_then(|c| self.method_at.get(&c.id()).map(|&i| &self.methods[i]))
        {
            calls.push(call);
            cur = call.node;
        }
        // Calls on the variable the command is bound to, later in the same block.
        if let Some(var) = self.conv().bound_name(p.node, self.src) {
            let scope = self.conv().enclosing_block(p.node);
            for m in self.methods {
                let root = self.chain_root(m.recv);
                if self.conv().receiver(root, self.src) == Receiver::Binding(var.clone())
                    && m.node.start_byte() > p.node.end_byte()
                    && scope.is_some_and(|s| {
                        s.start_byte() <= m.node.start_byte() && m.node.end_byte() <= s.end_byte()
                    })
                {
                    calls.push(m);
                }
            }
        }
        calls.sort_by_key(|m| m.node.start_byte());
        calls.dedup_by_key(|m| m.node.id());
        let (arg, args) = self.conv().arg_methods();
        for m in calls {
            match m.name {
                n if n == arg => argv.push(
                    self.first_arg(m.args)
                        .and_then(|n| self.string_value(n))
                        .unwrap_or_else(|| "<expr>".into()),
                ),
                n if n == args => {
                    let strings = self.strings_in(m.args);
                    if strings.is_empty() {
                        argv.push("<expr>".into());
                    }
                    argv.extend(strings);
                }
                _ => {}
            }
        }
        argv
    }

    fn sql_findings(&self, sql_text: &str, node: Node, via: &str, found: &mut Vec<Finding>) {
        for f in sql::scan_sql(sql_text) {
            let what = f.rule.info.target.as_deref().unwrap_or("");
            let message = format!(
                "`{via}` executes `{}` ({what}): {}",
                f.statement, f.rule.info.why
            );
            self.push(
                found,
                &f.rule.info,
                f.severity,
                Vec::new(),
                node.start_byte(),
                node.end_byte(),
                node,
                message,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &self,
        found: &mut Vec<Finding>,
        info: &RuleInfo,
        mut severity: Severity,
        mut notes: Vec<String>,
        start: usize,
        end: usize,
        node: Node,
        message: String,
    ) {
        if self.ctx.test_file || self.conv().in_test_code(node, self.src) {
            severity = severity.lowered();
            notes.push("in test code".into());
        }
        found.push(Finding {
            rule: info.id.clone(),
            category: info.category.clone(),
            severity,
            start,
            end,
            message,
            notes,
        });
    }

    fn resolve(&self, path: &str, at: Node) -> String {
        let sep = self.lang.path_separator;
        let path = path.trim_start_matches(sep);
        let (first, rest) = match path.split_once(sep) {
            Some((f, r)) => (f, Some(r)),
            None => (path, None),
        };
        let local = self
            .ctx
            .item_imports
            .get(&top_item(at).start_byte())
            .and_then(|m| m.get(first));
        if let Some(full) = local.or_else(|| self.ctx.imports.get(first)) {
            return match rest {
                Some(r) => format!("{full}{sep}{r}"),
                None => full.clone(),
            };
        }
        if rest.is_none() {
            for w in &self.ctx.wildcards {
                let candidate = format!("{w}{sep}{path}");
                if self.lang.by_path.contains_key(&candidate) {
                    return candidate;
                }
            }
        }
        path.to_string()
    }

    fn first_arg(&self, args: Node<'t>) -> Option<Node<'t>> {
        self.conv().first_arg(args)
    }

    /// The value of a string literal node.
    fn string_value(&self, n: Node) -> Option<String> {
        if !self.lang.string_kinds.contains(&n.kind()) {
            return None;
        }
        Some(self.conv().unquote(self.text(n)))
    }

    /// Every string literal under `n`, in order.
    fn strings_in(&self, n: Node) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![n];
        while let Some(node) = stack.pop() {
            if let Some(s) = self.string_value(node) {
                out.push(s);
                continue;
            }
            let mut c = node.walk();
            let children: Vec<Node> = node.children(&mut c).collect();
            stack.extend(children.into_iter().rev());
        }
        out
    }
}

fn contains_word(haystack: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    haystack.match_indices(word).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
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
    let mut out = HashSet::new();
    for m in lang.gates.find_iter(text) {
        let before_ok = m.start() == 0 || !is_ident(bytes[m.start() - 1]);
        let after_ok = m.end() == bytes.len() || !is_ident(bytes[m.end()]);
        if !before_ok || !after_ok {
            continue;
        }
        let line_start = text[..m.start()].rfind('\n').map_or(0, |i| i + 1);
        if text[line_start..m.start()].contains(lang.conventions.line_comment()) {
            continue;
        }
        out.insert(lang.gate_names[m.pattern().as_usize()].clone());
    }
    out
}

#[cfg(test)]
#[path = "analysis_tests.rs"]
mod tests;
