//! aigis's engine: AI regions and the ledger that keeps them, history, findings, blast radius,
//! review policy, scan, agent hooks and the JSON contract. No LSP, MCP or command-line parsing:
//! `aigis-lsp` and the `aigis` binary call it. It reads syntax only through `aigis-languages`
//! (re-exported below), never a tree-sitter node.

pub use aigis_languages::{
    analysis, catalog, conventions, document, language, models, parse, shell, sql, symbols,
};

pub mod agent_hooks;
pub mod agents;
pub mod approvals;
pub mod blast;
pub mod change;
pub mod codeowners;
pub mod config;
pub mod doctor;
pub mod engine;
pub mod git;
pub mod heuristic;
pub mod history;
pub mod hook_setup;
pub mod identity;
pub mod incident;
pub mod index;
pub mod ledger;
pub mod linemap;
pub mod mcp_setup;
pub mod plan;
pub mod policy;
pub mod priority;
pub mod regions;
pub mod report;
pub mod review;
pub mod rollout;
pub mod safe_fs;
pub mod sarif;
pub mod scan;
pub mod team;
pub mod tracked_file;
pub mod walk;
pub mod wire;
pub mod workspace;
