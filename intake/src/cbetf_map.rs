//! From parsed transmittals to CBETF records (`model::RecordContents`), with the intake
//! rules of seed 003 (proposed 31 CFR 103.14): scope (a US institution at the border, first-in
//! or last-out), the exemption of bank-to-bank transfers with no third-party customer, the
//! money transmitters' thresholds, and timeliness (five business days). Pure: the filing date,
//! the reporter and the legal calendar (`policy::calendar::add_working_days`, passed in so this
//! crate stays free of the policy engine and its runtime) are inputs.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use model::{Identifier, IdentifierKind, RecordContents, Subject};
use serde_json::{json, Value};

use crate::pacs::PacsTransfer;
use crate::swift::{MtMessage, Party};

/// What kind of institution reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReporterType {
    /// A bank: reports any amount.
    Bank,
    /// A money transmitter: reports $1,000 or more, with the TIN from $3,000.
    MoneyTransmitter,
}

/// Who files, and when.
#[derive(Clone, Debug)]
pub struct Filing {
    /// The reporting institution's BIC (default: the US institution at the border).
    pub reporter: Option<String>,
    /// Its kind.
    pub reporter_type: ReporterType,
    /// The filing date.
    pub filed_on: NaiveDate,
    /// The `n`th business day after a day (Saturdays, Sundays and legal public holidays not
    /// counted): `policy::calendar::add_working_days`.
    pub business_days: fn(NaiveDate, u32) -> Option<NaiveDate>,
}

/// A record to store, and what intake noticed about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapped {
    /// The record.
    pub record: RecordContents,
    /// Flags kept with the record (`late`...), also in its fields.
    pub flags: Vec<String>,
}

/// The transfer a report is of, for the vault's deduplication (its provenance's
/// `transfer_key`, and for a cover payment `covers`): `uetr:<UETR>` where the message has one,
/// else `ref:<sending institution>/<its reference>`; a cover payment's own key is the
/// underlying transfer's with `cover:` before it.
pub struct TransferKey {
    /// The key.
    pub key: String,
    /// For a cover payment, the underlying transfer's key.
    pub covers: Option<String>,
}

impl TransferKey {
    /// A transfer's key: its UETR, else its sender's reference.
    fn of(uetr: Option<&str>, sender: &str, reference: &str) -> String {
        match uetr {
            Some(uetr) => format!("uetr:{}", uetr.trim().to_ascii_lowercase()),
            None => format!(
                "ref:{}/{}",
                sender.trim().to_ascii_uppercase(),
                reference.trim()
            ),
        }
    }

    /// The key of a report of a customer transfer.
    pub fn transfer(uetr: Option<&str>, sender: &str, reference: &str) -> TransferKey {
        TransferKey {
            key: TransferKey::of(uetr, sender, reference),
            covers: None,
        }
    }

    /// The key of a cover payment, given the underlying transfer's UETR, sender and
    /// reference.
    pub fn cover(uetr: Option<&str>, sender: &str, reference: &str) -> TransferKey {
        let underlying = TransferKey::of(uetr, sender, reference);
        TransferKey {
            key: format!("cover:{underlying}"),
            covers: Some(underlying),
        }
    }
}

/// What two reports of one transfer must agree on: value date, currency, amount, and the
/// parties' names and accounts (case and spacing aside).
fn transfer_match(fields: &BTreeMap<String, String>, subjects: &[Subject]) -> String {
    let text = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let mut parts = vec![text("value_date"), text("currency"), text("amount")];
    for subject in subjects {
        let name = subject.name.as_deref().unwrap_or("");
        parts.push(format!(
            "{}={}:{}",
            subject.role,
            name.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase(),
            identifiers_json(&subject.identifiers)
        ));
    }
    parts.join("|")
}

/// A subject's identifiers as the import format writes them, as JSON (`{"account":"1"}`): how
/// `transfer_match` has spelled them since the first stored report, so reports stored before
/// and after compare alike.
fn identifiers_json(identifiers: &[Identifier]) -> String {
    let map: serde_json::Map<String, Value> = identifiers
        .iter()
        .map(|identifier| {
            let value = match &identifier.country {
                Some(country) => json!({"number": identifier.value, "country": country}),
                None => json!(identifier.value),
            };
            (identifier.kind.name().to_owned(), value)
        })
        .collect();
    Value::Object(map).to_string()
}

