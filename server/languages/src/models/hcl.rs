//! Terraform / HCL (`tree-sitter-hcl`): a body is a map of its attributes and blocks. A block is
//! a map under its type's key (`ingress`, `lifecycle`, `resource`) holding `@block` (the type),
//! `@label` and `@name` (its first and last labels) beside its own body, so rules select
//! `resource "aws_s3_bucket" "x"` with `where = { "@block" = "resource", "@label" = "aws_s3_bucket" }`.
//! Object and tuple expressions are maps and lists (also inside `jsonencode(..)`); anything that
//! is not a literal (`var.x`, `"${a}-b"`, a call) is an expression scalar with its text.

use tree_sitter::Node;

use super::{named, text_of, Deeper, Doc, Entry, Map, Model, Scalar, Value};
use crate::fields::Fields;
use crate::symbols::{Def, DefKind, Entry as EntryPoint, Ref, RefKind};

pub struct Hcl;

impl Model for Hcl {
    fn build(&self, root: Node, src: &str) -> Doc {
        let mut doc = Doc::default();
        let body = named(root).into_iter().find(|n| n.kind() == "body");
        let map = match body {
            Some(b) => body_map(b, src),
            None => Map {
                start: root.start_byte(),
                end: root.end_byte(),
                ..Map::default()
            },
        };
        for e in &map.entries {
            if let Value::Map(block) = &e.value {
                if e.key == "variable" {
                    if let (Some(name), Some(default)) =
                        (block.text("@label"), block.get("default"))
                    {
                        doc.vars.insert(name.to_string(), default.clone());
                    }
                }
            }
        }
        doc.roots.push(Value::Map(map));
        doc
    }

    fn symbols(&self, doc: &Doc, text: &str) -> Option<(Vec<Def>, Vec<Ref>)> {
        Some(symbols(doc, text))
    }

    fn has_symbols(&self) -> bool {
        true
    }
}

/// The entries of a body; attributes and blocks inside a syntax error are still read.
fn body_entries(body: Node, src: &str, out: &mut Vec<Entry>) {
    let Some(_level) = Deeper::enter() else {
        return;
    };
    for n in named(body) {
        match n.kind() {
            "attribute" => {
                let kids = named(n);
                let (Some(key), Some(expr)) = (
                    kids.iter().find(|k| k.kind() == "identifier"),
                    kids.iter().find(|k| k.kind() == "expression"),
                ) else {
                    continue;
                };
                out.push(Entry {
                    key: text_of(*key, src).to_string(),
                    key_start: n.start_byte(),
                    value: expression(*expr, src),
                });
            }
            "block" => {
                if let Some(e) = block_entry(n, src) {
                    out.push(e);
                }
            }
            "ERROR" | "body" => body_entries(n, src, out),
            _ => {}
        }
    }
}

fn body_map(body: Node, src: &str) -> Map {
    let mut m = Map {
        start: body.start_byte(),
        end: body.end_byte(),
        ..Map::default()
    };
    body_entries(body, src, &mut m.entries);
    m
}

fn block_entry(n: Node, src: &str) -> Option<Entry> {
    let kids = named(n);
    let ty = kids.first().filter(|k| k.kind() == "identifier")?;
    let ty_text = text_of(*ty, src).to_string();
    let labels: Vec<Node> = kids
        .iter()
        .skip(1)
        .filter(|k| matches!(k.kind(), "string_lit" | "identifier"))
        .copied()
        .collect();
    let synthetic = |key: &str, node: Node| Entry {
        key: key.into(),
        key_start: node.start_byte(),
        value: Value::Scalar(Scalar::literal(
            label_text(node, src),
            node.start_byte(),
            node.end_byte(),
        )),
    };
    let mut entries = vec![synthetic("@block", *ty)];
    if let (Some(first), Some(last)) = (labels.first(), labels.last()) {
        entries.push(synthetic("@label", *first));
        entries.push(synthetic("@name", *last));
    }
    if let Some(body) = kids.iter().find(|k| k.kind() == "body") {
        body_entries(*body, src, &mut entries);
    }
    Some(Entry {
        key: ty_text,
        key_start: n.start_byte(),
        value: Value::Map(Map {
            entries,
            start: n.start_byte(),
            end: n.end_byte(),
        }),
    })
}

/// A label's text: a quoted string's content, or an identifier.
fn label_text(n: Node, src: &str) -> String {
    if n.kind() == "string_lit" {
        return named(n)
            .iter()
            .filter(|k| k.kind() == "template_literal")
            .map(|k| text_of(*k, src))
            .collect();
    }
    text_of(n, src).to_string()
}

