//! The API's handlers (all but ingest): each parses its request, calls one gate operation on
//! a blocking thread, and renders the result as JSON.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use vault::audit::{parse_anchor, parse_public_key, LogQuery};
use vault::{Identifier, IdentifierKind, SearchKey};

use crate::gate::{NewAccount, Refusal};
use crate::render::{account_json, entry_json, record_json, verification_json};
use crate::server::{blocking, json_response, AppState, Authed, Problem};

/// A JSON body whose rejection is a problem document.
pub(crate) struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        axum::Json::<T>::from_request(request, state)
            .await
            .map(|axum::Json(value)| JsonBody(value))
            .map_err(|rejection: JsonRejection| {
                let detail = match &rejection {
                    JsonRejection::JsonSyntaxError(_) => "the body is not valid JSON".to_owned(),
                    JsonRejection::MissingJsonContentType(_) => {
                        "the body must be sent as `Content-Type: application/json`".to_owned()
                    }
                    _ => shape_error(&rejection.body_text()),
                };
                // One status for every malformed body (axum says 422 for a wrong shape).
                let status = match rejection {
                    JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    _ => StatusCode::BAD_REQUEST,
                };
                Problem::new(status, "invalid-request", detail)
            })
    }
}

/// Query parameters whose rejection is a problem document.
pub(crate) struct QueryParams<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Problem> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| QueryParams(value))
            .map_err(|rejection: QueryRejection| {
                Problem::invalid(shape_error(&rejection.body_text()))
            })
    }
}

/// A deserialization error without the value: serde's "invalid type/value" messages quote
/// what was sent, which may be an identifier. Keeps the field path and, for missing or
/// unknown fields, serde's message (it names only fields).
fn shape_error(text: &str) -> String {
    let rest = text
        .split_once("target type: ")
        .map_or(text, |(_, rest)| rest);
    let (path, message) = rest.split_once(": ").unwrap_or(("", rest));
    let safe = message.starts_with("missing field") || message.starts_with("unknown field");
    match (path.is_empty() || path == ".", safe) {
        (_, true) if path.is_empty() || path == "." => message.to_owned(),
        (_, true) => format!("{path}: {message}"),
        (true, false) => "the request does not have the expected shape (see /openapi.json)".into(),
        (false, false) => format!("`{path}` has the wrong type or form (see /openapi.json)"),
    }
}

pub(crate) async fn healthz() -> Response {
    json_response(StatusCode::OK, json!({"status": "ok"}))
}

/// Ready when the access log can be written: a vault that cannot log must not serve.
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    blocking(state.limits.operation, move || gate.ready())
        .await
        .map_err(|problem| Problem {
            kind: "not-ready",
            status: StatusCode::SERVICE_UNAVAILABLE,
            ..problem
        })?;
    Ok(json_response(StatusCode::OK, json!({"status": "ready"})))
}

pub(crate) async fn openapi() -> Response {
    json_response(StatusCode::OK, crate::server::openapi::document())
}

pub(crate) async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "no such endpoint; the API is described at /openapi.json",
    )
}

pub(crate) async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "this endpoint does not take that method; see /openapi.json",
    )
}

/// A search request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchBody {
    system: String,
    identifier: IdentifierBody,
    purpose: Option<String>,
    case: Option<String>,
    /// Most records to return (default 100, at most 1000).
    limit: Option<usize>,
}

/// Records a search returns unless it asks for another number.
const DEFAULT_SEARCH_LIMIT: usize = 100;
/// Most records one search may return: more is a bulk extract, not a retrieval.
const MAX_SEARCH_LIMIT: usize = 1000;

/// What to search by: an identifier kind (or `name`), its value, and a passport's country.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IdentifierBody {
    #[serde(rename = "type")]
    kind: String,
    value: String,
    country: Option<String>,
}

impl Drop for IdentifierBody {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.value);
    }
}

