//! The storage layer: an ordered key-value store with column families and atomic batches.
//!
//! The vault only ever hands the store ciphertext, wrapped keys, HMAC tokens and record ids;
//! the store never sees plaintext. [`RocksStore`] is the embedded engine and the only code that
//! names RocksDB; [`MemStore`] is an in-memory engine for tests. One conformance suite
//! (`store/tests.rs`) runs against both, and a networked backend (PostgreSQL) will have to pass
//! it too.

use std::fmt;

use crate::error::Result;

mod mem;
mod rocks;

pub use mem::MemStore;
pub use rocks::RocksStore;

/// The column families, each with its own keys and lifetime.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Column {
    /// Sealed records, keyed by record id.
    Records,
    /// Blind-index entries (HMAC tokens to record ids).
    Index,
    /// Wrapped keys: cohort keys, index keys, signing keys.
    Keys,
    /// The access log.
    Log,
    /// The accounting of disclosures.
    Accounting,
    /// Vault metadata: format version, key check, partitions, sessions.
    Meta,
    /// Annotations of records (corrections, disputes, statements), keyed by record id and
    /// sequence, so a record's range covers them.
    Annotations,
}

impl Column {
    /// Every column, in a fixed order.
    pub const ALL: [Column; 7] = [
        Column::Records,
        Column::Index,
        Column::Keys,
        Column::Log,
        Column::Accounting,
        Column::Meta,
        Column::Annotations,
    ];

    /// The column family's name on disk.
    pub fn name(self) -> &'static str {
        match self {
            Column::Records => "records",
            Column::Index => "index",
            Column::Keys => "keys",
            Column::Log => "log",
            Column::Accounting => "accounting",
            Column::Meta => "meta",
            Column::Annotations => "annotations",
        }
    }
}

/// How durable a write must be before [`Store::write`] returns.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Durability {
    /// Synced to stable storage: survives a power cut. Every acknowledged write uses this.
    Synced,
    /// Handed to the engine (and its write-ahead log) but not synced: survives a process
    /// crash, not a power cut. Only for data that can be rebuilt.
    Buffered,
}

/// One change in a batch.
#[derive(Clone, PartialEq, Eq)]
pub enum Op {
    /// Sets `key` to `value`.
    Put {
        /// Where.
        column: Column,
        /// The key.
        key: Vec<u8>,
        /// The new value.
        value: Vec<u8>,
    },
    /// Removes `key`.
    Delete {
        /// Where.
        column: Column,
        /// The key.
        key: Vec<u8>,
    },
    /// Removes every key in `start..end`.
    DeleteRange {
        /// Where.
        column: Column,
        /// First key removed.
        start: Vec<u8>,
        /// First key kept.
        end: Vec<u8>,
    },
}

impl fmt::Debug for Op {
    /// Shows columns and sizes only: keys may be index tokens and values are ciphertext.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Put { column, key, value } => {
                write!(
                    f,
                    "Put({column:?}, {} byte key, {} byte value)",
                    key.len(),
                    value.len()
                )
            }
            Op::Delete { column, key } => write!(f, "Delete({column:?}, {} byte key)", key.len()),
            Op::DeleteRange { column, .. } => write!(f, "DeleteRange({column:?})"),
        }
    }
}

/// Changes applied all together or not at all.
#[derive(Clone, Default, Debug)]
pub struct WriteBatch {
    ops: Vec<Op>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a put.
    pub fn put(&mut self, column: Column, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.ops.push(Op::Put {
            column,
            key: key.into(),
            value: value.into(),
        });
    }

    /// Adds a delete.
    pub fn delete(&mut self, column: Column, key: impl Into<Vec<u8>>) {
        self.ops.push(Op::Delete {
            column,
            key: key.into(),
        });
    }

    /// Adds a range delete of `start..end`.
    pub fn delete_range(
        &mut self,
        column: Column,
        start: impl Into<Vec<u8>>,
        end: impl Into<Vec<u8>>,
    ) {
        self.ops.push(Op::DeleteRange {
            column,
            start: start.into(),
            end: end.into(),
        });
    }

    /// Moves every change of `other` to the end of this batch.
    pub fn append(&mut self, other: WriteBatch) {
        self.ops.extend(other.ops);
    }

    /// The changes, in order.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// Whether the batch holds no change.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// How many changes it holds.
    pub fn len(&self) -> usize {
        self.ops.len()
    }
}

/// Bytes of an index entry's key before the record id: layout version, system, year, kind and
/// token. The `index` column's prefix filter covers exactly these.
pub const INDEX_TOKEN_PREFIX: usize = 1 + 2 + 2 + 1 + 16;

/// The first key after every key that starts with `prefix`: the end of a prefix scan or range
/// delete. Trailing `ff` bytes are dropped before the last byte is incremented, so a prefix
/// ending in a record id or a hold number of any value is covered (a plain increment of the
/// last byte would overflow on `ff`). Every prefix the vault scans starts with a tag below
/// `ff`; for one made only of `ff` bytes the end is empty and the scan finds nothing.
pub(crate) fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            break;
        }
    }
    end
}

/// A key and its value, as returned by scans.
pub type Entry = (Vec<u8>, Vec<u8>);

/// An ordered key-value store with column families. Keys compare as bytes.
pub trait Store: Send + Sync + fmt::Debug {
    /// The value at `key`, if any.
    fn get(&self, column: Column, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Applies every change of `batch` atomically: after a crash, all of it or none of it is
    /// there. With [`Durability::Synced`] it is on stable storage when this returns.
    fn write(&self, batch: WriteBatch, durability: Durability) -> Result<()>;

    /// Up to `limit` entries with keys in `start..end` (to the end of the column if `end` is
    /// `None`), in key order.
    fn scan(
        &self,
        column: Column,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<Entry>>;

    /// Every entry whose key starts with `prefix`, where `prefix` is a whole index token
    /// prefix ([`INDEX_TOKEN_PREFIX`] bytes): an engine may skip files by a prefix filter.
    fn scan_token(&self, column: Column, prefix: &[u8]) -> Result<Vec<Entry>> {
        self.scan(column, prefix, Some(&prefix_end(prefix)), usize::MAX)
    }

    /// How many keys lie in `start..end` (to the end of the column if `end` is `None`).
    fn count(&self, column: Column, start: &[u8], end: Option<&[u8]>) -> Result<u64>;

    /// Writes a consistent copy of the whole store into the new directory `to` (a RocksDB
    /// checkpoint: hard links where the file system allows). Engines without files refuse.
    fn checkpoint(&self, to: &std::path::Path) -> Result<()>;

    /// Writes in-memory state to the engine's files (a no-op where there are none).
    fn flush(&self) -> Result<()>;

    /// Rewrites the engine's files so deleted data is physically dropped where the engine can.
    fn compact(&self) -> Result<()>;

    /// Like [`Store::compact`], for one column (so a long compaction can report progress).
    fn compact_column(&self, column: Column) -> Result<()> {
        let _ = column;
        self.compact()
    }
}

#[cfg(test)]
mod tests;
