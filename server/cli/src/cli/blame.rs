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
    let aigis_core::engine::OpenedFile {
        file: tracked,
        rel,
        history,
        ..
    } = open_tracked(&ws, &file)?;
    let assessments = tracked.assessments(Some(&ws));
    let text = tracked.doc.text();
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&s| s < text.len())
        .collect();
    if let Some(l) = only {
        if l > starts.len() {
            return Err(CliError(format!(
                "{rel} has {} lines; there is no line {l}",
                starts.len()
            )));
        }
    }
    let mut rows = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let line = i + 1;
        if only.is_some_and(|l| l != line) {
            continue;
        }
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        let code = text[s..e].trim_end_matches(['\n', '\r']);
        let origin = history.get(i);
        let a = assessments
            .iter()
            .find(|a| a.region.overlaps(s, e.max(s + 1)));
        let mut context: Vec<String> = origin.map(|o| o.context.clone()).unwrap_or_default();
        if let (Some(a), Some(h)) = (a, origin.and_then(|o| o.ai.as_ref())) {
            if a.region.source != h.source {
                context.push(format!("{}: {}", h.source.as_str(), h.tool));
            }
        }
        let commit = origin
            .map(|o| o.commit.clone())
            .filter(|c| c != aigis_core::history::UNCOMMITTED);
        rows.push(serde_json::json!({
            "line": line,
            "ai": a.is_some(),
            "tool": a.map(|a| a.region.provenance.tool.clone()),
            "model": a.and_then(|a| a.region.provenance.model.clone()),
            "session": a.and_then(|a| a.region.provenance.session.clone()),
            "source": a.map(|a| a.region.source.as_str()),
            "confidence": a.map(|a| a.region.source.confidence().as_str()),
            "regionId": a.map(|a| a.region.id.clone()),
            "commit": commit,
            "author": origin.map(|o| o.author.clone()),
            "review": a.map(|a| serde_json::json!({ "state": a.review.state.as_str(), "by": a.review.by, "at": a.review.at, "tier": a.risk.tier.as_str() })),
            "context": context,
            "text": code,
        }));
    }
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
