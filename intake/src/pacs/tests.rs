//! pacs.008 and pacs.009 COV on the real CBPR+ samples (envelope, header, prefixes on every
//! element), on documents written here without header or prefixes, on refusals, and on
//! mutated inputs (never a panic).

use super::*;

const PACS008: &str = include_str!("../../tests/samples/pacs008-cbprplus-A-B.xml");
const PACS009: &str = include_str!("../../tests/samples/pacs009cov-cbprplus-A-B.xml");

#[test]
fn the_pacs008_sample_gives_its_customers_agents_and_amount() {
    let transfers: Vec<PacsTransfer> = parse(PACS008).into_iter().map(Result::unwrap).collect();
    assert_eq!(transfers.len(), 1);
    let transfer = &transfers[0];
    assert_eq!(transfer.message_definition, "pacs.008.001.08");
    assert!(!transfer.cover);
    assert_eq!(transfer.header_from.as_deref(), Some("WPACAU2SXXX"));
    assert_eq!(transfer.header_to.as_deref(), Some("DBSSSGSGXXX"));
    assert_eq!(
        transfer.uetr.as_deref(),
        Some("174c245f-2682-4291-ad67-2a41e530cd27")
    );
    assert_eq!(transfer.end_to_end_id.as_deref(), Some("E2E04044506271305"));
    assert_eq!(
        (transfer.amount_cents, transfer.currency.as_str()),
        (50_000_000, "SGD")
    );
    assert_eq!(
        transfer.settlement_date,
        NaiveDate::from_ymd_opt(2020, 8, 5)
    );
    assert_eq!(transfer.intermediaries, ["DBSSSGSG"]);
    let debtor = transfer.parties.debtor.as_ref().unwrap();
    assert_eq!(debtor.name.as_deref(), Some("Australian Submarine"));
    assert_eq!(debtor.account.as_deref(), Some("458756241"));
    assert_eq!(debtor.address, ["2/694 Mersey Rd", "3/AU/Adelaide"]);
    assert_eq!(transfer.parties.debtor_agent.as_deref(), Some("WPACAU2S"));
    assert_eq!(
        transfer.parties.creditor.as_ref().unwrap().name.as_deref(),
        Some("Agoda Company")
    );
}

#[test]
fn the_pacs009_cover_sample_carries_its_underlying_customer_transfer() {
    let transfer = parse(PACS009).remove(0).unwrap();
    assert!(transfer.cover);
    assert_eq!(
        (transfer.amount_cents, transfer.currency.as_str()),
        (2_654_646_400, "RON")
    );
    assert_eq!(
        transfer.parties.debtor.as_ref().unwrap().bic.as_deref(),
        Some("MYMBGB2LXXX")
    );
    let underlying = transfer.underlying.as_ref().unwrap();
    assert_eq!(
        underlying.debtor.as_ref().unwrap().name.as_deref(),
        Some("Debtor Co")
    );
    assert_eq!(
        underlying.debtor.as_ref().unwrap().account.as_deref(),
        Some("25698745")
    );
    assert_eq!(
        underlying.creditor.as_ref().unwrap().name.as_deref(),
        Some("Ardent Finance")
    );
    assert_eq!(underlying.creditor_agent.as_deref(), Some("GEBABEBBXXX"));
}

const BARE: &str = r#"<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf>
<CdtTrfTxInf><PmtId><EndToEndId>E2E-1</EndToEndId></PmtId>
<IntrBkSttlmAmt Ccy='USD'>1500.5</IntrBkSttlmAmt><IntrBkSttlmDt>2026-11-20</IntrBkSttlmDt>
<Dbtr><Nm>JOHN &amp; JANE &lt;PUBLIC&gt; &#x41;</Nm></Dbtr><DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
<Cdtr><Nm><![CDATA[ACME <LLC>]]></Nm></Cdtr></CdtTrfTxInf>
<CdtTrfTxInf><PmtId><EndToEndId>E2E-2</EndToEndId></PmtId>
<IntrBkSttlmAmt Ccy="USD">15.001</IntrBkSttlmAmt><Dbtr><Nm>X</Nm></Dbtr><Cdtr><Nm>Y</Nm></Cdtr></CdtTrfTxInf>
</FIToFICstmrCdtTrf></Document>"#;

#[test]
fn a_document_without_header_or_prefixes_decodes_entities_and_answers_each_transaction() {
    let results = parse(BARE);
    assert_eq!(results.len(), 2);
    let first = results[0].as_ref().unwrap();
    assert_eq!(first.message_definition, "pacs.008");
    assert_eq!(first.amount_cents, 150_050);
    assert_eq!(
        first.parties.debtor.as_ref().unwrap().name.as_deref(),
        Some("JOHN & JANE <PUBLIC> A")
    );
    assert_eq!(
        first.parties.debtor.as_ref().unwrap().account.as_deref(),
        Some("DE89370400440532013000")
    );
    assert_eq!(
        first.parties.creditor.as_ref().unwrap().name.as_deref(),
        Some("ACME <LLC>")
    );
    let second = results[1].as_ref().unwrap_err();
    assert_eq!(second.location, "transaction 2, IntrBkSttlmAmt");
}

