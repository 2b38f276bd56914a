//! Tests of `ledger`.

use super::*;

fn region(id: &str, start: usize, end: usize) -> Region {
    Region {
        id: id.into(),
        start,
        end,
        provenance: Provenance {
            tool: "claude-code".into(),
            model: Some("m".into()),
            session: None,
        },
        source: Source::AgentHook,
        modified: false,
        created_at: "t".into(),
    }
}

#[test]
fn snapshot_roundtrip_and_reanchor_after_lines_inserted_above() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new(dir.path());
    let text = "fn a() {}\nfn ai() {\n    danger();\n}\n";
    let start = text.find("fn ai").unwrap();
    ledger
        .write_snapshot(
            "src/lib.rs",
            text,
            &[region("r1", start, text.len())],
            &|_| None,
        )
        .unwrap();
    let (snap, warnings) = ledger.snapshot("src/lib.rs").unwrap();
    assert!(warnings.is_empty());
    let snap = snap.unwrap();
    let state = place(&snap, text);
    let r = &state.regions[0].region;
    assert_eq!((r.start, r.end, r.modified), (start, text.len(), false));
    assert!(state.retired.is_empty());

    let moved = format!("// new header\nuse x;\n{text}");
    let r = &place(&snap, &moved).regions[0].region;
    assert_eq!(&moved[r.start..r.end], &text[start..]);

    // One line of three rewritten, and lines added above: mapped through a diff, modified.
    let rewritten = format!("// top\n{}", text.replace("danger", "safe"));
    let r = &place(&snap, &rewritten).regions[0].region;
    assert_eq!(&rewritten[r.start..r.end], "fn ai() {\n    safe();\n}\n");
    assert!(r.modified);

    // Most of its lines gone: retired, not left pointing at the wrong lines.
    let gone = "fn a() {}\nfn other() {\n    x();\n    y();\n}\n";
    let state = place(&snap, gone);
    assert!(state.regions.is_empty());
    assert_eq!(state.retired, ["r1"]);
}

#[test]
fn corrupt_lines_warn_and_are_kept_through_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new(dir.path());
    let path = ledger.log_path("regions", "a.rs").unwrap();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, "{not json\n\u{0}\u{1}garbage").unwrap();
    for _ in 0..COMPACT_AFTER_LINES {
        ledger
            .write_snapshot("a.rs", "x", &[region("r", 0, 1)], &|_| None)
            .unwrap();
    }
    let (snap, warnings) = ledger.snapshot("a.rs").unwrap();
    assert!(snap.is_some());
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("{not json"),
        "unreadable lines are never dropped"
    );
    assert!(
        text.lines().count() < 10,
        "compacted: {}",
        text.lines().count()
    );
}

#[test]
fn paths_outside_the_workspace_are_refused() {
    let ledger = Ledger::new(Path::new("/w"));
    assert!(ledger.log_path("regions", "../etc/passwd").is_err());
    assert!(ledger.log_path("regions", "/etc/passwd").is_err());
    assert!(ledger.log_path("regions", "").is_err());
}

fn record(id: &str, text: &str, start: usize, end: usize, at: &str) -> String {
    let lines = LineHashes::new(text);
    let rec = RegionRecord {
        id: id.into(),
        anchor: anchor_of(text, &lines, start, end),
        provenance: region(id, 0, 0).provenance,
        source: Source::AgentHook,
        modified: false,
        created_at: at.into(),
        author: None,
    };
    serde_json::to_string(&Snapshot {
        v: FORMAT,
        kind: "regions".into(),
        file: "a.rs".into(),
        at: at.into(),
        regions: vec![rec],
        human: Vec::new(),
        retired: Some(Vec::new()),
    })
    .unwrap()
}

