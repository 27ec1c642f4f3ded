//! What an uploaded PDF says: its text, read back from storage once the upload is stored,
//! split into sections (several documents scanned into one file), each classified by
//! keywords with the references, dates, container numbers and ports found in it.
//!
//! Bounded: only PDFs up to [`MAX_ANALYZED_BYTES`] are read (the parser needs the whole file
//! in memory; bigger ones are stored and reviewed by people, their analysis skipped), at most
//! one per core at a time, on the blocking pool; the parser's own limits (pages, characters,
//! decompressed bytes) apply. A PDF that cannot be read is stored all the same.

use std::sync::{Arc, OnceLock};

use futures_util::TryStreamExt;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::domain::document::classify::{analyze, Analysis};
use crate::domain::document::DocumentType;
use crate::pdf::text::{page_texts, PdfLimits};
use crate::storage::{Storage, StorageKey};

/// The largest PDF whose text is read at upload.
pub const MAX_ANALYZED_BYTES: u64 = 10 * 1024 * 1024;
/// The confidence above which a detected type replaces `other` (the predecessor's 0.7).
pub const RECLASSIFY_CONFIDENCE: f64 = 0.7;

/// How many analyses may run at once: one per core, process-wide.
fn slots() -> &'static Arc<Semaphore> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Arc::new(Semaphore::new(cores))
    })
}

/// The outcome of reading a stored PDF.
#[derive(Debug, Clone)]
pub enum PdfReading {
    Read {
        page_count: usize,
        analysis: Analysis,
    },
    /// Not read, and why (too large, unreadable, encrypted, …).
    Skipped(String),
}

/// Reads the stored PDF `key` of `size` bytes.
pub async fn read_stored_pdf(storage: &Storage, key: &StorageKey, size: u64) -> PdfReading {
    if size > MAX_ANALYZED_BYTES {
        return PdfReading::Skipped(format!(
            "larger than {} MiB: stored, not analyzed",
            MAX_ANALYZED_BYTES / (1024 * 1024)
        ));
    }
    let Ok(slot) = slots().clone().acquire_owned().await else {
        return PdfReading::Skipped("the server is shutting down".into());
    };
    let bytes = match storage.get(key, None).await {
        Ok(fetched) => match fetched
            .body
            .try_fold(
                Vec::with_capacity(size as usize),
                |mut all, chunk| async move {
                    all.extend_from_slice(&chunk);
                    Ok(all)
                },
            )
            .await
        {
            Ok(bytes) => bytes,
            Err(error) => return PdfReading::Skipped(format!("could not be read back: {error}")),
        },
        Err(error) => return PdfReading::Skipped(format!("could not be read back: {error}")),
    };
    let outcome = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        page_texts(&bytes, &PdfLimits::default()).map(|text| PdfReading::Read {
            page_count: text.page_count,
            analysis: analyze(&text.pages),
        })
    })
    .await;
    match outcome {
        Ok(Ok(reading)) => reading,
        Ok(Err(error)) => PdfReading::Skipped(format!("the PDF could not be read: {error}")),
        Err(_) => PdfReading::Skipped("the PDF reader failed".into()),
    }
}

/// The type an upload is stored as: the one the client chose, unless it chose `other` (or
/// asked for detection) and a section was recognised with confidence ≥
/// [`RECLASSIFY_CONFIDENCE`] — then the most confident such type.
pub fn final_type(
    chosen: DocumentType,
    auto_detect: bool,
    analysis: Option<&Analysis>,
) -> DocumentType {
    if chosen != DocumentType::Other && !auto_detect {
        return chosen;
    }
    analysis
        .into_iter()
        .flat_map(|a| a.sections.iter())
        .map(|s| &s.classification)
        .filter(|c| c.document_type != DocumentType::Other && c.confidence >= RECLASSIFY_CONFIDENCE)
        .max_by(|a, b| a.confidence.total_cmp(&b.confidence))
        .map_or(chosen, |c| c.document_type)
}

/// Every type the file holds, the stored type first, each once.
pub fn types_found(stored: DocumentType, analysis: Option<&Analysis>) -> Vec<DocumentType> {
    let mut types = vec![stored];
    for section in analysis.into_iter().flat_map(|a| a.sections.iter()) {
        let kind = section.classification.document_type;
        if kind != DocumentType::Other && !types.contains(&kind) {
            types.push(kind);
        }
    }
    types
}

/// One section as the upload's answer reports it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DetectedContent {
    #[schema(value_type = DocumentType)]
    pub document_type: &'static str,
    pub confidence: f64,
    pub page_start: usize,
    pub page_end: usize,
    pub reference_number: Option<String>,
    pub detection_method: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::document::classify::analyze;

    fn analysis_of(pages: &[&str]) -> Analysis {
        analyze(&pages.iter().map(|p| p.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn a_chosen_type_stands_unless_it_is_other_or_detection_was_asked() {
        let bill = analysis_of(&[
            "BILL OF LADING\nShipper Consignee Notify party Port of loading Port of discharge \
             Vessel Voyage Freight B/L No 123456 container",
        ]);
        let detected = bill.sections[0].classification.document_type;
        assert_eq!(
            final_type(DocumentType::Contract, false, Some(&bill)),
            DocumentType::Contract
        );
        if bill.sections[0].classification.confidence >= RECLASSIFY_CONFIDENCE {
            assert_eq!(detected, DocumentType::BillOfLading);
            assert_eq!(
                final_type(DocumentType::Other, false, Some(&bill)),
                detected
            );
            assert_eq!(
                final_type(DocumentType::Contract, true, Some(&bill)),
                detected
            );
        }
        assert_eq!(
            final_type(DocumentType::Other, true, None),
            DocumentType::Other
        );
        let nothing = analysis_of(&["lorem ipsum"]);
        assert_eq!(
            final_type(DocumentType::Other, true, Some(&nothing)),
            DocumentType::Other
        );
    }

    #[test]
    fn the_types_found_start_with_the_stored_one_and_skip_other() {
        let combined = analysis_of(&[
            "BILL OF LADING shipper consignee notify party port of loading vessel voyage",
            "COMMERCIAL INVOICE invoice number total amount payment terms seller buyer",
            "lorem ipsum",
        ]);
        let types = types_found(DocumentType::PackingList, Some(&combined));
        assert_eq!(types[0], DocumentType::PackingList);
        assert!(!types.contains(&DocumentType::Other));
        let unique: std::collections::HashSet<_> = types.iter().collect();
        assert_eq!(unique.len(), types.len());
    }
}
