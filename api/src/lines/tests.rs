//! The line reader: limits on what one input may cost.

use chrono::TimeZone;

use super::*;

#[test]
fn reading_stops_after_too_many_rejected_lines() {
    let input = "x\n".repeat(MAX_REJECTED + 50);
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
    let mut lines = LineBatches::new(input.as_bytes(), 10, now);
    while lines.next_batch().is_some() {}
    assert_eq!(lines.rejected.len(), MAX_REJECTED);
    assert_eq!(lines.line_no, MAX_REJECTED as u64);
    assert!(lines.read_error.is_some());
}
