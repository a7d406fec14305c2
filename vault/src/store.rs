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

/// One change in a batch, borrowed from it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op<'a> {
    /// Sets `key` to `value`.
    Put {
        /// Where.
        column: Column,
        /// The key.
        key: &'a [u8],
        /// The new value.
        value: &'a [u8],
    },
    /// Removes `key`.
    Delete {
        /// Where.
        column: Column,
        /// The key.
        key: &'a [u8],
    },
    /// Removes every key in `start..end`.
    DeleteRange {
        /// Where.
        column: Column,
        /// First key removed.
        start: &'a [u8],
        /// First key kept.
        end: &'a [u8],
    },
}

impl fmt::Debug for Op<'_> {
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

/// What a change of a batch does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum OpKind {
    Put,
    Delete,
    DeleteRange,
}

/// A change of a batch: its kind and column, and where its two byte strings (key and value,
/// or range start and end) lie in the batch's buffer.
#[derive(Clone, Copy, Debug)]
struct Slot {
    kind: OpKind,
    column: Column,
    first: (usize, usize),
    second: (usize, usize),
}

/// Changes applied all together or not at all.
///
/// Every key and value is copied into one buffer as it is added. A batch of a thousand
/// records holds some ten thousand keys: one allocation instead of one per key, and the
/// writer thread that drops the batch frees a few buffers instead of memory allocated key by
/// key on the sealing threads (freeing across threads is the allocator's slow path).
#[derive(Clone, Default)]
pub struct WriteBatch {
    bytes: Vec<u8>,
    slots: Vec<Slot>,
}

impl fmt::Debug for WriteBatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.ops()).finish()
    }
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for `ops` changes of `bytes` bytes of keys and values.
    pub fn with_capacity(ops: usize, bytes: usize) -> Self {
        WriteBatch {
            bytes: Vec::with_capacity(bytes),
            slots: Vec::with_capacity(ops),
        }
    }

    fn push(&mut self, kind: OpKind, column: Column, first: &[u8], second: &[u8]) {
        let at = self.bytes.len();
        self.bytes.extend_from_slice(first);
        self.bytes.extend_from_slice(second);
        self.slots.push(Slot {
            kind,
            column,
            first: (at, first.len()),
            second: (at + first.len(), second.len()),
        });
    }

    /// Adds a put.
    pub fn put(&mut self, column: Column, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.push(OpKind::Put, column, key.as_ref(), value.as_ref());
    }

    /// Adds a delete.
    pub fn delete(&mut self, column: Column, key: impl AsRef<[u8]>) {
        self.push(OpKind::Delete, column, key.as_ref(), &[]);
    }

    /// Adds a range delete of `start..end`.
    pub fn delete_range(&mut self, column: Column, start: impl AsRef<[u8]>, end: impl AsRef<[u8]>) {
        self.push(OpKind::DeleteRange, column, start.as_ref(), end.as_ref());
    }

    /// Moves every change of `other` to the end of this batch.
    pub fn append(&mut self, other: WriteBatch) {
        let shift = self.bytes.len();
        self.bytes.extend_from_slice(&other.bytes);
        self.slots.extend(other.slots.into_iter().map(|slot| Slot {
            first: (slot.first.0 + shift, slot.first.1),
            second: (slot.second.0 + shift, slot.second.1),
            ..slot
        }));
    }

    /// The changes, in order.
    pub fn ops(&self) -> impl ExactSizeIterator<Item = Op<'_>> + '_ {
        self.slots.iter().map(|slot| {
            let first = &self.bytes[slot.first.0..slot.first.0 + slot.first.1];
            let second = &self.bytes[slot.second.0..slot.second.0 + slot.second.1];
            let column = slot.column;
            match slot.kind {
                OpKind::Put => Op::Put {
                    column,
                    key: first,
                    value: second,
                },
                OpKind::Delete => Op::Delete { column, key: first },
                OpKind::DeleteRange => Op::DeleteRange {
                    column,
                    start: first,
                    end: second,
                },
            }
        })
    }

    /// Whether the batch holds no change.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// How many changes it holds.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Bytes of its keys and values together.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
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

    /// The values at `keys`, in their order: one read of many keys, which an engine may serve
    /// together (RocksDB's batched MultiGet checks filters and reads blocks for all of them).
    fn multi_get(&self, column: Column, keys: &[&[u8]]) -> Result<Vec<Option<Vec<u8>>>> {
        keys.iter().map(|key| self.get(column, key)).collect()
    }

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

    /// Brings the engine back after a failed write, if it needs to (RocksDB reopens after a
    /// full disk), so a caller can read what really is on disk before writing again.
    fn recover(&self) -> Result<()> {
        Ok(())
    }

    /// Bytes free for unprivileged writers on the filesystem that holds the store's files, if
    /// it has files (`None` for a store in memory).
    fn available_bytes(&self) -> Result<Option<u64>> {
        Ok(None)
    }

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
