//! The gate at its boundary: a `Gate` over a vault in memory, accounts made as the operator
//! makes them, time injected. Each table row is a caller's request and what the gate answers:
//! the decision's rule, or what the caller sees and what is withheld from it. (The HTTP tests
//! keep status codes, problem documents, authentication over the wire, limits and TLS.)

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use model::{Identifier, IdentifierKind};
use vault::store::MemStore;
use vault::{Access, MemKeyBackend, SearchKey, Vault};

use crate::lines::Input;
use crate::{
    create_account, Caller, DesignationInput, Gate, NewAccount, Refusal, RequestContext,
    SearchResult, Viewed,
};

/// Every account of these tests: name, role, organization.
const ACCOUNTS: &[(&str, &str, &str)] = &[
    ("ana", "analyst", "treasury-fincen"),
    ("ingester", "ingest", "treasury-fincen"),
    ("disclosure", "disclosure-officer", "treasury-fincen"),
    ("records", "records-officer", "treasury-fincen"),
    ("records-2", "records-officer", "treasury-fincen"),
    ("ice-analyst", "analyst", "dhs-ice"),
    ("cbp-analyst", "analyst", "dhs-cbp"),
    ("cbp-ingest", "ingest", "dhs-cbp"),
    ("cbp-disclosure", "disclosure-officer", "dhs-cbp"),
    ("cbp-ia", "internal-affairs", "dhs-cbp"),
    ("cbp-records", "records-officer", "dhs-cbp"),
    ("admin", "admin", "treasury-fincen"),
    ("security", "security-officer", "treasury-fincen"),
    ("privacy", "privacy-officer", "treasury-fincen"),
    ("auditor", "auditor", "treasury-fincen"),
    ("retired", "analyst", "treasury-fincen"),
];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

/// A gate with every account, and its clock `days_later` days after [`now`].
struct Fixture {
    gate: Arc<Gate>,
    tokens: HashMap<&'static str, String>,
    days_later: Arc<AtomicI64>,
}

impl Fixture {
    fn new() -> Self {
        Fixture::with_policy(policy::Policy::builtin().unwrap())
    }

    fn with_policy(policy: policy::Policy) -> Self {
        let backend = Arc::new(MemKeyBackend::generate().unwrap());
        let vault = Arc::new(Vault::create_with(Arc::new(MemStore::new()), backend).unwrap());
        let operator = Access::offline("tester", "administration");
        let vetted = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
        // Training lapses two years after it is recorded (`policy::TRAINING_MONTHS`); the rows
        // move the clock up to twelve years on and are about phases, not vetting, so it is
        // recorded as of the last of them (the bootstrap takes the date as given).
        let trained = NaiveDate::from_ymd_opt(2038, 11, 1).unwrap();
        let tokens = ACCOUNTS
            .iter()
            .map(|&(name, role, organization)| {
                let account = NewAccount {
                    name: name.into(),
                    role: role.into(),
                    organization: organization.into(),
                    background_investigation: Some(vetted),
                    privacy_training: trained,
                };
                let token = create_account(&vault, &operator, &account, true, now()).unwrap();
                (name, token.token.to_string())
            })
            .collect();
        let days_later = Arc::new(AtomicI64::new(0));
        let offset = Arc::clone(&days_later);
        let clock = Arc::new(move || now() + Duration::days(offset.load(Ordering::SeqCst)));
        let gate = Arc::new(Gate::new(vault, policy, clock).unwrap());
        Fixture {
            gate,
            tokens,
            days_later,
        }
    }

    fn caller(&self, name: &str) -> Result<Caller, Refusal> {
        let token = self
            .tokens
            .get(name)
            .map_or("rv_not-a-token", String::as_str);
        self.gate
            .authenticate(Some(token), &RequestContext::default())
    }

    fn ingest(&self, account: &str, lines: &[String]) {
        let caller = self.caller(account).unwrap();
        let plan = self
            .gate
            .begin_ingest(&caller, &RequestContext::default(), None)
            .unwrap();
        let text = lines.join("\n");
        let summary = plan.run(Input::Lines(Cursor::new(text.into_bytes())), 100, |_| {});
        assert_eq!(
            summary.ingested,
            lines.len() as u64,
            "{:?}",
            summary.rejected
        );
    }
}

fn pnr_line(name: &str, passport: &str) -> String {
    serde_json::json!({
        "system": "cbp-pnr", "category": "pnr", "collected_at": "2026-11-24T06:00:00Z",
        "source": {"carrier": "XX", "flight": "XX100", "departs_at": "2026-11-24T18:00:00Z", "arrives_at": "2026-11-25T02:00:00Z"},
        "subjects": [{"role": "passenger", "name": name, "identifiers": {"passport": {"number": passport, "country": "FR"}}}],
        "fields": {"record_locator": "ABC123", "osi": "CTCE PASSENGER NOTE", "general_remarks": "SEAT REQUEST"}
    })
    .to_string()
}

fn transmittal_line(ssn: &str) -> String {
    serde_json::json!({
        "system": "fincen-cbetf", "category": "transmittal", "collected_at": "2026-11-20",
        "source": {"report_id": "R-1"},
        "subjects": [{"role": "transmittor", "name": "MARIA EXAMPLE", "identifiers": {"ssn": ssn, "account": "000123"}}],
        "fields": {"amount": "1500.00", "currency": "USD"}
    })
    .to_string()
}

