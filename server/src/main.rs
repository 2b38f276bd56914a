use std::process::ExitCode;

use clap::Parser;

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
    let cli = aigis::cli::Cli::parse();
    match aigis::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aigis: {}", e.0);
            ExitCode::from(2)
        }
    }
}
