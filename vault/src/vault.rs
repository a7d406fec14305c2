//! The vault: creates and opens a store, reads records back (logged), and keeps the
//! registries of partitions, systems and writer sessions. Ingest is in `ingest`.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};

use crate::codec::{decode_contents, CONTENTS_VERSION};
use crate::cohort::{Bucket, Cohorts};
use crate::crypto::{AeadKey, Envelope, SEGMENT_SEAL_LIMIT};
use crate::error::{Error, Result};
use crate::key_backend::{FileKeyBackend, KeyBackend};
use crate::keys::KeyRing;
use crate::keyspace::{
    manual_access_key, partition_bucket_key, partition_id_key, partition_name_key,
    records_collected_in, system_key, META_ANCHOR_DIR, META_FORMAT, META_LOG_PROBE,
    META_PARTITION_BUCKET, META_PARTITION_BY_NAME, META_PARTITION_NEXT, META_SESSION, META_SYSTEM,
    META_SYSTEM_NEXT,
};
use crate::log::{Access, AnchorExport, CheckpointPolicy, Draft, LogWriter, DEFAULT_LOG_TIMEOUT};
use crate::sealed::{contents_aad, SealedRecord};
use crate::store::{prefix_end, Column, Durability, RocksStore, Store, WriteBatch};
use model::{Record, RecordId, SystemId};

/// Version of the vault as a whole (the set of layouts in `docs/storage-format.md`).
/// 2: access-log entries say whether they were checkpointed, checkpoints are chained and
/// carry the checkpoint rule, truncations are signed records. A version 1 vault is upgraded
/// at open ([`Vault::open_with_options`]), and the upgrade is logged.
/// 3: every kind of signed state (accounts, documents, holds, settings) has a generation and
/// a signed manifest, and every checkpoint carries the generations (`signed_state`). A version
/// 2 vault gets its manifests at open, in one logged, checkpointed entry.
/// 4: records may carry identifier kinds 12 to 16 (broker and manufacturer ids, addresses,
/// telephones, e-mail addresses), PNR receipt keys are indexed (kind 17), and elements found in
/// free text have index kinds of their own (`80` + the kind). A version 3 vault is marked so at
/// open, in one logged, checkpointed entry.
/// 5: a TTAR record is indexed by the identifiers it holds as fields (`index::field_forms`:
/// broker and manufacturer ids of records stored before format 4, biographic and SDN
/// addresses), in its period and in its holds. A version 4 vault gets those entries at open,
/// written chunk by chunk, then the format and one logged, checkpointed entry.
pub const VAULT_FORMAT_VERSION: u8 = 5;

/// An open vault.
///
/// Lock order, to rule out deadlock: `lifecycle`, then the attachments' numbering (held by a
/// `Change` that attaches), then `cohorts`, then `keys`, then `partitions` or `session`. The
/// domain's own numbering (`privacy`'s case files) is taken before a change takes any of them.
#[derive(Debug)]
pub struct Vault {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) backend: Arc<dyn KeyBackend>,
    /// Writes hold it shared; operations that change keys (holds, destruction, epoch
    /// changes) hold it exclusively, so no record is sealed under a key being destroyed.
    pub(crate) lifecycle: RwLock<()>,
    pub(crate) keys: RwLock<KeyRing>,
    pub(crate) cohorts: RwLock<Cohorts>,
    /// The access log's writer: every operation's entry, and every logged change, goes
    /// through it.
    pub(crate) log: LogWriter,
    /// Taken on the first write, so read-only opens consume no session.
    session: Mutex<Option<Session>>,
    partitions: RwLock<Partitions>,
    /// Reports of transfers in batches being synced; held while a batch with reports is
    /// resolved and queued (see reports.rs).
    pub(crate) reports: Mutex<crate::reports::ReportsInFlight>,
    /// Resumable ingest streams whose last batch is in doubt, by stream key: a retry waits
    /// for that batch's outcome before reading the stream's progress.
    pub(crate) streams_in_doubt: Mutex<HashMap<[u8; 32], crate::log::Ticket>>,
    /// See [`VaultOptions::key_change_timeout`].
    pub(crate) key_change_timeout: std::time::Duration,
    /// Ingest is refused while the store's filesystem has less free space than this (bytes).
    disk_reserve: std::sync::atomic::AtomicU64,
}

/// The free space ingest keeps in reserve unless configured: enough for RocksDB to flush its
/// memtables and compact, so the store never meets a full disk (ENOSPC) in the middle of a
/// write. Our choice: four times the largest memtable (64 MB).
pub const DEFAULT_DISK_RESERVE: u64 = 256 << 20;

/// Settings of an open vault.
#[derive(Clone, Copy, Debug)]
pub struct VaultOptions {
    /// How long an operation waits for its access-log entry to become durable before it is
    /// refused.
    pub log_timeout: std::time::Duration,
    /// When the access log signs checkpoints (used only when the vault is made: the rule is
    /// then fixed in its checkpoints).
    pub checkpoints: CheckpointPolicy,
    /// How long a key change (an epoch switch, a new cohort, a hold's move, a deferral) whose
    /// commit is in doubt waits for the store's answer before the vault stops accepting writes.
    pub key_change_timeout: std::time::Duration,
    /// The data directory was restored from an older copy on purpose (`recvault restore`):
    /// the key store's high-water mark and the exported anchors, which it no longer reaches,
    /// are not checked; the open logs the restore (`vault.restore`, checkpointed) and resets
    /// the mark to the restored directory.
    pub restoring: bool,
}

/// How long a key change waits for a store that has not answered its write.
pub const DEFAULT_KEY_CHANGE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

impl Default for VaultOptions {
    fn default() -> Self {
        VaultOptions {
            log_timeout: DEFAULT_LOG_TIMEOUT,
            checkpoints: CheckpointPolicy::default(),
            key_change_timeout: DEFAULT_KEY_CHANGE_TIMEOUT,
            restoring: false,
        }
    }
}

