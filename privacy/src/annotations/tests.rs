//! Annotations: appended, returned with reads, sealed, and gone with their record.

use std::sync::Arc;

use chrono::TimeZone;

use model::{Identifier, IdentifierKind, RecordContents};
use vault::store::{Column, MemStore, Store};
use vault::{KeyBackend, MemKeyBackend};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn record() -> RecordContents {
    vault::testing::transmittal("JOHN Q PUBLIC", "123-45-6789", 3)
}

#[test]
fn annotations_are_appended_and_read_with_the_record() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(Arc::clone(&store), backend).unwrap();
    let access = Access::offline("privacy-office", "privacy-act-request");
    let id = vault.ingest(&access, &[record()], now()).unwrap()[0];
    let first = vault
        .annotate(
            &access,
            &id,
            AnnotationKind::Dispute,
            &["fields.amount".into()],
            "The subject says the amount was 150.00",
            &NoticeScope::NoRecord,
            now(),
        )
        .unwrap();
    let second = vault
        .annotate(
            &access,
            &id,
            AnnotationKind::Correction,
            &["fields.amount".into()],
            "150.00",
            &NoticeScope::NoRecord,
            now(),
        )
        .unwrap();
    assert_eq!((first, second), ((1, 0), (2, 0)));
    let (record_read, annotations) = vault.read_annotated(&access, &id, now()).unwrap();
    assert_eq!(
        record_read.contents,
        record(),
        "the original is never altered"
    );
    let kinds: Vec<(u32, AnnotationKind)> = annotations.iter().map(|a| (a.seq, a.kind)).collect();
    assert_eq!(
        kinds,
        [
            (1, AnnotationKind::Dispute),
            (2, AnnotationKind::Correction)
        ]
    );
    assert_eq!(annotations[1].text, "150.00");
    assert_eq!(annotations[0].author, "privacy-office");
    // Sealed: the stored bytes do not hold the text.
    let stored = store
        .scan(Column::Annotations, b"", None, usize::MAX)
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored
        .iter()
        .all(|(_, value)| !value.windows(6).any(|w| w == b"150.00")));
    // Bad input: no portion, an odd portion, no text, an unknown record.
    for (portions, text) in [
        (vec![], "x"),
        (vec!["Fields/Amount".to_owned()], "x"),
        (vec!["record".to_owned()], " "),
    ] {
        assert!(vault
            .annotate(
                &access,
                &id,
                AnnotationKind::Dispute,
                &portions,
                text,
                &NoticeScope::NoRecord,
                now()
            )
            .is_err());
    }
    let unknown = RecordId::new(9, 0, 0, 0);
    assert!(vault
        .annotate(
            &access,
            &unknown,
            AnnotationKind::Dispute,
            &["record".into()],
            "x",
            &NoticeScope::NoRecord,
            now()
        )
        .is_err());
    // Logged without the text.
    let logged = vault
        .audit_search(
            &access,
            &vault::audit::LogQuery {
                record: Some(id),
                principal: None,
                action: Some("annotate".into()),
                from_ms: None,
                to_ms: None,
            },
            now(),
        )
        .unwrap();
    assert_eq!(logged.len(), 2);
    assert!(logged.iter().all(|entry| !entry.outcome.contains("150.00")));
}

/// Moved from the kernel's transfer tests: a transfer package carries a record's annotations
/// and a copy of its accounting, and opened they decode to what was written; the accounting
/// stays in the vault (31 CFR 1.25(a)(2), (b)(3)).
#[test]
fn a_transfer_package_opens_with_its_annotations_and_accounting() {
    use crate::accounting::Accounting as _;
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(store, backend).unwrap();
    let access = Access::offline("records-officer", "retention");
    let id = vault.ingest(&access, &[record()], now()).unwrap()[0];
    vault
        .annotate(
            &access,
            &id,
            AnnotationKind::Correction,
            &["fields.amount".to_owned()],
            "the amount was 150.00",
            &NoticeScope::NoRecord,
            now(),
        )
        .unwrap();
    let release = crate::accounting::tests::release(&[id], 2036);
    let released = vault.disclose(&access, &release, now()).unwrap();
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].1.len(), 1, "a release shows the annotations");
    let cohort = vault
        .key_status()
        .unwrap()
        .cohorts
        .iter()
        .find(|info| matches!(info.kind, vault::CohortKind::Period { .. }))
        .unwrap()
        .id;
    let package = vault
        .make_transfer(&access, cohort, now(), |_, _| Ok(()))
        .unwrap();
    let opened = vault
        .open_annotated_transfer(&access, &package.bytes, now())
        .unwrap();
    assert_eq!(opened.records.len(), 1);
    assert_eq!(opened.records[0].0.contents, record());
    let notes = &opened.records[0].1;
    assert_eq!(
        (notes.len(), notes[0].kind, notes[0].text.as_str()),
        (1, AnnotationKind::Correction, "the amount was 150.00")
    );
    assert_eq!(opened.accounting.len(), 1);
    let entry = &opened.accounting[0];
    assert_eq!(
        (entry.record, entry.basis.as_str(), entry.keep_until_year),
        (id, "routine use A", 2036)
    );
    assert_eq!(
        entry.recipient_name, "US Attorney, District of Nowhere",
        "decoded as written"
    );
    let ssn = vault::SearchKey::Identifier(Identifier::new(IdentifierKind::Ssn, "123-45-6789"));
    assert_eq!(vault.accounting_for(&access, &ssn, now()).unwrap().len(), 1);
}
