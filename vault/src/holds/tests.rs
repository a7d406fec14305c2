//! Holds through the vault's library API: placed on records and on subjects (later ingests
//! included), found through their own index after the index period ends, released by mode,
//! and their cohorts destroyed only once released.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, TimeZone};

use super::*;
use crate::key_backend::MemKeyBackend;
use crate::keyspace::hold_key;
use crate::store::{MemStore, Store};
use model::{Identifier, RecordContents, Subject, SystemId};

fn access() -> Access {
    Access::offline("records-officer", "retention")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn ssn(value: &str) -> Identifier {
    Identifier::new(IdentifierKind::Ssn, value)
}

fn record(name: &str, ssn_value: &str, year: i32, month: u32) -> RecordContents {
    RecordContents {
        system: SystemId::new("fincen-cbetf").unwrap(),
        category: "transmittal".into(),
        collected_at: Utc.with_ymd_and_hms(year, month, 15, 0, 0, 0).unwrap(),
        source: BTreeMap::from([("report_id".into(), "R-1".into())]),
        subjects: vec![Subject {
            role: "transmittor".into(),
            name: Some(name.into()),
            identifiers: vec![ssn(ssn_value)],
        }],
        fields: BTreeMap::new(),
    }
}

fn spec(reference: &str, mode: HoldMode, until: Option<DateTime<Utc>>) -> HoldSpec {
    HoldSpec {
        until,
        ..HoldSpec::new(
            reference,
            "Smith v. Agency, pending",
            HoldPurpose::Litigation,
            mode,
        )
    }
}

fn new_vault() -> (Vault, Arc<dyn Store>) {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend = Arc::new(MemKeyBackend::generate().unwrap());
    (
        Vault::create_with(Arc::clone(&store), backend).unwrap(),
        store,
    )
}

fn period_cohorts(vault: &Vault) -> Vec<u32> {
    vault
        .key_status()
        .unwrap()
        .cohorts
        .iter()
        .filter(|info| info.is_live() && matches!(info.kind, CohortKind::Period { .. }))
        .map(|info| info.id)
        .collect()
}

fn lookup(vault: &Vault, value: &str) -> Vec<RecordId> {
    vault
        .lookup(
            &access(),
            &SystemId::new("fincen-cbetf").unwrap(),
            &SearchKey::Identifier(ssn(value)),
            now(),
        )
        .unwrap()
}

#[test]
fn a_held_record_outlives_its_cohort_and_index_period_and_goes_once_released() {
    let (vault, _) = new_vault();
    let ids = vault
        .ingest(
            &access(),
            &[
                record("A", "111-11-1111", 2025, 1),
                record("B", "222-22-2222", 2025, 1),
                record("C", "333-33-3333", 2025, 2),
            ],
            now(),
        )
        .unwrap();
    let placed = vault
        .place_hold(
            &access(),
            &spec("LIT-2026-1", HoldMode::Governance, None),
            HoldTarget::Records(&ids[1..2]),
            now(),
        )
        .unwrap();
    assert_eq!((placed.records, placed.moved), (1, 1));
    assert_eq!(placed.hold.label(), "H-1");
    assert_eq!(vault.holds_of(&ids[1]).unwrap(), vec![placed.hold.clone()]);

    // Every 2025 cohort goes; the year is over, so its index keys go with the last one.
    for cohort in period_cohorts(&vault) {
        vault.destroy_cohort(&access(), cohort, now()).unwrap();
    }
    assert!(vault.read(&access(), &ids[0], now()).is_err());
    assert_eq!(
        vault
            .read(&access(), &ids[1], now())
            .unwrap()
            .contents
            .subjects[0]
            .name
            .as_deref(),
        Some("B")
    );
    assert!(
        lookup(&vault, "222-22-2222").is_empty(),
        "the index period has ended"
    );
    assert_eq!(
        vault
            .lookup_held(
                &access(),
                &SearchKey::Identifier(ssn("222222222")),
                &[placed.hold.id],
                now()
            )
            .unwrap(),
        vec![(ids[1], placed.hold.id)],
        "found through the hold's own index"
    );
    assert!(vault
        .lookup_held(
            &access(),
            &SearchKey::Identifier(ssn("111111111")),
            &[placed.hold.id],
            now()
        )
        .unwrap()
        .is_empty());

    let refused = vault
        .destroy_cohort(&access(), placed.hold.cohort, now())
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("a held record is never destroyed"),
        "{refused}"
    );

    let released = vault
        .release_hold(&access(), placed.hold.id, "case settled", now())
        .unwrap();
    assert_eq!(released.awaiting_destruction, 1, "its own cohort is gone");
    assert!(vault.holds_of(&ids[1]).unwrap().is_empty());
    assert_eq!(
        vault.hold_cohort_records(placed.hold.cohort).unwrap(),
        vec![ids[1]]
    );
    assert!(
        vault
            .lookup_held(
                &access(),
                &SearchKey::Identifier(ssn("222222222")),
                &[placed.hold.id],
                now()
            )
            .unwrap()
            .is_empty(),
        "a released hold's index is gone"
    );
    vault
        .destroy_cohort(&access(), placed.hold.cohort, now())
        .unwrap();
    assert!(matches!(
        vault.read(&access(), &ids[1], now()),
        Err(Error::NotFound(_))
    ));
    let again = vault.release_hold(&access(), placed.hold.id, "again", now());
    assert!(again.unwrap_err().to_string().contains("already released"));
}

