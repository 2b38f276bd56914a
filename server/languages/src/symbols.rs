//! Per-file symbol tables: the definitions and references that `queries/<lang>/tags.scm` finds,
//! with the context (module path, `impl` type, imports, receiver bindings, enclosing function,
//! test code) that the workspace index needs to resolve a reference to the definition it means.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use foldhash::fast::RandomState as FastHash;
use serde::{Deserialize, Serialize};
use tree_sitter::{Node, Tree};

use crate::analysis;
use crate::catalog::Severity;
use crate::conventions::{text_of, ImportScope, Imports, Receiver};
use crate::language::Language;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DefKind {
    Function,
    Method,
    Struct,
    Enum,
    Trait,
    Type,
    Const,
    Static,
    Macro,
    Module,
}

/// What makes a function an entry point of the program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Entry {
    Main,
    HttpHandler,
    PublicApi,
}

// Serialized for the index cache kept between starts (`aigis-core`'s `index::cache`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Def {
    pub name: String,
    pub kind: DefKind,
    /// Module path inside the crate (`["deploy", "aws"]`).
    pub module: Vec<String>,
    /// For methods: the `impl` type's simple name.
    pub impl_type: Option<String>,
    pub start: usize,
    pub end: usize,
    pub name_start: usize,
    pub line: usize,
    pub is_pub: bool,
    pub is_test: bool,
    pub entry: Option<Entry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RefKind {
    Call,
    Method,
    Macro,
    Type,
    Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ref {
    pub name: String,
    pub kind: RefKind,
    /// The path before the name (`deploy::purge` → `["deploy"]`).
    pub qualifier: Vec<String>,
    /// For method calls: the receiver's type when the code says it (`self`, a typed binding).
    pub receiver_type: Option<String>,
    pub start: usize,
    pub end: usize,
    pub line: usize,
    /// Byte column of `start` in its line.
    pub col: usize,
    /// Index in `defs` of the innermost function around the reference.
    pub enclosing: Option<usize>,
    pub in_test: bool,
    /// The name is a local binding (a closure, a parameter) where it is used.
    pub shadowed: bool,
}

/// A risky operation inside a function, for risk reachable through calls.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RiskyCall {
    pub rule: String,
    pub severity: Severity,
    pub line: usize,
    pub col: usize,
    pub enclosing: Option<usize>,
}

/// One file's symbol table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileSymbols {
    pub path: PathBuf,
    pub crate_id: usize,
    /// The file's module path inside its crate.
    pub module: Vec<String>,
    pub is_test_file: bool,
    pub defs: Vec<Def>,
    pub refs: Vec<Ref>,
    /// local name → full path segments (`use a::b::c as d` → d → [a, b, c]).
    pub imports: HashMap<String, Vec<String>>,
    /// `use a::b::*` prefixes.
    pub globs: Vec<Vec<String>>,
    pub risky: Vec<RiskyCall>,
}

