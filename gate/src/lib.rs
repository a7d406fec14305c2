//! The gate: the use cases of the vault, and the only way from the network to it. Every
//! request is authenticated by its bearer token, decided by the policy (principal,
//! organization, role, action, system, purpose, case) before the store is touched, and logged
//! with the rule that decided it, allowed or denied. It knows no HTTP: `recvault`'s server
//! holds a `Gate`, never a `Vault`, and turns a `Refusal` into its status and problem document.
//!
//! Operations block (they sync the store and wait for the access log): the server runs them on
//! blocking threads.
//!
//! This root holds the types, authentication, the decision plumbing and what a caller may see
//! of a record.
//!
//! # Layout
//! - `records`: search, read, annotate, partner search.
//! - `ingest`: an ingest's plan and run, admitting each record under the policy.
//! - `carriers`: the registry of carriers that push their PNR.
//! - `disclosure`: releases, the accounting, designated authorities, notices.
//! - `designations`: high-risk designations of PNR subjects (seed 001 paragraph 5).
//! - `retention`: plans, runs, approvals and the compaction after a destruction.
//! - `holds`: holds placed, listed and released.
//! - `requests`: Privacy Act requests and complaints: case files, events, responses.
//! - `consultations`: consultations with other agencies.
//! - `letters`: letters to requesters made from a case file, sealed in it.
//! - `templates`: the letters' templates (shipped, or the agency's), rendered with minijinja.
//! - `reports`: the yearly statistics and the complaint report.
//! - `transfers`: transfers to a records center.
//! - `admin`: accounts, audit, backup.
//! - `lines`: JSON-lines input (or a converted file's records) cut into validated batches,
//!   shared by the gate's ingest and `recvault`'s offline one; a flight's PNR receipts.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use model::{Record, RecordId, SystemId};
use policy::disclosure::{Basis, Disclosure, Evidence, NoticeDue};
use policy::view::{self, FreeText, Held, Projection, RecordPhase};
use policy::{Action, Decision, Policy, Request, Vetting, VAULT_SYSTEM};
use privacy::accounting::{AccountingEntry, Release};
use privacy::accounts::{new_token, token_hash, Account, NewToken};
use privacy::annotations::{Annotation, AnnotationKind};
use vault::audit::{LogQuery, LogVerification};
use vault::{Access, Checkpoint, LogEntry, SearchKey, StreamKey, Vault};

use crate::lines::{LineBatches, Rejected};
use privacy::accounts::Accounts as _;

mod admin;
mod carriers;
mod consultations;
mod designations;
mod disclosure;
mod holds;
mod ingest;
mod letters;
pub mod lines;
mod records;
mod reports;
mod requests;
mod retention;
pub mod templates;
mod transfers;

pub use admin::{check_account_fields, create_account};
pub use carriers::{iata_designator, icao_designator, CarrierInput};
pub use consultations::{is_request_id, Consultation, ConsultationAnswer};
pub use designations::{
    Designation, DesignationEvent, DesignationInput, DesignationStatus, MAX_REASON_CHARS,
    MAX_REVIEW_DAYS,
};
pub use disclosure::{MAX_AUTHORITY_NAME_CHARS, NATURES};
pub use holds::{hold_id, HoldRequest};
pub use ingest::IngestPlan;
pub use letters::{Letter, Template, LETTER_KINDS};
pub use requests::{
    check_name, ComplaintFacts, DeadlineView, FoundRecord, NewRequest, RequestFile, ResponseInput,
    ResponsePackage, DUE_WITHIN_WORKING_DAYS, MAX_DUE_WITHIN_WORKING_DAYS, MAX_NAME_CHARS,
    MIN_FEE_LIMIT_CENTS,
};
pub use retention::{Approval, Compaction, RetentionStatus, APPROVAL_TTL_MINUTES};
pub use transfers::{is_transfer_id, Recalled, TransferView, RECALL_PURPOSES};

/// The clock the gate reads at the edge (injected, so tests fix time).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Where a request came from, for the log.
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    /// The request id (shared with the response header, tracing and the access log).
    pub request_id: String,
    /// The client's address.
    pub client: String,
}

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    account: Account,
}

impl Caller {
    /// The account's name.
    pub fn name(&self) -> &str {
        &self.account.name
    }

    /// The account's role.
    pub fn role(&self) -> &str {
        &self.account.role
    }
}

/// Why the gate refused a request. Messages are for the caller: they name rules and codes,
/// never record contents or identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No valid token (HTTP 401).
    Unauthenticated {
        /// The check that failed.
        rule: String,
        /// Why.
        reason: String,
    },
    /// The policy denied it (HTTP 403).
    Denied {
        /// The rule that denied.
        rule: String,
        /// Why.
        reason: String,
    },
    /// The request is malformed: it breaks a rule the API's document states (HTTP 400).
    Invalid(String),
    /// The request is well-formed but a rule the document cannot state refuses it: one that
    /// joins two fields, or depends on the day (HTTP 422).
    Unprocessable(String),
    /// Nothing there (HTTP 404).
    NotFound(String),
    /// It conflicts with another request or the current state (HTTP 409).
    Conflict(String),
    /// The vault cannot serve this now (HTTP 503): the access log cannot be written, the store
    /// did not confirm in time, a check waits on the store.
    Unavailable {
        /// What the caller is told.
        reason: String,
        /// The vault's detail, when it gave one: logged by the HTTP layer (or printed by the
        /// CLI), never returned over HTTP.
        cause: Option<Internal>,
    },
    /// The data directory's free space is under the reserve: nothing more is stored (HTTP 507).
    InsufficientStorage(String),
    /// Something failed inside: the detail, with its causes, is logged by the HTTP layer (or
    /// printed by the CLI, the operator's own), never returned over HTTP.
    Internal(Internal),
}