#[test]
fn two_branches_merged_by_union_keep_both_regions_whatever_the_clocks() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new(dir.path());
    let text = "fn a() {}\nfn b() {}\nfn c() {}\n";
    let path = ledger.log_path("regions", "a.rs").unwrap();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    // Branch one wrote `a`, branch two wrote `c` with a clock years ahead; git's union
    // merge keeps both lines.
    let one = record("r-one", text, 0, 10, "2026-01-01T00:00:00.000Z");
    let two = record("r-two", text, 20, 30, "2099-01-01T00:00:00.000Z");
    fs::write(&path, format!("{one}\n{two}\n")).unwrap();
    let ids = |l: &Ledger| {
        let (state, _) = l.state("a.rs", text).unwrap();
        let mut ids: Vec<String> = state.regions.iter().map(|p| p.region.id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&ledger), ["r-one", "r-two"]);
    // A later write (with a normal clock) keeps both; a future `at` hides nothing.
    ledger.update("a.rs", text, |s| s).unwrap();
    assert_eq!(ids(&ledger), ["r-one", "r-two"]);
    // Dropping one retires it, for good, even though an older line still lists it.
    ledger
        .update("a.rs", text, |mut s| {
            s.regions.retain(|p| p.region.id != "r-one");
            s
        })
        .unwrap();
    assert_eq!(ids(&ledger), ["r-two"]);
    fs::write(
        &path,
        format!("{}{one}\n", fs::read_to_string(&path).unwrap()),
    )
    .unwrap();
    assert_eq!(ids(&ledger), ["r-two"], "a retired id stays retired");
}

#[test]
fn duplicate_ids_keep_both_regions() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new(dir.path());
    let text = "fn a() {}\nfn b() {}\nfn c() {}\n";
    let path = ledger.log_path("regions", "a.rs").unwrap();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let one = record("r-same", text, 0, 10, "t");
    let two = record("r-same", text, 20, 30, "t");
    let mut a: Snapshot = serde_json::from_str(&one).unwrap();
    let b: Snapshot = serde_json::from_str(&two).unwrap();
    a.regions.extend(b.regions);
    a.regions.push(a.regions[0].clone()); // an exact repeat is one region
    fs::write(&path, serde_json::to_string(&a).unwrap() + "\n").unwrap();
    let (state, _) = ledger.state("a.rs", text).unwrap();
    assert_eq!(state.regions.len(), 2, "{:?}", state.regions);
    // And a save keeps both.
    ledger.update("a.rs", text, |s| s).unwrap();
    let (state, _) = ledger.state("a.rs", text).unwrap();
    assert_eq!(state.regions.len(), 2);
}

#[test]
fn legacy_snapshots_replace_what_came_before() {
    let text = "fn a() {}\nfn b() {}\n";
    let mut one: Snapshot = serde_json::from_str(&record("r1", text, 0, 10, "t")).unwrap();
    let mut two: Snapshot = serde_json::from_str(&record("r2", text, 10, 20, "t")).unwrap();
    one.retired = None;
    two.retired = None;
    let merged = merge("a.rs", vec![one, two]).unwrap();
    assert_eq!(merged.regions.len(), 1);
    assert_eq!(merged.regions[0].id, "r2");
}

#[test]
fn a_file_that_shrank_below_a_region_does_not_panic() {
    let long: String = (0..50).map(|i| format!("fn f{i}() {{ x(); }}\n")).collect();
    let start = long.find("fn f40").unwrap();
    let lines = LineHashes::new(&long);
    let mut a = anchor_of(&long, &lines, start, long.len());
    a.range[0] = 100_000; // also far past any margin
    for short in ["", "fn f0() { x(); }\n", "\n\n"] {
        let _ = locate(&a, short, &LineHashes::new(short));
    }
}

#[test]
fn a_column_inside_a_multibyte_character_does_not_panic() {
    let text = "fn é() {\n    é();\n    ü();\n}\n";
    let lines = LineHashes::new(text);
    let mut a = anchor_of(text, &lines, 0, text.len());
    a.range[1] = 4; // inside `é`
    a.range[3] = 1;
    a.hash = "sha256:0".into();
    let changed = text.replace("ü", "üü");
    let found = locate(&a, &changed, &LineHashes::new(&changed));
    if let Some((s, e, _)) = found {
        assert!(changed.is_char_boundary(s) && changed.is_char_boundary(e));
    }
}

