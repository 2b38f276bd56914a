//! `CODEOWNERS`: the owners of a path are its senior reviewers when `aigis.toml` names none.
//! The last matching line wins, with gitignore-style patterns, as GitHub and GitLab read it.

use std::path::Path;

use ignore::gitignore::GitignoreBuilder;

pub struct CodeOwners {
    rules: Vec<(ignore::gitignore::Gitignore, Vec<String>)>,
}

impl CodeOwners {
    pub const LOCATIONS: [&'static str; 3] =
        ["CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"];

    pub fn load(root: &Path) -> Option<CodeOwners> {
        let text = Self::LOCATIONS
            .iter()
            .find_map(|p| std::fs::read_to_string(root.join(p)).ok())?;
        Some(Self::parse(root, &text))
    }

    pub fn parse(root: &Path, text: &str) -> CodeOwners {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(pattern) = parts.next() else {
                continue;
            };
            let owners: Vec<String> = parts
                .take_while(|p| !p.starts_with('#'))
                .map(|o| o.to_string())
                .collect();
            let mut b = GitignoreBuilder::new(root);
            if b.add_line(None, pattern).is_err() {
                continue;
            }
            if let Ok(gi) = b.build() {
                rules.push((gi, owners));
            }
        }
        CodeOwners { rules }
    }

    /// Owners of a workspace-relative path (`@user`, `@org/team` or an email).
    pub fn owners_of(&self, rel_path: &str) -> Vec<String> {
        self.rules
            .iter()
            .rev()
            .find(|(gi, _)| gi.matched_path_or_any_parents(rel_path, false).is_ignore())
            .map(|(_, owners)| owners.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_match_wins() {
        let co = CodeOwners::parse(
            Path::new("/w"),
            "* @everyone\n/infra/ alice@example.com @ops\n*.md @docs\n",
        );
        assert_eq!(
            co.owners_of("infra/deploy.rs"),
            ["alice@example.com", "@ops"]
        );
        assert_eq!(co.owners_of("src/lib.rs"), ["@everyone"]);
        assert_eq!(co.owners_of("infra/README.md"), ["@docs"]);
    }
}
