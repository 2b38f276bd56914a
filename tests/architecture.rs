//! The layering, checked: only `languages` names a grammar or a node kind, only `lsp` speaks LSP,
//! only `cli` knows clap, and the manifests say the same; every source file is under ~600 lines
//! and opens with a line saying what it owns (docs/architecture.md).

use std::path::{Path, PathBuf};

fn server() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`, recursively.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The crates under `server/`: (name of the folder, its sources, its manifest).
fn crates() -> Vec<(String, Vec<PathBuf>, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(server()).unwrap().flatten() {
        let dir = e.path();
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let mut files = sources(&dir.join("src"));
        if dir.join("benches").is_dir() {
            files.extend(sources(&dir.join("benches")));
        }
        out.push((name, files, std::fs::read_to_string(manifest).unwrap()));
    }
    out.sort();
    out
}

/// A string literal that looks like a tree-sitter node kind of a grammar.
fn node_kinds(text: &str) -> Vec<String> {
    const SUFFIXES: [&str; 8] = [
        "_expression",
        "_declaration",
        "_item",
        "_identifier",
        "_literal",
        "_statement",
        "_definition",
        "_clause",
    ];
    let mut out = Vec::new();
    for (i, _) in text.match_indices('"') {
        let rest = &text[i + 1..];
        let Some(end) = rest.find('"') else { break };
        let word = &rest[..end];
        if !word.is_empty()
            && word.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && SUFFIXES.iter().any(|s| word.ends_with(s))
        {
            out.push(word.to_string());
        }
    }
    out
}

fn dependencies(manifest: &str) -> Vec<String> {
    let table: toml::Table = manifest.parse().unwrap();
    let mut out = Vec::new();
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(deps) = table.get(section).and_then(|d| d.as_table()) {
            out.extend(deps.keys().cloned());
        }
    }
    out
}

#[test]
fn the_crates_are_the_layers() {
    let names: Vec<String> = crates().into_iter().map(|c| c.0).collect();
    assert_eq!(names, ["cli", "core", "languages", "lsp", "mcp"]);
}

#[test]
fn only_languages_names_a_grammar_or_a_node_kind() {
    let mut bad = Vec::new();
    for (name, files, manifest) in crates() {
        if name == "languages" {
            continue;
        }
        for dep in dependencies(&manifest) {
            if dep.starts_with("tree-sitter") {
                bad.push(format!("server/{name}/Cargo.toml depends on {dep}"));
            }
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            if text.contains("tree_sitter") {
                bad.push(format!("{} names tree_sitter", f.display()));
            }
            for kind in node_kinds(&text) {
                bad.push(format!("{} names the node kind \"{kind}\"", f.display()));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_node_kind_check_catches_node_kinds() {
    assert_eq!(
        node_kinds(r#"match n.kind() { "call_expression" | "use_declaration" => 1, "x" => 2 }"#),
        ["call_expression", "use_declaration"]
    );
    assert!(node_kinds(r#"let s = "an item_list of things"; "Error_item""#).is_empty());
}

#[test]
fn only_lsp_speaks_lsp_only_mcp_speaks_mcp_and_only_cli_knows_clap() {
    let mut bad = Vec::new();
    for (name, files, manifest) in crates() {
        let deps = dependencies(&manifest);
        for (dep, owners) in [
            ("tower-lsp-server", &["lsp"][..]),
            ("rmcp", &["mcp"][..]),
            ("clap", &["cli"][..]),
            // The engine is synchronous; the protocol front ends bring the runtime.
            ("tokio", &["lsp", "mcp"][..]),
        ] {
            if !owners.contains(&name.as_str()) && deps.iter().any(|d| d == dep) {
                bad.push(format!("server/{name}/Cargo.toml depends on {dep}"));
            }
        }
        // Front ends reach the syntax layer through the core only.
        if matches!(name.as_str(), "lsp" | "cli" | "mcp")
            && deps.iter().any(|d| d == "aigis-languages")
        {
            bad.push(format!("server/{name} depends on aigis-languages directly"));
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            if name != "lsp" && text.contains("tower_lsp_server") {
                bad.push(format!("{} names tower_lsp_server", f.display()));
            }
            if name != "mcp" && text.contains("rmcp") {
                bad.push(format!("{} names rmcp", f.display()));
            }
            if name != "cli" && (text.contains("use clap") || text.contains("clap::")) {
                bad.push(format!("{} names clap", f.display()));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_source_file_is_short_and_says_what_it_owns() {
    let mut bad = Vec::new();
    for (_, files, _) in crates() {
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let lines = text.lines().count();
            if lines > 600 {
                bad.push(format!("{}: {lines} lines", f.display()));
            }
            if !text.starts_with("//!") {
                bad.push(format!("{}: no `//!` line first", f.display()));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
