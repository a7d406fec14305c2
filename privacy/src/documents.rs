//! Configuration documents kept in the vault (the SORN files of its systems of records):
//! stored in metadata, signed with the vault's signing key so a file swapped on disk is
//! refused, replaced only as a whole set in one logged change that names each file and its
//! SHA-256.

use chrono::{DateTime, Utc};
use vault::crypto::sha256;
use vault::{Access, Change, Error, Result, SignedItem, SignedKind, Vault};

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

/// The documents' operations on the vault.
pub trait Documents {
    /// Replaces every document of `kind` with `documents` (name, bytes), atomically, logged
    /// as `config.documents` with each name and SHA-256.
    fn replace_documents(
        &self,
        access: &Access,
        kind: &str,
        documents: &[(String, Vec<u8>)],
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Adds (or replaces) one document of `kind`, signed like the rest, in one logged batch
    /// (`action`, with `outcome`, which names no personal data): for a ledger that grows a
    /// document at a time (the statistical releases' populations).
    fn put_document(
        &self,
        access: &Access,
        kind: &str,
        name: &str,
        bytes: &[u8],
        action_and_outcome: (&str, String),
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// The documents of `kind`, by name, each checked against the vault's signing key.
    fn documents(&self, kind: &str) -> Result<Vec<(String, Vec<u8>)>>;
}

impl Documents for Vault {
    fn replace_documents(
        &self,
        access: &Access,
        kind: &str,
        documents: &[(String, Vec<u8>)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut change = self.change(access, "config.documents", now)?;
        check_name("kind", kind)?;
        change.clear_documents(kind)?;
        let mut named = Vec::with_capacity(documents.len());
        for (name, bytes) in documents {
            put_signed_document(&mut change, kind, name, bytes)?;
            named.push(format!("{name} sha256:{}", hex::encode(sha256(bytes))));
        }
        change.set_outcome(format!("{kind}: {}", named.join(", ")));
        change.commit().map(drop)
    }

    fn put_document(
        &self,
        access: &Access,
        kind: &str,
        name: &str,
        bytes: &[u8],
        (action, outcome): (&str, String),
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut change = self.change(access, action, now)?;
        put_signed_document(&mut change, kind, name, bytes)?;
        change.set_outcome(outcome);
        change.commit().map(drop)
    }

    fn documents(&self, kind: &str) -> Result<Vec<(String, Vec<u8>)>> {
        check_name("kind", kind)?;
        self.signed_items(&SignedKind::Documents(kind))?
            .into_iter()
            .map(|(name, body)| {
                let name = String::from_utf8(name)
                    .map_err(|_| Error::corrupt("document", "name is not UTF-8"))?;
                Ok((name, body))
            })
            .collect()
    }
}

/// Adds to `change` one document of `kind`, signed: for a write that carries its own document
/// (a statistical release's ledger entry).
pub(crate) fn put_signed_document(
    change: &mut Change<'_>,
    kind: &str,
    name: &str,
    bytes: &[u8],
) -> Result<()> {
    check_name("kind", kind)?;
    check_name("name", name)?;
    change.put_signed(&SignedItem::Document { kind, name }, bytes)
}

#[cfg(test)]
mod tests;
