//! Password strength rules for registration, password change and admin reset.
//!
//! The predecessor applied these rules on create and change but only a length check on the
//! admin reset; we apply the same rules everywhere a password is chosen.
//!
//! Length counts characters (Unicode scalar values), as a user would and as the predecessor's
//! 8–128 limit did. The 72-byte limit that silently truncates bcrypt input does not apply:
//! new hashes are argon2id, which reads the whole password. Adopted bcrypt hashes are
//! verified once and then replaced, and a password that was set under bcrypt was stored
//! with at most 72 significant bytes anyway, so no rule is needed for it here. The 128
//! upper bound keeps hashing cost per request bounded.
//!
//! Upper- and lower-case letters are recognised in any script (`Ä` is upper case); digits
//! are the ASCII digits 0–9, the ones every keyboard and every user means.

use serde::Serialize;

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The most characters a password may have.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// One strength rule a password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum PasswordRule {
    #[error("must be at least {min} characters long", min = MIN_PASSWORD_CHARS)]
    TooShort,
    #[error("must be at most {max} characters long", max = MAX_PASSWORD_CHARS)]
    TooLong,
    #[error("must contain an upper-case letter")]
    MissingUppercase,
    #[error("must contain a lower-case letter")]
    MissingLowercase,
    #[error("must contain a digit")]
    MissingDigit,
}

impl PasswordRule {
    /// A short machine code, e.g. `too_short`, for clients that translate messages.
    pub const fn code(self) -> &'static str {
        match self {
            PasswordRule::TooShort => "too_short",
            PasswordRule::TooLong => "too_long",
            PasswordRule::MissingUppercase => "missing_uppercase",
            PasswordRule::MissingLowercase => "missing_lowercase",
            PasswordRule::MissingDigit => "missing_digit",
        }
    }
}

/// Checks every rule and reports all that are broken, in a fixed order (length first), so a
/// 422 response can list them under the password field at once.
pub fn check_password_rules(password: &str) -> Result<(), Vec<PasswordRule>> {
    let length = password.chars().count();
    let mut broken = Vec::new();
    if length < MIN_PASSWORD_CHARS {
        broken.push(PasswordRule::TooShort);
    }
    if length > MAX_PASSWORD_CHARS {
        broken.push(PasswordRule::TooLong);
    }
    if !password.chars().any(char::is_uppercase) {
        broken.push(PasswordRule::MissingUppercase);
    }
    if !password.chars().any(char::is_lowercase) {
        broken.push(PasswordRule::MissingLowercase);
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        broken.push(PasswordRule::MissingDigit);
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(broken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PasswordRule::*;

    #[test]
    fn good_passwords_pass() {
        for password in [
            "Passw0rd",
            "Tr4ceHub-2026",
            "correct Horse battery 9",
            "Ärger1234",
            &format!("Aa1{}", "x".repeat(125)),
        ] {
            assert_eq!(check_password_rules(password), Ok(()), "{password:?}");
        }
    }

    #[test]
    fn each_rule_alone() {
        let cases: [(&str, Vec<PasswordRule>); 5] = [
            ("Pa55wor", vec![TooShort]),
            ("PASSW0RD", vec![MissingLowercase]),
            ("passw0rd", vec![MissingUppercase]),
            ("Password", vec![MissingDigit]),
            (&format!("Aa1{}", "x".repeat(126)), vec![TooLong]),
        ];
        for (password, expected) in cases {
            assert_eq!(
                check_password_rules(password),
                Err(expected),
                "{password:?}"
            );
        }
    }

    #[test]
    fn all_broken_rules_are_reported_in_order() {
        assert_eq!(
            check_password_rules(""),
            Err(vec![
                TooShort,
                MissingUppercase,
                MissingLowercase,
                MissingDigit
            ])
        );
        assert_eq!(
            check_password_rules(&"!".repeat(200)),
            Err(vec![
                TooLong,
                MissingUppercase,
                MissingLowercase,
                MissingDigit
            ])
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 8 characters, 15 bytes: long enough.
        assert_eq!(check_password_rules("Ää1äääää"), Ok(()));
        assert_eq!(check_password_rules("Ää1ääää"), Err(vec![TooShort]));
        // 128 characters of 4 bytes each (512 bytes) is still within the limit.
        let wide = format!("Aa1{}", "𝄞".repeat(125));
        assert_eq!(wide.chars().count(), 128);
        assert_eq!(check_password_rules(&wide), Ok(()));
    }

    #[test]
    fn only_ascii_digits_count() {
        assert_eq!(check_password_rules("Password٣"), Err(vec![MissingDigit]));
    }

    #[test]
    fn messages_and_codes_suit_a_field_error() {
        let all = [
            TooShort,
            TooLong,
            MissingUppercase,
            MissingLowercase,
            MissingDigit,
        ];
        let messages: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            vec![
                "must be at least 8 characters long",
                "must be at most 128 characters long",
                "must contain an upper-case letter",
                "must contain a lower-case letter",
                "must contain a digit",
            ]
        );
        for rule in all {
            assert_eq!(
                serde_json::to_string(&rule).unwrap(),
                format!("\"{}\"", rule.code())
            );
        }
    }
}
