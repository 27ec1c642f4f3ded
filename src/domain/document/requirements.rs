//! Which documents a shipment needs (reference §5.1), and how far its documents cover them.
//!
//! Where this departs from the predecessor, and why:
//! * **No "same HS code, any destination" fallback.** The predecessor's third resolution
//!   step took the first row with the product's HS prefix whatever its destination, so horn
//!   and hoof shipped to Turkey was asked for an EU TRACES certificate and the German
//!   veterinary paperwork. Here a pair with no row of its own (and no EU row for an EU
//!   destination) gets the default list. That includes bran (2302) to an EU country other
//!   than Germany, which the predecessor gave the German list; a 2302/EU row is the way to
//!   change that, not a fallback that guesses.
//! * **Every product counts.** The predecessor keyed on the first product only, so a
//!   container of hooves and bran was never asked for the bran's phytosanitary certificate.
//!   A shipment needs the union of its products' lists.
//! * **Completeness ranks documents explicitly.** The predecessor picked a type's "best"
//!   document by comparing status strings, where `validated` > `uploaded` >
//!   `compliance_ok`: an uploaded re-scan hid an approved document. And it counted a failed
//!   or rejected document as neither missing nor pending, so a shipment could be "complete"
//!   with a failed certificate. Here a required type is complete, pending, failed or
//!   missing, and only all-complete is complete.

use std::collections::BTreeSet;

use serde::Serialize;
use uuid::Uuid;

use super::{DocumentStatus, DocumentType};
use DocumentType::*;

/// One row of the requirement matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatrixRow {
    /// The first four digits of the product's HS code.
    pub hs_prefix: &'static str,
    /// The destination country (ISO 3166 alpha-2, as in a UN/LOCODE), or `EU` for every
    /// member state without a row of its own.
    pub destination: &'static str,
    pub documents: &'static [DocumentType],
}

/// Horn and hoof (0506 bones and horn-cores, 0507 horns and hooves) to Germany.
const HORN_AND_HOOF_TO_GERMANY: &[DocumentType] = &[
    EuTracesCertificate,
    VeterinaryHealthCertificate,
    CertificateOfOrigin,
    BillOfLading,
    CommercialInvoice,
    PackingList,
    ExportDeclaration,
    PhytosanitaryCertificate,
];
/// Horn and hoof to the rest of the EU: no phytosanitary certificate.
const HORN_AND_HOOF_TO_EU: &[DocumentType] = &[
    EuTracesCertificate,
    VeterinaryHealthCertificate,
    CertificateOfOrigin,
    BillOfLading,
    CommercialInvoice,
    PackingList,
    ExportDeclaration,
];
/// Bran and pellets (2302) to Germany.
const BRAN_TO_GERMANY: &[DocumentType] = &[
    BillOfLading,
    CommercialInvoice,
    PackingList,
    CertificateOfOrigin,
    PhytosanitaryCertificate,
    InsuranceCertificate,
    QualityCertificate,
    EudrDueDiligence,
];

/// What every shipment without a row of its own needs.
pub const DEFAULT_DOCUMENTS: &[DocumentType] = &[
    BillOfLading,
    CommercialInvoice,
    PackingList,
    CertificateOfOrigin,
    InsuranceCertificate,
];

/// The requirement matrix; [`DEFAULT_DOCUMENTS`] comes after it.
pub const MATRIX: [MatrixRow; 5] = [
    MatrixRow {
        hs_prefix: "0506",
        destination: "DE",
        documents: HORN_AND_HOOF_TO_GERMANY,
    },
    MatrixRow {
        hs_prefix: "0507",
        destination: "DE",
        documents: HORN_AND_HOOF_TO_GERMANY,
    },
    MatrixRow {
        hs_prefix: "0506",
        destination: "EU",
        documents: HORN_AND_HOOF_TO_EU,
    },
    MatrixRow {
        hs_prefix: "0507",
        destination: "EU",
        documents: HORN_AND_HOOF_TO_EU,
    },
    MatrixRow {
        hs_prefix: "2302",
        destination: "DE",
        documents: BRAN_TO_GERMANY,
    },
];

