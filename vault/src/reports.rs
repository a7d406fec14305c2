//! Reports of one funds transfer: deduplication within a window, conflicting reports kept and
//! linked, cover payments linked to the transfer they cover.
//!
//! Intake names, in a record's provenance, the transfer it reports (`transfer_key`: the UETR, or
//! the sender's BIC and reference), what two reports of that transfer must agree on
//! (`transfer_match`: value date, currency, amount, parties), how far apart two reports may
//! be collected and still be of one transfer (`transfer_window_days`, from the system's
//! notice), and for a cover payment the key of the transfer it covers (`covers`). Before a
//! batch is sealed the vault finds the earlier reports of each transfer within the window,
//! stored, earlier in the batch, or in a batch still being synced:
//! - one that agrees makes this report a duplicate: not stored, answered with the first's id;
//! - ones that disagree make this report stored and linked to them (`conflicts_with`), never
//!   merged;
//! - a cover payment is linked to the records of the transfer it covers (`covers_records`), and
//!   a transfer to the covers stored before it (`covered_by_records`).
//!
//! The keys are indexed as blind tokens under the index period's keys, like identifiers, so
//! the store never holds a reference in the clear and the keys go with the period.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};

use crate::error::{Error, Result};
use crate::log::Ticket;
use crate::record::{RecordContents, RecordId};
use crate::store::Column;
use crate::vault::Vault;

/// Provenance entry naming the transfer a record reports (set by intake).
pub const TRANSFER_KEY_SOURCE: &str = "transfer_key";
/// Provenance entry holding what two reports of one transfer must agree on (set by intake).
pub const TRANSFER_MATCH_SOURCE: &str = "transfer_match";
/// Provenance entry holding the window, in days, within which reports are of one transfer
/// (set from the system's notice).
pub const TRANSFER_WINDOW_SOURCE: &str = "transfer_window_days";
/// Provenance entry of a cover payment naming the key of the transfer it covers.
pub const COVERS_SOURCE: &str = "covers";
/// Set by the vault: the ids of earlier reports of the transfer that disagree with this one.
pub const CONFLICTS_WITH_SOURCE: &str = "conflicts_with";
/// Set by the vault on a cover payment: the ids of the records of the transfer it covers.
pub const COVERS_RECORDS_SOURCE: &str = "covers_records";
/// Set by the vault on a transfer: the ids of the cover payments stored before it.
pub const COVERED_BY_SOURCE: &str = "covered_by_records";

/// The index kind of transfer keys.
pub(crate) const TRANSFER_KIND: u8 = 10;
/// The index kind of a transfer key with what must agree: equal tokens mean identical reports.
pub(crate) const TRANSFER_MATCH_KIND: u8 = 11;
/// The longest window a notice may set (ten years).
const MAX_WINDOW_DAYS: i64 = 3653;
/// Prefix of a cover payment's own transfer key, so it is never a duplicate of its underlying
/// transfer's report (they share the UETR).
const COVER_PREFIX: &str = "cover:";

/// A record's report of a transfer, read from its provenance.
pub(crate) struct ReportKey {
    pub(crate) key: String,
    pub(crate) matched: String,
    window_ms: i64,
    covers: Option<String>,
}

impl ReportKey {
    /// The record's report key, if intake gave it one; a key without its match and window is
    /// refused.
    pub(crate) fn of(record: &RecordContents) -> Result<Option<ReportKey>> {
        let Some(key) = record
            .source
            .get(TRANSFER_KEY_SOURCE)
            .map(|key| key.trim())
            .filter(|key| !key.is_empty())
        else {
            return Ok(None);
        };
        let matched = record.source.get(TRANSFER_MATCH_SOURCE).ok_or_else(|| {
            Error::Invalid(format!(
                "source.{TRANSFER_KEY_SOURCE} needs source.{TRANSFER_MATCH_SOURCE}"
            ))
        })?;
        let window_days = record
            .source
            .get(TRANSFER_WINDOW_SOURCE)
            .and_then(|days| days.trim().parse::<i64>().ok())
            .filter(|days| (1..=MAX_WINDOW_DAYS).contains(days))
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "source.{TRANSFER_KEY_SOURCE} needs source.{TRANSFER_WINDOW_SOURCE}, a whole number of days from 1 to {MAX_WINDOW_DAYS}"
                ))
            })?;
        Ok(Some(ReportKey {
            key: key.to_owned(),
            matched: matched.trim().to_owned(),
            window_ms: window_days * 86_400_000,
            covers: record
                .source
                .get(COVERS_SOURCE)
                .map(|covers| covers.trim().to_owned())
                .filter(|covers| !covers.is_empty()),
        }))
    }

    /// The form of the match index: the key with what must agree.
    pub(crate) fn match_form(&self) -> String {
        format!("{}\u{1f}{}", self.key, self.matched)
    }
}

