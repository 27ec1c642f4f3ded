//! Invitation rules: the token and its stored hash, who may invite which role, who may see
//! or change an invitation, whether it can still be used, and the system role a person who
//! registers through one receives (reference §3.1–§3.3).
//!
//! The token is 32 random bytes, written base64url without padding (43 characters); only the
//! SHA-256 of that text (64 lower-case hex digits, the format `invitations.token_hash`
//! checks) is ever stored, so a leaked table does not hand out memberships.

use sha2::{Digest, Sha256};

use super::{Access, InvitationStatus, OrgPermission, OrgRole, OrgType, SystemRole};

/// How long an invitation can be used after it is created or resent.
pub const INVITATION_TTL_DAYS: i64 = 7;
/// Random bytes in a token.
pub const TOKEN_BYTES: usize = 32;
/// The longest `custom_message` (characters).
pub const MAX_CUSTOM_MESSAGE_CHARS: usize = 1000;
/// The longest `redirect_url` (characters).
pub const MAX_REDIRECT_URL_CHARS: usize = 500;
/// The longest token text accepted: real tokens are 43 characters; a longer text cannot be
/// one and is refused (422) before it is hashed or counted.
pub const MAX_TOKEN_CHARS: usize = 128;

/// A freshly generated invitation token: shown once (in the invitation URL), never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct InvitationToken(String);

impl std::fmt::Debug for InvitationToken {
    /// Never prints the secret (tokens end up in logs through `{:?}` otherwise).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvitationToken(…)")
    }
}

impl InvitationToken {
    /// A new token from the thread's cryptographically secure generator.
    pub fn generate() -> Self {
        Self::from_bytes(rand::random::<[u8; TOKEN_BYTES]>())
    }

    /// The token for given random bytes (tests; `generate` in production).
    pub fn from_bytes(bytes: [u8; TOKEN_BYTES]) -> Self {
        Self(base64url(&bytes))
    }

    /// The text handed to the invitee.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What is stored and looked up: see [`token_hash`].
    pub fn hash(&self) -> String {
        token_hash(&self.0)
    }
}

/// SHA-256 of the token text as 64 lower-case hex digits. Surrounding whitespace (a pasted
/// token) is ignored; anything else changes the hash, so a wrong token simply finds nothing.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// RFC 4648 §5 base64url without padding.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        // 1 input byte gives 2 output characters, 2 give 3, 3 give 4.
        for i in 0..=chunk.len() {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// Why an invitation cannot be used (validate, accept, register), with the reference's
/// codes (§3.2) plus `INVITATION_REVOKED`, which the reference lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    Expired,
    AlreadyUsed,
    Revoked,
}

impl Unusable {
    pub const fn code(self) -> &'static str {
        match self {
            Unusable::Expired => "INVITATION_EXPIRED",
            Unusable::AlreadyUsed => "INVITATION_ALREADY_USED",
            Unusable::Revoked => "INVITATION_REVOKED",
        }
    }

    pub const fn message(self) -> &'static str {
        match self {
            Unusable::Expired => "This invitation has expired; ask for a new one",
            Unusable::AlreadyUsed => "This invitation has already been used",
            Unusable::Revoked => "This invitation was withdrawn",
        }
    }
}

/// Whether an invitation with the stored `status` can be used; `past_expiry` comes from the
/// database's clock (`expires_at <= now()`), never the server's.
pub fn check_usable(status: InvitationStatus, past_expiry: bool) -> Result<(), Unusable> {
    match status.effective(past_expiry) {
        InvitationStatus::Pending => Ok(()),
        InvitationStatus::Expired => Err(Unusable::Expired),
        InvitationStatus::Accepted => Err(Unusable::AlreadyUsed),
        InvitationStatus::Revoked => Err(Unusable::Revoked),
    }
}

/// Whether the caller may create invitations in the organization they act in (organization
/// owners, admins and managers; platform admins anywhere).
pub fn may_invite(access: &Access) -> bool {
    access.is_platform_admin() || access.allows_org(OrgPermission::InvitationsCreate)
}

