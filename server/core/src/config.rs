//! `aigis.toml`: policy and settings. Every setting has a working default, and a broken file is
//! reported with its line, never silently ignored.

use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub review: Option<ReviewConfig>,
    #[serde(default)]
    pub policy: PolicyConfig,
    #[serde(default)]
    pub heuristic: HeuristicConfig,
    #[serde(default)]
    pub analysis: AnalysisConfig,
    #[serde(default)]
    pub guard: GuardConfig,
    /// Who is senior, mid-level or junior; absent, review is tiered by risk alone.
    #[serde(default)]
    pub team: Option<TeamConfig>,
    #[serde(default)]
    pub rollout: RolloutConfig,
    #[serde(default)]
    pub index: IndexConfig,
}

/// `[index]`: which files aigis reads in a large repository, beyond what git ignores.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct IndexConfig {
    /// Globs of generated or vendored folders to read after all (`vendor/ours/**`).
    #[serde(default)]
    pub include: Vec<String>,
    /// Globs never read (`third_party/**`).
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// An engineer's level, for `[team]` and `policy.senior_signoff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Junior,
    Mid,
    Senior,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Junior => "junior",
            Level::Mid => "mid-level",
            Level::Senior => "senior",
        }
    }
}

/// `[team]`: engineers by level (git `user.email` or `user.name`, or a team such as
/// `@org/seniors` whose members `[team.members]` lists, as CODEOWNERS names them).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    #[serde(default)]
    pub senior: Vec<String>,
    #[serde(default)]
    pub mid: Vec<String>,
    #[serde(default)]
    pub junior: Vec<String>,
    /// The level of anyone not listed.
    #[serde(default = "default_level")]
    pub default: Level,
    /// Members of the teams named above (`"@org/seniors" = ["alice@example.com"]`).
    #[serde(default)]
    pub members: std::collections::BTreeMap<String, Vec<String>>,
}

fn default_level() -> Level {
    Level::Mid
}

impl TeamConfig {
    /// The entries of a level's list with teams expanded to their members.
    pub fn expand(&self, list: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for e in list {
            match self.members.get(e.trim()) {
                Some(m) => out.extend(m.iter().cloned()),
                None => out.push(e.clone()),
            }
        }
        out
    }

    pub fn level_of(&self, who: &crate::identity::Identity) -> Level {
        let listed = |l: &[String]| {
            self.expand(l)
                .iter()
                .any(|e| e.trim() != "*" && who.matches(e))
        };
        if listed(&self.senior) {
            Level::Senior
        } else if listed(&self.mid) {
            Level::Mid
        } else if listed(&self.junior) {
            Level::Junior
        } else {
            self.default
        }
    }
}

/// `[rollout]`: what `scan --base` tells a deploy pipeline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolloutConfig {
    /// Approved AI regions of this tier or above make the change a canary: "senior" or "peer".
    #[serde(default = "default_canary_from")]
    pub canary_from: String,
}

impl Default for RolloutConfig {
    fn default() -> Self {
        RolloutConfig {
            canary_from: default_canary_from(),
        }
    }
}

fn default_canary_from() -> String {
    "senior".into()
}

/// `aigis guard`: which operations an agent may not write or run without approval.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardConfig {
    /// The lowest severity that is stopped: `critical` (default), `high`, `medium` or `never`.
    #[serde(default = "default_block", deserialize_with = "block_level")]
    pub block: Option<crate::catalog::Severity>,
    /// The lowest severity for which the agent asks the person first (`high`: the agent's own
    /// confirmation prompt) where the agent has one; `never` (default) lets it through.
    #[serde(default, deserialize_with = "block_level")]
    pub ask: Option<crate::catalog::Severity>,
    /// Rule ids (or prefixes ending in `*`) that are approved for agents.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Globs where no agent may edit anything (production paths).
    #[serde(default)]
    pub protect: Vec<String>,
    /// Per protected glob, the agents that may edit there after all (`"deploy/**" = ["claude-code"]`).
    #[serde(default)]
    pub allow_agents: std::collections::BTreeMap<String, Vec<String>>,
}

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig {
            block: default_block(),
            ask: None,
            allow: Vec::new(),
            protect: Vec::new(),
            allow_agents: Default::default(),
        }
    }
}

impl GuardConfig {
    /// The protected glob that keeps `agent` out of `rel`, if one does.
    pub fn protecting(&self, rel: &str, agent: Option<&str>) -> Option<&str> {
        let matches =
            |g: &str| globset::Glob::new(g).is_ok_and(|g| g.compile_matcher().is_match(rel));
        let glob = self.protect.iter().find(|g| matches(g))?;
        let allowed = self
            .allow_agents
            .iter()
            .filter(|(g, _)| matches(g))
            .any(|(_, agents)| agent.is_some_and(|a| agents.iter().any(|x| x == a)));
        (!allowed).then_some(glob.as_str())
    }
}

