//! Running git, and reading the paths it prints. Arguments go to git directly, never through a
//! shell; `core.quotePath` is off so that non-ASCII names are printed as they are, and the names
//! git still quotes (quotes, backslashes, tabs, newlines, control characters) are unquoted here.
//! A path that is read wrongly is a file CI does not check, so every place that lists paths
//! goes through `unquote` or `-z`.

use std::path::Path;
use std::process::Command;

/// `git -C root ARGS` with the system config ignored; stdout, or the first line of stderr.
pub fn run(root: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "core.quotePath=false"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// `run` as text (lossy), or `None` on failure.
pub fn text(root: &Path, args: &[&str]) -> Option<String> {
    run(root, args)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// A path as git prints it in a patch header, `--name-only` or blame's `filename`: C-quoted
/// (`"a\"b\tc"`, octal escapes for bytes) when it holds special characters, else as is.
pub fn unquote(s: &str) -> String {
    let Some(inner) = s
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .filter(|_| s.len() >= 2)
    else {
        return s.to_string();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'a') => bytes.push(0x07),
            Some(b'b') => bytes.push(0x08),
            Some(b't') => bytes.push(b'\t'),
            Some(b'n') => bytes.push(b'\n'),
            Some(b'v') => bytes.push(0x0b),
            Some(b'f') => bytes.push(0x0c),
            Some(b'r') => bytes.push(b'\r'),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    match it.peek() {
                        Some(&n @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(n - b'0');
                            it.next();
                        }
                        _ => break,
                    }
                }
                bytes.push(v as u8);
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The new path of a `+++ ` patch header line (`None` for `/dev/null`): unquoted, without the
/// `b/` prefix and without the tab git adds after names that hold a space.
pub fn patch_path(header: &str) -> Option<String> {
    let raw = header.strip_suffix('\t').unwrap_or(header);
    if raw == "/dev/null" {
        return None;
    }
    let path = unquote(raw);
    path.strip_prefix("b/").map(str::to_string)
}

/// NUL-separated names (`-z` output).
pub fn split_z(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

/// A file's text at a revision (`None` when the file or the revision does not exist there, or the
/// text is not UTF-8). `rel` is relative to `root`.
pub fn show_file(root: &Path, rev: &str, rel: &str) -> Option<String> {
    if rev.starts_with('-') {
        return None;
    }
    run(root, &["show", &format!("{rev}:./{rel}")])
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquotes_what_git_quotes() {
        assert_eq!(unquote("plain.rs"), "plain.rs");
        assert_eq!(unquote(r#""a\"b.rs""#), "a\"b.rs");
        assert_eq!(unquote(r#""tab\there.rs""#), "tab\there.rs");
        assert_eq!(unquote(r#""back\\slash.rs""#), "back\\slash.rs");
        assert_eq!(unquote(r#""caf\303\251.rs""#), "café.rs");
        assert_eq!(unquote(r#""new\nline.rs""#), "new\nline.rs");
        assert_eq!(
            patch_path("b/with space.rs\t").as_deref(),
            Some("with space.rs")
        );
        assert_eq!(
            patch_path(r#""b/caf\303\251.rs""#).as_deref(),
            Some("café.rs")
        );
        assert_eq!(patch_path("/dev/null"), None);
    }
}