/// What [`Vault::status`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultStatus {
    /// The vault format version.
    pub format_version: u8,
    /// The root key's epoch.
    pub root_epoch: u32,
    /// This process's writer session, if it has written.
    pub session: Option<u32>,
    /// Each partition and its record count, by partition id.
    pub partitions: Vec<PartitionStatus>,
    /// Each system with records, by its number (the index is laid out by system number).
    pub systems: Vec<(u16, SystemId)>,
    /// The access log's last sequence number.
    pub log_entries: u64,
    /// Operations refused since the vault opened because the access log could not be written.
    pub log_failures: u64,
    /// Checkpoints that could not be exported to the anchor directory since the vault opened.
    pub anchor_failures: u64,
    /// Checkpoints whose high-water mark could not be stored with the keys since the vault
    /// opened (the mark lags until the next one is stored).
    pub mark_failures: u64,
    /// Whether the vault stopped accepting writes because a key change's outcome stayed
    /// unknown (it must be restarted).
    pub writes_halted: bool,
}

/// What [`Vault::verify`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// How many records were checked.
    pub records: u64,
    /// The records that failed to open, by id, with the (content-free) reason.
    pub unreadable: Vec<(String, String)>,
}

/// One partition in [`VaultStatus`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionStatus {
    /// The partition's number (the first two bytes of its records' ids).
    pub id: u16,
    /// Its system.
    pub system: SystemId,
    /// Its category.
    pub category: String,
    /// How many records it holds.
    pub records: u64,
}

/// The writer session: ids and wrap segments come from it (see `RecordId`).
#[derive(Debug)]
struct Session {
    id: u32,
    next_seq: u64,
}

/// Partitions: one per system and category, numbered from 1.
#[derive(Debug, Default)]
pub(crate) struct Partitions {
    by_name: HashMap<(String, String), u16>,
    pub(crate) by_id: HashMap<u16, (SystemId, String)>,
    /// Systems by name, numbered from 1 (the index is laid out by system).
    pub(crate) systems: HashMap<String, u16>,
    /// Destruction buckets of the partitions that do not use the default (months).
    pub(crate) buckets: HashMap<u16, Bucket>,
}

impl Vault {
    /// Creates a vault: a new data directory and, outside it, a new file key store and the
    /// directory the key table is exported to after every key change.
    /// Refuses if the data directory or key store exists already (a non-empty directory counts).
    /// The creation is the log's first entry, with `access` as its author.
    pub fn create(
        access: &Access,
        data_dir: &Path,
        key_store: &Path,
        key_table_dir: &Path,
        now: DateTime<Utc>,
    ) -> Result<Vault> {
        access.validate()?;
        if data_dir.exists()
            && fs::read_dir(data_dir)
                .map(|mut entries| entries.next().is_some())
                .unwrap_or(true)
        {
            return Err(Error::AlreadyExists(data_dir.to_path_buf()));
        }
        if key_store.exists() {
            return Err(Error::AlreadyExists(key_store.to_path_buf()));
        }
        fs::create_dir_all(data_dir)
            .map_err(|err| Error::io(format!("creating `{}`", data_dir.display()), err))?;
        let created = FileKeyBackend::create(key_store, data_dir)
            .and_then(|backend| Ok((RocksStore::create(data_dir)?, backend)))
            .and_then(|(store, backend)| Self::create_with(Arc::new(store), Arc::new(backend)))
            .and_then(|vault| {
                let dir = std::path::absolute(key_table_dir).map_err(|err| {
                    Error::io(format!("resolving `{}`", key_table_dir.display()), err)
                })?;
                let mut batch = WriteBatch::new();
                batch.put(
                    Column::Meta,
                    crate::keyspace::META_KEY_TABLE_DIR,
                    dir.to_string_lossy().as_bytes(),
                );
                let mut draft = Draft::new(access, "vault.create", now.timestamp_millis());
                draft.outcome = format!("key table exported to `{}`", dir.display());
                vault.log.commit(draft, batch)?;
                vault.export_key_table()?;
                Ok(vault)
            });
        if created.is_err() {
            // Leave nothing half-made behind: a key store without a vault, or the reverse.
            let _ = fs::remove_file(key_store);
            let _ = fs::remove_dir_all(data_dir);
        }
        created
    }

    /// Opens the vault in `data_dir` with the root key from the file key store.
    pub fn open(data_dir: &Path, key_store: &Path) -> Result<Vault> {
        let store = RocksStore::open(data_dir)?;
        let backend = FileKeyBackend::open(key_store, data_dir)?;
        Self::open_with(Arc::new(store), Arc::new(backend))
    }

    /// Creates a vault in an empty store, keyed by `backend`.
    pub fn create_with(store: Arc<dyn Store>, backend: Arc<dyn KeyBackend>) -> Result<Vault> {
        if store.get(Column::Meta, META_FORMAT)?.is_some() {
            return Err(Error::Invalid("the store already holds a vault".into()));
        }
        let root = backend
            .root_keys()?
            .pop()
            .ok_or_else(|| Error::Invalid("the key backend holds no root key".into()))?;
        let mut batch = WriteBatch::new();
        batch.put(Column::Meta, META_FORMAT, [VAULT_FORMAT_VERSION]);
        KeyRing::create(&root, &mut batch);
        KeyRing::create_signing_key(&root, &mut batch)?;
        store.write(batch, Durability::Synced)?;
        Self::open_with(store, backend)
    }

    /// Opens the vault held in `store`, keyed by `backend`.
    pub fn open_with(store: Arc<dyn Store>, backend: Arc<dyn KeyBackend>) -> Result<Vault> {
        Self::open_with_options(store, backend, VaultOptions::default())
    }

