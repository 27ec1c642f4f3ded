//! Fields found in a document's text: reference numbers, dates, container numbers, HS codes,
//! vessel and voyage, ports of loading and discharge.
//!
//! Everything found is checked by the domain type that would store it: container numbers by
//! their ISO 6346 check digit, ports by [`UnLocode::parse`], HS codes by [`HsCode::parse`],
//! dates by the calendar. A match that fails the check is dropped, not reported.
//!
//! Dates: `2026-01-31`, `31/01/2026` (also `.` and `-`), `31 Jan 2026`, `31st January, 2026`,
//! `January 31, 2026`. Numeric dates are read **day first**, as the trade documents here are
//! written; only when the first number cannot be a month day-first is impossible (`01/31/2026`)
//! is it read month first. Two-digit years are not read.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::{Captures, Regex};

use crate::domain::document::DocumentType;
use crate::domain::{ContainerNumber, HsCode, UnLocode};

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the pattern is valid")
}

// ---------------------------------------------------------------------------------------
// Reference numbers

/// A value: letters, digits, `/`, `-`, `.`, with a digit among its first characters (so a
/// label's next word, "ORIGINAL" or another label, is not taken for the number).
const VALUE: &str = r"((?:\d|[A-Z][A-Z/.\-]{0,20}\d)[A-Z0-9/.\-]{0,29})";
/// "No.", "Number", "#", "Ref." and the separator after it.
const NUMBER_LABEL: &str = r"(?:no\.?|nr\.?|number|#|ref\.?|reference)\s*[:.]?\s*";

static BILL_OF_LADING: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![regex(&format!(
        r"(?i)\b(?:B/L|BL|bill\s+of\s+lading)\s*(?:{NUMBER_LABEL})?[:.]?\s*([A-Z]{{0,4}}\d{{6,}}[A-Z0-9]*)"
    ))]
});
static INVOICE: LazyLock<Vec<Regex>> =
    LazyLock::new(|| vec![regex(&format!(r"(?i)\binvoice\s*{NUMBER_LABEL}{VALUE}"))]);
static PACKING_LIST: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        regex(&format!(
            r"(?i)\b(?:packing\s+list|P/L)\s*{NUMBER_LABEL}{VALUE}"
        )),
        regex(&format!(r"(?i)\binvoice\s*{NUMBER_LABEL}{VALUE}")),
    ]
});
static TRACES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        regex(r"\b(RC\d{7})\b"),
        regex(r"\b((?:CHED[A-Z]{0,3}|INTRA|IMSOC)\.[A-Z]{2}\.\d{4}\.\d{4,8})\b"),
    ]
});
static EXPORT: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        regex(r"\b((?:NXP|EXP|SAD)[/\- ]?(?:[A-Z0-9]+[/\-])*\d{4,}[A-Z0-9]*)\b"),
        regex(&format!(
            r"(?i)\b(?:NXP|EXP|SAD)\s*(?:form\s*)?{NUMBER_LABEL}{VALUE}"
        )),
    ]
});
static VETERINARY: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        regex(r"\b(NVRI[/\- ]?(?:[A-Z0-9]+[/\-])*\d{3,}[A-Z0-9]*)\b"),
        regex(&format!(r"(?i)\bcertificate\s*{NUMBER_LABEL}{VALUE}")),
    ]
});
static CUSTOMS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        regex(r"\b(\d{2}[A-Z]{2}[A-Z0-9]{14})\b"),
        regex(&format!(
            r"(?i)\b(?:MRN|SAD|declaration)\s*{NUMBER_LABEL}{VALUE}"
        )),
    ]
});
static INSURANCE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![regex(&format!(
        r"(?i)\b(?:policy|certificate)\s*{NUMBER_LABEL}{VALUE}"
    ))]
});
static EUDR: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![regex(&format!(
        r"(?i)\b(?:DDS|due\s+diligence\s+statement)\s*(?:{NUMBER_LABEL}|identifier\s*[:.]?\s*)?{VALUE}"
    ))]
});
static CONTRACT: LazyLock<Vec<Regex>> =
    LazyLock::new(|| vec![regex(&format!(r"(?i)\bcontract\s*{NUMBER_LABEL}{VALUE}"))]);
/// Certificates in general, and the fallback for every type.
static CERTIFICATE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![regex(&format!(
        r"(?i)\b(?:certificate(?:\s+of\s+[a-z]+)?|cert\.?|serial|document|ref\.?|reference)\s*{NUMBER_LABEL}{VALUE}"
    ))]
});