/// Two PNRs (one passenger CBP designates high risk, until its review date in June 2027, and
/// whose record is linked to an enforcement case) and one CBETF transmittal.
fn stocked() -> Fixture {
    let fixture = Fixture::new();
    fixture.ingest(
        "cbp-ingest",
        &[
            pnr_line("ANNE LOW", "P1000001"),
            pnr_line("HUGO HIGH", "P1000002"),
        ],
    );
    fixture.ingest("ingester", &[transmittal_line("123-45-6789")]);
    let analyst = fixture.caller("cbp-analyst").unwrap();
    fixture
        .gate
        .designate(
            &analyst,
            &RequestContext::default(),
            &passport("P1000002"),
            &DesignationInput {
                system: "cbp-pnr".into(),
                purpose: "counterterrorism".into(),
                case_id: "PNR-1".into(),
                reason: "targeting rule match".into(),
                review_on: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
            },
        )
        .unwrap();
    let linked = fixture
        .gate
        .search(
            &analyst,
            &RequestContext::default(),
            "cbp-pnr",
            Some("counterterrorism"),
            Some("PNR-1"),
            &passport("P1000002"),
            10,
        )
        .unwrap()
        .records[0]
        .record
        .id
        .to_string();
    let records_officer = fixture.caller("cbp-records").unwrap();
    fixture
        .gate
        .place_hold(
            &records_officer,
            &RequestContext::default(),
            crate::HoldRequest {
                records: vec![linked],
                subject: None,
                reference: "ENF-2026-3".into(),
                reason: "linked to enforcement case ENF-2026-3".into(),
                purpose: "enforcement-link".into(),
                mode: "governance".into(),
                until: None,
                roles: Vec::new(),
            },
        )
        .unwrap();
    fixture
}

fn passport(number: &str) -> SearchKey {
    SearchKey::Identifier(Identifier::passport(number, "FR"))
}

fn ssn(value: &str) -> SearchKey {
    SearchKey::Identifier(Identifier::new(IdentifierKind::Ssn, value))
}

/// What a search answered.
#[derive(Debug, PartialEq)]
enum Answer {
    /// Records shown, records the policy kept back (another phase than the caller's), and
    /// what was withheld from the shown records.
    Found {
        shown: usize,
        kept_back: usize,
        withheld: Vec<String>,
    },
    /// Refused by the rule named.
    Denied(String),
    /// The token was refused by the rule named.
    Unauthenticated(String),
}

fn found(shown: usize, kept_back: usize, withheld: &[&str]) -> Answer {
    Answer::Found {
        shown,
        kept_back,
        withheld: withheld.iter().map(|name| (*name).to_owned()).collect(),
    }
}

fn denied(rule: &str) -> Answer {
    Answer::Denied(rule.to_owned())
}

fn answer_of(outcome: Result<SearchResult, Refusal>) -> Answer {
    match outcome {
        Ok(result) => {
            let mut withheld: Vec<String> = result
                .records
                .iter()
                .flat_map(|record| record.withheld.iter().cloned())
                .collect();
            withheld.sort();
            withheld.dedup();
            Answer::Found {
                shown: result.records.len(),
                kept_back: result.withheld,
                withheld,
            }
        }
        Err(Refusal::Denied { rule, .. }) => Answer::Denied(rule),
        Err(Refusal::Unauthenticated { rule, .. }) => Answer::Unauthenticated(rule),
        Err(other) => panic!("unexpected refusal: {other:?}"),
    }
}

/// Searches by role, organization, purpose, phase and designation. Seed 001 paragraph 5:
/// free text is read "only when the individual that is the subject of a PNR has been
/// identified by CBP as high risk"; paragraph 15: "CBP will limit on-line access to PNR data
/// to authorized CBP users for a period of seven (7) days, after which the number of officers
/// authorized to access the PNR data will be even further limited".
#[test]
fn searches_are_decided_and_shown_by_role_purpose_phase_and_designation() {
    let fixture = stocked();
    let free_text: &[&str] = &["general_remarks", "osi"];
    #[rustfmt::skip]
    let table: Vec<(&str, i64, &str, &str, SearchKey, &str, Answer)> = vec![
        ("CBP's analyst, first week, no designation: the free text withheld", 0, "cbp-analyst", "cbp-pnr", passport("P1000001"), "counterterrorism", found(1, 0, free_text)),
        ("CBP's analyst, first week, a designated passenger: the whole record", 0, "cbp-analyst", "cbp-pnr", passport("P1000002"), "counterterrorism", found(1, 0, &[])),
        ("CBP's analyst, a purpose its grant does not name", 0, "cbp-analyst", "cbp-pnr", passport("P1000001"), "vital-interests", denied("no-rule")),
        ("ICE's analyst has no direct access to PNR", 0, "ice-analyst", "cbp-pnr", passport("P1000001"), "investigation", denied("not-direct-access")),
        ("FinCEN's analyst has no direct access to PNR", 0, "ana", "cbp-pnr", passport("P1000001"), "investigation", denied("not-direct-access")),
        ("FinCEN's analyst, a transmittal: nothing is free text", 0, "ana", "fincen-cbetf", ssn("123-45-6789"), "investigation", found(1, 0, &[])),
        ("an unknown token", 0, "nobody", "cbp-pnr", passport("P1000001"), "counterterrorism", Answer::Unauthenticated("token-unknown".into())),
        ("CBP's analyst after a week: the record is in the limited tier", 30, "cbp-analyst", "cbp-pnr", passport("P1000001"), "counterterrorism", found(0, 1, &[])),
        ("CBP's disclosure officer after a week, no designation", 30, "cbp-disclosure", "cbp-pnr", passport("P1000001"), "counterterrorism", found(1, 0, free_text)),
        ("CBP's disclosure officer after a week, a designated passenger", 30, "cbp-disclosure", "cbp-pnr", passport("P1000002"), "counterterrorism", found(1, 0, &[])),
        ("after 3.5 years, read by a person: in the deleted record file, which search does not find", 4 * 365, "cbp-disclosure", "cbp-pnr", passport("P1000001"), "counterterrorism", found(0, 0, &[])),
        ("after 3.5 years, linked to an enforcement record: still limited, and found; its designation lapsed at its review date", 4 * 365, "cbp-disclosure", "cbp-pnr", passport("P1000002"), "counterterrorism", found(1, 0, free_text)),
        ("after 3.5 years, linked to an enforcement record: still not the analyst's tier", 4 * 365, "cbp-analyst", "cbp-pnr", passport("P1000002"), "counterterrorism", found(0, 1, &[])),
    ];
    for (what, days, account, system, key, purpose, expected) in table {
        fixture.days_later.store(days, Ordering::SeqCst);
        let outcome = fixture.caller(account).and_then(|caller| {
            fixture.gate.search(
                &caller,
                &RequestContext::default(),
                system,
                Some(purpose),
                Some("PNR-1"),
                &key,
                10,
            )
        });
        assert_eq!(answer_of(outcome), expected, "{what}");
    }
}