    /// Opens the vault held in `store`, keyed by `backend`, with non-default options.
    pub fn open_with_options(
        store: Arc<dyn Store>,
        backend: Arc<dyn KeyBackend>,
        options: VaultOptions,
    ) -> Result<Vault> {
        let format = match store.get(Column::Meta, META_FORMAT)?.as_deref() {
            Some([version @ (1 | 2 | 3 | 4 | VAULT_FORMAT_VERSION)]) => *version,
            Some([version]) => {
                return Err(Error::UnsupportedVersion {
                    what: "vault format",
                    version: *version,
                })
            }
            _ => return Err(Error::corrupt("vault metadata", "format version missing")),
        };
        let keys = KeyRing::open(&*backend, &*store, format)?;
        let cohorts = Cohorts::load(&*store)?;
        let partitions = load_partitions(&*store)?;
        let export =
            match store.get(Column::Meta, META_ANCHOR_DIR)? {
                Some(dir) => Some(AnchorExport {
                    dir: std::path::PathBuf::from(String::from_utf8(dir).map_err(|_| {
                        Error::corrupt("vault configuration", "bad anchor directory")
                    })?),
                    public_key: keys.signing_key().public_key(),
                }),
                None => None,
            };
        let log = LogWriter::start(
            Arc::clone(&store),
            keys.signing_key(),
            options.checkpoints,
            options.log_timeout,
            export,
            crate::log::Safeguards {
                backend: Arc::clone(&backend),
                restoring: options.restoring,
            },
        )?;
        let vault = Vault {
            log,
            store,
            backend,
            lifecycle: RwLock::new(()),
            keys: RwLock::new(keys),
            cohorts: RwLock::new(cohorts),
            session: Mutex::new(None),
            partitions: RwLock::new(partitions),
            reports: Mutex::default(),
            streams_in_doubt: Mutex::default(),
            key_change_timeout: options.key_change_timeout,
            disk_reserve: std::sync::atomic::AtomicU64::new(DEFAULT_DISK_RESERVE),
        };
        if format == 1 {
            vault.upgrade_from_v1()?;
        }
        if format < 3 {
            vault.upgrade_to_v3()?;
        }
        if options.restoring {
            vault.log_restore(format)?;
        }
        vault.finish_pending_purges()?;
        vault.sweep_orphaned_marks()?;
        // After the purges: a record whose cohort was destroyed just before a crash is gone,
        // not read.
        if format < 4 {
            vault.upgrade_to_v4()?;
        }
        if format < 5 {
            vault.upgrade_to_v5()?;
        }
        Ok(vault)
    }

    /// Commits a change of keys (the keys in memory change only once it is durable) and waits
    /// for its real outcome: a request withdrawn before the store saw it failed cleanly; one
    /// the store has not answered is waited for up to the key-change bound, since the keys in
    /// memory must follow the disk. If the store never answers, the vault stops accepting
    /// writes (memory and disk may disagree) and the next open reconciles from disk.
    pub(crate) fn commit_key_change(&self, draft: Draft, batch: WriteBatch) -> Result<u64> {
        let ticket = self.log.submit(draft, batch)?;
        match ticket.wait() {
            Err(Error::LogInDoubt(reason)) => {
                match ticket.outcome_within(self.key_change_timeout) {
                    Some(outcome) => outcome,
                    None => {
                        self.log.halt("a key change's outcome stayed unknown");
                        Err(Error::LogInDoubt(format!(
                            "{reason}, nor within {} s more; the vault stopped accepting writes \
                         until it is restarted",
                            self.key_change_timeout.as_secs()
                        )))
                    }
                }
            }
            outcome => outcome,
        }
    }

