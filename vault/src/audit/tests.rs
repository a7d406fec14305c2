//! Access-log tests: the chain and its checkpoints, verification against every kind of
//! tampering (each found, with the first bad entry named), failures that refuse operations and
//! recover, and audit search.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;

use super::*;
use crate::crypto::{KeyMaterial, SigningKey};
use crate::key_backend::{KeyBackend, MemKeyBackend};
use crate::keyspace::{log_checkpoint_key, log_entry_key, LOG_ENTRY_KEYS, META_LOG_BASE};
use crate::log::{encode_entry, CheckpointPolicy, Decision};
use crate::store::{Durability, MemStore, Store};
use crate::testing::FaultyStore;
use crate::{SearchKey, VaultOptions};
use model::{Identifier, IdentifierKind, RecordContents, Subject, SystemId};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn analyst() -> Access {
    Access {
        principal: "analyst-7".into(),
        organization: "treasury-fincen".into(),
        role: "analyst".into(),
        purpose: "investigation".into(),
        case_id: "CASE-2026-0042".into(),
        rule: "p, analyst, fincen-cbetf, read, investigation".into(),
        client: "10.0.0.7".into(),
        request_id: "req-1".into(),
    }
}

fn record(name: &str) -> RecordContents {
    RecordContents {
        system: SystemId::new("fincen-cbetf").unwrap(),
        category: "transmittal".into(),
        collected_at: Utc.with_ymd_and_hms(2026, 1, 15, 0, 0, 0).unwrap(),
        source: BTreeMap::from([("report_id".into(), "R-1".into())]),
        subjects: vec![Subject {
            role: "transmittor".into(),
            name: Some(name.into()),
            identifiers: vec![Identifier::new(IdentifierKind::Ssn, "123-45-6789")],
        }],
        fields: BTreeMap::new(),
    }
}

/// Faults injected into the writes that carry access-log entries: failed, stalled, counted.
#[derive(Debug, Default)]
struct LogFaults {
    fail_log_writes: AtomicBool,
    stall_ms: AtomicU64,
    log_writes: AtomicU64,
}

impl LogFaults {
    fn before_write(&self, batch: &crate::store::WriteBatch) -> Result<()> {
        if crate::testing::carries_log_entry(batch) {
            self.log_writes.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(self.stall_ms.load(Ordering::SeqCst)));
            if self.fail_log_writes.load(Ordering::SeqCst) {
                return Err(crate::testing::injected_failure("no space left on device"));
            }
        }
        Ok(())
    }
}

struct Fixture {
    vault: Vault,
    store: Arc<FaultyStore>,
    faults: Arc<LogFaults>,
    public_key: [u8; 32],
}

fn fixture(every_entries: u64) -> Fixture {
    let faults = Arc::new(LogFaults::default());
    let store = Arc::new(FaultyStore::new(Arc::new(MemStore::new()), {
        let faults = Arc::clone(&faults);
        move |batch| faults.before_write(batch)
    }));
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    drop(Vault::create_with(store.clone(), Arc::clone(&backend)).unwrap());
    let options = VaultOptions {
        log_timeout: Duration::from_millis(300),
        checkpoints: CheckpointPolicy {
            every_entries,
            every_ms: i64::MAX,
        },
        ..VaultOptions::default()
    };
    let vault = Vault::open_with_options(store.clone(), backend, options).unwrap();
    let public_key = vault.log_public_key().unwrap();
    Fixture {
        vault,
        store,
        faults,
        public_key,
    }
}

