//! The keyspace: every key the vault stores, by column, and what it means. Other modules
//! name keys through these constants and builders, never by spelling bytes, so the layout is
//! read in one place (docs/storage-format.md describes it) and a second storage engine, or a
//! new index layout, has one module to follow.
//!
//! This module holds every column's keys, and answers what each stored value is destroyed
//! with (`destroyed_with`).
//!
//! Numbers in keys are big-endian, so keys sort as their numbers do and a range of them is
//! one scan.

use model::RecordId;

use crate::store::{prefix_end, Column};

// The vault: format, sessions, partitions, systems, readiness, manual access.

/// Metadata key: the stored format version (`u8`).
pub(crate) const META_FORMAT: &[u8] = b"format";
/// Metadata key: the last writer session handed out (`u32`).
pub(crate) const META_SESSION: &[u8] = b"session";
/// Metadata key: the next partition number (`u16`).
pub(crate) const META_PARTITION_NEXT: &[u8] = b"partition-next";
/// Metadata key prefix: system and category to the partition number.
pub(crate) const META_PARTITION_BY_NAME: &[u8] = b"partition/";
/// Metadata key prefix: a partition number to its system and category.
pub(crate) const META_PARTITION_BY_ID: &[u8] = b"partition-id/";
/// Metadata key prefix: a system of records by id to its number.
pub(crate) const META_SYSTEM: &[u8] = b"system/";
/// Metadata key prefix: a partition's destruction bucket (`u8`), when not months.
pub(crate) const META_PARTITION_BUCKET: &[u8] = b"partition-bucket/";
/// Metadata key: the directory each signed checkpoint is exported to, if configured.
pub(crate) const META_ANCHOR_DIR: &[u8] = b"config/anchor-dir";
/// Metadata key: the next system number (`u16`).
pub(crate) const META_SYSTEM_NEXT: &[u8] = b"system-next";
/// Written by readiness probes (the time of the last probe).
pub(crate) const META_LOG_PROBE: &[u8] = b"log-probe";
/// Records whose contents were returned to a person, by id (the time of the first such read is
/// not kept: the key is rewritten at each).
pub(crate) const META_MANUAL_ACCESS: &[u8] = b"manual-access/";

// Keys: the root epoch, the key check and the log's public key.

/// Metadata key of the access log's public key.
pub(crate) const META_LOG_PUBLIC_KEY: &[u8] = b"log-public-key";
/// Metadata key of the key check.
pub(crate) const META_KEY_CHECK: &[u8] = b"key-check";
/// Metadata key of the current root epoch.
pub(crate) const META_ROOT_EPOCH: &[u8] = b"root-epoch";

// Cohorts: their descriptions, registries by period, hold, index period, accounting year, deferral, and moved records.

/// Metadata key prefix: cohort id to its description.
pub(crate) const META_COHORT: &[u8] = b"cohort/";
/// Metadata key prefix: partition and bucket start to the period cohort's id.
pub(crate) const META_PERIOD_COHORT: &[u8] = b"cohort-period/";
/// Metadata key prefix: hold reference to the hold cohort's id.
pub(crate) const META_HOLD_COHORT: &[u8] = b"cohort-hold/";
/// Metadata key: the next cohort id.
pub(crate) const META_COHORT_NEXT: &[u8] = b"cohort-next";
/// Metadata key prefix: a record moved out of its period cohort, to its destination cohort.
pub(crate) const META_MOVED: &[u8] = b"moved/";
/// Metadata key prefix: system, kind and year to the index period's cohort id.
pub(crate) const META_INDEX_COHORT: &[u8] = b"cohort-index/";
/// Metadata key prefix: an accounting year to its cohort id.
pub(crate) const META_ACCOUNTING_COHORT: &[u8] = b"cohort-accounting/";
/// Metadata key prefix: partition and bucket start to the deferred cohort's id.
pub(crate) const META_DEFERRED_COHORT: &[u8] = b"cohort-deferred/";

// Holds: entries, membership, subjects.

/// Metadata key prefix: a hold by id to its signed entry.
pub(crate) const META_HOLD: &[u8] = b"hold/";
/// Metadata key: the next hold id.
pub(crate) const META_HOLD_NEXT: &[u8] = b"hold-next";
/// Hold id and record id to the cohort the record came from (`u32`).
pub(crate) const META_HOLD_MEMBER: &[u8] = b"hold-member/";
/// Record id and hold id: the holds on a record, found from the record.
pub(crate) const META_HELD: &[u8] = b"held/";
/// Hold id to the subject's index kind and blind token, while the hold is active.
pub(crate) const META_HOLD_SUBJECT: &[u8] = b"hold-subject/";

// Destruction in progress and compaction.

/// Metadata key: written after a compaction so the engine records one more version edit.
pub(crate) const META_LAST_COMPACTION: &[u8] = b"store/compacted";
/// Metadata key prefix: a destroyed cohort whose records still await their range deletes.
pub(crate) const META_PURGE_PENDING: &[u8] = b"purge-pending/";

// The access log: its base and retention.

