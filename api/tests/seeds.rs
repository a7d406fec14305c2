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
use privacy::documents::Documents as _;
use serde_json::{json, Value};

fn pnr_line(name: &str, passport: &str) -> String {
    json!({
        "system": "cbp-pnr", "category": "pnr", "collected_at": "2026-11-24T06:00:00Z",
        "source": {"carrier": "XX", "flight": "XX100", "departs_at": "2026-11-24T18:00:00Z", "arrives_at": "2026-11-25T02:00:00Z"},
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

/// Stores JOHN Q PUBLIC's transmittal (SSN 123-45-6789) in the fixture system `test-open`
/// (routine uses, no exemptions) and returns its id, found as the analyst would.
async fn one_open_record(api: &Api) -> String {
    let stored = line("JOHN Q PUBLIC", "123-45-6789", 3).replace("fincen-cbetf", "test-open");
    assert_eq!(
        summary(&api.ingest("ingester", &stored, None).await)["ingested"],
        1
    );
    let found = api
        .post(
            "/v1/search",
            Some("ana"),
            json!({"system": "test-open", "identifier": {"type": "ssn", "value": "123-45-6789"}, "purpose": "investigation", "case": "CASE-1"}),
        )
        .await;
    found.body["records"][0]["id"].as_str().unwrap().to_owned()
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
        ("(b)(7) is not a path", ("State Police", "state-agency"), "counterterrorism", json!({"condition": "b7", "evidence": "x", "agency_head_request": true, "signer": "Director", "agency": "State Police", "dated": "2026-11-20", "portion": ["fields.record_locator"], "activity": "y"}), StatusCode::FORBIDDEN, "pnr-path-required"),
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
        ("a condition that does not exist", json!({"name": "FBI", "address": "1 Justice Way", "category": "federal-agency"}), json!({"condition": "b12", "evidence": "x"}), "condition-unknown"),
        // Conditions are exactly `b1` to `b11`: a number parser also read these as b7.
        ("b07", json!({"name": "FBI", "address": "1 Justice Way", "category": "federal-agency"}), json!({"condition": "b07", "evidence": "x"}), "condition-unknown"),
        ("b+7", json!({"name": "FBI", "address": "1 Justice Way", "category": "federal-agency"}), json!({"condition": "b+7", "evidence": "x"}), "condition-unknown"),
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
    let over = |period: &str, basis: Value| {
        json!({"population": {"system": "fincen-cbetf", "category": "transmittal", "period": period},
               "recipient": {"name": "Census Bureau", "address": "4600 Silver Hill Road", "category": "federal-agency"},
               "purpose": "statistical-research", "case": "STAT-1", "basis": basis})
    };
    let release = |basis: Value| over("2026-03", basis);
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
    // On paper it would be records: refused, and logged.
    let mut on_paper = release(
        json!({"condition": "b5", "evidence": "sha256:assurance", "tabulate": ["currency"]}),
    );
    on_paper["nature"] = json!("paper");
    let paper = api
        .post("/v1/disclosures", Some("disclosure"), on_paper)
        .await;
    assert_eq!(
        (paper.status, paper.body["rule"].as_str()),
        (StatusCode::FORBIDDEN, Some("statistics-electronic")),
        "{}",
        paper.text
    );
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
    // The population is never chosen record by record, nor by an individual's identifier:
    // two tables of sets differing by one record would tell that record's values.
    let assured =
        json!({"condition": "b5", "evidence": "sha256:assurance", "tabulate": ["currency"]});
    for (what, mut body) in [
        ("records chosen one by one", release(assured.clone())),
        ("an individual's records", release(assured.clone())),
    ] {
        body.as_object_mut().unwrap().remove("population");
        if what == "records chosen one by one" {
            body["records"] = json!(["0001-019cb0fe9400-00000001-00000000"]);
        } else {
            body["search"] =
                json!({"system": "fincen-cbetf", "identifier": {"type": "ssn", "value": ssns[0]}});
        }
        let answer = api.post("/v1/disclosures", Some("disclosure"), body).await;
        assert_eq!(
            (answer.status, answer.body["rule"].as_str()),
            (StatusCode::FORBIDDEN, Some("statistics-population")),
            "{what}: {}",
            answer.text
        );
    }
    // A period overlapping the one counted (or not yet ended) is refused; the same period over
    // the same records may be counted again by the same fields (the same table), never by
    // others: `[currency]` after `[currency, direction]` would give, by difference, a cell the
    // first table suppressed.
    type Row = (
        &'static str,
        &'static [&'static str],
        StatusCode,
        Option<&'static str>,
    );
    let periods: [Row; 5] = [
        (
            "2026-Q1",
            &["currency", "direction"],
            StatusCode::FORBIDDEN,
            Some("statistics-overlap"),
        ),
        (
            "2026",
            &["currency", "direction"],
            StatusCode::FORBIDDEN,
            Some("statistics-period"),
        ),
        (
            "2026-03",
            &["currency"],
            StatusCode::FORBIDDEN,
            Some("statistics-dimensions-changed"),
        ),
        (
            "2026-03",
            &["direction"],
            StatusCode::FORBIDDEN,
            Some("statistics-dimensions-changed"),
        ),
        (
            "2026-03",
            &["direction", "currency"],
            StatusCode::CREATED,
            None,
        ),
    ];
    for (period, fields, status, rule) in periods {
        let answer = api
            .post(
                "/v1/disclosures",
                Some("disclosure"),
                over(
                    period,
                    json!({"condition": "b5", "evidence": "sha256:assurance", "tabulate": fields}),
                ),
            )
            .await;
        assert_eq!(
            (answer.status, answer.body["rule"].as_str()),
            (status, rule),
            "{period} by {fields:?}: {}",
            answer.text
        );
    }
    // A year over a month counted before, and a quarter: refused (December 2025 is closed).
    let december: Vec<String> = (0..3)
        .map(|n| {
            transmittal(
                &format!("YEAR END{n}"),
                &format!("123-45-{:04}", 6800 + n),
                "USD",
                n,
            )
            .replace("2026-03-", "2025-12-")
        })
        .collect();
    summary(&api.ingest("ingester", &december.join("\n"), None).await);
    type Later = (&'static str, StatusCode, Option<&'static str>);
    let later: [Later; 3] = [
        ("2025-12", StatusCode::CREATED, None),
        ("2025-Q4", StatusCode::FORBIDDEN, Some("statistics-overlap")),
        ("2025", StatusCode::FORBIDDEN, Some("statistics-overlap")),
    ];
    for (period, status, rule) in later {
        let answer = api
            .post(
                "/v1/disclosures",
                Some("disclosure"),
                over(period, assured.clone()),
            )
            .await;
        assert_eq!(
            (answer.status, answer.body["rule"].as_str()),
            (status, rule),
            "{period}: {}",
            answer.text
        );
    }
    // A record more in March: the same period is now other records, refused.
    summary(
        &api.ingest(
            "ingester",
            &transmittal("LATE ARRIVAL", "123-45-6799", "USD", 30),
            None,
        )
        .await,
    );
    let changed = api
        .post(
            "/v1/disclosures",
            Some("disclosure"),
            release(json!({"condition": "b5", "evidence": "sha256:assurance", "tabulate": ["currency", "direction"]})),
        )
        .await;
    assert_eq!(
        (changed.status, changed.body["rule"].as_str()),
        (StatusCode::FORBIDDEN, Some("statistics-population-changed")),
        "{}",
        changed.text
    );
    // The ledger's entries are written with their releases, in the same logged batch; each
    // lookup of a population is logged, in counts.
    let counted: Vec<Value> = api
        .entries("action=disclose")
        .await
        .into_iter()
        .filter(|entry| {
            entry["outcome"]
                .as_str()
                .unwrap()
                .contains("statistics-ledger")
        })
        .collect();
    assert_eq!(counted.len(), 3, "{counted:?}");
    assert!(counted[0]["outcome"]
        .as_str()
        .unwrap()
        .ends_with("; statistics-ledger fincen-cbetf.transmittal.2026-03"));
    let looked_up = api.entries("action=statistics.population").await;
    assert!(looked_up.len() >= 10, "{looked_up:?}");
    assert!(looked_up
        .iter()
        .all(|entry| !entry.to_string().contains("123-45")));
    // A population belongs to a statistical release only: a rule joining two fields, 422.
    let mut not_b5 = release(json!({"routine_use": "A"}));
    not_b5["purpose"] = json!("investigation");
    let refused = api
        .post("/v1/disclosures", Some("disclosure"), not_b5)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    // The accounting records what was released: one entry per record counted.
    let entries = api
        .post(
            "/v1/accounting/search",
            Some("privacy"),
            json!({"identifier": {"type": "ssn", "value": ssns[0]}, "for_individual": false}),
        )
        .await;
    let entries = entries.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["basis"], "552a(b)(5)");
    assert_eq!(
        entries[0]["nature"],
        "statistical table of counts by currency, direction, cells under 10 suppressed"
    );
}

/// A ledger entry written before the ledger kept the fields crossed (an earlier build of this
/// issue) still protects its period and blocks nothing else.
#[tokio::test]
async fn a_ledger_entry_without_its_fields_still_protects_its_period() {
    let api = api_after(policy::Policy::builtin().unwrap(), |vault| {
        let entry = json!({"system": "fincen-cbetf", "category": "transmittal", "period": "2026-02",
                           "members": "sha256:00", "package": "pkg-old"});
        vault
            .put_document(
                &vault::Access::offline("tester", "disclosure"),
                "statistics-ledger",
                "fincen-cbetf.transmittal.2026-02",
                entry.to_string().as_bytes(),
                ("config.documents", "statistics-ledger: an old entry".into()),
                now(),
            )
            .unwrap();
    });
    let lines: Vec<String> = (0..2)
        .map(|n| {
            let line = transmittal(
                &format!("PERSON NUMBER{n}"),
                &format!("123-45-{:04}", 6900 + n),
                "USD",
                n,
            );
            if n == 0 {
                line.replace("2026-03-", "2026-02-")
            } else {
                line
            }
        })
        .collect();
    summary(&api.ingest("ingester", &lines.join("\n"), None).await);
    for (period, status, rule) in [
        (
            "2026-02",
            StatusCode::FORBIDDEN,
            Some("statistics-population-changed"),
        ),
        ("2026-Q1", StatusCode::FORBIDDEN, Some("statistics-overlap")),
        ("2026-03", StatusCode::CREATED, None),
    ] {
        let answer = api
            .post(
                "/v1/disclosures",
                Some("disclosure"),
                json!({"population": {"system": "fincen-cbetf", "category": "transmittal", "period": period},
                       "recipient": {"name": "Census Bureau", "address": "4600 Silver Hill Road", "category": "federal-agency"},
                       "purpose": "statistical-research", "case": "STAT-1",
                       "basis": {"condition": "b5", "evidence": "sha256:assurance", "tabulate": ["currency"]}}),
            )
            .await;
        assert_eq!(
            (answer.status, answer.body["rule"].as_str()),
            (status, rule),
            "{period}: {}",
            answer.text
        );
    }
}

/// A PNR of `passport`, optionally carrying a `high_risk` field.
fn pnr_with(passport: &str, high_risk: Option<&str>) -> String {
    let mut line: Value = serde_json::from_str(&pnr_line("ANNE LOW", passport)).unwrap();
    if let Some(flag) = high_risk {
        line["fields"]["high_risk"] = json!(flag);
    }
    line.to_string()
}

/// Reads `id` as `who` for counterterrorism: whether the OSI free text came back.
async fn osi_shown(api: &Api, who: &str, id: &str) -> bool {
    let read = api
        .get(
            &format!("/v1/records/{id}?purpose=counterterrorism&case=PNR-1"),
            Some(who),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    read.body["fields"].get("osi").is_some()
}

fn designation(passport: &str, review_on: &str, reason: &str) -> Value {
    json!({"system": "cbp-pnr", "subject": {"type": "passport", "value": passport, "country": "FR"},
           "purpose": "counterterrorism", "case": "PNR-1", "reason": reason, "review_on": review_on})
}

/// Seed 001 paragraph 5: "CBP personnel will not be authorized to manually review the full OSI
/// and SSI/SSR fields unless the individual that is the subject of a PNR has been identified by
/// CBP as high risk in relation to any of the purposes identified in paragraph 3 hereof." High
/// risk is CBP's act, not a value in the data: a line that sets it is refused; a designation by
/// an officer with the grant opens that subject's records (stored before it too), and only
/// theirs; withdrawing it closes them; other roles cannot designate.
#[tokio::test]
async fn high_risk_is_a_designation_by_cbp_not_a_field() {
    let api = api();
    // A sender's flag is refused with its reason.
    let flagged = summary(
        &api.ingest("cbp-ingest", &pnr_with("P8000009", Some("true")), None)
            .await,
    );
    assert_eq!(flagged["ingested"], 0, "{flagged}");
    let reason = flagged["rejected"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("only when CBP designates it"), "{reason}");
    let anne = one_pnr(&api, "P8000001").await;
    let other = one_pnr(&api, "P8000002").await;
    assert!(
        !osi_shown(&api, "cbp-analyst", &anne).await,
        "not designated"
    );
    // Who may designate (the SORN's `designate` grant: CBP's analysts), and what they state.
    const REASON: &str = "matches travel pattern of case PNR-1";
    #[rustfmt::skip]
    let table: Vec<(&str, &str, Value, StatusCode, &str)> = vec![
        ("a privacy officer", "cbp-privacy", designation("P8000001", "2026-12-24", REASON), StatusCode::FORBIDDEN, "no-rule"),
        ("a sender", "cbp-ingest", designation("P8000001", "2026-12-24", REASON), StatusCode::FORBIDDEN, "no-rule"),
        ("a disclosure officer", "cbp-disclosure", designation("P8000001", "2026-12-24", REASON), StatusCode::FORBIDDEN, "no-rule"),
        ("an analyst of another agency", "ana", designation("P8000001", "2026-12-24", REASON), StatusCode::FORBIDDEN, "not-direct-access"),
        ("a purpose outside paragraph 3", "cbp-analyst", {
            let mut body = designation("P8000001", "2026-12-24", REASON);
            body["purpose"] = json!("maintenance");
            body
        }, StatusCode::FORBIDDEN, "no-rule"),
        ("no reason", "cbp-analyst", designation("P8000001", "2026-12-24", " "), StatusCode::BAD_REQUEST, ""),
        // The review date is a rule of the day (422), once the body is the schema's (400).
        ("a review date over a year away", "cbp-analyst", designation("P8000001", "2028-01-01", REASON), StatusCode::UNPROCESSABLE_ENTITY, ""),
        ("a review date of today", "cbp-analyst", designation("P8000001", "2026-11-24", REASON), StatusCode::UNPROCESSABLE_ENTITY, ""),
        ("a reason of 2,001 characters", "cbp-analyst", designation("P8000001", "2026-12-24", &"x".repeat(2001)), StatusCode::BAD_REQUEST, ""),
        ("a date out of form", "cbp-analyst", designation("P8000001", "2026-1-5", REASON), StatusCode::BAD_REQUEST, ""),
        ("a CBP analyst", "cbp-analyst", designation("P8000001", "2026-12-24", REASON), StatusCode::CREATED, ""),
    ];
    let mut id = String::new();
    for (what, who, body, status, rule) in table {
        let answer = api.post("/v1/designations", Some(who), body).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.text);
        if !rule.is_empty() {
            assert_eq!(answer.body["rule"], rule, "{what}: {}", answer.text);
        }
        if status == StatusCode::CREATED {
            id = answer.body["id"].as_str().unwrap().to_owned();
        }
    }
    assert!(id.starts_with("HR-2026-"), "{id}");
    // The designated subject's record, stored before the designation, opens; the other does not.
    assert!(osi_shown(&api, "cbp-analyst", &anne).await);
    assert!(!osi_shown(&api, "cbp-analyst", &other).await);
    // A record of the same subject stored after it opens too.
    let later = one_pnr(&api, "P8000001").await;
    assert!(osi_shown(&api, "cbp-analyst", &later).await);
    // The designation is listed for the officers who may designate.
    let listed = api
        .post(
            "/v1/designations/search",
            Some("cbp-analyst"),
            json!({"system": "cbp-pnr", "subject": {"type": "passport", "value": "P8000001", "country": "FR"},
                   "purpose": "counterterrorism", "case": "PNR-1"}),
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body["designations"][0]["status"], "in-force");
    // Past its review date it opens nothing (read by a disclosure officer, whose grant reaches
    // the record's `limited` phase a month on).
    api.days_later
        .store(29, std::sync::atomic::Ordering::SeqCst);
    assert!(
        osi_shown(&api, "cbp-disclosure", &anne).await,
        "on its review date"
    );
    api.days_later
        .store(31, std::sync::atomic::Ordering::SeqCst);
    assert!(
        !osi_shown(&api, "cbp-disclosure", &anne).await,
        "past its review"
    );
    api.days_later.store(0, std::sync::atomic::Ordering::SeqCst);
    // Withdrawn, it closes them again.
    let withdrawn = api
        .post(
            &format!("/v1/designations/{id}/withdraw"),
            Some("cbp-analyst"),
            json!({"system": "cbp-pnr", "purpose": "counterterrorism", "case": "PNR-1"}),
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.text);
    assert_eq!(withdrawn.body["status"], "withdrawn");
    assert!(!osi_shown(&api, "cbp-analyst", &anne).await, "withdrawn");
    // The log holds ids and tokens: never the reason or the passport.
    let all = api.entries("").await;
    let text = serde_json::to_string(&all).unwrap();
    assert!(
        !text.contains(REASON) && !text.contains("P8000001"),
        "typed text in the log"
    );
    assert!(all
        .iter()
        .any(|entry| entry["action"] == "designation.open"));
    assert!(all
        .iter()
        .any(|entry| entry["action"] == "designation.check"));
}

/// An older vault whose PNR records carry a `high_risk` field: at the gate's first start each
/// flag becomes a pending designation of the record's subjects, which opens nothing until a
/// CBP officer confirms it with a purpose, reason, case and review date.
#[tokio::test]
async fn old_high_risk_flags_become_pending_designations_that_unlock_nothing() {
    // Stored as an older intake stored it: through the vault, the flag in the record, before
    // this version's gate first starts.
    let mut stored = Vec::new();
    let upgraded = api_after(policy::Policy::builtin().unwrap(), |vault| {
        let contents = model::RecordContents {
            system: model::SystemId::new("cbp-pnr").unwrap(),
            category: "pnr".into(),
            collected_at: now() - chrono::Duration::hours(6),
            // With its raw message, which the vault seals apart as a `raw-input` record: a
            // category no notice gates, which the migration does not read.
            source: [
                ("carrier".to_owned(), "XX".to_owned()),
                (
                    model::RAW_SOURCE.to_owned(),
                    r#"{"name":"ANNE LOW","osi":"CTCE PASSENGER NOTE","high_risk":"true"}"#
                        .to_owned(),
                ),
            ]
            .into(),
            subjects: vec![model::Subject {
                role: "passenger".into(),
                name: Some("ANNE LOW".into()),
                identifiers: vec![model::Identifier::passport("P8100001", "FR")],
            }],
            fields: [
                ("record_locator", "ABC123"),
                ("osi", "CTCE PASSENGER NOTE"),
                ("high_risk", "true"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        };
        stored = vault
            .ingest(
                &vault::Access::offline("tester", "intake"),
                &[contents],
                now(),
            )
            .unwrap();
    });
    let id = stored[0].to_string();
    assert!(
        !osi_shown(&upgraded, "cbp-analyst", &id).await,
        "pending opens nothing"
    );
    let listed = upgraded
        .post(
            "/v1/designations/search",
            Some("cbp-analyst"),
            json!({"system": "cbp-pnr", "subject": {"type": "passport", "value": "P8100001", "country": "FR"},
                   "purpose": "counterterrorism", "case": "PNR-1"}),
        )
        .await;
    let found = listed.body["designations"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", listed.text);
    assert_eq!(found[0]["status"], "pending");
    assert_eq!(found[0]["migrated_from"], id.as_str());
    let migrated = upgraded.entries("action=designations.migrate").await;
    assert_eq!(migrated.len(), 1, "logged once");
    // It read the flagged record alone: not its raw message (a category no notice gates).
    let read: Vec<Value> = upgraded
        .entries("principal=recvault-migration")
        .await
        .iter()
        .flat_map(|entry| entry["record_ids"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(
        read,
        [json!(id)],
        "the migration read only the flagged record"
    );
    // Confirmed by a CBP officer, it opens the record.
    let confirm = upgraded
        .post(
            &format!(
                "/v1/designations/{}/confirm",
                found[0]["id"].as_str().unwrap()
            ),
            Some("cbp-analyst"),
            json!({"system": "cbp-pnr", "purpose": "counterterrorism", "case": "PNR-1",
                   "reason": "confirmed on review", "review_on": "2027-01-15"}),
        )
        .await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.text);
    assert!(osi_shown(&upgraded, "cbp-analyst", &id).await);
    // The sender's flag itself is never shown as if it were CBP's act, nor named as withheld
    // (that would tell the reader a sender flagged the passenger).
    let read = upgraded
        .get(
            &format!("/v1/records/{id}?purpose=counterterrorism&case=PNR-1"),
            Some("cbp-analyst"),
        )
        .await;
    assert!(
        read.body["fields"].get("high_risk").is_none(),
        "{}",
        read.text
    );
    assert!(!read.text.contains("high_risk"), "{}", read.text);
}

/// 31 CFR 1.25(d)(2): "Access accountings of disclosure may be withheld from the individual
/// named in the record only if the disclosures were (i) made under 5 U.S.C. 552a (b)(7) and
/// Sec. 1.24 (a)(7), or (ii) under a system of records exempted from the requirements of 5
/// U.S.C. 552a(c)(3)". Tested on a fixture system with routine uses and no exemption (every
/// shipped system with routine uses is (j)(2)-exempt): a routine-use, a (b)(7) and a (b)(11)
/// release; the individual sees two, privacy staff all three.
#[tokio::test]
async fn the_individual_sees_every_disclosure_but_b7_where_the_system_is_not_exempt() {
    let api = api_with(open_system_policy());
    let id = one_open_record(&api).await;
    #[rustfmt::skip]
    let releases: Vec<(&str, &str, &str, Value)> = vec![
        ("Office of the State Prosecutor", "state-agency", "investigation", json!({"routine_use": "A"})),
        ("State Police", "state-agency", "investigation", json!({"condition": "b7", "evidence": "letter-1", "agency_head_request": true, "signer": "Director", "agency": "State Police", "dated": "2026-11-20", "portion": ["fields.amount"], "activity": "structuring"})),
        ("U.S. District Court", "court", "litigation", json!({"condition": "b11", "evidence": "order-2026-55", "court": "U.S. District Court for the District of Columbia", "case_number": "United States v. Doe, 1:26-cr-00042", "dated": "2026-11-20", "returnable_to": "the Clerk of the Court"})),
    ];
    for (name, category, purpose, basis) in releases {
        let released = api
            .post(
                "/v1/disclosures",
                Some("disclosure"),
                json!({"records": [id], "recipient": {"name": name, "address": "1 Main Street", "category": category},
                       "purpose": purpose, "case": "DISC-1", "basis": basis, "accuracy_attested": true}),
            )
            .await;
        assert_eq!(released.status, StatusCode::CREATED, "{}", released.text);
    }
    let accounting = |for_individual: bool| {
        api.post(
            "/v1/accounting/search",
            Some("privacy"),
            json!({"identifier": {"type": "ssn", "value": "123-45-6789"}, "for_individual": for_individual}),
        )
    };
    let staff = accounting(false).await;
    let bases: Vec<&str> = staff.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["basis"].as_str().unwrap())
        .collect();
    assert_eq!(bases, ["routine use A", "552a(b)(7)", "552a(b)(11)"]);
    // Privacy staff see each basis's evidence, sealed with its entry.
    let evidence = &staff.body["entries"][2]["evidence"];
    assert_eq!(
        evidence["court"], "U.S. District Court for the District of Columbia",
        "{evidence}"
    );
    assert_eq!(evidence["returnable_to"], "the Clerk of the Court");
    assert_eq!(staff.body["entries"][1]["evidence"]["signer"], "Director");
    // 552a(c)(1): the individual sees "the date, nature, and purpose of each disclosure ... and
    // the name and address of the person or agency to whom the disclosure is made"; exactly
    // that, of the two disclosures not made under (b)(7).
    let individual = accounting(true).await;
    let entries = individual.body["entries"].as_array().unwrap();
    let recipients: Vec<&str> = entries
        .iter()
        .map(|entry| entry["recipient"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        recipients,
        ["Office of the State Prosecutor", "U.S. District Court"]
    );
    for entry in entries {
        let keys: Vec<&str> = entry
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["date", "nature", "purpose", "recipient"], "{entry}");
        let recipient: Vec<&str> = entry["recipient"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(recipient, ["address", "name"], "{entry}");
    }
    assert!(!individual.text.contains("Clerk"), "never the evidence");
}

/// An element of a basis's evidence missing is a logged refusal naming it (31 CFR 1.22(f): the
/// notice of legal process holds "the case name and number, the court, the date and authority
/// to which the process is returnable").
#[tokio::test]
async fn a_release_missing_an_element_of_its_evidence_is_a_logged_refusal() {
    let api = api();
    summary(
        &api.ingest("ingester", &line("JOHN Q PUBLIC", "123-45-6789", 3), None)
            .await,
    );
    let found = api
        .post("/v1/search", Some("ana"), search_body("123-45-6789"))
        .await;
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    let answer = api
        .post(
            "/v1/disclosures",
            Some("disclosure"),
            json!({"records": [id], "recipient": {"name": "U.S. District Court", "address": "Washington, DC", "category": "court"},
                   "purpose": "litigation", "case": "DISC-1", "accuracy_attested": true,
                   "basis": {"condition": "b11", "evidence": "order-2026-55", "court": "U.S. District Court", "dated": "2026-11-20", "returnable_to": "the Clerk"}}),
        )
        .await;
    assert_eq!(
        (answer.status, answer.body["rule"].as_str()),
        (StatusCode::FORBIDDEN, Some("evidence-missing")),
        "{}",
        answer.text
    );
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap()
            .contains("`case_number`"),
        "{}",
        answer.text
    );
    let logged = disclosure_entries(&api).await;
    let entry = logged
        .iter()
        .find(|entry| entry["request_id"] == answer.request_id.as_str())
        .expect("the refusal is logged");
    assert_eq!(entry["rule"], "evidence-missing");
}

/// Seed 003, proposed 103.14(c), item (xi), through the gate: a bank's incoming transfer puts
/// the identifier on the U.S. recipient, an alien identification number stays one, and both
/// are found by what they are; the foreign sender is not found by them.
#[tokio::test]
async fn item_xi_is_indexed_on_its_party_as_its_own_kind() {
    let api = api();
    let file = "transmittor_institution,transmittor_name,transmittor_account,amount,currency,execution_date,recipient_institution,recipient_name,recipient_account,tin,tin_type\n\
                BANKDEFF,HANS MEIER,DE89,1500.00,USD,2026-11-20,BANKUS33,JOHN Q PUBLIC,000123,A123456789,alien-id\n";
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/v1/ingest?format=cbetf-csv&reporter=BANKUS33XXX&filed_on=2026-11-24")
        .header(
            "authorization",
            format!("Bearer {}", api.tokens["ingester"]),
        )
        .body(axum::body::Body::from(file))
        .unwrap();
    let answer = api.call(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(
        summary(&answer)["receipt"]["accepted"],
        1,
        "{}",
        answer.text
    );
    let search = |kind: &str, value: &str| {
        api.post(
            "/v1/search",
            Some("ana"),
            json!({"system": "fincen-cbetf", "identifier": {"type": kind, "value": value}, "purpose": "investigation", "case": "CASE-1"}),
        )
    };
    let by_alien_id = search("alien_id", "A123-456-789").await;
    assert_eq!(by_alien_id.status, StatusCode::OK, "{}", by_alien_id.text);
    let records = by_alien_id.body["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{}", by_alien_id.text);
    let subjects = records[0]["subjects"].as_array().unwrap();
    let recipient = subjects.iter().find(|s| s["role"] == "recipient").unwrap();
    assert_eq!(recipient["identifiers"]["alien_id"], "A123456789");
    let transmittor = subjects
        .iter()
        .find(|s| s["role"] == "transmittor")
        .unwrap();
    assert!(transmittor["identifiers"].get("alien_id").is_none());
    assert_eq!(records[0]["fields"]["direction"], "incoming");
    // Not stored as a TIN any more.
    let by_tin = search("tin", "A123456789").await;
    assert_eq!(by_tin.body["records"], json!([]), "{}", by_tin.text);
}

/// TTAR routine use R (seed 000): "To the news media and the public, with the approval of the
/// Chief Privacy Officer in consultation with counsel". Without the approval's evidence the
/// release is a logged refusal; with it, the approval is sealed with the accounting entry.
#[tokio::test]
async fn a_routine_use_with_a_condition_releases_only_with_its_evidence() {
    let api = api();
    let trade = json!({
        "system": "dhs-ice-005-ttar", "category": "trade-financial", "collected_at": "2026-05-02",
        "source": {"entry_number": "E-1", "system": "cbp-trade"},
        "subjects": [{"role": "importer", "name": "MARIA OKAFOR", "identifiers": {"importer_exporter_id": "12-3456789"}}],
        "fields": {"goods_description": "GOLD JEWELRY", "goods_value": "250000.00"}
    });
    summary(&api.ingest("ice-ingest", &trade.to_string(), None).await);
    let found = api
        .post(
            "/v1/search",
            Some("ice-analyst"),
            json!({"system": "dhs-ice-005-ttar", "identifier": {"type": "importer_exporter_id", "value": "12-3456789"}, "purpose": "investigation", "case": "CASE-1"}),
        )
        .await;
    let id = found.body["records"][0]["id"].as_str().unwrap().to_owned();
    let release = |basis: Value| {
        json!({"records": [id], "recipient": {"name": "Daily Planet", "address": "Metropolis", "category": "news-media"},
               "purpose": "public-interest", "case": "PUB-1", "basis": basis, "accuracy_attested": true})
    };
    let refused = api
        .post(
            "/v1/disclosures",
            Some("ice-disclosure"),
            release(json!({"routine_use": "R"})),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body["rule"].as_str()),
        (StatusCode::FORBIDDEN, Some("routine-use-condition-missing")),
        "{}",
        refused.text
    );
    let logged = disclosure_entries(&api).await;
    assert!(logged
        .iter()
        .any(|entry| entry["request_id"] == refused.request_id.as_str()
            && entry["rule"] == "routine-use-condition-missing"));
    let released = api
        .post(
            "/v1/disclosures",
            Some("ice-disclosure"),
            release(json!({"routine_use": "R", "approved_by": "Chief Privacy Officer", "approved_on": "2026-11-20", "approval_reference": "CPO-2026-14"})),
        )
        .await;
    assert_eq!(released.status, StatusCode::CREATED, "{}", released.text);
    let entries = api
        .post(
            "/v1/accounting/search",
            Some("ice-privacy"),
            json!({"identifier": {"type": "importer_exporter_id", "value": "12-3456789"}}),
        )
        .await;
    assert_eq!(entries.status, StatusCode::OK, "{}", entries.text);
    let evidence = &entries.body["entries"][0]["evidence"];
    assert_eq!(
        evidence["approved_by"], "Chief Privacy Officer",
        "{}",
        entries.text
    );
    assert_eq!(evidence["approval_reference"], "CPO-2026-14");
    assert_eq!(
        evidence["condition"],
        "approval of the Chief Privacy Officer in consultation with counsel"
    );
}

/// 31 CFR 1.22(g): after a (b)(8) disclosure the individual is notified, the notice stating "the
/// nature of the information disclosed, the person or agency to whom it was disclosed, the date
/// of disclosure, and the compelling circumstances justifying the disclosure"; 1.22(f): a
/// release under compulsory legal process notifies the individual of the court and the case,
/// unless the system is exempt from 552a(e)(8), in which case the log says why no notice was
/// made. Each notice is assigned to the officer who authorized the release.
#[tokio::test]
async fn notices_to_the_individual_state_what_their_rule_requires() {
    let api = api_with(open_system_policy());
    let id = one_open_record(&api).await;
    let release = |category: &str, purpose: &str, basis: Value| {
        json!({"records": [id], "recipient": {"name": "County Health Department", "address": "5 Clinic Road", "category": category},
               "purpose": purpose, "case": "DISC-1", "basis": basis, "accuracy_attested": true})
    };
    let emergency = api
        .post(
            "/v1/disclosures",
            Some("disclosure"),
            release("state-agency", "health-or-safety", json!({"condition": "b8", "evidence": "sha256:showing", "circumstances": "an imminent threat to the individual's life"})),
        )
        .await;
    assert_eq!(emergency.status, StatusCode::CREATED, "{}", emergency.text);
    let court = api
        .post(
            "/v1/disclosures",
            Some("disclosure"),
            release("court", "litigation", json!({"condition": "b11", "evidence": "order-2026-55", "court": "U.S. District Court", "case_number": "United States v. Doe, 1:26-cr-00042", "dated": "2026-11-20", "returnable_to": "the Clerk of the Court"})),
        )
        .await;
    assert_eq!(court.status, StatusCode::CREATED, "{}", court.text);
    let listed = api.get("/v1/notices", Some("privacy")).await;
    let notices = listed.body["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 2, "{}", listed.text);
    let b8 = notices
        .iter()
        .find(|n| n["kind"].as_str().unwrap().contains("(b)(8)"))
        .unwrap();
    assert_eq!(b8["assigned_to"], "disclosure");
    assert_eq!(
        b8["content"]["circumstances"],
        "an imminent threat to the individual's life"
    );
    assert_eq!(
        b8["content"]["recipient"],
        "County Health Department, 5 Clinic Road"
    );
    assert_eq!(b8["content"]["date"], "2026-11-24");
    assert_eq!(
        b8["content"]["nature"],
        "transmittal records of test-open, whole"
    );
    let process = notices
        .iter()
        .find(|n| n["kind"].as_str().unwrap().contains("legal process"))
        .unwrap();
    assert_eq!(process["content"]["court"], "U.S. District Court");
    assert_eq!(
        process["content"]["case_number"],
        "United States v. Doe, 1:26-cr-00042"
    );
    assert_eq!(
        process["content"]["returnable_to"],
        "the Clerk of the Court"
    );
    assert_eq!(process["content"]["information_sought"], "litigation");
    let sent = api
        .post(
            &format!("/v1/notices/{}/sent", b8["id"].as_str().unwrap()),
            Some("privacy"),
            json!({}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
}

/// 31 CFR 1.22(f): "when records concerning an individual are subpoenaed by a Grand Jury,
/// Court, or quasi-judicial agency, or disclosed in accordance with an ex parte court order
/// ... Notice shall be provided within five working days of making the records available
/// under compulsory legal process or, in the case of a Grand Jury subpoena or an ex parte
/// order, within five days of its becoming a matter of public record", stating "the date and
/// authority to which the subpoena is, or was returnable, or the date of and court issuing the
/// ex parte order, the name and number of the case or proceeding". Whatever basis the release
/// cites (a routine use for litigation here), the process makes the notice.
#[tokio::test]
async fn legal_process_makes_its_notice_whatever_the_basis() {
    let api = api_with(open_system_policy());
    let id = one_open_record(&api).await;
    let order = json!({"evidence": "sha256:process", "court": "U.S. District Court", "case_number": "United States v. Doe, 1:26-cr-00042", "dated": "2026-11-20", "returnable_to": "the Grand Jury"});
    let with = |basis: Value, extra: Value| {
        let mut basis = basis;
        for (key, value) in order
            .as_object()
            .unwrap()
            .iter()
            .chain(extra.as_object().unwrap())
        {
            basis[key] = value.clone();
        }
        basis
    };
    let b = json!({"routine_use": "B"});
    // (basis, status, the refusal's rule, the notice's due date: None for no notice,
    // Some(None) for one due from a public record not yet known)
    type Row = (
        Value,
        StatusCode,
        &'static str,
        Option<Option<&'static str>>,
    );
    let table: Vec<Row> = vec![
        (json!({"routine_use": "B"}), StatusCode::CREATED, "", None),
        // Five working days, Thanksgiving (2026-11-26) skipped.
        (
            with(b.clone(), json!({"process": "subpoena"})),
            StatusCode::CREATED,
            "",
            Some(Some("2026-12-02")),
        ),
        (
            with(b.clone(), json!({"process": "grand-jury-subpoena"})),
            StatusCode::CREATED,
            "",
            Some(None),
        ),
        // Five days after it became public record (days, not working days).
        (
            with(
                json!({"condition": "b11"}),
                json!({"process": "ex-parte-order", "public_on": "2026-11-20"}),
            ),
            StatusCode::CREATED,
            "",
            Some(Some("2026-11-25")),
        ),
        (
            with(
                b.clone(),
                json!({"process": "subpoena", "returnable_to": ""}),
            ),
            StatusCode::FORBIDDEN,
            "evidence-missing",
            None,
        ),
        (
            with(b.clone(), json!({"process": "a letter 123-45-6789"})),
            StatusCode::FORBIDDEN,
            "legal-process-unknown",
            None,
        ),
        (
            with(
                json!({"condition": "b8", "circumstances": "a threat"}),
                json!({"process": "subpoena"}),
            ),
            StatusCode::FORBIDDEN,
            "legal-process-basis",
            None,
        ),
        (
            with(
                b.clone(),
                json!({"process": "ex-parte-order", "public_on": "2027-01-01"}),
            ),
            StatusCode::FORBIDDEN,
            "legal-process-public-date",
            None,
        ),
    ];
    let mut pending = None;
    for (n, (basis, status, rule, due)) in table.into_iter().enumerate() {
        let before = api.get("/v1/notices", Some("privacy")).await.body["notices"]
            .as_array()
            .unwrap()
            .len();
        let answer = api
            .post(
                "/v1/disclosures",
                Some("disclosure"),
                json!({"records": [id], "recipient": {"name": "U.S. District Court", "address": "Washington, DC", "category": "court"},
                       "purpose": "litigation", "case": format!("DISC-{n}"), "basis": basis, "accuracy_attested": true}),
            )
            .await;
        assert_eq!(answer.status, status, "row {n}: {}", answer.text);
        if !rule.is_empty() {
            assert!(!answer.text.contains("123-45"), "row {n}: {}", answer.text);
            assert_eq!(answer.body["rule"], rule, "row {n}: {}", answer.text);
        }
        let notices = api.get("/v1/notices", Some("privacy")).await.body["notices"]
            .as_array()
            .unwrap()
            .clone();
        match due {
            None => assert_eq!(notices.len(), before, "row {n}"),
            Some(due) => {
                assert_eq!(notices.len(), before + 1, "row {n}");
                let made = notices.last().unwrap();
                assert_eq!(made["due"].as_str(), due, "row {n}: {made}");
                assert_eq!(answer.body["notice"]["due"].as_str(), due, "row {n}");
                assert_eq!(
                    made["content"]["case_number"],
                    "United States v. Doe, 1:26-cr-00042"
                );
                assert_eq!(made["content"]["court"], "U.S. District Court");
                if due.is_none() {
                    pending = Some(made["id"].as_str().unwrap().to_owned());
                }
            }
        }
    }
    let refusals: Vec<Value> = api
        .entries("action=record.disclose")
        .await
        .into_iter()
        .filter(|entry| entry["decision"] == "deny")
        .collect();
    assert_eq!(refusals.len(), 4, "{refusals:?}");
    assert!(refusals
        .iter()
        .all(|entry| !entry.to_string().contains("123-45")));
    // The grand-jury subpoena becomes public on 2026-11-23: due five days later, once. Until
    // then its notice is not sent (the process may still be secret).
    let pending = pending.unwrap();
    let early = api
        .post(
            &format!("/v1/notices/{pending}/sent"),
            Some("privacy"),
            json!({}),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);
    // The same id in capitals names the same notice, and meets the same checks (it used to
    // miss the lookup the checks read, and was marked sent).
    let shouted = api
        .post(
            &format!("/v1/notices/{}/sent", pending.to_uppercase()),
            Some("privacy"),
            json!({}),
        )
        .await;
    assert_eq!(shouted.status, StatusCode::CONFLICT, "{}", shouted.text);
    // (uri, status): an id not of the document's form is 400 on either route; a well-formed
    // id nobody holds 404.
    for (uri, status) in [
        ("/v1/notices/zz/sent".to_owned(), StatusCode::BAD_REQUEST),
        ("/v1/notices/zz/public".to_owned(), StatusCode::BAD_REQUEST),
        (
            format!("/v1/notices/6e{}/sent", "0".repeat(20)),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/v1/notices/6e{}/public", "0".repeat(20)),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let body = json!({"on": "2026-11-23"});
        let answer = api.post(&uri, Some("privacy"), body).await;
        assert_eq!(answer.status, status, "{uri}: {}", answer.text);
    }
    let uri = format!("/v1/notices/{pending}/public");
    // A day in the future depends on the day: 422.
    let future = api
        .post(&uri, Some("privacy"), json!({"on": "2027-01-01"}))
        .await;
    assert_eq!(
        future.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        future.text
    );
    let made = api
        .post(&uri, Some("privacy"), json!({"on": "2026-11-23"}))
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    assert_eq!(made.body["due"], "2026-11-28");
    let again = api
        .post(&uri, Some("privacy"), json!({"on": "2026-11-23"}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let listed = api.get("/v1/notices", Some("privacy")).await;
    let notice = listed.body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|notice| notice["id"] == pending.as_str())
        .unwrap()
        .clone();
    assert_eq!(notice["due"], "2026-11-28");
    assert_eq!(notice["public_on"], "2026-11-23");
    // A subpoena's notice is due from the release, never from a public record.
    let subpoena = listed.body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|notice| notice["due"] == "2026-12-02")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = api
        .post(
            &format!("/v1/notices/{subpoena}/public"),
            Some("privacy"),
            json!({"on": "2026-11-23"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(api.entries("action=notice.public").await.len(), 1);
    let sent = api
        .post(
            &format!("/v1/notices/{pending}/sent"),
            Some("privacy"),
            json!({}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
}

/// Seed 000: "Pursuant to 5 U.S.C. 552a(j)(2) of the Privacy Act, portions of this system are
/// exempt from 5 U.S.C. 552a(c)(3) and (4); ... and (e)(8)", and "ICE and DHS are not
/// exempting any records that were ingested or indexed by TTAR where the source system of
/// records already provides access and/or amendment under the Privacy Act". A TTAR record names
/// its source system; the notice of legal process (1.22(f)) and the notices of correction to
/// prior recipients (552a(c)(4)) are skipped only for records of sources that give neither,
/// and each skipped notice of legal process is logged.
#[tokio::test]
async fn ttar_skips_notices_only_for_the_exempt_portions() {
    // (source system, in the exempt portion)
    let table = [
        ("cbp-trade", false),
        ("treasury-sdn", true),
        ("commerce", false),
        ("foreign", true),
        ("ttar-analysis", true),
        ("cbp-tecs", true),
        ("treasury-bsa", true),
    ];
    let api = harness::api();
    let mut ids = Vec::new();
    for (n, (source, _)) in table.iter().enumerate() {
        let trade = json!({
            "system": "dhs-ice-005-ttar", "category": "trade-financial", "collected_at": "2026-05-02",
            "source": {"entry_number": format!("E-{n}"), "system": source},
            "subjects": [{"role": "importer", "name": "MARIA OKAFOR", "identifiers": {"importer_exporter_id": format!("12-345678{n}")}}],
            "fields": {"goods_description": "GOLD JEWELRY"}
        });
        summary(&api.ingest("ice-ingest", &trade.to_string(), None).await);
        let found = api
            .post(
                "/v1/search",
                Some("ice-analyst"),
                json!({"system": "dhs-ice-005-ttar", "identifier": {"type": "importer_exporter_id", "value": format!("12-345678{n}")}, "purpose": "investigation", "case": "CASE-1"}),
            )
            .await;
        ids.push(found.body["records"][0]["id"].as_str().unwrap().to_owned());
    }
    let released = api
        .post(
            "/v1/disclosures",
            Some("ice-disclosure"),
            json!({"records": ids, "recipient": {"name": "U.S. District Court", "address": "Washington, DC", "category": "court"},
                   "purpose": "litigation", "case": "DISC-1", "accuracy_attested": true,
                   "basis": {"condition": "b11", "evidence": "order-2026-55", "court": "U.S. District Court", "case_number": "United States v. Doe, 1:26-cr-00042", "dated": "2026-11-20", "returnable_to": "the Clerk of the Court"}}),
        )
        .await;
    assert_eq!(released.status, StatusCode::CREATED, "{}", released.text);
    let suppressed = api.entries("action=notice.suppressed").await;
    assert_eq!(suppressed.len(), 1, "{suppressed:?}");
    assert!(
        suppressed[0]["outcome"]
            .as_str()
            .unwrap()
            .contains("exempt from 552a(e)(8) under 552a(j)(2)"),
        "{}",
        suppressed[0]
    );
    let logged: Vec<&str> = suppressed[0]["record_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    let listed = api.get("/v1/notices", Some("ice-privacy")).await;
    let notices = listed.body["notices"].as_array().unwrap().clone();
    for ((source, exempt), id) in table.iter().zip(&ids) {
        let to_individual = notices
            .iter()
            .filter(|n| {
                n["record"] == id.as_str() && n["kind"].as_str().unwrap().contains("legal process")
            })
            .count();
        assert_eq!(
            to_individual,
            usize::from(!exempt),
            "{source}: {}",
            listed.text
        );
        assert_eq!(logged.contains(&id.as_str()), *exempt, "{source}");
    }
    // A correction of each: the court, a prior recipient, is told of those outside the
    // exempt portions only.
    for ((source, exempt), id) in table.iter().zip(&ids) {
        let made = api
            .post(
                &format!("/v1/records/{id}/annotations"),
                Some("ice-privacy"),
                json!({"kind": "correction", "portions": ["fields.goods_description"], "text": "GOLD BULLION", "purpose": "privacy-act-request"}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{source}: {}", made.text);
        assert_eq!(
            made.body["notices"],
            u64::from(!exempt),
            "{source}: {}",
            made.text
        );
    }
}

/// A TTAR record stored before the notice listed its sources names none: it is not shown to
/// come from a source that "already provides access and/or amendment" (seed 000), so the
/// claims cover it; the gate counts such records once at start and logs them. A release whose
/// records are all exempt announces no notice; a (b)(8) release of an exempt record still
/// makes its notice (1.22(g) is not (e)(8)); a release of no exempt record logs no
/// suppression.
#[tokio::test]
async fn ttar_records_without_a_source_keep_the_exemption_and_are_counted() {
    let mut stored = Vec::new();
    let api = api_after(policy::Policy::builtin().unwrap(), |vault| {
        let contents = |n: usize, source: Option<&str>| {
            let mut provenance: std::collections::BTreeMap<String, String> =
                [("entry_number".to_owned(), format!("E-{n}"))].into();
            if let Some(source) = source {
                provenance.insert("system".into(), source.into());
            }
            model::RecordContents {
                system: model::SystemId::new("dhs-ice-005-ttar").unwrap(),
                category: "trade-financial".into(),
                collected_at: now() - chrono::Duration::days(30),
                source: provenance,
                subjects: vec![model::Subject {
                    role: "importer".into(),
                    name: Some("MARIA OKAFOR".into()),
                    identifiers: vec![model::Identifier::new(
                        model::IdentifierKind::ImporterExporterId,
                        format!("12-345678{n}"),
                    )],
                }],
                fields: [("goods_description".to_owned(), "GOLD JEWELRY".to_owned())].into(),
            }
        };
        stored = vault
            .ingest(
                &vault::Access::offline("tester", "intake"),
                &[
                    contents(0, None),
                    contents(1, Some("foreign")),
                    contents(2, Some("cbp-trade")),
                ],
                now(),
            )
            .unwrap();
    });
    let [legacy, foreign, trade] = [0, 1, 2].map(|n| stored[n].to_string());
    let counted = api.entries("action=sources.unknown").await;
    assert_eq!(counted.len(), 1, "{counted:?}");
    assert_eq!(counted[0]["record_ids"], json!([legacy]), "{}", counted[0]);
    assert!(counted[0]["outcome"]
        .as_str()
        .unwrap()
        .contains("1 name no source system"));
    let court = |ids: &[&str]| {
        json!({"records": ids, "recipient": {"name": "U.S. District Court", "address": "Washington, DC", "category": "court"},
               "purpose": "litigation", "case": "DISC-1", "accuracy_attested": true,
               "basis": {"condition": "b11", "evidence": "order-2026-55", "court": "U.S. District Court", "case_number": "United States v. Doe, 1:26-cr-00042", "dated": "2026-11-20", "returnable_to": "the Clerk of the Court"}})
    };
    let notices = || async {
        api.get("/v1/notices", Some("ice-privacy")).await.body["notices"]
            .as_array()
            .unwrap()
            .len()
    };
    // (records released, notice announced, notices made, records logged as suppressed)
    type Row<'a> = (Vec<&'a str>, bool, usize, Option<Vec<&'a str>>);
    let table: Vec<Row<'_>> = vec![
        (
            vec![&legacy, &foreign],
            false,
            0,
            Some(vec![&legacy, &foreign]),
        ),
        (vec![&trade], true, 1, None),
        (vec![&legacy, &trade], true, 1, Some(vec![&legacy])),
    ];
    for (n, (ids, announced, made, suppressed)) in table.into_iter().enumerate() {
        let before = notices().await;
        let logged_before = api.entries("action=notice.suppressed").await.len();
        let answer = api
            .post("/v1/disclosures", Some("ice-disclosure"), court(&ids))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "row {n}: {}",
            answer.text
        );
        assert_eq!(
            !answer.body["notice"].is_null(),
            announced,
            "row {n}: {}",
            answer.text
        );
        assert_eq!(notices().await - before, made, "row {n}");
        let logged = api.entries("action=notice.suppressed").await;
        match suppressed {
            None => assert_eq!(logged.len(), logged_before, "row {n}: {logged:?}"),
            Some(expected) => {
                assert_eq!(logged.len(), logged_before + 1, "row {n}");
                assert_eq!(
                    logged.last().unwrap()["record_ids"],
                    json!(expected),
                    "row {n}"
                );
            }
        }
    }
    // (b)(8) is not (e)(8): the emergency notice goes out for an exempt record too.
    let before = notices().await;
    let emergency = api
        .post(
            "/v1/disclosures",
            Some("ice-disclosure"),
            json!({"records": [foreign], "recipient": {"name": "County Health Department", "address": "5 Clinic Road", "category": "state-agency"},
                   "purpose": "health-or-safety", "case": "DISC-2", "accuracy_attested": true,
                   "basis": {"condition": "b8", "evidence": "sha256:showing", "circumstances": "an imminent threat to the individual's life"}}),
        )
        .await;
    assert_eq!(emergency.status, StatusCode::CREATED, "{}", emergency.text);
    assert!(!emergency.body["notice"].is_null());
    assert_eq!(notices().await, before + 1);
}

/// A record of a system that lists its sources names one of them; the refusal names the
/// notice's codes and never repeats an unknown one.
#[tokio::test]
async fn a_ttar_record_names_a_source_of_the_notice() {
    let api = harness::api();
    type Row = (Option<&'static str>, &'static str);
    let table: [Row; 3] = [
        (None, "names its source system in `source.system`"),
        (
            Some("SSN 123-45-6789"),
            "is not a source of `dhs-ice-005-ttar`",
        ),
        (Some("cbp-trade"), ""),
    ];
    for (source, refusal) in table {
        let mut trade = json!({
            "system": "dhs-ice-005-ttar", "category": "trade-financial", "collected_at": "2026-05-02",
            "source": {"entry_number": "E-1"},
            "subjects": [{"role": "importer", "name": "MARIA OKAFOR", "identifiers": {"importer_exporter_id": "12-3456789"}}],
            "fields": {"goods_description": "GOLD JEWELRY"}
        });
        if let Some(source) = source {
            trade["source"]["system"] = json!(source);
        }
        let answer = api.ingest("ice-ingest", &trade.to_string(), None).await;
        if refusal.is_empty() {
            assert_eq!(summary(&answer)["ingested"], 1, "{}", answer.text);
        } else {
            assert_eq!(summary(&answer)["ingested"], 0, "{}", answer.text);
            assert!(answer.text.contains(refusal), "{}", answer.text);
            assert!(
                answer.text.contains("cbp-trade, cbp-tecs"),
                "{}",
                answer.text
            );
            assert!(!answer.text.contains("123-45"), "{}", answer.text);
        }
    }
}

/// Seed 001 paragraph 5 designates "the individual that is the subject of a PNR": one person.
/// A designation names its subject by passport; one by date of birth (which many passengers
/// share) is refused, and a designated passenger's date of birth opens no one else's record.
#[tokio::test]
async fn a_designation_opens_only_its_own_passengers_records() {
    let api = api();
    let with_dob = |passport: &str| {
        let mut line: Value = serde_json::from_str(&pnr_line("SAME BIRTHDAY", passport)).unwrap();
        line["subjects"][0]["identifiers"]["dob"] = json!("1980-01-01");
        line.to_string()
    };
    summary(
        &api.ingest(
            "cbp-ingest",
            &[with_dob("P8200001"), with_dob("P8200002")].join("\n"),
            None,
        )
        .await,
    );
    let id_of = |passport: &'static str| {
        let api = &api;
        async move {
            let found = api
                .post(
                    "/v1/search",
                    Some("cbp-analyst"),
                    json!({"system": "cbp-pnr", "identifier": {"type": "passport", "value": passport, "country": "FR"}, "purpose": "counterterrorism", "case": "PNR-1"}),
                )
                .await;
            found.body["records"][0]["id"].as_str().unwrap().to_owned()
        }
    };
    let (a, b) = (id_of("P8200001").await, id_of("P8200002").await);
    let by_dob = api
        .post(
            "/v1/designations",
            Some("cbp-analyst"),
            json!({"system": "cbp-pnr", "subject": {"type": "dob", "value": "1980-01-01"},
                   "purpose": "counterterrorism", "case": "PNR-1", "reason": "pattern", "review_on": "2026-12-24"}),
        )
        .await;
    assert_eq!(by_dob.status, StatusCode::BAD_REQUEST, "{}", by_dob.text);
    let made = api
        .post(
            "/v1/designations",
            Some("cbp-analyst"),
            designation("P8200001", "2026-12-24", "pattern"),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert!(osi_shown(&api, "cbp-analyst", &a).await);
    assert!(
        !osi_shown(&api, "cbp-analyst", &b).await,
        "the same birthday opens nothing"
    );
}

/// Seed 000, Notification procedure: "To the extent that a record is exempted in a source
/// system, the exemption will continue to apply"; "After conferring with the appropriate
/// component or agency, as applicable, DHS may waive applicable exemptions in appropriate
/// circumstances"; "ICE and DHS are not exempting any records that were ingested or indexed by
/// TTAR where the source system of records already provides access and/or amendment under the
/// Privacy Act". 31 CFR 1.26(e): another agency's record goes out after consultation with it.
/// Three records of one requester (a source that gives access, an exempt source waived after
/// consultation, another agency's) and an exempt one whose existence the response never shows.
#[tokio::test]
async fn ttar_access_follows_each_records_source_and_reads_the_same_with_or_without_exempt_ones() {
    let api = harness::api();
    let ingest = |source: &'static str, entry: &'static str| {
        let line = json!({
            "system": "dhs-ice-005-ttar", "category": "trade-financial", "collected_at": "2026-05-02",
            "source": {"entry_number": entry, "system": source},
            "subjects": [{"role": "importer", "name": "MARIA OKAFOR", "identifiers": {"ssn": "123-45-6789"}}],
            "fields": {"goods_description": "GOLD JEWELRY"}
        })
        .to_string();
        let api = &api;
        async move { summary(&api.ingest("ice-ingest", &line, None).await) }
    };
    for (source, entry) in [
        ("cbp-trade", "E-1"),
        ("cbp-tecs", "E-2"),
        ("commerce", "E-3"),
    ] {
        assert_eq!(ingest(source, entry).await["ingested"], 1);
    }
    let facts = json!([
        "full-name",
        "current-address",
        "date-of-birth",
        "place-of-birth"
    ]);
    let mut requests = Vec::new();
    for _ in 0..2 {
        let opened = api
            .post(
                "/v1/requests",
                Some("ice-privacy"),
                json!({"kind": "access", "requester": "MARIA OKAFOR",
                       "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                       "systems": ["dhs-ice-005-ttar"], "received": "2026-11-20"}),
            )
            .await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
        let id = opened.body["id"].as_str().unwrap().to_owned();
        for body in [
            json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"], "facts": facts}),
            json!({"kind": "determined", "outcome": "partly-granted", "reasons": "exempt in part under 552a(j)(2)"}),
        ] {
            let answer = api
                .post(
                    &format!("/v1/requests/{id}/events"),
                    Some("ice-privacy"),
                    body,
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        }
        requests.push(id);
    }
    let request = requests[0].clone();
    // The officer sees each record's source, whether the claim covers it, and whom to consult.
    let found = api
        .get(
            &format!("/v1/requests/{request}/records"),
            Some("ice-privacy"),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let mut by_source = std::collections::BTreeMap::new();
    for item in found.body["records"].as_array().unwrap() {
        by_source.insert(
            item["source"].as_str().unwrap().to_owned(),
            (
                item["id"].as_str().unwrap().to_owned(),
                item["exemption"].clone(),
                item["consult"].clone(),
            ),
        );
    }
    let rows = [
        ("cbp-trade", Value::Null, Value::Null),
        ("cbp-tecs", json!("552a(j)(2)"), json!("dhs-cbp")),
        ("commerce", Value::Null, json!("commerce")),
    ];
    for (source, exemption, consult) in rows {
        let (_, got_exemption, got_consult) = &by_source[source];
        assert_eq!(
            (got_exemption, got_consult),
            (&exemption, &consult),
            "{source}: {}",
            found.text
        );
    }
    let id_of = |source: &str| by_source[source].0.clone();
    let respond = |request: String, release: Vec<String>, waive_sources: Value| {
        let api = &api;
        async move {
            api.post(
                &format!("/v1/requests/{request}/response"),
                Some("ice-privacy"),
                json!({"official": "ICE FOIA Officer", "release": release, "waive_sources": waive_sources}),
            )
            .await
        }
    };
    // (records named, sources waived, status, rule in the answer).
    let table = [
        (vec!["cbp-trade"], json!([]), StatusCode::OK, ""),
        (
            vec!["cbp-trade", "cbp-tecs"],
            json!([]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "exempt from access under 552a(j)(2)",
        ),
        (
            vec!["cbp-tecs"],
            json!(["cbp-tecs"]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "only once dhs-cbp has been consulted",
        ),
        (
            vec!["commerce"],
            json!([]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "only once commerce has been consulted",
        ),
    ];
    for (n, (named, waived, status, words)) in table.into_iter().enumerate() {
        let release = named.iter().map(|source| id_of(source)).collect();
        let answer = respond(request.clone(), release, waived).await;
        assert_eq!(answer.status, status, "row {n}: {}", answer.text);
        assert!(answer.text.contains(words), "row {n}: {}", answer.text);
    }
    let refusals = api.entries("action=request.response").await;
    assert!(
        refusals
            .iter()
            .any(|entry| entry["rule"] == "response-record-exempt"),
        "{refusals:?}"
    );
    // One consultation per owner serves every request that finds its records.
    for (owner, source) in [("dhs-cbp", "cbp-tecs"), ("commerce", "commerce")] {
        let asked = api
            .post(
                "/v1/consultations",
                Some("ice-privacy"),
                json!({"owner": owner, "records": [id_of(source)], "request": request}),
            )
            .await;
        assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
        let consultation = asked.body["id"].as_str().unwrap().to_owned();
        let answered = api
            .post(
                &format!("/v1/consultations/{consultation}/answer"),
                Some("ice-privacy"),
                json!({"answer": "release"}),
            )
            .await;
        assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
    }
    // A referral (31 CFR 1.26(e)): the other agency answers the requester directly, and the
    // requester is told.
    let none_yet = api
        .post(
            &format!("/v1/requests/{}/letters", requests[1]),
            Some("ice-privacy"),
            json!({"kind": "referral", "official": "ICE FOIA Officer"}),
        )
        .await;
    assert_eq!(
        none_yet.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        none_yet.text
    );
    let referred = api
        .post(
            "/v1/consultations",
            Some("ice-privacy"),
            json!({"owner": "commerce", "records": [id_of("commerce")], "request": requests[1]}),
        )
        .await;
    assert_eq!(referred.status, StatusCode::CREATED, "{}", referred.text);
    let answered = api
        .post(
            "/v1/consultations/CN-3/answer",
            Some("ice-privacy"),
            json!({"answer": "referred"}),
        )
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
    // (uri, body, status): what breaks the document is 400; an owner no notice names, an
    // answer dated in the future 422; an unknown consultation 404; a second answer 409.
    let record = id_of("commerce");
    let rows = [
        (
            "/v1/consultations",
            json!({"owner": "nobody", "records": [record], "request": requests[1]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/v1/consultations",
            json!({"owner": "commerce", "records": [record], "request": "HR-2026-000001"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/v1/consultations",
            json!({"owner": "commerce", "records": [], "request": requests[1]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/v1/consultations",
            json!({"owner": "commerce", "records": [record], "request": "PA-2026-999999"}),
            StatusCode::NOT_FOUND,
        ),
        (
            "/v1/consultations/CN-3/answer",
            json!({"answer": "release"}),
            StatusCode::CONFLICT,
        ),
        (
            "/v1/consultations/CN-99/answer",
            json!({"answer": "release"}),
            StatusCode::NOT_FOUND,
        ),
        (
            "/v1/consultations/CN-3/answer",
            json!({"answer": "maybe"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/v1/consultations/CN-3/answer",
            json!({"answer": "release", "on": "2026-1-5"}),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (uri, body, status) in rows {
        let answer = api.post(uri, Some("ice-privacy"), body.clone()).await;
        assert_eq!(answer.status, status, "{uri} {body}: {}", answer.text);
    }
    let asked = api
        .post(
            "/v1/consultations",
            Some("ice-privacy"),
            json!({"owner": "commerce", "records": [record], "request": requests[1]}),
        )
        .await;
    let id = asked.body["id"].as_str().unwrap().to_owned();
    let future = api
        .post(
            &format!("/v1/consultations/{id}/answer"),
            Some("ice-privacy"),
            json!({"answer": "release", "on": "2099-01-01"}),
        )
        .await;
    assert_eq!(
        future.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        future.text
    );
    let letter = api
        .post(
            &format!("/v1/requests/{}/letters", requests[1]),
            Some("ice-privacy"),
            json!({"kind": "referral", "official": "ICE FOIA Officer"}),
        )
        .await;
    assert_eq!(letter.status, StatusCode::CREATED, "{}", letter.text);
    assert!(
        letter
            .text
            .contains("referred them to commerce for a direct response")
            && letter.text.contains("this is not a denial"),
        "{}",
        letter.text
    );
    let all = vec![id_of("cbp-trade"), id_of("cbp-tecs"), id_of("commerce")];
    for request in &requests {
        let answer = respond(request.clone(), all.clone(), json!(["cbp-tecs"])).await;
        assert_eq!(answer.status, StatusCode::OK, "{request}: {}", answer.text);
        assert_eq!(answer.body["records"].as_array().unwrap().len(), 3);
    }
    // The mixed response: the open record with the fixed words, byte for byte the same before
    // and after an exempt record of the requester is stored.
    let court_order = |record: String| {
        json!({"records": [record], "recipient": {"name": "U.S. District Court", "address": "Washington, DC", "category": "court"},
               "purpose": "litigation", "case": "DISC-1", "accuracy_attested": true,
               "basis": {"condition": "b11", "evidence": "order-2026-55", "court": "U.S. District Court", "case_number": "United States v. Doe, 1:26-cr-00042", "dated": "2026-11-20", "returnable_to": "the Clerk of the Court"}})
    };
    let disclosed = api
        .post(
            "/v1/disclosures",
            Some("ice-disclosure"),
            court_order(id_of("cbp-trade")),
        )
        .await;
    assert_eq!(disclosed.status, StatusCode::CREATED, "{}", disclosed.text);
    let before = respond(request.clone(), vec![id_of("cbp-trade")], json!([])).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    // The open record's disclosure is accounted for (its source gives access); TTAR's claims
    // from 552a(c)(3) cover only the rest.
    assert_eq!(
        before.body["accounting"].as_array().unwrap().len(),
        1,
        "{}",
        before.text
    );
    assert!(
        before.text.contains("beyond them, no record available to you pursuant to the Privacy Act of 1974 has been identified"),
        "{}",
        before.text
    );
    assert_eq!(ingest("foreign", "E-4").await["ingested"], 1);
    // Disclosed under a court order: its accounting entry must not show either.
    let listed = api
        .get(
            &format!("/v1/requests/{request}/records"),
            Some("ice-privacy"),
        )
        .await;
    let foreign = listed.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["source"] == "foreign")
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .unwrap();
    let disclosed = api
        .post(
            "/v1/disclosures",
            Some("ice-disclosure"),
            court_order(foreign),
        )
        .await;
    assert_eq!(disclosed.status, StatusCode::CREATED, "{}", disclosed.text);
    let after = respond(request.clone(), vec![id_of("cbp-trade")], json!([])).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.text);
    // Each response seals its letter as the case's next one; all else is the same bytes.
    let unnumbered = |answer: &harness::Answer| {
        let mut body = answer.body.clone();
        body.as_object_mut().unwrap().remove("letter_number");
        body.to_string()
    };
    assert_eq!(
        unnumbered(&before),
        unnumbered(&after),
        "the exempt record shows in the response"
    );
    // The year's statistics count both requests under TTAR, partly granted, and the exemption
    // only where a response withheld something under it: the first (its exempt records kept
    // back), not the second (every record it found released), though both letters print the
    // same fixed paragraph.
    let statistics = api
        .get("/v1/reports/requests?year=2026", Some("auditor"))
        .await;
    assert_eq!(statistics.status, StatusCode::OK, "{}", statistics.text);
    let ttar = statistics.body["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["system"] == "dhs-ice-005-ttar")
        .cloned()
        .unwrap();
    assert_eq!(
        (
            ttar["received"].clone(),
            ttar["partly_granted"].clone(),
            ttar["exemptions"].clone()
        ),
        (json!(2), json!(2), json!({"552a(j)(2)": 1})),
        "{ttar}"
    );
}

/// Seed 000: TTAR's records are kept "five years in DARTTS, archived five more"; 31 CFR
/// 1.25(b)(3): "When records are transferred to a Federal Records Center ... the accounting ...
/// shall be transferred with the records"; 1.29(a): such records are still the component's,
/// under the Act. A records officer transfers an archived cohort: its package verifies and
/// opens with the vault's keys; a role the archive admits but a transfer does not (the
/// disclosure officer) no longer finds its records; a request still finds and answers one, and
/// its accounting is found by the individual's identifier; once the cohort is destroyed on
/// schedule the package opens with nothing.
#[tokio::test]
async fn a_cohort_transferred_to_a_records_center_stays_under_the_act_and_dies_on_schedule() {
    let api = harness::api();
    let trade = |collected: &str, entry: &str| {
        json!({
            "system": "dhs-ice-005-ttar", "category": "trade-financial", "collected_at": collected,
            "source": {"entry_number": entry, "system": "cbp-trade"},
            "subjects": [{"role": "importer", "name": "MARIA OKAFOR", "identifiers": {"ssn": "123-45-6789"}}],
            "fields": {"goods_description": "GOLD JEWELRY"}
        })
        .to_string()
    };
    let done = summary(
        &api.ingest(
            "ice-ingest",
            &[trade("2020-03-02", "E-2020"), trade("2026-05-02", "E-2026")].join("\n"),
            None,
        )
        .await,
    );
    assert_eq!(done["ingested"], 2, "{done}");
    let search = json!({"system": "dhs-ice-005-ttar", "identifier": {"type": "ssn", "value": "123-45-6789"}, "purpose": "investigation", "case": "C-1"});
    let before = api
        .post("/v1/search", Some("ice-disclosure"), search.clone())
        .await;
    assert_eq!(
        before.body["records"].as_array().unwrap().len(),
        2,
        "{}",
        before.text
    );
    let id_of = |collected: &str| {
        before.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|record| {
                record["collected_at"]
                    .as_str()
                    .unwrap()
                    .starts_with(collected)
            })
            .map(|record| record["id"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let (archived, current) = (id_of("2020"), id_of("2026"));
    let disclosed = api
        .post(
            "/v1/disclosures",
            Some("ice-disclosure"),
            json!({"records": [archived], "recipient": {"name": "U.S. District Court", "address": "Washington, DC", "category": "court"},
                   "purpose": "litigation", "case": "DISC-1", "accuracy_attested": true,
                   "basis": {"condition": "b11", "evidence": "order-2026-55", "court": "U.S. District Court", "case_number": "United States v. Doe, 1:26-cr-00042", "dated": "2026-11-20", "returnable_to": "the Clerk of the Court"}}),
        )
        .await;
    assert_eq!(disclosed.status, StatusCode::CREATED, "{}", disclosed.text);
    let cohort_of = |id: &str| {
        api.vault
            .period_cohort_of(&id.parse().unwrap())
            .unwrap()
            .unwrap()
    };
    let transfer = |who: &'static str, cohort: u32| {
        let api = &api;
        async move {
            api.post("/v1/transfers", Some(who), json!({"cohort": cohort}))
                .await
        }
    };
    // Only records officers; only a cohort wholly in a phase the notice lets go.
    let refusals = [
        (
            "ice-analyst",
            cohort_of(&archived),
            StatusCode::FORBIDDEN,
            "no rule",
        ),
        (
            "records",
            cohort_of(&current),
            StatusCode::CONFLICT,
            "today: production to production",
        ),
        (
            "records",
            999_999,
            StatusCode::NOT_FOUND,
            "no period cohort",
        ),
    ];
    for (who, cohort, status, words) in refusals {
        let answer = transfer(who, cohort).await;
        assert_eq!(answer.status, status, "{who} {cohort}: {}", answer.text);
        assert!(
            answer.text.contains(words),
            "{who} {cohort}: {}",
            answer.text
        );
    }
    let made = transfer("records", cohort_of(&archived)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.body["transfer"].as_str().unwrap().to_owned();
    assert!(
        made.body["certificate"]
            .as_str()
            .unwrap()
            .contains("1 records, 0 annotations, 1 accounting entries"),
        "{}",
        made.text
    );
    let again = transfer("records", cohort_of(&archived)).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    // The package verifies against the log's public key alone, and holds nothing in the clear.
    let package = api
        .get(&format!("/v1/transfers/{id}/package"), Some("records"))
        .await;
    assert_eq!(package.status, StatusCode::OK);
    let manifest =
        vault::transfer::verify_package(&package.bytes, &api.vault.log_public_key().unwrap())
            .unwrap();
    assert_eq!(manifest.transfer, id);
    for secret in [
        "MARIA OKAFOR",
        "123-45-6789",
        "GOLD JEWELRY",
        "U.S. District Court",
    ] {
        assert!(
            !package
                .bytes
                .windows(secret.len())
                .any(|w| w == secret.as_bytes()),
            "{secret} in the package"
        );
    }
    // The disclosure officer, whom the archive admits, no longer finds the transferred record.
    let after = api
        .post("/v1/search", Some("ice-disclosure"), search.clone())
        .await;
    assert_eq!(
        (after.body["found"].clone(), after.body["withheld"].clone()),
        (json!(2), json!(1)),
        "{}",
        after.text
    );
    assert_eq!(after.body["records"][0]["id"], current.as_str());
    // A request finds and answers it; its accounting is found by the requester's identifier.
    let opened = api
        .post(
            "/v1/requests",
            Some("ice-privacy"),
            json!({"kind": "access", "requester": "MARIA OKAFOR",
                   "identifiers": [{"type": "ssn", "value": "123-45-6789"}],
                   "systems": ["dhs-ice-005-ttar"], "received": "2026-11-20"}),
        )
        .await;
    let request = opened.body["id"].as_str().unwrap().to_owned();
    // The request's preservation hold moves the vault's copy into the hold's cohort; the
    // record is still the one at the records center, and the disclosure officer still does
    // not find it.
    let held = api
        .post("/v1/search", Some("ice-disclosure"), search.clone())
        .await;
    assert_eq!(
        (held.body["found"].clone(), held.body["withheld"].clone()),
        (json!(2), json!(1)),
        "{}",
        held.text
    );
    // Nothing joins a transferred period: its package is what the records center holds.
    let late = api
        .ingest("ice-ingest", &trade("2020-03-05", "E-2020-LATE"), None)
        .await;
    assert!(
        late.text.contains(
            "was transferred to a records center: the package carries what the period held"
        ),
        "{}",
        late.text
    );
    assert!(!late.text.contains("E-2020-LATE"), "{}", late.text);
    for body in [
        json!({"kind": "identity-verified", "method": "notarized", "evidence": ["notarized-statement"],
               "facts": ["full-name", "current-address", "date-of-birth", "place-of-birth"]}),
        json!({"kind": "determined", "outcome": "granted", "reasons": ""}),
    ] {
        let answer = api
            .post(
                &format!("/v1/requests/{request}/events"),
                Some("ice-privacy"),
                body,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    let listed = api
        .get(
            &format!("/v1/requests/{request}/records"),
            Some("ice-privacy"),
        )
        .await;
    assert!(listed.text.contains(&archived), "{}", listed.text);
    let response = api
        .post(
            &format!("/v1/requests/{request}/response"),
            Some("ice-privacy"),
            json!({"official": "ICE FOIA Officer", "release": [archived, current]}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(
        response.body["records"].as_array().unwrap().len(),
        2,
        "{}",
        response.text
    );
    let entries = api
        .post(
            "/v1/accounting/search",
            Some("ice-privacy"),
            json!({"identifier": {"type": "ssn", "value": "123-45-6789"}, "for_individual": false}),
        )
        .await;
    assert_eq!(
        entries.body["entries"].as_array().unwrap().len(),
        1,
        "{}",
        entries.text
    );
    // Read back for the request, the hold or an audit, logged; by no one else.
    let recall = |who: &'static str, purpose: &str, case: &str| {
        let api = &api;
        let body = json!({"purpose": purpose, "case": case});
        let uri = format!("/v1/transfers/{id}/recall");
        async move { api.post(&uri, Some(who), body).await }
    };
    let recalled = recall("ice-privacy", "privacy-act-request", &request).await;
    assert_eq!(recalled.status, StatusCode::OK, "{}", recalled.text);
    assert_eq!(
        (
            recalled.body["records"].clone(),
            recalled.body["accounting_entries"].clone()
        ),
        (json!([archived]), json!(1)),
        "{}",
        recalled.text
    );
    // (who, purpose, case, status, rule): each role for its own purpose, on a case the vault
    // has.
    let table = [
        ("auditor", "audit", "AUD-1", StatusCode::OK, ""),
        ("ice-analyst", "audit", "AUD-1", StatusCode::FORBIDDEN, ""),
        ("auditor", "curiosity", "AUD-1", StatusCode::BAD_REQUEST, ""),
        (
            "auditor",
            "privacy-act-request",
            request.as_str(),
            StatusCode::FORBIDDEN,
            "recall-purpose-not-the-roles",
        ),
        (
            "ice-privacy",
            "audit",
            "AUD-1",
            StatusCode::FORBIDDEN,
            "recall-purpose-not-the-roles",
        ),
        (
            "ice-privacy",
            "privacy-act-request",
            "PA-2026-000099",
            StatusCode::FORBIDDEN,
            "recall-case-unknown",
        ),
        (
            "records",
            "hold",
            "H-99",
            StatusCode::FORBIDDEN,
            "recall-case-unknown",
        ),
        ("records", "hold", "H-1", StatusCode::OK, ""),
    ];
    for (who, purpose, case, status, rule) in table {
        let answer = recall(who, purpose, case).await;
        assert_eq!(answer.status, status, "{who} {purpose}: {}", answer.text);
        assert!(
            answer.text.contains(rule),
            "{who} {purpose}: {}",
            answer.text
        );
    }
    let opened_log = api.entries("action=transfer.open").await;
    assert_eq!(opened_log.len(), 3, "{opened_log:?}");
    assert_eq!(opened_log[0]["purpose"], "privacy-act-request");
    // Ten years after collection the cohort is destroyed on schedule (the request's hold keeps
    // its own copy of the record): the package opens with nothing that remains.
    let today = api
        .post("/v1/retention/run", Some("records"), json!({}))
        .await;
    assert_eq!(today.status, StatusCode::OK, "{}", today.text);
    let to_2030 = (chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2030, 4, 2, 12, 0, 0).unwrap()
        - harness::now())
    .num_days();
    api.days_later
        .store(to_2030, std::sync::atomic::Ordering::SeqCst);
    let run = api
        .post(
            "/v1/retention/run",
            Some("records"),
            json!({"confirm_clock": true}),
        )
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    let gone = recall("auditor", "audit", "AUD-2").await;
    assert_eq!(gone.status, StatusCode::CONFLICT, "{}", gone.text);
    assert!(
        gone.text.contains("opens with nothing that remains"),
        "{}",
        gone.text
    );
}
