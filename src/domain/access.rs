//! The effective access decision for one request: the user's system role combined with
//! their standing in the organization the request runs in.
//!
//! # The rule
//!
//! A request needing a system [`Permission`] is allowed when **all** of these hold, checked
//! in this order (the first failing one is the [`Decision`]):
//!
//! 1. **The membership is active.** A suspended member gets nothing, whatever their roles.
//! 2. **The system role grants the permission** (the predecessor's matrix,
//!    [`SystemRole::permissions`]). Organization roles never add system permissions: being
//!    an organization owner does not make a viewer able to upload.
//! 3. **`system:admin` needs a platform admin**: system role admin, in the platform-owner
//!    organization, with organization role owner or admin, membership active. A system admin
//!    who works inside a supplier's or a buyer's organization administers nothing
//!    platform-wide from there.
//! 4. **A buyer organization is read-only.** Its members get at most `shipments:read`,
//!    `shipments:list`, `documents:read`, `tracking:read` and `audit_pack:download` (each
//!    only if their system role has it). Which shipments they see — those assigned to their
//!    organization — is decided by row-level security, not here.
//! 5. **An organization viewer only reads** ([`Permission::is_read`]).
//!
//! Supplier and logistics-agent organizations add no restriction of their own: there the
//! system role decides, and row-level security confines every query to the organization.
//!
//! Organization permissions ([`OrgPermission`], for members, invitations, settings) follow
//! the same spirit in [`Access::allows_org`]: nothing for a suspended member; otherwise
//! [`org_permissions`] for the role and type, except that in a buyer organization the
//! permissions that would write shipment data (create/update/delete shipments, upload,
//! validate, approve or delete documents, refresh tracking) are withheld — the reference's
//! buyer bonus (`documents:approve`, `documents:validate`) conflicts with the product's
//! "buyers see their shipments read-only", and the product wins.
//!
//! Everything here is a pure function of four enum values, so the whole space (6 system
//! roles × 5 organization roles × 4 organization types × 2 membership states × every
//! permission) is tested exhaustively against an independently written oracle.

use serde::Serialize;

use super::roles::{
    org_permissions, MembershipStatus, OrgPermission, OrgRole, OrgType, Permission, SystemRole,
};

/// The reads a buyer organization's members may be granted.
const BUYER_ORGANIZATION_READS: [Permission; 5] = [
    Permission::ShipmentsRead,
    Permission::ShipmentsList,
    Permission::DocumentsRead,
    Permission::TrackingRead,
    Permission::AuditPackDownload,
];

/// The outcome of [`Access::decide`], naming the rule that refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allowed,
    /// Rule 1: the membership is suspended.
    MembershipSuspended,
    /// Rule 2: the user's system role lacks the permission.
    NotGrantedToSystemRole,
    /// Rule 3: `system:admin` outside a platform-admin context.
    PlatformAdminOnly,
    /// Rule 4: a write in a buyer organization.
    BuyerOrganizationReadOnly,
    /// Rule 5: a write by an organization viewer.
    OrganizationViewerReadOnly,
}

impl Decision {
    /// Whether the request may proceed.
    pub const fn is_allowed(self) -> bool {
        matches!(self, Decision::Allowed)
    }
}

/// Who is asking, inside which organization. Built once per request from the session
/// (token → user → current membership → organization), then consulted by every check.
///
/// The fields are private so that `is_platform_admin` can only be derived, never claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Access {
    system_role: SystemRole,
    org_role: OrgRole,
    org_type: OrgType,
    membership_status: MembershipStatus,
    is_platform_admin: bool,
}

impl Access {
    pub fn new(
        system_role: SystemRole,
        org_role: OrgRole,
        org_type: OrgType,
        membership_status: MembershipStatus,
    ) -> Self {
        let is_platform_admin = membership_status.is_active()
            && system_role == SystemRole::Admin
            && org_type == OrgType::PlatformOwner
            && org_role >= OrgRole::Admin;
        Self {
            system_role,
            org_role,
            org_type,
            membership_status,
            is_platform_admin,
        }
    }

