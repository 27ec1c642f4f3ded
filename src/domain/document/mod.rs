//! Trade documents: their types and workflow statuses, and the rules over them.
//!
//! * [`DocumentType`] / [`DocumentStatus`]: the 16 types and 7 statuses; the API speaks lower
//!   case (`bill_of_lading`), the database stores the predecessor's UPPER-CASE labels.
//! * [`workflow`]: who may move a document from one status to another, and why not.
//! * [`field_rules`]: what each type must carry before it can be validated.
//! * [`requirements`]: which types a shipment needs, and how far its documents cover them.
//! * [`expiry`]: how urgent a document's expiry is.
//! * [`sniff`]: the file kind of an upload, from its first bytes; [`classify`]: the document
//!   type, sections and fields found in the text of its pages.
//!
//! All of it is pure: handlers read the rows, these functions decide, handlers write.

use serde::{Serialize, Serializer};

pub mod classify;
pub mod expiry;
pub mod field_rules;
pub mod requirements;
pub mod sniff;
pub mod workflow;

api_enum!(
    /// What a document is (`documenttype`).
    DocumentType, "document type", [
    BillOfLading => "bill_of_lading", "BILL_OF_LADING",
    CommercialInvoice => "commercial_invoice", "COMMERCIAL_INVOICE",
    PackingList => "packing_list", "PACKING_LIST",
    CertificateOfOrigin => "certificate_of_origin", "CERTIFICATE_OF_ORIGIN",
    PhytosanitaryCertificate => "phytosanitary_certificate", "PHYTOSANITARY_CERTIFICATE",
    FumigationCertificate => "fumigation_certificate", "FUMIGATION_CERTIFICATE",
    SanitaryCertificate => "sanitary_certificate", "SANITARY_CERTIFICATE",
    InsuranceCertificate => "insurance_certificate", "INSURANCE_CERTIFICATE",
    CustomsDeclaration => "customs_declaration", "CUSTOMS_DECLARATION",
    Contract => "contract", "CONTRACT",
    EudrDueDiligence => "eudr_due_diligence", "EUDR_DUE_DILIGENCE",
    QualityCertificate => "quality_certificate", "QUALITY_CERTIFICATE",
    EuTracesCertificate => "eu_traces_certificate", "EU_TRACES_CERTIFICATE",
    VeterinaryHealthCertificate => "veterinary_health_certificate", "VETERINARY_HEALTH_CERTIFICATE",
    ExportDeclaration => "export_declaration", "EXPORT_DECLARATION",
    Other => "other", "OTHER",
]);

api_enum!(
    /// Where a document stands in its review (`documentstatus`).
    DocumentStatus, "document status", [
    Draft => "draft", "DRAFT",
    Uploaded => "uploaded", "UPLOADED",
    Validated => "validated", "VALIDATED",
    ComplianceOk => "compliance_ok", "COMPLIANCE_OK",
    ComplianceFailed => "compliance_failed", "COMPLIANCE_FAILED",
    Linked => "linked", "LINKED",
    Archived => "archived", "ARCHIVED",
]);

/// Response bodies carry the API spelling, the same one [`DocumentType::parse`] reads.
impl Serialize for DocumentType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Response bodies carry the API spelling, the same one [`DocumentStatus::parse`] reads.
impl Serialize for DocumentStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_types_and_seven_statuses_round_trip_both_spellings() {
        assert_eq!(DocumentType::ALL.len(), 16);
        assert_eq!(DocumentStatus::ALL.len(), 7);
        for kind in DocumentType::ALL {
            assert_eq!(DocumentType::parse(kind.as_str()), Ok(kind));
            assert_eq!(DocumentType::parse(kind.db_label()), Ok(kind));
            assert_eq!(DocumentType::from_db_label(kind.db_label()), Ok(kind));
            assert_eq!(kind.db_label(), kind.as_str().to_ascii_uppercase());
        }
        for status in DocumentStatus::ALL {
            assert_eq!(DocumentStatus::parse(status.as_str()), Ok(status));
            assert_eq!(status.db_label(), status.as_str().to_ascii_uppercase());
        }
        assert!(DocumentType::parse("passport").is_err());
        assert!(DocumentStatus::from_db_label("uploaded").is_err());
    }

    #[test]
    fn both_serialize_as_their_api_spelling() {
        for kind in DocumentType::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.as_str());
        }
        for status in DocumentStatus::ALL {
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, status.as_str());
        }
    }
}
