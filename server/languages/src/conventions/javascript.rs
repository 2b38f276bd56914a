//! JavaScript and TypeScript conventions (TSX and JSX too): quotes and template strings, ES
//! imports and `require`, `const`/`let` bindings and parameters, `*.test.ts`/`*.spec.ts` and
//! `__tests__/`, exported Lambda handlers and `main`, and modules as files under the nearest
//! `package.json` (`index.ts` stands for its folder).

use std::path::Path;

use tree_sitter::Node;

use super::{text_of, Conventions, DefTraits, ImportScope, Imports, PathRoot, Project, Receiver};

pub struct JavaScript;

/// Extensions a module's file may have (stripped from module paths).
const EXTENSIONS: [&str; 8] = [
    ".d.ts", ".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs",
];

/// An import specifier as path segments: `node:fs` → `fs`; `./ops` → `. ops`; `../lib/x` →
/// `. .. lib x`; a package (`@aws-sdk/client-ec2`) stays one segment.
/// `a as b` in an import or export list → (a, b); `a` → (a, a).
fn name_and_alias(spec: Node, src: &[u8]) -> (String, String) {
    let name = spec
        .child_by_field_name("name")
        .map(|v| text_of(v, src).to_string())
        .unwrap_or_default();
    let alias = spec
        .child_by_field_name("alias")
        .map(|v| text_of(v, src).to_string())
        .unwrap_or_else(|| name.clone());
    (name, alias)
}

fn specifier_segments(spec: &str) -> Vec<String> {
    let spec = spec.strip_prefix("node:").unwrap_or(spec);
    if !spec.starts_with('.') {
        return vec![spec.to_string()];
    }
    let mut out = vec![".".to_string()];
    for part in spec.split('/') {
        match part {
            "." | "" => {}
            ".." => out.push("..".into()),
            p => {
                let mut p = p.to_string();
                for ext in EXTENSIONS {
                    if let Some(s) = p.strip_suffix(ext) {
                        p = s.to_string();
                        break;
                    }
                }
                out.push(p);
            }
        }
    }
    if out.last().is_some_and(|l| l == "index") {
        out.pop();
    }
    out
}

impl Conventions for JavaScript {
    fn unquote(&self, lit: &str) -> String {
        let body = lit.strip_prefix(['"', '\'', '`']).unwrap_or(lit);
        let body = body.strip_suffix(['"', '\'', '`']).unwrap_or(body);
        super::unescape(body)
    }

    fn clean_path(&self, p: &str) -> String {
        p.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .replace("?.", ".")
    }