/// Whether the caller may give an invitee `invited`: nobody invites above their own rank
/// (`CANNOT_INVITE_HIGHER_ROLE`); a peer's rank is fine — an admin must be able to bring in
/// a second admin. Platform admins may grant any role.
pub fn may_grant(access: &Access, invited: OrgRole) -> bool {
    access.is_platform_admin() || invited <= access.org_role()
}

/// Whether the caller may read one invitation: whoever may list the organization's
/// invitations (admins and managers, not only admins as the reference says — they see it in
/// the list anyway), its creator, and the invitee.
pub fn may_view(access: &Access, is_inviter: bool, is_invitee: bool) -> bool {
    may_invite(access) || is_inviter || is_invitee
}

/// Whether the caller may resend or revoke an invitation: organization admins (and owners,
/// platform admins), and the original inviter while they may still invite.
pub fn may_manage(access: &Access, is_inviter: bool) -> bool {
    access.is_platform_admin()
        || access.allows_org(OrgPermission::InvitationsRevoke)
        || (is_inviter && may_invite(access))
}

/// Whether an address belongs to the invitee: e-mail addresses compare case-insensitively
/// and without surrounding whitespace.
pub fn same_email(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Why a `redirect_url` is refused; messages suit a 422 field error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectError {
    #[error("must be at most {MAX_REDIRECT_URL_CHARS} characters long")]
    TooLong,
    #[error("must not contain control characters or backslashes")]
    Forbidden,
    #[error(
        "must be a path starting with / (not //) or an absolute http(s) URL of an allowed origin"
    )]
    NotAPathOrUrl,
    #[error("the origin {0} is not one of the allowed origins (CORS_ORIGINS)")]
    OriginNotAllowed(String),
}

/// Where the front end may send an invitee after accepting: a path of the same site
/// (`/dashboard?tab=1`), or an absolute URL whose origin is one of `allowed_origins` (the
/// front ends allowed to call the API, `CORS_ORIGINS`). Anything else would make our
/// invitation links an open redirect — `javascript:` and `data:` run script, `//evil.com`
/// and `/\evil.com` are other sites to a browser (which reads `\` as `/`), and control
/// characters are dropped by browsers, turning `/\t/evil.com` into `//evil.com`. Returns the
/// value to store (trimmed); no credentials (`user@`) in absolute URLs either.
pub fn check_redirect_url(url: &str, allowed_origins: &[String]) -> Result<String, RedirectError> {
    let url = url.trim();
    if url.chars().nth(MAX_REDIRECT_URL_CHARS).is_some() {
        return Err(RedirectError::TooLong);
    }
    if url.chars().any(|c| c.is_control() || c == '\\') {
        return Err(RedirectError::Forbidden);
    }
    if let Some(rest) = url.strip_prefix('/') {
        return if rest.starts_with('/') {
            Err(RedirectError::NotAPathOrUrl)
        } else {
            Ok(url.to_string())
        };
    }
    let parsed = url::Url::parse(url).map_err(|_| RedirectError::NotAPathOrUrl)?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host().is_none()
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(RedirectError::NotAPathOrUrl);
    }
    let origin = parsed.origin().ascii_serialization();
    if allowed_origins.contains(&origin) {
        Ok(url.to_string())
    } else {
        Err(RedirectError::OriginNotAllowed(origin))
    }
}

