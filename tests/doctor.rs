//! `aigis doctor` as a new user meets it: a fresh clone of a scripted repository, a home folder
//! of its own (editors, agents), a PATH that does or does not hold `aigis`; then each broken
//! thing it must name with its line, and the exit code that CI reads.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Fixture, BIN};
use serde_json::Value;

/// A user's world apart from the machine's: a home folder, and a PATH with git and, when asked,
/// `aigis`.
struct User {
    home: tempfile::TempDir,
    bin: tempfile::TempDir,
}

impl User {
    fn new(with_aigis: bool) -> User {
        let user = User {
            home: tempfile::tempdir().unwrap(),
            bin: tempfile::tempdir().unwrap(),
        };
        let git = which("git");
        std::os::unix::fs::symlink(git, user.bin.path().join("git")).unwrap();
        if with_aigis {
            std::os::unix::fs::symlink(BIN, user.bin.path().join("aigis")).unwrap();
        }
        user
    }

    fn home(&self) -> &Path {
        self.home.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.home().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn run(&self, fx: &Fixture, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(fx.root())
            .env_clear()
            .env("HOME", self.home())
            .env("PATH", self.bin.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn doctor(&self, fx: &Fixture) -> (i32, String) {
        let (code, out, err) = self.run(fx, &["doctor"]);
        assert!(err.is_empty(), "{err}");
        (code, out)
    }

    fn json(&self, fx: &Fixture) -> (i32, Value) {
        let (code, out, err) = self.run(fx, &["doctor", "--format", "json"]);
        assert!(err.is_empty(), "{err}");
        (code, serde_json::from_str(&out).expect(&out))
    }
}

fn which(tool: &str) -> PathBuf {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .unwrap();
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

fn line<'a>(out: &'a str, id: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(id))
        .unwrap_or_else(|| panic!("no line for {id} in\n{out}"))
}

fn next(out: &str) -> &str {
    out.lines()
        .find_map(|l| l.strip_prefix("next: "))
        .unwrap_or_else(|| panic!("no next step in\n{out}"))
}

/// A scripted repository, cloned fresh: doctor walks a new user through the setup one next
/// step at a time, and says nothing is left when it is all done.
#[test]
fn a_fresh_clone_is_told_the_next_step_until_nothing_is_left() {
    let origin = Fixture::new(&[("src/ops.py", "import boto3\n")]);
    origin.commit_as(("Ann", "ann@example.com"), "start");
    let fx = Fixture::new(&[]);
    std::fs::remove_dir_all(fx.root().join(".git")).unwrap();
    let out = Command::new("git")
        .args(["clone", "-q"])
        .arg(origin.root())
        .arg(fx.root())
        .output()
        .unwrap();
    assert!(out.status.success());
    fx.set_identity("Bob Builder", "bob@example.com");

    let user = User::new(false);
    let (code, out) = user.doctor(&fx);
    assert_eq!(code, 0, "nothing is broken yet:\n{out}");
    assert!(line(&out, "binary").contains(env!("CARGO_PKG_VERSION")));
    assert!(line(&out, "path").starts_with("warn"), "{out}");
    assert!(line(&out, "git").starts_with("ok"), "{out}");
    assert!(line(&out, "identity").contains("bob@example.com"), "{out}");
    assert!(line(&out, "reviewers").starts_with("warn"), "{out}");
    assert!(next(&out).contains("cargo install"), "{out}");
    assert!(
        line(&out, "index").starts_with("info") && out.contains("no index cache yet"),
        "{out}"
    );

    // The step it named, then the next one, until none is left.
    let user = User::new(true);
    let (_, out) = user.doctor(&fx);
    assert!(line(&out, "path").starts_with("ok"), "{out}");
    assert!(next(&out).contains("[review] senior"), "{out}");
    fx.write("aigis.toml", "[review]\nsenior = [\"ann@example.com\"]\n");
    let (code, out) = user.doctor(&fx);
    assert_eq!(code, 0);
    assert!(line(&out, "config").starts_with("ok"), "{out}");
    assert!(line(&out, "reviewers").contains("ann@example.com"), "{out}");
    assert!(line(&out, "path").starts_with("ok"), "{out}");
    assert!(next(&out).contains("aigis hooks install AGENT"), "{out}");

    let (code, _, err) = user.run(&fx, &["hooks", "install", "claude-code"]);
    assert_eq!(code, 0, "{err}");
    let (_, out) = user.doctor(&fx);
    assert!(
        line(&out, "agent.claude-code").contains("installed and current"),
        "{out}"
    );
    assert!(
        line(&out, "agents").contains("cursor") && !line(&out, "agents").contains("claude"),
        "{out}"
    );

    // An editor of each kind, found where users put them.
    user.write(
        ".vscode/extensions/aigis.aigis-0.1.0-linux-x64/package.json",
        "{}",
    );
    user.write(
        ".config/nvim/lua/plugins/review.lua",
        "return { dir = '~/src/aigis/editors/nvim', config = function() require('aigis').setup() end }\n",
    );
    user.write(
        ".config/helix/languages.toml",
        "[language-server.aigis]\ncommand = \"aigis\"\nargs = [\"lsp\"]\n",
    );
    let (_, report) = user.json(&fx);
    for id in ["editor.vscode", "editor.neovim", "editor.helix"] {
        assert_eq!(check(&report, id)["status"], "ok", "{report:#}");
    }
    assert!(check(&report, "editor.vscode")["summary"]
        .as_str()
        .unwrap()
        .contains("0.1.0-linux-x64"));
    assert_eq!(report["ok"], true);

    for agent in ["cursor", "codex", "gemini", "copilot", "kiro"] {
        let (code, _, err) = user.run(&fx, &["hooks", "install", agent]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, out) = user.doctor(&fx);
    assert_eq!(code, 0);
    assert!(!out.contains("\nwarn") && !out.contains("\nfail"), "{out}");
    assert!(
        out.contains("next: nothing to do"),
        "every agent and editor is set up:\n{out}"
    );
}

/// Each broken thing is a `fail` (exit 1) or a `warn`, named with its file and line, and the
/// fix is the next step.
#[test]
fn broken_things_are_named_with_their_file_and_line() {
    let fx = Fixture::new(&[
        ("aigis.toml", "[review]\nsenior = [\"ann@example.com\"]\n"),
        ("CODEOWNERS", "# owners\n* @platform\ninfra/ alice\n"),
        (
            ".aigis/regions/src/ops.py.jsonl",
            "{\"not\": \"a snapshot\"\n{}\n",
        ),
    ]);
    let user = User::new(true);
    let (code, report) = user.json(&fx);
    assert_eq!(code, 0, "warnings only: {report:#}");
    let ledger = check(&report, "ledger");
    assert_eq!(ledger["status"], "warn", "{report:#}");
    assert!(
        ledger["details"][0]
            .as_str()
            .unwrap()
            .contains(".aigis/regions/src/ops.py.jsonl:1"),
        "{ledger:#}"
    );
    let owners = check(&report, "codeowners");
    assert_eq!(owners["status"], "warn");
    assert!(owners["details"][0]
        .as_str()
        .unwrap()
        .starts_with("CODEOWNERS:3: `alice`"));

    // An invalid aigis.toml: fail, with its line, and the fix first.
    fx.write("aigis.toml", "[review]\nsenior = \"ann\"\n");
    let (code, out) = user.doctor(&fx);
    assert_eq!(code, 1, "{out}");
    assert!(line(&out, "config").starts_with("fail"), "{out}");
    assert!(line(&out, "config").contains("line 2"), "{out}");
    assert!(next(&out).contains("aigis.toml"), "{out}");
    fx.write("aigis.toml", "");

    // No git identity: approvals cannot be recorded.
    fx.git(&["config", "--unset", "user.email"]);
    fx.git(&["config", "--unset", "user.name"]);
    let (code, out) = user.doctor(&fx);
    assert_eq!(code, 1, "{out}");
    assert!(line(&out, "identity").starts_with("fail"), "{out}");
    assert!(next(&out).contains("git config user.email"), "{out}");
    fx.set_identity("Bob Builder", "bob@example.com");

    // An agent's settings that are not JSON: installing would refuse, so doctor fails it.
    fx.write(".claude/settings.json", "{ broken");
    let (code, report) = user.json(&fx);
    assert_eq!(code, 1);
    let claude = check(&report, "agent.claude-code");
    assert_eq!(claude["status"], "fail");
    assert!(claude["summary"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    std::fs::remove_file(fx.path(".claude/settings.json")).unwrap();

    // Hooks installed by an older version (a command that changed): a warning with the fix.
    let (code, _, err) = user.run(&fx, &["hooks", "install", "gemini"]);
    assert_eq!(code, 0, "{err}");
    let settings = fx
        .read(".gemini/settings.json")
        .replace("write_file|replace|run_shell_command", "write_file");
    fx.write(".gemini/settings.json", &settings);
    let (_, report) = user.json(&fx);
    let gemini = check(&report, "agent.gemini");
    assert_eq!(gemini["status"], "warn", "{report:#}");
    assert!(gemini["fix"]
        .as_str()
        .unwrap()
        .contains("aigis hooks install gemini"));

    // Hooks installed but `aigis` not on the PATH: every hook would fail.
    let no_aigis = User::new(false);
    let (code, out) = no_aigis.doctor(&fx);
    assert_eq!(code, 1, "{out}");
    assert!(line(&out, "path").starts_with("fail"), "{out}");

    // A linked ledger is refused, not read.
    std::fs::remove_dir_all(fx.path(".aigis")).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), fx.path(".aigis")).unwrap();
    let (code, report) = user.json(&fx);
    assert_eq!(code, 1);
    assert_eq!(check(&report, "ledger")["status"], "fail", "{report:#}");

    // Outside a git repository: a warning, and `doctor --root` on a folder that is not one.
    let plain = tempfile::tempdir().unwrap();
    let (code, out, _) = user.run(&fx, &["doctor", "--root", plain.path().to_str().unwrap()]);
    assert!(line(&out, "git").starts_with("warn"), "{out}");
    assert_eq!(code, 1, "no identity outside a repository either:\n{out}");
    let (code, _, err) = user.run(&fx, &["doctor", "--root", "/nonexistent/folder"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a folder"), "{err}");
}

/// A broken Helix configuration is a warning that names the file; it does not stop doctor.
#[test]
fn a_broken_editor_configuration_is_a_warning() {
    let fx = Fixture::new(&[]);
    let user = User::new(true);
    user.write(".config/helix/languages.toml", "[language-server.aigis\n");
    let (code, report) = user.json(&fx);
    assert_eq!(code, 0);
    let helix = check(&report, "editor.helix");
    assert_eq!(helix["status"], "warn");
    assert!(helix["details"][0]
        .as_str()
        .unwrap()
        .contains("languages.toml: not valid TOML"));
}

/// The repository's own `.helix/languages.toml` is not read through a link (a committed link
/// could point at any file, or a pipe that never ends).
#[test]
fn a_linked_editor_configuration_in_the_repository_is_not_followed() {
    let fx = Fixture::new(&[]);
    let user = User::new(true);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("languages.toml"),
        "[language-server.aigis]\ncommand = \"aigis\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(fx.path(".helix")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("languages.toml"),
        fx.path(".helix/languages.toml"),
    )
    .unwrap();
    // Not read through the link: Helix counts as not set up here, and doctor still answers.
    let helix_not_read = || {
        let (code, report) = user.json(&fx);
        assert_eq!(code, 0);
        assert_eq!(
            check(&report, "editor.helix")["status"],
            "info",
            "{report:#}"
        );
    };
    helix_not_read();
    // A named pipe in its place does not hang doctor.
    std::fs::remove_file(fx.path(".helix/languages.toml")).unwrap();
    let made = Command::new("mkfifo")
        .arg(fx.path(".helix/languages.toml"))
        .status()
        .unwrap();
    assert!(made.success());
    helix_not_read();
}
