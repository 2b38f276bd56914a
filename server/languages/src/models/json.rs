//! JSON (`tree-sitter-json`): objects are maps, arrays lists. A Terraform JSON file (`.tf.json`)
//! is the same tree reshaped as HCL's: `"resource": {"aws_s3_bucket": {"x": {..}}}` becomes the
//! block `resource "aws_s3_bucket" "x"`, so the Terraform rules read it unchanged.

use tree_sitter::Node;

use super::{double_quoted, named, text_of, Deeper, Doc, Entry, Map, Model, Scalar, Value};
use crate::fields::Fields;

pub struct Json;

impl Model for Json {
    fn build(&self, root: Node, src: &str) -> Doc {
        let mut doc = Doc::default();
        doc.roots
            .extend(named(root).into_iter().filter_map(|n| value(n, src)));
        doc
    }
}

fn value(n: Node, src: &str) -> Option<Value> {
    let (start, end) = (n.start_byte(), n.end_byte());
    let Some(_level) = Deeper::enter() else {
        return Some(Value::Scalar(Scalar::expression(
            text_of(n, src),
            start,
            end,
        )));
    };
    match n.kind() {
        "object" => {
            let mut m = Map {
                start,
                end,
                ..Map::default()
            };
            for pair in named(n).into_iter().filter(|k| k.kind() == "pair") {
                let (Some(k), Some(v)) = (pair.field("key"), pair.field("value")) else {
                    continue;
                };
                let Some(Value::Scalar(key)) = value(k, src) else {
                    continue;
                };
                if let Some(v) = value(v, src) {
                    m.entries.push(Entry {
                        key: key.text,
                        key_start: pair.start_byte(),
                        value: v,
                    });
                }
            }
            Some(Value::Map(m))
        }
        "array" => Some(Value::List(
            named(n).into_iter().filter_map(|k| value(k, src)).collect(),
        )),
        "string" => Some(Value::Scalar(double_quoted(n, src))),
        "number" | "true" | "false" | "null" => {
            Some(Value::Scalar(Scalar::literal(text_of(n, src), start, end)))
        }
        _ => None,
    }
}

pub struct TerraformJson;

/// How many labels each top-level Terraform block type has.
fn labels_of(block: &str) -> usize {
    match block {
        "resource" | "data" => 2,
        "module" | "variable" | "output" | "provider" => 1,
        _ => 0,
    }
}

impl Model for TerraformJson {
    fn build(&self, root: Node, src: &str) -> Doc {
        let json = Json.build(root, src);
        let mut doc = Doc::default();
        for r in json.roots {
            let Value::Map(top) = r else { continue };
            let mut body = Map {
                start: top.start,
                end: top.end,
                ..Map::default()
            };
            for e in top.entries {
                reshape(
                    &e.key,
                    e.value,
                    labels_of(&e.key),
                    Vec::new(),
                    &mut body.entries,
                );
            }
            for e in &body.entries {
                if let (true, Value::Map(b)) = (e.key == "variable", &e.value) {
                    if let (Some(n), Some(d)) = (b.text("@label"), b.get("default")) {
                        doc.vars.insert(n.to_string(), d.clone());
                    }
                }
            }
            doc.roots.push(Value::Map(body));
        }
        doc
    }
}

/// `{"label": {"label2": body}}` → the block `block "label" "label2" { body }`.
fn reshape(block: &str, v: Value, labels_left: usize, labels: Vec<Scalar>, out: &mut Vec<Entry>) {
    match v {
        Value::Map(m) if labels_left > 0 => {
            for e in m.entries {
                let mut l = labels.clone();
                l.push(Scalar::literal(e.key, e.key_start, e.key_start));
                reshape(block, e.value, labels_left - 1, l, out);
            }
        }
        Value::List(items) => items
            .into_iter()
            .for_each(|i| reshape(block, i, labels_left, labels.clone(), out)),
        Value::Map(mut m) => {
            let mut synthetic = vec![Entry {
                key: "@block".into(),
                key_start: m.start,
                value: Value::Scalar(Scalar::literal(block, m.start, m.start)),
            }];
            if let (Some(first), Some(last)) = (labels.first(), labels.last()) {
                for (k, s) in [("@label", first), ("@name", last)] {
                    synthetic.push(Entry {
                        key: k.into(),
                        key_start: s.start,
                        value: Value::Scalar(s.clone()),
                    });
                }
            }
            let start = labels.first().map(|s| s.start).unwrap_or(m.start);
            synthetic.append(&mut m.entries);
            m.entries = synthetic;
            out.push(Entry {
                key: block.into(),
                key_start: start,
                value: Value::Map(m),
            });
        }
        other => out.push(Entry {
            key: block.into(),
            key_start: other.start(),
            value: other,
        }),
    }
}
