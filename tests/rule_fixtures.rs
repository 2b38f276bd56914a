//! Every rule's must-find and must-not-find cases, as data: each file under
//! `queries/<language>/fixtures/` says on each line which findings start there
//! (`// expect: aws.ec2.terminate-instances critical`, several separated by `,`); a line without
//! an annotation must have none. A rule is added with its fixtures in one place.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aigis_core::{analysis, language, parse};

fn queries() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../queries")
}

/// (line, rule, severity) that the annotations of `text` expect, 1-based lines.
fn expected(text: &str, comment: &str) -> BTreeSet<(usize, String, String)> {
    let marker = format!("{comment} expect:");
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let Some((_, want)) = line.split_once(&marker) else {
            continue;
        };
        for one in want.split(',') {
            let mut words = one.split_whitespace();
            let (Some(rule), Some(severity), None) = (words.next(), words.next(), words.next())
            else {
                panic!("line {}: `expect: <rule> <severity>`, got `{one}`", i + 1);
            };
            out.insert((i + 1, rule.to_string(), severity.to_string()));
        }
    }
    out
}

#[test]
fn every_language_fixture_finds_exactly_what_it_annotates() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut folders: Vec<&str> = language::all().iter().map(|l| l.queries).collect();
    folders.dedup();
    for folder in folders {
        let dir = queries().join(folder).join("fixtures");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e} (every language has fixtures)", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "queries/{folder} has no fixtures");
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let Some(lang) = language::for_path(&file).filter(|l| l.queries == folder) else {
                panic!(
                    "{}: not a file of a language reading queries/{folder}",
                    file.display()
                );
            };
            let text = std::fs::read_to_string(&file).unwrap();
            let tree = parse::parse(lang, &text).expect("the fixture parses");
            let rel = PathBuf::from("src").join(&name);
            let found = analysis::analyze(lang, &tree, &text, Some(&rel));
            // Querying only the items with trigger words finds what a whole-file pass finds.
            let whole = analysis::analyze_ranges(lang, &tree, &text, Some(&rel), None);
            assert_eq!(
                found, whole,
                "{name}: ranged and whole-file analysis differ"
            );
            let got: BTreeSet<(usize, String, String)> = found
                .iter()
                .map(|f| {
                    let line = text[..f.start].matches('\n').count() + 1;
                    (line, f.rule.to_string(), f.severity.as_str().to_string())
                })
                .collect();
            let want = expected(&text, lang.line_comment);
            for missing in want.difference(&got) {
                failures.push(format!(
                    "{}/{name}:{}: missing {} {}",
                    folder, missing.0, missing.1, missing.2
                ));
            }
            for extra in got.difference(&want) {
                failures.push(format!(
                    "{}/{name}:{}: unexpected {} {}",
                    folder, extra.0, extra.1, extra.2
                ));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 0);
}

#[test]
fn an_annotation_that_does_not_hold_is_reported() {
    // The checker itself: a wrong severity and a finding on an unannotated line both fail.
    let lang = language::by_name("rust").unwrap();
    let text = "use std::fs;\nfn f() {\n    fs::remove_dir_all(\"x\"); // expect: rust.std.fs.remove-dir-all critical\n    fs::remove_file(\"y\");\n}\n";
    let tree = parse::parse(lang, text).unwrap();
    let got: BTreeSet<(usize, String, String)> = analysis::analyze(lang, &tree, text, None)
        .iter()
        .map(|f| {
            (
                text[..f.start].matches('\n').count() + 1,
                f.rule.to_string(),
                f.severity.as_str().to_string(),
            )
        })
        .collect();
    let want = expected(text, "//");
    assert_ne!(got, want);
    assert_eq!(want.difference(&got).count(), 1, "the wrong severity");
    assert_eq!(
        got.difference(&want).count(),
        2,
        "the right severity and the unannotated line"
    );
}
