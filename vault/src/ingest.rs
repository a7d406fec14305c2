//! Ingest: validating, sealing and indexing batches of records, and committing each batch
//! with its access-log entry in one atomic, synced write; pipelined for streams.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::codec::{encode_contents, CONTENTS_VERSION};
use crate::cohort::{CohortInfo, CohortKind};
use crate::crypto::{AeadKey, KeyMaterial};
use crate::error::{Error, Result};
use crate::index::{entry_keys, index_forms, index_year};
use crate::keyspace::ingest_stream_key;
use crate::log::{Access, Draft, Ticket};
use crate::sealed::{contents_aad, data_key_aad, SealedRecord};
use crate::store::{Column, WriteBatch};
use crate::vault::{poisoned, Vault};
use model::{RecordContents, RecordId};

/// Below this many records a batch is sealed on the calling thread; above, on every core.
const PARALLEL_SEAL_THRESHOLD: usize = 64;

/// What became of each record of a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ingested {
    /// Each record's id, in the order given; a duplicate's is the first report's.
    pub ids: Vec<RecordId>,
    /// Records not stored because an identical report of their transfer was (positions in
    /// the batch given).
    pub duplicates: Vec<usize>,
    /// Records stored though they disagree with an earlier report of their transfer
    /// (positions), linked to it by `conflicts_with`.
    pub conflicting: Vec<usize>,
    /// For each of `conflicting`, the earlier reports it disagrees with.
    pub conflicts_with: Vec<Vec<RecordId>>,
}

impl Ingested {
    /// How many records were stored.
    pub fn stored(&self) -> usize {
        self.ids.len() - self.duplicates.len()
    }
}

/// A sealed batch, not yet stored.
struct PreparedIngest {
    draft: Draft,
    batch: WriteBatch,
    outcome: Ingested,
    /// Its reports of transfers, for the batches prepared while it is synced.
    reports: Vec<(u16, String, String, i64, RecordId)>,
    /// Every cohort and index period whose keys sealed or indexed it.
    cohorts: Vec<u32>,
}

/// Where one record of a batch goes.
struct Plan {
    partition: u16,
    cohort: CohortInfo,
    system: u16,
    year: u16,
    /// Normalized identifiers and names: plaintext, kept only while the batch is sealed.
    forms: Vec<(u8, String)>,
    /// The subject hold (by position in the active ones) that keeps this record, and the
    /// period cohort it would otherwise be in.
    held: Option<(usize, u32)>,
}

impl Vault {
    /// Seals `records` and stores them in one atomic batch, synced before this returns: when
    /// it returns `Ok`, every record is durable; on `Err`, none was stored. `now` bounds the
    /// dates that cannot be in the future. Returns the new ids in the order given.
    pub fn ingest(
        &self,
        access: &Access,
        records: &[RecordContents],
        now: DateTime<Utc>,
    ) -> Result<Vec<RecordId>> {
        Ok(self.ingest_reporting(access, records, now)?.ids)
    }

    /// Like [`Vault::ingest`], saying which records were duplicates of reports already
    /// stored (not stored again) and which disagree with one (stored, linked).
    pub fn ingest_reporting(
        &self,
        access: &Access,
        records: &[RecordContents],
        now: DateTime<Utc>,
    ) -> Result<Ingested> {
        let mut reports = self.reports_guard(records)?;
        let prepared = self.prepare_ingest(
            access,
            std::borrow::Cow::Borrowed(records),
            now,
            reports.as_deref_mut(),
        )?;
        let (ticket, outcome) = self.submit_ingest(prepared, reports.as_deref_mut())?;
        drop(reports);
        ticket.wait()?;
        Ok(outcome)
    }

