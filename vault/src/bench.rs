//! The benchmark's door (feature `bench`): baselines that make the same logical writes as
//! `Vault::ingest` (a record, one index entry per name and identifier, the same batching and
//! syncing) to plain RocksDB, without encryption or HMAC, so `recvault bench` can report what
//! security costs. Nothing here is reachable from the served vault.

use std::path::Path;

use crate::codec::encode_contents;
use crate::error::Result;
use crate::index::index_forms;
use crate::store::{Column, Durability, RocksStore, Store, WriteBatch};
use model::{RecordContents, RecordId};

/// What a baseline writes per record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaselineWrites {
    /// The record, its index entries and the batch's access-log entry, in the clear
    /// (baseline 1).
    RecordAndIndex,
    /// The record alone, in the clear: the physical limit (baseline 0).
    RecordOnly,
}

/// A plain RocksDB database written the way the vault writes, minus the cryptography.
#[derive(Debug)]
pub struct PlainBaseline {
    store: RocksStore,
    writes: BaselineWrites,
    next_seq: u32,
    next_log_seq: u64,
}

impl PlainBaseline {
    /// Creates the baseline's database in the new directory `dir`.
    pub fn create(dir: &Path, writes: BaselineWrites) -> Result<Self> {
        Ok(PlainBaseline {
            store: RocksStore::create(dir)?,
            writes,
            next_seq: 0,
            next_log_seq: 0,
        })
    }

    /// Writes `records` in one synced batch: each record's encoded contents under an id of
    /// the vault's layout, and (for [`BaselineWrites::RecordAndIndex`]) one entry per name and
    /// identifier keyed by the plaintext normalized form, laid out as the vault's tokens are.
    pub fn write(&mut self, records: &[RecordContents]) -> Result<()> {
        let mut batch = WriteBatch::new();
        let mut index_entries = Vec::new();
        let mut transfer_entries = Vec::new();
        let mut logged_ids = Vec::with_capacity(16 * records.len() + 128);
        for record in records {
            let id = RecordId::new(1, record.collected_at.timestamp_millis(), 1, self.next_seq);
            self.next_seq = self.next_seq.wrapping_add(1);
            logged_ids.extend_from_slice(id.as_bytes());
            batch.put(Column::Records, id.as_bytes(), encode_contents(record));
            if self.writes == BaselineWrites::RecordAndIndex {
                let year = crate::index::index_year(record.collected_at)?;
                for (kind, form) in index_forms(record) {
                    let key = crate::keyspace::index_entry(1, year, kind, form.as_bytes(), &id);
                    index_entries.push(key);
                }
                // The transfer's entry: its key in the clear, the record and what it says.
                if let Ok(Some(report)) = crate::reports::ReportKey::of(record) {
                    let key = crate::keyspace::index_token_prefix(
                        1,
                        year,
                        crate::reports::TRANSFER_KIND,
                        report.key.as_bytes(),
                    );
                    let value = [id.as_bytes(), report.matched.as_bytes()].concat();
                    transfer_entries.push((key, value));
                }
            }
        }
        transfer_entries.sort_unstable();
        for (key, value) in transfer_entries {
            batch.put(Column::Index, key, value);
        }
        // In key order, as the vault writes them: the same write strategy, so the ratio
        // measures the cryptography alone.
        index_entries.sort_unstable();
        for key in index_entries {
            batch.put(Column::Index, key, Vec::new());
        }
        if self.writes == BaselineWrites::RecordAndIndex {
            // The vault's one access-log entry per batch: who and why, and the record ids.
            self.next_log_seq += 1;
            logged_ids.extend_from_slice(
                b"bench|local|operator|benchmark|offline-administration|local|ingest",
            );
            batch.put(
                Column::Log,
                crate::keyspace::log_entry_key(self.next_log_seq),
                logged_ids,
            );
        }
        self.store.write(batch, Durability::Synced)
    }
}

/// Bytes of a record's encoded contents (its plaintext size as stored, before sealing).
pub fn encoded_len(record: &RecordContents) -> usize {
    encode_contents(record).len()
}

/// The (index kind, normalized form) pairs the vault indexes a record under: what the
/// PostgreSQL baseline turns into its blind-index tokens.
pub fn index_forms_of(record: &RecordContents) -> Vec<(u8, String)> {
    let mut forms = index_forms(record);
    if let Ok(Some(report)) = crate::reports::ReportKey::of(record) {
        forms.push((crate::reports::TRANSFER_KIND, report.key));
    }
    forms
}

/// Index entries the vault writes for a record (its distinct names and identifiers, its
/// version key, and the transfer it reports).
pub fn index_entry_count(record: &RecordContents) -> usize {
    index_forms(record).len()
        + usize::from(matches!(crate::reports::ReportKey::of(record), Ok(Some(_))))
}

/// Flushes and compacts the vault's store, so deleted data is physically dropped: the purge's
/// second half, timed by the benchmark.
pub fn compact(vault: &crate::vault::Vault) -> Result<()> {
    vault.store.flush()?;
    vault.store.compact()
}
