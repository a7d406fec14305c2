//! The accounting: written with the release, found by the subject after the record is gone,
//! destroyed with its own year, and never written without the release.

use std::sync::Arc;

use chrono::TimeZone;

use model::{Identifier, IdentifierKind, RecordContents};
use vault::store::{Column, MemStore, Store};
use vault::{CohortKind, KeyBackend, MemKeyBackend};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn access() -> Access {
    Access::offline("disclosure-officer", "investigation")
}

fn record(name: &str, ssn: &str) -> RecordContents {
    vault::testing::transmittal(name, ssn, 3)
}

/// A release of `ids` under routine use A to a federal agency, kept until `keep_until` (the
/// annotations' tests use it too).
pub(crate) fn release(ids: &[RecordId], keep_until: u16) -> Release {
    Release {
        records: ids.iter().map(|id| (*id, keep_until)).collect(),
        nature: "electronic".into(),
        purpose: "investigation".into(),
        basis: "routine use A".into(),
        recipient_name: "US Attorney, District of Nowhere".into(),
        recipient_address: "1 Court St".into(),
        recipient_category: "federal-agency".into(),
        package: "pkg-1".into(),
        withheld_from_individual: false,
        individual_notice: None,
        notice_scope: Default::default(),
        document: None,
        evidence: r#"{"document":"letter-1"}"#.into(),
        notice_content: String::new(),
    }
}

fn ssn(value: &str) -> SearchKey {
    SearchKey::Identifier(Identifier::new(IdentifierKind::Ssn, value))
}

#[test]
fn the_accounting_outlives_the_record_and_dies_with_its_year() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(Arc::clone(&store), backend).unwrap();
    let ids = vault
        .ingest(
            &access(),
            &[
                record("JOHN Q PUBLIC", "123-45-6789"),
                record("JANE ROE", "987-65-4321"),
            ],
            now(),
        )
        .unwrap();
    let released = vault
        .disclose(&access(), &release(&ids[..1], 2031), now())
        .unwrap();
    assert_eq!(released.len(), 1);
    let found = vault
        .accounting_for(&access(), &ssn("123456789"), now())
        .unwrap();
    assert_eq!(found.len(), 1);
    let entry = &found[0];
    assert_eq!(
        (
            entry.record,
            entry.basis.as_str(),
            entry.package.as_str(),
            entry.keep_until_year
        ),
        (ids[0], "routine use A", "pkg-1", 2031)
    );
    assert_eq!(entry.officer, "disclosure-officer");
    assert_eq!(
        vault
            .accounting_for(&access(), &SearchKey::Name("john q public".into()), now())
            .unwrap()
            .len(),
        1
    );
    assert!(vault
        .accounting_for(&access(), &ssn("987-65-4321"), now())
        .unwrap()
        .is_empty());

    // The record's cohort is destroyed: the record is gone, its accounting is not.
    let period = vault
        .key_status()
        .unwrap()
        .cohorts
        .iter()
        .find(|info| matches!(info.kind, CohortKind::Period { .. }))
        .unwrap()
        .id;
    vault.destroy_cohort(&access(), period, now()).unwrap();
    assert!(vault.read(&access(), &ids[0], now()).is_err());
    assert_eq!(
        vault
            .accounting_for(&access(), &ssn("123-45-6789"), now())
            .unwrap()
            .len(),
        1
    );

    // Before its year nothing expires; from its year on, the entry is destroyed.
    assert!(vault
        .expire_accounting(&access(), now())
        .unwrap()
        .is_empty());
    let later = Utc.with_ymd_and_hms(2031, 1, 2, 0, 0, 0).unwrap();
    let certificates = vault.expire_accounting(&access(), later).unwrap();
    assert_eq!(
        (
            certificates.len(),
            certificates[0].year,
            certificates[0].entries
        ),
        (1, 2031, 1)
    );
    let public_key = vault.log_public_key().unwrap();
    let signature = hex::decode(&certificates[0].signature).unwrap();
    assert!(vault::crypto::verify_signature(
        &public_key,
        certificates[0].text.as_bytes(),
        &signature
    ));
    assert!(vault
        .accounting_for(&access(), &ssn("123-45-6789"), later)
        .unwrap()
        .is_empty());
    assert_eq!(
        store.count(Column::Accounting, b"", None).unwrap(),
        0,
        "purged"
    );
}

