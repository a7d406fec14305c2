//! The served vault as its users run it: `recvault serve` as a real process, killed with
//! SIGKILL in the middle of a large streamed ingest, restarted, and checked: every record up
//! to the last line the server reported committed is there with its index entries and its
//! log entry, nothing after it is half-written, and re-sending the file with the same
//! idempotency key (what `recvault ingest` does) stores nothing twice.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test with the reason"
)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use privacy::documents::Documents as _;
use serde_json::{json, Value};

const LINES: usize = 60_000;
const BATCH: usize = 500;

mod common;
#[path = "common/server.rs"]
mod server;

use common::{recvault, workspace};
use server::{client, offline, serve, serve_with, terminate, OFFLINE};

/// `recvault accounts add` for `name` in `role` at FinCEN, its token in `NAME.token`.
fn add_account(name: &str, role: &str) -> Vec<String> {
    [
        "accounts",
        "add",
        name,
        "--role",
        role,
        "--organization",
        "treasury-fincen",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([
        "--background-investigation".into(),
        "2024-01-01".into(),
        "--training-date".into(),
        "2026-06-01".into(),
        "--new-token-file".into(),
        format!("{name}.token"),
    ])
    .collect()
}

fn ssn(n: usize) -> String {
    format!("{:09}", 300_000_000 + n)
}

fn line(n: usize) -> String {
    format!(
        r#"{{"system":"fincen-cbetf","category":"transmittal","collected_at":"2026-02-03","source":{{"report_id":"R-{n}"}},"subjects":[{{"role":"transmittor","name":"PERSON {n}","identifiers":{{"ssn":"{}"}}}}],"fields":{{"amount":"1500.00","currency":"USD"}}}}"#,
        ssn(n)
    )
}

/// Records found for line `n`'s SSN, through the server as the analyst.
fn found(dir: &Path, url: &str, n: usize) -> usize {
    let run = client(
        &[
            "search",
            "--system",
            "fincen-cbetf",
            "--identifier",
            &format!("ssn={}", ssn(n)),
            "--purpose",
            "investigation",
            "--case",
            "CRASH-1",
        ],
        dir,
        url,
        "ana.token",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.lines().count()
}

fn records(dir: &Path) -> usize {
    let status = offline(&["status"], dir);
    assert_eq!(status.code, 0, "{}", status.stderr);
    status
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("records "))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_server_killed_mid_ingest_keeps_what_it_reported_and_a_retry_stores_nothing_twice() {
    let workspace = workspace();
    let dir = workspace.path();
    let init = offline(&["init", "--admin-token-file", "admin.token"], dir);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let public_key = init
        .stdout
        .split("public key ")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .to_owned();
    for (name, role) in [("ing", "ingest"), ("ana", "analyst")] {
        let args = add_account(name, role);
        let add = offline(&args.iter().map(String::as_str).collect::<Vec<_>>(), dir);
        assert_eq!(add.code, 0, "{}", add.stderr);
    }
    let text: String = (1..=LINES).map(|n| line(n) + "\n").collect();
    std::fs::write(dir.join("week.jsonl"), &text).unwrap();
    // The same idempotency key `recvault ingest` uses for this file.
    let key = format!(
        "sha256:{}",
        hex::encode(vault::crypto::sha256(text.as_bytes()))
    );

    let (mut server, url) = serve(dir, Some("debug"));
    // Offline commands are refused while the server holds the directory.
    let refused = offline(&["status"], dir);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("in use by another process"),
        "{}",
        refused.stderr
    );

    // Stream the file over one connection, reading the progress lines as they come.
    let address = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    let token = std::fs::read_to_string(dir.join("ing.token")).unwrap();
    write!(
        stream,
        "POST /v1/ingest?batch_size={BATCH} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nIdempotency-Key: {key}\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n",
        token.trim()
    )
    .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let body = text.clone().into_bytes();
    let sender = std::thread::spawn(move || {
        for chunk in body.chunks(16 * 1024) {
            if write!(writer, "{:x}\r\n", chunk.len()).is_err()
                || writer.write_all(chunk).is_err()
                || writer.write_all(b"\r\n").is_err()
            {
                return; // the server is gone
            }
        }
        let _ = writer.write_all(b"0\r\n\r\n");
    });
    let mut received = Vec::new();
    let mut reported = 0usize;
    let started = Instant::now();
    let mut buffer = [0u8; 4096];
    while reported < LINES / 4 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no progress: {}",
            String::from_utf8_lossy(&received)
        );
        let n = stream.read(&mut buffer).unwrap();
        assert!(
            n > 0,
            "the server closed the stream early: {}",
            String::from_utf8_lossy(&received)
        );
        received.extend_from_slice(&buffer[..n]);
        reported = last_reported(&received);
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    // Whatever else reached the socket before the kill counts as reported too.
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    while let Ok(n) = stream.read(&mut buffer) {
        if n == 0 {
            break;
        }
        received.extend_from_slice(&buffer[..n]);
    }
    reported = last_reported(&received);
    sender.join().unwrap();
    assert!(
        !String::from_utf8_lossy(&received).contains("\"done\""),
        "the ingest finished before the kill; make the input larger"
    );

    // Offline, after the crash: whole batches only, at least what was reported, all readable.
    let stored = records(dir);
    eprintln!("killed with {reported} lines reported committed; {stored} records stored");
    assert!(
        stored >= reported,
        "{stored} stored, {reported} reported committed"
    );
    assert!(stored < LINES, "the kill came after the end");
    assert_eq!(
        stored % BATCH,
        0,
        "{stored} records is not a whole number of batches"
    );
    let verify = offline(&["verify"], dir);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    assert!(
        verify
            .stdout
            .contains(&format!("{stored} readable, 0 unreadable")),
        "{}",
        verify.stdout
    );
    // Every stored record has its log entry, and the log verifies.
    let audit = offline(&["audit", "search", "--action", "ingest", "--json"], dir);
    assert_eq!(audit.code, 0, "{}", audit.stderr);
    let logged: usize = audit
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["record_ids"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(logged, stored);
    let verified = recvault(
        &[
            "audit",
            "verify",
            "--data",
            "data",
            "--public-key",
            &public_key,
        ],
        dir,
    );
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);

    // Restarted: the records through the reported line are found by their index entries;
    // the first line after what was stored is not.
    let (mut server, url) = serve(dir, Some("debug"));
    for n in [1, reported / 2, reported, stored] {
        assert_eq!(found(dir, &url, n), 1, "line {n} of {stored} stored");
    }
    assert_eq!(found(dir, &url, stored + 1), 0);

    // Re-sending the file resumes after the last stored line: no duplicates.
    let resent = client(&["ingest", "week.jsonl"], dir, &url, "ing.token");
    assert_eq!(resent.code, 0, "{}{}", resent.stdout, resent.stderr);
    assert!(
        resent.stdout.contains(&format!(
            "lines 1 to {stored} were stored by an earlier run"
        )),
        "{}",
        resent.stdout
    );
    assert!(
        resent.stdout.contains(&format!(
            "ingested {} records from {LINES} lines (0 rejected)",
            LINES - stored
        )),
        "{}",
        resent.stdout
    );
    let again = client(&["ingest", "week.jsonl"], dir, &url, "ing.token");
    assert!(
        again
            .stdout
            .contains(&format!("ingested 0 records from {LINES} lines")),
        "{}",
        again.stdout
    );
    for n in [1, stored, stored + 1, LINES] {
        assert_eq!(found(dir, &url, n), 1, "line {n}");
    }
    terminate(&mut server);
    assert_eq!(records(dir), LINES);
}

