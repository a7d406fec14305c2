//! The JSON-lines import format: one record per line, parsed into `RecordContents`
//! (`parse_line`) and written from one (`to_value`, `to_line`: a converted file sent to a
//! server, and records as the API shows them).
//!
//! Errors say which field breaks which rule and never repeat the value, since a misplaced
//! value may be a name or an SSN. The format is documented in `docs/import-format.md`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

use crate::error::Invalid;
use crate::raw::RAW_SOURCE;
use crate::record::{display_token, Identifier, IdentifierKind, RecordContents, Subject, SystemId};

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
/// back as the same record. Identifiers are written, and read back, in the order of their
/// kinds' names (a record made with them in another order reads back with them in this one,
/// as every record of the format does). Written
/// straight into a buffer that wipes itself when dropped (the line holds the record's personal
/// data), sized first so it never grows and leaves a copy behind. A record the format cannot
/// carry as it is (two identifiers of one kind in a subject, a country on an identifier other
/// than a passport, a passport without one) is refused, as it would be at ingest.
pub fn to_line(record: &RecordContents) -> Result<zeroize::Zeroizing<String>, Invalid> {
    let mut line = zeroize::Zeroizing::new(Vec::with_capacity(written_len(record)));
    write_line(record, &mut line)?;
    match String::from_utf8(std::mem::take(&mut *line)) {
        Ok(text) => Ok(zeroize::Zeroizing::new(text)),
        Err(err) => {
            // JSON is UTF-8, so this does not happen; the bytes are wiped all the same.
            zeroize::Zeroize::zeroize(&mut err.into_bytes());
            Err(Invalid(
                "the record could not be written as an import line".into(),
            ))
        }
    }
}

/// Appends `to_line`'s line for `record` (without its newline) to `out`, refusing what
/// `to_line` refuses. `out` holds personal data: the caller sizes it beforehand with
/// `written_len`, so it never grows and leaves a copy behind, and wipes it.
pub fn write_line(record: &RecordContents, out: &mut Vec<u8>) -> Result<(), Invalid> {
    check_writable(record)?;
    serde_json::to_writer(out, &Line(record, true))
        .map_err(|_| Invalid("the record could not be written as an import line".into()))
}

/// The length in bytes of `to_line`'s line for `record`, counted without writing it.
pub fn written_len(record: &RecordContents) -> usize {
    let mut counter = Counter(0);
    // Writing into a counter cannot fail: every part of a record is a string.
    let _ = serde_json::to_writer(&mut counter, &Line(record, true));
    counter.0
}

/// One record as the import format's JSON object. The raw message, if the record carries one,
/// is the object's `raw`; the time is RFC 3339 in UTC, to the nanosecond it has.
pub fn to_value(record: &RecordContents) -> Value {
    serde_json::to_value(Line(record, true)).unwrap_or(Value::Null)
}

/// A stored record in the import format's shape, its provenance as stored (a record stored
/// before raw messages were sealed apart may still carry one there): how the API shows
/// records.
pub fn stored_value(record: &RecordContents) -> Value {
    serde_json::to_value(Line(record, false)).unwrap_or(Value::Null)
}

/// What `to_line` cannot write so that it reads back as the same record.
fn check_writable(record: &RecordContents) -> Result<(), Invalid> {
    for (index, subject) in record.subjects.iter().enumerate() {
        let at = || format!("subject {}", index + 1);
        for (position, identifier) in subject.identifiers.iter().enumerate() {
            let kind = identifier.kind.name();
            if subject.identifiers[..position]
                .iter()
                .any(|other| other.kind == identifier.kind)
            {
                return Err(Invalid(format!(
                    "{}: identifier `{kind}` given twice",
                    at()
                )));
            }
            let passport = identifier.kind == IdentifierKind::Passport;
            if passport != identifier.country.is_some() {
                return Err(Invalid(format!(
                    "{}: identifier `{kind}`: only a passport has a country, and it always does",
                    at()
                )));
            }
        }
    }
    Ok(())
}

/// A byte counter, for `written_len`.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A record, borrowed, serialized as an import line (with its raw message apart as `raw`, or
/// left in its provenance): no copy of its values is made.
struct Line<'a>(&'a RecordContents, bool);

/// A string map, leaving out one key (the raw message, which the line carries as `raw`).
struct Strings<'a>(&'a BTreeMap<String, String>, Option<&'a str>);

struct Subjects<'a>(&'a [Subject]);

struct Identifiers<'a>(&'a [Identifier]);

/// A passport's number and country.
struct Passport<'a>(&'a str, &'a str);

impl Serialize for Line<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Line(record, raw_apart) = *self;
        let raw = record.source.get(RAW_SOURCE).filter(|_| raw_apart);
        let mut map = serializer.serialize_map(Some(6 + usize::from(raw.is_some())))?;
        map.serialize_entry("system", record.system.as_str())?;
        map.serialize_entry("category", &record.category)?;
        map.serialize_entry(
            "collected_at",
            &record
                .collected_at
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        )?;
        let leave_out = raw.map(|_| RAW_SOURCE);
        map.serialize_entry("source", &Strings(&record.source, leave_out))?;
        map.serialize_entry("subjects", &Subjects(&record.subjects))?;
        map.serialize_entry("fields", &Strings(&record.fields, None))?;
        if let Some(raw) = raw {
            map.serialize_entry("raw", raw)?;
        }
        map.end()
    }
}

impl Serialize for Strings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Strings(entries, leave_out) = self;
        serializer.collect_map(
            entries
                .iter()
                .filter(|(key, _)| Some(key.as_str()) != *leave_out),
        )
    }
}

impl Serialize for Subjects<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut list = serializer.serialize_seq(Some(self.0.len()))?;
        for subject in self.0 {
            list.serialize_element(&SubjectLine(subject))?;
        }
        list.end()
    }
}

struct SubjectLine<'a>(&'a Subject);

impl Serialize for SubjectLine<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let subject = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("role", &subject.role)?;
        if let Some(name) = &subject.name {
            map.serialize_entry("name", name)?;
        }
        map.serialize_entry("identifiers", &Identifiers(&subject.identifiers))?;
        map.end()
    }
}

impl Serialize for Identifiers<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        let mut sorted: Vec<&Identifier> = self.0.iter().collect();
        sorted.sort_by_key(|identifier| identifier.kind.name());
        for identifier in sorted {
            let kind = identifier.kind.name();
            match &identifier.country {
                Some(country) => {
                    map.serialize_entry(kind, &Passport(&identifier.value, country))?
                }
                None => map.serialize_entry(kind, &identifier.value)?,
            }
        }
        map.end()
    }
}

impl Serialize for Passport<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("number", self.0)?;
        map.serialize_entry("country", self.1)?;
        map.end()
    }
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
