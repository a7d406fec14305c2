//! Documents: replaced as a set, logged, and refused when altered on disk.

use std::sync::Arc;

use chrono::TimeZone;

use vault::store::{Column, Durability, MemStore, Store, WriteBatch};
use vault::{KeyBackend, MemKeyBackend};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

#[test]
fn documents_are_replaced_as_a_set_and_checked() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Vault::create_with(Arc::clone(&store), backend).unwrap();
    let access = Access::offline("tester", "configuration");
    let first = vec![
        ("a.toml".to_owned(), b"one".to_vec()),
        ("b.toml".to_owned(), b"two".to_vec()),
    ];
    vault
        .replace_documents(&access, "sorn", &first, now())
        .unwrap();
    assert_eq!(vault.documents("sorn").unwrap(), first);
    assert!(vault.documents("other").unwrap().is_empty());
    let second = vec![("c.toml".to_owned(), b"three".to_vec())];
    vault
        .replace_documents(&access, "sorn", &second, now())
        .unwrap();
    assert_eq!(vault.documents("sorn").unwrap(), second);
    let logged = vault
        .audit_search(
            &access,
            &vault::audit::LogQuery {
                record: None,
                principal: None,
                action: Some("config.documents".into()),
                from_ms: None,
                to_ms: None,
            },
            now(),
        )
        .unwrap();
    assert_eq!(logged.len(), 2);
    assert!(
        logged[1].outcome.contains("c.toml sha256:"),
        "{}",
        logged[1].outcome
    );
    // Altered on disk: refused.
    let key = b"document/sorn/c.toml".to_vec();
    let mut value = store.get(Column::Meta, &key).unwrap().unwrap();
    value[0] ^= 1;
    let mut batch = WriteBatch::new();
    batch.put(Column::Meta, key, value);
    store.write(batch, Durability::Synced).unwrap();
    assert!(vault.documents("sorn").is_err());
    assert!(vault
        .replace_documents(&access, "sorn", &[("../x".into(), vec![])], now())
        .is_err());
}
