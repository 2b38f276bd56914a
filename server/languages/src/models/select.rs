//! Matching the rules of a configuration language on a [`Doc`]: a key set to a risky literal
//! (`match = "attribute"`), and commands or SQL held in values (`[[embed]]`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Doc, Map, Scalar, Value};
use crate::analysis::Finding;
use crate::catalog::{CodeMatcher, RuleInfo, Severity};
use crate::language::Language;
use crate::{shell, sql};

/// Where a rule looks: maps that have the `where` keys (and none of the `unless` keys) with
/// matching values, then the values at `attribute` under them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Select {
    /// key → `a|b` alternatives with `*` wildcards; `"*"` alone: the key is present.
    #[serde(default, rename = "where")]
    pub where_: BTreeMap<String, String>,
    /// key → alternatives that rule the map out (`direction = "EGRESS"`).
    #[serde(default)]
    pub unless: BTreeMap<String, String>,
    /// Paths under the map, segments joined by `.`: `*` any key, `**` any depth; lists are
    /// looked through.
    pub attribute: Vec<String>,
    /// The risky values, exactly (`true` and `false` in any case), or `<N` for a number below N.
    /// Empty: any value.
    #[serde(default)]
    pub values: Vec<String>,
    /// Said in the finding (`a module input: the module's resources are not visible here`).
    #[serde(default)]
    pub note: Option<String>,
    /// Severity one step lower for this form.
    #[serde(default)]
    pub lower: bool,
}

/// Values that hold code: CI steps, container commands, provisioners.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Embed {
    #[serde(flatten)]
    pub select: Select,
    #[serde(rename = "as")]
    pub kind: EmbedKind,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum EmbedKind {
    /// A shell script (a string, or each string of a list).
    Shell,
    /// A list that is one argv (`command: ["sh", "-c", ".."]`).
    Argv,
    /// SQL statements.
    Sql,
}

struct Hit<'d> {
    /// The key whose value matched, and where that entry starts.
    key: &'d str,
    key_start: Option<usize>,
    scalar: &'d Scalar,
    /// The map the rule selected.
    owner: &'d Map,
}

fn bool_word(s: &str) -> bool {
    s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false")
}

fn value_is(pattern: &str, text: &str) -> bool {
    if let Some(n) = pattern.strip_prefix('<') {
        return match (n.trim().parse::<f64>(), text.trim().parse::<f64>()) {
            (Ok(limit), Ok(v)) => v < limit,
            _ => false,
        };
    }
    if bool_word(pattern) {
        return pattern.eq_ignore_ascii_case(text);
    }
    pattern == text
}

/// A `where` pattern against a value: scalars by glob, lists by any element, `*` by presence.
fn value_matches(v: &Value, pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match v {
        Value::Scalar(s) => shell::glob_alt(pattern, &s.text),
        Value::List(items) => items.iter().any(|i| value_matches(i, pattern)),
        Value::Map(_) => false,
    }
}

fn selects(m: &Map, sel: &Select) -> bool {
    let has = |k: &String, p: &String| {
        m.entries
            .iter()
            .any(|e| &e.key == k && value_matches(&e.value, p))
    };
    sel.where_.iter().all(|(k, p)| has(k, p)) && !sel.unless.iter().any(|(k, p)| has(k, p))
}

fn each_map<'d>(v: &'d Value, f: &mut impl FnMut(&'d Map)) {
    match v {
        Value::Map(m) => {
            f(m);
            for e in &m.entries {
                each_map(&e.value, f);
            }
        }
        Value::List(items) => items.iter().for_each(|i| each_map(i, f)),
        Value::Scalar(_) => {}
    }
}

type Found<'d> = Vec<(&'d str, Option<usize>, &'d Value)>;

/// The values at `segs` under `v` (reached through the entry `key`), with the key and entry
/// start that hold each.
fn at_path<'d>(v: &'d Value, segs: &[&str], key: (&'d str, Option<usize>), out: &mut Found<'d>) {
    match v {
        _ if segs.is_empty() => out.push((key.0, key.1, v)),
        Value::List(items) => items
            .iter()
            .for_each(|i| at_path(i, segs, (key.0, None), out)),
        Value::Map(m) => in_map(m, segs, out),
        Value::Scalar(_) => {}
    }
}

/// The values at `segs` under a map.
fn in_map<'d>(m: &'d Map, segs: &[&str], out: &mut Found<'d>) {
    let Some((first, rest)) = segs.split_first() else {
        return;
    };
    if *first == "**" {
        in_map(m, rest, out);
    }
    for e in &m.entries {
        let key = (e.key.as_str(), Some(e.key_start));
        if *first == "**" {
            at_path(&e.value, segs, key, out);
        } else if *first == "*" || e.key == *first {
            at_path(&e.value, rest, key, out);
        }
    }
}

