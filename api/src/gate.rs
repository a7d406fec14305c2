//! The gate: the only way from the network to the vault. Every request is authenticated by
//! its bearer token, decided by the policy (principal, organization, role, action, system,
//! purpose, case) before the store is touched, and logged with the rule that decided it,
//! allowed or denied. The HTTP layer holds a `Gate`, never a `Vault`.
//!
//! Operations block (they sync the store and wait for the access log): the HTTP layer runs
//! them on blocking threads.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use policy::disclosure::{Basis, Disclosure, Evidence, NoticeDue};
use policy::{Action, Decision, Policy, Request, Vetting, VAULT_SYSTEM};
use vault::accounting::{AccountingEntry, Release};
use vault::accounts::{new_token, token_hash, Account, NewToken};
use vault::annotations::{Annotation, AnnotationKind};
use vault::audit::{LogQuery, LogVerification};
use vault::{
    Access, Checkpoint, LogEntry, Record, RecordId, SearchKey, StreamKey, SystemId, Vault,
};

use crate::lines::{LineBatches, Rejected};

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
    /// The request is malformed (HTTP 400).
    Invalid(String),
    /// Nothing there (HTTP 404).
    NotFound(String),
    /// It conflicts with another request or the current state (HTTP 409).
    Conflict(String),
    /// The access log cannot be written, so nothing is served (HTTP 503).
    Unavailable(String),
    /// Something failed inside: the detail is logged by the HTTP layer, never returned.
    Internal(String),
}

impl From<vault::Error> for Refusal {
    fn from(err: vault::Error) -> Self {
        match err {
            vault::Error::Invalid(reason) => Refusal::Invalid(reason),
            vault::Error::NotFound(what) => Refusal::NotFound(format!("no record `{what}`")),
            vault::Error::LogUnavailable(_) => Refusal::Unavailable(
                "the access log cannot be written, so the vault refuses to serve".into(),
            ),
            vault::Error::AlreadyExists(path) => {
                Refusal::Conflict(format!("`{}` already exists", path.display()))
            }
            other => Refusal::Internal(other.to_string()),
        }
    }
}

/// Where a record sits, from its id: its system, category and retention phase (with whether
/// the phase is in the search indexes), or no phase once its schedule has ended.
struct Placement {
    system: String,
    category: String,
    phase: Option<(String, bool)>,
}

/// A record as the caller may see it, and the fields withheld from it.
#[derive(Debug)]
pub struct Viewed {
    /// The record, less what is withheld.
    pub record: Record,
    /// The fields withheld (free text not open to the caller, fields outside its projection).
    pub withheld: Vec<String>,
    /// The record's annotations, oldest first.
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
    /// The legal basis.
    pub basis: Basis,
    /// Its evidence.
    pub evidence: Evidence,
    /// The officer's accuracy attestation.
    pub accuracy_attested: bool,
    /// `electronic` (released through the vault), or `paper` or `oral`: a disclosure made
    /// outside the vault, entered by hand for its accounting (no records are returned).
    pub nature: String,
}

