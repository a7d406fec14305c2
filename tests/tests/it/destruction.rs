//! Deletion that holds against old copies (invariant 4): copy the data directory, destroy a
//! cohort, and with the key material that remains nothing in the copy decrypts, while the live
//! vault still reads its survivors, including a record moved to a hold.

use std::fs;

use chrono::{TimeZone, Utc};
use tests::{now, transmittal, TestVault};
use vault::store::RocksStore;
use vault::{Error, FileKeyBackend, Vault};

fn in_month(name: &str, month: u32) -> model::RecordContents {
    let mut record = transmittal(name, "123-45-6789", "000123");
    record.collected_at = Utc.with_ymd_and_hms(2026, month, 10, 0, 0, 0).unwrap();
    record
}

#[test]
fn an_old_copy_decrypts_nothing_after_a_destruction() {
    let test_vault = TestVault::create().unwrap();
    let january = test_vault
        .vault
        .ingest(
            &tests::access(),
            &[
                in_month("JAN A", 1),
                in_month("JAN B", 1),
                in_month("JAN C", 1),
            ],
            now(),
        )
        .unwrap();
    let february = test_vault
        .vault
        .ingest(
            &tests::access(),
            &[in_month("FEB A", 2), in_month("FEB B", 2)],
            now(),
        )
        .unwrap();
    test_vault
        .vault
        .place_hold(
            &tests::access(),
            &vault::HoldSpec::new(
                "LIT-2026-7",
                "litigation",
                vault::HoldPurpose::Litigation,
                vault::HoldMode::Governance,
            ),
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
    drop(vault);

    // The copy an operator's backup, a disk snapshot or a thief would hold, and (for the
    // positive control only) a copy of the key store as it was then.
    let old_copy = root.path().join("old-copy");
    tests::copy_dir(&data_dir, &old_copy).unwrap();
    let old_key_store = root.path().join("old-root.key");
    fs::copy(&key_store, &old_key_store).unwrap();

    let vault = Vault::open(&data_dir, &key_store).unwrap();
    let january_cohort = tests::cohort_of_month(&vault, 2026, 1).unwrap();
    let destruction = vault
        .destroy_cohort(&tests::access(), january_cohort, now())
        .unwrap();
    assert_eq!((destruction.survivors, destruction.new_epoch), (1, 2));

    // The live vault: destroyed records are gone, survivors read.
    assert!(matches!(
        vault.read(&tests::access(), &january[0], now()),
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        vault.read(&tests::access(), &january[1], now()),
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        vault
            .read(&tests::access(), &january[2], now())
            .unwrap()
            .contents
            .subjects[0]
            .name
            .as_deref(),
        Some("JAN C")
    );
    assert_eq!(
        vault
            .read(&tests::access(), &february[1], now())
            .unwrap()
            .contents
            .subjects[0]
            .name
            .as_deref(),
        Some("FEB B")
    );
    drop(vault);

    // The old copy with the key store as it is now: the vault refuses it, and the attacker's
    // routine, trying every remaining root key on every wrapped key, decrypts nothing at all,
    // not even the records that still live (their cohort keys were wrapped by the destroyed
    // epoch's root key).
    let refused = Vault::open(&old_copy, &key_store).unwrap_err();
    assert!(
        matches!(refused, Error::RootKeyMissing { epoch: 1, .. }),
        "{refused}"
    );
    let copy_store = RocksStore::open(&old_copy).unwrap();
    let current_keys = FileKeyBackend::open(&key_store, &old_copy).unwrap();
    assert_eq!(
        vault::testing::count_decryptable(&copy_store, &current_keys).unwrap(),
        0
    );

    // Positive control: the same routine with the old key store decrypts all five, so the
    // zero above is the keys' doing, not the routine's.
    let old_keys = FileKeyBackend::open(&old_key_store, &old_copy).unwrap();
    assert_eq!(
        vault::testing::count_decryptable(&copy_store, &old_keys).unwrap(),
        5
    );
    drop(copy_store);

    // And the key store file itself holds only the new epoch.
    let text = fs::read_to_string(&key_store).unwrap();
    assert_eq!(
        text.lines()
            .filter(|line| line.starts_with("root "))
            .count(),
        1
    );
    assert!(text.contains("\nroot 2 "), "only epoch 2 remains");
    drop(root);
}

/// After a cohort's destruction and its index period's end, an old copy probed with the keys
/// that remain finds nothing for a destroyed person, while a living person is still found in
/// it (the probe works), and the destroyed person was found in it before (the copy has them).
#[test]
fn an_old_copy_cannot_be_probed_for_a_destroyed_person() {
    let test_vault = TestVault::create().unwrap();
    let mut destroyed_person = transmittal("ZEBULON QUIXOTE", "078-05-1120", "ACCT-1");
    destroyed_person.collected_at = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
    let living_person = transmittal("JANE ROE", "219-09-9999", "ACCT-2");
    test_vault
        .vault
        .ingest(&tests::access(), &[destroyed_person, living_person], now())
        .unwrap();
    let TestVault {
        vault,
        data_dir,
        key_store,
        root,
        ..
    } = test_vault;
    drop(vault);
    let old_copy = root.path().join("old-copy");
    tests::copy_dir(&data_dir, &old_copy).unwrap();
    let copy_store = RocksStore::open(&old_copy).unwrap();

    let vault = Vault::open(&data_dir, &key_store).unwrap();
    let system = model::SystemId::new("fincen-cbetf").unwrap();
    let ssn = |value: &str| {
        vault::SearchKey::Identifier(model::Identifier::new(model::IdentifierKind::Ssn, value))
    };
    let name = |value: &str| vault::SearchKey::Name(value.into());
    let probe = |vault: &Vault, key: &vault::SearchKey| {
        vault::testing::probe_copy_index(vault, &copy_store, &system, key)
            .unwrap()
            .len()
    };
    assert_eq!(
        probe(&vault, &ssn("078051120")),
        1,
        "before: the copy holds the person"
    );
    assert_eq!(probe(&vault, &name("Zebulon Quixote")), 1);

    let march_2024 = tests::cohort_of_month(&vault, 2024, 3).unwrap();
    let destruction = vault
        .destroy_cohort(&tests::access(), march_2024, now())
        .unwrap();
    assert_eq!(
        destruction.index_keys_destroyed, 3,
        "2024's name, SSN and account keys"
    );

    for key in [
        ssn("078051120"),
        ssn("078-05-1120"),
        name("ZEBULON QUIXOTE"),
    ] {
        assert_eq!(probe(&vault, &key), 0, "{key:?}");
        assert!(vault
            .lookup(&tests::access(), &system, &key, now())
            .unwrap()
            .is_empty());
    }
    assert_eq!(
        probe(&vault, &ssn("219-09-9999")),
        1,
        "a living person is still found"
    );
    assert_eq!(
        vault
            .lookup(&tests::access(), &system, &ssn("219099999"), now())
            .unwrap()
            .len(),
        1
    );
    drop(copy_store);
    drop(vault);
    drop(root);
}
