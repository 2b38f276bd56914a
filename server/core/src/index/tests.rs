//! The index's bulk runs: every file placed in the project that holds it, when projects are
//! looked up once per folder.

use super::*;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A workspace of these files (relative path, text), and its root.
fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (rel, text) in files {
        write(&root, rel, text);
    }
    (dir, root)
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
    let (_dir, root) = workspace(&[
        ("a/Cargo.toml", "[package]\nname = \"alpha\"\n"),
        ("a/src/lib.rs", "pub fn one() {}\n"),
        ("a/src/deep/x.rs", "pub fn two() {}\n"),
        // A crate inside a crate's folder: its files are its own, not the outer crate's.
        ("a/inner/Cargo.toml", "[package]\nname = \"beta-b\"\n"),
        ("a/inner/src/lib.rs", "pub fn three() {}\n"),
        // Go and Rust files in one folder: each language finds its own project.
        ("a/src/deep/go.mod", "module example.com/deep\n"),
        ("a/src/deep/y.go", "package deep\n\nfunc Four() {}\n"),
    ]);
    let index = WorkspaceIndex::new();
    index.index_workspace(&root, &|_, _| {});
    index.fill();
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

/// What a blast radius finds, in one order: a radius lists its dependents in the order the
/// index met the files, and names the first path it found to an entry point (both differ
/// between runs of a parallel index).
fn radius(index: &WorkspaceIndex, id: usize, d: &Def) -> Vec<String> {
    let b = crate::blast::blast_radius(index, id, d.start, d.end, 3);
    let mut found: Vec<String> = b
        .dependents
        .iter()
        .chain(&b.tests)
        .chain(&b.ambiguous)
        .map(|d| {
            format!(
                "{}:{}:{} depth {}",
                d.file.display(),
                d.start,
                d.end,
                d.depth
            )
        })
        .chain(
            b.entry_points
                .iter()
                .map(|e| e.split(" via ").next().unwrap().to_string()),
        )
        .chain(
            b.risky_callees
                .iter()
                .map(|r| format!("{} {}:{}", r.rule, r.file.display(), r.line)),
        )
        .chain(b.symbols.iter().map(|s| s.name.clone()))
        .collect();
    found.sort();
    found.dedup();
    found.push(format!(
        "{} {} {} {}",
        b.direct, b.transitive, b.files, b.transitive_files
    ));
    found
}

/// This crate's own source and the rule fixtures of every language: a workspace of many
/// files, modules, imports and languages.
fn sample_tree() -> Vec<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files =
        WorkspaceIndex::indexable(&here.join("src"), &crate::walk::WalkRules::default());
    files.extend(WorkspaceIndex::indexable(
        &here.join("../../queries"),
        &crate::walk::WalkRules::default(),
    ));
    files
}

