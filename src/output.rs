//! Writing `dync compile`'s files into an output directory: fixed names, only changed files
//! rewritten, files dync wrote before and no longer writes removed, foreign files left alone
//! and never overwritten.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dync_compiler::emit::{GENERATED_HEADER, OutputFile};

/// What a write did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub written: Vec<String>,
    pub unchanged: usize,
    /// Files of an earlier compile that this one no longer writes, relative to the directory.
    pub removed: Vec<String>,
}

/// Whether a file was written by dync (its first line is dync's header). Reads only as many
/// bytes as the header has.
fn is_generated(path: &Path) -> bool {
    use std::io::Read;
    let mut start = [0u8; GENERATED_HEADER.len()];
    std::fs::File::open(path).and_then(|mut file| file.read_exact(&mut start)).is_ok()
        && start == GENERATED_HEADER.as_bytes()
}

/// Every `.yaml` file under `dir` that dync wrote, relative and `/`-separated.
fn generated_files(dir: &Path) -> Result<BTreeSet<String>, String> {
    let mut found = BTreeSet::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let full = dir.join(&relative);
        let entries = std::fs::read_dir(&full).map_err(|e| format!("cannot read `{}`: {e}", full.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read `{}`: {e}", full.display()))?;
            let path = relative.join(entry.file_name());
            let file_type =
                entry.file_type().map_err(|e| format!("cannot read `{}`: {e}", dir.join(&path).display()))?;
            if file_type.is_dir() {
                pending.push(path);
            } else if file_type.is_file()
                && path.extension().is_some_and(|e| e == "yaml")
                && is_generated(&dir.join(&path))
            {
                let parts: Vec<String> =
                    path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                found.insert(parts.join("/"));
            }
        }
    }
    Ok(found)
}

/// The files an earlier `dync compile` wrote into `dir` (relative path to text), for
/// `dync plan`. `dir` must exist; files dync did not write are ignored.
pub fn read_generated(dir: &Path) -> Result<std::collections::BTreeMap<String, String>, String> {
    if !dir.is_dir() {
        return Err(if dir.exists() {
            format!("`{}` is not a directory", dir.display())
        } else {
            format!("`{}` does not exist: run `dync compile APP -o {}` to write it first", dir.display(), dir.display())
        });
    }
    let mut files = std::collections::BTreeMap::new();
    for path in generated_files(dir)? {
        let full = dir.join(&path);
        let text = std::fs::read_to_string(&full).map_err(|e| format!("cannot read `{}`: {e}", full.display()))?;
        files.insert(path, text);
    }
    Ok(files)
}

/// Writes one file unless it holds exactly these contents already (`existed`: dync wrote it
/// before). Whether it was written.
fn write_one(path: &Path, file: &OutputFile, existed: bool) -> Result<bool, String> {
    if existed && std::fs::read(path).is_ok_and(|old| old == file.contents.as_bytes()) {
        return Ok(false);
    }
    if !existed {
        // A new file: no reader is looking at an older version of it.
        std::fs::write(path, &file.contents).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        return Ok(true);
    }
    // Write beside, then rename: a reader never sees half a file.
    let partial = path.with_extension("yaml.partial");
    std::fs::write(&partial, &file.contents).map_err(|e| format!("cannot write `{}`: {e}", partial.display()))?;
    std::fs::rename(&partial, path).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    Ok(true)
}

/// Writes `files` into `dir`. Checks everything before writing anything: a file in the way
/// that dync did not write is an error and nothing changes.
pub fn write(dir: &Path, files: &[OutputFile]) -> Result<Summary, String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!("`{}` exists and is not a directory", dir.display()));
    }
    let previous = if dir.is_dir() { generated_files(dir)? } else { BTreeSet::new() };
    let foreign: Vec<String> = files
        .iter()
        .filter(|f| !previous.contains(&f.path) && dir.join(&f.path).exists())
        .map(|f| f.path.clone())
        .collect();
    if !foreign.is_empty() {
        return Err(format!(
            "`{}` holds files dync did not write where it would write its own: {}; move them away or choose another directory",
            dir.display(),
            foreign.join(", ")
        ));
    }
    let mut summary = Summary::default();
    // Each folder is created once, before its first file.
    let mut folders: BTreeSet<PathBuf> = BTreeSet::new();
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent()
            && !folders.contains(parent)
        {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
            folders.insert(parent.to_path_buf());
        }
        if write_one(&path, file, previous.contains(&file.path))? {
            summary.written.push(file.path.clone());
        } else {
            summary.unchanged += 1;
        }
    }
    let current: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for old in previous.iter().filter(|p| !current.contains(p.as_str())) {
        let path = dir.join(old);
        std::fs::remove_file(&path).map_err(|e| format!("cannot remove `{}`: {e}", path.display()))?;
        summary.removed.push(old.clone());
        // A directory emptied by the removal goes too (a function that no longer exists).
        let mut parent = path.parent().map(Path::to_path_buf);
        while let Some(directory) = parent {
            if directory == dir || std::fs::remove_dir(&directory).is_err() {
                break;
            }
            parent = directory.parent().map(Path::to_path_buf);
        }
    }
    Ok(summary)
}
