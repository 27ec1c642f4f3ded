//! Who may read and change which user account (the Users API, reference §1.3).
//!
//! Authority over accounts follows the caller's role **in the acting organization**, never the
//! system role (which decides what a user may do with shipments and documents):
//!
//! * **Organization admins.** An active owner or admin of the acting organization reads that
//!   organization's members' accounts and changes those of members ranked strictly below
//!   him there ([`OrgRole::can_manage`]), whatever his system role. Anyone else (managers,
//!   members, viewers, suspended members) gets nothing beyond his own account — a system role
//!   `admin` held as a plain member grants nothing.
//! * **Accounts shared with another organization** (a membership elsewhere, or homed
//!   elsewhere) are changed — name, e-mail, password, activation — only by their holder or a
//!   platform admin; an organization admin may remove such a member from his organization
//!   (the members API), nothing more. Otherwise one organization could lock a person out of
//!   every other.
//! * **System roles** are changed only by platform admins. Creating an account gives it a
//!   system role the organization's type allows ([`assignable_roles`]; never `admin`, which
//!   would make a platform admin of a platform-owner admin) and a membership whose
//!   organization role is the system role's usual one, capped at the caller's own.
//! * **Platform admins** ([`Access::is_platform_admin`]) reach every account through the audited
//!   platform path; the rank rule still holds among the members of their own organization (an
//!   admin does not reset the owner's password).
//! * **Self-service.** Anyone reads his own account, renames himself and changes his own
//!   password. Nobody changes his own role, or resets, deactivates or activates his own
//!   account through the administrative routes. Changing one's own e-mail address would need a
//!   confirmation sent to the new address, which this server does not send yet: it is refused
//!   (the same answer whether the address is taken or not), except for platform admins.
//!
//! Checks come in two halves so that a refusal never depends on whether the target exists:
//! [`precheck`] (before the target is read: the caller's standing and the self rules) and
//! [`check_target`] (after: membership, rank, sharing, state). [`decide`] is both.

use super::{Access, OrgRole, OrgType, SystemRole};

/// What a request does to one user account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    /// Change the full name.
    Rename,
    ChangeEmail,
    /// Change the system role.
    ChangeRole,
    /// Change one's own password, knowing the current one.
    ChangePassword,
    /// Set another account's password.
    ResetPassword,
    Deactivate,
    Activate,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Read,
        Action::Rename,
        Action::ChangeEmail,
        Action::ChangeRole,
        Action::ChangePassword,
        Action::ResetPassword,
        Action::Deactivate,
        Action::Activate,
    ];
}

/// Why an account request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Managing accounts needs the owner or admin role in this organization")]
    NotAnAdmin,
    /// The target has no membership in the acting organization: answered as not found.
    #[error("No such user in this organization")]
    NotAMember,
    #[error("You may not manage members with the organization role {}", .0.as_str())]
    Rank(OrgRole),
    #[error("This account also belongs to another organization: only its holder or a platform admin may change it (you may remove it from your organization)")]
    SharedAccount,
    #[error("Only platform admins change system roles")]
    PlatformAdminOnly,
    #[error("You may not give an account the role {} here", .0.as_str())]
    RoleNotAssignable(SystemRole),
    #[error("You cannot change your own role")]
    OwnRole,
    #[error("You cannot do this to your own account")]
    OwnAccount,
    #[error("Changing your own e-mail address needs a confirmation this server cannot send yet; ask an administrator of your organization")]
    OwnEmail,
    #[error("Only the account holder may change their password")]
    NotOwnAccount,
    #[error("User is already active")]
    AlreadyActive,
}

/// How a refusal is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Forbidden,
    BadRequest,
    NotFound,
}

impl Refusal {
    pub const fn answer(self) -> Answer {
        match self {
            Refusal::NotAMember => Answer::NotFound,
            Refusal::OwnAccount | Refusal::AlreadyActive => Answer::BadRequest,
            _ => Answer::Forbidden,
        }
    }

    /// The machine code of the error body.
    pub const fn code(self) -> &'static str {
        match self {
            Refusal::NotAnAdmin => "INSUFFICIENT_PERMISSIONS",
            Refusal::NotAMember => "NOT_FOUND",
            Refusal::Rank(_) | Refusal::RoleNotAssignable(_) => "ROLE_NOT_MANAGEABLE",
            Refusal::SharedAccount => "HOME_ORGANIZATION_ONLY",
            Refusal::PlatformAdminOnly => "PLATFORM_ADMIN_ONLY",
            Refusal::OwnRole => "CANNOT_CHANGE_OWN_ROLE",
            Refusal::OwnAccount => "CANNOT_TARGET_SELF",
            Refusal::OwnEmail => "EMAIL_CHANGE_NEEDS_CONFIRMATION",
            Refusal::NotOwnAccount => "NOT_OWN_ACCOUNT",
            Refusal::AlreadyActive => "ALREADY_ACTIVE",
        }
    }
}

