//! For auditors: verifying the access log against a pinned public key (and an anchored
//! checkpoint kept off the host), exporting anchors, and searching the log. What verification
//! does and does not detect is in docs/access-log.md.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::log::{
    decode_entry, entry_hash, Access, Checkpoint, Draft, LogEntry, CHECKPOINT_KEYS, ENTRY_KEYS,
};
use crate::record::RecordId;
use crate::store::{Column, Store, WriteBatch};
use crate::vault::Vault;

const ANCHOR_HEADER: &str = "recvault-log-checkpoint v1";
/// Metadata key: the first entry kept after truncation (`u64`; 1 when never truncated).
pub(crate) const META_LOG_BASE: &[u8] = b"log-base";
/// Metadata key: the log's retention period in days (`u32`).
pub(crate) const META_LOG_RETENTION: &[u8] = b"config/log-retention-days";
/// The log's retention period unless configured: 15 years. Our choice, not a legal rule: it
/// outlives every record the seeded systems keep (PNR's deleted record file ends 11.5 years
/// after collection), so the log still proves who saw a record when the record is gone.
pub const DEFAULT_LOG_RETENTION_DAYS: u32 = 15 * 365;

fn read_u64(store: &dyn Store, key: &[u8]) -> Result<Option<u64>> {
    store
        .get(Column::Meta, key)?
        .map(|bytes| {
            <[u8; 8]>::try_from(bytes.as_slice())
                .map(u64::from_be_bytes)
                .map_err(|_| Error::corrupt("vault metadata", "bad number"))
        })
        .transpose()
}
const SCAN_CHUNK: usize = 4096;

/// The first problem verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogProblem {
    /// The first bad entry (or the checkpoint's entry).
    pub seq: u64,
    /// What is wrong with it.
    pub reason: String,
}

/// What [`verify_log`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogVerification {
    /// Entries checked (up to the first problem).
    pub entries: u64,
    /// Signed checkpoints checked.
    pub checkpoints: u64,
    /// The last entry covered by a valid checkpoint: entries after it are chained but not yet
    /// signed.
    pub signed_through: u64,
    /// The first problem, if any.
    pub problem: Option<LogProblem>,
}

/// Every entry of the log, in key order, a chunk at a time.
fn for_each_entry(
    store: &dyn Store,
    mut visit: impl FnMut(&[u8], &[u8]) -> Result<bool>,
) -> Result<()> {
    let mut start = ENTRY_KEYS.0.to_vec();
    loop {
        let chunk = store.scan(Column::Log, &start, Some(ENTRY_KEYS.1), SCAN_CHUNK)?;
        for (key, value) in &chunk {
            if !visit(key, value)? {
                return Ok(());
            }
        }
        match chunk.last() {
            Some((last, _)) if chunk.len() == SCAN_CHUNK => {
                start = [last.as_slice(), &[0]].concat()
            }
            _ => return Ok(()),
        }
    }
}

fn checkpoints(store: &dyn Store) -> Result<BTreeMap<u64, Checkpoint>> {
    let mut out = BTreeMap::new();
    for (_, value) in store.scan(
        Column::Log,
        CHECKPOINT_KEYS.0,
        Some(CHECKPOINT_KEYS.1),
        usize::MAX,
    )? {
        let checkpoint = Checkpoint::decode(&value)?;
        out.insert(checkpoint.seq, checkpoint);
    }
    Ok(out)
}