    pub fn system_role(&self) -> SystemRole {
        self.system_role
    }

    pub fn org_role(&self) -> OrgRole {
        self.org_role
    }

    pub fn org_type(&self) -> OrgType {
        self.org_type
    }

    pub fn membership_status(&self) -> MembershipStatus {
        self.membership_status
    }

    /// System admin, acting in the platform-owner organization as its owner or admin, with
    /// an active membership: the only context in which platform-wide operations (creating
    /// or deleting organizations, `system:admin`) are allowed.
    pub fn is_platform_admin(&self) -> bool {
        self.is_platform_admin
    }

    /// Applies the module's rules to one system permission.
    pub fn decide(&self, permission: Permission) -> Decision {
        if !self.membership_status.is_active() {
            Decision::MembershipSuspended
        } else if !self.system_role.has(permission) {
            Decision::NotGrantedToSystemRole
        } else if permission == Permission::SystemAdmin && !self.is_platform_admin {
            Decision::PlatformAdminOnly
        } else if self.org_type == OrgType::Buyer && !BUYER_ORGANIZATION_READS.contains(&permission)
        {
            Decision::BuyerOrganizationReadOnly
        } else if self.org_role == OrgRole::Viewer && !permission.is_read() {
            Decision::OrganizationViewerReadOnly
        } else {
            Decision::Allowed
        }
    }

    /// Whether the request may use `permission`.
    pub fn allows(&self, permission: Permission) -> bool {
        self.decide(permission).is_allowed()
    }

    /// Every system permission this access allows, in [`Permission::ALL`] order (for the
    /// session context and the UI).
    pub fn permissions(&self) -> Vec<Permission> {
        Permission::ALL
            .into_iter()
            .filter(|permission| self.allows(*permission))
            .collect()
    }

    /// Whether the member may use an organization permission (see the module docs).
    pub fn allows_org(&self, permission: OrgPermission) -> bool {
        self.membership_status.is_active()
            && !(self.org_type == OrgType::Buyer && writes_shipment_data(permission))
            && org_permissions(self.org_role, self.org_type).contains(&permission)
    }

    /// Whether the member may read the organization's audit log: `audit:view` held by an
    /// owner, admin or manager (revision 017's policy shows the rows to exactly those), or a
    /// platform admin. The Sprint 8 matrix also lists `audit:view` for members and viewers;
    /// the log names who did what to whom, so it stays with the people who manage.
    pub fn may_read_audit_log(&self) -> bool {
        self.is_platform_admin
            || (self.allows_org(OrgPermission::AuditView) && self.org_role >= OrgRole::Manager)
    }

    /// Every organization permission this access allows, in [`OrgPermission::ALL`] order.
    pub fn org_permissions(&self) -> Vec<OrgPermission> {
        OrgPermission::ALL
            .into_iter()
            .filter(|permission| self.allows_org(*permission))
            .collect()
    }

    /// Whether the member may change the role or status of, or remove, a member of this
    /// organization holding `target`. A platform admin may manage any role (the reference's
    /// "system admin manages any role"); anyone else needs `members:manage` and a rank
    /// strictly above the target's.
    pub fn can_manage_member(&self, target: OrgRole) -> bool {
        self.is_platform_admin
            || (self.allows_org(OrgPermission::MembersManage) && self.org_role.can_manage(target))
    }
}

