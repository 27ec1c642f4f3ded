//! What a document must carry before a reviewer may validate it (reference §5.2).
//!
//! The rules are one table of fields per document type, so that the same data answers both
//! "does this document pass?" ([`check`], which the workflow runs on every way into
//! `validated`) and "what will this type ask for?" ([`required_fields`], shown in the review
//! panel before anything is filled in): the form and the verdict cannot drift apart.
//!
//! The predecessor's five rule kinds map onto [`Field`]: `FileUploaded` is [`Field::File`],
//! `RequiredField` the plain attributes, `DateNotFuture` an issue date with `not_future`,
//! `DateNotExpired` (no grace) every expiry date, `ExtraDataField` [`Field::Extra`].
//!
//! Choices that differ from, or sharpen, the predecessor:
//! * Blank or whitespace-only text is missing: a reference number of `"  "` identifies nothing.
//! * An `extra_data` key is present only with a value that says something: not `null`, not a
//!   blank string, not an empty array or object. The predecessor accepted a key with a null
//!   value, so `{"operator_name": null}` passed the EUDR rules.
//! * A field gets at most one issue: either it is missing, or it is out of its date bound.
//! * No rule of §5.2 yields an information note; `info` keeps the predecessor's report shape.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use super::DocumentType;

/// Whether an issue blocks validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks the move to `validated`.
    Error,
    /// Reported, never blocks.
    Warning,
}

/// A fact of a document that a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The stored file.
    File,
    Name,
    ReferenceNumber,
    IssuingAuthority,
    /// With `not_future`, a date after today is an error.
    IssueDate {
        not_future: bool,
    },
    /// A date before today is an error (expired); today itself is still valid.
    ExpiryDate,
    /// A key of the document's `extra_data` object.
    Extra(&'static str),
}

impl Field {
    /// The name an issue and the required-fields list give the field, e.g. `issue_date` or
    /// `extra_data.operator_name` (the path a metadata update writes it under).
    pub fn name(self) -> String {
        match self {
            Field::File => "file".into(),
            Field::Name => "name".into(),
            Field::ReferenceNumber => "reference_number".into(),
            Field::IssuingAuthority => "issuing_authority".into(),
            Field::IssueDate { .. } => "issue_date".into(),
            Field::ExpiryDate => "expiry_date".into(),
            Field::Extra(key) => format!("extra_data.{key}"),
        }
    }
}

/// One field a document type asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRule {
    pub field: Field,
    /// What the field is called on this type's paper, e.g. "BL Number".
    pub description: &'static str,
    pub severity: Severity,
}

const fn error(field: Field, description: &'static str) -> FieldRule {
    FieldRule {
        field,
        description,
        severity: Severity::Error,
    }
}

const FILE: FieldRule = error(Field::File, "Document file");
const REFERENCE: FieldRule = error(Field::ReferenceNumber, "Reference Number");
const AUTHORITY: FieldRule = error(Field::IssuingAuthority, "Issuing Authority");
const ISSUED: FieldRule = error(Field::IssueDate { not_future: false }, "Issue Date");
const ISSUED_NOT_FUTURE: FieldRule = error(Field::IssueDate { not_future: true }, "Issue Date");
const EXPIRY: FieldRule = error(Field::ExpiryDate, "Expiry Date");

