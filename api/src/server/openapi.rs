//! The OpenAPI 3.1 document of the API, served at `/openapi.json` and committed as
//! `docs/openapi.json` (a test fails when they differ). Every operation and schema is
//! generated from the handlers' annotations and `crate::wire` (utoipa); each operation then
//! gets the answers the server's layers give on any route (401, 429, 500, 503; 413 and 415
//! where it takes a body). A test checks that every route is here and every path here is
//! routed.

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
        super::handlers::open_request,
        super::handlers::request_event,
        super::handlers::show_request,
        super::handlers::requests_due,
        super::handlers::request_records,
        super::handlers::request_response,
        super::handlers::request_annotation,
        super::handlers::make_letter,
        super::handlers::list_letters,
        super::handlers::read_letter,
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
        wire::NewRequest,
        wire::NewEvent,
        wire::ResponseDecision,
        wire::RequestAnnotation,
        wire::NewLetter,
        wire::EventView,
        wire::FeeTermsView,
        wire::CaseView,
        wire::DeadlineView,
        wire::LetterSummary,
        wire::ComplaintView,
        wire::RequestFileView,
        wire::DueDeadline,
        wire::Due,
        wire::FoundForRequest,
        wire::RequestRecords,
        wire::SystemAnswer,
        wire::ForPhysician,
        wire::ResponsePackageView,
        wire::LetterMade,
        wire::LetterList,
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

/// The document: the generated one, with the API's description and its bearer scheme, and
/// each operation with the answers every route gives; an error names what failed (the tests
/// serve the document, so no build that makes none passes them).
pub fn document() -> Result<Value, String> {
    let mut document = serde_json::to_value(Typed::openapi())
        .map_err(|err| format!("the generated OpenAPI document does not serialize: {err}"))?;
    document["info"] = json!({
        "title": "recvault",
        "version": env!("CARGO_PKG_VERSION"),
        "description": "A privacy- and retention-enforcing records vault. Every request but the health checks carries a bearer token; every decision is logged with its rule. Errors are application/problem+json; every response has an x-request-id header, which the access log records."
    });
    let Some(Value::Object(components)) = document.get_mut("components") else {
        return Err("the generated OpenAPI document has no components".to_owned());
    };
    components.insert(
        "securitySchemes".to_owned(),
        json!({"bearer": {"type": "http", "scheme": "bearer"}}),
    );
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
            ("/v1/requests/{id}", "get", crate::wire::REQUEST_ID_PATTERN),
            (
                "/v1/requests/{id}/events",
                "post",
                crate::wire::REQUEST_ID_PATTERN,
            ),
            (
                "/v1/requests/{id}/records",
                "get",
                crate::wire::REQUEST_ID_PATTERN,
            ),
            (
                "/v1/requests/{id}/response",
                "post",
                crate::wire::REQUEST_ID_PATTERN,
            ),
            (
                "/v1/requests/{id}/annotations",
                "post",
                crate::wire::REQUEST_ID_PATTERN,
            ),
            (
                "/v1/requests/{id}/letters",
                "get",
                crate::wire::REQUEST_ID_PATTERN,
            ),
            (
                "/v1/requests/{id}/letters",
                "post",
                crate::wire::REQUEST_ID_PATTERN,
            ),
            (
                "/v1/requests/{id}/letters/{n}",
                "get",
                crate::wire::REQUEST_ID_PATTERN,
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
}