/// The 27 member states of the European Union (Greece as `GR`, its UN/LOCODE prefix).
pub const EU_MEMBER_STATES: [&str; 27] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// The matrix key of an HS code: its first four digits, dots ignored (`0506.90` → `0506`).
/// `None` when it does not start with four digits.
pub fn hs_prefix(hs_code: &str) -> Option<String> {
    let prefix: String = hs_code
        .trim()
        .chars()
        .filter(|c| *c != '.')
        .take(4)
        .collect();
    (prefix.len() == 4 && prefix.chars().all(|c| c.is_ascii_digit())).then_some(prefix)
}

/// The matrix key of a port of discharge: the country of its UN/LOCODE, upper case
/// (`deham` → `DE`). `None` when it does not start with two letters.
pub fn destination(pod_code: &str) -> Option<String> {
    let country: String = pod_code.trim().chars().take(2).collect();
    (country.len() == 2 && country.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| country.to_ascii_uppercase())
}

/// The position in the matrix of the row for one product; `MATRIX.len()` for the default.
fn resolve(hs_prefix: Option<&str>, destination: Option<&str>) -> usize {
    let (Some(hs), Some(destination)) = (hs_prefix, destination) else {
        return MATRIX.len();
    };
    let find = |wanted: &str| {
        MATRIX
            .iter()
            .position(|row| row.hs_prefix == hs && row.destination == wanted)
    };
    find(destination)
        .or_else(|| {
            EU_MEMBER_STATES
                .contains(&destination)
                .then(|| find("EU"))
                .flatten()
        })
        .unwrap_or(MATRIX.len())
}

fn documents_at(position: usize) -> &'static [DocumentType] {
    MATRIX
        .get(position)
        .map_or(DEFAULT_DOCUMENTS, |row| row.documents)
}

/// The documents one product needs: the exact row, else the EU row for a member state,
/// else the default. Keys as made by [`hs_prefix`] and [`destination`].
pub fn required_for_product(
    hs_prefix: Option<&str>,
    destination: Option<&str>,
) -> &'static [DocumentType] {
    documents_at(resolve(hs_prefix, destination))
}

/// The documents a shipment needs: the union of its products' lists, each type once, in
/// matrix order (the rows' order, then each row's own; a one-product shipment gets its
/// row exactly). A product without a usable HS code, or a shipment without products,
/// needs the default list.
pub fn required_documents<'a>(
    hs_codes: impl IntoIterator<Item = Option<&'a str>>,
    pod_code: Option<&str>,
) -> Vec<DocumentType> {
    let destination = pod_code.and_then(destination);
    let mut rows: BTreeSet<usize> = hs_codes
        .into_iter()
        .map(|code| resolve(code.and_then(hs_prefix).as_deref(), destination.as_deref()))
        .collect();
    if rows.is_empty() {
        rows.insert(MATRIX.len());
    }
    let mut required = Vec::new();
    for document in rows.into_iter().flat_map(documents_at) {
        if !required.contains(document) {
            required.push(*document);
        }
    }
    required
}

/// How good a document's status is for completeness, higher better: linked > compliance_ok
/// > validated > uploaded > draft > compliance_failed > archived.
pub const fn rank(status: DocumentStatus) -> u8 {
    match status {
        DocumentStatus::Linked => 6,
        DocumentStatus::ComplianceOk => 5,
        DocumentStatus::Validated => 4,
        DocumentStatus::Uploaded => 3,
        DocumentStatus::Draft => 2,
        DocumentStatus::ComplianceFailed => 1,
        DocumentStatus::Archived => 0,
    }
}

/// Where a required document type stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementState {
    /// Its best document is validated, compliance_ok or linked.
    Complete,
    /// Uploaded, waiting for a reviewer.
    Pending,
    /// Compliance failed, or rejected back to draft: waiting for the uploader.
    Failed,
    /// No document, or only archived ones.
    Missing,
}