/// A vault with a dozen logged operations: ingest, reads, lookups, a denial.
fn busy(every_entries: u64) -> (Fixture, Vec<RecordId>) {
    let fixture = fixture(every_entries);
    let vault = &fixture.vault;
    let ids = vault
        .ingest(&analyst(), &[record("A"), record("B")], now())
        .unwrap();
    for _ in 0..3 {
        vault.read(&analyst(), &ids[0], now()).unwrap();
    }
    vault.read(&analyst(), &ids[1], now()).unwrap();
    let ssn = SearchKey::Identifier(Identifier::new(IdentifierKind::Ssn, "123456789"));
    vault
        .lookup(
            &analyst(),
            &SystemId::new("fincen-cbetf").unwrap(),
            &ssn,
            now(),
        )
        .unwrap();
    vault
        .record_denial(
            &analyst(),
            "read",
            "cbp-pnr",
            "role may not read this system",
            now(),
        )
        .unwrap();
    for _ in 0..4 {
        vault.read(&analyst(), &ids[1], now()).unwrap();
    }
    (fixture, ids)
}

/// A copy of the store's current contents, to tamper with.
fn copy_of(store: &dyn Store) -> MemStore {
    MemStore::copy_of(store).unwrap()
}

fn entry_at(store: &dyn Store, seq: u64) -> LogEntry {
    decode_entry(
        &store
            .get(Column::Log, &log_entry_key(seq))
            .unwrap()
            .unwrap(),
    )
    .unwrap()
}

fn put(store: &dyn Store, key: Vec<u8>, value: Vec<u8>) {
    let mut batch = WriteBatch::new();
    batch.put(Column::Log, key, value);
    store.write(batch, Durability::Synced).unwrap();
}

fn last_seq(store: &dyn Store) -> u64 {
    store
        .count(Column::Log, LOG_ENTRY_KEYS.0, Some(LOG_ENTRY_KEYS.1))
        .unwrap()
}

#[test]
fn every_operation_is_an_entry_in_an_intact_signed_chain() {
    let (fixture, ids) = busy(5);
    let store = &*fixture.store;
    // The key creations of the ingest (record cohort and two index periods), the ingest, four
    // reads, a lookup, a denial, four reads.
    let entries: Vec<LogEntry> = (1..=last_seq(store))
        .map(|seq| entry_at(store, seq))
        .collect();
    let actions: Vec<&str> = entries.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "key.create",
            "key.create",
            "key.create",
            "ingest",
            "read",
            "read",
            "read",
            "read",
            "lookup",
            "read",
            "read",
            "read",
            "read",
            "read"
        ]
    );
    let ingest = &entries[3];
    assert_eq!(ingest.record_ids, ids);
    assert_eq!(
        (
            ingest.access.principal.as_str(),
            ingest.access.case_id.as_str()
        ),
        ("analyst-7", "CASE-2026-0042")
    );
    let lookup = &entries[8];
    assert_eq!(lookup.tokens.len(), 1, "one live index period probed");
    assert_eq!(lookup.outcome, "2 records found");
    let denial = &entries[9];
    assert_eq!(
        (denial.decision, denial.system.as_str()),
        (Decision::Deny, "cbp-pnr")
    );
    // No personal data in the clear anywhere in the log column.
    for (_, value) in store.scan(Column::Log, b"", None, usize::MAX).unwrap() {
        for needle in [&b"123456789"[..], b"123-45-6789"] {
            assert!(!value.windows(needle.len()).any(|window| window == needle));
        }
    }
    let report = verify_log(store, &fixture.public_key, None).unwrap();
    assert_eq!(report.problem, None);
    // The first entry carries the first checkpoint, then every 5 entries: 1, 6 and 11.
    assert_eq!(
        (report.entries, report.checkpoints, report.signed_through),
        (14, 3, 11)
    );
    assert_eq!(report.unsigned_tail, 3);
    let flagged: Vec<u64> = entries
        .iter()
        .filter(|entry| entry.checkpointed)
        .map(|entry| entry.seq)
        .collect();
    assert_eq!(flagged, [1, 6, 11]);
}

