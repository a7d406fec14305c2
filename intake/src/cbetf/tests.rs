//! The CBETF data items as CSV and JSON lines: a full row, quoting, item (xi) variants, and a
//! refusal per rule with its line and column, never the value.

use super::*;

const HEADER: &str = "uetr,transmittor_institution,transmittor_name,transmittor_address,transmittor_account,amount,currency,execution_date,recipient_institution,recipient_name,recipient_address,recipient_account,other_identifiers,tin,tin_type,tin_country";

#[test]
fn a_csv_file_gives_each_rows_items_and_quoted_cells_keep_commas_and_breaks() {
    let text = format!(
        "{HEADER}\r\neb6305c9-1f7f-49de-aed0-16487c27b42d,BANKUS33,JOHN Q PUBLIC,\"1 MAIN ST, APT 2\nSPRINGFIELD\",000123,1500.5,USD,2026-11-20,BANKDEFF,\"JANE \"\"JJ\"\" EXAMPLE\",BERLIN,DE89,,123-45-6789,tin,\n,,ACME LLC,,,3000,EUR,2026-11-21,BANKDEFF,,,DE90,,X1234567,passport,FR\n"
    );
    let rows: Vec<DataItems> = parse_csv(&text).into_iter().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].transmittor_address.as_deref(),
        Some("1 MAIN ST, APT 2\nSPRINGFIELD")
    );
    assert_eq!(
        rows[0].recipient_name.as_deref(),
        Some("JANE \"JJ\" EXAMPLE")
    );
    assert_eq!(rows[0].amount_cents, 150_050);
    assert_eq!(
        rows[0].tax_identifier,
        Some(TaxIdentifier::Tin("123-45-6789".into()))
    );
    assert_eq!(
        rows[1].tax_identifier,
        Some(TaxIdentifier::Passport {
            number: "X1234567".into(),
            country: "FR".into()
        })
    );
    assert_eq!(rows[1].uetr, None);
}

#[test]
fn each_refusal_names_the_line_and_column() {
    let good = "eb6305c9,BANKUS33,JOHN Q PUBLIC,1 MAIN ST,000123,1500.00,USD,2026-11-20,BANKDEFF,JANE EXAMPLE,BERLIN,DE89,,,,";
    // (row, location, reason fragment)
    let table = [
        (good.replace("1500.00", "1500,00"), "line 2", "cells for"),
        (
            good.replace("1500.00", "15.001"),
            "line 2, column amount",
            "two decimals",
        ),
        (
            good.replace(",USD,", ",usd,"),
            "line 2, column currency",
            "three capital",
        ),
        (
            good.replace("2026-11-20", "11/20/2026"),
            "line 2, column execution_date",
            "YYYY-MM-DD",
        ),
        (
            good.replace("JOHN Q PUBLIC", "").replace("000123", ""),
            "line 2, column transmittor_name",
            "items iii, iv",
        ),
        (
            good.replace("JANE EXAMPLE", "").replace("DE89", ""),
            "line 2, column recipient_name",
            "items viii, ix",
        ),
        (
            good.replace("DE89,,,,", "DE89,,X1,passport,"),
            "line 2, column tin_country",
            "issuing country",
        ),
    ];
    for (row, location, reason) in table {
        let results = parse_csv(&format!("{HEADER}\n{row}\n"));
        let err = results[0].clone().unwrap_err();
        assert_eq!(err.location, location, "{row}: {err}");
        assert!(err.reason.contains(reason), "{row}: {err}");
        assert!(!err.to_string().contains("JOHN"), "{err}");
    }
    let unknown = parse_csv("uetr,ssn_of_customer\n1,2\n");
    assert!(unknown[0]
        .as_ref()
        .unwrap_err()
        .reason
        .contains("unknown column `ssn_of_customer`"));
    let value_as_header = parse_csv("uetr,123-45-6789 JOHN\n1,2\n");
    assert!(value_as_header[0]
        .as_ref()
        .unwrap_err()
        .reason
        .contains("(not shown)"));
}

#[test]
fn json_lines_give_the_same_items_and_answer_each_line() {
    let text = "{\"uetr\":\"eb6305c9\",\"transmittor_name\":\"JOHN Q PUBLIC\",\"amount\":1500.5,\"currency\":\"USD\",\"execution_date\":\"2026-11-20\",\"recipient_account\":\"DE89\",\"tin\":\"A1234\",\"tin_type\":\"alien-id\"}\nnot json\n{\"amount\":\"10\",\"currency\":\"USD\",\"transmittor_name\":\"X\",\"recipient_name\":\"Y\",\"ssn\":\"1\"}\n";
    let results = parse_json_lines(text);
    assert_eq!(results.len(), 3);
    let first = results[0].as_ref().unwrap();
    assert_eq!(
        (first.amount_cents, first.tax_identifier.clone()),
        (150_050, Some(TaxIdentifier::AlienId("A1234".into())))
    );
    assert_eq!(results[1].as_ref().unwrap_err().location, "line 2");
    assert!(results[2]
        .as_ref()
        .unwrap_err()
        .reason
        .contains("unknown key `ssn`"));
}
