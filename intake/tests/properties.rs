//! Properties of the parsers over generated inputs (seeded, so a failure replays): what a
//! sender writes is what is read back, whatever the characters, and errors never repeat a
//! value. The generator is `intake::fuzzing::Rng`.

use chrono::NaiveDate;
use intake::fuzzing::Rng;

const CASES: usize = 400;

/// Text from an alphabet chosen to trouble each format: separators, quotes, markup, escapes,
/// non-ASCII; never blank at the ends (every format trims).
fn text(rng: &mut Rng, alphabet: &[&str], max: usize) -> String {
    let len = 1 + rng.below(max);
    let mut out = String::new();
    for _ in 0..len {
        out.push_str(alphabet[rng.below(alphabet.len())]);
    }
    format!("A{}Z", out.trim())
}

const NASTY: [&str; 16] = [
    "a", "B", "7", " ", ",", "\"", "'", "\n", "<", ">", "&", "é", "ß", "\\", "/", ";",
];

fn csv_cell(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

#[test]
fn tin_report_cells_read_back_whatever_they_hold() {
    let mut rng = Rng::new(1);
    for case in 0..CASES {
        let account = text(&mut rng, &NASTY, 20);
        let name = text(&mut rng, &NASTY, 30);
        let tin: String = (0..9)
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect();
        let year = 1990 + rng.below(40) as i32;
        let file = format!(
            "report_year,accountholder_name,account,tin\n{year},{},{},{tin}\n",
            csv_cell(&name),
            csv_cell(&account)
        );
        let rows = intake::tin::parse_csv(&file);
        let row = rows[0]
            .as_ref()
            .unwrap_or_else(|err| panic!("case {case}: {err:?}"));
        assert_eq!(
            (
                row.report_year,
                row.account.as_str(),
                row.tin.as_str(),
                row.name.as_deref()
            ),
            (year, account.as_str(), tin.as_str(), Some(name.as_str())),
            "case {case}"
        );
        // The raw row is the file's own text under its header.
        let raws = intake::csv_raw_rows(&file);
        assert_eq!(raws.len(), 1);
        assert!(raws[0].ends_with(&tin), "case {case}");
    }
}

#[test]
fn mt_amounts_dates_and_references_read_back() {
    let mut rng = Rng::new(2);
    let reference_chars = ["A", "Z", "0", "9", "/", "-", "?", ":", "(", ")", ".", "+"];
    for case in 0..CASES {
        let cents = rng.below(10_000_000_000) as i64;
        let date = NaiveDate::from_ymd_opt(
            2000 + rng.below(60) as i32,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        )
        .unwrap();
        let currency = ["USD", "EUR", "JPY", "GBP"][rng.below(4)];
        let reference: String = (0..1 + rng.below(15))
            .map(|_| reference_chars[rng.below(reference_chars.len())])
            .collect::<String>()
            .trim_start_matches('/')
            .replace("//", "/");
        let reference = if reference.is_empty() || reference.ends_with('/') {
            format!("{reference}R")
        } else {
            reference
        };
        let amount = format!("{},{:02}", cents / 100, cents % 100);
        let message = format!(
            "{{1:F01BANKUS33AXXX0000000000}}{{2:I103BANKDEFFXXXXN}}{{4:\r\n:20:{reference}\r\n:32A:{}{currency}{amount}\r\n:50K:/1\r\nX\r\n:59:/2\r\nY\r\n-}}",
            date.format("%y%m%d")
        );
        let parsed = intake::swift::parse_file(&message);
        let parsed = parsed[0]
            .as_ref()
            .unwrap_or_else(|err| panic!("case {case} {message:?}: {err:?}"));
        assert_eq!(
            (
                parsed.reference.as_str(),
                parsed.value.amount_cents,
                parsed.value.date,
                parsed.value.currency.as_str()
            ),
            (reference.as_str(), cents, date, currency),
            "case {case}"
        );
        assert_eq!(parsed.raw, message);
    }
}

#[test]
fn pacs_names_with_markup_characters_read_back_unescaped() {
    let mut rng = Rng::new(3);
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;")
    };
    let printable: Vec<&str> = NASTY.iter().copied().filter(|c| *c != "\n").collect();
    for case in 0..CASES {
        let debtor = text(&mut rng, &printable, 30);
        let creditor = text(&mut rng, &printable, 30);
        let cents = rng.below(1_000_000_000) as i64;
        let prefix = ["", "p:", "pacs:"][rng.below(3)];
        let document = format!(
            r#"<{prefix}Document xmlns{colon}{ns}="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><{prefix}FIToFICstmrCdtTrf><{prefix}GrpHdr><{prefix}MsgId>M</{prefix}MsgId></{prefix}GrpHdr><{prefix}CdtTrfTxInf><{prefix}PmtId><{prefix}EndToEndId>E</{prefix}EndToEndId></{prefix}PmtId><{prefix}IntrBkSttlmAmt Ccy="USD">{}.{:02}</{prefix}IntrBkSttlmAmt><{prefix}IntrBkSttlmDt>2026-11-20</{prefix}IntrBkSttlmDt><{prefix}InstgAgt><{prefix}FinInstnId><{prefix}BICFI>BANKUS33XXX</{prefix}BICFI></{prefix}FinInstnId></{prefix}InstgAgt><{prefix}InstdAgt><{prefix}FinInstnId><{prefix}BICFI>BANKDEFFXXX</{prefix}BICFI></{prefix}FinInstnId></{prefix}InstdAgt><{prefix}Dbtr><{prefix}Nm>{}</{prefix}Nm></{prefix}Dbtr><{prefix}Cdtr><{prefix}Nm>{}</{prefix}Nm></{prefix}Cdtr></{prefix}CdtTrfTxInf></{prefix}FIToFICstmrCdtTrf></{prefix}Document>"#,
            cents / 100,
            cents % 100,
            escape(&debtor),
            escape(&creditor),
            colon = if prefix.is_empty() { "" } else { ":" },
            ns = prefix.trim_end_matches(':'),
        );
        let parsed = intake::pacs::parse(&document);
        let transfer = parsed[0]
            .as_ref()
            .unwrap_or_else(|err| panic!("case {case}: {err:?}"));
        assert_eq!(transfer.amount_cents, cents, "case {case}");
        let name =
            |party: &Option<intake::swift::Party>| party.as_ref().and_then(|p| p.name.clone());
        assert_eq!(
            name(&transfer.parties.debtor).as_deref(),
            Some(debtor.as_str()),
            "case {case}"
        );
        assert_eq!(
            name(&transfer.parties.creditor).as_deref(),
            Some(creditor.as_str()),
            "case {case}"
        );
    }
}

