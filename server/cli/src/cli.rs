//! The command line: `aigis lsp`, `aigis scan`, `aigis review`. Output formatting lives here;
//! the work is done by the core.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use aigis_core::document::PositionEncoding;
use aigis_core::identity::Identity;
use aigis_core::language;
use aigis_core::policy::Tier;
use aigis_core::review;
use aigis_core::scan::{self, ScanOptions, ScanReport};
use aigis_core::tracked_file::TrackedFile;
use aigis_core::workspace::{workspace_root, Workspace};

#[derive(Parser)]
#[command(
    name = "aigis",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("AIGIS_COMMIT"), ")"),
    about = "AI-written code made visible, measured and reviewed"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Serve the language server on stdin/stdout.
    Lsp {
        /// Accepted and ignored (vscode-languageclient adds it).
        #[arg(long)]
        stdio: bool,
    },
    /// Analyse a workspace: AI regions, their risky operations and review state.
    Scan {
        /// Files or folders to scan (default: the workspace around the current directory).
        paths: Vec<PathBuf>,
        /// Audit mode: treat every line as AI-written.
        #[arg(long)]
        all: bool,
        /// Only report lines changed since this git revision.
        #[arg(long)]
        base: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the report here instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Which missing reviews fail the scan (exit 1).
        #[arg(long, value_enum, default_value_t = FailOn::Peer)]
        fail_on: FailOn,
        /// Count an approval only if a listed reviewer committed it (always on when CI is set).
        #[arg(long)]
        verify_approvals: bool,
        /// With --base: append rollout=, max_tier=, ai_regions=, needs_review= to this file
        /// (default: $GITHUB_OUTPUT when CI sets it), and a summary to $GITHUB_STEP_SUMMARY.
        #[arg(long)]
        github_output: Option<PathBuf>,
    },
    /// Did an AI tool contribute to an incident? Maps a stack trace's frames to who wrote each
    /// line (human or AI, tool, model, commit, review, blast radius), or lists the AI regions
    /// changed since a revision, riskiest first.
    Incident {
        /// A stack trace or log excerpt (`-` for stdin): Python, Rust, Go, Node/TypeScript, Java.
        #[arg(long)]
        trace: Option<String>,
        /// Without a trace: the AI regions changed since this revision, riskiest first.
        #[arg(long)]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t = BlameFormat::Text)]
        format: BlameFormat,
    },
    /// Print shell completions: `aigis completions bash > /etc/bash_completion.d/aigis`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `aigis man > /usr/local/share/man/man1/aigis.1`.
    Man,
    /// Request, approve or list reviews of AI regions.
    Review {
        #[command(subcommand)]
        action: ReviewAction,
    },
    /// Read one agent hook payload (JSON) on stdin and record the regions it wrote.
    Record {
        /// claude-code, cursor, codex, gemini, copilot, kiro or generic.
        #[arg(long)]
        agent: String,
    },
    /// Read one agent hook payload before the tool runs; exit 2 when policy forbids it.
    Guard {
        #[arg(long)]
        agent: String,
    },
    /// Per line: human or AI, which tool/model/session, the source and confidence of that
    /// attribution, the commit, and the review state.
    Blame {
        /// FILE or FILE:LINE
        location: String,
        #[arg(long, value_enum, default_value_t = BlameFormat::Text)]
        format: BlameFormat,
    },
    /// A self-contained HTML (or Markdown) report: AI share by tool and model, regions by tier,
    /// open and approved reviews, the riskiest regions with their blast radius.
    Report {
        /// Only what changed since this git revision (a pull request, a release range).
        #[arg(long)]
        base: Option<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
        format: ReportFormat,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Install aigis's hooks into an agent's settings.
    Hooks {
        #[command(subcommand)]
        action: HooksAction,
    },
}

