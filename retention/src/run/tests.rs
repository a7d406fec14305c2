//! Runs against a vault on injected days: what is due goes with a certificate, what is held
//! stays, and a clock set back or jumped forward refuses.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::TimeZone;
use model::{Identifier, IdentifierKind, RecordContents, Subject, SystemId};
use vault::store::{MemStore, Store};
use vault::{KeyBackend, MemKeyBackend};

use super::*;

fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

fn access() -> Access {
    Access::offline("records-officer", "retention")
}

fn transmittal(ssn: &str, d: u32) -> RecordContents {
    RecordContents {
        system: SystemId::new("fincen-cbetf").unwrap(),
        category: "transmittal".into(),
        collected_at: Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap(),
        source: BTreeMap::from([("report_id".into(), format!("R-{d}"))]),
        subjects: vec![Subject {
            role: "transmittor".into(),
            name: Some("JOHN Q PUBLIC".into()),
            identifiers: vec![Identifier::new(IdentifierKind::Ssn, ssn)],
        }],
        fields: BTreeMap::new(),
    }
}

#[test]
fn a_run_destroys_what_is_due_keeps_what_is_held_and_signs_a_certificate() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(store, backend).unwrap();
    let catalog = Catalog::builtin().unwrap();
    let ids = vault
        .ingest(
            &access(),
            &[
                transmittal("123-45-6781", 5),
                transmittal("123-45-6782", 6),
                transmittal("123-45-6783", 7),
            ],
            day(2026, 11, 24),
        )
        .unwrap();
    vault
        .place_hold(
            &access(),
            &vault::HoldSpec::new(
                "LIT-2030-1",
                "litigation",
                vault::HoldPurpose::Litigation,
                vault::HoldMode::Governance,
            ),
            vault::HoldTarget::Records(&ids[2..]),
            day(2026, 11, 24),
        )
        .unwrap();

    // Nothing is due before five years after the last day of January 2026.
    let early = run(
        &vault,
        &catalog,
        &access(),
        day(2031, 1, 30),
        &RunOptions::default(),
    )
    .unwrap();
    assert!(early.destroyed.is_empty() && early.certificate.is_none());

    // The clock may not go behind a time a run relied on, nor jump without confirmation.
    let behind = run(
        &vault,
        &catalog,
        &access(),
        day(2030, 1, 1),
        &RunOptions::default(),
    );
    assert!(
        matches!(behind, Err(RunError::ClockBehind { .. })),
        "{behind:?}"
    );
    let jumped = run(
        &vault,
        &catalog,
        &access(),
        day(2031, 2, 5),
        &RunOptions::default(),
    );
    assert!(
        matches!(jumped, Err(RunError::ClockJumped { .. })),
        "{jumped:?}"
    );

    // Too large for one approval (the limit set at 1 for the test).
    let large = RunOptions {
        confirm_clock: true,
        max_records: 1,
        ..RunOptions::default()
    };
    let refused = run(&vault, &catalog, &access(), day(2031, 2, 5), &large);
    assert!(
        matches!(refused, Err(RunError::NeedsSecondApproval { records: 2 })),
        "{refused:?}"
    );
    // An approval binds the plan it was given for: another plan's digest, another day's, or
    // the runner's own approval does not do.
    let (records, cohorts, digest) =
        crate::run::plan_digest(&vault, &catalog, day(2031, 2, 5)).unwrap();
    assert_eq!((records, cohorts), (2, 1));
    let (_, _, next_day) = crate::run::plan_digest(&vault, &catalog, day(2031, 2, 6)).unwrap();
    assert_ne!(digest, next_day, "the day is bound");
    for (approver, plan_digest) in [
        ("another-officer", [0u8; 32]),
        ("another-officer", next_day),
        (access().principal.as_str(), digest),
    ] {
        let wrong = RunOptions {
            approval: Some(crate::run::PlanApproval {
                approver: approver.to_owned(),
                plan_digest,
            }),
            ..large.clone()
        };
        let refused = run(&vault, &catalog, &access(), day(2031, 2, 5), &wrong);
        assert!(
            matches!(refused, Err(RunError::NeedsSecondApproval { .. })),
            "{approver}: {refused:?}"
        );
    }
    let approved = RunOptions {
        approval: Some(crate::run::PlanApproval {
            approver: "another-officer".into(),
            plan_digest: digest,
        }),
        ..large
    };
    let report = run(&vault, &catalog, &access(), day(2031, 2, 5), &approved).unwrap();
    assert_eq!(report.destroyed.len(), 1);
    assert_eq!(
        (
            report.destroyed[0].records,
            report.destroyed[0].held.unwrap()
        ),
        (2, 1)
    );
    let certificate = report.certificate.unwrap();
    assert!(
        certificate.text.contains("2 records, ids sha256"),
        "{}",
        certificate.text
    );
    assert!(
        certificate
            .text
            .contains("held: 1 kept by hold H-1 `LIT-2030-1`"),
        "{}",
        certificate.text
    );
    assert!(certificate
        .text
        .contains("second approval: another-officer"));
    assert_eq!(vault.certificates("retention").unwrap(), [certificate]);

    // The destroyed records are gone, the held one is not; a second run has nothing to do.
    assert!(vault.read(&access(), &ids[0], day(2031, 2, 5)).is_err());
    assert!(vault.read(&access(), &ids[2], day(2031, 2, 5)).is_ok());
    let again = run(
        &vault,
        &catalog,
        &access(),
        day(2031, 2, 6),
        &RunOptions::default(),
    )
    .unwrap();
    assert!(again.destroyed.is_empty());
}

