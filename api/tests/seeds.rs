//! Disclosures as the seed texts read them, at the gate's boundary (the router called in
//! process over a real RocksDB vault): each table row quotes the rule it checks, and every
//! refusal is found in the access log with its rule and without what the caller typed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test with the reason"
)]

#[path = "common/harness.rs"]
mod harness;

use axum::http::StatusCode;
use harness::*;
use serde_json::{json, Value};

fn pnr_line(name: &str, passport: &str) -> String {
    json!({
        "system": "cbp-pnr", "category": "pnr", "collected_at": "2026-11-24T06:00:00Z",
        "source": {"carrier": "XX"},
        "subjects": [{"role": "passenger", "name": name, "identifiers": {"passport": {"number": passport, "country": "FR"}}}],
        "fields": {"record_locator": "ABC123", "osi": "CTCE PASSENGER NOTE", "general_remarks": "SEAT REQUEST"}
    })
    .to_string()
}

/// Stores one PNR and returns its id.
async fn one_pnr(api: &Api, passport: &str) -> String {
    summary(
        &api.ingest("cbp-ingest", &pnr_line("ANNE LOW", passport), None)
            .await,
    );
    let found = api
        .post(
            "/v1/search",
            Some("cbp-analyst"),
            json!({"system": "cbp-pnr", "identifier": {"type": "passport", "value": passport, "country": "FR"},
                   "purpose": "counterterrorism", "case": "PNR-1"}),
        )
        .await;
    found.body["records"][0]["id"].as_str().unwrap().to_owned()
}

