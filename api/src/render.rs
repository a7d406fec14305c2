//! JSON renderings shared by the CLI and the HTTP API of what is not yet typed in
//! `crate::wire`: access-log entries, verification reports and accounting entries.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use vault::audit::LogVerification;

/// A time in Unix ms as RFC 3339 (UTC, milliseconds).
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// An access-log entry as JSON.
pub fn entry_json(entry: &vault::LogEntry) -> Value {
    json!({
        "seq": entry.seq,
        "time": rfc3339(entry.time_ms),
        "principal": entry.access.principal,
        "organization": entry.access.organization,
        "role": entry.access.role,
        "action": entry.action,
        "purpose": entry.access.purpose,
        "case_id": entry.access.case_id,
        "system": entry.system,
        "record_ids": entry.record_ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "tokens": entry.tokens.iter().map(|(year, token)| json!({"year": year, "token": hex::encode(token)})).collect::<Vec<_>>(),
        "cohorts": entry.cohorts,
        "decision": match entry.decision { vault::Decision::Allow => "allow", vault::Decision::Deny => "deny" },
        "rule": entry.access.rule,
        "client": entry.access.client,
        "request_id": entry.access.request_id,
        "outcome": entry.outcome,
        "prev_hash": hex::encode(entry.prev_hash),
    })
}

/// A log verification report as JSON.
pub fn verification_json(report: &LogVerification) -> Value {
    json!({
        "ok": report.problem.is_none(),
        "entries": report.entries,
        "checkpoints": report.checkpoints,
        "signed_through": report.signed_through,
        "base": report.base,
        "unsigned_tail": report.unsigned_tail,
        "checkpoint_every_entries": report.policy.map(|rule| rule.every_entries),
        "truncations": report.truncations,
        "time_rule_misses": report.time_rule_misses,
        "extension": report.extension,
        "problem": report.problem.as_ref().map(|problem| json!({"seq": problem.seq, "reason": problem.reason})),
    })
}

/// An accounting entry as JSON (31 CFR 1.25(a)(1): date, nature, purpose, name and address of
/// the recipient; with the record, the basis and the package).
pub fn accounting_json(entry: &privacy::accounting::AccountingEntry) -> Value {
    json!({
        "record": entry.record.to_string(),
        "system": entry.system,
        "date": rfc3339(entry.disclosed_ms),
        "nature": entry.nature,
        "purpose": entry.purpose,
        "basis": entry.basis,
        "recipient": {"name": entry.recipient_name, "address": entry.recipient_address, "category": entry.recipient_category},
        "package": entry.package,
        "officer": entry.officer,
        "withheld_from_individual": entry.withheld_from_individual,
        "kept_until_year": entry.keep_until_year,
        // The evidence of its basis (privacy staff only); `null` for an entry made before
        // evidence was kept with it.
        "evidence": entry.evidence.as_deref().map(|text| serde_json::from_str::<Value>(text).unwrap_or(Value::Null)),
    })
}

/// An accounting entry as the individual it is about sees it: exactly the date, nature and
/// purpose of the disclosure and the recipient's name and address (5 U.S.C. 552a(c)(1), 31
/// CFR 1.25(d)); never the evidence, the officer, the package or the record's id.
pub fn accounting_json_for_individual(entry: &privacy::accounting::AccountingEntry) -> Value {
    json!({
        "date": rfc3339(entry.disclosed_ms),
        "nature": entry.nature,
        "purpose": entry.purpose,
        "recipient": {"name": entry.recipient_name, "address": entry.recipient_address},
    })
}
