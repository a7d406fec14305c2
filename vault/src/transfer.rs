//! Transfer packages: one period cohort's records, their annotations and a copy of their
//! accounting, as they go to a records center or the agency's archive for the cohort's archive
//! phase (31 CFR 1.25(b)(3): "the accounting ... shall be transferred with the records";
//! 1.29(a): records in a Federal Records Center stay the component's, under the Act).
//!
//! A package carries each item as the vault stores it (a record's sealed envelope, an
//! annotation, an accounting entry: already ciphertext under their own keys), sealed again
//! under a fresh **transfer key**; the transfer key travels wrapped by a key derived from the
//! cohort's key (HKDF, context `recvault/transfer-key/v1`). So the package is readable with the
//! vault's keys while the cohort lives, and with nothing once the cohort is destroyed on
//! schedule: its destruction shreds every transferred copy with the vault's own. The accounting
//! entries themselves stay in the vault, which keeps them for their own life (1.25(a)(2)).
//!
//! A **manifest** lists every item by kind, key and the SHA-256 of its sealed bytes, with the
//! header; the log's Ed25519 key signs it, so a records center (or an auditor with the vault's
//! public key) can check that nothing was added, dropped or altered without reading anything.
//!
//! Layout (version 1): magic `RVTP`, `u8` version, the header (transfer id, system, cohort
//! `u32`, cohort key version `u32`, made at `i64` ms, the wrapped transfer key), `u32` item
//! count, each item (kind `u8`: 1 record, 2 annotation, 3 accounting entry; key; sealed
//! bytes), then the 64-byte signature over the manifest. Lengths are `u32`, big-endian.

use chrono::{DateTime, Utc};

use crate::codec::{Reader, Writer};
use crate::cohort::CohortKind;
use crate::crypto::{sha256, verify_signature, AeadKey, Envelope, KeyMaterial, Sha256};
use crate::error::{Error, Result};
use crate::log::{Access, Draft};
use crate::store::Column;
use crate::vault::{poisoned, Vault};
use model::{Record, RecordId};

const MAGIC: &[u8; 4] = b"RVTP";
/// The package layout this build writes and reads.
pub const PACKAGE_VERSION: u8 = 1;
/// The HKDF context of the key that wraps a transfer key, under the cohort's key.
pub(crate) const TRANSFER_WRAP_CONTEXT: &[u8] = b"recvault/transfer-key/v1";

/// What an item of a package is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// A record's sealed envelope (`Records` column).
    Record,
    /// One annotation of a record (`Annotations` column).
    Annotation,
    /// One accounting entry of a record (`Accounting` column).
    Accounting,
}

impl ItemKind {
    fn tag(self) -> u8 {
        match self {
            ItemKind::Record => 1,
            ItemKind::Annotation => 2,
            ItemKind::Accounting => 3,
        }
    }

    fn from_tag(tag: u8) -> Option<Self> {
        [ItemKind::Record, ItemKind::Annotation, ItemKind::Accounting]
            .into_iter()
            .find(|kind| kind.tag() == tag)
    }

    /// Its name in manifests and certificates.
    pub fn name(self) -> &'static str {
        match self {
            ItemKind::Record => "record",
            ItemKind::Annotation => "annotation",
            ItemKind::Accounting => "accounting",
        }
    }
}

/// One item as the manifest lists it: nothing in it is personal data (record ids, stored keys
/// and hashes of ciphertext).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestItem {
    /// What it is.
    pub kind: ItemKind,
    /// Its key in the vault's store.
    pub key: Vec<u8>,
    /// The SHA-256 of its sealed bytes in the package.
    pub sha256: [u8; 32],
}

/// A package's manifest, checked against its signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The transfer's id (`T-<cohort>-<made at ms>`).
    pub transfer: String,
    /// The system whose records it carries.
    pub system: String,
    /// The cohort.
    pub cohort: u32,
    /// The version of the cohort's key that wraps the transfer key.
    pub key_version: u32,
    /// When it was made.
    pub made_at: DateTime<Utc>,
    /// Every item.
    pub items: Vec<ManifestItem>,
    /// The SHA-256 the signature covers.
    pub digest: [u8; 32],
}

