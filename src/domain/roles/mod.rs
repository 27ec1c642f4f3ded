//! Who may do what: the six system roles and their permission matrix, and the organization
//! roles, types and permissions of the multi-tenant model.
//!
//! * [`SystemRole`] and [`Permission`] are the predecessor's global role model (one role per
//!   user, stored in `users.role` as an UPPER-CASE label, spoken in lower case by the API).
//! * [`OrgRole`], [`OrgType`] and [`OrgPermission`] describe a user's standing inside one
//!   organization (`org_memberships.role`, `organizations.type`).
//! * [`MembershipStatus`] and [`InvitationStatus`] are the lifecycles of memberships and
//!   invitations.
//!
//! How the two models combine into one decision per request is [`crate::domain::access`].

/// `Display` and `FromStr` through each label type's own `as_str` and `parse`, so the text
/// form is defined in exactly one place per type.
macro_rules! label_text {
    ($($label:ty),+ $(,)?) => {$(
        impl std::fmt::Display for $label {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $label {
            type Err = UnknownLabel;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }
    )+};
}

mod org;
mod status;
mod system;

pub use org::{org_permissions, OrgPermission, OrgRole, OrgType};
pub use status::{InvitationStatus, MembershipStatus};
pub use system::{Permission, SystemRole};

label_text!(
    OrgRole,
    OrgType,
    OrgPermission,
    MembershipStatus,
    InvitationStatus,
    SystemRole,
    Permission,
);

// The reference's matrices, transcribed independently of the implementation, for the tests
// of this module and of `access`.
#[cfg(test)]
pub(crate) use org::expected_cell as org_matrix_cell;
#[cfg(test)]
pub(crate) use system::expected_grant as system_matrix_cell;

/// The longest part of a rejected input that an [`UnknownLabel`] repeats: enough to
/// recognise a typo, never a megabyte of attacker-supplied text in a log line or a 422 body.
const MAX_ECHOED_CHARS: usize = 40;

/// A text that names none of the values of one of these enums.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}; expected one of: {expected}")]
pub struct UnknownLabel {
    kind: &'static str,
    value: String,
    expected: String,
}

impl UnknownLabel {
    pub(crate) fn new<'a>(
        kind: &'static str,
        value: &str,
        expected: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut echoed: String = value.chars().take(MAX_ECHOED_CHARS).collect();
        if value.chars().count() > MAX_ECHOED_CHARS {
            echoed.push('…');
        }
        Self {
            kind,
            value: echoed,
            expected: expected.into_iter().collect::<Vec<_>>().join(", "),
        }
    }

    /// What was being parsed, e.g. `"system role"`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The rejected text (shortened when long).
    pub fn value(&self) -> &str {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_label_names_the_kind_the_value_and_the_choices() {
        let error = UnknownLabel::new("colour", "mauve", ["red", "green"]);
        assert_eq!(error.kind(), "colour");
        assert_eq!(error.value(), "mauve");
        assert_eq!(
            error.to_string(),
            r#"unknown colour "mauve"; expected one of: red, green"#
        );
    }

    #[test]
    fn unknown_label_shortens_long_input() {
        let long = "x".repeat(10_000);
        let error = UnknownLabel::new("colour", &long, ["red"]);
        assert_eq!(error.value().chars().count(), MAX_ECHOED_CHARS + 1);
        assert!(error.value().ends_with('…'));
    }
}
