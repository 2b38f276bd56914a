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
/// does: incremental analysis must equal a fresh one in error states too. Multi-byte text and
/// carriage returns (a lone `\r` is a line break to the client; one typed before a `\n`
/// joins two breaks into one) check the findings' positions that edits move.
const SNIPPETS: [&str; 15] = [
    "é😀\n",
    "\r",
    "x\r\n",
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

const PY_SNIPPETS: [&str; 13] = [
    "# é😀",
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
    let mut file = TrackedFile::load(None, None, src, 0, PositionEncoding::Utf16, lang, &mut w);
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
        same_judgements_as_fresh(&mut file)?;
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
    same_judgements_as_fresh(&mut file)?;
    same_tree_as_fresh(&file)
}

/// What a keystroke reuses (`judge`: verdicts, hashes, the findings' positions) is what a
/// fresh assessment of the file as it is gives.
fn same_judgements_as_fresh(file: &mut TrackedFile) -> Result<(), TestCaseError> {
    file.judge(None);
    let fresh = file.assessments(None);
    let judged = file.judged();
    prop_assert_eq!(judged.len(), fresh.len());
    for (j, a) in judged.iter().zip(&fresh) {
        prop_assert_eq!(&j.region.id, &a.region.id);
        prop_assert_eq!(j.findings.len(), a.findings.len());
        prop_assert_eq!(&j.verdict.risk, &a.risk);
        prop_assert_eq!(&j.verdict.review, &a.review);
        for (f, span) in j.findings.iter().zip(j.spans) {
            let (from, to) = file.doc.positions().range_of(f.start, f.end);
            prop_assert_eq!(
                (span.from, span.to),
                (from, to),
                "text:\n{}",
                file.doc.text()
            );
        }
    }
    prop_assert_eq!(file.finding_spans().len(), file.findings.len());
    Ok(())
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
        edits in proptest::collection::vec((0usize..400, 0usize..30, 0usize..15, parse_way(), any::<bool>()), 1..12)
    ) {
        check_edits("rust", SRC, &SNIPPETS, edits)?;
    }

    #[test]
    fn incremental_python_findings_equal_a_fresh_analysis(
        edits in proptest::collection::vec((0usize..400, 0usize..30, 0usize..13, parse_way(), any::<bool>()), 1..12)
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

/// A region's verdict is reused only while what it was judged from holds: an approval goes
/// stale when the region's text changes and holds again when the text comes back (an undo);
/// an edit elsewhere leaves it; a workspace with another policy judges again.
#[test]
fn a_kept_verdict_follows_the_text_the_approval_and_the_policy() {
    use crate::policy::{ReviewState, Tier};
    let dir = tempfile::tempdir().unwrap();
    let policy = |extra: &str| {
        let text = format!("[review]\nsenior = [\"alice@example.com\"]\n{extra}");
        Workspace::with_config(dir.path(), crate::config::Config::parse(&text).unwrap())
    };
    let ws = policy("");
    let src = format!("// a note é\n\n{SRC}");
    let lang = crate::language::by_name("rust");
    let mut w = Vec::new();
    let mut file = TrackedFile::load(
        Some(&ws),
        Some("src/a.rs".into()),
        &src,
        0,
        PositionEncoding::Utf16,
        lang,
        &mut w,
    );
    let start = src.find("async fn a").unwrap();
    let end = src.find("fn b").unwrap();
    file.regions.add(Region {
        id: "r".into(),
        start,
        end,
        provenance: Provenance::default(),
        source: Source::User,
        modified: false,
        created_at: String::new(),
    });
    file.analyze(Some(&ws), false, None);
    let approval = |hash: String| ReviewEvent::Approval {
        v: 1,
        file: "src/a.rs".into(),
        region: "r".into(),
        hash,
        tier: "senior".into(),
        by: Identity {
            name: "Alice".into(),
            email: "alice@example.com".into(),
        },
        at: "2026-12-01T00:00:00Z".into(),
    };
    file.events = vec![approval(crate::ledger::content_hash(&src[start..end]))];
    let state = |file: &mut TrackedFile, ws: &Workspace| {
        file.judge(Some(ws));
        let fresh = file.assessments(Some(ws));
        let judged = file.judged();
        assert_eq!(judged.len(), 1);
        assert_eq!(judged[0].verdict.risk, fresh[0].risk);
        assert_eq!(judged[0].verdict.review, fresh[0].review);
        (
            judged[0].verdict.risk.tier,
            judged[0].verdict.review.state,
            judged[0].verdict.review.stale,
        )
    };
    let approved = (Tier::Senior, ReviewState::Approved, false);
    let required = (Tier::Senior, ReviewState::Required, false);
    let stale = (Tier::Senior, ReviewState::Required, true);
    let next_char = |p: LineCol| LineCol {
        character: p.character + 1,
        ..p
    };
    let region_text = |file: &TrackedFile| {
        let r = file.regions.get("r").unwrap();
        file.doc.text()[r.start..r.end].to_string()
    };
    assert_eq!(state(&mut file, &ws), approved);
    // A line typed above the region: its text is the same, so is its verdict.
    let top = LineCol {
        line: 0,
        character: 0,
    };
    file.apply_change(Some((top, top)), "// more\n");
    assert_eq!(state(&mut file, &ws), approved);
    // A character typed inside it: the approval is stale.
    let inside = file
        .doc
        .position_of(file.regions.get("r").unwrap().start + 3);
    file.apply_change(Some((inside, inside)), "x");
    assert_eq!(state(&mut file, &ws), stale);
    // Deleted again: the text is what was approved.
    file.apply_change(Some((inside, next_char(inside))), "");
    assert_eq!(state(&mut file, &ws), approved);
    // The approval withdrawn (the ledger read again without it): required.
    file.events.clear();
    assert_eq!(state(&mut file, &ws), required);
    // Another policy (aigis.toml changed) with the approval back: judged again under it.
    file.events = vec![approval(crate::ledger::content_hash(&region_text(&file)))];
    let stricter = policy("[policy]\ncritical_approvals = 2\n");
    assert_eq!(state(&mut file, &stricter), required);
    assert_eq!(state(&mut file, &ws), approved);
    // The region's first character replaced (an edit that starts where it starts): stale.
    let first = file.doc.position_of(file.regions.get("r").unwrap().start);
    file.apply_change(Some((first, next_char(first))), "b");
    assert_eq!(state(&mut file, &ws), stale);
}

/// Two regions that share an id (a hand-edited or merged ledger): each is judged on its own,
/// as a fresh assessment judges it.
#[test]
fn regions_that_share_an_id_are_judged_each_on_its_own() {
    let lang = crate::language::by_name("rust");
    let mut w = Vec::new();
    let mut file = TrackedFile::load(None, None, SRC, 0, PositionEncoding::Utf16, lang, &mut w);
    for (from, to) in [("async fn a", "fn b"), ("fn c", "}\n")] {
        let start = SRC.find(from).unwrap();
        file.regions.add(Region {
            id: "same".into(),
            start,
            end: start + SRC[start..].find(to).unwrap() + to.len(),
            provenance: Provenance::default(),
            source: Source::User,
            modified: false,
            created_at: String::new(),
        });
    }
    file.analyze(None, false, None);
    file.judge(None);
    let fresh = file.assessments(None);
    let judged = file.judged();
    assert_eq!(fresh.len(), 2);
    assert_eq!(judged.len(), 2);
    assert_ne!(fresh[0].risk.tier, fresh[1].risk.tier, "{fresh:?}");
    for (j, a) in judged.iter().zip(&fresh) {
        assert_eq!((j.region.start, &j.verdict.risk), (a.region.start, &a.risk));
    }
}
