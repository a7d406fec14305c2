//! The access log: every read, lookup, write, destruction and key operation, and every denied
//! attempt, as a hash-chained entry written in the same atomic batch as the change it records
//! (for reads, before the plaintext leaves the vault), with Ed25519-signed checkpoints over the
//! chain head. One writer thread commits entries in groups (one sync for many readers) and
//! callers wait for it with a bound, so a log that cannot be written refuses operations
//! instead of hanging them. Format and guarantees: docs/access-log.md.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::codec::{Reader, Writer};
use crate::crypto::{sha256, SigningKey};
use crate::error::{Error, Result};
use crate::high_water::Mark;
use crate::key_backend::KeyBackend;
use crate::keyspace::{log_checkpoint_key, log_entry_key, META_LOG_HEAD};
use crate::signed_state::SignedState;
use crate::store::{Column, Durability, Store, WriteBatch};
use model::RecordId;

/// Entry layout version written by this build (2: the entry says whether a checkpoint was
/// signed on it). Version 1 entries, written before, are still read and verified.
pub const LOG_ENTRY_VERSION: u8 = 2;
const CHECKPOINT_MAGIC_V1: &[u8] = b"recvault-log-checkpoint v1";
const CHECKPOINT_MAGIC_V2: &[u8] = b"recvault-log-checkpoint v2";
const TRUNCATION_MAGIC: &[u8] = b"recvault-log-truncation v1";
const TRUNCATION_MAGIC_V2: &[u8] = b"recvault-log-truncation v2";
/// The most entries between checkpoints a vault may be created with: the unsigned tail, which
/// only an anchor protects, is never longer.
pub const MAX_CHECKPOINT_INTERVAL: u64 = 100_000;
/// How long a caller waits for its entry to become durable before the operation is refused.
pub const DEFAULT_LOG_TIMEOUT: Duration = Duration::from_secs(10);

/// Who is acting, in which role, for what, and under which rule: the context every logged
/// operation carries. None of it may identify a person that records are about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// The account acting.
    pub principal: String,
    /// The account's organization.
    pub organization: String,
    /// The role it acts in.
    pub role: String,
    /// The purpose code (or routine use) declared.
    pub purpose: String,
    /// The case id declared (letters, digits and dashes), or empty for administration.
    pub case_id: String,
    /// The policy rule that allowed (or denied) it.
    pub rule: String,
    /// Where the request came from (client address, or `local`).
    pub client: String,
    /// The request's id, for correlation with other logs.
    pub request_id: String,
}

impl Access {
    /// An operator's offline administration from this host's command line.
    pub fn offline(principal: &str, purpose: &str) -> Self {
        Access {
            principal: principal.to_owned(),
            organization: "local".into(),
            role: "operator".into(),
            purpose: purpose.to_owned(),
            case_id: String::new(),
            rule: "offline-administration".into(),
            client: "local".into(),
            request_id: String::new(),
        }
    }

    /// The vault itself, for automatic operations (a new cohort key made during an ingest).
    pub(crate) fn automatic() -> Self {
        Access {
            principal: "recvault".into(),
            organization: "local".into(),
            role: "system".into(),
            purpose: "key-management".into(),
            case_id: String::new(),
            rule: "automatic".into(),
            client: "local".into(),
            request_id: String::new(),
        }
    }

    /// Checks the fields: printable, at most 128 bytes; the case id letters, digits, `-`, `_`
    /// and `.` (the characters of `policy::validate_case_id`'s grammar, which the gate holds
    /// every logged case id to).
    pub fn validate(&self) -> Result<()> {
        let fields = [
            ("principal", &self.principal),
            ("organization", &self.organization),
            ("role", &self.role),
            ("purpose", &self.purpose),
            ("case id", &self.case_id),
            ("rule", &self.rule),
            ("client", &self.client),
            ("request id", &self.request_id),
        ];
        for (name, value) in fields {
            if value.len() > 128 || value.chars().any(char::is_control) {
                return Err(Error::Invalid(format!(
                    "{name} must be at most 128 printable bytes"
                )));
            }
        }
        if ["principal", "organization", "role", "purpose"]
            .iter()
            .zip([
                &self.principal,
                &self.organization,
                &self.role,
                &self.purpose,
            ])
            .any(|(_, value)| value.trim().is_empty())
        {
            return Err(Error::Invalid(
                "principal, organization, role and purpose are required".into(),
            ));
        }
        if !self
            .case_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(Error::Invalid(
                "case id must be letters, digits, `-`, `_` and `.`".into(),
            ));
        }
        Ok(())
    }
}

/// Whether the operation was allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// It went ahead.
    Allow,
    /// It was refused.
    Deny,
}

/// One entry of the access log, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// The layout it was stored in (1 or 2).
    pub version: u8,
    /// Position in the chain, from 1.
    pub seq: u64,
    /// When (Unix ms, the caller's clock reading).
    pub time_ms: i64,
    /// Whether the writer signed a checkpoint on this entry (inside the entry's hash, so a
    /// verifier knows where checkpoints must be). Always false in version 1 entries.
    pub checkpointed: bool,
    /// Who, in which role, for what.
    pub access: Access,
    /// What was done (`read`, `lookup`, `ingest`, `cohort.destroy`...).
    pub action: String,
    /// The system of records concerned, if one.
    pub system: String,
    /// Allowed or denied.
    pub decision: Decision,
    /// What happened (`ok`, `not found`, counts), never data.
    pub outcome: String,
    /// Records concerned.
    pub record_ids: Vec<RecordId>,
    /// Blind-index tokens of a query, with their index year.
    pub tokens: Vec<(u16, [u8; 16])>,
    /// Cohorts or keys concerned.
    pub cohorts: Vec<u32>,
    /// Hash of the previous entry (zeros for the first).
    pub prev_hash: [u8; 32],
}

