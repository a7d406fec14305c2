//! Handlers of administration: accounts, the audit log, backups.

use super::*;

/// Attest an account's vetting: the holder's background investigation and last privacy
/// training (role security-officer; not the account's creator or holder). Logged. The answer
/// holds the account's token from now on, replacing the one made at its creation.
#[utoipa::path(
    post,
    path = "/v1/accounts/{name}/vetting",
    tag = "accounts",
    params(("name" = String, Path, pattern = r"^[a-z][a-z._-]*(?:[0-9]{1,6}[a-z._-]+)?(?:[0-9]{1,6}[a-z._-]*)?$", max_length = 64, description = "the account's name")),
    request_body = wire::Vetting,
    responses(
        (status = 200, description = "attested; `token` is the account's from now on", body = wire::Vetted),
        (status = 400, description = "a body that is not the schema's, or a date that is not YYYY-MM-DD", body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a date in the future", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = "denied by the policy, or the officer made or holds the account; `rule` names the rule", body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such account", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn vet_account(
    State(state): State<AppState>,
    authed: Authed,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<wire::Vetting>,
) -> Result<Response, Problem> {
    let background_investigation =
        date(&body.background_investigation, "background_investigation")?;
    let privacy_training = date(&body.privacy_training, "privacy_training")?;
    let gate = Arc::clone(&state.gate);
    let token = blocking(state.limits.operation, move || {
        gate.vet_account(
            &authed.caller,
            &authed.context,
            &name,
            background_investigation,
            privacy_training,
        )
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::Vetted {
            vetted: true,
            token: token.token.to_string(),
        },
    ))
}

/// Create an account (role admin); the answer holds its token, shown once. It works only
/// once a security officer other than its creator attests its vetting.
#[utoipa::path(
    post,
    path = "/v1/accounts",
    tag = "accounts",
    request_body = wire::NewAccount,
    responses(
        (status = 201, description = "created; `token` is shown only here", body = wire::AccountCreated),
        (status = 400, description = "a body that is not the schema's: a name outside the grammar, an unknown role or organization", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "an account of that name exists", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn add_account(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::NewAccount>,
) -> Result<Response, Problem> {
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
                background_investigation: None,
                privacy_training: NaiveDate::default(),
            },
        )
    })
    .await?;
    Ok(typed_response(
        StatusCode::CREATED,
        &wire::AccountCreated {
            name,
            token: token.token.to_string(),
        },
    ))
}

/// Every account (roles admin and security-officer), never a token.
#[utoipa::path(
    get,
    path = "/v1/accounts",
    tag = "accounts",
    responses(
        (status = 200, description = "the accounts", body = wire::AccountList),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_accounts(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let accounts = blocking(state.limits.operation, move || {
        gate.list_accounts(&authed.caller, &authed.context)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::AccountList {
            accounts: accounts.iter().map(wire::AccountView::of).collect(),
        },
    ))
}

/// Disable an account: its token is refused from now on (role admin).
#[utoipa::path(
    post,
    path = "/v1/accounts/{name}/disable",
    tag = "accounts",
    params(("name" = String, Path, pattern = r"^[a-z][a-z._-]*(?:[0-9]{1,6}[a-z._-]+)?(?:[0-9]{1,6}[a-z._-]*)?$", max_length = 64, description = "the account's name")),
    responses(
        (status = 200, description = "disabled", body = wire::Disabled),
        (status = 400, description = "a name no account can have", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such account", body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "the caller's own account: another administrator disables it", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
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
    Ok(typed_response(
        StatusCode::OK,
        &wire::Disabled {
            name: shown,
            disabled: true,
        },
    ))
}

/// A time filter as Unix ms: an RFC 3339 timestamp or a date (midnight UTC).
pub fn time_filter(text: Option<&str>, name: &str) -> Result<Option<i64>, Refusal> {
    let Some(text) = text else {
        return Ok(None);
    };
    // RFC 3339 as the document's `date-time` has it: chrono would also take a space for `T`.
    let rfc3339 = matches!(text.as_bytes().get(10), Some(b'T' | b't'));
    if let Some(time) = chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .filter(|_| rfc3339)
    {
        return Ok(Some(time.timestamp_millis()));
    }
    // A date in exactly the documented form (`wire::DATE_PATTERN`), as `date` reads it.
    date(text, name)
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|time| Some(time.and_utc().timestamp_millis()))
        .ok_or_else(|| Refusal::Invalid(format!("`{name}` must be a date or an RFC 3339 time")))
}

/// Filters of an audit search.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditParams {
    /// Entries that name this record.
    #[param(pattern = "^[0-9a-fA-F]{4}-[0-9a-fA-F]{12}-[0-9a-fA-F]{8}-[0-9a-fA-F]{8}$")]
    record: Option<String>,
    /// Entries of this account.
    principal: Option<String>,
    /// Entries of this action (`record.read`, `disclose`, ...).
    action: Option<String>,
    /// Entries at or after.
    #[param(schema_with = wire::date_or_time_schema)]
    from: Option<String>,
    /// Entries before.
    #[param(schema_with = wire::date_or_time_schema)]
    to: Option<String>,
}

