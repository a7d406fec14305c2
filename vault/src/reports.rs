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
//! Each transfer key has one index entry per index period (kind 10): its key is the period's
//! token of the transfer key (no record id), its value the reports of that transfer, each a
//! record id and a token of what it says (under the same period key). A probe is then one
//! point read, Bloom-filtered, and telling a duplicate from a disagreeing report needs no
//! decryption. The store never holds a reference in the clear, and the entries go with the
//! period.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::log::Ticket;
use crate::store::Column;
use crate::vault::Vault;
use model::{RecordContents, RecordId};

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
pub const TRANSFER_KIND: u8 = 10;
/// Bytes of one report in a transfer entry's value: its record id and its match token.
const REPORT_BYTES: usize = 16 + 16;
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

    /// The key of the other side of a cover: for a cover payment, the transfer it covers; for
    /// a transfer, the key its cover payments are filed under.
    fn linked_key(&self) -> String {
        match &self.covers {
            Some(covered) => covered.clone(),
            None => format!("{COVER_PREFIX}{}", self.key),
        }
    }
}

/// The transfer entries a batch's probes read, by (system, year, key), so the entries the
/// batch writes start from them instead of reading them, or computing their keys, again.
pub(crate) type EntriesRead = HashMap<(u16, u16, String), EntryRead>;

/// One transfer entry as a probe read it.
#[derive(Default)]
pub(crate) struct EntryRead {
    /// Its key in the index, with the period's key it is an HMAC under; none while the period
    /// has no key.
    key: Option<(std::sync::Arc<crate::crypto::MacKey>, Vec<u8>)>,
    /// Every report it lists (empty when there was none).
    reports: Vec<(RecordId, [u8; 16])>,
}

/// A report's match token under an index period's key: equal tokens, identical reports.
fn match_token(mac: &crate::crypto::MacKey, matched: &str) -> [u8; 16] {
    crate::index::token(mac, &format!("match\u{1f}{matched}"))
}

/// The key of the transfer entry of `key` in an index period.
fn entry_key(mac: &crate::crypto::MacKey, system: u16, year: u16, key: &str) -> Vec<u8> {
    crate::keyspace::index_token_prefix(system, year, TRANSFER_KIND, &crate::index::token(mac, key))
}

/// The reports a transfer entry's value lists: record id and match token.
fn parse_reports(value: &[u8]) -> Result<Vec<(RecordId, [u8; 16])>> {
    if !value.len().is_multiple_of(REPORT_BYTES) {
        return Err(Error::corrupt("transfer index entry", "bad length"));
    }
    Ok(value
        .chunks_exact(REPORT_BYTES)
        .map(|chunk| {
            let mut id = [0u8; 16];
            let mut token = [0u8; 16];
            id.copy_from_slice(&chunk[..16]);
            token.copy_from_slice(&chunk[16..]);
            (RecordId::from_bytes(id), token)
        })
        .collect())
}

/// The index period (year) of a collection time in ms.
fn year_of(ms: i64) -> u16 {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .and_then(|at| crate::index::index_year(at).ok())
        .unwrap_or(0)
}

