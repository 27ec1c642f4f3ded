use std::io::Write;

use flate2::write::ZlibEncoder;
use flate2::Compression;

use super::*;
use crate::pdf::writer::PdfBuilder;

/// A PDF from numbered object bodies (object 1 is the catalog) with a correct xref table and
/// `extra_trailer` added to the trailer dictionary.
fn build_pdf(objects: &[Vec<u8>], extra_trailer: &str) -> Vec<u8> {
    let mut file = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (index, body) in objects.iter().enumerate() {
        offsets.push(file.len());
        writeln!(file, "{} 0 obj", index + 1).unwrap();
        file.extend_from_slice(body);
        file.extend_from_slice(b"\nendobj\n");
    }
    let xref = file.len();
    write!(file, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).unwrap();
    for offset in offsets {
        writeln!(file, "{offset:010} 00000 n ").unwrap();
    }
    write!(
        file,
        "trailer\n<< /Size {} /Root 1 0 R {extra_trailer} >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    )
    .unwrap();
    file
}

fn stream(dictionary: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!("<< {dictionary} /Length {} >>\nstream\n", data.len()).into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"\nendstream");
    body
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A one-page PDF whose page content is object 5 (given), with font F1 = Helvetica.
fn one_page(content: Vec<u8>) -> Vec<u8> {
    build_pdf(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
            content,
        ],
        "",
    )
}

fn read(bytes: &[u8]) -> Result<PdfText, PdfError> {
    page_texts(bytes, &PdfLimits::default())
}

fn three_pages() -> Vec<u8> {
    let mut pdf = PdfBuilder::new("BILL OF LADING");
    pdf.paragraph("B/L No. MEDU12345678");
    for title in ["COMMERCIAL INVOICE", "PHYTOSANITARY CERTIFICATE"] {
        pdf.paragraph(&"filler text ".repeat(1200));
        pdf.heading(title);
    }
    pdf.finish()
}

#[test]
fn reads_the_text_of_each_page_written_by_our_writer() {
    let text = read(&three_pages()).unwrap();
    assert!(text.page_count >= 3);
    assert_eq!(text.pages.len(), text.page_count);
    assert!(!text.truncated);
    assert!(text.pages[0].starts_with("BILL OF LADING\nB/L No. MEDU12345678"));
    assert!(text
        .pages
        .iter()
        .any(|page| page.contains("COMMERCIAL INVOICE")));
    assert!(text
        .pages
        .last()
        .unwrap()
        .contains("PHYTOSANITARY CERTIFICATE"));
    assert_eq!(page_count(&three_pages()), Ok(text.page_count));
}

#[test]
fn text_positioning_becomes_spaces_and_newlines() {
    let content = b"BT /F1 12 Tf 72 700 Td [(Bill)-300(of)-300(Lad)20(ing)] TJ 0 -14 Td (Line two) Tj T* (three) Tj (\\(x\\)) ' ET";
    let pdf = one_page(stream("", content));
    assert_eq!(
        read(&pdf).unwrap().pages,
        vec!["Bill of Lading\nLine two\nthree\n(x)"]
    );
}

#[test]
fn reads_compressed_content_streams() {
    let content = zlib(b"BT /F1 12 Tf 72 700 Td (Certificate of Origin \\351) Tj ET");
    let pdf = one_page(stream("/Filter /FlateDecode", &content));
    assert_eq!(read(&pdf).unwrap().pages, vec!["Certificate of Origin é"]);
}

#[test]
fn limits_pages_and_characters() {
    let pdf = three_pages();
    let limits = PdfLimits {
        max_pages: 2,
        ..PdfLimits::default()
    };
    let text = page_texts(&pdf, &limits).unwrap();
    assert!(text.page_count >= 3);
    assert_eq!(text.pages.len(), 2);
    assert!(text.truncated);

    let limits = PdfLimits {
        max_chars: 40,
        ..PdfLimits::default()
    };
    let text = page_texts(&pdf, &limits).unwrap();
    assert!(text.truncated);
    assert!(text.pages.iter().map(|p| p.chars().count()).sum::<usize>() <= 40);
    assert!(text.pages[0].starts_with("BILL OF LADING"));
}

#[test]
fn refuses_what_is_not_a_pdf() {
    assert_eq!(read(b""), Err(PdfError::NotPdf));
    assert_eq!(
        read(b"\x7fELF\x02\x01\x01 not a document"),
        Err(PdfError::NotPdf)
    );
    assert_eq!(page_count(b"PK\x03\x04"), Err(PdfError::NotPdf));
}

#[test]
fn broken_files_are_errors_not_panics() {
    assert!(matches!(read(b"%PDF-1.7\n"), Err(PdfError::Malformed(_))));
    assert!(
        read(b"%PDF-1.4\n\x00\x01\x02 garbage }{ >> << trailer startxref 99999\n%%EOF").is_err()
    );
    let whole = three_pages();
    for cut in [10, whole.len() / 3, whole.len() / 2, whole.len() - 40] {
        let _ = read(&whole[..cut]); // Ok (recovered) or Err, never a panic
        let _ = page_count(&whole[..cut]);
    }
    assert!(read(&whole[..whole.len() / 2]).is_err());
}

#[test]
fn mutated_files_never_panic_or_crash() {
    let original = three_pages();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..150 {
        let mut bytes = original.clone();
        for _ in 0..(next() % 8 + 1) {
            let at = (next() % bytes.len() as u64) as usize;
            match next() % 3 {
                0 => bytes[at] = next() as u8,
                1 => bytes.truncate(at.max(16)),
                _ => {
                    let chunk: Vec<u8> = bytes[at..bytes.len().min(at + 64)].to_vec();
                    bytes.splice(at..at, chunk);
                }
            }
        }
        let _ = read(&bytes);
    }
}