/// The search key of an identifier body; errors never repeat the value.
pub(crate) fn search_key(body: &IdentifierBody) -> Result<SearchKey, Refusal> {
    if body.value.trim().is_empty() {
        return Err(Refusal::Invalid("the identifier's value is empty".into()));
    }
    if body.kind == "name" {
        return Ok(SearchKey::Name(body.value.clone()));
    }
    let kind = IdentifierKind::from_name(&body.kind).ok_or_else(|| {
        let kinds: Vec<&str> = IdentifierKind::ALL.iter().map(|kind| kind.name()).collect();
        Refusal::Invalid(format!(
            "unknown identifier type `{}`; types are name, {}",
            policy::code(&body.kind),
            kinds.join(", ")
        ))
    })?;
    let identifier = match (kind, &body.country) {
        (IdentifierKind::Passport, Some(country)) => {
            Identifier::passport(body.value.clone(), country.clone())
        }
        (IdentifierKind::Passport, None) => {
            return Err(Refusal::Invalid(
                "a passport search needs the issuing `country`".into(),
            ))
        }
        (_, Some(_)) => return Err(Refusal::Invalid("only a passport takes a `country`".into())),
        (kind, None) => Identifier::new(kind, body.value.clone()),
    };
    Ok(SearchKey::Identifier(identifier))
}

pub(crate) async fn search(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<SearchBody>,
) -> Result<Response, Problem> {
    let limit = body.limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
    if limit == 0 || limit > MAX_SEARCH_LIMIT {
        return Err(Problem::invalid(format!(
            "`limit` must be 1 to {MAX_SEARCH_LIMIT}"
        )));
    }
    let gate = Arc::clone(&state.gate);
    let result = blocking(state.limits.operation, move || {
        let key = search_key(&body.identifier)?;
        gate.search(
            &authed.caller,
            &authed.context,
            &body.system,
            body.purpose.as_deref(),
            body.case.as_deref(),
            &key,
            limit,
        )
    })
    .await?;
    let truncated = result.found > result.records.len() + result.withheld;
    let records: Vec<_> = result.records.iter().map(viewed_json).collect();
    Ok(json_response(
        StatusCode::OK,
        json!({"records": records, "found": result.found, "withheld": result.withheld, "truncated": truncated}),
    ))
}

/// A record as the caller may see it: the fields withheld from it named, its annotations, and
/// the portions disputed (by a notation of dispute or a statement of disagreement).
fn viewed_json(viewed: &crate::gate::Viewed) -> serde_json::Value {
    use vault::annotations::AnnotationKind;
    let mut value = record_json(&viewed.record);
    if !viewed.withheld.is_empty() {
        value["withheld_fields"] = json!(viewed.withheld);
    }
    if !viewed.annotations.is_empty() {
        let annotations: Vec<_> = viewed
            .annotations
            .iter()
            .map(|annotation| {
                json!({
                    "seq": annotation.seq,
                    "kind": annotation.kind.name(),
                    "portions": annotation.portions,
                    "text": annotation.text,
                    "author": annotation.author,
                    "created": crate::render::rfc3339(annotation.created_ms),
                })
            })
            .collect();
        let mut disputed: Vec<&str> = viewed
            .annotations
            .iter()
            .filter(|annotation| annotation.kind != AnnotationKind::Correction)
            .flat_map(|annotation| annotation.portions.iter().map(String::as_str))
            .collect();
        disputed.sort_unstable();
        disputed.dedup();
        value["annotations"] = json!(annotations);
        value["disputed"] = json!(disputed);
    }
    value
}

/// A new annotation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnnotationBody {
    kind: String,
    portions: Vec<String>,
    text: String,
    purpose: Option<String>,
}

impl Drop for AnnotationBody {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.text);
    }
}

pub(crate) async fn annotate(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AnnotationBody>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let shown = id.clone();
    let seq = blocking(state.limits.operation, move || {
        gate.annotate(
            &authed.caller,
            &authed.context,
            &id,
            &body.kind,
            &body.portions,
            &body.text,
            body.purpose.as_deref(),
        )
    })
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        json!({"record": shown, "seq": seq}),
    ))
}

/// Purpose and case of a read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadParams {
    purpose: Option<String>,
    case: Option<String>,
}

