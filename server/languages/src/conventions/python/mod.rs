//! Python's conventions: string prefixes and triple quotes, `import`/`from ... import`, relative
//! imports, assignments and `with ... as` bindings, `self.x` attributes set in the class, pytest
//! naming, decorators that make entry points (Flask/FastAPI routes, Click/Typer commands, Lambda
//! handlers), packages and module paths.

use std::path::Path;

use tree_sitter::Node;

use crate::fields::Fields;

mod statements;
use statements::{decorators_before, holds_statements};

use super::{
    binding_head, text_of, Binding, Conventions, DefTraits, ImportScope, Imports, PathRoot,
    Project, Receiver,
};

pub struct Python;

/// Decorator names (their last segment) that make a function an HTTP or CLI entry point.
const ENTRY_DECORATORS: [&str; 12] = [
    "route",
    "get",
    "post",
    "put",
    "delete",
    "patch",
    "websocket",
    "command",
    "group",
    "task",
    "handler",
    "callback",
];

/// Statements that bind names: not searched inside nested definitions.
/// The module: `module`, or the ERROR node tree-sitter makes the root when its recovery gives
/// up on the file (a character typed at the start of a line inside a function can do it). The
/// file's top-level bindings are where they were either way.
fn is_module(n: Node) -> bool {
    n.kind() == "module" || n.parent().is_none()
}

fn is_definition(kind: &str) -> bool {
    matches!(kind, "function_definition" | "class_definition" | "lambda")
}

impl Conventions for Python {
    fn unquote(&self, lit: &str) -> String {
        let prefix_len = lit.find(['"', '\'']).unwrap_or(0);
        let prefix = lit[..prefix_len].to_ascii_lowercase();
        let body = &lit[prefix_len..];
        let quote = if body.starts_with("\"\"\"") || body.starts_with("'''") {
            &body[..3]
        } else {
            &body[..body.len().min(1)]
        };
        let body = body.strip_prefix(quote).unwrap_or(body);
        let body = body.strip_suffix(quote).unwrap_or(body);
        if prefix.contains('r') {
            return body.to_string();
        }
        super::unescape(body)
    }

    /// `a . b` → `a.b`; a call's arguments inside the path are dropped (`boto3.client("s3")`
    /// stays as written: it is not a plain path).
    fn clean_path(&self, p: &str) -> String {
        p.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .trim_end_matches('.')
            .to_string()
    }

