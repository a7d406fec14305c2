//! The gate's Privacy Act request operations, for privacy staff: opening a request (its route
//! from the systems' SORN procedures), recording the events of its case history (each checked
//! by `policy::requests`), showing a case with its deadlines, and listing what is due. The
//! case file is sealed in the vault (requester and identifiers included); the access log
//! holds the case id and what happened, never the requester's identifiers.

use chrono::NaiveDate;
use policy::requests::{
    self, Case, Deadline, Event, EventKind, RequestKind, RequesterStatus, Route,
};
use serde::{Deserialize, Serialize};
use vault::Identifier;

use super::*;

/// A request's file, as sealed in the vault.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestFile {
    /// Its id (`PA-2026-000001`).
    pub id: String,
    /// The requester's name.
    pub requester: String,
    /// The requester's status.
    pub status: RequesterStatus,
    /// The representative (a parent or guardian) acting for the individual, if any.
    pub representative: Option<String>,
    /// The systems named.
    pub systems: Vec<String>,
    /// The identifiers given, as `TYPE=VALUE` (sealed with the file, indexed blind).
    pub identifiers: Vec<String>,
    /// The procedures that govern it, per system.
    pub procedures: Vec<String>,
    /// The kind, route and history.
    pub case: Case,
}

/// A new request.
#[derive(Debug)]
pub struct NewRequest {
    /// Its kind.
    pub kind: RequestKind,
    /// The requester's name.
    pub requester: String,
    /// The requester's status.
    pub status: RequesterStatus,
    /// A parent or guardian acting for the individual.
    pub representative: Option<String>,
    /// The identifiers given.
    pub identifiers: Vec<Identifier>,
    /// The systems named.
    pub systems: Vec<String>,
    /// The day it was received (default: today).
    pub received: Option<NaiveDate>,
}

/// A case's deadline as shown, with its state on the day asked.
#[derive(Clone, Debug, Serialize)]
pub struct DeadlineView {
    /// The request.
    pub request: String,
    /// The deadline.
    #[serde(flatten)]
    pub deadline: Deadline,
    /// `due`, `overdue`, `met`, `met-late`, `open` or `closed`.
    pub state: &'static str,
}

fn text_of(identifier: &Identifier) -> String {
    match &identifier.country {
        Some(country) => format!("{}={country}:{}", identifier.kind.name(), identifier.value),
        None => format!("{}={}", identifier.kind.name(), identifier.value),
    }
}

