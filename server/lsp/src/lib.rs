//! The language server: the only crate that speaks LSP. It converts between LSP types and the
//! core, keeps one `TrackedFile` per open document, and applies every edit synchronously before
//! any `.await` so that concurrent handlers never see half an edit or edits out of order.
//!
//! `session` holds the state, `tasks` the background jobs, `handlers/` one file per LSP method,
//! `custom` the `aigis/*` methods, `to_proto` and `diagnostics` the presentation.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use dashmap::DashMap;
use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

mod transport;

use aigis_core::catalog::Severity;
use aigis_core::document::{LineCol, PositionEncoding, Positions, KEYSTROKE_PARSE_STEPS};
use aigis_core::heuristic::BurstDetector;
use aigis_core::identity::Identity;
use aigis_core::language;
use aigis_core::ledger::{now_rfc3339, LedgerWarning};
use aigis_core::policy::{ReviewState, Tier};
use aigis_core::regions::{new_region_id, Provenance, Region, Source};
use aigis_core::review;
use aigis_core::tracked_file::{AnalysisJob, TrackedFile, KEYSTROKE_ANALYSIS_BYTES};
use aigis_core::workspace::{Assessment, Workspace};
mod custom;
mod diagnostics;
mod handlers;
mod publish;
mod session;
mod tasks;
mod to_proto;

use custom::*;
use diagnostics::*;
use publish::*;
use session::*;
use to_proto::*;

impl LanguageServer for AigisServer {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        self.handle_initialize(params).await
    }
    async fn initialized(&self, params: InitializedParams) {
        self.handle_initialized(params).await
    }
    async fn shutdown(&self) -> Result<()> {
        self.handle_shutdown().await
    }
    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        self.handle_did_change_workspace_folders(params).await
    }
    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        self.handle_did_change_watched_files(params).await
    }
    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.handle_did_change_configuration(params).await
    }
    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        self.handle_did_open(params).await
    }
    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        self.handle_did_change(params).await
    }
    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.handle_did_save(params).await
    }
    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.handle_did_close(params).await
    }
    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.handle_hover(params).await
    }
    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.handle_code_action(params).await
    }
    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.handle_code_lens(params).await
    }
    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        self.handle_execute_command(params).await
    }
}

/// Exits when the editor that started the server is gone (LSP `initialize.processId`: "if the
/// parent process is not alive then the server should exit"). Without this, an editor that
/// crashed while its pipe stayed open elsewhere (a shell, a wrapper, a grandchild holding the
/// descriptor) leaves one orphan server per crash.
fn watch_parent(pid: u32) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return;
        };
        if pid <= 0 {
            return;
        }
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            // Signal 0 checks that the process exists; EPERM means it exists as another user.
            // SAFETY: kill with signal 0 sends nothing; it only checks the pid.
            let gone = unsafe { libc::kill(pid, 0) } != 0
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
            if gone {
                tracing::warn!("the editor (process {pid}) is gone; exiting");
                std::process::exit(1);
            }
        }
    });
    #[cfg(not(unix))]
    let _ = pid;
}

/// Serves the editor on stdin/stdout until it exits; builds the runtime (`aigis lsp`).
pub fn run_stdio() -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(serve_stdio());
    // stdin may still be open (Helix, pytest-lsp keep it): do not wait for its reader.
    rt.shutdown_background();
    Ok(())
}

/// Serves the language server on stdin/stdout until the client says `exit`.
pub async fn serve_stdio() {
    let (out, frames) = transport::output();
    let direct = out.clone();
    let (service, socket) = LspService::build(move |client| AigisServer::new(client, direct))
        .custom_method("aigis/markAiEdit", AigisServer::mark_ai_edit)
        .custom_method("aigis/didPaste", AigisServer::did_paste)
        .custom_method("aigis/regions", AigisServer::regions)
        .custom_method("aigis/blastRadius", AigisServer::blast_radius)
        .finish();
    transport::guard(
        std::io::stdin(),
        std::io::stdout(),
        (out, frames),
        |input, output| Server::new(input, output, socket).serve(service),
    )
    .await;
}
