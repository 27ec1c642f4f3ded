//! ISO 6346 freight container numbers, e.g. `CSQU3054383`.
//!
//! Layout: a 3-letter owner code, a category identifier (`U` freight container, `J`
//! detachable freight-container equipment, `Z` trailer or chassis), a 6-digit serial number
//! and a check digit. The check digit catches every mistyped digit and most other slips
//! (not all: letters whose values differ by 11, such as C and M, can stand in for each
//! other, so `CSQU3054383` and `MSQU3054383` are both valid). That is why the API refuses
//! numbers whose check digit is wrong instead of storing them and later asking a tracking
//! provider about a container that does not exist.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A syntactically valid container number with a correct check digit, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContainerNumber(String);

/// The fourth character of a container number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EquipmentCategory {
    /// `U`: a freight container — nearly every number in trade documents.
    FreightContainer,
    /// `J`: detachable freight-container-related equipment (e.g. a clip-on generator).
    DetachableEquipment,
    /// `Z`: a trailer or chassis.
    TrailerOrChassis,
}

impl EquipmentCategory {
    /// The identifier letter.
    pub const fn letter(self) -> char {
        match self {
            EquipmentCategory::FreightContainer => 'U',
            EquipmentCategory::DetachableEquipment => 'J',
            EquipmentCategory::TrailerOrChassis => 'Z',
        }
    }

    fn from_letter(letter: char) -> Option<Self> {
        match letter {
            'U' => Some(EquipmentCategory::FreightContainer),
            'J' => Some(EquipmentCategory::DetachableEquipment),
            'Z' => Some(EquipmentCategory::TrailerOrChassis),
            _ => None,
        }
    }
}

/// Why a text is not a container number. Positions are 1-based, as a user counts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainerNumberError {
    #[error("a container number has 11 characters (e.g. CSQU3054383), this one has {found}")]
    Length { found: usize },
    #[error(
        "characters 1-3 must be the owner code letters A-Z; character {position} is {found:?}"
    )]
    OwnerCode { position: usize, found: char },
    #[error("character 4 must be the category identifier U, J or Z, not {found:?}")]
    Category { found: char },
    #[error(
        "characters 5-10 must be the serial number digits 0-9; character {position} is {found:?}"
    )]
    SerialNumber { position: usize, found: char },
    #[error("character 11 must be the check digit 0-9, not {found:?}")]
    CheckDigitNotADigit { found: char },
    #[error("check digit is {given} but the first 10 characters require {expected}")]
    CheckDigit { expected: u8, given: u8 },
}

impl ContainerNumber {
    /// Parses a container number, ignoring surrounding whitespace and letter case.
    pub fn parse(text: &str) -> Result<Self, ContainerNumberError> {
        let normalized = text.trim().to_uppercase();
        let chars: Vec<char> = normalized.chars().collect();
        if chars.len() != 11 {
            return Err(ContainerNumberError::Length { found: chars.len() });
        }
        for (index, &found) in chars[..3].iter().enumerate() {
            if !found.is_ascii_uppercase() {
                return Err(ContainerNumberError::OwnerCode {
                    position: index + 1,
                    found,
                });
            }
        }
        if EquipmentCategory::from_letter(chars[3]).is_none() {
            return Err(ContainerNumberError::Category { found: chars[3] });
        }
        for (index, &found) in chars[4..10].iter().enumerate() {
            if !found.is_ascii_digit() {
                return Err(ContainerNumberError::SerialNumber {
                    position: index + 5,
                    found,
                });
            }
        }
        let given = chars[10]
            .to_digit(10)
            .ok_or(ContainerNumberError::CheckDigitNotADigit { found: chars[10] })?
            as u8;
        let expected = check_digit(&normalized[..10]);
        if given != expected {
            return Err(ContainerNumberError::CheckDigit { expected, given });
        }
        Ok(Self(normalized))
    }