/// What a read answers: what is withheld from the record, or the rule that refused it.
type ReadAnswer = Result<&'static [&'static str], &'static str>;

/// Reads by id over a record's life. Seed 001 paragraph 15: "PNR data that has been manually
/// accessed during the initial 3.5 year period will be transferred by CBP to a deleted record
/// file, where it will remain for a period of eight (8) years before it is destroyed"; footnote
/// 7 names who may still reach it (internal affairs, in connection with audits).
#[test]
fn reads_follow_a_records_phase_over_its_life() {
    let fixture = stocked();
    let analyst = fixture.caller("cbp-analyst").unwrap();
    // A person reads the record in its first week (a search is a read by a person).
    let read: Vec<Viewed> = fixture
        .gate
        .search(
            &analyst,
            &RequestContext::default(),
            "cbp-pnr",
            Some("counterterrorism"),
            Some("PNR-1"),
            &passport("P1000001"),
            10,
        )
        .unwrap()
        .records;
    let id = read[0].record.id.to_string();
    #[rustfmt::skip]
    let table: Vec<(&str, i64, &str, &str, ReadAnswer)> = vec![
        ("CBP's analyst, first week", 0, "cbp-analyst", "counterterrorism", Ok(&["general_remarks", "osi"])),
        ("CBP's analyst, limited tier", 30, "cbp-analyst", "counterterrorism", Err("no-rule")),
        ("internal affairs, limited tier, for an audit", 30, "cbp-ia", "audit", Ok(&["general_remarks", "osi"])),
        ("CBP's analyst, in the deleted record file", 4 * 365, "cbp-analyst", "counterterrorism", Err("no-rule")),
        ("internal affairs, in the deleted record file, for an audit", 4 * 365, "cbp-ia", "audit", Ok(&["general_remarks", "osi"])),
        ("internal affairs, past retention", 12 * 365, "cbp-ia", "audit", Err("no-rule")),
    ];
    for (what, days, account, purpose, expected) in table {
        fixture.days_later.store(days, Ordering::SeqCst);
        let caller = fixture.caller(account).unwrap();
        let outcome = fixture.gate.read(
            &caller,
            &RequestContext::default(),
            &id,
            Some(purpose),
            Some("PNR-1"),
        );
        match (outcome, expected) {
            (Ok(viewed), Ok(withheld)) => assert_eq!(viewed.withheld, withheld, "{what}"),
            (Err(Refusal::Denied { rule, .. }), Err(expected)) => {
                assert_eq!(rule, expected, "{what}")
            }
            (outcome, expected) => panic!("{what}: {outcome:?}, expected {expected:?}"),
        }
    }
}

/// What the gate answered, in a word: `ok`, or the refusal's kind (with the rule of a denial or
/// a failed authentication), which the HTTP layer turns into its status.
fn verdict<T>(outcome: &Result<T, Refusal>) -> String {
    match outcome {
        Ok(_) => "ok".into(),
        Err(Refusal::Unauthenticated { rule, .. }) => format!("unauthenticated {rule}"),
        Err(Refusal::Denied { rule, .. }) => format!("denied {rule}"),
        Err(Refusal::Invalid(_)) => "invalid".into(),
        Err(Refusal::Unprocessable(_)) => "unprocessable".into(),
        Err(Refusal::NotFound(_)) => "not-found".into(),
        Err(Refusal::Conflict(_)) => "conflict".into(),
        Err(other) => format!("{other:?}"),
    }
}

/// An access request to FinCEN's transfers system, received today.
fn access_request() -> crate::NewRequest {
    crate::NewRequest {
        kind: policy::requests::RequestKind::Access,
        requester: "JOHN Q PUBLIC".into(),
        status: policy::requests::RequesterStatus::Citizen,
        representative: None,
        identifiers: vec![Identifier::new(IdentifierKind::Ssn, "123-45-6789")],
        systems: vec!["fincen-cbetf".into()],
        received: None,
        fee_category: None,
        fee_limit_cents: None,
        substance: None,
        through_authority: None,
        authority_authorized: false,
    }
}

/// Authentication: a token is the account's until the account is disabled; a token of no
/// account (any text is hashed and looked up), and no token, are refused with their rules.
#[test]
fn a_token_authenticates_its_account_until_it_is_disabled() {
    let fixture = Fixture::new();
    let admin = fixture.caller("admin").unwrap();
    fixture
        .gate
        .disable_account(&admin, &RequestContext::default(), "retired")
        .unwrap();
    let retired = fixture.tokens["retired"].clone();
    #[rustfmt::skip]
    let table: Vec<(&str, Option<&str>, &str)> = vec![
        ("an account's token", Some(fixture.tokens["ana"].as_str()), "ok"),
        ("a disabled account's token", Some(retired.as_str()), "unauthenticated account-disabled"),
        ("a token of no account", Some("rv_not-a-token"), "unauthenticated token-unknown"),
        ("an empty token", Some(""), "unauthenticated token-missing"),
        ("no token", None, "unauthenticated token-missing"),
    ];
    for (what, token, expected) in table {
        let outcome = fixture.gate.authenticate(token, &RequestContext::default());
        assert_eq!(verdict(&outcome), expected, "{what}");
    }
}

