//! The query folder bundled into the binary at build time (`build.rs`): every `.toml` and `.scm`
//! under `queries/`, by its path there.

/// The bundled file at `rel` under `queries/` (every one is checked by the tests).
pub fn bundled(rel: &str) -> &'static str {
    bundled_files()
        .iter()
        .find(|(p, _)| *p == rel)
        .map(|(_, text)| *text)
        .unwrap_or_else(|| panic!("queries/{rel} is not bundled"))
}

/// Every bundled query and rule file: (path under `queries/`, contents).
pub fn bundled_files() -> &'static [(&'static str, &'static str)] {
    BUNDLED
}

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
