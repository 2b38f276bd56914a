//! Bundles the query folder into the binary: every `.toml` and `.scm` file under `queries/`
//! (fixtures and tools left out) becomes an entry of `BUNDLED` (path relative to `queries/`,
//! contents), so a new language or rule file needs no Rust change to be embedded. The folder is
//! the repository's top-level `queries/`, which `server/languages/queries` links to, so that
//! `cargo package` puts it in the crate and the packaged crate builds on its own.
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    // `queries/` in the crate: a link to the repository's top-level folder, or the copy a
    // packaged crate carries. A checkout without links (Windows) reads the top-level folder.
    let root = [manifest.join("queries"), manifest.join("../../queries")]
        .into_iter()
        .find(|p| p.join("languages.toml").is_file())
        .expect("queries/languages.toml: neither the repository's nor a packaged copy");
    let root = root.canonicalize().expect("the queries folder resolves");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from("/// Every bundled query and rule file: (path under `queries/`, contents).\npub static BUNDLED: &[(&str, &str)] = &[\n");
    for (rel, abs) in &files {
        out.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("bundled.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed={}", root.display());
    for (_, abs) in &files {
        println!("cargo:rerun-if-changed={}", abs.display());
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if name != "fixtures" && name != "tools" && !name.starts_with('.') {
                println!("cargo:rerun-if-changed={}", path.display());
                collect(root, &path, out);
            }
        } else if kind.is_file() && (name.ends_with(".toml") || name.ends_with(".scm")) {
            let rel = path
                .strip_prefix(root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, path));
        }
    }
}