fn record_of(system: &str, category: &str, ssn: &str, collected: DateTime<Utc>) -> RecordContents {
    RecordContents {
        system: SystemId::new(system).unwrap(),
        category: category.into(),
        collected_at: collected,
        source: BTreeMap::from([("report_id".into(), "R-1".into())]),
        subjects: vec![Subject {
            role: "traveler".into(),
            name: Some("JANE ROE".into()),
            identifiers: vec![Identifier::new(IdentifierKind::Ssn, ssn)],
        }],
        fields: BTreeMap::new(),
    }
}

fn confirmed() -> RunOptions {
    RunOptions {
        confirm_clock: true,
        ..RunOptions::default()
    }
}

fn found(vault: &Vault, system: &str, ssn: &str, now: DateTime<Utc>) -> Vec<model::RecordId> {
    vault
        .lookup(
            &access(),
            &SystemId::new(system).unwrap(),
            &vault::SearchKey::Identifier(Identifier::new(IdentifierKind::Ssn, ssn)),
            now,
        )
        .unwrap()
}

/// The seeded schedules on injected days: 7 days, 3.5 years, 10 years and 11.5 years, with
/// PNR's access-dependent branch, a held record and an enforcement link across the windows.
#[test]
fn time_moves_across_every_window_of_the_seeded_schedules() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(store, backend).unwrap();
    let catalog = Catalog::builtin().unwrap();
    let pnr = SystemId::new("cbp-pnr").unwrap();
    vault
        .set_destruction_bucket(&access(), &pnr, "pnr", vault::Bucket::Day, day(2026, 1, 1))
        .unwrap();
    let collected = Utc.with_ymd_and_hms(2026, 1, 10, 8, 0, 0).unwrap();
    let ids = vault
        .ingest(
            &access(),
            &[
                record_of("cbp-pnr", "pnr", "111-11-1111", collected), // read by an analyst
                record_of("cbp-pnr", "pnr", "222-22-2222", collected), // never read
                record_of("cbp-pnr", "pnr", "333-33-3333", collected), // linked to a case
                record_of(
                    "dhs-ice-005-ttar",
                    "trade-financial",
                    "444-44-4444",
                    collected,
                ),
            ],
            day(2026, 1, 10),
        )
        .unwrap();
    let (read, unread, linked, trade) = (ids[0], ids[1], ids[2], ids[3]);
    vault
        .read_by_person(&access(), &read, day(2026, 1, 12))
        .unwrap();
    vault.read(&access(), &unread, day(2026, 1, 12)).unwrap(); // automated: not a person
    let link = vault::HoldSpec::new(
        "ENF-2026-17",
        "linked to enforcement case ENF-2026-17",
        vault::HoldPurpose::EnforcementLink,
        vault::HoldMode::Governance,
    );
    let held = vault
        .place_hold(
            &access(),
            &link,
            vault::HoldTarget::Records(&[linked]),
            day(2026, 1, 12),
        )
        .unwrap();

    // 7 days: production ends, limited begins; nothing is destroyed.
    let phase = |at: DateTime<Utc>| {
        catalog
            .phase_at("cbp-pnr", collected, at)
            .map(|p| p.name.clone())
    };
    assert_eq!(phase(day(2026, 1, 16)).as_deref(), Some("production"));
    assert_eq!(phase(day(2026, 1, 18)).as_deref(), Some("limited"));
    let report = run(&vault, &catalog, &access(), day(2026, 1, 18), &confirmed()).unwrap();
    assert!(report.destroyed.is_empty());

    // 3.5 years: the read record moves to the deleted record file and leaves the index, the
    // unread one goes, the linked one stays in its accessible phase.
    assert_eq!(
        found(&vault, "cbp-pnr", "111111111", day(2029, 7, 9)),
        vec![read]
    );
    assert!(
        run(&vault, &catalog, &access(), day(2029, 7, 9), &confirmed())
            .unwrap()
            .destroyed
            .is_empty()
    );
    let report = run(&vault, &catalog, &access(), day(2029, 7, 11), &confirmed()).unwrap();
    assert_eq!(report.destroyed.len(), 1);
    let pnr_day = &report.destroyed[0];
    assert_eq!(
        (pnr_day.records, pnr_day.deferred, pnr_day.held),
        (1, 1, Some(2))
    );
    let text = &report.certificate.as_ref().unwrap().text;
    assert!(
        text.contains("1 records read by a person moved first to the deleted-record-file phase"),
        "{text}"
    );
    assert!(
        text.contains("held: 1 kept by hold H-1 `ENF-2026-17`"),
        "{text}"
    );
    assert!(
        text.contains("held: 1 kept by the deleted record file"),
        "{text}"
    );
    assert!(vault.read(&access(), &unread, day(2029, 7, 11)).is_err());
    assert!(vault.read(&access(), &read, day(2029, 7, 11)).is_ok());
    assert!(
        found(&vault, "cbp-pnr", "111111111", day(2029, 7, 11)).is_empty(),
        "not readily searchable"
    );
    assert_eq!(
        catalog
            .held_phase_at("cbp-pnr", collected, day(2029, 7, 11), true)
            .map(|p| p.name.as_str()),
        Some("limited"),
        "the linked record stays accessible"
    );

    // 10 years: TTAR goes (5 production + 5 archive) once the last day of its monthly cohort
    // is ten years old; the read PNR stays in its file.
    assert_eq!(
        catalog
            .phase_at("dhs-ice-005-ttar", collected, day(2031, 2, 1))
            .map(|p| p.name.as_str()),
        Some("archive")
    );
    let report = run(&vault, &catalog, &access(), day(2036, 2, 1), &confirmed()).unwrap();
    assert_eq!(report.destroyed.len(), 1);
    assert!(vault.read(&access(), &trade, day(2036, 2, 1)).is_err());
    assert!(vault.read(&access(), &read, day(2036, 2, 1)).is_ok());

    // 11.5 years: the deleted record file goes; the linked record waits for its case.
    let report = run(&vault, &catalog, &access(), day(2037, 7, 11), &confirmed()).unwrap();
    assert_eq!(report.destroyed.len(), 1);
    assert!(report.destroyed[0].due.cohort.deferred);
    assert!(vault.read(&access(), &read, day(2037, 7, 11)).is_err());
    assert!(vault.read(&access(), &linked, day(2037, 7, 11)).is_ok());

    // The enforcement record is archived: the link is released and the record goes next run.
    vault
        .release_hold(
            &access(),
            held.hold.id,
            "enforcement record ENF-2026-17 archived",
            day(2037, 8, 1),
        )
        .unwrap();
    let plan = plan_of(&vault, &catalog, day(2037, 8, 1)).unwrap();
    assert_eq!(plan.len(), 1, "{plan:?}");
    let report = run(&vault, &catalog, &access(), day(2037, 8, 1), &confirmed()).unwrap();
    assert_eq!(report.destroyed[0].records, 1);
    assert!(vault.read(&access(), &linked, day(2037, 8, 1)).is_err());
    assert!(
        run(&vault, &catalog, &access(), day(2037, 8, 2), &confirmed())
            .unwrap()
            .certificate
            .is_none()
    );
}

