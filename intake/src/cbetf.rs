//! The CBETF data items of proposed 31 CFR 103.14(c)(1)(i)-(xi) (seed 003), which an institution
//! files when it cannot send a copy of the transmittal order: as CSV with a header row
//! (RFC 4180 quoting) or as JSON lines. Column and key names are ours (FinCEN has not
//! published the format); every row is answered on its own, with its line and column.
//!
//! | item | column |
//! |---|---|
//! | (i) unique transaction identifier | `uetr` |
//! | (ii) transmittor's institution | `transmittor_institution` |
//! | (iii) transmittor's name and address | `transmittor_name`, `transmittor_address` |
//! | (iv) transmittor's account | `transmittor_account` |
//! | (v) amount and currency | `amount` (decimal point), `currency` |
//! | (vi) execution date | `execution_date` (YYYY-MM-DD) |
//! | (vii) recipient's institution | `recipient_institution` |
//! | (viii) recipient's name and address | `recipient_name`, `recipient_address` |
//! | (ix) recipient's account | `recipient_account` |
//! | (x) other identifiers | `other_identifiers` |
//! | (xi) TIN, or alien id, or passport and country | `tin`, `tin_type` (`tin`, `alien-id`, `passport`), `tin_country` |
//! | how the order went (ours): `proprietary` when solely through the filer's own systems (103.14(f)(2)) | `channel` |

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::ParseError;

/// The columns, in the order a file written by recvault has them.
pub const COLUMNS: [&str; 18] = [
    "uetr",
    "transmittor_institution",
    "transmittor_name",
    "transmittor_address",
    "transmittor_account",
    "amount",
    "currency",
    "execution_date",
    "recipient_institution",
    "recipient_name",
    "recipient_address",
    "recipient_account",
    "other_identifiers",
    "tin",
    "tin_type",
    "tin_country",
    "tin_party",
    "channel",
];

/// Item (xi): how the transmittor or recipient is identified for the tax authorities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaxIdentifier {
    /// A U.S. taxpayer identification number.
    Tin(String),
    /// An alien identification number.
    AlienId(String),
    /// A passport number and its issuing country.
    Passport {
        /// The number.
        number: String,
        /// The issuing country.
        country: String,
    },
}

/// Whose item (xi) is: "the U.S. taxpayer identification number of the transmittor or
/// recipient (as applicable)" (seed 003, proposed 103.14(c)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TinParty {
    /// The transmittor's (an outgoing transfer's U.S. customer).
    Transmittor,
    /// The recipient's (an incoming transfer's U.S. customer).
    Recipient,
}

/// One transmittal's data items.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataItems {
    /// (i)
    pub uetr: Option<String>,
    /// (ii)
    pub transmittor_institution: Option<String>,
    /// (iii)
    pub transmittor_name: Option<String>,
    /// (iii)
    pub transmittor_address: Option<String>,
    /// (iv)
    pub transmittor_account: Option<String>,
    /// (v) in cents.
    pub amount_cents: i64,
    /// (v)
    pub currency: String,
    /// (vi)
    pub execution_date: Option<NaiveDate>,
    /// (vii)
    pub recipient_institution: Option<String>,
    /// (viii)
    pub recipient_name: Option<String>,
    /// (viii)
    pub recipient_address: Option<String>,
    /// (ix)
    pub recipient_account: Option<String>,
    /// (x)
    pub other_identifiers: Option<String>,
    /// (xi)
    pub tax_identifier: Option<TaxIdentifier>,
    /// (xi): whose it is, when the file says (the `tin_party` column); otherwise the mapping
    /// works it out from which side the filer is on.
    pub tin_party: Option<TinParty>,
    /// Whether the order and its advice went solely through the filer's own systems (the
    /// `channel` column is `proprietary`): exempt for a bank (proposed 103.14(f)(2)).
    pub proprietary: bool,
}

/// Parses a CSV file with a header row. Each data row is answered with its line (1-based,
/// counting the header) on error.
pub fn parse_csv(text: &str) -> Vec<Result<DataItems, ParseError>> {
    crate::csv_records(text, &COLUMNS, items)
}

