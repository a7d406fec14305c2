//! Normalization of identifiers and names before they are blind-indexed, so the same person
//! is found however the identifier was typed. Exact match only: fuzzy, phonetic and range
//! search are out of scope (docs/search.md).
//!
//! Every form starts with Unicode NFKC (full-width digits become ASCII digits, ligatures
//! split) and upper case, then:
//! - `ssn`, `tin`, `alien_id`: only the letters and digits are kept (`123-45-6789` = `123 45 6789` = `123456789`);
//! - `account`, `importer_exporter_id`, passport numbers: spaces and dashes removed;
//! - passports: the issuing country, `:`, the number (`US:X1234567`);
//! - `dob`: the date as written (`YYYY-MM-DD`, checked at intake);
//! - names: dashes, commas, periods and apostrophes become spaces, runs of spaces one space,
//!   trimmed (`O'Brien-Smith, J.` = `O BRIEN SMITH J`); accents are kept.

use unicode_normalization::UnicodeNormalization;

use crate::record::{Identifier, IdentifierKind};

/// Dashes of every Unicode kind that people and systems put in identifiers.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2015}'
            | '\u{2212}'
            | '\u{FE58}'
            | '\u{FE63}'
    )
}

fn nfkc_upper(text: &str) -> String {
    // ASCII is its own NFKC form: most identifiers skip the decomposition tables (a tenth of
    // the sealing thread's time before this shortcut).
    if text.is_ascii() {
        return text.to_ascii_uppercase();
    }
    text.nfkc().collect::<String>().to_uppercase()
}

/// The indexed form of an identifier.
pub fn identifier(identifier: &Identifier) -> String {
    let value = nfkc_upper(&identifier.value);
    match identifier.kind {
        IdentifierKind::Ssn | IdentifierKind::Tin | IdentifierKind::AlienId => {
            value.chars().filter(|c| c.is_alphanumeric()).collect()
        }
        IdentifierKind::Account | IdentifierKind::ImporterExporterId => value
            .chars()
            .filter(|c| !c.is_whitespace() && !is_dash(*c))
            .collect(),
        IdentifierKind::Passport => {
            let number: String = value
                .chars()
                .filter(|c| !c.is_whitespace() && !is_dash(*c))
                .collect();
            let country = nfkc_upper(identifier.country.as_deref().unwrap_or_default());
            format!("{}:{number}", country.trim())
        }
        IdentifierKind::DateOfBirth => value.trim().to_owned(),
    }
}

/// The indexed form of a name.
pub fn name(name: &str) -> String {
    let spaced: String = nfkc_upper(name)
        .chars()
        .map(|c| {
            if is_dash(c) || matches!(c, ',' | '.' | '\'' | '\u{2019}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