impl Refusal {
    /// An internal failure described by `detail`.
    pub fn internal(detail: impl Into<Internal>) -> Self {
        Refusal::Internal(detail.into())
    }

    /// An internal failure: `err` and the causes behind it.
    pub fn internal_error(err: &(dyn std::error::Error + 'static)) -> Self {
        Refusal::Internal(Internal::of(err))
    }

    /// An internal failure while doing `what`, because of `err` (and the causes behind it).
    pub fn internal_because(what: &str, err: &(dyn std::error::Error + 'static)) -> Self {
        Refusal::Internal(Internal::because(what, err))
    }

    /// Unavailable now, for `reason`, with no detail behind it.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Refusal::Unavailable {
            reason: reason.into(),
            cause: None,
        }
    }
}

/// What failed inside, and why, cause by cause: an error's message and each of its sources'
/// (`std::error::Error::source`), kept so the server's log can say why a request failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Internal {
    /// What failed.
    pub message: String,
    /// Why, outermost cause first.
    pub causes: Vec<String>,
}

impl Internal {
    /// A failure while doing `what`, because of `err` and every cause behind it.
    pub fn because(what: &str, err: &(dyn std::error::Error + 'static)) -> Self {
        let cause = Internal::of(err);
        Internal {
            message: what.to_owned(),
            causes: [cause.message].into_iter().chain(cause.causes).collect(),
        }
    }

    /// `err` and every cause behind it (a cause its message already ends with is not
    /// repeated). For errors whose messages quote no input: they go to the server's log.
    pub fn of(err: &(dyn std::error::Error + 'static)) -> Self {
        let mut causes = Vec::new();
        let mut said = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !said.ends_with(&text) {
                causes.push(text.clone());
            }
            said = text;
            source = cause.source();
        }
        Internal {
            message: err.to_string(),
            causes,
        }
    }
}

impl std::fmt::Display for Internal {
    /// The message, then each cause after `: `.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        for cause in &self.causes {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

impl From<String> for Internal {
    fn from(message: String) -> Self {
        Internal {
            message,
            causes: Vec::new(),
        }
    }
}

impl From<&str> for Internal {
    fn from(message: &str) -> Self {
        Internal::from(message.to_owned())
    }
}

/// A malformed record id, system id or record is refused with the model's message.
impl From<model::Invalid> for Refusal {
    fn from(invalid: model::Invalid) -> Self {
        Refusal::Invalid(invalid.0)
    }
}

impl From<vault::Error> for Refusal {
    fn from(err: vault::Error) -> Self {
        match err {
            vault::Error::Invalid(reason) => Refusal::Invalid(reason),
            vault::Error::Conflict(reason) => Refusal::Conflict(reason),
            vault::Error::NotFound(what) if what.parse::<RecordId>().is_ok() => {
                Refusal::NotFound(format!("no record `{what}`"))
            }
            vault::Error::NotFound(what) => Refusal::NotFound(format!("there is no {what}")),
            err @ vault::Error::LogUnavailable(_) => Refusal::Unavailable {
                reason: "the access log cannot be written, so the vault refuses to serve".into(),
                cause: Some(Internal::of(&err)),
            },
            err @ vault::Error::InsufficientStorage { .. } => {
                Refusal::InsufficientStorage(err.to_string())
            }
            err @ vault::Error::LogInDoubt(_) => Refusal::Unavailable {
                reason: "the store did not confirm the operation in time: it may still be \
                         stored; a retry with the same idempotency key waits for its outcome"
                    .into(),
                cause: Some(Internal::of(&err)),
            },
            vault::Error::AlreadyExists(path) => {
                Refusal::Conflict(format!("`{}` already exists", path.display()))
            }
            other => Refusal::Internal(Internal::of(&other)),
        }
    }
}

/// What a caller tried, as a denial of the gate's own logs it: the action, the system, and the
/// purpose and case declared.
struct Attempt<'a> {
    action: &'a str,
    system: &'a str,
    purpose: Option<&'a str>,
    case_id: Option<&'a str>,
}

/// Where a record sits, from its id: its system, category and retention phase (with whether
/// the phase is in the search indexes), or no phase once its schedule has ended.
struct Placement {
    system: String,
    category: String,
    phase: Option<RecordPhase>,
}

impl Placement {
    /// Whether the record is in a phase search finds.
    fn searchable(&self) -> bool {
        self.phase.as_ref().is_some_and(|phase| phase.searchable)
    }
}

/// A record as the caller may see it, and the fields withheld from it.
#[derive(Debug)]
pub struct Viewed {
    /// The record, less what is withheld.
    pub record: Record,
    /// What is withheld: free text not open to the caller; fields, subject parts
    /// (`subject.name`) and provenance keys (`source.KEY`) outside its projection; and
    /// annotations about any of them (`annotation.N`).
    pub withheld: Vec<String>,
    /// The record's annotations the caller may see, oldest first.
    pub annotations: Vec<Annotation>,
}

/// What a search found.
#[derive(Debug, Default)]
pub struct SearchResult {
    /// The records read, as the caller may see them.
    pub records: Vec<Viewed>,
    /// How many records matched and are in a searchable phase.
    pub found: usize,
    /// How many of them the policy withheld (another phase or category than the caller's).
    pub withheld: usize,
}

/// Purposes the gate itself declares (never a caller): logged as they are.
const GATE_PURPOSES: [&str; 2] = ["intake", requests::PRIVACY_ACT_PURPOSE];

/// The document kind of the designated-authority registry.
const AUTHORITIES: &str = "designated-authorities";

/// A release asked for by a disclosure officer.
#[derive(Clone, Debug)]
pub struct DisclosureInput {
    /// The records, by id.
    pub records: Vec<String>,
    /// Or the records a search finds: the system and what to search by (the lookup is
    /// logged; records in phases out of the indexes are not found).
    pub search: Option<(String, SearchKey)>,
    /// Or, for a statistical release (b)(5) and only for one, the population it counts.
    pub population: Option<Population>,
    /// The recipient's name.
    pub recipient_name: String,
    /// The recipient's address.
    pub recipient_address: String,
    /// The recipient's category (SORN vocabulary).
    pub recipient_category: String,
    /// The release's purpose.
    pub purpose: String,
    /// The case it serves, if any.
    pub case_id: Option<String>,
    /// The legal basis: `None` when the release cites none, or more than one (refused at the
    /// gate and logged).
    pub basis: Option<Basis>,
    /// Its evidence.
    pub evidence: Evidence,
    /// The officer's accuracy attestation.
    pub accuracy_attested: bool,
    /// `electronic` (released through the vault), or `paper` or `oral`: a disclosure made
    /// outside the vault, entered by hand for its accounting (no records are returned).
    pub nature: String,
    /// For a statistical release (b)(5): the fields to count by, and the minimum cell.
    pub statistics: StatisticsAsked,
}

/// The records a statistical release counts: one category of one system, collected in one
/// calendar period (`policy::statistics::Period`). Never records picked one by one, nor an
/// individual's: a table over a chosen set would tell, by its difference from another, the
/// records in one and not the other.
#[derive(Clone, Debug)]
pub struct Population {
    /// The system.
    pub system: String,
    /// The category.
    pub category: String,
    /// The period, as written (`2026`, `2026-Q1`, `2026-03`).
    pub period: String,
}

/// What a statistical release (552a(b)(5)) asks to count.
#[derive(Clone, Debug, Default)]
pub struct StatisticsAsked {
    /// The fields to cross (each one the notice marks `statistical`); none: all of them, up to
    /// `policy::statistics::MAX_DIMENSIONS`.
    pub tabulate: Vec<String>,
    /// A higher minimum count of a released cell than `policy::statistics::MIN_CELL`.
    pub min_cell: Option<u32>,
}

/// What a release hands over.
#[derive(Debug)]
pub struct Package {
    /// Its id (in every accounting entry it made).
    pub id: String,
    /// The legal basis, as accounted.
    pub basis: String,
    /// The records, as the recipient may see them (a (b)(7) release: only the portion; a
    /// statistical release: none).
    pub records: Vec<Viewed>,
    /// A statistical release's table of counts.
    pub table: Option<policy::statistics::Table>,
    /// The conditions the recipient is bound by.
    pub conditions: Vec<String>,
    /// Whether accounting entries were written (all but FOIA releases).
    pub accounted: bool,
    /// The notice the release created, and when it is due.
    pub notice: Option<NoticeDue>,
}

/// The fields of a new account.
#[derive(Clone, Debug)]
pub struct NewAccount {
    /// Its name.
    pub name: String,
    /// Its role (one of `policy::ROLES`).
    pub role: String,
    /// Its organization (one of `policy::ORGANIZATIONS`).
    pub organization: String,
    /// Date of the holder's background investigation (`None`: pending; the account is
    /// refused until it is recorded).
    pub background_investigation: Option<NaiveDate>,
    /// Date of the holder's last privacy training.
    pub privacy_training: NaiveDate,
}

/// What a streamed ingest did.
#[derive(Debug, Default)]
pub struct IngestSummary {
    /// Lines a previous run of the same stream had stored, skipped unread.
    pub skipped_through_line: u64,
    /// The last line whose records are all stored (0 if none).
    pub committed_through_line: u64,
    /// Lines read in all.
    pub lines: u64,
    /// Records stored by this run.
    pub ingested: u64,
    /// Lines rejected, with reasons.
    pub rejected: Vec<Rejected>,
    /// Lines reporting a transfer an earlier line of the same input reported identically:
    /// not stored again; with that earlier line.
    pub duplicates: Vec<(u64, u64)>,
    /// Lines stored though they disagree with an earlier report of their transfer; with their
    /// id.
    pub conflicting: Vec<(u64, model::RecordId)>,
    /// Why the run stopped early, if it did (everything before `committed_through_line` is
    /// stored; nothing after it).
    pub stopped: Option<Refusal>,
}

impl From<Refusal> for IngestSummary {
    fn from(refusal: Refusal) -> Self {
        IngestSummary {
            stopped: Some(refusal),
            ..IngestSummary::default()
        }
    }
}

/// A time in milliseconds as RFC 3339 with milliseconds, as every answer writes it.
pub(crate) fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// The gate in front of one vault.
pub struct Gate {
    vault: Arc<Vault>,
    policy: Arc<Policy>,
    clock: Clock,
    /// Enabled and disabled accounts by token hash, kept in step with the vault.
    accounts: RwLock<HashMap<[u8; 32], Account>>,
    /// Ingest streams running now (by stream key), so a retry cannot race its original.
    streams: Mutex<HashSet<Vec<u8>>>,
    /// The background compaction after a destruction, and how far it has got.
    compaction: Arc<Mutex<retention::Compaction>>,
    /// The thread of the last compaction started, joined once it is done
    /// ([`Gate::wait_for_compaction`]), so no thread holds the vault past its owner's end.
    compaction_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Held while an account is read, changed and written back (vetting, disabling), so two
    /// officers' changes never undo each other.
    account_writes: Mutex<()>,
    /// Taken while a request's file is read, changed and sealed again, so two events recorded
    /// at once do not lose one.
    case_writes: Mutex<()>,
    /// Held from a statistical release's ledger check to its ledger entry, so two releases of
    /// overlapping periods cannot both pass the check.
    statistics_writes: Mutex<()>,
    /// Held from reading the registry of carriers to writing a change of it, so two officers
    /// recording at once do not lose one, nor record one ICAO designator for two carriers.
    carrier_writes: Mutex<()>,
    /// Where `POST /v1/backup` writes (never inside the data directory); none: refused.
    backup_dir: Option<std::path::PathBuf>,
    /// Failed authentications counted since their last log entry, by client address, rule
    /// and principal: logged one entry per key and interval, never one per attempt.
    auth_failures: Mutex<HashMap<FailureKey, FailureWindow>>,
    /// How long failed authentications are counted before their entry is written.
    auth_log_interval: std::time::Duration,
    /// The last readiness check and when it ran: `/readyz` is answered from it for a second.
    readiness: Mutex<Option<(std::time::Instant, Result<(), Refusal>)>>,
    /// Whether a readiness probe is running (read without the lock).
    probing: std::sync::atomic::AtomicBool,
    /// When the gate was made, and when (ms after it) the last readiness probe started.
    started: std::time::Instant,
    probe_started_ms: std::sync::atomic::AtomicU64,
    /// Second approvals of retention runs not yet used, by id (single-use, expiring; kept in
    /// memory, so a restart voids them, and each is in the log).
    approvals: Mutex<HashMap<String, retention::Approval>>,
    /// The most records one officer's run destroys without a second approval.
    max_run_records: std::sync::atomic::AtomicU64,
    /// The period cohorts transferred to a records center (from their certificates), whose
    /// records are in the phase `transferred`, each with the records its package does not
    /// carry (held when it was made).
    transferred: RwLock<HashMap<u32, HashSet<RecordId>>>,
}

/// Whose failed authentications one log entry counts: the client's address (without its
/// port), the rule that refused them and the principal they claimed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct FailureKey {
    client: String,
    rule: String,
    principal: String,
}