/// Metadata key: the first entry kept after truncation (`u64`; 1 when never truncated). Kept
/// for reading vaults made before version 2; the signed truncation records are what counts.
pub(crate) const META_LOG_BASE: &[u8] = b"log-base";
/// Metadata key: the log's retention period in days (`u32`).
pub(crate) const META_LOG_RETENTION: &[u8] = b"config/log-retention-days";

// The access log's chain head.

/// Metadata key of the chain head.
pub(crate) const META_LOG_HEAD: &[u8] = b"log-head";

// Backups: where the key table goes.

/// Metadata key: where the key table is exported (a directory outside the data directory).
pub(crate) const META_KEY_TABLE_DIR: &[u8] = b"config/key-table-dir";

// Signed state's manifests.

/// Where a kind's manifest is kept (column Meta): this prefix and the kind's prefix.
pub(crate) const META_MANIFEST: &[u8] = b"manifest/";

// Accounts.

/// Metadata key prefix: an account by name to its signed entry.
pub(crate) const META_ACCOUNT: &[u8] = b"account/";

// Signed documents.

/// Metadata key prefix: signed configuration documents, by kind and name.
pub(crate) const META_DOCUMENT: &[u8] = b"document/";
/// Metadata key prefix: the SORN documents (kind `sorn`).
pub(crate) const META_SORN_DOCUMENTS: &[u8] = b"document/sorn/";
/// Metadata key prefix: the designated-authority registry (kind `designated-authorities`).
pub(crate) const META_AUTHORITY_DOCUMENTS: &[u8] = b"document/designated-authorities/";

// Configuration: every key under `config/` is signed state.

/// Metadata key prefix of the vault's configuration (the directories anchors and key tables
/// are exported to, the log's retention).
pub(crate) const META_CONFIG: &[u8] = b"config/";

// Certificates, trusted time and the journal of a run.

/// Metadata key prefix: signed certificates of destruction, by kind and name.
pub(crate) const META_CERTIFICATE: &[u8] = b"certificate/";
/// Metadata key: retention's trusted time (signed), which a run's clock may not go behind.
pub(crate) const META_TRUSTED_TIME: &[u8] = b"retention/trusted-time";
/// The statement of a run in progress, so a run a crash interrupted is finished, and
/// certified, by the next.
pub(crate) const META_RUN_JOURNAL: &[u8] = b"retention/journal";

// Case files: their counters.

/// Metadata key prefix: the next Privacy Act request number of a year.
pub(crate) const META_CASE_NEXT: &[u8] = b"case-next/";
/// Metadata key prefix: the next high-risk designation number of a year.
pub(crate) const META_DESIGNATION_NEXT: &[u8] = b"designation-next/";

// Resumable ingest streams.

/// Metadata prefix of resumable streams' progress (stream key hash to last stored line).
pub(crate) const META_INGEST_STREAM: &[u8] = b"ingest-stream/";

// Builders of `meta` keys.

/// A system of records by id.
pub(crate) fn system_key(system: &str) -> Vec<u8> {
    [META_SYSTEM, system.as_bytes()].concat()
}

/// A partition by system and category. Neither name may contain a NUL byte (both are
/// validated tokens), so it separates them.
pub(crate) fn partition_name_key(system: &str, category: &str) -> Vec<u8> {
    [
        META_PARTITION_BY_NAME,
        system.as_bytes(),
        b"\0",
        category.as_bytes(),
    ]
    .concat()
}

/// A partition by number.
pub(crate) fn partition_id_key(partition: u16) -> Vec<u8> {
    [META_PARTITION_BY_ID, &partition.to_be_bytes()].concat()
}

/// A partition's destruction bucket.
pub(crate) fn partition_bucket_key(partition: u16) -> Vec<u8> {
    [META_PARTITION_BUCKET, &partition.to_be_bytes()].concat()
}

/// Metadata key: set once the marks of person reads left by destructions before 90c8cfc were
/// swept (`Vault::sweep_orphaned_marks`).
pub(crate) const META_MARKS_SWEPT: &[u8] = b"sweep/manual-access";

/// A record whose contents were returned to a person.
pub(crate) fn manual_access_key(id: &RecordId) -> Vec<u8> {
    [META_MANUAL_ACCESS, &id.as_bytes()[..]].concat()
}

/// The marks of the records whose ids run from `start` to before `end` (id prefixes).
pub(crate) fn manual_access_range(start: &[u8], end: &[u8]) -> (Vec<u8>, Vec<u8>) {
    (
        [META_MANUAL_ACCESS, start].concat(),
        [META_MANUAL_ACCESS, end].concat(),
    )
}

/// A cohort's description.
pub(crate) fn cohort_key(id: u32) -> Vec<u8> {
    [META_COHORT, &id.to_be_bytes()].concat()
}

/// The end of the cohort descriptions' range (`cohort/` and nothing after it: the other
/// `cohort-` prefixes sort before `cohort/`, since `-` is before `/`).
pub(crate) fn cohorts_end() -> Vec<u8> {
    prefix_end(META_COHORT)
}

/// The period cohort of a partition's bucket starting at `start_ms`.
pub(crate) fn period_key(partition: u16, start_ms: i64) -> Vec<u8> {
    [
        META_PERIOD_COHORT,
        &partition.to_be_bytes(),
        &start_ms.to_be_bytes(),
    ]
    .concat()
}

