//! The deliberate door for tests (feature `testing`): flushing a vault's store for at-rest
//! scans, and the attacker routines that probe old copies with the keys that remain.
//! Production code never enables this feature; only the `tests` crate does.

use crate::error::Result;
use crate::store::Column;
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

/// For tests: a store that passes everything to `inner` but refuses the writes `refuse` picks,
/// as a disk that fails (or a crash just before the write) would leave it.
pub struct RefusingWrites {
    /// The store it passes to.
    pub inner: std::sync::Arc<dyn crate::store::Store>,
    /// Which writes it refuses.
    pub refuse: Box<dyn Fn(&crate::store::WriteBatch) -> bool + Send + Sync>,
}

impl std::fmt::Debug for RefusingWrites {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefusingWrites")
    }
}

impl crate::store::Store for RefusingWrites {
    fn get(&self, column: Column, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.inner.get(column, key)
    }

    fn write(
        &self,
        batch: crate::store::WriteBatch,
        durability: crate::store::Durability,
    ) -> Result<()> {
        if (self.refuse)(&batch) {
            return Err(crate::error::Error::Storage(
                "injected: the write failed".into(),
            ));
        }
        self.inner.write(batch, durability)
    }

    fn scan(
        &self,
        column: Column,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<crate::store::Entry>> {
        self.inner.scan(column, start, end, limit)
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

    fn compact(&self) -> Result<()> {
        self.inner.compact()
    }
}
