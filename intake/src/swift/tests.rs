//! The MT parser on the real RJE sample (three MT 103 with acknowledgments), on messages
//! written here for the input direction, MT 202 COV and each refusal, and on mutated inputs
//! (it never panics, and every message of a file is answered).

use super::*;

const SAMPLE: &str = include_str!("../../tests/samples/mt103-bulk-with-ack.rje");

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn the_rje_sample_gives_three_received_mt103_with_their_parties_and_amounts() {
    let messages: Vec<MtMessage> = parse_file(SAMPLE).into_iter().map(Result::unwrap).collect();
    assert_eq!(messages.len(), 3, "acknowledgments are skipped");
    let first = &messages[0];
    assert_eq!(first.message_type, "103");
    assert_eq!(first.direction, Direction::Received);
    assert_eq!(
        first.received_on,
        Some(d(2017, 4, 26)),
        "block 2's output date"
    );
    assert_eq!(
        (first.sender_bic.as_str(), first.receiver_bic.as_str()),
        ("BBBBUS33XXX", "AAAAUSLAXXX")
    );
    assert_eq!(first.reference, "234234233");
    assert_eq!(
        first.value,
        ValueDateAmount {
            date: d(2019, 4, 25),
            currency: "USD".into(),
            amount_cents: 370_000
        }
    );
    assert_eq!(first.instructed, Some(("USD".into(), 371_000)));
    let customer = first.ordering_customer.as_ref().unwrap();
    assert_eq!(customer.tag, "50K");
    assert_eq!(customer.account.as_deref(), Some("0000000000"));
    assert_eq!(
        customer.name.as_deref(),
        Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    );
    assert_eq!(
        customer.address,
        ["NO. 62/64 FOO ROAD BENIN CITY", "EDO STATE"]
    );
    assert_eq!(
        first.ordering_institution.as_ref().unwrap().bic.as_deref(),
        Some("CCCCNGLA")
    );
    assert_eq!(
        first.beneficiary.as_ref().unwrap().name.as_deref(),
        Some("BBBBBBBBBBBBBBBB")
    );
    assert_eq!(
        first.remittance.as_deref(),
        Some("/RFB/042517477151\nREFERENCE:1500009007\nTRANSFER")
    );
    assert!(first
        .sender_to_receiver
        .as_deref()
        .unwrap()
        .starts_with("/INS/DEUTSCHE BANK"));
    // Amounts with one decimal, and the sender from the second message's own MIR.
    assert_eq!(messages[1].sender_bic, "BKTRUS33XXX");
    assert_eq!(messages[1].value.amount_cents, 132_100);
    assert_eq!(messages[2].value.amount_cents, 141_780);
}

fn input_message(block4: &str) -> String {
    format!(
        "{{1:F01BANKUS33AXXX0000000000}}{{2:I103BANKDEFFXXXXN}}{{3:{{121:eb6305c9-1f7f-49de-aed0-16487c27b42d}}}}{{4:\r\n{block4}\r\n-}}{{5:{{CHK:123456789ABC}}}}"
    )
}

const GOOD_BODY: &str = ":20:REF-1\r\n:23B:CRED\r\n:32A:261120EUR1000,50\r\n:50F:/DE89370400440532013000\r\n1/JANE EXAMPLE\r\n2/1 MAIN STREET\r\n:59A:/12345\r\nBANKDEFF\r\n:71A:OUR";

#[test]
fn an_input_message_is_sent_with_its_uetr_and_structured_parties() {
    let parsed = parse_file(&input_message(GOOD_BODY));
    let message = parsed[0].as_ref().unwrap();
    assert_eq!(message.direction, Direction::Sent);
    assert_eq!(
        (message.sender_bic.as_str(), message.receiver_bic.as_str()),
        ("BANKUS33XXX", "BANKDEFFXXX")
    );
    assert_eq!(
        message.uetr.as_deref(),
        Some("eb6305c9-1f7f-49de-aed0-16487c27b42d")
    );
    assert_eq!(message.value.amount_cents, 100_050);
    assert_eq!(
        message
            .ordering_customer
            .as_ref()
            .unwrap()
            .account
            .as_deref(),
        Some("DE89370400440532013000")
    );
    assert_eq!(
        message.beneficiary.as_ref().unwrap().bic.as_deref(),
        Some("BANKDEFF")
    );
}

