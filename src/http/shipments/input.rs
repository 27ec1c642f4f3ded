//! Request bodies of the shipment slice and their checks.
//!
//! One body type per resource serves create and PATCH: every field is "absent" (keep),
//! `null` (clear) or a value. Create starts from nothing and demands the required fields;
//! PATCH starts from the stored row. Every problem is collected into one 422 naming each
//! field (`products[1].hs_code`), and every length matches its column, so a value the
//! database would refuse never reaches it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::db::shipments::{PartyValues, ProductValues, ShipmentValues};
use crate::domain::{
    parse_timestamp, ContainerNumber, Email, HsCode, PartyType, ShipmentStatus, UnLocode,
};
use crate::http::extract::Fields;

pub use crate::http::extract::{nullable, Patch};

/// The body of `PATCH /shipments/{id}`: absent fields stay, `null` or empty text clears an
/// optional one. Text is trimmed. Unknown fields (the predecessor's `is_historical`,
/// `notes`) are ignored.
// ShipmentCreate / ShipmentUpdate: on create `reference` and `container_number` are
// required, `status` defaults to `created`, and `products` is read. The schema is the
// update's; [`ShipmentCreate`] documents the create.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ShipmentUpdate)]
pub struct ShipmentInput {
    /// Unique within the organization; not blank.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 1, max_length = 50)]
    pub reference: Patch<String>,
    /// ISO 6346: owner code, category U/J/Z, six digits and a check digit that must be right
    /// (e.g. `MSCU1234566`); letter case is ignored.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 11, max_length = 11, pattern = "^[A-Za-z]{3}[UJZujz][0-9]{7}$", example = "MSCU1234566")]
    pub container_number: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub bl_number: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub booking_reference: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub vessel_name: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub voyage_number: Patch<String>,
    /// Estimated departure: RFC 3339 date-time (or a date, midnight UTC); stored as UTC.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime, max_length = 64)]
    pub etd: Patch<String>,
    /// Estimated arrival, like `etd`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime, max_length = 64)]
    pub eta: Patch<String>,
    /// Actual departure, like `etd`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime, max_length = 64)]
    pub atd: Patch<String>,
    /// Actual arrival, like `etd`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime, max_length = 64)]
    pub ata: Patch<String>,
    /// UN/LOCODE of the port of loading, e.g. `NGAPP` (`NG APP` and lower case accepted).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 6, pattern = "^([A-Za-z]{2} ?[A-Za-z2-9]{3})?$", example = "NGAPP")]
    pub pol_code: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub pol_name: Patch<String>,
    /// UN/LOCODE of the port of discharge, e.g. `DEHAM`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 6, pattern = "^([A-Za-z]{2} ?[A-Za-z2-9]{3})?$", example = "DEHAM")]
    pub pod_code: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub pod_name: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub final_destination: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10)]
    pub incoterms: Patch<String>,
    /// `created` for a new shipment when left out or null.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ShipmentStatus>)]
    pub status: Patch<String>,
    /// A buyer organization that may read this shipment.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub buyer_organization_id: Patch<Uuid>,
    /// A party of this organization (buyer).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub buyer_id: Patch<Uuid>,
    /// A party of this organization (supplier).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub supplier_id: Patch<Uuid>,
    /// Products created with the shipment (create only: see [`ShipmentCreate`]).
    #[serde(default)]
    #[schema(ignore)]
    pub products: Option<Vec<ProductInput>>,
}

/// The body of `POST /shipments`; `status` defaults to `created`. Unknown fields are ignored.
// Documentation only: the handler reads [`ShipmentInput`].
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ShipmentCreate {
    /// Unique within the organization; not blank.
    #[schema(min_length = 1, max_length = 50)]
    reference: String,
    /// ISO 6346 with a right check digit, e.g. `MSCU1234566`.
    #[schema(
        min_length = 11,
        max_length = 11,
        pattern = "^[A-Za-z]{3}[UJZujz][0-9]{7}$",
        example = "MSCU1234566"
    )]
    container_number: String,
    /// Products created with the shipment.
    products: Option<Vec<ProductCreate>>,
    #[serde(flatten)]
    rest: ShipmentInput,
}

/// The body of `POST /shipments/{id}/products`.
// Documentation only: the handler reads [`ProductInput`].
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ProductCreate {
    /// 4–10 digits, single dots allowed between them (`0506.90`).
    #[schema(
        min_length = 4,
        max_length = 19,
        pattern = "^[0-9]+(\\.[0-9]+)*$",
        example = "0506.90"
    )]
    hs_code: String,
    /// Not blank.
    #[schema(min_length = 1, max_length = 500)]
    description: String,
    #[serde(flatten)]
    rest: ProductInput,
}

