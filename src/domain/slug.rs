//! Organization slugs: the short, URL-safe, unique name of an organization (`vibotaj`,
//! `hages-gmbh`).
//!
//! Rules (the database's `ck_organizations_slug_format` and `varchar(100)`): lower-case
//! ASCII letters and digits in runs joined by single hyphens — no leading, trailing or
//! doubled hyphen — and 2 to 100 characters. The predecessor allowed `--` and at most 50
//! characters; we follow our schema.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The fewest characters a slug may have.
pub const MIN_SLUG_CHARS: usize = 2;
/// The most characters a slug may have.
pub const MAX_SLUG_CHARS: usize = 100;

/// A valid organization slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// Why a text is not a slug; messages suit a 422 field error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("must be at least {MIN_SLUG_CHARS} characters long")]
    TooShort,
    #[error("must be at most {MAX_SLUG_CHARS} characters long")]
    TooLong,
    #[error("may only contain lower-case letters a-z, digits and hyphens, not {found:?}")]
    InvalidCharacter { found: char },
    #[error("must not start or end with a hyphen or contain two hyphens in a row")]
    MisplacedHyphen,
}

impl Slug {
    /// Checks a slug as given (surrounding whitespace ignored). Upper case is refused rather
    /// than folded, so that what a user typed is exactly what ends up in URLs.
    pub fn parse(text: &str) -> Result<Self, SlugError> {
        let slug = text.trim();
        if let Some(found) = slug
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(SlugError::InvalidCharacter { found });
        }
        // Only ASCII is left, so bytes are characters.
        if slug.len() < MIN_SLUG_CHARS {
            return Err(SlugError::TooShort);
        }
        if slug.len() > MAX_SLUG_CHARS {
            return Err(SlugError::TooLong);
        }
        if slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
            return Err(SlugError::MisplacedHyphen);
        }
        Ok(Self(slug.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Derives a slug from an organization's name: letters with accents lose them, composed or
/// decomposed (`Société` → `societe`, `Straße` → `strasse`), every other run of characters
/// that are not ASCII letters or digits becomes one hyphen, and the result is cut to 100
/// characters at a word boundary where possible. Fails with [`SlugError::TooShort`] when
/// fewer than two usable characters remain (e.g. a name in a non-Latin script): the caller
/// then asks the user for a slug. Uniqueness is the caller's business (append a suffix and
/// retry).
pub fn slugify(name: &str) -> Result<Slug, SlugError> {
    let mut slug = String::with_capacity(name.len());
    let mut pending_hyphen = false;
    for character in name.chars().flat_map(char::to_lowercase) {
        let ascii = match character {
            'a'..='z' | '0'..='9' => Some(SingleOrPair::Single(character)),
            // Combining accents (decomposed `é` = `e` + U+0301) vanish instead of splitting
            // the word.
            '\u{0300}'..='\u{036F}' => continue,
            _ => transliterate(character),
        };
        match ascii {
            Some(text) => {
                if pending_hyphen && !slug.is_empty() {
                    slug.push('-');
                }
                pending_hyphen = false;
                text.push_to(&mut slug);
            }
            None => pending_hyphen = true,
        }
    }
    if slug.len() > MAX_SLUG_CHARS {
        let cut = &slug[..=MAX_SLUG_CHARS];
        // Prefer ending at the last hyphen within the limit, so no word is chopped.
        let end = cut
            .rfind('-')
            .filter(|at| *at >= MIN_SLUG_CHARS)
            .unwrap_or(MAX_SLUG_CHARS);
        slug.truncate(end);
        let trimmed_len = slug.trim_end_matches('-').len();
        slug.truncate(trimmed_len);
    }
    Slug::parse(&slug)
}

/// One or two ASCII letters replacing a non-ASCII letter.
#[derive(Clone, Copy)]
enum SingleOrPair {
    Single(char),
    Pair(char, char),
}

impl SingleOrPair {
    fn push_to(self, out: &mut String) {
        match self {
            SingleOrPair::Single(a) => out.push(a),
            SingleOrPair::Pair(a, b) => {
                out.push(a);
                out.push(b);
            }
        }
    }
}

/// ASCII for the lower-case Latin letters with diacritics that appear in company names of
/// the countries TraceHub trades with. Anything else is a separator.
fn transliterate(character: char) -> Option<SingleOrPair> {
    use SingleOrPair::{Pair, Single};
    Some(match character {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => Single('a'),
        'æ' => Pair('a', 'e'),
        'ç' | 'ć' | 'č' => Single('c'),
        'ď' | 'đ' | 'ð' => Single('d'),
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' | 'ẹ' => Single('e'),
        'ğ' => Single('g'),
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' | 'ị' => Single('i'),
        'ł' | 'ľ' | 'ĺ' => Single('l'),
        'ñ' | 'ń' | 'ň' => Single('n'),
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'ọ' => Single('o'),
        'œ' => Pair('o', 'e'),
        'ŕ' | 'ř' => Single('r'),
        'ś' | 'š' | 'ş' | 'ș' | 'ṣ' => Single('s'),
        'ß' => Pair('s', 's'),
        'ť' | 'ţ' | 'ț' => Single('t'),
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' | 'ụ' => Single('u'),
        'ý' | 'ÿ' => Single('y'),
        'ź' | 'ż' | 'ž' => Single('z'),
        'þ' => Pair('t', 'h'),
        _ => return None,
    })
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Slug {
    type Err = SlugError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> Self {
        slug.0
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The database's pattern `^[a-z0-9]+(-[a-z0-9]+)*$`, restated without the parser.
    fn matches_database_pattern(slug: &str) -> bool {
        slug.split('-').all(|run| {
            !run.is_empty()
                && run
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
    }

    #[test]
    fn valid_slugs() {
        let longest = "a".repeat(100);
        for slug in [
            "vibotaj",
            "hages-gmbh",
            "ab",
            "42",
            "a-1-b-2",
            longest.as_str(),
        ] {
            assert_eq!(Slug::parse(slug).unwrap().as_str(), slug);
            assert!(matches_database_pattern(slug));
        }
        assert_eq!(Slug::parse("  vibotaj ").unwrap().as_str(), "vibotaj");
    }

    #[test]
    fn invalid_slugs_say_why() {
        use SlugError::*;
        let too_long = "a".repeat(101);
        let cases: [(&str, SlugError); 12] = [
            ("", TooShort),
            ("a", TooShort),
            (&too_long, TooLong),
            ("Vibotaj", InvalidCharacter { found: 'V' }),
            ("hages gmbh", InvalidCharacter { found: ' ' }),
            ("hages_gmbh", InvalidCharacter { found: '_' }),
            ("société", InvalidCharacter { found: 'é' }),
            ("-hages", MisplacedHyphen),
            ("hages-", MisplacedHyphen),
            ("hages--gmbh", MisplacedHyphen),
            ("--", MisplacedHyphen),
            ("../etc", InvalidCharacter { found: '.' }),
        ];
        for (input, expected) in cases {
            assert_eq!(Slug::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn slugify_examples() {
        for (name, slug) in [
            ("VIBOTAJ GmbH", "vibotaj-gmbh"),
            ("  HAGES  GmbH & Co. KG ", "hages-gmbh-co-kg"),
            ("WITATRADE", "witatrade"),
            ("Société Générale d'Import", "societe-generale-d-import"),
            ("Müller Straße Æther", "muller-strasse-aether"),
            ("Ọ̀yọ́ Exports Ltd.", "oyo-exports-ltd"),
            ("3M", "3m"),
            ("--Temira--Nigeria--", "temira-nigeria"),
        ] {
            assert_eq!(slugify(name).unwrap().as_str(), slug, "{name:?}");
        }
    }

    #[test]
    fn slugify_refuses_names_with_too_little_latin_text() {
        for name in ["", "   ", "X", "株式会社", "!!!", "Ω"] {
            assert_eq!(slugify(name), Err(SlugError::TooShort), "{name:?}");
        }
    }

    #[test]
    fn slugify_cuts_long_names_at_a_word_boundary() {
        let name = "word ".repeat(40); // "word-word-…" would be 199 characters
        let slug = slugify(&name).unwrap();
        assert!(slug.as_str().len() <= MAX_SLUG_CHARS);
        assert_eq!(slug.as_str().len(), 99); // 20 whole words and 19 hyphens
        assert!(slug.as_str().ends_with("word"));
        let unbroken = "a".repeat(250);
        assert_eq!(slugify(&unbroken).unwrap().as_str(), "a".repeat(100));
        // A boundary exactly at the limit keeps the full 100 characters.
        let exact = format!("{} tail", "b".repeat(100));
        assert_eq!(slugify(&exact).unwrap().as_str(), "b".repeat(100));
    }

    #[test]
    fn slugify_always_yields_the_database_pattern() {
        let mut seed: u64 = 2026;
        let pieces = [
            "Ab", "ç", " ", "-", "--", "é", "ß", "9", "&", "株", "x", ".", "Ø",
        ];
        for _ in 0..5_000 {
            let mut name = String::new();
            for _ in 0..(seed % 60) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                name.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            match slugify(&name) {
                Ok(slug) => {
                    assert!(matches_database_pattern(slug.as_str()), "{name:?} → {slug}");
                    assert!((MIN_SLUG_CHARS..=MAX_SLUG_CHARS).contains(&slug.as_str().len()));
                }
                Err(error) => assert_eq!(error, SlugError::TooShort, "{name:?}"),
            }
        }
    }

    #[test]
    fn serde_validates() {
        let slug: Slug = serde_json::from_str("\"hages-gmbh\"").unwrap();
        assert_eq!(serde_json::to_string(&slug).unwrap(), "\"hages-gmbh\"");
        assert!(serde_json::from_str::<Slug>("\"Hages GmbH\"").is_err());
    }
}
