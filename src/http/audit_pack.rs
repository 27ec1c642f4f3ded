//! `GET /shipments/{id}/audit-pack`: one ZIP with everything an auditor asks for about a
//! shipment (issue 12; the predecessor's `audit_pack.py`, reference §5.10).
//!
//! Entries, in order:
//! 1. `00-SHIPMENT-INDEX.pdf`: details, parties, products, the required-document checklist,
//!    every document with the entry it is stored under (or `MISSING (not in storage)`), and
//!    the container's tracking history;
//! 2. `NN-<document_type>-<safe name>`: the file of every document found in storage, in the
//!    shipment's document order, stored as is (the formats are compressed already);
//! 3. `container-tracking-log.json`;
//! 4. `metadata.json`: shipment, products, parties, documents (sha256, entry or
//!    `missing: true`), the checklist, `exported_at`.
//!
//! The request reads the database in one transaction, asks storage which files exist (so
//! the index, written first, is truthful: the predecessor silently left unreadable files
//! out), writes the audit row in a second short transaction, and only then streams: no
//! pooled connection is held while the client downloads. The ZIP is written by the `zip`
//! crate's streaming writer (data descriptors, no seeking) on a blocking thread into a
//! bounded channel that the response body drains, so memory stays constant whatever the
//! size of the files.

use std::io::{self, Write};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use chrono::{DateTime, Datelike, Timelike, Utc};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use super::auth::CurrentUser;
use super::error::ApiError;
use super::extract::{PathIds, RequestId};
use super::time::rfc3339_seconds;
use super::AppState;
use crate::db::documents::{self as docs, DocumentRow};
use crate::db::shipments::{self as db, EventRow, PartyRow, ProductRow, ShipmentRow};
use crate::db::tenant::AuditEntry;
use crate::domain::document::requirements::{required_documents, Completeness, RequirementState};
use crate::domain::Permission;
use crate::http::documents::files::content_disposition;
use crate::pdf::writer::PdfBuilder;
use crate::storage::{GetError, Storage, StorageKey};

/// Nested under `/api/v1` and `/api` by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new().route("/shipments/{id}/audit-pack", get(download))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(download))]
pub struct ApiDoc;

pub const INDEX_ENTRY: &str = "00-SHIPMENT-INDEX.pdf";
pub const TRACKING_ENTRY: &str = "container-tracking-log.json";
pub const METADATA_ENTRY: &str = "metadata.json";
/// What the index says of a document whose file cannot be read.
pub const MISSING_LABEL: &str = "MISSING (not in storage)";

/// Bytes gathered before one piece of the response goes out.
const CHUNK_BYTES: usize = 64 * 1024;
/// Pieces waiting for the client: the pack holds at most `CHUNK_BYTES × (CHANNEL + 2)`.
const CHANNEL: usize = 8;
/// Storage look-ups in flight while the pack is planned.
const LOOKUPS_IN_FLIGHT: usize = 8;
/// The longest file-name part of an entry.
const MAX_NAME_CHARS: usize = 100;

#[utoipa::path(get, path = "/api/v1/shipments/{id}/audit-pack", tag = "shipments", security(("bearer" = [])),
    summary = "Download the shipment's audit pack (ZIP: index PDF, every stored file, tracking log, metadata)",
    params(("id" = Uuid, Path, description = "Shipment id")),
    responses((status = 200, description = "The ZIP, streamed", content_type = "application/zip"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Missing audit_pack:download"),
        (status = 404, description = "No such shipment visible to the caller"),
        (status = 422, description = "Malformed id")))]
