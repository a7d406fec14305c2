//! The records vault's core: records sealed with AES-256-GCM envelope encryption in a
//! key-value store, with no identifier or record contents ever on disk in the clear.
//!
//! # Layout
//! - `raw`: raw messages split from their records at ingest and sealed apart under their
//!   system's raw-input schedule.
//! - `change`: the kernel's transaction (`Change`): records opened as handles, values sealed in
//!   an accounting year, signed items and index entries, committed with their access-log entry
//!   in one atomic batch (`commit_releasing` returns the opened records once it is durable; a
//!   change dropped after it read still logs); the accounting years' keys (`LedgerYear`) and
//!   signed metadata, the services the domain uses through it.
//! - `codec`: the versioned binary encoding of record contents (the plaintext that is sealed),
//!   the tag bytes of identifier kinds, and the `Reader` and `Writer` every stored value is
//!   encoded with (the domain's too).
//! - `crypto`: the crypto provider, the only module that touches key bytes and primitives.
//! - `key_backend`: key backends (`KeyBackend`, `FileKeyBackend`, `MemKeyBackend`): root keys
//!   by epoch, outside the data directory.
//! - `keyspace`: every key the vault stores, by column: the constants and builders the other
//!   modules name keys with, and what each stored value is destroyed with (`destroyed_with`).
//! - `keys`: the key ring of cohort keys and the log's signing key, unwrapped by the root key.
//! - `cohort`: cohorts (the records that die together) and their registry.
//! - `attachments`: values sealed beside a record under keys derived from its data key,
//!   destroyed and purged with it (the domain's annotations), written through a `Change`.
//! - `backup`: checkpoints, the key table exported after every key change, and restore.
//! - `signed_state`: generations and signed manifests of every kind of signed state, so none
//!   can be rolled back, replayed or deleted item by item.
//! - `high_water`: the high-water mark kept with the key store (the last signed checkpoint and
//!   the generations), which catches a data directory replaced by an older copy.
//! - `certificates`: signed certificates of what was destroyed, and retention's trusted time.
//! - `reports`: reports of one funds transfer: deduplication, conflicts, cover payments.
//! - `error`: the vault's error type, whose messages are safe to show.
//! - `index`: blind indexes: HMAC tokens per index period, written with each record; `lookup`.
//! - `scan`: Attachment A elements found in free text (PNR OSI, SSI/SSR), indexed with the
//!   record so it is found by them without the text being read.
//! - `audit`: verifying the access log against a pinned key and anchors; audit search.
//! - `log`: the access log: entries, the hash chain, signed checkpoints, the group-commit writer.
//! - `holds`: holds on records or subjects, their own cohorts and indexes, and their release.
//! - `lifecycle`: cohort destruction, deferral to a deleted record file, root-key rotation:
//!   the operations that change keys.
//! - `sealed`: the stored layout of a record (wrapped data key plus sealed contents).
//! - `transfer`: transfer packages carrying a cohort's records, their attachments and their
//!   accounting items to a records center, under a transfer key the cohort's destruction shreds, with a signed
//!   manifest.
//! - `store`: the `Store` trait, `RocksStore` (the only module naming RocksDB), `MemStore`.
//! - `ingest`: validating, sealing and indexing batches, committed with their log entries.
//! - `vault`: `Vault`, which ties them together: create, open, ingest, read.
//! - `testing`: a door for tests (feature `testing`): store flushes, attacker routines, the
//!   fault injector `FaultyStore`, and a sample record.
//!
//! Records are `model`'s (`model::RecordContents` and the rest): the vault seals, indexes and
//! reads them. Byte layouts are in `docs/storage-format.md`; the map of the workspace in
//! `docs/ARCHITECTURE.md`.

mod attachments;
pub mod audit;
mod backup;
mod certificates;
mod change;
pub mod codec;
mod cohort;
pub mod crypto;
mod error;
mod high_water;
mod holds;
mod index;
mod ingest;
mod key_backend;
mod keys;
pub mod keyspace;
mod lifecycle;
mod log;
mod raw;
mod reports;
pub mod scan;
mod sealed;
mod signed_state;
pub mod store;
pub mod transfer;
mod vault;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use crate::attachments::Attachment;
pub use crate::backup::{restore, BackupReport, RestoreReport, KEY_TABLE_FILE};
pub use crate::certificates::Certificate;
pub use crate::change::{Change, LedgerYear, Opened, Released, SignedItem, SignedKind};
pub use crate::cohort::{Bucket, CohortInfo, CohortKind};
pub use crate::error::{Error, Result};
pub use crate::holds::{
    is_one_line, parse_hold_id, Hold, HoldMode, HoldPurpose, HoldRelease, HoldSpec, HoldSummary,
    HoldTarget, PlacedHold, ReleasedHold,
};
pub use crate::index::{
    index_kind_name, indexed_forms, SearchKey, INDEX_LAYOUT_VERSION, RECEIPT_KEY_SOURCE,
    VERSION_KEY_SOURCE,
};
pub use crate::ingest::{Ingested, StreamKey};
pub use crate::key_backend::{FileKeyBackend, KeyBackend, MemKeyBackend, RootKey};
pub use crate::keyspace::{destroyed_with, DestroyedWith};
pub use crate::lifecycle::{Destruction, KeyStatus};
pub use crate::log::{
    decode_entry, entry_hash, Access, Checkpoint, CheckpointLink, CheckpointPolicy, Decision,
    LogEntry, TruncationRecord, DEFAULT_LOG_TIMEOUT, LOG_ENTRY_VERSION, MAX_CHECKPOINT_INTERVAL,
};
pub use crate::reports::{
    CONFLICTS_WITH_SOURCE, COVERED_BY_SOURCE, COVERS_RECORDS_SOURCE, COVERS_SOURCE,
    TRANSFER_KEY_SOURCE, TRANSFER_KIND, TRANSFER_MATCH_SOURCE, TRANSFER_WINDOW_SOURCE,
};
pub use crate::vault::{
    PartitionStatus, Vault, VaultOptions, VaultStatus, VerifyReport, DEFAULT_DISK_RESERVE,
    DEFAULT_KEY_CHANGE_TIMEOUT, VAULT_FORMAT_VERSION,
};
