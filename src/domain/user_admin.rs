//! Who may read and manage which user account: the rules of the Users API (reference §1.3,
//! §2.4–§2.5), on top of [`Access`].
//!
//! * **Permissions.** Every action needs its `users:*` permission as [`Access`] decides it,
//!   with one widening: the *reads* of the directory (`users:read`, `users:list`) are also
//!   allowed in a buyer organization when the system role holds them. [`Access`] keeps buyer
//!   organizations to five shipment reads; but "a buyer organization reads, never writes"
//!   includes reading who its own members are, and row-level security confines the list to
//!   them. Writes stay refused there.
//! * **Self-service.** Anyone may read their own account, edit their own name and e-mail
//!   and change their own password. Without `users:update` they cannot change their own role
//!   or activation; nobody changes their own role; nobody resets or deactivates their own
//!   account through the administrative routes.
//! * **Rank.** Creating, changing, resetting, deactivating or activating another account
//!   needs [`SystemRole::can_manage`] over its role, and a role change also over the new role.
//!
//! Checks come in two halves so that a refusal never depends on whether the target exists in
//! the caller's organization: [`precheck`] (before the target is read: permission and the
//! self rules) and [`check_target`] (after: rank and state).

use super::{Access, Decision, Permission, SystemRole};

/// What a request does to one user account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Update,
    ChangePassword,
    ResetPassword,
    Deactivate,
    Activate,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Read,
        Action::Update,
        Action::ChangePassword,
        Action::ResetPassword,
        Action::Deactivate,
        Action::Activate,
    ];

    /// The permission the action needs on someone else's account (`None`: nobody may).
    pub const fn permission(self) -> Option<Permission> {
        match self {
            Action::Read => Some(Permission::UsersRead),
            Action::Update | Action::ResetPassword | Action::Activate => {
                Some(Permission::UsersUpdate)
            }
            Action::Deactivate => Some(Permission::UsersDelete),
            Action::ChangePassword => None,
        }
    }
}

/// Why a user-management request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Missing permission {}", .0.as_str())]
    MissingPermission(Permission),
    #[error("You may not manage users with the role {}", .0.as_str())]
    RoleNotManageable(SystemRole),
    #[error("Changing your own role or activation needs the users:update permission")]
    SelfServiceLimit,
    #[error("You cannot change your own role")]
    OwnRole,
    #[error("You cannot do this to your own account")]
    OwnAccount,
    #[error("Only the account holder may change their password")]
    NotOwnAccount,
    #[error("User is already active")]
    AlreadyActive,
}

impl Refusal {
    /// 403 for a missing right, 400 for a request that can never succeed as asked.
    pub const fn is_forbidden(self) -> bool {
        !matches!(self, Refusal::OwnAccount | Refusal::AlreadyActive)
    }

    /// The machine code of the error body.
    pub const fn code(self) -> &'static str {
        match self {
            Refusal::MissingPermission(_) | Refusal::SelfServiceLimit => "INSUFFICIENT_PERMISSIONS",
            Refusal::RoleNotManageable(_) => "ROLE_NOT_MANAGEABLE",
            Refusal::OwnRole => "CANNOT_CHANGE_OWN_ROLE",
            Refusal::OwnAccount => "CANNOT_TARGET_SELF",
            Refusal::NotOwnAccount => "NOT_OWN_ACCOUNT",
            Refusal::AlreadyActive => "ALREADY_ACTIVE",
        }
    }
}

/// The account a request targets, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub is_self: bool,
    pub role: SystemRole,
    pub is_active: bool,
}

/// The role and activation a PATCH asks for (`None`: not sent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Change {
    pub role: Option<SystemRole>,
    pub is_active: Option<bool>,
}

impl Change {
    /// The new role, when it differs from the stored one (sending the current value back,
    /// as an edit form does, changes nothing and needs no right).
    pub fn new_role(&self, target: &Target) -> Option<SystemRole> {
        self.role.filter(|role| *role != target.role)
    }

    fn changes_activation(&self, target: &Target) -> bool {
        self.is_active
            .is_some_and(|active| active != target.is_active)
    }
}

/// Whether `access` holds `permission` for the Users API (see the module docs for the
/// buyer-organization reads).
pub fn allows(access: &Access, permission: Permission) -> bool {
    access.allows(permission)
        || (permission.is_read()
            && access.decide(permission) == Decision::BuyerOrganizationReadOnly)
}

