//! Tests of `agents`.

use super::*;

#[test]
fn claude_structured_patch_gives_exact_lines() {
    let payload = r#"{"session_id":"s1","hook_event_name":"PostToolUse","tool_name":"Edit",
          "tool_input":{"file_path":"/w/a.rs","old_string":"a","new_string":"b\nc"},
          "tool_response":{"structuredPatch":[{"oldStart":3,"oldLines":2,"newStart":3,"newLines":3,
             "lines":[" keep","-a","+b","+c"," keep2"]}]}}"#;
    let p = parse(Agent::ClaudeCode, payload).unwrap();
    assert_eq!(p.session.as_deref(), Some("s1"));
    assert_eq!(p.files[0].changes, vec![Change::Lines(vec![(4, 5)])]);
}

#[test]
fn codex_patch_two_files() {
    let patch = "*** Begin Patch\n*** Add File: new.rs\n+fn a() {}\n+fn b() {}\n*** Update File: src/lib.rs\n@@ fn x\n ctx\n-old\n+new1\n+new2\n ctx2\n*** End Patch\n";
    let files = parse_apply_patch(patch);
    assert_eq!(files.len(), 2);
    assert_eq!(
        files[0].changes,
        vec![Change::Whole {
            content: Some("fn a() {}\nfn b() {}\n".into())
        }]
    );
    assert_eq!(
        files[1].changes,
        vec![Change::Hunk {
            before: "ctx\nold\nctx2\n".into(),
            after: "ctx\nnew1\nnew2\nctx2\n".into(),
            added: vec![1, 2]
        }]
    );
}

#[test]
fn malformed_and_unknown() {
    assert!(matches!(
        parse(Agent::ClaudeCode, "{not json"),
        Err(PayloadError::NotJson(_))
    ));
    assert_eq!(
        parse(Agent::ClaudeCode, "[1]"),
        Err(PayloadError::NotObject)
    );
    let read = parse(
        Agent::ClaudeCode,
        r#"{"tool_name":"Read","tool_input":{"file_path":"x"}}"#,
    )
    .unwrap();
    assert!(read.files.is_empty() && read.commands.is_empty());
    assert!(parse(
        Agent::ClaudeCode,
        r#"{"tool_name":"Write","tool_input":{}}"#
    )
    .is_err());
}
