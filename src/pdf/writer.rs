//! A small PDF writer for reports: a title, headings, paragraphs and tables on A4 pages.
//!
//! Text is set in the base-14 fonts Helvetica and Helvetica-Bold with WinAnsiEncoding, so no
//! font is embedded and the files stay small; characters outside that encoding (e.g. `中`)
//! print as `?`. Lines are wrapped with the fonts' own widths ([`super::metrics`]); pages
//! break by themselves; a table repeats its header row on every page it continues on and
//! splits a row only when the row alone is taller than a page. The footer and "Page n of N"
//! are drawn on every page when the document is finished.
//!
//! ```
//! use tracehub::pdf::writer::PdfBuilder;
//!
//! let mut pdf = PdfBuilder::new("Shipment VIBO-2026-001");
//! pdf.heading("Documents")
//!     .paragraph("Status: 5/8 documents complete.")
//!     .table(&[("Type", 2.0), ("Status", 1.0)], &[vec!["Bill of lading".into(), "[X] Complete".into()]])
//!     .footer("Generated 2026-01-31 10:00 UTC | TraceHub");
//! let bytes = pdf.finish();
//! assert!(bytes.starts_with(b"%PDF-"));
//! ```

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::metrics::{win_ansi, Font};

/// A4 in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 50.0;
/// The lowest baseline of body text; the footer sits below it.
const BOTTOM: f32 = MARGIN + 14.0;
const FOOTER_BASELINE: f32 = 32.0;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

const TITLE_SIZE: f32 = 16.0;
const HEADING_SIZE: f32 = 12.5;
const BODY_SIZE: f32 = 10.0;
const TABLE_SIZE: f32 = 9.0;
const FOOTER_SIZE: f32 = 8.0;
/// Cell padding in tables.
const PAD: f32 = 3.0;

/// Builds a PDF document top to bottom; [`PdfBuilder::finish`] returns the file.
pub struct PdfBuilder {
    title: String,
    footer: Option<String>,
    /// Finished pages and, last, the page being written.
    pages: Vec<Content>,
    /// The top of the free space on the current page.
    y: f32,
}

impl PdfBuilder {
    /// A document whose first page starts with `title` (also its metadata title).
    pub fn new(title: &str) -> Self {
        let mut builder = Self {
            title: title.to_owned(),
            footer: None,
            pages: Vec::new(),
            y: 0.0,
        };
        builder.new_page();
        builder.lines(Font::HelveticaBold, TITLE_SIZE, title, 1.25);
        builder.rule();
        builder.y -= 10.0;
        builder
    }

    /// A section heading, kept on the same page as at least two lines after it.
    pub fn heading(&mut self, text: &str) -> &mut Self {
        let leading = HEADING_SIZE * 1.3;
        if self.y < self.top() {
            self.y -= 8.0;
        }
        if self.y - leading - 2.0 * BODY_SIZE * 1.3 < BOTTOM {
            self.new_page();
        }
        self.lines(Font::HelveticaBold, HEADING_SIZE, text, 1.3);
        self.y -= 4.0;
        self
    }

