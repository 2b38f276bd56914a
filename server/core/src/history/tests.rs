//! Tests of `history`.

use super::*;

#[test]
fn trailers_and_identities() {
    let ai = |name: &str, email: &str, msg: &str| ai_of_commit(name, email, name, email, msg);
    assert_eq!(
        ai(
            "Bob",
            "bob@x",
            "fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n"
        ),
        Some(("claude-code".into(), None))
    );
    assert_eq!(
        ai(
            "Bob",
            "bob@x",
            "x\n\nco-authored-by: Claude Opus 4.5 <noreply@anthropic.com>"
        ),
        Some(("claude-code".into(), Some("Claude Opus 4.5".into())))
    );
    assert_eq!(
        ai(
            "Bob",
            "bob@x",
            "x\n\nCo-authored-by: Codex <noreply@openai.com>"
        ),
        Some(("codex".into(), None))
    );
    assert_eq!(
        ai(
            "Bob",
            "bob@x",
            "x\n\nAssisted-by: Claude:claude-3-opus coccinelle"
        ),
        Some(("claude".into(), Some("claude-3-opus".into())))
    );
    assert_eq!(
        ai("Bob", "bob@x", "x\n\nGenerated-by: ChatGPT"),
        Some(("chatgpt".into(), None))
    );
    assert_eq!(
        ai("Jane Doe (aider)", "jane@x", "feat: y"),
        Some(("aider".into(), None))
    );
    assert_eq!(
        ai("Cursor Agent", "cursoragent@cursor.com", "y"),
        Some(("cursor".into(), None))
    );
    assert_eq!(
        ai(
            "Bob",
            "bob@x",
            "x\n\nCo-authored-by: Alice <alice@example.com>"
        ),
        None,
        "a human co-author"
    );
    assert_eq!(ai("Bob", "bob@x", "mention claude in prose"), None);
}

#[test]
fn git_ai_note() {
    let note = "src/a.rs\n  s_0123456789abcd::t_0123456789abcd 1-3,7\n  h_aaaaaaaaaaaaaa 4\n---\n{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\"sessions\":{\"s_0123456789abcd\":{\"agent_id\":{\"tool\":\"claude\",\"id\":\"c1\",\"model\":\"opus\"}}}}";
    let n = parse_git_ai_note(note).unwrap();
    assert_eq!(
        note_line(&n, "src/a.rs", 2),
        Some(Some((
            "claude".into(),
            Some("opus".into()),
            "s_0123456789abcd".into()
        )))
    );
    assert_eq!(note_line(&n, "src/a.rs", 4), Some(None));
    assert_eq!(note_line(&n, "src/a.rs", 5), None);
    assert!(parse_git_ai_note("just text").is_none());
}