    fn line_comment(&self) -> &'static str {
        "//"
    }

    fn imports(&self, root: Node, src: &[u8], scope: ImportScope) -> Imports {
        let mut out = Imports::default();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "import_statement" => {
                    self.import_statement(n, src, &mut out);
                    continue;
                }
                // `export { f } from "./ops"`, `export * from "./ops"`: a re-export is an import
                // of the names it passes on.
                "export_statement" if n.child_by_field_name("source").is_some() => {
                    self.export_from(n, src, &mut out);
                    continue;
                }
                "variable_declarator" => {
                    self.require(n, src, &mut out);
                }
                _ => {}
            }
            let statements = matches!(
                n.kind(),
                "program"
                    | "lexical_declaration"
                    | "variable_declaration"
                    | "export_statement"
                    | "statement_block"
                    | "ERROR"
            );
            let bodies = matches!(
                n.kind(),
                "function_declaration"
                    | "arrow_function"
                    | "function_expression"
                    | "method_definition"
                    | "class_body"
                    | "class_declaration"
                    | "if_statement"
                    | "try_statement"
            );
            if statements || (scope == ImportScope::Everywhere && bodies) {
                let mut c = n.walk();
                stack.extend(n.named_children(&mut c));
            }
        }
        out
    }

    fn import_capture(&self, node: Node, src: &[u8]) -> (Imports, bool) {
        let mut out = Imports::default();
        if node.kind() == "import_statement" {
            self.import_statement(node, src, &mut out);
        } else {
            self.require(node, src, &mut out);
        }
        let top = node.parent().is_some_and(|p| {
            matches!(
                p.kind(),
                "program" | "lexical_declaration" | "variable_declaration"
            ) && p.parent().is_none_or(|g| g.kind() == "program")
        });
        (out, top)
    }

    fn is_context_item(&self, item: Node, text: Option<&str>) -> bool {
        match item.kind() {
            "import_statement" => true,
            "lexical_declaration" | "variable_declaration" => text.is_none_or(|t| {
                t.get(item.start_byte()..item.end_byte())
                    .unwrap_or("")
                    .contains("require(")
            }),
            "ERROR" => text.is_none_or(|t| {
                let b = t.get(item.start_byte()..item.end_byte()).unwrap_or("");
                b.contains("import") || b.contains("require(")
            }),
            _ => false,
        }
    }

    fn first_arg<'t>(&self, args: Node<'t>) -> Option<Node<'t>> {
        let mut c = args.walk();
        let found = args.named_children(&mut c).find(|n| n.kind() != "comment");
        found
    }

    fn is_bare_path(&self, n: Node) -> bool {
        matches!(n.kind(), "identifier" | "member_expression")
    }

    fn method_name_start(&self, call: Node) -> usize {
        call.child_by_field_name("function")
            .map_or(call.start_byte(), |f| {
                f.child_by_field_name("property")
                    .map_or(f.start_byte(), |n| n.start_byte())
            })
    }

    fn unwrap_expression<'t>(&self, n: Node<'t>, _src: &[u8]) -> Option<Node<'t>> {
        match n.kind() {
            "await_expression" | "parenthesized_expression" | "non_null_expression" => {
                n.named_child(0)
            }
            "as_expression" | "satisfies_expression" => n.named_child(0),
            _ => None,
        }
    }

    fn receiver(&self, n: Node, src: &[u8]) -> Receiver {
        match n.kind() {
            "this" => Receiver::SelfValue,
            "identifier" => Receiver::Binding(text_of(n, src).to_string()),
            "member_expression"
                if n.child_by_field_name("object")
                    .is_some_and(|o| o.kind() == "this") =>
            {
                Receiver::Binding(self.clean_path(text_of(n, src)))
            }
            "member_expression" => Receiver::Field,
            _ => Receiver::Other(None),
        }
    }

    fn call_on<'t>(&self, call: Node<'t>) -> Option<Node<'t>> {
        call.parent()
            .filter(|m| {
                m.kind() == "member_expression" && m.child_by_field_name("object") == Some(call)
            })
            .and_then(|m| m.parent())
            .filter(|c| c.kind() == "call_expression")
    }

    /// The `const`/`let`/`var` or parameter that binds `name`, searched outward through the
    /// enclosing functions to the module; `this.x` where the class assigns it.
    fn binding_text(&self, at: Node, name: &str, src: &[u8]) -> Option<String> {
        let on_this = name.starts_with("this.");
        let mut cur = at.parent();
        while let Some(scope) = cur {
            let is_fn = matches!(
                scope.kind(),
                "function_declaration"
                    | "arrow_function"
                    | "function_expression"
                    | "method_definition"
            );
            if (is_fn || scope.kind() == "program") && !on_this {
                let mut stack = vec![scope];
                let mut found = None;
                while let Some(n) = stack.pop() {
                    if n.kind() == "variable_declarator"
                        && n.child_by_field_name("name")
                            .is_some_and(|x| text_of(x, src) == name)
                    {
                        found = Some(text_of(n, src).to_string());
                    }
                    if matches!(
                        n.kind(),
                        "required_parameter" | "optional_parameter" | "identifier"
                    ) && n.parent().is_some_and(|p| p.kind() == "formal_parameters")
                        && text_of(n, src).split([':', '=', '?']).next().map(str::trim)
                            == Some(name)
                    {
                        return Some(text_of(n, src).to_string());
                    }
                    let nested = n.id() != scope.id()
                        && matches!(
                            n.kind(),
                            "function_declaration"
                                | "arrow_function"
                                | "function_expression"
                                | "method_definition"
                                | "class_declaration"
                        );
                    if !nested {
                        let mut c = n.walk();
                        stack.extend(n.named_children(&mut c));
                    }
                }
                if found.is_some() || scope.kind() == "program" {
                    return found;
                }
            }
            if scope.kind() == "class_body" && on_this {
                let mut stack = vec![scope];
                while let Some(n) = stack.pop() {
                    if n.kind() == "assignment_expression"
                        && n.child_by_field_name("left")
                            .is_some_and(|l| self.clean_path(text_of(l, src)) == name)
                    {
                        return Some(text_of(n, src).to_string());
                    }
                    if n.kind() == "public_field_definition" || n.kind() == "field_definition" {
                        let t = text_of(n, src);
                        if t.trim_start().starts_with(name.trim_start_matches("this.")) {
                            return Some(t.to_string());
                        }
                    }
                    let mut c = n.walk();
                    stack.extend(n.named_children(&mut c));
                }
                return None;
            }
            cur = scope.parent();
        }
        None
    }

    fn bound_name(&self, call: Node, src: &[u8]) -> Option<String> {
        let d = call.parent()?;
        if d.kind() != "variable_declarator" {
            return None;
        }
        Some(text_of(d.child_by_field_name("name")?, src).to_string())
    }

    fn enclosing_block<'t>(&self, n: Node<'t>) -> Option<Node<'t>> {
        let mut cur = n.parent();
        while let Some(p) = cur {
            if matches!(p.kind(), "statement_block" | "program") {
                return Some(p);
            }
            cur = p.parent();
        }
        None
    }

    fn in_test_code(&self, n: Node, src: &[u8]) -> bool {
        let mut cur = n.parent();
        while let Some(p) = cur {
            if p.kind() == "call_expression" {
                let f = p
                    .child_by_field_name("function")
                    .map(|f| text_of(f, src))
                    .unwrap_or("");
                if matches!(f, "it" | "test" | "describe" | "beforeEach" | "afterEach") {
                    return true;
                }
            }
            cur = p.parent();
        }
        false
    }

    fn is_test_path(&self, path: &Path) -> bool {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        name.contains(".test.")
            || name.contains(".spec.")
            || path
                .components()
                .any(|c| matches!(c.as_os_str().to_str(), Some("__tests__" | "test" | "tests")))
    }

    fn send_method(&self) -> &'static str {
        "\u{0}"
    }

    /// Node passes a command's arguments to `spawn`/`exec` itself.
    fn arg_methods(&self) -> (&'static str, &'static str) {
        ("", "")
    }

    fn list_items<'t>(&self, n: Node<'t>) -> Option<Vec<Node<'t>>> {
        if n.kind() != "array" {
            return None;
        }
        let mut c = n.walk();
        let items: Vec<Node> = n
            .named_children(&mut c)
            .filter(|i| i.kind() != "comment")
            .collect();
        Some(items)
    }

    fn def_traits(&self, text: &str, item_start: usize, name: &str, is_fn: bool) -> DefTraits {
        // A window around the definition, never the whole line (a minified file is one line).
        let at = item_start.min(text.len());
        let mut lo = at.saturating_sub(120);
        while !text.is_char_boundary(lo) {
            lo -= 1;
        }
        let mut hi = (at + 200).min(text.len());
        while !text.is_char_boundary(hi) {
            hi += 1;
        }
        let head = text[at..hi].lines().next().unwrap_or("");
        let before = text[lo..at].rsplit('\n').next().unwrap_or("");
        // `export function f`, `export const f = ...` (the item starts at `f`).
        let exported = head.starts_with("export") || before.trim_start().starts_with("export");
        DefTraits {
            is_test: false,
            is_main: is_fn
                && (name == "main" || (exported && (name == "handler" || name == "lambdaHandler"))),
            is_http_handler: is_fn
                && (head.contains("req, res")
                    || head.contains("(req: Request")
                    || head.contains("NextRequest")),
        }
    }

    fn is_public(&self, item: Node) -> bool {
        item.parent()
            .is_some_and(|p| p.kind() == "export_statement")
    }

    fn simple_type(&self, t: &str) -> String {
        let t = t.trim().trim_start_matches(':').trim();
        let t = t.split('<').next().unwrap_or(t);
        t.rsplit('.').next().unwrap_or(t).trim().to_string()
    }

    fn qualifier(&self, path: Node, src: &[u8]) -> Vec<String> {
        super::dotted_qualifier(self, path, "object", src)
    }

    fn binding_type(&self, binding: Node, src: &[u8]) -> Option<String> {
        binding
            .child_by_field_name("type")
            .map(|t| self.simple_type(text_of(t, src)))
    }

    /// Relative specifiers: `.` the importing file's folder, `..` its parent.
    fn relative_to_folder(&self) -> bool {
        true
    }

    fn path_root(&self, segment: &str) -> Option<PathRoot> {
        match segment {
            "." | ".." => Some(PathRoot::Parent),
            _ => None,
        }
    }

    fn project_of(&self, path: &Path) -> Project {
        let dir = path
            .ancestors()
            .skip(1)
            .find(|d| d.join("package.json").is_file() || d.join(".git").exists())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| path.parent().unwrap_or(path).to_path_buf());
        Project {
            dir,
            name: String::new(),
            is_lib: false,
        }
    }

    /// `src/infra/ops.ts` → `[src, infra, ops]`; `src/infra/index.ts` → `[src, infra]`.
    fn module_path(&self, project_dir: &Path, path: &Path) -> Vec<String> {
        let Ok(rel) = path.strip_prefix(project_dir) else {
            return Vec::new();
        };
        let mut parts: Vec<String> = rel
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        if let Some(last) = parts.pop() {
            let mut stem = last;
            for ext in EXTENSIONS {
                if let Some(s) = stem.strip_suffix(ext) {
                    stem = s.to_string();
                    break;
                }
            }
            let stem = stem.trim_end_matches(".jsx").to_string();
            if stem != "index" {
                parts.push(stem);
            }
        }
        parts
    }
}