/// What a release hands over.
#[derive(Debug)]
pub struct Package {
    /// Its id (in every accounting entry it made).
    pub id: String,
    /// The legal basis, as accounted.
    pub basis: String,
    /// The records, as the recipient may see them (a (b)(7) release: only the portion).
    pub records: Vec<Viewed>,
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
    /// Why the run stopped early, if it did (everything before `committed_through_line` is
    /// stored; nothing after it).
    pub stopped: Option<Refusal>,
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
}

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
        };
        gate.reload_accounts()?;
        Ok(gate)
    }

    fn now(&self) -> DateTime<Utc> {
        (self.clock)()
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

    /// Finds the account of a bearer token. Every failure is logged as a denial.
    pub fn authenticate(
        &self,
        token: Option<&str>,
        context: &RequestContext,
    ) -> Result<Caller, Refusal> {
        let refuse = |principal: &str, rule: &str, reason: &str| {
            let access = Access {
                principal: principal.into(),
                organization: "unknown".into(),
                role: "none".into(),
                purpose: "authentication".into(),
                case_id: String::new(),
                rule: rule.into(),
                client: context.client.clone(),
                request_id: context.request_id.clone(),
            };
            self.log_denial(&access, "authenticate", "", reason)?;
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
        let access = self.access(caller, context, &decision, request.purpose, request.case_id);
        if decision.allowed {
            return Ok((access, decision));
        }
        self.log_denial(
            &access,
            request.action.name(),
            policy::code(request.system),
            &decision.reason,
        )?;
        Err(Refusal::Denied {
            rule: decision.rule,
            reason: decision.reason,
        })
    }

    /// A record's category and retention phase, from its id alone (nothing is read).
    /// `Ok(None)` for an id of no known system.
    fn placement(&self, id: &RecordId) -> Result<Option<Placement>, Refusal> {
        let (system, category) = match self.vault.partition_of(id) {
            Ok(found) => found,
            Err(vault::Error::NotFound(_)) => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        let collected = DateTime::<Utc>::from_timestamp_millis(id.collected_at_millis())
            .ok_or_else(|| Refusal::Internal("a record id's time is out of range".into()))?;
        let phase = self
            .policy
            .catalog()
            .phase_at(system.as_str(), collected, self.now())
            .map(|phase| (phase.name.clone(), phase.searchable));
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
            phase: Some(
                placement
                    .phase
                    .as_ref()
                    .map_or("past-retention", |(phase, _)| phase.as_str()),
            ),
            ..self.request(caller, action, &placement.system)
        }
    }

    /// What of `record` the caller may see: free text only if the policy allows it for this
    /// record (for PNR, only for a subject flagged high risk), and only the fields of its
    /// projection if its role has one.
    fn view(&self, request: &Request<'_>, decision: &Decision, record: Record) -> Viewed {
        let mut record = record;
        let mut withheld = Vec::new();
        let high_risk = record
            .contents
            .fields
            .get("high_risk")
            .is_some_and(|flag| flag.eq_ignore_ascii_case("true"));
        let free_text = self.policy.decide(&Request {
            action: Action::RecordReadFreeText,
            high_risk,
            ..*request
        });
        let category = self
            .policy
            .catalog()
            .system(record.contents.system.as_str())
            .and_then(|system| system.sorn.category(&record.contents.category).cloned());
        if let Some(category) = &category {
            if !free_text.allowed {
                for field in category
                    .fields
                    .iter()
                    .filter(|field| field.kind == "free-text")
                {
                    if record.contents.fields.remove(&field.name).is_some() {
                        withheld.push(field.name.clone());
                    }
                }
            }
        }
        if let Some(projection) = &decision.projection {
            let keep = |name: &str| projection.iter().any(|field| field == name);
            let names: Vec<String> = record.contents.fields.keys().cloned().collect();
            for name in names {
                // A field is named bare in a SORN projection, `fields.NAME` in a portion.
                if !keep(&name) && !keep(&format!("fields.{name}")) {
                    record.contents.fields.remove(&name);
                    withheld.push(name);
                }
            }
            for subject in &mut record.contents.subjects {
                if !keep("subject.name") && subject.name.take().is_some() {
                    withheld.push("subject.name".into());
                }
                subject.identifiers.retain(|identifier| {
                    let field = format!("subject.{}", identifier.kind.name());
                    let kept = keep(&field);
                    if !kept {
                        withheld.push(field);
                    }
                    kept
                });
            }
        }
        withheld.sort();
        withheld.dedup();
        Viewed {
            record,
            withheld,
            annotations: Vec::new(),
        }
    }

    fn access(
        &self,
        caller: &Caller,
        context: &RequestContext,
        decision: &Decision,
        purpose: Option<&str>,
        case_id: Option<&str>,
    ) -> Access {
        // Only well-formed codes reach the log: a case id that failed validation is replaced.
        let case_id = case_id
            .filter(|case| policy::validate_case_id(case).is_ok())
            .unwrap_or("");
        Access {
            principal: caller.account.name.clone(),
            organization: caller.account.organization.clone(),
            role: caller.account.role.clone(),
            purpose: policy::code(purpose.unwrap_or("none")).to_owned(),
            case_id: case_id.to_owned(),
            rule: decision.rule.clone(),
            client: context.client.clone(),
            request_id: context.request_id.clone(),
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

    /// Searches `system` for records with `key`, for `purpose` under `case_id`, reading at most
    /// `limit` of them (oldest first). The search is decided first; then each record found is
    /// decided on its own category and retention phase, and read only if allowed (records in
    /// a phase that leaves the indexes are never results). The lookup (with how many it
    /// found) and every record read are logged.
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one field of the request"
    )]
    pub fn search(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
        purpose: Option<&str>,
        case_id: Option<&str>,
        key: &SearchKey,
        limit: usize,
    ) -> Result<SearchResult, Refusal> {
        let request = Request {
            purpose,
            case_id,
            ..self.request(caller, Action::RecordSearch, system)
        };
        let (access, _) = self.authorize(caller, context, &request)?;
        // A system is retrieved only by what its notice says (its "retrievability").
        let by = match key {
            SearchKey::Identifier(identifier) => identifier.kind.name(),
            SearchKey::Name(_) => "name",
        };
        let retrievable = self.policy.catalog().system(system).is_some_and(|known| {
            known
                .sorn
                .retrieved_by
                .get_ref()
                .iter()
                .any(|key| key == by)
        });
        if !retrievable {
            let reason =
                format!("`{system}` is not retrieved by `{by}` (its notice's retrievability)");
            let denial = Decision::deny("not-retrievable", reason.clone());
            let denied = self.access(caller, context, &denial, purpose, case_id);
            self.log_denial(&denied, Action::RecordSearch.name(), system, &reason)?;
            return Err(Refusal::Denied {
                rule: denial.rule,
                reason,
            });
        }
        let system_id = SystemId::new(system)?;
        let now = self.now();
        let ids = self.vault.lookup(&access, &system_id, key, now)?;
        let mut result = SearchResult {
            found: ids.len(),
            ..SearchResult::default()
        };
        for id in ids {
            if result.records.len() >= limit {
                break;
            }
            let Some(Placement {
                category,
                phase: Some((phase, true)),
                ..
            }) = self.placement(&id)?
            else {
                result.found -= 1; // past its schedule, or out of the indexes: not a result
                continue;
            };
            let read = Request {
                action: Action::RecordRead,
                category: Some(&category),
                phase: Some(&phase),
                ..request
            };
            let decision = self.policy.decide(&read);
            if !decision.allowed {
                result.withheld += 1;
                continue;
            }
            let access = self.access(caller, context, &decision, purpose, case_id);
            match self.vault.read_annotated(&access, &id, now) {
                Ok((record, annotations)) => {
                    let mut viewed = self.view(&read, &decision, record);
                    viewed.annotations = annotations;
                    result.records.push(viewed);
                }
                // Destroyed between the lookup and the read: not a result any more.
                Err(vault::Error::NotFound(_)) => result.found -= 1,
                Err(err) => return Err(err.into()),
            }
        }
        Ok(result)
    }

    /// Reads one record, deciding on its system, category and retention phase (known from
    /// its id) before touching it.
    pub fn read(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        purpose: Option<&str>,
        case_id: Option<&str>,
    ) -> Result<Viewed, Refusal> {
        let id: RecordId = id.parse()?;
        // An id of no system is decided on an unknown system, so the refusal is logged.
        let placement = self.placement_or_unknown(&id)?;
        let request = Request {
            purpose,
            case_id,
            ..self.record_request(caller, Action::RecordRead, &placement)
        };
        let (access, decision) = self.authorize(caller, context, &request)?;
        let (record, annotations) = self.vault.read_annotated(&access, &id, self.now())?;
        let mut viewed = self.view(&request, &decision, record);
        viewed.annotations = annotations;
        Ok(viewed)
    }

    /// Appends an annotation (a correction, a notation of dispute, a statement of
    /// disagreement) to a record, deciding on its category and phase first. The original is
    /// never altered; every later read shows the annotation.
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one field of the request"
    )]
    pub fn annotate(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        kind: &str,
        portions: &[String],
        text: &str,
        purpose: Option<&str>,
    ) -> Result<u32, Refusal> {
        let id: RecordId = id.parse()?;
        let kind = AnnotationKind::from_name(kind).ok_or_else(|| {
            Refusal::Invalid(
                "an annotation's kind is `correction`, `dispute` or `statement-of-disagreement`"
                    .into(),
            )
        })?;
        let placement = self.placement_or_unknown(&id)?;
        let request = Request {
            purpose,
            ..self.record_request(caller, Action::RecordAnnotate, &placement)
        };
        let (access, _) = self.authorize(caller, context, &request)?;
        // Prior recipients are told of corrections and disputes unless the notice exempts the
        // system from it (PNR always tells the designated authorities, seed 001 paragraph 39).
        let notify = self
            .policy
            .catalog()
            .system(&placement.system)
            .is_some_and(|system| system.sorn.exemptions.correction_notices);
        let (seq, _notices) =
            self.vault
                .annotate(&access, &id, kind, portions, text, notify, self.now())?;
        Ok(seq)
    }

    /// Releases records outside the agency: each record is decided for the officer (its
    /// category and phase), then the legal basis (routine use, condition, consent, designated
    /// authority); the records are read and, in the same atomic batch, one accounting entry
    /// per record is written. Refusals are logged. Returns the package.
    pub fn disclose(
        &self,
        caller: &Caller,
        context: &RequestContext,
        input: &DisclosureInput,
    ) -> Result<Package, Refusal> {
        if input.records.is_empty() == input.search.is_none() || input.records.len() > 1000 {
            return Err(Refusal::Invalid(
                "a disclosure names 1 to 1000 records, or a search".into(),
            ));
        }
        if !["electronic", "paper", "oral"].contains(&input.nature.as_str()) {
            return Err(Refusal::Invalid(
                "the nature of a disclosure is `electronic` (through the vault), or `paper` or `oral` (made outside it and entered by hand)".into(),
            ));
        }
        let ids: Vec<RecordId> = match &input.search {
            None => input
                .records
                .iter()
                .map(|id| id.parse())
                .collect::<Result<_, _>>()?,
            Some((system, key)) => {
                let request = Request {
                    purpose: Some(&input.purpose),
                    case_id: input.case_id.as_deref(),
                    ..self.request(caller, Action::RecordDisclose, system)
                };
                let (access, _) = self.authorize(caller, context, &request)?;
                let found = self
                    .vault
                    .lookup(&access, &SystemId::new(system)?, key, self.now())?;
                let mut ids = Vec::with_capacity(found.len());
                for id in found {
                    if let Some(Placement {
                        phase: Some((_, true)),
                        ..
                    }) = self.placement(&id)?
                    {
                        ids.push(id);
                    }
                }
                if ids.is_empty() {
                    return Err(Refusal::NotFound(
                        "the search found no record to release".into(),
                    ));
                }
                ids
            }
        };
        if ids.len() > 1000 {
            return Err(Refusal::Invalid(
                "a disclosure releases at most 1000 records".into(),
            ));
        }
        let mut placements = Vec::with_capacity(ids.len());
        for id in &ids {
            placements.push(self.placement_or_unknown(id)?);
        }
        let system = placements[0].system.clone();
        if placements
            .iter()
            .any(|placement| placement.system != system)
        {
            return Err(Refusal::Invalid(
                "one disclosure releases records of one system".into(),
            ));
        }
        let purpose = Some(input.purpose.as_str());
        let case_id = input.case_id.as_deref();
        let mut reads = Vec::with_capacity(ids.len());
        for placement in &placements {
            let request = Request {
                purpose,
                case_id,
                ..self.record_request(caller, Action::RecordDisclose, placement)
            };
            self.authorize(caller, context, &request)?;
            reads.push(Request {
                action: Action::RecordRead,
                ..request
            });
        }
        let today = self.now().date_naive();
        let decided = self.policy.decide_disclosure(&Disclosure {
            system: &system,
            recipient_category: &input.recipient_category,
            purpose: &input.purpose,
            basis: &input.basis,
            evidence: &input.evidence,
            accuracy_attested: input.accuracy_attested,
            today,
        });
        let mut decided = decided;
        if let (true, Basis::DesignatedAuthority(name)) = (decided.decision.allowed, &input.basis) {
            // Only a registered designated authority that kept its conditions receives PNR.
            let registered = self
                .authorities()?
                .into_iter()
                .find(|entry| entry["system"] == system.as_str() && entry["name"] == name.as_str());
            let refusal = match registered {
                None => Some((
                    "designated-authority-unregistered",
                    format!("`{name}` is not a registered designated authority of `{system}`"),
                )),
                Some(entry) if entry["eligible"] != true => Some((
                    "designated-authority-ineligible",
                    format!(
                        "`{name}` was made ineligible: {}",
                        entry["reason"].as_str().unwrap_or("")
                    ),
                )),
                Some(_) => None,
            };
            if let Some((rule, reason)) = refusal {
                decided.decision = Decision::deny(rule, reason);
            }
        }
        let access = self.access(caller, context, &decided.decision, purpose, case_id);
        if !decided.decision.allowed {
            self.log_denial(
                &access,
                Action::RecordDisclose.name(),
                policy::code(&system),
                &decided.decision.reason,
            )?;
            return Err(Refusal::Denied {
                rule: decided.decision.rule,
                reason: decided.decision.reason,
            });
        }
        let mut package_bytes = [0u8; 12];
        vault::crypto::fill_random(&mut package_bytes)?;
        let package = format!("pkg-{}", hex::encode(package_bytes));
        let now = self.now();
        let released: Vec<(Record, Vec<Annotation>)> = if decided.accounted {
            let records = ids
                .iter()
                .map(|id| (*id, self.keep_accounting_until(&system, id, now)))
                .collect();
            self.vault.disclose(
                &access,
                &Release {
                    records,
                    nature: input.nature.clone(),
                    purpose: input.purpose.clone(),
                    basis: input.basis.describe(),
                    recipient_name: input.recipient_name.clone(),
                    recipient_address: input.recipient_address.clone(),
                    recipient_category: input.recipient_category.clone(),
                    package: package.clone(),
                    withheld_from_individual: decided.withheld_from_individual,
                    individual_notice: decided
                        .notice
                        .as_ref()
                        .map(|notice| (notice.kind.to_owned(), notice.due.to_string())),
                },
                now,
            )?
        } else {
            // A FOIA release (b)(2) is not accounted (1.25(c)); each read is still logged.
            ids.iter()
                .map(|id| self.vault.read_annotated(&access, id, now))
                .collect::<Result<_, _>>()?
        };
        // A disclosure made outside the vault (orally, on paper) is entered by hand for its
        // accounting (1.25(b)): the vault releases nothing itself.
        let records = if input.nature == "electronic" {
            released
                .into_iter()
                .zip(&reads)
                .map(|((record, annotations), read)| {
                    let mut viewed = self.view(read, &decided.decision, record);
                    viewed.annotations = annotations;
                    viewed
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Package {
            id: package,
            basis: input.basis.describe(),
            records,
            conditions: decided.conditions,
            accounted: decided.accounted,
            notice: decided.notice,
        })
    }

    /// The year from which the accounting entry of a release of `id` today may be destroyed:
    /// after five years from the disclosure or the life of the record, whichever is longer
    /// (31 CFR 1.25(a)(2)).
    fn keep_accounting_until(&self, system: &str, id: &RecordId, now: DateTime<Utc>) -> u16 {
        let five_years = now
            .checked_add_months(chrono::Months::new(60))
            .unwrap_or(now);
        let life = DateTime::<Utc>::from_timestamp_millis(id.collected_at_millis())
            .and_then(|collected| self.policy.catalog().life_end(system, collected))
            .unwrap_or(five_years);
        let until = five_years.max(life);
        u16::try_from(chrono::Datelike::year(&until) + 1).unwrap_or(u16::MAX)
    }

    /// The accounting of disclosures about the subject `key`: everything for privacy staff;
    /// for the individual (`for_individual`), without (b)(7) disclosures and without systems
    /// exempt from 552a(c)(3) (31 CFR 1.25(d)(2)).
    pub fn accounting(
        &self,
        caller: &Caller,
        context: &RequestContext,
        key: &SearchKey,
        for_individual: bool,
    ) -> Result<Vec<AccountingEntry>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountingSearch)?;
        let entries = self.vault.accounting_for(&access, key, self.now())?;
        if !for_individual {
            return Ok(entries);
        }
        let catalog = self.policy.catalog();
        Ok(entries
            .into_iter()
            .filter(|entry| !entry.withheld_from_individual)
            .filter(|entry| {
                !catalog.system(&entry.system).is_some_and(|system| {
                    system
                        .sorn
                        .exemptions
                        .claims
                        .iter()
                        .any(|claim| claim.from.iter().any(|from| from == "552a(c)(3)"))
                })
            })
            .collect())
    }

    /// A search by a partner outside the agency (Foreign DARTTS): allowed only to the
    /// organizations and role the system's projection names, and every record it returns is a
    /// disclosure under the projection's routine use, with its accounting entry, showing only
    /// the projected fields.
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one field of the request"
    )]
    pub fn partner_search(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
        purpose: &str,
        case_id: Option<&str>,
        key: &SearchKey,
        limit: usize,
    ) -> Result<SearchResult, Refusal> {
        let request = Request {
            purpose: Some(purpose),
            case_id,
            ..self.request(caller, Action::RecordSearch, system)
        };
        let partner = self.policy.catalog().system(system).and_then(|known| {
            known
                .sorn
                .projections
                .iter()
                .map(|p| p.get_ref())
                .find(|projection| {
                    projection.role == caller.account.role
                        && projection
                            .organizations
                            .contains(&caller.account.organization)
                        && projection.routine_use.is_some()
                })
        });
        let today = self.now().date_naive();
        let decision = match partner {
            None => Decision::deny(
                "no-partner-access",
                format!(
                    "the role `{}` of `{}` does not search `{}` as a partner",
                    caller.account.role,
                    caller.account.organization,
                    policy::code(system)
                ),
            ),
            Some(projection) => match self.policy.vetting_denial(&request.vetting) {
                Some(denial) => denial,
                None => {
                    let mut decided = self.policy.decide_routine_use(
                        system,
                        projection.routine_use.as_deref().unwrap_or_default(),
                        projection.recipient_category.as_deref().unwrap_or_default(),
                        purpose,
                        today,
                    );
                    decided.projection = Some(projection.fields.clone());
                    decided
                }
            },
        };
        let access = self.access(caller, context, &decision, Some(purpose), case_id);
        if !decision.allowed {
            self.log_denial(
                &access,
                Action::RecordSearch.name(),
                policy::code(system),
                &decision.reason,
            )?;
            return Err(Refusal::Denied {
                rule: decision.rule,
                reason: decision.reason,
            });
        }
        let (letter, category) = partner
            .map(|projection| {
                (
                    projection.routine_use.clone().unwrap_or_default(),
                    projection.recipient_category.clone().unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        let system_id = SystemId::new(system)?;
        let now = self.now();
        let ids = self.vault.lookup(&access, &system_id, key, now)?;
        let mut result = SearchResult::default();
        let mut chosen = Vec::new();
        for id in ids {
            if let Some(Placement {
                phase: Some((_, true)),
                ..
            }) = self.placement(&id)?
            {
                result.found += 1;
                if chosen.len() < limit {
                    chosen.push((id, self.keep_accounting_until(system, &id, now)));
                }
            }
        }
        if chosen.is_empty() {
            return Ok(result);
        }
        let mut package_bytes = [0u8; 12];
        vault::crypto::fill_random(&mut package_bytes)?;
        let released = self.vault.disclose(
            &access,
            &Release {
                records: chosen,
                nature: "electronic".into(),
                purpose: purpose.to_owned(),
                basis: format!("routine use {letter}"),
                recipient_name: format!(
                    "{} (account {})",
                    caller.account.organization, caller.account.name
                ),
                recipient_address: caller.account.organization.clone(),
                recipient_category: category,
                package: format!("pkg-{}", hex::encode(package_bytes)),
                withheld_from_individual: false,
                individual_notice: None,
            },
            now,
        )?;
        for (record, annotations) in released {
            let mut viewed = self.view(&request, &decision, record);
            viewed.annotations = annotations;
            result.records.push(viewed);
        }
        Ok(result)
    }

    /// The designated authorities of `system` (PNR): name, address, eligible, reason.
    fn authorities(&self) -> Result<Vec<serde_json::Value>, Refusal> {
        self.vault
            .documents(AUTHORITIES)?
            .into_iter()
            .map(|(_, bytes)| {
                serde_json::from_slice(&bytes)
                    .map_err(|_| Refusal::Internal("a designated authority is not JSON".into()))
            })
            .collect()
    }

    /// Registers a designated authority of `system` (or changes its address, or its
    /// eligibility with the reason), as one logged change of the registry. Decided as a
    /// release of the system (the owner's disclosure officers).
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one field of the registration"
    )]
    pub fn register_authority(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
        name: &str,
        address: &str,
        eligible: bool,
        reason: &str,
    ) -> Result<(), Refusal> {
        let request = self.request(caller, Action::RecordDisclose, system);
        let (access, _) = self.authorize(caller, context, &request)?;
        let takes = self
            .policy
            .catalog()
            .system(system)
            .is_some_and(|known| known.sorn.disclosure.designated_authorities);
        if !takes {
            return Err(Refusal::Invalid(format!(
                "`{system}` does not release to designated authorities"
            )));
        }
        if name.trim().is_empty() || name.len() > 200 || address.trim().is_empty() {
            return Err(Refusal::Invalid(
                "a designated authority has a name (at most 200 characters) and an address".into(),
            ));
        }
        let mut registry = self.authorities()?;
        registry.retain(|entry| !(entry["system"] == system && entry["name"] == name));
        registry.push(serde_json::json!({
            "system": system, "name": name, "address": address,
            "eligible": eligible, "reason": reason,
        }));
        let documents: Vec<(String, Vec<u8>)> = registry
            .iter()
            .enumerate()
            .map(|(n, entry)| {
                (
                    format!("authority-{n:05}.json"),
                    entry.to_string().into_bytes(),
                )
            })
            .collect();
        Ok(self
            .vault
            .replace_documents(&access, AUTHORITIES, &documents, self.now())?)
    }

    /// The designated authorities, for the disclosure office.
    pub fn list_authorities(
        &self,
        caller: &Caller,
        context: &RequestContext,
        system: &str,
    ) -> Result<Vec<serde_json::Value>, Refusal> {
        let request = self.request(caller, Action::RecordDisclose, system);
        self.authorize(caller, context, &request)?;
        Ok(self
            .authorities()?
            .into_iter()
            .filter(|entry| entry["system"] == system)
            .collect())
    }

    /// Destroys the accounting years that are due, with a signed certificate each.
    pub fn expire_accounting(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<vault::accounting::AccountingCertificate>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountingExpire)?;
        Ok(self.vault.expire_accounting(&access, self.now())?)
    }

    /// What the retention schedules would do on `as_of` (default: now); changes nothing.
    pub fn retention_plan(
        &self,
        caller: &Caller,
        context: &RequestContext,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<retention::plan::Due>, Refusal> {
        self.authorize_vault(caller, context, Action::RetentionPlan)?;
        Ok(retention::run::plan_of(
            &self.vault,
            self.policy.catalog(),
            as_of.unwrap_or_else(|| self.now()),
        )?)
    }

    /// Runs the retention schedules now, with the real clock. A run larger than one
    /// approval allows needs `approval_token`: the bearer token of a second records officer.
    pub fn retention_run(
        &self,
        caller: &Caller,
        context: &RequestContext,
        confirm_clock: bool,
        approval_token: Option<&str>,
    ) -> Result<retention::run::RunReport, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RetentionRun)?;
        let second_approver = match approval_token {
            None => None,
            Some(token) => {
                let approver = self.authenticate(Some(token), context)?;
                let request = self.request(&approver, Action::RetentionRun, VAULT_SYSTEM);
                self.authorize(&approver, context, &request)?;
                if approver.name() == caller.name() {
                    return Err(Refusal::Invalid(
                        "the second approval must come from another records officer".into(),
                    ));
                }
                Some(approver.name().to_owned())
            }
        };
        let options = retention::run::RunOptions {
            confirm_clock,
            second_approver,
            ..retention::run::RunOptions::default()
        };
        retention::run::run(
            &self.vault,
            self.policy.catalog(),
            &access,
            self.now(),
            &options,
        )
        .map_err(|err| match err {
            retention::run::RunError::Vault(err) => Refusal::from(err),
            refused => Refusal::Conflict(refused.to_string()),
        })
    }

    /// The daily scheduled run: as the vault's own scheduler (logged as such), with the
    /// default limits and no confirmation: a clock that jumped, or a volume that needs a
    /// second approval, stops it until a records officer runs it.
    pub fn scheduled_retention_run(&self) -> Result<retention::run::RunReport, String> {
        let access = Access {
            principal: "recvault-scheduler".into(),
            organization: "local".into(),
            role: "scheduler".into(),
            purpose: "retention".into(),
            case_id: String::new(),
            rule: "scheduled-retention".into(),
            client: "local".into(),
            request_id: String::new(),
        };
        retention::run::run(
            &self.vault,
            self.policy.catalog(),
            &access,
            self.now(),
            &retention::run::RunOptions::default(),
        )
        .map_err(|err| err.to_string())
    }

    /// The disposition certificates, oldest first.
    pub fn retention_certificates(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<vault::Certificate>, Refusal> {
        self.authorize_vault(caller, context, Action::RetentionCertificates)?;
        Ok(self.vault.certificates("retention")?)
    }

    /// The notices to prior recipients of corrected or disputed records, pending and sent.
    pub fn notices(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<vault::accounting::Notice>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountingSearch)?;
        Ok(self.vault.notices(&access, self.now())?)
    }

    /// Records that a notice was sent.
    pub fn notice_sent(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
    ) -> Result<(), Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountingSearch)?;
        Ok(self.vault.mark_notice_sent(&access, id, self.now())?)
    }

    /// Starts an ingest for `caller`: decides that it may ingest into some system, claims the
    /// stream key (an idempotency key: a retry skips the lines a previous run stored) and
    /// reads the stream's progress. Nothing of the input has been read yet.
    pub fn begin_ingest(
        self: &Arc<Self>,
        caller: &Caller,
        context: &RequestContext,
        stream_key: Option<&str>,
    ) -> Result<IngestPlan, Refusal> {
        let Some(rule) = self.ingest_rule(caller) else {
            let decision = Decision::deny(
                "no-rule",
                format!(
                    "no rule allows the role `{}` of `{}` to record.ingest on any system",
                    caller.account.role, caller.account.organization
                ),
            );
            let access = self.access(caller, context, &decision, Some("intake"), None);
            self.log_denial(&access, Action::RecordIngest.name(), "", &decision.reason)?;
            return Err(Refusal::Denied {
                rule: decision.rule,
                reason: decision.reason,
            });
        };
        let stream = match stream_key {
            Some(key) => {
                if key.is_empty() || key.len() > 200 || key.chars().any(char::is_control) {
                    return Err(Refusal::Invalid(
                        "an idempotency key is 1 to 200 printable characters".into(),
                    ));
                }
                // Keys are per account: two accounts cannot resume (or block) each other.
                let name = format!("{}\0{key}", caller.account.name).into_bytes();
                let mut running = self
                    .streams
                    .lock()
                    .map_err(|_| Refusal::Internal("stream table lock poisoned".into()))?;
                if !running.insert(name.clone()) {
                    return Err(Refusal::Conflict(
                        "an ingest with this idempotency key is running; retry when it ends".into(),
                    ));
                }
                Some((StreamKey::new(&name), name))
            }
            None => None,
        };
        let mut plan = IngestPlan {
            gate: Arc::clone(self),
            caller: caller.clone(),
            context: context.clone(),
            rule,
            stream,
            skip: 0,
        };
        if let Some((key, _)) = &plan.stream {
            plan.skip = self.vault.ingest_progress(key)?;
        }
        Ok(plan)
    }

    /// The rule that lets `caller` ingest: the allowing rule of the first system it may
    /// ingest into (lines for other systems are rejected, and their denials logged apart).
    fn ingest_rule(&self, caller: &Caller) -> Option<String> {
        self.policy
            .catalog()
            .systems()
            .iter()
            .map(|system| self.decide_ingest(caller, &system.id))
            .find(|decision| decision.allowed)
            .map(|decision| decision.rule)
    }

    fn decide_ingest(&self, caller: &Caller, system: &str) -> Decision {
        self.policy
            .decide(&self.request(caller, Action::RecordIngest, system))
    }

    /// Creates an account and returns its token (shown once).
    pub fn add_account(
        &self,
        caller: &Caller,
        context: &RequestContext,
        new: &NewAccount,
    ) -> Result<NewToken, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountsManage)?;
        let token = create_account(&self.vault, &access, new, self.now())?;
        self.reload_accounts()?;
        Ok(token)
    }

    /// Every account (never a token or its hash).
    pub fn list_accounts(
        &self,
        caller: &Caller,
        context: &RequestContext,
    ) -> Result<Vec<Account>, Refusal> {
        self.authorize_vault(caller, context, Action::AccountsList)?;
        Ok(self.vault.accounts()?)
    }

    /// Disables an account: its token is refused from now on.
    pub fn disable_account(
        &self,
        caller: &Caller,
        context: &RequestContext,
        name: &str,
    ) -> Result<(), Refusal> {
        let access = self.authorize_vault(caller, context, Action::AccountsManage)?;
        let mut account = self
            .vault
            .account(name)?
            .ok_or_else(|| Refusal::NotFound(format!("no account `{name}`")))?;
        account.disabled = true;
        self.vault.put_account(&access, &account, self.now())?;
        self.reload_accounts()
    }

    /// Searches the access log.
    pub fn audit_search(
        &self,
        caller: &Caller,
        context: &RequestContext,
        query: &LogQuery,
    ) -> Result<Vec<LogEntry>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AuditSearch)?;
        Ok(self.vault.audit_search(&access, query, self.now())?)
    }

    /// Verifies the access log against the caller's pinned key and anchor.
    pub fn audit_verify(
        &self,
        caller: &Caller,
        context: &RequestContext,
        public_key: Option<&[u8; 32]>,
        anchor: Option<&Checkpoint>,
    ) -> Result<LogVerification, Refusal> {
        let access = self.authorize_vault(caller, context, Action::AuditVerify)?;
        Ok(self
            .vault
            .verify_own_log(&access, public_key, anchor, self.now())?)
    }

    /// Takes a live backup (a checkpoint and the key table) into the new directory `to`.
    pub fn backup(
        &self,
        caller: &Caller,
        context: &RequestContext,
        to: &Path,
    ) -> Result<vault::BackupReport, Refusal> {
        let access = self.authorize_vault(caller, context, Action::VaultBackup)?;
        if !to.is_absolute() {
            return Err(Refusal::Invalid(
                "a backup destination is an absolute path on the server".into(),
            ));
        }
        Ok(self.vault.backup(&access, to, self.now())?)
    }

    /// Whether the vault can serve: the access log can be written.
    pub fn ready(&self) -> Result<(), Refusal> {
        self.vault.log_writable(self.now()).map_err(Refusal::from)
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

/// Creates the account `new` with a fresh token, as `access`: for the gate, and for the
/// offline bootstrap of `init` and `accounts add --data`. Refuses a name in use.
pub fn create_account(
    vault: &Vault,
    access: &Access,
    new: &NewAccount,
    now: DateTime<Utc>,
) -> Result<NewToken, Refusal> {
    check_account_fields(new)?;
    if vault.account(&new.name)?.is_some() {
        return Err(Refusal::Conflict(format!(
            "an account `{}` exists already",
            new.name
        )));
    }
    let token = new_token()?;
    let account = Account {
        name: new.name.clone(),
        role: new.role.clone(),
        organization: new.organization.clone(),
        background_investigation: new.background_investigation,
        privacy_training: new.privacy_training,
        disabled: false,
        token_hash: token.hash,
        created_ms: now.timestamp_millis(),
    };
    vault.put_account(access, &account, now)?;
    Ok(token)
}

/// Checks a new account's role, organization and dates.
pub fn check_account_fields(new: &NewAccount) -> Result<(), Refusal> {
    vault::accounts::validate_account_name(&new.name)?;
    if !policy::ROLES.contains(&new.role.as_str()) {
        return Err(Refusal::Invalid(format!(
            "unknown role `{}`; roles are {}",
            policy::code(&new.role),
            policy::ROLES.join(", ")
        )));
    }
    if !policy::ORGANIZATIONS.contains(&new.organization.as_str()) {
        return Err(Refusal::Invalid(format!(
            "unknown organization `{}`; organizations are {}",
            policy::code(&new.organization),
            policy::ORGANIZATIONS.join(", ")
        )));
    }
    Ok(())
}

/// An ingest the gate has allowed: holds the claim on its stream key until it ends.
pub struct IngestPlan {
    gate: Arc<Gate>,
    caller: Caller,
    context: RequestContext,
    rule: String,
    stream: Option<(StreamKey, Vec<u8>)>,
    skip: u64,
}

impl std::fmt::Debug for IngestPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestPlan")
            .field("caller", &self.caller.account.name)
            .field("skip", &self.skip)
            .finish_non_exhaustive()
    }
}

