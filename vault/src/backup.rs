//! Backups that respect destruction: checkpoints of the encrypted store, the key table that
//! goes with the current epoch, and restore.
//!
//! A backup holds ciphertext and wrapped keys only, never root-key bytes. Its cohort keys are
//! wrapped under the epoch in force when it was taken, so once that epoch's root key is
//! destroyed the backup alone decrypts nothing. The key table, exported after every key change
//! to a directory outside the data directory, holds what a restore needs from the present:
//! the cohort keys wrapped under the current epoch, the cohort and partition registries (which
//! cohorts are destroyed), and the records moved to holds since, re-wrapped. Restoring an old
//! backup with the current key table brings back every record that still lives and none that
//! was destroyed.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::cohort::CohortInfo;
use crate::crypto::sha256;
use crate::error::{Error, Result};
use crate::key_backend::{check_outside, write_private_file, FileKeyBackend, KeyBackend};
use crate::keyspace::{
    purge_pending_key, KEY_TABLE_PREFIXES, META_COHORT, META_KEY_TABLE_DIR, META_MOVED,
    META_ROOT_EPOCH,
};
use crate::log::{Access, Draft};
use crate::store::{Column, Durability, RocksStore, Store, WriteBatch};
use crate::vault::{poisoned, Vault};

/// The key table's file name in that directory.
pub const KEY_TABLE_FILE: &str = "key-table";
const KEY_TABLE_MAGIC: &[u8] = b"recvault-key-table v1\n";

/// Serializes key-table exports, so the file on disk is never older than the last change.
pub(crate) static EXPORTING: Mutex<()> = Mutex::new(());

/// What [`Vault::backup`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupReport {
    /// The checkpoint's directory.
    pub checkpoint: PathBuf,
    /// Where the key table was exported, if the vault has a key-table directory.
    pub key_table: Option<PathBuf>,
    /// The root epoch of both.
    pub epoch: u32,
}

/// What [`restore`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreReport {
    /// Records in the restored vault, all readable.
    pub records: u64,
    /// Records of the backup that were dropped because their cohort was destroyed since.
    pub purged: u64,
    /// The root epoch the restored vault is under.
    pub epoch: u32,
}

use crate::store::prefix_end;

fn column_tag(column: Column) -> u8 {
    match column {
        Column::Keys => 1,
        Column::Meta => 2,
        Column::Records => 3,
        Column::Index => 4,
        Column::Log => 5,
        Column::Accounting => 6,
        Column::Annotations => 7,
    }
}

fn tag_column(tag: u8) -> Option<Column> {
    Column::ALL
        .into_iter()
        .find(|column| column_tag(*column) == tag)
}

impl Vault {
    /// The key table of the current epoch, as bytes (format in docs/storage-format.md).
    pub fn key_table(&self) -> Result<Vec<u8>> {
        let mut entries: Vec<(Column, Vec<u8>, Vec<u8>)> = Vec::new();
        for (key, value) in self.store.scan(Column::Keys, b"", None, usize::MAX)? {
            entries.push((Column::Keys, key, value));
        }
        // Holds' own index entries: a hold placed after a backup must still find its records.
        let (holds_start, holds_end) = crate::keyspace::hold_indexes();
        for (key, value) in
            self.store
                .scan(Column::Index, &holds_start, Some(&holds_end), usize::MAX)?
        {
            entries.push((Column::Index, key, value));
        }
        for prefix in KEY_TABLE_PREFIXES {
            for (key, value) in
                self.store
                    .scan(Column::Meta, prefix, Some(&prefix_end(prefix)), usize::MAX)?
            {
                if prefix == META_MOVED {
                    // The moved record itself, with its data key re-wrapped for its new cohort.
                    let id = &key[META_MOVED.len()..];
                    if let Some(record) = self.store.get(Column::Records, id)? {
                        entries.push((Column::Records, id.to_vec(), record));
                    }
                }
                entries.push((Column::Meta, key, value));
            }
        }
        let epoch = self.keys.read().map_err(|_| poisoned("key ring"))?.epoch();
        let mut out = KEY_TABLE_MAGIC.to_vec();
        out.extend_from_slice(&epoch.to_be_bytes());
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        for (column, key, value) in &entries {
            out.push(column_tag(*column));
            out.extend_from_slice(&(key.len() as u32).to_be_bytes());
            out.extend_from_slice(key);
            out.extend_from_slice(&(value.len() as u32).to_be_bytes());
            out.extend_from_slice(value);
        }
        let checksum = sha256(&out);
        out.extend_from_slice(&checksum);
        Ok(out)
    }