/// A string literal's value, when it has no interpolation.
fn string_value(n: Node, src: &str) -> Option<String> {
    let mut out = String::new();
    for k in named(n) {
        match k.kind() {
            "template_literal" => out.push_str(&crate::conventions::unescape(text_of(k, src))),
            "quoted_template_start" | "quoted_template_end" => {}
            _ => return None,
        }
    }
    Some(out)
}

fn expression(expr: Node, src: &str) -> Value {
    let (start, end) = (expr.start_byte(), expr.end_byte());
    let kids = named(expr);
    let raw = || Value::Scalar(Scalar::expression(text_of(expr, src), start, end));
    let Some(_level) = Deeper::enter() else {
        return raw();
    };
    let [only] = kids.as_slice() else {
        return raw();
    };
    match only.kind() {
        "literal_value" => {
            let Some(lit) = named(*only).into_iter().next() else {
                return raw();
            };
            match lit.kind() {
                "string_lit" => match string_value(lit, src) {
                    Some(v) => Value::Scalar(Scalar::literal(v, start, end)),
                    None => Value::Scalar(Scalar::expression(
                        quoted_body(text_of(lit, src)),
                        start,
                        end,
                    )),
                },
                _ => Value::Scalar(Scalar::literal(text_of(lit, src), start, end)),
            }
        }
        "collection_value" => match named(*only).into_iter().next() {
            Some(c) if c.kind() == "tuple" => Value::List(
                named(c)
                    .into_iter()
                    .filter(|k| k.kind() == "expression")
                    .map(|k| expression(k, src))
                    .collect(),
            ),
            Some(c) if c.kind() == "object" => Value::Map(object(c, src)),
            _ => raw(),
        },
        "template_expr" => template(*only, src).unwrap_or_else(raw),
        "function_call" => {
            let f = named(*only);
            let name = f.first().map(|n| text_of(*n, src)).unwrap_or("");
            let arg = f
                .iter()
                .find(|k| k.kind() == "function_arguments")
                .and_then(|a| named(*a).into_iter().find(|k| k.kind() == "expression"));
            match arg {
                // The document a policy or a manifest is written as.
                Some(a) if matches!(name, "jsonencode" | "yamlencode") => expression(a, src),
                _ => raw(),
            }
        }
        _ => raw(),
    }
}

fn quoted_body(s: &str) -> String {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
        .to_string()
}

fn object(obj: Node, src: &str) -> Map {
    let mut m = Map {
        start: obj.start_byte(),
        end: obj.end_byte(),
        ..Map::default()
    };
    for elem in named(obj).into_iter().filter(|k| k.kind() == "object_elem") {
        let (Some(key), Some(val)) = (elem.field("key"), elem.field("val")) else {
            continue;
        };
        let key_text = match expression(key, src) {
            Value::Scalar(s) => s.text,
            _ => continue,
        };
        m.entries.push(Entry {
            key: key_text,
            key_start: elem.start_byte(),
            value: expression(val, src),
        });
    }
    m
}

/// A template's text, verbatim (interpolations left as written): a heredoc's body, or a quoted
/// string with `${..}` in it.
fn template(t: Node, src: &str) -> Option<Value> {
    let h = named(t)
        .into_iter()
        .find(|k| matches!(k.kind(), "heredoc_template" | "quoted_template"))?;
    let parts: Vec<Node> = named(h)
        .into_iter()
        .filter(|k| {
            !matches!(
                k.kind(),
                "heredoc_start"
                    | "heredoc_identifier"
                    | "quoted_template_start"
                    | "quoted_template_end"
            )
        })
        .collect();
    let (first, last) = (parts.first()?, parts.last()?);
    let (s, e) = (first.start_byte(), last.end_byte());
    let literal = parts.iter().all(|k| k.kind() == "template_literal");
    Some(Value::Scalar(Scalar {
        text: src.get(s..e)?.to_string(),
        literal,
        start: s,
        end: e,
        verbatim_at: Some(s),
    }))
}