    /// A paragraph, wrapped to the page width; `\n` starts a new line.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.lines(Font::Helvetica, BODY_SIZE, text, 1.3);
        self.y -= 6.0;
        self
    }

    /// A table: `columns` are (header, relative width) pairs, `rows` the cells of each row
    /// (missing cells are blank, extra ones ignored). Cells wrap within their column.
    pub fn table(&mut self, columns: &[(&str, f32)], rows: &[Vec<String>]) -> &mut Self {
        if columns.is_empty() {
            return self;
        }
        let total: f32 = columns.iter().map(|(_, width)| width.max(0.0)).sum();
        let widths: Vec<f32> = columns
            .iter()
            .map(|(_, width)| match total > 0.0 {
                true => width.max(0.0) / total * TEXT_WIDTH,
                false => TEXT_WIDTH / columns.len() as f32,
            })
            .collect();
        let header: Vec<Vec<Vec<u8>>> = columns
            .iter()
            .zip(&widths)
            .map(|((title, _), width)| {
                wrap(title, Font::HelveticaBold, TABLE_SIZE, width - 2.0 * PAD)
            })
            .collect();
        let leading = TABLE_SIZE * 1.25;
        let header_height = row_lines(&header) as f32 * leading + 2.0 * PAD;

        // The header goes on a page only with room for a line of the first row under it.
        if self.y - header_height - leading - 2.0 * PAD < BOTTOM {
            self.new_page();
        }
        self.table_row(
            &widths,
            &header,
            0..row_lines(&header),
            Font::HelveticaBold,
            true,
        );

        for row in rows {
            let cells: Vec<Vec<Vec<u8>>> = widths
                .iter()
                .enumerate()
                .map(|(index, width)| {
                    let text = row.get(index).map_or("", String::as_str);
                    wrap(text, Font::Helvetica, TABLE_SIZE, width - 2.0 * PAD)
                })
                .collect();
            let count = row_lines(&cells);
            let fits_a_page =
                self.top() - header_height - (count as f32 * leading + 2.0 * PAD) >= BOTTOM;
            let mut start = 0;
            while start < count {
                let room = ((self.y - BOTTOM - 2.0 * PAD) / leading).floor().max(0.0) as usize;
                let fresh = self.y >= self.top() - header_height;
                let whole_row_needed = start == 0 && fits_a_page;
                if !fresh && (room == 0 || (whole_row_needed && room < count)) {
                    self.new_page();
                    self.table_row(
                        &widths,
                        &header,
                        0..row_lines(&header),
                        Font::HelveticaBold,
                        true,
                    );
                    continue;
                }
                let end = (start + room.max(1)).min(count);
                self.table_row(&widths, &cells, start..end, Font::Helvetica, false);
                start = end;
            }
        }
        self.y -= 10.0;
        self
    }

    /// Continues on a new page (unless the current one is still empty; an empty last page
    /// is left out).
    pub fn page_break(&mut self) -> &mut Self {
        if self.y < self.top() {
            self.new_page();
        }
        self
    }

    /// The footer text printed at the bottom of every page (with the page number).
    pub fn footer(&mut self, text: &str) -> &mut Self {
        self.footer = Some(text.to_owned());
        self
    }

    /// The PDF file.
    pub fn finish(mut self) -> Vec<u8> {
        if self.pages.len() > 1 && self.y >= self.top() {
            self.pages.pop();
        }
        let page_count = self.pages.len();
        let catalog_id = Ref::new(1);
        let tree_id = Ref::new(2);
        let regular_id = Ref::new(3);
        let bold_id = Ref::new(4);
        let info_id = Ref::new(5);
        let page_id = |index: usize| Ref::new(6 + 2 * index as i32);

        let mut pdf = Pdf::new();
        pdf.catalog(catalog_id).pages(tree_id);
        pdf.pages(tree_id)
            .kids((0..page_count).map(page_id))
            .count(page_count as i32);
        for (index, mut content) in self.pages.into_iter().enumerate() {
            let number = format!("Page {} of {}", index + 1, page_count);
            let number = encode(&number);
            let number_x = PAGE_WIDTH - MARGIN - Font::Helvetica.width(&number, FOOTER_SIZE);
            show(
                &mut content,
                Font::Helvetica,
                FOOTER_SIZE,
                number_x,
                FOOTER_BASELINE,
                &number,
            );
            if let Some(footer) = &self.footer {
                let room = number_x - MARGIN - 12.0;
                let first = wrap(footer, Font::Helvetica, FOOTER_SIZE, room).swap_remove(0);
                show(
                    &mut content,
                    Font::Helvetica,
                    FOOTER_SIZE,
                    MARGIN,
                    FOOTER_BASELINE,
                    &first,
                );
            }
            let content_id = Ref::new(page_id(index).get() + 1);
            let mut page = pdf.page(page_id(index));
            page.parent(tree_id)
                .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
                .contents(content_id);
            page.resources()
                .fonts()
                .pair(font_name(Font::Helvetica), regular_id)
                .pair(font_name(Font::HelveticaBold), bold_id);
            page.finish();
            let data = content.finish();
            pdf.stream(content_id, data.as_slice());
        }
        for (id, base) in [(regular_id, "Helvetica"), (bold_id, "Helvetica-Bold")] {
            pdf.type1_font(id)
                .base_font(Name(base.as_bytes()))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.document_info(info_id)
            .title(TextStr(&self.title))
            .producer(TextStr("TraceHub"));
        pdf.finish()
    }

    fn top(&self) -> f32 {
        PAGE_HEIGHT - MARGIN
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = self.top();
    }

    fn content(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a page is always open")
    }

    /// Wrapped lines of text at `leading` × `size`, breaking pages as needed.
    fn lines(&mut self, font: Font, size: f32, text: &str, leading: f32) {
        for line in wrap(text, font, size, TEXT_WIDTH) {
            if self.y - size * leading < BOTTOM {
                self.new_page();
            }
            self.y -= size * leading;
            let y = self.y + (leading - 1.0) * size * 0.5;
            show(self.content(), font, size, MARGIN, y, &line);
        }
    }

    fn rule(&mut self) {
        let y = self.y - 4.0;
        self.content()
            .set_line_width(0.8)
            .move_to(MARGIN, y)
            .line_to(PAGE_WIDTH - MARGIN, y)
            .stroke();
        self.y = y;
    }

    /// Lines `range` of each cell of one row, with cell borders (and a shaded header).
    fn table_row(
        &mut self,
        widths: &[f32],
        cells: &[Vec<Vec<u8>>],
        range: std::ops::Range<usize>,
        font: Font,
        shaded: bool,
    ) {
        let leading = TABLE_SIZE * 1.25;
        let height = range.len() as f32 * leading + 2.0 * PAD;
        let top = self.y;
        let content = self.pages.last_mut().expect("a page is always open");
        let mut x = MARGIN;
        for (width, lines) in widths.iter().zip(cells) {
            if shaded {
                content
                    .set_fill_gray(0.88)
                    .rect(x, top - height, *width, height)
                    .fill_nonzero()
                    .set_fill_gray(0.0);
            }
            content
                .set_line_width(0.5)
                .rect(x, top - height, *width, height)
                .stroke();
            for (offset, line) in lines.iter().skip(range.start).take(range.len()).enumerate() {
                let baseline = top - PAD - TABLE_SIZE - offset as f32 * leading + 1.5;
                show(content, font, TABLE_SIZE, x + PAD, baseline, line);
            }
            x += width;
        }
        self.y = top - height;
    }
}

