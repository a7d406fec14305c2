//! Normalization of identifiers and names before they are blind-indexed, so the same person
//! is found however the identifier was typed. Exact match only: fuzzy, phonetic and range
//! search are out of scope (docs/search.md).
//!
//! Every form starts with Unicode NFKC (full-width digits become ASCII digits, ligatures
//! split) and upper case, then:
//! - `ssn`, `tin`, `alien_id`: only the letters and digits are kept (`123-45-6789` = `123 45 6789` = `123456789`);
//! - `account`, `importer_exporter_id`, `broker_id`, `manufacturer_id`, passport numbers:
//!   spaces and dashes removed;
//! - `phone`: only the digits, a leading international `00` dropped (`+44 20 7946 0000` =
//!   `0044-20-7946-0000` = `442079460000`); a number written without its country code is a
//!   different form (no country is guessed);
//! - `email`: trimmed (upper case like the rest, so the match ignores case);
//! - `address`: the name rule (punctuation and `#` become spaces, runs of spaces one space),
//!   then each word of the USPS Publication 28 suffix, unit and direction tables that an
//!   address most often spells out becomes its standard abbreviation (`123 Main Street,
//!   Suite 4` = `123 MAIN ST STE 4`); `P.O. Box` is `PO BOX`. No geocoding, no reordering.
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

/// Unicode NFKC, then upper case: the first step of every form (and of free-text scanning).
pub fn nfkc_upper(text: &str) -> String {
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
        IdentifierKind::Account
        | IdentifierKind::ImporterExporterId
        | IdentifierKind::BrokerId
        | IdentifierKind::ManufacturerId => value
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
        IdentifierKind::DateOfBirth | IdentifierKind::Email => value.trim().to_owned(),
        IdentifierKind::Phone => {
            let digits: String = value.chars().filter(char::is_ascii_digit).collect();
            match digits.strip_prefix("00") {
                Some(rest) if value.trim_start().starts_with("00") => rest.to_owned(),
                _ => digits,
            }
        }
        IdentifierKind::Address => address(&value),
    }
}

/// Words an address spells out, and their USPS Publication 28 abbreviations (street suffixes,
/// secondary unit designators, directionals): the ones most often written in full. A word is
/// replaced only when it stands alone, so `NORTHGATE` stays.
const ADDRESS_WORDS: [(&str, &str); 40] = [
    ("ALLEY", "ALY"),
    ("APARTMENT", "APT"),
    ("AVENUE", "AVE"),
    ("BOULEVARD", "BLVD"),
    ("BUILDING", "BLDG"),
    ("CENTER", "CTR"),
    ("CIRCLE", "CIR"),
    ("COURT", "CT"),
    ("DEPARTMENT", "DEPT"),
    ("DRIVE", "DR"),
    ("EAST", "E"),
    ("EXPRESSWAY", "EXPY"),
    ("FLOOR", "FL"),
    ("FREEWAY", "FWY"),
    ("HEIGHTS", "HTS"),
    ("HIGHWAY", "HWY"),
    ("LANE", "LN"),
    ("NORTH", "N"),
    ("NORTHEAST", "NE"),
    ("NORTHWEST", "NW"),
    ("PARKWAY", "PKWY"),
    ("PLACE", "PL"),
    ("PLAZA", "PLZ"),
    ("ROAD", "RD"),
    ("ROOM", "RM"),
    ("ROUTE", "RTE"),
    ("SOUTH", "S"),
    ("SOUTHEAST", "SE"),
    ("SOUTHWEST", "SW"),
    ("SQUARE", "SQ"),
    ("STREET", "ST"),
    ("SUITE", "STE"),
    ("TERRACE", "TER"),
    ("TRAIL", "TRL"),
    ("TURNPIKE", "TPKE"),
    ("UNIT", "UNIT"),
    ("WAY", "WAY"),
    ("WEST", "W"),
    ("CRESCENT", "CRES"),
    ("MOUNT", "MT"),
];

/// The indexed form of an address already in NFKC upper case.
fn address(upper: &str) -> String {
    let spaced: String = upper
        .chars()
        .map(|c| {
            if is_dash(c) || matches!(c, ',' | '.' | '\'' | '\u{2019}' | '#' | ';' | ':' | '/') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words: Vec<&str> = spaced
        .split_whitespace()
        .map(|word| {
            ADDRESS_WORDS
                .iter()
                .find(|(long, _)| *long == word)
                .map_or(word, |(_, short)| short)
        })
        .collect();
    let joined = words.join(" ");
    // "P O BOX" (from "P.O. Box") and "POST OFFICE BOX" are one form.
    joined
        .replace("POST OFFICE BOX", "PO BOX")
        .replace("P O BOX", "PO BOX")
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
