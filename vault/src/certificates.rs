//! Certificates: signed statements of what was destroyed (accounting years, retention runs),
//! kept in the vault's metadata for good, signed with the access log's key so an auditor
//! verifies them against the key they pinned. And the retention's trusted time: the latest
//! clock reading a run relied on, which later runs must not go behind.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::keyspace::{certificate_key, META_RUN_JOURNAL, META_TRUSTED_TIME};
use crate::log::{Access, Draft};
use crate::store::{Column, Durability, WriteBatch};
use crate::vault::Vault;

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

impl Vault {
    /// Signs `text` with the log's key and keeps it as certificate `name` of `kind`, logged as
    /// `certificate.keep` with the text's SHA-256. Returns the signature (hexadecimal).
    pub fn put_certificate(
        &self,
        kind: &str,
        name: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        self.keep_certificate(kind, name, text, WriteBatch::new(), now)
    }

    /// Signs and keeps a run's certificate and clears the run's journal, in one synced batch.
    pub fn put_run_certificate(
        &self,
        kind: &str,
        name: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let mut batch = WriteBatch::new();
        batch.delete(Column::Meta, META_RUN_JOURNAL);
        self.keep_certificate(kind, name, text, batch, now)
    }

    fn keep_certificate(
        &self,
        kind: &str,
        name: &str,
        text: &str,
        mut batch: WriteBatch,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let signature = self.certificate_into(&mut batch, kind, name, text)?;
        // Through the access log, so certificates are signed state (`signed_state`): one
        // deleted or put back on disk is refused at open.
        let mut draft = Draft::new(
            &Access::automatic(),
            "certificate.keep",
            now.timestamp_millis(),
        );
        draft.access.purpose = "destruction-certificate".into();
        draft.outcome = format!(
            "{kind} certificate {name}: sha256:{}",
            hex::encode(crate::crypto::sha256(text.as_bytes()))
        );
        self.log.commit(draft, batch)?;
        Ok(signature)
    }

    /// Signs `text` and adds it to `batch` as certificate `name` of `kind`, for an operation
    /// that commits it with its own log entry (a transfer). Returns the signature (hex).
    pub(crate) fn certificate_into(
        &self,
        batch: &mut WriteBatch,
        kind: &str,
        name: &str,
        text: &str,
    ) -> Result<String> {
        let signature = self.log_signing_key()?.sign(text.as_bytes());
        batch.put(
            Column::Meta,
            certificate_key(kind, name),
            [text.as_bytes(), &signature].concat(),
        );
        Ok(hex::encode(signature))
    }

    /// The journal of a run in progress (or interrupted): what it has done so far.
    pub fn run_journal(&self) -> Result<Option<String>> {
        self.store
            .get(Column::Meta, META_RUN_JOURNAL)?
            .map(|bytes| {
                String::from_utf8(bytes).map_err(|_| Error::corrupt("run journal", "not UTF-8"))
            })
            .transpose()
    }

    /// Replaces the journal of the run in progress (synced), before each step it records.
    pub fn put_run_journal(&self, text: &str) -> Result<()> {
        let mut batch = WriteBatch::new();
        batch.put(Column::Meta, META_RUN_JOURNAL, text.as_bytes());
        self.store.write(batch, Durability::Synced)
    }

    /// The certificates of `kind`, in name order, each checked against the log's key.
    pub fn certificates(&self, kind: &str) -> Result<Vec<Certificate>> {
        let prefix = certificate_key(kind, "");
        let end = crate::store::prefix_end(&prefix);
        let public_key = self.log_signing_key()?.public_key();
        self.store
            .scan(Column::Meta, &prefix, Some(&end), usize::MAX)?
            .into_iter()
            .map(|(key, value)| {
                // A certificate's signature covers its text alone.
                let (text, signature) =
                    crate::codec::verified_signed(&public_key, &[], &[], &value, "certificate")?;
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
            now.timestamp_millis().to_be_bytes(),
        );
        // Through the access log: the trusted time is signed state, so deleting it or putting
        // an older one back (to let a clock jumped forward destroy early) is refused at open.
        let mut draft = Draft::new(
            &Access::automatic(),
            "retention.trusted-time",
            now.timestamp_millis(),
        );
        draft.access.purpose = "retention".into();
        draft.outcome = format!(
            "trusted time moved to {}",
            now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        );
        self.log.commit(draft, batch).map(drop)
    }

    /// How many records a period cohort holds now, and the SHA-256 of their ids in order
    /// (ids only: nothing is decrypted), for a certificate.
    pub fn cohort_records_digest(&self, cohort: u32) -> Result<(u64, [u8; 32])> {
        let info = self
            .cohort_info(cohort)?
            .ok_or_else(|| Error::Invalid(format!("no cohort {cohort}")))?;
        let Some((start, end)) = info.record_range() else {
            // Deferred and released hold cohorts: their members, wherever they are.
            let mut members = match info.kind {
                crate::CohortKind::Deferred { .. } => self.deferred_members(&info)?,
                crate::CohortKind::Hold { .. } => self.hold_cohort_records(cohort)?,
                _ => Vec::new(),
            };
            members.sort();
            let mut hash = crate::crypto::Sha256::new();
            for id in &members {
                hash.update(id.as_bytes());
            }
            return Ok((members.len() as u64, hash.finish()));
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
            from = crate::keyspace::key_after(last);
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

    /// The records of a period cohort that survive its destruction, by where they are kept:
    /// each hold (`H-<n> `reference``) or the deleted record file, with how many.
    pub fn survivors_by_keeper(&self, cohort: u32) -> Result<Vec<(String, Option<u64>)>> {
        let info = self
            .cohort_info(cohort)?
            .ok_or_else(|| Error::Invalid(format!("no cohort {cohort}")))?;
        let mut by_keeper: std::collections::BTreeMap<String, (u64, bool)> = Default::default();
        for id in self.moved_out_of(&info)? {
            let Some(keeper) = self.moved_to(&id)? else {
                continue;
            };
            let (name, counted) = match self.hold_of_cohort(keeper)? {
                Some(hold) => (
                    format!("hold {} `{}`", hold.label(), hold.spec.reference),
                    hold.spec.purpose.shows_what_it_keeps(),
                ),
                None => ("the deleted record file".to_owned(), true),
            };
            by_keeper.entry(name).or_insert((0, counted)).0 += 1;
        }
        // A request's preservation is named, never counted: how many records it kept would
        // tell how many are about the person named, whose identity may never be verified.
        Ok(by_keeper
            .into_iter()
            .map(|(name, (count, counted))| (name, counted.then_some(count)))
            .collect())
    }
}
