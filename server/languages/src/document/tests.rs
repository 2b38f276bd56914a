//! The document's tests: edits, positions in every encoding, bounded parses and their catch-up.

use super::*;

fn lc(line: u32, character: u32) -> LineCol {
    LineCol { line, character }
}

#[test]
fn utf16_positions_count_surrogate_pairs() {
    let doc = Document::new("a😀b\nxy\n", 0, PositionEncoding::Utf16, None);
    assert_eq!(doc.offset_of(lc(0, 3)), 5); // after the emoji (2 code units, 4 bytes)
    assert_eq!(doc.position_of(5), lc(0, 3));
    assert_eq!(
        doc.offset_of(lc(0, 99)),
        6,
        "past the end of a line clamps to it"
    );
    assert_eq!(
        doc.offset_of(lc(42, 0)),
        doc.len_bytes(),
        "past the end of the file"
    );
}

#[test]
fn utf8_positions_are_bytes() {
    let doc = Document::new("é=1\r\nz", 0, PositionEncoding::Utf8, None);
    assert_eq!(doc.offset_of(lc(0, 1)), 0, "inside a character rounds down");
    assert_eq!(doc.offset_of(lc(0, 9)), 4, "clamps before CRLF");
    assert_eq!(doc.position_of(6), lc(1, 0));
}

#[test]
fn edits_keep_rope_text_and_tree_in_step() {
    let lang = crate::language::by_name("rust");
    let mut doc = Document::new("fn a() {}\n", 0, PositionEncoding::Utf16, lang);
    doc.apply_change(Some((lc(0, 3), lc(0, 4))), "bbb");
    doc.apply_change(Some((lc(1, 0), lc(1, 0))), "fn c() {}\n");
    doc.reparse();
    assert_eq!(doc.text(), "fn bbb() {}\nfn c() {}\n");
    let root = doc.tree().unwrap().root_node();
    assert_eq!(root.named_child_count(), 2);
    assert!(!root.has_error());
}

/// A keystroke after one whose parse needed more than the budget goes to the background
/// without spending the budget first; once a keystroke's parse comes back cheap, typing is
/// parsed inline again. Either way the tree ends up the one a fresh parse gives.
#[test]
fn a_costly_keystroke_sends_the_next_one_to_the_background_at_once() {
    let py = crate::language::by_name("python").unwrap();
    let mut text = String::from("import boto3\n\nec2 = boto3.client(\"ec2\")\n\n");
    for i in 0..40 {
        text += &format!("def f{i}(ids):\n    total = {i}\n    if total > 10:\n        ec2.stop_instances(InstanceIds=ids)\n    return total\n\n\n");
    }
    let mut doc = Document::new(&text, 0, PositionEncoding::Utf8, Some(py));
    let catch_up = |doc: &mut Document| {
        while doc.is_stale() {
            let job = doc.parse_job().unwrap();
            doc.install(job.run(), KEYSTROKE_PARSE_STEPS);
        }
    };
    // A hundred functions pasted in the middle: over budget, parsed in the background.
    let line = 4 + 20 * 7;
    let pasted: String = (0..100)
        .map(|i| format!("def g{i}(ids):\n    return len(ids) * {i}\n\n\n"))
        .collect();
    doc.apply_change(Some((lc(line, 0), lc(line, 0))), &pasted);
    assert!(matches!(
        doc.reparse_bounded(KEYSTROKE_PARSE_STEPS),
        Reparsed::Deferred
    ));
    catch_up(&mut doc);
    // The next keystroke, however cheap (a comment on the last line: a document with no
    // such history parses it inline), is not tried inline.
    let last = doc.text().lines().count() as u32;
    let mut control = Document::new(doc.text(), 0, PositionEncoding::Utf8, Some(py));
    for d in [&mut doc, &mut control] {
        d.apply_change(Some((lc(last, 0), lc(last, 0))), "#");
    }
    assert!(matches!(
        control.reparse_bounded(KEYSTROKE_PARSE_STEPS),
        Reparsed::Done(_)
    ));
    assert!(matches!(
        doc.reparse_bounded(KEYSTROKE_PARSE_STEPS),
        Reparsed::Deferred
    ));
    assert!(doc.is_stale());
    catch_up(&mut doc);
    // Its parse was cheap, but the dear one is still one of the last two: the next keystroke
    // goes to the background too; after another cheap parse, the one after is inline again.
    doc.apply_change(Some((lc(last, 1), lc(last, 1))), "#");
    assert!(matches!(
        doc.reparse_bounded(KEYSTROKE_PARSE_STEPS),
        Reparsed::Deferred
    ));
    catch_up(&mut doc);
    doc.apply_change(Some((lc(last, 2), lc(last, 2))), "#");
    assert!(matches!(
        doc.reparse_bounded(KEYSTROKE_PARSE_STEPS),
        Reparsed::Done(_)
    ));
    let fresh = Document::new(doc.text(), 0, PositionEncoding::Utf8, Some(py));
    assert_eq!(
        doc.fresh_tree().unwrap().root_node().to_sexp(),
        fresh.tree().unwrap().root_node().to_sexp()
    );
    // A whole new text is no forecast: the keystroke after it is tried inline.
    doc.apply_change(Some((lc(line, 0), lc(line, 0))), &pasted);
    doc.reparse();
    doc.apply_change(Some((lc(last, 3), lc(last, 3))), "#");
    assert!(matches!(
        doc.reparse_bounded(KEYSTROKE_PARSE_STEPS),
        Reparsed::Done(_)
    ));
}

