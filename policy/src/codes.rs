//! What a caller types that is a code or a reference rather than personal data, and the
//! grammar that tells them apart. Codes (purposes, categories, rule ids) are known words:
//! they are logged and echoed only when they are one of the words the vault knows.
//! References (case ids, hold references, account names) cannot be listed in advance, so
//! they follow a grammar an identifier typed by mistake cannot satisfy: they start with a
//! letter and hold at most two runs of digits of at most 6 each, so no SSN or TIN (9
//! digits, bare or dashed), no passport number of a letter and 7 or more digits, and no
//! account number of 7 or more digits is a reference. A name with a space, a comma or a
//! slash is not one either. Values outside the grammar are logged as [`NOT_A_CODE`] and never
//! repeated in an answer (docs/access-log.md, "What a caller types").

/// What the log and the answers say in place of a value that is not a known code or a
/// well-formed reference.
pub const NOT_A_CODE: &str = "(not a code)";

/// The longest reference.
pub const MAX_REFERENCE_LEN: usize = 64;

/// The most runs of digits a reference holds (`PA-2026-000001` has two; a dashed SSN three).
pub const MAX_DIGIT_RUNS: usize = 2;

/// The longest run of consecutive digits in a reference.
pub const MAX_DIGIT_RUN: usize = 6;

/// Whether `value` is a well-formed reference: 1 to 64 ASCII letters, digits, `-`, `.` and
/// `_`, starting with a letter, with at most two runs of digits of at most 6 each.
pub fn is_reference(value: &str) -> bool {
    let bytes = value.as_bytes();
    let Some(first) = bytes.first() else {
        return false;
    };
    if !first.is_ascii_alphabetic() || bytes.len() > MAX_REFERENCE_LEN {
        return false;
    }
    let mut runs = 0;
    let mut run = 0;
    for &byte in bytes {
        if byte.is_ascii_digit() {
            if run == 0 {
                runs += 1;
            }
            run += 1;
            if runs > MAX_DIGIT_RUNS || run > MAX_DIGIT_RUN {
                return false;
            }
        } else if byte.is_ascii_alphabetic() || matches!(byte, b'-' | b'.' | b'_') {
            run = 0;
        } else {
            return false;
        }
    }
    true
}

/// `value` if it is a well-formed reference, otherwise [`NOT_A_CODE`]: what the log records
/// of a reference.
pub fn reference(value: &str) -> &str {
    if is_reference(value) {
        value
    } else {
        NOT_A_CODE
    }
}

/// `value` if it is one of `known`, otherwise [`NOT_A_CODE`]: what the log records of a code
/// that must come from a list (a purpose of the system, say).
pub fn known<'a, S: AsRef<str>>(value: &'a str, known: &[S]) -> &'a str {
    if known.iter().any(|code| code.as_ref() == value) {
        value
    } else {
        NOT_A_CODE
    }
}

/// A value the caller gave, repeated in a message only when it is a word of the vault's own
/// vocabulary (a role, an organization, a recipient category, an identifier type, an action,
/// a field kind, a 552a(b) occasion, a hold purpose or kind, a shipped system): a value given
/// in the wrong place ("analyst" as an organization) is named, anything else, a lowercase
/// surname included, is [`NOT_A_CODE`].
pub fn code(value: &str) -> &str {
    const OTHERS: [&str; 9] = [
        "fincen-cbetf",
        "cbp-pnr",
        "dhs-ice-005-ttar",
        "litigation",
        "request",
        "enforcement-link",
        "declassification",
        "governance",
        "compliance",
    ];
    let known = crate::ROLES
        .iter()
        .chain(&crate::ORGANIZATIONS)
        .chain(&crate::sorn::RECIPIENT_CATEGORIES)
        .chain(&crate::sorn::RETRIEVAL_KEYS)
        .chain(&crate::sorn::ACTIONS)
        .chain(&crate::sorn::FIELD_KINDS)
        .chain(&crate::disclosure::CONDITION_PURPOSES)
        .chain(&OTHERS)
        .any(|word| *word == value);
    if known {
        value
    } else {
        NOT_A_CODE
    }
}

/// Checks a case id: a reference ([`is_reference`]) with at least one digit, since a case id
/// names a case file by its number (`C-1`, `TTU-2026-417`); a word alone might be a surname.
pub fn validate_case_id(case_id: &str) -> Result<(), String> {
    if is_reference(case_id) && case_id.bytes().any(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "a case id is 1 to {MAX_REFERENCE_LEN} letters, digits, dashes, dots and underscores, \
             starting with a letter, with a number: at most {MAX_DIGIT_RUNS} runs of digits of at \
             most {MAX_DIGIT_RUN} each (so no identifier can be one)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Identifier-shaped values: none is a reference, a case id or an echoable code.
    const IDENTIFIERS: &[&str] = &[
        "987-65-4329",
        "987654329",
        "A987-65-4329",
        "case-987-65-4329",
        "12-3456789",
        "X12345678",
        "C0300598",
        "E1234567",
        "000123456789",
        "DE89370400440532013000",
        "JOHN Q PUBLIC",
        "DOE/JOHN MR",
        "Roe, Jane",
        "",
    ];

    #[test]
    fn no_identifier_is_a_reference_a_case_id_or_a_code() {
        for value in IDENTIFIERS {
            assert!(!is_reference(value), "{value}");
            assert_eq!(reference(value), NOT_A_CODE, "{value}");
            assert!(validate_case_id(value).is_err(), "{value}");
            assert_eq!(code(value), NOT_A_CODE, "{value}");
        }
    }

    #[test]
    fn references_and_case_ids_in_use_pass() {
        for good in [
            "C-1",
            "CASE-1",
            "TTU-9",
            "DEMO-3",
            "C-2026-0042",
            "FIN-2026-417",
            "PA-2026-000001",
            "lit_2026.hold-3",
            &format!("a1{}", "b".repeat(62)),
        ] {
            assert!(is_reference(good), "{good}");
            assert!(validate_case_id(good).is_ok(), "{good}");
        }
        for name in ["ana", "records-officer", "ice.analyst"] {
            assert!(is_reference(name), "{name}");
            assert!(
                validate_case_id(name).is_err(),
                "a case id has a number: {name}"
            );
        }
        for bad in ["-a", "1-A", "a b", "a/b", "é", &"x".repeat(65), "A1234567"] {
            assert!(!is_reference(bad), "{bad}");
        }
    }

    #[test]
    fn known_codes_pass_and_others_are_not_codes() {
        let purposes = ["investigation", "audit"];
        assert_eq!(known("audit", &purposes), "audit");
        assert_eq!(known("987-65-4329", &purposes), NOT_A_CODE);
        assert_eq!(known("other", &purposes), NOT_A_CODE);
        assert_eq!(code("fincen-cbetf"), "fincen-cbetf");
        assert_eq!(code("analyst"), "analyst");
        // A lowercase surname or word is not the vault's vocabulary: never repeated.
        for typed in ["smith", "okafor", "a1234567", "zz-top"] {
            assert_eq!(code(typed), NOT_A_CODE, "{typed}");
        }
    }
}
