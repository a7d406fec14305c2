//! A flight's PNR receipts (seed 001 paragraphs 13 and 14): the `source` entries that name the
//! flight, checked and written in one spelling with the key that counts one flight's pulls of
//! one PNR; the registry of carriers that push, which CBP's records officers keep; and the
//! check of each receipt of a stream against both.

use chrono::{DateTime, NaiveDate, Utc};
use privacy::documents::Documents as _;

/// A flight in one spelling: the airline designator (two letters or digits, IATA, or three
/// letters, ICAO), the number without leading zeros (1 to 4 digits) and at most one
/// operational suffix letter (`XX0100` is `XX100`, `9W007A` is `9W7A`, `BAW0100` is
/// `BAW100`). `None` for anything else.
fn parse_flight(flight: &str) -> Option<String> {
    let flight = flight.trim().to_ascii_uppercase();
    if !flight.is_ascii() || flight.len() < 3 {
        return None;
    }
    let (designator, rest) = flight.split_at(designator(&flight).len());
    if !designator.bytes().all(|b| b.is_ascii_alphanumeric())
        || designator.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, suffix) = rest.split_at(digits_end);
    if !(1..=4).contains(&digits.len())
        || suffix.len() > 1
        || !suffix.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return None;
    }
    let number = digits.trim_start_matches('0');
    Some(format!(
        "{designator}{}{suffix}",
        if number.is_empty() { "0" } else { number }
    ))
}

/// The designator of a flight (`XX100` is `XX`, `BAW100` is `BAW`): three letters before
/// anything else are ICAO's, else the first two characters are IATA's.
fn designator(flight: &str) -> &str {
    let icao = flight.len() > 3 && flight.bytes().take(3).all(|b| b.is_ascii_alphabetic());
    &flight[..if icao { 3 } else { flight.len().min(2) }]
}

/// The `source` entries of a flight's receipt (seed 001 paragraph 14), checked, written in
/// one form, and keyed: the receipt key (record locator, flight, departure day, delivery) lets
/// the vault count one flight's pulls of one PNR. Messages name the entry and its rule, never
/// the value.
pub(crate) fn key_flight_receipt(record: &mut model::RecordContents) -> Result<(), String> {
    let entry = |key: &str| record.source.get(key).map(|value| value.trim().to_owned());
    let time = |key: &str| -> Result<Option<DateTime<Utc>>, String> {
        entry(key)
            .map(|text| {
                DateTime::parse_from_rfc3339(&text)
                    .map(|at| at.with_timezone(&Utc))
                    .map_err(|_| format!("`source.{key}` is a time in RFC 3339"))
            })
            .transpose()
    };
    let flight = entry("flight")
        .as_deref()
        .and_then(parse_flight)
        .ok_or("a PNR names its flight (`source.flight`: the carrier's designator, IATA or ICAO, the flight number of 1 to 4 digits and at most one suffix letter, `XX100`), whose receipts paragraph 14 of seed 001 limits")?;
    let departs_at = time("departs_at")?.ok_or(
        "a PNR names its flight's departure (`source.departs_at`, RFC 3339): paragraph 14 of seed 001 times every receipt from it",
    )?;
    let arrives_at = time("arrives_at")?;
    // Paragraph 13: CBP pulls until the carrier pushes.
    let delivery = match entry("delivery") {
        None => policy::pnr::Delivery::Pull,
        Some(name) => policy::pnr::Delivery::from_name(&name)
            .ok_or("`source.delivery` is `pull` or `push`")?,
    };
    match (entry("early_access"), entry("early_case")) {
        (None, None) => {}
        (Some(ground), Some(case)) => {
            if ground != policy::pnr::EARLY_SPECIFIC_CONCERN {
                return Err(format!(
                    "`source.early_access` is `{}` (paragraph 14: advance information that persons of specific concern may be travelling)",
                    policy::pnr::EARLY_SPECIFIC_CONCERN
                ));
            }
            if !policy::codes::is_reference(&case) {
                return Err("`source.early_case` is the reference of the case the advance information belongs to (letters first, at most two runs of up to 6 digits)".into());
            }
        }
        _ => {
            return Err("`source.early_access` and `source.early_case` go together: the ground and the case it is recorded in".into())
        }
    }
    let locator = record
        .fields
        .get("record_locator")
        .map(|locator| locator.trim().to_ascii_uppercase())
        .unwrap_or_default();
    let stamp = |at: DateTime<Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    record
        .source
        .insert("delivery".into(), delivery.name().into());
    record.source.insert("flight".into(), flight.clone());
    record.source.insert("departs_at".into(), stamp(departs_at));
    if let Some(arrives_at) = arrives_at {
        record.source.insert("arrives_at".into(), stamp(arrives_at));
    }
    // One flight is its designator and number on its day of departure: `XX0100` and `XX100`
    // are the same flight, and a departure restated a second later is the same departure, so
    // neither spelling starts a new count of re-checks. A carrier's ICAO designator is
    // replaced by its IATA one when the receipt is checked (`FlightReceipts::check`). The
    // `carrier` entry is left out: spelled otherwise, it would start a count of its own.
    record.source.insert(
        vault::RECEIPT_KEY_SOURCE.to_owned(),
        receipt_key(
            &locator,
            &flight,
            &departs_at.date_naive().to_string(),
            delivery.name(),
        ),
    );
    Ok(())
}