/// What a caller asks to log; the writer adds the sequence number and the chain link.
#[derive(Clone, Debug)]
pub(crate) struct Draft {
    pub(crate) time_ms: i64,
    pub(crate) access: Access,
    pub(crate) action: String,
    pub(crate) system: String,
    pub(crate) decision: Decision,
    pub(crate) outcome: String,
    pub(crate) record_ids: Vec<RecordId>,
    pub(crate) tokens: Vec<(u16, [u8; 16])>,
    pub(crate) cohorts: Vec<u32>,
    /// Sign a checkpoint on this entry whatever the policy says (for anchors).
    pub(crate) force_checkpoint: bool,
    /// Publish every kind's signed-state manifest with this entry (a format upgrade).
    pub(crate) publish_manifests: bool,
}

impl Draft {
    pub(crate) fn new(access: &Access, action: &str, time_ms: i64) -> Self {
        Draft {
            time_ms,
            access: access.clone(),
            action: action.to_owned(),
            system: String::new(),
            decision: Decision::Allow,
            outcome: "ok".into(),
            record_ids: Vec::new(),
            tokens: Vec::new(),
            cohorts: Vec::new(),
            force_checkpoint: false,
            publish_manifests: false,
        }
    }
}

/// Encodes an entry in the current layout; `checkpointed` says whether the writer signs a
/// checkpoint on it.
pub(crate) fn encode_entry(
    seq: u64,
    draft: &Draft,
    checkpointed: bool,
    prev_hash: &[u8; 32],
) -> Vec<u8> {
    let mut out = Writer(zeroize::Zeroizing::new(Vec::with_capacity(
        256 + 16 * draft.record_ids.len(),
    )));
    out.u8(LOG_ENTRY_VERSION);
    out.u64(seq);
    out.i64(draft.time_ms);
    out.u8(u8::from(checkpointed));
    for field in [
        &draft.access.principal,
        &draft.access.organization,
        &draft.access.role,
        &draft.access.purpose,
        &draft.access.case_id,
        &draft.access.rule,
        &draft.access.client,
        &draft.access.request_id,
    ] {
        out.str(field);
    }
    out.str(&draft.action);
    out.str(&draft.system);
    out.u8(match draft.decision {
        Decision::Allow => 1,
        Decision::Deny => 2,
    });
    out.str(&draft.outcome);
    out.u32(draft.record_ids.len() as u32);
    for id in &draft.record_ids {
        out.0.extend_from_slice(id.as_bytes());
    }
    out.u32(draft.tokens.len() as u32);
    for (year, token) in &draft.tokens {
        out.0.extend_from_slice(&year.to_be_bytes());
        out.0.extend_from_slice(token);
    }
    out.u32(draft.cohorts.len() as u32);
    for cohort in &draft.cohorts {
        out.u32(*cohort);
    }
    out.0.extend_from_slice(prev_hash);
    out.0.to_vec()
}

impl From<&LogEntry> for Draft {
    /// The entry as a draft (for tests that rewrite the log as an attacker would).
    fn from(entry: &LogEntry) -> Self {
        Draft {
            time_ms: entry.time_ms,
            access: entry.access.clone(),
            action: entry.action.clone(),
            system: entry.system.clone(),
            decision: entry.decision,
            outcome: entry.outcome.clone(),
            record_ids: entry.record_ids.clone(),
            tokens: entry.tokens.clone(),
            cohorts: entry.cohorts.clone(),
            force_checkpoint: false,
            publish_manifests: false,
        }
    }
}

/// Decodes a stored entry.
pub fn decode_entry(bytes: &[u8]) -> Result<LogEntry> {
    const WHAT: &str = "log entry";
    let mut input = Reader::new(bytes, WHAT);
    let version = input.u8()?;
    if version != 1 && version != LOG_ENTRY_VERSION {
        return Err(Error::UnsupportedVersion {
            what: WHAT,
            version,
        });
    }
    let seq = input.u64()?;
    let time_ms = input.i64()?;
    let checkpointed = match version {
        1 => false,
        _ => match input.u8()? {
            0 => false,
            1 => true,
            _ => return Err(Error::corrupt(WHAT, "bad checkpoint flag")),
        },
    };
    let mut strings = Vec::with_capacity(10);
    for _ in 0..10 {
        strings.push(input.string()?);
    }
    let mut strings = strings.into_iter();
    let mut next = || strings.next().unwrap_or_default();
    let access = Access {
        principal: next(),
        organization: next(),
        role: next(),
        purpose: next(),
        case_id: next(),
        rule: next(),
        client: next(),
        request_id: next(),
    };
    let action = next();
    let system = next();
    let decision = match input.u8()? {
        1 => Decision::Allow,
        2 => Decision::Deny,
        _ => return Err(Error::corrupt(WHAT, "bad decision")),
    };
    let outcome = input.string()?;
    let n_ids = input.u32()?;
    let mut record_ids = Vec::new();
    for _ in 0..n_ids {
        record_ids.push(RecordId::from_bytes(input.array()?));
    }
    let n_tokens = input.u32()?;
    let mut tokens = Vec::new();
    for _ in 0..n_tokens {
        tokens.push((input.u16()?, input.array()?));
    }
    let n_cohorts = input.u32()?;
    let mut cohorts = Vec::new();
    for _ in 0..n_cohorts {
        cohorts.push(input.u32()?);
    }
    let prev_hash = input.array()?;
    input.finish()?;
    Ok(LogEntry {
        version,
        seq,
        time_ms,
        checkpointed,
        access,
        action,
        system,
        decision,
        outcome,
        record_ids,
        tokens,
        cohorts,
        prev_hash,
    })
}

/// The chain hash of an entry's stored bytes.
pub fn entry_hash(bytes: &[u8]) -> [u8; 32] {
    sha256(&[&b"recvault/log/v1"[..], bytes].concat())
}

/// Where a version 2 checkpoint sits in the chain of checkpoints, and the rule it was made
/// under: what a verifier needs to require the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointLink {
    /// The checkpoint rule the writer follows (fixed when the vault was made).
    pub policy: CheckpointPolicy,
    /// The previous checkpoint's entry (0 for the first).
    pub prev_seq: u64,
    /// The previous checkpoint's digest (zeros for the first).
    pub prev_digest: [u8; 32],
}

