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

#[test]
fn admission_sets_a_pnr_version_key_from_the_notice_and_never_takes_the_senders() {
    let catalog = policy::Catalog::builtin().unwrap();
    let line = r#"{"system":"cbp-pnr","category":"pnr","collected_at":"2026-11-20T06:00:00Z","source":{"carrier":"xx","version_key":"FORGED"},"subjects":[{"role":"passenger","name":"ANNE EXAMPLE","identifiers":{"passport":{"number":"X1234567","country":"FR"}}}],"fields":{"record_locator":"abc123"}}"#;
    let mut record = parse_line(line).unwrap();
    admit_record(&catalog, &mut record).unwrap();
    assert_eq!(
        record
            .source
            .get(vault::VERSION_KEY_SOURCE)
            .map(String::as_str),
        Some("XX/ABC123")
    );
    // Without a record locator there is no key, and the sender's is dropped.
    let line = line.replace(r#""record_locator":"abc123""#, r#""osi":"NOTE""#);
    let mut record = parse_line(&line).unwrap();
    admit_record(&catalog, &mut record).unwrap();
    assert_eq!(record.source.get(vault::VERSION_KEY_SOURCE), None);
}
