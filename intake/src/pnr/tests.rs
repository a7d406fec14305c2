//! PNR lines: the 34 elements mapped to a record, and each malformed PNR answered by line and
//! key without its values.

use super::*;

fn received() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

const FULL: &str = r#"{"carrier":"xx","pulled_at":"2026-11-20T06:00:00Z","record_locator":"ABC123","reservation_date":"2026-10-01","travel_dates":["2026-12-01","2026-12-09"],"name":"ANNE EXAMPLE","other_names":["BEN EXAMPLE"],"address":"1 RUE X, PARIS","payment":"VI ************1111","billing_address":"1 RUE X","telephone":"+33 1 00 00 00 00","itinerary":["CDG-JFK XX001","JFK-CDG XX002"],"frequent_flyer":{"miles":12000},"travel_agency":"AGENCE","travel_agent":"A1","code_share":"YY101","travel_status":"HK","split_pnr":"DEF456","email":"anne@example.org","ticketing":"TKTL","general_remarks":"WINDOW SEAT","ticket_number":"0571234567890","seat_number":"12A","ticket_issue_date":"2026-10-02","no_show_history":0,"bag_tags":["XX123456"],"go_show":false,"osi":"VIP","ssi_ssr":"WCHR","received_from":"PAX","history":["created 2026-10-01"],"traveler_count":2,"seat_information":"aisle","one_way":false,"apis":{"passport_number":"X1234567","passport_country":"FR","date_of_birth":"1980-02-03"},"atfq":"FARE"}"#;

#[test]
fn every_element_of_attachment_a_lands_in_the_record() {
    let parsed = parse(FULL, received());
    assert_eq!(parsed.len(), 1);
    let (record, raw) = &parsed[0];
    let (location, record) = record.as_ref().unwrap();
    assert_eq!(location, "line 1");
    assert_eq!(raw, FULL);
    assert_eq!(record.system.as_str(), "cbp-pnr");
    assert_eq!(record.source["carrier"], "XX");
    assert_eq!(
        record.collected_at.to_rfc3339(),
        "2026-11-20T06:00:00+00:00"
    );
    let subject = &record.subjects[0];
    assert_eq!(subject.role, "passenger");
    assert_eq!(subject.name.as_deref(), Some("ANNE EXAMPLE"));
    assert_eq!(crate::identifier(subject, "passport"), "FR:X1234567");
    assert_eq!(crate::identifier(subject, "dob"), "1980-02-03");
    let fields = &record.fields;
    // Every element but the name (the subject's) is a field.
    assert_eq!(fields.len(), 33);
    assert_eq!(fields["travel_dates"], "2026-12-01\n2026-12-09");
    assert_eq!(fields["frequent_flyer"], r#"{"miles":12000}"#);
    assert_eq!(fields["go_show"], "false");
    // The notice declares each one.
    const NOTICE: &str = include_str!("../../../policy/sorn/cbp-pnr.toml");
    for name in fields.keys() {
        assert!(NOTICE.contains(&format!("name = \"{name}\"")), "{name}");
    }
}

#[test]
fn malformed_pnrs_are_answered_by_line_and_key_without_values() {
    // (line, location, reason fragment)
    let table = [
        ("not json", "line 1", "not JSON"),
        ("[1]", "line 1", "a JSON object"),
        (
            r#"{"carrier":"XX","record_locator":"A","name":"N","secret_key":"ZZSECRET"}"#,
            "line 1",
            "is not a data element",
        ),
        (
            r#"{"record_locator":"A","name":"N"}"#,
            "line 1, key carrier",
            "IATA",
        ),
        (
            r#"{"carrier":"XX","name":"N"}"#,
            "line 1, key record_locator",
            "required",
        ),
        (
            r#"{"carrier":"XX","record_locator":"A"}"#,
            "line 1, key name",
            "required",
        ),
        (
            r#"{"carrier":"XX","record_locator":"A","name":"N","pulled_at":"yesterday"}"#,
            "line 1, key pulled_at",
            "RFC 3339",
        ),
        // Seed 001 paragraph 14 times a flight's receipt from its departure: the filing day
        // would time a pull made after the flight landed at midnight, inside the window.
        (
            r#"{"carrier":"XX","record_locator":"A","name":"N","flight":"XX100","departs_at":"2026-11-20T18:00:00Z"}"#,
            "line 1, key pulled_at",
            "a PNR of a flight gives `pulled_at`",
        ),
        (
            r#"{"carrier":"XX","record_locator":"A","name":"N","apis":{"passport_number":"X1"}}"#,
            "line 1, key apis",
            "passport_country",
        ),
    ];
    for (line, location, reason) in table {
        let parsed = parse(line, received());
        let err = parsed[0].0.as_ref().unwrap_err();
        assert_eq!(err.location, location, "{line}");
        assert!(err.reason.contains(reason), "{line}: {}", err.reason);
        assert!(!err.reason.contains("ZZSECRET") && !err.reason.contains("X1\""));
    }
}

#[test]
fn a_file_is_answered_pnr_by_pnr() {
    let file = format!("{FULL}\n\nnot json\n{FULL}\n");
    let parsed = parse(&file, received());
    assert_eq!(parsed.len(), 3);
    assert!(parsed[0].0.is_ok() && parsed[2].0.is_ok());
    assert_eq!(parsed[1].0.as_ref().unwrap_err().location, "line 3");
}