/// A signed statement that the chain had `head` as the hash of entry `seq` at `time_ms`; from
/// version 2 on, also naming the previous checkpoint and the rule, so checkpoints form a
/// chain of their own and none can be deleted unseen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last entry covered.
    pub seq: u64,
    /// That entry's chain hash.
    pub head: [u8; 32],
    /// When it was signed (Unix ms).
    pub time_ms: i64,
    /// The link to the previous checkpoint and the rule (`None` for version 1 checkpoints).
    pub link: Option<CheckpointLink>,
    /// The generation of every kind of signed state when it was signed (`signed_state`;
    /// empty before format 3).
    pub state: Vec<u8>,
    /// Ed25519 signature over the fields above.
    pub signature: [u8; 64],
}

/// A version 1 checkpoint's stored length: sequence, head, time, signature.
const CHECKPOINT_V1_LEN: usize = 8 + 32 + 8 + 64;

impl Checkpoint {
    /// The bytes the signature covers.
    pub fn signed_message(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(160 + self.state.len());
        match &self.link {
            None => out.extend_from_slice(CHECKPOINT_MAGIC_V1),
            Some(_) => out.extend_from_slice(CHECKPOINT_MAGIC_V2),
        }
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.head);
        out.extend_from_slice(&self.time_ms.to_be_bytes());
        if let Some(link) = &self.link {
            out.extend_from_slice(&link.policy.every_entries.to_be_bytes());
            out.extend_from_slice(&link.policy.every_ms.to_be_bytes());
            out.extend_from_slice(&link.prev_seq.to_be_bytes());
            out.extend_from_slice(&link.prev_digest);
            out.extend_from_slice(&(self.state.len() as u32).to_be_bytes());
            out.extend_from_slice(&self.state);
        }
        out
    }

    /// The checkpoint's digest, which the next checkpoint names: SHA-256 of its signed bytes.
    pub fn digest(&self) -> [u8; 32] {
        sha256(&self.signed_message())
    }

    pub(crate) fn sign(
        key: &SigningKey,
        seq: u64,
        head: [u8; 32],
        time_ms: i64,
        link: CheckpointLink,
        state: Vec<u8>,
    ) -> Self {
        let mut checkpoint = Checkpoint {
            seq,
            head,
            time_ms,
            link: Some(link),
            state,
            signature: [0; 64],
        };
        checkpoint.signature = key.sign(&checkpoint.signed_message());
        checkpoint
    }

    /// Whether the signature is valid under `public_key`.
    pub fn verify(&self, public_key: &[u8; 32]) -> bool {
        crate::crypto::verify_signature(public_key, &self.signed_message(), &self.signature)
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        match &self.link {
            None => [
                &self.seq.to_be_bytes()[..],
                &self.head,
                &self.time_ms.to_be_bytes(),
                &self.signature,
            ]
            .concat(),
            Some(link) => [
                &[2u8][..],
                &self.seq.to_be_bytes(),
                &self.head,
                &self.time_ms.to_be_bytes(),
                &link.policy.every_entries.to_be_bytes(),
                &link.policy.every_ms.to_be_bytes(),
                &link.prev_seq.to_be_bytes(),
                &link.prev_digest,
                &(self.state.len() as u32).to_be_bytes(),
                &self.state,
                &self.signature,
            ]
            .concat(),
        }
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        const WHAT: &str = "log checkpoint";
        let mut input = Reader::new(bytes, WHAT);
        // Version 1 checkpoints have no version byte; their length tells them apart (a
        // version 2 checkpoint is never this short).
        let v1 = bytes.len() == CHECKPOINT_V1_LEN;
        if !v1 {
            let version = input.u8()?;
            if version != 2 {
                return Err(Error::UnsupportedVersion {
                    what: WHAT,
                    version,
                });
            }
        }
        let seq = input.u64()?;
        let head = input.array()?;
        let time_ms = input.i64()?;
        let (link, state) = if v1 {
            (None, Vec::new())
        } else {
            let policy = CheckpointPolicy {
                every_entries: input.u64()?,
                every_ms: input.i64()?,
            };
            let link = CheckpointLink {
                policy,
                prev_seq: input.u64()?,
                prev_digest: input.array()?,
            };
            let len = input.u32()? as usize;
            (Some(link), input.take(len)?.to_vec())
        };
        let checkpoint = Checkpoint {
            seq,
            head,
            time_ms,
            link,
            state,
            signature: input.array()?,
        };
        input.finish()?;
        Ok(checkpoint)
    }
}

/// A signed statement that the log's first entries were removed on purpose: the new first
/// entry, the hash of the last removed one (which the new first entry links to), when, and
/// the retention then in force. The verifier requires one for any log that does not start at
/// entry 1, and checks that every removed entry was older than that retention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TruncationRecord {
    /// The first entry kept.
    pub base: u64,
    /// The first entry removed (the base before this truncation).
    pub removed_from: u64,
    /// The chain hash of the last removed entry (`base - 1`).
    pub last_removed_hash: [u8; 32],
    /// The time of the newest removed entry (Unix ms); `i64::MIN` when not known (a
    /// truncation made before version 2, recorded by the upgrade).
    pub newest_removed_ms: i64,
    /// When the truncation was made (Unix ms, the caller's clock reading).
    pub time_ms: i64,
    /// The log's retention period in force then, in days.
    pub retention_days: u32,
    /// The previous truncation's base (0 for the first).
    pub prev_base: u64,
    /// The generation of every kind of signed state when it was made (`signed_state`'s
    /// vector); empty in records of version 1 (before format 3), which do not carry it.
    pub state: Vec<u8>,
    /// Ed25519 signature by the log's signing key over the fields above.
    pub signature: [u8; 64],
}

impl TruncationRecord {
    /// The bytes the signature covers.
    pub fn signed_message(&self) -> Vec<u8> {
        let mut out = [
            if self.state.is_empty() {
                TRUNCATION_MAGIC
            } else {
                TRUNCATION_MAGIC_V2
            },
            &self.fields(),
        ]
        .concat();
        if !self.state.is_empty() {
            out.extend_from_slice(&(self.state.len() as u32).to_be_bytes());
            out.extend_from_slice(&self.state);
        }
        out
    }

