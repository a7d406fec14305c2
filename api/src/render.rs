//! Times as the API and the CLI write them: RFC 3339, UTC, milliseconds.

use chrono::{DateTime, Utc};

/// A time in Unix ms as RFC 3339 (UTC, milliseconds).
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}
