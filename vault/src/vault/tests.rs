//! Tests of the vault's library API: round trips, ids, keys, validation and tampering.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::TimeZone;

use super::*;
use crate::key_backend::MemKeyBackend;
use crate::store::MemStore;
use model::{Identifier, IdentifierKind, RecordContents, Subject};

fn access() -> crate::log::Access {
    crate::log::Access::offline("tester", "testing")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn transmittal(name: &str, ssn: &str, day: u32) -> RecordContents {
    RecordContents {
        system: SystemId::new("fincen-cbetf").unwrap(),
        category: "transmittal".into(),
        collected_at: Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0).unwrap(),
        source: BTreeMap::from([("report_id".into(), "R-1".into())]),
        subjects: vec![Subject {
            role: "transmittor".into(),
            name: Some(name.into()),
            identifiers: vec![
                Identifier::new(IdentifierKind::Ssn, ssn),
                Identifier::new(IdentifierKind::Account, "000123"),
                Identifier::passport("X1234567", "US"),
            ],
        }],
        fields: BTreeMap::from([
            ("amount".into(), "1500.00".into()),
            ("currency".into(), "USD".into()),
        ]),
    }
}

fn memory_vault() -> (Vault, Arc<dyn Store>, Arc<dyn KeyBackend>) {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(Arc::clone(&store), Arc::clone(&backend)).unwrap();
    (vault, store, backend)
}

#[test]
fn records_round_trip() {
    let (vault, _, _) = memory_vault();
    let records = vec![
        transmittal("JOHN Q PUBLIC", "123-45-6789", 15),
        transmittal("JANE ROE", "987-65-4321", 3),
    ];
    let ids = vault.ingest(&access(), &records, now()).unwrap();
    for (id, contents) in ids.iter().zip(&records) {
        assert_eq!(
            vault.read(&access(), id, now()).unwrap(),
            Record {
                id: *id,
                contents: contents.clone()
            }
        );
    }
}

#[test]
fn large_batches_are_sealed_in_parallel_and_read_back() {
    let (vault, _, _) = memory_vault();
    let records: Vec<_> = (0..300)
        .map(|n| transmittal(&format!("PERSON {n}"), "123456789", 1 + n % 28))
        .collect();
    let ids = vault.ingest(&access(), &records, now()).unwrap();
    assert_eq!(ids.len(), 300);
    for (id, contents) in ids.iter().zip(&records) {
        assert_eq!(
            &vault.read(&access(), id, now()).unwrap().contents,
            contents
        );
    }
}

#[test]
fn ids_are_unique_and_ordered_by_partition_then_collection_time() {
    let (vault, _, _) = memory_vault();
    let mut other_category = transmittal("A", "123456789", 1);
    other_category.category = "tin-report".into();
    let records = vec![
        transmittal("A", "123456789", 20),
        transmittal("B", "123456789", 10),
        transmittal("C", "123456789", 10),
        other_category,
    ];
    let ids = vault.ingest(&access(), &records, now()).unwrap();
    assert!(ids[1] < ids[2], "same time: ordered by sequence");
    assert!(ids[2] < ids[0], "ordered by collection time");
    assert!(
        ids[0].partition() < ids[3].partition(),
        "a new category takes a new partition"
    );
    assert_eq!(
        ids[0].collected_at_millis(),
        records[0].collected_at.timestamp_millis()
    );
    let text = ids[0].to_string();
    assert_eq!(text.parse::<RecordId>().unwrap(), ids[0]);
    for bad in [
        "",
        "0001",
        "zzzz-0193a1b2c3d4-00000001-0000002a",
        "0001-0193a1b2c3d4-00000001-0000002",
    ] {
        assert!(bad.parse::<RecordId>().is_err(), "{bad}");
    }
}

#[test]
fn reopening_starts_a_new_session_and_keeps_partitions() {
    let (vault, store, backend) = memory_vault();
    let first = vault
        .ingest(&access(), &[transmittal("A", "123456789", 1)], now())
        .unwrap()[0];
    drop(vault);
    let vault = Vault::open_with(Arc::clone(&store), Arc::clone(&backend)).unwrap();
    let second = vault
        .ingest(&access(), &[transmittal("A", "123456789", 1)], now())
        .unwrap()[0];
    assert_eq!(first.partition(), second.partition());
    assert_ne!(first, second);
    assert_eq!(
        vault
            .read(&access(), &first, now())
            .unwrap()
            .contents
            .subjects[0]
            .name
            .as_deref(),
        Some("A")
    );
}

#[test]
fn another_root_key_is_refused_at_open() {
    let (vault, store, _) = memory_vault();
    drop(vault);
    let stranger = Arc::new(MemKeyBackend::generate().unwrap());
    assert!(matches!(
        Vault::open_with(store, stranger),
        Err(Error::WrongKeyStore)
    ));
}