/// Checks the whole chain in `store`: every entry in sequence, each linked to the hash of the
/// one before, every checkpoint signed by `public_key` (the verifier's pinned copy) over the
/// hash the chain really has there, and, if given, that the chain still holds `anchor` (a
/// checkpoint kept off the host). Stops at the first problem and names the first bad entry.
pub fn verify_log(
    store: &dyn Store,
    public_key: &[u8; 32],
    anchor: Option<&Checkpoint>,
) -> Result<LogVerification> {
    let checkpoints = checkpoints(store)?;
    let base = read_u64(store, META_LOG_BASE)?.unwrap_or(1);
    let mut report = LogVerification {
        entries: 0,
        checkpoints: 0,
        signed_through: 0,
        problem: None,
    };
    let mut expected = base;
    let mut prev_hash = [0u8; 32];
    if base > 1 && !checkpoints.contains_key(&base) {
        report.problem = Some(LogProblem {
            seq: base,
            reason: format!("the log starts at entry {base} but no signed checkpoint is there"),
        });
        return Ok(report);
    }
    let mut anchor_seen = false;
    let mut problem = None;
    for_each_entry(store, |key, value| {
        let key_seq = key
            .get(1..9)
            .and_then(|bytes| <[u8; 8]>::try_from(bytes).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0);
        let fail = |seq: u64, reason: String| Some(LogProblem { seq, reason });
        if key_seq != expected {
            problem = if key_seq > expected {
                fail(expected, format!("entry {expected} is missing (deleted)"))
            } else {
                fail(key_seq, format!("entry {key_seq} is out of place"))
            };
            return Ok(false);
        }
        let Ok(entry) = decode_entry(value) else {
            problem = fail(
                key_seq,
                format!("entry {key_seq} cannot be decoded (edited)"),
            );
            return Ok(false);
        };
        if entry.seq != key_seq {
            problem = fail(
                key_seq,
                format!(
                    "entry {key_seq} holds the entry numbered {} (reordered or moved)",
                    entry.seq
                ),
            );
            return Ok(false);
        }
        // After a truncation the first entry's link points at a removed entry; the signed
        // checkpoint required on it stands in for the link.
        if entry.prev_hash != prev_hash && !(key_seq == base && base > 1) {
            let culprit = key_seq.saturating_sub(1).max(1);
            problem = fail(
                culprit,
                format!(
                    "entry {culprit} does not match the hash that entry {key_seq} holds for it \
                     (edited, or an entry was inserted, deleted or reordered there)"
                ),
            );
            return Ok(false);
        }
        let hash = entry_hash(value);
        if let Some(checkpoint) = checkpoints.get(&key_seq) {
            if !checkpoint.verify(public_key) {
                problem = fail(
                    key_seq,
                    format!("the checkpoint at entry {key_seq} is not signed by the pinned key"),
                );
                return Ok(false);
            }
            if checkpoint.head != hash {
                problem = fail(
                    key_seq,
                    format!("entry {key_seq} does not match its signed checkpoint (edited)"),
                );
                return Ok(false);
            }
            report.checkpoints += 1;
            report.signed_through = key_seq;
        }
        if let Some(anchor) = anchor.filter(|anchor| anchor.seq == key_seq) {
            if anchor.head != hash {
                problem = fail(
                    key_seq,
                    format!("entry {key_seq} does not match the anchored checkpoint (the log was altered or replaced)"),
                );
                return Ok(false);
            }
            anchor_seen = true;
        }
        prev_hash = hash;
        report.entries += 1;
        expected += 1;
        Ok(true)
    })?;
    if problem.is_none() {
        if let Some((&seq, _)) = checkpoints.range(expected..).next() {
            problem = Some(LogProblem {
                seq: expected,
                reason: format!(
                    "a checkpoint covers entry {seq}, but the log ends at entry {} (truncated)",
                    expected - 1
                ),
            });
        }
    }
    if problem.is_none() {
        if let Some(anchor) = anchor {
            if !anchor.verify(public_key) {
                problem = Some(LogProblem {
                    seq: anchor.seq,
                    reason: "the anchor is not signed by the pinned key".into(),
                });
            } else if !anchor_seen {
                problem = Some(LogProblem {
                    seq: expected,
                    reason: format!(
                        "the log ends at entry {} but the anchor covers entry {} (truncated or rolled back)",
                        expected - 1,
                        anchor.seq
                    ),
                });
            }
        }
    }
    report.problem = problem;
    Ok(report)
}

/// Which entries an audit search returns; every condition given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogQuery {
    /// Entries naming this record.
    pub record: Option<RecordId>,
    /// Entries by this principal.
    pub principal: Option<String>,
    /// Entries of this action.
    pub action: Option<String>,
    /// Entries at or after this time (Unix ms).
    pub from_ms: Option<i64>,
    /// Entries before this time (Unix ms).
    pub to_ms: Option<i64>,
}

impl LogQuery {
    fn matches(&self, entry: &LogEntry) -> bool {
        self.record.is_none_or(|id| entry.record_ids.contains(&id))
            && self
                .principal
                .as_ref()
                .is_none_or(|p| &entry.access.principal == p)
            && self.action.as_ref().is_none_or(|a| &entry.action == a)
            && self.from_ms.is_none_or(|from| entry.time_ms >= from)
            && self.to_ms.is_none_or(|to| entry.time_ms < to)
    }
}