const BILL_OF_LADING: &[FieldRule] = &[
    FILE,
    error(Field::ReferenceNumber, "BL Number"),
    ISSUED_NOT_FUTURE,
    error(Field::IssuingAuthority, "Shipping Line/Carrier"),
];
const COMMERCIAL_INVOICE: &[FieldRule] = &[FILE, REFERENCE, ISSUED_NOT_FUTURE];
const CERTIFICATE_OF_ORIGIN: &[FieldRule] = &[FILE, REFERENCE, ISSUED_NOT_FUTURE, AUTHORITY];
const PHYTOSANITARY: &[FieldRule] = &[FILE, REFERENCE, ISSUED_NOT_FUTURE, AUTHORITY, EXPIRY];
const FUMIGATION: &[FieldRule] = &[
    FILE,
    REFERENCE,
    error(Field::IssueDate { not_future: false }, "Treatment Date"),
    AUTHORITY,
    EXPIRY,
];
const ISSUED_EXPIRING: &[FieldRule] = &[FILE, REFERENCE, ISSUED, AUTHORITY, EXPIRY];
const EUDR_DUE_DILIGENCE: &[FieldRule] = &[
    FILE,
    error(Field::ReferenceNumber, "DDS Reference"),
    ISSUED_NOT_FUTURE,
    error(Field::Extra("operator_name"), "Operator Name"),
    error(
        Field::Extra("country_of_production"),
        "Country of Production",
    ),
    error(
        Field::Extra("geolocation_coordinates"),
        "Geolocation Coordinates",
    ),
    error(
        Field::Extra("commodity_description"),
        "Commodity Description",
    ),
    FieldRule {
        field: Field::Extra("risk_assessment_conclusion"),
        description: "Risk Assessment Conclusion",
        severity: Severity::Warning,
    },
];
const QUALITY_CERTIFICATE: &[FieldRule] = &[
    FILE,
    REFERENCE,
    error(Field::IssueDate { not_future: false }, "Test Date"),
    error(Field::IssuingAuthority, "Testing Laboratory"),
];
const REFERENCED_AND_DATED: &[FieldRule] = &[FILE, REFERENCE, ISSUED];
const OTHER: &[FieldRule] = &[FILE, error(Field::Name, "Document Name")];

/// The fields `document_type` asks for, in the order the review panel lists them. EU TRACES
/// certificates, veterinary health certificates and export declarations ask for nothing.
pub const fn rules(document_type: DocumentType) -> &'static [FieldRule] {
    match document_type {
        DocumentType::BillOfLading => BILL_OF_LADING,
        DocumentType::CommercialInvoice => COMMERCIAL_INVOICE,
        DocumentType::CertificateOfOrigin => CERTIFICATE_OF_ORIGIN,
        DocumentType::PhytosanitaryCertificate => PHYTOSANITARY,
        DocumentType::FumigationCertificate => FUMIGATION,
        DocumentType::SanitaryCertificate | DocumentType::InsuranceCertificate => ISSUED_EXPIRING,
        DocumentType::EudrDueDiligence => EUDR_DUE_DILIGENCE,
        DocumentType::QualityCertificate => QUALITY_CERTIFICATE,
        DocumentType::PackingList | DocumentType::CustomsDeclaration | DocumentType::Contract => {
            REFERENCED_AND_DATED
        }
        DocumentType::Other => OTHER,
        DocumentType::EuTracesCertificate
        | DocumentType::VeterinaryHealthCertificate
        | DocumentType::ExportDeclaration => &[],
    }
}

/// What the rules look at: a document's stored facts.
#[derive(Debug, Clone, Copy)]
pub struct DocumentFacts<'a> {
    pub document_type: DocumentType,
    /// Whether the document has a stored file.
    pub has_file: bool,
    pub name: Option<&'a str>,
    pub reference_number: Option<&'a str>,
    pub issue_date: Option<NaiveDate>,
    pub expiry_date: Option<NaiveDate>,
    pub issuing_authority: Option<&'a str>,
    /// The `extra_data` column; anything but an object holds no keys.
    pub extra_data: Option<&'a Value>,
}

fn is_blank(text: Option<&str>) -> bool {
    text.is_none_or(|text| text.trim().is_empty())
}

fn has_extra_value(extra_data: Option<&Value>, key: &str) -> bool {
    match extra_data.and_then(|object| object.get(key)) {
        None | Some(Value::Null) => false,
        Some(Value::String(text)) => !text.trim().is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(entries)) => !entries.is_empty(),
        Some(Value::Bool(_) | Value::Number(_)) => true,
    }
}

/// One thing wrong with a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub field: String,
    pub message: String,
    pub severity: Severity,
}

impl FieldRule {
    /// What is wrong with this rule's field of `facts`, if anything.
    pub fn issue(&self, facts: &DocumentFacts<'_>, today: NaiveDate) -> Option<Issue> {
        let description = self.description;
        let missing = match self.severity {
            Severity::Error => format!("{description} is required"),
            Severity::Warning => format!("{description} is missing"),
        };
        let message = match self.field {
            Field::File if !facts.has_file => "No file has been uploaded".to_string(),
            Field::Name if is_blank(facts.name) => missing,
            Field::ReferenceNumber if is_blank(facts.reference_number) => missing,
            Field::IssuingAuthority if is_blank(facts.issuing_authority) => missing,
            Field::IssueDate { not_future } => match facts.issue_date {
                None => missing,
                Some(date) if not_future && date > today => {
                    format!("{description} {date} is in the future")
                }
                Some(_) => return None,
            },
            Field::ExpiryDate => match facts.expiry_date {
                None => missing,
                Some(date) if date < today => {
                    format!("{description} {date} has passed: the document has expired")
                }
                Some(_) => return None,
            },
            Field::Extra(key) if !has_extra_value(facts.extra_data, key) => missing,
            _ => return None,
        };
        Some(Issue {
            field: self.field.name(),
            message,
            severity: self.severity,
        })
    }
}

