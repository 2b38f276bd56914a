//! Rust's conventions: literal syntax, `use` trees, `#[test]` and `#[tokio::main]`, `pub`,
//! `crate`/`self`/`super` paths, Cargo packages and `src/` module paths.

use std::path::Path;

use tree_sitter::Node;

use super::{text_of, Conventions, DefTraits, ImportScope, Imports, PathRoot, Project, Receiver};
use crate::fields::Fields;

pub struct Rust;

/// Attributes that make a function an HTTP handler (axum, actix-web, rocket, poem...).
const HTTP_ATTRS: [&str; 9] = [
    "get",
    "post",
    "put",
    "delete",
    "patch",
    "head",
    "route",
    "handler",
    "debug_handler",
];

impl Conventions for Rust {
    /// Strips a Rust string literal's quotes (`"..."`, `r#"..."#`, `b"..."`) and common escapes.
    fn unquote(&self, lit: &str) -> String {
        let raw = lit.starts_with('r') || lit.starts_with("br");
        let body = lit
            .trim_start_matches(['b', 'r', 'c'])
            .trim_start_matches('#');
        let body = body.strip_prefix('"').unwrap_or(body);
        let body = body.trim_end_matches('#');
        let body = body.strip_suffix('"').unwrap_or(body);
        if raw {
            return body.to_string();
        }
        let mut out = String::with_capacity(body.len());
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('\n') => {
                    // A line continuation skips the newline and the next line's indentation.
                    let rest: String = chars.clone().collect();
                    let trimmed = rest.trim_start();
                    let skip = rest.chars().count() - trimmed.chars().count();
                    for _ in 0..skip {
                        chars.next();
                    }
                }
                Some(o) => out.push(o),
                None => {}
            }
        }
        out
    }

    /// `a :: b :: <T>` → `a::b`: whitespace and generic arguments do not change what is called.
    fn clean_path(&self, p: &str) -> String {
        let mut out = String::with_capacity(p.len());
        let mut depth = 0usize;
        for c in p.chars() {
            match c {
                '<' => depth += 1,
                '>' => depth = depth.saturating_sub(1),
                c if depth == 0 && !c.is_whitespace() => out.push(c),
                _ => {}
            }
        }
        while out.contains("::::") {
            out = out.replace("::::", "::");
        }
        out.trim_end_matches("::").to_string()
    }

    fn line_comment(&self) -> &'static str {
        "//"
    }

    fn std_roots(&self) -> &'static [&'static str] {
        &["std", "core", "alloc"]
    }

    fn constructor(&self) -> Option<&'static str> {
        Some("new")
    }

    fn imports(&self, root: Node, src: &[u8], scope: ImportScope) -> Imports {
        let mut out = Imports::default();
        match scope {
            ImportScope::FileLevel => self.file_level_uses(root, src, &mut out),
            ImportScope::Everywhere => {
                let mut stack = vec![root];
                while let Some(n) = stack.pop() {
                    let kind = n.kind();
                    if kind == "use_declaration" {
                        if let Some(arg) = n.field("argument") {
                            self.use_tree(arg, &[], src, &mut out);
                        }
                        continue;
                    }
                    if matches!(
                        kind,
                        "source_file" | "declaration_list" | "mod_item" | "function_item" | "block"
                    ) {
                        let mut c = n.walk();
                        stack.extend(n.named_children(&mut c));
                    }
                }
            }
        }
        out
    }

    fn import_capture(&self, node: Node, src: &[u8]) -> (Imports, bool) {
        let mut out = Imports::default();
        self.use_tree(node, &[], src, &mut out);
        let top_level = node
            .parent()
            .and_then(|decl| decl.parent())
            .is_some_and(|p| p.parent().is_none());
        (out, top_level)
    }

    fn is_context_item(&self, item: Node, text: Option<&str>) -> bool {
        match item.kind() {
            "use_declaration" | "mod_item" | "extern_crate_declaration" => true,
            "ERROR" => text.is_none_or(|t| {
                let body = t.get(item.start_byte()..item.end_byte()).unwrap_or("");
                body.contains("use ") || body.contains("mod ") || body.contains("extern crate")
            }),
            _ => false,
        }
    }

    fn first_arg<'t>(&self, args: Node<'t>) -> Option<Node<'t>> {
        let mut c = args.walk();
        let first = args
            .named_children(&mut c)
            .find(|n| n.kind() != "line_comment" && n.kind() != "block_comment");
        // `&"..."` and `&[..]` pass the literal by reference.
        first.map(|n| {
            if n.kind() == "reference_expression" {
                n.field("value").unwrap_or(n)
            } else {
                n
            }
        })
    }

    fn is_bare_path(&self, n: Node) -> bool {
        matches!(n.kind(), "identifier" | "scoped_identifier")
    }

    fn method_name_start(&self, call: Node) -> usize {
        call.field("function").map_or(call.start_byte(), |f| {
            f.field("field").map_or(f.start_byte(), |n| n.start_byte())
        })
    }

    fn unwrap_expression<'t>(&self, n: Node<'t>, _src: &[u8]) -> Option<Node<'t>> {
        match n.kind() {
            "await_expression"
            | "try_expression"
            | "parenthesized_expression"
            | "reference_expression" => n.named_child(0),
            _ => None,
        }
    }

    fn receiver(&self, n: Node, src: &[u8]) -> Receiver {
        let n = if n.kind() == "reference_expression" {
            n.field("value").unwrap_or(n)
        } else {
            n
        };
        match n.kind() {
            "self" => Receiver::SelfValue,
            "field_expression" => Receiver::Field,
            "identifier" => Receiver::Binding(text_of(n, src).to_string()),
            _ => Receiver::Other(self.constructed_type(n, src)),
        }
    }

    fn call_on<'t>(&self, call: Node<'t>) -> Option<Node<'t>> {
        call.parent()
            .filter(|f| f.kind() == "field_expression")
            .and_then(|f| f.parent())
    }

    /// Searched outward through enclosing blocks and the enclosing function: its `let` (type and
    /// initializer) or its parameter's type.
    fn binding_text(&self, at: Node, name: &str, src: &[u8]) -> Option<String> {
        let text = |n: Node| text_of(n, src).to_string();
        let mut cur = at.parent();
        while let Some(scope) = cur {
            match scope.kind() {
                "block" => {
                    let mut c = scope.walk();
                    let mut found = None;
                    for child in scope.named_children(&mut c) {
                        if child.start_byte() >= at.start_byte() {
                            break;
                        }
                        if child.kind() == "let_declaration" {
                            let pat = child.field("pattern").map(text).unwrap_or_default();
                            if pat.trim_start_matches("mut ").trim() == name {
                                found = Some(text(child));
                            }
                        }
                    }
                    if found.is_some() {
                        return found;
                    }
                }
                "function_item" | "closure_expression" => {
                    if let Some(params) = scope.field("parameters") {
                        let mut c = params.walk();
                        for p in params.named_children(&mut c) {
                            let pat = p.field("pattern").map(text).unwrap_or_default();
                            if pat.trim_start_matches("mut ").trim() == name {
                                return Some(text(p));
                            }
                        }
                    }
                    if scope.kind() == "function_item" {
                        return None;
                    }
                }
                _ => {}
            }
            cur = scope.parent();
        }
        None
    }

    fn bound_name(&self, call: Node, src: &[u8]) -> Option<String> {
        let parent = call.parent()?;
        if parent.kind() != "let_declaration" {
            return None;
        }
        let pat = parent.field("pattern")?.utf8_text(src).ok()?;
        Some(pat.trim_start_matches("mut ").trim().to_string())
    }

    fn enclosing_block<'t>(&self, n: Node<'t>) -> Option<Node<'t>> {
        let mut cur = n.parent();
        while let Some(p) = cur {
            if p.kind() == "block" {
                return Some(p);
            }
            cur = p.parent();
        }
        None
    }

    /// Inside `#[test]`/`#[tokio::test]` functions or a `#[cfg(test)]` module.
    fn in_test_code(&self, n: Node, src: &[u8]) -> bool {
        let mut cur = n.parent();
        while let Some(p) = cur {
            if matches!(p.kind(), "function_item" | "mod_item") {
                let mut sib = p.prev_sibling();
                while let Some(s) = sib {
                    if s.kind() != "attribute_item" {
                        break;
                    }
                    if text_of(s, src).contains("test") {
                        return true;
                    }
                    sib = s.prev_sibling();
                }
            }
            cur = p.parent();
        }
        false
    }

    fn is_test_path(&self, path: &Path) -> bool {
        path.components()
            .any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "benches")))
            || path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.ends_with("_test") || s == "tests")
    }

    fn send_method(&self) -> &'static str {
        "send"
    }

    fn arg_methods(&self) -> (&'static str, &'static str) {
        ("arg", "args")
    }

    fn def_traits(&self, text: &str, item_start: usize, name: &str, is_fn: bool) -> DefTraits {
        let attrs = attrs_before(text, item_start);
        DefTraits {
            is_test: attrs.iter().any(|a| a.contains("test")),
            is_main: is_fn && name == "main"
                || attrs
                    .iter()
                    .any(|a| a.contains("::main]") || a.contains("::main(")),
            is_http_handler: attrs.iter().any(|a| {
                let inner = a
                    .trim_start_matches("#[")
                    .split(['(', ']'])
                    .next()
                    .unwrap_or("");
                HTTP_ATTRS.contains(&inner.rsplit("::").next().unwrap_or(inner))
            }),
        }
    }

    fn is_public(&self, item: Node) -> bool {
        let mut c = item.walk();
        let found = item
            .children(&mut c)
            .any(|ch| ch.kind() == "visibility_modifier");
        found
    }

    fn simple_type(&self, t: &str) -> String {
        let t = t
            .trim()
            .trim_start_matches('&')
            .trim_start_matches("mut ")
            .trim();
        let t = t.split('<').next().unwrap_or(t);
        t.rsplit("::").next().unwrap_or(t).trim().to_string()
    }

    fn qualifier(&self, path: Node, src: &[u8]) -> Vec<String> {
        path.field("path")
            .map(|q| {
                self.clean_path(text_of(q, src))
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn binding_type(&self, binding: Node, src: &[u8]) -> Option<String> {
        if binding.kind() != "let_declaration" {
            return binding
                .field("type")
                .map(|t| self.simple_type(text_of(t, src)));
        }
        if let Some(t) = binding.field("type") {
            return Some(self.simple_type(text_of(t, src)));
        }
        let v = binding.field("value")?;
        let v = if matches!(v.kind(), "try_expression" | "await_expression") {
            v.named_child(0)?
        } else {
            v
        };
        match v.kind() {
            "struct_expression" => v.field("name").map(|n| self.simple_type(text_of(n, src))),
            // `Env::new()` names a type; `deploy::make()` names a module.
            "call_expression" => self
                .constructed_type(v, src)
                .filter(|ty| ty.chars().next().is_some_and(char::is_uppercase)),
            _ => None,
        }
    }

    fn path_root(&self, segment: &str) -> Option<PathRoot> {
        match segment {
            "crate" => Some(PathRoot::Project),
            "self" => Some(PathRoot::Current),
            "super" => Some(PathRoot::Parent),
            "Self" => Some(PathRoot::SelfType),
            _ => None,
        }
    }

    /// The nearest folder above the file with a `Cargo.toml`; its `[package] name`, as `use`
    /// writes it (`-` becomes `_`).
    fn project_of(&self, path: &Path) -> Project {
        let dir = path
            .ancestors()
            .skip(1)
            .find(|d| d.join("Cargo.toml").is_file())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| path.parent().unwrap_or(path).to_path_buf());
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        let name = manifest
            .parse::<toml::Table>()
            .ok()
            .and_then(|t| {
                t.get("package")?
                    .get("name")?
                    .as_str()
                    .map(|s| s.replace('-', "_"))
            })
            .unwrap_or_default();
        Project {
            is_lib: dir.join("src/lib.rs").is_file(),
            dir,
            name,
        }
    }

    /// `src/lib.rs` → `[]`, `src/a/b.rs` → `[a, b]`, `src/a/mod.rs` → `[a]`; binaries, tests,
    /// examples and benches are crate roots of their own.
    fn module_path(&self, crate_dir: &Path, path: &Path) -> Vec<String> {
        let Ok(rel) = path.strip_prefix(crate_dir.join("src")) else {
            return Vec::new();
        };
        let mut parts: Vec<String> = rel
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        if parts.first().map(String::as_str) == Some("bin") {
            return Vec::new();
        }
        if let Some(last) = parts.pop() {
            let stem = last.trim_end_matches(".rs").to_string();
            if !(parts.is_empty() && (stem == "lib" || stem == "main")) && stem != "mod" {
                parts.push(stem);
            }
        }
        parts
    }
}

impl Rust {
    /// `use` declarations at file level and in inline modules.
    fn file_level_uses(&self, node: Node, src: &[u8], out: &mut Imports) {
        let mut c = node.walk();
        for child in node.named_children(&mut c) {
            match child.kind() {
                "use_declaration" => {
                    if let Some(arg) = child.field("argument") {
                        self.use_tree(arg, &[], src, out);
                    }
                }
                "mod_item" => {
                    if let Some(body) = child.field("body") {
                        self.file_level_uses(body, src, out);
                    }
                }
                _ => {}
            }
        }
    }

    /// The type a call names by itself: `Env::new()` → `Env`.
    fn constructed_type(&self, n: Node, src: &[u8]) -> Option<String> {
        if n.kind() != "call_expression" {
            return None;
        }
        let f = n.field("function")?;
        if f.kind() != "scoped_identifier" {
            return None;
        }
        f.field("path").map(|p| self.simple_type(text_of(p, src)))
    }

    /// Records what a `use` tree brings into scope: `a::b::{c, d as e, f::*}`.
    fn use_tree(&self, n: Node, prefix: &[String], src: &[u8], out: &mut Imports) {
        let path_of = |t: &str| -> Vec<String> {
            let mut p = prefix.to_vec();
            p.extend(
                self.clean_path(t)
                    .split("::")
                    .map(str::to_string)
                    .filter(|s| !s.is_empty()),
            );
            p
        };
        match n.kind() {
            "identifier" | "scoped_identifier" | "crate" | "self" | "super" => {
                let mut p = path_of(text_of(n, src));
                // `use a::b::{self}` imports `b`.
                if p.last().map(String::as_str) == Some("self") && p.len() > 1 {
                    p.pop();
                }
                if let Some(last) = p.last() {
                    out.names.push((last.clone(), p.clone()));
                }
            }
            "use_as_clause" => {
                if let (Some(path), Some(alias)) = (n.field("path"), n.field("alias")) {
                    out.names
                        .push((text_of(alias, src).to_string(), path_of(text_of(path, src))));
                }
            }
            "use_wildcard" => {
                let t = text_of(n, src).trim_end_matches('*').trim_end_matches("::");
                out.globs.push(path_of(t));
            }
            "scoped_use_list" => {
                let base = n
                    .field("path")
                    .map(|p| path_of(text_of(p, src)))
                    .unwrap_or_else(|| prefix.to_vec());
                if let Some(list) = n.field("list") {
                    self.use_tree(list, &base, src, out);
                }
            }
            "use_list" => {
                let mut c = n.walk();
                for child in n.named_children(&mut c) {
                    self.use_tree(child, prefix, src, out);
                }
            }
            _ => {}
        }
    }
}

/// The attributes written right before byte `start` (`#[test]`, `#[tokio::main]`), read from the
/// text: cheaper than walking siblings in the tree.
fn attrs_before(text: &str, start: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut end = start;
    for line in text[..start].rsplit('\n').skip(1).take(12) {
        let begin = end.saturating_sub(line.len() + 1);
        let trimmed = line.trim();
        if trimmed.starts_with("#[") || trimmed.starts_with("#![") {
            out.push(trimmed);
        } else if !(trimmed.is_empty() || trimmed.starts_with("//")) {
            break;
        }
        end = begin;
    }
    // An attribute on the item's own line (`#[test] fn t() {}`).
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let own = text[line_start..start].trim();
    if own.starts_with("#[") {
        out.push(own);
    }
    out
}