fn row_lines(cells: &[Vec<Vec<u8>>]) -> usize {
    cells.iter().map(Vec::len).max().unwrap_or(1).max(1)
}

fn font_name(font: Font) -> Name<'static> {
    match font {
        Font::Helvetica => Name(b"F1"),
        Font::HelveticaBold => Name(b"F2"),
    }
}

/// One line of text in its own text object (so extractors see one line per object).
fn show(content: &mut Content, font: Font, size: f32, x: f32, y: f32, line: &[u8]) {
    if line.is_empty() {
        return;
    }
    content
        .begin_text()
        .set_font(font_name(font), size)
        .next_line(x, y)
        .show(Str(line))
        .end_text();
}

/// WinAnsi bytes of `text`: `\n` kept, tabs and other controls as spaces, the rest as `?`.
fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\n' => b'\n',
            c if c.is_control() => b' ',
            c => win_ansi(c).unwrap_or(b'?'),
        })
        .collect()
}

/// `text` broken into lines no wider than `width`: at spaces where possible, inside a word
/// only when the word alone is wider than a line. Always at least one (maybe empty) line.
fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<Vec<u8>> {
    let encoded = encode(text);
    let mut lines = Vec::new();
    for paragraph in encoded.split(|&byte| byte == b'\n') {
        let mut line: Vec<u8> = Vec::new();
        for word in paragraph
            .split(|&byte| byte == b' ')
            .filter(|word| !word.is_empty())
        {
            let candidate_width = if line.is_empty() {
                font.width(word, size)
            } else {
                font.width(&line, size) + font.width(b" ", size) + font.width(word, size)
            };
            if candidate_width <= width {
                if !line.is_empty() {
                    line.push(b' ');
                }
                line.extend_from_slice(word);
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for &byte in word {
                if !line.is_empty() && font.width(&line, size) + font.width(&[byte], size) > width {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(byte);
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::text::{page_texts, PdfLimits};

    fn texts(bytes: &[u8]) -> Vec<String> {
        page_texts(bytes, &PdfLimits::default())
            .expect("our own PDF reads back")
            .pages
    }

    #[test]
    fn writes_a_pdf_whose_text_reads_back() {
        let mut pdf = PdfBuilder::new("Shipment VIBO-2026-001");
        pdf.heading("Shipment details")
            .paragraph("Container MSCU1234565 on MSC AURORA, voyage 612W, from NGAPP to DEHAM.")
            .table(
                &[("Field", 1.0), ("Value", 2.0)],
                &[
                    vec!["B/L".into(), "MEDU12345678".into()],
                    vec!["Incoterms".into()],
                ],
            )
            .footer("Generated 2026-01-31 10:00 UTC | TraceHub");
        let bytes = pdf.finish();
        assert!(bytes.starts_with(b"%PDF-"));
        let pages = texts(&bytes);
        assert_eq!(pages.len(), 1);
        for expected in [
            "Shipment VIBO-2026-001",
            "Shipment details",
            "MSCU1234565",
            "MEDU12345678",
            "Incoterms",
            "Generated 2026-01-31 10:00 UTC | TraceHub",
            "Page 1 of 1",
        ] {
            assert!(
                pages[0].contains(expected),
                "{expected:?} missing in {:?}",
                pages[0]
            );
        }
    }

    #[test]
    fn long_content_breaks_pages_and_repeats_footer_and_table_header() {
        let mut pdf = PdfBuilder::new("Tracking history");
        let rows: Vec<Vec<String>> = (0..150)
            .map(|index| {
                vec![
                    format!("2026-01-{:02}", index % 28 + 1),
                    format!("Event number {index}"),
                ]
            })
            .collect();
        pdf.paragraph(&"A long paragraph of words. ".repeat(300))
            .table(&[("Date", 1.0), ("Event", 3.0)], &rows)
            .footer("TraceHub audit pack");
        let pages = texts(&pdf.finish());
        assert!(pages.len() >= 4, "{} pages", pages.len());
        let count = pages.len();
        for (index, page) in pages.iter().enumerate() {
            assert!(page.contains("TraceHub audit pack"));
            assert!(page.contains(&format!("Page {} of {count}", index + 1)));
        }
        let table_pages: Vec<&String> = pages
            .iter()
            .filter(|p| p.contains("Event number"))
            .collect();
        assert!(table_pages.len() >= 2);
        assert!(
            table_pages.iter().all(|page| page.contains("Date\n")),
            "header repeated"
        );
        assert!(pages.last().unwrap().contains("Event number 149"));
        let all = pages.concat();
        assert_eq!(
            all.matches("Event number 7\n").count(),
            1,
            "no row written twice"
        );
    }

    #[test]
    fn a_row_taller_than_a_page_is_split() {
        let tall = (0..120)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut pdf = PdfBuilder::new("Tall");
        pdf.table(&[("Notes", 1.0)], &[vec![tall]]);
        let pages = texts(&pdf.finish());
        assert!(pages.len() >= 2);
        let all = pages.concat();
        assert!(all.contains("line 0\n") && all.contains("line 119\n"));
    }

    #[test]
    fn characters_outside_win_ansi_become_question_marks() {
        let mut pdf = PdfBuilder::new("Café Müller €5 中文");
        pdf.paragraph("Déclaration: Grüße, 100 € — 中")
            .table(&[("中", 0.0)], &[vec!["ü".into()]]);
        let pages = texts(&pdf.finish());
        assert!(pages[0].contains("Café Müller €5 ??"), "{:?}", pages[0]);
        assert!(pages[0].contains("Grüße, 100 € — ?"));
    }

    #[test]
    fn wrap_respects_the_width_and_splits_overlong_words() {
        let lines = wrap(
            "aaa bbb ccc",
            Font::Helvetica,
            10.0,
            Font::Helvetica.width(b"aaa bbb", 10.0),
        );
        assert_eq!(lines, vec![b"aaa bbb".to_vec(), b"ccc".to_vec()]);
        let long = wrap(&"x".repeat(100), Font::Helvetica, 10.0, 50.0);
        assert!(long.len() > 1);
        assert!(long
            .iter()
            .all(|line| Font::Helvetica.width(line, 10.0) <= 50.0));
        assert_eq!(
            wrap("", Font::Helvetica, 10.0, 50.0),
            vec![Vec::<u8>::new()]
        );
        assert_eq!(wrap("a\n\nb", Font::Helvetica, 10.0, 50.0).len(), 3);
    }
}
