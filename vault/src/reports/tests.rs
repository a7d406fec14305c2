//! Reports of one transfer through the vault's library API: duplicates within the window,
//! disagreeing reports kept and linked, cover payments linked both ways, batches in flight.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::key_backend::{KeyBackend, MemKeyBackend};
use crate::log::Access;
use crate::store::{MemStore, Store};
use model::{Identifier, IdentifierKind, Subject, SystemId};

fn access() -> Access {
    Access::offline("tester", "testing")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn vault() -> (Vault, Arc<dyn Store>) {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    (
        Vault::create_with(Arc::clone(&store), backend).unwrap(),
        store,
    )
}

/// A report of transfer `key` collected `day` days after 2026-06-01 that says `matched`.
fn report(key: &str, matched: &str, day: i64, covers: Option<&str>) -> RecordContents {
    let mut source = BTreeMap::from([
        (TRANSFER_KEY_SOURCE.to_owned(), key.to_owned()),
        (TRANSFER_MATCH_SOURCE.to_owned(), matched.to_owned()),
        (TRANSFER_WINDOW_SOURCE.to_owned(), "90".to_owned()),
    ]);
    if let Some(covers) = covers {
        source.insert(COVERS_SOURCE.to_owned(), covers.to_owned());
    }
    RecordContents {
        system: SystemId::new("fincen-cbetf").unwrap(),
        category: "transmittal".into(),
        collected_at: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap() + Duration::days(day),
        source,
        subjects: vec![Subject {
            role: "transmittor".into(),
            name: Some("JOHN Q PUBLIC".into()),
            identifiers: vec![Identifier::new(IdentifierKind::Account, "000123")],
        }],
        fields: BTreeMap::from([("amount".into(), "1500.00".into())]),
    }
}

fn source_of(vault: &Vault, id: &RecordId, name: &str) -> Option<String> {
    vault
        .read(&access(), id, now())
        .unwrap()
        .contents
        .source
        .get(name)
        .cloned()
}

const KEY: &str = "uetr:eb6305c9-1f7f-49de-aed0-16487c27b42d";

#[test]
fn reports_of_a_stored_transfer_are_duplicates_conflicts_or_new_by_window_and_match() {
    let (vault, _) = vault();
    let first = vault
        .ingest_reporting(&access(), &[report(KEY, "A", 0, None)], now())
        .unwrap();
    assert!(first.duplicates.is_empty() && first.conflicting.is_empty());
    let first = first.ids[0];
    // (report, duplicate, conflicting)
    let table = [
        (report(KEY, "A", 30, None), true, false),
        (report(&format!(" {KEY} "), "A", 0, None), true, false),
        (report(KEY, "B", 10, None), false, true),
        // Past the window, the same key is another transfer.
        (report(KEY, "A", 120, None), false, false),
        (report("uetr:other", "A", 0, None), false, false),
    ];
    for (index, (record, duplicate, conflicting)) in table.into_iter().enumerate() {
        let outcome = vault.ingest_reporting(&access(), &[record], now()).unwrap();
        assert_eq!(outcome.duplicates == [0], duplicate, "row {index}");
        assert_eq!(outcome.conflicting == [0], conflicting, "row {index}");
        if duplicate {
            assert_eq!(
                outcome.ids[0], first,
                "row {index}: a duplicate answers the first id"
            );
        } else {
            assert_ne!(outcome.ids[0], first, "row {index}");
            let linked = source_of(&vault, &outcome.ids[0], CONFLICTS_WITH_SOURCE);
            assert_eq!(
                linked,
                conflicting.then(|| first.to_string()),
                "row {index}"
            );
        }
    }
}

#[test]
fn a_batch_finds_its_own_earlier_reports_and_covers_link_both_ways() {
    let (vault, _) = vault();
    let cover_key = format!("cover:{KEY}");
    let outcome = vault
        .ingest_reporting(
            &access(),
            &[
                // The cover comes before the transfer it covers...
                report(&cover_key, "A", 0, Some(KEY)),
                report(KEY, "A", 1, None),
                report(KEY, "A", 2, None),
                report(KEY, "C", 3, None),
            ],
            now(),
        )
        .unwrap();
    assert_eq!(outcome.duplicates, [2]);
    assert_eq!(outcome.conflicting, [3]);
    assert_eq!(outcome.ids[2], outcome.ids[1]);
    let (cover, transfer, disagreeing) = (outcome.ids[0], outcome.ids[1], outcome.ids[3]);
    assert_eq!(source_of(&vault, &cover, COVERS_RECORDS_SOURCE), None);
    assert_eq!(
        source_of(&vault, &transfer, COVERED_BY_SOURCE),
        Some(cover.to_string())
    );
    assert_eq!(
        source_of(&vault, &disagreeing, CONFLICTS_WITH_SOURCE),
        Some(transfer.to_string())
    );
    // ...and a cover after the transfer names every report of it.
    let later = vault
        .ingest_reporting(&access(), &[report(&cover_key, "Z", 5, Some(KEY))], now())
        .unwrap();
    assert_eq!(
        later.conflicting,
        [0],
        "the earlier cover disagrees with it"
    );
    let mut both = [transfer.to_string(), disagreeing.to_string()];
    both.sort();
    assert_eq!(
        source_of(&vault, &later.ids[0], COVERS_RECORDS_SOURCE),
        Some(both.join(","))
    );
}

#[test]
fn a_pipelined_stream_finds_reports_in_the_batch_still_being_synced() {
    let (vault, _) = vault();
    let batches = vec![
        (1, vec![report(KEY, "A", 0, None)]),
        (
            2,
            vec![report(KEY, "A", 1, None), report(KEY, "B", 1, None)],
        ),
    ];
    let mut outcomes = Vec::new();
    vault
        .ingest_stream(&access(), now(), batches, |tag, outcome| {
            outcomes.push((tag, outcome))
        })
        .unwrap();
    assert_eq!(outcomes[1].1.duplicates, [0]);
    assert_eq!(outcomes[1].1.ids[0], outcomes[0].1.ids[0]);
    assert_eq!(outcomes[1].1.conflicting, [1]);
}

#[test]
fn keys_without_a_window_are_refused_and_never_stored_in_the_clear() {
    let (vault, store) = vault();
    let mut unbounded = report(KEY, "A", 0, None);
    unbounded.source.remove(TRANSFER_WINDOW_SOURCE);
    let err = vault
        .ingest_reporting(&access(), &[unbounded], now())
        .unwrap_err()
        .to_string();
    assert!(err.contains("transfer_window_days"), "{err}");
    vault
        .ingest_reporting(&access(), &[report(KEY, "A", 0, None)], now())
        .unwrap();
    let needle = b"eb6305c9";
    for column in [
        crate::store::Column::Index,
        crate::store::Column::Records,
        crate::store::Column::Log,
        crate::store::Column::Meta,
    ] {
        for (key, value) in store.scan(column, b"", None, usize::MAX).unwrap() {
            for bytes in [&key, &value] {
                assert!(
                    !bytes.windows(needle.len()).any(|window| window == needle),
                    "the UETR is on disk in the clear ({column:?})"
                );
            }
        }
    }
}