pub(crate) async fn get_record(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    QueryParams(params): QueryParams<ReadParams>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let record = blocking(state.limits.operation, move || {
        gate.read(
            &authed.caller,
            &authed.context,
            &id,
            params.purpose.as_deref(),
            params.case.as_deref(),
        )
    })
    .await?;
    Ok(json_response(StatusCode::OK, viewed_json(&record)))
}

/// A new account.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountBody {
    name: String,
    role: String,
    organization: String,
    /// YYYY-MM-DD, or absent while the investigation is pending (the account is refused).
    background_investigation: Option<String>,
    /// YYYY-MM-DD.
    privacy_training: String,
}

fn date(text: &str, name: &str) -> Result<NaiveDate, Problem> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Problem::invalid(format!("`{name}` must be a date, YYYY-MM-DD")))
}

pub(crate) async fn add_account(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<AccountBody>,
) -> Result<Response, Problem> {
    let background_investigation = body
        .background_investigation
        .as_deref()
        .map(|text| date(text, "background_investigation"))
        .transpose()?;
    let privacy_training = date(&body.privacy_training, "privacy_training")?;
    let gate = Arc::clone(&state.gate);
    let name = body.name.clone();
    let token = blocking(state.limits.operation, move || {
        gate.add_account(
            &authed.caller,
            &authed.context,
            &NewAccount {
                name: body.name,
                role: body.role,
                organization: body.organization,
                background_investigation,
                privacy_training,
            },
        )
    })
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        json!({"name": name, "token": token.token.as_str()}),
    ))
}

pub(crate) async fn list_accounts(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let accounts = blocking(state.limits.operation, move || {
        gate.list_accounts(&authed.caller, &authed.context)
    })
    .await?;
    let accounts: Vec<_> = accounts.iter().map(account_json).collect();
    Ok(json_response(StatusCode::OK, json!({"accounts": accounts})))
}

pub(crate) async fn disable_account(
    State(state): State<AppState>,
    authed: Authed,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let shown = name.clone();
    blocking(state.limits.operation, move || {
        gate.disable_account(&authed.caller, &authed.context, &name)
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        json!({"name": shown, "disabled": true}),
    ))
}

/// Filters of an audit search.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditParams {
    record: Option<String>,
    principal: Option<String>,
    action: Option<String>,
    /// RFC 3339 or a date: entries at or after.
    from: Option<String>,
    /// RFC 3339 or a date: entries before.
    to: Option<String>,
}

/// A time filter as Unix ms: an RFC 3339 timestamp or a date (midnight UTC).
pub fn time_filter(text: Option<&str>, name: &str) -> Result<Option<i64>, Refusal> {
    let Some(text) = text else {
        return Ok(None);
    };
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(Some(time.timestamp_millis()));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|time| Some(time.and_utc().timestamp_millis()))
        .ok_or_else(|| Refusal::Invalid(format!("`{name}` must be a date or an RFC 3339 time")))
}

pub(crate) async fn audit_search(
    State(state): State<AppState>,
    authed: Authed,
    QueryParams(params): QueryParams<AuditParams>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let entries = blocking(state.limits.operation, move || {
        let query = LogQuery {
            record: params.record.as_deref().map(str::parse).transpose()?,
            principal: params.principal,
            action: params.action,
            from_ms: time_filter(params.from.as_deref(), "from")?,
            to_ms: time_filter(params.to.as_deref(), "to")?,
        };
        gate.audit_search(&authed.caller, &authed.context, &query)
    })
    .await?;
    let entries: Vec<_> = entries.iter().map(entry_json).collect();
    Ok(json_response(StatusCode::OK, json!({"entries": entries})))
}

/// What to verify against: the auditor's pinned public key and an anchor kept off the host.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyBody {
    public_key: Option<String>,
    anchor: Option<String>,
}

