//! The text of a PDF, page by page, read safely from untrusted uploads.
//!
//! Parsing is `lopdf`'s; walking the content streams is ours, so that the work is bounded and
//! the text keeps its line breaks (`Td`, `T*`, `'`, `TJ` gaps, `ET` become newlines or spaces,
//! which keyword matching needs). Only text drawn directly in a page's content streams is
//! read: text inside form XObjects and scanned images (no OCR) is not.
//!
//! **Bounded work.** At most [`PdfLimits::max_pages`] pages are read and at most
//! [`PdfLimits::max_chars`] characters kept in total (`truncated` says so); every stream we
//! decompress counts against [`PdfLimits::max_inflated_bytes`] (a stream that would exceed it
//! is skipped, so a compression bomb costs at most that much memory and time).
//!
//! **Hostile input.** Before `lopdf` sees the file, one pass over its bytes refuses what
//! `lopdf` would not survive or could not bound: brackets or dictionaries nested more than
//! [`MAX_NESTING`] deep (its parser recurses per level), a stream whose `/Length` refers to
//! another stream (it recurses per link), object and cross-reference streams (which it
//! decompresses while loading, without limit) that inflate beyond the budget or use other
//! filters, and encryption. The parse then runs on its own thread with a large stack, and a
//! panic there becomes [`PdfError::ReaderFailed`]. Names are compared after `#xx` decoding,
//! as the parser reads them. Encrypted files are refused even when they open without a
//! password (owner-password-only): their streams cannot be checked before loading.
//!
//! The functions are synchronous and CPU-bound: call them from `spawn_blocking`.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;

use flate2::read::ZlibDecoder;
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Encoding, Object, ObjectId, Stream};

/// Deepest nesting of arrays and dictionaries accepted anywhere in a file (real documents
/// stay below 10). Counted over all bytes, binary stream data included, so the margin keeps
/// random bytes of large files from tripping it.
pub const MAX_NESTING: usize = 1024;
/// Stack of the parsing thread. In the (less optimized) dev profile 8,000 nesting levels fit
/// in it and 30,000 do not: [`MAX_NESTING`] leaves a margin of about eight.
const WORKER_STACK: usize = 64 * 1024 * 1024;
/// How far up the page tree resources are looked for.
const MAX_INHERITANCE: usize = 32;
/// Where the `%PDF-` header may start, as in [`crate::domain::document::sniff`].
const HEADER_WINDOW: usize = 1024;

/// How much work one call may do.
#[derive(Debug, Clone)]
pub struct PdfLimits {
    /// Pages read (the rest are counted, not read).
    pub max_pages: usize,
    /// Characters kept over all pages.
    pub max_chars: usize,
    /// Bytes decompressed over all streams, including the checks before parsing.
    pub max_inflated_bytes: usize,
}

impl Default for PdfLimits {
    /// 200 pages, one million characters, 64 MiB decompressed.
    fn default() -> Self {
        Self {
            max_pages: 200,
            max_chars: 1_000_000,
            max_inflated_bytes: 64 * 1024 * 1024,
        }
    }
}

/// The text of a PDF's first pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfText {
    /// Pages in the document.
    pub page_count: usize,
    /// Text of the first `min(page_count, max_pages)` pages, in order.
    pub pages: Vec<String>,
    /// Pages were left out or the text was cut at `max_chars`.
    pub truncated: bool,
}

/// Why a PDF's text cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("not a PDF file")]
    NotPdf,
    #[error("the PDF is encrypted")]
    Encrypted,
    #[error("the PDF is too complex to read safely: {0}")]
    TooComplex(&'static str),
    #[error("the PDF cannot be read: {0}")]
    Malformed(String),
    #[error("the PDF reader failed on this file")]
    ReaderFailed,
}

