//! The stored document files of a backup: copied into `<dump stem>.files/<key>` beside the
//! dump (or only referenced), checked against the manifest, and put back by a restore. Every
//! file streams through a fixed buffer: memory does not grow with the file size.

use std::convert::Infallible;
use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::manifest;
use crate::storage::{GetError, Storage, StorageConfig, StorageKey};

/// Bytes read from a backup file at a time when putting it back.
const CHUNK: usize = 256 * 1024;

/// Whether a backup copies the stored files or only records them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FilesMode {
    /// Copy every stored file beside the dump.
    #[default]
    Copy,
    /// Record keys, sizes and SHA-256 only (a bucket with versioning of its own).
    Reference,
}

/// The manifest's list of the stored files the database refers to
/// (`documents.storage_key`), as read from storage while the backup was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFiles {
    pub mode: FilesMode,
    /// The folder beside the dump that holds the copies; None when nothing was copied.
    pub folder: Option<String>,
    /// Where they were read from (`folder /srv/uploads`, `s3://bucket/prefix`).
    pub source: String,
    pub count: u64,
    pub bytes: u64,
    pub files: Vec<StoredFile>,
    /// Keys the database refers to that storage did not hold (not in the backup).
    pub missing: Vec<String>,
    /// Files whose bytes do not have the database's `content_sha256` (copied as they are).
    pub mismatched: Vec<Mismatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    pub key: String,
    pub bytes: u64,
    /// SHA-256 of the bytes read from storage (and copied).
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    pub key: String,
    pub database_sha256: Option<String>,
    pub stored_sha256: String,
}

impl StoredFiles {
    /// Problems worth a loud line in the backup's report.
    pub fn problems(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for key in &self.missing {
            lines.push(format!(
                "stored file {key} is missing from storage: not in this backup"
            ));
        }
        for m in &self.mismatched {
            lines.push(format!(
                "stored file {} has SHA-256 {} but the database says {}",
                m.key,
                m.stored_sha256,
                m.database_sha256.as_deref().unwrap_or("nothing")
            ));
        }
        lines
    }
}

/// What a restore did with the stored files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FilesRestored {
    /// Where they went; None when the backup listed none.
    pub target: Option<String>,
    pub listed: u64,
    /// Written into storage (and checked).
    pub restored: u64,
    /// Already there with the same content.
    pub skipped: u64,
    pub bytes_written: u64,
    /// Referenced-only backups: files that storage does not hold (not restorable from here).
    pub not_in_storage: Vec<String>,
}

/// `x.dump` → `x.files`.
pub(crate) fn folder_for(dump: &Path) -> PathBuf {
    dump.with_extension("files")
}

/// The documents rows with a stored file, in the dump's snapshot: (key, content_sha256).
/// A database before revision 018 has none.
pub(crate) async fn stored_keys(conn: &mut PgConnection) -> Result<Vec<(String, Option<String>)>> {
    let has_column: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name = 'documents' \
         AND column_name = 'storage_key')",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !has_column {
        return Ok(Vec::new());
    }
    let rows = sqlx::query_as(
        "SELECT storage_key::text, content_sha256::text FROM documents \
         WHERE storage_key IS NOT NULL ORDER BY storage_key",
    )
    .fetch_all(&mut *conn)
    .await
    .context("listing the documents' stored files")?;
    Ok(rows)
}

