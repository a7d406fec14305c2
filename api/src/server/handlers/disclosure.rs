//! Handlers of releases: disclosures, the accounting and its expiry, notices, designated
//! authorities.

use super::*;

/// A release, as posted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DisclosureBody {
    #[serde(default)]
    records: Vec<String>,
    /// Or a search: `{"system", "identifier": {...}}`.
    search: Option<DisclosureSearch>,
    /// Or, for a statistical release (b)(5), a population: `{"system", "category", "period"}`.
    population: Option<PopulationBody>,
    recipient: RecipientBody,
    purpose: String,
    case: Option<String>,
    basis: BasisBody,
    #[serde(default)]
    accuracy_attested: bool,
    nature: Option<String>,
}

/// The records of a release, found by a search.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DisclosureSearch {
    system: String,
    identifier: wire::Identifier,
}

/// The records a statistical release counts: one category's records collected in one calendar
/// period (`YYYY`, `YYYY-Qn`, `YYYY-MM`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PopulationBody {
    system: String,
    category: String,
    period: String,
}

/// The recipient; a missing name or address is refused at the gate (and logged).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecipientBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    category: String,
}

/// `{"routine_use": "H"}`, `{"condition": "b7", ...evidence}`, `{"consent": "ref"}`, or a
/// path of the PNR Undertakings: `{"designated_authority": "name", "statute", "violation"}`,
/// `{"vital_interests": true, "necessity"}`, `{"legal_proceedings": true, "evidence",
/// "proceeding"}`. No basis, or more than one, is refused at the gate (and logged).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct BasisBody {
    routine_use: Option<String>,
    condition: Option<String>,
    consent: Option<String>,
    designated_authority: Option<String>,
    #[serde(default)]
    vital_interests: bool,
    #[serde(default)]
    legal_proceedings: bool,
    /// The document on file (its reference or hash).
    evidence: Option<String>,
    #[serde(default)]
    agency_head_request: bool,
    #[serde(default)]
    portion: Vec<String>,
    activity: Option<String>,
    /// Designated authority (paragraph 30): the statute the authority enforces.
    statute: Option<String>,
    /// Designated authority (paragraph 30): the indication of a violation.
    violation: Option<String>,
    /// Vital interests (paragraph 34): why the release is necessary.
    necessity: Option<String>,
    /// Legal proceedings (paragraph 35): the proceeding, or the law requiring the release.
    proceeding: Option<String>,
    /// Consent: who gave it.
    given_by: Option<String>,
    /// The date of the document on file, YYYY-MM-DD.
    dated: Option<String>,
    /// A court order or subpoena: the court, the case's name and number, to whom returnable.
    court: Option<String>,
    case_number: Option<String>,
    returnable_to: Option<String>,
    /// The compulsory legal process answered, whatever the basis (1.22(f)), and for a
    /// grand-jury subpoena or ex parte order the day it became public record (YYYY-MM-DD).
    process: Option<String>,
    public_on: Option<String>,
    /// (b)(7): who signed the request, and the requesting agency.
    signer: Option<String>,
    agency: Option<String>,
    /// (b)(8): the compelling circumstances.
    circumstances: Option<String>,
    /// A routine use that needs an approval (TTAR's R): who approved, when (YYYY-MM-DD), and
    /// the approval's reference.
    approved_by: Option<String>,
    approved_on: Option<String>,
    approval_reference: Option<String>,
    /// A statistical release (b)(5): the fields to count by.
    #[serde(default)]
    tabulate: Vec<String>,
    /// A statistical release (b)(5): a higher minimum cell.
    min_cell: Option<u32>,
}

/// The basis and evidence of a posted release: the basis is `None` unless exactly one is
/// named, for the gate to refuse and log.
pub(crate) fn basis_of(
    body: &BasisBody,
) -> Result<
    (
        Option<policy::disclosure::Basis>,
        policy::disclosure::Evidence,
    ),
    Refusal,
