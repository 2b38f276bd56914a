//! Which subtrees a walk may skip: those whose node kind, by the grammar's `node-types.json`,
//! can hold no node a pattern starts at (in Rust, a macro's token tree, a string literal, a
//! `macro_rules` body: the tags walk of 1,500 crate files took 390 ms entering them, 300 ms not).

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use tree_sitter::Language as Grammar;

#[derive(Deserialize)]
struct NodeType {
    #[serde(rename = "type")]
    kind: String,
    named: bool,
    #[serde(default)]
    fields: HashMap<String, Children>,
    #[serde(default)]
    children: Option<Children>,
    #[serde(default)]
    subtypes: Vec<TypeRef>,
    /// The tree's root kind.
    #[serde(default)]
    root: bool,
}

#[derive(Deserialize)]
struct Children {
    types: Vec<TypeRef>,
}

#[derive(Deserialize, Clone, PartialEq, Eq, Hash)]
struct TypeRef {
    #[serde(rename = "type")]
    kind: String,
    named: bool,
}

/// For each kind id of `grammar`: true when no node of a kind in `roots` can be below a node of
/// that kind. Empty (nothing skipped) when `node_types` cannot be read, when a pattern starts at
/// any kind, or when a kind that may appear anywhere (a comment: a type no other type lists)
/// could hold or be one of `roots`.
pub(super) fn opaque_kinds(
    grammar: &Grammar,
    node_types: &str,
    roots: Option<HashSet<u16>>,
) -> Vec<bool> {
    let (Some(roots), Ok(types)) = (roots, serde_json::from_str::<Vec<NodeType>>(node_types))
    else {
        return Vec::new();
    };
    let root_names: HashSet<TypeRef> = roots
        .iter()
        .filter_map(|&id| {
            Some(TypeRef {
                kind: grammar.node_kind_for_id(id)?.to_string(),
                named: grammar.node_kind_is_named(id),
            })
        })
        .collect();
    let edges: HashMap<TypeRef, Vec<TypeRef>> = types
        .iter()
        .map(|t| {
            let below = t
                .fields
                .values()
                .chain(&t.children)
                .flat_map(|c| c.types.iter().cloned())
                .chain(t.subtypes.iter().cloned())
                .collect();
            let me = TypeRef {
                kind: t.kind.clone(),
                named: t.named,
            };
            (me, below)
        })
        .collect();
    // Kinds that can hold a root, to a fixed point: a kind holds one when one of the kinds
    // below it is a root or holds one.
    let mut holds: HashSet<&TypeRef> = HashSet::new();
    loop {
        let before = holds.len();
        for (t, below) in &edges {
            if !holds.contains(t)
                && below
                    .iter()
                    .any(|b| root_names.contains(b) || holds.contains(b))
            {
                holds.insert(t);
            }
        }
        if holds.len() == before {
            break;
        }
    }
    // Extras (comments) are listed by no type, yet may sit under any node; so is the tree's
    // root kind, which is not an extra.
    let listed: HashSet<&TypeRef> = edges.values().flatten().collect();
    let top: HashSet<TypeRef> = types
        .iter()
        .filter(|t| t.root)
        .map(|t| TypeRef {
            kind: t.kind.clone(),
            named: t.named,
        })
        .collect();
    let mut anywhere = edges
        .keys()
        .filter(|t| !listed.contains(t) && !top.contains(*t));
    if top.is_empty() || anywhere.any(|t| root_names.contains(t) || holds.contains(t)) {
        return Vec::new();
    }
    (0..grammar.node_kind_count() as u16)
        .map(|id| {
            let Some(kind) = grammar.node_kind_for_id(id) else {
                return false;
            };
            let me = TypeRef {
                kind: kind.to_string(),
                named: grammar.node_kind_is_named(id),
            };
            edges.contains_key(&me) && !holds.contains(&me)
        })
        .collect()
}
