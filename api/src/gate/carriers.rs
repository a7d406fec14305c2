//! The registry of carriers that push their PNR to CBP (seed 001 paragraph 13: "CBP will
//! 'pull' passenger information from air carrier reservation systems until such time as air
//! carriers are able to implement a system to 'push' the data to CBP"). CBP's records officers
//! record which carrier pushes and since when; the receipt check (`lines::FlightReceipts`)
//! reads it instead of the sender's `delivery`.

use super::*;
use crate::lines::{carrier_registry, CarrierDelivery, CARRIER_DOCUMENTS};

/// What a records officer records of one carrier.
pub struct CarrierInput<'a> {
    /// The system whose receipts it governs (one with receipts by flight).
    pub system: &'a str,
    /// The carrier's designator: IATA (two letters or digits) or ICAO (three letters).
    pub carrier: &'a str,
    /// The day (UTC) from which it pushes; `None`: CBP pulls from it again.
    pub pushes_since: Option<NaiveDate>,
    /// Why (the carrier's notice, the agreement): at most 500 characters on one line.
    pub reason: &'a str,
}

/// The longest reason kept.
const MAX_REASON: usize = 500;

impl Gate {
    /// Records how a carrier's PNR comes to CBP, as one logged, signed change of the registry
    /// (the log names the system, the carrier's designator and the day, never the reason).
    pub fn record_carrier_delivery(
        &self,
        caller: &Caller,
        context: &RequestContext,
        input: &CarrierInput<'_>,
    ) -> Result<CarrierDelivery, Refusal> {
        let request = self.request(caller, Action::RecordConfigureReceipts, input.system);
        let (access, _) = self.authorize(caller, context, &request)?;
        self.check_takes_flight_receipts(input.system)?;
        let carrier = input.carrier.trim().to_ascii_uppercase();
        let bytes = carrier.as_bytes();
        let iata = bytes.len() == 2 && bytes.iter().all(u8::is_ascii_alphanumeric);
        let icao = bytes.len() == 3 && bytes.iter().all(u8::is_ascii_alphabetic);
        if !(iata || icao) {
            return Err(Refusal::Invalid(
                "`carrier` is the carrier's designator: IATA (two letters or digits) or ICAO (three letters)".into(),
            ));
        }
        let today = self.now().date_naive();
        if let Some(since) = input.pushes_since {
            let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
            if since < earliest || since > today + chrono::Days::new(366) {
                return Err(Refusal::Invalid(
                    "`pushes_since` is a day from 2000-01-01 to a year from today".into(),
                ));
            }
        }
        let reason = input.reason.trim();
        if reason.is_empty()
            || reason.chars().count() > MAX_REASON
            || reason.chars().any(char::is_control)
        {
            return Err(Refusal::Invalid(format!(
                "`reason` says why (the carrier's notice, the agreement): 1 to {MAX_REASON} characters on one line"
            )));
        }
        let entry = CarrierDelivery {
            system: input.system.to_owned(),
            carrier: carrier.clone(),
            pushes_since: input.pushes_since,
            reason: reason.to_owned(),
            recorded_on: today,
        };
        let bytes = serde_json::to_vec(&entry)
            .map_err(|_| Refusal::Internal("a carrier's entry could not be written".into()))?;
        let outcome = match input.pushes_since {
            Some(since) => format!(
                "carrier {carrier} of `{}` pushes since {since}",
                input.system
            ),
            None => format!("carrier {carrier} of `{}` is pulled", input.system),
        };
        self.vault.put_document(
            &access,
            CARRIER_DOCUMENTS,
            &format!("{}.{carrier}", input.system),
            &bytes,
            ("receipts.configure", outcome),
            self.now(),
        )?;
        Ok(entry)
    }

    /// The carriers recorded for `system`, for its records officers (the listing is logged).
    pub fn carrier_deliveries(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
    ) -> Result<Vec<CarrierDelivery>, Refusal> {
        let request = self.request(caller, Action::RecordConfigureReceipts, system);
        let (access, _) = self.authorize(caller, context, &request)?;
        self.check_takes_flight_receipts(system)?;
        let listed: Vec<CarrierDelivery> = carrier_registry(&self.vault)
            .map_err(Refusal::Internal)?
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
            Err(Refusal::Invalid(format!(
                "`{system}` takes no receipts by flight"
            )))
        }
    }
}
