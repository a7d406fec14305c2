//! The wire types' schemas state the rules the server enforces: each pattern accepts exactly
//! what the server's own check accepts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail the test with the reason"
)]

use super::*;

/// The account-name pattern against the gate's check, name by name: every name one accepts,
/// the other accepts.
#[test]
fn the_account_name_pattern_is_the_gates_rule() {
    let pattern = regex::Regex::new(ACCOUNT_NAME_PATTERN).unwrap();
    #[rustfmt::skip]
    let names = [
        "ana", "ana-2", "ana.2026-000001", "a1b2", "a_b.c-d", "cbp-analyst", "x",
        // Refused: a digit first, three runs of digits, a run of seven, uppercase, a space,
        // empty, too long, an SSN.
        "1ana", "a1b2c3", "a1234567", "Ana", "ana smith", "", "123-45-6789",
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde",
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd",
        "a123456", "a1234567b", "a-", "a--1", "a.1.2", "a.1.2.3",
    ];
    for name in names {
        let by_pattern = pattern.is_match(name) && name.len() <= 64;
        let by_gate = gate::check_account_fields(&gate::NewAccount {
            name: name.to_owned(),
            role: "analyst".into(),
            organization: "treasury-fincen".into(),
            background_investigation: None,
            privacy_training: chrono::NaiveDate::default(),
        })
        .is_ok();
        assert_eq!(
            by_pattern, by_gate,
            "`{name}`: pattern {by_pattern}, gate {by_gate}"
        );
    }
}

/// A reason (personal data) never shows in `Debug`, nor does an identifier's value.
#[test]
fn reasons_and_identifiers_are_kept_out_of_debug() {
    let hold: NewHold = serde_json::from_value(serde_json::json!({
        "subject": {"type": "ssn", "value": "987-65-4329"}, "reference": "LIT-1",
        "reason": "secret matter", "kind": "governance"
    }))
    .unwrap();
    let release = HoldRelease {
        reason: "secret matter".into(),
    };
    for shown in [format!("{hold:?}"), format!("{release:?}")] {
        assert!(
            !shown.contains("secret") && !shown.contains("987"),
            "{shown}"
        );
    }
}

/// A token never shows in `Debug` (a log line, a panic message).
#[test]
fn tokens_are_kept_out_of_debug() {
    let created = AccountCreated {
        name: "ana".into(),
        token: "rv_secret-token".into(),
    };
    let vetted = Vetted {
        vetted: true,
        token: "rv_secret-token".into(),
    };
    for shown in [format!("{created:?}"), format!("{vetted:?}")] {
        assert!(!shown.contains("secret"), "{shown}");
    }
}

/// Each id and reference pattern against the server's own check, value by value: what one
/// accepts, the other accepts.
#[test]
fn the_id_and_reference_patterns_are_the_servers_rules() {
    #[rustfmt::skip]
    let values = [
        "0001-0193a1b2c3d4-00000001-0000002a", "0001-0193A1B2C3D4-00000001-0000002A",
        "0001-0193a1b2c3d4-00000001-0000002", "0001-0193a1b2c3d4-00000001-0000002g", "",
        "H-1", "h-22", "H-123456", "H-1234567", "H-", "H-x", "H1", "H-+1",
        "T-1-1700000000000", "T-12345678901-1", "T-1-", "T--1", "T-1-1-1",
        "LIT-1", "PA-2026-000001", "a", "A.b_c-d", "a1b2c3", "a1234567", "1a", "a b",
        "987-65-4329", "case-987-65-4329", "X12345678", "C0300598", "a-1", "a1b",
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc1",
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd1",
    ];
    let length = |max: usize| move |value: &str| value.len() <= max;
    type Check = fn(&str) -> bool;
    let rules: [(&str, &str, Check, usize); 5] = [
        (
            "record id",
            RECORD_ID_PATTERN,
            |value| value.parse::<model::RecordId>().is_ok(),
            64,
        ),
        (
            "reference",
            REFERENCE_PATTERN,
            policy::codes::is_reference,
            64,
        ),
        (
            "case id",
            CASE_ID_PATTERN,
            |value| policy::codes::validate_case_id(value).is_ok(),
            64,
        ),
        (
            "hold id",
            HOLD_ID_PATTERN,
            |value| gate::hold_id(value).is_ok(),
            64,
        ),
        ("transfer id", TRANSFER_ID_PATTERN, gate::is_transfer_id, 64),
    ];
    for (what, pattern, check, max) in rules {
        let regex = regex::Regex::new(pattern).unwrap();
        for value in values {
            let by_pattern = regex.is_match(value) && length(max)(value);
            assert_eq!(
                by_pattern,
                check(value),
                "{what} `{value}`: pattern {by_pattern}"
            );
        }
    }
}

