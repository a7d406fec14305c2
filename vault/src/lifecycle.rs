//! Key lifecycle of an open vault: cohorts made on demand, holds that move records to a cohort
//! of their own, destruction of a cohort by destroying its key and the root epoch that wrapped
//! it, and root-key rotation. The argument why this makes deletion hold against old copies is
//! in docs/storage-format.md ("Destruction").

use chrono::{DateTime, Datelike, Utc};

use crate::cohort::{CohortInfo, CohortKind};
use crate::error::{Error, Result};
use crate::keys::root_key_of;
use crate::keyspace::{
    accounting_cohort_key, accounting_year_ranges, annotations_of_record, cohort_key, deferred_key,
    hold_cohort_key, index_cohort_key, manual_access_range, moved_key, moved_range, period_key,
    purge_pending_key, wrapped_cohort_key_range, META_COHORT_NEXT, META_LAST_COMPACTION,
    META_MANUAL_ACCESS, META_MARKS_SWEPT, META_MOVED, META_PURGE_PENDING,
};
use crate::log::{Access, Draft};
use crate::sealed::{data_key_aad, SealedRecord};
use crate::store::{prefix_end, Column, Durability, WriteBatch};
use crate::vault::{meta_u32, poisoned, Vault};
use model::RecordId;

/// What [`Vault::destroy_cohort`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destruction {
    /// The destroyed cohort.
    pub cohort: u32,
    /// Records of its range that survive because they were moved to another cohort (a hold).
    pub survivors: u64,
    /// The root epoch started by the destruction; the previous one is destroyed.
    pub new_epoch: u32,
    /// Index-period keys destroyed with it (its system's year ended with this cohort).
    pub index_keys_destroyed: usize,
}

/// What [`Vault::key_status`] reports: ids, versions, epochs and ages, never key bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyStatus {
    /// The current root epoch.
    pub root_epoch: u32,
    /// How many cohort keys (all versions) are live.
    pub live_cohort_keys: usize,
    /// Every cohort, live or destroyed.
    pub cohorts: Vec<CohortInfo>,
}

impl Vault {
    /// Cohort `id`'s description and state, if it exists.
    pub(crate) fn cohort_info(&self, id: u32) -> Result<Option<CohortInfo>> {
        Ok(self
            .cohorts
            .read()
            .map_err(|_| poisoned("cohort registry"))?
            .info
            .get(&id)
            .cloned())
    }

    /// The period cohort a record id falls in, if it was made (live or destroyed).
    pub fn period_cohort_of(&self, id: &RecordId) -> Result<Option<u32>> {
        let Ok((start_ms, _)) = self
            .bucket_of(id.partition())?
            .range(id.collected_at_millis())
        else {
            return Ok(None);
        };
        let cohorts = self
            .cohorts
            .read()
            .map_err(|_| poisoned("cohort registry"))?;
        Ok(cohorts.by_period.get(&(id.partition(), start_ms)).copied())
    }

    /// Whether the period cohort a record id falls in still lives.
    pub(crate) fn period_cohort_live(&self, id: &RecordId) -> Result<bool> {
        let Ok((start_ms, _)) = self
            .bucket_of(id.partition())?
            .range(id.collected_at_millis())
        else {
            return Ok(false);
        };
        let cohorts = self
            .cohorts
            .read()
            .map_err(|_| poisoned("cohort registry"))?;
        Ok(cohorts
            .by_period
            .get(&(id.partition(), start_ms))
            .and_then(|cohort| cohorts.info.get(cohort))
            .is_some_and(CohortInfo::is_live))
    }

    /// The cohort a record moved to out of its period cohort, if it moved.
    pub(crate) fn moved_to(&self, id: &RecordId) -> Result<Option<u32>> {
        self.store
            .get(Column::Meta, &moved_key(id))?
            .map(|value| {
                <[u8; 4]>::try_from(value.as_slice())
                    .map(u32::from_be_bytes)
                    .map_err(|_| Error::corrupt("moved entry", "bad cohort"))
            })
            .transpose()
    }

