//! `aigis blame FILE:LINE`: who wrote a line (human or which AI), from the ledger and history.

use super::*;

pub(super) fn blame_command(location: &str, format: BlameFormat) -> Result<ExitCode, CliError> {
    let cwd = std::env::current_dir()?;
    let (file, only) = match location.rsplit_once(':') {
        Some((f, l)) if l.chars().all(|c| c.is_ascii_digit()) && !l.is_empty() => {
            let (path, line) = parse_location(location)?;
            let _ = f;
            (path, Some(line))
        }
        _ => (cwd.join(location), None),
    };
    let ws = Workspace::open(&workspace_root(&file))?;
    let opened = open_tracked(&ws, &file)?;
    let rows: Vec<serde_json::Value> =
        aigis_core::engine::blame_rows(&ws, &opened, only.map(|l| (l, l)))
            .map_err(CliError)?
            .into_iter()
            .map(|r| serde_json::to_value(r).unwrap_or_default())
            .collect();
    let rel = opened.rel;
    match format {
        BlameFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "file": rel, "lines": rows }))?
        ),
        BlameFormat::Text => {
            for r in &rows {
                let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
                let who = if r["ai"] == true {
                    let model = s("model");
                    format!(
                        "AI     {}{} ({}, {}){}",
                        s("tool"),
                        if model.is_empty() {
                            String::new()
                        } else {
                            format!("/{model}")
                        },
                        s("source"),
                        s("confidence"),
                        if s("session").is_empty() {
                            String::new()
                        } else {
                            format!(" session {}", s("session"))
                        }
                    )
                } else {
                    "human ".to_string()
                };
                let commit = r["commit"]
                    .as_str()
                    .map(|c| format!("{} {}", &c[..8.min(c.len())], s("author")))
                    .unwrap_or_else(|| "uncommitted".into());
                let review = match r["review"]["state"].as_str() {
                    Some("none") | None => String::new(),
                    Some(st) => format!(
                        "  review {st}{}",
                        r["review"]["by"]
                            .as_str()
                            .map(|b| format!(" by {b}"))
                            .unwrap_or_default()
                    ),
                };
                println!("{:>5}  {who}  {commit}{review}  | {}", r["line"], s("text"));
                for c in r["context"].as_array().into_iter().flatten() {
                    println!("       (also: {})", c.as_str().unwrap_or(""));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