impl IngestPlan {
    /// Lines a previous run of this stream stored (skipped unread).
    pub fn skipped_through_line(&self) -> u64 {
        self.skip
    }

    /// Reads `input` to its end, committing batches of `batch_size` records; each line names
    /// its system, which the gate decides on (once per system; a denied system's lines are
    /// rejected and the denial logged). `on_commit` hears of each durable batch with the last
    /// line it covers. Errors stop the run and are in the summary: everything through
    /// `committed_through_line` is stored, nothing after it.
    pub fn run(
        self,
        input: impl BufRead,
        batch_size: usize,
        mut on_commit: impl FnMut(u64),
    ) -> IngestSummary {
        let gate = &self.gate;
        let now = gate.now();
        let decisions: HashMap<String, Decision> = gate
            .policy
            .catalog()
            .systems()
            .iter()
            .map(|system| {
                (
                    system.id.clone(),
                    gate.decide_ingest(&self.caller, &system.id),
                )
            })
            .collect();
        let seen: Arc<Mutex<HashMap<String, Decision>>> = Arc::default();
        let admit: crate::lines::Admit = {
            let seen = Arc::clone(&seen);
            let policy = Arc::clone(&gate.policy);
            Box::new(move |record: &mut vault::RecordContents| {
                let system = record.system.as_str();
                let decision = decisions.get(system).cloned().unwrap_or_else(|| {
                    Decision::deny(
                        "system-unknown",
                        format!("the gate knows no system of records `{system}`"),
                    )
                });
                let verdict = if decision.allowed {
                    Ok(())
                } else {
                    Err(format!("{} (rule `{}`)", decision.reason, decision.rule))
                };
                if let Ok(mut seen) = seen.lock() {
                    seen.entry(system.to_owned()).or_insert(decision);
                }
                verdict.and_then(|()| crate::lines::admit_record(policy.catalog(), record))
            })
        };
        let mut lines = LineBatches::new(input, batch_size, now)
            .skipping_through(self.skip)
            .admitting(admit);
        let access = gate.access(
            &self.caller,
            &self.context,
            &Decision {
                allowed: true,
                rule: self.rule.clone(),
                reason: String::new(),
                projection: None,
            },
            Some("intake"),
            None,
        );
        let mut summary = IngestSummary {
            skipped_through_line: self.skip,
            committed_through_line: self.skip,
            ..IngestSummary::default()
        };
        let batches = std::iter::from_fn(|| lines.next_batch());
        let commit = |through_line: u64, ids: Vec<RecordId>| {
            summary.committed_through_line = through_line;
            summary.ingested += ids.len() as u64;
            on_commit(through_line);
        };
        let outcome = match &self.stream {
            Some((key, _)) => gate
                .vault
                .ingest_stream_resumable(&access, now, key, batches, commit),
            None => gate.vault.ingest_stream(&access, now, batches, commit),
        };
        summary.lines = lines.line_no;
        summary.rejected = std::mem::take(&mut lines.rejected);
        if let Err(err) = outcome {
            summary.stopped = Some(err.into());
        } else if let Some(err) = lines.read_error.take() {
            summary.stopped = Some(Refusal::Invalid(format!(
                "reading the input stopped after line {}: {err}",
                lines.line_no
            )));
        } else {
            // Every line was read and either stored or rejected.
            summary.committed_through_line = summary.lines.max(self.skip);
        }
        let denied: Vec<(String, Decision)> = seen
            .lock()
            .map(|seen| {
                seen.iter()
                    .filter(|(_, decision)| !decision.allowed)
                    .map(|(system, decision)| (system.clone(), decision.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (system, decision) in denied {
            let access = gate.access(&self.caller, &self.context, &decision, Some("intake"), None);
            let logged = gate.log_denial(
                &access,
                Action::RecordIngest.name(),
                policy::code(&system),
                &decision.reason,
            );
            if let (Err(refusal), None) = (logged, &summary.stopped) {
                summary.stopped = Some(refusal);
            }
        }
        summary
    }
}

impl Drop for IngestPlan {
    fn drop(&mut self) {
        if let Some((_, name)) = &self.stream {
            if let Ok(mut running) = self.gate.streams.lock() {
                running.remove(name);
            }
        }
    }
}
