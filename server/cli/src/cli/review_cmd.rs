//! `aigis review request|approve|status` and `FILE:LINE` locations.

use super::*;

/// `FILE:LINE` → (absolute file, one-based line).
pub(super) fn parse_location(loc: &str) -> Result<(PathBuf, usize), CliError> {
    let (file, line) = loc
        .rsplit_once(':')
        .ok_or_else(|| CliError(format!("expected FILE:LINE, got {loc:?}")))?;
    let line: usize = line
        .parse()
        .ok()
        .filter(|l| *l >= 1)
        .ok_or_else(|| CliError(format!("{line:?} is not a line number (lines start at 1)")))?;
    Ok((std::env::current_dir()?.join(file), line))
}

/// A file with its regions from the ledger and history, analysed (`engine::open_file`); the
/// ledger's warnings go to stderr.
pub(super) fn open_tracked(
    ws: &Workspace,
    path: &Path,
) -> Result<aigis_core::engine::OpenedFile, CliError> {
    let opened = aigis_core::engine::open_file(ws, path).map_err(CliError)?;
    for w in &opened.warnings {
        eprintln!("warning: {w}");
    }
    Ok(opened)
}

pub(super) fn review_command(action: ReviewAction) -> Result<ExitCode, CliError> {
    match action {
        ReviewAction::Request { location, base } => region_action(&location, false, base),
        ReviewAction::Approve { location, base } => region_action(&location, true, base),
        ReviewAction::Status { file } => {
            let cwd = std::env::current_dir()?;
            let target = file.map(|f| cwd.join(f)).unwrap_or(cwd.clone());
            let ws = Workspace::open(&workspace_root(&target))?;
            let report = scan::scan(
                &ws,
                &ScanOptions {
                    plan: None,
                    paths: vec![target],
                    all: false,
                    base: None,
                    verify_approvals: false,
                },
            )?;
            for r in &report.regions {
                let a = &r.assessment;
                println!(
                    "{}:{}-{}  {}  tier {}  review {}{}{}",
                    r.file,
                    r.lines[0],
                    r.lines[1],
                    a.region.id,
                    a.risk.tier.as_str(),
                    a.review.state.as_str(),
                    a.review.by_suffix(),
                    if a.review.stale {
                        " (stale approval)"
                    } else {
                        ""
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn region_action(
    location: &str,
    approve: bool,
    base: Option<String>,
) -> Result<ExitCode, CliError> {
    let (path, line) = parse_location(location)?;
    let ws = Workspace::open(&workspace_root(&path))?;
    let (a, rel, lines) = match base {
        // As CI sees the change: its regions, tampered ones included.
        Some(rev) => {
            let abs = path
                .canonicalize()
                .map_err(|e| CliError(format!("{}: {e}", path.display())))?;
            let rel = ws.relative(&abs).ok_or_else(|| {
                CliError(format!(
                    "{} is outside the workspace {}",
                    path.display(),
                    ws.root.display()
                ))
            })?;
            let report = scan::scan(
                &ws,
                &ScanOptions {
                    plan: None,
                    paths: vec![abs],
                    all: false,
                    base: Some(rev.clone()),
                    verify_approvals: false,
                },
            )?;
            let r = report
                .regions
                .into_iter()
                .find(|r| r.file == rel && r.lines[0] <= line && line <= r.lines[1])
                .ok_or_else(|| {
                    CliError(format!("no AI region changed since {rev} at {rel}:{line}"))
                })?;
            (r.assessment, rel, r.lines)
        }
        None => {
            let opened = open_tracked(&ws, &path)?;
            let (file, rel) = (opened.file, opened.rel);
            let (a, lines) = review::find(&file, &ws, review::RegionAt::Line(line))
                .ok_or_else(|| CliError(format!("no AI region at {rel}:{line}")))?;
            (a, rel, lines)
        }
    };
    let action = if approve {
        review::Action::Approve
    } else {
        review::Action::Request
    };
    let result = review::act(&ws, &rel, &a, lines, action);
    match result {
        Ok((_, who)) if approve => {
            println!(
                "approved {} ({rel}:{}-{}) as {who}",
                a.region.id, lines[0], lines[1]
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(_) => {
            println!(
                "requested {} review of {} ({rel}:{}-{}) from {}",
                a.risk.tier.as_str(),
                a.region.id,
                lines[0],
                lines[1],
                ws.reviewers_for(&rel, a.risk.tier).join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(review::ReviewError::Refused(why)) => {
            eprintln!("aigis: approval refused: {why}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(CliError(e.to_string())),
    }
}
