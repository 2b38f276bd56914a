//! A file's committed text (HEAD), read and parsed once, for what only a comparison shows: a
//! Terraform edit that replaces a stateful resource or removes its `prevent_destroy`, in the
//! editor as in `scan` and `guard`.

use crate::language::Language;
use crate::models::Doc;
use crate::workspace::Workspace;

/// `None` until first asked; then the committed text's document, or nothing (a new file, no
/// git, not a language with a model).
#[derive(Default)]
pub struct Committed(Option<Option<Doc>>);

impl Committed {
    /// The document of the committed text of `rel` (read and built once).
    pub fn doc(
        &mut self,
        ws: Option<&Workspace>,
        rel: Option<&str>,
        lang: &'static Language,
    ) -> Option<&Doc> {
        self.0
            .get_or_insert_with(|| {
                lang.model?;
                let old = crate::git::show_file(&ws?.root, "HEAD", rel?)?;
                let tree = crate::parse::parse(lang, &old)?;
                crate::models::document(lang, &tree, &old)
            })
            .as_ref()
    }
}