/// The text of each of the first pages of `bytes`, within `limits`.
pub fn page_texts(bytes: &[u8], limits: &PdfLimits) -> Result<PdfText, PdfError> {
    let mut budget = Budget {
        chars: limits.max_chars,
        inflated: limits.max_inflated_bytes,
    };
    preflight(bytes, &mut budget)?;
    isolated(move || {
        let document = load(bytes)?;
        let page_ids: Vec<ObjectId> = document.page_iter().collect();
        let mut pages = Vec::new();
        for &page_id in page_ids.iter().take(limits.max_pages) {
            pages.push(page_text(&document, page_id, &mut budget));
        }
        Ok(PdfText {
            page_count: page_ids.len(),
            truncated: page_ids.len() > pages.len() || budget.chars == 0,
            pages,
        })
    })
}

/// The number of pages, without reading their text. This still parses the whole file:
/// `lopdf`'s metadata-only path walks the page tree recursively with no depth bound.
pub fn page_count(bytes: &[u8]) -> Result<usize, PdfError> {
    let mut budget = Budget {
        chars: 0,
        inflated: PdfLimits::default().max_inflated_bytes,
    };
    preflight(bytes, &mut budget)?;
    isolated(move || Ok(load(bytes)?.page_iter().count()))
}

struct Budget {
    chars: usize,
    inflated: usize,
}

fn load(bytes: &[u8]) -> Result<Document, PdfError> {
    let document =
        Document::load_mem(bytes).map_err(|error| PdfError::Malformed(error.to_string()))?;
    if document.trailer.get(b"Encrypt").is_ok() || document.encryption_state.is_some() {
        return Err(PdfError::Encrypted);
    }
    Ok(document)
}

/// Runs `work` on a thread of its own with a large stack; a panic becomes an error.
fn isolated<T: Send>(work: impl FnOnce() -> Result<T, PdfError> + Send) -> Result<T, PdfError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("pdf-reader".into())
            .stack_size(WORKER_STACK)
            .spawn_scoped(scope, work)
            .map_err(|_| PdfError::ReaderFailed)?
            .join()
            .unwrap_or(Err(PdfError::ReaderFailed))
    })
}

// ---------------------------------------------------------------------------------------
// The checks before parsing.

fn preflight(bytes: &[u8], budget: &mut Budget) -> Result<(), PdfError> {
    let header_area = &bytes[..bytes.len().min(HEADER_WINDOW + 5)];
    let has_header = header_area
        .windows(5)
        .position(|window| window == b"%PDF-")
        .is_some_and(|at| at < HEADER_WINDOW);
    if !has_header {
        return Err(PdfError::NotPdf);
    }
    let scan = Scan::of(bytes);
    if scan.encrypted {
        return Err(PdfError::Encrypted);
    }
    if nesting_depth(bytes) > MAX_NESTING {
        return Err(PdfError::TooComplex("objects nested too deeply"));
    }
    if scan
        .stream_objects
        .iter()
        .any(|id| scan.length_targets.contains(id))
    {
        return Err(PdfError::TooComplex("a stream length refers to a stream"));
    }
    for stream in &scan.load_streams {
        if stream.other_filter {
            return Err(PdfError::TooComplex(
                "an object stream with an unusual filter",
            ));
        }
        if stream.flate {
            let data = inflate(&bytes[stream.start..], budget).ok_or(PdfError::TooComplex(
                "object streams inflate beyond the limit",
            ))?;
            if nesting_depth(&data) > MAX_NESTING {
                return Err(PdfError::TooComplex("objects nested too deeply"));
            }
        }
    }
    Ok(())
}

/// The deepest nesting of `[` and `<<` in `bytes`, never counting below zero.
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut index) = (0usize, 0usize, 0usize);
    while index < bytes.len() {
        let pair = bytes.get(index + 1) == Some(&bytes[index]);
        match bytes[index] {
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            b'<' if pair => {
                depth += 1;
                index += 1;
            }
            b'>' if pair => {
                depth = depth.saturating_sub(1);
                index += 1;
            }
            _ => {}
        }
        deepest = deepest.max(depth);
        index += 1;
    }
    deepest
}

