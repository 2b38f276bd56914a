//! The rule catalog: what counts as a risky operation, as data read from `queries/`.
//!
//! Code rules say *where* a risky operation is in a program (a fluent SDK chain, a path call, a
//! method with a telling argument, a process spawn, a SQL string); shell and SQL rules say *what*
//! a command line or a statement does. The tree-sitter query of each language only finds
//! candidate calls; these rules decide.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn raised(self) -> Severity {
        match self {
            Severity::Medium => Severity::High,
            _ => Severity::Critical,
        }
    }

    pub fn lowered(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            _ => Severity::Medium,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// What every rule says about itself.
#[derive(Debug, Clone, Deserialize)]
pub struct RuleInfo {
    pub id: String,
    pub category: String,
    pub severity: Severity,
    /// Why the operation is dangerous; shown in hover and SARIF help.
    pub why: String,
    /// What the operation destroys or exposes, in a few words ("EC2 instances").
    #[serde(default)]
    pub target: Option<String>,
    /// Rules this one makes redundant when both match the same call (a more specific rule).
    #[serde(default)]
    pub supersedes: Vec<String>,
}

/// Where a risky operation sits in code.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "match", rename_all = "kebab-case")]
pub enum CodeMatcher {
    /// `client.<method>()...send()`: a fluent SDK builder that is actually sent.
    SdkChain {
        method: String,
        crates: Vec<String>,
        #[serde(default)]
        escalators: Vec<String>,
        #[serde(default)]
        mitigators: Vec<String>,
    },
    /// A call of a function by its canonical path, resolved through the file's imports.
    PathCall {
        paths: Vec<String>,
        /// `bare`: the first argument must be a plain identifier or path (a whole table).
        #[serde(default)]
        arg_shape: Option<String>,
        /// The first string argument is SQL to scan with the SQL rules.
        #[serde(default)]
        sql_arg: bool,
    },
    /// `recv.<method>(args)` on a crate's type, told apart by its arguments or receiver.
    MethodCall {
        methods: Vec<String>,
        #[serde(default)]
        crates: Vec<String>,
        /// Some argument's text contains one of these.
        #[serde(default)]
        arg_contains: Vec<String>,
        /// The first argument is exactly this literal.
        #[serde(default)]
        arg_literal: Option<String>,
        /// Some string literal among the arguments starts with this.
        #[serde(default)]
        arg_string_prefix: Option<String>,
        /// The receiver's binding (`let x: T = ...`) mentions one of these.
        #[serde(default)]
        receiver_contains: Vec<String>,
        /// The first string argument is SQL to scan with the SQL rules.
        #[serde(default)]
        sql_arg: bool,
        /// Fields set to true among the arguments that raise (`Force: aws.Bool(true)`) or lower
        /// (`DryRun`) its severity.
        #[serde(default)]
        escalators: Vec<String>,
        #[serde(default)]
        mitigators: Vec<String>,
    },
    /// A macro whose first string literal is SQL.
    SqlMacro {
        macros: Vec<String>,
        crates: Vec<String>,
    },
    /// A process spawned with literal arguments, matched against the shell rules: the argv of
    /// a builder (`Command::new("x").arg(..)`), of a list (`subprocess.run(["x", ..])`) or, with
    /// `shell_for`, a command line (`os.system("x ..")`; `shell_when`: only when the call's
    /// arguments say so, `shell=True`).
    Command {
        constructors: Vec<String>,
        /// Constructors whose first argument is always a shell command line (`os.system`).
        #[serde(default)]
        shell_for: Vec<String>,
        #[serde(default)]
        shell_when: Option<String>,
    },
    /// `client.<method>(..)` where the receiver is bound to an SDK client or resource made for
    /// one of `services` (`boto3.client("ec2")`, `session.resource("s3")`, `self.ec2 = ...`, or a
    /// value taken from one: `bucket = s3.Bucket(..)`). Keyword arguments set to true raise
    /// (`Force`) or lower (`DryRun`) its severity.
    ClientCall {
        methods: Vec<String>,
        services: Vec<String>,
        #[serde(default)]
        crates: Vec<String>,
        /// The calls that make a client (`client`, `resource`).
        factories: Vec<String>,
        #[serde(default)]
        escalators: Vec<String>,
        #[serde(default)]
        mitigators: Vec<String>,
        /// Methods whose name alone does not say which operation it is (a resource's
        /// `delete`): the receiver, or what it was made from, must show one of these
        /// (`.objects.` for `bucket.objects.all().delete()`, `Bucket(` for `s3.Bucket(n).delete()`).
        #[serde(default)]
        via: std::collections::BTreeMap<String, Vec<String>>,
    },
    /// In a configuration file (Terraform, YAML, JSON): a key set to a risky literal, in the maps
    /// one of the selections picks (`resource "aws_s3_bucket"` blocks, `kind: Pod` documents).
    Attribute { when: Vec<crate::models::Select> },
}

#[derive(Debug, Clone, Deserialize)]
pub struct CodeRule {
    #[serde(flatten)]
    pub info: RuleInfo,
    #[serde(flatten)]
    pub matcher: CodeMatcher,
}

/// A shell command: the program, then tokens that must follow it in order.
#[derive(Debug, Clone, Deserialize)]
pub struct ShellRule {
    #[serde(flatten)]
    pub info: RuleInfo,
    pub program: Vec<String>,
    /// Alternatives; each is a sequence of argument patterns that must appear in order
    /// (`*` globs, `a|b` alternatives). Empty: the program alone is enough.
    #[serde(default)]
    pub when: Vec<Vec<String>>,
    /// Flag groups that must all be present (`r` matches `-r`, `-rf`, `--r`; a long name
    /// matches `--name`).
    #[serde(default)]
    pub flags: Vec<Vec<String>>,
    /// Some non-flag argument must equal one of these.
    #[serde(default)]
    pub targets: Vec<String>,
    /// Any of these arguments makes the command safe (dry runs, previews).
    #[serde(default)]
    pub unless: Vec<String>,
    /// Every non-flag argument under one of these prefixes makes the command safe.
    #[serde(default)]
    pub safe_prefixes: Vec<String>,
    /// The command reads the output of one of these programs (a pipeline: `curl .. | sh`).
    #[serde(default)]
    pub stdin_from: Vec<String>,
    #[serde(default)]
    pub escalators: Vec<String>,
}

/// A SQL statement, by its leading keywords.
#[derive(Debug, Clone, Deserialize)]
pub struct SqlRule {
    #[serde(flatten)]
    pub info: RuleInfo,
    pub statement: Vec<String>,
    /// Keywords that must also appear, consecutively, somewhere in the statement.
    #[serde(default)]
    pub contains: Vec<String>,
    /// A statement containing any of these keywords is fine (`WHERE`, `CONCURRENTLY`).
    #[serde(default)]
    pub unless: Vec<String>,
    #[serde(default)]
    pub escalators: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct CodeRuleFile {
    #[serde(default)]
    rule: Vec<CodeRule>,
    #[serde(default)]
    embed: Vec<crate::models::Embed>,
}

#[derive(Debug, Deserialize)]
struct ShellRuleFile {
    #[serde(default)]
    rule: Vec<ShellRule>,
    #[serde(default)]
    interpreter: Vec<Interpreter>,
}

/// A program that runs code given on its command line (`python -c`), read with a language's
/// own rules.
#[derive(Debug, Clone, Deserialize)]
pub struct Interpreter {
    pub program: Vec<String>,
    /// The options whose argument is the code.
    pub flags: Vec<String>,
    /// The language (`queries/languages.toml`) the code is read as.
    pub language: String,
}

#[derive(Debug, Deserialize)]
struct SqlRuleFile {
    rule: Vec<SqlRule>,
}

/// The command-line rule files: hand-written rules, then the AWS CLI forms of the catalogued SDK
/// operations (generated), which carry those operations' ids and severities.
const SHELL_FILES: &[&str] = &["embedded/commands.toml", "embedded/aws-cli.toml"];

fn shell_files() -> impl Iterator<Item = ShellRuleFile> {
    SHELL_FILES
        .iter()
        .map(|f| parse::<ShellRuleFile>(&format!("queries/{f}"), crate::bundle::bundled(f)))
}

pub static SHELL_RULES: LazyLock<Vec<ShellRule>> =
    LazyLock::new(|| shell_files().flat_map(|f| f.rule).collect());

pub static INTERPRETERS: LazyLock<Vec<Interpreter>> =
    LazyLock::new(|| shell_files().flat_map(|f| f.interpreter).collect());

pub static SQL_RULES: LazyLock<Vec<SqlRule>> = LazyLock::new(|| {
    parse::<SqlRuleFile>(
        "queries/embedded/sql.toml",
        crate::bundle::bundled("embedded/sql.toml"),
    )
    .rule
});

/// Reads code rules, and the values that hold embedded code, from the rule files of one language.
pub fn code_rules(files: &[(&str, &str)]) -> (Vec<CodeRule>, Vec<crate::models::Embed>) {
    let (mut rules, mut embeds) = (Vec::new(), Vec::new());
    for (name, text) in files {
        let f = parse::<CodeRuleFile>(name, text);
        rules.extend(f.rule);
        embeds.extend(f.embed);
    }
    (rules, embeds)
}

/// The catalog ships inside the binary and is checked by tests, so a parse error here is a
/// build defect, not user input.
fn parse<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> T {
    match toml::from_str(text) {
        Ok(v) => v,
        Err(e) => panic!("bundled catalog {name} is invalid: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalog_parses_and_ids_are_unique_per_language() {
        // One id may name the same operation in several places (`aws.ec2.terminate-instances`
        // in Rust, Python and as an AWS CLI command; in JavaScript as a v3 command and as an
        // aggregated client's method): within one rule list it is unique for each way of
        // matching, and wherever it appears it has the same severity and category.
        let mut total = 0;
        let mut everywhere: std::collections::HashMap<&str, (&RuleInfo, &str)> =
            std::collections::HashMap::new();
        type Kind = Option<std::mem::Discriminant<CodeMatcher>>;
        let lists: Vec<(&str, Vec<(&RuleInfo, Kind)>)> = crate::language::all()
            .iter()
            .map(|l| {
                (
                    l.name,
                    l.rules
                        .iter()
                        .map(|r| (&r.info, Some(std::mem::discriminant(&r.matcher))))
                        .collect(),
                )
            })
            .chain([
                (
                    "shell",
                    SHELL_RULES.iter().map(|r| (&r.info, None)).collect(),
                ),
                ("sql", SQL_RULES.iter().map(|r| (&r.info, None)).collect()),
            ])
            .collect();
        for (name, list) in &lists {
            let mut seen = std::collections::HashSet::new();
            for (info, kind) in list {
                assert!(
                    seen.insert((&info.id, *kind)),
                    "{name}: duplicate rule id {}",
                    info.id
                );
                let (first, place) = everywhere.entry(&info.id).or_insert((info, name));
                assert!(
                    first.severity == info.severity && first.category == info.category,
                    "{}: {name} and {place} disagree on its severity or category",
                    info.id
                );
            }
            total += seen.len();
        }
        assert!(total > 150, "catalog unexpectedly small: {total}");
    }

    #[test]
    fn every_language_has_its_queries_and_every_bundled_file_belongs_somewhere() {
        let langs = crate::language::all();
        assert!(!langs.is_empty());
        for (path, _) in crate::bundle::bundled_files() {
            let top = path.split('/').next().unwrap_or("");
            assert!(
                *path == "languages.toml"
                    || *path == "safer.toml"
                    || top == "embedded"
                    || langs.iter().any(|l| l.queries == top),
                "queries/{path} belongs to no language in queries/languages.toml"
            );
        }
        // Queries compile when first used: compile every one here (a broken one panics).
        for l in langs {
            let _ = (l.query(), l.tags());
        }
        for l in langs.iter().filter(|l| l.model.is_none()) {
            assert!(
                l.query().pattern_count() > 0,
                "{}: risky.scm is empty",
                l.name
            );
            assert!(!l.rules.is_empty(), "{}: no rule files", l.name);
        }
    }
}

/// Everything known about one rule, for `explain_rule`: what it is, where it is matched, and what
/// raises or lowers its severity.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleDetails {
    pub id: String,
    pub category: String,
    pub severity: Severity,
    pub why: String,
    pub target: Option<String>,
    /// Languages (and `shell`, `sql`) whose code it is matched in.
    pub matched_in: Vec<String>,
    /// Arguments, setters or flags that raise its severity.
    pub escalators: Vec<String>,
    /// Arguments or flags that lower it or make it safe (`dry_run`).
    pub mitigators: Vec<String>,
    pub supersedes: Vec<String>,
    /// The safer way to do the same job.
    pub safer: String,
}

#[derive(Debug, Deserialize, Default)]
struct SaferFile {
    #[serde(default)]
    category: std::collections::HashMap<String, String>,
    #[serde(default)]
    rule: std::collections::HashMap<String, String>,
}

static SAFER: LazyLock<SaferFile> = LazyLock::new(|| {
    parse::<SaferFile>("queries/safer.toml", crate::bundle::bundled("safer.toml"))
});

/// The safer way to do what `rule` does (its own advice, else its category's).
pub fn safer(rule: &str, category: &str) -> String {
    SAFER
        .rule
        .get(rule)
        .or_else(|| SAFER.category.get(category))
        .cloned()
        .unwrap_or_else(|| "Make the change through a reviewed, staged rollout (canary or flag) after a person confirms what it affects.".into())
}

/// Merges into `out` what one place a rule is matched says about it.
fn add_details(
    out: &mut std::collections::BTreeMap<String, RuleDetails>,
    info: &RuleInfo,
    place: &str,
    escalators: &[String],
    mitigators: &[String],
) {
    let d = out.entry(info.id.clone()).or_insert_with(|| RuleDetails {
        id: info.id.clone(),
        category: info.category.clone(),
        severity: info.severity,
        why: info.why.clone(),
        target: info.target.clone(),
        matched_in: Vec::new(),
        escalators: Vec::new(),
        mitigators: Vec::new(),
        supersedes: info.supersedes.clone(),
        safer: safer(&info.id, &info.category),
    });
    for (list, new) in [
        (&mut d.matched_in, &[place.to_string()][..]),
        (&mut d.escalators, escalators),
        (&mut d.mitigators, mitigators),
    ] {
        for n in new {
            if !list.contains(n) {
                list.push(n.clone());
            }
        }
    }
}

/// Every rule with its details, by id (built once).
pub fn rule_details() -> &'static std::collections::BTreeMap<String, RuleDetails> {
    static DETAILS: LazyLock<std::collections::BTreeMap<String, RuleDetails>> =
        LazyLock::new(build_rule_details);
    &DETAILS
}

fn build_rule_details() -> std::collections::BTreeMap<String, RuleDetails> {
    let mut out = std::collections::BTreeMap::new();
    for lang in crate::language::all() {
        for r in &lang.rules {
            let (esc, mit) = match &r.matcher {
                CodeMatcher::SdkChain {
                    escalators,
                    mitigators,
                    ..
                }
                | CodeMatcher::ClientCall {
                    escalators,
                    mitigators,
                    ..
                }
                | CodeMatcher::MethodCall {
                    escalators,
                    mitigators,
                    ..
                } => (escalators.clone(), mitigators.clone()),
                _ => (Vec::new(), Vec::new()),
            };
            add_details(&mut out, &r.info, lang.name, &esc, &mit);
        }
    }
    for r in SHELL_RULES.iter() {
        add_details(&mut out, &r.info, "shell", &r.escalators, &r.unless);
    }
    for r in SQL_RULES.iter() {
        add_details(&mut out, &r.info, "sql", &r.escalators, &r.unless);
    }
    for r in crate::models::changes::rules() {
        add_details(&mut out, r, "terraform", &[], &[]);
    }
    out
}
