//! Handlers of Privacy Act requests: open, record an event, show, and what is due.

use policy::requests::{EventKind, RequestKind, RequesterStatus};

use super::*;

/// A new request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OpenBody {
    kind: String,
    requester: String,
    /// `citizen`, `permanent-resident` or `other` (default `citizen`).
    status: Option<RequesterStatus>,
    /// A parent or guardian acting for the individual.
    representative: Option<String>,
    identifiers: Vec<wire::Identifier>,
    systems: Vec<String>,
    /// YYYY-MM-DD (default: today).
    received: Option<NaiveDate>,
    /// A FOIA request's fee category (default `first-party`).
    fee_category: Option<policy::requests::FeeCategory>,
    /// The most the requester agreed to pay, in cents.
    fee_limit_cents: Option<u32>,
    /// A complaint's substance (`policy::reports::SUBSTANCES`).
    substance: Option<String>,
    /// The data protection authority a complaint came through.
    through_authority: Option<String>,
    /// Whether the data subject's authorization of that authority is on file.
    #[serde(default)]
    authority_authorized: bool,
}

/// An event: its `kind` and fields (policy::requests::EventKind), and the day (`on`, default
/// today).
#[derive(Deserialize)]
pub(crate) struct EventBody {
    #[serde(flatten)]
    event: EventKind,
    on: Option<NaiveDate>,
}

/// What is due on a day.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct DueParams {
    as_of: Option<NaiveDate>,
    within: Option<u32>,
}

fn file_json(
    file: &gate::RequestFile,
    deadlines: &[policy::requests::Deadline],
    today: NaiveDate,
) -> Result<serde_json::Value, Problem> {
    let mut value =
        serde_json::to_value(file).map_err(|err| Problem::from(Refusal::internal_error(&err)))?;
    value["deadlines"] = deadlines
        .iter()
        .map(|deadline| {
            let mut shown = serde_json::to_value(deadline).unwrap_or_default();
            shown["state"] = json!(deadline.state(today));
            shown
        })
        .collect();
    Ok(value)
}

pub(crate) async fn open_request(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<OpenBody>,
) -> Result<Response, Problem> {
    let kind = RequestKind::from_name(&body.kind).ok_or_else(|| {
        Problem::invalid(format!(
            "unknown request kind `{}`; kinds are notification, access, amendment, accounting, rectification, complaint",
            policy::code(&body.kind)
        ))
    })?;
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
        .collect::<Result<Vec<_>, Refusal>>()
        .map_err(Problem::from)?;
    let request = gate::NewRequest {
        kind,
        requester: body.requester.clone(),
        status: body.status.unwrap_or(RequesterStatus::Citizen),
        representative: body.representative.clone(),
        identifiers,
        systems: body.systems.clone(),
        received: body.received,
        fee_category: body.fee_category,
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
    Ok(json_response(
        StatusCode::CREATED,
        file_json(&file, &deadlines, today)?,
    ))
}

pub(crate) async fn request_event(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<EventBody>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let (file, deadlines, today) = blocking(state.limits.operation, move || {
        let (file, deadlines) =
            gate.request_event(&authed.caller, &authed.context, &id, body.event, body.on)?;
        Ok((file, deadlines, gate.today()))
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        file_json(&file, &deadlines, today)?,
    ))
}

pub(crate) async fn show_request(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let (file, deadlines, today) = blocking(state.limits.operation, move || {
        let (file, deadlines) = gate.show_request(&authed.caller, &authed.context, &id)?;
        Ok((file, deadlines, gate.today()))
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        file_json(&file, &deadlines, today)?,
    ))
}

pub(crate) async fn requests_due(
    State(state): State<AppState>,
    authed: Authed,
    QueryParams(params): QueryParams<DueParams>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let due = blocking(state.limits.operation, move || {
        gate.requests_due(&authed.caller, &authed.context, params.as_of, params.within)
    })
    .await?;
    let due =
        serde_json::to_value(&due).map_err(|err| Problem::from(Refusal::internal_error(&err)))?;
    Ok(json_response(StatusCode::OK, json!({"due": due})))
}

pub(crate) async fn request_records(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let (found, not_searched) = blocking(state.limits.operation, move || {
        gate.request_records(&authed.caller, &authed.context, &id)
    })
    .await?;
    let found =
        serde_json::to_value(&found).map_err(|err| Problem::from(Refusal::internal_error(&err)))?;
    Ok(json_response(
        StatusCode::OK,
        json!({"records": found, "not_searched": not_searched}),
    ))
}

/// The officer's decisions for a response package.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResponseBody {
    #[serde(default)]
    release: Vec<String>,
    #[serde(default)]
    waive: Vec<String>,
    #[serde(default)]
    waive_sources: Vec<String>,
    #[serde(default)]
    benefit_denied: bool,
    official: String,
    #[serde(default)]
    pages: u32,
    #[serde(default)]
    search_minutes: u32,
    #[serde(default)]
    review_minutes: u32,
    #[serde(default)]
    hourly_pay_cents: u32,
}

