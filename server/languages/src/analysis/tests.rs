//! The matcher's own behaviour (test code, trigger words, literals). What each rule must find
//! and must not is data: `queries/<language>/fixtures/`, run by tests/rule_fixtures.rs.

use super::*;
use crate::language;

fn findings(src: &str) -> Vec<String> {
    findings_at(src, "src/lib.rs")
}

fn findings_at(src: &str, path: &str) -> Vec<String> {
    let lang = language::by_name("rust").unwrap();
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&lang.grammar).unwrap();
    let tree = parser.parse(src, None).unwrap();
    let found = analyze(lang, &tree, src, Some(Path::new(path)));
    // Querying only the items with trigger words finds exactly what a whole-file pass finds.
    let whole = analyze_ranges(lang, &tree, src, Some(Path::new(path)), None);
    assert_eq!(
        found, whole,
        "trigger-ranged and whole-file analysis differ"
    );
    found
        .into_iter()
        .map(|f| format!("{}:{}", f.rule, f.severity.as_str()))
        .collect()
}

#[test]
fn test_code_lowers_severity_but_keeps_the_finding() {
    let src = r#"
#[cfg(test)]
mod tests {
    #[test]
    fn cleanup() { std::fs::remove_dir_all("target/x").unwrap(); }
}
"#;
    assert_eq!(findings(src), ["rust.std.fs.remove-dir-all:medium"]);
    assert_eq!(
        findings_at("fn f() { std::fs::remove_dir_all(\"x\"); }", "tests/it.rs"),
        ["rust.std.fs.remove-dir-all:medium"]
    );
}

#[test]
fn files_without_trigger_words_are_skipped_before_parsing() {
    let lang = language::by_name("rust").unwrap();
    assert!(!may_have_findings(lang, "fn main() { println!(\"hi\"); }"));
    assert!(may_have_findings(
        lang,
        "use aws_sdk_ec2;\nclient.terminate_instances()"
    ));
    assert!(
        !may_have_findings(lang, "client.terminate_instances()"),
        "SDK words need the SDK crate"
    );
    assert!(
        may_have_findings(lang, "use aws_sdk_ec2;\nc.delete_vpc()"),
        "`delete` must not hide `delete_vpc`"
    );
}

#[test]
fn unquote_handles_raw_and_escaped_strings() {
    let unquote = |s: &str| {
        crate::language::by_name("rust")
            .unwrap()
            .conventions
            .unquote(s)
    };
    assert_eq!(unquote(r###"r#"DROP "x""#"###), r#"DROP "x""#);
    assert_eq!(unquote(r#""a\"b\\c""#), r#"a"b\c"#);
    assert_eq!(unquote("\"DELETE \\\n      FROM t\""), "DELETE FROM t");
}

#[test]
fn an_edit_touches_the_files_imports_as_a_look_at_every_item_says() {
    // Every range over files with imports at the top, between items, and a top-level syntax
    // error holding one: the items a range touches answer as all items would.
    let files = [
        (
            "rust",
            "use std::fs;\n\nfn a() {}\nuse std::process::Command;\nfn b() { x }\n}\nuse y;\n",
        ),
        (
            "python",
            "import os\n\ndef a():\n    pass\n\nfrom x import y\ndef b(:\n",
        ),
        (
            "typescript",
            "import { a } from \"a\";\nfunction f() {}\nimport b from \"b\";\n",
        ),
    ];
    for (name, src) in files {
        let lang = language::by_name(name).unwrap();
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&lang.grammar).unwrap();
        let tree = parser.parse(src, None).unwrap();
        let root = tree.root_node();
        let every_item = |r: &std::ops::Range<usize>| {
            let mut c = root.walk();
            let found = root.children(&mut c).any(|item| {
                lang.conventions.is_context_item(item, Some(src))
                    && item.start_byte() <= r.end
                    && r.start <= item.end_byte()
            });
            found
        };
        for start in 0..=src.len() {
            for end in start..=(start + 12).min(src.len()) {
                let r = start..end;
                assert_eq!(
                    touches_file_context_in(lang, &tree, std::slice::from_ref(&r), Some(src)),
                    every_item(&r),
                    "{name}: {r:?}"
                );
            }
        }
    }
}

#[test]
fn an_import_inside_an_item_counts_for_that_item_only() {
    // Deep inside the item that holds the import (a block in a method in an impl in a
    // module): found; in another item: not.
    let src = r#"
mod m {
    pub struct S;
    impl S {
        pub fn wipe(&self) {
            if true {
                use std::fs::remove_dir_all as rm;
                for _ in 0..1 { let _ = rm("/srv/data"); }
            }
        }
    }
}
fn other() { let _ = rm("/srv/data"); }
"#;
    assert_eq!(findings(src).len(), 1, "{:?}", findings(src));
    assert!(findings(src)[0].starts_with("rust.std.fs.remove-dir-all:"));
}
