//! The HTTP API at its boundary: the router called in process (and once through a real TLS
//! socket), over a real RocksDB vault. Every denial is checked for its status, its rule, and
//! its entry in the access log (read back through the auditor's API).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test with the reason"
)]

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{TimeZone, Utc};
use privacy::accounting::Accounting as _;
use serde_json::{json, Value};
use vault::Access;

#[path = "common/harness.rs"]
mod harness;

use harness::*;

#[tokio::test]
async fn ingest_search_and_read_round_trip_with_every_step_logged() {
    let api = api();
    let body = [
        line("JOHN Q PUBLIC", "123-45-6789", 1),
        line("JANE ROE", "987-65-4321", 2),
        line("AL", "111-22-3333", 3),
    ]
    .join("\n");
    let answer = api.ingest("ingester", &body, Some("file-1")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.content_type, "application/x-ndjson");
    let progress: Vec<Value> = answer
        .text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        progress[0],
        json!({"committed_through_line": 2}),
        "{}",
        answer.text
    );
    let done = summary(&answer);
    assert_eq!(
        (
            done["done"].clone(),
            done["ingested"].clone(),
            done["committed_through_line"].clone()
        ),
        (json!(true), json!(3), json!(3))
    );

    let found = api
        .post("/v1/search", Some("ana"), search_body("123456789"))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let records = found.body["records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["subjects"][0]["name"], "JOHN Q PUBLIC");
    let id = records[0]["id"].as_str().unwrap().to_owned();

    let read = api
        .get(
            &format!("/v1/records/{id}?purpose=investigation&case=CASE-1"),
            Some("ana"),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(
        read.body["subjects"][0]["identifiers"]["ssn"],
        "123-45-6789"
    );
    assert_eq!(read.request_id.len(), 24);

    // No match is an empty list, not an error.
    let none = api
        .post("/v1/search", Some("ana"), search_body("999-99-9999"))
        .await;
    assert_eq!(
        (none.status, none.body["records"].as_array().unwrap().len()),
        (StatusCode::OK, 0)
    );

    // The log holds who, why, the rule and the request id of each step.
    let reads = api.entries(&format!("record={id}&action=read")).await;
    let last = reads.last().unwrap();
    assert_eq!(
        (
            last["principal"].as_str(),
            last["rule"].as_str(),
            last["purpose"].as_str(),
            last["case_id"].as_str(),
            last["request_id"].as_str()
        ),
        (
            Some("ana"),
            Some("fincen-cbetf/analyst/read"),
            Some("investigation"),
            Some("CASE-1"),
            Some(read.request_id.as_str())
        )
    );
    let lookups = api.entries("action=lookup").await;
    assert_eq!(lookups.len(), 2);
    assert!(lookups
        .iter()
        .all(|entry| !entry.to_string().contains("123-45-6789")));
    let ingests = api.entries("action=ingest&principal=ingester").await;
    assert_eq!(ingests.len(), 2, "two batches");
    assert_eq!(ingests[0]["rule"], "fincen-cbetf/ingest/ingest");
}

/// A denial: who asks, what, and the status and rule expected.
struct Denial {
    what: &'static str,
    who: Option<&'static str>,
    method: &'static str,
    uri: &'static str,
    body: Option<fn() -> Value>,
    status: StatusCode,
    rule: &'static str,
    /// The principal the log records.
    logged_as: &'static str,
}

fn search_with(purpose: Option<&str>, case: Option<&str>, system: &str) -> Value {
    let mut body = json!({"system": system, "identifier": {"type": "ssn", "value": "123-45-6789"}});
    if let Some(purpose) = purpose {
        body["purpose"] = json!(purpose);
    }
    if let Some(case) = case {
        body["case"] = json!(case);
    }
    body
}

#[rustfmt::skip]
const DENIALS: &[Denial] = &[
    Denial { what: "no token", who: None, method: "POST", uri: "/v1/search", body: Some(|| search_body("123-45-6789")), status: StatusCode::UNAUTHORIZED, rule: "token-missing", logged_as: "anonymous" },
    Denial { what: "wrong token", who: Some("rvt1_00000000"), method: "POST", uri: "/v1/search", body: Some(|| search_body("123-45-6789")), status: StatusCode::UNAUTHORIZED, rule: "token-unknown", logged_as: "unknown" },
    Denial { what: "disabled account", who: Some("gone"), method: "POST", uri: "/v1/search", body: Some(|| search_body("123-45-6789")), status: StatusCode::UNAUTHORIZED, rule: "account-disabled", logged_as: "gone" },
    Denial { what: "missing purpose", who: Some("ana"), method: "POST", uri: "/v1/search", body: Some(|| search_with(None, Some("C-1"), "fincen-cbetf")), status: StatusCode::FORBIDDEN, rule: "purpose-missing", logged_as: "ana" },
    Denial { what: "missing case", who: Some("ana"), method: "POST", uri: "/v1/search", body: Some(|| search_with(Some("investigation"), None, "fincen-cbetf")), status: StatusCode::FORBIDDEN, rule: "case-missing", logged_as: "ana" },
    Denial { what: "malformed case", who: Some("ana"), method: "POST", uri: "/v1/search", body: Some(|| search_with(Some("investigation"), Some("C 1;drop"), "fincen-cbetf")), status: StatusCode::FORBIDDEN, rule: "case-invalid", logged_as: "ana" },
    Denial { what: "unknown purpose", who: Some("ana"), method: "POST", uri: "/v1/search", body: Some(|| search_with(Some("curiosity"), Some("C-1"), "fincen-cbetf")), status: StatusCode::FORBIDDEN, rule: "purpose-unknown", logged_as: "ana" },
    Denial { what: "unknown system", who: Some("ana"), method: "POST", uri: "/v1/search", body: Some(|| search_with(Some("investigation"), Some("C-1"), "no-such-system")), status: StatusCode::FORBIDDEN, rule: "system-unknown", logged_as: "ana" },
    Denial { what: "role without the action: ingest searching", who: Some("ingester"), method: "POST", uri: "/v1/search", body: Some(|| search_body("123-45-6789")), status: StatusCode::FORBIDDEN, rule: "no-rule", logged_as: "ingester" },
    Denial { what: "another organization's analyst", who: Some("ice-analyst"), method: "POST", uri: "/v1/search", body: Some(|| search_body("123-45-6789")), status: StatusCode::FORBIDDEN, rule: "not-direct-access", logged_as: "ice-analyst" },
    Denial { what: "foreign partner reading directly", who: Some("partner"), method: "GET", uri: "/v1/records/{id}?purpose=investigation&case=C-1", body: None, status: StatusCode::FORBIDDEN, rule: "not-direct-access", logged_as: "partner" },
    Denial { what: "a record id from no system", who: Some("ana"), method: "GET", uri: "/v1/records/0fff-019b76daa800-00000001-00000000?purpose=investigation&case=C-1", body: None, status: StatusCode::FORBIDDEN, rule: "system-unknown", logged_as: "ana" },
    Denial { what: "analyst administering accounts", who: Some("ana"), method: "GET", uri: "/v1/accounts", body: None, status: StatusCode::FORBIDDEN, rule: "no-rule", logged_as: "ana" },
    Denial { what: "analyst searching the log", who: Some("ana"), method: "GET", uri: "/v1/audit/entries", body: None, status: StatusCode::FORBIDDEN, rule: "no-rule", logged_as: "ana" },
    Denial { what: "admin searching the log", who: Some("admin"), method: "GET", uri: "/v1/audit/entries", body: None, status: StatusCode::FORBIDDEN, rule: "no-rule", logged_as: "admin" },
    Denial { what: "auditor taking a backup", who: Some("auditor"), method: "POST", uri: "/v1/backup", body: Some(|| json!({"name": "never"})), status: StatusCode::FORBIDDEN, rule: "no-rule", logged_as: "auditor" },
    Denial { what: "no background investigation on file", who: Some("pending"), method: "POST", uri: "/v1/search", body: Some(|| search_body("123-45-6789")), status: StatusCode::FORBIDDEN, rule: "vetting-background-investigation", logged_as: "pending" },
    Denial { what: "privacy training 25 months old", who: Some("lapsed"), method: "GET", uri: "/v1/records/{id}?purpose=investigation&case=C-1", body: None, status: StatusCode::FORBIDDEN, rule: "vetting-training-lapsed", logged_as: "lapsed" },
    Denial { what: "a CBP analyst reading a FinCEN record", who: Some("cbp-analyst"), method: "GET", uri: "/v1/records/{id}?purpose=investigation&case=C-1", body: None, status: StatusCode::FORBIDDEN, rule: "not-direct-access", logged_as: "cbp-analyst" },
    Denial { what: "an analyst reading for a privacy-act purpose", who: Some("ana"), method: "GET", uri: "/v1/records/{id}?purpose=privacy-act-request&case=C-1", body: None, status: StatusCode::FORBIDDEN, rule: "no-rule", logged_as: "ana" },
    Denial { what: "a PNR search by SSN, which the notice does not retrieve by", who: Some("cbp-analyst"), method: "POST", uri: "/v1/search", body: Some(|| json!({"system": "cbp-pnr", "identifier": {"type": "ssn", "value": "123-45-6789"}, "purpose": "counterterrorism", "case": "C-1"})), status: StatusCode::FORBIDDEN, rule: "not-retrievable", logged_as: "cbp-analyst" },
    Denial { what: "analyst ingesting", who: Some("ana"), method: "POST", uri: "/v1/ingest", body: Some(|| json!({})), status: StatusCode::FORBIDDEN, rule: "no-rule", logged_as: "ana" },
];

#[tokio::test]
async fn every_denial_has_its_status_and_rule_and_is_logged() {
    let api = api();
    let stored = summary(
        &api.ingest("ingester", &line("A B", "123-45-6789", 1), None)
            .await,
    );
    assert_eq!(stored["ingested"], 1);
    let found = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    for denial in DENIALS {
        let request = api.request(
            denial.method,
            &denial.uri.replace("{id}", &id),
            denial.who,
            denial.body.map(|body| body()),
        );
        let answer = api.call(request).await;
        assert_eq!(
            answer.status, denial.status,
            "{}: {}",
            denial.what, answer.text
        );
        assert_eq!(
            answer.content_type, "application/problem+json",
            "{}",
            denial.what
        );
        assert_eq!(
            answer.body["rule"], denial.rule,
            "{}: {}",
            denial.what, answer.text
        );
        assert!(
            !answer.body["detail"].as_str().unwrap().is_empty(),
            "{}",
            denial.what
        );
        assert!(
            !answer.text.contains("123-45-6789"),
            "{}: the identifier is echoed",
            denial.what
        );
        // Failed authentications are counted and logged one entry per address, rule and
        // interval: written now, each row starts its own window.
        api.gate.flush_auth_failures().unwrap();
        let logged = api
            .entries(&format!("principal={}", denial.logged_as))
            .await;
        let entry = logged
            .iter()
            .find(|entry| entry["request_id"] == answer.request_id.as_str())
            .unwrap_or_else(|| {
                panic!(
                    "{}: no log entry for request {}",
                    denial.what, answer.request_id
                )
            });
        assert_eq!(
            (entry["decision"].as_str(), entry["rule"].as_str()),
            (Some("deny"), Some(denial.rule)),
            "{}",
            denial.what
        );
    }
}

#[tokio::test]
async fn malformed_requests_are_problems_that_never_echo_values() {
    let api = api();
    let cases: &[(&str, &str, Value, &str)] = &[
        (
            "POST",
            "/v1/search",
            json!({"system": "fincen-cbetf", "987-65-4321": 1, "identifier": {"type": "ssn", "value": "1"}, "purpose": "investigation", "case": "C-1"}),
            "a field this endpoint does not take (see",
        ),
        // Serde reads a struct from an array of its fields too: an empty one is every field
        // left out, which the document does not allow (Schemathesis found `[]` answered 200).
        (
            "POST",
            "/v1/retention/run",
            json!([]),
            "must be a JSON object",
        ),
        (
            "POST",
            "/v1/holds/H-1/release",
            json!(["settled"]),
            "must be a JSON object",
        ),
        (
            "POST",
            "/v1/search",
            json!({"system": "fincen-cbetf", "identifier": {"type": "ssn", "value": 123456789}, "purpose": "investigation", "case": "C-1"}),
            "identifier.value",
        ),
        (
            "POST",
            "/v1/search",
            json!({"system": "fincen-cbetf", "identifier": {"type": "ssn", "value": "1", "extra": "987-65-4321"}, "purpose": "investigation", "case": "C-1"}),
            "a field this endpoint does not take at `identifier`",
        ),
        (
            "POST",
            "/v1/search",
            json!({"system": "fincen-cbetf", "identifier": {"type": "shoe-size", "value": "987-65-4321"}, "purpose": "investigation", "case": "C-1"}),
            "unknown identifier type",
        ),
        (
            "POST",
            "/v1/search",
            json!({"system": "fincen-cbetf", "identifier": {"type": "passport", "value": "987654321"}, "purpose": "investigation", "case": "C-1"}),
            "country",
        ),
        (
            "POST",
            "/v1/accounts",
            json!({"name": "x", "role": "king", "organization": "treasury-fincen"}),
            "unknown role",
        ),
        (
            "POST",
            "/v1/accounts/ana/vetting",
            json!({"background_investigation": "yesterday", "privacy_training": "2026-01-01"}),
            "background_investigation",
        ),
    ];
    for (method, uri, body, expected) in cases {
        let answer = api
            .call(
                api.request(
                    method,
                    uri,
                    Some("admin")
                        .filter(|_| uri.contains("accounts"))
                        .or(Some("ana")),
                    Some(body.clone()),
                ),
            )
            .await;
        // A passport without its country keeps the document (no schema joins two fields):
        // it is refused 422, the rest 400.
        let status = if *expected == "country" {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(answer.status, status, "{uri} {body}: {}", answer.text);
        assert_eq!(answer.content_type, "application/problem+json");
        let detail = answer.body["detail"].as_str().unwrap();
        assert!(detail.contains(expected), "{body}: {detail}");
        assert!(
            !detail.contains("987") && !detail.contains("123456789"),
            "{detail}"
        );
    }
    let raw = api
        .call(
            Request::builder()
                .method("POST")
                .uri("/v1/search")
                .header("authorization", format!("Bearer {}", api.tokens["ana"]))
                .header("content-type", "application/json")
                .body(Body::from("{\"system\": \"123-45-6789"))
                .unwrap(),
        )
        .await;
    assert_eq!(raw.status, StatusCode::BAD_REQUEST);
    assert!(!raw.text.contains("6789"), "{}", raw.text);
    let unknown = api.get("/v2/nothing", None).await;
    assert_eq!(
        (unknown.status, unknown.content_type.as_str()),
        (StatusCode::NOT_FOUND, "application/problem+json")
    );
    let wrong_method = api
        .call(api.request("DELETE", "/v1/search", Some("ana"), None))
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn readyz_follows_the_access_log() {
    let api = api();
    let ready = api.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    api.fail_writes.store(true, Ordering::SeqCst);
    // The answer is reused for a second, so a flood of probes costs one synced write a second.
    let cached = api.get("/readyz", None).await;
    assert_eq!(cached.status, StatusCode::OK, "{}", cached.text);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let not_ready = api.get("/readyz", None).await;
    assert_eq!(
        not_ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        not_ready.text
    );
    assert_eq!(not_ready.content_type, "application/problem+json");
    // Nothing is served while the log is down: a read is refused, not answered unlogged.
    let refused = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.text
    );
    assert!(
        !refused.text.contains("injected"),
        "internal detail leaked: {}",
        refused.text
    );
    let health = api.get("/healthz", None).await;
    assert_eq!(health.status, StatusCode::OK);
    api.fail_writes.store(false, Ordering::SeqCst);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(api.get("/readyz", None).await.status, StatusCode::OK);
    assert_eq!(
        api.post("/v1/search", Some("ana"), search_body("123-45-6789"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_retried_ingest_with_the_same_key_stores_nothing_twice() {
    let api = api();
    let lines: Vec<String> = (1..=7)
        .map(|n| line(&format!("P{n}"), &format!("100-00-000{n}"), n))
        .collect();
    // The first attempt is cut after line 4 (a partial fifth line never counts).
    let cut = format!("{}\n{}", lines[..4].join("\n"), &lines[4][..20]);
    let first = api
        .ingest("ingester", &format!("{cut}\n"), Some("weekly-47"))
        .await;
    // The cut line is simply invalid JSON here; with a real cut connection, reading fails.
    let first = summary(&first);
    assert_eq!(first["ingested"], 4, "{first}");
    let whole = lines.join("\n");
    let retry = api.ingest("ingester", &whole, Some("weekly-47")).await;
    let retry = summary(&retry);
    assert_eq!(
        (
            retry["skipped_through_line"].clone(),
            retry["ingested"].clone()
        ),
        (json!(4), json!(3)),
        "{retry}"
    );
    let again = summary(&api.ingest("ingester", &whole, Some("weekly-47")).await);
    assert_eq!(again["ingested"], 0, "{again}");
    for n in 1..=7 {
        let found = api
            .post(
                "/v1/search",
                Some("ana"),
                search_body(&format!("100-00-000{n}")),
            )
            .await;
        assert_eq!(
            found.body["records"].as_array().unwrap().len(),
            1,
            "line {n}"
        );
    }
    // Without a key, a re-send is a new stream: stored again (the caller chose not to dedupe).
    let unkeyed = summary(&api.ingest("ingester", &lines[0], None).await);
    assert_eq!(unkeyed["ingested"], 1);
}

/// Under the free-space reserve, ingest is refused at once with 507 and a problem saying why;
/// reads go on. (The reserve against a real, filling filesystem: tests/tests/it/disk_full.rs.)
#[tokio::test]
async fn ingest_under_the_disk_reserve_is_refused_with_507() {
    let api = api();
    let stored = summary(
        &api.ingest("ingester", &line("P1", "100-00-0001", 1), None)
            .await,
    );
    assert_eq!(stored["ingested"], 1, "{stored}");
    api.vault.set_disk_reserve(u64::MAX);
    let refused = api
        .ingest("ingester", &line("P2", "100-00-0002", 2), None)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::INSUFFICIENT_STORAGE,
        "{}",
        refused.text
    );
    assert_eq!(
        refused.body["type"],
        "https://recvault.dev/problems/insufficient-storage"
    );
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("under the reserve"),
        "{}",
        refused.text
    );
    let found = api
        .post("/v1/search", Some("ana"), search_body("100-00-0001"))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.body["records"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn ingest_rejects_lines_for_systems_the_gate_refuses_and_keeps_the_rest() {
    let api = api();
    let other = line("X", "222-33-4444", 5).replace("fincen-cbetf", "no-such-system");
    let body = [
        line("A", "200-00-0001", 1),
        other,
        "{not json".to_owned(),
        line("B", "200-00-0002", 2),
    ]
    .join("\n");
    let answer = api.ingest("ingester", &body, None).await;
    let done = summary(&answer);
    assert_eq!(done["ingested"], 2, "{done}");
    let rejected = done["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0]["line"], 2);
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("system-unknown"),
        "{done}"
    );
    assert_eq!(rejected[1]["line"], 3);
    let denials = api.entries("action=record.ingest").await;
    assert_eq!(denials.len(), 1);
    assert_eq!(
        (
            denials[0]["decision"].as_str(),
            denials[0]["system"].as_str()
        ),
        (Some("deny"), Some("(not a code)"))
    );
}

#[tokio::test]
async fn accounts_are_administered_and_a_disabled_token_stops_working() {
    let api = api();
    let made = api
        .post(
            "/v1/accounts",
            Some("admin"),
            json!({"name": "bob", "role": "analyst", "organization": "treasury-fincen"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let vetted = api
        .post(
            "/v1/accounts/bob/vetting",
            Some("security"),
            json!({"background_investigation": "2025-02-03", "privacy_training": "2026-10-01"}),
        )
        .await;
    assert_eq!(vetted.status, StatusCode::OK, "{}", vetted.text);
    // The holder's token is the one the attestation made.
    let token = vetted.body["token"].as_str().unwrap().to_owned();
    let listed = api.get("/v1/accounts", Some("admin")).await;
    assert!(
        !listed.text.contains(&token[5..]),
        "tokens are never listed"
    );
    let bob = listed.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "bob")
        .unwrap()
        .clone();
    assert_eq!(
        (
            bob["role"].as_str(),
            bob["background_investigation"].as_str(),
            bob["disabled"].as_bool()
        ),
        (Some("analyst"), Some("2025-02-03"), Some(false))
    );
    let as_bob = api
        .post("/v1/search", Some(&token), search_body("123-45-6789"))
        .await;
    assert_eq!(as_bob.status, StatusCode::OK, "{}", as_bob.text);
    let twice = api
        .post(
            "/v1/accounts",
            Some("admin"),
            json!({"name": "bob", "role": "analyst", "organization": "treasury-fincen"}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(
        api.post("/v1/accounts/bob/disable", Some("admin"), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    let after = api
        .post("/v1/search", Some(&token), search_body("123-45-6789"))
        .await;
    assert_eq!(
        (after.status, after.body["rule"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("account-disabled"))
    );
    let missing = api
        .post("/v1/accounts/nobody/disable", Some("admin"), json!({}))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // An administrator's own account is disabled only by another: the vault keeps one who can
    // manage accounts.
    let own = api
        .post("/v1/accounts/admin/disable", Some("admin"), json!({}))
        .await;
    assert_eq!(
        (own.status, own.body["type"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("https://recvault.dev/problems/conflict")
        ),
        "{}",
        own.text
    );
    assert_eq!(
        api.get("/v1/accounts", Some("admin")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn auditors_verify_the_log_and_admins_take_live_backups() {
    let api = api();
    let verified = api
        .post("/v1/audit/verify", Some("auditor"), json!({}))
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    assert_eq!(verified.body["ok"], true);
    let wrong_key = api
        .post(
            "/v1/audit/verify",
            Some("auditor"),
            json!({"public_key": "00".repeat(32)}),
        )
        .await;
    assert_eq!(wrong_key.body["ok"], false, "{}", wrong_key.text);
    // (body, status): a key is exactly 64 hexadecimal digits (400 otherwise, as the document
    // says); an anchor that is not one is 422; no body, or `null`, is the vault's own key.
    let rows = [
        (
            json!({"public_key": format!(" {}", "00".repeat(32))}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"public_key": "00".repeat(31)}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"anchor": "not an anchor"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"anchor": "x", "extra": 1}), StatusCode::BAD_REQUEST),
        // serde reads a struct from an array of its fields; the document takes an object.
        (json!([null, null]), StatusCode::BAD_REQUEST),
        (json!([]), StatusCode::BAD_REQUEST),
        (Value::Null, StatusCode::OK),
    ];
    for (body, status) in rows {
        let answer = api
            .post("/v1/audit/verify", Some("auditor"), body.clone())
            .await;
        assert_eq!(answer.status, status, "{body}: {}", answer.text);
    }
    // A backup goes only into the server's backup directory, made private on first use, in
    // a new directory named by a reference: no path, no climbing out, no identifier.
    let backups = api.data_dir.parent().unwrap().join("backups");
    let backup = api
        .post("/v1/backup", Some("admin"), json!({"name": "backup-1"}))
        .await;
    assert_eq!(backup.status, StatusCode::OK, "{}", backup.text);
    assert!(backups.join("backup-1/CURRENT").exists());
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backups).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    }
    for name in [
        "/tmp/vault-tests-anywhere",
        "../data/x",
        "relative/dir",
        "987-65-4329",
        "..",
    ] {
        let refused = api
            .post("/v1/backup", Some("admin"), json!({"name": name}))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{name}: {}",
            refused.text
        );
        assert!(
            !refused.text.contains(name),
            "{name} echoed: {}",
            refused.text
        );
    }
    let old_shape = api
        .post(
            "/v1/backup",
            Some("admin"),
            json!({"to": "/tmp/vault-tests-anywhere"}),
        )
        .await;
    assert_eq!(
        old_shape.status,
        StatusCode::BAD_REQUEST,
        "{}",
        old_shape.text
    );
    assert!(!std::path::Path::new("/tmp/vault-tests-anywhere").exists());
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let api = api();
    let answer = api.get("/openapi.json", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let paths = answer.body["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, methods) in paths {
        for method in methods.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    documented.sort();
    let mut routed: Vec<(String, String)> = recvault::server::openapi::ROUTES
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    // And every listed route is really routed (a 404 would be the fallback's problem).
    for (method, path) in &routed {
        let uri = path
            .replace("{id}", "0001-019b76daa800-00000001-00000000")
            .replace("{name}", "bob");
        let answer = api
            .call(api.request(&method.to_uppercase(), &uri, None, None))
            .await;
        assert_ne!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{method} {path} is not routed"
        );
        assert_ne!(
            answer.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} is not routed"
        );
    }
}

/// The document the server serves is the one committed as `docs/openapi.json`, so a change to
/// a wire type, a handler's annotation or a hand-written route shows in review. After an
/// intended change: `RECVAULT_BLESS=1 cargo test --release -p recvault --test http openapi`
/// rewrites the file.
#[tokio::test]
async fn the_served_openapi_document_is_the_committed_one() {
    let api = api();
    let answer = api.get("/openapi.json", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let generated = serde_json::to_string_pretty(&answer.body).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    if std::env::var_os("RECVAULT_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json differs from the served document; if the change is intended, run RECVAULT_BLESS=1 cargo test --release -p recvault --test http openapi"
    );
    // The typed routes state the rules the server enforces.
    let new_account = &answer.body["components"]["schemas"]["NewAccount"]["properties"];
    assert_eq!(
        new_account["name"]["pattern"],
        recvault::wire::ACCOUNT_NAME_PATTERN
    );
    assert_eq!(new_account["role"]["enum"], json!(policy::ROLES));
    // An account no security officer has vetted yet has no background investigation: null.
    let view = &answer.body["components"]["schemas"]["AccountView"]["properties"];
    assert_eq!(
        view["background_investigation"]["type"],
        json!(["string", "null"])
    );
    let listed = api.get("/v1/accounts", Some("admin")).await;
    let pending = listed.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|account| account["name"] == "pending")
        .unwrap();
    assert!(pending["background_investigation"].is_null(), "{pending}");
    let create = &answer.body["paths"]["/v1/accounts"]["post"]["responses"];
    for status in [
        "201", "400", "401", "403", "409", "413", "415", "429", "500", "503",
    ] {
        assert!(
            create.get(status).is_some(),
            "POST /v1/accounts answers {status}: {create}"
        );
    }
}

#[test]
fn tls_through_a_real_socket() {
    let api = api();
    let dir = tempfile::Builder::new()
        .prefix("vault-tests")
        .tempdir()
        .unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    let token_path = dir.path().join("ana.token");
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&token_path)
            .unwrap();
        std::io::Write::write_all(&mut file, api.tokens["ana"].as_bytes()).unwrap();
    }
    let acceptor = recvault::server::listener::tls_acceptor(&cert_path, &key_path).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(recvault::server::listener::serve(
        listener,
        api.router.clone(),
        Some(acceptor),
        recvault::server::listener::ConnectionCaps::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let client = |ca: Option<&Path>| {
        recvault::client::Client::new(&recvault::client::ClientArgs {
            server: Some(format!("https://localhost:{port}")),
            token_file: Some(token_path.clone()),
            ca_file: ca.map(Path::to_path_buf),
        })
        .unwrap()
    };
    let search: recvault::wire::Search =
        serde_json::from_value(search_body("123-45-6789")).unwrap();
    let found = client(Some(&cert_path)).search(&search).unwrap();
    assert!(found.records.is_empty());
    // Without trusting the certificate, the client refuses the connection.
    assert!(client(None).search(&search).is_err());
    // The log records the client's real address.
    let entries = api_entries_blocking(&runtime, &api);
    assert!(
        entries.iter().any(|entry| entry["client"]
            .as_str()
            .unwrap_or("")
            .starts_with("127.0.0.1:")),
        "{entries:?}"
    );
    let _ = stop.send(());
    runtime.block_on(server).unwrap();
    // Plain HTTP is refused anywhere but loopback.
    assert!(
        recvault::server::listener::check_plain_http(&"0.0.0.0:7443".parse().unwrap()).is_err()
    );
    assert!(
        recvault::server::listener::check_plain_http(&"127.0.0.1:7443".parse().unwrap()).is_ok()
    );
    assert!(recvault::server::listener::check_plain_http(&"[::1]:7443".parse().unwrap()).is_ok());
}

fn api_entries_blocking(runtime: &tokio::runtime::Runtime, api: &Api) -> Vec<Value> {
    runtime.block_on(api.entries("action=lookup"))
}

#[tokio::test]
async fn a_search_reads_at_most_its_limit_and_says_how_many_matched() {
    let api = api();
    let body: Vec<String> = (1..=3)
        .map(|n| line("SAME NAME", &format!("300-00-000{n}"), n))
        .collect();
    let done = summary(&api.ingest("ingester", &body.join("\n"), None).await);
    assert_eq!(done["ingested"], 3);
    let by_name = |limit: Value| json!({"system": "fincen-cbetf", "identifier": {"type": "name", "value": "same  name"}, "purpose": "investigation", "case": "C-9", "limit": limit});
    let answer = api.post("/v1/search", Some("ana"), by_name(json!(2))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(
        (
            answer.body["records"].as_array().unwrap().len(),
            answer.body["found"].clone(),
            answer.body["truncated"].clone()
        ),
        (2, json!(3), json!(true))
    );
    assert_eq!(
        api.entries("action=read").await.len(),
        2,
        "only the records returned are read"
    );
    let all = api
        .post("/v1/search", Some("ana"), by_name(json!(1000)))
        .await;
    assert_eq!(
        (all.body["found"].clone(), all.body["truncated"].clone()),
        (json!(3), json!(false))
    );
    for limit in [json!(0), json!(1001)] {
        let refused = api.post("/v1/search", Some("ana"), by_name(limit)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    }
}

fn pnr_line(name: &str, passport: &str) -> String {
    json!({
        "system": "cbp-pnr", "category": "pnr", "collected_at": "2026-11-24T06:00:00Z",
        "source": {"carrier": "XX", "flight": "XX100", "departs_at": "2026-11-24T18:00:00Z", "arrives_at": "2026-11-25T02:00:00Z"},
        "subjects": [{"role": "passenger", "name": name, "identifiers": {"passport": {"number": passport, "country": "FR"}}}],
        "fields": {"record_locator": "ABC123", "osi": "CTCE PASSENGER NOTE", "general_remarks": "SEAT REQUEST"}
    })
    .to_string()
}

/// CBP's analyst designates the holder of `passport` (FR) high risk (seed 001 paragraph 5).
async fn designate_high_risk(api: &Api, passport: &str) {
    let answer = api
        .post(
            "/v1/designations",
            Some("cbp-analyst"),
            json!({"system": "cbp-pnr", "subject": {"type": "passport", "value": passport, "country": "FR"},
                   "purpose": "counterterrorism", "case": "PNR-1", "reason": "targeting rule match",
                   "review_on": "2027-06-30"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
}

fn pnr_search(passport: &str, purpose: &str) -> Value {
    json!({"system": "cbp-pnr", "identifier": {"type": "passport", "value": passport, "country": "FR"}, "purpose": purpose, "case": "PNR-1"})
}

/// Seed 001 paragraph 5: "CBP's automated system will search those fields [OSI and SSI/SSR]
/// for any of the other data elements identified in Attachment A. CBP personnel will not be
/// authorized to manually review the full OSI and SSI/SSR fields unless the individual ... has
/// been identified by CBP as high risk". A telephone, an e-mail address, a travel document and
/// an address written only in the free text find the record; nobody reads the text; a scan a
/// sender asks for is not run; nothing found is on disk; the entries leave the index with the
/// record when its period goes to the deleted record file.
#[tokio::test]
async fn an_automated_search_finds_attachment_a_elements_in_pnr_free_text_without_opening_it() {
    let api = api();
    let pnr = json!({
        "system": "cbp-pnr", "category": "pnr", "collected_at": "2026-11-24T06:00:00Z",
        "source": {"carrier": "XX", "scan": "1:history", "flight": "XX100", "departs_at": "2026-11-24T18:00:00Z", "arrives_at": "2026-11-25T02:00:00Z"},
        "subjects": [{"role": "passenger", "name": "ANNE LOW", "identifiers": {"passport": {"number": "P1000001", "country": "FR"}}}],
        "fields": {
            "record_locator": "ABC123",
            "osi": "OSI XX CTCM PAX 1 555 123 4567",
            "ssi_ssr": "SSR DOCS XX HK1/P/GBR/987654321/GBR/12JUL64/F/23AUG29/LOWE/ANNETTE\nSSR DOCA XX HK1/R/US/12 Harbor Street/Boston/MA/02110",
            "general_remarks": "SSR CTCE XX HK1/ANNE..LOW//EXAMPLE.ORG",
            "history": "CALL +33 1 23 45 67 89"
        }
    });
    let done = summary(&api.ingest("cbp-ingest", &pnr.to_string(), None).await);
    assert_eq!(done["ingested"], 1, "{done}");
    let search = |identifier: Value| json!({"system": "cbp-pnr", "identifier": identifier, "purpose": "counterterrorism", "case": "PNR-1"});
    type Row = (&'static str, Value, u64);
    let rows: Vec<Row> = vec![
        (
            "a mobile number in OSI",
            json!({"type": "phone", "value": "1-555-123-4567"}),
            1,
        ),
        (
            "an e-mail address in the remarks",
            json!({"type": "email", "value": "anne_low@example.org"}),
            1,
        ),
        (
            "the passport of an SSR DOCS",
            json!({"type": "passport", "value": "987654321", "country": "GBR"}),
            1,
        ),
        (
            "the name of an SSR DOCS",
            json!({"type": "name", "value": "Annette Lowe"}),
            1,
        ),
        (
            "the address of an SSR DOCA",
            json!({"type": "address", "value": "12 Harbor St, Boston MA 02110"}),
            1,
        ),
        // The notice scans OSI, SSI/SSR and the remarks, not what the sender asked for.
        (
            "a number in the history, which the notice does not scan",
            json!({"type": "phone", "value": "+33 1 23 45 67 89"}),
            0,
        ),
        (
            "a number nowhere in the record",
            json!({"type": "phone", "value": "1-555-123-4568"}),
            0,
        ),
    ];
    let mut id = String::new();
    for (what, identifier, found) in &rows {
        let answer = api
            .post(
                "/v1/search",
                Some("cbp-analyst"),
                search(identifier.clone()),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{what}: {}", answer.text);
        assert_eq!(
            answer.body["found"],
            json!(found),
            "{what}: {}",
            answer.text
        );
        if *found == 1 {
            let record = &answer.body["records"][0];
            // Found by it, and still not read by a person: the subject is not high risk.
            assert_eq!(
                record["withheld_fields"],
                json!(["general_remarks", "history", "osi", "ssi_ssr"]),
                "{what}: {record}"
            );
            for secret in ["5551234567", "987654321", "HARBOR", "EXAMPLE.ORG", "LOWE"] {
                assert!(
                    !answer.text.contains(secret),
                    "{what}: {secret} in {}",
                    answer.text
                );
            }
            id = record["id"].as_str().unwrap().to_owned();
        }
    }
    // The entry the sender put in was replaced by the notice's.
    assert!(!id.is_empty());
    vault::testing::flush_and_compact(&api.vault).unwrap();
    let needles = [
        "5551234567",
        "15551234567",
        "987654321",
        "ANNE_LOW@EXAMPLE.ORG",
        "12 HARBOR ST",
    ];
    assert_eq!(files_holding(&api.data_dir, &needles), Vec::<String>::new());

    // What the free text holds is not whom the record is about: a request by the SSR DOCS
    // passport (another traveller's, or one a passenger typed in) finds nothing and preserves
    // nothing, so no one is sent another person's PNR.
    let opened = api
        .post(
            "/v1/requests",
            Some("cbp-privacy"),
            json!({"kind": "access", "requester": "ANNETTE LOWE", "status": "other",
                   "identifiers": [{"type": "passport", "value": "987654321", "country": "GBR"}],
                   "systems": ["cbp-pnr"]}),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    let request = opened.body["id"].as_str().unwrap().to_owned();
    let verified = api
        .post(
            &format!("/v1/requests/{request}/events"),
            Some("cbp-privacy"),
            json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"],
                   "facts": ["full-name", "current-address", "date-of-birth", "place-of-birth"]}),
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    let listed = api
        .get(
            &format!("/v1/requests/{request}/records"),
            Some("cbp-privacy"),
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body["records"], json!([]), "{}", listed.text);
    let holds = api.get("/v1/holds", Some("auditor")).await;
    assert_eq!(holds.body["holds"][0]["records"], 0, "{}", holds.text);

    // Four years on, past PNR's active period: the record is found by nothing found in its free
    // text either.
    api.days_later.store(4 * 365, Ordering::SeqCst);
    let gone = api
        .post(
            "/v1/search",
            Some("cbp-analyst"),
            search(json!({"type": "phone", "value": "1-555-123-4567"})),
        )
        .await;
    assert_eq!(
        (gone.status, gone.body["found"].clone()),
        (StatusCode::OK, json!(0)),
        "{}",
        gone.text
    );
}

/// Seed 001 paragraph 14: "CBP will pull PNR data associated with a particular flight no
/// earlier than 72 hours prior to the departure of that flight, and will re-check the systems
/// no more than three (3) times between the initial pull, the departure of the flight from a
/// foreign point and the flight's arrival in the United States ... all changes to the PNR data
/// ... are also pushed to CBP ... In the unusual event that CBP obtains advance information
/// that person(s) of specific concern may be travelling ... CBP may pull ... prior to 72 hours
/// before departure". Each row is one ingest (the pulls counted across ingests and within
/// one); a refused line is named in the receipt with its rule, and nothing of it is stored.
#[tokio::test]
async fn pnr_receipts_keep_to_the_72_hour_window_and_three_re_checks() {
    let api = api();
    // Flight XX100 leaves Paris 2026-11-24 18:00 UTC and lands in New York 2026-11-25 02:00;
    // the tests' clock reads 2026-11-24 12:00.
    let pnr = |locator: &str, pulled: &str, departs: &str, extra: Value| {
        // Eight hours in the air.
        let arrives = chrono::DateTime::parse_from_rfc3339(departs)
            .map(|at| (at + chrono::Duration::hours(8)).to_rfc3339())
            .unwrap_or_default();
        let mut source = json!({"carrier": "XX", "flight": "XX100", "departs_at": departs, "arrives_at": arrives});
        for (key, value) in extra.as_object().unwrap() {
            source[key] = value.clone();
        }
        json!({
            "system": "cbp-pnr", "category": "pnr", "collected_at": pulled,
            "source": source,
            "subjects": [{"role": "passenger", "name": "ANNE LOW", "identifiers": {"passport": {"number": "P1000001", "country": "FR"}}}],
            "fields": {"record_locator": locator}
        })
        .to_string()
    };
    let today = "2026-11-24T18:00:00Z";
    let later = "2026-11-29T10:00:00Z";
    let none = json!({});
    // Paragraph 13: CBP pulls until a carrier pushes. Carrier YY pushes since 20 November, as
    // CBP's records officer recorded; XX is pulled.
    let recorded = api
        .post(
            "/v1/pnr-carriers",
            Some("cbp-records"),
            json!({"system": "cbp-pnr", "carrier": "yy", "icao": "yya", "pushes": true, "from": "2026-11-20", "reason": "carrier notice 2026-11-02"}),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
    // BA is pulled, and recorded with its ICAO designator BAW.
    let recorded = api
        .post(
            "/v1/pnr-carriers",
            Some("cbp-records"),
            json!({"system": "cbp-pnr", "carrier": "BA", "icao": "BAW", "pushes": false, "from": "2026-01-01", "reason": "pulled"}),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
    let yy = json!({"flight": "YY100", "carrier": "YY", "delivery": "push"});
    let ba = |flight: &str| json!({"flight": flight, "carrier": "BA"});
    type Row = (&'static str, Vec<String>, u64, Vec<(u64, &'static str)>);
    let rows: Vec<Row> = vec![
        (
            "the initial pull and the first re-check",
            vec![
                pnr("ABC123", "2026-11-24T06:00:00Z", today, none.clone()),
                pnr("ABC123", "2026-11-24T08:00:00Z", today, none.clone()),
            ],
            2,
            vec![],
        ),
        (
            "the second and third re-checks, then a fourth in the same file",
            vec![
                pnr("ABC123", "2026-11-24T09:00:00Z", today, none.clone()),
                pnr("ABC123", "2026-11-24T10:00:00Z", today, none.clone()),
                pnr("ABC123", "2026-11-24T11:00:00Z", today, none.clone()),
            ],
            2,
            vec![(
                3,
                "the initial pull and 3 re-checks of this flight's PNR were made",
            )],
        ),
        (
            "a fourth re-check in a later ingest",
            vec![pnr("ABC123", "2026-11-24T11:30:00Z", today, none.clone())],
            0,
            vec![(1, "the initial pull and 3 re-checks")],
        ),
        (
            "the same flight spelled XX0100, its departure restated a second later, its carrier otherwise",
            vec![pnr(
                "ABC123",
                "2026-11-24T11:40:00Z",
                "2026-11-24T18:00:01Z",
                json!({"flight": "XX0100", "carrier": "X-X"}),
            )],
            0,
            vec![(1, "the initial pull and 3 re-checks")],
        ),
        (
            "another PNR on the same flight has its own count",
            vec![pnr("DEF456", "2026-11-24T11:30:00Z", today, none.clone())],
            1,
            vec![],
        ),
        (
            "pushed changes are not re-checks",
            (0..6)
                .map(|n| {
                    pnr(
                        "GHI789",
                        &format!("2026-11-24T0{n}:30:00Z"),
                        today,
                        yy.clone(),
                    )
                })
                .collect(),
            6,
            vec![],
        ),
        (
            "a push from a carrier not recorded as pushing: the sender's word is not enough",
            vec![pnr(
                "GHI790",
                "2026-11-24T06:30:00Z",
                today,
                json!({"delivery": "push"}),
            )],
            0,
            vec![(
                1,
                "the flight's carrier is not recorded as pushing its PNR at that time",
            )],
        ),
        (
            "a pull from a carrier that pushes",
            vec![pnr(
                "GHI791",
                "2026-11-24T06:30:00Z",
                today,
                json!({"flight": "YY100"}),
            )],
            0,
            vec![(1, "pulled, but the flight's carrier pushes its PNR")],
        ),
        (
            "one flight under its carrier's IATA and ICAO designators: four pulls in all",
            vec![
                pnr("QRS111", "2026-11-24T06:00:00Z", today, ba("BA100")),
                pnr("QRS111", "2026-11-24T07:00:00Z", today, ba("BAW100")),
                pnr("QRS111", "2026-11-24T08:00:00Z", today, ba("BAW0100")),
                pnr("QRS111", "2026-11-24T09:00:00Z", today, ba("BA100")),
                pnr("QRS111", "2026-11-24T10:00:00Z", today, ba("BAW100")),
            ],
            4,
            vec![(5, "the initial pull and 3 re-checks")],
        ),
        (
            "the same under a record locator holding `|` and a flight's spelling",
            vec![
                pnr("Q|BAW100|", "2026-11-24T06:00:00Z", today, ba("BAW100")),
                pnr("Q|BAW100|", "2026-11-24T07:00:00Z", today, ba("BA100")),
                pnr("Q|BAW100|", "2026-11-24T08:00:00Z", today, ba("BAW100")),
                pnr("Q|BAW100|", "2026-11-24T09:00:00Z", today, ba("BA100")),
                pnr("Q|BAW100|", "2026-11-24T10:00:00Z", today, ba("BAW100")),
            ],
            4,
            vec![(5, "the initial pull and 3 re-checks")],
        ),
        (
            "a flight named by an ICAO designator nobody recorded",
            vec![pnr("QRS112", "2026-11-24T06:00:00Z", today, json!({"flight": "XXX100"}))],
            0,
            vec![(1, "a flight named by an ICAO designator is received only for a carrier recorded with it")],
        ),
        (
            "a flight number with two suffix letters",
            vec![pnr("QRS113", "2026-11-24T06:00:00Z", today, json!({"flight": "XX100AB"}))],
            0,
            vec![(1, "at most one suffix letter")],
        ),
        (
            "a receipt timed by its day alone",
            vec![pnr("GHI792", "2026-11-24", today, none.clone())],
            0,
            vec![(1, "a flight's receipt is timed to the second")],
        ),
        (
            "a pull five days before departure, without advance information",
            vec![pnr("JKL012", "2026-11-24T06:00:00Z", later, none.clone())],
            0,
            vec![(
                1,
                "pulled earlier than 72 hours before the flight's departure",
            )],
        ),
        (
            "the same pull on advance information about persons of specific concern",
            vec![pnr(
                "JKL012",
                "2026-11-24T06:00:00Z",
                later,
                json!({"early_access": "specific-concern", "early_case": "CT-2026-7"}),
            )],
            1,
            vec![],
        ),
        (
            "an early pull on a ground the paragraph does not give",
            vec![pnr(
                "JKL013",
                "2026-11-24T06:00:00Z",
                later,
                json!({"early_access": "routine", "early_case": "CT-2026-7"}),
            )],
            0,
            vec![(1, "`source.early_access` is `specific-concern`")],
        ),
        (
            "a flight without its departure",
            vec![pnr("MNO345", "2026-11-24T06:00:00Z", "", none.clone())
                .replace(r#""departs_at":"","#, "")
                .replace(r#""arrives_at":"","#, "")],
            0,
            vec![(1, "a PNR names its flight's departure")],
        ),
    ];
    for (what, lines, ingested, rejected) in rows {
        let done = summary(&api.ingest("cbp-ingest", &lines.join("\n"), None).await);
        assert_eq!(done["ingested"], ingested, "{what}: {done}");
        let got = done["rejected"].as_array().unwrap();
        assert_eq!(got.len(), rejected.len(), "{what}: {done}");
        for (answer, (line, reason)) in got.iter().zip(&rejected) {
            assert_eq!(answer["line"], *line, "{what}: {done}");
            assert!(
                answer["reason"].as_str().unwrap().contains(reason),
                "{what}: {done}"
            );
        }
        assert!(!done.to_string().contains("CT-2026-7"), "{what}: {done}");
    }
    // A pull after the flight's arrival, when the clock has moved past it.
    api.days_later.store(2, Ordering::SeqCst);
    let done = summary(
        &api.ingest(
            "cbp-ingest",
            &pnr("PQR678", "2026-11-25T03:00:00Z", today, none.clone()),
            None,
        )
        .await,
    );
    assert_eq!(done["ingested"], 0, "{done}");
    assert!(
        done["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("received after the flight's arrival in the United States"),
        "{done}"
    );
    // The same pull stated as made before the arrival: the vault's own clock says it came
    // more than 24 hours after the flight landed (ours), so the stated time is not taken.
    let done = summary(
        &api.ingest(
            "cbp-ingest",
            &pnr("PQR679", "2026-11-24T10:00:00Z", today, none.clone()),
            None,
        )
        .await,
    );
    assert_eq!(done["ingested"], 0, "{done}");
    assert!(
        done["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("reached the vault more than 24 hours after the flight's arrival"),
        "{done}"
    );
}

/// Seed 000, Retrievability: records "may be retrieved by any of the personal identifiers
/// stored in the system including name, business address, home address, importer ID, exporter
/// ID, broker ID, manufacturer ID". Other systems are not retrieved by them.
#[tokio::test]
async fn ttar_records_are_found_by_broker_and_manufacturer_ids_and_addresses() {
    let api = api();
    let trade = json!({
        "system": "dhs-ice-005-ttar", "category": "trade-financial", "collected_at": "2026-05-02",
        "source": {"entry_number": "E-7", "system": "cbp-trade"},
        "subjects": [
            {"role": "importer", "name": "MARIA OKAFOR", "identifiers": {"importer_exporter_id": "12-3456789", "address": "1 Harbor Road, Newark NJ 07114"}},
            {"role": "manufacturer", "name": "WIDGET WORKS", "identifiers": {"manufacturer_id": "MID-9", "address": "8 Factory Lane, Shenzhen"}},
            {"role": "broker", "name": "FAST CUSTOMS", "identifiers": {"broker_id": "BR-77", "address": "2 Port Street, Suite 5"}}
        ],
        "fields": {"goods_description": "GOLD JEWELRY", "goods_value": "250000.00"}
    });
    // The biographic and SDN categories hold a person's address as a field: found by it too.
    let biographic = json!({
        "system": "dhs-ice-005-ttar", "category": "biographic", "collected_at": "2026-05-03",
        "source": {"system": "cbp-tecs"},
        "subjects": [{"role": "subject", "name": "PAVEL NOVAK"}],
        "fields": {"address": "14 Elm Street, Apt 3, Trenton NJ", "telephone": "609 555 0101"}
    });
    let sdn = json!({
        "system": "dhs-ice-005-ttar", "category": "sdn", "collected_at": "2026-05-04",
        "source": {"system": "treasury-sdn"},
        "subjects": [{"role": "designated-person", "name": "IGOR VALE"}],
        "fields": {"address": "Calle 9 No. 12, Panama City"}
    });
    let lines = [trade.to_string(), biographic.to_string(), sdn.to_string()].join("\n");
    let done = summary(&api.ingest("ice-ingest", &lines, None).await);
    assert_eq!(done["ingested"], 3, "{done}");
    let search = |system: &str, identifier: Value| json!({"system": system, "identifier": identifier, "purpose": "investigation", "case": "TTU-9"});
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        Value,
        StatusCode,
        Option<u64>,
    );
    let rows: Vec<Row> = vec![
        (
            "broker id",
            "ice-analyst",
            "dhs-ice-005-ttar",
            json!({"type": "broker_id", "value": "br 77"}),
            StatusCode::OK,
            Some(1),
        ),
        (
            "manufacturer id",
            "ice-analyst",
            "dhs-ice-005-ttar",
            json!({"type": "manufacturer_id", "value": "mid9"}),
            StatusCode::OK,
            Some(1),
        ),
        (
            "business address",
            "ice-analyst",
            "dhs-ice-005-ttar",
            json!({"type": "address", "value": "2 PORT ST STE 5"}),
            StatusCode::OK,
            Some(1),
        ),
        (
            "importer's address",
            "ice-analyst",
            "dhs-ice-005-ttar",
            json!({"type": "address", "value": "1 harbor rd newark nj 07114"}),
            StatusCode::OK,
            Some(1),
        ),
        (
            "home address, held as a biographic record's field",
            "ice-analyst",
            "dhs-ice-005-ttar",
            json!({"type": "address", "value": "14 elm st apt 3 trenton nj"}),
            StatusCode::OK,
            Some(1),
        ),
        (
            "an SDN entry's address field",
            "ice-analyst",
            "dhs-ice-005-ttar",
            json!({"type": "address", "value": "CALLE 9 NO 12 PANAMA CITY"}),
            StatusCode::OK,
            Some(1),
        ),
        (
            "a telephone, which the notice does not retrieve by (refused before any index is read)",
            "ice-analyst",
            "dhs-ice-005-ttar",
            json!({"type": "phone", "value": "609 555 0101"}),
            StatusCode::FORBIDDEN,
            None,
        ),
        (
            "another broker",
            "ice-analyst",
            "dhs-ice-005-ttar",
            json!({"type": "broker_id", "value": "BR-78"}),
            StatusCode::OK,
            Some(0),
        ),
        (
            "CBP's analyst, whom the notice gives direct access",
            "cbp-analyst",
            "dhs-ice-005-ttar",
            json!({"type": "broker_id", "value": "BR-77"}),
            StatusCode::OK,
            Some(1),
        ),
        (
            "FinCEN's analyst, whom it does not",
            "ana",
            "dhs-ice-005-ttar",
            json!({"type": "broker_id", "value": "BR-77"}),
            StatusCode::FORBIDDEN,
            None,
        ),
        (
            "CBETF by broker id, which its notice does not retrieve by",
            "ana",
            "fincen-cbetf",
            json!({"type": "broker_id", "value": "BR-77"}),
            StatusCode::FORBIDDEN,
            None,
        ),
    ];
    for (what, who, system, identifier, status, found) in rows {
        let answer = api
            .post("/v1/search", Some(who), search(system, identifier))
            .await;
        assert_eq!(answer.status, status, "{what}: {}", answer.text);
        match found {
            Some(found) => assert_eq!(
                answer.body["found"],
                json!(found),
                "{what}: {}",
                answer.text
            ),
            None => assert!(!answer.text.contains("BR-77"), "{what}: {}", answer.text),
        }
    }
    let refused = api
        .post(
            "/v1/search",
            Some("ana"),
            search(
                "fincen-cbetf",
                json!({"type": "broker_id", "value": "BR-77"}),
            ),
        )
        .await;
    assert_eq!(refused.body["rule"], "not-retrievable", "{}", refused.text);
    // An address finds records for staff to review, but the accounting given to an individual
    // is not found by it: a housemate's disclosures would be in it.
    let address = json!({"type": "address", "value": "14 elm st apt 3 trenton nj"});
    let for_individual = api
        .post(
            "/v1/accounting/search",
            Some("ice-privacy"),
            json!({"identifier": address, "for_individual": true}),
        )
        .await;
    // The kind is the document's; that it is not the individual's alone joins two fields: 422.
    assert_eq!(
        for_individual.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        for_individual.text
    );
    assert!(
        for_individual
            .text
            .contains("an address or an account may be another person's too"),
        "{}",
        for_individual.text
    );
    assert!(
        !for_individual.text.contains("elm"),
        "{}",
        for_individual.text
    );
    assert!(accounting(&api, "ice-privacy", address, false)
        .await
        .is_empty());
}

#[tokio::test]
async fn pnr_free_text_phases_and_the_deleted_record_file_through_the_gate() {
    let api = api();
    let lines = [
        pnr_line("ANNE LOW", "P1000001"),
        pnr_line("HUGO HIGH", "P1000002"),
        pnr_line("NOBODY READ", "P1000004").replace("ABC123", "DEF456"),
    ]
    .join("\n");
    let done = summary(&api.ingest("cbp-ingest", &lines, None).await);
    assert_eq!(done["ingested"], 3, "{done}");
    designate_high_risk(&api, "P1000002").await;
    // FinCEN's ingest account cannot load PNR.
    let refused = summary(
        &api.ingest("ingester", &pnr_line("X", "P1000003"), None)
            .await,
    );
    assert_eq!(refused["ingested"], 0, "{refused}");

    // Day 0, broad access: free text only for the subject CBP designated high risk.
    let low = api
        .post(
            "/v1/search",
            Some("cbp-analyst"),
            pnr_search("P1000001", "counterterrorism"),
        )
        .await;
    assert_eq!(low.status, StatusCode::OK, "{}", low.text);
    let record = &low.body["records"][0];
    assert!(record["fields"].get("osi").is_none(), "{record}");
    assert_eq!(record["withheld_fields"], json!(["general_remarks", "osi"]));
    assert_eq!(record["fields"]["record_locator"], "ABC123");
    let high = api
        .post(
            "/v1/search",
            Some("cbp-analyst"),
            pnr_search("P1000002", "counterterrorism"),
        )
        .await;
    assert_eq!(
        high.body["records"][0]["fields"]["osi"], "CTCE PASSENGER NOTE",
        "{}",
        high.text
    );
    let id = low.body["records"][0]["id"].as_str().unwrap().to_owned();
    let high_id = high.body["records"][0]["id"].as_str().unwrap().to_owned();
    // HUGO HIGH's record is linked to an enforcement case: it stays accessible.
    let link = api
        .post(
            "/v1/holds",
            Some("records"),
            json!({"records": [high_id], "reference": "ENF-2026-3", "reason": "linked to enforcement case ENF-2026-3", "kind": "governance", "purpose": "enforcement-link"}),
        )
        .await;
    assert_eq!(link.status, StatusCode::CREATED, "{}", link.text);
    // The third record is never read by a person: an audit search of the log finds its id.
    let unread = api
        .entries("action=ingest")
        .await
        .iter()
        .flat_map(|entry| entry["record_ids"].as_array().cloned().unwrap_or_default())
        .filter_map(|id| id.as_str().map(str::to_owned))
        .find(|candidate| *candidate != id && *candidate != high_id)
        .unwrap();

    // Day 8, limited access: the analyst's search withholds the record, and a read is denied.
    api.days_later.store(8, Ordering::SeqCst);
    let later = api
        .post(
            "/v1/search",
            Some("cbp-analyst"),
            pnr_search("P1000001", "counterterrorism"),
        )
        .await;
    assert_eq!(
        (
            later.body["found"].clone(),
            later.body["withheld"].clone(),
            later.body["records"].as_array().unwrap().len()
        ),
        (json!(1), json!(1), 0),
        "{}",
        later.text
    );
    let read = api
        .get(
            &format!("/v1/records/{id}?purpose=counterterrorism&case=PNR-1"),
            Some("cbp-analyst"),
        )
        .await;
    assert_eq!(
        (read.status, read.body["rule"].as_str()),
        (StatusCode::FORBIDDEN, Some("no-rule")),
        "{}",
        read.text
    );
    assert!(
        read.body["detail"]
            .as_str()
            .unwrap()
            .contains("phase `limited`"),
        "{}",
        read.text
    );

    // Four years on, the deleted record file: out of the indexes (internal affairs may not
    // even search it; the analyst's search finds nothing), read by id only by internal affairs.
    api.days_later.store(4 * 365, Ordering::SeqCst);
    let ia_search = api
        .post(
            "/v1/search",
            Some("cbp-ia"),
            pnr_search("P1000001", "audit"),
        )
        .await;
    assert_eq!(
        (ia_search.status, ia_search.body["rule"].as_str()),
        (StatusCode::FORBIDDEN, Some("no-rule"))
    );
    let gone = api
        .post(
            "/v1/search",
            Some("cbp-analyst"),
            pnr_search("P1000001", "counterterrorism"),
        )
        .await;
    assert_eq!(
        (gone.status, gone.body["found"].clone()),
        (StatusCode::OK, json!(0)),
        "{}",
        gone.text
    );
    let audit = api
        .get(
            &format!("/v1/records/{id}?purpose=audit&case=IA-7"),
            Some("cbp-ia"),
        )
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    assert_eq!(audit.body["subjects"][0]["name"], "ANNE LOW");
    let analyst = api
        .get(
            &format!("/v1/records/{id}?purpose=investigation&case=PNR-1"),
            Some("cbp-analyst"),
        )
        .await;
    assert_eq!(
        (analyst.status, analyst.body["rule"].as_str()),
        (StatusCode::FORBIDDEN, Some("no-rule")),
        "{}",
        analyst.text
    );
    assert!(
        analyst.body["detail"]
            .as_str()
            .unwrap()
            .contains("deleted-record-file"),
        "{}",
        analyst.text
    );
    let reads = api.entries(&format!("record={id}&action=read")).await;
    assert_eq!(
        reads.last().unwrap()["rule"],
        "cbp-pnr/internal-affairs/read"
    );
    // The record nobody read is past retention from 3.5 years: nobody may read it.
    let unread_read = api
        .get(
            &format!("/v1/records/{unread}?purpose=audit&case=IA-7"),
            Some("cbp-ia"),
        )
        .await;
    assert_eq!(
        unread_read.status,
        StatusCode::FORBIDDEN,
        "{}",
        unread_read.text
    );
    assert!(
        unread_read.text.contains("past-retention"),
        "{}",
        unread_read.text
    );
    // The linked record stays in its accessible phase: a CBP disclosure officer still reads it.
    let linked = api
        .get(
            &format!("/v1/records/{high_id}?purpose=investigation&case=ENF-2026-3"),
            Some("cbp-disclosure"),
        )
        .await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.text);

    // The run: the read record moves to the deleted record file, the unread one goes, the
    // linked one is kept by its hold.
    let run = api
        .post(
            "/v1/retention/run",
            Some("records"),
            json!({"confirm_clock": true}),
        )
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    let destroyed = &run.body["destroyed"][0];
    assert_eq!(
        (destroyed["records"].clone(), destroyed["deferred"].clone()),
        (json!(1), json!(1)),
        "{}",
        run.text
    );
    assert!(run.body["certificate"]["text"]
        .as_str()
        .unwrap()
        .contains("held: 1 kept by hold H-1 `ENF-2026-3`"));
    let audit = api
        .get(
            &format!("/v1/records/{id}?purpose=audit&case=IA-7"),
            Some("cbp-ia"),
        )
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    let linked = api
        .get(
            &format!("/v1/records/{high_id}?purpose=investigation&case=ENF-2026-3"),
            Some("cbp-disclosure"),
        )
        .await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.text);
    assert_eq!(
        api.vault
            .read(
                &Access::offline("tester", "testing"),
                &unread.parse().unwrap(),
                now()
            )
            .unwrap_err()
            .to_string(),
        format!("record `{unread}` not found")
    );
}

/// Files under `dir` holding any of `needles` (as bytes, any case the needle is given in).
fn files_holding(dir: &Path, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(
                std::fs::read_dir(&path)
                    .unwrap()
                    .map(|entry| entry.unwrap().path()),
            );
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for needle in needles {
            if bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
            {
                found.push(format!("{} in {}", needle, path.display()));
            }
        }
    }
    found
}

#[tokio::test]
async fn sensitive_pnr_codes_are_removed_at_intake_and_never_stored_or_returned() {
    let api = api();
    let line = pnr_line("SARA SENSITIVE", "P2000001").replace(
        "CTCE PASSENGER NOTE",
        "SSR MOML NN1 PAX PREGNANT 7 MONTHS SEAT 4A",
    );
    let needles = ["MOML", "PREGNANT"];
    // Positive control: the same scan finds them in the input as written.
    let control = tempfile::Builder::new()
        .prefix("vault-tests")
        .tempdir()
        .unwrap();
    std::fs::write(control.path().join("input.jsonl"), &line).unwrap();
    assert_eq!(files_holding(control.path(), &needles).len(), 2);

    let answer = api.ingest("cbp-ingest", &line, None).await;
    assert_eq!(summary(&answer)["ingested"], 1, "{}", answer.text);
    designate_high_risk(&api, "P2000001").await;
    let found = api
        .post(
            "/v1/search",
            Some("cbp-analyst"),
            pnr_search("P2000001", "counterterrorism"),
        )
        .await;
    // The subject is designated high risk, so the analyst sees the free text: what is left of it.
    assert_eq!(
        found.body["records"][0]["fields"]["osi"], "SSR NN1 PAX 7 MONTHS SEAT 4A",
        "{}",
        found.text
    );
    for response in [&answer.text, &found.text] {
        for needle in needles {
            assert!(
                !response.contains(needle),
                "`{needle}` in a response: {response}"
            );
        }
    }
    vault::testing::flush_and_compact(&api.vault).unwrap();
    assert_eq!(files_holding(&api.data_dir, &needles), Vec::<String>::new());
}

#[tokio::test]
async fn annotations_are_appended_by_the_privacy_office_and_shown_with_every_read() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let found = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    let uri = format!("/v1/records/{id}/annotations");
    let dispute = json!({"kind": "dispute", "portions": ["fields.amount"], "text": "The subject says the amount was 150.00", "purpose": "privacy-act-request"});
    // An analyst may not annotate; the privacy office may, for a Privacy Act request.
    let refused = api.post(&uri, Some("ana"), dispute.clone()).await;
    assert_eq!(
        (refused.status, refused.body["rule"].as_str()),
        (StatusCode::FORBIDDEN, Some("no-rule")),
        "{}",
        refused.text
    );
    let made = api.post(&uri, Some("privacy"), dispute).await;
    assert_eq!(
        (made.status, made.body["seq"].clone()),
        (StatusCode::CREATED, json!(1)),
        "{}",
        made.text
    );
    let correction = json!({"kind": "correction", "portions": ["fields.amount"], "text": "150.00", "purpose": "privacy-act-request"});
    assert_eq!(
        api.post(&uri, Some("privacy"), correction).await.status,
        StatusCode::CREATED
    );
    let bad = api.post(&uri, Some("privacy"), json!({"kind": "rumour", "portions": ["record"], "text": "x", "purpose": "privacy-act-request"})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // The text's limit: the schema counts 16,384 characters, the vault 16 KiB of UTF-8. Text
    // the schema allows but past the vault's bytes is 422; past the schema's characters, 400.
    // The 422 comes after every 400 and the policy's 403: a blank text (U+3000), an unknown
    // kind or a bad portion is 400, an analyst's 403, whatever the text's length.
    let wide = "é".repeat(8_193);
    for (who, kind, portion, text, status) in [
        (
            "privacy",
            "dispute",
            "record",
            "é".repeat(16_384),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "privacy",
            "dispute",
            "record",
            "e".repeat(16_385),
            StatusCode::BAD_REQUEST,
        ),
        (
            "privacy",
            "dispute",
            "record",
            wide.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "privacy",
            "dispute",
            "record",
            "   ".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "privacy",
            "dispute",
            "record",
            "\u{3000}".repeat(16_384),
            StatusCode::BAD_REQUEST,
        ),
        (
            "privacy",
            "rumour",
            "record",
            wide.clone(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "privacy",
            "dispute",
            "subject..name",
            wide.clone(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "ana",
            "dispute",
            "record",
            wide.clone(),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let refused = api
            .post(
                &uri,
                Some(who),
                json!({"kind": kind, "portions": [portion], "text": text, "purpose": "privacy-act-request"}),
            )
            .await;
        assert_eq!(
            refused.status,
            status,
            "{} characters: {}",
            text.chars().count(),
            refused.text
        );
    }

    // The original is unchanged, and every read shows the annotations and the disputed portion.
    let read = api
        .get(
            &format!("/v1/records/{id}?purpose=investigation&case=C-2"),
            Some("ana"),
        )
        .await;
    assert_eq!(read.body["fields"]["amount"], "1500.00");
    assert_eq!(read.body["disputed"], json!(["fields.amount"]));
    let kinds: Vec<&str> = read.body["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["dispute", "correction"]);
    assert_eq!(read.body["annotations"][1]["author"], "privacy");
    let searched = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    assert_eq!(
        searched.body["records"][0]["disputed"],
        json!(["fields.amount"])
    );
    let logged = api.entries(&format!("record={id}&action=annotate")).await;
    assert_eq!(logged.len(), 2);
    assert!(!logged
        .iter()
        .any(|entry| entry.to_string().contains("150.00")));
    // A record with only a correction shows `disputed`, empty; one without annotations none.
    summary(
        &api.ingest("ingester", &line("JANE Q PUBLIC", "123-45-6790", 4), None)
            .await,
    );
    // Case ids take the whole reference grammar, `_` and `.` too (the log once took only
    // dashes, and answered 400 to a case the policy allowed).
    let mut search = search_body("123-45-6790");
    search["case"] = json!("TTU_2026.1");
    let found = api.post("/v1/search", Some("ana"), search).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let other = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    assert!(found.body["records"][0].get("disputed").is_none());
    let correction = json!({"kind": "correction", "portions": ["fields.amount"], "text": "15.00", "purpose": "privacy-act-request"});
    let made = api
        .post(
            &format!("/v1/records/{other}/annotations"),
            Some("privacy"),
            correction,
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let read = api
        .get(
            &format!("/v1/records/{other}?purpose=investigation&case=C_2.x"),
            Some("ana"),
        )
        .await;
    assert_eq!(read.body["disputed"], json!([]), "{}", read.text);
    // The longest text in bytes is taken.
    let longest = json!({"kind": "dispute", "portions": ["record"], "text": "é".repeat(8_192), "purpose": "privacy-act-request"});
    assert_eq!(
        api.post(&uri, Some("privacy"), longest).await.status,
        StatusCode::CREATED
    );
}

fn release(records: &[&str], category: &str, purpose: &str, basis: Value, attested: bool) -> Value {
    json!({
        "records": records,
        "recipient": {"name": "Office of the State Prosecutor", "address": "1 Justice Way", "category": category},
        "purpose": purpose, "case": "DISC-1", "basis": basis, "accuracy_attested": attested
    })
}

async fn accounting(api: &Api, who: &str, identifier: Value, for_individual: bool) -> Vec<Value> {
    let answer = api
        .post(
            "/v1/accounting/search",
            Some(who),
            json!({"identifier": identifier, "for_individual": for_individual}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn disclosures_need_a_basis_and_write_exactly_one_accounting_entry_per_record() {
    let api = api();
    summary(
        &api.ingest(
            "ingester",
            &[
                line("JOHN Q PUBLIC", "123-45-6789", 3),
                line("JANE ROE", "987-65-4321", 4),
            ]
            .join("\n"),
            None,
        )
        .await,
    );
    let found = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    let ids = [id.as_str()];
    // A routine-use release to a federal agency, with one field set to `value`.
    let federal_with = |records: &[&str], field: &str, value: Value| {
        let mut body = release(
            records,
            "federal-agency",
            "investigation",
            json!({"routine_use": "A"}),
            true,
        );
        body[field] = value;
        body
    };
    let b7 = json!({"condition": "b7", "evidence": "letter-2026-17", "agency_head_request": true, "signer": "Director", "agency": "State Police", "dated": "2026-11-20", "portion": ["fields.amount"], "activity": "structuring investigation"});
    // The status and problem of each kind of refusal; the gate's own table
    // (`gate::tests::disclosures_are_decided_by_role_then_form_then_basis`) has every rule.
    // (what, who, body, status, rule)
    let refusals: Vec<(&str, &str, Value, StatusCode, &str)> = vec![
        (
            "no basis",
            "disclosure",
            release(&ids, "state-agency", "investigation", json!({}), true),
            StatusCode::FORBIDDEN,
            "basis-missing",
        ),
        (
            "a case that is not a case id (an SSN typed into it), where none is needed",
            "disclosure",
            federal_with(&ids, "case", json!("987-65-4321")),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "a malformed record id beside a search: the field's form (400) before the rule joining the two (422)",
            "disclosure",
            federal_with(
                &["not-a-record-id"],
                "search",
                json!({"system": "fincen-cbetf", "identifier": {"type": "ssn", "value": "123-45-6789"}}),
            ),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "an empty case",
            "disclosure",
            federal_with(&ids, "case", json!("")),
            StatusCode::BAD_REQUEST,
            "",
        ),
    ];
    for (what, who, body, status, rule) in refusals {
        let answer = api.post("/v1/disclosures", Some(who), body).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.text);
        assert!(!answer.text.contains("987-65"), "{what}: {}", answer.text);
        if !rule.is_empty() {
            assert_eq!(answer.body["rule"], rule, "{what}: {}", answer.text);
        }
    }
    assert!(
        accounting(
            &api,
            "privacy",
            json!({"type": "ssn", "value": "123-45-6789"}),
            false
        )
        .await
        .is_empty(),
        "nothing refused was accounted"
    );

    // A routine use: the package, and one entry per record.
    let released = api
        .post(
            "/v1/disclosures",
            Some("disclosure"),
            release(
                &ids,
                "state-agency",
                "investigation",
                json!({"routine_use": "A"}),
                true,
            ),
        )
        .await;
    assert_eq!(released.status, StatusCode::CREATED, "{}", released.text);
    assert_eq!(
        released.body["records"][0]["subjects"][0]["name"],
        "JOHN Q PUBLIC"
    );
    let package = released.body["package"].as_str().unwrap().to_owned();
    // (b)(7): only the portion goes out.
    let seven = api
        .post(
            "/v1/disclosures",
            Some("disclosure"),
            release(&ids, "state-agency", "investigation", b7, true),
        )
        .await;
    assert_eq!(seven.status, StatusCode::CREATED, "{}", seven.text);
    let record = &seven.body["records"][0];
    assert_eq!(record["fields"], json!({"amount": "1500.00"}), "{record}");
    assert!(
        record["subjects"][0].get("name").is_none()
            && record["subjects"][0]["identifiers"] == json!({}),
        "{record}"
    );

    let entries = accounting(
        &api,
        "privacy",
        json!({"type": "ssn", "value": "123456789"}),
        false,
    )
    .await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(
        (entries[0]["package"].as_str(), entries[0]["basis"].as_str()),
        (Some(package.as_str()), Some("routine use A"))
    );
    assert_eq!(entries[0]["recipient"]["address"], "1 Justice Way");
    assert_eq!(entries[1]["withheld_from_individual"], true);
    // CBETF is exempt from 552a(c)(3) (ours, after FinCEN's Data Base): the individual is told nothing.
    assert!(accounting(
        &api,
        "privacy",
        json!({"type": "ssn", "value": "123-45-6789"}),
        true
    )
    .await
    .is_empty());
    assert!(accounting(
        &api,
        "privacy",
        json!({"type": "ssn", "value": "987-65-4321"}),
        false
    )
    .await
    .is_empty());
    // An analyst cannot search the accounting.
    let refused = api
        .post(
            "/v1/accounting/search",
            Some("ana"),
            json!({"identifier": {"type": "ssn", "value": "123-45-6789"}}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let logged = api.entries("action=disclose").await;
    assert_eq!(logged.len(), 2);
    assert!(
        !logged
            .iter()
            .any(|entry| entry.to_string().contains("Justice")),
        "recipients are in the accounting, not the log"
    );
}

#[tokio::test]
async fn a_pnr_release_to_a_designated_authority_is_accounted_and_shown_to_the_individual() {
    let api = api();
    summary(
        &api.ingest("cbp-ingest", &pnr_line("ANNE LOW", "P3000001"), None)
            .await,
    );
    let found = api
        .post(
            "/v1/search",
            Some("cbp-analyst"),
            pnr_search("P3000001", "counterterrorism"),
        )
        .await;
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    let body = |basis: Value| {
        json!({"records": [id], "recipient": {"name": "Bundeskriminalamt", "address": "Wiesbaden", "category": "foreign-agency"},
               "purpose": "counterterrorism", "basis": basis, "accuracy_attested": true})
    };
    let unregistered = api
        .post(
            "/v1/disclosures",
            Some("cbp-disclosure"),
            body(json!({"designated_authority": "Bundeskriminalamt", "statute": "18 U.S.C. 2339B", "violation": "a booking paid by a listed entity"})),
        )
        .await;
    assert_eq!(
        unregistered.body["rule"], "designated-authority-unregistered",
        "{}",
        unregistered.text
    );
    register(&api, "Bundeskriminalamt", true).await;
    let lettered = api
        .post(
            "/v1/disclosures",
            Some("cbp-disclosure"),
            body(json!({"routine_use": "A"})),
        )
        .await;
    assert_eq!(
        lettered.body["rule"], "pnr-path-required",
        "PNR has no lettered routine uses"
    );
    let released = api
        .post(
            "/v1/disclosures",
            Some("cbp-disclosure"),
            body(json!({"designated_authority": "Bundeskriminalamt", "statute": "18 U.S.C. 2339B", "violation": "a booking paid by a listed entity"})),
        )
        .await;
    assert_eq!(released.status, StatusCode::CREATED, "{}", released.text);
    assert_eq!(
        released.body["conditions"].as_array().unwrap().len(),
        6,
        "the Undertakings' conditions (paragraphs 31 and 32) travel with the package"
    );
    // Free text of a subject not flagged high risk does not travel either.
    assert!(released.body["records"][0]["fields"].get("osi").is_none());
    // An authority that broke its conditions is made ineligible: releases to it are refused.
    register(&api, "Bundeskriminalamt", false).await;
    let refused = api
        .post(
            "/v1/disclosures",
            Some("cbp-disclosure"),
            body(json!({"designated_authority": "Bundeskriminalamt", "statute": "18 U.S.C. 2339B", "violation": "a booking paid by a listed entity"})),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body["rule"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("designated-authority-ineligible")
        ),
        "{}",
        refused.text
    );
    assert!(
        !refused.text.contains("further dissemination"),
        "the registered reason is typed text, never echoed: {}",
        refused.text
    );
    let mine = accounting(
        &api,
        "privacy",
        json!({"type": "passport", "value": "P3000001", "country": "FR"}),
        true,
    )
    .await;
    assert_eq!(mine.len(), 1, "PNR claims no exemption from (c)(3)");
    // The individual sees date, nature, purpose and recipient (552a(c)(1)), not the basis.
    assert_eq!(mine[0]["recipient"]["name"], "Bundeskriminalamt");
    assert!(mine[0].get("basis").is_none(), "{}", mine[0]);
}

#[tokio::test]
async fn a_release_whose_batch_cannot_be_written_leaves_neither_release_nor_accounting() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let found = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    // The accounting year's key exists from an earlier release, so only the release's batch is at stake.
    let first = api
        .post(
            "/v1/disclosures",
            Some("disclosure"),
            release(
                &[&id],
                "federal-agency",
                "investigation",
                json!({"routine_use": "A"}),
                false,
            ),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    api.fail_writes.store(true, Ordering::SeqCst);
    let failed = api
        .post(
            "/v1/disclosures",
            Some("disclosure"),
            release(
                &[&id],
                "federal-agency",
                "investigation",
                json!({"routine_use": "A"}),
                false,
            ),
        )
        .await;
    api.fail_writes.store(false, Ordering::SeqCst);
    assert_eq!(
        failed.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        failed.text
    );
    assert!(
        failed.body.get("records").is_none(),
        "nothing released: {}",
        failed.text
    );
    assert_eq!(
        accounting(
            &api,
            "privacy",
            json!({"type": "ssn", "value": "123-45-6789"}),
            false
        )
        .await
        .len(),
        1
    );
}

#[tokio::test]
async fn a_rectification_notifies_prior_recipients_unless_the_system_is_exempt() {
    let api = api();
    summary(
        &api.ingest("cbp-ingest", &pnr_line("ANNE LOW", "P4000001"), None)
            .await,
    );
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let pnr = api
        .post(
            "/v1/search",
            Some("cbp-analyst"),
            pnr_search("P4000001", "counterterrorism"),
        )
        .await;
    let pnr_id = pnr.body["records"][0]["id"].as_str().unwrap().to_owned();
    let cbetf = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    let cbetf_id = cbetf.body["records"][0]["id"].as_str().unwrap().to_owned();
    // The PNR goes to two designated authorities; the CBETF record to a federal agency.
    for authority in ["Bundeskriminalamt", "Koninklijke Marechaussee"] {
        register(&api, authority, true).await;
        let body = json!({"records": [pnr_id], "recipient": {"name": authority, "address": "EU", "category": "foreign-agency"},
                          "purpose": "counterterrorism", "basis": {"designated_authority": authority, "statute": "18 U.S.C. 2339B", "violation": "a booking paid by a listed entity"}, "accuracy_attested": true});
        assert_eq!(
            api.post("/v1/disclosures", Some("cbp-disclosure"), body)
                .await
                .status,
            StatusCode::CREATED
        );
    }
    let released = api
        .post(
            "/v1/disclosures",
            Some("disclosure"),
            release(
                &[&cbetf_id],
                "federal-agency",
                "investigation",
                json!({"routine_use": "A"}),
                false,
            ),
        )
        .await;
    assert_eq!(released.status, StatusCode::CREATED, "{}", released.text);

    // A granted rectification of the PNR: a notice to each designated authority.
    let correction = json!({"kind": "correction", "portions": ["fields.record_locator"], "text": "ABC124", "purpose": "privacy-act-request"});
    let made = api
        .post(
            &format!("/v1/records/{pnr_id}/annotations"),
            Some("cbp-privacy"),
            correction.clone(),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    // A correction in CBETF, exempt from notices (552a(c)(4) under (j)(2)): none.
    let made = api
        .post(
            &format!("/v1/records/{cbetf_id}/annotations"),
            Some("privacy"),
            correction,
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);

    let listed = api.get("/v1/notices", Some("privacy")).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let notices = listed.body["notices"].as_array().unwrap().clone();
    let mut recipients: Vec<&str> = notices
        .iter()
        .map(|n| n["recipient"]["name"].as_str().unwrap())
        .collect();
    recipients.sort_unstable();
    assert_eq!(
        recipients,
        ["Bundeskriminalamt", "Koninklijke Marechaussee"]
    );
    assert!(notices
        .iter()
        .all(|n| n["record"] == pnr_id.as_str() && n["sent"].is_null()));
    // Tracked until sent.
    let id = notices[0]["id"].as_str().unwrap();
    assert_eq!(
        api.post(
            &format!("/v1/notices/{id}/sent"),
            Some("privacy"),
            json!({})
        )
        .await
        .status,
        StatusCode::OK
    );
    let again = api
        .post(
            &format!("/v1/notices/{id}/sent"),
            Some("privacy"),
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let after = api.get("/v1/notices", Some("privacy")).await;
    let pending = after.body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["sent"].is_null())
        .count();
    assert_eq!(pending, 1);
}

async fn register(api: &Api, name: &str, eligible: bool) {
    let answer = api
        .post(
            "/v1/designated-authorities",
            Some("cbp-disclosure"),
            json!({"system": "cbp-pnr", "name": name, "address": "EU", "eligible": eligible,
                   "reason": if eligible { "" } else { "further dissemination without CBP's authorization" }}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

#[tokio::test]
async fn a_disclosure_made_outside_the_vault_is_entered_by_hand_with_the_same_checks() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let found = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    let mut body = release(
        &[&id],
        "federal-agency",
        "investigation",
        json!({"routine_use": "A"}),
        false,
    );
    body["nature"] = json!("oral");
    let entered = api
        .post("/v1/disclosures", Some("disclosure"), body.clone())
        .await;
    assert_eq!(entered.status, StatusCode::CREATED, "{}", entered.text);
    assert_eq!(
        entered.body["records"],
        json!([]),
        "nothing is released through the vault"
    );
    let entries = accounting(
        &api,
        "privacy",
        json!({"type": "ssn", "value": "123-45-6789"}),
        false,
    )
    .await;
    assert_eq!(
        (entries.len(), entries[0]["nature"].as_str()),
        (1, Some("oral"))
    );
    // The same basis checks apply.
    body["basis"] = json!({"routine_use": "Z"});
    let refused = api
        .post("/v1/disclosures", Some("disclosure"), body.clone())
        .await;
    assert_eq!(refused.body["rule"], "routine-use-unknown");
    body["nature"] = json!("telepathic");
    assert_eq!(
        api.post("/v1/disclosures", Some("disclosure"), body)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_foreign_partner_search_releases_only_its_fields_and_accounts_every_result() {
    let api = api();
    let trade = json!({
        "system": "dhs-ice-005-ttar", "category": "trade-financial", "collected_at": "2026-05-02",
        "source": {"entry_number": "E-1", "system": "cbp-trade"},
        "subjects": [{"role": "importer", "name": "MARIA OKAFOR", "identifiers": {"importer_exporter_id": "12-3456789", "ssn": "321-54-9876"}}],
        "fields": {"goods_description": "GOLD JEWELRY", "goods_value": "250000.00", "country_of_origin": "CO", "business_information": "CASH PAYMENT"}
    });
    let done = summary(&api.ingest("ice-ingest", &trade.to_string(), None).await);
    assert_eq!(done["ingested"], 1, "{done}");
    let search = json!({"system": "dhs-ice-005-ttar", "identifier": {"type": "importer_exporter_id", "value": "12-3456789"}, "purpose": "foreign-partner-sharing", "case": "TTU-9"});
    // Directly, the partner is refused; as a partner, it gets the projection.
    let direct = api
        .post("/v1/search", Some("partner"), search.clone())
        .await;
    assert_eq!(direct.body["rule"], "not-direct-access");
    let found = api
        .post("/v1/partner/search", Some("partner"), search.clone())
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let record = &found.body["records"][0];
    assert_eq!(record["subjects"][0]["name"], "MARIA OKAFOR");
    assert_eq!(
        record["subjects"][0]["identifiers"],
        json!({"importer_exporter_id": "12-3456789"})
    );
    assert_eq!(
        record["fields"],
        json!({"country_of_origin": "CO", "goods_description": "GOLD JEWELRY", "goods_value": "250000.00"})
    );
    assert!(
        !found.text.contains("321-54-9876") && !found.text.contains("CASH"),
        "{}",
        found.text
    );
    // Every result is a disclosure under routine use K, in the accounting.
    let entries = accounting(
        &api,
        "privacy",
        json!({"type": "importer_exporter_id", "value": "12-3456789"}),
        false,
    )
    .await;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (
            entries[0]["basis"].as_str(),
            entries[0]["recipient"]["category"].as_str()
        ),
        (Some("routine use K"), Some("foreign-agency"))
    );
    // For a purpose routine use K does not serve, or by a role without a projection: refused.
    let mut other = search.clone();
    other["purpose"] = json!("investigation");
    let refused = api.post("/v1/partner/search", Some("partner"), other).await;
    assert_eq!(
        refused.body["rule"], "routine-use-purpose",
        "{}",
        refused.text
    );
    let analyst = api.post("/v1/partner/search", Some("ana"), search).await;
    assert_eq!(
        analyst.body["rule"], "no-partner-access",
        "{}",
        analyst.text
    );
}

#[tokio::test]
async fn court_order_releases_open_a_notice_to_the_individual_unless_the_system_is_exempt() {
    let api = api();
    summary(
        &api.ingest("cbp-ingest", &pnr_line("ANNE LOW", "P5000001"), None)
            .await,
    );
    let found = api
        .post(
            "/v1/search",
            Some("cbp-analyst"),
            pnr_search("P5000001", "counterterrorism"),
        )
        .await;
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    let body = json!({"records": [id], "recipient": {"name": "US District Court", "address": "Courthouse", "category": "court"},
                      "purpose": "counterterrorism", "basis": {"legal_proceedings": true, "evidence": "order-2026-55", "proceeding": "United States v. Doe, 1:26-cr-00042"}, "accuracy_attested": true});
    let released = api
        .post("/v1/disclosures", Some("cbp-disclosure"), body)
        .await;
    assert_eq!(released.status, StatusCode::CREATED, "{}", released.text);
    // 5 working days after 2026-11-24, Thanksgiving skipped.
    assert_eq!(
        released.body["notice"]["due"], "2026-12-02",
        "{}",
        released.text
    );
    let listed = api.get("/v1/notices", Some("privacy")).await;
    let notices = listed.body["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1, "{}", listed.text);
    assert_eq!(
        (
            notices[0]["due"].as_str(),
            notices[0]["recipient"]["category"].as_str()
        ),
        (Some("2026-12-02"), Some("individual"))
    );
    assert!(notices[0]["sent"].is_null());
}

#[tokio::test]
async fn due_years_of_the_accounting_are_destroyed_with_a_signed_certificate() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let found = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    let released = api
        .post(
            "/v1/disclosures",
            Some("disclosure"),
            release(
                &[&id],
                "federal-agency",
                "investigation",
                json!({"routine_use": "A"}),
                false,
            ),
        )
        .await;
    assert_eq!(released.status, StatusCode::CREATED);
    let entries = accounting(
        &api,
        "auditor",
        json!({"type": "ssn", "value": "123-45-6789"}),
        false,
    )
    .await;
    // Five years after the disclosure (2031-11-24) outlasts the record (2031-03-03): kept until 2032.
    assert_eq!(entries[0]["kept_until_year"], 2032);
    let early = api
        .post("/v1/accounting/expire", Some("records"), json!({}))
        .await;
    assert_eq!(early.body["certificates"], json!([]), "{}", early.text);
    assert_eq!(
        api.post("/v1/accounting/expire", Some("ana"), json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let to_2032 = (Utc.with_ymd_and_hms(2032, 1, 2, 12, 0, 0).unwrap() - now()).num_days();
    api.days_later.store(to_2032, Ordering::SeqCst);
    let expired = api
        .post("/v1/accounting/expire", Some("records"), json!({}))
        .await;
    assert_eq!(expired.status, StatusCode::OK, "{}", expired.text);
    let certificate = &expired.body["certificates"][0];
    // No retention run destroyed the record: it still lives, so its entry moves on a year
    // (1.25(a)(2), "the life of the record, whichever is longer").
    assert_eq!(
        (certificate["year"].clone(), certificate["entries"].clone()),
        (json!(2032), json!(0))
    );
    assert!(certificate["text"]
        .as_str()
        .unwrap()
        .contains("31 CFR 1.25(a)(2)"));
    let carried = accounting(
        &api,
        "auditor",
        json!({"type": "ssn", "value": "123-45-6789"}),
        false,
    )
    .await;
    assert_eq!(carried[0]["kept_until_year"], 2033);
    // The record destroyed (its cohort's key gone), the entry goes with the next year due.
    let record_cohort = api
        .vault
        .key_status()
        .unwrap()
        .cohorts
        .iter()
        .find(|info| info.is_live() && matches!(info.kind, vault::CohortKind::Period { .. }))
        .unwrap()
        .id;
    api.vault
        .destroy_cohort(
            &Access::offline("tester", "retention"),
            record_cohort,
            now(),
        )
        .unwrap();
    // (The officers' training has lapsed by 2033: the vault's own expiry, as the scheduler.)
    let in_2033 = Utc.with_ymd_and_hms(2033, 1, 2, 12, 0, 0).unwrap();
    let certificates = api
        .vault
        .expire_accounting(&Access::offline("tester", "retention"), in_2033)
        .unwrap();
    assert_eq!((certificates[0].year, certificates[0].entries), (2033, 1));
    assert!(accounting(
        &api,
        "auditor",
        json!({"type": "ssn", "value": "123-45-6789"}),
        false
    )
    .await
    .is_empty());
}

#[tokio::test]
async fn a_disclosure_can_name_its_records_by_a_search() {
    let api = api();
    summary(
        &api.ingest(
            "ingester",
            &[
                line("JOHN Q PUBLIC", "123-45-6789", 3),
                line("JOHN Q PUBLIC", "123-45-6789", 4),
            ]
            .join("\n"),
            None,
        )
        .await,
    );
    let mut body = release(
        &[],
        "federal-agency",
        "investigation",
        json!({"routine_use": "A"}),
        false,
    );
    body["search"] =
        json!({"system": "fincen-cbetf", "identifier": {"type": "ssn", "value": "123-45-6789"}});
    let released = api
        .post("/v1/disclosures", Some("disclosure"), body.clone())
        .await;
    assert_eq!(released.status, StatusCode::CREATED, "{}", released.text);
    assert_eq!(released.body["records"].as_array().unwrap().len(), 2);
    assert_eq!(
        accounting(
            &api,
            "privacy",
            json!({"type": "ssn", "value": "123-45-6789"}),
            false
        )
        .await
        .len(),
        2
    );
    body["search"]["identifier"]["value"] = json!("999-99-9999");
    assert_eq!(
        api.post("/v1/disclosures", Some("disclosure"), body.clone())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Records and a search joins two fields the document cannot: 422.
    body["records"] = json!(["0001-019b76daa800-00000001-00000000"]);
    assert_eq!(
        api.post("/v1/disclosures", Some("disclosure"), body)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ids or a search, not both"
    );
}

#[tokio::test]
async fn retention_plans_runs_and_certifies_through_the_api() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    // Planning ahead changes nothing.
    let plan = api
        .post(
            "/v1/retention/plan",
            Some("records"),
            json!({"as_of": "2031-04-01"}),
        )
        .await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.text);
    assert_eq!(
        plan.body["due"].as_array().unwrap().len(),
        1,
        "{}",
        plan.text
    );
    assert_eq!(
        (
            plan.body["due"][0]["system"].as_str(),
            plan.body["due"][0]["destroy"].as_bool()
        ),
        (Some("fincen-cbetf"), Some(true))
    );
    // Today nothing is due; the run records today as the trusted time.
    let today = api
        .post("/v1/retention/run", Some("records"), json!({}))
        .await;
    assert_eq!(
        (
            today.status,
            today.body["destroyed"].as_array().map(Vec::len)
        ),
        (StatusCode::OK, Some(0)),
        "{}",
        today.text
    );
    assert_eq!(
        api.post("/v1/retention/run", Some("ana"), json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Years later: the jump needs a confirmation, then the cohort goes with a certificate.
    let to_2031 = (Utc.with_ymd_and_hms(2031, 4, 1, 12, 0, 0).unwrap() - now()).num_days();
    api.days_later.store(to_2031, Ordering::SeqCst);
    let jumped = api
        .post("/v1/retention/run", Some("records"), json!({}))
        .await;
    assert_eq!(jumped.status, StatusCode::CONFLICT, "{}", jumped.text);
    assert!(
        jumped.body["detail"]
            .as_str()
            .unwrap()
            .contains("jumped forward"),
        "{}",
        jumped.text
    );
    let run = api
        .post(
            "/v1/retention/run",
            Some("records"),
            json!({"confirm_clock": true}),
        )
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    assert_eq!(run.body["destroyed"][0]["records"], 1, "{}", run.text);
    assert!(run.body["certificate"]["text"]
        .as_str()
        .unwrap()
        .contains("disposition certificate"));
    // The clock set back is refused.
    api.days_later.store(to_2031 - 30, Ordering::SeqCst);
    let behind = api
        .post(
            "/v1/retention/run",
            Some("records"),
            json!({"confirm_clock": true}),
        )
        .await;
    assert_eq!(behind.status, StatusCode::CONFLICT, "{}", behind.text);
    let certificates = api.get("/v1/retention/certificates", Some("auditor")).await;
    assert_eq!(
        certificates.body["certificates"].as_array().unwrap().len(),
        1,
        "{}",
        certificates.text
    );
}

#[tokio::test]
async fn the_scheduled_run_destroys_what_is_due_as_the_scheduler_and_stops_at_a_clock_jump() {
    let api = api();
    // One record of March 2026 and one of April (their monthly cohorts end a month apart).
    let april = line("JANE ROE", "987-65-4321", 3).replace("2026-03-03", "2026-04-03");
    summary(
        &api.ingest(
            "ingester",
            &[line("JOHN Q PUBLIC", "123-45-6789", 3), april].join("\n"),
            None,
        )
        .await,
    );
    let gate = Arc::clone(&api.gate);
    let first = tokio::task::spawn_blocking(move || gate.scheduled_retention_run())
        .await
        .unwrap()
        .unwrap();
    assert!(first.destroyed.is_empty());
    // Years later, the daily run does not accept the jump on its own.
    let to_2031 = (Utc.with_ymd_and_hms(2031, 4, 2, 12, 0, 0).unwrap() - now()).num_days();
    api.days_later.store(to_2031, Ordering::SeqCst);
    let gate = Arc::clone(&api.gate);
    let refused = tokio::task::spawn_blocking(move || gate.scheduled_retention_run())
        .await
        .unwrap();
    assert!(refused.unwrap_err().contains("jumped forward"));
    // A records officer confirms; the next daily run (a day later) goes on by itself.
    let confirmed = api
        .post(
            "/v1/retention/run",
            Some("records"),
            json!({"confirm_clock": true}),
        )
        .await;
    assert_eq!(
        confirmed.body["destroyed"].as_array().unwrap().len(),
        1,
        "{}",
        confirmed.text
    );
    api.days_later.store(to_2031 + 1, Ordering::SeqCst);
    let gate = Arc::clone(&api.gate);
    let next = tokio::task::spawn_blocking(move || gate.scheduled_retention_run())
        .await
        .unwrap()
        .unwrap();
    assert!(next.destroyed.is_empty());
    // The server's limit on one run binds the scheduled run too: with it at 0, the day the
    // April cohort is due, the daily run stops for a second approval and destroys nothing.
    api.gate.set_max_run_records(0);
    let mut stopped = None;
    for day in 2..=40 {
        api.days_later.store(to_2031 + day, Ordering::SeqCst);
        let gate = Arc::clone(&api.gate);
        let run = tokio::task::spawn_blocking(move || gate.scheduled_retention_run())
            .await
            .unwrap();
        match run {
            Ok(report) => assert!(report.destroyed.is_empty(), "day {day}: {report:?}"),
            Err(reason) => {
                stopped = Some(reason);
                break;
            }
        }
    }
    let stopped = stopped.expect("the daily run never met the limit");
    assert!(
        stopped.contains("second approval") || stopped.contains("approval"),
        "{stopped}"
    );
    // A records officer's run is refused the same way, and the refusal is logged.
    let refused = api
        .post("/v1/retention/run", Some("records"), json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    let logged = api.entries("action=retention.run").await;
    assert!(
        logged
            .iter()
            .any(|entry| entry["request_id"] == refused.request_id.as_str()
                && entry["decision"] == "deny"
                && entry["rule"] == "second-approval-missing"),
        "{logged:?}"
    );
}

#[tokio::test]
async fn a_partner_searches_only_by_what_the_notice_retrieves_by() {
    let api = api();
    let search = json!({"system": "dhs-ice-005-ttar", "identifier": {"type": "dob", "value": "1970-01-01"}, "purpose": "foreign-partner-sharing", "case": "TTU-9"});
    let refused = api
        .post("/v1/partner/search", Some("partner"), search)
        .await;
    assert_eq!(
        (refused.status, refused.body["rule"].as_str()),
        (StatusCode::FORBIDDEN, Some("not-retrievable")),
        "{}",
        refused.text
    );
}

/// Hold requests at the API boundary: (who, body, status, a fragment of the answer).
#[rustfmt::skip]
fn hold_requests(id: &str) -> Vec<(&'static str, Value, StatusCode, &'static str)> {
    vec![
        ("ana", json!({"records": [id], "reference": "LIT-1", "reason": "suit", "kind": "governance"}), StatusCode::FORBIDDEN, "holds.place"),
        ("records", json!({"records": [id], "reference": "LIT-1", "reason": "suit", "kind": "compliance"}), StatusCode::UNPROCESSABLE_ENTITY, "needs a retain-until date"),
        ("records", json!({"records": [id], "reference": "LIT-1", "reason": "suit", "kind": "forever"}), StatusCode::BAD_REQUEST, "kinds are governance, compliance"),
        ("records", json!({"records": [id], "reference": "LIT-1", "reason": "suit", "kind": "governance", "purpose": "spite"}), StatusCode::BAD_REQUEST, "unknown hold purpose"),
        ("records", json!({"reference": "LIT-1", "reason": "suit", "kind": "governance"}), StatusCode::UNPROCESSABLE_ENTITY, "exactly one"),
        ("records", json!({"records": [id], "subject": {"type": "ssn", "value": "123-45-6789"}, "reference": "LIT-1", "reason": "suit", "kind": "governance"}), StatusCode::UNPROCESSABLE_ENTITY, "exactly one"),
        ("records", json!({"subject": {"type": "name", "value": "JOHN Q PUBLIC"}, "reference": "LIT-1", "reason": "suit", "kind": "governance"}), StatusCode::BAD_REQUEST, "not a name"),
        ("records", json!({"records": [id], "reference": "JOHN Q PUBLIC", "reason": "suit", "kind": "governance"}), StatusCode::BAD_REQUEST, "a hold reference must be"),
        ("records", json!({"records": [id], "reference": "LIT-2", "reason": "suit", "kind": "compliance", "until": "2020-01-01"}), StatusCode::UNPROCESSABLE_ENTITY, "must be in the future"),
        // A body that breaks the document is refused 400 before a rule joining fields (422).
        ("records", json!({"records": ["x"], "reference": "LIT-2", "reason": "suit", "kind": "compliance"}), StatusCode::BAD_REQUEST, "record id must look like"),
        ("records", json!({"records": [id], "reference": "LIT-2", "reason": "suit", "kind": "compliance", "until": "2027-06-01"}), StatusCode::CREATED, "\"id\":\"H-1\""),
        // `null` is an optional field left out, as the document's nullable fields say.
        ("records", json!({"records": [id], "reference": "LIT-3", "reason": "suit", "kind": "governance", "roles": ["analyst"], "purpose": null, "until": null, "subject": null}), StatusCode::CREATED, "\"id\":\"H-2\""),
    ]
}

/// 31 CFR 1.5(m): "Under no circumstances shall records be destroyed while they are the
/// subject of a pending request, appeal, or lawsuit under the FOIA" (kept for Privacy Act
/// requests too, by our policy). A request preserves what it is about from receipt, records
/// stored later included; names none of them before the requester's identity is verified; and
/// lets go once its last window has passed, at the first retention run after.
#[tokio::test]
async fn an_open_request_keeps_its_records_past_their_schedule_until_it_is_no_longer_pending() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let opened = api
        .post(
            "/v1/requests",
            Some("privacy"),
            json!({
                "kind": "access", "requester": "JOHN Q PUBLIC", "status": "citizen",
                "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                "systems": ["fincen-cbetf"]
            }),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    // A record stored after receipt joins the preservation.
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 9), None)
            .await,
    );
    let listed = api.get("/v1/holds", Some("auditor")).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let hold = &listed.body["holds"][0];
    assert_eq!(
        (
            hold["id"].as_str(),
            hold["reference"].as_str(),
            hold["purpose"].as_str(),
            hold["records"].as_u64()
        ),
        (
            Some("H-1"),
            Some("PA-2026-000001"),
            Some("request"),
            Some(1)
        ),
        "{}",
        listed.text
    );
    // A count only until identity is verified, and the count found at receipt: one that moved
    // with each later ingest would tell the log's readers which stored record the request is
    // about. No listing, no search through the hold, no record id in its log entry, for any
    // role.
    for who in ["records", "auditor"] {
        let ids = api.get("/v1/holds/H-1/records", Some(who)).await;
        assert_eq!(ids.status, StatusCode::FORBIDDEN, "{who}: {}", ids.text);
        assert!(ids.text.contains("identity-not-verified"), "{}", ids.text);
        assert!(
            ids.text.contains("(1 records found at receipt)"),
            "{}",
            ids.text
        );
    }
    let searched = api
        .post(
            "/v1/holds/search",
            Some("records"),
            json!({"identifier": {"type": "ssn", "value": "123456789"}}),
        )
        .await;
    assert_eq!(searched.body["held"], json!([]), "{}", searched.text);
    let placed = api.entries("action=hold.place").await;
    assert_eq!(placed.len(), 1);
    assert_eq!(placed[0]["record_ids"], json!([]), "{:?}", placed[0]);
    // Nobody releases it by hand while the request is pending.
    let early = api
        .post(
            "/v1/holds/H-1/release",
            Some("records"),
            json!({"reason": "tidying up"}),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);
    assert!(early.text.contains("1.5(m)"), "{}", early.text);

    // 2032: both records' schedule has ended; the pending request keeps them, and the
    // destruction's certificate names the hold that did.
    let to_2032 = (Utc.with_ymd_and_hms(2032, 1, 5, 12, 0, 0).unwrap() - now()).num_days();
    api.days_later.store(to_2032, Ordering::SeqCst);
    let run = api
        .post(
            "/v1/retention/run",
            Some("records"),
            json!({"confirm_clock": true}),
        )
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    // Named, never counted: how many records a request's preservation kept would tell how
    // many are about the person named.
    assert_eq!(
        run.body["destroyed"][0]["kept_by"],
        json!([{"keeper": "hold H-1 `PA-2026-000001`", "records": null}]),
        "{}",
        run.text
    );
    let certificate = run.body["certificate"]["text"].as_str().unwrap();
    assert!(
        certificate.contains("hold H-1 `PA-2026-000001`"),
        "{certificate}"
    );
    // Verified: the officer sees them, found through the request's own hold (their index
    // period has ended), and so may the records officer.
    let event = |body: Value| api.post("/v1/requests/PA-2026-000001/events", Some("privacy"), body);
    let verified = event(json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"]})).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    let found = api
        .get("/v1/requests/PA-2026-000001/records", Some("privacy"))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(
        found.body["records"].as_array().unwrap().len(),
        2,
        "{}",
        found.text
    );
    let ids = api.get("/v1/holds/H-1/records", Some("records")).await;
    assert_eq!(ids.status, StatusCode::OK, "{}", ids.text);
    assert_eq!(ids.body["record_ids"].as_array().unwrap().len(), 2);
    let listed = api.get("/v1/holds", Some("auditor")).await;
    assert_eq!(listed.body["holds"][0]["records"], 2, "{}", listed.text);

    // Refused under the Privacy Act: no administrative appeal, so the request ends that day,
    // and the first run after lets the records go.
    let refused =
        event(json!({"kind": "determined", "outcome": "denied", "reasons": "exempt"})).await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.text);
    let same_day = api
        .post("/v1/retention/run", Some("records"), json!({}))
        .await;
    assert_eq!(same_day.status, StatusCode::OK, "{}", same_day.text);
    assert_eq!(
        same_day.body["preservation"],
        json!([]),
        "{}",
        same_day.text
    );
    assert_eq!(same_day.body["destroyed"], json!([]), "{}", same_day.text);
    api.days_later.store(to_2032 + 1, Ordering::SeqCst);
    let run = api
        .post("/v1/retention/run", Some("records"), json!({}))
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    let swept = run.body["preservation"][0].as_str().unwrap_or_default();
    assert!(
        swept.starts_with("H-1 of request PA-2026-000001 released (kept through 2032-01-05)"),
        "{}",
        run.text
    );
    assert_eq!(run.body["destroyed"][0]["records"], 2, "{}", run.text);
    let released = api.entries("action=hold.release").await;
    assert!(
        released[0]["outcome"]
            .as_str()
            .is_some_and(|outcome| outcome.contains("hold H-1 `PA-2026-000001` released")),
        "{:?}",
        released
    );
    let gone = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    assert_eq!(gone.body["records"], json!([]), "{}", gone.text);
}

/// 31 CFR 1.5(a)(1): "If a requester does not respond within 30 days to a communication from
/// a bureau to amend the request ..., the request file will be considered closed": the first
/// retention run after closes the file and ends its preservation.
#[tokio::test]
async fn a_request_never_perfected_closes_thirty_days_after_its_deficiency_letter() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let opened = api
        .post(
            "/v1/requests",
            Some("privacy"),
            json!({"kind": "access", "requester": "JOHN Q PUBLIC",
                   "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                   "systems": ["fincen-cbetf"], "received": "2026-11-20"}),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    // Entered on the day it went out: the requester's 30 days run from the day it was entered.
    api.set_day("2026-11-23");
    let deficient = api
        .post(
            "/v1/requests/PA-2026-000001/events",
            Some("privacy"),
            json!({"kind": "deficient", "missing": ["signature"], "on": "2026-11-23"}),
        )
        .await;
    assert_eq!(deficient.status, StatusCode::OK, "{}", deficient.text);
    // (days after 2026-11-24, what the run says about the request, whether it is closed).
    for (days, preservation, closed) in [
        (29, json!([]), false),
        (
            30,
            json!([
                "request PA-2026-000001 closed: not amended within 30 days of its deficiency letter",
                // Never verified: released without a count.
                "H-1 of request PA-2026-000001 released (kept through 2026-12-23); the requester's identity was never verified, so it counts nothing"
            ]),
            true,
        ),
    ] {
        api.days_later.store(days, Ordering::SeqCst);
        let run = api
            .post("/v1/retention/run", Some("records"), json!({"confirm_clock": true}))
            .await;
        assert_eq!(run.status, StatusCode::OK, "{}", run.text);
        assert_eq!(run.body["preservation"], preservation, "day {days}: {}", run.text);
        let shown = api
            .get("/v1/requests/PA-2026-000001", Some("privacy"))
            .await;
        let last = shown.body["case"]["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["kind"] == "closed", closed, "day {days}: {last}");
        if closed {
            assert_eq!(last["on"], "2026-12-24");
        }
    }
}

#[tokio::test]
async fn holds_keep_records_past_their_schedule_for_the_roles_they_name_until_released() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let found = api
        .post("/v1/search", Some("ana"), search_body("123456789"))
        .await;
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    for (who, body, status, fragment) in hold_requests(&id) {
        let answer = api.post("/v1/holds", Some(who), body.clone()).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.text);
        assert!(answer.text.contains(fragment), "{body}: {}", answer.text);
        if status != StatusCode::CREATED {
            assert_eq!(answer.content_type, "application/problem+json");
        }
    }
    let listed = api.get("/v1/holds", Some("auditor")).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body["holds"].as_array().unwrap().len(), 2);
    assert_eq!(listed.body["holds"][0]["records"], 1);
    // A compliance hold is not released before its date, by anyone.
    let early = api
        .post(
            "/v1/holds/H-1/release",
            Some("records"),
            json!({"reason": "settled"}),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);
    assert!(
        early.text.contains("nobody can release it earlier"),
        "{}",
        early.text
    );

    // 2032: the March 2026 cohort and the 2026 index period have gone; the held record has
    // not, and the analyst the hold names still finds it, through the hold's own index.
    let to_2032 = (Utc.with_ymd_and_hms(2032, 1, 5, 12, 0, 0).unwrap() - now()).num_days();
    api.days_later.store(to_2032, Ordering::SeqCst);
    let release = api
        .post(
            "/v1/holds/H-1/release",
            Some("records"),
            json!({"reason": "retention date reached"}),
        )
        .await;
    assert_eq!(release.status, StatusCode::OK, "{}", release.text);
    assert_eq!(release.body["still_held"], 1, "{}", release.text);
    let run = api
        .post(
            "/v1/retention/run",
            Some("records"),
            json!({"confirm_clock": true}),
        )
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    assert_eq!(
        run.body["destroyed"][0]["kept_by"][0]["keeper"], "hold H-2 `LIT-3`",
        "{}",
        run.text
    );
    let held = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text);
    assert_eq!(
        held.body["records"].as_array().unwrap().len(),
        1,
        "{}",
        held.text
    );

    // The records officer finds it too, by identifier through the holds' indexes (ids only).
    let by_officer = api
        .post(
            "/v1/holds/search",
            Some("records"),
            json!({"identifier": {"type": "ssn", "value": "123456789"}}),
        )
        .await;
    assert_eq!(by_officer.status, StatusCode::OK, "{}", by_officer.text);
    assert_eq!(
        by_officer.body["held"],
        json!([{"record": id, "hold": "H-2"}])
    );
    let listed = api.get("/v1/holds/H-2/records", Some("records")).await;
    assert_eq!(listed.body["record_ids"], json!([id]), "{}", listed.text);
    assert_eq!(
        api.post(
            "/v1/holds/search",
            Some("ana"),
            json!({"identifier": {"type": "ssn", "value": "123456789"}})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // The compaction after the destruction runs in the background, with its progress.
    let mut status = Value::Null;
    for _ in 0..200 {
        status = api.get("/v1/retention/status", Some("records")).await.body;
        if status["compaction"]["state"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status["compaction"]["state"], "done", "{status}");
    assert_eq!(
        status["compaction"]["columns_done"],
        status["compaction"]["columns"]
    );

    // Released, it goes at the next run, and is found no more.
    let release = api
        .post(
            "/v1/holds/H-2/release",
            Some("records"),
            json!({"reason": "case closed"}),
        )
        .await;
    assert_eq!(release.body["awaiting_destruction"], 1, "{}", release.text);
    // Once released it cannot be released again (409); a hold that never was is 404.
    for (path, status, fragment) in [
        (
            "/v1/holds/H-2/release",
            StatusCode::CONFLICT,
            "already released",
        ),
        (
            "/v1/holds/H-99/release",
            StatusCode::NOT_FOUND,
            "there is no hold H-99",
        ),
    ] {
        let again = api
            .post(path, Some("records"), json!({"reason": "case closed"}))
            .await;
        assert_eq!(again.status, status, "{path}: {}", again.text);
        assert!(again.text.contains(fragment), "{path}: {}", again.text);
    }
    let unknown = api.get("/v1/holds/H-99/records", Some("records")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    let run = api
        .post("/v1/retention/run", Some("records"), json!({}))
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    assert_eq!(run.body["destroyed"][0]["records"], 1, "{}", run.text);
    let gone = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    assert_eq!(
        gone.body["records"].as_array().unwrap().len(),
        0,
        "{}",
        gone.text
    );
    let read = api
        .get(
            &format!("/v1/records/{id}?purpose=investigation&case=CASE-1"),
            Some("ana"),
        )
        .await;
    // Past its schedule and no longer held: refused before anything is read.
    assert_eq!(read.status, StatusCode::FORBIDDEN, "{}", read.text);
    assert!(read.text.contains("past-retention"), "{}", read.text);
}

/// 31 CFR 1.26(g)(1): "If it is not possible to respond within 30 days, the designated officer
/// shall inform the requester, stating the reason for the delay ... and when a response will be
/// dispatched." A delay notice recorded weeks after the determination was due is refused and
/// the deadline stays overdue; `requests due` shows what needs a notice or an answer soon.
#[tokio::test]
async fn a_late_delay_notice_is_refused_and_due_lists_what_needs_action() {
    let api = api();
    // (received, its determination's due date): 30 working days, holidays not counted.
    for received in ["2026-11-20", "2026-11-24"] {
        let opened = api
            .post(
                "/v1/requests",
                Some("privacy"),
                json!({
                    "kind": "access", "requester": "JOHN Q PUBLIC", "status": "citizen",
                    "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                    "systems": ["fincen-cbetf"], "received": received
                }),
            )
            .await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    }
    // (as_of, within, the requests listed with their state).
    type Row = (&'static str, Option<u32>, Vec<(&'static str, &'static str)>);
    let table: Vec<Row> = vec![
        // Six weeks ahead of both: nothing needs action within five working days.
        ("2026-11-24", None, vec![]),
        // Twenty-nine working days ahead reach the first (due 2027-01-06), not the second
        // (2027-01-08).
        ("2026-11-24", Some(29), vec![("PA-2026-000001", "due")]),
        // 2026-12-29 is five working days before 2027-01-06 (New Year's Day not counted).
        ("2026-12-28", None, vec![]),
        ("2026-12-29", None, vec![("PA-2026-000001", "due")]),
        (
            "2027-01-07",
            None,
            vec![("PA-2026-000001", "overdue"), ("PA-2026-000002", "due")],
        ),
    ];
    for (as_of, within, expected) in table {
        let query = match within {
            Some(days) => format!("/v1/requests/due?as_of={as_of}&within={days}"),
            None => format!("/v1/requests/due?as_of={as_of}"),
        };
        let due = api.get(&query, Some("auditor")).await;
        assert_eq!(due.status, StatusCode::OK, "{}", due.text);
        let listed: Vec<(&str, &str)> = due.body["due"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                (
                    item["request"].as_str().unwrap(),
                    item["state"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(listed, expected, "{query}: {}", due.text);
    }
    // Weeks after the first was due: its delay notice is refused, with the reason.
    api.days_later.store(62, Ordering::SeqCst);
    let late = api
        .post(
            "/v1/requests/PA-2026-000001/events",
            Some("privacy"),
            json!({"kind": "extended", "reason": "volume of records", "until": "2027-02-26"}),
        )
        .await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.text
    );
    assert!(
        late.text
            .contains("the determination was due on 2027-01-06")
            && late.text.contains("1.26(g)(1)"),
        "{}",
        late.text
    );
    // The attack: the second, due 2027-01-08, gets a notice entered weeks late but dated the
    // day it was due. The clock counts from the day the vault recorded it: refused.
    let backdated = api
        .post(
            "/v1/requests/PA-2026-000002/events",
            Some("privacy"),
            json!({"kind": "extended", "reason": "volume of records", "until": "2027-02-26", "on": "2027-01-08"}),
        )
        .await;
    assert_eq!(
        backdated.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        backdated.text
    );
    assert!(
        backdated
            .text
            .contains("the determination was due on 2027-01-08")
            && backdated
                .text
                .contains("is dated 2027-01-08 and was recorded on 2027-01-25"),
        "{}",
        backdated.text
    );
    // Entered on the day it was due, it is in time: it waits for the promised date.
    api.days_later.store(45, Ordering::SeqCst);
    let in_time = api
        .post(
            "/v1/requests/PA-2026-000002/events",
            Some("privacy"),
            json!({"kind": "extended", "reason": "volume of records", "until": "2027-02-26"}),
        )
        .await;
    assert_eq!(in_time.status, StatusCode::OK, "{}", in_time.text);
    api.days_later.store(62, Ordering::SeqCst);
    let due = api.get("/v1/requests/due", Some("privacy")).await;
    let listed: Vec<(&str, &str, &str)> = due.body["due"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["request"].as_str().unwrap(),
                item["state"].as_str().unwrap(),
                item["due"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [("PA-2026-000001", "overdue", "2027-01-06")],
        "{}",
        due.text
    );
}

/// Identity as each system's procedures require it, recorded with its evidence in the sealed
/// case file. TTAR (seed 000): "You must first verify your identity, meaning that you must
/// provide your full name, current address and date and place of birth. You must sign your
/// request, and your signature must either be notarized or submitted under 28 U.S.C. § 1746".
/// CBETF: 31 CFR part 1 appendix A paragraph 8.
#[tokio::test]
async fn identity_is_verified_as_the_systems_notice_requires_with_its_evidence_on_file() {
    let api = api();
    let open = |who: &'static str, system: &str| {
        let body = json!({
            "kind": "access", "requester": "JOHN Q PUBLIC", "status": "citizen",
            "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
            "systems": [system], "received": "2026-11-20"
        });
        let api = &api;
        async move { api.post("/v1/requests", Some(who), body).await }
    };
    let ttar = open("ice-privacy", "dhs-ice-005-ttar").await;
    assert_eq!(ttar.status, StatusCode::CREATED, "{}", ttar.text);
    let cbetf = open("privacy", "fincen-cbetf").await;
    assert_eq!(cbetf.status, StatusCode::CREATED, "{}", cbetf.text);
    let facts = json!([
        "full-name",
        "current-address",
        "date-of-birth",
        "place-of-birth"
    ]);
    // (request, who, body, status, fragment of the answer).
    let table = [
        (
            "PA-2026-000001",
            "ice-privacy",
            json!({"kind": "identity-verified", "method": "mail", "evidence": ["signature", "address", "identifier-document"], "facts": facts}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "dhs-ice-005-ttar does not accept verification by `mail`",
        ),
        (
            "PA-2026-000001",
            "ice-privacy",
            json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"], "facts": ["full-name", "current-address"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "requires the requester's `date-of-birth`",
        ),
        (
            "PA-2026-000001",
            "ice-privacy",
            json!({"kind": "identity-verified", "method": "perjury-statement", "facts": facts}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "needs 1 `perjury-statement` as evidence",
        ),
        (
            "PA-2026-000001",
            "ice-privacy",
            json!({"kind": "identity-verified", "method": "perjury-statement", "evidence": ["perjury-statement"], "facts": facts, "on": "2026-11-23"}),
            StatusCode::OK,
            "identity-verified",
        ),
        // Appendix A: by mail, a signature, an address and one other identifier.
        (
            "PA-2026-000002",
            "privacy",
            json!({"kind": "identity-verified", "method": "mail", "evidence": ["signature", "address"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "needs 1 `identifier-document`",
        ),
        (
            "PA-2026-000002",
            "privacy",
            json!({"kind": "identity-verified", "method": "perjury-statement", "evidence": ["perjury-statement"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "fincen-cbetf does not accept verification by `perjury-statement`",
        ),
        (
            "PA-2026-000002",
            "privacy",
            json!({"kind": "identity-verified", "method": "in-person-two-documents", "evidence": ["name-and-signature-document", "name-and-signature-document"]}),
            StatusCode::OK,
            "identity-verified",
        ),
        (
            "PA-2026-000002",
            "privacy",
            json!({"kind": "identity-verified", "method": "mail", "evidence": ["a-library-card"]}),
            StatusCode::BAD_REQUEST,
            "",
        ),
    ];
    for (n, (request, who, body, status, fragment)) in table.into_iter().enumerate() {
        let answer = api
            .post(&format!("/v1/requests/{request}/events"), Some(who), body)
            .await;
        assert_eq!(answer.status, status, "row {n}: {}", answer.text);
        assert!(answer.text.contains(fragment), "row {n}: {}", answer.text);
        assert!(
            !answer.text.contains("a-library-card"),
            "row {n}: {}",
            answer.text
        );
    }
    // On file: how, on what evidence, by whom, when, and the day the vault recorded it.
    let shown = api
        .get("/v1/requests/PA-2026-000001", Some("ice-privacy"))
        .await;
    assert_eq!(
        shown.body["case"]["events"][1],
        json!({"kind": "identity-verified", "method": "perjury-statement", "evidence": ["perjury-statement"], "facts": facts, "on": "2026-11-23", "by": "ice-privacy", "recorded": "2026-11-24"}),
        "{}",
        shown.text
    );
}

/// 31 CFR 1.26(g)(3): for "medical records, including psychological records", the official "may
/// determine that such release could have an adverse effect on the individual and that release
/// will be made only to a physician authorized in writing to have access to such records by
/// the individual", who gets them "upon proper verification of identity". On a fixture system
/// whose transmittals are marked medical.
#[tokio::test]
async fn medical_records_go_to_the_authorized_physician_once_the_official_so_decides() {
    let api = api_with(medical_system_policy());
    let line = line("JOHN Q PUBLIC", "123-45-6789", 3).replace("fincen-cbetf", "test-open");
    summary(&api.ingest("ingester", &line, None).await);
    let opened = api
        .post(
            "/v1/requests",
            Some("privacy"),
            json!({"kind": "access", "requester": "JOHN Q PUBLIC",
                   "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                   "systems": ["test-open"], "received": "2026-11-20"}),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    let api = &api;
    let event = |body: Value| async move {
        api.post("/v1/requests/PA-2026-000001/events", Some("privacy"), body)
            .await
    };
    let physician = json!({"kind": "physician-authorized", "physician": "Dr. A. Jones, Columbus OH",
                           "method": "in-person-photo", "evidence": ["photo-id"]});
    // (event, status, fragment): the physician only after the official's determination, and
    // only with the physician's identity verified.
    let steps = [
        (
            json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"]}),
            StatusCode::OK,
            "identity-verified",
        ),
        (
            physician.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "adverse effect",
        ),
        (
            json!({"kind": "determined", "outcome": "granted", "reasons": ""}),
            StatusCode::OK,
            "determined",
        ),
    ];
    for (body, status, fragment) in steps {
        let answer = event(body.clone()).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.text);
        assert!(answer.text.contains(fragment), "{body}: {}", answer.text);
    }
    let found = api
        .get("/v1/requests/PA-2026-000001/records", Some("privacy"))
        .await;
    let record = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    let respond = || async {
        api.post(
            "/v1/requests/PA-2026-000001/response",
            Some("privacy"),
            json!({"official": "J. Smith, Disclosure Officer", "release": [record]}),
        )
        .await
    };
    // The official may decide: without the determination, the individual gets them.
    let direct = respond().await;
    assert_eq!(direct.status, StatusCode::OK, "{}", direct.text);
    assert_eq!(direct.body["records"].as_array().unwrap().len(), 1);
    assert_eq!(direct.body["for_physician"], Value::Null);
    let steps = [
        (
            json!({"kind": "adverse-effect-determined", "reasons": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "states its reasons",
        ),
        (
            json!({"kind": "adverse-effect-determined", "reasons": "the treating psychologist advises against direct release"}),
            StatusCode::OK,
            "adverse-effect-determined",
        ),
    ];
    for (body, status, fragment) in steps {
        let answer = event(body.clone()).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.text);
        assert!(answer.text.contains(fragment), "{body}: {}", answer.text);
    }
    // Determined, but no physician on file: nothing goes out, and nothing is read.
    let reads_before = api.entries("action=read").await.len();
    let held_back = respond().await;
    assert_eq!(
        held_back.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        held_back.text
    );
    assert!(
        held_back.text.contains("physician-authorized"),
        "{}",
        held_back.text
    );
    assert_eq!(api.entries("action=read").await.len(), reads_before);
    let mut unverified = physician.clone();
    unverified["evidence"] = json!([]);
    let refused = event(unverified).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("the physician's identity"),
        "{}",
        refused.text
    );
    let authorized = event(physician).await;
    assert_eq!(authorized.status, StatusCode::OK, "{}", authorized.text);
    let package = respond().await;
    assert_eq!(package.status, StatusCode::OK, "{}", package.text);
    assert_eq!(package.body["records"], json!([]), "{}", package.text);
    assert_eq!(
        package.body["for_physician"]["physician"],
        "Dr. A. Jones, Columbus OH"
    );
    assert_eq!(
        package.body["for_physician"]["records"][0]["id"],
        json!(record),
        "{}",
        package.text
    );
    assert!(
        package.body["letter"]
            .as_str()
            .unwrap()
            .contains("1 medical or psychological records are sent to Dr. A. Jones, Columbus OH"),
        "{}",
        package.text
    );
}

/// A PNR first-party request goes by the FOIA (seed 001 paragraph 37), with its fees: 31 CFR
/// 1.7(e)(1), over the requester's limit "and that amount is less than $250, the requester
/// shall be notified ... must provide an agreement to pay", and (e)(3) the time limits "shall
/// begin only after ... a written agreement to pay fees has been provided". Fee terms on a
/// Privacy Act request are refused.
#[tokio::test]
async fn a_foia_request_waits_for_the_fee_agreement_and_restarts_its_clock() {
    let api = api();
    let open = |systems: Value, fees: Value| {
        let mut body = json!({"kind": "access", "requester": "JEAN DUPONT", "status": "other",
               "identifiers": [{"type": "passport", "value": "P4000001", "country": "FR"}],
               "systems": systems, "received": "2026-11-20"});
        for (key, value) in fees.as_object().unwrap() {
            body[key] = value.clone();
        }
        let api = &api;
        async move { api.post("/v1/requests", Some("cbp-privacy"), body).await }
    };
    // (systems, fee terms, status, fragment).
    let table = [
        (
            json!(["cbp-pnr"]),
            json!({"fee_limit_cents": 2000}),
            StatusCode::BAD_REQUEST,
            "not less than $25",
        ),
        (
            json!(["cbp-pnr"]),
            json!({"fee_category": "astrologer"}),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            json!(["cbp-pnr"]),
            json!({"fee_category": "first-party", "fee_limit_cents": 2500}),
            StatusCode::CREATED,
            "\"route\":\"foia\"",
        ),
    ];
    for (n, (systems, fees, status, fragment)) in table.into_iter().enumerate() {
        let answer = open(systems, fees).await;
        assert_eq!(answer.status, status, "row {n}: {}", answer.text);
        assert!(answer.text.contains(fragment), "row {n}: {}", answer.text);
        assert!(!answer.text.contains("astrologer"), "{}", answer.text);
    }
    let privacy_act = api
        .post(
            "/v1/requests",
            Some("privacy"),
            json!({"kind": "access", "requester": "JOHN Q PUBLIC",
                   "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                   "systems": ["fincen-cbetf"], "fee_limit_cents": 5000}),
        )
        .await;
    assert_eq!(
        privacy_act.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        privacy_act.text
    );
    assert!(privacy_act.text.contains("fee terms are a FOIA request's"));

    let api = &api;
    let event = |body: Value| async move {
        api.post(
            "/v1/requests/PA-2026-000001/events",
            Some("cbp-privacy"),
            body,
        )
        .await
    };
    let determination = |answer: &Value| {
        answer["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|deadline| deadline["what"] == "determination")
            .map(|deadline| deadline["due"].as_str().unwrap().to_owned())
    };
    // Received 2026-11-20: 20 working days (Thanksgiving not counted) to 2026-12-21.
    let shown = api
        .get("/v1/requests/PA-2026-000001", Some("cbp-privacy"))
        .await;
    assert_eq!(determination(&shown.body).as_deref(), Some("2026-12-21"));
    // $30.00 over a $25.00 limit: the clock stops until the requester agrees.
    let estimated =
        event(json!({"kind": "fee-estimated", "cents": 3000, "on": "2026-11-23"})).await;
    assert_eq!(estimated.status, StatusCode::OK, "{}", estimated.text);
    assert_eq!(determination(&estimated.body), None, "{}", estimated.text);
    // The fee notice says so, and offers to reformulate.
    let notice = api
        .post(
            "/v1/requests/PA-2026-000001/letters",
            Some("cbp-privacy"),
            json!({"kind": "fee-notice", "official": "CBP Disclosure Law Officer"}),
        )
        .await;
    assert_eq!(notice.status, StatusCode::CREATED, "{}", notice.text);
    for words in [
        "at $30.00, more than the $25.00 you agreed to pay",
        "agree in writing",
        "reformulate",
    ] {
        assert!(notice.text.contains(words), "{words}: {}", notice.text);
    }
    let agreed = event(json!({"kind": "fee-agreed", "on": "2026-11-24"})).await;
    assert_eq!(agreed.status, StatusCode::OK, "{}", agreed.text);
    // From 2026-11-24: Thanksgiving (11-26) not counted, 20 working days to 2026-12-23.
    assert_eq!(determination(&agreed.body).as_deref(), Some("2026-12-23"));
    // The FOIA letter: the exemptions relied on, and the appeal route PNR's notice names.
    for body in [
        json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"],
               "facts": ["full-name", "current-address", "date-of-birth", "place-of-birth"]}),
        json!({"kind": "determined", "outcome": "granted", "reasons": ""}),
    ] {
        let answer = event(body).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    let response = api
        .post(
            "/v1/requests/PA-2026-000001/response",
            Some("cbp-privacy"),
            json!({"official": "CBP Disclosure Law Officer", "pages": 150}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let letter = response.body["letter"].as_str().unwrap();
    for words in [
        "Freedom of Information Act response to request PA-2026-000001",
        "Exemptions relied on: none.",
        "U.S. Customs and Border Protection, administratively under 19 CFR 103.7 to 103.9",
        "Fee: $10.00 (31 CFR 1.7(a), (g)).",
    ] {
        assert!(letter.contains(words), "{words}: {letter}");
    }

    // A commercial requester pays search, review and every page (1.7(a)(1)), less the
    // reduction decided on its request (1.7(d)): the reduction states how much.
    let commercial = open(json!(["cbp-pnr"]), json!({"fee_category": "commercial"})).await;
    assert_eq!(
        commercial.status,
        StatusCode::CREATED,
        "{}",
        commercial.text
    );
    let second = |body: Value| async move {
        api.post(
            "/v1/requests/PA-2026-000002/events",
            Some("cbp-privacy"),
            body,
        )
        .await
    };
    // (event, status, fragment).
    let steps = [
        (
            json!({"kind": "extended", "reason": "records at the port", "until": "2026-12-28"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a FOIA extension needs one of the unusual circumstances",
        ),
        (
            json!({"kind": "extended", "reason": "records at the port", "until": "2026-12-28", "circumstance": "field-facilities"}),
            StatusCode::OK,
            "\"circumstance\":\"field-facilities\"",
        ),
        (
            json!({"kind": "fee-waiver-requested"}),
            StatusCode::OK,
            "fee-waiver-requested",
        ),
        (
            json!({"kind": "fee-waiver-determined", "outcome": "partly-granted", "reasons": "in part commercial"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "states the percentage taken off",
        ),
        (
            json!({"kind": "fee-waiver-determined", "outcome": "partly-granted", "reasons": "in part commercial", "reduced_percent": 50}),
            StatusCode::OK,
            "\"reduced_percent\":50",
        ),
        (
            json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"],
                   "facts": ["full-name", "current-address", "date-of-birth", "place-of-birth"]}),
            StatusCode::OK,
            "identity-verified",
        ),
        (
            json!({"kind": "determined", "outcome": "granted", "reasons": ""}),
            StatusCode::OK,
            "determined",
        ),
    ];
    for (n, (body, status, fragment)) in steps.into_iter().enumerate() {
        let answer = second(body).await;
        assert_eq!(answer.status, status, "step {n}: {}", answer.text);
        assert!(answer.text.contains(fragment), "step {n}: {}", answer.text);
    }
    // Basic pay $40.00 an hour plus 16 percent is $46.40: an hour's search $46.40, half an
    // hour's review $23.20, 10 pages $2.00; $71.60, half off: $35.80.
    let response = api
        .post(
            "/v1/requests/PA-2026-000002/response",
            Some("cbp-privacy"),
            json!({"official": "CBP Disclosure Law Officer", "pages": 10, "search_minutes": 60,
                   "review_minutes": 30, "hourly_pay_cents": 4000}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["fee_cents"], 3580, "{}", response.text);
    assert!(
        response.body["letter"]
            .as_str()
            .unwrap()
            .contains("Fee: $35.80, after the reduction granted (31 CFR 1.7(d), (g))."),
        "{}",
        response.text
    );
}

#[tokio::test]
async fn the_whole_life_of_an_access_request_through_the_api() {
    let api = api();
    let open = json!({
        "kind": "access", "requester": "JOHN Q PUBLIC", "status": "citizen",
        "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
        "systems": ["fincen-cbetf"], "received": "2026-11-20"
    });
    assert_eq!(
        api.post("/v1/requests", Some("ana"), open.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let opened = api.post("/v1/requests", Some("privacy"), open).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    assert_eq!(opened.body["id"], "PA-2026-000001");
    assert_eq!(opened.body["case"]["route"], "privacy-act");
    assert_eq!(
        opened.body["deadlines"][0]["due"], "2027-01-06",
        "30 working days: Thanksgiving, Christmas and New Year's Day not counted"
    );
    let api = &api;
    let event = |body: Value| async move {
        api.post("/v1/requests/PA-2026-000001/events", Some("privacy"), body)
            .await
    };
    let steps: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"kind": "deficient", "missing": ["signature"], "on": "2026-11-23"}),
            StatusCode::OK,
            "\"deadlines\":[]",
        ),
        (
            json!({"kind": "perfected", "on": "2026-11-24"}),
            StatusCode::OK,
            "\"due\":\"2027-01-08\"",
        ),
        (
            json!({"kind": "determined", "outcome": "granted", "reasons": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "identity is verified",
        ),
        (
            json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"]}),
            StatusCode::OK,
            "identity-verified",
        ),
        (
            json!({"kind": "acknowledged", "on": "2026-12-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "in the future",
        ),
        (json!({"kind": "teleported"}), StatusCode::BAD_REQUEST, ""),
    ];
    for (body, status, fragment) in steps {
        let answer = event(body.clone()).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.text);
        assert!(answer.text.contains(fragment), "{body}: {}", answer.text);
    }
    // What is due: on the last day it is due, the day after it is overdue.
    for (as_of, state) in [("2027-01-08", "due"), ("2027-01-11", "overdue")] {
        let due = api
            .get(&format!("/v1/requests/due?as_of={as_of}"), Some("auditor"))
            .await;
        assert_eq!(due.status, StatusCode::OK, "{}", due.text);
        assert_eq!(
            (
                due.body["due"][0]["request"].as_str(),
                due.body["due"][0]["state"].as_str()
            ),
            (Some("PA-2026-000001"), Some(state)),
            "{}",
            due.text
        );
    }
    let granted = event(json!({"kind": "determined", "outcome": "granted", "reasons": ""})).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text);
    assert_eq!(granted.body["deadlines"][0]["state"], "met");
    let closed = event(json!({"kind": "closed", "reason": "records furnished"})).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    let after = event(json!({"kind": "acknowledged"})).await;
    assert!(after.text.contains("the case is closed"), "{}", after.text);
    let shown = api
        .get("/v1/requests/PA-2026-000001", Some("auditor"))
        .await;
    assert_eq!(
        shown.body["case"]["events"].as_array().unwrap().len(),
        6,
        "{}",
        shown.text
    );
    assert_eq!(shown.body["identifiers"], json!(["ssn=123-45-6789"]));
    let due = api.get("/v1/requests/due", Some("privacy")).await;
    assert_eq!(due.body["due"], json!([]), "a closed request owes nothing");
    // The access log names the request and what happened, never the requester or the SSN.
    let entries = api.entries("principal=privacy").await;
    let log = serde_json::to_string(&entries).unwrap();
    assert!(log.contains("case.event perfected"), "{log}");
    for secret in ["123-45-6789", "123456789", "JOHN Q PUBLIC"] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
}

/// 31 CFR part 1 appendix A paragraph 8 and 1.34 (issue 23 section 2): "Nothing about the
/// requester is listed, searched for the officer or released before the verification is
/// recorded". The request's records are listed only once the requester's identity is verified,
/// and for a representative once the relationship is proven; each refusal is logged.
#[tokio::test]
async fn a_requests_records_are_listed_only_after_identity_is_verified() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    // (a representative acts, the events recorded, the answer)
    type Row = (bool, &'static [&'static str], StatusCode);
    let table: [Row; 5] = [
        (false, &[], StatusCode::FORBIDDEN),
        (false, &["identity-verified"], StatusCode::OK),
        (true, &[], StatusCode::FORBIDDEN),
        (true, &["identity-verified"], StatusCode::FORBIDDEN),
        (
            true,
            &["identity-verified", "relationship-proven"],
            StatusCode::OK,
        ),
    ];
    for (n, (representative, events, status)) in table.into_iter().enumerate() {
        let mut body = json!({"kind": "access", "requester": "JOHN Q PUBLIC",
                              "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                              "systems": ["fincen-cbetf"], "received": "2026-11-20"});
        if representative {
            body["representative"] = json!("MARY PUBLIC");
        }
        let opened = api.post("/v1/requests", Some("privacy"), body).await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
        let id = opened.body["id"].as_str().unwrap().to_owned();
        for event in events {
            let body = match *event {
                "identity-verified" => {
                    json!({"kind": event, "method": "notarized", "evidence": ["notarized-statement"], "on": "2026-11-23"})
                }
                _ => json!({"kind": event, "document": "birth-certificate", "on": "2026-11-23"}),
            };
            let answer = api
                .post(&format!("/v1/requests/{id}/events"), Some("privacy"), body)
                .await;
            assert_eq!(answer.status, StatusCode::OK, "row {n}: {}", answer.text);
        }
        let listed = api
            .get(&format!("/v1/requests/{id}/records"), Some("privacy"))
            .await;
        assert_eq!(listed.status, status, "row {n}: {}", listed.text);
        if status == StatusCode::OK {
            assert_eq!(
                listed.body["records"].as_array().unwrap().len(),
                1,
                "row {n}"
            );
        } else {
            assert_eq!(listed.body["rule"], "identity-not-verified", "row {n}");
            assert!(!listed.text.contains("123-45"), "row {n}: {}", listed.text);
        }
    }
    let refused: Vec<Value> = api
        .entries("action=requests.records")
        .await
        .into_iter()
        .filter(|entry| entry["decision"] == "deny")
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(refused
        .iter()
        .all(|entry| entry["rule"] == "identity-not-verified"));
}

/// Opens an access request for `ssn` in CBETF, verifies the requester and records the
/// determination; returns its id.
async fn determined_request(api: &Api, ssn: &str, outcome: &str, reasons: &str) -> String {
    let opened = api
        .post(
            "/v1/requests",
            Some("privacy"),
            json!({"kind": "access", "requester": "JOHN Q PUBLIC",
                   "identifiers": [{"type": "ssn", "value": ssn}],
                   "systems": ["fincen-cbetf"], "received": "2026-11-20"}),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    let id = opened.body["id"].as_str().unwrap().to_owned();
    for body in [
        json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"], "on": "2026-11-23"}),
        json!({"kind": "determined", "outcome": outcome, "reasons": reasons, "on": "2026-11-24"}),
    ] {
        let answer = api
            .post(&format!("/v1/requests/{id}/events"), Some("privacy"), body)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    id
}

#[tokio::test]
async fn the_neither_confirm_nor_deny_answer_is_byte_identical_with_and_without_a_record() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let reasons = "exempt from access under 5 U.S.C. 552a(j)(2)";
    let with = determined_request(&api, "123-45-6789", "denied", reasons).await;
    let without = determined_request(&api, "987-65-4321", "denied", reasons).await;
    // The officer sees the difference...
    let found = |id: String| {
        let api = &api;
        async move {
            api.get(&format!("/v1/requests/{id}/records"), Some("privacy"))
                .await
                .body
        }
    };
    let with_found = found(with.clone()).await;
    assert_eq!(
        with_found["records"].as_array().unwrap().len(),
        1,
        "{with_found}"
    );
    assert_eq!(with_found["records"][0]["exemption"], "552a(j)(2)");
    assert_eq!(found(without.clone()).await["records"], json!([]));
    // ...the requester never does: the same bytes but for the request's own id.
    let respond = |id: String| {
        let api = &api;
        async move {
            let answer = api
                .post(
                    &format!("/v1/requests/{id}/response"),
                    Some("privacy"),
                    json!({"official": "JANE ROE, Disclosure Officer"}),
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
            answer.text.replace(&id, "PA-ID")
        }
    };
    let (with_text, without_text) = (respond(with.clone()).await, respond(without).await);
    assert_eq!(with_text, without_text);
    assert!(
        with_text.contains(
            "no record available to you pursuant to the Privacy Act of 1974 has been identified"
        ),
        "{with_text}"
    );
}

#[tokio::test]
async fn a_granted_access_request_releases_readable_records_with_the_fee_rule() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let id = determined_request(&api, "123-45-6789", "granted", "").await;
    let record = api
        .get(&format!("/v1/requests/{id}/records"), Some("privacy"))
        .await
        .body["records"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The exemption is the ceiling: without a waiver, nothing from CBETF is released.
    let refused = api
        .post(
            &format!("/v1/requests/{id}/response"),
            Some("privacy"),
            json!({"official": "JANE ROE, Disclosure Officer", "release": [record]}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    let package = api
        .post(
            &format!("/v1/requests/{id}/response"),
            Some("privacy"),
            json!({"official": "JANE ROE, Disclosure Officer", "release": [record],
                   "waive": ["552a(j)(2)"], "pages": 120}),
        )
        .await;
    assert_eq!(package.status, StatusCode::OK, "{}", package.text);
    assert_eq!(
        package.body["records"][0]["subjects"][0]["name"],
        "JOHN Q PUBLIC"
    );
    assert_eq!(
        package.body["fee_cents"], 400,
        "20 pages beyond the first 100 at 20 cents"
    );
    let letter = package.body["letter"].as_str().unwrap();
    assert!(letter.contains(": 1 records released to you."), "{letter}");
    assert!(
        letter.contains("Responsible official: JANE ROE, Disclosure Officer"),
        "{letter}"
    );
    assert!(letter.contains("5 U.S.C. 552a(g)(1)(B)"), "{letter}");
    // Twenty pages fewer and the fee is under $3.00: none.
    let cheap = api
        .post(
            &format!("/v1/requests/{id}/response"),
            Some("privacy"),
            json!({"official": "JANE ROE, Disclosure Officer", "release": [record],
                   "waive": ["552a(j)(2)"], "pages": 110}),
        )
        .await;
    assert_eq!(cheap.body["fee_cents"], 0, "{}", cheap.text);
    // Search time is a FOIA fee: a Privacy Act response charges copies only (1.26(g)(2)).
    let searched = api
        .post(
            &format!("/v1/requests/{id}/response"),
            Some("privacy"),
            json!({"official": "JANE ROE, Disclosure Officer", "release": [record],
                   "waive": ["552a(j)(2)"], "pages": 110, "search_minutes": 30}),
        )
        .await;
    assert_eq!(
        searched.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        searched.text
    );
    assert!(searched.text.contains("copies only"), "{}", searched.text);
}

#[tokio::test]
async fn a_response_releases_only_the_requesters_records_as_the_individual_sees_them() {
    let api = api();
    let two_parties = json!({
        "system": "fincen-cbetf", "category": "transmittal", "collected_at": "2026-03-04",
        "source": {"report_id": "R-2"},
        "subjects": [
            {"role": "transmittor", "name": "JOHN Q PUBLIC", "identifiers": {"ssn": "123456789"}},
            {"role": "recipient", "name": "OTHER PARTY", "identifiers": {"ssn": "555-66-7777", "account": "998877"}}
        ],
        "fields": {"amount": "900.00", "currency": "USD", "transmittor_address": "1 MAIN ST",
                   "recipient_address": "9 ELSEWHERE RD", "remittance_information": "RENT FOR OTHER PARTY",
                   "uti": "UTISHARED77", "sender_reference": "REFSHARED88"}
    });
    let lines = [
        line("JOHN Q PUBLIC", "123-45-6789", 3),
        line("JANE ROE", "987-65-4321", 3),
        two_parties.to_string(),
    ]
    .join("\n");
    summary(&api.ingest("ingester", &lines, None).await);
    let find = |ssn: &'static str| {
        let api = &api;
        async move {
            let found = api.post("/v1/search", Some("ana"), search_body(ssn)).await;
            found.body["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|record| record["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let johns = find("123-45-6789").await;
    let janes = find("987-65-4321").await;
    assert_eq!((johns.len(), janes.len()), (2, 1));
    let id = determined_request(&api, "123-45-6789", "granted", "").await;
    let respond = |release: Vec<String>| {
        let api = &api;
        let uri = format!("/v1/requests/{id}/response");
        async move {
            api.post(
                &uri,
                Some("privacy"),
                json!({"official": "JANE ROE, Disclosure Officer", "release": release, "waive": ["552a(j)(2)"]}),
            )
            .await
        }
    };
    // Another person's record, from the same open system: refused, logged, nothing read.
    let refused = respond(vec![johns[0].clone(), janes[0].clone()]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert!(!refused.text.contains("JANE ROE"), "{}", refused.text);
    let denial = api.entries("action=request.response").await;
    assert_eq!(
        (
            denial.len(),
            denial[0]["decision"].as_str(),
            denial[0]["rule"].as_str()
        ),
        (1, Some("deny"), Some("response-not-the-requesters")),
        "{denial:?}"
    );
    assert!(
        api.entries(&format!("record={}&principal=privacy", janes[0]))
            .await
            .is_empty(),
        "the other person's record was never read"
    );
    // The requester's own records: the other party to a transfer is reduced to its role.
    let package = respond(johns.clone()).await;
    assert_eq!(package.status, StatusCode::OK, "{}", package.text);
    let records = package.body["records"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    for secret in [
        "OTHER PARTY",
        "555-66-7777",
        "998877",
        "R-2",
        "transfer_match",
        "ELSEWHERE",
        "RENT FOR",
        // Identifying numbers no role prefix ties to the requester (review of issue 21,
        // finding 5): withheld when the record has another party.
        "UTISHARED77",
        "REFSHARED88",
    ] {
        assert!(!package.text.contains(secret), "{secret}: {}", package.text);
    }
    let shared = records
        .iter()
        .find(|record| record["subjects"].as_array().unwrap().len() == 2)
        .unwrap();
    // The requester is found though the record holds the SSN without dashes.
    assert_eq!(shared["subjects"][0]["name"], "JOHN Q PUBLIC");
    assert_eq!(
        shared["fields"]["transmittor_address"], "1 MAIN ST",
        "their own field"
    );
    assert_eq!(
        shared["subjects"][1],
        json!({"role": "recipient", "identifiers": {}})
    );
    assert!(shared["withheld_fields"]
        .as_array()
        .unwrap()
        .contains(&json!("subject.2")));
}

#[tokio::test]
async fn an_amendment_refused_appealed_upheld_and_disputed_reaches_both_prior_recipients() {
    let api = api_with(open_system_policy());
    let line = line("JOHN Q PUBLIC", "123-45-6789", 3).replace("fincen-cbetf", "test-open");
    assert_eq!(
        summary(&api.ingest("ingester", &line, None).await)["ingested"],
        1
    );
    let search = json!({"system": "test-open", "identifier": {"type": "ssn", "value": "123-45-6789"}, "purpose": "investigation", "case": "CASE-1"});
    let found = api.post("/v1/search", Some("ana"), search).await;
    let record = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    // Two prior recipients.
    for recipient in ["State Police of Ohio", "State Police of Iowa"] {
        let mut body = release(
            &[record.as_str()],
            "state-agency",
            "investigation",
            json!({"routine_use": "A"}),
            true,
        );
        body["recipient"]["name"] = json!(recipient);
        let released = api.post("/v1/disclosures", Some("disclosure"), body).await;
        assert_eq!(released.status, StatusCode::CREATED, "{}", released.text);
    }
    let opened = api
        .post(
            "/v1/requests",
            Some("privacy"),
            json!({"kind": "amendment", "requester": "JOHN Q PUBLIC",
                   "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                   "systems": ["test-open"], "received": "2026-09-01"}),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    let id = opened.body["id"].as_str().unwrap().to_owned();
    let annotate = |kind: &str| json!({"record": record, "kind": kind, "portions": ["fields.amount"], "text": "the amount is wrong"});
    let premature = api
        .post(
            &format!("/v1/requests/{id}/annotations"),
            Some("privacy"),
            annotate("statement-of-disagreement"),
        )
        .await;
    assert_eq!(
        premature.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        premature.text
    );
    // (event, its fragment in the answer): refusal, an appeal mailed on the 35th day and
    // received after, upheld, then a statement of disagreement in its window.
    let steps = [
        (
            json!({"kind": "identity-verified", "method": "in-person-photo", "evidence": ["photo-id"], "on": "2026-09-01"}),
            "\"acknowledgment\"",
        ),
        (
            json!({"kind": "acknowledged", "on": "2026-09-08"}),
            "\"met\"",
        ),
        (
            json!({"kind": "determined", "outcome": "denied", "reasons": "the amount matches the report filed", "on": "2026-09-15"}),
            "\"appeal-window\"",
        ),
        (
            json!({"kind": "appealed", "postmarked": "2026-10-20", "on": "2026-10-22"}),
            "\"appeal-decision\"",
        ),
        (
            json!({"kind": "appeal-acknowledged", "on": "2026-10-26"}),
            "appeal-acknowledged",
        ),
        (
            json!({"kind": "appeal-determined", "outcome": "denied", "reasons": "upheld on review", "on": "2026-11-02"}),
            "statement-of-disagreement-window",
        ),
        (
            json!({"kind": "disagreement-filed", "postmarked": "2026-11-20", "on": "2026-11-23"}),
            "disagreement-filed",
        ),
    ];
    for (body, fragment) in steps {
        // Each entered on the day it is dated.
        api.set_day(body["on"].as_str().unwrap());
        let answer = api
            .post(
                &format!("/v1/requests/{id}/events"),
                Some("privacy"),
                body.clone(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{body}: {}", answer.text);
        assert!(answer.text.contains(fragment), "{body}: {}", answer.text);
    }
    api.days_later.store(0, Ordering::SeqCst);
    let statement = api
        .post(
            &format!("/v1/requests/{id}/annotations"),
            Some("privacy"),
            annotate("statement-of-disagreement"),
        )
        .await;
    assert_eq!(statement.status, StatusCode::CREATED, "{}", statement.text);
    assert_eq!(statement.body["notices"], 2, "{}", statement.text);
    let notices = api.get("/v1/notices", Some("privacy")).await.body["notices"]
        .as_array()
        .unwrap()
        .clone();
    let mut recipients: Vec<&str> = notices
        .iter()
        .filter(|notice| notice["record"] == record.as_str())
        .map(|notice| notice["recipient"]["name"].as_str().unwrap())
        .collect();
    recipients.sort_unstable();
    assert_eq!(recipients, ["State Police of Iowa", "State Police of Ohio"]);
    // Every later read shows the disputed portion and the statement, linked to the request.
    let read = api
        .get(
            &format!("/v1/records/{record}?purpose=investigation&case=CASE-1"),
            Some("ana"),
        )
        .await;
    let annotation = &read.body["annotations"][0];
    assert_eq!(
        annotation["kind"], "statement-of-disagreement",
        "{}",
        read.text
    );
    assert_eq!(annotation["portions"], json!(["fields.amount"]));
    assert!(annotation["text"]
        .as_str()
        .unwrap()
        .starts_with(&format!("request {id}: ")));
    // A correction needs a grant this request never had.
    let correction = api
        .post(
            &format!("/v1/requests/{id}/annotations"),
            Some("privacy"),
            annotate("correction"),
        )
        .await;
    assert_eq!(
        correction.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        correction.text
    );
}

#[tokio::test]
async fn a_granted_pnr_rectification_reaches_both_designated_authorities() {
    let api = api();
    summary(
        &api.ingest("cbp-ingest", &pnr_line("ANNE LOW", "P4000001"), None)
            .await,
    );
    let pnr = api
        .post(
            "/v1/search",
            Some("cbp-analyst"),
            pnr_search("P4000001", "counterterrorism"),
        )
        .await;
    let pnr_id = pnr.body["records"][0]["id"].as_str().unwrap().to_owned();
    for authority in ["Bundeskriminalamt", "Koninklijke Marechaussee"] {
        register(&api, authority, true).await;
        let body = json!({"records": [pnr_id], "recipient": {"name": authority, "address": "EU", "category": "foreign-agency"},
                          "purpose": "counterterrorism", "basis": {"designated_authority": authority, "statute": "18 U.S.C. 2339B", "violation": "a booking paid by a listed entity"}, "accuracy_attested": true});
        assert_eq!(
            api.post("/v1/disclosures", Some("cbp-disclosure"), body)
                .await
                .status,
            StatusCode::CREATED
        );
    }
    let open = |kind: &str, systems: Value| {
        json!({"kind": kind, "requester": "ANNE LOW", "status": "other",
               "identifiers": [{"type": "passport", "value": "P4000001", "country": "FR"}],
               "systems": systems, "received": "2026-11-16"})
    };
    // Rectification is PNR's own cycle; other systems take amendment requests.
    let refused = api
        .post(
            "/v1/requests",
            Some("cbp-privacy"),
            open("rectification", json!(["fincen-cbetf"])),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    let opened = api
        .post(
            "/v1/requests",
            Some("cbp-privacy"),
            open("rectification", json!(["cbp-pnr"])),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    assert_eq!(opened.body["case"]["route"], "privacy-act");
    let id = opened.body["id"].as_str().unwrap().to_owned();
    for body in [
        json!({"kind": "identity-verified", "method": "perjury-statement", "evidence": ["perjury-statement"], "facts": ["full-name", "current-address", "date-of-birth", "place-of-birth"], "on": "2026-11-17"}),
        json!({"kind": "determined", "outcome": "granted", "reasons": "", "on": "2026-11-20"}),
    ] {
        let answer = api
            .post(
                &format!("/v1/requests/{id}/events"),
                Some("cbp-privacy"),
                body,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    let made = api
        .post(
            &format!("/v1/requests/{id}/annotations"),
            Some("cbp-privacy"),
            json!({"record": pnr_id, "kind": "correction", "portions": ["fields.record_locator"], "text": "ABC124"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(made.body["notices"], 2, "{}", made.text);
    let notices = api.get("/v1/notices", Some("cbp-privacy")).await.body["notices"]
        .as_array()
        .unwrap()
        .clone();
    let mut recipients: Vec<&str> = notices
        .iter()
        .map(|notice| notice["recipient"]["name"].as_str().unwrap())
        .collect();
    recipients.sort_unstable();
    assert_eq!(
        recipients,
        ["Bundeskriminalamt", "Koninklijke Marechaussee"]
    );
    // An unresolved complaint goes on to the DHS Chief Privacy Officer, and is tracked.
    let second = api
        .post(
            "/v1/requests",
            Some("cbp-privacy"),
            open("rectification", json!(["cbp-pnr"])),
        )
        .await;
    let second_id = second.body["id"].as_str().unwrap().to_owned();
    let referred = api
        .post(
            &format!("/v1/requests/{second_id}/events"),
            Some("cbp-privacy"),
            json!({"kind": "referred-to-chief-privacy-officer"}),
        )
        .await;
    assert_eq!(referred.status, StatusCode::OK, "{}", referred.text);
}

/// Seed 001 paragraphs 40-42: complaints "directly or via the relevant DPA (to the extent
/// specifically authorized by the data subject)" go to CBP's Office of Field Operations; one
/// CBP "cannot resolve" to the DHS Chief Privacy Officer; one a DPA refers after that to the
/// Privacy Office "on an expedited basis", which "will report its conclusions"; and the Chief
/// Privacy Officer reports "the number, the substance and the resolution of complaints" to
/// Congress. Then the year's request statistics, as JSON and CSV, for privacy staff and
/// auditors only.
#[tokio::test]
async fn complaints_go_from_cbp_to_the_chief_privacy_officer_and_are_reported_with_the_years_statistics(
) {
    let api = api();
    let complaint = |extra: Value| {
        let mut body = json!({"kind": "complaint", "requester": "ANNE LOW", "status": "other",
               "identifiers": [{"type": "passport", "value": "P4000001", "country": "FR"}],
               "systems": ["cbp-pnr"], "received": "2026-11-02", "substance": "use-or-sharing"});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    type Row = (&'static str, Value, StatusCode, &'static str);
    let rows: Vec<Row> = vec![
        (
            "through an authority without the subject's authorization on file",
            complaint(json!({"through_authority": "CNIL"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "specifically authorized by the data subject",
        ),
        (
            "about a system whose notice has no complaint procedure",
            complaint(json!({"systems": ["fincen-cbetf"]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "provides no complaint procedure",
        ),
        (
            "with a substance that is not a code",
            complaint(json!({"substance": "123-45-6789"})),
            StatusCode::BAD_REQUEST,
            "names its `substance`, one of accuracy",
        ),
        (
            "through an authority, authorized",
            complaint(json!({"through_authority": "CNIL", "authority_authorized": true})),
            StatusCode::CREATED,
            "CNIL",
        ),
        (
            "directly, about retention",
            complaint(json!({"substance": "retention", "received": "2026-11-09"})),
            StatusCode::CREATED,
            "retention",
        ),
    ];
    let mut ids = Vec::new();
    for (what, body, status, words) in rows {
        let answer = api.post("/v1/requests", Some("cbp-privacy"), body).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.text);
        assert!(answer.text.contains(words), "{what}: {}", answer.text);
        assert!(
            !answer.text.contains("123-45-6789"),
            "{what}: {}",
            answer.text
        );
        if status == StatusCode::CREATED {
            ids.push(answer.body["id"].as_str().unwrap().to_owned());
        }
    }
    let event = |id: String, body: Value| {
        let api = &api;
        async move {
            api.post(
                &format!("/v1/requests/{id}/events"),
                Some("cbp-privacy"),
                body,
            )
            .await
        }
    };
    // The first goes all the way: CBP, the Chief Privacy Officer, the authority's referral.
    let steps: Vec<(Value, StatusCode)> = vec![
        (
            json!({"kind": "referred-to-chief-privacy-officer", "on": "2026-11-03"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"kind": "determined", "outcome": "granted", "reasons": "", "on": "2026-11-03"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"kind": "cbp-answered", "resolved": false, "answer": "the data were used as the Undertakings allow", "on": "2026-11-04"}),
            StatusCode::OK,
        ),
        (
            json!({"kind": "referred-to-chief-privacy-officer", "on": "2026-11-05"}),
            StatusCode::OK,
        ),
        (
            json!({"kind": "chief-privacy-officer-answered", "resolved": false, "answer": "reviewed", "on": "2026-11-10"}),
            StatusCode::OK,
        ),
        (
            json!({"kind": "dpa-referred", "authority": "CNIL", "on": "2026-11-13"}),
            StatusCode::OK,
        ),
    ];
    for (body, status) in steps {
        let answer = event(ids[0].clone(), body.clone()).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.text);
    }
    // Referred on Friday 13 November: the conclusions are due ten working days on, Veterans
    // Day already past and Thanksgiving (26 November) not counted: Monday 30 November.
    let due = api
        .get("/v1/requests/due?as_of=2026-11-24", Some("cbp-privacy"))
        .await;
    let conclusions = due.body["due"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["what"] == "dpa-conclusions")
        .cloned()
        .unwrap_or_default();
    assert_eq!(conclusions["due"], "2026-11-30", "{}", due.text);
    let reported = event(
        ids[0].clone(),
        json!({"kind": "conclusions-reported", "conclusions": "handled as the Undertakings require", "actions": "none", "on": "2026-11-24"}),
    )
    .await;
    assert_eq!(reported.status, StatusCode::OK, "{}", reported.text);
    let resolved = event(
        ids[1].clone(),
        json!({"kind": "cbp-answered", "resolved": true, "answer": "the record was deleted on schedule", "on": "2026-11-20"}),
    )
    .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text);

    // A Privacy Act request beside them, granted in 3 working days.
    let request = api
        .post(
            "/v1/requests",
            Some("privacy"),
            json!({"kind": "accounting", "requester": "JOHN Q PUBLIC", "status": "citizen",
                   "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                   "systems": ["fincen-cbetf"], "received": "2026-11-16"}),
        )
        .await;
    assert_eq!(request.status, StatusCode::CREATED, "{}", request.text);
    let request_id = request.body["id"].as_str().unwrap().to_owned();
    for body in [
        json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"], "on": "2026-11-17"}),
        json!({"kind": "determined", "outcome": "granted", "reasons": "", "on": "2026-11-19"}),
    ] {
        // Entered on the day it is dated: processing time counts to the day it was recorded.
        api.set_day(body["on"].as_str().unwrap());
        let answer = api
            .post(
                &format!("/v1/requests/{request_id}/events"),
                Some("privacy"),
                body,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    api.days_later.store(0, Ordering::SeqCst);

    // The report to Congress.
    let report = api
        .get("/v1/reports/complaints?year=2026", Some("auditor"))
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    let body = &report.body;
    assert_eq!(
        (
            body["received"].clone(),
            body["through_authority"].clone(),
            body["by_substance"]["use-or-sharing"].clone(),
            body["by_substance"]["retention"].clone(),
            body["by_resolution"]["concluded-on-authority-referral"].clone(),
            body["by_resolution"]["resolved-by-cbp"].clone(),
            body["authority_referrals"].clone(),
            body["referrals_concluded_late"].clone(),
        ),
        (
            json!(2),
            json!(1),
            json!(1),
            json!(1),
            json!(1),
            json!(1),
            json!(1),
            json!(0)
        ),
        "{}",
        report.text
    );
    assert!(!report.text.contains("ANNE"), "{}", report.text);
    // The statistics, as CSV: the complaints are not requests.
    let csv = api
        .get("/v1/reports/requests?year=2026&format=csv", Some("privacy"))
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    assert_eq!(
        csv.text,
        "system,year,received,processed,granted,partly_granted,denied,exemptions,median_days,longest_days,pending,backlog,fees_cents\n\
         fincen-cbetf,2026,1,1,1,0,0,,3,3,0,0,0\n"
    );
    // Only privacy staff and auditors; only years that have begun; only JSON or CSV.
    type Refused = (&'static str, &'static str, StatusCode);
    let refusals: Vec<Refused> = vec![
        (
            "ana",
            "/v1/reports/requests?year=2026",
            StatusCode::FORBIDDEN,
        ),
        (
            "cbp-analyst",
            "/v1/reports/complaints?year=2026",
            StatusCode::FORBIDDEN,
        ),
        // A year to come depends on the day (422); one before 1970 breaks the document (400).
        (
            "privacy",
            "/v1/reports/requests?year=2027",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "privacy",
            "/v1/reports/complaints?year=2027",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "privacy",
            "/v1/reports/requests?year=1969",
            StatusCode::BAD_REQUEST,
        ),
        (
            "privacy",
            "/v1/reports/requests?year=2026&format=xml",
            StatusCode::BAD_REQUEST,
        ),
        ("privacy", "/v1/reports/requests", StatusCode::BAD_REQUEST),
    ];
    for (who, uri, status) in refusals {
        let answer = api.get(uri, Some(who)).await;
        assert_eq!(answer.status, status, "{who} {uri}: {}", answer.text);
    }
    // Every report read the case files under the reader's name, each read logged.
    let reads = api.entries("action=case.read&principal=auditor").await;
    assert_eq!(
        reads.len(),
        3,
        "one read of each of the three files: {reads:?}"
    );
}

#[tokio::test]
async fn an_institutions_mt_file_is_ingested_over_the_api_with_a_receipt_by_location() {
    let api = api();
    let sent = "{1:F01BANKUS33AXXX0000000000}{2:I103BANKDEFFXXXXN}{3:{121:eb6305c9-1f7f-49de-aed0-16487c27b42d}}{4:\r\n:20:REF-1\r\n:32A:261110USD1500,50\r\n:50K:/000123\r\nJOHN Q PUBLIC\r\n:59:/DE89\r\nJANE EXAMPLE\r\n-}";
    let domestic = "{1:F01AAAAUSLAAXXX5195167828}{2:O1031612170425BBBBUS33BXXX01613135551704260717N}{4:\r\n:20:234234233\r\n:32A:190425USD3700,\r\n:50K:/0000000000\r\nX\r\n:59:/0000000000\r\nY\r\n-}";
    let post = |query: &str, body: String, who: &str| {
        let request = Request::builder()
            .method("POST")
            .uri(format!("/v1/ingest?{query}"))
            .header("authorization", format!("Bearer {}", api.tokens[who]))
            .body(Body::from(body))
            .unwrap();
        api.call(request)
    };
    let answer = post(
        "format=mt&filed_on=2026-11-24",
        [sent, sent, domestic].join("$"),
        "ingester",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let receipt = summary(&answer)["receipt"].clone();
    assert_eq!(receipt["format"], "mt", "{receipt}");
    assert_eq!(receipt["accepted"], 1, "{receipt}");
    assert_eq!(receipt["duplicates"][0]["location"], "message 2");
    assert_eq!(receipt["flagged"][0]["flags"], "late", "{receipt}");
    assert_eq!(receipt["rejections"][0]["location"], "message 3");
    assert!(
        !answer.text.contains("JOHN"),
        "receipts never repeat values"
    );
    // The record is found by the transmittor's account, like any CBETF record.
    let found = api
        .post(
            "/v1/search",
            Some("ana"),
            json!({"system": "fincen-cbetf", "identifier": {"type": "account", "value": "000123"}, "purpose": "investigation", "case": "CASE-1"}),
        )
        .await;
    assert_eq!(
        found.body["records"][0]["fields"]["direction"], "sent",
        "{}",
        found.text
    );
    assert_eq!(
        found.body["records"][0]["fields"]["transmitted_on_source"],
        "value date (32A)"
    );
    // The record traces to the bytes it came from, exactly as sent; the raw record itself is
    // read only through it.
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    let raw = api
        .get(
            &format!("/v1/records/{id}/raw?purpose=investigation&case=CASE-1"),
            Some("ana"),
        )
        .await;
    assert_eq!(raw.status, StatusCode::OK, "{}", raw.text);
    assert_eq!(raw.body["message"], sent, "the message as received");
    assert_eq!(
        found.body["records"][0]["source"]["raw_record"], raw.body["raw_record"],
        "{}",
        found.text
    );
    let raw_id = raw.body["raw_record"].as_str().unwrap();
    let direct = api
        .get(
            &format!("/v1/records/{raw_id}?purpose=investigation&case=CASE-1"),
            Some("ana"),
        )
        .await;
    assert_eq!(direct.status, StatusCode::NOT_FOUND, "{}", direct.text);
    assert!(direct.text.contains("/raw"), "{}", direct.text);
    let anonymous = api
        .get(
            &format!("/v1/records/{id}/raw?purpose=investigation&case=CASE-1"),
            None,
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // Bad options are refused before anything is read: what breaks the document 400, a
    // filing date to come (it depends on the day) 422.
    for (query, status) in [
        ("format=swift", StatusCode::BAD_REQUEST),
        ("format=mt&reporter_type=bureau", StatusCode::BAD_REQUEST),
        ("format=mt&filed_on=2026-4-1", StatusCode::BAD_REQUEST),
        (
            "format=mt&filed_on=2999-01-01",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        // Checked whenever given, as the document states them, though JSON lines use neither.
        ("reporter_type=bureau", StatusCode::BAD_REQUEST),
        ("format=jsonl&filed_on=2026-4-1", StatusCode::BAD_REQUEST),
    ] {
        let refused = post(query, sent.to_owned(), "ingester").await;
        assert_eq!(refused.status, status, "{query}: {}", refused.text);
    }
}

#[tokio::test]
async fn a_banks_tin_report_and_a_carriers_pnrs_are_ingested_over_the_api_with_receipts() {
    let api = api();
    let post = |query: &str, body: &str, who: &str| {
        let request = Request::builder()
            .method("POST")
            .uri(format!("/v1/ingest?{query}"))
            .header("authorization", format!("Bearer {}", api.tokens[who]))
            .body(Body::from(body.to_owned()))
            .unwrap();
        api.call(request)
    };
    let report = "report_year,account,tin,accountholder_name,accountholder_type\n\
                  2025,000123,123-45-6789,JOHN Q PUBLIC,\n\
                  2025,000999,987654321,,bank\n\
                  2025,000123,123456789,JOHN Q PUBLIC,\n\
                  2025,000555,12345,,\n";
    let answer = post(
        "format=tin&reporter=BANKUS33XXX&filed_on=2026-04-20",
        report,
        "ingester",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let receipt = summary(&answer)["receipt"].clone();
    assert_eq!(receipt["accepted"], 1, "{receipt}");
    assert_eq!(receipt["duplicates"][0]["location"], "row 4", "{receipt}");
    assert_eq!(receipt["flagged"][0]["location"], "row 2");
    assert_eq!(receipt["flagged"][0]["flags"], "late", "due April 15");
    assert_eq!(receipt["rejected"], 2);
    assert_eq!(receipt["rejections"][0]["location"], "row 3");
    assert!(receipt["rejections"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("103.14(f)(1)"));
    assert_eq!(receipt["rejections"][1]["location"], "line 5, column tin");
    assert!(!answer.text.contains("JOHN") && !answer.text.contains("6789"));
    // Found by the TIN, and by the account it shares with the year's transmittals.
    for identifier in [
        json!({"type": "tin", "value": "123-45-6789"}),
        json!({"type": "account", "value": "000123"}),
    ] {
        let found = api
            .post(
                "/v1/search",
                Some("ana"),
                json!({"system": "fincen-cbetf", "identifier": identifier, "purpose": "investigation", "case": "CASE-1"}),
            )
            .await;
        let record = &found.body["records"][0];
        assert_eq!(record["category"], "tin-report", "{}", found.text);
        assert_eq!(record["fields"]["due_on"], "2026-04-15");
        assert_eq!(record["fields"]["report_year"], "2025");
    }
    // Money transmitters file no TIN report, and a report names its bank: rules joining two
    // parameters, 422.
    for query in [
        "format=tin&reporter=BANKUS33XXX&reporter_type=money-transmitter&filed_on=2026-04-20",
        "format=tin&filed_on=2026-04-20",
    ] {
        let refused = post(query, report, "ingester").await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            refused.text
        );
    }

    // A carrier's push: two PNRs, one malformed.
    let pnrs = format!(
        "{}\n{}\n",
        r#"{"carrier":"XX","pulled_at":"2026-11-24T06:00:00Z","flight":"XX100","departs_at":"2026-11-24T18:00:00Z","arrives_at":"2026-11-25T02:00:00Z","record_locator":"ABC123","name":"ANNE EXAMPLE","osi":"PASSENGER IS PREGNANT","apis":{"passport_number":"X1234567","passport_country":"FR"}}"#,
        r#"{"carrier":"XX","name":"BEN EXAMPLE"}"#
    );
    let answer = post("format=pnr&filed_on=2026-11-24", &pnrs, "cbp-ingest").await;
    let receipt = summary(&answer)["receipt"].clone();
    assert_eq!(receipt["accepted"], 1, "{receipt}");
    assert_eq!(
        receipt["rejections"][0]["location"],
        "line 2, key record_locator"
    );
    let found = api
        .post(
            "/v1/search",
            Some("cbp-analyst"),
            pnr_search("X1234567", "counterterrorism"),
        )
        .await;
    let record = &found.body["records"][0];
    assert_eq!(
        record["fields"]["record_locator"], "ABC123",
        "{}",
        found.text
    );
    // Its raw message holds the free text: not for an analyst while the passenger is not
    // flagged high risk.
    let id = record["id"].as_str().unwrap();
    let raw = api
        .get(
            &format!("/v1/records/{id}/raw?purpose=counterterrorism&case=PNR-1"),
            Some("cbp-analyst"),
        )
        .await;
    assert_eq!(raw.status, StatusCode::FORBIDDEN, "{}", raw.text);
}

/// The letters people receive, made from the case file, sealed in it, listed, and read back as
/// text or PDF; the agency's templates replace the shipped ones. 31 CFR 1.27(d) and (e)(1): a
/// refusal to amend states the right to appeal within 35 days; 1.27(e)(4): the final refusal
/// states the right to file a statement of disagreement and to judicial review under 5 U.S.C.
/// 552a(g)(1)(A); 1.5(a)(1): the deficiency letter says what is missing.
#[tokio::test]
async fn letters_come_from_the_case_file_and_editable_templates_as_text_and_pdf() {
    let api = api();
    let opened = api
        .post(
            "/v1/requests",
            Some("privacy"),
            json!({"kind": "amendment", "requester": "JOHN Q PUBLIC",
                   "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                   "systems": ["fincen-cbetf"], "received": "2026-09-01"}),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    let api = &api;
    let event = |body: Value| async move {
        api.post("/v1/requests/PA-2026-000001/events", Some("privacy"), body)
            .await
    };
    let letter = |kind: &'static str| async move {
        api.post(
            "/v1/requests/PA-2026-000001/letters",
            Some("privacy"),
            json!({"kind": kind, "official": "JANE ROE, Disclosure Officer"}),
        )
        .await
    };
    // (an event first, the letter, status, what the letter says).
    let steps: Vec<(Option<Value>, &str, StatusCode, Vec<&str>)> = vec![
        (
            None,
            "deficiency",
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["no deficiency notice"],
        ),
        (
            Some(
                json!({"kind": "deficient", "missing": ["signature", "a third identifier"], "on": "2026-09-02"}),
            ),
            "deficiency",
            StatusCode::CREATED,
            vec!["  - signature", "  - a third identifier", "30 days"],
        ),
        (
            Some(json!({"kind": "perfected", "on": "2026-09-08"})),
            "acknowledgment",
            StatusCode::CREATED,
            vec!["received on 2026-09-01", "JANE ROE"],
        ),
        (
            Some(
                json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"], "on": "2026-09-08"}),
            ),
            "delay",
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["no delay notice"],
        ),
        (
            Some(
                json!({"kind": "extended", "reason": "records at a field office", "until": "2026-10-30", "on": "2026-09-09"}),
            ),
            "delay",
            StatusCode::CREATED,
            vec!["records at a field office", "by 2026-10-30"],
        ),
        (
            Some(
                json!({"kind": "determined", "outcome": "denied", "reasons": "the record is accurate as reported", "on": "2026-09-15"}),
            ),
            "amendment-refusal",
            StatusCode::CREATED,
            vec![
                "the record is accurate as reported",
                "within 35 days",
                "by 2026-10-20",
            ],
        ),
        (
            Some(json!({"kind": "appealed", "postmarked": "2026-10-01", "on": "2026-10-02"})),
            "final-refusal",
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["no appeal that upheld"],
        ),
        (
            Some(
                json!({"kind": "appeal-determined", "outcome": "denied", "reasons": "upheld", "on": "2026-10-20"}),
            ),
            "final-refusal",
            StatusCode::CREATED,
            vec![
                "statement of why you disagree",
                "by 2026-11-24",
                "5 U.S.C. 552a(g)(1)(A)",
            ],
        ),
        (
            None,
            "determination",
            StatusCode::BAD_REQUEST,
            vec!["comes with the response package"],
        ),
        (
            None,
            "a-sonnet",
            StatusCode::BAD_REQUEST,
            vec!["(not a code)"],
        ),
    ];
    for (n, (before, kind, status, words)) in steps.into_iter().enumerate() {
        if let Some(body) = before {
            // Entered on the day it is dated.
            api.set_day(body["on"].as_str().unwrap());
            let recorded = event(body.clone()).await;
            assert_eq!(
                recorded.status,
                StatusCode::OK,
                "row {n}: {}",
                recorded.text
            );
        }
        let made = letter(kind).await;
        assert_eq!(made.status, status, "row {n}: {}", made.text);
        for word in words {
            assert!(made.text.contains(word), "row {n}: {word}: {}", made.text);
        }
        assert!(!made.text.contains("a-sonnet"), "{}", made.text);
    }
    // Sealed in the case file, listed, read back: the text as made, the PDF the same each time.
    let listed = api
        .get("/v1/requests/PA-2026-000001/letters", Some("auditor"))
        .await;
    let kinds: Vec<&str> = listed.body["letters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|letter| letter["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "deficiency",
            "acknowledgment",
            "delay",
            "amendment-refusal",
            "final-refusal"
        ]
    );
    let text = api
        .get("/v1/requests/PA-2026-000001/letters/5", Some("auditor"))
        .await;
    assert_eq!(text.status, StatusCode::OK);
    assert!(
        text.text.starts_with("Department of the Treasury\n"),
        "{}",
        text.text
    );
    assert!(text
        .text
        .contains("Re: your amendment request PA-2026-000001"));
    let pdf = |n: u32| async move {
        api.get(
            &format!("/v1/requests/PA-2026-000001/letters/{n}?format=pdf"),
            Some("auditor"),
        )
        .await
    };
    let first = pdf(5).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.content_type, "application/pdf");
    assert!(first.bytes.starts_with(b"%PDF-"));
    assert_eq!(first.bytes, pdf(5).await.bytes);
    assert_ne!(first.bytes, pdf(4).await.bytes);
    // The agency's letterhead replaces the shipped one; a template that does not render, or
    // a letter the vault does not know, is refused.
    for (kind, text, status) in [
        (
            "letterhead",
            "U.S. DEPARTMENT OF THE TREASURY, FinCEN\n{{ today }}\nRe: {{ request }}",
            StatusCode::OK,
        ),
        // Whether it renders is a rule no schema states (422); the kind is the document's enum
        // (400), and so is the length in characters.
        ("delay", "{% if %}", StatusCode::UNPROCESSABLE_ENTITY),
        ("a-sonnet", "text", StatusCode::BAD_REQUEST),
        ("delay", &"x".repeat(16 * 1024 + 1), StatusCode::BAD_REQUEST),
        (
            "delay",
            &"é".repeat(16 * 1024),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let stored = api
            .post(
                &format!("/v1/letters/templates/{kind}"),
                Some("privacy"),
                json!({"text": text}),
            )
            .await;
        assert_eq!(stored.status, status, "{kind}: {}", stored.text);
    }
    let templates = api.get("/v1/letters/templates", Some("auditor")).await;
    assert_eq!(templates.body["templates"][0]["source"], "agency");
    let again = letter("acknowledgment").await;
    assert!(
        again.body["text"]
            .as_str()
            .unwrap()
            .starts_with("U.S. DEPARTMENT OF THE TREASURY, FinCEN"),
        "{}",
        again.text
    );
}

/// 31 CFR 1.26(g)(6)(i): for records exempted under 552a(j) the agency "will neither confirm
/// nor deny the existence of the record": the letter, and its PDF, are the same bytes whether
/// or not the system holds a record about the requester.
#[tokio::test]
async fn the_neither_confirm_nor_deny_letter_is_the_same_bytes_with_or_without_a_record() {
    let mut outputs = Vec::new();
    for with_record in [true, false] {
        let api = api();
        if with_record {
            summary(
                &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
                    .await,
            );
        }
        let opened = api
            .post(
                "/v1/requests",
                Some("privacy"),
                json!({"kind": "access", "requester": "JOHN Q PUBLIC",
                       "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                       "systems": ["fincen-cbetf"], "received": "2026-11-20"}),
            )
            .await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
        for body in [
            json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"]}),
            json!({"kind": "determined", "outcome": "denied", "reasons": "exempt under 552a(j)(2)"}),
        ] {
            let answer = api
                .post("/v1/requests/PA-2026-000001/events", Some("privacy"), body)
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        }
        let response = api
            .post(
                "/v1/requests/PA-2026-000001/response",
                Some("privacy"),
                json!({"official": "JANE ROE, Disclosure Officer"}),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        let n = response.body["letter_number"].as_u64().unwrap();
        let text = api
            .get(
                &format!("/v1/requests/PA-2026-000001/letters/{n}"),
                Some("privacy"),
            )
            .await;
        let pdf = api
            .get(
                &format!("/v1/requests/PA-2026-000001/letters/{n}?format=pdf"),
                Some("privacy"),
            )
            .await;
        assert!(
            text.text.contains("no record available to you pursuant to the Privacy Act of 1974 has been identified"),
            "{}",
            text.text
        );
        assert!(pdf.bytes.starts_with(b"%PDF-"));
        outputs.push((response.text, text.text, pdf.bytes));
    }
    assert_eq!(outputs[0].0, outputs[1].0, "the response package");
    assert_eq!(outputs[0].1, outputs[1].1, "the letter's text");
    assert_eq!(outputs[0].2, outputs[1].2, "the letter's PDF");
}

/// 31 CFR part 1 appendix A ¶8 and 1.26: nothing about the requester before identity is
/// verified. A denial needs no verification, but its response package (which carries the
/// accounting of disclosures for the identifiers typed in) is refused and logged until then.
#[tokio::test]
async fn a_response_waits_for_identity_even_after_a_denial() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let opened = api
        .post(
            "/v1/requests",
            Some("privacy"),
            json!({"kind": "access", "requester": "SOMEONE ELSE",
                   "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                   "systems": ["fincen-cbetf"], "received": "2026-11-20"}),
        )
        .await;
    let id = opened.body["id"].as_str().unwrap().to_owned();
    let denied = api
        .post(
            &format!("/v1/requests/{id}/events"),
            Some("privacy"),
            json!({"kind": "determined", "outcome": "denied", "reasons": "no records releasable"}),
        )
        .await;
    assert_eq!(denied.status, StatusCode::OK, "{}", denied.text);
    let response = api
        .post(
            &format!("/v1/requests/{id}/response"),
            Some("privacy"),
            json!({"official": "FinCEN Disclosure Officer"}),
        )
        .await;
    assert_eq!(
        (response.status, response.body["rule"].as_str()),
        (StatusCode::FORBIDDEN, Some("identity-not-verified")),
        "{}",
        response.text
    );
    assert!(!response.text.contains("123-45-6789"), "{}", response.text);
    let logged = api.entries("action=request.response").await;
    assert!(
        logged
            .iter()
            .any(|entry| entry["rule"] == "identity-not-verified"),
        "{logged:?}"
    );
}

/// Paragraph 13 of seed 001: "CBP will 'pull' passenger information from air carrier
/// reservation systems until such time as air carriers are able to implement a system to
/// 'push' the data to CBP." Which carriers push, and from when, is recorded by CBP's records
/// officers in a signed registry that keeps every change, each logged; nobody else writes it,
/// and what a caller types is not echoed.
#[tokio::test]
async fn cbps_records_officers_record_which_carriers_push() {
    let api = api();
    let body = |carrier: &str, icao: Value, pushes: bool, from: &str, reason: &str| json!({"system": "cbp-pnr", "carrier": carrier, "icao": icao, "pushes": pushes, "from": from, "reason": reason});
    let none = Value::Null;
    // (who, body, status, what the problem says)
    let rows: Vec<(&str, Value, StatusCode, &str)> = vec![
        (
            "records",
            body("YY", none.clone(), true, "2026-11-20", "notice"),
            StatusCode::FORBIDDEN,
            "",
        ),
        (
            "cbp-analyst",
            body("YY", none.clone(), true, "2026-11-20", "notice"),
            StatusCode::FORBIDDEN,
            "",
        ),
        (
            "cbp-ingest",
            body("YY", none.clone(), true, "2026-11-20", "notice"),
            StatusCode::FORBIDDEN,
            "",
        ),
        (
            "cbp-records",
            body("Y#", none.clone(), true, "2026-11-20", "notice"),
            StatusCode::BAD_REQUEST,
            "IATA designator",
        ),
        (
            "cbp-records",
            body("YYY", none.clone(), true, "2026-11-20", "notice"),
            StatusCode::BAD_REQUEST,
            "IATA designator",
        ),
        (
            "cbp-records",
            body("12", none.clone(), true, "2026-11-20", "notice"),
            StatusCode::BAD_REQUEST,
            "not both digits",
        ),
        (
            "cbp-records",
            body("YY", json!("Y1Z"), true, "2026-11-20", "notice"),
            StatusCode::BAD_REQUEST,
            "three letters",
        ),
        (
            "cbp-records",
            body("YY", none.clone(), true, "1999-12-31", "notice"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "from 2000-01-01",
        ),
        (
            "cbp-records",
            body("YY", none.clone(), true, "2099-01-01", "notice"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a year from today",
        ),
        // A designator is what the document's pattern takes: spaces around it are not
        // trimmed any more.
        (
            "cbp-records",
            body(" YY", none.clone(), true, "2026-11-20", "notice"),
            StatusCode::BAD_REQUEST,
            "IATA designator",
        ),
        (
            "cbp-records",
            body("YY", none.clone(), true, "20 Nov", "notice"),
            StatusCode::BAD_REQUEST,
            "`from` must be a date",
        ),
        (
            "cbp-records",
            body("YY", none.clone(), true, "2026-11-20", "  "),
            StatusCode::BAD_REQUEST,
            "`reason` says why",
        ),
        (
            "cbp-records",
            json!({"system": "fincen-cbetf", "carrier": "YY", "pushes": true, "from": "2026-11-20", "reason": "x"}),
            StatusCode::FORBIDDEN,
            "",
        ),
        (
            "cbp-records",
            body(
                "YY",
                json!("yya"),
                true,
                "2026-11-20",
                "carrier notice 2026-11-02",
            ),
            StatusCode::OK,
            "",
        ),
        (
            "cbp-records",
            body("BA", json!("BAW"), false, "2026-01-01", "pulled"),
            StatusCode::OK,
            "",
        ),
        (
            "cbp-records",
            body("ZB", json!("BAW"), false, "2026-01-01", "pulled"),
            StatusCode::CONFLICT,
            "another carrier",
        ),
    ];
    for (who, sent, status, says) in rows {
        let answer = api.post("/v1/pnr-carriers", Some(who), sent.clone()).await;
        assert_eq!(answer.status, status, "{who} {sent}: {}", answer.body);
        assert!(
            answer.body.to_string().contains(says),
            "{who} {sent}: {}",
            answer.body
        );
        for typed in ["Y#", "Y1Z", "20 Nov", "carrier notice"] {
            assert!(!answer.body.to_string().contains(typed), "{}", answer.body);
        }
    }
    let listed = api
        .get("/v1/pnr-carriers?system=cbp-pnr", Some("cbp-records"))
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let carriers = listed.body["carriers"].as_array().unwrap();
    assert_eq!(carriers.len(), 2, "{}", listed.body);
    let yy = carriers.iter().find(|entry| entry["iata"] == "YY").unwrap();
    assert_eq!(yy["icao"], "YYA");
    assert_eq!(yy["changes"][0]["from"], "2026-11-20");
    assert_eq!(yy["changes"][0]["recorded_on"], "2026-11-24");
    assert_eq!(yy["changes"][0]["reason"], "carrier notice 2026-11-02");
    assert_eq!(
        api.get("/v1/pnr-carriers?system=cbp-pnr", Some("cbp-analyst"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // A change is logged with the carrier and the day, never the reason.
    let logged = api
        .get(
            "/v1/audit/entries?action=receipts.configure",
            Some("auditor"),
        )
        .await;
    let text = logged.body.to_string();
    assert!(
        text.contains("carrier YY (YYA) of `cbp-pnr` pushes from 2026-11-20"),
        "{text}"
    );
    assert!(
        text.contains("carrier BA (BAW) of `cbp-pnr` is pulled from 2026-01-01"),
        "{text}"
    );
    assert!(!text.contains("carrier notice"), "{text}");

    // Withdrawn from the 24th: a push received on the 24th is refused; one received on the
    // 23rd (in the days it pushed, which the withdrawal keeps) is kept, and a pull stated on the
    // 23rd, backdated into those days, is refused.
    let withdrawn = api
        .post(
            "/v1/pnr-carriers",
            Some("cbp-records"),
            body("YY", none.clone(), false, "2026-11-24", "push suspended"),
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.body);
    assert_eq!(withdrawn.body["changes"].as_array().unwrap().len(), 2);
    let receipt = |locator: &str, at: &str, delivery: &str| {
        json!({
            "system": "cbp-pnr", "category": "pnr", "collected_at": at,
            "source": {"carrier": "YY", "flight": "YY100", "delivery": delivery, "departs_at": "2026-11-24T18:00:00Z", "arrives_at": "2026-11-25T02:00:00Z"},
            "subjects": [{"role": "passenger", "name": "ANNE LOW", "identifiers": {"passport": {"number": "P1000001", "country": "FR"}}}],
            "fields": {"record_locator": locator}
        })
        .to_string()
    };
    let lines = [
        receipt("ABC123", "2026-11-24T06:00:00Z", "push"),
        receipt("ABC124", "2026-11-23T20:00:00Z", "push"),
        receipt("ABC125", "2026-11-23T20:00:00Z", "pull"),
        receipt("ABC126", "2026-11-24T06:00:00Z", "pull"),
    ];
    let done = summary(&api.ingest("cbp-ingest", &lines.join("\n"), None).await);
    assert_eq!(done["ingested"], 2, "{done}");
    let rejected = done["rejected"].as_array().unwrap();
    assert_eq!(rejected[0]["line"], 1, "{done}");
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("not recorded as pushing"),
        "{done}"
    );
    assert_eq!(rejected[1]["line"], 3, "{done}");
    assert!(
        rejected[1]["reason"]
            .as_str()
            .unwrap()
            .contains("pulled, but the flight's carrier pushes"),
        "{done}"
    );
}

/// A request's routes refuse what breaks their document with 400, naming the field and never
/// echoing what was typed, before anything is read; what the case's rules refuse (a rule
/// joining fields, or one that depends on the day or the case) is 422. Names count characters,
/// as the document's `maxLength` does, not bytes.
#[tokio::test]
async fn request_routes_refuse_what_breaks_the_document_400_and_the_cases_rules_422() {
    let api = api();
    let open = |extra: Value| {
        let mut body = json!({"kind": "access", "requester": "JOHN Q PUBLIC",
               "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
               "systems": ["fincen-cbetf"], "received": "2026-11-02"});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let long = "x".repeat(201);
    let two_byte = "é".repeat(200);
    type Row = (Value, StatusCode, &'static str);
    let rows: Vec<Row> = vec![
        (
            open(json!({"requester": "JOHN\nPUBLIC"})),
            StatusCode::BAD_REQUEST,
            "`requester` is one line",
        ),
        (
            open(json!({"representative": long})),
            StatusCode::BAD_REQUEST,
            "`representative` is one line of 1 to 200",
        ),
        (
            open(json!({"identifiers": []})),
            StatusCode::BAD_REQUEST,
            "at least one identifier",
        ),
        (
            open(json!({"status": "123-45-6789"})),
            StatusCode::BAD_REQUEST,
            "`status` is one of citizen",
        ),
        (
            open(json!({"received": "2026-11-2"})),
            StatusCode::BAD_REQUEST,
            "`received` must be a date",
        ),
        (
            open(json!({"fee_limit_cents": 100})),
            StatusCode::BAD_REQUEST,
            "not less than $25",
        ),
        (
            open(json!({"systems": ["nowhere"]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "there is no system of records",
        ),
        (
            open(json!({"received": "2026-12-01"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "cannot be in the future",
        ),
        (
            open(json!({"fee_limit_cents": 5000})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "fee terms are a FOIA request's",
        ),
        // 200 characters of two bytes each: within the document's length (was refused by bytes).
        (
            open(
                json!({"kind": "complaint", "systems": ["cbp-pnr"], "status": "other",
                        "substance": "accuracy", "through_authority": two_byte,
                        "authority_authorized": true}),
            ),
            StatusCode::CREATED,
            "PA-2026-",
        ),
    ];
    for (n, (body, status, words)) in rows.into_iter().enumerate() {
        let answer = api.post("/v1/requests", Some("privacy"), body).await;
        assert_eq!(answer.status, status, "row {n}: {}", answer.text);
        assert!(answer.text.contains(words), "row {n}: {}", answer.text);
        // A refusal never echoes an identifier (the file itself shows the officer's own).
        if !status.is_success() {
            assert!(
                !answer.text.contains("123-45-6789"),
                "row {n}: {}",
                answer.text
            );
        }
    }
    let opened = api
        .post("/v1/requests", Some("privacy"), open(json!({})))
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    let id = opened.body["id"].as_str().unwrap().to_owned();
    // The file's letters are summaries; a letter's text is read on its own.
    assert!(opened.body["letters"].as_array().unwrap().is_empty());
    assert_eq!(opened.body["case"]["events"][0]["kind"], "received");
    let events = format!("/v1/requests/{id}/events");
    let rows: Vec<Row> = vec![
        // A field the kind does not take: named by the kind's own fields, never echoed.
        (
            json!({"kind": "acknowledged", "ssn-123-45-6789": true}),
            StatusCode::BAD_REQUEST,
            "the `acknowledged` event takes no fields but `on`",
        ),
        (
            json!({"kind": "appealed", "postmarked": "2026-1-5"}),
            StatusCode::BAD_REQUEST,
            "`postmarked` must be a date",
        ),
        (
            json!({"kind": "fee-estimated", "cents": -1}),
            StatusCode::BAD_REQUEST,
            "`cents` is a whole number",
        ),
        (
            json!({"kind": "determined", "outcome": "123-45-6789", "reasons": "x"}),
            StatusCode::BAD_REQUEST,
            "the `determined` event takes outcome, reasons and `on`, each of its form",
        ),
        (
            json!({"kind": "closed"}),
            StatusCode::BAD_REQUEST,
            "the `closed` event takes reason",
        ),
        (
            json!({"kind": "teleported"}),
            StatusCode::BAD_REQUEST,
            "`kind` is one of received",
        ),
        (
            json!({"kind": "acknowledged", "on": "2026-11-2"}),
            StatusCode::BAD_REQUEST,
            "`on` must be a date",
        ),
        // What the document states of a field, the server holds it to (400, not the case's 422).
        (
            json!({"kind": "fee-waiver-determined", "outcome": "partly-granted", "reasons": "x", "reduced_percent": 100}),
            StatusCode::BAD_REQUEST,
            "`reduced_percent` is 1 to 99",
        ),
        (
            json!({"kind": "deficient", "missing": []}),
            StatusCode::BAD_REQUEST,
            "`missing` lists at least one",
        ),
        (
            json!({"kind": "deficient", "missing": vec!["a signature"; 101]}),
            StatusCode::BAD_REQUEST,
            "`missing` lists at most 100 items of at most 16384 characters",
        ),
        (
            json!({"kind": "deficient", "missing": ["é".repeat(16_385)]}),
            StatusCode::BAD_REQUEST,
            "`missing` lists at most 100",
        ),
        (
            json!({"kind": "closed", "reason": "x".repeat(16_385)}),
            StatusCode::BAD_REQUEST,
            "`reason` is at most 16384 characters",
        ),
        (
            json!({"kind": "physician-authorized", "physician": "DR A\nJONES", "method": "mail", "evidence": []}),
            StatusCode::BAD_REQUEST,
            "`physician` is one line",
        ),
        (
            json!({"kind": "dpa-referred", "authority": "x".repeat(201)}),
            StatusCode::BAD_REQUEST,
            "`authority` is one line of 1 to 200",
        ),
        // A whole number may be written 7.0 (JSON Schema's integer): read, then the case's rule.
        (
            json!({"kind": "fee-estimated", "cents": 2500.0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            json!({"kind": "acknowledged", "on": "2026-12-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "in the future",
        ),
        (
            json!({"kind": "appealed", "postmarked": "2026-11-03"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        // Optional fields may be null, as the document says; a whole number may be written 7.0.
        (
            json!({"kind": "extended", "reason": "volume", "until": "2026-12-28",
                   "approved_by": null, "circumstance": null, "on": "2026-11-03"}),
            StatusCode::OK,
            "extended",
        ),
        (
            json!({"kind": "acknowledged", "on": null}),
            StatusCode::OK,
            "acknowledged",
        ),
    ];
    for (n, (body, status, words)) in rows.into_iter().enumerate() {
        let answer = api.post(&events, Some("privacy"), body).await;
        assert_eq!(answer.status, status, "event row {n}: {}", answer.text);
        assert!(
            answer.text.contains(words),
            "event row {n}: {}",
            answer.text
        );
        if !status.is_success() {
            assert!(
                !answer.text.contains("123-45-6789"),
                "event row {n}: {}",
                answer.text
            );
        }
    }
    // Every route naming a request: an id not of the form is 400, one not on file 404.
    let bad = "PA-1";
    let missing = "PA-2026-999999";
    for (method, path, body) in [
        ("get", "/v1/requests/{}", Value::Null),
        ("get", "/v1/requests/{}/records", Value::Null),
        ("get", "/v1/requests/{}/letters", Value::Null),
        ("get", "/v1/requests/{}/letters/1", Value::Null),
        (
            "post",
            "/v1/requests/{}/events",
            json!({"kind": "acknowledged"}),
        ),
        (
            "post",
            "/v1/requests/{}/letters",
            json!({"kind": "acknowledgment", "official": "JANE ROE"}),
        ),
    ] {
        for (id, status) in [
            (bad, StatusCode::BAD_REQUEST),
            (missing, StatusCode::NOT_FOUND),
        ] {
            let uri = path.replace("{}", id);
            let answer = if method == "get" {
                api.get(&uri, Some("privacy")).await
            } else {
                api.post(&uri, Some("privacy"), body.clone()).await
            };
            assert_eq!(answer.status, status, "{method} {uri}: {}", answer.text);
        }
    }
    let rows: Vec<(String, Value, StatusCode, &'static str)> = vec![
        (
            format!("/v1/requests/{id}/letters"),
            json!({"kind": "determination", "official": "JANE ROE"}),
            StatusCode::BAD_REQUEST,
            "comes with the response package",
        ),
        (
            format!("/v1/requests/{id}/letters"),
            json!({"kind": "acknowledgment", "official": "JANE\nROE"}),
            StatusCode::BAD_REQUEST,
            "`official` is one line",
        ),
        (
            format!("/v1/requests/{id}/letters"),
            json!({"kind": "deficiency", "official": "JANE ROE"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no deficiency notice",
        ),
        (
            format!("/v1/requests/{id}/response"),
            json!({"official": " "}),
            StatusCode::BAD_REQUEST,
            "`official` is one line",
        ),
        (
            format!("/v1/requests/{id}/response"),
            json!({"official": "JANE ROE", "release": ["123-45-6789"]}),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            format!("/v1/requests/{id}/annotations"),
            json!({"record": "0001-019cb0fe9400-00000001-00000000", "kind": "praise", "portions": ["record"], "text": "x"}),
            StatusCode::BAD_REQUEST,
            "`kind` is `correction`",
        ),
        (
            format!("/v1/requests/{id}/annotations"),
            json!({"record": "0001-019cb0fe9400-00000001-00000000", "kind": "correction", "portions": ["record"], "text": " "}),
            StatusCode::BAD_REQUEST,
            "`text` is 1 to 16384 characters",
        ),
        (
            format!("/v1/requests/{id}/annotations"),
            json!({"record": "0001-019cb0fe9400-00000001-00000000", "kind": "correction", "text": "x"}),
            StatusCode::BAD_REQUEST,
            "(see /openapi.json)",
        ),
        (
            format!("/v1/requests/{id}/annotations"),
            json!({"record": "0001-019cb0fe9400-00000001-00000000", "kind": "correction", "portions": [], "text": "x"}),
            StatusCode::BAD_REQUEST,
            "`portions` names at least one",
        ),
        (
            format!("/v1/requests/{id}/annotations"),
            json!({"record": "0001-019cb0fe9400-00000001-00000000", "kind": "correction", "portions": ["Bad"], "text": "x".repeat(16_384)}),
            StatusCode::BAD_REQUEST,
            "`portions` names at least one",
        ),
        (
            "/v1/requests/PA-2026-999999/annotations".to_owned(),
            json!({"record": "0001-019cb0fe9400-00000001-00000000", "kind": "correction", "portions": ["record"], "text": "x".repeat(16_384)}),
            StatusCode::NOT_FOUND,
            "there is no request",
        ),
        // Within the document's characters, past the vault's bytes once the request's id
        // precedes it.
        (
            format!("/v1/requests/{id}/annotations"),
            json!({"record": "0001-019cb0fe9400-00000001-00000000", "kind": "correction", "portions": ["record"], "text": "x".repeat(16_384)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "after the request's id",
        ),
        (
            format!("/v1/requests/{id}/annotations"),
            json!({"record": "0001-019cb0fe9400-00000001-00000000", "kind": "correction", "portions": ["record"], "text": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "only an amendment or rectification request annotates records",
        ),
        (
            format!("/v1/requests/{id}/response"),
            json!({"official": "JANE ROE", "pages": 4_294_967_296_u64}),
            StatusCode::BAD_REQUEST,
            "",
        ),
    ];
    for (n, (uri, body, status, words)) in rows.into_iter().enumerate() {
        let answer = api.post(&uri, Some("privacy"), body).await;
        assert_eq!(answer.status, status, "row {n}: {}", answer.text);
        assert!(answer.text.contains(words), "row {n}: {}", answer.text);
        assert!(
            !answer.text.contains("123-45-6789"),
            "row {n}: {}",
            answer.text
        );
    }
    let made = api
        .post(
            &format!("/v1/requests/{id}/letters"),
            Some("privacy"),
            json!({"kind": "acknowledgment", "official": "JANE ROE"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    // A letter's number is digits from 1 (Rust's own parse also reads `+1`).
    for (n, status) in [
        ("+1", StatusCode::BAD_REQUEST),
        ("0", StatusCode::BAD_REQUEST),
        ("1", StatusCode::OK),
        ("2", StatusCode::NOT_FOUND),
    ] {
        let answer = api
            .get(&format!("/v1/requests/{id}/letters/{n}"), Some("privacy"))
            .await;
        assert_eq!(answer.status, status, "letter {n}: {}", answer.text);
    }
    // A whole number of a query is digits, as the document's integer is (Rust's own parse also
    // reads `+5`; a `+` not escaped is a space).
    for (query, status) in [
        ("within=5", StatusCode::OK),
        ("within=+5", StatusCode::BAD_REQUEST),
        ("within=%2B5", StatusCode::BAD_REQUEST),
        ("within=", StatusCode::BAD_REQUEST),
        ("within=66", StatusCode::BAD_REQUEST),
        ("as_of=2026-11-2", StatusCode::BAD_REQUEST),
    ] {
        let answer = api
            .get(&format!("/v1/requests/due?{query}"), Some("privacy"))
            .await;
        assert_eq!(answer.status, status, "{query}: {}", answer.text);
    }
    for (query, status) in [
        ("year=2026", StatusCode::OK),
        ("year=%2B2026", StatusCode::BAD_REQUEST),
        ("year=2026.0", StatusCode::BAD_REQUEST),
    ] {
        let answer = api
            .get(&format!("/v1/reports/requests?{query}"), Some("privacy"))
            .await;
        assert_eq!(answer.status, status, "{query}: {}", answer.text);
    }
    let shown = api
        .get(&format!("/v1/requests/{id}"), Some("privacy"))
        .await;
    let letter = &shown.body["letters"][0];
    assert_eq!(letter["n"], 1, "{}", shown.text);
    assert_eq!(letter["kind"], "acknowledgment", "{}", shown.text);
    assert!(letter.get("text").is_none(), "{}", shown.text);
    assert_eq!(letter["sha256"], made.body["sha256"], "{}", shown.text);
}

/// A body not sent as JSON is 415 before anything is read, and one past the server's limit
/// 413, as the document says of every route that takes a body: on a route with a JSON body and
/// on the audit verification's optional one (before, a body past the limit was 400 and the
/// verification read any media type); no body there is the vault's own key.
#[tokio::test]
async fn a_body_not_sent_as_json_is_415_and_one_past_the_limit_413() {
    let api = api();
    let big = format!("{{\"reason\": \"{}\"}}", "x".repeat(1 << 20));
    let rows: Vec<(&str, &str, Option<&str>, String, StatusCode)> = vec![
        (
            "/v1/holds",
            "records",
            Some("text/plain"),
            "{}".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "/v1/holds",
            "records",
            None,
            "{}".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "/v1/holds",
            "records",
            Some("application/json"),
            big.clone(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        // A type axum's own parse refuses, though it names JSON: still 415.
        (
            "/v1/holds",
            "records",
            Some("application/json ;charset=utf-8"),
            "{}".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        // A `+json` type is JSON: read, and refused for its shape.
        (
            "/v1/holds",
            "records",
            Some("application/merge-patch+json; charset=utf-8"),
            "{}".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/v1/audit/verify",
            "auditor",
            Some("text/plain"),
            "{}".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        // Declared of another type: refused before a body past the limit is read.
        (
            "/v1/audit/verify",
            "auditor",
            Some("text/plain"),
            big.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "/v1/audit/verify",
            "auditor",
            None,
            "null".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "/v1/audit/verify",
            "auditor",
            Some("application/json"),
            big,
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "/v1/audit/verify",
            "auditor",
            None,
            String::new(),
            StatusCode::OK,
        ),
        (
            "/v1/audit/verify",
            "auditor",
            Some("application/json"),
            "null".into(),
            StatusCode::OK,
        ),
    ];
    for (n, (uri, who, media, body, status)) in rows.into_iter().enumerate() {
        let mut builder = Request::builder()
            .method("POST")
            .uri(uri)
            .header("authorization", format!("Bearer {}", api.tokens[who]));
        if let Some(media) = media {
            builder = builder.header("content-type", media);
        }
        let answer = api.call(builder.body(Body::from(body)).unwrap()).await;
        assert_eq!(answer.status, status, "row {n}: {}", answer.text);
        if !status.is_success() {
            assert_eq!(
                answer.body["status"],
                status.as_u16(),
                "row {n}: {}",
                answer.text
            );
        }
    }
}