    /// The reports in flight, locked, if any record of the batch reports a transfer: from its
    /// resolution until it is queued, no other batch with reports may resolve.
    fn reports_guard(
        &self,
        records: &[RecordContents],
    ) -> Result<Option<std::sync::MutexGuard<'_, crate::reports::ReportsInFlight>>> {
        if !records.iter().any(|record| {
            record
                .source
                .contains_key(crate::reports::TRANSFER_KEY_SOURCE)
        }) {
            return Ok(None);
        }
        self.reports
            .lock()
            .map(Some)
            .map_err(|_| poisoned("reports in flight"))
    }

    /// Ingests a stream of batches in order, each one atomic and synced like [`Vault::ingest`],
    /// sealing each batch while the one before is being synced (the second core's work).
    /// `on_commit` hears of each batch, with its tag, once it is durable; batches become
    /// durable strictly in order, so when an error stops the stream every batch reported
    /// before it is stored and none after it is.
    pub fn ingest_stream<T>(
        &self,
        access: &Access,
        now: DateTime<Utc>,
        batches: impl IntoIterator<Item = (T, Vec<RecordContents>)>,
        on_commit: impl FnMut(T, Ingested),
    ) -> Result<()> {
        self.ingest_stream_marked(access, now, batches, |_| None, None, on_commit)
    }

    /// Ingests a resumable stream: like [`Vault::ingest_stream`], with batches tagged by the
    /// number of the last input line they cover, and each batch's commit also records that
    /// line as the stream's progress, in the same atomic batch. A retry of the same stream
    /// (same `stream` key) skips what [`Vault::ingest_progress`] says is stored, so a stream
    /// cut by a crash or a dropped connection can be re-sent whole without duplicates.
    pub fn ingest_stream_resumable(
        &self,
        access: &Access,
        now: DateTime<Utc>,
        stream: &StreamKey,
        batches: impl IntoIterator<Item = (u64, Vec<RecordContents>)>,
        on_commit: impl FnMut(u64, Ingested),
    ) -> Result<()> {
        self.await_stream(stream)?;
        let key = stream.meta_key();
        self.ingest_stream_marked(
            access,
            now,
            batches,
            |through_line| Some((key.clone(), through_line.to_be_bytes().to_vec())),
            Some(stream),
            on_commit,
        )
    }

    /// The last input line of `stream` whose records are all stored (0 if none). If the
    /// stream's last batch is in doubt, waits (at most the log's timeout) for its outcome
    /// first, and refuses with [`Error::LogInDoubt`] while there is none: a retry that read
    /// the progress before that batch landed would store its lines twice.
    pub fn ingest_progress(&self, stream: &StreamKey) -> Result<u64> {
        self.await_stream(stream)?;
        match self.store.get(Column::Meta, &stream.meta_key())? {
            None => Ok(0),
            Some(value) => {
                let bytes: [u8; 8] = value
                    .as_slice()
                    .try_into()
                    .map_err(|_| Error::corrupt("ingest progress", "not 8 bytes"))?;
                Ok(u64::from_be_bytes(bytes))
            }
        }
    }

    /// Waits for the outcome of `stream`'s batch in doubt, if it has one.
    fn await_stream(&self, stream: &StreamKey) -> Result<()> {
        let in_doubt = self
            .streams_in_doubt
            .lock()
            .map_err(|_| poisoned("streams in doubt"))?
            .get(&stream.0)
            .cloned();
        let Some(ticket) = in_doubt else {
            return Ok(());
        };
        match ticket.outcome_within(self.log.timeout()) {
            Some(_) => {
                self.streams_in_doubt
                    .lock()
                    .map_err(|_| poisoned("streams in doubt"))?
                    .remove(&stream.0);
                Ok(())
            }
            None => Err(Error::LogInDoubt(
                "an earlier attempt of this stream has a batch the store has not confirmed yet; \
                 nothing was read or stored: retry once the store answers"
                    .into(),
            )),
        }
    }

    /// Waits for a queued batch; if it is in doubt, remembers it under the stream's key.
    fn wait_batch(&self, ticket: &Ticket, stream: Option<&StreamKey>) -> Result<u64> {
        let outcome = ticket.wait();
        if let (Err(Error::LogInDoubt(_)), Some(stream)) = (&outcome, stream) {
            self.streams_in_doubt
                .lock()
                .map_err(|_| poisoned("streams in doubt"))?
                .insert(stream.0, ticket.clone());
        }
        outcome
    }

    fn ingest_stream_marked<T>(
        &self,
        access: &Access,
        now: DateTime<Utc>,
        batches: impl IntoIterator<Item = (T, Vec<RecordContents>)>,
        marker: impl Fn(&T) -> Option<(Vec<u8>, Vec<u8>)>,
        stream: Option<&StreamKey>,
        mut on_commit: impl FnMut(T, Ingested),
    ) -> Result<()> {
        let mut in_flight: Option<(T, Ticket, Ingested)> = None;
        for (tag, records) in batches {
            if records.is_empty() {
                continue;
            }
            let mut reports = self.reports_guard(&records)?;
            let prepared = self
                .prepare_ingest(
                    access,
                    std::borrow::Cow::Owned(records),
                    now,
                    reports.as_deref_mut(),
                )
                .map(|mut prepared| {
                    if let Some((key, value)) = marker(&tag) {
                        prepared.batch.put(Column::Meta, key, value);
                    }
                    prepared
                });
            // The next batch is submitted only once this one is durable: a failure can never
            // leave a later batch stored behind a lost one.
            if let Some((done_tag, ticket, ids)) = in_flight.take() {
                self.wait_batch(&ticket, stream)?;
                on_commit(done_tag, ids);
            }
            let (ticket, outcome) = self.submit_ingest(prepared?, reports.as_deref_mut())?;
            drop(reports);
            in_flight = Some((tag, ticket, outcome));
        }
        if let Some((done_tag, ticket, ids)) = in_flight {
            self.wait_batch(&ticket, stream)?;
            on_commit(done_tag, ids);
        }
        Ok(())
    }

    /// Queues a prepared batch with the log writer. A destruction may have run since the batch
    /// was sealed; its records are then refused rather than written into a destroyed cohort.
    fn submit_ingest(
        &self,
        prepared: PreparedIngest,
        reports: Option<&mut crate::reports::ReportsInFlight>,
    ) -> Result<(Ticket, Ingested)> {
        self.check_disk_reserve()?;
        let _writing = self.lifecycle.read().map_err(|_| poisoned("lifecycle"))?;
        {
            let cohorts = self
                .cohorts
                .read()
                .map_err(|_| poisoned("cohort registry"))?;
            let destroyed = prepared
                .cohorts
                .iter()
                .any(|id| cohorts.info.get(id).is_none_or(|info| !info.is_live()));
            if destroyed {
                return Err(Error::Invalid(
                    "a cohort of this batch was destroyed while the batch was being sealed; nothing was stored".into(),
                ));
            }
            // A transfer made while the batch was being sealed: its package lacks these.
            let transferred = self.transferred_cohort_ids()?;
            if prepared.cohorts.iter().any(|id| transferred.contains(id)) {
                return Err(Error::Invalid(
                    "a cohort of this batch was transferred to a records center while the batch was being sealed; nothing was stored".into(),
                ));
            }
        }
        let ticket = self.log.submit(prepared.draft, prepared.batch)?;
        if let Some(reports) = reports {
            reports.add(prepared.reports, &ticket);
        }
        Ok((ticket, prepared.outcome))
    }

    /// Records whose version key matches a stored record's, or an earlier one's in the batch
    /// (a PNR re-pulled), become new versions of it: their retention clock runs from the first
    /// receipt, so they take its collection time, and their own goes into their provenance as
    /// `received_at`. They share its cohort and index period. A first receipt whose cohort is
    /// gone is no more: the record is new. Returns the adjusted batch (if any record changed)
    /// and how many records are versions.
    fn resolve_versions(
        &self,
        records: &mut std::borrow::Cow<'_, [RecordContents]>,
    ) -> Result<usize> {
        if !records
            .iter()
            .any(|record| crate::index::version_form(record).is_some())
        {
            return Ok(0);
        }
        let mut first: HashMap<(String, String), DateTime<Utc>> = HashMap::new();
        let mut versions = 0;
        for record in records.to_mut().iter_mut() {
            let Some(form) = crate::index::version_form(record) else {
                continue;
            };
            let key = (record.system.as_str().to_owned(), form);
            let earliest = match first.get(&key) {
                Some(at) => Some(*at),
                None => self.first_version(&record.system, &key.1)?,
            };
            match earliest {
                Some(at) if at < record.collected_at => {
                    record.source.insert(
                        "received_at".to_owned(),
                        record
                            .collected_at
                            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    );
                    record.collected_at = at;
                    versions += 1;
                    first.entry(key).or_insert(at);
                }
                _ => {
                    first.entry(key).or_insert(record.collected_at);
                }
            }
        }
        Ok(versions)
    }

    /// How many stored records of `system` carry the receipt key `key` (`RECEIPT_KEY_SOURCE`:
    /// one flight's receipts of one PNR, which paragraph 14 of seed 001 limits). It reads index
    /// entries only, no record, and says nothing a caller could not know: the ingest account
    /// asking sent those receipts. A record whose period went to its deleted record file or
    /// was destroyed no longer counts.
    pub fn receipts_of(&self, system: &model::SystemId, key: &str) -> Result<u32> {
        let Some(form) = Some(key.trim().to_ascii_uppercase()).filter(|form| !form.is_empty())
        else {
            return Ok(0);
        };
        let Some(system_no) = self.system_number(system)? else {
            return Ok(0);
        };
        let (ids, _) =
            self.period_hits(&*self.store, system_no, crate::index::RECEIPT_KIND, &form)?;
        let mut count = 0;
        for id in ids {
            if self.period_cohort_live(&id)?
                && self.store.get(Column::Records, id.as_bytes())?.is_some()
            {
                count += 1;
            }
        }
        Ok(count)
    }

    /// The collection time of the earliest stored record of `system` with version key `form`
    /// whose period cohort still lives.
    fn first_version(&self, system: &model::SystemId, form: &str) -> Result<Option<DateTime<Utc>>> {
        let Some(system_no) = self.system_number(system)? else {
            return Ok(None);
        };
        let (ids, _) =
            self.period_hits(&*self.store, system_no, crate::index::VERSION_KIND, form)?;
        let mut earliest: Option<i64> = None;
        for id in ids {
            let live = self.period_cohort_live(&id)?;
            if live && self.store.get(Column::Records, id.as_bytes())?.is_some() {
                let at = id.collected_at_millis();
                earliest = Some(earliest.map_or(at, |current| current.min(at)));
            }
        }
        Ok(earliest.and_then(DateTime::<Utc>::from_timestamp_millis))
    }

    /// Validates and seals a batch: ids, cohorts and index periods assigned, records sealed and
    /// indexed, the log entry drafted. Nothing is stored yet.
    fn prepare_ingest(
        &self,
        access: &Access,
        records: std::borrow::Cow<'_, [RecordContents]>,
        now: DateTime<Utc>,
        reports_in_flight: Option<&mut crate::reports::ReportsInFlight>,
    ) -> Result<PreparedIngest> {
        let mut given = records;
        access.validate()?;
        for (record_idx, record) in given.iter().enumerate() {
            record
                .validate(now)
                .map_err(|err| Error::Invalid(format!("record {}: {err}", record_idx + 1)))?;
        }
        let _writing = self.lifecycle.read().map_err(|_| poisoned("lifecycle"))?;
        let n_versions = self.resolve_versions(&mut given)?;
        // Duplicates of a transfer already reported are dropped here; the rest are kept.
        let mut reports_in_flight = reports_in_flight;
        let (found, entries_read) = match reports_in_flight.as_deref_mut() {
            Some(in_flight) => match self.resolve_reports(&given, in_flight)? {
                Some((found, read)) => (Some(found), read),
                None => (None, Default::default()),
            },
            None => (None, Default::default()),
        };
        let mut kept_at: Vec<Option<usize>> = Vec::with_capacity(given.len());
        let mut records: std::borrow::Cow<'_, [RecordContents]> = match &found {
            None => {
                kept_at.extend((0..given.len()).map(Some));
                given
            }
            Some(found) => {
                // Moved, not copied, when the batch is the caller's to give.
                let mut kept = Vec::with_capacity(given.len());
                for (record, found) in given.into_owned().into_iter().zip(found) {
                    if found.duplicate_of.is_some() {
                        kept_at.push(None);
                    } else {
                        kept_at.push(Some(kept.len()));
                        kept.push(record);
                    }
                }
                std::borrow::Cow::Owned(kept)
            }
        };
        // Where each record goes: its partition, its cohort (the partition's records collected
        // in the same destruction bucket), and its index period (its system's records of the
        // same year).
        // Raw messages become raw records after the records they came with.
        let n_kept = records.len();
        let mut raw_of = crate::raw::split_raw(&mut records);
        let mut dead_raws = Vec::new();
        let mut plans = Vec::with_capacity(records.len());
        let transferred = self.transferred_cohort_ids()?;
        for (record_idx, record) in records.iter().enumerate() {
            let at_record = |err: Error| match err {
                Error::Invalid(reason) => {
                    Error::Invalid(format!("record {}: {reason}", record_idx + 1))
                }
                other => other,
            };
            let partition = self.partition_for(&record.system, &record.category)?;
            let (start_ms, end_ms) = self
                .bucket_of(partition)?
                .range(record.collected_at.timestamp_millis())?;
            let period = CohortKind::Period {
                partition,
                start_ms,
                end_ms,
            };
            let ended = "its retention period has ended and its cohort was destroyed, so it cannot be stored";
            let cohort = match self.live_cohort(period, ended, now) {
                Ok(cohort) => cohort,
                // A raw message past its own (shorter) retention is not kept; its record is.
                Err(Error::Invalid(_)) if record_idx >= n_kept => {
                    dead_raws.push(record_idx - n_kept);
                    continue;
                }
                Err(err) => return Err(at_record(err)),
            };
            if transferred.contains(&cohort.id) {
                return Err(at_record(Error::Invalid(format!(
                    "its period (cohort {}) was transferred to a records center: the package carries what the period held, and nothing is added after (31 CFR 1.25(b)(3))",
                    cohort.id
                ))));
            }
            let system = self
                .system_number(&record.system)?
                .ok_or_else(|| Error::corrupt("partition registry", "system without a number"))?;
            plans.push(Plan {
                partition,
                cohort,
                system,
                year: index_year(record.collected_at)?,
                forms: index_forms(record),
                held: None,
            });
        }
        if !dead_raws.is_empty() {
            let all = records.to_mut();
            let mut renumbered = Vec::new();
            let mut next = 0;
            for raw in 0..all.len() - n_kept {
                renumbered.push((!dead_raws.contains(&raw)).then(|| {
                    next += 1;
                    next - 1
                }));
            }
            for (offset, raw) in dead_raws.iter().enumerate() {
                all.remove(n_kept + raw - offset);
            }
            for slot in &mut raw_of {
                *slot = slot.and_then(|raw| renumbered[raw]);
            }
        }
        // A subject hold keeps records of its subject stored after it was placed: they are
        // sealed under the hold's cohort from the start.
        let subject_holds = self.subject_holds()?;
        if !subject_holds.is_empty() {
            for (record, plan) in records.iter().zip(&mut plans) {
                let matched = subject_holds
                    .iter()
                    .position(|hold| hold.catches(record.system.as_str(), &plan.forms));
                if let Some(position) = matched {
                    plan.held = Some((position, plan.cohort.id));
                    plan.cohort = subject_holds[position].cohort.clone();
                }
            }
        }
        let mut wanted: Vec<(u16, u8, u16)> = plans
            .iter()
            .flat_map(|plan| {
                plan.forms
                    .iter()
                    .map(|(kind, _)| (plan.system, *kind, plan.year))
            })
            .collect();
        // The transfer index of each period a report goes to.
        for (record, plan) in records.iter().zip(&plans) {
            if record
                .source
                .contains_key(crate::reports::TRANSFER_KEY_SOURCE)
            {
                wanted.push((plan.system, crate::reports::TRANSFER_KIND, plan.year));
            }
        }
        wanted.sort_unstable();
        wanted.dedup();
        let (macs, index_cohorts) = self.index_macs(&wanted, now).map_err(|err| match err {
            Error::Invalid(reason) => Error::Invalid(format!("a record in this batch: {reason}")),
            other => other,
        })?;

        let (session, first_seq) = self.reserve_ids(records.len())?;
        let planned: Vec<RecordId> = records
            .iter()
            .zip(&plans)
            .enumerate()
            .map(|(offset, (record, plan))| {
                // reserve_ids keeps first_seq + len within the session's limit, below u32::MAX.
                let seq = (first_seq + offset as u64) as u32;
                RecordId::new(
                    plan.partition,
                    record.collected_at.timestamp_millis(),
                    session,
                    seq,
                )
            })
            .collect();
        // Links to earlier reports name their ids, known now; duplicates take the first's.
        let id_of = |earlier: crate::reports::Earlier| match earlier {
            crate::reports::Earlier::Stored(id) => Some(id),
            crate::reports::Earlier::Batch(position) => kept_at[position].map(|k| planned[k]),
        };
        let mut outcome = Ingested::default();
        let mut reports = Vec::new();
        let mut transfers = Vec::new();
        for (position, kept) in kept_at.iter().enumerate() {
            let found = found.as_ref().map(|found| &found[position]);
            match (kept, found) {
                (Some(k), found) => {
                    outcome.ids.push(planned[*k]);
                    if let Some(found) = found {
                        if !found.conflicts.is_empty() {
                            outcome.conflicting.push(position);
                            outcome
                                .conflicts_with
                                .push(found.conflicts.iter().filter_map(|e| id_of(*e)).collect());
                        }
                        let record = &mut records.to_mut()[*k];
                        crate::reports::write_links(record, found, id_of);
                        if let Some(report) = crate::reports::ReportKey::of(record)? {
                            transfers.push((
                                plans[*k].system,
                                plans[*k].year,
                                report.key.clone(),
                                report.matched.clone(),
                                planned[*k],
                            ));
                            reports.push((
                                plans[*k].system,
                                report.key,
                                report.matched,
                                record.collected_at.timestamp_millis(),
                                planned[*k],
                            ));
                        }
                    }
                }
                (None, found) => {
                    let first = found
                        .and_then(|found| found.duplicate_of)
                        .and_then(id_of)
                        .ok_or_else(|| {
                            Error::corrupt("intake", "a duplicate without its first report")
                        })?;
                    outcome.ids.push(first);
                    outcome.duplicates.push(position);
                }
            }
        }
        for (k, raw) in raw_of.iter().enumerate() {
            if let Some(raw) = raw {
                records.to_mut()[k].source.insert(
                    model::RAW_RECORD_SOURCE.to_owned(),
                    planned[n_kept + raw].to_string(),
                );
            }
        }
        let n_raw = records.len() - n_kept;
        let transfer_entries = match reports_in_flight.as_deref() {
            Some(in_flight) if !transfers.is_empty() => {
                self.transfer_entries(&transfers, &macs, in_flight, &entries_read)?
            }
            _ => Vec::new(),
        };
        let records: &[RecordContents] = &records;
        let keys = self.keys.read().map_err(|_| poisoned("key ring"))?;
        let mut wrappers: HashMap<u32, (u32, Arc<AeadKey>)> = HashMap::new();
        for plan in &plans {
            if let std::collections::hash_map::Entry::Vacant(entry) = wrappers.entry(plan.cohort.id)
            {
                let wrapper =
                    keys.data_key_wrapper(plan.cohort.id, plan.cohort.key_version, session)?;
                entry.insert((plan.cohort.key_version, wrapper));
            }
        }
        drop(keys);
        // Each thread draws its records' data keys from the OS in one call.
        let seal_chunk = |ids: &[RecordId],
                          chunk_records: &[RecordContents],
                          chunk_plans: &[Plan]| {
            let data_keys = KeyMaterial::generate_many_with_ids(ids.len())?;
            ids.iter()
                .zip(chunk_records)
                .zip(chunk_plans)
                .zip(data_keys)
                .map(|(((id, record), plan), (data_key, data_key_id))| {
                    let (version, wrapper) = wrappers
                        .get(&plan.cohort.id)
                        .ok_or_else(|| Error::corrupt("key ring", "cohort key missing"))?;
                    let sealed = seal_record(
                        id,
                        record,
                        (&data_key, data_key_id),
                        wrapper,
                        plan.cohort.id,
                        *version,
                    )?;
                    let index_keys = entry_keys(id, plan.system, plan.year, &plan.forms, &macs)?;
                    Ok((sealed, index_keys))
                })
                .collect::<Result<Vec<_>>>()
        };
        let sealed: Vec<(Vec<u8>, Vec<Vec<u8>>)> = if records.len() < PARALLEL_SEAL_THRESHOLD {
            seal_chunk(&planned, records, &plans)?
        } else {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let chunk = records.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let workers: Vec<_> = planned
                    .chunks(chunk)
                    .zip(records.chunks(chunk))
                    .zip(plans.chunks(chunk))
                    .map(|((ids, chunk_records), chunk_plans)| {
                        scope.spawn(move || seal_chunk(ids, chunk_records, chunk_plans))
                    })
                    .collect();
                let mut all = Vec::with_capacity(records.len());
                for worker in workers {
                    all.extend(
                        worker
                            .join()
                            .map_err(|_| Error::Storage("sealing thread panicked".into()))??,
                    );
                }
                Ok::<_, Error>(all)
            })?
        };
        // INVARIANT: a record and its index entries go in one atomic, synced batch.
        let sealed_bytes: usize = sealed
            .iter()
            .map(|(value, index_keys)| {
                16 + value.len() + index_keys.iter().map(Vec::len).sum::<usize>()
            })
            .sum();
        let mut batch = WriteBatch::with_capacity(planned.len() * 12, sealed_bytes + 64 * 1024);
        let mut index_entries = Vec::with_capacity(planned.len() * 10);
        for ((id, (value, index_keys)), plan) in planned.iter().zip(sealed).zip(&plans) {
            batch.put(Column::Records, id.as_bytes(), value);
            index_entries.extend(index_keys);
            if let Some((position, origin)) = plan.held {
                Vault::join_subject_hold(
                    &subject_holds[position],
                    id,
                    origin,
                    &plan.forms,
                    &mut batch,
                );
            }
        }
        // Index entries go in in key order: the memtable's skip list then finds each one's
        // place from the last one's, instead of from the top (random tokens otherwise cost
        // most of a batch's write time; docs/performance.md).
        index_entries.sort_unstable();
        for index_key in index_entries {
            batch.put(Column::Index, index_key, []);
        }
        for (key, value) in transfer_entries {
            batch.put(Column::Index, key, value);
        }
        let mut draft = Draft::new(access, "ingest", now.timestamp_millis());
        let mut systems: Vec<&str> = records
            .iter()
            .map(|record| record.system.as_str())
            .collect();
        systems.sort_unstable();
        systems.dedup();
        draft.system = systems.join(",");
        draft.outcome = format!("stored {n_kept}");
        if n_raw > 0 {
            draft.outcome += &format!(" with {n_raw} raw messages");
        }
        if n_versions > 0 {
            draft.outcome += &format!(", {n_versions} of them new versions of earlier records");
        }
        if !outcome.duplicates.is_empty() {
            draft.outcome += &format!(
                ", {} duplicates of reports already stored not stored again",
                outcome.duplicates.len()
            );
        }
        if !outcome.conflicting.is_empty() {
            draft.outcome += &format!(
                ", {} disagreeing with an earlier report of their transfer",
                outcome.conflicting.len()
            );
        }
        draft.record_ids = planned.clone();
        // Each record's sealing cohort, and for one a subject hold caught its period cohort too:
        // checked again at commit (destroyed, or transferred meanwhile).
        let mut cohort_ids: Vec<u32> = plans
            .iter()
            .flat_map(|plan| {
                std::iter::once(plan.cohort.id).chain(plan.held.map(|(_, origin)| origin))
            })
            .chain(index_cohorts)
            .collect();
        cohort_ids.sort_unstable();
        cohort_ids.dedup();
        Ok(PreparedIngest {
            draft,
            batch,
            outcome,
            reports,
            cohorts: cohort_ids,
        })
    }
}