/// Extracts a file's symbols with one pass of the tags query.
pub fn extract(
    lang: &Language,
    tree: &Tree,
    text: &str,
    path: &Path,
    module: Vec<String>,
) -> FileSymbols {
    let src = text.as_bytes();
    let conv = lang.conventions;
    let mut out = FileSymbols {
        path: path.to_path_buf(),
        module: module.clone(),
        is_test_file: conv.is_test_path(path),
        ..Default::default()
    };
    if let Some(model) = lang.model {
        let doc = model.build(tree.root_node(), text);
        if let Some((defs, refs)) = model.symbols(&doc, text) {
            out.defs = defs
                .into_iter()
                .map(|mut d| {
                    d.module = module.clone();
                    d
                })
                .collect();
            out.refs = refs;
        }
        return out;
    }
    let Some(q) = lang.tags() else {
        return out;
    };
    let names = q.capture_names();
    // Imports, file level and nested: from the walk's own `@import` captures when the query
    // has them (one walk for the whole table), else from a walk of the language's own. A
    // file-level import is the one a name means outside the item that holds a nested one, so
    // it is put in last and wins.
    let mut top = match q.capture_index("import") {
        Some(_) => Imports::default(),
        None => conv.imports(tree.root_node(), src, ImportScope::Everywhere),
    };
    let mut nested = Imports::default();
    let mut pending_refs: Vec<(Node, Ref, Receiver)> = Vec::new();
    // Per-file tables, hashed with foldhash, seeded (names come from the repository's text):
    // SipHash was a quarter of the work after the walk in one profile.
    let mut def_nodes: HashSet<usize, FastHash> = HashSet::default();
    // (position, name, declared or constructed type) of every local binding.
    let mut locals: Vec<(usize, String, Option<String>)> = Vec::new();
    // (body start, body end, is a module, name): inline modules, impl blocks and traits.
    let mut scopes: Vec<(usize, usize, bool, String)> = Vec::new();
    q.for_each_match(tree.root_node(), src, &mut |m| {
        let mut item = None;
        let mut def: Option<(Node, &str)> = None;
        let mut reference: Option<(Node, &str)> = None;
        let mut path_node = None;
        let mut recv = None;
        let mut local = None;
        let mut binding = None;
        let mut scope: Option<(Node, &str)> = None;
        let mut scope_body = None;
        for &(index, node) in m.captures {
            let name = names[index as usize].as_str();
            match name {
                "import" => {
                    let (imports, top_level) = conv.import_capture(node, src);
                    let to = if top_level { &mut top } else { &mut nested };
                    to.names.extend(imports.names);
                    to.globs.extend(imports.globs);
                    return;
                }
                "scope.body" => scope_body = Some(node),
                n if n.starts_with("scope.") => scope = Some((node, &n[6..])),
                "item" => item = Some(node),
                "ref.path" => path_node = Some(node),
                "recv" => recv = Some(node),
                "local" => local = Some(node),
                "let" | "param" => binding = Some(node),
                n if n.starts_with("def.") => def = Some((node, &n[4..])),
                n if n.starts_with("ref.") => reference = Some((node, &n[4..])),
                _ => {}
            }
        }
        if let (Some((name_node, kind)), Some(body)) = (scope, scope_body) {
            let name = match kind {
                "impl" => conv.simple_type(text_of(name_node, src)),
                _ => text_of(name_node, src).to_string(),
            };
            scopes.push((body.start_byte(), body.end_byte(), kind == "mod", name));
            return;
        }
        if let Some(l) = local {
            let ty = binding.and_then(|b| conv.binding_type(b, src));
            locals.push((l.start_byte(), text_of(l, src).to_string(), ty));
            return;
        }
        if let (Some((name_node, kind)), Some(item)) = (def, item) {
            def_nodes.insert(name_node.id());
            let (mods, impl_type) = (Vec::new(), None::<String>);
            let mut full_mod = module.clone();
            full_mod.extend(mods);
            let kind = match kind {
                "function" if impl_type.is_some() => DefKind::Method,
                "function" => DefKind::Function,
                "struct" => DefKind::Struct,
                "enum" => DefKind::Enum,
                "trait" => DefKind::Trait,
                "type" => DefKind::Type,
                "const" => DefKind::Const,
                "static" => DefKind::Static,
                "macro" => DefKind::Macro,
                _ => DefKind::Module,
            };
            let name = text_of(name_node, src).to_string();
            let traits = conv.def_traits(text, item.start_byte(), &name, kind == DefKind::Function);
            let is_pub = conv.is_public(item);
            let is_test = out.is_test_file || traits.is_test;
            let entry = if traits.is_main {
                Some(Entry::Main)
            } else if traits.is_http_handler {
                Some(Entry::HttpHandler)
            } else {
                None
            };
            out.defs.push(Def {
                name,
                kind,
                module: full_mod,
                impl_type,
                start: item.start_byte(),
                end: item.end_byte(),
                name_start: name_node.start_byte(),
                line: name_node.start_position().row,
                is_pub,
                is_test,
                entry,
            });
        } else if let Some((name_node, kind)) = reference {
            let kind = match kind {
                "call" => RefKind::Call,
                "method" => RefKind::Method,
                "macro" => RefKind::Macro,
                "type" => RefKind::Type,
                _ => RefKind::Value,
            };
            let name = text_of(name_node, src).to_string();
            let qualifier: Vec<String> = path_node
                .map(|p| conv.qualifier(p, src))
                .unwrap_or_default();
            // Receivers named by a binding are typed after the pass, from the bindings found.
            let receiver = recv.map_or(Receiver::Other(None), |r| conv.receiver(r, src));
            let start_node = path_node.unwrap_or(name_node);
            let start = start_node.start_byte();
            let col = start_node.start_position().column;
            pending_refs.push((
                name_node,
                Ref {
                    name,
                    kind,
                    qualifier,
                    receiver_type: None,
                    start,
                    end: name_node.end_byte(),
                    line: start_node.start_position().row,
                    col,
                    enclosing: None,
                    in_test: out.is_test_file,
                    // Set below, once the local bindings are known.
                    shadowed: false,
                },
                receiver,
            ));
        }
    });
    for imports in [nested, top] {
        out.imports.extend(imports.names);
        out.globs.extend(imports.globs);
    }
    // Scopes by byte range: the inline modules around a definition and its impl or trait.
    scopes.sort_by_key(|s| s.0);
    for d in &mut out.defs {
        let around = scopes
            .iter()
            .filter(|(s, e, _, _)| *s <= d.start && d.start < *e);
        let mut impl_type = None;
        for (_, _, is_mod, name) in around {
            if *is_mod {
                d.module.push(name.clone());
                impl_type = None;
            } else {
                impl_type = Some(name.clone());
            }
        }
        if d.kind == DefKind::Function && impl_type.is_some() {
            d.kind = DefKind::Method;
        }
        d.impl_type = if matches!(d.kind, DefKind::Method) {
            impl_type
        } else {
            None
        };
    }
    // Test code: inside a module or function marked as a test.
    let test_ranges: Vec<(usize, usize)> = out
        .defs
        .iter()
        .filter(|d| {
            d.is_test
                && matches!(
                    d.kind,
                    DefKind::Module | DefKind::Function | DefKind::Method
                )
        })
        .map(|d| (d.start, d.end))
        .collect();
    let in_test_range = |pos: usize| test_ranges.iter().any(|(s, e)| *s <= pos && pos < *e);
    for d in &mut out.defs {
        if !d.is_test && in_test_range(d.start) {
            d.is_test = true;
        }
    }
    // Enclosing functions: the innermost function definition whose item holds the reference.
    let mut fn_defs: Vec<(usize, usize, usize)> = out
        .defs
        .iter()
        .enumerate()
        .filter(|(_, d)| matches!(d.kind, DefKind::Function | DefKind::Method))
        .map(|(i, d)| (d.start, d.end, i))
        .collect();
    fn_defs.sort();
    // The innermost function holding `pos` is the latest-starting one that still contains it.
    let enclosing = |pos: usize| -> Option<usize> {
        let upto = fn_defs.partition_point(|(s, _, _)| *s <= pos);
        fn_defs[..upto]
            .iter()
            .rev()
            .find(|(_, e, _)| pos < *e)
            .map(|(_, _, i)| *i)
    };
    // Local bindings by enclosing function: name → type (when the code says it).
    let mut local_types: HashMap<(Option<usize>, &str), Option<&str>, FastHash> =
        HashMap::default();
    for (pos, name, ty) in &locals {
        local_types.insert((enclosing(*pos), name.as_str()), ty.as_deref());
    }
    out.refs.reserve(pending_refs.len());
    for (node, mut r, receiver) in pending_refs {
        if def_nodes.contains(&node.id()) {
            continue;
        }
        r.enclosing = enclosing(r.start);
        r.in_test = r.in_test
            || match r.enclosing {
                Some(e) => out.defs[e].is_test,
                None => in_test_range(r.start),
            };
        r.shadowed = matches!(r.kind, RefKind::Call | RefKind::Value)
            && r.qualifier.is_empty()
            && local_types.contains_key(&(r.enclosing, r.name.as_str()));
        r.receiver_type = match receiver {
            Receiver::SelfValue => r.enclosing.and_then(|e| out.defs[e].impl_type.clone()),
            Receiver::Binding(name) => local_types
                .get(&(r.enclosing, name.as_str()))
                .copied()
                .flatten()
                .map(str::to_string),
            Receiver::Other(t) => t,
            Receiver::Field => None,
        };
        out.refs.push(r);
    }
    // The walk finds them in document order, nearly always already sorted.
    if !out.refs.is_sorted_by_key(|r| r.start) {
        out.refs.sort_by_key(|r| r.start);
    }
    out.refs
        .dedup_by(|a, b| a.start == b.start && a.name == b.name);
    // Risky operations, by enclosing function.
    for f in analysis::analyze(lang, tree, text, Some(path)) {
        let line = text[..f.start].matches('\n').count();
        let col = f.start - text[..f.start].rfind('\n').map_or(0, |i| i + 1);
        out.risky.push(RiskyCall {
            rule: f.rule.to_string(),
            severity: f.severity,
            line,
            col,
            enclosing: enclosing(f.start),
        });
    }
    out
}