/// What a Terraform file defines (resources, data sources, modules, variables, locals, outputs)
/// and references (`aws_db_instance.main.address`, `var.x`, `module.vpc.id`, `local.y`), each
/// reference inside the block that holds it: the workspace index's blast radius for Terraform.
pub(super) fn symbols(doc: &Doc, text: &str) -> (Vec<Def>, Vec<Ref>) {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let row = |at: usize| starts.partition_point(|&s| s <= at).saturating_sub(1);
    let mut defs = Vec::new();
    let mut refs = Vec::new();
    let Some(Value::Map(body)) = doc.roots.first() else {
        return (defs, refs);
    };
    // (definition, the value whose expressions it holds)
    let mut holders: Vec<(usize, &Value)> = Vec::new();
    let def = |name: String, start: usize, end: usize, entry: Option<EntryPoint>| Def {
        name,
        kind: DefKind::Const,
        module: Vec::new(),
        impl_type: None,
        start,
        end,
        name_start: start,
        line: row(start),
        is_pub: true,
        is_test: false,
        entry,
    };
    for e in &body.entries {
        let Value::Map(b) = &e.value else { continue };
        let (label, name) = (
            b.text("@label").unwrap_or(""),
            b.text("@name").unwrap_or(""),
        );
        let named = match e.key.as_str() {
            "resource" if !label.is_empty() => Some(format!("{label}.{name}")),
            "data" if !label.is_empty() => Some(format!("data.{label}.{name}")),
            "module" if !label.is_empty() => Some(format!("module.{label}")),
            "variable" if !label.is_empty() => Some(format!("var.{label}")),
            // A module's outputs are how its callers (and the root module's users) reach it.
            "output" if !label.is_empty() => Some(format!("output.{label}")),
            _ => None,
        };
        if let Some(n) = named {
            let entry = (e.key == "output").then_some(EntryPoint::PublicApi);
            defs.push(def(n, b.start, b.end, entry));
            holders.push((defs.len() - 1, &e.value));
        } else if e.key == "locals" {
            for l in b.entries.iter().filter(|l| !l.key.starts_with('@')) {
                let end = l.value.end().max(l.key_start);
                defs.push(def(format!("local.{}", l.key), l.key_start, end, None));
                holders.push((defs.len() - 1, &l.value));
            }
        }
    }
    // Each reference belongs to the block (or the local) that holds it.
    for (i, v) in holders {
        expressions(v, &mut |s| {
            for (at, len, name) in traversals(&s.text) {
                let start = s.start + at;
                let line = row(start);
                refs.push(Ref {
                    name,
                    kind: RefKind::Value,
                    qualifier: Vec::new(),
                    receiver_type: None,
                    start,
                    end: start + len,
                    line,
                    col: start - starts[line],
                    enclosing: Some(i),
                    in_test: false,
                    shadowed: false,
                });
            }
        });
    }
    (defs, refs)
}

/// Every expression scalar (not a literal) under a value whose text is the file's own.
fn expressions(v: &Value, f: &mut impl FnMut(&Scalar)) {
    match v {
        Value::Scalar(s) if !s.literal => f(s),
        Value::Scalar(_) => {}
        Value::List(items) => items.iter().for_each(|i| expressions(i, f)),
        Value::Map(m) => m.entries.iter().for_each(|e| expressions(&e.value, f)),
    }
}

/// The references in an expression's text: (offset, length, the name they refer to).
fn traversals(text: &str) -> Vec<(usize, usize, String)> {
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !(b[i].is_ascii_alphabetic() || b[i] == b'_')
            || (i > 0 && (ident(b[i - 1]) || b[i - 1] == b'.'))
        {
            i += 1;
            continue;
        }
        // A chain of identifiers joined by dots (`aws_db_instance.main.address`).
        let start = i;
        let mut parts: Vec<(usize, usize)> = Vec::new();
        loop {
            let s = i;
            while i < b.len() && ident(b[i]) {
                i += 1;
            }
            parts.push((s, i));
            if i + 1 < b.len()
                && b[i] == b'.'
                && (b[i + 1].is_ascii_alphabetic() || b[i + 1] == b'_')
            {
                i += 1;
            } else {
                break;
            }
        }
        let seg = |k: usize| parts.get(k).map(|&(s, e)| &text[s..e]);
        let (take, name) = match (seg(0), seg(1), seg(2)) {
            (Some(r @ ("var" | "local" | "module")), Some(n), _) => (2, format!("{r}.{n}")),
            (Some("data"), Some(t), Some(n)) => (3, format!("data.{t}.{n}")),
            (Some(t), Some(n), _)
                if t.contains('_')
                    && !matches!(t, "each" | "count" | "self" | "path" | "terraform") =>
            {
                (2, format!("{t}.{n}"))
            }
            _ => continue,
        };
        out.push((start, parts[take - 1].1 - start, name));
    }
    out
}
