//! What a language's queries cannot say: how its strings, paths and imports are written, what a
//! test or an entry point looks like, how a file maps to a module and a project. One
//! implementation per language (`rust.rs`), named by `conventions` in `queries/languages.toml`;
//! the matcher (`analysis`) and the symbol extractor (`symbols`) call only this trait, so they
//! name no node kind of their own.

use std::path::{Path, PathBuf};

use tree_sitter::Node;

use crate::fields::Fields;

mod go;
mod javascript;
mod plain;
mod python;
mod rust;

/// What a file brings into scope.
#[derive(Debug, Default, Clone)]
pub struct Imports {
    /// local name → the full path it stands for, as segments (`use a::b as c` → c → [a, b]).
    pub names: Vec<(String, Vec<String>)>,
    /// Glob imports (`use a::b::*` → [a, b]).
    pub globs: Vec<Vec<String>>,
}

/// Where imports count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportScope {
    /// At file level and in inline modules: they apply to the whole file.
    FileLevel,
    /// Anywhere, function bodies included.
    Everywhere,
}

/// What an expression that receives a method call is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receiver {
    /// `self`.
    SelfValue,
    /// A field of something (`self.client`): its type is not known here.
    Field,
    /// A local name: its binding says what it is.
    Binding(String),
    /// Anything else; with the type it names by itself (`Env::new()`), when it does.
    Other(Option<String>),
}

/// What makes a definition special.
#[derive(Debug, Clone, Default)]
pub struct DefTraits {
    pub is_test: bool,
    pub is_main: bool,
    pub is_http_handler: bool,
}

/// A project (a Rust crate, a Python package...) that holds a file.
#[derive(Debug, Clone)]
pub struct Project {
    pub dir: PathBuf,
    /// The name other projects import it by.
    pub name: String,
    /// A library whose public definitions are entry points for its users.
    pub is_lib: bool,
}

/// The first segment of a path, when it is relative to something other than a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRoot {
    /// The project's root (`crate`).
    Project,
    /// The current module (`self`).
    Current,
    /// The parent module (`super`).
    Parent,
    /// The enclosing type (`Self`): not resolved through modules.
    SelfType,
}