#[test]
fn every_name_a_tree_yields_has_its_key_word_in_the_text() {
    let mut checked = 0;
    for path in sample_tree() {
        let text = std::fs::read_to_string(&path).unwrap();
        let lang = language::for_path(&path).unwrap();
        let tree = crate::parse::Parser::new()
            .parse(lang, &text, None)
            .unwrap();
        let symbols = extract(lang, &tree, &text, &path, Vec::new());
        let held: HashSet<&str> = lazy::words(&text).collect();
        let names = symbols.defs.iter().map(|d| &d.name);
        let names = names.chain(symbols.refs.iter().map(|r| &r.name));
        let names = names.chain(symbols.imports.values().filter_map(|p| p.last()));
        for name in names {
            if let Some(key) = lazy::words(name).last() {
                assert!(
                    held.contains(key),
                    "{name} ({key}) not a word of {}",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 10_000, "{checked} names");
}

proptest::proptest! {
    /// The byte-wise word reader gives the words of the definition: runs of ASCII letters,
    /// digits and `_` split at any other character, those starting with a digit left out.
    #[test]
    fn words_are_read_byte_by_byte_as_characters_split_them(text in "[a-z0-9_ .:é😀\\r\\n-]{0,40}") {
        let by_chars: Vec<&str> = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.as_bytes().first().is_some_and(|b| !b.is_ascii_digit()))
            .collect();
        proptest::prop_assert_eq!(lazy::words(&text).collect::<Vec<_>>(), by_chars);
    }
}

#[test]
fn a_lazy_index_answers_as_one_that_parsed_everything_first() {
    let files = sample_tree();
    let lazy = WorkspaceIndex::new();
    lazy.index_files(files.clone(), &|_, _| {});
    let full = WorkspaceIndex::new();
    full.index_files(files.clone(), &|_, _| {});
    full.fill();
    assert_eq!(full.owed(), 0);
    assert_eq!(lazy.owed(), files.len(), "nothing parsed before a question");
    // Every third definition of every file, asked from four threads at once.
    let asked = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for part in 0..4 {
            let (files, lazy, full, asked) = (&files, &lazy, &full, &asked);
            s.spawn(move || {
                for path in files.iter().skip(part).step_by(4) {
                    let id = full.file_id(path).unwrap();
                    let table = full.file(id).unwrap();
                    let lazy_id = lazy.file_id(path).unwrap();
                    for d in table.defs.iter().step_by(3) {
                        assert_eq!(
                            radius(lazy, lazy_id, d),
                            radius(full, id, d),
                            "{} in {}",
                            d.name,
                            path.display()
                        );
                        asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let asked = asked.into_inner();
    assert!(asked > 300, "{asked} asked");
    assert_eq!(
        lazy.counts(),
        full.counts(),
        "the same tables once everything is asked"
    );
}

#[test]
fn a_file_owed_its_symbols_takes_an_editors_text_and_a_removal_as_final() {
    let (_dir, root) = workspace(&[
        ("Cargo.toml", "[package]\nname = \"w\"\n"),
        ("src/lib.rs", "pub mod a;\npub mod b;\npub fn target() {}\n"),
        ("src/a.rs", "pub fn on_disk() { crate::target(); }\n"),
        ("src/b.rs", "pub fn gone() { crate::target(); }\n"),
    ]);
    let index = WorkspaceIndex::new();
    index.index_workspace(&root, &|_, _| {});
    assert_eq!(index.owed(), 3);
    // The editor's text of a.rs, then b.rs deleted: a question then parses neither from disk.
    let a = root.join("src/a.rs");
    let text = "pub fn typed() { crate::target(); }\n";
    let tree = crate::parse::Parser::new()
        .parse(language::for_path(&a).unwrap(), text, None)
        .unwrap();
    index.update_file(&a, &tree, text);
    index.remove_file(&root.join("src/b.rs"));
    let lib = index.file_id(&root.join("src/lib.rs")).unwrap();
    let table = index.file(lib).unwrap();
    let target = table.defs.iter().find(|d| d.name == "target").unwrap();
    let callers: Vec<String> = crate::blast::blast_radius(&index, lib, target.start, target.end, 1)
        .dependents
        .into_iter()
        .filter_map(|d| d.caller)
        .collect();
    assert_eq!(callers, ["a::typed"]);
    assert_eq!(index.owed(), 0);
}

#[test]
fn a_questions_resolver_answers_as_each_reference_resolved_alone() {
    let index = WorkspaceIndex::new();
    index.index_files(sample_tree(), &|_, _| {});
    index.fill();
    let ids: Vec<usize> = index.files.iter().map(|f| *f.key()).collect();
    // One resolver for all of it, as a radius asks: answers taken from what it kept must be
    // what a reference resolved on its own gives.
    let mut resolver = Resolver::new(&index);
    let mut meant: HashMap<DefId, Vec<RefId>> = HashMap::new();
    let mut resolved = 0;
    for &id in &ids {
        let f = index.file(id).unwrap();
        for (i, r) in f.refs.iter().enumerate() {
            let alone = index.resolve(&f, r);
            assert_eq!(
                resolver.resolve((id, i), &f, r),
                &alone,
                "{} in {}",
                r.name,
                f.path.display()
            );
            for d in alone.1 {
                meant.entry(d).or_default().push((id, i));
            }
            resolved += 1;
        }
    }
    assert!(resolved > 5_000, "{resolved} references");
    // And the references to a definition are those whose resolution names it, asked of a
    // resolver that has answered other names first.
    let mut asked = 0;
    for &id in &ids {
        let f = index.file(id).unwrap();
        for i in (0..f.defs.len()).step_by(2) {
            let mut found: Vec<RefId> = resolver
                .references_to((id, i))
                .into_iter()
                .map(|(r, _)| r)
                .collect();
            found.sort();
            let mut want = meant.get(&(id, i)).cloned().unwrap_or_default();
            want.sort();
            want.dedup();
            assert_eq!(found, want, "{} in {}", f.defs[i].name, f.path.display());
            asked += 1;
        }
    }
    assert!(asked > 300, "{asked} definitions");
}
