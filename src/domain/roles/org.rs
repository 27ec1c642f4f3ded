//! Organization roles, organization types and organization-scoped permissions
//! (reference §2.6, §3; database revision 003).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::UnknownLabel;

/// A member's role inside one organization (`org_memberships.role`, enum `org_role`).
///
/// Ordered by rank: owner > admin > manager > member > viewer. The predecessor's code knew
/// only admin … viewer; revision 003 (like the predecessor's own migration 003) adds owner
/// on top, and owner holds everything admin holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    Owner,
    Admin,
    Manager,
    Member,
    Viewer,
}

impl OrgRole {
    /// Every role, highest rank first.
    pub const ALL: [OrgRole; 5] = [
        OrgRole::Owner,
        OrgRole::Admin,
        OrgRole::Manager,
        OrgRole::Member,
        OrgRole::Viewer,
    ];

    /// The label shared by the API and the database, e.g. `manager`.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrgRole::Owner => "owner",
            OrgRole::Admin => "admin",
            OrgRole::Manager => "manager",
            OrgRole::Member => "member",
            OrgRole::Viewer => "viewer",
        }
    }

    /// Parses the label (exact, lower case).
    pub fn parse(text: &str) -> Result<Self, UnknownLabel> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| {
                UnknownLabel::new("organization role", text, Self::ALL.map(OrgRole::as_str))
            })
    }

    /// Rank: owner 5, admin 4, manager 3, member 2, viewer 1 (the predecessor's 1–4 with
    /// owner added on top).
    pub const fn level(self) -> u8 {
        match self {
            OrgRole::Owner => 5,
            OrgRole::Admin => 4,
            OrgRole::Manager => 3,
            OrgRole::Member => 2,
            OrgRole::Viewer => 1,
        }
    }

    /// Whether a member with this role may change or remove a member holding `target`:
    /// only roles strictly below one's own, so an owner manages admins but not other
    /// owners, and nobody promotes a peer to their own rank. This is the rank rule only:
    /// the caller still needs `members:manage` / `members:remove` (see
    /// [`crate::domain::access::Access::can_manage_member`]).
    pub fn can_manage(self, target: OrgRole) -> bool {
        self > target
    }

    /// Whether the organization-type bonus applies: the reference grants it to admins and
    /// managers; an owner counts as an admin.
    const fn receives_type_bonus(self) -> bool {
        matches!(self, OrgRole::Owner | OrgRole::Admin | OrgRole::Manager)
    }
}

impl Ord for OrgRole {
    fn cmp(&self, other: &Self) -> Ordering {
        self.level().cmp(&other.level())
    }
}

impl PartialOrd for OrgRole {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What kind of party an organization is (`organizations.type`, enum `organization_type`).
///
/// `platform_owner` is the exporter running the platform (VIBOTAJ); the predecessor's models
/// called it `vibotaj`, its ADR `platform_owner`. We store the ADR's name and do not accept
/// the old one: no stored data ever used it (the predecessor never wired organizations in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgType {
    PlatformOwner,
    Buyer,
    Supplier,
    LogisticsAgent,
}

impl OrgType {
    /// Every organization type.
    pub const ALL: [OrgType; 4] = [
        OrgType::PlatformOwner,
        OrgType::Buyer,
        OrgType::Supplier,
        OrgType::LogisticsAgent,
    ];

    /// The label shared by the API and the database, e.g. `platform_owner`.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrgType::PlatformOwner => "platform_owner",
            OrgType::Buyer => "buyer",
            OrgType::Supplier => "supplier",
            OrgType::LogisticsAgent => "logistics_agent",
        }
    }

    /// Parses the label (exact, lower case).
    pub fn parse(text: &str) -> Result<Self, UnknownLabel> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                UnknownLabel::new("organization type", text, Self::ALL.map(OrgType::as_str))
            })
    }

    /// Permissions that admins and managers of this type get on top of their role's
    /// (reference §2.6): the platform owner and buyers review documents, the platform owner
    /// also manages compliance settings, logistics agents refresh tracking.
    const fn bonus_permissions(self) -> &'static [OrgPermission] {
        match self {
            OrgType::PlatformOwner => &[
                OrgPermission::DocumentsValidate,
                OrgPermission::DocumentsApprove,
                OrgPermission::ComplianceManage,
            ],
            OrgType::Buyer => &[
                OrgPermission::DocumentsValidate,
                OrgPermission::DocumentsApprove,
            ],
            OrgType::Supplier => &[],
            OrgType::LogisticsAgent => &[OrgPermission::TrackingRefresh],
        }
    }
}

