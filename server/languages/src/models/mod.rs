//! Files without calls: Terraform, YAML and JSON configuration, shell scripts and SQL files. Each
//! grammar's builder (one file here, named by `model` in `queries/languages.toml`) turns its tree
//! into a [`Doc`]: maps of keys to values with exact byte ranges, the commands a script runs, the
//! statements a SQL file holds. The rules of `queries/<lang>/*.toml` (`match = "attribute"`, and
//! `[[embed]]` for commands held in values) are matched on the Doc, so what is risky stays data
//! and no node kind leaves this folder.

use std::collections::HashMap;

use tree_sitter::Node;

pub mod bash;
pub mod changes;
mod hcl;
mod json;
mod recipes;
mod select;
mod yaml;

pub use select::{findings, Embed, EmbedKind, Select};

/// A document's structure, as its rules see it.
#[derive(Debug, Default)]
pub struct Doc {
    /// Top-level maps: a Terraform file's body, each YAML document, a JSON document's object.
    pub roots: Vec<Value>,
    /// Terraform `variable "x" { default = .. }`: what `var.x` stands for when nothing sets it.
    pub vars: HashMap<String, Value>,
    /// Commands a script runs (shell).
    pub commands: Vec<bash::Cmd>,
    /// Statement byte ranges (SQL).
    pub statements: Vec<(usize, usize)>,
}

#[derive(Debug, Clone)]
pub enum Value {
    Map(Map),
    List(Vec<Value>),
    Scalar(Scalar),
}

#[derive(Debug, Clone, Default)]
pub struct Map {
    pub entries: Vec<Entry>,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    pub key_start: usize,
    pub value: Value,
}

/// A leaf: a literal's value (quotes and escapes removed), or an expression's text.
#[derive(Debug, Clone)]
pub struct Scalar {
    pub text: String,
    /// A literal written in the file (not a reference, a call or an interpolation).
    pub literal: bool,
    pub start: usize,
    pub end: usize,
    /// Where `text` starts in the file when it is the file's text verbatim (a block scalar, a
    /// heredoc): positions inside it are then exact.
    pub verbatim_at: Option<usize>,
}

impl Scalar {
    pub fn literal(text: impl Into<String>, start: usize, end: usize) -> Scalar {
        Scalar {
            text: text.into(),
            literal: true,
            start,
            end,
            verbatim_at: None,
        }
    }

    pub fn expression(text: impl Into<String>, start: usize, end: usize) -> Scalar {
        Scalar {
            literal: false,
            ..Scalar::literal(text, start, end)
        }
    }
}

impl Map {
    /// The first value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    /// The text of the scalar under `key`.
    pub fn text(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Value::Scalar(s)) => Some(&s.text),
            _ => None,
        }
    }
}

impl Value {
    pub fn start(&self) -> usize {
        match self {
            Value::Map(m) => m.start,
            Value::List(v) => v.first().map(Value::start).unwrap_or(0),
            Value::Scalar(s) => s.start,
        }
    }

    pub fn end(&self) -> usize {
        match self {
            Value::Map(m) => m.end,
            Value::List(v) => v.last().map(Value::end).unwrap_or(0),
            Value::Scalar(s) => s.end,
        }
    }
}

/// A double-quoted string's value (JSON, YAML): quotes removed, escapes resolved.
fn double_quoted(n: Node, src: &str) -> Scalar {
    let t = text_of(n, src);
    let body = t
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(t);
    Scalar::literal(
        crate::conventions::unescape(body),
        n.start_byte(),
        n.end_byte(),
    )
}

/// A file's document, when its language has a model.
pub fn document(
    lang: &crate::language::Language,
    tree: &tree_sitter::Tree,
    text: &str,
) -> Option<Doc> {
    Some(lang.model?.build(tree.root_node(), text))
}

/// A document's findings, and with its committed document what only the comparison shows; the
/// document is built once.
pub fn findings_against(
    lang: &crate::language::Language,
    tree: &tree_sitter::Tree,
    text: &str,
    committed: Option<&Doc>,
) -> Vec<crate::analysis::Finding> {
    let Some(doc) = document(lang, tree, text) else {
        return Vec::new();
    };
    let mut out = findings(lang, &doc, text);
    if let Some(old) = committed {
        out.extend(changes::findings(old, &doc));
    }
    out
}

/// The findings of `new` that only a comparison with `old` (the file's committed text) shows:
/// a Terraform edit that replaces a stateful resource, or removes its `prevent_destroy`.
pub fn compared_findings(
    lang: &crate::language::Language,
    old: (&tree_sitter::Tree, &str),
    new: (&tree_sitter::Tree, &str),
) -> Vec<crate::analysis::Finding> {
    let Some(model) = lang.model else {
        return Vec::new();
    };
    changes::findings(
        &model.build(old.0.root_node(), old.1),
        &model.build(new.0.root_node(), new.1),
    )
}

/// Builds a [`Doc`] from a parsed file.
pub trait Model: Send + Sync {
    fn build(&self, root: Node, src: &str) -> Doc;
    /// What the document defines and references, for the workspace index (blast radius); `None`
    /// for documents whose parts do not refer to each other.
    fn symbols(
        &self,
        _doc: &Doc,
        _text: &str,
    ) -> Option<(Vec<crate::symbols::Def>, Vec<crate::symbols::Ref>)> {
        None
    }
    /// True when [`Model::symbols`] answers.
    fn has_symbols(&self) -> bool {
        false
    }
}

/// The model `queries/languages.toml` names.
pub fn by_name(name: &str) -> Option<&'static dyn Model> {
    match name {
        "hcl" => Some(&hcl::Hcl),
        "hcl-json" => Some(&json::TerraformJson),
        "yaml" => Some(&yaml::Yaml),
        "json" => Some(&json::Json),
        "bash" => Some(&bash::Bash),
        "dockerfile" => Some(&recipes::Dockerfile),
        "makefile" => Some(&recipes::Makefile),
        "sql" => Some(&SqlFile),
        _ => None,
    }
}

/// A SQL file: its statements, split by the SQL scanner (comments and quoted text skipped), so a
/// dialect the grammar does not know is still read statement by statement.
struct SqlFile;

impl Model for SqlFile {
    fn build(&self, _root: Node, src: &str) -> Doc {
        Doc {
            statements: crate::sql::statement_spans(src),
            ..Doc::default()
        }
    }
}

/// How deep a builder follows nesting (`[[[[..]]]]`, maps in maps): deeper values are kept as
/// their text, so a hostile file cannot exhaust the stack.
const MAX_NESTING: usize = 256;

thread_local! {
    static NESTING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// One level of a builder's recursion; `None` past [`MAX_NESTING`].
struct Deeper;

impl Deeper {
    fn enter() -> Option<Deeper> {
        NESTING.with(|d| {
            if d.get() >= MAX_NESTING {
                return None;
            }
            d.set(d.get() + 1);
            Some(Deeper)
        })
    }
}

impl Drop for Deeper {
    fn drop(&mut self) {
        NESTING.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// The text of a node (empty when it is not valid UTF-8).
fn text_of<'a>(n: Node, src: &'a str) -> &'a str {
    n.utf8_text(src.as_bytes()).unwrap_or("")
}

/// Named children of a node.
fn named(n: Node) -> Vec<Node> {
    let mut c = n.walk();
    n.named_children(&mut c).collect()
}
