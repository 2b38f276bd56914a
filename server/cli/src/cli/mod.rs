//! The command line: `aigis lsp`, `aigis scan`, `aigis review`. Output formatting lives here;
//! the work is done by the core.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use aigis_core::policy::Tier;
use aigis_core::review;
use aigis_core::scan::{self, ScanOptions, ScanReport};
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
        /// A Terraform plan as JSON (`terraform show -json PLANFILE`): resources it replaces or
        /// deletes become findings on their blocks.
        #[arg(long, value_name = "FILE")]
        plan: Option<PathBuf>,
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
        /// How many weeks of history the charts cover.
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u16).range(1..=260))]
        weeks: u16,
    },
    /// Serve the Model Context Protocol on stdin/stdout: coding agents ask for the blast radius,
    /// the risky operations of a change and the review policy before they edit.
    Mcp {
        /// The workspace (default: found from the current directory upwards).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// What works and what to fix: the binary, aigis.toml, your git identity, agents' hooks and
    /// MCP registrations, editors, the ledger, CODEOWNERS. Exit 1 when something is broken.
    Doctor {
        /// The workspace (default: found from the current directory upwards).
        #[arg(long)]
        root: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = BlameFormat::Text)]
        format: BlameFormat,
    },
    /// Install aigis's hooks (and its MCP server) into an agent's settings.
    Hooks {
        #[command(subcommand)]
        action: HooksAction,
    },
}

#[derive(Subcommand)]
enum HooksAction {
    /// Merge `aigis record` and `aigis guard` into AGENT's settings (project-level by default),
    /// and register `aigis mcp` in the project's MCP configuration for that agent.
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
        Commands::Doctor { root, format } => doctor::doctor_command(root, format),
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
            plan,
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
                    plan: plan.map(|p| cwd.join(p)),
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
            if let Some(json) = hooks::record_output(agent, &out) {
                println!("{json}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Commands::Guard { agent } => {
            let agent = parse_agent(&agent)?;
            let input = read_stdin()?;
            let verdict = aigis_core::agent_hooks::guard(agent, &input, &std::env::current_dir()?)?;
            Ok(hooks::guard_output(agent, &input, &verdict))
        }
        Commands::Mcp { root } => {
            let cwd = std::env::current_dir()?;
            let start = root.map(|r| cwd.join(r)).unwrap_or(cwd);
            let start = start
                .canonicalize()
                .map_err(|e| CliError(format!("{}: {e}", start.display())))?;
            aigis_mcp::run_stdio(&workspace_root(&start)).map_err(CliError)?;
            Ok(ExitCode::SUCCESS)
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
            weeks,
        } => {
            let cwd = std::env::current_dir()?;
            let ws = Workspace::open(&workspace_root(&cwd))?;
            let verify =
                std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
            let report = scan::scan(
                &ws,
                &ScanOptions {
                    plan: None,
                    paths: Vec::new(),
                    all: false,
                    base: base.clone(),
                    verify_approvals: verify,
                },
            )?;
            let lines = scan::lines_by_file(&ws, base.as_deref());
            let total_lines = lines.values().sum();
            let figures = aigis_core::team::figures(
                &ws,
                &report,
                &lines,
                weeks as usize,
                aigis_core::team::now(),
            );
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
            let summary = crate::team_report::summarize(&report, title, total_lines, figures);
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

mod blame;
mod doctor;
mod hooks;
mod review_cmd;
mod text;
use blame::blame_command;
use hooks::hooks_install;
use review_cmd::{open_tracked, parse_location, review_command};
use text::{color_wanted, scan_text};