/// The account a request targets, as read in the acting organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    pub is_self: bool,
    /// The role of its membership in the acting organization (`None`: not a member).
    pub org_role: Option<OrgRole>,
    /// A membership in another organization, or its row homed in another one.
    pub belongs_elsewhere: bool,
    pub is_active: bool,
}

/// An active owner or admin of the acting organization.
pub fn is_org_admin(access: &Access) -> bool {
    access.membership_status().is_active() && access.org_role() >= OrgRole::Admin
}

/// Whether the caller may read and manage accounts at all (the directory, role pickers).
pub fn administers_accounts(access: &Access) -> bool {
    access.is_platform_admin() || is_org_admin(access)
}

/// `Ok` when the caller administers accounts.
pub fn require_admin(access: &Access) -> Result<(), Refusal> {
    if administers_accounts(access) {
        Ok(())
    } else {
        Err(Refusal::NotAnAdmin)
    }
}

/// The system roles an organization admin (not a platform admin) may give new accounts in
/// an organization of this type: the roles of its kind of party, and viewer. `admin` is
/// only ever given by platform admins.
pub const fn assignable_roles(org_type: OrgType) -> &'static [SystemRole] {
    match org_type {
        OrgType::PlatformOwner => &[
            SystemRole::Compliance,
            SystemRole::LogisticsAgent,
            SystemRole::Buyer,
            SystemRole::Supplier,
            SystemRole::Viewer,
        ],
        OrgType::Buyer => &[SystemRole::Buyer, SystemRole::Viewer],
        OrgType::Supplier => &[SystemRole::Supplier, SystemRole::Viewer],
        OrgType::LogisticsAgent => &[SystemRole::LogisticsAgent, SystemRole::Viewer],
    }
}

/// Creating an account with system role `role` in the acting organization: the organization
/// role of its membership there, or why not.
pub fn check_create(access: &Access, role: SystemRole) -> Result<OrgRole, Refusal> {
    require_admin(access)?;
    if !access.is_platform_admin() && !assignable_roles(access.org_type()).contains(&role) {
        return Err(Refusal::RoleNotAssignable(role));
    }
    Ok(role.default_org_role().min(access.org_role()))
}

/// Whether the caller may give a new account `role` (the roles list's `can_assign`).
pub fn can_assign(access: &Access, role: SystemRole) -> bool {
    check_create(access, role).is_ok()
}

/// Before the target is read: may the caller attempt `action` on this account at all?
pub fn precheck(access: &Access, action: Action, is_self: bool) -> Result<(), Refusal> {
    if is_self {
        return match action {
            Action::Read | Action::Rename | Action::ChangePassword => Ok(()),
            Action::ChangeEmail if access.is_platform_admin() => Ok(()),
            Action::ChangeEmail => Err(Refusal::OwnEmail),
            Action::ChangeRole => Err(Refusal::OwnRole),
            Action::ResetPassword | Action::Deactivate | Action::Activate => {
                Err(Refusal::OwnAccount)
            }
        };
    }
    if action == Action::ChangePassword {
        return Err(Refusal::NotOwnAccount);
    }
    require_admin(access)?;
    if action == Action::ChangeRole && !access.is_platform_admin() {
        return Err(Refusal::PlatformAdminOnly);
    }
    Ok(())
}

/// After the target is read: membership, rank, sharing and state. Assumes [`precheck`]
/// passed for the same action.
pub fn check_target(access: &Access, action: Action, target: &Account) -> Result<(), Refusal> {
    if target.is_self {
        return Ok(());
    }
    let platform = access.is_platform_admin();
    if target.org_role.is_none() && !platform {
        return Err(Refusal::NotAMember);
    }
    if action == Action::Read {
        return Ok(());
    }
    if let Some(role) = target.org_role {
        if !access.org_role().can_manage(role) {
            return Err(Refusal::Rank(role));
        }
    }
    if target.belongs_elsewhere && !platform {
        return Err(Refusal::SharedAccount);
    }
    if action == Action::Activate && target.is_active {
        return Err(Refusal::AlreadyActive);
    }
    Ok(())
}

