//! Blind-index tests through the vault's library API: lookups by identifier and name in any
//! typed form, records written with their index entries, and index periods that end.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::TimeZone;

use super::*;
use crate::key_backend::{KeyBackend, MemKeyBackend};
use crate::keyspace::index_period_prefix;
use crate::store::{MemStore, Store};
use model::{IdentifierKind, Subject};

fn access() -> crate::log::Access {
    crate::log::Access::offline("tester", "testing")
}

fn now() -> DateTime<Utc> {
    at(2026, 11)
}

fn at(year: i32, month: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, 15, 0, 0, 0).unwrap()
}

fn record(name: &str, ssn: &str, collected_at: DateTime<Utc>) -> RecordContents {
    RecordContents {
        system: SystemId::new("fincen-cbetf").unwrap(),
        category: "transmittal".into(),
        collected_at,
        source: BTreeMap::from([("report_id".into(), "R-1".into())]),
        subjects: vec![
            Subject {
                role: "transmittor".into(),
                name: Some(name.into()),
                identifiers: vec![
                    Identifier::new(IdentifierKind::Ssn, ssn),
                    Identifier::new(IdentifierKind::Account, "000123"),
                ],
            },
            Subject {
                role: "recipient".into(),
                name: None,
                identifiers: vec![Identifier::passport("X1234567", "GB")],
            },
        ],
        fields: BTreeMap::new(),
    }
}

fn vault() -> Vault {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    Vault::create_with(store, backend).unwrap()
}

fn system() -> SystemId {
    SystemId::new("fincen-cbetf").unwrap()
}

fn ssn(value: &str) -> SearchKey {
    SearchKey::Identifier(Identifier::new(IdentifierKind::Ssn, value))
}

#[test]
fn lookups_find_records_whatever_form_the_query_takes() {
    let vault = vault();
    let now = now();
    let ids = vault
        .ingest(
            &access(),
            &[
                record("John Q. Public", "123-45-6789", at(2026, 1)),
                record("JANE ROE", "987654321", at(2025, 6)),
                record("JOHN Q PUBLIC", "123 45 6789", at(2025, 3)),
            ],
            now,
        )
        .unwrap();
    let (john_2026, jane, john_2025) = (ids[0], ids[1], ids[2]);
    let mut both_johns = vec![john_2026, john_2025];
    both_johns.sort();
    let cases: Vec<(SearchKey, Vec<RecordId>)> = vec![
        (ssn("123-45-6789"), both_johns.clone()),
        (ssn("123456789"), both_johns.clone()),
        (ssn("１２３ ４５ ６７８９"), both_johns.clone()),
        (ssn("987-65-4321"), vec![jane]),
        (ssn("111-11-1111"), vec![]),
        (SearchKey::Name("john q public".into()), both_johns.clone()),
        (SearchKey::Name("Jane  Roe".into()), vec![jane]),
        (SearchKey::Name("JOHN PUBLIC".into()), vec![]),
        (
            SearchKey::Identifier(Identifier::passport("x123 4567", "gb")),
            {
                let mut all = ids.clone();
                all.sort();
                all
            },
        ),
        (
            SearchKey::Identifier(Identifier::passport("X1234567", "US")),
            vec![],
        ),
    ];
    for (key, expected) in cases {
        assert_eq!(
            vault.lookup(&access(), &system(), &key, now).unwrap(),
            expected,
            "{key:?}"
        );
    }
    let other_system = SystemId::new("cbp-pnr").unwrap();
    assert!(vault
        .lookup(&access(), &other_system, &ssn("123456789"), now)
        .unwrap()
        .is_empty());
}

#[test]
fn index_entries_hold_no_identifier_in_the_clear() {
    let vault = vault();
    vault
        .ingest(
            &access(),
            &[record("JOHN Q PUBLIC", "123-45-6789", at(2026, 1))],
            at(2026, 11),
        )
        .unwrap();
    let entries = vault
        .store
        .scan(Column::Index, b"", None, usize::MAX)
        .unwrap();
    assert_eq!(entries.len(), 4, "name, SSN, account, passport");
    for (key, value) in entries {
        assert!(value.is_empty());
        assert_eq!(key.len(), 1 + 2 + 2 + 1 + 16 + 16);
        for needle in [&b"123456789"[..], b"000123", b"JOHN", b"X1234567"] {
            assert!(!key.windows(needle.len()).any(|window| window == needle));
        }
    }
}

