//! Handlers of records: search, read, annotate, and partner searches.

use super::*;

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

impl SearchBody {
    /// The number of records asked for: default 100, at most 1000.
    fn limit(&self) -> Result<usize, Problem> {
        let limit = self.limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
        if limit == 0 || limit > MAX_SEARCH_LIMIT {
            return Err(Problem::invalid(format!(
                "`limit` must be 1 to {MAX_SEARCH_LIMIT}"
            )));
        }
        Ok(limit)
    }
}

/// Records a search returns unless it asks for another number.
pub(crate) const DEFAULT_SEARCH_LIMIT: usize = 100;
/// Most records one search may return: more is a bulk extract, not a retrieval.
pub(crate) const MAX_SEARCH_LIMIT: usize = 1000;

/// What to search by: an identifier kind (or `name`), its value, and a passport's country.
pub(crate) type IdentifierBody = wire::Identifier;

/// The search key of an identifier body; errors never repeat the value. A passport without
/// its country, or a country for another kind, is well-formed but cannot be searched (422).
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

pub(crate) async fn search(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<SearchBody>,
) -> Result<Response, Problem> {
    let limit = body.limit()?;
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
pub(crate) fn viewed_json(viewed: &gate::Viewed) -> serde_json::Value {
    use privacy::annotations::AnnotationKind;
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
    Ok(json_response(
        StatusCode::CREATED,
        json!({"record": shown, "seq": seq, "notices": notices}),
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

/// `GET /v1/records/{id}/raw`: the raw message the record came from.
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
    Ok(json_response(
        StatusCode::OK,
        serde_json::json!({"record": record, "raw_record": raw_id.to_string(), "message": message.as_str()}),
    ))
}

pub(crate) async fn partner_search(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<SearchBody>,
) -> Result<Response, Problem> {
    let limit = body.limit()?;
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