/// A permission inside one organization, spelled `resource:action` (reference §2.6).
///
/// These govern the organization's own affairs (members, invitations, settings) and are
/// reported to clients in the session context. Note the different verbs from the system
/// [`Permission`](super::Permission)s: `shipments:view` here, `shipments:read` there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OrgPermission {
    #[serde(rename = "members:view")]
    MembersView,
    #[serde(rename = "members:invite")]
    MembersInvite,
    #[serde(rename = "members:manage")]
    MembersManage,
    #[serde(rename = "members:remove")]
    MembersRemove,
    #[serde(rename = "settings:view")]
    SettingsView,
    #[serde(rename = "settings:manage")]
    SettingsManage,
    #[serde(rename = "shipments:view")]
    ShipmentsView,
    #[serde(rename = "shipments:create")]
    ShipmentsCreate,
    #[serde(rename = "shipments:update")]
    ShipmentsUpdate,
    #[serde(rename = "shipments:delete")]
    ShipmentsDelete,
    #[serde(rename = "documents:view")]
    DocumentsView,
    #[serde(rename = "documents:upload")]
    DocumentsUpload,
    #[serde(rename = "documents:validate")]
    DocumentsValidate,
    #[serde(rename = "documents:approve")]
    DocumentsApprove,
    #[serde(rename = "documents:delete")]
    DocumentsDelete,
    #[serde(rename = "tracking:view")]
    TrackingView,
    #[serde(rename = "tracking:refresh")]
    TrackingRefresh,
    #[serde(rename = "invitations:view")]
    InvitationsView,
    #[serde(rename = "invitations:create")]
    InvitationsCreate,
    #[serde(rename = "invitations:revoke")]
    InvitationsRevoke,
    #[serde(rename = "audit:view")]
    AuditView,
    #[serde(rename = "audit:export")]
    AuditExport,
    #[serde(rename = "compliance:view")]
    ComplianceView,
    #[serde(rename = "compliance:manage")]
    ComplianceManage,
}

impl OrgPermission {
    /// Every organization permission, in the order of the reference's table.
    pub const ALL: [OrgPermission; 24] = [
        OrgPermission::MembersView,
        OrgPermission::MembersInvite,
        OrgPermission::MembersManage,
        OrgPermission::MembersRemove,
        OrgPermission::SettingsView,
        OrgPermission::SettingsManage,
        OrgPermission::ShipmentsView,
        OrgPermission::ShipmentsCreate,
        OrgPermission::ShipmentsUpdate,
        OrgPermission::ShipmentsDelete,
        OrgPermission::DocumentsView,
        OrgPermission::DocumentsUpload,
        OrgPermission::DocumentsValidate,
        OrgPermission::DocumentsApprove,
        OrgPermission::DocumentsDelete,
        OrgPermission::TrackingView,
        OrgPermission::TrackingRefresh,
        OrgPermission::InvitationsView,
        OrgPermission::InvitationsCreate,
        OrgPermission::InvitationsRevoke,
        OrgPermission::AuditView,
        OrgPermission::AuditExport,
        OrgPermission::ComplianceView,
        OrgPermission::ComplianceManage,
    ];