> {
    use policy::disclosure::{Basis, Evidence};
    let named = [
        body.routine_use.is_some(),
        body.condition.is_some(),
        body.consent.is_some(),
        body.designated_authority.is_some(),
        body.vital_interests,
        body.legal_proceedings,
    ]
    .iter()
    .filter(|given| **given)
    .count();
    let mut evidence = Evidence {
        document: body.evidence.clone(),
        agency_head_request: body.agency_head_request,
        portion: body.portion.clone(),
        activity: body.activity.clone(),
        statute: body.statute.clone(),
        violation: body.violation.clone(),
        necessity: body.necessity.clone(),
        proceeding: body.proceeding.clone(),
        given_by: body.given_by.clone(),
        dated: body
            .dated
            .as_deref()
            .map(|day| date(day, "dated"))
            .transpose()?,
        court: body.court.clone(),
        case_number: body.case_number.clone(),
        returnable_to: body.returnable_to.clone(),
        signer: body.signer.clone(),
        agency: body.agency.clone(),
        circumstances: body.circumstances.clone(),
        approved_by: body.approved_by.clone(),
        approved_on: body
            .approved_on
            .as_deref()
            .map(|day| date(day, "approved_on"))
            .transpose()?,
        approval_reference: body.approval_reference.clone(),
        process: body.process.clone(),
        public_on: body
            .public_on
            .as_deref()
            .map(|day| date(day, "public_on"))
            .transpose()?,
    };
    if named != 1 {
        return Ok((None, evidence));
    }
    let basis = if let Some(letter) = &body.routine_use {
        Basis::RoutineUse(letter.clone())
    } else if let Some(condition) = &body.condition {
        // A condition that does not exist (`b12`, `x`) is a basis the gate refuses and logs
        // (`condition-unknown`), like a missing one.
        let n = condition
            .strip_prefix('b')
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| (1..=11).contains(n))
            .unwrap_or(0);
        Basis::Condition(n)
    } else if let Some(consent) = &body.consent {
        evidence.document = Some(consent.clone());
        Basis::Consent
    } else if let Some(name) = &body.designated_authority {
        Basis::DesignatedAuthority(name.clone())
    } else if body.vital_interests {
        Basis::VitalInterests
    } else {
        Basis::LegalProceedings
    };
    Ok((Some(basis), evidence))
}

pub(crate) async fn disclose(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<DisclosureBody>,
) -> Result<Response, Problem> {
    let (basis, evidence) = basis_of(&body.basis)?;
    let search = match &body.search {
        Some(search) => Some((search.system.clone(), search_key(&search.identifier)?)),
        None => None,
    };
    let input = gate::DisclosureInput {
        records: body.records,
        search,
        population: body.population.map(|population| gate::Population {
            system: population.system,
            category: population.category,
            period: population.period,
        }),
        recipient_name: body.recipient.name,
        recipient_address: body.recipient.address,
        recipient_category: body.recipient.category,
        purpose: body.purpose,
        case_id: body.case,
        basis,
        evidence,
        accuracy_attested: body.accuracy_attested,
        nature: body.nature.unwrap_or_else(|| "electronic".into()),
        statistics: gate::StatisticsAsked {
            tabulate: body.basis.tabulate.clone(),
            min_cell: body.basis.min_cell,
        },
    };
    let gate = Arc::clone(&state.gate);
    let package = blocking(state.limits.operation, move || {
        gate.disclose(&authed.caller, &authed.context, &input)
    })
    .await?;
    let records: Vec<_> = package.records.iter().map(viewed_json).collect();
    Ok(json_response(
        StatusCode::CREATED,
        json!({
            "package": package.id,
            "basis": package.basis,
            "accounted": package.accounted,
            "conditions": package.conditions,
            "notice": package.notice.map(|notice| json!({"kind": notice.kind, "due": notice.due.map(|due| due.to_string())})),
            "records": records,
            "table": package.table.map(|table| json!({
                "dimensions": table.dimensions,
                "cells": table.cells.iter().map(|cell| json!({"values": cell.values, "count": cell.count})).collect::<Vec<_>>(),
                "suppressed_cells": table.suppressed_cells,
                "min_cell": table.min_cell,
            })),
        }),
    ))
}