    /// The fields both versions share, in order.
    fn fields(&self) -> Vec<u8> {
        [
            &self.base.to_be_bytes()[..],
            &self.removed_from.to_be_bytes(),
            &self.last_removed_hash,
            &self.newest_removed_ms.to_be_bytes(),
            &self.time_ms.to_be_bytes(),
            &self.retention_days.to_be_bytes(),
            &self.prev_base.to_be_bytes(),
        ]
        .concat()
    }

    pub(crate) fn sign(mut self, key: &SigningKey) -> Self {
        self.signature = key.sign(&self.signed_message());
        self
    }

    /// Whether the signature is valid under `public_key`.
    pub fn verify(&self, public_key: &[u8; 32]) -> bool {
        crate::crypto::verify_signature(public_key, &self.signed_message(), &self.signature)
    }

    /// Version 1 without a generation vector (as the format 2 upgrade records one), version
    /// 2 with it: the version byte, the fields, for version 2 the `u32` length and the vector,
    /// the signature.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let (version, magic) = if self.state.is_empty() {
            (1u8, TRUNCATION_MAGIC)
        } else {
            (2u8, TRUNCATION_MAGIC_V2)
        };
        [
            &[version][..],
            &self.signed_message()[magic.len()..],
            &self.signature,
        ]
        .concat()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        const WHAT: &str = "log truncation record";
        let mut input = Reader::new(bytes, WHAT);
        let version = input.u8()?;
        if !matches!(version, 1 | 2) {
            return Err(Error::UnsupportedVersion {
                what: WHAT,
                version,
            });
        }
        let mut record = TruncationRecord {
            base: input.u64()?,
            removed_from: input.u64()?,
            last_removed_hash: input.array()?,
            newest_removed_ms: input.i64()?,
            time_ms: input.i64()?,
            retention_days: input.u32()?,
            prev_base: input.u64()?,
            state: Vec::new(),
            signature: [0; 64],
        };
        if version == 2 {
            let len = input.u32()? as usize;
            record.state = input.take(len)?.to_vec();
            if record.state.is_empty() {
                return Err(Error::corrupt(
                    WHAT,
                    "a version 2 record without its vector",
                ));
            }
        }
        record.signature = input.array()?;
        input.finish()?;
        Ok(record)
    }
}

/// The chain head as the writer keeps it (and as `meta/log-head` stores it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) seq: u64,
    pub(crate) hash: [u8; 32],
    pub(crate) checkpoint_seq: u64,
    pub(crate) checkpoint_time_ms: i64,
    /// The last checkpoint's digest; `None` when the head was stored before version 2 (the
    /// writer then reads the last checkpoint to find it).
    pub(crate) checkpoint_digest: Option<[u8; 32]>,
    /// The time of the last entry (not stored: a shutdown checkpoint's entry carries it).
    pub(crate) last_time_ms: i64,
}

/// The stored head's length before version 2: sequence, hash, checkpoint's sequence and time.
const HEAD_V1_LEN: usize = 8 + 32 + 8 + 8;

impl Head {
    fn encode(&self) -> Vec<u8> {
        [
            &self.seq.to_be_bytes()[..],
            &self.hash,
            &self.checkpoint_seq.to_be_bytes(),
            &self.checkpoint_time_ms.to_be_bytes(),
            &self.checkpoint_digest.unwrap_or_default(),
        ]
        .concat()
    }

    /// Loads the stored head and checks it is consistent with itself (a tampered head is an
    /// error at open, never a panic in the writer).
    pub(crate) fn load(store: &dyn Store) -> Result<Self> {
        let Some(bytes) = store.get(Column::Meta, META_LOG_HEAD)? else {
            return Ok(Head::default());
        };
        let mut input = Reader::new(&bytes, "log head");
        let mut head = Head {
            seq: input.u64()?,
            hash: input.array()?,
            checkpoint_seq: input.u64()?,
            checkpoint_time_ms: input.i64()?,
            checkpoint_digest: None,
            last_time_ms: 0,
        };
        if bytes.len() > HEAD_V1_LEN {
            head.checkpoint_digest = Some(input.array()?);
        }
        input.finish()?;
        if head.checkpoint_seq > head.seq {
            return Err(Error::corrupt(
                "log head",
                "its checkpoint is past its last entry",
            ));
        }
        Ok(head)
    }
}

/// When the writer signs a checkpoint: after this many entries, or when an entry comes this
/// long after the last checkpoint. Fixed when the vault is made: every version 2 checkpoint
/// carries it, and the verifier requires a checkpoint wherever the entry count puts one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointPolicy {
    /// Entries between checkpoints.
    pub every_entries: u64,
    /// Milliseconds between checkpoints.
    pub every_ms: i64,
}

impl Default for CheckpointPolicy {
    fn default() -> Self {
        CheckpointPolicy {
            every_entries: 1000,
            every_ms: 60_000,
        }
    }
}

struct Request {
    draft: Draft,
    extra: WriteBatch,
    reply: Arc<Reply>,
}

/// Where a request stands. The writer and the waiting caller both change it under the
/// reply's lock, so a caller that gives up either cancels a request the writer has not taken
/// (which is then never written) or learns it is in doubt (taken, its write not yet answered).
#[derive(Default)]
struct Slot {
    /// The writer has put the request into a write to the store.
    taken: bool,
    /// The caller gave up before the writer took it: the writer skips it.
    cancelled: bool,
    /// The write's outcome: the entry's sequence number, or why nothing was stored.
    outcome: Option<Result<u64>>,
}

#[derive(Default)]
struct Reply {
    slot: Mutex<Slot>,
    ready: Condvar,
}