    /// The cohort of `kind`, made (key and registry, synced) on first use. Refused with
    /// `ended` if that cohort was destroyed: what would go into it has outlived it.
    pub(crate) fn live_cohort(
        &self,
        kind: CohortKind,
        ended: &str,
        now: DateTime<Utc>,
    ) -> Result<CohortInfo> {
        let found = self
            .cohorts
            .read()
            .map_err(|_| poisoned("cohort registry"))?
            .find(&kind)
            .cloned();
        let info = match found {
            Some(info) => info,
            None => self.new_cohort(kind, now)?,
        };
        if !info.is_live() {
            return Err(Error::Invalid(ended.to_owned()));
        }
        Ok(info)
    }

    /// Makes a cohort: its first key, wrapped under the current root, and its registry
    /// entries, in one synced batch; the key joins the ring only once that batch is durable.
    pub(crate) fn new_cohort(&self, kind: CohortKind, now: DateTime<Utc>) -> Result<CohortInfo> {
        let info = self.new_cohort_locked(kind, now)?;
        self.export_key_table()?;
        Ok(info)
    }

    fn new_cohort_locked(&self, kind: CohortKind, now: DateTime<Utc>) -> Result<CohortInfo> {
        let mut cohorts = self
            .cohorts
            .write()
            .map_err(|_| poisoned("cohort registry"))?;
        // Another writer may have made it while this one waited for the lock.
        if let Some(info) = cohorts.find(&kind) {
            return Ok(info.clone());
        }
        let id = meta_u32(&*self.store, META_COHORT_NEXT, "cohort counter")?.unwrap_or(1);
        let next = id
            .checked_add(1)
            .ok_or_else(|| Error::Invalid("no cohort id left".into()))?;
        let info = CohortInfo {
            id,
            kind,
            key_version: 1,
            created_ms: now.timestamp_millis(),
            destroyed_ms: None,
        };
        let mut keys = self.keys.write().map_err(|_| poisoned("key ring"))?;
        let mut batch = WriteBatch::new();
        let key = keys.new_cohort_key(id, 1, &mut batch)?;
        batch.put(Column::Meta, cohort_key(id), info.encode());
        match &info.kind {
            CohortKind::Period {
                partition,
                start_ms,
                ..
            } => batch.put(
                Column::Meta,
                period_key(*partition, *start_ms),
                id.to_be_bytes(),
            ),
            CohortKind::Hold { reference } => {
                batch.put(Column::Meta, hold_cohort_key(reference), id.to_be_bytes())
            }
            CohortKind::IndexPeriod { system, kind, year } => batch.put(
                Column::Meta,
                index_cohort_key(*system, *kind, *year),
                id.to_be_bytes(),
            ),
            CohortKind::Accounting { year } => {
                batch.put(Column::Meta, accounting_cohort_key(*year), id.to_be_bytes())
            }
            CohortKind::Deferred {
                partition,
                start_ms,
                ..
            } => batch.put(
                Column::Meta,
                deferred_key(*partition, *start_ms),
                id.to_be_bytes(),
            ),
        }
        batch.put(Column::Meta, META_COHORT_NEXT, next.to_be_bytes());
        let mut draft = Draft::new(&Access::automatic(), "key.create", now.timestamp_millis());
        draft.cohorts = vec![id];
        self.commit_key_change(draft, batch)?;
        keys.insert(id, 1, key);
        cohorts.index(&info);
        cohorts.info.insert(id, info.clone());
        Ok(info)
    }

