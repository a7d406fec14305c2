//! The JSON-lines import format: one record per line, parsed into `RecordContents`
//! (`parse_line`) and written from one (`to_value`, `to_line`: a converted file sent to a
//! server, and records as the API shows them).
//!
//! Errors say which field breaks which rule and never repeat the value, since a misplaced
//! value may be a name or an SSN. The format is documented in `docs/import-format.md`.

use std::collections::BTreeMap;

use crate::raw::RAW_SOURCE;
use crate::record::{display_token, Identifier, IdentifierKind, RecordContents, Subject, SystemId};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

/// Longest accepted line, in bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;

const TOP_LEVEL_FIELDS: [&str; 7] = [
    "system",
    "category",
    "collected_at",
    "source",
    "subjects",
    "fields",
    "raw",
];
const SUBJECT_FIELDS: [&str; 3] = ["role", "name", "identifiers"];

/// Parses one line into record contents, checking its shape (not yet `RecordContents::validate`'s rules).
pub fn parse_line(line: &str) -> Result<RecordContents, String> {
    let value: Value = serde_json::from_str(line).map_err(|err| match err.classify() {
        serde_json::error::Category::Eof => "not valid JSON: the line ends too early".to_owned(),
        _ => format!("not valid JSON: syntax error at column {}", err.column()),
    })?;
    let Value::Object(object) = value else {
        return Err("a line must hold one JSON object".into());
    };
    check_fields("", &object, &TOP_LEVEL_FIELDS)?;
    let system =
        SystemId::new(required_str(&object, "system", "")?).map_err(|err| err.to_string())?;
    let category = required_str(&object, "category", "")?.to_owned();
    let collected_at = parse_time(required_str(&object, "collected_at", "")?)?;
    let mut source = string_map(object.get("source"), "source")?;
    // The message the record came from, as received: sealed apart by the vault.
    match object.get("raw") {
        None => {}
        Some(Value::String(raw)) => {
            source.insert(RAW_SOURCE.to_owned(), raw.clone());
        }
        Some(_) => return Err("`raw` must be a string (the message as received)".into()),
    }
    // A flight's receipt is timed by paragraph 14 of seed 001 from its departure and arrival:
    // a day alone would time it at midnight, before a pull made after the flight landed.
    if source.contains_key("flight") && !required_str(&object, "collected_at", "")?.contains('T') {
        return Err("a flight's receipt is timed to the second: `collected_at` is the RFC 3339 time CBP pulled it or the carrier pushed it (seed 001 paragraph 14)".into());
    }
    let fields = string_map(object.get("fields"), "fields")?;
    let subjects = match object.get("subjects") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(idx, item)| parse_subject(item, &format!("subject {}: ", idx + 1)))
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err("`subjects` must be an array".into()),
        None => return Err("`subjects` is missing".into()),
    };
    Ok(RecordContents {
        system,
        category,
        collected_at,
        source,
        subjects,
        fields,
    })
}

fn parse_subject(value: &Value, at: &str) -> Result<Subject, String> {
    let Value::Object(object) = value else {
        return Err(format!("{at}must be an object"));
    };
    check_fields(at, object, &SUBJECT_FIELDS)?;
    let role = required_str(object, "role", at)?.to_owned();
    let name = match object.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => return Err(format!("{at}`name` must be a string")),
    };
    let mut identifiers = Vec::new();
    match object.get("identifiers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (kind_name, value) in map {
                let kind = IdentifierKind::from_name(kind_name).ok_or_else(|| {
                    let known: Vec<&str> =
                        IdentifierKind::ALL.iter().map(|kind| kind.name()).collect();
                    format!(
                        "{at}unknown identifier kind {} (known: {})",
                        display_token(kind_name),
                        known.join(", ")
                    )
                })?;
                identifiers.push(parse_identifier(kind, value, at)?);
            }
        }
        Some(_) => return Err(format!("{at}`identifiers` must be an object")),
    }
    Ok(Subject {
        role,
        name,
        identifiers,
    })
}

