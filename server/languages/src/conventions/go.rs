//! Go's conventions: interpreted and raw strings, `import` blocks (a package is named by its
//! alias or the last segment of its path), `:=`/`var` bindings and parameters, `_test.go` files
//! and `TestXxx` functions, `func main`, HTTP handlers and Lambda handlers, exported names, and
//! packages as folders under the module `go.mod` declares.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use tree_sitter::Node;

use super::{text_of, Conventions, DefTraits, ImportScope, Imports, PathRoot, Project, Receiver};
use crate::fields::Fields;

pub struct Go;

/// The module path each `go.mod` declares, with the file's size and modification time when it
/// was read: read again when either changes (a language server outlives many edits of it).
type ModuleCache = HashMap<PathBuf, (Option<(u64, std::time::SystemTime)>, Vec<String>)>;
static MODULES: LazyLock<Mutex<ModuleCache>> = LazyLock::new(Default::default);

fn module_of(dir: &Path) -> Vec<String> {
    let file = dir.join("go.mod");
    let stamp = std::fs::metadata(&file)
        .ok()
        .and_then(|m| Some((m.len(), m.modified().ok()?)));
    let mut cache = MODULES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((seen, module)) = cache.get(dir) {
        if *seen == stamp && stamp.is_some() {
            return module.clone();
        }
    }
    let module: Vec<String> = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("module ")
                    .map(|m| m.trim().trim_matches('"').to_string())
            })
        })
        .map(|m| m.split('/').map(str::to_string).collect())
        .unwrap_or_default();
    cache.insert(dir.to_path_buf(), (stamp, module.clone()));
    module
}

/// The name a package is used by: its path's last segment, without a `/vN` major version or a
/// `go-` prefix (`github.com/redis/go-redis/v9` → `redis`).
fn package_name(path: &str) -> String {
    let mut segs: Vec<&str> = path.split('/').collect();
    if segs.len() > 1
        && segs.last().is_some_and(|s| {
            s.len() > 1 && s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit())
        })
    {
        segs.pop();
    }
    let last = segs.last().copied().unwrap_or(path);
    last.trim_start_matches("go-").replace(['-', '.'], "_")
}

impl Conventions for Go {
    fn unquote(&self, lit: &str) -> String {
        if let Some(raw) = lit.strip_prefix('`') {
            return raw.strip_suffix('`').unwrap_or(raw).to_string();
        }
        let body = lit.strip_prefix('"').unwrap_or(lit);
        let body = body.strip_suffix('"').unwrap_or(body);
        super::unescape(body)
    }

    fn clean_path(&self, p: &str) -> String {
        p.chars().filter(|c| !c.is_whitespace()).collect()
    }