impl Manifest {
    /// How many items of `kind`.
    pub fn count(&self, kind: ItemKind) -> usize {
        self.items.iter().filter(|item| item.kind == kind).count()
    }
}

/// A package as made: its bytes, its manifest and its certificate.
#[derive(Clone)]
pub struct TransferPackage {
    /// The package, to be written where the records go.
    pub bytes: Vec<u8>,
    /// What it holds.
    pub manifest: Manifest,
    /// The signed certificate of the transfer, kept in the vault (kind `transfer`).
    pub certificate: crate::certificates::Certificate,
}

/// A cohort transferred, as its certificate records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transferred {
    /// The transfer's id.
    pub transfer: String,
    /// The cohort.
    pub cohort: u32,
    /// The cohort's records its package does not carry: those in a hold's cohort when it was
    /// made (the vault's own copy is the only one). Every other record of the cohort is in the
    /// package, whatever hold it joins later.
    pub held_back: Vec<RecordId>,
    /// The certificate.
    pub certificate: crate::certificates::Certificate,
}

/// Where a period cohort's records come from and when: what a transfer is decided on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CohortPeriod {
    /// The system.
    pub system: model::SystemId,
    /// The category.
    pub category: String,
    /// The first collection time it covers (Unix ms).
    pub start_ms: i64,
    /// The end of its range (Unix ms, exclusive).
    pub end_ms: i64,
    /// Whether its key lives.
    pub live: bool,
}

/// The certificate name of a cohort's transfer.
fn certificate_name(cohort: u32) -> String {
    format!("cohort-{cohort:010}")
}

/// The first line of a transfer certificate: `Transfer <id>`.
const CERTIFICATE_HEAD: &str = "Transfer ";

/// The line of a transfer certificate that lists the records held back (ids, comma
/// separated; absent when none was).
const HELD_BACK_HEAD: &str = "Held back (moved out of the period when transferred): ";

impl std::fmt::Debug for TransferPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferPackage")
            .field("transfer", &self.manifest.transfer)
            .field("items", &self.manifest.items.len())
            .finish_non_exhaustive()
    }
}

/// A package opened with the vault's keys.
pub struct OpenedTransfer {
    /// Its manifest.
    pub manifest: Manifest,
    /// The records, with their attachments (the domain's annotations).
    pub records: Vec<(Record, Vec<crate::Attachment>)>,
    /// The copy of their accounting: each entry's key, and what was sealed under it, opened
    /// (the domain decodes it; wiped when dropped).
    pub accounting: Vec<(Vec<u8>, zeroize::Zeroizing<Vec<u8>>)>,
}

impl std::fmt::Debug for OpenedTransfer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedTransfer")
            .field("transfer", &self.manifest.transfer)
            .field("records", &self.records.len())
            .field("accounting", &self.accounting.len())
            .finish_non_exhaustive()
    }
}

struct Parsed<'a> {
    manifest: Manifest,
    wrapped_key: &'a [u8],
    items: Vec<(ItemKind, &'a [u8], &'a [u8])>,
}

fn record_id(key: &[u8]) -> Result<RecordId> {
    <[u8; 16]>::try_from(key)
        .map(RecordId::from_bytes)
        .map_err(|_| Error::corrupt("transfer package", "bad record id"))
}

fn put_bytes(out: &mut Writer, bytes: &[u8]) -> Result<()> {
    let len = u32::try_from(bytes.len()).map_err(|_| Error::Invalid("item too large".into()))?;
    out.u32(len);
    out.0.extend_from_slice(bytes);
    Ok(())
}

fn take_bytes<'a>(reader: &mut Reader<'a>) -> Result<&'a [u8]> {
    let len = reader.u32()? as usize;
    reader.take(len)
}

/// The associated data of an item: the transfer, its kind and key, so no item can be moved to
/// another place, package or kind.
fn item_aad(transfer: &str, kind: ItemKind, key: &[u8]) -> Vec<u8> {
    [
        b"recvault-transfer-item v1\0".as_slice(),
        transfer.as_bytes(),
        &[0, kind.tag()],
        key,
    ]
    .concat()
}

