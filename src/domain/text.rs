//! Bounds of free text taken from requests.
//!
//! Every string a client sends has a length limit, checked before the database sees it: an
//! oversized value is a 422 naming the field, never a 500 from PostgreSQL (a value longer
//! than its column, a B-tree key over 2,704 bytes, a NUL character that `text` and `jsonb`
//! cannot hold). Limits count characters (Unicode scalar values), as a user would.

/// The longest search term of a list filter (`GET /shipments`, `/organizations`,
/// `/organizations/{id}/members`): longer terms are no search anyone types, and every
/// character becomes part of an ILIKE pattern scanned against every row.
pub const MAX_SEARCH_CHARS: usize = 100;

/// Why a text is refused; messages suit a 422 field error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must be at most {max} characters long")]
    TooLong { max: usize },
    #[error("must not contain NUL characters")]
    Nul,
}

/// `text` unchanged when it has at most `max` characters and no NUL.
pub fn bounded(text: &str, max: usize) -> Result<&str, TextError> {
    // Counting stops one past the limit: a megabyte value costs no more than a short one.
    if text.chars().nth(max).is_some() {
        return Err(TextError::TooLong { max });
    }
    if text.contains('\0') {
        return Err(TextError::Nul);
    }
    Ok(text)
}

/// An optional text field: trimmed, empty meaning none, at most `max` characters, no NUL.
pub fn optional(text: Option<&str>, max: usize) -> Result<Option<String>, TextError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => bounded(text, max).map(|t| Some(t.to_string())),
    }
}

/// A list's search term: trimmed, empty meaning none, at most [`MAX_SEARCH_CHARS`].
pub fn search_term(text: Option<&str>) -> Result<Option<String>, TextError> {
    optional(text, MAX_SEARCH_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_bounded_by_characters_not_bytes() {
        assert_eq!(bounded("", 3), Ok(""));
        assert_eq!(bounded("äöü", 3), Ok("äöü"));
        assert_eq!(bounded("äöüß", 3), Err(TextError::TooLong { max: 3 }));
        assert_eq!(bounded("a\0b", 3), Err(TextError::Nul));
        assert_eq!(
            TextError::TooLong { max: 100 }.to_string(),
            "must be at most 100 characters long"
        );
    }

    #[test]
    fn search_terms_are_trimmed_optional_and_at_most_100_characters() {
        assert_eq!(search_term(None), Ok(None));
        assert_eq!(search_term(Some("   ")), Ok(None));
        assert_eq!(search_term(Some(" hages ")), Ok(Some("hages".into())));
        let at_limit = "x".repeat(MAX_SEARCH_CHARS);
        assert_eq!(
            search_term(Some(&format!(" {at_limit} "))),
            Ok(Some(at_limit.clone()))
        );
        assert_eq!(
            search_term(Some(&format!("{at_limit}y"))),
            Err(TextError::TooLong {
                max: MAX_SEARCH_CHARS
            })
        );
        assert_eq!(search_term(Some("a\0")), Err(TextError::Nul));
    }
}