/// The body of `POST /parties`.
// Documentation only: the handler reads [`PartyInput`].
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PartyCreate {
    #[serde(rename = "type")]
    party_type: PartyType,
    /// Not blank.
    #[schema(min_length = 1, max_length = 255)]
    company_name: String,
    #[serde(flatten)]
    rest: PartyInput,
}

/// The longest date or date-time text read (chrono reads any number of fraction digits).
const MAX_DATE_CHARS: usize = 64;

/// Trimmed text, empty as none, at most `max` characters.
fn text(
    fields: &mut Fields,
    name: &str,
    patch: Patch<String>,
    current: Option<String>,
    max: usize,
) -> Option<String> {
    match patch {
        None => current,
        Some(None) => None,
        Some(Some(value)) => {
            let value = value.trim();
            if value.is_empty() {
                None
            } else if value.contains('\0') {
                // PostgreSQL text cannot hold NUL: refuse it here instead of failing there.
                fields.add(name, "must not contain NUL characters");
                placeholder(current)
            } else if value.chars().count() > max {
                fields.add(name, format!("must be at most {max} characters"));
                placeholder(current)
            } else {
                Some(value.to_string())
            }
        }
    }
}

/// A required value: its absence is a field error (the placeholder never reaches the
/// database, because the collected errors refuse the request first).
fn required<T: Default>(fields: &mut Fields, name: &str, value: Option<T>) -> T {
    value.unwrap_or_else(|| {
        fields.add(name, "is required");
        T::default()
    })
}

/// A value parsed by `parse`, stored as its normalized text.
fn parsed<E: std::fmt::Display>(
    fields: &mut Fields,
    name: &str,
    patch: Patch<String>,
    current: Option<String>,
    parse: impl Fn(&str) -> Result<String, E>,
) -> Option<String> {
    match patch {
        None => current,
        Some(None) => None,
        Some(Some(value)) if value.trim().is_empty() => None,
        Some(Some(value)) => match parse(&value) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                fields.add(name, error.to_string());
                placeholder(current)
            }
        },
    }
}

/// What a field holds after its value was refused: the request fails with that error
/// anyway, and a placeholder keeps a required field from also reporting "is required".
fn placeholder(current: Option<String>) -> Option<String> {
    Some(current.unwrap_or_default())
}

fn timestamp(
    fields: &mut Fields,
    name: &str,
    patch: Patch<String>,
    current: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match patch {
        None => current,
        Some(None) => None,
        Some(Some(value)) if value.chars().count() > MAX_DATE_CHARS => {
            fields.add(name, format!("must be at most {MAX_DATE_CHARS} characters"));
            current
        }
        Some(Some(value)) => fields.check(name, parse_timestamp(&value)).or(current),
    }
}

fn locode(text: &str) -> Result<String, crate::domain::UnLocodeError> {
    UnLocode::parse(text).map(|code| code.as_str().to_string())
}

fn patch<T: Copy>(patch: Patch<T>, current: Option<T>) -> Option<T> {
    patch.unwrap_or(current)
}

