//! The restore drill: back up; destroy a cohort; move another record to a hold; restore the
//! old backup with the current key table. Every record that still lives comes back, none that
//! was destroyed does, and the backup alone decrypts nothing once its epoch is gone.

use std::fs;
use std::path::Path;

use chrono::{TimeZone, Utc};
use model::RecordId;
use tests::{now, transmittal, TestVault};
use vault::store::RocksStore;
use vault::{Error, FileKeyBackend, Vault, KEY_TABLE_FILE};

fn in_month(name: &str, month: u32) -> model::RecordContents {
    let mut record = transmittal(name, "123-45-6789", "000123");
    record.collected_at = Utc.with_ymd_and_hms(2026, month, 10, 0, 0, 0).unwrap();
    record
}

fn name(vault: &Vault, id: &RecordId) -> Option<String> {
    match vault.read(&tests::access(), id, now()) {
        Ok(record) => record.contents.subjects[0].name.clone(),
        Err(Error::NotFound(_)) => None,
        Err(err) => panic!("{id}: {err}"),
    }
}

fn files_contain(dir: &Path, needle: &[u8]) -> bool {
    fs::read_dir(dir).unwrap().any(|entry| {
        let bytes = fs::read(entry.unwrap().path()).unwrap();
        bytes.windows(needle.len()).any(|window| window == needle)
    })
}

#[test]
fn restoring_an_old_backup_brings_back_what_lives_and_nothing_destroyed() {
    let test_vault = TestVault::create().unwrap();
    let vault = &test_vault.vault;
    let root = test_vault.root();
    let jan = vault
        .ingest(
            &tests::access(),
            &[in_month("JAN A", 1), in_month("JAN B", 1)],
            now(),
        )
        .unwrap();
    let feb = vault
        .ingest(
            &tests::access(),
            &[in_month("FEB C", 2), in_month("FEB D", 2)],
            now(),
        )
        .unwrap();
    let mar = vault
        .ingest(&tests::access(), &[in_month("MAR E", 3)], now())
        .unwrap();

    let backup_dir = root.join("backup-1");
    let report = vault.backup(&tests::access(), &backup_dir, now()).unwrap();
    assert_eq!(report.epoch, 1);
    let current_table = test_vault.key_table_dir.join(KEY_TABLE_FILE);
    assert_eq!(report.key_table.as_deref(), Some(current_table.as_path()));
    let table_at_backup = root.join("key-table-at-backup");
    fs::copy(&current_table, &table_at_backup).unwrap();

    // No root-key bytes in the backup, in raw or hexadecimal form.
    let key_store_text = fs::read_to_string(&test_vault.key_store).unwrap();
    let root_hex = key_store_text
        .lines()
        .nth(1)
        .unwrap()
        .split(' ')
        .nth(2)
        .unwrap();
    assert!(!files_contain(&backup_dir, root_hex.as_bytes()));
    assert!(!files_contain(&backup_dir, &hex_decode(root_hex)));
    assert!(!files_contain(
        &test_vault.key_table_dir,
        &hex_decode(root_hex)
    ));

    // After the backup: January is destroyed, one February record goes on hold, April arrives.
    vault
        .destroy_cohort(
            &tests::access(),
            tests::cohort_of_month(vault, 2026, 1).unwrap(),
            now(),
        )
        .unwrap();
    vault
        .place_hold(
            &tests::access(),
            &vault::HoldSpec::new(
                "LIT-2026-9",
                "litigation",
                vault::HoldPurpose::Litigation,
                vault::HoldMode::Governance,
            ),
            vault::HoldTarget::Records(&feb[1..]),
            now(),
        )
        .unwrap();
    let apr = vault
        .ingest(&tests::access(), &[in_month("APR F", 4)], now())
        .unwrap();

    // The backup alone is now useless: its epoch's root key is gone.
    let copy_store = RocksStore::open(&backup_dir).unwrap();
    let current_keys = FileKeyBackend::open(&test_vault.key_store, &backup_dir).unwrap();
    assert_eq!(
        vault::testing::count_decryptable(&copy_store, &current_keys).unwrap(),
        0
    );
    drop(copy_store);

    // The key table of the backup's own time belongs to a destroyed epoch: refused.
    let stale = vault::restore(
        &backup_dir,
        &table_at_backup,
        &root.join("restored-stale"),
        &test_vault.key_store,
    );
    assert!(
        matches!(stale, Err(Error::RootKeyMissing { epoch: 1, .. })),
        "{stale:?}"
    );
    assert!(
        !root.join("restored-stale").exists(),
        "a refused restore leaves nothing behind"
    );

    // The drill: the old backup with the current key table.
    let restored_dir = root.join("restored");
    let restored = vault::restore(
        &backup_dir,
        &current_table,
        &restored_dir,
        &test_vault.key_store,
    )
    .unwrap();
    assert_eq!(
        (restored.records, restored.purged, restored.epoch),
        (3, 2, 2)
    );
    let vault = Vault::open(&restored_dir, &test_vault.key_store).unwrap();
    assert_eq!(name(&vault, &jan[0]), None, "destroyed since the backup");
    assert_eq!(name(&vault, &jan[1]), None, "destroyed since the backup");
    assert_eq!(name(&vault, &feb[0]).as_deref(), Some("FEB C"));
    assert_eq!(name(&vault, &feb[1]).as_deref(), Some("FEB D"));
    assert_eq!(name(&vault, &mar[0]).as_deref(), Some("MAR E"));
    assert_eq!(name(&vault, &apr[0]), None, "never in the backup");

    // The hold came back with the key table: destroying February spares the held record.
    let destruction = vault
        .destroy_cohort(
            &tests::access(),
            tests::cohort_of_month(&vault, 2026, 2).unwrap(),
            now(),
        )
        .unwrap();
    assert_eq!(destruction.survivors, 1);
    assert_eq!(name(&vault, &feb[0]), None);
    assert_eq!(name(&vault, &feb[1]).as_deref(), Some("FEB D"));
}

fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).unwrap())
        .collect()
}