/// An accounting search.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountingBody {
    identifier: wire::Identifier,
    #[serde(default)]
    for_individual: bool,
}

pub(crate) async fn accounting(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<AccountingBody>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let for_individual = body.for_individual;
    let entries = blocking(state.limits.operation, move || {
        let key = search_key(&body.identifier)?;
        gate.accounting(&authed.caller, &authed.context, &key, for_individual)
    })
    .await?;
    let render = if for_individual {
        crate::render::accounting_json_for_individual
    } else {
        crate::render::accounting_json
    };
    let entries: Vec<_> = entries.iter().map(render).collect();
    Ok(json_response(StatusCode::OK, json!({"entries": entries})))
}

pub(crate) async fn notices(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let notices = blocking(state.limits.operation, move || {
        gate.notices(&authed.caller, &authed.context)
    })
    .await?;
    let notices: Vec<_> = notices
        .iter()
        .map(|notice| {
            json!({
                "id": notice.id,
                "record": notice.record.to_string(),
                "annotation": notice.annotation,
                "kind": notice.kind,
                "recipient": {"name": notice.recipient_name, "address": notice.recipient_address, "category": notice.recipient_category},
                "package": notice.package,
                "created": crate::render::rfc3339(notice.created_ms),
                "due": notice.due,
                "public_on": notice.public_on,
                "sent": notice.sent_ms.map(crate::render::rfc3339),
                "assigned_to": notice.assigned_to,
                "content": notice.content.as_deref().map(|text| serde_json::from_str::<serde_json::Value>(text).unwrap_or(serde_json::Value::Null)),
            })
        })
        .collect();
    Ok(json_response(StatusCode::OK, json!({"notices": notices})))
}

pub(crate) async fn notice_sent(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let shown = id.clone();
    blocking(state.limits.operation, move || {
        gate.notice_sent(&authed.caller, &authed.context, &id)
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        json!({"id": shown, "sent": true}),
    ))
}

/// `{"on": "YYYY-MM-DD"}`: the day a grand-jury subpoena or ex parte order became a matter of
/// public record.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PublicBody {
    on: String,
}

pub(crate) async fn notice_public(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PublicBody>,
) -> Result<Response, Problem> {
    let on = date(&body.on, "on")?;
    let gate = Arc::clone(&state.gate);
    let due = blocking(state.limits.operation, move || {
        gate.notice_public(&authed.caller, &authed.context, &id, on)
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        json!({"public_on": on.to_string(), "due": due.to_string()}),
    ))
}

/// A designated authority's registration, or a change of its eligibility.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthorityBody {
    system: String,
    name: String,
    address: String,
    #[serde(default = "eligible")]
    eligible: bool,
    #[serde(default)]
    reason: String,
}

fn eligible() -> bool {
    true
}

pub(crate) async fn register_authority(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<AuthorityBody>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let shown = json!({"system": body.system, "name": body.name, "eligible": body.eligible});
    blocking(state.limits.operation, move || {
        gate.register_authority(
            &authed.caller,
            &authed.context,
            &body.system,
            &body.name,
            &body.address,
            body.eligible,
            &body.reason,
        )
    })
    .await?;
    Ok(json_response(StatusCode::OK, shown))
}

/// Which system's authorities.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthorityParams {
    system: String,
}

pub(crate) async fn list_authorities(
    State(state): State<AppState>,
    authed: Authed,
    QueryParams(params): QueryParams<AuthorityParams>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let list = blocking(state.limits.operation, move || {
        gate.list_authorities(&authed.caller, &authed.context, &params.system)
    })
    .await?;
    Ok(json_response(StatusCode::OK, json!({"authorities": list})))
}

pub(crate) async fn expire_accounting(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let certificates = blocking(state.limits.operation, move || {
        gate.expire_accounting(&authed.caller, &authed.context)
    })
    .await?;
    let certificates: Vec<_> = certificates
        .iter()
        .map(|certificate| {
            json!({"year": certificate.year, "entries": certificate.entries, "text": certificate.text, "signature": certificate.signature})
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        json!({"certificates": certificates}),
    ))
}
