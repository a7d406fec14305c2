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
    let line = r#"{"system":"cbp-pnr","category":"pnr","collected_at":"2026-11-20T06:00:00Z","source":{"carrier":"xx","version_key":"FORGED","flight":"XX100","departs_at":"2026-11-20T18:00:00Z","arrives_at":"2026-11-21T02:00:00Z"},"subjects":[{"role":"passenger","name":"ANNE EXAMPLE","identifiers":{"passport":{"number":"X1234567","country":"FR"}}}],"fields":{"record_locator":"abc123"}}"#;
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

#[test]
fn admission_filters_a_pnr_and_its_raw_message_before_anything_is_stored() {
    let catalog = policy::Catalog::builtin().unwrap();
    let pnr = r#"{"carrier":"XX","pulled_at":"2026-11-20T06:00:00Z","flight":"XX100","departs_at":"2026-11-20T18:00:00Z","arrives_at":"2026-11-21T02:00:00Z","record_locator":"ABC123","name":"ANNE EXAMPLE","ssi_ssr":"WCHR KOSHER MEAL","osi":"PASSENGER IS PREGNANT","general_remarks":"window"}"#;
    // As `recvault`'s intake files give it: the record, with its raw message.
    let (parsed, raw) =
        intake::pnr::parse(pnr, chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()).remove(0);
    let (_, mut record) = parsed.unwrap();
    record.source.insert(model::RAW_SOURCE.to_owned(), raw);
    admit_record(&catalog, &mut record).unwrap();
    assert_eq!(record.fields["ssi_ssr"], "KOSHER MEAL");
    assert_eq!(record.fields["osi"], "PASSENGER IS");
    let raw: serde_json::Value =
        serde_json::from_str(&record.source[model::RAW_SOURCE]).expect("still JSON");
    assert_eq!(raw["ssi_ssr"], "KOSHER MEAL");
    assert_eq!(raw["osi"], "PASSENGER IS");
    assert_eq!(raw["general_remarks"], "window");
    // A sender cannot name the raw record or the deduplication window.
    let forged = r#"{"system":"fincen-cbetf","category":"transmittal","collected_at":"2026-11-20","source":{"raw_record":"0001-000000000000-00000001-00000001","transfer_key":"uetr:x","transfer_match":"m","transfer_window_days":"3650"},"subjects":[{"role":"transmittor","identifiers":{"account":"1"}}]}"#;
    let mut record = parse_line(forged).unwrap();
    admit_record(&catalog, &mut record).unwrap();
    assert_eq!(record.source.get(model::RAW_RECORD_SOURCE), None);
    assert_eq!(
        record
            .source
            .get(vault::TRANSFER_WINDOW_SOURCE)
            .map(String::as_str),
        Some("90"),
        "the notice's window"
    );
}

/// A converted file's records are held to the line limit as their lines would be: the same
/// record is refused alike whether it comes as a record (offline, or the server converting a
/// file) or as the line the CLI sends a server, and its neighbours are stored either way.
#[test]
fn a_converted_record_longer_than_a_line_is_refused_as_its_line_would_be() {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
    let small = parse_line(r#"{"system":"s","category":"c","collected_at":"2026-11-20","source":{"report_id":"R"},"subjects":[{"role":"r","name":"N"}]}"#).unwrap();
    let mut large = small.clone();
    // Each part within its own limit (16 KiB a field, 1 MiB the raw message), the whole over
    // a line's.
    for n in 0..40 {
        large.fields.insert(format!("f{n}"), "x".repeat(15 * 1024));
    }
    large
        .source
        .insert(model::RAW_SOURCE.to_owned(), "y".repeat(600 * 1024));
    assert!(model::import::written_len(&large) > MAX_LINE_BYTES);
    assert!(large.validate(now).is_ok(), "valid but for its length");
    let as_records = {
        let input = Input::records(vec![small.clone(), large.clone(), small.clone()]);
        let mut batches = LineBatches::of(input, 10, now);
        let stored = batches.next_batch().map(|(_, batch)| batch.len());
        (stored, batches.rejected)
    };
    let as_lines = {
        let text: String = [&small, &large, &small]
            .iter()
            .map(|record| format!("{}\n", *model::import::to_line(record).unwrap()))
            .collect();
        let mut batches = LineBatches::new(text.as_bytes(), 10, now);
        let stored = batches.next_batch().map(|(_, batch)| batch.len());
        (stored, batches.rejected)
    };
    assert_eq!(as_records, as_lines);
    assert_eq!(as_records.0, Some(2));
    assert_eq!(
        as_records.1,
        vec![Rejected {
            line: 2,
            reason: format!("line is longer than {MAX_LINE_BYTES} bytes"),
        }]
    );
}