/// Failed authentications of one key since its last entry.
#[derive(Debug)]
struct FailureWindow {
    started: std::time::Instant,
    started_at: DateTime<Utc>,
    count: u64,
    reason: String,
    first_request_id: String,
}

/// How long failed authentications are counted before their entry is written, unless set.
pub const AUTH_LOG_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Most keys counted at once; past it, new addresses are counted together (a flood from
/// many addresses still writes a bounded number of entries).
const MAX_FAILURE_KEYS: usize = 1024;

/// How long a readiness answer is reused.
const READINESS_TTL: std::time::Duration = std::time::Duration::from_secs(1);

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate").finish_non_exhaustive()
    }
}

impl Gate {
    /// A gate over `vault` with `policy`, reading time from `clock`.
    pub fn new(vault: Arc<Vault>, policy: Policy, clock: Clock) -> Result<Self, Refusal> {
        let gate = Gate {
            vault,
            policy: Arc::new(policy),
            clock,
            accounts: RwLock::new(HashMap::new()),
            streams: Mutex::new(HashSet::new()),
            compaction: Arc::new(Mutex::new(retention::Compaction::default())),
            compaction_thread: Mutex::new(None),
            case_writes: Mutex::new(()),
            statistics_writes: Mutex::new(()),
            carrier_writes: Mutex::new(()),
            account_writes: Mutex::new(()),
            backup_dir: None,
            auth_failures: Mutex::new(HashMap::new()),
            auth_log_interval: AUTH_LOG_INTERVAL,
            readiness: Mutex::new(None),
            probing: std::sync::atomic::AtomicBool::new(false),
            started: std::time::Instant::now(),
            probe_started_ms: std::sync::atomic::AtomicU64::new(0),
            approvals: Mutex::new(HashMap::new()),
            max_run_records: std::sync::atomic::AtomicU64::new(
                ::retention::run::RunOptions::default().max_records,
            ),
            transferred: RwLock::new(HashMap::new()),
        };
        gate.reload_transferred()?;
        gate.migrate_accounts()?;
        gate.migrate_high_risk_flags()?;
        gate.count_records_without_source()?;
        gate.reload_accounts()?;
        Ok(gate)
    }

