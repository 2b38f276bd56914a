//! The one parser factory: full and incremental parses of a language's text.

pub use tree_sitter::Tree;

use crate::language::Language;

/// A reusable parser (tree-sitter parsers are not shared between threads: keep one per thread).
/// It switches grammar when asked to parse another language.
#[derive(Default)]
pub struct Parser {
    inner: tree_sitter::Parser,
    language: Option<&'static str>,
}

impl Parser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses `text` as `lang`; with `old` (already edited to match), only what changed is
    /// parsed again. `None` when the grammar cannot be loaded.
    pub fn parse(&mut self, lang: &Language, text: &str, old: Option<&Tree>) -> Option<Tree> {
        if self.language != Some(lang.name) {
            self.inner.set_language(&lang.grammar).ok()?;
            self.language = Some(lang.name);
        }
        self.inner.parse(text, old)
    }
}

/// A one-off full parse.
pub fn parse(lang: &Language, text: &str) -> Option<Tree> {
    Parser::new().parse(lang, text, None)
}
