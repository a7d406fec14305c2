//! The deliberate door for tests (feature `testing`): flushing a vault's store for at-rest
//! scans, the attacker routines that probe old copies with the keys that remain, and the fault
//! injector every failing-disk test wraps its store in (`FaultyStore`), and the sample record
//! the unit tests store (`transmittal`). Production code never
//! enables this feature; only tests do, as dev-dependencies (of `tests`, `gate`, `api`,
//! `privacy` and `retention`).

use crate::error::Result;
use crate::store::{Column, Durability, Entry, Op, Store, WriteBatch};
use crate::vault::Vault;

/// Flushes memtables and the write-ahead log to files, then compacts every column, so an
/// at-rest scan sees what a long-running vault would have on disk.
pub fn flush_and_compact(vault: &Vault) -> Result<()> {
    vault.store().flush()?;
    vault.store().compact()?;
    vault.store().flush()
}

/// The attacker's view of an old copy: with every root key `backend` holds now, tries to
/// unwrap every cohort key stored in `store` (under any epoch), then to open every record with
/// whatever it unwrapped. Returns how many records it could decrypt. After a destruction, a
/// copy taken before it must give zero.
pub fn count_decryptable(
    store: &dyn crate::store::Store,
    backend: &dyn crate::key_backend::KeyBackend,
) -> Result<u64> {
    use std::collections::HashMap;

    use crate::codec::decode_contents;
    use crate::crypto::{AeadKey, Envelope};
    use crate::sealed::{contents_aad, data_key_aad, SealedRecord};

    let roots = backend.root_keys()?;
    let mut cohort_keys = HashMap::new();
    let (start, end) = crate::keyspace::wrapped_cohort_keys();
    for (id, value) in store.scan(Column::Keys, &start, Some(&end), usize::MAX)? {
        let (Some(cohort), Some(version)) = (id.get(7..11), id.get(11..15)) else {
            continue;
        };
        let (cohort, version) = (
            u32::from_be_bytes([cohort[0], cohort[1], cohort[2], cohort[3]]),
            u32::from_be_bytes([version[0], version[1], version[2], version[3]]),
        );
        let (epoch, envelope) = value.split_at(4.min(value.len()));
        let Ok(envelope) = Envelope::parse(envelope) else {
            continue;
        };
        for root in &roots {
            let aad = crate::keys::cohort_key_aad_for_testing(cohort, version, epoch);
            if let Ok(key) = AeadKey::direct(root.key_for_testing()).unwrap_key(&aad, &envelope) {
                cohort_keys.insert((cohort, version), key);
            }
        }
    }
    let partitions = crate::vault::load_partitions(store)?;
    let mut decrypted = 0;
    for (key, value) in store.scan(Column::Records, b"", None, usize::MAX)? {
        let Ok(id_bytes) = <[u8; 16]>::try_from(key.as_slice()) else {
            continue;
        };
        let id = model::RecordId::from_bytes(id_bytes);
        let Ok(sealed) = SealedRecord::parse(&value) else {
            continue;
        };
        let Some(cohort_key) = cohort_keys.get(&(sealed.cohort, sealed.cohort_version)) else {
            continue;
        };
        let Ok(wrapped) = Envelope::parse(sealed.wrapped_data_key) else {
            continue;
        };
        let Some(segment) = wrapped.segment else {
            continue;
        };
        let context = [
            &b"recvault/data-key-wrap/v1"[..],
            &sealed.cohort.to_be_bytes(),
            &sealed.cohort_version.to_be_bytes(),
        ]
        .concat();
        let wrapper = AeadKey::segment(cohort_key, &context, segment);
        let aad = data_key_aad(
            &id,
            sealed.cohort,
            sealed.cohort_version,
            &sealed.data_key_id,
        );
        let Ok(data_key) = wrapper.unwrap_key(&aad, &wrapped) else {
            continue;
        };
        let Some((system, _)) = partitions.by_id.get(&id.partition()) else {
            continue;
        };
        let aad = contents_aad(
            &id,
            system.as_str(),
            sealed.contents_version,
            &sealed.data_key_id,
        );
        let Ok(contents) = Envelope::parse(sealed.sealed_contents) else {
            continue;
        };
        if let Ok(plaintext) = AeadKey::direct(&data_key).open(&aad, &contents) {
            if decode_contents(&plaintext).is_ok() {
                decrypted += 1;
            }
        }
    }
    Ok(decrypted)
}

