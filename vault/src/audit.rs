//! For auditors: verifying the access log against a pinned public key (and an anchored
//! checkpoint kept off the host), exporting anchors, and searching the log. What verification
//! does and does not detect is in docs/access-log.md.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::keyspace::{
    log_truncation_key, LOG_CHECKPOINT_KEYS, LOG_ENTRY_KEYS, LOG_TRUNCATION_KEYS, META_LOG_BASE,
    META_LOG_RETENTION,
};
use crate::log::{
    decode_entry, entry_hash, Access, Checkpoint, CheckpointLink, CheckpointPolicy, Draft,
    LogEntry, TruncationRecord, MAX_CHECKPOINT_INTERVAL,
};
use crate::store::{Column, Store, WriteBatch};
use crate::vault::Vault;
use model::RecordId;

const ANCHOR_HEADER_V1: &str = "recvault-log-checkpoint v1";
const ANCHOR_HEADER_V2: &str = "recvault-log-checkpoint v2";
/// The log's retention period unless configured: 15 years. Our choice, not a legal rule: it
/// outlives every record the seeded systems keep (PNR's deleted record file ends 11.5 years
/// after collection), so the log still proves who saw a record when the record is gone.
pub const DEFAULT_LOG_RETENTION_DAYS: u32 = 15 * 365;

/// The signed truncation records, oldest first (unchecked: [`verify_log`] checks them).
pub(crate) fn truncation_records(store: &dyn Store) -> Result<Vec<TruncationRecord>> {
    store
        .scan(
            Column::Log,
            LOG_TRUNCATION_KEYS.0,
            Some(LOG_TRUNCATION_KEYS.1),
            usize::MAX,
        )?
        .iter()
        .map(|(_, value)| TruncationRecord::decode(value))
        .collect()
}

