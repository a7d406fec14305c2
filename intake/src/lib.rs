//! Intake parsers: the files reporting institutions and carriers send, turned into typed
//! messages with precise errors, before anything is mapped to records or stored. Free of
//! storage, networking and async, so each parser can be tested and fuzzed on its own.
//!
//! - `swift`: SWIFT FIN messages (MT 103, MT 202 COV), one or many in an RJE file.

pub mod swift;

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
