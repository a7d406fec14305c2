//! Table tests of the import format: good lines parse, bad lines get specific messages that
//! never repeat the data.

use super::*;

const GOOD: &str = r#"{"system":"fincen-cbetf","category":"transmittal","collected_at":"2026-01-15","source":{"report_id":"R-1"},"subjects":[{"role":"transmittor","name":"JOHN Q PUBLIC","identifiers":{"ssn":"123-45-6789","account":"000123"}}],"fields":{"amount":"1500.00","currency":"USD"}}"#;

#[test]
fn the_documented_example_parses() {
    let record = parse_line(GOOD).unwrap();
    assert_eq!(record.system.as_str(), "fincen-cbetf");
    assert_eq!(
        record.collected_at.to_rfc3339(),
        "2026-01-15T00:00:00+00:00"
    );
    assert_eq!(record.subjects[0].identifiers.len(), 2);
    assert_eq!(record.fields["amount"], "1500.00");
}

#[test]
fn timestamps_and_passports_parse() {
    let line = GOOD
        .replace("2026-01-15", "2026-01-15T10:30:00-05:00")
        .replace(
            r#""account":"000123""#,
            r#""passport":{"number":"X1234567","country":"US"}"#,
        );
    let record = parse_line(&line).unwrap();
    assert_eq!(
        record.collected_at.to_rfc3339(),
        "2026-01-15T15:30:00+00:00"
    );
    let passport = record.subjects[0]
        .identifiers
        .iter()
        .find(|identifier| identifier.kind == IdentifierKind::Passport)
        .unwrap();
    assert_eq!(
        (passport.value.as_str(), passport.country.as_deref()),
        ("X1234567", Some("US"))
    );
}

