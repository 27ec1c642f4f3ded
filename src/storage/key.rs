//! Where a document's bytes live: a key made by the server, never from a client's file name.

use std::fmt;

use uuid::Uuid;

/// `{organization}/{shipment}/{document}`, three uuids. Nothing in it comes from the client, so
/// there is nothing to escape and no name to traverse with; the organization leads, so one
/// tenant's documents share a prefix (listing, backups, lifecycle rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StorageKey {
    organization_id: Uuid,
    shipment_id: Uuid,
    document_id: Uuid,
}

/// A stored key that is not of our shape (a database row written by someone else).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a document storage key (organization/shipment/document uuids)")]
pub struct InvalidKey(String);

impl StorageKey {
    pub fn new(organization_id: Uuid, shipment_id: Uuid, document_id: Uuid) -> Self {
        Self {
            organization_id,
            shipment_id,
            document_id,
        }
    }

    /// Accepts exactly what [`fmt::Display`] writes: three lower-case hyphenated uuids joined by
    /// `/`. Other spellings of the same uuids are refused, so a key read back is byte for byte
    /// the key that was written.
    pub fn parse(text: &str) -> Result<Self, InvalidKey> {
        let invalid = || InvalidKey(text.chars().take(200).collect());
        let mut parts = text.split('/');
        let mut next = || -> Result<Uuid, InvalidKey> {
            let part = parts.next().ok_or_else(invalid)?;
            let id = Uuid::try_parse(part).map_err(|_| invalid())?;
            if id.hyphenated().to_string() != part {
                return Err(invalid());
            }
            Ok(id)
        };
        let key = Self::new(next()?, next()?, next()?);
        if parts.next().is_some() {
            return Err(invalid());
        }
        Ok(key)
    }

    pub fn organization_id(&self) -> Uuid {
        self.organization_id
    }

    pub fn shipment_id(&self) -> Uuid {
        self.shipment_id
    }

    pub fn document_id(&self) -> Uuid {
        self.document_id
    }

    pub(crate) fn path(&self) -> object_store::path::Path {
        // Three uuid segments are valid path parts as they are.
        object_store::path::Path::from_iter([
            self.organization_id.to_string(),
            self.shipment_id.to_string(),
            self.document_id.to_string(),
        ])
    }
}

impl fmt::Display for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.organization_id, self.shipment_id, self.document_id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "0b0e5a4c-1f0e-4e43-9d1a-5b2f6a1c0d01";
    const SHIPMENT: &str = "7d4c2b1a-3e5f-4a6b-8c7d-9e0f1a2b3c4d";
    const DOCUMENT: &str = "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9";

    #[test]
    fn a_key_is_three_uuids_and_reads_back_as_written() {
        let key = StorageKey::new(
            ORG.parse().unwrap(),
            SHIPMENT.parse().unwrap(),
            DOCUMENT.parse().unwrap(),
        );
        let text = key.to_string();
        assert_eq!(text, format!("{ORG}/{SHIPMENT}/{DOCUMENT}"));
        assert_eq!(StorageKey::parse(&text).unwrap(), key);
        assert_eq!(key.path().as_ref(), text);
        assert_eq!(key.organization_id().to_string(), ORG);
        assert_eq!(key.shipment_id().to_string(), SHIPMENT);
        assert_eq!(key.document_id().to_string(), DOCUMENT);
    }

    #[test]
    fn anything_else_is_refused() {
        let upper = format!("{}/{SHIPMENT}/{DOCUMENT}", ORG.to_uppercase());
        let simple = format!("{}/{SHIPMENT}/{DOCUMENT}", ORG.replace('-', ""));
        for bad in [
            String::new(),
            ORG.to_string(),
            format!("{ORG}/{SHIPMENT}"),
            format!("{ORG}/{SHIPMENT}/{DOCUMENT}/"),
            format!("{ORG}/{SHIPMENT}/{DOCUMENT}/x"),
            format!("/{ORG}/{SHIPMENT}/{DOCUMENT}"),
            format!("{ORG}/{SHIPMENT}/../{DOCUMENT}"),
            format!("{ORG}/{SHIPMENT}/invoice.pdf"),
            format!("uploads/VIBO-2026-001/{DOCUMENT}"),
            format!("{ORG}//{DOCUMENT}"),
            format!(" {ORG}/{SHIPMENT}/{DOCUMENT}"),
            upper,
            simple,
        ] {
            assert!(StorageKey::parse(&bad).is_err(), "{bad:?}");
        }
    }
}
