//! The bundled queries' patterns (`queries/<lang>/tags.scm` and `risky.scm`), matched by one
//! cursor walk.
//!
//! tree-sitter's `QueryCursor` spends about 200 ns on every node of the tree whatever the query
//! (it works out each node's field, siblings and supertypes before it looks at a pattern): on a
//! cold index that is most of the time spent beyond parsing. The bundled queries only need node
//! patterns with fields, wildcards, alternations, groups and text predicates, so this module reads
//! that part of the query language and matches it with a plain walk that looks a node's kind up
//! in a table and goes further only for the few kinds a pattern starts with. Each node's
//! children are listed once, for the patterns that start at the node and for the walk below it;
//! the walk does not go to a leaf no pattern starts at (most of them: `(`, `;`, identifiers) nor
//! into a subtree that cannot hold a match (`prune`). The matches are the ones
//! `QueryCursor` gives (a test compares the two on every fixture, whole and in stretches); any
//! other query syntax is refused when the file is compiled, so a query cannot silently mean
//! something else here.

mod prune;
mod reader;

use tree_sitter::{Language as Grammar, Node};

use reader::Reader;

/// A compiled query.
pub struct Patterns {
    patterns: Vec<Pattern>,
    capture_names: Vec<String>,
    /// The patterns (indexes) that may start at a node, by its kind id.
    by_kind: Vec<Vec<usize>>,
    /// Patterns whose outermost node is a wildcard: tried at every node.
    anywhere: Vec<usize>,
    /// By kind id: no pattern can start below a node of this kind, so the walk does not enter
    /// it (empty: every node is entered).
    opaque: Vec<bool>,
    /// By kind id: some pattern that may start at a node of this kind has child steps.
    kid_patterns: Vec<bool>,
    /// Some pattern's outermost step names a field: the walk notes each node's field.
    root_fields: bool,
}

struct Pattern {
    root: Step,
    predicates: Vec<Predicate>,
}

/// One node of a pattern: `field: (kind child...) @capture`.
struct Step {
    field: Option<u16>,
    captures: Vec<u32>,
    test: Test,
}

enum Test {
    Node {
        kinds: Kinds,
        children: Vec<Step>,
    },
    /// `[a b c]`: any one of them.
    Alt(Vec<Step>),
}

enum Kinds {
    /// Named kinds, by id (a kind name can stand for several ids).
    Ids(Vec<u16>),
    /// `(_)`: any named node.
    Named,
    /// `_`: any node.
    Any,
}

enum Predicate {
    /// `#eq? @c "text"` (or `#not-eq?` when `equal` is false).
    Eq {
        capture: u32,
        text: String,
        equal: bool,
    },
    /// `#eq? @a @b`.
    EqCapture { a: u32, b: u32, equal: bool },
    /// `#any-of? @c "a" "b"`.
    AnyOf { capture: u32, texts: Vec<String> },
}

/// One match: its pattern's index (in the file's order) and what it captured.
pub struct Match<'a, 'tree> {
    pub pattern: usize,
    pub captures: &'a [(u32, Node<'tree>)],
}