/// Administration and requests are decided by role first (an account that is not there is
/// looked for only once the role may manage accounts): the administrator manages accounts,
/// which the security officer may list; privacy staff open and keep requests, auditors only
/// read them; nobody else does either.
#[test]
fn accounts_and_requests_are_decided_by_role() {
    let fixture = Fixture::new();
    let context = RequestContext::default();
    let gate = &fixture.gate;
    #[rustfmt::skip]
    let table: Vec<(&str, &str, &str)> = vec![
        ("admin", "list accounts", "ok"),
        ("security", "list accounts", "ok"),
        ("auditor", "list accounts", "denied no-rule"),
        ("ana", "list accounts", "denied no-rule"),
        ("privacy", "list accounts", "denied no-rule"),
        ("ana", "disable an account", "denied no-rule"),
        ("security", "disable an account", "denied no-rule"),
        ("admin", "disable an account", "not-found"),
        ("admin", "disable its own account", "conflict"),
        ("admin", "disable the retired account", "ok"),
        ("privacy", "open a request", "ok"),
        ("auditor", "open a request", "denied no-rule"),
        ("ana", "open a request", "denied no-rule"),
        ("admin", "open a request", "denied no-rule"),
        ("privacy", "what is due", "ok"),
        ("auditor", "what is due", "ok"),
        ("ana", "what is due", "denied no-rule"),
        ("auditor", "show a request", "ok"),
        ("cbp-records", "show a request", "denied no-rule"),
        ("auditor", "record an event", "denied no-rule"),
        ("privacy", "record an event", "ok"),
    ];
    for (account, operation, expected) in table {
        let caller = fixture.caller(account).unwrap();
        let outcome = match operation {
            "list accounts" => verdict(&gate.list_accounts(&caller, &context)),
            "disable an account" => verdict(&gate.disable_account(&caller, &context, "nobody")),
            "disable its own account" => verdict(&gate.disable_account(&caller, &context, "admin")),
            "disable the retired account" => {
                verdict(&gate.disable_account(&caller, &context, "retired"))
            }
            "open a request" => verdict(&gate.open_request(&caller, &context, access_request())),
            "what is due" => verdict(&gate.requests_due(&caller, &context, None, None)),
            "show a request" => verdict(&gate.show_request(&caller, &context, "PA-2026-000001")),
            "record an event" => verdict(&gate.request_event(
                &caller,
                &context,
                "PA-2026-000001",
                policy::requests::EventKind::Acknowledged,
                None,
            )),
            other => panic!("no operation {other}"),
        };
        assert_eq!(outcome, expected, "{account}: {operation}");
    }
}

/// A request's own forms are invalid (400 over HTTP) whatever the case; the rules joining its
/// fields or depending on the day are unprocessable (422): the split the API's document states.
#[test]
fn a_requests_forms_are_invalid_and_its_rules_unprocessable() {
    let fixture = Fixture::new();
    let context = RequestContext::default();
    let privacy = fixture.caller("privacy").unwrap();
    let with = |change: &dyn Fn(&mut crate::NewRequest)| {
        let mut request = access_request();
        change(&mut request);
        request
    };
    let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    #[rustfmt::skip]
    let table: Vec<(&str, crate::NewRequest, &str)> = vec![
        ("a requester on two lines", with(&|r| r.requester = "JOHN\nPUBLIC".into()), "invalid"),
        ("a requester of only spaces", with(&|r| r.requester = " \u{3000} ".into()), "invalid"),
        ("a representative past 200 characters", with(&|r| r.representative = Some("x".repeat(201))), "invalid"),
        ("200 characters of two bytes each", with(&|r| r.representative = Some("é".repeat(200))), "ok"),
        ("no identifier", with(&|r| r.identifiers.clear()), "invalid"),
        ("no system", with(&|r| r.systems.clear()), "invalid"),
        ("a substance not a code", with(&|r| r.substance = Some("123-45-6789".into())), "invalid"),
        ("a fee limit under $25", with(&|r| r.fee_limit_cents = Some(2499)), "invalid"),
        ("a system the vault does not keep", with(&|r| r.systems = vec!["nowhere".into()]), "unprocessable"),
        ("received tomorrow", with(&|r| r.received = day("2026-11-25")), "unprocessable"),
        ("fee terms on a Privacy Act request", with(&|r| r.fee_limit_cents = Some(2500)), "unprocessable"),
        ("a substance on an access request", with(&|r| r.substance = Some("accuracy".into())), "unprocessable"),
        ("rectification outside PNR", with(&|r| r.kind = policy::requests::RequestKind::Rectification), "unprocessable"),
        ("received today", access_request(), "ok"),
    ];
    for (what, request, expected) in table {
        let outcome = fixture.gate.open_request(&privacy, &context, request);
        assert_eq!(verdict(&outcome), expected, "{what}");
    }
    // The case's rules: an event out of order, or dated in the future, is unprocessable; one
    // about a request not on file is not found.
    let opened = fixture
        .gate
        .open_request(&privacy, &context, access_request())
        .unwrap();
    #[rustfmt::skip]
    let events: Vec<(&str, &str, policy::requests::EventKind, Option<NaiveDate>, &str)> = vec![
        ("received twice", &opened.id, policy::requests::EventKind::Received, None, "unprocessable"),
        ("dated tomorrow", &opened.id, policy::requests::EventKind::Acknowledged, day("2026-11-25"), "unprocessable"),
        ("a request not on file", "PA-2026-999999", policy::requests::EventKind::Acknowledged, None, "not-found"),
        ("acknowledged today", &opened.id, policy::requests::EventKind::Acknowledged, None, "ok"),
        ("perfected without a deficiency", &opened.id, policy::requests::EventKind::Perfected, None, "unprocessable"),
    ];
    for (what, id, event, on, expected) in events {
        let outcome = fixture
            .gate
            .request_event(&privacy, &context, id, event, on);
        assert_eq!(verdict(&outcome), expected, "{what}");
    }
}

