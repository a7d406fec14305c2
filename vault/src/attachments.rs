//! Attachments: values sealed beside a record, under a key derived from the record's data key
//! (one key per attachment), and stored in the `annotations` column under the record's id and a
//! sequence number, so the record's destruction shreds them and its purge removes them. The
//! kernel does not know what they say: the domain's annotations (corrections, disputes,
//! statements of disagreement) are attachments. Written through a [`Change`], which holds the
//! numbering to its commit, so two never take one sequence number.

use std::sync::{Mutex, MutexGuard};

use model::RecordId;

use crate::change::Change;
use crate::crypto::{AeadKey, Envelope};
use crate::error::{Error, Result};
use crate::keyspace::annotation_key;
use crate::store::Column;
use crate::vault::{poisoned, Vault};

const ATTACHMENT_KEY_CONTEXT: &[u8] = b"recvault/annotation/v1";

/// Serializes attachment writers from numbering to commit.
static ATTACHING: Mutex<()> = Mutex::new(());

/// An attachment opened: its place among the record's, from 1, and its contents (wiped when
/// dropped, never shown by `Debug`).
pub struct Attachment {
    /// Its place among the record's attachments, from 1.
    pub seq: u32,
    /// What it holds.
    pub contents: zeroize::Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("seq", &self.seq)
            .field("contents", &"[redacted]")
            .finish()
    }
}

fn attachment_aad(id: &RecordId, seq: u32) -> Vec<u8> {
    [
        b"recvault-annotation v1\0".as_slice(),
        id.as_bytes(),
        &seq.to_be_bytes(),
    ]
    .concat()
}

pub(crate) fn lock_numbering() -> Result<MutexGuard<'static, ()>> {
    ATTACHING.lock().map_err(|_| poisoned("attachments"))
}

impl Vault {
    /// The stored (key, sealed value) pairs of record `id`'s attachments, oldest first: what a
    /// transfer package carries with the record.
    pub(crate) fn stored_attachments(&self, id: &RecordId) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let start = annotation_key(id, 0);
        let end = annotation_key(id, u32::MAX);
        self.store
            .scan(Column::Annotations, &start, Some(&end), usize::MAX)
    }

    /// Opens record `id`'s stored attachments with the data key in its stored value `record`
    /// (the store's copy, or a transfer package's).
    pub(crate) fn open_attachments(
        &self,
        id: &RecordId,
        record: &[u8],
        stored: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> Result<Vec<Attachment>> {
        stored
            .into_iter()
            .map(|(key, value)| {
                let seq = key
                    .get(16..20)
                    .and_then(|bytes| bytes.try_into().ok())
                    .map(u32::from_be_bytes)
                    .ok_or_else(|| Error::corrupt("annotation", "bad key"))?;
                let plain = self
                    .attachment_key(id, record, seq)?
                    .open(&attachment_aad(id, seq), &Envelope::parse(&value)?)?;
                Ok(Attachment {
                    seq,
                    contents: plain,
                })
            })
            .collect()
    }

    /// Record `id`'s attachments, opened, oldest first.
    pub(crate) fn attachments_of(&self, id: &RecordId) -> Result<Vec<Attachment>> {
        let stored = self.stored_attachments(id)?;
        if stored.is_empty() {
            return Ok(Vec::new());
        }
        let record = self
            .store
            .get(Column::Records, id.as_bytes())?
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        self.open_attachments(id, &record, stored)
    }

    /// The key sealing attachment `seq` of record `id`: derived from the record's data key,
    /// one per attachment, so each key seals once.
    fn attachment_key(&self, id: &RecordId, record: &[u8], seq: u32) -> Result<AeadKey> {
        let sealed = crate::sealed::SealedRecord::parse(record)?;
        let data_key = self
            .keys
            .read()
            .map_err(|_| poisoned("key ring"))?
            .unwrap_data_key(id, &sealed)?;
        Ok(AeadKey::segment(&data_key, ATTACHMENT_KEY_CONTEXT, seq))
    }
}

impl Change<'_> {
    /// Seals `plain` as record `id`'s next attachment and names the record in the change's
    /// entry (once). Returns its sequence number, from 1. The change holds off key changes and
    /// the numbering to its commit, and its commit waits for the real outcome, so a commit in
    /// doubt never lets the next attachment take the same number.
    pub fn attach(&mut self, id: &RecordId, plain: &[u8]) -> Result<u32> {
        self.hold_attachment_numbering()?;
        let vault = self.vault();
        let stored = vault.store.count(
            Column::Annotations,
            &annotation_key(id, 0),
            Some(&annotation_key(id, u32::MAX)),
        )?;
        let seq = u32::try_from(stored)
            .ok()
            .and_then(|stored| stored.checked_add(1 + self.attached_to(id)))
            .ok_or_else(|| Error::corrupt("annotations", "too many annotations on one record"))?;
        let record = vault
            .store
            .get(Column::Records, id.as_bytes())?
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        let sealed = vault
            .attachment_key(id, &record, seq)?
            .seal(&attachment_aad(id, seq), plain)?;
        self.put(Column::Annotations, annotation_key(id, seq), sealed);
        self.note_attached(*id);
        self.name_record_once(id);
        Ok(seq)
    }
}

#[cfg(test)]
mod tests;