#[test]
fn a_subject_hold_catches_records_stored_later_and_released_ones_return_home() {
    let (vault, _) = new_vault();
    let before = vault
        .ingest(&access(), &[record("A", "111-11-1111", 2026, 1)], now())
        .unwrap();
    let subject = ssn("111-11-1111");
    let placed = vault
        .place_hold(
            &access(),
            &spec("FOIA-2026-0042", HoldMode::Governance, None),
            HoldTarget::Subject(&subject),
            now(),
        )
        .unwrap();
    assert_eq!(placed.records, 1);
    assert_eq!(placed.hold.subject_kind, Some(IdentifierKind::Ssn));
    let later = vault
        .ingest(
            &access(),
            &[
                record("A AGAIN", "111111111", 2026, 3),
                record("OTHER", "999-99-9999", 2026, 3),
            ],
            now(),
        )
        .unwrap();
    let held: Vec<RecordId> = vault.hold_records(placed.hold.id).unwrap();
    assert_eq!(
        held,
        vec![before[0], later[0]],
        "the later record joined the hold"
    );
    assert!(vault.holds_of(&later[1]).unwrap().is_empty());
    // Still found through the period index while it lives, and through the hold's.
    assert_eq!(lookup(&vault, "111111111"), vec![before[0], later[0]]);

    let released = vault
        .release_hold(&access(), placed.hold.id, "request closed", now())
        .unwrap();
    assert_eq!(released.returned, 2);
    assert!(vault
        .hold_cohort_records(placed.hold.cohort)
        .unwrap()
        .is_empty());
    // Home again: destroying the March cohort takes the later record with it.
    let march = vault.partition_of(&later[0]).unwrap();
    assert_eq!(march.0.as_str(), "fincen-cbetf");
    for cohort in period_cohorts(&vault) {
        vault.destroy_cohort(&access(), cohort, now()).unwrap();
    }
    for id in [before[0], later[0], later[1]] {
        assert!(vault.read(&access(), &id, now()).is_err());
    }
    // Records stored after the release are not held.
    let after = vault
        .ingest(&access(), &[record("A", "111111111", 2026, 11)], now())
        .unwrap();
    assert!(vault.holds_of(&after[0]).unwrap().is_empty());
}

#[test]
fn a_record_under_two_holds_stays_held_until_both_are_released() {
    let (vault, _) = new_vault();
    let ids = vault
        .ingest(&access(), &[record("A", "111-11-1111", 2026, 1)], now())
        .unwrap();
    let first = vault
        .place_hold(
            &access(),
            &spec("LIT-1", HoldMode::Governance, None),
            HoldTarget::Records(&ids),
            now(),
        )
        .unwrap();
    let second = vault
        .place_hold(
            &access(),
            &spec("LIT-2", HoldMode::Governance, None),
            HoldTarget::Records(&ids),
            now(),
        )
        .unwrap();
    assert_eq!(
        (first.moved, second.moved),
        (1, 0),
        "it stays in the first hold's cohort"
    );
    let released = vault
        .release_hold(&access(), first.hold.id, "done", now())
        .unwrap();
    assert_eq!(released.still_held, 1);
    assert_eq!(vault.hold_cohort_records(second.hold.cohort).unwrap(), ids);
    for cohort in period_cohorts(&vault) {
        vault.destroy_cohort(&access(), cohort, now()).unwrap();
    }
    assert!(
        vault.read(&access(), &ids[0], now()).is_ok(),
        "the second hold keeps it"
    );
    vault
        .destroy_cohort(&access(), first.hold.cohort, now())
        .unwrap();
    assert!(
        vault.read(&access(), &ids[0], now()).is_ok(),
        "the first hold's cohort had no records left"
    );
    let released = vault
        .release_hold(&access(), second.hold.id, "done", now())
        .unwrap();
    assert_eq!(released.awaiting_destruction, 1);
}