/// A reason's pattern against the vault's rule for a hold's or a release's reason
/// (`vault::is_one_line`): one line of 1 to 500 characters, not only spaces.
#[test]
fn the_reason_pattern_is_the_vaults_rule() {
    let regex = regex::Regex::new(ONE_LINE_PATTERN).unwrap();
    let not_blank = regex::Regex::new(NOT_BLANK_PATTERN).unwrap();
    let long = "x".repeat(501);
    let reasons = [
        "suit",
        " suit ",
        "",
        " ",
        "\t",
        "a\nb",
        "a\u{7f}",
        "a\u{85}",
        "\u{a0}",
        "\u{3000}x",
        "é",
        &long,
        "\u{feff}",
        "\u{feff}x",
        "\u{1c}",
    ];
    for reason in reasons {
        let by_pattern = regex.is_match(reason) && reason.chars().count() <= 500;
        let by_vault = vault::is_one_line(reason);
        // An identifier's value: not only spaces, as the handlers' `trim` reads it.
        assert_eq!(
            not_blank.is_match(reason),
            !reason.trim().is_empty(),
            "not blank: {reason:?}"
        );
        assert_eq!(by_pattern, by_vault, "{reason:?}");
    }
}

/// A whole number reads as JSON Schema counts one: `7.0` is 7; a fraction, a negative or a
/// number past the type is refused.
#[test]
fn whole_numbers_are_read_as_the_schema_counts_them() {
    let cases = [
        ("7", Some(7)),
        ("7.0", Some(7)),
        ("4294967295", Some(u32::MAX)),
        ("4294967295.0", Some(u32::MAX)),
        ("4294967296", None),
        ("7.5", None),
        ("-1", None),
        ("-0.0", Some(0)),
        ("1e3", Some(1000)),
        ("\"7\"", None),
        ("null", None),
    ];
    for (text, expected) in cases {
        let read = serde_json::from_str::<NewTransfer>(&format!("{{\"cohort\": {text}}}"))
            .ok()
            .map(|body| body.cohort);
        assert_eq!(read, expected, "{text}");
    }
}

/// An annotation's portions: the patterns (each with its longest length) against the vault's
/// own check, portion by portion.
#[test]
fn the_portion_patterns_are_the_vaults_rule() {
    let patterns: Vec<(regex::Regex, usize)> = portion_patterns()
        .into_iter()
        .map(|(pattern, longest)| (regex::Regex::new(&pattern).unwrap(), longest))
        .collect();
    let long = "a".repeat(64);
    let too_long = "a".repeat(65);
    let with = |prefix: &str, token: &str| format!("{prefix}{token}");
    #[rustfmt::skip]
    let portions = [
        "record".to_owned(), "fields.amount".to_owned(), "source.system".to_owned(),
        "subject.1.name".to_owned(), "subject.12.ssn".to_owned(), "subject.999.passport".to_owned(),
        "fields.a1b2".to_owned(), "fields.free_text".to_owned(), "fields.x-1".to_owned(),
        with("fields.", &long), with("subject.999.", &long), with("source.", &long),
        with("subject.1.", &long), with("subject.12.", &long),
        // Refused: a place of 0, past 999 or with a leading zero; three digits in a name; an
        // uppercase name; a digit first; empty parts; other prefixes; too long.
        "subject.0.name".to_owned(), "subject.1000.name".to_owned(), "subject.01.name".to_owned(),
        "fields.a1b2c3".to_owned(), "fields.Amount".to_owned(), "fields.1a".to_owned(),
        "fields.".to_owned(), "subject.1.".to_owned(), "record.x".to_owned(), "records".to_owned(),
        "field.amount".to_owned(), "subject.name".to_owned(), "".to_owned(), "fields.a.b".to_owned(),
        with("fields.", &too_long), with("subject.1.", &too_long), "fields.987-65-4329".to_owned(),
        "subject..name".to_owned(), with("subject.12.", &too_long), with("subject.999.", &too_long),
    ];
    for portion in portions {
        let by_pattern = patterns.iter().any(|(pattern, longest)| {
            pattern.is_match(&portion) && portion.chars().count() <= *longest
        });
        let by_vault = privacy::annotations::check_portion(&portion);
        assert_eq!(
            by_pattern, by_vault,
            "`{portion}`: pattern {by_pattern}, vault {by_vault}"
        );
    }
}

