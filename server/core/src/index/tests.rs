//! The index's bulk runs: every file placed in the project that holds it, when projects are
//! looked up once per folder.

use super::*;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Each indexed file's project, as (file relative to `root`, project folder relative to `root`,
/// project name).
fn placements(index: &WorkspaceIndex, root: &Path) -> Vec<(String, String, String)> {
    let crates = index.crates();
    let rel = |p: &Path| p.strip_prefix(root).unwrap().display().to_string();
    let mut out: Vec<_> = index
        .files
        .iter()
        .map(|f| {
            let c = &crates[f.crate_id];
            (rel(&f.path), rel(&c.dir), c.name.clone())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_bulk_index_places_every_file_in_the_project_that_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write(&root, "a/Cargo.toml", "[package]\nname = \"alpha\"\n");
    write(&root, "a/src/lib.rs", "pub fn one() {}\n");
    write(&root, "a/src/deep/x.rs", "pub fn two() {}\n");
    // A crate inside a crate's folder: its files are its own, not the outer crate's.
    write(
        &root,
        "a/inner/Cargo.toml",
        "[package]\nname = \"beta-b\"\n",
    );
    write(&root, "a/inner/src/lib.rs", "pub fn three() {}\n");
    // Go and Rust files in one folder: each language finds its own project.
    write(&root, "a/src/deep/go.mod", "module example.com/deep\n");
    write(&root, "a/src/deep/y.go", "package deep\n\nfunc Four() {}\n");
    let index = WorkspaceIndex::new();
    index.index_workspace(&root, &|_, _| {});
    let want = vec![
        (
            "a/inner/src/lib.rs".into(),
            "a/inner".into(),
            "beta_b".into(),
        ),
        ("a/src/deep/x.rs".into(), "a".into(), "alpha".into()),
        ("a/src/deep/y.go".into(), "a/src/deep".into(), String::new()),
        ("a/src/lib.rs".into(), "a".into(), "alpha".into()),
    ];
    assert_eq!(placements(&index, &root), want);
    // One file indexed alone (an editor's save) lands in the same place.
    let alone = WorkspaceIndex::new();
    for (file, _, _) in &want {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let lang = language::for_path(&path).unwrap();
        let tree = crate::parse::Parser::new()
            .parse(lang, &text, None)
            .unwrap();
        alone.update_file(&path, &tree, &text);
    }
    assert_eq!(placements(&alone, &root), want);
}

#[test]
fn the_walk_lists_files_sorted_whatever_the_threads_meet_first() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for i in (0..40).rev() {
        write(&root, &format!("d{}/f{i}.rs", i % 7), "fn f() {}\n");
    }
    let files = WorkspaceIndex::indexable(&root, &crate::walk::WalkRules::default());
    assert_eq!(files.len(), 40);
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
}
