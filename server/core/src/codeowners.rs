//! `CODEOWNERS`: the owners of a path are its senior reviewers when `aigis.toml` names none.
//! The last matching line wins, with gitignore-style patterns, as GitHub and GitLab read it.

use std::path::Path;

use ignore::gitignore::GitignoreBuilder;

pub struct CodeOwners {
    rules: Vec<(ignore::gitignore::Gitignore, Vec<String>)>,
    /// Lines that could not be read (one-based line, why): skipped, as GitHub skips them.
    pub warnings: Vec<(usize, String)>,
}

impl CodeOwners {
    pub const LOCATIONS: [&'static str; 3] =
        ["CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"];

    pub fn load(root: &Path) -> Option<CodeOwners> {
        Self::find(root).map(|(_, text)| Self::parse(root, &text))
    }

    /// The first CODEOWNERS file in GitHub's order, and its text. A linked file is not read: the
    /// repository decides who reviews, and a link could point anywhere.
    pub fn find(root: &Path) -> Option<(&'static str, String)> {
        Self::LOCATIONS.iter().find_map(|p| {
            let bytes = crate::safe_fs::read(root, &root.join(p)).ok()??;
            Some((*p, String::from_utf8_lossy(&bytes).into_owned()))
        })
    }

    /// How many lines assign owners.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    pub fn parse(root: &Path, text: &str) -> CodeOwners {
        let mut rules = Vec::new();
        let mut warnings = Vec::new();
        for (at, line) in text.lines().enumerate() {
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
            if let Some(bad) = owners.iter().find(|o| !is_owner(o)) {
                warnings.push((
                    at + 1,
                    format!("`{bad}` is not an owner (`@user`, `@org/team` or an email)"),
                ));
            }
            let mut b = GitignoreBuilder::new(root);
            let built = match b.add_line(None, pattern) {
                Ok(_) => b.build(),
                Err(e) => Err(e),
            };
            match built {
                Ok(gi) => rules.push((gi, owners)),
                Err(e) => {
                    warnings.push((at + 1, format!("pattern `{pattern}` is not valid ({e})")))
                }
            }
        }
        CodeOwners { rules, warnings }
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

fn is_owner(o: &str) -> bool {
    o.strip_prefix('@').is_some_and(|h| !h.is_empty()) || (o.contains('@') && !o.starts_with('@'))
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
        assert!(co.warnings.is_empty());
    }

    #[test]
    fn unreadable_lines_are_reported_with_their_line() {
        let co = CodeOwners::parse(
            Path::new("/w"),
            "# owners\n* @everyone\nsrc/ alice\na/[z-a] @x\n",
        );
        assert_eq!(co.warnings.len(), 2, "{:?}", co.warnings);
        assert_eq!(co.warnings[0].0, 3);
        assert!(co.warnings[0].1.contains("`alice`"));
        assert_eq!(co.warnings[1].0, 4);
    }
}