/// A year's index keys end with the last record cohort of that system and year, once the year
/// is over; destroyed records drop out of lookups at once, held ones stay.
#[test]
fn index_periods_end_with_their_last_cohort() {
    let vault = vault();
    let now = now();
    let ids = vault
        .ingest(
            &access(),
            &[
                record("A", "111-11-1111", at(2024, 1)),
                record("B", "222-22-2222", at(2024, 2)),
                record("C", "333-33-3333", at(2024, 2)),
                record("D", "111-11-1111", at(2026, 1)),
            ],
            now,
        )
        .unwrap();
    vault
        .place_hold(
            &access(),
            &crate::HoldSpec::new(
                "LIT-1",
                "litigation",
                crate::HoldPurpose::Litigation,
                crate::HoldMode::Governance,
            ),
            crate::HoldTarget::Records(&ids[2..3]),
            now,
        )
        .unwrap();
    let cohort_of = |month: u32| {
        let start = Utc
            .with_ymd_and_hms(2024, month, 1, 0, 0, 0)
            .unwrap()
            .timestamp_millis();
        let status = vault.key_status().unwrap();
        status
            .cohorts
            .iter()
            .find(|info| matches!(info.kind, CohortKind::Period { start_ms, .. } if start_ms == start))
            .unwrap()
            .id
    };
    let index_keys_of_2024 = |vault: &Vault| {
        vault
            .key_status()
            .unwrap()
            .cohorts
            .iter()
            .filter(|info| {
                matches!(info.kind, CohortKind::IndexPeriod { year: 2024, .. }) && info.is_live()
            })
            .count()
    };
    assert_eq!(index_keys_of_2024(&vault), 4);

    let january = vault.destroy_cohort(&access(), cohort_of(1), now).unwrap();
    assert_eq!(january.index_keys_destroyed, 0, "February 2024 still lives");
    assert_eq!(
        vault
            .lookup(&access(), &system(), &ssn("111111111"), now)
            .unwrap(),
        vec![ids[3]],
        "A is gone at once"
    );
    assert_eq!(
        vault
            .lookup(&access(), &system(), &ssn("333333333"), now)
            .unwrap(),
        vec![ids[2]]
    );

    let february = vault.destroy_cohort(&access(), cohort_of(2), now).unwrap();
    assert_eq!(
        february.index_keys_destroyed, 4,
        "the year is over and its last cohort is gone"
    );
    assert_eq!(index_keys_of_2024(&vault), 0);
    assert!(vault
        .store
        .scan(
            Column::Index,
            &index_period_prefix(1, 2024),
            Some(&index_period_prefix(1, 2025)),
            10
        )
        .unwrap()
        .is_empty());
    // The held record still reads, but its year's index is gone: it is found through the hold.
    assert!(vault
        .lookup(&access(), &system(), &ssn("333333333"), now)
        .unwrap()
        .is_empty());
    assert_eq!(
        vault
            .read(&access(), &ids[2], now)
            .unwrap()
            .contents
            .subjects[0]
            .name
            .as_deref(),
        Some("C")
    );
    assert_eq!(
        vault
            .lookup(&access(), &system(), &ssn("111111111"), now)
            .unwrap(),
        vec![ids[3]]
    );
    let late = vault
        .ingest(&access(), &[record("E", "444-44-4444", at(2024, 3))], now)
        .unwrap_err();
    assert!(
        late.to_string().contains("its index period has ended"),
        "{late}"
    );
}

#[test]
fn a_year_that_is_not_over_keeps_its_index() {
    let vault = vault();
    let now = now();
    let ids = vault
        .ingest(&access(), &[record("A", "111-11-1111", at(2026, 2))], now)
        .unwrap();
    let cohort = vault
        .key_status()
        .unwrap()
        .cohorts
        .iter()
        .find(|info| matches!(info.kind, CohortKind::Period { .. }))
        .unwrap()
        .id;
    assert_eq!(
        vault
            .destroy_cohort(&access(), cohort, now)
            .unwrap()
            .index_keys_destroyed,
        0
    );
    assert!(vault
        .lookup(&access(), &system(), &ssn("111111111"), now)
        .unwrap()
        .is_empty());
    assert!(matches!(
        vault.read(&access(), &ids[0], now),
        Err(Error::NotFound(_))
    ));
}
