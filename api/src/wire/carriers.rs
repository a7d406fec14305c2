//! The registry of carriers of a system with receipts by flight (PNR, seed 001 paragraph 13):
//! a change of how a carrier's PNR comes, and the registry as its records officers see it.

use super::*;

/// The grammar of an IATA designator: two letters or digits, not both digits (either case).
pub const IATA_PATTERN: &str = "^(?:[A-Za-z][A-Za-z0-9]|[0-9][A-Za-z])$";

/// The grammar of an ICAO designator: three letters (either case).
pub const ICAO_PATTERN: &str = "^[A-Za-z]{3}$";

fn iata_schema() -> Object {
    pattern_schema(
        IATA_PATTERN,
        2,
        "the carrier's IATA designator: two letters or digits, not both digits",
    )
}

fn icao_schema() -> Object {
    or_null(pattern_schema(
        ICAO_PATTERN,
        3,
        "the carrier's ICAO designator: three letters; its flights count as the same flights as under the IATA one (409 if it is another carrier's)",
    ))
}

fn from_schema() -> Object {
    let mut schema = date_schema();
    schema.description = Some(
        "the day (UTC) from which it holds: from 2000-01-01 to a year from today (422 otherwise)"
            .into(),
    );
    schema
}

fn carrier_system_schema() -> Object {
    let mut schema = system_schema();
    schema.description = Some(
        "a system with receipts by flight (`cbp-pnr`); another is 422, one the vault does not keep 403"
            .into(),
    );
    schema
}

/// A change of how a carrier's PNR comes (`POST /v1/pnr-carriers`): from which day it pushes
/// (`pushes: true`) or is pulled, appended to its history.
// No `Debug`: the reason is the caller's own text.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarrierChange {
    /// The system.
    #[schema(schema_with = carrier_system_schema)]
    pub system: String,
    /// The carrier's IATA designator.
    #[schema(schema_with = iata_schema)]
    pub carrier: String,
    /// Its ICAO designator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = icao_schema)]
    pub icao: Option<String>,
    /// Whether it pushes from `from` (else CBP pulls).
    pub pushes: bool,
    /// The day from which it holds.
    #[schema(schema_with = from_schema)]
    pub from: String,
    /// Why (the carrier's notice, the agreement): kept and listed to records officers, never
    /// logged nor echoed.
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

/// One recorded change, as its answer shows it: without the reason.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordedChange {
    /// The day from which it holds.
    #[schema(schema_with = date_schema)]
    pub from: String,
    /// Whether the carrier pushes from then.
    pub pushes: bool,
    /// The day it was recorded.
    #[schema(schema_with = date_schema)]
    pub recorded_on: String,
}

/// A carrier after a change: its designators and every change recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CarrierRecorded {
    /// The system.
    pub system: String,
    /// Its IATA designator, in capitals.
    pub carrier: String,
    /// Its ICAO designator, in capitals, if recorded.
    pub icao: Option<String>,
    /// Every change, in the order recorded (the reasons are not echoed).
    pub changes: Vec<RecordedChange>,
}

/// One recorded change, as the registry lists it to the records officers.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ListedChange {
    /// The day from which it holds.
    #[schema(schema_with = date_schema)]
    pub from: String,
    /// Whether the carrier pushes from then.
    pub pushes: bool,
    /// Why.
    pub reason: String,
    /// The day it was recorded.
    #[schema(schema_with = date_schema)]
    pub recorded_on: String,
}

/// A carrier as the registry holds it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct CarrierView {
    /// The system.
    pub system: String,
    /// Its IATA designator.
    pub iata: String,
    /// Its ICAO designator, if recorded.
    pub icao: Option<String>,
    /// Every change, in the order recorded.
    pub changes: Vec<ListedChange>,
}

/// The carriers recorded for a system (`GET /v1/pnr-carriers`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct Carriers {
    /// The registry.
    pub carriers: Vec<CarrierView>,
}

impl CarrierRecorded {
    /// `entry` as its answer shows it.
    pub fn of(entry: &gate::lines::CarrierEntry) -> Self {
        CarrierRecorded {
            system: entry.system.clone(),
            carrier: entry.iata.clone(),
            icao: entry.icao.clone(),
            changes: entry
                .changes
                .iter()
                .map(|change| RecordedChange {
                    from: change.from.to_string(),
                    pushes: change.pushes,
                    recorded_on: change.recorded_on.to_string(),
                })
                .collect(),
        }
    }
}

impl CarrierView {
    /// `entry` as the registry lists it.
    pub fn of(entry: &gate::lines::CarrierEntry) -> Self {
        CarrierView {
            system: entry.system.clone(),
            iata: entry.iata.clone(),
            icao: entry.icao.clone(),
            changes: entry
                .changes
                .iter()
                .map(|change| ListedChange {
                    from: change.from.to_string(),
                    pushes: change.pushes,
                    reason: change.reason.clone(),
                    recorded_on: change.recorded_on.to_string(),
                })
                .collect(),
        }
    }
}
