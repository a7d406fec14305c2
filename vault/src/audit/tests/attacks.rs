//! Attacks on the access log by someone who can write the data directory but holds no key
//! (threat (a) of docs/threat-model.md): each rewrites the store as the attacker would, and
//! verification must fail naming the entry, with and without the auditor's latest anchor. The
//! table in docs/access-log.md says the same.

use super::*;
use crate::keyspace::{log_checkpoint_key, log_entry_key, LOG_ENTRY_KEYS, META_LOG_BASE};

/// The raw bytes of entry `seq`.
fn raw(store: &dyn Store, seq: u64) -> Vec<u8> {
    store
        .get(Column::Log, &log_entry_key(seq))
        .unwrap()
        .unwrap()
}

/// The last entry's sequence number, whatever the first.
fn last_entry(store: &dyn Store) -> u64 {
    let entries = store
        .scan(
            Column::Log,
            LOG_ENTRY_KEYS.0,
            Some(LOG_ENTRY_KEYS.1),
            usize::MAX,
        )
        .unwrap();
    let (key, _) = entries.last().unwrap();
    u64::from_be_bytes(key[1..9].try_into().unwrap())
}

/// What an attacker without the signing key can do to entries `from` onwards: delete every
/// checkpoint from there, apply `edit` to each entry, clear its checkpoint flag (no signature
/// could back it) and link it to the one before, so the hash chain is whole again.
fn rechain(store: &dyn Store, from: u64, edit: impl Fn(&mut LogEntry)) {
    let last = last_entry(store);
    let mut prev = if from == 1 {
        [0; 32]
    } else {
        entry_hash(&raw(store, from - 1))
    };
    let mut batch = WriteBatch::new();
    batch.delete_range(
        Column::Log,
        log_checkpoint_key(from),
        log_checkpoint_key(u64::MAX),
    );
    for seq in from..=last {
        let mut entry = entry_at(store, seq);
        edit(&mut entry);
        let bytes = encode_entry(seq, &(&entry).into(), false, &prev);
        prev = entry_hash(&bytes);
        batch.put(Column::Log, log_entry_key(seq), bytes);
    }
    store.write(batch, Durability::Synced).unwrap();
}

/// The whole log rewritten in layout 1 (no checkpoint flags), re-chained from entry 1, every
/// checkpoint deleted: what an attacker would do to escape the rules of layout 2.
fn rewrite_in_layout_1(store: &dyn Store) {
    let last = last_entry(store);
    let mut prev = [0u8; 32];
    let mut batch = WriteBatch::new();
    batch.delete_range(
        Column::Log,
        log_checkpoint_key(0),
        log_checkpoint_key(u64::MAX),
    );
    for seq in 1..=last {
        let v2 = raw(store, seq);
        // Version, sequence and time (17 bytes), the flag byte dropped, the rest less the link.
        let mut v1 = vec![1u8];
        v1.extend_from_slice(&v2[1..17]);
        v1.extend_from_slice(&v2[18..v2.len() - 32]);
        v1.extend_from_slice(&prev);
        prev = entry_hash(&v1);
        batch.put(Column::Log, log_entry_key(seq), v1);
    }
    store.write(batch, Durability::Synced).unwrap();
}

fn delete(store: &dyn Store, from: Vec<u8>, to: Vec<u8>) {
    let mut batch = WriteBatch::new();
    batch.delete_range(Column::Log, from, to);
    store.write(batch, Durability::Synced).unwrap();
}

fn hide_reads_of_entry(seq: u64) -> impl Fn(&mut LogEntry) {
    move |entry| {
        if entry.seq == seq {
            entry.access.principal = "someone-else".into();
        }
    }
}

/// A vault whose log has checkpoints at entries 1, 6 and 11 (every 5 entries), an anchor the
/// auditor holds at entry 15, and two entries after it.
fn anchored() -> (Fixture, Checkpoint) {
    let (fixture, ids) = busy(5);
    let (anchor, _) = fixture.vault.anchor(&analyst(), now()).unwrap();
    assert_eq!(anchor.seq, 15);
    for _ in 0..2 {
        fixture.vault.read(&analyst(), &ids[0], now()).unwrap();
    }
    (fixture, anchor)
}

