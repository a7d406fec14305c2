//! Runs against a vault on injected days: what is due goes with a certificate, what is held
//! stays, and a clock set back or jumped forward refuses.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::TimeZone;
use vault::store::{MemStore, Store};
use vault::{
    Identifier, IdentifierKind, KeyBackend, MemKeyBackend, RecordContents, Subject, SystemId,
};

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
    let approved = RunOptions {
        second_approver: Some("another-officer".into()),
        ..large
    };
    let report = run(&vault, &catalog, &access(), day(2031, 2, 5), &approved).unwrap();
    assert_eq!(report.destroyed.len(), 1);
    assert_eq!(
        (report.destroyed[0].records, report.destroyed[0].held),
        (2, 1)
    );
    let certificate = report.certificate.unwrap();
    assert!(
        certificate.text.contains("2 records, ids sha256"),
        "{}",
        certificate.text
    );
    assert!(
        certificate.text.contains("1 held records kept"),
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
