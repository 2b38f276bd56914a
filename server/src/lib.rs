//! aigis: AI-written code made visible, measured and reviewed.
//!
//! The core (attribution, analysis, policy, the ledger) is plain Rust with no LSP types; only
//! `lsp` speaks JSON-RPC. `aigis scan`, `aigis lsp` and `aigis review` all call the same core.

pub mod agent_hooks;
pub mod agents;
pub mod analysis;
pub mod approvals;
pub mod blast;
pub mod catalog;
pub mod cli;
pub mod codeowners;
pub mod config;
pub mod document;
pub mod git;
pub mod heuristic;
pub mod history;
pub mod hook_setup;
pub mod identity;
pub mod incident;
pub mod index;
pub mod language;
pub mod ledger;
pub mod linemap;
pub mod lsp;
pub mod policy;
pub mod regions;
pub mod report;
pub mod review;
pub mod rollout;
pub mod safe_fs;
pub mod sarif;
pub mod scan;
pub mod shell;
pub mod sql;
pub mod team_report;
pub mod tracked_file;
pub mod walk;
pub mod workspace;
