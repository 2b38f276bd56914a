//! Files with no imports, calls or modules (Terraform, YAML, JSON, shell scripts, SQL): their
//! model (`models/`) reads them, so every code convention here says "nothing".

use std::path::Path;

use tree_sitter::Node;

use super::{Conventions, DefTraits, ImportScope, Imports, PathRoot, Project, Receiver};

pub struct Plain;

impl Conventions for Plain {
    fn unquote(&self, literal: &str) -> String {
        literal.to_string()
    }
    fn clean_path(&self, path: &str) -> String {
        path.to_string()
    }
    fn line_comment(&self) -> &'static str {
        "#"
    }
    fn imports(&self, _root: Node, _src: &[u8], _scope: ImportScope) -> Imports {
        Imports::default()
    }
    fn import_capture(&self, _node: Node, _src: &[u8]) -> (Imports, bool) {
        (Imports::default(), true)
    }
    fn is_context_item(&self, _item: Node, _text: Option<&str>) -> bool {
        false
    }
    fn first_arg<'t>(&self, _args: Node<'t>) -> Option<Node<'t>> {
        None
    }
    fn is_bare_path(&self, _n: Node) -> bool {
        false
    }
    fn method_name_start(&self, call: Node) -> usize {
        call.start_byte()
    }
    fn unwrap_expression<'t>(&self, _n: Node<'t>, _src: &[u8]) -> Option<Node<'t>> {
        None
    }
    fn receiver(&self, _n: Node, _src: &[u8]) -> Receiver {
        Receiver::Other(None)
    }
    fn call_on<'t>(&self, _call: Node<'t>) -> Option<Node<'t>> {
        None
    }
    fn binding_text(&self, _at: Node, _name: &str, _src: &[u8]) -> Option<String> {
        None
    }
    fn bound_name(&self, _call: Node, _src: &[u8]) -> Option<String> {
        None
    }
    fn enclosing_block<'t>(&self, _n: Node<'t>) -> Option<Node<'t>> {
        None
    }
    fn in_test_code(&self, _n: Node, _src: &[u8]) -> bool {
        false
    }
    fn is_test_path(&self, _path: &Path) -> bool {
        false
    }
    fn send_method(&self) -> &'static str {
        ""
    }
    fn arg_methods(&self) -> (&'static str, &'static str) {
        ("", "")
    }
    fn def_traits(&self, _text: &str, _item_start: usize, _name: &str, _is_fn: bool) -> DefTraits {
        DefTraits::default()
    }
    fn is_public(&self, _item: Node) -> bool {
        true
    }
    fn simple_type(&self, t: &str) -> String {
        t.to_string()
    }
    fn qualifier(&self, _path: Node, _src: &[u8]) -> Vec<String> {
        Vec::new()
    }
    fn binding_type(&self, _binding: Node, _src: &[u8]) -> Option<String> {
        None
    }
    fn path_root(&self, _segment: &str) -> Option<PathRoot> {
        None
    }
    fn project_of(&self, path: &Path) -> Project {
        let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        Project {
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            dir,
            is_lib: false,
        }
    }
    fn module_path(&self, _project_dir: &Path, _path: &Path) -> Vec<String> {
        Vec::new()
    }
}