#[test]
fn holds_are_refused_or_released_as_their_mode_says() {
    let (vault, store) = new_vault();
    let ids = vault
        .ingest(&access(), &[record("A", "111-11-1111", 2026, 1)], now())
        .unwrap();
    let in_a_year = now() + Duration::days(365);
    let bad_reason = HoldSpec {
        reason: "line\nbreak".into(),
        ..spec("LIT-1", HoldMode::Governance, None)
    };
    let bad_role = HoldSpec {
        roles: vec!["Counsel!".into()],
        ..spec("LIT-1", HoldMode::Governance, None)
    };
    let refusals: [(HoldSpec, &str); 5] = [
        (
            spec("LIT-1", HoldMode::Compliance, None),
            "needs a retain-until date",
        ),
        (
            spec(
                "LIT-1",
                HoldMode::Compliance,
                Some(now() - Duration::days(1)),
            ),
            "must be in the future",
        ),
        (
            spec("JOHN Q PUBLIC", HoldMode::Governance, None),
            "a hold reference must be",
        ),
        (bad_reason, "1 to 500 characters"),
        (bad_role, "a role is"),
    ];
    for (refused_spec, message) in refusals {
        let err = vault
            .place_hold(&access(), &refused_spec, HoldTarget::Records(&ids), now())
            .unwrap_err()
            .to_string();
        assert!(err.contains(message), "{err} / {message}");
    }
    assert!(vault.holds().unwrap().is_empty(), "nothing was stored");

    let compliance = vault
        .place_hold(
            &access(),
            &spec("LIT-2", HoldMode::Compliance, Some(in_a_year)),
            HoldTarget::Records(&ids),
            now(),
        )
        .unwrap();
    let early = vault
        .release_hold(
            &access(),
            compliance.hold.id,
            "please",
            now() + Duration::days(364),
        )
        .unwrap_err()
        .to_string();
    assert!(early.contains("nobody can release it earlier"), "{early}");
    vault
        .release_hold(
            &access(),
            compliance.hold.id,
            "retention date reached",
            in_a_year,
        )
        .unwrap();

    let governance = vault
        .place_hold(
            &access(),
            &spec("LIT-3", HoldMode::Governance, Some(in_a_year)),
            HoldTarget::Records(&ids),
            now(),
        )
        .unwrap();
    vault
        .release_hold(
            &access(),
            governance.hold.id,
            "counsel released it early",
            now(),
        )
        .unwrap();
    let listed = vault.holds().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|summary| !summary.hold.is_active()));
    assert_eq!(
        listed[1]
            .hold
            .released
            .as_ref()
            .map(|release| release.reason.as_str()),
        Some("counsel released it early")
    );

    // A retain-until date altered on disk is refused, not believed.
    let key = hold_key(compliance.hold.id);
    let mut value = store.get(Column::Meta, &key).unwrap().unwrap();
    value[20] ^= 1;
    let mut batch = WriteBatch::new();
    batch.put(Column::Meta, key, value);
    store
        .write(batch, crate::store::Durability::Synced)
        .unwrap();
    let tampered = vault.hold(compliance.hold.id).unwrap_err().to_string();
    assert!(tampered.contains("signature does not verify"), "{tampered}");
}

/// A request's preservation: several identifiers, only the systems it names, now and later;
/// its log entry counts the records and names none.
#[test]
fn a_hold_on_several_subjects_watches_only_its_systems() {
    let (vault, _) = new_vault();
    let in_other_system = |name: &str, ssn_value: &str| {
        let mut other = record(name, ssn_value, 2026, 2);
        other.system = SystemId::new("other-system").unwrap();
        other
    };
    let before = vault
        .ingest(
            &access(),
            &[
                record("A", "111-11-1111", 2026, 1),
                record("A", "222-22-2222", 2026, 1),
                in_other_system("A", "111-11-1111"),
                record("B", "999-99-9999", 2026, 1),
            ],
            now(),
        )
        .unwrap();
    let identifiers = [ssn("111-11-1111"), ssn("222-22-2222")];
    let systems = ["fincen-cbetf".to_owned()];
    let placed = vault
        .place_hold(
            &access(),
            &HoldSpec::new(
                "PA-2026-000001",
                "preserves what request PA-2026-000001 is about",
                HoldPurpose::Request,
                HoldMode::Governance,
            ),
            HoldTarget::Subjects {
                identifiers: &identifiers,
                systems: &systems,
            },
            now(),
        )
        .unwrap();
    assert_eq!(placed.records, 2);
    assert_eq!(vault.hold_records(placed.hold.id).unwrap(), before[..2]);
    let later = vault
        .ingest(
            &access(),
            &[
                record("A", "222222222", 2026, 4),
                in_other_system("A", "222-22-2222"),
            ],
            now(),
        )
        .unwrap();
    assert!(vault
        .hold_records(placed.hold.id)
        .unwrap()
        .contains(&later[0]));
    assert!(
        vault.holds_of(&later[1]).unwrap().is_empty(),
        "not its system"
    );
    assert!(
        vault.holds_of(&before[2]).unwrap().is_empty(),
        "not its system"
    );
    let logged = vault
        .audit_search(
            &access(),
            &crate::audit::LogQuery {
                action: Some("hold.place".into()),
                ..Default::default()
            },
            now(),
        )
        .unwrap();
    // A request's preservation names no record and counts nothing in the log: the count is
    // the case file's, shown as found at receipt.
    assert!(logged[0].record_ids.is_empty(), "{:?}", logged[0]);
    assert!(
        logged[0].outcome.ends_with(": placed") && !logged[0].outcome.contains("records"),
        "{}",
        logged[0].outcome
    );
    assert_eq!(placed.records, 2);
}