fn reference_patterns(document_type: DocumentType) -> &'static [Regex] {
    match document_type {
        DocumentType::BillOfLading => &BILL_OF_LADING,
        DocumentType::CommercialInvoice => &INVOICE,
        DocumentType::PackingList => &PACKING_LIST,
        DocumentType::EuTracesCertificate => &TRACES,
        DocumentType::ExportDeclaration => &EXPORT,
        DocumentType::VeterinaryHealthCertificate => &VETERINARY,
        DocumentType::CustomsDeclaration => &CUSTOMS,
        DocumentType::InsuranceCertificate => &INSURANCE,
        DocumentType::EudrDueDiligence => &EUDR,
        DocumentType::Contract => &CONTRACT,
        DocumentType::CertificateOfOrigin
        | DocumentType::PhytosanitaryCertificate
        | DocumentType::FumigationCertificate
        | DocumentType::SanitaryCertificate
        | DocumentType::QualityCertificate
        | DocumentType::Other => &[],
    }
}

/// The document's reference numbers, most specific first: the type's own patterns, then
/// labelled certificate and reference numbers. A value has a digit and 3+ characters.
pub fn reference_numbers(text: &str, document_type: DocumentType) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for pattern in reference_patterns(document_type)
        .iter()
        .chain(CERTIFICATE.iter())
    {
        for captures in pattern.captures_iter(text) {
            let value = captures
                .iter()
                .skip(1)
                .flatten()
                .last()
                .map(|m| m.as_str().trim_end_matches(['/', '-', '.']))
                .unwrap_or_default();
            let plausible = value.len() >= 3 && value.chars().any(|c| c.is_ascii_digit());
            if plausible && !found.iter().any(|f| f == value) {
                found.push(value.to_owned());
            }
        }
    }
    found
}

// ---------------------------------------------------------------------------------------
// Dates

const MONTHS: &str = "january|february|march|april|may|june|july|august|september|october|\
                      november|december|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec";

static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| regex(r"\b(\d{4})-(\d{2})-(\d{2})\b"));
static NUMERIC_DATE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\b(\d{1,2})([/.\-])(\d{1,2})([/.\-])(\d{4})\b"));
static DAY_MONTH_DATE: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?[\s\-]+({MONTHS})\.?[\s\-,]+(\d{{4}})\b"
    ))
});
static MONTH_DAY_DATE: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?i)\b({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
    ))
});

fn month_number(name: &str) -> Option<u32> {
    let prefix: String = name.to_ascii_lowercase().chars().take(3).collect();
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    months
        .iter()
        .position(|m| *m == prefix)
        .map(|index| index as u32 + 1)
}

fn number(captures: &Captures, index: usize) -> Option<u32> {
    captures.get(index)?.as_str().parse().ok()
}

fn date(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    (1900..=2100)
        .contains(&year)
        .then(|| NaiveDate::from_ymd_opt(year as i32, month, day))
        .flatten()
}

/// A date in the text, where it starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundDate {
    pub date: NaiveDate,
    pub start: usize,
    pub end: usize,
}

/// Every date in the text, in order of appearance (each occurrence).
pub fn find_dates(text: &str) -> Vec<FoundDate> {
    let mut found = Vec::new();
    let mut add = |captures: &Captures, value: Option<NaiveDate>| {
        let whole = captures.get(0).expect("group 0 always matches");
        if let Some(date) = value {
            found.push(FoundDate {
                date,
                start: whole.start(),
                end: whole.end(),
            });
        }
    };
    for c in ISO_DATE.captures_iter(text) {
        add(
            &c,
            date(
                number(&c, 1).unwrap_or(0),
                number(&c, 2).unwrap_or(0),
                number(&c, 3).unwrap_or(0),
            ),
        );
    }
    for c in NUMERIC_DATE.captures_iter(text) {
        if c[2] != c[4] {
            continue; // 31/01-2026 is not a date
        }
        let (first, second, year) = (
            number(&c, 1).unwrap_or(0),
            number(&c, 3).unwrap_or(0),
            number(&c, 5).unwrap_or(0),
        );
        // Day first; month first only when day first is impossible (01/31/2026).
        let value = date(year, second, first).or_else(|| date(year, first, second));
        add(&c, value);
    }
    for c in DAY_MONTH_DATE.captures_iter(text) {
        let month = month_number(&c[2]).unwrap_or(0);
        add(
            &c,
            date(
                number(&c, 3).unwrap_or(0),
                month,
                number(&c, 1).unwrap_or(0),
            ),
        );
    }
    for c in MONTH_DAY_DATE.captures_iter(text) {
        let month = month_number(&c[1]).unwrap_or(0);
        add(
            &c,
            date(
                number(&c, 3).unwrap_or(0),
                month,
                number(&c, 2).unwrap_or(0),
            ),
        );
    }
    found.sort_by_key(|found| found.start);
    // A date matched by two forms (e.g. inside a longer one) counts once.
    found.dedup_by(|later, earlier| later.start < earlier.end);
    found
}