/// Holds (records officers): by role first; then what breaks the document's forms (invalid),
/// then the rules joining the fields or reading the day (unprocessable); a compliance hold is
/// released by nobody before its date, a governance hold by its officer.
#[test]
fn holds_are_decided_by_role_then_form_then_rule() {
    let fixture = stocked();
    let context = RequestContext::default();
    let hold = |change: &dyn Fn(&mut crate::HoldRequest)| {
        let mut request = crate::HoldRequest {
            records: Vec::new(),
            subject: Some(ssn("123-45-6789")),
            reference: "LIT-1".into(),
            reason: "a suit is pending".into(),
            purpose: "litigation".into(),
            mode: "governance".into(),
            until: None,
            roles: Vec::new(),
        };
        change(&mut request);
        request
    };
    let later = now() + Duration::days(30);
    #[rustfmt::skip]
    let table: Vec<(&str, &str, crate::HoldRequest, &str)> = vec![
        ("an analyst", "ana", hold(&|_| {}), "denied no-rule"),
        ("a privacy officer", "privacy", hold(&|_| {}), "denied no-rule"),
        ("a reference that is an identifier", "cbp-records", hold(&|h| h.reference = "123-45-6789".into()), "invalid"),
        ("a role the vault does not know", "cbp-records", hold(&|h| h.roles = vec!["janitor".into()]), "invalid"),
        ("a purpose not a code", "cbp-records", hold(&|h| h.purpose = "spite".into()), "invalid"),
        ("a kind not a code", "cbp-records", hold(&|h| h.mode = "forever".into()), "invalid"),
        ("a record id not of the form", "cbp-records", hold(&|h| { h.subject = None; h.records = vec!["R-1".into()]; }), "invalid"),
        ("a subject by name", "cbp-records", hold(&|h| h.subject = Some(SearchKey::Name("MARIA EXAMPLE".into()))), "invalid"),
        ("compliance without its date", "cbp-records", hold(&|h| h.mode = "compliance".into()), "unprocessable"),
        ("a date already past", "cbp-records", hold(&|h| h.until = Some(now() - Duration::days(1))), "unprocessable"),
        ("both records and a subject", "cbp-records", hold(&|h| h.records = vec!["0001-019cb0fe9400-00000001-00000000".into()]), "unprocessable"),
        ("neither", "cbp-records", hold(&|h| h.subject = None), "unprocessable"),
        ("a governance hold on a subject", "cbp-records", hold(&|_| {}), "ok"),
        ("a compliance hold to a date", "cbp-records", hold(&|h| { h.mode = "compliance".into(); h.until = Some(later); }), "ok"),
    ];
    let mut placed = Vec::new();
    for (what, account, request, expected) in table {
        let caller = fixture.caller(account).unwrap();
        let outcome = fixture.gate.place_hold(&caller, &context, request);
        assert_eq!(verdict(&outcome), expected, "{what}");
        if let Ok(hold) = outcome {
            placed.push(hold.hold.label());
        }
    }
    let [governance, compliance] = &placed[..] else {
        panic!("two holds placed: {placed:?}");
    };
    let records = fixture.caller("cbp-records").unwrap();
    #[rustfmt::skip]
    let releases: Vec<(&str, &str, &str, &str)> = vec![
        ("an analyst", "ana", governance, "denied no-rule"),
        ("an id not of the form", "cbp-records", "H-one", "invalid"),
        ("a hold that is not there", "cbp-records", "H-99", "not-found"),
        ("a compliance hold before its date", "cbp-records", compliance, "conflict"),
        ("a governance hold", "cbp-records", governance, "ok"),
        ("the same hold again", "cbp-records", governance, "conflict"),
    ];
    for (what, account, id, expected) in releases {
        let caller = if account == "cbp-records" {
            records.clone()
        } else {
            fixture.caller(account).unwrap()
        };
        let outcome = fixture
            .gate
            .release_hold(&caller, &context, id, "the suit settled");
        assert_eq!(verdict(&outcome), expected, "{what}");
    }
}

/// The id of the record `account` finds under `key` in `system` (a search, logged).
fn record_id(
    fixture: &Fixture,
    account: &str,
    system: &str,
    purpose: &str,
    key: SearchKey,
) -> String {
    let caller = fixture.caller(account).unwrap();
    fixture
        .gate
        .search(
            &caller,
            &RequestContext::default(),
            system,
            Some(purpose),
            Some("PNR-1"),
            &key,
            10,
        )
        .unwrap()
        .records[0]
        .record
        .id
        .to_string()
}

/// A routine-use release of `records` to a state prosecutor, attested accurate.
fn release(records: &[&str]) -> crate::DisclosureInput {
    crate::DisclosureInput {
        records: records.iter().map(|id| (*id).to_owned()).collect(),
        search: None,
        population: None,
        recipient_name: "Office of the State Prosecutor".into(),
        recipient_address: "1 Justice Way".into(),
        recipient_category: "state-agency".into(),
        purpose: "investigation".into(),
        case_id: Some("DISC-1".into()),
        basis: Some(policy::disclosure::Basis::RoutineUse("A".into())),
        evidence: policy::disclosure::Evidence::default(),
        accuracy_attested: true,
        nature: "electronic".into(),
        statistics: crate::StatisticsAsked::default(),
    }
}