/// The verdict of the rules on one document, in the predecessor's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleReport {
    /// No errors (warnings allowed).
    pub is_valid: bool,
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
    /// Always empty: no rule yields information notes (kept for the shape).
    pub info: Vec<Issue>,
    pub total_issues: usize,
}

impl RuleReport {
    /// Sorts `issues` by severity, keeping their order within each.
    pub fn from_issues(issues: Vec<Issue>) -> Self {
        let (errors, warnings): (Vec<Issue>, Vec<Issue>) = issues
            .into_iter()
            .partition(|issue| issue.severity == Severity::Error);
        Self {
            is_valid: errors.is_empty(),
            total_issues: errors.len() + warnings.len(),
            errors,
            warnings,
            info: Vec::new(),
        }
    }
}

/// Runs every rule of the document's type against its facts, as of `today`.
pub fn check(facts: &DocumentFacts<'_>, today: NaiveDate) -> RuleReport {
    RuleReport::from_issues(
        rules(facts.document_type)
            .iter()
            .filter_map(|rule| rule.issue(facts, today))
            .collect(),
    )
}

/// One entry of a type's required-fields list, in the predecessor's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequiredField {
    pub field: String,
    pub description: &'static str,
    /// Whether a missing value blocks validation (false for warnings).
    pub required: bool,
    pub severity: Severity,
}

