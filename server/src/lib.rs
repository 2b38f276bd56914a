//! aigis: AI-written code made visible, measured and reviewed.
//!
//! The core (attribution, analysis, policy, the ledger) is plain Rust with no LSP types; only
//! `lsp` speaks JSON-RPC. `aigis scan`, `aigis lsp` and `aigis review` all call the same core.

pub mod analysis;
pub mod catalog;
pub mod codeowners;
pub mod config;
pub mod document;
pub mod identity;
pub mod language;
pub mod ledger;
pub mod regions;
pub mod shell;
pub mod sql;
