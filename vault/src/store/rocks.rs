//! The RocksDB engine: the only module in the workspace that names `rocksdb`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

use rocksdb::{
    BlockBasedOptions, BottommostLevelCompaction, ColumnFamily, ColumnFamilyDescriptor,
    CompactOptions, DBCompressionType, Direction, IteratorMode, Options, ReadOptions, WriteOptions,
    DB,
};

use crate::error::{Error, Result};
use crate::store::{Column, Durability, Entry, Op, Store, WriteBatch};

/// A [`Store`] on an embedded RocksDB database, one column family per [`Column`].
///
/// A write that meets a full disk (ENOSPC) leaves RocksDB in an error state in which it
/// refuses every later write, even once space is freed (tested: `disk_full.rs`). The store
/// then closes and reopens the database in-process before its next write, once the disk has
/// room again: acknowledged writes are in the synced write-ahead log and come back with it;
/// the failed write was never acknowledged. Until then reads go on from the open database.
pub struct RocksStore {
    /// `None` only between closing and reopening after a full disk (and after a failed
    /// reopen, which the next call tries again).
    db: RwLock<Option<DB>>,
    path: PathBuf,
    /// A write failed for lack of space: reopen before the next write.
    stuck: AtomicBool,
}

/// Free space a full disk must have regained before the store reopens (a reopen writes a new
/// write-ahead log, manifest and options file).
const REOPEN_MIN_FREE: u64 = 8 << 20;

fn no_space(err: &Error) -> bool {
    matches!(err, Error::Storage(message) if message.contains("No space left on device"))
}

impl fmt::Debug for RocksStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RocksStore")
            .field("path", &self.path)
            .finish()
    }
}

impl RocksStore {
    /// Creates a new database at `path`; refuses if one is already there.
    pub fn create(path: &Path) -> Result<Self> {
        if path.join("CURRENT").exists() {
            return Err(Error::AlreadyExists(path.to_path_buf()));
        }
        Self::open_with(path, true)
    }

    /// Opens the database at `path`; refuses if there is none, or another process holds it.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.join("CURRENT").exists() {
            return Err(Error::NotAVault(path.to_path_buf()));
        }
        Self::open_with(path, false)
    }

    fn open_with(path: &Path, create: bool) -> Result<Self> {
        Ok(RocksStore {
            db: RwLock::new(Some(open_db(path, create)?)),
            path: path.to_path_buf(),
            stuck: AtomicBool::new(false),
        })
    }

    /// Runs `f` on the open database (reopening it first if a full disk closed it).
    fn with_db<T>(&self, f: impl FnOnce(&DB) -> Result<T>) -> Result<T> {
        {
            let guard = self.db.read().map_err(|_| poisoned())?;
            if let Some(db) = guard.as_ref() {
                return f(db);
            }
        }
        self.reopen()?;
        let guard = self.db.read().map_err(|_| poisoned())?;
        f(guard.as_ref().ok_or_else(closed)?)
    }

    /// Closes and reopens the database after a full disk, if the disk has room again.
    fn reopen(&self) -> Result<()> {
        let mut guard = self.db.write().map_err(|_| poisoned())?;
        if guard.is_some() && !self.stuck.load(Ordering::SeqCst) {
            return Ok(()); // another caller reopened it
        }
        let available = self.available_bytes()?.unwrap_or(u64::MAX);
        if available < REOPEN_MIN_FREE {
            return Err(Error::Storage(format!(
                "the store's disk is full ({} KiB free): writes wait for space",
                available >> 10
            )));
        }
        // Closing releases the database's lock file, which the reopen takes.
        *guard = None;
        *guard = Some(open_db(&self.path, false)?);
        self.stuck.store(false, Ordering::SeqCst);
        Ok(())
    }
}

fn poisoned() -> Error {
    Error::Storage("the store's lock is poisoned".into())
}

fn closed() -> Error {
    Error::Storage("the store is closed after a full disk and could not be reopened".into())
}

/// A column's handle.
fn cf(db: &DB, column: Column) -> Result<&ColumnFamily> {
    db.cf_handle(column.name())
        .ok_or_else(|| Error::Storage(format!("column family `{}` missing", column.name())))
}

