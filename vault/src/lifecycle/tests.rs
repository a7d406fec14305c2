//! Tests of holds, destruction and epoch changes through the vault's library API, including
//! crashes between the steps of an epoch change.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::TimeZone;

use super::*;
use crate::key_backend::{KeyBackend, MemKeyBackend, RootKey};
use crate::keyspace::META_MOVED;
use crate::store::{MemStore, Store};
use model::{Identifier, IdentifierKind, RecordContents, Subject, SystemId};

fn access() -> crate::log::Access {
    crate::log::Access::offline("tester", "testing")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn record(name: &str, month: u32) -> RecordContents {
    RecordContents {
        system: SystemId::new("fincen-cbetf").unwrap(),
        category: "transmittal".into(),
        collected_at: Utc.with_ymd_and_hms(2026, month, 15, 0, 0, 0).unwrap(),
        source: BTreeMap::from([("report_id".into(), "R-1".into())]),
        subjects: vec![Subject {
            role: "transmittor".into(),
            name: Some(name.into()),
            identifiers: vec![Identifier::new(IdentifierKind::Ssn, "123456789")],
        }],
        fields: BTreeMap::new(),
    }
}

/// A key backend whose destruction step can be made to fail, as a crash between the commit
/// of an epoch change and the destruction of the old root key would.
#[derive(Debug)]
struct FlakyBackend {
    inner: MemKeyBackend,
    fail_destroy: AtomicBool,
}

impl KeyBackend for FlakyBackend {
    fn root_keys(&self) -> Result<Vec<RootKey>> {
        self.inner.root_keys()
    }
    fn add_root_key(&self, epoch: u32) -> Result<()> {
        self.inner.add_root_key(epoch)
    }
    fn destroy_root_keys_before(&self, epoch: u32) -> Result<()> {
        if self.fail_destroy.swap(false, Ordering::SeqCst) {
            return Err(Error::Storage("simulated crash".into()));
        }
        self.inner.destroy_root_keys_before(epoch)
    }
    fn is_secure(&self) -> bool {
        false
    }
    fn high_water_mark(&self) -> Result<Option<Vec<u8>>> {
        self.inner.high_water_mark()
    }
    fn set_high_water_mark(&self, mark: &[u8]) -> Result<()> {
        self.inner.set_high_water_mark(mark)
    }
}

struct Fixture {
    vault: Vault,
    store: Arc<dyn Store>,
    backend: Arc<FlakyBackend>,
    january: Vec<RecordId>,
    february: Vec<RecordId>,
}

fn fixture() -> Fixture {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend = Arc::new(FlakyBackend {
        inner: MemKeyBackend::generate().unwrap(),
        fail_destroy: AtomicBool::new(false),
    });
    let vault = Vault::create_with(Arc::clone(&store), backend.clone()).unwrap();
    let january = vault
        .ingest(
            &access(),
            &[record("JAN A", 1), record("JAN B", 1), record("JAN C", 1)],
            now(),
        )
        .unwrap();
    let february = vault
        .ingest(&access(), &[record("FEB A", 2), record("FEB B", 2)], now())
        .unwrap();
    Fixture {
        vault,
        store,
        backend,
        january,
        february,
    }
}

/// The epochs whose root keys `backend` holds.
fn epochs(backend: &dyn KeyBackend) -> Vec<u32> {
    backend
        .root_keys()
        .unwrap()
        .iter()
        .map(RootKey::epoch)
        .collect()
}

fn period_cohort_of(vault: &Vault, month: u32) -> u32 {
    let start = Utc
        .with_ymd_and_hms(2026, month, 1, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    vault
        .key_status()
        .unwrap()
        .cohorts
        .iter()
        .find(|info| matches!(info.kind, CohortKind::Period { start_ms, .. } if start_ms == start))
        .unwrap()
        .id
}

fn name(vault: &Vault, id: &RecordId) -> Result<String> {
    Ok(vault.read(&access(), id, now())?.contents.subjects[0]
        .name
        .clone()
        .unwrap_or_default())
}

#[test]
fn records_of_each_month_share_a_cohort_key() {
    let Fixture { vault, .. } = fixture();
    let status = vault.key_status().unwrap();
    assert_eq!(status.root_epoch, 1);
    let periods = status
        .cohorts
        .iter()
        .filter(|info| matches!(info.kind, CohortKind::Period { .. }))
        .count();
    let index_periods = status
        .cohorts
        .iter()
        .filter(|info| matches!(info.kind, CohortKind::IndexPeriod { year: 2026, .. }))
        .count();
    // January and February; the 2026 index keys for names and SSNs.
    assert_eq!((periods, index_periods), (2, 2));
    assert_eq!(status.live_cohort_keys, 4);
    assert!(status.cohorts.iter().all(CohortInfo::is_live));
    assert_ne!(period_cohort_of(&vault, 1), period_cohort_of(&vault, 2));
}

#[test]
fn destroying_a_cohort_spares_held_records_and_other_cohorts() {
    let Fixture {
        vault,
        backend,
        january,
        february,
        ..
    } = fixture();
    assert_eq!(
        vault
            .place_hold(
                &access(),
                &crate::HoldSpec::new(
                    "LIT-2026-001",
                    "litigation",
                    crate::HoldPurpose::Litigation,
                    crate::HoldMode::Governance
                ),
                crate::HoldTarget::Records(&january[1..2]),
                now()
            )
            .unwrap()
            .moved,
        1
    );
    assert_eq!(
        vault
            .place_hold(
                &access(),
                &crate::HoldSpec::new(
                    "LIT-2026-001",
                    "litigation",
                    crate::HoldPurpose::Litigation,
                    crate::HoldMode::Governance
                ),
                crate::HoldTarget::Records(&january[1..2]),
                now()
            )
            .unwrap()
            .moved,
        0,
        "already held"
    );
    assert_eq!(
        name(&vault, &january[1]).unwrap(),
        "JAN B",
        "a moved record still reads"
    );

    let destruction = vault
        .destroy_cohort(&access(), period_cohort_of(&vault, 1), now())
        .unwrap();
    assert_eq!(destruction.survivors, 1);
    assert_eq!(destruction.new_epoch, 2);
    let epochs: Vec<u32> = epochs(&*backend);
    assert_eq!(epochs, vec![2], "the previous root key is destroyed");

    for destroyed in [january[0], january[2]] {
        assert!(matches!(
            vault.read(&access(), &destroyed, now()),
            Err(Error::NotFound(_))
        ));
    }
    assert_eq!(name(&vault, &january[1]).unwrap(), "JAN B");
    assert_eq!(name(&vault, &february[0]).unwrap(), "FEB A");
    assert_eq!(vault.verify(&access(), now()).unwrap().records, 3);

    let late = vault
        .ingest(&access(), &[record("LATE JAN", 1)], now())
        .unwrap_err()
        .to_string();
    assert!(
        late.starts_with("record 1: its retention period has ended"),
        "{late}"
    );
    let again = vault
        .destroy_cohort(&access(), period_cohort_of(&vault, 1), now())
        .unwrap_err();
    assert!(
        again.to_string().ends_with("is already destroyed"),
        "{again}"
    );
    let hold = vault
        .key_status()
        .unwrap()
        .cohorts
        .iter()
        .find(|c| matches!(c.kind, CohortKind::Hold { .. }))
        .unwrap()
        .id;
    let held = vault
        .destroy_cohort(&access(), hold, now())
        .unwrap_err()
        .to_string();
    assert!(held.contains("a held record is never destroyed"), "{held}");
}

#[test]
fn holds_are_all_or_nothing_and_references_are_checked() {
    let Fixture {
        vault,
        store,
        january,
        ..
    } = fixture();
    let absent = RecordId::new(1, 0, 99, 99);
    let refused = vault.place_hold(
        &access(),
        &crate::HoldSpec::new(
            "LIT-1",
            "litigation",
            crate::HoldPurpose::Litigation,
            crate::HoldMode::Governance,
        ),
        crate::HoldTarget::Records(&[january[0], absent]),
        now(),
    );
    assert!(matches!(refused, Err(Error::NotFound(_))), "{refused:?}");
    assert!(store
        .scan(Column::Meta, META_MOVED, Some(b"moved0"), 10)
        .unwrap()
        .is_empty());
    for reference in ["", "JOHN Q PUBLIC", &"x".repeat(65)] {
        assert!(
            vault
                .place_hold(
                    &access(),
                    &crate::HoldSpec::new(
                        reference,
                        "litigation",
                        crate::HoldPurpose::Litigation,
                        crate::HoldMode::Governance
                    ),
                    crate::HoldTarget::Records(&january),
                    now()
                )
                .is_err(),
            "{reference:?}"
        );
    }
}

#[test]
fn rotation_rewraps_cohort_keys_and_everything_still_reads_after_reopen() {
    let Fixture {
        vault,
        store,
        backend,
        january,
        february,
    } = fixture();
    assert_eq!(vault.rotate_root_key(&access(), now()).unwrap(), 2);
    assert_eq!(vault.rotate_root_key(&access(), now()).unwrap(), 3);
    drop(vault);
    let vault = Vault::open_with(store, backend.clone()).unwrap();
    assert_eq!(vault.key_status().unwrap().root_epoch, 3);
    for id in january.iter().chain(&february) {
        vault.read(&access(), id, now()).unwrap();
    }
    let epochs: Vec<u32> = epochs(&*backend);
    assert_eq!(epochs, vec![3]);
}

/// The destruction commits, then the old root key's destruction fails (a crash there): the
/// caller is told, and the next open finishes the job.
#[test]
fn a_crash_after_the_commit_is_finished_at_the_next_open() {
    let Fixture {
        vault,
        store,
        backend,
        january,
        february,
    } = fixture();
    backend.fail_destroy.store(true, Ordering::SeqCst);
    assert!(vault
        .destroy_cohort(&access(), period_cohort_of(&vault, 1), now())
        .is_err());
    drop(vault);
    let held: Vec<u32> = epochs(&*backend);
    assert_eq!(held, vec![1, 2], "the crash left both root keys");

    let vault = Vault::open_with(store, backend.clone()).unwrap();
    let held: Vec<u32> = epochs(&*backend);
    assert_eq!(held, vec![2], "the open destroyed the old one");
    assert!(
        matches!(
            vault.read(&access(), &january[0], now()),
            Err(Error::NotFound(_))
        ),
        "the purge was finished"
    );
    assert_eq!(name(&vault, &february[1]).unwrap(), "FEB B");
}

/// The backend stored a new root key, then the commit never happened: the old epoch stays in
/// force, and the next change replaces the unused key.
#[test]
fn a_crash_before_the_commit_leaves_the_old_epoch_in_force() {
    let Fixture {
        vault,
        store,
        backend,
        january,
        ..
    } = fixture();
    drop(vault);
    backend.add_root_key(2).unwrap();
    let vault = Vault::open_with(Arc::clone(&store), backend.clone()).unwrap();
    assert_eq!(vault.key_status().unwrap().root_epoch, 1);
    vault.read(&access(), &january[0], now()).unwrap();
    assert_eq!(vault.rotate_root_key(&access(), now()).unwrap(), 2);
    drop(vault);
    let vault = Vault::open_with(store, backend).unwrap();
    vault.read(&access(), &january[0], now()).unwrap();
}

/// Short windows want daily cohorts, long ones yearly: a partition's bucket decides, and it is
/// fixed once the partition has records.
#[test]
fn destruction_buckets_are_set_per_category_before_its_first_record() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(store, backend).unwrap();
    let pnr = SystemId::new("cbp-pnr").unwrap();
    let at = |month: u32, day: u32| Utc.with_ymd_and_hms(2026, month, day, 9, 0, 0).unwrap();
    let pnr_record = |day: u32| {
        let mut record = record("PASSENGER", 3);
        record.system = pnr.clone();
        record.category = "pnr".into();
        record.collected_at = at(3, day);
        record
    };
    vault
        .set_destruction_bucket(&access(), &pnr, "pnr", crate::cohort::Bucket::Day, now())
        .unwrap();
    vault
        .set_destruction_bucket(
            &access(),
            &SystemId::new("fincen-cbetf").unwrap(),
            "transmittal",
            crate::cohort::Bucket::Year,
            now(),
        )
        .unwrap();
    let days = vault
        .ingest(
            &access(),
            &[pnr_record(1), pnr_record(2), pnr_record(2), pnr_record(3)],
            now(),
        )
        .unwrap();
    let transmittals = vault
        .ingest(&access(), &[record("JAN", 1), record("FEB", 2)], now())
        .unwrap();

    let periods: Vec<(u16, i64, i64)> = vault
        .key_status()
        .unwrap()
        .cohorts
        .iter()
        .filter_map(|info| match info.kind {
            CohortKind::Period {
                partition,
                start_ms,
                end_ms,
            } => Some((partition, start_ms, end_ms)),
            _ => None,
        })
        .collect();
    let day_ms = 86_400_000;
    let pnr_periods: Vec<_> = periods
        .iter()
        .filter(|(partition, ..)| *partition == days[0].partition())
        .collect();
    assert_eq!(pnr_periods.len(), 3, "one cohort a day");
    assert!(pnr_periods
        .iter()
        .all(|(_, start, end)| end - start == day_ms));
    let year: Vec<_> = periods
        .iter()
        .filter(|(partition, ..)| *partition == transmittals[0].partition())
        .collect();
    assert_eq!(
        year.len(),
        1,
        "January and February share the year's cohort"
    );

    // Destroying 2 March spares 1 and 3 March.
    let march_2 = vault
        .key_status()
        .unwrap()
        .cohorts
        .iter()
        .find(|info| matches!(info.kind, CohortKind::Period { start_ms, .. } if start_ms == at(3, 2).timestamp_millis() - 9 * 3_600_000))
        .unwrap()
        .id;
    vault.destroy_cohort(&access(), march_2, now()).unwrap();
    let readable: Vec<bool> = days
        .iter()
        .map(|id| vault.read(&access(), id, now()).is_ok())
        .collect();
    assert_eq!(readable, [true, false, false, true]);

    let refused = vault
        .set_destruction_bucket(&access(), &pnr, "pnr", crate::cohort::Bucket::Month, now())
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("already has records: its destruction bucket is fixed"),
        "{refused}"
    );
}