/// A (b)(7) request as the seed asks it: the head of the agency's written request, naming the
/// portion wanted and the law-enforcement activity.
fn b7_evidence() -> policy::disclosure::Evidence {
    policy::disclosure::Evidence {
        document: Some("letter-2026-17".into()),
        agency_head_request: true,
        signer: Some("Director".into()),
        agency: Some("State Police".into()),
        dated: NaiveDate::from_ymd_opt(2026, 11, 20),
        portion: vec!["fields.amount".into()],
        activity: Some("structuring investigation".into()),
        ..policy::disclosure::Evidence::default()
    }
}

/// Disclosures (the owner's disclosure officers): by role and organization; then the forms
/// (invalid) before the rules that join fields (unprocessable); then the legal basis, each
/// missing part its own rule. 5 U.S.C. 552a(b): "No agency shall disclose any record ...
/// except pursuant to a written request by, or with the prior written consent of, the
/// individual to whom the record pertains, unless disclosure of the record would be" one of
/// the conditions; (b)(7): "if the activity is authorized by law, and if the head of the
/// agency or instrumentality has made a written request to the agency which maintains the
/// record specifying the particular portion desired and the law enforcement activity for which
/// the record is sought".
#[test]
fn disclosures_are_decided_by_role_then_form_then_basis() {
    let fixture = stocked();
    let context = RequestContext::default();
    let transmittal = record_id(
        &fixture,
        "ana",
        "fincen-cbetf",
        "investigation",
        ssn("123-45-6789"),
    );
    let pnr = record_id(
        &fixture,
        "cbp-analyst",
        "cbp-pnr",
        "counterterrorism",
        passport("P1000001"),
    );
    let ids = [transmittal.as_str()];
    let with = |change: &dyn Fn(&mut crate::DisclosureInput)| {
        let mut input = release(&ids);
        change(&mut input);
        input
    };
    let b7 = |change: &dyn Fn(&mut policy::disclosure::Evidence)| {
        with(&|input| {
            input.basis = Some(policy::disclosure::Basis::Condition(7));
            input.evidence = b7_evidence();
            change(&mut input.evidence);
        })
    };
    #[rustfmt::skip]
    let table: Vec<(&str, &str, crate::DisclosureInput, &str)> = vec![
        ("an analyst", "ana", release(&ids), "denied no-rule"),
        ("another organization's officer", "cbp-disclosure", release(&ids), "denied not-direct-access"),
        ("a case that is an identifier, where none is needed", "disclosure", with(&|r| r.case_id = Some("987-65-4321".into())), "invalid"),
        ("an empty case", "disclosure", with(&|r| r.case_id = Some(String::new())), "invalid"),
        ("a record id not of the form beside a search: the form before the rule joining them", "disclosure", with(&|r| { r.records = vec!["not-a-record-id".into()]; r.search = Some(("fincen-cbetf".into(), ssn("123-45-6789"))); }), "invalid"),
        ("a nature not a code", "disclosure", with(&|r| r.nature = "pigeon".into()), "invalid"),
        ("more than 1000 records", "disclosure", with(&|r| r.records = vec![transmittal.clone(); 1001]), "invalid"),
        ("both records and a search", "disclosure", with(&|r| r.search = Some(("fincen-cbetf".into(), ssn("123-45-6789")))), "unprocessable"),
        ("neither records nor a search", "disclosure", with(&|r| r.records.clear()), "unprocessable"),
        ("records of two systems: each is decided for the officer before the rule joining them", "disclosure", with(&|r| r.records.push(pnr.clone())), "denied not-direct-access"),
        ("records of two systems, for an analyst: nothing tells where they are kept", "ana", with(&|r| r.records.push(pnr.clone())), "denied no-rule"),
        ("an id nobody holds, of CBP's partition: decided for the officer as a PNR", "disclosure", with(&|r| r.records = vec!["0001-019cb0fe9400-00000009-00000000".into()]), "denied not-direct-access"),
        ("a search that finds nothing", "disclosure", with(&|r| { r.records.clear(); r.search = Some(("fincen-cbetf".into(), ssn("987-65-4321"))); }), "not-found"),
        ("a purpose the notice does not name", "disclosure", with(&|r| r.purpose = "curiosity".into()), "denied purpose-unknown"),
        ("no basis", "disclosure", with(&|r| r.basis = None), "denied basis-missing"),
        ("a routine use the notice does not publish", "disclosure", with(&|r| r.basis = Some(policy::disclosure::Basis::RoutineUse("Q".into()))), "denied routine-use-unknown"),
        ("a recipient category the routine use does not name", "disclosure", with(&|r| r.recipient_category = "news-media".into()), "denied routine-use-recipient"),
        ("a purpose the routine use does not name", "disclosure", with(&|r| r.purpose = "litigation".into()), "denied routine-use-purpose"),
        ("a state prosecutor without the accuracy attestation", "disclosure", with(&|r| r.accuracy_attested = false), "denied accuracy-attestation-missing"),
        ("(b)(7) without the head's request", "disclosure", b7(&|e| e.agency_head_request = false), "denied b7-request-missing"),
        ("(b)(7) without the portion", "disclosure", b7(&|e| e.portion.clear()), "denied b7-portion-missing"),
        ("a routine use", "disclosure", release(&ids), "ok"),
        ("(b)(7) as the seed asks it", "disclosure", b7(&|_| {}), "ok"),
    ];
    for (what, account, input, expected) in table {
        let caller = fixture.caller(account).unwrap();
        let outcome = fixture.gate.disclose(&caller, &context, &input);
        assert_eq!(verdict(&outcome), expected, "{what}");
    }
    // Exactly one accounting entry per record released; nothing refused was accounted.
    let privacy = fixture.caller("privacy").unwrap();
    let entries = fixture
        .gate
        .accounting(&privacy, &context, &ssn("123-45-6789"), false)
        .unwrap();
    let bases: Vec<String> = entries.iter().map(|entry| entry.basis.clone()).collect();
    assert_eq!(bases, ["routine use A", "552a(b)(7)"]);
    // The accounting given to an individual is found by an identifier of theirs alone; the
    // caller is decided first.
    #[rustfmt::skip]
    let searches: Vec<(&str, &str, SearchKey, bool, &str)> = vec![
        ("an analyst", "ana", ssn("123-45-6789"), false, "denied no-rule"),
        ("an analyst, by name, for the individual", "ana", SearchKey::Name("MARIA EXAMPLE".into()), true, "denied no-rule"),
        ("privacy staff, by name, for the individual", "privacy", SearchKey::Name("MARIA EXAMPLE".into()), true, "unprocessable"),
        ("privacy staff, by SSN, for the individual", "privacy", ssn("123-45-6789"), true, "ok"),
        ("privacy staff, by name", "privacy", SearchKey::Name("MARIA EXAMPLE".into()), false, "ok"),
    ];
    for (what, account, key, for_individual, expected) in searches {
        let caller = fixture.caller(account).unwrap();
        let outcome = fixture
            .gate
            .accounting(&caller, &context, &key, for_individual);
        assert_eq!(verdict(&outcome), expected, "{what}");
    }
}

