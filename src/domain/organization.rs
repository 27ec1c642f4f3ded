//! Rules of the organization and member API (reference §3.1–§3.2): organization names,
//! types that may be created, organization statuses, the protected platform organization,
//! and who may change whose membership — including "never leave an organization without an
//! active owner or admin".
//!
//! The last-admin rule needs a count the caller must read under a lock (see the HTTP module:
//! the organization row is locked `FOR UPDATE` before memberships are counted), so here it is
//! a pure function of that count.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access::Access;
use super::roles::{MembershipStatus, OrgRole, OrgType, UnknownLabel};
use super::text::TextError;

/// VIBOTAJ, the organization that runs the platform (fixed by revision 005). It can never be
/// deleted or suspended: platform administration itself lives there.
pub const PLATFORM_ORGANIZATION_ID: Uuid = Uuid::from_u128(1);

/// Fewest characters of an organization name (after trimming).
pub const MIN_NAME_CHARS: usize = 2;
/// Most characters of an organization name (`varchar(255)`).
pub const MAX_NAME_CHARS: usize = 255;
/// Most characters of a suspension reason.
pub const MAX_REASON_CHARS: usize = 500;

/// The largest `settings` object, as compact JSON: 16 KiB. Settings are a handful of
/// preferences, returned with every organization detail; the bound keeps a client from
/// parking megabytes there. It applies to what a request sends and to the stored object
/// after the request's keys are merged into it.
pub const MAX_SETTINGS_BYTES: usize = 16 * 1024;

/// Why a `settings` object is refused; messages suit a 422 field error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("must be at most {MAX_SETTINGS_BYTES} bytes as JSON")]
    TooLarge,
    #[error(
        "must be at most {MAX_SETTINGS_BYTES} bytes as JSON together with the stored settings"
    )]
    MergedTooLarge,
    /// `jsonb` cannot hold `\u0000`.
    #[error("must not contain NUL characters")]
    Nul,
}

/// Checks a `settings` object sent by a client (see [`MAX_SETTINGS_BYTES`]).
pub fn check_settings(settings: &serde_json::Value) -> Result<(), SettingsError> {
    if serde_json::to_vec(settings).map_or(true, |json| json.len() > MAX_SETTINGS_BYTES) {
        return Err(SettingsError::TooLarge);
    }
    if holds_nul(settings) {
        return Err(SettingsError::Nul);
    }
    Ok(())
}

/// Checks the stored `settings` once a request's keys are merged in.
pub fn check_merged_settings(settings: &serde_json::Value) -> Result<(), SettingsError> {
    match check_settings(settings) {
        Err(SettingsError::TooLarge) => Err(SettingsError::MergedTooLarge),
        other => other,
    }
}

fn holds_nul(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// Why an organization name is refused; messages suit a 422 field error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must be at least {MIN_NAME_CHARS} characters long")]
    TooShort,
    #[error("must be at most {MAX_NAME_CHARS} characters long")]
    TooLong,
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// Checks an organization name; returns it trimmed.
pub fn organization_name(text: &str) -> Result<String, NameError> {
    let name = text.trim();
    if name.chars().any(char::is_control) {
        return Err(NameError::ControlCharacter);
    }
    let count = name.chars().count();
    if count < MIN_NAME_CHARS {
        return Err(NameError::TooShort);
    }
    if count > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    Ok(name.to_string())
}

/// Why an organization type cannot be used for a new organization.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgTypeError {
    #[error(transparent)]
    Unknown(#[from] UnknownLabel),
    #[error("platform_owner is reserved for the organization that runs the platform")]
    Reserved,
}

/// The type of a new organization: any type but `platform_owner`, of which there is exactly
/// one (VIBOTAJ): a second one would make its admins platform admins.
pub fn creatable_type(text: &str) -> Result<OrgType, OrgTypeError> {
    match OrgType::parse(text)? {
        OrgType::PlatformOwner => Err(OrgTypeError::Reserved),
        other => Ok(other),
    }
}

/// Where an organization stands (`organizations.status`, revision 010).
///
/// `pending_setup` is an organization being prepared; its members can already sign in.
/// Only `suspended` locks everybody out (it is what `is_active = false` means).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationStatus {
    Active,
    Suspended,
    PendingSetup,
}

impl OrganizationStatus {
    pub const ALL: [OrganizationStatus; 3] = [
        OrganizationStatus::Active,
        OrganizationStatus::Suspended,
        OrganizationStatus::PendingSetup,
    ];