/// `Ok` when `access` holds `permission`.
pub fn require(access: &Access, permission: Permission) -> Result<(), Refusal> {
    if allows(access, permission) {
        Ok(())
    } else {
        Err(Refusal::MissingPermission(permission))
    }
}

/// Whether the caller may give a new or existing account `role` (the roles list's
/// `can_assign`).
pub fn can_assign(access: &Access, role: SystemRole) -> bool {
    allows(access, Permission::UsersCreate) && access.system_role().can_manage(role)
}

/// Creating an account with `role`.
pub fn check_create(access: &Access, role: SystemRole) -> Result<(), Refusal> {
    require(access, Permission::UsersCreate)?;
    manage(access, role)
}

/// Before the target is read: may the caller attempt `action` on this account at all?
pub fn precheck(access: &Access, action: Action, is_self: bool) -> Result<(), Refusal> {
    match (action, is_self) {
        (Action::ChangePassword, true) => Ok(()),
        (Action::ChangePassword, false) => Err(Refusal::NotOwnAccount),
        // Self-service; what a self-update may change is decided in `check_target`.
        (Action::Read | Action::Update, true) => Ok(()),
        (_, _) => {
            if let Some(permission) = action.permission() {
                require(access, permission)?;
            }
            if is_self && matches!(action, Action::ResetPassword | Action::Deactivate) {
                return Err(Refusal::OwnAccount);
            }
            Ok(())
        }
    }
}

/// After the target is read: rank and state. Assumes [`precheck`] passed.
pub fn check_target(
    access: &Access,
    action: Action,
    target: &Target,
    change: &Change,
) -> Result<(), Refusal> {
    match action {
        Action::Read | Action::ChangePassword => Ok(()),
        Action::Update => {
            let new_role = change.new_role(target);
            if target.is_self
                && !allows(access, Permission::UsersUpdate)
                && (new_role.is_some() || change.changes_activation(target))
            {
                return Err(Refusal::SelfServiceLimit);
            }
            if !target.is_self {
                manage(access, target.role)?;
            }
            match new_role {
                Some(_) if target.is_self => Err(Refusal::OwnRole),
                Some(role) => manage(access, role),
                None => Ok(()),
            }
        }
        Action::ResetPassword | Action::Deactivate => manage(access, target.role),
        Action::Activate => {
            manage(access, target.role)?;
            if target.is_active {
                Err(Refusal::AlreadyActive)
            } else {
                Ok(())
            }
        }
    }
}

fn manage(access: &Access, role: SystemRole) -> Result<(), Refusal> {
    if access.system_role().can_manage(role) {
        Ok(())
    } else {
        Err(Refusal::RoleNotManageable(role))
    }
}

