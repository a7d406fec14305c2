//! When CBP may receive a flight's PNR, as pure rules of dates and counts: seed 001 paragraph
//! 14 (and 13, pull until carriers push).
//!
//! "CBP will pull PNR data associated with a particular flight no earlier than 72 hours prior
//! to the departure of that flight, and will re-check the systems no more than three (3) times
//! between the initial pull, the departure of the flight from a foreign point and the flight's
//! arrival in the United States, or between the initial pull and the departure of the flight
//! from the United States, as applicable ... In the event that the air carriers obtain the
//! ability to 'push' PNR data, CBP will need to receive the data 72 hours prior to departure of
//! the flight, provided that all changes to the PNR data which are made between that point and
//! the time of the flight's arrival in or departure from the U.S., are also pushed to CBP. In
//! the unusual event that CBP obtains advance information that person(s) of specific concern
//! may be travelling on a flight to, from or through the U.S., CBP may pull (or request a
//! particular push) of PNR data prior to 72 hours before departure of the flight".

use chrono::{DateTime, Duration, Utc};

/// How long before departure CBP may first receive a flight's PNR (paragraph 14).
pub const HOURS_BEFORE_DEPARTURE: i64 = 72;
/// Re-checks after the initial pull (paragraph 14: "no more than three (3) times").
pub const RECHECKS: u32 = 3;
/// How long after the window closes (arrival in, or departure from, the United States) the
/// vault still takes a receipt (ours). The receipt's time is the sender's word; the vault's own
/// clock bounds how far a pull made after the flight could be backdated into the window.
pub const LATE_INGEST_HOURS: i64 = 24;

/// How the data came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// CBP pulled it from the carrier's reservation system (paragraph 13: until carriers push).
    Pull,
    /// The carrier pushed it.
    Push,
}

impl Delivery {
    /// The code in a record's `source.delivery`.
    pub fn name(self) -> &'static str {
        match self {
            Delivery::Pull => "pull",
            Delivery::Push => "push",
        }
    }

    /// The delivery with this code.
    pub fn from_name(name: &str) -> Option<Self> {
        [Delivery::Pull, Delivery::Push]
            .into_iter()
            .find(|delivery| delivery.name() == name)
    }
}

/// Why CBP received data earlier than 72 hours before departure: the only ground paragraph 14
/// gives.
pub const EARLY_SPECIFIC_CONCERN: &str = "specific-concern";

/// One receipt of a flight's PNR, as the rules see it.
#[derive(Clone, Debug)]
pub struct Receipt {
    /// Pulled or pushed.
    pub delivery: Delivery,
    /// When CBP pulled it or the carrier pushed it.
    pub received_at: DateTime<Utc>,
    /// The vault's time now: a receipt cannot be later than this.
    pub now: DateTime<Utc>,
    /// The flight's departure (from the foreign point, for a flight to the United States).
    pub departs_at: DateTime<Utc>,
    /// Its arrival in the United States, for a flight to it; `None` for a flight from it (the
    /// window then ends at departure).
    pub arrives_at: Option<DateTime<Utc>>,
    /// Pulls of this PNR for this flight already received (the initial pull and re-checks).
    pub earlier_pulls: u32,
    /// The recorded ground for receiving it earlier than 72 hours before departure, if any.
    pub early_ground: Option<String>,
    /// Whether the flight's carrier pushed its PNR to CBP at the receipt time, as CBP's records
    /// officers recorded it. Paragraph 13: CBP pulls until a carrier pushes; the sender's
    /// `delivery` is checked against this, never believed on its own.
    pub carrier_pushes: bool,
}

/// What the rules say of a receipt that may be kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// Within the window: the initial pull or push (0) or the n-th re-check or pushed change.
    InWindow,
    /// Before the window, on advance information about persons of specific concern.
    Early,
    /// In the window, pulled from a carrier that pushes, on advance information about persons
    /// of specific concern ("CBP may pull (or request a particular push)").
    PulledOnSpecificConcern,
}

/// Whether a receipt may be kept, or why not (the message names the rule, never a value).
pub fn receipt(receipt: &Receipt) -> Result<Accepted, String> {
    let ends_at = receipt.arrives_at.unwrap_or(receipt.departs_at);
    if ends_at < receipt.departs_at {
        return Err(
            "the flight arrives before it departs (`arrives_at` before `departs_at`)".into(),
        );
    }
    if receipt.received_at > receipt.now + Duration::minutes(5) {
        return Err("the receipt time is in the future".into());
    }
    if receipt.received_at > ends_at {
        return Err(match receipt.arrives_at {
            Some(_) => "received after the flight's arrival in the United States: paragraph 14 allows re-checks and pushed changes only until then",
            None => "received after the flight's departure from the United States: paragraph 14 allows re-checks and pushed changes only until then",
        }
        .into());
    }
    if receipt.now > ends_at + Duration::hours(LATE_INGEST_HOURS) {
        return Err(format!(
            "reached the vault more than {LATE_INGEST_HOURS} hours after the flight's {}: its receipt time cannot be taken on the sender's word so long after paragraph 14's window closed",
            if receipt.arrives_at.is_some() { "arrival in the United States" } else { "departure from the United States" }
        ));
    }
    let specific_concern = receipt.early_ground.as_deref() == Some(EARLY_SPECIFIC_CONCERN);
    let mut pulled_on_concern = false;
    match receipt.delivery {
        Delivery::Push if !receipt.carrier_pushes => {
            return Err("pushed, but the flight's carrier is not recorded as pushing its PNR at that time (paragraph 13: CBP pulls until a carrier pushes; a records officer records the carriers that push)".into());
        }
        Delivery::Pull if receipt.carrier_pushes => {
            if !specific_concern {
                return Err(format!("pulled, but the flight's carrier pushes its PNR (paragraph 13: CBP pulls only until a carrier pushes; paragraph 14 leaves a pull to advance information about persons of specific concern, `early_access` `{EARLY_SPECIFIC_CONCERN}`)"));
            }
            pulled_on_concern = true;
        }
        _ => {}
    }
    let opens_at = receipt.departs_at - Duration::hours(HOURS_BEFORE_DEPARTURE);
    let early = receipt.received_at < opens_at || receipt.now < opens_at;
    if early {
        match receipt.early_ground.as_deref() {
            Some(EARLY_SPECIFIC_CONCERN) => {}
            Some(_) => {
                return Err(format!(
                    "earlier than {HOURS_BEFORE_DEPARTURE} hours before departure the only ground is `{EARLY_SPECIFIC_CONCERN}` (paragraph 14: advance information that persons of specific concern may be travelling)"
                ))
            }
            None => {
                return Err(format!(
                    "{} earlier than {HOURS_BEFORE_DEPARTURE} hours before the flight's departure (paragraph 14), and no advance information about persons of specific concern is recorded (`early_access`)",
                    match receipt.delivery {
                        Delivery::Pull => "pulled",
                        Delivery::Push => "pushed",
                    }
                ))
            }
        }
    }
    if receipt.delivery == Delivery::Pull && receipt.earlier_pulls > RECHECKS {
        return Err(format!(
            "the initial pull and {RECHECKS} re-checks of this flight's PNR were made: paragraph 14 allows no more"
        ));
    }
    Ok(if early {
        Accepted::Early
    } else if pulled_on_concern {
        Accepted::PulledOnSpecificConcern
    } else {
        Accepted::InWindow
    })
}

#[cfg(test)]
mod tests;
