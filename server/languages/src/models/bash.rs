//! Shell scripts (`tree-sitter-bash`): the commands a script runs, each as an argv with its byte
//! range. Only real commands count: not `echo`'s arguments, not comments, not a heredoc that is
//! only data (`cat <<EOF`); what does run counts wherever it sits (`$(..)`, backticks, `{ ..; }`,
//! `( .. )`, pipelines, function bodies). A variable assigned a literal is followed (`DIR=/;
//! rm -rf "$DIR"`). A heredoc fed to a shell or an interpreter (`bash <<EOF`, `python3 <<EOF`)
//! becomes that program's `-c` argument, so its text is read as code.

use std::collections::HashMap;

use tree_sitter::Node;

use super::{named, text_of, Doc, Model};
use crate::fields::Fields;

/// One command a script runs.
#[derive(Debug, Clone)]
pub struct Cmd {
    pub argv: Vec<String>,
    pub start: usize,
    pub end: usize,
    /// The program whose output it reads, in a pipeline (`curl .. | sh` → `curl`).
    pub stdin_from: Option<String>,
}

pub struct Bash;

impl Model for Bash {
    fn build(&self, root: Node, src: &str) -> Doc {
        Doc {
            commands: commands(root, src),
            ..Doc::default()
        }
    }
}

/// Programs whose heredoc is code: shells read it as a script, interpreters as their language.
const READS_STDIN_AS_CODE: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "python", "python3", "node", "ruby", "perl",
];

/// Every command under `root`, in the order they appear.
pub fn commands(root: Node, src: &str) -> Vec<Cmd> {
    let mut vars: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        let mut skip_assignments = false;
        match n.kind() {
            "variable_assignment" => {
                let name = n.field("name").map(|k| text_of(k, src));
                let value = n.field("value");
                if let Some(name) = name {
                    match value.and_then(|v| literal(v, src, &vars)) {
                        Some(v) => vars.insert(name.to_string(), v),
                        None => vars.remove(name),
                    };
                }
            }
            "command" => {
                skip_assignments = true;
                let mut argv: Vec<String> = Vec::new();
                if let Some(name) = n.field("name") {
                    argv.push(word(name, src, &vars));
                }
                let mut c = n.walk();
                for a in n.children_by_field_name("argument", &mut c) {
                    argv.push(word(a, src, &vars));
                }
                let mut end = n.end_byte();
                if let Some(body) = heredoc_of(n) {
                    let program = argv.first().map(|p| p.rsplit('/').next().unwrap_or(p));
                    if program.is_some_and(|p| READS_STDIN_AS_CODE.contains(&p)) {
                        argv.truncate(1);
                        argv.push("-c".into());
                        argv.push(text_of(body, src).to_string());
                        end = end.max(body.end_byte());
                    }
                }
                if !argv.is_empty() {
                    out.push(Cmd {
                        argv,
                        start: n.start_byte(),
                        end,
                        stdin_from: piped_from(n, src, &vars),
                    });
                }
            }
            _ => {}
        }
        let mut kids = named(n);
        if skip_assignments {
            // `X=1 cmd`: the assignment is the command's environment, not the script's.
            kids.retain(|k| k.kind() != "variable_assignment");
        }
        kids.reverse();
        stack.extend(kids);
    }
    out
}

/// The program of the command before `cmd` in a pipeline (its basename).
fn piped_from(cmd: Node, src: &str, vars: &HashMap<String, String>) -> Option<String> {
    cmd.parent().filter(|p| p.kind() == "pipeline")?;
    let prev = cmd.prev_named_sibling().filter(|p| p.kind() == "command")?;
    let name = word(prev.field("name")?, src, vars);
    Some(name.rsplit('/').next().unwrap_or(&name).to_string())
}

/// The heredoc body redirected into `cmd` (`cmd <<EOF ... EOF`).
fn heredoc_of(cmd: Node) -> Option<Node> {
    let parent = cmd
        .parent()
        .filter(|p| p.kind() == "redirected_statement")?;
    named(parent)
        .into_iter()
        .filter(|k| k.kind() == "heredoc_redirect")
        .find_map(|r| named(r).into_iter().find(|k| k.kind() == "heredoc_body"))
}

/// A value known when the script is read: no command substitution, no unknown variable.
fn literal(n: Node, src: &str, vars: &HashMap<String, String>) -> Option<String> {
    let mut stack = vec![n];
    while let Some(k) = stack.pop() {
        match k.kind() {
            "command_substitution" | "process_substitution" | "arithmetic_expansion" => {
                return None
            }
            "simple_expansion" | "expansion" if !vars.contains_key(&var_name(k, src)) => {
                return None
            }
            _ => stack.extend(named(k)),
        }
    }
    Some(word(n, src, vars))
}

fn var_name(n: Node, src: &str) -> String {
    named(n)
        .into_iter()
        .find(|k| k.kind() == "variable_name")
        .map(|k| text_of(k, src).to_string())
        .unwrap_or_default()
}

/// A word's value as the shell would pass it: quotes removed, known variables substituted.
fn word(n: Node, src: &str, vars: &HashMap<String, String>) -> String {
    match n.kind() {
        "word" | "number" => unescape_word(text_of(n, src)),
        "raw_string" => {
            let t = text_of(n, src);
            t.strip_prefix('\'')
                .and_then(|t| t.strip_suffix('\''))
                .unwrap_or(t)
                .into()
        }
        "ansi_c_string" => {
            let t = text_of(n, src);
            t.strip_prefix("$'")
                .and_then(|t| t.strip_suffix('\''))
                .unwrap_or(t)
                .into()
        }
        "simple_expansion" | "expansion" => {
            let name = var_name(n, src);
            match vars.get(&name) {
                // `${X}` only: `${X:-d}` and friends keep their text.
                Some(v) if n.kind() == "simple_expansion" || named(n).len() == 1 => v.clone(),
                _ => text_of(n, src).to_string(),
            }
        }
        "string" | "concatenation" | "command_name" => {
            // A string's content is its text between the named parts; walk the children in order.
            let (mut out, mut at) = (String::new(), n.start_byte());
            let mut c = n.walk();
            for k in n.children(&mut c) {
                if k.start_byte() > at && n.kind() == "string" {
                    out.push_str(src.get(at..k.start_byte()).unwrap_or(""));
                }
                at = k.end_byte();
                match k.kind() {
                    "\"" => {}
                    "string_content" => out.push_str(&unescape_string(text_of(k, src))),
                    _ if k.is_named() => out.push_str(&word(k, src, vars)),
                    _ => out.push_str(text_of(k, src)),
                }
            }
            out
        }
        _ => text_of(n, src).to_string(),
    }
}

fn unescape_word(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                if n != '\n' {
                    out.push(n);
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Inside double quotes only `\"`, `\\`, `\$`, `` \` `` and a line continuation are escapes.
fn unescape_string(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some('"' | '\\' | '$' | '`')) => out.extend(chars.next()),
            ('\\', Some('\n')) => {
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}
