//! The six system roles and the predecessor's permission matrix (reference §2.4, §2.5).

use serde::{Deserialize, Serialize};

use super::{OrgRole, UnknownLabel};

/// A user's global role (`users.role`).
///
/// The API speaks lower case (`logistics_agent`); the database stores the predecessor's
/// UPPER-CASE enum names (`LOGISTICS_AGENT`), because SQLAlchemy persisted member names and
/// revision 001 adopts that schema unchanged. Both spellings are parsed strictly: mixing them
/// up is a bug in the caller, not a user's typo to forgive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemRole {
    Admin,
    Compliance,
    LogisticsAgent,
    Buyer,
    Supplier,
    Viewer,
}

impl SystemRole {
    /// Every role, most powerful first.
    pub const ALL: [SystemRole; 6] = [
        SystemRole::Admin,
        SystemRole::Compliance,
        SystemRole::LogisticsAgent,
        SystemRole::Buyer,
        SystemRole::Supplier,
        SystemRole::Viewer,
    ];

    /// The API spelling, e.g. `logistics_agent`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SystemRole::Admin => "admin",
            SystemRole::Compliance => "compliance",
            SystemRole::LogisticsAgent => "logistics_agent",
            SystemRole::Buyer => "buyer",
            SystemRole::Supplier => "supplier",
            SystemRole::Viewer => "viewer",
        }
    }

    /// The label of the `userrole` database enum, e.g. `LOGISTICS_AGENT`.
    pub const fn db_label(self) -> &'static str {
        match self {
            SystemRole::Admin => "ADMIN",
            SystemRole::Compliance => "COMPLIANCE",
            SystemRole::LogisticsAgent => "LOGISTICS_AGENT",
            SystemRole::Buyer => "BUYER",
            SystemRole::Supplier => "SUPPLIER",
            SystemRole::Viewer => "VIEWER",
        }
    }

    /// A human-readable name for role pickers.
    pub const fn display_name(self) -> &'static str {
        match self {
            SystemRole::Admin => "Administrator",
            SystemRole::Compliance => "Compliance Officer",
            SystemRole::LogisticsAgent => "Logistics Agent",
            SystemRole::Buyer => "Buyer",
            SystemRole::Supplier => "Supplier",
            SystemRole::Viewer => "Viewer",
        }
    }

    /// Parses the API spelling (`logistics_agent`).
    pub fn parse(text: &str) -> Result<Self, UnknownLabel> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| {
                UnknownLabel::new("system role", text, Self::ALL.map(SystemRole::as_str))
            })
    }

    /// Parses the database label (`LOGISTICS_AGENT`).
    pub fn from_db_label(label: &str) -> Result<Self, UnknownLabel> {
        Self::ALL
            .into_iter()
            .find(|role| role.db_label() == label)
            .ok_or_else(|| {
                UnknownLabel::new("userrole label", label, Self::ALL.map(SystemRole::db_label))
            })
    }

    /// Rank in the predecessor's hierarchy: admin 5, compliance 4, logistics_agent 3,
    /// buyer 2, supplier 2, viewer 1. Buyer and supplier share a rank, so roles are not
    /// totally ordered and `SystemRole` deliberately does not implement `Ord`.
    pub const fn level(self) -> u8 {
        match self {
            SystemRole::Admin => 5,
            SystemRole::Compliance => 4,
            SystemRole::LogisticsAgent => 3,
            SystemRole::Buyer | SystemRole::Supplier => 2,
            SystemRole::Viewer => 1,
        }
    }

    /// Whether a user with this role may create, change, deactivate or reset a user holding
    /// `target`: an admin target needs an admin; any other target needs a strictly higher
    /// rank. Admins may therefore manage other admins (and create them), nobody else may
    /// manage their own rank. This is the rank rule only: the caller still needs the
    /// matching `users:*` permission, which only admin holds.
    pub const fn can_manage(self, target: SystemRole) -> bool {
        match target {
            SystemRole::Admin => matches!(self, SystemRole::Admin),
            _ => self.level() > target.level(),
        }
    }

    /// The permissions of this role, in [`Permission::ALL`] order.
    pub const fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            SystemRole::Admin => &Permission::ALL,
            SystemRole::Compliance => &[
                ShipmentsRead,
                ShipmentsList,
                DocumentsRead,
                DocumentsValidate,
                DocumentsApprove,
                DocumentsReject,
                DocumentsTransition,
                TrackingRead,
                TrackingRefresh,
                AuditPackDownload,
            ],
            SystemRole::LogisticsAgent => &[
                ShipmentsCreate,
                ShipmentsRead,
                ShipmentsList,
                ShipmentsUpdate,
                DocumentsCreate,
                DocumentsRead,
                DocumentsUpdate,
                DocumentsUpload,
                TrackingRead,
                TrackingRefresh,
                AuditPackDownload,
            ],
            SystemRole::Buyer => &[
                ShipmentsRead,
                ShipmentsList,
                DocumentsRead,
                TrackingRead,
                AuditPackDownload,
            ],
            SystemRole::Supplier => &[
                ShipmentsRead,
                ShipmentsList,
                DocumentsCreate,
                DocumentsRead,
                DocumentsUpload,
                TrackingRead,
            ],
            SystemRole::Viewer => &[ShipmentsRead, ShipmentsList, DocumentsRead, TrackingRead],
        }
    }

    /// Whether this role's column of the matrix has `permission`.
    pub fn has(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }

    /// The organization role a user with this system role gets when they are enrolled into
    /// an organization without an explicit choice. Mirrors revision 005's
    /// `tracehub_org_role_for` (ADMIN → owner, COMPLIANCE → admin, LOGISTICS_AGENT → manager,
    /// BUYER and SUPPLIER → member, VIEWER → viewer), so a user created by the application
    /// and one migrated from the predecessor end up alike.
    pub const fn default_org_role(self) -> OrgRole {
        match self {
            SystemRole::Admin => OrgRole::Owner,
            SystemRole::Compliance => OrgRole::Admin,
            SystemRole::LogisticsAgent => OrgRole::Manager,
            SystemRole::Buyer | SystemRole::Supplier => OrgRole::Member,
            SystemRole::Viewer => OrgRole::Viewer,
        }
    }
}