/// The last `committed_through_line` in the raw response bytes (chunk framing and all: each
/// progress line is sent whole).
fn last_reported(received: &[u8]) -> usize {
    let text = String::from_utf8_lossy(received);
    text.match_indices("{\"committed_through_line\":")
        .filter_map(|(at, prefix)| {
            let rest = &text[at + prefix.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            // A line cut at the end of what was read so far has no closing brace yet.
            rest[digits.len()..]
                .starts_with('}')
                .then(|| digits.parse().ok())?
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn the_cli_as_a_client_of_the_server() {
    let workspace = workspace();
    let dir = workspace.path();
    let init = offline(
        &[
            "init",
            "--admin-token-file",
            "admin.token",
            "--security-officer-token-file",
            "sec.token",
        ],
        dir,
    );
    assert_eq!(init.code, 0, "{}", init.stderr);
    let mode = std::fs::metadata(dir.join("admin.token"))
        .unwrap()
        .permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );
    let (mut server, url) = serve(dir, Some("debug"));
    // Through the server, the admin makes accounts and the security officer attests their
    // vetting: two people, two sessions.
    let add = |name: &str, role: &str| {
        let token_file = format!("{name}.created");
        let args = [
            "accounts",
            "add",
            name,
            "--role",
            role,
            "--organization",
            "treasury-fincen",
            "--new-token-file",
            &token_file,
        ];
        client(&args, dir, &url, "admin.token")
    };
    for (name, role) in [("ing", "ingest"), ("ana", "analyst"), ("aud", "auditor")] {
        let run = add(name, role);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let vet = client(
            &[
                "accounts",
                "vet",
                name,
                "--new-token-file",
                &format!("{name}.token"),
                "--background-investigation",
                "2024-01-01",
                "--training-date",
                "2026-06-01",
            ],
            dir,
            &url,
            "sec.token",
        );
        assert_eq!(vet.code, 0, "{}", vet.stderr);
    }
    // A bad role is refused before any token is made; no token file is left behind.
    let bad = add("eve", "emperor");
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("unknown role"), "{}", bad.stderr);
    assert!(!dir.join("eve.created").exists());

    std::fs::write(
        dir.join("few.jsonl"),
        (1..=3).map(|n| line(n) + "\n").collect::<String>() + "{\"oops\n",
    )
    .unwrap();
    let ingest = client(&["ingest", "few.jsonl"], dir, &url, "ing.token");
    assert_eq!(
        ingest.code, 1,
        "rejected lines make exit code 1: {}",
        ingest.stdout
    );
    assert!(
        ingest
            .stdout
            .contains("ingested 3 records from 4 lines (1 rejected)"),
        "{}",
        ingest.stdout
    );
    assert!(
        ingest.stdout.contains("line 4: not valid JSON"),
        "{}",
        ingest.stdout
    );
    // An institution's file converted by the CLI goes to the server as import lines, and its
    // receipt reads as the offline one does (api/tests/cli.rs): by location in the file.
    let mt = |uetr: &str, receiver: &str| {
        format!("{{1:F01BANKUS33AXXX0000000000}}{{2:I103{receiver}XXXXN}}{{3:{{121:{uetr}}}}}{{4:\r\n:20:REF-1\r\n:32A:261110USD1500,50\r\n:50K:/000123\r\nJOHN Q PUBLIC\r\n:59:/DE89\r\nJANE EXAMPLE\r\n-}}")
    };
    std::fs::write(
        dir.join("orders.rje"),
        [
            mt("0b6305c9-1f7f-49de-aed0-16487c27b42d", "BANKDEFF"),
            mt("1b6305c9-1f7f-49de-aed0-16487c27b42d", "BANKUS44"),
        ]
        .join("$"),
    )
    .unwrap();
    let converted = client(
        &[
            "ingest",
            "orders.rje",
            "--format",
            "mt",
            "--filed-on",
            "2026-11-24",
            "--json",
        ],
        dir,
        &url,
        "ing.token",
    );
    assert_eq!(
        converted.code, 1,
        "a rejection exits 1: {}",
        converted.stderr
    );
    let receipt: serde_json::Value = serde_json::from_str(converted.stdout.trim()).unwrap();
    assert_eq!(receipt["accepted"], 1, "{receipt}");
    assert_eq!(receipt["flagged"][0]["location"], "message 1", "{receipt}");
    assert_eq!(receipt["rejections"][0]["location"], "message 2");
    assert!(receipt["rejections"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("both institutions are in the United States"));
    assert!(
        !converted.stdout.contains("JOHN"),
        "receipts never repeat values"
    );

    // Search by standard input: the SSN is in no argument.
    let mut search = Command::new(env!("CARGO_BIN_EXE_recvault"))
        .args([
            "search",
            "--system",
            "fincen-cbetf",
            "--identifier-stdin",
            "--purpose",
            "investigation",
            "--case",
            "C-7",
            "--server",
            &url,
            "--token-file",
            "ana.token",
        ])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(search.stdin.take().unwrap(), "ssn={}", ssn(2)).unwrap();
    let output = search.wait_with_output().unwrap();
    assert!(output.status.success());
    let record: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["subjects"][0]["name"], "PERSON 2");
    let id = record["id"].as_str().unwrap();
    let get = client(
        &["get", id, "--purpose", "investigation", "--case", "C-7"],
        dir,
        &url,
        "ana.token",
    );
    assert_eq!(get.code, 0, "{}", get.stderr);
    assert_eq!(
        serde_json::from_str::<Value>(&get.stdout).unwrap()["id"],
        id
    );
    // A record with its raw message: `get --raw` prints the bytes as they came.
    let with_raw = line(9).replacen('{', r#"{"raw":"{4:\r\n:20:REF-9\r\n-}","#, 1);
    std::fs::write(dir.join("raw.jsonl"), with_raw + "\n").unwrap();
    let ingest = client(&["ingest", "raw.jsonl"], dir, &url, "ing.token");
    assert_eq!(ingest.code, 0, "{}{}", ingest.stdout, ingest.stderr);
    let found_raw = client(
        &[
            "search",
            "--system",
            "fincen-cbetf",
            "--identifier",
            &format!("ssn={}", ssn(9)),
            "--purpose",
            "investigation",
            "--case",
            "C-7",
        ],
        dir,
        &url,
        "ana.token",
    );
    let raw_id = serde_json::from_str::<Value>(found_raw.stdout.trim()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let raw = client(
        &[
            "get",
            &raw_id,
            "--purpose",
            "investigation",
            "--case",
            "C-7",
            "--raw",
        ],
        dir,
        &url,
        "ana.token",
    );
    assert_eq!(raw.code, 0, "{}", raw.stderr);
    assert_eq!(raw.stdout, "{4:\r\n:20:REF-9\r\n-}");
    let denied = client(
        &["get", id, "--purpose", "curiosity", "--case", "C-7"],
        dir,
        &url,
        "ana.token",
    );
    assert_eq!(denied.code, 1);
    assert!(
        denied.stderr.contains("rule `purpose-unknown`"),
        "{}",
        denied.stderr
    );
    let none = client(
        &[
            "search",
            "--system",
            "fincen-cbetf",
            "--identifier",
            "ssn=999-99-9999",
            "--purpose",
            "investigation",
            "--case",
            "C-7",
        ],
        dir,
        &url,
        "ana.token",
    );
    assert_eq!(
        (none.code, none.stdout.as_str()),
        (0, ""),
        "{}",
        none.stderr
    );

    // The auditor sees it all; the log verifies; the admin lists, disables and backs up.
    let audit = client(
        &["audit", "search", "--principal", "ana", "--json"],
        dir,
        &url,
        "aud.token",
    );
    assert_eq!(audit.code, 0, "{}", audit.stderr);
    assert!(
        audit
            .stdout
            .lines()
            .any(|line| line.contains("\"rule\":\"purpose-unknown\"")),
        "{}",
        audit.stdout
    );
    let verify = client(&["audit", "verify"], dir, &url, "aud.token");
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    assert!(
        verify.stdout.contains("the access log verifies"),
        "{}",
        verify.stdout
    );
    let listed = client(&["accounts", "list"], dir, &url, "admin.token");
    assert_eq!(
        listed.stdout.lines().count(),
        5,
        "admin, security and three: {}",
        listed.stdout
    );
    let backup = client(&["backup", "--to", "backup-1"], dir, &url, "admin.token");
    assert_eq!(backup.code, 0, "{}", backup.stderr);
    assert!(dir.join("data.backups/backup-1/CURRENT").exists());
    assert_eq!(
        client(&["accounts", "disable", "ana"], dir, &url, "admin.token").code,
        0
    );
    let disabled = client(
        &["get", id, "--purpose", "investigation", "--case", "C-7"],
        dir,
        &url,
        "ana.token",
    );
    assert!(
        disabled.stderr.contains("rule `account-disabled`"),
        "{}",
        disabled.stderr
    );

    // Wrong use: no token, an argument where only a file will do, both modes at once.
    let no_token = recvault(
        &[
            "search",
            "--system",
            "fincen-cbetf",
            "--identifier",
            "ssn=1",
            "--purpose",
            "investigation",
            "--case",
            "C-7",
            "--server",
            &url,
        ],
        dir,
    );
    assert_eq!(no_token.code, 2, "{}", no_token.stderr);
    assert!(
        no_token.stderr.contains("--token-file"),
        "{}",
        no_token.stderr
    );
    let no_flag = recvault(
        &["search", "--token", "rvt1_x", "--system", "fincen-cbetf"],
        dir,
    );
    assert_eq!(no_flag.code, 2);
    let both = recvault(
        &[
            "ingest",
            "few.jsonl",
            "--data",
            "data",
            "--key-store",
            "root.key",
            "--server",
            &url,
        ],
        dir,
    );
    assert_eq!(both.code, 2, "{}", both.stderr);
    std::fs::set_permissions(
        dir.join("aud.token"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let open_token = client(&["audit", "verify"], dir, &url, "aud.token");
    assert_eq!(open_token.code, 1);
    assert!(
        open_token.stderr.contains("readable by others"),
        "{}",
        open_token.stderr
    );
    // The server's own log (at debug level) names requests, never what they carried.
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap();
    assert!(log.contains("/v1/search"), "the log is empty: {log}");
    for secret in [ssn(2).as_str(), "PERSON 2", "investigation"] {
        assert!(!log.contains(secret), "`{secret}` is in the server log");
    }
    let unreachable = recvault(
        &[
            "accounts",
            "list",
            "--server",
            "http://127.0.0.1:9",
            "--token-file",
            "admin.token",
        ],
        dir,
    );
    assert_eq!(unreachable.code, 1);
    assert!(
        unreachable.stderr.contains("cannot reach the server"),
        "{}",
        unreachable.stderr
    );
    terminate(&mut server);
}

#[test]
fn the_server_refuses_to_start_on_an_invalid_sorn_file() {
    let workspace = workspace();
    let dir = workspace.path();
    assert_eq!(offline(&["init"], dir).code, 0);
    // Swap in a broken file through the library (the CLI's import would refuse it).
    {
        let vault = vault::Vault::open(&dir.join("data"), &dir.join("root.key")).unwrap();
        let broken = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../policy/sorn/fincen-cbetf.toml"),
        )
        .unwrap()
        .replace("owner = \"treasury-fincen\"", "owner = \"treasury-mint\"");
        vault
            .replace_documents(
                &vault::Access::offline("tester", "configuration"),
                "sorn",
                &[("fincen-cbetf.toml".into(), broken.into_bytes())],
                chrono::Utc::now(),
            )
            .unwrap();
    }
    let run = recvault(
        &[&["serve", "--listen", "127.0.0.1:0"][..], &OFFLINE].concat(),
        dir,
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("fincen-cbetf.toml:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown organization `treasury-mint`"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("serving"));
}

/// An upgraded vault keeps deciding on its own copy of the notices: the server says which of
/// them differ from the ones this build ships (here, TTAR's before it listed its sources), and
/// names no other.
/// An operator's SIGTERM the moment the server says it is serving stops it cleanly: the
/// handlers are installed before that line (they were installed after, and a SIGTERM in
/// between killed the process: 30 starts and stops failed on that code with four processes
/// spinning beside them, and a full test run saw it once).
#[test]
fn a_sigterm_right_after_the_serving_line_stops_the_server_cleanly() {
    let workspace = workspace();
    let dir = workspace.path();
    assert_eq!(offline(&["init"], dir).code, 0);
    for _ in 0..30 {
        let (mut server, _) = serve(dir, None);
        terminate(&mut server);
    }
}

#[test]
fn the_server_names_the_notices_that_differ_from_the_shipped_ones() {
    let workspace = workspace();
    let dir = workspace.path();
    assert_eq!(offline(&["init"], dir).code, 0);
    {
        let vault = vault::Vault::open(&dir.join("data"), &dir.join("root.key")).unwrap();
        let shipped = |name: &str| {
            std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../policy/sorn")
                    .join(name),
            )
            .unwrap()
        };
        let ttar = shipped("dhs-ice-005-ttar.toml");
        let before_sources = ttar[..ttar.find("[[source]]").unwrap()].to_owned()
            + &ttar[ttar.find("# The schedule in force").unwrap()..];
        vault
            .replace_documents(
                &vault::Access::offline("tester", "configuration"),
                "sorn",
                &[
                    ("dhs-ice-005-ttar.toml".into(), before_sources.into_bytes()),
                    ("cbp-pnr.toml".into(), shipped("cbp-pnr.toml").into_bytes()),
                    (
                        "fincen-cbetf.toml".into(),
                        shipped("fincen-cbetf.toml").into_bytes(),
                    ),
                ],
                chrono::Utc::now(),
            )
            .unwrap();
    }
    let (mut server, _) = serve(dir, None);
    terminate(&mut server);
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap();
    assert!(
        log.contains(
            "the vault's SORN file dhs-ice-005-ttar.toml differs from the one this build ships"
        ),
        "{log}"
    );
    assert!(!log.contains("cbp-pnr.toml differs"), "{log}");
    assert!(!log.contains("fincen-cbetf.toml differs"), "{log}");
}

#[test]
fn disclosures_and_the_accounting_from_the_command_line() {
    let workspace = workspace();
    let dir = workspace.path();
    assert_eq!(offline(&["init"], dir).code, 0);
    for (name, role) in [
        ("ing", "ingest"),
        ("ana", "analyst"),
        ("dis", "disclosure-officer"),
        ("pri", "privacy-officer"),
    ] {
        let args = add_account(name, role);
        let add = offline(&args.iter().map(String::as_str).collect::<Vec<_>>(), dir);
        assert_eq!(add.code, 0, "{}", add.stderr);
    }
    std::fs::write(dir.join("one.jsonl"), line(1) + "\n").unwrap();
    std::fs::write(
        dir.join("request.pdf"),
        b"a signed letter from the agency head",
    )
    .unwrap();
    let (mut server, url) = serve(dir, Some("debug"));
    assert_eq!(
        client(&["ingest", "one.jsonl"], dir, &url, "ing.token").code,
        0
    );
    let found = client(
        &[
            "search",
            "--system",
            "fincen-cbetf",
            "--identifier",
            &format!("ssn={}", ssn(1)),
            "--purpose",
            "investigation",
            "--case",
            "C-1",
        ],
        dir,
        &url,
        "ana.token",
    );
    let id = serde_json::from_str::<Value>(&found.stdout).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let base = [
        "disclose",
        "--record",
        &id,
        "--recipient-name",
        "State Attorney",
        "--recipient-address",
        "1 Main St",
        "--recipient-category",
        "state-agency",
        "--purpose",
        "investigation",
        "--case",
        "C-1",
    ];

    let unattested = client(
        &[&base[..], &["--routine-use", "A"]].concat(),
        dir,
        &url,
        "dis.token",
    );
    assert_eq!(unattested.code, 1);
    assert!(
        unattested
            .stderr
            .contains("rule `accuracy-attestation-missing`"),
        "{}",
        unattested.stderr
    );
    let no_basis = client(&base, dir, &url, "dis.token");
    assert_eq!(no_basis.code, 2, "a basis is required: {}", no_basis.stderr);

    let seven = client(
        &[
            &base[..],
            &[
                "--condition",
                "b7",
                "--evidence",
                "request.pdf",
                "--agency-head-request",
                "--portion",
                "fields.amount",
                "--activity",
                "money laundering",
                "--signer",
                "Director",
                "--agency",
                "State Police",
                "--dated",
                "2026-11-20",
                "--accuracy-attested",
            ],
        ]
        .concat(),
        dir,
        &url,
        "dis.token",
    );
    assert_eq!(seven.code, 0, "{}", seven.stderr);
    let package: Value = serde_json::from_str(&seven.stdout).unwrap();
    assert_eq!(
        package["records"][0]["fields"],
        json!({"amount": "1500.00"})
    );
    assert!(
        !seven.stdout.contains("PERSON 1"),
        "only the portion: {}",
        seven.stdout
    );

    let entries = client(
        &[
            "accounting",
            "--subject",
            &format!("ssn={}", ssn(1)),
            "--json",
        ],
        dir,
        &url,
        "pri.token",
    );
    assert_eq!(entries.code, 0, "{}", entries.stderr);
    let entry: Value = serde_json::from_str(entries.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(
        (entry["basis"].as_str(), entry["package"].as_str()),
        (Some("552a(b)(7)"), package["package"].as_str())
    );
    let individual = client(
        &[
            "accounting",
            "--subject",
            &format!("ssn={}", ssn(1)),
            "--for-individual",
        ],
        dir,
        &url,
        "pri.token",
    );
    assert!(
        individual.stdout.contains("0 entries"),
        "{}",
        individual.stdout
    );

    // A statistical release counts a population, never named records: `--population` with a
    // malformed value is a usage error; a record's one-record "population" is refused.
    let statistical = [
        "disclose",
        "--recipient-name",
        "Census Bureau",
        "--recipient-address",
        "4600 Silver Hill Road",
        "--recipient-category",
        "federal-agency",
        "--purpose",
        "statistical-research",
        "--condition",
        "b5",
        "--evidence",
        "request.pdf",
        "--tabulate",
        "currency",
    ];
    let malformed = client(
        &[&statistical[..], &["--population", "fincen-cbetf"]].concat(),
        dir,
        &url,
        "dis.token",
    );
    assert_eq!(malformed.code, 2, "{}", malformed.stderr);
    assert!(
        malformed.stderr.contains("SYSTEM/CATEGORY/PERIOD"),
        "{}",
        malformed.stderr
    );
    let by_record = client(
        &[&statistical[..], &["--record", &id]].concat(),
        dir,
        &url,
        "dis.token",
    );
    assert_eq!(by_record.code, 1, "{}", by_record.stderr);
    assert!(
        by_record.stderr.contains("statistics-population"),
        "{}",
        by_record.stderr
    );
    let counted = client(
        &[
            &statistical[..],
            &["--population", "fincen-cbetf/transmittal/2026-02"],
        ]
        .concat(),
        dir,
        &url,
        "dis.token",
    );
    assert_eq!(counted.code, 0, "{}", counted.stderr);
    let package: Value = serde_json::from_str(&counted.stdout).unwrap();
    assert_eq!(package["records"], json!([]), "{}", counted.stdout);
    assert_eq!(package["table"]["dimensions"], json!(["currency"]));
    assert!(!counted.stdout.contains("PERSON"), "{}", counted.stdout);
    terminate(&mut server);
}

#[test]
fn retention_from_the_command_line() {
    let workspace = workspace();
    let dir = workspace.path();
    assert_eq!(offline(&["init"], dir).code, 0);
    for (name, role) in [("ing", "ingest"), ("rec", "records-officer")] {
        let args = add_account(name, role);
        assert_eq!(
            offline(&args.iter().map(String::as_str).collect::<Vec<_>>(), dir).code,
            0
        );
    }
    std::fs::write(dir.join("one.jsonl"), line(1) + "\n").unwrap();
    let (mut server, url) = serve(dir, Some("debug"));
    assert_eq!(
        client(&["ingest", "one.jsonl"], dir, &url, "ing.token").code,
        0
    );
    let plan = client(
        &["retention", "plan", "--as-of", "2031-03-01"],
        dir,
        &url,
        "rec.token",
    );
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        plan.stdout.contains("fincen-cbetf/transmittal")
            && plan.stdout.contains("DESTROY under records (approved)")
            && plan
                .stdout
                .contains("fincen-cbetf: 1 cohorts in past-retention"),
        "{}",
        plan.stdout
    );
    let run = client(&["retention", "run"], dir, &url, "rec.token");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("nothing was due"), "{}", run.stdout);
    let certificates = client(&["retention", "certificates"], dir, &url, "rec.token");
    assert_eq!(
        (certificates.code, certificates.stdout.as_str()),
        (0, ""),
        "{}",
        certificates.stderr
    );
    let status = client(&["retention", "status"], dir, &url, "rec.token");
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(
        status.stdout.contains("compaction: idle"),
        "{}",
        status.stdout
    );

    // Holds: on a subject (the value never printed back), listed, released.
    let place = client(
        &[
            "hold",
            "place",
            "--subject",
            "ssn=123-45-6789",
            "--reference",
            "FOIA-2026-7",
            "--reason",
            "pending FOIA appeal",
            "--kind",
            "governance",
            "--purpose",
            "request",
        ],
        dir,
        &url,
        "rec.token",
    );
    assert_eq!(place.code, 0, "{}", place.stderr);
    assert!(
        place.stdout.starts_with("hold H-1 placed:"),
        "{}",
        place.stdout
    );
    let refused = client(
        &[
            "hold",
            "place",
            "--subject",
            "ssn=123-45-6789",
            "--reference",
            "LIT-1",
            "--reason",
            "suit",
            "--kind",
            "compliance",
        ],
        dir,
        &url,
        "rec.token",
    );
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("needs a retain-until date"),
        "{}",
        refused.stderr
    );
    let list = client(&["hold", "list"], dir, &url, "rec.token");
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(
        list.stdout.contains("FOIA-2026-7")
            && list.stdout.contains("(subject by ssn)")
            && list.stdout.contains("active"),
        "{}",
        list.stdout
    );
    assert!(!list.stdout.contains("6789"), "{}", list.stdout);
    let release = client(
        &["hold", "release", "H-1", "--reason", "appeal decided"],
        dir,
        &url,
        "rec.token",
    );
    assert_eq!(release.code, 0, "{}", release.stderr);
    assert!(
        release.stdout.starts_with("hold H-1 released:"),
        "{}",
        release.stdout
    );
    terminate(&mut server);
}

/// A records officer transfers an archived TTAR cohort from the command line, downloads its
/// package, and a records center checks it offline with the pinned public key; a package
/// altered by one byte is refused, with a non-zero exit.
#[test]
fn a_transfer_from_the_command_line_and_its_offline_check() {
    let workspace = workspace();
    let dir = workspace.path();
    let init = offline(&["init"], dir);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let rec = add_account("rec", "records-officer");
    assert_eq!(
        offline(&rec.iter().map(String::as_str).collect::<Vec<_>>(), dir).code,
        0
    );
    let ing = [
        "accounts",
        "add",
        "ing",
        "--role",
        "ingest",
        "--organization",
        "dhs-ice",
        "--background-investigation",
        "2024-01-01",
        "--training-date",
        "2026-06-01",
        "--new-token-file",
        "ing.token",
    ];
    assert_eq!(offline(&ing, dir).code, 0);
    // Seven years old: in TTAR's archive phase.
    let old = json!({"system": "dhs-ice-005-ttar", "category": "trade-financial", "collected_at": "2019-03-02",
        "source": {"entry_number": "E-2019", "system": "cbp-trade"},
        "subjects": [{"role": "importer", "name": "MARIA OKAFOR", "identifiers": {"ssn": "123-45-6789"}}],
        "fields": {"goods_description": "GOLD JEWELRY"}});
    std::fs::write(dir.join("old.jsonl"), format!("{old}\n")).unwrap();
    let (mut server, url) = serve(dir, None);
    let ingested = client(&["ingest", "old.jsonl"], dir, &url, "ing.token");
    assert_eq!(ingested.code, 0, "{}", ingested.stderr);
    terminate(&mut server);
    // The cohort's id, from the offline key status.
    let status = offline(&["keys", "status"], dir);
    assert_eq!(status.code, 0, "{}", status.stderr);
    let cohort = status
        .stdout
        .lines()
        .find(|line| line.contains("dhs-ice-005-ttar") && line.contains("2019"))
        .and_then(|line| {
            line.split(|c: char| !c.is_ascii_digit())
                .find(|part| !part.is_empty())
        })
        .unwrap_or_else(|| panic!("no TTAR cohort of 2019 in: {}", status.stdout))
        .to_owned();
    let (mut server, url) = serve(dir, None);
    let made = client(
        &["transfer", "make", "--cohort", &cohort],
        dir,
        &url,
        "rec.token",
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
    let id = made.stdout.lines().next().unwrap().to_owned();
    assert!(id.starts_with("T-"), "{}", made.stdout);
    assert!(made.stdout.contains("1 records"), "{}", made.stdout);
    let again = client(
        &["transfer", "make", "--cohort", &cohort],
        dir,
        &url,
        "rec.token",
    );
    assert_ne!(again.code, 0);
    assert!(
        again.stderr.contains("transferred already"),
        "{}",
        again.stderr
    );
    let listed = client(&["transfer", "list"], dir, &url, "rec.token");
    assert!(listed.stdout.contains(&id), "{}", listed.stdout);
    let fetched = client(
        &["transfer", "package", &id, "--out", "package.rvtp"],
        dir,
        &url,
        "rec.token",
    );
    assert_eq!(fetched.code, 0, "{}", fetched.stderr);
    terminate(&mut server);
    // The records center: the package and the public key `init` printed, nothing else.
    let public_key = init
        .stdout
        .split("public key ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_else(|| panic!("no public key in: {}", init.stdout))
        .to_owned();
    let checked = recvault(
        &[
            "transfer",
            "verify",
            "package.rvtp",
            "--public-key",
            &public_key,
        ],
        dir,
    );
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(checked.stdout.contains(&id), "{}", checked.stdout);
    let mut bytes = std::fs::read(dir.join("package.rvtp")).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(dir.join("altered.rvtp"), bytes).unwrap();
    let refused = recvault(
        &[
            "transfer",
            "verify",
            "altered.rvtp",
            "--public-key",
            &public_key,
        ],
        dir,
    );
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("not signed by this vault's key"),
        "{}",
        refused.stderr
    );
}

#[test]
fn privacy_act_requests_from_the_command_line() {
    let workspace = workspace();
    let dir = workspace.path();
    assert_eq!(offline(&["init"], dir).code, 0);
    let args = add_account("priv", "privacy-officer");
    assert_eq!(
        offline(&args.iter().map(String::as_str).collect::<Vec<_>>(), dir).code,
        0
    );
    let (mut server, url) = serve(dir, Some("debug"));
    let open = client(
        &[
            "requests",
            "open",
            "--kind",
            "access",
            "--requester",
            "JOHN Q PUBLIC",
            "--identifier",
            "ssn=123-45-6789",
            "--systems",
            "fincen-cbetf",
        ],
        dir,
        &url,
        "priv.token",
    );
    assert_eq!(open.code, 0, "{}", open.stderr);
    let id = open.stdout.trim().to_owned();
    assert!(id.starts_with("PA-20") && id.len() == 14, "{}", open.stdout);
    let mixed = client(
        &[
            "requests",
            "open",
            "--kind",
            "access",
            "--requester",
            "JOHN Q PUBLIC",
            "--identifier",
            "ssn=123-45-6789",
            "--systems",
            "fincen-cbetf",
            "cbp-pnr",
        ],
        dir,
        &url,
        "priv.token",
    );
    assert_eq!(mixed.code, 1);
    assert!(
        mixed.stderr.contains("different procedures"),
        "{}",
        mixed.stderr
    );
    let verified = client(
        &[
            "requests",
            "event",
            &id,
            "--kind",
            "identity-verified",
            "--method",
            "mail",
            "--evidence",
            "signature",
            "--evidence",
            "address",
            "--evidence",
            "identifier-document",
        ],
        dir,
        &url,
        "priv.token",
    );
    assert_eq!(verified.code, 0, "{}", verified.stderr);
    assert!(
        verified.stdout.contains("identity-verified"),
        "{}",
        verified.stdout
    );
    let show = client(&["requests", "show", &id], dir, &url, "priv.token");
    assert!(
        show.stdout
            .contains("access request by JOHN Q PUBLIC (citizen), privacy-act route")
            && show.stdout.contains("determination")
            && show.stdout.contains("due"),
        "{}",
        show.stdout
    );
    let due = client(
        &["requests", "due", "--within", "30", "--json"],
        dir,
        &url,
        "priv.token",
    );
    assert_eq!(due.code, 0, "{}", due.stderr);
    let first: serde_json::Value =
        serde_json::from_str(due.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(
        (first["request"].as_str(), first["state"].as_str()),
        (Some(id.as_str()), Some("due"))
    );
    // Letters: made and sealed, listed, read back as text and written as PDF.
    let made = client(
        &[
            "requests",
            "letter",
            &id,
            "--kind",
            "acknowledgment",
            "--official",
            "JANE ROE, Disclosure Officer",
        ],
        dir,
        &url,
        "priv.token",
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
    assert!(
        made.stdout
            .contains(&format!("has been assigned number {id}")),
        "{}",
        made.stdout
    );
    let listed = client(&["requests", "letters", &id], dir, &url, "priv.token");
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(
        listed.stdout.trim_start().starts_with("1  acknowledgment"),
        "{}",
        listed.stdout
    );
    let read = client(
        &["requests", "letters", &id, "--number", "1"],
        dir,
        &url,
        "priv.token",
    );
    assert_eq!(read.stdout, made.stdout);
    let pdf_path = dir.join("letter-1.pdf");
    let written = client(
        &[
            "requests",
            "letters",
            &id,
            "--number",
            "1",
            "--out",
            pdf_path.to_str().unwrap(),
        ],
        dir,
        &url,
        "priv.token",
    );
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(std::fs::read(&pdf_path).unwrap().starts_with(b"%PDF-"));
    let missing = client(
        &["requests", "letters", &id, "--number", "9"],
        dir,
        &url,
        "priv.token",
    );
    assert_ne!(missing.code, 0);
    assert!(
        missing.stderr.contains("no such letter"),
        "{}",
        missing.stderr
    );
    // Consultations: none yet; an owner no notice names, or a consultation that does not
    // exist, is a clear failure (the typed owner is not repeated).
    let listed = client(&["requests", "consultations"], dir, &url, "priv.token");
    assert_eq!(
        (listed.code, listed.stdout.as_str()),
        (0, ""),
        "{}",
        listed.stderr
    );
    let steps: [(&[&str], &str); 2] = [
        (
            &[
                "requests",
                "consult",
                "--owner",
                "123-45-6789",
                "--record",
                "0001-019de5fc2400-00000001-00000001",
                "--request",
                &id,
            ],
            "owns no source of any notice",
        ),
        (
            &[
                "requests",
                "consultation-answer",
                "CN-9",
                "--answer",
                "release",
            ],
            "there is no consultation",
        ),
    ];
    for (args, words) in steps {
        let failed = client(args, dir, &url, "priv.token");
        assert_ne!(failed.code, 0, "{args:?}");
        assert!(failed.stderr.contains(words), "{args:?}: {}", failed.stderr);
        assert!(!failed.stderr.contains("123-45-6789"), "{}", failed.stderr);
    }
    // A PNR complaint through a data protection authority, then the year's reports.
    let complaint = client(
        &[
            "requests",
            "open",
            "--kind",
            "complaint",
            "--requester",
            "ANNE LOW",
            "--identifier",
            "passport=FR:P4000001",
            "--systems",
            "cbp-pnr",
            "--substance",
            "accuracy",
            "--through-authority",
            "CNIL",
            "--authority-authorized",
        ],
        dir,
        &url,
        "priv.token",
    );
    assert_eq!(complaint.code, 0, "{}", complaint.stderr);
    let complaint_id = complaint.stdout.trim().to_owned();
    let answered = client(
        &[
            "requests",
            "event",
            &complaint_id,
            "--kind",
            "cbp-answered",
            "--resolved",
            "true",
            "--answer",
            "the record was corrected by annotation",
        ],
        dir,
        &url,
        "priv.token",
    );
    assert_eq!(answered.code, 0, "{}", answered.stderr);
    let year = chrono::Utc::now().format("%Y").to_string();
    let report = client(
        &["reports", "complaints", "--year", &year],
        dir,
        &url,
        "priv.token",
    );
    assert_eq!(report.code, 0, "{}", report.stderr);
    for words in [
        "complaints received in",
        ": 1",
        "through a data protection authority: 1",
        "resolved-by-cbp",
    ] {
        assert!(report.stdout.contains(words), "{words}: {}", report.stdout);
    }
    let csv = client(
        &["reports", "requests", "--year", &year, "--csv"],
        dir,
        &url,
        "priv.token",
    );
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    assert!(
        csv.stdout
            .starts_with("system,year,received,processed,granted,partly_granted,denied,"),
        "{}",
        csv.stdout
    );
    assert!(
        csv.stdout.contains(&format!("\nfincen-cbetf,{year},1,")),
        "{}",
        csv.stdout
    );
    let future = client(
        &["reports", "requests", "--year", "9999"],
        dir,
        &url,
        "priv.token",
    );
    assert_ne!(future.code, 0);
    assert!(
        future.stderr.contains("`year` is from 1970"),
        "{}",
        future.stderr
    );
    terminate(&mut server);
}

/// The server's peak resident memory so far (KiB), from `/proc`.
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Sends `bytes` of an MT file to `/v1/ingest?format=mt` over one connection, chunked (no
/// length announced), and returns the answer's head and body.
fn upload_chunked(address: &str, token: &str, bytes: usize) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST /v1/ingest?format=mt HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let chunk = vec![b'x'; 256 * 1024];
        let mut sent = 0;
        while sent < bytes {
            if write!(writer, "{:x}\r\n", chunk.len()).is_err()
                || writer.write_all(&chunk).is_err()
                || writer.write_all(b"\r\n").is_err()
            {
                return; // the server answered and closed
            }
            sent += chunk.len();
        }
        let _ = writer.write_all(b"0\r\n\r\n");
    });
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    sender.join().unwrap();
    answer
}

#[test]
fn an_institutions_file_over_the_cap_is_refused_with_413_within_bounded_memory() {
    let dir = workspace();
    let dir = dir.path();
    assert_eq!(offline(&["init"], dir).code, 0);
    let args = add_account("ing", "ingest");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(offline(&args, dir).code, 0);
    let token = std::fs::read_to_string(dir.join("ing.token")).unwrap();
    let (mut server, url) = serve_with(dir, None, &["--max-upload-mib", "16"]);
    let address = url.strip_prefix("http://").unwrap().to_owned();
    // A file within the cap first, so the peak below counts the refusal, not the start-up.
    let small = upload_chunked(&address, token.trim(), 1 << 20);
    assert!(
        small.starts_with("HTTP/1.1 200"),
        "{}",
        &small[..small.len().min(400)]
    );
    let before = peak_rss_kib(server.id());
    // Announced too large: refused before a byte is read.
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /v1/ingest?format=mt HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        token.trim(),
        64u64 << 30
    )
    .unwrap();
    let mut announced = String::new();
    let _ = stream.read_to_string(&mut announced);
    assert!(announced.starts_with("HTTP/1.1 413"), "{announced}");
    // Sent without a length, 512 MiB: refused once the cap is passed.
    let answer = upload_chunked(&address, token.trim(), 512 << 20);
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(400)]
    );
    assert!(answer.contains("upload-too-large"), "{answer}");
    let grew_mib = (peak_rss_kib(server.id()).saturating_sub(before)) >> 10;
    // The cap (16 MiB), plus a stated margin of 64 MiB: the buffer's last doubling (its old
    // half is wiped and freed as it grows) and the connection's and runtime's own buffers.
    // The old code read the 512 MiB whole.
    println!("peak resident memory grew by {grew_mib} MiB for a 512 MiB upload over a 16 MiB cap");
    assert!(grew_mib < 16 + 64, "peak memory grew by {grew_mib} MiB");
    // The server still serves.
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "GET /readyz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut ready = String::new();
    let _ = stream.read_to_string(&mut ready);
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    terminate(&mut server);
}

/// One request on a keep-alive connection: its status, or `None` if the server closed it.
async fn exchange(
    stream: &mut tokio::io::BufReader<tokio::net::TcpStream>,
    request: &str,
) -> Option<u16> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    stream.get_mut().write_all(request.as_bytes()).await.ok()?;
    let mut status_line = String::new();
    if stream.read_line(&mut status_line).await.ok()? == 0 {
        return None;
    }
    let status = status_line.split_whitespace().nth(1)?.parse().ok()?;
    let mut length = 0usize;
    let mut closing = false;
    loop {
        let mut header = String::new();
        stream.read_line(&mut header).await.ok()?;
        let header = header.trim_end().to_ascii_lowercase();
        if header.is_empty() {
            break;
        }
        if let Some(value) = header.strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        closing |= header == "connection: close";
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    (!closing).then_some(status)
}

/// Sends `requests` (built by `make`) from the loopback address `from`, reconnecting when the
/// server closes; the statuses.
async fn flood_from(
    from: std::net::IpAddr,
    to: std::net::SocketAddr,
    requests: usize,
    make: impl Fn(usize) -> String,
) -> Vec<u16> {
    let mut statuses = Vec::with_capacity(requests);
    let mut stream = None;
    for n in 0..requests {
        if stream.is_none() {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind(std::net::SocketAddr::new(from, 0)).unwrap();
            stream = Some(tokio::io::BufReader::new(socket.connect(to).await.unwrap()));
        }
        match exchange(stream.as_mut().unwrap(), &make(n)).await {
            Some(status) => statuses.push(status),
            None => {
                statuses.push(0);
                stream = None;
            }
        }
    }
    statuses
}

/// Bytes under `dir`.
fn bytes_under(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                bytes_under(&entry.path())
            } else {
                meta.len()
            }
        })
        .sum()
}

