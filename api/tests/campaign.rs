//! The kill campaign (docs/reliability.md): one scratch vault across many rounds. Each round
//! starts `recvault serve`, streams a PNR ingest with an idempotency key while another client
//! ingests records into a retention slot that is already due and runs retention, and kills the
//! server with SIGKILL at a random moment. Then it restarts the server, re-sends both files
//! with their keys, runs retention again, stops the server and checks, offline: the vault
//! opens, `audit verify` passes with the vault's public key, every PNR line is stored exactly
//! once (the acknowledged ones were not lost, the resumed ones were not stored twice, no batch
//! is half-written), and every cohort destroyed so far is still destroyed; every hundred
//! rounds and at the end, `verify` opens every record.
//!
//! `RECVAULT_CAMPAIGN_ROUNDS` sets the rounds (default 5, what CI runs; `scripts/kill-campaign
//! N` runs N), `RECVAULT_CAMPAIGN_SEED` the random seed (printed, so a failing round can be
//! replayed). The retention windows come from a fixture copy of the TTAR notice with day
//! buckets and a three-day schedule, imported at `init` before any record; PNR keeps its own
//! (five years), so its records are never due during a campaign.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test with the reason"
)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Duration as Days, NaiveDate, Utc};

mod common;
#[path = "common/server.rs"]
mod server;

use common::{recvault, workspace};
use server::{client, offline, serve, terminate};

const PNR_LINES: usize = 600;
const PNR_BATCH: usize = 50;
/// Every this many rounds (and after the last), `verify` opens every record.
const VERIFY_EVERY: usize = 100;
const TTAR_LINES: usize = 30;
const TTAR: &str = "dhs-ice-005-ttar";
/// Each TTAR category with a subject role it admits.
const TTAR_CATEGORIES: [(&str, &str); 5] = [
    ("trade-financial", "importer"),
    ("biographic", "subject"),
    ("tecs-subject", "subject"),
    ("licensing", "applicant"),
    ("sdn", "designated-person"),
];

/// The shipped notices, with TTAR's schedule in force cut to days: production two days,
/// archive one more, buckets of a day. A slot collected five or more days ago is due.
fn short_retention_sorns(into: &Path) {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policy/sorn");
    std::fs::create_dir_all(into).unwrap();
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.file_name().unwrap() == "dhs-ice-005-ttar.toml" {
            for (from, to) in [
                (
                    "id = \"records-in-force\"\n",
                    "id = \"records-in-force\"\nbucket = \"day\"\n",
                ),
                (
                    "  { name = \"production\", ends_after = { years = 5 } },\n  { name = \"archive\", ends_after = { years = 10 }, transfer = true },\n",
                    "  { name = \"production\", ends_after = { days = 2 } },\n  { name = \"archive\", ends_after = { days = 3 }, transfer = true },\n",
                ),
            ] {
                assert_eq!(text.matches(from).count(), 1, "the TTAR notice changed: {from}");
                text = text.replace(from, to);
            }
        }
        std::fs::write(into.join(path.file_name().unwrap()), text).unwrap();
    }
}

/// The due slots, in the order rounds use them: every TTAR category on every day of this year
/// up to five days ago, then one per earlier year (a past year's index dies with its last
/// cohort, so each past year takes one round).
fn due_slots(today: NaiveDate) -> Vec<(&'static str, &'static str, NaiveDate)> {
    let mut slots = Vec::new();
    let mut day = today - Days::days(5);
    while day.year() == today.year() {
        for (category, role) in TTAR_CATEGORIES {
            slots.push((category, role, day));
        }
        day -= Days::days(1);
    }
    for year in (1971..today.year()).rev() {
        let (category, role) = TTAR_CATEGORIES[year as usize % TTAR_CATEGORIES.len()];
        slots.push((category, role, NaiveDate::from_ymd_opt(year, 7, 1).unwrap()));
    }
    slots
}

fn pnr_file(round: usize, collected_at: &str) -> String {
    // Pulled 12 hours before the flight leaves (seed 001 paragraph 14).
    let pulled = chrono::DateTime::parse_from_rfc3339(collected_at).unwrap();
    let departs_at = (pulled + chrono::Duration::hours(12)).to_rfc3339();
    let arrives_at = (pulled + chrono::Duration::hours(20)).to_rfc3339();
    (1..=PNR_LINES)
        .map(|n| {
            serde_json::json!({
                "system": "cbp-pnr", "category": "pnr", "collected_at": collected_at,
                "source": {"carrier": "XX", "flight": "XX100", "departs_at": departs_at, "arrives_at": arrives_at},
                "subjects": [{"role": "passenger", "name": format!("PASSENGER {n}"),
                    "identifiers": {"passport": {"number": format!("P{round:05}{n:04}"), "country": "FR"}}}],
                "fields": {"record_locator": format!("L{round:05}{n:04}")}
            })
            .to_string()
                + "\n"
        })
        .collect()
}

