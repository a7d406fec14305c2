//! The CLI as a client of `recvault serve`: the server's address, the bearer token (from a
//! file or the environment, never an argument, so it stays out of `ps` and shell history),
//! JSON requests, problem documents turned into messages, and the streamed ingest.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use zeroize::Zeroizing;

use crate::failure::Failure;
use crate::wire;

/// How to reach the server.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// The server's address (`https://host:port`, or `http://127.0.0.1:port` on this host).
    #[arg(long, value_name = "URL", env = "RECVAULT_ADDR")]
    pub server: Option<String>,
    /// A file holding your bearer token (mode 0600). Otherwise the token is read from the
    /// environment variable RECVAULT_TOKEN; it is never taken as an argument.
    #[arg(long, value_name = "FILE", env = "RECVAULT_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// A PEM file of the CA (or self-signed certificate) to trust for the server's TLS
    /// certificate, instead of the public roots.
    #[arg(long, value_name = "FILE", env = "RECVAULT_CA_FILE")]
    pub ca_file: Option<PathBuf>,
}

impl ClientArgs {
    /// Whether any client option was given (they make no sense offline).
    pub fn any(&self) -> bool {
        self.server.is_some() || self.token_file.is_some() || self.ca_file.is_some()
    }
}

/// A connection to the server.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: Zeroizing<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client from the command line's options and the environment.
    pub fn new(args: &ClientArgs) -> Result<Self, Failure> {
        let server = args.server.as_deref().ok_or_else(|| {
            Failure::usage(
                "no server: give --server URL (or set RECVAULT_ADDR), or --data DIR to work offline",
            )
        })?;
        let base = server.trim_end_matches('/').to_owned();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(Failure::usage(format!(
                "--server must start with https:// or http:// (got `{base}`)"
            )));
        }
        if base.starts_with("http://") && !loopback(&base) {
            return Err(Failure::usage(
                "a token is sent over plain http:// only to this host (127.0.0.0/8, ::1, localhost); use https:// for another host",
            ));
        }
        let token = read_token(args.token_file.as_ref())?;
        let mut tls = TlsConfig::builder();
        if let Some(ca) = &args.ca_file {
            let pem = std::fs::read(ca)
                .map_err(|err| Failure::failed(format!("reading `{}`: {err}", ca.display())))?;
            let cert = Certificate::from_pem(&pem).map_err(|err| {
                Failure::failed(format!(
                    "`{}` holds no PEM certificate: {err}",
                    ca.display()
                ))
            })?;
            tls = tls.root_certs(RootCerts::new_with_certs(&[cert]));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls.build())
            .timeout_connect(Some(Duration::from_secs(10)))
            .build();
        Ok(Client {
            agent: config.into(),
            base,
            token,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn bearer(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("Bearer {}", self.token.as_str()))
    }

    /// Sends GET `path` with the token.
    fn send_get(&self, path: &str) -> Result<ureq::http::Response<ureq::Body>, Failure> {
        self.agent
            .get(self.url(path))
            .header("Authorization", self.bearer().as_str())
            .call()
            .map_err(|err| self.unreachable(err))
    }

    /// Sends POST `path` with the token and `body` (JSON).
    fn send_post(
        &self,
        path: &str,
        body: String,
    ) -> Result<ureq::http::Response<ureq::Body>, Failure> {
        self.agent
            .post(self.url(path))
            .header("Authorization", self.bearer().as_str())
            .header("Content-Type", "application/json")
            .send(body)
            .map_err(|err| self.unreachable(err))
    }

    /// GET `path`, expecting bytes (a letter's text or PDF); a problem document fails.
    pub fn get_bytes(&self, path: &str) -> Result<Vec<u8>, Failure> {
        let mut response = self.send_get(path)?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .map_err(|err| Failure::failed(format!("reading the server's answer: {err}")))?;
        if status < 400 {
            return Ok(bytes);
        }
        let problem: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Err(Failure::failed(problem_message(status, &problem)))
    }

    /// Streams `input` to `/v1/ingest` under `idempotency_key`, calling `on_progress` with each
    /// progress line of the streamed response; returns its summary line.
    pub fn ingest(
        &self,
        input: impl Read + Send + 'static,
        idempotency_key: &str,
        batch_size: usize,
        mut on_progress: impl FnMut(&wire::IngestProgress),
    ) -> Result<wire::IngestSummary, Failure> {
        let response = self
            .agent
            .post(self.url(&format!("/v1/ingest?batch_size={batch_size}")))
            .header("Authorization", self.bearer().as_str())
            .header("Content-Type", "application/x-ndjson")
            .header("Idempotency-Key", idempotency_key)
            .send(ureq::SendBody::from_owned_reader(input))
            .map_err(|err| self.unreachable(err))?;
        if response.status().as_u16() >= 400 {
            return typed_answer("POST", "/v1/ingest", response);
        }
        let reader = BufReader::new(response.into_body().into_reader());
        for (index, line) in reader.lines().enumerate() {
            let line = line.map_err(|err| {
                Failure::connection(format!("the connection to the server broke: {err}"))
            })?;
            if line.trim().is_empty() {
                continue;
            }
            // Named by its line in the stream, never repeated (it may hold a reason that
            // quotes nothing, but a server of another version may send anything).
            let read: wire::IngestLine = serde_json::from_str(&line).map_err(|_| {
                Failure::failed(format!(
                    "the server's answer to POST /v1/ingest is not what this client reads (line {} of the stream): are the server and this client the same version?",
                    index + 1
                ))
            })?;
            match read {
                wire::IngestLine::Progress(progress) => on_progress(&progress),
                wire::IngestLine::Summary(summary) => return Ok(*summary),
            }
        }
        Err(Failure::connection(
            "the server ended the response before its summary",
        ))
    }

    /// GET `path`, reading the answer as the wire type `R`.
    fn get_typed<R: DeserializeOwned>(&self, path: &str) -> Result<R, Failure> {
        typed_answer("GET", path, self.send_get(path)?)
    }

    /// POST `body` (a wire type) to `path`, reading the answer as the wire type `R`.
    fn post_typed<R: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<R, Failure> {
        let body = serde_json::to_string(body)
            .map_err(|err| Failure::failed(format!("encoding the request: {err}")))?;
        typed_answer("POST", path, self.send_post(path, body)?)
    }

    /// Every account (`GET /v1/accounts`).
    pub fn accounts(&self) -> Result<wire::AccountList, Failure> {
        self.get_typed("/v1/accounts")
    }

    /// Creates an account (`POST /v1/accounts`); the answer holds its token.
    pub fn add_account(&self, new: &wire::NewAccount) -> Result<wire::AccountCreated, Failure> {
        self.post_typed("/v1/accounts", new)
    }

    /// Attests the vetting of the account `name`; the answer holds its new token.
    pub fn vet_account(
        &self,
        name: &str,
        vetting: &wire::Vetting,
    ) -> Result<wire::Vetted, Failure> {
        self.post_typed(
            &format!("/v1/accounts/{}/vetting", account_segment(name)?),
            vetting,
        )
    }

    /// Disables the account `name`.
    pub fn disable_account(&self, name: &str) -> Result<wire::Disabled, Failure> {
        self.post_typed(
            &format!("/v1/accounts/{}/disable", account_segment(name)?),
            &serde_json::json!({}),
        )
    }

    /// Searches a system's records (`POST /v1/search`).
    pub fn search(&self, search: &wire::Search) -> Result<wire::Found, Failure> {
        self.post_typed("/v1/search", search)
    }

    /// Reads the record `id` for `purpose` and `case` (`GET /v1/records/{id}`).
    pub fn record(&self, id: &str, purpose: &str, case: &str) -> Result<wire::RecordView, Failure> {
        self.get_typed(&record_path(id, "", purpose, case)?)
    }

    /// The raw message the record `id` came from (`GET /v1/records/{id}/raw`).
    pub fn raw_message(
        &self,
        id: &str,
        purpose: &str,
        case: &str,
    ) -> Result<wire::RawMessage, Failure> {
        self.get_typed(&record_path(id, "/raw", purpose, case)?)
    }

    /// The access log's entries a search finds (`GET /v1/audit/entries`); `query` is the
    /// escaped query string, `?` included, or empty.
    pub fn audit_entries(&self, query: &str) -> Result<wire::AuditEntries, Failure> {
        self.get_typed(&format!("/v1/audit/entries{query}"))
    }

    /// Verifies the access log against `against` (`POST /v1/audit/verify`).
    pub fn verify_log(&self, against: &wire::VerifyAgainst) -> Result<wire::Verification, Failure> {
        self.post_typed("/v1/audit/verify", against)
    }

    /// Transfers cohort `cohort` to the National Archives (`POST /v1/transfers`).
    pub fn make_transfer(&self, new: &wire::NewTransfer) -> Result<wire::Transfer, Failure> {
        self.post_typed("/v1/transfers", new)
    }

    /// Every transfer made (`GET /v1/transfers`).
    pub fn transfers(&self) -> Result<wire::TransferList, Failure> {
        self.get_typed("/v1/transfers")
    }

    /// Transfer `id`'s package, as the archives receive it.
    pub fn transfer_package(&self, id: &str) -> Result<Vec<u8>, Failure> {
        self.get_bytes(&format!("/v1/transfers/{}/package", transfer_segment(id)?))
    }

    /// Recalls transfer `id` for `recall`'s purpose and case.
    pub fn recall_transfer(
        &self,
        id: &str,
        recall: &wire::Recall,
    ) -> Result<wire::Recalled, Failure> {
        self.post_typed(
            &format!("/v1/transfers/{}/recall", transfer_segment(id)?),
            recall,
        )
    }

    /// What the schedules would do on `plan.as_of` (`POST /v1/retention/plan`).
    pub fn retention_plan(&self, plan: &wire::PlanFor) -> Result<wire::Plan, Failure> {
        self.post_typed("/v1/retention/plan", plan)
    }

    /// Approves the run today's plan describes (`POST /v1/retention/approvals`).
    pub fn approve_retention_run(&self) -> Result<wire::RunApproval, Failure> {
        self.post_typed("/v1/retention/approvals", &serde_json::json!({}))
    }

    /// Runs the schedules now (`POST /v1/retention/run`).
    pub fn retention_run(&self, run: &wire::RunNow) -> Result<wire::RunDone, Failure> {
        self.post_typed("/v1/retention/run", run)
    }

    /// Trusted time and compaction (`GET /v1/retention/status`).
    pub fn retention_status(&self) -> Result<wire::Status, Failure> {
        self.get_typed("/v1/retention/status")
    }

    /// The signed disposition certificates (`GET /v1/retention/certificates`).
    pub fn retention_certificates(&self) -> Result<wire::CertificateList, Failure> {
        self.get_typed("/v1/retention/certificates")
    }

    /// Releases records on a legal basis (`POST /v1/disclosures`).
    pub fn disclose(&self, release: &wire::NewDisclosure) -> Result<wire::Disclosed, Failure> {
        self.post_typed("/v1/disclosures", release)
    }

    /// Each system's requests of `year` (`GET /v1/reports/requests`).
    pub fn request_statistics(&self, year: i32) -> Result<wire::RequestStatistics, Failure> {
        self.get_typed(&format!("/v1/reports/requests?year={year}"))
    }

    /// The complaints received in `year` (`GET /v1/reports/complaints`).
    pub fn complaint_report(&self, year: i32) -> Result<wire::ComplaintReportView, Failure> {
        self.get_typed(&format!("/v1/reports/complaints?year={year}"))
    }

    /// The accounting of disclosures about a subject (`POST /v1/accounting/search`).
    pub fn accounting(&self, search: &wire::AccountingSearch) -> Result<wire::Accounting, Failure> {
        self.post_typed("/v1/accounting/search", search)
    }

    /// A live backup into the server's backup directory (`POST /v1/backup`).
    pub fn backup(&self, new: &wire::NewBackup) -> Result<wire::BackupMade, Failure> {
        self.post_typed("/v1/backup", new)
    }

    /// Places a hold (`POST /v1/holds`).
    pub fn place_hold(&self, new: &wire::NewHold) -> Result<wire::PlacedHold, Failure> {
        self.post_typed("/v1/holds", new)
    }

    /// Releases hold `id` (`POST /v1/holds/{id}/release`).
    pub fn release_hold(
        &self,
        id: &str,
        release: &wire::HoldRelease,
    ) -> Result<wire::ReleasedHold, Failure> {
        gate::hold_id(id).map_err(|_| Failure::failed("a hold's id is `H-<number>`"))?;
        self.post_typed(&format!("/v1/holds/{id}/release"), release)
    }

    /// Every hold, active or released (`GET /v1/holds`).
    pub fn holds(&self) -> Result<wire::HoldList, Failure> {
        self.get_typed("/v1/holds")
    }

    /// Opens a Privacy Act request (`POST /v1/requests`).
    pub fn open_request(&self, new: &wire::NewRequest) -> Result<wire::RequestFileView, Failure> {
        self.post_typed("/v1/requests", new)
    }

    /// Records an event of request `id` (`POST /v1/requests/{id}/events`).
    pub fn request_event(
        &self,
        id: &str,
        event: &wire::NewEvent,
    ) -> Result<wire::RequestFileView, Failure> {
        self.post_typed(
            &format!("/v1/requests/{}/events", request_segment(id)?),
            event,
        )
    }

    /// Request `id`'s file, history and deadlines (`GET /v1/requests/{id}`).
    pub fn request(&self, id: &str) -> Result<wire::RequestFileView, Failure> {
        self.get_typed(&format!("/v1/requests/{}", request_segment(id)?))
    }

    /// What is due (`GET /v1/requests/due`) on `as_of` (default today), `within` working days.
    pub fn requests_due(
        &self,
        as_of: Option<&str>,
        within: Option<u32>,
    ) -> Result<wire::Due, Failure> {
        let mut query = Vec::new();
        if let Some(day) = as_of {
            query.push(format!("as_of={}", query_escape(day)));
        }
        if let Some(days) = within {
            query.push(format!("within={days}"));
        }
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        self.get_typed(&format!("/v1/requests/due{query}"))
    }

    /// Makes a letter of request `id` (`POST /v1/requests/{id}/letters`).
    pub fn make_letter(
        &self,
        id: &str,
        new: &wire::NewLetter,
    ) -> Result<wire::LetterMade, Failure> {
        self.post_typed(
            &format!("/v1/requests/{}/letters", request_segment(id)?),
            new,
        )
    }

    /// Request `id`'s letters (`GET /v1/requests/{id}/letters`).
    pub fn letters(&self, id: &str) -> Result<wire::LetterList, Failure> {
        self.get_typed(&format!("/v1/requests/{}/letters", request_segment(id)?))
    }

    /// Letter `n` of request `id`, as text or as PDF (`GET /v1/requests/{id}/letters/{n}`).
    pub fn letter(&self, id: &str, n: u32, pdf: bool) -> Result<Vec<u8>, Failure> {
        let format = if pdf { "?format=pdf" } else { "" };
        self.get_bytes(&format!(
            "/v1/requests/{}/letters/{n}{format}",
            request_segment(id)?
        ))
    }

    /// Records a consultation of a source's owner (`POST /v1/consultations`).
    pub fn open_consultation(
        &self,
        new: &wire::NewConsultation,
    ) -> Result<wire::ConsultationView, Failure> {
        self.post_typed("/v1/consultations", new)
    }

    /// Records the owner's answer to consultation `id`.
    pub fn answer_consultation(
        &self,
        id: &str,
        reply: &wire::ConsultationReply,
    ) -> Result<wire::ConsultationView, Failure> {
        let well_formed = is_consultation_id(id);
        if !well_formed {
            return Err(Failure::failed("a consultation's id is `CN-<number>`"));
        }
        self.post_typed(&format!("/v1/consultations/{id}/answer"), reply)
    }

    /// Every consultation (`GET /v1/consultations`).
    pub fn consultations(&self) -> Result<wire::Consultations, Failure> {
        self.get_typed("/v1/consultations")
    }

    fn unreachable(&self, err: ureq::Error) -> Failure {
        Failure::connection(format!("cannot reach the server at {}: {err}", self.base))
    }
}