/// A search's limit is read as JSON Schema counts it, and only a whole number.
#[test]
fn a_search_limit_is_a_whole_number_or_absent() {
    let search = |limit: serde_json::Value| {
        serde_json::from_value::<Search>(serde_json::json!({
            "system": "fincen-cbetf", "identifier": {"type": "ssn", "value": "x"}, "limit": limit
        }))
        .map(|search| search.limit())
        .ok()
    };
    let cases = [
        (serde_json::json!(7), Some(7)),
        (serde_json::json!(7.0), Some(7)),
        (serde_json::Value::Null, Some(DEFAULT_SEARCH_LIMIT)),
        (serde_json::json!(1000), Some(1000)),
        (serde_json::json!(18_446_744_073_709_551_616.0_f64), None),
        (serde_json::json!(7.5), None),
        (serde_json::json!(-1), None),
        (serde_json::json!("7"), None),
    ];
    for (limit, expected) in cases {
        assert_eq!(search(limit.clone()), expected, "{limit}");
    }
    let absent: Search = serde_json::from_value(serde_json::json!({
        "system": "fincen-cbetf", "identifier": {"type": "ssn", "value": "x"}
    }))
    .unwrap();
    assert_eq!(absent.limit(), DEFAULT_SEARCH_LIMIT);
}

/// A statistical release's period: the pattern takes exactly what `Period::parse` reads.
#[test]
fn the_period_pattern_is_the_statistics_rule() {
    let pattern = regex::Regex::new(PERIOD_PATTERN).unwrap();
    #[rustfmt::skip]
    let periods = [
        "2025", "2025-Q1", "2025-Q4", "2025-01", "2025-12", "1970", "9998", "9998-12", "1999",
        "2000-Q3", "9899", "9989",
        // Refused: out of 1970..=9998, a fifth quarter, a thirteenth month, other forms.
        "1969", "9999", "9999-01", "0000", "2025-Q0", "2025-Q5", "2025-00", "2025-13",
        "2025-1", "25", "2025-q1", "2025-Q1-01", "2025-", "", " 2025", "2025 ", "20250",
        "2025-001", "2025-W1", "१९७०",
    ];
    for period in periods {
        let by_pattern = pattern.is_match(period);
        let by_rule = policy::statistics::Period::parse(period).is_some();
        assert_eq!(
            by_pattern, by_rule,
            "`{period}`: pattern {by_pattern}, rule {by_rule}"
        );
    }
}

/// A notice's id: the pattern takes exactly the ids the vault can hold.
#[test]
fn the_notice_id_pattern_is_the_vaults() {
    let pattern = regex::Regex::new(NOTICE_ID_PATTERN).unwrap();
    #[rustfmt::skip]
    let ids = [
        "6e00000000000000000001", "6E0A0B0C0D0E0F10111213", "6effffffffffffffffffff",
        // Refused: another prefix, a digit short or over, not hexadecimal.
        "6f00000000000000000001", "6e000000000000000000001", "6e0000000000000000001",
        "6e0000000000000000000g", "", "n", "6e 0000000000000000000",
    ];
    for id in ids {
        let by_pattern = pattern.is_match(id);
        let by_vault = hex::decode(id).is_ok_and(|key| vault::keyspace::is_notice_key(&key));
        assert_eq!(
            by_pattern, by_vault,
            "`{id}`: pattern {by_pattern}, vault {by_vault}"
        );
    }
}

/// A carrier's designators: the patterns take exactly what the gate reads.
#[test]
fn the_designator_patterns_are_the_gates() {
    let iata = regex::Regex::new(IATA_PATTERN).unwrap();
    let icao = regex::Regex::new(ICAO_PATTERN).unwrap();
    #[rustfmt::skip]
    let codes = [
        "AA", "aa", "B6", "9W", "u2", "DAL", "dal", "AAL", "A", "", "12", "AAA", " AA", "AA ",
        "A-", "ÅA", "Aa1", "DA1", "D L", "ΑΑ", "1AB",
    ];
    for code in codes {
        assert_eq!(
            iata.is_match(code),
            gate::iata_designator(code).is_some(),
            "IATA `{code}`"
        );
        assert_eq!(
            icao.is_match(code),
            gate::icao_designator(code).is_some(),
            "ICAO `{code}`"
        );
    }
}