impl JavaScript {
    /// `import x from "m"`, `import { a as b } from "m"`, `import * as ns from "m"`.
    fn import_statement(&self, n: Node, src: &[u8], out: &mut Imports) {
        let Some(source) = n.child_by_field_name("source") else {
            return;
        };
        let base = specifier_segments(&self.unquote(text_of(source, src)));
        let mut stack = vec![n];
        while let Some(x) = stack.pop() {
            match x.kind() {
                "import_specifier" => {
                    let (name, alias) = name_and_alias(x, src);
                    let mut p = base.clone();
                    p.push(name);
                    out.names.push((alias, p));
                    continue;
                }
                "namespace_import" => {
                    let mut c = x.walk();
                    if let Some(id) = x.named_children(&mut c).find(|c| c.kind() == "identifier") {
                        out.names.push((text_of(id, src).to_string(), base.clone()));
                    }
                    continue;
                }
                "identifier" if x.parent().is_some_and(|p| p.kind() == "import_clause") => {
                    out.names.push((text_of(x, src).to_string(), base.clone()));
                    continue;
                }
                _ => {}
            }
            let mut c = x.walk();
            stack.extend(x.named_children(&mut c));
        }
    }

    /// `export { a as b } from "./x"` → b → [x, a]; `export * as ns from "./x"` → ns → [x];
    /// `export * from "./x"` → a glob of [x].
    fn export_from(&self, n: Node, src: &[u8], out: &mut Imports) {
        let Some(source) = n.child_by_field_name("source") else {
            return;
        };
        let base = specifier_segments(&self.unquote(text_of(source, src)));
        let mut named = false;
        let mut c = n.walk();
        for x in n.named_children(&mut c) {
            match x.kind() {
                "export_clause" => {
                    named = true;
                    let mut cc = x.walk();
                    for spec in x
                        .named_children(&mut cc)
                        .filter(|s| s.kind() == "export_specifier")
                    {
                        let (name, alias) = name_and_alias(spec, src);
                        let mut p = base.clone();
                        p.push(name);
                        out.names.push((alias, p));
                    }
                }
                "namespace_export" => {
                    named = true;
                    let mut cc = x.walk();
                    let id = x
                        .named_children(&mut cc)
                        .find(|c| matches!(c.kind(), "identifier" | "string"));
                    if let Some(id) = id {
                        out.names
                            .push((self.unquote(text_of(id, src)), base.clone()));
                    }
                }
                _ => {}
            }
        }
        if !named {
            out.globs.push(base);
        }
    }