    /// The directory live backups go to, each in a new directory named by its caller. It must
    /// not be inside the data directory (a backup there would be backed up in the next one,
    /// and a caller could aim at the store's own files).
    pub fn with_backup_dir(
        mut self,
        dir: std::path::PathBuf,
        data_dir: &Path,
    ) -> Result<Self, Refusal> {
        let data = data_dir
            .canonicalize()
            .map_err(|err| Refusal::internal_because("resolving the data directory", &err))?;
        let absolute = std::path::absolute(&dir)
            .map_err(|err| Refusal::Invalid(format!("resolving the backup directory: {err}")))?;
        // `..` resolved by hand before the check: canonicalizing stops at the first part that
        // does not exist, after which `..` could climb back into the data directory.
        let mut resolved = std::path::PathBuf::new();
        for part in absolute.components() {
            match part {
                std::path::Component::ParentDir => {
                    resolved.pop();
                }
                std::path::Component::CurDir => {}
                other => resolved.push(other),
            }
        }
        // Resolve the longest part that exists (the directory itself is made on first use).
        let existing = resolved
            .ancestors()
            .find_map(|ancestor| ancestor.canonicalize().ok())
            .unwrap_or_else(|| resolved.clone());
        if existing.starts_with(&data) || resolved.starts_with(&data) {
            return Err(Refusal::Invalid(
                "the backup directory must be outside the data directory".into(),
            ));
        }
        self.backup_dir = Some(resolved);
        Ok(self)
    }

