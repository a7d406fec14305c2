//! Signed state cannot be rolled back, replayed or deleted item by item, and a whole data
//! directory cannot be replaced by an older copy of itself (docs/threat-model.md, adversary
//! (a)). Each attack is made as someone with the disk but no key would make it: the vault is
//! stopped, an older copy of the directory is kept from before a change, and after the change
//! the store is opened directly and the older items (and, in the stronger attacks, their older
//! manifest, or the whole directory) are put back. The vault must refuse to open, naming what
//! was rolled back, so nothing is served. Before format 3 every one of these opened: items were
//! signed one by one, with no generation and no manifest.

use privacy::documents::Documents as _;
use std::path::Path;

use privacy::accounts::Accounts as _;
use privacy::accounts::{new_token, Account};
use tests::{access, now, TestVault};
use vault::store::{Column, Durability, RocksStore, Store, WriteBatch};
use vault::{Error, HoldMode, HoldPurpose, HoldSpec, HoldTarget, Vault};

/// The first key after every key starting with `prefix`.
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    [prefix, &[0xff]].concat()
}

/// The analyst account, enabled or disabled.
fn analyst(vault: &Vault, disabled: bool) {
    let token = new_token().unwrap();
    vault
        .put_account(
            &access(),
            &Account {
                name: "ana".into(),
                role: "analyst".into(),
                organization: "treasury-fincen".into(),
                background_investigation: chrono::NaiveDate::from_ymd_opt(2024, 1, 1),
                privacy_training: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
                disabled,
                token_hash: token.hash,
                created_ms: now().timestamp_millis(),
                created_by: "admin".into(),
                vetted_by: Some("security".into()),
            },
            now(),
        )
        .unwrap();
}

fn documents(vault: &Vault, kind: &str, documents: &[(&str, &str)]) {
    let documents: Vec<(String, Vec<u8>)> = documents
        .iter()
        .map(|(name, text)| ((*name).to_owned(), text.as_bytes().to_vec()))
        .collect();
    vault
        .replace_documents(&access(), kind, &documents, now())
        .unwrap();
}

fn hold(vault: &Vault) -> u32 {
    let ids = vault
        .ingest(
            &access(),
            &[tests::transmittal("ANA LOPEZ", "123-45-6789", "ACCT-1")],
            now(),
        )
        .unwrap();
    vault
        .place_hold(
            &access(),
            &HoldSpec::new(
                "LIT-2026-1",
                "litigation",
                HoldPurpose::Litigation,
                HoldMode::Governance,
            ),
            HoldTarget::Records(&ids),
            now(),
        )
        .unwrap()
        .hold
        .id
}