/// The path of a read of the record `id` (`then` after its id), its query escaped; a
/// malformed id never goes into a URL.
fn record_path(id: &str, then: &str, purpose: &str, case: &str) -> Result<String, Failure> {
    let id: model::RecordId = id
        .parse()
        .map_err(|_| Failure::failed("a record id is four groups of hexadecimal digits, `0001-0193a1b2c3d4-00000001-0000002a`"))?;
    Ok(format!(
        "/v1/records/{id}{then}?purpose={}&case={}",
        query_escape(purpose),
        query_escape(case)
    ))
}

/// A transfer's id as a path segment: only a well-formed id goes into a URL.
fn transfer_segment(id: &str) -> Result<&str, Failure> {
    if gate::is_transfer_id(id) {
        Ok(id)
    } else {
        Err(Failure::failed("a transfer's id is `T-<cohort>-<time>`"))
    }
}

/// A request's id as a path segment: only a well-formed id goes into a URL.
fn request_segment(id: &str) -> Result<&str, Failure> {
    if gate::is_request_id(id) {
        Ok(id)
    } else {
        Err(Failure::failed("a request's id is `PA-<year>-<number>`"))
    }
}

/// Whether `id` is a consultation's id, `CN-` and 1 to 10 digits
/// (`wire::CONSULTATION_ID_PATTERN`).
fn is_consultation_id(id: &str) -> bool {
    id.strip_prefix("CN-").is_some_and(|number| {
        (1..=10).contains(&number.len()) && number.bytes().all(|byte| byte.is_ascii_digit())
    })
}

