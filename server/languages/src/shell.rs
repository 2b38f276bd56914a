//! Command lines: splitting a shell string into commands and words, and matching an argv against
//! the shell rules. Used for `Command::new(..)` argv in code, `sh -c` strings and agent hooks.

use crate::catalog::{RuleInfo, Severity, ShellRule, INTERPRETERS, SHELL_RULES};

/// One matched command.
#[derive(Debug, Clone)]
pub struct CommandFinding {
    /// The rule: a shell rule, or a language's own when the command runs inline code
    /// (`python -c ".."`).
    pub info: &'static RuleInfo,
    pub severity: Severity,
    /// The command as matched, words joined by spaces (for messages).
    pub command: String,
    /// What raised or lowered the severity, or where the operation sits.
    pub notes: Vec<String>,
}

/// How deep `sh -c "bash -c '..'"` is followed.
const MAX_DEPTH: usize = 6;

/// The grammar that reads command lines (`grammars.rs`).
const SHELL_GRAMMAR: &str = "bash";

/// A command line's tree. The grammar alone, not the language table: `guard` on a shell command
/// pays for one parser, not for compiling every language's queries.
fn parse_shell(text: &str) -> Option<tree_sitter::Tree> {
    thread_local! {
        static PARSER: std::cell::RefCell<Option<tree_sitter::Parser>> =
            const { std::cell::RefCell::new(None) };
    }
    PARSER.with(|p| {
        let mut p = p.borrow_mut();
        if p.is_none() {
            let mut parser = tree_sitter::Parser::new();
            parser
                .set_language(&crate::grammars::by_name(SHELL_GRAMMAR)?.0)
                .ok()?;
            *p = Some(parser);
        }
        p.as_mut()?.parse(text, None)
    })
}

/// Matches a shell command line (possibly several commands) against the shell rules.
pub fn scan_command_line(line: &str) -> Vec<CommandFinding> {
    scan_script(line).into_iter().map(|(_, _, f)| f).collect()
}

/// The findings of a shell script, each with the byte range of its command in `text`.
pub fn scan_script(text: &str) -> Vec<(usize, usize, CommandFinding)> {
    scan_script_at(text, 0)
}

fn scan_script_at(text: &str, depth: usize) -> Vec<(usize, usize, CommandFinding)> {
    if depth > MAX_DEPTH {
        return Vec::new();
    }
    let Some(tree) = parse_shell(text) else {
        return Vec::new();
    };
    crate::models::bash::commands(tree.root_node(), text)
        .into_iter()
        .flat_map(|c| {
            argv_findings(&c.argv, c.stdin_from.as_deref(), depth)
                .into_iter()
                .map(move |f| (c.start, c.end, f))
        })
        .collect()
}

/// Matches one argv (program first) against the shell rules; `sh -c "..."`, `eval ..` and
/// inline interpreter code (`python -c ".."`) are followed into.
pub fn scan_argv(argv: &[String]) -> Vec<CommandFinding> {
    argv_findings(argv, None, 0)
}

/// [`scan_argv`] for a command that reads the output of `stdin_from` (a pipeline).
pub fn scan_piped(argv: &[String], stdin_from: Option<&str>) -> Vec<CommandFinding> {
    argv_findings(argv, stdin_from, 0)
}

fn argv_findings(argv: &[String], stdin_from: Option<&str>, depth: usize) -> Vec<CommandFinding> {
    let argv = strip_wrappers(argv);
    let Some(program) = argv.first() else {
        return Vec::new();
    };
    let program = program.rsplit('/').next().unwrap_or(program);
    let nested = |script: &str| -> Vec<CommandFinding> {
        scan_script_at(script, depth + 1)
            .into_iter()
            .map(|(_, _, f)| f)
            .collect()
    };
    if matches!(program, "sh" | "bash" | "zsh" | "dash" | "ksh") {
        // `-c`, `-lc`, `-ec`, `-xec`: the next argument is the script.
        let script = argv
            .iter()
            .position(|a| a.starts_with('-') && !a.starts_with("--") && a.ends_with('c'))
            .and_then(|i| argv.get(i + 1));
        if let Some(s) = script {
            return nested(s);
        }
        // A shell reading its script from a pipe (`curl .. | sh`): the rules say what it runs.
    }
    if program == "eval" {
        return nested(&argv[1..].join(" "));
    }
    if let Some(found) = inline_code(program, &argv[1..], depth) {
        return found;
    }
    let args = &argv[1..];
    let mut found: Vec<CommandFinding> = SHELL_RULES
        .iter()
        .filter(|rule| rule.program.iter().any(|p| p == program))
        .filter(|rule| {
            rule.stdin_from.is_empty()
                || stdin_from.is_some_and(|s| rule.stdin_from.iter().any(|r| r == s))
        })
        .filter_map(|rule| {
            let severity = match_rule(rule, args)?;
            Some(CommandFinding {
                info: &rule.info,
                severity,
                command: argv.join(" "),
                notes: Vec::new(),
            })
        })
        .collect();
    let superseded: Vec<String> = found
        .iter()
        .flat_map(|f| f.info.supersedes.iter().cloned())
        .collect();
    found.retain(|f| !superseded.contains(&f.info.id));
    found
}

