//! Configuration documents kept in the vault (the SORN files of its systems of records):
//! stored in metadata, signed with the vault's signing key so a file swapped on disk is
//! refused, replaced only as a whole set in one logged change that names each file and its
//! SHA-256.

use chrono::{DateTime, Utc};

use crate::crypto::sha256;
use crate::error::{Error, Result};
use crate::keyspace::{document_key, document_prefix};
use crate::log::{Access, Draft};
use crate::store::{Column, WriteBatch};
use crate::vault::Vault;

const SIGNATURE_CONTEXT: &[u8] = b"recvault-document v1\0";

fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "a document {what} is 1 to 200 letters, digits, `-`, `_` and `.`"
        )))
    }
}

impl Vault {
    /// Replaces every document of `kind` with `documents` (name, bytes), atomically, logged
    /// as `config.documents` with each name and SHA-256.
    pub fn replace_documents(
        &self,
        access: &Access,
        kind: &str,
        documents: &[(String, Vec<u8>)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        access.validate()?;
        check_name("kind", kind)?;
        let signing = self.log_signing_key()?;
        let prefix = document_prefix(kind);
        let end = crate::store::prefix_end(&prefix);
        let mut batch = WriteBatch::new();
        batch.delete_range(Column::Meta, prefix.clone(), end);
        let mut named = Vec::with_capacity(documents.len());
        for (name, bytes) in documents {
            check_name("name", name)?;
            let key = document_key(kind, name);
            let signature = signing.sign(&[SIGNATURE_CONTEXT, &key, bytes].concat());
            batch.put(Column::Meta, key, [bytes.as_slice(), &signature].concat());
            named.push(format!("{name} sha256:{}", hex::encode(sha256(bytes))));
        }
        let mut draft = Draft::new(access, "config.documents", now.timestamp_millis());
        draft.outcome = format!("{kind}: {}", named.join(", "));
        self.log.commit(draft, batch).map(drop)
    }

    /// Adds (or replaces) one document of `kind`, signed like the rest, in one logged batch
    /// (`action`, with `outcome`, which names no personal data): for a ledger that grows a
    /// document at a time (the statistical releases' populations).
    pub fn put_document(
        &self,
        access: &Access,
        kind: &str,
        name: &str,
        bytes: &[u8],
        (action, outcome): (&str, String),
        now: DateTime<Utc>,
    ) -> Result<()> {
        access.validate()?;
        let mut batch = WriteBatch::new();
        self.put_signed_document(&mut batch, kind, name, bytes)?;
        let mut draft = Draft::new(access, action, now.timestamp_millis());
        draft.outcome = outcome;
        self.log.commit(draft, batch).map(drop)
    }

    /// Adds to `batch` one document of `kind`, signed: for a write that carries its own
    /// document (a statistical release's ledger entry).
    pub(crate) fn put_signed_document(
        &self,
        batch: &mut WriteBatch,
        kind: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<()> {
        check_name("kind", kind)?;
        check_name("name", name)?;
        let signing = self.log_signing_key()?;
        let key = document_key(kind, name);
        let signature = signing.sign(&[SIGNATURE_CONTEXT, &key, bytes].concat());
        batch.put(Column::Meta, key, [bytes, &signature].concat());
        Ok(())
    }

    /// The documents of `kind`, by name, each checked against the vault's signing key.
    pub fn documents(&self, kind: &str) -> Result<Vec<(String, Vec<u8>)>> {
        check_name("kind", kind)?;
        let public_key = self.log_signing_key()?.public_key();
        let prefix = document_prefix(kind);
        let end = crate::store::prefix_end(&prefix);
        self.store
            .scan(Column::Meta, &prefix, Some(&end), usize::MAX)?
            .into_iter()
            .map(|(key, value)| {
                let (body, _) = crate::codec::verified_signed(
                    &public_key,
                    SIGNATURE_CONTEXT,
                    &key,
                    &value,
                    "document",
                )?;
                let name = String::from_utf8(key[prefix.len()..].to_vec())
                    .map_err(|_| Error::corrupt("document", "name is not UTF-8"))?;
                Ok((name, body.to_vec()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
