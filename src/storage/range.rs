//! The part of a document a download asks for: what one HTTP `Range: bytes=…` can say.

use std::ops::Range;

/// One byte range, as RFC 9110 §14.1.2 spells it. Positions are inclusive, as in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=first-last`
    FromTo { first: u64, last: u64 },
    /// `bytes=first-`: from `first` to the end.
    From { first: u64 },
    /// `bytes=-length`: the last `length` bytes.
    Suffix { length: u64 },
}

impl ByteRange {
    /// Reads a `Range` header value holding a single byte range. Anything else — another unit,
    /// several ranges, a malformed or backwards range — is `None`: RFC 9110 lets a server
    /// ignore such a header and answer with the whole document, which is what callers do.
    pub fn parse_header(value: &str) -> Option<Self> {
        let (unit, set) = value.trim().split_once('=')?;
        if !unit.trim().eq_ignore_ascii_case("bytes") {
            return None;
        }
        let spec = set.trim();
        if spec.contains(',') {
            return None;
        }
        let (first, last) = spec.split_once('-')?;
        match (digits(first), digits(last)) {
            (Some(first), Some(last)) if first <= last => Some(Self::FromTo { first, last }),
            (Some(first), None) if last.is_empty() => Some(Self::From { first }),
            (None, Some(length)) if first.is_empty() => Some(Self::Suffix { length }),
            _ => None,
        }
    }

    /// The bytes this range covers in a document of `size` bytes, clipped to its end (as the
    /// RFC says); `None` when it covers none of them (a 416 with the size).
    pub fn resolve(self, size: u64) -> Option<Range<u64>> {
        let range = match self {
            Self::FromTo { first, last } => first..last.saturating_add(1).min(size),
            Self::From { first } => first..size,
            Self::Suffix { length } => size.saturating_sub(length)..size,
        };
        (range.start < range.end).then_some(range)
    }
}

/// A non-empty run of ASCII digits that fits a u64.
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ranges_are_read() {
        for (header, expected) in [
            (
                "bytes=0-499",
                ByteRange::FromTo {
                    first: 0,
                    last: 499,
                },
            ),
            ("bytes=5-5", ByteRange::FromTo { first: 5, last: 5 }),
            (" Bytes = 10- ", ByteRange::From { first: 10 }),
            ("bytes=-20", ByteRange::Suffix { length: 20 }),
            ("bytes=-0", ByteRange::Suffix { length: 0 }),
        ] {
            assert_eq!(ByteRange::parse_header(header), Some(expected), "{header}");
        }
    }

    #[test]
    fn other_headers_mean_the_whole_document() {
        for header in [
            "",
            "bytes",
            "bytes=",
            "bytes=-",
            "bytes=0-1,5-6",
            "bytes=0-1, -5",
            "bytes=5-4",
            "bytes=a-b",
            "bytes=+1-2",
            "bytes=1 -2",
            "bytes=0-99999999999999999999999",
            "items=0-1",
            "0-499",
        ] {
            assert_eq!(ByteRange::parse_header(header), None, "{header:?}");
        }
    }

    #[test]
    fn ranges_are_clipped_to_the_document_or_unsatisfiable() {
        let size = 100;
        for (range, expected) in [
            (ByteRange::FromTo { first: 0, last: 9 }, Some(0..10)),
            (
                ByteRange::FromTo {
                    first: 90,
                    last: 500,
                },
                Some(90..100),
            ),
            (
                ByteRange::FromTo {
                    first: 0,
                    last: u64::MAX,
                },
                Some(0..100),
            ),
            (
                ByteRange::FromTo {
                    first: 99,
                    last: 99,
                },
                Some(99..100),
            ),
            (
                ByteRange::FromTo {
                    first: 100,
                    last: 200,
                },
                None,
            ),
            (ByteRange::From { first: 0 }, Some(0..100)),
            (ByteRange::From { first: 99 }, Some(99..100)),
            (ByteRange::From { first: 100 }, None),
            (ByteRange::Suffix { length: 1 }, Some(99..100)),
            (ByteRange::Suffix { length: 100 }, Some(0..100)),
            (ByteRange::Suffix { length: 1000 }, Some(0..100)),
            (ByteRange::Suffix { length: 0 }, None),
        ] {
            assert_eq!(range.resolve(size), expected, "{range:?}");
        }
        assert_eq!(ByteRange::From { first: 0 }.resolve(0), None);
    }
}