fn parse_identifier(kind: IdentifierKind, value: &Value, at: &str) -> Result<Identifier, String> {
    let name = kind.name();
    match (kind, value) {
        (IdentifierKind::Passport, Value::Object(passport)) => {
            check_fields(&format!("{at}identifier `passport`: "), passport, &["number", "country"])?;
            let inner = format!("{at}identifier `passport`: ");
            Ok(Identifier::passport(
                required_str(passport, "number", &inner)?,
                required_str(passport, "country", &inner)?,
            ))
        }
        (IdentifierKind::Passport, _) => Err(format!(
            "{at}identifier `passport` must be an object with `number` and `country`"
        )),
        (_, Value::String(text)) => Ok(Identifier::new(kind, text.clone())),
        (_, _) => Err(format!(
            "{at}identifier `{name}` must be a string (write numbers as strings to keep leading zeros)"
        )),
    }
}

/// Refuses fields the format does not define: a typo must not silently drop data.
fn check_fields(at: &str, object: &Map<String, Value>, known: &[&str]) -> Result<(), String> {
    match object.keys().find(|key| !known.contains(&key.as_str())) {
        Some(unknown) => Err(format!(
            "{at}unknown field {} (known: {})",
            display_token(unknown),
            known.join(", ")
        )),
        None => Ok(()),
    }
}

fn required_str<'a>(
    object: &'a Map<String, Value>,
    field: &str,
    at: &str,
) -> Result<&'a str, String> {
    match object.get(field) {
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(format!("{at}`{field}` must be a string")),
        None => Err(format!("{at}`{field}` is missing")),
    }
}

fn string_map(value: Option<&Value>, field: &str) -> Result<BTreeMap<String, String>, String> {
    let object = match value {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(object)) => object,
        Some(_) => return Err(format!("`{field}` must be an object")),
    };
    object
        .iter()
        .map(|(key, value)| match value {
            Value::String(text) => Ok((key.clone(), text.clone())),
            _ => Err(format!(
                "`{field}`: {} must be a string (write numbers as strings to keep their exact digits)",
                display_token(key)
            )),
        })
        .collect()
}

/// One record as a line of the import format (without its newline): what `parse_line` reads
/// back as the same record. The line holds the record's personal data, so it wipes itself
/// when dropped.
pub fn to_line(record: &RecordContents) -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(to_value(record).to_string())
}

/// One record as the import format's JSON object. The raw message, if the record carries one,
/// is the object's `raw`; the time is RFC 3339 in UTC, to the nanosecond it has.
pub fn to_value(record: &RecordContents) -> Value {
    let strings = |map: &BTreeMap<String, String>, leave_out: &str| -> Map<String, Value> {
        map.iter()
            .filter(|(key, _)| key.as_str() != leave_out)
            .map(|(key, value)| (key.clone(), Value::String(value.clone())))
            .collect()
    };
    let subjects: Vec<Value> = record
        .subjects
        .iter()
        .map(|subject| {
            let identifiers: Map<String, Value> = subject
                .identifiers
                .iter()
                .map(|identifier| {
                    let value = match &identifier.country {
                        Some(country) => serde_json::json!({
                            "number": identifier.value,
                            "country": country,
                        }),
                        None => Value::String(identifier.value.clone()),
                    };
                    (identifier.kind.name().to_owned(), value)
                })
                .collect();
            let mut object = Map::new();
            object.insert("role".into(), Value::String(subject.role.clone()));
            if let Some(name) = &subject.name {
                object.insert("name".into(), Value::String(name.clone()));
            }
            object.insert("identifiers".into(), Value::Object(identifiers));
            Value::Object(object)
        })
        .collect();
    let mut object = Map::new();
    object.insert("system".into(), record.system.as_str().into());
    object.insert("category".into(), record.category.as_str().into());
    object.insert(
        "collected_at".into(),
        record
            .collected_at
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            .into(),
    );
    object.insert(
        "source".into(),
        Value::Object(strings(&record.source, RAW_SOURCE)),
    );
    object.insert("subjects".into(), Value::Array(subjects));
    object.insert("fields".into(), Value::Object(strings(&record.fields, "")));
    if let Some(raw) = record.source.get(RAW_SOURCE) {
        object.insert("raw".into(), Value::String(raw.clone()));
    }
    Value::Object(object)
}

/// A date (`2026-01-15`, midnight UTC) or an RFC 3339 timestamp (any offset, kept as UTC).
fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        if let Some(midnight) = date.and_hms_opt(0, 0, 0) {
            return Ok(midnight.and_utc());
        }
    }
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| {
            "`collected_at` must be a date (YYYY-MM-DD) or an RFC 3339 timestamp".to_owned()
        })
}

#[cfg(test)]
mod tests;
