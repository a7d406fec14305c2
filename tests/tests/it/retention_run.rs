//! The proof a retention run owes (issue 9): copy the data directory before the run; after it,
//! nothing of the destroyed records decrypts from the copy with the keys that remain, their
//! identifiers cannot be probed in the copy's index, and once the compaction has run a raw scan
//! of the live directory finds neither their ciphertext nor their index entries. The held
//! record is the positive control: its ciphertext is still found, so the scan can see.

use chrono::{TimeZone, Utc};
use model::{Identifier, IdentifierKind, SystemId};
use tests::{now, transmittal, TestVault};
use vault::store::{Column, RocksStore, Store};
use vault::{FileKeyBackend, SearchKey, Vault};

fn collected(name: &str, ssn: &str, year: i32, month: u32) -> model::RecordContents {
    let mut record = transmittal(name, ssn, "000123");
    record.collected_at = Utc.with_ymd_and_hms(year, month, 10, 0, 0, 0).unwrap();
    record
}

#[test]
fn a_run_leaves_nothing_of_what_it_destroyed_in_an_old_copy_or_on_disk() {
    let test_vault = TestVault::create().unwrap();
    let ssns = ["111-11-1111", "222-22-2222", "333-33-3333"];
    let january = test_vault
        .vault
        .ingest(
            &tests::access(),
            &[
                collected("JAN A", ssns[0], 2026, 1),
                collected("JAN B", ssns[1], 2026, 1),
                collected("JAN C", ssns[2], 2026, 1),
            ],
            now(),
        )
        .unwrap();
    let later = test_vault
        .vault
        .ingest(
            &tests::access(),
            &[collected("LATER", "444-44-4444", 2027, 2)],
            Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap(),
        )
        .unwrap();
    let hold = vault::HoldSpec::new(
        "LIT-2026-8",
        "pending litigation",
        vault::HoldPurpose::Litigation,
        vault::HoldMode::Governance,
    );
    test_vault
        .vault
        .place_hold(
            &tests::access(),
            &hold,
            vault::HoldTarget::Records(&january[2..]),
            now(),
        )
        .unwrap();
    let TestVault {
        vault,
        data_dir,
        key_store,
        root,
        ..
    } = test_vault;
    vault::testing::flush_and_compact(&vault).unwrap();
    drop(vault);
    let old_copy = root.path().join("old-copy");
    tests::copy_dir(&data_dir, &old_copy).unwrap();

    // What the destroyed records look like on disk: a slice of each sealed record and each of
    // their index entries, taken from the copy. The held record's slice is the control.
    let copy_store = RocksStore::open(&old_copy).unwrap();
    let sealed_slice = |id: &model::RecordId| {
        let value = copy_store
            .get(Column::Records, id.as_bytes())
            .unwrap()
            .unwrap();
        value[value.len() - 40..].to_vec()
    };
    let destroyed_ciphertext: Vec<Vec<u8>> = january[..2].iter().map(sealed_slice).collect();
    let held_ciphertext = sealed_slice(&january[2]);
    let destroyed_index_entries: Vec<Vec<u8>> = copy_store
        .scan(Column::Index, &[], None, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(key, _)| key)
        .filter(|key| january[..2].iter().any(|id| key.ends_with(id.as_bytes())))
        .collect();
    assert_eq!(
        destroyed_index_entries.len(),
        6,
        "a name, an SSN and an account each"
    );

    // The run, five years on: January 2026 goes, and with it the 2026 index period.
    let vault = Vault::open(&data_dir, &key_store).unwrap();
    let catalog = policy::Catalog::builtin().unwrap();
    let at = Utc.with_ymd_and_hms(2031, 3, 1, 12, 0, 0).unwrap();
    let report = retention::run::run(
        &vault,
        &catalog,
        &tests::access(),
        at,
        &retention::run::RunOptions::default(),
    )
    .unwrap();
    assert_eq!(report.destroyed.len(), 1);
    assert_eq!(
        (report.destroyed[0].records, report.destroyed[0].held),
        (2, Some(1))
    );
    let mut progress = Vec::new();
    vault
        .compact_destroyed(&mut |done, all, column| progress.push((done, all, column.to_owned())))
        .unwrap();
    assert_eq!(progress.len(), Column::ALL.len());
    assert_eq!(
        progress.last().map(|(done, all, _)| done == all),
        Some(true)
    );

    // The copy, with the keys that remain: nothing decrypts, nobody can be probed.
    let remaining_keys = FileKeyBackend::open(&key_store, &old_copy).unwrap();
    assert_eq!(
        vault::testing::count_decryptable(&copy_store, &remaining_keys).unwrap(),
        0
    );
    let system = SystemId::new("fincen-cbetf").unwrap();
    for ssn in &ssns[..2] {
        let key = SearchKey::Identifier(Identifier::new(IdentifierKind::Ssn, *ssn));
        assert!(
            vault::testing::probe_copy_index(&vault, &copy_store, &system, &key)
                .unwrap()
                .is_empty()
        );
    }

    // The live directory, raw: none of the destroyed ciphertext or index entries is left.
    let found = crate::at_rest::scan(&data_dir, &destroyed_ciphertext);
    assert!(found.is_empty(), "destroyed ciphertext on disk: {found:?}");
    let found = crate::at_rest::scan(&data_dir, &destroyed_index_entries);
    assert!(
        found.is_empty(),
        "destroyed index entries on disk: {found:?}"
    );
    assert!(
        !crate::at_rest::scan(&data_dir, &[held_ciphertext]).is_empty(),
        "the control: the held record's ciphertext is still found"
    );
    assert!(vault.read(&tests::access(), &january[2], at).is_ok());
    assert!(vault.read(&tests::access(), &later[0], at).is_ok());
}
