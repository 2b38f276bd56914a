//! Approvals that cannot be forged. In CI an approval counts only if the commit that added its
//! record to the ledger was authored by the person the record names, that person is not one of
//! the region's authors (from history: who committed its lines, not the ledger's editable
//! `author` field), and (with `require_signed`) the commit carries a good signature made by that
//! person's key. Whether the approver is listed for the region's tier is decided afterwards from
//! the tier aigis assessed, never from the tier the record claims.

use std::collections::HashMap;
use std::path::Path;

use crate::identity::Identity;
use crate::ledger::ReviewEvent;
use crate::workspace::Workspace;

/// The commit (and its author) that last wrote each line (one-based) of a file.
pub fn line_authors(root: &Path, rel: &str) -> HashMap<usize, (String, Identity)> {
    let mut out = HashMap::new();
    let Some(text) = crate::git::text(root, &["blame", "--porcelain", "--", rel]) else {
        return out;
    };
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

fn is_uncommitted(sha: &str) -> bool {
    sha.chars().all(|c| c == '0')
}

/// Who wrote a region, according to history.
#[derive(Debug, Default, Clone)]
pub struct RegionAuthors {
    /// Authors of the commits that wrote its lines.
    pub committed: Vec<Identity>,
    /// Some of its lines are not committed (or the file is not in git).
    pub uncommitted: bool,
}

/// The authors of lines `first..=last` (one-based) of `rel`.
pub fn region_authors(root: &Path, rel: &str, lines: [usize; 2]) -> RegionAuthors {
    region_authors_in(&line_authors(root, rel), lines)
}

pub fn region_authors_in(
    blame: &HashMap<usize, (String, Identity)>,
    lines: [usize; 2],
) -> RegionAuthors {
    let mut out = RegionAuthors::default();
    for l in lines[0]..=lines[1].max(lines[0]) {
        match blame.get(&l) {
            Some((sha, who)) if !is_uncommitted(sha) => {
                if !out.committed.iter().any(|c| c.same_person(who)) {
                    out.committed.push(who.clone());
                }
            }
            _ => out.uncommitted = true,
        }
    }
    out
}

/// The signer of a commit as git verified it: (status letter, signer). `G` is a good signature;
/// the signer is the GPG key's uid or the SSH principal from `gpg.ssh.allowedSignersFile`.
fn signature(root: &Path, sha: &str) -> Option<(String, String)> {
    let text = crate::git::text(root, &["log", "-1", "--format=%G?%x1f%GS", sha, "--"])?;
    let (status, signer) = text.trim_end_matches('\n').split_once('\x1f')?;
    Some((status.to_string(), signer.to_string()))
}

/// True when a verified signer (`Alice <alice@example.com>` or `alice@example.com`) is `who`.
fn signer_is(signer: &str, who: &Identity) -> bool {
    let email = signer
        .rsplit_once('<')
        .map(|(_, e)| e.trim_end_matches('>'))
        .unwrap_or(signer)
        .trim();
    !who.email.is_empty() && email.eq_ignore_ascii_case(&who.email)
}

/// Keeps the approvals that count; returns the others' problems by region id. `regions` gives
/// each region's one-based first and last line, to find who wrote it.
pub fn verified(
    ws: &Workspace,
    rel: &str,
    events: Vec<ReviewEvent>,
    regions: &HashMap<String, [usize; 2]>,
    recorded_authors: &HashMap<String, Identity>,
) -> (Vec<ReviewEvent>, HashMap<String, Vec<String>>) {
    let mut problems: HashMap<String, Vec<String>> = HashMap::new();
    let Ok((log, numbered)) = ws.ledger.reviews_with_lines(rel) else {
        return (events, problems);
    };
    let log_rel = ws
        .relative(&log)
        .unwrap_or_else(|| log.display().to_string());
    let authors = line_authors(&ws.root, &log_rel);
    let source = line_authors(&ws.root, rel);
    let require_signed = ws.config.review.as_ref().is_some_and(|r| r.require_signed);
    let mut keep = Vec::new();
    for (line, event) in numbered {
        let ReviewEvent::Approval { region, by, .. } = &event else {
            keep.push(event);
            continue;
        };
        let not_committed = || {
            format!("approval of {region} by {by} is not committed: it counts once its approver commits it")
        };
        let problem = match authors.get(&line) {
            None => Some(not_committed()),
            Some((sha, _)) if is_uncommitted(sha) => Some(not_committed()),
            Some((sha, author)) => {
                let short = &sha[..8.min(sha.len())];
                let wrote = regions
                    .get(region)
                    .map(|&l| region_authors_in(&source, l))
                    .unwrap_or_default();
                let self_approved = wrote.committed.iter().any(|w| w.same_person(author))
                    || recorded_authors
                        .get(region)
                        .is_some_and(|w| w.same_person(author));
                if !author.same_person(by) {
                    Some(format!(
                        "forged approval: the record of {region} says {by}, but commit {short} that added it was authored by {author}"
                    ))
                } else if self_approved {
                    Some(format!(
                        "self-approval: {author} wrote region {region} and approved it in commit {short}; an author's approval never counts"
                    ))
                } else if require_signed {
                    match signature(&ws.root, sha) {
                        Some((status, signer)) if status == "G" && signer_is(&signer, author) => None,
                        Some((status, signer)) if status == "G" => Some(format!(
                            "approval of {region} in commit {short} is signed by {signer}, not by its approver {author} (review.require_signed = true)"
                        )),
                        _ => Some(format!(
                            "unsigned approval: commit {short} that approved {region} has no good signature (review.require_signed = true)"
                        )),
                    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signers_match_by_email_only() {
        let alice = Identity {
            name: "Alice".into(),
            email: "alice@example.com".into(),
        };
        assert!(signer_is("Alice <alice@example.com>", &alice));
        assert!(signer_is("ALICE@example.com", &alice));
        assert!(!signer_is("mallory@example.com", &alice));
        assert!(!signer_is("Alice", &alice));
    }
}
