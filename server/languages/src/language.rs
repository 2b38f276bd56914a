//! The languages aigis analyses, read from `queries/languages.toml`: per language a grammar, the
//! queries and rule files of `queries/<lang>/` (bundled at build time) and its conventions, plus
//! the indexes the matcher needs (rules by method and path, trigger words, gating crates).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use serde::Deserialize;

use crate::bundle::{bundled, bundled_files};
use crate::catalog::{code_rules, CodeMatcher, CodeRule, RuleInfo, SHELL_RULES, SQL_RULES};
use crate::conventions::{self, Conventions};
use crate::grammars;

pub struct Language {
    pub name: &'static str,
    /// The folder under `queries/` holding its queries, rules and fixtures (its name, unless it
    /// shares another's: TypeScript and TSX read `javascript/`).
    pub queries: &'static str,
    /// The `languageId`s editors send for it.
    pub lsp_ids: &'static [&'static str],
    pub extensions: &'static [&'static str],
    /// Programs a `#!` line names for files of this language without an extension.
    pub shebangs: &'static [&'static str],
    /// Whole file names (`Dockerfile`, `Makefile`; `Dockerfile.*` for any suffix).
    pub filenames: &'static [&'static str],
    pub grammar: tree_sitter::Language,
    /// What its queries cannot say.
    pub conventions: &'static dyn Conventions,
    /// For a file without calls (configuration, scripts, SQL): how its tree becomes a document
    /// the rules read (`models/`).
    pub model: Option<&'static dyn crate::models::Model>,
    /// Values that hold commands or SQL (`[[embed]]` in its rule files).
    pub embeds: Vec<crate::models::Embed>,
    /// `queries/<lang>/risky.scm` and `tags.scm`, compiled when first used: compiling a query
    /// is most of what building the table costs, and a hook that only reads rules needs none.
    risky_src: &'static str,
    tags_src: Option<&'static str>,
    compiled_query: std::sync::OnceLock<crate::patterns::Patterns>,
    compiled_tags: std::sync::OnceLock<Option<crate::patterns::Patterns>>,
    /// The grammar's `node-types.json`: which subtrees the queries' walk may skip.
    node_types: &'static str,
    pub rules: Vec<CodeRule>,
    /// Rule indexes by the name the query sees: method name, canonical path, macro path.
    pub by_method: HashMap<String, Vec<usize>>,
    pub by_path: HashMap<String, Vec<usize>>,
    /// Words one of which must occur inside any call a rule matches (see [`Language::triggers`]).
    trigger_words: Vec<String>,
    /// Built when first used (a DFA: twice as fast to scan with as the default automaton, and
    /// slower to build, which only the languages a process reads pay for).
    compiled_triggers: std::sync::OnceLock<AhoCorasick>,
    /// For each trigger word, the crates one of which the file must name for it to count
    /// (empty: always counts).
    pub trigger_gates: Vec<Vec<String>>,
    /// Crate names that gate rules, to find which are used in a file.
    pub gate_names: Vec<String>,
    pub gates: AhoCorasick,
    /// Node kinds of string literals and of the pieces of a string's content.
    pub string_kinds: &'static [&'static str],
    pub path_separator: &'static str,
    /// What starts a line comment (`//`, `#`, `--`): annotations in fixtures follow it.
    pub line_comment: &'static str,
}

impl Language {
    /// It has a symbol table for the workspace index: a tags query, or a model that gives one.
    pub fn has_symbols(&self) -> bool {
        self.tags_src.is_some() || self.model.is_some_and(|m| m.has_symbols())
    }

    /// The candidate-call query (`queries/<lang>/risky.scm`).
    pub fn query(&self) -> &crate::patterns::Patterns {
        self.compiled_query
            .get_or_init(|| self.compile("risky.scm", self.risky_src))
    }

    /// A bundled query, read for the matcher (a broken one is a build of aigis that must not
    /// ship: the tests compile every one).
    fn compile(&self, file: &str, src: &str) -> crate::patterns::Patterns {
        crate::patterns::Patterns::new(&self.grammar, src)
            .unwrap_or_else(|e| {
                panic!(
                    "bundled query queries/{}/{file} is invalid for {}: {e}",
                    self.queries, self.name
                )
            })
            .skipping_by(&self.grammar, self.node_types)
    }

    /// The symbol query (`queries/<lang>/tags.scm`): the workspace index and blast radius.
    pub fn tags(&self) -> Option<&crate::patterns::Patterns> {
        self.compiled_tags
            .get_or_init(|| self.tags_src.map(|src| self.compile("tags.scm", src)))
            .as_ref()
    }

