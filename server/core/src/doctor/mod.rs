//! `aigis doctor`: what works and what to fix, one check a line. Each check says what it found
//! and, when something is missing or broken, the command that fixes it; the first such fix is
//! the next step a new user takes. Nothing here writes a file.
//!
//! A check `fail`s only when something users need is broken (the binary cannot be found by the
//! hooks that call it, `aigis.toml` is invalid, approvals cannot be recorded); what is merely not
//! set up yet (an agent, an editor) is `info` with the command to set it up.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use crate::codeowners::CodeOwners;
use crate::config::Config;
use crate::identity::Identity;
use crate::ledger::Ledger;
use crate::policy::Tier;
use crate::workspace::Workspace;

mod setup;
use setup::{agents, editors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Info,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Info => "info",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// A stable name: `binary`, `config`, `agent.claude-code`, `editor.vscode`...
    pub id: String,
    pub status: Status,
    pub summary: String,
    /// Lines that say more (a ledger line that cannot be read, with its file and line).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// The command or edit that fixes it (or sets it up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn new(id: impl Into<String>, status: Status, summary: impl Into<String>) -> Check {
        Check {
            id: id.into(),
            status,
            summary: summary.into(),
            details: Vec::new(),
            fix: None,
        }
    }

    fn fix(mut self, fix: impl Into<String>) -> Check {
        self.fix = Some(fix.into());
        self
    }

    fn details(mut self, details: Vec<String>) -> Check {
        self.details = details;
        self
    }
}

/// Where doctor looks: the workspace and the user's directories, passed in so that tests (and
/// a user's odd setup) decide them, not the process environment.
#[derive(Debug, Clone)]
pub struct Environment {
    pub root: PathBuf,
    pub home: Option<PathBuf>,
    /// `$XDG_CONFIG_HOME`, else `~/.config`.
    pub config_home: Option<PathBuf>,
    /// `$XDG_DATA_HOME`, else `~/.local/share`.
    pub data_home: Option<PathBuf>,
    /// `$PATH`.
    pub path: Option<std::ffi::OsString>,
    /// This binary's version line (`0.1.0 (abc1234)`) and where it runs from.
    pub version: String,
    pub exe: Option<PathBuf>,
}

impl Environment {
    /// The process's own environment, for `root`.
    pub fn of_process(root: &Path, version: &str) -> Environment {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        let xdg = |var: &str, default: &str| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(default)))
        };
        Environment {
            root: root.to_path_buf(),
            config_home: xdg("XDG_CONFIG_HOME", ".config"),
            data_home: xdg("XDG_DATA_HOME", ".local/share"),
            home: home.clone(),
            path: std::env::var_os("PATH"),
            version: version.to_string(),
            exe: std::env::current_exe().ok(),
        }
    }
}

/// Every check, in the order a new user meets them.
pub fn run(env: &Environment) -> Vec<Check> {
    // The agents are checked first: whether any hook is installed decides how much a missing
    // `aigis` on the PATH matters.
    let agents = agents(env);
    let hooks_installed = agents
        .iter()
        .any(|c| c.status == Status::Ok || c.status == Status::Warn);
    let (config_check, config) = config(&env.root);
    let has_config = config.is_some();
    let workspace = Workspace::with_config(&env.root, config.unwrap_or_default());
    let mut out = vec![
        binary(env),
        on_path(env, hooks_installed),
        git_repo(&env.root),
        config_check,
        identity(&env.root, &workspace),
        codeowners(&env.root),
        reviewers(&workspace, has_config),
        ledger(&env.root),
    ];
    out.extend(agents);
    out.extend(editors(env));
    out.push(index_cache(&env.root));
    out
}

/// The step to take next: the fix of the worst check, first in order among equals.
pub fn next_step(checks: &[Check]) -> Option<&Check> {
    [Status::Fail, Status::Warn, Status::Info]
        .into_iter()
        .find_map(|s| checks.iter().find(|c| c.status == s && c.fix.is_some()))
}

pub fn broken(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.status == Status::Fail)
}