/// Each tamper on a copy of the log is found, and the first bad entry is named.
#[test]
fn tampering_is_found_and_the_first_bad_entry_named() {
    let (fixture, _) = busy(5);
    let pinned = fixture.public_key;
    type Tamper = fn(&dyn Store);
    let cases: Vec<(&str, Tamper, u64, &str)> = vec![
        (
            "edit",
            |store| {
                let mut entry = entry_at(store, 7);
                entry.access.principal = "someone-else".into();
                put(
                    store,
                    log_entry_key(7),
                    encode_entry(7, &(&entry).into(), entry.checkpointed, &entry.prev_hash),
                );
            },
            7,
            "entry 7 does not match the hash that entry 8 holds for it",
        ),
        (
            "edit a checkpointed entry",
            |store| {
                let mut entry = entry_at(store, 11);
                entry.outcome = "nothing happened".into();
                put(
                    store,
                    log_entry_key(11),
                    encode_entry(11, &(&entry).into(), entry.checkpointed, &entry.prev_hash),
                );
            },
            11,
            "entry 11 does not match its signed checkpoint",
        ),
        (
            "delete",
            |store| {
                let mut batch = WriteBatch::new();
                batch.delete(Column::Log, log_entry_key(6));
                store.write(batch, Durability::Synced).unwrap();
            },
            6,
            "entry 6 is missing (deleted)",
        ),
        (
            "insert",
            |store| {
                // A forged entry 6, correctly linked to entry 5; the old 6 onwards renumbered.
                let last = last_seq(store);
                for seq in (6..=last).rev() {
                    let mut entry = entry_at(store, seq);
                    entry.seq = seq + 1;
                    put(
                        store,
                        log_entry_key(seq + 1),
                        encode_entry(
                            seq + 1,
                            &(&entry).into(),
                            entry.checkpointed,
                            &entry.prev_hash,
                        ),
                    );
                }
                let forged = entry_at(store, 5);
                let prev = entry_hash(&store.get(Column::Log, &log_entry_key(5)).unwrap().unwrap());
                put(
                    store,
                    log_entry_key(6),
                    encode_entry(6, &(&forged).into(), false, &prev),
                );
            },
            6,
            "entry 6 has a checkpoint it does not declare (inserted)",
        ),
        (
            "reorder",
            |store| {
                let (six, seven) = (
                    store.get(Column::Log, &log_entry_key(6)).unwrap().unwrap(),
                    store.get(Column::Log, &log_entry_key(7)).unwrap().unwrap(),
                );
                put(store, log_entry_key(6), seven);
                put(store, log_entry_key(7), six);
            },
            6,
            "entry 6 holds the entry numbered 7 (reordered or moved)",
        ),
        (
            "re-signed with another key",
            |store| {
                let forger = SigningKey::from_seed(&KeyMaterial::generate().unwrap()).unwrap();
                let stored = store
                    .get(Column::Log, &log_checkpoint_key(6))
                    .unwrap()
                    .unwrap();
                let stored = Checkpoint::decode(&stored).unwrap();
                let forged = Checkpoint::sign(
                    &forger,
                    6,
                    stored.head,
                    stored.time_ms,
                    stored.link.unwrap(),
                    stored.state.clone(),
                );
                put(store, log_checkpoint_key(6), forged.encode());
            },
            6,
            "the checkpoint at entry 6 is not signed by the pinned key",
        ),
        (
            "truncated after a checkpoint",
            |store| {
                let mut batch = WriteBatch::new();
                batch.delete_range(Column::Log, log_entry_key(8), log_entry_key(u64::MAX));
                store.write(batch, Durability::Synced).unwrap();
            },
            8,
            "a checkpoint covers entry 11, but the log ends at entry 7 (truncated)",
        ),
    ];
    for (name, tamper, seq, reason) in cases {
        let copy = copy_of(&*fixture.store);
        tamper(&copy);
        let report = verify_log(&copy, &pinned, None).unwrap();
        let problem = report
            .problem
            .unwrap_or_else(|| panic!("{name}: not found"));
        assert_eq!(problem.seq, seq, "{name}: {}", problem.reason);
        assert!(
            problem.reason.starts_with(reason),
            "{name}: {}",
            problem.reason
        );
    }
    // The untouched log still verifies: each finding above is its tamper's.
    assert_eq!(
        verify_log(&*fixture.store, &pinned, None).unwrap().problem,
        None
    );
    // A verifier pinning another key rejects the first checkpoint.
    let stranger = SigningKey::from_seed(&KeyMaterial::generate().unwrap())
        .unwrap()
        .public_key();
    let problem = verify_log(&*fixture.store, &stranger, None)
        .unwrap()
        .problem
        .unwrap();
    assert_eq!(problem.seq, 1);
}