    /// Sets the most records one officer's retention run destroys without a second
    /// approval (`serve --max-run-records`; tests lower it).
    pub fn set_max_run_records(&self, records: u64) {
        self.max_run_records
            .store(records, std::sync::atomic::Ordering::SeqCst);
    }

    fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Today's date on the gate's clock (UTC).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Rewrites accounts stored before attestation existed (version 1) in the current form,
    /// their vetting carried over as typed by the administrator who made them (marked so),
    /// each rewrite logged and the migration logged with its count.
    fn migrate_accounts(&self) -> Result<(), Refusal> {
        let old: Vec<Account> = self
            .vault
            .accounts()?
            .into_iter()
            .filter(|account| account.created_by.is_empty())
            .collect();
        if old.is_empty() {
            return Ok(());
        }
        let access = Access::offline("recvault-migration", "administration");
        for mut account in old.iter().cloned() {
            account.created_by = "(before attestation)".into();
            self.vault.put_account(&access, &account, self.now())?;
        }
        self.vault.record_listing(
            &access,
            "accounts.migrate",
            Vec::new(),
            &format!(
                "{} accounts from before attestation rewritten; their vetting, typed by the \
                 administrator who created them, is carried over and marked `{}` until a \
                 security officer attests it",
                old.len(),
                privacy::accounts::MIGRATED
            ),
            self.now(),
        )?;
        Ok(())
    }

    fn reload_accounts(&self) -> Result<(), Refusal> {
        let accounts = self.vault.accounts()?;
        let by_token = accounts
            .into_iter()
            .map(|account| (account.token_hash, account))
            .collect();
        *self
            .accounts
            .write()
            .map_err(|_| Refusal::Internal("account table lock poisoned".into()))? = by_token;
        Ok(())
    }

    /// How long failed authentications are counted before their entry is written (tests
    /// shorten it; the server uses [`AUTH_LOG_INTERVAL`]).
    pub fn with_auth_log_interval(mut self, interval: std::time::Duration) -> Self {
        self.auth_log_interval = interval;
        self
    }

    /// Finds the account of a bearer token. Failures are counted, and logged one entry per
    /// client address, rule and interval with their count (so a flood of bad tokens cannot
    /// fill the disk or the log's sync queue); see [`Gate::flush_auth_failures`].
    pub fn authenticate(
        &self,
        token: Option<&str>,
        context: &RequestContext,
    ) -> Result<Caller, Refusal> {
        let refuse = |principal: &str, rule: &str, reason: &str| {
            self.count_auth_failure(principal, rule, reason, context)?;
            Err(Refusal::Unauthenticated {
                rule: rule.into(),
                reason: reason.into(),
            })
        };
        let Some(token) = token.filter(|token| !token.is_empty()) else {
            return refuse(
                "anonymous",
                "token-missing",
                "a bearer token is required (Authorization: Bearer ...)",
            );
        };
        let hash = token_hash(token);
        let account = self
            .accounts
            .read()
            .map_err(|_| Refusal::Internal("account table lock poisoned".into()))?
            .get(&hash)
            .cloned();
        match account {
            None => refuse("unknown", "token-unknown", "the bearer token is not valid"),
            Some(account) if account.disabled => {
                refuse(&account.name, "account-disabled", "the account is disabled")
            }
            Some(account) => Ok(Caller { account }),
        }
    }

