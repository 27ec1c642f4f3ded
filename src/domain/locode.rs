//! UN/LOCODE port and place codes, e.g. `NGAPP` (Apapa, Lagos) or `DEHAM` (Hamburg).
//!
//! A code is an ISO 3166-1 alpha-2 country code followed by a 3-character location code of
//! letters and the digits 2-9 (UNECE leaves out 0 and 1 so they cannot be confused with O
//! and I). Trade documents often print the two parts apart (`DE HAM`), so one space between
//! them is accepted; the stored form never has it.
//!
//! The country part is checked for shape only, not against the ISO 3166 list: UN/LOCODE
//! itself uses code points outside that list (`XZ`, installations in international waters),
//! and keeping a country table current is not this type's job.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A well-formed UN/LOCODE, upper case, five characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnLocode(String);

/// Why a text is not a UN/LOCODE. Positions are 1-based and count the code without the
/// optional space.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnLocodeError {
    #[error("a UN/LOCODE has 5 characters (e.g. DEHAM or DE HAM), this one has {found}")]
    Length { found: usize },
    #[error(
        "characters 1-2 must be a country code of letters A-Z; character {position} is {found:?}"
    )]
    Country { position: usize, found: char },
    #[error("characters 3-5 must be letters A-Z or digits 2-9; character {position} is {found:?}")]
    Location { position: usize, found: char },
}

impl UnLocode {
    /// Parses a code, ignoring surrounding whitespace, letter case and one space between
    /// the country and the location.
    pub fn parse(text: &str) -> Result<Self, UnLocodeError> {
        let upper = text.trim().to_uppercase();
        let mut chars: Vec<char> = upper.chars().collect();
        if chars.len() == 6 && chars[2] == ' ' {
            chars.remove(2);
        }
        if chars.len() != 5 {
            return Err(UnLocodeError::Length { found: chars.len() });
        }
        for (index, &found) in chars[..2].iter().enumerate() {
            if !found.is_ascii_uppercase() {
                return Err(UnLocodeError::Country {
                    position: index + 1,
                    found,
                });
            }
        }
        for (index, &found) in chars[2..].iter().enumerate() {
            if !(found.is_ascii_uppercase() || ('2'..='9').contains(&found)) {
                return Err(UnLocodeError::Location {
                    position: index + 3,
                    found,
                });
            }
        }
        Ok(Self(chars.into_iter().collect()))
    }

    /// The code, e.g. `DEHAM`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country part, e.g. `DE`: what the required-documents matrix keys on.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// The location part, e.g. `HAM`.
    pub fn location(&self) -> &str {
        &self.0[2..]
    }
}

impl fmt::Display for UnLocode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for UnLocode {
    type Err = UnLocodeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for UnLocode {
    type Error = UnLocodeError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<UnLocode> for String {
    fn from(code: UnLocode) -> Self {
        code.0
    }
}

impl AsRef<str> for UnLocode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_codes() {
        for (input, code, country, location) in [
            ("NGAPP", "NGAPP", "NG", "APP"),
            ("DEHAM", "DEHAM", "DE", "HAM"),
            ("nlrtm", "NLRTM", "NL", "RTM"),
            ("  BEANR\t", "BEANR", "BE", "ANR"),
            ("DE HAM", "DEHAM", "DE", "HAM"),
            (" de ham ", "DEHAM", "DE", "HAM"),
            ("USNYC", "USNYC", "US", "NYC"),
            ("GB2MA", "GB2MA", "GB", "2MA"),
            ("XZ999", "XZ999", "XZ", "999"),
        ] {
            let parsed = UnLocode::parse(input).unwrap();
            assert_eq!(parsed.as_str(), code, "{input:?}");
            assert_eq!(parsed.country(), country);
            assert_eq!(parsed.location(), location);
            assert_eq!(parsed.to_string(), code);
        }
    }

    #[test]
    fn invalid_codes_say_why() {
        use UnLocodeError::*;
        let cases: [(&str, UnLocodeError); 13] = [
            ("", Length { found: 0 }),
            ("DEHA", Length { found: 4 }),
            ("DEHAMB", Length { found: 6 }),
            ("DE  HAM", Length { found: 7 }),
            ("D EHAM", Length { found: 6 }),
            ("DEH AM", Length { found: 6 }),
            ("DE-HAM", Length { found: 6 }),
            (
                "D1HAM",
                Country {
                    position: 2,
                    found: '1',
                },
            ),
            (
                "ÜEHAM",
                Country {
                    position: 1,
                    found: 'Ü',
                },
            ),
            (
                "DEHA1",
                Location {
                    position: 5,
                    found: '1',
                },
            ),
            (
                "DEH0M",
                Location {
                    position: 4,
                    found: '0',
                },
            ),
            (
                "DE_AM",
                Location {
                    position: 3,
                    found: '_',
                },
            ),
            ("DE\tHAM", Length { found: 6 }),
        ];
        for (input, expected) in cases {
            assert_eq!(UnLocode::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn every_location_character_class() {
        for character in ('A'..='Z').chain('2'..='9') {
            let code = format!("DE{character}{character}{character}");
            assert!(UnLocode::parse(&code).is_ok(), "{code}");
        }
        for character in ['0', '1', '-', '.', '/', 'é'] {
            let code = format!("DEHA{character}");
            assert!(UnLocode::parse(&code).is_err(), "{code}");
        }
    }

    #[test]
    fn serde_validates() {
        let code: UnLocode = serde_json::from_str("\"de ham\"").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"DEHAM\"");
        assert!(serde_json::from_str::<UnLocode>("\"HAMBURG\"").is_err());
    }
}
