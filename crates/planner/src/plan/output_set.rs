//! Output sets: the files of one `skylane plan` run land in their folder together, or
//! not at all.
//!
//! The files are written into a staging folder next to the target (same parent, so the
//! same file system), with `manifest.json` (every file's size and SHA-256) written last.
//! On Linux the staging folder then replaces the target with one
//! `renameat2(RENAME_EXCHANGE)`: the kernel swaps the two names atomically, so a reader
//! (or a kill at any instant) sees the complete old set or the complete new set, never a
//! mix. We swap directories rather than flip a symlink because the target stays a plain
//! folder (tools and users that `cd` into it, copy it or mount it keep working) and the
//! first run needs no conversion of an existing folder.
//!
//! Entries of the target that are not set files (a user's notes, `skylane export`
//! output) are hard-linked into the staging folder before the swap and, if they could
//! not be linked (folders), moved over right after it. Leftover staging folders of killed
//! runs (`.NAME.skylane-tmp-PID` beside the target) are cleaned up by the next run, which
//! first moves back any such entry they still hold. Runs into one folder are serialised
//! by an advisory lock on the parent folder, so a run never cleans up another live run's
//! staging folder.
//!
//! Where the swap is impossible (the target is a mount point, the file system has no
//! `RENAME_EXCHANGE`, not Linux) the files are renamed into the target one by one, with
//! the old manifest removed first and the new one written last: a reader then cannot
//! miss a torn set, because [`check_manifest`] fails on it.

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::OutputError;

/// Name of the manifest, written last into every output set.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Every file name a `skylane plan` output set may hold. Entries with other names in the
/// output folder are kept across runs; these are replaced (or removed when a run does not
/// write them, e.g. `intents.json` once the mission has no date).
pub const SET_FILE_NAMES: [&str; 6] =
    ["plan.ron", "flights.geojson", "timeline.csv", "tracking.json", "intents.json", MANIFEST_FILE];

/// Marker in the names of staging folders beside the target.
const STAGING_MARK: &str = ".skylane-tmp-";

/// Writes `files` (name, contents) plus `manifest.json` as one set into `dir` (created if
/// missing), replacing the previous set as a whole. On error the previous set is
/// unchanged.
pub fn write_set(dir: &Path, files: &[(&str, String)]) -> Result<(), OutputError> {
    with_set_files(files, |set| write_set_from(dir, set))
}

/// Calls `f` with `files` (name, contents) as [`SetFile`]s.
fn with_set_files<R>(files: &[(&str, String)], f: impl FnOnce(&[SetFile]) -> R) -> R {
    let makers: Vec<Box<dyn Fn() -> String + Sync + '_>> =
        files.iter().map(|(_, text)| Box::new(|| text.clone()) as _).collect();
    let set: Vec<SetFile> =
        files.iter().zip(&makers).map(|((name, _), make)| (*name, make.as_ref())).collect();
    f(&set)
}

/// One file of a set for [`write_set_from`]: its name and what makes its text.
pub type SetFile<'a> = (&'a str, &'a (dyn Fn() -> String + Sync));

/// [`write_set`] with each file's text made just before it is written and dropped just
/// after: a big day's texts are never all in memory at once. The files are made and
/// written in parallel, one per thread at a time, so at most one text per thread is held.
pub fn write_set_from(dir: &Path, files: &[SetFile]) -> Result<(), OutputError> {
    let target = resolve_target(dir)?;
    let parent = target.parent().unwrap_or(Path::new("/")).to_path_buf();
    let _lock = lock_dir(&parent).map_err(|e| err(&parent, e))?;
    refuse_non_files(&target)?;
    clean_leftovers(&target).map_err(|e| err(&parent, e))?;
    let staging = staging_path(&target);
    let staged = stage(&staging, &target, files);
    if let Err(e) = staged {
        let _ = fs::remove_dir_all(&staging);
        return Err(err(&staging, e));
    }
    let swapped = swap_in(&staging, &target);
    if swapped.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    swapped.map_err(|e| err(&target, e))
}

