//! Blast radius on fixture workspaces with known answers.

use super::*;
use crate::index::WorkspaceIndex;

fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, WorkspaceIndex) {
    let dir = tempfile::tempdir().unwrap();
    for (p, text) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let index = WorkspaceIndex::new();
    index.index_workspace(dir.path(), &|_, _| {});
    (dir, index)
}

/// The blast radius of the function `name` in `file`, as if an AI wrote all of it.
fn of_fn(dir: &tempfile::TempDir, index: &WorkspaceIndex, file: &str, name: &str) -> BlastRadius {
    let id = index.file_id(&dir.path().join(file)).unwrap();
    let f = index.file(id).unwrap();
    let d = f.defs.iter().find(|d| d.name == name).unwrap();
    blast_radius(index, id, d.start, d.end, 3)
}

const MAIN: &str = r#"mod deploy;
mod ops;

fn main() {
    ops::rotate();
}

#[cfg(test)]
mod tests {
    #[test]
    fn purges() {
        crate::deploy::purge_environment();
    }
}
"#;

const DEPLOY: &str = r#"use aws_sdk_ec2 as ec2;

pub fn purge_environment() {
    helper();
}

async fn helper(client: &ec2::Client) {
    client.terminate_instances().send().await.unwrap();
}

pub fn other() {
    purge_environment();
}
"#;

const OPS: &str = r#"use crate::deploy::purge_environment;
use crate::deploy::purge_environment as wipe;

pub fn rotate() {
    purge_environment();
}

pub fn nightly() {
    wipe();
}

pub fn unrelated() {
    let purge_environment = || 1;
    purge_environment();
}
"#;

#[test]
fn three_call_sites_in_two_files_reaching_main_with_tests_apart() {
    let (dir, index) = workspace(&[
        ("Cargo.toml", "[package]\nname = \"app\"\n"),
        ("src/main.rs", MAIN),
        ("src/deploy.rs", DEPLOY),
        ("src/ops.rs", OPS),
    ]);
    let b = of_fn(&dir, &index, "src/deploy.rs", "purge_environment");
    assert_eq!(b.symbols.len(), 1);
    assert!(b.symbols[0].defined);
    let direct: Vec<(String, Option<String>)> = b
        .dependents
        .iter()
        .filter(|d| d.depth == 1)
        .map(|d| {
            (
                d.file.file_name().unwrap().to_string_lossy().into_owned(),
                d.caller.clone(),
            )
        })
        .collect();
    assert_eq!(b.direct, 3, "{direct:?}");
    assert_eq!(b.files, 2);
    let mut callers: Vec<String> = direct.iter().filter_map(|(_, c)| c.clone()).collect();
    callers.sort();
    assert_eq!(callers, ["deploy::other", "ops::nightly", "ops::rotate"]);
    assert!(b.dependents.iter().all(|d| d.certainty == Certainty::Exact));
    assert!(
        b.entry_points
            .iter()
            .any(|e| e.starts_with("`main` (main) via ops::rotate")),
        "{:?}",
        b.entry_points
    );
    assert_eq!(b.tests.len(), 1, "the test caller is listed");
    assert_eq!(b.tests[0].caller.as_deref(), Some("tests::purges"));
    // The region calls `helper`, which terminates instances: an indirect risky operation.
    assert_eq!(b.risky_callees.len(), 1);
    assert_eq!(b.risky_callees[0].rule, "aws.ec2.terminate-instances");
    assert_eq!(b.risky_callees[0].via, ["deploy::helper"]);
}