/// Search the access log (auditors, internal affairs, the inspector general); the search is
/// logged.
#[utoipa::path(
    get,
    path = "/v1/audit/entries",
    tag = "audit",
    params(AuditParams),
    responses(
        (status = 200, description = "the entries, oldest first", body = wire::AuditEntries),
        (status = 400, description = "a parameter that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
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
    Ok(typed_response(
        StatusCode::OK,
        &wire::AuditEntries {
            entries: entries.iter().map(wire::LogEntryView::of).collect(),
        },
    ))
}

/// Verify the access log's chain and signatures (auditors), against the public key the
/// auditor pinned and an anchor kept off the host, if given. The body is optional: without
/// one, the vault's own key and no anchor.
#[utoipa::path(
    post,
    path = "/v1/audit/verify",
    tag = "audit",
    request_body(content = Option<wire::VerifyAgainst>, content_type = "application/json"),
    responses(
        (status = 200, description = "the report; `ok` is false with `problem` naming the first bad entry", body = wire::Verification),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "an anchor whose text is not an anchor", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn audit_verify(
    State(state): State<AppState>,
    authed: Authed,
    OptionalJsonBytes(body): OptionalJsonBytes,
) -> Result<Response, Problem> {
    // The body is optional: none (or `null`) means the vault's own key and no anchor. Else it
    // is an object, as `JsonBody` takes it (serde would read the struct from an array too).
    let body = body.unwrap_or_default();
    let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
    let body: wire::VerifyAgainst = if first.is_none() {
        wire::VerifyAgainst::default()
    } else if !matches!(first, Some(b'{' | b'n')) {
        return Err(Problem::invalid(
            "the body must be a JSON object with `public_key` and/or `anchor`",
        ));
    } else {
        serde_json::from_slice::<Option<wire::VerifyAgainst>>(&body)
            .map_err(|_| {
                Problem::invalid("the body must be a JSON object with `public_key` and/or `anchor`")
            })?
            .unwrap_or_default()
    };
    let public_key = body
        .public_key
        .as_deref()
        .map(|key| {
            // Exactly the document's pattern: the parser alone also trims spaces.
            let exact = key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit());
            exact
                .then(|| parse_public_key(key).ok())
                .flatten()
                .ok_or_else(|| Refusal::Invalid("a public key is 64 hexadecimal digits".into()))
        })
        .transpose()?;
    // An anchor's text is a string to the document; that it is an anchor is a rule the
    // document cannot state (422).
    let anchor = body
        .anchor
        .as_deref()
        .map(|text| {
            parse_anchor(text).map_err(|err| match err {
                vault::Error::Invalid(reason) => Refusal::Unprocessable(reason),
                other => Refusal::from(other),
            })
        })
        .transpose()?;
    let gate = Arc::clone(&state.gate);
    let report = blocking(state.limits.operation, move || {
        gate.audit_verify(
            &authed.caller,
            &authed.context,
            public_key.as_ref(),
            anchor.as_ref(),
        )
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::Verification::of(&report),
    ))
}

/// A live backup (a checkpoint of the encrypted store and the key table) into a new directory
/// of the server's backup directory (administrators).
#[utoipa::path(
    post,
    path = "/v1/backup",
    tag = "admin",
    request_body = wire::NewBackup,
    responses(
        (status = 200, description = "where the backup went", body = wire::BackupMade),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "the server has no backup directory, or the name is taken", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn backup(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::NewBackup>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let report = blocking(state.limits.operation, move || {
        gate.backup(&authed.caller, &authed.context, &body.name)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::BackupMade::of(&report),
    ))
}