    /// The label shared by the API and the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrganizationStatus::Active => "active",
            OrganizationStatus::Suspended => "suspended",
            OrganizationStatus::PendingSetup => "pending_setup",
        }
    }

    /// Parses the label (exact, lower case).
    pub fn parse(text: &str) -> Result<Self, UnknownLabel> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                UnknownLabel::new(
                    "organization status",
                    text,
                    Self::ALL.map(OrganizationStatus::as_str),
                )
            })
    }
}

/// The platform organization cannot be deleted or leave the active status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the platform organization cannot be deleted or suspended")]
pub struct ProtectedOrganization;

/// Whether organization `id` may move to `status` (deleting counts as suspending).
pub fn check_status_change(
    id: Uuid,
    status: OrganizationStatus,
) -> Result<(), ProtectedOrganization> {
    if id == PLATFORM_ORGANIZATION_ID && status != OrganizationStatus::Active {
        Err(ProtectedOrganization)
    } else {
        Ok(())
    }
}

/// A suspension reason: at most 500 characters, no NUL (it is kept in the audit row's
/// `jsonb`); trimmed, empty means none.
pub fn suspension_reason(text: Option<&str>) -> Result<Option<String>, TextError> {
    let Some(reason) = text.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    super::text::bounded(reason, MAX_REASON_CHARS).map(|r| Some(r.to_string()))
}

// ---------------------------------------------------------------------------------------
// Member changes

/// Whether a membership counts as administering its organization: an active owner or admin.
pub const fn administers(role: OrgRole, status: MembershipStatus) -> bool {
    matches!(role, OrgRole::Owner | OrgRole::Admin) && status.is_active()
}

/// The membership being changed, as it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberTarget {
    pub role: OrgRole,
    pub status: MembershipStatus,
    /// The membership is the caller's own.
    pub is_self: bool,
}

/// What is done to a membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    /// Role and/or status (PATCH, suspend, reactivate); `None` leaves it as it is.
    Update {
        role: Option<OrgRole>,
        status: Option<MembershipStatus>,
    },
    Remove,
}

/// Why a member change is refused; the codes are the reference's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MemberRuleError {
    #[error("you cannot change or remove your own membership")]
    ModifySelf,
    #[error("you can only manage members whose role is below your own, and grant only such roles")]
    HigherRole,
    #[error("the organization must keep at least one active owner or admin")]
    LastAdmin,
}

impl MemberRuleError {
    pub const fn code(self) -> &'static str {
        match self {
            MemberRuleError::ModifySelf => "CANNOT_MODIFY_SELF",
            MemberRuleError::HigherRole => "CANNOT_MODIFY_HIGHER_ROLE",
            MemberRuleError::LastAdmin => "LAST_ADMIN",
        }
    }
}

/// Whether `actor` may make `change` to `target`, given how many *other* memberships of the
/// organization administer it (see [`administers`]), counted under a lock.
///
/// Checked in this order: nobody changes their own membership (an admin leaving by
/// self-demotion would be a last-admin hole, and a self-promotion an escalation); the actor
/// must outrank the target's current role and the role granted
/// ([`Access::can_manage_member`]; platform admins manage every role); and an organization
/// that is administered stays administered. The caller has already checked that the actor
/// holds `members:manage` / `members:remove` at all.
pub fn check_member_change(
    actor: &Access,
    target: MemberTarget,
    change: MemberChange,
    other_administrators: u64,
) -> Result<(), MemberRuleError> {
    if target.is_self {
        return Err(MemberRuleError::ModifySelf);
    }
    if !actor.can_manage_member(target.role) {
        return Err(MemberRuleError::HigherRole);
    }
    let still_administers = match change {
        MemberChange::Remove => false,
        MemberChange::Update { role, status } => {
            if let Some(role) = role {
                if !actor.can_manage_member(role) {
                    return Err(MemberRuleError::HigherRole);
                }
            }
            administers(role.unwrap_or(target.role), status.unwrap_or(target.status))
        }
    };
    if administers(target.role, target.status) && !still_administers && other_administrators == 0 {
        return Err(MemberRuleError::LastAdmin);
    }
    Ok(())
}