#[test]
fn methods_resolve_by_impl_type() {
    let src = r#"
pub struct Env;
pub struct Cache;
impl Env {
    pub fn new() -> Env { Env }
    pub fn purge(&self) {}
    pub fn reset(&self) { self.purge(); }
}
impl Cache {
    pub fn purge(&self) {}
}
fn a() { let e = Env::new(); e.purge(); }
fn b(c: &Cache) { c.purge(); }
fn c() { let e: Env = make(); e.purge(); }
fn d() { let x = make(); x.purge(); }
fn e(x: &Unknown) { x.purge(); }
"#;
    let (dir, index) = workspace(&[
        ("Cargo.toml", "[package]\nname = \"m\"\n"),
        ("src/lib.rs", src),
    ]);
    let id = index.file_id(&dir.path().join("src/lib.rs")).unwrap();
    let f = index.file(id).unwrap();
    let env_purge = f
        .defs
        .iter()
        .position(|d| d.name == "purge" && d.impl_type.as_deref() == Some("Env"))
        .unwrap();
    let d = &f.defs[env_purge];
    let b = blast_radius(&index, id, d.start, d.end, 1);
    let mut callers: Vec<String> = b
        .dependents
        .iter()
        .filter_map(|d| d.caller.clone())
        .collect();
    callers.sort();
    assert_eq!(callers, ["Env::reset", "a", "c"], "only Env's callers");
    assert_eq!(
        b.ambiguous.len(),
        1,
        "an untyped receiver with two candidates is reported, not counted"
    );
    assert_eq!(b.ambiguous[0].caller.as_deref(), Some("d"));
}

/// A `use` inside a method of an `impl` brings its name in too (the tags walk finds every `use`),
/// and a file-level `use` keeps meaning what it says outside the function whose own `use`
/// names the same thing.
#[test]
fn imports_inside_impl_methods_resolve_and_file_level_ones_win_outside() {
    let ops = r#"use crate::deploy::purge;

pub struct Job;
impl Job {
    pub fn run(&self) {
        use crate::deploy::purge as wipe;
        wipe();
    }
}

pub fn rotate() {
    purge();
}

pub fn other() {
    use crate::cache::purge;
}
"#;
    let (dir, index) = workspace(&[
        ("Cargo.toml", "[package]\nname = \"app\"\n"),
        ("src/lib.rs", "mod cache;\nmod deploy;\nmod ops;\n"),
        ("src/deploy.rs", "pub fn purge() {}\n"),
        ("src/cache.rs", "pub fn purge() {}\n"),
        ("src/ops.rs", ops),
    ]);
    let b = of_fn(&dir, &index, "src/deploy.rs", "purge");
    let mut callers: Vec<String> = b
        .dependents
        .iter()
        .filter(|d| d.certainty == Certainty::Exact)
        .filter_map(|d| d.caller.clone())
        .collect();
    callers.sort();
    assert_eq!(callers, ["Job::run", "ops::rotate"]);
    let b = of_fn(&dir, &index, "src/cache.rs", "purge");
    assert!(b.dependents.is_empty(), "{:?}", b.dependents);
}

#[test]
fn common_names_do_not_flood() {
    let a = "pub fn run() {}\npub fn caller_a() { run(); }\n";
    let b = "pub fn run() {}\npub fn caller_b() { run(); }\n";
    let (dir, index) = workspace(&[
        ("Cargo.toml", "[package]\nname = \"x\"\n"),
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", a),
        ("src/b.rs", b),
    ]);
    let r = of_fn(&dir, &index, "src/a.rs", "run");
    let callers: Vec<String> = r
        .dependents
        .iter()
        .filter_map(|d| d.caller.clone())
        .collect();
    assert_eq!(callers, ["a::caller_a"], "each module's own `run`");
}

/// D9: the blast radius of a region holding thousands of definitions is linear in them (it was
/// quadratic: a 250k-line AI file took minutes). Five times the definitions must cost well under
/// twenty-five times the time (linear: about five); both sizes are measured in the same run.
#[test]
fn blast_radius_is_linear_in_a_regions_definitions() {
    let time_for = |n: usize| {
        let text: String = (0..n)
            .map(|i| format!("pub fn f{i}() {{ f{}(); }}\n", (i * 7 + 1) % n))
            .collect();
        let (dir, index) = workspace(&[
            ("src/lib.rs", &text),
            ("Cargo.toml", "[package]\nname = \"big\"\n"),
        ]);
        let id = index.file_id(&dir.path().join("src/lib.rs")).unwrap();
        let started = std::time::Instant::now();
        let b = blast_radius(&index, id, 0, text.len(), 3);
        assert_eq!(b.symbols.len(), n);
        started.elapsed()
    };
    let small = (0..3).map(|_| time_for(3000)).min().unwrap();
    let large = (0..3).map(|_| time_for(15000)).min().unwrap();
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 12.0,
        "5x the definitions took {ratio:.1}x the time ({small:?} -> {large:?})"
    );
}
