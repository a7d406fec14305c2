//! Handlers of releases: disclosures, the accounting and its expiry, notices, designated
//! authorities.

use super::*;

/// The basis and evidence of a posted release: the basis is `None` unless exactly one is
/// named, for the gate to refuse and log.
pub(crate) fn basis_of(
    body: &wire::ReleaseBasis,
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
        // Exactly `b1` to `b11` (a number parser would also read `b07` and `b+7` as b7). A
        // condition that does not exist (`b12`, `x`) is a basis the gate refuses and logs
        // (`condition-unknown`), like a missing one.
        let n = wire::CONDITIONS
            .iter()
            .position(|known| known == condition)
            .and_then(|at| u8::try_from(at + 1).ok())
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

/// Release records outside the agency on a legal basis (disclosure officers), writing one
/// accounting entry per record in the same atomic batch; returns the package. A statistical
/// release (b5) returns a table of counts instead of records.
#[utoipa::path(
    post,
    path = "/v1/disclosures",
    tag = "disclosure",
    request_body = wire::NewDisclosure,
    responses(
        (status = 201, description = "the package: id, basis, conditions, the notice the release creates, the records as the recipient may see them (or a statistical release's table)", body = wire::Disclosed),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "a record not in the vault, or a search or population that finds none", body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a passport without its country, or a country for another kind; not exactly one of `records`, `search` and `population`; a population, `tabulate` or `min_cell` with a basis other than b5; records of two systems; a search that finds over 1000 records, or a population over 10,000", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn disclose(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::NewDisclosure>,
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
    Ok(typed_response(
        StatusCode::CREATED,
        &wire::Disclosed::of(&package),
    ))
}

/// The accounting of disclosures about a subject (privacy officers, disclosure officers,
/// auditors), oldest first; `for_individual` leaves out what the individual is not told
/// (31 CFR 1.25(d)(2)).
#[utoipa::path(
    post,
    path = "/v1/accounting/search",
    tag = "disclosure",
    request_body = wire::AccountingSearch,
    responses(
        (status = 200, description = "the entries, oldest first", body = wire::Accounting),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a passport without its country, or a country for another kind; for the individual, an identifier that is not theirs alone (any but `ssn`, `tin`, `passport` and `alien_id`)", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn accounting(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::AccountingSearch>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let for_individual = body.for_individual;
    let entries = blocking(state.limits.operation, move || {
        let key = search_key(&body.identifier)?;
        gate.accounting(&authed.caller, &authed.context, &key, for_individual)
    })
    .await?;
    let render = if for_individual {
        wire::AccountingEntryView::for_individual
    } else {
        wire::AccountingEntryView::of
    };
    Ok(typed_response(
        StatusCode::OK,
        &wire::Accounting {
            entries: entries.iter().map(render).collect(),
        },
    ))
}

/// The notices to prior recipients of records later corrected or disputed (552a(c)(4)), and
/// to individuals of releases under compulsory legal process or in an emergency, pending and
/// sent (privacy and disclosure officers).
#[utoipa::path(
    get,
    path = "/v1/notices",
    tag = "disclosure",
    responses(
        (status = 200, description = "the notices, oldest first; `sent` is null until marked", body = wire::Notices),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn notices(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let notices = blocking(state.limits.operation, move || {
        gate.notices(&authed.caller, &authed.context)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::Notices {
            notices: notices.iter().map(wire::NoticeView::of).collect(),
        },
    ))
}

/// Record that a notice was sent: once, and a notice to the individual only once it states
/// what its rule requires (31 CFR 1.22(f), (g)).
#[utoipa::path(
    post,
    path = "/v1/notices/{id}/sent",
    tag = "disclosure",
    params(("id" = String, Path, pattern = "^6[eE][0-9a-fA-F]{20}$", description = "the notice's id")),
    responses(
        (status = 200, description = "marked", body = wire::NoticeSent),
        (status = 400, description = "an id that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such notice", body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "sent already; a notice to the individual that does not yet state what its rule requires; a notice of a grand-jury subpoena or ex parte order not yet a matter of public record", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn notice_sent(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let id = blocking(state.limits.operation, move || {
        gate.notice_sent(&authed.caller, &authed.context, &id)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::NoticeSent { id, sent: true },
    ))
}

/// Record the day the grand-jury subpoena or ex parte order a notice of legal process tells
/// of became a matter of public record: the notice is due five working days after (31 CFR
/// 1.22(f)). Once, for a notice without a due date.
#[utoipa::path(
    post,
    path = "/v1/notices/{id}/public",
    tag = "disclosure",
    params(("id" = String, Path, pattern = "^6[eE][0-9a-fA-F]{20}$", description = "the notice's id")),
    request_body = wire::PublicRecord,
    responses(
        (status = 200, description = "the public-record day and the due date", body = wire::PublicRecordDue),
        (status = 400, description = "an id or a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such notice", body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "not a notice of a grand-jury subpoena or ex parte order, or one with its due date already", body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a day in the future", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn notice_public(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<wire::PublicRecord>,
) -> Result<Response, Problem> {
    let on = date(&body.on, "on")?;
    let gate = Arc::clone(&state.gate);
    let due = blocking(state.limits.operation, move || {
        gate.notice_public(&authed.caller, &authed.context, &id, on)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::PublicRecordDue {
            public_on: on.to_string(),
            due: due.to_string(),
        },
    ))
}

/// Register a designated authority of a PNR system, or change its address, or its eligibility
/// with the reason (the system's disclosure officers); releases to an ineligible one are
/// denied.
#[utoipa::path(
    post,
    path = "/v1/designated-authorities",
    tag = "disclosure",
    request_body = wire::NewAuthority,
    responses(
        (status = 200, description = "registered", body = wire::AuthorityRegistered),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a system that does not release to designated authorities", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn register_authority(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::NewAuthority>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let registered = wire::AuthorityRegistered {
        system: body.system.clone(),
        name: body.name.clone(),
        eligible: body.eligible,
    };
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
    Ok(typed_response(StatusCode::OK, &registered))
}

/// Which system's authorities.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuthorityParams {
    /// The PNR system (`cbp-pnr`).
    system: String,
}

/// The designated authorities of a PNR system, with their eligibility (its disclosure
/// officers; the listing is logged).
#[utoipa::path(
    get,
    path = "/v1/designated-authorities",
    tag = "disclosure",
    params(AuthorityParams),
    responses(
        (status = 200, description = "the registry", body = wire::Authorities),
        (status = 400, description = "a parameter that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
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
    let authorities = list
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<Vec<wire::AuthorityView>, _>>()
        .map_err(|err| {
            Refusal::internal_because("a designated authority is not in the registry's form", &err)
        })?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::Authorities { authorities },
    ))
}

/// Destroy the years of the accounting that are due (records officers), each with a
/// certificate signed by the log's key.
#[utoipa::path(
    post,
    path = "/v1/accounting/expire",
    tag = "disclosure",
    responses(
        (status = 200, description = "a certificate per year destroyed", body = wire::AccountingExpired),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn expire_accounting(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let certificates = blocking(state.limits.operation, move || {
        gate.expire_accounting(&authed.caller, &authed.context)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::AccountingExpired::of(&certificates),
    ))
}