impl ShipmentInput {
    /// The values to store: `current` changed by this body (or, on create, built from it).
    /// Checks shapes only; references to other rows are checked against the database.
    pub fn apply(self, current: Option<ShipmentValues>, fields: &mut Fields) -> ShipmentValues {
        let c = current.clone();
        let reference = text(
            fields,
            "reference",
            self.reference,
            c.as_ref().map(|c| c.reference.clone()),
            50,
        );
        let container_number = parsed(
            fields,
            "container_number",
            self.container_number,
            c.as_ref().map(|c| c.container_number.clone()),
            |t| ContainerNumber::parse(t).map(|n| n.as_str().to_string()),
        );
        let status = match self.status {
            None => c.as_ref().map(|c| c.status),
            Some(None) => None,
            Some(Some(value)) => fields.check("status", ShipmentStatus::parse(&value)),
        };
        let status = status.unwrap_or(match &c {
            Some(c) => c.status,
            None => crate::domain::shipment::DEFAULT_STATUS,
        });
        ShipmentValues {
            reference: required(fields, "reference", reference),
            container_number: required(fields, "container_number", container_number),
            bl_number: text(
                fields,
                "bl_number",
                self.bl_number,
                c.as_ref().and_then(|c| c.bl_number.clone()),
                50,
            ),
            booking_reference: text(
                fields,
                "booking_reference",
                self.booking_reference,
                c.as_ref().and_then(|c| c.booking_reference.clone()),
                50,
            ),
            vessel_name: text(
                fields,
                "vessel_name",
                self.vessel_name,
                c.as_ref().and_then(|c| c.vessel_name.clone()),
                100,
            ),
            voyage_number: text(
                fields,
                "voyage_number",
                self.voyage_number,
                c.as_ref().and_then(|c| c.voyage_number.clone()),
                50,
            ),
            etd: timestamp(fields, "etd", self.etd, c.as_ref().and_then(|c| c.etd)),
            eta: timestamp(fields, "eta", self.eta, c.as_ref().and_then(|c| c.eta)),
            atd: timestamp(fields, "atd", self.atd, c.as_ref().and_then(|c| c.atd)),
            ata: timestamp(fields, "ata", self.ata, c.as_ref().and_then(|c| c.ata)),
            pol_code: parsed(
                fields,
                "pol_code",
                self.pol_code,
                c.as_ref().and_then(|c| c.pol_code.clone()),
                locode,
            ),
            pol_name: text(
                fields,
                "pol_name",
                self.pol_name,
                c.as_ref().and_then(|c| c.pol_name.clone()),
                100,
            ),
            pod_code: parsed(
                fields,
                "pod_code",
                self.pod_code,
                c.as_ref().and_then(|c| c.pod_code.clone()),
                locode,
            ),
            pod_name: text(
                fields,
                "pod_name",
                self.pod_name,
                c.as_ref().and_then(|c| c.pod_name.clone()),
                100,
            ),
            final_destination: text(
                fields,
                "final_destination",
                self.final_destination,
                c.as_ref().and_then(|c| c.final_destination.clone()),
                100,
            ),
            incoterms: text(
                fields,
                "incoterms",
                self.incoterms,
                c.as_ref().and_then(|c| c.incoterms.clone()),
                10,
            )
            .map(|t| t.to_uppercase()),
            status,
            buyer_organization_id: patch(
                self.buyer_organization_id,
                c.as_ref().and_then(|c| c.buyer_organization_id),
            ),
            buyer_id: patch(self.buyer_id, c.as_ref().and_then(|c| c.buyer_id)),
            supplier_id: patch(self.supplier_id, c.as_ref().and_then(|c| c.supplier_id)),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Products

/// The body of `PATCH /shipments/{id}/products/{product_id}`: absent fields stay, `null` or
/// empty text clears an optional one.
// ProductCreate / ProductUpdate: on create `hs_code` and `description` are required. The
// schema is the update's; [`ProductCreate`] documents the create.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ProductUpdate)]
pub struct ProductInput {
    /// 4–10 digits, single dots allowed between them (`0506.90`).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 4, max_length = 19, pattern = "^[0-9]+(\\.[0-9]+)*$", example = "0506.90")]
    pub hs_code: Patch<String>,
    /// Not blank.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 1, max_length = 500)]
    pub description: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 999999999)]
    pub quantity_net_kg: Patch<f64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 999999999)]
    pub quantity_gross_kg: Patch<f64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10)]
    pub unit_of_measure: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub packaging_type: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 2147483647)]
    pub packaging_count: Patch<i32>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub batch_lot_number: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub quality_grade: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 100)]
    pub moisture_percentage: Patch<f64>,
    /// A date, `2025-11-28`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Date, max_length = 64)]
    pub production_date: Patch<String>,
}

/// A number within `0..=max` (the column's numeric precision).
fn number(
    fields: &mut Fields,
    name: &str,
    patch: Patch<f64>,
    current: Option<f64>,
    max: f64,
) -> Option<f64> {
    match patch {
        None => current,
        Some(None) => None,
        Some(Some(value)) if value.is_finite() && (0.0..=max).contains(&value) => Some(value),
        Some(Some(_)) => {
            fields.add(name, format!("must be between 0 and {max}"));
            current
        }
    }
}

