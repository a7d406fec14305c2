//! The model's one error: a record, or a part of one, broke a rule.

/// A record, an id or a field of one failed validation. The message names where and which
/// rule, never the value (a misplaced value may be an SSN): callers may show and log it as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);