/// What one pass over the raw file finds: a loose tokenizer, deliberately not skipping
/// stream data or strings, so that nothing the parser might read is left unseen.
#[derive(Default)]
struct Scan {
    encrypted: bool,
    /// Objects that are streams (streams are never inside object streams).
    stream_objects: HashSet<u64>,
    /// Objects referred to as `/Length n g R`.
    length_targets: HashSet<u64>,
    /// Object and cross-reference streams: the parser decompresses them while loading.
    load_streams: Vec<LoadStream>,
}

struct LoadStream {
    /// Where the stream data starts.
    start: usize,
    flate: bool,
    other_filter: bool,
}

/// Tokenizer state within one object.
#[derive(Default)]
struct ObjectState {
    id: Option<u64>,
    load_stream: bool,
    flate: bool,
    other_filter: bool,
}

impl Scan {
    fn of(bytes: &[u8]) -> Self {
        let mut scan = Scan::default();
        let mut object = ObjectState::default();
        let mut integers: Vec<u64> = Vec::with_capacity(2);
        let mut after_length = false;
        let mut index = 0;
        while index < bytes.len() {
            let byte = bytes[index];
            if byte.is_ascii_whitespace() {
                index += 1;
                continue;
            }
            if byte.is_ascii_digit() {
                let end = run_end(bytes, index, |b| b.is_ascii_digit());
                let value = bytes[index..end].iter().fold(0u64, |acc, d| {
                    acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                });
                if integers.len() == 2 {
                    integers.remove(0);
                }
                integers.push(value);
                index = end;
                continue;
            }
            if byte == b'/' {
                let (name, end) = read_name(bytes, index + 1);
                after_length = name == b"Length";
                match name.as_slice() {
                    b"Encrypt" => scan.encrypted = true,
                    b"ObjStm" | b"XRef" => object.load_stream = true,
                    b"FlateDecode" | b"Fl" => object.flate = true,
                    b"LZWDecode" | b"LZW" | b"RunLengthDecode" | b"RL" | b"ASCII85Decode"
                    | b"A85" | b"ASCIIHexDecode" | b"AHx" | b"Crypt" | b"JBIG2Decode"
                    | b"DCTDecode" | b"JPXDecode" | b"CCITTFaxDecode" => object.other_filter = true,
                    _ => {}
                }
                integers.clear();
                index = end;
                continue;
            }
            if byte.is_ascii_alphabetic() {
                let end = run_end(bytes, index, |b| b.is_ascii_alphabetic());
                match &bytes[index..end] {
                    b"obj" => {
                        object = ObjectState {
                            id: (integers.len() == 2).then(|| integers[0]),
                            ..ObjectState::default()
                        }
                    }
                    b"endobj" => object = ObjectState::default(),
                    b"R" if after_length && integers.len() == 2 => {
                        scan.length_targets.insert(integers[0]);
                    }
                    b"stream" => {
                        if let Some(id) = object.id {
                            scan.stream_objects.insert(id);
                        }
                        if object.load_stream {
                            let start = match &bytes[end..] {
                                [b'\r', b'\n', ..] => end + 2,
                                _ => end + 1,
                            };
                            scan.load_streams.push(LoadStream {
                                start: start.min(bytes.len()),
                                flate: object.flate,
                                other_filter: object.other_filter,
                            });
                        }
                        object.load_stream = false;
                    }
                    _ => {}
                }
                after_length = false;
                integers.clear();
                index = end;
                continue;
            }
            after_length = false;
            integers.clear();
            index += 1;
        }
        scan
    }
}

fn run_end(bytes: &[u8], start: usize, belongs: impl Fn(u8) -> bool) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| !belongs(b))
        .map_or(bytes.len(), |length| start + length)
}