/// Seals one record: its fresh data key (with the key's id) seals the contents, and the
/// cohort's segment key wraps it.
fn seal_record(
    id: &RecordId,
    record: &RecordContents,
    (data_key, data_key_id): (&KeyMaterial, [u8; 8]),
    wrapper: &AeadKey,
    cohort: u32,
    cohort_version: u32,
) -> Result<Vec<u8>> {
    let plaintext = encode_contents(record);
    let sealed_contents = AeadKey::direct(data_key).seal(
        &contents_aad(id, record.system.as_str(), CONTENTS_VERSION, &data_key_id),
        &plaintext,
    )?;
    let wrapped_data_key = wrapper.wrap_key(
        &data_key_aad(id, cohort, cohort_version, &data_key_id),
        data_key,
    )?;
    Ok(SealedRecord {
        contents_version: CONTENTS_VERSION,
        cohort,
        cohort_version,
        data_key_id,
        wrapped_data_key: &wrapped_data_key,
        sealed_contents: &sealed_contents,
    }
    .encode())
}

/// Names a resumable ingest stream (an idempotency key: for a file, its hash). Only the key's
/// SHA-256 is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct StreamKey([u8; 32]);

impl StreamKey {
    /// The stream named by `key` (any bytes; callers use the input's hash and their own
    /// names).
    pub fn new(key: &[u8]) -> Self {
        StreamKey(crate::crypto::sha256(key))
    }

    fn meta_key(&self) -> Vec<u8> {
        ingest_stream_key(&self.0)
    }
}

impl std::fmt::Debug for StreamKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StreamKey({})", hex::encode(&self.0[..6]))
    }
}
