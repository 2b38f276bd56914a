//! The AI share of the lines each week's commits added, by tool: what a team lead's report
//! charts. A commit's lines count as AI by its trailers and identities (every line it added) or
//! by its git-ai note (the lines the note gives an agent); merges are left out, as their lines
//! were counted in the commits they merge.

use std::collections::BTreeMap;

use serde::Serialize;

use super::*;

/// A week in seconds.
pub const WEEK: i64 = 7 * 24 * 3600;

/// One week of commits, from `start` (a Monday, 00:00 UTC, in seconds since the epoch).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Week {
    pub start: i64,
    /// Lines the week's commits added.
    pub lines: usize,
    /// Of those, AI-written, by tool.
    pub ai: BTreeMap<String, usize>,
}

impl Week {
    pub fn ai_lines(&self) -> usize {
        self.ai.values().sum()
    }
}

/// The Monday 00:00 UTC on or before `t`.
pub fn week_start(t: i64) -> i64 {
    // 1970-01-01 was a Thursday: Mondays fall 4 days after an epoch-aligned week starts.
    let shifted = t - 4 * 24 * 3600;
    shifted.div_euclid(WEEK) * WEEK + 4 * 24 * 3600
}

/// The Monday that starts the first of the last `weeks` weeks up to `now`.
pub fn first_week(now: i64, weeks: usize) -> i64 {
    week_start(now) - (weeks.saturating_sub(1) as i64) * WEEK
}

/// The last `weeks` weeks up to `now`, oldest first, each with its commits' added lines. Empty
/// outside a git repository.
pub fn weekly_share(root: &Path, weeks: usize, now: i64) -> Vec<Week> {
    let first = first_week(now, weeks);
    let mut out: Vec<Week> = (0..weeks)
        .map(|i| Week {
            start: first + i as i64 * WEEK,
            ..Week::default()
        })
        .collect();
    let since = format!("--since=@{first}");
    let Some(log) = git(
        root,
        &[
            "log",
            "--no-merges",
            "--no-renames",
            &since,
            "--format=%x1e%H%x1f%at",
            "--numstat",
        ],
    ) else {
        return out;
    };
    // (sha, time, [(file, added)])
    type Added = Vec<(String, usize)>;
    let mut commits: Vec<(String, i64, Added)> = Vec::new();
    for record in log.split('\x1e').filter(|r| !r.trim().is_empty()) {
        let mut lines = record.lines();
        let Some((sha, at)) = lines.next().and_then(|l| l.split_once('\x1f')) else {
            continue;
        };
        let Ok(at) = at.trim().parse::<i64>() else {
            continue;
        };
        let files = lines
            .filter_map(|l| {
                let mut parts = l.splitn(3, '\t');
                let added = parts.next()?.parse::<usize>().ok()?; // `-` for binary files
                let _deleted = parts.next()?;
                Some((crate::git::unquote(parts.next()?), added))
            })
            .collect();
        commits.push((sha.to_string(), at, files));
    }
    let shas: Vec<String> = commits.iter().map(|c| c.0.clone()).collect();
    let infos = commit_infos(root, &shas);
    for (sha, at, files) in commits {
        if at < first {
            continue;
        }
        let Some(week) = out.get_mut(((at - first) / WEEK) as usize) else {
            continue;
        };
        let added: usize = files.iter().map(|f| f.1).sum();
        week.lines += added;
        let Some(info) = infos.get(&sha) else {
            continue;
        };
        if let Some((tool, _)) = &info.trailer_ai {
            *week.ai.entry(tool.clone()).or_insert(0) += added;
        } else if let Some(note) = &info.note {
            for (file, added) in &files {
                let mut by_tool: BTreeMap<&str, usize> = BTreeMap::new();
                for (key, a, b) in note.files.get(file).into_iter().flatten() {
                    if let Some((tool, _)) = note.agents.get(key) {
                        *by_tool.entry(tool).or_insert(0) += b.saturating_sub(*a) + 1;
                    }
                }
                // A note cannot make more lines AI than the commit added to the file.
                let mut left = *added;
                for (tool, n) in by_tool {
                    let n = n.min(left);
                    left -= n;
                    *week.ai.entry(tool.to_string()).or_insert(0) += n;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod weekly_tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_utc() {
        // 2026-11-30 is a Monday; 2026-12-06 23:59:59 its Sunday.
        let monday = 1_795_996_800;
        assert_eq!(week_start(monday), monday);
        assert_eq!(week_start(monday + WEEK - 1), monday);
        assert_eq!(week_start(monday - 1), monday - WEEK);
        assert_eq!(week_start(0), -3 * 24 * 3600);
    }
}