/// A name's bytes from `start` (after the `/`), with `#xx` decoded; at most 64 are kept.
fn read_name(bytes: &[u8], start: usize) -> (Vec<u8>, usize) {
    let mut name = Vec::new();
    let mut index = start;
    while let Some(&byte) = bytes.get(index) {
        if byte.is_ascii_whitespace() || b"()<>[]{}/%".contains(&byte) {
            break;
        }
        let hex = |offset: usize| {
            bytes
                .get(index + offset)
                .and_then(|&b| (b as char).to_digit(16))
        };
        let (decoded, width) = match (byte, hex(1), hex(2)) {
            (b'#', Some(high), Some(low)) => ((high * 16 + low) as u8, 3),
            _ => (byte, 1),
        };
        if name.len() < 64 {
            name.push(decoded);
        }
        index += width;
    }
    (name, index)
}

/// Inflates zlib data, charging `budget`; `None` when the output would exceed it. A stream
/// that is corrupt part way keeps what was decoded before the error, as readers do.
fn inflate(input: &[u8], budget: &mut Budget) -> Option<Vec<u8>> {
    let mut output = Vec::new();
    let limit = budget.inflated;
    let mut decoder = ZlibDecoder::new(input).take(limit as u64 + 1);
    let _ = decoder.read_to_end(&mut output);
    if output.len() > limit {
        budget.inflated = 0;
        return None;
    }
    budget.inflated -= output.len();
    Some(output)
}

// ---------------------------------------------------------------------------------------
// Text of a page.

/// The decoded data of a stream within the budget; `None` if it is over or undecodable.
fn decoded(stream: &Stream, budget: &mut Budget) -> Option<Vec<u8>> {
    let filters = match stream.dict.get(b"Filter") {
        Err(_) => Vec::new(),
        Ok(_) => stream.filters().ok()?,
    };
    let has_parameters = stream.dict.get(b"DecodeParms").is_ok();
    match filters.as_slice() {
        [] => {
            budget.inflated = budget.inflated.checked_sub(stream.content.len())?;
            Some(stream.content.clone())
        }
        [b"FlateDecode"] if !has_parameters => inflate(&stream.content, budget),
        _ => {
            // lopdf decodes other chains itself, unbounded; LZW, the most expansive filter
            // it supports, yields at most ~4,096 bytes per input byte.
            if stream.content.len().saturating_mul(4096) > budget.inflated {
                return None;
            }
            let data = stream.decompressed_content().ok()?;
            budget.inflated = budget.inflated.checked_sub(data.len())?;
            Some(data)
        }
    }
}

