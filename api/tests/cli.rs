//! The CLI at its boundary: the real `recvault` binary, run as an operator would run it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test with the reason"
)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

mod common;

use common::{recvault, workspace, Run};

/// Runs `recvault ARGS --data data --key-store root.key` in `dir`: the test vault.
fn on_vault(args: &[&str], dir: &Path) -> Run {
    recvault(&[args, &VAULT].concat(), dir)
}

const VAULT: [&str; 4] = ["--data", "data", "--key-store", "root.key"];

fn init(dir: &Path) {
    let run = on_vault(&["init"], dir);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("created a vault in `data`"),
        "{}",
        run.stdout
    );
}

fn good_line(name: &str, ssn: &str) -> String {
    format!(
        r#"{{"system":"fincen-cbetf","category":"transmittal","collected_at":"2026-01-15","source":{{"report_id":"R-1"}},"subjects":[{{"role":"transmittor","name":"{name}","identifiers":{{"ssn":"{ssn}","account":"000123"}}}}],"fields":{{"amount":"1500.00","currency":"USD"}}}}"#
    )
}

#[test]
fn init_creates_a_private_key_store_outside_the_data_directory() {
    let dir = workspace();
    init(dir.path());
    let mode = fs::metadata(dir.path().join("root.key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert!(dir.path().join("data/CURRENT").exists());

    let again = on_vault(&["init"], dir.path());
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .contains("already exists; refusing to overwrite it"),
        "{}",
        again.stderr
    );
}

#[test]
fn init_refuses_a_key_store_inside_the_data_directory_and_leaves_nothing() {
    let dir = workspace();
    let run = recvault(
        &[
            "init",
            "--data",
            "data",
            "--key-store",
            "data/keys/root.key",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("must not be inside the data directory"),
        "{}",
        run.stderr
    );
    assert!(
        !dir.path().join("data").exists(),
        "nothing half-made is left behind"
    );
}

#[test]
fn a_key_store_readable_by_others_is_refused() {
    let dir = workspace();
    init(dir.path());
    let key_store = dir.path().join("root.key");
    fs::set_permissions(&key_store, fs::Permissions::from_mode(0o640)).unwrap();
    let run = on_vault(&["status"], dir.path());
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("mode 0640"), "{}", run.stderr);
    assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
    fs::set_permissions(&key_store, fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(on_vault(&["status"], dir.path()).code, 0);
}

#[test]
fn ingest_commits_in_batches_and_lists_every_rejected_line() {
    let dir = workspace();
    init(dir.path());
    // (line, expected rejection reason or None)
    let long_line = format!("{{\"x\":\"{}\"}}", "a".repeat(1 << 20));
    let lines: Vec<(String, Option<&str>)> = vec![
        (good_line("ALICE EXAMPLE", "123-45-6789"), None),
        (good_line("BOB EXAMPLE", "987-65-4321"), None),
        (
            good_line("CAROL EXAMPLE", "12-34"),
            Some("subject 1: identifier `ssn` must have 9 digits"),
        ),
        (String::new(), None),
        (
            "{not json".into(),
            Some("not valid JSON: syntax error at column 2"),
        ),
        (
            good_line("DAVE EXAMPLE", "111-22-3333").replace("fincen-cbetf", "FinCEN"),
            Some("system id must be"),
        ),
        (long_line, Some("line is longer than 1048576 bytes")),
        (good_line("ERIN EXAMPLE", "222-33-4444"), None),
        (
            good_line("FRANK EXAMPLE", "333-44-5555").replace(r#""1500.00""#, "1500.00"),
            Some("`fields`: `amount` must be a string"),
        ),
        (good_line("GRACE EXAMPLE", "444-55-6666"), None),
    ];
    let text: String = lines.iter().map(|(line, _)| format!("{line}\n")).collect();
    fs::write(dir.path().join("input.jsonl"), text).unwrap();

    let run = on_vault(&["ingest", "input.jsonl", "--batch-size", "2"], dir.path());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    // Good lines are 1, 2, 8 and 10: a batch of two fills at line 2 and again at line 10.
    assert!(
        run.stdout.starts_with("committed through line 2\ncommitted through line 10\ningested 4 records from 10 lines (5 rejected)\n"),
        "{}",
        run.stdout
    );
    for (line_no, (_, reason)) in lines.iter().enumerate() {
        if let Some(reason) = reason {
            let expected = format!("  line {}: {reason}", line_no + 1);
            assert!(
                run.stdout.contains(&expected),
                "missing {expected:?} in\n{}",
                run.stdout
            );
        }
    }
    for secret in ["ALICE", "CAROL", "12-34", "123-45-6789", "000123", "FRANK"] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "output leaks {secret}"
        );
    }

    let status = on_vault(&["status"], dir.path());
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(status.stdout.contains("records 4\n"), "{}", status.stdout);
    assert!(
        status
            .stdout
            .contains("fincen-cbetf/transmittal: 4 records"),
        "{}",
        status.stdout
    );
}

#[test]
fn a_clean_ingest_exits_zero_and_reads_standard_input() {
    let dir = workspace();
    init(dir.path());
    let input = dir.path().join("one.jsonl");
    fs::write(&input, good_line("ALICE EXAMPLE", "123456789")).unwrap();
    let run = on_vault(&["ingest", "one.jsonl"], dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .ends_with("committed through line 1\ningested 1 records from 1 lines (0 rejected)\n"),
        "{}",
        run.stdout
    );

    let piped = Command::new(env!("CARGO_BIN_EXE_recvault"))
        .args([&["ingest", "-"][..], &VAULT].concat())
        .current_dir(dir.path())
        .stdin(fs::File::open(&input).unwrap())
        .output()
        .unwrap();
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let status = on_vault(&["status"], dir.path());
    assert!(status.stdout.contains("records 2\n"), "{}", status.stdout);
}

#[test]
fn offline_commands_refuse_a_directory_another_process_holds() {
    let dir = workspace();
    init(dir.path());
    let held = vault::Vault::open(&dir.path().join("data"), &dir.path().join("root.key")).unwrap();
    let run = on_vault(&["status"], dir.path());
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("data directory `data` is in use by another process"),
        "{}",
        run.stderr
    );
    drop(held);
}

