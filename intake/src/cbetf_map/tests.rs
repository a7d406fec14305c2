//! The intake rules on written MT 103 and 202 messages and pacs documents, and on the real
//! samples (whose legs are domestic or have no US institution: not reportable).

use super::*;
use crate::{identifier, pacs, swift};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Business days for the tests: weekends and Thanksgiving 2026 skipped (the real legal
/// calendar is policy::calendar's, tested there).
fn business_days(from: NaiveDate, n: u32) -> Option<NaiveDate> {
    use chrono::Datelike;
    let mut day = from;
    let mut counted = 0;
    while counted < n {
        day = day.succ_opt()?;
        let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
        if !weekend && day != d(2026, 11, 26) {
            counted += 1;
        }
    }
    Some(day)
}

fn filing(reporter_type: ReporterType, filed_on: NaiveDate) -> Filing {
    Filing {
        reporter: None,
        reporter_type,
        filed_on,
        business_days,
    }
}

fn mt(kind: &str, amount: &str, currency: &str, cover: bool) -> MtMessage {
    let block3 = if cover {
        "{3:{119:COV}{121:EB6305C9-1F7F-49DE-AED0-16487C27B42D}}"
    } else {
        "{3:{121:EB6305C9-1F7F-49DE-AED0-16487C27B42D}}"
    };
    let text = format!(
        "{{1:F01BANKUS33AXXX0000000000}}{{2:I{kind}BANKDEFFXXXXN}}{block3}{{4:\r\n:20:REF-1\r\n:32A:261120{currency}{amount}\r\n:50K:/000123\r\nJOHN Q PUBLIC\r\n1 MAIN ST\r\n:59:/DE89\r\nJANE EXAMPLE\r\nBERLIN\r\n:70:INVOICE 7\r\n-}}"
    );
    swift::parse_file(&text).remove(0).unwrap()
}

/// The record holds only the fields the CBETF notice declares for a transmittal (the notice is
/// checked again at ingest; this keeps the mapping honest here).
fn accepted_by_the_notice(record: &RecordContents) {
    const DECLARED: &str = include_str!("../../../policy/sorn/fincen-cbetf.toml");
    for field in record.fields.keys() {
        assert!(
            DECLARED.contains(&format!("name = \"{field}\"")),
            "`{field}` is not in the notice"
        );
    }
    for subject in &record.subjects {
        assert!(["transmittor", "recipient"].contains(&subject.role.as_str()));
    }
}

#[test]
fn a_sent_mt103_from_a_us_bank_is_a_cbetf_record() {
    let mapped = map_mt(
        &mt("103", "1500,50", "USD", false),
        &filing(ReporterType::Bank, d(2026, 11, 24)),
    )
    .unwrap();
    accepted_by_the_notice(&mapped.record);
    let record = &mapped.record;
    assert_eq!(record.source["reporter"], "BANKUS33XXX");
    assert_eq!(record.fields["direction"], "sent");
    assert_eq!(record.fields["amount"], "1500.50");
    assert_eq!(record.fields["uti"], "EB6305C9-1F7F-49DE-AED0-16487C27B42D");
    assert_eq!(record.fields["threshold_rule"], "bank: any amount");
    assert_eq!(record.fields["transmitted_on_source"], "value date (32A)");
    assert_eq!(
        record.subjects[0].name.as_deref().unwrap_or_default(),
        "JOHN Q PUBLIC"
    );
    assert_eq!(identifier(&record.subjects[0], "account"), "000123");
    assert_eq!(record.fields["transmittor_address"], "1 MAIN ST");
    assert_eq!(
        record.source["transfer_key"],
        "uetr:eb6305c9-1f7f-49de-aed0-16487c27b42d"
    );
    assert_eq!(
        record.source["transfer_match"],
        r#"2026-11-20|USD|1500.50|transmittor=JOHN Q PUBLIC:{"account":"000123"}|recipient=JANE EXAMPLE:{"account":"DE89"}"#
    );
    assert_eq!(record.source.get("covers"), None);
    assert!(mapped.flags.is_empty());
}

#[test]
fn the_rules_of_seed_003_decide_what_is_reportable() {
    let bank = filing(ReporterType::Bank, d(2026, 11, 24));
    let transmitter = filing(ReporterType::MoneyTransmitter, d(2026, 11, 24));
    // (message, filing, outcome: Ok(threshold rule or flag) or Err(reason fragment))
    let table: Vec<(MtMessage, &Filing, Result<&str, &str>)> = vec![
        (
            mt("202", "1500,", "USD", false),
            &bank,
            Err("bank-to-bank transfer with no third-party customer"),
        ),
        (
            mt("202", "1500,", "USD", true),
            &bank,
            Ok("bank: any amount"),
        ),
        (
            mt("103", "999,99", "USD", false),
            &transmitter,
            Err("$1,000 or more"),
        ),
        (
            mt("103", "1000,", "USD", false),
            &transmitter,
            Ok("money transmitter: $1,000 or more"),
        ),
        (
            mt("103", "3000,", "USD", false),
            &transmitter,
            Ok("money transmitter: $3,000 or more, TIN required"),
        ),
        (
            mt("103", "5000,", "EUR", false),
            &transmitter,
            Ok("threshold-unchecked"),
        ),
    ];
    for (message, filing, expected) in table {
        match (map_mt(&message, filing), expected) {
            (Ok(mapped), Ok(rule)) => assert!(
                mapped.record.fields["threshold_rule"] == rule
                    || mapped.flags.iter().any(|flag| flag == rule),
                "{rule}: {:?}",
                mapped.record.fields.get("threshold_rule")
            ),
            (Err(reason), Err(fragment)) => assert!(reason.contains(fragment), "{reason}"),
            (got, expected) => panic!("{got:?} for {expected:?}"),
        }
    }
}

#[test]
fn a_report_more_than_five_business_days_late_is_kept_and_flagged() {
    // Value date 2026-11-20 (a Friday): five business days later, Thanksgiving skipped, is
    // 2026-11-30.
    for (filed_on, late) in [(d(2026, 11, 30), false), (d(2026, 12, 1), true)] {
        let mapped = map_mt(
            &mt("103", "10,", "USD", false),
            &filing(ReporterType::Bank, filed_on),
        )
        .unwrap();
        assert_eq!(
            mapped.flags.contains(&"late".to_owned()),
            late,
            "{filed_on}"
        );
        assert_eq!(mapped.record.fields.contains_key("flags"), late);
    }
}

#[test]
fn the_samples_are_not_reportable_and_a_us_pacs_leg_is() {
    for message in swift::parse_file(include_str!("../../tests/samples/mt103-bulk-with-ack.rje")) {
        let reason = map_mt(
            &message.unwrap(),
            &filing(ReporterType::Bank, d(2019, 4, 26)),
        )
        .unwrap_err();
        assert!(
            reason.contains("both institutions are in the United States"),
            "{reason}"
        );
    }
    for sample in [
        include_str!("../../tests/samples/pacs008-cbprplus-A-B.xml"),
        include_str!("../../tests/samples/pacs009cov-cbprplus-A-B.xml"),
    ] {
        let transfer = pacs::parse(sample).remove(0).unwrap();
        let reason = map_pacs(&transfer, &filing(ReporterType::Bank, d(2022, 10, 21))).unwrap_err();
        assert!(
            reason.contains("no US institution at the border"),
            "{reason}"
        );
    }
    // The pacs.009 COV sample, had its instructed agent been a US bank: its underlying
    // customers become the record's subjects.
    let mut cover = pacs::parse(include_str!(
        "../../tests/samples/pacs009cov-cbprplus-A-B.xml"
    ))
    .remove(0)
    .unwrap();
    cover.instructed_agent = Some("BANKUS33XXX".into());
    let mapped = map_pacs(&cover, &filing(ReporterType::Bank, d(2022, 10, 21))).unwrap();
    accepted_by_the_notice(&mapped.record);
    assert_eq!(mapped.record.fields["direction"], "received");
    assert_eq!(mapped.record.source["reporter"], "BANKUS33XXX");
    assert_eq!(
        mapped.record.subjects[0]
            .name
            .as_deref()
            .unwrap_or_default(),
        "Debtor Co"
    );
    assert_eq!(
        identifier(&mapped.record.subjects[1], "account"),
        "65479512"
    );
}

#[test]
fn a_cover_payment_is_keyed_apart_from_the_transfer_it_covers_and_names_it() {
    let bank = filing(ReporterType::Bank, d(2026, 11, 24));
    let customer = map_mt(&mt("103", "1500,50", "USD", false), &bank).unwrap();
    let cover = map_mt(&mt("202", "1500,50", "USD", true), &bank).unwrap();
    assert_eq!(
        cover.record.source["transfer_key"],
        "cover:uetr:eb6305c9-1f7f-49de-aed0-16487c27b42d"
    );
    assert_eq!(
        cover.record.source["covers"],
        customer.record.source["transfer_key"]
    );
    // Without a UETR: the sender's reference, and for a cover the one field 21 names.
    let mut plain = mt("103", "1500,50", "USD", false);
    plain.uetr = None;
    let plain = map_mt(&plain, &bank).unwrap();
    assert_eq!(plain.record.source["transfer_key"], "ref:BANKUS33XXX/REF-1");
}

#[test]
fn a_banks_proprietary_channel_is_exempt_and_a_money_transmitters_is_not() {
    let file = "transmittor_name,amount,currency,recipient_account,channel\nJOHN Q PUBLIC,1500.00,USD,DE89,proprietary\n";
    let items = crate::cbetf::parse_csv(file).remove(0).unwrap();
    assert!(items.proprietary);
    let with = |reporter_type| Filing {
        reporter: Some("BANKUS33XXX".into()),
        ..filing(reporter_type, d(2026, 11, 24))
    };
    let bank = map_items(&items, &with(ReporterType::Bank)).unwrap_err();
    assert!(bank.contains("103.14(f)(2)"), "{bank}");
    assert!(map_items(&items, &with(ReporterType::MoneyTransmitter)).is_ok());
    let bad = crate::cbetf::parse_csv(&file.replace("proprietary", "pigeon")).remove(0);
    assert_eq!(bad.unwrap_err().location, "line 2, column channel");
}

/// Seed 003, proposed 31 CFR 103.14(c), item (xi): "the U.S. taxpayer identification number of
/// the transmittor or recipient (as applicable) or, if none, the alien identification number or
/// passport number and country of issuance". The filer is the U.S. institution at the border:
/// an outgoing transfer's U.S. customer is the transmittor, an incoming one's the recipient;
/// a file may say whose it is (`tin_party`). Each kind is kept as itself.
#[test]
fn item_xi_belongs_to_the_party_on_the_filers_side_as_its_own_kind() {
    let header = "transmittor_institution,transmittor_name,amount,currency,recipient_institution,recipient_name,tin,tin_type,tin_country,tin_party";
    let outgoing = "BANKUS33,JOHN Q PUBLIC,1500,USD,BANKDEFF,HANS MEIER";
    let incoming = "BANKDEFF,HANS MEIER,1500,USD,BANKUS33,JOHN Q PUBLIC";
    let neither = "BANKFRPP,JEAN DUPONT,1500,USD,BANKDEFF,HANS MEIER";
    type Row = (
        &'static str,
        String,
        Result<
            (
                &'static str,
                &'static str,
                &'static str,
                Option<&'static str>,
            ),
            &'static str,
        >,
    );
    #[rustfmt::skip]
    let table: Vec<Row> = vec![
        ("outgoing: the transmittor's TIN", format!("{outgoing},12-3456789,tin,,"), Ok(("transmittor", "tin", "12-3456789", Some("outgoing")))),
        ("incoming: the recipient's TIN, not the foreign sender's", format!("{incoming},12-3456789,tin,,"), Ok(("recipient", "tin", "12-3456789", Some("incoming")))),
        ("an alien identification number is its own kind", format!("{incoming},A123456789,alien-id,,"), Ok(("recipient", "alien_id", "A123456789", Some("incoming")))),
        ("a passport with its country", format!("{outgoing},X1234567,passport,FR,"), Ok(("transmittor", "passport", "FR:X1234567", Some("outgoing")))),
        ("the file says whose", format!("{neither},12-3456789,tin,,recipient"), Ok(("recipient", "tin", "12-3456789", None))),
        ("the file's word against the filer's side: refused", format!("{outgoing},12-3456789,tin,,recipient"), Err("other side of the filer")),
        ("nobody's: refused", format!("{neither},12-3456789,tin,,"), Err("as applicable")),
    ];
    let filing = Filing {
        reporter: Some("BANKUS33XXX".into()),
        ..filing(ReporterType::Bank, d(2026, 11, 24))
    };
    for (what, row, expected) in table {
        let items = crate::cbetf::parse_csv(&format!("{header}\n{row}\n"))
            .remove(0)
            .unwrap();
        let mapped = map_items(&items, &filing);
        match expected {
            Ok((role, kind, value, direction)) => {
                let mapped = mapped.unwrap_or_else(|err| panic!("{what}: {err}"));
                let record = &mapped.record;
                let subjects = &record.subjects;
                let owner = subjects
                    .iter()
                    .find(|subject| subject.role == role)
                    .unwrap_or_else(|| panic!("{what}: no {role} in {record:?}"));
                assert_eq!(crate::identifier(owner, kind), value, "{what}");
                // How `transfer_match` spells the identifier: stored with every report and
                // compared with reports stored before, so it never changes.
                let spelled = match kind {
                    "passport" => r#""passport":{"country":"FR","number":"X1234567"}"#.to_owned(),
                    _ => format!(r#"{{"{kind}":"{value}"}}"#),
                };
                assert!(
                    record.source["transfer_match"].contains(&spelled),
                    "{what}: {}",
                    record.source["transfer_match"]
                );
                for other in subjects.iter().filter(|subject| subject.role != role) {
                    for key in ["tin", "alien_id", "passport"] {
                        assert_eq!(crate::identifier(other, key), "", "{what}: {key}");
                    }
                }
                assert_eq!(
                    record.fields.get("direction").map(String::as_str),
                    direction,
                    "{what}"
                );
            }
            Err(reason) => {
                let err = mapped.err().unwrap_or_else(|| panic!("{what}: accepted"));
                assert!(err.contains(reason), "{what}: {err}");
            }
        }
    }
}

/// A TIN report row's `transfer_match` names its account and TIN as it always has (stored with
/// the row and compared with the rows stored before).
#[test]
fn a_tin_report_rows_transfer_match_is_spelled_as_before() {
    let row = crate::tin::TinRow {
        report_year: 2025,
        account: "000123".into(),
        tin: "123456789".into(),
        name: Some("John  q Public".into()),
        exempt: None,
    };
    let filing = Filing {
        reporter: Some("BANKUS33XXX".into()),
        ..filing(ReporterType::Bank, d(2026, 4, 10))
    };
    let mapped = map_tin(&row, &filing).unwrap();
    assert_eq!(
        mapped.record.source["transfer_match"],
        r#"|||accountholder=JOHN Q PUBLIC:{"account":"000123","tin":"123456789"}"#
    );
    assert_eq!(
        mapped.record.source["transfer_key"],
        "tin:BANKUS33XXX/2025/000123"
    );
}
