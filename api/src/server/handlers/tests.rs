//! The handlers' own parsing against the wire contract's patterns: what one accepts, the
//! other accepts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail the test with the reason"
)]

use super::*;

/// A date is read in exactly the documented form (`wire::DATE_PATTERN`), and a real day.
#[test]
fn dates_are_read_in_exactly_the_documented_form() {
    let pattern = regex::Regex::new(wire::DATE_PATTERN).unwrap();
    #[rustfmt::skip]
    let table = [
        ("2026-01-05", true), ("2024-02-29", true),
        // Chrono alone reads these; the document does not allow them.
        ("2026-1-5", false), ("26-01-05", false), ("+2026-01-05", false), (" 2026-01-05", false),
        // Of the form, but no day.
        ("2026-02-30", false), ("2026-13-01", false),
        ("2026/01/05", false), ("", false), ("2026-01-05T00:00:00Z", false),
    ];
    for (text, expected) in table {
        let read = date(text, "on").is_ok();
        assert_eq!(read, expected, "`{text}`");
        // Whatever is read matches the pattern (the pattern cannot tell real days).
        if read {
            assert!(pattern.is_match(text), "`{text}`");
        } else if pattern.is_match(text) {
            assert!(
                NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err(),
                "`{text}`"
            );
        }
    }
}

/// A time (`until`, `as_of`, an audit search's `from` and `to`) is a date in exactly the
/// documented form, midnight UTC, or an RFC 3339 time: the document's anyOf of the two.
#[test]
fn times_are_a_documented_date_or_an_rfc3339_time() {
    let midnight = |day: &str| {
        NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    };
    let table = [
        ("2026-01-05", Some(midnight("2026-01-05"))),
        ("2026-01-05T00:00:00Z", Some(midnight("2026-01-05"))),
        ("2026-01-05T01:00:00+01:00", Some(midnight("2026-01-05"))),
        // Chrono alone reads `2026-1-5` as a date; the document does not allow it.
        ("2026-1-5", None),
        ("2026-02-30", None),
        ("yesterday", None),
        // Chrono alone reads a space for the `T`; `date-time` does not.
        ("2026-01-05 00:00:00Z", None),
    ];
    for (text, expected) in table {
        let read = time_filter(Some(text), "until").ok().flatten();
        assert_eq!(read, expected, "`{text}`");
    }
    assert_eq!(time_filter(None, "until"), Ok(None));
}