#[test]
fn wrong_usage_and_wrong_paths_say_what_is_wrong() {
    let dir = workspace();
    let cases: &[(&[&str], i32, &str)] = &[
        (&["ingest"], 2, "required arguments were not provided"),
        (
            &[
                "ingest",
                "x.jsonl",
                "--data",
                "data",
                "--key-store",
                "root.key",
                "--batch-size",
                "0",
            ],
            2,
            "invalid value",
        ),
        (
            &["status", "--data", "nowhere", "--key-store", "root.key"],
            1,
            "`nowhere` is not a recvault data directory",
        ),
        (&["frobnicate"], 2, "unrecognized subcommand"),
    ];
    for (args, code, message) in cases {
        let run = recvault(args, dir.path());
        assert_eq!(run.code, *code, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    init(dir.path());
    let missing = on_vault(&["ingest", "absent.jsonl"], dir.path());
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("cannot open `absent.jsonl`"),
        "{}",
        missing.stderr
    );
}

/// Kill -9 in the middle of an ingest: every batch reported committed is there, and no batch
/// is there in part (all lines are good, so the record count is a whole number of batches).
#[test]
fn a_killed_ingest_keeps_every_committed_batch_and_no_half_batch() {
    const LINES: usize = 100_000;
    const BATCH: usize = 50;
    let dir = workspace();
    init(dir.path());
    let text: String = (0..LINES)
        .map(|n| good_line(&format!("PERSON {n}"), &format!("{:09}", 100_000_000 + n)) + "\n")
        .collect();
    fs::write(dir.path().join("big.jsonl"), text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_recvault"))
        .args([&["ingest", "big.jsonl", "--batch-size", "50"][..], &VAULT].concat())
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reports = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut committed_through = 0;
    for _ in 0..20 {
        let report = reports.next().unwrap().unwrap();
        committed_through = report
            .strip_prefix("committed through line ")
            .unwrap_or_else(|| panic!("unexpected output {report:?}"))
            .parse::<usize>()
            .unwrap();
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the ingest finished before it was killed; make the input larger"
    );

    let verify = on_vault(&["verify"], dir.path());
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    let stored: usize = verify
        .stdout
        .strip_prefix("verified ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        verify
            .stdout
            .contains(&format!("{stored} readable, 0 unreadable")),
        "{}",
        verify.stdout
    );
    assert!(
        stored >= committed_through,
        "{stored} stored, {committed_through} reported committed"
    );
    assert!(stored < LINES, "the kill came before the end");
    assert_eq!(
        stored % BATCH,
        0,
        "{stored} records is not a whole number of batches"
    );
}

#[test]
fn keys_status_shows_cohorts_and_rotation_moves_the_epoch() {
    let dir = workspace();
    init(dir.path());
    fs::write(
        dir.path().join("one.jsonl"),
        good_line("ALICE EXAMPLE", "123456789"),
    )
    .unwrap();
    assert_eq!(on_vault(&["ingest", "one.jsonl"], dir.path()).code, 0);
    let key_store_before = fs::read_to_string(dir.path().join("root.key")).unwrap();

    let status = on_vault(&["keys", "status"], dir.path());
    assert_eq!(status.code, 0, "{}", status.stderr);
    // One record cohort, and the 2026 index keys for its SSN, account and name.
    let head = "root key epoch 1\nlive cohort keys 4\n";
    assert!(status.stdout.starts_with(head), "{}", status.stdout);
    let ssn_index = "index fincen-cbetf ssn 2026  key v1";
    assert!(status.stdout.contains(ssn_index), "{}", status.stdout);
    assert!(
        status
            .stdout
            .contains("period fincen-cbetf/transmittal collected 2026-01  key v1"),
        "{}",
        status.stdout
    );

    let rotate = on_vault(&["keys", "rotate"], dir.path());
    assert_eq!(rotate.code, 0, "{}", rotate.stderr);
    assert_eq!(
        rotate.stdout,
        "rotated the root key: epoch 2 is in force and epoch 1 is destroyed\n"
    );
    let key_store_after = fs::read_to_string(dir.path().join("root.key")).unwrap();
    let old_key_line = key_store_before.lines().nth(1).unwrap();
    assert!(
        !key_store_after.contains(old_key_line),
        "the old root key is gone"
    );
    let mode = fs::metadata(dir.path().join("root.key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    let verify = on_vault(&["verify"], dir.path());
    assert_eq!(
        verify.stdout,
        "verified 1 records: 1 readable, 0 unreadable\n"
    );
    for output in [&status.stdout, &rotate.stdout, &key_store_after] {
        assert!(
            !output.contains(&old_key_line[8..]),
            "key bytes never printed"
        );
    }
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let dir = workspace();
    init(dir.path());
    let lines = [
        good_line("ALICE EXAMPLE", "123456789"),
        good_line("BOB EXAMPLE", "987654321"),
    ]
    .join("\n");
    fs::write(dir.path().join("two.jsonl"), lines).unwrap();
    assert_eq!(on_vault(&["ingest", "two.jsonl"], dir.path()).code, 0);

    let backup = on_vault(&["backup", "--to", "backup-1"], dir.path());
    assert_eq!(backup.code, 0, "{}", backup.stderr);
    assert!(
        backup
            .stdout
            .contains("backed up the encrypted store to `backup-1` (root epoch 1)"),
        "{}",
        backup.stdout
    );
    assert!(
        backup.stdout.contains("key-tables/key-table"),
        "{}",
        backup.stdout
    );
    let again = on_vault(&["backup", "--to", "backup-1"], dir.path());
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("`backup-1` already exists"),
        "{}",
        again.stderr
    );

    assert_eq!(on_vault(&["keys", "rotate"], dir.path()).code, 0);
    let restore_args = [
        "restore",
        "--from",
        "backup-1",
        "--key-table",
        "key-tables/key-table",
        "--data",
        "restored",
        "--key-store",
        "root.key",
    ];
    let restore = recvault(&restore_args, dir.path());
    assert_eq!(restore.code, 0, "{}", restore.stderr);
    assert!(
        restore
            .stdout
            .starts_with("restored 2 records into `restored` under root epoch 2; 0 records"),
        "{}",
        restore.stdout
    );
    let again = recvault(&restore_args, dir.path());
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("`restored` already exists"),
        "{}",
        again.stderr
    );
    let verify = recvault(
        &["verify", "--data", "restored", "--key-store", "root.key"],
        dir.path(),
    );
    assert_eq!(
        verify.stdout,
        "verified 2 records: 2 readable, 0 unreadable\n"
    );
}

/// The product binary carries no benchmark: its plain baselines write records unsealed and
/// its PostgreSQL baseline starts a server with trust authentication, so they live in
/// `recvault-bench` (bench/tests/cli.rs runs it). `recvault bench` is an unknown subcommand.
#[test]
fn the_product_binary_has_no_benchmark() {
    let dir = workspace();
    let run = recvault(&["bench", "--records", "10"], dir.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("unrecognized subcommand 'bench'"),
        "{}",
        run.stderr
    );
    let help = recvault(&["--help"], dir.path());
    assert_eq!(help.code, 0, "{}", help.stderr);
    assert!(!help.stdout.contains("bench"), "{}", help.stdout);
}

#[test]
fn audit_anchor_verify_and_search_from_the_command_line() {
    let dir = workspace();
    let created = on_vault(&["init"], dir.path());
    let public_key = created
        .stdout
        .split("public key ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap()
        .to_owned();
    assert_eq!(public_key.len(), 64, "{}", created.stdout);
    fs::write(
        dir.path().join("one.jsonl"),
        good_line("ALICE EXAMPLE", "123456789"),
    )
    .unwrap();
    assert_eq!(on_vault(&["ingest", "one.jsonl"], dir.path()).code, 0);

    let anchor = on_vault(&["audit", "anchor", "--to", "anchor.txt"], dir.path());
    assert_eq!(anchor.code, 0, "{}", anchor.stderr);
    assert!(fs::read_to_string(dir.path().join("anchor.txt"))
        .unwrap()
        .contains(&public_key));

    let verify = recvault(
        &[
            "audit",
            "verify",
            "--data",
            "data",
            "--public-key",
            &public_key,
            "--anchor",
            "anchor.txt",
        ],
        dir.path(),
    );
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    assert!(
        verify.stdout.starts_with("the access log verifies: "),
        "{}",
        verify.stdout
    );
    assert!(
        verify.stdout.contains("anchored entry"),
        "{}",
        verify.stdout
    );
    let stranger = "ab".repeat(32);
    let refused = recvault(
        &[
            "audit",
            "verify",
            "--data",
            "data",
            "--public-key",
            &stranger,
        ],
        dir.path(),
    );
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stdout.contains("is not signed by the pinned key"),
        "{}",
        refused.stdout
    );

    let search = recvault(
        &[
            &["audit", "search", "--action", "ingest", "--json"][..],
            &VAULT,
        ]
        .concat(),
        dir.path(),
    );
    assert_eq!(search.code, 0, "{}", search.stderr);
    let lines: Vec<&str> = search.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", search.stdout);
    let entry: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(entry["action"], "ingest");
    assert_eq!(entry["purpose"], "intake");
    assert_eq!(entry["record_ids"].as_array().unwrap().len(), 1);
    assert!(!search.stdout.contains("ALICE") && !search.stdout.contains("123456789"));
    let searches = on_vault(&["audit", "search", "--action", "audit.search"], dir.path());
    assert!(
        searches.stdout.ends_with("1 entries\n"),
        "the first search was logged: {}",
        searches.stdout
    );
}

#[test]
fn checkpoints_are_exported_to_the_anchor_directory() {
    let dir = workspace();
    let created = on_vault(&["init", "--anchor-dir", "anchors"], dir.path());
    assert_eq!(created.code, 0, "{}", created.stderr);
    let public_key = created.stdout.split("public key ").nth(1).unwrap()[..64].to_owned();
    fs::write(
        dir.path().join("one.jsonl"),
        good_line("ALICE EXAMPLE", "123456789"),
    )
    .unwrap();
    assert_eq!(on_vault(&["ingest", "one.jsonl"], dir.path()).code, 0);
    // Checkpoints come every 1,000 entries or 60 seconds; an anchor forces one now.
    let anchor = on_vault(&["audit", "anchor"], dir.path());
    assert_eq!(anchor.code, 0, "{}", anchor.stderr);
    let mut anchors: Vec<_> = fs::read_dir(dir.path().join("anchors"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    anchors.sort();
    assert!(!anchors.is_empty(), "a checkpoint was exported");
    let newest = anchors.last().unwrap().display().to_string();
    let verify = recvault(
        &[
            "audit",
            "verify",
            "--data",
            "data",
            "--public-key",
            &public_key,
            "--anchor",
            &newest,
        ],
        dir.path(),
    );
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    // The ingest's entry carries no checkpoint (changes to signed state, like the SORN files
    // and the anchor directory `init` set, always do).
    let ingest = on_vault(
        &["audit", "search", "--action", "ingest", "--json"],
        dir.path(),
    );
    let seq = serde_json::from_str::<serde_json::Value>(ingest.stdout.lines().next().unwrap())
        .unwrap()["seq"]
        .to_string();
    let truncate = on_vault(&["audit", "truncate", "--at", &seq], dir.path());
    assert_eq!(truncate.code, 1);
    assert!(
        truncate.stderr.contains("has no signed checkpoint"),
        "{}",
        truncate.stderr
    );
}

#[test]
fn init_sets_each_systems_destruction_bucket_from_its_schedule() {
    // PNR's schedule asks for daily cohorts; the others keep months.
    let dir = workspace();
    init(dir.path());
    // The CLI reads the real clock: a flight today, pulled just now (paragraph 14's window).
    let pulled = chrono::Utc::now() - chrono::Duration::minutes(10);
    let day = pulled.date_naive();
    let at = |hours: i64| (pulled + chrono::Duration::hours(hours)).to_rfc3339();
    let pnr = format!(
        r#"{{"system":"cbp-pnr","category":"pnr","collected_at":"{}","source":{{"carrier":"XX","flight":"XX100","departs_at":"{}","arrives_at":"{}"}},"subjects":[{{"role":"passenger","name":"ANNE EXAMPLE","identifiers":{{"passport":{{"number":"X1234567","country":"FR"}}}}}}],"fields":{{"record_locator":"ABC123"}}}}"#,
        pulled.to_rfc3339(),
        at(6),
        at(14)
    );
    fs::write(
        dir.path().join("two.jsonl"),
        format!("{pnr}\n{}", good_line("ALICE EXAMPLE", "123456789")),
    )
    .unwrap();
    let ingest = on_vault(&["ingest", "two.jsonl"], dir.path());
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
    let status = on_vault(&["keys", "status"], dir.path());
    assert!(
        status
            .stdout
            .contains(&format!("period cbp-pnr/pnr collected {day}  key v1"))
            && status
                .stdout
                .contains("period fincen-cbetf/transmittal collected 2026-01  key v1"),
        "{}",
        status.stdout
    );
}

#[test]
fn destruction_buckets_from_the_command_line() {
    let dir = workspace();
    init(dir.path());
    let args = [
        "keys",
        "bucket",
        "--system",
        "fincen-cbetf",
        "--category",
        "transmittal",
        "--bucket",
        "day",
    ];
    let set = on_vault(&args, dir.path());
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert_eq!(
        set.stdout,
        "`fincen-cbetf/transmittal` records die together by day\n"
    );
    fs::write(
        dir.path().join("one.jsonl"),
        good_line("ALICE EXAMPLE", "123456789"),
    )
    .unwrap();
    assert_eq!(on_vault(&["ingest", "one.jsonl"], dir.path()).code, 0);
    let status = on_vault(&["keys", "status"], dir.path());
    assert!(
        status
            .stdout
            .contains("period fincen-cbetf/transmittal collected 2026-01-15  key v1"),
        "{}",
        status.stdout
    );
    let again = on_vault(&args, dir.path());
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("its destruction bucket is fixed"),
        "{}",
        again.stderr
    );
    let bad = recvault(
        &[
            &[
                "keys",
                "bucket",
                "--system",
                "x",
                "--category",
                "y",
                "--bucket",
                "week",
            ][..],
            &VAULT,
        ]
        .concat(),
        dir.path(),
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn sorn_files_are_checked_listed_and_imported() {
    let dir = workspace();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policy/sorn");
    let files: Vec<String> = ["dhs-ice-005-ttar.toml", "cbp-pnr.toml", "fincen-cbetf.toml"]
        .iter()
        .map(|file| shipped.join(file).display().to_string())
        .collect();
    let args: Vec<&str> = ["sorn", "check"]
        .into_iter()
        .chain(files.iter().map(String::as_str))
        .collect();
    let check = recvault(&args, dir.path());
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        check
            .stdout
            .contains("3 SORN files valid: dhs-ice-005-ttar, cbp-pnr, fincen-cbetf"),
        "{}",
        check.stdout
    );

    // A broken copy: the error names the file and the line.
    let text = fs::read_to_string(shipped.join("fincen-cbetf.toml")).unwrap();
    fs::create_dir(dir.path().join("mine")).unwrap();
    fs::write(
        dir.path().join("mine/fincen-cbetf.toml"),
        text.replace("role = \"analyst\"", "role = \"wizard\""),
    )
    .unwrap();
    let broken = recvault(&["sorn", "check", "mine/fincen-cbetf.toml"], dir.path());
    assert_eq!(broken.code, 1);
    assert!(
        broken.stderr.contains("mine/fincen-cbetf.toml:"),
        "{}",
        broken.stderr
    );
    assert!(
        broken.stderr.contains("unknown role `wizard`"),
        "{}",
        broken.stderr
    );

    let list = recvault(&["sorn", "list"], dir.path());
    assert_eq!(list.code, 0, "{}", list.stderr);
    for expected in [
        "owner dhs-ice; direct access: dhs-ice, dhs-cbp",
        "owner dhs-cbp; direct access: dhs-cbp",
        "first-party under foia",
        "routine use R (news-media, individual",
        "schedule records-proposed for records: proposed; production to 10y0m0d",
        "deleted-record-file to 11y6m0d (only if manually-accessed)",
    ] {
        assert!(
            list.stdout.contains(expected),
            "`{expected}` missing from:\n{}",
            list.stdout
        );
    }

    // `init` refuses a broken directory and creates nothing; a good one is imported, logged.
    let refused = on_vault(&["init", "--sorn-dir", "mine"], dir.path());
    assert_eq!(refused.code, 1);
    assert!(!dir.path().join("data").exists());
    fs::write(dir.path().join("mine/fincen-cbetf.toml"), &text).unwrap();
    let init = on_vault(&["init", "--sorn-dir", "mine"], dir.path());
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(
        init.stdout.contains("its systems of records: fincen-cbetf"),
        "{}",
        init.stdout
    );
    let listed = on_vault(&["sorn", "list"], dir.path());
    assert!(
        listed.stdout.starts_with("fincen-cbetf:") && !listed.stdout.contains("cbp-pnr"),
        "{}",
        listed.stdout
    );
    let import = recvault(
        &[
            "sorn",
            "import",
            "--sorn-dir",
            &shipped.display().to_string(),
            "--data",
            "data",
            "--key-store",
            "root.key",
        ],
        dir.path(),
    );
    assert_eq!(import.code, 0, "{}", import.stderr);
    let logged = on_vault(
        &["audit", "search", "--action", "config.documents", "--json"],
        dir.path(),
    );
    assert_eq!(logged.stdout.lines().count(), 2, "{}", logged.stdout);
    assert!(
        logged.stdout.contains("cbp-pnr.toml sha256:"),
        "{}",
        logged.stdout
    );
}

#[test]
fn intake_refuses_categories_roles_and_fields_the_notice_does_not_have() {
    let dir = workspace();
    init(dir.path());
    let good = good_line("JOHN Q PUBLIC", "123-45-6789");
    let lines = [
        good.clone(),
        good.replace("\"transmittal\"", "\"gossip\""),
        good.replace("\"transmittor\"", "\"bystander\""),
        good.replace("\"currency\"", "\"mood\""),
    ];
    fs::write(dir.path().join("shapes.jsonl"), lines.join("\n") + "\n").unwrap();
    let run = on_vault(&["ingest", "shapes.jsonl"], dir.path());
    assert_eq!(run.code, 1, "{}", run.stdout);
    for expected in [
        "ingested 1 records from 4 lines (3 rejected)",
        // What the sender put in an unknown place is not repeated (it might be anything);
        // the notice's own words are.
        "line 2: `(not a code)` is not a category of `fincen-cbetf` (its categories: transmittal, tin-report)",
        "line 3: subject role `(not a code)` is not one of category `transmittal`",
        "line 4: field `(not a code)` is not one of category `transmittal`",
    ] {
        assert!(run.stdout.contains(expected), "`{expected}` missing from:\n{}", run.stdout);
    }
    for typed in ["gossip", "bystander", "mood"] {
        assert!(
            !run.stdout.contains(typed),
            "{typed} repeated:\n{}",
            run.stdout
        );
    }
}

#[test]
fn the_legal_calendar_from_the_command_line() {
    let dir = workspace();
    // (arguments, the one line expected)
    let table: &[(&[&str], &str)] = &[
        (
            &[
                "calendar",
                "business-days",
                "--from",
                "2026-11-24",
                "--days",
                "30",
            ],
            "2027-01-08",
        ),
        (
            &[
                "calendar",
                "business-days",
                "--from",
                "2021-12-30",
                "--days",
                "1",
            ],
            "2022-01-03",
        ),
        (
            &[
                "calendar",
                "calendar-days",
                "--from",
                "2026-11-24",
                "--days",
                "35",
            ],
            "2026-12-29",
        ),
    ];
    for (args, expected) in table {
        let run = recvault(args, dir.path());
        assert_eq!(
            (run.code, run.stdout.trim()),
            (0, *expected),
            "{args:?}: {}",
            run.stderr
        );
    }
    let holidays = recvault(&["calendar", "holidays", "--year", "2021"], dir.path());
    assert!(
        holidays
            .stdout
            .contains("2021-06-18 Fri Juneteenth National Independence Day"),
        "{}",
        holidays.stdout
    );
    assert!(
        holidays.stdout.contains("2021-12-31 Fri New Year's Day"),
        "{}",
        holidays.stdout
    );
    let bad = recvault(
        &[
            "calendar",
            "business-days",
            "--from",
            "24/11/2026",
            "--days",
            "3",
        ],
        dir.path(),
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn ingest_takes_swift_mt_and_cbetf_data_items_with_a_receipt_by_location() {
    let dir = workspace();
    init(dir.path());
    let sent = |uetr: &str| {
        format!("{{1:F01BANKUS33AXXX0000000000}}{{2:I103BANKDEFFXXXXN}}{{3:{{121:{uetr}}}}}{{4:\r\n:20:REF-1\r\n:32A:261110USD1500,50\r\n:50K:/000123\r\nJOHN Q PUBLIC\r\n:59:/DE89\r\nJANE EXAMPLE\r\n-}}")
    };
    let domestic = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../intake/tests/samples/mt103-bulk-with-ack.rje"
    ))
    .unwrap();
    let file = [
        sent("eb6305c9-1f7f-49de-aed0-16487c27b42d"),
        sent("EB6305C9-1F7F-49DE-AED0-16487C27B42D"),
        domestic.split('$').next().unwrap().to_owned(),
        "{1:F01BANKUS33AXXX0000000000}{2:I103BANKDEFFXXXXN}{4:\r\n:20:REF-2\r\n-}".to_owned(),
    ]
    .join("$");
    fs::write(dir.path().join("orders.rje"), file).unwrap();
    let run = on_vault(
        &[
            "ingest",
            "orders.rje",
            "--format",
            "mt",
            "--filed-on",
            "2026-11-24",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 1, "rejections exit 1: {}", run.stderr);
    let receipt: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(receipt["accepted"], 1, "{receipt}");
    assert_eq!(receipt["duplicates"][0]["location"], "message 2");
    let first = receipt["duplicates"][0]["first"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(first.len(), 35, "the first report's record id: {first}");
    assert_eq!(
        receipt["flagged"][0]["flags"], "late",
        "filed 7 business days after"
    );
    assert_eq!(receipt["rejected"], 2);
    assert_eq!(receipt["rejections"][0]["location"], "message 3");
    assert!(receipt["rejections"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("both institutions are in the United States"));
    assert_eq!(receipt["rejections"][1]["location"], "message 4, field 32A");
    assert!(!run.stdout.contains("JOHN"), "receipts never repeat values");

    // A second file, against what is stored: the transfer sent again (a duplicate of the
    // stored record), a report of it that disagrees on the amount (kept and flagged), and the
    // cover payment for it (stored, linked to it).
    let report = |uetr: &str, kind: &str, block3: &str, amount: &str| {
        format!("{{1:F01BANKUS33AXXX0000000000}}{{2:I{kind}BANKDEFFXXXXN}}{{3:{block3}{{121:{uetr}}}}}{{4:\r\n:20:REF-1\r\n:21:REF-1\r\n:32A:261110USD{amount}\r\n:50K:/000123\r\nJOHN Q PUBLIC\r\n:59:/DE89\r\nJANE EXAMPLE\r\n-}}")
    };
    let uetr = "eb6305c9-1f7f-49de-aed0-16487c27b42d";
    let file = [
        report(uetr, "103", "", "1500,50"),
        report(uetr, "103", "", "1600,50"),
        report(uetr, "202", "{119:COV}", "1500,50"),
    ]
    .join("$");
    fs::write(dir.path().join("again.rje"), file).unwrap();
    let again = on_vault(
        &[
            "ingest",
            "again.rje",
            "--format",
            "mt",
            "--filed-on",
            "2026-11-24",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    let receipt: serde_json::Value = serde_json::from_str(again.stdout.trim()).unwrap();
    assert_eq!(receipt["accepted"], 2, "{receipt}");
    assert_eq!(receipt["duplicates"][0]["location"], "message 1");
    assert_eq!(
        receipt["duplicates"][0]["first"],
        first.as_str(),
        "linked to the stored record"
    );
    assert_eq!(receipt["flagged"][0]["location"], "message 2", "{receipt}");
    assert_eq!(receipt["flagged"][0]["flags"], "late,inconsistent");
    assert_ne!(receipt["flagged"][0]["record"], first.as_str());
    // Sent a third time, the same file stores nothing new.
    let third = on_vault(
        &[
            "ingest",
            "again.rje",
            "--format",
            "mt",
            "--filed-on",
            "2026-11-24",
            "--json",
        ],
        dir.path(),
    );
    let receipt: serde_json::Value = serde_json::from_str(third.stdout.trim()).unwrap();
    assert_eq!(receipt["accepted"], 0, "{receipt}");

    // The data items as CSV, from a money transmitter: under $1,000 is not reportable.
    fs::write(
        dir.path().join("items.csv"),
        "transmittor_name,amount,currency,execution_date,recipient_account\nJOHN Q PUBLIC,1500.00,USD,2026-11-20,DE89\nJOHN Q PUBLIC,999.99,USD,2026-11-20,DE89\n",
    )
    .unwrap();
    let missing = on_vault(
        &["ingest", "items.csv", "--format", "cbetf-csv"],
        dir.path(),
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing.stdout.contains("give --reporter"),
        "{}",
        missing.stdout
    );
    let run = on_vault(
        &[
            "ingest",
            "items.csv",
            "--format",
            "cbetf-csv",
            "--reporter",
            "MONEYUS33",
            "--reporter-type",
            "money-transmitter",
            "--filed-on",
            "2026-11-24",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("cbetf-csv: 1 accepted, 0 duplicates, 0 flagged, 1 rejected"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("rejected: row 3: not reportable: a money transmitter reports transfers of $1,000 or more"), "{}", run.stdout);
    fs::write(
        dir.path().join("trade.csv"),
        "importer_name,importer_id,goods_description,goods_value,currency,country_of_origin,source_system\nACME IMPORTS,12-3456789,bolts,15000.00,USD,CN,cbp-trade\n",
    )
    .unwrap();
    let trade = on_vault(&["ingest", "trade.csv", "--format", "ttar-csv"], dir.path());
    assert_eq!(trade.code, 0, "{}{}", trade.stdout, trade.stderr);
    assert!(
        trade.stdout.starts_with("ttar-csv: 1 accepted"),
        "{}",
        trade.stdout
    );
    let unknown = on_vault(&["ingest", "items.csv", "--format", "swift"], dir.path());
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    let future = on_vault(
        &[
            "ingest",
            "items.csv",
            "--format",
            "cbetf-csv",
            "--reporter",
            "MONEYUS33",
            "--filed-on",
            "2999-01-01",
        ],
        dir.path(),
    );
    assert_eq!(future.code, 2, "{}", future.stderr);
}

/// Issue 25 replaced the hand-written XML and CSV readers with maintained ones (quick-xml, the
/// `csv` crate), allowed to differ only where the old reader was wrong. The receipts of the
/// generated files and the samples, each as made and with five seeded mutations, must be what
/// the build before the change printed (`tests/fixtures/receipts-fed5614`, made by
/// `tests/fixtures/make-receipts-fed5614.sh` with that build): the same accepted, rejected,
/// flagged and duplicate lines, the same reasons, the same exit code.
#[test]
fn receipts_are_as_the_old_readers_gave_them() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/receipts-fed5614");
    let mut inputs: Vec<_> = fs::read_dir(fixtures.join("inputs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 40, "{} inputs", inputs.len());
    let mut differ = Vec::new();
    for input in &inputs {
        let name = input.file_name().unwrap().to_str().unwrap();
        let format = match name {
            _ if name.ends_with(".rje") => "mt",
            _ if name.ends_with(".xml") => "pacs",
            _ if name.ends_with("items.csv") => "cbetf-csv",
            _ if name.ends_with("tin.csv") => "tin",
            _ if name.ends_with("trade.csv") => "ttar-csv",
            _ => panic!("{name}: no format"),
        };
        let dir = workspace();
        init(dir.path());
        let run = on_vault(
            &[
                "ingest",
                input.to_str().unwrap(),
                "--format",
                format,
                "--reporter",
                "BANKUS33XXX",
                "--filed-on",
                "2026-11-24",
                "--json",
            ],
            dir.path(),
        );
        let receipt = fs::read_to_string(fixtures.join(format!("receipts/{name}.json"))).unwrap();
        let exit: i32 = fs::read_to_string(fixtures.join(format!("receipts/{name}.exit")))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        if (run.stdout.as_str(), run.code) != (receipt.as_str(), exit) {
            differ.push(format!(
                "{name}: exit {} (was {exit})\n  now: {}\n  was: {}",
                run.code,
                run.stdout.trim(),
                receipt.trim()
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "receipts changed:\n{}",
        differ.join("\n")
    );
}

/// A server on a loopback port that answers one request, read whole (a chunked body to its
/// empty chunk), with `body` of `content_type`: an older server, or one sending what it
/// should not. Its URL, and the thread to join.
fn answer_once(
    content_type: &'static str,
    body: &'static str,
) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let read_whole = |request: &[u8]| {
            let chunked = String::from_utf8_lossy(request)
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked");
            if chunked {
                request.ends_with(b"0\r\n\r\n")
            } else {
                request.windows(4).any(|end| end == b"\r\n\r\n")
            }
        };
        let mut request = Vec::new();
        let mut chunk = [0u8; 4096];
        while !read_whole(&request) {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => request.extend_from_slice(&chunk[..n]),
            }
        }
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
    });
    (format!("http://127.0.0.1:{port}"), server)
}

/// An answer the client cannot read (a server of another version, a proxy's page) fails with
/// a clear message naming the route, exit code 1, and never prints a blank account; the
/// answer itself (which may hold a token) is not repeated.
#[test]
fn an_answer_the_client_cannot_read_fails_clearly_and_prints_no_blanks() {
    let dir = workspace();
    let token = dir.path().join("admin.token");
    fs::write(&token, "rv_test-token\n").unwrap();
    fs::set_permissions(&token, fs::Permissions::from_mode(0o600)).unwrap();
    // One account without its role: an older server, or a renamed field.
    let body = r#"{"accounts":[{"name":"zelda-7q","organization":"treasury-fincen","privacy_training":"2026-01-10","disabled":false,"created":"2026-01-10T00:00:00.000Z","secret":"rv_leaked"}]}"#;
    let (server_url, server) = answer_once("application/json", body);
    let token_path = token.display().to_string();
    let run = recvault(
        &[
            "accounts",
            "list",
            "--server",
            &server_url,
            "--token-file",
            &token_path,
        ],
        dir.path(),
    );
    server.join().unwrap();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "printed: {}", run.stdout);
    assert!(
        run.stderr
            .contains("the server's answer to GET /v1/accounts is not what this client reads"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("rv_leaked") && !run.stderr.contains("zelda-7q"),
        "{}",
        run.stderr
    );
}

/// A reader that went away (`recvault ingest one.jsonl --data D | head -0`): the command ends
/// quietly with 141, as a shell reports a writer stopped by SIGPIPE (`println!` panicked there:
/// "failed printing to stdout: Broken pipe", exit 101), and only once it has done its work: an
/// offline ingest's records are stored and the vault closes as always, its access log signed
/// through its last entry (exiting at the failed write left the closing checkpoint unwritten).
#[test]
fn a_reader_that_went_away_ends_the_command_quietly_once_it_is_done() {
    let dir = workspace();
    let created = on_vault(&["init"], dir.path());
    let public_key = created
        .stdout
        .split("public key ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap()
        .to_owned();
    fs::write(
        dir.path().join("one.jsonl"),
        good_line("ALICE EXAMPLE", "123456789"),
    )
    .unwrap();
    for args in [
        &["calendar", "holidays", "--year", "2027"][..],
        &[
            "ingest",
            "one.jsonl",
            "--data",
            "data",
            "--key-store",
            "root.key",
        ],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let run = Command::new(env!("CARGO_BIN_EXE_recvault"))
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(141), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
    let verify = recvault(
        &[
            "audit",
            "verify",
            "--data",
            "data",
            "--public-key",
            &public_key,
        ],
        dir.path(),
    );
    assert_eq!(verify.code, 0, "{}", verify.stderr);
    assert!(
        verify.stdout.contains("0 entries in the unsigned tail"),
        "{}",
        verify.stdout
    );
    let status = on_vault(&["status"], dir.path());
    assert!(
        status.stdout.contains("1 records") || status.stdout.contains("records 1"),
        "{}",
        status.stdout
    );
}

/// The operator's bootstrap attests vetting that happened: a date to come is refused (a
/// training date of 2062 for 2026 would never lapse), and no account or token is made.
#[test]
fn the_bootstrap_refuses_vetting_dates_to_come() {
    let dir = workspace();
    init(dir.path());
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).to_string();
    // (background investigation, training, exit code)
    let table = [
        ("2024-01-15", tomorrow.as_str(), 2),
        (tomorrow.as_str(), "2026-09-30", 2),
        ("2024-01-15", "2026-09-30", 0),
    ];
    for (n, (investigated, trained, code)) in table.into_iter().enumerate() {
        let name = format!("ana{n}x");
        let token = format!("{name}.token");
        let run = on_vault(
            &[
                "accounts",
                "add",
                &name,
                "--role",
                "analyst",
                "--organization",
                "treasury-fincen",
                "--background-investigation",
                investigated,
                "--training-date",
                trained,
                "--new-token-file",
                &token,
            ],
            dir.path(),
        );
        assert_eq!(run.code, code, "{investigated} {trained}: {}", run.stderr);
        assert_eq!(dir.path().join(&token).exists(), code == 0, "{token}");
        if code != 0 {
            assert!(
                run.stderr.contains("cannot be in the future"),
                "{}",
                run.stderr
            );
        }
    }
}

/// An ingest's streamed answer this client cannot read (a line after the first that is neither
/// a progress line nor a summary) fails naming the line of the stream, repeating nothing of it,
/// and is not retried as a broken connection would be.
#[test]
fn an_ingest_answer_the_client_cannot_read_fails_naming_its_line() {
    let dir = workspace();
    let token = dir.path().join("ingest.token");
    fs::write(&token, "rv_test-token\n").unwrap();
    fs::set_permissions(&token, fs::Permissions::from_mode(0o600)).unwrap();
    fs::write(
        dir.path().join("one.jsonl"),
        good_line("ALICE EXAMPLE", "123456789"),
    )
    .unwrap();
    let body =
        "{\"committed_through_line\":1}\n{\"committed_through_line\":1,\"secret\":\"rv_leaked\"}\n";
    let (server_url, server) = answer_once("application/x-ndjson", body);
    let token_path = token.display().to_string();
    let run = recvault(
        &[
            "ingest",
            "one.jsonl",
            "--server",
            &server_url,
            "--token-file",
            &token_path,
        ],
        dir.path(),
    );
    server.join().unwrap();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "the server's answer to POST /v1/ingest is not what this client reads (line 2 of the stream)"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("rv_leaked"), "{}", run.stderr);
    assert!(!run.stderr.contains("resuming"), "{}", run.stderr);
}
