//! Stored formats move forward: every committed fixture vault of an earlier format (made by
//! the commit before the change, `tests/fixtures/make-vault-format-*.sh`) opens with this
//! build, is upgraded by a logged migration, verifies its log (with the anchor the old build
//! exported) and reads its records. Agencies upgrade; they do not start over.

use privacy::accounting::Accounting as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use model::{Identifier, IdentifierKind, SystemId};
use privacy::accounts::Accounts as _;
use tests::{access, now};
use vault::audit::{parse_anchor, parse_public_key, verify_log_at, LogQuery};
use vault::{SearchKey, Vault, VAULT_FORMAT_VERSION};

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

/// A writable copy of a fixture vault of the current format whose log verifies against the
/// key and the anchor the old build exported; with the pinned public key, to verify it again.
fn verified_copy_of(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf, [u8; 32]) {
    let dir = fixture(name);
    let pinned =
        parse_public_key(&std::fs::read_to_string(dir.join("public-key.txt")).unwrap()).unwrap();
    let anchor = parse_anchor(&std::fs::read_to_string(dir.join("anchor.txt")).unwrap()).unwrap();
    let (root, data, key_store) = copy_of(name);
    assert_eq!(
        verify_log_at(&data, &pinned, Some(&anchor))
            .unwrap()
            .problem,
        None,
        "{name}"
    );
    (root, data, key_store, pinned)
}

/// The upgrades a fixture of `format` goes through at open, oldest first, by the start of
/// their outcome.
fn upgrades_from(format: u8) -> &'static [&'static str] {
    match format {
        1 => &[
            "format 1 to 2",
            "format 2 to 3",
            "format 3 to 4",
            "format 4 to 5",
        ],
        2 => &["format 2 to 3", "format 3 to 4", "format 4 to 5"],
        3 => &["format 3 to 4", "format 4 to 5"],
        4 => &["format 4 to 5"],
        _ => unreachable!("no fixture of format {format}"),
    }
}

