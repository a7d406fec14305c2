//! Shared fixtures for the workspace's tests: temporary vaults, a fixed clock, sample records.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use model::{Identifier, IdentifierKind, RecordContents, Subject, SystemId};
use vault::Vault;

/// The access context of every test's operations (an offline operator).
pub fn access() -> vault::Access {
    vault::Access::offline("tester", "testing")
}

/// The fixed "now" of every test.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A vault in a temporary directory, with its key store beside (not inside) its data directory.
/// Fields are dropped in order: the vault before the directory that holds it.
pub struct TestVault {
    /// The open vault.
    pub vault: Vault,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The key store file.
    pub key_store: PathBuf,
    /// Where the key table is exported.
    pub key_table_dir: PathBuf,
    /// The temporary directory holding both; removed on drop.
    pub root: tempfile::TempDir,
}

impl TestVault {
    /// Creates a fresh vault.
    pub fn create() -> vault::Result<Self> {
        let root = tempfile::Builder::new()
            .prefix("vault-tests")
            .tempdir()
            .map_err(|err| vault::Error::Storage(err.to_string()))?;
        let data_dir = root.path().join("data");
        let key_store = root.path().join("root.key");
        let key_table_dir = root.path().join("key-tables");
        let vault = Vault::create(&access(), &data_dir, &key_store, &key_table_dir, now())?;
        Ok(TestVault {
            vault,
            data_dir,
            key_store,
            key_table_dir,
            root,
        })
    }

    /// The temporary directory holding the data directory and key store.
    pub fn root(&self) -> &Path {
        self.root.path()
    }
}

/// The id of the period cohort holding records collected in `year`-`month`.
pub fn cohort_of_month(vault: &Vault, year: i32, month: u32) -> Option<u32> {
    let start = Utc
        .with_ymd_and_hms(year, month, 1, 0, 0, 0)
        .single()?
        .timestamp_millis();
    vault
        .key_status()
        .ok()?
        .cohorts
        .iter()
        .find(|cohort| matches!(cohort.kind, vault::CohortKind::Period { start_ms, .. } if start_ms == start))
        .map(|cohort| cohort.id)
}

/// A CBETF transmittal about one person, with the given name, SSN and account number.
pub fn transmittal(name: &str, ssn: &str, account: &str) -> RecordContents {
    RecordContents {
        system: SystemId::new("fincen-cbetf").unwrap_or_else(|_| unreachable!()),
        category: "transmittal".into(),
        collected_at: Utc
            .with_ymd_and_hms(2026, 1, 15, 0, 0, 0)
            .single()
            .unwrap_or_default(),
        source: BTreeMap::from([("report_id".into(), "R-1".into())]),
        subjects: vec![Subject {
            role: "transmittor".into(),
            name: Some(name.into()),
            identifiers: vec![
                Identifier::new(IdentifierKind::Ssn, ssn),
                Identifier::new(IdentifierKind::Account, account),
            ],
        }],
        fields: BTreeMap::from([
            ("amount".into(), "1500.00".into()),
            ("currency".into(), "USD".into()),
        ]),
    }
}

/// Copies the files of a directory (a stopped vault's data directory: flat) into `to`, as
/// someone taking a copy of the disk would.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        std::fs::copy(entry.path(), to.join(entry.file_name()))?;
    }
    Ok(())
}