impl Patterns {
    /// Reads `source` for `grammar`. An error names what is not understood and where.
    pub fn new(grammar: &Grammar, source: &str) -> Result<Self, String> {
        let mut reader = Reader {
            src: source,
            at: 0,
            grammar,
            captures: Vec::new(),
            predicates: Vec::new(),
        };
        let mut patterns = Vec::new();
        while reader.more() {
            let root = reader.step()?;
            let predicates = std::mem::take(&mut reader.predicates);
            patterns.push(Pattern { root, predicates });
        }
        let mut by_kind = vec![Vec::new(); grammar.node_kind_count()];
        let mut anywhere = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            // A kind outside the table (`ERROR`) is tried at every node, its test done there.
            match root_kinds(&p.root)
                .filter(|ids| ids.iter().all(|&id| (id as usize) < by_kind.len()))
            {
                Some(ids) => {
                    for id in ids {
                        if !by_kind[id as usize].contains(&i) {
                            by_kind[id as usize].push(i);
                        }
                    }
                }
                None => anywhere.push(i),
            }
        }
        let has_kids = |i: &usize| matches!(&patterns[*i].root.test, Test::Node { children, .. } if !children.is_empty());
        let anywhere_kids = anywhere.iter().any(has_kids);
        let kid_patterns = by_kind
            .iter()
            .map(|ps| anywhere_kids || ps.iter().any(has_kids))
            .collect();
        let root_fields = patterns.iter().any(|p| wants_field(&p.root));
        Ok(Self {
            patterns,
            capture_names: reader.captures,
            by_kind,
            anywhere,
            opaque: Vec::new(),
            kid_patterns,
            root_fields,
        })
    }

    /// Lets the walk skip the subtrees that, by the grammar's `node-types.json`, can hold no
    /// node a pattern starts at.
    pub fn skipping_by(mut self, grammar: &Grammar, node_types: &str) -> Self {
        let roots = match self.anywhere.is_empty() {
            true => Some(
                self.by_kind
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| !p.is_empty())
                    .map(|(id, _)| id as u16)
                    .collect(),
            ),
            false => None,
        };
        self.opaque = prune::opaque_kinds(grammar, node_types, roots);
        self
    }

    /// Whether a pattern can start at `node` or below it.
    fn worth_visiting(&self, node: Node) -> bool {
        let kind = node.kind_id() as usize;
        let starts =
            !self.anywhere.is_empty() || self.by_kind.get(kind).is_none_or(|p| !p.is_empty());
        starts || (!self.opaque.get(kind).copied().unwrap_or(false) && node.child_count() > 0)
    }

    pub fn capture_names(&self) -> &[String] {
        &self.capture_names
    }

    pub fn capture_index(&self, name: &str) -> Option<u32> {
        self.capture_names
            .iter()
            .position(|c| c == name)
            .map(|i| i as u32)
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Calls `each` with every match under `root`, in document order of the node the match
    /// starts at (patterns in file order at one node).
    pub fn for_each_match<'tree>(
        &self,
        root: Node<'tree>,
        src: &[u8],
        each: &mut dyn FnMut(Match<'_, 'tree>),
    ) {
        self.for_each_match_in(root, src, 0..usize::MAX, each)
    }

    /// As [`Patterns::for_each_match`], for the matches that start at a node intersecting
    /// `range` (as tree-sitter's `QueryCursor::set_byte_range`): only those nodes are visited.
    pub fn for_each_match_in<'tree>(
        &self,
        root: Node<'tree>,
        src: &[u8],
        range: std::ops::Range<usize>,
        each: &mut dyn FnMut(Match<'_, 'tree>),
    ) {
        // tree-sitter's test: an empty node at the range's start is inside it.
        let whole = range.start == 0 && range.end == usize::MAX;
        let outside = |n: Node| {
            if whole {
                return false;
            }
            let (start, end) = (n.start_byte(), n.end_byte());
            !((end > range.start || (start == end && end == range.start)) && start < range.end)
        };
        if outside(root) {
            return;
        }
        let mut scratch = Scratch {
            cursor: root.walk(),
            kids: Vec::new(),
            caps: Vec::new(),
        };
        // The nodes still to visit, the next one last, each with its field in its parent.
        let mut todo: Vec<(Node<'tree>, Option<u16>)> = vec![(root, None)];
        while let Some((node, field)) = todo.pop() {
            let kind = node.kind_id() as usize;
            let starts = self.by_kind.get(kind).map_or(&[][..], Vec::as_slice);
            let wants_kids = self.kid_patterns.get(kind).copied().unwrap_or(true);
            let descend =
                !self.opaque.get(kind).copied().unwrap_or(false) && node.child_count() > 0;
            // The node's children are listed once, for the patterns that start here and for
            // the walk below it (a second cursor stepping over them was a sixth of the walk's
            // instructions).
            let end = match wants_kids || descend {
                true => scratch.list_children(node, wants_kids || self.root_fields),
                false => 0,
            };
            for &i in starts.iter().chain(&self.anywhere) {
                let p = &self.patterns[i];
                let mut emit = |s: &mut Scratch<'tree>| {
                    if p.predicates.iter().all(|q| q.holds(&s.caps, src)) {
                        each(Match {
                            pattern: i,
                            captures: &s.caps,
                        });
                    }
                };
                match &p.root.test {
                    Test::Node { kinds, children } if !children.is_empty() => {
                        if kinds.admit(node) && (p.root.field.is_none() || p.root.field == field) {
                            let caps = &p.root.captures;
                            scratch.caps.extend(caps.iter().map(|&c| (c, node)));
                            match_children(children, 0, end, &mut scratch, &mut emit);
                            scratch.caps.clear();
                        }
                    }
                    _ => match_step(&p.root, node, field, None, &mut scratch, &mut emit),
                }
            }
            if descend {
                // Children in reverse, so that the first is visited next: those that intersect
                // the range and that a pattern can start at or below (most are leaves no
                // pattern starts at: `(`, `;`, an identifier).
                for &(child, f) in scratch.kids[..end].iter().rev() {
                    if self.worth_visiting(child) && !outside(child) {
                        todo.push((child, f));
                    }
                }
            }
            scratch.kids.clear();
        }
    }
}

