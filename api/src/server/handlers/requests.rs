//! Handlers of Privacy Act requests: open one, record an event, show it, what is due, the
//! records found, the response package, annotations, letters; and the consultations and
//! letter templates they use.

use policy::requests::{EventKind, RequestKind};

use super::*;

/// The 404 of a route naming a request.
const NO_SUCH_REQUEST: &str = "no such request";

/// Refuses an id not of a request's form (400): the path's pattern.
fn request_id(id: String) -> Result<String, Problem> {
    if gate::is_request_id(&id) {
        Ok(id)
    } else {
        Err(Problem::from(Refusal::Invalid(
            "a request's id is `PA-<year>-<number>`".into(),
        )))
    }
}

/// `file` as answered; one that does not serialize is an internal error, never a blank.
fn file_view(
    file: &gate::RequestFile,
    deadlines: &[policy::requests::Deadline],
    today: NaiveDate,
) -> Result<wire::RequestFileView, Problem> {
    wire::RequestFileView::of(file, deadlines, today)
        .map_err(|what| Problem::from(Refusal::internal(format!("a request file: {what}"))))
}

/// A JSON value of one of `values` (a policy enum's serde name) as that enum, or 400 naming
/// the field.
fn one_of<T: serde::de::DeserializeOwned>(
    text: &str,
    field: &str,
    values: &[&str],
) -> Result<T, Refusal> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| Refusal::Invalid(format!("`{field}` is one of {}", values.join(", "))))
}

/// Open a Privacy Act request (privacy officers). Its route (Privacy Act or FOIA) comes from
/// the systems' notices; its preservation hold is placed at receipt; the identifiers are
/// sealed in the case file and indexed blind, never logged. A FOIA-route request takes fee
/// terms; a complaint (PNR, seed 001 paragraphs 40-42) its substance, and the data protection
/// authority it came through with the data subject's authorization on file.
#[utoipa::path(
    post,
    path = "/v1/requests",
    tag = "requests",
    request_body = wire::NewRequest,
    responses(
        (status = 201, description = "the request's file and deadlines", body = wire::RequestFileView),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a rule joining the fields: a system the vault does not keep or whose procedures do not take the request, systems under different procedures, rectification outside PNR, a complaint without its substance or its authority's authorization, fee terms on a Privacy Act request, a receipt in the future, and a passport without its issuing country or a country for another kind of identifier", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn open_request(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::NewRequest>,
) -> Result<Response, Problem> {
    let kind = RequestKind::from_name(&body.kind).ok_or_else(|| {
        Refusal::Invalid(format!(
            "`kind` is one of {}",
            wire::REQUEST_KINDS.join(", ")
        ))
    })?;
    let status = match body.status.as_deref() {
        None => policy::requests::RequesterStatus::Citizen,
        Some(status) => one_of(status, "status", wire::REQUESTER_STATUSES)?,
    };
    let fee_category = body
        .fee_category
        .as_deref()
        .map(|category| one_of(category, "fee_category", wire::FEE_CATEGORIES))
        .transpose()?;
    let received = body
        .received
        .as_deref()
        .map(|day| date(day, "received"))
        .transpose()?;
    let identifiers = body
        .identifiers
        .iter()
        .map(|identifier| match search_key(identifier)? {
            SearchKey::Identifier(identifier) => Ok(identifier),
            SearchKey::Name(_) => Err(Refusal::Invalid(
                "a request's identifiers are numbers (SSN, passport...); the name is `requester`"
                    .into(),
            )),
        })
        .collect::<Result<Vec<_>, Refusal>>()?;
    let request = gate::NewRequest {
        kind,
        requester: body.requester.clone(),
        status,
        representative: body.representative.clone(),
        identifiers,
        systems: body.systems.clone(),
        received,
        fee_category,
        fee_limit_cents: body.fee_limit_cents,
        substance: body.substance.clone(),
        through_authority: body.through_authority.clone(),
        authority_authorized: body.authority_authorized,
    };
    let gate = Arc::clone(&state.gate);
    let (file, today) = blocking(state.limits.operation, move || {
        let file = gate.open_request(&authed.caller, &authed.context, request)?;
        Ok((file, gate.today()))
    })
    .await?;
    let deadlines = policy::requests::deadlines(&file.case);
    Ok(typed_response(
        StatusCode::CREATED,
        &file_view(&file, &deadlines, today)?,
    ))
}

