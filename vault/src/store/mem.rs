//! An in-memory store for tests: a sorted map per column behind one lock.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result};
use crate::store::{Column, Durability, Entry, Op, Store, WriteBatch};

/// Every column's sorted entries.
type Columns = BTreeMap<Column, BTreeMap<Vec<u8>, Vec<u8>>>;

/// An in-memory [`Store`]. Batches are atomic because they are applied under one lock.
#[derive(Debug, Default)]
pub struct MemStore {
    columns: Mutex<Columns>,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding a copy of everything in `store`: for tests that tamper with a copy, or
    /// keep one from before a change, as someone with an old copy of the disk would.
    pub fn copy_of(store: &dyn Store) -> Result<Self> {
        let copy = MemStore::new();
        let mut batch = WriteBatch::new();
        for column in Column::ALL {
            for (key, value) in store.scan(column, b"", None, usize::MAX)? {
                batch.put(column, key, value);
            }
        }
        copy.write(batch, Durability::Synced)?;
        Ok(copy)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Columns>> {
        self.columns
            .lock()
            .map_err(|_| Error::Storage("in-memory store lock poisoned".into()))
    }
}

impl Store for MemStore {
    fn get(&self, column: Column, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .lock()?
            .get(&column)
            .and_then(|map| map.get(key).cloned()))
    }

    fn write(&self, batch: WriteBatch, _durability: Durability) -> Result<()> {
        let mut columns = self.lock()?;
        for op in batch.ops() {
            match op {
                Op::Put { column, key, value } => {
                    columns
                        .entry(column)
                        .or_default()
                        .insert(key.to_vec(), value.to_vec());
                }
                Op::Delete { column, key } => {
                    columns.entry(column).or_default().remove(key);
                }
                Op::DeleteRange { column, start, end } => {
                    let map = columns.entry(column).or_default();
                    if start < end {
                        let doomed: Vec<Vec<u8>> = map
                            .range::<[u8], _>((Bound::Included(start), Bound::Excluded(end)))
                            .map(|(key, _)| key.clone())
                            .collect();
                        for key in doomed {
                            map.remove(&key);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn scan(
        &self,
        column: Column,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<Entry>> {
        let columns = self.lock()?;
        let Some(map) = columns.get(&column) else {
            return Ok(Vec::new());
        };
        let upper = match end {
            Some(end) if end <= start => return Ok(Vec::new()),
            Some(end) => Bound::Excluded(end),
            None => Bound::Unbounded,
        };
        Ok(map
            .range::<[u8], _>((Bound::Included(start), upper))
            .take(limit)
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect())
    }

    fn count(&self, column: Column, start: &[u8], end: Option<&[u8]>) -> Result<u64> {
        Ok(self.scan(column, start, end, usize::MAX)?.len() as u64)
    }

    fn checkpoint(&self, _to: &std::path::Path) -> Result<()> {
        Err(Error::Invalid(
            "an in-memory store has no files to back up".into(),
        ))
    }

    fn flush(&self) -> Result<()> {
        Ok(())
    }

    fn compact(&self) -> Result<()> {
        Ok(())
    }
}
