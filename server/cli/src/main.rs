//! The `aigis` binary: the command line (the only crate that knows clap) over `aigis-core`, and
//! `aigis lsp`, which hands stdio to `aigis-lsp`.

use std::process::ExitCode;

use clap::Parser;

mod charts;
mod cli;
mod team_report;

/// mimalloc, not the system's malloc: in one profile of typing in a region of 500 findings,
/// glibc's `malloc` was over a third of the answering threads' samples.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Logs go to stderr (stdout carries JSON-RPC); the level comes from AIGIS_LOG.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AIGIS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_ansi(false)
        .init();
    // A bug must reach the user as one clear line and exit code 2, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("aigis: internal error: {what}{at} (a bug: please report it)");
    }));
    let cli = cli::Cli::parse();
    match std::panic::catch_unwind(|| cli::run(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("aigis: {}", e.0);
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}
