//! Accounts: round trips, tokens, and refusal of accounts altered or added on disk.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use vault::store::{Column, Durability, MemStore, Store, WriteBatch};
use vault::{KeyBackend, MemKeyBackend};

use super::*;

fn vault() -> (Vault, Arc<dyn Store>) {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    (
        Vault::create_with(Arc::clone(&store), backend).unwrap(),
        store,
    )
}

fn account(name: &str, token_hash: [u8; 32]) -> Account {
    Account {
        name: name.into(),
        role: "analyst".into(),
        organization: "treasury-fincen".into(),
        background_investigation: NaiveDate::from_ymd_opt(2024, 3, 1),
        privacy_training: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
        disabled: false,
        token_hash,
        created_ms: 1,
        created_by: "admin".into(),
        vetted_by: Some("security".into()),
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn access() -> Access {
    Access::offline("tester", "administration")
}

#[test]
fn accounts_round_trip_and_replace() {
    let (vault, _) = vault();
    let token = new_token().unwrap();
    assert!(token.token.starts_with(TOKEN_PREFIX));
    assert_eq!(token_hash(&token.token), token.hash);
    let mut alice = account("alice", token.hash);
    vault.put_account(&access(), &alice, now()).unwrap();
    let mut pending = account("pending", [9; 32]);
    pending.background_investigation = None;
    vault.put_account(&access(), &pending, now()).unwrap();
    assert_eq!(vault.account("pending").unwrap(), Some(pending));
    vault
        .put_account(&access(), &account("bob", [7; 32]), now())
        .unwrap();
    assert_eq!(vault.account("alice").unwrap(), Some(alice.clone()));
    alice.disabled = true;
    vault.put_account(&access(), &alice, now()).unwrap();
    let names: Vec<(String, bool)> = vault
        .accounts()
        .unwrap()
        .into_iter()
        .map(|account| (account.name, account.disabled))
        .collect();
    assert_eq!(
        names,
        [
            ("alice".into(), true),
            ("bob".into(), false),
            ("pending".into(), false)
        ]
    );
    assert_eq!(vault.account("carol").unwrap(), None);
}

#[test]
fn bad_names_are_refused() {
    let (vault, _) = vault();
    for name in ["", "Alice", "a b", "-a", "a/b", &"a".repeat(65)] {
        assert!(
            vault
                .put_account(&access(), &account(name, [0; 32]), now())
                .is_err(),
            "{name:?}"
        );
    }
}

#[test]
fn accounts_altered_or_added_on_disk_are_refused() {
    let (vault, store) = vault();
    vault
        .put_account(&access(), &account("alice", [1; 32]), now())
        .unwrap();
    let key = b"account/alice".to_vec();
    let stored = store.get(Column::Meta, &key).unwrap().unwrap();

    // An attacker copies alice's entry under a new name: the signature binds the key.
    let mut batch = WriteBatch::new();
    batch.put(Column::Meta, b"account/mallory", stored.clone());
    store.write(batch, Durability::Synced).unwrap();
    assert!(vault.account("mallory").is_err());
    assert!(vault.accounts().is_err());

    // Or flips alice's role byte by byte: every alteration is refused.
    let (vault, store) = self::vault();
    vault
        .put_account(&access(), &account("alice", [1; 32]), now())
        .unwrap();
    let stored = store.get(Column::Meta, &key).unwrap().unwrap();
    for at in 0..stored.len() {
        let mut altered = stored.clone();
        altered[at] ^= 0x01;
        let mut batch = WriteBatch::new();
        batch.put(Column::Meta, key.clone(), altered);
        store.write(batch, Durability::Synced).unwrap();
        assert!(vault.account("alice").is_err(), "byte {at}");
    }
}

#[test]
fn debug_never_shows_the_token_hash() {
    let token = new_token().unwrap();
    let shown = format!("{:?} {token:?}", account("alice", token.hash));
    assert!(!shown.contains(&hex::encode(token.hash)));
    assert!(!shown.contains(&token.token[TOKEN_PREFIX.len()..]));
}
