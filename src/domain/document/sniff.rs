//! The type of an uploaded file, decided by its first bytes and never by its name.
//!
//! The client's file name and `Content-Type` say what the sender claims; these signatures say
//! what the bytes are. Only the five kinds trade documents come in are accepted; everything
//! else (executables, scripts, HTML, archives, spreadsheets, empty files) is refused, even when
//! it is named `invoice.pdf`.
//!
//! Decisions:
//! * **PDF**: `%PDF-` and a version digit at offset 0, or later within the first 1,024 bytes as
//!   PDF readers allow (some scanners and mail gateways prepend a few bytes). A later header
//!   is accepted only if the bytes before it hold no `<` (no HTML or XML page hiding a PDF
//!   marker) and do not start with an executable or script signature.
//! * **DOC**: the OLE2 compound-file signature alone would also let through `.xls`, `.ppt` and
//!   `.msi` files, so the UTF-16LE directory entry name `WordDocument` must appear in the
//!   head too. Word usually writes its directory near the end of the file, so a large `.doc`
//!   whose directory lies beyond [`SNIFF_BYTES`] is refused: refusing a Word file (the user
//!   can send a PDF or DOCX) is better than accepting an installer.
//! * **DOCX**: a ZIP whose local file headers within the head name `[Content_Types].xml` and
//!   a `word/` part (an `.xlsx` has `xl/` parts, a plain ZIP neither). The headers are found
//!   by their signature, so entries written with a trailing data descriptor count as well.
//!   A DOCX that puts a huge part before its first `word/` entry is refused.

/// How many leading bytes the caller passes to [`sniff`] (or the whole file if smaller).
pub const SNIFF_BYTES: usize = 64 * 1024;

/// How far into the file a PDF header may start.
const PDF_HEADER_WINDOW: usize = 1024;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const CFB_SIGNATURE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ZIP_LOCAL_HEADER: &[u8] = b"PK\x03\x04";
/// The fixed part of a ZIP local file header; the name follows it.
const ZIP_LOCAL_HEADER_LEN: usize = 30;

/// A file kind TraceHub accepts as a document upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    /// Word 97-2003 (OLE2 compound file with a `WordDocument` stream).
    Doc,
    /// Word 2007+ (Office Open XML).
    Docx,
}

impl FileKind {
    /// The media type to store and to serve the file with.
    pub const fn mime_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Doc => "application/msword",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    /// The file name extension to store the file under, without the dot.
    pub const fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Doc => "doc",
            FileKind::Docx => "docx",
        }
    }
}

/// The kind of file whose first bytes are `head` (up to [`SNIFF_BYTES`]), or `None` when it
/// is not one TraceHub accepts.
pub fn sniff(head: &[u8]) -> Option<FileKind> {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    if head.starts_with(b"\xFF\xD8\xFF") {
        Some(FileKind::Jpeg)
    } else if head.starts_with(PNG_SIGNATURE) {
        Some(FileKind::Png)
    } else if head.starts_with(CFB_SIGNATURE) {
        is_word_compound_file(head).then_some(FileKind::Doc)
    } else if head.starts_with(ZIP_LOCAL_HEADER) {
        is_word_zip(head).then_some(FileKind::Docx)
    } else {
        has_pdf_header(head).then_some(FileKind::Pdf)
    }
}

fn has_pdf_header(head: &[u8]) -> bool {
    let window = &head[..head.len().min(PDF_HEADER_WINDOW + 6)];
    let Some(at) = find(window, b"%PDF-") else {
        return false;
    };
    if at >= PDF_HEADER_WINDOW || !window.get(at + 5).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let prefix = &head[..at];
    let suspicious_start = [&b"MZ"[..], b"\x7fELF", b"#!"]
        .iter()
        .any(|signature| prefix.starts_with(signature));
    !suspicious_start && !prefix.contains(&b'<')
}

fn is_word_compound_file(head: &[u8]) -> bool {
    let name: Vec<u8> = "WordDocument"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    find(head, &name).is_some()
}

fn is_word_zip(head: &[u8]) -> bool {
    let (mut content_types, mut word_part) = (false, false);
    let mut rest = head;
    while let Some(at) = find(rest, ZIP_LOCAL_HEADER) {
        let header = &rest[at..];
        if let Some(name) = zip_entry_name(header) {
            content_types |= name == b"[Content_Types].xml";
            word_part |= name.starts_with(b"word/");
        }
        rest = &header[ZIP_LOCAL_HEADER.len()..];
    }
    content_types && word_part
}