async fn register(api: &Api, name: &str) {
    let answer = api
        .post(
            "/v1/designated-authorities",
            Some("cbp-disclosure"),
            json!({"system": "cbp-pnr", "name": name, "address": "Wiesbaden", "eligible": true, "reason": ""}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

/// The access log's entries of releases: allowed (`disclose`) and refused (`record.disclose`).
async fn disclosure_entries(api: &Api) -> Vec<Value> {
    let mut entries = api.entries("action=disclose").await;
    entries.extend(api.entries("action=record.disclose").await);
    entries
}

/// Typed into the evidence: never in the log, never in an answer.
const VIOLATION: &str = "booking paid by card 4111111111111111";

/// Seed 001 paragraph 29: "CBP, in its discretion, will only provide PNR data to other
/// government authorities, including foreign government authorities, with counter-terrorism or
/// law enforcement functions"; paragraph 34: "to relevant government authorities, where such
/// disclosure is necessary for the protection of the vital interests of the data subject or of
/// other persons"; paragraph 35: "in any criminal judicial proceedings or as otherwise required
/// by law"; paragraph 37: a passenger's own request is processed under FOIA, not disclosed.
/// Paragraph 32: "Each disclosure of PNR data by CBP will be conditioned upon the receiving
/// agency's treatment of this data as confidential ... exempt from disclosure under the Freedom
/// of Information Act".
#[tokio::test]
async fn pnr_leaves_only_on_the_undertakings_paths() {
    let api = api();
    let id = one_pnr(&api, "P7000001").await;
    register(&api, "Bundeskriminalamt").await;
    let findings = json!({"statute": "18 U.S.C. 2339B", "violation": VIOLATION});
    let with = |basis: Value, extra: &Value| {
        let mut basis = basis;
        for (key, value) in extra.as_object().unwrap() {
            basis[key] = value.clone();
        }
        basis
    };
    let authority =
        |extra: &Value| with(json!({"designated_authority": "Bundeskriminalamt"}), extra);
    let vital = json!({"vital_interests": true, "necessity": "exposure to a notifiable disease on the flight"});
    let proceedings = json!({"legal_proceedings": true, "evidence": "sha256:subpoena", "proceeding": "United States v. Doe, 1:26-cr-00042"});
    type Row = (
        &'static str,
        (&'static str, &'static str),
        &'static str,
        Value,
        StatusCode,
        &'static str,
    );
    #[rustfmt::skip]
    let table: Vec<Row> = vec![
        // (what, recipient (name, category), purpose, basis, status, rule)
        ("paragraph 29: a registered designated authority with the paragraph 30 findings", ("Bundeskriminalamt", "foreign-agency"), "counterterrorism", authority(&findings), StatusCode::CREATED, "cbp-pnr/basis/designated-authority"),
        ("paragraph 29: news media through a registered designated authority", ("Bundeskriminalamt", "news-media"), "counterterrorism", authority(&findings), StatusCode::FORBIDDEN, "pnr-recipient"),
        ("paragraph 29: an individual", ("Bundeskriminalamt", "individual"), "counterterrorism", authority(&findings), StatusCode::FORBIDDEN, "pnr-recipient"),
        ("paragraph 29: an unregistered authority", ("Europol", "international-organization"), "counterterrorism", with(json!({"designated_authority": "Europol"}), &findings), StatusCode::FORBIDDEN, "pnr-recipient"),
        ("paragraph 29: an unregistered agency", ("Policia Judiciaria", "foreign-agency"), "counterterrorism", with(json!({"designated_authority": "Policia Judiciaria"}), &findings), StatusCode::FORBIDDEN, "designated-authority-unregistered"),
        ("paragraph 29: a registered authority's name on another recipient", ("Daily Planet", "foreign-agency"), "counterterrorism", authority(&findings), StatusCode::FORBIDDEN, "designated-authority-recipient"),
        ("paragraph 30: without the indication of a violation", ("Bundeskriminalamt", "foreign-agency"), "counterterrorism", authority(&json!({"statute": "18 U.S.C. 2339B"})), StatusCode::FORBIDDEN, "pnr-violation-missing"),
        ("paragraph 34: vital interests, to a health authority", ("Robert Koch-Institut", "foreign-agency"), "vital-interests", vital.clone(), StatusCode::CREATED, "cbp-pnr/basis/vital-interests"),
        ("paragraph 34: to news media", ("Daily Planet", "news-media"), "vital-interests", vital.clone(), StatusCode::FORBIDDEN, "pnr-recipient"),
        ("paragraph 35: a criminal court", ("U.S. District Court", "court"), "counterterrorism", proceedings.clone(), StatusCode::CREATED, "cbp-pnr/basis/legal-proceedings"),
        ("paragraph 35: without the proceeding", ("U.S. District Court", "court"), "counterterrorism", json!({"legal_proceedings": true, "evidence": "sha256:subpoena"}), StatusCode::FORBIDDEN, "pnr-proceeding-missing"),
        ("consent is not a path", ("Anne Low", "individual"), "counterterrorism", json!({"consent": "sha256:consent"}), StatusCode::FORBIDDEN, "pnr-path-required"),
        ("(b)(7) is not a path", ("State Police", "state-agency"), "counterterrorism", json!({"condition": "b7", "evidence": "x", "agency_head_request": true, "portion": ["fields.record_locator"], "activity": "y"}), StatusCode::FORBIDDEN, "pnr-path-required"),
        ("a routine use is not a path", ("Daily Planet", "news-media"), "counterterrorism", json!({"routine_use": "R"}), StatusCode::FORBIDDEN, "pnr-path-required"),
        ("no basis", ("Bundeskriminalamt", "foreign-agency"), "counterterrorism", json!({}), StatusCode::FORBIDDEN, "basis-missing"),
        ("two bases", ("Bundeskriminalamt", "foreign-agency"), "counterterrorism", with(authority(&findings), &json!({"vital_interests": true})), StatusCode::FORBIDDEN, "basis-missing"),
    ];
    for (what, (name, category), purpose, basis, status, rule) in table {
        let answer = api
            .post(
                "/v1/disclosures",
                Some("cbp-disclosure"),
                json!({"records": [id], "recipient": {"name": name, "address": "Street 1", "category": category},
                       "purpose": purpose, "basis": basis, "accuracy_attested": true}),
            )
            .await;
        assert_eq!(answer.status, status, "{what}: {}", answer.text);
        assert!(
            !answer.text.contains(VIOLATION),
            "{what}: the evidence echoed"
        );
        let logged = disclosure_entries(&api).await;
        let entry = logged
            .iter()
            .find(|entry| entry["request_id"] == answer.request_id.as_str())
            .unwrap_or_else(|| panic!("{what}: no log entry"));
        assert!(
            !entry.to_string().contains(VIOLATION),
            "{what}: the evidence in the log"
        );
        if status == StatusCode::CREATED {
            assert_eq!(entry["decision"], "allow", "{what}");
            assert_eq!(entry["rule"], rule, "{what}");
            let conditions = answer.body["conditions"].to_string();
            let confidential =
                conditions.contains("exempt from disclosure under the Freedom of Information Act");
            assert_eq!(
                confidential,
                !rule.ends_with("legal-proceedings"),
                "{what}: {conditions}"
            );
        } else {
            assert_eq!(answer.body["rule"], rule, "{what}: {}", answer.text);
            assert_eq!(
                (entry["decision"].as_str(), entry["rule"].as_str()),
                (Some("deny"), Some(rule)),
                "{what}: the refusal is logged with its rule"
            );
        }
    }
}

/// 552a(c)(1)(A): the accounting keeps "the name and address of the person or agency to whom
/// the disclosure is made". A release without them is refused, and logged.
#[tokio::test]
async fn a_release_without_its_recipient_or_basis_is_a_logged_refusal() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let found = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    #[rustfmt::skip]
    let table: Vec<(&str, Value, Value, &str)> = vec![
        ("no recipient name", json!({"address": "1 Justice Way", "category": "federal-agency"}), json!({"routine_use": "A"}), "recipient-missing"),
        ("a blank address", json!({"name": "FBI", "address": " ", "category": "federal-agency"}), json!({"routine_use": "A"}), "recipient-missing"),
        ("no basis", json!({"name": "FBI", "address": "1 Justice Way", "category": "federal-agency"}), json!({}), "basis-missing"),
    ];
    for (what, recipient, basis, rule) in table {
        let answer = api
            .post(
                "/v1/disclosures",
                Some("disclosure"),
                json!({"records": [id], "recipient": recipient, "purpose": "investigation", "case": "DISC-1", "basis": basis}),
            )
            .await;
        assert_eq!(
            (answer.status, answer.body["rule"].as_str()),
            (StatusCode::FORBIDDEN, Some(rule)),
            "{what}: {}",
            answer.text
        );
        let logged = disclosure_entries(&api).await;
        let entry = logged
            .iter()
            .find(|entry| entry["request_id"] == answer.request_id.as_str())
            .unwrap_or_else(|| panic!("{what}: no log entry"));
        assert_eq!(
            (entry["decision"].as_str(), entry["rule"].as_str()),
            (Some("deny"), Some(rule)),
            "{what}"
        );
    }
}

/// A CBETF transmittal of `name` (SSN `ssn`) in `currency`, from the shared account `000123`.
fn transmittal(name: &str, ssn: &str, currency: &str, n: usize) -> String {
    json!({
        "system": "fincen-cbetf", "category": "transmittal",
        "collected_at": format!("2026-03-{:02}", 1 + n % 28),
        "source": {"report_id": format!("R-{n}")},
        "subjects": [{"role": "transmittor", "name": name, "identifiers": {"ssn": ssn, "account": "000123"}}],
        "fields": {"amount": format!("{}.00", 1000 + n), "currency": currency, "direction": "outgoing",
                   "remittance_information": format!("INVOICE FOR {name}")}
    })
    .to_string()
}

/// 31 CFR 1.24(a)(5): a record goes "to a recipient who has provided the component with advance
/// adequate written assurance that the record will be used solely as a statistical research or
/// reporting record, and the record is to be transferred in a form that is not individually
/// identifiable". The recipient gets one table of counts over fields the notice marks
/// statistical, every cell under the minimum suppressed, and nothing else: no rows, names,
/// identifiers, free text or ids.
#[tokio::test]
async fn a_b5_release_is_a_table_of_counts_with_small_cells_suppressed() {
    let api = api();
    // 12 in USD, 9 in EUR, 4 in GBP: only the USD cell reaches 10.
    let mut lines = Vec::new();
    let mut ssns = Vec::new();
    for n in 0..25 {
        let currency = match n {
            0..12 => "USD",
            12..21 => "EUR",
            _ => "GBP",
        };
        let ssn = format!("123-45-{:04}", 6700 + n);
        lines.push(transmittal(&format!("PERSON NUMBER{n}"), &ssn, currency, n));
        ssns.push(ssn);
    }
    let stored = summary(&api.ingest("ingester", &lines.join("\n"), None).await);
    assert_eq!(stored["ingested"], 25, "{stored}");
    let release = |basis: Value| {
        json!({"search": {"system": "fincen-cbetf", "identifier": {"type": "account", "value": "000123"}},
               "recipient": {"name": "Census Bureau", "address": "4600 Silver Hill Road", "category": "federal-agency"},
               "purpose": "statistical-research", "case": "STAT-1", "basis": basis})
    };
    #[rustfmt::skip]
    let refusals: Vec<(&str, Value, StatusCode, &str)> = vec![
        ("without the written assurance", json!({"condition": "b5", "tabulate": ["currency"]}), StatusCode::FORBIDDEN, "statistics-assurance-missing"),
        ("a field that identifies", json!({"condition": "b5", "evidence": "sha256:assurance", "tabulate": ["amount"]}), StatusCode::FORBIDDEN, "statistics-field"),
        ("free text", json!({"condition": "b5", "evidence": "sha256:assurance", "tabulate": ["remittance_information"]}), StatusCode::FORBIDDEN, "statistics-field"),
        ("a minimum cell under 10", json!({"condition": "b5", "evidence": "sha256:assurance", "tabulate": ["currency"], "min_cell": 3}), StatusCode::FORBIDDEN, "statistics-min-cell"),
        ("four fields crossed", json!({"condition": "b5", "evidence": "sha256:assurance", "tabulate": ["currency", "direction", "message_type", "threshold_rule"]}), StatusCode::FORBIDDEN, "statistics-field"),
    ];
    for (what, basis, status, rule) in refusals {
        let answer = api
            .post("/v1/disclosures", Some("disclosure"), release(basis))
            .await;
        assert_eq!(
            (answer.status, answer.body["rule"].as_str()),
            (status, Some(rule)),
            "{what}: {}",
            answer.text
        );
        let logged = disclosure_entries(&api).await;
        let entry = logged
            .iter()
            .find(|entry| entry["request_id"] == answer.request_id.as_str())
            .unwrap_or_else(|| panic!("{what}: no log entry"));
        assert_eq!(entry["rule"], rule, "{what}: logged with its rule");
    }
    let released = api
        .post(
            "/v1/disclosures",
            Some("disclosure"),
            release(json!({"condition": "b5", "evidence": "sha256:assurance", "tabulate": ["currency", "direction"]})),
        )
        .await;
    assert_eq!(released.status, StatusCode::CREATED, "{}", released.text);
    // The whole answer against an allow-list.
    let answer = released.body.as_object().unwrap();
    let keys: Vec<&str> = answer.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "accounted",
            "basis",
            "conditions",
            "notice",
            "package",
            "records",
            "table"
        ],
        "{}",
        released.text
    );
    assert_eq!(released.body["records"], json!([]));
    assert!(released.body["notice"].is_null());
    let table = released.body["table"].as_object().unwrap();
    let table_keys: Vec<&str> = table.keys().map(String::as_str).collect();
    assert_eq!(
        table_keys,
        ["cells", "dimensions", "min_cell", "suppressed_cells"]
    );
    assert_eq!(
        released.body["table"],
        json!({"dimensions": ["currency", "direction"], "min_cell": 10, "suppressed_cells": 2,
               "cells": [{"values": ["USD", "outgoing"], "count": 12}]}),
        "no cell under 10"
    );
    for ssn in &ssns {
        assert!(!released.text.contains(ssn.as_str()), "an SSN released");
    }
    for secret in ["PERSON", "INVOICE", "000123", "R-1", "0001-"] {
        assert!(
            !released.text.contains(secret),
            "{secret} released: {}",
            released.text
        );
    }
    // The accounting records what was released: one entry per record counted.
    let entries = api
        .post(
            "/v1/accounting/search",
            Some("privacy"),
            json!({"identifier": {"type": "ssn", "value": ssns[0]}, "for_individual": false}),
        )
        .await;
    let entries = entries.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["basis"], "552a(b)(5)");
    assert_eq!(
        entries[0]["nature"],
        "statistical table of counts by currency, direction, cells under 10 suppressed"
    );
}