type Failure = (&'static str, String);

/// The data items of one row or object, by column name.
fn items(values: &BTreeMap<String, String>) -> Result<DataItems, Failure> {
    let text = |name: &'static str| {
        values
            .get(name)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let amount = text("amount").ok_or(("amount", "the amount (item v) is required".to_owned()))?;
    let amount_cents = crate::decimal_cents(&amount).ok_or((
        "amount",
        "the amount is digits with at most two decimals after a point".to_owned(),
    ))?;
    let currency = text("currency")
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        .ok_or((
            "currency",
            "the currency (item v) is three capital letters".to_owned(),
        ))?;
    let execution_date = match text("execution_date") {
        Some(date) => Some(NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| {
            (
                "execution_date",
                "the execution date is YYYY-MM-DD".to_owned(),
            )
        })?),
        None => None,
    };
    let tax_identifier = match (text("tin"), text("tin_type").as_deref()) {
        (None, None) => None,
        (Some(tin), None | Some("tin")) => Some(TaxIdentifier::Tin(tin)),
        (Some(id), Some("alien-id")) => Some(TaxIdentifier::AlienId(id)),
        (Some(number), Some("passport")) => Some(TaxIdentifier::Passport {
            number,
            country: text("tin_country").ok_or((
                "tin_country",
                "a passport needs its issuing country".to_owned(),
            ))?,
        }),
        (None, Some(_)) => return Err(("tin", "`tin_type` without a `tin`".to_owned())),
        (Some(_), Some(_)) => {
            return Err((
                "tin_type",
                "`tin_type` is `tin`, `alien-id` or `passport`".to_owned(),
            ))
        }
    };
    let tin_party = match text("tin_party").as_deref() {
        None => None,
        Some("transmittor") => Some(TinParty::Transmittor),
        Some("recipient") => Some(TinParty::Recipient),
        Some(_) => {
            return Err((
                "tin_party",
                "`tin_party` is `transmittor` or `recipient`".to_owned(),
            ))
        }
    };
    let items = DataItems {
        uetr: text("uetr"),
        transmittor_institution: text("transmittor_institution"),
        transmittor_name: text("transmittor_name"),
        transmittor_address: text("transmittor_address"),
        transmittor_account: text("transmittor_account"),
        amount_cents,
        currency,
        execution_date,
        recipient_institution: text("recipient_institution"),
        recipient_name: text("recipient_name"),
        recipient_address: text("recipient_address"),
        recipient_account: text("recipient_account"),
        other_identifiers: text("other_identifiers"),
        tax_identifier,
        tin_party,
        proprietary: match text("channel").as_deref() {
            None => false,
            Some("proprietary") => true,
            Some(_) => {
                return Err((
                    "channel",
                    "the channel is `proprietary` or left empty".to_owned(),
                ))
            }
        },
    };
    if items.transmittor_name.is_none() && items.transmittor_account.is_none() {
        return Err((
            "transmittor_name",
            "the transmittor is named or its account given (items iii, iv)".to_owned(),
        ));
    }
    if items.recipient_name.is_none() && items.recipient_account.is_none() {
        return Err((
            "recipient_name",
            "the recipient is named or its account given (items viii, ix)".to_owned(),
        ));
    }
    Ok(items)
}

/// Parses JSON lines: one object per line whose keys are the column names, values strings (or
/// numbers for `amount`). Each line is answered on its own.
pub fn parse_json_lines(text: &str) -> Vec<Result<DataItems, ParseError>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let at = |column: Option<&str>| match column {
                Some(column) => format!("line {}, column {column}", index + 1),
                None => format!("line {}", index + 1),
            };
            let value: serde_json::Value =
                serde_json::from_str(line).map_err(|err| ParseError {
                    location: at(None),
                    reason: format!("not JSON (column {} of the line)", err.column()),
                })?;
            let object = value.as_object().ok_or_else(|| ParseError {
                location: at(None),
                reason: "a line is one JSON object".into(),
            })?;
            let mut values = BTreeMap::new();
            for (key, value) in object {
                if !COLUMNS.contains(&key.as_str()) {
                    return Err(ParseError {
                        location: at(None),
                        reason: format!("unknown key `{}`", crate::token(key)),
                    });
                }
                let text = match value {
                    serde_json::Value::String(text) => text.clone(),
                    serde_json::Value::Number(number) if key == "amount" => number.to_string(),
                    serde_json::Value::Null => continue,
                    _ => {
                        return Err(ParseError {
                            location: at(Some(key)),
                            reason: "a value is a string".into(),
                        })
                    }
                };
                values.insert(key.clone(), text);
            }
            items(&values).map_err(|(column, reason)| ParseError {
                location: at(Some(column)),
                reason,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