fn page_text(document: &Document, page_id: ObjectId, budget: &mut Budget) -> String {
    let fonts = page_fonts(document, page_id, budget);
    let mut data = Vec::new();
    for stream_id in document.get_page_contents(page_id) {
        let Ok(stream) = document.get_object(stream_id).and_then(Object::as_stream) else {
            continue;
        };
        if let Some(part) = decoded(stream, budget) {
            data.extend_from_slice(&part);
            data.push(b'\n');
        }
    }
    if nesting_depth(&data) > MAX_NESTING {
        return String::new();
    }
    let Ok(content) = Content::decode(&data) else {
        return String::new();
    };
    let mut text = PageText {
        text: String::new(),
        budget,
    };
    let mut encoding: Option<&Encoding> = None;
    let mut line_y = 0.0f32;
    for operation in &content.operations {
        let operands = &operation.operands;
        let number = |index: usize| operands.get(index).and_then(|o| o.as_float().ok());
        match operation.operator.as_str() {
            "BT" => line_y = 0.0,
            "ET" | "T*" => text.newline(),
            "Tf" => {
                let name = operands.first().and_then(|o| o.as_name().ok());
                encoding = name.and_then(|name| fonts.get(name));
            }
            "Td" | "TD" => {
                let dy = number(1).unwrap_or(0.0);
                line_y += dy;
                if dy.abs() > 0.01 {
                    text.newline();
                } else {
                    text.space();
                }
            }
            "Tm" => {
                let y = number(5).unwrap_or(0.0);
                if (y - line_y).abs() > 0.01 {
                    text.newline();
                } else {
                    text.space();
                }
                line_y = y;
            }
            "Tj" | "'" | "\"" => {
                if operation.operator != "Tj" {
                    text.newline();
                }
                if let Some(Ok(bytes)) = operands.last().map(Object::as_str) {
                    text.show(encoding, bytes);
                }
            }
            "TJ" => {
                let items = operands.first().and_then(|o| o.as_array().ok());
                for item in items.into_iter().flatten() {
                    match item {
                        Object::String(bytes, _) => text.show(encoding, bytes),
                        // A gap of 0.15 em or more separates words (kerning is smaller).
                        other if other.as_float().is_ok_and(|gap| gap <= -150.0) => text.space(),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        if text.budget.chars == 0 {
            break;
        }
    }
    text.text.trim_end().to_owned()
}

/// Text being collected for a page, charged against the character budget.
struct PageText<'a> {
    text: String,
    budget: &'a mut Budget,
}

impl PageText<'_> {
    fn show(&mut self, encoding: Option<&Encoding>, bytes: &[u8]) {
        let decoded = match encoding {
            Some(encoding) => Document::decode_text(encoding, bytes).ok(),
            // No usable font encoding: plain ASCII is still worth keeping.
            None if bytes.iter().all(|b| (0x20..0x7F).contains(b)) => {
                Some(String::from_utf8_lossy(bytes).into_owned())
            }
            None => None,
        };
        if let Some(decoded) = decoded {
            self.push(decoded.chars().filter(|c| !c.is_control()));
        }
    }

    fn newline(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text = self.text.trim_end_matches(' ').to_owned();
            self.push(std::iter::once('\n'));
        }
    }

    fn space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with([' ', '\n']) {
            self.push(std::iter::once(' '));
        }
    }

    fn push(&mut self, chars: impl Iterator<Item = char>) {
        for c in chars {
            if self.budget.chars == 0 {
                return;
            }
            self.text.push(c);
            self.budget.chars -= 1;
        }
    }
}

/// The encodings of the fonts a page can use, by resource name. A font whose `ToUnicode`
/// map would exceed the inflate budget is left out (its text is then skipped).
fn page_fonts<'a>(
    document: &'a Document,
    page_id: ObjectId,
    budget: &mut Budget,
) -> BTreeMap<Vec<u8>, Encoding<'a>> {
    let mut encodings = BTreeMap::new();
    let Some(resources) = inherited_resources(document, page_id) else {
        return encodings;
    };
    let Some(fonts) = resources
        .get(b"Font")
        .ok()
        .and_then(|fonts| dictionary(document, fonts))
    else {
        return encodings;
    };
    for (name, font) in fonts.iter() {
        let Some(font) = dictionary(document, font) else {
            continue;
        };
        if let Ok(map) = font
            .get_deref(b"ToUnicode", document)
            .and_then(Object::as_stream)
        {
            if decoded(map, budget).is_none() {
                continue;
            }
        }
        if let Ok(encoding) = font.get_font_encoding(document) {
            encodings.insert(name.clone(), encoding);
        }
    }
    encodings
}

/// The page's resources, or the nearest ancestor's (walked iteratively, unlike lopdf's).
fn inherited_resources(document: &Document, page_id: ObjectId) -> Option<&Dictionary> {
    let mut node = document.get_dictionary(page_id).ok()?;
    for _ in 0..MAX_INHERITANCE {
        if let Some(resources) = node
            .get(b"Resources")
            .ok()
            .and_then(|r| dictionary(document, r))
        {
            return Some(resources);
        }
        let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
        node = document.get_dictionary(parent).ok()?;
    }
    None
}

/// A dictionary given directly or by reference.
fn dictionary<'a>(document: &'a Document, object: &'a Object) -> Option<&'a Dictionary> {
    match object {
        Object::Dictionary(dictionary) => Some(dictionary),
        Object::Reference(id) => document.get_dictionary(*id).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