/// The index period's cohort of a system's identifiers of one kind in one year.
pub(crate) fn index_cohort_key(system: u16, kind: u8, year: u16) -> Vec<u8> {
    [
        META_INDEX_COHORT,
        &system.to_be_bytes(),
        &[kind],
        &year.to_be_bytes(),
    ]
    .concat()
}

/// The accounting cohort of the year its entries may be destroyed from.
pub(crate) fn accounting_cohort_key(year: u16) -> Vec<u8> {
    [META_ACCOUNTING_COHORT, &year.to_be_bytes()].concat()
}

/// The deferred cohort of a partition's bucket starting at `start_ms`.
pub(crate) fn deferred_key(partition: u16, start_ms: i64) -> Vec<u8> {
    [
        META_DEFERRED_COHORT,
        &partition.to_be_bytes(),
        &start_ms.to_be_bytes(),
    ]
    .concat()
}

/// The hold cohort of a hold reference.
pub(crate) fn hold_cohort_key(reference: &str) -> Vec<u8> {
    [META_HOLD_COHORT, reference.as_bytes()].concat()
}

/// A record moved out of its period cohort.
pub(crate) fn moved_key(id: &RecordId) -> Vec<u8> {
    [META_MOVED, id.as_bytes()].concat()
}

/// The moved records whose ids run from `start` to before `end` (id prefixes).
pub(crate) fn moved_range(start: &[u8], end: &[u8]) -> (Vec<u8>, Vec<u8>) {
    ([META_MOVED, start].concat(), [META_MOVED, end].concat())
}

/// A destroyed cohort whose records still await their range deletion.
pub(crate) fn purge_pending_key(cohort: u32) -> Vec<u8> {
    [META_PURGE_PENDING, &cohort.to_be_bytes()].concat()
}

/// A hold's signed entry.
pub(crate) fn hold_key(id: u32) -> Vec<u8> {
    [META_HOLD, &id.to_be_bytes()].concat()
}

/// A record's membership in a hold.
pub(crate) fn hold_member_key(hold: u32, record: &RecordId) -> Vec<u8> {
    [META_HOLD_MEMBER, &hold.to_be_bytes(), record.as_bytes()].concat()
}

/// Every record of a hold.
pub(crate) fn hold_members_prefix(hold: u32) -> Vec<u8> {
    [META_HOLD_MEMBER, &hold.to_be_bytes()].concat()
}

/// A hold on a record, found from the record.
pub(crate) fn held_key(record: &RecordId, hold: u32) -> Vec<u8> {
    [META_HELD, record.as_bytes(), &hold.to_be_bytes()].concat()
}

/// Every hold on a record.
pub(crate) fn held_prefix(record: &RecordId) -> Vec<u8> {
    [META_HELD, record.as_bytes()].concat()
}

/// A subject hold's index kind and token.
pub(crate) fn hold_subject_key(hold: u32) -> Vec<u8> {
    [META_HOLD_SUBJECT, &hold.to_be_bytes()].concat()
}

/// A certificate of `kind` (a destruction, a run, a transfer) by name; with an empty name,
/// the prefix of every certificate of that kind.
pub(crate) fn certificate_key(kind: &str, name: &str) -> Vec<u8> {
    [META_CERTIFICATE, kind.as_bytes(), b"/", name.as_bytes()].concat()
}

/// Every document of `kind`.
pub(crate) fn document_prefix(kind: &str) -> Vec<u8> {
    [META_DOCUMENT, kind.as_bytes(), b"/"].concat()
}

/// A document of `kind` by name.
pub(crate) fn document_key(kind: &str, name: &str) -> Vec<u8> {
    [document_prefix(kind).as_slice(), name.as_bytes()].concat()
}

/// An account by name.
pub(crate) fn account_key(name: &str) -> Vec<u8> {
    [META_ACCOUNT, name.as_bytes()].concat()
}

/// The manifest of the signed state whose items are under `prefix`.
pub(crate) fn manifest_key(prefix: &[u8]) -> Vec<u8> {
    [META_MANIFEST, prefix].concat()
}

/// A resumable ingest stream's progress, by the hash of its key.
pub(crate) fn ingest_stream_key(stream: &[u8; 32]) -> Vec<u8> {
    [META_INGEST_STREAM, &stream[..]].concat()
}

/// The metadata key of a counter the domain numbers its files with (value: the next number,
/// `u32`). Only this module makes one, so a counter is the only metadata a change sets plainly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounterKey(Vec<u8>);

