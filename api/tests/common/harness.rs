//! The in-process API harness shared by the HTTP tests: a real RocksDB vault (whose writes
//! can be made to fail) behind a gate with a fixed clock, the router called in process, and
//! one account per role.

#![allow(dead_code, reason = "each test file uses part of the harness")]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use chrono::{NaiveDate, TimeZone, Utc};
use gate::Gate;
use http_body_util::BodyExt;
use privacy::accounts::Accounts as _;
use serde_json::{json, Value};
use tower::ServiceExt;
use vault::store::{RocksStore, Store};
use vault::testing::{injected_failure, FaultyStore};
use vault::{Access, KeyBackend, MemKeyBackend, Vault};

pub struct Api {
    pub router: Router,
    pub fail_writes: Arc<AtomicBool>,
    /// The gate, for what is not behind a route (the scheduled retention run).
    pub gate: Arc<Gate>,
    /// The vault behind the gate, for flushing before at-rest scans.
    pub vault: Arc<Vault>,
    /// Its data directory.
    pub data_dir: std::path::PathBuf,
    /// Days the gate's clock runs ahead of `now()`.
    pub days_later: Arc<std::sync::atomic::AtomicI64>,
    pub tokens: std::collections::HashMap<&'static str, String>,
    pub _dir: tempfile::TempDir,
}

/// The accounts every test has: name, role, organization.
pub const ACCOUNTS: &[(&str, &str, &str)] = &[
    ("admin", "admin", "treasury-fincen"),
    ("ana", "analyst", "treasury-fincen"),
    ("ingester", "ingest", "treasury-fincen"),
    ("auditor", "auditor", "treasury-fincen"),
    ("ice-analyst", "analyst", "dhs-ice"),
    ("partner", "foreign-partner", "foreign-ttu"),
    ("gone", "analyst", "treasury-fincen"),
    ("pending", "analyst", "treasury-fincen"),
    ("lapsed", "analyst", "treasury-fincen"),
    ("cbp-analyst", "analyst", "dhs-cbp"),
    ("cbp-ingest", "ingest", "dhs-cbp"),
    ("cbp-ia", "internal-affairs", "dhs-cbp"),
    ("privacy", "privacy-officer", "treasury-fincen"),
    ("disclosure", "disclosure-officer", "treasury-fincen"),
    ("cbp-disclosure", "disclosure-officer", "dhs-cbp"),
    ("cbp-privacy", "privacy-officer", "dhs-cbp"),
    ("ice-ingest", "ingest", "dhs-ice"),
    ("records", "records-officer", "treasury-fincen"),
    ("ice-privacy", "privacy-officer", "dhs-ice"),
    ("ice-disclosure", "disclosure-officer", "dhs-ice"),
    ("ingester-2", "ingest", "treasury-fincen"),
    ("records-2", "records-officer", "treasury-fincen"),
    ("security", "security-officer", "treasury-fincen"),
    ("cbp-records", "records-officer", "dhs-cbp"),
];

pub fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

pub fn api() -> Api {
    api_with(policy::Policy::builtin().unwrap())
}

/// The harness over a vault whose gate decides with `policy` (a fixture catalog).
pub fn api_with(policy: policy::Policy) -> Api {
    api_after(policy, |_| {})
}

