//! The manifest written beside every dump: what the dump must contain, and how to check
//! that the file is still the one that was written.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::files::StoredFiles;
use crate::ops::checksum::{RowHash, TableChecksum};

/// Marks a manifest as ours.
pub const MANIFEST_FORMAT: &str = "tracehub-backup";
/// Bumped when the manifest changes incompatibly. 1: table checksums of
/// [`RowHash::Md5Text`]; 2: of [`RowHash::ColumnHash`]; 3: adds `stored_files` (the
/// documents' stored files, copied or referenced). Older manifests stay readable.
pub const MANIFEST_VERSION: u32 = 3;
/// The first bytes of every pg_dump custom-format archive.
const ARCHIVE_MAGIC: &[u8] = b"PGDMP";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    pub format_version: u32,
    pub tool: ToolInfo,
    /// When the backup started, RFC 3339 in UTC.
    pub created_at: String,
    pub database: String,
    /// `SHOW server_version` of the server that was dumped.
    pub server_version: String,
    /// `alembic_version.version_num`, or None when the database has no such table.
    pub schema_revision: Option<String>,
    /// `pg_dump --version` of the program that wrote the dump.
    pub pg_dump: String,
    pub dump: DumpFile,
    /// Every table of the `public` schema, as of the dump's snapshot.
    pub tables: Vec<TableChecksum>,
    /// The predecessor's `UPLOAD_DIR` folder (rows with `file_path`), referenced only.
    pub documents: Documents,
    /// The stored files the database refers to (`documents.storage_key`); absent in
    /// manifests before format 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_files: Option<StoredFiles>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DumpFile {
    /// File name only: the manifest describes the dump lying beside it.
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

/// The predecessor's uploaded documents folder (`UPLOAD_DIR`, rows with `file_path`):
/// referenced, not copied. The stored files of `documents.storage_key` are in
/// [`Manifest::stored_files`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Documents {
    /// Absolute path of `UPLOAD_DIR` (default `uploads`).
    pub path: String,
    pub present: bool,
    pub files: Option<u64>,
    pub bytes: Option<u64>,
    pub note: String,
}

impl Manifest {
    pub fn total_rows(&self) -> i64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// How the table checksums of this manifest hash a row (follows `format_version`).
    pub fn row_hash(&self) -> RowHash {
        row_hash_of_version(self.format_version)
    }
}

/// The row hash that manifests of `format_version` use.
fn row_hash_of_version(format_version: u32) -> RowHash {
    if format_version <= 1 {
        RowHash::Md5Text
    } else {
        RowHash::ColumnHash
    }
}

/// `x.dump` → `x.manifest.json`.
pub fn manifest_path_for(dump: &Path) -> PathBuf {
    dump.with_extension("manifest.json")
}

/// Reads the manifest beside `dump`, refusing anything that is not ours.
pub(crate) fn read_manifest(dump: &Path) -> Result<Manifest> {
    let path = manifest_path_for(dump);
    let not_ours = |why: String| {
        anyhow::anyhow!(
            "{} is not a TraceHub backup (no manifest {}: {why})",
            dump.display(),
            path.display()
        )
    };
    let text = fs::read_to_string(&path).map_err(|e| not_ours(e.to_string()))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| not_ours(e.to_string()))?;
    if manifest.format != MANIFEST_FORMAT {
        return Err(not_ours(format!("format is {:?}", manifest.format)));
    }
    if manifest.format_version > MANIFEST_VERSION {
        bail!(
            "{} was written by a newer TraceHub (manifest format {}, this one reads up to {})",
            path.display(),
            manifest.format_version,
            MANIFEST_VERSION
        );
    }
    Ok(manifest)
}