/// A receipt key from its parts: record locator, flight, departure day, delivery.
fn receipt_key(locator: &str, flight: &str, departs_on: &str, delivery: &str) -> String {
    format!("{locator}|{flight}|{departs_on}|{delivery}")
}

/// The vault documents of the registry of carriers (seed 001 paragraph 13), one per system and
/// IATA designator (`cbp-pnr.XX`).
pub const CARRIER_DOCUMENTS: &str = "pnr-carriers";

/// One carrier as CBP's records officers recorded it: its designators and every change of how
/// its PNR comes to CBP. A carrier never recorded is pulled.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierEntry {
    /// The system whose receipts it governs.
    pub system: String,
    /// Its IATA designator (two letters or digits): the one its flights' receipts are
    /// counted under.
    pub iata: String,
    /// Its ICAO designator (three letters), if recorded: a flight named by it is the same
    /// flight as under the IATA one. A flight named by an ICAO designator nobody recorded is
    /// refused.
    pub icao: Option<String>,
    /// Every change, in the order recorded. Never rewritten: a withdrawal does not erase the
    /// days the carrier pushed.
    pub changes: Vec<DeliveryChange>,
}

/// One recorded change of how a carrier's PNR comes to CBP.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryChange {
    /// The day (UTC, from its midnight) from which it holds.
    pub from: NaiveDate,
    /// Whether the carrier pushes from then (else CBP pulls).
    pub pushes: bool,
    /// Why (the carrier's notice, the agreement): kept, listed to records officers, never
    /// logged.
    pub reason: String,
    /// The day it was recorded.
    pub recorded_on: NaiveDate,
}

impl CarrierEntry {
    /// Whether the carrier pushed at `at`: the change recorded last among those in force then
    /// (a later record for an earlier day corrects what was recorded before it).
    pub fn pushes_at(&self, at: DateTime<Utc>) -> bool {
        self.changes
            .iter()
            .rev()
            .find(|change| {
                change
                    .from
                    .and_hms_opt(0, 0, 0)
                    .is_some_and(|midnight| midnight.and_utc() <= at)
            })
            .is_some_and(|change| change.pushes)
    }
}

/// The registry of carriers, every system's, as the vault keeps it (signed). The error is ours:
/// the vault's detail stays in the server's log.
pub fn carrier_registry(vault: &vault::Vault) -> Result<Vec<CarrierEntry>, String> {
    let documents = vault.documents(CARRIER_DOCUMENTS).map_err(|err| {
        tracing::error!(error = %err, "the registry of carriers could not be read");
        "the registry of carriers could not be read".to_owned()
    })?;
    documents
        .into_iter()
        .map(|(_, bytes)| {
            serde_json::from_slice(&bytes)
                .map_err(|_| "an entry of the registry of carriers is not readable".to_owned())
        })
        .collect()
}

/// Paragraph 14 of seed 001 on each flight receipt of a stream: the stored receipts of its
/// flight, counted once per flight when first seen, plus the stream's own admitted since (so a
/// batch committed meanwhile is not counted twice). Two streams pulling the same flight at
/// the same moment each count only their own (docs/reliability.md). The registry of carriers
/// is read again whenever the vault's signed state has changed since it was last read, so a
/// change recorded during a long stream applies to its next receipt.
pub struct FlightReceipts {
    vault: std::sync::Arc<vault::Vault>,
    now: DateTime<Utc>,
    counted: std::collections::HashMap<String, u32>,
    /// The registry as last read, with the signed state's version it was read at.
    registry: Option<(Vec<u8>, Vec<CarrierEntry>)>,
}

impl FlightReceipts {
    /// Receipts checked against `vault`'s stored ones, at `now`.
    pub fn new(vault: std::sync::Arc<vault::Vault>, now: DateTime<Utc>) -> Self {
        FlightReceipts {
            vault,
            now,
            counted: std::collections::HashMap::new(),
            registry: None,
        }
    }

    /// The registry, read again if the signed state moved.
    fn registry(&mut self) -> Result<&[CarrierEntry], String> {
        let version = self.vault.signed_state_version();
        let fresh = self
            .registry
            .as_ref()
            .is_some_and(|(read_at, _)| *read_at == version);
        if !fresh {
            self.registry = Some((version, carrier_registry(&self.vault)?));
        }
        Ok(self
            .registry
            .as_ref()
            .map(|(_, entries)| entries.as_slice())
            .unwrap_or_default())
    }