#[test]
fn every_attack_on_the_signed_log_is_found_with_and_without_the_anchor() {
    let (fixture, anchor) = anchored();
    let pinned = fixture.public_key;
    let signing = fixture.vault.signing_key().unwrap();
    type Tamper = Box<dyn Fn(&dyn Store)>;
    let cases: Vec<(&str, Tamper, u64, &str)> =
        vec![
        (
            // The review's finding 1, which version 1 verified ("verifies", exit 0).
            "every checkpoint deleted, an entry edited and the log re-chained after it",
            Box::new(|store| rechain(store, 1, hide_reads_of_entry(3))),
            1,
            "entry 1 starts the checkpointed log but carries no checkpoint",
        ),
        (
            "checkpoints deleted from entry 7 and the log re-chained after an edit at entry 8",
            Box::new(|store| rechain(store, 7, hide_reads_of_entry(8))),
            11,
            "entry 11 should carry a signed checkpoint (5 entries since the one at entry 6)",
        ),
        (
            // The reviewer's downgrade: layout 1 has no flags and no count rule to break.
            "the whole log rewritten in layout 1, every checkpoint deleted",
            Box::new(rewrite_in_layout_1),
            1,
            "the log has no entry in layout 2",
        ),
        (
            "every entry and checkpoint deleted",
            Box::new(|store| {
                delete(store, log_entry_key(0), log_entry_key(u64::MAX));
                delete(store, log_checkpoint_key(0), log_checkpoint_key(u64::MAX));
            }),
            1,
            "the vault's log is empty (deleted)",
        ),
        (
            "one middle checkpoint deleted",
            Box::new(|store| delete(store, log_checkpoint_key(6), log_checkpoint_key(7))),
            6,
            "the checkpoint at entry 6 is missing (deleted): the checkpoint at entry 11 names it",
        ),
        (
            "the anchor's checkpoint deleted",
            Box::new(|store| delete(store, log_checkpoint_key(15), log_checkpoint_key(16))),
            15,
            "entry 15 was checkpointed but its signed checkpoint is missing (deleted)",
        ),
        (
            // The review's finding 2, which version 1 verified even with the newest anchor.
            "the front deleted up to the newest checkpoint and the base moved there",
            Box::new(|store| {
                delete(store, log_entry_key(0), log_entry_key(15));
                delete(store, log_checkpoint_key(0), log_checkpoint_key(15));
                let mut batch = WriteBatch::new();
                batch.put(Column::Meta, META_LOG_BASE, 15u64.to_be_bytes());
                store.write(batch, Durability::Synced).unwrap();
            }),
            1,
            "entries 1 to 14 are missing and no signed truncation record removed them",
        ),
        (
            "the front deleted, checkpoints kept",
            Box::new(|store| delete(store, log_entry_key(0), log_entry_key(6))),
            1,
            "entries 1 to 5 are missing and no signed truncation record removed them",
        ),
        (
            // Only someone holding the signing key (or a faulty build) could sign this record:
            // the verifier still refuses a truncation of entries younger than the retention.
            "a truncation record with a too-recent range",
            Box::new(move |store| {
                let record = TruncationRecord {
                    base: 6,
                    removed_from: 1,
                    last_removed_hash: entry_hash(&raw(store, 5)),
                    newest_removed_ms: now().timestamp_millis(),
                    time_ms: now().timestamp_millis(),
                    retention_days: DEFAULT_LOG_RETENTION_DAYS,
                    prev_base: 0,
                    state: Vec::new(),
                    signature: [0; 64],
                }
                .sign(&signing);
                put(store, crate::keyspace::log_truncation_key(6), record.encode());
                delete(store, log_entry_key(0), log_entry_key(6));
            }),
            5,
            "the truncation at entry 6 removed entries 1 to 5, some younger than the 5475-day \
             retention then in force",
        ),
        (
            "a truncation record forged with another key",
            Box::new(|store| {
                let forger = SigningKey::from_seed(&KeyMaterial::generate().unwrap()).unwrap();
                let record = TruncationRecord {
                    base: 6,
                    removed_from: 1,
                    last_removed_hash: entry_hash(&raw(store, 5)),
                    newest_removed_ms: i64::MIN,
                    time_ms: now().timestamp_millis(),
                    retention_days: 1,
                    prev_base: 0,
                    state: Vec::new(),
                    signature: [0; 64],
                }
                .sign(&forger);
                put(store, crate::keyspace::log_truncation_key(6), record.encode());
                delete(store, log_entry_key(0), log_entry_key(6));
            }),
            1,
            "entries 1 to 5 are missing and no signed truncation record removed them",
        ),
        (
            "a checkpoint replaced by an older layout's",
            Box::new(|store| {
                let mut old = Checkpoint::decode(
                    &store.get(Column::Log, &log_checkpoint_key(11)).unwrap().unwrap(),
                )
                .unwrap();
                old.link = None;
                put(store, log_checkpoint_key(11), old.encode());
            }),
            11,
            "the checkpoint at entry 11 is not signed by the pinned key",
        ),
    ];
    for (name, tamper, seq, reason) in &cases {
        for with_anchor in [None, Some(&anchor)] {
            // Rewritten in layout 1, the log's entry 15 no longer has the anchored hash: with
            // the anchor that is found first.
            let (seq, reason) = match (with_anchor, name.contains("layout 1")) {
                (Some(_), true) => (&15, &"entry 15 does not match the anchored checkpoint"),
                _ => (seq, reason),
            };
            let copy = copy_of(&*fixture.store);
            tamper(&copy);
            let report = verify_log(&copy, &pinned, with_anchor).unwrap();
            let problem = report
                .problem
                .unwrap_or_else(|| panic!("{name} (anchor: {}): not found", with_anchor.is_some()));
            assert_eq!(
                (
                    problem.seq,
                    &problem.reason[..reason.len().min(problem.reason.len())]
                ),
                (*seq, *reason),
                "{name} (anchor: {}): {}",
                with_anchor.is_some(),
                problem.reason
            );
        }
    }
    let report = verify_log(&*fixture.store, &pinned, Some(&anchor)).unwrap();
    assert_eq!(report.problem, None, "the untouched log verifies");
    assert_eq!(
        report.extension.as_deref(),
        Some(
            "the anchored entry 15 is in the log with the anchored hash; the hash chain links it \
             to the last entry, 17, through 2 entries and 0 signed checkpoints"
        )
    );
}