impl CounterKey {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The counter of the Privacy Act requests opened in year `opened`.
pub fn request_counter_key(opened: u16) -> CounterKey {
    CounterKey([META_CASE_NEXT, &opened.to_be_bytes()].concat())
}

/// The counter of the high-risk designations opened in year `opened`.
pub fn designation_counter_key(opened: u16) -> CounterKey {
    CounterKey([META_DESIGNATION_NEXT, &opened.to_be_bytes()].concat())
}

/// Every account.
pub(crate) fn accounts() -> (Vec<u8>, Vec<u8>) {
    (META_ACCOUNT.to_vec(), prefix_end(META_ACCOUNT))
}

/// Every document of `kind`.
pub(crate) fn documents_of(kind: &str) -> (Vec<u8>, Vec<u8>) {
    let prefix = document_prefix(kind);
    let end = prefix_end(&prefix);
    (prefix, end)
}

/// The `meta` keys that describe keys and where records live: a key table carries everything
/// under these prefixes (backup.rs), so a restored vault finds every cohort, partition, hold
/// and moved record its keys belong to.
pub(crate) const KEY_TABLE_PREFIXES: [&[u8]; 22] = [
    META_PARTITION_BUCKET,
    META_ROOT_EPOCH,
    META_LOG_PUBLIC_KEY,
    META_KEY_CHECK,
    META_COHORT,
    META_PERIOD_COHORT,
    META_HOLD_COHORT,
    META_INDEX_COHORT,
    META_ACCOUNTING_COHORT,
    // `system` covers `system/` and `system-next`.
    b"system",
    META_COHORT_NEXT,
    META_PARTITION_BY_NAME,
    META_PARTITION_BY_ID,
    META_PARTITION_NEXT,
    META_SESSION,
    META_DEFERRED_COHORT,
    META_HOLD,
    META_HOLD_NEXT,
    META_HOLD_MEMBER,
    META_HELD,
    META_HOLD_SUBJECT,
    META_MOVED,
];

// The `keys` column: wrapped keys.

/// The `keys` entry of the access log's wrapped signing seed.
pub(crate) const WRAPPED_SIGNING_KEY: &[u8] = b"log-signing";
/// The `keys` prefix of wrapped cohort keys (cohort id, then version).
const WRAPPED_COHORT_KEY: &[u8] = b"cohort/";

/// Version `version` of cohort `cohort`'s wrapped key.
pub(crate) fn wrapped_cohort_key(cohort: u32, version: u32) -> Vec<u8> {
    [
        WRAPPED_COHORT_KEY,
        &cohort.to_be_bytes(),
        &version.to_be_bytes(),
    ]
    .concat()
}

/// The range holding every version of one cohort's wrapped key.
pub(crate) fn wrapped_cohort_key_range(cohort: u32) -> (Vec<u8>, Vec<u8>) {
    let start = [WRAPPED_COHORT_KEY, &cohort.to_be_bytes()].concat();
    let end = [
        WRAPPED_COHORT_KEY,
        &(u64::from(cohort) + 1).to_be_bytes()[4..],
    ]
    .concat();
    (start, end)
}

/// The range holding every wrapped cohort key.
pub(crate) fn wrapped_cohort_keys() -> (Vec<u8>, Vec<u8>) {
    (WRAPPED_COHORT_KEY.to_vec(), prefix_end(WRAPPED_COHORT_KEY))
}

// The `log` column: the access log's entries, checkpoints and truncation records, each by a
// tag byte and its number.

const LOG_ENTRY: u8 = b'e';
const LOG_CHECKPOINT: u8 = b'c';
const LOG_TRUNCATION: u8 = b't';

/// The range of the entries in the `log` column.
pub(crate) const LOG_ENTRY_KEYS: (&[u8], &[u8]) = (&[LOG_ENTRY], &[LOG_ENTRY + 1]);
/// The range of the checkpoints in the `log` column.
pub(crate) const LOG_CHECKPOINT_KEYS: (&[u8], &[u8]) = (&[LOG_CHECKPOINT], &[LOG_CHECKPOINT + 1]);
/// The range of the truncation records in the `log` column.
pub(crate) const LOG_TRUNCATION_KEYS: (&[u8], &[u8]) = (&[LOG_TRUNCATION], &[LOG_TRUNCATION + 1]);

/// Entry `seq` of the access log.
pub fn log_entry_key(seq: u64) -> Vec<u8> {
    [&[LOG_ENTRY][..], &seq.to_be_bytes()].concat()
}

/// The checkpoint made at entry `seq`.
pub(crate) fn log_checkpoint_key(seq: u64) -> Vec<u8> {
    [&[LOG_CHECKPOINT][..], &seq.to_be_bytes()].concat()
}

/// The truncation record whose first kept entry is `base`.
pub(crate) fn log_truncation_key(base: u64) -> Vec<u8> {
    [&[LOG_TRUNCATION][..], &base.to_be_bytes()].concat()
}

// The `index` column: blind-index entries. A period's entries start with the index layout
// version, the system's number and the calendar year (one index period, destroyed with its
// key), then the kind, the token and the record id; a hold's start with the hold tag and the
// hold's id instead.

/// The first byte of a hold's index entries (a period's start with the layout version).
pub(crate) const HOLD_INDEX_TAG: u8 = 0x80;

/// The first bytes of every entry of one system's index period.
pub fn index_period_prefix(system: u16, year: u16) -> Vec<u8> {
    [
        &[crate::index::INDEX_LAYOUT_VERSION][..],
        &system.to_be_bytes(),
        &year.to_be_bytes(),
    ]
    .concat()
}

/// The entries of one token (of one kind) in an index period: the records it finds.
pub fn index_token_prefix(system: u16, year: u16, kind: u8, token: &[u8]) -> Vec<u8> {
    [&index_period_prefix(system, year)[..], &[kind], token].concat()
}

/// The entry that finds record `id` by `token` in an index period.
pub fn index_entry(system: u16, year: u16, kind: u8, token: &[u8], id: &RecordId) -> Vec<u8> {
    [
        &index_token_prefix(system, year, kind, token)[..],
        id.as_bytes(),
    ]
    .concat()
}

/// The first bytes of every entry of hold `hold`'s index.
pub(crate) fn hold_index_prefix(hold: u32) -> Vec<u8> {
    [&[HOLD_INDEX_TAG][..], &hold.to_be_bytes()].concat()
}

/// The entries of one token (of one kind) in a hold's index.
pub(crate) fn hold_token_prefix(hold: u32, kind: u8, token: &[u8]) -> Vec<u8> {
    [&hold_index_prefix(hold)[..], &[kind], token].concat()
}

/// The entry that finds record `id` by `token` in a hold's index.
pub(crate) fn hold_index_entry(hold: u32, kind: u8, token: &[u8], id: &RecordId) -> Vec<u8> {
    [&hold_token_prefix(hold, kind, token)[..], id.as_bytes()].concat()
}

/// The range of every hold's index entries.
pub(crate) fn hold_indexes() -> (Vec<u8>, Vec<u8>) {
    (vec![HOLD_INDEX_TAG], prefix_end(&[HOLD_INDEX_TAG]))
}

// The `records` column is keyed by record id alone (`RecordId::as_bytes`); the `annotations`
// column by the record's id and a sequence, so a record's annotations are one range next to
// nothing else.

/// The range of the `records` column holding a period cohort's records: every id of
/// `partition` collected from `start_ms` to before `end_ms` (a bucket's bounds, which an id
/// can always carry). Its purge, certificate and transfer package read this range.
pub(crate) fn period_records(partition: u16, start_ms: i64, end_ms: i64) -> (Vec<u8>, Vec<u8>) {
    (
        RecordId::new(partition, start_ms, 0, 0).as_bytes().to_vec(),
        RecordId::new(partition, end_ms, 0, 0).as_bytes().to_vec(),
    )
}

/// The first key after `key` in any column: where a scan resumes after the last key it read.
pub(crate) fn key_after(key: &[u8]) -> Vec<u8> {
    [key, &[0]].concat()
}

/// The whole `keys` column (wrapped cohort keys, each under its cohort and epoch): what a
/// restore replaces with the key table's.
pub(crate) fn every_wrapped_key() -> (Vec<u8>, Vec<u8>) {
    (Vec::new(), vec![0xff; 64])
}

/// The range of the `records` column holding a partition's records collected from `start_ms`
/// to before `end_ms` (ids start with the partition and the collection time).
pub(crate) fn records_collected_in(
    partition: u16,
    start_ms: i64,
    end_ms: i64,
) -> (Vec<u8>, Vec<u8>) {
    let bound = |ms: i64| {
        // Clamped to what an id can carry, so the cast loses nothing.
        let millis = ms.clamp(0, RecordId::MAX_MILLIS) as u64;
        [&partition.to_be_bytes()[..], &millis.to_be_bytes()[2..8]].concat()
    };
    let end = if end_ms > RecordId::MAX_MILLIS {
        prefix_end(&partition.to_be_bytes())
    } else {
        bound(end_ms)
    };
    (bound(start_ms), end)
}

/// Annotation `seq` of record `id`.
pub(crate) fn annotation_key(id: &RecordId, seq: u32) -> Vec<u8> {
    [&id.as_bytes()[..], &seq.to_be_bytes()].concat()
}

/// The range holding every annotation of record `id` (and only its).
pub(crate) fn annotations_of_record(id: &RecordId) -> (Vec<u8>, Vec<u8>) {
    (
        id.as_bytes().to_vec(),
        [id.as_bytes().as_slice(), &[0xff; 5]].concat(),
    )
}

// What destroys what.

/// The unit a stored value dies with: what a backend that cannot delete ranges or compact (a
/// networked one) must find and delete together when the vault destroys it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DestroyedWith {
    /// A record, and what names it: its annotations, the mark of a person's read, the entry
    /// saying which cohort it moved to. Destroyed with the cohort holding the record (its
    /// period cohort, known from the id's partition and collection time, unless a `moved/`
    /// entry names the hold or deferred cohort it moved to).
    Record(RecordId),
    /// Cohort `n`: its wrapped keys, which its destruction deletes (the records it sealed become
    /// unreadable at once; their ciphertext goes with their range), and the mark of its purge
    /// still to finish.
    Cohort(u32),
    /// An index period's entries (every kind of the system's index for that year): with the
    /// period's cohorts.
    IndexPeriod {
        /// The system's number.
        system: u16,
        /// The calendar year of collection.
        year: u16,
    },
    /// What a hold keeps beside its cohort (its index entries, its members, its subject): at
    /// the hold's release.
    Hold(u32),
    /// The accounting of disclosures (and the case files that share its keys) of the year it
    /// may be destroyed from.
    AccountingYear(u16),
    /// An access-log entry: by the log's retention, oldest first.
    LogRetention,
    /// Kept for the vault's life: the registries of systems, partitions and cohorts, signed
    /// state (accounts, documents, holds' signed entries, configuration, certificates), the
    /// log's checkpoints and truncation records (the proof of what was cut) and its signing
    /// key.
    VaultLife,
}

