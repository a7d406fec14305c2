//! The review's two attacks on the access log, on a real RocksDB data directory, as someone
//! with the disk but no key would make them (the review did them with `ldb`): the vault is
//! stopped, the store is opened directly and rewritten, and `audit verify`'s check
//! (`verify_log_at`, pinned key, no key store) must fail, with and without the auditor's
//! newest anchor. Written with the store's public API only, so the same test ran against the
//! code before format 2 and showed both attacks passing verification there (docs/reliability.md).

use std::path::Path;

use tests::{access, now, transmittal, TestVault};
use vault::audit::verify_log_at;
use vault::store::{Column, Durability, RocksStore, Store, WriteBatch};

fn entry_key(seq: u64) -> Vec<u8> {
    [&b"e"[..], &seq.to_be_bytes()].concat()
}

fn checkpoint_key(seq: u64) -> Vec<u8> {
    [&b"c"[..], &seq.to_be_bytes()].concat()
}

/// A stopped vault's directories with a few dozen entries and a checkpoint every so often, its
/// pinned key, and the auditor's newest anchor.
fn stopped_vault() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    [u8; 32],
    vault::Checkpoint,
) {
    let test = TestVault::create().unwrap();
    let ids = test
        .vault
        .ingest(
            &access(),
            &[
                transmittal("ANA LOPEZ", "123-45-6789", "ACCT-1"),
                transmittal("BEN OKAFOR", "987-65-4321", "ACCT-2"),
            ],
            now(),
        )
        .unwrap();
    for round in 0..20 {
        test.vault.read(&access(), &ids[round % 2], now()).unwrap();
        if round % 7 == 0 {
            test.vault.anchor(&access(), now()).unwrap();
        }
    }
    let (anchor, public_key) = test.vault.anchor(&access(), now()).unwrap();
    // The vault is stopped: its directory is the attacker's.
    let TestVault {
        vault,
        data_dir,
        root,
        ..
    } = test;
    drop(vault);
    (root, data_dir, public_key, anchor)
}

fn with_copy(
    root: &Path,
    data_dir: &Path,
    name: &str,
    tamper: impl Fn(&RocksStore),
) -> std::path::PathBuf {
    let copy = root.join(name);
    tests::copy_dir(data_dir, &copy).unwrap();
    let store = RocksStore::open(&copy).unwrap();
    tamper(&store);
    drop(store);
    copy
}

#[test]
fn deleting_checkpoints_or_the_front_of_the_log_fails_verification() {
    let (root, data_dir, public_key, anchor) = stopped_vault();
    // Review finding 1: every checkpoint deleted (`deleterange 0x63 0x64`).
    let no_checkpoints = with_copy(root.path(), &data_dir, "no-checkpoints", |store| {
        let mut batch = WriteBatch::new();
        batch.delete_range(Column::Log, b"c", b"d");
        store.write(batch, Durability::Synced).unwrap();
    });
    // Review finding 2: the front deleted up to the newest checkpoint, the base moved there.
    let front_cut = with_copy(root.path(), &data_dir, "front-cut", |store| {
        let checkpoints = store
            .scan(Column::Log, b"c", Some(b"d"), usize::MAX)
            .unwrap();
        let (key, _) = checkpoints.last().unwrap();
        let newest = u64::from_be_bytes(key[1..9].try_into().unwrap());
        let mut batch = WriteBatch::new();
        batch.delete_range(Column::Log, entry_key(0), entry_key(newest));
        batch.delete_range(Column::Log, checkpoint_key(0), checkpoint_key(newest));
        batch.put(Column::Meta, b"log-base", newest.to_be_bytes());
        store.write(batch, Durability::Synced).unwrap();
    });
    let mut undetected = Vec::new();
    for (name, dir) in [
        ("no checkpoints", &no_checkpoints),
        ("front cut", &front_cut),
    ] {
        for anchor in [None, Some(&anchor)] {
            let report = verify_log_at(dir, &public_key, anchor).unwrap();
            if report.problem.is_none() {
                undetected.push(format!(
                    "{name} (anchor: {}): verifies with {} entries and {} checkpoints",
                    anchor.is_some(),
                    report.entries,
                    report.checkpoints
                ));
            }
        }
    }
    assert!(undetected.is_empty(), "{undetected:#?}");
    // The untouched directory verifies, with the anchor.
    let report = verify_log_at(&data_dir, &public_key, Some(&anchor)).unwrap();
    assert_eq!(report.problem, None);
}