pub(crate) async fn audit_verify(
    State(state): State<AppState>,
    authed: Authed,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    // The body is optional: empty means the vault's own key and no anchor.
    let body: VerifyBody = if body.iter().all(u8::is_ascii_whitespace) {
        VerifyBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| {
            Problem::invalid("the body must be a JSON object with `public_key` and/or `anchor`")
        })?
    };
    let gate = Arc::clone(&state.gate);
    let report = blocking(state.limits.operation, move || {
        let public_key = body
            .public_key
            .as_deref()
            .map(parse_public_key)
            .transpose()?;
        let anchor = body.anchor.as_deref().map(parse_anchor).transpose()?;
        gate.audit_verify(
            &authed.caller,
            &authed.context,
            public_key.as_ref(),
            anchor.as_ref(),
        )
    })
    .await?;
    Ok(json_response(StatusCode::OK, verification_json(&report)))
}

/// Where to put a backup, on the server.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackupBody {
    to: PathBuf,
}

pub(crate) async fn backup(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<BackupBody>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let report = blocking(state.limits.operation, move || {
        gate.backup(&authed.caller, &authed.context, &body.to)
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        json!({
            "checkpoint": report.checkpoint.display().to_string(),
            "epoch": report.epoch,
            "key_table": report.key_table.map(|path| path.display().to_string()),
        }),
    ))
}

/// A release, as posted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DisclosureBody {
    #[serde(default)]
    records: Vec<String>,
    /// Or a search: `{"system", "identifier": {...}}`.
    search: Option<DisclosureSearch>,
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
    identifier: IdentifierBody,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecipientBody {
    name: String,
    address: String,
    category: String,
}

/// `{"routine_use": "H"}`, `{"condition": "b7", ...evidence}`, `{"consent": "ref"}` or
/// `{"designated_authority": "name"}`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct BasisBody {
    routine_use: Option<String>,
    condition: Option<String>,
    consent: Option<String>,
    designated_authority: Option<String>,
    /// The document on file (its reference or hash).
    evidence: Option<String>,
    #[serde(default)]
    agency_head_request: bool,
    #[serde(default)]
    portion: Vec<String>,
    activity: Option<String>,
}

/// The basis and evidence of a posted release; exactly one basis.
pub(crate) fn basis_of(
    body: &BasisBody,
) -> Result<(policy::disclosure::Basis, policy::disclosure::Evidence), Refusal> {
    use policy::disclosure::{Basis, Evidence};
    let named = [
        body.routine_use.is_some(),
        body.condition.is_some(),
        body.consent.is_some(),
        body.designated_authority.is_some(),
    ]
    .iter()
    .filter(|given| **given)
    .count();
    if named != 1 {
        return Err(Refusal::Invalid(
            "a release names exactly one basis: `routine_use`, `condition`, `consent` or `designated_authority`".into(),
        ));
    }
    let mut evidence = Evidence {
        document: body.evidence.clone(),
        agency_head_request: body.agency_head_request,
        portion: body.portion.clone(),
        activity: body.activity.clone(),
    };
    let basis = if let Some(letter) = &body.routine_use {
        Basis::RoutineUse(letter.clone())
    } else if let Some(condition) = &body.condition {
        let n = condition
            .strip_prefix('b')
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| (1..=11).contains(n))
            .ok_or_else(|| Refusal::Invalid("a condition is `b1` to `b11`".into()))?;
        Basis::Condition(n)
    } else if let Some(consent) = &body.consent {
        evidence.document = Some(consent.clone());
        Basis::Consent
    } else {
        Basis::DesignatedAuthority(body.designated_authority.clone().unwrap_or_default())
    };
    Ok((basis, evidence))
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
    let input = crate::gate::DisclosureInput {
        records: body.records,
        search,
        recipient_name: body.recipient.name,
        recipient_address: body.recipient.address,
        recipient_category: body.recipient.category,
        purpose: body.purpose,
        case_id: body.case,
        basis,
        evidence,
        accuracy_attested: body.accuracy_attested,
        nature: body.nature.unwrap_or_else(|| "electronic".into()),
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
            "notice": package.notice.map(|notice| json!({"kind": notice.kind, "due": notice.due.to_string()})),
            "records": records,
        }),
    ))
}

/// An accounting search.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountingBody {
    identifier: IdentifierBody,
    #[serde(default)]
    for_individual: bool,
}

