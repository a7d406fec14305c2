//! A filling disk (threat (b) of docs/threat-model.md), on a real size-limited filesystem: a
//! tmpfs the test mounts and removes. Ingest is refused with a clear error once free space
//! falls under the reserve, before RocksDB can meet ENOSPC; every batch acknowledged before is
//! stored and readable, the refused batch stored nothing, and the vault still serves reads.
//! Needs root (to mount), as CI runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use tests::{access, now, transmittal};
use vault::{Error, Vault};

/// A tmpfs of `mib` MiB mounted on a fresh directory, unmounted and removed on drop.
struct SmallDisk {
    mount: PathBuf,
    _root: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(mib: u32) -> Self {
        let root = tempfile::tempdir().unwrap();
        let mount = root.path().join("disk");
        std::fs::create_dir(&mount).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(&mount)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "mounting a tmpfs failed ({status}): this test needs root, as CI runs"
        );
        SmallDisk { mount, _root: root }
    }

    /// Free bytes on the disk, as `df` reports them.
    fn available(&self) -> u64 {
        let out = Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(&self.mount)
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.mount).status();
    }
}

fn batch(first: usize) -> Vec<model::RecordContents> {
    (first..first + 500)
        .map(|n| {
            transmittal(
                &format!("PERSON {n}"),
                &format!("{:09}", 400_000_000 + n),
                &format!("ACCT-{n}"),
            )
        })
        .collect()
}

fn open(disk: &SmallDisk, keys: &Path) -> Vault {
    Vault::open(&disk.mount.join("data"), &keys.join("root.key")).unwrap()
}

#[test]
fn ingest_is_refused_under_the_reserve_before_the_disk_fills() {
    let disk = SmallDisk::mount(512);
    let keys = tempfile::tempdir().unwrap();
    drop(
        Vault::create(
            &access(),
            &disk.mount.join("data"),
            &keys.path().join("root.key"),
            &keys.path().join("key-tables"),
            now(),
        )
        .unwrap(),
    );
    let vault = open(&disk, keys.path());
    // The first batch makes the month's keys and the write-ahead log's first block; then a
    // reserve a few MiB under what is free: a few more batches cross it.
    let mut acknowledged = vault.ingest(&access(), &batch(0), now()).unwrap().len();
    eprintln!("free after the first batch: {} MiB", disk.available() >> 20);
    let reserve = disk.available().saturating_sub(8 << 20);
    vault.set_disk_reserve(reserve);
    let refusal = loop {
        match vault.ingest(&access(), &batch(acknowledged), now()) {
            Ok(ids) => acknowledged += ids.len(),
            Err(err) => break err,
        }
        assert!(acknowledged < 200_000, "the reserve was never reached");
    };
    assert!(
        matches!(refusal, Error::InsufficientStorage { .. }),
        "{refusal}"
    );
    assert!(
        refusal
            .to_string()
            .contains("nothing of this batch was stored"),
        "{refusal}"
    );
    assert!(acknowledged > 500, "nothing was stored before the reserve");
    eprintln!(
        "refused at {} MiB free after {acknowledged} records",
        disk.available() >> 20
    );
    assert!(disk.available() > 0, "the disk itself never filled");
    // Every acknowledged record is there and readable; the refused batch left nothing.
    let report = vault.verify(&access(), now()).unwrap();
    assert_eq!(
        (report.records, report.unreadable.len()),
        (acknowledged as u64, 0)
    );
    // Reads and other logged operations go on under the reserve; after a restart too.
    drop(vault);
    let vault = open(&disk, keys.path());
    assert_eq!(
        vault.verify(&access(), now()).unwrap().records,
        acknowledged as u64
    );
}

/// The disk fills anyway (the reserve set to nothing, a file filling the rest): RocksDB meets
/// ENOSPC in the middle of ingest. The failed batch is refused and stored nothing; once space
/// is freed, the same open vault takes writes again (the store is reopened in-process, no
/// restart), and every acknowledged record is there, before and after a restart.
#[test]
fn the_store_recovers_in_process_after_the_disk_really_fills() {
    let disk = SmallDisk::mount(96);
    let keys = tempfile::tempdir().unwrap();
    drop(
        Vault::create(
            &access(),
            &disk.mount.join("data"),
            &keys.path().join("root.key"),
            &keys.path().join("key-tables"),
            now(),
        )
        .unwrap(),
    );
    let vault = open(&disk, keys.path());
    vault.set_disk_reserve(0);
    let mut acknowledged = vault.ingest(&access(), &batch(0), now()).unwrap().len();
    // Leave about 12 MiB: a few batches fill it.
    let filler = disk.mount.join("filler");
    let fill = disk.available().saturating_sub(12 << 20);
    std::fs::write(&filler, vec![0u8; usize::try_from(fill).unwrap()]).unwrap();
    let failure = loop {
        match vault.ingest(&access(), &batch(acknowledged), now()) {
            Ok(ids) => acknowledged += ids.len(),
            Err(err) => break err,
        }
        assert!(acknowledged < 200_000, "the disk never filled");
    };
    eprintln!(
        "failed after {acknowledged} records at {} KiB free: {failure}",
        disk.available() >> 10
    );
    std::fs::remove_file(&filler).unwrap();
    let mut after = None;
    for attempt in 0..3 {
        match vault.ingest(&access(), &batch(acknowledged), now()) {
            Ok(ids) => {
                after = Some(attempt);
                acknowledged += ids.len();
                break;
            }
            Err(err) => eprintln!("attempt {attempt} after freeing space: {err}"),
        }
    }
    assert_eq!(after, Some(0), "the store took writes again at once");
    let report = vault.verify(&access(), now()).unwrap();
    assert_eq!(
        (report.records, report.unreadable.len()),
        (acknowledged as u64, 0)
    );
    drop(vault);
    let vault = open(&disk, keys.path());
    assert_eq!(
        vault.verify(&access(), now()).unwrap().records,
        acknowledged as u64
    );
}