/// Writes the manifest readable by its owner only, complete or not at all.
pub(crate) fn write_manifest(path: &Path, manifest: &Manifest) -> Result<()> {
    let partial = partial_path(path);
    let json = serde_json::to_vec_pretty(manifest)?;
    let result = (|| -> Result<()> {
        let mut file = create_private(&partial)?;
        file.write_all(&json)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        fs::rename(&partial, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

/// `name` + `.partial`: incomplete files never carry a name that looks finished.
pub(crate) fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// Creates (or truncates) a file with mode 0600: dumps hold password hashes.
pub(crate) fn create_private(path: &Path) -> Result<File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))
}

/// Flushes a finished file to disk, then gives it its final name.
pub(crate) fn finish_file(partial: &Path, path: &Path) -> Result<()> {
    File::open(partial)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", partial.display()))?;
    fs::rename(partial, path)
        .with_context(|| format!("renaming {} to {}", partial.display(), path.display()))?;
    if let Some(dir) = path.parent() {
        // The rename itself is durable only once the folder is synced.
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Size and SHA-256 (hex) of a file.
pub(crate) fn file_digest(path: &Path) -> Result<(u64, String)> {
    let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file
            .read(&mut buffer)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hex::encode(hasher.finalize())))
}

/// Checks that `dump` is the very file the manifest describes and a pg_dump archive, the
/// cheap part: the size and the first bytes. A file that is no archive is also hashed, so
/// that damage is reported as damage. [`check_dump_digest`] does the rest.
pub(crate) fn check_dump_header(dump: &Path, manifest: &Manifest) -> Result<()> {
    let name = dump.display();
    let size = fs::metadata(dump)
        .with_context(|| format!("backup file {name} cannot be read"))?
        .len();
    if size != manifest.dump.bytes {
        bail!(
            "{name} is damaged: size mismatch (manifest says {} bytes, the file has {size}; truncated or altered?)",
            manifest.dump.bytes
        );
    }
    let mut magic = [0u8; ARCHIVE_MAGIC.len()];
    let is_archive = File::open(dump)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == ARCHIVE_MAGIC;
    if !is_archive {
        check_dump_digest(dump, manifest)?;
        bail!("{name} is not a pg_dump custom-format archive (it does not start with PGDMP)");
    }
    Ok(())
}

/// The expensive part of checking a dump: its SHA-256 against the manifest's.
pub(crate) fn check_dump_digest(dump: &Path, manifest: &Manifest) -> Result<()> {
    let (_, sha256) = file_digest(dump)?;
    if !sha256.eq_ignore_ascii_case(&manifest.dump.sha256) {
        bail!(
            "{} is damaged: SHA-256 mismatch (manifest says {}, the file has {sha256})",
            dump.display(),
            manifest.dump.sha256
        );
    }
    Ok(())
}

/// Looks at the documents folder without copying anything.
pub(crate) fn documents_info() -> Result<Documents> {
    let dir = std::env::var_os("UPLOAD_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("uploads"));
    let path = std::path::absolute(&dir)
        .with_context(|| format!("resolving UPLOAD_DIR {}", dir.display()))?;
    describe_documents(&path)
}

/// The documents entry for the absolute folder `path`.
fn describe_documents(path: &Path) -> Result<Documents> {
    if !path.is_dir() {
        return Ok(Documents {
            path: path.display().to_string(),
            present: false,
            files: None,
            bytes: None,
            note: "not present".to_string(),
        });
    }
    let (files, bytes) = folder_size(path)?;
    Ok(Documents {
        path: path.display().to_string(),
        present: true,
        files: Some(files),
        bytes: Some(bytes),
        note: "referenced only: the predecessor's files (documents.file_path) are not copied; \
               back up this folder separately (stored files are listed under stored_files)"
            .to_string(),
    })
}

/// Regular files below `dir` and their total size; symbolic links are not followed.
fn folder_size(dir: &Path) -> Result<(u64, u64)> {
    let mut files = 0;
    let mut bytes = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries =
            fs::read_dir(&folder).with_context(|| format!("listing {}", folder.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("listing {}", folder.display()))?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                pending.push(entry.path());
            } else if meta.is_file() {
                files += 1;
                bytes += meta.len();
            }
        }
    }
    Ok((files, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_counted_not_copied() {
        let root = std::env::temp_dir().join(format!("tracehub-docs-{}", uuid::Uuid::new_v4()));
        fs::create_dir_all(root.join("shipments/a")).unwrap();
        fs::write(root.join("top.pdf"), b"12345").unwrap();
        fs::write(root.join("shipments/a/bl.pdf"), b"123").unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("link")).unwrap();
        let docs = describe_documents(&root).unwrap();
        assert!(docs.present);
        assert_eq!((docs.files, docs.bytes), (Some(2), Some(8)));
        assert!(docs.note.contains("not copied"));
        fs::remove_dir_all(&root).unwrap();
        let missing = describe_documents(&root).unwrap();
        assert!(!missing.present);
        assert_eq!(missing.note, "not present");
    }

    #[test]
    fn the_format_version_says_how_rows_were_hashed() {
        assert_eq!(row_hash_of_version(1), RowHash::Md5Text);
        assert_eq!(row_hash_of_version(2), RowHash::ColumnHash);
        assert_eq!(row_hash_of_version(MANIFEST_VERSION), RowHash::CURRENT);
    }

    #[test]
    fn manifest_sits_beside_the_dump() {
        assert_eq!(
            manifest_path_for(Path::new("/b/tracehub_x_20260105_120000.dump")),
            Path::new("/b/tracehub_x_20260105_120000.manifest.json")
        );
        assert_eq!(
            partial_path(Path::new("/b/x.dump")),
            Path::new("/b/x.dump.partial")
        );
    }
}