    /// Destroys a period cohort (or a deferred cohort, or a released hold's cohort): deletes its key, starts a new root epoch (every live cohort
    /// key re-wrapped under a fresh root key, durably, then the previous root key destroyed in
    /// the backend), then range-deletes its records, sparing those moved to another cohort.
    /// After it returns, no copy of the data taken before can be decrypted with the key
    /// material that remains.
    pub fn destroy_cohort(
        &self,
        access: &Access,
        cohort: u32,
        now: DateTime<Utc>,
    ) -> Result<Destruction> {
        access.validate()?;
        let _exclusive = self.lifecycle.write().map_err(|_| poisoned("lifecycle"))?;
        let info = self
            .cohort_info(cohort)?
            .ok_or_else(|| Error::Invalid(format!("no cohort {cohort}")))?;
        if !info.is_live() {
            return Err(Error::Invalid(format!(
                "cohort {cohort} is already destroyed"
            )));
        }
        if let CohortKind::Hold { reference } = &info.kind {
            if self
                .hold_of_cohort(cohort)?
                .is_none_or(|hold| hold.is_active())
            {
                return Err(Error::Invalid(format!(
                    "cohort {cohort} belongs to hold `{reference}`: a held record is never destroyed"
                )));
            }
        }
        if let CohortKind::IndexPeriod { .. } = info.kind {
            return Err(Error::Invalid(format!(
                "cohort {cohort} is an index period: it ends with the last record cohort of its year"
            )));
        }
        let survivors = self.moved_out_of(&info)?.len() as u64;
        let kept_by: Vec<String> = self
            .survivors_by_keeper(cohort)?
            .into_iter()
            .map(|(keeper, count)| match count {
                Some(count) => format!("{count} kept by {keeper}"),
                None => format!("kept by {keeper}"),
            })
            .collect();
        // When this was the last live cohort of its system's year and the year is over, the
        // year's index keys die with it, in the same epoch change.
        let mut doomed = vec![info];
        doomed.extend(self.index_periods_ending_with(&doomed[0], now)?);
        let mut batch = WriteBatch::new();
        for cohort_info in &mut doomed {
            cohort_info.destroyed_ms = Some(now.timestamp_millis());
            let (key_start, key_end) = wrapped_cohort_key_range(cohort_info.id);
            batch.delete_range(Column::Keys, key_start, key_end);
            batch.put(
                Column::Meta,
                cohort_key(cohort_info.id),
                cohort_info.encode(),
            );
            batch.put(Column::Meta, purge_pending_key(cohort_info.id), []);
        }
        let dropped: Vec<u32> = doomed.iter().map(|cohort_info| cohort_info.id).collect();
        let mut draft = Draft::new(access, "cohort.destroy", now.timestamp_millis());
        draft.cohorts = dropped.clone();
        draft.outcome = if kept_by.is_empty() {
            "no survivors".to_owned()
        } else {
            format!("survivors: {}", kept_by.join(", "))
        };
        let new_epoch = self.change_epoch(&dropped, batch, draft)?;
        {
            let mut cohorts = self
                .cohorts
                .write()
                .map_err(|_| poisoned("cohort registry"))?;
            for cohort_info in &doomed {
                cohorts.info.insert(cohort_info.id, cohort_info.clone());
            }
        }
        for cohort_info in &doomed {
            self.purge(cohort_info)?;
        }
        Ok(Destruction {
            cohort,
            survivors,
            new_epoch,
            index_keys_destroyed: doomed.len() - 1,
        })
    }

    /// The live index periods that end when `ending` (a period cohort) is destroyed at `now`:
    /// its system's keys for its year, if the year is over and every other record cohort of
    /// that system and year is already destroyed.
    fn index_periods_ending_with(
        &self,
        ending: &CohortInfo,
        now: DateTime<Utc>,
    ) -> Result<Vec<CohortInfo>> {
        let CohortKind::Period {
            partition,
            start_ms,
            ..
        } = ending.kind
        else {
            return Ok(Vec::new());
        };
        let (system, _) = self.partition_name(partition)?;
        let Some(system_no) = self.system_number(&system)? else {
            return Ok(Vec::new());
        };
        let Some(start) = DateTime::<Utc>::from_timestamp_millis(start_ms) else {
            return Ok(Vec::new());
        };
        let year = start.year();
        if now.year() <= year {
            return Ok(Vec::new());
        }
        let cohorts = self
            .cohorts
            .read()
            .map_err(|_| poisoned("cohort registry"))?;
        for other in cohorts.info.values() {
            if let CohortKind::Period {
                partition: other_partition,
                start_ms: other_start,
                ..
            } = other.kind
            {
                let same_year = DateTime::<Utc>::from_timestamp_millis(other_start)
                    .is_some_and(|t| t.year() == year);
                let same_system = self.partition_name(other_partition)?.0 == system;
                if other.id != ending.id && same_year && same_system && other.is_live() {
                    return Ok(Vec::new());
                }
            }
        }
        let Ok(year) = u16::try_from(year) else {
            return Ok(Vec::new());
        };
        Ok(cohorts
            .by_index
            .range((system_no, 0, year)..=(system_no, u8::MAX, year))
            .filter(|((_, _, index_year), _)| *index_year == year)
            .filter_map(|(_, id)| cohorts.info.get(id))
            .filter(|index_info| index_info.is_live())
            .cloned()
            .collect())
    }