/// An event's kind and fields as the policy reads them, each field checked against the kind
/// ([`wire::EVENT_KINDS`]) and its form (400): a field the kind does not take, a date not of
/// the documented form, a number not whole.
fn event_of(body: wire::NewEvent) -> Result<(EventKind, Option<NaiveDate>), Refusal> {
    use wire::EventField;
    let kind = body.kind.as_str();
    let fields = wire::event_fields(kind).ok_or_else(|| {
        let kinds: Vec<&str> = wire::EVENT_KINDS.iter().map(|(name, _)| *name).collect();
        Refusal::Invalid(format!("`kind` is one of {}", kinds.join(", ")))
    })?;
    let takes = || {
        let names: Vec<&str> = fields.iter().map(|(name, ..)| *name).collect();
        if names.is_empty() {
            format!("the `{kind}` event takes no fields but `on`")
        } else {
            format!("the `{kind}` event takes {} and `on`", names.join(", "))
        }
    };
    // A text past the document's length (a value of another type is refused when read).
    let too_long = |value: &serde_json::Value| {
        value
            .as_str()
            .is_some_and(|text| text.chars().count() > wire::MAX_EVENT_TEXT_CHARS)
    };
    let mut object = serde_json::Map::new();
    for (name, value) in &body.fields {
        // The caller's field name is never echoed: the message names the kind's own fields.
        let (_, form, required) = fields
            .iter()
            .find(|(field, ..)| field == name)
            .ok_or_else(|| Refusal::Invalid(takes()))?;
        let listed = matches!(form, EventField::ListOf(_) | EventField::Texts);
        if value.is_null() && !required && !listed {
            continue;
        }
        let value = match form {
            EventField::Date => {
                date(value.as_str().unwrap_or_default(), name)?;
                value.clone()
            }
            EventField::Name => {
                gate::check_name(value.as_str().unwrap_or_default(), name)?;
                value.clone()
            }
            EventField::Cents => {
                let whole: u64 = wire::whole_number(value.clone())
                    .map_err(|_| Refusal::Invalid(format!("`{name}` is a whole number")))?;
                serde_json::Value::from(whole)
            }
            EventField::Percent => {
                let whole: u64 = wire::whole_number(value.clone())
                    .ok()
                    .filter(|percent| (1..=99).contains(percent))
                    .ok_or_else(|| Refusal::Invalid(format!("`{name}` is 1 to 99")))?;
                serde_json::Value::from(whole)
            }
            EventField::Texts if value.as_array().is_some_and(Vec::is_empty) => {
                return Err(Refusal::Invalid(format!("`{name}` lists at least one")));
            }
            EventField::Texts => {
                let items = value.as_array().map_or(&[][..], Vec::as_slice);
                if items.len() > wire::MAX_EVENT_TEXTS || items.iter().any(too_long) {
                    return Err(Refusal::Invalid(format!(
                        "`{name}` lists at most {} items of at most {} characters",
                        wire::MAX_EVENT_TEXTS,
                        wire::MAX_EVENT_TEXT_CHARS
                    )));
                }
                value.clone()
            }
            EventField::Text if too_long(value) => {
                return Err(Refusal::Invalid(format!(
                    "`{name}` is at most {} characters",
                    wire::MAX_EVENT_TEXT_CHARS
                )));
            }
            _ => value.clone(),
        };
        object.insert((*name).to_owned(), value);
    }
    object.insert("kind".to_owned(), serde_json::Value::from(kind));
    let event = serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|_| Refusal::Invalid(format!("{}, each of its form", takes())))?;
    let on = body.on.as_deref().map(|day| date(day, "on")).transpose()?;
    Ok((event, on))
}

