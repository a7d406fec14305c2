//! Stored formats move forward: every committed fixture vault of an earlier format (made by
//! the commit before the change, `tests/fixtures/make-vault-format-*.sh`) opens with this
//! build, is upgraded by a logged migration, verifies its log (with the anchor the old build
//! exported) and reads its records. Agencies upgrade; they do not start over.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tests::{access, now};
use vault::audit::{parse_anchor, parse_public_key, verify_log_at, LogQuery};
use vault::{Identifier, IdentifierKind, SearchKey, SystemId, Vault, VAULT_FORMAT_VERSION};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// A writable copy of a fixture vault: its data directory and its key store (mode 0600, which
/// git does not keep).
fn copy_of(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    tests::copy_dir(&fixture(name).join("data"), &data).unwrap();
    let key_store = root.path().join("root.key");
    std::fs::copy(fixture(name).join("root.key"), &key_store).unwrap();
    std::fs::set_permissions(&key_store, std::fs::Permissions::from_mode(0o600)).unwrap();
    (root, data, key_store)
}

#[test]
fn a_format_1_vault_opens_upgrades_verifies_and_reads() {
    let dir = fixture("vault-format-1");
    let pinned =
        parse_public_key(&std::fs::read_to_string(dir.join("public-key.txt")).unwrap()).unwrap();
    let anchor = parse_anchor(&std::fs::read_to_string(dir.join("anchor.txt")).unwrap()).unwrap();
    assert!(
        anchor.link.is_none(),
        "the fixture's anchor is a version 1 checkpoint"
    );
    let (_root, data, key_store) = copy_of("vault-format-1");

    // Before the upgrade: this build's verifier will not vouch for a log in layout 1 only (a
    // newer log rewritten in the old layout would look the same), and says to upgrade it.
    let before = verify_log_at(&data, &pinned, Some(&anchor)).unwrap();
    let problem = before.problem.clone().unwrap();
    assert!(
        problem
            .reason
            .starts_with("the log has no entry in layout 2"),
        "{}",
        problem.reason
    );
    assert_eq!(before.policy, None, "no version 2 checkpoint yet");

    let vault = Vault::open(&data, &key_store).unwrap();
    let status = vault.status().unwrap();
    assert_eq!(status.format_version, VAULT_FORMAT_VERSION);
    let upgrades = vault
        .audit_search(
            &access(),
            &LogQuery {
                action: Some("vault.upgrade".into()),
                ..LogQuery::default()
            },
            now(),
        )
        .unwrap();
    assert_eq!(upgrades.len(), 1, "the upgrade is logged");
    assert!(
        upgrades[0].checkpointed,
        "and carries the first chained checkpoint"
    );
    assert_eq!(upgrades[0].seq, before.entries + 1);
    assert!(
        upgrades[0]
            .outcome
            .contains(&format!("({} entries, ", before.entries)),
        "the format 1 log was verified first: {}",
        upgrades[0].outcome
    );

    // Every record of the fixture still opens, and one is found by its SSN and read.
    let verified = vault.verify(&access(), now()).unwrap();
    assert_eq!(
        (verified.records, verified.unreadable.len()),
        (18, 0),
        "12 CBETF and 6 TTAR records"
    );
    let ssn = SearchKey::Identifier(Identifier::new(IdentifierKind::Ssn, "241-87-8621"));
    let system = SystemId::new("fincen-cbetf").unwrap();
    let ids = vault.lookup(&access(), &system, &ssn, now()).unwrap();
    assert!(!ids.is_empty());
    let record = vault.read(&access(), &ids[0], now()).unwrap();
    assert_eq!(
        record.contents.subjects[0].name.as_deref(),
        Some("CHEN TANAKA")
    );
    drop(vault);

    // After: the mixed log (version 1 entries, then version 2) verifies, extends the old
    // build's anchor, and has no unsigned tail after the clean shutdown.
    let after = verify_log_at(&data, &pinned, Some(&anchor)).unwrap();
    assert_eq!(after.problem, None);
    assert_eq!(after.unsigned_tail, 0);
    assert_eq!(after.policy.map(|rule| rule.every_entries), Some(1000));
    assert!(
        after.extension.as_deref().is_some_and(
            |how| how.starts_with(&format!("the anchored entry {} is in the log", anchor.seq))
        ),
        "{:?}",
        after.extension
    );

    // Opened again, it is not upgraded twice.
    let vault = Vault::open(&data, &key_store).unwrap();
    let upgrades = vault
        .audit_search(
            &access(),
            &LogQuery {
                action: Some("vault.upgrade".into()),
                ..LogQuery::default()
            },
            now(),
        )
        .unwrap();
    assert_eq!(upgrades.len(), 1);
}
