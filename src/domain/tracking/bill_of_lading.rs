//! Bill-of-lading numbers, e.g. `MAEU240512345` or `SELM60819800`.
//!
//! Lines print them in many layouts, but every one we have met is letters and digits only,
//! usually the line's code followed by a serial. We accept 4 to 35 ASCII letters or digits
//! (35 is the length of the UN/EDIFACT document-number field that carries them), upper
//! case, surrounding whitespace ignored. Nothing else — no spaces, dashes, slashes or dots —
//! so a number is always one safe URL path segment when we ask a tracking provider about
//! it (the predecessor interpolated whatever the user typed).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The fewest characters of a bill-of-lading number.
pub const MIN_CHARS: usize = 4;
/// The most characters of a bill-of-lading number.
pub const MAX_CHARS: usize = 35;

/// A well-formed bill-of-lading number: 4–35 ASCII letters and digits, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BillOfLading(String);

/// Why a text is not a bill-of-lading number; messages suit a 422 field error. Positions
/// are 1-based, as a user counts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillOfLadingError {
    #[error("a bill of lading number is required")]
    Empty,
    #[error(
        "a bill of lading number has {MIN_CHARS} to {MAX_CHARS} letters and digits, this one has {found} characters"
    )]
    Length { found: usize },
    #[error(
        "a bill of lading number has only letters A-Z and digits 0-9; character {position} is {found:?}"
    )]
    Character { position: usize, found: char },
}

impl BillOfLading {
    /// Parses a number, ignoring surrounding whitespace and letter case.
    pub fn parse(text: &str) -> Result<Self, BillOfLadingError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(BillOfLadingError::Empty);
        }
        // The character check comes first: `../x` is refused for what it contains, which
        // tells the user more than its length would.
        if let Some((index, found)) = trimmed
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_alphanumeric())
        {
            return Err(BillOfLadingError::Character {
                position: index + 1,
                found,
            });
        }
        // Only ASCII is left, so bytes are characters.
        if !(MIN_CHARS..=MAX_CHARS).contains(&trimmed.len()) {
            return Err(BillOfLadingError::Length {
                found: trimmed.len(),
            });
        }
        Ok(Self(trimmed.to_ascii_uppercase()))
    }

    /// The number, e.g. `MAEU240512345`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BillOfLading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BillOfLading {
    type Err = BillOfLadingError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for BillOfLading {
    type Error = BillOfLadingError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<BillOfLading> for String {
    fn from(number: BillOfLading) -> Self {
        number.0
    }
}

impl AsRef<str> for BillOfLading {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_trimmed_and_upper_cased() {
        let number = BillOfLading::parse("  maeu240512345\n").unwrap();
        assert_eq!(number.as_str(), "MAEU240512345");
        assert_eq!(number.to_string(), "MAEU240512345");
        assert_eq!(
            BillOfLading::parse("SELM60819800").unwrap().as_str(),
            "SELM60819800"
        );
        assert_eq!("1234".parse::<BillOfLading>().unwrap().as_str(), "1234");
    }

    #[test]
    fn length_is_bounded_on_both_sides() {
        assert_eq!(
            BillOfLading::parse("ABC"),
            Err(BillOfLadingError::Length { found: 3 })
        );
        assert!(BillOfLading::parse(&"A".repeat(35)).is_ok());
        assert_eq!(
            BillOfLading::parse(&"A".repeat(36)),
            Err(BillOfLadingError::Length { found: 36 })
        );
        assert_eq!(
            BillOfLading::parse(&"7".repeat(40)),
            Err(BillOfLadingError::Length { found: 40 })
        );
    }

    #[test]
    fn anything_but_letters_and_digits_is_refused_by_position() {
        let cases = [
            ("../x", 1, '.'),
            ("MAEU 1234", 5, ' '),
            ("MAEU-1234", 5, '-'),
            ("MAEU/1234", 5, '/'),
            ("MAEU%2F12", 5, '%'),
            ("MAEU?x=1", 5, '?'),
            ("MAEU\u{0}123", 5, '\u{0}'),
            ("MAEÜ1234", 4, 'Ü'),
            ("ＭAEU1234", 1, 'Ｍ'),
        ];
        for (text, position, found) in cases {
            assert_eq!(
                BillOfLading::parse(text),
                Err(BillOfLadingError::Character { position, found }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn empty_input_is_named_as_such() {
        assert_eq!(BillOfLading::parse(""), Err(BillOfLadingError::Empty));
        assert_eq!(BillOfLading::parse(" \t "), Err(BillOfLadingError::Empty));
    }

    #[test]
    fn messages_speak_to_the_user() {
        assert_eq!(
            BillOfLadingError::Length { found: 40 }.to_string(),
            "a bill of lading number has 4 to 35 letters and digits, this one has 40 characters"
        );
        assert_eq!(
            BillOfLadingError::Character {
                position: 5,
                found: ' '
            }
            .to_string(),
            "a bill of lading number has only letters A-Z and digits 0-9; character 5 is ' '"
        );
    }

    #[test]
    fn serde_goes_through_parse() {
        let number: BillOfLading = serde_json::from_str("\"hlcu123456\"").unwrap();
        assert_eq!(number.as_str(), "HLCU123456");
        assert_eq!(serde_json::to_string(&number).unwrap(), "\"HLCU123456\"");
        assert!(serde_json::from_str::<BillOfLading>("\"../etc\"").is_err());
    }
}
