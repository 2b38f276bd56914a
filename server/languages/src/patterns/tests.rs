//! The matcher against tree-sitter's own `QueryCursor`: the same matches for every bundled
//! query, on every fixture and source file of the repository, as written and broken at line
//! starts (so that error recovery's trees are compared too), over the whole text and parts.

use std::ops::Range;
use std::path::{Path, PathBuf};

use streaming_iterator::StreamingIterator;
use tree_sitter::{Query, QueryCursor, Tree};

use super::Patterns;
use crate::language::{self, Language};

/// A match as text: its pattern and its captures (name, byte range), sorted.
type Seen = (usize, Vec<(String, usize, usize)>);

fn by_tree_sitter(q: &Query, tree: &Tree, text: &str, range: Range<usize>) -> Vec<Seen> {
    let mut out = Vec::new();
    let mut cursor = QueryCursor::new();
    cursor.set_byte_range(range);
    let mut it = cursor.matches(q, tree.root_node(), text.as_bytes());
    while let Some(m) = it.next() {
        let mut caps: Vec<_> = m
            .captures()
            .iter()
            .map(|c| {
                let name = q.capture_names()[c.index as usize].to_string();
                (name, c.node.start_byte(), c.node.end_byte())
            })
            .collect();
        caps.sort();
        out.push((m.pattern_index, caps));
    }
    out.sort();
    out
}

fn by_patterns(p: &Patterns, tree: &Tree, text: &str, range: Range<usize>) -> Vec<Seen> {
    let mut out = Vec::new();
    p.for_each_match_in(tree.root_node(), text.as_bytes(), range, &mut |m| {
        let mut caps: Vec<_> = m
            .captures
            .iter()
            .map(|&(i, n)| {
                (
                    p.capture_names()[i as usize].clone(),
                    n.start_byte(),
                    n.end_byte(),
                )
            })
            .collect();
        caps.sort();
        out.push((m.pattern, caps));
    });
    out.sort();
    out
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The text with `x` typed at the start of every `step`-th line: the errors typing leaves.
fn broken(text: &str, step: usize) -> String {
    text.split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            if i % step == step / 2 {
                let indent = l.len() - l.trim_start().len();
                format!("{}x{}", &l[..indent], &l[indent..])
            } else {
                l.to_string()
            }
        })
        .collect()
}

/// The language's queries, by tree-sitter and by the matcher: `risky.scm`, then `tags.scm`.
fn compiled(lang: &'static Language) -> Vec<(&'static str, Query, &'static Patterns)> {
    let both = |name, src: &str, p: &'static Patterns| {
        let q = Query::new(&lang.grammar, src).expect("tree-sitter reads the bundled query");
        assert_eq!(q.pattern_count(), p.pattern_count(), "{}", lang.name);
        (name, q, p)
    };
    let mut out = vec![both("risky.scm", lang.query_source(), lang.query())];
    if let (Some(src), Some(p)) = (lang.tags_source(), lang.tags()) {
        out.push(both("tags.scm", src, p));
    }
    out
}

#[test]
fn every_bundled_query_matches_as_tree_sitter_does() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    files_under(&manifest.join("queries"), &mut files);
    // The repository's own sources and tests, where they are at hand (not in a packaged crate).
    files_under(&manifest.join("../../server"), &mut files);
    files_under(&manifest.join("../../tests"), &mut files);
    files.sort();
    let mut compared = std::collections::BTreeMap::<(&str, &str), (usize, usize)>::new();
    let mut parser = crate::parse::Parser::new();
    for path in &files {
        let Some(lang) = language::for_path(path).filter(|l| l.model.is_none()) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let queries = compiled(lang);
        for (variant, text) in [
            (0, text.clone()),
            (3, broken(&text, 3)),
            (7, broken(&text, 7)),
        ] {
            let tree = parser.parse(lang, &text, None).expect("grammar loads");
            // The whole text, and stretches that start and end anywhere (inside tokens too).
            let n = text.len();
            let ranges = [
                0..usize::MAX,
                0..n / 3,
                n / 3..n / 2 + 1,
                n / 2..n / 2,
                n - n / 5..n,
            ];
            for (query, q, p) in &queries {
                for range in &ranges {
                    let want = by_tree_sitter(q, &tree, &text, range.clone());
                    let got = by_patterns(p, &tree, &text, range.clone());
                    assert!(
                        want == got,
                        "{} ({query}, broken every {variant} lines, bytes {range:?}): tree-sitter found {} matches, the matcher {}; first difference: {:?}",
                        path.display(),
                        want.len(),
                        got.len(),
                        want.iter()
                            .zip(&got)
                            .find(|(a, b)| a != b)
                            .or_else(|| want.last().zip(got.last()))
                    );
                    let seen = compared.entry((lang.name, query)).or_default();
                    seen.0 += 1;
                    seen.1 += want.len();
                }
            }
        }
    }
    eprintln!("compared (texts, matches): {compared:?}");
    for lang in ["rust", "python", "go", "javascript", "typescript"] {
        for query in ["risky.scm", "tags.scm"] {
            let (texts, matches) = compared.get(&(lang, query)).copied().unwrap_or_default();
            assert!(
                texts >= 3 && matches > 0,
                "{lang} {query}: only {texts} texts, {matches} matches compared"
            );
        }
    }
}

