//! PDF files: writing simple reports and reading the text of uploaded documents.
//!
//! * [`writer`]: [`writer::PdfBuilder`], A4 pages with headings, paragraphs and tables in the
//!   base-14 Helvetica fonts (the audit-pack index, reports).
//! * [`text`]: [`text::page_texts`], the text of each page of an untrusted PDF, with bounded
//!   work; [`text::page_count`].
//!
//! Both are synchronous; callers in async code run them in `spawn_blocking`.

mod metrics;
pub mod text;
pub mod writer;
