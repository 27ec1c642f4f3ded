//! Lifecycles of memberships and invitations (database revision 003).

use serde::{Deserialize, Serialize};

use super::UnknownLabel;

/// Whether a membership currently confers anything (`org_memberships.status`).
///
/// The predecessor's spec also had `pending`; we model a not-yet-accepted membership as an
/// [`InvitationStatus::Pending`] invitation instead, so a membership row exists only once
/// someone is actually in the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipStatus {
    Active,
    Suspended,
}

impl MembershipStatus {
    /// Both statuses.
    pub const ALL: [MembershipStatus; 2] = [MembershipStatus::Active, MembershipStatus::Suspended];

    /// The label shared by the API and the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            MembershipStatus::Active => "active",
            MembershipStatus::Suspended => "suspended",
        }
    }

    /// Parses the label (exact, lower case).
    pub fn parse(text: &str) -> Result<Self, UnknownLabel> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                UnknownLabel::new(
                    "membership status",
                    text,
                    Self::ALL.map(MembershipStatus::as_str),
                )
            })
    }

    /// Only an active membership grants any permission.
    pub const fn is_active(self) -> bool {
        matches!(self, MembershipStatus::Active)
    }
}

/// Where an invitation stands (`invitations.status`).
///
/// `pending` is the only open state; the other three are final. An invitation is single
/// use: once accepted it can never be accepted again, and a resend issues a new token for a
/// still-pending invitation rather than reopening a closed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

impl InvitationStatus {
    /// Every status.
    pub const ALL: [InvitationStatus; 4] = [
        InvitationStatus::Pending,
        InvitationStatus::Accepted,
        InvitationStatus::Expired,
        InvitationStatus::Revoked,
    ];

    /// The label shared by the API and the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Accepted => "accepted",
            InvitationStatus::Expired => "expired",
            InvitationStatus::Revoked => "revoked",
        }
    }

    /// Parses the label (exact, lower case).
    pub fn parse(text: &str) -> Result<Self, UnknownLabel> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                UnknownLabel::new(
                    "invitation status",
                    text,
                    Self::ALL.map(InvitationStatus::as_str),
                )
            })
    }

    /// Whether nothing can happen to the invitation any more.
    pub const fn is_final(self) -> bool {
        !matches!(self, InvitationStatus::Pending)
    }

    /// Whether the stored status may change to `next`: only a pending invitation moves, and
    /// only to one of the final states.
    pub const fn can_transition_to(self, next: InvitationStatus) -> bool {
        matches!(self, InvitationStatus::Pending) && next.is_final()
    }

    /// The status as users must see it: a pending invitation whose `expires_at` has passed
    /// is expired, even before a sweep has rewritten the row. Accept and validate must use
    /// this, never the stored status alone.
    pub const fn effective(self, past_expiry: bool) -> InvitationStatus {
        match self {
            InvitationStatus::Pending if past_expiry => InvitationStatus::Expired,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_labels_round_trip() {
        for (status, label) in MembershipStatus::ALL
            .into_iter()
            .zip(["active", "suspended"])
        {
            assert_eq!(status.as_str(), label);
            assert_eq!(MembershipStatus::parse(label), Ok(status));
            assert_eq!(label.parse::<MembershipStatus>(), Ok(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{label}\"")
            );
        }
        assert!(MembershipStatus::parse("pending").is_err());
        assert!(MembershipStatus::parse("inactive").is_err());
        assert!(MembershipStatus::Active.is_active());
        assert!(!MembershipStatus::Suspended.is_active());
    }

    #[test]
    fn invitation_labels_round_trip() {
        let labels = ["pending", "accepted", "expired", "revoked"];
        for (status, label) in InvitationStatus::ALL.into_iter().zip(labels) {
            assert_eq!(status.as_str(), label);
            assert_eq!(InvitationStatus::parse(label), Ok(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{label}\"")
            );
            assert_eq!(
                serde_json::from_str::<InvitationStatus>(&format!("\"{label}\"")).unwrap(),
                status
            );
        }
        assert!(InvitationStatus::parse("used").is_err());
    }

    #[test]
    fn every_invitation_transition() {
        use InvitationStatus::*;
        // Rows: from; columns: to, in ALL order (pending, accepted, expired, revoked).
        let expected: [(InvitationStatus, [bool; 4]); 4] = [
            (Pending, [false, true, true, true]),
            (Accepted, [false, false, false, false]),
            (Expired, [false, false, false, false]),
            (Revoked, [false, false, false, false]),
        ];
        for (from, row) in expected {
            assert_eq!(from.is_final(), from != Pending);
            for (to, allowed) in InvitationStatus::ALL.into_iter().zip(row) {
                assert_eq!(from.can_transition_to(to), allowed, "{from} → {to}");
            }
        }
    }

    #[test]
    fn only_a_pending_invitation_expires_by_the_clock() {
        use InvitationStatus::*;
        assert_eq!(Pending.effective(false), Pending);
        assert_eq!(Pending.effective(true), Expired);
        for status in [Accepted, Expired, Revoked] {
            assert_eq!(status.effective(false), status);
            assert_eq!(status.effective(true), status);
        }
    }
}