#[test]
fn unknown_and_missing_records() {
    let (vault, _, _) = memory_vault();
    let id = RecordId::new(1, 0, 9, 9);
    assert!(matches!(
        vault.read(&access(), &id, now()),
        Err(Error::NotFound(_))
    ));
}

/// Each case breaks one rule; the error names the rule and never repeats the value.
#[test]
fn invalid_records_are_refused_with_specific_messages() {
    type Breaker = fn(&mut RecordContents);
    let cases: &[(Breaker, &str)] = &[
        (
            |r| r.subjects.clear(),
            "record 1: subjects must list at least one subject",
        ),
        (
            |r| r.source.clear(),
            "record 1: source must name at least one provenance entry",
        ),
        (
            |r| r.category = "Bad Category".into(),
            "record 1: category must be lowercase letters",
        ),
        (
            |r| r.subjects[0].identifiers[0].value = "12-345-678".into(),
            "record 1: subject 1: identifier `ssn` must have 9 digits",
        ),
        (
            |r| r.subjects[0].identifiers[2].country = Some("usa".into()),
            "record 1: subject 1: identifier `passport` country must be an ISO 3166 code",
        ),
        (
            |r| r.subjects[0].identifiers[2].country = None,
            "record 1: subject 1: identifier `passport` needs its issuing country",
        ),
        (
            |r| {
                r.subjects[0]
                    .identifiers
                    .push(Identifier::new(IdentifierKind::Ssn, "111223333"))
            },
            "record 1: subject 1: identifier `ssn` given twice",
        ),
        (
            |r| {
                r.subjects[0]
                    .identifiers
                    .push(Identifier::new(IdentifierKind::DateOfBirth, "2030-01-01"))
            },
            "record 1: subject 1: identifier `dob` is in the future",
        ),
        (
            |r| {
                r.subjects[0]
                    .identifiers
                    .push(Identifier::new(IdentifierKind::DateOfBirth, "01/02/1980"))
            },
            "record 1: subject 1: identifier `dob` must be a date written YYYY-MM-DD",
        ),
        (
            |r| {
                r.subjects[0]
                    .identifiers
                    .push(Identifier::new(IdentifierKind::Phone, "555-01"))
            },
            "record 1: subject 1: identifier `phone` must have 7 to 15 digits",
        ),
        (
            |r| {
                r.subjects[0]
                    .identifiers
                    .push(Identifier::new(IdentifierKind::Email, "JOHN AT example"))
            },
            "record 1: subject 1: identifier `email` must be an address like",
        ),
        (
            |r| {
                r.subjects[0]
                    .identifiers
                    .push(Identifier::new(IdentifierKind::Address, "JOHN\n1 MAIN ST"))
            },
            "record 1: subject 1: identifier `address` must be 1 to 200 characters on one line",
        ),
        (
            |r| {
                r.subjects[0]
                    .identifiers
                    .push(Identifier::new(IdentifierKind::BrokerId, "JOHN*1"))
            },
            "record 1: subject 1: identifier `broker_id` must be 1 to 32 letters or digits",
        ),
        (
            |r| r.subjects[0].name = Some("JOHN\u{7}DOE".into()),
            "record 1: subject 1: name must not contain control characters",
        ),
        (
            |r| r.collected_at = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
            "record 1: collected_at is in the future",
        ),
        (
            |r| {
                r.fields.insert("123-45-6789".into(), "x".into());
            },
            "record 1: fields: key (name not shown) must be",
        ),
        (
            |r| r.fields.insert("note".into(), " ".into()).map_or((), drop),
            "record 1: fields: `note` must not be blank",
        ),
    ];
    let (vault, _, _) = memory_vault();
    for (break_rule, expected) in cases {
        let mut record = transmittal("JOHN Q PUBLIC", "123-45-6789", 1);
        break_rule(&mut record);
        let message = vault
            .ingest(&access(), &[record], now())
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with(expected),
            "{message:?} should start with {expected:?}"
        );
        for secret in ["JOHN", "123-45-6789", "12-345-678", "X1234567", "000123"] {
            assert!(!message.contains(secret), "{message:?} leaks {secret}");
        }
    }
}

#[test]
fn a_refused_batch_stores_nothing() {
    let (vault, store, _) = memory_vault();
    let mut bad = transmittal("B", "1", 1);
    bad.subjects[0].identifiers.truncate(1);
    assert!(vault
        .ingest(&access(), &[transmittal("A", "123456789", 1), bad], now())
        .is_err());
    assert!(store
        .scan(Column::Records, b"", None, 10)
        .unwrap()
        .is_empty());
}