impl Vault {
    /// The entries matching `query`, oldest first. The search is itself logged (after it ran,
    /// so it does not find itself).
    pub fn audit_search(
        &self,
        access: &Access,
        query: &LogQuery,
        now: DateTime<Utc>,
    ) -> Result<Vec<LogEntry>> {
        access.validate()?;
        let mut found = Vec::new();
        for_each_entry(&*self.store, |_, value| {
            let entry = decode_entry(value)?;
            if query.matches(&entry) {
                found.push(entry);
            }
            Ok(true)
        })?;
        let mut draft = Draft::new(access, "audit.search", now.timestamp_millis());
        draft.record_ids = query.record.into_iter().collect();
        draft.outcome = format!("{} entries returned", found.len());
        self.log.commit(draft, WriteBatch::new())?;
        Ok(found)
    }

    /// Appends an `audit.anchor` entry with a checkpoint signed on it, and returns that
    /// checkpoint and the public key, ready to be stored off the host.
    pub fn anchor(&self, access: &Access, now: DateTime<Utc>) -> Result<(Checkpoint, [u8; 32])> {
        access.validate()?;
        let mut draft = Draft::new(access, "audit.anchor", now.timestamp_millis());
        draft.force_checkpoint = true;
        let seq = self.log.commit(draft, WriteBatch::new())?;
        let value = self
            .store
            .get(Column::Log, &crate::log::checkpoint_key(seq))?
            .ok_or_else(|| Error::corrupt("access log", "anchor checkpoint missing"))?;
        let public_key = self
            .keys
            .read()
            .map_err(|_| crate::vault::poisoned("key ring"))?
            .signing_key()
            .public_key();
        Ok((Checkpoint::decode(&value)?, public_key))
    }

    /// Sets the access log's retention period (a configuration change, logged).
    pub fn set_log_retention_days(
        &self,
        access: &Access,
        days: u32,
        now: DateTime<Utc>,
    ) -> Result<()> {
        access.validate()?;
        if days == 0 {
            return Err(Error::Invalid(
                "the log's retention period must be at least one day".into(),
            ));
        }
        let mut batch = WriteBatch::new();
        batch.put(Column::Meta, META_LOG_RETENTION, days.to_be_bytes());
        let mut draft = Draft::new(access, "config.log-retention", now.timestamp_millis());
        draft.outcome = format!("{days} days");
        self.log.commit(draft, batch).map(drop)
    }

    /// The access log's retention period in days.
    pub fn log_retention_days(&self) -> Result<u32> {
        Ok(match self.store.get(Column::Meta, META_LOG_RETENTION)? {
            Some(bytes) => u32::from_be_bytes(
                bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| Error::corrupt("vault configuration", "bad log retention"))?,
            ),
            None => DEFAULT_LOG_RETENTION_DAYS,
        })
    }

    /// Removes the log's entries before `at`, which must carry a signed checkpoint (anchor it
    /// off the host first) and whose removed entries are all older than the retention period.
    /// The chain stays verifiable from `at`: verification starts at its checkpoint. Returns
    /// how many entries were removed. The truncation is itself logged.
    pub fn truncate_log(&self, access: &Access, at: u64, now: DateTime<Utc>) -> Result<u64> {
        access.validate()?;
        let base = read_u64(&*self.store, META_LOG_BASE)?.unwrap_or(1);
        if at <= base {
            return Err(Error::Invalid(format!(
                "the log already starts at entry {base}"
            )));
        }
        if self
            .store
            .get(Column::Log, &crate::log::checkpoint_key(at))?
            .is_none()
        {
            return Err(Error::Invalid(format!(
                "entry {at} has no signed checkpoint: truncate only at one (`recvault audit anchor` makes one)"
            )));
        }
        let newest_removed = self
            .store
            .get(Column::Log, &crate::log::entry_key(at - 1))?
            .ok_or_else(|| Error::corrupt("access log", "entry missing"))?;
        let newest_removed = decode_entry(&newest_removed)?;
        let retention_ms = i64::from(self.log_retention_days()?) * 86_400_000;
        if newest_removed.time_ms > now.timestamp_millis() - retention_ms {
            return Err(Error::Invalid(format!(
                "entry {} is younger than the log's retention period of {} days",
                at - 1,
                retention_ms / 86_400_000
            )));
        }
        let mut batch = WriteBatch::new();
        batch.delete_range(
            Column::Log,
            crate::log::entry_key(0),
            crate::log::entry_key(at),
        );
        batch.delete_range(
            Column::Log,
            crate::log::checkpoint_key(0),
            crate::log::checkpoint_key(at),
        );
        batch.put(Column::Meta, META_LOG_BASE, at.to_be_bytes());
        let mut draft = Draft::new(access, "audit.truncate", now.timestamp_millis());
        draft.outcome = format!("removed entries {base} to {}", at - 1);
        self.log.commit(draft, batch)?;
        Ok(at - base)
    }

    /// Verifies this vault's log while it runs, against `public_key` (the verifier's pinned
    /// copy; the vault's own if `None`) and, if given, an anchor kept off the host. Logged as
    /// `audit.verify` with the outcome.
    pub fn verify_own_log(
        &self,
        access: &Access,
        public_key: Option<&[u8; 32]>,
        anchor: Option<&Checkpoint>,
        now: DateTime<Utc>,
    ) -> Result<LogVerification> {
        access.validate()?;
        let own = self.log_public_key()?;
        let report = verify_log(&*self.store, public_key.unwrap_or(&own), anchor)?;
        let mut draft = Draft::new(access, "audit.verify", now.timestamp_millis());
        draft.outcome = match &report.problem {
            None => format!("{} entries verified", report.entries),
            Some(problem) => format!("problem at entry {}", problem.seq),
        };
        self.log.commit(draft, WriteBatch::new())?;
        Ok(report)
    }

    /// The access log's public key, as stored (verifiers should pin their own copy).
    pub fn log_public_key(&self) -> Result<[u8; 32]> {
        Ok(self
            .keys
            .read()
            .map_err(|_| crate::vault::poisoned("key ring"))?
            .signing_key()
            .public_key())
    }
}

