//! The grammar crates: one line per grammar that `queries/languages.toml` may name, with its
//! `node-types.json` (which node kinds can hold which).

pub fn by_name(name: &str) -> Option<(tree_sitter::Language, &'static str)> {
    match name {
        "rust" => Some((
            tree_sitter_rust::LANGUAGE.into(),
            tree_sitter_rust::NODE_TYPES,
        )),
        "python" => Some((
            tree_sitter_python::LANGUAGE.into(),
            tree_sitter_python::NODE_TYPES,
        )),
        "go" => Some((tree_sitter_go::LANGUAGE.into(), tree_sitter_go::NODE_TYPES)),
        "javascript" => Some((
            tree_sitter_javascript::LANGUAGE.into(),
            tree_sitter_javascript::NODE_TYPES,
        )),
        "typescript" => Some((
            tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            tree_sitter_typescript::TYPESCRIPT_NODE_TYPES,
        )),
        "tsx" => Some((
            tree_sitter_typescript::LANGUAGE_TSX.into(),
            tree_sitter_typescript::TSX_NODE_TYPES,
        )),
        "hcl" => Some((
            tree_sitter_hcl::LANGUAGE.into(),
            tree_sitter_hcl::NODE_TYPES,
        )),
        "bash" => Some((
            tree_sitter_bash::LANGUAGE.into(),
            tree_sitter_bash::NODE_TYPES,
        )),
        "yaml" => Some((
            tree_sitter_yaml::LANGUAGE.into(),
            tree_sitter_yaml::NODE_TYPES,
        )),
        "json" => Some((
            tree_sitter_json::LANGUAGE.into(),
            tree_sitter_json::NODE_TYPES,
        )),
        "sql" => Some((
            tree_sitter_sequel::LANGUAGE.into(),
            tree_sitter_sequel::NODE_TYPES,
        )),
        _ => None,
    }
}