/// One cell row of the predecessor's permission matrix, spelled `resource:action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    #[serde(rename = "users:create")]
    UsersCreate,
    #[serde(rename = "users:read")]
    UsersRead,
    #[serde(rename = "users:update")]
    UsersUpdate,
    #[serde(rename = "users:delete")]
    UsersDelete,
    #[serde(rename = "users:list")]
    UsersList,
    #[serde(rename = "shipments:create")]
    ShipmentsCreate,
    #[serde(rename = "shipments:read")]
    ShipmentsRead,
    #[serde(rename = "shipments:list")]
    ShipmentsList,
    #[serde(rename = "shipments:update")]
    ShipmentsUpdate,
    #[serde(rename = "shipments:delete")]
    ShipmentsDelete,
    #[serde(rename = "documents:create")]
    DocumentsCreate,
    #[serde(rename = "documents:read")]
    DocumentsRead,
    #[serde(rename = "documents:update")]
    DocumentsUpdate,
    #[serde(rename = "documents:delete")]
    DocumentsDelete,
    #[serde(rename = "documents:upload")]
    DocumentsUpload,
    #[serde(rename = "documents:validate")]
    DocumentsValidate,
    #[serde(rename = "documents:approve")]
    DocumentsApprove,
    #[serde(rename = "documents:reject")]
    DocumentsReject,
    #[serde(rename = "documents:transition")]
    DocumentsTransition,
    #[serde(rename = "tracking:read")]
    TrackingRead,
    #[serde(rename = "tracking:refresh")]
    TrackingRefresh,
    #[serde(rename = "audit_pack:download")]
    AuditPackDownload,
    #[serde(rename = "system:admin")]
    SystemAdmin,
}

impl Permission {
    /// Every permission, in the order of the reference's matrix.
    pub const ALL: [Permission; 23] = [
        Permission::UsersCreate,
        Permission::UsersRead,
        Permission::UsersUpdate,
        Permission::UsersDelete,
        Permission::UsersList,
        Permission::ShipmentsCreate,
        Permission::ShipmentsRead,
        Permission::ShipmentsList,
        Permission::ShipmentsUpdate,
        Permission::ShipmentsDelete,
        Permission::DocumentsCreate,
        Permission::DocumentsRead,
        Permission::DocumentsUpdate,
        Permission::DocumentsDelete,
        Permission::DocumentsUpload,
        Permission::DocumentsValidate,
        Permission::DocumentsApprove,
        Permission::DocumentsReject,
        Permission::DocumentsTransition,
        Permission::TrackingRead,
        Permission::TrackingRefresh,
        Permission::AuditPackDownload,
        Permission::SystemAdmin,
    ];

