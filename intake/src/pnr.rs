//! Passenger Name Records as carriers push them (seed 001, Attachment A): one PNR per JSON
//! line, keyed by the 34 data elements, mapped to `pnr` records of the CBP PNR system
//! (`model::RecordContents`). The key names are ours (the Undertakings list the elements, not a
//! format); each PNR is answered with its line and key. The sensitive-data filter is the
//! notice's and is applied at admission, to the record and to the raw message alike, before
//! anything is stored.
//!
//! Besides the elements, a PNR names its `carrier` (IATA code, required) and may give
//! `pulled_at` (RFC 3339: when CBP pulled it, or the carrier pushed it; default the filing
//! day, and required for a PNR of a flight) and `crew: true`. Its receipt is timed and counted by paragraph 14 of seed 001 (the
//! gate checks it): `flight` (`XX100`) and `departs_at` (RFC 3339), `arrives_at` for a flight
//! to the United States, `delivery` (`pull`, the default, or `push`), and for a receipt
//! earlier than 72 hours before departure `early_access` (`specific-concern`) with
//! `early_case`, the case the advance information is recorded in. They become the record's
//! `source` entries of the same names.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use model::{Identifier, IdentifierKind, RecordContents};
use serde_json::Value;

use crate::ParseError;

/// The 34 data elements of Attachment A, by number, as keys (4, the name, is the subject's).
pub const ELEMENTS: [(u8, &str); 34] = [
    (1, "record_locator"),
    (2, "reservation_date"),
    (3, "travel_dates"),
    (4, "name"),
    (5, "other_names"),
    (6, "address"),
    (7, "payment"),
    (8, "billing_address"),
    (9, "telephone"),
    (10, "itinerary"),
    (11, "frequent_flyer"),
    (12, "travel_agency"),
    (13, "travel_agent"),
    (14, "code_share"),
    (15, "travel_status"),
    (16, "split_pnr"),
    (17, "email"),
    (18, "ticketing"),
    (19, "general_remarks"),
    (20, "ticket_number"),
    (21, "seat_number"),
    (22, "ticket_issue_date"),
    (23, "no_show_history"),
    (24, "bag_tags"),
    (25, "go_show"),
    (26, "osi"),
    (27, "ssi_ssr"),
    (28, "received_from"),
    (29, "history"),
    (30, "traveler_count"),
    (31, "seat_information"),
    (32, "one_way"),
    (33, "apis"),
    (34, "atfq"),
];

/// Keys a PNR may have besides the elements.
const ENVELOPE: [&str; 9] = [
    "carrier",
    "pulled_at",
    "crew",
    "flight",
    "departs_at",
    "arrives_at",
    "delivery",
    "early_access",
    "early_case",
];

/// The envelope keys that become `source` entries as they are (the gate checks them).
const RECEIPT_KEYS: [&str; 6] = [
    "flight",
    "departs_at",
    "arrives_at",
    "delivery",
    "early_access",
    "early_case",
];

/// Parses PNRs, one JSON object per line (blank lines skipped), into records collected
/// on `received_on` unless a PNR says when it was pulled. Each result comes with its line's
/// text: the raw message, and its location (`line N`).
pub fn parse(text: &str, received_on: NaiveDate) -> Vec<(Result<Located, ParseError>, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let at = |key: Option<&str>| match key {
                Some(key) => format!("line {}, key {key}", index + 1),
                None => format!("line {}", index + 1),
            };
            let record = pnr(line, received_on)
                .map(|record| (at(None), record))
                .map_err(|(key, reason)| ParseError {
                    location: at(key),
                    reason,
                });
            (record, line.trim_end_matches('\r').to_owned())
        })
        .collect()
}

type Failure = (Option<&'static str>, String);

/// A record with its location (`line N`).
pub type Located = (String, RecordContents);

/// An element's value as text: strings as they are, numbers and booleans written out, lists
/// one item per line, objects as compact JSON.
fn element_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        Value::Array(items) => {
            let lines: Vec<String> = items.iter().filter_map(element_text).collect();
            Some(lines.join("\n"))
        }
        Value::Object(_) => Some(value.to_string()),
    }
    .filter(|text| !text.trim().is_empty())
}