pub(crate) async fn download(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
) -> Result<Response, ApiError> {
    caller.require(Permission::AuditPackDownload)?;
    let mut tx = caller.begin().await?;
    let shipment = db::find_shipment(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let products = db::products_of(&mut tx, &[id]).await?;
    let events = db::events_of(&mut tx, id).await?;
    let mut parties = Vec::new();
    for (role, party) in [
        ("buyer", shipment.buyer_id),
        ("supplier", shipment.supplier_id),
    ] {
        if let Some(party) = party {
            if let Some(row) = db::find_party(&mut tx, party, false).await? {
                parties.push((role, row));
            }
        }
    }
    let documents = docs::documents_of_shipment(&mut tx, id).await?;
    tx.commit().await?;

    let files = locate(&state.storage, &documents).await?;
    let pack = Pack::new(shipment, products, parties, events, documents, files)?;

    let mut tx = caller.begin().await?;
    tx.audit(AuditEntry {
        action: "auditpack.download",
        resource_type: "shipment",
        resource_id: Some(id.to_string()),
        actor: None,
        request_id: request_id.as_deref(),
        details: json!({
            "reference": pack.shipment.reference,
            "file_count": pack.file_count(),
            "missing_count": pack.entries.len() - pack.file_count(),
        }),
    })
    .await?;
    tx.commit().await?;
    caller.release();

    let file_name = format!("audit-pack-{}.zip", pack.shipment.reference);
    let mut response = Response::new(Body::from_stream(stream(state.storage.clone(), pack)));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The storage key of every document whose file can be read now, in document order (`None`:
/// no key, or storage says it is not there). A storage failure fails the request: a pack
/// that calls a file missing because the store was briefly unreachable would not be true.
async fn locate(
    storage: &Storage,
    documents: &[DocumentRow],
) -> Result<Vec<Option<StorageKey>>, ApiError> {
    let keys: Vec<Option<StorageKey>> = documents
        .iter()
        .map(|row| {
            row.storage_key
                .as_deref()
                .and_then(|text| StorageKey::parse(text).ok())
        })
        .collect();
    let lookups = keys.into_iter().map(|key| {
        let storage = storage.clone();
        async move {
            match key {
                None => Ok(None),
                Some(key) => match storage.exists(&key).await {
                    Ok(true) => Ok(Some(key)),
                    Ok(false) => Ok(None),
                    Err(error) => Err(ApiError::Internal(error.into())),
                },
            }
        }
    });
    futures_util::stream::iter(lookups)
        .buffered(LOOKUPS_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// One document in the pack.
struct Entry {
    row: DocumentRow,
    document_type: &'static str,
    status: &'static str,
    /// The ZIP entry and the file behind it; `None` when the file cannot be read.
    file: Option<(String, StorageKey)>,
}

/// Everything the pack says, read before its first byte.
struct Pack {
    shipment: ShipmentRow,
    products: Vec<ProductRow>,
    parties: Vec<(&'static str, PartyRow)>,
    events: Vec<EventRow>,
    entries: Vec<Entry>,
    completeness: Completeness,
    exported_at: DateTime<Utc>,
}

impl Pack {
    fn new(
        shipment: ShipmentRow,
        products: Vec<ProductRow>,
        parties: Vec<(&'static str, PartyRow)>,
        events: Vec<EventRow>,
        documents: Vec<DocumentRow>,
        files: Vec<Option<StorageKey>>,
    ) -> Result<Self, ApiError> {
        let required = required_documents(
            products.iter().map(|p| Some(p.hs_code.as_str())),
            shipment.pod_code.as_deref(),
        );
        let statuses = documents
            .iter()
            .map(|d| Ok((d.id, d.document_type()?, d.status()?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let completeness = Completeness::of(&required, statuses);
        let mut number = 0;
        let mut entries = Vec::with_capacity(documents.len());
        for (row, key) in documents.into_iter().zip(files) {
            let document_type = row.document_type()?.as_str();
            let status = row.status()?.as_str();
            let file = key.map(|key| {
                number += 1;
                let name = row.file_name.as_deref().unwrap_or(&row.name);
                (
                    format!("{number:02}-{document_type}-{}", safe_name(name)),
                    key,
                )
            });
            entries.push(Entry {
                row,
                document_type,
                status,
                file,
            });
        }
        Ok(Self {
            shipment,
            products,
            parties,
            events,
            entries,
            completeness,
            exported_at: Utc::now(),
        })
    }

    fn file_count(&self) -> usize {
        self.entries.iter().filter(|e| e.file.is_some()).count()
    }

    fn party(&self, role: &str) -> Option<&PartyRow> {
        self.parties
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, row)| row)
    }

    /// `00-SHIPMENT-INDEX.pdf`.
    fn index_pdf(&self) -> Vec<u8> {
        let s = &self.shipment;
        let opt = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".into());
        let time = |value: Option<DateTime<Utc>>| {
            value.map_or_else(
                || "-".into(),
                |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
            )
        };
        let port = |code: &Option<String>, name: &Option<String>| match (code, name) {
            (Some(code), Some(name)) => format!("{code} ({name})"),
            (Some(one), None) | (None, Some(one)) => one.clone(),
            (None, None) => "-".into(),
        };
        let mut pdf = PdfBuilder::new(&format!("Audit pack: shipment {}", s.reference));
        pdf.paragraph(&format!("Reference: {}", s.reference));
        let vessel = match (&s.vessel_name, &s.voyage_number) {
            (Some(vessel), Some(voyage)) => format!("{vessel} / {voyage}"),
            (vessel, voyage) => opt(&vessel.clone().or(voyage.clone())),
        };
        let details = vec![
            vec!["Container".into(), s.container_number.clone()],
            vec!["B/L number".into(), opt(&s.bl_number)],
            vec!["Vessel / voyage".into(), vessel],
            vec!["ETD".into(), time(s.etd)],
            vec!["ETA".into(), time(s.eta)],
            vec!["Port of loading".into(), port(&s.pol_code, &s.pol_name)],
            vec!["Port of discharge".into(), port(&s.pod_code, &s.pod_name)],
            vec!["Incoterms".into(), opt(&s.incoterms)],
            vec!["Status".into(), s.status.to_lowercase()],
        ];
        pdf.heading("Shipment details")
            .table(&[("Field", 1.0), ("Value", 2.5)], &details);

        pdf.heading("Parties");
        let parties: Vec<Vec<String>> = ["buyer", "supplier"]
            .iter()
            .map(|role| {
                let party = self.party(role);
                vec![
                    role.to_string(),
                    party.map_or("-".into(), |p| p.company_name.clone()),
                    party.and_then(|p| p.country.clone()).unwrap_or("-".into()),
                ]
            })
            .collect();
        pdf.table(&[("Role", 1.0), ("Name", 2.5), ("Country", 1.0)], &parties);

        pdf.heading("Products");
        if self.products.is_empty() {
            pdf.paragraph("No products recorded.");
        } else {
            let kg = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.2}"));
            let rows: Vec<Vec<String>> = self
                .products
                .iter()
                .map(|p| {
                    vec![
                        p.hs_code.clone(),
                        p.description.clone(),
                        kg(p.quantity_net_kg),
                        kg(p.quantity_gross_kg),
                    ]
                })
                .collect();
            pdf.table(
                &[
                    ("HS code", 1.0),
                    ("Description", 3.0),
                    ("Net kg", 1.0),
                    ("Gross kg", 1.0),
                ],
                &rows,
            );
        }

        pdf.heading("Required documents");
        let c = &self.completeness;
        if c.checklist.is_empty() {
            pdf.paragraph("No documents are required for this shipment's products and route.");
        } else {
            let rows: Vec<Vec<String>> = c
                .checklist
                .iter()
                .map(|item| {
                    let state = match item.state {
                        RequirementState::Complete => "[X] Complete",
                        RequirementState::Pending => "[!] Pending",
                        RequirementState::Failed => "[!] Failed",
                        RequirementState::Missing => "[ ] MISSING",
                    };
                    vec![
                        item.document_type.as_str().to_string(),
                        state.to_string(),
                        item.status.map_or("-", |s| s.as_str()).to_string(),
                    ]
                })
                .collect();
            pdf.table(
                &[
                    ("Document type", 2.0),
                    ("State", 1.5),
                    ("Document status", 1.5),
                ],
                &rows,
            );
        }
        pdf.paragraph(&format!(
            "{} of {} required documents complete.",
            c.complete, c.total_required
        ));

        pdf.heading("Documents");
        if self.entries.is_empty() {
            pdf.paragraph("No documents uploaded.");
        } else {
            let rows: Vec<Vec<String>> = self
                .entries
                .iter()
                .map(|e| {
                    vec![
                        e.document_type.to_string(),
                        e.row.name.clone(),
                        e.status.to_string(),
                        e.file
                            .as_ref()
                            .map_or(MISSING_LABEL.to_string(), |(entry, _)| entry.clone()),
                    ]
                })
                .collect();
            pdf.table(
                &[
                    ("Type", 1.5),
                    ("Name", 2.0),
                    ("Status", 1.0),
                    ("In this ZIP as", 2.5),
                ],
                &rows,
            );
        }

        pdf.heading("Container tracking history");
        if self.events.is_empty() {
            pdf.paragraph("No tracking events recorded.");
        } else {
            let rows: Vec<Vec<String>> = self
                .events
                .iter()
                .map(|e| {
                    vec![
                        e.event_timestamp.format("%Y-%m-%d %H:%M").to_string(),
                        e.event_type.to_lowercase(),
                        port(&e.location_code, &e.location_name),
                        opt(&e.vessel_name),
                    ]
                })
                .collect();
            pdf.table(
                &[
                    ("Date (UTC)", 1.3),
                    ("Event", 1.5),
                    ("Location", 2.0),
                    ("Vessel", 1.5),
                ],
                &rows,
            );
        }
        pdf.footer(&format!(
            "Generated {} | TraceHub",
            self.exported_at.format("%Y-%m-%d %H:%M:%S UTC")
        ));
        pdf.finish()
    }

    /// `container-tracking-log.json`.
    fn tracking_json(&self) -> Value {
        let events: Vec<Value> = self
            .events
            .iter()
            .map(|e| {
                json!({
                    "type": e.event_type.to_lowercase(),
                    "timestamp": rfc3339_seconds(e.event_timestamp),
                    "location": e.location_name.clone().or(e.location_code.clone()),
                    "location_code": e.location_code,
                    "vessel": e.vessel_name,
                    "voyage": e.voyage_number,
                })
            })
            .collect();
        json!({
            "container_number": self.shipment.container_number,
            "exported_at": rfc3339_seconds(self.exported_at),
            "events": events,
        })
    }

    /// `metadata.json`.
    fn metadata_json(&self) -> Value {
        let s = &self.shipment;
        let time = |t: Option<DateTime<Utc>>| t.map(rfc3339_seconds);
        let party = |role: &str| {
            self.party(role)
                .map(|p| json!({"id": p.id, "name": p.company_name, "country": p.country}))
        };
        let documents: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                let mut value = json!({
                    "id": e.row.id,
                    "document_type": e.document_type,
                    "name": e.row.name,
                    "file_name": e.row.file_name,
                    "status": e.status,
                    "reference_number": e.row.reference_number,
                    "sha256": e.row.content_sha256,
                    "file_size_bytes": e.row.file_size_bytes,
                });
                match &e.file {
                    Some((entry, _)) => value["entry"] = json!(entry),
                    None => value["missing"] = json!(true),
                }
                value
            })
            .collect();
        json!({
            "shipment": {
                "id": s.id,
                "reference": s.reference,
                "container_number": s.container_number,
                "bl_number": s.bl_number,
                "vessel_name": s.vessel_name,
                "voyage_number": s.voyage_number,
                "etd": time(s.etd),
                "eta": time(s.eta),
                "pol_code": s.pol_code,
                "pol_name": s.pol_name,
                "pod_code": s.pod_code,
                "pod_name": s.pod_name,
                "incoterms": s.incoterms,
                "status": s.status.to_lowercase(),
            },
            "products": self.products.iter().map(|p| json!({
                "hs_code": p.hs_code,
                "description": p.description,
                "quantity_net_kg": p.quantity_net_kg,
                "quantity_gross_kg": p.quantity_gross_kg,
            })).collect::<Vec<_>>(),
            "parties": {"buyer": party("buyer"), "supplier": party("supplier")},
            "documents": documents,
            "document_summary": self.completeness,
            "exported_at": rfc3339_seconds(self.exported_at),
        })
    }
}

/// A file name reduced to letters, digits, `.`, `-` and `_` (anything else becomes `_`),
/// without leading dots, bounded; never a path.
pub fn safe_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
            c
        } else {
            '_'
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    let trimmed = out.trim_start_matches(['.', '_']);
    let bounded: String = trimmed.chars().rev().take(MAX_NAME_CHARS).collect();
    let bounded: String = bounded.chars().rev().collect();
    if bounded.is_empty() {
        "document".into()
    } else {
        bounded
    }
}

// ---------------------------------------------------------------------------------------
// Streaming

/// The response body: the ZIP as a blocking thread writes it.
fn stream(
    storage: Storage,
    pack: Pack,
) -> impl futures_util::Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    let (sender, receiver) = mpsc::channel::<Result<Bytes, io::Error>>(CHANNEL);
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let failure = sender.clone();
        let writer = ChannelWriter {
            sender,
            buffer: Vec::with_capacity(CHUNK_BYTES),
        };
        if let Err(error) = write_zip(&runtime, &storage, &pack, writer) {
            // The client sees the body fail rather than a short ZIP that looks whole (when
            // it is still there: a client that left is the usual cause).
            tracing::warn!(reference = %pack.shipment.reference, %error, "audit pack aborted");
            let _ = failure.blocking_send(Err(io::Error::other(error.to_string())));
        }
    });
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    })
}