    /// The wire spelling, e.g. `shipments:create`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::UsersCreate => "users:create",
            Permission::UsersRead => "users:read",
            Permission::UsersUpdate => "users:update",
            Permission::UsersDelete => "users:delete",
            Permission::UsersList => "users:list",
            Permission::ShipmentsCreate => "shipments:create",
            Permission::ShipmentsRead => "shipments:read",
            Permission::ShipmentsList => "shipments:list",
            Permission::ShipmentsUpdate => "shipments:update",
            Permission::ShipmentsDelete => "shipments:delete",
            Permission::DocumentsCreate => "documents:create",
            Permission::DocumentsRead => "documents:read",
            Permission::DocumentsUpdate => "documents:update",
            Permission::DocumentsDelete => "documents:delete",
            Permission::DocumentsUpload => "documents:upload",
            Permission::DocumentsValidate => "documents:validate",
            Permission::DocumentsApprove => "documents:approve",
            Permission::DocumentsReject => "documents:reject",
            Permission::DocumentsTransition => "documents:transition",
            Permission::TrackingRead => "tracking:read",
            Permission::TrackingRefresh => "tracking:refresh",
            Permission::AuditPackDownload => "audit_pack:download",
            Permission::SystemAdmin => "system:admin",
        }
    }

    /// Parses the wire spelling (exact, lower case).
    pub fn parse(text: &str) -> Result<Self, UnknownLabel> {
        Self::ALL
            .into_iter()
            .find(|permission| permission.as_str() == text)
            .ok_or_else(|| UnknownLabel::new("permission", text, Self::ALL.map(Permission::as_str)))
    }

    /// Whether the permission only reveals data and changes nothing. Downloading an audit
    /// pack is a read: it packages what `shipments:read` and `documents:read` already show.
    pub const fn is_read(self) -> bool {
        matches!(
            self,
            Permission::UsersRead
                | Permission::UsersList
                | Permission::ShipmentsRead
                | Permission::ShipmentsList
                | Permission::DocumentsRead
                | Permission::TrackingRead
                | Permission::AuditPackDownload
        )
    }
}

/// The reference's matrix, transcribed row by row so that tests compare the implementation
/// (written column by column) with an independent copy. Columns: admin, compliance,
/// logistics_agent, buyer, supplier, viewer; `X` = granted.
#[cfg(test)]
pub(crate) const EXPECTED_MATRIX: [(&str, &str); 23] = [
    ("users:create", "X....."),
    ("users:read", "X....."),
    ("users:update", "X....."),
    ("users:delete", "X....."),
    ("users:list", "X....."),
    ("shipments:create", "X.X..."),
    ("shipments:read", "XXXXXX"),
    ("shipments:list", "XXXXXX"),
    ("shipments:update", "X.X..."),
    ("shipments:delete", "X....."),
    ("documents:create", "X.X.X."),
    ("documents:read", "XXXXXX"),
    ("documents:update", "X.X..."),
    ("documents:delete", "X....."),
    ("documents:upload", "X.X.X."),
    ("documents:validate", "XX...."),
    ("documents:approve", "XX...."),
    ("documents:reject", "XX...."),
    ("documents:transition", "XX...."),
    ("tracking:read", "XXXXXX"),
    ("tracking:refresh", "XXX..."),
    ("audit_pack:download", "XXXX.."),
    ("system:admin", "X....."),
];