/// A keystroke that sends tree-sitter's recovery through the rest of a Python file is left
/// to a job; edits made while the job runs are replayed on its tree; the document ends up
/// with the tree of its text, as an unbounded parse has it.
#[test]
fn a_parse_over_budget_is_owed_and_caught_up() {
    let py = crate::language::by_name("python").unwrap();
    let mut text = String::from("import boto3\n\nec2 = boto3.client(\"ec2\")\n\n");
    for i in 0..300 {
        text += &format!("def f{i}(ids):\n    total = {i}\n    if total > 10:\n        ec2.stop_instances(InstanceIds=ids)\n    return total\n\n\n");
    }
    let mut doc = Document::new(&text, 0, PositionEncoding::Utf8, Some(py));
    let mut whole = Document::new(&text, 0, PositionEncoding::Utf8, Some(py));
    let line = 4 + 100 * 7 + 2;
    for d in [&mut doc, &mut whole] {
        d.apply_change(Some((lc(line, 0), lc(line, 0))), "x");
    }
    whole.reparse();
    assert!(matches!(
        doc.reparse_bounded(KEYSTROKE_PARSE_STEPS),
        Reparsed::Deferred
    ));
    assert!(doc.is_stale() && doc.fresh_tree().is_none() && doc.tree().is_some());
    let job = doc.parse_job().unwrap();
    // Typed while the job runs: replayed on its tree when it comes back.
    for d in [&mut doc, &mut whole] {
        d.apply_change(Some((lc(line + 3, 0), lc(line + 3, 0))), "y");
    }
    whole.reparse();
    let mut back = doc.install(job.run(), KEYSTROKE_PARSE_STEPS);
    while back.is_none() {
        back = doc.install(doc.parse_job().unwrap().run(), KEYSTROKE_PARSE_STEPS);
    }
    assert!(
        !back.unwrap().is_empty(),
        "what changed is reported for analysis"
    );
    assert!(!doc.is_stale());
    assert_eq!(
        doc.fresh_tree().unwrap().root_node().to_sexp(),
        whole.tree().unwrap().root_node().to_sexp()
    );
    // A job that comes back after the document caught up is dropped.
    let stale_job = ParseJob {
        language: py,
        text: String::new(),
        old: None,
        seq: 0,
    };
    assert!(doc
        .install(stale_job.run(), KEYSTROKE_PARSE_STEPS)
        .is_none());
    assert!(doc.fresh_tree().is_some());
}

#[test]
fn a_position_counted_in_its_line_is_the_one_the_ropes_index_gives() {
    // Multi-byte and astral characters, CRLF, LF and a lone CR, lines over the count's limit,
    // and a text of many chunks; every byte offset, those inside a character too.
    let mut long = String::new();
    for i in 0..400 {
        long += &format!("fn é{i}() {{ \"𝄞\" }}\r\n\n  x = ü{i};\r");
    }
    let wide = format!("a{}é\nb\r\n{}", "é".repeat(3000), "x".repeat(5000));
    for text in [
        "",
        "\r\n",
        "ab\rc\r\nd\n",
        "let é = \"𝄞x\";\r\n\r\nend",
        &long,
        &wide,
    ] {
        for encoding in [PositionEncoding::Utf16, PositionEncoding::Utf8] {
            let doc = Document::new(text, 0, encoding, None);
            let pos = doc.positions();
            for offset in 0..=text.len() + 2 {
                assert_eq!(
                    pos.position_of(offset),
                    pos.position_by_index(offset),
                    "{offset} in {encoding:?} of a text of {} bytes",
                    text.len()
                );
            }
            for start in (0..text.len()).step_by(7) {
                let end = (start + 40).min(text.len());
                assert_eq!(
                    pos.range_of(start, end),
                    (pos.position_by_index(start), pos.position_by_index(end)),
                    "{start}..{end} in {encoding:?}"
                );
            }
        }
    }
}

#[test]
fn a_range_counted_from_its_start_is_where_each_end_is_looked_up() {
    // Multi-byte and astral characters, CRLF and LF, an empty line, no final line break.
    let text = "let é = \"𝄞x\";\r\n\r\nfoo(ß, 'ü')\n  bar();\r\nend";
    for encoding in [PositionEncoding::Utf16, PositionEncoding::Utf8] {
        let doc = Document::new(text, 0, encoding, None);
        let pos = doc.positions();
        let bounds: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for &start in &bounds {
            for &end in bounds.iter().filter(|&&e| e >= start) {
                assert_eq!(
                    pos.range_of(start, end),
                    (pos.position_of(start), pos.position_of(end)),
                    "{start}..{end} in {encoding:?}"
                );
            }
        }
        // Past the end, and backwards: each end on its own.
        let n = text.len();
        assert_eq!(
            pos.range_of(3, n + 10),
            (pos.position_of(3), pos.position_of(n + 10))
        );
        assert_eq!(pos.range_of(9, 2), (pos.position_of(9), pos.position_of(2)));
    }
}