#[test]
fn refuses_deep_nesting_before_parsing() {
    let mut bomb = b"%PDF-1.4\n1 0 obj\n".to_vec();
    bomb.extend(std::iter::repeat_n(b'[', 200_000));
    assert_eq!(
        read(&bomb),
        Err(PdfError::TooComplex("objects nested too deeply"))
    );
    let mut dictionaries = b"%PDF-1.4\n1 0 obj\n".to_vec();
    dictionaries.extend(std::iter::repeat_n(&b"<</A "[..], 5_000).flatten());
    assert!(matches!(read(&dictionaries), Err(PdfError::TooComplex(_))));
}

#[test]
fn nesting_up_to_the_limit_parses_on_the_worker_stack() {
    let nested = format!(
        "{}1{}",
        "[".repeat(MAX_NESTING - 2),
        "]".repeat(MAX_NESTING - 2)
    );
    let pdf = build_pdf(
        &[
            format!("<< /Type /Catalog /Pages 2 0 R /Deep {nested} >>").into_bytes(),
            b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
        ],
        "",
    );
    assert_eq!(read(&pdf).map(|text| text.page_count), Ok(0));
}

#[test]
fn refuses_stream_lengths_that_chain_through_streams() {
    let pdf = build_pdf(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
            b"<< /Length 4 0 R >>\nstream\nabc\nendstream".to_vec(),
            b"<< /Len#67th 3 0 R >>\nstream\nabc\nendstream".to_vec(),
        ],
        "",
    );
    assert_eq!(
        read(&pdf),
        Err(PdfError::TooComplex("a stream length refers to a stream"))
    );
}

#[test]
fn refuses_encrypted_files_even_with_escaped_names() {
    let objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
        b"<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>".to_vec(),
    ];
    assert_eq!(
        read(&build_pdf(&objects, "/Encrypt 3 0 R")),
        Err(PdfError::Encrypted)
    );
    assert_eq!(
        read(&build_pdf(&objects, "/Encr#79pt 3 0 R")),
        Err(PdfError::Encrypted)
    );
}

#[test]
fn refuses_object_streams_that_inflate_beyond_the_budget() {
    let bomb = zlib(&vec![b' '; 4 * 1024 * 1024]);
    let pdf = build_pdf(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
            stream("/Type /Obj#53tm /N 1 /First 4 /Filter /FlateDecode", &bomb),
        ],
        "",
    );
    let limits = PdfLimits {
        max_inflated_bytes: 1024 * 1024,
        ..PdfLimits::default()
    };
    assert_eq!(
        page_texts(&pdf, &limits),
        Err(PdfError::TooComplex(
            "object streams inflate beyond the limit"
        ))
    );
    let lzw = build_pdf(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            stream(
                "/Type /ObjStm /N 1 /First 4 /Filter /LZWDecode",
                b"\x80\x0b\x60\x50",
            ),
        ],
        "",
    );
    assert!(matches!(read(&lzw), Err(PdfError::TooComplex(_))));
}

#[test]
fn a_content_stream_bomb_is_skipped_within_the_budget() {
    let mut content = b"BT /F1 12 Tf 72 700 Td (boom) Tj ET\n".to_vec();
    content.resize(8 * 1024 * 1024, b' ');
    let pdf = one_page(stream("/Filter /FlateDecode", &zlib(&content)));
    let limits = PdfLimits {
        max_inflated_bytes: 1024 * 1024,
        ..PdfLimits::default()
    };
    let text = page_texts(&pdf, &limits).unwrap();
    assert_eq!(text.pages, vec![String::new()]);
    assert_eq!(read(&pdf).unwrap().pages, vec!["boom"]);
}

#[test]
fn nesting_depth_counts_brackets_and_dictionaries() {
    assert_eq!(nesting_depth(b""), 0);
    assert_eq!(nesting_depth(b"[1 [2] <</A [3]>>]"), 3);
    assert_eq!(nesting_depth(b"]]]] [ ]"), 1, "never below zero");
    assert_eq!(
        nesting_depth(b"<00> < >"),
        0,
        "hex strings are not dictionaries"
    );
}

#[test]
fn a_combined_pdf_splits_into_its_documents() {
    use crate::domain::document::classify::analyze;
    use crate::domain::document::DocumentType;

    let mut pdf = PdfBuilder::new("BILL OF LADING");
    pdf.paragraph("B/L No. MEDU12345678\nShipper: VIBOTAJ\nConsignee: HAGES\nPort of Loading: NGAPP")
        .page_break()
        .paragraph("COMMERCIAL INVOICE\nInvoice No: INV-2026-0042\nUnit price USD 0.85\nTotal amount USD 20,400.00")
        .page_break()
        .paragraph("PHYTOSANITARY CERTIFICATE\nPlant protection organization; quarantine pests")
        .page_break()
        .page_break();
    let text = read(&pdf.finish()).unwrap();
    assert_eq!(text.page_count, 3);
    let sections: Vec<(DocumentType, usize)> = analyze(&text.pages)
        .sections
        .iter()
        .map(|section| (section.classification.document_type, section.page_start))
        .collect();
    assert_eq!(
        sections,
        vec![
            (DocumentType::BillOfLading, 1),
            (DocumentType::CommercialInvoice, 2),
            (DocumentType::PhytosanitaryCertificate, 3),
        ]
    );
}