/// The TTAR catalog with its proposed schedule approved and in force (the old one retired).
fn ttar_migrated() -> Catalog {
    let texts: Vec<(String, String)> = policy::sorn::BUILTIN
        .iter()
        .map(|(file, text)| {
            let text = if *file == "dhs-ice-005-ttar.toml" {
                text.replace(
                    "id = \"records-in-force\"\nartefact = \"records\"\nstatus = \"approved\"\nin_force = true",
                    "id = \"records-in-force\"\nartefact = \"records\"\nstatus = \"approved\"\nin_force = false",
                )
                .replace(
                    "id = \"records-proposed\"\nartefact = \"records\"\nstatus = \"proposed\"",
                    "id = \"records-proposed\"\nartefact = \"records\"\nstatus = \"approved\"\nin_force = true",
                )
            } else {
                (*text).to_owned()
            };
            ((*file).to_owned(), text)
        })
        .collect();
    Catalog::from_texts(&texts).unwrap()
}

#[test]
fn ttar_records_migrate_to_the_proposed_schedule_once_it_is_approved() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(store, backend).unwrap();
    let collected = Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap();
    vault
        .ingest(
            &access(),
            &[record_of(
                "dhs-ice-005-ttar",
                "trade-financial",
                "444-44-4444",
                collected,
            )],
            day(2026, 1, 10),
        )
        .unwrap();
    let before = Catalog::builtin().unwrap();
    let after = ttar_migrated();
    assert_eq!(
        after.records_schedule("dhs-ice-005-ttar").unwrap().id,
        "records-proposed",
        "the fixture text moved"
    );
    // Six years in: archived under the old schedule, still in production under the new one.
    let six = day(2032, 1, 10);
    let phase = |catalog: &Catalog| {
        catalog
            .phase_at("dhs-ice-005-ttar", collected, six)
            .map(|p| p.name.clone())
    };
    assert_eq!(phase(&before).as_deref(), Some("archive"));
    assert_eq!(phase(&after).as_deref(), Some("production"));
    // The stored records need no rewrite: cohorts are by collection time, and the new
    // schedule is ten years, no shorter than the old: the plan names it from now on.
    let plan = plan_of(&vault, &after, day(2036, 2, 1)).unwrap();
    assert_eq!(plan.len(), 1);
    assert_eq!(
        (plan[0].schedule.as_str(), plan[0].destroy),
        ("records-proposed", true)
    );
    assert!(plan_of(&vault, &after, day(2036, 1, 31))
        .unwrap()
        .is_empty());
}

