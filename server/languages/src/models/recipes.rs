//! Files whose commands sit in a line format of their own: a Dockerfile's `RUN` instructions and a
//! Makefile's recipe lines. Both are read from the text (the shell grammar parses the file only so
//! that editors get a tree); each command keeps its exact place, continuation lines included, and
//! is read with the command-line rules.

use tree_sitter::Node;

use super::{Doc, Entry, Map, Model, Scalar, Value};

/// The scripts of a file: (byte offset of the script in the file, the script as the shell reads
/// it, of the same length so positions inside it hold).
type Scripts = Vec<(usize, String)>;

/// A Doc holding each script under a `run` key (and a JSON-form `RUN [..]` as an argv under
/// `argv`), for the `[[embed]]` entries of the language's rule file.
fn doc(scripts: Scripts, argvs: Vec<(usize, usize, Vec<String>)>) -> Doc {
    let mut m = Map::default();
    for (at, text) in scripts {
        let end = at + text.len();
        m.entries.push(Entry {
            key: "run".into(),
            key_start: at,
            value: Value::Scalar(Scalar {
                text,
                literal: true,
                start: at,
                end,
                verbatim_at: Some(at),
            }),
        });
    }
    for (start, end, argv) in argvs {
        m.entries.push(Entry {
            key: "argv".into(),
            key_start: start,
            value: Value::List(
                argv.into_iter()
                    .map(|a| Value::Scalar(Scalar::literal(a, start, end)))
                    .collect(),
            ),
        });
    }
    m.end = m.entries.last().map_or(0, |e| e.value.start());
    Doc {
        roots: vec![Value::Map(m)],
        ..Doc::default()
    }
}

/// Lines with their byte offsets.
fn lines(src: &str) -> Vec<(usize, &str)> {
    let mut at = 0;
    src.split_inclusive('\n')
        .map(|l| {
            let here = at;
            at += l.len();
            (here, l)
        })
        .collect()
}

/// Where a line and the lines that continue it end; `i` moves past them.
fn continued<'a>(
    all: &[(usize, &'a str)],
    i: &mut usize,
    mut end: usize,
    mut last: &'a str,
) -> usize {
    while continues(last) && *i < all.len() {
        last = all[*i].1;
        end = all[*i].0 + last.len();
        *i += 1;
    }
    end
}

/// A line continued by a backslash (before its line break).
fn continues(line: &str) -> bool {
    line.trim_end_matches(['\n', '\r']).ends_with('\\')
}

pub struct Dockerfile;

impl Model for Dockerfile {
    fn build(&self, _root: Node, src: &str) -> Doc {
        let all = lines(src);
        let (mut scripts, mut argvs) = (Vec::new(), Vec::new());
        let mut i = 0;
        while i < all.len() {
            let (at, line) = all[i];
            i += 1;
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            let Some(rest) = trimmed
                .get(..4)
                .filter(|w| w.eq_ignore_ascii_case("RUN ") || w.eq_ignore_ascii_case("RUN\t"))
                .map(|_| &trimmed[4..])
            else {
                continue;
            };
            let body_at = at + indent + 4;
            // The instruction and its continuation lines, kept as written (the shell joins them).
            let mut end = continued(&all, &mut i, at + line.len(), line);
            // `RUN <<EOF` heredocs: the body up to the delimiter is the script.
            if let Some(delim) = rest.trim().strip_prefix("<<") {
                let delim = delim
                    .trim_start_matches('-')
                    .trim_matches(|c| c == '"' || c == '\'')
                    .split_whitespace()
                    .next()
                    .unwrap_or("");
                let start = end;
                while i < all.len() && all[i].1.trim_end() != delim {
                    end = all[i].0 + all[i].1.len();
                    i += 1;
                }
                i += 1;
                scripts.push((start, src[start..end.max(start)].to_string()));
                continue;
            }
            let body = &src[body_at..end];
            // Exec form: `RUN ["sh", "-c", "..."]`.
            if body.trim_start().starts_with('[') {
                if let Some(argv) = json_strings(body) {
                    argvs.push((body_at, end, argv));
                }
                continue;
            }
            scripts.push((body_at, body.to_string()));
        }
        doc(scripts, argvs)
    }
}

/// The strings of a JSON array of strings (`["sh", "-c", "x"]`), up to its closing bracket.
fn json_strings(s: &str) -> Option<Vec<String>> {
    let inner = s.trim().strip_prefix('[')?;
    let mut out = Vec::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == ']' {
            return Some(out);
        }
        if c != '"' {
            continue;
        }
        let mut word = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => word.extend(chars.next()),
                c => word.push(c),
            }
        }
        out.push(word);
    }
    None
}

pub struct Makefile;

impl Model for Makefile {
    fn build(&self, _root: Node, src: &str) -> Doc {
        let all = lines(src);
        let mut scripts = Vec::new();
        let mut in_rule = false;
        let mut i = 0;
        while i < all.len() {
            let (at, line) = all[i];
            i += 1;
            if let Some(recipe) = line.strip_prefix('\t') {
                if !in_rule {
                    continue;
                }
                // `@`, `-` and `+` say how make runs the line; they are not part of the command.
                let prefix =
                    1 + recipe.len() - recipe.trim_start_matches(['@', '-', '+', ' ']).len();
                let start = at + prefix;
                let end = continued(&all, &mut i, at + line.len(), line);
                // A continued recipe line's next lines start with a tab make removes: a blank.
                let script: String = src[start..end]
                    .char_indices()
                    .map(|(k, c)| {
                        let prev = src[..start + k].chars().next_back();
                        if c == '\t' && prev == Some('\n') {
                            ' '
                        } else {
                            c
                        }
                    })
                    .collect();
                scripts.push((start, make_to_shell(&script)));
                continue;
            }
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            // A rule line (`target: deps`), not a variable assignment (`X := y`, `X = y`).
            in_rule = t.contains(':') && !t.contains(":=") && !t.contains("::=") && {
                let before = t.split(':').next().unwrap_or("");
                !before.contains('=')
            };
        }
        doc(scripts, Vec::new())
    }
}

/// A recipe as the shell will read it, the same length: make's `$(VAR)` and `${VAR}` become a
/// plain word (`_{VAR}`), and `$$` the one `$` the shell sees (after a blank).
fn make_to_shell(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'$', b'$') => {
                out[i] = b' ';
                i += 2;
            }
            (b'$', open @ (b'(' | b'{')) => {
                let close = if open == b'(' { b')' } else { b'}' };
                out[i] = b'_';
                out[i + 1] = b'{';
                let mut depth = 0;
                let mut j = i + 1;
                while j < b.len() {
                    if b[j] == open {
                        depth += 1;
                    } else if b[j] == close {
                        depth -= 1;
                        if depth == 0 {
                            out[j] = b'}';
                            break;
                        }
                    }
                    j += 1;
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    // Only ASCII bytes were replaced by ASCII bytes: still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}