/// The country of a BIC (its 5th and 6th letters).
fn country(bic: &str) -> Option<&str> {
    bic.get(4..6)
}

fn amount_text(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The US institution at the border and the direction from its side, or why the transfer is not
/// reportable.
fn border(sender: &str, receiver: &str) -> Result<(&'static str, bool), String> {
    match (country(sender) == Some("US"), country(receiver) == Some("US")) {
        (true, false) => Ok(("sent", true)),
        (false, true) => Ok(("received", false)),
        (true, true) => Err(
            "not reportable: both institutions are in the United States, so this leg is not the first-in or last-out one (proposed 31 CFR 103.14(b))"
                .into(),
        ),
        (false, false) => Err(
            "not reportable: no US institution at the border (proposed 31 CFR 103.14(b)); not stored"
                .into(),
        ),
    }
}

fn subject(role: &str, party: Option<&Party>) -> Option<Subject> {
    let party = party?;
    let identifiers: Vec<Identifier> = party
        .account
        .iter()
        .map(|account| Identifier::new(IdentifierKind::Account, account.as_str()))
        .collect();
    let name = party.name.clone().or_else(|| party.bic.clone());
    if name.is_none() && identifiers.is_empty() {
        return None;
    }
    Some(crate::subject(role, name, identifiers))
}

/// Whether two names of an institution are the same one: equal ignoring case, or two BICs of
/// one institution (the first 8 characters: a BIC8 is the BIC11 of its `XXX` office).
fn same_institution(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim().to_ascii_uppercase(), b.trim().to_ascii_uppercase());
    let bic = |text: &str| {
        (text.len() == 8 || text.len() == 11) && text.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    a == b || (bic(&a) && bic(&b) && a[..8] == b[..8])
}

fn address(party: Option<&Party>) -> Option<String> {
    party
        .filter(|party| !party.address.is_empty())
        .map(|party| party.address.join("\n"))
}

/// The common part of every mapping: thresholds, timeliness, the record.
#[allow(clippy::too_many_arguments, reason = "each is one item of the report")]
fn record(
    filing: &Filing,
    format: &str,
    fields: BTreeMap<String, String>,
    transmittor: Option<Subject>,
    recipient: Option<Subject>,
    cents: i64,
    currency: &str,
    transmitted_on: Option<(NaiveDate, &'static str)>,
    reporter: &str,
    transfer: TransferKey,
) -> Result<Mapped, String> {
    let mut flags = Vec::new();
    let mut fields = fields;
    match filing.reporter_type {
        ReporterType::Bank => {
            fields.insert("threshold_rule".into(), "bank: any amount".into());
        }
        ReporterType::MoneyTransmitter if currency == "USD" => {
            if cents < 100_000 {
                return Err(
                    "not reportable: a money transmitter reports transfers of $1,000 or more (proposed 31 CFR 103.14(a)); not stored"
                        .into(),
                );
            }
            fields.insert(
                "threshold_rule".into(),
                if cents >= 300_000 {
                    "money transmitter: $3,000 or more, TIN required"
                } else {
                    "money transmitter: $1,000 or more"
                }
                .into(),
            );
        }
        ReporterType::MoneyTransmitter => {
            // The rule converts at the rate given to the customer, which a message does not
            // carry: kept and flagged for review rather than guessed.
            flags.push("threshold-unchecked".into());
            fields.insert(
                "threshold_rule".into(),
                "money transmitter: not USD and no customer rate; review the $1,000 threshold"
                    .into(),
            );
        }
    }
    if let Some((day, which)) = transmitted_on {
        fields.insert("transmitted_on".into(), day.to_string());
        fields.insert("transmitted_on_source".into(), which.into());
        let due = (filing.business_days)(day, 5);
        if due.is_some_and(|due| filing.filed_on > due) {
            flags.push("late".into());
        }
    }
    if !flags.is_empty() {
        fields.insert("flags".into(), flags.join(","));
    }
    let subjects: Vec<Subject> = [transmittor, recipient].into_iter().flatten().collect();
    if subjects.is_empty() {
        return Err("neither the transmittor nor the recipient is named or has an account".into());
    }
    let matched = transfer_match(&fields, &subjects);
    let mut source = BTreeMap::from([
        ("transfer_key".to_owned(), transfer.key),
        ("transfer_match".to_owned(), matched),
        ("format".to_owned(), format.to_owned()),
        (
            "reporter".to_owned(),
            filing
                .reporter
                .clone()
                .unwrap_or_else(|| reporter.to_owned()),
        ),
        (
            "reporter_type".to_owned(),
            match filing.reporter_type {
                ReporterType::Bank => "bank",
                ReporterType::MoneyTransmitter => "money-transmitter",
            }
            .to_owned(),
        ),
        ("filed_on".to_owned(), filing.filed_on.to_string()),
    ]);
    if let Some(covers) = transfer.covers {
        source.insert("covers".to_owned(), covers);
    }
    let record = crate::record(
        CBETF_SYSTEM,
        "transmittal",
        crate::midnight(filing.filed_on),
        source,
        subjects,
        fields,
    )?;
    Ok(Mapped { record, flags })
}

/// The CBETF system of records.
const CBETF_SYSTEM: &str = "fincen-cbetf";

fn put(fields: &mut BTreeMap<String, String>, name: &str, value: Option<String>) {
    if let Some(value) = value.filter(|value| !value.is_empty()) {
        fields.insert(name.into(), value);
    }
}

/// An MT 103 or MT 202 COV as a CBETF record. An MT 202 that is not a cover payment is a
/// bank-to-bank transfer with no third-party customer: exempt (proposed 103.14(f)(1)).
pub fn map_mt(message: &MtMessage, filing: &Filing) -> Result<Mapped, String> {
    if message.message_type == "202" && !message.cover {
        return Err(
            "not reportable: a bank-to-bank transfer with no third-party customer is exempt (proposed 31 CFR 103.14(f)(1)); not stored"
                .into(),
        );
    }
    let (direction, us_sends) = border(&message.sender_bic, &message.receiver_bic)?;
    let reporter = if us_sends {
        &message.sender_bic
    } else {
        &message.receiver_bic
    };
    let mut fields = BTreeMap::new();
    fields.insert("amount".into(), amount_text(message.value.amount_cents));
    fields.insert("currency".into(), message.value.currency.clone());
    fields.insert("value_date".into(), message.value.date.to_string());
    fields.insert("direction".into(), direction.into());
    fields.insert(
        "message_type".into(),
        if message.cover {
            format!("MT{} COV", message.message_type)
        } else {
            format!("MT{}", message.message_type)
        },
    );
    fields.insert("sender_reference".into(), message.reference.clone());
    put(&mut fields, "uti", message.uetr.clone());
    put(
        &mut fields,
        "transmittor_institution",
        message
            .ordering_institution
            .as_ref()
            .and_then(|party| party.bic.clone())
            .or_else(|| Some(message.sender_bic.clone())),
    );
    put(
        &mut fields,
        "recipient_institution",
        message
            .account_with_institution
            .as_ref()
            .and_then(|party| party.bic.clone())
            .or_else(|| Some(message.receiver_bic.clone())),
    );
    put(
        &mut fields,
        "intermediary_institution",
        message
            .intermediary
            .as_ref()
            .and_then(|party| party.bic.clone()),
    );
    put(
        &mut fields,
        "remittance_information",
        message.remittance.clone(),
    );
    put(
        &mut fields,
        "instructions",
        message.sender_to_receiver.clone(),
    );
    put(
        &mut fields,
        "transmittor_address",
        address(message.ordering_customer.as_ref()),
    );
    put(
        &mut fields,
        "recipient_address",
        address(message.beneficiary.as_ref()),
    );
    let transfer = if message.cover {
        // The underlying MT 103 was sent by the ordering institution (52a) under the
        // reference the cover names in field 21.
        let related = message
            .fields
            .iter()
            .find(|(tag, _)| tag == "21")
            .map_or("", |(_, value)| value.as_str());
        let underlying_sender = message
            .ordering_institution
            .as_ref()
            .and_then(|party| party.bic.clone())
            .unwrap_or_else(|| message.sender_bic.clone());
        TransferKey::cover(message.uetr.as_deref(), &underlying_sender, related)
    } else {
        TransferKey::transfer(
            message.uetr.as_deref(),
            &message.sender_bic,
            &message.reference,
        )
    };
    record(
        filing,
        "mt",
        fields,
        subject("transmittor", message.ordering_customer.as_ref()),
        subject("recipient", message.beneficiary.as_ref()),
        message.value.amount_cents,
        &message.value.currency,
        // A received message's day is its output date; a sent one carries none: the value date
        // stands in, and the record says so.
        Some(match message.received_on {
            Some(day) => (day, "output date (block 2)"),
            None => (message.value.date, "value date (32A)"),
        }),
        reporter,
        transfer,
    )
}

/// A pacs.008, or a pacs.009 COV (its underlying customer transfer), as a CBETF record. A
/// pacs.009 without the underlying customer transfer is exempt like an MT 202.
pub fn map_pacs(transfer: &PacsTransfer, filing: &Filing) -> Result<Mapped, String> {
    let customers = match (&transfer.underlying, transfer.message_definition.starts_with("pacs.009")) {
        (Some(underlying), _) => underlying,
        (None, true) => {
            return Err(
                "not reportable: a bank-to-bank transfer with no third-party customer is exempt (proposed 31 CFR 103.14(f)(1)); not stored"
                    .into(),
            )
        }
        (None, false) => &transfer.parties,
    };
    let sender = transfer
        .instructing_agent
        .clone()
        .or_else(|| transfer.header_from.clone())
        .ok_or("the instructing agent (InstgAgt) or the header's sender is needed to place the transfer")?;
    let receiver = transfer
        .instructed_agent
        .clone()
        .or_else(|| transfer.header_to.clone())
        .ok_or("the instructed agent (InstdAgt) or the header's receiver is needed to place the transfer")?;
    let (direction, us_sends) = border(&sender, &receiver)?;
    let mut fields = BTreeMap::new();
    fields.insert("amount".into(), amount_text(transfer.amount_cents));
    fields.insert("currency".into(), transfer.currency.clone());
    put(
        &mut fields,
        "value_date",
        transfer.settlement_date.map(|date| date.to_string()),
    );
    fields.insert("direction".into(), direction.into());
    fields.insert("message_type".into(), transfer.message_definition.clone());
    put(&mut fields, "uti", transfer.uetr.clone());
    put(
        &mut fields,
        "sender_reference",
        transfer.end_to_end_id.clone(),
    );
    put(
        &mut fields,
        "transmittor_institution",
        customers.debtor_agent.clone().or(Some(sender.clone())),
    );
    put(
        &mut fields,
        "recipient_institution",
        customers.creditor_agent.clone().or(Some(receiver.clone())),
    );
    put(
        &mut fields,
        "intermediary_institution",
        transfer.intermediaries.first().cloned(),
    );
    put(
        &mut fields,
        "transmittor_address",
        address(customers.debtor.as_ref()),
    );
    put(
        &mut fields,
        "recipient_address",
        address(customers.creditor.as_ref()),
    );
    // The end-to-end id travels unchanged from the debtor's agent; a cover names the
    // underlying transfer's.
    let end_to_end = transfer.end_to_end_id.clone().unwrap_or_default();
    let key = if transfer.underlying.is_some() {
        TransferKey::cover(
            transfer.uetr.as_deref(),
            customers.debtor_agent.as_deref().unwrap_or(&sender),
            &end_to_end,
        )
    } else {
        TransferKey::transfer(
            transfer.uetr.as_deref(),
            customers.debtor_agent.as_deref().unwrap_or(&sender),
            &end_to_end,
        )
    };
    let reporter = if us_sends {
        sender.clone()
    } else {
        receiver.clone()
    };
    record(
        filing,
        "pacs",
        fields,
        subject("transmittor", customers.debtor.as_ref()),
        subject("recipient", customers.creditor.as_ref()),
        transfer.amount_cents,
        &transfer.currency,
        transfer
            .settlement_date
            .map(|date| (date, "interbank settlement date")),
        &reporter,
        key,
    )
}

/// The CBETF data items of proposed 103.14(c) as a record. The filer names itself (the items
/// carry institutions as given, not always BICs, so the border cannot be checked here).
pub fn map_items(items: &crate::cbetf::DataItems, filing: &Filing) -> Result<Mapped, String> {
    let reporter = filing
        .reporter
        .clone()
        .ok_or("data items name no reporting institution: give --reporter")?;
    // The exemption is for systems proprietary to a bank, not to a money transmitter.
    if items.proprietary && filing.reporter_type == ReporterType::Bank {
        return Err(
            "not reportable: a transmittal communicated solely through systems proprietary to a bank is exempt (proposed 31 CFR 103.14(f)(2)); not stored"
                .into(),
        );
    }
    let party = |name: &Option<String>, account: &Option<String>, address: &Option<String>| Party {
        tag: String::new(),
        account: account.clone(),
        bic: None,
        name: name.clone(),
        address: address.iter().cloned().collect(),
    };
    let transmittor = party(
        &items.transmittor_name,
        &items.transmittor_account,
        &items.transmittor_address,
    );
    let recipient = party(
        &items.recipient_name,
        &items.recipient_account,
        &items.recipient_address,
    );
    let mut fields = BTreeMap::new();
    fields.insert("amount".into(), amount_text(items.amount_cents));
    fields.insert("currency".into(), items.currency.clone());
    put(
        &mut fields,
        "value_date",
        items.execution_date.map(|date| date.to_string()),
    );
    fields.insert(
        "message_type".into(),
        "data items (proposed 31 CFR 103.14(c))".into(),
    );
    put(&mut fields, "uti", items.uetr.clone());
    put(
        &mut fields,
        "transmittor_institution",
        items.transmittor_institution.clone(),
    );
    put(
        &mut fields,
        "recipient_institution",
        items.recipient_institution.clone(),
    );
    put(&mut fields, "instructions", items.other_identifiers.clone());
    put(
        &mut fields,
        "transmittor_address",
        items.transmittor_address.clone(),
    );
    put(
        &mut fields,
        "recipient_address",
        items.recipient_address.clone(),
    );
    // The filer is the U.S. institution at the border: on its side of the transfer is the
    // U.S. customer, whose item (xi) it reports (seed 003, proposed 103.14(c): "the U.S.
    // taxpayer identification number of the transmittor or recipient (as applicable)").
    let outgoing = items
        .transmittor_institution
        .as_deref()
        .is_some_and(|institution| same_institution(institution, &reporter));
    let incoming = items
        .recipient_institution
        .as_deref()
        .is_some_and(|institution| same_institution(institution, &reporter));
    match (outgoing, incoming) {
        (true, false) => put(&mut fields, "direction", Some("outgoing".to_owned())),
        (false, true) => put(&mut fields, "direction", Some("incoming".to_owned())),
        _ => {}
    }
    // A file's word that contradicts the filer's side would put a U.S. identifier on the
    // foreign party: refused.
    let contradicts = matches!(
        (items.tin_party, outgoing, incoming),
        (Some(crate::cbetf::TinParty::Recipient), true, false)
            | (Some(crate::cbetf::TinParty::Transmittor), false, true)
    );
    if contradicts && items.tax_identifier.is_some() {
        return Err(
            "`tin_party` names the party on the other side of the filer: item (xi) is the U.S. customer's, on the filer's side"
                .into(),
        );
    }
    let tin_party = match (items.tin_party, outgoing, incoming) {
        (Some(party), _, _) => Some(party),
        (None, true, false) => Some(crate::cbetf::TinParty::Transmittor),
        (None, false, true) => Some(crate::cbetf::TinParty::Recipient),
        (None, _, _) => None,
    };
    let mut transmittor_subject = subject("transmittor", Some(&transmittor));
    let mut recipient_subject = subject("recipient", Some(&recipient));
    if let Some(tax) = &items.tax_identifier {
        let Some(party) = tin_party else {
            return Err(
                "item (xi) is the transmittor's or the recipient's \"as applicable\": say whose with `tin_party` (transmittor or recipient), or name the filer as the transmittor's or the recipient's institution"
                    .into(),
            );
        };
        let (slot, role) = match party {
            crate::cbetf::TinParty::Transmittor => (&mut transmittor_subject, "transmittor"),
            crate::cbetf::TinParty::Recipient => (&mut recipient_subject, "recipient"),
        };
        let subject = slot.get_or_insert_with(|| crate::subject(role, None, Vec::new()));
        // Each kind of identifier as what it is, and each indexed as its own kind.
        let identifier = match tax {
            crate::cbetf::TaxIdentifier::Tin(tin) => {
                Identifier::new(IdentifierKind::Tin, tin.as_str())
            }
            crate::cbetf::TaxIdentifier::AlienId(id) => {
                Identifier::new(IdentifierKind::AlienId, id.as_str())
            }
            crate::cbetf::TaxIdentifier::Passport { number, country } => {
                Identifier::passport(number.as_str(), country.as_str())
            }
        };
        crate::add_identifier(subject, identifier);
    }
    if filing.reporter_type == ReporterType::MoneyTransmitter
        && items.currency == "USD"
        && items.amount_cents >= 300_000
        && items.tax_identifier.is_none()
    {
        return Err(
            "a money transmitter's report of $3,000 or more includes the TIN, or an alien identification or passport number (item xi)"
                .into(),
        );
    }
    // Without a UETR the items carry no reference: the filer's transfer of that amount on
    // that day between those accounts stands for one.
    let reference = format!(
        "{}/{}{}/{}/{}",
        items
            .execution_date
            .map(|date| date.to_string())
            .unwrap_or_default(),
        items.currency,
        items.amount_cents,
        items.transmittor_account.as_deref().unwrap_or(""),
        items.recipient_account.as_deref().unwrap_or("")
    );
    let transfer = TransferKey::transfer(items.uetr.as_deref(), &reporter, &reference);
    record(
        filing,
        "cbetf-items",
        fields,
        transmittor_subject,
        recipient_subject,
        items.amount_cents,
        &items.currency,
        items
            .execution_date
            .map(|date| (date, "execution date (item vi)")),
        &reporter,
        transfer,
    )
}

/// A row of a bank's annual TIN report (proposed 103.14(e)) as a `tin-report` record of the
/// CBETF system. It is linked to the year's transmittals by the account, which both are indexed
/// by. Filed after April 15 of the following year, it is kept and flagged `late`. A second row
/// for the same account and year from the same bank is a duplicate, or, with another TIN,
/// inconsistent.
pub fn map_tin(row: &crate::tin::TinRow, filing: &Filing) -> Result<Mapped, String> {
    if filing.reporter_type == ReporterType::MoneyTransmitter {
        return Err(
            "the annual TIN report is filed by banks (proposed 31 CFR 103.14(e)); a money transmitter gives the TIN in each report of $3,000 or more"
                .into(),
        );
    }
    if let Some(reason) = row.exempt {
        return Err(reason.into());
    }
    let reporter = filing
        .reporter
        .clone()
        .ok_or("a TIN report names no reporting institution: give --reporter")?;
    if row.report_year >= chrono::Datelike::year(&filing.filed_on) {
        return Err(format!(
            "a report for {} is filed once the year is over (from January 1, {})",
            row.report_year,
            row.report_year + 1
        ));
    }
    let due = NaiveDate::from_ymd_opt(row.report_year + 1, 4, 15)
        .ok_or("the report year is out of range")?;
    let mut flags = Vec::new();
    let mut fields = BTreeMap::new();
    fields.insert("report_year".into(), row.report_year.to_string());
    fields.insert("reporting_institution".into(), reporter.clone());
    fields.insert("due_on".into(), due.to_string());
    if filing.filed_on > due {
        flags.push("late".to_owned());
        fields.insert("flags".into(), "late".into());
    }
    let subject = crate::subject(
        "accountholder",
        row.name.clone(),
        vec![
            Identifier::new(IdentifierKind::Account, row.account.as_str()),
            Identifier::new(IdentifierKind::Tin, row.tin.as_str()),
        ],
    );
    let transfer = TransferKey {
        key: format!(
            "tin:{}/{}/{}",
            reporter.trim().to_ascii_uppercase(),
            row.report_year,
            row.account.trim()
        ),
        covers: None,
    };
    let matched = transfer_match(&BTreeMap::new(), std::slice::from_ref(&subject));
    let source = BTreeMap::from([
        ("format".to_owned(), "tin".to_owned()),
        ("reporter".to_owned(), reporter),
        ("filed_on".to_owned(), filing.filed_on.to_string()),
        ("transfer_key".to_owned(), transfer.key),
        ("transfer_match".to_owned(), matched),
    ]);
    let record = crate::record(
        CBETF_SYSTEM,
        "tin-report",
        crate::midnight(filing.filed_on),
        source,
        vec![subject],
        fields,
    )?;
    Ok(Mapped { record, flags })
}

#[cfg(test)]
mod tests;