/// The attacker's probe of an old copy's index: the tokens that `vault`'s remaining index keys
/// make for `key`, looked up in `copy`. After an index period ends, nobody whose records were
/// in it can be found in a copy this way.
pub fn probe_copy_index(
    vault: &Vault,
    copy: &dyn crate::store::Store,
    system: &model::SystemId,
    key: &crate::index::SearchKey,
) -> Result<Vec<model::RecordId>> {
    Ok(vault.index_hits(copy, system, key)?.0)
}

/// A funds-transfer record about one person (`name`, SSN `ssn`), collected on `day` of
/// February 2026: the record the kernel's and the domain's unit tests store.
#[allow(
    clippy::expect_used,
    reason = "a fixture of tests: its system and date are constants (a bad day fails the test)"
)]
pub fn transmittal(name: &str, ssn: &str, day: u32) -> model::RecordContents {
    use chrono::TimeZone;
    model::RecordContents {
        system: model::SystemId::new("fincen-cbetf").expect("a known system"),
        category: "transmittal".into(),
        collected_at: chrono::Utc
            .with_ymd_and_hms(2026, 2, day, 0, 0, 0)
            .single()
            .expect("a day of February"),
        source: std::collections::BTreeMap::from([("report_id".into(), format!("R-{day}"))]),
        subjects: vec![model::Subject {
            role: "transmittor".into(),
            name: Some(name.into()),
            identifiers: vec![model::Identifier::new(model::IdentifierKind::Ssn, ssn)],
        }],
        fields: std::collections::BTreeMap::from([("amount".into(), "1500.00".into())]),
    }
}

/// A store that passes everything to `inner`, but first shows each write to `before_write`,
/// which may stall it (a slow or frozen disk) or refuse it (a full or failing disk, or a crash
/// just before the write; nothing of a refused batch is stored): the one fault injector of
/// every test of a failing disk, which forwards every other method, so the store under test
/// behaves as `inner` does.
pub struct FaultyStore {
    inner: std::sync::Arc<dyn Store>,
    before_write: BeforeWrite,
}

type BeforeWrite = Box<dyn Fn(&WriteBatch) -> Result<()> + Send + Sync>;

impl FaultyStore {
    /// `inner`, with `before_write` called before each write.
    pub fn new(
        inner: std::sync::Arc<dyn Store>,
        before_write: impl Fn(&WriteBatch) -> Result<()> + Send + Sync + 'static,
    ) -> Self {
        FaultyStore {
            inner,
            before_write: Box::new(before_write),
        }
    }
}

/// The error a refused write gives, as a failing disk's.
pub fn injected_failure(what: &str) -> crate::Error {
    crate::Error::Storage(format!("injected: {what}"))
}

/// Whether `batch` carries an access-log entry (every acknowledged change does; a test that
/// stalls or fails the log's writes picks them by this).
pub fn carries_log_entry(batch: &WriteBatch) -> bool {
    batch.ops().any(|op| {
        matches!(
            op,
            Op::Put {
                column: Column::Log,
                ..
            }
        )
    })
}

impl std::fmt::Debug for FaultyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FaultyStore")
    }
}

impl Store for FaultyStore {
    fn get(&self, column: Column, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.inner.get(column, key)
    }

    fn multi_get(&self, column: Column, keys: &[&[u8]]) -> Result<Vec<Option<Vec<u8>>>> {
        self.inner.multi_get(column, keys)
    }

    fn write(&self, batch: WriteBatch, durability: Durability) -> Result<()> {
        (self.before_write)(&batch)?;
        self.inner.write(batch, durability)
    }

    fn scan(
        &self,
        column: Column,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<Entry>> {
        self.inner.scan(column, start, end, limit)
    }

    fn scan_token(&self, column: Column, prefix: &[u8]) -> Result<Vec<Entry>> {
        self.inner.scan_token(column, prefix)
    }

    fn count(&self, column: Column, start: &[u8], end: Option<&[u8]>) -> Result<u64> {
        self.inner.count(column, start, end)
    }

    fn checkpoint(&self, to: &std::path::Path) -> Result<()> {
        self.inner.checkpoint(to)
    }

    fn flush(&self) -> Result<()> {
        self.inner.flush()
    }

    fn recover(&self) -> Result<()> {
        self.inner.recover()
    }

    fn available_bytes(&self) -> Result<Option<u64>> {
        self.inner.available_bytes()
    }

    fn compact(&self) -> Result<()> {
        self.inner.compact()
    }

    fn compact_column(&self, column: Column) -> Result<()> {
        self.inner.compact_column(column)
    }
}