/// What is not detected without an anchor, stated as a test: the entries after the last
/// signed checkpoint can be rewritten or cut off consistently. An anchor taken later finds it.
#[test]
fn the_unsigned_tail_needs_an_anchor() {
    let (fixture, _) = busy(5);
    let pinned = fixture.public_key;
    let cut = copy_of(&*fixture.store);
    let mut batch = WriteBatch::new();
    batch.delete_range(Column::Log, log_entry_key(12), log_entry_key(u64::MAX));
    cut.write(batch, Durability::Synced).unwrap();
    assert_eq!(
        verify_log(&cut, &pinned, None).unwrap().problem,
        None,
        "undetectable without an anchor"
    );

    let (anchor, public_key) = fixture.vault.anchor(&analyst(), now()).unwrap();
    assert_eq!((anchor.seq, public_key), (15, pinned));
    let text = anchor_text(&anchor, &public_key);
    assert_eq!(parse_anchor(&text).unwrap(), anchor);
    let problem = verify_log(&cut, &pinned, Some(&anchor))
        .unwrap()
        .problem
        .unwrap();
    assert_eq!(problem.seq, 12);
    assert!(
        problem
            .reason
            .contains("the anchor covers entry 15 (truncated or rolled back)"),
        "{}",
        problem.reason
    );
    assert_eq!(
        verify_log(&*fixture.store, &pinned, Some(&anchor))
            .unwrap()
            .problem,
        None
    );
    // A forged anchor is refused.
    let mut forged = anchor.clone();
    forged.head[0] ^= 1;
    assert!(verify_log(&*fixture.store, &pinned, Some(&forged))
        .unwrap()
        .problem
        .is_some());
}

