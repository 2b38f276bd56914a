//! Reads the part of tree-sitter's query language the bundled queries use; anything else is
//! an error naming the line.

use tree_sitter::Language as Grammar;

use super::{Kinds, Predicate, Step, Test};

/// The query text, read left to right.
pub(super) struct Reader<'a> {
    pub(super) src: &'a str,
    pub(super) at: usize,
    pub(super) grammar: &'a Grammar,
    pub(super) captures: Vec<String>,
    /// The predicates met inside the pattern being read.
    pub(super) predicates: Vec<Predicate>,
}

impl Reader<'_> {
    /// Skips blanks and `;` comments; true when anything is left.
    pub(super) fn more(&mut self) -> bool {
        loop {
            let rest = &self.src[self.at..];
            let trimmed = rest.trim_start();
            self.at += rest.len() - trimmed.len();
            if trimmed.starts_with(';') {
                self.at += trimmed.find('\n').unwrap_or(trimmed.len());
                continue;
            }
            return !trimmed.is_empty();
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.more();
        self.src[self.at..].chars().next()
    }

    fn error(&self, what: &str) -> String {
        let line = self.src[..self.at].matches('\n').count() + 1;
        let near: String = self.src[self.at..].chars().take(24).collect();
        format!("line {line}: {what} (at `{near}`)")
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected `{c}`")))
        }
    }

    /// A name: node kinds, fields, captures and predicates are spelled with these characters.
    fn word(&mut self) -> String {
        self.more();
        let rest = &self.src[self.at..];
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || "_-.?!".contains(c)))
            .unwrap_or(rest.len());
        self.at += len;
        rest[..len].to_string()
    }

    fn capture_index(&mut self, name: String) -> u32 {
        match self.captures.iter().position(|c| *c == name) {
            Some(i) => i as u32,
            None => {
                self.captures.push(name);
                (self.captures.len() - 1) as u32
            }
        }
    }

    /// `field: (kind child...) @a @b`, `[ ... ]` or `_`.
    pub(super) fn step(&mut self) -> Result<Step, String> {
        let mut field = None;
        let save = self.at;
        let name = self.word();
        if !name.is_empty() && name != "_" {
            if self.peek() != Some(':') {
                self.at = save;
                return Err(self.error("not supported by the query matcher (node patterns only)"));
            }
            self.at += 1;
            let id = self
                .grammar
                .field_id_for_name(&name)
                .ok_or_else(|| self.error(&format!("no field `{name}` in this grammar")))?;
            field = Some(id.get());
        } else {
            self.at = save;
        }
        let test = match self.peek() {
            Some('(') if self.grouped() => {
                // `((pattern) (#predicate ...))`: one pattern with its predicates.
                self.at += 1;
                let inner = self.steps_until_close()?;
                let [mut one] = <[Step; 1]>::try_from(inner).map_err(|_| {
                    self.error("sibling groups are not supported by the query matcher")
                })?;
                if field.is_some() {
                    one.field = field;
                }
                self.captures_after(&mut one.captures)?;
                return Ok(one);
            }
            Some('(') => {
                self.at += 1;
                let kind = self.word();
                let kinds = match kind.as_str() {
                    "_" => Kinds::Named,
                    "" => return Err(self.error("expected a node kind")),
                    k => Kinds::Ids(self.kind_ids(k)?),
                };
                let children = self.steps_until_close()?;
                Test::Node { kinds, children }
            }
            Some('[') => {
                self.at += 1;
                let mut alts = Vec::new();
                while self.peek() != Some(']') {
                    if self.peek().is_none() {
                        return Err(self.error("unclosed `[`"));
                    }
                    alts.push(self.step()?);
                }
                self.at += 1;
                Test::Alt(alts)
            }
            Some('_') => {
                self.at += 1;
                Test::Node {
                    kinds: Kinds::Any,
                    children: Vec::new(),
                }
            }
            _ => return Err(self.error("not supported by the query matcher")),
        };
        let mut captures = Vec::new();
        self.captures_after(&mut captures)?;
        Ok(Step {
            field,
            captures,
            test,
        })
    }

    /// The steps (and predicates, kept for the pattern) up to and past the `)` that closes
    /// the parenthesis just read.
    fn steps_until_close(&mut self) -> Result<Vec<Step>, String> {
        let mut steps = Vec::new();
        while self.peek() != Some(')') {
            if self.src[self.at..].starts_with("(#") {
                self.predicate()?;
            } else if self.peek().is_none() {
                return Err(self.error("unclosed `(`"));
            } else {
                steps.push(self.step()?);
            }
        }
        self.at += 1;
        Ok(steps)
    }

    /// True at `((`: a group around a pattern.
    fn grouped(&mut self) -> bool {
        self.more();
        let after = self.src[self.at + 1..].trim_start();
        after.starts_with('(') && !after.starts_with("(#")
    }

    /// The `@name`s after a pattern.
    fn captures_after(&mut self, captures: &mut Vec<u32>) -> Result<(), String> {
        while self.peek() == Some('@') {
            self.at += 1;
            let name = self.word();
            captures.push(self.capture_index(name));
        }
        if matches!(self.peek(), Some('*' | '+' | '?')) {
            return Err(self.error("quantifiers are not supported by the query matcher"));
        }
        Ok(())
    }

    /// Every id of the named kind `name` (aliases give one name several ids).
    fn kind_ids(&self, name: &str) -> Result<Vec<u16>, String> {
        let ids: Vec<u16> = (0..self.grammar.node_kind_count() as u16)
            .filter(|&id| {
                self.grammar.node_kind_is_named(id)
                    && self.grammar.node_kind_for_id(id) == Some(name)
            })
            .chain((name == "ERROR").then_some(u16::MAX))
            .collect();
        if ids.is_empty() {
            Err(self.error(&format!("no node kind `{name}` in this grammar")))
        } else {
            Ok(ids)
        }
    }

    /// `(#eq? @c "text")`, `(#not-eq? ...)`, `(#any-of? @c "a" "b")`.
    fn predicate(&mut self) -> Result<(), String> {
        self.expect('(')?;
        self.expect('#')?;
        let name = self.word();
        let mut args: Vec<Result<u32, String>> = Vec::new();
        while self.peek() != Some(')') {
            match self.peek() {
                Some('@') => {
                    self.at += 1;
                    let c = self.word();
                    args.push(Ok(self.capture_index(c)));
                }
                Some('"') => args.push(Err(self.string()?)),
                _ => return Err(self.error("expected a capture or a string")),
            }
        }
        self.at += 1;
        let predicate = match (name.as_str(), args.as_slice()) {
            ("eq?" | "not-eq?", [Ok(c), Err(t)]) => Predicate::Eq {
                capture: *c,
                text: t.clone(),
                equal: name == "eq?",
            },
            ("eq?" | "not-eq?", [Ok(a), Ok(b)]) => Predicate::EqCapture {
                a: *a,
                b: *b,
                equal: name == "eq?",
            },
            ("any-of?", [Ok(c), rest @ ..]) if rest.iter().all(|a| a.is_err()) => {
                Predicate::AnyOf {
                    capture: *c,
                    texts: rest.iter().filter_map(|a| a.clone().err()).collect(),
                }
            }
            _ => return Err(self.error(&format!("predicate `#{name}` is not supported here"))),
        };
        self.predicates.push(predicate);
        Ok(())
    }

    /// A `"..."` string with `\"`, `\\` and `\n` escapes.
    fn string(&mut self) -> Result<String, String> {
        self.expect('"')?;
        let mut out = String::new();
        let mut chars = self.src[self.at..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.at += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, e)) => out.push(e),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err(self.error("unclosed string"))
    }
}
