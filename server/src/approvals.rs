//! Approvals that cannot be forged: in CI an approval counts only if the commit that added its
//! record to the ledger was authored by a reviewer the policy lists for the region's tier, is
//! the person the record names, and (with `require_signed`) carries a good signature.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use crate::identity::Identity;
use crate::ledger::ReviewEvent;
use crate::policy::Tier;
use crate::workspace::Workspace;

fn git(root: &Path, args: &[&str]) -> Option<std::process::Output> {
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()
}

/// The author of the commit that added each line of a file: line → (commit, author).
fn line_authors(root: &Path, file: &Path) -> HashMap<usize, (String, Identity)> {
    let mut out = HashMap::new();
    let Some(o) = git(
        root,
        &["blame", "--porcelain", "--", &file.to_string_lossy()],
    ) else {
        return out;
    };
    if !o.status.success() {
        return out;
    }
    let text = String::from_utf8_lossy(&o.stdout);
    let mut authors: HashMap<String, Identity> = HashMap::new();
    let mut current: Option<(String, usize)> = None;
    for l in text.lines() {
        if l.starts_with('\t') {
            if let Some((sha, line)) = current.take() {
                out.insert(
                    line,
                    (sha.clone(), authors.get(&sha).cloned().unwrap_or_default()),
                );
            }
            continue;
        }
        let mut parts = l.split(' ');
        let first = parts.next().unwrap_or("");
        if first.len() == 40 && first.bytes().all(|b| b.is_ascii_hexdigit()) {
            let final_line = parts.nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
            current = Some((first.to_string(), final_line));
        } else if let Some((sha, _)) = &current {
            let entry = authors.entry(sha.clone()).or_default();
            if let Some(name) = l.strip_prefix("author ") {
                entry.name = name.to_string();
            } else if let Some(mail) = l.strip_prefix("author-mail ") {
                entry.email = mail.trim_matches(['<', '>']).to_string();
            }
        }
    }
    out
}

/// Keeps the approvals that count; returns the others' problems by region id.
pub fn verified(
    ws: &Workspace,
    rel: &str,
    events: Vec<ReviewEvent>,
) -> (Vec<ReviewEvent>, HashMap<String, Vec<String>>) {
    let mut problems: HashMap<String, Vec<String>> = HashMap::new();
    let Ok((log, numbered)) = ws.ledger.reviews_with_lines(rel) else {
        return (events, problems);
    };
    let authors = line_authors(&ws.root, &log);
    let require_signed = ws.config.review.as_ref().is_some_and(|r| r.require_signed);
    let mut keep = Vec::new();
    for (line, event) in numbered {
        let ReviewEvent::Approval {
            region, by, tier, ..
        } = &event
        else {
            keep.push(event);
            continue;
        };
        let tier = match tier.as_str() {
            "senior" => Tier::Senior,
            "peer" => Tier::Peer,
            _ => Tier::None,
        };
        let reviewers = ws.reviewers_for(rel, tier);
        let problem = match authors.get(&line) {
            None => Some(format!("approval of {region} by {by} is not committed: it counts once a listed reviewer commits it")),
            Some((sha, _)) if sha.chars().all(|c| c == '0') => {
                Some(format!("approval of {region} by {by} is not committed: it counts once a listed reviewer commits it"))
            }
            Some((sha, author)) => {
                let listed = reviewers.iter().any(|r| author.matches(r));
                if !listed || !author.same_person(by) {
                    Some(format!(
                        "forged approval: the record of {region} says {by}, but commit {} that added it was authored by {author}, who is not a listed {} reviewer ({})",
                        &sha[..8.min(sha.len())],
                        tier.as_str(),
                        if reviewers.is_empty() { "none listed".to_string() } else { reviewers.join(", ") }
                    ))
                } else if require_signed && !git(&ws.root, &["verify-commit", sha]).is_some_and(|o| o.status.success()) {
                    Some(format!("unsigned approval: commit {} that approved {region} has no good signature (review.require_signed = true)", &sha[..8.min(sha.len())]))
                } else {
                    None
                }
            }
        };
        match problem {
            Some(p) => problems.entry(region.clone()).or_default().push(p),
            None => keep.push(event),
        }
    }
    // Lines that did not parse were already reported by the ledger; what parsed is all we keep.
    let _ = events;
    (keep, problems)
}