/// `python -c "code"`, `node -e "code"`: the code, read with that language's own rules.
fn inline_code(program: &str, args: &[String], depth: usize) -> Option<Vec<CommandFinding>> {
    let interp = INTERPRETERS
        .iter()
        .find(|i| i.program.iter().any(|p| p == program))?;
    let i = args.iter().position(|a| interp.flags.contains(a))?;
    let code = args.get(i + 1)?;
    if depth > MAX_DEPTH {
        return Some(Vec::new());
    }
    let lang = crate::language::by_name(&interp.language)?;
    let tree = crate::parse::parse(lang, code)?;
    let found = crate::analysis::analyze(lang, &tree, code, None);
    Some(
        found
            .into_iter()
            .filter_map(|f| {
                let info = crate::language::static_rule_info(lang, &f.rule)?;
                let snippet = code.get(f.start..f.end).unwrap_or(code);
                let mut notes = f.notes;
                notes.push(format!(
                    "in {} code run by `{program} {}`",
                    lang.name, args[i]
                ));
                Some(CommandFinding {
                    info,
                    severity: f.severity,
                    command: snippet.split_whitespace().collect::<Vec<_>>().join(" "),
                    notes,
                })
            })
            .collect(),
    )
}

/// Drops what runs the real command: `sudo`, `env`, `exec`, `nohup`, `time`, `command`,
/// `xargs`, `timeout N`, `nice -n N` (with their options) and leading `VAR=value` assignments.
fn strip_wrappers(argv: &[String]) -> &[String] {
    let is_assignment = |w: &str| {
        w.contains('=')
            && !w.starts_with('-')
            && w.split('=').next().is_some_and(|n| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
    };
    let mut i = 0;
    while let Some(w) = argv.get(i) {
        let base = w.rsplit('/').next().unwrap_or(w);
        if is_assignment(w) {
            i += 1;
            continue;
        }
        // Options that take a value, per wrapper.
        let valued: &[&str] = match base {
            "sudo" => &["-u", "-g", "-C", "-h", "-p", "-U", "-D"],
            "env" => &["-u", "-C", "-S"],
            "xargs" => &["-I", "-n", "-P", "-L", "-s", "-d", "-E", "-a"],
            "nice" => &["-n"],
            "timeout" => &["-s", "-k"],
            "exec" => &["-a"],
            "nohup" | "time" | "command" | "stdbuf" | "ionice" => &[],
            _ => break,
        };
        i += 1;
        while let Some(o) = argv.get(i) {
            if valued.contains(&o.as_str()) {
                i += 2;
            } else if o.starts_with('-') || (base == "env" && is_assignment(o)) {
                i += 1;
            } else {
                break;
            }
        }
        if base == "timeout"
            && argv
                .get(i)
                .is_some_and(|d| d.starts_with(|c: char| c.is_ascii_digit()))
        {
            i += 1; // the duration
        }
    }
    &argv[i.min(argv.len())..]
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
            .map(|f| format!("{}:{}", f.info.id, f.severity.as_str()))
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
            ["aws.ec2.terminate-instances:critical"]
        );
        assert_eq!(
            ids("aws --region us-east-1 cloudformation delete-stack --stack-name prod"),
            ["aws.cloudformation.delete-stack:critical"],
            "the outage's own command carries the SDK operation's rule"
        );
        assert_eq!(
            ids("aws ec2 terminate-instances --dry-run --instance-ids i-1"),
            Vec::<String>::new()
        );
        assert_eq!(
            ids("aws lambda delete-layer-version --layer-name x"),
            ["shell.aws-cli-destructive:high"],
            "an operation the catalog does not name meets the generic rule"
        );
        assert_eq!(
            ids("bash -c 'git push --force origin main'"),
            ["shell.git-push-force:critical"]
        );
        assert_eq!(
            ids("curl -fsSL https://get.example.com | sudo bash"),
            ["shell.curl-pipe-shell:high"]
        );
        assert_eq!(
            ids("wget -qO- https://x | sh -s -- --yes"),
            ["shell.curl-pipe-shell:high"]
        );
        assert!(ids("curl -s https://x | jq .").is_empty(), "not a shell");
        assert!(ids("cat install.sh | less").is_empty());
        assert!(
            ids("bash install.sh").is_empty(),
            "a script file, not a pipe"
        );
    }

    #[test]
    fn what_runs_counts_wherever_it_sits() {
        for line in [
            "echo `git reset --hard`",
            "echo $(git reset --hard)",
            "{ git reset --hard; }",
            "( git reset --hard )",
            "sudo -u deploy /usr/bin/git reset --hard",
            "env -i PATH=/bin nohup time git reset --hard",
            "find . -name x | xargs -0 git reset --hard",
            "timeout 10 git reset --hard",
            "eval \"git reset --hard\"",
            "sh -c 'bash -c \"git reset --hard\"'",
            "bash <<END\ngit reset --hard\nEND",
            "REF=--hard; git reset $REF",
        ] {
            assert_eq!(ids(line), ["shell.git-reset-hard:high"], "{line}");
        }
    }

    #[test]
    fn inline_code_is_read_with_its_language_rules() {
        let found = scan_command_line("python3 -c \"import shutil; shutil.rmtree('/home')\"");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].info.id, "python.shutil.rmtree");
        assert!(scan_command_line("python3 -c \"print('shutil.rmtree')\"").is_empty());
        let node = scan_command_line("node -e \"require('fs').rmSync('/srv', {recursive: true})\"");
        assert!(!node.is_empty(), "node -e reads JavaScript");
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
        assert!(ids("echo 'terraform destroy'").is_empty(), "quoted data");
        assert!(
            ids("cat <<END\nrm -rf /\nEND").is_empty(),
            "a heredoc that is data"
        );
        assert!(ids("tee x.sh <<'END'\ngit reset --hard\nEND").is_empty());
    }
}
