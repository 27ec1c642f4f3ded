//! The kinds of notification, what each is called and how a client shows it, and who is
//! told of what happens to a shipment.
//!
//! The kinds are the predecessor's ten (`notifications.type` stores the lower-case name).
//! Who is told (§5.11 of its rules, with the single demo recipient replaced by real people):
//! * document uploaded, document expiring: the members who review documents
//!   ([`crate::db::members::document_reviewers`]);
//! * document approved or rejected: its uploader;
//! * departed, arrived, delivered, ETA changed ([`follows_shipment`]): in the shipment's
//!   organization, the members who act on shipments or review their documents; in the buyer
//!   organization, every active member — the shipment is theirs to receive;
//! * compliance alert: the members who review documents.

use serde::{Serialize, Serializer};

use super::{Access, Permission};

api_enum!(
    /// What a notification is about (`notifications.type`).
    NotificationKind, "notification type", [
    DocumentUploaded => "document_uploaded", "document_uploaded",
    DocumentValidated => "document_validated", "document_validated",
    DocumentRejected => "document_rejected", "document_rejected",
    EtaChanged => "eta_changed", "eta_changed",
    ShipmentArrived => "shipment_arrived", "shipment_arrived",
    ShipmentDeparted => "shipment_departed", "shipment_departed",
    ShipmentDelivered => "shipment_delivered", "shipment_delivered",
    ComplianceAlert => "compliance_alert", "compliance_alert",
    ExpiryWarning => "expiry_warning", "expiry_warning",
    SystemAlert => "system_alert", "system_alert",
]);

impl Serialize for NotificationKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// How a client shows a kind (`GET /notifications/types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Display {
    pub name: &'static str,
    pub description: &'static str,
    pub icon: &'static str,
    pub color: &'static str,
}

impl NotificationKind {
    pub const fn display(self) -> Display {
        let (name, description, icon, color) = match self {
            Self::DocumentUploaded => (
                "Document uploaded",
                "A document was uploaded to a shipment",
                "upload",
                "blue",
            ),
            Self::DocumentValidated => (
                "Document validated",
                "A document passed validation",
                "check",
                "green",
            ),
            Self::DocumentRejected => ("Document rejected", "A document was rejected", "x", "red"),
            Self::EtaChanged => (
                "ETA changed",
                "A shipment's estimated arrival moved",
                "clock",
                "orange",
            ),
            Self::ShipmentArrived => (
                "Shipment arrived",
                "A shipment arrived at its port of discharge",
                "anchor",
                "green",
            ),
            Self::ShipmentDeparted => (
                "Shipment departed",
                "A shipment left its port of loading",
                "ship",
                "blue",
            ),
            Self::ShipmentDelivered => (
                "Shipment delivered",
                "A shipment was delivered",
                "package",
                "green",
            ),
            Self::ComplianceAlert => (
                "Compliance alert",
                "A compliance check needs attention",
                "alert-triangle",
                "red",
            ),
            Self::ExpiryWarning => (
                "Expiry warning",
                "A document expires soon",
                "calendar",
                "orange",
            ),
            Self::SystemAlert => (
                "System alert",
                "A message from the platform",
                "info",
                "gray",
            ),
        };
        Display {
            name,
            description,
            icon,
            color,
        }
    }
}

/// Whether a member of the shipment's own organization is told of its departure, arrival,
/// delivery and ETA changes: those who act on shipments or review their documents (a
/// viewer, or a supplier's member who only uploads, is not).
pub fn follows_shipment(access: &Access) -> bool {
    access.allows(Permission::ShipmentsUpdate) || access.allows(Permission::DocumentsApprove)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MembershipStatus, OrgRole, OrgType, SystemRole};

    #[test]
    fn the_ten_kinds_round_trip_and_each_has_a_name() {
        assert_eq!(NotificationKind::ALL.len(), 10);
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(kind.as_str()), Ok(kind));
            assert!(!kind.display().name.is_empty());
        }
    }

    #[test]
    fn shipment_followers_are_those_who_act_on_it() {
        let member = |system, org_role| {
            Access::new(
                system,
                org_role,
                OrgType::PlatformOwner,
                MembershipStatus::Active,
            )
        };
        assert!(follows_shipment(&member(SystemRole::Admin, OrgRole::Owner)));
        assert!(follows_shipment(&member(
            SystemRole::LogisticsAgent,
            OrgRole::Manager
        )));
        assert!(follows_shipment(&member(
            SystemRole::Compliance,
            OrgRole::Admin
        )));
        assert!(!follows_shipment(&member(
            SystemRole::Viewer,
            OrgRole::Viewer
        )));
        let suspended = Access::new(
            SystemRole::LogisticsAgent,
            OrgRole::Manager,
            OrgType::PlatformOwner,
            MembershipStatus::Suspended,
        );
        assert!(!follows_shipment(&suspended));
    }
}
