//! Transfer packages at the vault's boundary: a package verifies against its signed manifest
//! and opens with the vault's keys, an altered or foreign package is refused, and once the
//! cohort is destroyed on schedule the package opens with nothing that remains (31 CFR
//! 1.25(b)(3): the accounting goes with the records; seed 000: 5 years in production, 5
//! archived).

use std::sync::Arc;

use chrono::TimeZone;

use super::*;
use crate::cohort::CohortKind;
use crate::key_backend::{KeyBackend, MemKeyBackend};
use crate::store::{MemStore, Store};
use crate::testing::transmittal;
use model::RecordContents;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn access() -> Access {
    Access::offline("records-officer", "retention")
}

/// What the domain would attach to a record (an annotation) and account for it (an entry),
/// made through the kernel's change as the domain makes them: the kernel carries both without
/// knowing what they say (`privacy`'s tests read them back decoded).
const ATTACHED: &[u8] = b"the amount was 150.00";
const ACCOUNTED: &[u8] = b"disclosed to US Attorney, District of Nowhere";

/// Attaches [`ATTACHED`] to record `id` and seals [`ACCOUNTED`] as its accounting item of 2036,
/// indexed by the record. Returns the item's key.
fn attach_and_account(vault: &Vault, id: &RecordId) -> Vec<u8> {
    let mut change = vault.change(&access(), "annotate", now()).unwrap();
    change.attach(id, ATTACHED).unwrap();
    change.commit().unwrap();
    let year = vault.ledger_year(2036, "destroyed", now()).unwrap();
    let number = vault.entry_numbers(1).unwrap().next().unwrap();
    let key = crate::keyspace::accounting_entry_key(2036, number);
    let mut change = vault.change(&access(), "disclose", now()).unwrap();
    change.seal_in_year(&year, key.clone(), ACCOUNTED).unwrap();
    change
        .put_index_entry(crate::keyspace::accounting_by_record_key(2036, id, number))
        .unwrap();
    change.commit().unwrap();
    key
}

fn vault() -> (Vault, Arc<dyn Store>) {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    (
        Vault::create_with(Arc::clone(&store), backend).unwrap(),
        store,
    )
}

fn period_cohort(vault: &Vault) -> u32 {
    vault
        .key_status()
        .unwrap()
        .cohorts
        .iter()
        .find(|info| matches!(info.kind, CohortKind::Period { .. }) && info.is_live())
        .unwrap()
        .id
}

/// Two records of one month, one annotated and disclosed: the package carries both, the
/// annotation and the accounting entry, and opens to the same contents.
#[test]
fn a_package_carries_the_records_annotations_and_accounting_and_opens_with_the_vaults_keys() {
    let (vault, _) = vault();
    let ids = vault
        .ingest(
            &access(),
            &[
                transmittal("JOHN Q PUBLIC", "123-45-6789", 3),
                transmittal("JANE ROE", "987-65-4321", 4),
            ],
            now(),
        )
        .unwrap();
    let accounted = attach_and_account(&vault, &ids[0]);
    let cohort = period_cohort(&vault);
    let package = vault
        .make_transfer(&access(), cohort, now(), |_, _| Ok(()))
        .unwrap();
    let manifest = &package.manifest;
    assert_eq!(
        (
            manifest.count(ItemKind::Record),
            manifest.count(ItemKind::Annotation),
            manifest.count(ItemKind::Accounting)
        ),
        (2, 1, 1)
    );
    // Nothing personal in the package in the clear.
    for secret in ["JOHN Q PUBLIC", "123-45-6789", "150.00", "US Attorney"] {
        assert!(
            !package
                .bytes
                .windows(secret.len())
                .any(|window| window == secret.as_bytes()),
            "{secret} in the package"
        );
    }
    // Certified in the vault (signed state), once per cohort.
    let done = vault.transfers().unwrap();
    assert_eq!(
        (done.len(), done[0].cohort, done[0].transfer.as_str()),
        (1, cohort, manifest.transfer.as_str())
    );
    assert!(done[0]
        .certificate
        .text
        .contains("2 records, 1 annotations, 1 accounting entries"));
    let again = vault
        .make_transfer(&access(), cohort, now(), |_, _| Ok(()))
        .unwrap_err();
    assert!(again.to_string().contains("was transferred"), "{again}");
    // A records center checks it with the public key alone.
    let public_key = vault.keys.read().unwrap().signing_key().public_key();
    assert_eq!(
        &verify_package(&package.bytes, &public_key).unwrap(),
        manifest
    );
    let opened = vault
        .open_transfer(&access(), &package.bytes, now())
        .unwrap();
    let originals: Vec<RecordContents> = ids
        .iter()
        .map(|id| vault.read(&access(), id, now()).unwrap().contents)
        .collect();
    let carried: Vec<RecordContents> = opened
        .records
        .iter()
        .map(|(record, _)| record.contents.clone())
        .collect();
    assert_eq!(carried, originals);
    assert_eq!(opened.records[0].1.len(), 1);
    assert_eq!(
        (
            opened.records[0].1[0].seq,
            &opened.records[0].1[0].contents[..]
        ),
        (1, ATTACHED)
    );
    assert!(opened.records[1].1.is_empty());
    assert_eq!(opened.accounting.len(), 1);
    assert_eq!(
        (&opened.accounting[0].0, &opened.accounting[0].1[..]),
        (&accounted, ACCOUNTED)
    );
    // The accounting stays in the vault (1.25(a)(2)).
    assert_eq!(vault.accounting_items_of_record(&ids[0]).unwrap().len(), 1);
    // Made and opened, each logged with the records' ids.
    let logged: Vec<String> = vault
        .audit_search(&access(), &crate::audit::LogQuery::default(), now())
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .filter(|action| action.starts_with("transfer."))
        .collect();
    assert_eq!(logged, ["transfer.begin", "transfer.make", "transfer.open"]);
}