/// Reads every file of `rows` from storage, hashing it, and (copy mode) writes it to
/// `<dump stem>.files/<key>`. A file storage lacks or whose hash differs from the database's
/// is recorded, not fatal; a failing store is.
pub(crate) async fn back_up(
    rows: &[(String, Option<String>)],
    storage: &StorageConfig,
    mode: FilesMode,
    dump: &Path,
) -> Result<StoredFiles> {
    let mut out = StoredFiles {
        mode,
        folder: None,
        source: "none (no document has a stored file)".to_string(),
        count: 0,
        bytes: 0,
        files: Vec::new(),
        missing: Vec::new(),
        mismatched: Vec::new(),
    };
    if rows.is_empty() {
        return Ok(out);
    }
    let storage = Storage::open(storage)?;
    out.source = storage.description().to_string();
    let folder = folder_for(dump);
    let partial = manifest::partial_path(&folder);
    let copy_to = (mode == FilesMode::Copy).then_some(partial.as_path());
    if let Some(dir) = copy_to {
        if folder.exists() {
            bail!("{} already exists", folder.display());
        }
        let _ = fs::remove_dir_all(dir);
        private_dir(dir)?;
    }
    let result = async {
        for (key, database_sha256) in rows {
            let Ok(parsed) = StorageKey::parse(key) else {
                out.missing.push(key.clone());
                continue;
            };
            let dest = copy_to.map(|dir| dir.join(parsed.to_string()));
            match read_one(&storage, &parsed, dest.as_deref()).await? {
                None => out.missing.push(key.clone()),
                Some((bytes, sha256)) => {
                    if database_sha256.as_deref() != Some(sha256.as_str()) {
                        out.mismatched.push(Mismatch {
                            key: key.clone(),
                            database_sha256: database_sha256.clone(),
                            stored_sha256: sha256.clone(),
                        });
                    }
                    out.count += 1;
                    out.bytes += bytes;
                    out.files.push(StoredFile {
                        key: key.clone(),
                        bytes,
                        sha256,
                    });
                }
            }
        }
        if copy_to.is_some() {
            if out.count == 0 {
                fs::remove_dir_all(&partial)?;
            } else {
                fs::rename(&partial, &folder).with_context(|| {
                    format!("renaming {} to {}", partial.display(), folder.display())
                })?;
                out.folder = folder.file_name().map(|n| n.to_string_lossy().into_owned());
            }
        }
        Ok::<(), anyhow::Error>(())
    }
    .await;
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&partial);
        return Err(e.context("backing up the stored document files"));
    }
    Ok(out)
}

/// Streams one object, hashing it and writing it to `dest` when given. None: not in storage.
async fn read_one(
    storage: &Storage,
    key: &StorageKey,
    dest: Option<&Path>,
) -> Result<Option<(u64, String)>> {
    let mut fetched = match storage.get(key, None).await {
        Ok(fetched) => fetched,
        Err(GetError::NotFound) => return Ok(None),
        Err(e) => return Err(anyhow!(e).context(format!("reading stored file {key}"))),
    };
    let mut file = match dest {
        Some(path) => {
            if let Some(parent) = path.parent() {
                private_dir(parent)?;
            }
            Some(
                tokio::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .await
                    .with_context(|| format!("creating {}", path.display()))?,
            )
        }
        None => None,
    };
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    while let Some(chunk) = fetched.body.next().await {
        let chunk = chunk.with_context(|| format!("reading stored file {key}"))?;
        hasher.update(&chunk);
        bytes += chunk.len() as u64;
        if let Some(file) = file.as_mut() {
            file.write_all(&chunk).await?;
        }
    }
    if let Some(mut file) = file {
        file.flush().await?;
        file.sync_all().await?;
    }
    Ok(Some((bytes, hex::encode(hasher.finalize()))))
}

fn private_dir(dir: &Path) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

/// The copy of `key` inside the backup folder; the key is checked first (a manifest is
/// read from disk, and its keys become paths).
fn copy_path(folder: &Path, key: &str) -> Result<(StorageKey, PathBuf)> {
    let parsed = StorageKey::parse(key)?;
    let path = folder.join(parsed.to_string());
    Ok((parsed, path))
}