#[test]
fn query_syntax_the_matcher_does_not_know_is_refused() {
    let rust = language::by_name("rust").unwrap();
    for (src, says) in [
        ("(call_expression)*", "quantifiers"),
        ("(call_expression \"(\")", "not supported"),
        ("(call_expression . (identifier))", "not supported"),
        ("(no_such_kind)", "no node kind `no_such_kind`"),
        ("(call_expression nope: (identifier))", "no field `nope`"),
        ("((identifier) @a (#match? @a \"x\"))", "not supported"),
        ("((identifier) (identifier))", "sibling groups"),
        ("(call_expression", "unclosed"),
        ("(identifier) @a\n(#eq? @a \"x)", "line 2"),
    ] {
        let err = match Patterns::new(&rust.grammar, src) {
            Ok(_) => panic!("{src:?} was accepted"),
            Err(e) => e,
        };
        assert!(err.contains(says), "{src:?}: {err}");
    }
}

#[test]
fn predicates_compare_text() {
    let python = language::by_name("python").unwrap();
    let src = "((call function: (identifier) @f) @c (#eq? @f \"run\"))\n\
               (call function: (identifier) @g (#any-of? @g \"a\" \"b\"))\n\
               (call function: (identifier) @h (#not-eq? @h \"run\"))";
    let p = Patterns::new(&python.grammar, src).unwrap();
    let text = "run()\na()\nc()\n";
    let tree = crate::parse::Parser::new()
        .parse(python, text, None)
        .unwrap();
    let got = by_patterns(&p, &tree, text, 0..usize::MAX);
    let q = Query::new(&python.grammar, src).unwrap();
    assert_eq!(got, by_tree_sitter(&q, &tree, text, 0..usize::MAX));
    let patterns: Vec<usize> = got.iter().map(|(i, _)| *i).collect();
    assert_eq!(patterns, vec![0, 1, 2, 2]);
}

#[test]
fn the_walk_skips_only_subtrees_that_cannot_hold_a_match() {
    let skipped = |lang: &str| -> Vec<&'static str> {
        let l = language::by_name(lang).unwrap();
        let p = l.tags().unwrap();
        (0..p.opaque.len() as u16)
            .filter(|&id| p.opaque[id as usize] && l.grammar.node_kind_is_named(id))
            .filter_map(|id| l.grammar.node_kind_for_id(id))
            .collect()
    };
    let rust = skipped("rust");
    eprintln!("rust skips {rust:?}");
    eprintln!("python skips {:?}", skipped("python"));
    for k in ["token_tree", "string_literal", "line_comment"] {
        assert!(rust.contains(&k), "rust does not skip {k}");
    }
    // Anything that can hold a call, a definition or a type name is entered.
    for k in [
        "call_expression",
        "block",
        "arguments",
        "macro_invocation",
        "attribute_item",
    ] {
        assert!(!rust.contains(&k), "rust skips {k}");
    }
    assert!(
        !skipped("python").contains(&"string"),
        "an f-string holds calls"
    );
}

#[test]
fn a_pattern_at_error_nodes_is_tried_everywhere() {
    let python = language::by_name("python").unwrap();
    let src = "(ERROR) @e";
    let p = Patterns::new(&python.grammar, src).unwrap();
    let q = Query::new(&python.grammar, src).unwrap();
    let text = "def f(x y z):\n    pass\nclass (:\n";
    let tree = crate::parse::Parser::new()
        .parse(python, text, None)
        .unwrap();
    let got = by_patterns(&p, &tree, text, 0..usize::MAX);
    assert!(
        !got.is_empty(),
        "the broken text has an ERROR node: {}",
        tree.root_node().to_sexp()
    );
    assert_eq!(got, by_tree_sitter(&q, &tree, text, 0..usize::MAX));
}