/// Checks the output set around `file` (a `plan.ron`): when its folder holds
/// `manifest.json`, every file the manifest names must be present with its recorded
/// size and SHA-256. Returns the number of files checked (0 without a manifest).
pub fn check_manifest(file: &Path) -> Result<usize, OutputError> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let path = dir.join(MANIFEST_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(err(&path, e)),
    };
    let bad = |message: String| OutputError { path: path.clone(), message };
    let entries = parse_manifest(&text).map_err(bad)?;
    let own_name = file.file_name().and_then(OsStr::to_str).unwrap_or_default();
    if !entries.iter().any(|e| e.name == own_name) {
        return Err(bad(format!("does not name {own_name}: not this file's output set")));
    }
    for entry in &entries {
        let bytes = fs::read(dir.join(&entry.name)).map_err(|e| {
            bad(format!("names {} which cannot be read ({e}): incomplete output set", entry.name))
        })?;
        if bytes.len() as u64 != entry.bytes || sha256_hex(&bytes) != entry.sha256 {
            return Err(bad(format!(
                "{} differs from the manifest (size or SHA-256): the output set is torn or was edited",
                entry.name
            )));
        }
    }
    Ok(entries.len())
}

/// One file of a manifest.
struct ManifestEntry {
    name: String,
    bytes: u64,
    sha256: String,
}

/// The manifest of files written as (name, bytes, SHA-256 in hex).
fn manifest_text(written: &[(&str, usize, String)]) -> String {
    let entries: Vec<serde_json::Value> = written
        .iter()
        .map(|(name, bytes, sha256)| {
            serde_json::json!({
                "name": name,
                "bytes": bytes,
                "sha256": sha256,
            })
        })
        .collect();
    format!("{}\n", serde_json::json!({"format": "skylane-output-set/1", "files": entries}))
}

fn parse_manifest(text: &str) -> Result<Vec<ManifestEntry>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not a manifest: {e}"))?;
    let files = value["files"].as_array().ok_or("not a manifest: no \"files\" list")?;
    files
        .iter()
        .map(|f| {
            let name = f["name"].as_str().filter(|n| SET_FILE_NAMES.contains(n));
            match (name, f["bytes"].as_u64(), f["sha256"].as_str()) {
                (Some(name), Some(bytes), Some(sha256)) => {
                    Ok(ManifestEntry { name: name.to_string(), bytes, sha256: sha256.to_string() })
                }
                _ => Err(format!("entry {f} needs a set file name, bytes and sha256")),
            }
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn err(path: &Path, e: std::io::Error) -> OutputError {
    OutputError { path: path.into(), message: e.to_string() }
}

/// The absolute target path (symlinks and `.`/`..` resolved), its parent created.
fn resolve_target(dir: &Path) -> Result<PathBuf, OutputError> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => return fs::canonicalize(dir).map_err(|e| err(dir, e)),
        Ok(_) => {
            return Err(OutputError { path: dir.into(), message: "not a folder".into() });
        }
        Err(_) => {}
    }
    let name = dir
        .file_name()
        .ok_or_else(|| OutputError { path: dir.into(), message: "needs a folder name".into() })?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent).map_err(|e| err(parent, e))?;
    let parent = fs::canonicalize(parent).map_err(|e| err(parent, e))?;
    Ok(parent.join(name))
}

/// A set name in the target that is not a regular file (a folder called
/// `flights.geojson`) would be lost by the swap: refuse before anything changes.
fn refuse_non_files(target: &Path) -> Result<(), OutputError> {
    for name in SET_FILE_NAMES {
        let path = target.join(name);
        if let Ok(m) = fs::symlink_metadata(&path) {
            if !m.is_file() {
                return Err(OutputError {
                    path,
                    message: "exists and is not a regular file; nothing was replaced".into(),
                });
            }
        }
    }
    Ok(())
}

fn staging_prefix(target: &Path) -> String {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    format!(".{name}{STAGING_MARK}")
}

fn staging_path(target: &Path) -> PathBuf {
    target.with_file_name(format!("{}{}", staging_prefix(target), std::process::id()))
}

/// Is `name` one of the set's files, or a temporary of the per-file writer that
/// preceded output sets (`.plan.ron.tmp`)?
fn is_set_entry(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    SET_FILE_NAMES.iter().any(|s| name == *s || name == format!(".{s}.tmp"))
}

