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
