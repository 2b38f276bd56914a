//! The trust test set (`tests/trust/*.toml`, described in its README): formatters, reloads,
//! branch switches, retyped lines, moved and duplicated blocks, code-action inserts, snippets
//! and undo, played against the real `aigis lsp` as the editor plugins drive it. No human line
//! may be stamped AI and no AI line lost.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use serde_json::{json, Value};

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    uri: String,
    text: String,
    ai: Vec<[u32; 2]>,
    expect: Vec<[u32; 2]>,
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Step {
    full: Option<String>,
    block: Option<Block>,
    retype: Option<Retype>,
    insert: Option<Insert>,
    delete: Option<Lines>,
    undo: Option<bool>,
}

#[derive(serde::Deserialize)]
struct Block {
    first: u32,
    last: u32,
    text: String,
}

#[derive(serde::Deserialize)]
struct Retype {
    line: u32,
    text: String,
}

#[derive(serde::Deserialize)]
struct Insert {
    line: u32,
    col: u32,
    text: String,
    via: String,
}

#[derive(serde::Deserialize)]
struct Lines {
    first: u32,
    last: u32,
}

fn lines_of(ranges: &[[u32; 2]]) -> BTreeSet<u32> {
    ranges.iter().flat_map(|r| r[0]..=r[1]).collect()
}

/// One-based lines the server counts as AI-written (exact attributions, not guesses).
fn ai_lines(c: &mut Client, uri: &str) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    for r in c.regions(uri) {
        // Guesses are hints, not stamps. (AIGIS_TRUST_COUNT_GUESSES=1 counts them, to measure
        // a server that still showed them as AI regions needing review.)
        if r["source"] == "heuristic" && std::env::var_os("AIGIS_TRUST_COUNT_GUESSES").is_none() {
            continue;
        }
        let (s, e) = (&r["range"]["start"], &r["range"]["end"]);
        let first = s["line"].as_u64().unwrap() as u32;
        let mut last = e["line"].as_u64().unwrap() as u32;
        if e["character"] == 0 && last > first {
            last -= 1;
        }
        out.extend(first + 1..=last + 1);
    }
    out
}

struct Doc<'a> {
    c: &'a mut Client,
    uri: String,
    text: String,
    version: i32,
    last_deleted: Option<(u32, String)>,
}

impl Doc<'_> {
    fn change(&mut self, range: Option<Value>, text: &str) {
        self.version += 1;
        let change = match range {
            Some(r) => json!({ "range": r, "text": text }),
            None => json!({ "text": text }),
        };
        self.c.change(&self.uri, self.version, json!([change]));
    }

    /// Byte offset of a zero-based line start (or the end of the text).
    fn line_start(&self, line: u32) -> usize {
        let mut at = 0;
        for _ in 0..line {
            match self.text[at..].find('\n') {
                Some(i) => at += i + 1,
                None => return self.text.len(),
            }
        }
        at
    }

    fn replace_lines(&mut self, first: u32, last: u32, text: &str) -> String {
        let (s, e) = (self.line_start(first - 1), self.line_start(last));
        let old = self.text[s..e].to_string();
        self.change(Some(range(first - 1, 0, last, 0)), text);
        self.text.replace_range(s..e, text);
        old
    }

    fn insert_at(&mut self, line: u32, col: u32, text: &str) {
        let at = self.line_start(line - 1) + col as usize;
        self.change(Some(range(line - 1, col, line - 1, col)), text);
        self.text.insert_str(at, text);
    }

    fn type_at(&mut self, line: u32, col: u32, text: &str) {
        let (mut l, mut c) = (line, col);
        for ch in text.chars() {
            self.insert_at(l, c, &ch.to_string());
            if ch == '\n' {
                l += 1;
                c = 0;
            } else {
                c += ch.len_utf16() as u32;
            }
        }
    }

    fn step(&mut self, step: &Step) {
        if let Some(full) = &step.full {
            self.change(None, full);
            self.text = full.clone();
        }
        if let Some(b) = &step.block {
            self.replace_lines(b.first, b.last, &b.text);
        }
        if let Some(r) = &step.retype {
            let s = self.line_start(r.line - 1);
            let len = self.text[s..].find('\n').unwrap_or(self.text.len() - s);
            let width = self.text[s..s + len].encode_utf16().count() as u32;
            self.change(Some(range(r.line - 1, 0, r.line - 1, width)), "");
            self.text.replace_range(s..s + len, "");
            self.type_at(r.line, 0, &r.text);
        }
        if let Some(i) = &step.insert {
            match i.via.as_str() {
                "typed" => self.type_at(i.line, i.col, &i.text),
                "paste" => {
                    self.c.notify(
                        "aigis/didPaste",
                        json!({ "textDocument": { "uri": self.uri }, "text": i.text }),
                    );
                    self.insert_at(i.line, i.col, &i.text);
                }
                "code-action" => {
                    let uri = self.uri.clone();
                    self.c.result(
                        "textDocument/codeAction",
                        json!({ "textDocument": { "uri": uri }, "range": range(i.line - 1, i.col, i.line - 1, i.col), "context": { "diagnostics": [] } }),
                    );
                    self.insert_at(i.line, i.col, &i.text);
                }
                "snippet" => self.insert_at(i.line, i.col, &i.text),
                other => panic!("unknown insert via {other}"),
            }
        }
        if let Some(d) = &step.delete {
            let old = self.replace_lines(d.first, d.last, "");
            self.last_deleted = Some((d.first, old));
        }
        if step.undo == Some(true) {
            let (line, text) = self.last_deleted.take().expect("undo after a delete");
            self.insert_at(line, 0, &text);
        }
    }
}

#[test]
fn the_trust_set() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/trust");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 12, "the set has {} cases", files.len());
    let fx = Fixture::new(&[]);
    let mut c = Client::start_with(&fx.root(), json!({}), json!({ "aiEditReporting": true }));
    let (mut false_ai, mut lost, mut failures) = (0usize, 0usize, Vec::new());
    for (n, file) in files.iter().enumerate() {
        let case: Case = toml::from_str(&std::fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let uri = fx.uri(&format!("case{n}/{}", case.uri));
        c.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "", "version": 1, "text": case.text } }),
        );
        c.diagnostics(&uri);
        for r in &case.ai {
            c.notify(
                "aigis/markAiEdit",
                json!({ "textDocument": { "uri": uri }, "range": range(r[0] - 1, 0, r[1], 0), "tool": "claude-code" }),
            );
            c.diagnostics(&uri);
        }
        assert_eq!(
            ai_lines(&mut c, &uri),
            lines_of(&case.ai),
            "{}: set-up",
            case.name
        );
        let mut doc = Doc {
            c: &mut c,
            uri: uri.clone(),
            text: case.text.clone(),
            version: 1,
            last_deleted: None,
        };
        for step in &case.steps {
            doc.step(step);
        }
        let got = ai_lines(&mut c, &uri);
        let want = lines_of(&case.expect);
        let (fa, lo) = (got.difference(&want).count(), want.difference(&got).count());
        false_ai += fa;
        lost += lo;
        if fa + lo > 0 {
            failures.push(format!(
                "{} ({}): AI lines {got:?}, expected {want:?}",
                case.name,
                file.file_name().unwrap().to_string_lossy()
            ));
        }
        c.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        );
    }
    println!(
        "trust: {} cases, {false_ai} human lines stamped AI, {lost} AI lines lost",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