#[test]
fn every_earlier_format_opens_upgrades_verifies_and_reads() {
    for format in [1u8, 2, 3, 4] {
        let name = format!("vault-format-{format}");
        let dir = fixture(&name);
        let pinned =
            parse_public_key(&std::fs::read_to_string(dir.join("public-key.txt")).unwrap())
                .unwrap();
        let anchor =
            parse_anchor(&std::fs::read_to_string(dir.join("anchor.txt")).unwrap()).unwrap();
        assert_eq!(
            anchor.link.is_some(),
            format >= 2,
            "{name}: the fixture's anchor is a version {format} checkpoint"
        );
        let (_root, data, key_store) = copy_of(&name);

        // Before the upgrade: this build's verifier will not vouch for a log in layout 1 only
        // (a newer log rewritten in the old layout would look the same), and says to upgrade
        // it; a format 2 log verifies as it is.
        let before = verify_log_at(&data, &pinned, Some(&anchor)).unwrap();
        if format == 1 {
            let problem = before.problem.clone().unwrap();
            assert!(
                problem
                    .reason
                    .starts_with("the log has no entry in layout 2"),
                "{}",
                problem.reason
            );
            assert_eq!(before.policy, None, "no version 2 checkpoint yet");
        } else {
            assert_eq!(before.problem, None, "{name}");
        }

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
        let expected = upgrades_from(format);
        assert_eq!(
            upgrades.len(),
            expected.len(),
            "{name}: each upgrade is logged"
        );
        for (at, (upgrade, outcome)) in upgrades.iter().zip(expected).enumerate() {
            assert!(
                upgrade.outcome.starts_with(outcome),
                "{name}: {}",
                upgrade.outcome
            );
            assert!(upgrade.checkpointed, "{name}: {outcome} is checkpointed");
            // The format 5 upgrade first makes the index periods of the identifiers it
            // indexes for the year of the records holding them (each a logged key change of its
            // own): format 3's broker and manufacturer ids, format 4's addresses.
            let periods_made = match format {
                3 if at + 1 == expected.len() => 2,
                4 => 1,
                _ => 0,
            };
            assert_eq!(
                upgrade.seq,
                before.entries + 1 + at as u64 + periods_made,
                "{name}"
            );
        }
        if format == 1 {
            assert!(
                upgrades[0]
                    .outcome
                    .contains(&format!("({} entries, ", before.entries)),
                "the format 1 log was verified first: {}",
                upgrades[0].outcome
            );
        }

        // Every record of the fixture still opens, and one is found by its SSN and read.
        let verified = vault.verify(&access(), now()).unwrap();
        assert_eq!(
            (verified.records, verified.unreadable.len()),
            (
                match format {
                    3 => 22,
                    4 => 20,
                    _ => 18,
                },
                0
            ),
            "{name}: 12 CBETF and 6 TTAR records (format 3: and 2 from a trade file, with the 2 raw rows they came from; format 4: and a biographic and an SDN record)"
        );
        let ttar = SystemId::new("dhs-ice-005-ttar").unwrap();
        let by = |kind, value: &str| {
            vault
                .lookup(
                    &access(),
                    &ttar,
                    &SearchKey::Identifier(Identifier::new(kind, value)),
                    now(),
                )
                .unwrap()
                .len()
        };
        if format == 4 {
            // Format 5 retrieves a biographic or SDN record by the address it holds as a field
            // (seed 000, Retrievability: "business address, home address"); the format 4 build
            // had not indexed them.
            assert!(
                upgrades[0].outcome.contains(
                    "8 read, 2 indexed in their period and 0 in their holds (2 index entries)"
                ),
                "{}",
                upgrades[0].outcome
            );
            assert_eq!(by(IdentifierKind::Address, "14 elm st apt 3 trenton nj"), 1);
            assert_eq!(by(IdentifierKind::Address, "CALLE 9 NO 12 PANAMA CITY"), 1);
            assert_eq!(by(IdentifierKind::Address, "15 elm st"), 0);
        }
        if format == 3 {
            // Format 4 retrieves TTAR by broker and manufacturer ids (seed 000,
            // Retrievability): the format 5 upgrade indexed the ones the old build kept as
            // fields.
            assert!(
                upgrades[1]
                    .outcome
                    // Every TTAR record is opened (6 from JSON lines, the trade file's 2
                    // and their 2 raw rows); the trade file's 2 carry the ids.
                    .contains(
                        "10 read, 2 indexed in their period and 0 in their holds (4 index entries)"
                    ),
                "{}",
                upgrades[1].outcome
            );
            assert_eq!(by(IdentifierKind::BrokerId, "BRK-7781"), 1);
            assert_eq!(by(IdentifierKind::ManufacturerId, "MFR-0042"), 2);
            assert_eq!(by(IdentifierKind::BrokerId, "BRK-0000"), 0);
        }
        let ssn = SearchKey::Identifier(Identifier::new(IdentifierKind::Ssn, "241-87-8621"));
        let system = SystemId::new("fincen-cbetf").unwrap();
        let ids = vault.lookup(&access(), &system, &ssn, now()).unwrap();
        assert!(!ids.is_empty());
        let record = vault.read(&access(), &ids[0], now()).unwrap();
        assert_eq!(
            record.contents.subjects[0].name.as_deref(),
            Some("CHEN TANAKA")
        );
        // The accounts the old build made still sign in (their manifest is generation 1 of
        // what the old build signed item by item).
        assert!(
            vault.accounts().unwrap().len() >= 2,
            "{name}: the administrator and the analyst"
        );
        drop(vault);

        // The key check was rewritten under a key derived from the root (version 2): the root
        // key is no longer an HMAC key.
        {
            use vault::store::{Column, RocksStore, Store};
            let store = RocksStore::open(&data).unwrap();
            let check = store.get(Column::Meta, b"key-check").unwrap().unwrap();
            assert_eq!(
                (check.len(), check[0]),
                (37, 2),
                "{name}: key check version 2"
            );
            // Every key the upgraded vault holds says what destroys it (`destroyed_with`, which
            // a backend that cannot delete ranges will go by): none of an old build's keys is
            // left without an answer.
            for column in Column::ALL {
                for (key, _) in store.scan(column, b"", None, usize::MAX).unwrap() {
                    assert!(
                        vault::destroyed_with(column, &key).is_some(),
                        "{name}: {column:?} {key:02x?} has no answer"
                    );
                }
            }
        }

        // After: the log verifies, extends the old build's anchor, and has no unsigned tail
        // after the clean shutdown.
        let after = verify_log_at(&data, &pinned, Some(&anchor)).unwrap();
        assert_eq!(after.problem, None, "{name}");
        assert_eq!(after.unsigned_tail, 0);
        assert_eq!(after.policy.map(|rule| rule.every_entries), Some(1000));
        assert!(
            after
                .extension
                .as_deref()
                .is_some_and(|how| how
                    .starts_with(&format!("the anchored entry {} is in the log", anchor.seq))),
            "{name}: {:?}",
            after.extension
        );

        // Opened again (its manifests checked against the upgrade's checkpoint), it is not
        // upgraded twice.
        let vault = Vault::open(&data, &key_store).unwrap();
        let again = vault
            .audit_search(
                &access(),
                &LogQuery {
                    action: Some("vault.upgrade".into()),
                    ..LogQuery::default()
                },
                now(),
            )
            .unwrap();
        assert_eq!(again.len(), expected.len(), "{name}");
    }
}