#[test]
fn pnr_elements_read_back_and_errors_never_repeat_values() {
    let mut rng = Rng::new(4);
    for case in 0..CASES {
        let remarks = text(&mut rng, &NASTY, 40);
        let name = text(&mut rng, &NASTY, 20);
        let line = serde_json::json!({
            "carrier": "XX", "record_locator": "ABC123", "name": name, "general_remarks": remarks,
        })
        .to_string();
        let parsed = intake::pnr::parse(&line, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());
        let (_, record) = parsed[0]
            .0
            .as_ref()
            .unwrap_or_else(|err| panic!("case {case}: {err:?}"));
        assert_eq!(
            record.fields["general_remarks"],
            remarks.as_str(),
            "case {case}"
        );
        assert_eq!(
            record.subjects[0].name.as_deref().unwrap_or_default(),
            name.as_str(),
            "case {case}"
        );
        // The same PNR with a value where a carrier code belongs: refused, the value unsaid.
        let bad = serde_json::json!({"carrier": remarks, "record_locator": "A", "name": name})
            .to_string();
        let parsed = intake::pnr::parse(&bad, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());
        if let Err(err) = &parsed[0].0 {
            assert!(
                !err.reason.contains(&remarks) && !err.reason.contains(&name),
                "case {case}"
            );
        }
    }
}
