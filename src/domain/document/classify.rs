//! What an uploaded document is, read from its text: where the documents in a combined file
//! begin and end, the type of each, and the fields found in it. Pure: text in, values out
//! (no OCR, no AI service, no I/O).
//!
//! * **Sections.** Page 1 starts one. A later page starts a new one when a document title
//!   ([`keywords::TITLES`]) appears in its first 300 characters, or when it starts with
//!   "page 1" or contains "page: 1" (a document's own page numbering restarting).
//! * **Type.** For each type, confidence = matched keywords / keywords of the type, plus 0.2
//!   when three or more match, at most 1.0. The best type wins (ties: the order of
//!   [`keywords::KEYWORDS`]); the next three are the alternatives. Nothing matched: `other`
//!   with confidence 0.
//! * **Fields.** See [`extract`]: reference numbers by type, dates, checked container
//!   numbers, HS codes, vessel and voyage, UN/LOCODE ports.
//!
//! Results serialize with snake_case fields and `document_type` as the API spelling, for a
//! JSON response and for `document_contents.detected_fields`.

pub mod extract;
pub mod keywords;

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

use super::DocumentType;
use crate::domain::{ContainerNumber, UnLocode};
use extract::contains_word;

/// Characters of a page searched for a document title.
const TITLE_WINDOW: usize = 300;
/// Characters of a section's text kept as its preview.
pub const PREVIEW_CHARS: usize = 4_000;
/// Alternatives reported besides the chosen type.
const ALTERNATIVES: usize = 3;

/// A file's pages split into the documents it contains.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub page_count: usize,
    /// More than one section: several documents scanned into one file.
    pub is_combined: bool,
    pub sections: Vec<Section>,
}

/// One document within a file: pages `page_start..=page_end` (1-based).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub page_start: usize,
    pub page_end: usize,
    pub page_count: usize,
    pub char_count: usize,
    #[serde(flatten)]
    pub classification: Classification,
    /// The first [`PREVIEW_CHARS`] characters of the section's text.
    pub text_preview: String,
}

/// The type of one text, and what was found in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    #[serde(serialize_with = "type_label")]
    pub document_type: DocumentType,
    pub confidence: f64,
    pub matched_keywords: Vec<&'static str>,
    /// The next best types, best first, at most three, each with some match.
    pub alternatives: Vec<Alternative>,
    /// The most specific reference number found for the type.
    pub reference_number: Option<String>,
    pub fields: Fields,
    /// Always "keyword": how the type was found (the predecessor also had "ai").
    pub detection_method: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    #[serde(serialize_with = "type_label")]
    pub document_type: DocumentType,
    pub confidence: f64,
}

/// Fields found in a text; each value passed its domain type's check.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Fields {
    /// All reference numbers found, most specific first.
    pub reference_numbers: Vec<String>,
    /// Every distinct date, in order of appearance (ISO 8601 in JSON).
    #[serde(serialize_with = "iso_dates")]
    pub dates: Vec<NaiveDate>,
    #[serde(serialize_with = "iso_date")]
    pub issue_date: Option<NaiveDate>,
    #[serde(serialize_with = "iso_date")]
    pub expiry_date: Option<NaiveDate>,
    pub container_numbers: Vec<ContainerNumber>,
    pub hs_codes: Vec<String>,
    pub vessel: Option<String>,
    pub voyage: Option<String>,
    pub port_of_loading: Option<UnLocode>,
    pub port_of_discharge: Option<UnLocode>,
}

/// Splits `pages` (the text of each page, in order) into sections and classifies each.
pub fn analyze(pages: &[String]) -> Analysis {
    let starts = section_starts(pages);
    let sections: Vec<Section> = starts
        .iter()
        .enumerate()
        .map(|(index, &start)| {
            let end = starts.get(index + 1).copied().unwrap_or(pages.len());
            let text = pages[start..end].join("\n\n");
            Section {
                page_start: start + 1,
                page_end: end,
                page_count: end - start,
                char_count: text.chars().count(),
                classification: classify_text(&text),
                text_preview: text.chars().take(PREVIEW_CHARS).collect(),
            }
        })
        .collect();
    Analysis {
        page_count: pages.len(),
        is_combined: sections.len() > 1,
        sections,
    }
}

