//! Tests of `tracked_file`.

use super::*;
use crate::regions::{Provenance, Region, Source};
use proptest::prelude::*;

const SRC: &str = r#"use aws_sdk_ec2 as ec2;
use std::fs;

async fn a(client: &ec2::Client) {
    client.terminate_instances().send().await;
}

fn b() {
    fs::remove_dir_all("/srv");
}

fn c(map: &mut std::collections::HashMap<u8, u8>) {
    map.remove(&1);
}
"#;

/// Edits, several of which leave the text broken (`}x`, `xlet`, an open string), as typing
/// does: incremental analysis must equal a fresh one in error states too.
const SNIPPETS: [&str; 12] = [
    "//",
    "}x",
    "x",
    "let ",
    "fs::remove_file(\"x\");",
    "\nfn d() { std::process::Command::new(\"terraform\").arg(\"destroy\"); }\n",
    "client.delete_vpc().send().await;",
    "use std::fs::remove_dir_all;\n",
    "}",
    "{",
    "\"",
    "// terminate_instances\n",
];

/// Python: a module-level client, and edits that break the indentation (a character at the
/// start of a line ends the function: tree-sitter's recovery can then make the file's root an
/// ERROR node, or run to the end of the file).
const PY: &str = "import shutil\n\nimport boto3\n\nec2 = boto3.client(\"ec2\")\n\n\ndef a(ids):\n    total = 0\n    if total > 10:\n        ec2.terminate_instances(InstanceIds=ids)\n    return total\n\n\ndef b():\n    shutil.rmtree(\"/srv\")\n\n\nclass C:\n    def c(self):\n        ec2.delete_vpc(VpcId=\"v\")\n";

const PY_SNIPPETS: [&str; 12] = [
    "#",
    "x",
    "\n",
    "    ",
    ":",
    "(",
    "ec2.delete_vpc(VpcId=v)",
    "import os\n",
    "\"",
    "# delete_vpc\n",
    "def d():\n    shutil.rmtree('x')\n",
    "if x",
];

fn full(file: &TrackedFile) -> Vec<(usize, String)> {
    let lang = file.doc.language().unwrap();
    analysis::analyze(lang, file.doc.tree().unwrap(), file.doc.text(), None)
        .into_iter()
        .map(|f| (f.start, f.rule.to_string()))
        .collect()
}

fn ours(file: &TrackedFile) -> Vec<(usize, String)> {
    file.findings
        .iter()
        .map(|f| (f.start, f.rule.to_string()))
        .collect()
}

/// How an edit is parsed: whole, as before; or within a budget of one step (so most parses are
/// left to a job), its job installed at once or only after later edits (which it must replay).
#[derive(Debug, Clone, Copy)]
enum Parse {
    Whole,
    BoundedJobNow,
    BoundedJobLater,
}

/// `src` in `lang`, all of it one AI region.
fn all_ai(lang: &str, src: &str) -> TrackedFile {
    let mut w = Vec::new();
    let lang = crate::language::by_name(lang);
    let mut file = TrackedFile::load(None, None, src, 0, PositionEncoding::Utf8, lang, &mut w);
    file.regions.add(Region {
        id: "r".into(),
        start: 0,
        end: src.len(),
        provenance: Provenance::default(),
        source: Source::User,
        modified: false,
        created_at: String::new(),
    });
    file
}

fn check_edits(
    lang: &str,
    src: &str,
    snippets: &[&str],
    edits: Vec<(usize, usize, usize, Parse, bool)>,
) -> Result<(), TestCaseError> {
    let mut file = all_ai(lang, src);
    file.analyze(None, true, None);
    let mut job = None;
    // An analysis owed to the background (`analyze_within` with a budget of one byte), its job
    // run at once or after later edits (then refused: the text moved on).
    let mut analysis: Option<AnalysisJob> = None;
    for (at, del, snip, parse, owe) in edits {
        let len = file.doc.len_bytes();
        let mut s = at.min(len);
        while !file.doc.text().is_char_boundary(s) {
            s -= 1;
        }
        let mut e = (s + del).min(len);
        while !file.doc.text().is_char_boundary(e) {
            e -= 1;
        }
        let (a, b) = (file.doc.position_of(s), file.doc.position_of(e));
        file.apply_change(Some((a, b)), snippets[snip % snippets.len()]);
        match parse {
            Parse::Whole => file.reparse(),
            Parse::BoundedJobNow | Parse::BoundedJobLater => {
                if file.reparse_bounded(1) && job.is_none() {
                    job = file.doc.parse_job();
                }
                if let (Parse::BoundedJobNow, Some(j)) = (parse, job.take()) {
                    if file.install_parse(j.run(), 1) {
                        job = file.doc.parse_job();
                    }
                }
            }
        }
        let mut owed = false;
        if owe {
            owed = file.analyze_within(None, true, None, 1);
            if owed && analysis.is_none() {
                analysis = file.analysis_job(None);
            }
            if let (Parse::BoundedJobNow | Parse::Whole, Some(j)) = (parse, analysis.take()) {
                file.install_analysis(j.run(), None);
                owed = file.analyze_within(None, true, None, 1);
            }
        } else {
            file.analyze(None, true, None);
        }
        if file.doc.is_stale() || owed {
            // The last findings, moved with the edits: inside the text, on character boundaries.
            for f in &file.findings {
                prop_assert!(
                    f.end <= file.doc.len_bytes() && file.doc.text().is_char_boundary(f.start)
                );
            }
        } else {
            prop_assert_eq!(ours(&file), full(&file), "text:\n{}", file.doc.text());
            same_tree_as_fresh(&file)?;
        }
    }
    // The jobs owed, run until the document is up to date.
    while file.doc.is_stale() {
        let j = job.take().or_else(|| file.doc.parse_job()).unwrap();
        file.install_parse(j.run(), 1);
    }
    if let Some(j) = analysis.take() {
        file.install_analysis(j.run(), None);
    }
    while file.analyze_within(None, true, None, 1) {
        let j = file.analysis_job(None).unwrap();
        prop_assert!(file.install_analysis(j.run(), None));
    }
    prop_assert_eq!(ours(&file), full(&file), "text:\n{}", file.doc.text());
    same_tree_as_fresh(&file)
}