    /// Whether an admitted record's receipt may be kept (a record without a receipt key
    /// passes). A flight named by a recorded carrier's ICAO designator is keyed under its IATA
    /// one, so the two spellings count as one flight.
    pub fn check(&mut self, record: &mut model::RecordContents) -> Result<(), String> {
        let Some(key) = record.source.get(vault::RECEIPT_KEY_SOURCE).cloned() else {
            return Ok(());
        };
        let flight = record
            .source
            .get("flight")
            .cloned()
            .ok_or("`source.flight` is missing")?;
        let named = designator(&flight).to_owned();
        // What the registry says of the flight's carrier: its IATA designator, and whether it
        // pushed at the receipt time.
        let carrier = self
            .registry()?
            .iter()
            .find(|entry| {
                entry.system == record.system.as_str()
                    && (entry.iata == named || entry.icao.as_deref() == Some(named.as_str()))
            })
            .map(|entry| (entry.iata.clone(), entry.pushes_at(record.collected_at)));
        if named.len() == 3 && carrier.is_none() {
            return Err("a flight named by an ICAO designator is received only for a carrier recorded with it (`POST /v1/pnr-carriers`), so that its two designators count as one flight".into());
        }
        let key = match &carrier {
            Some((iata, _)) if *iata != named => {
                // The key's parts from the right: the locator (the sender's text) may hold `|`.
                let mut parts = key.rsplitn(4, '|');
                let (Some(delivery), Some(day), Some(_), Some(locator)) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    return Err("the receipt key is malformed".into());
                };
                let canonical = format!("{iata}{}", &flight[named.len()..]);
                let rekeyed = receipt_key(locator, &canonical, day, delivery);
                record
                    .source
                    .insert(vault::RECEIPT_KEY_SOURCE.to_owned(), rekeyed.clone());
                rekeyed
            }
            _ => key,
        };
        let time = |key: &str| {
            record
                .source
                .get(key)
                .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                .map(|at| at.with_timezone(&Utc))
        };
        let delivery = record
            .source
            .get("delivery")
            .and_then(|name| policy::pnr::Delivery::from_name(name))
            .unwrap_or(policy::pnr::Delivery::Pull);
        let earlier_pulls = match self.counted.get(&key) {
            Some(count) => *count,
            None => self.vault.receipts_of(&record.system, &key).map_err(|err| {
                tracing::error!(error = %err, "a flight's earlier receipts could not be counted");
                "the flight's earlier receipts could not be counted".to_owned()
            })?,
        };
        let receipt = policy::pnr::Receipt {
            delivery,
            received_at: record.collected_at,
            now: self.now,
            departs_at: time("departs_at").ok_or("`source.departs_at` is missing")?,
            arrives_at: time("arrives_at"),
            earlier_pulls,
            early_ground: record.source.get("early_access").cloned(),
            carrier_pushes: carrier.is_some_and(|(_, pushes)| pushes),
        };
        policy::pnr::receipt(&receipt)?;
        // The key names the delivery: pulls are counted apart from pushes, which have no limit.
        self.counted.insert(key, earlier_pulls + 1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flight_has_one_spelling() {
        let cases = [
            ("XX100", Some("XX100")),
            ("xx0100", Some("XX100")),
            ("9W007A", Some("9W7A")),
            ("BAW0100", Some("BAW100")),
            ("XX0", Some("XX0")),
            ("XX100AB", None),
            ("XX12345", None),
            ("XX", None),
            ("12100", None),
            ("X-100", None),
            ("BAWX100", None),
        ];
        for (flight, expected) in cases {
            assert_eq!(parse_flight(flight).as_deref(), expected, "{flight}");
        }
    }

    #[test]
    fn a_carrier_pushes_as_its_last_record_for_the_day_says() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let at = |d: u32| day(d).and_hms_opt(12, 0, 0).unwrap().and_utc();
        let change = |from: u32, pushes: bool| DeliveryChange {
            from: day(from),
            pushes,
            reason: "notice".into(),
            recorded_on: day(from),
        };
        let entry = CarrierEntry {
            system: "cbp-pnr".into(),
            iata: "YY".into(),
            icao: None,
            // Pushes from the 10th, pulled again from the 20th; then a correction: it pushed
            // from the 5th.
            changes: vec![change(10, true), change(20, false), change(5, true)],
        };
        assert!(!entry.pushes_at(at(4)));
        assert!(entry.pushes_at(at(6)));
        assert!(entry.pushes_at(at(12)));
        // The correction recorded last covers every day from the 5th.
        assert!(entry.pushes_at(at(22)));
        let withdrawn = CarrierEntry {
            changes: vec![change(10, true), change(20, false)],
            ..entry
        };
        assert!(
            withdrawn.pushes_at(at(15)),
            "a withdrawal keeps the days it pushed"
        );
        assert!(!withdrawn.pushes_at(at(21)));
    }
}
