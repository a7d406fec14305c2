//! The RocksDB engine: the only module in the workspace that names `rocksdb`.

use std::fmt;
use std::path::{Path, PathBuf};

use rocksdb::{
    BlockBasedOptions, BottommostLevelCompaction, ColumnFamily, ColumnFamilyDescriptor,
    CompactOptions, DBCompressionType, Direction, IteratorMode, Options, ReadOptions, WriteOptions,
    DB,
};

use crate::error::{Error, Result};
use crate::store::{Column, Durability, Entry, Op, Store, WriteBatch};

/// A [`Store`] on an embedded RocksDB database, one column family per [`Column`].
pub struct RocksStore {
    db: DB,
    path: PathBuf,
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
        let db = DB::open_cf_descriptors(&db_options, path, descriptors).map_err(|err| {
            let message = err.into_string();
            // RocksDB reports a held LOCK file as an I/O error naming it.
            if message.contains("LOCK") || message.contains("lock") {
                Error::InUse(path.to_path_buf())
            } else {
                Error::Storage(message)
            }
        })?;
        Ok(RocksStore {
            db,
            path: path.to_path_buf(),
        })
    }

    fn cf(&self, column: Column) -> Result<&ColumnFamily> {
        self.db
            .cf_handle(column.name())
            .ok_or_else(|| Error::Storage(format!("column family `{}` missing", column.name())))
    }
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
        self.db.get_cf(self.cf(column)?, key).map_err(storage)
    }

    fn multi_get(&self, column: Column, keys: &[&[u8]]) -> Result<Vec<Option<Vec<u8>>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.db
            .batched_multi_get_cf(self.cf(column)?, keys.iter().copied(), false)
            .into_iter()
            .map(|value| {
                value
                    .map(|found| found.map(|slice| slice.to_vec()))
                    .map_err(storage)
            })
            .collect()
    }

    fn write(&self, batch: WriteBatch, durability: Durability) -> Result<()> {
        // Room for every key and value, and each change's tag, column and lengths.
        let mut rocks_batch =
            rocksdb::WriteBatch::with_capacity_bytes(16 + batch.byte_len() + 12 * batch.len());
        for op in batch.ops() {
            match op {
                Op::Put { column, key, value } => rocks_batch.put_cf(self.cf(column)?, key, value),
                Op::Delete { column, key } => rocks_batch.delete_cf(self.cf(column)?, key),
                Op::DeleteRange { column, start, end } => {
                    if start < end {
                        rocks_batch.delete_range_cf(self.cf(column)?, start, end);
                    }
                }
            }
        }
        let mut options = WriteOptions::default();
        options.set_sync(durability == Durability::Synced);
        self.db.write_opt(rocks_batch, &options).map_err(storage)
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
        let iterator = self.db.iterator_cf_opt(
            self.cf(column)?,
            options,
            IteratorMode::From(start, Direction::Forward),
        );
        let mut entries = Vec::new();
        for item in iterator.take(limit) {
            let (key, value) = item.map_err(storage)?;
            entries.push((key.into_vec(), value.into_vec()));
        }
        Ok(entries)
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
        let iterator = self.db.iterator_cf_opt(
            self.cf(column)?,
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
        let mut iterator = self.db.raw_iterator_cf_opt(self.cf(column)?, options);
        iterator.seek(start);
        let mut n_keys = 0;
        while iterator.valid() {
            n_keys += 1;
            iterator.next();
        }
        iterator.status().map_err(storage)?;
        Ok(n_keys)
    }

    fn checkpoint(&self, to: &Path) -> Result<()> {
        if to.exists() {
            return Err(Error::AlreadyExists(to.to_path_buf()));
        }
        // Flush first, so the checkpoint is SST files and a short WAL rather than a long one.
        self.db.flush_wal(true).map_err(storage)?;
        rocksdb::checkpoint::Checkpoint::new(&self.db)
            .and_then(|checkpoint| checkpoint.create_checkpoint(to))
            .map_err(storage)
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
        for column in Column::ALL {
            self.db.flush_cf(self.cf(column)?).map_err(storage)?;
        }
        self.db.flush_wal(true).map_err(storage)
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
        self.db
            .compact_range_cf_opt(self.cf(column)?, None::<&[u8]>, None::<&[u8]>, &options);
        Ok(())
    }
}
