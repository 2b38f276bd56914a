//! The matchers: how each kind of catalog rule (SDK chain, path call, method call, process\n//! spawn, SQL string) decides whether a candidate call is a finding, and how severe.

use super::*;
use crate::conventions::Binding;

pub(super) struct Analyzer<'a, 't> {
    pub(super) lang: &'a Language,
    pub(super) root: Node<'t>,
    pub(super) src: &'t [u8],
    pub(super) ctx: &'a FileContext,
    pub(super) methods: &'a [MethodCall<'t>],
    pub(super) method_at: &'a HashMap<usize, usize>,
    /// What the file binds at its level, by name: asked once a name, not once a call.
    pub(super) file_bindings: std::cell::RefCell<HashMap<String, Option<String>>>,
}

impl<'a, 't> Analyzer<'a, 't> {
    pub(super) fn conv(&self) -> &'static dyn Conventions {
        self.lang.conventions
    }

    /// The text that says what `name` is where `at` uses it ([`Conventions::binding_text`]).
    pub(super) fn binding_text(&self, at: Node<'t>, name: &str) -> Option<String> {
        match self.conv().scoped_binding(at, name, self.src) {
            Binding::Found(text) => Some(text),
            Binding::Unbound => None,
            Binding::FileLevel(root) => self
                .file_bindings
                .borrow_mut()
                .entry(name.to_string())
                .or_insert_with(|| self.conv().file_binding(root, name, self.src))
                .clone(),
        }
    }

    /// The root of a method chain, through wrappers (`x.await`, `x?`, `(x)`, `&x`).
    pub(super) fn chain_root(&self, mut n: Node<'t>) -> Node<'t> {
        loop {
            if let Some(&i) = self.method_at.get(&n.id()) {
                n = self.methods[i].recv;
                continue;
            }
            match self.conv().unwrap_expression(n, self.src) {
                Some(inner) => n = inner,
                None => return n,
            }
        }
    }

    pub(super) fn text(&self, n: Node) -> &'t str {
        n.utf8_text(self.src).unwrap_or("")
    }

    pub(super) fn gated(&self, crates: &[String]) -> bool {
        crates.is_empty() || crates.iter().any(|c| self.ctx.crates.contains(c))
    }

    /// `client.op().setter(..)...send()`: walks down from `.send()` to the operation.
    pub(super) fn sdk_chain(&self, send: &MethodCall<'t>, found: &mut Vec<Finding>) {
        let mut chain: Vec<&MethodCall> = Vec::new();
        let mut cur = send.recv;
        while let Some(&i) = self.method_at.get(&cur.id()) {
            chain.push(&self.methods[i]);
            cur = self.methods[i].recv;
        }
        // `chain` runs from the last setter down to the operation; the root receiver is `cur`.
        let Some(op_pos) = chain.iter().rposition(|m| {
            self.lang.by_method.get(m.name).is_some_and(|rs| {
                rs.iter()
                    .any(|&ri| matches!(self.lang.rules[ri].matcher, CodeMatcher::SdkChain { .. }))
            })
        }) else {
            return;
        };
        let op = chain[op_pos];
        let setters = &chain[..op_pos];
        if !self.receiver_may_be_client(cur) {
            return;
        }
        for &ri in &self.lang.by_method[op.name] {
            let rule = &self.lang.rules[ri];
            let CodeMatcher::SdkChain {
                crates,
                escalators,
                mitigators,
                ..
            } = &rule.matcher
            else {
                continue;
            };
            if !self.gated(crates) {
                continue;
            }
            let mut severity = rule.info.severity;
            let mut notes = Vec::new();
            for s in setters {
                let arg = self.first_arg(s.args).map(|n| self.text(n)).unwrap_or("");
                if arg == "false" {
                    continue;
                }
                if escalators.iter().any(|e| e == s.name) {
                    severity = severity.raised();
                    notes.push(format!("raised by `{}({arg})`", s.name));
                }
                if mitigators.iter().any(|e| e == s.name) {
                    severity = severity.lowered();
                    notes.push(format!("lowered by `{}({arg})`", s.name));
                }
            }
            let what = rule.info.target.as_deref().unwrap_or(op.name);
            let message = format!("`{}()` ({what}): {}", op.name, rule.info.why);
            let start = self.conv().method_name_start(op.node);
            self.push(
                found,
                &rule.info,
                severity,
                notes,
                start,
                send.node.end_byte(),
                send.node,
                message,
            );
        }
    }

    /// A chain's root that is bound to something other than a client (a `HashMap`, a cache)
    /// makes a same-named method an ordinary one. Unknown bindings are given the benefit of the
    /// doubt: the file already uses the SDK crate.
    pub(super) fn receiver_may_be_client(&self, root: Node) -> bool {
        let evidence = match self.conv().receiver(root, self.src) {
            Receiver::Binding(name) => self.binding_text(root, &name),
            Receiver::SelfValue | Receiver::Field => return true,
            Receiver::Other(_) => Some(self.text(root).to_string()),
        };
        match evidence {
            None => true,
            Some(t) => {
                let lower = t.to_ascii_lowercase();
                lower.contains("client")
                    || lower.contains("sdk")
                    || self.ctx.imports.iter().any(|(local, full)| {
                        let root = full.split(self.lang.path_separator).next().unwrap_or("");
                        self.ctx.crates.contains(root) && contains_word(&t, local)
                    })
            }
        }
    }

    pub(super) fn method_rule(
        &self,
        rule: &CodeRule,
        m: &MethodCall<'t>,
        found: &mut Vec<Finding>,
    ) {
        if let CodeMatcher::ClientCall { .. } = &rule.matcher {
            return self.client_rule(rule, m, found);
        }
        let CodeMatcher::MethodCall {
            crates,
            arg_contains,
            arg_literal,
            arg_string_prefix,
            receiver_contains,
            sql_arg,
            escalators,
            mitigators,
            ..
        } = &rule.matcher
        else {
            return;
        };
        if !self.gated(crates) {
            return;
        }
        let args_text = self.text(m.args);
        if !arg_contains.is_empty() && !arg_contains.iter().any(|c| args_text.contains(c.as_str()))
        {
            return;
        }
        if let Some(lit) = arg_literal {
            if self.first_arg(m.args).map(|n| self.text(n)) != Some(lit.as_str()) {
                return;
            }
        }
        if let Some(prefix) = arg_string_prefix {
            if !self
                .strings_in(m.args)
                .iter()
                .any(|s| s.starts_with(prefix.as_str()))
            {
                return;
            }
        }
        if !receiver_contains.is_empty() {
            let root = self.chain_root(m.recv);
            let evidence = match self.conv().receiver(root, self.src) {
                Receiver::Binding(name) => self.binding_text(root, &name).unwrap_or_default(),
                _ => self.text(root).to_string(),
            };
            if !receiver_contains
                .iter()
                .any(|c| evidence.contains(c.as_str()))
            {
                return;
            }
        }
        if *sql_arg {
            if let Some(s) = self.first_arg(m.args).and_then(|n| self.string_value(n)) {
                self.sql_findings(&s, m.node, &format!(".{}()", m.name), found);
            }
            return;
        }
        let what = rule.info.target.as_deref().unwrap_or(m.name);
        let message = format!("`.{}()` ({what}): {}", m.name, rule.info.why);
        let start = self.conv().method_name_start(m.node);
        let (severity, notes) = self.escalated(rule.info.severity, m.args, escalators, mitigators);
        self.push(
            found,
            &rule.info,
            severity,
            notes,
            start,
            m.node.end_byte(),
            m.node,
            message,
        );
    }

    pub(super) fn path_rule(&self, rule: &CodeRule, p: &PathCall<'t>, found: &mut Vec<Finding>) {
        match &rule.matcher {
            CodeMatcher::PathCall {
                arg_shape, sql_arg, ..
            } => {
                if *sql_arg {
                    if let Some(s) = self.first_arg(p.args).and_then(|n| self.string_value(n)) {
                        self.sql_findings(&s, p.node, &p.path, found);
                    }
                    return;
                }
                if arg_shape.as_deref() == Some("bare") {
                    let bare = self
                        .first_arg(p.args)
                        .is_some_and(|n| self.conv().is_bare_path(n));
                    if !bare {
                        return;
                    }
                }
                let what = rule.info.target.as_deref().unwrap_or(&p.path);
                let message = format!("`{}` ({what}): {}", p.path, rule.info.why);
                self.push(
                    found,
                    &rule.info,
                    rule.info.severity,
                    Vec::new(),
                    p.node.start_byte(),
                    p.node.end_byte(),
                    p.node,
                    message,
                );
            }
            CodeMatcher::Command {
                shell_for,
                shell_when,
                ..
            } => {
                let shell = shell_for.contains(&self.resolve(&p.path, p.node));
                let first = self.first_arg(p.args);
                let compact: String = self
                    .text(p.args)
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                let as_line = shell
                    || shell_when
                        .as_ref()
                        .is_some_and(|w| compact.contains(w.as_str()));
                let line = first.and_then(|a| self.string_value(a));
                let items = first.and_then(|a| self.conv().list_items(a));
                let found_here = match (line, items) {
                    (Some(l), _) if as_line => shell::scan_command_line(&l),
                    (None, Some(items)) => {
                        let argv: Vec<String> = items
                            .into_iter()
                            .map(|n| self.string_value(n).unwrap_or_else(|| "<expr>".into()))
                            .collect();
                        shell::scan_argv(&argv)
                    }
                    _ => {
                        let argv = if self.conv().arg_methods().0.is_empty() {
                            self.call_argv(p)
                        } else {
                            self.command_argv(p)
                        };
                        if argv.is_empty() {
                            return;
                        }
                        shell::scan_argv(&argv)
                    }
                };
                for cf in found_here {
                    let what = cf.info.target.as_deref().unwrap_or("");
                    let message = format!("runs `{}` ({what}): {}", cf.command, cf.info.why);
                    self.push(
                        found,
                        cf.info,
                        cf.severity,
                        cf.notes,
                        p.node.start_byte(),
                        p.node.end_byte(),
                        p.node,
                        message,
                    );
                }
            }
            _ => {}
        }
    }

    /// The argv of a call that takes the program and its arguments as its own arguments
    /// (`exec.Command("terraform", "destroy")`): empty unless the program is a literal.
    fn call_argv(&self, p: &PathCall<'t>) -> Vec<String> {
        let Some(first) = self.first_arg(p.args) else {
            return Vec::new();
        };
        if self.string_value(first).is_none() {
            return Vec::new();
        }
        let mut c = p.args.walk();
        let args: Vec<Node> = p.args.named_children(&mut c).collect();
        let mut argv = Vec::new();
        for n in args.into_iter().skip_while(|n| n.id() != first.id()) {
            // `spawn("terraform", ["destroy"])`: a list of arguments after the program.
            match self.conv().list_items(n) {
                Some(items) => argv.extend(
                    items
                        .into_iter()
                        .map(|i| self.string_value(i).unwrap_or_else(|| "<expr>".into())),
                ),
                None => argv.push(self.string_value(n).unwrap_or_else(|| "<expr>".into())),
            }
        }
        argv
    }

    /// The argv a `Command::new(prog)` builds: the program, then the literal `.arg`/`.args` in
    /// the same chain or on the variable it is bound to (`let mut cmd = ...; cmd.arg(..)`).
    pub(super) fn command_argv(&self, p: &PathCall<'t>) -> Vec<String> {
        let Some(program) = self.first_arg(p.args).and_then(|n| self.string_value(n)) else {
            return Vec::new();
        };
        let mut argv = vec![program];
        let mut calls: Vec<&MethodCall> = Vec::new();
        // Calls chained directly on the constructor.
        let mut cur = p.node;
        while let Some(call) = self
            .conv()
            .call_on(cur)
            .and_then(|c| self.method_at.get(&c.id()).map(|&i| &self.methods[i]))
        {
            calls.push(call);
            cur = call.node;
        }
        // Calls on the variable the command is bound to, later in the same block.
        if let Some(var) = self.conv().bound_name(p.node, self.src) {
            let scope = self.conv().enclosing_block(p.node);
            for m in self.methods {
                let root = self.chain_root(m.recv);
                if self.conv().receiver(root, self.src) == Receiver::Binding(var.clone())
                    && m.node.start_byte() > p.node.end_byte()
                    && scope.is_some_and(|s| {
                        s.start_byte() <= m.node.start_byte() && m.node.end_byte() <= s.end_byte()
                    })
                {
                    calls.push(m);
                }
            }
        }
        calls.sort_by_key(|m| m.node.start_byte());
        calls.dedup_by_key(|m| m.node.id());
        let (arg, args) = self.conv().arg_methods();
        for m in calls {
            match m.name {
                n if n == arg => argv.push(
                    self.first_arg(m.args)
                        .and_then(|n| self.string_value(n))
                        .unwrap_or_else(|| "<expr>".into()),
                ),
                n if n == args => {
                    let strings = self.strings_in(m.args);
                    if strings.is_empty() {
                        argv.push("<expr>".into());
                    }
                    argv.extend(strings);
                }
                _ => {}
            }
        }
        argv
    }

    pub(super) fn sql_findings(
        &self,
        sql_text: &str,
        node: Node,
        via: &str,
        found: &mut Vec<Finding>,
    ) {
        for f in sql::scan_sql(sql_text) {
            let what = f.rule.info.target.as_deref().unwrap_or("");
            let message = format!(
                "`{via}` executes `{}` ({what}): {}",
                f.statement, f.rule.info.why
            );
            self.push(
                found,
                &f.rule.info,
                f.severity,
                Vec::new(),
                node.start_byte(),
                node.end_byte(),
                node,
                message,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
        &self,
        found: &mut Vec<Finding>,
        info: &RuleInfo,
        mut severity: Severity,
        mut notes: Vec<String>,
        start: usize,
        end: usize,
        node: Node,
        message: String,
    ) {
        if self.ctx.test_file || self.conv().in_test_code(node, self.src) {
            severity = severity.lowered();
            notes.push("in test code".into());
        }
        found.push(Finding {
            rule: info.id.as_str().into(),
            category: info.category.as_str().into(),
            severity,
            start,
            end,
            message: message.into(),
            notes,
        });
    }

    pub(super) fn resolve(&self, path: &str, at: Node) -> String {
        let sep = self.lang.path_separator;
        let path = path.trim_start_matches(sep);
        let (first, rest) = match path.split_once(sep) {
            Some((f, r)) => (f, Some(r)),
            None => (path, None),
        };
        // Imports inside an item are rare; finding the item walks up the tree (each step from
        // the root: costly in a minified file of thousands of items), so only when there are.
        let local = if self.ctx.item_imports.is_empty() {
            None
        } else {
            self.ctx
                .item_imports
                .get(&top_item(self.root, at).start_byte())
                .and_then(|m| m.get(first))
        };
        if let Some(full) = local.or_else(|| self.ctx.imports.get(first)) {
            return match rest {
                Some(r) => format!("{full}{sep}{r}"),
                None => full.clone(),
            };
        }
        if rest.is_none() {
            for w in &self.ctx.wildcards {
                let candidate = format!("{w}{sep}{path}");
                if self.lang.by_path.contains_key(&candidate) {
                    return candidate;
                }
            }
        }
        path.to_string()
    }

    pub(super) fn first_arg(&self, args: Node<'t>) -> Option<Node<'t>> {
        self.conv().first_arg(args)
    }

    /// The value of a string literal node.
    pub(super) fn string_value(&self, n: Node) -> Option<String> {
        if !self.lang.string_kinds.contains(&n.kind()) {
            return None;
        }
        Some(self.conv().unquote(self.text(n)))
    }

    /// Every string literal under `n`, in order.
    pub(super) fn strings_in(&self, n: Node) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![n];
        while let Some(node) = stack.pop() {
            if let Some(s) = self.string_value(node) {
                out.push(s);
                continue;
            }
            let mut c = node.walk();
            let children: Vec<Node> = node.children(&mut c).collect();
            stack.extend(children.into_iter().rev());
        }
        out
    }
}

pub(super) fn contains_word(haystack: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    haystack.match_indices(word).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}