    fn line_comment(&self) -> &'static str {
        "//"
    }

    /// Each import binds its package name (or alias) to the import path's segments (`os/exec` →
    /// `os.exec`, so rules name `os.exec.Command`); a package of this module is the module's
    /// segments then its folders, as `module_path` gives it.
    fn imports(&self, root: Node, src: &[u8], _scope: ImportScope) -> Imports {
        let mut out = Imports::default();
        let mut c = root.walk();
        for decl in root
            .named_children(&mut c)
            .filter(|n| n.kind() == "import_declaration")
        {
            self.import_decl(decl, src, &mut out);
        }
        out
    }

    fn import_capture(&self, node: Node, src: &[u8]) -> (Imports, bool) {
        let mut out = Imports::default();
        self.import_decl(node, src, &mut out);
        (out, true)
    }

    fn is_context_item(&self, item: Node, text: Option<&str>) -> bool {
        match item.kind() {
            "import_declaration" | "package_clause" => true,
            "ERROR" => text.is_none_or(|t| {
                t.get(item.start_byte()..item.end_byte())
                    .unwrap_or("")
                    .contains("import")
            }),
            _ => false,
        }
    }

    /// The first argument, a leading `ctx` (the context Go APIs take first: a three-letter name
    /// followed by more arguments) skipped.
    fn first_arg<'t>(&self, args: Node<'t>) -> Option<Node<'t>> {
        let mut c = args.walk();
        let all: Vec<Node> = args
            .named_children(&mut c)
            .filter(|n| n.kind() != "comment")
            .collect();
        match all.as_slice() {
            [first, second, ..]
                if first.kind() == "identifier" && first.end_byte() - first.start_byte() == 3 =>
            {
                Some(*second)
            }
            [first, ..] => Some(*first),
            [] => None,
        }
    }

    fn is_bare_path(&self, n: Node) -> bool {
        matches!(n.kind(), "identifier" | "selector_expression")
    }

    fn method_name_start(&self, call: Node) -> usize {
        call.field("function").map_or(call.start_byte(), |f| {
            f.field("field").map_or(f.start_byte(), |n| n.start_byte())
        })
    }

    fn unwrap_expression<'t>(&self, n: Node<'t>, _src: &[u8]) -> Option<Node<'t>> {
        match n.kind() {
            "parenthesized_expression" => n.named_child(0),
            "unary_expression" => n.field("operand"),
            _ => None,
        }
    }

    fn receiver(&self, n: Node, src: &[u8]) -> Receiver {
        match n.kind() {
            "identifier" => Receiver::Binding(text_of(n, src).to_string()),
            "selector_expression" => Receiver::Field,
            _ => Receiver::Other(None),
        }
    }

    fn call_on<'t>(&self, call: Node<'t>) -> Option<Node<'t>> {
        call.parent()
            .filter(|s| s.kind() == "selector_expression" && s.field("operand") == Some(call))
            .and_then(|s| s.parent())
            .filter(|c| c.kind() == "call_expression")
    }

    /// Its parameter (or the method's receiver), else the last `:=`, `var` or `=` before `at`
    /// in the function.
    fn binding_text(&self, at: Node, name: &str, src: &[u8]) -> Option<String> {
        let mut cur = at.parent();
        while let Some(f) = cur {
            if matches!(
                f.kind(),
                "function_declaration" | "method_declaration" | "func_literal"
            ) {
                let mut found: Option<String> = None;
                let mut stack = vec![f];
                while let Some(n) = stack.pop() {
                    if n.start_byte() >= at.start_byte()
                        && n.kind() != "function_declaration"
                        && n.kind() != "method_declaration"
                        && n.kind() != "func_literal"
                    {
                        continue;
                    }
                    match n.kind() {
                        "parameter_declaration"
                        | "short_var_declaration"
                        | "var_spec"
                        | "assignment_statement" => {
                            let names = n
                                .field("name")
                                .or_else(|| n.field("left"))
                                .map(|l| text_of(l, src).to_string())
                                .unwrap_or_default();
                            if names.split(',').any(|x| x.trim() == name) {
                                found = Some(text_of(n, src).to_string());
                            }
                        }
                        _ => {}
                    }
                    let mut c = n.walk();
                    let children: Vec<Node> = n.named_children(&mut c).collect();
                    stack.extend(children.into_iter().rev());
                }
                return found;
            }
            cur = f.parent();
        }
        None
    }

    fn bound_name(&self, call: Node, src: &[u8]) -> Option<String> {
        let list = call.parent()?;
        let decl = list.parent()?;
        if decl.kind() != "short_var_declaration" && decl.kind() != "assignment_statement" {
            return None;
        }
        let left = decl.field("left")?;
        Some(text_of(left, src).split(',').next()?.trim().to_string())
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

    fn in_test_code(&self, n: Node, src: &[u8]) -> bool {
        let mut cur = n.parent();
        while let Some(p) = cur {
            if p.kind() == "function_declaration" {
                let name = p.field("name").map(|n| text_of(n, src)).unwrap_or("");
                return name.starts_with("Test")
                    || name.starts_with("Benchmark")
                    || name.starts_with("Fuzz");
            }
            cur = p.parent();
        }
        false
    }

    fn is_test_path(&self, path: &Path) -> bool {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with("_test.go"))
            || path.components().any(|c| c.as_os_str() == "testdata")
    }

    fn send_method(&self) -> &'static str {
        "Send"
    }

    /// Go passes a command's arguments to `exec.Command` itself.
    fn arg_methods(&self) -> (&'static str, &'static str) {
        ("", "")
    }

    fn def_traits(&self, text: &str, item_start: usize, name: &str, is_fn: bool) -> DefTraits {
        let head = text[item_start.min(text.len())..]
            .split('{')
            .next()
            .unwrap_or("");
        DefTraits {
            is_test: is_fn && (name.starts_with("Test") || name.starts_with("Benchmark")),
            is_main: is_fn
                && (name == "main"
                    || name == "HandleRequest"
                    || name == "handler"
                    || name == "Handler"),
            is_http_handler: is_fn && head.contains("http.ResponseWriter"),
        }
    }

    /// Exported names start with a capital letter; the name is not at hand here, and no Go
    /// module is treated as a library whose API is an entry point, so every definition counts.
    fn is_public(&self, _item: Node) -> bool {
        true
    }

    fn simple_type(&self, t: &str) -> String {
        let t = t.trim().trim_start_matches(['*', '&', '[', ']']);
        let t = t.split(['[', '{', '(']).next().unwrap_or(t);
        t.rsplit('.').next().unwrap_or(t).trim().to_string()
    }

    fn qualifier(&self, path: Node, src: &[u8]) -> Vec<String> {
        super::dotted_qualifier(self, path, "operand", src)
    }

    fn binding_type(&self, binding: Node, src: &[u8]) -> Option<String> {
        binding
            .field("type")
            .map(|t| self.simple_type(text_of(t, src)))
    }

    fn path_root(&self, _segment: &str) -> Option<PathRoot> {
        None
    }

    fn project_of(&self, path: &Path) -> Project {
        let dir = path
            .ancestors()
            .skip(1)
            .find(|d| d.join("go.mod").is_file())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| path.parent().unwrap_or(path).to_path_buf());
        Project {
            dir,
            name: String::new(),
            is_lib: false,
        }
    }

    /// The package's import path as segments: the module's, then the folders (`internal/ops`).
    fn module_path(&self, project_dir: &Path, path: &Path) -> Vec<String> {
        let mut out = module_of(project_dir);
        if let Some(folder) = path.parent().and_then(|p| p.strip_prefix(project_dir).ok()) {
            out.extend(folder.iter().map(|s| s.to_string_lossy().into_owned()));
        }
        out
    }
}