/// Opens (or creates) the database with the vault's options.
fn open_db(path: &Path, create: bool) -> Result<DB> {
    let mut db_options = Options::default();
    db_options.create_if_missing(create);
    // Column families added by later versions (annotations) are created on open.
    db_options.create_missing_column_families(true);
    db_options.set_paranoid_checks(true);
    // Engine logs hold statistics and file names, never keys or values; keep a few.
    db_options.set_keep_log_file_num(4);
    db_options.set_max_log_file_size(8 << 20);
    // Table files written by flushes and compactions are handed to the disk a megabyte at
    // a time instead of piling up in the page cache until the kernel writes them out in
    // one burst: a burst makes the write-ahead log's sync wait behind it, and with it
    // every acknowledged write and every lookup's access-log entry (RocksDB wiki, "IO").
    db_options.set_bytes_per_sync(1 << 20);
    // The MANIFEST keeps each table file's smallest and largest keys, index tokens among
    // them, in every version edit until it is rolled over: roll it at every edit (no
    // minimum size, no space-amplification allowance), so the keys of files a compaction
    // removed leave with the next edit (provable deletion). A roll writes the current file
    // list, a few kilobytes, once per flush or compaction.
    let db_options = db_options
        .get_options_from_string("max_manifest_file_size=1;max_manifest_space_amp_pct=0")
        .map_err(storage)?;
    let descriptors = Column::ALL
        .into_iter()
        .map(|column| ColumnFamilyDescriptor::new(column.name(), column_options(column)));
    DB::open_cf_descriptors(&db_options, path, descriptors).map_err(|err| {
        let message = err.into_string();
        // RocksDB reports a held LOCK file as an I/O error naming it.
        if message.contains("LOCK") || message.contains("lock") {
            Error::InUse(path.to_path_buf())
        } else {
            Error::Storage(message)
        }
    })
}

/// Options shared by every column family.
fn column_options(column: Column) -> Options {
    let mut options = Options::default();
    if column == Column::Index {
        // Index keys are random HMAC tokens, so every insert walks the memtable's skip list
        // from high up: in a 16 MB memtable that walk stays in the CPU's caches, where in the
        // default 64 MB one it missed them at most levels (measured at 400,000 records,
        // interleaved runs: 44,000 records/s against 38,800; docs/performance.md).
        options.set_write_buffer_size(16 << 20);
        // A flush merges four of them into one table file, so level 0 gets files of the old
        // size: random keys overlap the whole base level, and every level-0 compaction
        // rewrites it, so smaller level-0 files would multiply the rewriting as the store
        // grows. Eight memtables let the writer go on while four are flushed.
        options.set_min_write_buffer_number_to_merge(4);
        options.set_max_write_buffer_number(8);
        // Probes by token (lookups, deduplication) seek one token prefix: a prefix Bloom filter
        // in every table file and in the memtable lets a probe skip what cannot hold it.
        // Scans across tokens seek in total order (`scan`).
        options.set_prefix_extractor(rocksdb::SliceTransform::create_fixed_prefix(
            crate::store::INDEX_TOKEN_PREFIX,
        ));
        options.set_memtable_prefix_bloom_ratio(0.1);
    }
    // Values are ciphertext and index keys are HMACs: compression would find nothing to
    // squeeze. The build leaves the codecs out altogether, which also shortens it.
    options.set_compression_type(DBCompressionType::None);
    let mut table = BlockBasedOptions::default();
    // Point lookups (by record id, by index token) dominate reads: a bloom filter lets most
    // SST files be skipped without a block read.
    table.set_bloom_filter(10.0, false);
    options.set_block_based_table_factory(&table);
    options
}

fn storage(err: rocksdb::Error) -> Error {
    Error::Storage(err.into_string())
}

impl Store for RocksStore {
    fn get(&self, column: Column, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.with_db(|db| db.get_cf(cf(db, column)?, key).map_err(storage))
    }