/// Accounting entries sealed before entries kept their basis's evidence (layout 1, made by
/// `tests/fixtures/make-accounting-entries-v1.sh` with the build before the change) still read:
/// their evidence is `None` (checked at the time, not kept), nothing is rewritten, and a new
/// release beside them seals its evidence (layout 2).
#[test]
fn accounting_entries_of_layout_1_read_beside_new_ones_that_seal_their_evidence() {
    let name = "accounting-entries-v1";
    let (_root, data, key_store, pinned) = verified_copy_of(name);
    let vault = Vault::open(&data, &key_store).unwrap();
    // The fixture was made on its own day: read it after that, not at the tests' fixed now.
    let today = chrono::Utc::now();
    let ssn = |value: &str| SearchKey::Identifier(Identifier::new(IdentifierKind::Ssn, value));
    let routine = vault
        .accounting_for(&access(), &ssn("241-87-8621"), today)
        .unwrap();
    assert_eq!(routine.len(), 1);
    assert_eq!(
        (
            routine[0].basis.as_str(),
            routine[0].recipient_name.as_str(),
            &routine[0].evidence
        ),
        ("routine use A", "Office of the State Prosecutor", &None)
    );
    let seven = vault
        .accounting_for(&access(), &ssn("245-91-8422"), today)
        .unwrap();
    assert_eq!(seven.len(), 1);
    assert_eq!(seven[0].basis, "552a(b)(7)");
    assert!(seven[0].withheld_from_individual);
    assert_eq!(seven[0].evidence, None);
    // A new release beside them: layout 2, its evidence sealed with it.
    let system = SystemId::new("fincen-cbetf").unwrap();
    let ids = vault
        .lookup(&access(), &system, &ssn("241-87-8621"), today)
        .unwrap();
    vault
        .disclose(
            &access(),
            &privacy::accounting::Release {
                records: vec![(ids[0], 2040)],
                nature: "electronic".into(),
                purpose: "litigation".into(),
                basis: "552a(b)(11)".into(),
                recipient_name: "U.S. District Court".into(),
                recipient_address: "Washington, DC".into(),
                recipient_category: "court".into(),
                package: "pkg-after".into(),
                withheld_from_individual: false,
                individual_notice: None,
                notice_scope: Default::default(),
                document: None,
                evidence: r#"{"court":"U.S. District Court","document":"sha256:order"}"#.into(),
                notice_content: String::new(),
            },
            today,
        )
        .unwrap();
    let both = vault
        .accounting_for(&access(), &ssn("241-87-8621"), today)
        .unwrap();
    assert_eq!(both.len(), 2);
    assert_eq!(both[0].evidence, None);
    assert!(both[1]
        .evidence
        .as_deref()
        .unwrap()
        .contains("U.S. District Court"));
    drop(vault);
    assert_eq!(verify_log_at(&data, &pinned, None).unwrap().problem, None);
}

/// Notices of layout 1 (made before notices to the individual sealed what they state and whom
/// they are assigned to) read as they are beside the public-record marks of this build: the
/// (b)(8) notice the old build wrote is listed with its kind and due date, no content and no
/// officer, and is marked sent; it cannot take a public-record date (its due date is set).
#[test]
fn notices_of_layout_1_read_and_are_marked_sent() {
    let name = "notices-v1";
    let (_root, data, key_store, pinned) = verified_copy_of(name);
    let vault = Vault::open(&data, &key_store).unwrap();
    // The fixture was made on its own day: read it after that, not at the tests' fixed now.
    let today = chrono::Utc::now();
    let notices = vault.notices(&access(), today).unwrap();
    assert_eq!(notices.len(), 1);
    let notice = &notices[0];
    assert!(notice.kind.contains("(b)(8)"), "{}", notice.kind);
    assert!(notice.due.is_some());
    assert_eq!((&notice.content, &notice.assigned_to), (&None, &None));
    assert_eq!(notice.sent_ms, None);
    assert!(vault
        .record_notice_public(&access(), &notice.id, "2026-11-20", "2026-11-25", today)
        .is_err());
    vault
        .mark_notice_sent(&access(), &notice.id, today)
        .unwrap();
    // A second mark, as the loser of two made at once would make it (and spelled in capitals,
    // which the document's pattern allows): a conflict, never a malformed request.
    assert!(matches!(
        vault.mark_notice_sent(&access(), &notice.id.to_uppercase(), today),
        Err(vault::Error::Conflict(_))
    ));
    let after = vault.notices(&access(), today).unwrap();
    assert!(after[0].sent_ms.is_some());
    assert_eq!(after[0].public_on, None);
    drop(vault);
    assert_eq!(verify_log_at(&data, &pinned, None).unwrap().problem, None);
}