fn write_zip(
    runtime: &tokio::runtime::Handle,
    storage: &Storage,
    pack: &Pack,
    writer: ChannelWriter,
) -> Result<(), zip::result::ZipError> {
    let modified = zip_time(pack.exported_at);
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(modified);
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(modified);
    let mut zip = zip::ZipWriter::new_stream(writer).set_auto_large_file();

    zip.start_file(INDEX_ENTRY, deflated)?;
    zip.write_all(&pack.index_pdf())?;

    for entry in &pack.entries {
        let Some((name, key)) = &entry.file else {
            continue;
        };
        let fetched = match runtime.block_on(storage.get(key, None)) {
            Ok(fetched) => fetched,
            // Listed in the index already: the pack cannot be true any more.
            Err(GetError::NotFound) => {
                return Err(io::Error::other(format!("{name} vanished from storage")).into())
            }
            Err(error) => return Err(io::Error::other(error.to_string()).into()),
        };
        zip.start_file(
            name.as_str(),
            stored.large_file(fetched.size >= u64::from(u32::MAX)),
        )?;
        let mut body = fetched.body;
        while let Some(chunk) = runtime.block_on(body.next()) {
            let chunk = chunk.map_err(|e| io::Error::other(format!("{e:#}")))?;
            zip.write_all(&chunk)?;
        }
    }

    zip.start_file(TRACKING_ENTRY, deflated)?;
    serde_json::to_writer_pretty(&mut zip, &pack.tracking_json()).map_err(io::Error::from)?;
    zip.start_file(METADATA_ENTRY, deflated)?;
    serde_json::to_writer_pretty(&mut zip, &pack.metadata_json()).map_err(io::Error::from)?;
    let mut writer = zip.finish()?.into_inner();
    writer.flush()?;
    Ok(())
}

