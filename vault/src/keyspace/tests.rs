//! The keyspace's answer to what each key dies with: a table of keys made by its builders,
//! and every key of a vault holding records.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use model::{Identifier, IdentifierKind, RecordContents, Subject, SystemId};

use super::*;
use crate::key_backend::{KeyBackend, MemKeyBackend};
use crate::keyspace::{
    account_key, accounting_by_record_key, accounting_by_subject_key, accounting_entry_key,
    annotation_key, case_by_identifier_key, case_file_key, cohort_key, held_key, hold_index_entry,
    hold_key, hold_member_key, hold_subject_key, index_entry, log_checkpoint_key, log_entry_key,
    log_truncation_key, manual_access_key, moved_key, notice_key, notice_sent_key,
    purge_pending_key, request_counter_key, wrapped_cohort_key, WRAPPED_SIGNING_KEY,
};
use crate::store::{MemStore, Store};
use crate::vault::Vault;

#[test]
fn each_key_names_what_destroys_it() {
    let id = RecordId::new(3, 1_767_225_600_000, 7, 42);
    let token = [0xab; 16];
    let accounting_entry = [&[b'e'][..], &2033u16.to_be_bytes(), &[1, 2, 3, 4]].concat();
    let case_file = [&[b'q'][..], &2034u16.to_be_bytes(), b"PA-2026-000001"].concat();
    let period = DestroyedWith::IndexPeriod {
        system: 2,
        year: 2026,
    };
    #[rustfmt::skip]
    let rows: Vec<(Column, Vec<u8>, Option<DestroyedWith>)> = vec![
        (Column::Records, id.as_bytes().to_vec(), Some(DestroyedWith::Record(id))),
        (Column::Annotations, annotation_key(&id, 9), Some(DestroyedWith::Record(id))),
        (Column::Keys, wrapped_cohort_key(12, 1), Some(DestroyedWith::Cohort(12))),
        (Column::Keys, WRAPPED_SIGNING_KEY.to_vec(), Some(DestroyedWith::VaultLife)),
        (Column::Index, index_entry(2, 2026, 1, &token, &id), Some(period)),
        (Column::Index, hold_index_entry(5, 1, &token, &id), Some(DestroyedWith::Hold(5))),
        (Column::Accounting, accounting_entry, Some(DestroyedWith::AccountingYear(2033))),
        (Column::Accounting, case_file, Some(DestroyedWith::AccountingYear(2034))),
        (Column::Log, log_entry_key(1), Some(DestroyedWith::LogRetention)),
        // Truncation cuts entries only: checkpoints and the signed record of the cut stay.
        (Column::Log, log_checkpoint_key(64), Some(DestroyedWith::VaultLife)),
        (Column::Log, log_truncation_key(65), Some(DestroyedWith::VaultLife)),
        (Column::Meta, cohort_key(12), Some(DestroyedWith::VaultLife)),
        (Column::Meta, hold_key(5), Some(DestroyedWith::VaultLife)),
        (Column::Meta, account_key("alice"), Some(DestroyedWith::VaultLife)),
        (Column::Meta, moved_key(&id), Some(DestroyedWith::Record(id))),
        (Column::Meta, manual_access_key(&id), Some(DestroyedWith::Record(id))),
        (Column::Meta, hold_member_key(5, &id), Some(DestroyedWith::Hold(5))),
        (Column::Meta, held_key(&id, 5), Some(DestroyedWith::Hold(5))),
        (Column::Meta, hold_subject_key(5), Some(DestroyedWith::Hold(5))),
        (Column::Meta, purge_pending_key(12), Some(DestroyedWith::Cohort(12))),
        // A `meta` key of no known kind has no answer: nobody said what destroys it.
        (Column::Meta, b"mystery/12".to_vec(), None),
        (Column::Meta, b"format-x".to_vec(), None),
        (Column::Meta, b"log-head-v2".to_vec(), None),
        (Column::Meta, b"hold/".to_vec(), None),
        // Keys this vault never writes.
        (Column::Records, id.as_bytes()[..15].to_vec(), None),
        (Column::Index, vec![0x42, 0, 1], None),
        (Column::Log, b"x".to_vec(), None),
        (Column::Keys, b"cohort/1".to_vec(), None),
        (Column::Accounting, [&[b'z'][..], &2033u16.to_be_bytes()].concat(), None),
        (Column::Meta, Vec::new(), None),
    ];
    for (column, key, expected) in rows {
        assert_eq!(
            destroyed_with(column, &key),
            expected,
            "{column:?} {key:02x?}"
        );
    }
}