/// An account's name as a path segment: only a well-formed name goes into a URL.
fn account_segment(name: &str) -> Result<&str, Failure> {
    privacy::accounts::validate_account_name(name)
        .map(|()| name)
        .map_err(Failure::failed)
}

/// The answer to `method path` read as the wire type `R`; a problem document fails with its
/// message, and an answer this client cannot read fails saying where, without repeating it
/// (never a blank field printed as if the server had said nothing).
fn typed_answer<R: DeserializeOwned>(
    method: &str,
    path: &str,
    response: ureq::http::Response<ureq::Body>,
) -> Result<R, Failure> {
    let text = answer_text(response)?;
    serde_json::from_str(&text).map_err(|err| unreadable(method, path, &err))
}

/// The text of a successful answer (wiped when dropped: it may hold a token), or the problem
/// of a failed one as the failure message (with the denying rule).
fn answer_text(
    mut response: ureq::http::Response<ureq::Body>,
) -> Result<Zeroizing<String>, Failure> {
    let status = response.status().as_u16();
    let text = Zeroizing::new(
        response
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_string()
            .map_err(|err| Failure::failed(format!("reading the server's answer: {err}")))?,
    );
    if status >= 400 {
        let problem: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        return Err(Failure::failed(problem_message(status, &problem)));
    }
    Ok(text)
}

