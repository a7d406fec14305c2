//! The annual TIN report of proposed 31 CFR 103.14(e) (seed 003): every bank lists, for the
//! accounts credited or debited to send or receive a cross-border transmittal in a year, the
//! account number and the accountholder's U.S. taxpayer identification number, due by April 15
//! of the following year. FinCEN has not published the format: CSV with a header row, column
//! names ours, each row answered with its line and column.
//!
//! | column | |
//! |---|---|
//! | `report_year` | the year of the transmittals (YYYY) |
//! | `account` | the account credited or debited |
//! | `tin` | the accountholder's U.S. TIN (9 digits; dashes allowed) |
//! | `accountholder_name` | optional |
//! | `accountholder_type` | optional: `customer` (default) or `bank`, a bank's own account with no third-party customer (exempt, 103.14(f)(1)) |
//! | `channel` | optional: `proprietary` when every transmittal of the account went solely through systems proprietary to the bank (exempt, 103.14(f)(2)) |

use std::collections::BTreeMap;

use crate::ParseError;

/// The columns a TIN report may have.
pub const COLUMNS: [&str; 6] = [
    "report_year",
    "account",
    "tin",
    "accountholder_name",
    "accountholder_type",
    "channel",
];

/// One row: an account and its holder's TIN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TinRow {
    /// The year of the transmittals.
    pub report_year: i32,
    /// The account credited or debited.
    pub account: String,
    /// The accountholder's TIN, digits only.
    pub tin: String,
    /// The accountholder's name, if given.
    pub name: Option<String>,
    /// Why the row is exempt (proposed 103.14(f)), if it is.
    pub exempt: Option<&'static str>,
}

/// Parses a TIN report.
pub fn parse_csv(text: &str) -> Vec<Result<TinRow, ParseError>> {
    crate::csv_records(text, &COLUMNS, row)
}

fn row(cells: &BTreeMap<String, String>) -> Result<TinRow, (&'static str, String)> {
    let text = |name: &str| {
        cells
            .get(name)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let report_year = text("report_year")
        .filter(|year| year.len() == 4)
        .and_then(|year| year.parse::<i32>().ok())
        .filter(|year| (1970..=9998).contains(year))
        .ok_or((
            "report_year",
            "the report year is four digits (YYYY)".to_owned(),
        ))?;
    let account =
        text("account").ok_or(("account", "the account number is required".to_owned()))?;
    let tin: String = text("tin")
        .ok_or((
            "tin",
            "the accountholder's TIN is required (proposed 103.14(e))".to_owned(),
        ))?
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .collect();
    if tin.len() != 9 || !tin.bytes().all(|b| b.is_ascii_digit()) {
        return Err((
            "tin",
            "a U.S. TIN is 9 digits (dashes and spaces allowed)".into(),
        ));
    }
    let exempt_customer = match text("accountholder_type").as_deref() {
        None | Some("customer") => None,
        Some("bank") => Some(
            "not reportable: a bank's own account with no third-party customer is exempt (proposed 31 CFR 103.14(f)(1)); not stored",
        ),
        Some(_) => {
            return Err((
                "accountholder_type",
                "the accountholder type is `customer` or `bank`".into(),
            ))
        }
    };
    let exempt_channel = match text("channel").as_deref() {
        Some("proprietary") => Some(
            "not reportable: transmittals communicated solely through systems proprietary to a bank are exempt (proposed 31 CFR 103.14(f)(2)); not stored",
        ),
        _ => None,
    };
    Ok(TinRow {
        report_year,
        account,
        tin,
        name: text("accountholder_name"),
        exempt: exempt_customer.or(exempt_channel),
    })
}