#[test]
fn a_cover_payment_is_marked_and_needs_no_customers() {
    let cover = "{1:F01BANKUS33AXXX0000000000}{2:I202BANKDEFFXXXXN}{3:{119:COV}{121:eb6305c9-1f7f-49de-aed0-16487c27b42d}}{4:\r\n:20:COVER-1\r\n:21:REF-1\r\n:32A:261120EUR1000,50\r\n:58A:BANKDEFF\r\n:50K:/123\r\nJANE EXAMPLE\r\n:59:/456\r\nJOHN EXAMPLE\r\n-}";
    let message = parse_file(cover).remove(0).unwrap();
    assert_eq!(
        (message.message_type.as_str(), message.cover),
        ("202", true)
    );
    assert_eq!(
        message.beneficiary.unwrap().name.as_deref(),
        Some("JOHN EXAMPLE")
    );
}

#[test]
fn each_refusal_names_the_message_the_field_and_the_reason() {
    // (what changes, location, reason fragment)
    let table = [
        (
            GOOD_BODY.replace(":20:REF-1\r\n", ""),
            "message 1, field 20",
            "missing",
        ),
        (
            GOOD_BODY.replace("261120", "261340"),
            "message 1, field 32A",
            "not a date",
        ),
        (
            GOOD_BODY.replace("EUR1000,50", "EUR1000.50"),
            "message 1, field 32A",
            "decimal comma",
        ),
        (
            GOOD_BODY.replace("EUR1000,50", "EU1000,50"),
            "message 1, field 32A",
            "three letters",
        ),
        (
            GOOD_BODY.replace("BANKDEFF\r\n:71A", "NOT A BIC\r\n:71A"),
            "message 1, field 59A",
            "BIC",
        ),
        (
            GOOD_BODY.replace(":59A:/12345\r\nBANKDEFF\r\n", ""),
            "message 1",
            "beneficiary",
        ),
    ];
    for (body, location, reason) in table {
        let err = parse_file(&input_message(&body)).remove(0).unwrap_err();
        assert_eq!(err.location, location, "{err}");
        assert!(err.reason.contains(reason), "{err}");
        assert!(
            !err.to_string().contains("JANE"),
            "errors never repeat values"
        );
    }
    // One bad message in a file does not lose the others.
    let file = [
        input_message(GOOD_BODY),
        input_message("garbage"),
        input_message(GOOD_BODY),
    ]
    .join("$");
    let results = parse_file(&file);
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().location, "message 2");
}

/// A small deterministic generator, so the property test needs no dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn mutated_inputs_never_panic_and_every_message_is_answered() {
    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    let alphabet: Vec<char> = "{}:$-/\r\n0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ,.é\u{0}"
        .chars()
        .collect();
    let seeds = [SAMPLE.to_owned(), input_message(GOOD_BODY)];
    for round in 0..4000 {
        let mut text: Vec<char> = seeds[round % 2].chars().collect();
        for _ in 0..(1 + random.next() % 8) {
            let at = (random.next() as usize) % (text.len() + 1);
            match random.next() % 3 {
                0 if at < text.len() => {
                    text.remove(at);
                }
                1 => text.insert(at, alphabet[(random.next() as usize) % alphabet.len()]),
                _ if at < text.len() => {
                    text[at] = alphabet[(random.next() as usize) % alphabet.len()]
                }
                _ => {}
            }
        }
        let text: String = text.into_iter().collect();
        let results = parse_file(&text);
        // Every chunk that is not empty or an acknowledgment alone is answered, ok or not.
        assert!(results.len() <= text.matches('$').count() + 1);
        for message in results.into_iter().flatten() {
            assert!(!message.reference.is_empty() && message.reference.len() <= 16);
            assert_eq!(message.sender_bic.len(), 11);
        }
    }
}