    fn line_comment(&self) -> &'static str {
        "#"
    }

    fn imports(&self, root: Node, src: &[u8], scope: ImportScope) -> Imports {
        let mut out = Imports::default();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "import_statement" | "import_from_statement" => {
                    self.import(n, src, &mut out);
                    continue;
                }
                k if is_definition(k) && scope == ImportScope::FileLevel => continue,
                _ => {}
            }
            // Imports are statements: only what holds statements is searched (file level: the
            // module and what runs with it, `if`/`try` around imports; everywhere: function and
            // class bodies too), never expressions.
            let statements = matches!(
                n.kind(),
                "module"
                    | "if_statement"
                    | "try_statement"
                    | "block"
                    | "else_clause"
                    | "except_clause"
                    | "finally_clause"
                    | "elif_clause"
                    | "ERROR"
            );
            let bodies = matches!(
                n.kind(),
                "function_definition"
                    | "class_definition"
                    | "decorated_definition"
                    | "with_statement"
                    | "for_statement"
                    | "while_statement"
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
        self.import(node, src, &mut out);
        let mut top = true;
        let mut cur = node.parent();
        while let Some(p) = cur {
            if is_definition(p.kind()) {
                top = false;
                break;
            }
            cur = p.parent();
        }
        (out, top)
    }

    fn is_context_item(&self, item: Node, text: Option<&str>) -> bool {
        match item.kind() {
            "import_statement" | "import_from_statement" | "future_import_statement" => true,
            "ERROR" => text.is_none_or(|t| {
                t.get(item.start_byte()..item.end_byte())
                    .unwrap_or("")
                    .contains("import ")
            }),
            _ => false,
        }
    }

    fn file_bindings(&self, root: Node, src: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "assignment" | "as_pattern" => out.push(binding_head(n, src)),
                k if is_definition(k) => {}
                k if k == "module" || holds_statements(k) => {
                    let mut c = n.walk();
                    stack.extend(n.named_children(&mut c));
                }
                // The root when recovery gave up on the file, and a broken stretch at module
                // level: its own statements, as `binding_text` reads them.
                "ERROR" if n.parent().is_none_or(is_module) => {
                    let mut c = n.walk();
                    stack.extend(n.named_children(&mut c).filter(|s| {
                        n.parent().is_none()
                            || matches!(s.kind(), "expression_statement" | "assignment")
                    }));
                }
                _ => {}
            }
        }
        out
    }

    fn first_arg<'t>(&self, args: Node<'t>) -> Option<Node<'t>> {
        let mut c = args.walk();
        let found = args
            .named_children(&mut c)
            .find(|n| !matches!(n.kind(), "comment" | "keyword_argument"));
        found
    }

    fn is_bare_path(&self, n: Node) -> bool {
        match n.kind() {
            "identifier" => true,
            "attribute" => n.field("object").is_some_and(|o| self.is_bare_path(o)),
            _ => false,
        }
    }

    fn method_name_start(&self, call: Node) -> usize {
        call.field("function").map_or(call.start_byte(), |f| {
            f.field("attribute")
                .map_or(f.start_byte(), |n| n.start_byte())
        })
    }

    /// `await x`, `(x)`, and an attribute of a value (`bucket.objects` → `bucket`: the chain
    /// starts at what the value was made from). `self.x` stays: the class binds it.
    fn unwrap_expression<'t>(&self, n: Node<'t>, src: &[u8]) -> Option<Node<'t>> {
        match n.kind() {
            "await" | "parenthesized_expression" => n.named_child(0),
            "attribute" => n
                .field("object")
                .filter(|o| !(o.kind() == "identifier" && text_of(*o, src) == "self")),
            _ => None,
        }
    }

    fn receiver(&self, n: Node, src: &[u8]) -> Receiver {
        match n.kind() {
            "identifier" if text_of(n, src) == "self" => Receiver::SelfValue,
            "identifier" => Receiver::Binding(text_of(n, src).to_string()),
            // `self.ec2`: bound where the class assigns it.
            "attribute"
                if n.field("object")
                    .is_some_and(|o| o.kind() == "identifier" && text_of(o, src) == "self") =>
            {
                Receiver::Binding(self.clean_path(text_of(n, src)))
            }
            "attribute" => Receiver::Field,
            "call" => Receiver::Other(
                n.field("function")
                    .map(|f| self.simple_type(text_of(f, src)))
                    .filter(|t| t.chars().next().is_some_and(char::is_uppercase)),
            ),
            _ => Receiver::Other(None),
        }
    }

    fn call_on<'t>(&self, call: Node<'t>) -> Option<Node<'t>> {
        call.parent()
            .filter(|a| a.kind() == "attribute" && a.field("object") == Some(call))
            .and_then(|a| a.parent())
            .filter(|c| c.kind() == "call")
    }

    /// The assignment (`x = boto3.client("ec2")`), `with ... as x` or parameter that binds
    /// `name` where `at` uses it: searched outward through the function, the class (for
    /// `self.x`) and the module.
    fn binding_text(&self, at: Node, name: &str, src: &[u8]) -> Option<String> {
        match self.scoped_binding(at, name, src) {
            Binding::Found(text) => Some(text),
            Binding::FileLevel(root) => self.file_binding(root, name, src),
            Binding::Unbound => None,
        }
    }

    fn file_binding(&self, root: Node, name: &str, src: &[u8]) -> Option<String> {
        self.last_binding(root, name, src, None, false)
    }

    fn scoped_binding<'t>(&self, at: Node<'t>, name: &str, src: &[u8]) -> Binding<'t> {
        let on_self = name.starts_with("self.");
        let mut cur = at.parent();
        while let Some(scope) = cur {
            match scope.kind() {
                "function_definition" if !on_self => {
                    if let Some(found) =
                        self.last_binding(scope, name, src, Some(at.start_byte()), false)
                    {
                        return Binding::Found(found);
                    }
                    if let Some(params) = scope.field("parameters") {
                        let mut c = params.walk();
                        for p in params.named_children(&mut c) {
                            let pname = p
                                .field("name")
                                .or_else(|| (p.kind() == "identifier").then_some(p))
                                .or_else(|| p.named_child(0))
                                .map(|n| text_of(n, src));
                            if pname == Some(name) {
                                return Binding::Found(text_of(p, src).to_string());
                            }
                        }
                    }
                }
                "class_definition" if on_self => {
                    return self
                        .last_binding(scope, name, src, None, true)
                        .map_or(Binding::Unbound, Binding::Found);
                }
                _ if is_module(scope) && !on_self => return Binding::FileLevel(scope),
                _ => {}
            }
            cur = scope.parent();
        }
        Binding::Unbound
    }

    fn bound_name(&self, call: Node, src: &[u8]) -> Option<String> {
        let parent = call.parent()?;
        if parent.kind() != "assignment" || parent.field("right") != Some(call) {
            return None;
        }
        let left = parent.field("left")?;
        (left.kind() == "identifier").then(|| text_of(left, src).to_string())
    }

    fn enclosing_block<'t>(&self, n: Node<'t>) -> Option<Node<'t>> {
        let mut cur = n.parent();
        while let Some(p) = cur {
            if matches!(p.kind(), "block" | "module") {
                return Some(p);
            }
            cur = p.parent();
        }
        None
    }

    fn in_test_code(&self, n: Node, src: &[u8]) -> bool {
        let mut cur = n.parent();
        while let Some(p) = cur {
            let name = p.field("name").map(|n| text_of(n, src));
            match (p.kind(), name) {
                ("function_definition", Some(n)) if n.starts_with("test") => return true,
                ("class_definition", Some(n)) if n.starts_with("Test") => return true,
                _ => {}
            }
            cur = p.parent();
        }
        false
    }

    fn is_test_path(&self, path: &Path) -> bool {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        stem.starts_with("test_")
            || stem.ends_with("_test")
            || stem == "conftest"
            || path
                .parent()
                .into_iter()
                .flat_map(|p| p.components())
                .any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "test")))
    }

    fn send_method(&self) -> &'static str {
        "send"
    }

    fn list_items<'t>(&self, n: Node<'t>) -> Option<Vec<Node<'t>>> {
        if !matches!(n.kind(), "list" | "tuple") {
            return None;
        }
        let mut c = n.walk();
        let items: Vec<Node> = n
            .named_children(&mut c)
            .filter(|i| i.kind() != "comment")
            .collect();
        Some(items)
    }

    /// Python builds no process with methods: the argv is the call's own arguments.
    fn arg_methods(&self) -> (&'static str, &'static str) {
        ("", "")
    }

    fn def_traits(&self, text: &str, item_start: usize, name: &str, is_fn: bool) -> DefTraits {
        let decorators = decorators_before(text, item_start);
        let entry = decorators.iter().any(|d| {
            let head = d.trim_start_matches('@').split('(').next().unwrap_or("");
            ENTRY_DECORATORS.contains(&head.rsplit('.').next().unwrap_or(head))
        });
        DefTraits {
            is_test: is_fn && name.starts_with("test"),
            is_main: is_fn && (name == "main" || name == "lambda_handler" || name == "handler"),
            is_http_handler: entry,
        }
    }

    /// Python has no visibility: every definition can be imported (`_private` is a convention
    /// only), and no Python project is treated as a library whose API is an entry point.
    fn is_public(&self, _item: Node) -> bool {
        true
    }

    fn simple_type(&self, t: &str) -> String {
        let t = t.trim();
        let t = t.split('[').next().unwrap_or(t);
        t.rsplit('.')
            .next()
            .unwrap_or(t)
            .trim()
            .trim_matches('"')
            .to_string()
    }

    fn qualifier(&self, path: Node, src: &[u8]) -> Vec<String> {
        super::dotted_qualifier(self, path, "object", src)
    }

    fn binding_type(&self, binding: Node, src: &[u8]) -> Option<String> {
        if let Some(t) = binding.field("type") {
            return Some(self.simple_type(text_of(t, src)));
        }
        let v = binding.field("right")?;
        if v.kind() != "call" {
            return None;
        }
        let f = v.field("function")?;
        Some(self.simple_type(text_of(f, src)))
            .filter(|t| t.chars().next().is_some_and(char::is_uppercase))
    }

    /// Relative imports are written with dots: `.` the current package, `..` its parent.
    fn relative_to_folder(&self) -> bool {
        true
    }

    fn path_root(&self, segment: &str) -> Option<PathRoot> {
        match segment {
            "." => Some(PathRoot::Parent),
            ".." => Some(PathRoot::Parent),
            _ => None,
        }
    }

    fn project_of(&self, path: &Path) -> Project {
        const MARKERS: [&str; 5] = [
            "pyproject.toml",
            "setup.py",
            "setup.cfg",
            "requirements.txt",
            ".git",
        ];
        let dir = path
            .ancestors()
            .skip(1)
            .find(|d| MARKERS.iter().any(|m| d.join(m).exists()))
            .map(Path::to_path_buf)
            .unwrap_or_else(|| path.parent().unwrap_or(path).to_path_buf());
        Project {
            name: String::new(),
            is_lib: false,
            dir,
        }
    }

    /// `pkg/ops.py` → `[pkg, ops]` (under `src/` in a src layout); `pkg/__init__.py` → `[pkg]`.
    fn module_path(&self, project_dir: &Path, path: &Path) -> Vec<String> {
        let Ok(mut rel) = path.strip_prefix(project_dir) else {
            return Vec::new();
        };
        if let Ok(r) = rel.strip_prefix("src") {
            rel = r;
        }
        let mut parts: Vec<String> = rel
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        if let Some(last) = parts.pop() {
            let stem = last
                .trim_end_matches(".pyi")
                .trim_end_matches(".py")
                .to_string();
            if stem != "__init__" {
                parts.push(stem);
            }
        }
        parts
    }
}
