//! Who is acting: the git identity of the working tree, as git itself would record it.

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Identity {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

impl Identity {
    /// `user.name` and `user.email` from git config in `root` (arguments passed directly, never
    /// through a shell). Missing values are empty.
    pub fn of_workspace(root: &Path) -> Identity {
        let get = |key: &str| {
            Command::new("git")
                .arg("-C")
                .arg(root)
                .args(["config", "--get", key])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default()
        };
        Identity {
            name: get("user.name"),
            email: get("user.email"),
        }
    }

    pub fn is_known(&self) -> bool {
        !self.name.is_empty() || !self.email.is_empty()
    }

    /// True when a reviewer list entry names this identity (`*` names anyone).
    pub fn matches(&self, entry: &str) -> bool {
        let entry = entry.trim();
        entry == "*"
            || (!self.email.is_empty() && entry.eq_ignore_ascii_case(&self.email))
            || (!self.name.is_empty() && entry == self.name)
            || entry
                .strip_prefix('@')
                .is_some_and(|h| !h.is_empty() && h == self.name)
    }

    pub fn same_person(&self, other: &Identity) -> bool {
        (!self.email.is_empty() && self.email.eq_ignore_ascii_case(&other.email))
            || (self.email.is_empty() && !self.name.is_empty() && self.name == other.name)
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.name.is_empty(), self.email.is_empty()) {
            (false, false) => write!(f, "{} <{}>", self.name, self.email),
            (false, true) => write!(f, "{}", self.name),
            (true, false) => write!(f, "<{}>", self.email),
            (true, true) => write!(f, "(unknown git identity)"),
        }
    }
}