impl Gate {
    /// Opens a request. Its route comes from the systems' procedures: one request follows one
    /// procedure, so systems under different ones are refused together.
    pub fn open_request(
        &self,
        caller: &Caller,
        context: &RequestContext,
        request: NewRequest,
    ) -> Result<RequestFile, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsManage)?;
        if request.requester.trim().is_empty() || request.requester.chars().any(char::is_control) {
            return Err(Refusal::Invalid(
                "the requester's name is required, on one line".into(),
            ));
        }
        if request.identifiers.is_empty() {
            return Err(Refusal::Invalid(
                "a request gives at least one identifier".into(),
            ));
        }
        if request.systems.is_empty() {
            return Err(Refusal::Invalid(
                "a request names at least one system".into(),
            ));
        }
        let mut routes = Vec::new();
        let mut procedures = Vec::new();
        for system in &request.systems {
            let found = self.policy.catalog().system(system).ok_or_else(|| {
                Refusal::Invalid(format!(
                    "there is no system of records `{}`",
                    policy::code(system)
                ))
            })?;
            let sorn_procedures = &found.sorn.procedures;
            let first_party = sorn_procedures.first_party.get_ref();
            routes.push(Route::of(request.kind, first_party));
            procedures.push(format!(
                "{system}: {} ({})",
                sorn_procedures.privacy_act.get_ref(),
                if request.kind == RequestKind::Rectification {
                    "rectification decided by the owner"
                } else {
                    first_party
                }
            ));
        }
        routes.dedup();
        let [route] = routes[..] else {
            return Err(Refusal::Invalid(
                "these systems follow different procedures (Privacy Act and FOIA): open one request for each".into(),
            ));
        };
        if request.kind == RequestKind::Rectification
            && request.systems.iter().any(|system| system != "cbp-pnr")
        {
            return Err(Refusal::Invalid(
                "a rectification request is for PNR (`cbp-pnr`) only; other systems take amendment requests".into(),
            ));
        }
        let now = self.now();
        let received = request.received.unwrap_or_else(|| now.date_naive());
        if received > now.date_naive() {
            return Err(Refusal::Invalid(
                "`received` cannot be in the future".into(),
            ));
        }
        let mut file = RequestFile {
            id: String::new(),
            requester: request.requester,
            status: request.status,
            representative: request.representative,
            systems: request.systems,
            identifiers: request.identifiers.iter().map(text_of).collect(),
            procedures,
            case: Case {
                kind: request.kind,
                route,
                representative: false,
                events: vec![Event {
                    kind: EventKind::Received,
                    on: received,
                    by: caller.name().to_owned(),
                }],
            },
        };
        file.case.representative = file.representative.is_some();
        // The id is the vault's; the file is sealed with it once known.
        let placeholder =
            serde_json::to_vec(&file).map_err(|err| Refusal::Internal(err.to_string()))?;
        let id = self
            .vault
            .open_case(&access, &placeholder, &request.identifiers, now)?;
        file.id = id.clone();
        let sealed = serde_json::to_vec(&file).map_err(|err| Refusal::Internal(err.to_string()))?;
        self.vault
            .update_case(&access, &id, &sealed, "case.event received", now)?;
        Ok(file)
    }

    /// Records an event in a request's history, after checking it may come now.
    pub fn request_event(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
        kind: EventKind,
        on: Option<NaiveDate>,
    ) -> Result<(RequestFile, Vec<Deadline>), Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsManage)?;
        let _one_writer = self
            .case_writes
            .lock()
            .map_err(|_| Refusal::Internal("case lock poisoned".into()))?;
        let now = self.now();
        let mut file = self.request_file(&access, id)?;
        let event = Event {
            kind,
            on: on.unwrap_or_else(|| now.date_naive()),
            by: caller.name().to_owned(),
        };
        if event.on > now.date_naive() {
            return Err(Refusal::Invalid(
                "an event cannot be dated in the future".into(),
            ));
        }
        requests::check_event(&file.case, &event).map_err(Refusal::Invalid)?;
        let name = event.kind.name();
        file.case.events.push(event);
        let sealed = serde_json::to_vec(&file).map_err(|err| Refusal::Internal(err.to_string()))?;
        self.vault
            .update_case(&access, id, &sealed, &format!("case.event {name}"), now)?;
        let deadlines = requests::deadlines(&file.case);
        Ok((file, deadlines))
    }

    /// A request's file and its deadlines.
    pub fn show_request(
        &self,
        caller: &Caller,
        context: &RequestContext,
        id: &str,
    ) -> Result<(RequestFile, Vec<Deadline>), Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsView)?;
        let file = self.request_file(&access, id)?;
        let deadlines = requests::deadlines(&file.case);
        Ok((file, deadlines))
    }

    /// Every deadline of every open request that is not met, with its state on `as_of`
    /// (default: today), soonest first.
    pub fn requests_due(
        &self,
        caller: &Caller,
        context: &RequestContext,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<DeadlineView>, Refusal> {
        let access = self.authorize_vault(caller, context, Action::RequestsView)?;
        let as_of = as_of.unwrap_or_else(|| self.now().date_naive());
        let mut due = Vec::new();
        for id in self.vault.case_ids()? {
            let file = self.request_file(&access, &id)?;
            if file
                .case
                .events
                .iter()
                .any(|event| event.kind.name() == "closed")
            {
                continue;
            }
            for deadline in requests::deadlines(&file.case) {
                if deadline.met_on.is_some()
                    || (deadline.requester && deadline.state(as_of) == "closed")
                {
                    continue;
                }
                due.push(DeadlineView {
                    request: id.clone(),
                    state: deadline.state(as_of),
                    deadline,
                });
            }
        }
        due.sort_by(|a, b| (a.deadline.due, &a.request).cmp(&(b.deadline.due, &b.request)));
        Ok(due)
    }

    fn request_file(&self, access: &Access, id: &str) -> Result<RequestFile, Refusal> {
        let plain = self.vault.read_case(access, id, self.now())?;
        serde_json::from_slice(&plain)
            .map_err(|_| Refusal::Internal(format!("request {id}'s file does not parse")))
    }
}