/// What the attacker puts back from the older copy.
#[derive(Clone, Copy, Debug)]
enum PutBack {
    /// The items under this metadata prefix (the current ones are deleted first).
    Items(&'static [u8]),
    /// The items under this prefix and the kind's manifest with them: a consistent older
    /// state of the kind, as an older backup holds it.
    ItemsAndManifest(&'static [u8]),
    /// Nothing: the one item under this key is deleted.
    Delete(&'static [u8]),
    /// The whole data directory.
    Directory,
}

struct Attack {
    name: &'static str,
    /// The state the older copy is taken in.
    before: fn(&Vault),
    /// The change the attacker undoes.
    after: fn(&Vault),
    put_back: PutBack,
    /// What the refusal must say.
    refused: &'static str,
}

const SORN_1: [(&str, &str); 2] = [("a.toml", "set one, file a"), ("b.toml", "set one, file b")];
const SORN_2: [(&str, &str); 2] = [("a.toml", "set two, file a"), ("b.toml", "set two, file b")];
const REGISTRY_1: [(&str, &str); 1] = [("registry.json", r#"{"eligible":["dpa-1","dpa-2"]}"#)];
const REGISTRY_2: [(&str, &str); 1] = [("registry.json", r#"{"eligible":["dpa-1"]}"#)];

fn attacks() -> Vec<Attack> {
    vec![
        Attack {
            name: "an account's value from before it was disabled",
            before: |vault| analyst(vault, false),
            after: |vault| analyst(vault, true),
            put_back: PutBack::Items(b"account/"),
            refused: "the accounts: its items differ from its signed manifest",
        },
        Attack {
            name: "the accounts and their manifest from before the account was disabled",
            before: |vault| analyst(vault, false),
            after: |vault| analyst(vault, true),
            put_back: PutBack::ItemsAndManifest(b"account/"),
            refused: "the accounts: it is not what the last signed checkpoint recorded",
        },
        Attack {
            name: "an older designated-authority registry replayed",
            before: |vault| documents(vault, "designated-authorities", &REGISTRY_1),
            after: |vault| documents(vault, "designated-authorities", &REGISTRY_2),
            put_back: PutBack::Items(b"document/designated-authorities/"),
            refused: "the designated-authority registry: its items differ",
        },
        Attack {
            name: "an older designated-authority registry replayed with its manifest",
            before: |vault| documents(vault, "designated-authorities", &REGISTRY_1),
            after: |vault| documents(vault, "designated-authorities", &REGISTRY_2),
            put_back: PutBack::ItemsAndManifest(b"document/designated-authorities/"),
            refused: "the designated-authority registry: it is not what the last signed checkpoint",
        },
        Attack {
            name: "a released hold put back as it was while active",
            before: |vault| {
                hold(vault);
            },
            after: |vault| {
                vault
                    .release_hold(&access(), 1, "matter closed", now())
                    .unwrap();
            },
            put_back: PutBack::Items(b"hold/"),
            refused: "the holds: its items differ",
        },
        Attack {
            name: "an older set of SORN files with its manifest",
            before: |vault| documents(vault, "sorn", &SORN_1),
            after: |vault| documents(vault, "sorn", &SORN_2),
            put_back: PutBack::ItemsAndManifest(b"document/sorn/"),
            refused: "the SORN documents: it is not what the last signed checkpoint recorded",
        },
        Attack {
            name: "one SORN file deleted",
            before: |_| {},
            after: |vault| documents(vault, "sorn", &SORN_1),
            put_back: PutBack::Delete(b"document/sorn/b.toml"),
            refused: "the SORN documents: its items differ",
        },
        Attack {
            name: "the log's retention setting from before it was shortened",
            before: |vault| {
                vault
                    .set_log_retention_days(&access(), 5475, now())
                    .unwrap()
            },
            after: |vault| vault.set_log_retention_days(&access(), 400, now()).unwrap(),
            put_back: PutBack::Items(b"config/"),
            refused: "the configuration: its items differ",
        },
        Attack {
            name: "a destruction certificate deleted",
            before: |vault| {
                vault
                    .put_certificate("retention", "0001", "destroyed: cohort 1", now())
                    .unwrap();
            },
            after: |vault| {
                vault
                    .put_certificate("retention", "0002", "destroyed: cohort 2", now())
                    .unwrap();
            },
            put_back: PutBack::Delete(b"certificate/retention/0002"),
            refused: "the destruction certificates: its items differ",
        },
        Attack {
            name: "retention's trusted time put back (so a clock jumped forward is not noticed)",
            before: |vault| vault.advance_trusted_time(now()).unwrap(),
            after: |vault| {
                vault
                    .advance_trusted_time(now() + chrono::Duration::days(1))
                    .unwrap();
            },
            put_back: PutBack::Items(b"retention/trusted-time"),
            refused: "the retention's trusted time: its items differ",
        },
        Attack {
            name: "the whole data directory replaced by its older copy",
            before: |vault| analyst(vault, false),
            after: |vault| analyst(vault, true),
            put_back: PutBack::Directory,
            refused: "the data directory was rolled back: its access log ends at entry",
        },
    ]
}

/// Puts back what `attack` names from the stopped older copy `old` into the stopped `data`.
fn put_back(attack: PutBack, old: &Path, data: &Path) {
    if let PutBack::Directory = attack {
        std::fs::remove_dir_all(data).unwrap();
        tests::copy_dir(old, data).unwrap();
        return;
    }
    let store = RocksStore::open(data).unwrap();
    let mut batch = WriteBatch::new();
    let mut copy = |prefix: &[u8]| {
        let older = RocksStore::open(old).unwrap();
        batch.delete_range(Column::Meta, prefix, prefix_end(prefix));
        for (key, value) in older
            .scan(Column::Meta, prefix, Some(&prefix_end(prefix)), usize::MAX)
            .unwrap()
        {
            batch.put(Column::Meta, key, value);
        }
    };
    match attack {
        PutBack::Items(prefix) => copy(prefix),
        PutBack::ItemsAndManifest(prefix) => {
            copy(prefix);
            copy(&[&b"manifest/"[..], prefix].concat());
        }
        PutBack::Delete(key) => batch.delete(Column::Meta, key),
        PutBack::Directory => unreachable!(),
    }
    store.write(batch, Durability::Synced).unwrap();
}

#[test]
fn signed_state_rolled_back_on_disk_is_refused_at_open() {
    for attack in attacks() {
        let test = TestVault::create().unwrap();
        (attack.before)(&test.vault);
        let TestVault {
            vault,
            data_dir,
            key_store,
            root,
            ..
        } = test;
        drop(vault);
        let older = root.path().join("older");
        tests::copy_dir(&data_dir, &older).unwrap();
        let vault = Vault::open(&data_dir, &key_store).unwrap();
        (attack.after)(&vault);
        drop(vault);
        // Untouched, the vault opens (the attack, not the change, is what is refused).
        drop(Vault::open(&data_dir, &key_store).unwrap());

        put_back(attack.put_back, &older, &data_dir);
        let opened = Vault::open(&data_dir, &key_store);
        let Err(refusal) = opened else {
            panic!("{}: the vault opened", attack.name);
        };
        assert!(
            matches!(
                refusal,
                Error::SignedStateTampered { .. } | Error::RolledBack(_)
            ),
            "{}: {refusal:?}",
            attack.name
        );
        assert!(
            refusal.to_string().contains(attack.refused),
            "{}: {refusal}",
            attack.name
        );
    }
}

/// With the high-water mark gone from beside the key store (a key store restored from its
/// own backup), the newest anchor exported off the host still refuses an older directory.
#[test]
fn an_older_directory_is_refused_by_the_newest_exported_anchor() {
    let test = TestVault::create().unwrap();
    let anchors = test.root().join("anchors");
    test.vault
        .set_anchor_dir(&access(), Some(&anchors), now())
        .unwrap();
    let TestVault {
        vault,
        data_dir,
        key_store,
        root,
        ..
    } = test;
    drop(vault);
    let older = root.path().join("older");
    tests::copy_dir(&data_dir, &older).unwrap();
    let vault = Vault::open(&data_dir, &key_store).unwrap();
    analyst(&vault, false);
    vault.anchor(&access(), now()).unwrap();
    drop(vault);

    let mark = root.path().join("root.key.mark");
    assert!(mark.exists(), "the mark is kept beside the key store");
    std::fs::remove_file(&mark).unwrap();
    put_back(PutBack::Directory, &older, &data_dir);
    let refusal = Vault::open(&data_dir, &key_store).unwrap_err();
    assert!(
        refusal
            .to_string()
            .contains("before the newest anchor exported to"),
        "{refusal}"
    );
}

/// `recvault restore` is the one way back to an older copy: a signed, logged act that resets
/// the mark. The restored vault then opens on its own; the directory it replaced, newer than
/// the new mark's history, is refused.
#[test]
fn a_restore_resets_the_mark_as_a_logged_act() {
    let test = TestVault::create().unwrap();
    analyst(&test.vault, false);
    let backup = test
        .vault
        .backup(&access(), &test.root().join("backup"), now())
        .unwrap();
    analyst(&test.vault, true);
    let TestVault {
        vault,
        data_dir,
        key_store,
        root,
        ..
    } = test;
    drop(vault);
    let table = backup.key_table.unwrap();
    let restored = root.path().join("restored");
    vault::restore(&backup.checkpoint, &table, &restored, &key_store).unwrap();

    let vault = Vault::open(&restored, &key_store).unwrap();
    let restores = vault
        .audit_search(
            &access(),
            &vault::audit::LogQuery {
                action: Some("vault.restore".into()),
                ..vault::audit::LogQuery::default()
            },
            now(),
        )
        .unwrap();
    assert_eq!(restores.len(), 1, "the restore is logged");
    assert!(restores[0].checkpointed, "and signed");
    assert!(
        !vault
            .accounts()
            .unwrap()
            .iter()
            .any(|account| account.name == "ana" && account.disabled),
        "the restored copy is the older one"
    );
    drop(vault);
    let refusal = Vault::open(&data_dir, &key_store).unwrap_err();
    assert!(matches!(refusal, Error::RolledBack(_)), "{refusal}");
}

/// The signed checkpoint the mark names deleted (checkpoints are kept through truncations, so
/// only an attacker removes one): refused, whatever the entries say.
#[test]
fn the_checkpoint_the_mark_names_cannot_be_removed() {
    let test = TestVault::create().unwrap();
    analyst(&test.vault, false);
    let TestVault {
        vault,
        data_dir,
        key_store,
        root,
        ..
    } = test;
    drop(vault);
    let mark = std::fs::read_to_string(root.path().join("root.key.mark")).unwrap();
    let seq: u64 = mark
        .lines()
        .find_map(|line| line.strip_prefix("entry "))
        .unwrap()
        .parse()
        .unwrap();
    let store = RocksStore::open(&data_dir).unwrap();
    let mut batch = WriteBatch::new();
    batch.delete(Column::Log, [&b"c"[..], &seq.to_be_bytes()].concat());
    store.write(batch, Durability::Synced).unwrap();
    drop(store);
    // The mark names the last checkpoint (a clean shutdown signs one), so the head's own
    // check finds it first; the mark's check stands behind it for a head rewritten to match.
    let refusal = Vault::open(&data_dir, &key_store).unwrap_err().to_string();
    assert!(
        refusal.contains("the head's last checkpoint is missing")
            || refusal.contains(&format!("the signed checkpoint of access-log entry {seq}")),
        "{refusal}"
    );
}