/// The failure of an answer this client cannot read: where it stopped reading, never what it
/// read (the answer may hold a token or a record).
fn unreadable(method: &str, path: &str, err: &serde_json::Error) -> Failure {
    let route = path.split('?').next().unwrap_or(path);
    Failure::failed(format!(
        "the server's answer to {method} {route} is not what this client reads (line {}, column {}): are the server and this client the same version?",
        err.line(),
        err.column()
    ))
}

/// A problem document as one line: `denied (rule r): detail`.
pub fn problem_message(status: u16, problem: &Value) -> String {
    let detail = problem
        .get("detail")
        .and_then(Value::as_str)
        .unwrap_or("the server refused the request");
    refused(status, problem.get("rule").and_then(Value::as_str), detail)
}

/// A problem document the server sent inside an answer (an ingest's stop) as a message.
pub fn problem_text(problem: &wire::Problem) -> String {
    refused(problem.status, problem.rule.as_deref(), &problem.detail)
}

fn refused(status: u16, rule: Option<&str>, detail: &str) -> String {
    match rule {
        Some(rule) => format!("refused (HTTP {status}, rule `{rule}`): {detail}"),
        None => format!("refused (HTTP {status}): {detail}"),
    }
}

/// The token from `file` (which must not be readable by others) or RECVAULT_TOKEN.
fn read_token(file: Option<&PathBuf>) -> Result<Zeroizing<String>, Failure> {
    let token = match file {
        Some(path) => {
            use std::os::unix::fs::PermissionsExt;
            let metadata = std::fs::metadata(path).map_err(|err| {
                Failure::failed(format!("token file `{}`: {err}", path.display()))
            })?;
            if metadata.permissions().mode() & 0o077 != 0 {
                return Err(Failure::failed(format!(
                    "token file `{}` is readable by others; `chmod 600` it",
                    path.display()
                )));
            }
            Zeroizing::new(std::fs::read_to_string(path).map_err(|err| {
                Failure::failed(format!("token file `{}`: {err}", path.display()))
            })?)
        }
        None => Zeroizing::new(std::env::var("RECVAULT_TOKEN").map_err(|_| {
            Failure::usage("no token: give --token-file FILE or set RECVAULT_TOKEN")
        })?),
    };
    let trimmed = Zeroizing::new(token.trim().to_owned());
    if trimmed.is_empty() || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Failure::failed("the token is empty or malformed"));
    }
    Ok(trimmed)
}