    /// Rotates the root key without destroying anything: a new epoch re-wraps every live
    /// cohort key and the previous root key is destroyed. Returns the new epoch.
    pub fn rotate_root_key(&self, access: &Access, now: DateTime<Utc>) -> Result<u32> {
        access.validate()?;
        let _exclusive = self.lifecycle.write().map_err(|_| poisoned("lifecycle"))?;
        let draft = Draft::new(access, "key.rotate-root", now.timestamp_millis());
        self.change_epoch(&[], WriteBatch::new(), draft)
    }

    /// Starts a new root epoch. The order makes every crash safe: (1) the backend stores the
    /// new root key beside the old; (2) one synced batch re-wraps every live cohort key (but
    /// those of `dropped`) under it, switches the epoch and applies `extra`: the commit point;
    /// (3) the backend destroys the old root key. A crash before (2) leaves the old epoch in
    /// force and an unused new key that the next change replaces; a crash after (2) is
    /// finished at the next open, which destroys the older root key.
    fn change_epoch(
        &self,
        dropped: &[u32],
        mut batch: WriteBatch,
        mut draft: Draft,
    ) -> Result<u32> {
        let mut keys = self.keys.write().map_err(|_| poisoned("key ring"))?;
        let new_epoch = keys
            .epoch()
            .checked_add(1)
            .ok_or_else(|| Error::Invalid("root epochs exhausted".into()))?;
        // After a key change whose outcome stayed unknown, the epoch in memory may be behind
        // the disk's: adding "the next" root key would then replace the one the disk uses.
        self.refuse_if_halted()?;
        self.backend.add_root_key(new_epoch)?;
        let new_root = root_key_of(&*self.backend, new_epoch)?;
        keys.rewrap_under(&new_root, dropped, &mut batch)?;
        if draft.outcome == "ok" {
            draft.outcome = String::new();
        } else {
            draft.outcome.push_str("; ");
        }
        draft.outcome.push_str(&format!("root epoch {new_epoch}"));
        self.commit_key_change(draft, batch)?;
        keys.switch_root(new_root, dropped);
        drop(keys);
        // The old root key goes only once every wrapped key on disk opens under the new one:
        // otherwise something is wrapped under the old epoch, and destroying it would lose it.
        // The change is committed: if finishing it fails, memory and the backend may not
        // follow the disk, so writes stop until a restart finishes it (opening destroys the
        // older root keys once every wrapped key opens under the current one).
        let finished = root_key_of(&*self.backend, new_epoch)
            .and_then(|root| crate::keys::check_wrapped_under(&*self.store, &root))
            .and_then(|()| self.backend.destroy_root_keys_before(new_epoch));
        if let Err(err) = finished {
            self.log
                .halt("a committed epoch change could not be finished");
            return Err(err);
        }
        self.export_key_table()?;
        Ok(new_epoch)
    }