/// Tampering with stored records: every case must be refused, and the untouched record must
/// still read, so each failure is due to its tamper alone.
#[test]
fn tampered_stored_records_are_refused() {
    let (vault, store, _) = memory_vault();
    let ids = vault
        .ingest(
            &access(),
            &[
                transmittal("A", "123456789", 1),
                transmittal("B", "987654321", 2),
            ],
            now(),
        )
        .unwrap();
    let (a, b) = (ids[0], ids[1]);
    let stored = |id: &RecordId| store.get(Column::Records, id.as_bytes()).unwrap().unwrap();
    let (value_a, value_b) = (stored(&a), stored(&b));
    let put = |id: &RecordId, value: &[u8]| {
        let mut batch = WriteBatch::new();
        batch.put(Column::Records, id.as_bytes(), value);
        store.write(batch, Durability::Synced).unwrap();
    };
    let wrapped_range = |value: &[u8]| {
        let len = usize::from(u16::from_be_bytes([value[19], value[20]]));
        21..21 + len
    };

    let mut flipped_tag = value_a.clone();
    *flipped_tag.last_mut().unwrap() ^= 1;
    let mut truncated = value_a.clone();
    truncated.truncate(value_a.len() - 20);
    let mut unknown_layout = value_a.clone();
    unknown_layout[1] = 9;
    let mut unknown_contents = value_a.clone();
    unknown_contents[2] = 9;
    let mut other_cohort = value_a.clone();
    other_cohort[6] = 2;
    // B's data key (and its data-key id) spliced into A's record: A's contents would open
    // under it only if the key were not bound to B's id.
    let mut moved_key = value_a[..11].to_vec();
    moved_key.extend_from_slice(&value_b[11..wrapped_range(&value_b).end]);
    moved_key.extend_from_slice(&value_a[wrapped_range(&value_a).end..]);

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("flipped tag bit", flipped_tag, "decryption failed"),
        ("truncated envelope", truncated, "decryption failed"),
        (
            "unknown layout version",
            unknown_layout,
            "unsupported stored record version 9",
        ),
        (
            "unknown contents version",
            unknown_contents,
            "unsupported record contents version 9",
        ),
        ("unknown cohort", other_cohort, "decryption failed"),
        (
            "B's whole record under A's id",
            value_b.clone(),
            "decryption failed",
        ),
        ("B's data key moved into A", moved_key, "decryption failed"),
    ];
    for (name, tampered, expected) in cases {
        put(&a, &tampered);
        let err = vault.read(&access(), &a, now()).expect_err(name);
        assert_eq!(err.to_string(), expected, "{name}");
        put(&a, &value_a);
        assert_eq!(
            vault.read(&access(), &a, now()).unwrap().contents.subjects[0]
                .name
                .as_deref(),
            Some("A")
        );
    }
    assert_eq!(
        vault.read(&access(), &b, now()).unwrap().contents.subjects[0]
            .name
            .as_deref(),
        Some("B")
    );
}

