//! The deliberate door for tests and benchmarks (feature `testing`): raw access to the store
//! under a vault, for tamper tests, at-rest scans and plain-RocksDB baselines. Production code
//! never enables this feature; `tests/` and the benchmark do.

use crate::error::Result;
use crate::store::{Column, Durability, WriteBatch};
use crate::vault::Vault;

/// Flushes memtables and the write-ahead log to files, then compacts every column, so an
/// at-rest scan sees what a long-running vault would have on disk.
pub fn flush_and_compact(vault: &Vault) -> Result<()> {
    vault.store().flush()?;
    vault.store().compact()?;
    vault.store().flush()
}

/// The raw stored bytes of a column entry.
pub fn raw_get(vault: &Vault, column: Column, key: &[u8]) -> Result<Option<Vec<u8>>> {
    vault.store().get(column, key)
}

/// Overwrites a raw column entry, bypassing every check (tamper tests only).
pub fn raw_put(vault: &Vault, column: Column, key: &[u8], value: &[u8]) -> Result<()> {
    let mut batch = WriteBatch::new();
    batch.put(column, key.to_vec(), value.to_vec());
    vault.store().write(batch, Durability::Synced)
}