/// Removes staging folders of runs that were killed, after moving back any entry of
/// the target's that only they still hold (a swap interrupted before its clean-up).
fn clean_leftovers(target: &Path) -> std::io::Result<()> {
    let Some(parent) = target.parent() else { return Ok(()) };
    let prefix = staging_prefix(target);
    for entry in fs::read_dir(parent)? {
        let entry = entry?;
        if !entry.file_name().to_string_lossy().starts_with(&prefix) {
            continue;
        }
        if target.is_dir() {
            move_foreign(&entry.path(), target)?;
        }
        fs::remove_dir_all(entry.path())?;
    }
    if target.is_dir() {
        for entry in fs::read_dir(target)? {
            let name = entry?.file_name();
            if is_set_entry(&name) && name.to_string_lossy().ends_with(".tmp") {
                fs::remove_file(target.join(name))?;
            }
        }
    }
    Ok(())
}

/// Moves every non-set entry of `from` that `to` lacks into `to`.
fn move_foreign(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(from)? {
        let name = entry?.file_name();
        if !is_set_entry(&name) && fs::symlink_metadata(to.join(&name)).is_err() {
            fs::rename(from.join(&name), to.join(&name))?;
        }
    }
    Ok(())
}

/// Writes the files and then the manifest into a fresh `staging` folder, all synced,
/// and hard-links the other files of `target` into it.
fn stage(staging: &Path, target: &Path, files: &[SetFile]) -> std::io::Result<()> {
    fs::create_dir(staging)?;
    let write = |name: &str, text: &str| -> std::io::Result<()> {
        let mut f = fs::File::create(staging.join(name))?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    };
    let written = files
        .par_iter()
        .map(|(name, make)| {
            let text = make();
            write(name, &text)?;
            Ok((*name, text.len(), sha256_hex(text.as_bytes())))
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    write(MANIFEST_FILE, &manifest_text(&written))?;
    if let Ok(entries) = fs::read_dir(target) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(true);
            if !is_set_entry(&name) && !is_dir {
                // A file that cannot be linked is moved after the swap instead.
                let _ = fs::hard_link(entry.path(), staging.join(&name));
            }
        }
    }
    fs::File::open(staging)?.sync_all()
}

/// Puts the staged set in place of `target` and removes the old set.
fn swap_in(staging: &Path, target: &Path) -> std::io::Result<()> {
    if !target.exists() {
        fs::rename(staging, target)?;
        return sync_parent(target);
    }
    match exchange(staging, target) {
        Ok(()) => {
            sync_parent(target)?;
            // `staging` now holds the old set: keep what was not ours, drop the rest.
            move_foreign(staging, target)?;
            fs::remove_dir_all(staging)
        }
        Err(e) if cannot_exchange(&e) => replace_file_by_file(staging, target),
        Err(e) => Err(e),
    }
}

fn sync_parent(target: &Path) -> std::io::Result<()> {
    match target.parent() {
        Some(parent) => fs::File::open(parent)?.sync_all(),
        None => Ok(()),
    }
}

/// Errors that mean this file system or folder cannot swap, not that writing failed.
fn cannot_exchange(e: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        matches!(
            e.raw_os_error(),
            Some(libc::EINVAL | libc::ENOSYS | libc::EBUSY | libc::EXDEV | libc::EOPNOTSUPP)
        )
    }
    #[cfg(not(target_os = "linux"))]
    {
        e.kind() == std::io::ErrorKind::Unsupported
    }
}

