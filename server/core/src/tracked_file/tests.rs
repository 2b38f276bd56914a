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
const SNIPPETS: [&str; 11] = [
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

fn full(file: &TrackedFile) -> Vec<(usize, String)> {
    let lang = file.doc.language().unwrap();
    analysis::analyze(lang, file.doc.tree().unwrap(), file.doc.text(), None)
        .into_iter()
        .map(|f| (f.start, f.rule))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
    #[test]
    fn incremental_findings_equal_a_fresh_analysis(
        edits in proptest::collection::vec((0usize..400, 0usize..30, 0usize..11), 1..12)
    ) {
        let mut w = Vec::new();
        let lang = crate::language::by_name("rust");
        let mut file = TrackedFile::load(None, None, SRC, 0, PositionEncoding::Utf8, lang, &mut w);
        file.regions.add(Region {
            id: "r".into(), start: 0, end: SRC.len(), provenance: Provenance::default(),
            source: Source::User, modified: false, created_at: String::new(),
        });
        file.analyze(None, true, None);
        for (at, del, snip) in edits {
            let len = file.doc.len_bytes();
            let mut s = at.min(len);
            while !file.doc.text().is_char_boundary(s) { s -= 1; }
            let mut e = (s + del).min(len);
            while !file.doc.text().is_char_boundary(e) { e -= 1; }
            let (a, b) = (file.doc.position_of(s), file.doc.position_of(e));
            file.apply_change(Some((a, b)), SNIPPETS[snip]);
            file.reparse();
            file.analyze(None, true, None);
            let ours: Vec<(usize, String)> = file.findings.iter().map(|f| (f.start, f.rule.clone())).collect();
            prop_assert_eq!(ours, full(&file), "text:\n{}", file.doc.text());
        }
    }
}
