//! `scan --plan FILE`: a Terraform plan (`terraform show -json PLANFILE`, format 1.x) read for the
//! resources it replaces or deletes, each placed on its `resource` block in the workspace (module
//! addresses followed through local `module` sources from the root modules). A replaced or
//! deleted stateful resource is critical; a deleted resource whose block is gone is listed by
//! address.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::analysis::Finding;
use crate::catalog::Severity;
use crate::workspace::Workspace;

#[derive(Deserialize)]
struct PlanJson {
    format_version: Option<String>,
    #[serde(default)]
    resource_changes: Option<Vec<ResourceChange>>,
    #[serde(default)]
    planned_values: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct ResourceChange {
    address: String,
    #[serde(default)]
    module_address: Option<String>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(rename = "type")]
    type_: String,
    name: String,
    change: Change,
    #[serde(default)]
    action_reason: Option<String>,
}

#[derive(Deserialize)]
struct Change {
    actions: Vec<String>,
    #[serde(default)]
    replace_paths: Option<Vec<Vec<serde_json::Value>>>,
}

/// One resource the plan replaces or deletes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlanChange {
    pub address: String,
    /// `module.a.module.b` → `[a, b]`.
    pub modules: Vec<String>,
    pub resource_type: String,
    pub name: String,
    pub actions: Vec<String>,
    pub replace_paths: Vec<String>,
    pub action_reason: Option<String>,
}

impl PlanChange {
    pub fn replaces(&self) -> bool {
        self.actions.len() == 2
            && self.actions.iter().any(|a| a == "delete")
            && self.actions.iter().any(|a| a == "create")
    }
}

/// What the plan said, for the report.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PlanSummary {
    pub file: String,
    pub format_version: String,
    pub replaced: usize,
    pub deleted: usize,
    /// Addresses whose block was not found (a deleted resource whose block is gone, or a module
    /// the workspace does not hold).
    pub unplaced: Vec<String>,
}

/// Reads a plan: the resources it replaces or deletes. A clear error for what is not a plan.
pub fn read(path: &Path) -> Result<(String, Vec<PlanChange>), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let plan: PlanJson = serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| {
        format!(
            "{} is not JSON ({e}): give the output of `terraform show -json PLANFILE`",
            path.display()
        )
    })?;
    let version = plan.format_version.ok_or_else(|| {
        format!(
            "{} is JSON but not a Terraform plan (no format_version): give the output of `terraform show -json PLANFILE`",
            path.display()
        )
    })?;
    if !version.starts_with("1.") {
        return Err(format!(
            "{}: plan format {version} is not supported (aigis reads format 1.x)",
            path.display()
        ));
    }
    if plan.resource_changes.is_none() && plan.planned_values.is_none() {
        return Err(format!(
            "{} is Terraform JSON without planned changes (a state?): give the output of `terraform show -json PLANFILE`",
            path.display()
        ));
    }
    let changes = plan
        .resource_changes
        .unwrap_or_default()
        .into_iter()
        .filter(|rc| rc.mode.as_deref() != Some("data"))
        .filter(|rc| rc.change.actions.iter().any(|a| a == "delete"))
        .map(|rc| PlanChange {
            modules: module_path(rc.module_address.as_deref().unwrap_or("")),
            address: rc.address,
            resource_type: rc.type_,
            name: rc.name,
            actions: rc.change.actions,
            replace_paths: rc
                .change
                .replace_paths
                .unwrap_or_default()
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|s| match s {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .collect(),
            action_reason: rc.action_reason,
        })
        .collect();
    Ok((version, changes))
}

