//! File access inside a repository aigis did not write: it never follows a symbolic link below
//! the workspace root, so a committed `.aigis/regions/x.jsonl -> ~/.bashrc` (or a linked
//! `.aigis`, `.lock`, `.gitattributes`) is refused instead of read or appended to.
//!
//! Every directory between the root and the file is checked with `symlink_metadata`, and the
//! file itself is opened with `O_NOFOLLOW` (or created with `O_EXCL`), so a link put in place
//! between the check and the open is refused too.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Component, Path, PathBuf};

fn refused(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{}: {why}; refused", path.display()),
    )
}

/// The components of `path` below `root`; an error when `path` is not under `root` or climbs
/// out with `..`.
fn below<'a>(root: &Path, path: &'a Path) -> io::Result<Vec<Component<'a>>> {
    let rel = path
        .strip_prefix(root)
        .map_err(|_| refused(path, "not inside the workspace"))?;
    let parts: Vec<Component> = rel.components().collect();
    if parts.iter().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(refused(path, "not a plain path inside the workspace"));
    }
    Ok(parts)
}

/// Checks that no existing component of `path` below `root` is a symbolic link (missing ones
/// are fine: they will be created as real directories).
pub fn check(root: &Path, path: &Path) -> io::Result<()> {
    let mut at = root.to_path_buf();
    for c in below(root, path)? {
        at.push(c);
        match fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => return Err(refused(&at, "is a symbolic link")),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `create_dir_all` that creates real directories only and refuses to pass through a link.
pub fn create_dir_all(root: &Path, dir: &Path) -> io::Result<()> {
    let mut at = root.to_path_buf();
    for c in below(root, dir)? {
        at.push(c);
        match fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => return Err(refused(&at, "is a symbolic link")),
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(refused(&at, "is not a directory")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&at) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    // Another writer made it first; it must still be a real directory.
                    if fs::symlink_metadata(&at)?.file_type().is_symlink() {
                        return Err(refused(&at, "is a symbolic link"));
                    }
                }
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(unix)]
fn no_follow(o: &mut OpenOptions) -> &mut OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: a named pipe in a file's place is opened at once (and then refused as not a
    // regular file) instead of waiting forever for a writer. Regular files ignore it.
    o.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
}

#[cfg(not(unix))]
fn no_follow(o: &mut OpenOptions) -> &mut OpenOptions {
    o
}

/// Opens `path` (below `root`) for appending, creating it and its directories; never through a
/// link.
pub fn open_append(root: &Path, path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        create_dir_all(root, dir)?;
    }
    check(root, path)?;
    let f = no_follow(OpenOptions::new().create(true).append(true).read(true))
        .open(path)
        .map_err(|e| link_error(path, e))?;
    regular(path, &f)?;
    Ok(f)
}

/// Opens (creating) `path` for writing without truncating it: the lock file.
pub fn open_lock(root: &Path, path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        create_dir_all(root, dir)?;
    }
    check(root, path)?;
    let f = no_follow(OpenOptions::new().create(true).truncate(false).write(true))
        .open(path)
        .map_err(|e| link_error(path, e))?;
    regular(path, &f)?;
    Ok(f)
}

/// Reads `path` (below `root`); `Ok(None)` when it does not exist. A link is an error.
pub fn read(root: &Path, path: &Path) -> io::Result<Option<Vec<u8>>> {
    match check(root, path) {
        Ok(()) => {}
        Err(e) => return Err(e),
    }
    let mut f = match no_follow(OpenOptions::new().read(true)).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(link_error(path, e)),
    };
    regular(path, &f)?;
    let mut out = Vec::new();
    io::Read::read_to_end(&mut f, &mut out)?;
    Ok(Some(out))
}

/// Creates `path` with `content` only if nothing (not even a dangling link) is there.
pub fn write_new(root: &Path, path: &Path, content: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        create_dir_all(root, dir)?;
    }
    let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
    io::Write::write_all(&mut f, content)
}

/// Replaces `path` with `content` through a new temporary file and a rename (a link at `path`
/// is replaced, never written through).
pub fn replace(root: &Path, path: &Path, content: &[u8]) -> io::Result<()> {
    check(root, path)?;
    let tmp: PathBuf = path.with_extension(format!("jsonl.tmp{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    io::Write::write_all(&mut f, content)?;
    f.sync_all()?;
    fs::rename(&tmp, path)
}

/// Refuses anything that is not a regular file (a FIFO would block the reader forever).
fn regular(path: &Path, f: &File) -> io::Result<()> {
    if f.metadata()?.is_file() {
        Ok(())
    } else {
        Err(refused(path, "is not a regular file"))
    }
}

/// `O_NOFOLLOW` on a link fails with `ELOOP`; say what happened.
fn link_error(path: &Path, e: io::Error) -> io::Error {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return refused(path, "is a symbolic link");
    }
    let _ = path;
    e
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_below_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("bashrc");
        fs::write(&target, "original\n").unwrap();
        fs::create_dir_all(root.join(".aigis/regions")).unwrap();
        symlink(&target, root.join(".aigis/regions/x.rs.jsonl")).unwrap();
        let p = root.join(".aigis/regions/x.rs.jsonl");
        assert!(open_append(root, &p).is_err());
        assert!(read(root, &p).is_err());
        assert!(replace(root, &p, b"x").is_err());
        assert_eq!(fs::read_to_string(&target).unwrap(), "original\n");

        // A linked directory on the way.
        symlink(outside.path(), root.join(".aigis/reviews")).unwrap();
        let p = root.join(".aigis/reviews/y.rs.jsonl");
        assert!(open_append(root, &p).is_err());
        assert!(!outside.path().join("y.rs.jsonl").exists());

        // A dangling link is not created through.
        symlink(outside.path().join("new"), root.join(".aigis/.gitignore")).unwrap();
        assert!(write_new(root, &root.join(".aigis/.gitignore"), b"x").is_err());
        assert!(!outside.path().join("new").exists());

        // Outside the root, or climbing out.
        assert!(check(root, &outside.path().join("z")).is_err());
        assert!(check(root, &root.join("a/../../z")).is_err());
    }
}