impl ProductInput {
    /// See [`ShipmentInput::apply`]; `prefix` names the field path (`products[0].`).
    pub fn apply(
        self,
        current: Option<ProductValues>,
        prefix: &str,
        fields: &mut Fields,
    ) -> ProductValues {
        let c = current.unwrap_or_default();
        let name = |field: &str| format!("{prefix}{field}");
        let hs_code = parsed(
            fields,
            &name("hs_code"),
            self.hs_code,
            Some(c.hs_code.clone()).filter(|s| !s.is_empty()),
            |t| HsCode::parse(t).map(|code| code.as_str().to_string()),
        );
        let description = text(
            fields,
            &name("description"),
            self.description,
            Some(c.description.clone()).filter(|s| !s.is_empty()),
            500,
        );
        let packaging_count = match self.packaging_count {
            None => c.packaging_count,
            Some(None) => None,
            Some(Some(count)) if count >= 0 => Some(count),
            Some(Some(_)) => {
                fields.add(&name("packaging_count"), "must not be negative");
                c.packaging_count
            }
        };
        let production_date = match self.production_date {
            None => c.production_date,
            Some(None) => None,
            Some(Some(value)) => fields
                .check(
                    &name("production_date"),
                    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
                        .ok()
                        .filter(|_| value.chars().count() <= MAX_DATE_CHARS)
                        .ok_or("must be a date (2025-11-28)"),
                )
                .or(c.production_date),
        };
        ProductValues {
            hs_code: required(fields, &name("hs_code"), hs_code),
            description: required(fields, &name("description"), description),
            quantity_net_kg: number(
                fields,
                &name("quantity_net_kg"),
                self.quantity_net_kg,
                c.quantity_net_kg,
                999_999_999.0,
            ),
            quantity_gross_kg: number(
                fields,
                &name("quantity_gross_kg"),
                self.quantity_gross_kg,
                c.quantity_gross_kg,
                999_999_999.0,
            ),
            unit_of_measure: text(
                fields,
                &name("unit_of_measure"),
                self.unit_of_measure,
                c.unit_of_measure.clone(),
                10,
            ),
            packaging_type: text(
                fields,
                &name("packaging_type"),
                self.packaging_type,
                c.packaging_type.clone(),
                100,
            ),
            packaging_count,
            batch_lot_number: text(
                fields,
                &name("batch_lot_number"),
                self.batch_lot_number,
                c.batch_lot_number.clone(),
                50,
            ),
            quality_grade: text(
                fields,
                &name("quality_grade"),
                self.quality_grade,
                c.quality_grade.clone(),
                50,
            ),
            moisture_percentage: number(
                fields,
                &name("moisture_percentage"),
                self.moisture_percentage,
                c.moisture_percentage,
                100.0,
            ),
            production_date,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parties

/// The body of `PATCH /parties/{id}`: absent fields stay, `null` or empty text clears an
/// optional one.
// PartyCreate / PartyUpdate: on create `type` and `company_name` are required. The schema
// is the update's; [`PartyCreate`] documents the create.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = PartyUpdate)]
pub struct PartyInput {
    /// supplier, buyer, shipper, consignee, notify_party.
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    #[schema(value_type = PartyType)]
    pub party_type: Patch<String>,
    /// Not blank.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 1, max_length = 255)]
    pub company_name: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 255)]
    pub contact_name: Patch<String>,
    /// Empty clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    pub email: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub phone: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub address: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub city: Patch<String>,
    /// ISO 3166 alpha-2, e.g. `NG` (any letter case); empty clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 2, pattern = "^([A-Za-z]{2})?$")]
    pub country: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub registration_number: Patch<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub tax_id: Patch<String>,
}

fn country(text: &str) -> Result<String, &'static str> {
    let code = text.trim().to_ascii_uppercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err("must be an ISO 3166 alpha-2 country code (NG, DE)")
    }
}