    /// The records a deferred cohort keeps: those of its bucket whose moved mark names it.
    pub(crate) fn deferred_members(&self, info: &CohortInfo) -> Result<Vec<RecordId>> {
        let CohortKind::Deferred {
            partition,
            start_ms,
            end_ms,
        } = info.kind
        else {
            return Ok(Vec::new());
        };
        let period = CohortInfo {
            kind: CohortKind::Period {
                partition,
                start_ms,
                end_ms,
            },
            ..info.clone()
        };
        let mut out = Vec::new();
        for id in self.moved_out_of(&period)? {
            if self.moved_to(&id)? == Some(info.id) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Moves the records of a period cohort that a person has read into its deferred cohort
    /// (the PNR deleted record file), before the period cohort is destroyed: their data keys
    /// are re-wrapped under the deferred cohort and their index entries deleted, since that
    /// file is not in a readily searchable form (seed 001 paragraph 15, footnote 7). Records
    /// moved elsewhere (held) stay where they are. Idempotent. Returns how many moved.
    pub fn defer_accessed_records(
        &self,
        access: &Access,
        cohort: u32,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        access.validate()?;
        let _exclusive = self.lifecycle.write().map_err(|_| poisoned("lifecycle"))?;
        let info = self
            .cohort_info(cohort)?
            .ok_or_else(|| Error::Invalid(format!("no cohort {cohort}")))?;
        let CohortKind::Period {
            partition,
            start_ms,
            end_ms,
        } = info.kind
        else {
            return Err(Error::Invalid(format!(
                "cohort {cohort} is not a period cohort"
            )));
        };
        if !info.is_live() {
            return Err(Error::Invalid(format!(
                "cohort {cohort} is already destroyed"
            )));
        }
        let marks = self.store.scan(
            Column::Meta,
            &crate::keyspace::manual_access_key(&RecordId::new(partition, start_ms, 0, 0)),
            Some(&crate::keyspace::manual_access_key(&RecordId::new(
                partition, end_ms, 0, 0,
            ))),
            usize::MAX,
        )?;
        let accessed: Vec<RecordId> = marks
            .into_iter()
            .filter_map(|(key, _)| {
                key.get(key.len().saturating_sub(16)..)
                    .and_then(|bytes| <[u8; 16]>::try_from(bytes).ok())
                    .map(RecordId::from_bytes)
            })
            .collect();
        // Records still in the period cohort (not held): read their index forms first.
        let mut moving = Vec::new();
        for id in accessed {
            if self.store.get(Column::Meta, &moved_key(&id))?.is_some() {
                continue;
            }
            let Some(value) = self.store.get(Column::Records, id.as_bytes())? else {
                continue;
            };
            let record = self.open_record(&id)?;
            moving.push((
                id,
                value,
                crate::index::index_forms(&record.contents),
                record.contents.collected_at,
            ));
        }
        if moving.is_empty() {
            return Ok(0);
        }
        let deferred = self.live_cohort(
            CohortKind::Deferred {
                partition,
                start_ms,
                end_ms,
            },
            "its deferred cohort was destroyed",
            now,
        )?;
        let (system, _) = self.partition_name(partition)?;
        let system_no = self
            .system_number(&system)?
            .ok_or_else(|| Error::corrupt("partition registry", "system without a number"))?;
        let mut wanted: Vec<(u16, u8, u16)> = moving
            .iter()
            .flat_map(|(_, _, forms, collected)| {
                let year = crate::index::index_year(*collected).unwrap_or(0);
                forms.iter().map(move |(kind, _)| (system_no, *kind, year))
            })
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let (macs, _) = self.index_macs(&wanted, now)?;
        let (session, _) = self.reserve_ids(moving.len())?;
        let keys = self.keys.read().map_err(|_| poisoned("key ring"))?;
        let wrapper = keys.data_key_wrapper(deferred.id, deferred.key_version, session)?;
        let mut batch = WriteBatch::new();
        let mut ids = Vec::with_capacity(moving.len());
        for (id, value, forms, collected) in &moving {
            batch.put(
                Column::Records,
                id.as_bytes(),
                rewrap(&keys, id, value, &deferred, &wrapper)?,
            );
            batch.put(Column::Meta, moved_key(id), deferred.id.to_be_bytes());
            let year = crate::index::index_year(*collected)?;
            for entry in crate::index::entry_keys(id, system_no, year, forms, &macs)? {
                batch.delete(Column::Index, entry);
            }
            ids.push(*id);
        }
        drop(keys);
        let mut draft = Draft::new(access, "records.defer", now.timestamp_millis());
        draft.system = system.to_string();
        draft.record_ids = ids;
        draft.cohorts = vec![cohort, deferred.id];
        draft.outcome = format!(
            "{} manually accessed records moved to the deleted record file, out of the search indexes",
            moving.len()
        );
        self.commit_key_change(draft, batch)?;
        self.export_key_table()?;
        Ok(moving.len() as u64)
    }

    /// Ids of records in a period cohort's range that moved to another cohort.
    pub(crate) fn moved_out_of(&self, info: &CohortInfo) -> Result<Vec<RecordId>> {
        let Some((start, end)) = info.record_range() else {
            return Ok(Vec::new());
        };
        let (from, to) = moved_range(&start, &end);
        let entries = self
            .store
            .scan(Column::Meta, &from, Some(&to), usize::MAX)?;
        entries
            .iter()
            .map(|(key, _)| {
                let bytes: [u8; 16] = key[META_MOVED.len()..]
                    .try_into()
                    .map_err(|_| Error::corrupt("moved entry", "bad record id"))?;
                Ok(RecordId::from_bytes(bytes))
            })
            .collect()
    }

    /// Removes a destroyed cohort's records with range deletes that skip the survivors, and
    /// clears its pending-purge mark, in one synced batch. Idempotent.
    fn purge(&self, info: &CohortInfo) -> Result<()> {
        let mut batch = WriteBatch::new();
        if let Some((start, end)) = info.index_range() {
            batch.delete_range(Column::Index, start, end);
        }
        if let CohortKind::Accounting { year } = info.kind {
            for (start, end) in accounting_year_ranges(year) {
                batch.delete_range(Column::Accounting, start, end);
            }
        }
        if let CohortKind::Hold { .. } = info.kind {
            self.purge_hold_members(info.id, &mut batch)?;
        }
        if let CohortKind::Deferred { .. } = info.kind {
            for id in self.deferred_members(info)? {
                batch.delete(Column::Records, id.as_bytes());
                let (start, end) = annotations_of_record(&id);
                batch.delete_range(Column::Annotations, start, end);
                batch.delete(Column::Meta, moved_key(&id));
                batch.delete(Column::Meta, crate::keyspace::manual_access_key(&id));
            }
        }
        if let Some((start, end)) = info.record_range() {
            let mut from = start.clone();
            let mut from_annotations = start.clone();
            // The marks of records a person read name the record (its id carries the collection
            // time) and when: they go with the records, a survivor's staying with it.
            let mut from_marks = start;
            for survivor in self.moved_out_of(info)? {
                batch.delete_range(Column::Records, from, survivor.as_bytes());
                batch.delete_range(Column::Annotations, from_annotations, survivor.as_bytes());
                let (marks_start, marks_end) =
                    manual_access_range(&from_marks, survivor.as_bytes());
                batch.delete_range(Column::Meta, marks_start, marks_end);
                from = crate::keyspace::key_after(survivor.as_bytes());
                // A survivor's annotations are its id and a 4-byte sequence: skip them all.
                from_annotations = annotations_of_record(&survivor).1;
                from_marks = from.clone();
            }
            batch.delete_range(Column::Records, from, end.clone());
            batch.delete_range(Column::Annotations, from_annotations, end.clone());
            let (marks_start, marks_end) = manual_access_range(&from_marks, &end);
            batch.delete_range(Column::Meta, marks_start, marks_end);
        }
        batch.delete(Column::Meta, purge_pending_key(info.id));
        self.store.write(batch, Durability::Synced)
    }

    /// Finishes the purges of destructions that committed before a crash.
    pub(crate) fn finish_pending_purges(&self) -> Result<()> {
        let end = prefix_end(META_PURGE_PENDING);
        for (key, _) in self
            .store
            .scan(Column::Meta, META_PURGE_PENDING, Some(&end), usize::MAX)?
        {
            let id_bytes: [u8; 4] = key[META_PURGE_PENDING.len()..]
                .try_into()
                .map_err(|_| Error::corrupt("purge mark", "bad cohort id"))?;
            let info = self
                .cohort_info(u32::from_be_bytes(id_bytes))?
                .ok_or_else(|| Error::corrupt("purge mark", "unknown cohort"))?;
            self.purge(&info)?;
        }
        Ok(())
    }

    /// Deletes, once, the marks of person reads whose records are gone: before 90c8cfc the purge
    /// of a period cohort destroyed without a deferral left them behind, each naming a
    /// destroyed record (its id carries the collection time) and when a person read it. Every
    /// destruction since deletes the marks with their records, so one pass is enough; it runs
    /// at the first open of a vault that has not had it, in one synced batch with the flag.
    pub(crate) fn sweep_orphaned_marks(&self) -> Result<()> {
        if self.store.get(Column::Meta, META_MARKS_SWEPT)?.is_some() {
            return Ok(());
        }
        let marks = self.store.scan(
            Column::Meta,
            META_MANUAL_ACCESS,
            Some(&prefix_end(META_MANUAL_ACCESS)),
            usize::MAX,
        )?;
        let mut batch = WriteBatch::new();
        for chunk in marks.chunks(4096) {
            let ids: Vec<&[u8]> = chunk
                .iter()
                .map(|(key, _)| &key[META_MANUAL_ACCESS.len()..])
                .collect();
            for ((key, _), record) in chunk
                .iter()
                .zip(self.store.multi_get(Column::Records, &ids)?)
            {
                if record.is_none() {
                    batch.delete(Column::Meta, key.clone());
                }
            }
        }
        batch.put(Column::Meta, META_MARKS_SWEPT, [1u8]);
        self.store.write(batch, Durability::Synced)
    }

    /// Physically drops what destructions deleted: flushes, then compacts each column
    /// (the last level included), calling `progress(columns done, columns in all, column)`
    /// after each. Crypto-shredding has already made the data unreadable; this removes the
    /// ciphertext, index tokens and wrapped keys from the files. Safe to run alongside reads
    /// and writes, and to interrupt.
    pub fn compact_destroyed(&self, progress: &mut dyn FnMut(usize, usize, &str)) -> Result<()> {
        self.store.flush()?;
        let columns = crate::store::Column::ALL;
        for (done, column) in columns.iter().enumerate() {
            self.store.compact_column(*column)?;
            progress(done + 1, columns.len(), column.name());
        }
        // One more version edit after the compaction, so the engine's manifest (rolled at
        // every edit) no longer names the files it removed, nor their boundary keys.
        let mut batch = WriteBatch::new();
        batch.put(Column::Meta, META_LAST_COMPACTION, Vec::from([1u8]));
        self.store.write(batch, Durability::Synced)?;
        self.store.flush()
    }

    /// Key ids, epochs, versions and ages: never key bytes.
    pub fn key_status(&self) -> Result<KeyStatus> {
        let keys = self.keys.read().map_err(|_| poisoned("key ring"))?;
        let cohorts = self
            .cohorts
            .read()
            .map_err(|_| poisoned("cohort registry"))?;
        Ok(KeyStatus {
            root_epoch: keys.epoch(),
            live_cohort_keys: keys.n_cohort_keys(),
            cohorts: cohorts.info.values().cloned().collect(),
        })
    }
}

/// Re-wraps a stored record's data key under `target` (its contents are not re-encrypted):
/// the record's new stored value.
pub(crate) fn rewrap(
    keys: &crate::keys::KeyRing,
    id: &RecordId,
    value: &[u8],
    target: &CohortInfo,
    wrapper: &crate::crypto::AeadKey,
) -> Result<Vec<u8>> {
    let sealed = SealedRecord::parse(value)?;
    let data_key = keys.unwrap_data_key(id, &sealed)?;
    let rewrapped = wrapper.wrap_key(
        &data_key_aad(id, target.id, target.key_version, &sealed.data_key_id),
        &data_key,
    )?;
    Ok(SealedRecord {
        cohort: target.id,
        cohort_version: target.key_version,
        wrapped_data_key: &rewrapped,
        ..sealed
    }
    .encode())
}

/// A hold reference names a case or a litigation matter, never a person: 1 to 64 letters,
/// digits, `-`, `_`, `.` or `/`.
pub(crate) fn check_hold_reference(reference: &str) -> Result<()> {
    let ok = !reference.is_empty()
        && reference.len() <= 64
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(
            "a hold reference must be 1 to 64 letters, digits, `-`, `_`, `.` or `/`".into(),
        ))
    }
}

#[cfg(test)]
mod tests;
