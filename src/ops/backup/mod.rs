//! Backups and restores that prove themselves (the runbook's "Create Backup" and "Full
//! Restore from Backup").
//!
//! A backup is a pg_dump custom-format archive plus a JSON manifest beside it: the schema
//! revision, the file's size and SHA-256, and every public table's row count and content
//! checksum taken in the dump's own snapshot. Verifying restores the archive into a scratch
//! database and compares it with the manifest, so "verified" means "restores to exactly
//! this". A restore verifies first, keeps a safety backup, loads a fresh database, checks it
//! again and only then swaps it in by renaming; the previous database is kept, never dropped.

mod client;
mod create;
mod files;
mod manifest;
mod restore;
mod server;
mod verify;

use std::path::PathBuf;

pub use create::{create_backup, create_backup_with, BackupOptions};
pub use files::{FilesMode, FilesRestored, Mismatch, StoredFile, StoredFiles};
pub use manifest::{manifest_path_for, Documents, DumpFile, Manifest, ToolInfo};
pub use restore::{restore, restore_with};
pub use verify::verify_backup;

use anyhow::{Context, Result};

use crate::ops::checksum::TableChecksum;

/// Runs file work (hashing gigabytes, walking folders) off the async worker threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .context("a file task failed to finish")?
}

/// A backup that was written and verified.
#[derive(Debug, Clone)]
pub struct Backup {
    pub dump_path: PathBuf,
    pub manifest_path: PathBuf,
    pub manifest: Manifest,
}

/// A dump that restored to exactly what its manifest describes.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub dump_path: PathBuf,
    pub manifest: Manifest,
    /// The tables checked, as restored.
    pub tables: Vec<TableChecksum>,
    pub total_rows: i64,
    /// Stored files whose copy was checked (size and SHA-256), and their bytes.
    pub files_checked: u64,
    pub files_bytes: u64,
}

/// A finished restore.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RestoreReport {
    pub dump_path: PathBuf,
    /// The database that now holds the backup's data.
    pub database: String,
    /// The backup of the replaced data; None when there was nothing to back up.
    pub safety_backup: Option<PathBuf>,
    pub restored_revision: Option<String>,
    /// The replaced database's new name; None when the database did not exist before.
    pub old_database: Option<String>,
    pub tables: usize,
    pub total_rows: i64,
    /// The stored document files put back.
    pub files: FilesRestored,
    /// Things the operator should know (e.g. why no safety backup was taken).
    pub notes: Vec<String>,
}

impl Backup {
    pub fn to_text(&self) -> String {
        let m = &self.manifest;
        format!(
            "✓ Backup created: {}\n  manifest: {}\n  database {} at revision {}, {} tables, {} rows, {} bytes, sha256 {}\n  documents: {} ({})\n✓ Backup verified successfully\n",
            self.dump_path.display(),
            self.manifest_path.display(),
            m.database,
            m.schema_revision.as_deref().unwrap_or("none"),
            m.tables.len(),
            m.total_rows(),
            m.dump.bytes,
            m.dump.sha256,
            m.documents.path,
            documents_summary(&m.documents),
        ) + &stored_files_text(m)
    }
}

fn stored_files_text(m: &Manifest) -> String {
    let Some(files) = &m.stored_files else {
        return String::new();
    };
    let mut text = match (&files.folder, files.mode) {
        (Some(folder), _) => format!(
            "  stored files: {} files, {} bytes from {}, copied to {folder}\n",
            files.count, files.bytes, files.source
        ),
        (None, FilesMode::Reference) if files.count > 0 => format!(
            "  stored files: {} files, {} bytes in {}, referenced only (not copied)\n",
            files.count, files.bytes, files.source
        ),
        (None, _) => format!("  stored files: none ({})\n", files.source),
    };
    for problem in files.problems() {
        text += &format!("! {problem}\n");
    }
    text
}

impl VerifyReport {
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "✓ {} verified: size and SHA-256 match, restored {} tables with {} rows, every checksum matches the manifest (revision {})\n",
            self.dump_path.display(),
            self.tables.len(),
            self.total_rows,
            self.manifest.schema_revision.as_deref().unwrap_or("none"),
        );
        match &self.manifest.stored_files {
            Some(files) if files.folder.is_some() => {
                text += &format!(
                    "✓ {} stored files ({} bytes) match the manifest (size and SHA-256)\n",
                    self.files_checked, self.files_bytes
                );
            }
            Some(files) if files.count > 0 => {
                text += &format!(
                    "  {} stored files are referenced only (not in the backup, not checked)\n",
                    files.count
                );
            }
            _ => {}
        }
        text
    }
}

impl RestoreReport {
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "✓ Restored {} into database {}: revision {}, {} tables, {} rows, checksums match the manifest\n",
            self.dump_path.display(),
            self.database,
            self.restored_revision.as_deref().unwrap_or("none"),
            self.tables,
            self.total_rows,
        );
        let files = &self.files;
        if files.listed > 0 {
            text += &format!(
                "  stored files: {} listed, {} put back ({} bytes), {} already there, into {}\n",
                files.listed,
                files.restored,
                files.bytes_written,
                files.skipped,
                files.target.as_deref().unwrap_or("storage"),
            );
        }
        for key in &files.not_in_storage {
            text +=
                &format!("! stored file {key} is referenced by the backup but not in storage\n");
        }
        if let Some(path) = &self.safety_backup {
            text += &format!("  safety backup of the replaced data: {}\n", path.display());
        }
        if let Some(old) = &self.old_database {
            text += &format!(
                "  the replaced database is kept as {old} (drop it when no longer needed)\n"
            );
        }
        for note in &self.notes {
            text += &format!("  note: {note}\n");
        }
        text
    }
}

fn documents_summary(documents: &Documents) -> String {
    match (documents.files, documents.bytes) {
        (Some(files), Some(bytes)) => format!("{files} files, {bytes} bytes; {}", documents.note),
        _ => documents.note.clone(),
    }
}
