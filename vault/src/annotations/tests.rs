//! Annotations: appended, returned with reads, sealed, and gone with their record.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::TimeZone;

use super::*;
use crate::key_backend::{KeyBackend, MemKeyBackend};
use crate::store::{Column, MemStore, Store};
use model::{Identifier, IdentifierKind, RecordContents, Subject, SystemId};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn record() -> RecordContents {
    RecordContents {
        system: SystemId::new("fincen-cbetf").unwrap(),
        category: "transmittal".into(),
        collected_at: Utc.with_ymd_and_hms(2026, 2, 3, 0, 0, 0).unwrap(),
        source: BTreeMap::from([("report_id".into(), "R-1".into())]),
        subjects: vec![Subject {
            role: "transmittor".into(),
            name: Some("JOHN Q PUBLIC".into()),
            identifiers: vec![Identifier::new(IdentifierKind::Ssn, "123-45-6789")],
        }],
        fields: BTreeMap::from([("amount".into(), "1500.00".into())]),
    }
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
            &crate::audit::LogQuery {
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