/// The one change that is not found without a later anchor, stated as a test: entries after
/// the last signed checkpoint (at most the rule's count, fewer on a clean shutdown) cut off.
#[test]
fn the_unsigned_tail_is_bounded_and_reported() {
    let (fixture, anchor) = anchored();
    let report = verify_log(&*fixture.store, &fixture.public_key, None).unwrap();
    assert_eq!((report.unsigned_tail, report.signed_through), (2, 15));
    let copy = copy_of(&*fixture.store);
    delete(&copy, log_entry_key(16), log_entry_key(u64::MAX));
    assert_eq!(
        verify_log(&copy, &fixture.public_key, Some(&anchor))
            .unwrap()
            .problem,
        None,
        "a cut of the unsigned tail after the newest anchor is not detectable"
    );
    // A tail longer than the rule allows cannot be made: the count rule puts a checkpoint
    // every 5 entries, and the verifier requires it.
    for _ in 0..7 {
        fixture
            .vault
            .record_denial(&analyst(), "read", "cbp-pnr", "no rule", now())
            .unwrap();
    }
    let report = verify_log(&*fixture.store, &fixture.public_key, None).unwrap();
    assert_eq!(report.problem, None);
    assert!(report.unsigned_tail < 5, "{}", report.unsigned_tail);
}

/// Stated as a test: the log cut back to an earlier checkpoint (entries and checkpoints after
/// it deleted, the head rewritten to match) verifies without an anchor newer than the cut:
/// checkpoints name the one before them, never the one after. An anchor finds it; so does
/// opening the vault if the head was left as it was.
#[test]
fn a_cut_back_to_a_checkpoint_needs_an_anchor_newer_than_the_cut() {
    let (fixture, anchor) = anchored();
    let copy = copy_of(&*fixture.store);
    delete(&copy, log_entry_key(7), log_entry_key(u64::MAX));
    delete(&copy, log_checkpoint_key(7), log_checkpoint_key(u64::MAX));
    assert_eq!(
        verify_log(&copy, &fixture.public_key, None)
            .unwrap()
            .problem,
        None,
        "not detectable without an anchor newer than the cut"
    );
    let problem = verify_log(&copy, &fixture.public_key, Some(&anchor))
        .unwrap()
        .problem
        .unwrap();
    assert!(
        problem.reason.contains("(truncated or rolled back)"),
        "{}",
        problem.reason
    );
    // The head still names entry 17: the vault refuses to open (and to sign over the cut).
    let backend: Arc<dyn KeyBackend> = Arc::clone(&fixture.vault.backend);
    let refused = Vault::open_with(Arc::new(copy), backend).unwrap_err();
    // (Its checkpoint at entry 15 is gone too, which the writer finds first.)
    assert!(
        refused
            .to_string()
            .contains("the head's last checkpoint is missing")
            || refused
                .to_string()
                .contains("the head's last entry is missing"),
        "{refused}"
    );
}