fn key_aad(transfer: &str, cohort: u32, version: u32) -> Vec<u8> {
    [
        b"recvault-transfer-key v1\0".as_slice(),
        transfer.as_bytes(),
        &[0],
        &cohort.to_be_bytes(),
        &version.to_be_bytes(),
    ]
    .concat()
}

fn item_hash(kind: ItemKind, key: &[u8], sealed: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(&[kind.tag()]);
    hash.update(&(key.len() as u64).to_be_bytes());
    hash.update(key);
    hash.update(sealed);
    hash.finish()
}

/// The bytes the signature covers: the header and every item's hash, in order.
fn manifest_digest(header: &[u8], hashes: &[[u8; 32]]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"recvault-transfer-manifest v1\0");
    hash.update(&sha256(header));
    hash.update(&(hashes.len() as u64).to_be_bytes());
    for item in hashes {
        hash.update(item);
    }
    hash.finish()
}

fn parse(bytes: &[u8]) -> Result<(Parsed<'_>, [u8; 64])> {
    let what = "transfer package";
    if bytes.len() < MAGIC.len() + 1 + 64 || &bytes[..4] != MAGIC {
        return Err(Error::Invalid("not a recvault transfer package".into()));
    }
    if bytes[4] != PACKAGE_VERSION {
        return Err(Error::UnsupportedVersion {
            what: "transfer package",
            version: bytes[4],
        });
    }
    let (body, signature) = bytes.split_at(bytes.len() - 64);
    let mut reader = Reader::new(&body[5..], what);
    let header_start = 5;
    let transfer = reader.string()?;
    let system = reader.string()?;
    let cohort = reader.u32()?;
    let key_version = reader.u32()?;
    let made_ms = reader.i64()?;
    let wrapped_key = take_bytes(&mut reader)?;
    let header_len = body.len() - header_start - reader.rest_len();
    let header = &body[header_start..header_start + header_len];
    let n = reader.u32()? as usize;
    let mut items = Vec::with_capacity(n.min(1 << 20));
    let mut manifest_items = Vec::with_capacity(n.min(1 << 20));
    for _ in 0..n {
        let kind = ItemKind::from_tag(reader.u8()?)
            .ok_or_else(|| Error::corrupt(what, "unknown item kind"))?;
        let key = take_bytes(&mut reader)?;
        let sealed = take_bytes(&mut reader)?;
        manifest_items.push(ManifestItem {
            kind,
            key: key.to_vec(),
            sha256: item_hash(kind, key, sealed),
        });
        items.push((kind, key, sealed));
    }
    reader.finish()?;
    let hashes: Vec<[u8; 32]> = manifest_items.iter().map(|item| item.sha256).collect();
    let made_at = DateTime::<Utc>::from_timestamp_millis(made_ms)
        .ok_or_else(|| Error::corrupt(what, "bad time"))?;
    let manifest = Manifest {
        transfer,
        system,
        cohort,
        key_version,
        made_at,
        items: manifest_items,
        digest: manifest_digest(header, &hashes),
    };
    let signature: [u8; 64] = signature
        .try_into()
        .map_err(|_| Error::corrupt(what, "bad signature"))?;
    Ok((
        Parsed {
            manifest,
            wrapped_key,
            items,
        },
        signature,
    ))
}

/// Checks a package against `public_key` (the log's, as `recvault audit` pins it): every item
/// as the signed manifest lists it. Reads nothing sealed: a records center or an auditor can
/// check a package without any key of the vault.
pub fn verify_package(bytes: &[u8], public_key: &[u8; 32]) -> Result<Manifest> {
    let (parsed, signature) = parse(bytes)?;
    if !verify_signature(public_key, &parsed.manifest.digest, &signature) {
        return Err(Error::Invalid(
            "the package's manifest is not signed by this vault's key: an item was added, dropped or altered, or it is another vault's".into(),
        ));
    }
    Ok(parsed.manifest)
}

impl Vault {
    /// The system, category and collection range of period cohort `cohort`, and whether its
    /// key lives; `None` for another kind of cohort or none.
    pub fn cohort_period(&self, cohort: u32) -> Result<Option<CohortPeriod>> {
        let Some(info) = self.cohort_info(cohort)? else {
            return Ok(None);
        };
        let CohortKind::Period {
            partition,
            start_ms,
            end_ms,
        } = info.kind
        else {
            return Ok(None);
        };
        let (system, category) = self.partition_name(partition)?;
        Ok(Some(CohortPeriod {
            system,
            category,
            start_ms,
            end_ms,
            live: info.is_live(),
        }))
    }