/// Every key a vault writes has an answer, and a record's is its own id: records, index
/// entries, cohort keys, metadata and the log; a person's read, holds on records and on a
/// subject, and what the domain keeps through a change (an attachment, an accounting entry
/// with its index and a notice with its mark, a case file with its index, a counter, signed
/// documents and accounts). Unknown `meta` keys have no answer, so a new kind of key fails
/// here until someone says what destroys it.
#[test]
fn every_key_of_a_vault_with_records_names_what_destroys_it() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(Arc::clone(&store), backend).unwrap();
    let record = RecordContents {
        system: SystemId::new("fincen-cbetf").unwrap(),
        category: "transmittal".into(),
        collected_at: Utc.with_ymd_and_hms(2026, 1, 15, 0, 0, 0).unwrap(),
        source: BTreeMap::from([("report_id".into(), "R-1".into())]),
        subjects: vec![Subject {
            role: "transmittor".into(),
            name: Some("JOHN Q PUBLIC".into()),
            identifiers: vec![Identifier::new(IdentifierKind::Ssn, "123-45-6789")],
        }],
        fields: BTreeMap::new(),
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let access = crate::log::Access::offline("tester", "testing");
    let ids = vault.ingest(&access, &[record], now).unwrap();
    vault.read_by_person(&access, &ids[0], now).unwrap();
    let ssn = Identifier::new(IdentifierKind::Ssn, "123-45-6789");
    for (name, target) in [
        ("LIT-1", crate::HoldTarget::Records(&ids)),
        ("LIT-2", crate::HoldTarget::Subject(&ssn)),
    ] {
        let spec = crate::HoldSpec::new(
            name,
            "litigation",
            crate::HoldPurpose::Litigation,
            crate::HoldMode::Governance,
        );
        vault.place_hold(&access, &spec, target, now).unwrap();
    }
    let year = vault.ledger_year(2033, "gone", now).unwrap();
    let number = vault.entry_numbers(1).unwrap().next().unwrap();
    let mut change = vault.change(&access, "domain", now).unwrap();
    change.attach(&ids[0], b"an annotation").unwrap();
    let opened = change.open_record(&ids[0]).unwrap();
    change
        .seal_in_year(&year, accounting_entry_key(2033, number), b"entry")
        .unwrap();
    change
        .put_index_entry(accounting_by_record_key(2033, &ids[0], number))
        .unwrap();
    for (kind, token) in change.year_tokens_of(&year, opened).unwrap() {
        change
            .put_index_entry(accounting_by_subject_key(2033, kind, &token, number))
            .unwrap();
    }
    let notice = notice_key(2033, number);
    change
        .seal_in_year(&year, notice.clone(), b"notice")
        .unwrap();
    change
        .put_notice_mark(notice_sent_key(&notice), &[0; 8])
        .unwrap();
    change
        .seal_in_year(&year, case_file_key(2033, "PA-2026-000001"), b"case")
        .unwrap();
    let (kind, token) = change.year_token(&year, &ssn).unwrap();
    change
        .put_index_entry(case_by_identifier_key(2033, kind, &token, "PA-2026-000001"))
        .unwrap();
    change.set_counter(&request_counter_key(2026), 2);
    change
        .put_signed(
            &crate::SignedItem::Document {
                kind: "sorn",
                name: "a.toml",
            },
            b"document",
        )
        .unwrap();
    change
        .put_signed(&crate::SignedItem::Account("alice"), b"account")
        .unwrap();
    change.commit().unwrap();
    let mut seen = BTreeMap::new();
    for column in Column::ALL {
        for (key, _) in store.scan(column, b"", None, usize::MAX).unwrap() {
            let answer = destroyed_with(column, &key);
            assert!(answer.is_some(), "{column:?} {key:02x?}");
            if column == Column::Records {
                assert_eq!(answer, Some(DestroyedWith::Record(ids[0])));
            }
            *seen.entry(format!("{column:?}")).or_insert(0) += 1;
        }
    }
    for column in [
        "Records",
        "Index",
        "Keys",
        "Meta",
        "Log",
        "Annotations",
        "Accounting",
    ] {
        assert!(seen.contains_key(column), "{column}: {seen:?}");
    }
}