/// The 0-based indices of the pages that start a section (always 0 when there are pages).
pub fn section_starts(pages: &[String]) -> Vec<usize> {
    (0..pages.len())
        .filter(|&index| index == 0 || starts_section(&pages[index]))
        .collect()
}

fn starts_section(page: &str) -> bool {
    let head: String = normalize(page).chars().take(TITLE_WINDOW).collect();
    let restarts_numbering = |marker: &str| {
        head.match_indices(marker).any(|(at, _)| {
            !head[at + marker.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
    };
    keywords::TITLES
        .iter()
        .any(|title| contains_word(&head, title))
        || (head.starts_with("page 1") && restarts_numbering("page 1"))
        || restarts_numbering("page: 1")
}

/// The type of `text` and the fields in it.
pub fn classify_text(text: &str) -> Classification {
    let normalized = normalize(text);
    let mut scores: Vec<(DocumentType, f64, Vec<&'static str>)> = keywords::KEYWORDS
        .iter()
        .map(|(document_type, words)| {
            let matched: Vec<&'static str> = words
                .iter()
                .copied()
                .filter(|word| contains_word(&normalized, word))
                .collect();
            (
                *document_type,
                confidence(matched.len(), words.len()),
                matched,
            )
        })
        .filter(|(_, confidence, _)| *confidence > 0.0)
        .collect();
    // Stable: equal confidences keep the order of KEYWORDS.
    scores.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut ranked = scores.into_iter();
    let (document_type, confidence, matched_keywords) =
        ranked
            .next()
            .unwrap_or((DocumentType::Other, 0.0, Vec::new()));
    let alternatives = ranked
        .take(ALTERNATIVES)
        .map(|(document_type, confidence, _)| Alternative {
            document_type,
            confidence,
        })
        .collect();
    let fields = extract_fields(text, document_type);
    Classification {
        document_type,
        confidence,
        matched_keywords,
        alternatives,
        reference_number: fields.reference_numbers.first().cloned(),
        fields,
        detection_method: "keyword",
    }
}

/// matched / total, +0.2 from three matches on, at most 1.0; rounded to 3 decimals.
pub fn confidence(matched: usize, total: usize) -> f64 {
    if matched == 0 || total == 0 {
        return 0.0;
    }
    let mut value = matched as f64 / total as f64;
    if matched >= 3 {
        value += 0.2;
    }
    (value.min(1.0) * 1000.0).round() / 1000.0
}

/// The fields of `text`, reference numbers by the patterns of `document_type`.
pub fn extract_fields(text: &str, document_type: DocumentType) -> Fields {
    let found = extract::find_dates(text);
    let mut dates: Vec<NaiveDate> = Vec::new();
    for date in found.iter().map(|found| found.date) {
        if !dates.contains(&date) {
            dates.push(date);
        }
    }
    let (vessel, voyage) = extract::vessel_and_voyage(text);
    let (port_of_loading, port_of_discharge) = extract::ports(text);
    Fields {
        reference_numbers: extract::reference_numbers(text, document_type),
        issue_date: extract::issue_date(text, &found),
        expiry_date: extract::expiry_date(text, &found),
        dates,
        container_numbers: extract::container_numbers(text),
        hs_codes: extract::hs_codes(text),
        vessel,
        voyage,
        port_of_loading,
        port_of_discharge,
    }
}

/// Lower case with every whitespace run as one space: how keywords and titles are matched.
fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn type_label<S: Serializer>(value: &DocumentType, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.as_str())
}

fn iso_date<S: Serializer>(value: &Option<NaiveDate>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(date) => serializer.collect_str(&date.format("%Y-%m-%d")),
        None => serializer.serialize_none(),
    }
}

fn iso_dates<S: Serializer>(values: &[NaiveDate], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(
        values
            .iter()
            .map(|date| date.format("%Y-%m-%d").to_string()),
    )
}

#[cfg(test)]
mod tests;
