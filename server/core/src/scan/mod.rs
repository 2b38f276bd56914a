//! `aigis scan`: every file of a workspace through the same core the language server uses, in
//! parallel, with what was skipped and why.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::analysis::{self, Finding};
use crate::document::LineCol;
use crate::language;
use crate::regions::{Region, RegionSet};
use crate::workspace::{Assessment, Workspace};

mod lines;
mod share;
pub use lines::LineIndex;
pub use share::lines_by_file;

/// Files larger than this are skipped, as the server skips analysing them.
pub const MAX_FILE_BYTES: u64 = crate::document::MAX_ANALYSED_BYTES as u64;

#[derive(Default)]
pub struct ScanOptions {
    /// A Terraform plan (`terraform show -json`): the resources it replaces or deletes are
    /// findings on their blocks.
    pub plan: Option<PathBuf>,
    pub paths: Vec<PathBuf>,
    /// Audit mode: every line counts as AI-written.
    pub all: bool,
    /// Only lines changed since this git revision.
    pub base: Option<String>,
    /// Count only approvals committed by a listed reviewer (what CI does).
    pub verify_approvals: bool,
}

/// One assessed region of one file.
pub struct FileRegion {
    pub file: String,
    pub assessment: Assessment,
    pub range: [LineCol; 2],
    /// One-based first and last line.
    pub lines: [usize; 2],
    /// The region as `aigis/regions` shows it (SPEC.md; positions in UTF-16).
    pub wire: crate::wire::Region,
    /// Approvals that do not count, and why (forged, not committed, unsigned, stale).
    pub approval_problems: Vec<String>,
}

pub struct FileFinding {
    pub file: String,
    pub finding: Finding,
    pub range: [LineCol; 2],
    pub region_id: Option<String>,
    /// The finding's source text, whitespace-normalised: what its fingerprint is made of.
    pub snippet: String,
}

pub struct Skipped {
    pub file: String,
    pub reason: String,
}

#[derive(Default)]
pub struct ScanReport {
    /// How far approvals were checked, said plainly in every output format.
    pub approvals: ApprovalTrust,
    pub root: PathBuf,
    pub files: usize,
    pub bytes: u64,
    pub regions: Vec<FileRegion>,
    pub findings: Vec<FileFinding>,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<String>,
    /// With `--base`: what a deploy pipeline should do with the change.
    pub rollout: Option<crate::rollout::Rollout>,
    /// What `--plan` said.
    pub plan: Option<crate::plan::PlanSummary>,
}

/// What an approval in this report had to prove to count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ApprovalTrust {
    /// Outside CI: the ledger is taken as it is.
    #[default]
    Unverified,
    /// Committed by its approver, who did not write the region; no signature required.
    Committer,
    /// And signed with the approver's own key (`review.require_signed`).
    Signed,
}

impl ApprovalTrust {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalTrust::Unverified => "unverified",
            ApprovalTrust::Committer => "committer",
            ApprovalTrust::Signed => "signed",
        }
    }

    pub fn note(self) -> &'static str {
        match self {
            ApprovalTrust::Unverified => "approvals are not verified: the ledger is taken as it is (CI=true or --verify-approvals checks who committed them)",
            ApprovalTrust::Committer => "approvals are checked against the author of the commit that added them, not signed (review.require_signed = false): anyone who can push can set a commit's author name",
            ApprovalTrust::Signed => "approvals count only when committed and signed by their approver's own key (review.require_signed = true)",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{0} does not exist")]
    Missing(String),
    #[error("--base {rev}: {message}")]
    Git { rev: String, message: String },
    #[error("--plan: {0}")]
    Plan(String),
}

enum FileResult {
    Scanned {
        bytes: u64,
        regions: Vec<FileRegion>,
        findings: Vec<FileFinding>,
        warnings: Vec<String>,
    },
    Skipped(Skipped),
}

