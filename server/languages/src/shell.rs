//! Command lines: splitting a shell string into commands and words, and matching an argv against
//! the shell rules. Used for `Command::new(..)` argv in code, `sh -c` strings and agent hooks.

use crate::catalog::{Severity, ShellRule, SHELL_RULES};

/// One matched command.
#[derive(Debug, Clone)]
pub struct CommandFinding {
    pub rule: &'static ShellRule,
    pub severity: Severity,
    /// The command as matched, words joined by spaces (for messages).
    pub command: String,
}

/// Splits a shell command line into simple commands (on `;`, `&&`, `||`, `|`, newlines), each a
/// list of words with quotes removed. Not a full shell parser: enough to find the program and
/// its arguments, which is what the rules look at.
pub fn split_command_line(line: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let flush_word = |word: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                word.push(n);
                            }
                        }
                        _ => word.push(c),
                    }
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    if n != '\n' {
                        in_word = true;
                        word.push(n);
                    }
                }
            }
            ';' | '|' | '&' | '\n' | '(' | ')' => {
                flush_word(&mut word, &mut in_word, &mut words);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            '#' if !in_word => {
                // A comment runs to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                flush_word(&mut word, &mut in_word, &mut words);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            c if c.is_whitespace() => flush_word(&mut word, &mut in_word, &mut words),
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    flush_word(&mut word, &mut in_word, &mut words);
    if !words.is_empty() {
        commands.push(words);
    }
    commands
}

/// Matches a shell command line (possibly several commands) against the shell rules.
pub fn scan_command_line(line: &str) -> Vec<CommandFinding> {
    split_command_line(line)
        .iter()
        .flat_map(|argv| scan_argv(argv))
        .collect()
}

/// Matches one argv (program first) against the shell rules; `sh -c "..."` is followed into.
pub fn scan_argv(argv: &[String]) -> Vec<CommandFinding> {
    let argv = strip_wrappers(argv);
    let Some(program) = argv.first() else {
        return Vec::new();
    };
    let program = program.rsplit('/').next().unwrap_or(program);
    if matches!(program, "sh" | "bash" | "zsh" | "dash") {
        if let Some(i) = argv
            .iter()
            .position(|a| a == "-c" || a == "-lc" || a == "-ec")
        {
            if let Some(script) = argv.get(i + 1) {
                return scan_command_line(script);
            }
        }
        return Vec::new();
    }
    let args = &argv[1..];
    let mut found: Vec<CommandFinding> = SHELL_RULES
        .iter()
        .filter(|rule| rule.program.iter().any(|p| p == program))
        .filter_map(|rule| {
            let severity = match_rule(rule, args)?;
            Some(CommandFinding {
                rule,
                severity,
                command: argv.join(" "),
            })
        })
        .collect();
    let superseded: Vec<String> = found
        .iter()
        .flat_map(|f| f.rule.info.supersedes.iter().cloned())
        .collect();
    found.retain(|f| !superseded.contains(&f.rule.info.id));
    found
}

/// Drops `sudo`, `env`, `exec`, `nohup`, `time` and leading `VAR=value` assignments.
fn strip_wrappers(argv: &[String]) -> &[String] {
    let mut i = 0;
    while let Some(w) = argv.get(i) {
        let is_assignment = w.contains('=')
            && !w.starts_with('-')
            && w.split('=').next().is_some_and(|n| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if is_assignment
            || matches!(
                w.as_str(),
                "sudo" | "env" | "exec" | "nohup" | "time" | "command"
            )
        {
            i += 1;
        } else {
            break;
        }
    }
    &argv[i..]
}

fn match_rule(rule: &ShellRule, args: &[String]) -> Option<Severity> {
    if args
        .iter()
        .any(|a| rule.unless.iter().any(|u| glob_alt(u, a)))
    {
        return None;
    }
    if !rule.when.is_empty() && !rule.when.iter().any(|seq| subsequence(seq, args)) {
        return None;
    }
    if !rule.flags.iter().all(|group| has_flag(group, args)) {
        return None;
    }
    let operands: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if !rule.targets.is_empty() && !args.iter().any(|a| rule.targets.contains(a)) {
        return None;
    }
    if !rule.safe_prefixes.is_empty()
        && !operands.is_empty()
        && operands.iter().all(|o| {
            !o.contains("..") && rule.safe_prefixes.iter().any(|p| o.starts_with(p.as_str()))
        })
    {
        return None;
    }
    let mut severity = rule.info.severity;
    if args
        .iter()
        .any(|a| rule.escalators.iter().any(|e| glob_alt(e, a)))
    {
        severity = severity.raised();
    }
    Some(severity)
}

/// True when the patterns appear in `args` in order (not necessarily adjacent).
fn subsequence(patterns: &[String], args: &[String]) -> bool {
    let mut it = args.iter();
    patterns.iter().all(|p| it.by_ref().any(|a| glob_alt(p, a)))
}

fn has_flag(group: &[String], args: &[String]) -> bool {
    args.iter().any(|a| {
        if let Some(long) = a.strip_prefix("--") {
            group.iter().any(|g| g.len() > 1 && g == long)
        } else if let Some(short) = a.strip_prefix('-') {
            !short.is_empty()
                && short.chars().all(|c| c.is_ascii_alphabetic())
                && group
                    .iter()
                    .any(|g| g.len() == 1 && short.contains(g.as_str()))
        } else {
            false
        }
    })
}

/// `a|b` alternatives, each with `*` wildcards.
pub fn glob_alt(pattern: &str, text: &str) -> bool {
    pattern.split('|').any(|p| glob(p, text))
}

fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(line: &str) -> Vec<String> {
        scan_command_line(line)
            .into_iter()
            .map(|f| format!("{}:{}", f.rule.info.id, f.severity.as_str()))
            .collect()
    }

    #[test]
    fn destructive_commands_are_found() {
        assert_eq!(ids("rm -rf build"), ["shell.rm-rf:high"]);
        assert_eq!(ids("sudo rm -r -f /"), ["shell.rm-rf-root:critical"]);
        assert_eq!(
            ids("rm --recursive --force ~"),
            ["shell.rm-rf-root:critical"]
        );
        assert_eq!(
            ids("terraform destroy -auto-approve"),
            ["shell.terraform-destroy:critical"]
        );
        assert_eq!(
            ids("cd infra && terraform apply -auto-approve"),
            ["shell.terraform-apply-auto-approve:high"]
        );
        assert_eq!(
            ids("kubectl -n prod delete ns payments"),
            ["shell.kubectl-delete-namespace:critical"]
        );
        assert_eq!(
            ids("aws s3 rb s3://logs --force"),
            ["shell.aws-s3-rb-force:critical"]
        );
        assert_eq!(
            ids("aws ec2 terminate-instances --instance-ids i-1"),
            ["shell.aws-cli-destructive:high"]
        );
        assert_eq!(
            ids("bash -c 'git push --force origin main'"),
            ["shell.git-push-force:critical"]
        );
    }

    #[test]
    fn safe_forms_are_not_findings() {
        assert!(ids("rm -rf /tmp/build-123").is_empty());
        assert!(
            ids("rm -rf /tmp/../etc").len() == 1,
            "'..' escapes the scratch dir"
        );
        assert!(ids("rm -f file.txt").is_empty(), "not recursive");
        assert!(ids("echo rm -rf /").is_empty(), "echo's arguments are data");
        assert!(ids("terraform plan -destroy").is_empty());
        assert!(ids("kubectl delete pod x --dry-run=server").is_empty());
        assert!(ids("aws ec2 describe-instances").is_empty());
        assert!(ids("git push origin main").is_empty());
        assert!(ids("# rm -rf /").is_empty(), "comment");
    }
}
