//! aigis's syntax layer: the languages it reads (a grammar, `queries/<lang>/` and rules per
//! language), the one parser, documents with incremental parsing, risky-operation matching and
//! per-file symbol extraction. This is the only crate that names a grammar crate or a node kind;
//! everything above it (`aigis-core` and the front ends) works on findings and symbol tables.

pub mod analysis;
pub mod bundle;
pub mod catalog;
pub mod conventions;
pub mod document;
mod fields;
pub mod grammars;
pub mod language;
pub mod models;
pub mod parse;
pub mod patterns;
pub mod shell;
pub mod sql;
pub mod symbols;
