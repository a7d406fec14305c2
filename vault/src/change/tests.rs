//! The kernel's transaction at its boundary: what the domain may write through it, and what it
//! refuses (a key of the kernel's own, a key of another year, a value where none belongs).

use std::sync::Arc;

use chrono::{TimeZone, Utc};

use super::*;
use crate::key_backend::MemKeyBackend;
use crate::keyspace::{
    accounting_by_record_key, accounting_entry_key, case_file_key, notice_key, notice_sent_key,
    request_counter_key, EntryNumber,
};
use crate::store::{MemStore, Store};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn vault() -> Vault {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    Vault::create_with(store, Arc::new(MemKeyBackend::generate().unwrap())).unwrap()
}

fn access() -> Access {
    Access::offline("privacy", "privacy-act-request")
}

#[test]
fn a_change_writes_only_the_domains_keys() {
    let vault = vault();
    let year = vault.ledger_year(2033, "gone", now()).unwrap();
    let number = EntryNumber { session: 1, seq: 1 };
    let id = RecordId::new(3, 1_767_225_600_000, 7, 42);
    let mut change = vault.change(&access(), "test", now()).unwrap();
    // Sealed values go only under entries, notices and case files of the year they are sealed in.
    for key in [
        accounting_by_record_key(2033, &id, number),
        accounting_entry_key(2034, number),
        id.as_bytes().to_vec(),
        b"format".to_vec(),
        Vec::new(),
    ] {
        assert!(
            change.seal_in_year(&year, key.clone(), b"x").is_err(),
            "{key:?}"
        );
    }
    // Index entries only under index keys; marks only under a notice's marks, with their sizes.
    for key in [
        accounting_entry_key(2033, number),
        case_file_key(2033, "PA-2026-000001"),
        id.as_bytes().to_vec(),
        b"account/mallory".to_vec(),
    ] {
        assert!(change.put_index_entry(key.clone()).is_err(), "{key:?}");
        assert!(
            change.put_notice_mark(key.clone(), &[0; 8]).is_err(),
            "{key:?}"
        );
    }
    let sent = notice_sent_key(&notice_key(2033, number));
    assert!(change
        .put_notice_mark(sent.clone(), b"SSN 123-45-6789")
        .is_err());
    change.put_notice_mark(sent, &[0; 8]).unwrap();
    change
        .put_index_entry(accounting_by_record_key(2033, &id, number))
        .unwrap();
    let entry = accounting_entry_key(2033, number);
    change
        .seal_in_year(&year, entry.clone(), b"what was disclosed")
        .unwrap();
    change.set_counter(&request_counter_key(2026), 2);
    change.commit().unwrap();

    let stored = vault.accounting_value(&entry).unwrap().unwrap();
    assert!(!stored.windows(4).any(|window| window == b"what"));
    let mut reading = vault.change(&access(), "test.read", now()).unwrap();
    assert_eq!(
        reading.open_in_year(&entry, &stored).unwrap().as_slice(),
        b"what was disclosed"
    );
    // Sealed for its key: the same value under another entry's key does not open.
    let elsewhere = accounting_entry_key(2033, EntryNumber { session: 1, seq: 2 });
    assert!(reading.open_in_year(&elsewhere, &stored).is_err());
    reading.commit().unwrap();
    assert_eq!(vault.counter(&request_counter_key(2026)).unwrap(), Some(2));
}

#[test]
fn a_change_that_is_not_committed_stores_nothing() {
    let vault = vault();
    let year = vault.ledger_year(2033, "gone", now()).unwrap();
    let entry = accounting_entry_key(2033, EntryNumber { session: 1, seq: 1 });
    let before = vault.status().unwrap().log_entries;
    {
        let mut change = vault.change(&access(), "test", now()).unwrap();
        change.seal_in_year(&year, entry.clone(), b"x").unwrap();
    }
    assert_eq!(vault.accounting_value(&entry).unwrap(), None);
    assert_eq!(vault.status().unwrap().log_entries, before);
    // Its hold on key changes went with it: a destruction is not blocked.
    vault.destroy_cohort(&access(), year.cohort, now()).unwrap();
}