/// Organization permissions that change shipments, documents or tracking.
const fn writes_shipment_data(permission: OrgPermission) -> bool {
    matches!(
        permission,
        OrgPermission::ShipmentsCreate
            | OrgPermission::ShipmentsUpdate
            | OrgPermission::ShipmentsDelete
            | OrgPermission::DocumentsUpload
            | OrgPermission::DocumentsValidate
            | OrgPermission::DocumentsApprove
            | OrgPermission::DocumentsDelete
            | OrgPermission::TrackingRefresh
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An independent statement of the module's rules, over the wire spellings and the
    /// transcribed matrix rather than the enums' methods.
    fn oracle(
        system: &str,
        org_role: &str,
        org_type: &str,
        status: &str,
        permission: &str,
    ) -> bool {
        if status != "active" {
            return false;
        }
        let matrix_grants = crate::domain::roles::system_matrix_cell(system, permission);
        let is_read = permission.ends_with(":read")
            || permission.ends_with(":list")
            || permission == "audit_pack:download";
        let platform_admin = system == "admin"
            && org_type == "platform_owner"
            && (org_role == "owner" || org_role == "admin");
        match (matrix_grants, permission, org_type, org_role) {
            (false, _, _, _) => false,
            (true, "system:admin", _, _) => platform_admin,
            (true, _, "buyer", _) => is_read && !permission.starts_with("users:"),
            (true, _, _, "viewer") => is_read,
            (true, _, _, _) => true,
        }
    }

    fn every_access() -> Vec<Access> {
        let mut all = Vec::new();
        for system in SystemRole::ALL {
            for org_role in OrgRole::ALL {
                for org_type in OrgType::ALL {
                    for status in MembershipStatus::ALL {
                        all.push(Access::new(system, org_role, org_type, status));
                    }
                }
            }
        }
        all
    }

    #[test]
    fn allows_matches_the_oracle_in_every_combination() {
        let mut cells = 0;
        for access in every_access() {
            for permission in Permission::ALL {
                let expected = oracle(
                    access.system_role().as_str(),
                    access.org_role().as_str(),
                    access.org_type().as_str(),
                    access.membership_status().as_str(),
                    permission.as_str(),
                );
                assert_eq!(
                    access.allows(permission),
                    expected,
                    "{access:?} / {permission}"
                );
                cells += 1;
            }
        }
        assert_eq!(cells, 6 * 5 * 4 * 2 * 23);
    }

    #[test]
    fn every_denial_names_a_rule_that_really_applies() {
        for access in every_access() {
            for permission in Permission::ALL {
                let holds = match access.decide(permission) {
                    Decision::Allowed => true,
                    Decision::MembershipSuspended => {
                        access.membership_status() == MembershipStatus::Suspended
                    }
                    Decision::NotGrantedToSystemRole => !access.system_role().has(permission),
                    Decision::PlatformAdminOnly => permission == Permission::SystemAdmin,
                    Decision::BuyerOrganizationReadOnly => access.org_type() == OrgType::Buyer,
                    Decision::OrganizationViewerReadOnly => access.org_role() == OrgRole::Viewer,
                };
                assert!(holds, "{access:?} / {permission}");
            }
        }
    }

    #[test]
    fn platform_admin_is_derived_from_all_four_values() {
        let platform_admins: Vec<Access> = every_access()
            .into_iter()
            .filter(Access::is_platform_admin)
            .collect();
        assert_eq!(
            platform_admins,
            vec![
                Access::new(
                    SystemRole::Admin,
                    OrgRole::Owner,
                    OrgType::PlatformOwner,
                    MembershipStatus::Active
                ),
                Access::new(
                    SystemRole::Admin,
                    OrgRole::Admin,
                    OrgType::PlatformOwner,
                    MembershipStatus::Active
                ),
            ]
        );
        for access in platform_admins {
            assert_eq!(access.permissions(), Permission::ALL.to_vec());
        }
    }

    #[test]
    fn named_scenarios() {
        use MembershipStatus::*;
        // VIBOTAJ's compliance officer (migrated as org admin) reviews documents.
        let compliance = Access::new(
            SystemRole::Compliance,
            OrgRole::Admin,
            OrgType::PlatformOwner,
            Active,
        );
        assert!(compliance.allows(Permission::DocumentsApprove));
        assert!(!compliance.allows(Permission::ShipmentsCreate));
        // A buyer's own administrator still only reads shipments.
        let buyer_admin = Access::new(SystemRole::Admin, OrgRole::Owner, OrgType::Buyer, Active);
        assert_eq!(buyer_admin.permissions(), BUYER_ORGANIZATION_READS.to_vec());
        assert_eq!(
            buyer_admin.decide(Permission::ShipmentsCreate),
            Decision::BuyerOrganizationReadOnly
        );
        assert_eq!(
            buyer_admin.decide(Permission::SystemAdmin),
            Decision::PlatformAdminOnly
        );
        // A supplier with the supplier system role uploads its documents …
        let supplier = Access::new(
            SystemRole::Supplier,
            OrgRole::Member,
            OrgType::Supplier,
            Active,
        );
        assert!(supplier.allows(Permission::DocumentsUpload));
        assert_eq!(
            supplier.decide(Permission::AuditPackDownload),
            Decision::NotGrantedToSystemRole
        );
        // … unless it only views the organization, or is suspended.
        let supplier_viewer = Access::new(
            SystemRole::Supplier,
            OrgRole::Viewer,
            OrgType::Supplier,
            Active,
        );
        assert_eq!(
            supplier_viewer.decide(Permission::DocumentsUpload),
            Decision::OrganizationViewerReadOnly
        );
        assert!(supplier_viewer.allows(Permission::DocumentsRead));
        let suspended_owner = Access::new(
            SystemRole::Admin,
            OrgRole::Owner,
            OrgType::PlatformOwner,
            Suspended,
        );
        assert!(!suspended_owner.is_platform_admin());
        assert!(suspended_owner.permissions().is_empty());
        assert!(suspended_owner.org_permissions().is_empty());
        assert_eq!(
            suspended_owner.decide(Permission::ShipmentsRead),
            Decision::MembershipSuspended
        );
    }

    /// The organization-permission rule, written over strings.
    fn org_oracle(org_role: &str, org_type: &str, status: &str, permission: &str) -> bool {
        let base = crate::domain::roles::org_matrix_cell(org_type, org_role, permission);
        let (resource, action) = permission.split_once(':').unwrap();
        let shipment_data = matches!(resource, "shipments" | "documents" | "tracking");
        let buyer_forbids = org_type == "buyer" && shipment_data && action != "view";
        status == "active" && base && !buyer_forbids
    }

    #[test]
    fn allows_org_matches_the_oracle_in_every_combination() {
        for access in every_access() {
            for permission in OrgPermission::ALL {
                let expected = org_oracle(
                    access.org_role().as_str(),
                    access.org_type().as_str(),
                    access.membership_status().as_str(),
                    permission.as_str(),
                );
                assert_eq!(
                    access.allows_org(permission),
                    expected,
                    "{access:?} / {permission}"
                );
            }
            let listed = access.org_permissions();
            for permission in OrgPermission::ALL {
                assert_eq!(listed.contains(&permission), access.allows_org(permission));
            }
        }
    }

    #[test]
    fn can_manage_member_in_every_combination() {
        for access in every_access() {
            for target in OrgRole::ALL {
                let active = access.membership_status() == MembershipStatus::Active;
                let platform_admin = access.is_platform_admin();
                let org_admin_rank = access.org_role() >= OrgRole::Admin;
                let outranks = access.org_role().level() > target.level();
                let expected = platform_admin || (active && org_admin_rank && outranks);
                assert_eq!(
                    access.can_manage_member(target),
                    expected,
                    "{access:?} → {target}"
                );
            }
        }
        // A platform admin may even manage another owner; an ordinary owner may not.
        let platform = Access::new(
            SystemRole::Admin,
            OrgRole::Admin,
            OrgType::PlatformOwner,
            MembershipStatus::Active,
        );
        assert!(platform.can_manage_member(OrgRole::Owner));
        let supplier_owner = Access::new(
            SystemRole::Supplier,
            OrgRole::Owner,
            OrgType::Supplier,
            MembershipStatus::Active,
        );
        assert!(!supplier_owner.can_manage_member(OrgRole::Owner));
        assert!(supplier_owner.can_manage_member(OrgRole::Admin));
    }

    #[test]
    fn decisions_serialize_as_snake_case_codes() {
        assert_eq!(
            serde_json::to_string(&Decision::BuyerOrganizationReadOnly).unwrap(),
            "\"buyer_organization_read_only\""
        );
        assert_eq!(
            serde_json::to_string(&Decision::Allowed).unwrap(),
            "\"allowed\""
        );
    }
}
