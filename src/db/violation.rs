//! What a constraint violation means, by constraint name: the one place that knows the
//! names. The HTTP layer maps each meaning to its answer once (`http::error`), so a race past
//! an application check (two requests creating the same reference at once) answers the same
//! 409 as the check itself.

/// A named rule the database refused a write under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// `ix_users_email`: an account (of any organization) has this address.
    EmailTaken,
    /// `uq_org_user`: the user is already a member of the organization.
    AlreadyMember,
    /// `organizations_slug_key`.
    SlugTaken,
    /// `uq_shipments_organization_reference` (revision 006): per organization.
    ReferenceTaken,
    /// `uq_invitations_pending_email` (revision 013): one pending invitation per address.
    PendingInvitationExists,
}

const NAMES: [(&str, Violation); 5] = [
    ("ix_users_email", Violation::EmailTaken),
    ("uq_org_user", Violation::AlreadyMember),
    ("organizations_slug_key", Violation::SlugTaken),
    (
        "uq_shipments_organization_reference",
        Violation::ReferenceTaken,
    ),
    (
        "uq_invitations_pending_email",
        Violation::PendingInvitationExists,
    ),
];

impl Violation {
    /// The constraint behind this meaning.
    pub fn constraint(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, v)| *v == self)
            .map(|(name, _)| *name)
            .expect("every violation has a name")
    }
}

/// The meaning of a unique violation of one of our named constraints, if `error` is one.
pub fn violation(error: &sqlx::Error) -> Option<Violation> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    if !db.is_unique_violation() {
        return None;
    }
    let name = db.constraint()?;
    NAMES.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Whether `error` is a foreign-key violation (a referenced row does not exist).
pub fn is_missing_reference(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_meaning_has_one_name() {
        for (name, violation) in NAMES {
            assert_eq!(violation.constraint(), name);
        }
        assert_eq!(violation(&sqlx::Error::RowNotFound), None);
    }
}