#[test]
fn nothing_is_released_or_accounted_when_the_batch_cannot_be_written() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let inner: Arc<dyn Store> = Arc::new(MemStore::new());
    let failing = Arc::new(AtomicBool::new(false));
    let store: Arc<dyn Store> = Arc::new(vault::testing::FaultyStore::new(Arc::clone(&inner), {
        let failing = Arc::clone(&failing);
        move |_| {
            if failing.load(Ordering::SeqCst) {
                Err(vault::testing::injected_failure("the write failed"))
            } else {
                Ok(())
            }
        }
    }));
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(store, backend).unwrap();
    let ids = vault
        .ingest(&access(), &[record("JOHN Q PUBLIC", "123-45-6789")], now())
        .unwrap();
    // The accounting year's key is made first, then the write of the release fails.
    vault.ledger_year(2031, "", now()).unwrap();
    failing.store(true, Ordering::SeqCst);
    assert!(vault
        .disclose(&access(), &release(&ids, 2031), now())
        .is_err());
    failing.store(false, Ordering::SeqCst);
    assert!(vault
        .accounting_for(&access(), &ssn("123-45-6789"), now())
        .unwrap()
        .is_empty());
    assert_eq!(inner.count(Column::Accounting, b"", None).unwrap(), 0);
}

/// 31 CFR 1.25(a)(2): the accounting is kept "for at least five years or the life of the
/// record, whichever is longer". A record still living when its entry's year comes due (held,
/// or not yet destroyed) keeps its entry: it moves on to the next year, re-sealed and found by
/// the subject; the rest of the year is destroyed on time; the moved entry goes in the first
/// year after its record is gone.
#[test]
fn an_entry_lives_as_long_as_its_record_and_the_rest_of_its_year_goes_on_time() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(Arc::clone(&store), backend).unwrap();
    let mut living = record("JANE ROE", "987-65-4321");
    living.collected_at = Utc.with_ymd_and_hms(2026, 6, 3, 0, 0, 0).unwrap();
    let ids = vault
        .ingest(
            &access(),
            &[record("JOHN Q PUBLIC", "123-45-6789"), living],
            now(),
        )
        .unwrap();
    vault
        .disclose(&access(), &release(&ids, 2031), now())
        .unwrap();
    let period_of = |id: &RecordId| {
        vault
            .key_status()
            .unwrap()
            .cohorts
            .iter()
            .find(|info| match info.kind {
                CohortKind::Period {
                    start_ms, end_ms, ..
                } => (start_ms..end_ms).contains(&id.collected_at_millis()),
                _ => false,
            })
            .unwrap()
            .id
    };
    // The first record's life ends; the second's does not (a hold, a late schedule).
    vault
        .destroy_cohort(&access(), period_of(&ids[0]), now())
        .unwrap();

    let due = Utc.with_ymd_and_hms(2031, 1, 2, 0, 0, 0).unwrap();
    let certificates = vault.expire_accounting(&access(), due).unwrap();
    assert_eq!(
        (
            certificates.len(),
            certificates[0].year,
            certificates[0].entries
        ),
        (1, 2031, 1),
        "the rest of the year goes on time"
    );
    assert!(certificates[0]
        .text
        .contains("carried to a later year (their records live): 1"));
    assert!(vault
        .accounting_for(&access(), &ssn("123-45-6789"), due)
        .unwrap()
        .is_empty());
    let kept = vault
        .accounting_for(&access(), &ssn("987654321"), due)
        .unwrap();
    assert_eq!(kept.len(), 1, "the living record's entry outlives its year");
    assert_eq!((kept[0].record, kept[0].keep_until_year), (ids[1], 2032));
    assert_eq!(kept[0].basis, "routine use A");

    // Its record gone, the entry goes with the next year due.
    vault
        .destroy_cohort(&access(), period_of(&ids[1]), due)
        .unwrap();
    let next = Utc.with_ymd_and_hms(2032, 1, 2, 0, 0, 0).unwrap();
    let certificates = vault.expire_accounting(&access(), next).unwrap();
    assert_eq!((certificates[0].year, certificates[0].entries), (2032, 1));
    assert!(vault
        .accounting_for(&access(), &ssn("987654321"), next)
        .unwrap()
        .is_empty());
}
