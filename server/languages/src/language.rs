//! The languages aigis analyses. A language is data: a grammar, the query files under
//! `queries/<lang>/` and the catalog entries there. Adding one touches this table, not the
//! analysis.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use tree_sitter::Query;

use crate::catalog::{code_rules, CodeMatcher, CodeRule};

pub struct Language {
    pub name: &'static str,
    pub extensions: &'static [&'static str],
    pub grammar: tree_sitter::Language,
    /// The candidate-call query (`queries/<lang>/risky.scm`).
    pub query: Query,
    pub rules: Vec<CodeRule>,
    /// Rule indexes by the name the query sees: method name, canonical path, macro path.
    pub by_method: HashMap<String, Vec<usize>>,
    pub by_path: HashMap<String, Vec<usize>>,
    /// Words one of which must occur inside any call a rule matches: the cheap prefilter and
    /// the places worth querying. Each word lists the crates one of which the file must name
    /// for it to count (empty: always counts).
    pub triggers: AhoCorasick,
    pub trigger_gates: Vec<Vec<String>>,
    /// Crate names that gate rules, to find which are used in a file.
    pub gate_names: Vec<String>,
    pub gates: AhoCorasick,
    /// Node kinds of string literals and of the pieces of a string's content.
    pub string_kinds: &'static [&'static str],
    pub path_separator: &'static str,
}

impl Language {
    pub fn capture(&self, name: &str) -> Option<u32> {
        self.query.capture_index_for_name(name)
    }
}

static LANGUAGES: LazyLock<Vec<Language>> = LazyLock::new(|| {
    vec![build(
        "rust",
        &["rs"],
        tree_sitter_rust::LANGUAGE.into(),
        include_str!("../../../queries/rust/risky.scm"),
        &[
            (
                "queries/rust/aws.toml",
                include_str!("../../../queries/rust/aws.toml"),
            ),
            (
                "queries/rust/rules.toml",
                include_str!("../../../queries/rust/rules.toml"),
            ),
        ],
        &["string_literal", "raw_string_literal"],
        "::",
    )]
});

fn build(
    name: &'static str,
    extensions: &'static [&'static str],
    grammar: tree_sitter::Language,
    query_src: &str,
    rule_files: &[(&str, &str)],
    string_kinds: &'static [&'static str],
    path_separator: &'static str,
) -> Language {
    let query = Query::new(&grammar, query_src)
        .unwrap_or_else(|e| panic!("bundled query queries/{name}/risky.scm is invalid: {e}"));
    let rules = code_rules(rule_files);
    let mut by_method: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_path: HashMap<String, Vec<usize>> = HashMap::new();
    let mut triggers: HashMap<String, Option<HashSet<String>>> = HashMap::new();
    // A word is gated only if every rule it triggers is gated.
    let mut add = |word: &str, gates: &[String]| {
        let entry = triggers
            .entry(word.to_string())
            .or_insert_with(|| Some(HashSet::new()));
        match (entry.as_mut(), gates.is_empty()) {
            (Some(set), false) => set.extend(gates.iter().cloned()),
            _ => *entry = None,
        }
    };
    let mut gates: HashSet<String> = HashSet::new();
    let last = |p: &str| p.rsplit(path_separator).next().unwrap_or(p).to_string();
    for (i, rule) in rules.iter().enumerate() {
        match &rule.matcher {
            CodeMatcher::SdkChain { method, crates, .. } => {
                by_method.entry(method.clone()).or_default().push(i);
                add(method, crates);
                gates.extend(crates.iter().cloned());
            }
            CodeMatcher::MethodCall {
                methods, crates, ..
            } => {
                for m in methods {
                    by_method.entry(m.clone()).or_default().push(i);
                    add(m, crates);
                }
                gates.extend(crates.iter().cloned());
            }
            CodeMatcher::PathCall { paths, .. }
            | CodeMatcher::Command {
                constructors: paths,
            } => {
                for p in paths {
                    by_path.entry(p.clone()).or_default().push(i);
                    // The type or function name: `Command` of `std::process::Command::new`.
                    let segs: Vec<&str> = p.split(path_separator).collect();
                    let key = if segs.len() >= 2 && segs[segs.len() - 1] == "new" {
                        segs[segs.len() - 2].to_string()
                    } else {
                        last(p)
                    };
                    // A path outside the standard library needs its crate named in the file.
                    let root = segs[0].to_string();
                    if matches!(root.as_str(), "std" | "core" | "alloc") {
                        add(&key, &[]);
                    } else {
                        add(&key, std::slice::from_ref(&root));
                        gates.insert(root);
                    }
                }
            }
            CodeMatcher::SqlMacro { macros, crates } => {
                for c in crates {
                    for m in macros {
                        by_path
                            .entry(format!("{c}{path_separator}{m}"))
                            .or_default()
                            .push(i);
                    }
                }
                for m in macros {
                    add(m, crates);
                }
                gates.extend(crates.iter().cloned());
            }
        }
    }
    let mut triggers: Vec<(String, Vec<String>)> = triggers
        .into_iter()
        .map(|(w, g)| {
            let mut g: Vec<String> = g.map(|s| s.into_iter().collect()).unwrap_or_default();
            g.sort();
            (w, g)
        })
        .collect();
    triggers.sort();
    let trigger_gates: Vec<Vec<String>> = triggers.iter().map(|(_, g)| g.clone()).collect();
    let triggers: Vec<String> = triggers.into_iter().map(|(w, _)| w).collect();
    let mut gate_names: Vec<String> = gates.into_iter().collect();
    gate_names.sort();
    Language {
        name,
        extensions,
        grammar,
        query,
        rules,
        by_method,
        by_path,
        triggers: AhoCorasick::new(&triggers).expect("trigger words build an automaton"),
        trigger_gates,
        gates: AhoCorasick::new(&gate_names).expect("crate names build an automaton"),
        gate_names,
        string_kinds,
        path_separator,
    }
}

pub fn all() -> &'static [Language] {
    &LANGUAGES
}

pub fn by_name(name: &str) -> Option<&'static Language> {
    LANGUAGES.iter().find(|l| l.name == name)
}

pub fn for_path(path: &Path) -> Option<&'static Language> {
    let ext = path.extension()?.to_str()?;
    LANGUAGES.iter().find(|l| l.extensions.contains(&ext))
}

/// The language an editor names in `didOpen` (`languageId`), or the file's extension.
pub fn for_document(language_id: &str, path: &Path) -> Option<&'static Language> {
    by_name(language_id).or_else(|| for_path(path))
}