#[derive(Subcommand)]
enum HooksAction {
    /// Merge `aigis record` and `aigis guard` into AGENT's settings (project-level by default).
    Install {
        agent: String,
        /// The user's settings instead of the project's.
        #[arg(long)]
        user: bool,
        /// Print the change as a diff and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum ReviewAction {
    /// Request a review of the AI region at FILE:LINE.
    Request {
        location: String,
        /// Find the region as `scan --base REV` does (a `ledger/tampered` region among them).
        #[arg(long)]
        base: Option<String>,
    },
    /// Approve the AI region at FILE:LINE as the working tree's git identity.
    Approve {
        location: String,
        /// Find the region as `scan --base REV` does (a `ledger/tampered` region among them).
        #[arg(long)]
        base: Option<String>,
    },
    /// Show the review state of AI regions (of FILE, or of the whole workspace).
    Status { file: Option<PathBuf> },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum BlameFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ReportFormat {
    Html,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FailOn {
    Senior,
    Peer,
    Never,
}

/// A user-facing failure: printed as one line on stderr, exit code 2.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Commands::Lsp { stdio: _ } => {
            aigis_lsp::run_stdio()?;
            Ok(ExitCode::SUCCESS)
        }
        Commands::Scan {
            paths,
            all,
            base,
            format,
            output,
            fail_on,
            verify_approvals,
            github_output,
        } => {
            let cwd = std::env::current_dir()?;
            // Canonical paths, so that `../x` and symlinks map to the same workspace paths.
            let abs: Vec<PathBuf> = paths
                .iter()
                .map(|p| {
                    let p = cwd.join(p);
                    p.canonicalize()
                        .map_err(|_| CliError(format!("{} does not exist", p.display())))
                })
                .collect::<Result<_, _>>()?;
            let root = workspace_root(abs.first().map(|p| p.as_path()).unwrap_or(&cwd));
            let ws = Workspace::open(&root)?;
            let report = scan::scan(
                &ws,
                &ScanOptions {
                    paths: abs,
                    all,
                    base,
                    // CI sets CI=true: there approvals must be committed by a listed reviewer.
                    verify_approvals: verify_approvals
                        || std::env::var("CI")
                            .is_ok_and(|v| !v.is_empty() && v != "false" && v != "0"),
                },
            )?;
            let text = match format {
                Format::Json => {
                    let mut s =
                        serde_json::to_string_pretty(&aigis_core::report::scan_json(&report))?;
                    s.push('\n');
                    s
                }
                Format::Sarif => {
                    let mut s = serde_json::to_string_pretty(&aigis_core::sarif::sarif(&report))?;
                    s.push('\n');
                    s
                }
                Format::Text => scan_text(&report, output.is_none() && color_wanted()),
            };
            match output {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))?,
                None => {
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(text.as_bytes());
                }
            }
            for w in &report.warnings {
                eprintln!("warning: {w}");
            }
            if let Some(r) = &report.rollout {
                let in_ci =
                    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
                let env_path = |name: &str| {
                    std::env::var_os(name)
                        .filter(|v| in_ci && !v.is_empty())
                        .map(PathBuf::from)
                };
                let append = |path: &Path, text: &str| -> Result<(), CliError> {
                    use std::io::Write as _;
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .and_then(|mut f| f.write_all(text.as_bytes()))
                        .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))
                };
                if let Some(path) = github_output.clone().or_else(|| env_path("GITHUB_OUTPUT")) {
                    append(&path, &aigis_core::rollout::github_output(r))?;
                }
                if let Some(path) = env_path("GITHUB_STEP_SUMMARY") {
                    append(&path, &aigis_core::rollout::step_summary(r))?;
                }
            }
            let violates = report.regions.iter().any(|r| {
                let needs = r.assessment.review.state.needs_review();
                needs
                    && match fail_on {
                        FailOn::Never => false,
                        FailOn::Senior => r.assessment.risk.tier == Tier::Senior,
                        FailOn::Peer => r.assessment.risk.tier >= Tier::Peer,
                    }
            });
            Ok(if violates {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Commands::Incident {
            trace,
            since,
            format,
        } => {
            let cwd = std::env::current_dir()?;
            let ws = Workspace::open(&workspace_root(&cwd))?;
            let verify =
                std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
            let report = match (trace, since) {
                (Some(t), _) => {
                    let text = if t == "-" {
                        read_stdin()?
                    } else {
                        std::fs::read_to_string(cwd.join(&t))
                            .map_err(|e| CliError(format!("{t}: {e}")))?
                    };
                    aigis_core::incident::from_trace(&ws, &text, verify)
                }
                (None, Some(rev)) => aigis_core::incident::since(&ws, &rev, verify),
                (None, None) => Err("give --trace FILE (or - for stdin) or --since REV".into()),
            }
            .map_err(CliError)?;
            match format {
                BlameFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                BlameFormat::Text => print!("{}", aigis_core::incident::text(&report)),
            }
            Ok(ExitCode::SUCCESS)
        }
        Commands::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "aigis", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Commands::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map_err(|e| CliError(format!("cannot write the man page: {e}")))?;
            Ok(ExitCode::SUCCESS)
        }
        Commands::Review { action } => review_command(action),
        Commands::Record { agent } => {
            let agent = parse_agent(&agent)?;
            let input = read_stdin()?;
            let out = aigis_core::agent_hooks::record(agent, &input, &std::env::current_dir()?)?;
            for s in &out.skipped {
                eprintln!("aigis record: {s}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Commands::Guard { agent } => {
            let agent = parse_agent(&agent)?;
            let input = read_stdin()?;
            match aigis_core::agent_hooks::guard(agent, &input, &std::env::current_dir()?)? {
                None => Ok(ExitCode::SUCCESS),
                Some(blocked) => {
                    eprintln!(
                        "aigis guard: blocked by the project's review policy (aigis.toml [guard]):\n{}\nThis needs a senior's review before it runs. Do not work around it; ask the user.",
                        blocked.reasons.iter().map(|r| format!("- {r}")).collect::<Vec<_>>().join("\n")
                    );
                    Ok(ExitCode::from(2))
                }
            }
        }
        Commands::Hooks {
            action:
                HooksAction::Install {
                    agent,
                    user,
                    dry_run,
                },
        } => hooks_install(&agent, user, dry_run),
        Commands::Blame { location, format } => blame_command(&location, format),
        Commands::Report {
            base,
            format,
            output,
        } => {
            let cwd = std::env::current_dir()?;
            let ws = Workspace::open(&workspace_root(&cwd))?;
            let verify =
                std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
            let report = scan::scan(
                &ws,
                &ScanOptions {
                    paths: Vec::new(),
                    all: false,
                    base: base.clone(),
                    verify_approvals: verify,
                },
            )?;
            let total_lines = scan::lines_in_scope(&ws, base.as_deref());
            let title = match &base {
                Some(b) => format!(
                    "aigis report: {} since {b}",
                    ws.root
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ),
                None => format!(
                    "aigis report: {}",
                    ws.root
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ),
            };
            let summary = crate::team_report::summarize(&report, title, total_lines);
            let text = match format {
                ReportFormat::Html => crate::team_report::html(&summary),
                ReportFormat::Markdown => crate::team_report::markdown(&summary),
            };
            match output {
                Some(p) => std::fs::write(&p, text)
                    .map_err(|e| CliError(format!("cannot write {}: {e}", p.display())))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn blame_command(location: &str, format: BlameFormat) -> Result<ExitCode, CliError> {
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
    let (mut tracked, rel) = open_tracked(&ws, &file)?;
    let history = aigis_core::history::attribute(&ws.root, &rel);
    let human: Vec<(usize, usize)> = tracked.human.iter().map(|h| (h.start, h.end)).collect();
    tracked.set_history(aigis_core::history::regions_of(
        tracked.doc.text(),
        &history,
        &human,
    ));
    tracked.analyze(Some(&ws), false, Some(Path::new(&rel)));
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

fn parse_agent(name: &str) -> Result<aigis_core::agents::Agent, CliError> {
    aigis_core::agents::Agent::parse(name).ok_or_else(|| {
        CliError(format!(
            "unknown agent {name:?}: one of {}",
            aigis_core::agents::Agent::NAMES.join(", ")
        ))
    })
}

fn read_stdin() -> Result<String, CliError> {
    let mut input = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)
        .map_err(|e| CliError(format!("cannot read the hook payload on stdin: {e}")))?;
    if input.trim().is_empty() {
        return Err(CliError("no hook payload on stdin".into()));
    }
    Ok(input)
}

fn hooks_install(agent: &str, user: bool, dry_run: bool) -> Result<ExitCode, CliError> {
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

#[path = "cli_review.rs"]
mod review_cmd;
#[path = "cli_text.rs"]
mod text;
use review_cmd::{open_tracked, parse_location, review_command};
use text::{color_wanted, scan_text};
