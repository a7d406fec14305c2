//! Handlers of records: search, read, annotate, and partner searches.

use super::*;

/// The search key of an identifier body; errors never repeat the value. A passport without
/// its country, or a country for another kind, is well-formed but cannot be searched (422).
pub(crate) fn search_key(body: &wire::Identifier) -> Result<SearchKey, Refusal> {
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
            return Err(Refusal::Unprocessable(
                "a passport search needs the issuing `country`".into(),
            ))
        }
        (_, Some(_)) => {
            return Err(Refusal::Unprocessable(
                "only a passport takes a `country`".into(),
            ))
        }
        (kind, None) => Identifier::new(kind, body.value.clone()),
    };
    Ok(SearchKey::Identifier(identifier))
}

/// A search's limit: 1 to [`wire::MAX_SEARCH_LIMIT`].
fn search_limit(search: &wire::Search) -> Result<usize, Problem> {
    let limit = search.limit();
    if limit == 0 || limit > wire::MAX_SEARCH_LIMIT {
        return Err(Problem::invalid(format!(
            "`limit` must be 1 to {}",
            wire::MAX_SEARCH_LIMIT
        )));
    }
    Ok(limit)
}

/// Records of a system with an identifier (or a name), for a purpose and a case: the search
/// is decided, then each record found on its own category and phase. The lookup and each
/// record read are logged.
#[utoipa::path(
    post,
    path = "/v1/search",
    tag = "records",
    request_body = wire::Search,
    responses(
        (status = 200, description = "the records read (possibly none), oldest first; `found` counts every match, `withheld` those the caller may not read, `truncated` says some were not read", body = wire::Found),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = PASSPORT_RULE, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn search(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::Search>,
) -> Result<Response, Problem> {
    let limit = search_limit(&body)?;
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
    Ok(typed_response(
        StatusCode::OK,
        &wire::Found {
            records: result.records.iter().map(wire::RecordView::of).collect(),
            found: result.found,
            withheld: result.withheld,
            truncated,
        },
    ))
}

/// Append a correction, a notation of dispute or a statement of disagreement to a record
/// (per the system's notice: privacy officers). The original is never altered; every later
/// read shows the annotation and marks the disputed portions, and prior recipients are told
/// as the notice says.
#[utoipa::path(
    post,
    path = "/v1/records/{id}/annotations",
    tag = "records",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{4}-[0-9a-fA-F]{12}-[0-9a-fA-F]{8}-[0-9a-fA-F]{8}$", description = "the record's id")),
    request_body = wire::NewAnnotation,
    responses(
        (status = 201, description = "appended; `seq` is its place among the record's annotations, `notices` the notices to prior recipients it queued", body = wire::Annotated),
        (status = 400, description = "a body or an id that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "the record is not in the vault (destroyed)", body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a text within the schema's characters but past 16 KiB of UTF-8", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn annotate(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<wire::NewAnnotation>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let record = id.clone();
    let (seq, notices) = blocking(state.limits.operation, move || {
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
    Ok(typed_response(
        StatusCode::CREATED,
        &wire::Annotated {
            record,
            seq,
            notices,
        },
    ))
}

/// Purpose and case of a read.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReadParams {
    /// A purpose code of the record's system (`investigation`); one the system does not name
    /// is denied (403).
    purpose: Option<String>,
    /// The case the read serves, a case id (`C-1`).
    #[param(
        pattern = "^[A-Za-z][A-Za-z._-]*(?:[0-9]{1,6}[A-Za-z._-]+)?[0-9]{1,6}[A-Za-z._-]*$",
        max_length = 64
    )]
    case: Option<String>,
}

/// One record by id, for a purpose and a case, decided on its system, category and phase
/// before it is read (logged).
#[utoipa::path(
    get,
    path = "/v1/records/{id}",
    tag = "records",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{4}-[0-9a-fA-F]{12}-[0-9a-fA-F]{8}-[0-9a-fA-F]{8}$", description = "the record's id"),
        ReadParams,
    ),
    responses(
        (status = 200, description = "the record as the caller may see it", body = wire::RecordView),
        (status = 400, description = "an id or a parameter that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "the record is not in the vault (destroyed), or is a raw record (read through the record made from it)", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
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
    Ok(typed_response(
        StatusCode::OK,
        &wire::RecordView::of(&record),
    ))
}

/// The raw message a record came from (the MT message, pacs document, CSV row or PNR push,
/// PNR after the sensitive filter), for a caller who may read the whole record, free text
/// included; both reads are logged.
#[utoipa::path(
    get,
    path = "/v1/records/{id}/raw",
    tag = "records",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{4}-[0-9a-fA-F]{12}-[0-9a-fA-F]{8}-[0-9a-fA-F]{8}$", description = "the record's id"),
        ReadParams,
    ),
    responses(
        (status = 200, description = "the raw message", body = wire::RawMessage),
        (status = 400, description = "an id or a parameter that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "the record is not in the vault, keeps no raw message, or its raw message was destroyed under the raw-input schedule", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn get_raw(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    QueryParams(params): QueryParams<ReadParams>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let record = id.clone();
    let (raw_id, message) = blocking(state.limits.operation, move || {
        gate.read_raw(
            &authed.caller,
            &authed.context,
            &id,
            params.purpose.as_deref(),
            params.case.as_deref(),
        )
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::RawMessage {
            record,
            raw_record: raw_id.to_string(),
            message: message.as_str().to_owned(),
        },
    ))
}

/// A partner's search (Foreign DARTTS): the body of `/v1/search`; only the projected fields
/// come back, and every record returned is a disclosure under the projection's routine use,
/// with its accounting entry.
#[utoipa::path(
    post,
    path = "/v1/partner/search",
    tag = "records",
    request_body = wire::Search,
    responses(
        (status = 200, description = "the records released (possibly none), oldest first", body = wire::PartnerReleased),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = PASSPORT_RULE, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn partner_search(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::Search>,
) -> Result<Response, Problem> {
    let limit = search_limit(&body)?;
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
    Ok(typed_response(
        StatusCode::OK,
        &wire::PartnerReleased {
            records: result.records.iter().map(wire::RecordView::of).collect(),
            found: result.found,
            truncated: result.found > result.records.len(),
        },
    ))
}
