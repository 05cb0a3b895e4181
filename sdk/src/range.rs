//! HTTP `Range` requests on a stored recording (RFC 9110, section 14).
//!
//! One `bytes` range is served as a part (206). A header the rules cannot
//! use (another unit, several ranges, bad syntax) is ignored and the whole
//! body is served (200), as RFC 9110 allows. A range that starts at or past
//! the end, or a zero-length suffix, is unsatisfiable (416).

/// A satisfiable range: the first and last byte, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// The first byte served.
    pub first: u64,
    /// The last byte served (inclusive).
    pub last: u64,
}

impl ByteRange {
    /// How many bytes the range holds (at least one).
    pub fn size(&self) -> u64 {
        self.last - self.first + 1
    }

    /// The `Content-Range` value of this part of a body of `length` bytes.
    pub fn content_range(&self, length: u64) -> String {
        format!("bytes {}-{}/{length}", self.first, self.last)
    }
}

/// What a `Range` header asks of a body of a known length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// Serve the whole body (no header, or one the rules ignore).
    Whole,
    /// Serve this part (206).
    Part(ByteRange),
    /// Nothing can be served (416, `Content-Range: bytes */LENGTH`).
    Unsatisfiable,
}

/// The `Content-Range` value of a 416 answer for a body of `length` bytes.
pub fn unsatisfied_content_range(length: u64) -> String {
    format!("bytes */{length}")
}

/// Reads a `Range` header (`None`: absent) against a body of `length` bytes.
pub fn parse_range(header: Option<&str>, length: u64) -> RangeAnswer {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeAnswer::Whole;
    };
    if spec.contains(',') {
        return RangeAnswer::Whole;
    }
    let Some((from, to)) = spec.trim().split_once('-') else {
        return RangeAnswer::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (from.trim().is_empty(), number(from), number(to)) {
        // `bytes=-N`: the last N bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || length == 0 {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Part(ByteRange {
                    first: length.saturating_sub(suffix),
                    last: length - 1,
                })
            }
        }
        // `bytes=A-` or `bytes=A-B`.
        (false, Some(first), last) if to.trim().is_empty() || last.is_some() => {
            if last.is_some_and(|l| l < first) {
                RangeAnswer::Whole
            } else if first >= length {
                RangeAnswer::Unsatisfiable
            } else {
                let last = last.map_or(length - 1, |l| l.min(length - 1));
                RangeAnswer::Part(ByteRange { first, last })
            }
        }
        _ => RangeAnswer::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(first: u64, last: u64) -> RangeAnswer {
        RangeAnswer::Part(ByteRange { first, last })
    }

    #[test]
    fn single_ranges() {
        assert_eq!(parse_range(Some("bytes=0-9"), 100), part(0, 9));
        assert_eq!(parse_range(Some("bytes=90-"), 100), part(90, 99));
        assert_eq!(parse_range(Some("bytes=90-500"), 100), part(90, 99));
        assert_eq!(parse_range(Some("bytes=-10"), 100), part(90, 99));
        assert_eq!(parse_range(Some("bytes=-500"), 100), part(0, 99));
        assert_eq!(parse_range(Some("bytes=5-5"), 100), part(5, 5));
    }

    #[test]
    fn unsatisfiable_ranges() {
        assert_eq!(
            parse_range(Some("bytes=100-"), 100),
            RangeAnswer::Unsatisfiable
        );
        assert_eq!(
            parse_range(Some("bytes=-0"), 100),
            RangeAnswer::Unsatisfiable
        );
        assert_eq!(
            parse_range(Some("bytes=0-1"), 0),
            RangeAnswer::Unsatisfiable
        );
        assert_eq!(unsatisfied_content_range(100), "bytes */100");
    }

    #[test]
    fn ignored_headers_serve_the_whole_body() {
        for header in [
            None,
            Some("items=0-1"),
            Some("bytes=0-1,5-6"),
            Some("bytes=x-1"),
            Some("bytes=9-2"),
            Some("bytes=-"),
            Some("bytes=1-+2"),
        ] {
            assert_eq!(parse_range(header, 100), RangeAnswer::Whole, "{header:?}");
        }
    }

    #[test]
    fn content_range_and_length() {
        let r = ByteRange {
            first: 10,
            last: 19,
        };
        assert_eq!(r.size(), 10);
        assert_eq!(r.content_range(100), "bytes 10-19/100");
    }
}