    /// Transfers period cohort `cohort`: makes its package (its records, not those moved to a
    /// hold or a deleted record file, their annotations and a copy of their accounting, under
    /// a fresh transfer key wrapped by the cohort's key, with the signed manifest), hands it to
    /// `deliver` (which stores it durably where the records go), and only then keeps the
    /// transfer's certificate with the `transfer.make` log entry naming the records. If
    /// `deliver` fails, nothing is recorded. The vault keeps its own sealed copy until the
    /// cohort's destruction.
    pub fn make_transfer(
        &self,
        access: &Access,
        cohort: u32,
        now: DateTime<Utc>,
        deliver: impl FnOnce(&Manifest, &[u8]) -> Result<()>,
    ) -> Result<TransferPackage> {
        access.validate()?;
        // Exclusive from the check to the commit: no second transfer of the cohort, no hold
        // moving a record out of it, and no ingest adding one to it, while the package is made
        // (ingest re-checks the transferred cohorts under the shared side of this lock).
        let _exclusive = self.lifecycle.write().map_err(|_| poisoned("lifecycle"))?;
        let info = self
            .cohort_info(cohort)?
            .ok_or_else(|| Error::NotFound(format!("cohort {cohort}")))?;
        let CohortKind::Period { partition, .. } = info.kind else {
            return Err(Error::Invalid(
                "a transfer carries a period cohort (a partition's records of one bucket)".into(),
            ));
        };
        if !info.is_live() {
            return Err(Error::Invalid(format!(
                "cohort {cohort} was destroyed: nothing is left to transfer"
            )));
        }
        if let Some(done) = self
            .transfers()?
            .into_iter()
            .find(|done| done.cohort == cohort)
        {
            return Err(Error::Invalid(format!(
                "cohort {cohort} was transferred ({}): its package is read with `recall`",
                done.transfer
            )));
        }
        // An ingest batch sealed before the lock may still be queued for the log's writer: the
        // writer commits in order, so this entry is durable only once every batch queued
        // before it is, and the scan below sees them all.
        let mut begun = Draft::new(access, "transfer.begin", now.timestamp_millis());
        begun.cohorts = vec![cohort];
        begun.outcome = format!("cohort {cohort}: the package is being made");
        self.log.commit(begun, crate::store::WriteBatch::new())?;
        let (system, _) = self.partition_name(partition)?;
        let (start, end) = info
            .record_range()
            .ok_or_else(|| Error::corrupt("cohort", "a period cohort without a range"))?;
        let mut held_back = self.moved_out_of(&info)?;
        held_back.sort_unstable();
        let moved: std::collections::HashSet<RecordId> = held_back.iter().copied().collect();
        let mut stored: Vec<(ItemKind, Vec<u8>, Vec<u8>)> = Vec::new();
        let mut ids = Vec::new();
        for (key, value) in self
            .store
            .scan(Column::Records, &start, Some(&end), usize::MAX)?
        {
            let id = record_id(&key)?;
            if moved.contains(&id) {
                continue;
            }
            stored.push((ItemKind::Record, key, value));
            for (key, value) in self.stored_attachments(&id)? {
                stored.push((ItemKind::Annotation, key, value));
            }
            for (key, value) in self.accounting_items_of_record(&id)? {
                stored.push((ItemKind::Accounting, key, value));
            }
            ids.push(id);
        }
        let made_ms = now.timestamp_millis();
        let transfer = format!("T-{cohort}-{made_ms}");
        let transfer_key = KeyMaterial::generate()?;
        let keys = self.keys.read().map_err(|_| poisoned("key ring"))?;
        let wrapped = keys
            .transfer_key_wrapper(cohort, info.key_version)?
            .wrap_key(&key_aad(&transfer, cohort, info.key_version), &transfer_key)?;
        let signer = keys.signing_key();
        drop(keys);
        let mut header = Writer(zeroize::Zeroizing::new(Vec::new()));
        header.str(&transfer);
        header.str(system.as_str());
        header.u32(cohort);
        header.u32(info.key_version);
        header.i64(made_ms);
        put_bytes(&mut header, &wrapped)?;
        let sealer = AeadKey::direct(&transfer_key);
        let mut out = Writer(zeroize::Zeroizing::new(Vec::new()));
        out.0.extend_from_slice(MAGIC);
        out.u8(PACKAGE_VERSION);
        out.0.extend_from_slice(&header.0);
        out.u32(u32::try_from(stored.len()).map_err(|_| Error::Invalid("too many items".into()))?);
        let mut items = Vec::with_capacity(stored.len());
        for (kind, key, value) in &stored {
            let sealed = sealer.seal(&item_aad(&transfer, *kind, key), value)?;
            out.u8(kind.tag());
            put_bytes(&mut out, key)?;
            put_bytes(&mut out, &sealed)?;
            items.push(ManifestItem {
                kind: *kind,
                key: key.clone(),
                sha256: item_hash(*kind, key, &sealed),
            });
        }
        let hashes: Vec<[u8; 32]> = items.iter().map(|item| item.sha256).collect();
        let digest = manifest_digest(&header.0, &hashes);
        out.0.extend_from_slice(&signer.sign(&digest));
        let manifest = Manifest {
            transfer: transfer.clone(),
            system: system.as_str().to_owned(),
            cohort,
            key_version: info.key_version,
            made_at: DateTime::<Utc>::from_timestamp_millis(made_ms)
                .ok_or_else(|| Error::Invalid("the time is out of range".into()))?,
            items,
            digest,
        };
        let summary = format!(
            "{} records, {} annotations, {} accounting entries; manifest sha256:{}",
            manifest.count(ItemKind::Record),
            manifest.count(ItemKind::Annotation),
            manifest.count(ItemKind::Accounting),
            hex::encode(digest)
        );
        let held_line = if held_back.is_empty() {
            String::new()
        } else {
            let ids: Vec<String> = held_back.iter().map(ToString::to_string).collect();
            format!("{HELD_BACK_HEAD}{}\n", ids.join(", "))
        };
        let text = format!(
            "{CERTIFICATE_HEAD}{transfer}\nSystem: {}\nCohort: {cohort} (key version {})\nMade: {}\nCarries: {summary}\n{held_line}Package: sha256:{}\nThe records, their annotations and a copy of their accounting are sealed under a transfer key wrapped by the cohort's key: the cohort's destruction on schedule makes the package unreadable. The accounting itself stays in the vault (31 CFR 1.25(a)(2), (b)(3)).\n",
            manifest.system,
            info.key_version,
            manifest.made_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            hex::encode(sha256(&out.0)),
        );
        deliver(&manifest, &out.0)?;
        let mut batch = crate::store::WriteBatch::new();
        let name = certificate_name(cohort);
        let signature = self.certificate_into(&mut batch, "transfer", &name, &text)?;
        let mut draft = Draft::new(access, "transfer.make", made_ms);
        draft.system = system.as_str().to_owned();
        draft.record_ids = ids;
        draft.cohorts = vec![cohort];
        draft.outcome = format!("{transfer}: {summary}");
        // The certificate commits with the entry: signed state, so deleting it on disk (to
        // make the records look untransferred) is refused at open.
        self.log.commit(draft, batch)?;
        Ok(TransferPackage {
            bytes: out.0.to_vec(),
            manifest,
            certificate: crate::certificates::Certificate {
                kind: "transfer".into(),
                name,
                text,
                signature,
            },
        })
    }

