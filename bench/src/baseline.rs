//! Baselines 0 and 1: the same logical writes as `Vault::ingest` (a record, one index entry
//! per name, identifier and transfer, the batch's access-log entry, the same batching and
//! syncing) to plain RocksDB through the vault's own store, without encryption or HMAC, so the
//! benchmark can report what security costs. The only code that writes records unsealed; it
//! lives in this crate so the product binary never links it.

use std::path::Path;

use chrono::Datelike;
use model::{RecordContents, RecordId};
use vault::store::{Column, Durability, RocksStore, Store, WriteBatch};
use vault::{indexed_forms, keyspace, TRANSFER_KIND, TRANSFER_MATCH_SOURCE};

/// What a baseline writes per record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaselineWrites {
    /// The record, its index entries and the batch's access-log entry, in the clear
    /// (baseline 1).
    RecordAndIndex,
    /// The record alone, in the clear: the physical limit (baseline 0).
    RecordOnly,
}

/// A plain RocksDB database written the way the vault writes, minus the cryptography: the
/// vault's `RocksStore` (the same engine options), keys of the vault's layout.
#[derive(Debug)]
pub struct PlainBaseline {
    store: RocksStore,
    writes: BaselineWrites,
    next_seq: u32,
    next_log_seq: u64,
}

impl PlainBaseline {
    /// Creates the baseline's database in the new directory `dir`.
    pub fn create(dir: &Path, writes: BaselineWrites) -> vault::Result<Self> {
        Ok(PlainBaseline {
            store: RocksStore::create(dir)?,
            writes,
            next_seq: 0,
            next_log_seq: 0,
        })
    }

    /// Writes `records` in one synced batch: each record's encoded contents under an id of
    /// the vault's layout, and (for [`BaselineWrites::RecordAndIndex`]) one entry per indexed
    /// form keyed by the plaintext form where the vault puts its token, and the transfer's
    /// entry with its record and match as the vault's value holds them.
    pub fn write(&mut self, records: &[RecordContents]) -> vault::Result<()> {
        let mut batch = WriteBatch::new();
        let mut index_entries = Vec::new();
        let mut transfer_entries = Vec::new();
        let mut logged_ids = Vec::with_capacity(16 * records.len() + 128);
        for record in records {
            let id = RecordId::new(1, record.collected_at.timestamp_millis(), 1, self.next_seq);
            self.next_seq = self.next_seq.wrapping_add(1);
            logged_ids.extend_from_slice(id.as_bytes());
            batch.put(
                Column::Records,
                id.as_bytes(),
                vault::codec::encode_contents(record),
            );
            if self.writes == BaselineWrites::RecordAndIndex {
                let year = u16::try_from(record.collected_at.year())
                    .map_err(|_| vault::Error::Invalid("collected_at is out of range".into()))?;
                for (kind, form) in indexed_forms(record) {
                    if kind == TRANSFER_KIND {
                        let key = keyspace::index_token_prefix(1, year, kind, form.as_bytes());
                        let matched = record
                            .source
                            .get(TRANSFER_MATCH_SOURCE)
                            .map_or("", |matched| matched.trim());
                        let value = [id.as_bytes(), matched.as_bytes()].concat();
                        transfer_entries.push((key, value));
                    } else {
                        index_entries.push(keyspace::index_entry(
                            1,
                            year,
                            kind,
                            form.as_bytes(),
                            &id,
                        ));
                    }
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
                keyspace::log_entry_key(self.next_log_seq),
                logged_ids,
            );
        }
        self.store.write(batch, Durability::Synced)
    }
}

/// Bytes of a record's encoded contents (its plaintext size as stored, before sealing).
pub fn encoded_len(record: &RecordContents) -> usize {
    vault::codec::encode_contents(record).len()
}