/// The whole decision: [`precheck`], then [`check_target`].
pub fn decide(access: &Access, action: Action, target: &Account) -> Result<(), Refusal> {
    precheck(access, action, target.is_self)?;
    check_target(access, action, target)
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
    use crate::domain::MembershipStatus;

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

    fn every_target() -> Vec<Account> {
        let mut all = Vec::new();
        for is_self in [true, false] {
            for org_role in OrgRole::ALL.map(Some).into_iter().chain([None]) {
                for belongs_elsewhere in [true, false] {
                    for is_active in [true, false] {
                        all.push(Account {
                            is_self,
                            org_role,
                            belongs_elsewhere,
                            is_active,
                        });
                    }
                }
            }
        }
        all
    }

    /// The rules restated independently, over the wire spellings.
    fn oracle(access: &Access, action: Action, target: &Account) -> bool {
        let level = |role: &str| {
            ["viewer", "member", "manager", "admin", "owner"]
                .iter()
                .position(|r| *r == role)
                .unwrap()
        };
        let active = access.membership_status().as_str() == "active";
        let me = access.org_role().as_str();
        let platform = active
            && access.system_role().as_str() == "admin"
            && access.org_type().as_str() == "platform_owner"
            && (me == "owner" || me == "admin");
        let admin = platform || (active && (me == "owner" || me == "admin"));
        if target.is_self {
            return match action {
                Action::Read | Action::Rename | Action::ChangePassword => true,
                Action::ChangeEmail => platform,
                _ => false,
            };
        }
        if action == Action::ChangePassword || !admin {
            return false;
        }
        if action == Action::ChangeRole && !platform {
            return false;
        }
        if target.org_role.is_none() && !platform {
            return false;
        }
        let outranks = target
            .org_role
            .is_none_or(|role| level(me) > level(role.as_str()));
        action == Action::Read
            || (outranks
                && (platform || !target.belongs_elsewhere)
                && !(action == Action::Activate && target.is_active))
    }

    #[test]
    fn every_caller_target_and_action_matches_the_oracle() {
        let mut cases = 0;
        for access in every_access() {
            for action in Action::ALL {
                for target in every_target() {
                    assert_eq!(
                        decide(&access, action, &target).is_ok(),
                        oracle(&access, action, &target),
                        "{access:?} {action:?} {target:?}"
                    );
                    cases += 1;
                }
            }
        }
        // 6 system roles × 5 org roles × 4 types × 2 states, × 8 actions, × 48 targets
        // (self or not × 5 roles or none × shared or not × active or not).
        assert_eq!(cases, 240 * 8 * 48);
    }

    fn member(system: SystemRole, org_role: OrgRole, org_type: OrgType) -> Access {
        Access::new(system, org_role, org_type, MembershipStatus::Active)
    }

    fn other(org_role: OrgRole) -> Account {
        Account {
            is_self: false,
            org_role: Some(org_role),
            belongs_elsewhere: false,
            is_active: true,
        }
    }

    #[test]
    fn a_system_admin_who_is_a_plain_member_administers_nothing() {
        // The takeover of the hardening issue: system role admin, member of VIBOTAJ.
        let member = member(SystemRole::Admin, OrgRole::Member, OrgType::PlatformOwner);
        assert!(!member.is_platform_admin());
        for role in SystemRole::ALL {
            assert_eq!(check_create(&member, role), Err(Refusal::NotAnAdmin));
        }
        for action in [
            Action::Read,
            Action::Rename,
            Action::ResetPassword,
            Action::Deactivate,
            Action::ChangeRole,
        ] {
            assert_eq!(
                decide(&member, action, &other(OrgRole::Owner)),
                Err(Refusal::NotAnAdmin)
            );
            assert_eq!(
                decide(&member, action, &other(OrgRole::Viewer)),
                Err(Refusal::NotAnAdmin)
            );
        }
    }

    #[test]
    fn an_owner_runs_his_organization_whatever_his_system_role() {
        let owner = member(SystemRole::Supplier, OrgRole::Owner, OrgType::Supplier);
        assert_eq!(
            check_create(&owner, SystemRole::Supplier),
            Ok(OrgRole::Member)
        );
        assert_eq!(
            check_create(&owner, SystemRole::Viewer),
            Ok(OrgRole::Viewer)
        );
        assert_eq!(
            check_create(&owner, SystemRole::Compliance),
            Err(Refusal::RoleNotAssignable(SystemRole::Compliance))
        );
        for action in [
            Action::Rename,
            Action::ChangeEmail,
            Action::ResetPassword,
            Action::Deactivate,
        ] {
            assert_eq!(decide(&owner, action, &other(OrgRole::Admin)), Ok(()));
        }
        assert_eq!(
            decide(&owner, Action::ChangeRole, &other(OrgRole::Member)),
            Err(Refusal::PlatformAdminOnly)
        );
        assert_eq!(
            decide(&owner, Action::ResetPassword, &other(OrgRole::Owner)),
            Err(Refusal::Rank(OrgRole::Owner))
        );
    }

    #[test]
    fn new_memberships_are_capped_at_the_callers_role() {
        let admin = member(SystemRole::Viewer, OrgRole::Admin, OrgType::PlatformOwner);
        assert_eq!(
            check_create(&admin, SystemRole::Admin),
            Err(Refusal::RoleNotAssignable(SystemRole::Admin))
        );
        assert_eq!(
            check_create(&admin, SystemRole::Compliance),
            Ok(OrgRole::Admin)
        );
        assert_eq!(
            check_create(&admin, SystemRole::LogisticsAgent),
            Ok(OrgRole::Manager)
        );
        let platform = member(SystemRole::Admin, OrgRole::Admin, OrgType::PlatformOwner);
        assert!(platform.is_platform_admin());
        // A platform admin gives any system role; the membership never outranks him.
        assert_eq!(
            check_create(&platform, SystemRole::Admin),
            Ok(OrgRole::Admin)
        );
        let suspended = Access::new(
            SystemRole::Admin,
            OrgRole::Owner,
            OrgType::Supplier,
            MembershipStatus::Suspended,
        );
        assert_eq!(
            check_create(&suspended, SystemRole::Viewer),
            Err(Refusal::NotAnAdmin)
        );
    }

    #[test]
    fn shared_accounts_are_changed_by_their_holder_or_a_platform_admin() {
        let owner = member(SystemRole::Viewer, OrgRole::Owner, OrgType::Buyer);
        let shared = Account {
            belongs_elsewhere: true,
            ..other(OrgRole::Member)
        };
        assert_eq!(decide(&owner, Action::Read, &shared), Ok(()));
        for action in [
            Action::Rename,
            Action::ChangeEmail,
            Action::ResetPassword,
            Action::Deactivate,
            Action::Activate,
        ] {
            assert_eq!(decide(&owner, action, &shared), Err(Refusal::SharedAccount));
        }
        let platform = member(SystemRole::Admin, OrgRole::Owner, OrgType::PlatformOwner);
        assert_eq!(decide(&platform, Action::ResetPassword, &shared), Ok(()));
        let holder = Account {
            is_self: true,
            ..shared
        };
        let plain = member(SystemRole::Viewer, OrgRole::Viewer, OrgType::Buyer);
        assert_eq!(decide(&plain, Action::Rename, &holder), Ok(()));
        assert_eq!(decide(&plain, Action::ChangePassword, &holder), Ok(()));
    }

    #[test]
    fn self_service_limits() {
        let me = Account {
            is_self: true,
            ..other(OrgRole::Owner)
        };
        let owner = member(
            SystemRole::Compliance,
            OrgRole::Owner,
            OrgType::PlatformOwner,
        );
        assert_eq!(
            decide(&owner, Action::ChangeRole, &me),
            Err(Refusal::OwnRole)
        );
        assert_eq!(
            decide(&owner, Action::Deactivate, &me),
            Err(Refusal::OwnAccount)
        );
        assert_eq!(
            decide(&owner, Action::ChangeEmail, &me),
            Err(Refusal::OwnEmail)
        );
        let platform = member(SystemRole::Admin, OrgRole::Owner, OrgType::PlatformOwner);
        assert_eq!(decide(&platform, Action::ChangeEmail, &me), Ok(()));
        assert_eq!(
            decide(&platform, Action::ChangePassword, &other(OrgRole::Viewer)),
            Err(Refusal::NotOwnAccount)
        );
    }

    #[test]
    fn a_refusal_before_the_read_never_depends_on_the_target() {
        let viewer = member(SystemRole::Admin, OrgRole::Viewer, OrgType::PlatformOwner);
        for action in [Action::Read, Action::Rename, Action::Deactivate] {
            assert_eq!(precheck(&viewer, action, false), Err(Refusal::NotAnAdmin));
        }
        // Outside the organization: not found, never a hint of rank.
        let admin = member(SystemRole::Viewer, OrgRole::Admin, OrgType::Supplier);
        let stranger = Account {
            org_role: None,
            ..other(OrgRole::Owner)
        };
        assert_eq!(
            decide(&admin, Action::ResetPassword, &stranger),
            Err(Refusal::NotAMember)
        );
        assert_eq!(Refusal::NotAMember.answer(), Answer::NotFound);
    }

    #[test]
    fn refusals_map_to_answers_and_codes() {
        assert_eq!(Refusal::OwnAccount.answer(), Answer::BadRequest);
        assert_eq!(Refusal::AlreadyActive.answer(), Answer::BadRequest);
        assert_eq!(Refusal::SharedAccount.answer(), Answer::Forbidden);
        assert_eq!(Refusal::NotAnAdmin.code(), "INSUFFICIENT_PERMISSIONS");
        assert_eq!(
            Refusal::Rank(OrgRole::Owner).to_string(),
            "You may not manage members with the organization role owner"
        );
        for role in SystemRole::ALL {
            assert!(!role_description(role).is_empty());
        }
        for org_type in OrgType::ALL {
            assert!(!assignable_roles(org_type).contains(&SystemRole::Admin));
            assert!(assignable_roles(org_type).contains(&SystemRole::Viewer));
        }
    }
}