/// A year destroyed while a change holds a value sealed under its key: the destruction waits
/// for the change, then purges what it stored. Without the change's hold on key changes the
/// destruction finished first and the commit left a value no key opens, listed as if it lived.
#[test]
fn a_destruction_waits_for_a_change_that_sealed_under_the_year() {
    let vault = Arc::new(vault());
    let year = vault.ledger_year(2033, "gone", now()).unwrap();
    let entry = accounting_entry_key(2033, EntryNumber { session: 1, seq: 1 });
    let mut change = vault.change(&access(), "test", now()).unwrap();
    change.seal_in_year(&year, entry.clone(), b"x").unwrap();
    let (done, finished) = std::sync::mpsc::channel();
    let destroying = {
        let vault = Arc::clone(&vault);
        std::thread::spawn(move || {
            let result = vault.destroy_cohort(&access(), year.cohort, now());
            done.send(()).unwrap();
            result
        })
    };
    assert!(
        finished
            .recv_timeout(std::time::Duration::from_millis(300))
            .is_err(),
        "the destruction went ahead while a change held a value sealed under the year"
    );
    change.commit().unwrap();
    destroying.join().unwrap().unwrap();
    assert_eq!(vault.accounting_value(&entry).unwrap(), None);
}

fn entries_of(vault: &Vault, action: &str) -> Vec<crate::LogEntry> {
    let query = crate::audit::LogQuery {
        action: Some(action.into()),
        ..Default::default()
    };
    vault.audit_search(&access(), &query, now()).unwrap()
}

/// Records opened under a change are handles: the change answers for them (id, system,
/// source, tokens) and refuses another change's; their contents, with their attachments
/// (this change's too), come out only from the committed change, whose entry names each record
/// once.
#[test]
fn records_opened_under_a_change_come_out_only_with_its_committed_entry() {
    let vault = vault();
    let ids = vault
        .ingest(
            &access(),
            &[
                crate::testing::transmittal("JOHN Q PUBLIC", "123-45-6789", 3),
                crate::testing::transmittal("JANE ROE", "987-65-4321", 4),
            ],
            now(),
        )
        .unwrap();
    let year = vault.ledger_year(2033, "gone", now()).unwrap();
    let mut other = vault.change(&access(), "test.other", now()).unwrap();
    let foreign = other.open_record(&ids[1]).unwrap();
    let mut change = vault.change(&access(), "test.open", now()).unwrap();
    let first = change.open_record(&ids[0]).unwrap();
    let again = change.open_record(&ids[0]).unwrap();
    let second = change.open_record(&ids[1]).unwrap();
    assert_eq!(change.record_id(second).unwrap(), ids[1]);
    assert_eq!(change.record_system(first).unwrap(), "fincen-cbetf");
    assert_eq!(change.record_source_system(first).unwrap(), None);
    assert_eq!(
        change.year_tokens_of(&year, first).unwrap(),
        change.year_tokens_of(&year, again).unwrap()
    );
    assert_ne!(
        change.year_tokens_of(&year, first).unwrap(),
        change.year_tokens_of(&year, second).unwrap()
    );
    // Another change's handle is refused, never read as one of this change's records.
    assert!(change.record_id(foreign).is_err());
    assert!(change.year_tokens_of(&year, foreign).is_err());
    assert!(change.open_record(&RecordId::new(9, 0, 0, 0)).is_err());
    change.attach(&ids[1], b"made in this change").unwrap();
    let (_, released) = change.commit_releasing().unwrap();
    let order: Vec<RecordId> = released.iter().map(|(record, _)| record.id).collect();
    assert_eq!(order, [ids[0], ids[0], ids[1]], "in the order opened");
    assert_eq!(
        released[1].0.contents,
        crate::testing::transmittal("JOHN Q PUBLIC", "123-45-6789", 3)
    );
    assert!(released[0].1.is_empty());
    assert_eq!(released[2].1.len(), 1);
    assert_eq!(&released[2].1[0].contents[..], b"made in this change");
    let logged = entries_of(&vault, "test.open");
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].record_ids, [ids[0], ids[1]], "each record once");
    other.commit().unwrap();
}

