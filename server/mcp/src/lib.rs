//! `aigis mcp`: a Model Context Protocol server on stdio (the official `rmcp` SDK) through which
//! coding agents learn, before they edit, the blast radius of the code they are about to change,
//! the risky operations an edit or a command would add, and the review policy. Each tool is a
//! thin call into `aigis_core::engine::Engine`; this crate is the only one that speaks MCP.
//! stdout carries the protocol only: logs go to stderr.

use std::path::Path;
use std::sync::Arc;

use aigis_core::engine::Engine;

mod text;
mod tools;

pub use tools::Aigis;

/// What agents read first (Codex shows the first 512 characters on their own).
pub const INSTRUCTIONS: &str = "aigis knows which code an AI wrote, what depends on it, which destructive operations (DeleteStack, TerminateInstances, terraform destroy, DROP TABLE) it reaches, and what review policy requires. Before changing code, call blast_radius. Before applying an edit, call check_change with the exact edit; if its verdict is blocked, do not apply it: tell the user. Before running a command that deletes, destroys or recreates anything, call check_command. Never approve reviews: request_review asks a person. Paths are relative to the workspace root.";

/// Serves MCP on stdin/stdout for the workspace at `root` until the client closes stdin. The
/// symbol index is built in the background: `tools/list` is answered at once.
pub fn run_stdio(root: &Path) -> Result<(), String> {
    let engine = match Engine::open(root) {
        Ok(e) => {
            let e = Arc::new(e);
            e.start_indexing();
            Ok(e)
        }
        // A broken aigis.toml: the server still starts, and every tool says what to fix.
        Err(why) => Err(why),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        use rmcp::ServiceExt;
        let server = Aigis::new(engine)
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| format!("MCP handshake failed: {e}"))?;
        server
            .waiting()
            .await
            .map_err(|e| format!("MCP server stopped: {e}"))?;
        Ok::<(), String>(())
    })?;
    // The index thread may still run on a huge tree: the process ends with stdin.
    runtime.shutdown_background();
    Ok(())
}