#[test]
fn a_flood_from_many_addresses_leaves_the_log_and_the_disk_bounded_and_the_analyst_served() {
    let workspace = workspace();
    let dir = workspace.path();
    assert_eq!(offline(&["init"], dir).code, 0);
    for (name, role) in [("ing", "ingest"), ("ana", "analyst")] {
        let args = add_account(name, role);
        let add = offline(&args.iter().map(String::as_str).collect::<Vec<_>>(), dir);
        assert_eq!(add.code, 0, "{}", add.stderr);
    }
    std::fs::write(dir.join("one.jsonl"), line(1) + "\n").unwrap();
    let (mut server, url) = serve(dir, None);
    let ingest = client(&["ingest", "one.jsonl"], dir, &url, "ing.token");
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
    let found = client(
        &[
            "search",
            "--system",
            "fincen-cbetf",
            "--identifier",
            &format!("ssn={}", ssn(1)),
            "--purpose",
            "investigation",
            "--case",
            "FLOOD-1",
        ],
        dir,
        &url,
        "ana.token",
    );
    let id = found
        .stdout
        .split("\"id\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no record found: {} {}", found.stdout, found.stderr))
        .to_owned();
    let token = std::fs::read_to_string(dir.join("ana.token")).unwrap();
    let token = token.trim().to_owned();
    let to: std::net::SocketAddr = url.strip_prefix("http://").unwrap().parse().unwrap();
    let data_before = bytes_under(&dir.join("data"));

    // Eight addresses send 2,500 bad-token requests and 2,500 readiness probes each (40,000 in
    // all) while the analyst reads from another address.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let (flood, reads) = runtime.block_on(async {
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut flooders = Vec::new();
        for host in 2..10u8 {
            let from = std::net::IpAddr::from([127, 0, 0, host]);
            flooders.push(tokio::spawn(flood_from(from, to, 5_000, move |n| {
                if n % 2 == 0 {
                    format!("GET /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer rv1_bad{n}\r\n\r\n")
                } else {
                    "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n".to_owned()
                }
            })));
        }
        let analyst = {
            let done = std::sync::Arc::clone(&done);
            let request = format!(
                "GET /v1/records/{id}?purpose=investigation&case=FLOOD-1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n"
            );
            tokio::spawn(async move {
                let from = std::net::IpAddr::from([127, 0, 0, 1]);
                let mut reads = Vec::new();
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    let started = Instant::now();
                    let status = flood_from(from, to, 1, |_| request.clone()).await[0];
                    reads.push((status, started.elapsed()));
                }
                reads
            })
        };
        let mut flood = Vec::new();
        for flooder in flooders {
            flood.extend(flooder.await.unwrap());
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        (flood, analyst.await.unwrap())
    });
    terminate(&mut server);

    let count = |status: u16| flood.iter().filter(|s| **s == status).count();
    println!(
        "flood: {} requests: {} answered 401, {} 429, {} 200, {} 503, {} closed",
        flood.len(),
        count(401),
        count(429),
        count(200),
        count(503),
        count(0)
    );
    assert_eq!(flood.len(), 40_000);
    assert_eq!(count(503), 0, "the vault never closed");
    let mut latencies: Vec<Duration> = reads.iter().map(|(_, took)| *took).collect();
    latencies.sort();
    let p99 = latencies[(latencies.len() * 99 / 100).min(latencies.len() - 1)];
    println!(
        "analyst: {} reads during the flood, p99 {:.1} ms",
        reads.len(),
        p99.as_secs_f64() * 1e3
    );
    assert!(!reads.is_empty());
    assert!(
        reads.iter().all(|(status, _)| *status == 200),
        "the analyst was refused: {:?}",
        reads
            .iter()
            .filter(|(status, _)| *status != 200)
            .take(5)
            .collect::<Vec<_>>()
    );
    // The log holds a few counted entries for 20,000 bad tokens, not 20,000.
    let audit = offline(
        &["audit", "search", "--action", "authenticate", "--json"],
        dir,
    );
    assert_eq!(audit.code, 0, "{}", audit.stderr);
    let entries = audit.stdout.lines().count();
    let counted: u64 = audit
        .stdout
        .lines()
        .filter_map(|line| {
            line.split("\"outcome\":\"")
                .nth(1)?
                .split(' ')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum();
    println!("log: {entries} authentication entries counting {counted} failures");
    assert!(entries <= 8 * 2, "{entries} entries: {}", audit.stdout);
    assert_eq!(
        counted, 20_000,
        "every failed authentication is counted, limited or not"
    );
    let grew = bytes_under(&dir.join("data")).saturating_sub(data_before);
    println!("data directory grew by {} KiB", grew >> 10);
    assert!(grew < 16 << 20, "the data directory grew by {grew} bytes");
}

/// The failed-authentication limit is the operator's to set (`--auth-failures-per-second`,
/// `--auth-failure-burst`): behind a proxy every client shares one address. Twelve bad tokens
/// at once from one address: past the default burst of 10 they are answered 429; with a
/// burst of 100 every one is 401. A limit of 0 would refuse every bad token without logging
/// why, so it is a usage error.
#[test]
fn the_failed_authentication_limit_is_the_operators_to_set() {
    let workspace = workspace();
    let dir = workspace.path();
    assert_eq!(offline(&["init"], dir).code, 0);
    let zero = offline(&["serve", "--auth-failures-per-second", "0"], dir);
    assert_eq!(zero.code, 2, "{}", zero.stderr);
    assert!(
        zero.stderr.contains("--auth-failures-per-second"),
        "{}",
        zero.stderr
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (options, expected_401, expected_429) in [
        (&[][..], 10, 2),
        (
            &[
                "--auth-failures-per-second",
                "1",
                "--auth-failure-burst",
                "100",
            ][..],
            12,
            0,
        ),
    ] {
        let (mut server, url) = serve_with(dir, None, options);
        let to: std::net::SocketAddr = url.strip_prefix("http://").unwrap().parse().unwrap();
        let statuses = runtime.block_on(flood_from(
            std::net::IpAddr::from([127, 0, 0, 1]),
            to,
            12,
            |n| format!("GET /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer rv1_bad{n}\r\n\r\n"),
        ));
        terminate(&mut server);
        let count = |status: u16| statuses.iter().filter(|s| **s == status).count();
        assert_eq!(
            (count(401), count(429)),
            (expected_401, expected_429),
            "{options:?}: {statuses:?}"
        );
    }
}