/// Retention runs (records officers): by role; a run refuses a clock that jumped forward
/// until an officer confirms it, and one set back; a run larger than the server's limit needs
/// a second records officer's approval, single-use and never the runner's own.
#[test]
fn retention_runs_are_decided_by_role_then_clock_then_second_approval() {
    let fixture = Fixture::new();
    let context = RequestContext::default();
    // Two monthly cohorts of transmittals, a month apart.
    let october = transmittal_line("123-45-6789").replace("2026-11-20", "2026-10-20");
    fixture.ingest("ingester", &[october, transmittal_line("987-65-4321")]);
    let records = fixture.caller("records").unwrap();
    let due_on = |days: i64| {
        let as_of = now() + Duration::days(days);
        fixture
            .gate
            .retention_plan(&records, &context, Some(as_of))
            .unwrap()
            .due
            .iter()
            .filter(|(due, _)| due.destroy)
            .count()
    };
    // The first day one cohort is due, and the first day both are.
    let first = (0..4000).find(|&days| due_on(days) == 1).unwrap();
    let second = (first..first + 62).find(|&days| due_on(days) == 2).unwrap();
    let approvals = std::sync::Mutex::new(Vec::<String>::new());
    let approved = |index: usize| approvals.lock().unwrap().get(index).cloned();
    // (what, account, days later, operation, expected)
    #[rustfmt::skip]
    let steps: Vec<(&str, &str, i64, &str, &str)> = vec![
        ("an analyst plans", "ana", 0, "plan", "denied no-rule"),
        ("an auditor plans", "auditor", 0, "plan", "denied no-rule"),
        ("an analyst runs", "ana", 0, "run", "denied no-rule"),
        ("an analyst approves", "ana", 0, "approve", "denied no-rule"),
        ("the records officer runs today: nothing is due, today is the trusted time", "records", 0, "run", "ok 0"),
        ("years later, unconfirmed: the clock jumped forward", "records", first, "run", "conflict jumped"),
        ("an approval across the jump", "records-2", first, "approve", "conflict jumped"),
        ("confirmed: the first cohort goes", "records", first, "confirm", "ok 1"),
        ("the clock set back", "records", first - 30, "confirm", "conflict behind"),
        ("confirmed, the day before the second cohort is due: nothing goes", "records", second - 1, "confirm", "ok 0"),
        ("the server's limit: 0 records without a second approval", "records", second, "limit 0", "ok"),
        ("the second cohort, unapproved", "records", second, "run", "conflict needs approval"),
        ("an approval that does not exist", "records", second, "run A-0", "conflict no approval"),
        ("the runner's own approval", "records", second, "approve", "ok"),
        ("run on it: refused, and it is used up", "records", second, "run approval 0", "conflict own approval"),
        ("used again", "records", second, "run approval 0", "conflict no approval"),
        ("another officer's approval", "records-2", second, "approve", "ok"),
        ("run on it", "records", second, "run approval 1", "ok 1"),
        ("used again", "records", second, "run approval 1", "conflict no approval"),
    ];
    // A conflict named by what its detail says.
    fn conflict<T>(outcome: Result<T, Refusal>) -> String {
        let Err(Refusal::Conflict(detail)) = &outcome else {
            return verdict(&outcome);
        };
        let said = [
            ("jumped forward", "jumped"),
            ("reads earlier", "behind"),
            ("a second records officer must approve", "needs approval"),
            ("no such approval", "no approval"),
            ("another records officer", "own approval"),
        ];
        let (_, name) = said
            .iter()
            .find(|(text, _)| detail.contains(text))
            .unwrap_or_else(|| panic!("a conflict of no known kind: {detail}"));
        format!("conflict {name}")
    }
    for (what, account, days, operation, expected) in steps {
        fixture.days_later.store(days, Ordering::SeqCst);
        let caller = fixture.caller(account).unwrap();
        let ran = |outcome: Result<::retention::run::RunReport, Refusal>| match outcome {
            Ok(report) => format!("ok {}", report.destroyed.len()),
            refused => conflict(refused),
        };
        let gate = &fixture.gate;
        let outcome = match operation {
            "plan" => verdict(&gate.retention_plan(&caller, &context, None)),
            "approve" => {
                let outcome = gate.approve_retention_run(&caller, &context);
                if let Ok(approval) = &outcome {
                    approvals.lock().unwrap().push(approval.id.clone());
                }
                conflict(outcome)
            }
            "run" => ran(gate.retention_run(&caller, &context, false, None)),
            "confirm" => ran(gate.retention_run(&caller, &context, true, None)),
            "run A-0" => ran(gate.retention_run(&caller, &context, false, Some("A-0"))),
            "run approval 0" | "run approval 1" => {
                let index = usize::from(operation.ends_with('1'));
                let id = approved(index).expect("approved");
                ran(gate.retention_run(&caller, &context, false, Some(&id)))
            }
            "limit 0" => {
                gate.set_max_run_records(0);
                "ok".into()
            }
            other => panic!("no operation {other}"),
        };
        assert_eq!(outcome, expected, "{what}");
    }
}