    /// Sets the free space ingest keeps in reserve on the store's filesystem (bytes).
    pub fn set_disk_reserve(&self, bytes: u64) {
        self.disk_reserve
            .store(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// Refuses with [`Error::InsufficientStorage`] when the store's filesystem has less free
    /// space than the reserve.
    pub fn check_disk_reserve(&self) -> Result<()> {
        let reserve = self.disk_reserve.load(std::sync::atomic::Ordering::Relaxed);
        match self.store.available_bytes()? {
            Some(available) if available < reserve => Err(Error::InsufficientStorage {
                available_mib: available >> 20,
                reserve_mib: reserve >> 20,
            }),
            _ => Ok(()),
        }
    }

    /// Refuses once the vault has stopped accepting writes ([`Vault::commit_key_change`]).
    pub(crate) fn refuse_if_halted(&self) -> Result<()> {
        if self.log.halted() {
            return Err(Error::LogUnavailable(
                "the vault stopped accepting writes after a key change's outcome stayed unknown; \
                 restart it to reconcile its keys from disk"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Upgrades a version 1 vault in place, as one logged batch: the format becomes 2, the
    /// upgrade's entry carries the first chained checkpoint (which covers every version 1
    /// entry through the hash chain), and a log truncated before version 2 gets the signed
    /// truncation record version 2 requires (its removed entries' times are not known; the
    /// version 1 code checked them against the retention when it truncated). The entry carries
    /// the last entry's time: opening reads no clock.
    fn upgrade_from_v1(&self) -> Result<()> {
        // The upgrade signs over the log as it finds it: verify it first, with the rules of
        // format 1, and refuse to sign over a log that does not verify.
        let verified =
            crate::audit::verify_log_with(&*self.store, &self.log_public_key()?, None, true)?;
        if let Some(problem) = verified.problem {
            return Err(Error::Invalid(format!(
                "the format 1 access log does not verify (entry {}: {}); the vault is not \
                 upgraded: restore it from a copy that verifies",
                problem.seq, problem.reason
            )));
        }
        let mut batch = WriteBatch::new();
        batch.put(Column::Meta, META_FORMAT, [2]);
        let time_ms = self.log.head().last_time_ms;
        let base =
            crate::audit::read_u64(&*self.store, crate::keyspace::META_LOG_BASE)?.unwrap_or(1);
        let mut outcome = format!(
            "format 1 to 2: entries say whether they are checkpointed, checkpoints are chained, \
             truncations are signed; the format 1 log verified with format 1's rules ({} \
             entries, {} signed checkpoints)",
            verified.entries, verified.checkpoints
        );
        if base > 1 && crate::audit::truncation_records(&*self.store)?.is_empty() {
            let first = self
                .store
                .get(Column::Log, &crate::keyspace::log_entry_key(base))?
                .ok_or_else(|| Error::corrupt("access log", "the first kept entry is missing"))?;
            let first = crate::log::decode_entry(&first)?;
            let signing = self
                .keys
                .read()
                .map_err(|_| poisoned("key ring"))?
                .signing_key();
            let record = crate::log::TruncationRecord {
                base,
                removed_from: 1,
                last_removed_hash: first.prev_hash,
                newest_removed_ms: i64::MIN,
                time_ms: first.time_ms,
                retention_days: self.log_retention_days()?,
                prev_base: 0,
                state: Vec::new(),
                signature: [0; 64],
            }
            .sign(&signing);
            batch.put(
                Column::Log,
                crate::keyspace::log_truncation_key(base),
                record.encode(),
            );
            outcome.push_str(&format!(
                "; the truncation before entry {base} recorded (unverified: made before format 2)"
            ));
        }
        self.log
            .commit(upgrade_entry(time_ms, outcome), batch)
            .map(drop)
    }

    /// Upgrades a version 2 vault in place: one logged, checkpointed entry publishes every
    /// kind's signed manifest (generation 1 of what is stored now, which the format 2 vault
    /// had signed item by item) and the checkpoint carries the generations.
    fn upgrade_to_v3(&self) -> Result<()> {
        let mut batch = WriteBatch::new();
        batch.put(Column::Meta, META_FORMAT, [3]);
        // The key check moves to a key derived from the root (the root itself is no longer
        // an HMAC key).
        batch.put(
            Column::Meta,
            crate::keyspace::META_KEY_CHECK,
            self.keys
                .read()
                .map_err(|_| poisoned("key ring"))?
                .key_check(),
        );
        let mut draft = upgrade_entry(
            self.log.head().last_time_ms,
            "format 2 to 3: every kind of signed state (accounts, documents, holds, settings) \
             has a generation and a signed manifest, and every checkpoint carries the \
             generations; the key check is made under a key derived from the root"
                .into(),
        );
        draft.publish_manifests = true;
        self.log.commit(draft, batch).map(drop)
    }

    /// Upgrades a version 3 vault to format 4: identifier kinds 12 to 16 (brokers and
    /// manufacturers became parties with ids, addresses, telephones and e-mail addresses
    /// identifiers), PNR receipt keys and the free-text index kinds, which only new records
    /// use. One logged, checkpointed entry with the format; the records that name such
    /// identifiers in their fields are indexed by the format 5 upgrade that follows.
    fn upgrade_to_v4(&self) -> Result<()> {
        let mut batch = WriteBatch::new();
        batch.put(Column::Meta, META_FORMAT, [4]);
        let draft = upgrade_entry(
            self.log.head().last_time_ms,
            "format 3 to 4: identifier kinds 12 to 16, receipt keys and free-text index kinds; \
             the records holding such identifiers as fields are indexed by the format 5 upgrade"
                .into(),
        );
        self.log.commit(draft, batch).map(drop)
    }

    /// Upgrades a version 4 vault to format 5: the TTAR records that hold identifiers the
    /// notice retrieves by in their fields (`broker_id` and `manufacturer_id` of records stored
    /// before format 4, the `address` of a biographic or SDN record; `index::field_forms`) are
    /// indexed by them. Only that system's records are opened
    /// ([`crate::index::FIELD_IDENTIFIER_SYSTEM`]). A record whose period is live is indexed in
    /// its period's index (a held one too: a hold keeps a record's period entries while the
    /// period lasts), unless it moved to the deleted record file; a held one in each of its
    /// active holds' indexes; one of an ended period goes with it.
    ///
    /// The entries are written chunk by chunk (a vault of millions of trade records would not
    /// fit one batch); the format byte and one logged, checkpointed entry counting them come
    /// last, in one batch. A crash before it leaves the vault at format 4 with some entries
    /// written, and the next open writes the same entries again (an entry's key is a function
    /// of the record and its cohort's key): the upgrade is done wholly or is done again. The
    /// entry carries the last entry's time: opening reads no clock.
    fn upgrade_to_v5(&self) -> Result<()> {
        const CHUNK: usize = 1024;
        let at = self.log.head().last_time_ms;
        let now = DateTime::<Utc>::from_timestamp_millis(at).unwrap_or_default();
        let mut count = FieldIndexCount::default();
        // A record id starts with its partition: only that system's partitions are scanned.
        let mut partitions: Vec<u16> = self
            .partitions
            .read()
            .map_err(|_| poisoned("partition"))?
            .by_id
            .iter()
            .filter(|(_, (system, _))| system.as_str() == crate::index::FIELD_IDENTIFIER_SYSTEM)
            .map(|(partition, _)| *partition)
            .collect();
        partitions.sort_unstable();
        for partition in partitions {
            let mut start = partition.to_be_bytes().to_vec();
            let end = crate::store::prefix_end(&start);
            loop {
                let chunk = self
                    .store
                    .scan(Column::Records, &start, Some(&end), CHUNK)?;
                let mut batch = WriteBatch::new();
                for (key, value) in &chunk {
                    let bytes = <[u8; 16]>::try_from(key.as_slice())
                        .map_err(|_| Error::corrupt("records column", "key is not a record id"))?;
                    let id = RecordId::from_bytes(bytes);
                    self.index_field_identifiers(&id, value, now, &mut batch, &mut count)?;
                }
                if !batch.is_empty() {
                    self.store.write(batch, Durability::Synced)?;
                }
                match chunk.last() {
                    Some((last, _)) if chunk.len() == CHUNK => {
                        start = crate::keyspace::key_after(last);
                    }
                    _ => break,
                }
            }
        }
        let mut batch = WriteBatch::new();
        batch.put(Column::Meta, META_FORMAT, [5]);
        let FieldIndexCount {
            read,
            indexed,
            held,
            entries,
            ended,
        } = count;
        let draft = upgrade_entry(
            at,
            format!(
            "format 4 to 5: TTAR records indexed by the identifiers they hold as fields (broker \
             and manufacturer ids, biographic and SDN addresses): {read} read, {indexed} \
             indexed in their period and {held} in their holds ({entries} index entries), \
             {ended} outside a live period (it ended, or they are in the deleted record file; \
             read only for their holds)"
            ),
        );
        self.log.commit(draft, batch).map(drop)
    }

    /// For the format 5 upgrade: the index entries of the identifiers one stored TTAR record
    /// holds as fields, in its period's index while the period is live (unless the record moved
    /// to the deleted record file) and in each active hold's index that holds it.
    fn index_field_identifiers(
        &self,
        id: &RecordId,
        value: &[u8],
        now: DateTime<Utc>,
        batch: &mut WriteBatch,
        count: &mut FieldIndexCount,
    ) -> Result<()> {
        let in_period = self.period_cohort_live(id)?
            && self
                .moved_to(id)?
                .is_none_or(|cohort| self.is_hold_cohort(cohort));
        let holds = self.holds_of(id)?;
        if !in_period {
            count.ended += 1;
            if holds.is_empty() {
                return Ok(());
            }
        }
        let record = self.open_record_value(id, value)?;
        count.read += 1;
        let forms = crate::index::field_forms(&record.contents);
        if forms.is_empty() {
            return Ok(());
        }
        let held = self.hold_index_entries(id, &holds, &forms)?;
        if !held.is_empty() {
            count.held += 1;
        }
        for entry in held {
            batch.put(Column::Index, entry, []);
            count.entries += 1;
        }
        if !in_period {
            return Ok(());
        }
        let Some(system) = self.system_number(&record.contents.system)? else {
            return Err(Error::corrupt("stored record", "its system has no number"));
        };
        let year = crate::index::index_year(record.contents.collected_at)?;
        let wanted: Vec<(u16, u8, u16)> = forms
            .iter()
            .map(|(kind, _)| (system, *kind, year))
            .collect();
        let macs = match self.index_macs(&wanted, now) {
            Ok((macs, _)) => macs,
            // Its index period has ended (the cohort outlived it for a while): no new entries.
            Err(Error::Invalid(_)) => {
                count.ended += 1;
                return Ok(());
            }
            Err(err) => return Err(err),
        };
        for entry in crate::index::entry_keys(id, system, year, &forms, &macs)? {
            batch.put(Column::Index, entry, []);
            count.entries += 1;
        }
        count.indexed += 1;
        Ok(())
    }

    /// Logs a restore from an older copy (the open skipped the high-water mark and anchor
    /// checks): a checkpointed `vault.restore` entry, after which the writer stores a new mark.
    fn log_restore(&self, format: u8) -> Result<()> {
        let head = self.log.head();
        let mut draft = Draft::new(&Access::automatic(), "vault.restore", head.last_time_ms);
        draft.access.purpose = "restore".into();
        draft.outcome = format!(
            "restored from an older copy (format {format}, access log through entry {}): the \
             key store's high-water mark is reset to it, and anchors exported before it are \
             superseded",
            head.seq
        );
        draft.force_checkpoint = true;
        self.log.commit(draft, WriteBatch::new()).map(drop)
    }

    /// An opaque value that changes with every committed change to signed state (accounts,
    /// documents, holds, settings): what a cache of any of them compares to know it is fresh.
    /// Reads nothing from the store and logs nothing.
    pub fn signed_state_version(&self) -> Vec<u8> {
        self.log.generations()
    }

    /// Reads one record for `access`. The access-log entry is durable before the record is
    /// returned; if it cannot be written, the read is refused ([`Error::LogUnavailable`]) and
    /// the decrypted record is dropped (its buffers zeroized). A destroyed or unknown record is
    /// [`Error::NotFound`]; a record whose keys are gone or whose bytes were altered is
    /// [`Error::DecryptionFailed`]. Both are logged too.
    pub fn read(&self, access: &Access, id: &RecordId, now: DateTime<Utc>) -> Result<Record> {
        self.read_marked(access, id, now, false)
    }

    /// Reads one record for a person: like [`Vault::read`], and the record is marked as
    /// manually accessed, in the same batch as the log entry (PNR retention depends on it,
    /// seed 001 paragraph 15). Automated matching uses [`Vault::read`].
    pub fn read_by_person(
        &self,
        access: &Access,
        id: &RecordId,
        now: DateTime<Utc>,
    ) -> Result<Record> {
        self.read_marked(access, id, now, true)
    }

    /// Reads one record for a person with its attachments (the domain's annotations, which
    /// every read must show): like [`Vault::read_by_person`].
    pub fn read_attached(
        &self,
        access: &Access,
        id: &RecordId,
        now: DateTime<Utc>,
    ) -> Result<(Record, Vec<crate::Attachment>)> {
        let record = self.read_marked(access, id, now, true)?;
        let attachments = self.attachments_of(id)?;
        Ok((record, attachments))
    }

    /// Whether a person has ever been given the record's contents.
    pub fn manually_accessed(&self, id: &RecordId) -> Result<bool> {
        Ok(self
            .store
            .get(Column::Meta, &manual_access_key(id))?
            .is_some())
    }

    fn read_marked(
        &self,
        access: &Access,
        id: &RecordId,
        now: DateTime<Utc>,
        by_person: bool,
    ) -> Result<Record> {
        access.validate()?;
        let opened = self.open_record(id);
        let mut draft = Draft::new(access, "read", now.timestamp_millis());
        draft.record_ids = vec![*id];
        draft.outcome = match &opened {
            Ok(_) => "ok".to_owned(),
            Err(err) => err.to_string(),
        };
        let mut batch = WriteBatch::new();
        if let Ok(record) = &opened {
            draft.system = record.contents.system.to_string();
            if by_person {
                batch.put(
                    Column::Meta,
                    manual_access_key(id),
                    now.timestamp_millis().to_be_bytes(),
                );
            }
        }
        self.log.commit(draft, batch)?;
        opened
    }

    /// Sets (or clears) the directory every signed checkpoint is exported to, outside the data
    /// directory: a configuration change, logged. Takes effect at the next open.
    pub fn set_anchor_dir(
        &self,
        access: &Access,
        dir: Option<&Path>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        access.validate()?;
        let mut batch = WriteBatch::new();
        let mut draft = Draft::new(access, "config.anchor-dir", now.timestamp_millis());
        match dir {
            Some(dir) => {
                let dir = std::path::absolute(dir)
                    .map_err(|err| Error::io(format!("resolving `{}`", dir.display()), err))?;
                batch.put(
                    Column::Meta,
                    META_ANCHOR_DIR,
                    dir.to_string_lossy().as_bytes(),
                );
                draft.outcome = format!("set to `{}`", dir.display());
            }
            None => {
                batch.delete(Column::Meta, META_ANCHOR_DIR);
                draft.outcome = "cleared".into();
            }
        }
        self.log.commit(draft, batch).map(drop)
    }

    /// Whether the access log can be written now, for readiness checks: a synced write of a
    /// probe to the store the log commits to. Not a log entry, so probing does not flood the
    /// log; it fails exactly when a log commit would fail for the store's sake.
    pub fn log_writable(&self, now: DateTime<Utc>) -> Result<()> {
        if self.log.halted() {
            return Err(Error::LogUnavailable(
                "the vault stopped accepting writes; restart it".into(),
            ));
        }
        let mut batch = WriteBatch::new();
        batch.put(
            Column::Meta,
            META_LOG_PROBE,
            now.timestamp_millis().to_be_bytes(),
        );
        self.store
            .write(batch, Durability::Synced)
            .map_err(|err| Error::LogUnavailable(err.to_string()))
    }

    /// Logs an attempt the policy gate refused: who, what, on which system, and why. A refusal
    /// that cannot be logged is still a refusal; the caller is told the log failed too.
    pub fn record_denial(
        &self,
        access: &Access,
        action: &str,
        system: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut draft = Draft::new(access, action, now.timestamp_millis());
        draft.system = system.to_owned();
        draft.decision = crate::log::Decision::Deny;
        draft.outcome = reason.to_owned();
        self.log.commit(draft, WriteBatch::new()).map(drop)
    }

    /// Logs an allowed operation that decrypts no record (a listing of accounts, holds, the
    /// registry of designated authorities, the retention plan or status): `outcome` says what
    /// was shown (counts and codes, never contents), with the ids of any records it named.
    /// Returns once the entry is durable, so nothing is shown that the log does not hold.
    pub fn record_listing(
        &self,
        access: &Access,
        action: &str,
        record_ids: Vec<RecordId>,
        outcome: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        access.validate()?;
        let mut draft = Draft::new(access, action, now.timestamp_millis());
        draft.record_ids = record_ids;
        draft.outcome = outcome.to_owned();
        self.log.commit(draft, WriteBatch::new()).map(drop)
    }

    /// Opens one record without logging: for the vault's own checks, never for a caller.
    pub(crate) fn open_record(&self, id: &RecordId) -> Result<Record> {
        let value = self
            .store
            .get(Column::Records, id.as_bytes())?
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        self.open_record_value(id, &value)
    }

    /// Opens record `id` from its stored value (the store's copy, or a transfer package's).
    pub(crate) fn open_record_value(&self, id: &RecordId, value: &[u8]) -> Result<Record> {
        let sealed = SealedRecord::parse(value)?;
        if sealed.contents_version != CONTENTS_VERSION {
            return Err(Error::UnsupportedVersion {
                what: "record contents",
                version: sealed.contents_version,
            });
        }
        let (system, category) = self.partition_name(id.partition())?;
        let data_key = self
            .keys
            .read()
            .map_err(|_| poisoned("key ring"))?
            .unwrap_data_key(id, &sealed)?;
        let plaintext = AeadKey::direct(&data_key).open(
            &contents_aad(
                id,
                system.as_str(),
                sealed.contents_version,
                &sealed.data_key_id,
            ),
            &Envelope::parse(sealed.sealed_contents)?,
        )?;
        let contents = decode_contents(&plaintext)?;
        // The id, the partition and the sealed contents must agree; authenticated contents that
        // disagree mean the vault wrote something wrong, so refuse rather than guess.
        if contents.system != system
            || contents.category != category
            || contents.collected_at.timestamp_millis() != id.collected_at_millis()
        {
            return Err(Error::corrupt(
                "stored record",
                "contents disagree with the record id",
            ));
        }
        Ok(Record { id: *id, contents })
    }

    /// Opens every record (without returning any contents) and reports those that fail:
    /// the offline check that nothing stored is damaged or half-written.
    pub fn verify(&self, access: &Access, now: DateTime<Utc>) -> Result<VerifyReport> {
        access.validate()?;
        let report = self.verify_unlogged()?;
        let mut draft = Draft::new(access, "verify", now.timestamp_millis());
        draft.outcome = format!(
            "{} records, {} unreadable",
            report.records,
            report.unreadable.len()
        );
        self.log.commit(draft, WriteBatch::new())?;
        Ok(report)
    }

    /// [`Vault::verify`] without the log entry, for restore's check before the vault is in use.
    pub(crate) fn verify_unlogged(&self) -> Result<VerifyReport> {
        const CHUNK: usize = 1024;
        let mut report = VerifyReport::default();
        let mut start = Vec::new();
        loop {
            let entries = self.store.scan(Column::Records, &start, None, CHUNK)?;
            for (key, _) in &entries {
                report.records += 1;
                let outcome = <[u8; 16]>::try_from(key.as_slice())
                    .map_err(|_| Error::corrupt("records column", "key is not a record id"))
                    .and_then(|bytes| self.open_record(&RecordId::from_bytes(bytes)).map(drop));
                if let Err(err) = outcome {
                    let id = <[u8; 16]>::try_from(key.as_slice())
                        .map(|bytes| RecordId::from_bytes(bytes).to_string())
                        .unwrap_or_else(|_| format!("({} byte key)", key.len()));
                    report.unreadable.push((id, err.to_string()));
                }
            }
            match entries.last() {
                Some((last, _)) if entries.len() == CHUNK => {
                    start = crate::keyspace::key_after(last)
                }
                _ => return Ok(report),
            }
        }
    }

    /// Every partition (number, system, category), in number order, without counting
    /// anything.
    pub fn partitions(&self) -> Result<Vec<(u16, SystemId, String)>> {
        let mut partitions: Vec<(u16, SystemId, String)> = self
            .partitions
            .read()
            .map_err(|_| poisoned("partition"))?
            .by_id
            .iter()
            .map(|(id, (system, category))| (*id, system.clone(), category.clone()))
            .collect();
        partitions.sort_by_key(|(id, _, _)| *id);
        Ok(partitions)
    }

    /// The ids of every record stored in `partition`, oldest first: ids only (no contents), for
    /// a migration that must read each one through a logged read.
    pub fn record_ids_in(&self, partition: u16) -> Result<Vec<RecordId>> {
        self.record_ids_collected_in(partition, 0, RecordId::MAX_MILLIS + 1, usize::MAX)
    }

    /// The ids of partition `partition`'s records collected from `start_ms` (included) to
    /// `end_ms` (excluded), at most `limit` of them: ids sort by partition, then collection
    /// time, so this reads only that range.
    pub fn record_ids_collected_in(
        &self,
        partition: u16,
        start_ms: i64,
        end_ms: i64,
        limit: usize,
    ) -> Result<Vec<RecordId>> {
        let (mut from, end) = records_collected_in(partition, start_ms, end_ms);
        let mut ids = Vec::new();
        // In chunks, so a large partition's ciphertexts are never all in memory at once.
        loop {
            let chunk = self.store.scan(Column::Records, &from, Some(&end), 4096)?;
            let Some((last, _)) = chunk.last() else {
                break;
            };
            from = crate::keyspace::key_after(last);
            ids.extend(
                chunk
                    .iter()
                    .filter_map(|(key, _)| <[u8; 16]>::try_from(key.as_slice()).ok())
                    .map(RecordId::from_bytes),
            );
            if ids.len() > limit {
                ids.truncate(limit);
                break;
            }
        }
        Ok(ids)
    }

    /// Every system with records, by its number.
    pub fn systems(&self) -> Result<Vec<(u16, SystemId)>> {
        let mut systems: Vec<(u16, SystemId)> = self
            .partitions
            .read()
            .map_err(|_| poisoned("partition"))?
            .systems
            .iter()
            .filter_map(|(name, number)| SystemId::new(name).ok().map(|id| (*number, id)))
            .collect();
        systems.sort();
        Ok(systems)
    }

    /// What the vault holds, in numbers: never contents, identifiers or keys.
    pub fn status(&self) -> Result<VaultStatus> {
        let session = self
            .session
            .lock()
            .map_err(|_| Error::Storage("session lock poisoned".into()))?
            .as_ref()
            .map(|session| session.id);
        let mut partitions: Vec<PartitionStatus> = self
            .partitions()?
            .into_iter()
            .map(|(id, system, category)| PartitionStatus {
                id,
                system,
                category,
                records: 0,
            })
            .collect();
        let systems = self.systems()?;
        for partition in &mut partitions {
            let start = partition.id.to_be_bytes();
            // Ids start with their partition, so a partition is the range up to the next one.
            let end = partition.id.checked_add(1).map(u16::to_be_bytes);
            partition.records =
                self.store
                    .count(Column::Records, &start, end.as_ref().map(|end| &end[..]))?;
        }
        Ok(VaultStatus {
            format_version: VAULT_FORMAT_VERSION,
            root_epoch: self.keys.read().map_err(|_| poisoned("key ring"))?.epoch(),
            session,
            partitions,
            systems,
            log_entries: self.log.head().seq,
            log_failures: self.log.failures(),
            anchor_failures: self.log.anchor_failures(),
            mark_failures: self.log.mark_failures(),
            writes_halted: self.log.halted(),
        })
    }

    /// The store underneath, for the testing door only.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The access log's signing key, which also signs accounts, documents, holds and
    /// certificates.
    pub(crate) fn log_signing_key(&self) -> Result<Arc<crate::crypto::SigningKey>> {
        Ok(self
            .keys
            .read()
            .map_err(|_| poisoned("key ring"))?
            .signing_key())
    }

    /// Takes `n` sequence numbers from the writer session, moving to a new session when this
    /// one would pass its limit (which also bounds the seals of its segment keys).
    pub(crate) fn reserve_ids(&self, n: usize) -> Result<(u32, u64)> {
        let n = n as u64;
        if n > SEGMENT_SEAL_LIMIT {
            return Err(Error::Invalid(format!(
                "a batch holds at most {SEGMENT_SEAL_LIMIT} records"
            )));
        }
        let mut current = self
            .session
            .lock()
            .map_err(|_| Error::Storage("session lock poisoned".into()))?;
        let session = match &mut *current {
            Some(session) if session.next_seq + n <= SEGMENT_SEAL_LIMIT => session,
            _ => current.insert(Session {
                id: allocate_session(&*self.store)?,
                next_seq: 0,
            }),
        };
        let first = session.next_seq;
        session.next_seq += n;
        Ok((session.id, first))
    }

    /// The partition of a system and category, allocated (durably) on first use.
    pub(crate) fn partition_for(&self, system: &SystemId, category: &str) -> Result<u16> {
        let name = (system.as_str().to_owned(), category.to_owned());
        let poisoned = || Error::Storage("partition lock poisoned".into());
        if let Some(id) = self
            .partitions
            .read()
            .map_err(|_| poisoned())?
            .by_name
            .get(&name)
        {
            return Ok(*id);
        }
        let mut partitions = self.partitions.write().map_err(|_| poisoned())?;
        if let Some(id) = partitions.by_name.get(&name) {
            return Ok(*id);
        }
        let next = self
            .store
            .get(Column::Meta, META_PARTITION_NEXT)?
            .map(|bytes| read_u16(&bytes, "partition counter"))
            .transpose()?
            .unwrap_or(1);
        let following = next.checked_add(1).ok_or_else(|| {
            Error::Invalid("no partition left for a new system or category".into())
        })?;
        let mut batch = WriteBatch::new();
        // A system is numbered with its first partition, in the same batch.
        let new_system = match partitions.systems.get(system.as_str()) {
            Some(_) => None,
            None => {
                let system_no = self
                    .store
                    .get(Column::Meta, META_SYSTEM_NEXT)?
                    .map(|bytes| read_u16(&bytes, "system counter"))
                    .transpose()?
                    .unwrap_or(1);
                let following = system_no
                    .checked_add(1)
                    .ok_or_else(|| Error::Invalid("no number left for a new system".into()))?;
                batch.put(
                    Column::Meta,
                    system_key(system.as_str()),
                    system_no.to_be_bytes(),
                );
                batch.put(Column::Meta, META_SYSTEM_NEXT, following.to_be_bytes());
                Some(system_no)
            }
        };
        let key = partition_name_key(system.as_str(), category);
        batch.put(Column::Meta, key, next.to_be_bytes());
        batch.put(
            Column::Meta,
            partition_id_key(next),
            partition_name_key(system.as_str(), category),
        );
        batch.put(Column::Meta, META_PARTITION_NEXT, following.to_be_bytes());
        self.store.write(batch, Durability::Synced)?;
        if let Some(system_no) = new_system {
            partitions
                .systems
                .insert(system.as_str().to_owned(), system_no);
        }
        partitions.by_name.insert(name, next);
        partitions
            .by_id
            .insert(next, (system.clone(), category.to_owned()));
        Ok(next)
    }

    /// The destruction bucket of a partition.
    pub(crate) fn bucket_of(&self, partition: u16) -> Result<Bucket> {
        Ok(self
            .partitions
            .read()
            .map_err(|_| poisoned("partition"))?
            .buckets
            .get(&partition)
            .copied()
            .unwrap_or_default())
    }

    /// Sets how long the destruction buckets of a system's category are (days for short
    /// retention windows, months, years), before its first record: cohorts already made keep
    /// their bucket, so the setting is refused once the category has records. A configuration
    /// change, logged.
    pub fn set_destruction_bucket(
        &self,
        access: &Access,
        system: &SystemId,
        category: &str,
        bucket: Bucket,
        now: DateTime<Utc>,
    ) -> Result<()> {
        access.validate()?;
        let _exclusive = self.lifecycle.write().map_err(|_| poisoned("lifecycle"))?;
        let partition = self.partition_for(system, category)?;
        let has_cohorts = self
            .cohorts
            .read()
            .map_err(|_| poisoned("cohort registry"))?
            .by_period
            .keys()
            .any(|(cohort_partition, _)| *cohort_partition == partition);
        if has_cohorts {
            return Err(Error::Invalid(format!(
                "`{system}/{}` already has records: its destruction bucket is fixed",
                model::display_token(category).trim_matches('`')
            )));
        }
        let mut batch = WriteBatch::new();
        batch.put(
            Column::Meta,
            partition_bucket_key(partition),
            [bucket.tag()],
        );
        let mut draft = Draft::new(access, "config.bucket", now.timestamp_millis());
        draft.system = system.to_string();
        draft.outcome = format!("category `{category}`: {} buckets", bucket.name());
        // Memory changes after the commit: it must follow the disk (see commit_key_change).
        self.commit_key_change(draft, batch)?;
        self.partitions
            .write()
            .map_err(|_| poisoned("partition"))?
            .buckets
            .insert(partition, bucket);
        self.export_key_table()?;
        Ok(())
    }

    /// The number of a system that has records, if it has any.
    pub(crate) fn system_number(&self, system: &SystemId) -> Result<Option<u16>> {
        Ok(self
            .partitions
            .read()
            .map_err(|_| poisoned("partition"))?
            .systems
            .get(system.as_str())
            .copied())
    }

    /// The system of records a record id belongs to (from its partition, without reading or
    /// logging anything): what the gate decides on before a read. Unknown partitions are
    /// [`Error::NotFound`].
    pub fn system_of(&self, id: &RecordId) -> Result<SystemId> {
        self.partition_of(id).map(|(system, _)| system)
    }

    /// The system and category a record id belongs to (from its partition, without reading
    /// or logging anything). Unknown partitions are [`Error::NotFound`].
    pub fn partition_of(&self, id: &RecordId) -> Result<(SystemId, String)> {
        self.partitions
            .read()
            .map_err(|_| poisoned("partition"))?
            .by_id
            .get(&id.partition())
            .cloned()
            .ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// The system (name and number) and category of a partition.
    pub(crate) fn partition_name(&self, partition: u16) -> Result<(SystemId, String)> {
        self.partitions
            .read()
            .map_err(|_| Error::Storage("partition lock poisoned".into()))?
            .by_id
            .get(&partition)
            .cloned()
            .ok_or_else(|| Error::corrupt("stored record", "unknown partition"))
    }
}

/// The log entry of a format upgrade: the vault's own act, checkpointed, at `at_ms` (the last
/// entry's time: opening reads no clock).
fn upgrade_entry(at_ms: i64, outcome: String) -> Draft {
    let mut draft = Draft::new(&Access::automatic(), "vault.upgrade", at_ms);
    draft.access.purpose = "format-upgrade".into();
    draft.outcome = outcome;
    draft.force_checkpoint = true;
    draft
}

/// What the format 5 upgrade did, for its log entry.
#[derive(Default)]
struct FieldIndexCount {
    /// TTAR records opened (in their live period or held).
    read: u64,
    /// Records indexed in their period's index.
    indexed: u64,
    /// Records indexed in at least one hold's index.
    held: u64,
    /// Index entries written.
    entries: u64,
    /// Records not indexed in a period: it ended, or they are in the deleted record file (read
    /// only if held).
    ended: u64,
}

pub(crate) fn poisoned(what: &str) -> Error {
    Error::Storage(format!("{what} lock poisoned"))
}

/// Allocates a new writer session durably, so no two writers ever share one, even across crashes.
fn allocate_session(store: &dyn Store) -> Result<u32> {
    let last = meta_u32(store, META_SESSION, "session counter")?.unwrap_or(0);
    let next = last
        .checked_add(1)
        .ok_or_else(|| Error::Invalid("writer sessions exhausted".into()))?;
    let mut batch = WriteBatch::new();
    batch.put(Column::Meta, META_SESSION, next.to_be_bytes());
    store.write(batch, Durability::Synced)?;
    Ok(next)
}

/// A `u32` stored big-endian under `key` in the `meta` column (counters and numbers).
pub(crate) fn meta_u32(store: &dyn Store, key: &[u8], what: &'static str) -> Result<Option<u32>> {
    store
        .get(Column::Meta, key)?
        .map(|bytes| {
            <[u8; 4]>::try_from(bytes.as_slice())
                .map(u32::from_be_bytes)
                .map_err(|_| Error::corrupt(what, "bad length"))
        })
        .transpose()
}

fn read_u16(bytes: &[u8], what: &'static str) -> Result<u16> {
    Ok(u16::from_be_bytes(
        bytes
            .try_into()
            .map_err(|_| Error::corrupt(what, "bad length"))?,
    ))
}

pub(crate) fn load_partitions(store: &dyn Store) -> Result<Partitions> {
    let mut partitions = Partitions::default();
    let end = prefix_end(META_PARTITION_BY_NAME);
    for (key, value) in store.scan(Column::Meta, META_PARTITION_BY_NAME, Some(&end), usize::MAX)? {
        let what = "partition entry";
        let name = std::str::from_utf8(&key[META_PARTITION_BY_NAME.len()..])
            .map_err(|_| Error::corrupt(what, "bad name"))?;
        let (system, category) = name
            .split_once('\0')
            .ok_or_else(|| Error::corrupt(what, "bad name"))?;
        let id = read_u16(&value, what)?;
        let system_id = SystemId::new(system).map_err(|_| Error::corrupt(what, "bad system id"))?;
        partitions
            .by_name
            .insert((system.to_owned(), category.to_owned()), id);
        partitions
            .by_id
            .insert(id, (system_id, category.to_owned()));
    }
    let end = prefix_end(META_PARTITION_BUCKET);
    for (key, value) in store.scan(Column::Meta, META_PARTITION_BUCKET, Some(&end), usize::MAX)? {
        let what = "partition bucket";
        let partition = read_u16(&key[META_PARTITION_BUCKET.len()..], what)?;
        let bucket = value
            .first()
            .and_then(|tag| Bucket::from_tag(*tag))
            .ok_or_else(|| Error::corrupt(what, "unknown bucket"))?;
        partitions.buckets.insert(partition, bucket);
    }
    let end = prefix_end(META_SYSTEM);
    for (key, value) in store.scan(Column::Meta, META_SYSTEM, Some(&end), usize::MAX)? {
        let name = std::str::from_utf8(&key[META_SYSTEM.len()..])
            .map_err(|_| Error::corrupt("system entry", "bad name"))?;
        partitions
            .systems
            .insert(name.to_owned(), read_u16(&value, "system entry")?);
    }
    Ok(partitions)
}

#[cfg(test)]
mod tests;