#[test]
fn a_proposed_schedule_destroys_nothing_and_says_so() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(store, backend).unwrap();
    let collected = Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap();
    let ids = vault
        .ingest(
            &access(),
            &[record_of(
                "dhs-ice-005-ttar",
                "trade-financial",
                "444-44-4444",
                collected,
            )],
            day(2026, 1, 10),
        )
        .unwrap();
    // A catalog whose proposed TTAR schedule would end records at 3 years.
    let texts: Vec<(String, String)> = policy::sorn::BUILTIN
        .iter()
        .map(|(file, text)| {
            let text = if *file == "dhs-ice-005-ttar.toml" {
                text.replace(
                    "phase = [\n  { name = \"production\", ends_after = { years = 10 } },\n]\n\n[[schedule]]\nid = \"raw-input-in-force\"",
                    "phase = [\n  { name = \"production\", ends_after = { years = 3 } },\n]\n\n[[schedule]]\nid = \"raw-input-in-force\"",
                )
            } else {
                (*text).to_owned()
            };
            ((*file).to_owned(), text)
        })
        .collect();
    let catalog = Catalog::from_texts(&texts).unwrap();
    let report = run(
        &vault,
        &catalog,
        &access(),
        day(2029, 6, 1),
        &RunOptions::default(),
    )
    .unwrap();
    assert!(report.destroyed.is_empty());
    assert_eq!(report.reported.len(), 1);
    let text = report.certificate.unwrap().text;
    assert!(
        text.contains("nothing is destroyed under a schedule not approved"),
        "{text}"
    );
    assert!(vault.read(&access(), &ids[0], day(2029, 6, 1)).is_ok());
}