/// Every scalar of a value (lists flattened), with whether it is the value itself.
fn leaves(v: &Value) -> Vec<(&Scalar, bool)> {
    match v {
        Value::Scalar(s) => vec![(s, true)],
        Value::List(items) => items
            .iter()
            .flat_map(leaves)
            .map(|(s, _)| (s, false))
            .collect(),
        Value::Map(_) => Vec::new(),
    }
}

/// The selected maps and the values at the selection's paths under them.
fn selected<'d>(doc: &'d Doc, sel: &Select) -> Vec<(&'d Map, &'d str, Option<usize>, &'d Value)> {
    let paths: Vec<Vec<&str>> = sel
        .attribute
        .iter()
        .map(|p| p.split('.').collect())
        .collect();
    let mut out = Vec::new();
    for root in &doc.roots {
        each_map(root, &mut |m: &'d Map| {
            if !selects(m, sel) {
                return;
            }
            for segs in &paths {
                let mut found = Vec::new();
                in_map(m, segs, &mut found);
                out.extend(found.into_iter().map(|(k, ks, v)| (m, k, ks, v)));
            }
        });
    }
    out
}

/// What a selected map is, for messages: `resource aws_db_instance.main`, `kind: Pod`.
fn describe(m: &Map, sel: &Select) -> String {
    if let Some(block) = m.text("@block") {
        let label = m.text("@label").unwrap_or("");
        let name = m.text("@name").unwrap_or("");
        return match (block, label == name) {
            ("resource" | "data", _) if !label.is_empty() => format!("{block} {label}.{name}"),
            (_, _) if label.is_empty() => format!("`{block}` block"),
            (_, true) => format!("{block} \"{label}\""),
            _ => format!("{block} \"{label}\" \"{name}\""),
        };
    }
    let named: Vec<String> = sel
        .where_
        .keys()
        .filter_map(|k| m.text(k).map(|v| format!("{k}: {v}")))
        .collect();
    if named.is_empty() {
        "this document".into()
    } else {
        named.join(", ")
    }
}

fn push(
    out: &mut Vec<Finding>,
    info: &RuleInfo,
    severity: Severity,
    (start, end): (usize, usize),
    message: String,
    notes: Vec<String>,
) {
    out.push(Finding {
        rule: info.id.as_str().into(),
        category: info.category.as_str().into(),
        severity,
        start,
        end: end.max(start),
        message: message.into(),
        notes,
    });
}

fn attribute_hits<'d>(doc: &'d Doc, sel: &Select) -> Vec<(Hit<'d>, Option<String>)> {
    let mut out = Vec::new();
    for (owner, key, key_start, value) in selected(doc, sel) {
        for (scalar, direct) in leaves(value) {
            let key_start = if direct { key_start } else { None };
            let hit = |scalar| Hit {
                key,
                key_start,
                scalar,
                owner,
            };
            if scalar.literal {
                if sel.values.is_empty() || sel.values.iter().any(|p| value_is(p, &scalar.text)) {
                    out.push((hit(scalar), None));
                }
                continue;
            }
            // `var.x` on a resource: risky only if the variable's default is.
            let Some(default) = scalar
                .text
                .strip_prefix("var.")
                .and_then(|name| doc.vars.get(name).map(|d| (name, d)))
            else {
                continue;
            };
            let risky = leaves(default.1)
                .into_iter()
                .find(|(d, _)| d.literal && sel.values.iter().any(|p| value_is(p, &d.text)));
            if let Some((d, _)) = risky {
                out.push((
                    hit(scalar),
                    Some(format!(
                        "risky default: variable \"{}\" defaults to {}; callers that do not set it get this",
                        default.0, d.text
                    )),
                ));
            }
        }
    }
    out
}

fn attribute_findings(rule_info: &RuleInfo, when: &[Select], doc: &Doc, out: &mut Vec<Finding>) {
    for sel in when {
        for (hit, via_default) in attribute_hits(doc, sel) {
            let mut severity = rule_info.severity;
            let mut notes: Vec<String> = sel.note.iter().cloned().collect();
            if sel.lower || via_default.is_some() {
                severity = severity.lowered();
            }
            notes.extend(via_default);
            let message = format!(
                "`{} = {}` on {}: {}",
                hit.key,
                hit.scalar.text,
                describe(hit.owner, sel),
                rule_info.why
            );
            let start = hit.key_start.unwrap_or(hit.scalar.start);
            push(
                out,
                rule_info,
                severity,
                (start, hit.scalar.end),
                message,
                notes,
            );
        }
    }
}