#[test]
fn a_clean_shutdown_checkpoints_the_tail_and_the_rule_stays_fixed() {
    let (fixture, _) = anchored();
    let Fixture {
        vault,
        store,
        public_key,
        ..
    } = fixture;
    let backend: Arc<dyn KeyBackend> = Arc::clone(&vault.backend);
    drop(vault);
    let report = verify_log(&*store, &public_key, None).unwrap();
    assert_eq!(report.problem, None);
    assert_eq!((report.entries, report.unsigned_tail), (18, 0));
    assert_eq!(entry_at(&*store, 18).action, "log.close");
    // Reopened with another rule, the writer keeps the one fixed when the vault was made.
    let options = VaultOptions {
        log_timeout: Duration::from_millis(300),
        checkpoints: CheckpointPolicy {
            every_entries: 1000,
            every_ms: i64::MAX,
        },
        ..VaultOptions::default()
    };
    let vault = Vault::open_with_options(store.clone(), backend, options).unwrap();
    for _ in 0..5 {
        vault
            .record_denial(&analyst(), "read", "cbp-pnr", "no rule", now())
            .unwrap();
    }
    assert!(
        entry_at(&*store, 23).checkpointed,
        "5 entries after entry 18"
    );
    let report = verify_log(&*store, &public_key, None).unwrap();
    assert_eq!(
        (report.problem, report.policy.map(|rule| rule.every_entries)),
        (None, Some(5))
    );
}

/// A truncation is a signed act: the log verifies from its new start, an anchor taken before
/// it still verifies through the kept checkpoints, and deleting the record is found.
#[test]
fn truncation_is_signed_and_anchors_before_it_still_verify() {
    let (fixture, anchor) = anchored();
    let vault = &fixture.vault;
    let auditor = Access::offline("auditor-1", "audit");
    let (early, _) = vault.anchor(&auditor, now()).unwrap();
    assert_eq!(early.seq, 18);
    vault.set_log_retention_days(&auditor, 30, now()).unwrap();
    let later = now() + chrono::Duration::days(31);
    assert_eq!(vault.truncate_log(&auditor, 18, later).unwrap(), 17);
    // The record carries the generations of the signed state (the retention just set among
    // them), signed: version 2.
    let record = crate::audit::truncation_records(&*fixture.store)
        .unwrap()
        .pop()
        .unwrap();
    let vector = crate::signed_state::decode_vector(&record.state).unwrap();
    assert!(
        vector
            .get(b"config/".as_slice())
            .is_some_and(|generation| generation.number >= 2),
        "{vector:?}"
    );
    assert!(record.verify(&fixture.public_key));
    assert_eq!(record.encode()[0], 2);
    for held in [&anchor, &early] {
        let report = verify_log(&*fixture.store, &fixture.public_key, Some(held)).unwrap();
        assert_eq!(report.problem, None, "anchor at {}", held.seq);
        assert_eq!((report.base, report.truncations), (18, 1));
        let how = report.extension.unwrap();
        if held.seq == 15 {
            assert!(
                how.starts_with(
                    "the anchored entry 15 was removed by the signed truncation at entry 18 \
                     (retention 30 days); its checkpoint is kept"
                ),
                "{how}"
            );
        } else {
            assert!(
                how.starts_with("the anchored entry 18 is in the log"),
                "{how}"
            );
        }
    }
    // The record deleted: the log's start is no longer accounted for.
    let copy = copy_of(&*fixture.store);
    delete(
        &copy,
        crate::keyspace::log_truncation_key(0),
        crate::keyspace::log_truncation_key(u64::MAX),
    );
    let problem = verify_log(&copy, &fixture.public_key, None)
        .unwrap()
        .problem
        .unwrap();
    assert_eq!(problem.seq, 1, "{}", problem.reason);
    // Truncated further by the attacker, past the signed start.
    let copy = copy_of(&*fixture.store);
    delete(&copy, log_entry_key(0), log_entry_key(20));
    let problem = verify_log(&copy, &fixture.public_key, None)
        .unwrap()
        .problem
        .unwrap();
    assert_eq!(
        (problem.seq, problem.reason.as_str()),
        (
            18,
            "entries 18 to 19 are missing: the signed truncation record starts the log at entry \
             18 (the front was deleted)"
        )
    );
    // An anchor newer than the log (a directory rolled back) is found.
    let copy = copy_of(&*fixture.store);
    delete(&copy, log_entry_key(19), log_entry_key(u64::MAX));
    delete(&copy, log_checkpoint_key(19), log_checkpoint_key(u64::MAX));
    let (newest, _) = vault.anchor(&auditor, later).unwrap();
    let problem = verify_log(&copy, &fixture.public_key, Some(&newest))
        .unwrap()
        .problem
        .unwrap();
    assert!(
        problem.reason.contains("(truncated or rolled back)"),
        "{}",
        problem.reason
    );
}