pub(crate) async fn accounting(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<AccountingBody>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let entries = blocking(state.limits.operation, move || {
        let key = search_key(&body.identifier)?;
        gate.accounting(&authed.caller, &authed.context, &key, body.for_individual)
    })
    .await?;
    let entries: Vec<_> = entries.iter().map(crate::render::accounting_json).collect();
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
                "sent": notice.sent_ms.map(crate::render::rfc3339),
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

pub(crate) async fn partner_search(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<SearchBody>,
) -> Result<Response, Problem> {
    let limit = body.limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
    if limit == 0 || limit > MAX_SEARCH_LIMIT {
        return Err(Problem::invalid(format!(
            "`limit` must be 1 to {MAX_SEARCH_LIMIT}"
        )));
    }
    let gate = Arc::clone(&state.gate);
    let result = blocking(state.limits.operation, move || {
        let key = search_key(&body.identifier)?;
        gate.partner_search(
            &authed.caller,
            &authed.context,
            &body.system,
            body.purpose.as_deref().unwrap_or_default(),
            body.case.as_deref(),
            &key,
            limit,
        )
    })
    .await?;
    let records: Vec<_> = result.records.iter().map(viewed_json).collect();
    Ok(json_response(
        StatusCode::OK,
        json!({"records": records, "found": result.found, "truncated": result.found > result.records.len()}),
    ))
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

/// A retention plan request.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanBody {
    /// A date (YYYY-MM-DD) or RFC 3339 time to plan for (default: now).
    as_of: Option<String>,
}

fn due_json(due: &retention::plan::Due) -> serde_json::Value {
    json!({
        "cohort": due.cohort.id,
        "system": due.cohort.system,
        "category": due.cohort.category,
        "collected_from": crate::render::rfc3339(due.cohort.start_ms),
        "collected_to": crate::render::rfc3339(due.cohort.end_ms),
        "schedule": due.schedule,
        "status": due.status,
        "authority": due.authority,
        "life_ended": due.life_ended.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "destroy": due.destroy,
    })
}

pub(crate) async fn retention_plan(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<PlanBody>,
) -> Result<Response, Problem> {
    let as_of = time_filter(body.as_of.as_deref(), "as_of")
        .map_err(Problem::from)?
        .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_millis);
    let gate = Arc::clone(&state.gate);
    let plan = blocking(state.limits.operation, move || {
        gate.retention_plan(&authed.caller, &authed.context, as_of)
    })
    .await?;
    let due: Vec<_> = plan.iter().map(due_json).collect();
    Ok(json_response(StatusCode::OK, json!({"due": due})))
}

/// A retention run request.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunBody {
    #[serde(default)]
    confirm_clock: bool,
    /// A second records officer's bearer token, for a run larger than one approval allows.
    approval_token: Option<String>,
}

pub(crate) async fn retention_run(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<RunBody>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let report = blocking(state.limits.operation, move || {
        gate.retention_run(
            &authed.caller,
            &authed.context,
            body.confirm_clock,
            body.approval_token.as_deref(),
        )
    })
    .await?;
    let destroyed: Vec<_> = report
        .destroyed
        .iter()
        .map(|item| {
            let mut value = due_json(&item.due);
            value["records"] = json!(item.records);
            value["held"] = json!(item.held);
            value["ids_sha256"] = json!(hex::encode(item.ids_digest));
            value
        })
        .collect();
    let reported: Vec<_> = report.reported.iter().map(due_json).collect();
    Ok(json_response(
        StatusCode::OK,
        json!({
            "destroyed": destroyed,
            "reported": reported,
            "certificate": report.certificate.map(|c| json!({"name": c.name, "text": c.text, "signature": c.signature})),
        }),
    ))
}

pub(crate) async fn retention_certificates(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let certificates = blocking(state.limits.operation, move || {
        gate.retention_certificates(&authed.caller, &authed.context)
    })
    .await?;
    let certificates: Vec<_> = certificates
        .iter()
        .map(|c| json!({"name": c.name, "text": c.text, "signature": c.signature}))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        json!({"certificates": certificates}),
    ))
}