#[test]
fn bad_lines_get_specific_messages_without_the_data() {
    let cases: &[(&str, &str, &str)] = &[
        (
            r#""fields":{"#,
            r#""fields":"#,
            "not valid JSON: syntax error at column",
        ),
        (
            r#""USD"}}"#,
            r#""USD""#,
            "not valid JSON: the line ends too early",
        ),
        (r#"{"system""#, r#"["system""#, "not valid JSON"),
        (r#""system":"fincen-cbetf","#, "", "`system` is missing"),
        (
            r#""fincen-cbetf""#,
            r#""FinCEN CBETF""#,
            "system id must be lowercase letters",
        ),
        (
            r#""category":"transmittal","#,
            r#""category":"transmittal","colour":"red","#,
            "unknown field `colour`",
        ),
        (
            r#""category":"transmittal","#,
            r#""category":"transmittal","123-45-6789":1,"#,
            "unknown field (name not shown)",
        ),
        (
            r#""category":"transmittal","#,
            r#""category":"transmittal","JOHN Q":1,"#,
            "unknown field (name not shown)",
        ),
        (
            "2026-01-15",
            "15/01/2026",
            "`collected_at` must be a date (YYYY-MM-DD) or an RFC 3339 timestamp",
        ),
        (
            r#""1500.00""#,
            "1500.00",
            "`fields`: `amount` must be a string",
        ),
        (
            r#""ssn":"123-45-6789""#,
            r#""ssn":123456789"#,
            "subject 1: identifier `ssn` must be a string",
        ),
        (
            r#""ssn":"123-45-6789""#,
            r#""sin":"123-45-6789""#,
            "subject 1: unknown identifier kind `sin`",
        ),
        (
            r#""account":"000123""#,
            r#""passport":"X1234567""#,
            "subject 1: identifier `passport` must be an object",
        ),
        (
            r#""role":"transmittor","#,
            "",
            "subject 1: `role` is missing",
        ),
        (
            r#""name":"JOHN Q PUBLIC""#,
            r#""name":["JOHN"]"#,
            "subject 1: `name` must be a string",
        ),
        (
            r#"[{"role""#,
            r#"[7,{"role""#,
            "subject 1: must be an object",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(GOOD.contains(from), "case {expected:?} does not apply");
        let line = GOOD.replacen(from, to, 1);
        let message = parse_line(&line).expect_err(expected);
        assert!(
            message.starts_with(expected),
            "{message:?} should start with {expected:?}"
        );
        for secret in [
            "JOHN",
            "123-45-6789",
            "123456789",
            "000123",
            "X1234567",
            "1500",
        ] {
            assert!(!message.contains(secret), "{message:?} leaks {secret}");
        }
    }
}

/// A converted file sent to a server goes as lines `to_line` writes: each must read back as
/// the very record it was written from, whatever its time, identifiers, raw message or text,
/// and be as long as `written_len` says (the line limit is checked on that count).
#[test]
fn written_lines_read_back_as_the_same_record() {
    let timed = r#"{"system":"cbp-pnr","category":"pnr","collected_at":"2026-11-20T00:00:00Z","source":{"carrier":"XX","flight":"XX100"},"subjects":[{"role":"passenger","name":"ANNE EXAMPLE","identifiers":{"passport":{"number":"X1234567","country":"FR"},"dob":"1980-02-03"}}],"fields":{"record_locator":"ABC123"}}"#;
    let offset = r#"{"system":"s","category":"c","collected_at":"2026-01-15T10:11:12.123456789+05:30","source":{"report_id":"R"},"subjects":[{"role":"r","identifiers":{"account":"007"}}],"fields":{"note":"two\nlines, \"quoted\", ünïcödé \u2028","":"an empty key","raw_message":"a field of that name"}}"#;
    let raw = r#"{"system":"s","category":"c","collected_at":"2026-01-15","source":{"report_id":"R"},"subjects":[{"role":"r","name":"N"}],"raw":"{1:F01BANK}\r\n:20:REF\r\n-}"}"#;
    for line in [GOOD, timed, offset, raw] {
        let record = parse_line(line).unwrap();
        let written = to_line(&record).unwrap();
        assert_eq!(parse_line(&written).unwrap(), record, "{line}");
        assert!(!written.contains('\n'), "one line: {line}");
        assert_eq!(written.len(), written_len(&record), "{line}");
    }
    // A flight's receipt pulled at midnight is still timed to the second.
    assert!(to_line(&parse_line(timed).unwrap())
        .unwrap()
        .contains("T00:00:00Z"));
    // The API shows provenance as stored: a raw message kept there stays there.
    let mut kept = parse_line(raw).unwrap();
    assert_eq!(to_value(&kept)["raw"], "{1:F01BANK}\r\n:20:REF\r\n-}");
    assert_eq!(
        stored_value(&kept)["source"][RAW_SOURCE],
        "{1:F01BANK}\r\n:20:REF\r\n-}"
    );
    assert!(stored_value(&kept).get("raw").is_none());
    // Identifiers made in another order are written in the format's, and read back so.
    let mut unsorted = parse_line(timed).unwrap();
    unsorted.subjects[0].identifiers.reverse();
    let read_back = parse_line(&to_line(&unsorted).unwrap()).unwrap();
    assert_eq!(read_back, parse_line(timed).unwrap());
    assert_eq!(written_len(&unsorted), to_line(&unsorted).unwrap().len());
    // What the format cannot carry as it is, is refused rather than changed on the way.
    kept.subjects[0].identifiers.extend([
        Identifier::new(IdentifierKind::Tin, "1"),
        Identifier::new(IdentifierKind::Tin, "2"),
    ]);
    let twice = to_line(&kept).unwrap_err().to_string();
    assert!(twice.contains("`tin` given twice"), "{twice}");
    kept.subjects[0].identifiers = vec![Identifier {
        kind: IdentifierKind::Ssn,
        value: "123456789".into(),
        country: Some("US".into()),
    }];
    let country = to_line(&kept).unwrap_err().to_string();
    assert!(
        country.contains("only a passport has a country"),
        "{country}"
    );
}