/// Percent-encodes a query parameter's value (everything but unreserved characters).
pub fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether a URL's host is this machine (a loopback address or `localhost`).
fn loopback(url: &str) -> bool {
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return false;
    };
    match uri.host() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    /// The client puts into a path only the consultation ids the document's pattern takes.
    #[test]
    fn a_consultation_id_is_the_documents() {
        let pattern = regex::Regex::new(crate::wire::CONSULTATION_ID_PATTERN).unwrap();
        #[rustfmt::skip]
        let ids = [
            "CN-1", "CN-0", "CN-1234567890", "CN-12345678901", "CN-", "cn-1", "CN-1 ", " CN-1",
            "CN-+1", "CN--1", "CN-١", "CN-1/x", "", "CN1",
        ];
        for id in ids {
            assert_eq!(
                super::is_consultation_id(id),
                pattern.is_match(id),
                "`{id}`"
            );
        }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for (url, ok) in [
            ("http://127.0.0.1:7443", true),
            ("http://127.9.9.9", true),
            ("http://[::1]:7443", true),
            ("http://localhost:7443", true),
            ("http://10.0.0.5:7443", false),
            ("http://vault.example.gov", false),
            ("http://localhost.example.gov", false),
            ("http://127.0.0.1@evil.example:80", false),
        ] {
            assert_eq!(super::loopback(url), ok, "{url}");
        }
    }
}