    /// Writes the key table to the vault's key-table directory, if it has one. Called after
    /// every key change: a new cohort, a move, an epoch change.
    pub(crate) fn export_key_table(&self) -> Result<Option<PathBuf>> {
        let Some(dir) = self.store.get(Column::Meta, META_KEY_TABLE_DIR)? else {
            return Ok(None);
        };
        let dir = PathBuf::from(
            String::from_utf8(dir)
                .map_err(|_| Error::corrupt("vault configuration", "bad key-table directory"))?,
        );
        let _exporting = EXPORTING.lock().map_err(|_| poisoned("key-table export"))?;
        fs::create_dir_all(&dir)
            .map_err(|err| Error::io(format!("creating `{}`", dir.display()), err))?;
        let path = dir.join(KEY_TABLE_FILE);
        write_private_file(&path, &self.key_table()?, true)?;
        Ok(Some(path))
    }

    /// Takes a backup: a checkpoint of the encrypted store into the new directory `to`, and
    /// the key table exported beside the vault's others. No root-key bytes go anywhere.
    pub fn backup(
        &self,
        access: &Access,
        to: &Path,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<BackupReport> {
        access.validate()?;
        // Writers may go on; key changes wait, so checkpoint and key table share an epoch.
        let _no_key_changes = self.lifecycle.read().map_err(|_| poisoned("lifecycle"))?;
        // Logged first, so the backup holds its own entry.
        let mut draft = Draft::new(access, "backup", now.timestamp_millis());
        draft.outcome = format!("checkpoint to `{}`", to.display());
        self.log.commit(draft, WriteBatch::new())?;
        self.store.checkpoint(to)?;
        let key_table = self.export_key_table()?;
        Ok(BackupReport {
            checkpoint: to.to_path_buf(),
            key_table,
            epoch: self.keys.read().map_err(|_| poisoned("key ring"))?.epoch(),
        })
    }
}

/// A parsed key table: its epoch and entries.
struct KeyTable {
    epoch: u32,
    entries: Vec<(Column, Vec<u8>, Vec<u8>)>,
}

fn parse_key_table(bytes: &[u8]) -> Result<KeyTable> {
    const WHAT: &str = "key table";
    let body_len = bytes
        .len()
        .checked_sub(32)
        .filter(|len| *len >= KEY_TABLE_MAGIC.len() + 8 && bytes.starts_with(KEY_TABLE_MAGIC))
        .ok_or_else(|| Error::corrupt(WHAT, "not a recvault key table"))?;
    let (body, checksum) = bytes.split_at(body_len);
    if sha256(body) != checksum {
        return Err(Error::corrupt(WHAT, "checksum mismatch"));
    }
    let mut input = crate::codec::Reader::new(&body[KEY_TABLE_MAGIC.len()..], WHAT);
    let epoch = input.u32()?;
    let n_entries = input.u32()?;
    let mut entries = Vec::new();
    for _ in 0..n_entries {
        let column =
            tag_column(input.u8()?).ok_or_else(|| Error::corrupt(WHAT, "unknown column"))?;
        let key_len = input.u32()? as usize;
        let key = input.take(key_len)?.to_vec();
        let value_len = input.u32()? as usize;
        let value = input.take(value_len)?.to_vec();
        entries.push((column, key, value));
    }
    input.finish()?;
    Ok(KeyTable { epoch, entries })
}

/// Restores the backup checkpoint `backup` into the new data directory `data_dir`, with the
/// current `key_table` and the key store: every record that still lives comes back, readable;
/// every record whose cohort was destroyed since the backup is dropped. Leaves nothing behind
/// if it fails.
pub fn restore(
    backup: &Path,
    key_table: &Path,
    data_dir: &Path,
    key_store: &Path,
) -> Result<RestoreReport> {
    let table = parse_key_table(
        &fs::read(key_table)
            .map_err(|err| Error::io(format!("reading `{}`", key_table.display()), err))?,
    )?;
    check_outside(key_store, data_dir)?;
    let backend = FileKeyBackend::open(key_store, data_dir)?;
    let held: Vec<String> = backend
        .root_keys()?
        .iter()
        .map(|root| root.epoch().to_string())
        .collect();
    if !held.contains(&table.epoch.to_string()) {
        return Err(Error::RootKeyMissing {
            epoch: table.epoch,
            held: held.join(", "),
        });
    }
    if !backup.join("CURRENT").exists() {
        return Err(Error::NotAVault(backup.to_path_buf()));
    }
    if data_dir.exists() {
        return Err(Error::AlreadyExists(data_dir.to_path_buf()));
    }
    // The restore's open resets the key store's high-water mark; a restore that fails after
    // it puts the old mark back, so the live vault is not refused for a history that was
    // never kept.
    let mark_before = backend.high_water_mark()?;
    let restored = copy_checkpoint(backup, data_dir).and_then(|records_in_backup| {
        rewrite_keys(data_dir, &table)?;
        // Older than what the key store last saw, on purpose: logged, and the mark reset.
        let vault = Vault::open_with_options(
            Arc::new(RocksStore::open(data_dir)?),
            Arc::new(FileKeyBackend::open(key_store, data_dir)?),
            crate::vault::VaultOptions {
                restoring: true,
                ..crate::vault::VaultOptions::default()
            },
        )?;
        let verified = vault.verify_unlogged()?;
        if let Some((id, reason)) = verified.unreadable.first() {
            return Err(Error::Invalid(format!(
                "restored record `{id}` does not open ({reason}): is the key table the current one?"
            )));
        }
        Ok(RestoreReport {
            records: verified.records,
            // Held records the key table carries may outnumber those purged: never underflow.
            purged: records_in_backup.saturating_sub(verified.records),
            epoch: table.epoch,
        })
    });
    if restored.is_err() {
        let _ = fs::remove_dir_all(data_dir);
        if let Some(mark) = &mark_before {
            let _ = backend.set_high_water_mark(mark);
        }
    }
    restored
}

/// Copies a checkpoint's files (a flat directory) into a new directory; returns the number of
/// records it holds.
fn copy_checkpoint(backup: &Path, data_dir: &Path) -> Result<u64> {
    let io = |what: String| move |err| Error::io(what, err);
    fs::create_dir_all(data_dir).map_err(io(format!("creating `{}`", data_dir.display())))?;
    for entry in fs::read_dir(backup).map_err(io(format!("reading `{}`", backup.display())))? {
        let entry = entry.map_err(io(format!("reading `{}`", backup.display())))?;
        let target = data_dir.join(entry.file_name());
        fs::copy(entry.path(), &target)
            .map_err(io(format!("copying into `{}`", target.display())))?;
        fs::File::open(&target)
            .and_then(|file| file.sync_all())
            .map_err(io(format!("syncing `{}`", target.display())))?;
    }
    let store = RocksStore::open(data_dir)?;
    store.count(Column::Records, b"", None)
}

/// Replaces the backup's key metadata with the key table's, in one synced batch, and marks the
/// cohorts destroyed since for purging (the vault's open finishes the purge).
fn rewrite_keys(data_dir: &Path, table: &KeyTable) -> Result<()> {
    let store = RocksStore::open(data_dir)?;
    let mut batch = WriteBatch::new();
    let (start, end) = crate::keyspace::every_wrapped_key();
    batch.delete_range(Column::Keys, start, end);
    for prefix in KEY_TABLE_PREFIXES {
        batch.delete_range(Column::Meta, prefix, prefix_end(prefix));
    }
    let mut saw_epoch = false;
    for (column, key, value) in &table.entries {
        batch.put(*column, key.clone(), value.clone());
        if *column == Column::Meta && key == META_ROOT_EPOCH {
            saw_epoch = value.as_slice() == table.epoch.to_be_bytes();
        }
        if *column == Column::Meta
            && key.starts_with(META_COHORT)
            && key.len() == META_COHORT.len() + 4
        {
            let id = u32::from_be_bytes([key[7], key[8], key[9], key[10]]);
            if !CohortInfo::decode(id, value)?.is_live() {
                batch.put(Column::Meta, purge_pending_key(id), []);
            }
        }
    }
    if !saw_epoch {
        return Err(Error::corrupt(
            "key table",
            "root epoch missing or inconsistent",
        ));
    }
    store.write(batch, Durability::Synced)
}