/// Fails the `n`th batch that destroys cohort keys, as a crash just before that destruction's
/// commit would; everything before it is stored (the `before_write` of a `FaultyStore`).
fn crash_at_destruction(
    destructions_left: &std::sync::atomic::AtomicI64,
    batch: &vault::store::WriteBatch,
) -> vault::Result<()> {
    let destroys_keys = batch.ops().any(|op| {
        matches!(
            op,
            vault::store::Op::DeleteRange {
                column: vault::store::Column::Keys,
                ..
            }
        )
    });
    if destroys_keys && destructions_left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 0 {
        return Err(vault::testing::injected_failure("simulated crash"));
    }
    Ok(())
}

#[test]
fn a_run_interrupted_in_the_middle_is_finished_and_certified_by_the_next() {
    let destructions_left = Arc::new(std::sync::atomic::AtomicI64::new(i64::MAX));
    let store = Arc::new(vault::testing::FaultyStore::new(
        Arc::new(MemStore::new()),
        {
            let destructions_left = Arc::clone(&destructions_left);
            move |batch| crash_at_destruction(&destructions_left, batch)
        },
    ));
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(store.clone(), Arc::clone(&backend)).unwrap();
    let catalog = Catalog::builtin().unwrap();
    let ids = vault
        .ingest(
            &access(),
            &[transmittal("123-45-6781", 5), transmittal("123-45-6782", 6)],
            day(2026, 11, 24),
        )
        .unwrap();
    let february = vault
        .ingest(
            &access(),
            &[record_of(
                "fincen-cbetf",
                "transmittal",
                "123-45-6783",
                Utc.with_ymd_and_hms(2026, 2, 3, 0, 0, 0).unwrap(),
            )],
            day(2026, 11, 24),
        )
        .unwrap();
    // The second cohort's destruction fails before its commit: the run stops there.
    destructions_left.store(1, std::sync::atomic::Ordering::SeqCst);
    let crashed = run(&vault, &catalog, &access(), day(2031, 3, 5), &confirmed());
    assert!(crashed.is_err(), "{crashed:?}");
    drop(vault);

    let vault = Vault::open_with(store.clone(), Arc::clone(&backend)).unwrap();
    assert!(
        vault.read(&access(), &ids[0], day(2031, 3, 5)).is_err(),
        "January went"
    );
    assert!(
        vault.read(&access(), &february[0], day(2031, 3, 5)).is_ok(),
        "February had not"
    );
    assert!(vault.run_journal().unwrap().is_some());
    let report = run(&vault, &catalog, &access(), day(2031, 3, 5), &confirmed()).unwrap();
    assert_eq!(report.destroyed.len(), 1, "only February was left");
    assert!(vault
        .read(&access(), &february[0], day(2031, 3, 5))
        .is_err());
    let text = report.certificate.unwrap().text;
    assert_eq!(
        text.lines()
            .filter(|line| line.starts_with("destroyed: "))
            .count(),
        2,
        "{text}"
    );
    assert!(
        text.contains("resumed: this run finishes one that was interrupted"),
        "{text}"
    );
    assert!(
        vault.run_journal().unwrap().is_none(),
        "the journal is closed"
    );
}