/// The name in the local file header at the start of `header`, if it is complete.
fn zip_entry_name(header: &[u8]) -> Option<&[u8]> {
    let length = u16::from_le_bytes([*header.get(26)?, *header.get(27)?]) as usize;
    header.get(ZIP_LOCAL_HEADER_LEN..ZIP_LOCAL_HEADER_LEN + length)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ZIP local file header for `name` followed by `data` (stored, sizes as given).
    fn zip_entry(name: &str, data: &[u8]) -> Vec<u8> {
        let mut entry = ZIP_LOCAL_HEADER.to_vec();
        entry.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, method, time, date
        entry.extend_from_slice(&[0; 4]); // crc
        entry.extend_from_slice(&(data.len() as u32).to_le_bytes());
        entry.extend_from_slice(&(data.len() as u32).to_le_bytes());
        entry.extend_from_slice(&(name.len() as u16).to_le_bytes());
        entry.extend_from_slice(&[0, 0]); // extra length
        entry.extend_from_slice(name.as_bytes());
        entry.extend_from_slice(data);
        entry
    }

    fn zip(names: &[&str]) -> Vec<u8> {
        names
            .iter()
            .flat_map(|name| zip_entry(name, b"<xml/>"))
            .collect()
    }

    fn compound_file(stream_name: &str) -> Vec<u8> {
        let mut file = CFB_SIGNATURE.to_vec();
        file.resize(512, 0);
        file.extend(stream_name.encode_utf16().flat_map(u16::to_le_bytes));
        file.resize(1024, 0);
        file
    }

    #[test]
    fn accepts_each_kind_by_its_signature() {
        assert_eq!(
            sniff(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj"),
            Some(FileKind::Pdf)
        );
        assert_eq!(
            sniff(b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"),
            Some(FileKind::Jpeg)
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
            Some(FileKind::Png)
        );
        assert_eq!(sniff(&compound_file("WordDocument")), Some(FileKind::Doc));
        let docx = zip(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]);
        assert_eq!(sniff(&docx), Some(FileKind::Docx));
    }

    #[test]
    fn pdf_header_may_follow_a_short_harmless_prefix() {
        let mut file = vec![b'\n'; 200];
        file.extend_from_slice(b"%PDF-1.4\n");
        assert_eq!(sniff(&file), Some(FileKind::Pdf));

        let mut late = vec![b' '; PDF_HEADER_WINDOW];
        late.extend_from_slice(b"%PDF-1.4\n");
        assert_eq!(sniff(&late), None, "header past the first 1,024 bytes");
        assert_eq!(sniff(b"<html><!-- %PDF-1.4 --><script>"), None);
        assert_eq!(sniff(b"#!/bin/sh\n# %PDF-1.4\nrm -rf /"), None);
        assert_eq!(sniff(b"%PDF-x"), None, "no version digit");
    }

    #[test]
    fn refuses_executables_whatever_they_contain() {
        let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
        elf.extend_from_slice(b"\0\0\0\0%PDF-1.4");
        assert_eq!(sniff(&elf), None);
        let mut pe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
        pe.extend_from_slice(b"This program cannot be run in DOS mode. %PDF-1.4");
        assert_eq!(sniff(&pe), None);
        assert_eq!(sniff(b"#!/usr/bin/env python3\nprint(1)\n"), None);
        assert_eq!(sniff(b"<!DOCTYPE html><html></html>"), None);
        assert_eq!(sniff(b"Invoice no. 42, plain text"), None);
    }

    #[test]
    fn refuses_other_zips_and_compound_files() {
        let xlsx = zip(&["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"]);
        assert_eq!(sniff(&xlsx), None);
        assert_eq!(sniff(&zip(&["photos/a.jpg", "word/notes.txt"])), None);
        assert_eq!(sniff(&zip(&["[Content_Types].xml"])), None);
        assert_eq!(sniff(&compound_file("Workbook")), None, ".xls");
        assert_eq!(sniff(&compound_file("PowerPoint Document")), None, ".ppt");
        // "WordDocument" in ASCII is not a directory entry name.
        let mut ascii = CFB_SIGNATURE.to_vec();
        ascii.extend_from_slice(b"WordDocument");
        assert_eq!(sniff(&ascii), None);
    }

    #[test]
    fn refuses_empty_and_truncated_heads() {
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"\xFF\xD8"), None);
        assert_eq!(sniff(&PNG_SIGNATURE[..7]), None);
        assert_eq!(sniff(&CFB_SIGNATURE[..6]), None);
        assert_eq!(sniff(b"%PDF"), None);
        assert_eq!(sniff(b"%PDF-"), None);
        assert_eq!(sniff(b"PK\x03"), None);
        // A header cut inside its name, and one cut before the name length.
        let docx = zip(&["[Content_Types].xml", "word/document.xml"]);
        let cut = docx.len() - 10;
        assert_eq!(sniff(&docx[..cut]), None);
        assert_eq!(sniff(b"PK\x03\x04\x14\x00\x00\x00"), None);
    }

    #[test]
    fn looks_only_at_the_sniff_window() {
        let mut docx = zip(&["[Content_Types].xml"]);
        docx.resize(SNIFF_BYTES, 0);
        docx.extend(zip(&["word/document.xml"]));
        assert_eq!(sniff(&docx), None);
    }

    #[test]
    fn kinds_have_a_media_type_and_an_extension() {
        for kind in [
            FileKind::Pdf,
            FileKind::Jpeg,
            FileKind::Png,
            FileKind::Doc,
            FileKind::Docx,
        ] {
            assert!(kind.mime_type().contains('/'));
            assert!(!kind.extension().starts_with('.'));
        }
        assert_eq!(FileKind::Docx.extension(), "docx");
        assert_eq!(FileKind::Jpeg.mime_type(), "image/jpeg");
    }
}
