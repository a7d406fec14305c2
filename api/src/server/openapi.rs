//! The OpenAPI 3.1 document of the API, served at `/openapi.json` and committed as
//! `docs/openapi.json` (a test fails when they differ). The typed routes' operations and
//! schemas are generated from their handlers' annotations and `crate::wire` (utoipa); the rest
//! are still written by hand here, and the two are merged. Every operation then gets the
//! answers the server's layers give on any route (401, 429, 500, 503; 413 and 415 where it
//! takes a body). A test checks that every route is here and every path here is routed.

use serde_json::{json, Value};
use utoipa::OpenApi;

use crate::wire;

/// The typed routes, generated from their handlers and the wire types.
#[derive(OpenApi)]
#[openapi(
    paths(
        super::handlers::list_accounts,
        super::handlers::add_account,
        super::handlers::disable_account,
        super::handlers::vet_account,
        super::handlers::place_hold,
        super::handlers::release_hold,
        super::handlers::list_holds,
        super::handlers::hold_records,
        super::handlers::search_held,
        super::handlers::make_transfer,
        super::handlers::list_transfers,
        super::handlers::transfer_package,
        super::handlers::recall_transfer,
        super::handlers::retention_plan,
        super::handlers::retention_run,
        super::handlers::retention_certificates,
        super::handlers::retention_status,
        super::handlers::retention_approve,
        super::handlers::search,
        super::handlers::partner_search,
        super::handlers::get_record,
        super::handlers::get_raw,
        super::handlers::annotate,
        super::handlers::designate,
        super::handlers::confirm_designation,
        super::handlers::withdraw_designation,
        super::handlers::search_designations,
        super::handlers::disclose,
        super::handlers::accounting,
        super::handlers::notices,
        super::handlers::notice_sent,
        super::handlers::notice_public,
        super::handlers::register_authority,
        super::handlers::list_authorities,
        super::handlers::expire_accounting,
        super::handlers::record_carrier,
        super::handlers::list_carriers,
        super::handlers::request_statistics,
        super::handlers::complaint_report,
        super::handlers::audit_search,
        super::handlers::audit_verify,
        super::handlers::backup,
        super::handlers::healthz,
        super::handlers::readyz,
        super::handlers::openapi,
        super::ingest::ingest,
        super::handlers::open_consultation,
        super::handlers::answer_consultation,
        super::handlers::list_consultations,
        super::handlers::letter_templates,
        super::handlers::set_letter_template,
    ),
    components(schemas(
        wire::Problem,
        wire::NewAccount,
        wire::AccountCreated,
        wire::AccountView,
        wire::AccountList,
        wire::Vetting,
        wire::Vetted,
        wire::Disabled,
        wire::NewHold,
        wire::HoldRelease,
        wire::HeldSearch,
        wire::Released,
        wire::HoldView,
        wire::PlacedHold,
        wire::ReleasedHold,
        wire::HoldList,
        wire::HeldRecords,
        wire::HeldRecord,
        wire::HeldFound,
        wire::NewTransfer,
        wire::Recall,
        wire::Transfer,
        wire::TransferList,
        wire::Recalled,
        wire::Package,
        wire::PlanFor,
        wire::RunNow,
        wire::Keeper,
        wire::DueCohort,
        wire::PlannedCohort,
        wire::SystemPhase,
        wire::Plan,
        wire::DestroyedCohort,
        wire::SignedCertificate,
        wire::RunDone,
        wire::CertificateList,
        wire::RunApproval,
        wire::CompactionState,
        wire::Status,
        wire::Search,
        wire::Found,
        wire::PartnerReleased,
        wire::RecordView,
        wire::SubjectView,
        wire::IdentifierValue,
        wire::AnnotationView,
        wire::RawMessage,
        wire::NewAnnotation,
        wire::Annotated,
        wire::NewDesignation,
        wire::DesignationConfirmation,
        wire::DesignationScope,
        wire::DesignationSearch,
        wire::DesignationStep,
        wire::DesignationView,
        wire::Designated,
        wire::DesignationList,
        wire::NewDisclosure,
        wire::DisclosureSearch,
        wire::Population,
        wire::Recipient,
        wire::ReleaseBasis,
        wire::NoticeDueView,
        wire::CellView,
        wire::TableView,
        wire::Disclosed,
        wire::AccountingSearch,
        wire::AccountedRecipient,
        wire::AccountingEntryView,
        wire::Accounting,
        wire::AccountingCertificateView,
        wire::AccountingExpired,
        wire::NoticeView,
        wire::Notices,
        wire::NoticeSent,
        wire::PublicRecord,
        wire::PublicRecordDue,
        wire::NewAuthority,
        wire::AuthorityRegistered,
        wire::AuthorityView,
        wire::Authorities,
        wire::CarrierChange,
        wire::RecordedChange,
        wire::CarrierRecorded,
        wire::ListedChange,
        wire::CarrierView,
        wire::Carriers,
        wire::SystemYearView,
        wire::RequestStatistics,
        wire::ComplaintReportView,
        wire::VerifyAgainst,
        wire::LogProblemView,
        wire::Verification,
        wire::LogToken,
        wire::LogEntryView,
        wire::AuditEntries,
        wire::NewBackup,
        wire::BackupMade,
        wire::Health,
        wire::NewConsultation,
        wire::ConsultationReply,
        wire::ConsultationView,
        wire::Consultations,
        wire::NewTemplate,
        wire::TemplateStored,
        wire::TemplateView,
        wire::Templates,
    ))
)]
struct Typed;