/// An anchor file's text: the checkpoint and the public key it was signed with.
pub fn anchor_text(checkpoint: &Checkpoint, public_key: &[u8; 32]) -> String {
    let time = DateTime::<Utc>::from_timestamp_millis(checkpoint.time_ms)
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default();
    format!(
        "{ANCHOR_HEADER}\nseq {}\nhead {}\ntime {}\nsignature {}\npublic-key {}\n",
        checkpoint.seq,
        hex::encode(checkpoint.head),
        time,
        hex::encode(checkpoint.signature),
        hex::encode(public_key)
    )
}

/// Parses an anchor file.
pub fn parse_anchor(text: &str) -> Result<Checkpoint> {
    let bad = |what: &str| Error::Invalid(format!("not a recvault anchor: {what}"));
    let mut lines = text.lines();
    if lines.next() != Some(ANCHOR_HEADER) {
        return Err(bad(&format!("the first line must be `{ANCHOR_HEADER}`")));
    }
    let mut fields = BTreeMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(' ') {
            fields.insert(name, value.trim());
        }
    }
    let field = |name: &str| {
        fields
            .get(name)
            .copied()
            .ok_or_else(|| bad(&format!("`{name}` is missing")))
    };
    let mut head = [0u8; 32];
    hex::decode_to_slice(field("head")?, &mut head)
        .map_err(|_| bad("`head` must be 64 hexadecimal digits"))?;
    let mut signature = [0u8; 64];
    hex::decode_to_slice(field("signature")?, &mut signature)
        .map_err(|_| bad("`signature` must be 128 hexadecimal digits"))?;
    let time_ms = DateTime::parse_from_rfc3339(field("time")?)
        .map_err(|_| bad("`time` must be an RFC 3339 timestamp"))?
        .timestamp_millis();
    Ok(Checkpoint {
        seq: field("seq")?
            .parse()
            .map_err(|_| bad("`seq` must be a number"))?,
        head,
        time_ms,
        signature,
    })
}

/// Parses a public key given as 64 hexadecimal digits.
pub fn parse_public_key(text: &str) -> Result<[u8; 32]> {
    let mut key = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut key)
        .map_err(|_| Error::Invalid("a public key is 64 hexadecimal digits".into()))?;
    Ok(key)
}

/// Verifies the log of the data directory `data_dir` (a stopped vault or a copy), without any
/// key store: verification needs only the pinned public key.
pub fn verify_log_at(
    data_dir: &std::path::Path,
    public_key: &[u8; 32],
    anchor: Option<&Checkpoint>,
) -> Result<LogVerification> {
    let store = crate::store::RocksStore::open(data_dir)?;
    verify_log(&store, public_key, anchor)
}

#[cfg(test)]
mod tests;