#[test]
fn a_pnr_re_pull_is_a_new_version_whose_clock_runs_from_the_first_receipt() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(store, backend).unwrap();
    let catalog = Catalog::builtin().unwrap();
    let pnr = SystemId::new("cbp-pnr").unwrap();
    vault
        .set_destruction_bucket(&access(), &pnr, "pnr", vault::Bucket::Day, day(2026, 1, 1))
        .unwrap();
    let pulled = |ssn: &str, at: DateTime<Utc>, key: Option<&str>| {
        let mut record = record_of("cbp-pnr", "pnr", ssn, at);
        if let Some(key) = key {
            record
                .source
                .insert(vault::VERSION_KEY_SOURCE.into(), key.into());
        }
        record
    };
    let first_receipt = Utc.with_ymd_and_hms(2026, 1, 10, 8, 0, 0).unwrap();
    let later = Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap();
    let first = vault
        .ingest(
            &access(),
            &[pulled("111-11-1111", first_receipt, Some("XX/ABC123"))],
            day(2026, 1, 10),
        )
        .unwrap();
    // The re-pull, and in the same batch a second re-pull and an unrelated PNR.
    let again = vault
        .ingest(
            &access(),
            &[
                pulled("111-11-1111", later, Some("xx/abc123")),
                pulled("111-11-1111", later, Some("XX/ABC123")),
                pulled("222-22-2222", later, Some("YY/XYZ789")),
            ],
            day(2026, 6, 1),
        )
        .unwrap();
    for version in &again[..2] {
        assert_eq!(
            version.collected_at_millis(),
            first_receipt.timestamp_millis()
        );
        let record = vault.read(&access(), version, day(2026, 6, 1)).unwrap();
        assert_eq!(record.contents.collected_at, first_receipt);
        assert_eq!(
            record
                .contents
                .source
                .get("received_at")
                .map(String::as_str),
            Some("2026-06-01T08:00:00.000Z")
        );
    }
    assert_eq!(again[2].collected_at_millis(), later.timestamp_millis());

    // At 3.5 years from the first receipt, nobody having read them, the first receipt and
    // both versions go together; the unrelated PNR waits for its own window.
    let report = run(&vault, &catalog, &access(), day(2029, 7, 11), &confirmed()).unwrap();
    assert_eq!(report.destroyed.len(), 1);
    assert_eq!(report.destroyed[0].records, 3);
    for id in first.iter().chain(&again[..2]) {
        assert!(vault.read(&access(), id, day(2029, 7, 11)).is_err());
    }
    assert!(vault.read(&access(), &again[2], day(2029, 7, 11)).is_ok());

    // The first receipt gone, a later pull of the same PNR is a new record with its own clock.
    let fresh_at = Utc.with_ymd_and_hms(2029, 7, 12, 8, 0, 0).unwrap();
    let fresh = vault
        .ingest(
            &access(),
            &[pulled("111-11-1111", fresh_at, Some("XX/ABC123"))],
            day(2029, 7, 12),
        )
        .unwrap();
    assert_eq!(fresh[0].collected_at_millis(), fresh_at.timestamp_millis());
}

/// TTAR keeps raw input five years and the records ten: the run destroys the raw messages at
/// five years and leaves the records readable without them; at ten the records go too. Two
/// records from one message share one raw record.
#[test]
fn raw_messages_go_under_their_own_schedule_and_records_outlive_them() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(store, backend).unwrap();
    let catalog = Catalog::builtin().unwrap();
    let collected = Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap();
    let with_raw = |ssn: &str| {
        let mut record = record_of("dhs-ice-005-ttar", "trade-financial", ssn, collected);
        record.source.insert(
            model::RAW_SOURCE.into(),
            "entry_number,importer_id\r\nE-1,X\r\n".into(),
        );
        record
    };
    let ids = vault
        .ingest(
            &access(),
            &[with_raw("444-44-4444"), with_raw("555-55-5555")],
            day(2026, 1, 10),
        )
        .unwrap();
    let raw_of = |id: &model::RecordId| {
        model::raw_record_of(
            &vault
                .read(&access(), id, day(2026, 1, 11))
                .unwrap()
                .contents,
        )
        .unwrap()
    };
    let raw = raw_of(&ids[0]);
    assert_eq!(raw, raw_of(&ids[1]), "one message, one raw record");
    let message = vault.read(&access(), &raw, day(2026, 1, 11)).unwrap();
    assert_eq!(
        message.contents.fields[model::RAW_MESSAGE_FIELD],
        "entry_number,importer_id\r\nE-1,X\r\n",
        "kept exactly as received"
    );
    assert_eq!(message.contents.category, model::RAW_CATEGORY);
    let five = day(2031, 2, 1);
    run(&vault, &catalog, &access(), five, &confirmed()).unwrap();
    assert!(matches!(
        vault.read(&access(), &raw, five),
        Err(vault::Error::NotFound(_))
    ));
    assert!(
        vault.read(&access(), &ids[0], five).is_ok(),
        "the record outlives its raw message"
    );
    // A late record of that month is still stored; its raw message, past its own schedule, is
    // not kept.
    let late = vault
        .ingest(&access(), &[with_raw("666-66-6666")], five)
        .unwrap();
    let late = vault.read(&access(), &late[0], five).unwrap();
    assert_eq!(model::raw_record_of(&late.contents), None);
    assert_eq!(late.contents.source.get(model::RAW_SOURCE), None);
    let ten = day(2036, 2, 1);
    run(&vault, &catalog, &access(), ten, &confirmed()).unwrap();
    assert!(vault.read(&access(), &ids[0], ten).is_err());
}