mod stalls;

/// A person's read of a record leaves a mark (the record's id, which carries its collection
/// time, and when it was read). Destroying the record's period cohort takes the mark with the
/// record; a held record keeps its own. Before, the marks of a period destroyed without a
/// deferral stayed in the metadata for good.
#[test]
fn destroying_a_period_cohort_removes_the_marks_of_its_records_a_person_read() {
    let Fixture {
        vault,
        store,
        january,
        february,
        ..
    } = fixture();
    vault
        .place_hold(
            &access(),
            &crate::HoldSpec::new(
                "LIT-2026-002",
                "litigation",
                crate::HoldPurpose::Litigation,
                crate::HoldMode::Governance,
            ),
            crate::HoldTarget::Records(&january[1..2]),
            now(),
        )
        .unwrap();
    for id in january.iter().chain(&february) {
        vault.read_by_person(&access(), id, now()).unwrap();
        assert!(vault.manually_accessed(id).unwrap());
    }
    vault
        .destroy_cohort(&access(), period_cohort_of(&vault, 1), now())
        .unwrap();
    for (id, kept) in [
        (january[0], false),
        (january[1], true),
        (january[2], false),
        (february[0], true),
        (february[1], true),
    ] {
        assert_eq!(vault.manually_accessed(&id).unwrap(), kept, "{id}");
    }
    let marks = store
        .scan(
            Column::Meta,
            crate::keyspace::META_MANUAL_ACCESS,
            Some(&crate::store::prefix_end(
                crate::keyspace::META_MANUAL_ACCESS,
            )),
            usize::MAX,
        )
        .unwrap();
    assert_eq!(marks.len(), 3);
}