/// A request's id: the pattern takes exactly what the gate reads as one.
#[test]
fn the_request_id_pattern_is_the_gates() {
    let pattern = regex::Regex::new(REQUEST_ID_PATTERN).unwrap();
    #[rustfmt::skip]
    let ids = [
        "PA-2026-000001", "PA-1999-999999",
        "HR-2026-000001", "pa-2026-000001", "PA-26-000001", "PA-2026-1", "PA-2026-0000001",
        "PA-2026_000001", "PA-２０２６-000001", "", "PA-2026-000001 ",
    ];
    for id in ids {
        assert_eq!(pattern.is_match(id), gate::is_request_id(id), "`{id}`");
    }
}

/// A value of `form`, as the document allows it.
fn sample(form: EventField) -> serde_json::Value {
    match form {
        EventField::Text => serde_json::json!("words"),
        EventField::Name => serde_json::json!("DR A. JONES"),
        EventField::Date => serde_json::json!("2026-11-03"),
        EventField::Flag => serde_json::json!(true),
        EventField::Cents => serde_json::json!(2500),
        EventField::Percent => serde_json::json!(50),
        EventField::OneOf(values) => serde_json::json!(values[0]),
        EventField::ListOf(values) => serde_json::json!(values),
        EventField::Texts => serde_json::json!(["a signature"]),
    }
}

/// Every event the document lists, with its required fields, is one the policy reads, by the
/// same name, and writes back field for field; without a required field the policy refuses it.
/// (The policy's enum ignores a field it does not take: the handler refuses those.)
#[test]
fn the_documents_events_are_the_policys() {
    use policy::requests::EventKind;
    for (kind, fields) in EVENT_KINDS {
        let mut event = serde_json::json!({"kind": kind});
        for (name, form, _) in *fields {
            event[*name] = sample(*form);
        }
        let read: EventKind =
            serde_json::from_value(event.clone()).unwrap_or_else(|err| panic!("{kind}: {err}"));
        assert_eq!(read.name(), *kind);
        // Every field is read back as written: none is ignored.
        let mut written = serde_json::to_value(&read).unwrap();
        for (name, form, _) in *fields {
            assert_eq!(written[*name], sample(*form), "{kind}.{name}");
            written.as_object_mut().unwrap().remove(*name);
        }
        assert_eq!(written, serde_json::json!({"kind": kind}), "{kind}");
        for (name, _, required) in *fields {
            let mut without = event.clone();
            without.as_object_mut().unwrap().remove(*name);
            assert_eq!(
                serde_json::from_value::<EventKind>(without).is_ok(),
                !required,
                "{kind} without {name}"
            );
        }
    }
    assert!(
        serde_json::from_value::<EventKind>(serde_json::json!({"kind": "teleported"})).is_err()
    );
    // Every kind of the policy's is listed, in its order.
    let kinds: Vec<&str> = EVENT_KINDS.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(
        kinds,
        <policy::requests::EventName as policy::requests::VariantNames>::VARIANTS
    );
}

/// The document's enums are the policy's: each value reads as the policy's enum, and
/// something else does not.
#[test]
fn the_documents_request_enums_are_the_policys() {
    use policy::requests as p;
    fn reads<T: serde::de::DeserializeOwned>(values: &[&str]) {
        for value in values {
            assert!(
                serde_json::from_value::<T>(serde_json::json!(value)).is_ok(),
                "{value}"
            );
        }
        assert!(serde_json::from_value::<T>(serde_json::json!("teleported")).is_err());
    }
    reads::<p::RequestKind>(REQUEST_KINDS);
    reads::<p::RequesterStatus>(REQUESTER_STATUSES);
    reads::<p::FeeCategory>(FEE_CATEGORIES);
    reads::<p::IdentityMethod>(IDENTITY_METHODS);
    reads::<p::IdentityEvidence>(IDENTITY_EVIDENCE);
    reads::<p::IdentityFact>(IDENTITY_FACTS);
    reads::<p::Relationship>(RELATIONSHIPS);
    reads::<p::UnusualCircumstance>(UNUSUAL_CIRCUMSTANCES);
    reads::<p::Outcome>(OUTCOMES);
    // The names the gate's names check and the document's pattern agree.
    let regex = regex::Regex::new(ONE_LINE_PATTERN).unwrap();
    for name in ["JANE ROE", " ", "A\nB", &"é".repeat(200), &"é".repeat(201)] {
        assert_eq!(
            gate::check_name(name, "official").is_ok(),
            regex.is_match(name) && name.chars().count() <= gate::MAX_NAME_CHARS,
            "{name:?}"
        );
    }
}