fn index_cache(root: &Path) -> Check {
    use crate::index::{CacheState, IndexCache};
    match IndexCache::state(root) {
        CacheState::Off => Check::new("index", Status::Info, "index cache off (AIGIS_CACHE_DIR=off): every start indexes the whole workspace"),
        CacheState::Missing(path) => Check::new(
            "index",
            Status::Info,
            format!("no index cache yet ({}): the language server's first start writes it", path.display()),
        ),
        CacheState::Usable { path, files, bytes } => Check::new(
            "index",
            Status::Ok,
            format!(
                "index cache usable: {files} files, {:.1} MB at {}",
                bytes as f64 / 1e6,
                path.display()
            ),
        ),
        CacheState::Unusable { path, why } => Check::new(
            "index",
            Status::Warn,
            format!("index cache {} cannot be used ({why}): the next start discards it and indexes everything", path.display()),
        )
        .fix(format!("nothing to do, or remove {} to reclaim the space now", path.display())),
    }
}

fn binary(env: &Environment) -> Check {
    let at = env
        .exe
        .as_ref()
        .map(|p| format!(" at {}", p.display()))
        .unwrap_or_default();
    Check::new("binary", Status::Ok, format!("aigis {}{at}", env.version))
}

/// Hooks, editors and MCP registrations run `aigis` by name: it must be on the PATH, and be this
/// version.
fn on_path(env: &Environment, hooks_installed: bool) -> Check {
    let found = env.path.as_ref().and_then(|p| {
        std::env::split_paths(p)
            .map(|d| d.join(if cfg!(windows) { "aigis.exe" } else { "aigis" }))
            .find(|f| f.is_file())
    });
    let Some(found) = found else {
        let status = if hooks_installed {
            Status::Fail
        } else {
            Status::Warn
        };
        return Check::new(
            "path",
            status,
            "`aigis` is not on the PATH: agent hooks, the MCP registrations and the editors call it by name",
        )
        .fix("cargo install --path server/cli (or put the release binary in a folder on your PATH)");
    };
    let same = env
        .exe
        .as_ref()
        .zip(found.canonicalize().ok())
        .is_some_and(|(exe, f)| exe.canonicalize().ok().as_ref() == Some(&f));
    if same {
        return Check::new(
            "path",
            Status::Ok,
            format!("`aigis` on the PATH is this binary ({})", found.display()),
        );
    }
    let theirs = Command::new(&found)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let ours_version = env.version.split_whitespace().next().unwrap_or_default();
    let theirs_version = theirs.split_whitespace().nth(1).unwrap_or_default();
    if theirs_version == ours_version {
        Check::new(
            "path",
            Status::Ok,
            format!("`aigis` on the PATH: {} ({theirs})", found.display()),
        )
    } else {
        Check::new(
            "path",
            Status::Warn,
            format!(
                "`aigis` on the PATH ({}) is {}, not this {}: hooks and editors run that one",
                found.display(),
                if theirs.is_empty() {
                    "not a working aigis".to_string()
                } else {
                    theirs
                },
                ours_version
            ),
        )
        .fix(format!("replace {} with this version", found.display()))
    }
}

fn git_repo(root: &Path) -> Check {
    match crate::git::run(root, &["rev-parse", "--show-toplevel"]) {
        Ok(top) => Check::new(
            "git",
            Status::Ok,
            format!("git repository at {}", String::from_utf8_lossy(&top).trim()),
        ),
        Err(e) if e.contains("not a git repository") => Check::new(
            "git",
            Status::Warn,
            format!("{} is not in a git repository: `scan --base`, history, blame and approvals need one", root.display()),
        )
        .fix("git init"),
        Err(e) => Check::new("git", Status::Fail, format!("git cannot run here: {e}"))
            .fix("install git"),
    }
}

fn config(root: &Path) -> (Check, Option<Config>) {
    let path = root.join(Config::FILE);
    if !path.exists() {
        return (
            Check::new(
                "config",
                Status::Info,
                "no aigis.toml: the defaults apply (reviews tiered by risk; seniors from CODEOWNERS)",
            )
            .fix("write aigis.toml with a [review] senior list (see the README's aigis.toml section)"),
            None,
        );
    }
    match Config::load(root) {
        Ok(c) => (
            Check::new("config", Status::Ok, format!("{} is valid", path.display())),
            Some(c),
        ),
        Err(e) => (
            Check::new("config", Status::Fail, e.to_string())
                .fix(format!("fix {} at the line named above", Config::FILE)),
            None,
        ),
    }
}