/// What the value stored under `key` in `column` dies with; `None` for a key this vault never
/// writes.
pub fn destroyed_with(column: Column, key: &[u8]) -> Option<DestroyedWith> {
    let u16_at = |at: usize| {
        key.get(at..at + 2)
            .and_then(|bytes| bytes.try_into().ok())
            .map(u16::from_be_bytes)
    };
    let u32_at = |at: usize| {
        key.get(at..at + 4)
            .and_then(|bytes| bytes.try_into().ok())
            .map(u32::from_be_bytes)
    };
    let record_at_start = || {
        key.get(..16)
            .and_then(|bytes| bytes.try_into().ok())
            .map(RecordId::from_bytes)
    };
    match column {
        Column::Records if key.len() == 16 => record_at_start().map(DestroyedWith::Record),
        Column::Annotations if key.len() == 20 => record_at_start().map(DestroyedWith::Record),
        Column::Keys if key == WRAPPED_SIGNING_KEY => Some(DestroyedWith::VaultLife),
        Column::Keys if key.starts_with(WRAPPED_COHORT_KEY) && key.len() == 15 => {
            u32_at(WRAPPED_COHORT_KEY.len()).map(DestroyedWith::Cohort)
        }
        Column::Index => match key.first() {
            Some(&HOLD_INDEX_TAG) => u32_at(1).map(DestroyedWith::Hold),
            Some(&crate::index::INDEX_LAYOUT_VERSION) => Some(DestroyedWith::IndexPeriod {
                system: u16_at(1)?,
                year: u16_at(3)?,
            }),
            _ => None,
        },
        // Every accounting key is a tag, then the year its entry may be destroyed from.
        Column::Accounting => accounting_year(key).map(DestroyedWith::AccountingYear),
        Column::Log if key.len() == 9 => match key[0] {
            LOG_ENTRY => Some(DestroyedWith::LogRetention),
            LOG_CHECKPOINT | LOG_TRUNCATION => Some(DestroyedWith::VaultLife),
            _ => None,
        },
        Column::Meta => meta_destroyed_with(key),
        _ => None,
    }
}