#[test]
fn a_log_that_cannot_be_written_refuses_reads_and_recovers() {
    let (fixture, ids) = busy(5);
    let Fixture {
        vault,
        store,
        faults,
        ..
    } = fixture;
    faults.fail_log_writes.store(true, Ordering::SeqCst);
    let refused = vault.read(&analyst(), &ids[0], now());
    assert!(
        matches!(refused, Err(Error::LogUnavailable(_))),
        "{refused:?}"
    );
    let refused_ingest = vault.ingest(&analyst(), &[record("C")], now());
    assert!(
        matches!(refused_ingest, Err(Error::LogUnavailable(_))),
        "{refused_ingest:?}"
    );
    assert_eq!(
        vault.verify_unlogged().unwrap().records,
        2,
        "the refused ingest stored nothing"
    );
    assert_eq!(vault.status().unwrap().log_failures, 2);

    // A log that stalls beyond the bound answers instead of hanging: the read is refused, and
    // since its entry was handed to the store, the caller is told it is in doubt.
    faults.fail_log_writes.store(false, Ordering::SeqCst);
    faults.stall_ms.store(1_000, Ordering::SeqCst);
    let started = std::time::Instant::now();
    let stalled = vault.read(&analyst(), &ids[0], now());
    assert!(
        matches!(stalled, Err(Error::LogInDoubt(ref reason)) if reason.contains("within 300 ms")),
        "{stalled:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(900));

    // Once the log can be written again, service resumes without a restart.
    faults.stall_ms.store(0, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(800)); // let the stalled write finish
    assert_eq!(
        vault
            .read(&analyst(), &ids[0], now())
            .unwrap()
            .contents
            .subjects[0]
            .name
            .as_deref(),
        Some("A")
    );
    let report = verify_log(&*store, &vault.log_public_key().unwrap(), None).unwrap();
    assert_eq!(
        report.problem, None,
        "failed writes left no gap in the chain"
    );
}

#[test]
fn audit_search_returns_exactly_the_accesses_made() {
    let (fixture, ids) = busy(5);
    let vault = &fixture.vault;
    let auditor = Access::offline("auditor-1", "audit");
    let for_record = |id: &RecordId| {
        let query = LogQuery {
            record: Some(*id),
            ..LogQuery::default()
        };
        vault
            .audit_search(&auditor, &query, now())
            .unwrap()
            .iter()
            .map(|entry| entry.action.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(for_record(&ids[0]), ["ingest", "read", "read", "read"]);
    assert_eq!(
        for_record(&ids[1]),
        ["ingest", "read", "read", "read", "read", "read"]
    );
    let searches = LogQuery {
        action: Some("audit.search".into()),
        principal: Some("auditor-1".into()),
        ..LogQuery::default()
    };
    assert_eq!(
        vault
            .audit_search(&auditor, &searches, now())
            .unwrap()
            .len(),
        2,
        "searches are logged"
    );
    let denials = LogQuery {
        principal: Some("analyst-7".into()),
        from_ms: Some(now().timestamp_millis()),
        to_ms: Some(now().timestamp_millis() + 1),
        ..LogQuery::default()
    };
    let found = vault.audit_search(&auditor, &denials, now()).unwrap();
    assert_eq!(
        found
            .iter()
            .filter(|entry| entry.decision == Decision::Deny)
            .count(),
        1
    );
}

#[test]
fn truncation_only_at_a_checkpoint_past_retention_and_the_rest_still_verifies() {
    let (fixture, _) = busy(5);
    let vault = &fixture.vault;
    let auditor = Access::offline("auditor-1", "audit");
    let much_later = now() + chrono::Duration::days(i64::from(DEFAULT_LOG_RETENTION_DAYS) + 1);
    let refused = vault
        .truncate_log(&auditor, 7, much_later)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("entry 7 has no signed checkpoint"),
        "{refused}"
    );
    let too_young = vault
        .truncate_log(&auditor, 11, now())
        .unwrap_err()
        .to_string();
    assert!(
        too_young.contains("younger than the log's retention period of 5475 days"),
        "{too_young}"
    );
    vault.set_log_retention_days(&auditor, 30, now()).unwrap();
    let later = now() + chrono::Duration::days(31);
    assert_eq!(vault.truncate_log(&auditor, 11, later).unwrap(), 10);
    let report = verify_log(&*fixture.store, &fixture.public_key, None).unwrap();
    assert_eq!(report.problem, None);
    assert_eq!(
        (report.entries, report.base, report.truncations),
        (6, 11, 1),
        "entries 11 to 16 remain"
    );
    // Moving the start elsewhere without a checkpoint there is found.
    let copy = copy_of(&*fixture.store);
    let mut batch = WriteBatch::new();
    batch.put(Column::Meta, META_LOG_BASE, 12u64.to_be_bytes());
    batch.delete_range(Column::Log, log_entry_key(0), log_entry_key(12));
    copy.write(batch, Durability::Synced).unwrap();
    let problem = verify_log(&copy, &fixture.public_key, None)
        .unwrap()
        .problem
        .unwrap();
    assert_eq!(problem.seq, 11, "{}", problem.reason);
}

/// Concurrent readers share syncs: with a slow disk (2 ms a write), 8 readers making 25 reads
/// each need far fewer synced writes than entries, and every entry is in the chain.
#[test]
fn group_commit_shares_one_sync_among_concurrent_reads() {
    let (fixture, ids) = busy(1000);
    let Fixture {
        vault,
        store,
        faults,
        public_key,
    } = fixture;
    faults.stall_ms.store(2, Ordering::SeqCst);
    let before = faults.log_writes.load(Ordering::SeqCst);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..25 {
                    vault.read(&analyst(), &ids[0], now()).unwrap();
                }
            });
        }
    });
    let writes = faults.log_writes.load(Ordering::SeqCst) - before;
    assert!(writes < 100, "200 reads took {writes} synced writes");
    let report = verify_log(&*store, &public_key, None).unwrap();
    assert_eq!((report.problem, report.entries), (None, 14 + 200));
}

mod attacks;

mod random_edits;