/// A vault whose earlier build left the marks of destroyed records behind loses them at its
/// next open, once; a live record's mark stays.
#[test]
fn marks_left_behind_by_earlier_destructions_are_swept_at_open() {
    let Fixture {
        vault,
        store,
        backend,
        january,
        ..
    } = fixture();
    vault.read_by_person(&access(), &january[0], now()).unwrap();
    // What the purge before 90c8cfc left: a mark whose record is gone.
    let gone = RecordId::new(january[0].partition(), 1_000, 1, 1);
    let mut batch = WriteBatch::new();
    batch.put(
        Column::Meta,
        crate::keyspace::manual_access_key(&gone),
        now().timestamp_millis().to_be_bytes(),
    );
    batch.delete(Column::Meta, crate::keyspace::META_MARKS_SWEPT);
    store
        .write(batch, crate::store::Durability::Synced)
        .unwrap();
    assert!(vault.manually_accessed(&gone).unwrap());
    drop(vault);
    let vault = Vault::open_with(Arc::clone(&store), backend).unwrap();
    assert!(!vault.manually_accessed(&gone).unwrap());
    assert!(vault.manually_accessed(&january[0]).unwrap());
    assert!(store
        .get(Column::Meta, crate::keyspace::META_MARKS_SWEPT)
        .unwrap()
        .is_some());
}