// The `accounting` column: the accounting of disclosures and the case files that share its
// keys. Every key is a tag, then the year from which it may be destroyed (`u16`), so a year is
// one range per tag (`accounting_year_ranges`) and its purge takes all of it.

/// An accounting entry: `e` | year | number.
const ACCOUNTING_ENTRY: u8 = b'e';
/// The entries' index by subject: `i` | year | index kind `u8` | token `[16]` | number.
const ACCOUNTING_BY_SUBJECT: u8 = b'i';
/// A notice to a prior recipient or to the individual: `n` | year | number.
const ACCOUNTING_NOTICE: u8 = b'n';
/// When a notice was sent: `s` and the notice's key after its tag (value: the time, ms).
const NOTICE_SENT: u8 = b's';
/// When the legal process a notice tells of became public, and the notice's due date: `p` and
/// the notice's key after its tag (value: `YYYY-MM-DDYYYY-MM-DD`).
const NOTICE_PUBLIC: u8 = b'p';
/// The entries' index by record: `r` | year | record id | number.
const ACCOUNTING_BY_RECORD: u8 = b'r';
/// A case file: `q` | year | the file's id (`PA-2026-000001`).
const CASE_FILE: u8 = b'q';
/// The case files' index by the identifiers of whom they are about: `k` | year | index kind
/// `u8` | token `[16]` | the file's id.
const CASE_BY_IDENTIFIER: u8 = b'k';

/// The first bytes of the `accounting` column's keys, each followed by the year;
/// `accounting_year_ranges` covers the same, which a test checks.
pub(crate) const ACCOUNTING_TAGS: [u8; 8] = [
    ACCOUNTING_ENTRY,
    ACCOUNTING_BY_SUBJECT,
    ACCOUNTING_NOTICE,
    NOTICE_SENT,
    NOTICE_PUBLIC,
    ACCOUNTING_BY_RECORD,
    CASE_FILE,
    CASE_BY_IDENTIFIER,
];

/// The number an accounting entry or notice is known by within its year: the writer session
/// that made it and a sequence number the session reserved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryNumber {
    /// The session.
    pub session: u32,
    /// The sequence number in it.
    pub seq: u32,
}

impl EntryNumber {
    fn bytes(self) -> [u8; 8] {
        let mut bytes = [0; 8];
        bytes[..4].copy_from_slice(&self.session.to_be_bytes());
        bytes[4..].copy_from_slice(&self.seq.to_be_bytes());
        bytes
    }

    /// The number an accounting key ends with (an entry, an index entry, a notice).
    pub fn at_end_of(key: &[u8]) -> Option<EntryNumber> {
        let tail = key.len().checked_sub(8).and_then(|at| key.get(at..))?;
        Some(EntryNumber {
            session: u32::from_be_bytes(tail[..4].try_into().ok()?),
            seq: u32::from_be_bytes(tail[4..].try_into().ok()?),
        })
    }
}