fn identity(root: &Path, ws: &Workspace) -> Check {
    let me = Identity::of_workspace(root);
    if !me.is_known() || me.email.is_empty() {
        return Check::new(
            "identity",
            Status::Fail,
            "git user.email is not set here: review requests and approvals are recorded under your git identity",
        )
        .fix("git config user.name \"Your Name\" && git config user.email you@example.com");
    }
    let level = ws
        .config
        .team
        .as_ref()
        .map(|t| format!(", {} per [team]", t.level_of(&me).as_str()))
        .unwrap_or_default();
    Check::new("identity", Status::Ok, format!("git identity {me}{level}"))
}

fn codeowners(root: &Path) -> Check {
    let Some((path, text)) = CodeOwners::find(root) else {
        return Check::new(
            "codeowners",
            Status::Info,
            "no CODEOWNERS file (CODEOWNERS, .github/ or docs/): seniors come from aigis.toml alone",
        );
    };
    let owners = CodeOwners::parse(root, &text);
    let details: Vec<String> = owners
        .warnings
        .iter()
        .map(|(line, why)| format!("{path}:{line}: {why}"))
        .collect();
    let summary = format!(
        "{path}: {} rules{}",
        owners.rule_count(),
        if details.is_empty() {
            String::new()
        } else {
            format!(", {} lines skipped", details.len())
        }
    );
    if details.is_empty() {
        Check::new("codeowners", Status::Ok, summary)
    } else {
        Check::new("codeowners", Status::Warn, summary)
            .details(details)
            .fix(format!("fix the lines of {path} listed above"))
    }
}

fn reviewers(ws: &Workspace, has_config: bool) -> Check {
    let named = |tier| ws.reviewers_for("", tier);
    let seniors = named(Tier::Senior);
    let from_codeowners = ws.codeowners_present()
        && ws
            .config
            .review
            .as_ref()
            .is_none_or(|r| r.senior.is_empty())
        && ws.config.team.as_ref().is_none_or(|t| t.senior.is_empty());
    if seniors.is_empty() && !from_codeowners {
        let fix = if has_config {
            "add `[review] senior = [\"you@example.com\"]` to aigis.toml"
        } else {
            "write aigis.toml with `[review] senior = [\"you@example.com\"]`, or a CODEOWNERS file"
        };
        return Check::new(
            "reviewers",
            Status::Warn,
            "nobody may approve a senior-tier region (no [review] senior, [team] senior or CODEOWNERS): `scan` fails on every critical AI change until someone is listed",
        )
        .fix(fix);
    }
    let who = if from_codeowners {
        "the owners CODEOWNERS names for each path".to_string()
    } else {
        seniors.join(", ")
    };
    Check::new(
        "reviewers",
        Status::Ok,
        format!(
            "senior tier approved by {who}; peer tier by {}",
            named(Tier::Peer)
                .join(", ")
                .replace('*', "anyone but the author")
        ),
    )
}

fn ledger(root: &Path) -> Check {
    let ledger = Ledger::new(root);
    if !ledger.dir().exists() {
        return Check::new(
            "ledger",
            Status::Info,
            format!(
                "no ledger yet ({}/): agents' hooks and the editor write it when an AI edits",
                crate::ledger::DIR
            ),
        );
    }
    if let Err(e) = crate::safe_fs::check(root, ledger.dir()) {
        return Check::new(
            "ledger",
            Status::Fail,
            format!("the ledger cannot be read: {e}"),
        )
        .fix(format!(
            "make {} a plain folder of the repository",
            crate::ledger::DIR
        ));
    }
    let regions = ledger.tracked_files();
    let reviews = ledger.reviewed_files();
    let mut details = Vec::new();
    for file in &regions {
        match ledger.snapshot(file) {
            Ok((_, warnings)) => details.extend(warnings.iter().map(|w| w.to_string())),
            Err(e) => details.push(e.to_string()),
        }
    }
    for file in &reviews {
        match ledger.reviews(file) {
            Ok((_, warnings)) => details.extend(warnings.iter().map(|w| w.to_string())),
            Err(e) => details.push(e.to_string()),
        }
    }
    let summary = format!(
        "ledger readable: regions for {} files, reviews for {} files{}",
        regions.len(),
        reviews.len(),
        if details.is_empty() {
            String::new()
        } else {
            format!(
                "; {} lines cannot be read (kept as they are, ignored)",
                details.len()
            )
        }
    );
    if details.is_empty() {
        Check::new("ledger", Status::Ok, summary)
    } else {
        Check::new("ledger", Status::Warn, summary)
            .details(details)
            .fix("look at the ledger lines listed above (a bad merge or a hand edit); `git log -p` on them shows who wrote them")
    }
}