#[test]
fn wildcards_match_as_tree_sitters_do() {
    let rust = language::by_name("rust").unwrap();
    let text = "fn f() { g(1, h(2), \"s\"); }\n";
    let tree = crate::parse::Parser::new().parse(rust, text, None).unwrap();
    // `_` takes punctuation too; `(_)` named nodes only.
    for src in [
        "(arguments _ @any)",
        "(arguments (_) @named)",
        "(call_expression arguments: (arguments _ @a (_) @b))",
    ] {
        let p = Patterns::new(&rust.grammar, src).unwrap();
        let q = Query::new(&rust.grammar, src).unwrap();
        let got = by_patterns(&p, &tree, text, 0..usize::MAX);
        assert!(!got.is_empty(), "{src}");
        assert_eq!(got, by_tree_sitter(&q, &tree, text, 0..usize::MAX), "{src}");
    }
}

/// A random pattern over Rust's call and binding nodes: kinds, wildcards, fields, nesting,
/// alternations, captures and predicates, as a query author could write them.
fn random_pattern(seed: &[u8]) -> String {
    const KINDS: [&str; 10] = [
        "call_expression",
        "identifier",
        "field_expression",
        "arguments",
        "scoped_identifier",
        "let_declaration",
        "field_identifier",
        "_",
        "string_literal",
        "macro_invocation",
    ];
    const FIELDS: [&str; 6] = [
        "function: ",
        "arguments: ",
        "value: ",
        "field: ",
        "name: ",
        "",
    ];
    let mut bytes = seed.iter().copied().cycle();
    let mut next = move || bytes.next().unwrap_or(0) as usize;
    fn node(depth: usize, next: &mut dyn FnMut() -> usize, caps: &mut usize) -> String {
        let mut out = String::new();
        if depth > 0 {
            out += FIELDS[next() % FIELDS.len()];
        }
        match next() % 7 {
            0 if depth < 3 => {
                out += "[";
                for _ in 0..1 + next() % 2 {
                    out += &node(depth + 1, next, caps);
                    out += " ";
                }
                out += "]";
            }
            1 => out += "_",
            _ => {
                out += "(";
                out += KINDS[next() % KINDS.len()];
                if depth < 3 {
                    for _ in 0..next() % 3 {
                        out += " ";
                        out += &node(depth + 1, next, caps);
                    }
                }
                out += ")";
            }
        }
        if next().is_multiple_of(2) {
            *caps += 1;
            out += &format!(" @c{}", *caps % 3);
        }
        out
    }
    let mut caps = 0;
    let mut out = node(0, &mut next, &mut caps);
    if caps > 0 && next() % 3 == 0 {
        let pred = [
            "#eq? @c1 \"run\"",
            "#not-eq? @c1 \"self\"",
            "#any-of? @c1 \"a\" \"b\"",
            "#eq? @c1 @c2",
        ];
        out = format!("({out} ({}))", pred[next() % pred.len()]);
    }
    out
}

#[test]
fn any_pattern_both_read_matches_the_same() {
    let rust = language::by_name("rust").unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(manifest.join("queries/rust/fixtures/aws_sdk.rs")).unwrap();
    let tree = crate::parse::Parser::new()
        .parse(rust, &text, None)
        .unwrap();
    let cases: usize = std::env::var("AIGIS_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let mut both = 0;
    for case in 0..cases {
        let seed: Vec<u8> = (0..64u64)
            .map(|i| ((case as u64 * 2654435761 + i * 40503) >> 7) as u8)
            .collect();
        let src = random_pattern(&seed);
        let (Ok(p), Ok(q)) = (
            Patterns::new(&rust.grammar, &src),
            Query::new(&rust.grammar, &src),
        ) else {
            continue;
        };
        both += 1;
        let n = text.len();
        for range in [0..usize::MAX, n / 4..n / 2] {
            assert_eq!(
                by_patterns(&p, &tree, &text, range.clone()),
                by_tree_sitter(&q, &tree, &text, range.clone()),
                "{src} over {range:?}"
            );
        }
    }
    assert!(
        both > cases / 4,
        "only {both} of {cases} patterns were read by both"
    );
}
