//! The scanner's table: free text as carriers write it, and what an automated search finds in
//! it (seed 001 paragraph 5). Each row also names what must not be found.

use chrono::TimeZone;

use super::*;

fn collected() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

/// (kind name or `name`, indexed form) of what the scanner finds in `text`.
fn forms(text: &str) -> Vec<(String, String)> {
    let mut forms: Vec<(String, String)> = elements(text, collected())
        .into_iter()
        .map(Found::into_form)
        .map(|(kind, form)| (crate::index::index_kind_name(kind).to_owned(), form))
        .collect();
    forms.sort();
    forms
}

#[test]
fn the_scanner_finds_attachment_a_elements_in_free_text() {
    type Row = (&'static str, &'static [(&'static str, &'static str)]);
    let rows: &[Row] = &[
        (
            "SSR DOCS YY HK1/P/GBR/123456789/GBR/12JUL64/M/23AUG29/SMITH/JOHN",
            &[
                ("free-text dob", "1964-07-12"),
                ("free-text name", "JOHN SMITH"),
                ("free-text name", "SMITH JOHN"),
                ("free-text passport", "GBR:123456789"),
            ],
        ),
        // A year of birth after the collection's year is in the century before.
        (
            "ssr docs yy hk1/p/us/x1234567/us/01jan30/f/01jan31/doe/jane",
            &[
                ("free-text dob", "1930-01-01"),
                ("free-text name", "DOE JANE"),
                ("free-text name", "JANE DOE"),
                ("free-text passport", "US:X1234567"),
            ],
        ),
        (
            "SSR DOCS YY HK1/P/US/A7654321/US/05MAR26/M/01JAN31/ROE/RICHARD",
            &[
                ("free-text dob", "2026-03-05"),
                ("free-text name", "RICHARD ROE"),
                ("free-text name", "ROE RICHARD"),
                ("free-text passport", "US:A7654321"),
            ],
        ),
        // The demo's incomplete DOCS finds nothing.
        ("DOCS P/FR/", &[]),
        (
            "SSR DOCA YY HK1/R/US/123 Main Street/New York/NY/10001",
            &[("free-text address", "123 MAIN ST NEW YORK NY 10001")],
        ),
        (
            "SSR CTCE YY HK1/JOHN..DOE./X//EXAMPLE.COM/EN",
            &[("free-text email", "JOHN_DOE-X@EXAMPLE.COM")],
        ),
        (
            "PAX CONTACT jane.doe@example.org PLS CALL",
            &[("free-text email", "JANE.DOE@EXAMPLE.ORG")],
        ),
        (
            "SSR CTCM YY HK1/15551234567/US",
            &[("free-text phone", "15551234567")],
        ),
        (
            "OSI YY CTCP NYC 212-555-0100 HOME",
            &[("free-text phone", "2125550100")],
        ),
        (
            "CALL +44 20 7946 0000 ON ARRIVAL",
            &[("free-text phone", "442079460000")],
        ),
        (
            "FP CC VI4111 1111 1111 1111/0529",
            &[("free-text account", "4111111111111111")],
        ),
        // A ticket number (13 digits), a card number failing the Luhn check, a date, a seat, a
        // word containing a keyword, and too few digits after a keyword: nothing.
        ("TKNE 0572000000001 SEAT 11C", &[]),
        ("FP CC VI4111111111111112/0529", &[]),
        ("TRAVEL 2026-12-01 CDG-JFK", &[]),
        ("HOTEL PHONEBOOTH 12", &[]),
        ("SSR VGML", &[]),
        ("PAX REQUESTED AISLE", &[]),
        // Several on separate lines.
        (
            "SSR CTCM YY HK1/15551234567\nSSR DOCA YY HK1/D/US/1 OCEAN DRIVE/MIAMI/FL/33139",
            &[
                ("free-text address", "1 OCEAN DR MIAMI FL 33139"),
                ("free-text phone", "15551234567"),
            ],
        ),
    ];
    for (text, expected) in rows {
        let mut expected: Vec<(String, String)> = expected
            .iter()
            .map(|(kind, form)| (kind.to_string(), form.to_string()))
            .collect();
        expected.sort();
        assert_eq!(forms(text), expected, "{text}");
    }
}

#[test]
fn only_the_fields_the_entry_names_are_scanned_by_the_scanner_it_names() {
    let mut record = RecordContents {
        system: model::SystemId::new("cbp-pnr").unwrap(),
        category: "pnr".into(),
        collected_at: collected(),
        source: [("carrier".to_owned(), "ZZ".to_owned())].into(),
        subjects: Vec::new(),
        fields: [
            ("osi".to_owned(), "CTCM 15551234567".to_owned()),
            ("ssi_ssr".to_owned(), "CTCE YY HK1/A//B.ORG".to_owned()),
            ("telephone".to_owned(), "+1 202 555 0100".to_owned()),
        ]
        .into(),
    };
    let kinds = |record: &RecordContents| -> Vec<&'static str> {
        scanned_forms(record)
            .into_iter()
            .map(|(kind, _)| crate::index::index_kind_name(kind))
            .collect()
    };
    assert!(kinds(&record).is_empty(), "no entry, nothing scanned");
    record
        .source
        .insert(SCAN_SOURCE.into(), scan_entry(["osi", "ssi_ssr"]));
    assert_eq!(kinds(&record), ["free-text phone", "free-text email"]);
    // A scanner this build does not have finds nothing (a record's forms never change).
    record.source.insert(SCAN_SOURCE.into(), "2:osi".into());
    assert!(kinds(&record).is_empty());
    record.source.insert(SCAN_SOURCE.into(), "1:osi".into());
    assert_eq!(kinds(&record), ["free-text phone"]);
}

#[test]
fn found_elements_never_show_in_debug() {
    let found = elements(
        "SSR DOCS YY HK1/P/GBR/123456789/GBR/12JUL64/M/23AUG29/SMITH/JOHN",
        collected(),
    );
    let shown = format!("{found:?}");
    for secret in ["123456789", "SMITH", "JOHN", "1964"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