    /// Counts a failed authentication; writes its key's entry once its interval has passed.
    fn count_auth_failure(
        &self,
        principal: &str,
        rule: &str,
        reason: &str,
        context: &RequestContext,
    ) -> Result<(), Refusal> {
        let client = context
            .client
            .parse::<std::net::SocketAddr>()
            .map_or_else(|_| context.client.clone(), |addr| addr.ip().to_string());
        let mut failures = self
            .auth_failures
            .lock()
            .map_err(|_| Refusal::Internal("failure counts lock poisoned".into()))?;
        let mut key = FailureKey {
            client,
            rule: rule.into(),
            principal: principal.into(),
        };
        if !failures.contains_key(&key) && failures.len() >= MAX_FAILURE_KEYS {
            key.client = "(other addresses)".into();
        }
        let window = failures
            .entry(key.clone())
            .or_insert_with(|| FailureWindow {
                started: std::time::Instant::now(),
                started_at: self.now(),
                count: 0,
                reason: reason.into(),
                first_request_id: context.request_id.clone(),
            });
        window.count += 1;
        if window.started.elapsed() < self.auth_log_interval {
            return Ok(());
        }
        let Some(window) = failures.remove(&key) else {
            return Ok(());
        };
        drop(failures);
        if let Err(refusal) = self.log_auth_failures(&key, &window) {
            self.keep_auth_failures(key, window);
            return Err(refusal);
        }
        Ok(())
    }

    /// Puts back counts whose entry could not be written, merged with any counted since, so
    /// none is lost while the log is down.
    fn keep_auth_failures(&self, key: FailureKey, window: FailureWindow) {
        if let Ok(mut failures) = self.auth_failures.lock() {
            match failures.get_mut(&key) {
                Some(newer) => {
                    newer.count += window.count;
                    newer.started = window.started;
                    newer.started_at = window.started_at;
                    newer.first_request_id = window.first_request_id;
                }
                None => {
                    failures.insert(key, window);
                }
            }
        }
    }

    /// Writes the entries of every failed authentication counted and not yet logged (the
    /// server calls it every interval and when it stops). Counts whose entry cannot be
    /// written are kept for the next try.
    pub fn flush_auth_failures(&self) -> Result<(), Refusal> {
        let pending: Vec<(FailureKey, FailureWindow)> = self
            .auth_failures
            .lock()
            .map_err(|_| Refusal::Internal("failure counts lock poisoned".into()))?
            .drain()
            .collect();
        let mut result = Ok(());
        for (key, window) in pending {
            if let Err(refusal) = self.log_auth_failures(&key, &window) {
                self.keep_auth_failures(key, window);
                result = Err(refusal);
            }
        }
        result
    }

    fn log_auth_failures(&self, key: &FailureKey, window: &FailureWindow) -> Result<(), Refusal> {
        let access = Access {
            principal: key.principal.clone(),
            organization: "unknown".into(),
            role: "none".into(),
            purpose: "authentication".into(),
            case_id: String::new(),
            rule: key.rule.clone(),
            client: key.client.clone(),
            request_id: window.first_request_id.clone(),
        };
        let outcome = format!(
            "{} failed authentications since {}: {}",
            window.count,
            window
                .started_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            window.reason
        );
        self.log_denial(&access, "authenticate", "", &outcome)
    }

    /// The policy request of `caller` for `action` on `system`, with the account's vetting
    /// and today's date; the caller sets the rest.
    fn request<'a>(&self, caller: &'a Caller, action: Action, system: &'a str) -> Request<'a> {
        Request {
            principal: &caller.account.name,
            organization: &caller.account.organization,
            role: &caller.account.role,
            vetting: Vetting {
                background_investigation: caller.account.background_investigation,
                privacy_training: Some(caller.account.privacy_training),
                attested: caller.account.attested(),
                today: self.now().date_naive(),
            },
            action,
            system,
            category: None,
            phase: None,
            purpose: None,
            case_id: None,
            fields: None,
            high_risk: false,
        }
    }

    /// Decides a request; a denial is logged and returned, an allowance becomes the `Access`
    /// the vault logs with the operation (and the decision, for its projection).
    fn authorize(
        &self,
        caller: &Caller,
        context: &RequestContext,
        request: &Request<'_>,
    ) -> Result<(Access, Decision), Refusal> {
        let decision = self.policy.decide(request);
        let access = self.access(
            caller,
            context,
            &decision,
            request.system,
            request.purpose,
            request.case_id,
        );
        if decision.allowed {
            return Ok((access, decision));
        }
        self.log_denial(
            &access,
            request.action.name(),
            self.system_code(request.system),
            &decision.reason,
        )?;
        Err(Refusal::Denied {
            rule: decision.rule,
            reason: decision.reason,
        })
    }

