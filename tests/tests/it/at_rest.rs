//! No plaintext at rest: names, SSNs and account numbers never appear in any file under the
//! data directory (SST, WAL, MANIFEST, engine logs), while the same scan does find them in a
//! deliberately unencrypted control store. The build carries no compression codec at all, so
//! compression cannot be what hides them.

use std::fs;
use std::path::Path;

use tests::{now, transmittal, TestVault};
use vault::store::{Column, Durability, RocksStore, Store, WriteBatch};

const N_PEOPLE: usize = 200;

/// Distinctive names, SSNs and account numbers, one set per person.
fn people() -> Vec<(String, String, String)> {
    (0..N_PEOPLE)
        .map(|n| {
            (
                format!("ZEBULON QUIXOTE-MARPLE {n:03}"),
                format!("{:03}-{:02}-{:04}", 700 + n % 100, 11 + n % 80, 4000 + n),
                format!("ACCT-QX-{:08}", 31_000_000 + n),
            )
        })
        .collect()
}

/// Every form in which a person's data could leak: as written, and as normalized for search.
fn needles_of(people: &[(String, String, String)]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (name, ssn, account) in people {
        let account_id = model::Identifier::new(model::IdentifierKind::Account, account.as_str());
        out.push(name.as_bytes().to_vec());
        out.push(name.to_lowercase().into_bytes());
        out.push(model::normalize::name(name).into_bytes());
        out.push(ssn.as_bytes().to_vec());
        out.push(ssn.replace('-', "").into_bytes());
        out.push(account.as_bytes().to_vec());
        out.push(model::normalize::identifier(&account_id).into_bytes());
    }
    out.sort();
    out.dedup();
    out
}

/// Every needle found in any file under `dir`, with the file it was found in.
pub(crate) fn scan(dir: &Path, needles: &[Vec<u8>]) -> Vec<(String, String)> {
    // RocksDB may delete an obsolete file between the listing and the read (a purge after
    // compaction runs in the background), having moved what it held into a file the listing
    // did not see: a pass in which a file vanished is repeated until one sees every file.
    for _ in 0..20 {
        if let Some(found) = scan_once(dir, needles) {
            return found;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!(
        "files kept vanishing under {} during the scan",
        dir.display()
    )
}

/// One pass of [`scan`]: `None` if a file vanished between the listing and its read.
fn scan_once(dir: &Path, needles: &[Vec<u8>]) -> Option<Vec<(String, String)>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    let mut n_files = 0;
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(
                fs::read_dir(&path)
                    .unwrap()
                    .map(|entry| entry.unwrap().path()),
            );
            continue;
        }
        let bytes = match fs::read(&path) {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
            read => read.unwrap(),
        };
        n_files += 1;
        for needle in needles {
            if bytes
                .windows(needle.len())
                .any(|window| window == needle.as_slice())
            {
                found.push((
                    path.display().to_string(),
                    String::from_utf8_lossy(needle).into_owned(),
                ));
            }
        }
    }
    assert!(
        n_files >= 3,
        "the scan found only {n_files} files under {}",
        dir.display()
    );
    Some(found)
}

fn file_names(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn no_identifier_or_name_is_on_disk_in_the_clear() {
    let people = people();
    let needles = needles_of(&people);
    let test_vault = TestVault::create().unwrap();
    let records: Vec<_> = people
        .iter()
        .map(|(name, ssn, account)| transmittal(name, ssn, account))
        .collect();
    for chunk in records.chunks(50) {
        test_vault
            .vault
            .ingest(&tests::access(), chunk, now())
            .unwrap();
    }

    // Straight after ingest the records are in the write-ahead log and memtables only.
    assert!(file_names(&test_vault.data_dir)
        .iter()
        .any(|name| name.ends_with(".log")));
    assert_eq!(
        scan(&test_vault.data_dir, &needles),
        Vec::<(String, String)>::new()
    );

    // After flush and compaction they are in SST files.
    vault::testing::flush_and_compact(&test_vault.vault).unwrap();
    assert!(file_names(&test_vault.data_dir)
        .iter()
        .any(|name| name.ends_with(".sst")));
    assert_eq!(
        scan(&test_vault.data_dir, &needles),
        Vec::<(String, String)>::new()
    );

    // And after a clean shutdown, with the engine's LOG files written.
    let TestVault {
        vault,
        data_dir,
        root,
        ..
    } = test_vault;
    drop(vault);
    assert_eq!(scan(&data_dir, &needles), Vec::<(String, String)>::new());
    drop(root);
}

/// The positive control: the same records written unencrypted are found by the same scan, so
/// the scan above could have failed.
#[test]
fn the_scan_finds_plaintext_in_an_unencrypted_control_store() {
    let people = people();
    let needles = needles_of(&people);
    let root = tempfile::Builder::new()
        .prefix("vault-tests")
        .tempdir()
        .unwrap();
    let control_dir = root.path().join("control");
    {
        let store = RocksStore::create(&control_dir).unwrap();
        let mut batch = WriteBatch::new();
        for (n, (name, ssn, account)) in people.iter().enumerate() {
            // Every needle of this person, as an unencrypted store would hold them.
            let value = needles_of(&[(name.clone(), ssn.clone(), account.clone())])
                .into_iter()
                .map(|needle| String::from_utf8(needle).unwrap())
                .collect::<Vec<_>>()
                .join("|");
            batch.put(
                Column::Records,
                (n as u64).to_be_bytes(),
                value.into_bytes(),
            );
        }
        store.write(batch, Durability::Synced).unwrap();
        assert_eq!(
            scan(&control_dir, &needles).len(),
            needles.len(),
            "in the WAL"
        );
        store.flush().unwrap();
        store.compact().unwrap();
    }
    let found = scan(&control_dir, &needles);
    let mut found_needles: Vec<&str> = found.iter().map(|(_, needle)| needle.as_str()).collect();
    found_needles.sort();
    found_needles.dedup();
    assert_eq!(
        found_needles.len(),
        needles.len(),
        "every needle is found in the control"
    );
}

#[test]
fn records_survive_reopen_and_a_copy_needs_the_key_store() {
    let test_vault = TestVault::create().unwrap();
    let id = test_vault
        .vault
        .ingest(
            &tests::access(),
            &[transmittal("A", "123456789", "1")],
            now(),
        )
        .unwrap()[0];
    let TestVault {
        vault,
        data_dir,
        key_store,
        root,
        ..
    } = test_vault;
    drop(vault);
    let reopened = vault::Vault::open(&data_dir, &key_store).unwrap();
    assert_eq!(
        reopened
            .read(&tests::access(), &id, now())
            .unwrap()
            .contents
            .subjects[0]
            .name
            .as_deref(),
        Some("A")
    );
    drop(reopened);
    // A key store made for another vault does not open this one.
    let other_key_store = root.path().join("other.key");
    drop(
        vault::Vault::create(
            &tests::access(),
            &root.path().join("other"),
            &other_key_store,
            &root.path().join("other-tables"),
            now(),
        )
        .unwrap(),
    );
    let refused = vault::Vault::open(&data_dir, &other_key_store);
    assert!(
        matches!(refused, Err(vault::Error::WrongKeyStore)),
        "{refused:?}"
    );
}