/// The (kind, form) entries a record's report key is indexed under.
pub(crate) fn report_forms(record: &RecordContents) -> Vec<(u8, String)> {
    match ReportKey::of(record) {
        Ok(Some(report)) => vec![
            (TRANSFER_MATCH_KIND, report.match_form()),
            (TRANSFER_KIND, report.key),
        ],
        _ => Vec::new(),
    }
}

/// An earlier report: in this batch (by position among the records given) or stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Earlier {
    Batch(usize),
    Stored(RecordId),
}

/// What the vault found for one record.
#[derive(Default)]
pub(crate) struct Found {
    /// An identical earlier report: this one is not stored.
    pub(crate) duplicate_of: Option<Earlier>,
    pub(crate) conflicts: Vec<Earlier>,
    pub(crate) covers: Vec<Earlier>,
    pub(crate) covered_by: Vec<Earlier>,
}

/// A report in a batch submitted but maybe not yet durable: a batch prepared meanwhile waits
/// for it before counting it.
pub(crate) struct InFlight {
    matched: String,
    collected_ms: i64,
    id: RecordId,
    ticket: Ticket,
}

/// The reports of batches being synced, by system number and transfer key. Held from a
/// batch's resolution until it is queued, so two batches never both take themselves for the
/// first report.
#[derive(Default)]
pub(crate) struct ReportsInFlight {
    by_key: HashMap<(u16, String), Vec<InFlight>>,
}

// Shows counts only: the keys name transfers.
impl std::fmt::Debug for ReportsInFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reports: usize = self.by_key.values().map(Vec::len).sum();
        f.debug_struct("ReportsInFlight")
            .field("reports", &reports)
            .finish()
    }
}

impl ReportsInFlight {
    /// Forgets reports whose batch has an outcome: stored ones are found in the store now.
    fn prune(&mut self) {
        for reports in self.by_key.values_mut() {
            reports.retain(|report| !report.ticket.is_resolved());
        }
        self.by_key.retain(|_, reports| !reports.is_empty());
    }

    /// Remembers a queued batch's reports: (system, key, match, collection ms, id).
    pub(crate) fn add(
        &mut self,
        reports: Vec<(u16, String, String, i64, RecordId)>,
        ticket: &Ticket,
    ) {
        for (system, key, matched, collected_ms, id) in reports {
            self.by_key
                .entry((system, key))
                .or_default()
                .push(InFlight {
                    matched,
                    collected_ms,
                    id,
                    ticket: ticket.clone(),
                });
        }
    }
}

/// A report kept earlier in the batch: its position, match and collection time (ms).
type BatchReport<'a> = (usize, &'a str, i64);

fn within(window_ms: i64, a_ms: i64, b_ms: i64) -> bool {
    (a_ms - b_ms).abs() <= window_ms
}

impl Vault {
    /// Finds, for each record of a batch with a report key, the earlier reports of its
    /// transfer. `None` when no record carries a key.
    pub(crate) fn resolve_reports(
        &self,
        records: &[RecordContents],
        in_flight: &mut ReportsInFlight,
    ) -> Result<Option<Vec<Found>>> {
        let mut keys = Vec::with_capacity(records.len());
        for (position, record) in records.iter().enumerate() {
            keys.push(ReportKey::of(record).map_err(|err| match err {
                Error::Invalid(reason) => {
                    Error::Invalid(format!("record {}: {reason}", position + 1))
                }
                other => other,
            })?);
        }
        if keys.iter().all(Option::is_none) {
            return Ok(None);
        }
        in_flight.prune();
        // Reports kept so far in this batch, by (system, key): (position, match, collected ms).
        let mut batch: HashMap<(&str, &str), Vec<BatchReport<'_>>> = HashMap::new();
        let mut found: Vec<Found> = Vec::with_capacity(records.len());
        for (position, (record, report)) in records.iter().zip(&keys).enumerate() {
            let mut this = Found::default();
            let Some(report) = report else {
                found.push(this);
                continue;
            };
            let system = record.system.as_str();
            let at = record.collected_at.timestamp_millis();
            let system_no = self.system_number(&record.system)?;
            let earlier = self.reports_of(
                system_no,
                &report.key,
                at,
                report.window_ms,
                batch.get(&(system, report.key.as_str())),
                in_flight,
            )?;
            // A stored report's match is known through its own match index entry.
            let identical_stored = match system_no {
                Some(no) if earlier.iter().any(|(_, matched)| matched.is_none()) => self
                    .hits_within(
                        no,
                        TRANSFER_MATCH_KIND,
                        &report.match_form(),
                        at,
                        report.window_ms,
                    )?,
                _ => Vec::new(),
            };
            let identical = earlier
                .iter()
                .find(|(earlier, matched)| match (earlier, matched) {
                    (_, Some(matched)) => *matched == report.matched,
                    (Earlier::Stored(id), None) => identical_stored.contains(id),
                    (Earlier::Batch(_), None) => false,
                })
                .map(|(earlier, _)| *earlier);
            if let Some(first) = identical {
                this.duplicate_of = Some(first);
                found.push(this);
                continue;
            }
            this.conflicts = earlier.into_iter().map(|(e, _)| e).collect();
            let (linked_key, cover_side) = match &report.covers {
                Some(covered) => (covered.clone(), true),
                None => (format!("{COVER_PREFIX}{}", report.key), false),
            };
            let linked: Vec<Earlier> = self
                .reports_of(
                    system_no,
                    &linked_key,
                    at,
                    report.window_ms,
                    batch.get(&(system, linked_key.as_str())),
                    in_flight,
                )?
                .into_iter()
                .map(|(e, _)| e)
                .collect();
            if cover_side {
                this.covers = linked;
            } else {
                this.covered_by = linked;
            }
            batch
                .entry((system, report.key.as_str()))
                .or_default()
                .push((position, report.matched.as_str(), at));
            found.push(this);
        }
        Ok(Some(found))
    }