fn command_message(f: &shell::CommandFinding) -> String {
    let what = f.info.target.as_deref().unwrap_or("");
    format!("runs `{}` ({what}): {}", f.command, f.info.why)
}

/// A finding in a value's code: its range in the value, message, rule, severity and notes.
type Embedded = (
    usize,
    usize,
    String,
    &'static RuleInfo,
    Severity,
    Vec<String>,
);

/// A value's text as the shell reads it: a template's interpolations (Terraform's `${var.x}`,
/// GitHub's `${{ github.sha }}`) become plain words of the same length, so positions hold.
fn shell_text(s: &Scalar) -> String {
    let t = s.text.replace("${{", "_{{");
    if s.literal {
        t
    } else {
        t.replace("${", "_{")
    }
}

fn embedded_findings(embed: &Embed, doc: &Doc, text: &str, out: &mut Vec<Finding>) {
    for (_, _, _, value) in selected(doc, &embed.select) {
        match embed.kind {
            EmbedKind::Argv => {
                let items = leaves(value);
                let (Some(first), Some(last)) = (items.first(), items.last()) else {
                    continue;
                };
                let argv: Vec<String> = items.iter().map(|(s, _)| s.text.clone()).collect();
                for f in shell::scan_argv(&argv) {
                    let m = command_message(&f);
                    push(
                        out,
                        f.info,
                        f.severity,
                        (first.0.start, last.0.end),
                        m,
                        f.notes,
                    );
                }
            }
            EmbedKind::Shell | EmbedKind::Sql => {
                for (s, _) in leaves(value) {
                    let script = shell_text(s);
                    let spans: Vec<Embedded> = if embed.kind == EmbedKind::Shell {
                        shell::scan_script(&script)
                            .into_iter()
                            .map(|(a, b, f)| {
                                let m = command_message(&f);
                                (a, b, m, f.info, f.severity, f.notes)
                            })
                            .collect()
                    } else {
                        sql::scan_sql_spans(&s.text)
                            .into_iter()
                            .map(|(a, b, f)| {
                                let m = format!("executes `{}`: {}", f.statement, f.rule.info.why);
                                (a, b, m, &f.rule.info, f.severity, Vec::new())
                            })
                            .collect()
                    };
                    for (a, b, message, info, severity, notes) in spans {
                        let range = match s.verbatim_at {
                            Some(at) if at + b <= text.len() => (at + a, at + b),
                            _ => (s.start, s.end),
                        };
                        push(out, info, severity, range, message, notes);
                    }
                }
            }
        }
    }
}

/// Every finding of a document of language `lang`.
pub fn findings(lang: &Language, doc: &Doc, text: &str) -> Vec<Finding> {
    let mut settings = Vec::new();
    for rule in &lang.rules {
        if let CodeMatcher::Attribute { when } = &rule.matcher {
            attribute_findings(&rule.info, when, doc, &mut settings);
        }
    }
    // One setting is one finding: a module input named like the attributes of two rules
    // (`deletion_protection` of AWS and of Google databases) is reported once, at the higher
    // severity.
    settings.sort_by(|a, b| (a.start, a.end, b.severity).cmp(&(b.start, b.end, a.severity)));
    settings.dedup_by(|a, b| a.start == b.start && a.end == b.end);
    let mut out = settings;
    for embed in &lang.embeds {
        embedded_findings(embed, doc, text, &mut out);
    }
    for cmd in &doc.commands {
        for f in shell::scan_piped(&cmd.argv, cmd.stdin_from.as_deref()) {
            let m = command_message(&f);
            push(
                &mut out,
                f.info,
                f.severity,
                (cmd.start, cmd.end),
                m,
                f.notes,
            );
        }
    }
    for &(s, e) in &doc.statements {
        for f in sql::scan_sql(&text[s..e]) {
            let what = f.rule.info.target.as_deref().unwrap_or("");
            let message = format!("`{}` ({what}): {}", f.statement, f.rule.info.why);
            push(
                &mut out,
                &f.rule.info,
                f.severity,
                (s, e),
                message,
                Vec::new(),
            );
        }
    }
    out.sort_by(|a, b| (a.start, &a.rule, a.end).cmp(&(b.start, &b.rule, b.end)));
    out.dedup_by(|a, b| a.start == b.start && a.rule == b.rule);
    out
}