fn zip_time(at: DateTime<Utc>) -> zip::DateTime {
    zip::DateTime::from_date_and_time(
        u16::try_from(at.year()).unwrap_or(1980),
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    )
    .unwrap_or_default()
}

/// The ZIP writer's output: pieces of [`CHUNK_BYTES`] into a bounded channel; a full
/// channel blocks the writer (the client sets the pace), a closed one (the client left)
/// stops it.
struct ChannelWriter {
    sender: mpsc::Sender<Result<Bytes, io::Error>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let piece = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK_BYTES),
        ));
        self.sender
            .blocking_send(Ok(piece))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client left"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK_BYTES - self.buffer.len();
        let taken = data.len().min(room);
        self.buffer.extend_from_slice(&data[..taken]);
        if self.buffer.len() >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn safe_names_are_never_paths() {
        assert_eq!(safe_name("../../etc/passwd"), "etc_passwd");
        assert_eq!(
            safe_name("Bill of Lading (final).pdf"),
            "Bill_of_Lading_final_.pdf"
        );
        assert_eq!(safe_name("..."), "document");
        assert_eq!(safe_name("C:\\x\\y.pdf"), "C_x_y.pdf");
        assert_eq!(safe_name("Zertifikat-Ü.pdf"), "Zertifikat-_.pdf");
        assert!(safe_name(&"a".repeat(300)).len() <= 100);
    }
}