/// A byte changed anywhere, an item dropped, or another vault's key: refused.
#[test]
fn an_altered_or_foreign_package_is_refused() {
    let (vault, _) = vault();
    vault
        .ingest(
            &access(),
            &[transmittal("JOHN Q PUBLIC", "123-45-6789", 3)],
            now(),
        )
        .unwrap();
    let package = vault
        .make_transfer(&access(), period_cohort(&vault), now(), |_, _| Ok(()))
        .unwrap();
    let public_key = vault.keys.read().unwrap().signing_key().public_key();
    let bytes = &package.bytes;
    let flipped_at = |at: usize| {
        let mut copy = bytes.clone();
        copy[at] ^= 1;
        copy
    };
    type Row = (&'static str, Vec<u8>);
    let rows: Vec<Row> = vec![
        ("a byte of the header", flipped_at(8)),
        ("a byte of the last item", flipped_at(bytes.len() - 70)),
        ("a byte of the signature", flipped_at(bytes.len() - 1)),
        ("cut short", bytes[..bytes.len() - 80].to_vec()),
        ("not a package", b"PK\x03\x04 a zip file".to_vec()),
    ];
    for (what, altered) in rows {
        assert!(verify_package(&altered, &public_key).is_err(), "{what}");
        assert!(
            vault.open_transfer(&access(), &altered, now()).is_err(),
            "{what}"
        );
    }
    let (other, _) = self::vault();
    let other_key = other.keys.read().unwrap().signing_key().public_key();
    assert!(verify_package(bytes, &other_key).is_err());
    assert!(other.open_transfer(&access(), bytes, now()).is_err());
}

/// The cohort is destroyed on schedule: the package made of it opens with nothing that
/// remains, though it still verifies (its manifest is not secret).
#[test]
fn destroying_the_cohort_shreds_the_transferred_copy() {
    let (vault, _) = vault();
    vault
        .ingest(
            &access(),
            &[transmittal("JOHN Q PUBLIC", "123-45-6789", 3)],
            now(),
        )
        .unwrap();
    let cohort = period_cohort(&vault);
    let package = vault
        .make_transfer(&access(), cohort, now(), |_, _| Ok(()))
        .unwrap();
    assert!(vault
        .open_transfer(&access(), &package.bytes, now())
        .is_ok());
    vault.destroy_cohort(&access(), cohort, now()).unwrap();
    let public_key = vault.keys.read().unwrap().signing_key().public_key();
    assert!(verify_package(&package.bytes, &public_key).is_ok());
    assert!(matches!(
        vault.open_transfer(&access(), &package.bytes, now()),
        Err(Error::DecryptionFailed)
    ));
    // And no transfer is made of a destroyed cohort.
    assert!(vault
        .make_transfer(&access(), cohort, now(), |_, _| Ok(()))
        .is_err());
}

/// A package that could not be delivered is not a transfer: no certificate, no entry.
#[test]
fn a_package_not_delivered_records_nothing() {
    let (vault, _) = vault();
    vault
        .ingest(
            &access(),
            &[transmittal("JOHN Q PUBLIC", "123-45-6789", 3)],
            now(),
        )
        .unwrap();
    let cohort = period_cohort(&vault);
    let failed = vault.make_transfer(&access(), cohort, now(), |_, _| {
        Err(Error::Invalid("the disk is full".into()))
    });
    assert!(failed.is_err());
    assert!(vault.transfers().unwrap().is_empty());
    assert!(vault
        .make_transfer(&access(), cohort, now(), |_, _| Ok(()))
        .is_ok());
    assert_eq!(vault.transfers().unwrap().len(), 1);
}

/// A record already in a hold's cohort when the package is made is not carried: the
/// certificate names it held back. Nothing is added to a transferred period afterwards, and two
/// records officers transferring one cohort at once make one package, not two.
#[test]
fn a_held_record_is_held_back_and_a_transferred_period_takes_nothing_more() {
    let (vault, _) = vault();
    let ids = vault
        .ingest(
            &access(),
            &[
                transmittal("JOHN Q PUBLIC", "123-45-6789", 3),
                transmittal("JANE ROE", "987-65-4321", 4),
            ],
            now(),
        )
        .unwrap();
    let spec = crate::holds::HoldSpec::new(
        "LIT-1",
        "a suit",
        crate::holds::HoldPurpose::Litigation,
        crate::holds::HoldMode::Governance,
    );
    vault
        .place_hold(
            &access(),
            &spec,
            crate::holds::HoldTarget::Records(&ids[..1]),
            now(),
        )
        .unwrap();
    let cohort = period_cohort(&vault);
    // Two at once: the second waits for the first and finds the cohort transferred.
    let made: Vec<Result<TransferPackage>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    vault.make_transfer(&access(), cohort, now(), |_, _| {
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        Ok(())
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(made.iter().filter(|made| made.is_ok()).count(), 1);
    let refused = made.into_iter().find_map(Result::err).unwrap();
    assert!(refused.to_string().contains("was transferred"), "{refused}");
    let done = vault.transfers().unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].held_back, vec![ids[0]]);
    assert!(done[0].certificate.text.contains(&format!(
        "Held back (moved out of the period when transferred): {}",
        ids[0]
    )));
    assert!(done[0].certificate.text.contains("Carries: 1 records"));
    let late = vault
        .ingest(
            &access(),
            &[transmittal("JOHN Q PUBLIC", "123-45-6789", 5)],
            now(),
        )
        .unwrap_err();
    assert!(
        late.to_string()
            .contains("was transferred to a records center"),
        "{late}"
    );
}