/// Whether `actor` may add a member with `role`: the same rank rule as for changes.
pub fn check_member_add(actor: &Access, role: OrgRole) -> Result<(), MemberRuleError> {
    if actor.can_manage_member(role) {
        Ok(())
    } else {
        Err(MemberRuleError::HigherRole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SystemRole;

    fn access(system: SystemRole, role: OrgRole, org_type: OrgType) -> Access {
        Access::new(system, role, org_type, MembershipStatus::Active)
    }

    fn platform_admin() -> Access {
        access(SystemRole::Admin, OrgRole::Owner, OrgType::PlatformOwner)
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(organization_name("  HAGES GmbH "), Ok("HAGES GmbH".into()));
        assert_eq!(organization_name("ab"), Ok("ab".into()));
        assert_eq!(organization_name(" a "), Err(NameError::TooShort));
        assert_eq!(organization_name(""), Err(NameError::TooShort));
        assert_eq!(
            organization_name("ab\ncd"),
            Err(NameError::ControlCharacter)
        );
        assert_eq!(organization_name(&"é".repeat(255)), Ok("é".repeat(255)));
        assert_eq!(organization_name(&"x".repeat(256)), Err(NameError::TooLong));
    }

    #[test]
    fn every_type_but_platform_owner_can_be_created() {
        for org_type in OrgType::ALL {
            let result = creatable_type(org_type.as_str());
            if org_type == OrgType::PlatformOwner {
                assert_eq!(result, Err(OrgTypeError::Reserved));
            } else {
                assert_eq!(result, Ok(org_type));
            }
        }
        assert!(matches!(
            creatable_type("vibotaj"),
            Err(OrgTypeError::Unknown(_))
        ));
        assert!(matches!(
            creatable_type("Buyer"),
            Err(OrgTypeError::Unknown(_))
        ));
    }

    #[test]
    fn statuses_round_trip() {
        for (status, label) in
            OrganizationStatus::ALL
                .into_iter()
                .zip(["active", "suspended", "pending_setup"])
        {
            assert_eq!(status.as_str(), label);
            assert_eq!(OrganizationStatus::parse(label), Ok(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{label}\"")
            );
        }
        assert!(OrganizationStatus::parse("deleted").is_err());
    }

    #[test]
    fn the_platform_organization_stays_active() {
        let other = Uuid::from_u128(2);
        for status in OrganizationStatus::ALL {
            let allowed = status == OrganizationStatus::Active;
            assert_eq!(
                check_status_change(PLATFORM_ORGANIZATION_ID, status).is_ok(),
                allowed
            );
            assert!(check_status_change(other, status).is_ok());
        }
        assert_eq!(
            PLATFORM_ORGANIZATION_ID.to_string(),
            "00000000-0000-0000-0000-000000000001"
        );
    }

    #[test]
    fn suspension_reasons_are_optional_and_bounded() {
        assert_eq!(suspension_reason(None), Ok(None));
        assert_eq!(suspension_reason(Some("  ")), Ok(None));
        assert_eq!(suspension_reason(Some(" late ")), Ok(Some("late".into())));
        assert!(suspension_reason(Some(&"x".repeat(500))).is_ok());
        assert_eq!(
            suspension_reason(Some(&"x".repeat(501))),
            Err(TextError::TooLong {
                max: MAX_REASON_CHARS
            })
        );
        assert_eq!(suspension_reason(Some("a\0b")), Err(TextError::Nul));
    }

    #[test]
    fn settings_are_bounded_as_json_and_hold_no_nul() {
        // {"k":"…"} is 8 bytes around the value.
        let at_limit = serde_json::json!({"k": "x".repeat(MAX_SETTINGS_BYTES - 8)});
        assert_eq!(
            serde_json::to_vec(&at_limit).unwrap().len(),
            MAX_SETTINGS_BYTES
        );
        assert_eq!(check_settings(&at_limit), Ok(()));
        let over = serde_json::json!({"k": "x".repeat(MAX_SETTINGS_BYTES - 7)});
        assert_eq!(check_settings(&over), Err(SettingsError::TooLarge));
        assert_eq!(
            check_merged_settings(&over),
            Err(SettingsError::MergedTooLarge)
        );
        assert_eq!(check_merged_settings(&at_limit), Ok(()));
        for nul in [
            serde_json::json!({"a\u{0}": 1}),
            serde_json::json!({"a": ["ok", {"b": "x\u{0}"}]}),
        ] {
            assert_eq!(check_settings(&nul), Err(SettingsError::Nul), "{nul}");
        }
        assert_eq!(
            check_settings(&serde_json::json!({"a": [1, null, true]})),
            Ok(())
        );
    }

    #[test]
    fn only_active_owners_and_admins_administer() {
        for role in OrgRole::ALL {
            for status in MembershipStatus::ALL {
                assert_eq!(
                    administers(role, status),
                    role >= OrgRole::Admin && status == MembershipStatus::Active,
                    "{role} {status}"
                );
            }
        }
    }

    /// Every change × every target role and status × every actor org role (plus the platform
    /// admin) × with or without other administrators, against an independent oracle.
    #[test]
    fn member_changes_exhaustively() {
        let mut changes = vec![MemberChange::Remove];
        for role in OrgRole::ALL.map(Some).into_iter().chain([None]) {
            for status in MembershipStatus::ALL.map(Some).into_iter().chain([None]) {
                changes.push(MemberChange::Update { role, status });
            }
        }
        let mut actors: Vec<(Access, Option<OrgRole>)> = OrgRole::ALL
            .into_iter()
            .map(|role| {
                (
                    access(SystemRole::Admin, role, OrgType::Supplier),
                    Some(role),
                )
            })
            .collect();
        actors.push((platform_admin(), None));
        for (actor, actor_role) in actors {
            for target_role in OrgRole::ALL {
                for target_status in MembershipStatus::ALL {
                    for change in &changes {
                        for others in [0, 1] {
                            for is_self in [false, true] {
                                let target = MemberTarget {
                                    role: target_role,
                                    status: target_status,
                                    is_self,
                                };
                                let got = check_member_change(&actor, target, *change, others);
                                let expected = oracle(actor_role, target, *change, others);
                                assert_eq!(
                                    got, expected,
                                    "actor {actor_role:?} target {target:?} {change:?} others {others}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    /// Written from the reference's words: members:manage is admin and owner; a role manages
    /// only strictly lower roles; the platform admin (`None`) manages all.
    fn oracle(
        actor: Option<OrgRole>,
        target: MemberTarget,
        change: MemberChange,
        others: u64,
    ) -> Result<(), MemberRuleError> {
        let manages = |role: OrgRole| match actor {
            None => true,
            Some(mine) => {
                matches!(mine, OrgRole::Owner | OrgRole::Admin) && mine.level() > role.level()
            }
        };
        if target.is_self {
            return Err(MemberRuleError::ModifySelf);
        }
        if !manages(target.role) {
            return Err(MemberRuleError::HigherRole);
        }
        let (new_role, new_status, removed) = match change {
            MemberChange::Remove => (target.role, target.status, true),
            MemberChange::Update { role, status } => {
                if role.is_some_and(|r| !manages(r)) {
                    return Err(MemberRuleError::HigherRole);
                }
                (
                    role.unwrap_or(target.role),
                    status.unwrap_or(target.status),
                    false,
                )
            }
        };
        let was_admin = target.role.level() >= 4 && target.status == MembershipStatus::Active;
        let is_admin = !removed && new_role.level() >= 4 && new_status == MembershipStatus::Active;
        if was_admin && !is_admin && others == 0 {
            return Err(MemberRuleError::LastAdmin);
        }
        Ok(())
    }

    #[test]
    fn adding_follows_the_rank_rule() {
        let admin = access(SystemRole::Viewer, OrgRole::Admin, OrgType::Buyer);
        assert_eq!(check_member_add(&admin, OrgRole::Manager), Ok(()));
        assert_eq!(
            check_member_add(&admin, OrgRole::Admin),
            Err(MemberRuleError::HigherRole)
        );
        let manager = access(SystemRole::Admin, OrgRole::Manager, OrgType::Supplier);
        assert_eq!(
            check_member_add(&manager, OrgRole::Viewer),
            Err(MemberRuleError::HigherRole)
        );
        for role in OrgRole::ALL {
            assert_eq!(check_member_add(&platform_admin(), role), Ok(()));
        }
    }

    #[test]
    fn codes_are_the_references() {
        assert_eq!(MemberRuleError::ModifySelf.code(), "CANNOT_MODIFY_SELF");
        assert_eq!(
            MemberRuleError::HigherRole.code(),
            "CANNOT_MODIFY_HIGHER_ROLE"
        );
        assert_eq!(MemberRuleError::LastAdmin.code(), "LAST_ADMIN");
    }
}