impl RequirementState {
    /// The state a type's best document puts it in.
    pub const fn of(status: DocumentStatus) -> Self {
        match status {
            DocumentStatus::Validated | DocumentStatus::ComplianceOk | DocumentStatus::Linked => {
                RequirementState::Complete
            }
            DocumentStatus::Uploaded => RequirementState::Pending,
            DocumentStatus::Draft | DocumentStatus::ComplianceFailed => RequirementState::Failed,
            DocumentStatus::Archived => RequirementState::Missing,
        }
    }
}

/// One required type and the document that speaks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    pub document_type: DocumentType,
    pub state: RequirementState,
    /// The best document of the type (none when missing).
    pub document_id: Option<Uuid>,
    pub status: Option<DocumentStatus>,
}

/// How far a shipment's documents cover its requirements: the predecessor's
/// `document_summary`, plus the failed and pending types and a checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completeness {
    pub total_required: usize,
    /// Documents of the shipment that are not archived, required or not.
    pub total_uploaded: usize,
    /// Required types that are complete.
    pub complete: usize,
    pub missing: Vec<DocumentType>,
    /// Required types waiting for a reviewer (`pending.len()`).
    pub pending_validation: usize,
    /// Every required type complete.
    pub is_complete: bool,
    pub failed: Vec<DocumentType>,
    pub pending: Vec<DocumentType>,
    /// One item per required type, in the order of `required`.
    pub checklist: Vec<ChecklistItem>,
}