const ISSUE_LABELS: &[&str] = &[
    "date of issue",
    "issue date",
    "issued on",
    "issued at",
    "date issued",
    "dated",
    "invoice date",
    "date of treatment",
    "treatment date",
    "shipped on board",
    "on board date",
];
const EXPIRY_LABELS: &[&str] = &[
    "expiry date",
    "expiry",
    "expiration",
    "expires",
    "valid until",
    "valid till",
    "validity",
];

/// The first date labelled by one of `labels` within the 40 characters before it.
pub fn labelled_date(text: &str, dates: &[FoundDate], labels: &[&str]) -> Option<NaiveDate> {
    dates.iter().find_map(|found| {
        let mut from = found.start.saturating_sub(40);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        let before = text[from..found.start].to_lowercase();
        labels
            .iter()
            .any(|label| before.contains(label))
            .then_some(found.date)
    })
}

pub fn issue_date(text: &str, dates: &[FoundDate]) -> Option<NaiveDate> {
    labelled_date(text, dates, ISSUE_LABELS)
}

pub fn expiry_date(text: &str, dates: &[FoundDate]) -> Option<NaiveDate> {
    labelled_date(text, dates, EXPIRY_LABELS)
}

// ---------------------------------------------------------------------------------------
// Container numbers and HS codes

/// Owner code and category, serial, check digit; spaces or hyphens allowed between them.
static CONTAINER: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\b([A-Z]{3}[UJZ])[ \-]?(\d{6})[ \-]?(\d)\b"));

/// Container numbers whose check digit is right, in order of appearance, each once.
pub fn container_numbers(text: &str) -> Vec<ContainerNumber> {
    let mut found: Vec<ContainerNumber> = Vec::new();
    for c in CONTAINER.captures_iter(text) {
        if let Ok(number) = ContainerNumber::parse(&format!("{}{}{}", &c[1], &c[2], &c[3])) {
            if !found.contains(&number) {
                found.push(number);
            }
        }
    }
    found
}

const HS: &str = r"\d{4}(?:\.?\d{2}){0,3}";
/// "HS", "HS code(s)", "H.S. code", "harmonized (system) code", then one code or a list.
static HS_CODES: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?i)\b(?:h\.?s\.?|harmoni[sz]ed(?:\s+system)?)(?:\s*codes?)?\s*(?:no\.?|number)?\s*[:#.\-]?\s*({HS}(?:\s*(?:,|;|/|and)\s*{HS})*)\b"
    ))
});
static HS_CODE: LazyLock<Regex> = LazyLock::new(|| regex(&format!(r"\b{HS}\b")));
/// Horn and hoof (0506, 0507) written with dots are HS codes wherever they stand.
static HORN_AND_HOOF: LazyLock<Regex> = LazyLock::new(|| regex(r"\b(050[67](?:\.\d{2}){1,3})\b"));

/// HS codes near an "HS" label (and dotted 0506/0507 codes anywhere), each once.
pub fn hs_codes(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let labelled = HS_CODES.captures_iter(text).flat_map(|c| {
        HS_CODE
            .find_iter(c.get(1).map_or("", |m| m.as_str()))
            .map(|m| m.as_str().to_owned())
            .collect::<Vec<_>>()
    });
    let bare = HORN_AND_HOOF.find_iter(text).map(|m| m.as_str().to_owned());
    for code in labelled.chain(bare) {
        if HsCode::parse(&code).is_ok() && !found.contains(&code) {
            found.push(code);
        }
    }
    found
}

// ---------------------------------------------------------------------------------------
// Vessel, voyage and ports

static VESSEL_AND_VOYAGE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?im)\bvessel\s*(?:name\s*)?/\s*voy(?:age)?\.?(?:\s*no\.?)?\s*[:\-]?\s*([A-Z][A-Za-z0-9 .\-]{1,38}?)\s*/\s*([A-Z0-9][A-Z0-9\-]{1,11})\s*$",
    )
});
static VESSEL: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?im)\b(?:(?:ocean\s+)?vessel(?:\s+name)?|name\s+of\s+vessel|m/v)\s*[:\-]\s*([A-Z][A-Za-z0-9 .\-]{1,38}?)\s*(?:$|\s{2,}|\bvoy)",
    )
});
static VOYAGE: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)\bvoy(?:age)?\.?\s*(?:no\.?|number)?\s*[:\-]?\s*([A-Z0-9][A-Z0-9\-]{1,11})\b")
});

