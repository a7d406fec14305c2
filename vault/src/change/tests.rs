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