impl Completeness {
    /// Matches a shipment's documents against its required types. For each type the best
    /// document by [`rank`] speaks for it; among equals, the first one `documents` yields.
    pub fn of(
        required: &[DocumentType],
        documents: impl IntoIterator<Item = (Uuid, DocumentType, DocumentStatus)>,
    ) -> Self {
        let live: Vec<(Uuid, DocumentType, DocumentStatus)> = documents
            .into_iter()
            .filter(|(_, _, status)| *status != DocumentStatus::Archived)
            .collect();
        let mut checklist: Vec<ChecklistItem> = Vec::new();
        for document_type in required {
            if checklist
                .iter()
                .any(|item| item.document_type == *document_type)
            {
                continue;
            }
            let best = live
                .iter()
                .filter(|(_, kind, _)| kind == document_type)
                .fold(
                    None,
                    |best: Option<&(Uuid, DocumentType, DocumentStatus)>, candidate| match best {
                        Some(best) if rank(best.2) >= rank(candidate.2) => Some(best),
                        _ => Some(candidate),
                    },
                );
            checklist.push(ChecklistItem {
                document_type: *document_type,
                state: best.map_or(RequirementState::Missing, |(_, _, status)| {
                    RequirementState::of(*status)
                }),
                document_id: best.map(|(id, _, _)| *id),
                status: best.map(|(_, _, status)| *status),
            });
        }
        let types_in = |state| {
            checklist
                .iter()
                .filter(|item| item.state == state)
                .map(|item| item.document_type)
                .collect::<Vec<_>>()
        };
        let complete = types_in(RequirementState::Complete).len();
        let pending = types_in(RequirementState::Pending);
        Self {
            total_required: checklist.len(),
            total_uploaded: live.len(),
            complete,
            missing: types_in(RequirementState::Missing),
            pending_validation: pending.len(),
            is_complete: complete == checklist.len(),
            failed: types_in(RequirementState::Failed),
            pending,
            checklist,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DocumentStatus::*;

    fn names(types: &[DocumentType]) -> Vec<&'static str> {
        types.iter().map(|kind| kind.as_str()).collect()
    }

    // -- keys ------------------------------------------------------------------------------

    #[test]
    fn hs_prefix_is_the_first_four_digits_with_dots_ignored() {
        assert_eq!(hs_prefix("0506.90").as_deref(), Some("0506"));
        assert_eq!(hs_prefix("05.06.90.00").as_deref(), Some("0506"));
        assert_eq!(hs_prefix("050690").as_deref(), Some("0506"));
        assert_eq!(hs_prefix(" 2302 ").as_deref(), Some("2302"));
        for bad in ["", "050", "05.0", "05a690", "abcd", "0 506"] {
            assert_eq!(hs_prefix(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn destination_is_the_locode_country_upper_cased() {
        assert_eq!(destination("DEHAM").as_deref(), Some("DE"));
        assert_eq!(destination("deham").as_deref(), Some("DE"));
        assert_eq!(destination(" nl rtm").as_deref(), Some("NL"));
        for bad in ["", "D", "1EHAM", "D-HAM"] {
            assert_eq!(destination(bad), None, "{bad:?}");
        }
    }

    // -- the matrix and its resolution -------------------------------------------------------

    #[test]
    fn the_matrix_is_the_reference_table() {
        let horn_and_hoof_de = "eu_traces_certificate veterinary_health_certificate \
            certificate_of_origin bill_of_lading commercial_invoice packing_list \
            export_declaration phytosanitary_certificate";
        let horn_and_hoof_eu = horn_and_hoof_de.replace(" phytosanitary_certificate", "");
        let bran_de = "bill_of_lading commercial_invoice packing_list certificate_of_origin \
            phytosanitary_certificate insurance_certificate quality_certificate \
            eudr_due_diligence";
        let expected = [
            ("0506", "DE", horn_and_hoof_de, 8),
            ("0507", "DE", horn_and_hoof_de, 8),
            ("0506", "EU", horn_and_hoof_eu.as_str(), 7),
            ("0507", "EU", horn_and_hoof_eu.as_str(), 7),
            ("2302", "DE", bran_de, 8),
        ];
        assert_eq!(MATRIX.len(), expected.len());
        for (row, (hs, destination, documents, count)) in MATRIX.iter().zip(expected) {
            assert_eq!((row.hs_prefix, row.destination), (hs, destination));
            assert_eq!(
                names(row.documents).join(" "),
                documents.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            assert_eq!(row.documents.len(), count);
        }
        assert_eq!(
            names(DEFAULT_DOCUMENTS),
            vec![
                "bill_of_lading",
                "commercial_invoice",
                "packing_list",
                "certificate_of_origin",
                "insurance_certificate"
            ]
        );
    }

    #[test]
    fn resolution_step_1_exact_row() {
        assert_eq!(
            required_for_product(Some("0506"), Some("DE")),
            HORN_AND_HOOF_TO_GERMANY
        );
        assert_eq!(
            required_for_product(Some("0507"), Some("DE")),
            HORN_AND_HOOF_TO_GERMANY
        );
        assert_eq!(
            required_for_product(Some("2302"), Some("DE")),
            BRAN_TO_GERMANY
        );
    }

    #[test]
    fn resolution_step_2_other_member_states_get_the_eu_row() {
        for country in EU_MEMBER_STATES.into_iter().filter(|c| *c != "DE") {
            assert_eq!(
                required_for_product(Some("0506"), Some(country)),
                HORN_AND_HOOF_TO_EU,
                "{country}"
            );
            assert!(!required_for_product(Some("0507"), Some(country))
                .contains(&PhytosanitaryCertificate));
        }
        assert_eq!(EU_MEMBER_STATES.len(), 27);
        assert_eq!(EU_MEMBER_STATES.iter().collect::<BTreeSet<_>>().len(), 27);
    }

    #[test]
    fn resolution_has_no_same_code_any_destination_step() {
        // Horn and hoof to Turkey or the UK: no EU TRACES, no German veterinary papers.
        for country in ["TR", "GB", "US", "CN", "NG"] {
            assert_eq!(
                required_for_product(Some("0506"), Some(country)),
                DEFAULT_DOCUMENTS,
                "{country}"
            );
        }
        // Bran to the Netherlands has no row of its own and no EU row.
        assert_eq!(
            required_for_product(Some("2302"), Some("NL")),
            DEFAULT_DOCUMENTS
        );
    }

    #[test]
    fn resolution_step_4_default() {
        assert_eq!(
            required_for_product(Some("0901"), Some("DE")),
            DEFAULT_DOCUMENTS
        );
        assert_eq!(required_for_product(None, Some("DE")), DEFAULT_DOCUMENTS);
        assert_eq!(required_for_product(Some("0506"), None), DEFAULT_DOCUMENTS);
        // "EU" is a key of the matrix, never a row for a non-member.
        assert_eq!(
            required_for_product(Some("2302"), Some("EU")),
            DEFAULT_DOCUMENTS
        );
    }

    #[test]
    fn a_shipment_needs_the_union_of_its_products_in_matrix_order() {
        let hooves_and_bran = required_documents([Some("0507.90"), Some("2302.30")], Some("DEHAM"));
        let expected: Vec<DocumentType> = HORN_AND_HOOF_TO_GERMANY
            .iter()
            .copied()
            .chain([InsuranceCertificate, QualityCertificate, EudrDueDiligence])
            .collect();
        assert_eq!(hooves_and_bran, expected);
        // The order of the products does not matter.
        assert_eq!(
            required_documents([Some("2302.30"), Some("0507.90")], Some("deham")),
            expected
        );
        // One product: its row exactly; repeated prefixes change nothing.
        assert_eq!(
            required_documents([Some("0506.90"), Some("0506.10")], Some("FRLEH")),
            HORN_AND_HOOF_TO_EU
        );
        // A product of unknown kind adds the default list.
        let with_unknown = required_documents([Some("0506"), None], Some("DEHAM"));
        assert_eq!(with_unknown.len(), 9);
        assert_eq!(with_unknown.last(), Some(&InsuranceCertificate));
    }

    #[test]
    fn a_shipment_without_products_or_port_needs_the_default_list() {
        assert_eq!(required_documents([], Some("DEHAM")), DEFAULT_DOCUMENTS);
        assert_eq!(required_documents([Some("0506")], None), DEFAULT_DOCUMENTS);
        assert_eq!(
            required_documents([Some("0506")], Some("??")),
            DEFAULT_DOCUMENTS
        );
    }

    // -- completeness ----------------------------------------------------------------------

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn rank_is_the_explicit_order_not_the_spelling() {
        let best_first = [
            Linked,
            ComplianceOk,
            Validated,
            Uploaded,
            Draft,
            ComplianceFailed,
            Archived,
        ];
        for pair in best_first.windows(2) {
            assert!(
                rank(pair[0]) > rank(pair[1]),
                "{} over {}",
                pair[0],
                pair[1]
            );
        }
        assert_eq!(best_first.len(), DocumentStatus::ALL.len());
        // What string comparison would have said.
        assert!(Uploaded.as_str() > ComplianceOk.as_str());
    }

    #[test]
    fn an_approved_document_is_not_hidden_by_a_later_upload() {
        for documents in [
            [
                (id(1), BillOfLading, ComplianceOk),
                (id(2), BillOfLading, Uploaded),
            ],
            [
                (id(2), BillOfLading, Uploaded),
                (id(1), BillOfLading, ComplianceOk),
            ],
        ] {
            let summary = Completeness::of(&[BillOfLading], documents);
            assert!(summary.is_complete);
            assert_eq!(summary.complete, 1);
            assert_eq!(summary.pending_validation, 0);
            assert_eq!(summary.checklist[0].document_id, Some(id(1)));
            assert_eq!(summary.checklist[0].status, Some(ComplianceOk));
        }
    }

    #[test]
    fn a_failed_required_document_makes_the_shipment_incomplete() {
        let summary = Completeness::of(
            &[BillOfLading, PackingList],
            [
                (id(1), BillOfLading, Linked),
                (id(2), PackingList, ComplianceFailed),
            ],
        );
        assert!(!summary.is_complete);
        assert_eq!(summary.failed, vec![PackingList]);
        assert!(summary.missing.is_empty() && summary.pending.is_empty());
        assert_eq!(summary.complete, 1);
    }

    #[test]
    fn a_rejected_draft_is_failed_work_for_the_uploader() {
        let summary = Completeness::of(&[PackingList], [(id(1), PackingList, Draft)]);
        assert_eq!(summary.failed, vec![PackingList]);
        assert_eq!(summary.pending_validation, 0);
        assert!(!summary.is_complete);
        // Uploaded again, it waits for the reviewer instead.
        let summary = Completeness::of(
            &[PackingList],
            [(id(1), PackingList, Draft), (id(2), PackingList, Uploaded)],
        );
        assert_eq!(summary.pending, vec![PackingList]);
        assert_eq!(summary.pending_validation, 1);
        assert!(summary.failed.is_empty());
    }

    #[test]
    fn archived_documents_do_not_count() {
        let summary = Completeness::of(
            &[BillOfLading],
            [(id(1), BillOfLading, Archived), (id(2), Other, Archived)],
        );
        assert_eq!(summary.missing, vec![BillOfLading]);
        assert_eq!(summary.total_uploaded, 0);
        assert!(!summary.is_complete);
        assert_eq!(
            summary.checklist,
            vec![ChecklistItem {
                document_type: BillOfLading,
                state: RequirementState::Missing,
                document_id: None,
                status: None,
            }]
        );
    }

    #[test]
    fn every_state_and_the_counts() {
        let required = [
            BillOfLading,
            CommercialInvoice,
            PackingList,
            CertificateOfOrigin,
            InsuranceCertificate,
        ];
        let summary = Completeness::of(
            &required,
            [
                (id(1), BillOfLading, Validated),
                (id(2), CommercialInvoice, Uploaded),
                (id(3), PackingList, ComplianceFailed),
                (id(4), Contract, Uploaded),
                (id(5), InsuranceCertificate, Linked),
                (id(6), InsuranceCertificate, Linked),
            ],
        );
        assert_eq!(summary.total_required, 5);
        // Not required, but uploaded: counted (archived ones are not).
        assert_eq!(summary.total_uploaded, 6);
        assert_eq!(summary.complete, 2);
        assert_eq!(summary.pending, vec![CommercialInvoice]);
        assert_eq!(summary.pending_validation, 1);
        assert_eq!(summary.failed, vec![PackingList]);
        assert_eq!(summary.missing, vec![CertificateOfOrigin]);
        assert!(!summary.is_complete);
        // Among equals, the first one given speaks for the type.
        assert_eq!(summary.checklist[4].document_id, Some(id(5)));
        let states: Vec<RequirementState> =
            summary.checklist.iter().map(|item| item.state).collect();
        use RequirementState::*;
        assert_eq!(states, vec![Complete, Pending, Failed, Missing, Complete]);
    }

    #[test]
    fn the_state_of_each_status() {
        use RequirementState::*;
        let expected = [
            (Draft, Failed),
            (Uploaded, Pending),
            (Validated, Complete),
            (ComplianceOk, Complete),
            (ComplianceFailed, Failed),
            (Linked, Complete),
            (Archived, Missing),
        ];
        for (status, state) in expected {
            assert_eq!(RequirementState::of(status), state, "{status}");
            let summary = Completeness::of(&[Contract], [(id(9), Contract, status)]);
            assert_eq!(summary.checklist[0].state, state, "{status}");
            assert_eq!(summary.is_complete, state == Complete);
        }
    }

    #[test]
    fn complete_when_every_required_type_is_and_nothing_required_is_trivially_complete() {
        let summary = Completeness::of(
            &[BillOfLading, BillOfLading, PackingList],
            [
                (id(1), BillOfLading, Validated),
                (id(2), PackingList, Linked),
            ],
        );
        assert_eq!(summary.total_required, 2);
        assert!(summary.is_complete);
        let none = Completeness::of(&[], []);
        assert!(none.is_complete && none.total_required == 0);
    }

    #[test]
    fn completeness_serializes_the_predecessors_fields_and_more() {
        let summary = Completeness::of(
            &[BillOfLading, PackingList],
            [(id(1), BillOfLading, Uploaded)],
        );
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "total_required": 2,
                "total_uploaded": 1,
                "complete": 0,
                "missing": ["packing_list"],
                "pending_validation": 1,
                "is_complete": false,
                "failed": [],
                "pending": ["bill_of_lading"],
                "checklist": [
                    {
                        "document_type": "bill_of_lading",
                        "state": "pending",
                        "document_id": "00000000-0000-0000-0000-000000000001",
                        "status": "uploaded",
                    },
                    {
                        "document_type": "packing_list",
                        "state": "missing",
                        "document_id": null,
                        "status": null,
                    },
                ],
            })
        );
    }
}