/// The harness over a vault that `before` fills before the gate first starts (as an older
/// version left it), whose gate decides with `policy`.
pub fn api_after(policy: policy::Policy, before: impl FnOnce(&Vault)) -> Api {
    let dir = tempfile::Builder::new()
        .prefix("vault-tests")
        .tempdir()
        .unwrap();
    let fail_writes = Arc::new(AtomicBool::new(false));
    // Writes can be made to fail, as a full or failing disk would.
    let store: Arc<dyn Store> = Arc::new(FaultyStore::new(
        Arc::new(RocksStore::create(&dir.path().join("data")).unwrap()),
        {
            let fail_writes = Arc::clone(&fail_writes);
            move |_| {
                if fail_writes.load(Ordering::SeqCst) {
                    Err(injected_failure("write failure"))
                } else {
                    Ok(())
                }
            }
        },
    ));
    let backend: Arc<dyn KeyBackend> = Arc::new(MemKeyBackend::generate().unwrap());
    let vault = Arc::new(Vault::create_with(store, backend).unwrap());
    let mut tokens = std::collections::HashMap::new();
    for (name, role, organization) in ACCOUNTS {
        let token = privacy::accounts::new_token().unwrap();
        vault
            .put_account(
                &Access::offline("tester", "administration"),
                &privacy::accounts::Account {
                    name: (*name).into(),
                    role: (*role).into(),
                    organization: (*organization).into(),
                    // `pending` has no background investigation on file; `lapsed` trained 25
                    // months before the tests' today.
                    background_investigation: NaiveDate::from_ymd_opt(2024, 1, 1)
                        .filter(|_| *name != "pending"),
                    // These accounts still work four years on, when a test moves the clock there.
                    privacy_training: match *name {
                        "lapsed" => NaiveDate::from_ymd_opt(2024, 10, 23).unwrap(),
                        "cbp-ia" | "cbp-analyst" | "cbp-disclosure" | "auditor" | "records"
                        | "records-2" | "ana" | "privacy" => {
                            NaiveDate::from_ymd_opt(2030, 9, 1).unwrap()
                        }
                        _ => NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
                    },
                    disabled: *name == "gone",
                    token_hash: token.hash,
                    created_ms: 0,
                    created_by: "tester-admin".into(),
                    vetted_by: Some("tester-security".into()),
                },
                now(),
            )
            .unwrap();
        tokens.insert(*name, token.token.to_string());
    }
    before(&vault);
    let days_later = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let clock = {
        let days_later = Arc::clone(&days_later);
        Arc::new(move || now() + chrono::Duration::days(days_later.load(Ordering::SeqCst)))
    };
    let gate = Gate::new(Arc::clone(&vault), policy, clock)
        .unwrap()
        .with_backup_dir(dir.path().join("backups"), &dir.path().join("data"))
        .unwrap();
    let gate = Arc::new(gate);
    let router = recvault::server::router(Arc::clone(&gate), recvault::server::Limits::default());
    Api {
        router,
        fail_writes,
        gate,
        vault,
        data_dir: dir.path().join("data"),
        days_later,
        tokens,
        _dir: dir,
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub request_id: String,
    pub body: Value,
    pub text: String,
    /// The body as sent (a PDF is not UTF-8).
    pub bytes: Vec<u8>,
}

impl Drop for Api {
    /// Waits for a compaction a retention run started (and joins its thread), so no thread
    /// holds the vault's RocksDB past the test: a process that exits with one still inside
    /// RocksDB aborts ("pthread lock: Invalid argument").
    fn drop(&mut self) {
        self.gate
            .wait_for_compaction(std::time::Duration::from_secs(300));
    }
}

impl Api {
    /// Sets the gate's clock to noon of `day` (`YYYY-MM-DD`), so an event is recorded on the
    /// day it is dated, as an officer entering it that day would.
    pub fn set_day(&self, day: &str) {
        let day: chrono::NaiveDate = day.parse().unwrap();
        let days = (day - now().date_naive()).num_days();
        self.days_later.store(days, Ordering::SeqCst);
    }

    pub async fn call(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|value| value.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let content_type = header("content-type");
        let request_id = header("x-request-id");
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = match content_type.as_str() {
            "application/pdf" | "application/octet-stream" => {
                String::from_utf8_lossy(&bytes).into_owned()
            }
            _ => String::from_utf8(bytes.to_vec()).unwrap(),
        };
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            content_type,
            request_id,
            body,
            text,
            bytes: bytes.to_vec(),
        }
    }

    pub fn request(
        &self,
        method: &str,
        uri: &str,
        who: Option<&str>,
        body: Option<Value>,
    ) -> Request<Body> {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(who) = who {
            let token = self
                .tokens
                .get(who)
                .cloned()
                .unwrap_or_else(|| who.to_owned());
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        }
    }

    pub async fn get(&self, uri: &str, who: Option<&str>) -> Answer {
        self.call(self.request("GET", uri, who, None)).await
    }

    pub async fn post(&self, uri: &str, who: Option<&str>, body: Value) -> Answer {
        self.call(self.request("POST", uri, who, Some(body))).await
    }

    pub async fn ingest(&self, who: &str, lines: &str, key: Option<&str>) -> Answer {
        let mut builder = Request::builder()
            .method("POST")
            .uri("/v1/ingest?batch_size=2")
            .header("authorization", format!("Bearer {}", self.tokens[who]));
        if let Some(key) = key {
            builder = builder.header("idempotency-key", key);
        }
        self.call(builder.body(Body::from(lines.to_owned())).unwrap())
            .await
    }

    /// Log entries through the auditor's API.
    pub async fn entries(&self, query: &str) -> Vec<Value> {
        let answer = self
            .get(&format!("/v1/audit/entries?{query}"), Some("auditor"))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        answer.body["entries"].as_array().unwrap().clone()
    }
}

pub fn line(name: &str, ssn: &str, day: u32) -> String {
    json!({
        "system": "fincen-cbetf", "category": "transmittal",
        "collected_at": format!("2026-03-{day:02}"),
        "source": {"report_id": format!("R-{ssn}")},
        "subjects": [{"role": "transmittor", "name": name, "identifiers": {"ssn": ssn, "account": "000123"}}],
        "fields": {"amount": "1500.00", "currency": "USD"}
    })
    .to_string()
}

pub fn search_body(ssn: &str) -> Value {
    json!({"system": "fincen-cbetf", "identifier": {"type": "ssn", "value": ssn}, "purpose": "investigation", "case": "CASE-1"})
}

/// The last line of an ingest's streamed answer.
pub fn summary(answer: &Answer) -> Value {
    let last = answer.text.lines().last().unwrap();
    serde_json::from_str(last).unwrap()
}

/// A fixture system, not a shipped one: CBETF's notice as `test-open`, claiming no exemptions
/// and telling prior recipients of corrections and disputes.
pub fn open_system_policy() -> policy::Policy {
    fixture_system_policy(false)
}

/// `test-open` whose transmittals are marked medical or psychological (31 CFR 1.26(g)(3)): no
/// shipped notice has such records.
pub fn medical_system_policy() -> policy::Policy {
    fixture_system_policy(true)
}

fn fixture_system_policy(medical: bool) -> policy::Policy {
    let mut texts: Vec<(String, String)> = policy::sorn::BUILTIN
        .iter()
        .map(|(file, text)| ((*file).to_owned(), (*text).to_owned()))
        .collect();
    let cbetf = texts
        .iter()
        .find(|(file, _)| file == "fincen-cbetf.toml")
        .unwrap()
        .1
        .clone();
    let start = cbetf.find("[exemptions]").unwrap();
    let end = cbetf.find("case_by_case").unwrap();
    let open = format!(
        "{}[exemptions]\nclaims = []\ncorrection_notices = true\n{}",
        &cbetf[..start],
        &cbetf[end..]
    )
    .replace("id = \"fincen-cbetf\"", "id = \"test-open\"");
    let open = if medical {
        open.replace(
            "id = \"transmittal\"\n",
            "id = \"transmittal\"\nmedical = true\n",
        )
    } else {
        open
    };
    texts.push(("test-open.toml".into(), open));
    policy::Policy::new(policy::Catalog::from_texts(&texts).unwrap()).unwrap()
}