/// `module.a["x"].module.b[0]` → `[a, b]`.
fn module_path(address: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        let end = after.find(['.', '[']).unwrap_or(after.len());
        out.push(after[..end].to_string());
        rest = &after[end..];
        // Skip an instance key (`["x"]`, `[0]`), then the dot before the next module.
        if rest.starts_with('[') {
            let mut depth = 0;
            let mut close = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '[' => depth += 1,
                    ']' => {
                        depth -= 1;
                        if depth == 0 {
                            close = i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = &rest[close..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    out
}

/// The Terraform blocks of one folder (a module).
#[derive(Default)]
struct Module {
    /// `type.name` → (file, start, end).
    resources: HashMap<String, (String, usize, usize)>,
    /// module name → (file, start, end, source).
    calls: HashMap<String, (String, usize, usize, String)>,
}

/// Every folder's Terraform blocks.
fn modules(ws: &Workspace) -> BTreeMap<PathBuf, Module> {
    let mut out: BTreeMap<PathBuf, Module> = BTreeMap::new();
    let rules = crate::walk::WalkRules::new(&ws.config.index);
    for path in rules.files(&ws.root, &ws.root) {
        let Some(lang) = crate::language::for_path(&path).filter(|l| l.queries == "terraform")
        else {
            continue;
        };
        let (Some(rel), Ok(text)) = (ws.relative(&path), std::fs::read_to_string(&path)) else {
            continue;
        };
        let (Some(model), Some(tree)) = (lang.model, crate::parse::parse(lang, &text)) else {
            continue;
        };
        let doc = model.build(tree.root_node(), &text);
        let dir = path.parent().unwrap_or(&ws.root).to_path_buf();
        let m = out.entry(dir).or_default();
        for root in &doc.roots {
            let crate::models::Value::Map(body) = root else {
                continue;
            };
            for e in &body.entries {
                let crate::models::Value::Map(b) = &e.value else {
                    continue;
                };
                match e.key.as_str() {
                    "resource" => {
                        if let (Some(t), Some(n)) = (b.text("@label"), b.text("@name")) {
                            m.resources
                                .insert(format!("{t}.{n}"), (rel.clone(), b.start, b.end));
                        }
                    }
                    "module" => {
                        if let Some(n) = b.text("@label") {
                            let source = b.text("source").unwrap_or("").to_string();
                            m.calls
                                .insert(n.to_string(), (rel.clone(), b.start, b.end, source));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

/// A local module source (`./modules/db`, `../shared`) from `dir`, as a folder.
fn local_source(dir: &Path, source: &str) -> Option<PathBuf> {
    if !(source.starts_with("./") || source.starts_with("../")) {
        return None;
    }
    let mut out = dir.to_path_buf();
    for part in source.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    Some(out)
}

/// Where a change lands: the resource block, or the call of a module the workspace does not hold.
enum Place {
    Resource(String, usize, usize),
    ModuleCall(String, usize, usize, String),
}

fn place(mods: &BTreeMap<PathBuf, Module>, roots: &[&PathBuf], c: &PlanChange) -> Option<Place> {
    'roots: for root in roots {
        let mut dir = (*root).clone();
        for m in &c.modules {
            let Some((file, s, e, source)) = mods.get(&dir).and_then(|d| d.calls.get(m).cloned())
            else {
                continue 'roots;
            };
            match local_source(&dir, &source).filter(|d| mods.contains_key(d)) {
                Some(d) => dir = d,
                None => return Some(Place::ModuleCall(file, s, e, source)),
            }
            if !mods.contains_key(&dir) {
                continue 'roots;
            }
        }
        let key = format!("{}.{}", c.resource_type, c.name);
        if let Some((f, s, e)) = mods.get(&dir).and_then(|m| m.resources.get(&key)) {
            return Some(Place::Resource(f.clone(), *s, *e));
        }
    }
    None
}

/// The file (still in the workspace) whose committed text held the block of `c`.
fn committed_file(ws: &Workspace, c: &PlanChange) -> Option<String> {
    let needle = format!("resource \"{}\" \"{}\"", c.resource_type, c.name);
    let out = crate::git::text(
        &ws.root,
        &["grep", "-l", "-F", "-z", &needle, "HEAD", "--", "*.tf"],
    )?;
    out.split('\0')
        .filter_map(|hit| hit.strip_prefix("HEAD:"))
        .find(|rel| ws.root.join(rel).is_file())
        .map(str::to_string)
}

/// The plan's findings by file (workspace-relative), and its summary.
pub fn findings(
    ws: &Workspace,
    plan_file: &Path,
) -> Result<(HashMap<String, Vec<Finding>>, PlanSummary), String> {
    let (version, changes) = read(plan_file)?;
    let mods = modules(ws);
    // Root modules: folders no local `module` block points to.
    let called: Vec<PathBuf> = mods
        .iter()
        .flat_map(|(dir, m)| {
            m.calls
                .values()
                .filter_map(|c| local_source(dir, &c.3))
                .collect::<Vec<_>>()
        })
        .collect();
    let roots: Vec<&PathBuf> = mods.keys().filter(|d| !called.contains(d)).collect();
    let mut summary = PlanSummary {
        file: plan_file.display().to_string(),
        format_version: version,
        ..Default::default()
    };
    let mut out: HashMap<String, Vec<Finding>> = HashMap::new();
    for c in &changes {
        let replace = c.replaces();
        if replace {
            summary.replaced += 1;
        } else {
            summary.deleted += 1;
        }
        let stateful = crate::models::changes::is_stateful(&c.resource_type);
        let rule = if replace {
            "tf.plan.replace"
        } else {
            "tf.plan.delete"
        };
        let severity = if stateful {
            Severity::Critical
        } else {
            Severity::High
        };
        let verb = if replace {
            format!("replaces {} ({})", c.address, c.actions.join(", then "))
        } else {
            format!("deletes {}", c.address)
        };
        let mut why = Vec::new();
        if !c.replace_paths.is_empty() {
            why.push(format!("because of `{}`", c.replace_paths.join("`, `")));
        }
        if let Some(r) = &c.action_reason {
            why.push(format!("({r})"));
        }
        let data = if stateful {
            ": a stateful resource, its data is lost unless restored"
        } else {
            ""
        };
        let mut message = format!(
            "the plan {verb}{}{data}",
            if why.is_empty() {
                String::new()
            } else {
                format!(" {}", why.join(" "))
            }
        );
        let (file, start, end) = match place(&mods, &roots, c) {
            Some(Place::Resource(f, s, e)) => (f, s, e),
            Some(Place::ModuleCall(f, s, e, source)) => {
                message.push_str(&format!(
                    " (inside module source `{source}`, not in this workspace)"
                ));
                (f, s, e)
            }
            None => {
                summary.unplaced.push(c.address.clone());
                // A block deleted from a file that is still there: the finding goes on that file.
                match committed_file(ws, c) {
                    Some(file) => {
                        message.push_str(&format!(
                            " (its block `resource \"{}\" \"{}\"` was in this file at HEAD and is gone)",
                            c.resource_type, c.name
                        ));
                        (file, 0, 0)
                    }
                    None => continue,
                }
            }
        };
        out.entry(file).or_default().push(Finding {
            rule: rule.into(),
            category: "iac".into(),
            severity,
            start,
            end: end.max(start),
            message: message.into(),
            notes: vec![format!("from the plan {}", plan_file.display())],
        });
    }
    Ok((out, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_addresses_lose_their_instance_keys() {
        assert_eq!(module_path(""), Vec::<String>::new());
        assert_eq!(module_path("module.db"), ["db"]);
        assert_eq!(module_path("module.a[\"x.y\"].module.b[0]"), ["a", "b"]);
    }
}