#[derive(Default)]
struct Queue {
    requests: Vec<Request>,
    shutdown: bool,
    /// Why the writer stopped taking requests, if it did (a key change whose outcome stayed
    /// unknown): memory may disagree with the disk until the vault is opened again.
    halted: Option<String>,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    failures: AtomicU64,
    anchor_failures: AtomicU64,
    mark_failures: AtomicU64,
    /// Groups whose write failed but which the disk kept after all (found on the next write).
    landed_after_failure: AtomicU64,
    head: Mutex<Head>,
    /// The generation vector after the last durable write (what a truncation record carries).
    generations: Mutex<Vec<u8>>,
    /// Set when the writer thread has returned (or unwound), for a shutdown that waits for it
    /// only so long.
    exited: Mutex<bool>,
    gone: Condvar,
}

/// Marks the writer thread as gone when it returns or unwinds.
struct ExitSignal<'a>(&'a Shared);

impl Drop for ExitSignal<'_> {
    fn drop(&mut self) {
        if let Ok(mut exited) = self.0.exited.lock() {
            *exited = true;
        }
        self.0.gone.notify_all();
    }
}

/// Where the writer exports each checkpoint as an anchor file, and the key to name in it.
#[derive(Clone, Debug)]
pub(crate) struct AnchorExport {
    pub(crate) dir: std::path::PathBuf,
    pub(crate) public_key: [u8; 32],
}

/// A queued entry's claim on its outcome; clones wait on the same outcome. Only the caller
/// that submitted it calls [`Ticket::wait`] (which may cancel it); others observe.
#[derive(Clone)]
pub(crate) struct Ticket {
    reply: Arc<Reply>,
    shared: Arc<Shared>,
    timeout: Duration,
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ticket(resolved: {})", self.is_resolved())
    }
}

fn poisoned_reply() -> Error {
    Error::LogUnavailable("reply lock poisoned".into())
}

impl Ticket {
    /// Waits (at most the writer's timeout) until the entry and its changes are durable, and
    /// returns the entry's sequence number. If the writer has not taken the request by then,
    /// it is cancelled and never written: [`Error::LogUnavailable`], nothing stored. If it has
    /// (the store has not answered its write), the outcome is unknown: [`Error::LogInDoubt`],
    /// never "failed", since the write may still land.
    pub(crate) fn wait(&self) -> Result<u64> {
        let slot = self.reply.slot.lock().map_err(|_| poisoned_reply())?;
        let (mut slot, _) = self
            .reply
            .ready
            .wait_timeout_while(slot, self.timeout, |slot| slot.outcome.is_none())
            .map_err(|_| poisoned_reply())?;
        if let Some(outcome) = &slot.outcome {
            return clone_outcome(outcome);
        }
        self.shared.failures.fetch_add(1, Ordering::Relaxed);
        let waited = self.timeout.as_millis();
        if slot.taken {
            return Err(Error::LogInDoubt(format!(
                "the store did not confirm the write within {waited} ms"
            )));
        }
        slot.cancelled = true;
        let refused = Error::LogUnavailable(format!(
            "the entry was not durable within {waited} ms; it was withdrawn and will not be written"
        ));
        slot.outcome = Some(Err(Error::LogUnavailable(refused.to_string())));
        Err(refused)
    }

    /// Waits at most `bound` for the outcome, without cancelling: `None` if there is none yet.
    pub(crate) fn outcome_within(&self, bound: Duration) -> Option<Result<u64>> {
        let slot = self.reply.slot.lock().ok()?;
        let (slot, _) = self
            .reply
            .ready
            .wait_timeout_while(slot, bound, |slot| slot.outcome.is_none())
            .ok()?;
        slot.outcome.as_ref().map(clone_outcome)
    }

    /// Whether the entry has an outcome (durable, failed or withdrawn).
    pub(crate) fn is_resolved(&self) -> bool {
        self.reply
            .slot
            .lock()
            .map_or(true, |slot| slot.outcome.is_some())
    }
}

/// The writer only ever answers with a sequence number or `LogUnavailable`.
fn clone_outcome(outcome: &Result<u64>) -> Result<u64> {
    match outcome {
        Ok(seq) => Ok(*seq),
        Err(Error::LogUnavailable(reason)) => Err(Error::LogUnavailable(reason.clone())),
        Err(other) => Err(Error::LogUnavailable(other.to_string())),
    }
}

/// The log's writer: a thread that commits queued entries (with the changes they record) in
/// groups, one synced batch per group.
pub(crate) struct LogWriter {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    timeout: Duration,
}

impl std::fmt::Debug for LogWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogWriter(timeout {:?})", self.timeout)
    }
}

/// What the writer checks at start beyond the log itself, and keeps up to date: the signed
/// state's manifests and the key store's high-water mark.
pub(crate) struct Safeguards {
    /// The key backend, which keeps the high-water mark.
    pub(crate) backend: Arc<dyn KeyBackend>,
    /// The data directory is older than the mark on purpose (`recvault restore`): the mark and
    /// anchor checks are skipped, and the next mark supersedes the anchors exported so far.
    pub(crate) restoring: bool,
}