    fn multi_get(&self, column: Column, keys: &[&[u8]]) -> Result<Vec<Option<Vec<u8>>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.with_db(|db| {
            db.batched_multi_get_cf(cf(db, column)?, keys.iter().copied(), false)
                .into_iter()
                .map(|value| {
                    value
                        .map(|found| found.map(|slice| slice.to_vec()))
                        .map_err(storage)
                })
                .collect()
        })
    }

    fn write(&self, batch: WriteBatch, durability: Durability) -> Result<()> {
        if self.stuck.load(Ordering::SeqCst) {
            self.reopen()?;
        }
        let written = self.with_db(|db| {
            // Room for every key and value, and each change's tag, column and lengths.
            let mut rocks_batch =
                rocksdb::WriteBatch::with_capacity_bytes(16 + batch.byte_len() + 12 * batch.len());
            for op in batch.ops() {
                match op {
                    Op::Put { column, key, value } => {
                        rocks_batch.put_cf(cf(db, column)?, key, value);
                    }
                    Op::Delete { column, key } => rocks_batch.delete_cf(cf(db, column)?, key),
                    Op::DeleteRange { column, start, end } => {
                        if start < end {
                            rocks_batch.delete_range_cf(cf(db, column)?, start, end);
                        }
                    }
                }
            }
            let mut options = WriteOptions::default();
            options.set_sync(durability == Durability::Synced);
            db.write_opt(rocks_batch, &options).map_err(storage)
        });
        if written.as_ref().is_err_and(no_space) {
            // RocksDB refuses every write from now on, even after space is freed: reopen
            // before the next one.
            self.stuck.store(true, Ordering::SeqCst);
        }
        written
    }

    fn scan(
        &self,
        column: Column,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<Entry>> {
        let mut options = ReadOptions::default();
        // A scan may cross token prefixes: never let the prefix filter decide.
        options.set_total_order_seek(true);
        if let Some(end) = end {
            if end <= start {
                return Ok(Vec::new());
            }
            options.set_iterate_upper_bound(end.to_vec());
        }
        self.with_db(|db| {
            let iterator = db.iterator_cf_opt(
                cf(db, column)?,
                options,
                IteratorMode::From(start, Direction::Forward),
            );
            let mut entries = Vec::new();
            for item in iterator.take(limit) {
                let (key, value) = item.map_err(storage)?;
                entries.push((key.into_vec(), value.into_vec()));
            }
            Ok(entries)
        })
    }

    fn scan_token(&self, column: Column, prefix: &[u8]) -> Result<Vec<Entry>> {
        if column != Column::Index || prefix.len() != crate::store::INDEX_TOKEN_PREFIX {
            return self.scan(
                column,
                prefix,
                Some(&crate::store::prefix_end(prefix)),
                usize::MAX,
            );
        }
        let mut options = ReadOptions::default();
        options.set_prefix_same_as_start(true);
        options.set_iterate_upper_bound(crate::store::prefix_end(prefix));
        self.with_db(|db| {
            let iterator = db.iterator_cf_opt(
                cf(db, column)?,
                options,
                IteratorMode::From(prefix, Direction::Forward),
            );
            let mut entries = Vec::new();
            for item in iterator {
                let (key, value) = item.map_err(storage)?;
                if !key.starts_with(prefix) {
                    break;
                }
                entries.push((key.into_vec(), value.into_vec()));
            }
            Ok(entries)
        })
    }

    fn count(&self, column: Column, start: &[u8], end: Option<&[u8]>) -> Result<u64> {
        let mut options = ReadOptions::default();
        options.set_total_order_seek(true);
        if let Some(end) = end {
            if end <= start {
                return Ok(0);
            }
            options.set_iterate_upper_bound(end.to_vec());
        }
        self.with_db(|db| {
            let mut iterator = db.raw_iterator_cf_opt(cf(db, column)?, options);
            iterator.seek(start);
            let mut n_keys = 0;
            while iterator.valid() {
                n_keys += 1;
                iterator.next();
            }
            iterator.status().map_err(storage)?;
            Ok(n_keys)
        })
    }

    fn checkpoint(&self, to: &Path) -> Result<()> {
        if to.exists() {
            return Err(Error::AlreadyExists(to.to_path_buf()));
        }
        self.with_db(|db| {
            // Flush first, so the checkpoint is SST files and a short WAL rather than a long one.
            db.flush_wal(true).map_err(storage)?;
            rocksdb::checkpoint::Checkpoint::new(db)
                .and_then(|checkpoint| checkpoint.create_checkpoint(to))
                .map_err(storage)
        })
    }

    fn available_bytes(&self) -> Result<Option<u64>> {
        let stat = rustix::fs::statvfs(&self.path).map_err(|err| {
            Error::io(
                format!("reading the free space of `{}`", self.path.display()),
                err.into(),
            )
        })?;
        Ok(Some(stat.f_bavail.saturating_mul(stat.f_frsize)))
    }

    fn flush(&self) -> Result<()> {
        self.with_db(|db| {
            for column in Column::ALL {
                db.flush_cf(cf(db, column)?).map_err(storage)?;
            }
            db.flush_wal(true).map_err(storage)
        })
    }

    fn recover(&self) -> Result<()> {
        if self.stuck.load(Ordering::SeqCst) {
            self.reopen()?;
        }
        Ok(())
    }

    fn compact(&self) -> Result<()> {
        for column in Column::ALL {
            self.compact_column(column)?;
        }
        Ok(())
    }

    fn compact_column(&self, column: Column) -> Result<()> {
        let mut options = CompactOptions::default();
        // Rewrite the last level too, so deleted entries and tombstones are really dropped.
        options.set_bottommost_level_compaction(BottommostLevelCompaction::Force);
        self.with_db(|db| {
            db.compact_range_cf_opt(cf(db, column)?, None::<&[u8]>, None::<&[u8]>, &options);
            Ok(())
        })
    }
}