#[cfg(unix)]
#[test]
fn a_linked_log_is_neither_read_nor_written() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("bashrc");
    fs::write(&target, "secret\n".repeat(70)).unwrap();
    let ledger = Ledger::new(dir.path());
    let path = ledger.log_path("regions", "x.rs").unwrap();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&target, &path).unwrap();
    assert!(ledger
        .write_snapshot("x.rs", "fn a() {}", &[region("r", 0, 9)], &|_| None)
        .is_err());
    assert!(ledger.snapshot("x.rs").is_err());
    assert_eq!(fs::read_to_string(&target).unwrap(), "secret\n".repeat(70));
    // `.aigis` itself linked elsewhere.
    let dir2 = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), dir2.path().join(DIR)).unwrap();
    let ledger = Ledger::new(dir2.path());
    assert!(ledger
        .write_snapshot("x.rs", "fn a() {}", &[region("r", 0, 9)], &|_| None)
        .is_err());
    assert!(!outside.path().join("regions").exists());
    assert!(!outside.path().join(".lock").exists());
    // A linked folder inside `regions` is not walked.
    let dir3 = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir3.path().join(".aigis/regions")).unwrap();
    std::os::unix::fs::symlink("/", dir3.path().join(".aigis/regions/x")).unwrap();
    assert!(Ledger::new(dir3.path()).tracked_files().is_empty());
}

mod fuzz {
    use super::super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("fn a() {\n".to_string()),
                Just("    é = ü;\r\n".to_string()),
                Just("}\n".to_string()),
                Just("\r\n".to_string()),
                Just("😀".to_string()),
                "[a-z ]{0,8}",
            ],
            0..30,
        )
        .prop_map(|v| v.concat())
    }

    fn anchor() -> impl Strategy<Value = Anchor> {
        (
            proptest::array::uniform4(prop_oneof![0usize..40, Just(usize::MAX), any::<usize>()]),
            prop_oneof![0usize..200, any::<usize>()],
            "(sha256:[0-9a-f]{0,32})|.{0,5}",
            ".{0,12}",
            proptest::collection::vec("[0-9a-f]{8}|.{0,9}", 0..12),
        )
            .prop_map(|(range, len, hash, head, lines)| Anchor {
                range,
                len,
                hash,
                head,
                lines,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Any anchor a hand edit can write, placed in any text: a range on character
        /// boundaries inside the text, or nothing; never a panic.
        #[test]
        fn any_anchor_in_any_text(a in anchor(), t in text()) {
            let lines = LineHashes::new(&t);
            if let Some((s, e, _)) = locate(&a, &t, &lines) {
                prop_assert!(s < e && e <= t.len());
                prop_assert!(t.is_char_boundary(s) && t.is_char_boundary(e));
            }
        }

        /// Arbitrary log lines (JSON or not, valid snapshots with any ids and ranges):
        /// reading, placing and writing never panic.
        #[test]
        fn any_log_is_read_and_written(
            raw in proptest::collection::vec(prop_oneof![
                ".{0,40}".prop_map(|s| s),
                (anchor(), "[a-z~-]{0,6}", proptest::option::of(proptest::collection::vec("[a-z]{0,3}", 0..3)))
                    .prop_map(|(a, id, retired)| {
                        serde_json::json!({"v": 1, "kind": "regions", "file": "a.rs", "at": "t",
                            "retired": retired,
                            "regions": [{"id": id, "range": a.range, "len": a.len, "hash": a.hash,
                                "head": a.head, "lines": a.lines, "tool": "x", "source": "agent-hook"}],
                            "human": [{"range": a.range, "len": a.len, "hash": a.hash, "head": a.head}]
                        }).to_string()
                    }),
            ], 0..6),
            t in text(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let ledger = Ledger::new(dir.path());
            let path = ledger.log_path("regions", "a.rs").unwrap();
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, raw.join("\n")).unwrap();
            let (state, _) = ledger.state("a.rs", &t).unwrap();
            for p in &state.regions {
                prop_assert!(t.is_char_boundary(p.region.start) && t.is_char_boundary(p.region.end));
            }
            ledger.update("a.rs", &t, |s| s).unwrap();
        }
    }
}