/// What `document_type` asks for (`GET /documents/types/{type}/requirements`, and the
/// review panel's grid).
pub fn required_fields(document_type: DocumentType) -> Vec<RequiredField> {
    rules(document_type)
        .iter()
        .map(|rule| RequiredField {
            field: rule.field.name(),
            description: rule.description,
            required: rule.severity == Severity::Error,
            severity: rule.severity,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    const TODAY: &str = "2026-03-15";

    fn today() -> NaiveDate {
        day(TODAY)
    }

    /// Every fact present and within its bounds.
    fn full(document_type: DocumentType, extra: &Value) -> DocumentFacts<'_> {
        DocumentFacts {
            document_type,
            has_file: true,
            name: Some("scan.pdf"),
            reference_number: Some("REF-1"),
            issue_date: Some(today()),
            expiry_date: Some(today()),
            issuing_authority: Some("NAQS"),
            extra_data: Some(extra),
        }
    }

    fn every_extra_key() -> Value {
        json!({
            "operator_name": "VIBOTAJ",
            "country_of_production": "NG",
            "geolocation_coordinates": [[6.45, 3.39]],
            "commodity_description": "cattle horns",
            "risk_assessment_conclusion": "negligible",
        })
    }

    /// Nothing present at all.
    fn empty(document_type: DocumentType) -> DocumentFacts<'static> {
        DocumentFacts {
            document_type,
            has_file: false,
            name: None,
            reference_number: None,
            issue_date: None,
            expiry_date: None,
            issuing_authority: None,
            extra_data: None,
        }
    }

    fn only_rule(field: Field, severity: Severity) -> FieldRule {
        FieldRule {
            field,
            description: "Thing",
            severity,
        }
    }

    fn messages(rule: FieldRule, facts: &DocumentFacts<'_>) -> Option<String> {
        rule.issue(facts, today()).map(|issue| issue.message)
    }

    // -- one test per rule kind ---------------------------------------------------------

    #[test]
    fn file_uploaded_needs_a_stored_file() {
        let extra = json!({});
        let rule = only_rule(Field::File, Severity::Error);
        assert_eq!(messages(rule, &full(DocumentType::Other, &extra)), None);
        let issue = rule.issue(&empty(DocumentType::Other), today()).unwrap();
        assert_eq!(issue.field, "file");
        assert_eq!(issue.message, "No file has been uploaded");
        assert_eq!(issue.severity, Severity::Error);
    }

    #[test]
    fn required_field_treats_blank_text_as_missing() {
        let extra = json!({});
        let facts = full(DocumentType::Contract, &extra);
        for (field, name) in [
            (Field::Name, "name"),
            (Field::ReferenceNumber, "reference_number"),
            (Field::IssuingAuthority, "issuing_authority"),
        ] {
            let rule = only_rule(field, Severity::Error);
            assert_eq!(messages(rule, &facts), None, "{name}");
            for value in [None, Some(""), Some("   "), Some("\t\n")] {
                let facts = DocumentFacts {
                    name: value,
                    reference_number: value,
                    issuing_authority: value,
                    ..facts
                };
                let issue = rule.issue(&facts, today()).expect(name);
                assert_eq!(issue.field, name);
                assert_eq!(issue.message, "Thing is required");
            }
        }
        let rule = only_rule(Field::IssueDate { not_future: false }, Severity::Error);
        assert_eq!(
            messages(rule, &empty(DocumentType::Contract)).as_deref(),
            Some("Thing is required")
        );
    }

    #[test]
    fn date_not_future_allows_today_and_refuses_tomorrow() {
        let extra = json!({});
        let rule = only_rule(Field::IssueDate { not_future: true }, Severity::Error);
        let on = |date: &str| DocumentFacts {
            issue_date: Some(day(date)),
            ..full(DocumentType::BillOfLading, &extra)
        };
        assert_eq!(messages(rule, &on("2026-03-14")), None);
        assert_eq!(messages(rule, &on(TODAY)), None);
        assert_eq!(
            messages(rule, &on("2026-03-16")).as_deref(),
            Some("Thing 2026-03-16 is in the future")
        );
        // Without the bound, any date will do.
        let unbounded = only_rule(Field::IssueDate { not_future: false }, Severity::Error);
        assert_eq!(messages(unbounded, &on("2030-01-01")), None);
    }

    #[test]
    fn date_not_expired_has_no_grace_and_allows_today() {
        let extra = json!({});
        let rule = only_rule(Field::ExpiryDate, Severity::Error);
        let on = |date: &str| DocumentFacts {
            expiry_date: Some(day(date)),
            ..full(DocumentType::PhytosanitaryCertificate, &extra)
        };
        assert_eq!(messages(rule, &on("2027-01-01")), None);
        assert_eq!(messages(rule, &on(TODAY)), None);
        let issue = rule.issue(&on("2026-03-14"), today()).unwrap();
        assert_eq!(issue.field, "expiry_date");
        assert_eq!(
            issue.message,
            "Thing 2026-03-14 has passed: the document has expired"
        );
        assert_eq!(
            messages(rule, &empty(DocumentType::PhytosanitaryCertificate)).as_deref(),
            Some("Thing is required")
        );
    }

    #[test]
    fn extra_data_field_needs_a_value_that_says_something() {
        let rule = only_rule(Field::Extra("operator_name"), Severity::Error);
        let with = |extra: &Value| messages(rule, &full(DocumentType::EudrDueDiligence, extra));
        for present in [
            json!({"operator_name": "VIBOTAJ"}),
            json!({"operator_name": 0}),
            json!({"operator_name": false}),
            json!({"operator_name": ["a"]}),
            json!({"operator_name": {"name": "a"}}),
        ] {
            assert_eq!(with(&present), None, "{present}");
        }
        for absent in [
            json!({}),
            json!({"operator_name": null}),
            json!({"operator_name": ""}),
            json!({"operator_name": "  "}),
            json!({"operator_name": []}),
            json!({"operator_name": {}}),
            json!({"operator": "VIBOTAJ"}),
            json!(["operator_name"]),
            json!("operator_name"),
            Value::Null,
        ] {
            assert_eq!(
                with(&absent).as_deref(),
                Some("Thing is required"),
                "{absent}"
            );
        }
        let no_column = DocumentFacts {
            extra_data: None,
            ..full(DocumentType::EudrDueDiligence, &Value::Null)
        };
        let issue = rule.issue(&no_column, today()).unwrap();
        assert_eq!(issue.field, "extra_data.operator_name");
    }

    #[test]
    fn warnings_are_reported_but_do_not_block() {
        let rule = only_rule(Field::Extra("risk"), Severity::Warning);
        let issue = rule
            .issue(&empty(DocumentType::EudrDueDiligence), today())
            .unwrap();
        assert_eq!(issue.message, "Thing is missing");
        let report = RuleReport::from_issues(vec![issue.clone()]);
        assert!(report.is_valid);
        assert_eq!(report.warnings, vec![issue]);
        assert_eq!(report.total_issues, 1);
        assert!(report.errors.is_empty() && report.info.is_empty());
    }

    // -- one test per type's row of the table -------------------------------------------

    /// Checks one row of §5.2 against an independent transcription: fields separated by
    /// spaces, `!` after `issue_date` for "not in the future", `?` before a warning.
    fn assert_row(document_type: DocumentType, spec: &str) {
        let extra = every_extra_key();
        let expected: Vec<(String, Severity)> = spec
            .split_whitespace()
            .map(|item| {
                let name = item.trim_start_matches('?').trim_end_matches('!');
                let severity = if item.starts_with('?') {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                (name.to_string(), severity)
            })
            .collect();
        let listed: Vec<(String, Severity)> = required_fields(document_type)
            .into_iter()
            .map(|field| {
                assert_eq!(field.required, field.severity == Severity::Error);
                assert!(!field.description.is_empty());
                (field.field, field.severity)
            })
            .collect();
        assert_eq!(listed, expected, "{document_type}");

        // Everything present: valid, nothing to say.
        let report = check(&full(document_type, &extra), today());
        assert!(
            report.is_valid && report.total_issues == 0,
            "{document_type}"
        );

        // Each field removed on its own: exactly that field's issue.
        let nothing = empty(document_type);
        for (name, severity) in &expected {
            let mut facts = full(document_type, &extra);
            let mut trimmed = extra.clone();
            match name.as_str() {
                "file" => facts.has_file = nothing.has_file,
                "name" => facts.name = nothing.name,
                "reference_number" => facts.reference_number = nothing.reference_number,
                "issue_date" => facts.issue_date = nothing.issue_date,
                "expiry_date" => facts.expiry_date = nothing.expiry_date,
                "issuing_authority" => facts.issuing_authority = nothing.issuing_authority,
                other => {
                    let key = other.strip_prefix("extra_data.").unwrap();
                    trimmed.as_object_mut().unwrap().remove(key);
                }
            }
            facts.extra_data = Some(&trimmed);
            let report = check(&facts, today());
            let issues: Vec<&Issue> = report.errors.iter().chain(&report.warnings).collect();
            assert_eq!(issues.len(), 1, "{document_type} without {name}");
            assert_eq!(&issues[0].field, name);
            assert_eq!(issues[0].severity, *severity);
            assert_eq!(report.is_valid, *severity == Severity::Warning);
        }

        // Only the listed fields present: still valid (nothing else is asked for).
        let mut facts = empty(document_type);
        facts.extra_data = Some(&extra);
        for (name, _) in &expected {
            match name.as_str() {
                "file" => facts.has_file = true,
                "name" => facts.name = Some("x"),
                "reference_number" => facts.reference_number = Some("x"),
                "issue_date" => facts.issue_date = Some(today()),
                "expiry_date" => facts.expiry_date = Some(today()),
                "issuing_authority" => facts.issuing_authority = Some("x"),
                _ => {}
            }
        }
        assert!(check(&facts, today()).is_valid, "{document_type}");

        // Date bounds: a future issue date fails only where `!` says so; a past expiry
        // date fails wherever an expiry date is asked for.
        let future = DocumentFacts {
            issue_date: Some(day("2026-03-16")),
            ..full(document_type, &extra)
        };
        assert_eq!(
            !check(&future, today()).is_valid,
            spec.contains("issue_date!"),
            "{document_type} issued tomorrow"
        );
        let expired = DocumentFacts {
            expiry_date: Some(day("2026-03-14")),
            ..full(document_type, &extra)
        };
        assert_eq!(
            !check(&expired, today()).is_valid,
            spec.contains("expiry_date"),
            "{document_type} expired yesterday"
        );
    }

    macro_rules! rows {
        ($($test:ident: $kind:ident => $spec:literal,)+) => {$(
            #[test]
            fn $test() {
                assert_row(DocumentType::$kind, $spec);
            }
        )+};
    }

    rows! {
        row_bill_of_lading: BillOfLading =>
            "file reference_number issue_date! issuing_authority",
        row_commercial_invoice: CommercialInvoice => "file reference_number issue_date!",
        row_packing_list: PackingList => "file reference_number issue_date",
        row_certificate_of_origin: CertificateOfOrigin =>
            "file reference_number issue_date! issuing_authority",
        row_phytosanitary_certificate: PhytosanitaryCertificate =>
            "file reference_number issue_date! issuing_authority expiry_date",
        row_fumigation_certificate: FumigationCertificate =>
            "file reference_number issue_date issuing_authority expiry_date",
        row_sanitary_certificate: SanitaryCertificate =>
            "file reference_number issue_date issuing_authority expiry_date",
        row_insurance_certificate: InsuranceCertificate =>
            "file reference_number issue_date issuing_authority expiry_date",
        row_eudr_due_diligence: EudrDueDiligence =>
            "file reference_number issue_date! extra_data.operator_name \
             extra_data.country_of_production extra_data.geolocation_coordinates \
             extra_data.commodity_description ?extra_data.risk_assessment_conclusion",
        row_quality_certificate: QualityCertificate =>
            "file reference_number issue_date issuing_authority",
        row_customs_declaration: CustomsDeclaration => "file reference_number issue_date",
        row_contract: Contract => "file reference_number issue_date",
        row_other: Other => "file name",
        row_eu_traces_certificate: EuTracesCertificate => "",
        row_veterinary_health_certificate: VeterinaryHealthCertificate => "",
        row_export_declaration: ExportDeclaration => "",
    }

    #[test]
    fn the_rows_cover_every_type() {
        // Sixteen rows above, one per type; the rule-less types pass with no facts at all.
        assert_eq!(DocumentType::ALL.len(), 16);
        for kind in [
            DocumentType::EuTracesCertificate,
            DocumentType::VeterinaryHealthCertificate,
            DocumentType::ExportDeclaration,
        ] {
            let report = check(&empty(kind), today());
            assert!(report.is_valid && report.total_issues == 0);
        }
    }

    #[test]
    fn the_predecessors_labels_name_the_fields() {
        let labels = |kind| {
            required_fields(kind)
                .into_iter()
                .map(|field| (field.field, field.description))
                .collect::<Vec<_>>()
        };
        let bl = labels(DocumentType::BillOfLading);
        assert!(bl.contains(&("reference_number".into(), "BL Number")));
        assert!(bl.contains(&("issuing_authority".into(), "Shipping Line/Carrier")));
        assert!(labels(DocumentType::EudrDueDiligence)
            .contains(&("reference_number".into(), "DDS Reference")));
        assert!(labels(DocumentType::FumigationCertificate)
            .contains(&("issue_date".into(), "Treatment Date")));
        let quality = labels(DocumentType::QualityCertificate);
        assert!(quality.contains(&("issue_date".into(), "Test Date")));
        assert!(quality.contains(&("issuing_authority".into(), "Testing Laboratory")));
    }

    #[test]
    fn an_empty_eudr_statement_lists_every_gap_errors_first() {
        let report = check(&empty(DocumentType::EudrDueDiligence), today());
        assert!(!report.is_valid);
        assert_eq!(report.errors.len(), 7);
        assert_eq!(report.warnings.len(), 1);
        assert_eq!(report.total_issues, 8);
        assert_eq!(
            report.warnings[0].field,
            "extra_data.risk_assessment_conclusion"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["is_valid"], false);
        assert_eq!(json["total_issues"], 8);
        assert_eq!(json["info"], json!([]));
        assert_eq!(
            json["errors"][0],
            json!({"field": "file", "message": "No file has been uploaded", "severity": "error"})
        );
        assert_eq!(json["warnings"][0]["severity"], "warning");
    }

    #[test]
    fn required_fields_serialize_in_the_predecessors_shape() {
        let json = serde_json::to_value(required_fields(DocumentType::Other)).unwrap();
        assert_eq!(
            json,
            json!([
                {"field": "file", "description": "Document file", "required": true, "severity": "error"},
                {"field": "name", "description": "Document Name", "required": true, "severity": "error"},
            ])
        );
        let eudr = serde_json::to_value(required_fields(DocumentType::EudrDueDiligence)).unwrap();
        assert_eq!(
            eudr[7],
            json!({
                "field": "extra_data.risk_assessment_conclusion",
                "description": "Risk Assessment Conclusion",
                "required": false,
                "severity": "warning",
            })
        );
    }
}