    /// `const cp = require("child_process")`, `const { execSync: run } = require("child_process")`.
    fn require(&self, decl: Node, src: &[u8], out: &mut Imports) {
        let Some(value) = decl.child_by_field_name("value") else {
            return;
        };
        if value.kind() != "call_expression"
            || value
                .child_by_field_name("function")
                .map(|f| text_of(f, src))
                != Some("require")
        {
            return;
        }
        let Some(spec) = value
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .filter(|s| s.kind() == "string")
        else {
            return;
        };
        let base = specifier_segments(&self.unquote(text_of(spec, src)));
        let Some(name) = decl.child_by_field_name("name") else {
            return;
        };
        match name.kind() {
            "identifier" => out.names.push((text_of(name, src).to_string(), base)),
            "object_pattern" => {
                let mut c = name.walk();
                for p in name.named_children(&mut c) {
                    let (key, local) = match p.kind() {
                        "shorthand_property_identifier_pattern" => {
                            (text_of(p, src).to_string(), text_of(p, src).to_string())
                        }
                        "pair_pattern" => (
                            p.child_by_field_name("key")
                                .map(|k| text_of(k, src).to_string())
                                .unwrap_or_default(),
                            p.child_by_field_name("value")
                                .map(|v| text_of(v, src).to_string())
                                .unwrap_or_default(),
                        ),
                        _ => continue,
                    };
                    let mut path = base.clone();
                    path.push(key);
                    out.names.push((local, path));
                }
            }
            _ => {}
        }
    }
}