/// Checks every copied file against the manifest (size, then SHA-256). Returns the files
/// and bytes checked. Blocking: run it off the async threads.
pub(crate) fn check_copies(dump: &Path, files: &StoredFiles) -> Result<(u64, u64)> {
    let Some(name) = &files.folder else {
        return Ok((0, 0));
    };
    let folder = dump.with_file_name(name);
    let mut problems = Vec::new();
    let (mut count, mut bytes) = (0, 0);
    for file in &files.files {
        let (_, path) = copy_path(&folder, &file.key)?;
        let size = match fs::metadata(&path) {
            Ok(meta) => meta.len(),
            Err(_) => {
                problems.push(format!(
                    "stored file {} is missing from the backup ({})",
                    file.key,
                    path.display()
                ));
                continue;
            }
        };
        if size != file.bytes {
            problems.push(format!(
                "stored file {} is damaged: {size} bytes, the manifest says {}",
                file.key, file.bytes
            ));
            continue;
        }
        let (_, sha256) = manifest::file_digest(&path)?;
        if sha256 != file.sha256 {
            problems.push(format!(
                "stored file {} is damaged: SHA-256 {sha256}, the manifest says {}",
                file.key, file.sha256
            ));
            continue;
        }
        count += 1;
        bytes += size;
    }
    if problems.is_empty() {
        return Ok((count, bytes));
    }
    let shown = problems.len().min(5);
    let mut message = problems[..shown].join("; ");
    if problems.len() > shown {
        message += &format!("; and {} more", problems.len() - shown);
    }
    bail!("{message}")
}

/// Puts the backup's copies into `storage`, checking each SHA-256 on the way; a file already
/// there with the same content is skipped. For a referenced-only backup, says which files
/// storage lacks.
pub(crate) async fn put_back(
    dump: &Path,
    files: &StoredFiles,
    storage: &StorageConfig,
) -> Result<FilesRestored> {
    let mut out = FilesRestored {
        listed: files.files.len() as u64,
        ..FilesRestored::default()
    };
    if files.files.is_empty() {
        return Ok(out);
    }
    let storage = Storage::open(storage)?;
    out.target = Some(storage.description().to_string());
    let folder = files.folder.as_ref().map(|name| dump.with_file_name(name));
    for file in &files.files {
        let Some(folder) = &folder else {
            let key = StorageKey::parse(&file.key)?;
            if !storage.exists(&key).await? {
                out.not_in_storage.push(file.key.clone());
            }
            continue;
        };
        let (key, path) = copy_path(folder, &file.key)?;
        if holds_same(&storage, &key, file).await? {
            out.skipped += 1;
            continue;
        }
        if file.bytes == 0 {
            // Nothing to stream (put_stream refuses empty bodies, as uploads are never empty).
            storage.put_bytes(&key, Bytes::new()).await?;
            out.restored += 1;
            continue;
        }
        let handle = tokio::fs::File::open(&path)
            .await
            .with_context(|| format!("stored file {} is missing from the backup", file.key))?;
        let stored = storage
            .put_stream(&key, file_stream(handle), file.bytes, |_| {
                Ok::<(), Infallible>(())
            })
            .await
            .map_err(|e| anyhow!("putting back stored file {}: {e}", file.key))?;
        if stored.sha256_hex() != file.sha256 || stored.size != file.bytes {
            let _ = storage.delete(&key).await;
            bail!(
                "stored file {} changed in the backup folder: SHA-256 {}, the manifest says {}",
                file.key,
                stored.sha256_hex(),
                file.sha256
            );
        }
        out.restored += 1;
        out.bytes_written += stored.size;
    }
    Ok(out)
}

/// Whether storage already holds `file`'s exact bytes (same size, then same SHA-256).
async fn holds_same(storage: &Storage, key: &StorageKey, file: &StoredFile) -> Result<bool> {
    let mut fetched = match storage.get(key, None).await {
        Ok(fetched) => fetched,
        Err(GetError::NotFound) => return Ok(false),
        Err(e) => return Err(anyhow!(e).context(format!("reading stored file {key}"))),
    };
    if fetched.size != file.bytes {
        return Ok(false);
    }
    let mut hasher = Sha256::new();
    while let Some(chunk) = fetched.body.next().await {
        hasher.update(&chunk?);
    }
    Ok(hex::encode(hasher.finalize()) == file.sha256)
}

fn file_stream(file: tokio::fs::File) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    Box::pin(futures_util::stream::try_unfold(
        file,
        |mut file| async move {
            let mut buffer = vec![0u8; CHUNK];
            let n = file.read(&mut buffer).await?;
            if n == 0 {
                return Ok(None);
            }
            buffer.truncate(n);
            Ok(Some((Bytes::from(buffer), file)))
        },
    ))
}
