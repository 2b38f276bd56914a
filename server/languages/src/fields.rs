//! A node's child by field name, the field's id looked up once per grammar and name.
//!
//! tree-sitter's `child_by_field_name` finds the id on every call by comparing the name with
//! each of the grammar's field names (a `strncmp` each): 0.6% of a cold index's threads in one
//! profile, for the conventions' few dozen names asked about over and over.

use std::cell::RefCell;
use std::collections::HashMap;
use std::num::NonZeroU16;

use tree_sitter::{Language, Node};

/// A grammar's field ids, by the address and length of the name asked for (the code asks with
/// string literals: a few dozen of them).
type Ids = HashMap<(usize, usize), Option<NonZeroU16>, foldhash::fast::FixedState>;

pub(crate) trait Fields<'t>: Sized {
    /// The first child in field `name`, as `Node::child_by_field_name`.
    fn field(&self, name: &'static str) -> Option<Node<'t>>;
}

impl<'t> Fields<'t> for Node<'t> {
    fn field(&self, name: &'static str) -> Option<Node<'t>> {
        thread_local! {
            /// Each grammar this thread has asked about (a handful) with its ids.
            static GRAMMARS: RefCell<Vec<(Language, Ids)>> = const { RefCell::new(Vec::new()) };
        }
        let lang = self.language();
        let key = (name.as_ptr() as usize, name.len());
        let id = GRAMMARS.with_borrow_mut(|grammars| {
            let at = match grammars.iter().position(|(l, _)| *l == *lang) {
                Some(at) => at,
                None => {
                    grammars.push(((*lang).clone(), Ids::default()));
                    grammars.len() - 1
                }
            };
            *grammars[at]
                .1
                .entry(key)
                .or_insert_with(|| lang.field_id_for_name(name))
        });
        self.child_by_field_id(id?.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_child_as_by_name_in_every_grammar_and_none_for_an_unknown_field() {
        for (lang, src, kind, field) in [
            (
                "rust",
                "fn f() { let x: u8 = g(1); }",
                "let_declaration",
                "value",
            ),
            ("python", "def f():\n    x = g(1)\n", "assignment", "right"),
            (
                "go",
                "package p\nfunc f() { g(1) }\n",
                "call_expression",
                "arguments",
            ),
        ] {
            let lang = crate::language::by_name(lang).unwrap();
            let tree = crate::parse::parse(lang, src).unwrap();
            let mut todo = vec![tree.root_node()];
            let mut seen = 0;
            while let Some(n) = todo.pop() {
                if n.kind() == kind {
                    seen += 1;
                    let by_name = n.child_by_field_name(field);
                    assert!(by_name.is_some(), "{kind} has a {field}");
                    assert_eq!(n.field(field), by_name);
                    // Asked twice: the second answer comes from the table.
                    assert_eq!(n.field(field), by_name);
                    assert_eq!(n.field("no_such_field"), None);
                }
                let mut c = n.walk();
                todo.extend(n.children(&mut c));
            }
            assert_eq!(seen, 1, "{src}");
        }
    }
}