/// What a role is for, for role pickers.
pub const fn role_description(role: SystemRole) -> &'static str {
    match role {
        SystemRole::Admin => "Full access, including user management and platform settings",
        SystemRole::Compliance => "Reviews, validates and approves documents; reads shipments",
        SystemRole::LogisticsAgent => "Creates and updates shipments and uploads their documents",
        SystemRole::Buyer => "Reads shipments, documents and tracking, downloads audit packs",
        SystemRole::Supplier => "Uploads documents for shipments and reads them",
        SystemRole::Viewer => "Reads shipments, documents and tracking",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MembershipStatus, OrgRole, OrgType};

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

    fn changes() -> Vec<Change> {
        let mut all = vec![Change::default()];
        for active in [None, Some(true), Some(false)] {
            for role in SystemRole::ALL.map(Some).into_iter().chain([None]) {
                all.push(Change {
                    role,
                    is_active: active,
                });
            }
        }
        all
    }

    fn targets() -> Vec<Target> {
        let mut all = Vec::new();
        for is_self in [true, false] {
            for role in SystemRole::ALL {
                for is_active in [true, false] {
                    all.push(Target {
                        is_self,
                        role,
                        is_active,
                    });
                }
            }
        }
        all
    }

    /// An independent statement of the rules over the wire spellings.
    fn oracle(access: &Access, action: Action, target: &Target, change: &Change) -> bool {
        let me = access.system_role().as_str();
        let active = access.membership_status().is_active();
        let org_type = access.org_type().as_str();
        let org_role = access.org_role().as_str();
        // Only active admins hold users:*; writes need a non-buyer organization and an
        // organization role above viewer; reads only the active admin.
        let reads = active && me == "admin";
        let writes = reads && org_type != "buyer" && org_role != "viewer";
        let level = |s: &str| match s {
            "admin" => 5,
            "compliance" => 4,
            "logistics_agent" => 3,
            "buyer" | "supplier" => 2,
            _ => 1,
        };
        let rank = |r: SystemRole| match r {
            SystemRole::Admin => me == "admin",
            _ => level(me) > level(r.as_str()),
        };
        let new_role = change.role.filter(|r| *r != target.role);
        let activation = change.is_active.is_some_and(|a| a != target.is_active);
        match action {
            Action::Read => target.is_self || reads,
            Action::ChangePassword => target.is_self,
            Action::Update if target.is_self => {
                if new_role.is_some() {
                    false
                } else {
                    !activation || writes
                }
            }
            Action::Update => writes && rank(target.role) && new_role.is_none_or(rank),
            Action::ResetPassword | Action::Deactivate => {
                writes && !target.is_self && rank(target.role)
            }
            Action::Activate => writes && rank(target.role) && !target.is_active,
        }
    }

    fn decide(access: &Access, action: Action, target: &Target, change: &Change) -> bool {
        precheck(access, action, target.is_self).is_ok()
            && check_target(access, action, target, change).is_ok()
    }

    #[test]
    fn every_combination_matches_the_oracle() {
        let mut cases = 0;
        for access in every_access() {
            for action in Action::ALL {
                for target in targets() {
                    for change in changes() {
                        assert_eq!(
                            decide(&access, action, &target, &change),
                            oracle(&access, action, &target, &change),
                            "{access:?} {action:?} {target:?} {change:?}"
                        );
                        cases += 1;
                    }
                }
            }
        }
        assert!(cases > 100_000, "{cases}");
    }

    #[test]
    fn a_refusal_never_depends_on_the_target_before_it_is_read() {
        // Without the permission the answer is the same 403 for any target id.
        let viewer = Access::new(
            SystemRole::Viewer,
            OrgRole::Viewer,
            OrgType::PlatformOwner,
            MembershipStatus::Active,
        );
        for action in [Action::Read, Action::Update, Action::Deactivate] {
            assert!(matches!(
                precheck(&viewer, action, false),
                Err(Refusal::MissingPermission(_))
            ));
        }
        assert_eq!(
            precheck(&viewer, Action::ChangePassword, false),
            Err(Refusal::NotOwnAccount)
        );
    }

    #[test]
    fn buyer_organizations_read_the_directory_but_never_write() {
        let buyer_admin = Access::new(
            SystemRole::Admin,
            OrgRole::Admin,
            OrgType::Buyer,
            MembershipStatus::Active,
        );
        assert!(allows(&buyer_admin, Permission::UsersList));
        assert!(allows(&buyer_admin, Permission::UsersRead));
        for write in [
            Permission::UsersCreate,
            Permission::UsersUpdate,
            Permission::UsersDelete,
        ] {
            assert!(!allows(&buyer_admin, write), "{write:?}");
        }
        assert!(!can_assign(&buyer_admin, SystemRole::Viewer));
        // The widening is for the directory only.
        assert!(!allows(&buyer_admin, Permission::ShipmentsCreate));
        assert!(!allows(&buyer_admin, Permission::SystemAdmin));
    }

    #[test]
    fn refusals_map_to_status_and_code() {
        assert!(Refusal::MissingPermission(Permission::UsersRead).is_forbidden());
        assert!(Refusal::OwnRole.is_forbidden());
        assert!(!Refusal::OwnAccount.is_forbidden());
        assert!(!Refusal::AlreadyActive.is_forbidden());
        assert_eq!(Refusal::SelfServiceLimit.code(), "INSUFFICIENT_PERMISSIONS");
        assert_eq!(
            Refusal::RoleNotManageable(SystemRole::Admin).to_string(),
            "You may not manage users with the role admin"
        );
        for role in SystemRole::ALL {
            assert!(!role_description(role).is_empty());
        }
    }

    #[test]
    fn create_needs_the_permission_and_the_rank() {
        let admin = Access::new(
            SystemRole::Admin,
            OrgRole::Owner,
            OrgType::Supplier,
            MembershipStatus::Active,
        );
        for role in SystemRole::ALL {
            assert_eq!(check_create(&admin, role), Ok(()));
            assert!(can_assign(&admin, role));
        }
        let compliance = Access::new(
            SystemRole::Compliance,
            OrgRole::Owner,
            OrgType::PlatformOwner,
            MembershipStatus::Active,
        );
        assert_eq!(
            check_create(&compliance, SystemRole::Viewer),
            Err(Refusal::MissingPermission(Permission::UsersCreate))
        );
    }
}