#[test]
fn debug_output_hides_personal_data() {
    let record = transmittal("JOHN Q PUBLIC", "123-45-6789", 1);
    let shown = format!("{record:?}");
    for secret in ["JOHN", "123-45-6789", "X1234567", "000123", "1500.00"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(
        shown.contains("transmittor") && shown.contains("amount"),
        "{shown}"
    );
}

#[test]
fn verify_opens_every_record_and_names_the_damaged_ones() {
    let (vault, store, _) = memory_vault();
    let records: Vec<_> = (0..3)
        .map(|n| transmittal("A", "123456789", 1 + n))
        .collect();
    let ids = vault.ingest(&access(), &records, now()).unwrap();
    assert_eq!(
        vault.verify(&access(), now()).unwrap(),
        VerifyReport {
            records: 3,
            unreadable: vec![]
        }
    );
    let mut damaged = store
        .get(Column::Records, ids[1].as_bytes())
        .unwrap()
        .unwrap();
    *damaged.last_mut().unwrap() ^= 1;
    let mut batch = WriteBatch::new();
    batch.put(Column::Records, ids[1].as_bytes(), damaged);
    store.write(batch, Durability::Synced).unwrap();
    assert_eq!(
        vault.verify(&access(), now()).unwrap(),
        VerifyReport {
            records: 3,
            unreadable: vec![(ids[1].to_string(), "decryption failed".into())]
        }
    );
}

/// A stream stops at its first bad batch: every batch reported before it is stored, none after.
#[test]
fn a_stream_stops_at_the_first_bad_batch_and_reports_only_what_is_stored() {
    let (vault, store, _) = memory_vault();
    let good = |name: &str| {
        vec![
            transmittal(name, "123456789", 1),
            transmittal(name, "123456789", 2),
        ]
    };
    let mut bad = good("C");
    bad[1].subjects.clear();
    let batches = vec![
        ("one", good("A")),
        ("two", good("B")),
        ("three", bad),
        ("four", good("D")),
    ];
    let mut reported = Vec::new();
    let outcome = vault.ingest_stream(&access(), now(), batches, |tag, ids| {
        reported.push((tag, ids.stored()))
    });
    let err = outcome.unwrap_err().to_string();
    assert!(
        err.starts_with("record 2: subjects must list at least one subject"),
        "{err}"
    );
    assert_eq!(reported, vec![("one", 2), ("two", 2)]);
    assert_eq!(store.count(Column::Records, b"", None).unwrap(), 4);
}

#[test]
fn resumable_streams_record_their_progress_with_each_batch() {
    let (vault, _, _) = memory_vault();
    let stream = crate::ingest::StreamKey::new(b"file-hash:0");
    assert_eq!(vault.ingest_progress(&stream).unwrap(), 0);
    let batches = vec![
        (2u64, vec![transmittal("A ONE", "123-45-6781", 1)]),
        (5u64, vec![transmittal("B TWO", "123-45-6782", 2)]),
    ];
    let mut seen = Vec::new();
    vault
        .ingest_stream_resumable(&access(), now(), &stream, batches, |line, ids| {
            seen.push((line, ids.stored()));
        })
        .unwrap();
    assert_eq!(seen, [(2, 1), (5, 1)]);
    assert_eq!(vault.ingest_progress(&stream).unwrap(), 5);
    // Another stream has its own progress.
    assert_eq!(
        vault
            .ingest_progress(&crate::ingest::StreamKey::new(b"other"))
            .unwrap(),
        0
    );
    // A batch that fails stores neither its records nor its progress.
    let mut invalid = transmittal("C", "123-45-6783", 3);
    invalid.category = String::new();
    let bad = vec![(9u64, vec![invalid])];
    assert!(vault
        .ingest_stream_resumable(&access(), now(), &stream, bad, |_, _| {})
        .is_err());
    assert_eq!(vault.ingest_progress(&stream).unwrap(), 5);
    vault.log_writable(now()).unwrap();
}

#[test]
fn reads_for_a_person_mark_the_record_and_automated_reads_do_not() {
    let (vault, _, _) = memory_vault();
    let ids = vault
        .ingest(
            &access(),
            &[
                transmittal("A", "123-45-6701", 1),
                transmittal("B", "123-45-6702", 2),
            ],
            now(),
        )
        .unwrap();
    vault.read(&access(), &ids[0], now()).unwrap();
    assert!(!vault.manually_accessed(&ids[0]).unwrap());
    vault.read_by_person(&access(), &ids[1], now()).unwrap();
    assert!(vault.manually_accessed(&ids[1]).unwrap());
    assert_eq!(
        vault.partition_of(&ids[1]).unwrap(),
        (
            SystemId::new("fincen-cbetf").unwrap(),
            "transmittal".to_owned()
        )
    );
}

/// A period's records are read by their ids' time range: the first millisecond of the range is
/// in, its end is out, and the limit stops the scan (a statistical release's population).
#[test]
fn record_ids_collected_in_reads_only_the_range() {
    let (vault, _, _) = memory_vault();
    let ids = vault
        .ingest(
            &access(),
            &[
                transmittal("A", "123-45-0001", 1),
                transmittal("B", "123-45-0002", 2),
                transmittal("C", "123-45-0003", 3),
                transmittal("D", "123-45-0004", 4),
            ],
            now(),
        )
        .unwrap();
    let partition = ids[0].partition();
    let day = |d: u32| {
        Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0)
            .unwrap()
            .timestamp_millis()
    };
    type Row = (i64, i64, usize, &'static [usize]);
    let table: [Row; 5] = [
        (day(2), day(4), usize::MAX, &[1, 2]),
        (day(1), day(5), usize::MAX, &[0, 1, 2, 3]),
        (day(2), day(2), usize::MAX, &[]),
        (day(1), day(5), 2, &[0, 1]),
        (0, RecordId::MAX_MILLIS + 1, usize::MAX, &[0, 1, 2, 3]),
    ];
    for (start, end, limit, expected) in table {
        let mut found = vault
            .record_ids_collected_in(partition, start, end, limit)
            .unwrap();
        found.sort();
        let mut want: Vec<RecordId> = expected.iter().map(|n| ids[*n]).collect();
        want.sort();
        assert_eq!(found, want, "{start}..{end} limit {limit}");
    }
    assert_eq!(vault.record_ids_in(partition).unwrap().len(), 4);
}