/// The index periods (years) a window around `at` touches.
fn years_of(at: i64, window_ms: i64) -> std::ops::RangeInclusive<u16> {
    year_of(at - window_ms)..=year_of(at + window_ms).max(year_of(at - window_ms))
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

    /// The reports of `key` in batches being synced, once durable (waiting for them; a batch
    /// that failed stored nothing). A batch whose outcome stays unknown refuses this one: it
    /// may yet be stored, and this batch would then report the transfer twice.
    fn durable(
        &self,
        system: u16,
        key: &str,
        bound: std::time::Duration,
    ) -> Result<Vec<&InFlight>> {
        let mut out = Vec::new();
        for report in self
            .by_key
            .get(&(system, key.to_owned()))
            .into_iter()
            .flatten()
        {
            match report.ticket.outcome_within(bound) {
                Some(Ok(_)) => out.push(report),
                Some(Err(_)) => {}
                None => return Err(crate::error::Error::LogInDoubt(
                    "a batch reporting the same transfer is not confirmed yet; nothing was stored"
                        .into(),
                )),
            }
        }
        Ok(out)
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
    ) -> Result<Option<(Vec<Found>, EntriesRead)>> {
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
        let mut read = self.read_entries(records, &keys)?;
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
                &report.matched,
                at,
                report.window_ms,
                batch.get(&(system, report.key.as_str())),
                in_flight,
                &mut read,
            )?;
            let identical = earlier
                .iter()
                .find(|(_, same)| *same)
                .map(|(earlier, _)| *earlier);
            if let Some(first) = identical {
                this.duplicate_of = Some(first);
                found.push(this);
                continue;
            }
            this.conflicts = earlier.into_iter().map(|(e, _)| e).collect();
            let (linked_key, cover_side) = (report.linked_key(), report.covers.is_some());
            let linked: Vec<Earlier> = self
                .reports_of(
                    system_no,
                    &linked_key,
                    "",
                    at,
                    report.window_ms,
                    batch.get(&(system, linked_key.as_str())),
                    in_flight,
                    &mut read,
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
        Ok(Some((found, read)))
    }

    /// The earlier reports of `key` within the window around `at`: stored, then those being
    /// synced, then those earlier in the batch; each with whether it says what `matched` says.
    #[allow(clippy::too_many_arguments, reason = "the probe and where to look")]
    fn reports_of(
        &self,
        system_no: Option<u16>,
        key: &str,
        matched: &str,
        at: i64,
        window_ms: i64,
        batch: Option<&Vec<BatchReport<'_>>>,
        in_flight: &ReportsInFlight,
        read: &mut EntriesRead,
    ) -> Result<Vec<(Earlier, bool)>> {
        let mut earlier = Vec::new();
        if let Some(no) = system_no {
            for (id, same) in self.stored_reports(no, key, matched, at, window_ms, read)? {
                earlier.push((Earlier::Stored(id), same));
            }
            for report in in_flight.durable(no, key, self.log.timeout())? {
                if within(window_ms, report.collected_ms, at)
                    && !earlier.contains(&(Earlier::Stored(report.id), true))
                    && !earlier.contains(&(Earlier::Stored(report.id), false))
                {
                    earlier.push((Earlier::Stored(report.id), report.matched == matched));
                }
            }
        }
        for (position, batch_matched, collected_ms) in batch.into_iter().flatten() {
            if within(window_ms, *collected_ms, at) {
                earlier.push((Earlier::Batch(*position), *batch_matched == matched));
            }
        }
        Ok(earlier)
    }

    /// The key of index kind `kind` of `system`'s period `year`, if the period exists.
    fn period_mac(
        &self,
        system: u16,
        kind: u8,
        year: u16,
    ) -> Result<Option<std::sync::Arc<crate::crypto::MacKey>>> {
        let info = {
            let cohorts = self
                .cohorts
                .read()
                .map_err(|_| crate::vault::poisoned("cohort registry"))?;
            cohorts
                .by_index
                .get(&(system, kind, year))
                .and_then(|id| cohorts.info.get(id))
                .filter(|info| info.is_live())
                .cloned()
        };
        let Some(info) = info else {
            return Ok(None);
        };
        let mac = self
            .keys
            .read()
            .map_err(|_| crate::vault::poisoned("key ring"))?
            .index_mac(info.id, info.key_version)?;
        Ok(Some(mac))
    }

    /// Reads, in one multi-read, every transfer entry the batch's probes will ask for: each
    /// report's own key and its cover's, in every index period its window touches. The
    /// engine checks the filters and reads the blocks of the whole batch together, which
    /// costs less than a point read per probe (docs/performance.md).
    fn read_entries(
        &self,
        records: &[RecordContents],
        keys: &[Option<ReportKey>],
    ) -> Result<EntriesRead> {
        let mut read = EntriesRead::new();
        let mut macs: HashMap<(u16, u16), Option<std::sync::Arc<crate::crypto::MacKey>>> =
            HashMap::new();
        type Wanted = (
            (u16, u16, String),
            (std::sync::Arc<crate::crypto::MacKey>, Vec<u8>),
        );
        let mut wanted: Vec<Wanted> = Vec::new();
        let mut asked = std::collections::HashSet::new();
        for (record, report) in records.iter().zip(keys) {
            let Some(report) = report else {
                continue;
            };
            let Some(system_no) = self.system_number(&record.system)? else {
                continue;
            };
            let at = record.collected_at.timestamp_millis();
            for key in [report.key.clone(), report.linked_key()] {
                for year in years_of(at, report.window_ms) {
                    let probe = (system_no, year, key.clone());
                    if !asked.insert(probe.clone()) {
                        continue;
                    }
                    let mac = match macs.get(&(system_no, year)) {
                        Some(mac) => mac.clone(),
                        None => {
                            let mac = self.period_mac(system_no, TRANSFER_KIND, year)?;
                            macs.insert((system_no, year), mac.clone());
                            mac
                        }
                    };
                    match mac {
                        // No period yet: no reports in it (the batch makes its key if needed).
                        None => {
                            read.insert(probe, EntryRead::default());
                        }
                        Some(mac) => {
                            let entry = entry_key(&mac, system_no, year, &key);
                            wanted.push((probe, (mac, entry)));
                        }
                    }
                }
            }
        }
        let values = self.store.multi_get(
            Column::Index,
            &wanted
                .iter()
                .map(|(_, (_, entry))| entry.as_slice())
                .collect::<Vec<_>>(),
        )?;
        for ((probe, key), value) in wanted.into_iter().zip(values) {
            let reports = match value {
                Some(value) => parse_reports(&value)?,
                None => Vec::new(),
            };
            let key = Some(key);
            read.insert(probe, EntryRead { key, reports });
        }
        Ok(read)
    }

    /// Stored reports of `key` collected within the window around `at`, with whether each
    /// says what `matched` says: one point read per index period the window touches, unless
    /// the batch's multi-read has read it already.
    fn stored_reports(
        &self,
        system_no: u16,
        key: &str,
        matched: &str,
        at: i64,
        window_ms: i64,
        read: &mut EntriesRead,
    ) -> Result<Vec<(RecordId, bool)>> {
        let mut stored = Vec::new();
        for year in years_of(at, window_ms) {
            let probe = (system_no, year, key.to_owned());
            if !read.contains_key(&probe) {
                let entry = match self.period_mac(system_no, TRANSFER_KIND, year)? {
                    // No period yet: no reports in it (the batch makes its key if needed).
                    None => EntryRead::default(),
                    Some(mac) => {
                        let entry = entry_key(&mac, system_no, year, key);
                        let reports = match self.store.get(Column::Index, &entry)? {
                            Some(value) => parse_reports(&value)?,
                            None => Vec::new(),
                        };
                        EntryRead {
                            key: Some((mac, entry)),
                            reports,
                        }
                    }
                };
                read.insert(probe.clone(), entry);
            }
            let reports = read.get(&probe).map_or(&[][..], |entry| &entry.reports);
            if reports.is_empty() {
                continue;
            }
            let Some(mac) = self.period_mac(system_no, TRANSFER_KIND, year)? else {
                continue;
            };
            let same = match_token(&mac, matched);
            for (id, token) in reports {
                if within(window_ms, id.collected_at_millis(), at)
                    && self.store.get(Column::Records, id.as_bytes())?.is_some()
                {
                    stored.push((*id, *token == same));
                }
            }
        }
        Ok(stored)
    }

    /// The transfer entries a batch writes: for each (system, year, key) its reports, the
    /// stored ones (as the batch's probes read them, under the same lock, or read now),
    /// those of batches being synced and the batch's own (`new`: system, year, key, match,
    /// id), each with its match token.
    pub(crate) fn transfer_entries(
        &self,
        new: &[(u16, u16, String, String, RecordId)],
        macs: &crate::index::IndexMacs,
        in_flight: &ReportsInFlight,
        read: &EntriesRead,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        // By (system, year, key): each report's match and id.
        type Grouped<'a> =
            std::collections::BTreeMap<(u16, u16, &'a str), Vec<(&'a str, RecordId)>>;
        let mut grouped: Grouped<'_> = std::collections::BTreeMap::new();
        for (system, year, key, matched, id) in new {
            grouped
                .entry((*system, *year, key.as_str()))
                .or_default()
                .push((matched.as_str(), *id));
        }
        let mut entries = Vec::with_capacity(grouped.len());
        for ((system, year, key), reports) in grouped {
            let mac = macs
                .get(&(system, TRANSFER_KIND, year))
                .ok_or_else(|| Error::corrupt("key ring", "transfer index key missing"))?;
            let (entry, mut listed) = match read.get(&(system, year, key.to_owned())) {
                // Read under the key the batch writes with (the key ring hands out one `Arc`
                // per key): its entry key is computed already.
                Some(EntryRead {
                    key: Some((read_mac, entry)),
                    reports,
                }) if std::sync::Arc::ptr_eq(read_mac, mac) => (entry.clone(), reports.clone()),
                // The period's key was made by this batch: nothing can be listed under it.
                Some(EntryRead { key: None, .. }) => {
                    (entry_key(mac, system, year, key), Vec::new())
                }
                _ => {
                    let entry = entry_key(mac, system, year, key);
                    let listed = match self.store.get(Column::Index, &entry)? {
                        Some(value) => parse_reports(&value)?,
                        None => Vec::new(),
                    };
                    (entry, listed)
                }
            };
            let synced = in_flight
                .durable(system, key, self.log.timeout())?
                .into_iter()
                .filter(|report| year_of(report.collected_ms) == year)
                .map(|report| (report.id, match_token(mac, &report.matched)));
            let own = reports
                .iter()
                .map(|(matched, id)| (*id, match_token(mac, matched)));
            for (id, token) in synced.chain(own).collect::<Vec<_>>() {
                if !listed.iter().any(|(listed_id, _)| *listed_id == id) {
                    listed.push((id, token));
                }
            }
            let mut value = Vec::with_capacity(listed.len() * REPORT_BYTES);
            for (id, token) in listed {
                value.extend_from_slice(id.as_bytes());
                value.extend_from_slice(&token);
            }
            entries.push((entry, value));
        }
        Ok(entries)
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