impl Go {
    fn import_decl(&self, decl: Node, src: &[u8], out: &mut Imports) {
        let mut stack = vec![decl];
        while let Some(n) = stack.pop() {
            if n.kind() == "import_spec" {
                let Some(path) = n.field("path") else {
                    continue;
                };
                let full = self.unquote(text_of(path, src));
                let alias = n.field("name").map(|a| text_of(a, src).to_string());
                let segs: Vec<String> = full.split('/').map(str::to_string).collect();
                match alias.as_deref() {
                    Some(".") => out.globs.push(segs),
                    Some("_") => {}
                    Some(a) => out.names.push((a.to_string(), segs)),
                    None => out.names.push((package_name(&full), segs)),
                }
                continue;
            }
            let mut c = n.walk();
            stack.extend(n.named_children(&mut c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_path_follows_an_edited_go_mod() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("internal/ops")).unwrap();
        let file = root.join("internal/ops/purge.go");
        std::fs::write(&file, "package ops\n").unwrap();
        let path_now = || {
            let project = Go.project_of(&file);
            Go.module_path(&project.dir, &file).join("/")
        };
        std::fs::write(root.join("go.mod"), "module example.com/infra\n").unwrap();
        assert_eq!(path_now(), "example.com/infra/internal/ops");
        // Renamed (a different size, so seen even within the clock's resolution).
        std::fs::write(root.join("go.mod"), "module github.com/acme/platform\n").unwrap();
        assert_eq!(path_now(), "github.com/acme/platform/internal/ops");
    }
}