/// The fallback: old manifest out first, files renamed one by one, manifest last.
fn replace_file_by_file(staging: &Path, target: &Path) -> std::io::Result<()> {
    match fs::remove_file(target.join(MANIFEST_FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    for name in SET_FILE_NAMES.iter().filter(|n| **n != MANIFEST_FILE) {
        let from = staging.join(name);
        if from.exists() {
            fs::rename(from, target.join(name))?;
        } else if target.join(name).exists() {
            fs::remove_file(target.join(name))?;
        }
    }
    fs::rename(staging.join(MANIFEST_FILE), target.join(MANIFEST_FILE))?;
    sync_parent(&target.join(MANIFEST_FILE))?;
    fs::remove_dir_all(staging)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Holds an exclusive advisory lock on a folder until dropped (Linux `flock`, released
/// by the kernel when a killed run's descriptor closes).
struct DirLock(
    #[expect(dead_code, reason = "held, never read: closing it releases the lock")] fs::File,
);

#[cfg(target_os = "linux")]
fn lock_dir(dir: &Path) -> std::io::Result<DirLock> {
    use std::os::fd::AsRawFd;
    let f = fs::File::open(dir)?;
    // SAFETY: `f` is an open descriptor owned by this function.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(DirLock(f))
}

#[cfg(not(target_os = "linux"))]
fn lock_dir(dir: &Path) -> std::io::Result<DirLock> {
    Ok(DirLock(fs::File::open(dir)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(tag: &str) -> Vec<(&'static str, String)> {
        vec![("plan.ron", format!("plan {tag}")), ("timeline.csv", format!("csv {tag}"))]
    }

    fn read(dir: &Path, name: &str) -> String {
        fs::read_to_string(dir.join(name)).unwrap()
    }

    #[test]
    fn replaces_the_set_and_keeps_other_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        write_set(&out, &[("intents.json", "i".into()), ("plan.ron", "old".into())]).unwrap();
        fs::write(out.join("notes.txt"), "mine").unwrap();
        fs::create_dir(out.join("missions")).unwrap();
        write_set(&out, &set("new")).unwrap();
        assert_eq!(read(&out, "plan.ron"), "plan new");
        assert!(!out.join("intents.json").exists(), "a file the new set lacks is removed");
        assert_eq!(read(&out, "notes.txt"), "mine");
        assert!(out.join("missions").is_dir());
        assert_eq!(check_manifest(&out.join("plan.ron")).unwrap(), 2);
        let names: Vec<_> =
            fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["out"], "no staging folder left beside the target");
    }

    #[test]
    fn a_folder_named_like_a_set_file_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        write_set(&out, &set("old")).unwrap();
        fs::create_dir(out.join("flights.geojson")).unwrap();
        let e = write_set(&out, &set("new")).unwrap_err();
        assert!(e.to_string().contains("flights.geojson"), "{e}");
        assert_eq!(read(&out, "plan.ron"), "plan old");
        assert!(check_manifest(&out.join("plan.ron")).is_ok());
    }

    #[test]
    fn leftovers_of_a_killed_run_are_cleaned_and_foreign_entries_restored() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        write_set(&out, &set("old")).unwrap();
        // A run killed right after its swap: the old set, with the user's folder, still
        // sits in the staging folder.
        let stale = tmp.path().join(format!(".out{STAGING_MARK}999999"));
        fs::create_dir_all(stale.join("exports")).unwrap();
        fs::write(stale.join("plan.ron"), "older").unwrap();
        write_set(&out, &set("new")).unwrap();
        assert!(!stale.exists());
        assert!(out.join("exports").is_dir());
        assert_eq!(read(&out, "plan.ron"), "plan new");
    }

    #[test]
    fn a_torn_or_edited_set_fails_the_manifest() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        write_set(&out, &set("a")).unwrap();
        fs::write(out.join("timeline.csv"), "csv b").unwrap();
        let e = check_manifest(&out.join("plan.ron")).unwrap_err();
        assert!(e.to_string().contains("timeline.csv"), "{e}");
        fs::remove_file(out.join("timeline.csv")).unwrap();
        assert!(check_manifest(&out.join("plan.ron")).is_err());
        fs::remove_file(out.join(MANIFEST_FILE)).unwrap();
        assert_eq!(check_manifest(&out.join("plan.ron")).unwrap(), 0);
    }

    #[test]
    fn falls_back_to_file_by_file_with_the_manifest_last() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        write_set(&out, &set("old")).unwrap();
        let staging = staging_path(&out);
        with_set_files(&set("new"), |files| stage(&staging, &out, files)).unwrap();
        replace_file_by_file(&staging, &out).unwrap();
        assert_eq!(read(&out, "plan.ron"), "plan new");
        assert_eq!(check_manifest(&out.join("plan.ron")).unwrap(), 2);
        assert!(!staging.exists());
    }
}