/// Lines (one-based) changed since a revision, per workspace-relative file; `None` for a file
/// that is new (every line counts).
type ChangedLines = HashMap<String, Option<HashSet<usize>>>;

mod base;
use base::{changed_lines, tampered_regions, TamperedRegion};

pub fn scan(ws: &Workspace, opts: &ScanOptions) -> Result<ScanReport, ScanError> {
    scan_with(ws, opts, None)
}

/// `scan` with a symbol index a long-lived front end (`aigis mcp`) keeps up to date, instead of
/// building one for this scan.
pub fn scan_with(
    ws: &Workspace,
    opts: &ScanOptions,
    prebuilt: Option<&crate::index::WorkspaceIndex>,
) -> Result<ScanReport, ScanError> {
    let roots: Vec<PathBuf> = if opts.paths.is_empty() {
        vec![ws.root.clone()]
    } else {
        opts.paths.clone()
    };
    // Every text file the ledger or history attributes to an AI is tracked, with or without a
    // language (a `.py`, `.tf` or `.md` an agent wrote); analysis runs where a language has rules.
    let tracked: HashSet<String> = ws.ledger.tracked_files().into_iter().collect();
    let ai_files = if opts.all {
        HashSet::new()
    } else {
        crate::history::files_touched_by_ai(&ws.root, opts.base.as_deref())
    };
    let wanted = |p: &Path| {
        language::for_path(p).is_some()
            || (p.extension().is_none()
                && language::for_text(p, &crate::walk::first_line(p)).is_some())
            || ws
                .relative(p)
                .is_some_and(|r| tracked.contains(&r) || ai_files.contains(&r))
    };
    let rules = crate::walk::WalkRules::new(&ws.config.index);
    let mut files = Vec::new();
    for root in &roots {
        if !root.exists() {
            return Err(ScanError::Missing(root.display().to_string()));
        }
        files.extend(
            rules
                .files(&ws.root, root)
                .into_iter()
                .filter(|p| wanted(p)),
        );
    }
    files.sort();
    files.dedup();
    let changed = match &opts.base {
        Some(rev) => Some(changed_lines(&ws.root, rev)?),
        None => None,
    };
    // Records of AI regions this change removed from the ledger while their code stays.
    let tampered = match &opts.base {
        Some(rev) => tampered_regions(ws, rev),
        None => HashMap::new(),
    };
    let (plan, plan_summary) = match &opts.plan {
        Some(p) => {
            let (found, summary) = crate::plan::findings(ws, p).map_err(ScanError::Plan)?;
            (found, Some(summary))
        }
        None => (HashMap::new(), None),
    };
    if let Some(changed) = &changed {
        files.retain(|f| {
            ws.relative(f).is_some_and(|r| {
                changed.contains_key(&r) || tampered.contains_key(&r) || plan.contains_key(&r)
            })
        });
    }
    // Blast radius needs the symbol index, built only when there are AI regions to measure.
    let own = crate::index::WorkspaceIndex::new();
    let index = match prebuilt {
        Some(index) => index,
        None => {
            if !opts.all && (!ai_files.is_empty() || !tracked.is_empty()) {
                let stats = own.index_workspace_with(&ws.root, &rules, &|_, _| {});
                // A scan of most of the tree asks of most of it: parsed in one parallel run.
                if files.len() * 2 >= stats.files {
                    own.fill();
                }
            }
            &own
        }
    };
    let progress = Progress::new(files.len());
    let results: Vec<FileResult> = files
        .par_iter()
        .inspect(|_| progress.tick())
        .map_init(crate::parse::Parser::new, |parser, path| {
            scan_file(
                ws,
                opts,
                changed.as_ref(),
                &ai_files,
                &tampered,
                &plan,
                index,
                parser,
                path,
            )
        })
        .collect();
    progress.finish();
    let signed = ws.config.review.as_ref().is_some_and(|r| r.require_signed);
    let mut report = ScanReport {
        root: ws.root.clone(),
        approvals: match (opts.verify_approvals, signed) {
            (false, _) => ApprovalTrust::Unverified,
            (true, false) => ApprovalTrust::Committer,
            (true, true) => ApprovalTrust::Signed,
        },
        ..Default::default()
    };
    for r in results {
        match r {
            FileResult::Scanned {
                bytes,
                regions,
                findings,
                warnings,
            } => {
                report.files += 1;
                report.bytes += bytes;
                report.regions.extend(regions);
                report.findings.extend(findings);
                report.warnings.extend(warnings);
            }
            FileResult::Skipped(s) => report.skipped.push(s),
        }
    }
    report.plan = plan_summary;
    if opts.base.is_some() {
        report.rollout = Some(crate::rollout::rollout(
            &report,
            &ws.config.rollout.canary_from,
        ));
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)] // the shared facts of one scan, each from its own source
fn scan_file(
    ws: &Workspace,
    opts: &ScanOptions,
    changed: Option<&ChangedLines>,
    ai_files: &HashSet<String>,
    tampered: &HashMap<String, Vec<TamperedRegion>>,
    plan: &HashMap<String, Vec<Finding>>,
    index: &crate::index::WorkspaceIndex,
    parser: &mut crate::parse::Parser,
    path: &Path,
) -> FileResult {
    let rel = ws
        .relative(path)
        .unwrap_or_else(|| path.display().to_string());
    let all = opts.all;
    let skip = |reason: String| {
        FileResult::Skipped(Skipped {
            file: rel.clone(),
            reason,
        })
    };
    let size = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) => return skip(format!("unreadable: {e}")),
    };
    if size > MAX_FILE_BYTES {
        return skip(format!(
            "larger than {} MB ({} MB)",
            MAX_FILE_BYTES >> 20,
            size >> 20
        ));
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return skip(format!("unreadable: {e}")),
    };
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return skip("binary".into());
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return skip("not UTF-8".into());
    };
    let lang = language::for_text(path, &text);
    let mut warnings = Vec::new();
    let mut regions = RegionSet::default();
    let mut authors = HashMap::new();
    let mut human = Vec::new();
    match ws.ledger.state(&rel, &text) {
        Ok((state, w)) => {
            warnings.extend(w.iter().map(|w| w.to_string()));
            // A heuristic guess is a hint in the editor, never a finding in a scan or in CI
            // (older ledgers may hold some).
            for p in state
                .regions
                .into_iter()
                .filter(|p| p.region.source != crate::regions::Source::Heuristic)
            {
                if let Some(a) = p.author {
                    authors.insert(p.region.id.clone(), a);
                }
                regions.add(p.region);
            }
            human = state.human;
        }
        Err(e) => warnings.push(e.to_string()),
    }
    if ai_files.contains(&rel) {
        let lines = crate::history::attribute(&ws.root, &rel);
        for r in crate::history::regions_of(&text, &lines, &human) {
            regions.add_beneath(r);
        }
    }
    // A region whose record this change removed is still AI-written code: it is put back where
    // nothing covers it, with a finding that needs a senior, and reported whatever lines the
    // change touched (the change was to the ledger).
    let mut tamper_findings = Vec::new();
    let mut tampered_ids: HashSet<String> = HashSet::new();
    for t in tampered.get(&rel).into_iter().flatten() {
        let Some((start, end, _)) =
            crate::ledger::locate(&t.anchor, &text, &crate::ledger::LineHashes::new(&text))
        else {
            continue;
        };
        let before: HashSet<String> = regions.iter().map(|r| r.id.clone()).collect();
        regions.add_beneath(Region {
            id: format!("{}~tampered", t.id),
            start,
            end,
            provenance: t.provenance.clone(),
            source: t.source,
            modified: true,
            created_at: String::new(),
        });
        for r in regions.iter().filter(|r| !before.contains(&r.id)) {
            tampered_ids.insert(r.id.clone());
            tamper_findings.push(Finding {
                rule: "ledger/tampered".into(),
                category: "ledger".into(),
                severity: crate::catalog::Severity::Critical,
                start: r.start,
                end: r.end,
                message: format!(
                    "the ledger at {base} recorded this code as AI-written ({}, region {}); this change removed that record while the code is still here (restore it, or have a senior run `aigis review approve {rel}:{} --base {base}`)",
                    t.provenance.tool,
                    t.id,
                    text[..r.start].matches('\n').count() + 1,
                    base = opts.base.as_deref().unwrap_or("the base"),
                )
                .into(),
                notes: Vec::new(),
            });
        }
    }
    let events = match ws.ledger.reviews(&rel) {
        Ok((events, w)) => {
            warnings.extend(w.iter().map(|w| w.to_string()));
            events
        }
        Err(e) => {
            warnings.push(e.to_string());
            Vec::new()
        }
    };
    let lines = LineIndex::new(&text);
    // In CI, approvals count only when their approver committed them, did not write the region,
    // and (with require_signed) signed them.
    let (events, mut problems) = if opts.verify_approvals {
        let spans: HashMap<String, [usize; 2]> = regions
            .iter()
            .map(|r| {
                let last = lines.line(r.end.saturating_sub(1).max(r.start));
                (r.id.clone(), [lines.line(r.start) + 1, last + 1])
            })
            .collect();
        crate::approvals::verified(ws, &rel, events, &spans, &authors)
    } else {
        (events, HashMap::new())
    };
    let changed_here = changed.and_then(|c| c.get(&rel).cloned().flatten());
    let in_change = |start: usize, end: usize| match &changed_here {
        None => changed.is_none_or(|c| c.contains_key(&rel)),
        Some(set) => (lines.line(start)..=lines.line(end.saturating_sub(1).max(start)))
            .any(|l| set.contains(&(l + 1))),
    };
    let in_scope =
        |id: &str, start: usize, end: usize| tampered_ids.contains(id) || in_change(start, end);
    let mut findings = Vec::new();
    if let Some(lang) =
        lang.filter(|lang| (all || !regions.is_empty()) && analysis::may_have_findings(lang, &text))
    {
        if let Some(tree) = parser.parse(lang, &text, None) {
            // A document is also compared with its committed text (or the base).
            let rev = opts.base.as_deref().unwrap_or("HEAD");
            let found = match base::committed_doc(ws, rev, parser, lang, &rel) {
                Some(old) => crate::models::findings_against(lang, &tree, &text, Some(&old)),
                None => analysis::analyze(lang, &tree, &text, Some(Path::new(&rel))),
            };
            findings = ws.enabled(found);
        }
    }
    // Not subject to `[analysis]` switches: the branch under review could turn them off.
    findings.extend(tamper_findings);
    // A plan's replacements and deletions are reported wherever they are, AI region or not.
    let planned: Vec<Finding> = plan.get(&rel).cloned().unwrap_or_default();
    let is_planned = |f: &Finding| planned.iter().any(|p| p == f);
    findings.extend(planned.iter().cloned());
    let region_list: Vec<Region> = regions
        .iter()
        .filter(|r| in_scope(&r.id, r.start, r.end))
        .cloned()
        .collect();
    let blast: HashMap<String, std::sync::Arc<crate::blast::BlastRadius>> =
        match index.file_id(path) {
            Some(id) => region_list
                .iter()
                .map(|r| {
                    (
                        r.id.clone(),
                        std::sync::Arc::new(crate::blast::blast_radius(
                            index,
                            id,
                            r.start,
                            r.end,
                            ws.config.policy.blast_depth,
                        )),
                    )
                })
                .collect(),
            None => HashMap::new(),
        };
    // With `[team]`, a region's author (whose level may call for a senior) is who committed its
    // lines, the least senior of them; the recorded identity only for uncommitted lines.
    if let Some(team) = &ws.config.team {
        let blame = crate::approvals::line_authors(&ws.root, &rel);
        for r in &region_list {
            let l = [
                lines.line(r.start) + 1,
                lines.line(r.end.saturating_sub(1).max(r.start)) + 1,
            ];
            let who = crate::approvals::region_authors_in(&blame, l);
            if let Some(a) = who.committed.iter().min_by_key(|a| team.level_of(a)) {
                authors.insert(r.id.clone(), a.clone());
            }
        }
    }
    let assessed = ws.assess(
        Some(&rel),
        &text,
        &findings,
        &region_list,
        &authors,
        &events,
        &blast,
    );
    let file_findings = findings
        .iter()
        .filter_map(|f| {
            let region = regions.at(f.start).map(|r| r.id.clone());
            let planned = is_planned(f);
            if !planned && !in_scope(region.as_deref().unwrap_or(""), f.start, f.end) {
                return None;
            }
            if region.is_none() && !all && !planned {
                return None;
            }
            Some(FileFinding {
                file: rel.clone(),
                finding: f.clone(),
                range: [lines.position(&text, f.start), lines.position(&text, f.end)],
                region_id: region,
                snippet: text
                    .get(f.start..f.end)
                    .unwrap_or("")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            })
        })
        .collect();
    let file_regions = assessed
        .into_iter()
        .map(|a| FileRegion {
            file: rel.clone(),
            range: [
                lines.position(&text, a.region.start),
                lines.position(&text, a.region.end),
            ],
            lines: [
                lines.line(a.region.start) + 1,
                lines.line(a.region.end.saturating_sub(1).max(a.region.start)) + 1,
            ],
            wire: crate::wire::Region::new(&a, &|off| lines.position(&text, off), Some(&ws.root)),
            approval_problems: {
                let mut p = problems.remove(&a.region.id).unwrap_or_default();
                // Listed or not is judged against the tier aigis assessed, not the record's.
                if opts.verify_approvals && a.review.state != crate::policy::ReviewState::Approved {
                    for e in &events {
                        if let crate::ledger::ReviewEvent::Approval { region, hash, by, .. } = e {
                            if *region == a.region.id && *hash == a.hash {
                                p.push(format!(
                                    "approval of {region} by {by} does not count: not a listed {} reviewer ({})",
                                    a.risk.tier.as_str(),
                                    if a.review.reviewers.is_empty() { "none listed".to_string() } else { a.review.reviewers.join(", ") }
                                ));
                            }
                        }
                    }
                }
                if a.review.stale && a.review.state != crate::policy::ReviewState::Approved {
                    p.push(format!("stale approval: the region's code changed after it was approved ({} {}); it needs a new review", a.region.id, a.hash));
                }
                p
            },
            assessment: a,
        })
        .collect();
    FileResult::Scanned {
        bytes: text.len() as u64,
        regions: file_regions,
        findings: file_findings,
        warnings,
    }
}

/// A progress line on stderr for long scans, only when stderr is a terminal.
struct Progress {
    total: usize,
    done: std::sync::atomic::AtomicUsize,
    shown: bool,
}

impl Progress {
    fn new(total: usize) -> Progress {
        use std::io::IsTerminal;
        Progress {
            total,
            done: std::sync::atomic::AtomicUsize::new(0),
            shown: total >= 200 && std::io::stderr().is_terminal(),
        }
    }

    fn tick(&self) {
        let n = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if self.shown && (n.is_multiple_of(50) || n == self.total) {
            let width = 30;
            let filled = n * width / self.total.max(1);
            eprint!(
                "\raigis: scanning [{}{}] {n}/{} files",
                "#".repeat(filled),
                " ".repeat(width - filled),
                self.total
            );
        }
    }

    fn finish(&self) {
        if self.shown {
            eprint!("\r{}\r", " ".repeat(70));
        }
    }
}