fn pnr(line: &str, received_on: NaiveDate) -> Result<RecordContents, Failure> {
    let value: Value = serde_json::from_str(line).map_err(|err| {
        (
            None,
            format!("not JSON (column {} of the line)", err.column()),
        )
    })?;
    let Value::Object(object) = value else {
        return Err((None, "a line is one PNR, a JSON object".into()));
    };
    let element = |key: &str| ELEMENTS.iter().find(|(_, name)| *name == key);
    for key in object.keys() {
        if element(key).is_none() && !ENVELOPE.contains(&key.as_str()) {
            return Err((
                None,
                format!(
                    "`{}` is not a data element of Attachment A (keys: {}, and {})",
                    crate::token(key),
                    ELEMENTS
                        .iter()
                        .map(|(_, name)| *name)
                        .collect::<Vec<_>>()
                        .join(", "),
                    ENVELOPE.join(", ")
                ),
            ));
        }
    }
    let carrier = object
        .get("carrier")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|code| {
            (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric())
        })
        .ok_or((
            Some("carrier"),
            "the carrier is its IATA or ICAO code (2 or 3 letters or digits)".to_owned(),
        ))?
        .to_ascii_uppercase();
    let collected_at = match object.get("pulled_at") {
        // Paragraph 14 of seed 001 times a flight's receipt from its departure and arrival: the
        // filing day alone would time it at midnight, before a pull made after the flight landed.
        None if object.contains_key("flight") => {
            return Err((
                Some("pulled_at"),
                "a PNR of a flight gives `pulled_at`, the RFC 3339 time CBP pulled it or the carrier pushed it (seed 001 paragraph 14)".into(),
            ))
        }
        None => crate::midnight(received_on),
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(text)
            .map_err(|_| (Some("pulled_at"), "the pull time is RFC 3339".to_owned()))?
            .with_timezone(&Utc),
        Some(_) => return Err((Some("pulled_at"), "the pull time is RFC 3339".into())),
    };
    if object
        .get("record_locator")
        .and_then(element_text)
        .is_none()
    {
        return Err((
            Some("record_locator"),
            "element 1, the record locator, is required".into(),
        ));
    }
    let name = object
        .get("name")
        .and_then(element_text)
        .ok_or((Some("name"), "element 4, the name, is required".to_owned()))?;
    let mut identifiers = Vec::new();
    if let Some(apis) = object.get("apis").and_then(Value::as_object) {
        // APIS (element 33) carries the travel document: the subject's identifiers.
        let text = |key: &str| apis.get(key).and_then(Value::as_str).map(str::trim);
        match (text("passport_number"), text("passport_country")) {
            (Some(number), Some(country)) => {
                identifiers.push(Identifier::passport(number, country));
            }
            (None, None) => {}
            _ => {
                return Err((
                    Some("apis"),
                    "a passport in APIS needs passport_number and passport_country".into(),
                ))
            }
        }
        if let Some(born) = text("date_of_birth") {
            identifiers.push(Identifier::new(IdentifierKind::DateOfBirth, born));
        }
    }
    let mut fields = BTreeMap::new();
    for (number, key) in ELEMENTS {
        if key == "name" {
            continue;
        }
        if let Some(text) = object.get(key).and_then(element_text) {
            if text.len() > 16 * 1024 {
                return Err((Some(key), format!("element {number} is longer than 16 KiB")));
            }
            fields.insert(key.into(), text);
        }
    }
    let crew = object.get("crew").and_then(Value::as_bool).unwrap_or(false);
    let mut source = BTreeMap::from([
        ("format".to_owned(), "pnr".to_owned()),
        ("carrier".to_owned(), carrier),
        ("received_on".to_owned(), received_on.to_string()),
    ]);
    for key in RECEIPT_KEYS {
        match object.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) => {
                source.insert(key.to_owned(), text.clone());
            }
            Some(_) => return Err((Some(key), format!("`{key}` is a string"))),
        }
    }
    let role = if crew { "crew" } else { "passenger" };
    crate::record(
        "cbp-pnr",
        "pnr",
        collected_at,
        source,
        vec![crate::subject(role, Some(name), identifiers)],
        fields,
    )
    .map_err(|reason| (None, reason))
}

#[cfg(test)]
mod tests;