impl LogWriter {
    pub(crate) fn start(
        store: Arc<dyn Store>,
        signing: Arc<SigningKey>,
        policy: CheckpointPolicy,
        timeout: Duration,
        export: Option<AnchorExport>,
        safeguards: Safeguards,
    ) -> Result<Self> {
        let mut head = Head::load(&*store)?;
        let last_checkpoint = match head.checkpoint_seq {
            0 => None,
            seq => Some(
                store
                    .get(Column::Log, &log_checkpoint_key(seq))?
                    .map(|bytes| Checkpoint::decode(&bytes))
                    .transpose()?
                    .ok_or_else(|| {
                        Error::corrupt("access log", "the head's last checkpoint is missing")
                    })?,
            ),
        };
        // The head is not signed: the checkpoint it names must be signed by this vault, sign
        // the entry it covers, and be the newest there is (a head pointed back at an older
        // checkpoint, whose generations an attacker restored, is refused).
        if let Some(checkpoint) = &last_checkpoint {
            if !checkpoint.verify(&signing.public_key()) {
                return Err(Error::corrupt(
                    "access log",
                    "the head's last checkpoint is not signed by this vault",
                ));
            }
            if let Some(entry) = store.get(Column::Log, &log_entry_key(checkpoint.seq))? {
                if entry_hash(&entry) != checkpoint.head {
                    return Err(Error::corrupt(
                        "access log",
                        "the head's last checkpoint does not sign its entry",
                    ));
                }
            }
        }
        let later = store.scan(
            Column::Log,
            &log_checkpoint_key(head.checkpoint_seq.saturating_add(1)),
            Some(&log_checkpoint_key(u64::MAX)),
            1,
        )?;
        if !later.is_empty() {
            return Err(Error::corrupt(
                "access log",
                "a checkpoint follows the head's last one (the head was moved back)",
            ));
        }
        if let Some(truncation) = crate::audit::truncation_records(&*store)?.last() {
            if !truncation.verify(&signing.public_key()) {
                return Err(Error::corrupt(
                    "access log",
                    "the newest truncation record is not signed by this vault",
                ));
            }
        }
        head.checkpoint_digest = Some(last_checkpoint.as_ref().map_or([0; 32], Checkpoint::digest));
        // The rule is fixed by the first version 2 checkpoint; until there is one (a new
        // vault, or one made before version 2), the next entry is checkpointed whatever the
        // rule says, so the chain of checkpoints starts with the rule in it.
        let fixed = last_checkpoint
            .as_ref()
            .and_then(|checkpoint| checkpoint.link)
            .map(|link| link.policy);
        let policy = fixed.unwrap_or(policy);
        if policy.every_entries == 0 || policy.every_entries > MAX_CHECKPOINT_INTERVAL {
            return Err(Error::corrupt(
                "access log",
                "its checkpoint interval is out of range",
            ));
        }
        // The head is written in the same batch as the entries it names: a head that does not
        // match the last entry means the log was cut or replaced on disk. Refused, rather than
        // carried on from (and signed over).
        if head.seq > 0 {
            let last = store
                .get(Column::Log, &log_entry_key(head.seq))?
                .ok_or_else(|| {
                    Error::corrupt(
                        "access log",
                        "the head's last entry is missing (the log was cut)",
                    )
                })?;
            if entry_hash(&last) != head.hash {
                return Err(Error::corrupt(
                    "access log",
                    "the head's last entry was altered or replaced",
                ));
            }
            head.last_time_ms =
                decode_entry(&last).map_or(head.checkpoint_time_ms, |entry| entry.time_ms);
        }
        let after = head
            .seq
            .checked_add(1)
            .ok_or_else(|| Error::corrupt("log head", "sequence number exhausted"))?;
        if store.get(Column::Log, &log_entry_key(after))?.is_some() {
            return Err(Error::corrupt(
                "access log",
                "entries follow the head (the head was moved back)",
            ));
        }
        // Signed state: items against their manifests, manifests against the last signed
        // checkpoint; then the whole directory against the key store's mark and the newest
        // exported anchor.
        let public_key = signing.public_key();
        let (signed, found) = SignedState::load(&*store, &public_key)?;
        let vector = last_checkpoint
            .as_ref()
            .map_or(&[][..], |checkpoint| checkpoint.state.as_slice());
        // A restore brings back an older directory with the current keys and holds (from the
        // key table): its signed state is republished with the restore's entry instead.
        if !safeguards.restoring {
            signed.check(&found, vector, head.checkpoint_seq, head.seq)?;
            if let Some(truncation) = crate::audit::truncation_records(&*store)?.pop() {
                signed.check_not_older_than(&truncation.state)?;
            }
        }
        let mark = safeguards
            .backend
            .high_water_mark()?
            .map(|bytes| Mark::decode(&bytes))
            .transpose()?;
        let anchors_superseded_through = if safeguards.restoring {
            let newest = match &export {
                Some(export) => crate::high_water::newest_anchor_seq(&export.dir)?,
                None => 0,
            };
            newest.max(mark.as_ref().map_or(0, |mark| mark.seq))
        } else {
            let superseded = mark
                .as_ref()
                .map_or(0, |mark| mark.anchors_superseded_through);
            if let Some(mark) = &mark {
                crate::high_water::check_mark(
                    &*store,
                    &head,
                    &signed.generations(),
                    mark,
                    &public_key,
                )?;
            }
            if let Some(export) = &export {
                crate::high_water::check_newest_anchor(
                    &*store,
                    &head,
                    &export.dir,
                    &public_key,
                    superseded,
                )?;
            }
            superseded
        };
        let state = WriterState {
            policy,
            checkpoint_next: fixed.is_none(),
            publish_next: safeguards.restoring || !SignedState::complete(&found),
            signed,
            backend: safeguards.backend,
            anchors_superseded_through,
            resync: false,
        };
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
            failures: AtomicU64::new(0),
            anchor_failures: AtomicU64::new(0),
            mark_failures: AtomicU64::new(0),
            landed_after_failure: AtomicU64::new(0),
            head: Mutex::new(head),
            generations: Mutex::new(state.signed.vector()),
            exited: Mutex::new(false),
            gone: Condvar::new(),
        });
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("recvault-log".into())
            .spawn(move || {
                let _exit = ExitSignal(&thread_shared);
                write_loop(&thread_shared, &*store, &signing, state, export.as_ref());
            })
            .map_err(|err| Error::io("starting the access log writer", err))?;
        Ok(LogWriter {
            shared,
            thread: Some(thread),
            timeout,
        })
    }

    /// Commits `draft` with the changes in `extra`, atomically and durably; returns the entry's
    /// sequence number. Waits at most the writer's timeout; on failure nothing of `extra` is
    /// stored and the error says why.
    pub(crate) fn commit(&self, draft: Draft, extra: WriteBatch) -> Result<u64> {
        self.submit(draft, extra)?.wait()
    }

    /// Queues `draft` with the changes in `extra` and returns at once; [`Ticket::wait`] waits
    /// for the outcome. Lets a caller prepare its next change while this one is synced.
    pub(crate) fn submit(&self, draft: Draft, extra: WriteBatch) -> Result<Ticket> {
        let reply = Arc::new(Reply::default());
        {
            let mut queue = self
                .shared
                .queue
                .lock()
                .map_err(|_| Error::LogUnavailable("writer lock poisoned".into()))?;
            if queue.shutdown {
                return Err(Error::LogUnavailable("the writer has stopped".into()));
            }
            if let Some(reason) = &queue.halted {
                return Err(Error::LogUnavailable(reason.clone()));
            }
            queue.requests.push(Request {
                draft,
                extra,
                reply: Arc::clone(&reply),
            });
        }
        self.shared.wake.notify_one();
        Ok(Ticket {
            reply,
            shared: Arc::clone(&self.shared),
            timeout: self.timeout,
        })
    }

    /// Stops taking requests, for good in this process: a key change's outcome stayed unknown,
    /// so the keys in memory may disagree with the disk. Requests still queued are refused;
    /// the next open reads the keys from disk.
    pub(crate) fn halt(&self, reason: &str) {
        let queued = match self.shared.queue.lock() {
            Ok(mut queue) => {
                queue.halted = Some(format!(
                    "the vault stopped accepting writes: {reason}; restart it to reconcile its keys from disk"
                ));
                std::mem::take(&mut queue.requests)
            }
            Err(_) => Vec::new(),
        };
        for request in queued {
            if let Ok(mut slot) = request.reply.slot.lock() {
                slot.outcome = Some(Err(Error::LogUnavailable(
                    "the vault stopped accepting writes".into(),
                )));
            }
            request.reply.ready.notify_all();
        }
    }

    /// How long a caller waits for its entry.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether the writer was halted ([`LogWriter::halt`]).
    pub(crate) fn halted(&self) -> bool {
        self.shared
            .queue
            .lock()
            .map_or(true, |queue| queue.halted.is_some())
    }

    /// Operations refused because the log could not be written, since the vault opened.
    pub(crate) fn failures(&self) -> u64 {
        self.shared.failures.load(Ordering::Relaxed)
    }

    /// Checkpoints whose high-water mark could not be stored with the keys (the mark then
    /// lags: an older copy of the directory back to the last stored mark is not refused).
    pub(crate) fn mark_failures(&self) -> u64 {
        self.shared.mark_failures.load(Ordering::Relaxed)
    }

    /// Checkpoints that could not be exported to the anchor directory (they are still in the
    /// store; `recvault audit anchor` can export them).
    pub(crate) fn anchor_failures(&self) -> u64 {
        self.shared.anchor_failures.load(Ordering::Relaxed)
    }

    /// The generation vector of the signed state as last made durable.
    pub(crate) fn generations(&self) -> Vec<u8> {
        self.shared
            .generations
            .lock()
            .map(|generations| generations.clone())
            .unwrap_or_default()
    }

    /// The current chain head (sequence number and hash of the last entry).
    pub(crate) fn head(&self) -> Head {
        self.shared
            .head
            .lock()
            .map(|head| *head)
            .unwrap_or_default()
    }
}