#[test]
fn each_transaction_of_a_document_keeps_its_own_raw_text() {
    let two = BARE.replace("15.001", "15.01");
    let results = parse(&two);
    let (first, second) = (results[0].as_ref().unwrap(), results[1].as_ref().unwrap());
    assert!(
        first
            .raw
            .starts_with("<CdtTrfTxInf><PmtId><EndToEndId>E2E-1"),
        "{}",
        first.raw
    );
    assert!(first.raw.ends_with("</CdtTrfTxInf>") && !first.raw.contains("E2E-2"));
    assert!(second.raw.contains("E2E-2") && !second.raw.contains("E2E-1"));
    // A document of one transaction is kept whole.
    let sample = include_str!("../../tests/samples/pacs008-cbprplus-A-B.xml");
    assert_eq!(parse(sample)[0].as_ref().unwrap().raw, sample);
}

#[test]
fn malformed_documents_are_refused_with_their_line() {
    // (document, location, reason fragment)
    let table = [
        (
            "<Document><FIToFICstmrCdtTrf></Document>",
            "line 1",
            "closes",
        ),
        // Closing names are compared whole, prefix and all.
        (
            "<Document xmlns:a=\"u\" xmlns:b=\"v\"><a:Amt>1</b:Amt></Document>",
            "line 1",
            "closes",
        ),
        (
            "<!DOCTYPE x [<!ENTITY a \"b\">]><Document/>",
            "line 1",
            "document type",
        ),
        (
            "<Document>\n<Other/>\n</Document>",
            "document",
            "neither a pacs.008",
        ),
        (
            "<Document><FIToFICstmrCdtTrf/></Document>",
            "document",
            "no credit transfer",
        ),
        (
            "<Document>\n<Nm>&bogus;</Nm></Document>",
            "line 2",
            "unknown entity",
        ),
        ("<Document><FIToFICstmrCdtTrf>", "line 1", "not closed"),
        // Where the hand-written reader was lax (the quick-xml one is not): a closing tag's
        // name is checked whole, attributes are `name="value"` with a well-formed name, and a
        // reference to the NUL character is no character.
        (
            "<Document>\n<a:Nm>x</a;:Nm></Document>",
            "line 2",
            "an element name is malformed",
        ),
        ("<Document>\n<Nm>x</ Nm></Document>", "line 2", "malformed"),
        (
            "<Document>\n<Amt Ccy'EUR'>1</Amt></Document>",
            "line 2",
            "an attribute is malformed",
        ),
        (
            "<Document>\n<Amt C#y=\"EUR\">1</Amt></Document>",
            "line 2",
            "an attribute name is malformed",
        ),
        (
            "<Document>\n<Nm>&#0;</Nm></Document>",
            "line 2",
            "unknown entity",
        ),
        (
            "<Document><!ENTITY a \"b\"></Document>",
            "line 1",
            "no comment or CDATA",
        ),
    ];
    for (document, location, reason) in table {
        let err = parse(document).remove(0).unwrap_err();
        assert_eq!(err.location, location, "{document}: {err}");
        assert!(err.reason.contains(reason), "{document}: {err}");
    }
    // A `>` inside a quoted attribute value is text (the old reader ended the tag there).
    let root =
        crate::xml::parse("<Document><Amt Note=\"a>b\" Ccy='EUR'>1</Amt></Document>").unwrap();
    assert_eq!(root.children[0].attribute("Note"), Some("a>b"));
    assert_eq!(root.children[0].attribute("Ccy"), Some("EUR"));
    // Elements nest 64 deep at most: 64 parse, 65 are refused (as are 100).
    let nested = |depth: usize| format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    assert!(crate::xml::parse(&nested(64)).is_ok());
    for depth in [65, 100] {
        let refused = crate::xml::parse(&nested(depth)).unwrap_err();
        assert!(refused.1.contains("deeper than 64"), "{depth}: {refused:?}");
    }
}

#[test]
fn mutated_documents_never_panic() {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet: Vec<char> = "<>/&;:=\"'![]-? #x0123456789abcCDATAé\n".chars().collect();
    for round in 0..3000 {
        let seed = [PACS008, PACS009, BARE][round % 3];
        let mut text: Vec<char> = seed.chars().collect();
        for _ in 0..(1 + next() % 6) {
            let at = (next() as usize) % (text.len() + 1);
            match next() % 3 {
                0 if at < text.len() => {
                    text.remove(at);
                }
                1 => text.insert(at, alphabet[(next() as usize) % alphabet.len()]),
                _ if at < text.len() => text[at] = alphabet[(next() as usize) % alphabet.len()],
                _ => {}
            }
        }
        let text: String = text.into_iter().collect();
        for transfer in parse(&text).into_iter().flatten() {
            assert_eq!(transfer.currency.len(), 3);
        }
    }
}
