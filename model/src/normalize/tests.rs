//! Normalization table tests: each row is an input and its indexed form.

use super::*;

#[test]
fn identifiers_normalize_as_documented() {
    let cases: &[(IdentifierKind, &str, Option<&str>, &str)] = &[
        (IdentifierKind::Ssn, "123-45-6789", None, "123456789"),
        (IdentifierKind::Ssn, "123 45 6789", None, "123456789"),
        (IdentifierKind::Ssn, "123456789", None, "123456789"),
        (
            IdentifierKind::Ssn,
            "１２３−４５−６７８９",
            None,
            "123456789",
        ), // full-width digits and minus
        (
            IdentifierKind::Ssn,
            "123\u{2013}45\u{2013}6789",
            None,
            "123456789",
        ), // en dashes
        (IdentifierKind::Tin, "12-3456789", None, "123456789"),
        (IdentifierKind::Tin, "de 123/456", None, "DE123456"),
        (
            IdentifierKind::Account,
            "gb66 demo-9001 8838",
            None,
            "GB66DEMO90018838",
        ),
        (IdentifierKind::Account, "000123", None, "000123"),
        (IdentifierKind::Account, "12/345.6", None, "12/345.6"),
        (
            IdentifierKind::ImporterExporterId,
            "ab-12 34",
            None,
            "AB1234",
        ),
        (
            IdentifierKind::Passport,
            "x123 4567",
            Some("us"),
            "US:X1234567",
        ),
        (
            IdentifierKind::Passport,
            "Ｘ1234567",
            Some("US"),
            "US:X1234567",
        ),
        (
            IdentifierKind::DateOfBirth,
            "1980-02-29",
            None,
            "1980-02-29",
        ),
        (IdentifierKind::BrokerId, "br-0042 77", None, "BR004277"),
        (IdentifierKind::ManufacturerId, "mid 12-9", None, "MID129"),
        (
            IdentifierKind::Phone,
            "+44 20 7946 0000",
            None,
            "442079460000",
        ),
        (
            IdentifierKind::Phone,
            "0044-20-7946-0000",
            None,
            "442079460000",
        ),
        (IdentifierKind::Phone, "(202) 555.0100", None, "2025550100"),
        (IdentifierKind::Phone, "1 202 555 0100", None, "12025550100"),
        (
            IdentifierKind::Email,
            " Jane.Doe@Example.org ",
            None,
            "JANE.DOE@EXAMPLE.ORG",
        ),
        (
            IdentifierKind::Address,
            "123 Main Street, Suite 4",
            None,
            "123 MAIN ST STE 4",
        ),
        (
            IdentifierKind::Address,
            "123 MAIN ST. #4",
            None,
            "123 MAIN ST 4",
        ),
        (
            IdentifierKind::Address,
            "P.O. Box 77, Northgate Road",
            None,
            "PO BOX 77 NORTHGATE RD",
        ),
        (
            IdentifierKind::Address,
            "Post Office Box 77 Northgate Rd",
            None,
            "PO BOX 77 NORTHGATE RD",
        ),
        (
            IdentifierKind::Address,
            "１２ North Avenue",
            None,
            "12 N AVE",
        ),
    ];
    for (kind, value, country, expected) in cases {
        let id = Identifier {
            kind: *kind,
            value: (*value).into(),
            country: country.map(str::to_owned),
        };
        assert_eq!(identifier(&id), *expected, "{kind:?} {value:?}");
    }
}

#[test]
fn names_normalize_as_documented() {
    let cases: &[(&str, &str)] = &[
        ("John Q Public", "JOHN Q PUBLIC"),
        ("  JOHN   Q.  PUBLIC ", "JOHN Q PUBLIC"),
        ("O'Brien-Smith, J.", "O BRIEN SMITH J"),
        ("O\u{2019}Brien\u{2013}Smith", "O BRIEN SMITH"),
        ("José Álvarez", "JOSÉ ÁLVAREZ"),
        ("Jose\u{301} A\u{301}lvarez", "JOSÉ ÁLVAREZ"), // combining accents compose under NFKC
        ("ＪＯＨＮ", "JOHN"),
        ("ﬁnley", "FINLEY"), // the ligature splits
    ];
    for (input, expected) in cases {
        assert_eq!(name(input), *expected, "{input:?}");
    }
}