/// Answers every route can give besides its own, by the layer that gives them.
const EVERY_ROUTE: &[(&str, &str)] = &[
    ("401", "no valid bearer token (logged)"),
    ("429", "too many failed authentications from this address"),
    (
        "500",
        "failed inside the vault; the server's log has the detail under the request id",
    ),
    (
        "503",
        "the access log cannot be written, or the operation outlived its time limit",
    ),
];

/// Answers every route without a token can give (its own rate limit per address).
const OPEN_ROUTES: &[(&str, &str)] =
    &[("429", "too many requests without a token from this address")];

/// Answers every route that takes a body can give.
const WITH_A_BODY: &[(&str, &str)] = &[
    ("413", "the body is larger than the server takes"),
    (
        "415",
        "the body is not of the media type the operation takes",
    ),
];

/// The document: the hand-written routes with the generated ones merged in, each operation
/// with the answers every route gives; an error names what both describe (the tests serve the
/// document, so no build that makes one passes them).
pub fn document() -> Result<Value, String> {
    let mut document = hand_written();
    let typed = serde_json::to_value(Typed::openapi())
        .map_err(|err| format!("the generated OpenAPI document does not serialize: {err}"))?;
    merge(&mut document, &typed).map_err(|clash| {
        format!("the generated OpenAPI document and the hand-written one both describe {clash}")
    })?;
    if let Some(Value::Object(paths)) = document.get_mut("paths") {
        for item in paths.values_mut() {
            let Value::Object(operations) = item else {
                continue;
            };
            for operation in operations.values_mut() {
                let secured = operation.get("security").is_some();
                let has_body = operation.get("requestBody").is_some();
                let Some(Value::Object(responses)) = operation.get_mut("responses") else {
                    continue;
                };
                let mut add = |answers: &[(&str, &str)]| {
                    for (status, description) in answers {
                        responses.entry(*status).or_insert_with(|| {
                            json!({
                                "description": description,
                                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                            })
                        });
                    }
                };
                if secured {
                    add(EVERY_ROUTE);
                } else {
                    add(OPEN_ROUTES);
                }
                if has_body {
                    add(WITH_A_BODY);
                }
            }
        }
    }
    Ok(document)
}

