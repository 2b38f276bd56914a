//! The tools, as the MCP SDK's router sees them: argument types (their JSON Schema comes from
//! these definitions and their doc comments), and one handler per tool that runs the engine on a
//! blocking thread and answers with a short text and the same data as `structuredContent`.
//! Bad arguments are results with `isError: true` and a sentence the model can act on.

use std::sync::Arc;

use aigis_core::engine::{Engine, ProposedEdit};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock as Content, ErrorData};
use rmcp::service::RequestContext;
use rmcp::{schemars, tool, tool_handler, tool_router, RoleServer, ServerHandler};
use serde::{Deserialize, Serialize};

use crate::text;

/// The default cap on every list in an answer (agents truncate results past ~25k tokens).
const DEFAULT_LIMIT: u32 = 50;

#[derive(Clone)]
pub struct Aigis {
    engine: Result<Arc<Engine>, String>,
    tool_router: rmcp::handler::server::router::tool::ToolRouter<Aigis>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct BlastArgs {
    /// The file, relative to the workspace root (e.g. `src/ops.rs`).
    pub file: String,
    /// A 1-based line in the file: the AI region there, else the innermost definition around it.
    #[schemars(range(min = 1))]
    pub line: Option<u32>,
    /// A symbol defined in the file (`recreate`, `Stack::delete`), instead of a line.
    pub symbol: Option<String>,
    /// The most items per list (default 50).
    #[schemars(range(min = 1))]
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct CheckChangeArgs {
    /// The file to change, relative to the workspace root (it may not exist yet).
    pub file: String,
    /// The whole new text of the file.
    pub content: Option<String>,
    /// The exact text to replace (with `new_string`), as Claude's Edit tool gives it.
    pub old_string: Option<String>,
    /// The text that replaces `old_string`.
    pub new_string: Option<String>,
    /// Replace every occurrence of `old_string` (default: it must occur once).
    pub replace_all: Option<bool>,
    /// A unified diff, or a Codex `*** Begin Patch` envelope.
    pub patch: Option<String>,
    /// The most items per list (default 50).
    #[schemars(range(min = 1))]
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ScanArgs {
    /// The git revision to compare with (default `HEAD`: the uncommitted work).
    pub base: Option<String>,
    /// The most items per list (default 50).
    #[schemars(range(min = 1))]
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct StatusArgs {
    /// A file relative to the workspace root (default: the whole workspace).
    pub file: Option<String>,
    /// The most items per list (default 50).
    #[schemars(range(min = 1))]
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct RequestArgs {
    /// The file, relative to the workspace root.
    pub file: String,
    /// A 1-based line inside the AI region to review.
    #[schemars(range(min = 1))]
    pub line: u32,
    /// What the reviewer should look at.
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct CommandArgs {
    /// The shell command line the agent is about to run.
    pub command: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct WhoArgs {
    /// The file, relative to the workspace root.
    pub file: String,
    /// The first 1-based line (default: the whole file).
    #[schemars(range(min = 1))]
    pub line: Option<u32>,
    /// The last 1-based line (default: `line`).
    #[schemars(range(min = 1))]
    pub end_line: Option<u32>,
    /// The most line ranges (default 50).
    #[schemars(range(min = 1))]
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct RuleArgs {
    /// A rule id, e.g. `aws.cloudformation.delete-stack` (as findings name them).
    pub rule: String,
}

fn limit(l: Option<u32>) -> usize {
    l.unwrap_or(DEFAULT_LIMIT).max(1) as usize
}

/// A tool's answer: `render` turns the data into the text a model reads; the data goes as
/// `structuredContent`. An `Err` is a result with `isError: true`.
fn answer<T: Serialize>(
    result: Result<T, String>,
    render: impl FnOnce(&T) -> String,
) -> Result<CallToolResult, ErrorData> {
    match result {
        Ok(data) => {
            let text = render(&data);
            let value = serde_json::to_value(&data).map_err(|e| {
                ErrorData::internal_error(format!("cannot encode the answer: {e}"), None)
            })?;
            let mut r = CallToolResult::success(vec![Content::text(text)]);
            r.structured_content = Some(value);
            Ok(r)
        }
        Err(why) => Ok(CallToolResult::error(vec![Content::text(why)])),
    }
}

impl Aigis {
    pub fn new(engine: Result<Arc<Engine>, String>) -> Aigis {
        Aigis {
            engine,
            tool_router: Self::tool_router(),
        }
    }

    /// Runs `f` on the engine on a blocking thread (parsing and the index are synchronous).
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Arc<Engine>) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let engine = self.engine.clone().map_err(|why| {
            format!("aigis cannot serve this workspace: {why}. Fix aigis.toml, then restart the MCP server.")
        })?;
        let out = tokio::task::spawn_blocking(move || {
            let out = f(&engine);
            engine.refresh_soon();
            out
        })
        .await
        .map_err(|e| format!("aigis failed on this request ({e}); the server keeps serving"))?;
        out
    }
}

#[tool_router]
impl Aigis {
    #[tool(
        description = "Before changing code: what depends on the code at FILE:LINE (or a SYMBOL in FILE). Returns direct and transitive dependents {file, line, caller, confidence}, entry points reached (main, handlers), test callers (listed apart), risky operations in the code and reachable through its calls, who wrote it (AI or human) and the review tier a change there needs, with reviewers.",
        annotations(title = "Blast radius", read_only_hint = true, open_world_hint = false)
    )]
    async fn blast_radius(
        &self,
        Parameters(a): Parameters<BlastArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let r = self
            .run(move |e| {
                e.blast(
                    &a.file,
                    a.line.map(|l| l as usize),
                    a.symbol.as_deref(),
                    limit(a.limit),
                )
            })
            .await;
        answer(r, text::blast)
    }

    #[tool(
        description = "Before applying an edit: give the exact edit (the whole new `content`, or `old_string` + `new_string`, or a unified diff `patch`). Returns the verdict (allow, needs_review, blocked), the risky operations the edit adds or removes with what they destroy, the review tier and reviewers, the blast radius of the code it touches, and whether aigis guard would let it through. Writes nothing. If the verdict is blocked, do not apply the edit: tell the user.",
        annotations(
            title = "Check a change",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn check_change(
        &self,
        Parameters(a): Parameters<CheckChangeArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let agent = ctx.client_info().map(|c| c.name);
        let edit = match (a.content, a.old_string, a.new_string, a.patch) {
            (Some(c), None, None, None) => Ok(ProposedEdit::Content(c)),
            (None, Some(old), Some(new), None) => Ok(ProposedEdit::Replace { old, new, all: a.replace_all.unwrap_or(false) }),
            (None, Some(_), None, None) | (None, None, Some(_), None) => Err("give both `old_string` and `new_string`".to_string()),
            (None, None, None, Some(p)) => Ok(ProposedEdit::Patch(p)),
            (None, None, None, None) => Err("give the edit: `content` (the whole new file), `old_string` + `new_string`, or `patch` (a unified diff)".to_string()),
            _ => Err("give exactly one form of the edit: `content`, `old_string` + `new_string`, or `patch`".to_string()),
        };
        let file = a.file;
        let lim = limit(a.limit);
        let r = match edit {
            Ok(edit) => {
                self.run(move |e| e.check_change(&file, &edit, agent.as_deref(), lim))
                    .await
            }
            Err(why) => Err(why),
        };
        answer(r, text::change)
    }

    #[tool(
        description = "What `aigis scan --base BASE` reports for the work since BASE (default HEAD, the uncommitted work): AI regions changed with their tier and review state, risky operations, and the rollout a deploy pipeline should use (hold, canary, standard).",
        annotations(title = "Scan changes", read_only_hint = true, open_world_hint = false)
    )]
    async fn scan_changes(
        &self,
        Parameters(a): Parameters<ScanArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let r = self
            .run(move |e| e.scan_changes(a.base.as_deref(), limit(a.limit)))
            .await;
        answer(r, text::scan)
    }

    #[tool(
        description = "AI-written regions (of FILE, or of the whole workspace) with the tool and model that wrote them, their review tier (senior, peer, none), review state (required, requested, approved) and reviewers. Regions needing a person come first.",
        annotations(
            title = "Review status",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn review_status(
        &self,
        Parameters(a): Parameters<StatusArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let r = self
            .run(move |e| e.review_status(a.file.as_deref(), limit(a.limit)))
            .await;
        answer(r, text::status)
    }

    #[tool(
        description = "Ask a person to review the AI region at FILE:LINE (recorded in the repository's review ledger as requested by this agent, with an optional note). It does not approve anything: agents never approve their own changes.",
        annotations(
            title = "Request a review",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn request_review(
        &self,
        Parameters(a): Parameters<RequestArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let agent = ctx
            .client_info()
            .map(|c| format!("{} {}", c.name, c.version))
            .unwrap_or_else(|| "an MCP client".into());
        let r = self
            .run(move |e| e.request_review(&a.file, a.line as usize, a.note.as_deref(), &agent))
            .await;
        answer(r, |d| d.summary.clone())
    }

    #[tool(
        description = "Before running a shell command: whether it deletes or destroys something (terraform destroy, kubectl delete namespace, aws cloudformation delete-stack, rm -rf, DROP TABLE through psql) and what aigis guard would answer (allow, ask, deny), with the reason and a safer way.",
        annotations(
            title = "Check a command",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn check_command(
        &self,
        Parameters(a): Parameters<CommandArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let r = self.run(move |e| Ok(e.check_command(&a.command))).await;
        answer(r, text::command)
    }

    #[tool(
        description = "Who wrote lines of FILE: human or AI, which tool, model and session, the source and confidence of that attribution, the commit and the review state, in runs of lines.",
        annotations(title = "Who wrote it", read_only_hint = true, open_world_hint = false)
    )]
    async fn who_wrote(
        &self,
        Parameters(a): Parameters<WhoArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let r = self
            .run(move |e| {
                e.who_wrote(
                    &a.file,
                    a.line.map(|l| l as usize),
                    a.end_line.map(|l| l as usize),
                    limit(a.limit),
                )
            })
            .await;
        answer(r, text::who)
    }

    #[tool(
        description = "Explain a rule id from a finding (e.g. aws.cloudformation.delete-stack): what the operation destroys, why it is risky, what makes it worse or safer (dry_run), the safer way to do the same job, and what guard does with it here.",
        annotations(
            title = "Explain a rule",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn explain_rule(
        &self,
        Parameters(a): Parameters<RuleArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let r = self.run(move |e| e.explain_rule(&a.rule)).await;
        answer(r, |d| d.summary.clone())
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Aigis {
    fn get_info(&self) -> rmcp::model::ServerConfig {
        rmcp::model::ServerConfig::new(
            rmcp::model::ServerCapabilities::builder()
                .enable_tools()
                .build(),
        )
        .with_server_info(rmcp::model::Implementation::new(
            "aigis",
            env!("CARGO_PKG_VERSION"),
        ))
        .with_instructions(crate::INSTRUCTIONS.to_string())
    }
}