    /// The text of `queries/<lang>/tags.scm`, for comparing its matcher with tree-sitter's.
    pub fn tags_source(&self) -> Option<&'static str> {
        self.tags_src
    }

    /// The automaton of the words one of which must occur inside any call a rule matches: the
    /// cheap prefilter and the places worth querying. Each word's crates are in `trigger_gates`.
    pub fn triggers(&self) -> &AhoCorasick {
        self.compiled_triggers.get_or_init(|| {
            AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&self.trigger_words)
                .expect("trigger words build an automaton")
        })
    }

    /// The text of `queries/<lang>/risky.scm`, for comparing its matcher with tree-sitter's.
    pub fn query_source(&self) -> &'static str {
        self.risky_src
    }

    pub fn capture(&self, name: &str) -> Option<u32> {
        self.query().capture_index(name)
    }
}

static LANGUAGES: LazyLock<Vec<Language>> = LazyLock::new(|| {
    let table: LanguageTable = toml::from_str(bundled("languages.toml"))
        .unwrap_or_else(|e| panic!("queries/languages.toml is invalid: {e}"));
    table.language.into_iter().map(build).collect()
});

/// One `[[language]]` of `queries/languages.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LanguageEntry {
    name: String,
    #[serde(default)]
    queries: Option<String>,
    #[serde(default)]
    lsp_ids: Vec<String>,
    extensions: Vec<String>,
    #[serde(default)]
    shebangs: Vec<String>,
    #[serde(default)]
    filenames: Vec<String>,
    grammar: String,
    #[serde(default = "plain")]
    conventions: String,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    string_kinds: Vec<String>,
    path_separator: String,
    /// The line-comment marker, when the conventions do not say it (files without calls).
    #[serde(default)]
    line_comment: Option<String>,
}

fn plain() -> String {
    "plain".into()
}

#[derive(Debug, Deserialize)]
struct LanguageTable {
    language: Vec<LanguageEntry>,
}

/// Lives as long as the process: the table is built once.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn leak_all(v: Vec<String>) -> &'static [&'static str] {
    Box::leak(
        v.into_iter()
            .map(leak)
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    )
}

fn build(entry: LanguageEntry) -> Language {
    let name = leak(entry.name);
    let queries = leak(entry.queries.unwrap_or_else(|| name.to_string()));
    let (grammar, node_types) = grammars::by_name(&entry.grammar).unwrap_or_else(|| {
        panic!(
            "queries/languages.toml: {name} names grammar `{}`, which grammars.rs does not have",
            entry.grammar
        )
    });
    let conventions = conventions::by_name(&entry.conventions).unwrap_or_else(|| {
        panic!("queries/languages.toml: {name} names conventions `{}`, which conventions/ does not have", entry.conventions)
    });
    let model = entry.model.as_deref().map(|m| {
        crate::models::by_name(m).unwrap_or_else(|| {
            panic!("queries/languages.toml: {name} names model `{m}`, which models/ does not have")
        })
    });
    let path_separator = leak(entry.path_separator);
    let file = |f: &str| {
        let rel = format!("{queries}/{f}");
        bundled_files()
            .iter()
            .find(|(p, _)| *p == rel)
            .map(|(_, t)| *t)
    };
    let risky_src = file("risky.scm").unwrap_or("");
    let tags_src = file("tags.scm");
    let prefix = format!("{queries}/");
    let rule_files: Vec<(String, &str)> = bundled_files()
        .iter()
        .filter(|(p, _)| {
            p.strip_prefix(&prefix)
                .is_some_and(|rest| rest.ends_with(".toml") && !rest.contains('/'))
        })
        .map(|(p, t)| (format!("queries/{p}"), *t))
        .collect();
    let rule_files: Vec<(&str, &str)> = rule_files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let (rules, embeds) = code_rules(&rule_files);
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
            }
            | CodeMatcher::ClientCall {
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
                ..
            } => {
                for p in paths {
                    by_path.entry(p.clone()).or_default().push(i);
                    // The type or function name: `Command` of `std::process::Command::new`.
                    let segs: Vec<&str> = p.split(path_separator).collect();
                    let key = if segs.len() >= 2
                        && Some(segs[segs.len() - 1]) == conventions.constructor()
                    {
                        segs[segs.len() - 2].to_string()
                    } else {
                        last(p)
                    };
                    // A path outside the standard library needs its crate named in the file.
                    let root = segs[0].to_string();
                    if conventions.std_roots().contains(&root.as_str()) {
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
            CodeMatcher::Attribute { .. } => {}
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
        queries,
        lsp_ids: leak_all(entry.lsp_ids),
        extensions: leak_all(entry.extensions),
        shebangs: leak_all(entry.shebangs),
        filenames: leak_all(entry.filenames),
        grammar,
        conventions,
        model,
        embeds,
        risky_src,
        tags_src,
        compiled_query: std::sync::OnceLock::new(),
        compiled_tags: std::sync::OnceLock::new(),
        node_types,
        rules,
        by_method,
        by_path,
        trigger_words: triggers,
        compiled_triggers: std::sync::OnceLock::new(),
        trigger_gates,
        gates: AhoCorasick::new(&gate_names).expect("crate names build an automaton"),
        gate_names,
        string_kinds: leak_all(entry.string_kinds),
        path_separator,
        line_comment: entry
            .line_comment
            .map(leak)
            .unwrap_or_else(|| conventions.line_comment()),
    }
}

pub fn all() -> &'static [Language] {
    &LANGUAGES
}