    /// The earlier reports of `key` within the window around `at`, oldest stored first, then
    /// those being synced, then those earlier in the batch; with their match where known
    /// without decrypting (a stored report's is `None`).
    fn reports_of(
        &self,
        system_no: Option<u16>,
        key: &str,
        at: i64,
        window_ms: i64,
        batch: Option<&Vec<BatchReport<'_>>>,
        in_flight: &ReportsInFlight,
    ) -> Result<Vec<(Earlier, Option<String>)>> {
        let mut earlier = Vec::new();
        if let Some(no) = system_no {
            for id in self.hits_within(no, TRANSFER_KIND, key, at, window_ms)? {
                earlier.push((Earlier::Stored(id), None));
            }
            for report in in_flight
                .by_key
                .get(&(no, key.to_owned()))
                .into_iter()
                .flatten()
            {
                if !within(window_ms, report.collected_ms, at) {
                    continue;
                }
                // Counted only once durable: a batch that failed stored nothing.
                if report.ticket.clone().wait().is_ok() {
                    earlier.push((Earlier::Stored(report.id), Some(report.matched.clone())));
                }
            }
        }
        for (position, matched, collected_ms) in batch.into_iter().flatten() {
            if within(window_ms, *collected_ms, at) {
                earlier.push((Earlier::Batch(*position), Some((*matched).to_owned())));
            }
        }
        Ok(earlier)
    }

    /// Stored records indexed under `form` of `kind`, collected within the window around
    /// `at`; only the index periods the window touches are probed.
    fn hits_within(
        &self,
        system_no: u16,
        kind: u8,
        form: &str,
        at: i64,
        window_ms: i64,
    ) -> Result<Vec<RecordId>> {
        let year = |ms: i64| {
            DateTime::<Utc>::from_timestamp_millis(ms)
                .and_then(|t| u16::try_from(t.year()).ok())
                .unwrap_or(0)
        };
        let years = year(at - window_ms)..=year(at + window_ms).max(year(at - window_ms));
        let (ids, _) = self.period_hits_in(&*self.store, system_no, kind, form, years)?;
        let mut stored = Vec::new();
        for id in ids {
            if within(window_ms, id.collected_at_millis(), at)
                && self.store.get(Column::Records, id.as_bytes())?.is_some()
            {
                stored.push(id);
            }
        }
        Ok(stored)
    }
}

/// Writes the links found for a kept record into its provenance, ids comma-separated.
pub(crate) fn write_links(
    record: &mut RecordContents,
    found: &Found,
    id_of: impl Fn(Earlier) -> Option<RecordId>,
) {
    for (name, links) in [
        (CONFLICTS_WITH_SOURCE, &found.conflicts),
        (COVERS_RECORDS_SOURCE, &found.covers),
        (COVERED_BY_SOURCE, &found.covered_by),
    ] {
        let mut ids: Vec<String> = links
            .iter()
            .filter_map(|link| id_of(*link))
            .map(|id| id.to_string())
            .collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            record.source.remove(name);
        } else {
            record.source.insert(name.to_owned(), ids.join(","));
        }
    }
}

#[cfg(test)]
mod tests;