fn accounting_key(tag: u8, year: u16, parts: &[&[u8]]) -> Vec<u8> {
    let mut key = Vec::with_capacity(3 + parts.iter().map(|part| part.len()).sum::<usize>());
    key.push(tag);
    key.extend_from_slice(&year.to_be_bytes());
    for part in parts {
        key.extend_from_slice(part);
    }
    key
}

fn prefix_range(prefix: Vec<u8>) -> (Vec<u8>, Vec<u8>) {
    let end = prefix_end(&prefix);
    (prefix, end)
}

/// The year an accounting key may be destroyed from, if it is one.
pub fn accounting_year(key: &[u8]) -> Option<u16> {
    key.first().filter(|tag| ACCOUNTING_TAGS.contains(tag))?;
    key.get(1..3)
        .and_then(|bytes| bytes.try_into().ok())
        .map(u16::from_be_bytes)
}

/// The key ranges of one accounting year, every tag's: what the year's destruction purges.
pub(crate) fn accounting_year_ranges(year: u16) -> [(Vec<u8>, Vec<u8>); 8] {
    ACCOUNTING_TAGS.map(|tag| prefix_range(accounting_key(tag, year, &[])))
}

/// Accounting entry `number` of `year`.
pub fn accounting_entry_key(year: u16, number: EntryNumber) -> Vec<u8> {
    accounting_key(ACCOUNTING_ENTRY, year, &[&number.bytes()])
}

/// Whether `key` is an accounting entry's.
pub fn is_accounting_entry(key: &[u8]) -> bool {
    key.len() == 11 && key[0] == ACCOUNTING_ENTRY
}

/// Every accounting entry of `year`.
pub fn accounting_entries_of_year(year: u16) -> (Vec<u8>, Vec<u8>) {
    prefix_range(accounting_key(ACCOUNTING_ENTRY, year, &[]))
}

/// The index entry saying entry `number` of `year` is about a subject of index `kind` with
/// `token`.
pub fn accounting_by_subject_key(
    year: u16,
    kind: u8,
    token: &[u8; 16],
    number: EntryNumber,
) -> Vec<u8> {
    accounting_key(
        ACCOUNTING_BY_SUBJECT,
        year,
        &[&[kind], token, &number.bytes()],
    )
}

/// The index entries of `year` about a subject of index `kind` with `token`.
pub fn accounting_by_subject(year: u16, kind: u8, token: &[u8; 16]) -> (Vec<u8>, Vec<u8>) {
    prefix_range(accounting_key(
        ACCOUNTING_BY_SUBJECT,
        year,
        &[&[kind], token],
    ))
}

/// The index entry saying entry `number` of `year` is about record `id`.
pub fn accounting_by_record_key(year: u16, id: &RecordId, number: EntryNumber) -> Vec<u8> {
    accounting_key(
        ACCOUNTING_BY_RECORD,
        year,
        &[id.as_bytes(), &number.bytes()],
    )
}

/// The index entries of `year` about record `id`.
pub fn accounting_by_record(year: u16, id: &RecordId) -> (Vec<u8>, Vec<u8>) {
    prefix_range(accounting_key(ACCOUNTING_BY_RECORD, year, &[id.as_bytes()]))
}

/// Notice `number` of `year`.
pub fn notice_key(year: u16, number: EntryNumber) -> Vec<u8> {
    accounting_key(ACCOUNTING_NOTICE, year, &[&number.bytes()])
}

/// Whether `key` is a notice's (a notice's id is its key in hexadecimal).
pub fn is_notice_key(key: &[u8]) -> bool {
    key.len() == 11 && key[0] == ACCOUNTING_NOTICE
}

/// Every notice, of every year.
pub fn notices() -> (Vec<u8>, Vec<u8>) {
    (vec![ACCOUNTING_NOTICE], vec![ACCOUNTING_NOTICE + 1])
}

/// The mark saying when the notice stored under `notice_key` was sent.
pub fn notice_sent_key(notice_key: &[u8]) -> Vec<u8> {
    [&[NOTICE_SENT][..], &notice_key[1..]].concat()
}

/// The mark saying when the legal process the notice under `notice_key` tells of became
/// public, and when the notice is due.
pub fn notice_public_key(notice_key: &[u8]) -> Vec<u8> {
    [&[NOTICE_PUBLIC][..], &notice_key[1..]].concat()
}

/// Case file `id`, which may be destroyed from `year`.
pub fn case_file_key(year: u16, id: &str) -> Vec<u8> {
    accounting_key(CASE_FILE, year, &[id.as_bytes()])
}

/// Whether `key` is one a value is sealed under in its accounting year: an entry, a notice or
/// a case file.
pub(crate) fn is_sealed_in_year(key: &[u8]) -> bool {
    accounting_year(key).is_some()
        && matches!(key[0], ACCOUNTING_ENTRY | ACCOUNTING_NOTICE | CASE_FILE)
}