/// A subject hold's value in its first layout (one index kind and token, 17 bytes) reads as
/// one identifier in every system: holds placed before several subjects were possible keep
/// catching their subject's records.
#[test]
fn a_subject_value_of_the_first_layout_reads_unchanged() {
    let subject_token = [7u8; TOKEN_LEN];
    let first = [&[3u8][..], &subject_token].concat();
    assert_eq!(
        decode_subjects(&first).unwrap(),
        (vec![(3, subject_token)], Vec::new())
    );
    let systems = vec!["fincen-cbetf".to_owned()];
    let tokens = vec![(3, subject_token), (4, [9u8; TOKEN_LEN])];
    assert_eq!(
        decode_subjects(&encode_subjects(&tokens, &systems)).unwrap(),
        (tokens, systems)
    );
    assert!(decode_subjects(&[SUBJECT_VERSION, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
}

/// A held record is found through its hold's index by what its free text holds only by an
/// analyst's search (`lookup_held_with_free_text`), never by a search for the people it is
/// about (`lookup_held`): the hold's index keeps the free-text kinds apart too.
#[test]
fn a_hold_keeps_free_text_forms_apart_from_its_subjects() {
    let (vault, _) = new_vault();
    let mut contents = record("JOHN Q PUBLIC", "123-45-6789", 2026, 3);
    contents
        .fields
        .insert("memo".into(), "CALL TEL 1 555 123 4567".into());
    contents.source.insert(
        crate::scan::SCAN_SOURCE.into(),
        crate::scan::scan_entry(["memo"]),
    );
    let ids = vault.ingest(&access(), &[contents], now()).unwrap();
    let placed = vault
        .place_hold(
            &access(),
            &spec("LIT-9", HoldMode::Governance, None),
            HoldTarget::Records(&ids),
            now(),
        )
        .unwrap();
    let phone = SearchKey::Identifier(Identifier::new(
        model::IdentifierKind::Phone,
        "1-555-123-4567",
    ));
    let holds = [placed.hold.id];
    assert!(vault
        .lookup_held(&access(), &phone, &holds, now())
        .unwrap()
        .is_empty());
    assert_eq!(
        vault
            .lookup_held_with_free_text(&access(), &phone, &holds, now())
            .unwrap(),
        vec![(ids[0], placed.hold.id)]
    );
}

/// Before format 5 a TTAR record's identifiers held as fields (a legacy record's broker and
/// manufacturer ids) were indexed only where the format 4 upgrade reached: not for a record
/// already in a hold while its period was live, nor in its hold's index. The format 5 upgrade
/// indexes a held record in its period (while the period lasts) and in its hold, chunk by
/// chunk, and is done again after a crash before its last batch.
#[test]
fn the_format_5_upgrade_indexes_held_trade_records_in_their_period_and_hold() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(Arc::clone(&store), backend.clone()).unwrap();
    let trade = |entry: &str, broker: &str, year: i32| RecordContents {
        system: SystemId::new(crate::index::FIELD_IDENTIFIER_SYSTEM).unwrap(),
        category: "trade-financial".into(),
        collected_at: Utc.with_ymd_and_hms(year, 1, 15, 0, 0, 0).unwrap(),
        source: BTreeMap::from([("entry_number".into(), entry.into())]),
        subjects: vec![Subject {
            role: "importer".into(),
            name: Some("ACME IMPORTS".into()),
            identifiers: vec![],
        }],
        fields: BTreeMap::from([
            ("broker_id".into(), broker.into()),
            ("manufacturer_id".into(), "MFR-0042".into()),
        ]),
    };
    // E-1's year is over and its period cohort goes; E-2's period is live.
    let ids = vault
        .ingest(
            &access(),
            &[trade("E-1", "BRK-1", 2025), trade("E-2", "BRK-2", 2026)],
            now(),
        )
        .unwrap();
    let placed = vault
        .place_hold(
            &access(),
            &spec("LIT-TRADE", HoldMode::Governance, None),
            HoldTarget::Records(&ids),
            now(),
        )
        .unwrap();
    let year_2026 = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    for info in vault.key_status().unwrap().cohorts {
        if info.is_live()
            && matches!(info.kind, CohortKind::Period { end_ms, .. } if end_ms <= year_2026)
        {
            vault.destroy_cohort(&access(), info.id, now()).unwrap();
        }
    }
    let broker =
        |value: &str| SearchKey::Identifier(Identifier::new(IdentifierKind::BrokerId, value));
    let holds = [placed.hold.id];
    let through_hold = |vault: &Vault, value: &str| {
        vault
            .lookup_held(&access(), &broker(value), &holds, now())
            .unwrap()
    };
    let in_period = |vault: &Vault, value: &str| {
        vault
            .lookup(
                &access(),
                &SystemId::new(crate::index::FIELD_IDENTIFIER_SYSTEM).unwrap(),
                &broker(value),
                now(),
            )
            .unwrap()
    };
    assert_eq!(
        through_hold(&vault, "BRK-1"),
        vec![(ids[0], placed.hold.id)]
    );
    assert_eq!(in_period(&vault, "BRK-2"), vec![ids[1]]);
    drop(vault);

    // Back to what format 4 stored for them: no broker or manufacturer entries anywhere (the
    // kind is the sixth byte of a period entry and of a hold entry alike).
    let party_kinds = [
        IdentifierKind::BrokerId.tag(),
        IdentifierKind::ManufacturerId.tag(),
    ];
    let party_entries = || -> Vec<Vec<u8>> {
        store
            .scan(Column::Index, &[], None, usize::MAX)
            .unwrap()
            .into_iter()
            .map(|(key, _)| key)
            .filter(|key| key.len() > 5 && party_kinds.contains(&key[5]))
            .collect()
    };
    let stored = party_entries();
    assert_eq!(stored.len(), 6, "2 in E-2's period, 4 in the hold");
    let mut batch = WriteBatch::new();
    for key in &stored {
        batch.delete(Column::Index, key);
    }
    batch.put(Column::Meta, b"format", [4]);
    store
        .write(batch, crate::store::Durability::Synced)
        .unwrap();

    // A crash before the upgrade's last batch (the format byte with its log entry): the open
    // fails with the entries already written, the vault is still format 4, and the next open
    // does the upgrade again.
    let failing: Arc<dyn Store> = Arc::new(crate::testing::FaultyStore::new(
        Arc::clone(&store),
        |batch| {
            let upgrades = batch.ops().any(|op| {
                matches!(op, crate::store::Op::Put { column: Column::Meta, key, .. } if key == b"format")
            });
            if upgrades {
                Err(crate::testing::injected_failure("the write failed"))
            } else {
                Ok(())
            }
        },
    ));
    assert!(Vault::open_with(failing, backend.clone()).is_err());
    assert_eq!(
        store.get(Column::Meta, b"format").unwrap().as_deref(),
        Some(&[4u8][..])
    );
    assert_eq!(party_entries(), stored, "written before the crash");
    let vault = Vault::open_with(Arc::clone(&store), backend).unwrap();
    assert_eq!(party_entries(), stored);
    assert_eq!(
        through_hold(&vault, "BRK-1"),
        vec![(ids[0], placed.hold.id)]
    );
    assert_eq!(
        through_hold(&vault, "BRK-2"),
        vec![(ids[1], placed.hold.id)]
    );
    assert_eq!(in_period(&vault, "BRK-2"), vec![ids[1]]);
    let upgrades = vault
        .audit_search(
            &access(),
            &crate::audit::LogQuery {
                action: Some("vault.upgrade".into()),
                ..crate::audit::LogQuery::default()
            },
            now(),
        )
        .unwrap();
    assert_eq!(
        upgrades.len(),
        1,
        "logged once, by the open that finished it"
    );
    assert!(
        upgrades[0]
            .outcome
            .contains("2 read, 1 indexed in their period and 2 in their holds (6 index entries)"),
        "{}",
        upgrades[0].outcome
    );
}