/// Merges the generated document's operations and schemas into `document`, one operation at
/// a time: a path may be typed for one method and still hand-written for another. Describing
/// an operation or a schema twice is an error naming it, never a silent replacement.
fn merge(document: &mut Value, typed: &Value) -> Result<(), String> {
    let empty = serde_json::Map::new();
    let typed_paths = typed
        .get("paths")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (path, item) in typed_paths {
        let operations = item.as_object().unwrap_or(&empty);
        for (method, operation) in operations {
            let Some(Value::Object(paths)) = document.get_mut("paths") else {
                return Err("no paths".to_owned());
            };
            let Value::Object(target) = paths.entry(path.clone()).or_insert_with(|| json!({}))
            else {
                return Err(format!("the path {path}"));
            };
            if target.insert(method.clone(), operation.clone()).is_some() {
                return Err(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let typed_schemas = typed
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (name, schema) in typed_schemas {
        let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") else {
            return Err("no schemas".to_owned());
        };
        if schemas.insert(name.clone(), schema.clone()).is_some() {
            return Err(format!("the schema {name}"));
        }
    }
    Ok(())
}

/// Every route: method and path, as the router has them.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/openapi.json"),
    ("post", "/v1/ingest"),
    ("post", "/v1/search"),
    ("post", "/v1/partner/search"),
    ("get", "/v1/records/{id}"),
    ("get", "/v1/records/{id}/raw"),
    ("post", "/v1/records/{id}/annotations"),
    ("get", "/v1/accounts"),
    ("post", "/v1/accounts"),
    ("post", "/v1/accounts/{name}/disable"),
    ("post", "/v1/accounts/{name}/vetting"),
    ("get", "/v1/audit/entries"),
    ("post", "/v1/audit/verify"),
    ("post", "/v1/backup"),
    ("post", "/v1/disclosures"),
    ("post", "/v1/designations"),
    ("post", "/v1/designations/search"),
    ("post", "/v1/designations/{id}/confirm"),
    ("post", "/v1/designations/{id}/withdraw"),
    ("post", "/v1/accounting/search"),
    ("post", "/v1/accounting/expire"),
    ("get", "/v1/notices"),
    ("post", "/v1/retention/plan"),
    ("post", "/v1/retention/run"),
    ("post", "/v1/retention/approvals"),
    ("get", "/v1/retention/certificates"),
    ("get", "/v1/retention/status"),
    ("get", "/v1/holds"),
    ("post", "/v1/holds"),
    ("post", "/v1/holds/{id}/release"),
    ("get", "/v1/holds/{id}/records"),
    ("post", "/v1/holds/search"),
    ("post", "/v1/requests"),
    ("get", "/v1/requests/due"),
    ("get", "/v1/reports/requests"),
    ("get", "/v1/transfers"),
    ("post", "/v1/transfers"),
    ("get", "/v1/transfers/{id}/package"),
    ("post", "/v1/transfers/{id}/recall"),
    ("get", "/v1/reports/complaints"),
    ("get", "/v1/requests/{id}"),
    ("post", "/v1/requests/{id}/events"),
    ("get", "/v1/requests/{id}/records"),
    ("post", "/v1/requests/{id}/response"),
    ("post", "/v1/requests/{id}/annotations"),
    ("get", "/v1/requests/{id}/letters"),
    ("post", "/v1/requests/{id}/letters"),
    ("get", "/v1/requests/{id}/letters/{n}"),
    ("get", "/v1/letters/templates"),
    ("post", "/v1/letters/templates/{kind}"),
    ("get", "/v1/consultations"),
    ("post", "/v1/consultations"),
    ("post", "/v1/consultations/{id}/answer"),
    ("get", "/v1/designated-authorities"),
    ("post", "/v1/designated-authorities"),
    ("get", "/v1/pnr-carriers"),
    ("post", "/v1/pnr-carriers"),
    ("post", "/v1/notices/{id}/sent"),
    ("post", "/v1/notices/{id}/public"),
];

fn problem_responses(codes: &[&str]) -> Value {
    let mut responses = serde_json::Map::new();
    for code in codes {
        responses.insert(
            (*code).to_owned(),
            json!({
                "description": match *code {
                    "400" => "malformed request",
                    "401" => "no valid bearer token (logged)",
                    "403" => "denied by the policy; `rule` names the rule (logged)",
                    "404" => "not found",
                    "409" => "conflicts with a running request or the current state",
                    "422" => "a passport without its issuing country, or a country for another kind",
                    _ => "the access log cannot be written, or the operation outlived its time limit",
                },
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
            }),
        );
    }
    Value::Object(responses)
}

fn with_problems(ok: Value, codes: &[&str]) -> Value {
    let mut responses = problem_responses(codes);
    if let (Value::Object(responses), Value::Object(ok)) = (&mut responses, ok) {
        responses.extend(ok);
    }
    responses
}

/// The routes still described by hand.
fn hand_written() -> Value {
    let secured = json!([{"bearer": []}]);
    let all = ["400", "401", "403", "503"];
    // Routes that read an identifier refuse a passport without its country (422).
    let identified = ["400", "401", "403", "422", "503"];
    // Routes that name something that may not be there (404).
    let found = ["400", "401", "403", "404", "503"];
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "recvault",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A privacy- and retention-enforcing records vault. Every request but the health checks carries a bearer token; every decision is logged with its rule. Errors are application/problem+json; every response has an x-request-id header, which the access log records."
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {}
        },
        "paths": {
            "/v1/requests": {"post": {"summary": "Open a Privacy Act request (privacy officers): `kind` (notification, access, amendment, accounting, rectification, complaint), `requester`, `status`, `representative`, `identifiers` (blind-indexed, never logged), `systems`, `received`; for a FOIA-route request `fee_category` (first-party, the default; commercial; educational-or-scientific; news-media; other) and `fee_limit_cents` (at least 2500); for a complaint (PNR, seed 001 paragraphs 40-42) `substance` (accuracy, access, use-or-sharing, retention, sensitive-data, security, other), and if it came through a data protection authority `through_authority` with `authority_authorized: true` (the data subject's authorization is on file). The request's preservation hold is placed at receipt. 201 with the case file and its deadlines.", "security": secured, "responses": with_problems(json!({"201": {"description": "the request"}}), &identified)}},
            "/v1/requests/due": {"get": {"summary": "What the agency owes soon (privacy officers, auditors): every deadline not met of every open request that is overdue on `as_of` or falls due within `within` working days (default 5), with its state; a determination given a delay notice shows again only once its promised date has passed.", "security": secured, "parameters": [
                    {"name": "as_of", "in": "query", "required": false, "schema": {"type": "string", "format": "date"}},
                    {"name": "within", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "maximum": 65}}
                ], "responses": with_problems(json!({"200": {"description": "deadlines, soonest first"}}), &all)}},
            "/v1/requests/{id}": {"get": {"summary": "A request's file, history and deadlines (privacy officers, auditors).", "security": secured, "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": with_problems(json!({"200": {"description": "the request"}}), &all)}},
            "/v1/requests/{id}/records": {"get": {"summary": "Every record of every system found for the request's identifiers, for the officer's decision: ids, systems, categories, phases, and each system's exemption ceiling; systems not searched with the reason (privacy officers). 403 identity-not-verified until the requester's identity (and a representative's relationship) is verified.", "security": secured, "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": with_problems(json!({"200": {"description": "the records found"}}), &all)}},
            "/v1/requests/{id}/annotations": {"post": {"summary": "Attach what an amendment or PNR rectification request decided to a `record` (privacy officers): a `correction` after a grant, a `dispute` after a refusal, a `statement-of-disagreement` after its filing, with `portions` and `text`; prior recipients are told as the system's notice says. 201 with the number and the notices queued.", "security": secured, "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": with_problems(json!({"201": {"description": "the annotation"}}), &all)}},
            "/v1/requests/{id}/response": {"post": {"summary": "The response package of a determined access or notification request (privacy officers): `release` (record ids), `waive` (exemption claims waived), `waive_sources` (sources whose records' exemption is waived; an owned source needs a consultation answered `release`), `benefit_denied`, `official`, `pages`. Per system, a neither-confirm-nor-deny answer (identical whether or not a record exists) or the released records with their annotations; the individual's accounting; the letter; the fee.", "security": secured, "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": with_problems(json!({"200": {"description": "the package"}}), &all)}},
            "/v1/requests/{id}/events": {"post": {"summary": "Record an event of the case (privacy officers): `kind` and its fields, `on` (default today); refused when the rules do not allow it now. FOIA-route requests add fee-estimated (`cents`), fee-agreed, fees-paid (`cents`), reformulated, fee-waiver-requested, fee-waiver-determined (`outcome`, `reasons`), expedited-requested (`dated`), expedited-determined (`granted`), records-released. A complaint takes cbp-answered (`resolved`, `answer`), referred-to-chief-privacy-officer (once CBP answered unresolved), chief-privacy-officer-answered (`resolved`, `answer`), dpa-referred (`authority`; after an answer), conclusions-reported (`conclusions`, `actions`; after a referral, due 10 working days from it), closed.", "security": secured, "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": with_problems(json!({"200": {"description": "the request"}}), &all)}},
            "/v1/requests/{id}/letters": {
                "get": {"summary": "The letters of a request, in order: `n`, `kind`, `on`, `by`, `sha256` (privacy officers, auditors).", "security": secured, "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": with_problems(json!({"200": {"description": "`letters`"}}), &all)},
                "post": {"summary": "Make a letter of `kind` (acknowledgment, deficiency, delay, amendment-refusal, final-refusal, and for FOIA-route requests fee-notice and referral) from the case file, signed by `official`, from the agency's template or the shipped one, and seal it in the case file (privacy officers). The determination letter comes with the response package. 201 with its number and text.", "security": secured, "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["kind", "official"], "additionalProperties": false, "properties": {
                        "kind": {"type": "string", "enum": ["acknowledgment", "deficiency", "delay", "amendment-refusal", "final-refusal", "fee-notice", "referral"]}, "official": {"type": "string", "minLength": 1, "maxLength": 200}
                    }}}}},
                    "responses": with_problems(json!({"201": {"description": "the letter"}}), &all)}
            },
            "/v1/requests/{id}/letters/{n}": {"get": {"summary": "A letter as text (`format=text`, the default) or PDF (`format=pdf`); the same letter always gives the same bytes (privacy officers, auditors).", "security": secured, "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "n", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["text", "pdf"]}}],
                "responses": with_problems(json!({"200": {"description": "the letter", "content": {"text/plain": {}, "application/pdf": {}}}}), &found)}}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The id patterns in the generated paths are the wire's constants, which the wire's tests
    /// hold to the server's checks (utoipa takes only a literal in `params`).
    #[test]
    fn the_documents_path_patterns_are_the_wires() {
        let document = document().unwrap();
        let cases = [
            (
                "/v1/holds/{id}/release",
                "post",
                crate::wire::HOLD_ID_PATTERN,
            ),
            (
                "/v1/holds/{id}/records",
                "get",
                crate::wire::HOLD_ID_PATTERN,
            ),
            (
                "/v1/transfers/{id}/package",
                "get",
                crate::wire::TRANSFER_ID_PATTERN,
            ),
            (
                "/v1/transfers/{id}/recall",
                "post",
                crate::wire::TRANSFER_ID_PATTERN,
            ),
            (
                "/v1/accounts/{name}/vetting",
                "post",
                crate::wire::ACCOUNT_NAME_PATTERN,
            ),
            (
                "/v1/accounts/{name}/disable",
                "post",
                crate::wire::ACCOUNT_NAME_PATTERN,
            ),
            ("/v1/records/{id}", "get", crate::wire::RECORD_ID_PATTERN),
            (
                "/v1/designations/{id}/confirm",
                "post",
                crate::wire::DESIGNATION_ID_PATTERN,
            ),
            (
                "/v1/designations/{id}/withdraw",
                "post",
                crate::wire::DESIGNATION_ID_PATTERN,
            ),
            (
                "/v1/records/{id}/raw",
                "get",
                crate::wire::RECORD_ID_PATTERN,
            ),
            (
                "/v1/notices/{id}/sent",
                "post",
                crate::wire::NOTICE_ID_PATTERN,
            ),
            (
                "/v1/notices/{id}/public",
                "post",
                crate::wire::NOTICE_ID_PATTERN,
            ),
            (
                "/v1/consultations/{id}/answer",
                "post",
                crate::wire::CONSULTATION_ID_PATTERN,
            ),
            (
                "/v1/records/{id}/annotations",
                "post",
                crate::wire::RECORD_ID_PATTERN,
            ),
        ];
        for (path, method, pattern) in cases {
            let parameters = &document["paths"][path][method]["parameters"];
            assert!(
                path.contains(&format!(
                    "{{{}}}",
                    parameters[0]["name"].as_str().unwrap_or("?")
                )),
                "{method} {path}"
            );
            assert_eq!(
                parameters[0]["schema"]["pattern"], pattern,
                "{method} {path}"
            );
        }
        // A read's case is a case id.
        for path in ["/v1/records/{id}", "/v1/records/{id}/raw"] {
            let case = document["paths"][path]["get"]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|parameter| parameter["name"] == "case")
                .unwrap();
            assert_eq!(
                case["schema"]["pattern"],
                crate::wire::CASE_ID_PATTERN,
                "{path}"
            );
        }
    }

    #[test]
    fn merging_adds_operations_and_refuses_to_describe_one_twice() {
        let hand = || json!({"paths": {"/v1/holds": {"get": {"summary": "hand"}}}, "components": {"schemas": {"Record": {}}}});
        let cases = [
            (
                json!({"paths": {"/v1/holds": {"post": {"summary": "typed"}}}}),
                Ok(()),
            ),
            (
                json!({"paths": {"/v1/new": {"get": {}}}, "components": {"schemas": {"Hold": {}}}}),
                Ok(()),
            ),
            (
                json!({"paths": {"/v1/holds": {"get": {"summary": "typed"}}}}),
                Err("GET /v1/holds".to_owned()),
            ),
            (
                json!({"components": {"schemas": {"Record": {"type": "object"}}}}),
                Err("the schema Record".to_owned()),
            ),
        ];
        for (typed, expected) in cases {
            let mut document = hand();
            assert_eq!(merge(&mut document, &typed), expected, "{typed}");
            if expected.is_ok() {
                // Nothing hand-written is lost, and everything typed is there.
                assert_eq!(document["paths"]["/v1/holds"]["get"]["summary"], "hand");
                for (path, item) in typed["paths"].as_object().into_iter().flatten() {
                    for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
                        assert!(
                            document["paths"][path].get(method).is_some(),
                            "{method} {path}"
                        );
                    }
                }
            }
        }
    }
}