    /// Builds the number for an owner code, category and serial, computing the check
    /// digit: for seed and synthetic data, which must be as valid as user input.
    pub fn from_parts(
        owner_code: &str,
        category: EquipmentCategory,
        serial: u32,
    ) -> Result<Self, ContainerNumberError> {
        if serial > 999_999 {
            // Seven or more digits cannot fit; report it as the length it would produce.
            return Err(ContainerNumberError::Length {
                found: owner_code.chars().count() + 1 + serial.to_string().len() + 1,
            });
        }
        let mut body = format!("{}{}{serial:06}", owner_code.trim(), category.letter());
        body = body.to_uppercase();
        if body.chars().count() != 10 || !body.is_ascii() {
            return Err(ContainerNumberError::Length {
                found: body.chars().count() + 1,
            });
        }
        if let Some((index, found)) = body[..3]
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_uppercase())
        {
            return Err(ContainerNumberError::OwnerCode {
                position: index + 1,
                found,
            });
        }
        let digit = check_digit(&body);
        body.push(char::from(b'0' + digit));
        Ok(Self(body))
    }

    /// The whole number, e.g. `CSQU3054383`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 3-letter owner code, e.g. `CSQ`.
    pub fn owner_code(&self) -> &str {
        &self.0[..3]
    }

    /// Owner code and category identifier, e.g. `MSKU`: the prefix by which carriers are
    /// recognised.
    pub fn prefix(&self) -> &str {
        &self.0[..4]
    }

    pub fn category(&self) -> EquipmentCategory {
        let letter = self.0.as_bytes()[3] as char;
        EquipmentCategory::from_letter(letter).expect("validated by parse")
    }

    /// The 6-digit serial number, e.g. `305438`.
    pub fn serial_number(&self) -> &str {
        &self.0[4..10]
    }

    pub fn check_digit(&self) -> u8 {
        self.0.as_bytes()[10] - b'0'
    }
}

/// ISO 6346 value of one character of the first ten: digits are themselves; letters start
/// at A = 10 and skip 11, 22 and 33, so that no letter's value is a multiple of the modulus.
fn character_value(character: u8) -> u32 {
    match character {
        b'0'..=b'9' => u32::from(character - b'0'),
        b'A'..=b'Z' => {
            let mut value = 10;
            for _ in b'A'..character {
                value += 1;
                if value % 11 == 0 {
                    value += 1;
                }
            }
            value
        }
        _ => unreachable!("callers pass validated ASCII"),
    }
}

/// The check digit for ten validated characters: Σ value × 2^position, mod 11, with a
/// remainder of 10 written as 0 (ISO 6346 advises owners against such serials, but they
/// exist and are valid).
fn check_digit(first_ten: &str) -> u8 {
    debug_assert_eq!(first_ten.len(), 10);
    let sum: u32 = first_ten
        .bytes()
        .enumerate()
        .map(|(position, character)| character_value(character) << position)
        .sum();
    (sum % 11 % 10) as u8
}