/// The vessel name and voyage number, when labelled.
pub fn vessel_and_voyage(text: &str) -> (Option<String>, Option<String>) {
    if let Some(c) = VESSEL_AND_VOYAGE.captures(text) {
        return (Some(c[1].trim().to_owned()), Some(c[2].to_owned()));
    }
    let vessel = VESSEL.captures(text).map(|c| c[1].trim().to_owned());
    let voyage = VOYAGE
        .captures_iter(text)
        .map(|c| c[1].to_owned())
        .find(|value| value.chars().any(|c| c.is_ascii_digit()));
    (vessel, voyage)
}

/// Port names that trade documents print instead of codes, with their UN/LOCODEs. The more
/// specific name comes first ("Apapa, Lagos" is Apapa). These names are also never read as
/// codes themselves (`LAGOS` has the shape of a UN/LOCODE).
const PORT_NAMES: &[(&str, &str)] = &[
    ("apapa", "NGAPP"),
    ("tin can", "NGTIN"),
    ("tincan", "NGTIN"),
    ("onne", "NGONN"),
    ("port harcourt", "NGPHC"),
    ("calabar", "NGCBQ"),
    ("warri", "NGWAR"),
    ("lagos", "NGLOS"),
    ("hamburg", "DEHAM"),
    ("bremerhaven", "DEBRV"),
    ("bremen", "DEBRE"),
    ("wilhelmshaven", "DEWVN"),
    ("rotterdam", "NLRTM"),
    ("amsterdam", "NLAMS"),
    ("antwerp", "BEANR"),
    ("antwerpen", "BEANR"),
    ("zeebrugge", "BEZEE"),
    ("le havre", "FRLEH"),
    ("marseille", "FRMRS"),
    ("valencia", "ESVLC"),
    ("algeciras", "ESALG"),
    ("barcelona", "ESBCN"),
    ("genoa", "ITGOA"),
    ("genova", "ITGOA"),
    ("la spezia", "ITSPE"),
    ("gioia tauro", "ITGIT"),
    ("felixstowe", "GBFXT"),
    ("southampton", "GBSOU"),
    ("london gateway", "GBLGP"),
    ("tilbury", "GBTIL"),
    ("liverpool", "GBLIV"),
];

static LOADING: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?im)\b(?:port\s+of\s+loading|loading\s+port|port\s+of\s+shipment|POL)\b\s*[:\-]?[ \t]*(.*)$",
    )
});
static DISCHARGE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?im)\b(?:port\s+of\s+discharge|discharge\s+port|port\s+of\s+destination|POD)\b\s*[:\-]?[ \t]*(.*)$",
    )
});
static LOCODE: LazyLock<Regex> = LazyLock::new(|| regex(r"\b([A-Z]{2}) ?([A-Z2-9]{3})\b"));

fn port(text: &str, label: &Regex) -> Option<UnLocode> {
    for c in label.captures_iter(text) {
        let whole = c.get(0).expect("group 0 always matches");
        let mut value = c[1].trim();
        if value.is_empty() {
            // Label above its value, as in boxed forms: take the next non-empty line.
            value = text[whole.end()..]
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("");
        }
        let value: String = value.chars().take(80).collect();
        if let Some(code) = port_in(&value) {
            return Some(code);
        }
    }
    None
}

/// Upper-case words with the shape of a UN/LOCODE that a port field often holds: 5-letter
/// country names, and the small words of "IN THE" or "AS PER" read as "IN THE" → `INTHE`.
const NOT_CODES: &[&str] = &[
    "benin", "chile", "china", "congo", "egypt", "gabon", "ghana", "india", "italy", "japan",
    "kenya", "libya", "malta", "niger", "qatar", "spain", "sudan", "syria", "wales", "yemen",
];
const NOT_LOCATIONS: &[&str] = &["the", "and", "for", "per", "any", "all", "not", "via"];

fn port_in(value: &str) -> Option<UnLocode> {
    let lower = value.to_lowercase();
    for c in LOCODE.captures_iter(value) {
        let joined = format!("{}{}", &c[1], &c[2]).to_lowercase();
        let location = c[2].to_lowercase();
        if PORT_NAMES.iter().any(|(name, _)| *name == joined)
            || NOT_CODES.contains(&joined.as_str())
            || NOT_LOCATIONS.contains(&location.as_str())
        {
            continue;
        }
        if let Ok(code) = UnLocode::parse(&c[0]) {
            return Some(code);
        }
    }
    PORT_NAMES
        .iter()
        .find(|(name, _)| contains_word(&lower, name))
        .and_then(|(_, code)| UnLocode::parse(code).ok())
}

/// Ports of loading and discharge as UN/LOCODEs: a code printed after the label, or a known
/// port name there.
pub fn ports(text: &str) -> (Option<UnLocode>, Option<UnLocode>) {
    (port(text, &LOADING), port(text, &DISCHARGE))
}

/// Whether `needle` occurs in `haystack` as a whole word or phrase.
pub fn contains_word(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}