/// Where the text parses without an error, the document's tree is the one a fresh parse gives
/// (in error states tree-sitter's recovery may depend on the edits' history): a replay of the
/// wrong edits on a tree from the background would show here.
fn same_tree_as_fresh(file: &TrackedFile) -> Result<(), TestCaseError> {
    let fresh = crate::parse::parse(file.doc.language().unwrap(), file.doc.text()).unwrap();
    if !fresh.root_node().has_error() {
        prop_assert_eq!(
            file.doc.tree().unwrap().root_node().to_sexp(),
            fresh.root_node().to_sexp(),
            "text:\n{}",
            file.doc.text()
        );
    }
    Ok(())
}

fn parse_way() -> impl Strategy<Value = Parse> {
    prop_oneof![
        Just(Parse::Whole),
        Just(Parse::BoundedJobNow),
        Just(Parse::BoundedJobLater)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("AIGIS_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128),
        ..ProptestConfig::default()
    })]
    #[test]
    fn incremental_findings_equal_a_fresh_analysis(
        edits in proptest::collection::vec((0usize..400, 0usize..30, 0usize..12, parse_way(), any::<bool>()), 1..12)
    ) {
        check_edits("rust", SRC, &SNIPPETS, edits)?;
    }

    #[test]
    fn incremental_python_findings_equal_a_fresh_analysis(
        edits in proptest::collection::vec((0usize..400, 0usize..30, 0usize..12, parse_way(), any::<bool>()), 1..12)
    ) {
        check_edits("python", PY, &PY_SNIPPETS, edits)?;
    }
}

/// Typing on in an item too large for a keystroke's analysis: the first keystroke owes the
/// whole file's analysis to the background, and the keystrokes after it until the job has run
/// keep nothing of their own (they once kept every range edited since, and checked each of
/// them against the file's items on every keystroke: 5 ms a keystroke after a few hundred).
/// The job then gives the findings a fresh analysis gives.
#[test]
fn keystrokes_while_an_analysis_is_owed_keep_nothing_per_keystroke() {
    let body: String = (0..400)
        .map(|i| format!("    async fn f{i}(&self, client: &ec2::Client) {{ client.terminate_instances().send().await; }}\n"))
        .collect();
    let src = format!("use aws_sdk_ec2 as ec2;\n\nstruct S;\n\nimpl S {{\n{body}}}\n");
    let mut file = all_ai("rust", &src);
    file.analyze(None, false, None);
    assert_eq!(file.findings.len(), 400);
    let budget = crate::tracked_file::KEYSTROKE_ANALYSIS_BYTES;
    assert!(src.len() > 2 * budget);
    for k in 0..200u32 {
        let at = LineCol {
            line: 5 + (k * 7) % 400,
            character: 0,
        };
        file.apply_change(Some((at, at)), " ");
        assert!(!file.reparse_bounded(crate::document::KEYSTROKE_PARSE_STEPS));
        assert!(file.analyze_within(None, false, None, budget), "owed");
        assert!(file.dirty.is_empty(), "{} ranges kept", file.dirty.len());
    }
    let job = file.analysis_job(None).unwrap();
    assert!(file.install_analysis(job.run(), None));
    assert!(!file.analyze_within(None, false, None, budget));
    assert_eq!(ours(&file), full(&file));
    assert_eq!(file.findings.len(), 400);
}

/// A keystroke on a line that names no gate and holds no trigger word leaves the file's gates
/// and trigger words as they were read (not scanned again); one on such a line, before or
/// after the edit, has them read again.
#[test]
fn gates_and_trigger_words_are_read_again_only_for_the_lines_that_hold_them() {
    let mut file = all_ai("rust", SRC);
    file.analyze(None, false, None);
    assert!(file.words_known && file.counts);
    assert_eq!(file.gates, ["aws_sdk_ec2"]);
    // Characters `from..to` of `line`.
    let on = |line, from, to| {
        Some((
            LineCol {
                line,
                character: from,
            },
            LineCol {
                line,
                character: to,
            },
        ))
    };
    // `let x` typed in `b`'s body, on a line of its own.
    file.apply_change(on(7, 8, 8), "\n    let x = 1;");
    assert!(file.words_known);
    file.analyze(None, false, None);
    // A line comment before the gate's `use`: read again (and the gate is gone).
    file.apply_change(on(0, 0, 0), "//");
    assert!(!file.words_known);
    file.analyze(None, false, None);
    assert!(file.gates.is_empty());
    // The comment deleted again: the line names the gate after the edit, read again.
    file.apply_change(on(0, 0, 2), "");
    assert!(!file.words_known);
    file.analyze(None, false, None);
    assert_eq!(file.gates, ["aws_sdk_ec2"]);
    // The trigger word deleted from its line: read again.
    file.apply_change(on(4, 11, 30), "");
    assert!(!file.words_known);
    file.analyze(None, false, None);
    assert_eq!(ours(&file), full(&file));
}