/// Looks a cell up in [`EXPECTED_MATRIX`] by the API spellings.
#[cfg(test)]
pub(crate) fn expected_grant(role: &str, permission: &str) -> bool {
    let column = [
        "admin",
        "compliance",
        "logistics_agent",
        "buyer",
        "supplier",
        "viewer",
    ]
    .iter()
    .position(|name| *name == role)
    .expect("a role of the matrix");
    let (_, cells) = EXPECTED_MATRIX
        .iter()
        .find(|(name, _)| *name == permission)
        .expect("a permission of the matrix");
    cells.as_bytes()[column] == b'X'
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_cell_of_the_matrix_matches_the_reference() {
        assert_eq!(Permission::ALL.len(), EXPECTED_MATRIX.len());
        for role in SystemRole::ALL {
            for permission in Permission::ALL {
                assert_eq!(
                    role.has(permission),
                    expected_grant(role.as_str(), permission.as_str()),
                    "{role} / {permission}"
                );
            }
        }
    }

    #[test]
    fn the_transcribed_matrix_covers_every_permission_once() {
        let names: HashSet<&str> = EXPECTED_MATRIX.iter().map(|(name, _)| *name).collect();
        let all: HashSet<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(names, all);
        assert_eq!(names.len(), 23);
    }

    #[test]
    fn permission_counts_per_role_are_the_documented_ones() {
        let counts: Vec<(SystemRole, usize)> = SystemRole::ALL
            .iter()
            .map(|role| (*role, role.permissions().len()))
            .collect();
        assert_eq!(
            counts,
            vec![
                (SystemRole::Admin, 23),
                (SystemRole::Compliance, 10),
                (SystemRole::LogisticsAgent, 11),
                (SystemRole::Buyer, 5),
                (SystemRole::Supplier, 6),
                (SystemRole::Viewer, 4),
            ]
        );
    }

    #[test]
    fn role_permission_lists_are_sorted_and_free_of_duplicates() {
        for role in SystemRole::ALL {
            let list = role.permissions();
            assert!(list.windows(2).all(|pair| pair[0] < pair[1]), "{role}");
        }
        assert!(Permission::ALL.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn every_role_round_trips_through_both_spellings_and_serde() {
        let api = [
            "admin",
            "compliance",
            "logistics_agent",
            "buyer",
            "supplier",
            "viewer",
        ];
        let db = [
            "ADMIN",
            "COMPLIANCE",
            "LOGISTICS_AGENT",
            "BUYER",
            "SUPPLIER",
            "VIEWER",
        ];
        for ((role, api), db) in SystemRole::ALL.into_iter().zip(api).zip(db) {
            assert_eq!(role.as_str(), api);
            assert_eq!(role.db_label(), db);
            assert_eq!(SystemRole::parse(api), Ok(role));
            assert_eq!(api.parse::<SystemRole>(), Ok(role));
            assert_eq!(SystemRole::from_db_label(db), Ok(role));
            assert_eq!(role.to_string(), api);
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{api}\""));
            assert_eq!(serde_json::from_str::<SystemRole>(&json).unwrap(), role);
        }
    }

    #[test]
    fn the_two_spellings_are_not_interchangeable() {
        assert!(SystemRole::parse("ADMIN").is_err());
        assert!(SystemRole::from_db_label("admin").is_err());
        assert!(SystemRole::parse(" admin").is_err());
        assert!(SystemRole::parse("").is_err());
        assert!(SystemRole::parse("system_admin").is_err());
        let error = SystemRole::parse("superuser").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown system role \"superuser\"; expected one of: admin, compliance, \
             logistics_agent, buyer, supplier, viewer"
        );
    }

    #[test]
    fn levels_follow_the_reference() {
        let levels: Vec<u8> = SystemRole::ALL.iter().map(|role| role.level()).collect();
        assert_eq!(levels, vec![5, 4, 3, 2, 2, 1]);
    }

    #[test]
    fn can_manage_every_pair() {
        use SystemRole::*;
        // Rows: the manager; columns: the target, in ALL order.
        let expected: [(SystemRole, [bool; 6]); 6] = [
            (Admin, [true, true, true, true, true, true]),
            (Compliance, [false, false, true, true, true, true]),
            (LogisticsAgent, [false, false, false, true, true, true]),
            (Buyer, [false, false, false, false, false, true]),
            (Supplier, [false, false, false, false, false, true]),
            (Viewer, [false, false, false, false, false, false]),
        ];
        for (manager, row) in expected {
            for (target, allowed) in SystemRole::ALL.into_iter().zip(row) {
                assert_eq!(manager.can_manage(target), allowed, "{manager} → {target}");
            }
        }
    }

    #[test]
    fn every_permission_round_trips() {
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.as_str()), Ok(permission));
            assert_eq!(permission.to_string(), permission.as_str());
            let json = serde_json::to_string(&permission).unwrap();
            assert_eq!(json, format!("\"{}\"", permission.as_str()));
            assert_eq!(
                serde_json::from_str::<Permission>(&json).unwrap(),
                permission
            );
        }
        assert!(Permission::parse("Shipments:Create").is_err());
        assert!(Permission::parse("shipments:view").is_err());
        assert!(Permission::parse("shipments").is_err());
    }

    #[test]
    fn reads_are_exactly_the_permissions_that_change_nothing() {
        let reads: Vec<&str> = Permission::ALL
            .iter()
            .filter(|p| p.is_read())
            .map(|p| p.as_str())
            .collect();
        assert_eq!(
            reads,
            vec![
                "users:read",
                "users:list",
                "shipments:read",
                "shipments:list",
                "documents:read",
                "tracking:read",
                "audit_pack:download",
            ]
        );
    }

    #[test]
    fn default_org_roles_mirror_revision_005() {
        let mapped: Vec<(&str, &str)> = SystemRole::ALL
            .iter()
            .map(|role| (role.db_label(), role.default_org_role().as_str()))
            .collect();
        assert_eq!(
            mapped,
            vec![
                ("ADMIN", "owner"),
                ("COMPLIANCE", "admin"),
                ("LOGISTICS_AGENT", "manager"),
                ("BUYER", "member"),
                ("SUPPLIER", "member"),
                ("VIEWER", "viewer"),
            ]
        );
    }
}
