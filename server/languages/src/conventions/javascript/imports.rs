//! JavaScript's imports as aigis reads them: ES `import` and `export ... from` lists and
//! `require(..)`, as local names bound to module paths.

use tree_sitter::Node;

use super::{JavaScript, EXTENSIONS};
use crate::conventions::{text_of, Conventions, Imports};
use crate::fields::Fields;

/// An import specifier as path segments: `node:fs` → `fs`; `./ops` → `. ops`; `../lib/x` →
/// `. .. lib x`; a package (`@aws-sdk/client-ec2`) stays one segment.
/// `a as b` in an import or export list → (a, b); `a` → (a, a).
fn name_and_alias(spec: Node, src: &[u8]) -> (String, String) {
    let name = spec
        .field("name")
        .map(|v| text_of(v, src).to_string())
        .unwrap_or_default();
    let alias = spec
        .field("alias")
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

impl JavaScript {
    /// `import x from "m"`, `import { a as b } from "m"`, `import * as ns from "m"`.
    pub(super) fn import_statement(&self, n: Node, src: &[u8], out: &mut Imports) {
        let Some(source) = n.field("source") else {
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
    pub(super) fn export_from(&self, n: Node, src: &[u8], out: &mut Imports) {
        let Some(source) = n.field("source") else {
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
    pub(super) fn require(&self, decl: Node, src: &[u8], out: &mut Imports) {
        let Some(value) = decl.field("value") else {
            return;
        };
        if value.kind() != "call_expression"
            || value.field("function").map(|f| text_of(f, src)) != Some("require")
        {
            return;
        }
        let Some(spec) = value
            .field("arguments")
            .and_then(|a| a.named_child(0))
            .filter(|s| s.kind() == "string")
        else {
            return;
        };
        let base = specifier_segments(&self.unquote(text_of(spec, src)));
        let Some(name) = decl.field("name") else {
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
                            p.field("key")
                                .map(|k| text_of(k, src).to_string())
                                .unwrap_or_default(),
                            p.field("value")
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
