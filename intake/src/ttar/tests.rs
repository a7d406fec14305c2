//! TTAR trade records as CSV: a full row, the fields the TTAR notice declares, and a refusal
//! per rule with its line and column.

use super::*;
use crate::identifier;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const HEADER: &str = "entry_number,importer_name,importer_id,exporter_name,manufacturer_name,manufacturer_id,goods_description,goods_value,currency,country_of_origin,country_of_export,transaction_date";

#[test]
fn a_trade_row_is_a_trade_financial_record_with_declared_fields_only() {
    let text = format!("{HEADER}\nE-1,ACME IMPORTS,12-3456789,\"SHENZHEN WIDGETS, LTD\",WIDGET WORKS,MID-9,\"steel bolts, M8\",15000.00,USD,CN,HK,2026-11-02\n");
    let record = parse_csv(&text, d(2026, 11, 24)).remove(0).unwrap();
    assert_eq!(record.system.as_str(), "dhs-ice-005-ttar");
    assert_eq!(record.collected_at, crate::midnight(d(2026, 11, 24)));
    assert_eq!(record.source["entry_number"], "E-1");
    assert_eq!(
        identifier(&record.subjects[0], "importer_exporter_id"),
        "12-3456789"
    );
    assert_eq!(
        record.subjects[1].name.as_deref().unwrap_or_default(),
        "SHENZHEN WIDGETS, LTD"
    );
    assert_eq!(record.subjects[2].role, "manufacturer");
    assert_eq!(identifier(&record.subjects[2], "manufacturer_id"), "MID-9");
    assert_eq!(record.fields.get("manufacturer_id"), None);
    assert_eq!(record.fields["goods_value"], "15000.00");
    const DECLARED: &str = include_str!("../../../policy/sorn/dhs-ice-005-ttar.toml");
    for field in record.fields.keys() {
        assert!(
            DECLARED.contains(&format!("name = \"{field}\"")),
            "`{field}` is not in the notice"
        );
    }
}

/// Seed 000, Retrievability: "name, business address, home address, importer ID, exporter ID,
/// broker ID, manufacturer ID": each party's id and address are its identifiers.
#[test]
fn a_rows_broker_manufacturer_and_addresses_are_identifiers_of_their_parties() {
    let header = "importer_name,importer_address,manufacturer_name,manufacturer_id,manufacturer_address,broker_name,broker_id,broker_address";
    let text = format!("{header}\nACME,\"1 Harbor Road, Newark NJ\",WIDGET WORKS,MID-9,\"8 Factory Lane, Shenzhen\",FAST CUSTOMS,BR-77,\"2 Port Street, Suite 5\"\n");
    let record = parse_csv(&text, d(2026, 11, 24)).remove(0).unwrap();
    let subjects = &record.subjects;
    let roles: Vec<&str> = subjects.iter().map(|s| s.role.as_str()).collect();
    assert_eq!(roles, ["importer", "manufacturer", "broker"]);
    let rows = [
        (0, "address", "1 Harbor Road, Newark NJ"),
        (1, "manufacturer_id", "MID-9"),
        (1, "address", "8 Factory Lane, Shenzhen"),
        (2, "broker_id", "BR-77"),
        (2, "address", "2 Port Street, Suite 5"),
    ];
    for (subject, kind, value) in rows {
        assert_eq!(identifier(&subjects[subject], kind), value, "{kind}");
    }
    assert_eq!(subjects[2].name.as_deref(), Some("FAST CUSTOMS"));
    // A broker alone is not a trade record's party: an importer or exporter is required.
    let text = "broker_id\nBR-77\n";
    assert!(parse_csv(text, d(2026, 11, 24)).remove(0).is_err());
}

#[test]
fn a_rows_source_system_is_its_provenance() {
    // Seed 000: "ICE and DHS are not exempting any records that were ingested or indexed by
    // TTAR where the source system of records already provides access and/or amendment": the
    // record keeps which source it came from, so the gate can tell.
    let text = "importer_name,goods_value,currency,source_system\nACME IMPORTS,10.00,USD,cbp-trade\nBETA,10.00,USD,\n";
    let rows = parse_csv(text, d(2026, 11, 24));
    assert_eq!(rows[0].as_ref().unwrap().source["system"], "cbp-trade");
    assert!(!rows[1].as_ref().unwrap().source.contains_key("system"));
}

#[test]
fn each_refusal_names_the_line_and_column() {
    let good = "E-1,ACME IMPORTS,12-3456789,EXPORTER,,,bolts,15000.00,USD,CN,HK,2026-11-02";
    let table = [
        (good.replace("15000.00", "15,000"), "line 2", "cells for"),
        (
            good.replace("15000.00", "15000.001"),
            "line 2, column goods_value",
            "two decimals",
        ),
        (
            good.replace(",USD,", ",usd,"),
            "line 2, column currency",
            "three capital",
        ),
        (
            good.replace(",CN,", ",China,"),
            "line 2, column country_of_origin",
            "ISO 3166",
        ),
        (
            good.replace("2026-11-02", "11/02/2026"),
            "line 2, column transaction_date",
            "YYYY-MM-DD",
        ),
        (
            good.replace("ACME IMPORTS,12-3456789,EXPORTER", ",,"),
            "line 2, column importer_name",
            "importer or exporter",
        ),
    ];
    for (row, location, reason) in table {
        let err = parse_csv(&format!("{HEADER}\n{row}\n"), d(2026, 11, 24))
            .remove(0)
            .unwrap_err();
        assert_eq!(err.location, location, "{row}: {err}");
        assert!(err.reason.contains(reason), "{row}: {err}");
    }
}