pub(crate) async fn request_response(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ResponseBody>,
) -> Result<Response, Problem> {
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
    Ok(json_response(
        StatusCode::OK,
        json!({
            "request": package.request,
            "letter": package.letter,
            "letter_number": package.letter_number,
            "answers": package.answers.iter().map(|(system, answer)| json!({"system": system, "answer": answer})).collect::<Vec<_>>(),
            "records": package.records.iter().map(viewed_json).collect::<Vec<_>>(),
            "accounting": package.accounting.iter().map(wire::AccountingEntryView::for_individual).collect::<Vec<_>>(),
            "fee_cents": package.fee_cents,
            "for_physician": package.for_physician.as_ref().map(|(physician, records)| json!({
                "physician": physician,
                "records": records.iter().map(viewed_json).collect::<Vec<_>>(),
            })),
        }),
    ))
}

/// An annotation a request decided.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestAnnotationBody {
    record: String,
    kind: String,
    #[serde(default)]
    portions: Vec<String>,
    text: String,
}

pub(crate) async fn request_annotation(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RequestAnnotationBody>,
) -> Result<Response, Problem> {
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
    Ok(json_response(
        StatusCode::CREATED,
        json!({"record": record, "seq": seq, "notices": notices}),
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

/// A letter asked for.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LetterBody {
    kind: String,
    official: String,
}

/// How a letter is read back.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct LetterFormat {
    /// `text` (default) or `pdf`.
    format: Option<String>,
}

fn letter_summary(letter: &gate::Letter) -> serde_json::Value {
    json!({
        "n": letter.n, "kind": letter.kind, "on": letter.on.to_string(), "by": letter.by,
        "sha256": hex::encode(vault::crypto::sha256(letter.text.as_bytes())),
    })
}

pub(crate) async fn make_letter(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<LetterBody>,
) -> Result<Response, Problem> {
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
    let mut value = letter_summary(&letter);
    value["text"] = json!(letter.text);
    Ok(json_response(StatusCode::CREATED, value))
}

pub(crate) async fn list_letters(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let letters = blocking(state.limits.operation, move || {
        gate.request_letters(&authed.caller, &authed.context, &id)
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        json!({"letters": letters.iter().map(letter_summary).collect::<Vec<_>>()}),
    ))
}

pub(crate) async fn read_letter(
    State(state): State<AppState>,
    authed: Authed,
    Path((id, n)): Path<(String, String)>,
    QueryParams(params): QueryParams<LetterFormat>,
) -> Result<Response, Problem> {
    let pdf = match params.format.as_deref() {
        None | Some("text") => false,
        Some("pdf") => true,
        Some(_) => {
            return Err(Problem::from(Refusal::Invalid(
                "`format` is `text` or `pdf`".into(),
            )))
        }
    };
    let n: u32 = n
        .parse()
        .map_err(|_| Problem::from(Refusal::Invalid("a letter is named by its number".into())))?;
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
