//! The registry of carriers (seed 001 paragraph 13: "CBP will 'pull' passenger information
//! from air carrier reservation systems until such time as air carriers are able to implement
//! a system to 'push' the data to CBP"). CBP's records officers record each carrier's
//! designators and from which day it pushes or is pulled; the receipt check
//! (`lines::FlightReceipts`) reads it instead of the sender's `delivery`, and counts a flight
//! named by either designator as one.

use super::*;
use crate::lines::{carrier_registry, CarrierEntry, DeliveryChange, CARRIER_DOCUMENTS};
use privacy::documents::Documents as _;

/// An IATA designator in capitals, or `None` if `text` is not one: two letters or digits, not
/// both digits, in either case (no spaces around it).
pub fn iata_designator(text: &str) -> Option<String> {
    let ok = text.len() == 2
        && text.bytes().all(|b| b.is_ascii_alphanumeric())
        && !text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.to_ascii_uppercase())
}

/// An ICAO designator in capitals, or `None` if `text` is not one: three letters, in either
/// case.
pub fn icao_designator(text: &str) -> Option<String> {
    let ok = text.len() == 3 && text.bytes().all(|b| b.is_ascii_alphabetic());
    ok.then(|| text.to_ascii_uppercase())
}

/// What a records officer records of one carrier.
pub struct CarrierInput<'a> {
    /// The system whose receipts it governs (one with receipts by flight).
    pub system: &'a str,
    /// The carrier's IATA designator (two letters or digits).
    pub carrier: &'a str,
    /// Its ICAO designator (three letters), if it has one.
    pub icao: Option<&'a str>,
    /// Whether it pushes from `from` (else CBP pulls).
    pub pushes: bool,
    /// The day (UTC) from which it holds.
    pub from: NaiveDate,
    /// Why (the carrier's notice, the agreement): 1 to 500 characters on one line
    /// (`vault::is_one_line`).
    pub reason: &'a str,
}

impl Gate {
    /// Records a change of how a carrier's PNR comes to CBP (appended to its history, never
    /// rewriting it), as one logged, signed change of the registry. The log names the system,
    /// the designators and the day, never the reason; a designator is two or three letters or
    /// digits, which no personal identifier fits.
    pub fn record_carrier_delivery(
        &self,
        caller: &Caller,
        context: &RequestContext,
        input: &CarrierInput<'_>,
    ) -> Result<CarrierEntry, Refusal> {
        let request = self.request(caller, Action::RecordConfigureReceipts, input.system);
        let (access, _) = self.authorize(caller, context, &request)?;
        // What breaks the document's patterns (400) before the rules that depend on the
        // catalog or the day (422). A designator is taken in either case, as written: no
        // spaces around it.
        let iata = iata_designator(input.carrier).ok_or_else(|| {
            Refusal::Invalid(
                "`carrier` is the carrier's IATA designator: two letters or digits, not both digits".into(),
            )
        })?;
        let icao = input
            .icao
            .map(|code| {
                icao_designator(code).ok_or_else(|| {
                    Refusal::Invalid(
                        "`icao` is the carrier's ICAO designator: three letters".into(),
                    )
                })
            })
            .transpose()?;
        if !vault::is_one_line(input.reason) {
            return Err(Refusal::Invalid(
                "`reason` says why (the carrier's notice, the agreement): 1 to 500 characters on one line".into(),
            ));
        }
        let reason = input.reason.trim();
        self.check_takes_flight_receipts(input.system)?;
        let today = self.now().date_naive();
        let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
        if input.from < earliest || input.from > today + chrono::Days::new(366) {
            return Err(Refusal::Unprocessable(
                "`from` is a day from 2000-01-01 to a year from today".into(),
            ));
        }
        // It guards no data, so a panic while it was held leaves nothing to distrust.
        let _one_change_at_a_time = self
            .carrier_writes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let registry = carrier_registry(&self.vault).map_err(Refusal::internal)?;
        if let Some(code) = &icao {
            let taken = registry.iter().any(|entry| {
                entry.system == input.system
                    && entry.iata != iata
                    && entry.icao.as_deref() == Some(code.as_str())
            });
            if taken {
                return Err(Refusal::Conflict(
                    "that ICAO designator is recorded for another carrier".into(),
                ));
            }
        }
        let mut entry = registry
            .into_iter()
            .find(|entry| entry.system == input.system && entry.iata == iata)
            .unwrap_or_else(|| CarrierEntry {
                system: input.system.to_owned(),
                iata: iata.clone(),
                icao: None,
                changes: Vec::new(),
            });
        if icao.is_some() {
            entry.icao = icao;
        }
        entry.changes.push(DeliveryChange {
            from: input.from,
            pushes: input.pushes,
            reason: reason.to_owned(),
            recorded_on: today,
        });
        let bytes = serde_json::to_vec(&entry)
            .map_err(|_| Refusal::Internal("a carrier's entry could not be written".into()))?;
        let outcome = format!(
            "carrier {iata}{} of `{}` {} from {}",
            entry
                .icao
                .as_deref()
                .map(|code| format!(" ({code})"))
                .unwrap_or_default(),
            input.system,
            if input.pushes { "pushes" } else { "is pulled" },
            input.from
        );
        self.vault.put_document(
            &access,
            CARRIER_DOCUMENTS,
            &format!("{}.{iata}", input.system),
            &bytes,
            ("receipts.configure", outcome),
            self.now(),
        )?;
        Ok(entry)
    }

    /// The carriers recorded for `system`, with their histories, for its records officers
    /// (the listing is logged).
    pub fn carrier_deliveries(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
    ) -> Result<Vec<CarrierEntry>, Refusal> {
        let request = self.request(caller, Action::RecordConfigureReceipts, system);
        let (access, _) = self.authorize(caller, context, &request)?;
        self.check_takes_flight_receipts(system)?;
        let listed: Vec<CarrierEntry> = carrier_registry(&self.vault)
            .map_err(Refusal::internal)?
            .into_iter()
            .filter(|entry| entry.system == system)
            .collect();
        self.vault.record_listing(
            &access,
            "receipts.list",
            Vec::new(),
            &format!("{} carriers of `{system}`", listed.len()),
            self.now(),
        )?;
        Ok(listed)
    }

    /// Refuses a system without receipts by flight (the registry is for those only).
    fn check_takes_flight_receipts(&self, system: &str) -> Result<(), Refusal> {
        let takes = self.policy.catalog().system(system).is_some_and(|known| {
            known
                .sorn
                .categories
                .iter()
                .any(|category| category.get_ref().receipts_by_flight)
        });
        if takes {
            Ok(())
        } else {
            Err(Refusal::Unprocessable(format!(
                "`{system}` takes no receipts by flight"
            )))
        }
    }
}