    /// The wire spelling, e.g. `members:invite`.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrgPermission::MembersView => "members:view",
            OrgPermission::MembersInvite => "members:invite",
            OrgPermission::MembersManage => "members:manage",
            OrgPermission::MembersRemove => "members:remove",
            OrgPermission::SettingsView => "settings:view",
            OrgPermission::SettingsManage => "settings:manage",
            OrgPermission::ShipmentsView => "shipments:view",
            OrgPermission::ShipmentsCreate => "shipments:create",
            OrgPermission::ShipmentsUpdate => "shipments:update",
            OrgPermission::ShipmentsDelete => "shipments:delete",
            OrgPermission::DocumentsView => "documents:view",
            OrgPermission::DocumentsUpload => "documents:upload",
            OrgPermission::DocumentsValidate => "documents:validate",
            OrgPermission::DocumentsApprove => "documents:approve",
            OrgPermission::DocumentsDelete => "documents:delete",
            OrgPermission::TrackingView => "tracking:view",
            OrgPermission::TrackingRefresh => "tracking:refresh",
            OrgPermission::InvitationsView => "invitations:view",
            OrgPermission::InvitationsCreate => "invitations:create",
            OrgPermission::InvitationsRevoke => "invitations:revoke",
            OrgPermission::AuditView => "audit:view",
            OrgPermission::AuditExport => "audit:export",
            OrgPermission::ComplianceView => "compliance:view",
            OrgPermission::ComplianceManage => "compliance:manage",
        }
    }

    /// Parses the wire spelling (exact, lower case).
    pub fn parse(text: &str) -> Result<Self, UnknownLabel> {
        Self::ALL
            .into_iter()
            .find(|permission| permission.as_str() == text)
            .ok_or_else(|| {
                UnknownLabel::new(
                    "organization permission",
                    text,
                    Self::ALL.map(OrgPermission::as_str),
                )
            })
    }
}

/// What each role holds in any organization, before the type bonus.
const fn base_org_permissions(role: OrgRole) -> &'static [OrgPermission] {
    use OrgPermission::*;
    match role {
        // Owner ⊇ admin, and admin already holds everything.
        OrgRole::Owner | OrgRole::Admin => &OrgPermission::ALL,
        OrgRole::Manager => &[
            MembersView,
            MembersInvite,
            SettingsView,
            ShipmentsView,
            ShipmentsCreate,
            ShipmentsUpdate,
            DocumentsView,
            DocumentsUpload,
            DocumentsValidate,
            DocumentsApprove,
            TrackingView,
            TrackingRefresh,
            InvitationsView,
            InvitationsCreate,
            AuditView,
            AuditExport,
            ComplianceView,
        ],
        OrgRole::Member => &[
            MembersView,
            SettingsView,
            ShipmentsView,
            ShipmentsCreate,
            DocumentsView,
            DocumentsUpload,
            TrackingView,
            TrackingRefresh,
            InvitationsView,
            AuditView,
            ComplianceView,
        ],
        OrgRole::Viewer => &[
            MembersView,
            SettingsView,
            ShipmentsView,
            DocumentsView,
            TrackingView,
            InvitationsView,
            AuditView,
            ComplianceView,
        ],
    }
}

/// The organization permissions of `role` in an organization of type `org_type`, in
/// [`OrgPermission::ALL`] order: the role's base set plus, for owners, admins and managers,
/// the type bonus. In effect only a platform-owner manager gains something
/// (`compliance:manage`); the other bonuses are already in the manager's base set.
pub fn org_permissions(role: OrgRole, org_type: OrgType) -> Vec<OrgPermission> {
    let base = base_org_permissions(role);
    let bonus: &[OrgPermission] = if role.receives_type_bonus() {
        org_type.bonus_permissions()
    } else {
        &[]
    };
    OrgPermission::ALL
        .into_iter()
        .filter(|permission| base.contains(permission) || bonus.contains(permission))
        .collect()
}

/// The reference's §2.6 table transcribed row by row, with owner added as a copy of
/// admin. Columns: owner, admin, manager, member, viewer.
#[cfg(test)]
const EXPECTED_BASE: [(&str, &str); 24] = [
    ("members:view", "XXXXX"),
    ("members:invite", "XXX.."),
    ("members:manage", "XX..."),
    ("members:remove", "XX..."),
    ("settings:view", "XXXXX"),
    ("settings:manage", "XX..."),
    ("shipments:view", "XXXXX"),
    ("shipments:create", "XXXX."),
    ("shipments:update", "XXX.."),
    ("shipments:delete", "XX..."),
    ("documents:view", "XXXXX"),
    ("documents:upload", "XXXX."),
    ("documents:validate", "XXX.."),
    ("documents:approve", "XXX.."),
    ("documents:delete", "XX..."),
    ("tracking:view", "XXXXX"),
    ("tracking:refresh", "XXXX."),
    ("invitations:view", "XXXXX"),
    ("invitations:create", "XXX.."),
    ("invitations:revoke", "XX..."),
    ("audit:view", "XXXXX"),
    ("audit:export", "XXX.."),
    ("compliance:view", "XXXXX"),
    ("compliance:manage", "XX..."),
];