impl PartyInput {
    pub fn apply(self, current: Option<PartyValues>, fields: &mut Fields) -> PartyValues {
        let c = current.as_ref();
        let party_type = match self.party_type {
            None => c.map(|c| c.party_type),
            Some(None) => None,
            // A refused value is reported once (the placeholder never reaches the database).
            Some(Some(value)) => Some(
                fields
                    .check("type", PartyType::parse(&value))
                    .unwrap_or(PartyType::Supplier),
            ),
        };
        let company_name = text(
            fields,
            "company_name",
            self.company_name,
            c.map(|c| c.company_name.clone()),
            255,
        );
        PartyValues {
            party_type: match party_type {
                Some(value) => value,
                None => {
                    fields.add("type", "is required");
                    PartyType::Supplier
                }
            },
            company_name: required(fields, "company_name", company_name),
            contact_name: text(
                fields,
                "contact_name",
                self.contact_name,
                c.and_then(|c| c.contact_name.clone()),
                255,
            ),
            email: parsed(
                fields,
                "email",
                self.email,
                c.and_then(|c| c.email.clone()),
                |t| Email::parse(t).map(|e| e.as_str().to_string()),
            ),
            phone: text(
                fields,
                "phone",
                self.phone,
                c.and_then(|c| c.phone.clone()),
                50,
            ),
            address: text(
                fields,
                "address",
                self.address,
                c.and_then(|c| c.address.clone()),
                500,
            ),
            city: text(
                fields,
                "city",
                self.city,
                c.and_then(|c| c.city.clone()),
                100,
            ),
            country: parsed(
                fields,
                "country",
                self.country,
                c.and_then(|c| c.country.clone()),
                country,
            ),
            registration_number: text(
                fields,
                "registration_number",
                self.registration_number,
                c.and_then(|c| c.registration_number.clone()),
                100,
            ),
            tax_id: text(
                fields,
                "tax_id",
                self.tax_id,
                c.and_then(|c| c.tax_id.clone()),
                100,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::error::ApiError;
    use crate::http::extract::parse_json;

    fn shipment(
        json: &str,
        current: Option<ShipmentValues>,
    ) -> Result<ShipmentValues, Vec<String>> {
        let input: ShipmentInput = parse_json(json.as_bytes()).expect("json");
        let mut fields = Fields::new();
        let values = input.apply(current, &mut fields);
        match fields.finish() {
            Ok(()) => Ok(values),
            Err(ApiError::Validation(errors)) => {
                let mut names: Vec<String> = errors.into_iter().map(|e| e.field).collect();
                names.sort();
                Err(names)
            }
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn create_needs_reference_and_container_and_reports_each_field_once() {
        assert_eq!(
            shipment("{}", None),
            Err(vec!["container_number".into(), "reference".into()])
        );
        assert_eq!(
            shipment(
                r#"{"reference":" ","container_number":"MSCU1234560"}"#,
                None
            ),
            Err(vec!["container_number".into(), "reference".into()])
        );
        let values = shipment(
            r#"{"reference":" R-1 ","container_number":" mrsu3452572 ","pol_code":"ng app","incoterms":"fob"}"#,
            None,
        )
        .expect("valid");
        assert_eq!(values.reference, "R-1");
        assert_eq!(values.container_number, "MRSU3452572");
        assert_eq!(values.pol_code.as_deref(), Some("NGAPP"));
        assert_eq!(values.incoterms.as_deref(), Some("FOB"));
        assert_eq!(values.status, ShipmentStatus::Created);
    }

    #[test]
    fn patch_keeps_absent_fields_and_clears_null_ones() {
        let current = shipment(
            r#"{"reference":"R-1","container_number":"MRSU3452572","vessel_name":"A","eta":"2026-01-03","status":"in_transit"}"#,
            None,
        )
        .expect("valid");
        let changed = shipment(
            r#"{"vessel_name":null,"voyage_number":"9N"}"#,
            Some(current.clone()),
        )
        .expect("valid");
        assert_eq!(changed.vessel_name, None);
        assert_eq!(changed.voyage_number.as_deref(), Some("9N"));
        assert_eq!(changed.eta, current.eta);
        assert_eq!(changed.status, ShipmentStatus::InTransit);
        assert_eq!(
            shipment(
                r#"{"reference":null,"status":"lost"}"#,
                Some(current.clone())
            ),
            Err(vec!["reference".into(), "status".into()])
        );
        assert_eq!(shipment("{}", Some(current.clone())), Ok(current));
    }

    #[test]
    fn products_and_parties_check_their_fields() {
        let mut fields = Fields::new();
        let input: ProductInput = parse_json(
            br#"{"hs_code":"12","description":"x","moisture_percentage":101,"packaging_count":-1}"#,
        )
        .expect("json");
        input.apply(None, "products[2].", &mut fields);
        match fields.finish() {
            Err(ApiError::Validation(errors)) => {
                let names: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(
                    names,
                    [
                        "products[2].hs_code",
                        "products[2].packaging_count",
                        "products[2].moisture_percentage"
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        let mut fields = Fields::new();
        let input: PartyInput =
            parse_json(br#"{"type":"NOTIFY_PARTY","company_name":"Co","country":"de","email":"A@Example.com"}"#)
                .expect("json");
        let party = input.apply(None, &mut fields);
        assert!(fields.is_empty());
        assert_eq!(party.party_type, PartyType::NotifyParty);
        assert_eq!(party.country.as_deref(), Some("DE"));
        let mut fields = Fields::new();
        let input: PartyInput = parse_json(br#"{"type":null}"#).expect("json");
        input.apply(Some(party), &mut fields);
        assert!(!fields.is_empty(), "the type cannot be cleared");
    }
}