/// True when matching `step` against a node needs the node's field: it names one, or one of its
/// alternatives does.
fn wants_field(step: &Step) -> bool {
    step.field.is_some() || matches!(&step.test, Test::Alt(alts) if alts.iter().any(wants_field))
}

/// The kind ids a pattern can start at; `None` for any.
fn root_kinds(step: &Step) -> Option<Vec<u16>> {
    match &step.test {
        Test::Node {
            kinds: Kinds::Ids(ids),
            ..
        } => Some(ids.clone()),
        Test::Node { .. } => None,
        Test::Alt(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(root_kinds(a)?);
            }
            Some(out)
        }
    }
}

/// What a match in progress holds, reused from node to node so that matching allocates
/// nothing once it has warmed up.
struct Scratch<'tree> {
    /// Lists a node's children.
    cursor: tree_sitter::TreeCursor<'tree>,
    /// The children (and their fields) of the nodes being matched, innermost last: a level
    /// reads its own stretch by index and removes it when done.
    kids: Vec<(Node<'tree>, Option<u16>)>,
    caps: Vec<(u32, Node<'tree>)>,
}

impl<'tree> Scratch<'tree> {
    /// Adds every child of `node` to `kids`, where sibling steps match them in order (a step
    /// never admits punctuation or a keyword unless it is `_`), with its field when `fields`;
    /// returns the end of the stretch.
    fn list_children(&mut self, node: Node<'tree>, fields: bool) -> usize {
        self.cursor.reset(node);
        if self.cursor.goto_first_child() {
            loop {
                let field = match fields {
                    true => self.cursor.field_id().map(|f| f.get()),
                    false => None,
                };
                self.kids.push((self.cursor.node(), field));
                if !self.cursor.goto_next_sibling() {
                    break;
                }
            }
        }
        self.kids.len()
    }
}

impl Kinds {
    fn admit(&self, node: Node) -> bool {
        match self {
            Kinds::Ids(ids) => ids.contains(&node.kind_id()),
            Kinds::Named => node.is_named(),
            Kinds::Any => true,
        }
    }
}

/// Calls `k` once for each way `step` matches `node` (which is in field `field` of its
/// parent), with its captures added. `outer`: the field an enclosing alternation requires,
/// which takes the place of a member's own (as tree-sitter reads `f: [g: (a) (b)]`).
fn match_step<'tree>(
    step: &Step,
    node: Node<'tree>,
    field: Option<u16>,
    outer: Option<u16>,
    s: &mut Scratch<'tree>,
    k: &mut dyn FnMut(&mut Scratch<'tree>),
) {
    let wanted = outer.or(step.field);
    if wanted.is_some() && wanted != field {
        return;
    }
    let before = s.caps.len();
    match &step.test {
        Test::Alt(alts) => {
            s.caps.extend(step.captures.iter().map(|&c| (c, node)));
            for a in alts {
                match_step(a, node, field, wanted, s, k);
            }
        }
        Test::Node { kinds, children } => {
            if kinds.admit(node) {
                s.caps.extend(step.captures.iter().map(|&c| (c, node)));
                if children.is_empty() {
                    k(s);
                } else {
                    let start = s.kids.len();
                    let end = s.list_children(node, true);
                    match_children(children, start, end, s, k);
                    s.kids.truncate(start);
                }
            }
        }
    }
    s.caps.truncate(before);
}

/// Matches `steps` in order against the children `s.kids[from..end]`, each step at a later
/// child than the one before.
fn match_children<'tree>(
    steps: &[Step],
    from: usize,
    end: usize,
    s: &mut Scratch<'tree>,
    k: &mut dyn FnMut(&mut Scratch<'tree>),
) {
    let Some((first, rest)) = steps.split_first() else {
        k(s);
        return;
    };
    for i in from..end {
        let (child, field) = s.kids[i];
        let mut then = |s: &mut Scratch<'tree>| match_children(rest, i + 1, end, s, k);
        match_step(first, child, field, None, s, &mut then);
    }
}

impl Predicate {
    fn holds(&self, caps: &[(u32, Node)], src: &[u8]) -> bool {
        let text = |n: &Node| n.utf8_text(src).unwrap_or("");
        let of = |c: u32| caps.iter().filter(move |(i, _)| *i == c).map(|(_, n)| n);
        match self {
            Predicate::Eq {
                capture,
                text: t,
                equal,
            } => of(*capture).all(|n| (text(n) == t) == *equal),
            Predicate::EqCapture { a, b, equal } => match (of(*a).next(), of(*b).next()) {
                (Some(x), Some(y)) => (text(x) == text(y)) == *equal,
                _ => true,
            },
            Predicate::AnyOf { capture, texts } => {
                of(*capture).all(|n| texts.iter().any(|t| t == text(n)))
            }
        }
    }
}

#[cfg(test)]
mod tests;