impl LogWriter {
    /// On a clean shutdown, an entry `log.close` with a checkpoint signed on it, so the
    /// unsigned tail is empty while the vault is stopped. It carries the last entry's time
    /// (the writer reads no clock). A failure is ignored: the tail is then checkpointed by the
    /// count rule later, and verification reports its length.
    fn checkpoint_on_close(&self) {
        let head = self.head();
        if head.seq == head.checkpoint_seq {
            return;
        }
        let mut draft = Draft::new(&Access::automatic(), "log.close", head.last_time_ms);
        draft.access.purpose = "log-integrity".into();
        draft.outcome = "checkpoint on shutdown".into();
        draft.force_checkpoint = true;
        let _ = self.commit(draft, WriteBatch::new());
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        self.checkpoint_on_close();
        if let Ok(mut queue) = self.shared.queue.lock() {
            queue.shutdown = true;
        }
        self.shared.wake.notify_all();
        // The thread finishes the write it is in, which a stalled disk may hold for ever: wait
        // for it at most the writer's timeout, then leave it (the write is in doubt, as after
        // a kill), so a shutdown never hangs on the disk.
        let exited = self.shared.exited.lock().ok().and_then(|exited| {
            self.shared
                .gone
                .wait_timeout_while(exited, self.timeout, |exited| !*exited)
                .ok()
                .map(|(exited, _)| *exited)
        });
        if let (Some(true), Some(thread)) = (exited, self.thread.take()) {
            let _ = thread.join();
        }
    }
}

/// What the writer thread keeps besides the head.
struct WriterState {
    policy: CheckpointPolicy,
    /// Checkpoint the next entry whatever the rule says (no version 2 checkpoint yet).
    checkpoint_next: bool,
    /// Publish every kind's manifest with the next entry (a kind has none yet).
    publish_next: bool,
    /// Every kind of signed state's items and generation.
    signed: SignedState,
    /// Where the high-water mark goes after each checkpoint.
    backend: Arc<dyn KeyBackend>,
    /// Carried into every mark (see `high_water::Mark`).
    anchors_superseded_through: u64,
    /// The last write failed: read the head from disk before the next one.
    resync: bool,
}

