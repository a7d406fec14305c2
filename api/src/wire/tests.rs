//! The wire types' schemas state the rules the server enforces: each pattern accepts exactly
//! what the server's own check accepts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail the test with the reason"
)]

use super::*;

/// The account-name pattern against the gate's check, name by name: every name one accepts,
/// the other accepts.
#[test]
fn the_account_name_pattern_is_the_gates_rule() {
    let pattern = regex::Regex::new(ACCOUNT_NAME_PATTERN).unwrap();
    #[rustfmt::skip]
    let names = [
        "ana", "ana-2", "ana.2026-000001", "a1b2", "a_b.c-d", "cbp-analyst", "x",
        // Refused: a digit first, three runs of digits, a run of seven, uppercase, a space,
        // empty, too long, an SSN.
        "1ana", "a1b2c3", "a1234567", "Ana", "ana smith", "", "123-45-6789",
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde",
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd",
        "a123456", "a1234567b", "a-", "a--1", "a.1.2", "a.1.2.3",
    ];
    for name in names {
        let by_pattern = pattern.is_match(name) && name.len() <= 64;
        let by_gate = gate::check_account_fields(&gate::NewAccount {
            name: name.to_owned(),
            role: "analyst".into(),
            organization: "treasury-fincen".into(),
            background_investigation: None,
            privacy_training: chrono::NaiveDate::default(),
        })
        .is_ok();
        assert_eq!(
            by_pattern, by_gate,
            "`{name}`: pattern {by_pattern}, gate {by_gate}"
        );
    }
}

/// A token never shows in `Debug` (a log line, a panic message).
#[test]
fn tokens_are_kept_out_of_debug() {
    let created = AccountCreated {
        name: "ana".into(),
        token: "rv_secret-token".into(),
    };
    let vetted = Vetted {
        vetted: true,
        token: "rv_secret-token".into(),
    };
    for shown in [format!("{created:?}"), format!("{vetted:?}")] {
        assert!(!shown.contains("secret"), "{shown}");
    }
}