    /// The ids of the cohorts transferred, from the names of their certificates alone (what
    /// ingest checks on every batch; the certificates themselves are verified at open).
    pub(crate) fn transferred_cohort_ids(&self) -> Result<std::collections::HashSet<u32>> {
        let prefix = crate::keyspace::certificate_key("transfer", "cohort-");
        let end = crate::store::prefix_end(&prefix);
        self.store
            .scan(Column::Meta, &prefix, Some(&end), usize::MAX)?
            .into_iter()
            .map(|(key, _)| {
                std::str::from_utf8(&key[prefix.len()..])
                    .ok()
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| Error::corrupt("transfer certificate", "bad name"))
            })
            .collect()
    }

    /// Every cohort transferred, from its certificate.
    pub fn transfers(&self) -> Result<Vec<Transferred>> {
        self.certificates("transfer")?
            .into_iter()
            .map(|certificate| {
                let cohort = certificate
                    .name
                    .strip_prefix("cohort-")
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| Error::corrupt("transfer certificate", "bad name"))?;
                let transfer = certificate
                    .text
                    .lines()
                    .next()
                    .and_then(|line| line.strip_prefix(CERTIFICATE_HEAD))
                    .ok_or_else(|| Error::corrupt("transfer certificate", "bad text"))?
                    .to_owned();
                let held_back = certificate
                    .text
                    .lines()
                    .find_map(|line| line.strip_prefix(HELD_BACK_HEAD))
                    .map(|ids| {
                        ids.split(", ")
                            .map(|id| {
                                id.parse().map_err(|_| {
                                    Error::corrupt("transfer certificate", "bad held-back id")
                                })
                            })
                            .collect::<Result<Vec<RecordId>>>()
                    })
                    .transpose()?
                    .unwrap_or_default();
                Ok(Transferred {
                    transfer,
                    cohort,
                    held_back,
                    certificate,
                })
            })
            .collect()
    }

    /// Opens a package this vault made: checks it against the log's key, unwraps its transfer
    /// key with its cohort's key (gone once the cohort is destroyed: [`Error::DecryptionFailed`]),
    /// and opens every item with the vault's keys. Logged as `transfer.open` with the records'
    /// ids, for a request, a hold or an audit (the access's purpose).
    pub fn open_transfer(
        &self,
        access: &Access,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<OpenedTransfer> {
        access.validate()?;
        let keys = self.keys.read().map_err(|_| poisoned("key ring"))?;
        let public_key = keys.signing_key().public_key();
        let manifest = verify_package(bytes, &public_key)?;
        let (parsed, _) = parse(bytes)?;
        let transfer_key = keys
            .transfer_key_wrapper(manifest.cohort, manifest.key_version)?
            .unwrap_key(
                &key_aad(&manifest.transfer, manifest.cohort, manifest.key_version),
                &Envelope::parse(parsed.wrapped_key)?,
            )?;
        drop(keys);
        let opener = AeadKey::direct(&transfer_key);
        let mut records: Vec<(RecordId, Vec<u8>)> = Vec::new();
        let mut annotations: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut accounting: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for (kind, key, sealed) in &parsed.items {
            let value = opener
                .open(
                    &item_aad(&manifest.transfer, *kind, key),
                    &Envelope::parse(sealed)?,
                )?
                .to_vec();
            match kind {
                ItemKind::Record => records.push((record_id(key)?, value)),
                ItemKind::Annotation => annotations.push((key.to_vec(), value)),
                ItemKind::Accounting => {
                    // Checked before the package is logged as opened, as the decoding did when
                    // the kernel decoded the accounting.
                    if !crate::keyspace::is_accounting_entry(key) {
                        return Err(Error::corrupt("transfer package", "bad accounting key"));
                    }
                    accounting.push((key.to_vec(), value))
                }
            }
        }
        let mut opened = Vec::with_capacity(records.len());
        for (id, value) in &records {
            let record = self.open_record_value(id, value)?;
            let own: Vec<(Vec<u8>, Vec<u8>)> = annotations
                .iter()
                .filter(|(key, _)| key.starts_with(id.as_bytes()))
                .cloned()
                .collect();
            let attachments = self.open_attachments(id, value, own)?;
            opened.push((record, attachments));
        }
        let entries = accounting
            .iter()
            .map(|(key, value)| Ok((key.clone(), self.open_in_year(key, value)?)))
            .collect::<Result<Vec<_>>>()?;
        let mut draft = Draft::new(access, "transfer.open", now.timestamp_millis());
        draft.system = manifest.system.clone();
        draft.record_ids = records.iter().map(|(id, _)| *id).collect();
        draft.cohorts = vec![manifest.cohort];
        draft.outcome = format!("{} opened", manifest.transfer);
        self.log.commit(draft, crate::store::WriteBatch::new())?;
        Ok(OpenedTransfer {
            manifest,
            records: opened,
            accounting: entries,
        })
    }
}

#[cfg(test)]
mod tests;