/// Record an event of a case (privacy officers): its `kind`, the fields that kind takes, and
/// `on` (default today); refused when the rules of the case do not allow it now. FOIA-route
/// requests add the fee, waiver, expedition and release events; a complaint its answers,
/// referrals and conclusions (seed 001 paragraphs 40-42).
#[utoipa::path(
    post,
    path = "/v1/requests/{id}/events",
    tag = "requests",
    params(("id" = String, Path, pattern = "^PA-[0-9]{4}-[0-9]{6}$", example = "PA-2026-000001", description = "the request's id")),
    request_body = wire::NewEvent,
    responses(
        (status = 200, description = "the request's file and deadlines", body = wire::RequestFileView),
        (status = 400, description = "an id or a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = NO_SUCH_REQUEST, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "an event the case's rules do not allow now (its order, its day, the identity a system requires, a refusal without reasons)", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn request_event(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<wire::NewEvent>,
) -> Result<Response, Problem> {
    let id = request_id(id)?;
    let (event, on) = event_of(body)?;
    let gate = Arc::clone(&state.gate);
    let (file, deadlines, today) = blocking(state.limits.operation, move || {
        let (file, deadlines) =
            gate.request_event(&authed.caller, &authed.context, &id, event, on)?;
        Ok((file, deadlines, gate.today()))
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &file_view(&file, &deadlines, today)?,
    ))
}

/// A request's file, history and deadlines (privacy officers, auditors).
#[utoipa::path(
    get,
    path = "/v1/requests/{id}",
    tag = "requests",
    params(("id" = String, Path, pattern = "^PA-[0-9]{4}-[0-9]{6}$", example = "PA-2026-000001", description = "the request's id")),
    responses(
        (status = 200, description = "the request's file and deadlines", body = wire::RequestFileView),
        (status = 400, description = "an id that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = NO_SUCH_REQUEST, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn show_request(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = request_id(id)?;
    let gate = Arc::clone(&state.gate);
    let (file, deadlines, today) = blocking(state.limits.operation, move || {
        let (file, deadlines) = gate.show_request(&authed.caller, &authed.context, &id)?;
        Ok((file, deadlines, gate.today()))
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &file_view(&file, &deadlines, today)?,
    ))
}

/// What is due on a day.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct DueParams {
    /// The day (default today).
    #[param(value_type = Option<String>, format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    as_of: Option<String>,
    /// How many working days ahead (default 5).
    #[param(minimum = 0, maximum = 65)]
    #[serde(default, deserialize_with = "super::whole_or_none")]
    within: Option<u32>,
}

/// What the agency owes soon (privacy officers, auditors): every deadline not met of every
/// open request that is overdue on `as_of` or falls due within `within` working days, with its
/// state; a determination given a delay notice shows again only once its promised date has
/// passed.
#[utoipa::path(
    get,
    path = "/v1/requests/due",
    tag = "requests",
    params(DueParams),
    responses(
        (status = 200, description = "the deadlines, soonest first", body = wire::Due),
        (status = 400, description = "a query that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a day past the calendar's range", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn requests_due(
    State(state): State<AppState>,
    authed: Authed,
    QueryParams(params): QueryParams<DueParams>,
) -> Result<Response, Problem> {
    let as_of = params
        .as_of
        .as_deref()
        .map(|day| date(day, "as_of"))
        .transpose()?;
    let within = params.within;
    let gate = Arc::clone(&state.gate);
    let due = blocking(state.limits.operation, move || {
        gate.requests_due(&authed.caller, &authed.context, as_of, within)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::Due {
            due: due
                .iter()
                .map(|view| wire::DueDeadline {
                    request: view.request.clone(),
                    deadline: wire::DeadlineView::stated(&view.deadline, view.state),
                })
                .collect(),
        },
    ))
}

/// Every record of every system found for the request's identifiers, for the officer's
/// decision: ids, systems, categories, phases, and each record's exemption; the systems not
/// searched with the reason (privacy officers). Denied (`identity-not-verified`) until the
/// requester's identity, and a representative's relationship, is verified.
#[utoipa::path(
    get,
    path = "/v1/requests/{id}/records",
    tag = "requests",
    params(("id" = String, Path, pattern = "^PA-[0-9]{4}-[0-9]{6}$", example = "PA-2026-000001", description = "the request's id")),
    responses(
        (status = 200, description = "the records found", body = wire::RequestRecords),
        (status = 400, description = "an id that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = NO_SUCH_REQUEST, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn request_records(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = request_id(id)?;
    let gate = Arc::clone(&state.gate);
    let (found, not_searched) = blocking(state.limits.operation, move || {
        gate.request_records(&authed.caller, &authed.context, &id)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::RequestRecords {
            records: found.iter().map(wire::FoundForRequest::of).collect(),
            not_searched,
        },
    ))
}

/// The response package of a determined access or notification request (privacy officers):
/// per system, a neither-confirm-nor-deny answer (identical whether or not a record exists) or
/// the released records with their annotations; the individual's accounting; the letter; the
/// fee. Denied (`identity-not-verified`) until the requester's identity is verified.
#[utoipa::path(
    post,
    path = "/v1/requests/{id}/response",
    tag = "requests",
    params(("id" = String, Path, pattern = "^PA-[0-9]{4}-[0-9]{6}$", example = "PA-2026-000001", description = "the request's id")),
    request_body = wire::ResponseDecision,
    responses(
        (status = 200, description = "the package", body = wire::ResponsePackageView),
        (status = 400, description = "an id or a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such request, or a record released that is not in the vault", body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a request that is not a determined access or notification request, a record not the request's or withheld (exempt, or its source's owner not consulted), search fees on a Privacy Act request, records released on a denial, a medical record before the physician the individual authorized is on file", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn request_response(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<wire::ResponseDecision>,
) -> Result<Response, Problem> {
    let id = request_id(id)?;
    let input = gate::ResponseInput {
        release: body.release,
        waive: body.waive,
        waive_sources: body.waive_sources,
        benefit_denied: body.benefit_denied,
        official: body.official,
        pages: body.pages,
        search_minutes: body.search_minutes,
        review_minutes: body.review_minutes,
        hourly_pay_cents: body.hourly_pay_cents,
    };
    let gate = Arc::clone(&state.gate);
    let package = blocking(state.limits.operation, move || {
        gate.request_response(&authed.caller, &authed.context, &id, input)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::ResponsePackageView::of(&package),
    ))
}

/// Attach what an amendment or PNR rectification request decided to a record (privacy
/// officers): a `correction` after a grant, a `dispute` after a refusal, a
/// `statement-of-disagreement` after its filing; prior recipients are told as the system's
/// notice says.
#[utoipa::path(
    post,
    path = "/v1/requests/{id}/annotations",
    tag = "requests",
    params(("id" = String, Path, pattern = "^PA-[0-9]{4}-[0-9]{6}$", example = "PA-2026-000001", description = "the request's id")),
    request_body = wire::RequestAnnotation,
    responses(
        (status = 201, description = "appended; `seq` is its place among the record's annotations, `notices` the notices to prior recipients it queued", body = wire::Annotated),
        (status = 400, description = "an id or a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = NO_SUCH_REQUEST, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a request that is not an amendment or rectification, an annotation before its grounds, a record not in the vault or outside the request's systems, a text past 16 KiB of UTF-8 after the request's id", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn request_annotation(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<wire::RequestAnnotation>,
) -> Result<Response, Problem> {
    let id = request_id(id)?;
    if privacy::annotations::AnnotationKind::from_name(&body.kind).is_none() {
        return Err(Problem::from(Refusal::Invalid(
            "`kind` is `correction`, `dispute` or `statement-of-disagreement`".into(),
        )));
    }
    let gate = Arc::clone(&state.gate);
    let record = body.record.clone();
    let (seq, notices) = blocking(state.limits.operation, move || {
        gate.request_annotation(
            &authed.caller,
            &authed.context,
            &id,
            &body.record,
            &body.kind,
            &body.portions,
            &body.text,
        )
    })
    .await?;
    Ok(typed_response(
        StatusCode::CREATED,
        &wire::Annotated {
            record,
            seq,
            notices,
        },
    ))
}

/// Record that the owner of records' source (a notice's `[[source]]` owner) is consulted
/// about releasing them to individuals, prompted by a request (privacy officers; 31 CFR
/// 1.26(e); seed 000's conferring before a waiver). One consultation serves every request that
/// finds these records.
#[utoipa::path(
    post,
    path = "/v1/consultations",
    tag = "requests",
    request_body = wire::NewConsultation,
    responses(
        (status = 201, description = "the consultation, `CN-<n>`", body = wire::ConsultationView),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "a record not in the vault, or no such request", body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "an owner no notice names", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn open_consultation(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::NewConsultation>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let consultation = blocking(state.limits.operation, move || {
        gate.open_consultation(
            &authed.caller,
            &authed.context,
            &body.owner,
            &body.records,
            &body.request,
        )
    })
    .await?;
    Ok(typed_response(
        StatusCode::CREATED,
        &wire::ConsultationView::of(&consultation),
    ))
}

/// Record the owner's answer and the day it came, once (privacy officers).
#[utoipa::path(
    post,
    path = "/v1/consultations/{id}/answer",
    tag = "requests",
    params(("id" = String, Path, pattern = "^CN-[0-9]{1,10}$", description = "the consultation's id")),
    request_body = wire::ConsultationReply,
    responses(
        (status = 200, description = "the consultation", body = wire::ConsultationView),
        (status = 400, description = "an id or a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such consultation", body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "answered already", body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a day before it was asked, or in the future", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn answer_consultation(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<wire::ConsultationReply>,
) -> Result<Response, Problem> {
    let answer = gate::ConsultationAnswer::parse(&body.answer).ok_or_else(|| {
        Refusal::Invalid("`answer` is `release`, `withhold` or `referred`".into())
    })?;
    let on = body.on.as_deref().map(|day| date(day, "on")).transpose()?;
    let gate = Arc::clone(&state.gate);
    let consultation = blocking(state.limits.operation, move || {
        gate.answer_consultation(&authed.caller, &authed.context, &id, answer, on)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::ConsultationView::of(&consultation),
    ))
}

/// Every consultation of a source's owner, with its answer (privacy officers, auditors; the
/// listing is logged).
#[utoipa::path(
    get,
    path = "/v1/consultations",
    tag = "requests",
    responses(
        (status = 200, description = "the consultations, in the order opened", body = wire::Consultations),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_consultations(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let all = blocking(state.limits.operation, move || {
        gate.list_consultations(&authed.caller, &authed.context)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::Consultations {
            consultations: all.iter().map(wire::ConsultationView::of).collect(),
        },
    ))
}

/// Make a letter from the case file, signed by `official`, from the agency's template or the
/// shipped one, and seal it in the case file (privacy officers). The determination letter
/// comes with the response package.
#[utoipa::path(
    post,
    path = "/v1/requests/{id}/letters",
    tag = "requests",
    params(("id" = String, Path, pattern = "^PA-[0-9]{4}-[0-9]{6}$", example = "PA-2026-000001", description = "the request's id")),
    request_body = wire::NewLetter,
    responses(
        (status = 201, description = "the letter, with its number and text", body = wire::LetterMade),
        (status = 400, description = "an id or a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = NO_SUCH_REQUEST, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a letter the case has no facts for yet (no deficiency, no delay, no refusal, no estimate, no referral)", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn make_letter(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<wire::NewLetter>,
) -> Result<Response, Problem> {
    let id = request_id(id)?;
    let gate = Arc::clone(&state.gate);
    let letter = blocking(state.limits.operation, move || {
        gate.request_letter(
            &authed.caller,
            &authed.context,
            &id,
            &body.kind,
            &body.official,
        )
    })
    .await?;
    Ok(typed_response(
        StatusCode::CREATED,
        &wire::LetterMade {
            letter: wire::LetterSummary::of(&letter),
            text: letter.text,
        },
    ))
}

/// The letters of a request, in order, each with the SHA-256 of its text (privacy officers,
/// auditors).
#[utoipa::path(
    get,
    path = "/v1/requests/{id}/letters",
    tag = "requests",
    params(("id" = String, Path, pattern = "^PA-[0-9]{4}-[0-9]{6}$", example = "PA-2026-000001", description = "the request's id")),
    responses(
        (status = 200, description = "the letters", body = wire::LetterList),
        (status = 400, description = "an id that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = NO_SUCH_REQUEST, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_letters(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = request_id(id)?;
    let gate = Arc::clone(&state.gate);
    let letters = blocking(state.limits.operation, move || {
        gate.request_letters(&authed.caller, &authed.context, &id)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::LetterList {
            letters: letters.iter().map(wire::LetterSummary::of).collect(),
        },
    ))
}

/// How a letter is read back.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct LetterFormat {
    /// `text` (the default) or `pdf`.
    #[param(schema_with = wire::letter_format_schema)]
    format: Option<String>,
}

/// A letter as text or PDF; the same letter always gives the same bytes (privacy officers,
/// auditors).
#[utoipa::path(
    get,
    path = "/v1/requests/{id}/letters/{n}",
    tag = "requests",
    params(
        ("id" = String, Path, pattern = "^PA-[0-9]{4}-[0-9]{6}$", example = "PA-2026-000001", description = "the request's id"),
        ("n" = u64, Path, minimum = 1, maximum = 4294967295_u64, description = "the letter's number in the case, from 1"),
        LetterFormat,
    ),
    responses(
        (status = 200, description = "the letter", content((String = "text/plain"), (String = "application/pdf"))),
        (status = 400, description = "an id, a number or a format that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such request, or no such letter", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn read_letter(
    State(state): State<AppState>,
    authed: Authed,
    Path((id, n)): Path<(String, String)>,
    QueryParams(params): QueryParams<LetterFormat>,
) -> Result<Response, Problem> {
    let id = request_id(id)?;
    let pdf = match params.format.as_deref() {
        None | Some("text") => false,
        Some("pdf") => true,
        Some(_) => {
            return Err(Problem::from(Refusal::Invalid(
                "`format` is `text` or `pdf`".into(),
            )))
        }
    };
    let n = super::digits::<u32>(&n)
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            Problem::from(Refusal::Invalid(
                "a letter is named by its number, from 1".into(),
            ))
        })?;
    let gate = Arc::clone(&state.gate);
    let letters = blocking(state.limits.operation, move || {
        gate.request_letters(&authed.caller, &authed.context, &id)
    })
    .await?;
    let letter = letters
        .into_iter()
        .find(|letter| letter.n == n)
        .ok_or_else(|| Problem::from(Refusal::NotFound("no such letter".into())))?;
    let (body, content_type) = if pdf {
        (crate::letters::pdf(&letter.text), "application/pdf")
    } else {
        (letter.text.into_bytes(), "text/plain; charset=utf-8")
    };
    let mut response = axum::response::IntoResponse::into_response((StatusCode::OK, body));
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(content_type),
    );
    Ok(response)
}

/// Every letter template in force, the agency's where it stored one, with its text (privacy
/// officers, auditors).
#[utoipa::path(
    get,
    path = "/v1/letters/templates",
    tag = "requests",
    responses(
        (status = 200, description = "one template per kind", body = wire::Templates),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn letter_templates(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let templates = blocking(state.limits.operation, move || {
        gate.letter_templates(&authed.caller, &authed.context)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::Templates {
            templates: templates.iter().map(wire::TemplateView::of).collect(),
        },
    ))
}

/// A template's kind, in its path.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct TemplateKind {
    /// The letter's kind.
    #[param(schema_with = wire::template_kind_schema)]
    kind: String,
}

/// Replace the template of a kind with the agency's (checked to render), signed and logged
/// with its SHA-256 (privacy officers).
#[utoipa::path(
    post,
    path = "/v1/letters/templates/{kind}",
    tag = "requests",
    params(TemplateKind),
    request_body = wire::NewTemplate,
    responses(
        (status = 200, description = "stored", body = wire::TemplateStored),
        (status = 400, description = "a kind or a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "past 16 KiB of UTF-8, or a template that does not render", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn set_letter_template(
    State(state): State<AppState>,
    authed: Authed,
    Path(TemplateKind { kind }): Path<TemplateKind>,
    JsonBody(body): JsonBody<wire::NewTemplate>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    blocking(state.limits.operation, move || {
        gate.set_letter_template(&authed.caller, &authed.context, &kind, &body.text)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::TemplateStored { stored: true },
    ))
}