fn default_block() -> Option<crate::catalog::Severity> {
    Some(crate::catalog::Severity::Critical)
}

fn block_level<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<crate::catalog::Severity>, D::Error> {
    use crate::catalog::Severity;
    let s = String::deserialize(d)?;
    match s.as_str() {
        "critical" => Ok(Some(Severity::Critical)),
        "high" => Ok(Some(Severity::High)),
        "medium" => Ok(Some(Severity::Medium)),
        "never" => Ok(None),
        other => Err(serde::de::Error::custom(format!(
            "guard.block and guard.ask must be \"critical\", \"high\", \"medium\" or \"never\", not {other:?}"
        ))),
    }
}

/// Who may approve which tier. Entries are git `user.email` or `user.name`; `*` is anyone.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReviewConfig {
    #[serde(default)]
    pub senior: Vec<String>,
    #[serde(default = "anyone")]
    pub peer: Vec<String>,
    /// In CI, approvals count only from commits with a good signature (`git verify-commit`).
    #[serde(default)]
    pub require_signed: bool,
}

fn anyone() -> Vec<String> {
    vec!["*".into()]
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Globs (relative to the workspace root) where a `high` finding needs a senior.
    #[serde(default)]
    pub critical_paths: Vec<String>,
    /// Transitive dependents from which a region needs a senior (blast radius).
    #[serde(default = "default_senior_dependents")]
    pub senior_dependents: usize,
    /// Dependents from which a region needs a peer.
    #[serde(default = "default_peer_dependents")]
    pub peer_dependents: usize,
    /// How many levels of callers the blast radius follows.
    #[serde(default = "default_blast_depth")]
    pub blast_depth: usize,
    /// Levels whose AI regions need a senior's approval whatever the risk (needs `[team]`).
    #[serde(default)]
    pub senior_signoff: Vec<crate::config::Level>,
    /// Distinct senior approvals a region with a critical operation needs.
    #[serde(default = "one")]
    pub critical_approvals: usize,
}

fn one() -> usize {
    1
}

fn default_blast_depth() -> usize {
    3
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            critical_paths: Vec::new(),
            senior_dependents: default_senior_dependents(),
            peer_dependents: default_peer_dependents(),
            blast_depth: default_blast_depth(),
            senior_signoff: Vec::new(),
            critical_approvals: 1,
        }
    }
}

fn default_senior_dependents() -> usize {
    25
}
fn default_peer_dependents() -> usize {
    5
}

/// The burst heuristic: one change that inserts many new lines at once.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeuristicConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// New lines one change must insert to count as a burst.
    #[serde(default = "default_min_lines")]
    pub min_lines: usize,
}

impl Default for HeuristicConfig {
    fn default() -> Self {
        HeuristicConfig {
            enabled: true,
            min_lines: default_min_lines(),
        }
    }
}

fn yes() -> bool {
    true
}
fn default_min_lines() -> usize {
    4
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AnalysisConfig {
    /// Rule ids (or prefixes ending in `*`) that are never reported.
    #[serde(default)]
    pub disabled_rules: Vec<String>,
    /// Report risky operations everywhere, not only in AI regions.
    #[serde(default)]
    pub audit: bool,
}

impl AnalysisConfig {
    pub fn rule_enabled(&self, id: &str) -> bool {
        !self
            .disabled_rules
            .iter()
            .any(|d| match d.strip_suffix('*') {
                Some(prefix) => id.starts_with(prefix),
                None => d == id,
            })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    Invalid { path: String, message: String },
}

impl Config {
    pub const FILE: &'static str = "aigis.toml";

    /// Loads `aigis.toml` from the workspace root; no file means the defaults.
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        let path = root.join(Self::FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        Self::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.display().to_string(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("line {line}, column {col}: ")
            });
            format!("{}{}", at.unwrap_or_default(), e.message().trim())
        })?;
        for glob in &config.policy.critical_paths {
            globset::Glob::new(glob).map_err(|e| format!("policy.critical_paths: {e}"))?;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let c = Config::parse("").unwrap();
        assert!(c.review.is_none());
        assert!(c.heuristic.enabled);
        let c = Config::parse("[review]\nsenior = [\"a@x\"]\n").unwrap();
        assert_eq!(c.review.unwrap().peer, ["*"]);
        let e = Config::parse("[review\nsenior = 1").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let e = Config::parse("[reveiw]\n").unwrap_err();
        assert!(e.contains("unknown field"), "{e}");
        let e = Config::parse("[policy]\ncritical_paths = [\"a/**[\"]\n").unwrap_err();
        assert!(e.contains("critical_paths"), "{e}");
    }
}