fn write_loop(
    shared: &Shared,
    store: &dyn Store,
    signing: &SigningKey,
    mut state: WriterState,
    export: Option<&AnchorExport>,
) {
    let policy = state.policy;
    loop {
        let requests = {
            let Ok(mut queue) = shared.queue.lock() else {
                return;
            };
            while queue.requests.is_empty() && !queue.shutdown {
                queue = match shared.wake.wait(queue) {
                    Ok(queue) => queue,
                    Err(_) => return,
                };
            }
            if queue.requests.is_empty() && queue.shutdown {
                return;
            }
            std::mem::take(&mut queue.requests)
        };
        let mut start = shared.head.lock().map(|head| *head).unwrap_or_default();
        if state.resync {
            // The last group's write failed. The engine may have kept it after all (a
            // write-ahead-log record that survives a reopen after a full disk): read the disk
            // before writing again, so memory follows it and no entry number is used twice.
            if store.recover().is_ok() {
                if let Ok(disk) = Head::load(store) {
                    if (disk.seq, disk.hash) != (start.seq, start.hash) {
                        if let Ok((signed, _)) = SignedState::load(store, &signing.public_key()) {
                            state.signed = signed;
                        }
                        start = Head {
                            last_time_ms: start.last_time_ms,
                            ..disk
                        };
                        if let Ok(mut current) = shared.head.lock() {
                            *current = start;
                        }
                        shared.landed_after_failure.fetch_add(1, Ordering::Relaxed);
                    }
                    state.resync = false;
                }
            }
        }
        let mut head = start;
        let mut checkpoint_next = state.checkpoint_next;
        let mut publish_next = state.publish_next;
        // The signed state before this group, restored if the group is not written.
        let mut signed_before: Option<SignedState> = None;
        let mut state_failure = None;
        let mut batch = WriteBatch::new();
        let mut replies = Vec::with_capacity(requests.len());
        let mut signed = Vec::new();
        let mut overflow = false;
        for request in requests {
            // A request its caller withdrew is never written; the others are now in the
            // write, so their callers can only learn they are in doubt.
            match request.reply.slot.lock() {
                Ok(mut slot) if !slot.cancelled => slot.taken = true,
                _ => continue,
            }
            let Some(seq) = head.seq.checked_add(1) else {
                overflow = true;
                replies.push((0, request.reply));
                continue;
            };
            head.seq = seq;
            // A change to signed state moves its kind's generation and manifest in this
            // batch, and is always checkpointed, so the signed chain carries every generation.
            let publish = publish_next || request.draft.publish_manifests;
            let mut manifests = WriteBatch::new();
            let state_change = publish || SignedState::touches(&request.extra);
            if state_change {
                if signed_before.is_none() {
                    signed_before = Some(state.signed.clone());
                }
                if let Err(err) =
                    state
                        .signed
                        .apply(&request.extra, publish, head.seq, signing, &mut manifests)
                {
                    state_failure = Some(err);
                }
                publish_next = false;
            }
            let due = checkpoint_next
                || state_change
                || request.draft.force_checkpoint
                || head.seq.saturating_sub(head.checkpoint_seq) >= policy.every_entries
                || request
                    .draft
                    .time_ms
                    .saturating_sub(head.checkpoint_time_ms)
                    >= policy.every_ms;
            let bytes = encode_entry(head.seq, &request.draft, due, &head.hash);
            head.hash = entry_hash(&bytes);
            head.last_time_ms = head.last_time_ms.max(request.draft.time_ms);
            batch.put(Column::Log, log_entry_key(head.seq), bytes);
            batch.append(request.extra);
            batch.append(manifests);
            if due {
                let link = CheckpointLink {
                    policy,
                    prev_seq: head.checkpoint_seq,
                    prev_digest: head.checkpoint_digest.unwrap_or_default(),
                };
                let checkpoint = Checkpoint::sign(
                    signing,
                    head.seq,
                    head.hash,
                    request.draft.time_ms,
                    link,
                    state.signed.vector(),
                );
                batch.put(
                    Column::Log,
                    log_checkpoint_key(head.seq),
                    checkpoint.encode(),
                );
                head.checkpoint_seq = head.seq;
                head.checkpoint_time_ms = request.draft.time_ms;
                head.checkpoint_digest = Some(checkpoint.digest());
                signed.push(checkpoint);
                checkpoint_next = false;
            }
            replies.push((head.seq, request.reply));
        }
        batch.put(Column::Meta, META_LOG_HEAD, head.encode());
        let outcome = if overflow {
            Err(Error::corrupt(
                "access log",
                "the sequence number is exhausted",
            ))
        } else if let Some(err) = state_failure {
            Err(err)
        } else {
            store.write(batch, Durability::Synced)
        };
        if outcome.is_err() {
            if let Some(before) = signed_before {
                state.signed = before;
            }
            state.resync = true;
        }
        if outcome.is_ok() {
            if let Ok(mut current) = shared.head.lock() {
                *current = head;
            }
            state.checkpoint_next = checkpoint_next;
            state.publish_next = publish_next;
            if let Ok(mut generations) = shared.generations.lock() {
                *generations = state.signed.vector();
            }
            // The mark follows the disk, never leads it: written once the batch is durable.
            if let Some(last) = signed.last() {
                let mark = Mark {
                    seq: last.seq,
                    hash: last.head,
                    generations: state.signed.generations(),
                    anchors_superseded_through: state.anchors_superseded_through,
                };
                if state.backend.set_high_water_mark(&mark.encode()).is_err() {
                    shared.mark_failures.fetch_add(1, Ordering::Relaxed);
                }
            }
            if let Some(export) = export {
                for checkpoint in &signed {
                    if export_anchor(export, checkpoint).is_err() {
                        shared.anchor_failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        } else {
            shared
                .failures
                .fetch_add(replies.len() as u64, Ordering::Relaxed);
        }
        for (seq, reply) in replies {
            let result = match &outcome {
                Ok(()) => Ok(seq),
                Err(err) => Err(Error::LogUnavailable(err.to_string())),
            };
            if let Ok(mut slot) = reply.slot.lock() {
                slot.outcome = Some(result);
            }
            reply.ready.notify_all();
        }
    }
}

/// Writes a checkpoint as an anchor file into the export directory (which should be on
/// another disk or host): `checkpoint-<seq>.txt`, written whole then renamed into place.
fn export_anchor(export: &AnchorExport, checkpoint: &Checkpoint) -> std::io::Result<()> {
    std::fs::create_dir_all(&export.dir)?;
    let name = format!("checkpoint-{:020}.txt", checkpoint.seq);
    let temporary = export.dir.join(format!(".{name}.tmp"));
    std::fs::write(
        &temporary,
        crate::audit::anchor_text(checkpoint, &export.public_key),
    )?;
    std::fs::File::open(&temporary)?.sync_all()?;
    std::fs::rename(&temporary, export.dir.join(name))
}