/// A change that read something and is dropped uncommitted still writes its entry, naming what
/// it read, with nothing of its writes; one whose commit failed returns no record. Without the
/// drop's entry a caller could open a record (or a year's value, or probe) and drop the change
/// to leave no trace.
#[test]
fn a_change_that_read_leaves_its_entry_even_dropped() {
    use std::sync::atomic::{AtomicU32, Ordering};
    // How many of the next writes carrying a log entry fail (the ones after them land).
    let refusals = Arc::new(AtomicU32::new(0));
    let store = Arc::new(crate::testing::FaultyStore::new(
        Arc::new(MemStore::new()),
        {
            let refusals = Arc::clone(&refusals);
            move |batch| {
                let refused = crate::testing::carries_log_entry(batch)
                    && refusals
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                if refused {
                    Err(crate::testing::injected_failure("the write failed"))
                } else {
                    Ok(())
                }
            }
        },
    ));
    let vault = Vault::create_with(store, Arc::new(MemKeyBackend::generate().unwrap())).unwrap();
    let ids = vault
        .ingest(
            &access(),
            &[crate::testing::transmittal(
                "JOHN Q PUBLIC",
                "123-45-6789",
                3,
            )],
            now(),
        )
        .unwrap();
    let year = vault.ledger_year(2033, "gone", now()).unwrap();
    let entry = accounting_entry_key(2033, EntryNumber { session: 1, seq: 1 });
    {
        let mut change = vault.change(&access(), "test.dropped", now()).unwrap();
        change.open_record(&ids[0]).unwrap();
        change.seal_in_year(&year, entry.clone(), b"x").unwrap();
    }
    let logged = entries_of(&vault, "test.dropped");
    assert_eq!(logged.len(), 1, "the dropped change's read was not logged");
    assert_eq!(
        (logged[0].record_ids.as_slice(), logged[0].outcome.as_str()),
        (&[ids[0]][..], "not completed: nothing stored")
    );
    assert_eq!(
        logged[0].decision,
        crate::Decision::Deny,
        "it did not go ahead"
    );
    assert_eq!(vault.accounting_value(&entry).unwrap(), None);
    // A probe (and a token made for an index entry) is a read too; its tokens are named.
    {
        let mut change = vault.change(&access(), "test.probed", now()).unwrap();
        let ssn = SearchKey::Identifier(Identifier::new(model::IdentifierKind::Ssn, "123-45-6789"));
        let (_, probes) = change.probe(&ssn).unwrap();
        let made = change
            .year_token(
                &year,
                &Identifier::new(model::IdentifierKind::Ssn, "123-45-6789"),
            )
            .unwrap();
        assert_eq!(probes, [(2033, made.1)]);
    }
    let logged = entries_of(&vault, "test.probed");
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].tokens.len(), 2);
    // A commit that fails returns nothing, and its drop adds no entry of its own (the store
    // refuses only the commit's batch: an entry the drop wrote next would land).
    let mut change = vault.change(&access(), "test.failed", now()).unwrap();
    change.open_record(&ids[0]).unwrap();
    refusals.store(1, Ordering::SeqCst);
    assert!(change.commit_releasing().is_err());
    assert_eq!(
        refusals.load(Ordering::SeqCst),
        0,
        "the commit's batch was refused"
    );
    assert!(entries_of(&vault, "test.failed").is_empty());
    // The log goes on: the next change lands.
    let mut change = vault.change(&access(), "test.after", now()).unwrap();
    change.open_record(&ids[0]).unwrap();
    change.commit().unwrap();
    assert_eq!(entries_of(&vault, "test.after").len(), 1);
}

/// Once a year's keys are destroyed, nothing more is stored under it: a mark or an index entry
/// written after its purge would outlive it.
#[test]
fn nothing_is_stored_under_a_destroyed_year() {
    let vault = vault();
    let year = vault.ledger_year(2033, "gone", now()).unwrap();
    vault.destroy_cohort(&access(), year.cohort, now()).unwrap();
    let number = EntryNumber { session: 1, seq: 1 };
    let id = RecordId::new(3, 1_767_225_600_000, 7, 42);
    let mut change = vault.change(&access(), "test", now()).unwrap();
    let sent = notice_sent_key(&notice_key(2033, number));
    assert!(change.put_notice_mark(sent, &[0; 8]).is_err());
    assert!(change
        .put_index_entry(accounting_by_record_key(2033, &id, number))
        .is_err());
    assert!(change
        .seal_in_year(&year, accounting_entry_key(2033, number), b"x")
        .is_err());
}

/// A set of documents is cleared by its kind alone: not another kind, not the accounts, and
/// no kind that reaches into another's names.
#[test]
fn clearing_documents_clears_only_their_kind() {
    let vault = vault();
    let mut change = vault.change(&access(), "test", now()).unwrap();
    for (kind, name) in [
        ("sorn", "a"),
        ("sorn", "b"),
        ("sorn-x", "a"),
        ("letters", "sorn"),
    ] {
        change
            .put_signed(&SignedItem::Document { kind, name }, b"body")
            .unwrap();
    }
    change
        .put_signed(&SignedItem::Account("alice"), b"account")
        .unwrap();
    change.commit().unwrap();
    let mut change = vault.change(&access(), "test", now()).unwrap();
    for bad in ["", "sorn/a", "/"] {
        assert!(change.clear_documents(bad).is_err(), "{bad:?}");
    }
    change.clear_documents("sorn").unwrap();
    change.commit().unwrap();
    let names = |kind| -> Vec<Vec<u8>> {
        vault
            .signed_items(&SignedKind::Documents(kind))
            .unwrap()
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    };
    assert!(names("sorn").is_empty());
    assert_eq!(names("sorn-x"), [b"a".to_vec()]);
    assert_eq!(names("letters"), [b"sorn".to_vec()]);
    assert_eq!(vault.signed_items(&SignedKind::Accounts).unwrap().len(), 1);
}