pub trait Conventions: Send + Sync {
    // -- text --
    /// A string literal's value, quotes and escapes removed.
    fn unquote(&self, literal: &str) -> String;
    /// A callee path as written → its canonical spelling (whitespace and generics removed).
    fn clean_path(&self, path: &str) -> String;
    /// The line-comment marker: a gating name after it does not count.
    fn line_comment(&self) -> &'static str;
    /// Roots of paths that are always present (the standard library): rules on them need no
    /// import to count. None by default: Python, Go and JavaScript files import even their
    /// standard library by name (`import os`, `"os/exec"`, `node:fs`), which keeps the prefilter
    /// sharp.
    fn std_roots(&self) -> &'static [&'static str] {
        &[]
    }
    /// The constructor's name when a rule names `Type::<constructor>` (`new`); none by default.
    fn constructor(&self) -> Option<&'static str> {
        None
    }

    // -- imports --
    /// Every import under `root` in `scope`.
    fn imports(&self, root: Node, src: &[u8], scope: ImportScope) -> Imports;
    /// The imports of one import capture of `risky.scm` (`@use`), and whether it sits at file
    /// level (then `imports(FileLevel)` already has it).
    fn import_capture(&self, node: Node, src: &[u8]) -> (Imports, bool);
    /// True when a top-level item can change how the rest of the file resolves (an import, a
    /// module); `text` lets a broken item count only when it holds one.
    fn is_context_item(&self, item: Node, text: Option<&str>) -> bool;
    /// The file-level bindings a call inside an item may resolve through (`ec2 =
    /// boto3.client("ec2")` at module level), as their texts' heads ([`binding_head`]): when
    /// they change, every item may read differently. Only statements are visited.
    fn file_bindings(&self, _root: Node, _src: &[u8]) -> Vec<String> {
        Vec::new()
    }

    // -- expressions, for the rules --
    /// The first argument of an argument list, comments skipped, references looked through.
    fn first_arg<'t>(&self, args: Node<'t>) -> Option<Node<'t>>;
    /// A plain name or path (a whole table, not an expression).
    fn is_bare_path(&self, n: Node) -> bool;
    /// Where the name of a method call starts (`.delete_stack()` → `delete_stack`).
    fn method_name_start(&self, call: Node) -> usize;
    /// The expression inside a wrapper that does not change the value's identity (`x.await`,
    /// `x?`, `(x)`, `&x`).
    fn unwrap_expression<'t>(&self, n: Node<'t>, src: &[u8]) -> Option<Node<'t>>;
    /// What receives a method call.
    fn receiver(&self, n: Node, src: &[u8]) -> Receiver;
    /// The method call made directly on `call`'s value (`Command::new(..).arg(..)` → `.arg`).
    fn call_on<'t>(&self, call: Node<'t>) -> Option<Node<'t>>;
    /// The text that says what `name` is where `at` uses it (its declaration or parameter).
    fn binding_text(&self, at: Node, name: &str, src: &[u8]) -> Option<String>;
    /// As [`Conventions::binding_text`], stopping at the file level: what a file binds there
    /// is the same for every call of the file, so the analyser asks [`Conventions::file_binding`]
    /// once a name (a module-level search for each call made a file's analysis quadratic).
    fn scoped_binding<'t>(&self, at: Node<'t>, name: &str, src: &[u8]) -> Binding<'t> {
        self.binding_text(at, name, src)
            .map_or(Binding::Unbound, Binding::Found)
    }
    /// The file-level binding of `name` under the root `root`.
    fn file_binding(&self, _root: Node, _name: &str, _src: &[u8]) -> Option<String> {
        None
    }
    /// The name a call's value is bound to (`let cmd = Command::new(..)`).
    fn bound_name(&self, call: Node, src: &[u8]) -> Option<String>;
    /// The block that scopes a binding made at `n`.
    fn enclosing_block<'t>(&self, n: Node<'t>) -> Option<Node<'t>>;
    /// Inside a test function or a test module.
    fn in_test_code(&self, n: Node, src: &[u8]) -> bool;
    /// A file that holds only tests (and benches).
    fn is_test_path(&self, path: &Path) -> bool;
    /// The method that sends a fluent SDK request (`send`).
    fn send_method(&self) -> &'static str;
    /// The methods that add one argument and a list of arguments to a process builder.
    fn arg_methods(&self) -> (&'static str, &'static str);
    /// The elements of a list or tuple literal (an argv written as one value).
    fn list_items<'t>(&self, _n: Node<'t>) -> Option<Vec<Node<'t>>> {
        None
    }

    // -- symbols --
    /// Test, main and HTTP-handler marks of the definition starting at `item_start`.
    fn def_traits(&self, text: &str, item_start: usize, name: &str, is_fn: bool) -> DefTraits;
    /// Visible outside its module.
    fn is_public(&self, item: Node) -> bool;
    /// `&mut deploy::Env<'a, T>` → `Env`.
    fn simple_type(&self, t: &str) -> String;
    /// The qualifier of a qualified reference (`deploy::aws::purge` → [deploy, aws]).
    fn qualifier(&self, path: Node, src: &[u8]) -> Vec<String>;
    /// The type a binding (a `let` or a parameter) declares or constructs.
    fn binding_type(&self, binding: Node, src: &[u8]) -> Option<String>;
    /// Special first segments of paths.
    fn path_root(&self, segment: &str) -> Option<PathRoot>;
    /// True when a relative path (`./x`, `from .x import`) starts at the file's folder, which
    /// for a folder's own module file (`index.ts`, `__init__.py`) is that module itself. Rust's
    /// `super` is the parent module whatever the file.
    fn relative_to_folder(&self) -> bool {
        false
    }

    // -- project model --
    /// The project that holds `path`.
    fn project_of(&self, path: &Path) -> Project;
    /// A file's module path inside its project.
    fn module_path(&self, project_dir: &Path, path: &Path) -> Vec<String>;
}

/// The conventions `queries/languages.toml` names.
pub fn by_name(name: &str) -> Option<&'static dyn Conventions> {
    match name {
        "rust" => Some(&rust::Rust),
        "python" => Some(&python::Python),
        "go" => Some(&go::Go),
        "javascript" => Some(&javascript::JavaScript),
        "plain" => Some(&plain::Plain),
        _ => None,
    }
}

/// A string literal's body with the common backslash escapes resolved (`\n`, `\t`, an escaped
/// quote or backslash); an escaped newline continues the line.
pub(crate) fn unescape(body: &str) -> String {
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
            Some('\n') | None => {}
            Some(o) => out.push(o),
        }
    }
    out
}

/// The object of a dotted reference, as segments (`ops.helper()` → `[ops]`), for languages
/// whose qualified names are written with dots; `field` names the object in their grammar.
pub(crate) fn dotted_qualifier(
    conv: &dyn Conventions,
    path: Node,
    field: &'static str,
    src: &[u8],
) -> Vec<String> {
    path.field(field)
        .map(|q| {
            conv.clean_path(text_of(q, src))
                .split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The text of a node (empty when it is not valid UTF-8).
pub(crate) fn text_of<'a>(n: Node, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

/// Where [`Conventions::scoped_binding`] found a name's binding.
pub enum Binding<'t> {
    Found(String),
    /// Not below the file level: the file's own binding (under this root) is the answer.
    FileLevel(Node<'t>),
    Unbound,
}

/// The start of a binding's text, as much as says what it binds (the name, the factory and its
/// first arguments): typing deep inside a long one (a function, a table) changes no context.
pub fn binding_head(n: Node, src: &[u8]) -> String {
    let text = text_of(n, src);
    let mut end = text.len().min(256);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}