/// The system role of a user who registers through an invitation, by organization type.
/// Never admin or compliance (those are granted by a platform admin, not by a link); in the
/// platform owner's organization a newcomer starts as a viewer until an admin raises them.
pub const fn system_role_for(org_type: OrgType) -> SystemRole {
    match org_type {
        OrgType::PlatformOwner => SystemRole::Viewer,
        OrgType::Buyer => SystemRole::Buyer,
        OrgType::Supplier => SystemRole::Supplier,
        OrgType::LogisticsAgent => SystemRole::LogisticsAgent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MembershipStatus;

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(input.as_bytes()), expected, "{input}");
        }
        // The two characters that differ from standard base64.
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn tokens_are_43_url_safe_characters_and_differ() {
        let a = InvitationToken::generate();
        let b = InvitationToken::generate();
        assert_ne!(a, b);
        for token in [&a, &b] {
            assert_eq!(token.as_str().len(), 43);
            assert!(token
                .as_str()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        }
        assert_eq!(
            InvitationToken::from_bytes([0; TOKEN_BYTES]).as_str(),
            "A".repeat(43)
        );
        assert!(!format!("{a:?}").contains(a.as_str()));
    }

    #[test]
    fn only_the_sha256_hex_is_stored() {
        // SHA-256("abc") from FIPS 180-2.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(token_hash("  abc\n"), token_hash("abc"));
        let token = InvitationToken::generate();
        let hash = token.hash();
        assert_eq!(hash.len(), 64);
        assert!(hash.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
        assert_ne!(hash, token.as_str());
        assert_eq!(hash, token_hash(token.as_str()));
    }

    #[test]
    fn usability_follows_status_and_database_clock() {
        use InvitationStatus::*;
        for (status, past, expected) in [
            (Pending, false, Ok(())),
            (Pending, true, Err(Unusable::Expired)),
            (Expired, false, Err(Unusable::Expired)),
            (Expired, true, Err(Unusable::Expired)),
            (Accepted, false, Err(Unusable::AlreadyUsed)),
            (Accepted, true, Err(Unusable::AlreadyUsed)),
            (Revoked, false, Err(Unusable::Revoked)),
            (Revoked, true, Err(Unusable::Revoked)),
        ] {
            assert_eq!(check_usable(status, past), expected, "{status:?} {past}");
        }
        assert_eq!(Unusable::Expired.code(), "INVITATION_EXPIRED");
        assert_eq!(Unusable::AlreadyUsed.code(), "INVITATION_ALREADY_USED");
        assert_eq!(Unusable::Revoked.code(), "INVITATION_REVOKED");
        for reason in [Unusable::Expired, Unusable::AlreadyUsed, Unusable::Revoked] {
            assert!(!reason.message().is_empty());
        }
    }

    fn access(system: SystemRole, org_role: OrgRole, org_type: OrgType) -> Access {
        Access::new(system, org_role, org_type, MembershipStatus::Active)
    }

    #[test]
    fn who_may_invite_and_grant_which_role() {
        for org_type in OrgType::ALL {
            for inviter in OrgRole::ALL {
                let caller = access(SystemRole::Viewer, inviter, org_type);
                assert_eq!(
                    may_invite(&caller),
                    inviter >= OrgRole::Manager,
                    "{inviter:?} in {org_type:?}"
                );
                for invited in OrgRole::ALL {
                    assert_eq!(
                        may_grant(&caller, invited),
                        invited.level() <= inviter.level(),
                        "{inviter:?} grants {invited:?}"
                    );
                }
            }
        }
        let platform = access(SystemRole::Admin, OrgRole::Admin, OrgType::PlatformOwner);
        assert!(platform.is_platform_admin());
        assert!(may_invite(&platform));
        assert!(OrgRole::ALL.into_iter().all(|r| may_grant(&platform, r)));
        // A suspended membership invites nobody.
        let suspended = Access::new(
            SystemRole::Admin,
            OrgRole::Owner,
            OrgType::Supplier,
            MembershipStatus::Suspended,
        );
        assert!(!may_invite(&suspended));
    }

    #[test]
    fn who_may_view_and_manage_one_invitation() {
        for org_role in OrgRole::ALL {
            let caller = access(SystemRole::Viewer, org_role, OrgType::Supplier);
            let lister = org_role >= OrgRole::Manager;
            let admin = org_role >= OrgRole::Admin;
            for (inviter, invitee) in [(false, false), (true, false), (false, true), (true, true)] {
                assert_eq!(
                    may_view(&caller, inviter, invitee),
                    lister || inviter || invitee,
                    "{org_role:?} inviter={inviter} invitee={invitee}"
                );
            }
            assert_eq!(may_manage(&caller, false), admin, "{org_role:?}");
            // The inviter keeps control only while they may still invite.
            assert_eq!(may_manage(&caller, true), lister, "{org_role:?} inviter");
        }
        let platform = access(SystemRole::Admin, OrgRole::Owner, OrgType::PlatformOwner);
        assert!(may_manage(&platform, false));
        assert!(may_view(&platform, false, false));
    }

    #[test]
    fn emails_compare_case_insensitively() {
        assert!(same_email("Ann@Example.com", " ann@example.COM "));
        assert!(!same_email("ann@example.com", "anne@example.com"));
    }

    #[test]
    fn redirects_are_same_site_paths_or_urls_of_allowed_origins() {
        let allowed = vec![
            "https://app.example.com".to_string(),
            "http://localhost:5173".to_string(),
        ];
        for good in [
            "/",
            "/dashboard",
            " /shipments?tab=documents#top ",
            "https://app.example.com",
            "https://app.example.com/welcome?x=1",
            "HTTPS://APP.example.com:443/x",
            "http://localhost:5173/after",
        ] {
            assert_eq!(
                check_redirect_url(good, &allowed),
                Ok(good.trim().to_string()),
                "{good}"
            );
        }
        for (bad, expected) in [
            ("javascript:alert(1)", RedirectError::NotAPathOrUrl),
            ("JavaScript:alert(1)", RedirectError::NotAPathOrUrl),
            (
                "data:text/html,<script>x</script>",
                RedirectError::NotAPathOrUrl,
            ),
            ("//evil.example.com/x", RedirectError::NotAPathOrUrl),
            ("///evil.example.com", RedirectError::NotAPathOrUrl),
            ("dashboard", RedirectError::NotAPathOrUrl),
            ("ftp://app.example.com/x", RedirectError::NotAPathOrUrl),
            (
                "https://user@app.example.com/",
                RedirectError::NotAPathOrUrl,
            ),
            ("/\\evil.example.com", RedirectError::Forbidden),
            ("https:\\\\evil.example.com", RedirectError::Forbidden),
            ("/\t/evil.example.com", RedirectError::Forbidden),
            ("/a\nb", RedirectError::Forbidden),
            ("/a\u{0}b", RedirectError::Forbidden),
            (
                "https://evil.example.com/",
                RedirectError::OriginNotAllowed("https://evil.example.com".into()),
            ),
            (
                "http://app.example.com/",
                RedirectError::OriginNotAllowed("http://app.example.com".into()),
            ),
            (
                "https://app.example.com.evil.com/",
                RedirectError::OriginNotAllowed("https://app.example.com.evil.com".into()),
            ),
            (
                "https://app.example.com@evil.com/",
                RedirectError::NotAPathOrUrl,
            ),
        ] {
            assert_eq!(check_redirect_url(bad, &allowed), Err(expected), "{bad:?}");
        }
        // Without CORS origins only paths are accepted.
        assert!(check_redirect_url("https://app.example.com/", &[]).is_err());
        assert!(check_redirect_url("/ok", &[]).is_ok());
        let long = format!("/{}", "x".repeat(MAX_REDIRECT_URL_CHARS));
        assert_eq!(check_redirect_url(&long, &[]), Err(RedirectError::TooLong));
        assert!(check_redirect_url(&long[1..], &[]).is_err());
        assert!(check_redirect_url(&long[..MAX_REDIRECT_URL_CHARS], &[]).is_ok());
    }

    #[test]
    fn registrants_never_become_admins() {
        for (org_type, role) in [
            (OrgType::PlatformOwner, SystemRole::Viewer),
            (OrgType::Buyer, SystemRole::Buyer),
            (OrgType::Supplier, SystemRole::Supplier),
            (OrgType::LogisticsAgent, SystemRole::LogisticsAgent),
        ] {
            assert_eq!(system_role_for(org_type), role);
            // The labels revision 013's register function accepts.
            assert!(["VIEWER", "BUYER", "SUPPLIER", "LOGISTICS_AGENT"]
                .contains(&system_role_for(org_type).db_label()));
        }
    }
}