pub(crate) fn read_u64(store: &dyn Store, key: &[u8]) -> Result<Option<u64>> {
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogVerification {
    /// Entries checked (up to the first problem).
    pub entries: u64,
    /// Signed checkpoints checked against the entries they cover.
    pub checkpoints: u64,
    /// The last entry covered by a valid checkpoint: entries after it are chained but not yet
    /// signed.
    pub signed_through: u64,
    /// The first entry kept (1 unless the log was truncated).
    pub base: u64,
    /// Entries after the last signed checkpoint: chained, but protected only by an anchor or a
    /// checkpoint exported off the host. Never more than the checkpoint rule's count.
    pub unsigned_tail: u64,
    /// The checkpoint rule the checkpoints carry (`None` for a log with version 1 ones only).
    pub policy: Option<CheckpointPolicy>,
    /// Signed truncation records checked.
    pub truncations: u64,
    /// Entries on which the time rule called for a checkpoint and none was signed. Reported,
    /// not enforced: entry times are the caller's clock readings.
    pub time_rule_misses: u64,
    /// How the log extends the anchor given, when it does.
    pub extension: Option<String>,
    /// The first problem, if any.
    pub problem: Option<LogProblem>,
}

/// Every entry of the log, in key order, a chunk at a time.
fn for_each_entry(
    store: &dyn Store,
    mut visit: impl FnMut(&[u8], &[u8]) -> Result<bool>,
) -> Result<()> {
    let mut start = LOG_ENTRY_KEYS.0.to_vec();
    loop {
        let chunk = store.scan(Column::Log, &start, Some(LOG_ENTRY_KEYS.1), SCAN_CHUNK)?;
        for (key, value) in &chunk {
            if !visit(key, value)? {
                return Ok(());
            }
        }
        match chunk.last() {
            Some((last, _)) if chunk.len() == SCAN_CHUNK => {
                start = crate::keyspace::key_after(last)
            }
            _ => return Ok(()),
        }
    }
}

/// The sequence number in a `log` column key (prefix byte, then `u64`).
fn key_seq(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.get(1..)?.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// Keeps the problem with the lowest entry number: the first bad entry.
fn note(problem: &mut Option<LogProblem>, seq: u64, reason: String) {
    if problem.as_ref().is_none_or(|found| seq < found.seq) {
        *problem = Some(LogProblem { seq, reason });
    }
}

/// The stored checkpoints by entry, each checked on its own: well formed, in its place,
/// signed by the pinned key.
fn load_checkpoints(
    store: &dyn Store,
    public_key: &[u8; 32],
    problem: &mut Option<LogProblem>,
) -> Result<BTreeMap<u64, Checkpoint>> {
    let mut out = BTreeMap::new();
    for (key, value) in store.scan(
        Column::Log,
        LOG_CHECKPOINT_KEYS.0,
        Some(LOG_CHECKPOINT_KEYS.1),
        usize::MAX,
    )? {
        let Some(seq) = key_seq(&key) else {
            note(problem, 0, "a checkpoint's key is malformed".into());
            continue;
        };
        match Checkpoint::decode(&value) {
            Err(_) => note(
                problem,
                seq,
                format!("the checkpoint at entry {seq} cannot be decoded (edited)"),
            ),
            Ok(checkpoint) if checkpoint.seq != seq => note(
                problem,
                seq,
                format!(
                    "the checkpoint stored at entry {seq} is for entry {} (moved)",
                    checkpoint.seq
                ),
            ),
            Ok(checkpoint) if !checkpoint.verify(public_key) => note(
                problem,
                seq,
                format!("the checkpoint at entry {seq} is not signed by the pinned key"),
            ),
            Ok(checkpoint) => {
                out.insert(seq, checkpoint);
            }
        }
    }
    Ok(out)
}

/// Checks that the checkpoints form one chain (each version 2 checkpoint names the one
/// before it) under one rule, and returns that rule.
fn check_checkpoint_chain(
    checkpoints: &BTreeMap<u64, Checkpoint>,
    problem: &mut Option<LogProblem>,
) -> Option<CheckpointPolicy> {
    let mut policy: Option<CheckpointPolicy> = None;
    let mut previous: Option<&Checkpoint> = None;
    for checkpoint in checkpoints.values() {
        let seq = checkpoint.seq;
        match &checkpoint.link {
            None => {
                if policy.is_some() {
                    note(
                        problem,
                        seq,
                        format!(
                            "the checkpoint at entry {seq} is in the old layout after newer ones \
                             (replayed)"
                        ),
                    );
                }
            }
            Some(link) => {
                let (expected_seq, expected_digest) =
                    previous.map_or((0, [0; 32]), |previous| (previous.seq, previous.digest()));
                if link.prev_seq > expected_seq {
                    note(
                        problem,
                        link.prev_seq,
                        format!(
                            "the checkpoint at entry {} is missing (deleted): the checkpoint at \
                             entry {seq} names it",
                            link.prev_seq
                        ),
                    );
                } else if link.prev_seq < expected_seq {
                    note(
                        problem,
                        expected_seq,
                        format!(
                            "the checkpoint at entry {expected_seq} is not in the chain of \
                             checkpoints: the checkpoint at entry {seq} names entry {} before it",
                            link.prev_seq
                        ),
                    );
                } else if link.prev_digest != expected_digest {
                    note(
                        problem,
                        expected_seq,
                        format!(
                            "the checkpoint at entry {expected_seq} is not the one the checkpoint \
                             at entry {seq} names (replaced)"
                        ),
                    );
                }
                match policy {
                    None => {
                        if link.policy.every_entries == 0
                            || link.policy.every_entries > MAX_CHECKPOINT_INTERVAL
                        {
                            note(
                                problem,
                                seq,
                                format!(
                                    "the checkpoint at entry {seq} carries a checkpoint interval \
                                     out of range"
                                ),
                            );
                        }
                        policy = Some(link.policy);
                    }
                    Some(fixed) if fixed != link.policy => note(
                        problem,
                        seq,
                        format!("the checkpoint at entry {seq} carries another checkpoint rule"),
                    ),
                    Some(_) => {}
                }
            }
        }
        previous = Some(checkpoint);
    }
    policy
}

/// The signed truncation records, checked: each signed by the pinned key, in its place,
/// chained to the one before, and removing only entries older than the retention then in
/// force. Returns them by base.
fn load_truncations(
    store: &dyn Store,
    public_key: &[u8; 32],
    problem: &mut Option<LogProblem>,
) -> Result<Vec<TruncationRecord>> {
    let mut records: Vec<TruncationRecord> = Vec::new();
    for (key, value) in store.scan(
        Column::Log,
        LOG_TRUNCATION_KEYS.0,
        Some(LOG_TRUNCATION_KEYS.1),
        usize::MAX,
    )? {
        let Some(base) = key_seq(&key) else {
            note(problem, 0, "a truncation record's key is malformed".into());
            continue;
        };
        let record = match TruncationRecord::decode(&value) {
            Ok(record) if record.base == base && record.verify(public_key) => record,
            _ => {
                note(
                    problem,
                    base,
                    format!(
                        "the truncation record at entry {base} is not signed by the pinned key \
                         (forged or edited)"
                    ),
                );
                continue;
            }
        };
        let prev_base = records.last().map_or(0, |previous| previous.base);
        if record.prev_base != prev_base || record.removed_from != prev_base.max(1) {
            note(
                problem,
                base,
                format!(
                    "the truncation record at entry {base} follows the truncation at entry {}, \
                     but the one before it is at entry {prev_base} (a truncation record was \
                     deleted)",
                    record.prev_base
                ),
            );
        }
        if record.base <= record.removed_from {
            note(
                problem,
                base,
                format!("the truncation record at entry {base} removes nothing"),
            );
        }
        let retention_ms = i64::from(record.retention_days).saturating_mul(86_400_000);
        let old_enough = record.newest_removed_ms == i64::MIN
            || record
                .newest_removed_ms
                .checked_add(retention_ms)
                .is_some_and(|limit| limit <= record.time_ms);
        if !old_enough {
            let last = base.saturating_sub(1);
            note(
                problem,
                last,
                format!(
                    "the truncation at entry {base} removed entries {} to {last}, some younger \
                     than the {}-day retention then in force",
                    record.removed_from, record.retention_days
                ),
            );
        }
        records.push(record);
    }
    Ok(records)
}

/// Checks the whole log in `store` against `public_key` (the verifier's pinned copy):
/// - every entry in sequence from the first kept one, each linked to the hash of the one
///   before; a log that does not start at entry 1 needs a signed truncation record whose
///   removed entries were all older than the retention then in force;
/// - a signed checkpoint wherever an entry declares one and wherever the count rule puts one
///   (the rule is carried in every checkpoint), each over the hash the chain really has
///   there, and the checkpoints chained to each other;
/// - if given, that the log extends `anchor` (a checkpoint kept off the host), and how.
///
/// Names the first bad entry. What is and is not detected: docs/access-log.md.
pub fn verify_log(
    store: &dyn Store,
    public_key: &[u8; 32],
    anchor: Option<&Checkpoint>,
) -> Result<LogVerification> {
    verify_log_with(store, public_key, anchor, false)
}

/// [`verify_log`], but accepting a log in layout 1 only: for the upgrade, which verifies a
/// format 1 log with the rules it had before signing over it.
pub(crate) fn verify_log_with(
    store: &dyn Store,
    public_key: &[u8; 32],
    anchor: Option<&Checkpoint>,
    layout_1_only: bool,
) -> Result<LogVerification> {
    let mut problem = None;
    let checkpoints = load_checkpoints(store, public_key, &mut problem)?;
    let policy = check_checkpoint_chain(&checkpoints, &mut problem);
    let truncations = load_truncations(store, public_key, &mut problem)?;
    let base = truncations.last().map_or(1, |record| record.base);
    let mut report = LogVerification {
        base,
        policy,
        truncations: truncations.len() as u64,
        ..LogVerification::default()
    };

    let mut expected = base;
    let mut prev_hash = [0u8; 32];
    let mut seen_v2 = false;
    let mut last_checkpoint: Option<(u64, i64)> = None;
    let mut anchor_hash_matches = None;
    let mut walk_problem: Option<LogProblem> = None;
    for_each_entry(store, |key, value| {
        let mut fail = |seq: u64, reason: String| {
            walk_problem = Some(LogProblem { seq, reason });
            Ok(false)
        };
        let Some(seq) = key_seq(key) else {
            return fail(expected, "an entry's key is malformed".into());
        };
        if seq != expected {
            if expected == base && seq > base {
                let reason = if base == 1 {
                    format!(
                        "entries 1 to {} are missing and no signed truncation record removed \
                         them (the front was deleted)",
                        seq - 1
                    )
                } else {
                    format!(
                        "entries {base} to {} are missing: the signed truncation record starts \
                         the log at entry {base} (the front was deleted)",
                        seq - 1
                    )
                };
                return fail(base, reason);
            }
            if seq > expected {
                return fail(expected, format!("entry {expected} is missing (deleted)"));
            }
            return fail(
                seq,
                if seq < base {
                    format!("entry {seq} is before the log's signed start, entry {base}")
                } else {
                    format!("entry {seq} is out of place")
                },
            );
        }
        let Ok(entry) = decode_entry(value) else {
            return fail(seq, format!("entry {seq} cannot be decoded (edited)"));
        };
        if entry.seq != seq {
            return fail(
                seq,
                format!(
                    "entry {seq} holds the entry numbered {} (reordered or moved)",
                    entry.seq
                ),
            );
        }
        // After a truncation the first entry links to the last removed one, whose hash the
        // signed truncation record keeps.
        let expected_prev = match truncations.last() {
            Some(record) if seq == base => record.last_removed_hash,
            _ => prev_hash,
        };
        if entry.prev_hash != expected_prev {
            return if seq == base {
                fail(
                    seq,
                    format!(
                        "entry {seq} does not link to the last entry the signed truncation \
                         removed (edited or replaced)"
                    ),
                )
            } else {
                let culprit = seq - 1;
                fail(
                    culprit,
                    format!(
                        "entry {culprit} does not match the hash that entry {seq} holds for it \
                         (edited, or an entry was inserted, deleted or reordered there)"
                    ),
                )
            };
        }
        let hash = entry_hash(value);
        let stored = checkpoints.get(&seq);
        if entry.version == 1 && seen_v2 {
            return fail(
                seq,
                format!("entry {seq} is in the old layout after newer entries (rewritten)"),
            );
        }
        if entry.version >= 2 {
            // The first entry of the log, the first after an upgrade, and the first kept after
            // a truncation carry a checkpoint: the chain of checkpoints starts there.
            let must_start = !seen_v2 || seq == base;
            seen_v2 = true;
            if entry.checkpointed && stored.is_none() {
                return fail(
                    seq,
                    format!(
                        "entry {seq} was checkpointed but its signed checkpoint is missing \
                         (deleted)"
                    ),
                );
            }
            if !entry.checkpointed && stored.is_some() {
                return fail(
                    seq,
                    format!("entry {seq} has a checkpoint it does not declare (inserted)"),
                );
            }
            if must_start && !entry.checkpointed {
                return fail(
                    seq,
                    format!(
                        "entry {seq} starts the checkpointed log but carries no checkpoint \
                         (checkpoints deleted and the log re-chained)"
                    ),
                );
            }
            if let (Some(rule), Some((last_seq, last_time)), false) =
                (policy, last_checkpoint, entry.checkpointed)
            {
                if seq.saturating_sub(last_seq) >= rule.every_entries {
                    return fail(
                        seq,
                        format!(
                            "entry {seq} should carry a signed checkpoint ({} entries since the \
                             one at entry {last_seq}) but does not (checkpoints deleted and the \
                             log re-chained)",
                            seq - last_seq
                        ),
                    );
                }
                if entry.time_ms.saturating_sub(last_time) >= rule.every_ms {
                    report.time_rule_misses += 1;
                }
            }
        } else if seq == base && base > 1 && stored.is_none() {
            return fail(
                seq,
                format!("the log starts at entry {seq} but no signed checkpoint is there"),
            );
        }
        if let Some(checkpoint) = stored {
            if checkpoint.head != hash {
                return fail(
                    seq,
                    format!("entry {seq} does not match its signed checkpoint (edited)"),
                );
            }
            report.checkpoints += 1;
            report.signed_through = seq;
            last_checkpoint = Some((seq, checkpoint.time_ms));
        }
        if let Some(anchor) = anchor.filter(|anchor| anchor.seq == seq) {
            anchor_hash_matches = Some(anchor.head == hash);
            if anchor.head != hash {
                return fail(
                    seq,
                    format!(
                        "entry {seq} does not match the anchored checkpoint (the log was \
                         altered or replaced)"
                    ),
                );
            }
        }
        prev_hash = hash;
        report.entries += 1;
        expected += 1;
        Ok(true)
    })?;
    let walked_whole = walk_problem.is_none();
    if let Some(found) = walk_problem {
        note(&mut problem, found.seq, found.reason);
    }
    let last = expected.saturating_sub(1);
    // A log in layout 1 only cannot be told from a layout 2 log rewritten without its flags
    // and checkpoints: it must be upgraded (opened once with this build) to be verified.
    if walked_whole && report.entries > 0 && !seen_v2 && !layout_1_only {
        note(
            &mut problem,
            base,
            "the log has no entry in layout 2: a log written before format 2 must be upgraded \
             (opened once with this build) to be verified, since a newer log rewritten in the \
             old layout would look the same"
                .into(),
        );
    }
    if report.entries == 0
        && store
            .get(Column::Meta, crate::keyspace::META_FORMAT)?
            .is_some()
    {
        note(
            &mut problem,
            base,
            "the vault's log is empty (deleted): every vault logs its creation".into(),
        );
    }
    if report.entries == 0 && base > 1 {
        note(
            &mut problem,
            base,
            format!("the log should start at entry {base} but holds no entries (deleted)"),
        );
    }
    if let Some((&seq, _)) = checkpoints.range(expected..).next() {
        note(
            &mut problem,
            expected,
            format!(
                "a checkpoint covers entry {seq}, but the log ends at entry {last} (truncated)"
            ),
        );
    }
    report.unsigned_tail = last.saturating_sub(report.signed_through.max(base.saturating_sub(1)));
    if let Some(rule) = policy {
        if report.unsigned_tail >= rule.every_entries {
            note(
                &mut problem,
                last,
                format!(
                    "{} entries follow the last signed checkpoint, more than the rule's {}",
                    report.unsigned_tail, rule.every_entries
                ),
            );
        }
    }
    if let Some(anchor) = anchor {
        match check_anchor(
            anchor,
            public_key,
            &checkpoints,
            &truncations,
            last,
            anchor_hash_matches,
        ) {
            Ok(how) => report.extension = Some(how),
            Err((seq, reason)) => note(&mut problem, seq, reason),
        }
    }
    report.problem = problem;
    Ok(report)
}

/// Whether the log (verified otherwise) extends `anchor`, and how; or the entry and reason
/// it does not.
fn check_anchor(
    anchor: &Checkpoint,
    public_key: &[u8; 32],
    checkpoints: &BTreeMap<u64, Checkpoint>,
    truncations: &[TruncationRecord],
    last: u64,
    hash_matches: Option<bool>,
) -> std::result::Result<String, (u64, String)> {
    let seq = anchor.seq;
    if !anchor.verify(public_key) {
        return Err((seq, "the anchor is not signed by the pinned key".into()));
    }
    if seq > last {
        return Err((
            last.saturating_add(1),
            format!(
                "the log ends at entry {last} but the anchor covers entry {seq} (truncated or \
                 rolled back)"
            ),
        ));
    }
    let stored = checkpoints.get(&seq);
    if stored.is_some_and(|stored| stored.digest() != anchor.digest()) {
        return Err((
            seq,
            format!("the checkpoint at entry {seq} is not the anchored one (replaced)"),
        ));
    }
    let later = checkpoints.range(seq.saturating_add(1)..).count();
    match hash_matches {
        Some(true) => Ok(format!(
            "the anchored entry {seq} is in the log with the anchored hash; the hash chain links \
             it to the last entry, {last}, through {} entries and {later} signed checkpoints",
            last.saturating_sub(seq)
        )),
        Some(false) => Err((
            seq,
            format!("entry {seq} does not match the anchored checkpoint"),
        )),
        None => {
            // The anchored entry was removed by a truncation: its checkpoint is kept, and the
            // chain of signed checkpoints links it to the ones over the kept entries.
            let Some(record) = truncations
                .iter()
                .find(|record| record.removed_from <= seq && seq < record.base)
            else {
                return Err((seq, format!("the anchored entry {seq} is missing")));
            };
            // Version 2 checkpoints name the one before them: the anchored checkpoint is in
            // the signed chain only if the next one is version 2 (and so names it).
            let linked = checkpoints
                .range(seq.saturating_add(1)..)
                .next()
                .is_some_and(|(_, next)| next.link.is_some());
            if stored.is_none() || !linked {
                return Err((
                    seq,
                    format!(
                        "the anchored entry {seq} was removed by the truncation at entry {} and \
                         no signed chain of checkpoints links it to the kept entries: the log \
                         cannot be shown to extend it",
                        record.base
                    ),
                ));
            }
            Ok(format!(
                "the anchored entry {seq} was removed by the signed truncation at entry {} \
                 (retention {} days); its checkpoint is kept, and the chain of signed \
                 checkpoints links it to the last entry, {last}, through {later} checkpoints",
                record.base, record.retention_days
            ))
        }
    }
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
            .get(Column::Log, &crate::keyspace::log_checkpoint_key(seq))?
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
    /// A signed truncation record (the new start, the hash of the last removed entry, the
    /// newest removed entry's time, the retention in force) is written with the removal and the
    /// `audit.truncate` entry, in one batch; checkpoints are kept, so anchors taken before the
    /// truncation still verify through the chain of checkpoints. Returns how many entries were
    /// removed.
    pub fn truncate_log(&self, access: &Access, at: u64, now: DateTime<Utc>) -> Result<u64> {
        access.validate()?;
        // One truncation at a time: each record names the one before it.
        let _exclusive = self
            .lifecycle
            .write()
            .map_err(|_| crate::vault::poisoned("lifecycle"))?;
        let previous = truncation_records(&*self.store)?.pop();
        let base = previous.as_ref().map_or(1, |record| record.base);
        if at <= base {
            return Err(Error::Invalid(format!(
                "the log already starts at entry {base}"
            )));
        }
        if self
            .store
            .get(Column::Log, &crate::keyspace::log_checkpoint_key(at))?
            .is_none()
        {
            return Err(Error::Invalid(format!(
                "entry {at} has no signed checkpoint: truncate only at one (`recvault audit anchor` makes one)"
            )));
        }
        let retention_days = self.log_retention_days()?;
        let retention_ms = i64::from(retention_days).saturating_mul(86_400_000);
        // Entry times are the callers' clock readings and need not increase: every removed
        // entry must be older than the retention, not only the last.
        let mut newest: Option<(u64, i64)> = None;
        let mut last_removed_hash = None;
        for_each_entry(&*self.store, |key, value| {
            let seq = key_seq(key).ok_or_else(|| Error::corrupt("access log", "bad entry key"))?;
            if seq >= at {
                return Ok(false);
            }
            let entry = decode_entry(value)?;
            if newest.is_none_or(|(_, time)| entry.time_ms > time) {
                newest = Some((seq, entry.time_ms));
            }
            if seq == at - 1 {
                last_removed_hash = Some(entry_hash(value));
            }
            Ok(true)
        })?;
        let (Some((newest_seq, newest_ms)), Some(last_removed_hash)) = (newest, last_removed_hash)
        else {
            return Err(Error::corrupt(
                "access log",
                "the entries to remove are missing",
            ));
        };
        if newest_ms > now.timestamp_millis().saturating_sub(retention_ms) {
            return Err(Error::Invalid(format!(
                "entry {newest_seq} is younger than the log's retention period of {retention_days} days"
            )));
        }
        let record = TruncationRecord {
            base: at,
            removed_from: base,
            last_removed_hash,
            newest_removed_ms: newest_ms,
            time_ms: now.timestamp_millis(),
            retention_days,
            prev_base: previous.map_or(0, |record| record.base),
            state: self.log.generations(),
            signature: [0; 64],
        }
        .sign(&*self.signing_key()?);
        let mut batch = WriteBatch::new();
        batch.delete_range(
            Column::Log,
            crate::keyspace::log_entry_key(0),
            crate::keyspace::log_entry_key(at),
        );
        batch.put(Column::Log, log_truncation_key(at), record.encode());
        batch.put(Column::Meta, META_LOG_BASE, at.to_be_bytes());
        let mut draft = Draft::new(access, "audit.truncate", now.timestamp_millis());
        draft.outcome = format!("removed entries {base} to {}", at - 1);
        draft.force_checkpoint = true;
        self.log.commit(draft, batch)?;
        Ok(at - base)
    }

    fn signing_key(&self) -> Result<std::sync::Arc<crate::crypto::SigningKey>> {
        Ok(self
            .keys
            .read()
            .map_err(|_| crate::vault::poisoned("key ring"))?
            .signing_key())
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
    let header = match checkpoint.link {
        None => ANCHOR_HEADER_V1,
        Some(_) => ANCHOR_HEADER_V2,
    };
    let mut text = format!(
        "{header}\nseq {}\nhead {}\ntime {}\n",
        checkpoint.seq,
        hex::encode(checkpoint.head),
        time,
    );
    if let Some(link) = &checkpoint.link {
        text.push_str(&format!(
            "every-entries {}\nevery-ms {}\nprev-seq {}\nprev-digest {}\nstate {}\n",
            link.policy.every_entries,
            link.policy.every_ms,
            link.prev_seq,
            hex::encode(link.prev_digest),
            hex::encode(&checkpoint.state),
        ));
    }
    text.push_str(&format!(
        "signature {}\npublic-key {}\n",
        hex::encode(checkpoint.signature),
        hex::encode(public_key)
    ));
    text
}

/// Parses an anchor file (either layout).
pub fn parse_anchor(text: &str) -> Result<Checkpoint> {
    let bad = |what: &str| Error::Invalid(format!("not a recvault anchor: {what}"));
    let mut lines = text.lines();
    let v2 = match lines.next() {
        Some(ANCHOR_HEADER_V1) => false,
        Some(ANCHOR_HEADER_V2) => true,
        _ => {
            return Err(bad(&format!(
                "the first line must be `{ANCHOR_HEADER_V2}` (or `{ANCHOR_HEADER_V1}`)"
            )))
        }
    };
    let mut fields = BTreeMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(' ') {
            fields.insert(name, value.trim());
        }
        // An empty `state` is written as `state ` and may lose its space.
        if line == "state" {
            fields.insert("state", "");
        }
    }
    let field = |name: &str| {
        fields
            .get(name)
            .copied()
            .ok_or_else(|| bad(&format!("`{name}` is missing")))
    };
    let number = |name: &str| -> Result<u64> {
        field(name)?
            .parse()
            .map_err(|_| bad(&format!("`{name}` must be a number")))
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
    let (link, state) = if v2 {
        let mut prev_digest = [0u8; 32];
        hex::decode_to_slice(field("prev-digest")?, &mut prev_digest)
            .map_err(|_| bad("`prev-digest` must be 64 hexadecimal digits"))?;
        let every_ms = field("every-ms")?
            .parse()
            .map_err(|_| bad("`every-ms` must be a number"))?;
        let link = CheckpointLink {
            policy: CheckpointPolicy {
                every_entries: number("every-entries")?,
                every_ms,
            },
            prev_seq: number("prev-seq")?,
            prev_digest,
        };
        let state =
            hex::decode(field("state")?).map_err(|_| bad("`state` must be hexadecimal digits"))?;
        (Some(link), state)
    } else {
        (None, Vec::new())
    };
    Ok(Checkpoint {
        seq: number("seq")?,
        head,
        time_ms,
        link,
        state,
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
