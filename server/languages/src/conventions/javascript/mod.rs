//! JavaScript and TypeScript conventions (TSX and JSX too): quotes and template strings, ES
//! imports and `require`, `const`/`let` bindings and parameters, `*.test.ts`/`*.spec.ts` and
//! `__tests__/`, exported Lambda handlers and `main`, and modules as files under the nearest
//! `package.json` (`index.ts` stands for its folder).

use std::path::Path;

use tree_sitter::Node;

use super::{
    binding_head, text_of, Binding, Conventions, DefTraits, ImportScope, Imports, PathRoot,
    Project, Receiver,
};
use crate::fields::Fields;

pub struct JavaScript;

mod imports;

/// Extensions a module's file may have (stripped from module paths).
const EXTENSIONS: [&str; 8] = [
    ".d.ts", ".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs",
];

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
                "export_statement" if n.field("source").is_some() => {
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

    fn file_bindings(&self, root: Node, src: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut c = root.walk();
        for item in root.named_children(&mut c) {
            let decl = match item.kind() {
                "export_statement" => item.field("declaration"),
                _ => Some(item),
            };
            if let Some(d) =
                decl.filter(|d| matches!(d.kind(), "lexical_declaration" | "variable_declaration"))
            {
                out.push(binding_head(d, src));
            }
        }
        out
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
        call.field("function").map_or(call.start_byte(), |f| {
            f.field("property")
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
            "member_expression" if n.field("object").is_some_and(|o| o.kind() == "this") => {
                Receiver::Binding(self.clean_path(text_of(n, src)))
            }
            "member_expression" => Receiver::Field,
            _ => Receiver::Other(None),
        }
    }

    fn call_on<'t>(&self, call: Node<'t>) -> Option<Node<'t>> {
        call.parent()
            .filter(|m| m.kind() == "member_expression" && m.field("object") == Some(call))
            .and_then(|m| m.parent())
            .filter(|c| c.kind() == "call_expression")
    }

    /// The `const`/`let`/`var` or parameter that binds `name`, searched outward through the
    /// enclosing functions to the module; `this.x` where the class assigns it.
    fn binding_text(&self, at: Node, name: &str, src: &[u8]) -> Option<String> {
        match self.scoped_binding(at, name, src) {
            Binding::Found(text) => Some(text),
            Binding::FileLevel(root) => self.file_binding(root, name, src),
            Binding::Unbound => None,
        }
    }

    fn file_binding(&self, root: Node, name: &str, src: &[u8]) -> Option<String> {
        declared_in(root, name, src)
    }

    fn scoped_binding<'t>(&self, at: Node<'t>, name: &str, src: &[u8]) -> Binding<'t> {
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
            // The root is `program`, or an ERROR node when recovery gave up on the file.
            if (scope.kind() == "program" || scope.parent().is_none()) && !on_this {
                return Binding::FileLevel(scope);
            }
            if is_fn && !on_this {
                if let Some(found) = declared_in(scope, name, src) {
                    return Binding::Found(found);
                }
            }
            if scope.kind() == "class_body" && on_this {
                let mut stack = vec![scope];
                while let Some(n) = stack.pop() {
                    if n.kind() == "assignment_expression"
                        && n.field("left")
                            .is_some_and(|l| self.clean_path(text_of(l, src)) == name)
                    {
                        return Binding::Found(text_of(n, src).to_string());
                    }
                    if n.kind() == "public_field_definition" || n.kind() == "field_definition" {
                        let t = text_of(n, src);
                        if t.trim_start().starts_with(name.trim_start_matches("this.")) {
                            return Binding::Found(t.to_string());
                        }
                    }
                    let mut c = n.walk();
                    stack.extend(n.named_children(&mut c));
                }
                return Binding::Unbound;
            }
            cur = scope.parent();
        }
        Binding::Unbound
    }

    fn bound_name(&self, call: Node, src: &[u8]) -> Option<String> {
        let d = call.parent()?;
        if d.kind() != "variable_declarator" {
            return None;
        }
        Some(text_of(d.field("name")?, src).to_string())
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
                let f = p.field("function").map(|f| text_of(f, src)).unwrap_or("");
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
            .field("type")
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

/// The parameter of `scope` named `name`, else the last `const`/`let`/`var` declarator of it in
/// `scope` outside nested functions and classes.
fn declared_in(scope: Node, name: &str, src: &[u8]) -> Option<String> {
    let mut stack = vec![scope];
    let mut found = None;
    while let Some(n) = stack.pop() {
        if n.kind() == "variable_declarator"
            && n.field("name").is_some_and(|x| text_of(x, src) == name)
        {
            found = Some(text_of(n, src).to_string());
        }
        if n.kind() == "formal_parameters" {
            let mut c = n.walk();
            for p in n.named_children(&mut c) {
                if matches!(
                    p.kind(),
                    "required_parameter" | "optional_parameter" | "identifier"
                ) && text_of(p, src).split([':', '=', '?']).next().map(str::trim) == Some(name)
                {
                    return Some(text_of(p, src).to_string());
                }
            }
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
    found
}
