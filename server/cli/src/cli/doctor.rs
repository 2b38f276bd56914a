//! `aigis doctor`: prints the core's checks, one a line, and the next step to take.

use super::*;

use aigis_core::doctor::{self, Environment, Status};

pub(super) fn doctor_command(
    root: Option<PathBuf>,
    format: BlameFormat,
) -> Result<ExitCode, CliError> {
    let cwd = std::env::current_dir()?;
    let start = match root {
        Some(r) => cwd.join(r),
        None => cwd,
    };
    if !start.is_dir() {
        return Err(CliError(format!("{} is not a folder", start.display())));
    }
    let root = workspace_root(&start);
    let version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("AIGIS_COMMIT"), ")");
    let checks = doctor::run(&Environment::of_process(&root, version));
    let next = doctor::next_step(&checks);
    let broken = doctor::broken(&checks);
    match format {
        BlameFormat::Json => {
            let out = serde_json::json!({
                "version": 1,
                "root": root,
                "ok": !broken,
                "checks": checks,
                "next": next.and_then(|c| c.fix.clone()),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        BlameFormat::Text => {
            let color = color_wanted();
            let paint = |status: Status| {
                let word = format!("{:<4}", status.as_str());
                let code = match status {
                    Status::Ok => "32",
                    Status::Info => "36",
                    Status::Warn => "33",
                    Status::Fail => "31",
                };
                if color {
                    format!("\x1b[{code}m{word}\x1b[0m")
                } else {
                    word
                }
            };
            let mut out = format!("aigis doctor: {}\n", root.display());
            for c in &checks {
                out.push_str(&format!(
                    "{}  {:<18} {}\n",
                    paint(c.status),
                    c.id,
                    c.summary
                ));
                for d in &c.details {
                    out.push_str(&format!("{:24}  {d}\n", ""));
                }
                if c.status != Status::Ok {
                    if let Some(fix) = &c.fix {
                        out.push_str(&format!("{:24}  fix: {fix}\n", ""));
                    }
                }
            }
            match next {
                Some(c) => {
                    out.push_str(&format!("next: {}\n", c.fix.as_deref().unwrap_or_default()))
                }
                None => out.push_str("next: nothing to do; everything aigis needs is in place\n"),
            }
            print!("{out}");
        }
    }
    Ok(if broken {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
