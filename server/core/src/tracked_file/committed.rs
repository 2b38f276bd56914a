//! A file's committed text (HEAD), read and parsed once, for what only a comparison shows: a
//! Terraform edit that replaces a stateful resource or removes its `prevent_destroy`, in the
//! editor as in `scan` and `guard`.

use crate::analysis::Finding;
use crate::language::Language;
use crate::parse::Tree;
use crate::workspace::Workspace;

/// `None` until first asked; then the committed text and its tree, or nothing (a new file, no
/// git, not a language with a model).
#[derive(Default)]
pub struct Committed(Option<Option<(String, Tree)>>);

impl Committed {
    /// The findings of `text` against the committed text of `rel`.
    pub fn compared(
        &mut self,
        ws: Option<&Workspace>,
        rel: Option<&str>,
        lang: &'static Language,
        tree: &Tree,
        text: &str,
    ) -> Vec<Finding> {
        if lang.model.is_none() {
            return Vec::new();
        }
        let slot = self.0.get_or_insert_with(|| {
            let (ws, rel) = (ws?, rel?);
            let old = crate::git::show_file(&ws.root, "HEAD", rel)?;
            let tree = crate::parse::parse(lang, &old)?;
            Some((old, tree))
        });
        match slot {
            Some((old, old_tree)) => {
                crate::models::compared_findings(lang, (old_tree, old), (tree, text))
            }
            None => Vec::new(),
        }
    }
}