fn ttar_file(round: usize, (category, role, day): (&str, &str, NaiveDate)) -> String {
    (1..=TTAR_LINES)
        .map(|n| {
            format!(
                r#"{{"system":"{TTAR}","category":"{category}","collected_at":"{day}","source":{{"report_id":"T-{round}-{n}","system":"ttar-analysis"}},"subjects":[{{"role":"{role}","name":"TRADER {n}","identifiers":{{"ssn":"{:09}"}}}}],"fields":{{}}}}"#,
                300_000_000 + round * 1_000 + n
            ) + "\n"
        })
        .collect()
}

/// Streams `text` to `POST /v1/ingest` with its idempotency key until the server answers or
/// goes; returns the last line it reported committed and whether it reported the end.
fn stream(url: &str, token: &str, text: &str) -> (usize, bool) {
    let key = format!(
        "sha256:{}",
        hex::encode(vault::crypto::sha256(text.as_bytes()))
    );
    let address = url.strip_prefix("http://").unwrap();
    let Ok(mut socket) = TcpStream::connect(address) else {
        return (0, false);
    };
    let head = format!(
        "POST /v1/ingest?batch_size={PNR_BATCH} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nIdempotency-Key: {key}\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut writer = socket.try_clone().unwrap();
    let body = text.as_bytes().to_vec();
    let sender = std::thread::spawn(move || {
        if writer.write_all(head.as_bytes()).is_err() {
            return;
        }
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
    let _ = socket.read_to_end(&mut received);
    let _ = sender.join();
    let text = String::from_utf8_lossy(&received);
    let reported = text
        .match_indices("{\"committed_through_line\":")
        .filter_map(|(at, prefix)| {
            let rest = &text[at + prefix.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            rest[digits.len()..]
                .starts_with('}')
                .then(|| digits.parse::<usize>().ok())?
        })
        .max()
        .unwrap_or(0);
    (reported, text.contains("\"done\""))
}

/// A small deterministic generator (xorshift64*), seeded from the environment or the clock.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound.max(1)
    }
}

/// What was under way when the kill came (the stream and the officer's steps overlap).
#[derive(Debug, Default)]
struct Kills {
    streaming: usize,
    retention: usize,
    ttar_ingest: usize,
    idle: usize,
}

/// `cbp-pnr/pnr` and TTAR record counts from `recvault status`.
fn counts(dir: &Path) -> (u64, u64) {
    let status = offline(&["status"], dir);
    assert_eq!(status.code, 0, "the vault does not open: {}", status.stderr);
    let mut pnr = 0;
    let mut ttar = 0;
    for line in status.stdout.lines() {
        let Some((partition, records)) = line.rsplit_once(": ") else {
            continue;
        };
        let records: u64 = records.trim_end_matches(" records").parse().unwrap();
        if partition.ends_with("cbp-pnr/pnr") {
            pnr += records;
        } else if partition.contains(&format!("{TTAR}/")) {
            ttar += records;
        }
    }
    (pnr, ttar)
}

/// Destroyed cohorts from `recvault keys status`, as their `covers` text.
fn destroyed(dir: &Path) -> BTreeSet<String> {
    let keys = offline(&["keys", "status"], dir);
    assert_eq!(keys.code, 0, "{}", keys.stderr);
    keys.stdout
        .lines()
        .filter(|line| line.ends_with(|c: char| c.is_ascii_digit()) && line.contains("destroyed"))
        .map(|line| line.split("  key v").next().unwrap().trim().to_owned())
        .collect()
}

#[test]
fn a_vault_killed_at_random_moments_loses_nothing_acknowledged_and_stores_nothing_twice() {
    let rounds: usize = std::env::var("RECVAULT_CAMPAIGN_ROUNDS")
        .map_or(5, |value| value.parse().expect("RECVAULT_CAMPAIGN_ROUNDS"));
    let seed: u64 = std::env::var("RECVAULT_CAMPAIGN_SEED").map_or_else(
        |_| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        },
        |value| value.parse().expect("RECVAULT_CAMPAIGN_SEED"),
    );
    eprintln!("campaign: {rounds} rounds, seed {seed}");
    let mut random = Random(seed);
    let workspace = workspace();
    let dir = workspace.path();
    short_retention_sorns(&dir.join("sorn"));
    let init = offline(&["init", "--sorn-dir", "sorn"], dir);
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
    for (name, role, organization) in [
        ("ing", "ingest", "dhs-cbp"),
        ("ice", "ingest", "dhs-ice"),
        ("rec", "records-officer", "treasury-fincen"),
    ] {
        let token = format!("{name}.token");
        let add = offline(
            &[
                "accounts",
                "add",
                name,
                "--role",
                role,
                "--organization",
                organization,
                "--background-investigation",
                "2024-01-01",
                "--training-date",
                "2026-06-01",
                "--new-token-file",
                &token,
            ],
            dir,
        );
        assert_eq!(add.code, 0, "{}", add.stderr);
    }
    let token = std::fs::read_to_string(dir.join("ing.token"))
        .unwrap()
        .trim()
        .to_owned();

    let slots = due_slots(Utc::now().date_naive());
    assert!(slots.len() >= rounds, "only {} due slots", slots.len());
    let mut kills = Kills::default();
    let mut pnr_stored = 0u64;
    let mut destroyed_so_far = BTreeSet::new();
    // The kill comes at a random moment within the time a round's work takes unkilled (and
    // the time a retention run takes), measured by the first round, which is not killed.
    let mut span_ms = 0u64;
    let mut retention_span_ms = 0u64;
    let started = Instant::now();
    for (round, &slot) in slots.iter().enumerate().take(rounds + 1) {
        let collected_at = (Utc::now() - Days::minutes(1)).to_rfc3339();
        let pnr_text = pnr_file(round, &collected_at);
        std::fs::write(dir.join("pnr.jsonl"), &pnr_text).unwrap();
        std::fs::write(dir.join("ttar.jsonl"), ttar_file(round, slot)).unwrap();

        let (mut server, url) = serve(dir, None);
        let begun = Instant::now();
        // Milliseconds since `begun` at which each step ended (0: not yet).
        let ttar_done = Arc::new(AtomicU64::new(0));
        let retention_done = Arc::new(AtomicU64::new(0));
        let streamer = {
            let (url, token) = (url.clone(), token.clone());
            std::thread::spawn(move || {
                let result = stream(&url, &token, &pnr_text);
                (result, begun.elapsed())
            })
        };
        let officer = {
            let (url, dir) = (url.clone(), dir.to_owned());
            let (ttar_done, retention_done) = (Arc::clone(&ttar_done), Arc::clone(&retention_done));
            std::thread::spawn(move || {
                let ingest = client(&["ingest", "ttar.jsonl"], &dir, &url, "ice.token");
                if ingest.code != 0 {
                    return format!("ingest: {}{}", ingest.stdout, ingest.stderr);
                }
                ttar_done.store(begun.elapsed().as_millis() as u64 + 1, Ordering::SeqCst);
                let run = client(&["retention", "run"], &dir, &url, "rec.token");
                if run.code == 0 {
                    retention_done.store(begun.elapsed().as_millis() as u64 + 1, Ordering::SeqCst);
                }
                format!("retention: {}{}", run.stdout, run.stderr)
            })
        };
        let warm_up = round == 0;
        let kill_at = if warm_up {
            None
        } else {
            // Half the rounds aim at the retention run: they wait for the slot's ingest to
            // end, then kill within the time a run takes.
            let at = if random.below(2) == 0 {
                random.below(span_ms + 1)
            } else {
                let deadline = Instant::now() + Duration::from_millis(4 * span_ms + 1_000);
                while ttar_done.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                begun.elapsed().as_millis() as u64 + random.below(retention_span_ms + 1)
            };
            std::thread::sleep(Duration::from_millis(
                at.saturating_sub(begun.elapsed().as_millis() as u64),
            ));
            server.kill().unwrap(); // SIGKILL
            server.wait().unwrap();
            Some(at)
        };
        let ((reported, finished), streamed_in) = streamer.join().unwrap();
        let officer = officer.join().unwrap();
        let (ttar_ms, retention_ms) = (
            ttar_done.load(Ordering::SeqCst),
            retention_done.load(Ordering::SeqCst),
        );
        match kill_at {
            None => {
                assert!(
                    finished && retention_ms > 0,
                    "the warm-up round did not finish: PNR {reported} reported, {officer}"
                );
                span_ms = retention_ms.max(streamed_in.as_millis() as u64);
                retention_span_ms = retention_ms - ttar_ms;
            }
            Some(_) => {
                // What was under way (a stream and the officer's steps overlap).
                kills.streaming += usize::from(!finished);
                kills.ttar_ingest += usize::from(ttar_ms == 0);
                kills.retention += usize::from(ttar_ms > 0 && retention_ms == 0);
                if finished && retention_ms > 0 {
                    kills.idle += 1;
                    span_ms = span_ms.max(retention_ms.max(streamed_in.as_millis() as u64));
                }
            }
        }
        // Restarted: the vault opens; re-sending with the same keys completes each file.
        let url = match kill_at {
            Some(_) => {
                let (restarted, url) = serve(dir, None);
                server = restarted;
                url
            }
            None => url,
        };
        let resent = client(&["ingest", "pnr.jsonl"], dir, &url, "ing.token");
        assert_eq!(
            resent.code, 0,
            "round {round}: {}{}",
            resent.stdout, resent.stderr
        );
        let earlier = resent
            .stdout
            .split("lines 1 to ")
            .nth(1)
            .map_or(0, |rest| rest.split(' ').next().unwrap().parse().unwrap());
        assert!(
            earlier >= reported,
            "round {round}: line {reported} was acknowledged, only {earlier} were kept"
        );
        assert!(
            earlier.is_multiple_of(PNR_BATCH) || earlier == PNR_LINES,
            "round {round}: {earlier} lines is not a whole number of batches"
        );
        assert!(
            resent.stdout.contains(&format!(
                "ingested {} records from {PNR_LINES} lines (0 rejected)",
                PNR_LINES - earlier
            )),
            "round {round}: {}",
            resent.stdout
        );
        let ttar = client(&["ingest", "ttar.jsonl"], dir, &url, "ice.token");
        assert!(
            ttar.code == 0 || ttar.stdout.contains("cohort was destroyed"),
            "round {round}: {}{}",
            ttar.stdout,
            ttar.stderr
        );
        let run = client(&["retention", "run"], dir, &url, "rec.token");
        assert_eq!(run.code, 0, "round {round}: {}{}", run.stdout, run.stderr);
        terminate(&mut server);

        // Offline: every PNR line exactly once, every due record gone, the log verified with
        // the public key, every destroyed cohort still destroyed; every record readable (read
        // in full every hundred rounds and at the end: it takes time in proportion to the
        // records kept).
        pnr_stored += PNR_LINES as u64;
        assert_eq!(
            counts(dir),
            (pnr_stored, 0),
            "round {round}: (PNR, TTAR) records"
        );
        if round.is_multiple_of(VERIFY_EVERY) || round == rounds {
            let verify = offline(&["verify"], dir);
            assert_eq!(
                verify.code, 0,
                "round {round}: {}{}",
                verify.stdout, verify.stderr
            );
            assert!(
                verify
                    .stdout
                    .contains(&format!("{pnr_stored} readable, 0 unreadable")),
                "round {round}: {}",
                verify.stdout
            );
        }
        let audit = recvault(
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
        assert_eq!(
            audit.code, 0,
            "round {round}: {}{}",
            audit.stdout, audit.stderr
        );
        let now_destroyed = destroyed(dir);
        assert!(
            destroyed_so_far.is_subset(&now_destroyed),
            "round {round}: a destroyed cohort came back: {:?}",
            destroyed_so_far
                .difference(&now_destroyed)
                .collect::<Vec<_>>()
        );
        let (category, _, day) = slot;
        let covers = format!("period {TTAR}/{category} collected {day}");
        assert!(
            now_destroyed.iter().any(|line| line.ends_with(&covers)),
            "round {round}: {covers} is not destroyed: {now_destroyed:?}"
        );
        destroyed_so_far = now_destroyed;
        eprintln!(
            "round {round}: kill at {} ms of {span_ms}; PNR {reported} acknowledged, {earlier} kept, {} resumed; slot {category} {day}",
            kill_at.map_or("none (warm-up)".to_owned(), |ms| ms.to_string()),
            PNR_LINES - earlier
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "campaign: {rounds} killed rounds (and a warm-up) in {seconds:.0} s, {:.0} rounds an hour; kills during the PNR stream {}, during the slot's ingest {}, during retention {}, after all the work {}; {pnr_stored} PNR lines stored once each, 0 lost, 0 duplicated, 0 verify failures; {} cohorts destroyed and still destroyed",
        rounds as f64 * 3600.0 / seconds,
        kills.streaming,
        kills.ttar_ingest,
        kills.retention,
        kills.idle,
        destroyed_so_far.len()
    );
}
