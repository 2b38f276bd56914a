//! The one parser factory: full and incremental parses of a language's text.

pub use tree_sitter::Tree;

use crate::language::Language;
use std::sync::atomic::{AtomicUsize, Ordering};

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
        if !self.switch_to(lang) {
            return None;
        }
        self.inner.parse(text, old)
    }

    /// Sets `lang`'s grammar unless it is set already; false when it cannot be loaded.
    fn switch_to(&mut self, lang: &Language) -> bool {
        if self.language != Some(lang.name) {
            if self.inner.set_language(&lang.grammar).is_err() {
                return false;
            }
            self.language = Some(lang.name);
        }
        true
    }

    /// As [`Parser::parse`], giving up after about `steps` hundred parser operations (counted,
    /// not timed: the same edit of the same text takes the same way on a loaded machine).
    /// `Bounded::OverBudget` leaves nothing half-done behind. A full parse of a 150 KB file
    /// takes a few thousand steps; an incremental one of a keystroke, a few dozen.
    pub fn parse_bounded(
        &mut self,
        lang: &Language,
        text: &str,
        old: Option<&Tree>,
        steps: usize,
    ) -> Bounded {
        if !self.switch_to(lang) {
            return Bounded::NoGrammar;
        }
        let bytes = text.as_bytes();
        let mut taken = 0usize;
        // Once every version of the parse is recovering from an error (steps that cost ten
        // times a clean one, and that can run through the rest of the file), only a few more.
        let mut limit = steps;
        let mut progress = |state: &tree_sitter::ParseState| {
            taken += 1;
            if state.has_error() {
                limit = limit.min(taken + steps / ERROR_STEPS_DIVISOR);
            }
            if taken > limit {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        };
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        let tree = self.inner.parse_with_options(
            &mut |at: usize, _| bytes.get(at..).unwrap_or_default(),
            old,
            Some(options),
        );
        match tree {
            Some(tree) => Bounded::Parsed { tree, steps: taken },
            None => {
                // A cancelled parse would otherwise resume on the next call, with other text.
                self.inner.reset();
                Bounded::OverBudget
            }
        }
    }
}

/// Of a bounded parse's budget, the part left once it is recovering from an error: a failing
/// keystroke parse of the bench's Python file took p99 6 ms with the whole budget, 3 ms so.
const ERROR_STEPS_DIVISOR: usize = 12;

/// What a bounded parse came to.
pub enum Bounded {
    /// Done, in `steps` steps.
    Parsed {
        tree: Tree,
        steps: usize,
    },
    /// The parse needed more steps than it was given (error recovery that runs through the
    /// rest of the file); nothing is kept.
    OverBudget,
    NoGrammar,
}

/// Frees `tree` on a thread of its own. Freeing a tree releases every node no newer tree shares:
/// while a 5,000-line Python file was typed through errors, that was half the CPU of the
/// threads that answer keystrokes and take in background parses (one profile); nobody waits
/// for it. Inline when no thread can be had. (At the lowest scheduling priority it answered
/// typing no faster: edit_latency's Python runs, three alternating pairs.)
pub fn retire(tree: Tree) {
    static FREER: std::sync::OnceLock<Option<std::sync::mpsc::Sender<Tree>>> =
        std::sync::OnceLock::new();
    let freer = FREER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Tree>();
        std::thread::Builder::new()
            .name("aigis-free".into())
            .spawn(move || {
                for tree in rx {
                    drop(tree);
                    RETIRING.fetch_sub(1, Ordering::AcqRel);
                }
            })
            .ok()
            .map(|_| tx)
    });
    let Some(freer) = freer else {
        return drop(tree);
    };
    RETIRING.fetch_add(1, Ordering::AcqRel);
    if let Err(refused) = freer.send(tree) {
        RETIRING.fetch_sub(1, Ordering::AcqRel);
        drop(refused.0);
    }
}

/// Trees handed to the freeing thread and not freed yet.
static RETIRING: AtomicUsize = AtomicUsize::new(0);

/// Returns once every tree retired so far is freed: for measurements that keep documents of
/// their own (a benchmark's copy of the text it types), so that freeing their trees does not
/// run while they time the server.
pub fn wait_retired() {
    while RETIRING.load(Ordering::Acquire) > 0 {
        std::thread::sleep(std::time::Duration::from_micros(50));
    }
}

/// A one-off full parse.
pub fn parse(lang: &Language, text: &str) -> Option<Tree> {
    Parser::new().parse(lang, text, None)
}

/// The tree of `new`, parsed incrementally from `old_tree` (the tree of `old`): the one stretch
/// where the two texts differ (their common start and end set aside) is parsed again, the rest
/// reused. An edit proposed to a large file costs about as much as the edit, not the file.
pub fn reparse_changed(lang: &Language, old: &str, old_tree: &Tree, new: &str) -> Option<Tree> {
    let (o, n) = (old.as_bytes(), new.as_bytes());
    let mut prefix = o.iter().zip(n).take_while(|(a, b)| a == b).count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = o.len().min(n.len()) - prefix;
    let mut suffix = o
        .iter()
        .rev()
        .zip(n.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(o.len() - suffix) || !new.is_char_boundary(n.len() - suffix) {
        suffix -= 1;
    }
    let point = |text: &str, at: usize| {
        let before = &text.as_bytes()[..at];
        let row = before.iter().filter(|&&b| b == b'\n').count();
        let col = at
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
        tree_sitter::Point { row, column: col }
    };
    let edit = tree_sitter::InputEdit {
        start_byte: prefix,
        old_end_byte: o.len() - suffix,
        new_end_byte: n.len() - suffix,
        start_position: point(old, prefix),
        old_end_position: point(old, o.len() - suffix),
        new_end_position: point(new, n.len() - suffix),
    };
    let mut tree = old_tree.clone();
    tree.edit(&edit);
    Parser::new().parse(lang, new, Some(&tree))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_for_retired_trees_ends() {
        let rust = crate::language::by_name("rust").unwrap();
        for _ in 0..20 {
            retire(parse(rust, "fn a() { let x = 1; }\n").unwrap());
        }
        // Other tests retire trees meanwhile: what is checked is that the wait ends (each
        // tree handed over is counted out once freed).
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            wait_retired();
            let _ = tx.send(());
        });
        let waited = rx.recv_timeout(std::time::Duration::from_secs(60));
        assert_eq!(waited, Ok(()), "the wait for retired trees ended");
    }

    #[test]
    fn an_incremental_reparse_gives_the_tree_of_a_full_parse() {
        let rust = crate::language::by_name("rust").unwrap();
        let old = "fn a() {\n    let x = 1;\n}\n\nfn é() {}\n";
        for new in [
            "fn a() {\n    let x = 2;\n}\n\nfn é() {}\n",
            "fn a() {\n}\n\nfn é() {}\n",
            "fn z() {}\nfn a() {\n    let x = 1;\n}\n\nfn é() {}\n",
            "fn a() {\n    let x = 1;\n}\n\nfn è() {}\n",
            "",
            old,
        ] {
            let tree = parse(rust, old).unwrap();
            let inc = reparse_changed(rust, old, &tree, new).unwrap();
            let full = parse(rust, new).unwrap();
            assert_eq!(
                inc.root_node().to_sexp(),
                full.root_node().to_sexp(),
                "{new:?}"
            );
        }
    }
}