/// Whether `key` is an index entry of the accounting column (by subject, by record, or a case
/// file's by identifier), whose value is empty.
pub(crate) fn is_accounting_index(key: &[u8]) -> bool {
    accounting_year(key).is_some()
        && matches!(
            key[0],
            ACCOUNTING_BY_SUBJECT | ACCOUNTING_BY_RECORD | CASE_BY_IDENTIFIER
        )
}

/// Whether `key` is a notice's mark (when it was sent, when it became due).
pub(crate) fn is_notice_mark(key: &[u8]) -> bool {
    key.len() == 11 && matches!(key[0], NOTICE_SENT | NOTICE_PUBLIC)
}

/// Every case file, of every year.
pub fn case_files() -> (Vec<u8>, Vec<u8>) {
    (vec![CASE_FILE], vec![CASE_FILE + 1])
}

/// The id of the case file stored under `key`.
pub fn case_file_id(key: &[u8]) -> Option<&[u8]> {
    key.get(3..).filter(|_| key.first() == Some(&CASE_FILE))
}

/// The index entry saying case file `id` of `year` is about someone with an identifier of
/// index `kind` with `token`.
pub fn case_by_identifier_key(year: u16, kind: u8, token: &[u8; 16], id: &str) -> Vec<u8> {
    accounting_key(CASE_BY_IDENTIFIER, year, &[&[kind], token, id.as_bytes()])
}

/// The id of the case file a by-identifier index entry (`case_by_identifier_key`) names.
pub fn case_file_indexed(key: &[u8]) -> Option<&[u8]> {
    key.get(3 + 1 + 16..)
        .filter(|_| key.first() == Some(&CASE_BY_IDENTIFIER))
}

/// The index entries of `year` about someone with an identifier of index `kind` with `token`:
/// each key ends with the file's id.
pub fn case_by_identifier(year: u16, kind: u8, token: &[u8; 16]) -> (Vec<u8>, Vec<u8>) {
    prefix_range(accounting_key(CASE_BY_IDENTIFIER, year, &[&[kind], token]))
}

/// What a `meta` entry dies with: most live as long as the vault; the ones about a record, a
/// hold or a cohort in destruction go with it.
fn meta_destroyed_with(key: &[u8]) -> Option<DestroyedWith> {
    let after = |prefix: &[u8]| key.strip_prefix(prefix);
    let record = |bytes: &[u8]| {
        <[u8; 16]>::try_from(bytes.get(..16)?)
            .ok()
            .map(RecordId::from_bytes)
    };
    let number = |bytes: &[u8]| {
        <[u8; 4]>::try_from(bytes.get(..4)?)
            .ok()
            .map(u32::from_be_bytes)
    };
    if let Some(rest) = after(META_MOVED).or_else(|| after(META_MANUAL_ACCESS)) {
        return record(rest).map(DestroyedWith::Record);
    }
    if let Some(rest) = after(META_HOLD_MEMBER).or_else(|| after(META_HOLD_SUBJECT)) {
        return number(rest).map(DestroyedWith::Hold);
    }
    if let Some(rest) = after(META_HELD) {
        return number(rest.get(16..)?).map(DestroyedWith::Hold);
    }
    if let Some(rest) = after(META_PURGE_PENDING) {
        return number(rest).map(DestroyedWith::Cohort);
    }
    // Everything else the vault keeps in `meta` lives as long as the vault: named here one by
    // one (whole keys, and prefixes that end in `/`), so a key of a new kind has no answer
    // (and the tests that walk a vault's keys fail) until someone says what destroys it.
    const VAULT_LIFE_KEYS: &[&[u8]] = &[
        META_FORMAT,
        META_SESSION,
        META_PARTITION_NEXT,
        META_ANCHOR_DIR,
        META_SYSTEM_NEXT,
        META_LOG_PROBE,
        META_LOG_PUBLIC_KEY,
        META_KEY_CHECK,
        META_ROOT_EPOCH,
        META_COHORT_NEXT,
        META_HOLD_NEXT,
        META_LAST_COMPACTION,
        META_LOG_BASE,
        META_LOG_RETENTION,
        META_LOG_HEAD,
        META_KEY_TABLE_DIR,
        META_TRUSTED_TIME,
        META_RUN_JOURNAL,
        META_MARKS_SWEPT,
    ];
    const VAULT_LIFE_PREFIXES: &[&[u8]] = &[
        META_PARTITION_BY_NAME,
        META_PARTITION_BY_ID,
        META_SYSTEM,
        META_PARTITION_BUCKET,
        META_COHORT,
        META_PERIOD_COHORT,
        META_HOLD_COHORT,
        META_INDEX_COHORT,
        META_ACCOUNTING_COHORT,
        META_DEFERRED_COHORT,
        META_HOLD,
        META_MANIFEST,
        META_ACCOUNT,
        META_DOCUMENT,
        META_CONFIG,
        META_CERTIFICATE,
        META_CASE_NEXT,
        META_DESIGNATION_NEXT,
        META_INGEST_STREAM,
    ];
    let vault_life = VAULT_LIFE_KEYS.contains(&key)
        || VAULT_LIFE_PREFIXES
            .iter()
            .any(|prefix| key.len() > prefix.len() && key.starts_with(prefix));
    vault_life.then_some(DestroyedWith::VaultLife)
}

#[cfg(test)]
mod tests;