/// One disclosure releases records of one system (its accounting entries and package name
/// one notice): refused (422) to an officer allowed on both, once each record was decided for
/// them. The shipped systems have no such officer; a second FinCEN system, CBETF's notice under
/// another id, makes one.
#[test]
fn one_release_is_of_one_system() {
    let texts: Vec<(String, String)> = policy::sorn::BUILTIN
        .iter()
        .map(|(file, text)| ((*file).to_owned(), (*text).to_owned()))
        .chain(
            policy::sorn::BUILTIN
                .iter()
                .filter(|(file, _)| *file == "fincen-cbetf.toml")
                .map(|(_, text)| {
                    let twin = text.replace("id = \"fincen-cbetf\"", "id = \"fincen-twin\"");
                    assert_ne!(&twin, text, "the notice's id was replaced");
                    ("fincen-twin.toml".to_owned(), twin)
                }),
        )
        .collect();
    let catalog = policy::Catalog::from_texts(&texts).unwrap();
    let fixture = Fixture::with_policy(policy::Policy::new(catalog).unwrap());
    fixture.ingest(
        "ingester",
        &[
            transmittal_line("123-45-6789"),
            transmittal_line("123-45-6789").replace("fincen-cbetf", "fincen-twin"),
        ],
    );
    let first = record_id(
        &fixture,
        "ana",
        "fincen-cbetf",
        "investigation",
        ssn("123-45-6789"),
    );
    let twin = record_id(
        &fixture,
        "ana",
        "fincen-twin",
        "investigation",
        ssn("123-45-6789"),
    );
    let context = RequestContext::default();
    #[rustfmt::skip]
    let table: Vec<(&str, &str, Vec<&str>, &str)> = vec![
        ("an analyst, the two systems", "ana", vec![&first, &twin], "denied no-rule"),
        ("the officer, the two systems", "disclosure", vec![&first, &twin], "unprocessable"),
        ("the officer, the twin's record alone", "disclosure", vec![&twin], "ok"),
    ];
    for (what, account, records, expected) in table {
        let caller = fixture.caller(account).unwrap();
        let outcome = fixture.gate.disclose(&caller, &context, &release(&records));
        assert_eq!(verdict(&outcome), expected, "{what}");
    }
}

/// Accounts (administrators make them, security officers attest their vetting, never their
/// own or one they made) and backups (administrators, into the server's backup directory):
/// by role, then form, then the vault's state.
#[test]
fn accounts_are_made_and_vetted_and_backups_taken_by_their_rules() {
    let fixture = Fixture::new();
    let context = RequestContext::default();
    let gate = &fixture.gate;
    let newbie = |role: &str| NewAccount {
        name: "newbie".into(),
        role: role.into(),
        organization: "treasury-fincen".into(),
        background_investigation: None,
        privacy_training: NaiveDate::default(),
    };
    let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    #[rustfmt::skip]
    let table: Vec<(&str, &str, &str)> = vec![
        ("security", "add newbie", "denied no-rule"),
        ("admin", "add a janitor", "invalid"),
        ("admin", "add newbie", "ok"),
        ("admin", "add newbie", "conflict"),
        ("admin", "vet newbie", "denied no-rule"),
        ("security", "vet nobody", "not-found"),
        ("security", "vet itself", "denied vetting-self"),
        ("security", "vet newbie, trained tomorrow", "unprocessable"),
        ("security", "vet newbie", "ok"),
        ("ana", "back up", "denied no-rule"),
        ("admin", "back up as ../etc", "invalid"),
        ("admin", "back up, with no backup directory", "conflict"),
    ];
    for (account, operation, expected) in table {
        let caller = fixture.caller(account).unwrap();
        let vet = |name: &str, trained: &str| {
            verdict(&gate.vet_account(&caller, &context, name, day("2024-01-15"), day(trained)))
        };
        let outcome = match operation {
            "add newbie" => verdict(&gate.add_account(&caller, &context, &newbie("analyst"))),
            "add a janitor" => verdict(&gate.add_account(&caller, &context, &newbie("janitor"))),
            "vet newbie" => vet("newbie", "2026-09-30"),
            "vet nobody" => vet("nobody", "2026-09-30"),
            "vet itself" => vet("security", "2026-09-30"),
            "vet newbie, trained tomorrow" => vet("newbie", "2026-11-25"),
            "back up" | "back up, with no backup directory" => {
                verdict(&gate.backup(&caller, &context, "backup-1"))
            }
            "back up as ../etc" => verdict(&gate.backup(&caller, &context, "../etc")),
            other => panic!("no operation {other}"),
        };
        assert_eq!(outcome, expected, "{account}: {operation}");
    }
}
