//! Certificates: signed statements of what was destroyed (accounting years, retention runs),
//! kept in the vault's metadata for good, signed with the access log's key so an auditor
//! verifies them against the key they pinned. And the retention's trusted time: the latest
//! clock reading a run relied on, which later runs must not go behind.

use chrono::{DateTime, Utc};

use crate::crypto::verify_signature;
use crate::error::{Error, Result};
use crate::store::{Column, Durability, WriteBatch};
use crate::vault::Vault;

const META_CERTIFICATE: &[u8] = b"certificate/";
const META_TRUSTED_TIME: &[u8] = b"retention/trusted-time";

/// A stored certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// Its kind (`accounting`, `retention`).
    pub kind: String,
    /// Its name within the kind.
    pub name: String,
    /// The statement.
    pub text: String,
    /// Its Ed25519 signature by the log's key, hexadecimal.
    pub signature: String,
}

fn certificate_key(kind: &str, name: &str) -> Vec<u8> {
    [META_CERTIFICATE, kind.as_bytes(), b"/", name.as_bytes()].concat()
}

impl Vault {
    /// Signs `text` with the log's key and keeps it as certificate `name` of `kind` (synced).
    /// Returns the signature (hexadecimal).
    pub fn put_certificate(&self, kind: &str, name: &str, text: &str) -> Result<String> {
        let signature = self.log_signing_key()?.sign(text.as_bytes());
        let mut batch = WriteBatch::new();
        batch.put(
            Column::Meta,
            certificate_key(kind, name),
            [text.as_bytes(), &signature].concat(),
        );
        self.store.write(batch, Durability::Synced)?;
        Ok(hex::encode(signature))
    }

    /// The certificates of `kind`, in name order, each checked against the log's key.
    pub fn certificates(&self, kind: &str) -> Result<Vec<Certificate>> {
        let prefix = certificate_key(kind, "");
        let mut end = prefix.clone();
        end.push(0xff);
        let public_key = self.log_signing_key()?.public_key();
        self.store
            .scan(Column::Meta, &prefix, Some(&end), usize::MAX)?
            .into_iter()
            .map(|(key, value)| {
                let split = value
                    .len()
                    .checked_sub(64)
                    .ok_or_else(|| Error::corrupt("certificate", "too short"))?;
                let (text, signature) = value.split_at(split);
                if !verify_signature(&public_key, text, signature) {
                    return Err(Error::corrupt("certificate", "signature does not verify"));
                }
                Ok(Certificate {
                    kind: kind.to_owned(),
                    name: String::from_utf8_lossy(&key[prefix.len()..]).into_owned(),
                    text: String::from_utf8(text.to_vec())
                        .map_err(|_| Error::corrupt("certificate", "not UTF-8"))?,
                    signature: hex::encode(signature),
                })
            })
            .collect()
    }

    /// The latest time a retention run relied on, if any run has.
    pub fn trusted_time(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .store
            .get(Column::Meta, META_TRUSTED_TIME)?
            .and_then(|bytes| bytes.try_into().ok())
            .map(i64::from_be_bytes)
            .and_then(DateTime::<Utc>::from_timestamp_millis))
    }

    /// Moves the trusted time forward to `now` (never back).
    pub fn advance_trusted_time(&self, now: DateTime<Utc>) -> Result<()> {
        if self.trusted_time()?.is_some_and(|trusted| trusted >= now) {
            return Ok(());
        }
        let mut batch = WriteBatch::new();
        batch.put(
            Column::Meta,
            META_TRUSTED_TIME,
            now.timestamp_millis().to_be_bytes().to_vec(),
        );
        self.store.write(batch, Durability::Synced)
    }

    /// How many records a period cohort holds now, and the SHA-256 of their ids in order
    /// (ids only: nothing is decrypted), for a certificate.
    pub fn cohort_records_digest(&self, cohort: u32) -> Result<(u64, [u8; 32])> {
        let info = self
            .key_status()?
            .cohorts
            .into_iter()
            .find(|info| info.id == cohort)
            .ok_or_else(|| Error::Invalid(format!("no cohort {cohort}")))?;
        let Some((start, end)) = info.record_range() else {
            return Ok((0, crate::crypto::sha256(b"")));
        };
        // Records moved to a hold keep their ids in the range but survive: not counted.
        let survivors: std::collections::HashSet<[u8; 16]> = self
            .moved_out_of(&info)?
            .into_iter()
            .map(|id| *id.as_bytes())
            .collect();
        let mut hash = crate::crypto::Sha256::new();
        let mut count = 0;
        let mut from = start;
        loop {
            let chunk = self.store.scan(Column::Records, &from, Some(&end), 4096)?;
            let Some((last, _)) = chunk.last() else { break };
            from = [last.as_slice(), &[0]].concat();
            for (key, _) in &chunk {
                if <[u8; 16]>::try_from(key.as_slice()).is_ok_and(|id| survivors.contains(&id)) {
                    continue;
                }
                hash.update(key);
                count += 1;
            }
            if chunk.len() < 4096 {
                break;
            }
        }
        Ok((count, hash.finish()))
    }
}
