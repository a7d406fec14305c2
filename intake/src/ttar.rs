//! TTAR trade records (seed 000: importers, exporters and manufacturers, the goods, their
//! values and countries) as CSV with a header row, mapped to `trade-financial` records of the
//! TTAR system (`model::RecordContents`). Column names are ours (the notice names the data,
//! not a file format); each row is answered with its line and column.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use model::{Identifier, IdentifierKind, RecordContents};

use crate::ParseError;

/// The columns a TTAR file may have.
pub const COLUMNS: [&str; 21] = [
    "importer_name",
    "importer_id",
    "importer_address",
    "exporter_name",
    "exporter_id",
    "exporter_address",
    "manufacturer_name",
    "manufacturer_id",
    "manufacturer_address",
    "broker_name",
    "broker_id",
    "broker_address",
    "goods_description",
    "goods_value",
    "currency",
    "country_of_origin",
    "country_of_export",
    "transaction_date",
    "conveyance",
    "entry_number",
    "source_system",
];

/// Parses a CSV file received on `received_on` into records (`collected_at` is that
/// day; `source` names the format, the row's entry number and its source system of records
/// (`source_system`, a code of the TTAR notice's sources) when given).
pub fn parse_csv(text: &str, received_on: NaiveDate) -> Vec<Result<RecordContents, ParseError>> {
    crate::csv_records(text, &COLUMNS, |row| record(row, received_on))
}

type Failure = (&'static str, String);

fn record(
    row: &BTreeMap<String, String>,
    received_on: NaiveDate,
) -> Result<RecordContents, Failure> {
    let text = |name: &str| {
        row.get(name)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    // Each party with its name, its id and its address: the notice retrieves by "business
    // address, home address, importer ID, exporter ID, broker ID, manufacturer ID" (seed 000,
    // Retrievability), so they are the subject's identifiers, blind-indexed.
    let mut subjects = Vec::new();
    for (role, id_kind) in [
        ("importer", IdentifierKind::ImporterExporterId),
        ("exporter", IdentifierKind::ImporterExporterId),
        ("manufacturer", IdentifierKind::ManufacturerId),
        ("broker", IdentifierKind::BrokerId),
    ] {
        let name = text(&format!("{role}_name"));
        let id = text(&format!("{role}_id"));
        let address = text(&format!("{role}_address"));
        if name.is_none() && id.is_none() && address.is_none() {
            continue;
        }
        let identifiers = [
            id.map(|id| Identifier::new(id_kind, id)),
            address.map(|address| Identifier::new(IdentifierKind::Address, address)),
        ];
        subjects.push(crate::subject(
            role,
            name,
            identifiers.into_iter().flatten().collect(),
        ));
    }
    if !subjects
        .iter()
        .any(|s| s.role == "importer" || s.role == "exporter")
    {
        return Err((
            "importer_name",
            "a trade record names its importer or exporter (or gives an id)".into(),
        ));
    }
    let mut fields = BTreeMap::new();
    if let Some(value) = text("goods_value") {
        if crate::decimal_cents(&value).is_none() {
            return Err((
                "goods_value",
                "the value is digits with at most two decimals after a point".into(),
            ));
        }
        fields.insert("goods_value".into(), value);
        let currency = text("currency")
            .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
            .ok_or((
                "currency",
                "a value's currency is three capital letters".to_owned(),
            ))?;
        fields.insert("currency".into(), currency);
    }
    for column in ["country_of_origin", "country_of_export"] {
        if let Some(country) = text(column) {
            let ok =
                (2..=3).contains(&country.len()) && country.bytes().all(|b| b.is_ascii_uppercase());
            if !ok {
                return Err((
                    if column == "country_of_origin" {
                        "country_of_origin"
                    } else {
                        "country_of_export"
                    },
                    "a country is an ISO 3166 code of 2 or 3 capital letters".into(),
                ));
            }
            fields.insert(column.into(), country);
        }
    }
    if let Some(date) = text("transaction_date") {
        NaiveDate::parse_from_str(&date, "%Y-%m-%d")
            .map_err(|_| ("transaction_date", "the date is YYYY-MM-DD".to_owned()))?;
        fields.insert("transaction_date".into(), date);
    }
    for column in ["goods_description", "conveyance"] {
        if let Some(value) = text(column) {
            fields.insert(column.into(), value);
        }
    }
    let mut source = BTreeMap::from([
        ("format".to_owned(), "ttar-csv".to_owned()),
        ("received_on".to_owned(), received_on.to_string()),
    ]);
    if let Some(entry) = text("entry_number") {
        source.insert("entry_number".to_owned(), entry);
    }
    // Which of the notice's exemptions cover the record depends on its source (seed 000);
    // the gate checks the code against the notice.
    if let Some(system) = text("source_system") {
        source.insert(model::SOURCE_SYSTEM.to_owned(), system);
    }
    crate::record(
        "dhs-ice-005-ttar",
        "trade-financial",
        crate::midnight(received_on),
        source,
        subjects,
        fields,
    )
    .map_err(|reason| ("source_system", reason))
}

#[cfg(test)]
mod tests;
