//! Python's statements as aigis reads them: one import statement's names, the statement that
//! binds a name in a scope, the decorators above a definition. Searches visit statements only,
//! never expressions, so they cost what a file's statements cost, broken or not.

use tree_sitter::Node;

use super::{is_module, Python};
use crate::conventions::{text_of, Conventions, Imports};
use crate::fields::Fields;

impl Python {
    /// One import statement's names: `import a.b` binds `a`; `import a.b as c` binds `c` to
    /// `a.b`; `from a.b import c as d` binds `d` to `a.b.c`; `from . import x` is relative.
    pub(super) fn import(&self, n: Node, src: &[u8], out: &mut Imports) {
        let dotted = |d: Node| -> Vec<String> {
            text_of(d, src)
                .split('.')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        match n.kind() {
            "import_statement" => {
                let mut c = n.walk();
                for name in n.children_by_field_name("name", &mut c) {
                    match name.kind() {
                        "dotted_name" => {
                            let p = dotted(name);
                            if let Some(first) = p.first() {
                                out.names.push((first.clone(), vec![first.clone()]));
                            }
                        }
                        "aliased_import" => {
                            if let (Some(path), Some(alias)) =
                                (name.field("name"), name.field("alias"))
                            {
                                out.names
                                    .push((text_of(alias, src).to_string(), dotted(path)));
                            }
                        }
                        _ => {}
                    }
                }
            }
            "import_from_statement" => {
                let Some(module) = n.field("module_name") else {
                    return;
                };
                let base: Vec<String> = if module.kind() == "relative_import" {
                    let t = text_of(module, src);
                    let dots = t.chars().take_while(|&c| c == '.').count();
                    let mut p: Vec<String> = vec![".".to_string()];
                    p.extend(std::iter::repeat_n(
                        "..".to_string(),
                        dots.saturating_sub(1),
                    ));
                    p.extend(
                        t[dots..]
                            .split('.')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string),
                    );
                    p
                } else {
                    dotted(module)
                };
                let mut c = n.walk();
                let mut any = false;
                for name in n.children_by_field_name("name", &mut c) {
                    any = true;
                    match name.kind() {
                        "dotted_name" => {
                            let mut p = base.clone();
                            p.extend(dotted(name));
                            if let Some(last) = p.last() {
                                out.names.push((last.clone(), p.clone()));
                            }
                        }
                        "aliased_import" => {
                            if let (Some(path), Some(alias)) =
                                (name.field("name"), name.field("alias"))
                            {
                                let mut p = base.clone();
                                p.extend(dotted(path));
                                out.names.push((text_of(alias, src).to_string(), p));
                            }
                        }
                        _ => {}
                    }
                }
                let mut c = n.walk();
                if !any
                    || n.named_children(&mut c)
                        .any(|ch| ch.kind() == "wildcard_import")
                {
                    out.globs.push(base);
                }
            }
            _ => {}
        }
    }

    /// The last statement in `scope` (not inside nested definitions, except methods when
    /// `into_methods`) that binds `name`, before byte `before` when given (else the last one).
    pub(super) fn last_binding(
        &self,
        scope: Node,
        name: &str,
        src: &[u8],
        before: Option<usize>,
        into_methods: bool,
    ) -> Option<String> {
        let mut found: Option<(usize, String)> = None;
        let mut stack: Vec<Node> = {
            let mut c = scope.walk();
            scope.named_children(&mut c).collect()
        };
        while let Some(n) = stack.pop() {
            if before.is_some_and(|b| n.start_byte() >= b) {
                continue;
            }
            let binds = match n.kind() {
                "assignment" | "augmented_assignment" => n
                    .field("left")
                    .is_some_and(|l| self.clean_path(text_of(l, src)) == name),
                "as_pattern" => n
                    .field("alias")
                    .is_some_and(|a| text_of(a, src).trim() == name),
                _ => false,
            };
            if binds && found.as_ref().is_none_or(|(at, _)| n.start_byte() > *at) {
                found = Some((n.start_byte(), text_of(n, src).to_string()));
            }
            // Bindings are statements: only statement containers are searched, never the
            // expressions inside them. A broken stretch (an ERROR node) is searched inside a
            // function; at module level, only its own statements (recovery can wrap the whole
            // file, imports and clients too, in one ERROR): every call of the file may ask the
            // module, and a file broken while typing must stay as fast as a whole one.
            if n.kind() == "ERROR" && is_module(scope) {
                let mut c = n.walk();
                stack.extend(
                    n.named_children(&mut c)
                        .filter(|s| matches!(s.kind(), "expression_statement" | "assignment")),
                );
                continue;
            }
            let container = holds_statements(n.kind())
                || (n.kind() == "ERROR" && !is_module(scope))
                || (into_methods && n.kind() == "function_definition");
            if container {
                let mut c = n.walk();
                stack.extend(n.named_children(&mut c));
            }
        }
        found.map(|(_, t)| t)
    }
}

/// A node whose children are statements (or hold them): where a binding is searched for.
pub(super) fn holds_statements(kind: &str) -> bool {
    matches!(
        kind,
        "expression_statement"
            | "block"
            | "if_statement"
            | "elif_clause"
            | "else_clause"
            | "try_statement"
            | "except_clause"
            | "finally_clause"
            | "with_statement"
            | "with_clause"
            | "with_item"
            | "for_statement"
            | "while_statement"
            | "decorated_definition"
    )
}

/// The decorator lines just above byte `start` (`@app.route("/x")`).
pub(super) fn decorators_before(text: &str, start: usize) -> Vec<String> {
    let head = &text[..start.min(text.len())];
    let mut out = Vec::new();
    for line in head.lines().rev().skip(usize::from(!head.ends_with('\n'))) {
        let l = line.trim();
        if l.starts_with('@') {
            out.push(l.to_string());
        } else if !l.is_empty() && !l.starts_with('#') {
            break;
        }
    }
    out
}