/// Cells the type bonus adds to the base table: (type, role, permission).
#[cfg(test)]
const EXPECTED_BONUS_CELLS: [(&str, &str, &str); 1] =
    [("platform_owner", "manager", "compliance:manage")];

#[cfg(test)]
pub(crate) fn expected_cell(org_type: &str, role: &str, permission: &str) -> bool {
    let column = ["owner", "admin", "manager", "member", "viewer"]
        .iter()
        .position(|name| *name == role)
        .unwrap();
    let (_, cells) = EXPECTED_BASE
        .iter()
        .find(|(name, _)| *name == permission)
        .unwrap();
    cells.as_bytes()[column] == b'X' || EXPECTED_BONUS_CELLS.contains(&(org_type, role, permission))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_for_every_organization_type() {
        let mut cells = 0;
        for org_type in OrgType::ALL {
            for role in OrgRole::ALL {
                let granted = org_permissions(role, org_type);
                for permission in OrgPermission::ALL {
                    assert_eq!(
                        granted.contains(&permission),
                        expected_cell(org_type.as_str(), role.as_str(), permission.as_str()),
                        "{org_type} / {role} / {permission}"
                    );
                    cells += 1;
                }
            }
        }
        assert_eq!(cells, 4 * 5 * 24);
    }

    #[test]
    fn counts_match_the_reference() {
        // Reference: admin 24, manager 17, member 11, viewer 8 (before bonuses).
        let counts = |org_type| -> Vec<usize> {
            OrgRole::ALL
                .iter()
                .map(|role| org_permissions(*role, org_type).len())
                .collect()
        };
        assert_eq!(counts(OrgType::Supplier), vec![24, 24, 17, 11, 8]);
        assert_eq!(counts(OrgType::Buyer), vec![24, 24, 17, 11, 8]);
        assert_eq!(counts(OrgType::LogisticsAgent), vec![24, 24, 17, 11, 8]);
        assert_eq!(counts(OrgType::PlatformOwner), vec![24, 24, 18, 11, 8]);
    }

    #[test]
    fn higher_roles_hold_everything_lower_roles_hold() {
        for org_type in OrgType::ALL {
            for higher in OrgRole::ALL {
                for lower in OrgRole::ALL.into_iter().filter(|lower| *lower < higher) {
                    let high = org_permissions(higher, org_type);
                    for permission in org_permissions(lower, org_type) {
                        assert!(high.contains(&permission), "{org_type}: {higher} ⊇ {lower}");
                    }
                }
            }
        }
    }

    #[test]
    fn bonuses_never_reach_members_or_viewers() {
        for org_type in OrgType::ALL {
            assert_eq!(
                org_permissions(OrgRole::Member, org_type),
                base_org_permissions(OrgRole::Member)
            );
            assert_eq!(
                org_permissions(OrgRole::Viewer, org_type),
                base_org_permissions(OrgRole::Viewer)
            );
        }
    }

    #[test]
    fn bonus_lists_are_the_reference_ones() {
        let names = |org_type: OrgType| -> Vec<&str> {
            org_type
                .bonus_permissions()
                .iter()
                .map(|p| p.as_str())
                .collect()
        };
        assert_eq!(
            names(OrgType::PlatformOwner),
            vec![
                "documents:validate",
                "documents:approve",
                "compliance:manage"
            ]
        );
        assert_eq!(
            names(OrgType::Buyer),
            vec!["documents:validate", "documents:approve"]
        );
        assert!(names(OrgType::Supplier).is_empty());
        assert_eq!(names(OrgType::LogisticsAgent), vec!["tracking:refresh"]);
    }

    #[test]
    fn roles_are_ordered_by_rank() {
        use OrgRole::*;
        assert!(Owner > Admin && Admin > Manager && Manager > Member && Member > Viewer);
        let mut shuffled = vec![Member, Owner, Viewer, Admin, Manager];
        shuffled.sort();
        assert_eq!(shuffled, vec![Viewer, Member, Manager, Admin, Owner]);
        let levels: Vec<u8> = OrgRole::ALL.iter().map(|role| role.level()).collect();
        assert_eq!(levels, vec![5, 4, 3, 2, 1]);
    }

    #[test]
    fn can_manage_every_pair() {
        use OrgRole::*;
        // Rows: the acting role; columns: the target, in ALL order (owner … viewer).
        let expected: [(OrgRole, [bool; 5]); 5] = [
            (Owner, [false, true, true, true, true]),
            (Admin, [false, false, true, true, true]),
            (Manager, [false, false, false, true, true]),
            (Member, [false, false, false, false, true]),
            (Viewer, [false, false, false, false, false]),
        ];
        for (actor, row) in expected {
            for (target, allowed) in OrgRole::ALL.into_iter().zip(row) {
                assert_eq!(actor.can_manage(target), allowed, "{actor} → {target}");
            }
        }
    }

    #[test]
    fn labels_round_trip() {
        let roles = ["owner", "admin", "manager", "member", "viewer"];
        for (role, label) in OrgRole::ALL.into_iter().zip(roles) {
            assert_eq!(role.as_str(), label);
            assert_eq!(OrgRole::parse(label), Ok(role));
            assert_eq!(label.parse::<OrgRole>(), Ok(role));
            assert_eq!(
                serde_json::to_string(&role).unwrap(),
                format!("\"{label}\"")
            );
            assert_eq!(
                serde_json::from_str::<OrgRole>(&format!("\"{label}\"")).unwrap(),
                role
            );
        }
        let types = ["platform_owner", "buyer", "supplier", "logistics_agent"];
        for (org_type, label) in OrgType::ALL.into_iter().zip(types) {
            assert_eq!(org_type.as_str(), label);
            assert_eq!(OrgType::parse(label), Ok(org_type));
            assert_eq!(
                serde_json::to_string(&org_type).unwrap(),
                format!("\"{label}\"")
            );
            assert_eq!(
                serde_json::from_str::<OrgType>(&format!("\"{label}\"")).unwrap(),
                org_type
            );
        }
        for permission in OrgPermission::ALL {
            assert_eq!(OrgPermission::parse(permission.as_str()), Ok(permission));
            let json = serde_json::to_string(&permission).unwrap();
            assert_eq!(json, format!("\"{}\"", permission.as_str()));
            assert_eq!(
                serde_json::from_str::<OrgPermission>(&json).unwrap(),
                permission
            );
        }
    }

    #[test]
    fn unknown_and_legacy_labels_are_rejected() {
        assert!(OrgRole::parse("Owner").is_err());
        assert!(OrgRole::parse("super_admin").is_err());
        // The predecessor's model and migration spellings never reached a database we adopt.
        for legacy in [
            "vibotaj",
            "internal",
            "customer",
            "partner",
            "PLATFORM_OWNER",
            "",
        ] {
            assert!(OrgType::parse(legacy).is_err(), "{legacy}");
        }
        assert!(OrgPermission::parse("shipments:read").is_err());
        assert_eq!(
            OrgType::parse("vibotaj").unwrap_err().to_string(),
            "unknown organization type \"vibotaj\"; expected one of: platform_owner, buyer, \
             supplier, logistics_agent"
        );
    }

    #[test]
    fn the_permission_list_has_24_distinct_sorted_entries() {
        assert_eq!(OrgPermission::ALL.len(), 24);
        assert!(OrgPermission::ALL.windows(2).all(|pair| pair[0] < pair[1]));
        for role in OrgRole::ALL {
            let list = base_org_permissions(role);
            assert!(list.windows(2).all(|pair| pair[0] < pair[1]), "{role}");
        }
    }
}