    /// A record's category and retention phase, from its id, its holds and whether a person
    /// has read it (nothing of it is decrypted). A conditional phase (PNR's deleted record
    /// file) holds only records that meet its condition: the others are past retention. A held
    /// record keeps its last phase once its life has ended; one linked to an enforcement
    /// record stays in its last searchable phase. `Ok(None)` for an id of no known system.
    fn placement(&self, id: &RecordId) -> Result<Option<Placement>, Refusal> {
        let (system, category) = match self.vault.partition_of(id) {
            Ok(found) => found,
            Err(vault::Error::NotFound(_)) => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        let collected = DateTime::<Utc>::from_timestamp_millis(id.collected_at_millis())
            .ok_or_else(|| Refusal::Internal("a record id's time is out of range".into()))?;
        let holds = self.vault.holds_of(id)?;
        let held = if holds.is_empty() {
            Held::No
        } else if holds
            .iter()
            .any(|hold| hold.spec.purpose == vault::HoldPurpose::EnforcementLink)
        {
            Held::ByEnforcementLink
        } else {
            Held::ByHold
        };
        let phase = self.policy.catalog().record_phase(
            system.as_str(),
            collected,
            self.now(),
            held,
            || self.vault.manually_accessed(id).map_err(Refusal::from),
            || self.in_transferred_cohort(id),
        )?;
        Ok(Some(Placement {
            system: system.as_str().to_owned(),
            category,
            phase,
        }))
    }

    /// Like [`Gate::placement`], with an id of no known system placed in the system `unknown`,
    /// so its refusal is decided and logged like any other.
    fn placement_or_unknown(&self, id: &RecordId) -> Result<Placement, Refusal> {
        Ok(self.placement(id)?.unwrap_or_else(|| Placement {
            system: "unknown".into(),
            category: String::new(),
            phase: None,
        }))
    }

    /// The request of `caller` for `action` on one record, where `placement` puts it. A record
    /// past its schedule is in no phase (`past-retention`), which no grant names.
    fn record_request<'a>(
        &self,
        caller: &'a Caller,
        action: Action,
        placement: &'a Placement,
    ) -> Request<'a> {
        Request {
            category: Some(&placement.category),
            phase: Some(RecordPhase::name_of(placement.phase.as_ref())),
            ..self.request(caller, action, &placement.system)
        }
    }

    /// What of `record` the caller may see: free text only if the policy allows it for this
    /// record (for PNR, only for a subject flagged high risk); under a projection (a role's
    /// field set, a partner's, a (b)(7) portion) only the fields, subject parts and provenance
    /// keys it names, so the `source` map goes only as far as the projection lists it. An
    /// annotation goes out only when every portion it concerns goes out: one about a withheld
    /// portion is withheld with it and named `annotation.<n>`.
    fn view(
        &self,
        access: &Access,
        request: &Request<'_>,
        decision: &Decision,
        record: Record,
        annotations: Vec<Annotation>,
    ) -> Result<Viewed, Refusal> {
        let mut record = record;
        let mut withheld = Vec::new();
        // Free text the policy opens only for a subject CBP designated high risk (PNR, seed
        // 001 paragraph 5): the designations in force now are looked up (and the probe logged)
        // only when they would change the answer.
        let free_text_opens = match self.policy.free_text(request) {
            FreeText::Open => true,
            FreeText::IfDesignatedHighRisk => self.designated_high_risk(access, &record)?,
            FreeText::Closed => false,
        };
        let (system, category) = (
            record.contents.system.as_str().to_owned(),
            record.contents.category.clone(),
        );
        let catalog = self.policy.catalog();
        if !free_text_opens {
            for field in catalog.free_text_fields(&system, &category) {
                if record.contents.fields.remove(&field).is_some() {
                    withheld.push(field);
                }
            }
        }
        // A `high_risk` value a sender put in, in a record stored before designations, is not
        // CBP's act (seed 001 paragraph 5: the subject "has been identified by CBP as high
        // risk"): it was carried into a pending designation at start, and no view shows it as
        // if it were one, nor says it was there (naming it withheld would tell the reader a
        // sender flagged the passenger). It is not a field of the notice; the individual's own
        // response reads the record as stored.
        let gated = catalog.free_text_gated(&system, &category);
        if gated {
            record.contents.fields.remove(view::LEGACY_HIGH_RISK_FIELD);
        }
        let projection = decision.projection.as_deref().map(Projection);
        if let Some(projection) = projection {
            let names: Vec<String> = record.contents.fields.keys().cloned().collect();
            for name in names {
                if !projection.keeps_field(&name) {
                    record.contents.fields.remove(&name);
                    withheld.push(name);
                }
            }
            for subject in &mut record.contents.subjects {
                if !projection.keeps_subject_name() && subject.name.take().is_some() {
                    withheld.push(view::SUBJECT_NAME.into());
                }
                subject.identifiers.retain(|identifier| {
                    let kept = projection.keeps_identifier(identifier.kind.name());
                    if !kept {
                        withheld.push(view::identifier_part(identifier.kind.name()));
                    }
                    kept
                });
            }
            let keys: Vec<String> = record.contents.source.keys().cloned().collect();
            for key in keys {
                if !projection.keeps_source(&key) {
                    record.contents.source.remove(&key);
                    withheld.push(view::source_part(&key));
                }
            }
        }
        let mut shown = Vec::new();
        for annotation in annotations {
            let released = annotation
                .portions
                .iter()
                .all(|portion| view::portion_released(portion, projection, &withheld));
            if released {
                shown.push(annotation);
            } else {
                withheld.push(format!("annotation.{}", annotation.seq));
            }
        }
        withheld.sort();
        withheld.dedup();
        Ok(Viewed {
            record,
            withheld,
            annotations: shown,
        })
    }

    /// The fields of `record` a Privacy Act response withholds when the record names another
    /// party besides the requester (`Catalog::withheld_from_co_party`).
    pub(crate) fn fields_not_for_a_co_party(&self, record: &Record) -> Vec<String> {
        self.policy.catalog().withheld_from_co_party(
            record.contents.system.as_str(),
            &record.contents.category,
            record.contents.fields.keys().map(String::as_str),
        )
    }

    /// The `Access` a request is logged under. Only codes reach the log: a purpose the system
    /// does not know and a case id outside the reference grammar are written as
    /// `(not a code)` (a purpose or case field is where an identifier typed by mistake lands).
    fn access(
        &self,
        caller: &Caller,
        context: &RequestContext,
        decision: &Decision,
        system: &str,
        purpose: Option<&str>,
        case_id: Option<&str>,
    ) -> Access {
        let purpose = match purpose {
            None => "none",
            Some(own) if GATE_PURPOSES.contains(&own) => own,
            Some(purpose) => self
                .policy
                .catalog()
                .system(system)
                .map_or(policy::NOT_A_CODE, |known| known.known_purpose(purpose)),
        };
        let case_id = match case_id {
            None | Some("") => "",
            Some(case) if policy::validate_case_id(case).is_ok() => case,
            Some(_) => policy::NOT_A_CODE,
        };
        Access {
            principal: caller.account.name.clone(),
            organization: caller.account.organization.clone(),
            role: caller.account.role.clone(),
            purpose: purpose.to_owned(),
            case_id: case_id.to_owned(),
            rule: decision.rule.clone(),
            client: context.client.clone(),
            request_id: context.request_id.clone(),
        }
    }

    /// Refuses `attempt` under a rule of the gate's own (not a row of the policy's rules): the
    /// denial is logged like the policy's, with only codes (the system if known, the purpose
    /// if the system names it, the case id if well-formed), and returned as a 403. If the
    /// denial cannot be logged, the caller hears that the log is down.
    fn deny(
        &self,
        caller: &Caller,
        context: &RequestContext,
        attempt: &Attempt<'_>,
        rule: &str,
        reason: &str,
    ) -> Refusal {
        let denial = Decision::deny(rule, reason);
        let access = self.access(
            caller,
            context,
            &denial,
            attempt.system,
            attempt.purpose,
            attempt.case_id,
        );
        match self.log_denial(
            &access,
            attempt.action,
            self.system_code(attempt.system),
            reason,
        ) {
            Ok(()) => Refusal::Denied {
                rule: denial.rule,
                reason: denial.reason,
            },
            Err(refusal) => refusal,
        }
    }

    /// Logs a denial. If even that fails, the caller hears that the log is down: still a
    /// refusal, and the operator learns why.
    fn log_denial(
        &self,
        access: &Access,
        action: &str,
        system: &str,
        reason: &str,
    ) -> Result<(), Refusal> {
        self.vault
            .record_denial(access, action, system, reason, self.now())
            .map_err(Refusal::from)
    }

    /// `system` if it is the vault or a system the gate knows, otherwise `(not a code)`: what
    /// the log records of a system a caller named.
    fn system_code<'a>(&self, system: &'a str) -> &'a str {
        if system == VAULT_SYSTEM || self.policy.catalog().system(system).is_some() {
            system
        } else {
            policy::NOT_A_CODE
        }
    }

    /// Logs a listing `access` was allowed (see [`Vault::record_listing`]).
    fn log_listing(
        &self,
        access: &Access,
        action: Action,
        record_ids: Vec<RecordId>,
        outcome: &str,
    ) -> Result<(), Refusal> {
        self.vault
            .record_listing(access, action.name(), record_ids, outcome, self.now())
            .map_err(Refusal::from)
    }

    /// How many decisions the policy's answer cache holds (for the memory-bound tests and
    /// operators).
    pub fn cached_decisions(&self) -> usize {
        self.policy.cached_decisions()
    }

    /// Whether the vault can serve: the access log can be written. The check (a synced write)
    /// runs at most once a second; calls in between get its answer.
    pub fn ready(&self) -> Result<(), Refusal> {
        // A probe stuck behind a stalled disk holds the lock: the others answer at once from
        // the last result (or as not ready) instead of queueing behind it.
        let mut readiness = match self.readiness.try_lock() {
            Ok(readiness) => readiness,
            Err(std::sync::TryLockError::WouldBlock) => {
                // Another call holds it: reading the cache, or probing. A probe that has run
                // for more than a second is stuck on the store: not ready, at once.
                let since = self.started.elapsed().as_millis() as u64;
                let probing_for = since.saturating_sub(
                    self.probe_started_ms
                        .load(std::sync::atomic::Ordering::SeqCst),
                );
                if self.probing.load(std::sync::atomic::Ordering::SeqCst)
                    && probing_for >= READINESS_TTL.as_millis() as u64
                {
                    return Err(Refusal::unavailable(
                        "the readiness check is waiting on the store",
                    ));
                }
                self.readiness
                    .lock()
                    .map_err(|_| Refusal::Internal("readiness lock poisoned".into()))?
            }
            Err(std::sync::TryLockError::Poisoned(_)) => {
                return Err(Refusal::Internal("readiness lock poisoned".into()))
            }
        };
        if let Some((checked, answer)) = readiness.as_ref() {
            if checked.elapsed() < READINESS_TTL {
                return answer.clone();
            }
        }
        self.probe_started_ms.store(
            self.started.elapsed().as_millis() as u64,
            std::sync::atomic::Ordering::SeqCst,
        );
        self.probing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let answer = self.vault.log_writable(self.now()).map_err(Refusal::from);
        self.probing
            .store(false, std::sync::atomic::Ordering::SeqCst);
        *readiness = Some((std::time::Instant::now(), answer.clone()));
        answer
    }

    fn authorize_vault(
        &self,
        caller: &Caller,
        context: &RequestContext,
        action: Action,
    ) -> Result<Access, Refusal> {
        let request = self.request(caller, action, VAULT_SYSTEM);
        self.authorize(caller, context, &request)
            .map(|(access, _)| access)
    }
}

#[cfg(test)]
mod tests;