pub fn by_name(name: &str) -> Option<&'static Language> {
    LANGUAGES.iter().find(|l| l.name == name)
}

/// The language an editor's `languageId` names.
pub fn by_lsp_id(id: &str) -> Option<&'static Language> {
    LANGUAGES
        .iter()
        .find(|l| l.lsp_ids.contains(&id) || l.name == id)
}

/// Every extension a language is read from (`rs`), for file watchers and walkers.
pub fn extensions() -> Vec<&'static str> {
    LANGUAGES
        .iter()
        .flat_map(|l| l.extensions.iter().copied())
        .collect()
}

/// The language of a file, by its extension: the longest that matches (`x.tf.json` is Terraform
/// JSON, not JSON). A script without one is found by [`for_text`].
pub fn for_path(path: &Path) -> Option<&'static Language> {
    let name = path.file_name()?.to_str()?;
    let named = |pattern: &str| match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    };
    if let Some(l) = LANGUAGES
        .iter()
        .find(|l| l.filenames.iter().any(|f| named(f)))
    {
        return Some(l);
    }
    let mut best: Option<(&'static Language, usize)> = None;
    for l in LANGUAGES.iter() {
        for ext in l.extensions {
            let fits = name.len() > ext.len() + 1
                && name.ends_with(ext)
                && name.as_bytes()[name.len() - ext.len() - 1] == b'.';
            if fits && best.is_none_or(|(_, n)| ext.len() > n) {
                best = Some((l, ext.len()));
            }
        }
    }
    best.map(|(l, _)| l)
}

/// A file's language from its extension, else from a `#!` line naming a program a language
/// lists in `shebangs` (`#!/usr/bin/env bash`).
pub fn for_text(path: &Path, text: &str) -> Option<&'static Language> {
    for_path(path).or_else(|| {
        let first = text.lines().next()?.strip_prefix("#!")?;
        let mut words = first.split_whitespace();
        let mut program = words.next()?.rsplit('/').next()?;
        if program == "env" {
            program = words.find(|w| !w.starts_with('-'))?;
        }
        LANGUAGES.iter().find(|l| l.shebangs.contains(&program))
    })
}

/// The rule `id` of a language (or of the command-line and SQL rules), as the catalog holds it.
pub fn static_rule_info(lang: &'static Language, id: &str) -> Option<&'static RuleInfo> {
    lang.rules
        .iter()
        .map(|r| &r.info)
        .chain(SHELL_RULES.iter().map(|r| &r.info))
        .chain(SQL_RULES.iter().map(|r| &r.info))
        .chain(crate::models::changes::rules())
        .find(|i| i.id == id)
}

/// The language an editor names in `didOpen` (`languageId`), or the file's extension.
pub fn for_document(language_id: &str, path: &Path) -> Option<&'static Language> {
    by_lsp_id(language_id).or_else(|| for_path(path))
}

/// Every rule of every kind, by id: for hover, SARIF rule metadata and `scan` output.
pub fn all_rules() -> HashMap<String, RuleInfo> {
    let mut out = HashMap::new();
    for lang in all() {
        for r in &lang.rules {
            out.insert(r.info.id.clone(), r.info.clone());
        }
    }
    for r in SHELL_RULES.iter() {
        out.insert(r.info.id.clone(), r.info.clone());
    }
    for r in SQL_RULES.iter() {
        out.insert(r.info.id.clone(), r.info.clone());
    }
    for r in crate::models::changes::rules() {
        out.insert(r.id.clone(), r.clone());
    }
    out
}