/// The accounting column's keys, byte for byte as the vaults in the field store them (before
/// the keyspace built them, `accounting.rs` and `cases.rs` spelled them by hand: a change here
/// is a format change), and a year's ranges cover every tag `destroyed_with` knows.
#[test]
fn the_accounting_keys_are_spelled_as_stored() {
    let number = EntryNumber {
        session: 0x0102_0304,
        seq: 0x0506_0708,
    };
    let id = RecordId::new(3, 1_767_225_600_000, 7, 42);
    let token = [0xab; 16];
    let year = [0x07, 0xf1]; // 2033
    let n = [1, 2, 3, 4, 5, 6, 7, 8];
    let cat = |parts: &[&[u8]]| parts.concat();
    let table: [(&str, Vec<u8>, Vec<u8>); 9] = [
        (
            "entry",
            accounting_entry_key(2033, number),
            cat(&[b"e", &year, &n]),
        ),
        (
            "by subject",
            accounting_by_subject_key(2033, 4, &token, number),
            cat(&[b"i", &year, &[4], &token, &n]),
        ),
        (
            "by record",
            accounting_by_record_key(2033, &id, number),
            cat(&[b"r", &year, id.as_bytes(), &n]),
        ),
        ("notice", notice_key(2033, number), cat(&[b"n", &year, &n])),
        (
            "sent",
            notice_sent_key(&notice_key(2033, number)),
            cat(&[b"s", &year, &n]),
        ),
        (
            "public",
            notice_public_key(&notice_key(2033, number)),
            cat(&[b"p", &year, &n]),
        ),
        (
            "case file",
            case_file_key(2033, "PA-2026-000001"),
            cat(&[b"q", &year, b"PA-2026-000001"]),
        ),
        (
            "case index",
            case_by_identifier_key(2033, 4, &token, "PA-2026-000001"),
            cat(&[b"k", &year, &[4], &token, b"PA-2026-000001"]),
        ),
        (
            "request counter",
            request_counter_key(2026).as_bytes().to_vec(),
            cat(&[b"case-next/", &[0x07, 0xea]]),
        ),
    ];
    for (what, built, stored) in table {
        assert_eq!(built, stored, "{what}");
        if what.ends_with("counter") {
            continue;
        }
        assert_eq!(accounting_year(&built), Some(2033), "{what}");
        assert!(
            accounting_year_ranges(2033)
                .iter()
                .any(|(start, end)| &built >= start && &built < end),
            "{what}: outside the year's ranges"
        );
    }
    assert_eq!(
        designation_counter_key(2026).as_bytes(),
        cat(&[b"designation-next/", &[0x07, 0xea]])
    );
    assert_eq!(
        EntryNumber::at_end_of(&accounting_entry_key(2033, number)),
        Some(number)
    );
    let mut tags: Vec<u8> = accounting_year_ranges(2033)
        .iter()
        .map(|(start, _)| start[0])
        .collect();
    tags.sort_unstable();
    assert_eq!(tags, b"eiknpqrs");
}
