//! Case files through the vault's library API: sealed, found by the requester's identifier,
//! replaced as their history grows, and destroyed with their accounting year.

use std::sync::Arc;

use chrono::TimeZone;

use super::*;
use crate::accounting::Accounting as _;
use model::IdentifierKind;
use vault::store::{Column, MemStore, Store};
use vault::MemKeyBackend;

fn access() -> Access {
    Access::offline("privacy", "privacy-act-request")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

#[test]
fn cases_are_sealed_found_by_identifier_updated_and_expire_with_their_year() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let vault = Vault::create_with(
        Arc::clone(&store),
        Arc::new(MemKeyBackend::generate().unwrap()),
    )
    .unwrap();
    let ssn = Identifier::new(IdentifierKind::Ssn, "123-45-6789");
    let first = vault
        .open_case(
            &access(),
            b"JOHN Q PUBLIC asks for access",
            std::slice::from_ref(&ssn),
            now(),
        )
        .unwrap();
    let second = vault
        .open_case(
            &access(),
            b"another requester",
            &[Identifier::new(IdentifierKind::Ssn, "987-65-4321")],
            now(),
        )
        .unwrap();
    assert_eq!(
        (first.as_str(), second.as_str()),
        ("PA-2026-000001", "PA-2026-000002")
    );
    assert_eq!(
        vault
            .cases_for(
                &access(),
                &SearchKey::Identifier(Identifier::new(IdentifierKind::Ssn, "123456789")),
                now()
            )
            .unwrap(),
        vec![first.clone()]
    );
    vault
        .update_case(
            &access(),
            &first,
            b"JOHN Q PUBLIC asks for access; received",
            "case.event received",
            now(),
        )
        .unwrap();
    assert_eq!(
        vault
            .read_case(&access(), &first, now())
            .unwrap()
            .as_slice(),
        b"JOHN Q PUBLIC asks for access; received"
    );
    assert_eq!(
        vault.case_ids().unwrap(),
        vec![first.clone(), second.clone()]
    );
    // Nothing of the file is on disk in the clear.
    let everything: Vec<u8> = store
        .scan(Column::Accounting, &[], None, usize::MAX)
        .unwrap()
        .into_iter()
        .flat_map(|(key, value)| [key, value].concat())
        .collect();
    assert!(!everything.windows(6).any(|window| window == b"PUBLIC"));
    for bad in ["PA-2026-1", "XX-2026-000001", "PA-2026-000009"] {
        assert!(vault.read_case(&access(), bad, now()).is_err(), "{bad}");
    }
    // Seven years on, the accounting's expiry destroys the year's key and the files with it.
    let later = Utc.with_ymd_and_hms(2033, 1, 2, 0, 0, 0).unwrap();
    let certificates = vault.expire_accounting(&access(), later).unwrap();
    assert_eq!(certificates.len(), 1);
    assert!(vault.case_ids().unwrap().is_empty());
    assert!(vault.read_case(&access(), &first, later).is_err());
}
