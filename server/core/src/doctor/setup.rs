//! The checks of what is set up outside the repository's own files: each agent's hooks and MCP
//! registration (compared with what `aigis hooks install` would write now), and the editors'
//! integrations where users put them.

use std::path::{Path, PathBuf};

use super::{Check, Environment, Status};
use crate::agents::Agent;

/// Each agent's hooks and MCP registration: current, out of date, broken, or not installed.
pub(super) fn agents(env: &Environment) -> Vec<Check> {
    let home = env.home.clone().unwrap_or_else(|| env.root.clone());
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for name in Agent::NAMES {
        let Some(agent) = Agent::parse(name).filter(|a| *a != Agent::Generic) else {
            continue;
        };
        let id = format!("agent.{name}");
        let fix = format!("aigis hooks install {name}");
        let project = crate::hook_setup::plan(agent, &env.root, &home, false);
        let edits = match project {
            Ok(e) => e,
            Err(e) => {
                out.push(
                    Check::new(id, Status::Fail, e).fix(format!("fix the file, then run `{fix}`")),
                );
                continue;
            }
        };
        let user = crate::hook_setup::plan(agent, &env.root, &home, true).unwrap_or_default();
        let user_current = !user.is_empty() && user.iter().all(|e| e.is_current());
        let files = |edits: &[crate::hook_setup::SetupEdit]| {
            edits
                .iter()
                .map(|e| {
                    let p = e.path.strip_prefix(&env.root).unwrap_or(&e.path);
                    p.display().to_string()
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let check = if edits.iter().all(|e| e.is_current()) {
            Check::new(
                id,
                Status::Ok,
                format!(
                    "{name}: hooks and `aigis mcp` installed and current ({})",
                    files(&edits)
                ),
            )
        } else if edits.first().is_some_and(|e| e.mentions_aigis()) {
            // The hook settings (always first) decide: an MCP file may be another agent's too.
            let stale: Vec<_> = edits.iter().filter(|e| !e.is_current()).cloned().collect();
            Check::new(
                id,
                Status::Warn,
                format!(
                    "{name}: installed, but {} differ from what this version writes",
                    files(&stale)
                ),
            )
            .fix(format!("{fix} (`--dry-run` shows the difference)"))
        } else if user_current {
            Check::new(id, Status::Ok, format!("{name}: hooks installed for the user ({}); `aigis mcp` not registered for this project", files(&user)))
                .fix(fix)
        } else {
            missing.push(name);
            continue;
        };
        out.push(check);
    }
    if !missing.is_empty() {
        let first = if out.is_empty() {
            "no agent's hooks installed"
        } else {
            "not installed"
        };
        out.push(
            Check::new(
                "agents",
                Status::Info,
                format!("{first}: {}", missing.join(", ")),
            )
            .fix(format!(
                "aigis hooks install AGENT (one of {}) for the agents you use",
                missing.join(", ")
            )),
        );
    }
    out
}

pub(super) fn editors(env: &Environment) -> Vec<Check> {
    vec![vscode(env), neovim(env), helix(env)]
}

fn vscode(env: &Environment) -> Check {
    let Some(home) = &env.home else {
        return Check::new(
            "editor.vscode",
            Status::Info,
            "no home folder to look for VS Code in",
        );
    };
    let dirs = [
        ".vscode/extensions",
        ".vscode-server/extensions",
        ".vscode-insiders/extensions",
        ".vscode-oss/extensions",
        ".cursor/extensions",
        ".windsurf/extensions",
        ".local/share/code-server/extensions",
    ];
    let mut found = Vec::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(home.join(d)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_lowercase();
            if let Some(version) = name.strip_prefix("aigis.aigis-") {
                found.push(format!("{version} in ~/{d}"));
            }
        }
    }
    if found.is_empty() {
        Check::new("editor.vscode", Status::Info, "VS Code extension not found")
            .fix("code --install-extension aigis-<platform>.vsix (from the release; see the README's Install section)")
    } else {
        Check::new(
            "editor.vscode",
            Status::Ok,
            format!("VS Code extension {}", found.join("; ")),
        )
    }
}

fn neovim(env: &Environment) -> Check {
    let mut places = Vec::new();
    if let Some(data) = &env.data_home {
        let nvim = data.join("nvim");
        for p in [
            "lazy/aigis",
            "site/pack/aigis/start/aigis",
            "site/pack/plugins/start/aigis",
        ] {
            if nvim.join(p).is_dir() {
                places.push(nvim.join(p).display().to_string());
            }
        }
    }
    if let Some(config) = &env.config_home {
        if let Some(file) = file_mentioning(&config.join("nvim"), &["lua", "vim"], "aigis", 4) {
            places.push(format!("configured in {}", file.display()));
        }
    }
    if places.is_empty() {
        Check::new("editor.neovim", Status::Info, "Neovim plugin not found").fix(
            "add the aigis plugin (see the README's Install section: lazy.nvim or editors/nvim)",
        )
    } else {
        Check::new(
            "editor.neovim",
            Status::Ok,
            format!("Neovim: {}", places.join("; ")),
        )
    }
}

fn helix(env: &Environment) -> Check {
    let mut candidates = vec![env.root.join(".helix/languages.toml")];
    if let Some(config) = &env.config_home {
        candidates.push(config.join("helix/languages.toml"));
    }
    let mut details = Vec::new();
    for (i, path) in candidates.into_iter().enumerate() {
        // The repository's own file is read without following a link (it could point
        // anywhere); the user's may be a link into their dotfiles. Neither is read when huge.
        let bytes = if i == 0 {
            crate::safe_fs::read(&env.root, &path).ok().flatten()
        } else {
            std::fs::read(&path).ok()
        };
        let Some(text) = bytes
            .filter(|b| b.len() <= 1 << 20)
            .and_then(|b| String::from_utf8(b).ok())
        else {
            continue;
        };
        match text.parse::<toml::Table>() {
            Ok(t) => {
                let servers = t.get("language-server").and_then(|v| v.as_table());
                let ours = servers.is_some_and(|s| {
                    s.values().any(|v| {
                        v.get("command")
                            .and_then(|c| c.as_str())
                            .is_some_and(|c| c.ends_with("aigis"))
                    })
                });
                if ours {
                    return Check::new(
                        "editor.helix",
                        Status::Ok,
                        format!("Helix: aigis is a language server in {}", path.display()),
                    );
                }
            }
            Err(e) => details.push(format!(
                "{}: not valid TOML ({})",
                path.display(),
                e.message()
            )),
        }
    }
    if details.is_empty() {
        Check::new(
            "editor.helix",
            Status::Info,
            "Helix: aigis is not in languages.toml",
        )
        .fix("merge editors/helix/languages.toml into ~/.config/helix/languages.toml")
    } else {
        Check::new(
            "editor.helix",
            Status::Warn,
            "Helix: languages.toml cannot be read",
        )
        .details(details)
        .fix("fix the languages.toml named above")
    }
}

/// The first file under `dir` (at most `depth` folders down, a bounded number of files, no
/// links followed) with one of `exts` that mentions `needle`.
fn file_mentioning(dir: &Path, exts: &[&str], needle: &str, depth: usize) -> Option<PathBuf> {
    let mut stack = vec![(dir.to_path_buf(), 0)];
    let mut budget = 2_000;
    while let Some((d, level)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            budget -= 1;
            if budget == 0 {
                return None;
            }
            let Ok(kind) = e.file_type() else { continue };
            let p = e.path();
            if kind.is_dir() && level < depth {
                stack.push((p, level + 1));
            } else if kind.is_file()
                && p.extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| exts.contains(&x))
                && e.metadata().is_ok_and(|m| m.len() < 1 << 20)
                && std::fs::read_to_string(&p).is_ok_and(|t| t.contains(needle))
            {
                return Some(p);
            }
        }
    }
    None
}
