//! YAML (`tree-sitter-yaml`): every document of a stream is a root; block and flow mappings are
//! maps, sequences are lists. A tagged value (`!Ref x`) and an alias (`*base`) are expressions;
//! an anchor is looked through. A block scalar (`run: |`) keeps its text verbatim, so a command
//! inside it is placed on its own line.

use tree_sitter::Node;

use super::{double_quoted, named, text_of, Deeper, Doc, Entry, Map, Model, Scalar, Value};
use crate::fields::Fields;

pub struct Yaml;

impl Model for Yaml {
    fn build(&self, root: Node, src: &str) -> Doc {
        let mut doc = Doc::default();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "document" => {
                    if let Some(v) = named(n).into_iter().find_map(|k| node_value(k, src)) {
                        doc.roots.push(v);
                    }
                }
                "stream" | "ERROR" => {
                    let mut kids = named(n);
                    kids.reverse();
                    stack.extend(kids);
                }
                _ => {
                    if let Some(v) = node_value(n, src) {
                        doc.roots.push(v);
                    }
                }
            }
        }
        doc
    }
}

/// The value of a `block_node`, `flow_node` or one of what they hold.
fn node_value(n: Node, src: &str) -> Option<Value> {
    let (start, end) = (n.start_byte(), n.end_byte());
    let Some(_level) = Deeper::enter() else {
        return Some(Value::Scalar(Scalar::expression(
            text_of(n, src),
            start,
            end,
        )));
    };
    match n.kind() {
        "block_node" | "flow_node" => {
            let kids = named(n);
            if let Some(tag) = kids.iter().find(|k| k.kind() == "tag") {
                let _ = tag;
                let text = text_of(n, src);
                return Some(Value::Scalar(Scalar::expression(text, start, end)));
            }
            kids.into_iter()
                .filter(|k| !matches!(k.kind(), "anchor" | "comment"))
                .find_map(|k| node_value(k, src))
        }
        "block_mapping" | "flow_mapping" => Some(Value::Map(mapping(n, src))),
        "block_sequence" => Some(Value::List(
            named(n)
                .into_iter()
                .filter(|k| k.kind() == "block_sequence_item")
                .filter_map(|item| named(item).into_iter().find_map(|k| node_value(k, src)))
                .collect(),
        )),
        "flow_sequence" => Some(Value::List(
            named(n)
                .into_iter()
                .filter_map(|k| node_value(k, src))
                .collect(),
        )),
        "alias" => Some(Value::Scalar(Scalar::expression(
            text_of(n, src),
            start,
            end,
        ))),
        "plain_scalar" => Some(Value::Scalar(Scalar::literal(
            text_of(n, src).trim(),
            start,
            end,
        ))),
        "double_quote_scalar" => Some(Value::Scalar(double_quoted(n, src))),
        "single_quote_scalar" => {
            let t = text_of(n, src);
            let body = t
                .strip_prefix('\'')
                .and_then(|t| t.strip_suffix('\''))
                .unwrap_or(t);
            Some(Value::Scalar(Scalar::literal(
                body.replace("''", "'"),
                start,
                end,
            )))
        }
        "block_scalar" => {
            // The header (`|`, `>-`) ends at the first line break; the body follows verbatim.
            let t = text_of(n, src);
            let body_at = t.find('\n').map(|i| i + 1).unwrap_or(t.len());
            Some(Value::Scalar(Scalar {
                text: t[body_at..].to_string(),
                literal: true,
                start,
                end,
                verbatim_at: Some(start + body_at),
            }))
        }
        _ => None,
    }
}

fn mapping(n: Node, src: &str) -> Map {
    let mut m = Map {
        start: n.start_byte(),
        end: n.end_byte(),
        ..Map::default()
    };
    for pair in named(n)
        .into_iter()
        .filter(|k| matches!(k.kind(), "block_mapping_pair" | "flow_pair"))
    {
        let Some(key) = pair.field("key") else {
            continue;
        };
        let key_text = match node_value(key, src) {
            Some(Value::Scalar(s)) => s.text,
            _ => continue,
        };
        let value = pair
            .field("value")
            .and_then(|v| node_value(v, src))
            .unwrap_or_else(|| {
                Value::Scalar(Scalar::literal("", pair.end_byte(), pair.end_byte()))
            });
        m.entries.push(Entry {
            key: key_text,
            key_start: pair.start_byte(),
            value,
        });
    }
    m
}
