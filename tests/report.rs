//! `aigis report` as a team lead reads it: a repository with four weeks of commits (some with AI
//! trailers), an agent's region with a critical operation called from `main`, a review asked
//! for and approved; the page's charts carry the numbers the history gives, and no Markdown or
//! markup leaks into it.

mod common;

use std::process::Command;

use common::Fixture;

const DAY: i64 = 24 * 3600;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Commits `files` dated `at` (seconds), by `who`, with `message`.
fn commit_at(fx: &Fixture, at: i64, who: (&str, &str), message: &str) {
    fx.git(&["add", "-A"]);
    let date = format!("@{at} +0000");
    let out = Command::new("git")
        .arg("-C")
        .arg(fx.root())
        .args(["commit", "-q", "--allow-empty", "-m", message])
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env("GIT_AUTHOR_NAME", who.0)
        .env("GIT_AUTHOR_EMAIL", who.1)
        .env("GIT_COMMITTER_NAME", who.0)
        .env("GIT_COMMITTER_EMAIL", who.1)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn lines(n: usize, word: &str) -> String {
    (0..n).map(|i| format!("# {word} {i}\n")).collect()
}

/// The scripted repository of the report (also what the README's picture is made from).
pub fn scripted_team_repo() -> Fixture {
    let fx = Fixture::new(&[
        ("aigis.toml", "[review]\nsenior = [\"alice@example.com\"]\n"),
        ("CODEOWNERS", "* @platform\n/scripts/ @ops-team\n"),
    ]);
    let t = now();
    // Four weeks back: 40 human lines; three weeks back: 30 lines, 20 of them by Claude Code
    // (a trailer marks the whole commit); two weeks back: 10 by Codex; last week: 40 human.
    fx.write("docs/notes.py", &lines(40, "notes"));
    commit_at(&fx, t - 28 * DAY, ("Ann", "ann@example.com"), "notes");
    fx.write("scripts/a.py", &lines(20, "claude"));
    commit_at(
        &fx,
        t - 21 * DAY,
        ("Bob Builder", "bob@example.com"),
        "add a\n\nCo-authored-by: Claude <noreply@anthropic.com>",
    );
    fx.write("docs/more.py", &lines(10, "more"));
    commit_at(&fx, t - 21 * DAY + 60, ("Ann", "ann@example.com"), "more");
    fx.write("scripts/b.py", &lines(10, "codex"));
    commit_at(
        &fx,
        t - 14 * DAY,
        ("Bob Builder", "bob@example.com"),
        "add b\n\nCo-authored-by: Codex <noreply@openai.com>",
    );
    fx.write("docs/last.py", &lines(40, "last"));
    commit_at(&fx, t - 7 * DAY, ("Ann", "ann@example.com"), "last");
    // Now: an agent writes a function that deletes the stack, called from main.
    fx.write(
        "scripts/ops.py",
        "import boto3\n\n\ndef recreate(name):\n    cf = boto3.client(\"cloudformation\")\n    cf.delete_stack(StackName=name)\n",
    );
    fx.write(
        "scripts/main.py",
        "from scripts.ops import recreate\n\n\ndef main():\n    recreate(\"prod\")\n\n\nif __name__ == \"__main__\":\n    main()\n",
    );
    let payload = format!(
        "{{\"tool\": \"codex\", \"cwd\": \"{}\", \"files\": [{{\"path\": \"scripts/ops.py\", \"lines\": [[4, 6]]}}]}}",
        fx.root().display()
    );
    let (code, _, err) = fx.aigis_with(&["record", "--agent", "generic"], &payload, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = fx.aigis(&["review", "request", "scripts/ops.py:5"]);
    assert_eq!(code, 0, "{err}");
    fx
}

#[test]
fn the_report_charts_weekly_share_reviews_directories_owners_and_blast_radius() {
    let fx = scripted_team_repo();
    let (code, _, err) = fx.aigis(&["report", "--weeks", "6", "--output", "report.html"]);
    assert_eq!(code, 0, "{err}");
    let html = fx.read("report.html");
    assert!(html.starts_with("<!doctype html>"));
    assert!(!html.contains("<script"), "no JavaScript");
    assert_eq!(
        html.matches("<svg").count(),
        6,
        "five charts and one blast graph:\n{html}"
    );
    // Weekly share: 20 of 30 (67%) three weeks back, 10 of 10 two weeks back, 0 of 40 last week.
    for label in [">67%</text>", ">100%</text>", ">0%</text>"] {
        assert!(html.contains(label), "{label} in\n{html}");
    }
    assert!(
        html.contains(">claude-code</text>") && html.contains(">codex</text>"),
        "legend"
    );
    // 120 lines of code, and aigis.toml and CODEOWNERS (2 lines each) in the first commit.
    assert!(html.contains("30 of 124 added lines"), "{html}");
    // Regions this week: one senior region, no approval yet; one review waiting.
    assert!(html.contains(">1·0✓</text>"), "{html}");
    assert!(html.contains(">0 + 1 waiting</text>"), "{html}");
    // By directory and by owner, with their numbers.
    // scripts/: 20 + 10 lines from AI commits and the 3-line region, of 45.
    assert!(
        html.contains(">scripts</text>") && html.contains(">33 of 45 lines, 73.3%</text>"),
        "{html}"
    );
    assert!(html.contains(">@ops-team</text>"), "{html}");
    // The blast radius graph: the region, its caller, the entry point.
    assert!(html.contains(">scripts/ops.py:4-6</text>"), "{html}");
    assert!(
        html.contains(">scripts.main.main</text>"),
        "the caller:\n{html}"
    );
    assert!(
        html.contains(">scripts.main.main (main)</text>"),
        "the entry point:\n{html}"
    );
    // Markdown is rendered, never leaked.
    assert!(!html.contains('`'), "a backtick leaked:\n{html}");
    assert!(
        html.contains("<code>.delete_stack()</code> (cloudformation DeleteStack)"),
        "{html}"
    );

    // The approval shows in the review-time chart.
    fx.set_identity("Alice", "alice@example.com");
    let (code, _, err) = fx.aigis(&["review", "approve", "scripts/ops.py:5"]);
    assert_eq!(code, 0, "{err}");
    let (_, html, _) = fx.aigis(&["report", "--weeks", "6"]);
    assert!(html.contains("median 0.0 h"), "{html}");
    assert!(html.contains(">1·1✓</text>"), "{html}");
}

#[test]
fn the_markdown_report_has_the_figures_as_tables() {
    let fx = scripted_team_repo();
    let (code, md, err) = fx.aigis(&["report", "--weeks", "6", "--format", "markdown"]);
    assert_eq!(code, 0, "{err}");
    assert!(md.contains("| 30 | 20 | 67% | claude-code 20 |"), "{md}");
    assert!(md.contains("| 10 | 10 | 100% | codex 10 |"), "{md}");
    assert!(md.contains("| scripts | 33 | 45 | 73.3% |"), "{md}");
    assert!(md.contains("| @ops-team | 33 | 45 | 73.3% |"), "{md}");
    assert!(
        md.contains("Review requests: 1, approved 0 (median none yet), waiting 1."),
        "{md}"
    );
}

#[test]
fn report_text_is_escaped() {
    let fx = scripted_team_repo();
    fx.write("<img src=x>.py", "import shutil\nshutil.rmtree('/')\n");
    let payload = format!(
        "{{\"tool\": \"<b>tool</b>\", \"cwd\": \"{}\", \"files\": [{{\"path\": \"<img src=x>.py\", \"lines\": [[1, 2]]}}]}}",
        fx.root().display()
    );
    let (code, _, err) = fx.aigis_with(&["record", "--agent", "generic"], &payload, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, html, _) = fx.aigis(&["report"]);
    assert_eq!(code, 0);
    assert!(
        !html.contains("<img") && !html.contains("<b>tool"),
        "{html}"
    );
    assert!(html.contains("&lt;img src=x&gt;.py"), "{html}");
}
