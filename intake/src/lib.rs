//! Intake parsers: the files reporting institutions and carriers send, turned into typed
//! messages with precise errors, before anything is mapped to records or stored. Free of
//! storage, networking and async, so each parser can be tested and fuzzed on its own.
//!
//! - `swift`: SWIFT FIN messages (MT 103, MT 202 COV), one or many in an RJE file.
//! - `cbetf`: the CBETF data items of proposed 31 CFR 103.14(c), as CSV or JSON lines.
//! - `pacs`: ISO 20022 pacs.008 and pacs.009 (COV) credit transfers.
//! - `xml`: the small XML reader `pacs` uses (no DTDs, a depth limit).
//! - `cbetf_map`: parsed transmittals to CBETF records, with the intake rules of seed 003.
//! - `ttar`: TTAR trade records as CSV, to `trade-financial` records.

pub mod cbetf;
pub mod cbetf_map;
pub mod pacs;
pub mod swift;
pub mod ttar;
pub mod xml;

/// A name from the input shown in an error only if it is a plain token (letters, digits, `_`,
/// `-`, at most 40), since a misplaced value may be personal data.
pub(crate) fn token(text: &str) -> String {
    let plain = !text.is_empty()
        && text.len() <= 40
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if plain {
        text.to_owned()
    } else {
        "(not shown)".to_owned()
    }
}

/// Why a part of an input was refused: where (message and field) and why, never the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Where: `message 2, field 32A`.
    pub location: String,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}

impl std::error::Error for ParseError {}