impl fmt::Display for ContainerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ContainerNumber {
    type Err = ContainerNumberError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for ContainerNumber {
    type Error = ContainerNumberError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<ContainerNumber> for String {
    fn from(number: ContainerNumber) -> Self {
        number.0
    }
}

impl AsRef<str> for ContainerNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_values_follow_the_standard_table() {
        let table = [
            ('A', 10),
            ('B', 12),
            ('C', 13),
            ('D', 14),
            ('E', 15),
            ('F', 16),
            ('G', 17),
            ('H', 18),
            ('I', 19),
            ('J', 20),
            ('K', 21),
            ('L', 23),
            ('M', 24),
            ('N', 25),
            ('O', 26),
            ('P', 27),
            ('Q', 28),
            ('R', 29),
            ('S', 30),
            ('T', 31),
            ('U', 32),
            ('V', 34),
            ('W', 35),
            ('X', 36),
            ('Y', 37),
            ('Z', 38),
        ];
        for (letter, value) in table {
            assert_eq!(character_value(letter as u8), value, "{letter}");
        }
        for digit in 0..=9u8 {
            assert_eq!(character_value(b'0' + digit), u32::from(digit));
        }
    }

    #[test]
    fn csqu3054383_worked_by_hand() {
        // C13·1 + S30·2 + Q28·4 + U32·8 + 3·16 + 0·32 + 5·64 + 4·128 + 3·256 + 8·512
        let by_hand: [u32; 10] = [13, 60, 112, 256, 48, 0, 320, 512, 768, 4096];
        let computed: Vec<u32> = "CSQU305438"
            .bytes()
            .enumerate()
            .map(|(position, character)| character_value(character) << position)
            .collect();
        assert_eq!(computed, by_hand);
        let sum: u32 = by_hand.iter().sum();
        assert_eq!(sum, 6185);
        assert_eq!(sum % 11, 3);
        let number = ContainerNumber::parse("CSQU3054383").unwrap();
        assert_eq!(number.check_digit(), 3);
        assert_eq!(number.owner_code(), "CSQ");
        assert_eq!(number.prefix(), "CSQU");
        assert_eq!(number.category(), EquipmentCategory::FreightContainer);
        assert_eq!(number.serial_number(), "305438");
    }

    #[test]
    fn the_predecessors_demo_number_is_valid() {
        // MRSU3452572 (the predecessor's demo shipment): M24·1 + R29·2 + S30·4 + U32·8
        // + 3·16 + 4·32 + 5·64 + 2·128 + 5·256 + 7·512 = 6074 = 552·11 + 2.
        let sum = 24 + 58 + 120 + 256 + 48 + 128 + 320 + 256 + 1280 + 3584;
        assert_eq!(sum, 6074);
        assert_eq!(sum % 11, 2);
        assert_eq!(
            ContainerNumber::parse("MRSU3452572").unwrap().check_digit(),
            2
        );
    }

    #[test]
    fn msku9070323_is_valid() {
        // M24·1 + S30·2 + K21·4 + U32·8 + 9·16 + 0·32 + 7·64 + 0·128 + 3·256 + 2·512
        let weighted: Vec<u32> = "MSKU907032"
            .bytes()
            .enumerate()
            .map(|(position, character)| character_value(character) << position)
            .collect();
        assert_eq!(weighted, vec![24, 60, 84, 256, 144, 0, 448, 0, 768, 1024]);
        assert_eq!(weighted.iter().sum::<u32>(), 2808);
        assert_eq!(2808 % 11, 3);
        assert_eq!(
            ContainerNumber::parse("MSKU9070323").unwrap().check_digit(),
            3
        );
        assert_eq!(
            ContainerNumber::parse("MSKU9070324"),
            Err(ContainerNumberError::CheckDigit {
                expected: 3,
                given: 4
            })
        );
    }

    #[test]
    fn input_is_trimmed_and_upper_cased() {
        let number = ContainerNumber::parse("  csqu3054383\n").unwrap();
        assert_eq!(number.as_str(), "CSQU3054383");
        assert_eq!(number.to_string(), "CSQU3054383");
    }

    #[test]
    fn a_remainder_of_ten_is_written_as_zero() {
        // MSKU000008: 24 + 60 + 84 + 256 + 8·512 = 4520 = 410·11 + 10.
        assert_eq!(check_digit("MSKU000008"), 0);
        assert!(ContainerNumber::parse("MSKU0000080").is_ok());
    }

    #[test]
    fn other_categories() {
        let j =
            ContainerNumber::from_parts("ABC", EquipmentCategory::DetachableEquipment, 1).unwrap();
        assert_eq!(j.category(), EquipmentCategory::DetachableEquipment);
        assert_eq!(ContainerNumber::parse(j.as_str()), Ok(j.clone()));
        let z = ContainerNumber::from_parts("ABC", EquipmentCategory::TrailerOrChassis, 1).unwrap();
        assert_eq!(z.category(), EquipmentCategory::TrailerOrChassis);
        assert_eq!(ContainerNumber::parse(z.as_str()), Ok(z));
    }

    #[test]
    fn errors_name_the_problem() {
        use ContainerNumberError::*;
        let cases: [(&str, ContainerNumberError); 10] = [
            ("", Length { found: 0 }),
            ("CSQU305438", Length { found: 10 }),
            ("CSQU30543833", Length { found: 12 }),
            ("CSQU 305438 3", Length { found: 13 }),
            (
                "C5QU3054383",
                OwnerCode {
                    position: 2,
                    found: '5',
                },
            ),
            (
                "ÄSQU3054383",
                OwnerCode {
                    position: 1,
                    found: 'Ä',
                },
            ),
            ("CSQX3054383", Category { found: 'X' }),
            (
                "CSQU30543O3",
                SerialNumber {
                    position: 10,
                    found: 'O',
                },
            ),
            ("CSQU305438X", CheckDigitNotADigit { found: 'X' }),
            (
                "CSQU3054384",
                CheckDigit {
                    expected: 3,
                    given: 4,
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(ContainerNumber::parse(input), Err(expected), "{input:?}");
        }
        assert_eq!(
            ContainerNumber::parse("CSQU3054384")
                .unwrap_err()
                .to_string(),
            "check digit is 4 but the first 10 characters require 3"
        );
    }

    #[test]
    fn non_ascii_input_never_panics() {
        for input in [
            "ÄÖÜU3054383",
            "CSQU३०५४३८३",
            "🚢🚢🚢U3054383",
            "csqu3054383ß",
        ] {
            assert!(ContainerNumber::parse(input).is_err(), "{input}");
        }
    }

    /// A small deterministic generator, so the property test needs no extra crate.
    fn pseudo_random(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *seed >> 33
    }

    #[test]
    fn exactly_one_check_digit_is_accepted_for_any_body() {
        let mut seed = 6346;
        for _ in 0..2_000 {
            let owner: String = (0..3)
                .map(|_| char::from(b'A' + (pseudo_random(&mut seed) % 26) as u8))
                .collect();
            let category = ['U', 'J', 'Z'][(pseudo_random(&mut seed) % 3) as usize];
            let serial = pseudo_random(&mut seed) % 1_000_000;
            let body = format!("{owner}{category}{serial:06}");
            let expected = check_digit(&body);
            for digit in 0..=9u8 {
                let candidate = format!("{body}{digit}");
                let parsed = ContainerNumber::parse(&candidate);
                if digit == expected {
                    assert_eq!(parsed.unwrap().as_str(), candidate);
                } else {
                    assert_eq!(
                        parsed,
                        Err(ContainerNumberError::CheckDigit {
                            expected,
                            given: digit
                        })
                    );
                }
            }
        }
    }

    #[test]
    fn single_character_changes_are_caught_except_letters_eleven_apart() {
        let valid = "CSQU3054383";
        let alphabet: Vec<char> = ('A'..='Z').chain('0'..='9').collect();
        let mut undetected = Vec::new();
        for position in 0..11 {
            for replacement in &alphabet {
                let mut changed: Vec<char> = valid.chars().collect();
                if changed[position] == *replacement {
                    continue;
                }
                changed[position] = *replacement;
                let changed: String = changed.into_iter().collect();
                if ContainerNumber::parse(&changed).is_ok() {
                    undetected.push(changed);
                }
            }
        }
        // Weights 2^i are invertible mod 11, so a change goes unnoticed exactly when the two
        // characters' values differ by a multiple of 11: C13/M24, C13/W35, S30/I19, Q28/G17.
        // U32's partners A10 and K21 are not category letters. Digits never collide.
        assert_eq!(
            undetected,
            vec!["MSQU3054383", "WSQU3054383", "CIQU3054383", "CSGU3054383"]
        );
    }

    #[test]
    fn from_parts_computes_the_check_digit() {
        let number =
            ContainerNumber::from_parts("csq", EquipmentCategory::FreightContainer, 305_438)
                .unwrap();
        assert_eq!(number.as_str(), "CSQU3054383");
        assert!(
            ContainerNumber::from_parts("CSQ", EquipmentCategory::FreightContainer, 1_000_000)
                .is_err()
        );
        assert!(ContainerNumber::from_parts("CS", EquipmentCategory::FreightContainer, 1).is_err());
        assert!(
            ContainerNumber::from_parts("C5Q", EquipmentCategory::FreightContainer, 1).is_err()
        );
        assert!(
            ContainerNumber::from_parts("ÄBC", EquipmentCategory::FreightContainer, 1).is_err()
        );
    }

    #[test]
    fn serde_validates() {
        let number: ContainerNumber = serde_json::from_str("\"csqu3054383\"").unwrap();
        assert_eq!(number.as_str(), "CSQU3054383");
        assert_eq!(serde_json::to_string(&number).unwrap(), "\"CSQU3054383\"");
        assert!(serde_json::from_str::<ContainerNumber>("\"CSQU3054384\"").is_err());
    }
}
