//! `aigis hooks install AGENT`: writes the agent's hook configuration (project or user level).

use super::*;

pub(super) fn hooks_install(agent: &str, user: bool, dry_run: bool) -> Result<ExitCode, CliError> {
    let agent = parse_agent(agent)?;
    let cwd = std::env::current_dir()?;
    let root = workspace_root(&cwd);
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.clone());
    let path = aigis_core::hook_setup::settings_path(agent, &root, &home, user)
        .ok_or_else(|| CliError("the generic agent has no settings file: call `aigis record --agent generic` from its hooks".into()))?;
    // The project's files are the repository's, which aigis does not trust: a committed
    // `.claude -> ~/.claude` must not redirect the write. (The user's own dotfiles may be links.)
    let confined = |p: &Path| -> Result<(), CliError> {
        if user {
            return Ok(());
        }
        aigis_core::safe_fs::check(&root, p).map_err(|e| CliError(e.to_string()))
    };
    confined(&path)?;
    let current = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(CliError(format!("{}: {e}", path.display()))),
    };
    let next = aigis_core::hook_setup::merged(agent, &current)
        .map_err(|e| CliError(format!("{}: {e}", path.display())))?;
    if next == current {
        println!(
            "{}: aigis hooks already installed; nothing changed",
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if dry_run {
        print!("{}", aigis_core::hook_setup::diff(&path, &current, &next));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = path.parent() {
        if user {
            std::fs::create_dir_all(dir)
        } else {
            aigis_core::safe_fs::create_dir_all(&root, dir)
        }
        .map_err(|e| CliError(format!("{}: {e}", dir.display())))?;
    }
    if !current.is_empty() {
        let backup = path.with_extension("json.aigis-backup");
        confined(&backup)?;
        let _ = std::fs::remove_file(&backup);
        std::fs::write(&backup, &current)
            .map_err(|e| CliError(format!("{}: {e}", backup.display())))?;
        println!("backed up {} to {}", path.display(), backup.display());
    }
    let tmp = path.with_extension("json.aigis-tmp");
    confined(&tmp)?;
    let _ = std::fs::remove_file(&tmp);
    std::fs::write(&tmp, &next)
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(|e| CliError(format!("{}: {e}", path.display())))?;
    println!(
        "installed aigis record/guard hooks for {} in {}",
        agent.name(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
