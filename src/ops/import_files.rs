//! Brings the predecessor's stored files into TraceHub's storage: for every document with a
//! `file_path` (a path under the old application's upload folder) and no storage key yet,
//! the file is streamed into the configured storage under the document's generated key, its
//! content checked like an upload's, its SHA-256 recorded. Run once after the migration
//! (and again safely: imported rows are skipped).
//!
//! The old paths are the client's file names, unsanitized (reference §6.3): a path is used
//! only if it resolves inside the folder given, never outside it. Runs as the owner (an
//! operator step over every organization, like the migration's backfills).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use bytes::Bytes;
use serde::Serialize;
use sqlx::PgConnection;
use tokio::io::AsyncReadExt;
use uuid::Uuid;

use crate::domain::document::sniff::sniff;
use crate::storage::{PutError, Storage, StorageKey};

/// The largest file imported (a predecessor's file larger than any upload allowed since).
const MAX_IMPORT_BYTES: u64 = 1024 * 1024 * 1024;
const CHUNK: usize = 256 * 1024;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub imported: usize,
    pub bytes: u64,
    /// Documents whose file is not in the folder (path, document id).
    pub missing: Vec<String>,
    /// Paths that would leave the folder, or whose content is not an accepted type.
    pub refused: Vec<String>,
}

impl ImportReport {
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "imported {} file(s), {} bytes; {} missing, {} refused",
            self.imported,
            self.bytes,
            self.missing.len(),
            self.refused.len()
        );
        for line in self.missing.iter().map(|m| format!("missing: {m}")) {
            text.push_str(&format!("\n  {line}"));
        }
        for line in self.refused.iter().map(|r| format!("refused: {r}")) {
            text.push_str(&format!("\n  {line}"));
        }
        text
    }
}

/// Where a predecessor's `file_path` points inside `folder`: relative paths are read from
/// the folder's parent (the old application's working directory, `uploads/…`) or from the
/// folder itself; `None` when the file is absent or the path leaves the folder.
pub fn resolve(folder: &Path, file_path: &str) -> Result<Option<PathBuf>, String> {
    let root = folder
        .canonicalize()
        .map_err(|e| format!("{}: {e}", folder.display()))?;
    let given = Path::new(file_path);
    let candidates: Vec<PathBuf> = if given.is_absolute() {
        vec![given.to_path_buf()]
    } else {
        let parent = root
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| root.clone());
        vec![parent.join(given), root.join(given)]
    };
    let mut outside = false;
    for candidate in candidates {
        match candidate.canonicalize() {
            Ok(real) if real.starts_with(&root) && real.is_file() => return Ok(Some(real)),
            Ok(_) => outside = true,
            Err(_) => {}
        }
    }
    if outside {
        Err(format!("{file_path} is outside {}", root.display()))
    } else {
        Ok(None)
    }
}

/// Imports the files of every document that has a `file_path` and no storage key.
pub async fn import(
    owner: &mut PgConnection,
    storage: &Storage,
    folder: &Path,
) -> Result<ImportReport> {
    let rows: Vec<(Uuid, Uuid, Uuid, String)> = crate::db::documents::legacy_files(owner).await?;
    let mut report = ImportReport::default();
    for (id, organization_id, shipment_id, file_path) in rows {
        let path = match resolve(folder, &file_path) {
            Ok(Some(path)) => path,
            Ok(None) => {
                report.missing.push(format!("{file_path} (document {id})"));
                continue;
            }
            Err(reason) => {
                report.refused.push(format!("{reason} (document {id})"));
                continue;
            }
        };
        let key = StorageKey::new(organization_id, shipment_id, id);
        let file = tokio::fs::File::open(&path)
            .await
            .with_context(|| format!("opening {}", path.display()))?;
        let body = Box::pin(futures_util::stream::unfold(file, |mut file| async move {
            let mut buffer = vec![0u8; CHUNK];
            match file.read(&mut buffer).await {
                Ok(0) => None,
                Ok(n) => {
                    buffer.truncate(n);
                    Some((Ok(Bytes::from(buffer)), file))
                }
                Err(e) => Some((Err(e), file)),
            }
        }));
        match storage
            .put_stream(&key, body, MAX_IMPORT_BYTES, |head| sniff(head).ok_or(()))
            .await
        {
            Ok(stored) => {
                let kind = stored.head_result;
                crate::db::documents::mark_imported(
                    owner,
                    id,
                    &key.to_string(),
                    &stored.sha256_hex(),
                    kind.mime_type(),
                    stored.size,
                )
                .await?;
                report.imported += 1;
                report.bytes += stored.size;
            }
            Err(PutError::Refused(())) | Err(PutError::Empty) => report.refused.push(format!(
                "{file_path}: not a PDF, JPEG, PNG, DOC or DOCX (document {id})"
            )),
            Err(PutError::TooLarge { limit }) => report.refused.push(format!(
                "{file_path}: larger than {limit} bytes (document {id})"
            )),
            Err(PutError::Body(e)) => {
                return Err(anyhow::anyhow!("reading {}: {e}", path.display()))
            }
            Err(PutError::Store(e)) => return Err(anyhow::anyhow!("{e:#}")),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_used_only_inside_the_folder() {
        let base = std::env::temp_dir().join(format!("tracehub-import-{}", Uuid::new_v4()));
        let folder = base.join("uploads");
        std::fs::create_dir_all(folder.join("VIBO-1")).unwrap();
        std::fs::write(folder.join("VIBO-1/bl.pdf"), b"%PDF-1.4").unwrap();
        std::fs::write(base.join("secret.txt"), b"no").unwrap();
        let found = |p: &str| resolve(&folder, p);
        let expected = folder.join("VIBO-1/bl.pdf").canonicalize().unwrap();
        assert_eq!(found("uploads/VIBO-1/bl.pdf"), Ok(Some(expected.clone())));
        assert_eq!(found("VIBO-1/bl.pdf"), Ok(Some(expected.clone())));
        assert_eq!(found(expected.to_str().unwrap()), Ok(Some(expected)));
        assert_eq!(found("uploads/VIBO-1/none.pdf"), Ok(None));
        assert!(found("uploads/../secret.txt").is_err());
        assert!(found(base.join("secret.txt").to_str().unwrap()).is_err());
        std::fs::remove_dir_all(base).unwrap();
    }
}
